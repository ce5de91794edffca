"""The demo's App Home: after the loop week, an employee, a manager and HR open Candor's Home tab.

Each visit is a signed `app_home_opened` event to the real Bolt app, as Slack sends it; the
stand-in records the `views.publish` that answers it (and the welcome DM of a first visit).
Each Home is checked as soon as it is published: published once, and nothing beyond what the
role may see — Priya's shows Mateo but never his mood (he keeps it private), Hannah's HR part
names nobody and no check-in's words appear on it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientSession

from bot.demo import loop_scenario, scenario
from bot.demo.replay import DemoClock, settle, transport_problems
from bot.slack.signed_requests import signed_headers
from bot.slack.standin import RecordedCall, SlackStandIn

TITLE = "App Home"
# Who opens their Home, as whom; in this order, a minute apart.
VISITS: tuple[tuple[str, str], ...] = (
    ("mateo", "employee"),
    ("priya", "manager"),
    ("hannah", "HR"),
)
AFTER_LOOP = timedelta(minutes=45)  # after the loop week's last step (Priya shares the agenda)


@dataclass
class HomeTab:
    """One visit: the Home published for the person, and any DM Candor sent them meanwhile."""

    handle: str
    role: str
    at: datetime
    statuses: list[int] = field(default_factory=list)
    acks_ms: list[float] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    views: list[Mapping[str, Any]] = field(default_factory=list)  # every views.publish for them
    dms: list[tuple[Mapping[str, Any], ...]] = field(default_factory=list)  # blocks of each DM
    problems: list[str] = field(default_factory=list)

    @property
    def view(self) -> Mapping[str, Any]:
        """The Home as published (the last one; a check flags more than one)."""
        return self.views[-1] if self.views else {}


@dataclass
class HomeOutcome:
    """The three Home tabs and what was wrong with them."""

    tabs: list[HomeTab]
    problems: list[str] = field(default_factory=list)

    def all_problems(self) -> list[str]:
        """Problems of each visit, with whose Home it was."""
        return [f"{TITLE} of {t.handle}: {p}" for t in self.tabs for p in t.problems]


def texts(node: Any) -> list[str]:
    """Every text string in a view or some blocks, in order."""
    if isinstance(node, Mapping):
        found = [str(node["text"])] if isinstance(node.get("text"), str) else []
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                found += texts(value)
        return found
    if isinstance(node, (list, tuple)):
        return [t for item in node for t in texts(item)]
    return []


def hr_part(view: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The blocks of a Home from its "HR" header on."""
    blocks = list(view.get("blocks") or ())
    starts = [n for n, b in enumerate(blocks) if b.get("type") == "header" and texts(b) == ["HR"]]
    return blocks[starts[0] :] if starts else []


def _event(user: str, channel: str, team_id: str) -> str:
    return json.dumps(
        {
            "token": "deprecated",
            "type": "event_callback",
            "team_id": team_id,
            "api_app_id": "A0CANDOR",
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": channel,
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
        }
    )


async def replay_homes(
    url: str,
    secret: str,
    standin: SlackStandIn,
    clock: DemoClock,
    dms: Mapping[str, str],
    after: datetime,
) -> HomeOutcome:
    """Open each visitor's Home tab after `after` and check what was published.

    Args:
        url: Candor's Slack endpoint (`/slack/events`).
        secret: the Slack signing secret it checks requests with.
        standin: the Slack Web API stand-in it talks to.
        clock: Candor's clock, moved to each visit's moment.
        dms: each person's DM channel with Candor, by Slack user id.
        after: the moment the loop week ended.
    """
    outcome = HomeOutcome(tabs=[])
    async with ClientSession() as http:
        for n, (handle, role) in enumerate(VISITS):
            tab = HomeTab(handle, role, after + AFTER_LOOP + timedelta(minutes=n))
            clock.now = tab.at
            user = scenario.slack_id(handle)
            body = _event(user, dms.get(user, ""), standin.team_id)
            headers = {**signed_headers(secret, body), "Content-Type": "application/json"}
            before = len(standin.calls)
            started = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=headers) as response:
                await response.read()
            tab.statuses.append(response.status)
            tab.acks_ms.append((time.perf_counter() - started) * 1000)
            await settle(standin, before)
            tab.calls = standin.calls[before:]
            _collect(tab, user, dms)
            check_tab(tab)
            outcome.tabs.append(tab)
    return outcome


