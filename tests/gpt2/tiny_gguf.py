"""A tiny llama GGUF written with the `gguf` package's own writer, laid out as llama.cpp's
converter lays it out (query/key rows permuted for its RoPE layout), and the same weights as a
Hugging Face folder: the reference keras-hub loads without any GGUF in the way."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MERGES = ["Ġ t", "h e", "Ġt he"]
CONFIG = {"layers": 2, "hidden": 32, "heads": 2, "kv_heads": 1, "ffn": 64, "eps": 1e-5, "rope_theta": 10000.0}


def byte_tokens() -> list[str]:
    """GPT-2's byte-to-unicode alphabet: the 256 base tokens of a byte-level BPE."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [256 + i for i in range(256 - len(printable))]  # the other bytes, moved past 255
    return [chr(code) for code in printable + shifted]


def vocabulary() -> list[str]:
    return SPECIAL + byte_tokens() + ["Ġt", "he", "Ġthe"]


def permute_like_llama_cpp(weight: np.ndarray, heads: int) -> np.ndarray:
    """`convert_hf_to_gguf.py`'s `LlamaModel.permute`, which llama.cpp applies to q_proj / k_proj."""
    return weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def hf_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights under Hugging Face Llama names ([out, in] matrices)."""
    c, rng = CONFIG, np.random.default_rng(seed)
    head_dim = c["hidden"] // c["heads"]
    shapes = {"model.embed_tokens.weight": (len(vocabulary()), c["hidden"]), "model.norm.weight": (c["hidden"],)}
    for i in range(c["layers"]):
        shapes.update({
            f"model.layers.{i}.input_layernorm.weight": (c["hidden"],),
            f"model.layers.{i}.post_attention_layernorm.weight": (c["hidden"],),
            f"model.layers.{i}.self_attn.q_proj.weight": (c["hidden"], c["hidden"]),
            f"model.layers.{i}.self_attn.k_proj.weight": (c["kv_heads"] * head_dim, c["hidden"]),
            f"model.layers.{i}.self_attn.v_proj.weight": (c["kv_heads"] * head_dim, c["hidden"]),
            f"model.layers.{i}.self_attn.o_proj.weight": (c["hidden"], c["hidden"]),
            f"model.layers.{i}.mlp.gate_proj.weight": (c["ffn"], c["hidden"]),
            f"model.layers.{i}.mlp.up_proj.weight": (c["ffn"], c["hidden"]),
            f"model.layers.{i}.mlp.down_proj.weight": (c["hidden"], c["ffn"]),
        })
    return {name: (1.0 + 0.1 * rng.standard_normal(shape) if name.endswith("norm.weight")
                   else 0.3 * rng.standard_normal(shape)).astype(np.float32) for name, shape in shapes.items()}


GGUF_NAMES = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm", "self_attn.q_proj": "attn_q",
              "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
              "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}


def write_gguf(path: Path, weights: dict[str, np.ndarray], architecture: str = "llama", quantize: bool = False) -> Path:
    """The weights as llama.cpp would write them: its names, Q/K permuted, optionally Q8_0."""
    import gguf

    c, tokens = CONFIG, vocabulary()
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_block_count(c["layers"])
    writer.add_context_length(128)
    writer.add_embedding_length(c["hidden"])
    writer.add_feed_forward_length(c["ffn"])
    writer.add_head_count(c["heads"])
    writer.add_head_count_kv(c["kv_heads"])
    writer.add_rope_freq_base(c["rope_theta"])
    writer.add_layer_norm_rms_eps(c["eps"])
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t in SPECIAL else 1 for t in tokens])
    writer.add_token_merges(MERGES)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    for name, value in weights.items():
        if name == "model.embed_tokens.weight":
            gguf_name = "token_embd.weight"
        elif name == "model.norm.weight":
            gguf_name = "output_norm.weight"
        else:
            _, _, layer, *part, _ = name.split(".")
            gguf_name = f"blk.{layer}.{GGUF_NAMES['.'.join(part)]}.weight"
        if gguf_name.endswith("attn_q.weight"):
            value = permute_like_llama_cpp(value, c["heads"])
        elif gguf_name.endswith("attn_k.weight"):
            value = permute_like_llama_cpp(value, c["kv_heads"])
        if quantize and value.ndim == 2:
            writer.add_tensor(gguf_name, gguf.quants.quantize(value, gguf.GGMLQuantizationType.Q8_0),
                              raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(gguf_name, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_reference_folder(folder: Path, weights: dict[str, np.ndarray]) -> Path:
    """The same model as a Hugging Face folder, the way keras-hub's converter reads one."""
    from safetensors.numpy import save_file

    c, tokens = CONFIG, vocabulary()
    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({
        "vocab_size": len(tokens), "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"],
        "num_key_value_heads": c["kv_heads"], "hidden_size": c["hidden"], "intermediate_size": c["ffn"],
        "rope_theta": c["rope_theta"], "tie_word_embeddings": True, "model_type": "llama",
    }))
    (folder / "tokenizer.json").write_text(json.dumps({
        "model": {"vocab": {t: i for i, t in enumerate(tokens)}, "merges": MERGES},
        "added_tokens": [{"id": i, "content": t} for i, t in enumerate(SPECIAL)],
    }))
    (folder / "tokenizer_config.json").write_text(json.dumps({"bos_token": SPECIAL[1], "eos_token": SPECIAL[2]}))
    return folder
