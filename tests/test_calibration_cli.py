"""`candor calibration`, `candor ratings import` and `candor org import-attributes`."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests import test_cli
from tests.test_cli import Cli

# The `candor` command-line fixtures, shared with tests/test_cli.py.
cli = test_cli.cli
restore_logging = test_cli.restore_logging

RATER_KEYS = {"rater", "severity", "ci_low", "ci_high", "n", "flag"}
GROUP_KEYS = {
    "attribute",
    "group",
    "n",
    "mean",
    "gap",
    "ci_low",
    "ci_high",
    "p_adjusted",
    "impact_ratio",
    "flag",
}


def write_files(root: Path, *, cycles: tuple[str, ...] = ("2026-H1",)) -> tuple[Path, Path]:
    """60 people, each rated by 3 of 8 raters on 3 competencies; one rater is much harsher."""
    rng = random.Random(11)
    raters = [f"rater{i}@x.io" for i in range(7)] + ["severe@x.io"]
    lines = ["cycle,rater_email,ratee_email,competency,score,rated_at"]
    for cycle in cycles:
        for p in range(60):
            ability = rng.gauss(0, 0.7)
            for rater in rng.sample(raters, 3):
                for competency in ("Delivery", "Craft", "Collaboration"):
                    raw = 3 + ability + rng.gauss(0, 0.5) - (1.5 if rater == "severe@x.io" else 0)
                    score = min(5, max(1, round(raw)))
                    lines.append(f"{cycle},{rater},p{p}@x.io,{competency},{score},2026-06-30")
    ratings = root / "ratings.csv"
    ratings.write_text("\n".join(lines) + "\n")
    groups = ["a"] * 30 + ["b"] * 27 + ["c"] * 3
    attributes = root / "attrs.csv"
    attributes.write_text(
        "email,gender\n" + "".join(f"p{p}@x.io,{g}\n" for p, g in enumerate(groups))
    )
    return ratings, attributes


def test_files_alone_give_the_analysts_json(cli: Cli) -> None:
    ratings, attributes = write_files(cli.root)

    code, out, err = cli.run(
        "calibration", "--ratings", str(ratings), "--attributes", str(attributes), "--json"
    )

    assert code == 0, err
    report = json.loads(out)
    assert {"raters", "groups", "halo", "recency"} <= set(report)
    assert report["raters"] and all(set(r) >= RATER_KEYS for r in report["raters"])
    severe = next(r for r in report["raters"] if r["rater"] == "severe@x.io")
    assert severe["flag"] == "severe" and severe["ci_low"] > 0
    assert all(r["flag"] is None for r in report["raters"] if r["rater"] != "severe@x.io")
    assert all(set(g) >= GROUP_KEYS for g in report["groups"])
    assert "c" not in {g["group"] for g in report["groups"]}
    assert all(g["n"] >= 5 for g in report["groups"])
    assert "p0@x.io" not in json.dumps(report["groups"])


def test_a_file_with_several_cycles_needs_one_chosen(cli: Cli) -> None:
    ratings, _ = write_files(cli.root, cycles=("2026-H1", "2025-H2"))

    code, _, err = cli.run("calibration", "--ratings", str(ratings))
    assert code == 2 and "pick one with --cycle" in err

    code, out, _ = cli.run("calibration", "--ratings", str(ratings), "--cycle", "2025-H2")
    assert code == 0 and "Rater severity" in out and "not verdicts" in out


def test_a_bad_file_is_refused_with_line_numbers(cli: Cli) -> None:
    bad = cli.root / "bad.csv"
    bad.write_text(
        "cycle,rater_email,ratee_email,competency,score,rated_at\nx,a@x.io,b@x.io,C,7,2026\n"
    )

    code, out, err = cli.run("calibration", "--ratings", str(bad))

    assert code == 2 and out == ""
    assert "line 2: score 7 is not a number from 1 to 5" in err
    assert "line 2: rated_at 2026 is not a date" in err


def test_import_then_analyse_the_stored_cycle(cli: Cli) -> None:
    ratings, attributes = write_files(cli.root)
    emails = sorted({line.split(",")[1] for line in ratings.read_text().splitlines()[1:]})
    emails += [f"p{p}@x.io" for p in range(60)]
    org = cli.root / "org.csv"
    org.write_text(
        "email,name,manager_email\n" + "".join(f"{e},{e.split('@')[0].title()},\n" for e in emails)
    )
    assert cli.run("org", "import", str(org), "--no-slack")[0] == 0

    code, out, _ = cli.run("ratings", "import", str(ratings))
    assert code == 0 and "1 new cycle" in out
    code, out, _ = cli.run("ratings", "import", str(ratings))
    assert code == 0 and "0 added" in out
    code, out, _ = cli.run("org", "import-attributes", str(attributes))
    assert code == 0 and "never shown per person" in out

    code, out, err = cli.run("calibration", "--json")
    assert code == 0, err
    report = json.loads(out)
    severe = next(r for r in report["raters"] if r["rater"] == "severe@x.io")
    assert severe["flag"] == "severe"
    assert "c" not in {g["group"] for g in report["groups"]}
