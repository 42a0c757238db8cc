"""Which model versions are served: config, file-system polling, loading, unloading, labels.

Plays the part of TF Serving's `ServerCore`: each poll lists the integer version directories
under every model's base path, loads the versions its policy aspires to, and unloads the others
once an aspired version is available (TF Serving's availability-preserving policy), so a broken
new version never takes the serving one down. A version that fails to load is logged, reported
as `END` with its error, and retried only when its files change (a half-written export that is
later completed loads then). With `num_load_threads` > 0 versions load on a pool of that many
threads, so one slow load (a large model's warmup) holds no other model back; with 0 they load
one at a time in the polling thread, as in TF Serving.

    manager = ModelManager()
    manager.apply_config(model_server_config)        # loads what the config asks for
    manager.start_polling(1.0)
    with manager.acquire("mnist", version=None, label="stable") as version:
        outputs = version.run("serving_default", inputs)
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

import grpc
import tensorflow as tf
from tensorflow_serving.config import model_server_config_pb2

from serving.protocol.errors import FailedPrecondition, InvalidArgument, NotFound, ServingError
from serving.server.batching import BatchScheduler
from serving.server.metrics import REGISTRY
from serving.server.servable import InUse, LoadedVersion
from serving.server.version_policy import VersionPolicy, integer_version_dirs

log = logging.getLogger("serving.server.model_manager")

Warmup = Callable[[LoadedVersion], int]


@dataclasses.dataclass
class VersionStatus:
    """A version's `ManagerState` name and, after a failure, its status code and message."""

    state: str
    error_code: grpc.StatusCode = grpc.StatusCode.OK
    error_message: str = ""


@dataclasses.dataclass(frozen=True)
class ManagerOptions:
    """What TF Serving's `ServerCore::Options` set here (defaults: model_servers/server.h:48-110)."""

    max_num_load_retries: int = 5
    load_retry_interval_seconds: float = 60.0
    allow_version_labels_for_unavailable_models: bool = False
    enable_signature_method_name_check: bool = False
    num_load_threads: int = 0


@dataclasses.dataclass
class ServedModel:
    name: str
    base_path: Path
    policy: VersionPolicy
    labels: dict[str, int]
    loaded: dict[int, LoadedVersion] = dataclasses.field(default_factory=dict)
    statuses: dict[int, VersionStatus] = dataclasses.field(default_factory=dict)
    failed_fingerprints: dict[int, tuple] = dataclasses.field(default_factory=dict)
    loading: set[int] = dataclasses.field(default_factory=set)
    warned_empty: bool = False


