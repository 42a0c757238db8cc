"""What the GPT tasks share: compiling a causal LM, perplexity, the `generate` endpoint and its
sampler settings, and string batches. The tasks live in `zoo/gpt2/tasks/`: GPT-2 pre-trained from
scratch on the World English Bible (`generate`, gpt2_generate), and a question-answering chatbot
fine-tuned from a pretrained causal LM, SmolLM2 offline by default (`chatbot`); both serve a
`generate` endpoint, the chatbot also `chat`.

    task = zoo.get_task("gpt2_generate")
    model = zoo.train(task)                                  # a few CPU minutes
    task.evaluate(model, Path("out")).metrics                # held-out perplexity
    task.endpoints(model)[0](prompts=["In the beginning"], max_new_tokens=20, temperature=0.0,
                             top_k=0, top_p=1.0, seed=0)["text"]

    chatbot = zoo.get_task("chatbot")                        # LoRA on SmolLM2-135M-Instruct, offline
    model = zoo.train(chatbot)
    chatbot.endpoints(model)[0](question=["What is a computer?"], answer_prefix=[""],
                                max_new_tokens=40, temperature=0.0, top_k=0, top_p=1.0, seed=0)["text"]
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.endpoint import Endpoint
from zoo.finetuning import layerwise_optimizer
from zoo.gpt2.config import SamplingDefaults
from zoo.gpt2.generation import generate_in_graph

def compile_causal_lm(model: keras_hub.models.CausalLM, learning_rate: float, total_steps: int,
                      lr_multipliers: dict[str, float] | None = None) -> None:
    """AdamW with linear warmup and cosine decay over `total_steps`, and per-variable learning-rate
    multipliers (LLRD) when given; perplexity as the metric. Training steps run without XLA:
    compiling the step costs more than it saves in short runs."""
    warmup = max(1, total_steps // 20)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, max(1, total_steps - warmup), alpha=0.1, warmup_target=learning_rate, warmup_steps=warmup,
    )
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=0.01, clipnorm=1.0)
    model.compile(
        optimizer=layerwise_optimizer(optimizer, lr_multipliers) if lr_multipliers else optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras_hub.metrics.Perplexity(from_logits=True, name="perplexity")],
        jit_compile=False,
    )


def perplexity(model: keras_hub.models.CausalLM, dataset: tf.data.Dataset) -> float:
    """exp of the mean cross-entropy per weighted target token of `dataset` (raw inputs)."""

    @tf.function(reduce_retracing=True)
    def summed(x, y, weights):
        logits = model(x, training=False)
        losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        weights = tf.cast(weights, losses.dtype)
        return tf.reduce_sum(losses * weights), tf.reduce_sum(weights)

    total, count = 0.0, 0.0
    for x, y, weights in dataset.map(model.preprocessor, num_parallel_calls=tf.data.AUTOTUNE):
        loss, weight = summed(x, y, weights)
        total, count = total + float(loss), count + float(weight)
    return math.exp(total / count)


def generate_examples(prompts: Sequence[str], max_new_tokens: int) -> dict[str, np.ndarray]:
    """`generate` inputs: `prompts`, decoded greedily (deterministic, so exports verify token for token)."""
    return {"prompts": np.array(prompts, dtype=object), **greedy_settings(max_new_tokens)}


def generate_endpoint(model: keras_hub.models.CausalLM, examples: Mapping[str, np.ndarray]) -> Endpoint:
    """The `generate` endpoint: prompt strings plus sampler settings in, new text out."""
    return Endpoint(
        "generate",
        lambda prompts, max_new_tokens, temperature, top_k, top_p, seed: generate_in_graph(
            model, prompts, max_new_tokens, temperature, top_k, top_p, seed),
        {"prompts": tf.TensorSpec([None], tf.string), **SETTINGS_SPEC},
        examples,
        "prompt strings + max_new_tokens, temperature (0: greedy), top_k (0: off), top_p (1: off), seed "
        "-> text (the continuation), token_ids (-1 padded), num_tokens",
    )


SETTINGS_SPEC = {
    "max_new_tokens": tf.TensorSpec([], tf.int32),
    "temperature": tf.TensorSpec([], tf.float32),
    "top_k": tf.TensorSpec([], tf.int32),
    "top_p": tf.TensorSpec([], tf.float32),
    "seed": tf.TensorSpec([], tf.int64),
}


def settings(max_new_tokens: int, temperature: float = 0.0, top_k: int = 0, top_p: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Sampler settings as the endpoints' scalar inputs; the defaults decode greedily."""
    return {
        "max_new_tokens": np.array(max_new_tokens, "int32"), "temperature": np.array(temperature, "float32"),
        "top_k": np.array(top_k, "int32"), "top_p": np.array(top_p, "float32"), "seed": np.array(seed, "int64"),
    }


def greedy_settings(max_new_tokens: int) -> dict[str, np.ndarray]:
    """Endpoint inputs for greedy decoding: deterministic, so exports verify token for token."""
    return settings(max_new_tokens)


def sampling_settings(config: SamplingDefaults, seed: int = 0) -> dict[str, np.ndarray]:
    """Endpoint inputs for the config's sampler defaults."""
    return settings(config.max_new_tokens, config.temperature, config.top_k, config.top_p, seed)


def string_batches(values: list[str], batch_size: int, shuffle: bool = False, seed: int = 0, steps: int = 0) -> tf.data.Dataset:
    """Batches of `values` as strings, shuffled by `seed` when asked; `steps` batches (see `bounded`)."""
    ds = tf.data.Dataset.from_tensor_slices(values)
    if shuffle:
        ds = ds.shuffle(len(values), seed=seed, reshuffle_each_iteration=True)
    return bounded(ds.batch(batch_size), steps)


def bounded(batches: tf.data.Dataset, steps: int) -> tf.data.Dataset:
    """`steps` batches (repeating as needed), or one pass when `steps` is 0."""
    return (batches.repeat().take(steps) if steps else batches).prefetch(tf.data.AUTOTUNE)
