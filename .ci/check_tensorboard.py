"""Reads the logs of `cargo run --release --example tensorboard -- LOGDIR` with TensorBoard's
own event reader (the `tensorboard` pip package) and checks the runs, tags, steps and values
against LOGDIR/expected.json. Exits non-zero on any difference.

python check_tensorboard.py LOGDIR
"""
import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
from tensorboard.util import tensor_util

logdir = sys.argv[1]
expected = json.load(open(os.path.join(logdir, "expected.json")))
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def load(run):
    acc = plugin_event_accumulator.EventAccumulator(os.path.join(logdir, run), size_guidance={"tensors": 0})
    acc.Reload()
    return acc


def close(a, b):
    return len(a) == len(b) and all(abs(x - y) <= 1e-6 * max(1.0, abs(y)) for x, y in zip(a, b))


def scalars(acc, tag):
    events = acc.Tensors(tag)
    return [e.step for e in events], [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]


# The custom loop: staged scalars and histograms at steps 0..49, an image, text and a graph.
custom = load("custom")
tags = custom.Tags()
check(set(tags["tensors"]) >= {"loss", "weights", "ramp", "note"}, f"custom tags {sorted(tags['tensors'])}")
steps, losses = scalars(custom, "loss")
check(steps == list(range(50)), f"custom/loss steps 0..49 (got {steps[:3]}...{steps[-1:]})")
check(close(losses, expected["custom/loss"]), "custom/loss values equal what the program logged")
check(custom.PluginTagToContent("scalars").keys() >= {"loss"}, "custom/loss is in the scalars plugin")
check(custom.PluginTagToContent("histograms").keys() >= {"weights"}, "custom/weights is in the histograms plugin")
h = tensor_util.make_ndarray(custom.Tensors("weights")[-1].tensor_proto)
check(h.shape == (30, 3) and h[:, 2].sum() == 1, f"custom/weights is a 30-bucket histogram of one weight {h.shape}")
img = custom.Tensors("ramp")[0].tensor_proto.string_val
check(img[0] == b"8" and img[1] == b"8" and img[2].startswith(b"\x89PNG"), "custom/ramp is an 8x8 PNG")
note = custom.Tensors("note")[0].tensor_proto.string_val[0].decode()
check(note.startswith("fit **w = 2.") or note.startswith("fit **w = 3."), f"custom/note text: {note!r}")
check(custom.PluginTagToContent("text").keys() >= {"note"}, "custom/note is in the text plugin")
graph = event_accumulator.EventAccumulator(os.path.join(logdir, "custom"))
graph.Reload()
g = graph.Graph()
ops = {n.op for n in g.node}
check({"MatMul", "WriteSummary", "AssignSubVariableOp"} <= ops, f"custom graph ops include MatMul, WriteSummary ({len(g.node)} nodes)")

# Keras fit: train/ and validation/ runs with Keras's tags.
for run in ["train", "validation"]:
    acc = load("keras/" + run)
    steps, values = scalars(acc, "epoch_loss")
    check(steps == [0, 1, 2, 3, 4], f"keras/{run}/epoch_loss at epochs 0..4")
    check(close(values, expected[f"keras/{run}/epoch_loss"]), f"keras/{run}/epoch_loss equals the History")
    check("epoch_mae" in acc.Tags()["tensors"], f"keras/{run} has epoch_mae")
train = load("keras/train")
check("dense/kernel_0/histogram" in train.PluginTagToContent("histograms"), "keras/train weight histograms")
val = load("keras/validation")
steps, _ = scalars(val, "evaluation_loss_vs_iterations")
check(steps == [6, 12, 18, 24, 30], f"keras/validation evaluation_loss_vs_iterations at training steps ({steps})")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
