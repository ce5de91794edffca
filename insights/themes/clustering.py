"""Spherical k-means with a gap-statistic choice of k, in numpy only.

Why this shape: sentence embeddings of feedback rarely form dense, well separated blobs, so
density clustering (HDBSCAN) leaves a third of the items as noise and splits the rest into
hundreds of tiny topics. Spherical k-means partitions the whole set at a granularity the
caller bounds (``max_themes``), runs in a few BLAS calls per iteration, and is deterministic
for a fixed ``numpy.random.Generator``. The number of themes is chosen by the gap statistic
(Tibshirani, Walther and Hastie, 2001): clear clusters give a clear peak; a continuum of
topics (most real feedback) gives a gap that keeps growing, and then the cap applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Clustering", "choose_k", "fit_themes", "kmeans", "to_theme_space"]

# Items used to choose k: the gap statistic runs k-means once per candidate k and reference
# set, so it works on a sample; 1,500 points estimate inertia curves well enough.
_SELECT_SAMPLE = 1_500
# Items used to fit the final centroids before full-data passes polish them.
_FIT_SAMPLE = 20_000
_FULL_PASSES = 3
_MAX_ITER = 40
# Reference data sets for the gap statistic; more lowers its noise but costs linearly.
_GAP_REFERENCES = 3
# Lloyd iterations per k while choosing k: seeds extend the previous k's solution, so a few
# iterations get close, and references and sample are treated alike.
_GAP_ITER = 6
# An item is an outlier when its similarity to its centroid lies this many robust standard
# deviations (1.4826 * MAD) below the theme's median.
# Embeddings at least this similar count as one point while choosing k.
_DUPLICATE_COS = 0.99
_OUTLIER_MADS = 3.0
# Floor for the MAD: in a tight theme (a reason pasted many times) a paraphrase must not
# count as an outlier, so the margin below the median never drops under 0.22 of cosine.
_MAD_FLOOR = 0.05
_CHUNK = 16_384


@dataclass(frozen=True)
class Clustering:
    """The fitted themes of the current period.

    Attributes:
        centroids: Unit centroids of the kept clusters, shape (k, d), in the theme space.
        labels: Cluster index per current item, or -1 (outlier, too-small cluster, no vector).
        similarity: Cosine similarity of each current item to its own centroid (or nan).
        thresholds: Per kept cluster, the lowest similarity that still counts as a member.
    """

    centroids: np.ndarray
    labels: np.ndarray
    similarity: np.ndarray
    thresholds: np.ndarray

    def assign(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Assign other items (the previous period) to the same centroids.

        Args:
            vectors: Rows already mapped with :func:`to_theme_space`.

        Returns:
            Cluster index per row (-1 when not close enough to any) and its similarity.
        """
        n = len(vectors)
        if n == 0 or len(self.centroids) == 0:
            return np.full(n, -1, dtype=np.int64), np.full(n, np.nan, dtype=np.float32)
        labels, sims = _nearest(vectors, self.centroids)
        ok = _has_direction(vectors) & (sims >= self.thresholds[labels])
        return np.where(ok, labels, -1), np.where(ok, sims, np.nan).astype(np.float32)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    # einsum avoids the temporary that np.linalg.norm makes (it is slow on 100,000 rows).
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def _has_direction(matrix: np.ndarray) -> np.ndarray:
    return np.asarray(np.einsum("ij,ij->i", matrix, matrix) > 0)


