"""Golden values for tf.debugging's run-time checks (Assert, the comparison assertions,
check_numerics) and tf.strings.format, from a real TensorFlow run (TensorFlow 2.21). Each
check runs inside a tf.function on tensor arguments, so TensorFlow stages its op (with
constant arguments it checks while tracing, in numpy's words). Writes debugging.json: for
each case the function, its arguments and its result, or the failure's message.

TensorFlow names graph tensors in the comparison assertions' data (`x (a_0:0) = `); this
runtime has no graph tensor names, and the test reads those as `x = `.

Run: python gen_debugging.py (TensorFlow 2.21).
"""
import json
import tensorflow as tf

cases = []


def val(t):
    t = tf.convert_to_tensor(t)
    v = tf.reshape(t, [-1]).numpy().tolist()
    if t.dtype == tf.string:
        v = [x.decode("utf-8") for x in v]
    if t.dtype.is_floating:
        v = [x if x == x and abs(x) != float("inf") else str(x) for x in v]
    return {"dtype": t.dtype.name, "shape": t.shape.as_list(), "values": v}


def case(name, fn, args, tensors, body):
    """Runs `body(*tensors)` in a tf.function; records its output or its error message."""
    entry = {"name": name, "fn": fn, "args": args, "inputs": [val(t) for t in tensors]}

    def g(*xs):
        r = body(*xs)
        return r if isinstance(r, tf.Tensor) else tf.constant(0)

    try:
        out = tf.function(g)(*tensors)
        if fn in ("check_numerics", "format"):
            entry["output"] = val(out)
    except tf.errors.InvalidArgumentError as e:
        msg = e.message
        if "Graph execution error" in msg:
            msg = msg.split("\n\n")[-1].split("\n\t")[0]
        entry["error"] = msg
    cases.append(entry)


I = tf.constant([1, 2, 3, 4, 5])
M = tf.constant([[1.5, 2.0], [3.0, 4.0]])
R = tf.reshape(tf.range(24), [2, 3, 4])
S = tf.constant("a\nb'é\x01\"\\")
F = tf.constant(False)
T = tf.constant(True)

case("assert_passes", "assert", {}, [T, I], lambda c, x: tf.debugging.Assert(c, [x]))
case("assert_default", "assert", {}, [F, tf.constant("hello"), I, M],
     lambda c, *d: tf.debugging.Assert(c, list(d)))
case("assert_kinds", "assert", {}, [F, tf.constant([True, False]), S, tf.constant(0.1),
                                    tf.constant(1 / 3, tf.float64), tf.constant([[["x"]]]),
                                    tf.zeros([0]), tf.zeros([2, 0]), tf.constant(7, tf.uint8)],
     lambda c, *d: tf.debugging.Assert(c, list(d)))
for n in [0, 1, 5, 100]:
    case(f"assert_summarize_{n}", "assert", {"summarize": n}, [F, R],
         lambda c, x, n=n: tf.debugging.Assert(c, [x], summarize=n))
case("assert_summarize_all", "assert", {"summarize": -1}, [F, tf.range(30)],
     lambda c, x: tf.debugging.Assert(c, [x], summarize=-1))
case("assert_vector_condition", "assert", {}, [tf.constant([False]), I],
     lambda c, x: tf.debugging.Assert(c, [x]))

X, Y = tf.constant([1, 2]), tf.constant([1, 3])
for name, f, sym in [("assert_equal", tf.debugging.assert_equal, "=="),
                     ("assert_none_equal", tf.debugging.assert_none_equal, "!="),
                     ("assert_less", tf.debugging.assert_less, "<"),
                     ("assert_less_equal", tf.debugging.assert_less_equal, "<="),
                     ("assert_greater", tf.debugging.assert_greater, ">"),
                     ("assert_greater_equal", tf.debugging.assert_greater_equal, ">=")]:
    case(name, name, {}, [X, Y], lambda x, y, f=f: f(x, y))
    case(f"{name}_message", name, {"message": "mine"}, [X, Y], lambda x, y, f=f: f(x, y, message="mine"))
    case(f"{name}_broadcast", name, {}, [X, tf.constant(2)], lambda x, y, f=f: f(x, y))
for name, f in [("assert_positive", tf.debugging.assert_positive),
                ("assert_negative", tf.debugging.assert_negative),
                ("assert_non_negative", tf.debugging.assert_non_negative),
                ("assert_non_positive", tf.debugging.assert_non_positive)]:
    for x in [tf.constant([1.0, -2.0]), tf.constant([0, 3])]:
        case(f"{name}_{x.dtype.name}", name, {}, [x], lambda x, f=f: f(x))
    case(f"{name}_message", name, {"message": "m"}, [tf.constant([1, -2])], lambda x, f=f: f(x, message="m"))

for name, x in [("finite", [1.0, 2.0]), ("nan", [1.0, float("nan")]), ("inf", [float("-inf"), 1.0]),
                ("both", [float("inf"), float("nan")])]:
    for dt in [tf.float32, tf.float64]:
        case(f"check_numerics_{name}_{dt.name}", "check_numerics", {"message": "bad x"},
             [tf.constant(x, dt)], lambda t: tf.debugging.check_numerics(t, "bad x"))

for name, template, ts, kw in [
    ("format_default", "x={} and s={}!", [tf.range(10), tf.constant(["a", "b"])], {}),
    ("format_summarize_1", "{} {}", [tf.constant(1.5), tf.reshape(tf.range(24.0), [2, 3, 4])], {"summarize": 1}),
    ("format_all", "{}", [tf.range(10)], {"summarize": -1}),
    ("format_bool_escapes", "<{}> <{}>", [tf.constant([True, False]), S], {}),
    ("format_placeholder", "a=%, b=%", [tf.constant(1.5, tf.float64), tf.constant([[1, 2]], tf.int64)], {"placeholder": "%"}),
    ("format_none", "no placeholders", [], {}),
]:
    case(name, "format", dict(kw, template=template), ts, lambda *xs, t=template, kw=kw: tf.strings.format(t, list(xs), **kw))

json.dump({"tensorflow": tf.__version__, "cases": cases}, open("debugging.json", "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