def _collect(tab: HomeTab, user: str, dms: Mapping[str, str]) -> None:
    for call in tab.calls:
        if not call.ok:
            continue
        if call.method == "views.publish" and call.args.get("user_id") == user:
            tab.views.append(call.args.get("view") or {})
        elif call.method == "chat.postMessage":
            channel = str(call.args.get("channel") or "")
            if channel != dms.get(user):
                tab.problems.append(f"a message to {channel}, not to {tab.handle}'s DM")
                continue
            tab.dms.append(
                tuple(b for b in call.args.get("blocks") or () if isinstance(b, Mapping))
            )


def others_words(handle: str) -> list[str]:
    """What people other than `handle` wrote in the loop week's check-ins and goals."""
    private = set(loop_scenario.private_texts())
    found: list[str] = []
    for step in loop_scenario.STEPS:
        if step.actor == handle:
            continue
        goal = step.text.removeprefix("add ").split(" by ")[0] if step.command == "/goal" else ""
        found += [w for w in (*step.inputs.values(), goal) if w in private]
    return list(dict.fromkeys(found))


def _mentions_name(lines: Sequence[str], handle: str) -> bool:
    member = scenario.member(handle)
    names = (f"<@{scenario.slack_id(handle)}>", member.name if member else handle)
    return any(n in line for line in lines for n in names)


def check_tab(tab: HomeTab) -> None:
    """Record in `problems` whatever on this Home is missing or beyond the role's permission."""
    tab.problems += transport_problems(0, tab.statuses, tab.acks_ms, tab.calls)
    if len(tab.views) != 1:
        tab.problems.append(f"the Home was published {len(tab.views)} times, expected once")
        if not tab.views:
            return
    if tab.view.get("type") != "home":
        tab.problems.append(f"published a {tab.view.get('type')!r} view, not a Home")
    welcomes = [d for d in tab.dms if any("Welcome to Candor" in t for t in texts(d))]
    if len(tab.dms) > 1 or len(welcomes) != len(tab.dms):
        tab.problems.append(f"{len(tab.dms)} DMs during the visit; at most one welcome expected")
    lines = [line for t in texts(tab.view) for line in t.splitlines()]
    shown = "\n".join(lines)
    if tab.role != "manager":  # a manager may read their reports' blockers and goals
        for words in others_words(tab.handle):
            if words in shown:
                tab.problems.append(f"shows someone else's check-in or goal: “{words[:40]}”")
    if tab.role == "employee":
        _expect(tab, shown, ("Your mood trend", "Cut refund API p95", "Next 1:1"))
        _refuse(tab, shown, ("Your team", "Weekly themes digest"))
    elif tab.role == "manager":
        _check_manager(tab, lines, shown)
    else:
        _expect(tab, shown, ("Weekly themes digest", "Review cycle"))
        _refuse(tab, shown, ("Your team",))
        hr = [line for t in texts(hr_part(tab.view)) for line in t.splitlines()]
        if not hr:
            tab.problems.append("no HR part")
        named = [m.handle for m in scenario.ORG if _mentions_name(hr, m.handle)]
        if named or any("<@" in line for line in hr):
            tab.problems.append(f"the HR part names people: {', '.join(named) or 'a mention'}")


def _check_manager(tab: HomeTab, lines: Sequence[str], shown: str) -> None:
    _expect(tab, shown, ("Your team", "Upcoming 1:1s", "Review drafts waiting"))
    _refuse(tab, shown, ("Weekly themes digest",))
    if not _mentions_name(lines, "mateo"):
        tab.problems.append("Mateo, a report, is not on his manager's Home")
    # Every text that speaks of mood, whole (the consent section lists names under its title).
    moody = [line for t in texts(tab.view) if "mood" in t.lower() for line in t.splitlines()]
    if _mentions_name(moody, "mateo"):
        tab.problems.append("shows Mateo's mood, which he keeps private")
    if not _mentions_name(moody, "aisha"):
        tab.problems.append("no mood of Aisha, who chose to share it")


def _expect(tab: HomeTab, shown: str, words: Sequence[str]) -> None:
    tab.problems += [f"does not show “{w}”" for w in words if w not in shown]


def _refuse(tab: HomeTab, shown: str, words: Sequence[str]) -> None:
    tab.problems += [f"shows “{w}”, beyond a {tab.role}'s permission" for w in words if w in shown]
