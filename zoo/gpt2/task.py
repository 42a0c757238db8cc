"""The GPT-2 tasks: pre-training on the World English Bible, and a question-answering chatbot
fine-tuned from it; both serve a `generate` endpoint, the chatbot also `chat`.

    task = zoo.get_task("gpt2_generate")
    model = zoo.train(task)                                  # a few CPU minutes
    task.evaluate(model, Path("out")).metrics                # held-out perplexity
    task.endpoints(model)[0](prompts=["In the beginning"], max_new_tokens=20, temperature=0.0,
                             top_k=0, top_p=1.0, seed=0)["text"]

    chatbot = zoo.get_task("gpt2_chatbot")                   # starts from the trained gpt2_generate
    model = zoo.train(chatbot)
    chatbot.endpoints(model)[0](question=["What is a computer?"], answer_prefix=[""],
                                max_new_tokens=40, temperature=0.0, top_k=0, top_p=1.0, seed=0)["text"]
"""
from __future__ import annotations

import functools
import math
from pathlib import Path

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.endpoint import Endpoint
from zoo.errors import ZooError
from zoo.gpt2 import qa, text
from zoo.gpt2.config import ChatbotConfig, GPT2Config, SamplingDefaults
from zoo.gpt2.generation import generate_in_graph
from zoo.gpt2.models import build_causal_lm, preset_causal_lm, with_answer_only_loss
from zoo.registry import entries, get_task
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task
from zoo.training import run_directory, train

SAMPLE_PROMPTS = ("In the beginning", "The Lord said to Moses,", "Blessed are")


def compile_causal_lm(model: keras_hub.models.GPT2CausalLM, learning_rate: float, total_steps: int) -> None:
    """AdamW with linear warmup and cosine decay over `total_steps`; perplexity as the metric.
    Training steps run without XLA: compiling GPT-2's step costs more than it saves in short runs."""
    warmup = max(1, total_steps // 20)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, max(1, total_steps - warmup), alpha=0.1, warmup_target=learning_rate, warmup_steps=warmup,
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=0.01, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras_hub.metrics.Perplexity(from_logits=True, name="perplexity")],
        jit_compile=False,
    )


def perplexity(model: keras_hub.models.GPT2CausalLM, dataset: tf.data.Dataset) -> float:
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


