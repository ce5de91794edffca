"""The vector index port and its in-memory adapter (tests); Chroma lives in `chroma.py`.

Documents are embedded by the index's own embedder, so callers only deal in text. Only
ids, vectors and metadata are stored: the feedback text itself lives in the relational
store, and keeping a second copy in Chroma would just widen what must be protected.

Embedding and storing are two steps (`embed`, then `upsert`) so that a caller can embed one
batch while the previous one is being written (the outbox drain in `store.indexer`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeAlias

import numpy as np

from store.vector.embedder import Embedder

__all__ = [
    "EmbedderMismatchError",
    "InMemoryIndex",
    "IndexBusyError",
    "IndexDoc",
    "IndexHit",
    "Metadata",
    "VectorIndex",
]

MetadataValue: TypeAlias = str | int | float | bool
Metadata: TypeAlias = dict[str, MetadataValue]

_EMBEDDER_KEY = "candor_embedder"
_DIMENSION_KEY = "candor_dimension"
_DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class IndexDoc:
    """A document to index: its id, the text to embed, and filterable metadata.

    ``vector`` is the text's embedding when it was computed ahead (`VectorIndex.embed`);
    `VectorIndex.upsert` then stores it as it is instead of embedding the text again.
    """

    id: str
    text: str
    metadata: Metadata = field(default_factory=dict)
    vector: list[float] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class IndexHit:
    """A query result; ``score`` is the cosine similarity (higher is closer)."""

    id: str
    score: float
    metadata: Metadata = field(default_factory=dict)


class IndexBusyError(RuntimeError):
    """The persistent index directory is held by another Candor process."""


class EmbedderMismatchError(RuntimeError):
    """The stored collection was built with a different embedder than the configured one."""


class VectorIndex(Protocol):
    """Semantic search over feedback documents."""

    def embed(self, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
        """Return the documents with their vectors, in order; stores nothing, so it may run
        while another thread writes."""

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        """Store documents, embedding those without a vector; an existing id is replaced."""

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def query(self, text: str, k: int = 10, where: Metadata | None = None) -> list[IndexHit]:
        """Return up to ``k`` hits, best first, whose metadata equals every ``where`` item."""

    def ids(self) -> set[str]:
        """Return every stored id."""

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Return the stored embedding of each id that exists (for analytics over feedback)."""

    def count(self) -> int:
        """Return the number of stored documents."""

    def reset(self) -> None:
        """Drop every document."""

    def close(self) -> None:
        """Release resources (files, locks, connections)."""


def _dedupe(docs: Sequence[IndexDoc]) -> list[IndexDoc]:
    """Keep the last doc per id, as repeated single upserts would (Chroma rejects dupes)."""
    latest: dict[str, IndexDoc] = {}
    for doc in docs:
        bad = [key for key in doc.metadata if not key or key.startswith("$")]
        if bad:
            # "$"-prefixed keys would be read as operators in a where filter.
            raise ValueError(f"invalid metadata keys for document {doc.id!r}: {bad}")
        latest.pop(doc.id, None)
        latest[doc.id] = doc
    return list(latest.values())


def _with_vectors(embedder: Embedder, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
    """The documents with a vector each: the one they carry, or their text embedded now."""
    missing = [doc for doc in docs if doc.vector is None]
    if not missing:
        return list(docs)
    fresh = iter(embedder.embed([doc.text for doc in missing]))
    return [doc if doc.vector is not None else replace(doc, vector=next(fresh)) for doc in docs]


def _matches(metadata: Metadata, where: Metadata) -> bool:
    """Equality filter with Chroma's semantics: bools never equal numbers; 1 == 1.0."""
    for key, wanted in where.items():
        if key not in metadata:
            return False
        have = metadata[key]
        if isinstance(have, bool) != isinstance(wanted, bool) or have != wanted:
            return False
    return True


class InMemoryIndex:
    """A brute-force numpy index; exact, thread-safe, nothing persisted."""

    def __init__(self, embedder: Embedder) -> None:
        """Create an empty index.

        Args:
            embedder: Embeds document and query texts.
        """
        self.embedder = embedder
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[np.ndarray, Metadata]] = {}

    def embed(self, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
        """Return the documents with their vectors, in order; stores nothing."""
        return _with_vectors(self.embedder, docs)

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        """Store documents, embedding those without a vector; an existing id is replaced."""
        unique = _with_vectors(self.embedder, _dedupe(docs))
        with self._lock:
            for doc in unique:
                vector = np.asarray(doc.vector, dtype=np.float32)
                self._docs[doc.id] = (vector, dict(doc.metadata))

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        with self._lock:
            for doc_id in ids:
                self._docs.pop(doc_id, None)

    def query(self, text: str, k: int = 10, where: Metadata | None = None) -> list[IndexHit]:
        """Return up to ``k`` hits, best first, whose metadata equals every ``where`` item."""
        if k <= 0:
            return []
        with self._lock:
            rows = [(i, v, m) for i, (v, m) in self._docs.items() if _matches(m, where or {})]
        if not rows:
            return []
        query = np.asarray(self.embedder.embed([text])[0], dtype=np.float32)
        scores = np.stack([v for _, v, _ in rows]) @ query
        order = np.argsort(-scores, kind="stable")[:k]
        return [IndexHit(rows[i][0], float(scores[i]), dict(rows[i][2])) for i in order]

    def ids(self) -> set[str]:
        """Return every stored id."""
        with self._lock:
            return set(self._docs)

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Return the stored embedding of each id that exists."""
        with self._lock:
            return {i: self._docs[i][0].tolist() for i in ids if i in self._docs}

    def count(self) -> int:
        """Return the number of stored documents."""
        with self._lock:
            return len(self._docs)

    def reset(self) -> None:
        """Drop every document."""
        with self._lock:
            self._docs.clear()

    def close(self) -> None:
        """Nothing to release; present for the port."""
