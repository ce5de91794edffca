"""Goal checks: SMART hints for a draft goal, and health flags for a goal in progress.

``smart_check`` reads the text and dates of a draft and returns at most one suggestion per
criterion, in this order:

- measurable: the objective or a key result names a number, a percentage, an amount of
  money or a count word ("double", "halve", "zero", "all", "every", ...). Dates ("by
  31 Mar", "Q3", "2027-03-31", "in 2027") and versions ("v2") do not count as numbers.
- time-bound: a due date is set and still ahead. Without one, the end of the current
  quarter is suggested (of the next quarter when fewer than 14 days are left).
- specific: the objective has at least 4 words and vague words ("improve", "better",
  "things", "work on", ...) are less than half of its content words.
- achievable: at most 5 key results, and a due date at most 18 months away.

Relevance needs the parent goal, so the caller checks linkage. ``goal_flags`` marks a goal
that is unlinked, stale (no update for ``stale_weeks``) or at risk (progress plus
``tolerance`` behind the fraction of its time already gone). A done goal is neither stale
nor at risk. Everything here is pure: ``today`` is passed in.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MAX_KEY_RESULTS = 5
MAX_MONTHS_AHEAD = 18
MIN_OBJECTIVE_WORDS = 4
MIN_QUARTER_DAYS_LEFT = 14
QUOTE_CHARS = 80


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATES = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+\d{{4}}\b)?"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?|\b{_MONTH}\s+\d{{4}}\b"
    r"|\b(?:q[1-4]|h[12]|fy)(?:\s*(?:19|20)\d{2}|\s*'?\d{2})?\b|\b(?:by|in|before|until|during)\s+(?:19|20)\d{2}\b(?![-/])"
    r"|\bv\d+(?:\.\d+)*\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d|%|[$€£¥₹]")
_COUNT_WORDS = _words(
    "double doubled halve halved half triple tripled zero all every each none twice once one "
    "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred thousand million billion dozen percent percentage"
)
_VAGUE_PHRASES = ("work on", "focus on", "get better", "step up", "level up", "and so on")
_VAGUE_WORDS = _words(
    "improve improved improving better more good great stuff things thing try various etc "
    "synergy synergies excellence best enhance optimize optimise nice awesome general generally "
    "overall stronger"
)
_STOPWORDS = _words(
    "a an the and or of to in on for with at by from our my your their its it be is are "
    "we i me us as so that this these those"
)
_WORDS = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_REDUCE = _words("reduce cut lower decrease minimise minimize shrink shorten halve")
_RAISE = _words("increase grow raise boost expand double scale")
_DELIVER = _words("launch ship deliver release build create write migrate roll")
# Keyword in the objective -> a measurable clause; the first match in this order wins.
_DOMAINS = (
    ("onboarding", "so new hires ship a first PR within 5 days"),
    ("review", "so review turnaround drops from 3 days to 1"),
    ("communication", "so every decision is written up and shared within 1 day"),
    ("latency performance", "so p95 latency drops from 800 ms to 300 ms"),
    ("coverage test", "so test coverage rises from 60% to 80%"),
    ("incident outage", "so incidents drop from 4 a month to 1"),
    ("bug", "so open bugs drop from 40 to 10"),
    ("doc documentation", "so 90% of support questions are answered with a doc link"),
    ("customer csat nps", "so CSAT rises from 4.1 to 4.5"),
    ("release deploy deployment", "so we ship to production 5 times a week instead of once"),
    ("skill learning mentoring", "so I finish 2 courses and lead 1 project that uses them"),
)
_EXAMPLE = "“Cut review turnaround for the payments team from 3 days to 1 by 31 Mar”"


@dataclass(frozen=True)
class Suggestion:
    """One SMART criterion a draft misses: what is wrong and one concrete rewrite hint."""

    criterion: str  # "specific" | "measurable" | "time-bound" | "achievable" | "relevant"
    problem: str
    suggestion: str


@dataclass(frozen=True)
class GoalState:
    """What ``goal_flags`` needs to know about one goal; ``progress`` is 0..1."""

    goal_id: int
    created: date
    due: date | None
    progress: float
    last_update: date | None  # None: never updated since it was created
    parent_id: int | None
    done: bool = False


@dataclass(frozen=True)
class GoalFlags:
    """Health flags for one goal, with the numbers behind them."""

    goal_id: int
    unlinked: bool
    stale: bool
    at_risk: bool
    elapsed: float | None  # fraction of the time from creation to due already gone
    weeks_since_update: int
    progress: float

    def labels(self) -> list[str]:
        """Plain-English labels for the raised flags, in a fixed order."""
        found = []
        if self.unlinked:
            found.append("not linked to a team or company goal")
        if self.stale:
            weeks = self.weeks_since_update
            found.append(f"no update in {weeks} week{'' if weeks == 1 else 's'}")
        if self.at_risk and self.elapsed is not None:
            found.append(f"behind: {self.progress:.0%} done, {self.elapsed:.0%} of the time gone")
        return found


def smart_check(
    objective: str, key_results: Sequence[str], due: date | None, today: date
) -> list[Suggestion]:
    """Suggestions for a draft goal, ordered measurable, time-bound, specific, achievable."""
    text = " ".join(objective.split()).rstrip(".!;: ")
    results = [kr for kr in (" ".join(k.split()) for k in key_results) if kr]
    quoted = f"“{_clip(text)}”" if text else "The objective"
    found = [
        _measurable(text, quoted, results),
        _time_bound(due, today),
        _specific(text, quoted),
        _achievable(len(results), due, today),
    ]
    return [suggestion for suggestion in found if suggestion is not None]


def goal_flags(
    goal: GoalState, today: date, *, stale_weeks: int = 3, tolerance: float = 0.15
) -> GoalFlags:
    """Flag a goal as unlinked, stale or at risk on ``today``.

    Raises:
        ValueError: ``stale_weeks`` is below 1 or ``tolerance`` is negative.
    """
    if stale_weeks < 1:
        raise ValueError("stale_weeks must be at least 1")
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    progress = min(max(goal.progress, 0.0), 1.0)
    weeks = max((today - (goal.last_update or goal.created)).days, 0) // 7
    elapsed = None if goal.due is None else _elapsed(goal.created, goal.due, today)
    return GoalFlags(
        goal_id=goal.goal_id,
        unlinked=goal.parent_id is None,
        stale=not goal.done and weeks >= stale_weeks,
        at_risk=not goal.done and elapsed is not None and progress + tolerance < elapsed,
        elapsed=elapsed,
        weeks_since_update=weeks,
        progress=progress,
    )


def format_date(day: date) -> str:
    """A locale-free date such as "31 Mar 2027"."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def quarter_end(today: date) -> date:
    """The last day of ``today``'s quarter, or of the next one when under 14 days are left."""
    end = _clamped(today.year, (today.month + 2) // 3 * 3, 31)
    if (end - today).days < MIN_QUARTER_DAYS_LEFT:
        return _clamped(end.year + end.month // 12, end.month % 12 + 3, 31)
    return end


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    return _clamped(day.year + years, month + 1, day.day)


def _elapsed(created: date, due: date, today: date) -> float:
    total = (due - created).days
    if total <= 0:
        return 1.0 if today >= due else 0.0
    return min(max((today - created).days / total, 0.0), 1.0)


def _clip(text: str, limit: int = QUOTE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _has_number(text: str) -> bool:
    stripped = _DATES.sub(" ", text)
    if _NUMBER.search(stripped):
        return True
    return any(word in _COUNT_WORDS for word in _WORDS.findall(stripped.lower()))


def _measurable(text: str, quoted: str, results: list[str]) -> Suggestion | None:
    if any(_has_number(t) for t in (text, *results)):
        return None
    subject = f"{quoted} and its key results have" if results else f"{quoted} has"
    problem = f"{subject} no number to tell when it's done."
    return Suggestion("measurable", problem, f"Add a target, e.g. {_example(text)}.")


def _example(text: str) -> str:
    if not text:
        return _EXAMPLE
    words = _WORDS.findall(text.lower())
    verb, quoted = (words[0] if words else ""), _clip(text)
    if verb in _REDUCE:
        return f"“{quoted} by 30% from today's level”"
    if verb in _RAISE:
        return f"“{quoted} by 20% from today's level”"
    if verb in _DELIVER:
        return f"“{quoted} and have 3 teams using it within 4 weeks”"
    singular = {word.removesuffix("s") for word in words}
    for keywords, clause in _DOMAINS:
        if singular.intersection(keywords.split()):
            return f"“{quoted} {clause}”"
    return f"“{quoted} so one number you track goes from 3 to 5” (name the number)"


def _time_bound(due: date | None, today: date) -> Suggestion | None:
    target = format_date(quarter_end(today))
    if due is None:
        hint = f"Set a due date, e.g. the end of the quarter ({target})."
        return Suggestion("time-bound", "There is no due date.", hint)
    if due > today:
        return None
    when = "it is today" if due == today else "it is in the past"
    problem = f"The due date has passed: {format_date(due)} ({when})."
    hint = f"Move it to a future date, e.g. {target}, or close the goal."
    return Suggestion("time-bound", problem, hint)


def _specific(text: str, quoted: str) -> Suggestion | None:
    lowered = text.lower()
    vague = []
    for phrase in _VAGUE_PHRASES:
        pattern = rf"\b{phrase}\b"
        vague += [phrase] * len(re.findall(pattern, lowered))
        lowered = re.sub(pattern, " ", lowered)
    content = [word for word in _WORDS.findall(lowered) if word not in _STOPWORDS]
    units = len(content) + len(vague)  # a vague phrase counts as one content word
    vague += [word for word in content if word in _VAGUE_WORDS]
    dominated = len(vague) * 2 >= max(units, 1)
    if len(_WORDS.findall(text.lower())) >= MIN_OBJECTIVE_WORDS and not dominated:
        return None
    hint = f"Say what changes, for whom and how you'll see it, e.g. {_EXAMPLE}."
    named = list(dict.fromkeys(vague))
    if named:
        listed = ", ".join(f"“{word}”" for word in named)
        verb = "doesn't" if len(named) == 1 else "don't"
        problem = f"{quoted} is too vague: {listed} {verb} say what will change."
        return Suggestion("specific", problem, hint)
    return Suggestion("specific", f"{quoted} is too short to say what will change.", hint)


def _achievable(key_results: int, due: date | None, today: date) -> Suggestion | None:
    many = key_results > MAX_KEY_RESULTS
    far = due is not None and due > _add_months(today, MAX_MONTHS_AHEAD)
    if not (many or far):
        return None
    away = f"a due date more than {MAX_MONTHS_AHEAD} months away"
    problem = {
        (True, True): f"{key_results} key results and {away} are a lot to take on.",
        (True, False): f"{key_results} key results are a lot to track at once.",
        (False, True): f"The goal has {away}.",
    }[(many, far)]
    hints = [f"Keep the {MAX_KEY_RESULTS} key results that matter most"] if many else []
    if far:
        hints.append(("and s" if many else "S") + "et a goal for the next quarter or two first")
    return Suggestion("achievable", problem, " ".join(hints) + ".")
