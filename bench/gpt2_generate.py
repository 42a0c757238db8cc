"""New tokens per second of generation: the exported signature run through the session-based
loader TF Serving uses (no XLA) vs keras-hub's in-process `generate()` path (XLA-compiled
`generate_step`), on the same weights, greedy, with the memory-bandwidth bound: every decoding
step reads all weights once, so new tokens/s <= batch x bandwidth / weight bytes.

    python -m bench.gpt2_generate                    # the chatbot's SmolLM2-135M `chat`, batch 1 and 8
    python -m bench.gpt2_generate --size base        # GPT-2 base size (124M, random weights), `generate`
    python -m bench.gpt2_generate --size small --new-tokens 32
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench.timing import time_calls  # noqa: E402
from serving.export.exporter import export  # noqa: E402
from serving.saved_model import SessionModel  # noqa: E402
from zoo.gpt2.config import GPT2Config  # noqa: E402
from zoo.gpt2.generation import generate_token_ids  # noqa: E402
from zoo.gpt2.models import build_causal_lm  # noqa: E402
from zoo.gpt2.task import generate_endpoint, generate_examples, greedy_settings  # noqa: E402
from zoo.registry import get_task  # noqa: E402
from zoo.tables import markdown_table  # noqa: E402

SIZES = {
    "base": GPT2Config(num_layers=12, num_heads=12, hidden_dim=768, intermediate_dim=3072, sequence_length=1024),
    "small": GPT2Config(num_layers=4, num_heads=4, hidden_dim=256, intermediate_dim=1024, sequence_length=256),
}
PROMPT = "The quick brown fox jumps over the lazy dog, and then"
QUESTION = "Tell me about the history of computers."
PRETRAINED = "smollm2"


def model_and_endpoint(size: str, new_tokens: int):
    """(model, endpoint, prompt the endpoint's input becomes, the endpoint's input for a batch)."""
    if size == PRETRAINED:
        task = get_task("chatbot", context_length=64 + new_tokens)
        model = task.serving_model(task.chat_model(task.base_model(), task.config.context_length))
        chat = task.endpoints(model)[0]
        return model, chat, task.template.prompt(QUESTION), lambda batch: {
            "question": np.array([QUESTION] * batch, dtype=object), "answer_prefix": np.array([""] * batch, dtype=object)}
    model = build_causal_lm(SIZES[size])
    return model, generate_endpoint(model, generate_examples([PROMPT], SIZES[size].max_new_tokens)), PROMPT, lambda batch: {
        "prompts": np.array([PROMPT] * batch, dtype=object)}


def common_prefix(first, second) -> int:
    """How many leading tokens two generations share (greedy decoding with and without XLA
    rounds differently, so a real model's near-ties can flip after a while)."""
    shared = 0
    for a, b in zip(first, second):
        if a != b:
            break
        shared += 1
    return shared


def read_bandwidth_gb_s(megabytes: int = 512, repeats: int = 5) -> float:
    """Memory read bandwidth: a multi-threaded sum over an array far larger than the caches."""
    data = tf.random.uniform([megabytes * 2**20 // 4])
    total = tf.function(tf.reduce_sum)
    timing = time_calls(lambda: total(data).numpy(), repeats, warmup=2)
    return data.shape[0] * 4 / 1e9 / (timing.median_ms / 1000)


def main(argv: list[str] | None = None) -> None:
    tf.get_logger().setLevel("ERROR")
    parser = argparse.ArgumentParser(prog="python -m bench.gpt2_generate", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=[PRETRAINED, *sorted(SIZES)], default=PRETRAINED,
                        help="smollm2: the chatbot's pretrained SmolLM2-135M through `chat`; else a random GPT-2")
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--batch-sizes", default="1,8")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    model, endpoint, prompt, batch_inputs = model_and_endpoint(args.size, args.new_tokens)
    weight_bytes = model.backbone.count_params() * 4  # float32
    bandwidth = read_bandwidth_gb_s()
    prompt_length = int(model.preprocessor.add_start_token) + len(model.preprocessor.tokenizer(prompt))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        exported = export(model, [endpoint], Path(tmp) / "generation", verify=False)
        export_seconds = time.perf_counter() - started
        session = SessionModel.load(exported.path)
        try:
            for batch in map(int, args.batch_sizes.split(",")):
                prompts = [prompt] * batch
                inputs = {**batch_inputs(batch), **greedy_settings(args.new_tokens)}
                served = session.run(endpoint.name, inputs)
                reference = generate_token_ids(model, prompts, max_length=prompt_length + args.new_tokens)
                ids = np.asarray(reference["token_ids"])[:, prompt_length:]
                same = min(common_prefix(served["token_ids"][i][:served["num_tokens"][i]], ids[i]) for i in range(batch))
                new_tokens = int(served["num_tokens"].sum())
                in_process = time_calls(lambda: generate_token_ids(model, prompts, prompt_length + args.new_tokens), args.repeats, warmup=1)
                loaded = time_calls(lambda: session.run(endpoint.name, inputs), args.repeats, warmup=1)
                bound = batch * bandwidth * 1e9 / weight_bytes
                keras_rate, export_rate = in_process.per_second(new_tokens), loaded.per_second(new_tokens)
                rows.append([
                    batch, new_tokens // batch, f"{keras_rate:.1f}", f"{export_rate:.1f}", f"{export_rate / keras_rate:.2f}x",
                    f"{bound:.0f}", f"{keras_rate / bound:.0%}", f"{export_rate / bound:.0%}", f"{same}/{int(served['num_tokens'].min())}",
                ])
        finally:
            session.close()
    print(f"{args.size} through `{endpoint.name}`: {model.backbone.count_params() / 1e6:.1f}M parameters, "
          f"{weight_bytes / 1e6:.0f} MB of float32 weights read per decoding step; measured read bandwidth {bandwidth:.1f} "
          f"GB/s; export took {export_seconds:.1f} s; prompt {prompt_length} tokens, greedy")
    print(markdown_table(
        ["batch", "new tokens/row", "keras-hub generate() (XLA) tok/s", f"exported `{endpoint.name}`, session loader tok/s", "export / keras-hub",
         "bandwidth bound tok/s", "keras-hub / bound", "export / bound", "identical leading tokens"], rows))


if __name__ == "__main__":
    main()
