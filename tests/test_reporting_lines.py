"""A manager's team: the whole reporting line, or direct reports only."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.reporting_lines import team_of
from store.models import Person

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _person(pid: int, manager: int | None) -> Person:
    return Person(
        id=pid,
        email=f"p{pid}@x.io",
        name=f"P{pid}",
        manager_id=manager,
        created_at=NOW,
        updated_at=NOW,
    )


# 1 ─ 2 ─ 4 ─ 5
#   └ 3
PEOPLE = [_person(1, None), _person(2, 1), _person(3, 1), _person(4, 2), _person(5, 4)]


def test_the_whole_reporting_line_by_default() -> None:
    assert team_of(1, PEOPLE) == {2, 3, 4, 5}
    assert team_of(2, PEOPLE) == {4, 5}
    assert team_of(5, PEOPLE) == frozenset()


def test_direct_reports_only_without_skip_level() -> None:
    assert team_of(1, PEOPLE, direct_only=True) == {2, 3}
    assert team_of(4, PEOPLE, direct_only=True) == {5}


def test_a_reporting_cycle_ends_and_never_includes_the_manager() -> None:
    looped = [_person(1, 3), _person(2, 1), _person(3, 2)]

    assert team_of(1, looped) == {2, 3}
