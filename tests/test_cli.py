"""The command line, run as a user runs it: `python -m zoo ...` in a subprocess."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoo.errors import ZooError

ROOT = Path(__file__).resolve().parent.parent


def zoo_cli(*args, cwd=ROOT, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "zoo", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_unknown_task():
    result = zoo_cli("train", "nope")
    assert result.returncode == 2
    assert "error: unknown task 'nope'; available: conv_autoencoder" in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_before_training_says_what_to_run(tmp_path):
    result = zoo_cli("evaluate", "dense_autoencoder", "--workdir", tmp_path)
    assert result.returncode == 2
    assert "dense_autoencoder has no trained model" in result.stderr
    assert "run `python -m zoo train dense_autoencoder` first" in result.stderr


def test_bad_config_value(tmp_path):
    result = zoo_cli("train", "dense_autoencoder", "--workdir", tmp_path, "--set", "kind=pca")
    assert result.returncode == 2 and "'kind' must be one of" in result.stderr


def test_corrupt_checkpoint_on_export(tmp_path):
    run = tmp_path / "dense_autoencoder"
    run.mkdir()
    (run / "config.json").write_text('{"kind": "dense"}')
    (run / "model.keras").write_bytes(b"\x00" * 100)
    result = zoo_cli("export", "dense_autoencoder", "--workdir", tmp_path, "--exports", tmp_path / "exports")
    assert result.returncode == 2
    assert "model.keras is not a Keras model archive (corrupt or truncated)" in result.stderr
    assert not (tmp_path / "exports").exists()


def test_inspect_missing_path(tmp_path):
    result = subprocess.run([sys.executable, "-m", "serving", "inspect", tmp_path / "nothing"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_train_export_list_inspect(tmp_path):
    workdir, exports = tmp_path / "models", tmp_path / "exports"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    both = [subprocess.Popen([sys.executable, "-m", "zoo", "train", "dense_autoencoder", "--workdir", str(workdir),
                              "--epochs", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=300)[0] for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert (workdir / "dense_autoencoder" / "model.keras").is_file()
    with open(workdir / "dense_autoencoder" / "history.csv") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["0", "1"], \
            "two trainings of one run at once: one trains it (one row per epoch), the other waits and loads it"
    assert sum("Epoch 1/2" in output for output in outputs) == 1, outputs
    exported = zoo_cli("export", "dense_autoencoder", "--workdir", workdir, "--exports", exports)
    assert exported.returncode == 0, exported.stderr
    assert "exported dense_autoencoder version 1" in exported.stdout
    assert "ok  session loader" in exported.stdout and "FAIL" not in exported.stdout
    config = (exports / "models.config").read_text()
    assert 'name: "dense_autoencoder"' in config and 'base_path: "/models/dense_autoencoder"' in config
    assert str((exports / "dense_autoencoder").resolve()) in (exports / "models.local.config").read_text()
    listed = zoo_cli("list", "--workdir", workdir, "--exports", exports)
    row = next(line for line in listed.stdout.splitlines() if line.startswith("dense_autoencoder"))
    assert row.split()[2:4] == ["yes", "v1"]
    inspected = subprocess.run([sys.executable, "-m", "serving", "inspect", exports / "dense_autoencoder"],
                               cwd=ROOT, capture_output=True, text=True)
    assert "signature 'reconstruct_image_bytes'" in inspected.stdout
    assert "custom ops: none" in inspected.stdout


def test_the_console_gets_no_tensorflow_start_up_notices(tmp_path):
    quiet = zoo_cli("list", "--workdir", tmp_path)
    assert quiet.returncode == 0
    assert "absl::InitializeLog" not in quiet.stderr and "oneDNN" not in quiet.stderr, quiet.stderr
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    asked = subprocess.run([sys.executable, "-m", "zoo", "list", "--workdir", tmp_path], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert "oneDNN" in asked.stderr, "TF_CPP_MIN_LOG_LEVEL below 3 still shows TensorFlow's notices"


def test_build_serves_first_evaluates_later_and_records_each_phase(tmp_path):
    import zoo
    from zoo.progress import read_progress

    workdir, exports = tmp_path / "models", tmp_path / "exports"
    run, bad = workdir / "dense_autoencoder", workdir / "denoising_autoencoder"
    for path in (run, bad):
        path.mkdir(parents=True)
        (path / "config.json").write_text(zoo.get_task(path.name, epochs=2, comparison_code_sizes=[]).config.to_json())
    (bad / "model.keras").write_bytes(b"\x00" * 100)

    result = zoo_cli("build", "denoising_autoencoder:served", "dense_autoencoder:served", "--workdir", workdir,
                     "--exports", exports)
    assert result.returncode == 2 and "could not build denoising_autoencoder" in result.stderr, result.stderr
    failed = read_progress(bad / "progress.json")
    assert failed.phase == "failed" and "not a Keras model archive" in failed.message
    served = read_progress(run / "progress.json")
    assert served.phase == "ready" and served.message == "evaluation queued"
    assert served.epochs == 2 and [round(x) for x, _ in served.val_loss] == [1, 2]
    assert (exports / "dense_autoencoder" / "1" / "saved_model.pb").is_file()
    assert "dense_autoencoder" in (exports / "models.local.config").read_text()
    assert not (run / "evaluation" / "metrics.json").exists(), "a served step leaves the evaluation for later"
    trained = (run / "model.keras").stat().st_mtime_ns

    evaluated = zoo_cli("build", "dense_autoencoder", "--workdir", workdir, "--exports", exports)
    assert evaluated.returncode == 0, evaluated.stderr
    assert (run / "evaluation" / "metrics.json").is_file()
    assert (run / "model.keras").stat().st_mtime_ns == trained, "the evaluation step does not retrain"
    assert not (exports / "dense_autoencoder" / "2").exists(), "nor export again"
    assert read_progress(run / "progress.json").message == ""

    again = zoo_cli("build", "dense_autoencoder", "--workdir", workdir, "--exports", exports)
    assert again.returncode == 0 and "== dense_autoencoder" not in again.stdout, "a current task is not rebuilt"
    assert not (exports / "dense_autoencoder" / "2").exists()


def test_build_refuses_an_unknown_step(tmp_path):
    result = zoo_cli("build", "dense_autoencoder:later", "--workdir", tmp_path)
    assert result.returncode == 2 and "the stage one of untrained, served, current" in result.stderr


def test_a_port_is_free_again_as_soon_as_its_server_stops():
    import socket

    from zoo.cli.quickstart import ensure_port_free

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    with pytest.raises(ZooError, match=f"port {port} is in use"):
        ensure_port_free(port)
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its side of the connection waits in TIME_WAIT
    client.close()
    listener.close()
    ensure_port_free(port)


def test_make_demo_builds_the_chatbot_beside_the_other_tasks():
    from zoo.cli.quickstart import demo_workers

    workers = demo_workers(["chatbot", "bert_sentiment", "conv_autoencoder", "image_classifier"])
    ordered = ["image_classifier", "conv_autoencoder", "bert_sentiment"]   # quick and striking first
    shared = [(name, stage) for stage in ("untrained", "served", "current") for name in ordered] + [("chatbot", "current")]
    assert [(step.name, step.stage) for step in workers["worker.log"]] == shared, \
        "every model served before any evaluation, the chatbot's included"
    assert [(step.name, step.stage) for step in workers["worker-chatbot.log"]] == \
        [("chatbot", "untrained"), ("chatbot", "served")] + shared, "then it shares the other worker's steps"
    assert list(workers) == ["worker.log", "worker-chatbot.log"]
    assert list(demo_workers(["conv_autoencoder"])) == ["worker.log"]
    assert [step.stage for step in demo_workers(["chatbot"])["worker-chatbot.log"]] == ["untrained", "served", "current"]
