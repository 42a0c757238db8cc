"""`model.fit` for `MultiWorkerMirroredStrategy`, which Keras 3's own `fit` cannot run.

Keras 3.15's `fit` fails under `MultiWorkerMirroredStrategy` before the first step (it reduces
a distributed batch eagerly to build the model: "Attempt to convert a value (PerReplica) to a
Tensor"; keras-team/keras#20585). This loop runs the model's own `train_step` and `test_step`
in each replica through `strategy.run`, drives the usual callbacks (progress bar, history,
`BackupAndRestore`, `CSVLogger`, the fine-tuning callbacks) and returns the `History`, so the
loss, metrics, optimizer and callbacks behave exactly as under `fit`.

    with strategy.scope():
        model = task.build_model()
        task.compile(model)
    history = fit_across_workers(model, train, validation, epochs=3, callbacks=[...])
"""
from __future__ import annotations

import keras
import tensorflow as tf


def fit_across_workers(
    model: keras.Model,
    train: tf.data.Dataset,
    validation: tf.data.Dataset | None,
    *,
    epochs: int,
    callbacks: list[keras.callbacks.Callback],
    verbose: int | str = "auto",
) -> keras.callbacks.History:
    """Train `model` (built and compiled in its strategy's scope) on every worker in lockstep.

    Every worker must call this with the same pipelines; each takes its shard of every global
    batch. Resuming works like `fit`: a `BackupAndRestore` callback sets the first epoch.
    """
    strategy = model.distribute_strategy
    train_batches = strategy.experimental_distribute_dataset(train)
    validation_batches = strategy.experimental_distribute_dataset(validation) if validation is not None else None
    train_step = _replicated(model.train_step, strategy)
    test_step = _replicated(model.test_step, strategy)

    verbose = 1 if verbose == "auto" else verbose
    callback_list = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose, epochs=epochs, steps=None, model=model,
    )
    with strategy.scope():
        model.optimizer.build(model.trainable_variables)
    model.stop_training = False
    callback_list.on_train_begin()
    # BackupAndRestore tells `fit` where to resume through this attribute; honour it the same way.
    first_epoch = getattr(model, "_initial_epoch", None) or 0
    logs: dict[str, float] = {}
    for epoch in range(first_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        for step, batch in enumerate(train_batches):
            callback_list.on_train_batch_begin(step)
            callback_list.on_train_batch_end(step, train_step(batch))
            if model.stop_training:
                break
        logs = _floats(model.get_metrics_result())
        if validation_batches is not None:
            model.reset_metrics()
            for batch in validation_batches:
                test_step(batch)
            logs.update({f"val_{key}": value for key, value in _floats(model.get_metrics_result()).items()})
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return model.history


def _replicated(step, strategy: tf.distribute.Strategy):
    """`step` run on every replica, its per-replica logs averaged (the metrics themselves sum
    their state across replicas; this is only what the per-batch callbacks see)."""

    @tf.function
    def run(batch):
        outputs = strategy.run(step, args=(batch,))
        return {key: strategy.reduce("MEAN", value, axis=None) for key, value in outputs.items()}

    return run


def _floats(values: dict) -> dict[str, float]:
    return {key: float(value) for key, value in values.items()}