def generate_endpoint(model: keras_hub.models.GPT2CausalLM, prompts: list[str], defaults: SamplingDefaults) -> Endpoint:
    """The `generate` endpoint: prompt strings plus sampler settings in, new text out."""
    return Endpoint(
        "generate",
        lambda prompts, max_new_tokens, temperature, top_k, top_p, seed: generate_in_graph(
            model, prompts, max_new_tokens, temperature, top_k, top_p, seed),
        {"prompts": tf.TensorSpec([None], tf.string), **SETTINGS_SPEC},
        {"prompts": np.array(prompts, dtype=object), **greedy_settings(defaults.max_new_tokens)},
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


def _strings(values: list[str], batch_size: int, shuffle: bool = False, seed: int = 0, steps: int = 0) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices(values)
    if shuffle:
        ds = ds.shuffle(len(values), seed=seed, reshuffle_each_iteration=True)
    return _bounded(ds.batch(batch_size), steps)


def _bounded(batches: tf.data.Dataset, steps: int) -> tf.data.Dataset:
    """`steps` batches (repeating as needed), or one pass when `steps` is 0."""
    return (batches.repeat().take(steps) if steps else batches).prefetch(tf.data.AUTOTUNE)


class GPT2GenerateTask(Task):
    """A small GPT-2 pre-trained from scratch on the World English Bible."""

    config_class = GPT2Config
    demo_module = "zoo.gpt2.demo"
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
            train=_strings(self.passages["train"], c.batch_size, shuffle=True, seed=c.seed, steps=c.steps_per_epoch),
            validation=_strings(self.passages["validation"], c.batch_size),
            test=_strings(self.passages["test"], c.batch_size),
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

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        return [generate_endpoint(model, list(SAMPLE_PROMPTS[:2]), self.config)]


class GPT2ChatbotTask(Task):
    """GPT-2 fine-tuned on chatterbot-corpus Q/A pairs; `chat` applies the prompt template in-graph."""

    config_class = ChatbotConfig
    demo_module = "zoo.gpt2.demo"
    config: ChatbotConfig

    @functools.cached_property
    def split(self) -> Splits[list[qa.QAPair]]:
        return qa.split_pairs(qa.load_pairs(), seed=self.config.seed)

    @property
    def steps_per_epoch(self) -> int:
        return self.config.steps_per_epoch or math.ceil(len(self.split.train) / self.config.batch_size)

    def _pairs(self, pairs: list[qa.QAPair], shuffle: bool = False, steps: int = 0) -> tf.data.Dataset:
        c = self.config
        ds = tf.data.Dataset.from_tensor_slices(
            {"prompt": [qa.prompt(p.question) for p in pairs], "answer": [" " + p.answer for p in pairs]}
        )
        if shuffle:
            ds = ds.shuffle(len(pairs), seed=c.seed, reshuffle_each_iteration=True)
        return _bounded(ds.batch(c.batch_size), steps)

    def datasets(self) -> Splits:
        c = self.config
        return Splits(
            self._pairs(self.split.train, shuffle=True, steps=c.steps_per_epoch),
            self._pairs(self.split.validation), self._pairs(self.split.test),
        )

    def base_model(self) -> keras_hub.models.GPT2CausalLM:
        """The starting weights named by `config.base` (see `ChatbotConfig`)."""
        c = self.config
        if c.base not in entries():
            return preset_causal_lm(c.base, c.sequence_length)
        workdir = c.base_workdir or self.workdir
        saved = run_directory(workdir, c.base).saved_config()
        return train(get_task(c.base, saved), workdir, verbose=0)

    def build_model(self) -> keras.Model:
        base = self.base_model()
        window = base.backbone.max_sequence_length
        if self.config.sequence_length > window:
            raise ZooError(f"sequence_length {self.config.sequence_length} exceeds the base model's {window} positions")
        return with_answer_only_loss(base, self.config.sequence_length)

    def compile(self, model: keras.Model) -> None:
        compile_causal_lm(model, self.config.learning_rate, self.steps_per_epoch * self.config.epochs)

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        out_dir.mkdir(parents=True, exist_ok=True)
        test = self.datasets().test
        base = with_answer_only_loss(self.base_model(), self.config.sequence_length)
        metrics = {"test_perplexity_before": perplexity(base, test), "test_perplexity_after": perplexity(model, test)}
        pairs = self.split.test[:8]
        outputs = self.endpoints(model)[0](
            question=np.array([p.question for p in pairs], dtype=object),
            answer_prefix=np.array([""] * len(pairs), dtype=object),
            **greedy_settings(self.config.max_new_tokens),
        )
        rows = [[p.question, p.answer, out.decode(errors="replace").strip()] for p, out in zip(pairs, outputs["text"])]
        tables = {"answers": markdown_table(["held-out question", "reference answer", "chatbot (greedy)"], rows)}
        (out_dir / "answers.md").write_text(tables["answers"] + "\n")
        return Report(metrics, tables, [out_dir / "answers.md"])

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        def chat(question, answer_prefix, max_new_tokens, temperature, top_k, top_p, seed):
            prompts = tf.strings.join([qa.QUESTION_PREFIX, tf.strings.strip(question), qa.ANSWER_PREFIX, answer_prefix])
            return generate_in_graph(model, prompts, max_new_tokens, temperature, top_k, top_p, seed)

        questions = [p.question for p in self.split.test[:2]]
        return [
            Endpoint(
                "chat", chat,
                {"question": tf.TensorSpec([None], tf.string), "answer_prefix": tf.TensorSpec([None], tf.string), **SETTINGS_SPEC},
                {"question": np.array(questions, dtype=object), "answer_prefix": np.array(["", ""], dtype=object),
                 **greedy_settings(self.config.max_new_tokens)},
                f"questions (+ the answer so far, usually empty) and sampler settings -> the answer; the template "
                f"{qa.prompt('{question}')!r} is applied in the graph",
            ),
            generate_endpoint(model, [qa.prompt(q) for q in questions], self.config),
        ]
