"""Writes ops.json: golden op results from a real TensorFlow run.

Run with a TensorFlow 2 virtualenv outside the repo:
    /path/to/venv/bin/python tests/golden/gen_ops.py
Each case names a public function of `tf`, its inputs, its arguments, and either the
outputs TensorFlow computed or a fragment of the error TensorFlow raised.
"""
import json
import math
import os

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1234)
cases = []


def enc_val(v):
    v = float(v) if not isinstance(v, (bool, np.bool_)) else bool(v)
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def enc(t):
    a = np.asarray(t)
    vals = [enc_val(x) for x in a.reshape(-1).tolist()]
    if a.dtype.kind in "iu":
        vals = [int(x) for x in a.reshape(-1).tolist()]
    return {"dtype": tf.as_dtype(a.dtype).name, "shape": list(a.shape), "values": vals}


def data(dtype, shape, domain="any"):
    n = int(np.prod(shape)) if shape else 1
    if dtype == "bool":
        return (rng.rand(*shape) > 0.5) if shape else np.bool_(rng.rand() > 0.5)
    if dtype in ("int32", "int64"):
        lo, hi = {"any": (-5, 6), "pos": (1, 6), "nonzero": (1, 6)}[domain]
        a = rng.randint(lo, hi, size=n)
        if domain == "nonzero":
            a = a * np.where(rng.rand(n) > 0.5, 1, -1)
        return a.astype(dtype).reshape(shape)
    if dtype == "uint8":
        return rng.randint(1 if domain != "any" else 0, 10, size=n).astype("uint8").reshape(shape)
    if domain == "pos":
        a = rng.uniform(0.5, 2.0, size=n)
    elif domain == "unit":
        a = rng.uniform(-0.9, 0.9, size=n)
    elif domain == "nonzero":
        a = rng.uniform(0.5, 2.0, size=n) * np.where(rng.rand(n) > 0.5, 1, -1)
    else:
        a = rng.uniform(-3, 3, size=n)
    return a.astype(dtype).reshape(shape)


def case(name, fn, inputs, args, compute):
    entry = {"name": name, "fn": fn, "inputs": [enc(x) for x in inputs], "args": args}
    try:
        out = compute(*[tf.constant(x) for x in inputs])
        outs = out if isinstance(out, (list, tuple)) else [out]
        entry["outputs"] = [enc(o) for o in outs]
    except Exception as e:  # noqa: BLE001 - any TF error becomes an expected error
        entry["error"] = type(e).__name__
    cases.append(entry)


FLOATS = ["float32", "float64"]
SIGNED = FLOATS + ["int32", "int64"]
NUMERIC = SIGNED + ["uint8"]

unary = {
    "negative": (tf.math.negative, SIGNED, "any"), "abs": (tf.math.abs, SIGNED, "nonzero"),
    "sign": (tf.math.sign, SIGNED, "any"), "square": (tf.math.square, SIGNED, "any"),
    "exp": (tf.math.exp, FLOATS, "any"), "expm1": (tf.math.expm1, FLOATS, "any"),
    "log": (tf.math.log, FLOATS, "pos"), "log1p": (tf.math.log1p, FLOATS, "pos"),
    "sqrt": (tf.math.sqrt, FLOATS, "pos"), "rsqrt": (tf.math.rsqrt, FLOATS, "pos"),
    "reciprocal": (tf.math.reciprocal, FLOATS, "nonzero"), "sin": (tf.math.sin, FLOATS, "any"),
    "cos": (tf.math.cos, FLOATS, "any"), "tan": (tf.math.tan, FLOATS, "unit"),
    "tanh": (tf.math.tanh, FLOATS, "any"), "erf": (tf.math.erf, FLOATS, "any"),
    "floor": (tf.math.floor, FLOATS, "any"), "ceil": (tf.math.ceil, FLOATS, "any"),
    "round": (tf.math.round, FLOATS, "any"), "sigmoid": (tf.math.sigmoid, FLOATS, "any"),
    "relu": (tf.nn.relu, SIGNED, "any"), "relu6": (tf.nn.relu6, FLOATS, "any"),
    "elu": (tf.nn.elu, FLOATS, "any"), "selu": (tf.nn.selu, FLOATS, "any"),
    "softplus": (tf.nn.softplus, FLOATS, "any"), "softsign": (tf.nn.softsign, FLOATS, "any"),
    "is_finite": (tf.math.is_finite, FLOATS, "any"),
}
for fn, (f, dts, dom) in unary.items():
    for dt in dts:
        for shape in ([2, 3], [], [0, 2]):
            case(f"{fn}_{dt}_{shape}", fn, [data(dt, shape, dom)], {}, f)
case("round_half_even", "round", [np.array([0.5, 1.5, 2.5, -0.5, -1.5], "float32")], {}, tf.math.round)
case("gelu_exact", "gelu", [data("float32", [5])], {"approximate": False}, lambda x: tf.nn.gelu(x, approximate=False))
case("gelu_approx", "gelu", [data("float64", [5])], {"approximate": True}, lambda x: tf.nn.gelu(x, approximate=True))
case("leaky_relu", "leaky_relu", [data("float32", [6])], {"alpha": 0.1}, lambda x: tf.nn.leaky_relu(x, alpha=0.1))
case("logical_not", "logical_not", [data("bool", [4])], {}, tf.math.logical_not)
case("unary_dtype_error", "exp", [data("int32", [2])], {}, tf.math.exp)
case("specials", "exp", [np.array([np.inf, -np.inf, np.nan, 0.0], "float32")], {}, tf.math.exp)

binary = {
    "add": (tf.math.add, NUMERIC, "any"), "subtract": (tf.math.subtract, NUMERIC, "any"),
    "multiply": (tf.math.multiply, NUMERIC, "any"), "divide": (tf.math.divide, SIGNED, "nonzero"),
    "floordiv": (tf.math.floordiv, SIGNED, "nonzero"), "floormod": (tf.math.floormod, SIGNED, "nonzero"),
    "pow": (tf.math.pow, FLOATS, "pos"), "maximum": (tf.math.maximum, NUMERIC, "any"),
    "minimum": (tf.math.minimum, NUMERIC, "any"), "squared_difference": (tf.math.squared_difference, SIGNED, "any"),
    "equal": (tf.math.equal, NUMERIC, "any"), "not_equal": (tf.math.not_equal, NUMERIC, "any"),
    "less": (tf.math.less, NUMERIC, "any"), "less_equal": (tf.math.less_equal, NUMERIC, "any"),
    "greater": (tf.math.greater, NUMERIC, "any"), "greater_equal": (tf.math.greater_equal, NUMERIC, "any"),
}
for fn, (f, dts, dom) in binary.items():
    for dt in dts:
        for sa, sb in (([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1], [1, 3]), ([], [4]), ([0, 3], [1, 3])):
            case(f"{fn}_{dt}_{sa}_{sb}", fn, [data(dt, sa, dom), data(dt, sb, dom)], {}, f)
