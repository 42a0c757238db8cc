"""gpt2_generate: a small GPT-2 pre-trained from scratch on the World English Bible, served by a
`generate` endpoint (prompts and sampler settings in, text out).

    task = zoo.get_task("gpt2_generate")
    model = zoo.train(task)                                  # a few CPU minutes
    task.evaluate(model, Path("out")).metrics                # held-out perplexity
    task.endpoints(model)[0](**task.examples()["generate"])["text"]
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import keras
import numpy as np

from zoo.endpoint import Endpoint
from zoo.gpt2 import text
from zoo.gpt2.config import GPT2Config
from zoo.gpt2.models import build_causal_lm
from zoo.gpt2.task import (compile_causal_lm, generate_endpoint, generate_examples, greedy_settings, perplexity,
                           sampling_settings, string_batches)
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task

SAMPLE_PROMPTS = ("In the beginning", "The Lord said to Moses,", "Blessed are")


class GPT2GenerateTask(Task):
    """A small GPT-2 pre-trained from scratch on the World English Bible."""

    config_class = GPT2Config
    config: GPT2Config

    @functools.cached_property
    def passages(self) -> dict[str, list[str]]:
        """Train / validation / test passages, shuffled by seed."""
        c = self.config
        passages = text.load_passages(c.pretrain_chars, passage_chars=4 * c.sequence_length)
        order = np.random.default_rng(c.seed).permutation(len(passages))
        n_held = max(1, int(c.held_out * len(passages)))
        parts = {"validation": order[:n_held], "test": order[n_held:2 * n_held], "train": order[2 * n_held:]}
        return {name: [passages[i] for i in indices] for name, indices in parts.items()}

    @property
    def steps_per_epoch(self) -> int:
        return self.config.steps_per_epoch or math.ceil(len(self.passages["train"]) / self.config.batch_size)

    def datasets(self) -> Splits:
        c = self.config
        return Splits(
            train=string_batches(self.passages["train"], c.batch_size, shuffle=True, seed=c.seed, steps=c.steps_per_epoch),
            validation=string_batches(self.passages["validation"], c.batch_size),
            test=string_batches(self.passages["test"], c.batch_size),
        )

    def build_model(self) -> keras.Model:
        return build_causal_lm(self.config)

    def compile(self, model: keras.Model) -> None:
        compile_causal_lm(model, self.config.learning_rate, self.steps_per_epoch * self.config.epochs)

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        out_dir.mkdir(parents=True, exist_ok=True)
        metrics = {"test_perplexity": perplexity(model, self.datasets().test)}
        generate = self.endpoints(model)[0]
        rows = []
        for name, settings in (("greedy", greedy_settings(self.config.max_new_tokens)),
                               ("sampled", sampling_settings(self.config))):
            outputs = generate(prompts=np.array(SAMPLE_PROMPTS, dtype=object), **settings)
            rows += [[name, prompt, out.decode(errors="replace").replace("\n", " ")] for prompt, out in zip(SAMPLE_PROMPTS, outputs["text"])]
        tables = {"samples": markdown_table(["decoding", "prompt", "continuation"], rows)}
        (out_dir / "samples.md").write_text(tables["samples"] + "\n")
        return Report(metrics, tables, [out_dir / "samples.md"])

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        return {"generate": generate_examples(SAMPLE_PROMPTS[:2], self.config.max_new_tokens)}

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        return [generate_endpoint(model, self.examples()["generate"])]
