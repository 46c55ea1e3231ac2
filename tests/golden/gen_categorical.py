"""Golden values for Keras's categorical preprocessing layers — CategoryEncoding,
IntegerLookup and Discretization (adapt included) — from a real TensorFlow run (tf_keras 2.21,
Keras 2). Writes categorical.json: for each case the layer's arguments, its input, and its
output (or the error's class), with the adapted vocabulary or bin boundaries.

Run: python gen_categorical.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

K = keras.layers
cases = []

def enc(a):
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.reshape(-1).tolist()}

def case(name, layer_name, args, x, adapt=None):
    entry = {"name": name, "layer": layer_name, "args": args, "input": enc(x)}
    if adapt is not None:
        entry["adapt"] = enc(adapt)
    try:
        layer = getattr(K, layer_name)(**args)
        if adapt is not None:
            layer.adapt(adapt)
        entry["output"] = enc(layer(tf.constant(x)).numpy())
        if layer_name == "IntegerLookup":
            entry["vocabulary"] = [int(v) for v in layer.get_vocabulary()]
        if layer_name == "Discretization":
            entry["bin_boundaries"] = [float(v) for v in layer.bin_boundaries]
    except Exception as e:  # noqa: BLE001 - the error's class is the expected result
        entry["error"] = type(e).__name__
    cases.append(entry)

pairs = np.array([[0, 1], [0, 0], [1, 2], [3, 1]], np.int32)
case("encoding_one_hot", "CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, np.array([3, 2, 0, 1], np.int32))
case("encoding_one_hot_column", "CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, np.array([[3], [1]], np.int64))
case("encoding_multi_hot", "CategoryEncoding", {"num_tokens": 4, "output_mode": "multi_hot"}, pairs)
case("encoding_count", "CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, pairs)
case("encoding_multi_hot_rank1", "CategoryEncoding", {"num_tokens": 5}, np.array([1, 4, 4], np.int64))
case("encoding_float_input", "CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, pairs.astype(np.float32))
case("encoding_out_of_range", "CategoryEncoding", {"num_tokens": 3, "output_mode": "count"}, pairs)
case("encoding_negative", "CategoryEncoding", {"num_tokens": 4}, np.array([[0, -1]], np.int32))

data = np.array([12, 36, 1138, 42, 42, 12, 12, 7, 7, 1138, 0, 0, 5], np.int64)
probe = np.array([[12, 1138, 42, 0], [42, 1000, 36, 7], [5, -1, 13, 12]], np.int64)
case("lookup_adapt", "IntegerLookup", {}, probe, adapt=data)
case("lookup_int32_input", "IntegerLookup", {}, probe.astype(np.int32), adapt=data)
case("lookup_mask", "IntegerLookup", {"mask_token": 0}, probe, adapt=data)
case("lookup_two_oov", "IntegerLookup", {"num_oov_indices": 2}, probe, adapt=data)
case("lookup_max_tokens", "IntegerLookup", {"max_tokens": 4}, probe, adapt=data)
case("lookup_multi_hot", "IntegerLookup", {"output_mode": "multi_hot"}, probe, adapt=data)
case("lookup_count_mask", "IntegerLookup", {"output_mode": "count", "mask_token": 0}, probe, adapt=data)
case("lookup_one_hot", "IntegerLookup", {"output_mode": "one_hot"}, np.array([12, 7, 99], np.int64), adapt=data)
case("lookup_pad_to_max", "IntegerLookup", {"output_mode": "multi_hot", "max_tokens": 9, "pad_to_max_tokens": True}, probe, adapt=data)
case("lookup_vocabulary", "IntegerLookup", {"vocabulary": [12, 36, 1138, 42]}, probe)
case("lookup_vocabulary_with_oov", "IntegerLookup", {"vocabulary": [-1, 12, 36, 1138, 42]}, probe)
case("lookup_invert", "IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, np.array([[2, 0, 4], [1, 7, 3]], np.int64))
case("lookup_invert_mask", "IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True, "mask_token": 0},
     np.array([[2, 0, 5], [1, 6, 3]], np.int64))
case("lookup_repeated_vocabulary", "IntegerLookup", {"vocabulary": [12, 36, 12]}, probe)

rng = np.random.RandomState(7)
x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]], np.float32)
case("bins_given", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, x)
case("bins_given_float64", "Discretization", {"bin_boundaries": [0.1, 1.0, 2.0]}, np.array([0.1, 0.10000000001, 0.0999999999, 2.5]))
case("bins_given_int", "Discretization", {"bin_boundaries": [0.5, 2.0, 2.5]}, np.array([[0, 1, 2], [3, 2, 7]], np.int64))
case("bins_multi_hot", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "multi_hot"}, x)
case("bins_count", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "count"}, x)
case("bins_adapt_small", "Discretization", {"num_bins": 4, "epsilon": 0.01}, x, adapt=x)
many = rng.normal(size=(100, 3)).astype(np.float32)
case("bins_adapt_batches", "Discretization", {"num_bins": 5}, many[:4], adapt=many)
case("bins_adapt_coarse", "Discretization", {"num_bins": 3, "epsilon": 0.1}, many[:4], adapt=many)
skewed = np.exp(rng.normal(size=(1000,))).astype(np.float32)
case("bins_adapt_skewed", "Discretization", {"num_bins": 6}, skewed[:8], adapt=skewed)
case("bins_adapt_given", "Discretization", {"bin_boundaries": [0.0, 1.0]}, x, adapt=x)

ids = np.array([[0, 1], [-5, 123456], [2, 1138], [99999999999, 7]], np.int64)
case("hashing", "Hashing", {"num_bins": 3}, ids)
case("hashing_int32", "Hashing", {"num_bins": 5}, ids.astype(np.int32) % 1000)
case("hashing_mask", "Hashing", {"num_bins": 4, "mask_value": 0}, ids)
case("hashing_one_bin_mask", "Hashing", {"num_bins": 1, "mask_value": 0}, ids)
case("hashing_multi_hot", "Hashing", {"num_bins": 6, "output_mode": "multi_hot"}, ids)
case("hashing_count_mask", "Hashing", {"num_bins": 6, "output_mode": "count", "mask_value": 7}, ids)
case("hashing_float", "Hashing", {"num_bins": 3}, ids.astype(np.float32))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "categorical.json")
with open(out, "w") as f:
    json.dump({"cases": cases}, f)
print([(c["name"], c.get("error"), c.get("vocabulary"), c.get("bin_boundaries")) for c in cases])
