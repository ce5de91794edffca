"""Checking a loop-week step against what its scenario says Candor must show.

Each expected DM must arrive exactly once, to the right person, with its words and without the
words it must never say (a report's mood when they have not chosen to share it); nothing else
may be sent. A private reply or a modal must appear when expected and only then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.demo import scenario
from bot.demo.loop_replay import LoopResult
from bot.demo.loop_scenario import Kind
from bot.demo.replay import Seen, transport_problems
from bot.demo.transcript import blocks_to_plain

EVIDENCE_ACTION = "evidence.show"


def plain(seen: Seen, names: Mapping[str, str]) -> str:
    """What a reader sees of a message or modal, as plain text (buttons as `[label]`)."""
    return "\n".join([seen.text, *blocks_to_plain(seen.blocks, seen.text, names)])


def first_line(seen: Seen, names: Mapping[str, str]) -> str:
    """The first line of a message as shown, for summaries and problems."""
    lines = blocks_to_plain(seen.blocks, seen.text, names)
    return lines[0] if lines else seen.text


def buttons(seen: Seen) -> list[Mapping[str, object]]:
    """The buttons of a message, in order."""
    return [
        element
        for block in seen.blocks
        if block.get("type") == "actions"
        for element in block.get("elements") or ()
        if isinstance(element, Mapping)
    ]


def has_evidence(seen: Seen, kind: str) -> bool:
    """Whether a message carries a "View" button that opens a record of this kind."""
    return any(
        str(b.get("action_id", "")).startswith(EVIDENCE_ACTION)
        and str(b.get("value", "")).startswith(f"{kind}:")
        for b in buttons(seen)
    )


def _said_never(text: str, words: Sequence[str]) -> list[str]:
    lowered = text.lower()
    return [w for w in words if w.lower() in lowered]


def _check_private(result: LoopResult, names: Mapping[str, str]) -> None:
    step, problems = result.step, result.problems
    replies = [s for s in result.seen if s.kind == "ephemeral"]
    modals = [s for s in result.seen if s.kind == "modal"]
    if step.reply:
        found = [s for s in replies if step.reply.lower() in plain(s, names).lower()]
        if len(replies) != 1 or not found:
            shown = "; ".join(first_line(s, names) for s in replies) or "none"
            problems.append(f"expected one private reply saying “{step.reply}”, got: {shown}")
    elif replies:
        problems.append(f"an unexpected private reply: {first_line(replies[0], names)}")
    if step.modal:
        if [s.text for s in modals] != [step.modal]:
            problems.append(f"expected the modal “{step.modal}”, got {[s.text for s in modals]}")
    elif modals:
        problems.append(f"an unexpected modal: {modals[0].text}")
    for seen in replies + modals:
        for word in _said_never(plain(seen, names), step.never):
            problems.append(f"the {seen.kind} reply says “{word}”, which it must not")


def _check_dms(result: LoopResult, names: Mapping[str, str]) -> None:
    problems = result.problems
    left = [s for s in result.seen if s.kind == "dm"]
    for sent in result.step.dms:
        reader = scenario.slack_id(sent.to)
        found = [
            s for s in left if s.where == reader and sent.says.lower() in plain(s, names).lower()
        ]
        who = names.get(reader, sent.to)
        if len(found) != 1:
            problems.append(f"expected one {sent.kind} DM to {who}, got {len(found)}")
            continue
        seen = found[0]
        left.remove(seen)
        result.matched.append((sent, seen))
        for word in _said_never(plain(seen, names), sent.never):
            problems.append(f"the {sent.kind} DM to {who} says “{word}”, which it must not")
        if sent.evidence and not has_evidence(seen, sent.evidence):
            problems.append(f"the {sent.kind} DM to {who} has no link to its {sent.evidence}")
    for seen in left:
        who = names.get(seen.where, seen.where)
        problems.append(f"a DM nobody expected, to {who}: {first_line(seen, names)}")


def check_step(result: LoopResult, names: Mapping[str, str]) -> None:
    """Record in `problems` whatever in this step differs from what its scenario promises."""
    step = result.step
    result.problems += transport_problems(
        result.number, result.statuses, result.acks_ms, result.calls
    )
    if step.kind is not Kind.SCHEDULED and not result.statuses:
        return  # nothing was sent: the reason is already recorded
    posts = [s for s in result.seen if s.kind == "channel"]
    if posts:
        result.problems.append(
            f"{len(posts)} message(s) posted in a channel; all should be private"
        )
    _check_private(result, names)
    _check_dms(result, names)
