"""`candor ratings import`, `candor org import-attributes` and `candor calibration`.

`candor calibration --ratings FILE` analyses files alone (ids as given, no database); without
`--ratings` it analyses a cycle stored in Candor.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.settings import Settings, SettingsError
from handlers.calibration_files import (
    parse_attributes,
    parse_evidence,
    parse_ratings,
    parse_scale,
)
from handlers.errors import UsageError
from insights.anonymity import effective_min_group
from insights.calibration.records import Attribute, Evidence, Rating, Scale

if TYPE_CHECKING:
    from insights.calibration.report import CalibrationReport


def add_parsers(sub: Any, org_sub: Any) -> None:
    """Register the calibration sub-commands on `candor` and `candor org`."""
    ratings = sub.add_parser("ratings", help="review ratings")
    ratings_sub = ratings.add_subparsers(dest="ratings_command", required=True, metavar="ACTION")
    imp = ratings_sub.add_parser("import", help="import ratings from a CSV file")
    imp.add_argument(
        "file", type=Path, help="CSV: cycle,rater_email,ratee_email,competency,score,rated_at"
    )
    imp.add_argument("--scale", default=None, help="scale of new cycles, e.g. 1-5 (default)")
    new = ratings_sub.add_parser("cycle", help="open a cycle for ratings given in /review rate")
    new.add_argument("name", help="the cycle's name, e.g. 2026-H2")
    new.add_argument("--competencies", required=True, help='e.g. "Delivery, Craft, Teamwork"')
    new.add_argument("--scale", default="1-5", help="e.g. 1-5 (default)")

    attrs = org_sub.add_parser(
        "import-attributes",
        help="import protected attributes (aggregate statistics only) from a CSV file",
    )
    attrs.add_argument("file", type=Path, help="CSV: email plus one column per attribute")

    cal = sub.add_parser("calibration", help="calibration and bias signals over ratings")
    cal.add_argument("--ratings", type=Path, default=None, help="ratings CSV (default: stored)")
    cal.add_argument("--attributes", type=Path, default=None, help="attributes CSV (email,…)")
    cal.add_argument("--evidence", type=Path, default=None, help="CSV: ratee_email,date,signal")
    cal.add_argument("--cycle", default=None, help="which cycle (default: the only/latest one)")
    cal.add_argument("--scale", default=None, help="the ratings' scale, e.g. 1-5 (default)")
    cal.add_argument("--min-group", type=int, default=None, help="default CANDOR_MIN_GROUP")
    cal.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _read(path: Path) -> str:
    if not path.is_file():
        raise SettingsError(f"no such file: {path}")
    return path.read_text(encoding="utf-8-sig")


def run_ratings_import(settings: Settings, args: argparse.Namespace) -> int:
    """`candor ratings import FILE`."""
    from handlers.calibration_import import import_ratings
    from handlers.services import utc_now
    from store.repository import Store

    content = _read(args.file)
    scale = parse_scale(args.scale) if args.scale else None
    store = Store.open(settings.database_url)
    try:
        s = import_ratings(store, content, scale=scale, at=utc_now())
    finally:
        store.close()
    print(
        f"Imported {args.file.name}: {s.added} added, {s.updated} updated, "
        f"{s.unchanged} unchanged; {s.cycles_created} new cycle(s)."
    )
    return 0


def run_ratings_cycle(settings: Settings, args: argparse.Namespace) -> int:
    """`candor ratings cycle NAME --competencies "A, B"`."""
    from handlers.services import utc_now
    from store.repository import Store

    scale = parse_scale(args.scale)
    competencies = [c.strip() for c in args.competencies.split(",") if c.strip()]
    if not competencies or any(len(c) > 100 for c in competencies):
        raise UsageError("Name the competencies, comma-separated, each under 100 characters.")
    store = Store.open(settings.database_url)
    try:
        if store.ratings.cycle(args.name) is not None:
            raise UsageError(f"A cycle called {args.name!r} exists already.")
        store.ratings.create_cycle(
            args.name.strip(),
            scale=(scale.low, scale.high),
            competencies=competencies,
            at=utc_now(),
        )
    finally:
        store.close()
    print(
        f"Opened cycle {args.name} ({scale.low:g}-{scale.high:g}; {', '.join(competencies)}). "
        "Managers rate their reports with `/review rate @report`."
    )
    return 0


def run_attributes_import(settings: Settings, args: argparse.Namespace) -> int:
    """`candor org import-attributes FILE`."""
    from handlers.calibration_import import import_attributes
    from handlers.services import utc_now
    from store.repository import Store

    content = _read(args.file)
    store = Store.open(settings.database_url)
    try:
        s = import_attributes(store, content, at=utc_now())
    finally:
        store.close()
    print(
        f"Imported {args.file.name}: {len(s.attributes)} attribute(s) "
        f"({', '.join(s.attributes)}) for {s.people} people. They are used only for "
        "aggregate calibration statistics and never shown per person."
    )
    return 0


def run_calibration(settings: Settings, args: argparse.Namespace) -> int:
    """`candor calibration`: from files, or from a cycle stored in Candor."""
    from insights.calibration.report import report_json

    min_group = effective_min_group(args.min_group or settings.core.min_group)
    names: dict[str, str] = {}
    if args.ratings is not None:
        report = _from_files(args, min_group)
    else:
        report, names = _from_store(settings, args, min_group)
    if args.json:
        print(json.dumps(_named(report_json(report), names), indent=2, default=str))
    else:
        print(render_text(report, names))
    return 0


def _from_files(args: argparse.Namespace, min_group: int) -> CalibrationReport:
    from insights.calibration.report import calibrate

    scale = parse_scale(args.scale) if args.scale else Scale()
    rows = parse_ratings(_read(args.ratings), scale)
    cycles = Counter(r.cycle for r in rows)
    cycle = args.cycle
    if cycle is None and len(cycles) > 1:
        raise UsageError(
            f"The file holds {len(cycles)} cycles ({', '.join(sorted(cycles))}): "
            "pick one with --cycle."
        )
    chosen = [r for r in rows if cycle is None or r.cycle.lower() == cycle.lower()]
    if not chosen:
        raise UsageError(f"No ratings for cycle {cycle!r}. Cycles: {', '.join(sorted(cycles))}.")
    ratings = [
        Rating(
            r.cycle,
            r.rater_email,
            r.ratee_email,
            r.competency,
            r.score,
            r.rated_at,
            f"line {r.line}",
        )
        for r in chosen
    ]
    attributes = (
        [
            Attribute(a.email, a.attribute, a.value)
            for a in parse_attributes(_read(args.attributes))
            if a.value
        ]
        if args.attributes
        else []
    )
    evidence = (
        [
            Evidence(e.ratee_email, e.at, e.signal, f"evidence line {e.line}")
            for e in parse_evidence(_read(args.evidence))
        ]
        if args.evidence
        else []
    )
    return calibrate(
        ratings, scale=scale, min_group=min_group, attributes=attributes, evidence=evidence
    )


def _from_store(
    settings: Settings, args: argparse.Namespace, min_group: int
) -> tuple[CalibrationReport, dict[str, str]]:
    from handlers.calibration_data import find_cycle, load_cycle
    from store.repository import Store

    if args.attributes or args.evidence or args.scale:
        raise UsageError("--attributes, --evidence and --scale go with --ratings FILE.")
    store = Store.open(settings.database_url)
    try:
        data = load_cycle(store, find_cycle(store, args.cycle))
        names = {str(p.id): p.email for p in store.people.all()}
    finally:
        store.close()
    report = data.calibrate(min_group)
    return report, names


def _named(value: Any, names: Mapping[str, str]) -> Any:
    """Person ids replaced by emails in the id fields (store mode)."""
    if not names:
        return value
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    if isinstance(value, dict):
        return {
            k: names.get(v, v)
            if k in ("rater", "manager") and isinstance(v, str)
            else _named(v, names)
            for k, v in value.items()
        }
    return value


def _num(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}" if digits else f"{value:g}"


def render_text(report: CalibrationReport, names: Mapping[str, str]) -> str:
    """Tables for a terminal: every signal, flagged rows first, with their caveats."""

    def who(person: str) -> str:
        return names.get(person, person)

    lines = [
        f"Calibration: {report.ratings} ratings of {report.ratees} people by "
        f"{report.raters_total} raters; scale {report.scale.low:g}-{report.scale.high:g}; "
        f"nothing shown for fewer than {report.min_group} people.",
        f"Rater model: {report.raters.model}",
        "",
        "Rater severity (+ severe, - lenient), points with 95% CI:",
    ]
    for r in sorted(report.raters.signals, key=lambda s: (s.flag is None, -abs(s.severity))):
        lines.append(
            f"  {who(r.rater):<32} {_num(r.severity)} [{_num(r.ci_low)}, {_num(r.ci_high)}]"
            f"  n={r.n}  p_adj={r.p_adjusted:.3f}  {r.flag or ''}"
        )
    if report.raters.hidden:
        lines.append(
            f"  ({report.raters.hidden} raters rated fewer than {report.min_group} people)"
        )
    sections: list[tuple[str, list[Any], str]] = [
        ("Halo / horn", list(report.halo), "rater"),
        ("360 outlier raters", list(report.outliers), "rater"),
        ("Recency", list(report.recency), "rater"),
    ]
    for title, rows, key in sections:
        lines += ["", f"{title}:"]
        lines += [
            f"  {who(getattr(r, key)):<32} {_num(r.effect)} [{_num(r.ci_low)}, {_num(r.ci_high)}]"
            f"  n={r.n}  p_adj={_p(r.p_adjusted)}  {r.flag or ''}"
            for r in sorted(rows, key=lambda s: (s.flag is None, -abs(s.effect)))
        ] or ["  (no rows: not enough data)"]
    lines += ["", "Manager distributions against the organisation:"]
    lines += [
        f"  {who(m.manager):<32} mean {m.mean:.2f} vs {m.org_mean:.2f}  shift {_num(m.shift)}"
        f"  sd ratio {m.sd_ratio:.2f}  n={m.n}  {', '.join(m.flags)}"
        for m in report.managers
    ] or ["  (no team with enough people)"]
    lines += ["", "Group gaps (person means) and four-fifths rule:"]
    lines += [
        f"  {g.attribute}={g.group:<20} n={g.n:<4} mean {g.mean:.2f} gap {_num(g.gap)} "
        f"[{_num(g.ci_low)}, {_num(g.ci_high)}] p_adj={_p(g.p_adjusted)} "
        f"impact {_num(g.impact_ratio, 0)}  {g.flag or ''}"
        for g in report.groups.signals
    ] or ["  (no attributes given)"]
    for attribute, hidden in report.groups.hidden:
        lines.append(f"  ({attribute}: {hidden} group(s) hidden — too small or recoverable)")
    lines += ["", "These are statistics to discuss, not verdicts: each flag says where to look."]
    return "\n".join(lines)


def _p(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
