"""Run TF Serving's own integration test, unchanged, against `python -m serving serve`.

    python scripts/tfserving_suite.py [TEST_NAME ...]      # `make test-tfserving`

Lays out the runfiles tree that Bazel would (`$TEST_SRCDIR/tf_serving/tensorflow_serving/...`,
an `__init__.py` in each package) in a cache directory, with the suite's files copied byte for
byte from `../shared/tfserving-suite` (or `$TFSERVING_SUITE_DIR`), the installed
`tensorflow_serving.apis` beside them, and a `tensorflow_model_server` script where the test
base looks for the binary, which starts our server with the flags it is given. The runnable
tests run in one process, so tests that ask for the same server share it, as upstream does
(a test that must configure TensorFlow before its first op gets a process of its own);
results come from the JUnit XML that absltest writes to `$XML_OUTPUT_FILE`. Tests that cannot
run here are listed with the reason. The closing line is `N passed, N failed, N skipped`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import tensorflow_serving

REPO = Path(__file__).resolve().parents[1]
SUITE = Path(os.environ.get("TFSERVING_SUITE_DIR", REPO.parent / "shared" / "tfserving-suite"))
CACHE = REPO / ".cache" / "tfserving-suite"
TEST_MODULE = "tensorflow_serving/model_servers/tensorflow_model_server_test.py"
TEST_BASE = "tensorflow_serving/model_servers/test_util/tensorflow_model_server_test_base.py"
TESTDATA = "tensorflow_serving/servables/tensorflow/testdata"
TEST_CLASS = "TensorflowModelServerTest"
# What the test process needs beyond our requirements: the suite's own imports (README of the suite).
TEST_DEPENDENCIES = ("portpicker==1.6.0", "tf-keras==2.21.0")
TIMEOUT_SECONDS = 900

CANNOT_RUN = {
    "testPredictOnTfLite": "serves a TensorFlow Lite model (--prefer_tflite_model); the local server loads "
                           "SavedModels only",
    "testPredictWithSignatureDefOnTfLite": "serves a TensorFlow Lite model (--prefer_tflite_model); the local "
                                           "server loads SavedModels only",
    "test_profiler_service_with_valid_trace_request": "traces through the TensorFlow profiler gRPC service, "
                                                      "which the local server does not serve",
    "test_tf_text": "its model blob tf_text_regression/01/saved_model.pb is missing from the suite's test data",
}

OWN_PROCESS = {
    "test_distrat_sequential_keras_saved_model_save": "configures virtual CPUs, which TensorFlow allows only "
                                                      "before the process runs its first op",
}

WRAPPER = """#!/bin/sh
# Started by TF Serving's test base as the model server binary: runs the local server instead.
PYTHONPATH={repo}${{PYTHONPATH:+:$PYTHONPATH}} TF_CPP_MIN_LOG_LEVEL=3 exec {python} -m serving serve "$@"
"""


def test_names(module: Path) -> list[str]:
    """The suite's test methods, in file order."""
    names = []
    for line in module.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("def test") and "(self" in stripped:
            names.append(stripped[4:stripped.index("(")])
    return names


def install_test_dependencies(target: Path) -> bool:
    """pip-install the test process's extra packages into `target` once; False if that fails."""
    marker = target / ".installed"
    if marker.exists() and marker.read_text() == "\n".join(TEST_DEPENDENCIES):
        return True
    shutil.rmtree(target, ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                             "--no-deps", "--target", str(target), *TEST_DEPENDENCIES],
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(f"could not install {', '.join(TEST_DEPENDENCIES)}:\n{result.stderr[-2000:]}", file=sys.stderr)
        return False
    marker.write_text("\n".join(TEST_DEPENDENCIES))
    return True


def lay_out_runfiles(root: Path) -> Path:
    """The Bazel runfiles tree under `root`; returns $TEST_SRCDIR."""
    shutil.rmtree(root, ignore_errors=True)
    package = root / "tf_serving" / "tensorflow_serving"
    for relative in (TEST_MODULE, TEST_BASE):
        (package.parent / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SUITE / relative, package.parent / relative)
    for directory in (package, package / "model_servers", package / "model_servers" / "test_util",
                      package / "servables", package / "servables" / "tensorflow"):
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "__init__.py").touch()
    (package.parent / TESTDATA).symlink_to(SUITE / TESTDATA, target_is_directory=True)
    installed = Path(next(iter(tensorflow_serving.__path__)))
    for entry in installed.iterdir():
        if entry.is_dir() and not entry.name.startswith("__") and not (package / entry.name).exists():
            (package / entry.name).symlink_to(entry, target_is_directory=True)
    wrapper = package / "model_servers" / "tensorflow_model_server"
    wrapper.write_text(WRAPPER.format(repo=REPO, python=sys.executable))
    wrapper.chmod(0o755)
    return root


