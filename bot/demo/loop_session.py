"""The demo's loop week on the same Candor and Slack stand-in as the month, after the Teams day.

Every step goes through the real Bolt app (signed requests) or the real scheduled job
functions; the Slack stand-in records what each person saw. Each step is checked as soon as
it has been replayed, then the week as a whole against the store.
"""

from __future__ import annotations

from collections import Counter

from aiohttp import ClientSession

from bot.app import Candor
from bot.demo import scenario
from bot.demo.loop_check import check_step
from bot.demo.loop_replay import LoopDriver, LoopOutcome
from bot.demo.loop_scenario import PERIOD, STEPS, Kind
from bot.demo.replay import DemoClock, settle
from bot.slack.standin import SlackStandIn


async def replay_loop(
    candor: Candor,
    url: str,
    secret: str,
    standin: SlackStandIn,
    clock: DemoClock,
    dms: dict[str, str],
) -> LoopOutcome:
    """Replay the loop week and check it.

    Args:
        candor: the running Candor the month was replayed on.
        url: its Slack endpoint (`/slack/events`).
        secret: the Slack signing secret it checks requests with.
        standin: the Slack Web API stand-in it talks to.
        clock: Candor's clock, moved to each step's moment.
        dms: each person's DM channel with Candor, by Slack user id.
    """
    names = scenario.slack_names()
    outcome = LoopOutcome(results=[])
    async with ClientSession() as http:
        driver = LoopDriver(candor, http, url, secret, standin, dms)
        for number, step in enumerate(STEPS, start=1):
            clock.now = step.at
            result = await driver.run(number, step)
            check_step(result, names)
            outcome.results.append(result)
    await settle(standin, len(standin.calls), timeout=0.3)  # anything still in flight
    _count_and_check(candor, outcome)
    return outcome


def _count_and_check(candor: Candor, outcome: LoopOutcome) -> None:
    """Count the week in the store and check it against what the steps showed."""
    store = candor.store
    people = [p for p in store.people.all() if p.active and p.id is not None]
    reachable = [p.id for p in people if p.slack_user_id and p.id is not None]
    rows = store.checkins.for_period(reachable, PERIOD).values()
    goals = store.goals.for_owners([p.id for p in people if p.id is not None], active_only=False)
    meetings = store.oneonones.active()
    facts = {
        "people_on_slack": len(reachable),
        "checkins_sent": sum(1 for c in rows if c.sent_at is not None),
        "checkins_answered": sum(1 for c in rows if c.submitted_at is not None),
        "goals": len(goals),
        "goals_updated": sum(1 for g in goals if g.progress_at is not None),
        "oneonones": len(meetings),
        "agenda_items": sum(len(store.oneonones.open_items(m.id)) for m in meetings if m.id),
    }
    outcome.facts = facts
    dms = Counter(sent.kind for r in outcome.results for sent, _ in r.matched)
    problems = outcome.problems
    if not facts["checkins_sent"] == dms["checkin"] == len(reachable):
        problems.append(
            f"{dms['checkin']} check-in DMs and {facts['checkins_sent']} marked sent for "
            f"{len(reachable)} people on Slack"
        )
    answers = sum(1 for s in STEPS if s.kind is Kind.SUBMIT and "progress" in s.inputs)
    if facts["checkins_answered"] != answers:
        problems.append(f"{facts['checkins_answered']} check-ins answered, expected {answers}")
    if dms["nudge"] != 1:
        problems.append(f"{dms['nudge']} prep nudges sent for one 1:1, expected exactly one")
    goals_added = sum(1 for s in STEPS if s.text.startswith("add "))
    if (facts["goals"], facts["goals_updated"]) != (goals_added, 1):
        problems.append(
            f"{facts['goals']} goals ({facts['goals_updated']} updated) in the store, "
            f"expected {goals_added} (1 updated)"
        )
    if facts["agenda_items"] != 1:
        problems.append(f"{facts['agenda_items']} open agenda items, expected 1")
