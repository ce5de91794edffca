"""The writing coach's hints as message blocks, for every flow where someone writes about a
colleague (kudos, feedback): one suggestion, privately, at the moment of writing."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.messages import Block, Context, Section, text
from insights.coach import CoachHint

TIP_LEAD = "A tip for next time"


def coach_reply(hints: Sequence[CoachHint], *, lead: str = TIP_LEAD) -> list[Block]:
    """Blocks with one suggestion, the most important of `hints` (they come most important
    first from `insights.coach.coach`); no blocks when there is none.

    Args:
        hints: What the coach found in the text.
        lead: The words before the hint, such as "A tip for next time" once something is
            posted, or "Before I post this" when asking to confirm.
    """
    if not hints:
        return []
    hint = hints[0]
    return [
        Section(text(f":bulb: *{lead}* — {hint.message}")),
        Context(text(hint.suggestion)),
    ]
