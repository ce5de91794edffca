"""Pre-1:1 prep: rank what a manager may want to raise with one person.

Each topic has a score; the highest come first. Scores are fixed numbers, except for the
age decay of blockers and the size of the kudos group:

- blocker, 1.0 x 0.5 ** (age in days / 7): a check-in from the last 21 days with blocker
  text. Check-ins repeating the same blocker (ignoring case and spacing) form one topic,
  aged by the newest of them.
- mood_drop, 0.9: among the check-ins of the last 8 weeks whose mood was shared, the latest
  mood is 2/5 or lower, or at least 1.5 below the mean of at least 2 earlier ones. A check-in
  whose mood is None (not shared with the manager) is never read for mood.
- goal_at_risk, 0.8, or else goal_stale, 0.6: one topic per goal.
- agenda, 0.7: one topic per open agenda item, naming its author.
- kudos, 0.5 + 0.05 per kudos, at most 0.75: all kudos of the last 30 days in ONE
  "recognize" topic, with the most frequent company value (ties: alphabetical).
- theme, 0.4, or 0.55 for a growth theme: a recurring theme with at least one record; its
  evidence is its kudos (labelled like the kudos topic's when they are passed in too).
- development, 0.5: the top gap of the person's skill profile (`insights.skills`), with the
  first suggestion for it; its evidence is the records behind the gap.

Ties are broken by kind, in the order above but with agenda last (blocker, mood_drop,
goal_at_risk, goal_stale, kudos, theme, development, agenda), then by the record id of the
topic's first evidence, then by title. Every topic has at least one piece of evidence, newest first.
Dates in labels are shown in the time zone of ``now``. The result does not depend on the
order of the inputs, and nothing here reads the clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from statistics import mean

BLOCKER_SCORE = 1.0
BLOCKER_HALF_LIFE_DAYS = 7.0
BLOCKER_WINDOW = timedelta(days=21)
MOOD_SCORE = 0.9
MOOD_WINDOW = timedelta(weeks=8)
MOOD_LOW = 2
MOOD_DROP = 1.5
MOOD_MIN_EARLIER = 2
GOAL_AT_RISK_SCORE = 0.8
GOAL_STALE_SCORE = 0.6
AGENDA_SCORE = 0.7
KUDOS_WINDOW = timedelta(days=30)
KUDOS_BASE, KUDOS_STEP, KUDOS_MAX = 0.5, 0.05, 0.75
THEME_SCORE = 0.4
GROWTH_THEME_SCORE = 0.55
DEVELOPMENT_SCORE = 0.5
TITLE_CHARS = 120
LABEL_CHARS = 60
KIND_ORDER = (
    "blocker",
    "mood_drop",
    "goal_at_risk",
    "goal_stale",
    "kudos",
    "theme",
    "development",
    "agenda",
)
_RECORD_WORDS = {
    "kudos": "Kudos",
    "feedback": "Feedback",
    "checkin": "Check-in",
    "rating": "Rating",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Evidence:
    """One record behind a topic: ``kind`` is "kudos", "checkin", "goal", "agenda" or "theme"."""

    kind: str
    record_id: int
    label: str  # e.g. "Kudos from Sam, 18 Nov"
    at: datetime  # aware


@dataclass(frozen=True)
class Topic:
    """One thing to raise: a kind from ``KIND_ORDER``, a plain-English title and its records."""

    kind: str
    title: str
    score: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class CheckinSignal:
    """One submitted check-in; ``mood`` (1..5) is None when not shared with the manager."""

    record_id: int
    at: datetime
    blocker: str
    mood: int | None


@dataclass(frozen=True)
class GoalSignal:
    """One of the person's goals, with its health flags already worked out."""

    record_id: int
    objective: str
    at_risk: bool
    stale: bool
    progress: float
    updated: datetime


@dataclass(frozen=True)
class KudosSignal:
    """Kudos the person received, with the company values it was tagged with."""

    record_id: int
    at: datetime
    giver: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class AgendaSignal:
    """An open item on the 1:1 agenda."""

    record_id: int
    at: datetime
    text: str
    author: str


