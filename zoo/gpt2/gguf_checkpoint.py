"""Read a llama-architecture GGUF file (llama.cpp's format): its config, float32 weights under
Hugging Face names, and its tokenizer; the weights can be written as the Hugging Face-style
folder (config.json, model.safetensors) that keras-hub's Llama converter loads.

    checkpoint = read_llama_gguf(Path("SmolLM2-135M-Instruct.Q4_1.gguf"))
    checkpoint.config["num_hidden_layers"], checkpoint.rms_norm_eps      # 30, 1e-05
    folder = Path("hf")                                                   # a local folder, not a hub name
    write_transformers_folder(checkpoint, folder)
    keras_hub.models.Llama3Backbone.from_preset(str(folder))

Every tensor is dequantized to float32 with the `gguf` package (ggml-org's own reader). llama.cpp
stores the query and key projections with their rows permuted for its RoPE layout
(`convert_hf_to_gguf.py`'s `permute`); `unpermute_rope` puts them back, without which the model
babbles. The tokenizer's vocabulary, merges and special tokens come from the file's
`tokenizer.ggml.*` fields (byte-level BPE, `tokenizer.ggml.model == "gpt2"`).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from zoo.errors import ZooError

# llama.cpp tensor names -> Hugging Face Llama names (per block, then whole-model).
BLOCK_TENSORS = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
MODEL_TENSORS = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
CONTROL_TOKEN = 3  # llama.cpp's token type for special tokens (`gguf.TokenType.CONTROL`)


@dataclasses.dataclass
class LlamaCheckpoint:
    """A GGUF llama model in Hugging Face terms: its config, float32 tensors and tokenizer."""

    config: dict
    tensors: dict[str, np.ndarray]
    tokens: list[str]
    merges: list[str]
    special_token_ids: list[int]
    bos_token_id: int
    eos_token_id: int

    @property
    def rms_norm_eps(self) -> float:
        return self.config["rms_norm_eps"]


def unpermute_rope(weight: np.ndarray, num_heads: int) -> np.ndarray:
    """Undo llama.cpp's per-head row permutation of a query or key projection ([out, in])."""
    rows = weight.shape[0]
    if rows % (2 * num_heads):
        raise ZooError(f"a projection with {rows} rows cannot hold {num_heads} RoPE heads")
    return weight.reshape(num_heads, rows // num_heads // 2, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def read_llama_gguf(path: Path) -> LlamaCheckpoint:
    """Read, dequantize and un-permute a llama-architecture GGUF file; clear errors for a file
    that is missing, not GGUF, or of another architecture."""
    try:
        import gguf
    except ImportError as error:
        raise ZooError("reading GGUF files needs the `gguf` package: pip install -r requirements.txt") from error
    if not path.is_file():
        raise ZooError(f"no GGUF file at {path}")
    try:
        reader = gguf.GGUFReader(path)
    except (ValueError, IndexError, KeyError, OSError) as error:
        raise ZooError(f"{path} is not a readable GGUF file ({error})") from error

    def field(key: str, default=None):
        if key not in reader.fields:
            if default is not None:
                return default
            raise ZooError(f"{path} lacks the GGUF field {key!r}")
        return reader.fields[key].contents()

    architecture = field("general.architecture")
    if architecture != "llama":
        raise ZooError(f"{path} holds a {architecture!r} model; only the 'llama' architecture is supported")
    if field("tokenizer.ggml.model") != "gpt2":
        raise ZooError(f"{path} has a {field('tokenizer.ggml.model')!r} tokenizer; only byte-level BPE ('gpt2') is supported")
    heads, kv_heads = int(field("llama.attention.head_count")), int(field("llama.attention.head_count_kv"))
    tokens = list(field("tokenizer.ggml.tokens"))
    names = {t.name for t in reader.tensors}
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": len(tokens),
        "num_hidden_layers": int(field("llama.block_count")),
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "hidden_size": int(field("llama.embedding_length")),
        "intermediate_size": int(field("llama.feed_forward_length")),
        "max_position_embeddings": int(field("llama.context_length")),
        "rope_theta": float(field("llama.rope.freq_base", 10000.0)),
        "rms_norm_eps": float(field("llama.attention.layer_norm_rms_epsilon")),
        "tie_word_embeddings": "output.weight" not in names,
    }
    tensors = {}
    for tensor in reader.tensors:
        values = np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)
        tensors[_transformers_name(tensor.name, path)] = np.ascontiguousarray(
            unpermute_rope(values, heads) if tensor.name.endswith("attn_q.weight")
            else unpermute_rope(values, kv_heads) if tensor.name.endswith("attn_k.weight") else values
        )
    types = field("tokenizer.ggml.token_type")
    return LlamaCheckpoint(
        config=config,
        tensors=tensors,
        tokens=tokens,
        merges=list(field("tokenizer.ggml.merges")),
        special_token_ids=[i for i, kind in enumerate(types) if kind == CONTROL_TOKEN],
        bos_token_id=int(field("tokenizer.ggml.bos_token_id")),
        eos_token_id=int(field("tokenizer.ggml.eos_token_id")),
    )


def _transformers_name(name: str, path: Path) -> str:
    if name in MODEL_TENSORS:
        return MODEL_TENSORS[name]
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in BLOCK_TENSORS and parts[3] == "weight":
        return f"model.layers.{parts[1]}.{BLOCK_TENSORS[parts[2]]}.weight"
    raise ZooError(f"{path} holds a tensor {name!r} that a llama model does not have")


def write_transformers_folder(checkpoint: LlamaCheckpoint, folder: Path) -> None:
    """Write the checkpoint's weights as config.json and model.safetensors into `folder`
    (which must exist): what keras-hub's Llama converter reads for a backbone."""
    from safetensors.numpy import save_file

    save_file(checkpoint.tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(checkpoint.config, indent=2))
