"""The Chroma adapter of the vector index port: a local directory or a Chroma server."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from store.vector.embedder import Embedder
from store.vector.index import (
    _DEFAULT_BATCH,
    _DIMENSION_KEY,
    _EMBEDDER_KEY,
    EmbedderMismatchError,
    IndexBusyError,
    IndexDoc,
    IndexHit,
    Metadata,
    VectorIndex,
    _dedupe,
    _with_vectors,
)
from store.vector.lock import DirectoryLock, LockHeldError


def _chroma_where(where: Metadata | None) -> dict[str, Any] | None:
    if not where:
        return None
    clauses = [{key: value} for key, value in where.items()]
    # Chroma accepts one key per dict; several keys must be spelled as an explicit $and.
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaIndex:
    """A Chroma collection, either on local disk (``path``) or on a server (``url``).

    Embeddings are always computed by Candor and passed in, and the collection is made
    without an embedding function, so chromadb never downloads its own model.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        path: Path | None = None,
        url: str | None = None,
        collection: str = "candor_feedback",
        recreate: bool = False,
    ) -> None:
        """Open (or create) the collection.

        Args:
            embedder: Embeds document and query texts.
            path: Directory for a persistent local client; locked for this process.
            url: Chroma server, e.g. ``http://localhost:8000``.
            collection: Collection name.
            recreate: Drop the collection first if it was built with another embedder
                (what `candor reindex` needs before re-adding every document).

        Raises:
            IndexBusyError: If another process holds ``path``.
            EmbedderMismatchError: If the collection was built with another embedder.
        """
        import chromadb
        from chromadb.config import Settings

        if (path is None) == (url is None):
            raise ValueError("pass exactly one of path= or url=")
        self.embedder = embedder
        self.collection_name = collection
        self._recreate = recreate
        self._lock: DirectoryLock | None = None
        settings = Settings(anonymized_telemetry=False)
        if path is not None:
            self._lock = DirectoryLock(path)
            try:
                self._lock.acquire()
            except LockHeldError as exc:
                raise IndexBusyError(
                    f"The vector index at {path} is in use by another Candor process "
                    "(is `candor serve` running?). Stop it or point CHROMA_URL at a "
                    "Chroma server."
                ) from exc
        try:
            if path is not None:
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
            else:
                assert url is not None
                parts = urlsplit(url)
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    raise ValueError(f"CHROMA_URL must look like http://host:8000, got {url!r}")
                ssl = parts.scheme == "https"
                self._client = chromadb.HttpClient(
                    host=parts.hostname,
                    port=parts.port or (443 if ssl else 8000),
                    ssl=ssl,
                    settings=settings,
                )
            try:
                self._batch = max(1, min(self._client.get_max_batch_size(), _DEFAULT_BATCH))
            except Exception:  # older servers lack the endpoint; 1000 is always accepted
                self._batch = _DEFAULT_BATCH
            self._collection = self._open_collection()
        except BaseException:
            self.close()
            raise

    def _create_collection(self) -> Any:
        return self._client.create_collection(
            self.collection_name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={_EMBEDDER_KEY: self.embedder.name, _DIMENSION_KEY: self.embedder.dimension},
            embedding_function=None,
            get_or_create=True,
        )

    def _open_collection(self) -> Any:
        from chromadb.errors import NotFoundError

        try:
            found = self._client.get_collection(self.collection_name, embedding_function=None)
        except NotFoundError:
            return self._create_collection()
        built_with = (found.metadata or {}).get(_EMBEDDER_KEY)
        # configuration_json, not .configuration: the parsed form warns about the "legacy"
        # embedding-function entry that embedding_function=None leaves behind.
        space = (getattr(found, "configuration_json", None) or {}).get("hnsw") or {}
        ours = built_with == self.embedder.name and space.get("space", "cosine") == "cosine"
        if not ours and (self._recreate or (built_with is None and found.count() == 0)):
            # Asked to rebuild, or an empty collection made by something else: start afresh.
            self._client.delete_collection(self.collection_name)
            return self._create_collection()
        if not ours:
            raise EmbedderMismatchError(
                f"The vector index collection {self.collection_name!r} was built with embedder "
                f"{built_with or 'unknown'!r}, but Candor is configured to use "
                f"{self.embedder.name!r}. Run `candor reindex` to rebuild it."
            )
        return found

    def embed(self, docs: Sequence[IndexDoc]) -> list[IndexDoc]:
        """Return the documents with their vectors, in order; touches no collection."""
        return _with_vectors(self.embedder, docs)

    def upsert(self, docs: Sequence[IndexDoc]) -> None:
        """Store documents, embedding those without a vector; an existing id is replaced."""
        unique = _with_vectors(self.embedder, _dedupe(docs))
        for start in range(0, len(unique), self._batch):
            chunk = unique[start : start + self._batch]
            self._collection.upsert(
                ids=[doc.id for doc in chunk],
                embeddings=[doc.vector for doc in chunk if doc.vector is not None],
                metadatas=self._replacement_metadata(chunk),
            )

    def _replacement_metadata(self, chunk: list[IndexDoc]) -> list[dict[str, Any] | None]:
        # Chroma's upsert merges metadata into an existing record; a key set to None is
        # removed. Null out the old keys the new metadata lacks to get replace semantics.
        found = self._collection.get(ids=[doc.id for doc in chunk], include=["metadatas"])
        old = dict(zip(found["ids"], found["metadatas"] or [], strict=False))
        result: list[dict[str, Any] | None] = []
        for doc in chunk:
            meta: dict[str, Any] = dict.fromkeys(old.get(doc.id) or {})
            meta.update(doc.metadata)
            # Chroma rejects an empty metadata dict but accepts None.
            result.append(meta or None)
        return result

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), self._batch):
            self._collection.delete(ids=unique[start : start + self._batch])

    def query(self, text: str, k: int = 10, where: Metadata | None = None) -> list[IndexHit]:
        """Return up to ``k`` hits, best first, whose metadata equals every ``where`` item."""
        if k <= 0:
            return []
        result = self._collection.query(
            query_embeddings=self.embedder.embed([text]),
            n_results=k,
            where=_chroma_where(where),
            include=["metadatas", "distances"],
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        metadatas = (result["metadatas"] or [[None] * len(ids)])[0]
        # Chroma's cosine distance is 1 - cosine similarity.
        return [
            IndexHit(doc_id, 1.0 - float(distance), dict(meta or {}))
            for doc_id, distance, meta in zip(ids, distances, metadatas, strict=True)
        ]

    def ids(self) -> set[str]:
        """Return every stored id."""
        found: set[str] = set()
        offset = 0
        while True:
            page = self._collection.get(include=[], limit=self._batch, offset=offset)["ids"]
            found.update(page)
            if len(page) < self._batch:
                return found
            offset += len(page)

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """Return the stored embedding of each id that exists, fetched in batches."""
        found: dict[str, list[float]] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), self._batch):
            page = self._collection.get(
                ids=wanted[start : start + self._batch], include=["embeddings"]
            )
            embeddings = page.get("embeddings")
            if embeddings is None:
                continue
            for doc_id, vector in zip(page["ids"], embeddings, strict=True):
                found[doc_id] = [float(x) for x in vector]
        return found

    def count(self) -> int:
        """Return the number of stored documents."""
        return int(self._collection.count())

    def reset(self) -> None:
        """Drop every document by recreating the collection (also adopts the current embedder)."""
        self._client.delete_collection(self.collection_name)
        self._collection = self._create_collection()

    def close(self) -> None:
        """Close the client and release the directory lock; safe to call twice."""
        client = getattr(self, "_client", None)
        close = getattr(client, "close", None)
        if callable(close):
            close()
        if self._lock is not None:
            self._lock.release()


def open_index(
    embedder: Embedder, *, data_dir: Path, chroma_url: str | None, recreate: bool = False
) -> VectorIndex:
    """Open Candor's vector index.

    Args:
        embedder: The configured embedder.
        data_dir: Candor's data directory; the local index lives in ``data_dir / "chroma"``.
        chroma_url: A Chroma server URL; when set, it is used instead of local files.
        recreate: Drop a collection built with another embedder instead of raising.

    Returns:
        A Chroma-backed index.
    """
    if chroma_url:
        return ChromaIndex(embedder, url=chroma_url, recreate=recreate)
    return ChromaIndex(embedder, path=data_dir / "chroma", recreate=recreate)
