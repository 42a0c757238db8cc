"""Text generation with any keras-hub causal LM (GPT-2, Llama/SmolLM2, ...): keras-hub's samplers
in-process, and a graph-only decoding function with per-request sampler settings that exports to
a SavedModel.

In-process (keras-hub's `generate()`, XLA-compiled), any keras-hub sampler:

    generate(model, ["The Lord is"], sampler="greedy", max_length=40)
    generate(model, ["The Lord is"], sampler=keras_hub.samplers.BeamSampler(num_beams=4))
    generate_token_ids(model, ["The Lord is"], max_length=40)["token_ids"]

In a graph (what the `generate` endpoint serves; no XLA, no Python in the loop):

    out = generate_in_graph(model, tf.constant(["The Lord is"]), max_new_tokens=20,
                            temperature=0.7, top_k=40, top_p=0.9, seed=1)
    out["text"], out["token_ids"], out["num_tokens"]

`generate_in_graph` tokenizes and packs the prompts to `longest prompt + max_new_tokens`
positions, runs keras-hub's `generate_step` (the KV-cached while-loop) with `SettingsSampler`,
and keeps each row's new tokens up to its end token or `max_new_tokens`, detokenized in-graph.
Settings: `temperature` 0 is greedy (argmax), > 0 samples; `top_k` 0 and `top_p` 1 disable
those filters; `seed` makes sampling reproducible. The model's preprocessor decides the rest:
its tokenizer's start token goes first when `add_start_token` is set (GPT-2's `<|endoftext|>`,
so an empty prompt samples unconditioned text), its end token stops a row, and its
`sequence_length` is the context window. Invalid settings, and a prompt that leaves no room in
the window, fail with `InvalidArgumentError`.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

import keras_hub
import tensorflow as tf


def in_process_lm(model: keras_hub.models.CausalLM, sampler: str | keras_hub.samplers.Sampler = "greedy") -> keras_hub.models.CausalLM:
    """A causal LM of `model`'s class sharing its weights and preprocessor, compiled with `sampler`."""
    lm = type(model)(model.backbone, model.preprocessor)
    lm.compile(sampler=sampler)
    return lm


def generate(
    model: keras_hub.models.CausalLM,
    prompts: Sequence[str],
    sampler: str | keras_hub.samplers.Sampler = "greedy",
    max_length: int | None = None,
) -> list[str]:
    """Prompt + continuation for each prompt, with keras-hub's `generate()` and `sampler`."""
    return list(in_process_lm(model, sampler).generate(list(prompts), max_length=max_length))


def generate_token_ids(
    model: keras_hub.models.CausalLM,
    prompts: Sequence[str],
    max_length: int,
    sampler: str | keras_hub.samplers.Sampler = "greedy",
) -> dict[str, tf.Tensor]:
    """keras-hub's compiled `generate_step` on the packed prompts: prompt and new token ids,
    `max_length` wide, stopping at the end token (`padding_mask` marks kept ids). The prompts are
    packed with the preprocessor's own packer honouring its `add_start_token`, which keras-hub
    0.32's `generate_preprocess` ignores (it always adds the start token)."""
    lm = in_process_lm(model, sampler)
    preprocessor = model.preprocessor
    if not preprocessor.built:
        preprocessor.build(None)  # creates its packer
    token_ids, padding_mask = preprocessor.packer(
        preprocessor.tokenizer(tf.constant(list(prompts))), sequence_length=max_length,
        add_start_value=preprocessor.add_start_token, add_end_value=False)
    inputs = {"token_ids": token_ids, "padding_mask": padding_mask}
    return lm.make_generate_function()(inputs, stop_token_ids=[preprocessor.tokenizer.end_token_id])


class SettingsSampler(keras_hub.samplers.Sampler):
    """A keras-hub sampler whose settings are tensors, so one graph serves every request.

    Greedy when `temperature` is 0; otherwise logits are divided by `temperature`, limited to
    the `top_k` most likely tokens (0: all) and to the smallest set whose probability reaches
    `top_p` (1: all), and sampled statelessly from (`seed`, position): the same request gives
    the same text, and concurrent requests do not share random state.

        sampler = SettingsSampler(temperature=0.7, top_k=40, top_p=0.9, seed=3)
    """

    def __init__(self, temperature: tf.Tensor, top_k: tf.Tensor, top_p: tf.Tensor, seed: tf.Tensor):
        super().__init__()
        self.sampling_temperature = tf.cast(temperature, tf.float32)
        self.top_k = tf.cast(top_k, tf.int32)
        self.top_p = tf.cast(top_p, tf.float32)
        self.seed = tf.cast(seed, tf.int64)
        self._index = tf.constant(0)

    def __call__(self, next, prompt, **kwargs):
        def next_at(prompt, cache, index):
            self._index = index  # the position being sampled, for the stateless seed
            return next(prompt, cache, index)

        return super().__call__(next_at, prompt, **kwargs)

    def compute_probabilities(self, logits: tf.Tensor) -> tf.Tensor:
        return tf.cast(logits, tf.float32)  # unnormalised: `get_next_token` filters and samples

    def get_next_token(self, logits: tf.Tensor) -> tf.Tensor:
        def sample() -> tf.Tensor:
            filtered = filter_logits(logits / self.sampling_temperature, self.top_k, self.top_p)
            seed = tf.stack([self.seed, tf.cast(self._index, tf.int64)])
            return tf.random.stateless_categorical(filtered, 1, seed, dtype=tf.int32)[:, 0]

        return tf.cond(self.sampling_temperature > 0, sample, lambda: tf.argmax(logits, axis=-1, output_type=tf.int32))


