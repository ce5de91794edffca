"""Replaying the scenario as signed Slack requests, and sorting what Slack users saw by step."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import ClientSession

from bot.demo.scenario import CHANNEL_ID, CHANNEL_NAME, Expect, Step, slack_id, wire_text
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import MESSAGE_METHODS, RecordedCall, SlackStandIn
from store.kudos import KudosRecord

if TYPE_CHECKING:
    from bot.demo.home_tabs import HomeOutcome
    from bot.demo.loop_replay import LoopOutcome
    from bot.demo.teams_replay import TeamsOutcome

# Slack shows "operation_timeout" to the user when the ack takes longer than this.
SLACK_ACK_LIMIT_MS = 3000.0
_POLL_S = 0.01


class DemoClock:
    """Candor's clock during the demo: set to each step's moment before it is sent."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Seen:
    """A message a Slack user saw: in the channel, in their DM with Candor, or privately; or a
    modal Candor opened for them (`view` is the whole `views.open` view, `text` its title)."""

    kind: Literal["channel", "dm", "ephemeral", "modal"]
    where: str  # the channel id, or the Slack user id of the DM's, reply's or modal's reader
    blocks: tuple[Mapping[str, Any], ...]
    text: str
    view: Mapping[str, Any] | None = None


@dataclass
class StepResult:
    """What one step sent, how fast Candor acked, and every Slack call it caused."""

    number: int
    step: Step
    wire: str
    statuses: list[int] = field(default_factory=list)
    acks_ms: list[float] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """How many messages of a kind ("channel", "dm", "ephemeral") this step produced."""
        return sum(1 for s in self.seen if s.kind == kind)


def step_tag(number: int) -> str:
    """The part of a step's response_url that names the step, to check replies land in order."""
    return f"step-{number:02d}-"


async def post_signed(http: ClientSession, url: str, secret: str, body: str) -> tuple[int, float]:
    """POST a Slack request signed like Slack signs it; return the status and ack time in ms."""
    headers = signed_headers(secret, body)
    started = time.perf_counter()
    async with http.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
    return response.status, (time.perf_counter() - started) * 1000


