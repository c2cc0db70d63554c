#!/usr/bin/env python3
"""Generate Tests/Fixtures/frameworks/cases.h5 from the real deep-learning frameworks.

Every case is one framework call written as Python source text (the `call`
attribute); the expected result is what `run_call(framework, call, tensors,
backend)` returns for that text, so every recorded call is known to execute and
to give `expected`.  See README.md beside this file for the schema and the
call-text conventions.

This script installs nothing.  Run it with the venv described in README.md:

    /work/venv-frameworks/bin/python Tests/Fixtures/frameworks/generate.py

Modes:
    (default)                     generate cases.h5 (each framework, and each Keras
                                  backend, in its own subprocess)
    --check-explain FILE.json     run the calls `convpipe explain JOB --json` printed
                                  and compare each with convpipe's result for the stage
    --run-calls                   internal: run a pickled list of calls, one framework
    --worker FW [--backend B]     internal: compute one framework's cases, pickle them
    --run-call                    internal: read a pickled (framework, call, tensors,
                                  backend) from stdin, write the pickled result
"""

import argparse
import datetime
import json
import os
import pickle
import re
import subprocess
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR_PATH = "Tests/Fixtures/frameworks/generate.py"
ONNX_OPSET = 22
KERAS_BACKENDS = ("tensorflow", "jax")
TOL = {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}  # (rtol, atol)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


# ---------------------------------------------------------------------------
# Call-text helpers (names that a call text may use besides the frameworks)
# ---------------------------------------------------------------------------

def onnx_model(op, x, w, b=None, **attrs):
    """A one-node ONNX model (opset ONNX_OPSET) computing op(x, w[, b]) with attrs."""
    import onnx
    from onnx import helper, TensorProto
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[x.dtype]
    names = ["x", "w"] + (["b"] if b is not None else [])
    inputs = [helper.make_tensor_value_info(n, elem, list(t.shape))
              for n, t in zip(names, (x, w, b))]
    node = helper.make_node(op, names, ["y"], **attrs)
    graph = helper.make_graph([node], "g", inputs,
                              [helper.make_tensor_value_info("y", elem, [None] * x.ndim)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    feeds = {"x": x, "w": w}
    if b is not None:
        feeds["b"] = b
    return model, feeds


def onnx_run(op, x, w, b=None, **attrs):
    """Run one ONNX node with onnxruntime (CPUExecutionProvider)."""
    import onnxruntime as ort
    model, feeds = onnx_model(op, x, w, b, **attrs)
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)[0]


def onnx_reference_run(op, x, w, b=None, **attrs):
    """Run one ONNX node with the ONNX reference implementation (onnx.reference)."""
    from onnx.reference import ReferenceEvaluator
    model, feeds = onnx_model(op, x, w, b, **attrs)
    return ReferenceEvaluator(model).run(None, feeds)[0]


def keras_run(layer, x, w, b=None, **kwargs):
    """Build keras.layers.<layer>(**kwargs) with dtype = x.dtype, set its kernel to w
    (and its bias to b), call it on x and return the result as numpy."""
    import keras
    cls = getattr(keras.layers, layer)
    lay = cls(**kwargs, dtype=str(x.dtype))
    lay.build(tuple(x.shape))
    if tuple(lay.kernel.shape) != tuple(w.shape):
        raise ValueError(f"keras_run: layer kernel shape {tuple(lay.kernel.shape)} != w shape {tuple(w.shape)}")
    lay.kernel.assign(w)
    if b is not None:
        if lay.bias is None:
            raise ValueError("keras_run: b given but the layer has no bias (use_bias=False)")
        lay.bias.assign(b)
    return keras.ops.convert_to_numpy(lay(x))


def torch_nn_run(module, x, w, b=None, output_size=None, **kwargs):
    """Build torch.nn.<module> (in/out channels and kernel_size taken from w and
    groups), copy w (and b) into it and call module.forward(x[, output_size=...])."""
    import torch
    cls = getattr(torch.nn, module)
    groups = kwargs.get("groups", 1)
    if "Transpose" in module:
        cin, cout = w.shape[0], w.shape[1] * groups
    else:
        cin, cout = w.shape[1] * groups, w.shape[0]
    m = cls(cin, cout, kernel_size=tuple(w.shape[2:]), bias=b is not None, dtype=w.dtype, **kwargs)
    with torch.no_grad():
        m.weight.copy_(w)
        if b is not None:
            m.bias.copy_(b)
        if output_size is not None:
            return m(x, output_size=output_size)
        return m(x)


# ---------------------------------------------------------------------------
# run_call: execute one call text
# ---------------------------------------------------------------------------

def _keras_loaded_backend():
    if "keras" not in sys.modules:
        return None
    import keras
    return keras.backend.backend()


def _namespace(framework, backend):
    if framework == "torch":
        import torch
        import torch.nn.functional  # noqa: F401
        return {"torch": torch, "torch_nn_run": torch_nn_run}
    if framework == "tensorflow":
        import tensorflow as tf
        return {"tf": tf}
    if framework == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        return {"jax": jax, "jnp": jnp}
    if framework == "onnx":
        if backend in (None, "onnxruntime"):
            return {"onnx_run": onnx_run}
        if backend == "reference":
            return {"onnx_run": onnx_reference_run}
        raise ValueError(f"unknown onnx backend {backend!r} (onnxruntime or reference)")
    if framework == "keras":
        if backend == "jax":
            os.environ["JAX_ENABLE_X64"] = "1"
        os.environ["KERAS_BACKEND"] = backend
        import keras
        if backend == "jax":
            import jax
            jax.config.update("jax_enable_x64", True)
        return {"keras": keras, "keras_run": keras_run}
    raise ValueError(f"unknown framework {framework!r}")


def _bind(framework, tensors):
    if framework == "torch":
        import torch
        return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in tensors.items()}
    if framework == "tensorflow":
        import tensorflow as tf
        return {k: tf.constant(v) for k, v in tensors.items()}
    if framework == "jax":
        import jax.numpy as jnp
        return {k: jnp.asarray(v) for k, v in tensors.items()}
    return dict(tensors)  # onnx, keras: numpy arrays


def _to_numpy(y):
    if hasattr(y, "detach"):
        return y.detach().cpu().numpy()
    if hasattr(y, "numpy"):
        return y.numpy()
    return np.asarray(y)


def run_call(framework, call_text, tensors, backend=None):
    """Evaluate call_text (e.g. 'tf.nn.conv2d(x, w, strides=2, padding="SAME")') with
    the numpy arrays of `tensors` (names x, w, b) bound as the framework's tensors and
    return the result as a numpy array.  Exceptions are the framework's own.

    framework: torch | tensorflow | jax | keras | onnx.
    backend:   keras: tensorflow (default) or jax -- a process can hold one Keras
               backend only, so a call for another backend than the loaded one runs
               in a subprocess; onnx: onnxruntime (default) or reference.
    """
    if framework == "keras":
        backend = backend or os.environ.get("KERAS_BACKEND", "tensorflow")
        loaded = _keras_loaded_backend()
        if loaded is not None and loaded != backend:
            return _run_call_subprocess(framework, call_text, tensors, backend)
    ns = _namespace(framework, backend)
    ns.update(_bind(framework, tensors))
    return _to_numpy(eval(call_text, ns))


def _run_call_subprocess(framework, call_text, tensors, backend):
    env = dict(os.environ)
    env.pop("KERAS_BACKEND", None)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--run-call"],
                       input=pickle.dumps((framework, call_text, tensors, backend)),
                       capture_output=True, env=env, check=True)
    ok, value = pickle.loads(p.stdout)
    if ok:
        return value
    raise RuntimeError(value)


def error_line(exc):
    """The framework's error message, first meaningful line (ANSI codes and Keras'
    'Exception encountered when calling ...' wrapper removed)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("Exception encountered when calling")]
    return lines[0] if lines else type(exc).__name__


# ---------------------------------------------------------------------------
# Formatting of args and call texts
# ---------------------------------------------------------------------------

def pysrc(v, tuples=False):
    """Python source for a JSON-like value, strings in double quotes.  JSON lists are
    written as Python lists, or as tuples when tuples=True (torch, keras, jax)."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        items = [pysrc(e, tuples) for e in v]
        if tuples:
            return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"
        return "[" + ", ".join(items) + "]"
    raise TypeError(v)


# How each framework's call texts write JSON lists: the frameworks' own idioms.
TUPLES = {"torch": True, "keras": True, "jax": True, "tensorflow": False, "onnx": False}


def make_call(callee, tensor_names, args, tuples=False):
    parts = list(tensor_names) + [f"{k}={pysrc(v, tuples)}" for k, v in args.items()]
    return f"{callee}({', '.join(parts)})"


# ---------------------------------------------------------------------------
# Case specifications
# ---------------------------------------------------------------------------

class Spec:
    """One call to record.  expect: 'ok' (must succeed), 'error' (must be refused)
    or 'any' (exploratory: record whatever the framework does)."""

    def __init__(self, framework, op, tag, shapes, args, call, expect="ok", dtype="float64", note=None):
        self.framework, self.op, self.tag = framework, op, tag
        self.shapes, self.args, self.call = shapes, args, call
        self.expect, self.dtype, self.note = expect, dtype, note
        self.name = None


def _tensors(spec):
    """Deterministic inputs from the case name.  float64: uniform in [-1, 1);
    float32 (ONNX): multiples of 1/16 in [-1, 1], so every product and sum is exact
    in float32 and results do not depend on the summation order."""
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    out = {}
    for k in ("x", "w", "b"):
        if k not in spec.shapes:
            continue
        shp = tuple(spec.shapes[k])
        if spec.framework == "onnx":
            out[k] = (rng.integers(-16, 17, size=shp) / 16.0).astype(np.float32)
        else:
            out[k] = rng.uniform(-1.0, 1.0, size=shp).astype(spec.dtype)
    return out


def _names(specs, framework):
    seen = set()
    for i, s in enumerate(specs, 1):
        tag = re.sub(r"[^A-Za-z0-9_.-]+", "_", s.tag)
        s.name = f"{framework}-{tag}-{i:03d}"
        assert s.name not in seen
        seen.add(s.name)
    return specs


# ---- PyTorch ---------------------------------------------------------------

