"""Tests for the offline embedders and the safetensors -> ONNX converter."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from safetensors.numpy import load_file, save_file

from store.vector import HashingEmbedder, MiniLMEmbedder, make_embedder
from store.vector.onnx_bert import bundled_model_dir, ensure_onnx_model


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Convert the real model once per test session (tests/test_vector_index.py shares it)."""
    cache = tmp_path_factory.getbasetemp() / "minilm-models"
    ensure_onnx_model(cache)
    return cache


@pytest.fixture(scope="session")
def minilm(model_cache: Path) -> MiniLMEmbedder:
    return MiniLMEmbedder(model_cache)


def _norms(vectors: list[list[float]]) -> np.ndarray:
    return np.linalg.norm(np.asarray(vectors), axis=1)


# --- A reference BERT forward pass, written independently of the ONNX graph. ---

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _reference_bert(
    model_dir: Path, ids: np.ndarray, mask: np.ndarray, types: np.ndarray
) -> np.ndarray:
    """BERT last hidden state in float64 numpy, straight from the checkpoint."""
    cfg = json.loads((model_dir / "config.json").read_text())
    w = {
        k.removeprefix("bert."): v.astype(np.float64)
        for k, v in load_file(str(model_dir / "model.safetensors")).items()
    }
    eps = cfg["layer_norm_eps"]
    heads = cfg["num_attention_heads"]
    batch, seq = ids.shape
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(seq)][None]
        + w["embeddings.token_type_embeddings.weight"][types]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    hidden = x.shape[-1]
    d = hidden // heads
    bias = np.where(mask[:, None, None, :] > 0, 0.0, -np.inf)
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, seq, heads, d).transpose(0, 2, 1, 3)

        q = split(lin(x, "attention.self.query"))
        k = split(lin(x, "attention.self.key"))
        v = split(lin(x, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
        ln = p + "attention.output.LayerNorm"
        x = _layer_norm(
            lin(ctx, "attention.output.dense") + x, w[ln + ".weight"], w[ln + ".bias"], eps
        )
        h = lin(x, "intermediate.dense")
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
        ln = p + "output.LayerNorm"
        x = _layer_norm(lin(h, "output.dense") + x, w[ln + ".weight"], w[ln + ".bias"], eps)
    return x


def test_onnx_graph_matches_numpy_reference(model_cache: Path) -> None:
    model_dir = bundled_model_dir()
    session = onnxruntime.InferenceSession(
        str(ensure_onnx_model(model_cache)), providers=["CPUExecutionProvider"]
    )
    # Two rows of different lengths so padding and the attention mask are exercised.
    ids = np.array([[101, 2016, 4284, 1996, 3021, 102], [101, 7592, 102, 0, 0, 0]], np.int64)
    mask = (ids != 0).astype(np.int64)
    types = np.zeros_like(ids)
    (got,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    want = _reference_bert(model_dir, ids, mask, types)
    real = mask.astype(bool)
    assert got.shape == (2, 6, 384)
    assert np.abs(got[real] - want[real]).max() < 1e-4


def test_conversion_cache_is_keyed_by_source(tmp_path: Path) -> None:
    # A tiny random BERT keeps this test fast while exercising the same code path.
    src = tmp_path / "src"
    src.mkdir()
    cfg = {
        "hidden_size": 8,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 16,
        "max_position_embeddings": 16,
        "layer_norm_eps": 1e-12,
        "hidden_act": "gelu",
    }
    (src / "config.json").write_text(json.dumps(cfg))
    rng = np.random.default_rng(0)

    shapes: dict[str, tuple[int, ...]] = {
        "embeddings.word_embeddings.weight": (30, 8),
        "embeddings.position_embeddings.weight": (16, 8),
        "embeddings.token_type_embeddings.weight": (2, 8),
        "embeddings.LayerNorm.weight": (8,),
        "embeddings.LayerNorm.bias": (8,),
    }
    layer = "encoder.layer.0."
    for part in ("query", "key", "value"):
        shapes[f"{layer}attention.self.{part}.weight"] = (8, 8)
        shapes[f"{layer}attention.self.{part}.bias"] = (8,)
    for part, out_in in (
        ("attention.output.dense", (8, 8)),
        ("intermediate.dense", (16, 8)),
        ("output.dense", (8, 16)),
    ):
        shapes[f"{layer}{part}.weight"] = out_in
        shapes[f"{layer}{part}.bias"] = out_in[:1]
    for part in ("attention.output.LayerNorm", "output.LayerNorm"):
        shapes[f"{layer}{part}.weight"] = shapes[f"{layer}{part}.bias"] = (8,)

    def write_weights() -> None:
        # The "bert." prefix, as in full BertModel checkpoints, must be accepted too.
        tensors = {
            f"bert.{n}": rng.standard_normal(s).astype(np.float32) for n, s in shapes.items()
        }
        save_file(tensors, str(src / "model.safetensors"))

    write_weights()
    cache = tmp_path / "cache"
    first = ensure_onnx_model(cache, src)
    stamp = first.stat().st_mtime_ns
    assert ensure_onnx_model(cache, src) == first
    assert first.stat().st_mtime_ns == stamp  # reused, not rewritten

    ids = np.array([[1, 5, 7, 2]], np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    (got,) = onnxruntime.InferenceSession(str(first)).run(None, feeds)
    want = _reference_bert(src, ids, feeds["attention_mask"], feeds["token_type_ids"])
    assert np.abs(got - want).max() < 1e-4

    write_weights()  # a changed source file must trigger re-conversion
    second = ensure_onnx_model(cache, src)
    assert second != first
    assert sorted(p.name for p in cache.iterdir()) == [second.name]  # stale file and temps gone


def test_minilm_vectors_are_unit_length_and_deterministic(
    minilm: MiniLMEmbedder, model_cache: Path
) -> None:
    texts = ["Great job on the launch.", "Please add tests before merging.", ""]
    first = minilm.embed(texts)
    assert len(first) == 3
    assert all(len(v) == 384 == minilm.dimension for v in first)
    assert np.allclose(_norms(first), 1.0, atol=1e-5)
    again = MiniLMEmbedder(model_cache, batch_size=2).embed(texts)
    assert np.abs(np.asarray(first) - np.asarray(again)).max() < 1e-5
    assert minilm.name == "all-MiniLM-L6-v2"


def test_minilm_batch_padding_does_not_change_vectors(minilm: MiniLMEmbedder) -> None:
    short = "Thanks for the quick review."
    long = " ".join(["The quarterly planning document covers hiring, budget and scope."] * 12)
    alone = np.asarray(minilm.embed([short])[0])
    batched = np.asarray(minilm.embed([short, long])[0])
    assert np.abs(alone - batched).max() < 1e-5


def test_minilm_is_semantic(minilm: MiniLMEmbedder) -> None:
    anchor, close, far = np.asarray(
        minilm.embed(
            [
                "She shipped the billing migration ahead of schedule",
                "delivered the payments database move early",
                "the cafeteria lunch was cold",
            ]
        )
    )
    assert anchor @ close > anchor @ far + 0.2


def test_minilm_truncates_long_text_and_handles_empty_input(model_cache: Path) -> None:
    embedder = MiniLMEmbedder(model_cache, max_tokens=16)
    assert embedder.embed([]) == []
    base = "word " * 14
    # Beyond max_tokens the tail is cut, so these two embed identically.
    a, b = np.asarray(embedder.embed([base + "apples", base + "rockets and more"]))
    assert np.abs(a - b).max() < 1e-5
    (huge,) = MiniLMEmbedder(model_cache).embed(["feedback " * 2000])
    assert abs(np.linalg.norm(huge) - 1.0) < 1e-5


def test_minilm_is_thread_safe(model_cache: Path) -> None:
    embedder = MiniLMEmbedder(model_cache)  # fresh: threads race on the lazy load too
    texts = [f"Review number {i} was thorough and kind." for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: embedder.embed([t])[0], texts))
    expected = embedder.embed(texts)
    assert np.abs(np.asarray(results) - np.asarray(expected)).max() < 1e-5


def test_minilm_rejects_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        MiniLMEmbedder(tmp_path, batch_size=0)
    with pytest.raises(ValueError):
        MiniLMEmbedder(tmp_path, max_tokens=1024)


def test_hashing_embedder_basics() -> None:
    embedder = HashingEmbedder()
    assert embedder.name == "hashing-384"
    assert embedder.dimension == 384
    assert embedder.embed([]) == []
    vectors = embedder.embed(["Clear code review comments", "clear CODE review!", "", "..."])
    assert np.allclose(_norms(vectors), 1.0)
    a, b, empty, punct = np.asarray(vectors)
    assert a @ b > 0.5  # case and punctuation are ignored; shared bigrams count
    assert np.allclose(empty, punct)  # no words at all: the same fixed unit vector
    assert len(HashingEmbedder(dimension=64).embed(["x"])[0]) == 64


def test_hashing_embedder_is_stable_across_processes() -> None:
    # Python's hash() is salted per process; blake2b must make vectors identical anyway.
    code = (
        "from store.vector import HashingEmbedder\n"
        "print(HashingEmbedder().embed(['stable text'])[0])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert json.loads(out) == pytest.approx(HashingEmbedder().embed(["stable text"])[0])


def test_make_embedder(tmp_path: Path) -> None:
    assert isinstance(make_embedder("hashing", tmp_path), HashingEmbedder)
    minilm = make_embedder("minilm", tmp_path)
    assert isinstance(minilm, MiniLMEmbedder)
    assert not any(tmp_path.iterdir())  # construction is lazy: nothing converted yet
    with pytest.raises(ValueError, match="minilm, hashing"):
        make_embedder("openai", tmp_path)
