import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

import zoo
from serving.export.exporter import ExportError, export, versions
from serving.export.inspect import inspect_saved_model
from serving.export.verify import same_graph_cases, save_cases, verify_in_subprocess
from serving.saved_model import SessionModel, read_meta_graph, same_graph
from serving.warmup import read_warmup_records
from zoo.endpoint import Endpoint
from zoo.precision import with_precision

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
SIGNATURES = ["decode", "encode", "reconstruct", "reconstruct_image_bytes", "serving_default"]


def test_layout(exported):
    path = exported.path
    assert path.name == "1" and exported.version == 1
    assert (path / "saved_model.pb").is_file() and (path / "variables" / "variables.index").is_file()
    assert (path / "assets.extra" / "tf_serving_warmup_requests").is_file()
    metadata = json.loads((path / "assets.extra" / "export.json").read_text())
    assert metadata["default_signature"] == "reconstruct" and metadata["signatures"] == SIGNATURES
    assert exported.signatures == SIGNATURES
    assert [p.name for p in path.parent.iterdir()] == ["1"], "no temporary directory left behind"


def test_each_weight_is_saved_once(exported, trained_run):
    stored = sorted(tuple(shape) for key, shape in tf.train.list_variables(str(exported.path / "variables" / "variables"))
                    if key != "_CHECKPOINTABLE_OBJECT_GRAPH")
    assert stored == sorted(tuple(weight.shape) for weight in trained_run.model.weights), \
        "one saved value per weight: tracking the Keras model in the export archive saves each a second time"


def test_verification_used_both_loaders_and_every_output(exported):
    report = exported.verification
    assert report.ok and report.path == str(exported.path)
    for loader in ("session loader", "tf.saved_model"):
        checked = {(c.signature, c.output) for c in report.checks if c.loader == loader}
        assert ("reconstruct_image_bytes", "reconstruction_png_bytes") in checked and len(checked) == 8
        assert {signature for signature, _ in checked} == set(SIGNATURES) - {"serving_default"}
    [default] = [c for c in report.checks if c.signature == "serving_default"]
    assert default.loader == "saved graph" and "the same saved function as reconstruct" in default.detail


