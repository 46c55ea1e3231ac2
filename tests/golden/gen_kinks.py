"""Gradients where a function has a kink or a tie (relu at 0, relu6 at 6, maximum of
equal values, a max-pool window of equal values, ...), where finite differences say nothing
and TensorFlow's gradient rules pick a side. Writes kinks.json.

Run: python gen_kinks.py (TensorFlow 2.21).
"""
import json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf


def enc(g):
    if g is None:
        return None
    return [v if v == v and abs(v) != float("inf") else str(v) for v in g.numpy().reshape(-1).tolist()]


def case(name, f, *inputs):
    xs = [tf.constant(x, tf.float32) for x in inputs]
    with tf.GradientTape() as t:
        for x in xs:
            t.watch(x)
        y = f(*xs)
    return {"name": name, "inputs": inputs, "grads": [enc(g) for g in t.gradient(y, xs)]}


cases = [
    case("relu", tf.nn.relu, [-1.0, 0.0, 1.0]),
    case("relu6", tf.nn.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0]),
    case("leaky_relu", lambda x: tf.nn.leaky_relu(x, 0.2), [-1.0, 0.0, 1.0]),
    case("elu", tf.nn.elu, [-1.0, 0.0, 1.0]),
    case("selu", tf.nn.selu, [-1.0, 0.0, 1.0]),
    case("abs", tf.abs, [-1.0, 0.0, 1.0]),
    case("sign", tf.sign, [-1.0, 0.0, 1.0]),
    case("sqrt", tf.sqrt, [0.0, 1.0]),
    case("maximum", tf.maximum, [1.0, 2.0, 3.0], [2.0, 2.0, 2.0]),
    case("minimum", tf.minimum, [1.0, 2.0, 3.0], [2.0, 2.0, 2.0]),
    case("clip_by_value", lambda x: tf.clip_by_value(x, 0.0, 1.0), [-0.5, 0.0, 0.5, 1.0, 1.5]),
    case("reduce_max", tf.reduce_max, [1.0, 3.0, 3.0, 2.0]),
    case("reduce_min", tf.reduce_min, [1.0, 3.0, 1.0, 2.0]),
    case("pow", tf.pow, [0.0, 2.0, 0.0, 0.0, 0.0], [2.0, 3.0, 0.0, 0.5, 1.0]),
    case("max_pool2d", lambda x: tf.nn.max_pool2d(tf.reshape(x, [1, 2, 2, 1]), 2, 2, "VALID"), [1.0, 1.0, 1.0, 0.0]),
    case("l2_normalize", tf.nn.l2_normalize, [0.0, 0.0]),
    case("reduce_std", tf.math.reduce_std, [1.0, 1.0]),
    case("squared_difference", tf.math.squared_difference, [1.0, 2.0], [1.0, 0.0]),
    case("divide", tf.divide, [1.0, 0.0], [0.0, 0.0]),
    case("log", tf.math.log, [0.0]),
    case("top_k", lambda x: tf.math.top_k(x, 2).values, [3.0, 3.0, 3.0]),
    case("sort", lambda x: tf.sort(x) * tf.constant([1.0, 2.0, 3.0]), [2.0, 2.0, 1.0]),
    case("sigmoid_cross_entropy_with_logits", lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(z, x), [1.0, 0.0, 1.0], [0.0, 0.0, -2.0]),
    # Products with zeros: each value's gradient is the product of the others.
    case("reduce_prod", tf.reduce_prod, [0.0, 2.0, 3.0]),
    case("reduce_prod_two_zeros", tf.reduce_prod, [0.0, 2.0, 0.0]),
    case("reduce_prod_rows", lambda x: tf.reduce_prod(tf.reshape(x, [2, 2]), axis=1), [0.0, 2.0, 3.0, 4.0]),
    # A branch `where` discards: Sqrt, Rsqrt and Reciprocal's gradients are 0 where the
    # upstream gradient is (no 0 * inf = NaN); Log's is not.
    case("where_sqrt", lambda x: tf.where(x > 0, tf.sqrt(x), tf.zeros_like(x)), [-1.0, 0.0, 4.0]),
    case("where_rsqrt", lambda x: tf.where(x > 0, tf.math.rsqrt(x), tf.zeros_like(x)), [-1.0, 0.0, 4.0]),
    case("where_reciprocal", lambda x: tf.where(x > 0, tf.math.reciprocal(x), tf.zeros_like(x)), [-1.0, 0.0, 4.0]),
    case("where_log", lambda x: tf.where(x > 0, tf.math.log(x), tf.zeros_like(x)), [-1.0, 0.0, 4.0]),
    # The safe divisions and clipping at their zeros.
    case("divide_no_nan", tf.math.divide_no_nan, [1.0, 2.0, 0.0], [0.0, 4.0, 0.0]),
    case("xlogy", tf.math.xlogy, [0.0, 2.0, 0.0], [0.0, 3.0, 2.0]),
    case("clip_by_norm", lambda x: tf.clip_by_norm(x, 1.0), [0.0, 0.0]),
    case("norm", lambda x: tf.norm(x), [0.0, 0.0]),
]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "kinks.json"), "w") as f:
    json.dump({"tensorflow": tf.__version__, "cases": cases}, f)
print(len(cases), "cases")
