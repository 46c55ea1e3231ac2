"""Golden values for tf.string tensors and the tf.strings ops, from a real TensorFlow run
(TensorFlow 2.21). Writes strings.json: for each case the op, its arguments and its result
(strings as UTF-8 text), or the printed form of a tensor.

Run: python gen_strings.py (TensorFlow 2.21).
"""
import bisect
import json
import tensorflow as tf

cases = []

def val(t):
    t = tf.convert_to_tensor(t)
    v = tf.reshape(t, [-1]).numpy().tolist()
    if t.dtype == tf.string:
        v = [x.decode("utf-8") for x in v]
    if t.dtype.is_floating:
        # JSON has no NaN or infinities: those go as text.
        v = [x if x == x and abs(x) != float("inf") else str(x) for x in v]
    return {"dtype": t.dtype.name, "shape": t.shape.as_list(), "values": v}

def case(name, fn, args, out):
    cases.append({"name": name, "fn": fn, "args": args, "output": out})

TEXT = ["Hello, World!", "  ÀÉ  tab\tend\n", "", "it's \"quoted\" a\\b", "x\x0by\x0cz  "]
t = tf.constant(TEXT)

case("lower", "lower", {"input": TEXT}, val(tf.strings.lower(t)))
case("lower_utf8", "lower_unicode", {"input": TEXT}, val(tf.strings.lower(t, encoding="utf-8")))
case("upper", "upper", {"input": TEXT}, val(tf.strings.upper(t)))
case("upper_utf8", "upper_unicode", {"input": TEXT}, val(tf.strings.upper(t, encoding="utf-8")))
case("strip", "strip", {"input": TEXT}, val(tf.strings.strip(t)))
case("length", "length", {"input": TEXT}, val(tf.strings.length(t)))
case("length_chars", "length_chars", {"input": TEXT}, val(tf.strings.length(t, unit="UTF8_CHAR")))

PUNCT = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
for name, pattern, rewrite, glob in [
    ("regex_keras_punctuation", PUNCT, "", True),
    ("regex_groups", r"(l+)(o)", r"<\2\1\\\0>", True),
    ("regex_first", r"[aeiou]", "_", False),
    ("regex_classes", r"\s+", " ", True),
    ("regex_anchors", r"^\W+|\W+$", "", True),
]:
    case(name, "regex_replace", {"input": TEXT, "pattern": pattern, "rewrite": rewrite, "replace_global": glob},
         val(tf.strings.regex_replace(t, pattern, rewrite, replace_global=glob)))

SPLIT = [" a b  c ", "", "x\x0by\x0cz", "one", "a,,b,c,", "  "]
for name, sep, maxsplit in [("split_whitespace", None, -1), ("split_comma", ",", -1), ("split_whitespace_max1", None, 1),
                            ("split_comma_max2", ",", 2), ("split_multichar", ",c", -1),
                            ("split_whitespace_max0", None, 0), ("split_comma_max0", ",", 0)]:
    r = tf.raw_ops.StringSplitV2(input=SPLIT, sep=sep or "", maxsplit=maxsplit)
    case(name, "split", {"input": SPLIT, "sep": sep, "maxsplit": maxsplit},
         {"indices": val(r.indices), "values": val(r.values), "dense_shape": val(r.shape)})

CHARS = ["añb", "", "Straße 🙂", " x"]
sp = tf.strings.unicode_split(CHARS, "UTF-8").to_sparse()
case("unicode_split", "unicode_split", {"input": CHARS},
     {"indices": val(sp.indices), "values": val(sp.values), "dense_shape": val(sp.dense_shape)})

