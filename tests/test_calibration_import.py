"""Importing ratings and protected attributes: whole or not at all, idempotent, erasable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from handlers.calibration_files import FileRejected
from handlers.calibration_import import import_attributes, import_ratings
from handlers.org_import import import_directory
from insights.calibration.records import Scale
from store.erasure import erase_person
from store.rating_models import ProtectedAttribute, Rating
from store.repository import Store

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ORG = """email,name,manager_email,department,title,role
ana@x.io,Ana Silva,,Payments,Manager,
li@x.io,Li Wei,ana@x.io,Payments,Engineer,
sam@x.io,Sam Rivera,ana@x.io,Payments,Engineer,
"""
RATINGS = """cycle,rater_email,ratee_email,competency,score,rated_at
2026-H1,ana@x.io,li@x.io,Delivery,4,2026-06-30
2026-H1,ana@x.io,sam@x.io,Delivery,3,2026-06-30
"""


@pytest.fixture
async def org(store: Store) -> Store:
    await import_directory(store, ORG, NOW)
    return store


def _ratings(store: Store) -> list[Rating]:
    with Session(store.engine) as session:
        return list(session.exec(select(Rating)))


async def test_ratings_are_stored_once_even_when_imported_twice(org: Store) -> None:
    first = import_ratings(org, RATINGS, scale=None, at=NOW)
    again = import_ratings(org, RATINGS.replace(",3,", ",2,"), scale=None, at=NOW)

    assert (first.cycles_created, first.added) == (1, 2)
    assert (again.cycles_created, again.added, again.updated, again.unchanged) == (0, 0, 1, 1)
    assert sorted(r.score for r in _ratings(org)) == [2.0, 4.0]
    [cycle] = org.ratings.cycles()
    assert (cycle.name, cycle.scale_low, cycle.scale_high) == ("2026-H1", 1.0, 5.0)
    events = org.audit.events(action="ratings.imported")
    assert [e.detail["added"] for e in events] == [2, 0] or [e.detail["added"] for e in events] == [
        0,
        2,
    ]
    assert all(
        set(e.detail) == {"source", "cycles_created", "added", "updated", "unchanged"}
        for e in events
    )


async def test_one_unknown_person_rejects_the_whole_file(org: Store) -> None:
    content = RATINGS + "2026-H1,ana@x.io,nobody@x.io,Delivery,4,2026-06-30\n"

    with pytest.raises(FileRejected) as raised:
        import_ratings(org, content, scale=None, at=NOW)

    assert raised.value.problems == [
        "line 4: nobody@x.io is not in Candor's directory (run `candor org import` first)"
    ]
    assert _ratings(org) == []
    assert org.ratings.cycles() == []


async def test_a_cycle_keeps_its_scale(org: Store) -> None:
    import_ratings(org, RATINGS, scale=Scale(1, 4), at=NOW)

    with pytest.raises(FileRejected) as raised:
        import_ratings(org, RATINGS, scale=Scale(1, 5), at=NOW)
    assert "already uses the scale 1-4" in raised.value.problems[0]
    with pytest.raises(FileRejected) as raised:
        import_ratings(org, RATINGS.replace(",4,", ",5,"), scale=None, at=NOW)
    assert "line 2: score 5 is not from 1 to 4" in raised.value.problems[0]


async def test_attributes_are_stored_apart_and_replaced_per_person(org: Store) -> None:
    summary = import_attributes(org, "email,gender\nli@x.io,woman\nsam@x.io,man\n", at=NOW)
    import_attributes(org, "email,gender\nsam@x.io,\n", at=NOW)

    assert (summary.people, summary.values, summary.attributes) == (2, 2, ("gender",))
    li = org.people.by_email("li@x.io")
    assert li is not None and li.id is not None
    assert org.attributes.for_aggregates() == [(li.id, "gender", "woman")]
    event = org.audit.events(action="attributes.imported")[0]
    assert "woman" not in str(event.detail) and "man" not in str(event.detail["attributes"])


async def test_unknown_people_in_the_attributes_file_reject_it_whole(org: Store) -> None:
    with pytest.raises(FileRejected) as raised:
        import_attributes(org, "email,gender\nli@x.io,woman\nx@y.io,man\n", at=NOW)

    assert raised.value.problems == [
        "line 3: x@y.io is not in Candor's directory (run `candor org import` first)"
    ]
    assert org.attributes.for_aggregates() == []


async def test_erasure_removes_their_ratings_and_attributes(org: Store) -> None:
    import_ratings(org, RATINGS, scale=None, at=NOW)
    import_attributes(org, "email,gender\nli@x.io,woman\nsam@x.io,man\n", at=NOW)
    li = org.people.by_email("li@x.io")
    assert li is not None and li.id is not None

    report = erase_person(org, li.id, NOW)

    assert report is not None
    assert (report.ratings_deleted, report.attributes_deleted) == (1, 1)
    assert [r.ratee_id for r in _ratings(org)] != [li.id]
    assert len(_ratings(org)) == 1
    with Session(org.engine) as session:
        left = list(session.exec(select(ProtectedAttribute)))
    assert [a.person_id for a in left] != [li.id] and len(left) == 1
