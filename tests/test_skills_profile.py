"""Skill profiles, suggestions and team summaries (pure: insights.skills)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

from insights.skills.profile import (
    BELOW,
    GROWTH,
    MEETS,
    NOT_ENOUGH,
    Cell,
    EvidenceItem,
    Profile,
    RatingItem,
    build_profile,
)
from insights.skills.suggestions import CatalogueItem, suggest
from insights.skills.team import team_summary

T0 = datetime(2026, 3, 2, tzinfo=UTC)
COMPETENCIES = ["Communication", "Delivery"]
EXPECTED = {"Communication": 2, "Delivery": 2}


def items(
    competency: str, levels: list[int], polarity: str = "strength", start: int = 0
) -> list[EvidenceItem]:
    return [
        EvidenceItem(f"kudos:{start + i}", competency, level, 0.4, polarity, T0 + timedelta(days=i))
        for i, level in enumerate(levels)
    ]


def profile(person_id: int, evidence: list[EvidenceItem], **kwargs: object) -> Profile:
    return build_profile(person_id, "Engineer", COMPETENCIES, EXPECTED, evidence, **kwargs)  # type: ignore[arg-type]


def test_thin_evidence_is_not_enough_evidence_never_a_gap() -> None:
    rating = RatingItem("rating:7", "Delivery", 2.0, 5.0, T0)
    p = profile(1, items("Communication", [1, 1]), ratings=[rating])

    for cell in p.cells:
        assert cell.status == NOT_ENOUGH
        assert cell.gap is None and not cell.is_gap
    assert p.top_gaps() == []
    assert p.cell("Delivery") is not None and p.cell("Delivery").latest_rating == rating  # type: ignore[union-attr]


def test_a_gap_is_the_typical_level_shown_against_the_role_with_its_records() -> None:
    evidence = items("Communication", [1, 1, 2]) + items("Delivery", [2, 2, 3], start=10)
    p = profile(1, evidence)

    communication, delivery = p.cells
    assert communication.status == BELOW and communication.shown_level == 1
    assert communication.gap == 1
    assert set(communication.sources) == {"kudos:0", "kudos:1", "kudos:2"}
    assert communication.sources[0] == "kudos:2"  # newest first
    assert delivery.status == MEETS and delivery.gap == 0
    assert [c.competency for c in p.top_gaps()] == ["Communication"]


def test_growth_leaning_evidence_is_something_to_develop_even_at_the_level() -> None:
    evidence = items("Delivery", [2]) + items("Delivery", [2, 2], polarity="growth", start=5)
    (cell,) = [c for c in profile(1, evidence).cells if c.competency == "Delivery"]

    assert (cell.strengths, cell.growth, cell.status) == (1, 2, GROWTH)


def test_there_is_no_composite_score_anywhere() -> None:
    names = {f.name for f in fields(Profile)} | {f.name for f in fields(Cell)}
    assert not any("score" in name for name in names)


CATALOGUE = [
    CatalogueItem(
        1, "Writing for busy readers", "https://learn.example/writing", "Communication", 2
    ),
    CatalogueItem(2, "Advanced storytelling", "https://learn.example/story", "Communication", 3),
    CatalogueItem(3, "Planning basics", "", "Delivery", 1),
]


def test_suggestions_cite_the_gap_records_and_come_from_the_catalogue_or_opted_in_mentors() -> None:
    learner = profile(1, items("Communication", [1, 1, 1]) + items("Delivery", [2, 2, 2], start=10))
    strong = profile(2, items("Communication", [2, 3, 3], start=20))
    strong_not_opted = profile(3, items("Communication", [3, 3, 3], start=30))
    weak_opted = profile(4, items("Communication", [1, 1, 1], start=40))

    found = suggest(
        learner,
        CATALOGUE,
        [strong, strong_not_opted, weak_opted, learner],
        {2: frozenset({"Communication"}), 4: frozenset({"*"}), 1: frozenset({"*"})},
    )

    assert [(s.kind, s.item_id, s.mentor_id) for s in found] == [
        ("learning", 1, None),  # the role's level first
        ("learning", 2, None),
        ("mentor", None, 2),  # opted in and strong; 3 never offered, 4 isn't strong
    ]
    for suggestion in found:
        assert suggestion.competency == "Communication"
        assert set(suggestion.evidence) == {"kudos:0", "kudos:1", "kudos:2"}
        assert "level 1" in suggestion.reason and "expects 2" in suggestion.reason


def test_no_gap_or_no_catalogue_and_no_offer_means_no_suggestion() -> None:
    learner = profile(1, items("Communication", [1, 1, 1]))
    assert suggest(learner, [], [profile(2, items("Communication", [3, 3, 3]))], {}) == []
    meets = profile(1, items("Communication", [2, 2, 2]))
    assert suggest(meets, CATALOGUE, [], {}) == []


def test_team_summaries_respect_the_minimum_group() -> None:
    # Six people: three below in Communication, three meeting it; Delivery thin for everyone.
    team = [profile(i, items("Communication", [1, 1, 1] if i < 3 else [2, 2, 2])) for i in range(6)]

    small = team_summary(team[:4], COMPETENCIES, 5)
    assert not small.shown and small.rows == ()

    summary = team_summary(team, COMPETENCIES, 3)
    communication, delivery = summary.rows
    assert summary.people == 6 and communication.evidenced == 6
    assert (communication.to_develop, communication.meets) == (3, 3)
    assert delivery.evidenced is None and delivery.to_develop is None  # no one: nothing shown

    # With a minimum of 4, groups of three are hidden.
    (communication, _) = team_summary(team, COMPETENCIES, 4).rows
    assert (communication.to_develop, communication.meets) == (None, None)


def test_a_team_count_is_hidden_when_it_differs_from_the_team_by_fewer_than_k() -> None:
    # Six people, five below expectation: "to develop" = 5 would single out the sixth.
    team = [profile(i, items("Communication", [1, 1, 1] if i < 5 else [2, 2, 2])) for i in range(6)]

    (communication, _) = team_summary(team, COMPETENCIES, 3).rows

    assert communication.evidenced == 6
    assert communication.to_develop is None and communication.meets is None
