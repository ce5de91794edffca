"""Replaying the loop week: signed slash commands, button clicks and modal submissions against
the real Bolt app, and Candor's scheduled rounds run at the demo clock's moments.

A click presses the button a person can see: the newest message Candor sent them that shows
that label. A submission fills in the modal the person's previous step opened, the way Slack
posts a `view_submission`. Scheduled steps call `Candor.run_scheduled` with the same job
functions the real scheduler runs (`bot.jobs`).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession

from bot.app import Candor
from bot.demo import scenario
from bot.demo.loop_scenario import SCHEDULER, Kind, LoopStep, Sent
from bot.demo.replay import Seen, settle, step_tag
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import RecordedCall, SlackStandIn
from handlers.checkin_rounds import checkin_round
from handlers.messages import Outgoing
from handlers.prep import prep_round
from handlers.services import Services

Job = Callable[[Services, datetime], Awaitable[list[Outgoing]]]
# The names bot/jobs.py gives these rounds (they label the metrics and the log).
JOBS: dict[str, tuple[str, Job]] = {
    "checkin": ("check-ins", checkin_round),
    "prep": ("1:1 prep", prep_round),
}


@dataclass
class LoopResult:
    """What one loop step sent, how fast Candor acked, and every Slack call it caused."""

    number: int
    step: LoopStep
    statuses: list[int] = field(default_factory=list)
    acks_ms: list[float] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    typed: str = ""  # COMMAND: what was sent (with the goal number filled in)
    pressed: Mapping[str, Any] | None = None  # CLICK: the button pressed
    submitted: Mapping[str, Any] | None = None  # SUBMIT: the modal submitted
    matched: list[tuple[Sent, Seen]] = field(default_factory=list)  # DMs as expected

    def count(self, kind: str) -> int:
        """How many messages of a kind ("dm", "ephemeral", "modal", "channel") it produced."""
        return sum(1 for s in self.seen if s.kind == kind)


@dataclass
class LoopOutcome:
    """The loop week: each step's result, and what the store held at the end."""

    results: list[LoopResult]
    facts: dict[str, int] = field(default_factory=dict)  # counted in the store
    problems: list[str] = field(default_factory=list)

    def all_problems(self) -> list[str]:
        """Problems of the week and of each step, with the step number."""
        by_step = [f"loop step L{r.number}: {p}" for r in self.results for p in r.problems]
        return [*by_step, *self.problems]