case("pow_int", "pow", [np.array([2, 3, -2], "int32"), np.array([3, 2, 3], "int32")], {}, tf.math.pow)
for fn, f in (("logical_and", tf.math.logical_and), ("logical_or", tf.math.logical_or), ("logical_xor", tf.math.logical_xor)):
    case(fn, fn, [data("bool", [2, 3]), data("bool", [3])], {}, f)
case("add_dtype_mismatch", "add", [data("float32", [2]), data("int32", [2])], {}, tf.math.add)
case("add_bad_broadcast", "add", [data("float32", [2, 3]), data("float32", [4])], {}, tf.math.add)
case("floordiv_int_zero", "floordiv", [np.array([1, 2], "int32"), np.array([1, 0], "int32")], {}, tf.math.floordiv)
case("where", "where", [data("bool", [2, 1]), data("float32", [2, 3]), data("float32", [3])], {}, tf.where)
case("clip_by_value", "clip_by_value", [data("float32", [2, 3]), np.float32(-1.0), np.float32(1.5)], {}, tf.clip_by_value)
for src in ["float32", "float64", "int32", "int64", "uint8", "bool"]:
    for dst in ["float32", "float64", "int32", "int64", "uint8", "bool"]:
        x = np.array([-2.7, -0.5, 0.0, 0.4, 1.0, 3.9], "float64").astype(src) if src != "uint8" else np.array([0, 1, 2, 200, 7, 9], "uint8")
        case(f"cast_{src}_{dst}", "cast", [x], {"dtype": dst}, lambda t, dst=dst: tf.cast(t, dst))

reductions = {
    "reduce_sum": (tf.math.reduce_sum, NUMERIC), "reduce_prod": (tf.math.reduce_prod, NUMERIC),
    "reduce_max": (tf.math.reduce_max, NUMERIC), "reduce_min": (tf.math.reduce_min, NUMERIC),
    "reduce_mean": (tf.math.reduce_mean, NUMERIC), "reduce_logsumexp": (tf.math.reduce_logsumexp, FLOATS),
    "reduce_variance": (tf.math.reduce_variance, FLOATS), "reduce_std": (tf.math.reduce_std, FLOATS),
}
for fn, (f, dts) in reductions.items():
    for dt in dts:
        x = data(dt, [2, 3, 4])
        for axis, keep in ((None, False), (-1, True), ([0, 2], False), (1, False)):
            case(f"{fn}_{dt}_{axis}_{keep}", fn, [x], {"axis": axis, "keepdims": keep}, lambda t, f=f, axis=axis, keep=keep: f(t, axis=axis, keepdims=keep))
        case(f"{fn}_{dt}_empty", fn, [data(dt, [0, 3])], {"axis": 0, "keepdims": False}, lambda t, f=f: f(t, axis=0))
        case(f"{fn}_{dt}_scalar", fn, [data(dt, [])], {"axis": None, "keepdims": False}, lambda t, f=f: f(t))
case("reduce_sum_bad_axis", "reduce_sum", [data("float32", [2, 3])], {"axis": 2, "keepdims": False}, lambda t: tf.reduce_sum(t, axis=2))
for fn, f in (("reduce_any", tf.math.reduce_any), ("reduce_all", tf.math.reduce_all)):
    case(fn, fn, [data("bool", [3, 4])], {"axis": 1, "keepdims": False}, lambda t, f=f: f(t, axis=1))
for dt in NUMERIC:
    x = data(dt, [3, 4])
    for fn, f in (("argmax", tf.math.argmax), ("argmin", tf.math.argmin)):
        for ax in (0, -1):
            case(f"{fn}_{dt}_{ax}", fn, [x], {"axis": ax}, lambda t, f=f, ax=ax: f(t, axis=ax))
    for ex, rev in ((False, False), (True, False), (False, True), (True, True)):
        case(f"cumsum_{dt}_{ex}_{rev}", "cumsum", [x], {"axis": 1, "exclusive": ex, "reverse": rev}, lambda t, ex=ex, rev=rev: tf.math.cumsum(t, axis=1, exclusive=ex, reverse=rev))

x = data("float32", [2, 3, 4])
case("reshape", "reshape", [x], {"shape": [4, -1]}, lambda t: tf.reshape(t, [4, -1]))
case("reshape_bad", "reshape", [x], {"shape": [5, -1]}, lambda t: tf.reshape(t, [5, -1]))
case("transpose", "transpose", [x], {"perm": [2, 0, 1]}, lambda t: tf.transpose(t, [2, 0, 1]))
case("transpose_default", "transpose", [x], {"perm": None}, lambda t: tf.transpose(t))
case("expand_dims", "expand_dims", [x], {"axis": -1}, lambda t: tf.expand_dims(t, -1))
case("squeeze", "squeeze", [data("int32", [1, 3, 1])], {"axis": []}, lambda t: tf.squeeze(t))
case("squeeze_axis", "squeeze", [data("int32", [1, 3, 1])], {"axis": [-1]}, lambda t: tf.squeeze(t, [-1]))
for dt in ["float32", "int64", "bool"]:
    case(f"concat_{dt}", "concat", [data(dt, [2, 3]), data(dt, [2, 1])], {"axis": -1}, lambda a, b: tf.concat([a, b], -1))
    case(f"stack_{dt}", "stack", [data(dt, [2, 3]), data(dt, [2, 3])], {"axis": 1}, lambda a, b: tf.stack([a, b], 1))
    case(f"gather_{dt}", "gather", [data(dt, [3, 4]), np.array([[2, 0], [1, 1]], "int32")], {"axis": 1}, lambda p, i: tf.gather(p, i, axis=1))
    case(f"reverse_{dt}", "reverse", [data(dt, [2, 3])], {"axis": [0, 1]}, lambda t: tf.reverse(t, [0, 1]))
    case(f"tile_{dt}", "tile", [data(dt, [2, 3])], {"multiples": [2, 1]}, lambda t: tf.tile(t, [2, 1]))
