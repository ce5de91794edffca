"""Manager distributions against the organisation: inflation, deflation, compression, spread.

The unit is the person: one value per person, so someone rated on six competencies counts
once (one rater's scores of one person on several competencies share that rater's overall
impression of the person; they are one piece of evidence, not six). A team's value for a
person is the manager's own mean rating of them; when the manager rated nobody in the ratings
passed (teams from reporting lines, ratings by others), it is the person's mean over all
their ratings. The rest of the organisation is the same unit for everybody else: one rater's
mean rating of one person, leaving out the manager's ratings and the team's people.

- shift (inflation > 0, deflation < 0): the crossed random-effects model of ``raters`` is
  fitted once with each manager's ratings of their own team as one rater (and their ratings
  of anybody else as another). Where the team's people are also rated by others, the
  manager's effect is the difference from those other raters on the SAME people, so a team
  that truly performs better does not move it; it is tested unshrunk (Wald t with
  people - 1 df), as severity is. Where nobody else rates the team, the model can only
  compare the team with everyone else, and the caveat says a team that truly differs looks
  the same. When the manager rated none of the team (teams from reporting lines, ratings
  by others), the team's person means are compared with the rest's by a pooled-variance t
  (the null "this team is like everybody else" implies equal variances; Welch over-flags
  small teams whose SD is small by chance);
- spread: SD of the team's values over the rest's (for the rest, one rater's view of each
  person, their own manager's where known, so co-rated people count once), with Bonett's
  (2006) interval for a ratio of SDs: a log-ratio interval whose standard error uses the
  pooled kurtosis, so it stays honest for non-normal scores where the F test does not, and
  keeps most of its power where Brown-Forsythe loses it. The p-value inverts that interval.
  Teams of fewer than ``SPREAD_MIN_PEOPLE`` get no spread test (their p-value is 1): an SD
  of five integer-scale means is too unstable to flag.

Shift and spread tests form one Benjamini-Hochberg family, so an organisation with no
difference anywhere sees any flag from this signal at most 5 % of the time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from insights.calibration.cells import PairMeans, pair_means, rating_cells
from insights.calibration.raters import fit_crossed, unshrunk_effect
from insights.calibration.records import Rating, Scale
from insights.calibration.stats import ALPHA, Interval, bh_adjust

# Flags need a shift of at least this share of the SD of all ratings, or an SD ratio
# beyond these bounds: smaller differences are not worth a calibration conversation.
MEANINGFUL_SD = 0.2
COMPRESSED_RATIO = 0.8
SPREAD_RATIO = 1.25
# The SD of fewer people is too unstable (and, on an integer scale, too discrete: five
# people can share one mean) for a spread test; smaller teams get no spread flag.
SPREAD_MIN_PEOPLE = 10
PAIRED_TEST = (
    "shift: crossed random-effects model (REML) with the manager's ratings of their own "
    "team as one rater, Wald t (df = people - 1) against the other raters of the same people"
)
RAW_TEST = "shift: person means, pooled t, team vs rest of the organisation"
SPREAD_TEST = "spread: Bonett's robust interval for the SD ratio of person means"
TEST = f"{PAIRED_TEST}, else {RAW_TEST}; {SPREAD_TEST}"


@dataclass(frozen=True)
class ManagerSignal:
    """One manager's team distribution against the rest of the organisation.

    ``shift`` is in points: how much higher the manager rates their people than the other
    raters of the same people (``test`` says so), or else the team's mean minus the rest's.
    """

    manager: str
    n: int
    n_ratings: int
    mean: float
    org_mean: float
    shift: float
    shift_ci_low: float
    shift_ci_high: float
    shift_p_adjusted: float
    sd: float
    org_sd: float
    sd_ratio: float
    sd_ratio_ci_low: float
    sd_ratio_ci_high: float
    spread_p_adjusted: float
    flags: tuple[str, ...]
    test: str
    caveat: str
    records: tuple[str, ...]


@dataclass(frozen=True)
class _Team:
    """One team's values per person, the rest's, and the shift test behind them."""

    manager: str
    values: np.ndarray
    rest: np.ndarray
    shift: Interval
    shift_test: str
    paired: int
    spread: SpreadRatio
    records: tuple[str, ...]


def person_means(ratings: Sequence[Rating]) -> np.ndarray:
    """Each distinct ratee's mean score, ordered by ratee id."""
    totals: dict[str, list[float]] = {}
    for rating in ratings:
        totals.setdefault(rating.ratee, []).append(rating.score)
    return np.asarray([np.mean(totals[k]) for k in sorted(totals)], dtype=float)