class ModelManager:
    """Loads, serves and unloads model versions as the config and the file system say."""

    def __init__(self, scheduler: BatchScheduler | None = None, warmup: Warmup | None = None,
                 session_config: tf.compat.v1.ConfigProto | None = None, options: ManagerOptions | None = None):
        self.options = options or ManagerOptions()
        self.scheduler = scheduler
        self.warmup = warmup
        self.session_config = session_config
        self._models: dict[str, ServedModel] = {}
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._load_pool = (concurrent.futures.ThreadPoolExecutor(self.options.num_load_threads, "model-load")
                           if self.options.num_load_threads > 0 else None)

    def apply_config(self, config: model_server_config_pb2.ModelServerConfig) -> None:
        """Serve exactly the models in `config`, returning once the versions found on disk have
        loaded or failed (TF Serving's ReloadConfig waits for them too)."""
        if config.WhichOneof("config") != "model_config_list":
            raise InvalidArgument("ModelServerConfig must contain a model_config_list")
        wanted = {}
        for entry in config.model_config_list.config:
            if entry.model_platform not in ("", "tensorflow"):
                raise InvalidArgument(f"Model {entry.name}: unsupported model_platform {entry.model_platform!r}")
            if entry.name in wanted:
                raise InvalidArgument(f"Illegal to list model {entry.name} multiple times in config list")
            wanted[entry.name] = entry
        with self._poll_lock:
            with self._lock:
                removed = [self._models.pop(name) for name in list(self._models) if name not in wanted]
                for name, entry in wanted.items():
                    policy = VersionPolicy.from_proto(entry.model_version_policy)
                    model = self._models.get(name)
                    if model is None or model.base_path != Path(entry.base_path):
                        if model is not None:
                            removed.append(model)
                        model = self._models[name] = ServedModel(name, Path(entry.base_path), policy, {})
                    model.policy = policy
            for model in removed:
                for version in list(model.loaded):
                    self._unload(model, version)
            started = self._poll_models()
        concurrent.futures.wait(started)
        with self._poll_lock:
            labels = {name: self._checked_labels(self._models[name], entry) for name, entry in wanted.items()}
            with self._lock:
                for name, model_labels in labels.items():
                    self._models[name].labels = model_labels

    def _checked_labels(self, model: ServedModel, entry) -> dict[str, int]:
        """The config's labels for `model`, refused (as server_core.cc:549-590 does) when one points
        at a version that is not available, unless --allow_version_labels_for_unavailable_models
        lets a label that is new, or keeps its version, do so."""
        for label, version in entry.version_labels.items():
            allowed = (self.options.allow_version_labels_for_unavailable_models
                       and model.labels.get(label, version) == version)
            if not allowed and version not in model.loaded:
                raise FailedPrecondition(f"Request to assign label to version {version} of model {model.name}, "
                                         "which is not currently available for inference")
        return dict(entry.version_labels)

    def poll(self) -> None:
        """Look at every base path once and load or unload versions accordingly."""
        with self._poll_lock:
            self._poll_models()

    def start_polling(self, interval_seconds: float) -> None:
        """Poll every `interval_seconds` in a background thread (TF Serving: <= 0 polls no more)."""
        if interval_seconds <= 0:
            return
        def loop() -> None:
            while not self._stop.wait(interval_seconds):
                try:
                    self.poll()
                except Exception:
                    log.exception("file system poll failed")
        self._poller = threading.Thread(target=loop, name="file-system-poller", daemon=True)
        self._poller.start()

    def stop(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
        if self._load_pool is not None:
            self._load_pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            models = list(self._models.values())
        for model in models:
            for version in list(model.loaded):
                self._unload(model, version, wait=True)

    def model_names(self) -> list[str]:
        with self._lock:
            return sorted(self._models)

    def resolve(self, name: str, version: int | None = None, label: str | None = None) -> LoadedVersion:
        """The loaded version a request names (latest when neither version nor label is given)."""
        with self._lock:
            return self._resolve_locked(name, version, label)

    def _resolve_locked(self, name: str, version: int | None, label: str | None) -> LoadedVersion:
        if version is not None and label:
            raise InvalidArgument(f"Both model version ({version}) and model version label ({label}) cannot be supplied.")
        model = self._models.get(name)
        version = self._labelled_version(model, version, label)
        if model is None or not model.loaded:
            raise NotFound(_not_found(name, version))
        if version is None:
            return model.loaded[max(model.loaded)]
        if version not in model.loaded:
            raise NotFound(_not_found(name, version))
        return model.loaded[version]

    @staticmethod
    def _labelled_version(model: ServedModel | None, version: int | None, label: str | None) -> int | None:
        if not label:
            return version
        if model is None or label not in model.labels:
            raise InvalidArgument(f"Unrecognized servable version label: {label}")
        return model.labels[label]

    def acquire(self, name: str, version: int | None = None, label: str | None = None) -> InUse:
        """Resolve a version and hold it for the duration of a request (`with manager.acquire(...) as v:`)."""
        with self._lock:
            return self._resolve_locked(name, version, label).in_use()

    def statuses(self, name: str, version: int | None = None) -> dict[int, VersionStatus]:
        """Version -> status for `name`, newest first, as GetModelStatus reports it (a version label
        is not looked at there: get_model_status_impl.cc:80-112; the version map is ordered by
        std::greater: core/servable_state_monitor.h:68)."""
        with self._lock:
            model = self._models.get(name)
            if model is None or not model.statuses:
                raise NotFound(f"Could not find any versions of model {name}")
            if version is not None:
                if version not in model.statuses:
                    raise NotFound(f"Could not find version {version} of model {name}")
                return {version: dataclasses.replace(model.statuses[version])}
            return {v: dataclasses.replace(s) for v, s in sorted(model.statuses.items(), reverse=True)}

    def unavailable_models(self) -> list[str]:
        """Models with no version serving because their versions failed to load, described as TF
        Serving's WaitUntilModelsAvailable does (model_servers/server_core.cc:328-365)."""
        with self._lock:
            return [f"{{name: {model.name} version: {version}}} due to error: {status.error_message}"
                    for model in self._models.values() if not model.loaded
                    for version, status in sorted(model.statuses.items())
                    if status.error_code != grpc.StatusCode.OK]

    def _poll_models(self) -> list[concurrent.futures.Future]:
        """Start loading every aspired version that is neither loaded nor loading, and unload
        what is superseded; returns the loads started on the pool (none when loading serially)."""
        with self._lock:
            models = list(self._models.values())
        started = []
        for model in models:
            on_disk = integer_version_dirs(model.base_path)
            if not on_disk and not model.warned_empty:
                log.warning("No versions of servable %s found under base path %s", model.name, model.base_path)
            model.warned_empty = not on_disk
            aspired = model.policy.aspired(on_disk)
            for version in aspired:
                if version in model.loaded or version in model.loading:
                    continue
                if self._load_pool is None:
                    self._maybe_load(model, version, on_disk[version])
                else:
                    model.loading.add(version)
                    started.append(self._load_pool.submit(self._load_in_pool, model, version, on_disk[version]))
            self._unload_superseded(model, aspired)
        return started

    def _unload_superseded(self, model: ServedModel, aspired: list[int]) -> None:
        """Unload versions no longer aspired, once an aspired one serves (availability first)."""
        if not aspired or any(version in model.loaded for version in aspired):
            for version in [v for v in model.loaded if v not in aspired]:
                self._unload(model, version)

    def _load_in_pool(self, model: ServedModel, version: int, path: Path) -> None:
        try:
            self._maybe_load(model, version, path)
            with self._poll_lock:
                with self._lock:
                    dropped = self._models.get(model.name) is not model
                if dropped:  # the config removed the model while it loaded
                    self._unload(model, version)
                else:
                    self._unload_superseded(model, model.policy.aspired(integer_version_dirs(model.base_path)))
        except Exception:
            log.exception("loading servable {name: %s version: %d} failed", model.name, version)
        finally:
            model.loading.discard(version)

    def _maybe_load(self, model: ServedModel, version: int, path: Path) -> None:
        fingerprint = _fingerprint(path)
        if model.failed_fingerprints.get(version) == fingerprint:
            return
        model.statuses[version] = VersionStatus("LOADING")
        log.info("Loading servable: {name: %s version: %d} from %s", model.name, version, path)
        started = time.perf_counter()
        loaded = self._load_with_retries(model, version, path)
        if isinstance(loaded, ServingError):
            self._refuse(model, version, fingerprint, loaded)
            return
        if self.warmup is not None:
            try:
                self.warmup(loaded)
            except Exception as error:
                loaded.retire()
                self._refuse(model, version, fingerprint, FailedPrecondition(f"Failed to warm up model {path}: {error}"))
                return
        with self._lock:
            model.loaded[version] = loaded
            model.statuses[version] = VersionStatus("AVAILABLE")
        model.failed_fingerprints.pop(version, None)
        REGISTRY.load_attempts.inc(model_name=model.name, version=str(version), status="OK")
        log.info("Successfully loaded servable version {name: %s version: %d} in %.2f s",
                 model.name, version, time.perf_counter() - started)

    def _load_with_retries(self, model: ServedModel, version: int, path: Path) -> LoadedVersion | ServingError:
        """Load, retrying a failure `max_num_load_retries` times `load_retry_interval` apart
        (TF Serving's LoaderHarness); the last error if every attempt fails."""
        attempts = 1 + self.options.max_num_load_retries
        for attempt in range(1, attempts + 1):
            try:
                return LoadedVersion.load(model.name, version, path, self.scheduler, self.session_config)
            except ServingError as error:
                failure = error
            except Exception as error:
                failure = FailedPrecondition(str(error))
            if attempt < attempts:
                log.info("Retrying load of servable {name: %s version: %d} (retry %d of %d): %s", model.name, version,
                         attempt, attempts - 1, failure.message)
                if self._stop.wait(self.options.load_retry_interval_seconds):
                    break
        return failure

    def _refuse(self, model: ServedModel, version: int, fingerprint: tuple, error: ServingError) -> None:
        log.error("Loading servable: {name: %s version: %d} failed: %s", model.name, version, error.message)
        model.failed_fingerprints[version] = fingerprint
        model.statuses[version] = VersionStatus("END", error.code, error.message)
        REGISTRY.load_attempts.inc(model_name=model.name, version=str(version), status=error.code.name)

    def _unload(self, model: ServedModel, version: int, wait: bool = False) -> None:
        with self._lock:
            loaded = model.loaded.pop(version, None)
            if loaded is None:
                return
            model.statuses[version] = VersionStatus("UNLOADING")
        log.info("Unloading servable version {name: %s version: %d}", model.name, version)

        def retire() -> None:
            loaded.retire()
            model.statuses[version] = VersionStatus("END")
            log.info("Done unloading servable version {name: %s version: %d}", model.name, version)

        if wait:
            retire()
        else:
            threading.Thread(target=retire, name=f"unload-{model.name}-{version}", daemon=True).start()


def _not_found(name: str, version: int | None) -> str:
    spec = f"Latest({name})" if version is None else f"Specific({name}, {version})"
    return f"Servable not found for request: {spec}"


def _fingerprint(path: Path) -> tuple:
    entries = []
    for root, _, files in os.walk(path):
        for file in sorted(files):
            try:
                stat = os.stat(os.path.join(root, file))
            except OSError:
                continue
            entries.append((os.path.relpath(os.path.join(root, file), path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))
