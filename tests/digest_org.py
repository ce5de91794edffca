"""A 21-person org with three topics of recent kudos, for the digest, privacy and audit tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.slack.standin import SlackStandIn, SlackUser
from tests.conftest import BOT_TOKEN, FakeClock, SlackHarness, running_candor

DEPARTMENTS = {"Payments": 8, "Platform": 7, "Design": 4}
TOPICS = {
    "outage": "for handling the production outage calmly and restoring service for customers",
    "mentoring": "for mentoring new engineers patiently during onboarding week",
    "design": "for thoughtful design critique on the checkout flow prototypes",
}


def org_and_users() -> tuple[str, list[SlackUser]]:
    rows = ["email,name,manager_email,department,title,role"]
    users = [SlackUser("U0HR", "hr", "Hana Kim", "hr@x.io")]
    rows.append("hr@x.io,Hana Kim,,People,People Partner,hr")
    rows.append("vp@x.io,Val Price,,Leadership,VP,")
    users.append(SlackUser("U0VP", "vp", "Val Price", "vp@x.io"))
    for dept, size in DEPARTMENTS.items():
        lead = f"{dept.lower()}0@x.io"
        for i in range(size):
            email = f"{dept.lower()}{i}@x.io"
            manager = "vp@x.io" if i == 0 else lead
            name = f"{dept} Person{i}"
            rows.append(f"{email},{name},{manager},{dept},Engineer,")
            users.append(SlackUser(f"U{dept[:2].upper()}{i}", f"{dept.lower()}{i}", name, email))
    return "\n".join(rows) + "\n", users


def seed_feedback(harness: SlackHarness) -> None:
    """Three topics of kudos from many people in the last week, one topic only in Design."""
    store = harness.candor.store
    people = [p for p in store.people.all() if p.department in DEPARTMENTS]
    now = harness.clock()
    n = 0
    for topic, reason in TOPICS.items():
        pool = [p for p in people if p.department == "Design"] if topic == "design" else people
        for i, giver in enumerate(pool):
            receiver = pool[(i + 1) % len(pool)]
            assert giver.id and receiver.id
            n += 1
            store.kudos.create(
                giver_id=giver.id,
                recipient_ids=[receiver.id],
                text=f"{reason} {['today', 'again', 'this sprint'][i % 3]}",
                company_values=["teamwork"] if topic == "mentoring" else ["craft"],
                platform="slack",
                channel_id="C0GENERAL",
                request_key=f"seed-{n}",
                at=now - timedelta(days=1, minutes=i),
            )


def posted(harness: SlackHarness, channel: str) -> list[Any]:
    return [c for c in harness.standin.calls_to("chat.postMessage") if c.args["channel"] == channel]


class ThemeLabeller(FakeListChatModel):
    """A fake chat model that answers the theme prompt from the themes it is given."""

    async def ainvoke(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        from langchain_core.messages import AIMessage

        body = list(input)[-1][1]
        themes = json.loads(body.removeprefix("<themes>\n").removesuffix("\n</themes>"))
        answer = {
            "themes": [
                {
                    "theme_id": t["theme_id"],
                    "label": f"AI label {t['theme_id']}",
                    "summary": "A recurring topic in recent praise. It spans several teams.",
                }
                for t in themes
            ]
        }
        return AIMessage(content=json.dumps(answer))


@asynccontextmanager
async def running_digest_org(
    tmp_path: Path, database_url: str, clock: FakeClock, *, llm: Any = None, **env: str
) -> AsyncIterator[SlackHarness]:
    """Candor serving the sample org, with its feedback already stored."""
    csv_text, users = org_and_users()
    async with (
        SlackStandIn(users=users, token=BOT_TOKEN) as standin,
        running_candor(
            tmp_path, database_url, standin, clock, org_csv=csv_text, llm=llm, **env
        ) as harness,
    ):
        seed_feedback(harness)
        yield harness
