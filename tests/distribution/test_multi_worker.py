"""MultiWorkerMirroredStrategy with two worker processes on loopback ports: they train in
lockstep, end with the same weights, and a run whose worker is killed resumes from the backup."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from distribution_helpers import FACES_AUTOENCODER, free_ports, load_weights, max_difference, tf_config, worker_command

EPOCHS = 12


def start_workers(workdir: Path, out: Path, ports: list[int], epochs: int, *flags: str) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            worker_command("multi_worker", 0, workdir, out / f"worker-{index}.npz", *FACES_AUTOENCODER, f"epochs={epochs}",
                           *flags),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_CONFIG": tf_config(ports, index)},
        )
        for index in range(len(ports))
    ]


def finish(workers: list[subprocess.Popen], timeout: float = 300) -> list[tuple[int, str, str]]:
    return [(w.wait(timeout=timeout), *w.communicate()) for w in workers]


def saved_epoch(backup: Path) -> int:
    try:
        return json.loads((backup / "training_metadata.json").read_text())["epoch"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def test_two_workers_train_in_lockstep_and_survive_a_killed_worker(tmp_path):
    run = tmp_path / "models" / "dense_autoencoder"
    ports = free_ports(2)
    workers = start_workers(tmp_path / "models", tmp_path, ports, EPOCHS)
    deadline = time.monotonic() + 240
    while saved_epoch(run / "backup") < 3:
        assert time.monotonic() < deadline, "no backup of epoch 3 within 4 minutes"
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        time.sleep(0.2)
    workers[1].send_signal(signal.SIGKILL)
    (chief_code, _, chief_err), (killed_code, _, _) = finish(workers, timeout=120)
    assert killed_code == -signal.SIGKILL
    assert chief_code == 2
    assert "a worker of the cluster stopped" in chief_err and "start every worker again" in chief_err
    interrupted_at = saved_epoch(run / "backup")
    assert 3 <= interrupted_at < EPOCHS
    assert not (run / "model.keras").exists()

    results = finish(start_workers(tmp_path / "models", tmp_path, free_ports(2), EPOCHS))
    for code, out, err in results:
        assert code == 0, err[-3000:]
        epochs_run = [line for line in out.splitlines() if line.startswith("Epoch ")]
        assert epochs_run[0] == f"Epoch {interrupted_at + 1}/{EPOCHS}"
        assert len(epochs_run) == EPOCHS - interrupted_at
    chief, other = load_weights(tmp_path / "worker-0.npz"), load_weights(tmp_path / "worker-1.npz")
    assert max_difference(chief, other) == 0.0
    history = (run / "history.csv").read_text().splitlines()
    assert [int(line.split(",")[0]) for line in history[1:]] == list(range(EPOCHS))
    assert float(history[-1].split(",")[1]) < 0.5 * float(history[1].split(",")[1])
    assert (run / "model.keras").is_file() and not (run / "backup").exists()


def test_a_fresh_run_over_an_interrupted_one_starts_over_on_every_worker(tmp_path):
    run = tmp_path / "models" / "dense_autoencoder"
    workers = start_workers(tmp_path / "models", tmp_path, free_ports(2), EPOCHS)
    deadline = time.monotonic() + 240
    while saved_epoch(run / "backup") < 2:
        assert time.monotonic() < deadline, "no backup of epoch 2 within 4 minutes"
        time.sleep(0.2)
    for worker in workers:
        worker.send_signal(signal.SIGKILL)
    finish(workers)
    assert saved_epoch(run / "backup") >= 2

    fresh_epochs = 3
    for code, out, err in finish(start_workers(tmp_path / "models", tmp_path, free_ports(2), fresh_epochs, "--fresh")):
        assert code == 0, err[-3000:]
        assert [line for line in out.splitlines() if line.startswith("Epoch ")] == [
            f"Epoch {epoch}/{fresh_epochs}" for epoch in range(1, fresh_epochs + 1)]
    assert max_difference(load_weights(tmp_path / "worker-0.npz"), load_weights(tmp_path / "worker-1.npz")) == 0.0
    history = (run / "history.csv").read_text().splitlines()
    assert [int(line.split(",")[0]) for line in history[1:]] == list(range(fresh_epochs))