def to_theme_space(vectors: np.ndarray, mean: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """Centre on the current period's mean direction and re-normalise.

    Feedback shares a strong common direction ("someone thanks someone"); removing it
    spreads the topics over the sphere so cosine separates them better. A vector that
    coincides with the mean keeps its original direction instead of becoming zero, and a
    zero vector (no embedding) stays zero.

    Args:
        vectors: Unit vectors, shape (n, d), float32.
        mean: The current period's mean vector, shape (d,).
        copy: False to overwrite ``vectors`` (saves a copy of the largest array).

    Returns:
        float32 unit vectors (zero rows stay zero).
    """
    missing = ~_has_direction(vectors)
    centred = vectors.astype(np.float32, copy=copy)
    centred -= mean.astype(np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    degenerate = norms < 1e-4
    if degenerate.any():
        centred[degenerate] += mean.astype(np.float32)
        norms[degenerate] = np.sqrt(np.einsum("ij,ij->i", centred[degenerate], centred[degenerate]))
    centred[missing] = 0.0
    centred /= np.maximum(norms, 1e-12)[:, None]
    return centred


def _nearest(points: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.empty(len(points), dtype=np.int64)
    sims = np.empty(len(points), dtype=np.float32)
    for start in range(0, len(points), _CHUNK):
        block = points[start : start + _CHUNK] @ centroids.T
        labels[start : start + _CHUNK] = block.argmax(axis=1)
        sims[start : start + _CHUNK] = block.max(axis=1)
    return labels, sims


def _own(points: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each point's dot product with its own row of ``rows``, without an (n, d) gather."""
    out = np.empty(len(points), dtype=np.float64)
    for start in range(0, len(points), _CHUNK):
        block = points[start : start + _CHUNK] @ rows.T.astype(points.dtype)
        out[start : start + _CHUNK] = block[np.arange(len(block)), labels[start : start + _CHUNK]]
    return out


def _sums(points: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    # A one-hot product is one BLAS call per chunk; np.add.at is an order of magnitude slower.
    sums = np.zeros((k, points.shape[1]), dtype=np.float64)
    for start in range(0, len(points), _CHUNK):
        part = labels[start : start + _CHUNK]
        onehot = np.zeros((len(part), k), dtype=np.float32)
        onehot[np.arange(len(part)), part] = 1.0
        sums += onehot.T @ points[start : start + _CHUNK]
    return sums


def _centroids(points: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    return _normalise(_sums(points, labels, k))


def _kmeans_pp(
    points: np.ndarray, k: int, rng: np.random.Generator, start: np.ndarray | None = None
) -> np.ndarray:
    """Greedy k-means++ seeding (several candidates per step), optionally extending ``start``.

    Extending the previous k's centroids makes inertia over k smooth, which the gap
    statistic needs: independent restarts at each k add noise larger than the signal.
    """
    n = len(points)
    trials = 2 + int(np.log(k))
    if start is None or len(start) == 0:
        first = int(rng.integers(n))
        seeds = [points[first]]
        # For unit vectors the squared distance is 2 * (1 - cos); the factor does not matter.
        closest = np.maximum(1.0 - points @ points[first], 0.0)
    else:
        seeds = list(start)
        closest = np.maximum(1.0 - (points @ start.T).max(axis=1), 0.0)
    while len(seeds) < k:
        total = float(closest.sum())
        if total <= 1e-9:
            # Fewer distinct points than k: duplicate seeds become empty clusters later.
            seeds.append(seeds[-1])
            continue
        picks = np.searchsorted(np.cumsum(closest), rng.random(trials) * total)
        candidates = np.minimum(picks, n - 1)
        distances = np.maximum(1.0 - points[candidates] @ points.T, 0.0)
        potentials = np.minimum(closest, distances).sum(axis=1)
        best = int(np.argmin(potentials))
        seeds.append(points[candidates[best]])
        closest = np.minimum(closest, distances[best])
    return np.array(seeds, dtype=np.float32)


def kmeans(
    points: np.ndarray,
    k: int,
    rng: np.random.Generator,
    init: np.ndarray | None = None,
    max_iter: int = _MAX_ITER,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Spherical k-means (cosine) with Lloyd iterations.

    Args:
        points: Unit vectors, shape (n, d).
        k: Number of clusters (at most n).
        rng: Source of randomness for seeding; fixed seed, fixed result.
        init: Starting centroids instead of k-means++ seeding.
        max_iter: Upper bound on Lloyd iterations.

    Returns:
        Centroids (k, d), labels (n,) and inertia (sum of 1 - cosine).
    """
    centroids = _kmeans_pp(points, k, rng) if init is None else init.astype(np.float32)
    labels = np.full(len(points), -1, dtype=np.int64)
    sims = np.zeros(len(points), dtype=np.float32)
    for _ in range(max_iter):
        new_labels, sims = _nearest(points, centroids)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        centroids = _centroids(points, labels, k)
        counts = np.bincount(labels, minlength=k)
        # An empty cluster takes the point its centroid explains worst, so k stays k.
        for empty in np.flatnonzero(counts == 0):
            worst = int(np.argmin(sims))
            centroids[empty] = points[worst]
            sims[worst] = np.inf
    else:
        # Out of iterations: label with the last centroids so labels and centroids agree.
        labels, sims = _nearest(points, centroids)
    return centroids, labels, float(np.sum(1.0 - sims))


def _candidate_ks(k_max: int) -> list[int]:
    # Every k up to 10, then steps of about 25 %: the gap curve is smooth at large k.
    ks = list(range(1, min(k_max, 10) + 1))
    while ks[-1] < k_max:
        ks.append(min(k_max, int(np.ceil(ks[-1] * 1.25))))
    return ks


def choose_k(
    sample: np.ndarray, k_max: int, rng: np.random.Generator
) -> tuple[int, dict[int, np.ndarray]]:
    """Choose the number of clusters with the gap statistic.

    The reference sets are Gaussian with the sample's mean and covariance, projected on the
    sphere, so they have the sample's spread but no cluster structure. The gap is how much
    better k clusters fit the sample than the references; the smallest k whose gap is within
    one standard error of the largest gap wins. Clear clusters give a clear peak; a
    continuum of topics gives a gap that keeps rising, and then ``k_max`` applies.

    Args:
        sample: Unit vectors in the theme space.
        k_max: Largest k to consider.
        rng: Source of randomness for the references and seeding.

    Returns:
        The chosen k and the sample's centroids for every k tried (to seed the final fit).
    """
    ks = _candidate_ks(max(1, min(k_max, len(sample))))
    mean = sample.mean(axis=0, dtype=np.float64)
    centred = sample - mean
    # Eigen-decomposing the d x d covariance is much cheaper than an SVD of the sample.
    variances, axes = np.linalg.eigh(centred.T @ centred / len(sample))
    scale = np.sqrt(np.maximum(variances, 0.0))
    references = [
        _normalise(mean + (rng.standard_normal((len(sample), len(scale))) * scale) @ axes.T)
        for _ in range(_GAP_REFERENCES)
    ]
    fitted: dict[int, np.ndarray] = {}
    previous: list[np.ndarray | None] = [None] * (1 + len(references))
    gaps: list[float] = []
    errors: list[float] = []
    for k in ks:
        logs = []
        for j, data in enumerate((sample, *references)):
            init = _kmeans_pp(data, k, rng, start=previous[j])
            centroids, _, inertia = kmeans(data, k, rng, init=init, max_iter=_GAP_ITER)
            previous[j] = centroids
            logs.append(np.log(max(inertia, 1e-12)))
            if j == 0:
                fitted[k] = centroids
        ref_logs = np.array(logs[1:])
        gaps.append(float(ref_logs.mean() - logs[0]))
        errors.append(float(ref_logs.std() * np.sqrt(1.0 + 1.0 / len(references))))
    # The smallest k within one standard error of the best gap ("globalSEmax"): the
    # first-local-maximum rule stops on any small plateau of a slowly rising curve.
    best = int(np.argmax(gaps))
    chosen = next(k for k, g in zip(ks, gaps, strict=True) if g >= gaps[best] - errors[best])
    return chosen, fitted


def _sample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def _distinct(sample: np.ndarray) -> np.ndarray:
    """Drop rows nearly identical to an earlier row.

    Copies of one text would read as an infinitely tight cluster to the gap statistic, so a
    kudos reason pasted twenty times, or with a different last word, would become themes of
    its own. Duplicates still weigh in the final fit, which uses every item.
    """
    similar = np.triu(sample @ sample.T >= _DUPLICATE_COS, k=1)
    return sample[~similar.any(axis=0)]


def _outlier_thresholds(sims: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    thresholds = np.full(k, -np.inf, dtype=np.float32)
    for c in range(k):
        member = sims[labels == c]
        member = member[np.isfinite(member)]
        if len(member) == 0:
            continue
        median = float(np.median(member))
        mad = max(float(np.median(np.abs(member - median))), _MAD_FLOOR)
        thresholds[c] = median - _OUTLIER_MADS * 1.4826 * mad
    return thresholds


def fit_themes(points: np.ndarray, *, min_size: int, max_themes: int, seed: int) -> Clustering:
    """Cluster the current period and drop what does not form a theme.

    Args:
        points: Current-period vectors in the theme space (zero rows have no direction).
        min_size: Smallest theme; smaller clusters' items get no theme.
        max_themes: Largest number of themes.
        seed: Seed for the one random generator used throughout.

    Returns:
        The kept clusters (indexed 0..k-1 in no particular order) and per-item labels.
    """
    n = len(points)
    labels = np.full(n, -1, dtype=np.int64)
    sims = np.full(n, np.nan, dtype=np.float32)
    usable = np.flatnonzero(_has_direction(points))
    empty = Clustering(np.zeros((0, points.shape[1]), np.float32), labels, sims, np.zeros(0))
    if len(usable) < min_size:
        return empty
    data = points if len(usable) == n else points[usable]
    rng = np.random.default_rng(seed)
    k_max = max(1, min(max_themes, len(data) // min_size))

    select = _distinct(data[_sample(len(data), _SELECT_SAMPLE, rng)])
    # Inertia says little once clusters average fewer than two distinct points.
    k, seeds = choose_k(select, min(k_max, max(1, len(select) // 2)), rng)
    if len(data) > _FIT_SAMPLE:
        fit_rows = data[_sample(len(data), _FIT_SAMPLE, rng)]
        centroids, _, _ = kmeans(fit_rows, k, rng, init=seeds[k])
        centroids, found, _ = kmeans(data, k, rng, init=centroids, max_iter=_FULL_PASSES)
    else:
        centroids, found, _ = kmeans(data, k, rng, init=seeds[k])
    found_sims = _own(data, centroids, found)

    # Members pulled their centroid towards themselves, so their own similarity flatters
    # them; the leave-one-out similarity (to the centroid of the others) is what a new
    # item would score, and it sets thresholds that suit the previous period too.
    sums = _sums(data, found, k)
    dots = _own(data, sums, found)
    rest = np.einsum("ij,ij->i", sums, sums)[found] - 2.0 * dots + 1.0
    loo = np.where(rest > 1e-9, (dots - 1.0) / np.sqrt(np.maximum(rest, 1e-9)), np.inf)
    thresholds = _outlier_thresholds(loo, found, k)
    inlier = loo >= thresholds[found]
    counts = np.bincount(found[inlier], minlength=k)
    keep = np.flatnonzero(counts >= min_size)
    remap = np.full(k, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    kept = inlier & (remap[found] >= 0)
    labels[usable] = np.where(kept, remap[found], -1)
    sims[usable[kept]] = found_sims[kept]
    return Clustering(centroids[keep], labels, sims, thresholds[keep])
