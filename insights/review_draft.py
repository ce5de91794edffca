"""The offline review-draft engine: evidence grouped by topic and polarity, templated sentences.

Pure and deterministic: the same evidence always gives the same draft. Each record's usable
sentences (see `insights.review_flags`) are sorted into strengths and growth areas by their
polarity; records sharing a topic word are grouped (the word most records share first), and
each group becomes one sentence citing exactly its records. Sentences are templates filled
with topic terms only, so no text from the evidence (an instruction hidden in a kudos, a
link) ever becomes a sentence. Candor never rates: no template says how good anyone is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from insights.review_flags import (
    GENERIC,
    OWN_KINDS,
    Sentence,
    contrasts,
    draft_flags,
    read_evidence,
    root,
)
from insights.review_types import (
    Draft,
    DraftSection,
    DraftSentence,
    EvidenceRecord,
    NotEnoughEvidence,
)

__all__ = ["DEFAULT_LOOKBACK_DAYS", "draft_review"]

DEFAULT_LOOKBACK_DAYS = 182
MAX_GROUPS = 4  # group sentences per section, before one sentence for the single mentions
MAX_LISTED = 4  # topics listed in one sentence
MAX_FOCUS = 3


@dataclass(frozen=True)
class _Group:
    """Records that share a topic, and the words that name it."""

    refs: tuple[str, ...]
    label: str


def draft_review(
    evidence: Sequence[EvidenceRecord],
    *,
    subject: str,
    period_end: datetime,
    min_sources: int = 4,
    min_people: int = 2,
    period_start: datetime | None = None,
    names: Sequence[str] = (),
) -> Draft | NotEnoughEvidence:
    """Draft strengths, growth areas and next-quarter focus from evidence, every sentence cited.

    Args:
        evidence: Records the manager may see (duplicates by ref are read once).
        subject: The name the draft calls the person by.
        period_end: End of the review period.
        min_sources: Fewer distinct records than this → no draft.
        min_people: Fewer distinct authors than this → no draft.
        period_start: Start of the period (default: `DEFAULT_LOOKBACK_DAYS` before its end);
            only the recency flag uses it.
        names: Other people's names, kept out of the draft's words.

    Returns:
        The draft, or what is missing for one.
    """
    records = sorted({r.ref: r for r in reversed(evidence)}.values(), key=lambda r: (r.at, r.ref))
    people = {r.author_id for r in records if r.author_id is not None}
    if len(records) < min_sources or len(people) < min_people:
        return NotEnoughEvidence(
            len(records),
            len(people),
            _missing(len(records), len(people), subject, min_sources, min_people),
        )
    start = period_start or period_end - timedelta(days=DEFAULT_LOOKBACK_DAYS)
    read = read_evidence(records, [subject, *names])
    flags = draft_flags(records, read, start, period_end)
    by_ref = {r.ref: r for r in records}

    strength = _bucket(records, read, "strength")
    growth = _bucket(records, read, "growth")
    # An open goal is named by its objective, the first sentence of its text.
    goals = [
        (r.ref, _first_term(_terms(read[r.ref][:1]) or _terms(read[r.ref]), goal=r.text))
        for r in records
        if r.kind == "goal" and r.polarity != "strength" and _terms(read[r.ref])
    ]
    strength_groups, strength_single = _group(strength)
    growth_groups, growth_single = _group(growth)

    strengths = _strength_sentences(strength_groups, strength_single, by_ref, subject)
    growths = _growth_sentences(growth_groups, growth_single, by_ref, subject)
    focus = _focus_sentences(
        growth_groups, growth_single, goals, strength_groups + strength_single, by_ref, subject
    )
    if not strengths and not growths and not focus:
        return NotEnoughEvidence(
            len(records),
            len(people),
            f"The {_count(len(records), 'record')} from {_people(len(people))} hold no specific "
            f"examples ({len(flags.vague)} vague, {len(flags.personality)} about personality). "
            "Ask for feedback on specific work with /feedback request.",
        )
    return Draft(
        sections=(
            DraftSection("strengths", tuple(strengths)),
            DraftSection("growth", tuple(growths)),
            DraftSection("focus", tuple(focus)),
        ),
        flags=flags,
        contrasts=tuple(contrasts(records, read)),
        engine="offline",
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _missing(records: int, people: int, subject: str, need: int, need_people: int) -> str:
    need_text = f"need {need} from {_people(need_people)}"
    if records == 0:
        found = f"No records about {subject} in this period ({need_text})."
    else:
        found = f"Only {_count(records, 'record')} from {_people(people)} ({need_text})."
    if people < need_people:
        advice = (
            f"Ask {subject} to collect peer feedback with /feedback request, or add yours with "
            "/feedback give."
        )
    else:
        advice = f"Ask for more feedback about {subject}'s work with /feedback request."
    return f"{found} {advice}"


def _terms(sentences: Iterable[Sentence]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for sentence in sentences:
        if not sentence.personal:
            for key, surface in sentence.terms.items():
                merged.setdefault(key, surface)
    return merged


def _bucket(
    records: Sequence[EvidenceRecord], read: dict[str, list[Sentence]], polarity: str
) -> list[tuple[str, dict[str, str]]]:
    """(ref, topic terms) of the records that say something of this polarity about a topic."""
    found = []
    for record in records:
        terms = _terms(s for s in read[record.ref] if s.polarity == polarity)
        if terms:
            found.append((record.ref, terms))
    return found


def _unigram_roots(terms: dict[str, str]) -> set[str]:
    return {root(key) for key in terms if " " not in key}


def _surface(key: str, members: Sequence[dict[str, str]]) -> str:
    forms = Counter(terms[key] for terms in members if key in terms)
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]


def _label(members: Sequence[dict[str, str]], topic: str) -> str:
    """Name a group by its shared topic word (or a pair with it) and a second shared term."""
    counts = Counter(key for terms in members for key in terms)

    def rank(key: str) -> tuple[int, int, str]:
        return (-counts[key], " " not in key, key)

    about = [k for k in counts if any(root(word) == topic for word in k.split())]
    first = min(about, key=rank)
    taken = set(first.split())
    others = [k for k in counts if counts[k] >= 2 and not set(k.split()) & taken]
    others = [k for k in others if not {root(w) for w in k.split()} & {root(w) for w in taken}]
    label = _surface(first, members)
    if others:
        label += " and " + _surface(min(others, key=rank), members)
    return label


def _first_term(terms: dict[str, str], goal: str = "") -> str:
    """A text's first run of adjacent word pairs ("estimating project timelines"), else its
    first specific word. For a `goal` the last run, without the objective's opening verb:
    "Cut the CI build time" → "ci build time"."""
    runs: list[list[str]] = []
    for key, surface in terms.items():
        words = surface.split()
        if " " not in key or (not goal and GENERIC & set(words)):
            continue  # "new joiners" says less than "mentoring" before it
        if runs and runs[-1][-1] == words[0]:
            runs[-1].append(words[1])
        else:
            runs.append(words)
    if not runs:
        single = [s for k, s in terms.items() if " " not in k and s not in GENERIC]
        return (single or list(terms.values()))[0]
    words = runs[-1] if goal else runs[0]
    opening = re.match(r"\W*(\w+)", goal)
    if opening and len(words) > 1 and words[0] == opening.group(1).lower():
        words = words[1:]
    words = words[-3:] if goal else words[:3]
    while len(words) > 1 and words[-1].endswith("ed"):
        words = words[:-1]  # "payments outage saved" names the outage, not the saving
    return " ".join(words)


def _group(items: list[tuple[str, dict[str, str]]]) -> tuple[list[_Group], list[_Group]]:
    """Greedy grouping: the topic word most records share forms a group, until none is shared."""
    pool = list(items)
    groups: list[_Group] = []
    while True:
        sharing: dict[str, list[int]] = {}
        for i, (_, terms) in enumerate(pool):
            for topic in sorted(_unigram_roots(terms)):
                sharing.setdefault(topic, []).append(i)
        shared = [(len(ix), topic) for topic, ix in sharing.items() if len(ix) >= 2]
        if not shared:
            break
        _, topic = min(shared, key=lambda item: (-item[0], item[1]))
        members = [pool[i] for i in sharing[topic]]
        groups.append(
            _Group(tuple(ref for ref, _ in members), _label([t for _, t in members], topic))
        )
        pool = [item for i, item in enumerate(pool) if i not in sharing[topic]]
    singles = [_Group((ref,), _first_term(terms)) for ref, terms in pool]
    return groups, singles


def _listed(labels: Sequence[str]) -> str:
    """One topic as it is; several as a list ("for: a; b; c"), which fits nouns and verbs."""
    labels = list(dict.fromkeys(labels))[:MAX_LISTED]
    return f" {labels[0]}" if len(labels) == 1 else ": " + "; ".join(labels)


def _sources(n: int) -> str:
    return f"({_count(n, 'source')})"


def _is_own(ref: str, by_ref: dict[str, EvidenceRecord]) -> bool:
    return by_ref[ref].kind in (*OWN_KINDS, "goal")


def _singles(
    singles: Sequence[_Group], by_ref: dict[str, EvidenceRecord], own: bool
) -> tuple[list[str], tuple[str, ...]]:
    chosen = [g for g in singles if _is_own(g.refs[0], by_ref) == own][:MAX_LISTED]
    return [g.label for g in chosen], tuple(g.refs[0] for g in chosen)


def _strength_sentences(
    groups: Sequence[_Group], singles: Sequence[_Group], by_ref: dict[str, EvidenceRecord], who: str
) -> list[DraftSentence]:
    lines = []
    for group in sorted(groups, key=lambda g: -len(g.refs))[:MAX_GROUPS]:
        others = sum(not _is_own(ref, by_ref) for ref in group.refs)
        n = _sources(len(group.refs))
        if others >= 2:
            text = f"{who} is repeatedly recognised for work on {group.label} {n}."
        elif others == 1:
            text = f"{who} is recognised for work on {group.label}, as in {who}'s own notes {n}."
        else:
            text = f"{who}'s own notes point to {group.label} as a strength {n}."
        lines.append(DraftSentence(text, group.refs))
    labels, refs = _singles(singles, by_ref, own=False)
    if labels:
        lines.append(DraftSentence(f"{who} is also recognised for{_listed(labels)}.", refs))
    labels, refs = _singles(singles, by_ref, own=True)
    if labels:
        lines.append(DraftSentence(f"{who}'s own notes also mention{_listed(labels)}.", refs))
    return lines


def _growth_sentences(
    groups: Sequence[_Group], singles: Sequence[_Group], by_ref: dict[str, EvidenceRecord], who: str
) -> list[DraftSentence]:
    lines = []
    for group in sorted(groups, key=lambda g: -len(g.refs))[:MAX_GROUPS]:
        kinds = {by_ref[ref].kind for ref in group.refs}
        others = sum(not _is_own(ref, by_ref) for ref in group.refs)
        n = _sources(len(group.refs))
        if kinds == {"checkin"}:
            text = f"{who}'s check-ins report blockers around {group.label} {n}."
        elif others >= 2:
            text = f"Several sources see room to grow in {group.label} {n}."
        elif others == 1:
            text = f"{who} and one other source see room to grow in {group.label} {n}."
        else:
            text = f"{who} names {group.label} as an area to grow {n}."
        lines.append(DraftSentence(text, group.refs))
    labels, refs = _singles(singles, by_ref, own=False)
    if labels:
        lines.append(
            DraftSentence(f"Single sources also suggest growth in{_listed(labels)}.", refs)
        )
    blockers = [g for g in singles if by_ref[g.refs[0]].kind == "checkin"]
    labels, refs = _singles([g for g in singles if g not in blockers], by_ref, own=True)
    if labels:
        text = f"{who} also names areas to grow in{_listed(labels)}."
        lines.append(DraftSentence(text, refs))
    labels, refs = _singles(blockers, by_ref, own=True)
    if labels:
        text = f"{who}'s check-ins also mention blockers around{_listed(labels)}."
        lines.append(DraftSentence(text, refs))
    return lines


def _focus_sentences(
    growth_groups: Sequence[_Group],
    growth_singles: Sequence[_Group],
    goals: Sequence[tuple[str, str]],
    strengths: Sequence[_Group],
    by_ref: dict[str, EvidenceRecord],
    who: str,
) -> list[DraftSentence]:
    lines = [
        DraftSentence(f"Next quarter, {who} could focus on {g.label}.", g.refs)
        for g in sorted(growth_groups, key=lambda g: -len(g.refs))[:2]
    ]
    if len(lines) < 2 and growth_singles:
        # What the person names themselves first: it is where they want to grow.
        chosen = sorted(growth_singles, key=lambda g: by_ref[g.refs[0]].kind != "self")[:2]
        lines.append(
            DraftSentence(
                f"Next quarter, {who} could focus on{_listed([g.label for g in chosen])}.",
                tuple(g.refs[0] for g in chosen),
            )
        )
    for ref, label in goals[: MAX_FOCUS - len(lines)]:
        lines.append(
            DraftSentence(f"{who}'s open goal on {label} carries into next quarter.", (ref,))
        )
    if not lines and strengths:
        best = max(strengths, key=lambda g: len(g.refs))
        lines.append(DraftSentence(f"Next quarter, {who} could build on {best.label}.", best.refs))
    return lines
