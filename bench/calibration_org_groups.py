"""Synthetic organisations for the group-gap and recency benchmarks.

Latent model, in rating points before rounding to 1–5 and clipping:

    score = 3.3 + ability (SD 0.5) + rater severity (SD 0.3)
            + person × competency (SD 0.4) + noise (SD 0.5)

8–15 managers, 3–6 competencies, about 30 % of people also rated by a second manager (360).
Evidence: each ratee has Poisson(9) dated items spread evenly over the 182-day period, each
+1 / 0 / −1 from the same constant ability plus unit noise, so early and recent evidence
reflect the truth equally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from insights.calibration.records import Attribute, Evidence, Rating

PERIOD_END = datetime(2025, 6, 30, 12)
PERIOD_DAYS = 182
BASE, ABILITY_SD, SEVERITY_SD, COMPETENCY_SD, NOISE_SD = 3.3, 0.5, 0.3, 0.4, 0.5
SECOND_RATER = 0.3
EVIDENCE_PER_RATEE = 9
AGE_UNKNOWN = 0.1


@dataclass(frozen=True)
class Org:
    """One synthetic organisation and what was planted in it."""

    ratings: tuple[Rating, ...]
    attributes: tuple[Attribute, ...]
    evidence: tuple[Evidence, ...]
    planted_group: tuple[str, str] | None = None
    planted_rater: str | None = None
    # The truth the ratings were drawn from, for oracle references: each manager's severity
    # (points added to all their scores). Competencies have no difficulty of their own here
    # (the person × competency term is part of the person), so their true effect is 0.
    rater_severity: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _People:
    ids: list[str]
    ability: np.ndarray
    raters: list[list[int]]  # manager indices per person
    managers: int
    competencies: int


def _people(rng: np.random.Generator, n: int, managers: int, *, per_rater: bool) -> _People:
    """People and who rates them: teams of ``n // managers`` when ``per_rater``, else random."""
    if per_rater:
        first = [i // (n // managers) for i in range(n)]
    else:
        first = [int(rng.integers(managers)) for _ in range(n)]
    raters = []
    for boss in first:
        rated_by = [boss]
        if rng.random() < SECOND_RATER and managers > 1:
            rated_by.append(int((boss + 1 + rng.integers(managers - 1)) % managers))
        raters.append(rated_by)
    return _People(
        ids=[f"p{i:04d}" for i in range(n)],
        ability=rng.normal(0, ABILITY_SD, n),
        raters=raters,
        managers=managers,
        competencies=int(rng.integers(3, 7)),
    )


def _rate(
    rng: np.random.Generator,
    people: _People,
    shift: np.ndarray,
    recency_rater: int | None = None,
    recency_shift: np.ndarray | None = None,
) -> tuple[tuple[Rating, ...], dict[str, float]]:
    """Ratings with ``shift`` added to every latent score of a person (a planted gap), and
    ``recency_shift`` added only to ``recency_rater``'s scores; also each manager's drawn
    severity."""
    severity = rng.normal(0, SEVERITY_SD, people.managers)
    out: list[Rating] = []
    for i, person in enumerate(people.ids):
        per_competency = rng.normal(0, COMPETENCY_SD, people.competencies)
        for m in people.raters[i]:
            extra = recency_shift[i] if recency_shift is not None and m == recency_rater else 0.0
            latent = (
                BASE
                + people.ability[i]
                + severity[m]
                + per_competency
                + shift[i]
                + extra
                + rng.normal(0, NOISE_SD, people.competencies)
            )
            for c, value in enumerate(np.clip(np.rint(latent), 1, 5)):
                out.append(
                    Rating(
                        "2025H1",
                        _manager(m),
                        person,
                        f"c{c}",
                        float(value),
                        PERIOD_END,
                        f"rating:{len(out)}",
                    )
                )
    return tuple(out), {_manager(m): float(severity[m]) for m in range(people.managers)}


def _manager(index: int) -> str:
    return f"m{index:02d}"


def group_org(rng: np.random.Generator, *, group_size: int, gap: float, size: int = 120) -> Org:
    """An org whose ``gender`` group ``g1`` of ``group_size`` people is rated ``gap`` points
    lower for the same ability (0 for a null org). ``g1`` and ``g2`` are the only gender
    values, known for everyone; ``ethnicity`` has a 3-person group and ``age_band`` is
    unknown for 10 %, to exercise hiding (an attribute known for all but 1–4 people is
    hidden whole, as its total would expose those people's ratings)."""
    people = _people(rng, size, int(rng.integers(8, 16)), per_rater=False)
    order = rng.permutation(size)
    in_group = np.zeros(size, dtype=bool)
    in_group[order[:group_size]] = True
    attributes = []
    ethnicity = rng.choice(["e1", "e2", "e3"], size=size, p=[0.55, 0.3, 0.15])
    ethnicity[order[-3:]] = "e4"
    ages = rng.choice(["<30", "30-45", ">45"], size=size, p=[0.3, 0.45, 0.25])
    for i, person in enumerate(people.ids):
        attributes.append(Attribute(person, "gender", "g1" if in_group[i] else "g2"))
        attributes.append(Attribute(person, "ethnicity", str(ethnicity[i])))
        if rng.random() >= AGE_UNKNOWN:
            attributes.append(Attribute(person, "age_band", str(ages[i])))
    ratings, severity = _rate(rng, people, np.where(in_group, -gap, 0.0))
    return Org(
        ratings, tuple(attributes), (), planted_group=("gender", "g1"), rater_severity=severity
    )


def _evidence(rng: np.random.Generator, people: _People) -> tuple[tuple[Evidence, ...], np.ndarray]:
    """Evidence items and, per person, the planted recency driver: recent minus whole mean."""
    n = len(people.ids)
    counts = rng.poisson(EVIDENCE_PER_RATEE, n)
    owner = np.repeat(np.arange(n), counts)
    days = rng.uniform(0, PERIOD_DAYS, len(owner))
    noisy = people.ability[owner] / ABILITY_SD + rng.normal(0, 1, len(owner))
    signals = np.where(noisy > 0.6, 1.0, np.where(noisy < -0.6, -1.0, 0.0))
    recent = days >= PERIOD_DAYS - 60
    n_all, n_recent = np.bincount(owner, minlength=n), np.bincount(owner, recent, minlength=n)
    sum_all = np.bincount(owner, signals, minlength=n)
    sum_recent = np.bincount(owner, signals * recent, minlength=n)
    both = (n_recent > 0) & (n_recent < n_all)
    driver = np.zeros(n)
    driver[both] = sum_recent[both] / n_recent[both] - sum_all[both] / n_all[both]
    start = np.datetime64(PERIOD_END - timedelta(days=PERIOD_DAYS), "s")
    stamps = (start + (days * 86_400).astype("timedelta64[s]")).tolist()
    items = tuple(
        Evidence(people.ids[i], at, signal, f"evidence:{k}")
        for k, (i, at, signal) in enumerate(
            zip(owner.tolist(), stamps, signals.tolist(), strict=True)
        )
    )
    return items, driver


def recency_org(rng: np.random.Generator, *, ratees_per_rater: int, weight: float) -> Org:
    """An org where manager ``m00`` adds ``weight`` rating points per standard deviation of
    (recent − whole-period evidence mean) to their ratings (0 for a null org)."""
    managers = int(rng.integers(8, 16))
    people = _people(rng, managers * ratees_per_rater, managers, per_rater=True)
    evidence, driver = _evidence(rng, people)
    sd = float(driver.std()) or 1.0
    ratings, severity = _rate(
        rng, people, np.zeros(len(people.ids)), recency_rater=0, recency_shift=weight * driver / sd
    )
    return Org(ratings, (), evidence, planted_rater="m00", rater_severity=severity)


def null_rating_sd(seed: int, orgs: int = 20) -> float:
    """SD of all ratings across null organisations: the benchmark's effect-size unit."""
    rng = np.random.default_rng(seed)
    scores = [r.score for _ in range(orgs) for r in group_org(rng, group_size=30, gap=0.0).ratings]
    return float(np.std(scores, ddof=1))