def score_histogram(ratings: Sequence[Rating], scale: Scale) -> tuple[tuple[float, int], ...]:
    """Counts per whole scale point from ``scale.low`` to ``scale.high`` (scores rounded)."""
    points = np.arange(math.ceil(scale.low), math.floor(scale.high) + 1, dtype=float)
    counts = dict.fromkeys(points.tolist(), 0)
    for rating in ratings:
        point = float(min(max(round(rating.score), points[0]), points[-1]))
        counts[point] += 1
    return tuple(counts.items())


def _pooled_difference(team: np.ndarray, rest: np.ndarray) -> Interval:
    """Mean difference with a pooled-variance (Student) t interval and two-sided p-value."""
    result = stats.ttest_ind(team, rest, equal_var=True)
    diff = float(team.mean() - rest.mean())
    if math.isnan(float(result.pvalue)):
        return Interval(diff, diff, diff, 1.0 if diff == 0.0 else 0.0)
    ci = result.confidence_interval(0.95)
    return Interval(diff, float(ci.low), float(ci.high), float(result.pvalue))


def _t_interval(estimate: float, se: float, df: int) -> Interval:
    """A t interval (``df`` degrees of freedom) and two-sided p-value around ``estimate``."""
    if not se > 0 or df < 1:
        return Interval(estimate, estimate, estimate, 1.0)
    half = float(stats.t.ppf(1 - ALPHA / 2, df)) * se
    p_value = float(2 * stats.t.sf(abs(estimate) / se, df))
    return Interval(estimate, estimate - half, estimate + half, p_value)


@dataclass(frozen=True)
class SpreadRatio:
    """SD(team) / SD(rest) with its interval; ``p_value`` is NaN where untested."""

    ratio: float
    low: float
    high: float
    p_value: float


def _kurtosis_sum(values: np.ndarray) -> float:
    centre = float(stats.trim_mean(values, 1.0 / (2.0 * math.sqrt(len(values) - 4))))
    return float(np.sum((values - centre) ** 4))


def spread_ratio(team: np.ndarray, rest: np.ndarray, *, test: bool = True) -> SpreadRatio:
    """Bonett's (2006) 95% interval for SD(team) / SD(rest) and the p-value that inverts it.

    Both samples need at least five values and one of them some spread; otherwise the
    ratio is shown without an interval and untested. A team whose people all share one
    mean (the most compressed team there is) is tested with its variance floored at a
    millionth of the rest's, not dropped.
    """
    n1, n2 = len(team), len(rest)
    v1, v2 = float(team.var(ddof=1)), float(rest.var(ddof=1))
    ratio = math.sqrt(v1 / v2) if v2 > 0 else 1.0
    if n1 < 5 or n2 < 5 or max(v1, v2) <= 0:
        return SpreadRatio(ratio, ratio, ratio, math.nan)
    floor = 1e-6 * max(v1, v2)
    v1, v2 = max(v1, floor), max(v2, floor)
    ratio = math.sqrt(v1 / v2) if ratio != 0.0 else 0.0
    squares = float(np.sum((team - team.mean()) ** 2) + np.sum((rest - rest.mean()) ** 2))
    gamma = (n1 + n2) * (_kurtosis_sum(team) + _kurtosis_sum(rest)) / squares**2
    se = math.sqrt(
        max((gamma - (n1 - 3) / n1) / (n1 - 1) + (gamma - (n2 - 3) / n2) / (n2 - 1), 1e-12)
    )
    z = float(stats.norm.ppf(1 - ALPHA / 2))
    # Bonett's small-sample correction of the log variance ratio.
    log_ratio = math.log((n1 / (n1 - z)) / (n2 / (n2 - z)) * v1 / v2)
    low, high = math.exp((log_ratio - z * se) / 2), math.exp((log_ratio + z * se) / 2)
    p_value = float(2 * stats.norm.sf(abs(log_ratio) / se)) if test else math.nan
    return SpreadRatio(ratio, low, high, p_value)


