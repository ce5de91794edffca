"""Pre-1:1 prep: scores, decay, grouping, mood rules, consent and a stable order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.prep import (
    AgendaSignal,
    CheckinSignal,
    Evidence,
    GoalSignal,
    KudosSignal,
    ThemeSignal,
    Topic,
    rank_topics,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _checkin(rid: int, days: float, blocker: str = "", mood: int | None = None) -> CheckinSignal:
    return CheckinSignal(rid, _ago(days), blocker, mood)


def _kudos(rid: int, days: float, giver: str = "Sam", values: tuple[str, ...] = ()) -> KudosSignal:
    return KudosSignal(rid, _ago(days), giver, values)


def _goal(rid: int, *, at_risk: bool = False, stale: bool = False) -> GoalSignal:
    return GoalSignal(rid, f"Ship search v{rid}", at_risk, stale, 0.2, _ago(21))


def _kinds(topics: list[Topic]) -> list[str]:
    return [t.kind for t in topics]


def _everything() -> dict[str, Any]:
    return {
        "checkins": (
            _checkin(1, 1, "waiting on design review", 3),
            _checkin(2, 8, mood=5),
            _checkin(3, 15, mood=4),
        ),
        "goals": (_goal(10, at_risk=True), _goal(11, stale=True), _goal(12)),
        "kudos": (
            _kudos(20, 5, "Sam", ("Ownership",)),
            _kudos(21, 6, "Lee", ("Ownership", "Craft")),
            _kudos(22, 40, "Old", ("Craft",)),
        ),
        "agenda": (AgendaSignal(30, _ago(2), "Talk about the on-call rota", "Maya"),),
        "themes": (
            ThemeSignal("Clear writing", "strength", (20,), _ago(3)),
            ThemeSignal("Asks for help late", "growth", (21, 99), _ago(3)),
        ),
    }


def _rank(limit: int = 20, **inputs: Any) -> list[Topic]:
    return rank_topics("Ana", NOW, limit=limit, **inputs)


# -- ordering ------------------------------------------------------------------------


def test_topics_are_ranked_by_the_documented_scores() -> None:
    topics = _rank(**_everything())

    assert _kinds(topics) == [
        "blocker",  # 1.0 * 0.5 ** (1 / 7) = 0.906
        "mood_drop",  # 0.9
        "goal_at_risk",  # 0.8
        "agenda",  # 0.7
        "goal_stale",  # 0.6, before kudos on a tie
        "kudos",  # 0.5 + 2 * 0.05
        "theme",  # growth 0.55
        "theme",  # 0.4
    ]
    assert [round(t.score, 3) for t in topics] == [0.906, 0.9, 0.8, 0.7, 0.6, 0.6, 0.55, 0.4]
    assert all(t.evidence for t in topics)


def test_titles_are_plain_english() -> None:
    titles = [t.title for t in _rank(**_everything())]

    assert titles == [
        "Ana flagged a blocker: waiting on design review",
        "Mood dropped to 3/5 (from about 4.5)",
        "Goal at risk: Ship search v10 (20% done)",
        "Agenda (Maya): Talk about the on-call rota",
        "Goal not updated since 2 Nov: Ship search v11",
        "Recognize: 2 kudos in the last 30 days, most for “Ownership”",
        "Recurring theme: Asks for help late (growth area)",
        "Recurring theme: Clear writing",
    ]


def test_the_default_limit_is_6_and_a_smaller_one_keeps_the_top() -> None:
    inputs = _everything()

    assert len(rank_topics("Ana", NOW, **inputs)) == 6
    assert _kinds(_rank(limit=2, **inputs)) == ["blocker", "mood_drop"]
    assert _rank(limit=0, **inputs) == []


def test_equal_scores_are_broken_by_kind_then_record_id() -> None:
    topics = _rank(
        kudos=(_kudos(5, 1),),  # 0.55
        themes=(ThemeSignal("Late reviews", "growth", (5,), _ago(1)),),  # 0.55
        agenda=(AgendaSignal(9, _ago(1), "B", "Maya"), AgendaSignal(4, _ago(2), "A", "Ana")),
    )

    assert [(t.kind, t.evidence[0].record_id) for t in topics] == [
        ("agenda", 4),
        ("agenda", 9),
        ("kudos", 5),
        ("theme", 5),
    ]


# -- blockers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "score"), [(0, 1.0), (3.5, 0.5**0.5), (7, 0.5), (14, 0.25), (21, 0.125)]
)
def test_blockers_decay_with_a_half_life_of_7_days(days: float, score: float) -> None:
    (topic,) = _rank(checkins=(_checkin(1, days, "Blocked on VPN access"),))

    assert topic.score == pytest.approx(score)


def test_blockers_older_than_21_days_or_blank_are_left_out() -> None:
    assert _rank(checkins=(_checkin(1, 21.01, "VPN"), _checkin(2, 1, "   "))) == []


def test_a_repeated_blocker_is_one_topic_aged_by_its_newest_check_in() -> None:
    checkins = (
        _checkin(1, 10, "Waiting on design review"),
        _checkin(2, 3, "waiting on  design REVIEW"),
        _checkin(3, 3, "Flaky CI"),
    )

    topics = _rank(checkins=checkins)

    assert [t.title for t in topics] == [
        "Ana flagged a blocker: waiting on design REVIEW",
        "Ana flagged a blocker: Flaky CI",
    ]
    assert [e.record_id for e in topics[0].evidence] == [2, 1]
    assert [e.label for e in topics[0].evidence] == ["Check-in of 20 Nov", "Check-in of 13 Nov"]
    assert topics[0].score == pytest.approx(0.5 ** (3 / 7))


def test_long_blocker_text_is_cut_to_120_characters() -> None:
    (topic,) = _rank(checkins=(_checkin(1, 1, "x" * 200),))

    quoted = topic.title.removeprefix("Ana flagged a blocker: ")
    assert len(quoted) == 120 and quoted.endswith("…")


# -- mood ----------------------------------------------------------------------------


def _mood_topics(*moods: tuple[float, int | None]) -> list[Topic]:
    checkins = tuple(_checkin(i, days, mood=m) for i, (days, m) in enumerate(moods, 1))
    return [t for t in _rank(checkins=checkins) if t.kind == "mood_drop"]


def test_a_low_latest_mood_is_a_topic_even_without_history() -> None:
    (topic,) = _mood_topics((2, 2))

    assert topic.title == "Mood is low: 2/5 at the latest check-in"
    assert topic.score == 0.9


def test_a_drop_of_1_5_below_the_earlier_mean_is_a_topic() -> None:
    (topic,) = _mood_topics((21, 5), (14, 4), (1, 3))

    assert topic.title == "Mood dropped to 3/5 (from about 4.5)"
    assert [e.record_id for e in topic.evidence] == [3, 2, 1]


@pytest.mark.parametrize(
    "moods",
    [
        ((14, 4), (7, 4), (1, 3)),  # a drop of 1.0 only
        ((7, 5), (1, 3)),  # one earlier mood is not enough
        ((60, 5), (58, 5), (1, 3)),  # the earlier moods are older than 8 weeks
        ((14, 3), (7, 3), (1, 4)),  # no drop
    ],
)
def test_no_mood_topic_without_a_real_drop(moods: tuple[tuple[float, int], ...]) -> None:
    assert _mood_topics(*moods) == []


def test_the_latest_shared_mood_counts_not_the_latest_check_in() -> None:
    (topic,) = _mood_topics((21, 5), (14, 5), (7, 2), (1, None))

    assert topic.title == "Mood dropped to 2/5 (from about 5.0)"
    assert 4 not in [e.record_id for e in topic.evidence]


def test_moods_not_shared_with_the_manager_are_never_used() -> None:
    checkins = (
        _checkin(1, 21, mood=None),
        _checkin(2, 14, mood=None),
        _checkin(3, 1, "Stuck on the migration", mood=None),
    )

    topics = _rank(checkins=checkins, kudos=(_kudos(5, 2),))

    assert "mood_drop" not in _kinds(topics)
    texts = [t.title for t in topics] + [e.label for t in topics for e in t.evidence]
    assert texts and not any("mood" in text.lower() for text in texts)


# -- goals, agenda, kudos, themes ----------------------------------------------------


def test_a_goal_at_risk_and_stale_is_one_at_risk_topic_and_healthy_goals_are_skipped() -> None:
    topics = _rank(goals=(_goal(1, at_risk=True, stale=True), _goal(2)))

    assert _kinds(topics) == ["goal_at_risk"]
    assert topics[0].evidence == (Evidence("goal", 1, "Goal “Ship search v1”", _ago(21)),)


def test_each_agenda_item_is_a_topic_naming_its_author() -> None:
    agenda = (
        AgendaSignal(1, _ago(1), "Promotion timeline", "Ana"),
        AgendaSignal(2, _ago(3), "Team offsite", "Maya"),
        AgendaSignal(3, _ago(3), "  ", "Maya"),
    )

    topics = _rank(agenda=agenda)

    assert [t.title for t in topics] == [
        "Agenda (Ana): Promotion timeline",
        "Agenda (Maya): Team offsite",
    ]
    assert topics[0].evidence[0].label == "Agenda item from Ana, 22 Nov"


def test_recent_kudos_are_grouped_into_one_recognize_topic() -> None:
    kudos = (
        _kudos(1, 5, "Sam", ("Ownership", "Craft")),
        _kudos(2, 10, "Lee", ("Ownership",)),
        _kudos(3, 29, "Kim", ("Craft", "Craft")),
        _kudos(4, 31, "Old", ("Craft",)),
    )

    (topic,) = _rank(kudos=kudos)

    assert topic.kind == "kudos"
    assert topic.title == "Recognize: 3 kudos in the last 30 days, most for “Craft”"
    assert topic.score == pytest.approx(0.65)
    assert [e.label for e in topic.evidence] == [
        "Kudos from Sam, 18 Nov",
        "Kudos from Lee, 13 Nov",
        "Kudos from Kim, 25 Oct",
    ]


def test_the_kudos_score_is_capped_and_a_value_tie_is_alphabetical() -> None:
    kudos = tuple(_kudos(i, 1, values=("Zest",) if i % 2 else ("Care",)) for i in range(10))

    (topic,) = _rank(kudos=kudos)

    assert topic.score == 0.75
    assert topic.title.endswith("most for “Care”")
    assert len(topic.evidence) == 10


def test_kudos_without_values_name_no_value() -> None:
    (topic,) = _rank(kudos=(_kudos(1, 1),))

    assert topic.title == "Recognize: 1 kudos in the last 30 days"


def test_themes_use_the_kudos_as_evidence_and_skip_empty_ones() -> None:
    themes = (
        ThemeSignal("Mentoring", "strength", (1, 77, 1), _ago(2)),
        ThemeSignal("Nothing", "growth", (), _ago(2)),
    )

    (topic,) = _rank(themes=themes, kudos=(_kudos(1, 45, "Sam"),))

    assert topic.score == 0.4
    assert [(e.kind, e.record_id, e.label) for e in topic.evidence] == [
        ("kudos", 77, "Kudos in “Mentoring”"),
        ("kudos", 1, "Kudos from Sam, 9 Oct"),
    ]


# -- dates, validation, determinism --------------------------------------------------


def test_dates_are_shown_in_the_time_zone_of_now() -> None:
    kudos = (KudosSignal(1, datetime(2026, 11, 18, 23, 30, tzinfo=UTC), "Sam", ()),)
    now = NOW.astimezone(timezone(timedelta(hours=2)))

    (topic,) = rank_topics("Ana", now, kudos=kudos)

    assert topic.evidence[0].label == "Kudos from Sam, 19 Nov"


def test_a_naive_now_or_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        rank_topics("Ana", NOW.replace(tzinfo=None))
    with pytest.raises(ValueError):
        rank_topics("Ana", NOW, limit=-1)


@given(st.data())
def test_the_result_does_not_depend_on_input_order(data: st.DataObject) -> None:
    inputs = _everything()
    shuffled = {key: tuple(data.draw(st.permutations(values))) for key, values in inputs.items()}
    limit = data.draw(st.integers(0, 10))

    topics = _rank(limit=limit, **shuffled)

    assert topics == _rank(limit=limit, **inputs)
    assert len(topics) <= limit
    assert all(t.evidence for t in topics)
    assert [t.score for t in topics] == sorted((t.score for t in topics), reverse=True)
