"""The contract between review-draft engines (offline in `insights.review_draft`, LLM in
`prompts.review_draft`) and the handlers that gather evidence and show drafts.

Records are referred to as `"<kind>:<id>"` (`kudos:12`, `feedback:3`, `checkin:5`, `goal:7`),
the same form as vector-index document ids, so a citation can be checked and opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SectionName = Literal["strengths", "growth", "focus"]
SECTIONS: tuple[SectionName, ...] = ("strengths", "growth", "focus")


@dataclass(frozen=True)
class EvidenceRecord:
    """One record a draft may rest on, already filtered to what the manager may see."""

    ref: str  # "kudos:12"
    kind: str  # kudos | peer | upward | self | manager_note | checkin | goal
    author_id: int | None  # who wrote it (None: a system record such as a goal's progress)
    text: str
    at: datetime
    # What the source says about itself where known: "strength", "growth" or "" (unknown).
    polarity: str = ""


@dataclass(frozen=True)
class DraftSentence:
    """One sentence of a draft and the records it rests on (never empty)."""

    text: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class DraftSection:
    """Strengths, growth areas or next-quarter focus."""

    name: SectionName
    sentences: tuple[DraftSentence, ...]


@dataclass(frozen=True)
class DraftFlags:
    """Warnings for the manager about the evidence itself."""

    recency: bool = False  # most evidence is from the last 60 days of the period
    dominant_source: int | None = None  # an author behind most of the evidence
    vague: tuple[str, ...] = ()  # refs of vague input ("great job!")
    personality: tuple[str, ...] = ()  # refs about personality rather than work


@dataclass(frozen=True)
class Contrast:
    """A self-assessment claim that someone else's words contradict, shown side by side."""

    self_ref: str
    self_quote: str
    other_ref: str
    other_quote: str


@dataclass(frozen=True)
class Draft:
    """A complete draft. Candor never proposes a rating; nothing here is one."""

    sections: tuple[DraftSection, ...]
    flags: DraftFlags = field(default_factory=DraftFlags)
    contrasts: tuple[Contrast, ...] = ()
    engine: str = "offline"  # or "llm:<model>"

    def citations(self) -> set[str]:
        """Every record any sentence cites."""
        return {ref for s in self.sections for line in s.sentences for ref in line.citations}

    def to_json(self) -> dict[str, Any]:
        """The draft as stored in `review_drafts.content`."""
        return {
            "engine": self.engine,
            "sections": [
                {
                    "name": s.name,
                    "sentences": [
                        {"text": line.text, "citations": list(line.citations)}
                        for line in s.sentences
                    ],
                }
                for s in self.sections
            ],
            "flags": {
                "recency": self.flags.recency,
                "dominant_source": self.flags.dominant_source,
                "vague": list(self.flags.vague),
                "personality": list(self.flags.personality),
            },
            "contrasts": [
                {
                    "self_ref": c.self_ref,
                    "self_quote": c.self_quote,
                    "other_ref": c.other_ref,
                    "other_quote": c.other_quote,
                }
                for c in self.contrasts
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        """A draft from `to_json`'s output."""
        flags = data.get("flags") or {}
        return cls(
            sections=tuple(
                DraftSection(
                    s["name"],
                    tuple(
                        DraftSentence(line["text"], tuple(line["citations"]))
                        for line in s.get("sentences", [])
                    ),
                )
                for s in data.get("sections", [])
            ),
            flags=DraftFlags(
                recency=bool(flags.get("recency")),
                dominant_source=flags.get("dominant_source"),
                vague=tuple(flags.get("vague", ())),
                personality=tuple(flags.get("personality", ())),
            ),
            contrasts=tuple(Contrast(**c) for c in data.get("contrasts", [])),
            engine=str(data.get("engine", "offline")),
        )


@dataclass(frozen=True)
class NotEnoughEvidence:
    """No draft: what is missing, in words for the manager."""

    sources: int  # distinct records found
    people: int  # distinct authors found
    missing: str  # e.g. "Only 2 records from 1 person; at least 4 from 3 people are needed."


def check_citations(draft: Draft, allowed: set[str]) -> list[str]:
    """Problems with a draft's citations: a sentence without any, or a record not allowed."""
    problems = []
    for section in draft.sections:
        for line in section.sentences:
            if not line.citations:
                problems.append(f"a {section.name} sentence cites nothing")
            problems.extend(f"unknown record {ref}" for ref in line.citations if ref not in allowed)
    return problems