def test_each_loader_runs_in_a_process_of_its_own(exported, tmp_path, monkeypatch):
    inputs = {"images": np.zeros((1, 8, 8, 1), "float32")}
    cases = {"reconstruct": (inputs, {"reconstructions": np.asarray(exported_outputs(exported, inputs))})}
    save_cases(tmp_path / "cases.npz", cases)
    run = subprocess.run([sys.executable, "-m", "serving.export.verify", str(exported.path), str(tmp_path / "cases.npz"),
                          "--loader", "session"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    checks = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 0 and [(c["loader"], c["signature"], c["output"], c["ok"]) for c in checks] \
        == [("session loader", "reconstruct", "reconstructions", True)]

    started, popen = [], subprocess.Popen

    def spy(*args, **kwargs):   # the real process, noting whether those started before it still run
        started.append((popen(*args, **kwargs), [process.poll() is None for process, _ in started]))
        return started[-1][0]

    monkeypatch.setattr(subprocess, "Popen", spy)
    report = verify_in_subprocess(tmp_path / "no_such_export", cases)
    monkeypatch.undo()
    assert [running for _, running in started] == [[], [True]], "the second loader starts while the first runs"
    assert not report.ok and [(c.loader, c.ok) for c in report.checks] == [("session loader", False), ("tf.saved_model", False)]
    assert all("verification crashed" in c.detail and "no_such_export" in c.detail for c in report.checks)


def exported_outputs(exported, inputs):
    model = SessionModel.load(str(exported.path))
    try:
        return model.run("reconstruct", inputs)["reconstructions"]
    finally:
        model.close()


def test_same_graph_tells_a_signature_from_a_different_one(exported):
    meta_graph = read_meta_graph(exported.path)
    assert same_graph(meta_graph, "serving_default", "reconstruct")
    assert not same_graph(meta_graph, "serving_default", "encode")
    assert not same_graph(meta_graph, "encode", "decode")
    assert not same_graph(meta_graph, "serving_default", "no_such_signature")

    moved = type(meta_graph)()
    moved.CopyFrom(meta_graph)
    outputs = moved.signature_def["serving_default"].outputs
    outputs["codes"].name, outputs["reconstructions"].name = outputs["reconstructions"].name, outputs["codes"].name
    assert not same_graph(moved, "serving_default", "reconstruct"), "outputs swapped on the same call"

    edited = type(meta_graph)()
    edited.CopyFrom(meta_graph)
    call = next(node for node in edited.graph_def.node
                if node.name == edited.signature_def["serving_default"].outputs["reconstructions"].name.split(":")[0])
    wrapper = next(f for f in edited.graph_def.library.function if f.signature.name == call.attr["f"].func.name)
    wrapper.node_def[0].name += "_edited"
    assert not same_graph(edited, "serving_default", "reconstruct"), "a changed function body is a different graph"


def test_a_twin_signature_runs_its_originals_session_callable(exported):
    model = SessionModel.load(exported.path)
    try:
        assert model.twins == {"serving_default": "reconstruct"}
        images = {"images": np.random.default_rng(0).random((2, 8, 8, 1), "float32")}
        named = model.run("reconstruct", images)
        default = model.run("serving_default", images, output_filter=["reconstructions"])
        np.testing.assert_array_equal(default["reconstructions"], named["reconstructions"])
        assert [name for name, _ in model._callables] == ["reconstruct"] * 2, \
            "serving_default is fed and fetched through reconstruct's callables (one per output set)"
    finally:
        model.close()


def test_a_twin_signature_is_run_when_its_case_differs(exported):
    inputs, expected = {"images": np.zeros((1, 8, 8, 1), "float32")}, {"reconstructions": np.zeros((1, 8, 8, 1), "float32")}
    other = {"images": np.ones((1, 8, 8, 1), "float32")}
    assert same_graph_cases(exported.path, {"reconstruct": (inputs, expected), "serving_default": (inputs, expected)}) \
        == {"serving_default": "reconstruct"}
    assert same_graph_cases(exported.path, {"reconstruct": (inputs, expected), "serving_default": (other, expected)}) == {}
    assert same_graph_cases(exported.path, {"encode": (inputs, expected), "serving_default": (inputs, expected)}) == {}


def test_both_reload_paths_match_the_keras_model_on_new_inputs(exported, trained_run):
    images = trained_run.task.split.validation.images[:7]
    expected = trained_run.model.predict(images, verbose=0)
    session_model = SessionModel.load(exported.path)
    try:
        from_session = session_model.run("serving_default", {"images": images})["reconstructions"]
    finally:
        session_model.close()
    from_object = tf.saved_model.load(str(exported.path)).signatures["encode"](images=tf.constant(images))["codes"]
    np.testing.assert_allclose(from_session, expected, atol=1e-5)
    encoder_codes = trained_run.model.get_layer("encoder").predict(images, verbose=0)
    np.testing.assert_allclose(from_object.numpy(), encoder_codes, atol=1e-5)


def test_image_bytes_endpoint_decodes_like_the_float_endpoint(exported, trained_run):
    endpoint = {e.name: e for e in trained_run.task.endpoints(trained_run.model)}["reconstruct_image_bytes"]
    session_model = SessionModel.load(exported.path)
    try:
        served = session_model.run("reconstruct_image_bytes", {"image_bytes": endpoint.examples["image_bytes"]})
        floats = session_model.run("reconstruct", {"images": served["model_inputs"]})
    finally:
        session_model.close()
    np.testing.assert_allclose(served["reconstructions"], floats["reconstructions"], atol=1e-6)
    decoded = tf.io.decode_png(served["reconstruction_png_bytes"][0]).numpy()
    np.testing.assert_allclose(decoded / 255.0, served["reconstructions"][0], atol=1 / 255 + 1e-6)


def test_warmup_records_are_prediction_logs_of_every_signature(exported, trained_run):
    logs = read_warmup_records(exported.path)
    assert sorted(log.predict_log.request.model_spec.signature_name for log in logs) == SIGNATURES
    assert {log.predict_log.request.model_spec.name for log in logs} == {"conv_autoencoder"}
    by_name = {log.predict_log.request.model_spec.signature_name: log.predict_log.request for log in logs}
    images = tf.make_ndarray(by_name["encode"].inputs["images"])
    np.testing.assert_array_equal(images, trained_run.task.split.test.images[:4])


def test_no_device_placement_and_no_custom_ops(exported):
    inspection = inspect_saved_model(exported.path.parent)
    assert inspection.path == exported.path
    assert inspection.placed_nodes == 0 and inspection.custom_ops == {}
    assert inspection.warmup_records == 5
    assert sorted(inspection.signatures) == SIGNATURES
    assert inspection.signatures["encode"].inputs["images"].shape == (None, 8, 8, 1)


def test_versions_count_up_and_ignore_other_directories(trained_run, tmp_path):
    base = tmp_path / "m"
    (base / "not-a-version").mkdir(parents=True)
    (base / "7.bak").mkdir()
    abandoned = base / ".tmp-9-999999-deadbeef"
    abandoned.mkdir()
    endpoints = trained_run.task.endpoints(trained_run.model)[2:3]
    first = export(trained_run.model, endpoints, base, verify=False)
    second = export(trained_run.model, endpoints, base, verify=False)
    assert (first.version, second.version) == (1, 2)
    assert versions(base) == [1, 2]
    assert not abandoned.exists(), "temporaries of dead exports are cleaned up"


def test_an_export_that_does_not_match_leaves_nothing(trained_run, tmp_path):
    model = trained_run.model
    drift = Endpoint(
        "drift",
        lambda images: {"codes": model.get_layer("encoder")(images) + tf.cast(tf.timestamp() % 1000, tf.float32)},
        {"images": tf.TensorSpec((None, 8, 8, 1), tf.float32)},
        {"images": trained_run.task.split.test.images[:2]},
    )
    with pytest.raises(ExportError, match=r"does not match the in-process model:(.|\n)*FAIL session loader +drift.codes"):
        export(model, [drift], tmp_path / "m")
    assert list((tmp_path / "m").iterdir()) == []


def test_bad_arguments_are_refused_before_anything_is_written(trained_run, tmp_path):
    endpoints = trained_run.task.endpoints(trained_run.model)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="exists and is not a directory"):
        export(trained_run.model, endpoints, tmp_path / "file")
    with pytest.raises(ExportError, match="no endpoints"):
        export(trained_run.model, [], tmp_path / "a")
    with pytest.raises(ExportError, match="endpoint names must be unique"):
        export(trained_run.model, [endpoints[0], endpoints[0]], tmp_path / "a")
    assert not (tmp_path / "a").exists() or list((tmp_path / "a").iterdir()) == []


CRASHING_EXPORT = """
import sys, zoo
from serving.export.exporter import export
task = zoo.get_task("dense_autoencoder", code_size=2)
model = task.build_model()
export(model, task.endpoints(model), sys.argv[1])
"""


def test_a_crash_mid_export_leaves_no_version_directory(tmp_path):
    base = tmp_path / "m"
    process = subprocess.Popen([sys.executable, "-c", CRASHING_EXPORT, str(base)], cwd=ROOT,
                               env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(base.glob(".tmp-*/saved_model.pb")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the export finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert versions(base) == [], "a server polling the base path sees no version"
    assert [p.name.startswith(".tmp-") for p in base.iterdir()] == [True]


def test_mixed_precision_export_states_and_meets_its_tolerance(trained_run, tmp_path):
    from serving.export.verify import Tolerance

    half = with_precision(trained_run.model, "float16")
    assert half.get_layer("encoder").layers[1].dtype_policy.name == "mixed_float16"
    assert half.get_layer("encoder").layers[1].kernel.dtype == "float32"
    result = export(half, trained_run.task.endpoints(half)[:1], tmp_path / "m", tolerance=Tolerance(1e-2, 1e-2))
    assert result.verification.ok and "rtol=0.01, atol=0.01" in result.verification.lines()[0]
    images = trained_run.task.split.test.images[:16]
    served = SessionModel.load(result.path).run("serving_default", {"images": images})["reconstructions"]
    assert served.dtype == np.float32
    full = trained_run.model.predict(images, verbose=0)
    difference = np.abs(served - full).max()
    assert 0 < difference < 1e-2, "computed in float16, close to the float32 model"


def test_every_autoencoder_task_exports_without_training(tmp_path):
    for name in (name for name, entry in zoo.registry.entries().items() if entry.family == "autoencoders"):
        task = zoo.get_task(name, code_size=2)
        model = task.build_model()
        result = export(model, task.endpoints(model), tmp_path / name, verify=False)
        assert "serving_default" in result.signatures