async def settle(
    standin: SlackStandIn, before: int, *, quiet: float = 0.1, timeout: float = 8.0
) -> bool:
    """Wait until Candor has finished answering: new calls, then a moment with none.

    Calls of one reply follow each other within milliseconds on a local stand-in (under 20 ms
    measured on 2 cores), so 100 ms of quiet after a message means the reply is complete.
    After any other call (a lookup, conversations.open) more is expected: wait 5× longer.

    Returns False if nothing at all arrived before `timeout` (the step got no reply).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen, changed = len(standin.calls), loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(_POLL_S)
        calls = standin.calls
        if len(calls) != seen:
            seen, changed = len(calls), loop.time()
            continue
        if seen > before:
            wait = quiet if calls[-1].method in MESSAGE_METHODS else 5 * quiet
            if loop.time() - changed >= wait:
                return True
    return seen > before


async def replay_step(
    number: int,
    step: Step,
    *,
    http: ClientSession,
    url: str,
    secret: str,
    standin: SlackStandIn,
    clock: DemoClock,
) -> StepResult:
    """Send one step (twice for a double submit, concurrently) and collect what it caused."""
    clock.now = step.at
    wire = wire_text(step.text)
    # A fresh trigger_id per step; a double submit re-sends the very same request.
    trigger = f"{number}.{secrets.randbelow(10**9)}.{secrets.token_hex(8)}"
    body = slash_command_body(
        command=step.command,
        text=wire,
        user_id=slack_id(step.actor),
        user_name=step.actor,
        channel_id=CHANNEL_ID,
        channel_name=CHANNEL_NAME,
        trigger_id=trigger,
        response_url=f"{standin.response_url_base}{step_tag(number)}{secrets.token_hex(6)}",
    )
    result = StepResult(number, step, wire)
    before = len(standin.calls)
    sent = await asyncio.gather(*(post_signed(http, url, secret, body) for _ in range(step.sends)))
    for status, ack_ms in sent:
        result.statuses.append(status)
        result.acks_ms.append(ack_ms)
    await settle(standin, before)
    result.calls = standin.calls[before:]
    return result


def classify(result: StepResult, dm_readers: Mapping[str, str]) -> None:
    """Turn a step's successful message calls into what each Slack user saw.

    Args:
        dm_readers: DM channel id → the Slack user who reads it.
    """
    actor = slack_id(result.step.actor)
    for call in result.calls:
        if not call.ok or call.method not in MESSAGE_METHODS:
            continue
        args = call.args
        blocks = tuple(b for b in args.get("blocks") or () if isinstance(b, Mapping))
        text = str(args.get("text") or "")
        if call.method == "chat.postEphemeral":
            result.seen.append(Seen("ephemeral", str(args.get("user")), blocks, text))
        elif call.method == "response_url":
            in_channel = args.get("response_type") == "in_channel"
            if in_channel:
                result.seen.append(Seen("channel", CHANNEL_ID, blocks, text))
            else:
                result.seen.append(Seen("ephemeral", actor, blocks, text))
        else:
            channel = str(args.get("channel") or "")
            reader = dm_readers.get(channel) or (channel if channel[:1] in "UW" else None)
            if reader:
                result.seen.append(Seen("dm", reader, blocks, text))
            else:
                result.seen.append(Seen("channel", channel, blocks, text))


def transport_problems(
    number: int, statuses: Sequence[int], acks_ms: Sequence[float], calls: Sequence[RecordedCall]
) -> list[str]:
    """What went wrong on the wire in step `number`: no ack, a slow ack, a refused call, or a
    reply to another step arriving during this one."""
    problems = [f"Candor answered HTTP {s} instead of acking" for s in statuses if s != 200]
    slow = [ms for ms in acks_ms if ms > SLACK_ACK_LIMIT_MS]
    if slow:
        problems.append(f"ack took {max(slow):.0f} ms; Slack gives up after 3 s")
    for call in calls:
        if not call.ok:
            problems.append(f"Slack refused {call.method}: {call.error or call.status}")
        url = str(call.args.get("response_url", ""))
        if call.method == "response_url" and step_tag(number) not in url:
            problems.append("a reply to another step arrived during this one")
    return problems


def check(result: StepResult) -> None:
    """Record in `problems` whatever in this step a user would call broken."""
    problems = result.problems
    problems += transport_problems(result.number, result.statuses, result.acks_ms, result.calls)
    if not result.seen:
        problems.append("no reply at all: nothing was posted, sent or shown")
        return
    posts, dms, private = result.count("channel"), result.count("dm"), result.count("ephemeral")
    if result.step.expect is Expect.KUDOS:
        if posts != 1:
            problems.append(f"expected one channel post, got {posts}")
        if not dms:
            problems.append("no DM to the recipients")
    elif result.step.expect is Expect.DIGEST:
        if posts != 1 or dms:
            problems.append(f"expected one channel post and no DMs, got {posts} and {dms}")
    elif posts or dms or not private:
        problems.append(
            f"expected only a private reply, got {posts} post(s), {dms} DM(s), {private} private"
        )


def ack_stats(results: Sequence[StepResult]) -> tuple[float, float]:
    """Median and maximum ack time in milliseconds over every request sent."""
    acks = sorted(ms for r in results for ms in r.acks_ms)
    if not acks:
        return 0.0, 0.0
    middle = len(acks) // 2
    median = acks[middle] if len(acks) % 2 else (acks[middle - 1] + acks[middle]) / 2
    return median, acks[-1]


@dataclass(frozen=True)
class SearchResult:
    """A semantic search over the index, with the stored kudos behind each hit."""

    query: str
    hits: list[tuple[float, KudosRecord]]


@dataclass
class Outcome:
    """Everything the replay produced, for the terminal summary and the transcript."""

    out_dir: Path
    results: list[StepResult]
    names: dict[int, str]  # person id → name, from the store
    kudos: list[KudosRecord]
    index_count: int
    documents: int  # what SQL says the index should hold: kudos, check-ins, feedback
    searches: list[SearchResult]
    linked: int
    calls: int
    failed_calls: int
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    teams: TeamsOutcome | None = None
    loop: LoopOutcome | None = None
    homes: HomeOutcome | None = None

    @property
    def slack_kudos(self) -> list[KudosRecord]:
        """The kudos given through Slack (the store also holds the Teams day's)."""
        return [k for k in self.kudos if k.platform == "slack"]

    @property
    def transcript_path(self) -> Path:
        """Where the HTML transcript is written."""
        return self.out_dir / "transcript.html"

    @property
    def log_path(self) -> Path:
        """Where the demo's log records (ids only) are written."""
        return self.out_dir / "demo.log"

    def all_problems(self) -> list[str]:
        """Problems of the whole run and of each step, with the step number."""
        by_step = [f"step {r.number}: {p}" for r in self.results for p in r.problems]
        teams = self.teams.all_problems() if self.teams is not None else []
        loop = self.loop.all_problems() if self.loop is not None else []
        homes = self.homes.all_problems() if self.homes is not None else []
        return [*by_step, *teams, *loop, *homes, *self.problems]