def torch_specs():
    S = []
    F = "torch.nn.functional."

    def add(kind, tag, x, w, bias, args, expect="ok", module=None, note=None):
        transposed = kind.startswith("conv_transpose")
        groups = args.get("groups", 1)
        shapes = {"x": x, "w": w}
        names = ["x", "w"]
        if bias:
            shapes["b"] = [w[1] * groups if transposed else w[0]]
            names.append("b")
        op = F + kind
        if module:
            call = make_call("torch_nn_run", [json.dumps(module)] + names, args, tuples=TUPLES["torch"])
        else:
            call = make_call(op, names, args, tuples=TUPLES["torch"])
        S.append(Spec("torch", op, f"{kind}-{tag}", shapes, args, call, expect, note=note))

    # conv1d: x (N, C, L), w (O, C/g, k)
    add("conv1d", "basic", [1, 2, 7], [3, 2, 3], True, {})
    add("conv1d", "s2-p1", [1, 2, 8], [3, 2, 3], True, {"stride": 2, "padding": 1})
    add("conv1d", "same-k3", [1, 2, 7], [3, 2, 3], False, {"padding": "same"})
    add("conv1d", "same-k4-even", [1, 2, 7], [2, 2, 4], True, {"padding": "same"})
    add("conv1d", "same-k4-d2", [1, 1, 9], [2, 1, 4], False, {"padding": "same", "dilation": 2})
    add("conv1d", "same-k2-d3", [1, 2, 6], [2, 2, 2], True, {"padding": "same", "dilation": 3})
    add("conv1d", "valid-s3-k2", [1, 2, 8], [2, 2, 2], False, {"stride": 3, "padding": "valid"})
    add("conv1d", "g2-tuplepad", [1, 4, 6], [2, 2, 3], True, {"padding": [1], "groups": 2})
    add("conv1d", "d2-p2-s2-batch2", [2, 2, 9], [3, 2, 3], True, {"stride": 2, "padding": 2, "dilation": 2})
    add("conv1d", "tuple-s3-p2", [1, 1, 8], [1, 1, 3], False, {"stride": [3], "padding": [2]})
    # conv2d
    add("conv2d", "p1", [1, 3, 6, 5], [4, 3, 3, 3], True, {"stride": 1, "padding": 1})
    add("conv2d", "s23-p12-batch2", [2, 2, 7, 8], [3, 2, 3, 3], True, {"stride": [2, 3], "padding": [1, 2]})
    add("conv2d", "d21-p20", [1, 2, 8, 6], [2, 2, 3, 3], False, {"padding": [2, 0], "dilation": [2, 1]})
    add("conv2d", "g2-s2-p1", [1, 4, 5, 5], [4, 2, 3, 3], True, {"stride": 2, "padding": 1, "groups": 2})
    add("conv2d", "depthwise-g4", [1, 4, 6, 6], [4, 1, 3, 3], True, {"padding": 1, "groups": 4})
    add("conv2d", "g2-mult2-k2", [1, 2, 5, 5], [4, 1, 2, 2], False, {"groups": 2})
    add("conv2d", "same-k24-even", [1, 2, 5, 6], [3, 2, 2, 4], True, {"padding": "same"})
    add("conv2d", "same-k32-d23", [1, 1, 9, 8], [2, 1, 3, 2], False, {"padding": "same", "dilation": [2, 3]})
    add("conv2d", "valid-k4", [1, 1, 9, 9], [2, 1, 4, 4], True, {"padding": "valid"})
    add("conv2d", "s3-k2", [1, 2, 8, 7], [2, 2, 2, 2], False, {"stride": 3})
    add("conv2d", "k1-s2", [1, 3, 5, 4], [2, 3, 1, 1], True, {"stride": 2})
    add("conv2d", "k-eq-input", [1, 2, 3, 4], [2, 2, 3, 4], True, {})
    # conv3d
    add("conv3d", "p110", [1, 2, 4, 5, 3], [3, 2, 3, 3, 2], True, {"padding": [1, 1, 0]})
    add("conv3d", "valid-s212", [1, 1, 5, 4, 6], [2, 1, 2, 2, 3], False, {"stride": [2, 1, 2], "padding": "valid"})
    add("conv3d", "same-k232-d121", [1, 2, 4, 5, 4], [2, 2, 2, 3, 2], True, {"padding": "same", "dilation": [1, 2, 1]})
    add("conv3d", "g2-s2-p1", [1, 4, 3, 4, 4], [2, 2, 2, 2, 2], True, {"stride": 2, "padding": 1, "groups": 2})
    # conv_transpose1d: x (N, C, L), w (C, O/g, k)
    add("conv_transpose1d", "s2-p1-op1", [1, 2, 5], [2, 3, 3], True, {"stride": 2, "padding": 1, "output_padding": 1})
    add("conv_transpose1d", "s3-k2-op2", [1, 2, 4], [2, 2, 2], False, {"stride": 3, "output_padding": 2})
    add("conv_transpose1d", "d2-op1", [1, 1, 5], [1, 2, 3], True, {"output_padding": 1, "dilation": 2})
    add("conv_transpose1d", "g2-s2", [1, 4, 4], [4, 1, 3], True, {"stride": 2, "groups": 2})
    add("conv_transpose1d", "p2-crop", [1, 2, 6], [2, 2, 3], False, {"padding": 2})
    # conv_transpose2d
    add("conv_transpose2d", "s2-p1-op1", [1, 3, 4, 5], [3, 2, 3, 3], True, {"stride": 2, "padding": 1, "output_padding": 1})
    add("conv_transpose2d", "s23-p01-op12-k43", [1, 2, 3, 3], [2, 2, 4, 3], True, {"stride": [2, 3], "padding": [0, 1], "output_padding": [1, 2]})
    add("conv_transpose2d", "d2-s2-p12-op10", [1, 2, 3, 4], [2, 3, 3, 3], False, {"stride": 2, "padding": [1, 2], "output_padding": [1, 0], "dilation": 2})
    add("conv_transpose2d", "g3-s2", [1, 3, 3, 3], [3, 2, 2, 2], True, {"stride": 2, "groups": 3})
    add("conv_transpose2d", "s3-k2-op21", [1, 2, 3, 4], [2, 1, 2, 2], True, {"stride": 3, "output_padding": [2, 1]})
    add("conv_transpose2d", "k1-s2-op1-batch2", [2, 2, 3, 3], [2, 2, 1, 1], False, {"stride": 2, "output_padding": 1})
    add("conv_transpose2d", "s2-p3-k3", [1, 1, 4, 4], [1, 2, 3, 3], True, {"stride": 2, "padding": 3})
    add("conv_transpose2d", "d3-s1-op2", [1, 1, 4, 3], [1, 1, 2, 2], False, {"output_padding": [2, 1], "dilation": 3})
    # conv_transpose3d
    add("conv_transpose3d", "s2-p010-op101", [1, 2, 3, 2, 3], [2, 2, 2, 3, 2], True, {"stride": 2, "padding": [0, 1, 0], "output_padding": [1, 0, 1]})
    add("conv_transpose3d", "g2-d121", [1, 2, 2, 3, 2], [2, 1, 2, 2, 2], True, {"stride": [1, 2, 1], "groups": 2, "dilation": [1, 2, 1]})
    # output_size through nn.ConvTranspose*d.forward
    for osz in ([11], [12], [13]):
        add("conv_transpose1d", f"outsize{osz[0]}-s3-k2", [1, 2, 4], [2, 2, 2], True, {"stride": 3, "output_size": osz}, module="ConvTranspose1d")
    for osz in ([7, 9], [8, 9], [7, 10], [8, 10]):
        add("conv_transpose2d", f"outsize{osz[0]}x{osz[1]}-s2-p1", [1, 2, 4, 5], [2, 3, 3, 3], True, {"stride": 2, "padding": 1, "output_size": osz}, module="ConvTranspose2d")
    add("conv_transpose2d", "outsize-full-shape", [1, 2, 4, 5], [2, 3, 3, 3], False, {"stride": 2, "padding": 1, "output_size": [1, 3, 8, 9]}, module="ConvTranspose2d")
    add("conv_transpose2d", "outsize-g2-d2", [1, 2, 3, 3], [2, 1, 3, 3], True, {"stride": 2, "dilation": 2, "groups": 2, "output_size": [9, 10]}, module="ConvTranspose2d")
    add("conv_transpose3d", "outsize-s2", [1, 1, 2, 3, 2], [1, 2, 2, 2, 3], True, {"stride": 2, "output_size": [5, 7, 6]}, module="ConvTranspose3d")
    # negative cases
    add("conv2d", "neg-same-strided", [1, 1, 5, 5], [1, 1, 3, 3], False, {"stride": 2, "padding": "same"}, expect="error")
    add("conv_transpose2d", "neg-op-ge-stride-dil", [1, 1, 3, 3], [1, 1, 3, 3], False, {"stride": 2, "output_padding": 2}, expect="error")
    add("conv2d", "neg-groups-not-dividing", [1, 4, 5, 5], [3, 1, 3, 3], False, {"groups": 3}, expect="error")
    add("conv_transpose2d", "neg-outsize-too-big", [1, 2, 4, 5], [2, 3, 3, 3], False, {"stride": 2, "padding": 1, "output_size": [9, 9]}, expect="error", module="ConvTranspose2d")
    add("conv_transpose2d", "neg-outsize-too-small", [1, 2, 4, 5], [2, 3, 3, 3], False, {"stride": 2, "padding": 1, "output_size": [6, 9]}, expect="error", module="ConvTranspose2d")
    add("conv_transpose2d", "neg-padding-same", [1, 1, 3, 3], [1, 1, 3, 3], False, {"stride": 2, "padding": "same"}, expect="error")
    add("conv2d", "neg-kernel-gt-input", [1, 1, 3, 3], [1, 1, 4, 4], False, {}, expect="error")
    add("conv1d", "neg-padding-full", [1, 1, 5], [1, 1, 3], False, {"padding": "full"}, expect="error")
    add("conv_transpose2d", "neg-outsize-dilation-range", [1, 1, 4, 3], [1, 1, 2, 2], False, {"dilation": 3, "output_size": [8, 7]}, expect="error", module="ConvTranspose2d",
        note="F.conv_transpose2d accepts output_padding < max(stride, dilation) (case d3-s1-op2), but nn.ConvTranspose2d.forward(output_size=...) only accepts sizes up to min + stride - 1")
    add("conv_transpose1d", "neg-negative-output", [1, 1, 2], [1, 1, 2], False, {"padding": 2}, expect="error")
    # added with convpipe's framework stages
    add("conv2d", "unbatched-p1", [3, 6, 5], [2, 3, 3, 3], True, {"padding": 1},
        note="PyTorch takes an unbatched [C, H, W] input and returns [C_out, H, W]")
    add("conv_transpose1d", "unbatched-s2", [2, 5], [2, 3, 3], True, {"stride": 2, "padding": 1, "output_padding": 1})
    add("conv_transpose2d", "outsize-ignores-output_padding", [1, 2, 4, 5], [2, 3, 3, 3], True,
        {"stride": 2, "padding": 1, "output_padding": 1, "output_size": [7, 9]}, module="ConvTranspose2d",
        note="nn.ConvTranspose2d.forward(output_size=...) ignores the module's output_padding")
    return _names(S, "torch")


# ---- TensorFlow --------------------------------------------------------------

def tf_transpose_outputs(n, k, s, padding, pads=(0, 0)):
    """All output sizes TF accepts for a transposed conv of input size n."""
    if padding == "SAME":
        lo = (n - 1) * s + 1
    elif padding == "VALID":
        lo = (n - 1) * s + k
    else:
        lo = (n - 1) * s + k - pads[0] - pads[1]
    return list(range(lo, lo + s))


