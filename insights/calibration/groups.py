"""Gaps between groups of a protected attribute, and the four-fifths rule on top ratings.

The unit is the person: one person's ratings share that person (and usually one rater), so
they are not independent; comparing person means keeps the sample size honest. For each
attribute, each group is compared with everyone else rated who has a known value for it:

- ``mean``, ``gap`` and its Welch t interval are in raw rating points (each person's mean
  over their ratings): what HR reads.
- The test compares like with like: person means of scores with each rater's severity and
  each competency's difficulty removed, by a model fitted without the attribute (so a group
  with harsher raters is not read as a gap, nor the reverse), in two stages: an omnibus test
  per attribute, Benjamini–Hochberg across attributes, then Holm across a selected
  attribute's groups (``insights.calibration.group_model``). A gap is flagged when that
  adjusted p < 0.05 and the like-with-like gap is at least ``MIN_GAP_SD`` standard
  deviations of all ratings (smaller gaps are not worth a calibration conversation).
- The top band is the organisation's top 20 % of raw person means (raw on purpose: the
  four-fifths rule is about who gets top ratings, whatever the cause; ties included, so it
  can hold a little more than 20 %). ``top_rate`` is the group's share in the band;
  ``impact_ratio`` is that share over the highest share among the shown groups of the
  attribute (hidden groups stay out, so nothing about them leaks); the difference from
  everyone else is tested with Fisher's exact test, Benjamini–Hochberg across all groups (a
  family of its own; the two groups of a two-group attribute count once). The four-fifths
  rule reads a ratio below 0.8 as adverse impact, flagged when its adjusted p < 0.05 and the
  group's top share is below everyone else's. With a few dozen people Fisher's test has
  little power even for large ratio breaches: an unflagged ratio below 0.8 is still worth
  reading, not proof of fairness.

Disclosure: every shown number (count, mean, top share) adds up over people, and the mean of
"everyone else" publishes the attribute's total. So each attribute's total is admitted first,
then its groups, with ``safe_groups`` deciding (see ``_disclosable``): a group under
``min_group`` people, or one that the shown groups and totals would let a reader recover by
subtraction, is hidden, and only the number of hidden groups per attribute is returned.
Signals carry counts only, never person ids or rating records.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

import numpy as np
from scipy import stats

from insights.anonymity import Group, effective_min_group, safe_groups
from insights.calibration.group_model import (
    SplitTest,
    adjusted_person_means,
    omnibus_p,
    two_stage_adjust,
)
from insights.calibration.records import Attribute, Rating, Scale
from insights.calibration.stats import ALPHA, bh_adjust, welch_difference

MIN_GAP_SD = 0.2
FOUR_FIFTHS = 0.8
TOP_SHARE = 0.2

GAP_TEST = (
    "gap and interval: raw person means (each person's mean over their ratings), Welch t, "
    "group vs everyone else with a known value; p: the same comparison on person means "
    "adjusted for rater severity and competency (crossed random-effects model fitted "
    "without the attribute), Welch ANOVA per attribute with Benjamini–Hochberg across "
    "attributes, then Holm across the attribute's groups; top band = the organisation's "
    "top 20 % of person means, rates compared by Fisher's exact test, Benjamini–Hochberg "
    "across the groups"
)
GAP_CAVEAT = (
    "A difference between groups is a pattern to look into, not proof of bias: the test "
    "compares people as if rated by the same raters on the same competencies, but the gap "
    "can still come from role, level, tenure or team, which it does not adjust for."
)


@dataclass(frozen=True)
class GroupSignal:
    """One shown group of one attribute against everyone else with a known value."""

    attribute: str
    group: str
    n: int
    n_ratings: int
    mean: float
    gap: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    top_rate: float
    impact_ratio: float | None
    impact_p_adjusted: float | None
    flag: str | None
    test: str
    caveat: str


@dataclass(frozen=True)
class GroupReport:
    """Shown group signals, and per attribute the number of groups that stay hidden."""

    signals: tuple[GroupSignal, ...]
    hidden: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class _Candidate:
    attribute: str
    value: str
    people: frozenset[str]
    rest: frozenset[str]


def group_gaps(
    ratings: Sequence[Rating],
    attributes: Sequence[Attribute],
    *,
    scale: Scale,
    min_group: int = 5,
) -> GroupReport:
    """Mean-rating gaps and adverse-impact ratios per protected group.

    Args:
        ratings: The ratings to compare (usually one cycle).
        attributes: Protected attribute values; a person with two different values for the
            same attribute, or an empty value, counts as unknown for it.
        scale: The rating scale (documents the band; scores outside it are the importer's job).
        min_group: Minimum people per shown group (raised to the anonymity floor of 3).
    """
    del scale  # the top band is relative to the organisation, so the scale is not needed
    k = effective_min_group(min_group)
    person_scores: dict[str, list[float]] = defaultdict(list)
    for rating in ratings:
        person_scores[rating.ratee].append(rating.score)
    if not person_scores:
        return GroupReport((), ())
    means = {person: fmean(scores) for person, scores in person_scores.items()}
    counts = {person: len(scores) for person, scores in person_scores.items()}
    threshold = float(np.quantile(list(means.values()), 1 - TOP_SHARE))
    top = {person for person, mean in means.items() if mean >= threshold}
    all_scores = [score for scores in person_scores.values() for score in scores]
    rating_sd = float(np.std(all_scores, ddof=1)) if len(all_scores) > 1 else 0.0

    groups_by_attribute = _groups(attributes, rated=means.keys())
    shown = _disclosable(groups_by_attribute, k)
    candidates = [
        _Candidate(attribute, value, people, frozenset().union(*groups.values()) - people)
        for attribute, groups in sorted(groups_by_attribute.items())
        for value, people in sorted(groups.items())
        if (attribute, value) in shown
    ]
    hidden = tuple(
        (attribute, sum((attribute, value) not in shown for value in groups))
        for attribute, groups in sorted(groups_by_attribute.items())
    )
    adjusted = adjusted_person_means(ratings) if candidates else {}
    rows = [_measure(c, means, adjusted, top) for c in candidates]
    # Two families, two signals: the mean gaps (tested in two stages, attributes then
    # groups), and the four-fifths rule's top-band rates (one BH family over all groups).
    shown_values: dict[str, set[str]] = defaultdict(set)
    for attribute, value in shown:
        shown_values[attribute].add(value)
    omnibus = {
        attribute: omnibus_p(groups_by_attribute[attribute], values, adjusted)
        for attribute, values in shown_values.items()
    }
    splits = [
        SplitTest(c.attribute, frozenset({c.people, c.rest}), r.gap_p)
        for c, r in zip(candidates, rows, strict=True)
    ]
    gap_p = two_stage_adjust(splits, omnibus)
    impact_p = _adjust_by_split([(c, "impact") for c in candidates], [row.impact_p for row in rows])
    best_rate: dict[str, float] = defaultdict(float)
    for candidate, row in zip(candidates, rows, strict=True):
        best_rate[candidate.attribute] = max(best_rate[candidate.attribute], row.top_rate)
    signals = []
    for candidate, row, p_gap, p_impact in zip(candidates, rows, gap_p, impact_p, strict=True):
        best = best_rate[candidate.attribute]
        ratio = row.top_rate / best if best > 0 else None
        signals.append(
            GroupSignal(
                attribute=candidate.attribute,
                group=candidate.value,
                n=len(candidate.people),
                n_ratings=sum(counts[p] for p in candidate.people),
                mean=row.mean,
                gap=row.gap,
                ci_low=row.ci_low,
                ci_high=row.ci_high,
                p_value=row.gap_p,
                p_adjusted=p_gap,
                top_rate=row.top_rate,
                impact_ratio=ratio,
                impact_p_adjusted=p_impact,
                flag=_flag(row, p_gap, ratio if row.below_rest else None, p_impact, rating_sd),
                test=GAP_TEST,
                caveat=GAP_CAVEAT,
            )
        )
    return GroupReport(tuple(signals), hidden)


def _groups(
    attributes: Iterable[Attribute], rated: Iterable[str]
) -> dict[str, dict[str, frozenset[str]]]:
    """Rated people per attribute value; conflicting or empty values count as unknown."""
    rated_people = set(rated)
    values: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in attributes:
        if item.person in rated_people and item.value.strip():
            values[(item.attribute, item.person)].add(item.value.strip())
    groups: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (attribute, person), found in values.items():
        if len(found) == 1:
            groups[attribute][next(iter(found))].add(person)
    return {
        attribute: {value: frozenset(people) for value, people in by_value.items()}
        for attribute, by_value in groups.items()
    }


def _disclosable(
    groups_by_attribute: Mapping[str, Mapping[str, frozenset[str]]], k: int
) -> set[tuple[str, str]]:
    """(attribute, value) pairs that may be shown without exposing anyone by subtraction.

    1. Totals: a group's "everyone else" mean publishes its attribute's total, so an
       attribute whose total cannot be shown (too small, or a few people away from another
       attribute's total) shows no group.
    2. Each attribute alone, its total as context. Its groups are disjoint, so each group is
       one cell and ``safe_groups`` is exact here: e.g. with groups of 40, 45 and 3, showing
       both 40 and 45 would give the 3 away as total - 40 - 45, so only one is shown.
    3. All survivors together, the totals as context, for differencing across attributes.
       Step 2 is needed because across attributes the hidden rest of one attribute is split
       into several cells, and ``safe_groups`` does not check sums over several cells.
       Hiding more in step 3 keeps step 2's guarantee: a hidden rest only grows.
    """
    people = sorted(
        {p for groups in groups_by_attribute.values() for g in groups.values() for p in g}
    )
    index = {person: i for i, person in enumerate(people)}

    def group(key: str, members: Iterable[str]) -> Group:
        return Group(key, frozenset(index[p] for p in members))

    totals = {
        attribute: group(attribute, frozenset[str]().union(*groups.values()))
        for attribute, groups in groups_by_attribute.items()
    }
    admitted = set(safe_groups(sorted(totals.values(), key=lambda g: g.key), k).shown)
    keyed: dict[str, tuple[str, str]] = {}
    survivors: list[Group] = []
    for attribute in sorted(admitted):
        groups = groups_by_attribute[attribute]
        mine = {f"{attribute}\x00{value}": value for value in sorted(groups)}
        own = [group(key, groups[value]) for key, value in mine.items()]
        shown = safe_groups(own, k, context=[totals[attribute]]).shown
        survivors.extend(g for g in own if g.key in shown)
        keyed.update({key: (attribute, value) for key, value in mine.items()})
    context = [totals[attribute] for attribute in sorted(admitted)]
    return {keyed[key] for key in safe_groups(survivors, k, context=context).shown}


@dataclass(frozen=True)
class _Measured:
    mean: float
    gap: float | None
    ci_low: float | None
    ci_high: float | None
    adjusted_gap: float | None
    gap_p: float | None
    top_rate: float
    impact_p: float | None
    below_rest: bool


def _measure(
    candidate: _Candidate,
    means: Mapping[str, float],
    adjusted: Mapping[str, float],
    top: set[str],
) -> _Measured:
    """Raw gap and interval, the like-with-like test, and the top-band comparison."""
    inside = [means[p] for p in sorted(candidate.people)]
    outside = [means[p] for p in sorted(candidate.rest)]
    top_in = len(candidate.people & top)
    top_rate = top_in / len(inside)
    if len(outside) < 2:  # a single group: nobody to compare with
        return _Measured(
            float(np.mean(inside)), None, None, None, None, None, top_rate, None, False
        )
    raw = welch_difference(inside, outside)
    like = welch_difference(
        [adjusted[p] for p in sorted(candidate.people)],
        [adjusted[p] for p in sorted(candidate.rest)],
    )
    top_out = len(candidate.rest & top)
    table = [[top_in, len(inside) - top_in], [top_out, len(outside) - top_out]]
    impact_p = float(stats.fisher_exact(table).pvalue)
    return _Measured(
        mean=float(np.mean(inside)),
        gap=raw.estimate,
        ci_low=raw.low,
        ci_high=raw.high,
        adjusted_gap=like.estimate,
        gap_p=_finite(like.p_value),
        top_rate=top_rate,
        impact_p=_finite(impact_p),
        below_rest=top_rate < top_out / len(outside),
    )


def _adjust_by_split(
    tests: Sequence[tuple[_Candidate, str]], p_values: Sequence[float | None]
) -> list[float | None]:
    """BH over distinct tests: "A vs the rest" and "B vs the rest", with A and B the only
    two groups, split the same people and so count once in the family."""
    split_p: dict[tuple[frozenset[frozenset[str]], str], float] = {}
    keys = []
    for (candidate, kind), p in zip(tests, p_values, strict=True):
        key = (frozenset({candidate.people, candidate.rest}), kind)
        keys.append(key)
        if p is not None:
            split_p[key] = p
    order = list(split_p)
    adjusted = dict(zip(order, bh_adjust([split_p[key] for key in order]), strict=True))
    return [
        _finite(adjusted[key]) if p is not None else None
        for key, p in zip(keys, p_values, strict=True)
    ]


def _flag(
    row: _Measured,
    p_gap: float | None,
    ratio: float | None,
    p_impact: float | None,
    rating_sd: float,
) -> str | None:
    """``ratio`` is None unless the group's top share is below everyone else's."""
    flags = []
    gap = row.adjusted_gap  # the practical threshold applies to the effect the test is about
    if (
        gap is not None
        and p_gap is not None
        and p_gap < ALPHA
        and abs(gap) >= MIN_GAP_SD * rating_sd
    ):
        flags.append("gap")
    if ratio is not None and p_impact is not None and p_impact < ALPHA and ratio < FOUR_FIFTHS:
        flags.append("adverse impact")
    return ", ".join(flags) or None


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value
