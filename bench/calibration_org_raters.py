"""Synthetic organisations for the rater signals, with one planted rater or manager.

Structure: 8-15 managers rate their teams (5-10 people) on 3-6 competencies, and some people
are also rated by one or two other managers. How many is the ``overlap`` setting:

- ``"360"``: everybody is rated by their manager and one or two other raters, as in a 360
  programme, so every rater can be compared with others on the same people;
- ``"sparse"``: only half the people have a second or third rater.

A score is

    3.2 + ability (person) + competency + profile (person x competency)
        + impression (rater x ratee) + noise, rounded and clipped to 1-5,

with SDs chosen so that one rating's reliability is about 0.6 (the share of person variance),
close to published inter-rater reliabilities of supervisory ratings. Nobody is severe,
lenient, halo-prone or noisy unless planted. Effects are given in SDs of all ratings of a null
organisation (``null_sd``), as the benchmark's bar defines them:

- severe / lenient / inflation: the planted rater's latent scores move by -/+ effect x SD;
- halo: the rater's within-person spread across competencies shrinks by effect x SD;
- outlier: extra noise sized so the rater's error SD in observed (rounded, clipped) scores
  grows by effect x SD (``outlier_noise``: clipping absorbs much of any added noise, so the
  latent noise needed is found by simulation, not by adding variances);
- compression: the manager's scores are pulled to their mean so the SD of their person means
  shrinks by effect x SD.

The planted rater rates only their own team (no 360 ratings of others), so the people it rates
are exactly its team, whose size is the plant's ``people``. Its ratings number people x
competencies (3-6 each); a team's ratings (``Org.teams``) are every rating of its people, by
their manager and by others, as ``calibrate`` forms teams from reporting lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np

from insights.calibration.records import Rating

BASE = 3.2
ABILITY_SD = 0.65
COMPETENCY_SD = 0.2
PROFILE_SD = 0.3
IMPRESSION_SD = 0.25
NOISE_SD = 0.45
ROUNDING_VAR = 1 / 12
RATED_AT = datetime(2026, 3, 31, 12, 0)
KINDS = ("severe", "lenient", "halo", "outlier", "inflation", "compression")
OVERLAPS = ("360", "sparse")


@dataclass(frozen=True)
class Plant:
    """One planted effect: its kind, size in null SDs and how many people the rater rates."""

    kind: str
    effect_sd: float
    people: int


@dataclass(frozen=True)
class Org:
    """A synthetic organisation: all ratings, manager teams, and who was planted."""

    ratings: tuple[Rating, ...]
    teams: dict[str, tuple[Rating, ...]]
    planted: str | None
    planted_people: int
    planted_ratings: int


def _factor(reduction: float, base: float) -> float:
    return max(0.0, 1.0 - reduction / base)


def make_org(
    rng: np.random.Generator,
    plant: Plant | None = None,
    *,
    null_sd: float = 1.0,
    overlap: str = "360",
) -> Org:
    """Draw one organisation; ``null_sd`` converts the plant's effect into points.

    Raises:
        ValueError: ``overlap`` is not one of ``OVERLAPS``.
    """
    if overlap not in OVERLAPS:
        raise ValueError(f"unknown overlap {overlap!r}")
    share = 1.0 if overlap == "360" else 0.5
    n_comp = int(rng.integers(3, 7))
    n_managers = int(rng.integers(8, 16))
    sizes = rng.integers(5, 11, n_managers)
    if plant is not None:
        sizes[0] = plant.people
    comp_effect = rng.normal(0.0, COMPETENCY_SD, n_comp)
    managers = [f"m{m:02d}" for m in range(n_managers)]
    people = [(m, f"p{m:02d}-{i:02d}") for m in range(n_managers) for i in range(sizes[m])]
    ability = rng.normal(0.0, ABILITY_SD, len(people))
    profile = rng.normal(0.0, PROFILE_SD, (len(people), n_comp))
    pairs: list[tuple[int, int]] = [(m, j) for j, (m, _) in enumerate(people)]
    peers = [m for m in range(n_managers) if plant is None or m != 0]
    for j, (m, _) in enumerate(people):
        if rng.random() < share:
            others = [p for p in peers if p != m]
            k = min(int(rng.integers(1, 3)), len(others))
            pairs.extend((int(p), j) for p in rng.choice(others, size=k, replace=False))
    latent = np.empty((len(pairs), n_comp))
    for row, (_, j) in enumerate(pairs):
        latent[row] = (
            BASE
            + ability[j]
            + comp_effect
            + profile[j]
            + rng.normal(0.0, IMPRESSION_SD)
            + rng.normal(0.0, NOISE_SD, n_comp)
        )
    planted_rows = np.array([m == 0 for m, _ in pairs]) if plant else np.zeros(len(pairs), bool)
    if plant is not None:
        _apply(plant, latent, planted_rows, rng, null_sd, n_comp)
    scores = np.clip(np.rint(latent), 1, 5)
    ratings: list[Rating] = []
    teams: dict[str, list[Rating]] = {name: [] for name in managers}
    for row, (m, j) in enumerate(pairs):
        for c in range(n_comp):
            rating = Rating(
                cycle="2026",
                rater=managers[m],
                ratee=people[j][1],
                competency=f"c{c}",
                score=float(scores[row, c]),
                rated_at=RATED_AT,
                record=f"r{len(ratings)}",
            )
            ratings.append(rating)
            teams[managers[people[j][0]]].append(rating)
    planted = managers[0] if plant is not None else None
    return Org(
        ratings=tuple(ratings),
        teams={k: tuple(v) for k, v in teams.items()},
        planted=planted,
        planted_people=int(planted_rows.sum()),
        planted_ratings=int(planted_rows.sum()) * n_comp,
    )


def _apply(
    plant: Plant,
    latent: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
    null_sd: float,
    n_comp: int,
) -> None:
    """Change the planted rater's latent scores in place."""
    size = plant.effect_sd * null_sd
    mine = latent[rows]
    if plant.kind == "severe":
        mine -= size
    elif plant.kind in ("lenient", "inflation"):
        mine += size
    elif plant.kind == "halo":
        within = math.sqrt(PROFILE_SD**2 + NOISE_SD**2 + COMPETENCY_SD**2)
        centre = mine.mean(axis=1, keepdims=True)
        mine = centre + _factor(size, within) * (mine - centre)
    elif plant.kind == "outlier":
        mine = mine + rng.normal(0.0, outlier_noise(round(size, 6)), mine.shape)
    elif plant.kind == "compression":
        person_sd = math.sqrt(
            ABILITY_SD**2
            + IMPRESSION_SD**2
            + (PROFILE_SD**2 + NOISE_SD**2 + COMPETENCY_SD**2) / n_comp
        )
        centre = mine.mean()
        mine = centre + _factor(size, person_sd) * (mine - centre)
    else:
        raise ValueError(f"unknown plant kind {plant.kind!r}")
    latent[rows] = mine


