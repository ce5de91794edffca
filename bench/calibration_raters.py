"""Rater signals: recall of planted raters and managers, and false flags on null organisations.

Run with ``python -m bench.calibration_raters [--full]``. Prints a table and writes
``.candor/bench/calibration_raters.json``. Organisations come from
``bench.calibration_org_raters`` (fixed seeds), in two overlap settings: "360" (everybody is
rated by their manager and one or two others; the issue's bar is judged here) and "sparse"
(half the people have a second rater).

"Ratings per group" (``ratings_per_group``) counts the planted rater's independent units: the
distinct PEOPLE it rates, each on every competency, as the group-gap benchmark counts people.
The ``ratings`` column is all the planted rater's ratings (people x 3-6 competencies). People,
not ratings, are the unit because one rater's scores of one person on several competencies
share that rater's overall impression of the person (in these organisations the competency
scores of one pair correlate about 0.6): six ratings of one person are barely more evidence
about the rater than one, and a test that counted them as six would flag noise. Every rater
signal therefore tests one value per person (a pair mean, spread or disagreement), and its
sample size is people. At 10 people the planted rater is listed (minimum group 5) but has
little power by design.

Recall counts a planted rater or manager as found when its signal flags it in the planted
direction. Null organisations have no planted effect; the per-org rate is the share of them
where a signal flags anything, the per-entity rate the share of listed raters or teams
flagged. The reference in the same run is a naive rule that ignores who rates whom: each
rater's mean against the organisation's, Welch t + BH (for severity only).
"""

from __future__ import annotations

import os

# Many tiny matrix products: BLAS threads only contend (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.calibration_org_raters import KINDS, OVERLAPS, Org, Plant, make_org, null_sd
from insights.calibration.halo import halo_signals
from insights.calibration.managers import manager_signals
from insights.calibration.misfit import misfit_signals
from insights.calibration.raters import rater_severity
from insights.calibration.stats import ALPHA, bh_adjust, welch_difference

ROOT = Path(__file__).resolve().parents[1]
EFFECTS = (0.2, 0.5, 0.8)
PEOPLE = (10, 30, 60)
Flags = dict[str, str | None]


def _severity(org: Org) -> Flags:
    return {s.rater: s.flag for s in rater_severity(org.ratings).signals}


def _naive_severity(org: Org) -> Flags:
    """Each rater's mean against everyone else's ratings, ignoring whom they rate."""
    by_rater: dict[str, list[float]] = {}
    for r in org.ratings:
        by_rater.setdefault(r.rater, []).append(r.score)
    names = sorted(by_rater)
    tests = [
        welch_difference(
            [s for other in names if other != name for s in by_rater[other]], by_rater[name]
        )
        for name in names
    ]
    adjusted = bh_adjust([t.p_value for t in tests])
    return {
        name: (None if p >= ALPHA else "severe" if t.estimate > 0 else "lenient")
        for name, t, p in zip(names, tests, adjusted, strict=True)
    }


def _halo(org: Org) -> Flags:
    return {s.rater: s.flag for s in halo_signals(org.ratings)}


def _misfit(org: Org) -> Flags:
    return {s.rater: s.flag for s in misfit_signals(org.ratings)}


def _managers(org: Org) -> Flags:
    return {s.manager: ",".join(s.flags) or None for s in manager_signals(org.teams)}


SIGNALS: dict[str, Callable[[Org], Flags]] = {
    "rater severity": _severity,
    "halo": _halo,
    "360 outlier": _misfit,
    "manager distribution": _managers,
}
FOUND: dict[str, tuple[str, Callable[[str | None], bool]]] = {
    "severe": ("rater severity", lambda f: f == "severe"),
    "lenient": ("rater severity", lambda f: f == "lenient"),
    "halo": ("halo", lambda f: f in ("halo", "horn")),
    "outlier": ("360 outlier", lambda f: f == "outlier"),
    "inflation": ("manager distribution", lambda f: f is not None and "inflation" in f),
    "compression": ("manager distribution", lambda f: f is not None and "compression" in f),
}


def _row(signal: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "signal": signal,
        "effect_sd": None,
        "ratings_per_group": None,
        "orgs": 0,
        "recall": None,
        "false_flag_org": None,
        "false_flag_entity": None,
        "overlap": None,
        "ratings": None,
    }
    row.update(values)
    return row


def rows(*, orgs: int, seed: int, overlaps: Sequence[str] = OVERLAPS) -> list[dict[str, Any]]:
    """Recall per overlap x plant kind x effect x people, then null false-flag rates."""
    out: list[dict[str, Any]] = []
    for o, overlap in enumerate(overlaps):
        sd = null_sd(seed, overlap=overlap)
        for k, kind in enumerate(KINDS):
            signal, found = FOUND[kind]
            for effect in EFFECTS:
                for people in PEOPLE:
                    rng = np.random.default_rng([seed, o, k, int(effect * 10), people])
                    hits, ratings = 0, []
                    for _ in range(orgs):
                        org = make_org(
                            rng, Plant(kind, effect, people), null_sd=sd, overlap=overlap
                        )
                        ratings.append(org.planted_ratings)
                        hits += found(SIGNALS[signal](org).get(org.planted or ""))
                    out.append(
                        _row(
                            f"{signal}: {kind} [{overlap}]",
                            overlap=overlap,
                            effect_sd=effect,
                            ratings_per_group=people,
                            ratings=round(float(np.mean(ratings)), 1),
                            orgs=orgs,
                            recall=hits / orgs,
                        )
                    )
        null_orgs = [
            make_org(np.random.default_rng([seed, 99, o, i]), overlap=overlap)
            for i in range(orgs * 2)
        ]
        checks = {**SIGNALS, "reference: naive rater means": _naive_severity}
        for signal, run in checks.items():
            any_flag, flagged, listed = 0, 0, 0
            for org in null_orgs:
                flags = run(org)
                hit = sum(f is not None for f in flags.values())
                any_flag += hit > 0
                flagged += hit
                listed += len(flags)
            out.append(
                _row(
                    f"{signal} (null) [{overlap}]",
                    overlap=overlap,
                    orgs=len(null_orgs),
                    false_flag_org=any_flag / len(null_orgs),
                    false_flag_entity=flagged / max(listed, 1),
                )
            )
    return out


def _table(report: Sequence[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    head = (
        "signal",
        "effect_sd",
        "ratings_per_group",
        "ratings",
        "orgs",
        "recall",
        "false_flag_org",
        "false_flag_entity",
    )
    lines = [" | ".join(head)]
    lines += [" | ".join(cell(row[h]) for h in head) for row in report]
    return "\n".join(lines)


def speed(seed: int) -> float:
    """Seconds to fit the severity model on 10,000 ratees and 1,000 raters."""
    from bench.calibration_org_raters import big_org

    ratings = big_org(np.random.default_rng(seed))
    start = time.perf_counter()
    rater_severity(ratings)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--full", action="store_true", help="200 orgs per cell instead of 20 (both overlaps)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--out", type=Path, default=ROOT / ".candor" / "bench" / "calibration_raters.json"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report = rows(orgs=200 if args.full else 20, seed=args.seed)
    elapsed = time.perf_counter() - start
    fit_seconds = speed(args.seed)
    print(_table(report))
    print(f"\n{elapsed:.1f}s; severity model on 10,000 ratees x 1,000 raters: {fit_seconds:.1f}s")
    result = {"rows": report, "seconds": elapsed, "fit_10k_seconds": fit_seconds}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
