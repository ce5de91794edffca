"""Evidence → competency: which competency a text speaks to, by embedding similarity to the
framework's level descriptors, with the matched descriptor as the explanation.

A text links to the competency whose best descriptor is most similar, only if that similarity
reaches `threshold` and beats the runner-up competency by `margin`; otherwise it links to none
("not linked" beats a wrong guess). Vectors are unit length (Candor's embedders normalise), so
a dot product is the cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from insights.themes.polarity import item_polarity

# Measured on tests/fixtures/skills_labelled.csv with all-MiniLM-L6-v2 (see test_skills_mapping).
DEFAULT_THRESHOLD = 0.20
DEFAULT_MARGIN = 0.02


@dataclass(frozen=True)
class Descriptor:
    """One level descriptor of a competency (level None: the competency's own description)."""

    competency: str
    level: int | None
    text: str


@dataclass(frozen=True)
class Match:
    """Why a text was linked: the descriptor it is closest to, and by how much it won."""

    competency: str
    level: int | None
    descriptor: str
    similarity: float
    runner_up: str | None
    runner_up_similarity: float


def descriptor_text(descriptor: Descriptor) -> str:
    """What is embedded for a descriptor: its own words. (Prefixing the competency's name, or
    adding its description as one more descriptor, lowered accuracy on the labelled sample.)"""
    return descriptor.text


def best_matches(
    vectors: Sequence[Sequence[float]],
    descriptors: Sequence[Descriptor],
    descriptor_vectors: Sequence[Sequence[float]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
) -> list[Match | None]:
    """The competency each text (by its vector) speaks to, or None.

    Args:
        vectors: one unit vector per evidence text.
        descriptors: the framework's descriptors.
        descriptor_vectors: one unit vector per descriptor, same order.
        threshold: the least similarity that links.
        margin: how much the best competency must beat the runner-up by.
    """
    if not vectors:
        return []
    if not descriptors:
        return [None] * len(vectors)
    if len(descriptors) != len(descriptor_vectors):
        raise ValueError("one vector per descriptor")
    similarities = (
        np.asarray(vectors, dtype=np.float64) @ np.asarray(descriptor_vectors, dtype=np.float64).T
    )
    names = sorted({d.competency for d in descriptors})
    columns = {
        name: [i for i, d in enumerate(descriptors) if d.competency == name] for name in names
    }
    return [_match(row, descriptors, columns, threshold, margin) for row in similarities]


def _match(
    row: np.ndarray,
    descriptors: Sequence[Descriptor],
    columns: dict[str, list[int]],
    threshold: float,
    margin: float,
) -> Match | None:
    best = {name: max(cols, key=lambda i: (row[i], -i)) for name, cols in columns.items()}
    ranked = sorted(best.items(), key=lambda pair: (-row[pair[1]], pair[0]))
    (name, index), rest = ranked[0], ranked[1:]
    runner_up, runner_index = rest[0] if rest else (None, None)
    second = float(row[runner_index]) if runner_index is not None else 0.0
    score = float(row[index])
    if score < threshold or score - second < margin:
        return None
    descriptor = descriptors[index]
    return Match(name, descriptor.level, descriptor.text, score, runner_up, second)


def evidence_polarity(kind: str, text: str) -> str:
    """A record's polarity for the profile: the lexicon's label, with kudos (praise by nature)
    counted as strength unless their words lean otherwise."""
    label = item_polarity(text)
    if kind == "kudos" and label == "neutral":
        return "strength"
    return label
