"""Goal checks: SMART suggestions for drafts, and health flags for goals in progress."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.goal_check import (
    GoalFlags,
    GoalState,
    Suggestion,
    format_date,
    goal_flags,
    quarter_end,
    smart_check,
)

TODAY = date(2026, 11, 23)
SOON = date(2027, 3, 31)
ORDER = ["measurable", "time-bound", "specific", "achievable"]


def _criteria(suggestions: list[Suggestion]) -> list[str]:
    return [s.criterion for s in suggestions]


def _by(suggestions: list[Suggestion], criterion: str) -> Suggestion:
    return next(s for s in suggestions if s.criterion == criterion)


# -- smart_check ---------------------------------------------------------------------


def test_a_clear_smart_goal_gets_no_suggestions() -> None:
    objective = "Reduce p95 API latency from 800 ms to 300 ms by 2027-03-31"

    assert smart_check(objective, [], SOON, TODAY) == []


def test_an_unmeasurable_goal_gets_a_concrete_target_built_from_its_own_words() -> None:
    found = _by(smart_check("Improve onboarding docs", [], SOON, TODAY), "measurable")

    assert found.problem == "“Improve onboarding docs” has no number to tell when it's done."
    assert "“Improve onboarding docs so new hires ship a first PR within 5 days”" in (
        found.suggestion
    )
    assert re.search(r"\d", found.suggestion)


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        ("Reduce flaky test runs in CI", "“Reduce flaky test runs in CI by 30%"),
        ("Grow the weekly active users of search", "by 20%"),
        ("Launch the new billing page for customers", "3 teams using it within 4 weeks"),
        ("Make code reviews feel less painful", "from 3 days to 1"),
        ("Keep the garden tidy and welcoming", "from 3 to 5"),
    ],
)
def test_the_measurable_example_follows_the_verb_or_the_topic(
    objective: str, expected: str
) -> None:
    found = _by(smart_check(objective, [], SOON, TODAY), "measurable")

    assert expected in found.suggestion
    assert re.search(r"\d", found.suggestion)


@pytest.mark.parametrize(
    "text",
    ["Ship 3 features", "Cut costs by 10%", "Save $5k", "Double signups", "Zero open P1 bugs"],
)
def test_numbers_percentages_money_and_count_words_are_measurable(text: str) -> None:
    assert "measurable" not in _criteria(smart_check(text, [], SOON, TODAY))


def test_a_number_in_a_key_result_makes_the_goal_measurable() -> None:
    found = smart_check("Make onboarding smoother for new hires", ["NPS of 40"], SOON, TODAY)

    assert "measurable" not in _criteria(found)


@pytest.mark.parametrize(
    "objective",
    [
        "Improve communication by 31 Mar",
        "Improve communication by Q3 2027",
        "Improve communication by 2027-03-31",
        "Improve communication in 2027",
        "Ship search v2 for the team",
    ],
)
def test_dates_and_versions_are_not_targets(objective: str) -> None:
    assert "measurable" in _criteria(smart_check(objective, [], SOON, TODAY))


def test_key_results_are_named_when_none_has_a_number() -> None:
    found = _by(
        smart_check("Make onboarding smoother", ["Write a guide"], SOON, TODAY), "measurable"
    )

    assert found.problem.startswith("“Make onboarding smoother” and its key results have no number")


def test_a_past_due_date_is_flagged() -> None:
    found = _by(
        smart_check("Cut build time from 9 to 4 minutes", [], date(2026, 11, 1), TODAY),
        "time-bound",
    )

    assert found.problem == "The due date has passed: 1 Nov 2026 (it is in the past)."
    assert "31 Dec 2026" in found.suggestion


def test_a_due_date_of_today_has_passed_too() -> None:
    found = _by(smart_check("Cut build time from 9 to 4 minutes", [], TODAY, TODAY), "time-bound")

    assert "has passed" in found.problem


def test_a_missing_due_date_suggests_the_end_of_the_quarter() -> None:
    found = _by(smart_check("Cut build time from 9 to 4 minutes", [], None, TODAY), "time-bound")

    assert found.problem == "There is no due date."
    assert found.suggestion == "Set a due date, e.g. the end of the quarter (31 Dec 2026)."


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 23), date(2026, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 5, 15), date(2026, 6, 30)),
        (date(2026, 9, 16), date(2026, 9, 30)),  # exactly 14 days left: still this quarter
        (date(2026, 9, 17), date(2026, 12, 31)),  # 13 days left: the next one
        (date(2026, 12, 20), date(2027, 3, 31)),  # across the year
    ],
)
def test_quarter_end(today: date, expected: date) -> None:
    assert quarter_end(today) == expected


def test_format_date_is_locale_free() -> None:
    assert format_date(date(2027, 3, 1)) == "1 Mar 2027"


@pytest.mark.parametrize(
    ("objective", "word"),
    [("Be better", "better"), ("Improve communication", "improve"), ("Work on stuff", "work on")],
)
def test_vague_short_objectives_are_flagged(objective: str, word: str) -> None:
    found = _by(smart_check(objective, [], SOON, TODAY), "specific")

    assert found.problem.startswith(f"“{objective}” is too vague:")
    assert f"“{word}”" in found.problem
    assert "e.g." in found.suggestion


def test_a_long_objective_dominated_by_vague_words_is_flagged() -> None:
    objective = "Try to do better and improve various things, more great stuff"

    found = _by(smart_check(objective, [], SOON, TODAY), "specific")

    assert "“improve”" in found.problem and "“stuff”" in found.problem


def test_a_short_objective_without_vague_words_is_too_short() -> None:
    found = _by(smart_check("Ship 3 dashboards", [], SOON, TODAY), "specific")

    assert found.problem == "“Ship 3 dashboards” is too short to say what will change."


def test_an_empty_objective_is_named_generically() -> None:
    found = smart_check("   ", [], SOON, TODAY)

    assert _criteria(found) == ["measurable", "specific"]
    assert found[0].problem == "The objective has no number to tell when it's done."


def test_too_many_key_results_are_flagged() -> None:
    results = [f"KR {i}: ship {i} things" for i in range(6)]

    found = _by(
        smart_check("Reduce p95 latency from 800 ms to 300 ms", results, SOON, TODAY), "achievable"
    )

    assert found.problem == "6 key results are a lot to track at once."
    assert "Keep the 5" in found.suggestion


def test_five_key_results_are_fine_and_blank_ones_do_not_count() -> None:
    results = [f"Ship {i} things" for i in range(5)] + ["", "  "]

    assert smart_check("Reduce p95 latency from 800 ms to 300 ms", results, SOON, TODAY) == []


def test_a_due_date_more_than_18_months_out_is_flagged() -> None:
    objective = "Reduce p95 latency from 800 ms to 300 ms"

    assert smart_check(objective, [], date(2028, 5, 23), TODAY) == []
    found = _by(smart_check(objective, [], date(2028, 5, 24), TODAY), "achievable")
    assert found.problem == "The goal has a due date more than 18 months away."


def test_suggestions_come_in_the_documented_order() -> None:
    found = smart_check("Be better", ["Write a guide"] * 7, None, TODAY)

    assert _criteria(found) == ORDER


# -- goal_flags ----------------------------------------------------------------------


def _goal(**changes: object) -> GoalState:
    fields: dict[str, object] = {
        "goal_id": 7,
        "created": date(2026, 10, 1),
        "due": date(2026, 12, 31),
        "progress": 0.5,
        "last_update": date(2026, 11, 20),
        "parent_id": 1,
    }
    fields.update(changes)
    return GoalState(**fields)  # type: ignore[arg-type]


def test_a_healthy_goal_has_no_flags() -> None:
    flags = goal_flags(_goal(), TODAY)

    assert (flags.unlinked, flags.stale, flags.at_risk) == (False, False, False)
    assert flags.labels() == []
    assert flags.elapsed == pytest.approx(53 / 91)


def test_a_goal_without_a_parent_is_unlinked() -> None:
    flags = goal_flags(_goal(parent_id=None), TODAY)

    assert flags.unlinked
    assert flags.labels() == ["not linked to a team or company goal"]


def test_a_goal_without_an_update_for_3_weeks_is_stale() -> None:
    assert not goal_flags(_goal(last_update=TODAY - timedelta(days=20)), TODAY).stale
    flags = goal_flags(_goal(last_update=TODAY - timedelta(days=21)), TODAY)

    assert flags.stale and flags.weeks_since_update == 3
    assert flags.labels() == ["no update in 3 weeks"]


def test_a_never_updated_goal_is_stale_from_its_creation() -> None:
    flags = goal_flags(_goal(last_update=None, created=date(2026, 10, 1), progress=0.9), TODAY)

    assert flags.stale and flags.weeks_since_update == 7


def test_stale_weeks_is_configurable() -> None:
    goal = _goal(last_update=TODAY - timedelta(days=7))

    assert goal_flags(goal, TODAY, stale_weeks=1).labels() == ["no update in 1 week"]


def test_a_goal_behind_its_time_is_at_risk() -> None:
    goal = _goal(created=date(2026, 10, 1), due=date(2026, 12, 31), progress=0.2)

    flags = goal_flags(goal, date(2026, 11, 24))  # 54 of 91 days: 59% gone

    assert flags.at_risk
    assert flags.labels() == ["behind: 20% done, 59% of the time gone"]


def test_progress_within_the_tolerance_is_not_at_risk() -> None:
    goal = _goal(created=date(2026, 10, 1), due=date(2026, 12, 31), progress=0.45)

    assert not goal_flags(goal, date(2026, 11, 24)).at_risk
    assert goal_flags(goal, date(2026, 11, 24), tolerance=0.1).at_risk


def test_a_done_goal_is_neither_at_risk_nor_stale() -> None:
    goal = _goal(progress=0.1, last_update=date(2026, 10, 1), done=True)

    flags = goal_flags(goal, date(2026, 12, 30))

    assert not flags.at_risk and not flags.stale


def test_a_goal_without_due_date_is_never_at_risk() -> None:
    flags = goal_flags(_goal(due=None, progress=0.0), TODAY)

    assert flags.elapsed is None and not flags.at_risk


def test_a_due_date_on_the_creation_day_does_not_divide_by_zero() -> None:
    goal = _goal(created=TODAY, due=TODAY, progress=0.0, last_update=None)

    assert goal_flags(goal, TODAY).elapsed == 1.0
    assert goal_flags(goal, TODAY).at_risk
    assert goal_flags(goal, TODAY - timedelta(days=1)).elapsed == 0.0


def test_all_labels_together_in_order() -> None:
    flags = GoalFlags(7, True, True, True, 0.6, 3, 0.2)

    assert flags.labels() == [
        "not linked to a team or company goal",
        "no update in 3 weeks",
        "behind: 20% done, 60% of the time gone",
    ]


@pytest.mark.parametrize(("stale_weeks", "tolerance"), [(0, 0.15), (3, -0.1)])
def test_bad_parameters_are_refused(stale_weeks: int, tolerance: float) -> None:
    with pytest.raises(ValueError):
        goal_flags(_goal(), TODAY, stale_weeks=stale_weeks, tolerance=tolerance)


# -- properties ----------------------------------------------------------------------

_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
_text = st.lists(
    st.sampled_from(["better", "improve", "ship", "docs", "3", "10%", "$5", "by", "Q3", "31 Mar"]),
    max_size=8,
).map(" ".join)


@given(_text, st.lists(_text, max_size=8), st.none() | _dates, _dates)
def test_suggestions_are_unique_and_in_the_documented_order(
    objective: str, key_results: list[str], due: date | None, today: date
) -> None:
    criteria = _criteria(smart_check(objective, key_results, due, today))

    assert criteria == [c for c in ORDER if c in criteria]
    assert smart_check(objective, key_results, due, today) == smart_check(
        objective, key_results, due, today
    )


@given(
    _dates,
    st.none() | _dates,
    st.floats(-1, 2, allow_nan=False),
    st.none() | _dates,
    st.booleans(),
    _dates,
)
def test_flags_stay_in_range(
    created: date, due: date | None, progress: float, last: date | None, done: bool, today: date
) -> None:
    flags = goal_flags(GoalState(1, created, due, progress, last, None, done), today)

    assert flags.elapsed is None or 0.0 <= flags.elapsed <= 1.0
    assert 0.0 <= flags.progress <= 1.0 and flags.weeks_since_update >= 0
    assert not (done and (flags.at_risk or flags.stale))
    assert len(flags.labels()) == flags.unlinked + flags.stale + flags.at_risk
