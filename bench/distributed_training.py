"""Training throughput of a transformer task on 1 vs 2 devices: `bert_sentiment` (the offline
MiniLM, 6 layers) fine-tuned through `zoo.training.train` under `MirroredStrategy`, once with
one CPU device and once with the CPU split into two logical devices, same global batch. Each
configuration runs in its own process (TensorFlow allows one strategy per process).

On a machine whose two devices are logical halves of the same CPU, the second replica brings
no new compute, so expect a ratio near 1.0x; on 2 GPUs it is the usual data-parallel gain.

    python -m bench.distributed_training [--steps 12] [--batch-size 32]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

WARMUP_STEPS = 3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed_training", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12, help="timed training steps per configuration")
    parser.add_argument("--batch-size", type=int, default=32, help="global batch size")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.steps, args.batch_size)))
        return
    from zoo.tables import markdown_table

    results = {}
    for devices in (1, 2):
        child = subprocess.run(
            [sys.executable, "-m", "bench.distributed_training", "--child", str(devices),
             "--steps", str(args.steps), "--batch-size", str(args.batch_size)],
            capture_output=True, text=True, check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"the {devices}-device run failed:\n{child.stderr[-3000:]}")
        results[devices] = json.loads(child.stdout.splitlines()[-1])
    base = results[1]["samples_per_second"]
    print(markdown_table(
        ["devices", "replicas", "global batch", "median step (ms)", "samples/s", "vs 1 device"],
        [[d, r["replicas"], args.batch_size, f"{r['median_step_ms']:.0f}", f"{r['samples_per_second']:.1f}",
          f"{r['samples_per_second'] / base:.2f}x"] for d, r in results.items()],
    ))


def measure(devices: int, steps: int, batch_size: int) -> dict:
    """Train `steps + WARMUP_STEPS` steps on `devices` CPU devices; time the steps after warmup."""
    from zoo.distribution import create_strategy

    strategy = create_strategy("mirrored", cpu_devices=devices)

    import zoo
    from bench.timing import StepTimer
    from zoo.training import train

    total = steps + WARMUP_STEPS
    task = zoo.get_task("bert_sentiment", epochs=1, batch_size=batch_size, train_examples=total * batch_size)
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as workdir:
        train(task, workdir, strategy=strategy, callbacks=[timer], verbose=0)
    steps = timer.timing(skip=WARMUP_STEPS - 1)
    return {"replicas": strategy.num_replicas_in_sync, "median_step_ms": steps.median_ms,
            "samples_per_second": steps.per_second(batch_size)}


if __name__ == "__main__":
    main()
