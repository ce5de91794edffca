"""The vector index port and its in-memory adapter (tests); Chroma lives in `chroma.py`.

Documents are embedded by the index's own embedder, so callers only deal in text. Only
ids, vectors and metadata are stored: the feedback text itself lives in the relational
store, and keeping a second copy in Chroma would just widen what must be protected.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
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
    """A document to index: its id, the text to embed, and filterable metadata."""

    id: str
    text: str
    metadata: Metadata = field(default_factory=dict)


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

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        """Embed and store documents; an existing id is replaced."""

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

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        """Embed and store documents; an existing id is replaced."""
        unique = _dedupe(docs)
        if not unique:
            return
        vectors = self.embedder.embed([doc.text for doc in unique])
        with self._lock:
            for doc, vector in zip(unique, vectors, strict=True):
                self._docs[doc.id] = (np.asarray(vector, dtype=np.float32), dict(doc.metadata))

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
