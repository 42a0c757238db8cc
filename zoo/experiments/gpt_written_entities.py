"""NER training sentences written by the offline GPT, against the zoo's templates.

SmolLM2-135M-Instruct (the chatbot's base, as it ships) is asked for one news sentence naming
people, organizations and places drawn from the training pool (`zoo.bert.names`), so held-out
names stay unseen. A sentence is kept when it contains every requested name once, apart from
the others; its entities are those names' spans, labelled with the type they were asked for.
Anything else it names is left unlabelled, a cost of the method that the scores include.

Then `bert_ner` is trained twice with the same budget (the same number of sentences and steps):
on its templates alone, and with the kept GPT sentences in place of as many template sentences;
both are scored on the template test split and on the hand-written everyday sentences.

    python -m zoo experiment gpt-written-entities --prompts 480 --out artifacts/gpt_written_entities
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from zoo.bert.conll import EntityTexts  # noqa: E402
from zoo.bert.names import NameWriter, entity_pools  # noqa: E402
from zoo.io import write_atomically  # noqa: E402
from zoo.registry import get_task  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402
from zoo.task import Splits  # noqa: E402
from zoo.training import train  # noqa: E402

REQUESTS = (
    ("the person {PER} and the company {ORG}", ("PER", "ORG")),
    ("the company {ORG} and the city {LOC}", ("ORG", "LOC")),
    ("the person {PER} and the place {LOC}", ("PER", "LOC")),
    ("the person {PER}, the company {ORG} and the place {LOC}", ("PER", "ORG", "LOC")),
)
"""What a prompt asks the sentence to name, and the entity type of each name, in order."""
PROMPT = "Write one short news sentence that mentions {}. Write each name exactly as given."
SCORES = ("entity_f1", "org_f1", "everyday_entity_f1", "everyday_org_f1", "everyday_per_f1", "everyday_loc_f1")


def requests(count: int, seed: int) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """`count` prompts, each with the (name, type) pairs it asks for, names from the training pool."""
    rng = random.Random(seed)
    names = NameWriter(rng, entity_pools(seed).train, faker_seed=f"gpt-written {seed}")
    draw = {"PER": names.person, "ORG": names.company, "LOC": names.location}
    out = []
    for index in range(count):
        wording, kinds = REQUESTS[index % len(REQUESTS)]
        chosen = tuple((draw[kind](), kind) for kind in kinds)
        filled = wording
        for (name, kind) in chosen:
            filled = filled.replace("{" + kind + "}", name, 1)
        out.append((PROMPT.format(filled), chosen))
    return out


def labelled(sentence: str, names: tuple[tuple[str, str], ...]) -> tuple[str, tuple[tuple[int, int, str], ...]] | None:
    """The first line of `sentence` with the spans of `names`, or None unless each name occurs
    exactly once as whole words and no two names overlap."""
    text = sentence.strip().split("\n")[0].strip().strip('"')
    spans = []
    for name, kind in names:
        found = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text)]
        if len(found) != 1:
            return None
        spans.append((found[0], found[0] + len(name), kind))
    spans.sort()
    if any(end > start for (_, end, _), (start, _, _) in zip(spans, spans[1:])):
        return None
    return text, tuple(spans)


def write_sentences(prompts: list[tuple[str, tuple]], batch: int, seed: int) -> tuple[list[str], float]:
    """The GPT's sentence for each prompt (sampled at temperature 0.7, top-p 0.9) and the seconds it took."""
    from zoo.gpt2.task import settings

    task = get_task("chatbot")
    chat = task.endpoints(task.serving_model(task.build_model(), "float32"))[0]
    started, sentences = time.perf_counter(), []
    for first in range(0, len(prompts), batch):
        questions = np.array([prompt for prompt, _ in prompts[first:first + batch]], dtype=object)
        out = chat(question=questions, answer_prefix=np.full(len(questions), "", dtype=object),
                   **settings(48, temperature=0.7, top_p=0.9, seed=seed + first))
        sentences += [text.decode("utf-8", "replace") for text in out["text"]]
        print(f"  {len(sentences)}/{len(prompts)} sentences written", flush=True)
    return sentences, time.perf_counter() - started


def scores(name: str, split: Splits[EntityTexts] | None, workdir: Path, out: Path) -> tuple[dict[str, float], float]:
    """`bert_ner` at its defaults (with `split` in place of its own, if given), trained under
    `workdir/name` and evaluated; its metrics and training seconds."""
    task = get_task("bert_ner")
    if split is not None:
        task.split = split
    started = time.perf_counter()
    model = train(task, workdir / name)
    seconds = time.perf_counter() - started
    return task.evaluate(model, out / name).metrics, seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gpt-written-entities", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=480, help="sentences asked of the GPT")
    parser.add_argument("--batch", type=int, default=16, help="prompts generated together")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("models/experiments/gpt_written_entities"))
    parser.add_argument("--out", type=Path, default=Path("artifacts/gpt_written_entities"))
    args = parser.parse_args(argv)

    prompts = requests(args.prompts, args.seed)
    sentences, generation_seconds = write_sentences(prompts, args.batch, args.seed)
    kept = [row for sentence, (_, names) in zip(sentences, prompts) if (row := labelled(sentence, names))]
    gpt = EntityTexts([text for text, _ in kept], [spans for _, spans in kept])
    template = get_task("bert_ner").split
    mixed = EntityTexts(gpt.texts + template.train.texts[len(gpt):], gpt.spans + template.train.spans[len(gpt):])

    args.out.mkdir(parents=True, exist_ok=True)
    runs = {f"{len(template.train)} templates": scores("templates", None, args.workdir, args.out),
            f"{len(template.train) - len(gpt)} templates + {len(gpt)} GPT-written":
                scores("mixed", Splits(mixed, template.validation, template.test), args.workdir, args.out)}
    table = markdown_table(
        ["training sentences", "test entity F1", "test ORG F1", "everyday entity F1", "everyday ORG / PER / LOC F1", "training s"],
        [[name, f"{m['entity_f1']:.3f}", f"{m['org_f1']:.3f}", f"{m['everyday_entity_f1']:.3f}",
          f"{m['everyday_org_f1']:.3f} / {m['everyday_per_f1']:.3f} / {m['everyday_loc_f1']:.3f}", f"{seconds:.0f}"]
         for name, (m, seconds) in runs.items()])
    samples = markdown_table(["prompt", "GPT sentence", "kept"], [
        [prompt, sentence.strip().split("\n")[0][:160], "yes" if labelled(sentence, names) else "no"]
        for (prompt, names), sentence in list(zip(prompts, sentences))[:12]])
    summary = (f"{len(gpt)} of {len(prompts)} GPT sentences kept ({len(gpt) / len(prompts):.0%}), written in "
               f"{generation_seconds:.0f} s")
    write_atomically(args.out / "comparison.md", f"{summary}\n\n{table}\n")
    write_atomically(args.out / "samples.md", samples + "\n")
    write_atomically(args.out / "results.json", json.dumps(
        {"kept": len(gpt), "prompts": len(prompts), "generation_seconds": generation_seconds,
         "runs": {name: {"metrics": {k: m[k] for k in SCORES}, "training_seconds": seconds}
                  for name, (m, seconds) in runs.items()}},
        indent=2))
    print(summary, table, samples, sep="\n\n")
    return 0
