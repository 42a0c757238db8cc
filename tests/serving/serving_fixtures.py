"""Fixture SavedModels for the serving conformance suite, and the model config that serves them.

    PYTHONPATH=. python tests/serving/serving_fixtures.py /tmp/fixtures [--server-root /models]

writes the exports and `/tmp/fixtures/models.config` (base paths under `--server-root`, for a
real TF Serving that mounts the directory elsewhere). The suite imports the same builders to
compute every expected output in-process.

    dense_model(2)(features)       # what version 2 of "dense" must answer
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from serving.warmup import write_warmup_records

DENSE_VERSIONS = (1, 2, 3)
CLASS_LABELS = (b"cat", b"dog", b"bird")
CLASSIFIER_WEIGHTS = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.75]], dtype=np.float32)
REGRESSION_WEIGHTS = np.array([1.0, 2.0], dtype=np.float32)
REGRESSION_BIAS = 0.5
WARMUP_FEATURES = np.ones((2, 4), dtype=np.float32)


def dense_model(version: int) -> keras.Model:
    """A 4 -> 3 dense layer whose weights depend on `version`, so answers identify the version."""
    model = keras.Sequential([keras.Input((4,), name="features"), keras.layers.Dense(3, name="dense")])
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3) / 10.0 * version
    model.get_layer("dense").set_weights([kernel, np.full(3, float(version), dtype=np.float32)])
    return model


def dense_outputs(version: int, features: np.ndarray) -> dict[str, np.ndarray]:
    scores = np.asarray(dense_model(version)(features))
    return {"scores": scores, "total": scores.sum(axis=1)}


def export_dense(version: int, path: Path) -> Path:
    """Signatures: serving_default (2 outputs), single, two_inputs, text (string in, `_bytes` out)."""
    model = dense_model(version)
    archive = keras.export.ExportArchive()
    archive.track(model)
    features_spec = [tf.TensorSpec([None, 4], tf.float32, name="features")]

    def default(features):
        scores = model(features)
        return {"scores": scores, "total": tf.reduce_sum(scores, axis=1)}

    def single(features):
        return {"scores": model(features)}

    def two_inputs(a, b):
        return {"shifted": model(a) + tf.cast(b, tf.float32)[:, None]}

    def text(text):
        return {"length": tf.strings.length(text), "echo": text, "upper_bytes": tf.strings.upper(text)}

    archive.add_endpoint("serving_default", default, input_signature=features_spec)
    archive.add_endpoint("single", single, input_signature=features_spec)
    archive.add_endpoint("two_inputs", two_inputs, input_signature=[
        tf.TensorSpec([None, 4], tf.float32, name="a"), tf.TensorSpec([None], tf.int32, name="b")])
    archive.add_endpoint("text", text, input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    archive.write_out(str(path), verbose=False)
    write_warmup_records(path, "dense", {"serving_default": {"features": WARMUP_FEATURES}})
    return path


def example_bytes(x: list[float]) -> bytes:
    example = tf.train.Example()
    example.features.feature["x"].float_list.value.extend(x)
    return example.SerializeToString()


def classifier_scores(x: np.ndarray) -> np.ndarray:
    logits = np.asarray(x, dtype=np.float32) @ CLASSIFIER_WEIGHTS
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def regression_values(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float32) @ REGRESSION_WEIGHTS + REGRESSION_BIAS


def export_examples(path: Path) -> Path:
    """A TF1 graph over serialized tf.Examples: classify (default) and regress signatures, and the
    same computations under predict-method signatures (`classify_tf2`, `regress_tf2`)."""
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        serialized = tf.compat.v1.placeholder(tf.string, [None], name="tf_example")
        parsed = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([2], tf.float32)})
        weights = tf.compat.v1.get_variable("weights", initializer=tf.constant(CLASSIFIER_WEIGHTS))
        scores = tf.nn.softmax(tf.matmul(parsed["x"], weights))
        classes = tf.tile(tf.constant([list(CLASS_LABELS)]), [tf.shape(serialized)[0], 1])
        regression = tf.linalg.matvec(parsed["x"], tf.constant(REGRESSION_WEIGHTS)) + REGRESSION_BIAS
        session.run(tf.compat.v1.global_variables_initializer())
        utils = tf.compat.v1.saved_model.signature_def_utils
        classify = utils.classification_signature_def(serialized, classes, scores)
        regress = utils.regression_signature_def(serialized, regression)
        predict = utils.predict_signature_def({"examples": serialized}, {"scores": scores})
        # TF2/Keras exports have only predict signatures; TF Serving classifies and regresses
        # with any signature of the right structure
        classify_tf2 = utils.predict_signature_def({"inputs": serialized}, {"classes": classes, "scores": scores})
        regress_tf2 = utils.predict_signature_def({"inputs": serialized}, {"outputs": regression})
        builder = tf.compat.v1.saved_model.Builder(str(path))
        builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map={
            "serving_default": classify, "classify": classify, "regress": regress, "predict": predict,
            "classify_tf2": classify_tf2, "regress_tf2": regress_tf2})
        builder.save()
    return path


def write_fixtures(root: Path, server_root: str | None = None) -> Path:
    """Write every fixture model under `root` and return the path of `models.config`."""
    root.mkdir(parents=True, exist_ok=True)
    dense = root / "dense"
    for version in DENSE_VERSIONS:
        if not (dense / str(version)).is_dir():
            export_dense(version, dense / str(version))
    (dense / ".tmp-4-1-abcdef01").mkdir(exist_ok=True)
    (dense / "not-a-version").mkdir(exist_ok=True)
    if not (root / "examples" / "1").is_dir():
        export_examples(root / "examples" / "1")
    hot = root / "hot"
    if hot.exists():
        shutil.rmtree(hot)
    shutil.copytree(dense / "1", hot / "1")
    served = server_root.rstrip("/") if server_root else str(root.resolve())
    config = model_server_config_pb2.ModelServerConfig()
    models = config.model_config_list.config

    def add(name: str, directory: str) -> model_server_config_pb2.ModelConfig:
        return models.add(name=name, base_path=f"{served}/{directory}", model_platform="tensorflow")

    add("dense", "dense")
    add("dense_latest2", "dense").model_version_policy.latest.num_versions = 2
    add("dense_all", "dense").model_version_policy.all.SetInParent()
    labelled = add("dense_specific", "dense")
    labelled.model_version_policy.specific.versions.extend([1, 3])
    labelled.version_labels["stable"] = 1
    labelled.version_labels["canary"] = 3
    add("examples", "examples")
    add("hot", "hot")
    path = root / "models.config"
    path.write_text(text_format.MessageToString(config))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--server-root", help="the directory as the server sees it (default: root)")
    args = parser.parse_args()
    print(write_fixtures(args.root, args.server_root))


if __name__ == "__main__":
    main()
