"""Checks the models of `cargo run --release --example onnx_export -- DIR` with ONNX's own
tools (the `onnx` and `onnxruntime` pip packages): each passes `onnx.checker` (full check,
shape inference included) and, run in ONNX Runtime on the example's inputs (in the model's
input order), gives the
outputs this crate computed (to 1e-5). Prints one ok/FAIL line per check; exits non-zero on
any failure.

python check_onnx.py DIR
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

root = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


for entry in json.load(open(os.path.join(root, "manifest.json"))):
    path = os.path.join(root, entry["model"])
    name = entry["model"]
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
        check(True, f"onnx checker: {name} (opset {model.opset_import[0].version})")
    except Exception as e:  # noqa: BLE001 - the checker's message is the failure
        check(False, f"onnx checker: {name}: {e}")
        continue
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feeds = {n: np.load(os.path.join(root, f)) for n, f in zip(names, entry["inputs"])}
    try:
        got = session.run(None, feeds)
    except Exception as e:  # noqa: BLE001 - the runtime's message is the failure
        check(False, f"onnxruntime: {name}: {e}")
        continue
    wants = [np.load(os.path.join(root, f)) for f in entry["outputs"]]
    check(len(got) == len(wants), f"onnxruntime: {name} gives {len(got)} outputs, {len(wants)} expected")
    for k, (g, w) in enumerate(zip(got, wants)):
        same = g.shape == w.shape and g.dtype == w.dtype and np.allclose(g, w, rtol=1e-5, atol=1e-5)
        diff = float(np.max(np.abs(g - w))) if g.shape == w.shape else float("nan")
        check(same, f"onnxruntime: {name} output {k} {g.shape} {g.dtype}, max difference {diff:.2e}")

sys.exit(1 if failures else 0)
