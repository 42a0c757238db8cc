"""GPT-2 causal language models: keras-hub's `GPT2CausalLM` with GPT-2's offline tokenizer.

    model = build_causal_lm(GPT2Config(num_layers=2, hidden_dim=64))    # from scratch
    model = preset_causal_lm("gpt2_base_en", sequence_length=256)       # pretrained (downloads)
    model.generate("The Lord is", max_length=20)
"""
from __future__ import annotations

import keras
import keras_hub
import tensorflow as tf

from zoo.gpt2.config import GPT2Config
from zoo.gpt2.tokenizer import VOCABULARY_SIZE, gpt2_tokenizer


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class IntMaskPreprocessor(keras_hub.models.GPT2CausalLMPreprocessor):
    """`GPT2CausalLMPreprocessor` whose `padding_mask` is int32 and loss weights float32
    instead of bool, so training batches can be reduced across replicas under `tf.distribute`
    (no `AddN` on bool).

        x, y, weights = IntMaskPreprocessor(gpt2_tokenizer(), sequence_length=64)(["In the beginning"])
        x["padding_mask"].dtype, weights.dtype    # int32, float32
    """

    def call(self, x, y=None, sample_weight=None, sequence_length=None):
        x_out, y_out, weights = keras.utils.unpack_x_y_sample_weight(super().call(x, y, sample_weight, sequence_length))
        x_out = {**x_out, "padding_mask": tf.cast(x_out["padding_mask"], "int32")}
        return keras.utils.pack_x_y_sample_weight(x_out, y_out, tf.cast(weights, "float32"))


@keras.saving.register_keras_serializable(package="zoo.gpt2")
class AnswerOnlyPreprocessor(IntMaskPreprocessor):
    """`GPT2CausalLMPreprocessor` that also takes `{"prompt", "answer"}` batches and weights
    the loss on the answer's tokens (and the end token) only; plain strings work as before.

        preprocessor = AnswerOnlyPreprocessor(gpt2_tokenizer(), sequence_length=64)
        x, y, weights = preprocessor({"prompt": ["Question: Hi\\nAnswer:"], "answer": [" Hello."]})
    """

    def call(self, x, y=None, sample_weight=None, sequence_length=None):
        if not isinstance(x, dict):
            return super().call(x, y, sample_weight, sequence_length)
        x_out, y_out, weights = keras.utils.unpack_x_y_sample_weight(
            super().call(tf.strings.join([x["prompt"], x["answer"]]), sequence_length=sequence_length)
        )
        length = sequence_length or self.sequence_length
        _, prompt_mask = self.packer(self.tokenizer(x["prompt"]), sequence_length=length, add_end_value=False)
        # y[j] is token j + 1: the start token and the prompt fill positions 0..len(prompt).
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


def preset_causal_lm(preset: str, sequence_length: int) -> keras_hub.models.GPT2CausalLM:
    """A keras-hub GPT-2 preset (`gpt2_base_en`, `gpt2_medium_en`, ...); downloads its weights."""
    backbone = keras_hub.models.GPT2Backbone.from_preset(preset)
    preprocessor = IntMaskPreprocessor(gpt2_tokenizer(), sequence_length=sequence_length)
    return keras_hub.models.GPT2CausalLM(backbone, preprocessor)


def with_answer_only_loss(model: keras_hub.models.GPT2CausalLM, sequence_length: int) -> keras_hub.models.GPT2CausalLM:
    """The same backbone (shared weights) with an `AnswerOnlyPreprocessor` for Q/A fine-tuning."""
    preprocessor = AnswerOnlyPreprocessor(model.preprocessor.tokenizer, sequence_length=sequence_length)
    return keras_hub.models.GPT2CausalLM(model.backbone, preprocessor)