case("concat_mismatch", "concat", [data("float32", [2, 3]), data("float32", [3, 1])], {"axis": -1}, lambda a, b: tf.concat([a, b], -1))
case("gather_out_of_range", "gather", [data("float32", [3]), np.array([3], "int32")], {"axis": 0}, lambda p, i: tf.gather(p, i))
case("unstack", "unstack", [x], {"axis": 1}, lambda t: tf.unstack(t, axis=1))
case("split", "split", [x], {"sizes": [1, 3], "axis": 2}, lambda t: tf.split(t, [1, 3], axis=2))
case("slice", "slice", [x], {"begin": [0, 1, 1], "size": [2, -1, 2]}, lambda t: tf.slice(t, [0, 1, 1], [2, -1, 2]))
case("gather_nd", "gather_nd", [x, np.array([[1, 2], [0, 0]], "int64")], {}, tf.gather_nd)
case("scatter_nd", "scatter_nd", [np.array([[1], [3], [1]], "int32"), data("float32", [3, 2])], {"shape": [4, 2]}, lambda i, u: tf.scatter_nd(i, u, [4, 2]))
case("pad", "pad", [data("int32", [2, 3])], {"paddings": [[1, 0], [2, 1]], "value": 7}, lambda t: tf.pad(t, [[1, 0], [2, 1]], constant_values=7))
case("broadcast_to", "broadcast_to", [data("float64", [3, 1])], {"shape": [2, 3, 4]}, lambda t: tf.broadcast_to(t, [2, 3, 4]))
case("one_hot", "one_hot", [np.array([0, 2, -1, 1], "int32")], {"depth": 3, "on": 5.0, "off": -1.0, "axis": -1, "dtype": "float32"}, lambda i: tf.one_hot(i, 3, 5.0, -1.0, -1, tf.float32))
case("one_hot_axis0", "one_hot", [np.array([[0, 2], [1, 1]], "int64")], {"depth": 3, "on": 1.0, "off": 0.0, "axis": 0, "dtype": "int32"}, lambda i: tf.one_hot(i, 3, 1, 0, 0, tf.int32))
case("boolean_mask", "boolean_mask", [x, np.array([True, False], "bool")], {}, tf.boolean_mask)
case("boolean_mask_2d", "boolean_mask", [x, data("bool", [2, 3])], {}, tf.boolean_mask)
y = np.array([[3.0, 1.0, 3.0, 2.0, -1.0], [0.5, 0.25, 4.0, 4.0, 1.0]], "float32")
case("top_k", "top_k", [y], {"k": 3}, lambda t: tf.math.top_k(t, 3))
case("sort", "sort", [y], {"axis": -1, "descending": False}, lambda t: tf.sort(t))
case("sort_desc_axis0", "sort", [y], {"axis": 0, "descending": True}, lambda t: tf.sort(t, axis=0, direction="DESCENDING"))
case("argsort", "argsort", [y], {"axis": -1, "descending": False}, lambda t: tf.argsort(t, stable=True))
z = np.arange(24, dtype="int32").reshape(2, 3, 4)
slices = {
    "basic": ([{"start": 1, "stop": None, "step": 1}, {"start": None, "stop": None, "step": 2}], lambda t: t[1:, ::2]),
    "neg_step": ([{"index": -1}, {"start": None, "stop": None, "step": -1}], lambda t: t[-1, ::-1]),
    "ellipsis": (["ellipsis", {"index": 0}, "newaxis"], lambda t: t[..., 0, tf.newaxis]),
    "ranges": ([{"start": 0, "stop": 1, "step": 1}, {"start": -2, "stop": None, "step": 1}, {"start": 3, "stop": 0, "step": -2}], lambda t: t[0:1, -2:, 3:0:-2]),
    "clamp": ([{"start": -10, "stop": 10, "step": 1}], lambda t: t[-10:10]),
}
for nm, (items, f) in slices.items():
    case(f"strided_slice_{nm}", "strided_slice", [z], {"items": items}, f)

for dt in SIGNED:
    case(f"matmul_{dt}", "matmul", [data(dt, [2, 3]), data(dt, [3, 4])], {}, tf.matmul)
case("matmul_t", "matmul_transposed", [data("float32", [3, 2]), data("float32", [4, 3])], {"ta": True, "tb": True}, lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True))
case("matmul_batch_bcast", "matmul", [data("float32", [2, 1, 5, 7]), data("float32", [3, 7, 6])], {}, tf.matmul)
case("matmul_big", "matmul", [data("float32", [70, 130]), data("float32", [130, 90])], {}, tf.matmul)
case("matmul_big_t", "matmul_transposed", [data("float64", [130, 70]), data("float64", [90, 130])], {"ta": True, "tb": True}, lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True))
case("matmul_bad", "matmul", [data("float32", [2, 3]), data("float32", [4, 5])], {}, tf.matmul)
case("tensordot", "tensordot", [data("float32", [2, 3, 4]), data("float32", [4, 3, 5])], {"a_axes": [1, 2], "b_axes": [1, 0]}, lambda a, b: tf.tensordot(a, b, [[1, 2], [1, 0]]))
for eq, shapes in (("ij,jk->ik", ([2, 3], [3, 4])), ("bij,bjk->bik", ([2, 2, 3], [2, 3, 2])), ("i,i->", ([5], [5])), ("i,j->ij", ([3], [2])), ("ij->ji", ([2, 3],)), ("ij->", ([2, 3],)), ("ij,kj", ([2, 3], [4, 3])), ("bhqd,bhkd->bhqk", ([2, 2, 3, 4], [2, 2, 5, 4]))):
    case(f"einsum_{eq}", "einsum", [data("float32", s) for s in shapes], {"equation": eq}, lambda *ts, eq=eq: tf.einsum(eq, *ts))