NG = ["a b c d", "", "e", "f g", "h i j"]
for name, kw in [("ngrams_1_2", dict(ngram_width=(1, 2))), ("ngrams_2_1_3_sep", dict(ngram_width=(2, 1, 3), separator="_")),
                 ("ngrams_pad_auto", dict(ngram_width=(2, 3), pad_values=("<s>", "</s>"), padding_width=None)),
                 ("ngrams_pad_1", dict(ngram_width=3, pad_values=("L", "R"), padding_width=1)),
                 ("ngrams_pad_wide", dict(ngram_width=2, pad_values=("L", "R"), padding_width=5)),
                 ("ngrams_preserve_short", dict(ngram_width=3, preserve_short_sequences=True)),
                 ("ngrams_preserve_short_pad", dict(ngram_width=4, pad_values=("L", "R"), padding_width=1, preserve_short_sequences=True))]:
    kw.setdefault("separator", " ")
    g = tf.strings.ngrams(tf.strings.split(NG), **kw).to_sparse()
    widths = kw["ngram_width"] if isinstance(kw["ngram_width"], tuple) else (kw["ngram_width"],)
    pads = kw.get("pad_values") or ("", "")
    pw = kw.get("padding_width", 0) if "pad_values" in kw else 0
    case(name, "ngrams", {"input": NG, "widths": list(widths), "separator": kw["separator"], "pad_values": list(pads),
                          "padding_width": -1 if pw is None else pw, "preserve_short_sequences": kw.get("preserve_short_sequences", False)},
         {"indices": val(g.indices), "values": val(g.values), "dense_shape": val(g.dense_shape)})

# Numbers and text.
FLOATS = [3.5, -0.1, 1e20, float("nan"), float("inf"), -float("inf"), 3.14159, -1e-7, 0.0]
case("as_string_f32", "as_string", {"input": val(tf.constant(FLOATS, tf.float32))}, val(tf.strings.as_string(tf.constant(FLOATS, tf.float32))))
case("as_string_f64", "as_string", {"input": val(tf.constant([1 / 3, 2.5e-3], tf.float64))}, val(tf.strings.as_string(tf.constant([1 / 3, 2.5e-3], tf.float64))))
case("as_string_i64", "as_string", {"input": val(tf.constant([1, -20, 2**40], tf.int64))}, val(tf.strings.as_string(tf.constant([1, -20, 2**40], tf.int64))))
case("as_string_i32", "as_string", {"input": val(tf.constant([7, -3], tf.int32))}, val(tf.strings.as_string(tf.constant([7, -3], tf.int32))))
case("as_string_bool", "as_string", {"input": val([True, False])}, val(tf.strings.as_string([True, False])))
for name, kw in [("as_string_precision", dict(precision=2)), ("as_string_scientific", dict(scientific=True)),
                 ("as_string_scientific_p3", dict(scientific=True, precision=3)), ("as_string_shortest", dict(shortest=True)),
                 ("as_string_shortest_p3", dict(shortest=True, precision=3))]:
    x = tf.constant(FLOATS, tf.float32)
    case(name, "as_string_with", {"input": val(x), "precision": kw.get("precision"), "scientific": kw.get("scientific", False),
                                  "shortest": kw.get("shortest", False)}, val(tf.strings.as_string(x, **kw)))
NUMS = ["1.5", " 2", "-3e2", "inf", "0x10", "+4", ".5", "-0", "1e-3\n"]
case("to_number_f32", "to_number", {"input": NUMS, "out_type": "float32"}, val(tf.strings.to_number(NUMS)))
case("to_number_f64", "to_number", {"input": NUMS, "out_type": "float64"}, val(tf.strings.to_number(NUMS, tf.float64)))
INTS = ["12", " -7", "+3 ", "2147483647"]
case("to_number_i32", "to_number", {"input": INTS, "out_type": "int32"}, val(tf.strings.to_number(INTS, tf.int32)))
case("to_number_i64", "to_number", {"input": INTS + ["9000000000"], "out_type": "int64"}, val(tf.strings.to_number(INTS + ["9000000000"], tf.int64)))
for name, bad, t in [("to_number_bad_float", "1.5a", tf.float32), ("to_number_bad_int", "1.5", tf.int32), ("to_number_overflow", "2147483648", tf.int32)]:
    try:
        tf.strings.to_number([bad], t)
        err = None
    except tf.errors.InvalidArgumentError as e:
        err = e.message.split("}}")[-1].split(" [Op:")[0].strip()
    case(name, "to_number", {"input": [bad], "out_type": t.name}, {"error": err})
case("join", "join", {"inputs": [val("a"), val(["x", "y"]), val(["1", "2"])], "separator": "-"},
     val(tf.strings.join(["a", ["x", "y"], ["1", "2"]], separator="-")))

