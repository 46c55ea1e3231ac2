"""Golden values for `keras.utils.timeseries_dataset_from_array` from a real TensorFlow run
(tf_keras 2.21, Keras 2), without shuffling (a shuffle's order depends on TensorFlow's random
streams). Writes timeseries.json: for each case the arguments and every batch (windows, and
targets when given).

Run: python gen_timeseries.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

data = (np.arange(40 * 2, dtype=np.float32) * 0.5).reshape(40, 2)
targets = np.arange(100, 140, dtype=np.int64)
cases = []

def case(name, with_targets, **kw):
    ds = keras.utils.timeseries_dataset_from_array(data, targets if with_targets else None, **kw)
    batches = []
    for b in ds:
        if with_targets:
            batches.append({"x": np.asarray(b[0]).tolist(), "y": np.asarray(b[1]).tolist()})
        else:
            batches.append({"x": np.asarray(b).tolist()})
    cases.append({"name": name, "targets": with_targets, "args": kw, "batches": batches})

case("plain", False, sequence_length=5, batch_size=8)
case("rate_stride", False, sequence_length=4, sampling_rate=3, sequence_stride=5, batch_size=3)
case("indices", True, sequence_length=6, start_index=4, end_index=30, batch_size=5)
case("targets_unbatched", True, sequence_length=3, sequence_stride=7, batch_size=None)
case("targets_shorter", False, sequence_length=2, sequence_stride=9, batch_size=2)
case("longer_than_data", False, sequence_length=41, batch_size=4)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timeseries.json")
with open(out, "w") as f:
    json.dump({"data": data.tolist(), "targets": targets.tolist(), "cases": cases}, f)
print([(c["name"], len(c["batches"])) for c in cases])