for dt in FLOATS:
    lg = data(dt, [3, 5])
    case(f"softmax_{dt}", "softmax", [lg], {"axis": -1}, lambda t: tf.nn.softmax(t, -1))
    case(f"softmax_axis0_{dt}", "softmax", [lg], {"axis": 0}, lambda t: tf.nn.softmax(t, 0))
    case(f"log_softmax_{dt}", "log_softmax", [lg], {"axis": -1}, lambda t: tf.nn.log_softmax(t, -1))
    case(f"bias_add_{dt}", "bias_add", [data(dt, [2, 3, 4]), data(dt, [4])], {}, tf.nn.bias_add)
    case(f"moments_{dt}", "moments", [data(dt, [4, 3])], {"axes": [0], "keepdims": False}, lambda t: tf.nn.moments(t, [0]))
    case(f"l2_normalize_{dt}", "l2_normalize", [data(dt, [2, 3])], {"axis": -1}, lambda t: tf.math.l2_normalize(t, -1))
    case(f"batch_normalization_{dt}", "batch_normalization", [data(dt, [2, 3]), data(dt, [3]), data(dt, [3], "pos"), data(dt, [3]), data(dt, [3])], {"eps": 1e-3}, lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3))
    case(f"sparse_ce_{dt}", "sparse_softmax_cross_entropy_with_logits", [np.array([0, 4, 2], "int32"), lg], {}, lambda l, g: tf.nn.sparse_softmax_cross_entropy_with_logits(l, g))
    case(f"softmax_ce_{dt}", "softmax_cross_entropy_with_logits", [tf.nn.softmax(data(dt, [3, 5])).numpy(), lg], {}, lambda l, g: tf.nn.softmax_cross_entropy_with_logits(l, g))
    case(f"sigmoid_ce_{dt}", "sigmoid_cross_entropy_with_logits", [data(dt, [3, 5], "pos") / 2, lg], {}, lambda l, g: tf.nn.sigmoid_cross_entropy_with_logits(l, g))
    for pad in ("SAME", "VALID"):
        for st, dil in ((1, 1), (2, 1), (1, 2)):
            if st > 1 and dil > 1:
                continue
            args = {"strides": st, "padding": pad, "dilations": dil}
            case(f"conv2d_{dt}_{pad}_{st}_{dil}", "conv2d", [data(dt, [2, 7, 6, 3]), data(dt, [3, 2, 3, 4])], args, lambda x, w, st=st, pad=pad, dil=dil: tf.nn.conv2d(x, w, st, pad, dilations=dil))
            case(f"depthwise_{dt}_{pad}_{st}_{dil}", "depthwise_conv2d", [data(dt, [2, 7, 6, 3]), data(dt, [3, 2, 3, 2])], args, lambda x, w, st=st, pad=pad, dil=dil: tf.nn.depthwise_conv2d(x, w, [1, st, st, 1], pad, dilations=[dil, dil]))
        for k, st in ((2, 2), (3, 1), (3, 2)):
            args = {"ksize": k, "strides": st, "padding": pad}
            case(f"max_pool_{dt}_{pad}_{k}_{st}", "max_pool2d", [data(dt, [2, 7, 6, 3])], args, lambda x, k=k, st=st, pad=pad: tf.nn.max_pool2d(x, k, st, pad))
            case(f"avg_pool_{dt}_{pad}_{k}_{st}", "avg_pool2d", [data(dt, [2, 7, 6, 3])], args, lambda x, k=k, st=st, pad=pad: tf.nn.avg_pool2d(x, k, st, pad))
        osh = [2, 8, 6, 5] if pad == "SAME" else [2, 9, 7, 5]
        case(f"conv2d_transpose_{dt}_{pad}", "conv2d_transpose", [data(dt, [2, 4, 3, 4]), data(dt, [3, 3, 5, 4])], {"output_shape": osh, "strides": 2, "padding": pad}, lambda x, w, pad=pad, osh=osh: tf.nn.conv2d_transpose(x, w, osh, 2, pad))
    case(f"conv2d_transpose_{dt}_bad_shape", "conv2d_transpose", [data(dt, [2, 4, 3, 4]), data(dt, [3, 3, 5, 4])], {"output_shape": [2, 8, 6, 5], "strides": 2, "padding": "VALID"}, lambda x, w: tf.nn.conv2d_transpose(x, w, [2, 8, 6, 5], 2, "VALID"))
for pad, st, dil in (("SAME", 2, 1), ("VALID", 1, 2), ("SAME", 1, 1)):
    osh = [2, 9, 8, 12]
    xin = data("float32", [2, 9, 8, 12])
    w = data("float32", [3, 3, 12, 5])
    y = tf.nn.conv2d(xin, w, st, pad, dilations=dil)
    case(f"conv2d_transpose_wide_{pad}_{st}_{dil}", "conv2d_transpose_dil", [y.numpy(), w], {"output_shape": osh, "strides": st, "padding": pad, "dilations": dil},
         lambda dy, w, st=st, pad=pad, dil=dil: tf.nn.conv2d_transpose(dy, w, osh, st, pad, dilations=dil))
