"""The GPT tasks: GPT-2 pre-trained from scratch on the World English Bible, and a
question-answering chatbot fine-tuned from a pretrained causal LM (SmolLM2 offline by default);
both serve a `generate` endpoint, the chatbot also `chat`.

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

import functools
import math
from pathlib import Path

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.endpoint import Endpoint
from zoo.errors import ZooError
from zoo.finetuning import backbone_layer_groups, layerwise_lr_multipliers, layerwise_optimizer, reinitialize_top_layers
from zoo.gpt2 import chat_data, text
from zoo.gpt2.chat_template import ChatTemplate, chat_template_for
from zoo.gpt2.config import ChatbotConfig, GPT2Config, SamplingDefaults
from zoo.gpt2.generation import generate_in_graph
from zoo.gpt2.models import AnswerOnlyPreprocessor, build_causal_lm, merged, preset_causal_lm, preset_tokenizer, with_answer_only_loss
from zoo.precision import POLICIES, Precision, fastest_training_precision
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task
from zoo.training import load_model

SAMPLE_PROMPTS = ("In the beginning", "The Lord said to Moses,", "Blessed are")


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


def generate_endpoint(model: keras_hub.models.CausalLM, prompts: list[str], defaults: SamplingDefaults) -> Endpoint:
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


ZOO_BASES = ("gpt2_generate",)
"""The zoo's own causal LMs a chatbot can start from: the workflow trains them first."""


