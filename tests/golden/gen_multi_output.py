"""Golden values for a Keras model with two inputs and two outputs, from a real TensorFlow
run (tf_keras, Keras 2): per-output losses and loss_weights, per-output metric names and
values in fit's history, evaluate, predict, and the weights after training. Writes
multi_output.json.

Weights are deterministic: weight k of n elements is 0.1 * sin(0.7 * i + 0.3 * k)
(i the element index), reshaped; inputs a = 0.5 * cos(0.37 * i), b = 0.5 * sin(0.23 * i)
over the flattened arrays; targets reg = (i % 3) / 2 and cls = i % 3 for sample i.

Also a run on the first 6 samples with validation_data the last 2.

Run: python gen_multi_output.py (TensorFlow 2.x + tf_keras).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

def build():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = keras.layers.Concatenate(name="concat")([a, b])
    h = keras.layers.Dense(4, activation="tanh", name="hidden")(h)
    reg = keras.layers.Dense(1, activation="sigmoid", name="reg")(h)
    cls = keras.layers.Dense(3, name="cls")(h)
    model = keras.Model([a, b], [reg, cls])
    model.set_weights([
        (0.1 * np.sin(0.7 * np.arange(w.shape.num_elements()) + 0.3 * k)).reshape(w.shape).astype(np.float32)
        for k, w in enumerate(model.weights)
    ])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=["mse", keras.losses.SparseCategoricalCrossentropy(from_logits=True)],
        loss_weights=[1.0, 0.5],
        metrics=["accuracy"],
    )
    return model

n = 8
xa = (0.5 * np.cos(0.37 * np.arange(n * 3))).reshape(n, 3).astype(np.float32)
xb = (0.5 * np.sin(0.23 * np.arange(n * 2))).reshape(n, 2).astype(np.float32)
y_reg = ((np.arange(n) % 3) / 2).reshape(n, 1).astype(np.float32)
y_cls = (np.arange(n) % 3).astype(np.int64)
model = build()
hist = model.fit([xa, xb], [y_reg, y_cls], batch_size=4, epochs=2, shuffle=False, verbose=0)
ev = model.evaluate([xa, xb], [y_reg, y_cls], batch_size=4, verbose=0, return_dict=True)
pred = model.predict([xa, xb], batch_size=4, verbose=0)
# The same training with the first 6 samples, validated on the last 2 after each epoch.
val = build().fit([xa[:6], xb[:6]], [y_reg[:6], y_cls[:6]], batch_size=4, epochs=2, shuffle=False, verbose=0,
                  validation_data=([xa[6:], xb[6:]], [y_reg[6:], y_cls[6:]]))
out = {
    "validated_history": {k: [float(v) for v in vs] for k, vs in val.history.items()},
    "validated_keys": list(val.history.keys()),
    "history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
    "history_keys": list(hist.history.keys()),
    "evaluate": {k: float(v) for k, v in ev.items()},
    "predict_reg": pred[0].reshape(-1).tolist(),
    "predict_cls": pred[1].reshape(-1).tolist(),
    "weights": [w.reshape(-1).tolist() for w in model.get_weights()],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "multi_output.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out["history"], indent=1), out["history_keys"], out["evaluate"])
