"""Golden values for Keras masking (Embedding(mask_zero=True), Masking, and the layers that
read or pass on masks) from a real TensorFlow run (tf_keras 2.21, Keras 2). Writes
masking.json.

Every model's weights are set deterministically: the k-th weight of model.weights, of n
elements, is 0.1 * sin(0.7 * i + 0.3 * k) (i the element index), reshaped. Gradients are of
sum_i sin(1.3 i + 0.5) * output_i with respect to every weight.

Run: python gen_masking.py (TensorFlow 2.21 + tf_keras 2.21).
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

def set_weights(model):
    model.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) for k, w in enumerate(model.weights)])

ids = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 5, 1], [6, 2, 0, 0, 0]], np.int32)
ids_b = np.array([[2, 4, 0, 0], [1, 0, 0, 0], [5, 3, 6, 0]], np.int32)
steps = (0.5 * np.cos(0.37 * np.arange(3 * 5 * 2))).reshape(3, 5, 2).astype(np.float32)
steps[0, 3:] = 0.0
steps[1, 1] = 0.0
steps[2, :2] = 0.0

def model_case(name, build, inputs):
    model = build()
    xs = [tf.constant(x) for x in inputs]
    model(xs if len(xs) > 1 else xs[0])  # build
    set_weights(model)
    with tf.GradientTape() as tape:
        y = model(xs if len(xs) > 1 else xs[0])
        loss = tf.reduce_sum(tf.reshape(y, [-1]) * tf.sin(1.3 * tf.range(tf.size(y), dtype=tf.float32) + 0.5))
    grads = tape.gradient(loss, model.weights)
    mask = getattr(y, "_keras_mask", None)
    return {"name": name, "inputs": [x.tolist() for x in inputs],
            "weights": [list(w.shape) for w in model.weights],
            "output": np.asarray(y).reshape(-1).tolist(), "output_shape": list(y.shape),
            "mask": None if mask is None else np.asarray(mask).astype(int).reshape(-1).tolist(),
            "grads": [np.asarray(tf.convert_to_tensor(g)).reshape(-1).tolist() for g in grads]}

def functional(make):
    def build():
        keras.backend.clear_session()
        return make()
    return build

def seq(*layers):
    return lambda: keras.Sequential(list(layers))

def mha_model():
    x = keras.Input((5,), dtype="int32")
    e = K.Embedding(7, 4, mask_zero=True)(x)
    return keras.Model(x, K.MultiHeadAttention(num_heads=2, key_dim=3)(e, e))

def attention_model(layer):
    def make():
        q, v = keras.Input((5,), dtype="int32"), keras.Input((4,), dtype="int32")
        eq = K.Embedding(7, 3, mask_zero=True)(q)
        ev = K.Embedding(7, 3, mask_zero=True)(v)
        return keras.Model([q, v], layer()([eq, ev]))
    return make

def concat_model():
    x = keras.Input((5,), dtype="int32")
    a = K.Embedding(7, 2, mask_zero=True)(x)
    b = K.Embedding(7, 3)(x)
    return keras.Model(x, K.GRU(2)(K.Concatenate()([a, b])))

def add_model():
    x = keras.Input((5,), dtype="int32")
    a = K.Embedding(7, 3, mask_zero=True)(x)
    b = K.Dense(3)(a)
    return keras.Model(x, K.SimpleRNN(2, return_sequences=True)(K.Add()([a, b])))

def flatten_model():
    # A layer without mask support (Flatten) drops the mask: the Dense after it sees none.
    x = keras.Input((5,), dtype="int32")
    e = K.Embedding(7, 3, mask_zero=True)(x)
    return keras.Model(x, K.Dense(2)(K.Flatten()(e)))

models = [
    model_case("embedding_lstm", seq(K.Embedding(7, 3, mask_zero=True), K.LSTM(4)), [ids]),
    model_case("masking_gru_sequences", seq(K.Masking(0.0), K.GRU(3, return_sequences=True)), [steps]),
    model_case("masking_simple_rnn_backwards", seq(K.Masking(0.0), K.SimpleRNN(3, go_backwards=True, return_sequences=True)), [steps]),
    model_case("bidirectional_pooled", seq(K.Embedding(7, 4, mask_zero=True), K.Bidirectional(K.LSTM(3, return_sequences=True)),
                                           K.GlobalAveragePooling1D(), K.Dense(2)), [ids]),
    model_case("bidirectional_gru_last", seq(K.Embedding(7, 3, mask_zero=True), K.Bidirectional(K.GRU(2))), [ids]),
    model_case("dense_dropout_pass_mask", seq(K.Embedding(7, 3, mask_zero=True), K.Dense(4, activation="relu"), K.Dropout(0.5),
                                              K.LSTM(2, return_sequences=True)), [ids]),
    model_case("multi_head_attention", functional(mha_model), [ids]),
    model_case("attention", functional(attention_model(K.Attention)), [ids, ids_b]),
    model_case("additive_attention", functional(attention_model(K.AdditiveAttention)), [ids, ids_b]),
    model_case("concatenate", functional(concat_model), [ids]),
    model_case("add", functional(add_model), [ids]),
    model_case("flatten_drops_mask", functional(flatten_model), [ids]),
]

# fit on a masked sequence-labelling task: one SGD step, the logged loss and accuracy (before
# the step), then evaluate (after it).
def fit_case(name, sample_weight=None):
    keras.backend.clear_session()
    model = keras.Sequential([K.Embedding(7, 3, mask_zero=True), K.LSTM(4, return_sequences=True), K.Dense(3)])
    model(tf.constant(ids))
    set_weights(model)
    model.compile(keras.optimizers.SGD(0.5), keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    labels = np.array([[1, 2, 0, 1, 1], [2, 2, 1, 0, 2], [0, 1, 2, 2, 0]], np.int32)
    sw = None if sample_weight is None else np.array(sample_weight, np.float32)
    h = model.fit(ids, labels, sample_weight=sw, batch_size=3, epochs=1, shuffle=False, verbose=0)
    ev = model.evaluate(ids, labels, verbose=0, return_dict=True)
    return {"name": name, "labels": labels.tolist(), "sample_weight": sample_weight,
            "loss": h.history["loss"][0], "accuracy": h.history["accuracy"][0],
            "eval_loss": ev["loss"], "eval_accuracy": ev["accuracy"],
            "weights_after": [np.asarray(w).reshape(-1).tolist() for w in model.weights]}

fits = [fit_case("sequence_labels"), fit_case("sequence_labels_weighted", [0.5, 1.0, 2.0])]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "masking.json"), "w") as f:
    json.dump({"ids": ids.tolist(), "ids_b": ids_b.tolist(), "models": models, "fits": fits}, f)
print(len(models), "models,", len(fits), "fits")