class LoopDriver:
    """Sends the loop week's steps to a running Candor and records what each one caused."""

    def __init__(
        self,
        candor: Candor,
        http: ClientSession,
        url: str,
        secret: str,
        standin: SlackStandIn,
        dms: Mapping[str, str],
    ) -> None:
        """`dms` is each person's DM channel with Candor, by Slack user id."""
        self.candor, self.http, self.url, self.secret = candor, http, url, secret
        self.standin, self.dms = standin, dms
        self.seen_by: dict[str, list[Seen]] = {}  # what each Slack user has seen so far
        self.modal_of: dict[str, Mapping[str, Any]] = {}  # the last modal opened per user

    async def run(self, number: int, step: LoopStep) -> LoopResult:
        """Send one step and collect the Slack calls it caused (classified, not yet checked)."""
        result = LoopResult(number, step)
        before = len(self.standin.calls)
        if step.kind is Kind.SCHEDULED:
            name, job = JOBS[step.job]
            await self.candor.run_scheduled(name, job)
        else:
            body = self._body(result)
            if body is None:
                return result
            status, ack_ms, ack = await self._post(body)
            result.statuses.append(status)
            result.acks_ms.append(ack_ms)
            if ack.get("response_action") == "errors":
                result.problems.append(f"the form was refused: {sorted(ack.get('errors', {}))}")
            await settle(self.standin, before)
        result.calls = self.standin.calls[before:]
        self._classify(result)
        return result

    def _body(self, result: LoopResult) -> str | None:
        step, user = result.step, scenario.slack_id(result.step.actor)
        trigger = f"{result.number}.{secrets.randbelow(10**9)}.{secrets.token_hex(8)}"
        reply_to = (
            f"{self.standin.response_url_base}{step_tag(result.number)}{secrets.token_hex(6)}"
        )
        if step.kind is Kind.COMMAND:
            result.typed = f"{step.command} {self._fill(step)}"
            return slash_command_body(
                command=step.command,
                text=scenario.wire_text(self._fill(step)),
                user_id=user,
                user_name=step.actor,
                channel_id=self.dms[user],
                channel_name="directmessage",
                trigger_id=trigger,
                response_url=reply_to,
            )
        if step.kind is Kind.CLICK:
            button = self._button(user, step.button)
            if button is None:
                result.problems.append(f"no “{step.button}” button to press")
                return None
            result.pressed = button
            payload = self._click_payload(user, button, trigger, reply_to)
        else:
            view = self.modal_of.pop(user, None)
            if view is None:
                result.problems.append("no open modal to submit")
                return None
            result.submitted = view
            payload = self._view_payload(user, view, dict(step.inputs))
        return urlencode({"payload": json.dumps(payload)})

    def _fill(self, step: LoopStep) -> str:
        if "{goal}" not in step.text:
            return step.text
        store = self.candor.store
        person = store.people.by_platform_id("slack", scenario.slack_id(step.actor))
        goals = store.goals.for_owners([person.id]) if person and person.id else []
        newest = max((g.id for g in goals if g.id is not None), default=0)
        return step.text.replace("{goal}", str(newest))

    def _button(self, user: str, label: str) -> Mapping[str, Any] | None:
        for seen in reversed(self.seen_by.get(user, [])):
            for block in seen.blocks:
                for element in (
                    block.get("elements") or () if block.get("type") == "actions" else ()
                ):
                    if (element.get("text") or {}).get("text") == label:
                        return dict(element)
        return None

    def _click_payload(
        self, user: str, button: Mapping[str, Any], trigger: str, reply_to: str
    ) -> dict[str, Any]:
        channel = self.dms[user]
        return {
            "type": "block_actions",
            "team": {"id": self.standin.team_id},
            "user": {"id": user},
            "api_app_id": "A0CANDOR",
            "trigger_id": trigger,
            "channel": {"id": channel, "name": "directmessage"},
            "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
            "response_url": reply_to,
            "actions": [
                {
                    "action_id": button.get("action_id"),
                    "value": button.get("value", ""),
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def _view_payload(
        self, user: str, view: Mapping[str, Any], inputs: dict[str, str]
    ) -> dict[str, Any]:
        values: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks") or ():
            if block.get("type") != "input":
                continue
            element, raw = block["element"], inputs.get(block["block_id"])
            state: dict[str, Any] = {"type": element["type"]}
            if element["type"] == "datepicker":
                state["selected_date"] = raw
            elif element["type"] == "static_select":
                state["selected_option"] = None if raw is None else {"value": raw}
            else:
                state["value"] = raw
            values[block["block_id"]] = {element["action_id"]: state}
        return {
            "type": "view_submission",
            "team": {"id": self.standin.team_id},
            "user": {"id": user},
            "api_app_id": "A0CANDOR",
            "view": {
                "id": "V" + secrets.token_hex(5).upper(),
                "hash": secrets.token_hex(8),
                "team_id": self.standin.team_id,
                "type": "modal",
                "callback_id": view.get("callback_id"),
                "private_metadata": view.get("private_metadata", ""),
                "state": {"values": values},
            },
        }

    async def _post(self, body: str) -> tuple[int, float, dict[str, Any]]:
        headers = signed_headers(self.secret, body)
        started = time.perf_counter()
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            raw = await response.text()
        ack_ms = (time.perf_counter() - started) * 1000
        try:
            ack = json.loads(raw) if raw.strip() else {}
        except ValueError:
            ack = {}
        return response.status, ack_ms, ack if isinstance(ack, dict) else {}

    def _classify(self, result: LoopResult) -> None:
        """Sort the step's successful calls into what each Slack user saw."""
        actor = "" if result.step.actor == SCHEDULER else scenario.slack_id(result.step.actor)
        readers = {channel: user for user, channel in self.dms.items()}
        for call in result.calls:
            if not call.ok:
                continue
            args = call.args
            blocks = tuple(b for b in args.get("blocks") or () if isinstance(b, Mapping))
            text = str(args.get("text") or "")
            if call.method == "views.open":
                view = args.get("view") or {}
                shown = tuple(b for b in view.get("blocks") or () if isinstance(b, Mapping))
                title = str((view.get("title") or {}).get("text", ""))
                result.seen.append(Seen("modal", actor, shown, title, view=view))
                self.modal_of[actor] = view
            elif call.method == "chat.postEphemeral":
                result.seen.append(Seen("ephemeral", str(args.get("user")), blocks, text))
            elif call.method == "response_url":
                if args.get("response_type") == "in_channel":
                    result.seen.append(Seen("channel", actor, blocks, text))
                else:
                    result.seen.append(Seen("ephemeral", actor, blocks, text))
            elif call.method == "chat.postMessage":
                channel = str(args.get("channel") or "")
                reader = readers.get(channel)
                result.seen.append(
                    Seen("dm" if reader else "channel", reader or channel, blocks, text)
                )
        for seen in result.seen:
            self.seen_by.setdefault(seen.where, []).append(seen)
