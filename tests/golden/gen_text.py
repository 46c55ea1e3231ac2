"""Golden values for Keras's text preprocessing — StringLookup, TextVectorization and Hashing
on strings (adapt included) — from a real TensorFlow run (tf_keras 2.21, Keras 2). Writes
text.json: for each case the layer, its arguments, its input (and adapt data), and its output
(or the error's class), with the vocabulary and, for tf_idf, the idf weights.

Run: python gen_text.py (TensorFlow 2.21 + tf_keras 2.21).
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
    v = a.reshape(-1).tolist()
    if a.dtype.kind in "SO":
        v = [x.decode("utf-8") if isinstance(x, bytes) else x for x in v]
        return {"dtype": "string", "shape": list(a.shape), "values": v}
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": v}

def case(name, layer_name, args, x, adapt=None):
    entry = {"name": name, "layer": layer_name, "args": args, "input": enc(np.array(x, dtype=object) if isinstance(x, list) else x)}
    if adapt is not None:
        entry["adapt"] = enc(np.array(adapt, dtype=object))
    try:
        kw = dict(args)
        if isinstance(kw.get("ngrams"), list):
            kw["ngrams"] = tuple(kw["ngrams"])
        layer = getattr(K, layer_name)(**kw)
        if adapt is not None:
            layer.adapt(tf.constant(adapt))
        entry["output"] = enc(layer(tf.constant(x)).numpy())
        if layer_name != "Hashing":
            vocab = layer.get_vocabulary()
            entry["vocabulary"] = [v.decode("utf-8") if isinstance(v, bytes) else (v if isinstance(v, str) else int(v)) for v in vocab]
            if args.get("output_mode") == "tf_idf":
                w = layer._lookup_layer.idf_weights if layer_name == "TextVectorization" else layer.idf_weights
                entry["idf_weights"] = [float(v) for v in np.asarray(w)]
    except Exception as e:  # noqa: BLE001 - the error's class is the expected result
        entry["error"] = type(e).__name__
        if isinstance(e, tf.errors.InvalidArgumentError):
            entry["message"] = e.message.split(" [Op:")[0]
    cases.append(entry)

VOCAB = ["the", "quick", "brown", "fox"]
WORDS = [["the", "fox", "jumps"], ["over", "", "the"], ["[UNK]", "Fox", "quick"]]
case("lookup_vocab", "StringLookup", {"vocabulary": VOCAB}, WORDS)
case("lookup_vocab_vector", "StringLookup", {"vocabulary": VOCAB}, ["fox", "dog", "the"])
case("lookup_mask", "StringLookup", {"vocabulary": VOCAB, "mask_token": ""}, WORDS)
case("lookup_oov2", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 2}, WORDS)
case("lookup_oov3_mask", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 3, "mask_token": ""}, WORDS)
case("lookup_invert", "StringLookup", {"vocabulary": VOCAB, "invert": True}, np.array([[1, 4, 0], [2, 7, 3]], np.int64))
case("lookup_invert_mask", "StringLookup", {"vocabulary": VOCAB, "invert": True, "mask_token": "[MASK]"}, np.array([[0, 1, 5], [2, 6, 3]], np.int64))
case("lookup_one_hot", "StringLookup", {"vocabulary": VOCAB, "output_mode": "one_hot"}, ["fox", "dog", "the"])
case("lookup_multi_hot", "StringLookup", {"vocabulary": VOCAB, "output_mode": "multi_hot"}, WORDS)
case("lookup_count", "StringLookup", {"vocabulary": VOCAB, "output_mode": "count"}, WORDS)
case("lookup_count_mask", "StringLookup", {"vocabulary": VOCAB, "output_mode": "count", "mask_token": ""}, WORDS)
case("lookup_count_pad", "StringLookup", {"vocabulary": VOCAB, "output_mode": "count", "max_tokens": 8, "pad_to_max_tokens": True}, WORDS)
case("lookup_tf_idf_given", "StringLookup", {"vocabulary": VOCAB, "output_mode": "tf_idf", "idf_weights": [0.5, 1.0, 1.5, 2.0]}, WORDS)
CORPUS = [["b", "a", "c", "a"], ["d", "b", "a", "e"], ["c", "a", "zz", "b"]]
case("lookup_adapt", "StringLookup", {}, [["a", "zz", "q"], ["b", "c", "e"]], adapt=CORPUS)
case("lookup_adapt_max", "StringLookup", {"max_tokens": 4}, [["a", "zz", "q"], ["b", "c", "e"]], adapt=CORPUS)
case("lookup_adapt_mask", "StringLookup", {"mask_token": "zz", "oov_token": "??"}, [["a", "zz", "q"], ["b", "c", "e"]], adapt=CORPUS)
# tf_keras's dense tf_idf adapt needs rows of as many distinct tokens.
DOCS = [["b", "a", "c"], ["d", "b", "a"], ["c", "a", "zz"]]
case("lookup_adapt_tf_idf", "StringLookup", {"output_mode": "tf_idf"}, [["a", "zz", "q"], ["b", "c", "c"]], adapt=DOCS)
case("lookup_adapt_tf_idf_pad", "StringLookup", {"output_mode": "tf_idf", "max_tokens": 10, "pad_to_max_tokens": True},
     [["a", "zz", "q"], ["b", "c", "c"]], adapt=DOCS)
case("lookup_repeated_vocab", "StringLookup", {"vocabulary": ["a", "b", "a"]}, ["a"])

TEXT = ["The quick brown fox.", "Jumped over the LAZY dog!", "  the dog's   bowl, the fox's den  ", "", "Ünïcode Straße, fox"]
TRAIN = TEXT + ["The fox and the dog; the end.", "quick quick QUICK brown"]
case("tv_default", "TextVectorization", {}, TEXT, adapt=TRAIN)
case("tv_column", "TextVectorization", {}, [[t] for t in TEXT], adapt=TRAIN)
case("tv_seq_len_pad", "TextVectorization", {"output_sequence_length": 8}, TEXT, adapt=TRAIN)
case("tv_seq_len_trunc", "TextVectorization", {"output_sequence_length": 3}, TEXT, adapt=TRAIN)
case("tv_max_tokens", "TextVectorization", {"max_tokens": 6}, TEXT, adapt=TRAIN)
case("tv_multi_hot", "TextVectorization", {"output_mode": "multi_hot", "max_tokens": 8}, TEXT, adapt=TRAIN)
case("tv_count", "TextVectorization", {"output_mode": "count"}, TEXT, adapt=TRAIN)
case("tv_count_pad", "TextVectorization", {"output_mode": "count", "max_tokens": 20, "pad_to_max_tokens": True}, TEXT, adapt=TRAIN)
case("tv_tf_idf", "TextVectorization", {"output_mode": "tf_idf"}, TEXT, adapt=TRAIN)
case("tv_lower_only", "TextVectorization", {"standardize": "lower"}, TEXT, adapt=TRAIN)
case("tv_strip_only", "TextVectorization", {"standardize": "strip_punctuation"}, TEXT, adapt=TRAIN)
case("tv_no_standardize", "TextVectorization", {"standardize": None}, TEXT, adapt=TRAIN)
case("tv_no_split", "TextVectorization", {"split": None}, [[t] for t in TEXT[:4]] + [["the quick brown fox"]], adapt=TRAIN + ["the quick brown fox"])
case("tv_character", "TextVectorization", {"split": "character", "output_sequence_length": 12}, TEXT, adapt=TRAIN)
case("tv_vocabulary", "TextVectorization", {"vocabulary": ["fox", "the", "dog"]}, TEXT)
case("tv_vocabulary_with_specials", "TextVectorization", {"vocabulary": ["", "[UNK]", "fox", "the", "dog"]}, TEXT)
case("tv_vocabulary_multi_hot", "TextVectorization", {"vocabulary": ["fox", "the", "dog"], "output_mode": "multi_hot"}, TEXT)
case("tv_bad_rank", "TextVectorization", {"vocabulary": ["fox"]}, [["a b", "c"]])

case("hashing_strings", "Hashing", {"num_bins": 5}, [["the", "fox"], ["", "Straße"]])
case("hashing_strings_mask", "Hashing", {"num_bins": 5, "mask_value": ""}, [["the", "fox"], ["", "Straße"]])
case("hashing_strings_multi_hot", "Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, [["the", "fox"], ["a", "b"]])
# N-grams (the preprocessing guide's bag of bigrams and its TF-IDF).
case("tv_ngrams2_multi_hot", "TextVectorization", {"ngrams": 2, "output_mode": "multi_hot"}, TEXT, adapt=TRAIN)
case("tv_ngrams2_tf_idf", "TextVectorization", {"ngrams": 2, "output_mode": "tf_idf"}, TEXT, adapt=TRAIN)
case("tv_ngrams_tuple_int", "TextVectorization", {"ngrams": [3, 1], "output_sequence_length": 10}, TEXT, adapt=TRAIN)
case("tv_ngrams_character", "TextVectorization", {"ngrams": [2], "split": "character", "max_tokens": 12}, TEXT, adapt=TRAIN)
# Salted (SipHash) hashing, of strings and of integers.
case("hashing_salt_pair", "Hashing", {"num_bins": 3, "salt": [133, 137]}, [["A"], ["B"], ["C"], ["D"], ["E"]])
case("hashing_salt_int", "Hashing", {"num_bins": 3, "salt": 133}, [["A"], ["B"], ["C"], ["D"], ["E"]])
case("hashing_salt_mask", "Hashing", {"num_bins": 7, "salt": [1, 2], "mask_value": ""}, [["the", "fox"], ["", "Straße"]])
case("hashing_salt_ints", "Hashing", {"num_bins": 11, "salt": 7}, np.array([[0, 1], [-5, 123456789012]], np.int64))
case("hashing_salt_ints_mask", "Hashing", {"num_bins": 11, "salt": 7, "mask_value": 0}, np.array([[0, 1], [-5, 42]], np.int32))
# No OOV indices: out-of-vocabulary inputs are an error (an in-graph assertion).
case("lookup_no_oov", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 0}, [["the", "fox"], ["brown", "quick"]])
case("lookup_no_oov_missing", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 0}, WORDS)
case("lookup_no_oov_mask", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 0, "mask_token": ""}, [["the", ""], ["", "fox"]])
case("lookup_no_oov_multi_hot", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 0, "output_mode": "multi_hot"}, [["the", "fox"], ["brown", "brown"]])
case("lookup_no_oov_adapt", "StringLookup", {"num_oov_indices": 0}, [["b", "a"], ["c", "a"]], adapt=["a", "b", "a", "c", "a", "b"])
case("lookup_no_oov_invert", "StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 0, "invert": True}, np.array([[0, 3], [5, 1]], np.int64))
case("int_lookup_no_oov_missing", "IntegerLookup", {"vocabulary": [12, 7, 30], "num_oov_indices": 0}, np.array([[7, 8], [30, 99]], np.int64))
# The OOV token is reserved only when inverting.
case("lookup_vocab_has_oov_token", "StringLookup", {"vocabulary": ["a", "[UNK]", "b"]}, ["[UNK]", "b", "z"])
case("lookup_invert_vocab_has_oov_token", "StringLookup", {"vocabulary": ["a", "[UNK]", "b"], "invert": True}, np.array([1, 2], np.int64))

json.dump({"tensorflow": tf.__version__, "cases": cases}, open("text.json", "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
