"""Clustering agreement scores: ARI, NMI and AMI against reference labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _contingency(truth: Sequence[str], found: Sequence[str]) -> np.ndarray:
    _, a = np.unique(np.asarray(truth), return_inverse=True)
    _, b = np.unique(np.asarray(found), return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    return table


def ari(truth: Sequence[str], found: Sequence[str]) -> float:
    """Adjusted Rand index."""
    table = _contingency(truth, found)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / pairs(np.array([table.sum()]))
    top = (rows + cols) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def nmi(truth: Sequence[str], found: Sequence[str]) -> float:
    """Normalised mutual information, arithmetic mean normalisation (scikit-learn's default)."""
    p = _contingency(truth, found)
    p /= p.sum()
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum())
    ha = float(-(pa[pa > 0] * np.log(pa[pa > 0])).sum())
    hb = float(-(pb[pb > 0] * np.log(pb[pb > 0])).sum())
    return mi / ((ha + hb) / 2) if ha + hb > 0 else 1.0


def ami(truth: Sequence[str], found: Sequence[str]) -> float | None:
    """Adjusted mutual information (chance-corrected; fair across cluster counts)."""
    try:
        from sklearn.metrics import adjusted_mutual_info_score
    except ImportError:
        return None
    return float(adjusted_mutual_info_score(truth, found))


def scores(truth: Sequence[str], found: Sequence[str]) -> dict[str, Any]:
    value = ami(truth, found)
    return {
        "ari": round(ari(truth, found), 4),
        "nmi": round(nmi(truth, found), 4),
        "ami": None if value is None else round(value, 4),
    }
