"""Check an export the way TF Serving will run it, in a fresh process.

Both loaders are used: the session-based loader TF Serving's C++ core uses (feeding and
fetching the signature's tensor names), and `tf.saved_model.load`. Each signature's outputs
must match what the in-process model produced for the same inputs, within a stated tolerance.

    report = verify_in_subprocess(path, cases, tolerance=Tolerance())
    report.ok, report.lines()

Run by hand: `python -m serving.export.verify PATH CASES.npz` (what `verify_in_subprocess` does).
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
            diff = "exact" if c.max_abs_diff is None else f"max |diff| {c.max_abs_diff:.3g}"
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
            for check in compare("session loader", signature, model.run(signature, inputs), expected, tolerance)
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
        checks += compare("tf.saved_model", signature, {k: v.numpy() for k, v in outputs.items()}, expected, tolerance)
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
    """Run both loaders on `path` in a fresh Python process and compare with `cases`."""
    with tempfile.TemporaryDirectory() as tmp:
        cases_file = Path(tmp) / "cases.npz"
        save_cases(cases_file, cases)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        command = [sys.executable, "-m", "serving.export.verify", str(path), str(cases_file),
                   "--rtol", str(tolerance.rtol), "--atol", str(tolerance.atol)]
        result = subprocess.run(command, capture_output=True, text=True, env=env,
                                cwd=Path(__file__).resolve().parents[2])
    try:
        checks = [Check(**check) for check in json.loads(result.stdout.strip().splitlines()[-1])]
    except (IndexError, json.JSONDecodeError, TypeError):
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        checks = [Check("fresh process", "*", "*", None, False, "verification crashed: " + " | ".join(tail))]
    return VerificationReport(str(path), tolerance, checks)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m serving.export.verify", description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("cases")
    parser.add_argument("--rtol", type=float, default=Tolerance.rtol)
    parser.add_argument("--atol", type=float, default=Tolerance.atol)
    args = parser.parse_args(argv)
    tolerance = Tolerance(args.rtol, args.atol)
    cases = load_cases(Path(args.cases))
    checks = run_session_loader(args.path, cases, tolerance) + run_object_loader(args.path, cases, tolerance)
    print(json.dumps([dataclasses.asdict(c) for c in checks]))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