def tf_specs():
    S = []

    def add(op, tag, x, w, args, expect="ok", dtype="float64", note=None):
        call = make_call("tf.nn." + op, ["x", "w"], args, tuples=TUPLES["tensorflow"])
        S.append(Spec("tensorflow", "tf.nn." + op, f"{op}-{tag}", {"x": x, "w": w}, args, call, expect, dtype, note))

    # conv1d: x (N, W, C), w (k, C/g, O)
    add("conv1d", "same-k3", [1, 7, 2], [3, 2, 3], {"stride": 1, "padding": "SAME"})
    add("conv1d", "same-s2-k4-even", [1, 8, 2], [4, 2, 2], {"stride": 2, "padding": "SAME"})
    add("conv1d", "valid-s2-k3", [1, 8, 2], [3, 2, 3], {"stride": 2, "padding": "VALID"})
    add("conv1d", "valid-s3-k2", [1, 9, 1], [2, 1, 2], {"stride": 3, "padding": "VALID"})
    add("conv1d", "same-d2", [1, 7, 2], [3, 2, 2], {"stride": 1, "padding": "SAME", "dilations": 2})
    add("conv1d", "same-s2-k1", [2, 5, 3], [1, 3, 2], {"stride": 2, "padding": "SAME"})
    add("conv1d", "grouped-same", [1, 6, 4], [3, 2, 4], {"stride": 1, "padding": "SAME"}, expect="any")
    add("conv1d", "NCW-f64", [1, 2, 7], [3, 2, 3], {"stride": 1, "padding": "SAME", "data_format": "NCW"}, expect="any")
    add("conv1d", "NCW-f32", [1, 2, 7], [3, 2, 3], {"stride": 2, "padding": "SAME", "data_format": "NCW"}, expect="any", dtype="float32")
    add("conv1d", "neg-explicit-padding", [1, 7, 2], [3, 2, 3], {"stride": 1, "padding": [[0, 0], [1, 1], [0, 0]]}, expect="any")
    # conv2d: x (N, H, W, C), w (kh, kw, C/g, O)
    add("conv2d", "same-k3", [1, 5, 6, 2], [3, 3, 2, 3], {"strides": 1, "padding": "SAME"})
    add("conv2d", "same-s2-k42-even", [1, 7, 6, 2], [4, 2, 2, 2], {"strides": 2, "padding": "SAME"})
    add("conv2d", "valid-s23-k3", [1, 9, 8, 1], [3, 3, 1, 2], {"strides": [2, 3], "padding": "VALID"})
    add("conv2d", "explicit-s2", [1, 6, 5, 2], [3, 3, 2, 2], {"strides": 2, "padding": [[0, 0], [1, 2], [0, 3], [0, 0]]})
    add("conv2d", "strides4-same", [1, 6, 7, 1], [3, 2, 1, 2], {"strides": [1, 2, 2, 1], "padding": "SAME"})
    add("conv2d", "same-d2", [1, 7, 7, 2], [3, 3, 2, 2], {"strides": 1, "padding": "SAME", "dilations": 2})
    add("conv2d", "same-s2-d21", [1, 8, 7, 1], [3, 2, 1, 2], {"strides": 2, "padding": "SAME", "dilations": [2, 1]}, expect="any",
        note="tf.nn.convolution refuses strides > 1 with dilations > 1 (documented), tf.nn.conv2d computes it")
    add("conv2d", "grouped-g2", [1, 5, 5, 4], [3, 3, 2, 4], {"strides": 1, "padding": "SAME"}, expect="any")
    add("conv2d", "depthwise-g3", [1, 4, 4, 3], [2, 2, 1, 3], {"strides": 1, "padding": "VALID"}, expect="any")
    add("conv2d", "same-s3-k2", [1, 7, 8, 2], [2, 2, 2, 1], {"strides": 3, "padding": "SAME"})
    add("conv2d", "valid-s2-k1-batch2", [2, 5, 4, 3], [1, 1, 3, 2], {"strides": 2, "padding": "VALID"})
    add("conv2d", "NCHW-f64", [1, 2, 5, 5], [3, 3, 2, 2], {"strides": 2, "padding": "SAME", "data_format": "NCHW"}, expect="any")
    add("conv2d", "NCHW-f32-same-s2", [1, 2, 5, 5], [3, 3, 2, 2], {"strides": 2, "padding": "SAME", "data_format": "NCHW"}, expect="any", dtype="float32")
    add("conv2d", "NCHW-f32-explicit", [1, 2, 5, 6], [3, 3, 2, 2], {"strides": 1, "padding": [[0, 0], [0, 0], [1, 1], [2, 0]], "data_format": "NCHW"}, expect="any", dtype="float32")
    add("conv2d", "neg-explicit-batch-pad", [1, 5, 5, 1], [3, 3, 1, 1], {"strides": 1, "padding": [[1, 0], [1, 1], [1, 1], [0, 0]]}, expect="error")
    # conv3d: x (N, D, H, W, C), w (kd, kh, kw, C, O); strides length 5
    add("conv3d", "same-s1212", [1, 4, 5, 3, 2], [2, 3, 2, 2, 3], {"strides": [1, 2, 1, 2, 1], "padding": "SAME"})
    add("conv3d", "valid-k3", [1, 4, 5, 6, 1], [3, 3, 3, 1, 2], {"strides": [1, 1, 2, 1, 1], "padding": "VALID"})
    add("conv3d", "same-k2-even", [1, 3, 4, 3, 2], [2, 2, 2, 2, 2], {"strides": [1, 1, 1, 1, 1], "padding": "SAME"})
    add("conv3d", "neg-dilation-cpu", [1, 4, 5, 3, 2], [2, 2, 2, 2, 3], {"strides": [1, 1, 1, 1, 1], "padding": "SAME", "dilations": [1, 2, 1, 1, 1]}, expect="any",
        note="dilations is a documented argument of tf.nn.conv3d; tf.nn.convolution computes a dilated 3-d convolution on the CPU (case convolution-3d-valid-d2)")
    add("conv3d", "neg-NCDHW-cpu", [1, 2, 4, 5, 3], [2, 2, 2, 2, 3], {"strides": [1, 1, 1, 1, 1], "padding": "SAME", "data_format": "NCDHW"}, expect="any")
    add("conv3d", "NCDHW-f32", [1, 2, 4, 5, 3], [2, 2, 2, 2, 3], {"strides": [1, 1, 1, 1, 1], "padding": "SAME", "data_format": "NCDHW"}, expect="any", dtype="float32")
    add("conv3d", "neg-grouped-cpu", [1, 3, 3, 3, 4], [2, 2, 2, 2, 2], {"strides": [1, 1, 1, 1, 1], "padding": "SAME"}, expect="any")
    add("conv3d", "neg-int-strides", [1, 3, 3, 3, 1], [2, 2, 2, 1, 1], {"strides": 2, "padding": "SAME"}, expect="any")

    # transposed: every valid output_shape for stride > 1
    # conv1d_transpose: x (N, W, C), w (k, O, C)
    for n, k, s in ((4, 3, 2), (3, 2, 3), (5, 4, 2)):
        for pad in ("SAME", "VALID"):
            for o in tf_transpose_outputs(n, k, s, pad):
                add("conv1d_transpose", f"{pad.lower()}-n{n}-k{k}-s{s}-out{o}", [1, n, 2], [k, 3, 2],
                    {"output_shape": [1, o, 3], "strides": s, "padding": pad})
    add("conv1d_transpose", "NCW-f64", [1, 2, 4], [3, 1, 2], {"output_shape": [1, 1, 8], "strides": 2, "padding": "SAME", "data_format": "NCW"}, expect="any")
    add("conv1d_transpose", "NCW-f32", [1, 2, 4], [3, 1, 2], {"output_shape": [1, 1, 8], "strides": 2, "padding": "SAME", "data_format": "NCW"}, expect="any", dtype="float32")
    add("conv1d_transpose", "neg-dilation-cpu", [1, 4, 1], [3, 1, 1], {"output_shape": [1, 4, 1], "strides": 1, "padding": "SAME", "dilations": 2}, expect="any")
    add("conv1d_transpose", "same-s1", [1, 5, 2], [3, 1, 2], {"output_shape": [1, 5, 1], "strides": 1, "padding": "SAME"})
    add("conv1d_transpose", "valid-s1", [2, 5, 1], [3, 2, 1], {"output_shape": [2, 7, 2], "strides": 1, "padding": "VALID"})
    # conv2d_transpose: x (N, H, W, C), w (kh, kw, O, C)
    for (nh, nw), (kh, kw), (sh, sw) in (((3, 4), (3, 3), (2, 2)), ((2, 3), (2, 4), (3, 2))):
        strides = sh if sh == sw else [sh, sw]
        for pad in ("SAME", "VALID"):
            for oh in tf_transpose_outputs(nh, kh, sh, pad):
                for ow in tf_transpose_outputs(nw, kw, sw, pad):
                    add("conv2d_transpose", f"{pad.lower()}-n{nh}x{nw}-k{kh}x{kw}-s{sh}x{sw}-out{oh}x{ow}",
                        [1, nh, nw, 2], [kh, kw, 2, 2], {"output_shape": [1, oh, ow, 2], "strides": strides, "padding": pad})
    for ph, pw in (((1, 0), (0, 2)),):
        for oh in tf_transpose_outputs(3, 3, 2, "EXPLICIT", ph):
            for ow in tf_transpose_outputs(3, 3, 2, "EXPLICIT", pw):
                add("conv2d_transpose", f"explicit-p{ph[0]}{ph[1]}{pw[0]}{pw[1]}-out{oh}x{ow}", [1, 3, 3, 1], [3, 3, 2, 1],
                    {"output_shape": [1, oh, ow, 2], "strides": 2, "padding": [[0, 0], list(ph), list(pw), [0, 0]]})
    add("conv2d_transpose", "same-s1-k4-even", [1, 4, 5, 2], [4, 4, 1, 2], {"output_shape": [1, 4, 5, 1], "strides": 1, "padding": "SAME"})
    add("conv2d_transpose", "strides4-valid-batch2", [2, 3, 3, 1], [2, 3, 2, 1], {"output_shape": [2, 6, 7, 2], "strides": [1, 2, 2, 1], "padding": "VALID"})
    add("conv2d_transpose", "neg-outshape-too-big", [1, 3, 3, 1], [3, 3, 1, 1], {"output_shape": [1, 7, 7, 1], "strides": 2, "padding": "SAME"}, expect="error")
    add("conv2d_transpose", "neg-outshape-too-small", [1, 3, 3, 1], [3, 3, 1, 1], {"output_shape": [1, 6, 4, 1], "strides": 2, "padding": "VALID"}, expect="error")
    add("conv2d_transpose", "neg-dilation-cpu", [1, 3, 3, 1], [3, 3, 1, 1], {"output_shape": [1, 3, 3, 1], "strides": 1, "padding": "SAME", "dilations": 2}, expect="any")
    add("conv2d_transpose", "NCHW-f64", [1, 2, 3, 3], [3, 3, 1, 2], {"output_shape": [1, 1, 6, 6], "strides": 2, "padding": "SAME", "data_format": "NCHW"}, expect="any")
    add("conv2d_transpose", "NCHW-f32", [1, 2, 3, 3], [3, 3, 1, 2], {"output_shape": [1, 1, 6, 6], "strides": 2, "padding": "SAME", "data_format": "NCHW"}, expect="any", dtype="float32")
    add("conv2d_transpose", "neg-grouped", [1, 3, 3, 4], [3, 3, 2, 2], {"output_shape": [1, 6, 6, 4], "strides": 2, "padding": "SAME"}, expect="any")
    # conv3d_transpose: x (N, D, H, W, C), w (kd, kh, kw, O, C)
    for pad in ("SAME", "VALID"):
        outs = [tf_transpose_outputs(n, k, 2, pad) for n, k in ((2, 2), (2, 3), (3, 2))]
        for od in outs[0]:
            for oh in outs[1]:
                for ow in outs[2]:
                    add("conv3d_transpose", f"{pad.lower()}-n223-k232-s2-out{od}x{oh}x{ow}", [1, 2, 2, 3, 1], [2, 3, 2, 2, 1],
                        {"output_shape": [1, od, oh, ow, 2], "strides": 2, "padding": pad})
    add("conv3d_transpose", "same-s3-k2", [1, 2, 1, 2, 2], [2, 2, 2, 1, 2], {"output_shape": [1, 5, 3, 6, 1], "strides": [1, 3, 3, 3, 1], "padding": "SAME"})
    # dilated transposes: refused in float64 on the CPU, computed in float32 (oneDNN)
    note32 = "float64 refuses dilations > 1 on the CPU; float32 runs the oneDNN kernel, which accepts them"
    add("conv1d_transpose", "valid-d2-f32", [1, 4, 1], [3, 2, 1], {"output_shape": [1, 8, 2], "strides": 1, "padding": "VALID", "dilations": 2}, expect="any", dtype="float32", note=note32)
    for o in tf_transpose_outputs(4, 5, 2, "SAME"):
        add("conv1d_transpose", f"same-s2-d2-out{o}-f32", [1, 4, 2], [3, 1, 2], {"output_shape": [1, o, 1], "strides": 2, "padding": "SAME", "dilations": 2}, expect="any", dtype="float32", note=note32)
    add("conv2d_transpose", "valid-s1-d2-f32", [1, 3, 3, 1], [3, 3, 2, 1], {"output_shape": [1, 7, 7, 2], "strides": 1, "padding": "VALID", "dilations": 2}, expect="any", dtype="float32", note=note32)
    add("conv2d_transpose", "same-s1-d2-k2-f32", [1, 4, 3, 2], [2, 2, 1, 2], {"output_shape": [1, 4, 3, 1], "strides": 1, "padding": "SAME", "dilations": 2}, expect="any", dtype="float32", note=note32)
    for o in tf_transpose_outputs(3, 5, 2, "VALID"):
        add("conv2d_transpose", f"valid-s2-d2-out{o}-f32", [1, 3, 3, 1], [3, 3, 1, 1], {"output_shape": [1, o, o, 1], "strides": 2, "padding": "VALID", "dilations": 2}, expect="any", dtype="float32", note=note32)
    add("conv2d_transpose", "neg-dilation-f64", [1, 3, 3, 1], [3, 3, 2, 1], {"output_shape": [1, 7, 7, 2], "strides": 1, "padding": "VALID", "dilations": 2}, expect="any")
    add("conv3d_transpose", "valid-d2-f32", [1, 2, 2, 2, 1], [2, 2, 2, 1, 1], {"output_shape": [1, 4, 4, 4, 1], "strides": 1, "padding": "VALID", "dilations": 2}, expect="any", dtype="float32", note=note32)
    add("conv3d", "same-d2-f32", [1, 4, 5, 3, 2], [2, 2, 2, 2, 3], {"strides": [1, 1, 1, 1, 1], "padding": "SAME", "dilations": [1, 2, 1, 1, 1]}, expect="any", dtype="float32", note=note32)
    add("conv3d_transpose", "NCDHW-f64", [1, 1, 2, 2, 2], [2, 2, 2, 1, 1], {"output_shape": [1, 1, 4, 4, 4], "strides": 2, "padding": "SAME", "data_format": "NCDHW"}, expect="any")
    add("conv3d_transpose", "NCDHW-f32", [1, 1, 2, 2, 2], [2, 2, 2, 1, 1], {"output_shape": [1, 1, 4, 4, 4], "strides": 2, "padding": "SAME", "data_format": "NCDHW"}, expect="any", dtype="float32")
    add("conv3d_transpose", "neg-outshape", [1, 2, 2, 2, 1], [2, 2, 2, 1, 1], {"output_shape": [1, 5, 4, 4, 1], "strides": 2, "padding": "SAME"}, expect="error")
    add("conv3d_transpose", "neg-dilation-cpu", [1, 2, 2, 2, 1], [2, 2, 2, 1, 1], {"output_shape": [1, 2, 2, 2, 1], "strides": 1, "padding": "SAME", "dilations": 2}, expect="any")
    # convolution
    add("convolution", "1d-same-s2", [1, 7, 2], [3, 2, 3], {"strides": 2, "padding": "SAME"})
    add("convolution", "2d-valid-s2", [1, 6, 5, 2], [3, 3, 2, 2], {"strides": 2, "padding": "VALID"})
    add("convolution", "2d-same-d2", [1, 6, 7, 1], [3, 2, 1, 2], {"padding": "SAME", "dilations": 2})
    add("convolution", "2d-valid-d12", [1, 6, 7, 2], [2, 3, 2, 1], {"padding": "VALID", "dilations": [1, 2]})
    add("convolution", "2d-grouped", [1, 5, 5, 4], [3, 3, 2, 2], {"padding": "SAME"}, expect="any")
    add("convolution", "3d-same-s212", [1, 4, 5, 3, 2], [2, 3, 2, 2, 2], {"strides": [2, 1, 2], "padding": "SAME"})
    add("convolution", "3d-valid-d2", [1, 5, 5, 5, 1], [2, 2, 2, 1, 2], {"padding": "VALID", "dilations": 2}, expect="any",
        note="tf.nn.conv3d refuses dilations > 1 on the CPU (case conv3d-neg-dilation-cpu)")
    add("convolution", "default-padding", [1, 5, 4, 1], [2, 2, 1, 1], {})
    add("convolution", "neg-strided-dilated", [1, 8, 7, 1], [3, 2, 1, 2], {"strides": 2, "padding": "SAME", "dilations": [2, 1]}, expect="error",
        note="tf.nn.conv2d computes this call (case conv2d-same-s2-d21)")
    add("convolution", "neg-explicit-padding", [1, 5, 5, 1], [3, 3, 1, 1], {"padding": [[0, 0], [1, 0], [0, 1], [0, 0]]}, expect="any")
    add("convolution", "NCHW-f64", [1, 2, 5, 5], [3, 3, 2, 2], {"padding": "SAME", "data_format": "NCHW"}, expect="any")
    add("convolution", "NCHW-f32", [1, 2, 5, 5], [3, 3, 2, 2], {"padding": "SAME", "data_format": "NCHW"}, expect="any", dtype="float32")
    # added with convpipe's framework stages
    add("conv1d", "stride3-batch-entry-ignored", [2, 9, 2], [3, 2, 3], {"stride": [2, 2, 1], "padding": "SAME"},
        note="a length-3 stride is [batch, width, channels] in NWC; the runtime ignores the batch entry 2 (undocumented)")
    add("conv2d_transpose", "outshape-spatial-only", [1, 3, 4, 2], [3, 3, 2, 2], {"output_shape": [6, 8], "strides": 2, "padding": "SAME"},
        note="output_shape may list the spatial sizes only; the documentation asks for the 4-d shape")
    add("conv2d_transpose", "explicit-s3-out-plus2", [1, 3, 3, 1], [2, 3, 2, 1], {"output_shape": [1, 9, 9, 2], "strides": 3, "padding": [[0, 0], [1, 0], [0, 2], [0, 0]]})
    return _names(S, "tensorflow")


