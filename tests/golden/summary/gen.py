"""Writes the TensorBoard fixtures with a real TensorFlow 2 (run once; the outputs are kept).

python gen.py   (TensorFlow 2.21)
Prints the decoded events, the values our writer is checked against.
"""
import glob, os, shutil
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))
d = os.path.join(here, "run")
shutil.rmtree(d, ignore_errors=True)
w = tf.summary.create_file_writer(d)
with w.as_default():
    tf.summary.scalar("loss", 0.5, step=1)
    tf.summary.scalar("loss", 0.25, step=2)
    tf.summary.histogram("weights", [0.0, 1.0, 1.0, 2.5, 4.0, -1.0, 3.0], step=1, buckets=4)
    tf.summary.histogram("same", [2.0, 2.0, 2.0], step=1, buckets=3)
    tf.summary.histogram("empty", tf.zeros([0]), step=1, buckets=2)
    img = np.arange(2 * 2 * 3 * 1, dtype=np.float32).reshape(2, 2, 3, 1) / 11.0
    tf.summary.image("img", img, step=3, max_outputs=1)
    tf.summary.text("note", "hello *tensorboard*", step=4)
w.close()
(path,) = glob.glob(os.path.join(d, "events.out.tfevents.*"))
name = os.path.basename(path)
print("file name:", name)
fixed = os.path.join(d, "events.out.tfevents.fixture.v2")
os.rename(path, fixed)
for rec in tf.data.TFRecordDataset(fixed):
    ev = tf.compat.v1.Event.FromString(rec.numpy())
    ev.wall_time = 0
    print(ev)
    for v in ev.summary.value:
        if v.tag == "img":
            print("img tensor strings:", [len(s) for s in v.tensor.string_val], v.tensor.string_val[:2])
            png = v.tensor.string_val[2]
            print("decoded png:", tf.io.decode_png(png).numpy().reshape(-1).tolist())
