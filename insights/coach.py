"""A writing coach for kudos and feedback: vague praise, traits instead of work, gendered words.

Pure and deterministic: word lists (`insights.coach_words`) and a few patterns over the words of
one text; no model, no I/O. Every hint quotes the words that triggered it, so a person can see
why. Tuned for precision over recall: a coach that nags about good feedback gets switched off, so
each detector stays quiet as soon as a text names something concrete. `bench/coach.py` measures
precision and recall on labelled data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from insights.coach_words import (
    AGENTIC,
    AMBIGUOUS,
    CODED,
    COMMUNAL,
    DOUBLE_BIND,
    FILLER,
    GENDER_NOUNS,
    GENDER_PHRASES,
    GENDERED_ADJECTIVES,
    GENERIC,
    GENERIC_NOUNS,
    GIRLS,
    IDENTITY_NOUNS,
    MANNER,
    OFFICE_ROLES,
    PEOPLE_ONLY_TRAITS,
    PERSON_CONTEXT,
    PERSON_NOUNS,
    PHRASES,
    PLACES,
    POSSESSIVES,
    PRAISE,
    QUALIFIERS,
    STOP,
    STYLE_NOUNS,
    SUBJECTS,
    TRAIT_POSSESSIONS,
    TRAITS,
    WORK_ROLES,
)

HintKind = Literal["vague", "personality", "gendered"]


@dataclass(frozen=True)
class CoachHint:
    """One suggestion about a text: what kind, why (quoting the text), and what to do instead.

    `words` are the words of the text that triggered the hint (empty for `vague`, which is about
    what is missing).
    """

    kind: HintKind
    message: str
    suggestion: str
    words: tuple[str, ...] = ()


VAGUE_SUGGESTION = (
    "Say what they did and what it changed, e.g. “Your runbook cut our on-call pages in half.”"
)
PERSONALITY_SUGGESTION = (
    "Describe the behaviour and its effect on the work instead of a trait, e.g. “You walked "
    "the new joiners through the deploy pipeline, and both shipped in their first week.”"
)
COMMUNAL_SUGGESTION = (
    "Add what they achieved or led and its effect, e.g. “You led the incident review, and "
    "the fix shipped the same day.”"
)
MARKER_SUGGESTION = (
    "Leave gender out and say what they did, e.g. “Your design review caught the race "
    "condition before release.”"
)

_SUBJECTS = SUBJECTS | PERSON_NOUNS
_PERSON_REFS = SUBJECTS | PERSON_NOUNS | POSSESSIVES | {"him", "them"}
_NOT_WORK = (
    TRAITS
    | PRAISE
    | PERSON_NOUNS
    | IDENTITY_NOUNS
    | TRAIT_POSSESSIONS
    | PERSON_CONTEXT
    | COMMUNAL
    | frozenset(CODED)
)
_PHRASE_PATTERNS = tuple(
    (re.compile(r"\b" + re.escape(p).replace(r"\ ", r"[\s-]+") + r"\b"), p.replace(" ", "-"))
    for p in sorted(PHRASES, key=len, reverse=True)
)
_QUOTES = str.maketrans("’‘“”–—", "''\"\"- ")
_WORD = re.compile(r"@someone|[a-z0-9]+(?:[-'][a-z0-9]+)*")


def _normalise(text: str) -> str:
    t = text.lower()
    t = t.translate(_QUOTES)
    t = re.sub(r"<[@!#][^>]*>", " @someone ", t)  # Slack mentions and channel links
    t = re.sub(r"(?<![\w.])@[\w.\-]+", " @someone ", t)
    t = re.sub(r"https?://\S+", " link ", t)
    t = re.sub(r":[a-z0-9_+\-]+:", " ", t)  # :tada: emoji codes
    t = re.sub(r"\b(you|we|they)'re\b", r"\1 are", t)
    t = re.sub(r"\b(she|he|it|that)'s\b", r"\1 is", t)
    for pattern, joined in _PHRASE_PATTERNS:
        t = pattern.sub(joined, t)
    return t


def words(text: str) -> list[str]:
    """The text as lower-case words, with mentions as `@someone` and known phrases joined
    ("team player" → "team-player"); possessives and contractions lose their tail."""
    out: list[str] = []
    for token in _WORD.findall(_normalise(text)):
        if "'" in token and token not in GENDER_PHRASES:
            token = token.split("'", 1)[0]
        out.append(token)
    return out


_NAME = re.compile(
    r"\b([A-Z][a-z]+)(?:'s|’s)?\s+(?:is|was|has|can|could|seems|comes|came|always|really)\b"
)
_NOT_NAMES = frozenset({"it", "this", "that", "there", "here", "what", "everything", "nothing"})


def _names(text: str) -> frozenset[str]:
    """Capitalised words that are the subject of a sentence ("Ana is", "Li's"): names."""
    return frozenset(m.lower() for m in _NAME.findall(text)) - _NOT_NAMES


def _content(tokens: list[str], also_not: frozenset[str] = frozenset()) -> list[str]:
    return [
        w
        for w in tokens
        if w not in STOP
        and w not in GENERIC
        and w not in also_not
        and not w.startswith("@")
        and (len(w) > 1 or w.isdigit())
    ]


def is_vague(text: str) -> bool:
    """Whether the text names nothing specific: only praise or blame words, stock objects
    ("great job!", "thanks for everything", "good company", "nothing"), or no words at all
    ("👍"). An empty text is not vague: there is nothing to coach."""
    if not text.strip():
        return False
    return not _content(words(text))


def _back_to_subject(tokens: list[str], i: int, subjects: frozenset[str]) -> bool:
    """Whether the word at `i` is said of a person: only filler between it and a subject.
    A capitalised subject (a name, or just the first word of a sentence) counts only for words
    that are never said of things."""
    if tokens[i] in AMBIGUOUS or tokens[i] in PRAISE:
        subjects &= _SUBJECTS
    for k in range(i - 1, max(-1, i - 9), -1):
        word = tokens[k]
        if word in subjects:
            return True
        if word in STYLE_NOUNS:
            return k > 0 and tokens[k - 1] in POSSESSIVES
        # Other traits may sit in between: "she is so warm, caring and thoughtful".
        if word not in FILLER and word not in TRAITS and word not in CODED:
            return False
    return False


def _before_manner(tokens: list[str], i: int) -> bool:
    # "her warm and nurturing approach", "his gentle demeanor"
    for k in range(i + 1, min(len(tokens), i + 5)):
        if tokens[k] in MANNER:
            return True
        if tokens[k] not in TRAITS and tokens[k] != "and":
            return False
    return False


def _ends_praise(after: str) -> bool:
    # "you're amazing!" praises the person; "you did great work" praises the work.
    return not after or after in STOP or (after in GENERIC and after not in GENERIC_NOUNS)


def trait_words(text: str) -> list[str]:
    """The character traits the text attributes to a person ("you're so kind", "great guy",
    "for being a rockstar", "her positivity"), in order, each once."""
    tokens = words(text)
    subjects = _SUBJECTS | _names(text)
    found: list[str] = []
    for i, w in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if w in PEOPLE_ONLY_TRAITS or (
            w in TRAITS and (after in PERSON_NOUNS or _before_manner(tokens, i))
        ):
            found.append(w)
        elif w in PRAISE and after in IDENTITY_NOUNS:
            found.append(f"{w} {after}")
        elif w in TRAIT_POSSESSIONS and i > 0 and tokens[i - 1] in POSSESSIVES:
            found.append(f"{tokens[i - 1]} {w}")
        elif (w in TRAITS or (w in PRAISE and _ends_praise(after))) and (
            after not in QUALIFIERS and _back_to_subject(tokens, i, subjects)
        ):
            found.append(w)
    return list(dict.fromkeys(found))


def _work_content(text: str) -> list[str]:
    return _content(words(text), _NOT_WORK | _names(text))


def is_personality(text: str) -> bool:
    """Whether the text is about who someone is rather than what they did: it gives them a
    character trait and says (almost) nothing concrete about their work."""
    traits = trait_words(text)
    if not traits:
        return False
    work = _work_content(text)
    # A description heavy with traits may carry a little context and still be about character
    # ("kind, patient, a real team player in planning"): one concrete word per trait at most.
    return len(work) <= max(1, len(traits))


def coded_words(text: str) -> list[str]:
    """Gender-coded words said of a person ("she can be abrasive", "too assertive", "bossy
    manager"), each once."""
    tokens = words(text)
    subjects = _SUBJECTS | _names(text)
    found: list[str] = []
    for i, w in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1] if i > 0 else ""
        if w in CODED and (after in PERSON_NOUNS or _back_to_subject(tokens, i, subjects)):
            found.append(w)
        elif (w in DOUBLE_BIND and before in ("too", "overly")) and (
            after in PERSON_NOUNS or _back_to_subject(tokens, i, subjects)
        ):
            found.append(f"{before} {w}")
    return list(dict.fromkeys(found))


