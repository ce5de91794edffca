"""Theme labels: key phrases by class-based TF-IDF over words and word pairs.

A phrase describes a theme when many of the theme's items use it and few items elsewhere
do (c-TF-IDF, as in BERTopic, but over item frequencies so one long message cannot
dominate). Phrases are unigrams and bigrams of adjacent non-stop words within a clause.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

__all__ = ["PRAISE_WORDS", "STOP_WORDS", "key_phrases", "phrases"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Per theme, at most this many items are read for labels: enough for stable frequencies,
# and it keeps 100,000 items inside the time budget.
_LABEL_SAMPLE = 500
_CANDIDATES = 40
_KEYWORDS = 8
_LABEL_PHRASES = 3
# A word pair replaces its word when it covers at least this share of the word's items.
_PAIR_SHARE = 0.5
NO_LABEL = "mixed topics"

STOP_WORDS = _words(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each etc even ever every few for from further get gets got
    had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself just
    let's lot lots me might more most much must mustn't my myself need needs no nor not now of
    off often on once one only or other others ought our ours ourselves out over own per quite
    rather really same shan't she she'd she'll she's should shouldn't since so some something
    still such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've thing things this those though through thus to too under
    until up upon us very via was wasn't we we'd we'll we're we've well were weren't what what's
    when when's where where's whether which while who who's whom why why's will with within
    without won't would wouldn't yet you you'd you'll you're you've your yours yourself
    yourselves yes yeah ok okay hey hi hello pls please thx lol im ive dont cant wont
    make makes made making did done go goes going went take took taken keep kept put give gave
    let see saw say said come came want wanted know knew
    """
)

# Words that only say "well done": polarity reports them; a label says what a theme is about,
# and with few themes c-TF-IDF cannot discount words that every kudos uses.
PRAISE_WORDS = _words(
    """
    thank thanks thanking thx kudos shoutout great awesome amazing fantastic excellent
    outstanding incredible good nice job appreciate appreciated appreciation love loved
    """
)

# Chat markup and contact details carry names and ids, never themes.
_MARKUP = re.compile(r"<[^>]*>|https?://\S+|www\.\S+|\S+@\S+|(?<!\w)@[\w.\-]+")
_POSSESSIVE = ("'s", "’s")
# Words, and the punctuation that ends a clause: phrases never span it ("docs. Team").
_PIECE = re.compile(r"[a-z][a-z0-9]*(?:[-'’][a-z0-9]+)*|[.,;:!?()\[\]{}\"“”/|\n\r\t]|\s[-–—]\s")


def _content(word: str) -> bool:
    return (
        len(word) > 1
        and word not in STOP_WORDS
        and word not in PRAISE_WORDS
        and "'" not in word
        and "’" not in word
    )


def _stem(word: str) -> str:
    # Crude plural folding, so "new hire" and "new hires" count as one phrase.
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def phrases(text: str) -> dict[str, str]:
    """The candidate key phrases of one text: content words and adjacent content pairs.

    Args:
        text: Feedback text; chat markup, links, emails and @mentions are ignored.

    Returns:
        Unigrams and bigrams without stop words, keyed by their plural-folded form, with
        the form the text used.
    """
    found: dict[str, str] = {}
    previous: tuple[str, str] | None = None
    for piece in _PIECE.findall(_MARKUP.sub(" . ", text.lower())):
        word = piece[:-2] if piece.endswith(_POSSESSIVE) else piece
        if not word[:1].isalpha() or not _content(word):
            previous = None  # a clause break or a stop word ends any pair
            continue
        key = _stem(word)
        found.setdefault(key, word)
        if previous is not None and previous[0] != key:
            found.setdefault(f"{previous[0]} {key}", f"{previous[1]} {word}")
        previous = (key, word)
    return found


def _evenly(members: np.ndarray, cap: int) -> np.ndarray:
    if len(members) <= cap:
        return members
    return members[np.linspace(0, len(members) - 1, cap).round().astype(np.int64)]


def _select(ranked: list[str], df: Counter[str], people_ok: dict[str, bool]) -> list[str]:
    chosen: list[str] = []
    taken: set[str] = set()
    for term in ranked:
        if len(chosen) == _KEYWORDS:
            break
        if not people_ok[term] or set(term.split()) & taken:
            continue
        if " " not in term:
            # Prefer a pair such as "code review" when it covers most uses of "review".
            pairs = [
                p
                for p in ranked
                if " " in p
                and term in p.split()
                and people_ok[p]
                and df[p] >= _PAIR_SHARE * df[term]
                and not set(p.split()) & taken
            ]
            if pairs:
                term = pairs[0]
        chosen.append(term)
        taken |= set(term.split())
    return chosen


def key_phrases(
    texts: Sequence[str],
    classes: np.ndarray,
    n_classes: int,
    people: Sequence[frozenset[int | str]],
) -> list[tuple[str, tuple[str, ...]]]:
    """Label every class with its most distinctive phrases.

    Args:
        texts: Texts of the current period.
        classes: Class per text, ``-1`` for items in no theme (they still count as
            background, so words common everywhere are not distinctive).
        n_classes: Number of classes.
        people: Per text, who it is about (in a theme about several people, a phrase
            must come from items about at least two of them).

    Returns:
        Per class, the label and its keywords (best first).
    """
    groups = [np.flatnonzero(classes == c) for c in range(-1, n_classes)]
    groups = [_evenly(g, _LABEL_SAMPLE) for g in groups]
    docs: dict[int, dict[str, str]] = {}
    class_df: list[Counter[str]] = []
    overall: Counter[str] = Counter()
    for members in groups:
        counts: Counter[str] = Counter()
        for i in members.tolist():
            docs[i] = phrases(texts[i])
            counts.update(docs[i].keys())
        class_df.append(counts)
        overall.update(counts)
    present = [len(g) for g in groups if len(g)]
    average = sum(present) / max(len(present), 1)

    results: list[tuple[str, tuple[str, ...]]] = []
    for members, df in zip(groups[1:], class_df[1:], strict=True):
        size = max(len(members), 1)
        # Score ties break on the phrase itself, so the order never depends on hashing.
        scored = heapq.nsmallest(
            _CANDIDATES,
            (
                (-(n / size) * math.log(1.0 + average / overall[t]), t)
                for t, n in df.items()
                if n >= 2
            ),
        )
        ranked = [t for _, t in scored]
        # When a theme is about several people, a phrase must come from items about two of
        # them; that keeps one person's name or private project out of a shared label.
        several = len(frozenset().union(*(people[i] for i in members.tolist()))) >= 2
        people_ok = {t: not several or _from_several(t, members, docs, people) for t in ranked}
        keywords = [_surface(k, members, docs) for k in _select(ranked, df, people_ok)]
        label = " · ".join(keywords[:_LABEL_PHRASES]) or NO_LABEL
        results.append((label, tuple(keywords)))
    return results


def _surface(key: str, members: np.ndarray, docs: dict[int, dict[str, str]]) -> str:
    forms = Counter(docs[i][key] for i in members.tolist() if key in docs[i])
    return min(forms.items(), key=lambda f: (-f[1], f[0]))[0]


def _from_several(
    term: str,
    members: np.ndarray,
    docs: dict[int, dict[str, str]],
    people: Sequence[frozenset[int | str]],
) -> bool:
    seen: set[int | str] = set()
    for i in members.tolist():
        if term in docs[i]:
            seen |= people[i]
            if len(seen) >= 2:
                return True
    return False
