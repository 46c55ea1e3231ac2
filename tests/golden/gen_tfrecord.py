"""Writes data/records.tfrecord with TensorFlow's own TFRecordWriter: the records that
tests/tfrecord.rs reads back and compares byte for byte with what tf-core writes.

Run with a TensorFlow 2 virtualenv: /path/to/venv/bin/python tests/golden/gen_tfrecord.py
"""
import os

import tensorflow as tf

RECORDS = [b"hello", b"", bytes(range(256)), b"x" * 1000, "tf.data \u00e9\u00e8".encode()]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "records.tfrecord")
with tf.io.TFRecordWriter(out) as w:
    for r in RECORDS:
        w.write(r)
back = [r.numpy() for r in tf.data.TFRecordDataset(out)]
assert back == RECORDS
print(f"wrote {len(RECORDS)} records to {out}")
