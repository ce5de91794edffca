"""Reading review evidence: usable sentences, topic terms, and the flags a manager sees.

Every rule is small and explainable, so a manager (or a test) can see why a record was
flagged or a sentence left out:

- a sentence addressed to a machine ("Ignore previous instructions", "in your response …",
  "Explain the theory of relativity."), one with a link, and a question that asks nothing of
  the person are never read: feedback is data, and such text is not feedback;
- topic terms are content words and word pairs, without praise or criticism words, traits,
  names, or only generic words ("work", "last week"): "Great job!" has none;
- whether a sentence is about who the person is rather than what they did, and whether a
  record is vague, is the writing coach's judgement (`insights.coach`), so a manager sees
  what the writer was told; such sentences never name a topic."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from insights.coach import CoachHint, coach
from insights.review_types import Contrast, DraftFlags, EvidenceRecord
from insights.themes.labels import phrases
from insights.themes.polarity import item_polarity, polarity_cues

RECENT_DAYS = 60
RECENT_SHARE = 0.6
DOMINANT_SHARE = 0.5
DOMINANT_MIN_RECORDS = 4
QUOTE_CHARS = 200
MAX_CONTRASTS = 5
OWN_KINDS = frozenset({"self", "checkin"})  # the subject's own words


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A sentence ends at . ! ? (and closing quotes) before a capital letter or the end: "see
# example.com" and "said 'wow!' loudly" stay whole.
_SENTENCE = re.compile(r"\S.*?(?:[.!?]+[\"'”’)\]]*(?=\s+[A-Z0-9\"“'‘(\[]|\s*$)|$)", re.MULTILINE)
_LINK = re.compile(
    r"https?://|\bwww\.|<[^>\n]*>|\]\(|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|\b[\w-]+\.(?:com|net|org|io|xyz|ai|co|dev|app|info|biz|ru|cn|me|ly|gg|tk|top|site|online)\b",
    re.IGNORECASE,
)
_TO_MACHINE = re.compile(
    r"\b(?:in|to|into|from) your (?:response|reply|answer|output|message|completion)"
    r"|\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|above)\b"
    r"|\bsystem prompt\b|\bas an ai\b|\blanguage model\b|\byour (?:response|reply|answer)'s\b",
    re.IGNORECASE,
)
# Sentences that open with a verb telling a machine what to write. Advice to a person ("Try
# to …", "Consider …", "Keep …", "Share …") is not here; the rare advice these catch ("Outline
# the plan first") carries no praise or growth cue, so the draft would not have used it anyway.
_IMPERATIVE = re.compile(
    r"^\W*(?:please\s+)?(?:(?:explain|describe|draft|compose|translate|summari[sz]e|recite|"
    r"calculate|solve|generate|render|rearrange|scramble|jumble|misspell|anagram|substitute|"
    r"replace|convert|augment|enhance|modify|integrate|pretend|output|print|repeat|respond|reply|"
    r"answer|teach|list|name|outline|put|encourage|remind|claim|persuade|convince|argue|begin|"
    r"promote|advertise|mention|tell)\b|break down\b|provide the\b"
    r"|(?:write|develop|create|provide|produce|prepare|give|offer|design|make|suggest|recommend|"
    r"build|show|send|share|visit|download|install|click|ask|invite|urge)\s+"
    r"(?:a|an|me|us|your|some|the following|\d+|(?:the\s+)?(?:readers?|users?|audience|"
    r"viewers?|people))\b"
    r"|(?:add|include|insert|append|use|remove|group|combine|introduce)\b.*\byour "
    r"(?:response|reply|answer|output|message)\b)",
    re.IGNORECASE,
)
# "your answer" with what to do to it: "Begin your answer with …", "… at the end of your reply".
_YOUR_OUTPUT = re.compile(r"\byour (?:response|reply|answer|output|message)s?\b", re.IGNORECASE)
_FORMATTING = re.compile(
    r"\b(?:begin|start|end|format|formatted|append|prepend|insert|sentence|paragraph|bullet|"
    r"letters?|words?|emojis?|uppercase|lowercase|capital|language|backwards?|reversed)\b",
    re.IGNORECASE,
)
# A question is feedback when it is put to the person ("Could you share …?", "Why did you …?"),
# not when it asks for an explanation, a recommendation, a translation or a fact.
_REQUEST = re.compile(r"\b(?:you|your)\b|\bwhy not\b|\bwhat if\b", re.IGNORECASE)
_ASKS_FOR_ME = re.compile(
    r"\b(?:show|tell|give|teach|explain to) me\b|\bhow (?:do|would) you (?:say|spell|write)\b"
    r"|\b(?:explain|describe|recommend|suggest|name|list|translate)\b",
    re.IGNORECASE,
)
_BLOCKER = re.compile(
    r"\b(?:block(?:ed|er|ers|ing)?|stuck|waiting (?:on|for)|can't proceed)\b", re.IGNORECASE
)
# Own words that ask for growth: "I want to get better at estimates".
_OWN_GROWTH = re.compile(
    r"\b(?:get|become|be|getting) better at\b|\bimprove (?:my|on)\b|\bwork on my\b"
    r"|\b(?:want|need|plan|hope) to (?:learn|improve|grow|practi[sc]e|get better)\b",
    re.IGNORECASE,
)
# Praise without a praise word: "ran the review really well", "fixed the flaky pipeline".
_DONE_WELL = re.compile(
    r"\b(?:really|very|so|super|extremely|incredibly|went|handled|done|ran|did)\s+well\b"
    r"|\b(?:saved|fixed|shipped|delivered|resolved|launched|led|built|automated|improved|reduced|"
    r"unblocked|mentored|coached|onboarded|organi[sz]ed|simplified|streamlined|migrated|designed|"
    r"drove|owned|handled|solved|sped up|introduced|cut|finished|completed|implemented|released|"
    r"deployed)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|my|me|we|our)\b", re.IGNORECASE)

# Character words: never a topic, and a coded one said of a person is about personality.
_TRAITS = _words(
    """
    nice kind sweet lovely friendly pleasant funny cheerful charming warm cold aggressive abrasive
    positive negative rockstar superstar
    bossy pushy emotional moody shy quiet loud arrogant rude difficult intimidating sensitive
    nervous awkward lazy smart brilliant genius humble confident passionate grumpy annoying weird
    cute bubbly chill easygoing easy-going introverted extroverted stubborn selfish caring gentle
    polite sassy dramatic hysterical abrupt harsh cocky likeable likable lovable nasty mean
    """
)
# Words too general to name a topic on their own.
GENERIC = _words(
    """
    work works worked working job jobs effort efforts hard everything anything something stuff
    always everyone anyone team teams help helps helped helping support day days week weeks time
    times today yesterday lately recently person guy people colleague colleagues teammate
    teammates keep doing role way ways bit overall whole quarter year month months truly
    definitely totally absolutely lot lots continue continued place part new last first next
    many little big huge massive start end thing things again hours blocker blockers blocked
    waiting stuck
    """
)
_CAPITALISED = re.compile(r"\b[A-Z][a-z][\w'’-]*")


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, each a verbatim substring of it."""
    return [piece.strip() for piece in _SENTENCE.findall(text) if piece.strip(" \t.!?")]


