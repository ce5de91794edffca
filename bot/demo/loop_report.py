"""The loop week in the demo's outputs: the terminal section, the totals and the transcript views.

In the transcript each person has a view of their DMs with Candor during the week, at their
own local time: the commands they typed, the buttons they clicked, the modals they filled in
(with what they wrote) and everything Candor sent them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.demo import scenario
from bot.demo.layout import INDENT, WIDTH, day, field_lines, title_line
from bot.demo.loop_check import first_line, plain
from bot.demo.loop_replay import LoopOutcome, LoopResult
from bot.demo.loop_scenario import SCHEDULER, TITLE, Kind, zone_of
from bot.demo.replay import Seen
from bot.demo.transcript import ChatMessage, Conversation, blocks_to_plain

# DMs shown in full in the terminal; the others by their first line.
IN_FULL = ("blocker", "nudge")
ROUND_KINDS = {"checkin": "check-in", "reminder": "reminder"}


def city(tz: str) -> str:
    """`America/New_York` → `New York`."""
    return tz.rsplit("/", 1)[-1].replace("_", " ")


def local(at: datetime, tz: str) -> datetime:
    """A moment in a time zone."""
    return at.astimezone(ZoneInfo(tz))


def _zone(result: LoopResult) -> str:
    step = result.step
    return step.zone if step.actor == SCHEDULER else zone_of(step.actor)


def _who(result: LoopResult, names: Mapping[str, str]) -> str:
    actor = result.step.actor
    return actor if actor == SCHEDULER else names.get(scenario.slack_id(actor), actor)


def filled_view(view: Mapping[str, Any], inputs: Mapping[str, str]) -> dict[str, Any]:
    """A modal as it looked when submitted: each input shows what was written or chosen."""
    blocks = []
    for block in view.get("blocks") or ():
        raw = inputs.get(str(block.get("block_id", ""))) if block.get("type") == "input" else None
        if raw is None:
            blocks.append(block)
            continue
        element = dict(block.get("element") or {})
        options = [o for o in element.get("options") or () if o.get("value") == raw]
        if element.get("type") == "static_select":
            element["initial_option"] = options[0] if options else {"text": {"text": raw}}
        elif element.get("type") == "datepicker":
            element["initial_date"] = raw
        else:
            element["initial_value"] = raw
        blocks.append({**block, "element": element})
    return {**view, "blocks": blocks}


def _submitted(actor: str, later: list[LoopResult]) -> Mapping[str, str]:
    """What the actor wrote into the modal a step opened: their next step, if it submits."""
    found = next((r for r in later if r.step.actor == actor), None)
    return found.step.inputs if found and found.step.kind is Kind.SUBMIT else {}


def _seen_lines(result: LoopResult, names: Mapping[str, str]) -> list[str]:
    lines: list[str] = []
    kinds = {id(seen): sent.kind for sent, seen in result.matched}
    says = {id(seen): sent.says.lower() for sent, seen in result.matched}
    if result.step.kind is Kind.SCHEDULED:
        grouped: dict[str, list[str]] = {}
        for seen in result.seen:
            label = ROUND_KINDS.get(kinds.get(id(seen), ""), "DM")
            grouped.setdefault(label, []).append(names.get(seen.where, seen.where))
        for label, readers in grouped.items():
            if label == "DM":
                continue
            count = f" ({len(readers)})" if len(readers) > 2 else ""
            lines += field_lines(label, [f"to {', '.join(readers)}{count}"])
    for seen in result.seen:
        kind = kinds.get(id(seen), "")
        if kind in ROUND_KINDS:
            continue
        body = blocks_to_plain(seen.blocks, seen.text, names)
        if seen.kind == "modal":
            fields = sum(1 for b in seen.blocks if b.get("type") == "input")
            lines += field_lines("modal", [f"“{seen.text}” opens, {fields} fields"])
        elif seen.kind == "dm":
            who = names.get(seen.where, seen.where)
            # The line with the words the scenario expects says what the DM is about.
            key = [line for line in body if says.get(id(seen), "\0") in line.lower()]
            shown = body if kind in IN_FULL else key[:1] or [first_line(seen, names)]
            lines += field_lines("DM", [f"to {who}: {shown[0]}", *shown[1:]])
        else:
            lines += field_lines("private", body)
    return lines


def _step_lines(result: LoopResult, names: Mapping[str, str]) -> list[str]:
    step, tz = result.step, _zone(result)
    at = local(step.at, tz)
    title = (
        f"L{result.number:<3} {day(at)} {at:%H:%M} {city(tz)}  {_who(result, names)} {step.note}"
    )
    acks = " + ".join(f"{ms:.0f}" for ms in result.acks_ms)
    lines = [title_line(title, f"ack {acks} ms") if acks else title]
    if step.kind is Kind.COMMAND:
        lines += field_lines("typed", [result.typed or step.typed])
    elif step.kind is Kind.CLICK:
        lines += field_lines("clicked", [f"[{step.button}]"])
    elif step.kind is Kind.SUBMIT and result.submitted is not None:
        view = filled_view(result.submitted, step.inputs)
        inputs = [b for b in view["blocks"] if b.get("type") == "input"]
        lines += field_lines("filled in", blocks_to_plain(inputs, "", names))
    lines += _seen_lines(result, names)
    lines += [" " * INDENT + "✗ " + problem for problem in result.problems]
    return lines


def loop_section(outcome: LoopOutcome) -> list[str]:
    """The terminal lines for the loop week: each step and what people saw."""
    names = scenario.slack_names()
    first = outcome.results[0].step.at if outcome.results else None
    when = f", from {day(first)}" if first else ""
    lines = [
        "",
        f"── {TITLE}{when}: the same Candor on Slack ".ljust(WIDTH, "─"),
        "     Times are each actor's local time; scheduled rounds run when 09:00 comes in a zone",
    ]
    for result in outcome.results:
        lines += _step_lines(result, names)
    return lines


@dataclass(frozen=True)
class LoopTotals:
    """The loop week in numbers, for the terminal and `summary.json`."""

    steps: int
    requests: int
    modals_opened: int
    checkins_sent: int
    checkins_answered: int
    reminders: int
    blockers_flagged: int
    moods_shared: int
    goals_added: int
    goal_updates: int
    oneonones_scheduled: int
    nudges: int
    nudges_with_evidence: int
    report_preps: int
    evidence_views: int
    agenda_items: int
    ack_p50_ms: float
    ack_max_ms: float


def loop_totals(outcome: LoopOutcome) -> LoopTotals:
    """Count the week: DMs by what they were, as the steps matched them, and the store's facts."""
    results, facts = outcome.results, outcome.facts
    sent = Counter(s.kind for r in results for s, _ in r.matched)
    names = scenario.slack_names()
    moods = sum(
        1
        for r in results
        for s, seen in r.matched
        if s.kind == "blocker" and "mood" in plain(seen, names).lower()
    )
    evidence = sum(1 for r in results for s, _ in r.matched if s.kind == "nudge" and s.evidence)
    acks = sorted(ms for r in results for ms in r.acks_ms)
    views = sum(1 for r in results if r.step.button.startswith("View") and not r.problems)
    return LoopTotals(
        steps=len(results),
        requests=len(acks),
        modals_opened=sum(r.count("modal") for r in results),
        checkins_sent=facts.get("checkins_sent", 0),
        checkins_answered=facts.get("checkins_answered", 0),
        reminders=sent["reminder"],
        blockers_flagged=sent["blocker"],
        moods_shared=moods,
        goals_added=facts.get("goals", 0),
        goal_updates=facts.get("goals_updated", 0),
        oneonones_scheduled=facts.get("oneonones", 0),
        nudges=sent["nudge"],
        nudges_with_evidence=evidence,
        report_preps=sent["prep"],
        evidence_views=views,
        agenda_items=facts.get("agenda_items", 0),
        ack_p50_ms=round(acks[len(acks) // 2], 1) if acks else 0.0,
        ack_max_ms=round(acks[-1], 1) if acks else 0.0,
    )


def loop_total_rows(outcome: LoopOutcome) -> list[tuple[str, str]]:
    """The loop week's rows of the terminal's totals."""
    t = loop_totals(outcome)
    rows = [
        f"{t.checkins_sent} check-ins sent at 09:00 local in 4 zones, {t.checkins_answered} "
        f"answered, {t.reminders} reminders",
        f"{t.blockers_flagged} blockers flagged to the manager ({t.moods_shared} with mood, "
        "shared by consent)",
        f"{t.goals_added} goals added, {t.goal_updates} updated; {t.oneonones_scheduled} 1:1 "
        f"scheduled; {t.nudges} prep nudge, {t.report_preps} report prep",
        f"{t.modals_opened} modals, {t.evidence_views} evidence view, {t.agenda_items} agenda "
        f"item; acks p50 {t.ack_p50_ms:.0f} ms, max {t.ack_max_ms:.0f} ms",
    ]
    return [("Loop week" if n == 0 else "", row) for n, row in enumerate(rows)]


def _message(seen: Seen, at: datetime, view: Mapping[str, Any] | None) -> ChatMessage:
    if seen.kind == "modal":
        return ChatMessage(at, scenario.BOT_ID, text=seen.text, visible_to=seen.where, view=view)
    if seen.kind == "ephemeral":
        return ChatMessage(at, scenario.BOT_ID, seen.blocks, seen.text, "ephemeral", seen.where)
    return ChatMessage(at, scenario.BOT_ID, seen.blocks, seen.text)


def loop_conversations(outcome: LoopOutcome) -> list[Conversation]:
    """Each person's DMs with Candor during the week, at their local time, in the org's order."""
    names = scenario.slack_names()
    zones = {m.slack_id: m.tz for m in scenario.ORG}
    views = {
        m.slack_id: Conversation(f"week-{m.handle}", f"{m.name} · {city(m.tz)}", "dm", group=TITLE)
        for m in scenario.ORG
    }
    for position, result in enumerate(outcome.results):
        step = result.step
        actor = "" if step.actor == SCHEDULER else scenario.slack_id(step.actor)
        if actor in views:
            at = local(step.at, zone_of(step.actor))
            if step.kind is Kind.COMMAND:
                typed = result.typed or step.typed
                message = ChatMessage(at, actor, text=typed, kind="command", visible_to=actor)
                views[actor].messages.append(message)
            elif step.kind is Kind.CLICK:
                said = f"{names.get(actor, actor)} clicked “{step.button}”"
                views[actor].messages.append(ChatMessage(at, actor, text=said, kind="event"))
        for seen in result.seen:
            if seen.where not in views:
                continue
            at = local(step.at, zones[seen.where])
            later = outcome.results[position + 1 :]
            view = filled_view(seen.view, _submitted(step.actor, later)) if seen.view else None
            views[seen.where].messages.append(_message(seen, at, view))
    return [c for c in views.values() if c.messages]
