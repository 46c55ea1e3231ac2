"""Golden values for a custom train step (Keras's overridden `Model.train_step`, the guide
"Customizing what happens in fit()") from a real TensorFlow run (tf_keras 2.21, Keras 2).
Writes custom_step.json.

Weights are set deterministically: the k-th weight of model.weights, of n elements, is
0.1 * sin(0.7 * i + 0.3 * k) (i the element index), reshaped. Each model is fit for two
epochs on 10 samples at batch size 4 (batches of 4, 4 and 2), without shuffling. The file
holds the history (with validation on 5 other samples), every batch's logs as `train_step`
returned them (what callbacks see), the weights after, and `evaluate` on the training data
at batch size 4 (the guide's model overrides `test_step` too).

Run: python gen_custom_step.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

K = keras.layers
R = keras.regularizers

def fill(n, k):
    i = np.arange(n)
    return (0.1 * np.sin(0.7 * i + 0.3 * k)).astype(np.float32)

x = (np.cos(0.9 * np.arange(10 * 3)) * 2.0).reshape(10, 3).astype(np.float32)
y = np.sin(0.4 * np.arange(10)).reshape(10, 1).astype(np.float32)
x_val = (np.sin(1.1 * np.arange(5 * 3)) * 1.5).reshape(5, 3).astype(np.float32)
y_val = np.cos(0.6 * np.arange(5)).reshape(5, 1).astype(np.float32)

class Guide(keras.Model):
    """The guide's first example, with an activity regularizer on the hidden layer."""
    def __init__(self):
        super().__init__()
        self.d1 = K.Dense(4, activation="tanh", activity_regularizer=R.L2(0.01))
        self.d2 = K.Dense(1)
    def call(self, x):
        return self.d2(self.d1(x))
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}
    def test_step(self, data):
        """The guide's "Providing your own evaluation step"."""
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

class TwoPhase(keras.Model):
    """Two updates a step, each of one part's weights, as a GAN's step does."""
    def __init__(self):
        super().__init__()
        self.a = K.Dense(4, activation="tanh")
        self.b = K.Dense(1)
    def call(self, x):
        return self.b(self.a(x))
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss_a = self.compiled_loss(y, self(x, training=True))
        ga = tape.gradient(loss_a, self.a.trainable_variables)
        self.optimizer.apply_gradients(zip(ga, self.a.trainable_variables))
        with tf.GradientTape() as tape:
            loss_b = tf.reduce_mean(tf.abs(y - self(x, training=True)))
        gb = tape.gradient(loss_b, self.b.trainable_variables)
        self.optimizer.apply_gradients(zip(gb, self.b.trainable_variables))
        return {"loss_a": loss_a, "loss_b": loss_b}

class Batches(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []
    def on_train_batch_end(self, batch, logs=None):
        self.logs.append({k: float(v) for k, v in logs.items()})

def case(name, model, optimizer, metrics):
    keras.backend.clear_session()
    model(x[:1])
    model.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) for k, w in enumerate(model.weights)])
    model.compile(optimizer, "mse", metrics=metrics)
    # Slots for every weight before the first step (TensorFlow refuses to add them later;
    # ours are made before the step is traced).
    model.optimizer.build(model.trainable_variables)
    cb = Batches()
    h = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[cb],
                  validation_data=(x_val, y_val))
    ev = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    return {"name": name, "history": {k: [float(v) for v in vs] for k, vs in h.history.items()},
            "batch_logs": cb.logs, "weights": [w.numpy().reshape(-1).tolist() for w in model.weights],
            "evaluate": {k: float(v) for k, v in ev.items()}}

out = {"x": x.tolist(), "y": y.tolist(), "x_val": x_val.tolist(), "y_val": y_val.tolist(), "cases": [
    case("guide", Guide(), keras.optimizers.SGD(0.1), ["mae"]),
    case("two_phase", TwoPhase(), keras.optimizers.Adam(0.01), None),
]}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "custom_step.json"), "w") as f:
    json.dump(out, f)
print({c["name"]: (c["history"], c["batch_logs"][:3]) for c in out["cases"]})