def is_instruction(sentence: str) -> bool:
    """Whether a sentence is not feedback: addressed to a machine, a link, an idle question."""
    if _LINK.search(sentence) or _TO_MACHINE.search(sentence) or _IMPERATIVE.search(sentence):
        return True
    if _YOUR_OUTPUT.search(sentence) and _FORMATTING.search(sentence):
        return True
    question = sentence.rstrip("\"'”’) ").endswith("?")
    return question and (not _REQUEST.search(sentence) or bool(_ASKS_FOR_ME.search(sentence)))


@lru_cache(maxsize=4096)
def _is_cue(word: str) -> bool:
    return bool(polarity_cues(word).cues)


def root(word: str) -> str:
    """A crude stem, so "communicated" and "communication" meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ions", "ion", "ments", "ment", "ed", "es"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_words(evidence: Sequence[EvidenceRecord], names: Iterable[str]) -> frozenset[str]:
    """Words that may be names: given names, and words written capitalised mid-sentence."""
    words = {w.lower() for name in names for w in re.findall(r"[\w'’-]+", name)}
    for record in evidence:
        for sentence in split_sentences(record.text):
            first = re.match(r"\W*[\w'’-]+", sentence)
            start = first.end() if first else 0
            words.update(w.lower() for w in _CAPITALISED.findall(sentence[start:]))
    return frozenset(words)


def topic_terms(sentence: str, avoid: frozenset[str]) -> dict[str, str]:
    """Topic words and word pairs of a sentence: key (plural-folded) → the form used."""
    terms: dict[str, str] = {}
    for key, surface in phrases(sentence).items():
        words = surface.split()
        if any(w in avoid or w in _TRAITS or _is_cue(w) for w in words):
            continue
        if all(w in GENERIC for w in words):
            continue  # "work", "last week"; but "build time" and "new hires" name a topic
        terms[key] = surface
    return terms


@dataclass(frozen=True)
class Sentence:
    """One usable sentence of a record, with its polarity and topic terms."""

    ref: str
    text: str  # verbatim from the record
    polarity: str  # strength | growth | mixed | neutral
    terms: dict[str, str]
    personal: bool  # about who the person is, not what they did (the coach's judgement)
    coached: str  # the text as the coach reads it: names as @someone


def mentions(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern for the words of people's names, which the coach should read as @someone."""
    words = sorted({w for name in names for w in re.findall(r"\w+", name)}, key=lambda w: -len(w))
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\b") if words else None


