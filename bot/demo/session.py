"""One demo session: the stand-in and Candor started, every step replayed, then index and search.

Everything is real except Slack and Teams themselves: the settings, the SQLite store, the MiniLM
embedder and Chroma index, Bolt with signature checks, botbuilder, and HTTP in both directions.
Slack and the Bot Framework connector are local stand-ins, which record what each user would
have seen. The Teams day (`bot.demo.teams_session`) runs on the same Candor after the month,
then a week of check-ins, goals and 1:1s on Slack again (`bot.demo.loop_session`), and last an
employee, a manager and HR open their App Home (`bot.demo.home_tabs`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from aiohttp import ClientSession, web

from bot.app import Candor, create_app
from bot.demo import loop_scenario, scenario, teams_scenario
from bot.demo.home_tabs import replay_homes
from bot.demo.loop_session import replay_loop
from bot.demo.replay import (
    DemoClock,
    Outcome,
    SearchResult,
    StepResult,
    check,
    classify,
    replay_step,
    settle,
)
from bot.demo.teams_session import replay_teams
from bot.settings import Settings
from bot.slack.app import make_client
from bot.slack.directory import SlackDirectory
from bot.slack.standin import SlackStandIn
from handlers.org_import import import_directory
from store.index_documents import document_count
from store.vector.chroma import open_index
from store.vector.embedder import Embedder, make_embedder
from store.vector.index import VectorIndex

SEARCHES = ("helped during an outage", "mentoring a new teammate", "listening to customers")


def _index_opener(embedder: Embedder, out_dir: Path) -> Callable[[], VectorIndex]:
    def open_demo_index() -> VectorIndex:
        # Chroma lives in the sandbox, never in the real data dir or a configured server.
        return open_index(embedder, data_dir=out_dir, chroma_url=None)

    return open_demo_index


async def _wait_for_index(candor: Candor, embedder: Embedder) -> None:
    # Open the index and load the model before the first command, as a running server
    # would have: the replay then measures acks, not a cold start.
    deadline = time.monotonic() + 60
    while candor.indexer.index is None:
        if candor.indexer.last_error or time.monotonic() > deadline:
            reason = candor.indexer.last_error or "timed out"
            raise RuntimeError(f"the vector index did not open: {reason}")
        await asyncio.sleep(0.02)
    await asyncio.to_thread(embedder.embed, ["warm-up"])


async def _dm_readers(settings: Settings) -> dict[str, str]:
    """DM channel id → reader, asked of Slack the way a client would (conversations.open)."""
    client = make_client(settings)
    readers: dict[str, str] = {}
    for user in scenario.slack_users():
        if user.is_bot:
            continue
        opened = await client.conversations_open(users=user.id)
        readers[str((opened.get("channel") or {}).get("id"))] = user.id
    return readers


async def _search(candor: Candor, index: VectorIndex) -> list[SearchResult]:
    searches = []
    for query in SEARCHES:
        hits = await asyncio.to_thread(index.query, query, 3, {"kind": "kudos"})
        ids = [int(str(h.metadata.get("record_id") or h.id.split(":")[-1])) for h in hits]
        records = {r.id: r for r in candor.store.kudos.get_many(ids)}
        found = [(h.score, records[i]) for h, i in zip(hits, ids, strict=True) if i in records]
        searches.append(SearchResult(query, found))
    return searches


async def replay(out_dir: Path, models_dir: Path) -> Outcome:
    """Start the stand-in and Candor, replay every step, then index and search."""
    started = time.monotonic()
    token = "xoxb-demo-" + secrets.token_hex(12)
    secret = secrets.token_hex(32)
    standin = SlackStandIn(users=scenario.slack_users(), bot_user_id=scenario.BOT_ID, token=token)
    await standin.start()
    runner: web.AppRunner | None = None
    candor: Candor | None = None
    try:
        settings = Settings.from_env(
            {
                "CANDOR_DATA_DIR": str(out_dir),
                "CANDOR_EMBEDDER": "minilm",
                "SLACK_BOT_TOKEN": token,
                "SLACK_SIGNING_SECRET": secret,
                "SLACK_API_URL": standin.base_url,
                # A 12-person sample org: the floor of 3 lets its themes show (default is 5).
                "CANDOR_MIN_GROUP": "3",
                # Teams on, without Bot Framework tokens: nothing offline could sign them.
                "CANDOR_TEAMS_AUTH_DISABLED": "1",
            },
            dotenv_path=None,
        )
        # The Friday before the month starts: HR imports the org.
        clock = DemoClock(scenario.START - timedelta(days=3))
        embedder = make_embedder("minilm", models_dir)
        candor = create_app(
            settings, clock=clock, open_vector_index=_index_opener(embedder, out_dir)
        )
        imported = await import_directory(
            candor.store, scenario.org_csv(), clock(), SlackDirectory(make_client(settings))
        )
        runner = web.AppRunner(candor.web_app(run_scheduler=False), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}/slack/events"
        teams_url = f"http://{host}:{port}/api/messages"
        await _wait_for_index(candor, embedder)

        results: list[StepResult] = []
        async with ClientSession() as http:
            for number, step in enumerate(scenario.STEPS, start=1):
                results.append(
                    await replay_step(
                        number,
                        step,
                        http=http,
                        url=url,
                        secret=secret,
                        standin=standin,
                        clock=clock,
                    )
                )
        await settle(standin, len(standin.calls), timeout=0.3)  # anything still in flight
        readers = await _dm_readers(settings)
        for result in results:
            classify(result, readers)
            check(result)
        teams = await replay_teams(candor, teams_url, clock)
        # The week after: check-ins, goals and a 1:1, on Slack again.
        dms = {user: channel for channel, user in readers.items()}
        loop = await replay_loop(candor, url, secret, standin, clock, dms)
        # Then an employee, a manager and HR open Candor's Home tab.
        homes = await replay_homes(url, secret, standin, clock, dms, loop_scenario.STEPS[-1].at)

        while await candor.indexer.drain_once():
            pass
        index = candor.indexer.index
        assert index is not None  # opened by _wait_for_index
        outcome = Outcome(
            out_dir=out_dir,
            results=results,
            names={p.id: p.name for p in candor.store.people.all() if p.id is not None},
            kudos=candor.store.kudos.page(0, 10_000),
            index_count=await asyncio.to_thread(index.count),
            documents=await asyncio.to_thread(document_count, candor.store),
            searches=await _search(candor, index),
            linked=imported.slack_linked,
            calls=len(standin.calls),
            failed_calls=sum(1 for c in standin.calls if not c.ok),
            teams=teams,
            loop=loop,
            homes=homes,
        )
        # Failures during a step are reported with the step; these happened around the replay.
        step_calls = {id(c) for r in results for c in r.calls}
        step_calls |= {id(c) for r in loop.results for c in r.calls}
        step_calls |= {id(c) for t in homes.tabs for c in t.calls}
        stray = [c for c in standin.calls if not c.ok and id(c) not in step_calls]
        outcome.problems += [f"Slack refused {c.method}: {c.error or c.status}" for c in stray]
    finally:
        if runner is not None:
            await runner.cleanup()  # stops the indexer and closes Candor
        elif candor is not None:
            await candor.close()
        await standin.stop()
    _check_totals(outcome)
    outcome.seconds = time.monotonic() - started
    return outcome


def _check_totals(outcome: Outcome) -> None:
    expected = scenario.expected_kudos()
    from_slack = len(outcome.slack_kudos)
    if from_slack != expected:
        outcome.problems.append(f"{from_slack} kudos stored from Slack, expected {expected}")
    expected_all = expected + teams_scenario.expected_kudos()
    if len(outcome.kudos) != expected_all:
        outcome.problems.append(f"{len(outcome.kudos)} kudos in SQL, expected {expected_all}")
    if outcome.index_count != outcome.documents:
        outcome.problems.append(
            f"the index holds {outcome.index_count} documents for {outcome.documents} records "
            f"({len(outcome.kudos)} kudos, the rest check-ins and feedback)"
        )
    if outcome.linked != len(scenario.ORG):
        outcome.problems.append(
            f"{outcome.linked} of {len(scenario.ORG)} people linked to Slack by email"
        )