def read_results(xml_file: Path) -> dict[str, str]:
    """Test name -> 'passed' / 'failed' / 'skipped' from absltest's JUnit XML."""
    results = {}
    if not xml_file.exists():
        return results
    for case in ElementTree.parse(xml_file).iter("testcase"):
        name = case.get("name", "")
        if case.find("failure") is not None or case.find("error") is not None:
            results[name] = "failed"
        elif case.find("skipped") is not None or case.get("result") == "suppressed":
            results[name] = "skipped"
        else:
            results[name] = "passed"
    return results


def run_all(selected: list[str], work: Path, dependencies: Path | None) -> dict[str, str]:
    """Run `selected`: most in one process, those in OWN_PROCESS each in its own; test name -> outcome."""
    shared = [name for name in selected if name not in OWN_PROCESS]
    groups = ([shared] if shared else []) + [[name] for name in selected if name in OWN_PROCESS]
    results: dict[str, str] = {}
    for index, group in enumerate(groups):
        results.update(run(group, work / f"group-{index}", dependencies))
    return results


def run(selected: list[str], work: Path, dependencies: Path | None) -> dict[str, str]:
    """Run `selected` tests in one process; test name -> outcome."""
    srcdir = lay_out_runfiles(work / "runfiles")
    tmp = work / "tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    xml_file = work / "results.xml"
    xml_file.unlink(missing_ok=True)
    python_path = [str(srcdir / "tf_serving")] + ([str(dependencies)] if dependencies else [])
    env = {**os.environ, "TEST_SRCDIR": str(srcdir), "TEST_TMPDIR": str(tmp), "XML_OUTPUT_FILE": str(xml_file),
           "PYTHONPATH": os.pathsep.join(python_path), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    if dependencies:
        env["TF_USE_LEGACY_KERAS"] = "1"
    command = [sys.executable, str(srcdir / "tf_serving" / TEST_MODULE), *[f"{TEST_CLASS}.{name}" for name in selected]]
    log = work / "suite.log"
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=tmp, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            print(f"the suite ran past {TIMEOUT_SECONDS} s and was stopped", file=sys.stderr)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the servers the tests started, in its session
            except ProcessLookupError:
                pass
            process.wait()
    results = read_results(xml_file)
    if any(results.get(name) != "passed" for name in selected):
        print(f"--- log of the suite ({log}) ---\n{log.read_text()[-20000:]}\n--- end of log ---")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", help="run only these tests (default: every runnable one)")
    args = parser.parse_args(argv)
    if not (SUITE / TEST_MODULE).is_file():
        print(f"TF Serving's suite is not at {SUITE} (set TFSERVING_SUITE_DIR)", file=sys.stderr)
        return 2
    names = test_names(SUITE / TEST_MODULE)
    cannot_run = dict(CANNOT_RUN)
    dependencies: Path | None = CACHE / "python"
    if not install_test_dependencies(dependencies):
        dependencies = None
        for name in ("test_sequential_keras_saved_model_save", "test_distrat_sequential_keras_saved_model_save"):
            cannot_run[name] = "needs tf-keras (Keras 2) in the test process, which could not be installed"
    selected = [name for name in names if name not in cannot_run and (not args.tests or name in args.tests)]
    unknown = sorted(set(args.tests) - set(names))
    if unknown:
        print(f"no such tests: {', '.join(unknown)}", file=sys.stderr)
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="run-") as work:
        results = run_all(selected, Path(work), dependencies)
    outcomes = {name: results.get(name, "failed") for name in selected}
    for name in selected:
        print(f"{outcomes[name].upper():8} {name}")
    skipped = [name for name in names if name in cannot_run and (not args.tests or name in args.tests)]
    for name in skipped:
        print(f"{'NOT RUN':8} {name}: {cannot_run[name]}")
    passed = sum(outcome == "passed" for outcome in outcomes.values())
    failed = len(selected) - passed
    print(f"{len(names)} tests in {TEST_MODULE}: {len(selected)} run here, {len(skipped)} cannot run here")
    print(f"{passed} passed, {failed} failed, {len(skipped)} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
