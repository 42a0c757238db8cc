"""One training process for the distribution tests: creates the strategy named on the command
line, trains a task through `zoo.training.train`, and writes its own copy of the final weights.

    python tests/distribution/train_worker.py STRATEGY CPU_DEVICES WORKDIR WEIGHTS.npz TASK [key=value ...] [--fresh]
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from zoo.distribution import create_strategy, describe  # noqa: E402


def main(argv: list[str]) -> int:
    strategy_name, cpu_devices, workdir, weights_path, task_name, *assignments = argv
    fresh = "--fresh" in assignments
    assignments = [assignment for assignment in assignments if assignment != "--fresh"]
    strategy = create_strategy(strategy_name, cpu_devices=int(cpu_devices))

    import numpy as np

    import zoo
    from zoo.errors import ZooError
    from zoo.training import train

    task = zoo.get_task(task_name)
    task = zoo.get_task(task_name, task.config.replace_from_strings(assignments))
    print(json.dumps({"strategy": describe(strategy), "replicas": strategy.num_replicas_in_sync}), flush=True)
    try:
        model = train(task, workdir, strategy=strategy, verbose=2, fresh=fresh)
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 2
    np.savez(weights_path, *model.get_weights())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
