"""Causal language models: GPT-2 from scratch with GPT-2's offline tokenizer, any keras-hub
causal LM as a chatbot's base, and the preprocessing and LoRA handling fine-tuning needs.

    model = build_causal_lm(GPT2Config(num_layers=2, hidden_dim=64))    # GPT-2 from scratch
    model = preset_causal_lm("smollm2_135m_instruct")                   # offline, pretrained
    model = preset_causal_lm("gpt2_base_en")                            # keras-hub preset (downloads)
    chat = with_answer_only_loss(model, sequence_length=96, add_start_token=False)
    chat.backbone.enable_lora(8)                 # ... fine-tune ...
    served = merged(chat, "float32")             # LoRA folded into the kernels, float32 compute
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import keras
import keras_hub
import tensorflow as tf

from zoo.gpt2.config import GPT2Config
from zoo.gpt2.pretrained import OFFLINE_PRESETS, offline_preset
from zoo.gpt2.tokenizer import VOCABULARY_SIZE, gpt2_tokenizer


def with_int_mask(outputs):
    """A preprocessor's (x, y, weights) with an int32 `padding_mask` and float32 weights instead
    of bool, so training batches can be reduced across replicas under `tf.distribute` (no
    `AddN` on bool)."""
    x, y, weights = keras.utils.unpack_x_y_sample_weight(outputs)
    x = {**x, "padding_mask": tf.cast(x["padding_mask"], "int32")}
    return keras.utils.pack_x_y_sample_weight(x, y, None if weights is None else tf.cast(weights, "float32"))


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class IntMaskPreprocessor(keras_hub.models.GPT2CausalLMPreprocessor):
    """`GPT2CausalLMPreprocessor` whose `padding_mask` is int32 and loss weights float32
    instead of bool, so training batches can be reduced across replicas under `tf.distribute`
    (no `AddN` on bool).

        x, y, weights = IntMaskPreprocessor(gpt2_tokenizer(), sequence_length=64)(["In the beginning"])
        x["padding_mask"].dtype, weights.dtype    # int32, float32
    """

    def call(self, x, y=None, sample_weight=None, sequence_length=None):
        return with_int_mask(super().call(x, y, sample_weight, sequence_length))


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class AnswerOnlyPreprocessor(keras_hub.models.CausalLMPreprocessor):
    """A causal-LM preprocessor for any keras-hub tokenizer that also takes `{"prompt",
    "answer"}` batches and weights the loss on the answer's tokens (and the end token that
    closes it) only; plain strings work as usual. Masks are int32 (see `with_int_mask`).
    Batches already packed (`{"token_ids", "padding_mask"}`) pass through unchanged, so data
    can be tokenized once up front: keras-hub's BPE tokenizer costs about a second per batch
    inside `tf.data`, and a tenth of that for a whole split at once, eagerly.

        preprocessor = AnswerOnlyPreprocessor(gpt2_tokenizer(), sequence_length=64)
        x, y, weights = preprocessor({"prompt": ["Question: Hi\\nAnswer:"], "answer": [" Hello."]})
        preprocessor(x, y, weights)      # the same batch back
    """

    def call(self, x, y=None, sample_weight=None, sequence_length=None):
        if isinstance(x, dict) and "token_ids" in x:
            return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
        if not isinstance(x, dict):
            return with_int_mask(super().call(x, y, sample_weight, sequence_length))
        x_out, y_out, weights = keras.utils.unpack_x_y_sample_weight(
            super().call(tf.strings.join([x["prompt"], x["answer"]]), sequence_length=sequence_length)
        )
        length = sequence_length or self.sequence_length
        _, prompt_mask = self.packer(self.tokenizer(x["prompt"]), sequence_length=length,
                                     add_start_value=self.add_start_token, add_end_value=False)
        # y[j] is token j + 1: the (optional) start token and the prompt fill the first positions.
        prompt_lengths = tf.reduce_sum(tf.cast(prompt_mask, "int32"), axis=-1) - 1
        answer = tf.range(length)[tf.newaxis, :] >= prompt_lengths[:, tf.newaxis]
        weights = tf.cast(weights, "float32") * tf.cast(answer, "float32")
        return keras.utils.pack_x_y_sample_weight(x_out, y_out, weights)


def build_causal_lm(config: GPT2Config) -> keras_hub.models.GPT2CausalLM:
    """A randomly initialised GPT-2 of the config's size, with GPT-2's tokenizer attached."""
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=VOCABULARY_SIZE,
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        dropout=config.dropout,
        max_sequence_length=config.sequence_length,
    )
    preprocessor = IntMaskPreprocessor(gpt2_tokenizer(), sequence_length=config.sequence_length)
    return keras_hub.models.GPT2CausalLM(backbone, preprocessor)


def preset_source(preset: str) -> str:
    """What keras-hub's `from_preset` takes for `preset`: an offline preset's folder
    (`zoo.gpt2.pretrained.OFFLINE_PRESETS`, converted on first use), else the name as it is
    (a keras-hub preset such as `gpt2_base_en`, which downloads, or a folder)."""
    return str(offline_preset(preset)) if preset in OFFLINE_PRESETS else preset


def preset_causal_lm(preset: str) -> keras_hub.models.CausalLM:
    """A pretrained causal LM from `preset_source(preset)`."""
    return keras_hub.models.CausalLM.from_preset(preset_source(preset))


def preset_tokenizer(preset: str) -> keras_hub.tokenizers.Tokenizer:
    """The tokenizer of `preset_source(preset)` alone (no weights loaded)."""
    return keras_hub.tokenizers.Tokenizer.from_preset(preset_source(preset))


def with_answer_only_loss(model: keras_hub.models.CausalLM, sequence_length: int, add_start_token: bool = True) -> keras_hub.models.CausalLM:
    """The same backbone (shared weights) with an `AnswerOnlyPreprocessor` for Q/A fine-tuning,
    packing to `sequence_length` tokens."""
    preprocessor = AnswerOnlyPreprocessor(model.preprocessor.tokenizer, sequence_length=sequence_length,
                                          add_start_token=add_start_token)
    return type(model)(model.backbone, preprocessor)


def has_lora(model: keras.Model) -> bool:
    return any("lora_kernel" in variable.path for variable in model.weights)


def merged(model: keras_hub.models.CausalLM, dtype: str | None = None) -> keras_hub.models.CausalLM:
    """`model` with every LoRA update folded into its kernels and computing under the `dtype`
    policy (default: its own), on a fresh backbone of the same config with no LoRA variables or
    ops; `model` itself when there is nothing to change. Keras saves a LoRA layer's kernel
    merged, so the merge is a save and a load of the backbone's weights."""
    dtype = dtype or model.backbone.dtype_policy.name
    if not has_lora(model) and dtype == model.backbone.dtype_policy.name:
        return model
    backbone = type(model.backbone).from_config({**model.backbone.get_config(), "dtype": dtype})
    with tempfile.TemporaryDirectory(prefix="lora-merge-") as tmp:
        path = Path(tmp) / "merged.weights.h5"
        model.backbone.save_weights(path)
        backbone.load_weights(path)
    return type(model)(backbone, model.preprocessor)
