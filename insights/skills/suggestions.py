"""Development suggestions for a person's top gaps: items from the imported learning catalogue
and colleagues strong in the competency who opted in to mentoring — each with its reason and
the records behind the gap. Nothing is invented: no catalogue item, no opt-in, no suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from insights.skills.profile import Cell, Profile

ALL_COMPETENCIES = "*"
ITEMS_PER_GAP = 2
MENTORS_PER_GAP = 2


@dataclass(frozen=True)
class CatalogueItem:
    """One learning item as imported."""

    id: int
    title: str
    url: str
    competency: str
    level: int
    format: str = ""
    duration: str = ""


@dataclass(frozen=True)
class Suggestion:
    """One suggestion: a learning item (`item_id`) or a mentor (`mentor_id`), why, and the
    records behind the gap it addresses."""

    competency: str
    kind: str  # "learning" | "mentor"
    reason: str
    evidence: tuple[str, ...]
    item_id: int | None = None
    mentor_id: int | None = None


def strong_in(cell: Cell | None, level: int | None) -> bool:
    """Whether a colleague's cell shows strength: enough evidence, more praise than growth
    points, and at least `level` shown (when given)."""
    if cell is None or cell.shown_level is None or cell.strengths <= cell.growth:
        return False
    return level is None or cell.shown_level >= level


def suggest(
    profile: Profile,
    catalogue: Sequence[CatalogueItem],
    colleagues: Sequence[Profile],
    opted_in: Mapping[int, frozenset[str]],
    *,
    gaps: int = 3,
) -> list[Suggestion]:
    """Ranked suggestions for `profile`'s top gaps (in gap order).

    Args:
        catalogue: the learning catalogue.
        colleagues: other people's profiles (mentor candidates).
        opted_in: person id -> competencies they offer to mentor in ("*" for any).
        gaps: how many gaps to address.
    """
    found: list[Suggestion] = []
    for cell in profile.top_gaps(gaps):
        target = cell.expected_level or ((cell.shown_level or 0) + 1)
        evidence = cell.sources[:5]
        why = _gap_reason(cell)
        items = [i for i in catalogue if i.competency == cell.competency]
        items.sort(key=lambda i: (abs(i.level - target), i.level, i.title.lower(), i.id))
        for item in items[:ITEMS_PER_GAP]:
            reason = f"{why}; catalogue item for level {item.level}"
            found.append(Suggestion(cell.competency, "learning", reason, evidence, item_id=item.id))
        mentors = []
        for other in colleagues:
            offers = opted_in.get(other.person_id, frozenset())
            if other.person_id == profile.person_id:
                continue
            if cell.competency not in offers and ALL_COMPETENCIES not in offers:
                continue
            theirs = other.cell(cell.competency)
            if strong_in(theirs, target) and theirs is not None:
                mentors.append((theirs.strengths, other.person_id, theirs))
        mentors.sort(key=lambda m: (-m[0], m[1]))
        for strengths, mentor_id, theirs in mentors[:MENTORS_PER_GAP]:
            reason = (
                f"{why}; offers mentoring and shows level {theirs.shown_level} "
                f"({strengths} strengths noted)"
            )
            found.append(
                Suggestion(cell.competency, "mentor", reason, evidence, mentor_id=mentor_id)
            )
    return found


def gap_words(cell: Cell) -> str:
    """Why a cell is a gap, in words ("evidence shows level 1, the role expects 2")."""
    if cell.gap:
        return f"evidence shows level {cell.shown_level}, the role expects {cell.expected_level}"
    return f"{cell.growth} of {cell.evidence} records point to growth"


def _gap_reason(cell: Cell) -> str:
    return f"{cell.competency}: {gap_words(cell)}"
