"""Synthetic feedback at scale: vectors around topic centres, with short texts."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from insights.themes import FeedbackItem

TOPICS = """billing migration|incident response|code review|onboarding docs|sprint planning|
customer demo|release notes|test coverage|design system|data pipeline|on-call rotation|
hiring loop|budget forecast|security audit|performance tuning|accessibility fixes|mobile app|
api docs|team offsite|mentoring juniors|product roadmap|user research|sales deck|support queue|
cloud costs|database upgrade|search ranking|payment gateway|android release|ios release|
analytics dashboard|feature flags|load testing|compliance training|vendor contracts|office move|
quarterly report|brand refresh|partner integration|internal wiki""".replace("\n", "").split("|")
OPENERS = [
    "Thanks for leading the",
    "Great work on the",
    "Really appreciated your help with the",
    "Please share updates earlier on the",
    "The handoff was late for the",
    "You could be clearer when presenting the",
    "Kudos for untangling the",
]
TAILS = ["this week.", "ahead of the deadline.", "for the whole team.", "with the other squads."]


def synthetic(n: int, seed: int = 0, topics: int = 40, noise: float = 0.05) -> dict[str, Any]:
    """Vectors around ``topics`` unit centres (cosine to the centre about 0.5) plus noise."""
    rng = np.random.default_rng(seed)
    text_rng = random.Random(seed)
    dim = 384
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(topics, size=n)
    vectors = rng.standard_normal((n, dim)).astype(np.float32) * np.float32(1.6 / np.sqrt(dim))
    is_noise = rng.random(n) < noise
    vectors[~is_noise] += centres[truth[~is_noise]]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [
        f"{text_rng.choice(OPENERS)} {TOPICS[t]} {text_rng.choice(TAILS)}" for t in truth.tolist()
    ]
    items = [
        FeedbackItem(f"i:{i:06d}", texts[i], vectors[i], (i % 2000,), (i * 7) % 2000)
        for i in range(n)
    ]
    labels = [("noise" if z else str(t)) for t, z in zip(truth.tolist(), is_noise, strict=True)]
    return {"items": items, "truth": labels, "topic": truth.tolist()}
