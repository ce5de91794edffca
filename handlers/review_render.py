"""How a review draft looks: the manager's DM, the edit form (and reading it back), and the
approved text the employee receives.

A stored draft's `content` is `Draft.to_json()` plus `evidence` (the refs of every record the
draft was allowed to rest on, in a stable order: the edit form numbers them), `fallback`
(the language model's answer failed the checks and the offline engine wrote it) and `edited`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from handlers.errors import InvalidInput
from handlers.messages import (
    Actions,
    Block,
    Button,
    Citation,
    Context,
    Divider,
    Form,
    Header,
    Input,
    Mention,
    Message,
    Quote,
    Section,
    text,
)
from insights.review_types import SECTIONS, Draft, DraftSection, DraftSentence, SectionName
from store.models import Person, ReviewDraft

APPROVE = "review.draft.approve"
EDIT = "review.draft.edit"
SAVE = "review.draft.save"
REGENERATE = "review.draft.regenerate"
DISCARD = "review.draft.discard"
TITLES: dict[SectionName, str] = {
    "strengths": "Strengths",
    "growth": "Growth areas",
    "focus": "Next-quarter focus",
}
SHOWN_SENTENCES = 14  # two blocks each; Slack allows 50 blocks in a message
SHOWN_CONTRASTS = 3
LEGEND_CHARS = 2800
MAX_SENTENCE_CHARS = 600
MAX_LINES = 20
_MARKERS = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: date) -> str:
    """A date as people read it: "2 Nov 2026"."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def period_text(row: ReviewDraft) -> str:
    """The period a draft covers, in words."""
    return f"{day(row.period_start)} – {day(row.period_end)}"


def evidence_refs(content: Mapping[str, Any]) -> list[str]:
    """The records a stored draft may cite, in the order the edit form numbers them."""
    refs = content.get("evidence") or []
    return [r for r in refs if isinstance(r, str)]


def button_value(row: ReviewDraft) -> str:
    """What a draft's buttons carry: its id and the version they act on."""
    return f"{row.id}:{row.version}"


def engine_words(row: ReviewDraft) -> str:
    """Which engine wrote the draft, and whether a person changed it since."""
    content = row.content or {}
    if content.get("fallback"):
        said = (
            "Written by the offline engine: the language model's answer did not pass the checks "
            "against the sources, so it was not used."
        )
    elif row.engine.startswith("llm:"):
        said = f"Written by {row.engine.removeprefix('llm:')}, checked against the sources."
    else:
        said = "Written by the offline engine from the records cited."
    if content.get("edited"):
        said += " Edited by you since."
    return said


def _cite(ref: str, labels: Mapping[str, str]) -> Citation | None:
    kind, _, raw = ref.partition(":")
    if not raw.isdigit():
        return None
    return Citation(kind, int(raw), labels.get(ref, ref))


def _flags(draft: Draft, labels: Mapping[str, str], names: Mapping[int, str]) -> list[str]:
    flags, lines = draft.flags, []
    if flags.recency:
        lines.append(
            "Most of the evidence is from the last 60 days of the period: earlier months may "
            "be under-represented."
        )
    if flags.dominant_source is not None:
        who = names.get(flags.dominant_source, "one person")
        lines.append(f"One source dominates: most of the evidence comes from {who}.")
    for refs, what in (
        (flags.vague, "vague (praise or criticism without a concrete example)"),
        (flags.personality, "about personality rather than work"),
    ):
        if refs:
            listed = "; ".join(labels.get(r, r) for r in refs[:5])
            more = f" and {len(refs) - 5} more" if len(refs) > 5 else ""
            count = "1 input is" if len(refs) == 1 else f"{len(refs)} inputs are"
            lines.append(f"{count} {what}: {listed}{more}.")
    return lines


