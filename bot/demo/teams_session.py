"""The demo's Teams day: the same Candor (handlers, database) answering on `POST /api/messages`.

Everything is real except Teams itself: botbuilder's `CloudAdapter` parses each activity and
sends the replies, over HTTP, to a local Bot Framework connector stand-in (the activities'
`serviceUrl`), which records what each Teams user would have seen. Request authentication is
off (`CANDOR_TEAMS_AUTH_DISABLED`): there is no Bot Framework service to sign the requests.
"""

from __future__ import annotations

from aiohttp import ClientSession

from bot.app import Candor
from bot.demo import scenario, teams_scenario
from bot.demo.replay import DemoClock
from bot.demo.teams_replay import (
    TeamsOutcome,
    TeamsStepResult,
    check,
    classify,
    replay_teams_step,
)
from bot.teams.connector_standin import ConnectorStandIn


def _readers(standin: ConnectorStandIn) -> dict[str, str]:
    """1:1 chat id → its reader: chats people opened, and chats Candor opened with people."""
    readers = {
        teams_scenario.chat_id(h): teams_scenario.teams_id(h) for h in teams_scenario.HANDLES
    }
    for user in teams_scenario.teams_users():
        opened = standin.personal_chat(user.id)
        if opened:
            readers[opened] = user.id
    return readers


async def replay_teams(candor: Candor, url: str, clock: DemoClock) -> TeamsOutcome:
    """Start the connector stand-in, send every Teams step to `url`, and check what came back.

    Args:
        candor: the running Candor, built with Teams on.
        url: its `/api/messages` endpoint.
        clock: Candor's clock, moved to each step's moment.
    """
    teams = candor.teams
    if teams is None:
        raise RuntimeError("Candor was built without Teams")
    standin = ConnectorStandIn(teams_scenario.teams_users(), tenant_id=teams_scenario.TENANT_ID)
    await standin.start()
    try:
        results: list[TeamsStepResult] = []
        async with ClientSession() as http:
            for number, step in enumerate(teams_scenario.STEPS, start=1):
                result = await replay_teams_step(
                    number,
                    step,
                    http=http,
                    url=url,
                    standin=standin,
                    drain=teams.drain,
                    clock=clock,
                )
                results.append(result)
        readers = _readers(standin)
        for result in results:
            classify(result, readers)
            check(result)
        people = {p.email: p for p in candor.store.people.all()}
        linked: dict[str, str | None] = {}
        for handle in teams_scenario.HANDLES:
            member = scenario.member(handle)
            person = people.get(member.email) if member else None
            linked[handle] = person.teams_user_id if person else None
        kudos = candor.store.kudos.page(0, 10_000)
        outcome = TeamsOutcome(
            results=results,
            linked=linked,
            kudos_stored=sum(1 for k in kudos if k.platform == "teams"),
            calls=len(standin.calls),
            failed_calls=sum(1 for c in standin.calls if not c.ok),
        )
        step_calls = {id(c) for r in results for c in r.calls}
        stray = [c for c in standin.calls if not c.ok and id(c) not in step_calls]
        outcome.problems += [f"the connector refused {c.op}: HTTP {c.status}" for c in stray]
    finally:
        await standin.stop()
    _check_totals(outcome)
    return outcome


def _check_totals(outcome: TeamsOutcome) -> None:
    expected = teams_scenario.expected_kudos()
    if outcome.kudos_stored != expected:
        outcome.problems.append(
            f"{outcome.kudos_stored} kudos stored from Teams, expected {expected}"
        )
    wrong = [h for h, linked in outcome.linked.items() if linked != teams_scenario.teams_id(h)]
    if wrong:
        outcome.problems.append(
            f"{len(wrong)} of {len(outcome.linked)} team members not linked to Teams by email"
        )