@dataclass(frozen=True)
class ThemeSignal:
    """A recurring theme for this person; ``record_ids`` are kudos ids."""

    label: str
    polarity: str
    record_ids: tuple[int, ...]
    at: datetime


@dataclass(frozen=True)
class DevelopmentSignal:
    """The top skill gap: ``gap`` says why it is one, ``suggestion`` what may help ("" for
    nothing); ``records`` are (kind, record id, when) behind it."""

    competency: str
    gap: str
    suggestion: str
    records: tuple[tuple[str, int, datetime], ...]


def rank_topics(
    person_name: str,
    now: datetime,
    *,
    checkins: Iterable[CheckinSignal] = (),
    goals: Iterable[GoalSignal] = (),
    kudos: Iterable[KudosSignal] = (),
    agenda: Iterable[AgendaSignal] = (),
    themes: Iterable[ThemeSignal] = (),
    development: DevelopmentSignal | None = None,
    limit: int = 6,
) -> list[Topic]:
    """The top ``limit`` topics for a 1:1 with ``person_name``, highest score first.

    Raises:
        ValueError: ``now`` is naive or ``limit`` is negative.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if limit < 0:
        raise ValueError("limit must not be negative")
    tz = now.tzinfo
    checks = sorted(checkins, key=lambda c: (c.at, c.record_id))
    received = sorted(kudos, key=lambda k: (k.at, k.record_id))
    topics = [
        *_blockers(person_name, now, tz, checks),
        *_mood(now, tz, checks),
        *(_goal(goal, tz) for goal in goals if goal.at_risk or goal.stale),
        *(_agenda(item, tz) for item in agenda if item.text.strip()),
        *_kudos(now, tz, received),
        *_themes(themes, {k.record_id: _kudos_evidence(k, tz) for k in received}),
        *_development(development, tz, received),
    ]
    topics.sort(key=_rank)
    return topics[:limit]


def _rank(topic: Topic) -> tuple[float, int, int, str]:
    return (-topic.score, KIND_ORDER.index(topic.kind), topic.evidence[0].record_id, topic.title)


def _age_days(now: datetime, at: datetime) -> float:
    return max((now - at).total_seconds(), 0.0) / 86400


def _day(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local.day} {_MONTHS[local.month - 1]}"


def _clip(text: str, limit: int = TITLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _newest_first(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    return tuple(sorted(evidence, key=lambda e: (e.at, e.record_id), reverse=True))


def _checkin_evidence(checkin: CheckinSignal, tz: tzinfo) -> Evidence:
    return Evidence("checkin", checkin.record_id, f"Check-in of {_day(checkin.at, tz)}", checkin.at)


def _kudos_evidence(kudos: KudosSignal, tz: tzinfo) -> Evidence:
    label = f"Kudos from {kudos.giver}, {_day(kudos.at, tz)}"
    return Evidence("kudos", kudos.record_id, label, kudos.at)


def _blockers(person: str, now: datetime, tz: tzinfo, checkins: list[CheckinSignal]) -> list[Topic]:
    groups: dict[str, list[CheckinSignal]] = {}
    for checkin in checkins:
        if checkin.blocker.strip() and now - checkin.at <= BLOCKER_WINDOW:
            groups.setdefault(" ".join(checkin.blocker.casefold().split()), []).append(checkin)
    topics = []
    for group in groups.values():
        newest = group[-1]  # check-ins come sorted oldest first
        decay = 0.5 ** (_age_days(now, newest.at) / BLOCKER_HALF_LIFE_DAYS)
        title = f"{person} flagged a blocker: {_clip(newest.blocker)}"
        evidence = _newest_first(_checkin_evidence(c, tz) for c in group)
        topics.append(Topic("blocker", title, BLOCKER_SCORE * decay, evidence))
    return topics


def _mood(now: datetime, tz: tzinfo, checkins: list[CheckinSignal]) -> list[Topic]:
    shared = [c for c in checkins if c.mood is not None and now - c.at <= MOOD_WINDOW]
    if not shared:
        return []
    *earlier, mood = [c.mood for c in shared if c.mood is not None]
    before = mean(earlier) if len(earlier) >= MOOD_MIN_EARLIER else None
    if before is not None and before - mood >= MOOD_DROP:
        title = f"Mood dropped to {mood}/5 (from about {before:.1f})"
    elif mood <= MOOD_LOW:
        title = f"Mood is low: {mood}/5 at the latest check-in"
    else:
        return []
    evidence = _newest_first(_checkin_evidence(c, tz) for c in shared)
    return [Topic("mood_drop", title, MOOD_SCORE, evidence)]


def _goal(goal: GoalSignal, tz: tzinfo) -> Topic:
    objective = _clip(goal.objective)
    label = f"Goal “{_clip(goal.objective, LABEL_CHARS)}”"
    evidence = (Evidence("goal", goal.record_id, label, goal.updated),)
    if goal.at_risk:
        title = f"Goal at risk: {objective} ({goal.progress:.0%} done)"
        return Topic("goal_at_risk", title, GOAL_AT_RISK_SCORE, evidence)
    title = f"Goal not updated since {_day(goal.updated, tz)}: {objective}"
    return Topic("goal_stale", title, GOAL_STALE_SCORE, evidence)


def _agenda(item: AgendaSignal, tz: tzinfo) -> Topic:
    label = f"Agenda item from {item.author}, {_day(item.at, tz)}"
    evidence = (Evidence("agenda", item.record_id, label, item.at),)
    return Topic("agenda", f"Agenda ({item.author}): {_clip(item.text)}", AGENDA_SCORE, evidence)


def _kudos(now: datetime, tz: tzinfo, received: list[KudosSignal]) -> list[Topic]:
    recent = [k for k in received if now - k.at <= KUDOS_WINDOW]
    if not recent:
        return []
    counts = Counter(v for k in recent for v in dict.fromkeys(x.strip() for x in k.values) if v)
    title = f"Recognize: {len(recent)} kudos in the last 30 days"
    if counts:
        top = min(counts, key=lambda value: (-counts[value], value.casefold(), value))
        title += f", most for “{top}”"
    score = round(min(KUDOS_BASE + KUDOS_STEP * len(recent), KUDOS_MAX), 6)
    return [Topic("kudos", title, score, _newest_first(_kudos_evidence(k, tz) for k in recent))]


def _themes(themes: Iterable[ThemeSignal], known: dict[int, Evidence]) -> list[Topic]:
    topics = []
    for theme in themes:
        label = _clip(theme.label)
        short = f"Kudos in “{_clip(label, LABEL_CHARS)}”"
        evidence = _newest_first(
            known.get(rid) or Evidence("kudos", rid, short, theme.at)
            for rid in dict.fromkeys(theme.record_ids)
        )
        if not evidence or not label:
            continue
        growth = theme.polarity == "growth"
        title = f"Recurring theme: {label}" + (" (growth area)" if growth else "")
        score = GROWTH_THEME_SCORE if growth else THEME_SCORE
        topics.append(Topic("theme", title, score, evidence))
    return topics


def _development(
    signal: DevelopmentSignal | None, tz: tzinfo, received: list[KudosSignal]
) -> list[Topic]:
    if signal is None or not signal.records:
        return []
    known = {k.record_id: _kudos_evidence(k, tz) for k in received}
    evidence = _newest_first(
        (known.get(rid) if kind == "kudos" else None)
        or Evidence(
            kind, rid, f"{_RECORD_WORDS.get(kind, kind.capitalize())} of {_day(at, tz)}", at
        )
        for kind, rid, at in dict.fromkeys(signal.records)
    )
    title = f"Development: {_clip(signal.competency, LABEL_CHARS)} — {signal.gap}"
    if signal.suggestion:
        title += f"; suggested: {signal.suggestion}"
    return [Topic("development", _clip(title), DEVELOPMENT_SCORE, evidence)]