@lru_cache(maxsize=64)
def outlier_noise(size: float, draws: int = 40_000) -> float:
    """Latent noise SD that raises one rater's observed error SD by ``size`` points.

    A rater's error is their observed score minus what a typical rater's observed score of
    the same person and competency would be; two raters' observed scores differ by both
    errors, so a null rater's error SD is RMS(difference) / sqrt(2). Found by bisection on
    a fixed simulated sample (deterministic).
    """
    rng = np.random.default_rng(20260331)
    person = BASE + rng.normal(0.0, ABILITY_SD, draws) + rng.normal(0.0, PROFILE_SD, draws)

    def observed(extra: float, stream: int) -> np.ndarray:
        r = np.random.default_rng([20260331, stream])
        latent = person + r.normal(0.0, IMPRESSION_SD, draws) + r.normal(0.0, NOISE_SD, draws)
        return np.clip(np.rint(latent + r.normal(0.0, 1.0, draws) * extra), 1, 5)

    other = observed(0.0, 1)
    null_error = float(np.sqrt(np.mean((observed(0.0, 2) - other) ** 2) / 2))

    def error(extra: float) -> float:
        return float(np.sqrt(max(np.mean((observed(extra, 2) - other) ** 2) - null_error**2, 0)))

    low, high = 0.0, 8.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if error(middle) < null_error + size else (low, middle)
    return (low + high) / 2


def null_sd(seed: int, orgs: int = 20, overlap: str = "360") -> float:
    """The SD of all ratings in a null organisation, averaged over ``orgs`` draws."""
    rng = np.random.default_rng(seed)
    return float(
        np.mean(
            [np.std([r.score for r in make_org(rng, overlap=overlap).ratings]) for _ in range(orgs)]
        )
    )


def big_org(rng: np.random.Generator, ratees: int = 10_000, raters: int = 1_000) -> list[Rating]:
    """A null organisation at scale for timing: 1-3 raters per person, 4 competencies."""
    n_comp = 4
    counts = rng.integers(1, 4, ratees)
    ratee = np.repeat(np.arange(ratees), counts)
    rater = rng.integers(0, raters, len(ratee))
    latent = (
        BASE
        + rng.normal(0.0, ABILITY_SD, ratees)[ratee, None]
        + rng.normal(0.0, IMPRESSION_SD, len(ratee))[:, None]
        + rng.normal(0.0, NOISE_SD, (len(ratee), n_comp))
    )
    scores = np.clip(np.rint(latent), 1, 5)
    return [
        Rating(
            "2026",
            f"m{rater[i]}",
            f"p{ratee[i]}",
            f"c{c}",
            float(scores[i, c]),
            RATED_AT,
            f"r{i * n_comp + c}",
        )
        for i in range(len(ratee))
        for c in range(n_comp)
    ]
