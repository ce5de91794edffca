"""Scheduling: check-ins in local time across zones and DST, skips, parsing, 1:1 recurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.schedule import (
    WEEKDAYS,
    Cadence,
    Occurrence,
    Recurrence,
    checkin_due,
    next_occurrences,
    next_workday,
    parse_cadence,
    parse_holidays,
    parse_recurrence,
    reminder_due,
)

FRIDAY_9 = Cadence()
EXAMPLE = "e.g. `every 2 weeks on Tue 10:00`"


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


# --- checkin_due: zones and DST -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "winter_utc", "summer_utc"),
    [
        ("America/Los_Angeles", _utc(2026, 1, 9, 17), _utc(2026, 7, 10, 16)),
        ("Europe/Berlin", _utc(2026, 1, 9, 8), _utc(2026, 7, 10, 7)),
        ("Asia/Tokyo", _utc(2026, 1, 9, 0), _utc(2026, 7, 10, 0)),
        ("Asia/Kolkata", _utc(2026, 1, 9, 3, 30), _utc(2026, 7, 10, 3, 30)),
        ("UTC", _utc(2026, 1, 9, 9), _utc(2026, 7, 10, 9)),
    ],
)
def test_friday_nine_local_maps_to_utc(tz: str, winter_utc: datetime, summer_utc: datetime) -> None:
    for expected in (winter_utc, summer_utc):
        occ = checkin_due(expected + timedelta(minutes=5), tz, FRIDAY_9)
        assert occ is not None
        assert occ.utc_start == expected
        assert occ.utc_start.tzinfo == UTC
        assert occ.local_start.tzinfo == ZoneInfo(tz)
        assert (occ.local_start.weekday(), occ.local_start.hour, occ.local_start.minute) == (
            4,
            9,
            0,
        )
        assert occ.local_start == expected


def test_occurrence_fields_and_period() -> None:
    occ = checkin_due(_utc(2026, 1, 9, 8, 1), "Europe/Berlin", FRIDAY_9)
    assert occ == Occurrence(
        local_start=datetime(2026, 1, 9, 9, tzinfo=ZoneInfo("Europe/Berlin")),
        utc_start=_utc(2026, 1, 9, 8),
        period="2026-W02",
    )


def test_period_uses_iso_year_of_local_date() -> None:
    occ = checkin_due(_utc(2027, 1, 1, 9), "UTC", FRIDAY_9)
    assert occ is not None and occ.period == "2026-W53"


def test_local_date_can_differ_from_utc_date() -> None:
    monday_8 = Cadence(weekday=0, hour=8)
    occ = checkin_due(_utc(2026, 1, 11, 23, 30), "Asia/Tokyo", monday_8)  # Sunday in UTC
    assert occ is not None
    assert occ.local_start.date() == date(2026, 1, 12)
    assert occ.utc_start == _utc(2026, 1, 11, 23)


@pytest.mark.parametrize(
    ("tz", "start_utc"),
    [
        # Europe/Berlin springs forward on Sunday 2026-03-29.
        ("Europe/Berlin", _utc(2026, 3, 27, 8)),
        ("Europe/Berlin", _utc(2026, 4, 3, 7)),
        # America/New_York: forward on 2026-03-08, back on 2026-11-01.
        ("America/New_York", _utc(2026, 3, 6, 14)),
        ("America/New_York", _utc(2026, 3, 13, 13)),
        ("America/New_York", _utc(2026, 10, 30, 13)),
        ("America/New_York", _utc(2026, 11, 6, 14)),
    ],
)
def test_dst_weeks_keep_local_wall_time(tz: str, start_utc: datetime) -> None:
    occ = checkin_due(start_utc, tz, FRIDAY_9)
    assert occ is not None and occ.utc_start == start_utc
    assert (occ.local_start.hour, occ.local_start.minute) == (9, 0)


@pytest.mark.parametrize(
    ("now", "start_utc"),
    [
        (_utc(2026, 3, 30, 7, 30), _utc(2026, 3, 30, 7)),  # Berlin, Monday after the change
        (_utc(2026, 3, 23, 8, 30), _utc(2026, 3, 23, 8)),  # Monday before
    ],
)
def test_monday_around_berlin_change(now: datetime, start_utc: datetime) -> None:
    occ = checkin_due(now, "Europe/Berlin", Cadence(weekday=0))
    assert occ is not None and occ.utc_start == start_utc and occ.local_start.hour == 9


@pytest.mark.parametrize(
    ("tz", "cadence", "gap_utc"),
    [
        # Cairo springs forward at Friday 2026-04-24 00:00; Jerusalem at Friday 2026-03-27 02:00.
        ("Africa/Cairo", Cadence(hour=0, minute=30), _utc(2026, 4, 23, 22, 30)),
        ("Asia/Jerusalem", Cadence(hour=2, minute=30), _utc(2026, 3, 27, 0, 30)),
    ],
)
def test_nonexistent_local_time_moves_one_hour_later(
    tz: str, cadence: Cadence, gap_utc: datetime
) -> None:
    assert checkin_due(gap_utc - timedelta(minutes=1), tz, cadence) is None
    occ = checkin_due(gap_utc, tz, cadence)
    assert occ is not None
    assert occ.utc_start == gap_utc
    assert (occ.local_start.hour, occ.local_start.minute) == (cadence.hour + 1, 30)
    assert occ.local_start.weekday() == 4


# --- checkin_due: grace, skips, every_weeks, zones ----------------------------------------


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (_utc(2026, 1, 9, 8, 59, 59), False),
        (_utc(2026, 1, 9, 9), True),
        (_utc(2026, 1, 9, 14, 59, 59), True),
        (_utc(2026, 1, 9, 15), False),
        (_utc(2026, 1, 12, 9), False),
    ],
)
def test_grace_window(now: datetime, due: bool) -> None:
    assert (checkin_due(now, "UTC", FRIDAY_9) is not None) is due


def test_custom_grace() -> None:
    now = _utc(2026, 1, 9, 9, 30)
    assert checkin_due(now, "UTC", FRIDAY_9, grace=timedelta(minutes=30)) is None
    assert checkin_due(now, "UTC", FRIDAY_9, grace=timedelta(minutes=31)) is not None


def test_holiday_skips_without_moving() -> None:
    holidays = frozenset({date(2026, 12, 25)})
    assert checkin_due(_utc(2026, 12, 25, 9), "UTC", FRIDAY_9, holidays=holidays) is None
    assert checkin_due(_utc(2026, 12, 28, 9), "UTC", FRIDAY_9, holidays=holidays) is None
    assert checkin_due(_utc(2027, 1, 1, 9), "UTC", FRIDAY_9, holidays=holidays) is not None


def test_holiday_uses_local_date() -> None:
    monday_8 = Cadence(weekday=0, hour=8)
    now = _utc(2026, 1, 11, 23)  # Sunday in UTC, Monday 08:00 in Tokyo
    sunday, monday = frozenset({date(2026, 1, 11)}), frozenset({date(2026, 1, 12)})
    assert checkin_due(now, "Asia/Tokyo", monday_8, holidays=sunday) is not None
    assert checkin_due(now, "Asia/Tokyo", monday_8, holidays=monday) is None


def test_away_until_skips_through_that_day() -> None:
    now = _utc(2026, 1, 9, 9)
    assert checkin_due(now, "UTC", FRIDAY_9, away_until=date(2026, 1, 9)) is None
    assert checkin_due(now, "UTC", FRIDAY_9, away_until=date(2026, 1, 20)) is None
    assert checkin_due(now, "UTC", FRIDAY_9, away_until=date(2026, 1, 8)) is not None


@pytest.mark.parametrize("weekday", [5, 6])
def test_weekend_cadence_is_skipped(weekday: int) -> None:
    start = _utc(2026, 1, 5 + weekday, 9)
    assert checkin_due(start, "UTC", Cadence(weekday=weekday)) is None


def test_every_two_weeks_alternates_from_anchor() -> None:
    fortnightly = Cadence(every_weeks=2)
    fridays = [_utc(2026, 1, 2, 9) + timedelta(weeks=i) for i in range(6)]
    # 2024-01-01 is ISO week 1 of 2024; 2026-01-02 is 104 weeks later.
    due = [checkin_due(f, "UTC", fortnightly) is not None for f in fridays]
    assert due == [True, False, True, False, True, False]
    shifted = [
        checkin_due(f, "UTC", fortnightly, anchor=date(2026, 1, 7)) is not None for f in fridays
    ]
    assert shifted == [False, True, False, True, False, True]


def test_every_weeks_counts_iso_weeks_from_any_anchor_day() -> None:
    every3 = Cadence(every_weeks=3)
    for anchor in (date(2026, 1, 5), date(2026, 1, 9), date(2026, 1, 11)):
        assert checkin_due(_utc(2026, 1, 9, 9), "UTC", every3, anchor=anchor) is not None
        assert checkin_due(_utc(2026, 1, 16, 9), "UTC", every3, anchor=anchor) is None
        assert checkin_due(_utc(2026, 1, 30, 9), "UTC", every3, anchor=anchor) is not None


@pytest.mark.parametrize("tz", [None, "", "Not/AZone", "../etc/passwd", "America", "utc"])
def test_bad_zone_falls_back_to_utc(tz: str | None) -> None:
    occ = checkin_due(_utc(2026, 1, 9, 9, 1), tz, FRIDAY_9)
    assert occ is not None and occ.utc_start == _utc(2026, 1, 9, 9)


def test_naive_now_is_taken_as_utc() -> None:
    occ = checkin_due(datetime(2026, 1, 9, 9, 1), "UTC", FRIDAY_9)
    assert occ is not None and occ.utc_start == _utc(2026, 1, 9, 9)


def test_cadence_rejects_out_of_range_fields() -> None:
    for kwargs in ({"weekday": 7}, {"hour": 24}, {"minute": 60}, {"every_weeks": 0}):
        with pytest.raises(ValueError):
            Cadence(**kwargs)


# --- reminders ----------------------------------------------------------------------------


def test_reminder_window() -> None:
    occ = checkin_due(_utc(2026, 1, 9, 9), "UTC", FRIDAY_9)
    assert occ is not None
    assert not reminder_due(_utc(2026, 1, 9, 14, 59), occ)
    assert reminder_due(_utc(2026, 1, 9, 15), occ)
    assert reminder_due(_utc(2026, 1, 9, 20, 59), occ)
    assert not reminder_due(_utc(2026, 1, 9, 21), occ)
    assert reminder_due(_utc(2026, 1, 9, 10), occ, after=timedelta(hours=1), grace=timedelta(1))


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fri 09:00", Cadence(4, 9, 0, 1)),
        ("weekly on Friday at 9:00", Cadence(4, 9, 0, 1)),
        ("every 2 weeks on tue 10:30", Cadence(1, 10, 30, 2)),
        ("mon 9am", Cadence(0, 9, 0, 1)),
        ("  THU   5:30pm ", Cadence(3, 17, 30, 1)),
        ("Wednesday 12am", Cadence(2, 0, 0, 1)),
        ("sun 12pm", Cadence(6, 12, 0, 1)),
        ("biweekly on mon 14:00", Cadence(0, 14, 0, 2)),
        ("every 1 week on sat 23:59", Cadence(5, 23, 59, 1)),
    ],
)
def test_parse_cadence_accepts(text: str, expected: Cadence) -> None:
    assert parse_cadence(text) == expected


JUNK = [
    "",
    "fri",
    "9:00",
    "daily 9:00",
    "someday 09:00",
    "fri 25:00",
    "fri 9:60",
    "fri 13pm",
    "fri 0am",
    "fri 9",
    "every 0 weeks on tue 10:00",
    "every 9 weeks on tue 10:00",
    "fri 09:00 and mon 10:00",
]


@pytest.mark.parametrize("text", JUNK)
def test_parse_cadence_rejects_with_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. `every 2 weeks on Tue 10:00`"):
        parse_cadence(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 2 weeks on Tue 10:00", Recurrence(1, 10, 0, 2)),
        ("weekly on tue 10:00", Recurrence(1, 10, 0, 1)),
        ("every week on Thursday 9:30", Recurrence(3, 9, 30, 1)),
        ("biweekly on mon 14:00", Recurrence(0, 14, 0, 2)),
        ("every tue 10:00", Recurrence(1, 10, 0, 1)),
        ("every 8 weeks on fri 4pm", Recurrence(4, 16, 0, 8)),
    ],
)
def test_parse_recurrence_accepts(text: str, expected: Recurrence) -> None:
    assert parse_recurrence(text) == expected


@pytest.mark.parametrize("text", JUNK)
def test_parse_recurrence_rejects_with_example(text: str) -> None:
    with pytest.raises(ValueError, match=EXAMPLE.replace(".", r"\.")):
        parse_recurrence(text)


def test_parse_messages_name_the_problem() -> None:
    with pytest.raises(ValueError, match="'someday' is not a weekday"):
        parse_recurrence("someday 10:00")
    with pytest.raises(ValueError, match="0 to 23, not 25"):
        parse_recurrence("tue 25:00")
    with pytest.raises(ValueError, match="1 to 8 weeks, not 9"):
        parse_recurrence("every 9 weeks on tue 10:00")


def test_recurrence_describe() -> None:
    assert Recurrence(1, 10, 0, 2).describe() == "every 2 weeks on Tue at 10:00"
    assert Recurrence(1, 10, 0).describe() == "every week on Tue at 10:00"
    assert Recurrence(6, 7, 5).describe() == "every week on Sun at 07:05"
    with pytest.raises(ValueError):
        Recurrence(1, 10, 0, 9)


def test_holidays_parse() -> None:
    assert parse_holidays("2026-12-24, 2026-12-25\n2027-01-01 ,") == frozenset(
        {date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)}
    )
    assert parse_holidays("   ") == frozenset()
    for bad in ("2026-02-30", "20261224", "christmas", "2026-12-24;2026-12-25"):
        with pytest.raises(ValueError, match=repr(bad)):
            parse_holidays(f"2026-01-01, {bad}")


def test_next_workday() -> None:
    assert next_workday(date(2026, 1, 9)) == date(2026, 1, 9)
    assert next_workday(date(2026, 1, 10)) == date(2026, 1, 12)
    assert next_workday(date(2026, 1, 11)) == date(2026, 1, 12)
    holidays = frozenset({date(2026, 12, 25), date(2026, 12, 28)})
    assert next_workday(date(2026, 12, 25), holidays) == date(2026, 12, 29)


# --- next_occurrences ---------------------------------------------------------------------


def test_next_occurrences_keep_local_time_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    tue_10 = Recurrence(weekday=1, hour=10, minute=0)
    starts = next_occurrences(
        tue_10,
        "Europe/Berlin",
        after_utc=_utc(2026, 3, 20),
        first_local_date=date(2026, 3, 1),
        count=3,
    )
    assert starts == [_utc(2026, 3, 24, 9), _utc(2026, 3, 31, 8), _utc(2026, 4, 7, 8)]
    assert all(s.tzinfo == UTC and s.astimezone(berlin).hour == 10 for s in starts)
    ny = next_occurrences(
        tue_10,
        "America/New_York",
        after_utc=_utc(2026, 10, 25),
        first_local_date=date(2026, 1, 1),
        count=2,
    )
    assert ny == [_utc(2026, 10, 27, 14), _utc(2026, 11, 3, 15)]


def test_next_occurrences_every_two_weeks_from_first_date() -> None:
    rec = Recurrence(weekday=1, hour=10, minute=0, every_weeks=2)
    first = date(2026, 1, 8)  # a Thursday: its ISO week's Tuesday (Jan 6) is already past
    starts = next_occurrences(
        rec, "UTC", after_utc=_utc(2026, 1, 1), first_local_date=first, count=3
    )
    assert starts == [_utc(2026, 1, 20, 10), _utc(2026, 2, 3, 10), _utc(2026, 2, 17, 10)]


def test_next_occurrences_strictly_after() -> None:
    rec = Recurrence(weekday=1, hour=10, minute=0)
    first = date(2026, 1, 1)
    at_start = next_occurrences(rec, "UTC", after_utc=_utc(2026, 1, 6, 10), first_local_date=first)
    assert at_start == [_utc(2026, 1, 13, 10)]
    before = next_occurrences(rec, "UTC", after_utc=_utc(2026, 1, 6, 9, 59), first_local_date=first)
    assert before == [_utc(2026, 1, 6, 10)]
    assert (
        next_occurrences(rec, "UTC", after_utc=_utc(2026, 1, 1), first_local_date=first, count=0)
        == []
    )


def test_next_occurrences_ambiguous_time_takes_first() -> None:
    sunday_0130 = Recurrence(weekday=6, hour=1, minute=30)
    starts = next_occurrences(
        sunday_0130,
        "America/New_York",
        after_utc=_utc(2026, 10, 31),
        first_local_date=date(2026, 10, 1),
    )
    assert starts == [_utc(2026, 11, 1, 5, 30)]  # 01:30 EDT, not 01:30 EST


def test_next_occurrences_bad_zone_is_utc() -> None:
    rec = Recurrence(weekday=1, hour=10, minute=0)
    starts = next_occurrences(
        rec, "Mars/Olympus", after_utc=_utc(2026, 1, 1), first_local_date=date(2026, 1, 1)
    )
    assert starts == [_utc(2026, 1, 6, 10)]


# --- properties ---------------------------------------------------------------------------

ZONES = [
    "UTC",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
]
cadences = st.builds(
    Cadence,
    weekday=st.integers(0, 6),
    hour=st.integers(4, 23),  # clear of every listed zone's DST gap
    minute=st.integers(0, 59),
    every_weeks=st.integers(1, 8),
)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
graces = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=3))


@given(now=instants, tz=st.sampled_from(ZONES), cadence=cadences, grace=graces)
def test_property_due_occurrence_matches_cadence(
    now: datetime, tz: str, cadence: Cadence, grace: timedelta
) -> None:
    occ = checkin_due(now, tz, cadence, grace=grace)
    if occ is None:
        return
    local = occ.local_start
    assert local.tzinfo == ZoneInfo(tz)
    assert (local.weekday(), local.hour, local.minute) == (
        cadence.weekday,
        cadence.hour,
        cadence.minute,
    )
    assert local.weekday() < 5
    assert timedelta(0) <= now - occ.utc_start < grace
    assert occ.utc_start == local


@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    tz=st.sampled_from(ZONES),
    cadence=cadences,
    grace=graces,
    fraction=st.floats(0, 0.999),
)
def test_property_scheduled_weekday_is_due_within_grace(
    day: date, tz: str, cadence: Cadence, grace: timedelta, fraction: float
) -> None:
    cadence = Cadence(day.weekday(), cadence.hour, cadence.minute, cadence.every_weeks)
    local = datetime(day.year, day.month, day.day, cadence.hour, cadence.minute)
    start = local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
    now = start + grace * fraction
    occ = checkin_due(
        now, tz, cadence, grace=grace, anchor=day - timedelta(weeks=cadence.every_weeks)
    )
    if day.weekday() >= 5:
        assert occ is None
    else:
        assert occ is not None and occ.utc_start == start
        assert occ.period == f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"


def test_weekdays_constant() -> None:
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