# ---- Keras 3 ---------------------------------------------------------------------

def keras_specs():
    S = []

    def add(layer, tag, x, args, bias=True, expect="ok", note=None, dtype="float64"):
        nd = len(x) - 2
        cf = args.get("data_format") == "channels_first"
        cin = x[1] if cf else x[-1]
        ks = args["kernel_size"]
        ks = [ks] * nd if isinstance(ks, int) else list(ks)
        f = args["filters"]
        if "Transpose" in layer:
            w = ks + [f, cin]
        else:
            w = ks + [cin // args.get("groups", 1), f]
        shapes = {"x": x, "w": w}
        names = ["x", "w"]
        if args.get("use_bias", True) and bias:
            shapes["b"] = [f]
            names.append("b")
        call = make_call("keras_run", [json.dumps(layer)] + names, args, tuples=TUPLES["keras"])
        S.append(Spec("keras", "keras.layers." + layer, f"{layer}-{tag}", shapes, args, call, expect, dtype=dtype, note=note))

    add("Conv1D", "valid-k3", [1, 7, 2], {"filters": 3, "kernel_size": 3})
    add("Conv1D", "same-k4-s2", [1, 8, 2], {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"})
    add("Conv1D", "causal-k3-d2", [1, 7, 2], {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2})
    add("Conv1D", "causal-k2-s2", [1, 7, 1], {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "causal"})
    add("Conv1D", "same-g2", [1, 7, 4], {"filters": 4, "kernel_size": 3, "padding": "same", "groups": 2})
    add("Conv1D", "same-d2", [1, 8, 2], {"filters": 2, "kernel_size": 3, "padding": "same", "dilation_rate": 2})
    add("Conv1D", "channels_first", [1, 2, 7], {"filters": 3, "kernel_size": 3, "strides": 2, "data_format": "channels_first"})
    add("Conv1D", "nobias-valid-s3-k2", [2, 8, 2], {"filters": 2, "kernel_size": 2, "strides": 3, "use_bias": False})
    add("Conv2D", "same-k3", [1, 5, 6, 2], {"filters": 3, "kernel_size": 3, "padding": "same"})
    add("Conv2D", "same-k24-s2", [1, 7, 6, 2], {"filters": 2, "kernel_size": [2, 4], "strides": 2, "padding": "same"})
    add("Conv2D", "valid-s23", [1, 9, 8, 1], {"filters": 2, "kernel_size": 3, "strides": [2, 3]})
    add("Conv2D", "same-d21", [1, 7, 6, 2], {"filters": 2, "kernel_size": 3, "padding": "same", "dilation_rate": [2, 1]})
    add("Conv2D", "same-g2", [1, 5, 5, 4], {"filters": 2, "kernel_size": 3, "padding": "same", "groups": 2})
    add("Conv2D", "channels_first-same-s2", [1, 2, 5, 6], {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"})
    add("Conv2D", "valid-s3-k2", [1, 8, 7, 2], {"filters": 2, "kernel_size": 2, "strides": 3})
    add("Conv2D", "neg-strided-dilated", [1, 8, 8, 1], {"filters": 1, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, expect="error")
    add("Conv3D", "same-k2-s2", [1, 4, 5, 3, 2], {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"})
    add("Conv3D", "valid-k3", [1, 4, 4, 5, 1], {"filters": 2, "kernel_size": 3})
    add("Conv3D", "channels_first-filters-eq-last-dim", [1, 2, 3, 4, 3], {"filters": 2, "kernel_size": 2, "data_format": "channels_first"})
    add("Conv3D", "channels_first-filters-ne-last-dim", [1, 2, 3, 4, 3], {"filters": 3, "kernel_size": 2, "data_format": "channels_first"})
    add("Conv3D", "channels_first-nobias", [1, 2, 3, 4, 3], {"filters": 2, "kernel_size": 2, "data_format": "channels_first", "use_bias": False})
    add("Conv3D", "same-g2", [1, 3, 3, 3, 4], {"filters": 2, "kernel_size": 2, "padding": "same", "groups": 2})
    add("Conv3D", "same-d2", [1, 4, 4, 4, 1], {"filters": 2, "kernel_size": 2, "padding": "same", "dilation_rate": 2})
    # transposed: output_padding None vs set, "same" and "valid", odd/even kernel, stride > kernel
    for k, s, opts in ((3, 2, (None, 0, 1)), (4, 2, (None, 0, 1)), (2, 3, (None, 0, 1, 2))):
        for pad in ("same", "valid"):
            for op in opts:
                args = {"filters": 2, "kernel_size": k, "strides": s, "padding": pad}
                if op is not None:
                    args["output_padding"] = op
                add("Conv1DTranspose", f"{pad}-k{k}-s{s}-op{op}", [1, 5, 2], args)
    add("Conv1DTranspose", "same-d2", [1, 5, 2], {"filters": 2, "kernel_size": 3, "padding": "same", "dilation_rate": 2})
    add("Conv1DTranspose", "neg-op-ge-stride", [1, 5, 1], {"filters": 1, "kernel_size": 3, "strides": 2, "output_padding": 2}, expect="error")
    for k, s, opts in ((3, 2, (None, 0, 1)), (4, 2, (None, 0, 1)), ([2, 3], [3, 2], (None, [2, 1]))):
        for pad in ("same", "valid"):
            for op in opts:
                args = {"filters": 2, "kernel_size": k, "strides": s, "padding": pad}
                if op is not None:
                    args["output_padding"] = op
                ktag = k if isinstance(k, int) else "x".join(map(str, k))
                stag = s if isinstance(s, int) else "x".join(map(str, s))
                otag = op if not isinstance(op, list) else "x".join(map(str, op))
                add("Conv2DTranspose", f"{pad}-k{ktag}-s{stag}-op{otag}", [1, 4, 3, 2], args)
    add("Conv2DTranspose", "neg-groups", [1, 3, 3, 4], {"filters": 2, "kernel_size": 2, "strides": 2, "groups": 2}, expect="error")
    add("Conv2DTranspose", "channels_first-same-s2", [1, 2, 3, 4], {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"})
    add("Conv2DTranspose", "nobias-valid-s2-batch2", [2, 3, 3, 1], {"filters": 2, "kernel_size": 2, "strides": 2, "use_bias": False})
    add("Conv2DTranspose", "same-d2", [1, 3, 4, 1], {"filters": 2, "kernel_size": 3, "padding": "same", "dilation_rate": 2})
    add("Conv3DTranspose", "same-k3-s2", [1, 2, 3, 2, 1], {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"})
    add("Conv3DTranspose", "same-k3-s2-op1", [1, 2, 3, 2, 1], {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1})
    add("Conv3DTranspose", "same-k2-s2", [1, 2, 2, 3, 2], {"filters": 1, "kernel_size": 2, "strides": 2, "padding": "same"})
    add("Conv3DTranspose", "valid-k2-s3", [1, 2, 2, 2, 1], {"filters": 2, "kernel_size": 2, "strides": 3})
    add("Conv3DTranspose", "channels_first-valid-k2-s2", [1, 1, 2, 3, 2], {"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"})
    # added with convpipe's framework stages
    add("Conv2D", "channels_first-f32-filters-eq-last-dim", [1, 2, 5, 3], {"filters": 3, "kernel_size": 3, "padding": "same", "data_format": "channels_first"}, dtype="float32",
        note="float32: the TensorFlow backend computes channels_first on the CPU, with the bias along the last axis when it has `filters` cells")
    add("Conv1D", "padding-upper-case", [1, 7, 2], {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "SAME"},
        note="Keras lower-cases padding; tf.nn refuses \"same\"")
    add("Conv2DTranspose", "valid-d2-s1-op1", [1, 4, 3, 2], {"filters": 2, "kernel_size": 2, "padding": "valid", "dilation_rate": 2, "output_padding": 0})
    return _names(S, "keras")


# ---- JAX -------------------------------------------------------------------------

def jax_specs():
    S = []

    def add(op, tag, x, w, args, expect="ok", note=None):
        call = make_call("jax.lax." + op, ["x", "w"], args, tuples=TUPLES["jax"])
        S.append(Spec("jax", "jax.lax." + op, f"{op}-{tag}", {"x": x, "w": w}, args, call, expect, note=note))

    cgd = "conv_general_dilated"
    NHWC = ["NHWC", "HWIO", "NHWC"]
    # default dimension_numbers: lhs (N, C, spatial), rhs (O, I, spatial)
    add(cgd, "valid", [1, 2, 6, 5], [3, 2, 3, 3], {"window_strides": [1, 1], "padding": "VALID"})
    add(cgd, "same-s2-k4", [1, 2, 7, 6], [2, 2, 4, 4], {"window_strides": [2, 2], "padding": "SAME"})
    add(cgd, "same_lower-s2-k4", [1, 2, 7, 6], [2, 2, 4, 4], {"window_strides": [2, 2], "padding": "SAME_LOWER"})
    add(cgd, "same_lower-k2-s1", [1, 1, 5, 4], [2, 1, 2, 2], {"window_strides": [1, 1], "padding": "SAME_LOWER"})
    add(cgd, "pairs", [1, 2, 5, 5], [2, 2, 3, 3], {"window_strides": [2, 1], "padding": [[1, 2], [0, 1]]})
    add(cgd, "negative-pairs", [1, 1, 6, 6], [2, 1, 2, 3], {"window_strides": [1, 1], "padding": [[-1, 0], [1, -1]]})
    add(cgd, "lhs_dilation-pairs", [1, 2, 3, 4], [2, 2, 3, 3], {"window_strides": [1, 1], "padding": [[2, 2], [1, 2]], "lhs_dilation": [2, 2]})
    add(cgd, "neg-lhs_dilation-same", [1, 1, 3, 4], [2, 1, 3, 2], {"window_strides": [1, 1], "padding": "SAME", "lhs_dilation": [2, 3]}, expect="error")
    add(cgd, "neg-lhs_dilation-valid-s2", [1, 1, 4, 4], [1, 1, 2, 2], {"window_strides": [2, 2], "padding": "VALID", "lhs_dilation": [3, 2]}, expect="error",
        note="the docstring of conv_general_dilated lists the padding strings without restriction, but any string padding is refused once lhs_dilation is not all ones")
    add(cgd, "rhs_dilation-same", [1, 2, 8, 7], [2, 2, 3, 2], {"window_strides": [1, 1], "padding": "SAME", "rhs_dilation": [2, 3]})
    add(cgd, "rhs_dilation-same_lower-s2", [1, 1, 8, 8], [2, 1, 2, 3], {"window_strides": [2, 2], "padding": "SAME_LOWER", "rhs_dilation": [3, 2]})
    add(cgd, "feature_group_count2", [1, 4, 5, 5], [4, 2, 3, 3], {"window_strides": [1, 1], "padding": "SAME", "feature_group_count": 2})
    add(cgd, "batch_group_count2", [2, 2, 5, 4], [4, 2, 2, 2], {"window_strides": [1, 1], "padding": "VALID", "batch_group_count": 2})
    add(cgd, "same-s3-k2", [1, 2, 8, 7], [2, 2, 2, 2], {"window_strides": [3, 3], "padding": "SAME"})
    add(cgd, "all-dilations-s2", [1, 1, 4, 3], [2, 1, 3, 2], {"window_strides": [2, 2], "padding": [[1, 1], [2, 0]], "lhs_dilation": [2, 2], "rhs_dilation": [1, 2]})
    add(cgd, "NHWC-same-s2", [1, 7, 6, 2], [3, 3, 2, 3], {"window_strides": [2, 2], "padding": "SAME", "dimension_numbers": NHWC})
    add(cgd, "NHWC-batch_group_count2", [2, 4, 5, 1], [2, 2, 1, 4], {"window_strides": [1, 1], "padding": "SAME", "dimension_numbers": NHWC, "batch_group_count": 2})
    add(cgd, "mixed-dn", [1, 2, 6, 5], [3, 3, 2, 2], {"window_strides": [1, 2], "padding": [[1, 1], [0, 0]], "dimension_numbers": ["NCHW", "HWIO", "NHWC"]})
    add(cgd, "1d-NWC-same_lower-k4", [1, 9, 2], [4, 2, 2], {"window_strides": [2], "padding": "SAME_LOWER", "dimension_numbers": ["NWC", "WIO", "NWC"]})
    add(cgd, "1d-default-valid-s3", [2, 2, 8], [3, 2, 2], {"window_strides": [3], "padding": "VALID"})
    add(cgd, "3d-NDHWC-same", [1, 4, 5, 3, 2], [2, 3, 2, 2, 2], {"window_strides": [2, 1, 2], "padding": "SAME", "dimension_numbers": ["NDHWC", "DHWIO", "NDHWC"]})
    add(cgd, "3d-default-pairs-fgc2", [1, 2, 3, 4, 3], [2, 1, 2, 2, 2], {"window_strides": [1, 1, 1], "padding": [[1, 0], [0, 1], [1, 1]], "feature_group_count": 2})
    add(cgd, "neg-fgc-not-dividing", [1, 4, 5, 5], [3, 1, 3, 3], {"window_strides": [1, 1], "padding": "SAME", "feature_group_count": 3}, expect="error")
    add(cgd, "neg-padding-string", [1, 1, 5, 5], [1, 1, 3, 3], {"window_strides": [1, 1], "padding": "FULL"}, expect="error")
    # conv_transpose: default dimension_numbers NHC/NHWC/NDHWC with HIO/HWIO/DHWIO
    ct = "conv_transpose"
    for tk in (False, True):
        t = "tk" if tk else "notk"
        # with transpose_kernel=True the rhs I and O dims swap roles: w (.., O_out, C_in)
        w3 = [3, 3, 2, 3] if not tk else [3, 3, 3, 2]
        add(ct, f"same-s2-k3-{t}", [1, 3, 4, 2], w3, {"strides": [2, 2], "padding": "SAME", "transpose_kernel": tk})
        add(ct, f"valid-s2-k3-{t}", [1, 3, 4, 2], w3, {"strides": [2, 2], "padding": "VALID", "transpose_kernel": tk})
        w4 = [4, 2, 1, 2] if not tk else [4, 2, 2, 1]
        add(ct, f"same-s2-k42-{t}", [1, 3, 3, 1], w4, {"strides": [2, 2], "padding": "SAME", "transpose_kernel": tk})
        w2 = [2, 2, 2, 2]
        add(ct, f"same-s3-k2-{t}", [1, 3, 2, 2], w2, {"strides": [3, 3], "padding": "SAME", "transpose_kernel": tk})
        add(ct, f"valid-s3-k2-{t}", [1, 3, 2, 2], w2, {"strides": [3, 3], "padding": "VALID", "transpose_kernel": tk})
        add(ct, f"pairs-s2-{t}", [1, 3, 4, 2], w3, {"strides": [2, 2], "padding": [[1, 1], [2, 0]], "transpose_kernel": tk})
        add(ct, f"rhs_dilation2-same-{t}", [1, 3, 3, 1], [3, 2, 1, 2] if not tk else [3, 2, 2, 1], {"strides": [2, 1], "padding": "SAME", "rhs_dilation": [2, 2], "transpose_kernel": tk})
    for tk in (False, True):
        t = "tk" if tk else "notk"
        w3 = [3, 3, 2, 3] if not tk else [3, 3, 3, 2]
        add(ct, f"consistent-pairs-s2-{t}", [1, 3, 4, 2], w3, {"strides": [2, 2], "padding": [[1, 1], [2, 0]], "transpose_kernel": tk, "use_consistent_padding": True})
        add(ct, f"consistent-same-s2-k3-{t}", [1, 3, 4, 2], w3, {"strides": [2, 2], "padding": "SAME", "transpose_kernel": tk, "use_consistent_padding": True})
    add(ct, "consistent-pairs-rhs_dil2", [1, 3, 3, 1], [3, 2, 1, 2], {"strides": [2, 1], "padding": [[1, 2], [0, 1]], "rhs_dilation": [2, 2], "use_consistent_padding": True})
    add(ct, "consistent-valid-s3-k2", [1, 3, 2, 2], [2, 2, 2, 2], {"strides": [3, 3], "padding": "VALID", "use_consistent_padding": True})
    add(ct, "pairs-negative", [1, 4, 4, 1], [3, 3, 1, 1], {"strides": [2, 2], "padding": [[-1, 2], [0, -2]]})
    add(ct, "1d-same-s2-k4", [1, 5, 2], [4, 2, 3], {"strides": [2], "padding": "SAME"})
    add(ct, "1d-valid-s2-rhs_dil2", [2, 4, 1], [3, 1, 2], {"strides": [2], "padding": "VALID", "rhs_dilation": [2]})
    add(ct, "3d-same-s2-tk", [1, 2, 2, 3, 2], [2, 3, 2, 1, 2], {"strides": [2, 2, 2], "padding": "SAME", "transpose_kernel": True})
    add(ct, "3d-pairs-s122", [1, 2, 2, 2, 1], [2, 2, 2, 1, 2], {"strides": [1, 2, 2], "padding": [[1, 1], [0, 1], [1, 0]]})
    add(ct, "NCHW-OIHW-tk", [1, 2, 3, 3], [2, 3, 3, 3], {"strides": [2, 2], "padding": "SAME", "dimension_numbers": ["NCHW", "OIHW", "NCHW"], "transpose_kernel": True})
    add(ct, "NCHW-OIHW-notk-valid", [1, 2, 3, 3], [3, 2, 3, 3], {"strides": [2, 2], "padding": "VALID", "dimension_numbers": ["NCHW", "OIHW", "NCHW"]})
    add(ct, "neg-same_lower", [1, 3, 3, 1], [3, 3, 1, 1], {"strides": [2, 2], "padding": "SAME_LOWER"}, expect="error",
        note="conv_transpose's message recommends conv_transpose itself")
    # added with convpipe's framework stages
    add(cgd, "batch_group_count2-n4", [4, 2, 5, 4], [4, 2, 2, 2], {"window_strides": [1, 1], "padding": [[1, 0], [0, 1]], "batch_group_count": 2},
        note="output feature group g reads lhs batch items g*(N/G) ... (g+1)*(N/G)-1")
    add(ct, "pairs-beyond-kernel-tk", [1, 4, 5, 2], [3, 3, 3, 2], {"strides": [2, 3], "padding": [[4, 3], [-1, 5]], "transpose_kernel": True},
        note="pairs larger than d(k-1) put zeros before and after the full result")
    add(cgd, "lhs_dilation-s1-fgc2", [1, 4, 3, 4], [6, 2, 2, 3], {"window_strides": [1, 1], "padding": [[1, 1], [2, 0]], "lhs_dilation": [2, 2], "feature_group_count": 2})
    return _names(S, "jax")


# ---- ONNX ------------------------------------------------------------------------

def onnx_specs():
    S = []

    def add(op, tag, x, w, bias, attrs, expect="ok", note=None):
        shapes = {"x": x, "w": w}
        names = ["x", "w"]
        if bias:
            g = attrs.get("group", 1)
            shapes["b"] = [w[1] * g if op == "ConvTranspose" else w[0]]
            names.append("b")
        call = make_call("onnx_run", [json.dumps(op)] + names, attrs, tuples=TUPLES["onnx"])
        S.append(Spec("onnx", "onnx." + op, f"{op}-{tag}", shapes, attrs, call, expect, "float32", note))

    # Conv: x (N, C, spatial), w (M, C/group, k...)
    add("Conv", "default", [1, 2, 5, 5], [3, 2, 3, 3], True, {})
    add("Conv", "notset-pads1111", [1, 2, 5, 6], [3, 2, 3, 3], True, {"auto_pad": "NOTSET", "pads": [1, 1, 1, 1]})
    add("Conv", "pads-asym-s2", [1, 2, 7, 6], [2, 2, 3, 3], False, {"pads": [0, 1, 2, 0], "strides": [2, 2]})
    add("Conv", "same_upper-k4-s2", [1, 1, 7, 6], [2, 1, 4, 4], True, {"auto_pad": "SAME_UPPER", "strides": [2, 2]})
    add("Conv", "same_lower-k4-s2", [1, 1, 7, 6], [2, 1, 4, 4], True, {"auto_pad": "SAME_LOWER", "strides": [2, 2]})
    add("Conv", "same_upper-k3-d2", [1, 2, 6, 7], [2, 2, 3, 3], False, {"auto_pad": "SAME_UPPER", "dilations": [2, 2]}, expect="error")
    add("Conv", "same_lower-k2-d3", [1, 2, 6, 7], [2, 2, 2, 2], False, {"auto_pad": "SAME_LOWER", "dilations": [3, 3]}, expect="error")
    add("Conv", "same_upper-k2-s3", [1, 1, 8, 7], [1, 1, 2, 2], True, {"auto_pad": "SAME_UPPER", "strides": [3, 3]})
    add("Conv", "same_lower-k2-s3", [1, 1, 8, 7], [1, 1, 2, 2], True, {"auto_pad": "SAME_LOWER", "strides": [3, 3]})
    add("Conv", "same_upper-d2-s2-k2", [1, 1, 7, 8], [1, 1, 2, 2], False, {"auto_pad": "SAME_UPPER", "strides": [2, 2], "dilations": [2, 2]}, expect="error")
    add("Conv", "valid-s3", [1, 2, 8, 9], [2, 2, 3, 2], True, {"auto_pad": "VALID", "strides": [3, 3]})
    add("Conv", "group2-kernel_shape", [1, 4, 5, 5], [4, 2, 3, 3], True, {"group": 2, "kernel_shape": [3, 3], "pads": [1, 1, 1, 1]})
    add("Conv", "depthwise-group3", [1, 3, 4, 4], [3, 1, 2, 2], False, {"group": 3, "strides": [2, 2]})
    add("Conv", "batch2-d21-pads", [2, 1, 6, 5], [2, 1, 2, 3], True, {"dilations": [2, 1], "pads": [1, 0, 0, 2]})
    add("Conv", "1d-same_upper-k4", [1, 2, 7], [2, 2, 4], True, {"auto_pad": "SAME_UPPER", "strides": [2]})
    add("Conv", "1d-same_lower-k4", [1, 2, 7], [2, 2, 4], True, {"auto_pad": "SAME_LOWER", "strides": [2]})
    add("Conv", "1d-pads-d2", [1, 1, 8], [2, 1, 3], False, {"pads": [2, 1], "dilations": [2]})
    add("Conv", "3d-same_lower", [1, 2, 4, 3, 5], [2, 2, 2, 2, 3], True, {"auto_pad": "SAME_LOWER", "strides": [1, 2, 2]})
    add("Conv", "3d-pads-group2", [1, 2, 3, 4, 3], [2, 1, 2, 2, 2], False, {"group": 2, "pads": [1, 0, 1, 0, 1, 1]})
    add("Conv", "3d-valid", [1, 1, 4, 4, 4], [1, 1, 3, 2, 3], True, {"auto_pad": "VALID"})
    add("Conv", "neg-group-not-dividing", [1, 4, 5, 5], [3, 1, 3, 3], False, {"group": 3}, expect="error")
    add("Conv", "neg-kernel_shape-mismatch", [1, 1, 5, 5], [1, 1, 3, 3], False, {"kernel_shape": [2, 2]}, expect="error")
    # ConvTranspose: x (N, C, spatial), w (C, M/group, k...)
    CT = "ConvTranspose"
    add(CT, "default", [1, 2, 3, 3], [2, 3, 3, 3], True, {})
    add(CT, "notset-s2-pads1111-op11", [1, 2, 3, 4], [2, 2, 3, 3], True, {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1]})
    add(CT, "notset-pads-asym", [1, 1, 3, 3], [1, 2, 3, 3], False, {"strides": [2, 2], "pads": [0, 1, 1, 2]})
    for ap in ("SAME_UPPER", "SAME_LOWER"):
        a = ap.lower()
        add(CT, f"{a}-s2-k3", [1, 1, 3, 4], [1, 2, 3, 3], True, {"auto_pad": ap, "strides": [2, 2]})
        add(CT, f"{a}-s2-k3-op1", [1, 1, 3, 4], [1, 2, 3, 3], True, {"auto_pad": ap, "strides": [2, 2], "output_padding": [1, 1]})
        add(CT, f"{a}-s2-k4", [1, 2, 3, 3], [2, 1, 4, 4], False, {"auto_pad": ap, "strides": [2, 2]})
        add(CT, f"{a}-s2-k4-op1", [1, 2, 3, 3], [2, 1, 4, 4], False, {"auto_pad": ap, "strides": [2, 2], "output_padding": [1, 0]})
        add(CT, f"{a}-s1-k2", [1, 1, 4, 3], [1, 1, 2, 2], False, {"auto_pad": ap})
        add(CT, f"{a}-s3-k2-gt-kernel", [1, 1, 3, 3], [1, 1, 2, 2], True, {"auto_pad": ap, "strides": [3, 3]})
        add(CT, f"{a}-s4-k2-op1-gt-kernel", [1, 1, 2, 3], [1, 1, 2, 2], False, {"auto_pad": ap, "strides": [4, 4], "output_padding": [1, 1]})
        add(CT, f"{a}-s3-k2-d2", [1, 1, 3, 2], [1, 1, 2, 2], False, {"auto_pad": ap, "strides": [3, 3], "dilations": [2, 2]})
        add(CT, f"{a}-outshape-s2-k3", [1, 1, 3, 4], [1, 2, 3, 3], True, {"auto_pad": ap, "strides": [2, 2], "output_shape": [6, 7]})
        add(CT, f"{a}-outshape-s2-k3-op1", [1, 1, 3, 4], [1, 2, 3, 3], True, {"auto_pad": ap, "strides": [2, 2], "output_shape": [6, 7], "output_padding": [1, 1]})
        add(CT, f"{a}-outshape-s2-k4-small", [1, 1, 3, 3], [1, 1, 4, 4], False, {"auto_pad": ap, "strides": [2, 2], "output_shape": [5, 6]})
        add(CT, f"{a}-1d-s2-k3", [1, 2, 4], [2, 1, 3], True, {"auto_pad": ap, "strides": [2]})
        add(CT, f"{a}-1d-s4-k2", [1, 1, 3], [1, 2, 2], False, {"auto_pad": ap, "strides": [4]})
        add(CT, f"{a}-3d-s2-k2", [1, 1, 2, 2, 3], [1, 2, 2, 2, 2], False, {"auto_pad": ap, "strides": [2, 2, 2]})
    add(CT, "notset-outshape-s2-k3", [1, 1, 3, 4], [1, 2, 3, 3], True, {"strides": [2, 2], "output_shape": [6, 8]})
    add(CT, "notset-outshape-s2-k4", [1, 1, 3, 3], [1, 1, 4, 4], False, {"strides": [2, 2], "output_shape": [7, 6]})
    add(CT, "notset-outshape-op1", [1, 1, 3, 3], [1, 1, 3, 3], False, {"strides": [2, 2], "output_shape": [6, 6], "output_padding": [1, 1]})
    add(CT, "notset-outshape-bigger-than-full", [1, 1, 2, 2], [1, 1, 2, 2], False, {"strides": [2, 2], "output_shape": [5, 6]}, expect="error")
    add(CT, "same_upper-outshape-gt-full", [1, 1, 2, 2], [1, 1, 2, 2], False, {"auto_pad": "SAME_UPPER", "strides": [3, 3], "output_shape": [6, 7]})
    add(CT, "same_lower-outshape-gt-full", [1, 1, 2, 2], [1, 1, 2, 2], False, {"auto_pad": "SAME_LOWER", "strides": [3, 3], "output_shape": [6, 7]})
    add(CT, "notset-outshape-and-pads", [1, 1, 3, 3], [1, 1, 3, 3], False, {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_shape": [6, 6]})
    add(CT, "valid-s3-k2", [1, 1, 3, 2], [1, 2, 2, 2], True, {"auto_pad": "VALID", "strides": [3, 3]})
    add(CT, "valid-s2-k3", [1, 2, 3, 3], [2, 1, 3, 3], True, {"auto_pad": "VALID", "strides": [2, 2]})
    add(CT, "valid-s2-k3-op1", [1, 2, 3, 3], [2, 1, 3, 3], True, {"auto_pad": "VALID", "strides": [2, 2], "output_padding": [1, 1]})
    add(CT, "d2-s2-pads", [1, 1, 3, 3], [1, 2, 2, 3], False, {"strides": [2, 2], "dilations": [2, 2], "pads": [1, 0, 0, 1]})
    add(CT, "group2-s2", [1, 4, 3, 3], [4, 1, 2, 2], True, {"group": 2, "strides": [2, 2]})
    add(CT, "kernel_shape-s23", [1, 1, 2, 3], [1, 2, 3, 2], True, {"kernel_shape": [3, 2], "strides": [2, 3], "output_padding": [1, 2]})
    add(CT, "1d-pads-op", [1, 2, 5], [2, 2, 3], True, {"strides": [3], "pads": [1, 2], "output_padding": [2]})
    add(CT, "3d-pads", [1, 2, 2, 3, 2], [2, 1, 3, 2, 2], True, {"strides": [2, 1, 2], "pads": [1, 0, 0, 1, 1, 0], "output_padding": [1, 0, 1]})
    add(CT, "batch2-d3-op2", [2, 1, 3, 3], [1, 1, 2, 2], False, {"dilations": [3, 3], "output_padding": [2, 2]}, expect="error")
    add(CT, "op-ge-stride-and-dil", [1, 1, 3, 3], [1, 1, 3, 3], False, {"strides": [2, 2], "output_padding": [2, 2]}, expect="error")
    add(CT, "neg-group-not-dividing", [1, 3, 3, 3], [3, 1, 2, 2], False, {"group": 2}, expect="error")
    add(CT, "neg-pads-too-large", [1, 1, 2, 2], [1, 1, 2, 2], False, {"pads": [2, 2, 2, 2]}, expect="error")
    # added with convpipe's framework stages
    add(CT, "notset-outshape-gt-full-bias", [1, 1, 2, 3], [1, 2, 2, 2], True, {"strides": [3, 3], "output_shape": [6, 9]},
        note="output_shape beyond the full size: zeros appended at the end, the bias on them too")
    add("Conv", "neg-auto_pad-and-pads", [1, 1, 5, 5], [1, 1, 3, 3], False, {"auto_pad": "SAME_UPPER", "pads": [1, 1, 1, 1]}, expect="error")
    add(CT, "neg-auto_pad-and-pads", [1, 1, 3, 3], [1, 1, 3, 3], False, {"auto_pad": "SAME_LOWER", "pads": [1, 1, 1, 1], "strides": [2, 2]}, expect="error")
    add(CT, "same_upper-s3-op2-k1", [1, 1, 3, 2], [1, 1, 1, 1], False, {"auto_pad": "SAME_UPPER", "strides": [3, 3], "output_padding": [2, 1]})
    return _names(S, "onnx")


SPEC_BUILDERS = {"torch": torch_specs, "tensorflow": tf_specs, "keras": keras_specs, "jax": jax_specs, "onnx": onnx_specs}


# ---------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------

def framework_versions(framework, backend=None):
    if framework == "torch":
        import torch
        return f"torch {torch.__version__}"
    if framework == "tensorflow":
        import tensorflow as tf
        return f"tensorflow {tf.__version__}"
    if framework == "jax":
        import jax
        import jaxlib
        return f"jax {jax.__version__}, jaxlib {jaxlib.__version__}"
    if framework == "onnx":
        import onnx
        import onnxruntime
        return f"onnxruntime {onnxruntime.__version__}, onnx {onnx.__version__} (opset {ONNX_OPSET})"
    if framework == "keras":
        import keras
        if backend == "tensorflow":
            import tensorflow as tf
            return f"keras {keras.__version__} (backend tensorflow {tf.__version__})"
        import jax
        return f"keras {keras.__version__} (backend jax {jax.__version__})"
    raise ValueError(framework)


def _attempt(framework, call, tensors, backend):
    try:
        y = run_call(framework, call, tensors, backend)
        return {"ok": True, "value": np.asarray(y)}
    except Exception as e:  # the framework's refusal is the result
        return {"ok": False, "error": error_line(e), "error_type": type(e).__name__}


def worker(framework, backend):
    specs = SPEC_BUILDERS[framework]()
    backends = ["onnxruntime", "reference"] if framework == "onnx" else [backend]
    out = []
    for s in specs:
        tensors = _tensors(s)
        rec = {"name": s.name, "results": {}}
        for be in backends:
            rec["results"][be] = _attempt(framework, s.call, tensors, be)
        out.append(rec)
    vers = {be: framework_versions(framework, be) for be in backends}
    return {"framework": framework, "cases": out, "versions": vers}


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------

def _same(a, b, rtol, atol):
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)


def _shape_or_diff(a, b):
    if a.shape != b.shape:
        return f"shape {list(a.shape)} vs {list(b.shape)}"
    return f"max |difference| {float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))):.3g}"


def assemble(specs, results, framework):
    """Turn specs + worker results into case records for the HDF5 writer."""
    cases, problems = [], []
    for s in specs:
        r = results[s.name]
        rtol, atol = TOL[s.dtype]
        c = {"name": s.name, "framework": framework, "op": s.op, "args": json.dumps(s.args),
             "call": s.call, "dtype": s.dtype, "rtol": rtol, "atol": atol,
             "tensors": _tensors(s), "attrs": {}, "datasets": {}}
        if s.note:
            c["attrs"]["note"] = s.note
        if framework == "onnx":
            ort_r, ref_r = r["onnxruntime"], r["reference"]
            c["backend"] = "onnxruntime"
            if ort_r["ok"]:
                c["datasets"]["expected"] = ort_r["value"]
            else:
                c["attrs"]["error"] = ort_r["error"]
                c["attrs"]["error_type"] = ort_r["error_type"]
            if ref_r["ok"] and ort_r["ok"]:
                if not _same(ort_r["value"], ref_r["value"], rtol, atol):
                    c["datasets"]["expected_spec"] = ref_r["value"]
                    c["attrs"]["disagreement"] = (
                        "onnx.reference (the specification's reference implementation) differs from onnxruntime: "
                        + _shape_or_diff(ref_r["value"], ort_r["value"]) + " (reference vs onnxruntime)")
            elif ref_r["ok"] and not ort_r["ok"]:
                c["datasets"]["expected_spec"] = ref_r["value"]
                c["attrs"]["disagreement"] = (
                    f"onnxruntime refuses the node but onnx.reference computes a result of shape {list(ref_r['value'].shape)}")
            elif ort_r["ok"] and not ref_r["ok"]:
                c["attrs"]["error_spec"] = ref_r["error"]
                c["attrs"]["disagreement"] = "onnx.reference refuses the node but onnxruntime computes it"
            else:
                c["attrs"]["error_spec"] = ref_r["error"]
        elif framework == "keras":
            tf_r, jx_r = r["tensorflow"], r["jax"]
            if tf_r["ok"] and jx_r["ok"]:
                c["datasets"]["expected"] = tf_r["value"]
                if _same(tf_r["value"], jx_r["value"], rtol, atol):
                    c["backend"] = "tensorflow,jax"
                    c["attrs"]["max_abs_diff_jax"] = float(np.max(np.abs(tf_r["value"] - jx_r["value"])))
                    if not np.array_equal(tf_r["value"], jx_r["value"]):
                        c["datasets"]["expected_jax"] = jx_r["value"]  # agrees within rtol/atol, not bit for bit
                else:
                    c["backend"] = "tensorflow"
                    c["datasets"]["expected_jax"] = jx_r["value"]
                    c["attrs"]["disagreement"] = ("Keras backends disagree: tensorflow backend vs jax backend "
                                                  + _shape_or_diff(tf_r["value"], jx_r["value"]))
            elif jx_r["ok"]:
                c["backend"] = "jax"
                c["datasets"]["expected"] = jx_r["value"]
                c["attrs"]["error_tensorflow"] = tf_r["error"]
                c["attrs"]["disagreement"] = (f"the tensorflow backend refuses the layer call, the jax backend "
                                              f"returns shape {list(jx_r['value'].shape)}")
            elif tf_r["ok"]:
                c["backend"] = "tensorflow"
                c["datasets"]["expected"] = tf_r["value"]
                c["attrs"]["error_jax"] = jx_r["error"]
                c["attrs"]["disagreement"] = (f"the jax backend refuses the layer call, the tensorflow backend "
                                              f"returns shape {list(tf_r['value'].shape)}")
            else:
                c["backend"] = "tensorflow,jax"
                c["attrs"]["error"] = tf_r["error"]
                c["attrs"]["error_type"] = tf_r["error_type"]
                c["attrs"]["error_jax"] = jx_r["error"]
        else:
            (be, rr), = r.items()
            if rr["ok"]:
                c["datasets"]["expected"] = rr["value"]
            else:
                c["attrs"]["error"] = rr["error"]
                c["attrs"]["error_type"] = rr["error_type"]
        positive = "expected" in c["datasets"]
        if s.expect == "ok" and not positive:
            problems.append(f"{s.name}: expected success, got error {c['attrs'].get('error')}")
        if s.expect == "error" and positive:
            problems.append(f"{s.name}: expected an error, got a result")
        for k, v in c["datasets"].items():
            if str(v.dtype) != s.dtype:
                problems.append(f"{s.name}: {k} dtype {v.dtype} != {s.dtype}")
        cases.append(c)
    return cases, problems


def package_versions():
    from importlib import metadata
    names = ["numpy", "h5py", "torch", "tensorflow-cpu", "keras", "jax", "jaxlib", "onnx", "onnxruntime",
             "ml_dtypes", "protobuf"]
    v = {"python": sys.version.split()[0]}
    for n in names:
        try:
            v[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            v[n] = None
    return v


def write_h5(path, all_cases, versions_by_fw):
    import h5py
    # No object timestamps and case groups listed in creation order, so that a
    # regeneration on the same day with the same versions is byte-identical.
    order = h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fcpl.set_link_creation_order(order)
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    gcpl.set_link_creation_order(order)
    with h5py.File(h5py.h5f.create(os.fsencode(path), h5py.h5f.ACC_TRUNC, fcpl=fcpl)) as f:
        f.attrs["generator"] = GENERATOR_PATH
        f.attrs["created"] = datetime.date.today().isoformat()
        f.attrs["versions"] = json.dumps(package_versions(), sort_keys=True)
        f.attrs["onnx_opset"] = ONNX_OPSET
        h5py.h5g.create(f.id, b"cases", gcpl=gcpl)
        root = f["cases"]
        for c in all_cases:
            g = root.create_group(c["name"])
            for k, v in c["tensors"].items():
                g.create_dataset({"x": "input", "w": "weight", "b": "bias"}[k], data=v, track_times=False)
            for k, v in c["datasets"].items():
                g.create_dataset(k, data=v, track_times=False)
            g.attrs["framework"] = c["framework"]
            g.attrs["op"] = c["op"]
            g.attrs["args"] = c["args"]
            g.attrs["call"] = c["call"]
            if "backend" in c:
                g.attrs["backend"] = c["backend"]
            g.attrs["dtype"] = c["dtype"]
            g.attrs["rtol"] = c["rtol"]
            g.attrs["atol"] = c["atol"]
            g.attrs["versions"] = versions_by_fw[c["framework"]]
            for k, v in c["attrs"].items():
                g.attrs[k] = v


def _run_worker_subprocess(framework, backend, tmpdir):
    out = os.path.join(tmpdir, f"{framework}-{backend or 'default'}.pkl")
    env = dict(os.environ)
    env.pop("KERAS_BACKEND", None)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--out", out]
    if backend:
        cmd += ["--backend", backend]
    print("worker:", framework, backend or "", flush=True)
    subprocess.run(cmd, check=True, env=env)
    with open(out, "rb") as fh:
        return pickle.load(fh)


def generate(out_path):
    import tempfile
    all_cases, problems, versions_by_fw = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for fw in ("torch", "tensorflow", "jax", "onnx", "keras"):
            specs = SPEC_BUILDERS[fw]()
            backends = KERAS_BACKENDS if fw == "keras" else (None,)
            results = {s.name: {} for s in specs}
            vers = []
            for be in backends:
                w = _run_worker_subprocess(fw, be, tmp)
                for rec in w["cases"]:
                    results[rec["name"]].update(rec["results"])
                vers.extend(w["versions"].values())
            versions_by_fw[fw] = "; ".join(vers)
            cases, probs = assemble(specs, results, fw)
            all_cases.extend(cases)
            problems.extend(probs)
    write_h5(out_path, all_cases, versions_by_fw)
    npos = sum("expected" in c["datasets"] for c in all_cases)
    print(f"wrote {out_path}: {len(all_cases)} cases, {npos} positive, {len(all_cases) - npos} negative")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


# ---------------------------------------------------------------------------
# --check-explain: run the calls `convpipe explain --json` prints
# ---------------------------------------------------------------------------

def _apply_transforms(array, transforms):
    """numpy equivalents of explain's tensor transforms: permute, reshape, flip."""
    for t in transforms:
        if "permute" in t:
            array = np.transpose(array, t["permute"])
        elif "reshape" in t:
            array = np.reshape(array, t["reshape"])
        elif "flip" in t:
            array = np.flip(array, t["flip"])
        else:
            raise ValueError(f"unknown transform {t}")
    return np.ascontiguousarray(array)


def _run_calls_subprocess(calls):
    """Run a list of (framework, call, tensors, backend) in one fresh interpreter
    (`--run-calls`), so that each framework loads alone: some pairs of frameworks
    cannot share a process (their LLVMs clash).  Returns (ok, value or message) per call."""
    env = dict(os.environ)
    env.pop("KERAS_BACKEND", None)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--run-calls"], input=pickle.dumps(calls),
                       capture_output=True, env=env)
    if p.returncode != 0:
        message = (p.stderr.decode(errors="replace").strip().splitlines() or ["exit " + str(p.returncode)])[-1]
        return [(False, f"the subprocess failed: {message}")] * len(calls)
    return pickle.loads(p.stdout)


def check_explain(path, convpipe):
    """Run every call of an explanation (`convpipe explain JOB --json > FILE.json`)
    with run_call on the job's own tensors, and compare each result with what
    convpipe computes for the stage (`convpipe run` on a copy of the job that keeps
    every tensor).  Calls run grouped by framework (and Keras backend), each group
    in its own subprocess.  Prints one line per stage and framework; exits 1 on a
    difference."""
    import h5py
    import tempfile
    with open(path) as fh:
        explanation = json.load(fh)
    job_path = explanation["job"]
    with open(job_path) as fh:
        job = json.load(fh)
    names = list(job.get("inputs", {})) + [s["id"] for s in job.get("stages", []) if s.get("op") != "verify"]
    job["outputs"] = dict(job.get("outputs", {}), tensors=names)
    job["outputs"].pop("path", None)
    directory = os.path.dirname(os.path.abspath(job_path))
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(directory, f".check-explain-{os.getpid()}.json")
        with open(copy, "w") as fh:
            json.dump(job, fh)
        try:
            out = os.path.join(tmp, "out.h5")
            run = subprocess.run([convpipe, "run", copy, "--output", out, "--quiet"], capture_output=True, text=True)
            if run.returncode not in (0, 1):
                print(f"check-explain: convpipe run failed ({run.returncode}): {run.stderr.strip()}")
                return 1
        finally:
            os.remove(copy)
        with h5py.File(out) as f:
            group = f["items"][explanation["item"]]["tensors"]
            stored = {name: np.asarray(group[name]) for name in group}
    work = []  # (stage, call, expected)
    for stage in explanation["stages"]:
        for call in stage["calls"]:
            work.append((stage, call, stored[stage["id"]]))
    groups = {}
    for i, (stage, call, expected) in enumerate(work):
        if call["kind"] == "impossible":
            continue
        tensors = {name: _apply_transforms(stored[b["tensor"]], b["transforms"]).astype(call["dtype"])
                   for name, b in call["bind"].items()}
        groups.setdefault((call["framework"], call.get("backend")), []).append(
            (i, (call["framework"], call["call"], tensors, call.get("backend"))))
    outcomes = {}
    for key, items in groups.items():
        results = _run_calls_subprocess([c for _, c in items])
        for (i, _), result in zip(items, results):
            outcomes[i] = result
    failures = agree = impossible = 0
    for i, (stage, call, expected) in enumerate(work):
        label = f"{stage['id']} {call['framework']}"
        if call["kind"] == "impossible":
            impossible += 1
            print(f"{label}: not expressible: {call['reason']}")
            continue
        ok, value = outcomes[i]
        if not ok:
            failures += 1
            print(f"{label}: FAIL: {value}\n  {call['call']}")
            continue
        result = _apply_transforms(np.asarray(value), call["result"])
        dtype = call["dtype"]
        rtol, atol = TOL["float32" if "float32" in (dtype, str(expected.dtype)) else "float64"]
        if result.shape != expected.shape:
            failures += 1
            print(f"{label}: FAIL: shape {list(result.shape)}, convpipe {list(expected.shape)}\n  {call['call']}")
            continue
        diff = float(np.max(np.abs(result.astype(np.float64) - expected.astype(np.float64))))
        if not np.allclose(result, expected, rtol=rtol, atol=atol):
            failures += 1
            print(f"{label}: FAIL: max |difference| {diff:.3g}\n  {call['call']}")
        else:
            agree += 1
            note = f", {dtype}" if dtype != str(expected.dtype) else ""
            backend = f" (backend {call['backend']})" if call.get("backend") else ""
            print(f"{label}{backend}: {call['kind']}, agrees (max |difference| {diff:.2g}{note})")
    print(f"check-explain: {agree} calls agree with convpipe, {failures} differ, {impossible} not expressible")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "cases.h5"))
    ap.add_argument("--worker", choices=sorted(SPEC_BUILDERS))
    ap.add_argument("--backend")
    ap.add_argument("--run-call", action="store_true")
    ap.add_argument("--run-calls", action="store_true")
    ap.add_argument("--check-explain", metavar="FILE.json",
                    help="run the calls of `convpipe explain JOB --json` and compare them with convpipe's results")
    ap.add_argument("--convpipe", default=os.path.join(HERE, "..", "..", "..", ".build", "debug", "convpipe"),
                    help="the convpipe binary --check-explain runs (default: .build/debug/convpipe)")
    a = ap.parse_args()
    if a.check_explain:
        return check_explain(a.check_explain, a.convpipe)
    if a.run_calls:
        results = []
        for framework, call, tensors, backend in pickle.loads(sys.stdin.buffer.read()):
            try:
                results.append((True, np.asarray(run_call(framework, call, tensors, backend))))
            except Exception as e:
                results.append((False, f"{type(e).__name__}: {error_line(e)}"))
        sys.stdout.buffer.write(pickle.dumps(results))
        return 0
    if a.run_call:
        framework, call, tensors, backend = pickle.loads(sys.stdin.buffer.read())
        try:
            res = (True, run_call(framework, call, tensors, backend))
        except Exception as e:
            res = (False, f"{type(e).__name__}: {error_line(e)}")
        sys.stdout.buffer.write(pickle.dumps(res))
        return 0
    if a.worker:
        w = worker(a.worker, a.backend)
        with open(a.out, "wb") as fh:
            pickle.dump(w, fh)
        return 0
    return generate(a.out)


if __name__ == "__main__":
    sys.exit(main())
