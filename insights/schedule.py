"""Scheduling: when check-ins, reminders and 1:1s fall due, in each person's local wall time.

Pure functions: no clock reads and no I/O; the caller passes "now". Local times are built as
naive wall times in the person's zone (``fold=0``) and normalised through UTC, so 09:00 stays
09:00 local across DST changes, an ambiguous time (fall back) means its first occurrence, and
a time that does not exist (spring forward) moves one hour later instead of failing. An empty,
missing or unknown zone name falls back to UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_EVERY_WEEKS = 8

_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NUMBERS = {name: i for names in (WEEKDAYS, _FULL_DAYS) for i, name in enumerate(names)}
_SCHEDULE = re.compile(
    r"(?:(?:(?P<weekly>weekly|every\s+week)|(?P<biweekly>biweekly|fortnightly|every\s+other\s+week)"
    r"|every\s+(?P<n>\d+)\s+weeks?|every)\s+)?"
    r"(?:on\s+)?(?P<day>[a-z]+),?\s+(?:at\s+)?"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_fields(weekday: int, hour: int, minute: int, every_weeks: int) -> None:
    """Raise ValueError when a schedule's fields are out of range."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Mon) to 6 (Sun), not {weekday}")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0 to 23, not {hour}")
    if not 0 <= minute <= 59:
        raise ValueError(f"minute must be 0 to 59, not {minute}")
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise ValueError(f"every_weeks must be 1 to {MAX_EVERY_WEEKS}, not {every_weeks}")


@dataclass(frozen=True)
class Cadence:
    """When check-ins go out: a weekday, a local time, every N weeks."""

    weekday: int = 4  # 0=Mon … 6=Sun; default Friday
    hour: int = 9
    minute: int = 0
    every_weeks: int = 1

    def __post_init__(self) -> None:
        _check_fields(self.weekday, self.hour, self.minute, self.every_weeks)


@dataclass(frozen=True)
class Occurrence:
    """One due check-in: its start in local time and UTC, and the key of its period."""

    local_start: datetime
    utc_start: datetime
    period: str


@dataclass(frozen=True)
class Recurrence:
    """A recurring 1:1: a weekday and a local time, every N weeks."""

    weekday: int
    hour: int
    minute: int
    every_weeks: int = 1

    def __post_init__(self) -> None:
        _check_fields(self.weekday, self.hour, self.minute, self.every_weeks)

    def describe(self) -> str:
        """Human form, e.g. ``every 2 weeks on Tue at 10:00``."""
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        day = WEEKDAYS[self.weekday].title()
        return f"{every} on {day} at {self.hour:02d}:{self.minute:02d}"


def _parse_schedule(text: str, hint: str) -> tuple[int, int, int, int]:
    """Read ``[frequency] [on] weekday [at] time`` into (weekday, hour, minute, every_weeks)."""
    words = " ".join(text.lower().split()).rstrip(".")
    match = _SCHEDULE.fullmatch(words)
    if match is None:
        raise ValueError(f"Couldn't understand {text.strip()!r}. {hint}")
    day = match["day"]
    if day not in _DAY_NUMBERS:
        raise ValueError(f"{day!r} is not a weekday (use Mon–Sun or Monday–Sunday). {hint}")
    every = 1
    if match["biweekly"]:
        every = 2
    elif match["n"]:
        every = int(match["n"])
        if not 1 <= every <= MAX_EVERY_WEEKS:
            raise ValueError(f"Repeat every 1 to {MAX_EVERY_WEEKS} weeks, not {every}. {hint}")
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"With am/pm the hour must be 1 to 12, not {hour}. {hint}")
        hour = hour % 12 + (12 if match["ampm"].startswith("p") else 0)
    elif match["minute"] is None:
        raise ValueError(f"Give the time as HH:MM (24h) or with am/pm, e.g. 09:00 or 9am. {hint}")
    if hour > 23:
        raise ValueError(f"The hour must be 0 to 23, not {hour}. {hint}")
    if minute > 59:
        raise ValueError(f"The minutes must be 0 to 59, not {minute}. {hint}")
    return _DAY_NUMBERS[day], hour, minute, every


def parse_cadence(text: str) -> Cadence:
    """Parse a check-in schedule such as ``fri 09:00`` or ``every 2 weeks on tue 10:30``.

    Raises:
        ValueError: With a message saying the expected form.
    """
    hint = "Use a weekday and a time, e.g. `every 2 weeks on Tue 10:00`, `fri 09:00` or `mon 9am`."
    weekday, hour, minute, every = _parse_schedule(text, hint)
    return Cadence(weekday=weekday, hour=hour, minute=minute, every_weeks=every)


