"""`candor themes` on an exported CSV: the same engine, JSON for analysts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bot.cli import main

TOPICS = {
    "outage": "handled the production outage calmly and restored service",
    "mentoring": "mentored the new engineers patiently through onboarding",
    "design": "gave thoughtful design critique on the checkout prototype",
}


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CANDOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CANDOR_EMBEDDER", "hashing")
    path = tmp_path / "feedback.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "comment", "about"])
        n = 0
        for text in TOPICS.values():
            for i in range(8):
                n += 1
                writer.writerow([n, f"{text} {['today', 'again', 'this week'][i % 3]}", f"p{n}"])
        writer.writerow([n + 1, "", "p0"])  # an empty answer gets no theme
    return path


def test_json_output_has_themes_and_one_assignment_per_row(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["themes", "--input", str(export), "--text-column", "comment", "--json"])

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["assignments"]) == 25
    assert result["assignments"][-1] is None
    ids = {t["id"] for t in result["themes"]}
    assert ids and {a for a in result["assignments"] if a} <= ids
    for theme in result["themes"]:
        assert {"id", "label", "polarity", "size"} <= set(theme)
        assert theme["size"] == result["assignments"].count(theme["id"])
    labels = " ".join(t["label"] for t in result["themes"])
    assert any(word in labels for word in ("outage", "mentored", "design", "critique"))


def test_table_output_and_person_column(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["themes", "--input", str(export), "--text-column", "comment", "--person-column", "about"]
    )

    assert code == 0
    out = capsys.readouterr().out
    assert "themes in 25 rows" in out and "rows without a theme" in out


def test_an_unknown_column_is_a_clear_error(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["themes", "--input", str(export), "--text-column", "text"]) == 2
    assert "no column 'text'" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["themes", "--input", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
