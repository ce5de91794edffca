"""Strength vs growth: a small, explainable lexicon of praise and improvement cues.

Every decision can be traced to the cue words that made it (see :func:`polarity_cues`).
Rules, each there for a reason:

- a negated cue flips ("not clear" is a growth cue, "no issues" a weak strength cue);
- after "but" / "however" / "that said" the clause carries more weight than before it
  ("Great demo, but the notes were late" is about growth);
- requests ("could you", "please", a question) ask for change, so they count as growth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ItemPolarity", "item_polarity", "polarity_cues", "polarity_score", "theme_polarity"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STRENGTH = _words(
    """
thank thanks thanking thank-you thankful grateful appreciate appreciated appreciates appreciation
kudos shoutout shout-out great excellent awesome amazing fantastic outstanding impressive
impressed brilliant superb stellar exceptional remarkable wonderful terrific phenomenal
incredible helpful supportive generous patient kind friendly welcoming calm reliable
dependable thorough careful meticulous insightful thoughtful creative innovative proactive
clear clearer nice good love loved enjoyed proud strong solid smooth smoothly efficient
effective valuable useful novel interesting convincing compelling elegant impactful promising
nailed glad happy pleasure best perfect top-notch rockstar hero mvp well-written
well-organized well-structured well-designed well-motivated well-done
"""
)

_STRENGTH_PHRASES = [
    "thank you",
    "well done",
    "well written",
    "well organized",
    "well structured",
    "well designed",
    "well motivated",
    "easy to follow",
    "easy to read",
    "easy to understand",
    "above and beyond",
    "extra mile",
    "crushed it",
    "spot on",
    "rock star",
    "went out of",
    "made it easy",
    "great job",
    "good job",
]

_GROWTH = _words(
    """
should improve improvement improvements consider suggest suggestion suggestions recommend
encourage wish missing missed miss misses lack lacks lacking lacked unclear confusing confused
late delayed delay delays slow weak weakness weaknesses limited limitation limitations
insufficient inadequate incomplete inconsistent incorrect inaccurate wrong error errors mistake
mistakes fail failed fails failure problem problems issue issues concern concerns concerned
unfortunately difficult struggle struggled struggles overlooked vague unconvincing unsupported
poor poorly sloppy rushed typo typos ambiguous questionable doubt doubtful unsure frustrating
frustrated disappointing disappointed interrupt interrupts interrupted dismissive defensive
please
"""
)

_GROWTH_PHRASES = [
    "could improve",
    "could be improved",
    "could be better",
    "could be clearer",
    "could have",
    "would have been",
    "would be better",
    "would be good",
    "would be nice",
    "would benefit",
    "would help",
    "would like to see",
    "needs to",
    "need to",
    "needs more",
    "room for improvement",
    "work on",
    "next time",
    "going forward",
    "in the future",
    "try to",
    "hard to follow",
    "hard to read",
    "hard to understand",
    "not sure",
    "dropped the ball",
    "could you",
    "can you",
    "would you",
]

_NEGATORS = _words("not no never without hardly barely nothing nor cannot")
# "but also" adds, it does not contrast.
_CONTRAST = re.compile(r"\b(?:but(?! also)|however|that said|except)\b")
_WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*")
_CLAUSE_END = re.compile(r"[,;:.!?()]")
# Weights: a cue before a contrast counts half, one after it one and a half.
_BEFORE_CONTRAST = 0.5
_AFTER_CONTRAST = 1.5
_NEGATED_GROWTH = 0.5
_QUESTION = 0.5


def _pattern(cues: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so "could be clearer" wins over "clearer" and "not sure" over "not".
    options = sorted(set(cues), key=lambda s: (-len(s), s))
    return re.compile(r"\b(?:" + "|".join(re.escape(o) for o in options) + r")\b")


_SIGN = {cue: 1.0 for cue in (*_STRENGTH, *_STRENGTH_PHRASES)} | {
    cue: -1.0 for cue in (*_GROWTH, *_GROWTH_PHRASES)
}
_CUE_RE = _pattern(_SIGN)


@dataclass(frozen=True)
class ItemPolarity:
    """One text's polarity and the evidence for it.

    Attributes:
        label: ``"strength"``, ``"growth"``, ``"mixed"`` (cues cancel out) or ``"neutral"``
            (no cues at all).
        score: Weighted praise minus weighted improvement cues.
        cues: The cue phrases found, growth cues prefixed with ``-``, negated ones with ``~``.
    """

    label: str
    score: float
    cues: tuple[str, ...]


def _negated(text: str, start: int) -> bool:
    # A negation reaches at most three words back and never past a clause boundary.
    window = _CLAUSE_END.split(text[max(0, start - 40) : start])[-1]
    before = _WORD.findall(window)[-3:]
    return any(w in _NEGATORS or w.endswith(("n't", "n’t")) for w in before)


def polarity_cues(text: str) -> ItemPolarity:
    """Score a text with the lexicon and say which cues decided it.

    Args:
        text: Feedback text, any case.

    Returns:
        The label, the score and the cues found.
    """
    lower = text.lower().replace("’", "'")
    contrast = [m.end() for m in _CONTRAST.finditer(lower)]
    pivot = contrast[-1] if contrast else -1
    score = 0.0
    cues: list[str] = []

    def weight(position: int) -> float:
        if pivot < 0:
            return 1.0
        return _AFTER_CONTRAST if position >= pivot else _BEFORE_CONTRAST

    for match in _CUE_RE.finditer(lower):
        cue = match.group()
        sign = _SIGN[cue]
        if _negated(lower, match.start()):
            # "not clear" is a growth cue; "no issues" only weakly a strength one.
            sign = -1.0 if sign > 0 else _NEGATED_GROWTH
            cue = "~" + cue
        score += sign * weight(match.start())
        cues.append(cue if sign > 0 else "-" + cue)
    if lower.rstrip().endswith("?"):
        score -= _QUESTION
        cues.append("-?")
    if not cues:
        label = "neutral"
    elif score > 0:
        label = "strength"
    elif score < 0:
        label = "growth"
    else:
        label = "mixed"
    return ItemPolarity(label, score, tuple(cues))


def polarity_score(text: str) -> float:
    """Weighted praise minus improvement cues (positive: strength, negative: growth)."""
    return polarity_cues(text).score


def item_polarity(text: str) -> str:
    """Classify one text as ``"strength"``, ``"growth"``, ``"mixed"`` or ``"neutral"``.

    Args:
        text: Feedback text.

    Returns:
        The label; ``"neutral"`` when the text has no praise or improvement cues.
    """
    return polarity_cues(text).label


# A theme is one-sided when at least this share of its polar items lean the same way.
_THEME_MAJORITY = 0.65


def theme_polarity(labels: Iterable[str]) -> str:
    """A theme's polarity from its items' labels: the majority, else ``"mixed"``.

    Args:
        labels: Item labels as returned by :func:`item_polarity`.

    Returns:
        ``"strength"`` or ``"growth"`` when at least 65 % of the items that lean either
        way lean that way, otherwise ``"mixed"`` (also when no item leans).
    """
    strength = growth = 0
    for label in labels:
        strength += label == "strength"
        growth += label == "growth"
    polar = strength + growth
    if polar == 0:
        return "mixed"
    if strength >= _THEME_MAJORITY * polar:
        return "strength"
    if growth >= _THEME_MAJORITY * polar:
        return "growth"
    return "mixed"