def filter_logits(logits: tf.Tensor, top_k: tf.Tensor, top_p: tf.Tensor) -> tf.Tensor:
    """`logits` with every token outside the top-k and the top-p nucleus set to -inf."""
    vocabulary = tf.shape(logits)[-1]
    ordered = tf.sort(logits, direction="DESCENDING")
    k = tf.where(top_k > 0, tf.minimum(top_k, vocabulary), vocabulary)
    before = tf.cumsum(tf.nn.softmax(ordered), axis=-1, exclusive=True)
    in_nucleus = tf.reduce_sum(tf.cast(before < top_p, tf.int32), axis=-1, keepdims=True)
    last = tf.maximum(tf.minimum(in_nucleus, k), 1) - 1
    threshold = tf.gather(ordered, last, batch_dims=1)
    return tf.where(logits >= threshold, logits, tf.fill(tf.shape(logits), float("-inf")))


@contextlib.contextmanager
def sampling_with(model: keras_hub.models.CausalLM, sampler: keras_hub.samplers.Sampler) -> Iterator[None]:
    """Make `model.generate_step` use `sampler` (what `compile(sampler=...)` sets) for a while."""
    previous = getattr(model, "sampler", None)
    model.sampler = sampler
    try:
        yield
    finally:
        model.sampler = previous


def check_settings(max_new_tokens: tf.Tensor, temperature: tf.Tensor, top_k: tf.Tensor, top_p: tf.Tensor) -> list[tf.Operation]:
    """In-graph checks with messages a client can act on."""
    return [
        tf.debugging.assert_greater_equal(max_new_tokens, 1, message="max_new_tokens must be at least 1"),
        tf.debugging.assert_greater_equal(temperature, 0.0, message="temperature must be >= 0 (0 is greedy decoding)"),
        tf.debugging.assert_less_equal(temperature, 100.0, message="temperature must be at most 100"),
        tf.debugging.assert_greater_equal(top_k, 0, message="top_k must be >= 0 (0 keeps every token)"),
        tf.debugging.assert_greater(top_p, 0.0, message="top_p must be in (0, 1] (1 keeps every token)"),
        tf.debugging.assert_less_equal(top_p, 1.0, message="top_p must be in (0, 1] (1 keeps every token)"),
    ]


def generate_in_graph(
    model: keras_hub.models.CausalLM,
    prompts: tf.Tensor,
    max_new_tokens: tf.Tensor | int,
    temperature: tf.Tensor | float = 0.0,
    top_k: tf.Tensor | int = 0,
    top_p: tf.Tensor | float = 1.0,
    seed: tf.Tensor | int = 0,
) -> dict[str, tf.Tensor]:
    """New text for a batch of prompts; see the module doc. Traceable, XLA not required.

    Returns `text` (string [B]: the continuation only), `token_ids` (int32 [B, T], -1 after a
    row's end) and `num_tokens` (int32 [B]).
    """
    max_new_tokens = tf.cast(max_new_tokens, tf.int32)
    temperature = tf.cast(temperature, tf.float32)
    window = model.preprocessor.sequence_length
    tokenizer = model.preprocessor.tokenizer
    end_token_id = tokenizer.end_token_id
    with tf.control_dependencies(check_settings(max_new_tokens, temperature, top_k, top_p)):
        prompts = tf.identity(prompts)
    pieces = tokenizer(prompts)
    if model.preprocessor.add_start_token:
        start = tf.fill([pieces.nrows(), 1], tf.constant(tokenizer.start_token_id, pieces.dtype))
        pieces = tf.concat([start, pieces], axis=1)
    lengths = tf.cast(pieces.row_lengths(), tf.int32)
    longest = tf.reduce_max(lengths)
    too_long = tf.debugging.assert_less(
        longest, window,
        message=f"a prompt is too long: it must be under the {window}-token context window, counting any template "
                "and start token",
    )
    with tf.control_dependencies([too_long]):
        total = tf.minimum(longest + max_new_tokens, window)
    token_ids = pieces.to_tensor(default_value=tokenizer.pad_token_id, shape=tf.stack([tf.cast(pieces.nrows(), tf.int32), total]))
    positions = tf.range(total)[tf.newaxis, :]
    padding_mask = positions < lengths[:, tf.newaxis]
    sampler = SettingsSampler(temperature, top_k, top_p, seed)
    with sampling_with(model, sampler):
        outputs = model.generate_step({"token_ids": token_ids, "padding_mask": padding_mask}, stop_token_ids=[end_token_id])
    token_ids = tf.cast(outputs["token_ids"], tf.int32)
    new = (positions >= lengths[:, tf.newaxis]) & (positions < lengths[:, tf.newaxis] + max_new_tokens)
    ended = tf.cumsum(tf.cast(new & (token_ids == end_token_id), tf.int32), axis=1) > 0
    kept = tf.ragged.boolean_mask(token_ids, new & ~ended)
    return {
        "text": tokenizer.detokenize(kept),
        "token_ids": kept.to_tensor(default_value=-1),
        "num_tokens": tf.cast(kept.row_lengths(), tf.int32),
    }