def _personal(hints: Iterable[CoachHint]) -> bool:
    # A coded trait said of the person ("he's aggressive") is about personality too.
    return any(
        h.kind == "personality" or (h.kind == "gendered" and _TRAITS & set(h.words)) for h in hints
    )


def read_record(
    record: EvidenceRecord, avoid: frozenset[str], names: re.Pattern[str] | None
) -> list[Sentence]:
    """The sentences of a record that are feedback, each classified.

    Args:
        record: The record.
        avoid: Words never to use as topics (names; see `name_words`).
        names: People's names (`mentions`), shown to the writing coach as @someone.
    """
    read = []
    for text in split_sentences(record.text):
        if is_instruction(text):
            continue
        if record.polarity in ("strength", "growth"):
            polarity = record.polarity
        elif (record.kind == "checkin" and _BLOCKER.search(text)) or (
            record.kind in OWN_KINDS and _OWN_GROWTH.search(text)
        ):
            polarity = "growth"
        else:
            polarity = item_polarity(text)
            if polarity == "neutral" and record.kind != "goal" and _DONE_WELL.search(text):
                polarity = "strength"
        coached = names.sub("@someone", text) if names else text
        personal = _personal(coach(coached))
        read.append(
            Sentence(record.ref, text, polarity, topic_terms(text, avoid), personal, coached)
        )
    if record.kind == "kudos" and all(s.polarity == "neutral" for s in read):
        # A kudos is praise even without a praise word ("You shipped the parser on time.").
        read = [replace(s, polarity="strength") for s in read]
    return read


def read_evidence(
    records: Sequence[EvidenceRecord], names: Iterable[str]
) -> dict[str, list[Sentence]]:
    """Every record's usable sentences, by ref; `names` are people's names (subject first)."""
    names = list(names)
    avoid = name_words(records, names)
    pattern = mentions(names)
    return {r.ref: read_record(r, avoid, pattern) for r in records}