def gender_markers(text: str) -> list[str]:
    """Phrases that make gender the point ("for a woman", "female engineer", "office mom",
    "man up"), each once."""
    tokens = words(text)
    found: list[str] = []
    for i, w in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        third = tokens[i + 2] if i + 2 < len(tokens) else ""
        if w in GENDER_PHRASES:
            found.append(w.replace("-", " "))
        elif w == "for" and after == "a" and third in GENDER_NOUNS:
            found.append(f"for a {third}")
        elif (w in GENDERED_ADJECTIVES and after in WORK_ROLES) or (
            w in {"office", "team"} and after in OFFICE_ROLES
        ):
            found.append(f"{w} {after}")
        elif w in {"the", "our", "my"} and after in GIRLS and third in PLACES:
            found.append(after)
    return list(dict.fromkeys(found))


def communal_balance(text: str) -> tuple[list[str], list[str]]:
    """The communal ("warm", "caring", "team player") and agentic ("confident", "led",
    "shipped") words in the text, each once, in order."""
    tokens = words(text)
    communal = [w for w in dict.fromkeys(tokens) if w in COMMUNAL]
    agentic = [w for w in dict.fromkeys(tokens) if w in AGENTIC]
    return communal, agentic


def is_communal_only(text: str) -> bool:
    """Whether the text praises a person's warmth (two or more communal words) with no word of
    achievement and little concrete work: the pattern feedback to women skews towards."""
    communal, agentic = communal_balance(text)
    tokens = words(text)
    about_someone = any(t in _PERSON_REFS for t in tokens)
    return len(communal) >= 2 and not agentic and about_someone and len(_work_content(text)) <= 2


