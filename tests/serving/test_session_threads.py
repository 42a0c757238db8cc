"""TF Serving's session thread flags: which pool sizes each combination gives, and that the
sessions a server loads get them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from serving.server.model_manager import ModelManager
from serving.server.model_server import build_parser, read_model_server_config, session_config


def pools(*flags: str) -> tuple[int, int]:
    config = session_config(build_parser().parse_args(list(flags)))
    return config.intra_op_parallelism_threads, config.inter_op_parallelism_threads


def test_flag_combinations_follow_tf_serving():
    assert pools() == (0, 0)
    assert pools("--tensorflow_session_parallelism=3") == (3, 3)
    assert pools("--tensorflow_intra_op_parallelism=2") == (2, 0)
    assert pools("--tensorflow_session_parallelism=3", "--tensorflow_inter_op_parallelism=1") == (0, 1)
    with pytest.raises(ValueError, match="You cannot configure all"):
        pools("--tensorflow_session_parallelism=3", "--tensorflow_intra_op_parallelism=1",
              "--tensorflow_inter_op_parallelism=1")


def test_loaded_sessions_use_the_configured_pools(fixtures_dir, tmp_path):
    config = session_config(build_parser().parse_args(
        ["--tensorflow_intra_op_parallelism=1", "--tensorflow_inter_op_parallelism=2"]))
    manager = ModelManager(session_config=config)
    models = tmp_path / "models.config"
    models.write_text(f'model_config_list {{ config {{ name: "dense" base_path: "{fixtures_dir}/dense" }} }}\n')
    manager.apply_config(read_model_server_config(models))
    try:
        with manager.acquire("dense") as version:
            used = version.model.session._config  # what tf.compat.v1.Session was created with
            assert (used.intra_op_parallelism_threads, used.inter_op_parallelism_threads) == (1, 2)
    finally:
        manager.stop()


def test_the_flags_size_a_fresh_process_pools_and_refuse_once_tensorflow_has_run():
    script = ("import tensorflow as tf\n"
              "from serving.server.model_server import size_thread_pools\n"
              "size_thread_pools(tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=3))\n"
              "print(tf.config.threading.get_intra_op_parallelism_threads(), tf.config.threading.get_inter_op_parallelism_threads())\n"
              "tf.constant(1.0) * 2.0\n"
              "try:\n"
              "    size_thread_pools(tf.compat.v1.ConfigProto(intra_op_parallelism_threads=2))\n"
              "except ValueError as error:\n"
              "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            cwd=Path(__file__).resolve().parents[2])
    first, second = result.stdout.strip().splitlines()[-2:]
    assert first == "1 3"
    assert second.startswith("TensorFlow already sized its thread pools in this process")