def _contrasts(draft: Draft, labels: Mapping[str, str]) -> list[Block]:
    if not draft.contrasts:
        return []
    blocks: list[Block] = [Section(text("*Self-assessment and others, side by side*"))]
    for contrast in draft.contrasts[:SHOWN_CONTRASTS]:
        mine, theirs = labels.get(contrast.self_ref, "Self"), labels.get(contrast.other_ref, "")
        blocks.append(
            Section(
                text(f"{mine} and {theirs} seem to disagree:"),
                (
                    ("They wrote", text(contrast.self_quote)),
                    ("Others wrote", text(contrast.other_quote)),
                ),
            )
        )
    if len(draft.contrasts) > SHOWN_CONTRASTS:
        blocks.append(Context(text(f"And {len(draft.contrasts) - SHOWN_CONTRASTS} more.")))
    return blocks


def draft_message(
    row: ReviewDraft,
    subject: Person,
    labels: Mapping[str, str],
    names: Mapping[int, str],
    note: str = "",
) -> Message:
    """The manager's DM: every sentence quoted with its numbered sources, the flags and
    contrasts, which engine wrote it, and Approve / Edit / Regenerate / Discard."""
    assert subject.id is not None
    draft = Draft.from_json(row.content or {})
    blocks: list[Block] = [Header(f"Review draft: {subject.name}")]
    if note:
        blocks.append(Section(text(note)))
    # The name in plain text, not a mention: nothing about the draft reaches them before approval.
    intro = (
        f"Draft v{row.version} for {subject.name}, {period_text(row)}. Every sentence shows the "
        f"records it rests on. Nothing reaches {subject.name} until you approve it."
    )
    blocks.append(Section(text(intro)))
    shown = 0
    for section in draft.sections:
        blocks.append(Section(text(f"*{TITLES.get(section.name, section.name)}*")))
        if not section.sentences:
            blocks.append(Context(text("Nothing in the evidence for this part.")))
        for line in section.sentences:
            if shown >= SHOWN_SENTENCES:
                break
            shown += 1
            cites = tuple(c for c in (_cite(r, labels) for r in line.citations) if c)
            blocks.append(Quote(text(line.text), cites))
    total = sum(len(s.sentences) for s in draft.sections)
    if total > shown:
        blocks.append(Context(text(f"{total - shown} more sentences: press Edit to see all.")))
    flags = _flags(draft, labels, names)
    if flags:
        blocks.append(
            Section(text("*Notes on the evidence*\n" + "\n".join(f"• {f}" for f in flags)))
        )
    blocks.extend(_contrasts(draft, labels))
    blocks.append(Context(text(engine_words(row) + " Candor never proposes a rating.")))
    if row.status == "draft":
        value = button_value(row)
        blocks.append(
            Actions(
                (
                    Button("Approve", APPROVE, value, "primary"),
                    Button("Edit", EDIT, value),
                    Button("Regenerate", REGENERATE, value),
                    Button("Discard", DISCARD, value, "danger"),
                )
            )
        )
    return Message(f"Review draft for {subject.name}", tuple(blocks))


def employee_message(row: ReviewDraft, manager: Person) -> Message:
    """The approved text, as the employee receives it: sentences only, no sources or notes
    (those are the manager's)."""
    assert manager.id is not None
    draft = Draft.from_json(row.content or {})
    blocks: list[Block] = [
        Header("Your review"),
        Section(
            text(Mention(manager.id, manager.name), f" shared your review for {period_text(row)}.")
        ),
    ]
    for section in draft.sections:
        if section.sentences:
            lines = "\n".join(f"• {s.text}" for s in section.sentences)
            blocks.append(Section(text(f"*{TITLES.get(section.name, section.name)}*\n{lines}")))
    blocks.append(Divider())
    blocks.append(
        Context(
            text(
                "Prepared from feedback, kudos, check-ins and goals, then reviewed and approved "
                "by your manager. Talk to them about anything in it."
            )
        )
    )
    return Message("Your review", tuple(blocks))


def _line(sentence: DraftSentence, numbers: Mapping[str, int]) -> str:
    marks = "".join(f"[{numbers[r]}]" for r in sentence.citations if r in numbers)
    return f"{sentence.text} {marks}".strip()


def _legend(refs: Sequence[str], labels: Mapping[str, str]) -> list[Block]:
    chunks: list[str] = []
    current = "*Sources you can cite*"
    for number, ref in enumerate(refs, start=1):
        line = f"[{number}] {labels.get(ref, ref)}"
        if len(current) + len(line) + 1 > LEGEND_CHARS:
            chunks.append(current)
            current = line
        else:
            current += "\n" + line
    chunks.append(current)
    return [Context(text(chunk)) for chunk in chunks]


