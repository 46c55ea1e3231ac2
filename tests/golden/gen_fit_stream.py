"""Golden values for how Keras's `fit` draws batches across epochs (its DataHandler), from
a real TensorFlow run (tf_keras 2.21, Keras 2). Writes fit_stream.json.

Dense(3) with zero-initialized weights on 5 samples of 4 features (x = i / 20 for element i,
y = sin(i) for element i), SGD(0.1), MSE, no shuffling. Arrays are one stream of `epochs`
passes that epochs continue (an epoch of `steps_per_epoch` batches ends mid-pass and the
next starts where it stopped); a dataset whose cardinality is not `steps_per_epoch` is one
iterator across epochs, and running out ends training. Recorded per case: the epochs run,
their losses and the final weights.

Run: python gen_fit_stream.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

x = (np.arange(20, dtype=np.float32) / 20).reshape(5, 4)
y = np.sin(np.arange(15, dtype=np.float32)).reshape(5, 3)

def run(name, data, **kw):
    m = keras.Sequential([keras.layers.Dense(3, kernel_initializer="zeros", input_shape=(4,))])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    h = m.fit(*data, verbose=0, shuffle=False, **kw)
    return {
        "name": name,
        "epochs": h.epoch,
        "loss": [float(v) for v in h.history["loss"]],
        "kernel": m.get_weights()[0].ravel().tolist(),
        "bias": m.get_weights()[1].ravel().tolist(),
    }

ds = lambda: tf.data.Dataset.from_tensor_slices((x, y)).batch(2)
cases = [
    # 3 batches a pass (2, 2, 1); 2 a step: epochs run on through the passes.
    run("arrays_steps_2", (x, y), batch_size=2, epochs=3, steps_per_epoch=2),
    # More steps than a pass has: the second epoch runs out after 2 steps, training stops.
    run("arrays_steps_4", (x, y), batch_size=2, epochs=2, steps_per_epoch=4),
    # A dataset of 3 batches at 2 steps an epoch: one iterator; it runs out in epoch 2.
    run("dataset_steps_2", (ds(),), epochs=3, steps_per_epoch=2),
    # Repeated: the stream goes on across epochs.
    run("repeated_steps_2", (ds().repeat(),), epochs=3, steps_per_epoch=2),
    # A dataset whose cardinality is steps_per_epoch: a fresh pass each epoch.
    run("dataset_steps_3", (ds(),), epochs=2, steps_per_epoch=3),
]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fit_stream.json")
json.dump({"cases": cases}, open(path, "w"), indent=1)
for c in cases:
    print(c["name"], c["epochs"], c["loss"])
