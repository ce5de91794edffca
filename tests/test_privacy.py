"""/candor privacy and /candor ai, through the real Bolt app."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.slack.standin import SlackStandIn
from handlers.config import CoreConfig
from handlers.privacy import privacy_message
from handlers.services import Services
from tests.conftest import FakeClock, SlackHarness, running_candor
from tests.digest_org import TOPICS, ThemeLabeller, running_digest_org


def _reply(harness: SlackHarness) -> str:
    return json.dumps([c.args.get("blocks") for c in harness.standin.calls_to("response_url")])


async def test_privacy_explains_storage_roles_group_size_and_ai(slack: SlackHarness) -> None:
    await slack.kudos("privacy", command="/candor", user="U0LI")

    rendered = _reply(slack)
    for expected in (
        "What Candor stores",
        "Who sees what",
        "fewer than 5 people",
        "whole reporting line",
        "offline engine",
        "never rates or ranks anyone",
        "without a person reviewing",
        "`/candor ai`",
        "audit log",
    ):
        assert expected in rendered, expected


async def test_privacy_follows_the_configuration(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with running_candor(
        tmp_path,
        database_url,
        standin,
        clock,
        llm=ThemeLabeller(responses=["unused"]),
        CANDOR_MIN_GROUP="7",
        CANDOR_SKIP_LEVEL="off",
    ) as harness:
        await harness.kudos("privacy", command="/candor", user="U0HANA")

        rendered = _reply(harness)
        assert "fewer than 7 people" in rendered and "at least 7 people" in rendered
        assert "direct reports only" in rendered
        assert "language model *ThemeLabeller*" in rendered
        assert "names removed" in rendered


def test_privacy_states_the_retention_period_when_one_is_set() -> None:
    @dataclass(frozen=True)
    class WithRetention(CoreConfig):
        retention_days: int = 90

    message = privacy_message(
        Services(store=None, base_config=WithRetention()),  # type: ignore[arg-type]
        {"candor privacy"},
    )
    assert "older than 90 days, and AI outputs older than that, are deleted" in json.dumps(
        str(message.blocks)
    )


@pytest.fixture
async def digested(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    """The digest org with an LLM writing theme labels, after HR ran /digest once."""
    async with running_digest_org(
        tmp_path, database_url, clock, llm=ThemeLabeller(responses=["unused"])
    ) as harness:
        await harness.post(
            harness.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE")
        )
        await harness.settle(len(harness.standin.calls), quiet=0.5)
        harness.standin.clear()
        yield harness


async def test_ai_lists_outputs_that_used_my_records_with_my_sources_only(
    digested: SlackHarness,
) -> None:
    store = digested.candor.store
    me = store.people.by_email("payments1@x.io")
    assert me is not None and me.id is not None
    [output] = store.ai_outputs.recent("theme_summaries")
    mine = {
        k.id: k
        for k in store.kudos.page(0, 1000)
        if k.giver_id == me.id or me.id in k.recipient_ids
    }
    used = {int(i.split(":")[1]) for i in output.input_ids} & set(mine)
    assert used

    await digested.kudos("ai", command="/candor", user="UPA1")

    rendered = _reply(digested)
    assert "Theme labels and summaries for a themes digest" in rendered
    assert "ThemeLabeller" in rendered and "theme_summaries" in rendered and "v1" in rendered
    assert "AI label t1" in rendered  # what the AI wrote
    cited = {int(n) for n in re.findall(r"kudos #(\d+) you (?:gave|received)", rendered)}
    assert cited == used  # every one of my records it used, and only mine
    others = len(set(output.input_ids)) - len(used)
    assert f"It also used {others} records about other people" in rendered
    # Sources are cited by number and date: no feedback text, no other person's name.
    for reason in TOPICS.values():
        assert reason[:30] not in rendered
    assert "Person" not in rendered and "Hana Kim" not in rendered


async def test_ai_reads_are_audited_as_self_reads(digested: SlackHarness) -> None:
    await digested.kudos("ai", command="/candor", user="UPA1")

    me = digested.candor.store.people.by_email("payments1@x.io")
    [event] = digested.candor.store.audit.events(action="read.self")
    assert me is not None and event.actor_id == me.id and event.subject_id == me.id
    assert event.subject_kind == "ai_outputs"
    assert event.detail["role"] == "employee"
    assert event.detail["outputs"] and event.detail["records"] >= 1


async def test_ai_with_no_outputs_says_so(digested: SlackHarness) -> None:
    await digested.kudos("ai", command="/candor", user="U0HR")

    assert "No AI output has used any record" in _reply(digested)


async def test_drafts_awaiting_approval_are_not_shown_until_approved(
    digested: SlackHarness,
) -> None:
    store = digested.candor.store
    me = store.people.by_email("platform2@x.io")
    assert me is not None and me.id is not None
    [received] = [k for k in store.kudos.page(0, 1000) if me.id in k.recipient_ids][:1]
    for status in ("pending", "approved"):
        store.ai_outputs.record(
            kind="review_draft",
            model="test-model",
            prompt="review_draft",
            prompt_version="3",
            input_ids=[f"kudos:{received.id}"],
            output={"status": status, "strengths": {"label": f"Draft {status}"}},
            at=digested.clock(),
        )

    await digested.kudos("ai", command="/candor", user="UPL2")

    rendered = _reply(digested)
    assert "Draft approved" in rendered and "Draft pending" not in rendered
    assert f"kudos #{received.id} you received" in rendered
