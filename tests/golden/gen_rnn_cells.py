"""Golden values for Keras's generic `RNN(cell)` layer with the built-in cells (SimpleRNNCell,
LSTMCell, GRUCell), stacked cells (`RNN([cell, cell])`) and the custom `MinimalRNNCell` of
the guide "Working with RNNs", from a real TensorFlow run (tf_keras 2.21, Keras 2). Writes
rnn_cells.json.

Every model's weights are set deterministically: the k-th weight of model.weights, of n
elements, is 0.1 * sin(0.7 * i + 0.3 * k) (i the element index), reshaped. Gradients are of
sum_i sin(1.3 i + 0.5) * output_i (every output, states included, flattened in order) with
respect to every weight.

Run: python gen_rnn_cells.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

K = keras.layers

def fill(n, k):
    i = np.arange(n)
    return (0.1 * np.sin(0.7 * i + 0.3 * k)).astype(np.float32)

class MinimalRNNCell(K.Layer):
    """The guide's custom cell: h = x W + h_prev U."""
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")
        self.built = True
    def call(self, inputs, states):
        prev_output = states[0]
        h = tf.matmul(inputs, self.kernel)
        output = h + tf.matmul(prev_output, self.recurrent_kernel)
        return output, [output]

x = (0.8 * np.sin(0.37 * np.arange(3 * 5 * 4) + 0.2)).reshape(3, 5, 4).astype(np.float32)
masked = x.copy()
masked[0, 3:] = 0.0
masked[2, 1] = 0.0

def case(name, make, inputs, masking=False):
    keras.backend.clear_session()
    inp = keras.Input(shape=inputs.shape[1:])
    h = K.Masking(0.0)(inp) if masking else inp
    model = keras.Model(inp, make()(h))
    model.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) for k, w in enumerate(model.weights)])
    with tf.GradientTape() as tape:
        out = model(tf.constant(inputs))
        outs = tf.nest.flatten(out)
        flat = tf.concat([tf.reshape(o, [-1]) for o in outs], 0)
        loss = tf.reduce_sum(flat * tf.sin(1.3 * tf.range(tf.size(flat), dtype=tf.float32) + 0.5))
    grads = tape.gradient(loss, model.weights)
    return {"name": name, "masking": masking, "weights": [list(w.shape) for w in model.weights],
            "outputs": [np.asarray(o).reshape(-1).tolist() for o in outs],
            "output_shapes": [list(o.shape) for o in outs],
            "grads": [np.asarray(tf.convert_to_tensor(g)).reshape(-1).tolist() for g in grads]}

cases = [
    case("simple", lambda: K.RNN(K.SimpleRNNCell(4)), x),
    case("lstm_sequences", lambda: K.RNN(K.LSTMCell(4), return_sequences=True), x),
    case("gru_state", lambda: K.RNN(K.GRUCell(3), return_state=True), x),
    case("stacked", lambda: K.RNN([K.LSTMCell(3), K.GRUCell(2)], return_state=True), x),
    case("minimal_backwards", lambda: K.RNN(MinimalRNNCell(3), go_backwards=True, return_sequences=True), x),
    case("lstm_masked", lambda: K.RNN(K.LSTMCell(3), return_sequences=True), masked, masking=True),
    case("stacked_masked", lambda: K.RNN([K.SimpleRNNCell(3), K.LSTMCell(2)]), masked, masking=True),
]
out = {"x": x.tolist(), "masked": masked.tolist(), "cases": cases}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_cells.json"), "w") as f:
    json.dump(out, f)
print([(c["name"], c["output_shapes"], c["weights"]) for c in cases])
