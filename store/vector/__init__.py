"""Semantic search for Candor: offline embedders and the vector index port."""

from store.vector.chroma import ChromaIndex, open_index
from store.vector.embedder import (
    EMBEDDER_NAMES,
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    make_embedder,
)
from store.vector.index import (
    EmbedderMismatchError,
    IndexBusyError,
    IndexDoc,
    IndexHit,
    InMemoryIndex,
    Metadata,
    VectorIndex,
)
from store.vector.lock import DirectoryLock, LockHeldError
from store.vector.onnx_bert import ensure_onnx_model

__all__ = [
    "EMBEDDER_NAMES",
    "ChromaIndex",
    "DirectoryLock",
    "Embedder",
    "EmbedderMismatchError",
    "HashingEmbedder",
    "InMemoryIndex",
    "IndexBusyError",
    "IndexDoc",
    "IndexHit",
    "LockHeldError",
    "Metadata",
    "MiniLMEmbedder",
    "VectorIndex",
    "ensure_onnx_model",
    "make_embedder",
    "open_index",
]