case("conv2d_1x1", "conv2d", [data("float32", [2, 4, 4, 3]), data("float32", [1, 1, 3, 5])], {"strides": 1, "padding": "VALID", "dilations": 1}, lambda x, w: tf.nn.conv2d(x, w, 1, "VALID"))
case("conv2d_depth_mismatch", "conv2d", [data("float32", [1, 4, 4, 3]), data("float32", [2, 2, 2, 1])], {"strides": 1, "padding": "SAME", "dilations": 1}, lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"))
case("sparse_ce_bad_label", "sparse_softmax_cross_entropy_with_logits", [np.array([0, 5], "int32"), data("float32", [2, 5])], {}, lambda l, g: tf.nn.sparse_softmax_cross_entropy_with_logits(l, g))

creation = [
    ("range_int", "range", {"start": 3, "limit": 18, "delta": 3, "dtype": "int32"}, lambda: tf.range(3, 18, 3)),
    ("range_float", "range", {"start": 0.0, "limit": 1.0, "delta": 0.3, "dtype": "float32"}, lambda: tf.range(0.0, 1.0, 0.3)),
    ("range_neg", "range", {"start": 5, "limit": 1, "delta": -2, "dtype": "int64"}, lambda: tf.range(5, 1, -2, dtype=tf.int64)),
    ("linspace", "linspace", {"start": 10.0, "stop": 12.0, "num": 3}, lambda: tf.linspace(10.0, 12.0, 3)),
    ("linspace5", "linspace", {"start": -1.0, "stop": 1.0, "num": 5}, lambda: tf.linspace(-1.0, 1.0, 5)),
    ("eye", "eye", {"rows": 2, "cols": 3, "dtype": "float32"}, lambda: tf.eye(2, 3)),
    ("zeros", "zeros", {"shape": [2, 0, 3], "dtype": "int64"}, lambda: tf.zeros([2, 0, 3], tf.int64)),
    ("ones", "ones", {"shape": [2, 2], "dtype": "uint8"}, lambda: tf.ones([2, 2], tf.uint8)),
    ("fill", "fill", {"shape": [2, 3], "value": 9}, lambda: tf.fill([2, 3], 9)),
]
for nm, fn, args, f in creation:
    entry = {"name": nm, "fn": fn, "inputs": [], "args": args, "outputs": [enc(f())]}
    cases.append(entry)

displays = [
    ("display_f32", np.array([4.0, 6.0], "float32")), ("display_matrix", np.array([[1.5, 2.0], [3.25, -4.0]], "float32")),
    ("display_scalar", np.float32(4.0)), ("display_bool", np.array([True, False])), ("display_long", np.arange(2000, dtype="int32")),
    ("display_3d", np.arange(24, dtype="float64").reshape(2, 3, 4)), ("display_exp", np.array([1e-5, 1.0], "float32")),
    ("display_wrap", (np.arange(30, dtype="float32") / 7).astype("float32")), ("display_big_matrix", np.arange(3000, dtype="int64").reshape(100, 30)),
    ("display_nan", np.array([np.nan, 1.5, -np.inf], "float32")), ("display_int_scalar", np.int64(-7)), ("display_empty", np.zeros([0, 3], "float32")),
    ("display_uint8", np.array([[1, 200], [30, 4]], "uint8")),
]
for nm, v in displays:
    cases.append({"name": nm, "fn": "display", "inputs": [enc(v)], "args": {}, "text": str(tf.constant(v))})

# Edge cases found by comparing this project with TensorFlow case by case (explicit inputs,
# so the random cases above keep their values).
ar = lambda n, *shape: np.arange(n, dtype="float32").reshape(shape)
case("pow_int_negative", "pow", [np.array([2, 1], "int32"), np.array([-1, 2], "int32")], {}, tf.math.pow)
case("pow_int64_negative", "pow", [np.array([2], "int64"), np.array([-2], "int64")], {}, tf.math.pow)
case("pow_int64_wraps", "pow", [np.array([3, 2, -1, 7], "int64"), np.array([2**33, 70, 2**33 + 1, 25], "int64")], {}, tf.math.pow)
case("pow_int32_wraps", "pow", [np.array([3, 7], "int32"), np.array([40, 13], "int32")], {}, tf.math.pow)
case("sign_zeros", "sign", [np.array([-0.0, 0.0, -2.5], "float32")], {}, tf.math.sign)
for eq, xs in (
    ("ii->", [ar(4, 2, 2)]), ("ii->i", [ar(9, 3, 3)]), ("ii", [ar(9, 3, 3)]), ("iij->j", [ar(12, 2, 2, 3)]), ("i...i->...", [ar(12, 2, 3, 2)]),
    ("ij,jk,kl->il", [ar(6, 2, 3), ar(12, 3, 4), ar(8, 4, 2)]), ("i,i,i->", [ar(3, 3), ar(3, 3), ar(3, 3)]),
    ("...ij,...jk->...ik", [ar(12, 2, 1, 2, 3), ar(36, 3, 3, 4)]), ("...ij,...jk->...ik", [ar(8, 2, 2, 2), ar(4, 2, 2)]),
    ("...d,d->...", [ar(24, 2, 3, 4), ar(4, 4)]), ("ij...,jk->ik...", [ar(12, 2, 3, 2), ar(6, 3, 2)]), ("a...,...->a...", [ar(6, 2, 3), ar(3, 3)]),
    ("...ij,...jk", [ar(8, 2, 2, 2), ar(4, 2, 2)]), ("...ij->ij", [ar(24, 2, 3, 4)]), ("ii->ii", [ar(4, 2, 2)]),
):
    case(f"einsum_{eq}_{'x'.join(str(x.shape) for x in xs)}", "einsum", xs, {"equation": eq}, lambda *ts, eq=eq: tf.einsum(eq, *ts))

# Functions TensorFlow users reach for beyond the first op list (explicit inputs again).
v23 = np.array([[0.3, -1.2, 0.0], [2.5, 0.7, -0.4]], "float32")
unit23 = np.array([[0.3, -0.8, 0.0], [0.55, 0.7, -0.4]], "float32")
for fn, f, xs in (
    ("sinh", tf.math.sinh, v23), ("cosh", tf.math.cosh, v23), ("asin", tf.math.asin, unit23), ("acos", tf.math.acos, unit23),
    ("atan", tf.math.atan, v23), ("asinh", tf.math.asinh, v23), ("atanh", tf.math.atanh, unit23),
    ("asin_outside", tf.math.asin, np.array([1.5, -1.0, 1.0], "float32")), ("atanh_edges", tf.math.atanh, np.array([1.0, -1.0], "float64")),
    ("log_sigmoid", tf.math.log_sigmoid, np.array([-100.0, -1.0, 0.0, 2.0, 100.0], "float32")),
    ("is_inf", tf.math.is_inf, np.array([1.0, np.inf, -np.inf, np.nan], "float32")), ("identity", tf.identity, v23),
):
    case(f"{fn}", fn.split("_outside")[0].split("_edges")[0], [xs], {}, f)
case("sinh_float64", "sinh", [v23.astype("float64")], {}, tf.math.sinh)
case("atan2", "atan2", [v23, np.array([1.0, -2.0, -0.5], "float32")], {}, tf.math.atan2)
case("atan2_axes", "atan2", [np.array([0.0, 0.0, 1.0, -1.0], "float64"), np.array([1.0, -1.0, 0.0, 0.0], "float64")], {}, tf.math.atan2)
case("divide_no_nan", "divide_no_nan", [np.array([3.0, 1.0, np.nan, -2.0], "float32"), np.array([2.0, 0.0, 0.0, 4.0], "float32")], {}, tf.math.divide_no_nan)
case("xlogy", "xlogy", [np.array([0.0, 2.0, 0.0, 1.5], "float32"), np.array([0.0, 3.0, 5.0, 0.5], "float32")], {}, tf.math.xlogy)
case("count_nonzero", "count_nonzero", [np.array([[0, 1, 0], [1, 1, 0]], "int32")], {"axis": None, "keepdims": False}, lambda t: tf.math.count_nonzero(t))
case("count_nonzero_axis", "count_nonzero", [v23], {"axis": 1, "keepdims": True}, lambda t: tf.math.count_nonzero(t, 1, keepdims=True))
case("count_nonzero_bool", "count_nonzero", [np.array([True, False, True])], {"axis": 0, "keepdims": False}, lambda t: tf.math.count_nonzero(t, 0))
case("clip_by_norm", "clip_by_norm", [v23], {"clip_norm": 1.0, "axes": None}, lambda t: tf.clip_by_norm(t, 1.0))
case("clip_by_norm_rows", "clip_by_norm", [v23], {"clip_norm": 1.0, "axes": [1]}, lambda t: tf.clip_by_norm(t, 1.0, axes=[1]))
case("clip_by_norm_zero", "clip_by_norm", [np.zeros([2], "float32")], {"clip_norm": 1.0, "axes": None}, lambda t: tf.clip_by_norm(t, 1.0))
case("clip_by_global_norm", "clip_by_global_norm", [v23, np.array([4.0, -3.0], "float32")], {"clip_norm": 2.0},
     lambda a, b: (lambda r: list(r[0]) + [r[1]])(tf.clip_by_global_norm([a, b], 2.0)))
case("clip_by_global_norm_inf", "clip_by_global_norm", [np.array([np.inf, 1.0], "float32")], {"clip_norm": 2.0},
     lambda a: (lambda r: list(r[0]) + [r[1]])(tf.clip_by_global_norm([a], 2.0)))
m22 = np.array([[1, 2], [3, 4]], "int32")
for reps, ax in (([3, 2], 0), ([1, 2], 1), ([2], None), ([2], 1), ([0, 3], -2)):
    case(f"repeat_{reps}_{ax}", "repeat", [m22], {"repeats": reps, "axis": ax}, lambda t, reps=reps, ax=ax: tf.repeat(t, reps if len(reps) > 1 else reps[0], axis=ax))
case("repeat_bad", "repeat", [m22], {"repeats": [1, 2, 3], "axis": 0}, lambda t: tf.repeat(t, [1, 2, 3], axis=0))
for sh, ax in (([2], [0]), ([-1], [0]), ([1, -2], [0, 1]), ([7], [1]), ([1, 1], [1, 1])):
    case(f"roll_{sh}_{ax}", "roll", [np.arange(10, dtype="float32").reshape(2, 5)], {"shift": sh, "axis": ax}, lambda t, sh=sh, ax=ax: tf.roll(t, sh, ax))
for ix in ("xy", "ij"):
    case(f"meshgrid_{ix}", "meshgrid", [np.array([1, 2, 3], "int32"), np.array([4, 5], "int32"), np.array([6, 7, 8, 9], "int32")], {"indexing": ix},
         lambda *ts, ix=ix: tf.meshgrid(*ts, indexing=ix))
m23 = np.array([[3.0, -4.0, 1.0], [0.0, 12.0, -2.0]], "float32")
for o, ax, kd in (("euclidean", None, False), ("euclidean", 1, False), (1, -1, True), ("inf", 0, False), (3, 1, False),
                  (1, [0, 1], False), ("inf", [0, 1], True), ("fro", [-2, -1], False), (2, None, False), (0.5, None, False)):
    tf_ord = np.inf if o == "inf" else o
    case(f"norm_{o}_{ax}_{kd}", "norm", [m23], {"ord": o, "axis": ax, "keepdims": kd}, lambda t, o=tf_ord, ax=ax, kd=kd: tf.norm(t, ord=o, axis=ax, keepdims=kd))
case("linalg_diag", "diag", [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32")], {}, tf.linalg.diag)
case("linalg_diag_part", "diag_part", [np.arange(18, dtype="float64").reshape(2, 3, 3)], {}, tf.linalg.diag_part)
case("linalg_trace", "trace", [np.arange(18, dtype="float32").reshape(2, 3, 3)], {}, tf.linalg.trace)
case("linalg_matvec", "matvec", [np.arange(12, dtype="float32").reshape(2, 2, 3), np.array([1.0, -1.0, 0.5], "float32")], {}, tf.linalg.matvec)
for beta in (1.0, 0.5):
    case(f"silu_{beta}", "silu", [v23], {"beta": beta}, lambda t, beta=beta: tf.nn.silu(t, beta))

# tf.image: resizing (TensorFlow 2's half-pixel centres, no antialiasing), flips and the
# projective transform behind Keras's RandomRotation / RandomZoom / RandomTranslation.
img = (np.cos(0.61 * np.arange(2 * 5 * 7 * 2)) * 2).reshape(2, 5, 7, 2).astype("float32")
for size, method in (([9, 4], "bilinear"), ([3, 11], "bilinear"), ([5, 7], "bilinear"), ([2, 3], "bilinear"), ([8, 3], "nearest"), ([3, 10], "nearest")):
    case(f"resize_{size}_{method}", "resize", [img], {"size": size, "method": method}, lambda t, size=size, method=method: tf.image.resize(t, size, method=method))
case("resize_nearest_uint8", "resize", [np.arange(12, dtype="uint8").reshape(1, 3, 4, 1)], {"size": [5, 2], "method": "nearest"},
     lambda t: tf.image.resize(t, [5, 2], method="nearest"))
case("flip_left_right", "flip_left_right", [img], {}, tf.image.flip_left_right)
case("flip_up_down", "flip_up_down", [img], {}, tf.image.flip_up_down)
transforms = np.array([[0.8, -0.6, 2.0, 0.6, 0.8, -1.5, 0.0, 0.0], [1.3, 0.2, -2.2, -0.1, 0.7, 1.9, 0.02, -0.03]], "float32")
for interp in ("BILINEAR", "NEAREST"):
    for mode in ("REFLECT", "WRAP", "CONSTANT", "NEAREST"):
        for out_shape in ([5, 7], [6, 4]):
            case(f"transform_{interp}_{mode}_{out_shape}", "image_transform", [img, transforms],
                 {"interpolation": interp, "fill_mode": mode, "fill_value": 0.25, "output_shape": out_shape},
                 lambda t, m, interp=interp, mode=mode, out_shape=out_shape: tf.raw_ops.ImageProjectiveTransformV3(
                     images=t, transforms=m, output_shape=out_shape, fill_value=0.25, interpolation=interp, fill_mode=mode))
case("transform_shared_shift", "image_transform", [img, np.array([[1.0, 0.0, -8.5, 0.0, 1.0, 12.25, 0.0, 0.0]], "float32")],
     {"interpolation": "BILINEAR", "fill_mode": "REFLECT", "fill_value": 0.0, "output_shape": [5, 7]},
     lambda t, m: tf.raw_ops.ImageProjectiveTransformV3(images=t, transforms=m, output_shape=[5, 7], fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT"))

# Segment sums, confusion matrices and in_top_k.
seg = np.arange(24, dtype="float32").reshape(6, 4) * 0.5 - 3
case("unsorted_segment_sum", "unsorted_segment_sum", [seg, np.array([2, 0, -1, 2, 3, 0], "int32")], {"num_segments": 5},
     lambda d, i: tf.math.unsorted_segment_sum(d, i, 5))
case("unsorted_segment_sum_2d_ids", "unsorted_segment_sum", [seg.reshape(2, 3, 4), np.array([[1, 0, 1], [-1, 1, 0]], "int64")], {"num_segments": 2},
     lambda d, i: tf.math.unsorted_segment_sum(d, i, 2))
case("unsorted_segment_sum_int", "unsorted_segment_sum", [np.array([1, 2, 3, 4], "int32"), np.array([1, 1, 0, 1], "int32")], {"num_segments": 3},
     lambda d, i: tf.math.unsorted_segment_sum(d, i, 3))
case("unsorted_segment_mean", "unsorted_segment_mean", [seg, np.array([2, 0, -1, 2, 3, 0], "int32")], {"num_segments": 5},
     lambda d, i: tf.math.unsorted_segment_mean(d, i, 5))
case("confusion_matrix", "confusion_matrix", [np.array([0, 1, 2, 2, 1, 0, 2], "int32"), np.array([0, 2, 2, 1, 1, 0, 2], "int32")], {"num_classes": None},
     lambda a, b: tf.math.confusion_matrix(a, b))
case("confusion_matrix_n", "confusion_matrix", [np.array([3, 1], "int64"), np.array([1, 1], "int64")], {"num_classes": 5},
     lambda a, b: tf.math.confusion_matrix(a, b, num_classes=5))
preds = np.array([[0.1, 0.9, 0.8, 0.8], [0.5, 0.5, 0.5, 0.1], [0.3, np.inf, 0.2, 0.1], [0.2, 0.4, np.nan, 0.1]], "float32")
for kk in (1, 2, 3):
    case(f"in_top_k_{kk}", "in_top_k", [np.array([2, 3, 0, 1], "int32"), preds], {"k": kk}, lambda t, p, kk=kk: tf.math.in_top_k(t, p, kk))

# 3-D convolution and pooling: the output and the gradients of sum(sin(1.3 i + 0.5) y_i) with
# respect to each input. tf.nn.conv3d_transpose passes no dilations to its op, so the
# conv3d_transpose cases are the input gradient of tf.nn.conv3d. TensorFlow's 3-D pools have
# float32 kernels only.
def with_grads(f):
    def run(*xs):
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            y = f(*xs)
            r = tf.sin(1.3 * tf.range(tf.size(y), dtype=y.dtype) + 0.5)
            loss = tf.reduce_sum(tf.reshape(y, [-1]) * r)
        return [y] + tape.gradient(loss, list(xs))
    return run


def transpose3d(dy, w, osh, st, pad, dil):
    z = tf.zeros(osh, dy.dtype)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.nn.conv3d(z, w, [1, *st, 1], pad, dilations=[1, *dil, 1])
    return tape.gradient(y, z, output_gradients=dy)


for dt in FLOATS:
    for pad in ["VALID", "SAME"]:
        # (TensorFlow's float64 Conv3D kernel takes no dilations.)
        for st, dil in [((1, 1, 1), (1, 1, 1)), ((2, 1, 2), (1, 1, 1)), ((3, 2, 1), (1, 1, 1))] + ([((1, 1, 1), (2, 2, 1))] if dt == "float32" else []):
            args = {"strides": list(st), "padding": pad, "dilations": list(dil)}
            case(f"conv3d_{dt}_{pad}_{st}_{dil}", "conv3d_grad", [data(dt, [2, 6, 5, 4, 3]), data(dt, [3, 2, 3, 3, 2])], args,
                 with_grads(lambda x, w, st=st, pad=pad, dil=dil: tf.nn.conv3d(x, w, [1, *st, 1], pad, dilations=[1, *dil, 1])))
            osh = [2, 6, 5, 4, 3]
            dy = tf.nn.conv3d(tf.zeros(osh, "float32"), tf.zeros([3, 2, 3, 3, 2], "float32"), [1, *st, 1], pad, dilations=[1, *dil, 1])
            args = dict(args, output_shape=osh)
            case(f"conv3d_transpose_{dt}_{pad}_{st}_{dil}", "conv3d_transpose_grad", [data(dt, list(dy.shape)), data(dt, [3, 2, 3, 3, 2])], args,
                 with_grads(lambda d, w, st=st, pad=pad, dil=dil, osh=osh: transpose3d(d, w, osh, st, pad, dil)))
for pad in ["VALID", "SAME"]:
    for k, st in [((2, 2, 2), (2, 2, 2)), ((3, 2, 3), (2, 1, 2)), ((1, 3, 2), (1, 2, 1))]:
        args = {"ksize": list(k), "strides": list(st), "padding": pad}
        case(f"max_pool3d_{pad}_{k}_{st}", "max_pool3d_grad", [data("float32", [2, 5, 4, 5, 3])], args,
             with_grads(lambda x, k=k, st=st, pad=pad: tf.nn.max_pool3d(x, list(k), list(st), pad)))
        case(f"avg_pool3d_{pad}_{k}_{st}", "avg_pool3d_grad", [data("float32", [2, 5, 4, 5, 3])], args,
             with_grads(lambda x, k=k, st=st, pad=pad: tf.nn.avg_pool3d(x, list(k), list(st), pad)))
case("conv3d_channel_mismatch", "conv3d_grad", [data("float32", [1, 3, 3, 3, 2]), data("float32", [2, 2, 2, 3, 1])],
     {"strides": [1, 1, 1], "padding": "VALID", "dilations": [1, 1, 1]}, lambda x, w: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID"))

# 1-D convolution and pooling, and the separable convolution: outputs and gradients.
for dt in FLOATS:
    for pad in ["VALID", "SAME"]:
        # (TensorFlow's float64 Conv2D kernel takes no dilations.)
        for st, dil in [(1, 1), (2, 1)] + ([(1, 2)] if dt == "float32" else []):
            args = {"stride": st, "padding": pad, "dilations": dil}
            case(f"conv1d_{dt}_{pad}_{st}_{dil}", "conv1d_grad", [data(dt, [2, 9, 3]), data(dt, [3, 3, 4])], args,
                 with_grads(lambda x, w, st=st, pad=pad, dil=dil: tf.nn.conv1d(x, w, st, pad, dilations=dil)))
        for st in [1, 2]:
            osh = [2, 9, 3]
            n_out = tf.nn.conv1d(tf.zeros(osh, dt), tf.zeros([3, 3, 4], dt), st, pad).shape[1]
            case(f"conv1d_transpose_{dt}_{pad}_{st}", "conv1d_transpose_grad", [data(dt, [2, n_out, 4]), data(dt, [3, 3, 4])],
                 {"output_shape": osh, "strides": st, "padding": pad},
                 with_grads(lambda x, w, st=st, pad=pad, osh=osh: tf.nn.conv1d_transpose(x, w, osh, st, pad)))
        case(f"separable_conv2d_{dt}_{pad}", "separable_conv2d_grad", [data(dt, [2, 6, 5, 3]), data(dt, [3, 2, 3, 2]), data(dt, [1, 1, 6, 4])],
             {"strides": 1, "padding": pad, "dilations": 2},
             with_grads(lambda x, d, p, pad=pad: tf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1], pad, dilations=[2, 2])))
    for pad in ["VALID", "SAME"]:
        for k, st in [(2, 2), (3, 1), (3, 2)]:
            args = {"ksize": k, "strides": st, "padding": pad}
            case(f"max_pool1d_{dt}_{pad}_{k}_{st}", "max_pool1d_grad", [data(dt, [2, 7, 3])], args,
                 with_grads(lambda x, k=k, st=st, pad=pad: tf.nn.max_pool1d(x, k, st, pad)))
            case(f"avg_pool1d_{dt}_{pad}_{k}_{st}", "avg_pool1d_grad", [data(dt, [2, 7, 3])], args,
                 with_grads(lambda x, k=k, st=st, pad=pad: tf.nn.avg_pool1d(x, k, st, pad)))

# tf.searchsorted (an exact hit included) and tf.math.bincount (a value past the size is
# left out; a negative one is an error).
for dt in SIGNED:
    srt = np.sort(data(dt, [2, 6]), axis=-1)
    vals = data(dt, [2, 4])
    vals[0, 0] = srt[0, 2]
    for side in ["left", "right"]:
        case(f"searchsorted_{dt}_{side}", "searchsorted", [srt, vals], {"side": side},
             lambda s, v, side=side: tf.searchsorted(s, v, side=side))
for dt in ["int32", "int64"]:
    for binary in [False, True]:
        for nm, x, axis in [("rank1", [0, 3, 3, 1, 7, 3], None), ("rank2", [[0, 3, 3], [4, 4, 9]], -1),
                            ("negative", [[0, 3, 3], [4, 4, -1]], -1)]:
            case(f"bincount_{dt}_{binary}_{nm}", "bincount", [np.array(x, dt)], {"size": 5, "binary_output": binary},
                 lambda x, b=binary, axis=axis: tf.math.bincount(x, minlength=5, maxlength=5, binary_output=b, axis=axis))

# tf.linalg.inv / det / slogdet / solve, with gradients; a singular matrix.
for dt in FLOATS:
    a = (data(dt, [2, 3, 3]) * 0.3 + 2.0 * np.eye(3)).astype(dt)
    case(f"linalg_inv_{dt}", "linalg_inv_grad", [a], {}, with_grads(lambda a: tf.linalg.inv(a)))
    case(f"linalg_det_{dt}", "linalg_det_grad", [a], {}, with_grads(lambda a: tf.linalg.det(a)))
    case(f"linalg_slogdet_{dt}", "linalg_slogdet_grad", [-a], {}, with_grads(lambda a: tf.linalg.slogdet(a)[1]))
    case(f"linalg_slogdet_sign_{dt}", "linalg_slogdet_sign", [-a], {}, lambda a: tf.linalg.slogdet(a)[0])
    for adjoint in [False, True]:
        case(f"linalg_solve_{dt}_{adjoint}", "linalg_solve_grad", [a, data(dt, [2, 3, 2])], {"adjoint": adjoint},
             with_grads(lambda a, b, adjoint=adjoint: tf.linalg.solve(a, b, adjoint=adjoint)))
    case(f"linalg_inv_singular_{dt}", "linalg_inv_grad", [np.array([[1.0, 2.0], [2.0, 4.0]], dt)], {}, with_grads(lambda a: tf.linalg.inv(a)))

# tf.linalg.cholesky (symmetric inputs), triangular_solve, cholesky_solve, with gradients. (A matrix
# that is not positive definite gives uninitialized values in TensorFlow 2.21's CPU kernel; ours
# is an error: tests/linalg.rs.)
for dt in FLOATS:
    b = data(dt, [2, 3, 3])
    spd = (np.matmul(b, np.swapaxes(b, -1, -2)) + np.eye(3)).astype(dt)
    case(f"linalg_cholesky_{dt}", "linalg_cholesky_grad", [spd], {}, with_grads(lambda a: tf.linalg.cholesky(a)))
    tri = (data(dt, [2, 3, 3]) * 0.3 + 2.0 * np.eye(3)).astype(dt)
    rhs = data(dt, [2, 3, 2])
    for lower in [True, False]:
        for adjoint in [False, True]:
            case(f"linalg_triangular_solve_{dt}_{lower}_{adjoint}", "linalg_triangular_solve_grad", [tri, rhs],
                 {"lower": lower, "adjoint": adjoint},
                 with_grads(lambda a, r, lower=lower, adjoint=adjoint: tf.linalg.triangular_solve(a, r, lower=lower, adjoint=adjoint)))
    case(f"linalg_cholesky_solve_{dt}", "linalg_cholesky_solve_grad", [np.linalg.cholesky(spd).astype(dt), rhs], {},
         with_grads(lambda c, r: tf.linalg.cholesky_solve(c, r)))

# tf.linalg.band_part, matrix_transpose and logdet, with gradients.
for dt in FLOATS:
    x = data(dt, [2, 3, 4])
    for lo, up in [(0, -1), (-1, 0), (1, 2), (0, 0), (-1, -1)]:
        case(f"linalg_band_part_{dt}_{lo}_{up}", "linalg_band_part_grad", [x], {"num_lower": lo, "num_upper": up},
             with_grads(lambda x, lo=lo, up=up: tf.linalg.band_part(x, lo, up)))
    case(f"linalg_matrix_transpose_{dt}", "linalg_matrix_transpose_grad", [x], {}, with_grads(lambda x: tf.linalg.matrix_transpose(x)))
    b = data(dt, [2, 3, 3])
    spd = (np.matmul(b, np.swapaxes(b, -1, -2)) + np.eye(3)).astype(dt)
    case(f"linalg_logdet_{dt}", "linalg_logdet_grad", [spd], {}, with_grads(lambda a: tf.linalg.logdet(a)))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.json")
with open(out, "w") as f:
    json.dump({"tensorflow": tf.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {out}")
