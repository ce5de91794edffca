"""Importing the competency framework and learning catalogue: validation with line numbers,
re-imports in place (parsers in handlers.competency_files, storage in store.competencies)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.calibration_files import FileRejected
from handlers.competency_files import parse_catalogue, parse_framework
from store.repository import Store

AT = datetime(2026, 3, 2, tzinfo=UTC)
YAML = (Path(__file__).parent / "fixtures" / "skills_framework.yaml").read_text()
CSV = """role,level,competency,descriptor
Engineer,2,Communication,Explains complex ideas simply
Senior Engineer,3,Communication,Shapes how the organisation communicates
,1,Communication,Writes clear status updates
Engineer,1,Delivery,Finishes assigned tasks
"""
CATALOGUE = """title,url,competency,level,format,duration
Writing for busy readers,https://learn.example/writing,Communication,2,course,2h
Planning basics,,Delivery,1,book,
"""


def test_a_csv_framework_reads_levels_and_role_expectations() -> None:
    framework = parse_framework(CSV, "framework.csv")

    by_name = {c.name: c for c in framework.competencies}
    assert sorted(by_name["Communication"].levels) == [1, 2, 3]
    assert {(e.role, e.competency, e.level) for e in framework.expectations} == {
        ("Engineer", "Communication", 2),
        ("Senior Engineer", "Communication", 3),
        ("Engineer", "Delivery", 1),
    }


def test_invalid_framework_files_are_rejected_with_line_numbers() -> None:
    bad = CSV + "Engineer,two,Delivery,x\nEngineer,3,Communication,Another text for level 3\n"
    with pytest.raises(FileRejected) as caught:
        parse_framework(bad, "framework.csv")
    problems = caught.value.problems
    assert any(p.startswith("line 6:") and "level" in p for p in problems)
    assert any(p.startswith("line 7:") and "line 3" in p for p in problems)

    broken_yaml = YAML.replace("Engineer:\n    Communication: 2", "Engineer:\n    Speaking: 2", 1)
    with pytest.raises(FileRejected) as caught:
        parse_framework(broken_yaml, "framework.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("line 36:") and "unknown competency Speaking" in problem


def test_invalid_catalogue_rows_are_rejected_with_line_numbers() -> None:
    bad = CATALOGUE + "Untitled,ftp://x,Cooking,9,video,\n"
    with pytest.raises(FileRejected) as caught:
        parse_catalogue(bad, {"communication", "delivery"})
    (problem,) = caught.value.problems
    assert problem.startswith("line 4:")
    assert "url" in problem and "Cooking" in problem


def test_reimports_update_in_place(store: Store) -> None:
    framework = parse_framework(YAML, "framework.yaml")
    first = store.competencies.import_framework(
        framework.competencies, framework.expectations, at=AT
    )
    again = store.competencies.import_framework(
        framework.competencies, framework.expectations, at=AT
    )
    assert first.added > 0 and again.added == 0 and again.updated == 0

    changed = parse_framework(
        YAML.replace("Engineer:\n    Communication: 2", "Engineer:\n    Communication: 1", 1),
        "framework.yaml",
    )
    summary = store.competencies.import_framework(changed.competencies, changed.expectations, at=AT)
    assert (summary.added, summary.updated) == (0, 1)
    stored = store.competencies.framework()
    assert len(stored.competencies) == 5 and len(stored.levels) == 15

    rows = parse_catalogue(CATALOGUE, {"communication", "delivery"})
    assert store.competencies.import_catalogue(rows, at=AT).added == 2
    renamed = parse_catalogue(
        CATALOGUE.replace("Writing for busy readers", "Writing well"),
        {"communication", "delivery"},
    )
    summary = store.competencies.import_catalogue(renamed, at=AT)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert sorted(i.title for i in store.competencies.catalogue()) == [
        "Planning basics",
        "Writing well",
    ]
