"""A person's top skill gap as a development focus: for the pre-1:1 topics and the review
draft's next-quarter focus. Pure: the caller loads the profile and the suggestions.

The focus carries the records behind the gap, so whatever shows it can cite them; a review
sentence cites only the records its reader may see, and is left out when that leaves none.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from insights.review_types import Draft, DraftSection, DraftSentence
from insights.skills.profile import Profile
from insights.skills.suggestions import CatalogueItem, Suggestion, gap_words


@dataclass(frozen=True)
class DevelopmentFocus:
    """The top gap: its competency, why it is one, the first suggestions and its records."""

    competency: str
    gap: str  # "evidence shows level 1, the role expects 2"
    learning: str  # the first catalogue item's title; "" when none fits
    mentor_id: int | None  # the first opted-in mentor; None when none fits
    records: tuple[tuple[str, datetime], ...]  # ("kudos:12", when written), newest first

    @property
    def sources(self) -> tuple[str, ...]:
        """The records behind the gap ("kudos:12", "feedback:3", "rating:7")."""
        return tuple(source for source, _ in self.records)


def development_focus(
    profile: Profile, suggestions: list[Suggestion], items: Mapping[int, CatalogueItem]
) -> DevelopmentFocus | None:
    """The focus for `profile`'s top gap, or None when no cell is a gap (a cell without
    enough evidence never is)."""
    gaps = profile.top_gaps(1)
    if not gaps:
        return None
    cell = gaps[0]
    mine = [s for s in suggestions if s.competency == cell.competency]
    titles = [items[s.item_id].title for s in mine if s.item_id is not None and s.item_id in items]
    learning = titles[0] if titles else ""
    mentor = next((s.mentor_id for s in mine if s.mentor_id is not None), None)
    records = tuple(zip(cell.sources, cell.times, strict=True))
    return DevelopmentFocus(cell.competency, gap_words(cell), learning, mentor, records)


def focus_sentence(
    focus: DevelopmentFocus, who: str, visible: Collection[str]
) -> DraftSentence | None:
    """A next-quarter focus sentence citing the gap's records among `visible` (the records
    the draft rests on), or None when none of them is. Never names a mentor: a draft keeps
    other people's names out."""
    cited = tuple(s for s in focus.sources if s in visible)
    if not cited:
        return None
    words = f"Next quarter, {who} could develop {focus.competency} ({focus.gap})"
    if focus.learning:
        words += f", for example with “{focus.learning}”"
    elif focus.mentor_id is not None:
        words += ", with a colleague who offers mentoring in it"
    return DraftSentence(words + ".", cited)


def with_focus(draft: Draft, sentence: DraftSentence | None) -> Draft:
    """The draft with `sentence` first in its next-quarter focus (unchanged for None)."""
    if sentence is None:
        return draft
    sections = tuple(
        replace(s, sentences=(sentence, *s.sentences)) if s.name == "focus" else s
        for s in draft.sections
    )
    if not any(s.name == "focus" for s in sections):
        sections += (DraftSection("focus", (sentence,)),)
    return replace(draft, sections=sections)
