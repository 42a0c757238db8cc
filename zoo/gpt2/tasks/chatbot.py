"""chatbot: a question-answering chatbot fine-tuned from a pretrained causal LM (SmolLM2 offline
by default, or the zoo's own gpt2_generate) on chatterbot-corpus pairs; serves `chat` (the base's
chat template applied in the graph) and `generate`.

    chatbot = zoo.get_task("chatbot")                        # LoRA on SmolLM2-135M-Instruct, offline
    model = zoo.train(chatbot)
    chatbot.endpoints(model)[0](**chatbot.examples()["chat"])["text"]
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
from zoo.finetuning import backbone_layer_groups, layerwise_lr_multipliers, reinitialize_top_layers
from zoo.gpt2 import chat_data
from zoo.gpt2.chat_template import ChatTemplate, chat_template_for
from zoo.gpt2.config import ChatbotConfig
from zoo.gpt2.generation import generate_in_graph
from zoo.gpt2.models import AnswerOnlyPreprocessor, merged, preset_causal_lm, preset_tokenizer, with_answer_only_loss
from zoo.gpt2.task import SETTINGS_SPEC, bounded, compile_causal_lm, generate_endpoint, generate_examples, greedy_settings, perplexity
from zoo.precision import POLICIES, Precision, fastest_training_precision
from zoo.tables import markdown_table
from zoo.task import Report, Splits, Task
from zoo.training import load_model

EXAMPLE_QUESTIONS = ("What is a computer?", "Who wrote Hamlet?")
"""What the endpoints carry as examples and the demo offers."""

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
        return bounded(ds.batch(c.batch_size), steps)

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

    def examples(self) -> dict[str, dict[str, np.ndarray]]:
        """The example questions, asked through `chat` and continued as plain text by `generate`;
        no tokenizer needed, so the demo page does not wait for one."""
        questions = np.array(EXAMPLE_QUESTIONS, dtype=object)
        return {
            "chat": {"question": questions, "answer_prefix": np.full(len(questions), "", dtype=object),
                     **greedy_settings(self.config.max_new_tokens)},
            "generate": generate_examples(EXAMPLE_QUESTIONS, self.config.max_new_tokens),
        }

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

        examples = self.examples()
        return [
            Endpoint(
                "chat", chat,
                {"question": tf.TensorSpec([None], tf.string), "answer_prefix": tf.TensorSpec([None], tf.string), **SETTINGS_SPEC},
                examples["chat"],
                f"questions (+ the answer so far, usually empty) and sampler settings -> the answer; the "
                f"{template.name} template {template.prompt('{question}')!r} is applied in the graph, and generation "
                f"stops at the tokenizer's end token",
            ),
            generate_endpoint(served, examples["generate"]),
        ]