def parse_recurrence(text: str) -> Recurrence:
    """Parse a 1:1 recurrence such as ``every 2 weeks on Tue 10:00`` or ``biweekly on mon 14:00``.

    Raises:
        ValueError: With a message saying the expected form.
    """
    hint = "Use e.g. `every 2 weeks on Tue 10:00`, `weekly on Thu 9:30` or `every tue 10:00`."
    weekday, hour, minute, every = _parse_schedule(text, hint)
    return Recurrence(weekday=weekday, hour=hour, minute=minute, every_weeks=every)


def _zone(tz: str | None) -> ZoneInfo:
    """The named zone, or UTC when the name is empty, missing or unknown."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (KeyError, ValueError, OSError):
            pass
    return ZoneInfo("UTC")


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _local_start(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """Wall time ``hour:minute`` on ``day`` in ``zone``; a skipped time moves one hour later."""
    aware = datetime.combine(day, time(hour, minute), tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone)


def _week_index(day: date, anchor: date) -> int:
    """Whole ISO weeks from the week of ``anchor`` to the week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    anchor_monday = anchor - timedelta(days=anchor.weekday())
    return (monday - anchor_monday).days // 7


def _period(day: date) -> str:
    """ISO year-week key of ``day``, e.g. ``2026-W48``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def checkin_due(
    now_utc: datetime,
    tz: str | None,
    cadence: Cadence,
    *,
    holidays: frozenset[date] = frozenset(),
    away_until: date | None = None,
    grace: timedelta = timedelta(hours=6),
    anchor: date = date(2024, 1, 1),
) -> Occurrence | None:
    """The check-in due now, if any: the latest scheduled start, if it began within ``grace``.

    Scheduled weeks are those whose ISO-week distance from ``anchor`` is a multiple of
    ``every_weeks``. A start on a weekend, on a holiday or on/before ``away_until`` (all
    local dates) is skipped, not moved: the result is None.
    """
    zone = _zone(tz)
    now = _as_utc(now_utc)
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - cadence.weekday) % 7)
    day -= timedelta(weeks=_week_index(day, anchor) % cadence.every_weeks)
    start = _local_start(day, cadence.hour, cadence.minute, zone)
    while start > now:
        day -= timedelta(weeks=cadence.every_weeks)
        start = _local_start(day, cadence.hour, cadence.minute, zone)
    if not timedelta(0) <= now - start < grace:
        return None
    if day.weekday() >= 5 or day in holidays:
        return None
    if away_until is not None and day <= away_until:
        return None
    return Occurrence(local_start=start, utc_start=start.astimezone(UTC), period=_period(day))


def reminder_due(
    now_utc: datetime,
    occurrence: Occurrence,
    *,
    after: timedelta = timedelta(hours=6),
    grace: timedelta = timedelta(hours=6),
) -> bool:
    """Whether now is in ``[utc_start + after, utc_start + after + grace)``."""
    first = occurrence.utc_start + after
    return first <= _as_utc(now_utc) < first + grace


def next_occurrences(
    recurrence: Recurrence,
    tz: str | None,
    *,
    after_utc: datetime,
    first_local_date: date,
    count: int = 1,
) -> list[datetime]:
    """The next ``count`` starts strictly after ``after_utc``, as aware UTC datetimes.

    Starts fall at the recurrence's local wall time on its weekday, in weeks counted (every
    ``every_weeks``) from the ISO week of ``first_local_date``, and never before that date.
    """
    if count < 1:
        return []
    zone = _zone(tz)
    after = _as_utc(after_utc)
    # One day of slack: a local wall time can sit before the local date of `after` (fall back).
    begin = max(first_local_date, after.astimezone(zone).date() - timedelta(days=1))
    day = begin + timedelta(days=(recurrence.weekday - begin.weekday()) % 7)
    lag = _week_index(day, first_local_date) % recurrence.every_weeks
    if lag:
        day += timedelta(weeks=recurrence.every_weeks - lag)
    starts: list[datetime] = []
    while len(starts) < count:
        start = _local_start(day, recurrence.hour, recurrence.minute, zone).astimezone(UTC)
        if start > after:
            starts.append(start)
        day += timedelta(weeks=recurrence.every_weeks)
    return starts


def next_workday(day: date, holidays: frozenset[date] = frozenset()) -> date:
    """The same day, or the next Monday to Friday that is not in ``holidays``."""
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def parse_holidays(text: str) -> frozenset[date]:
    """Parse comma- or whitespace-separated ISO dates, e.g. ``2026-12-24, 2026-12-25``.

    Raises:
        ValueError: Naming the first token that is not a valid YYYY-MM-DD date.
    """
    days: set[date] = set()
    for token in re.split(r"[,\s]+", text.strip()):
        if not token:
            continue
        try:
            if not _ISO_DATE.fullmatch(token):
                raise ValueError(token)
            days.add(date.fromisoformat(token))
        except ValueError:
            hint = "list holidays as YYYY-MM-DD, e.g. `2026-12-24, 2026-12-25`."
            raise ValueError(f"{token!r} is not a date; {hint}") from None
    return frozenset(days)
