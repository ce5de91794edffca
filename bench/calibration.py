"""Calibration signals on synthetic organisations: recall of planted effects, false flags on
null organisations.

Run with ``python -m bench.calibration`` (``--full`` for more organisations). Prints one table
and writes ``.candor/bench/calibration.json``. The organisations, their planted effects and the
per-signal details are in ``bench/calibration_raters.py`` (rater severity and leniency, halo,
360 outlier raters, manager inflation and compression) and ``bench/calibration_groups.py``
(group gaps, the four-fifths rule, recency).

The issue's bar: at least 90 % recall for planted effects of 0.5 SD or more with 30 or more
ratings per group, and at most 5 % false flags on null organisations. "Per group" counts
independent units: people (the planted rater's ratees, the people in a protected group, a
manager's ratees), each rated on several competencies. Rater signals are judged where raters
share ratees ("360" overlap) and also reported where only half the people have a second rater
("sparse"). References in the same run: the null organisations themselves, and a naive
rater-mean comparison that ignores who rates whom.
"""

from __future__ import annotations

import os

# Many small matrix products: BLAS threads only contend (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench import calibration_groups, calibration_raters

OUT = Path(".candor/bench")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:5.1f}%"


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width table."""
    head = f"{'signal':<36}{'overlap':>8}{'effect SD':>10}{'per group':>10}{'orgs':>6}{'recall':>9}"
    head += f"{'false/org':>11}{'false/entity':>14}"
    lines = [head, "-" * len(head)]
    for r in rows:
        effect = "null" if not r["effect_sd"] else f"{r['effect_sd']:.1f}"
        per_group = "–" if r["ratings_per_group"] is None else str(r["ratings_per_group"])
        lines.append(
            f"{r['signal']:<36}{r.get('overlap') or '–':>8}{effect:>10}{per_group:>10}"
            f"{r['orgs']:>6}{_pct(r['recall']):>9}"
            f"{_pct(r['false_flag_org']):>11}{_pct(r['false_flag_entity']):>14}"
        )
    return "\n".join(lines)


def verdict(rows: list[dict[str, Any]]) -> list[str]:
    """Where the issue's bar is missed (empty when it is met)."""
    misses = []
    for r in rows:
        if r.get("overlap") == "sparse" or r["signal"].startswith("reference"):
            continue  # reported, not judged: raters must share people; the naive reference
        secondary = r["signal"] == "group adverse impact"  # a consequence of the planted gap
        strong = (r["effect_sd"] or 0) >= 0.5 and (r["ratings_per_group"] or 0) >= 30
        if strong and not secondary and r["recall"] is not None and r["recall"] < 0.9:
            misses.append(f"{r['signal']} {r['effect_sd']} SD × {r['ratings_per_group']}: recall")
        if not r["effect_sd"] and (r["false_flag_org"] or 0) > 0.05:
            misses.append(f"{r['signal']} null: false flags")
    return misses


def main() -> None:
    """Run both benchmarks, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="more organisations per cell")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    orgs = 200 if args.full else 40
    started = time.perf_counter()
    rows = calibration_raters.rows(orgs=orgs, seed=args.seed)
    rows += calibration_groups.rows(orgs=orgs, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(table(rows))
    misses = verdict(rows)
    print(f"\n{len(rows)} cells, {orgs} organisations each, {elapsed:.1f} s.")
    print("Bar met." if not misses else "Bar missed: " + "; ".join(misses))
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"orgs": orgs, "seed": args.seed, "seconds": elapsed, "rows": rows, "misses": misses}
    (OUT / "calibration.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