def recency(
    evidence: Sequence[EvidenceRecord], period_start: datetime, period_end: datetime
) -> bool:
    """Most evidence (≥ 60 %) falls in the last 60 days of a period longer than that."""
    window = timedelta(days=RECENT_DAYS)
    if not evidence or period_end - period_start <= window:
        return False
    recent = sum(r.at > period_end - window for r in evidence)
    return recent >= RECENT_SHARE * len(evidence)


def dominant_source(evidence: Sequence[EvidenceRecord]) -> int | None:
    """The author behind more than half of the records, when there are at least four."""
    if len(evidence) < DOMINANT_MIN_RECORDS:
        return None
    counts = Counter(r.author_id for r in evidence if r.author_id is not None)
    for author, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count > DOMINANT_SHARE * len(evidence):
            return author
    return None


def draft_flags(
    evidence: Sequence[EvidenceRecord],
    read: dict[str, list[Sentence]],
    period_start: datetime,
    period_end: datetime,
) -> DraftFlags:
    """Recency, a dominant source, and vague or personality-focused records, as the writing
    coach (`insights.coach`) judges each record's usable words at the moment of writing."""
    said = {
        r.ref: coach(" ".join(s.coached for s in read[r.ref]))
        for r in evidence
        if r.kind not in ("goal", "checkin") and read[r.ref]
    }
    return DraftFlags(
        recency=recency(evidence, period_start, period_end),
        dominant_source=dominant_source(evidence),
        vague=tuple(ref for ref, hints in said.items() if any(h.kind == "vague" for h in hints)),
        personality=tuple(ref for ref, hints in said.items() if _personal(hints)),
    )


def _quote(text: str) -> str:
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[:QUOTE_CHARS]
    return cut[: cut.rfind(" ")].rstrip() if " " in cut else cut


def _roots(sentence: Sentence) -> set[str]:
    return {root(key) for key in sentence.terms if " " not in key}


def _overlap(a: Sentence, b: Sentence) -> int:
    """How strongly two sentences share a topic: a shared word pair counts double."""
    pairs = {k for k in a.terms if " " in k} & {k for k in b.terms if " " in k}
    return len(_roots(a) & _roots(b)) + len(pairs)


def contrasts(
    evidence: Sequence[EvidenceRecord], read: dict[str, list[Sentence]]
) -> list[Contrast]:
    """Self-assessment claims that someone else's words contradict on the same topic.

    A claim is a praising sentence of the self-assessment, or a neutral first-person one
    ("I led the migration"); an admitted weakness is a growth sentence. Another person's
    growth sentence on the same topic (two shared topic words, or a shared word pair)
    contradicts a claim, their praise an admitted weakness.
    """
    own = {r.ref: r for r in evidence if r.kind == "self"}
    others = [r for r in evidence if r.kind not in (*OWN_KINDS, "goal") and r.author_id is not None]
    found: list[Contrast] = []
    for self_record in own.values():
        for claim in read[self_record.ref]:
            if claim.text.rstrip().endswith("?") or not _roots(claim):
                continue
            if claim.polarity == "growth":
                opposite = "strength"
            elif claim.polarity == "strength" or (
                claim.polarity == "neutral" and _FIRST_PERSON.search(claim.text)
            ):
                opposite = "growth"
            else:
                continue
            best: tuple[int, Sentence] | None = None
            for other in others:
                if other.author_id == self_record.author_id:
                    continue
                for sentence in read[other.ref]:
                    shared = _overlap(claim, sentence)
                    if (
                        sentence.polarity == opposite
                        and shared >= 2
                        and (not best or shared > best[0])
                    ):
                        best = (shared, sentence)
            if best:
                found.append(
                    Contrast(self_record.ref, _quote(claim.text), best[1].ref, _quote(best[1].text))
                )
            if len(found) == MAX_CONTRASTS:
                return found
    return found
