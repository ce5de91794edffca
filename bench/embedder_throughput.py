"""Embedder throughput: MiniLM on onnxruntime versus the hashing fallback.

Run with ``python -m bench.embedder_throughput [--n 512]``. Prints a table and writes
``.candor/bench/embedder_throughput.json``. Model loading (and the one-off ONNX
conversion) is timed separately so the throughput figures are steady-state.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from store.vector import Embedder, HashingEmbedder, MiniLMEmbedder

_SUBJECTS = ["She", "He", "They", "Priya", "Marcus", "The new lead", "Our on-call engineer"]
_VERBS = ["shipped", "reviewed", "documented", "untangled", "led", "tested", "redesigned"]
_OBJECTS = [
    "the billing migration",
    "the flaky checkout tests",
    "our onboarding guide for new hires",
    "the incident retrospective",
    "the quarterly planning doc",
    "the search latency regression",
]
_TAILS = [
    "ahead of schedule and kept every stakeholder informed along the way.",
    "with unusual care, although the rollout notes could have been clearer.",
    "and mentored two juniors through their first production change.",
    "but missed the handoff meeting, which left the support team guessing.",
    "calmly under pressure, and the customer noticed the difference.",
]


def synthetic_feedback(n: int, seed: int = 7) -> list[str]:
    """Build ``n`` deterministic feedback sentences of roughly 25 word pieces each.

    Args:
        n: Number of sentences.
        seed: Random seed, fixed so runs are comparable.

    Returns:
        The sentences.
    """
    rng = random.Random(seed)
    return [
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
        for _ in range(n)
    ]


def measure(embedder: Embedder, texts: Sequence[str], repeats: int = 3) -> dict[str, Any]:
    """Time ``embedder.embed`` over all texts; the best of ``repeats`` runs counts.

    Args:
        embedder: The embedder, already warmed up.
        texts: Texts to embed in one call.
        repeats: Timed runs; the minimum is the least disturbed by other processes.

    Returns:
        Seconds, texts per second and milliseconds per text.
    """
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        embedder.embed(texts)
        best = min(best, time.perf_counter() - start)
    return {
        "embedder": embedder.name,
        "seconds": round(best, 4),
        "texts_per_s": round(len(texts) / best, 1),
        "ms_per_text": round(1000 * best / len(texts), 3),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print a table and write the JSON report.

    Args:
        argv: Command-line arguments (defaults to ``sys.argv``).

    Returns:
        The report that was written.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=512, help="number of texts (default 512)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path(".candor/models"))
    parser.add_argument("--out", type=Path, default=Path(".candor/bench/embedder_throughput.json"))
    args = parser.parse_args(argv)

    texts = synthetic_feedback(args.n)
    minilm = MiniLMEmbedder(args.cache_dir, batch_size=args.batch_size)
    start = time.perf_counter()
    minilm.embed(texts[:1])  # converts (first run only) and loads the model
    load_s = time.perf_counter() - start
    hashing = HashingEmbedder()
    hashing.embed(texts[:1])

    results = [measure(minilm, texts, args.repeats), measure(hashing, texts, args.repeats)]
    report: dict[str, Any] = {
        "n_texts": args.n,
        "batch_size": args.batch_size,
        "padding": "longest-in-batch",
        "mean_chars_per_text": round(sum(map(len, texts)) / len(texts), 1),
        "minilm_load_s": round(load_s, 3),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "results": results,
    }

    print(f"{args.n} texts, batch {args.batch_size}, MiniLM load {load_s:.2f}s")
    print(f"{'embedder':<20} {'texts/s':>10} {'ms/text':>10} {'total s':>10}")
    for row in results:
        print(
            f"{row['embedder']:<20} {row['texts_per_s']:>10.1f} "
            f"{row['ms_per_text']:>10.3f} {row['seconds']:>10.3f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