def edit_form(row: ReviewDraft, labels: Mapping[str, str], note: str = "") -> Form:
    """The draft as editable text: one sentence per line, each ending in its source numbers."""
    draft = Draft.from_json(row.content or {})
    refs = evidence_refs(row.content or {})
    numbers = {ref: i for i, ref in enumerate(refs, start=1)}
    lines = {s.name: "\n".join(_line(x, numbers) for x in s.sentences) for s in draft.sections}
    blocks: list[Block] = []
    if note:
        blocks.append(Section(text(note)))
    blocks.append(
        Context(
            text(
                "One sentence per line. End each with the numbers of the sources it rests on, "
                "like [2] or [1][4]; a sentence without a source can't be saved."
            )
        )
    )
    blocks.extend(_legend(refs, labels))
    for name in SECTIONS:
        blocks.append(
            Input(TITLES[name], name, multiline=True, initial=lines.get(name, ""), optional=True)
        )
    return Form(f"Edit draft v{row.version}", SAVE, tuple(blocks), button_value(row), "Save")


def _read_line(raw: str, refs: Sequence[str]) -> DraftSentence | str:
    """One typed line as a sentence, or what is wrong with it."""
    line = _BULLET.sub("", raw).strip()
    numbers = [int(n) for found in _MARKERS.findall(line) for n in found.split(",")]
    words = " ".join(_MARKERS.sub(" ", line).split())
    if not numbers:
        return "has no source. End it with the number of a source from the list, like [1]."
    unknown = [n for n in numbers if not 1 <= n <= len(refs)]
    if unknown:
        return f"cites [{unknown[0]}], which is not in the list of sources."
    if not words:
        return "has source numbers but no words."
    if len(words) > MAX_SENTENCE_CHARS:
        return f"is too long: keep a sentence under {MAX_SENTENCE_CHARS} characters."
    cited = tuple(dict.fromkeys(refs[n - 1] for n in numbers))
    return DraftSentence(words, cited)


def read_edit(
    inputs: Mapping[str, str], refs: Sequence[str]
) -> dict[SectionName, tuple[DraftSentence, ...]]:
    """The sections typed into the edit form, every sentence with its sources.

    Raises:
        InvalidInput: naming each section with a line that has no source, cites a number not
            in the list, or is too long; or the whole draft is empty.
    """
    errors: dict[str, str] = {}
    sections: dict[SectionName, tuple[DraftSentence, ...]] = {}
    for name in SECTIONS:
        lines = [x for x in (inputs.get(name) or "").splitlines() if x.strip()]
        if len(lines) > MAX_LINES:
            errors[name] = f"Keep this part to {MAX_LINES} sentences at most."
            continue
        found: list[DraftSentence] = []
        for number, raw in enumerate(lines, start=1):
            read = _read_line(raw, refs)
            if isinstance(read, str):
                errors.setdefault(name, f"Line {number} {read}")
            else:
                found.append(read)
        sections[name] = tuple(found)
    if not errors and not any(sections.values()):
        errors["strengths"] = "The draft is empty: write at least one sentence with its source."
    if errors:
        raise InvalidInput(errors)
    return sections


def edited_content(
    content: Mapping[str, Any], sections: Mapping[SectionName, tuple[DraftSentence, ...]]
) -> dict[str, Any]:
    """A stored draft with the manager's sentences in place of the engine's (flags, contrasts,
    evidence and engine kept: they describe the evidence, not the wording)."""
    old = Draft.from_json(dict(content))
    new = Draft(
        tuple(DraftSection(name, sections.get(name, ())) for name in SECTIONS),
        old.flags,
        old.contrasts,
        old.engine,
    )
    return {**content, **new.to_json(), "edited": True}


def unsaved_text(inputs: Mapping[str, str]) -> str:
    """What the manager typed into a form that could not be saved, to copy from."""
    parts = [
        f"*{TITLES[name]}*\n{inputs[name].strip()}"
        for name in SECTIONS
        if (inputs.get(name) or "").strip()
    ]
    return "\n".join(parts)[:2500]