HASH = ["", "a", "hello", "Hello, World!", "ÀÉ", "[UNK]", "the quick brown fox"]
for n in [1, 2, 1000, 2**40]:
    case(f"hash_{n}", "to_hash_bucket_fast", {"input": HASH, "num_buckets": n},
         val(tf.strings.to_hash_bucket_fast(HASH, n)))
for n, key in [(1, [1, 2]), (1000, [0, 0]), (1000, [133, 137]), (2**40, [-1, 2**62])]:
    case(f"hash_strong_{n}_{key[0]}", "to_hash_bucket_strong", {"input": HASH, "num_buckets": n, "key": key},
         val(tf.strings.to_hash_bucket_strong(HASH, n, key)))

# Printing, as str(tensor).
for name, v in [("print_vector", ["a", "bcd"]), ("print_matrix", [["a", "bcd"], ["xy", "z"]]),
                ("print_scalar", "hello"), ("print_escapes", ["it's", 'q"x', "both'\"", "é\t\n\\", "\x01\x7f"]),
                ("print_empty", tf.zeros([0], tf.string))]:
    case(name, "print", {"input": val(v)}, str(tf.constant(v)))
case("print_long", "print", {"input": val([str(i) for i in range(1200)])}, str(tf.constant([str(i) for i in range(1200)])))
case("print_wrapped", "print", {"input": val(["word%d" % i for i in range(20)])}, str(tf.constant(["word%d" % i for i in range(20)])))

# Movement and comparison ops on strings.
M = tf.constant([["a", "b", "c"], ["d", "e", "f"]])
case("equal_broadcast", "equal", {"x": val(M), "y": val(["a", "e", "x"])}, val(tf.equal(M, ["a", "e", "x"])))
case("not_equal_scalar", "not_equal", {"x": val(M), "y": val("b")}, val(tf.not_equal(M, "b")))
case("gather", "gather", {"params": val(M), "indices": [2, 0, 0], "axis": 1}, val(tf.gather(M, [2, 0, 0], axis=1)))
case("concat", "concat", {"x": val(M), "y": val([["g"], ["h"]]), "axis": 1}, val(tf.concat([M, [["g"], ["h"]]], 1)))
case("transpose", "transpose", {"x": val(M)}, val(tf.transpose(M)))
case("reshape", "reshape", {"x": val(M), "shape": [3, 2]}, val(tf.reshape(M, [3, 2])))
case("where", "where", {"cond": val([[True, False, True], [False, True, False]]), "x": val(M), "y": val("-")},
     val(tf.where([[True, False, True], [False, True, False]], M, "-")))
case("reverse", "reverse", {"x": val(M), "axis": [1]}, val(tf.reverse(M, [1])))
case("tile", "tile", {"x": val(M), "multiples": [1, 2]}, val(tf.tile(M, [1, 2])))
case("pad", "pad", {"x": val(M), "paddings": [[1, 0], [0, 1]]}, val(tf.pad(M, [[1, 0], [0, 1]])))
case("stack", "stack", {"x": val(["a", "b"]), "y": val(["c", "d"]), "axis": 1}, val(tf.stack([["a", "b"], ["c", "d"]], 1)))
case("slice", "slice", {"x": val(M), "begin": [0, 1], "size": [2, 2]}, val(M[:, 1:3]))
# TensorFlow's searchsorted takes numbers only; Python's bisect gives the insertion points.
SORTED, VALUES = ["apple", "b", "banana", "cherry"], ["a", "b", "banana", "c", "z"]
case("searchsorted", "searchsorted", {"sorted": val(SORTED), "values": val(VALUES)},
     {"left": [bisect.bisect_left(SORTED, v) for v in VALUES], "right": [bisect.bisect_right(SORTED, v) for v in VALUES]})
sp = tf.strings.split(["a b  c", "", "d"]).to_sparse()
case("sparse_to_dense", "to_dense", {"input": ["a b  c", "", "d"], "default": "<pad>"}, val(tf.sparse.to_dense(sp, "<pad>")))

json.dump({"tensorflow": tf.__version__, "cases": cases}, open("strings.json", "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
