"""Check an export the way TF Serving will run it, in fresh processes.

Both loaders are used, each in its own fresh process, the two side by side: the session-based
loader TF Serving's C++ core uses (feeding and fetching the signature's tensor names), and
`tf.saved_model.load`. Each signature's outputs must match what the in-process model produced
for the same inputs, within a stated tolerance.

    report = verify_in_subprocess(path, cases, tolerance=Tolerance())
    report.ok, report.lines()

A signature that runs the very same saved function as another, wired the same way (Keras saves
`serving_default` so, beside the first endpoint), is checked by `same_graph` instead of being
run again: the generation loop of a language model costs tens of seconds per signature to
optimize on its first call in each loader.

Run by hand: `python -m serving.export.verify PATH CASES.npz [--loader session|object]` (what
`verify_in_subprocess` runs, once per loader).
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Mapping

import numpy as np

LOADERS = {"session": "session loader", "object": "tf.saved_model"}
"""`--loader` choice -> the name its checks carry."""

# signature name -> (inputs, expected outputs), each a dict of arrays
Cases = Mapping[str, tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]]]


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """Float outputs must satisfy |actual - expected| <= atol + rtol * |expected|; text must be equal."""

    rtol: float = 1e-5
    atol: float = 1e-5

    def describe(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


@dataclasses.dataclass(frozen=True)
class Check:
    loader: str
    signature: str
    output: str
    max_abs_diff: float | None
    ok: bool
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class VerificationReport:
    path: str
    tolerance: Tolerance
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def lines(self) -> list[str]:
        out = [f"verified {self.path} with both loaders against the in-process model ({self.tolerance.describe()}):"]
        for c in self.checks:
            diff = "" if c.output == "*" else "exact" if c.max_abs_diff is None else f"max |diff| {c.max_abs_diff:.3g}"
            out.append(f"  {'ok ' if c.ok else 'FAIL'} {c.loader:<16} {c.signature}.{c.output}: {diff} {c.detail}".rstrip())
        return out


def compare(loader: str, signature: str, actual: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray], tolerance: Tolerance) -> list[Check]:
    checks = []
    for name, want in expected.items():
        if name not in actual:
            checks.append(Check(loader, signature, name, None, False, "missing from the export's outputs"))
            continue
        got, want = np.asarray(actual[name]), np.asarray(want)
        if got.shape != want.shape:
            checks.append(Check(loader, signature, name, None, False, f"shape {got.shape} != {want.shape}"))
        elif want.dtype.kind in "fc":
            diff = float(np.max(np.abs(got.astype("float64") - want.astype("float64")))) if want.size else 0.0
            ok = bool(np.allclose(got, want, rtol=tolerance.rtol, atol=tolerance.atol))
            checks.append(Check(loader, signature, name, diff, ok))
        else:
            ok = bool(np.array_equal(got, want))
            checks.append(Check(loader, signature, name, None, ok, "" if ok else "values differ"))
    return checks


def run_session_loader(path: str, cases: Cases, tolerance: Tolerance) -> list[Check]:
    from serving.saved_model import SessionModel

    model = SessionModel.load(path)
    try:
        return [
            check
            for signature, (inputs, expected) in cases.items()
            for check in compare(LOADERS["session"], signature, model.run(signature, inputs), expected, tolerance)
        ]
    finally:
        model.close()


def run_object_loader(path: str, cases: Cases, tolerance: Tolerance) -> list[Check]:
    import tensorflow as tf

    from serving.saved_model import load_custom_op_libraries

    load_custom_op_libraries()
    loaded = tf.saved_model.load(path)
    checks = []
    for signature, (inputs, expected) in cases.items():
        outputs = loaded.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
        checks += compare(LOADERS["object"], signature, {k: v.numpy() for k, v in outputs.items()}, expected, tolerance)
    return checks


def save_cases(path: Path, cases: Cases) -> None:
    arrays = {}
    for signature, (inputs, expected) in cases.items():
        arrays.update({f"in/{signature}/{k}": np.asarray(v) for k, v in inputs.items()})
        arrays.update({f"out/{signature}/{k}": np.asarray(v) for k, v in expected.items()})
    np.savez(path, **arrays)


def load_cases(path: Path) -> dict[str, tuple[dict, dict]]:
    cases: dict[str, tuple[dict, dict]] = {}
    with np.load(path, allow_pickle=True) as data:
        for key in data.files:
            kind, signature, name = key.split("/", 2)
            inputs, outputs = cases.setdefault(signature, ({}, {}))
            (inputs if kind == "in" else outputs)[name] = data[key]
    return cases


def verify_in_subprocess(path: str | Path, cases: Cases, tolerance: Tolerance = Tolerance()) -> VerificationReport:
    """Run each loader on `path` in its own fresh Python process, the two at once, and compare
    with `cases`. A case with the same inputs and expected outputs as another, whose signature
    is the same saved graph (`same_graph`), is checked that way instead of being run twice."""
    twins = same_graph_cases(path, cases)
    checks = [Check("saved graph", signature, "*", None, True, f"the same saved function as {other}, checked below")
              for signature, other in twins.items()]
    with tempfile.TemporaryDirectory() as tmp:
        cases_file = Path(tmp) / "cases.npz"
        save_cases(cases_file, {name: case for name, case in cases.items() if name not in twins})
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        running = {
            loader: subprocess.Popen(
                [sys.executable, "-m", "serving.export.verify", str(path), str(cases_file), "--loader", loader,
                 "--rtol", str(tolerance.rtol), "--atol", str(tolerance.atol)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                cwd=Path(__file__).resolve().parents[2])
            for loader in LOADERS
        }
        for loader, process in running.items():
            stdout, stderr = process.communicate()
            checks += _reported_checks(LOADERS[loader], stdout, stderr)
    return VerificationReport(str(path), tolerance, checks)


def _reported_checks(loader: str, stdout: str, stderr: str) -> list[Check]:
    try:
        return [Check(**check) for check in json.loads(stdout.strip().splitlines()[-1])]
    except (IndexError, json.JSONDecodeError, TypeError):
        tail = (stderr or stdout).strip().splitlines()[-5:]
        return [Check(loader, "*", "*", None, False, "verification crashed: " + " | ".join(tail))]


def same_graph_cases(path: str | Path, cases: Cases) -> dict[str, str]:
    """{signature: an earlier signature} for each case equal to an earlier one whose signature
    is the same saved graph; empty when the SavedModel cannot be read (the loaders will say why)."""
    from serving.saved_model import read_meta_graph, same_graph

    try:
        meta_graph = read_meta_graph(path)
    except Exception:
        return {}
    names, twins = list(cases), {}
    for index, name in enumerate(names):
        for other in names[:index]:
            if other not in twins and _equal_cases(cases[name], cases[other]) and same_graph(meta_graph, name, other):
                twins[name] = other
                break
    return twins


def _equal_cases(case, other) -> bool:
    return all(
        set(mine) == set(theirs) and all(np.array_equal(np.asarray(mine[k]), np.asarray(theirs[k])) for k in mine)
        for mine, theirs in zip(case, other)
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m serving.export.verify", description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("cases")
    parser.add_argument("--loader", choices=sorted(LOADERS), action="append",
                        help="the loader to check with (repeatable; default: both, one after the other)")
    parser.add_argument("--rtol", type=float, default=Tolerance.rtol)
    parser.add_argument("--atol", type=float, default=Tolerance.atol)
    args = parser.parse_args(argv)
    tolerance = Tolerance(args.rtol, args.atol)
    cases = load_cases(Path(args.cases))
    runners = {"session": run_session_loader, "object": run_object_loader}
    checks = [check for loader in args.loader or LOADERS for check in runners[loader](args.path, cases, tolerance)]
    print(json.dumps([dataclasses.asdict(c) for c in checks]))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