def _quoted(items: list[str], singular: str, plural: str, limit: int = 3) -> str:
    """ "“bossy” is" or "“warm” and “kind” are": the words quoted, with the verb that fits."""
    shown = [f"“{w.replace('-', ' ')}”" for w in items[:limit]]
    if len(shown) == 1:
        return f"{shown[0]} {singular}"
    return ", ".join(shown[:-1]) + " and " + shown[-1] + f" {plural}"


def _gendered(text: str) -> CoachHint | None:
    coded = coded_words(text)
    if coded:
        first = coded[0].split()[-1]
        alternative = CODED.get(first, "a word for what they did, not their manner")
        return CoachHint(
            "gendered",
            f"{_quoted(coded, 'is', 'are')} used far more often in feedback to women than to "
            "men, and judges manner rather than work.",
            f"Consider a neutral, behaviour-based word: {alternative}.",
            tuple(coded),
        )
    markers = gender_markers(text)
    if markers:
        return CoachHint(
            "gendered",
            f"{_quoted(markers, 'brings', 'bring')} gender into feedback about work.",
            MARKER_SUGGESTION,
            tuple(markers),
        )
    if is_communal_only(text):
        communal, _ = communal_balance(text)
        return CoachHint(
            "gendered",
            f"{_quoted(communal, 'praises', 'praise')} warmth but not achievement. Feedback "
            "to women is often worded this way, and it counts for less when reviews are written.",
            COMMUNAL_SUGGESTION,
            tuple(communal),
        )
    return None


def coach(text: str) -> list[CoachHint]:
    """Hints for a piece of kudos or feedback, the most important first (gendered, then
    personality, then vague); at most one per kind, and none for specific, neutral text.

    A text about a person's traits is usually vague too; it gets the personality hint only.
    """
    hints: list[CoachHint] = []
    gendered = _gendered(text)
    if gendered is not None:
        hints.append(gendered)
    if is_personality(text):
        traits = trait_words(text)
        hints.append(
            CoachHint(
                "personality",
                f"{_quoted(traits, 'describes', 'describe')} who they are, not what they did.",
                PERSONALITY_SUGGESTION,
                tuple(traits),
            )
        )
    elif is_vague(text):
        hints.append(
            CoachHint(
                "vague",
                "This says it was good, but not what they did — a reader can't tell what to "
                "repeat.",
                VAGUE_SUGGESTION,
            )
        )
    return hints
