"""train -> evaluate -> export for any set of tasks, the tasks each one requires trained first.

The one place that runs tasks: the command line and `make demo` call it, and a task never
trains another. Each step records where the task is in `<workdir>/<task>/progress.json`
(`zoo.progress`), which the demo shows live.

    flow = Workflow("models", "exports")
    flow.train(flow.task("chatbot", ["lora_rank=4"]))   # what it requires first, then resumes or trains it
    flow.evaluate("chatbot")                     # metrics.json, tables and figures
    flow.export("chatbot", precision="float16")  # the next TF Serving version, verified
    flow.build([Step("chatbot", "untrained"), Step("conv_autoencoder", "served"), Step("chatbot")])
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import traceback
from pathlib import Path
from typing import Iterator, Sequence

import keras
import tensorflow as tf

from zoo.config import TaskConfig
from zoo.distribution import is_chief
from zoo.errors import ZooError
from zoo.io import file_sha256, locked
from zoo.progress import ProgressFile
from zoo.registry import get_task
from zoo.task import Task
from zoo.training import RunDirectory, load_model, run_directory, train

CONTAINER_CONFIG = "models.config"
"""The exports' model config for a TF Serving container that mounts them at `/models`."""
LOCAL_CONFIG = "models.local.config"
"""The exports' model config for a server on this machine (absolute base paths)."""
CONTAINER_MODEL_ROOT = "/models"
CONFIG_LOCK = ".models.config.lock"
"""Held while the model configs are rewritten, by workflows in any process."""
RUN_LOCK = ".lock"
"""Held in a run directory while a workflow builds or trains its task there."""
TOLERANCES = {"float32": (1e-5, 1e-5), "float16": (1e-2, 1e-2), "bfloat16": (5e-2, 5e-2)}
"""(rtol, atol) of the reloaded export against the in-process model, by serving precision."""


def task_in(workdir: str | Path, task_name: str, config: TaskConfig | dict | None = None) -> Task:
    """Task `task_name` as configured by `config` (default: its run's saved config, else the
    registered defaults), depending on the runs in `workdir` of the tasks it `requires()`."""
    task = get_task(task_name, run_directory(workdir, task_name).saved_config() if config is None else config)
    needed = task.requires()
    if not needed:
        return task
    return get_task(task_name, task.config, dependencies={name: run_directory(workdir, name).model for name in needed})


def load_trained(task_name: str, workdir: str | Path = "models") -> tuple[Task, keras.Model]:
    """The task as it was configured for training, and its trained model."""
    run = run_directory(workdir, task_name)
    if run.saved_config() is None or not run.model.exists():
        raise ZooError(
            f"{task_name} has no trained model in {run.root}; run `python -m zoo train {task_name}` first"
        )
    return task_in(workdir, task_name), load_model(run.model)


STAGES = ("untrained", "served", "current")
"""What a `Step` brings its task to: an export of its untrained model (pretrained weights) if it
has no export yet; a trained model, exported (evaluation left for a later step); or trained,
evaluated and exported."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One item of `Workflow.build`: bring task `name` to `stage` (one of `STAGES`)."""

    name: str
    stage: str = "current"

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ZooError(f"step {self.name}:{self.stage}: the stage is one of {', '.join(STAGES)}")


