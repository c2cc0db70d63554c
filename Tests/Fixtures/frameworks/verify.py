#!/usr/bin/env python3
"""Read cases.h5 back with h5py and re-execute every recorded `call` through
generate.run_call:

- every positive case must reproduce `expected` exactly (same shape, dtype and bits),
  and `expected_jax` / `expected_spec` likewise with the backend that produced them;
  a Keras case marked backend "tensorflow,jax" without `expected_jax` must give
  `expected` bit for bit on the JAX backend too;
- every negative case must still be refused with the recorded first line of the
  error (`error`, and `error_tensorflow` / `error_jax` / `error_spec` where present).

Each framework (and each Keras backend, and the ONNX reference) runs in its own
subprocess.  Usage:

    /work/venv-frameworks/bin/python Tests/Fixtures/frameworks/verify.py [cases.h5]

Prints one line per failure and closes with 'verify: N passed, N failed'.
"""

import json
import os
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the fixtures folder
sys.path.insert(0, HERE)
from generate import error_line, run_call  # noqa: E402

JOBS = [("torch", None), ("tensorflow", None), ("jax", None), ("onnx", "onnxruntime"),
        ("onnx", "reference"), ("keras", "tensorflow"), ("keras", "jax")]


def checks(g, framework, backend):
    """(what, dataset or None, error text or None) to check for one case and backend."""
    a = g.attrs
    out = []
    if framework == "keras":
        be = a["backend"]
        if backend == "tensorflow":
            if "expected" in g and be in ("tensorflow", "tensorflow,jax"):
                out.append(("expected", "expected", None))
            if "error" in a:
                out.append(("error", None, a["error"]))
            if "error_tensorflow" in a:
                out.append(("error_tensorflow", None, a["error_tensorflow"]))
        else:
            if "expected_jax" in g:
                out.append(("expected_jax", "expected_jax", None))
            elif "expected" in g and be in ("jax", "tensorflow,jax"):
                out.append(("expected", "expected", None))
            if "error_jax" in a:
                out.append(("error_jax", None, a["error_jax"]))
    elif framework == "onnx":
        if backend == "onnxruntime":
            if "expected" in g:
                out.append(("expected", "expected", None))
            if "error" in a:
                out.append(("error", None, a["error"]))
        else:
            if "expected_spec" in g:
                out.append(("expected_spec", "expected_spec", None))
            elif "error_spec" in a:
                out.append(("error_spec", None, a["error_spec"]))
            elif "expected" in g:
                # no disagreement recorded: the reference must agree within tolerance
                out.append(("reference~expected", "expected", None))
    else:
        if "expected" in g:
            out.append(("expected", "expected", None))
        if "error" in a:
            out.append(("error", None, a["error"]))
    return out


def run_job(path, framework, backend):
    passed, failed = 0, 0
    with h5py.File(path, "r") as f:
        for name, g in f["cases"].items():
            if g.attrs["framework"] != framework:
                continue
            tensors = {k: g[d][()] for k, d in (("x", "input"), ("w", "weight"), ("b", "bias")) if d in g}
            for what, dset, err in checks(g, framework, backend):
                try:
                    y = run_call(framework, g.attrs["call"], tensors, backend)
                    got = None
                except Exception as e:  # noqa: BLE001
                    y, got = None, error_line(e)
                ok = False
                if dset is not None and y is not None:
                    e = g[dset][()]
                    if what == "reference~expected":
                        ok = y.shape == e.shape and np.allclose(y, e, rtol=g.attrs["rtol"], atol=g.attrs["atol"])
                    else:
                        ok = y.shape == e.shape and y.dtype == e.dtype and np.array_equal(y, e)
                elif err is not None and y is None:
                    ok = got == err
                if ok:
                    passed += 1
                else:
                    failed += 1
                    detail = f"error {got!r}" if y is None else f"result shape {list(y.shape)} dtype {y.dtype}"
                    print(f"FAIL {name} [{framework}/{backend}] {what}: {detail}", flush=True)
    return passed, failed


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--job":
        fw, be, path = sys.argv[2], sys.argv[3], sys.argv[4]
        p, f = run_job(path, fw, None if be == "-" else be)
        print(json.dumps({"passed": p, "failed": f}))
        return 0
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "cases.h5")
    with h5py.File(path, "r") as f:
        n = len(f["cases"])
        npos = sum("expected" in g for g in f["cases"].values())
    print(f"{path}: {n} cases, {npos} positive, {n - npos} negative")
    total_p, total_f = 0, 0
    for fw, be in JOBS:
        env = dict(os.environ)
        env.pop("KERAS_BACKEND", None)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--job", fw, be or "-", path],
                           capture_output=True, text=True, env=env)
        lines = r.stdout.strip().splitlines()
        for ln in lines[:-1]:
            print(ln)
        try:
            res = json.loads(lines[-1])
        except (IndexError, ValueError):
            print(f"job {fw}/{be} crashed:\n{r.stderr[-3000:]}")
            res = {"passed": 0, "failed": 1}
        print(f"  {fw}/{be or 'default'}: {res['passed']} passed, {res['failed']} failed")
        total_p += res["passed"]
        total_f += res["failed"]
    print(f"verify: {total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