class _Organisation:
    """Every rating once, as rater-ratee pairs, with one crossed-model fit for all teams.

    In the fit, a manager's ratings of their own team count as one rater and their ratings
    of anybody else as another, so each team's shift is the model's difference between the
    manager and the other raters of the same people, and severity elsewhere does not mix in.
    """

    def __init__(self, ratings: Sequence[Rating], teams: Mapping[str, Sequence[Rating]]) -> None:
        cells = rating_cells(ratings)
        pairs = pair_means(cells)
        count = np.bincount(cells.pair, minlength=len(cells.pair_rater))
        self.raw = np.bincount(cells.pair, weights=cells.score, minlength=len(count)) / count
        self.rater_code = {name: i for i, name in enumerate(cells.raters)}
        self.ratee_code = {name: i for i, name in enumerate(cells.ratees)}
        team_keys = [
            self.rater_code[manager] * pairs.n_ratees + self.ratee_code[r.ratee]
            for manager, team in teams.items()
            if manager in self.rater_code
            for r in team
        ]
        own_team = np.isin(pairs.rater * pairs.n_ratees + pairs.ratee, team_keys)
        self.split_codes, split = np.unique(pairs.rater * 2 + own_team, return_inverse=True)
        self.pairs = pairs
        self.own_team = own_team
        self.fit = (
            fit_crossed(
                PairMeans(
                    split, pairs.ratee, pairs.y, pairs.cells, len(self.split_codes), pairs.n_ratees
                )
            )
            if len(self.split_codes) > 1
            else None
        )

    def team(self, manager: str, team: Sequence[Rating], min_group: int) -> _Team | None:
        """The team's values and shift test, or None when it is too small to show."""
        pairs, people = self.pairs, np.asarray(sorted({self.ratee_code[r.ratee] for r in team}))
        in_team = np.isin(pairs.ratee, people)
        code = self.rater_code.get(manager, -1)
        own = in_team & (pairs.rater == code)
        if own.any():
            values = self.raw[own]
            rest = self._one_view_per_person(
                ~np.isin(pairs.ratee, pairs.ratee[own]) & (pairs.rater != code)
            )
            records = tuple(sorted(r.record for r in team if r.rater == manager))
        else:  # the manager rated none of them: the team as everybody rates it
            values = self._person_means(in_team)
            rest = self._person_means(~in_team)
            records = tuple(sorted(r.record for r in team))
        if len(values) < min_group or len(rest) < 2:
            return None
        raters_per_ratee = np.bincount(pairs.ratee, minlength=pairs.n_ratees)
        shared = int(np.count_nonzero(raters_per_ratee[pairs.ratee[own]] > 1))
        index = int(np.searchsorted(self.split_codes, code * 2 + 1))
        if self.fit is not None and own.any():
            estimate, se = unshrunk_effect(self.fit, index)
            shift, shift_test = _t_interval(estimate, se, len(values) - 1), PAIRED_TEST
        else:
            shift, shift_test, shared = _pooled_difference(values, rest), RAW_TEST, 0
        spread = spread_ratio(values, rest, test=len(values) >= SPREAD_MIN_PEOPLE)
        return _Team(manager, values, rest, shift, shift_test, shared, spread, records)

    def _one_view_per_person(self, mask: np.ndarray) -> np.ndarray:
        """One rater's mean of each person: their own manager's where known.

        Counting every rater's view of a person would count co-rated people two or three
        times and make the rest's SD look more certain than it is.
        """
        managed = mask & self.own_team
        if len({*self.pairs.ratee[managed].tolist()}) >= 2:
            mask = managed
        index = np.flatnonzero(mask)
        _, first = np.unique(self.pairs.ratee[index], return_index=True)
        return np.asarray(self.raw[index[first]])

    def _person_means(self, mask: np.ndarray) -> np.ndarray:
        ratee = self.pairs.ratee[mask]
        count = np.bincount(ratee, minlength=self.pairs.n_ratees)
        total = np.bincount(ratee, weights=self.raw[mask], minlength=self.pairs.n_ratees)
        return np.asarray(total[count > 0] / count[count > 0])