class Workflow:
    """Runs tasks under `workdir` (one run directory per task) and exports them under `exports`,
    each export checked in a fresh process unless `verify` is False."""

    def __init__(self, workdir: str | Path = "models", exports: str | Path = "exports", verbose: int | str = "auto",
                 verify: bool = True):
        self.workdir = Path(workdir)
        self.exports = Path(exports)
        self.verbose = verbose
        self.verify = verify
        self._digests: dict[tuple[str, int, int], str] = {}
        self._locked_runs: set[str] = set()

    def run(self, name: str) -> RunDirectory:
        return run_directory(self.workdir, name)

    def task(self, name: str, overrides: Sequence[str] = (), fresh: bool = False) -> Task:
        """Task `name` as its run was configured (registered defaults for a new or `fresh` run),
        with `overrides` ("key=value") applied, depending on the runs here of what it requires."""
        config = get_task(name, None if fresh else self.run(name).saved_config()).config
        if overrides:
            config = config.replace_from_strings(list(overrides))
        return task_in(self.workdir, name, config)

    @contextlib.contextmanager
    def run_lock(self, name: str, wait: bool = True) -> Iterator[bool]:
        """Hold task `name`'s run lock (`RUN_LOCK`) for the block: a workflow in another process
        asking for it waits. Asked for again inside the block, it is already held. With
        `wait=False`, a lock another process holds is not waited for (see `zoo.io.locked`): the
        context value says whether it is held."""
        if name in self._locked_runs:
            yield True
            return
        with locked(self.run(name).root / RUN_LOCK, wait=wait) as held:
            if held:
                self._locked_runs.add(name)
            try:
                yield held
            finally:
                self._locked_runs.discard(name)

    def is_trained(self, task: Task) -> bool:
        """Whether `task`'s run is finished with exactly this config."""
        run = self.run(task.name)
        return run.model.is_file() and not run.backup.exists() and run.saved_config() == json.loads(task.config.to_json())

    def train(self, task: Task, *, fresh: bool = False, strategy: tf.distribute.Strategy | None = None) -> keras.Model:
        """Train `task` (see `task()`), resuming an interrupted run, after the tasks it requires.
        The run's lock is held meanwhile (by the chief of a multi-worker run): a workflow in
        another process asking for the same run waits, then loads what this one trained."""
        for required in task.requires():
            if not self.is_trained(self.task(required)):
                self.train(self.task(required), strategy=strategy)
        progress = ProgressFile(self.run(task.name).progress)
        strategy = strategy or tf.distribute.get_strategy()
        lock = self.run_lock(task.name) if is_chief(strategy) else contextlib.nullcontext()
        with lock:   # a multi-worker run's other workers write nothing there, and must not wait for the chief
            model = train(task, self.workdir, fresh=fresh, verbose=self.verbose, strategy=strategy,
                          callbacks=[progress.callback(task.config.epochs)])
        progress.update(phase="trained", message="", seconds_left=None)
        return model

    def evaluate(self, name: str) -> Path:
        """Measure the trained task; write metrics.json, tables and figures; return their directory."""
        task, model = load_trained(name, self.workdir)
        out = self.run(name).evaluation
        out.mkdir(parents=True, exist_ok=True)
        report = task.evaluate(model, out)
        (out / "metrics.json").write_text(json.dumps(report.metrics, indent=2, sort_keys=True))
        print(f"{name}:")
        for key, value in report.metrics.items():
            print(f"  {key}: {value:.6g}")
        for table_name, table in report.tables.items():
            (out / f"{table_name}.md").write_text(table + "\n")
            print(f"\n{table_name}:\n{table}")
        print("\nwrote " + ", ".join(str(p) for p in [out / "metrics.json", *report.files]))
        return out

    def export(self, name: str, precision: str = "float32", verify: bool | None = None, *, untrained: bool = False):
        """Export the trained task (or, `untrained`, its freshly built model) as the next version
        under `exports/<task>`, and list it in both model configs (`verify` defaults to the
        workflow's). Returns the export result."""
        from serving.export.exporter import ExportError, export
        from serving.export.model_config import add_model
        from serving.export.verify import Tolerance

        if untrained:
            task = self.task(name)
            model, digest = task.build_model(), None
        else:
            task, model = load_trained(name, self.workdir)
            digest = self.model_digest(name)
        served = task.serving_model(model, precision)
        base = self.exports / name
        metadata = {"task": name, "config": task.config.to_dict(), "precision": precision,
                    "model_sha256": digest, "weights": "untrained" if untrained else "trained"}
        try:
            result = export(served, task.endpoints(served), base, model_name=name,
                            tolerance=Tolerance(*TOLERANCES[precision]), verify=self.verify if verify is None else verify,
                            metadata=metadata)
        except ExportError as error:
            raise ZooError(str(error)) from error
        with locked(self.exports / CONFIG_LOCK):   # another workflow may be adding its model
            add_model(self.exports / CONTAINER_CONFIG, name, f"{CONTAINER_MODEL_ROOT}/{name}")
            add_model(self.exports / LOCAL_CONFIG, name, str(base.resolve()))
        print(f"exported {name} version {result.version} to {result.path} in {result.seconds:.1f} s "
              f"(signatures: {', '.join(result.signatures)})")
        if result.verification is not None:
            print("\n".join(result.verification.lines()))
        return result

    def latest_export(self, name: str) -> dict | None:
        """The metadata of task `name`'s newest export, or None without one."""
        from serving.export.exporter import METADATA_FILE, versions

        base = self.exports / name
        found = versions(base)
        if not found:
            return None
        metadata = base / str(found[-1]) / METADATA_FILE
        return json.loads(metadata.read_text()) if metadata.is_file() else {}

    def model_digest(self, name: str) -> str:
        """sha256 of task `name`'s trained model file, read once per version of the file."""
        model = self.run(name).model
        stat = model.stat()
        key = (str(model), stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            self._digests[key] = file_sha256(model)
        return self._digests[key]

    def is_evaluated(self, name: str) -> bool:
        """Whether task `name`'s evaluation is of its current trained model."""
        run, metrics = self.run(name), self.run(name).evaluation / "metrics.json"
        return metrics.is_file() and run.model.is_file() and metrics.stat().st_mtime >= run.model.stat().st_mtime

    def is_exported(self, name: str) -> bool:
        """Whether task `name`'s newest export is of its current trained model."""
        export = self.latest_export(name)
        return export is not None and self.run(name).model.is_file() and \
            export.get("model_sha256") == self.model_digest(name)

    def is_current(self, name: str) -> bool:
        """Whether task `name` is trained, evaluated and exported as configured."""
        return self.is_trained(self.task(name)) and self.is_evaluated(name) and self.is_exported(name)

    def build(self, steps: Sequence[Step]) -> list[str]:
        """Run `steps` in order, recording each task's phase; a failing task is recorded as
        failed and the others go on. A step whose task another process is building is put off
        (with the task's later steps) until the list's end, so that workflows in several
        processes given the same steps share them out. Returns the names that failed."""
        names = list(dict.fromkeys(step.name for step in steps))
        for name in names:
            with self.run_lock(name, wait=False) as held:
                if held:   # else another process is building it, and records its phase
                    ProgressFile(self.run(name).progress).update(
                        phase="ready" if self.is_current(name) else "queued", message="", seconds_left=None)
        failed: list[str] = []
        pending, first_pass = list(steps), True
        while pending:
            put_off: list[Step] = []
            for step in pending:
                if step.name in failed:
                    continue
                if any(other.name == step.name for other in put_off):
                    put_off.append(step)   # a task's steps keep their order
                    continue
                try:
                    if not self._build_step(step, wait=not first_pass and step is pending[0]):
                        put_off.append(step)
                except Exception as error:  # recorded for the demo; the other tasks still get built
                    traceback.print_exc()
                    failed.append(step.name)
                    ProgressFile(self.run(step.name).progress).update(
                        phase="failed", message=f"{type(error).__name__}: {error}", seconds_left=None)
            pending, first_pass = put_off, False
        return failed

    def _build_step(self, step: Step, wait: bool) -> bool:
        """Run `step` under its task's run lock; without `wait`, return False at once when
        another process holds it."""
        with self.run_lock(step.name, wait=wait) as held:
            if held:
                self._build_step_locked(step)
            return held

    def _build_step_locked(self, step: Step) -> None:
        name = step.name
        progress = ProgressFile(self.run(name).progress)
        if step.stage == "untrained":
            if self.latest_export(name) is None and self.task(name).serves_untrained():
                progress.update(phase="exporting", message="the pretrained weights, to serve while fine-tuning")
                self.export(name, untrained=True)
                progress.update(phase="queued", message="serving the pretrained weights; the fine-tune is queued")
            return
        evaluate = step.stage == "current"
        if self.is_trained(self.task(name)) and self.is_exported(name) and (self.is_evaluated(name) or not evaluate):
            progress.update(phase="ready", message="" if self.is_evaluated(name) else "evaluation queued", seconds_left=None)
            return
        print(f"\n== {name}", flush=True)
        self.train(self.task(name))
        if evaluate and not self.is_evaluated(name):
            progress.update(phase="evaluating", message="measuring on held-out data", seconds_left=None)
            self.evaluate(name)
        if not self.is_exported(name):
            progress.update(phase="exporting", message="writing and verifying the SavedModel", seconds_left=None)
            self.export(name)
        progress.update(phase="ready", message="" if self.is_evaluated(name) else "evaluation queued", seconds_left=None)
