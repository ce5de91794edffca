"""Replaying the Teams day through `POST /api/messages`, and sorting what Teams users saw by step.

Candor answers Teams at once and sends its replies after (the way Slack gets its ack); the
connector stand-in records every call, so each step's calls are what it caused.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import ClientSession

from bot.demo.replay import DemoClock
from bot.demo.teams_scenario import Expect, Kind, TeamsStep, activity, original, teams_id
from bot.teams.connector_standin import ConnectorStandIn, RecordedCall
from bot.teams.parse import base_conversation_id

# Teams shows an error to the sender when the bot takes longer than this to answer.
TEAMS_ANSWER_LIMIT_MS = 15_000.0
DRAIN_TIMEOUT_S = 10.0
MESSAGE_OPS = ("send", "reply")

Drain = Callable[[float], Awaitable[bool]]


@dataclass(frozen=True)
class TeamsSeen:
    """A message a Teams user saw: in the team's channel, or in someone's 1:1 chat with Candor.

    `private` is the actor's own chat (a reply only they see); `chat` is anyone else's.
    """

    kind: Literal["channel", "chat", "private"]
    where: str  # the channel id, or the Teams id of the chat's reader
    card: Mapping[str, Any] | None
    summary: str
    images: tuple[tuple[str, str], ...] = ()  # (data URL, name) of images sent with the card
    in_thread: bool = False  # a reply in the thread of the message that asked for it


@dataclass
class TeamsStepResult:
    """What one step sent, how fast Candor answered, and every connector call it caused."""

    number: int
    step: TeamsStep
    activity: dict[str, Any]
    statuses: list[int] = field(default_factory=list)
    answers_ms: list[float] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    seen: list[TeamsSeen] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    drained: bool = True

    def count(self, kind: str) -> int:
        """How many messages of a kind ("channel", "chat", "private") this step produced."""
        return sum(1 for s in self.seen if s.kind == kind)

    @property
    def messages(self) -> list[RecordedCall]:
        """The step's connector calls that delivered a message."""
        return [c for c in self.calls if c.ok and c.op in MESSAGE_OPS]


@dataclass
class TeamsOutcome:
    """Everything the Teams day produced, for the summary and the transcript."""

    results: list[TeamsStepResult]
    linked: dict[str, str | None]  # handle → the Teams id the directory holds for them
    kudos_stored: int
    calls: int
    failed_calls: int
    problems: list[str] = field(default_factory=list)

    def all_problems(self) -> list[str]:
        """Problems of the Teams day and of each of its steps, with the step number."""
        by_step = [f"Teams step T{r.number}: {p}" for r in self.results for p in r.problems]
        return [*by_step, *(f"Teams: {p}" for p in self.problems)]


async def post_activity(
    http: ClientSession, url: str, body: Mapping[str, Any]
) -> tuple[int, float]:
    """POST an activity the way the Bot Framework service does; the status and time in ms."""
    started = time.perf_counter()
    async with http.post(url, json=body) as response:
        await response.read()
    return response.status, (time.perf_counter() - started) * 1000


async def replay_teams_step(
    number: int,
    step: TeamsStep,
    *,
    http: ClientSession,
    url: str,
    standin: ConnectorStandIn,
    drain: Drain,
    clock: DemoClock,
) -> TeamsStepResult:
    """Send one step's activity and wait until everything it caused has been sent."""
    clock.now = step.at
    body = activity(original(step), standin.service_url)
    result = TeamsStepResult(number, step, body)
    before = len(standin.calls)
    status, answer_ms = await post_activity(http, url, body)
    result.statuses.append(status)
    result.answers_ms.append(answer_ms)
    result.drained = await drain(DRAIN_TIMEOUT_S)
    result.calls = standin.calls[before:]
    return result


def _images(body: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(a.get("contentUrl") or ""), str(a.get("name") or "image"))
        for a in body.get("attachments") or ()
        if isinstance(a, Mapping) and str(a.get("contentType", "")).startswith("image/")
    )


def classify(result: TeamsStepResult, readers: Mapping[str, str]) -> None:
    """Turn a step's delivered messages into what each Teams user saw.

    Args:
        readers: 1:1 chat id → the Teams id of the person in it.
    """
    actor = teams_id(original(result.step).actor)
    for call in result.messages:
        conversation = base_conversation_id(call.conversation_id)
        card, summary = call.card, str(call.body.get("summary") or call.body.get("text") or "")
        images = _images(call.body)
        reader = readers.get(conversation)
        if reader is None:
            thread = call.op == "reply" and conversation != call.conversation_id
            result.seen.append(TeamsSeen("channel", conversation, card, summary, images, thread))
        else:
            kind: Literal["chat", "private"] = "private" if reader == actor else "chat"
            result.seen.append(TeamsSeen(kind, reader, card, summary, images))


def check(result: TeamsStepResult) -> None:
    """Record in `problems` whatever in this step a Teams user would call broken."""
    problems, expect = result.problems, result.step.expect
    for status in result.statuses:
        if status not in (200, 201):
            problems.append(f"Candor answered HTTP {status}")
    slow = [ms for ms in result.answers_ms if ms > TEAMS_ANSWER_LIMIT_MS]
    if slow:
        problems.append(f"answer took {max(slow):.0f} ms; Teams gives up after 15 s")
    if not result.drained:
        problems.append(f"replies were still being sent after {DRAIN_TIMEOUT_S:.0f} s")
    problems += [f"the connector refused {c.op}: HTTP {c.status}" for c in result.calls if not c.ok]
    posts, chats, private = result.count("channel"), result.count("chat"), result.count("private")
    if expect is Expect.NOTHING:
        if result.messages:
            problems.append(f"a redelivery sent {len(result.messages)} message(s) again")
        return
    if not result.seen:
        problems.append("no reply at all: nothing was posted or sent")
        return
    in_channel = result.step.kind in (Kind.TEAM_INSTALL, Kind.CHANNEL)
    if expect is Expect.KUDOS:
        if posts != 1 or private:
            problems.append(
                f"expected one channel post and nothing private, got {posts}, {private}"
            )
        if not chats:
            problems.append("no 1:1 message to the recipients")
    elif expect is Expect.DIGEST:
        if posts != 1 or chats or private:
            problems.append(f"expected only one channel post, got {posts}, {chats}, {private}")
        elif not any(s.card for s in result.seen):
            problems.append("the digest had no card")
    elif expect is Expect.WELCOME and in_channel:
        if posts != 1 or chats or private:
            problems.append(f"expected one welcome in the channel, got {posts}, {chats}, {private}")
    elif posts or chats or private != 1:
        problems.append(
            f"expected one private reply, got {posts} post(s), {chats} chat(s), {private} private"
        )


def answer_stats(results: Sequence[TeamsStepResult]) -> tuple[float, float]:
    """Median and maximum answer time in milliseconds over every activity sent."""
    times = sorted(ms for r in results for ms in r.answers_ms)
    if not times:
        return 0.0, 0.0
    middle = len(times) // 2
    median = times[middle] if len(times) % 2 else (times[middle - 1] + times[middle]) / 2
    return median, times[-1]
