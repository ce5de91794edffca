"""Reading ratings, attributes and evidence files: every bad row named by its line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.calibration_files import (
    FileRejected,
    parse_attributes,
    parse_evidence,
    parse_ratings,
    parse_scale,
)
from handlers.errors import UsageError
from insights.calibration.records import Scale

HEADER = "cycle,rater_email,ratee_email,competency,score,rated_at\n"


def test_a_valid_ratings_file_is_read_with_its_lines() -> None:
    rows = parse_ratings(
        HEADER + "2026-H1,ana@x.io,li@x.io,Delivery,4,2026-06-30\n"
        "2026-H1,Ana@X.io,sam@x.io,Craft,3.5,2026-06-30T10:00:00+02:00\n",
        Scale(),
    )

    assert [r.line for r in rows] == [2, 3]
    assert rows[1].rater_email == "ana@x.io"
    assert rows[1].score == 3.5
    assert rows[1].rated_at == datetime(2026, 6, 30, 8, 0, tzinfo=UTC)
    assert rows[0].rated_at == datetime(2026, 6, 30, tzinfo=UTC)


def test_every_bad_row_is_reported_by_line_and_nothing_is_returned() -> None:
    content = (
        HEADER + "2026-H1,ana@x.io,li@x.io,Delivery,4,2026-06-30\n"
        "2026-H1,not-an-email,li@x.io,Delivery,4,2026-06-30\n"
        "2026-H1,ana@x.io,li@x.io,Delivery,9,2026-06-30\n"
        "2026-H1,ana@x.io,li@x.io,Delivery,four,2026-06-30\n"
        "2026-H1,ana@x.io,li@x.io,,4,2026-06-30\n"
        "2026-H1,ana@x.io,li@x.io,Craft,4,last tuesday\n"
        "2026-H1,li@x.io,li@x.io,Craft,4,2026-06-30\n"
        "2026-H1,ana@x.io,li@x.io,delivery,4,2026-06-30\n"
    )
    with pytest.raises(FileRejected) as raised:
        parse_ratings(content, Scale(1, 5))

    problems = raised.value.problems
    assert any(p.startswith("line 3:") and "not-an-email" in p for p in problems)
    assert any(p.startswith("line 4:") and "from 1 to 5" in p for p in problems)
    assert any(p.startswith("line 5:") and "four" in p for p in problems)
    assert any(p.startswith("line 6:") and "competency is empty" in p for p in problems)
    assert any(p.startswith("line 7:") and "last tuesday" in p for p in problems)
    assert any(p.startswith("line 8:") and "themselves" in p for p in problems)
    assert any(p.startswith("line 9:") and "same rating as line 2" in p for p in problems)
    assert not any(p.startswith("line 2:") for p in problems)
    assert "nothing changed" in raised.value.user_message


def test_missing_columns_name_what_is_expected() -> None:
    with pytest.raises(FileRejected) as raised:
        parse_ratings("cycle,rater,ratee,score\n", Scale())

    assert "missing column(s) rater_email, ratee_email, competency, rated_at" in str(
        raised.value.problems
    )


def test_attributes_file_takes_any_columns_and_rejects_bad_rows() -> None:
    rows = parse_attributes("email,Gender,age_band\nli@x.io,woman,30-39\nsam@x.io,,40-49\n")

    assert {(r.email, r.attribute, r.value) for r in rows} == {
        ("li@x.io", "gender", "woman"),
        ("li@x.io", "age_band", "30-39"),
        ("sam@x.io", "gender", ""),
        ("sam@x.io", "age_band", "40-49"),
    }
    with pytest.raises(FileRejected) as raised:
        parse_attributes("email,gender\nli@x.io,woman\nli@x.io,man\nnope,man\n")
    assert [p.split(":")[0] for p in raised.value.problems] == ["line 3", "line 4"]
    with pytest.raises(FileRejected):
        parse_attributes("email\nli@x.io\n")


def test_evidence_signals_must_lie_between_minus_one_and_one() -> None:
    rows = parse_evidence(
        "ratee_email,date,signal\nli@x.io,2026-05-01,1\nli@x.io,2026-05-02,-0.5\n"
    )
    assert [r.signal for r in rows] == [1.0, -0.5]
    with pytest.raises(FileRejected) as raised:
        parse_evidence("ratee_email,date,signal\nli@x.io,2026-05-01,3\n")
    assert raised.value.problems[0].startswith("line 2:")


def test_scales_read_like_people_write_them() -> None:
    assert parse_scale("1-5") == Scale(1, 5)
    assert parse_scale("0..4") == Scale(0, 4)
    with pytest.raises(UsageError):
        parse_scale("5-1")
