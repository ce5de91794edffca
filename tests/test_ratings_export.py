"""`/candor mydata` with ratings and protected attributes (`handlers.ratings_export`), end to end
through the real Bolt app: the person gets the ratings about them and by them, and their own
attributes, never anyone else's."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from store.ratings import NewRating
from tests.conftest import SlackHarness

SCALE = (1.0, 5.0)


def _id(slack: SlackHarness, name: str) -> int:
    person = slack.candor.store.people.by_email(f"{name}@example.com")
    assert person is not None and person.id is not None
    return person.id


def _seed(slack: SlackHarness, *, competency: str = "Delivery", value: str = "woman") -> None:
    """Ratings about Li by Ana (her manager), Sam (a peer, in a 360 import) and Omar (in the
    review form); one by Li about Ana; attributes for Li, Sam and Omar."""
    store, now = slack.candor.store, slack.clock()
    li, ana, sam, omar = (_id(slack, n) for n in ("li", "ana", "sam", "omar"))
    day = now - timedelta(days=30)
    imported = [
        NewRating("2026-H1", ana, li, competency, 4.0, day),
        NewRating("2026-H1", sam, li, competency, 2.0, day),
        NewRating("2026-H1", li, ana, "Coaching", 5.0, day),
    ]
    store.ratings.import_ratings(imported, scale=SCALE, at=now)
    in_form = [NewRating("2025-H2", omar, li, "Craft", 3.0, day - timedelta(days=180))]
    store.ratings.import_ratings(in_form, scale=(1.0, 4.0), at=now, source="review")
    store.attributes.replace_all(
        [
            (li, "gender", value),
            (li, "age_band", "30-39"),
            (sam, "gender", "value_of_sams"),
            (omar, "heritage_zeta", "value_of_omars"),
        ],
        at=now,
    )
    slack.standin.clear()


async def _export(slack: SlackHarness, user: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Run `/candor mydata` as `user`: the JSON document and the CSV rows they were sent."""
    await slack.kudos("mydata", command="/candor", user=user)
    calls = await slack.standin.wait_for(
        lambda calls: sum(c.method == "files.completeUploadExternal" for c in calls) == 2
    )
    files = {
        c.args["files"][0]["title"]: slack.standin.uploaded_files[c.args["files"][0]["id"]]
        for c in calls
        if c.method == "files.completeUploadExternal"
    }
    raw = files["Your Candor data (CSV)"].decode()
    document = json.loads(files["Your Candor data (JSON)"])
    return document, list(csv.DictReader(io.StringIO(raw)))


async def test_mydata_has_ratings_received_given_and_own_attributes(slack: SlackHarness) -> None:
    _seed(slack)

    document, rows = await _export(slack, "U0LI")

    received = {r["competency"]: r for r in document["ratings_received"]}
    assert set(received) == {"Delivery", "Craft"} and len(document["ratings_received"]) == 3
    by_score = {r["score"]: r for r in document["ratings_received"]}
    manager, peer, form = by_score[4.0], by_score[2.0], by_score[3.0]
    assert manager["cycle"] == "2026-H1" and manager["scale"] == {"low": 1.0, "high": 5.0}
    assert manager["date"].startswith((slack.clock() - timedelta(days=30)).date().isoformat())
    assert manager["rater"] == "Ana Silva"  # her manager's rating names her manager
    assert form["rater"] == "Omar Haddad"  # the review form is for the reporting line only
    assert form["scale"] == {"low": 1.0, "high": 4.0}
    assert peer["rater"] is None  # a peer's 360 rating stays unnamed
    [given] = document["ratings_given"]
    assert (given["ratee"], given["competency"], given["score"]) == ("Ana Silva", "Coaching", 5.0)
    assert given["cycle"] == "2026-H1"
    assert document["your_attributes"] == {"age_band": "30-39", "gender": "woman"}
    everything = json.dumps(document) + json.dumps(rows)
    for other in ("value_of_sams", "value_of_omars", "heritage_zeta", "Sam Rivera"):
        assert other not in everything

    kinds = [r["kind"] for r in rows]
    assert [kinds.count(k) for k in ("rating_received", "rating_given", "attribute")] == [3, 1, 2]
    raters = {r["other_people"] for r in rows if r["kind"] == "rating_received"}
    assert raters == {"Ana Silva", "Omar Haddad", ""}
    [given_row] = [r for r in rows if r["kind"] == "rating_given"]
    assert (given_row["other_people"], given_row["text"]) == ("Ana Silva", "Coaching")
    assert json.loads(given_row["details"])["score"] == 5.0
    attributes = {r["id"]: r["text"] for r in rows if r["kind"] == "attribute"}
    assert attributes == {"gender": "woman", "age_band": "30-39"}

    read = next(
        e for e in slack.candor.store.audit.events(action="read.self") if e.subject_kind == "mydata"
    )
    counts = {k: read.detail[k] for k in ("ratings_received", "ratings_given", "attributes")}
    assert counts == {"ratings_received": 3, "ratings_given": 1, "attributes": 2}
    assert "woman" not in json.dumps(read.detail)  # the audit log holds counts, not values


async def test_a_person_without_ratings_or_attributes_gets_empty_sections(
    slack: SlackHarness,
) -> None:
    _seed(slack)  # others have ratings and attributes; Hana has none

    document, rows = await _export(slack, "U0HANA")

    assert document["ratings_received"] == [] and document["ratings_given"] == []
    assert document["your_attributes"] == {}
    kinds = {r["kind"] for r in rows}
    assert not kinds & {"rating_received", "rating_given", "attribute"}
    everything = json.dumps(document) + json.dumps(rows)
    assert "value_of" not in everything and "woman" not in everything


async def test_rating_and_attribute_cells_never_start_a_formula(slack: SlackHarness) -> None:
    _seed(slack, competency='=HYPERLINK("http://x")', value="@SUM(1)")

    _, rows = await _export(slack, "U0LI")

    cells = [cell for row in rows for cell in row.values()]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)
    texts = {r["text"] for r in rows if r["kind"] in ("rating_received", "attribute")}
    assert {'\'=HYPERLINK("http://x")', "'@SUM(1)"} <= texts