def _caveat(flags: tuple[str, ...], paired: int, n: int) -> str:
    if not flags:
        return "The team's distribution is not clearly different from the organisation's."
    if paired and {"inflation", "deflation"} & set(flags):
        return (
            f"The manager rates their people differently from the other raters of the same "
            f"people ({paired} of {n} co-rated); a difference, not proof of bias: the manager "
            "may see work the others do not, so discuss examples before adjusting."
        )
    return (
        "The team's ratings differ from the rest of the organisation's; the team may truly "
        "differ (hiring, role mix, a strong year), so discuss examples before adjusting."
    )


def manager_signals(
    teams: Mapping[str, Sequence[Rating]], *, min_group: int = 5
) -> tuple[ManagerSignal, ...]:
    """Compare each manager's ratings of their team with the rest of the organisation.

    Args:
        teams: Manager id to the ratings of their team's people (by the manager and, from
            reporting lines, by others); the organisation is all of them.
        min_group: Teams with fewer distinct people are not returned.

    Returns:
        One signal per shown team (manager id order); BH over all shift and spread tests.
    """
    everything = {r.record: r for team in teams.values() for r in team}
    if not everything:
        return ()
    ratings = list(everything.values())
    org_rating_sd = float(np.std([r.score for r in ratings]))
    organisation = _Organisation(ratings, teams)
    rows = [
        row
        for manager in sorted(teams)
        if (row := organisation.team(manager, teams[manager], min_group)) is not None
    ]
    # One family for the signal, shifts and spreads together: with no difference anywhere
    # an organisation then sees any flag at most ALPHA of the time. Untested spreads (small
    # teams) are not tests: BH skips NaN; they show 1.
    adjusted = bh_adjust([r.shift.p_value for r in rows] + [r.spread.p_value for r in rows])
    shift_adj = adjusted[: len(rows)]
    spread_adj = [1.0 if math.isnan(p) else p for p in adjusted[len(rows) :]]
    return tuple(
        _signal(row, s_adj, v_adj, org_rating_sd)
        for row, s_adj, v_adj in zip(rows, shift_adj, spread_adj, strict=True)
    )


def _signal(row: _Team, shift_adj: float, spread_adj: float, rating_sd: float) -> ManagerSignal:
    sd, org_sd = float(row.values.std(ddof=1)), float(row.rest.std(ddof=1))
    ratio, low, high = row.spread.ratio, row.spread.low, row.spread.high
    shift = row.shift
    flags: list[str] = []
    if shift_adj < ALPHA and abs(shift.estimate) >= MEANINGFUL_SD * rating_sd:
        flags.append("inflation" if shift.estimate > 0 else "deflation")
    if spread_adj < ALPHA and ratio <= COMPRESSED_RATIO:
        flags.append("compression")
    elif spread_adj < ALPHA and ratio >= SPREAD_RATIO:
        flags.append("spread")
    return ManagerSignal(
        manager=row.manager,
        n=len(row.values),
        n_ratings=len(row.records),
        mean=round(float(row.values.mean()), 4),
        org_mean=round(float(row.rest.mean()), 4),
        shift=round(shift.estimate, 4),
        shift_ci_low=round(shift.low, 4),
        shift_ci_high=round(shift.high, 4),
        shift_p_adjusted=shift_adj,
        sd=round(sd, 4),
        org_sd=round(org_sd, 4),
        sd_ratio=round(ratio, 4),
        sd_ratio_ci_low=round(low, 4),
        sd_ratio_ci_high=round(high, 4),
        spread_p_adjusted=spread_adj,
        flags=tuple(flags),
        test=f"{row.shift_test}; {SPREAD_TEST}",
        caveat=_caveat(tuple(flags), row.paired, len(row.values)),
        records=row.records,
    )
