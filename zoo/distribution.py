"""Distribution strategies by name: TensorFlow's own `tf.distribute`, created once per process.

    strategy = create_strategy("mirrored", cpu_devices=2)   # 2 replicas on this machine's CPU
    train(task, "models", strategy=strategy)                 # model, optimizer, metrics in its scope

Names:
    default       no distribution (`tf.distribute.get_strategy()`).
    mirrored      `MirroredStrategy` over the local GPUs, or over `cpu_devices` logical CPUs.
    multi_worker  `MultiWorkerMirroredStrategy` from the `TF_CONFIG` environment variable, one
                  process per machine (loopback ports work for a local trial).
    tpu           `TPUStrategy` on the Cloud TPU named by `TPU_NAME` (empty: the local TPU VM).

The task's `batch_size` is the global batch: each of the N replicas gets batch_size / N
examples a step, so changing the strategy keeps the optimisation the same. Training data is
sharded across workers by tf.data auto-sharding on its elements (`AutoShardPolicy.DATA`):
every worker reads the same pipeline and keeps its share of each global batch.

TensorFlow allows one strategy per process (a second fails in its collectives), so asking for
another kind than the one already created is an error; the same kind returns the same object.
"""
from __future__ import annotations

import json
import os

import tensorflow as tf

from zoo.errors import ZooError

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")

_created: dict[str, tf.distribute.Strategy] = {}


def create_strategy(name: str = "default", cpu_devices: int = 0) -> tf.distribute.Strategy:
    """The process's strategy of kind `name`; `cpu_devices` > 1 splits the CPU into that many
    logical devices first (only possible before TensorFlow has run anything)."""
    if name not in STRATEGIES:
        raise ZooError(f"unknown strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
    if name in _created:
        return _created[name]
    if _created:
        raise ZooError(
            f"this process already uses the {next(iter(_created))!r} strategy; TensorFlow supports one "
            f"strategy per process, so run {name!r} in a new process"
        )
    if cpu_devices > 1:
        split_cpu(cpu_devices)
    strategy = _BUILDERS[name]()
    _created[name] = strategy
    return strategy


def split_cpu(count: int) -> list[str]:
    """Make the CPU appear as `count` logical devices, so `mirrored` has replicas without GPUs."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration()] * count
    if tf.config.get_logical_device_configuration(cpu) != wanted:
        try:
            tf.config.set_logical_device_configuration(cpu, wanted)
        except RuntimeError as error:
            raise ZooError(
                f"cannot split the CPU into {count} devices once TensorFlow is running ({error}); "
                "create the strategy first thing in the process"
            ) from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def _mirrored() -> tf.distribute.Strategy:
    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    devices = [d.name for d in gpus] if gpus else [d.name for d in cpus]
    return tf.distribute.MirroredStrategy(devices)


def _multi_worker() -> tf.distribute.Strategy:
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ZooError(
            'multi_worker needs TF_CONFIG, e.g. {"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            '"task": {"type": "worker", "index": 0}} (index = this process\'s place in the list)'
        )
    try:
        cluster = json.loads(raw)
        workers = cluster["cluster"]["worker"]
        index = cluster["task"]["index"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ZooError(f"TF_CONFIG must be JSON with cluster.worker and task.index; got {raw!r} ({error})") from error
    if not 0 <= index < len(workers):
        raise ZooError(f"TF_CONFIG task.index {index} is outside its {len(workers)} workers")
    return tf.distribute.MultiWorkerMirroredStrategy()


def _tpu() -> tf.distribute.Strategy:
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", ""))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as error:
        raise ZooError(
            f"no TPU reachable ({type(error).__name__}: {error}); on a Cloud TPU VM leave TPU_NAME unset, "
            "elsewhere set TPU_NAME to the TPU's name or grpc:// address"
        ) from error
    return tf.distribute.TPUStrategy(resolver)


_BUILDERS = {
    "default": tf.distribute.get_strategy,
    "mirrored": _mirrored,
    "multi_worker": _multi_worker,
    "tpu": _tpu,
}


def is_multi_worker(strategy: tf.distribute.Strategy) -> bool:
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True for the one process that writes shared files: worker 0, or the only process."""
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def shard_by_data(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """Auto-shard `dataset` by elements across workers (in-memory pipelines have no files)."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def describe(strategy: tf.distribute.Strategy) -> str:
    """'MirroredStrategy, 2 replicas' and the like, for logs."""
    return f"{type(strategy).__name__}, {strategy.num_replicas_in_sync} replica{'s' * (strategy.num_replicas_in_sync != 1)}"
