"""Every calibration signal over one cycle's ratings, in one report.

The signal modules each correct their own family of tests (Benjamini–Hochberg); this module
only runs them on the same inputs and lays the results out for the CLI, Slack and Teams.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from insights.calibration.groups import GroupReport, group_gaps
from insights.calibration.halo import HaloSignal, halo_signals
from insights.calibration.managers import ManagerSignal, manager_signals
from insights.calibration.misfit import MisfitSignal, misfit_signals
from insights.calibration.raters import RaterReport, rater_severity
from insights.calibration.recency import RecencySignal, recency_signals
from insights.calibration.records import Attribute, Evidence, Rating, Scale

# The keys the analysts' JSON promises first, in this order; the rest follow.
RATER_KEYS = ("rater", "severity", "ci_low", "ci_high", "n", "flag")
GROUP_KEYS = (
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
)


@dataclass(frozen=True)
class CalibrationReport:
    """All signals for one set of ratings. `teams_from` says how teams were formed."""

    ratings: int
    ratees: int
    raters_total: int
    scale: Scale
    min_group: int
    raters: RaterReport
    halo: tuple[HaloSignal, ...]
    outliers: tuple[MisfitSignal, ...]
    managers: tuple[ManagerSignal, ...]
    groups: GroupReport
    recency: tuple[RecencySignal, ...]
    teams_from: str

    @property
    def flagged(self) -> int:
        """How many rows carry a flag, over every signal."""
        rows: list[Any] = [
            *self.raters.signals,
            *self.halo,
            *self.outliers,
            *self.groups.signals,
            *self.recency,
        ]
        managers = sum(1 for m in self.managers if m.flags)
        return managers + sum(1 for r in rows if r.flag)


def calibrate(
    ratings: Sequence[Rating],
    *,
    scale: Scale,
    min_group: int,
    attributes: Sequence[Attribute] = (),
    evidence: Sequence[Evidence] = (),
    teams: Mapping[str, str] | None = None,
) -> CalibrationReport:
    """Run every signal on one cycle's ratings.

    Args:
        teams: ratee → manager. Without it each rater's ratings form their "team" (files
            analysed without an org import).
    """
    groups: dict[str, list[Rating]] = defaultdict(list)
    for rating in ratings:
        manager = teams.get(rating.ratee) if teams is not None else rating.rater
        if manager is not None:
            groups[manager].append(rating)
    return CalibrationReport(
        ratings=len(ratings),
        ratees=len({r.ratee for r in ratings}),
        raters_total=len({r.rater for r in ratings}),
        scale=scale,
        min_group=min_group,
        raters=rater_severity(ratings, min_group=min_group),
        halo=halo_signals(ratings, min_group=min_group),
        outliers=misfit_signals(ratings, min_group=min_group),
        managers=manager_signals(groups, min_group=min_group),
        groups=group_gaps(ratings, attributes, scale=scale, min_group=min_group)
        if attributes
        else GroupReport(signals=(), hidden=()),
        recency=recency_signals(ratings, evidence, min_group=min_group) if evidence else (),
        teams_from="reporting lines" if teams is not None else "raters",
    )


def _ordered(row: Any, first: Sequence[str]) -> dict[str, Any]:
    values = dataclasses.asdict(row)
    return {**{k: values[k] for k in first}, **{k: v for k, v in values.items() if k not in first}}


def report_json(report: CalibrationReport) -> dict[str, Any]:
    """The analysts' JSON: raters, groups, halo, recency, then managers and 360 outliers."""
    return {
        "ratings": report.ratings,
        "ratees": report.ratees,
        "min_group": report.min_group,
        "scale": [report.scale.low, report.scale.high],
        "model": report.raters.model,
        "raters": [_ordered(rater, RATER_KEYS) for rater in report.raters.signals],
        "raters_hidden": report.raters.hidden,
        "groups": [_ordered(group, GROUP_KEYS) for group in report.groups.signals],
        "groups_hidden": {attribute: n for attribute, n in report.groups.hidden},
        "halo": [dataclasses.asdict(h) for h in report.halo],
        "recency": [dataclasses.asdict(r) for r in report.recency],
        "managers": [dataclasses.asdict(m) for m in report.managers],
        "outliers": [dataclasses.asdict(o) for o in report.outliers],
        "teams_from": report.teams_from,
    }
