"""Golden values for Keras's added losses (`layer.add_loss`, `activity_regularizer`,
`ActivityRegularization`) and weight regularizers inside subclassed models, from a real
TensorFlow run (tf_keras 2.21, Keras 2). Writes add_loss.json.

Weights are set deterministically: the k-th weight of model.weights, of n elements, is
0.1 * sin(0.7 * i + 0.3 * k) (i the element index), reshaped. For each model the file holds
`model.losses` after one inference call on x, then one `train_on_batch` (its loss), the
weights after it, and `evaluate`'s loss; then two epochs of `fit` (batch_size 4, so a
partial last batch; no shuffle) from the same starting weights: the history and the weights
after.

Run: python gen_add_loss.py (TensorFlow 2.21 + tf_keras 2.21).
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

def set_weights(model):
    model.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) for k, w in enumerate(model.weights)])

x_dense = (np.cos(0.9 * np.arange(6 * 3)) * 2.0).reshape(6, 3).astype(np.float32)
y_dense = np.sin(0.4 * np.arange(6 * 2)).reshape(6, 2).astype(np.float32)
x_img = np.cos(0.31 * np.arange(6 * 5 * 5)).reshape(6, 5, 5, 1).astype(np.float32)
y_img = np.array([0, 2, 1, 1, 0, 2], np.int32)

class Penalized(K.Layer):
    """A subclassed layer adding 0.1 * mean(h^2) of its output, as the Keras guide's
    ActivityRegularizationLayer does."""
    def __init__(self, units, **kw):
        super().__init__(**kw)
        self.dense = K.Dense(units, activation="tanh")
    def call(self, x):
        h = self.dense(x)
        self.add_loss(0.1 * tf.reduce_mean(tf.square(h)))
        return h

class Net(keras.Model):
    """A subclassed model: the penalized layer, then a Dense with a kernel regularizer."""
    def __init__(self):
        super().__init__()
        self.block = Penalized(4)
        self.out = K.Dense(2, kernel_regularizer=R.L2(0.05))
    def call(self, x):
        return self.out(self.block(x))

def dense_seq():
    return keras.Sequential([
        K.Dense(4, activation="tanh", activity_regularizer=R.L2(0.01), input_shape=(3,)),
        K.ActivityRegularization(l1=0.02, l2=0.03),
        K.Dense(2, kernel_regularizer=R.L1(0.01), bias_regularizer=R.L2(0.02)),
    ])

def conv_seq():
    return keras.Sequential([
        K.Conv2D(3, 3, activation="relu", activity_regularizer=R.L1(0.01), input_shape=(5, 5, 1)),
        K.Flatten(),
        K.Dense(3, activity_regularizer=R.L1L2(l1=0.001, l2=0.002)),
    ])

def functional_symbolic():
    """A functional model with a symbolic added loss on an intermediate tensor (the Keras
    functional API guide's `model.add_loss(tf.reduce_sum(x) * 0.1)` form)."""
    inputs = keras.Input(shape=(3,))
    h = K.Dense(4, activation="tanh")(inputs)
    outputs = K.Dense(2)(h)
    model = keras.Model(inputs, outputs)
    model.add_loss(0.05 * tf.reduce_mean(tf.square(h)))
    model.add_loss(tf.reduce_sum(tf.abs(outputs)) * 0.01)
    return model

def case(name, build, x, y, loss):
    def fresh():
        keras.backend.clear_session()
        m = build()
        m(x[:1])
        set_weights(m)
        m.compile(keras.optimizers.SGD(0.1), loss)
        return m
    m = fresh()
    m(x)
    losses = [float(l) for l in m.losses]
    step = float(m.train_on_batch(x, y))
    after = [w.numpy().reshape(-1).tolist() for w in m.weights]
    ev = float(m.evaluate(x, y, verbose=0))
    m = fresh()
    hist = m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"]
    return {"name": name, "weights": [list(w.shape) for w in m.weights],
            "losses": losses, "train_on_batch": step, "after_step": after, "evaluate": ev,
            "fit_loss": [float(v) for v in hist],
            "after_fit": [w.numpy().reshape(-1).tolist() for w in m.weights]}

out = {"x_dense": x_dense.tolist(), "y_dense": y_dense.tolist(), "x_img": x_img.tolist(), "y_img": y_img.tolist(),
       "cases": [
           case("dense_sequential", dense_seq, x_dense, y_dense, "mse"),
           case("subclassed", Net, x_dense, y_dense, "mse"),
           case("conv_sequential", conv_seq, x_img, y_img, keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
           case("functional_symbolic", functional_symbolic, x_dense, y_dense, "mse"),
       ]}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "add_loss.json"), "w") as f:
    json.dump(out, f)
print({c["name"]: (c["losses"], c["train_on_batch"], c["fit_loss"]) for c in out["cases"]})
