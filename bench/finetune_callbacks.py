"""Step-time overhead of the fine-tuning techniques against plain `fit`, measured side by side.

A small keras-hub BERT classifier (random weights; speed does not depend on them) trains on
random token ids. Each round trains one epoch of every variant in turn (the order rotates, so
no variant always runs first), so that load from other processes falls on all of them alike.
A step is timed from one batch's end to the next, callback hooks included and `fit`'s per-call
set-up left out; the table shows the median step over all rounds and its ratio to plain `fit`.
Re-initialization happens once before training and costs no step time, so its one-off cost is
shown instead.

    python -m bench.finetune_callbacks [--rounds 5] [--steps 20]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench.timing import StepTimer, Timing, time_calls  # noqa: E402
from zoo.finetuning import (  # noqa: E402
    StochasticWeightAveraging,
    backbone_layer_groups,
    layerwise_lr_multipliers,
    layerwise_optimizer,
    reinitialize_top_layers,
)
from zoo.tables import markdown_table  # noqa: E402

BATCH, SEQUENCE = 16, 32


def classifier(llrd: bool) -> keras.Model:
    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=1000, num_layers=4, num_heads=4, hidden_dim=128, intermediate_dim=512, max_sequence_length=SEQUENCE
    )
    model = keras_hub.models.BertTextClassifier(backbone, num_classes=3, preprocessor=None)
    optimizer = keras.optimizers.AdamW(1e-4, weight_decay=0.01)
    if llrd:
        optimizer = layerwise_optimizer(optimizer, layerwise_lr_multipliers(backbone_layer_groups(backbone), 0.9))
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)
    return model


def dataset(steps: int) -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    n = steps * BATCH
    features = {
        "token_ids": rng.integers(0, 1000, (n, SEQUENCE), dtype="int32"),
        "segment_ids": np.zeros((n, SEQUENCE), "int32"),
        "padding_mask": np.ones((n, SEQUENCE), "int32"),
    }
    return tf.data.Dataset.from_tensor_slices((features, rng.integers(0, 3, n))).batch(BATCH).cache()


class TimedCallback(keras.callbacks.Callback):
    """Runs `inner` and adds up the wall time spent inside its hooks."""

    HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_epoch_end", "on_train_end")

    def __init__(self, inner: keras.callbacks.Callback):
        super().__init__()
        self.inner, self.seconds = inner, 0.0
        for hook in self.HOOKS:
            setattr(self, hook, self._timed(getattr(inner, hook)))

    def _timed(self, method):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            method(*args, **kwargs)
            self.seconds += time.perf_counter() - started
        return timed

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)


def optimizer_step_ms(model: keras.Model, repeats: int) -> Timing:
    """One optimizer update of every trainable variable, in a `tf.function`, with fixed gradients."""
    grads = [tf.ones_like(v) * 1e-3 for v in model.trainable_variables]
    apply = tf.function(lambda: model.optimizer.apply(grads, model.trainable_variables))
    return time_calls(apply, repeats=repeats, warmup=2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.finetune_callbacks", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed epoch")
    args, _ = parser.parse_known_args(argv)
    data = dataset(args.steps)
    swa_epoch = TimedCallback(StochasticWeightAveraging(start_epoch=0))
    swa_step = TimedCallback(StochasticWeightAveraging(start_epoch=0, average_every_steps=1))
    variants = {
        "plain fit": (classifier(llrd=False), []),
        "LLRD optimizer": (classifier(llrd=True), []),
        "SWA, average each epoch": (classifier(llrd=False), [swa_epoch]),
        "SWA, average every step": (classifier(llrd=False), [swa_step]),
    }
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    timer = StepTimer()
    for model, callbacks in variants.values():
        model.fit(data, epochs=1, callbacks=callbacks, verbose=0)  # trace and warm up
    for timed in (swa_epoch, swa_step):
        timed.seconds = 0.0
    names = list(variants)
    for round_index in range(args.rounds):
        for name in names[round_index % len(names):] + names[:round_index % len(names)]:  # each round starts elsewhere
            model, callbacks = variants[name]
            model.fit(data, epochs=1, callbacks=[*callbacks, timer], verbose=0)
            seconds[name] += timer.timing(skip=1).seconds
    step_ms = Timing(seconds["plain fit"]).median_ms
    plain_update = optimizer_step_ms(variants["plain fit"][0], repeats=30)
    layerwise_update = optimizer_step_ms(variants["LLRD optimizer"][0], repeats=30)
    own_ms = {
        "plain fit": 0.0,
        "LLRD optimizer": layerwise_update.median_ms - plain_update.median_ms,
        "SWA, average each epoch": 1000 * swa_epoch.seconds / (args.rounds * args.steps),
        "SWA, average every step": 1000 * swa_step.seconds / (args.rounds * args.steps),
    }
    rows = [
        [name, f"{Timing(s).median_ms:.1f}", f"{Timing(s).median_ms / step_ms:.3f}x", f"{own_ms[name]:.2f}", f"{100 * own_ms[name] / step_ms:.1f}%"]
        for name, s in seconds.items()
    ]
    backbone = variants["plain fit"][0].backbone
    reinit = time_calls(lambda: reinitialize_top_layers(backbone, 2, seed=0), repeats=5, warmup=1)
    print(f"BERT classifier, 4 layers, hidden 128, batch {BATCH} x {SEQUENCE} tokens, {args.steps} steps/epoch, "
          f"median of {args.rounds} interleaved rounds")
    print(markdown_table(["variant", "ms/step (fit)", "vs plain fit", "own ms/step", "own / plain step"], rows))
    print(f"own ms/step: time inside the SWA callback's hooks; for LLRD, the optimizer update's median time "
          f"minus plain AdamW's ({layerwise_update.median_ms:.2f} vs {plain_update.median_ms:.2f} ms)")
    print(f"re-initializing the top 2 layers + pooler (once, before training): {reinit.median_ms:.1f} ms")


if __name__ == "__main__":
    main()
