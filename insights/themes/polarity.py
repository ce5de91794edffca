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
# Words, and the punctuation that ends a clause (a negation never reaches past one).
_TOKEN = re.compile(r"[a-z]+(?:['-][a-z]+)*|[,;:.!?()]")
# Weights: a cue before a contrast counts half, one after it one and a half.
_BEFORE_CONTRAST = 0.5
_AFTER_CONTRAST = 1.5
_NEGATED_GROWTH = 0.5
_QUESTION = 0.5

_SIGN = {cue: 1.0 for cue in (*_STRENGTH, *_STRENGTH_PHRASES)} | {
    cue: -1.0 for cue in (*_GROWTH, *_GROWTH_PHRASES)
}


def _by_first_word(cues: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    # Longest first, so "could be clearer" wins over "clearer" and "not sure" over "not".
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for cue in sorted((c for c in cues if " " in c), key=lambda c: (-len(c.split()), c)):
        phrases.setdefault(cue.split()[0], []).append(tuple(cue.split()))
    return phrases


_PHRASES = _by_first_word(_SIGN)


def _is_negator(word: str) -> bool:
    return word in _NEGATORS or word.endswith("n't")


def _contrast_end(words: list[str]) -> int:
    """Index of the first word after the last "but" / "however" / "that said" / "except"."""
    pivot = -1
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("however", "except") or (word == "but" and nxt != "also"):
            pivot = i + 1  # "but also" adds, it does not contrast
        elif word == "that" and nxt == "said":
            pivot = i + 2
    return pivot


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


def polarity_cues(text: str) -> ItemPolarity:
    """Score a text with the lexicon and say which cues decided it.

    Args:
        text: Feedback text, any case.

    Returns:
        The label, the score and the cues found.
    """
    lower = text.lower().replace("’", "'")
    words: list[str] = []
    clauses: list[int] = []
    clause = 0
    for token in _TOKEN.findall(lower):
        if token[0].isalpha():
            words.append(token)
            clauses.append(clause)
        else:
            clause += 1
    pivot = _contrast_end(words)
    score = 0.0
    cues: list[str] = []
    i = 0
    while i < len(words):
        match = next(
            (p for p in _PHRASES.get(words[i], ()) if tuple(words[i : i + len(p)]) == p),
            (words[i],) if words[i] in _SIGN else None,
        )
        if match is None:
            i += 1
            continue
        cue = " ".join(match)
        sign = _SIGN[cue]
        back = range(max(0, i - 3), i)
        if any(_is_negator(words[j]) and clauses[j] == clauses[i] for j in back):
            # "not clear" is a growth cue; "no issues" only weakly a strength one.
            sign = -1.0 if sign > 0 else _NEGATED_GROWTH
            cue = "~" + cue
        weight = 1.0 if pivot < 0 else (_AFTER_CONTRAST if i >= pivot else _BEFORE_CONTRAST)
        score += sign * weight
        cues.append(cue if sign > 0 else "-" + cue)
        i += len(match)
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
