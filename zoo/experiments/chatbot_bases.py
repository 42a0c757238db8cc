"""The chatbot's base model, compared: GPT-2 trained from scratch here and fine-tuned on the
Q/A pairs, SmolLM2-135M-Instruct as it ships (zero-shot), and SmolLM2 LoRA-fine-tuned (the
`chatbot` task's default), on the same held-out questions.

Trains what is missing under `--workdir` (a `chatbot` on `gpt2_generate` in `<workdir>/gpt2_base/`,
`gpt2_generate` first, and the default `chatbot`), then writes `perplexity.md` (held-out answer
perplexity per token of each model's own tokenizer, answer and end-of-turn tokens only) and
`answers.md` (ten held-out questions with each model's greedy answer) to `--out`.

    python -m zoo experiment chatbot-bases --workdir models --out artifacts/chatbot_bases
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo.gpt2.task import perplexity  # noqa: E402
from zoo.io import write_atomically  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402
from zoo.workflow import Workflow, task_in  # noqa: E402

GPT2_CHATBOT = {"base": "gpt2_generate", "lora_rank": 0, "sequence_length": 64, "context_length": 128,
                "batch_size": 16, "epochs": 2, "learning_rate": 1e-3}
"""The GPT-2-from-scratch chatbot: full fine-tuning, as the zoo's chatbot was before SmolLM2."""


def trained(name: str, workdir: Path, overrides: dict) -> tuple:
    """Task `name` configured by `overrides` (or its earlier run here), trained with what it requires."""
    flow = Workflow(workdir)
    task = task_in(workdir, name, flow.run(name).saved_config() or overrides)
    started = time.perf_counter()
    model = flow.train(task)
    return task, model, time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="chatbot-bases", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("models"))
    parser.add_argument("--out", type=Path, default=Path("artifacts/chatbot_bases"))
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args(argv)

    gpt2_dir = args.workdir / "gpt2_base"
    gpt2_task, gpt2_chatbot, gpt2_seconds = trained("chatbot", gpt2_dir, GPT2_CHATBOT)
    smol_task, smol_chatbot, smol_seconds = trained("chatbot", args.workdir, {})
    zero_shot = smol_task.chat_model(smol_task.base_model(), smol_task.config.sequence_length)
    tuned = smol_task.chat_model(smol_task.serving_model(smol_chatbot), smol_task.config.sequence_length)
    gpt2_tuned = gpt2_task.chat_model(gpt2_chatbot, gpt2_task.config.sequence_length)

    rows = [
        ["GPT-2 from scratch (2 layers), fully fine-tuned", perplexity(gpt2_tuned, gpt2_task.datasets().test)],
        ["SmolLM2-135M-Instruct, zero-shot", perplexity(zero_shot, smol_task.datasets().test)],
        [f"SmolLM2-135M-Instruct, LoRA rank {smol_task.config.lora_rank} fine-tuned", perplexity(tuned, smol_task.datasets().test)],
    ]
    pairs = smol_task.split.test[:args.questions]
    questions = [pair.question for pair in pairs]
    answers = [gpt2_task.answers(gpt2_tuned, questions), smol_task.answers(zero_shot, questions), smol_task.answers(tuned, questions)]
    args.out.mkdir(parents=True, exist_ok=True)
    perplexities = markdown_table(["model", "held-out answer perplexity"], [[name, f"{value:,.1f}"] for name, value in rows])
    table = markdown_table(["held-out question", "reference", "GPT-2 from scratch", "SmolLM2 zero-shot", "SmolLM2 fine-tuned"],
                           [[p.question, p.answer, *(a[i].replace("\n", " ") for a in answers)] for i, p in enumerate(pairs)])
    write_atomically(args.out / "perplexity.md", perplexities + "\n")
    write_atomically(args.out / "answers.md", table + "\n")
    write_atomically(args.out / "results.json", json.dumps(
        {"perplexity": dict(rows), "training_seconds_this_run": {"gpt2": gpt2_seconds, "smollm2": smol_seconds}}, indent=2))
    print(perplexities, table, sep="\n\n")
    return 0