class ChatbotTask(Task):
    """A question-answering chatbot fine-tuned from a pretrained causal LM (`ChatbotConfig.base`)
    on chatterbot-corpus pairs in the base's own chat template; LoRA by default, merged before
    serving. `chat` applies the template inside the graph."""

    config_class = ChatbotConfig
    config: ChatbotConfig

    @functools.cached_property
    def split(self) -> Splits[list[chat_data.QAPair]]:
        return chat_data.split_pairs(chat_data.load_pairs(), seed=self.config.seed)

    @functools.cached_property
    def tokenizer(self) -> keras_hub.tokenizers.Tokenizer:
        """The base's tokenizer."""
        return self.base_model().preprocessor.tokenizer if self.requires() else preset_tokenizer(self.config.base)

    @functools.cached_property
    def template(self) -> ChatTemplate:
        """The base's chat template (ChatML for SmolLM2, `Question: ...\\nAnswer:` for GPT-2)."""
        return chat_template_for(self.tokenizer, self.config.system_prompt)

    @property
    def steps_per_epoch(self) -> int:
        return self.config.steps_per_epoch or math.ceil(len(self.split.train) / self.config.batch_size)

    def _pairs(self, pairs: list[chat_data.QAPair], shuffle: bool = False, steps: int = 0) -> tf.data.Dataset:
        """Packed (x, y, answer-only weights) batches, the whole split tokenized once up front."""
        c = self.config
        preprocessor = AnswerOnlyPreprocessor(self.tokenizer, c.sequence_length, add_start_token=self.template.add_start_token)
        ds = tf.data.Dataset.from_tensor_slices(preprocessor({
            "prompt": tf.constant([self.template.prompt(p.question) for p in pairs]),
            "answer": tf.constant([self.template.answer(p.answer) for p in pairs]),
        }))
        if shuffle:
            ds = ds.shuffle(len(pairs), seed=c.seed, reshuffle_each_iteration=True)
        return _bounded(ds.batch(c.batch_size), steps)

    def datasets(self) -> Splits:
        c = self.config
        return Splits(
            self._pairs(self.split.train, shuffle=True, steps=c.steps_per_epoch),
            self._pairs(self.split.validation), self._pairs(self.split.test),
        )

    def base_model(self) -> keras_hub.models.CausalLM:
        """The starting weights named by `config.base` (see `ChatbotConfig`), freshly loaded."""
        c = self.config
        if not self.requires():
            return preset_causal_lm(c.base)
        return load_model(self.dependency(c.base))

    def requires(self) -> tuple[str, ...]:
        return (self.config.base,) if self.config.base in ZOO_BASES else ()

    def serves_untrained(self) -> bool:
        """A pretrained base answers before its fine-tune (LoRA starts as the identity)."""
        return not self.requires()

    def chat_model(self, model: keras_hub.models.CausalLM, sequence_length: int) -> keras_hub.models.CausalLM:
        """`model`'s backbone (shared weights) with a preprocessor for this template packing to
        `sequence_length` tokens: the training window, or the context window when chatting."""
        positions = getattr(model.backbone, "max_sequence_length", None)
        if positions is not None and sequence_length > positions:
            raise ZooError(f"a window of {sequence_length} tokens exceeds the base model's {positions} positions; "
                           "lower sequence_length / context_length")
        return with_answer_only_loss(model, sequence_length, self.template.add_start_token)

    def build_model(self) -> keras.Model:
        c = self.config
        model = self.chat_model(merged(self.base_model(), POLICIES[fastest_training_precision()]), c.sequence_length)
        if c.reinit_top_layers:
            reinitialize_top_layers(model.backbone, c.reinit_top_layers, seed=c.seed)
        if c.lora_rank:
            model.backbone.enable_lora(c.lora_rank)
        return model

    def compile(self, model: keras.Model) -> None:
        c = self.config
        multipliers = (layerwise_lr_multipliers(backbone_layer_groups(model.backbone), c.layerwise_lr_decay)
                       if c.layerwise_lr_decay != 1.0 else None)
        compile_causal_lm(model, c.learning_rate, self.steps_per_epoch * c.epochs, multipliers)

    def answers(self, model: keras.Model, questions: list[str]) -> list[str]:
        """Greedy answers of `model` (fine-tuned or a base) to `questions`, through the `chat` endpoint."""
        outputs = self.endpoints(model)[0](
            question=np.array(questions, dtype=object), answer_prefix=np.array([""] * len(questions), dtype=object),
            **greedy_settings(self.config.max_new_tokens),
        )
        return [out.decode(errors="replace").strip() for out in outputs["text"]]

    def evaluate(self, model: keras.Model, out_dir: Path) -> Report:
        out_dir.mkdir(parents=True, exist_ok=True)
        test = self.datasets().test
        base = self.chat_model(self.base_model(), self.config.sequence_length)
        tuned = self.chat_model(self.serving_model(model), self.config.sequence_length)
        metrics = {"test_perplexity_before": perplexity(base, test), "test_perplexity_after": perplexity(tuned, test)}
        pairs = self.split.test[:10]
        questions = [p.question for p in pairs]
        rows = [[p.question, p.answer, before, after] for p, before, after in
                zip(pairs, self.answers(base, questions), self.answers(tuned, questions))]
        tables = {"answers": markdown_table(["held-out question", "reference answer", "base (greedy)", "fine-tuned (greedy)"], rows)}
        (out_dir / "answers.md").write_text(tables["answers"] + "\n")
        return Report(metrics, tables, [out_dir / "answers.md"])

    def serving_model(self, model: keras.Model, precision: Precision = "float32") -> keras.Model:
        """The fine-tuned model with LoRA folded into its kernels, computing in `precision`."""
        return merged(model, POLICIES[precision])

    def endpoints(self, model: keras.Model) -> list[Endpoint]:
        served = self.chat_model(merged(model), self.config.context_length)
        template = self.template

        def chat(question, answer_prefix, max_new_tokens, temperature, top_k, top_p, seed):
            empty = tf.debugging.assert_greater(
                tf.reduce_min(tf.strings.length(tf.strings.strip(question))), 0,
                message="a question is empty: type a question to answer")
            with tf.control_dependencies([empty]):
                prompts = template.prompt_in_graph(question, answer_prefix)
            return generate_in_graph(served, prompts, max_new_tokens, temperature, top_k, top_p, seed)

        questions = [p.question for p in self.split.test[:2]]
        return [
            Endpoint(
                "chat", chat,
                {"question": tf.TensorSpec([None], tf.string), "answer_prefix": tf.TensorSpec([None], tf.string), **SETTINGS_SPEC},
                {"question": np.array(questions, dtype=object), "answer_prefix": np.array(["", ""], dtype=object),
                 **greedy_settings(self.config.max_new_tokens)},
                f"questions (+ the answer so far, usually empty) and sampler settings -> the answer; the "
                f"{template.name} template {template.prompt('{question}')!r} is applied in the graph, and generation "
                f"stops at the tokenizer's end token",
            ),
            generate_endpoint(served, [template.prompt(q) for q in questions], self.config),
        ]
