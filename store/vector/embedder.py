"""Text embedders: the offline MiniLM model (onnxruntime) and a hashing fallback.

Every embedder returns L2-normalised vectors, so a dot product is the cosine similarity
and the vector index can use cosine distance throughout.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from store.vector.onnx_bert import MODEL_NAME, bundled_model_dir, ensure_onnx_model

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

__all__ = ["EMBEDDER_NAMES", "Embedder", "HashingEmbedder", "MiniLMEmbedder", "make_embedder"]

EMBEDDER_NAMES = ("minilm", "hashing")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors.

    ``name`` is stored with the vector index so that switching models is detected.
    """

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts into L2-normalised vectors, one per text, in input order."""
        ...


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A zero vector stays zero instead of becoming NaN.
    return vectors / np.maximum(norms, 1e-12)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions) on onnxruntime, no torch.

    The ONNX graph is converted from the bundled safetensors weights on first use and
    cached in ``cache_dir``. The model is loaded lazily, so constructing one is cheap.
    ``embed`` is safe to call from several threads.
    """

    name = MODEL_NAME
    dimension = 384

    def __init__(
        self,
        cache_dir: Path,
        batch_size: int = 64,
        max_tokens: int = 256,
        threads: int | None = None,
    ) -> None:
        """Configure the embedder without loading anything.

        Args:
            cache_dir: Directory for the converted ONNX model.
            batch_size: Texts per onnxruntime call.
            max_tokens: Truncation length in word pieces, including [CLS] and [SEP]
                (the model was trained with 256; positions stop at 512).
            threads: CPU threads for onnxruntime (default: all cores). A server leaves a core
                to its event loop so embedding in the background never delays Slack's ack.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if not 2 < max_tokens <= 512:
            raise ValueError("max_tokens must be between 3 and 512")
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self._threads = threads
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        # Double-checked so concurrent first calls convert and load the model only once.
        session, tokenizer = self._session, self._tokenizer
        if session is not None and tokenizer is not None:
            return session, tokenizer
        with self._lock:
            if self._session is None or self._tokenizer is None:
                import onnxruntime
                from tokenizers import Tokenizer

                model_dir = bundled_model_dir()
                tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
                # tokenizer.json ships with truncation at 128 and fixed padding to 128;
                # pad each batch only to its longest text (much faster for short feedback).
                tok.enable_truncation(max_length=self.max_tokens)
                tok.enable_padding(pad_id=0, pad_token="[PAD]")
                onnx_path = ensure_onnx_model(self.cache_dir, model_dir)
                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3  # only errors; warnings are noise here
                if self._threads:
                    options.intra_op_num_threads = self._threads
                    options.inter_op_num_threads = 1
                self._session = onnxruntime.InferenceSession(
                    str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tok
            return self._session, self._tokenizer

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts with mean pooling over real tokens, then L2 normalisation.

        Args:
            texts: Texts to embed; any length (long ones are truncated).

        Returns:
            One 384-float unit vector per text.
        """
        if not texts:
            return []
        session, tokenizer = self._load()
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            encodings = tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            (hidden,) = session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out.extend(_l2_normalise(pooled).tolist())
        return out


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Deterministic hashed bag of words and word bigrams.

    Not semantic, but fast and stable across processes (blake2b, not the salted
    built-in ``hash``), which makes it a good stand-in for tests and tiny installs.
    """

    def __init__(self, dimension: int = 384) -> None:
        """Create an embedder with ``dimension`` hash buckets.

        Args:
            dimension: Output vector length.
        """
        if dimension < 2:
            raise ValueError("dimension must be at least 2")
        self.dimension = dimension
        self.name = f"hashing-{dimension}"

    def _features(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text)]
        bigrams = [f"{a} {b}" for a, b in itertools.pairwise(words)]
        # Text without words still gets a unit vector, so cosine stays defined.
        return words + bigrams or ["\x00empty"]

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float64)
        for feature in self._features(text):
            digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            # The top bit picks a sign so collisions cancel out on average instead of piling up.
            sign = 1.0 if value >> 63 else -1.0
            vector[value % self.dimension] += sign
        return vector

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts by feature hashing.

        Args:
            texts: Texts to embed.

        Returns:
            One unit vector of length ``dimension`` per text.
        """
        if not texts:
            return []
        matrix = np.stack([self._vector(t) for t in texts])
        return _l2_normalise(matrix).tolist()


def make_embedder(name: str, cache_dir: Path, threads: int | None = None) -> Embedder:
    """Build an embedder from its configuration name.

    Args:
        name: ``"minilm"`` (the offline sentence model) or ``"hashing"``.
        cache_dir: Where converted models are cached (used by ``"minilm"``).
        threads: CPU threads the model may use (``"minilm"``; default all cores).

    Returns:
        The embedder.

    Raises:
        ValueError: For an unknown name.
    """
    key = name.strip().lower()
    if key == "minilm":
        return MiniLMEmbedder(cache_dir, threads=threads)
    if key == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; expected one of: {', '.join(EMBEDDER_NAMES)}")
