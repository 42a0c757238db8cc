"""The workflow's record of what is current, and its locks: a model file's digest follows the
file; a run's lock makes another process wait (tests/test_cli.py trains one run from two), and
a build puts a task another process is building off until the end of its list."""
import os
import subprocess
import sys
import threading
from pathlib import Path

from zoo.io import file_sha256, locked
from zoo.workflow import Step, Workflow

ROOT = Path(__file__).resolve().parent.parent


def test_a_model_digest_is_of_the_file_as_it_is_now(tmp_path):
    flow = Workflow(tmp_path / "models", tmp_path / "exports")
    model = flow.run("dense_autoencoder").model
    model.parent.mkdir(parents=True)
    model.write_bytes(b"first weights")
    first = flow.model_digest("dense_autoencoder")
    assert first == file_sha256(model) == flow.model_digest("dense_autoencoder")
    model.write_bytes(b"retrained weights")
    os.utime(model, ns=(model.stat().st_atime_ns, model.stat().st_mtime_ns + 1_000_000))
    assert flow.model_digest("dense_autoencoder") == file_sha256(model) != first


def test_a_lock_makes_another_process_wait_until_it_is_released(tmp_path):
    lock = tmp_path / "run" / ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from zoo.io import locked\n"
         f"with locked(Path({str(lock)!r})):\n    print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with locked(lock, wait=False) as held:
            assert held is False, "not waiting, the block runs without the lock another process holds"
        entered = threading.Event()

        def wait_for_the_lock():
            with locked(lock):
                entered.set()

        waiter = threading.Thread(target=wait_for_the_lock, daemon=True)
        waiter.start()
        assert not entered.wait(1.0), "the lock was taken while another process held it"
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert entered.wait(30), "the lock was not taken once released"
        waiter.join(30)
        with locked(lock, wait=False) as held:
            assert held is True
    finally:
        holder.kill()


def test_a_build_puts_off_the_task_another_process_is_building(tmp_path):
    """Two workers given the same steps share them out: one that finds a task's run locked
    builds the next task, and comes back for the locked one (its steps in order) once it is free."""
    flow = Workflow(tmp_path / "models", tmp_path / "exports")
    lock = flow.run("dense_autoencoder").root / ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from zoo.io import locked\n"
         f"with locked(Path({str(lock)!r})):\n    print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    built = []

    def build_step(step):   # stands in for training and exporting; the locks are real
        built.append((step.name, step.stage))
        if step.name == "conv_autoencoder":
            holder.stdin.write("release\n")
            holder.stdin.flush()

    flow._build_step_locked = build_step
    steps = [Step("dense_autoencoder", "served"), Step("conv_autoencoder", "served"),
             Step("dense_autoencoder"), Step("conv_autoencoder")]
    result = {}
    builder = threading.Thread(target=lambda: result.update(failed=flow.build(steps)), daemon=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        builder.start()
        builder.join(120)
        stuck = builder.is_alive()
    finally:
        holder.kill()   # frees the lock, so a build stuck waiting for it ends too
        builder.join(60)
    assert not stuck, "the build waited for the locked task instead of building the next one"
    assert result["failed"] == []
    assert built == [("conv_autoencoder", "served"), ("conv_autoencoder", "current"),
                     ("dense_autoencoder", "served"), ("dense_autoencoder", "current")]
