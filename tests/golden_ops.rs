//! Every op family against golden results from a real TensorFlow run
//! (`tests/golden/ops.json`, written by `tests/golden/gen_ops.py`): values, dtypes, shapes,
//! the printed form, and that TensorFlow's errors are errors here too.

mod common;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tf::{DType, Tensor};

fn dtype(name: &str) -> DType {
    match name {
        "float32" => DType::F32,
        "float64" => DType::F64,
        "int32" => DType::I32,
        "int64" => DType::I64,
        "uint8" => DType::U8,
        "bool" => DType::Bool,
        other => panic!("unknown dtype {other}"),
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::Bool(b) => *b as u8 as f64,
        v => v.as_f64().expect("number"),
    }
}

fn tensor(v: &Value) -> Tensor {
    let d = dtype(v["dtype"].as_str().unwrap());
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let vals = v["values"].as_array().unwrap();
    match d {
        DType::F32 => Tensor::from_vec(vals.iter().map(|x| num(x) as f32).collect(), shape),
        DType::F64 => Tensor::from_vec(vals.iter().map(num).collect(), shape),
        DType::I32 => Tensor::from_vec(vals.iter().map(|x| x.as_i64().unwrap() as i32).collect(), shape),
        DType::I64 => Tensor::from_vec(vals.iter().map(|x| x.as_i64().unwrap()).collect(), shape),
        DType::U8 => Tensor::from_vec(vals.iter().map(|x| x.as_u64().unwrap() as u8).collect(), shape),
        _ => Tensor::from_vec(vals.iter().map(|x| x.as_bool().unwrap()).collect(), shape),
    }
    .unwrap()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect()
}

fn axes(v: &Value) -> tf::Axes {
    match v {
        Value::Null => tf::Axes(None),
        Value::Array(_) => tf::Axes(Some(ints(v))),
        v => tf::Axes(Some(vec![v.as_i64().unwrap()])),
    }
}

fn slice_items(v: &Value) -> Vec<tf::SliceItem> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|it| match it {
            Value::String(s) if s == "ellipsis" => tf::ELLIPSIS,
            Value::String(_) => tf::NEW_AXIS,
            o if o.get("index").is_some() => tf::SliceItem::Index(o["index"].as_i64().unwrap()),
            o => tf::SliceItem::Range {
                start: o["start"].as_i64(),
                end: o["stop"].as_i64(),
                step: o["step"].as_i64().unwrap_or(1),
            },
        })
        .collect()
}

fn size(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

fn pad_str(v: &Value) -> &'static str {
    if v.as_str() == Some("SAME") {
        "SAME"
    } else {
        "VALID"
    }
}

/// Calls the public function named by the case.
fn call(f: &str, x: &[Tensor], a: &Value) -> Vec<Tensor> {
    use tf::nn;
    let one = |t: Tensor| vec![t];
    let unary: Option<fn(&Tensor) -> Tensor> = match f {
        "negative" => Some(tf::negative),
        "abs" => Some(tf::abs),
        "sign" => Some(tf::sign),
        "square" => Some(tf::square),
        "exp" => Some(tf::exp),
        "expm1" => Some(tf::expm1),
        "log" => Some(tf::log),
        "log1p" => Some(tf::log1p),
        "sqrt" => Some(tf::sqrt),
        "rsqrt" => Some(tf::rsqrt),
        "reciprocal" => Some(tf::reciprocal),
        "sin" => Some(tf::sin),
        "cos" => Some(tf::cos),
        "tan" => Some(tf::tan),
        "tanh" => Some(tf::tanh),
        "erf" => Some(tf::erf),
        "floor" => Some(tf::floor),
        "ceil" => Some(tf::ceil),
        "round" => Some(tf::round),
        "sigmoid" => Some(tf::sigmoid),
        "relu" => Some(nn::relu),
        "relu6" => Some(nn::relu6),
        "elu" => Some(nn::elu),
        "selu" => Some(nn::selu),
        "softplus" => Some(nn::softplus),
        "softsign" => Some(nn::softsign),
        "is_finite" => Some(tf::is_finite),
        "is_inf" => Some(tf::is_inf),
        "sinh" => Some(tf::sinh),
        "cosh" => Some(tf::cosh),
        "asin" => Some(tf::asin),
        "acos" => Some(tf::acos),
        "atan" => Some(tf::atan),
        "asinh" => Some(tf::asinh),
        "atanh" => Some(tf::atanh),
        "log_sigmoid" => Some(tf::log_sigmoid),
        "identity" => Some(tf::identity),
        "diag" => Some(tf::linalg::diag),
        "diag_part" => Some(tf::linalg::diag_part),
        "trace" => Some(tf::linalg::trace),
        "logical_not" => Some(tf::logical_not),
        _ => None,
    };
    if let Some(u) = unary {
        return one(u(&x[0]));
    }
    let binary: Option<fn(&Tensor, &Tensor) -> Tensor> = match f {
        "add" => Some(tf::add),
        "subtract" => Some(tf::subtract),
        "multiply" => Some(tf::multiply),
        "divide" => Some(tf::divide),
        "floordiv" => Some(tf::floordiv),
        "floormod" => Some(tf::floormod),
        "pow" => Some(tf::pow),
        "maximum" => Some(tf::maximum),
        "minimum" => Some(tf::minimum),
        "squared_difference" => Some(tf::squared_difference),
        "equal" => Some(tf::equal),
        "not_equal" => Some(tf::not_equal),
        "less" => Some(tf::less),
        "less_equal" => Some(tf::less_equal),
        "greater" => Some(tf::greater),
        "greater_equal" => Some(tf::greater_equal),
        "logical_and" => Some(tf::logical_and),
        "logical_or" => Some(tf::logical_or),
        "logical_xor" => Some(tf::logical_xor),
        "atan2" => Some(tf::atan2),
        "divide_no_nan" => Some(tf::divide_no_nan),
        "xlogy" => Some(tf::xlogy),
        "matvec" => Some(tf::linalg::matvec),
        "matmul" => Some(tf::matmul),
        "gather_nd" => Some(tf::gather_nd),
        "boolean_mask" => Some(tf::boolean_mask),
        "bias_add" => Some(nn::bias_add),
        "sparse_softmax_cross_entropy_with_logits" => Some(nn::sparse_softmax_cross_entropy_with_logits),
        "sigmoid_cross_entropy_with_logits" => Some(nn::sigmoid_cross_entropy_with_logits),
        _ => None,
    };
    if let Some(b) = binary {
        return one(b(&x[0], &x[1]));
    }
    let reduce: Option<fn(&Tensor, tf::Axes, bool) -> Tensor> = match f {
        "reduce_sum" => Some(|t, a, k| tf::reduce_sum(t, a, k)),
        "reduce_prod" => Some(|t, a, k| tf::reduce_prod(t, a, k)),
        "reduce_max" => Some(|t, a, k| tf::reduce_max(t, a, k)),
        "reduce_min" => Some(|t, a, k| tf::reduce_min(t, a, k)),
        "reduce_mean" => Some(|t, a, k| tf::reduce_mean(t, a, k)),
        "reduce_any" => Some(|t, a, k| tf::reduce_any(t, a, k)),
        "reduce_all" => Some(|t, a, k| tf::reduce_all(t, a, k)),
        "reduce_logsumexp" => Some(|t, a, k| tf::reduce_logsumexp(t, a, k)),
        "reduce_variance" => Some(|t, a, k| tf::reduce_variance(t, a, k)),
        "reduce_std" => Some(|t, a, k| tf::reduce_std(t, a, k)),
        _ => None,
    };
    if let Some(r) = reduce {
        return one(r(&x[0], axes(&a["axis"]), a["keepdims"].as_bool().unwrap_or(false)));
    }
    match f {
        "gelu" => one(nn::gelu(&x[0], a["approximate"].as_bool().unwrap())),
        "silu" => one(nn::silu(&x[0], a["beta"].as_f64().unwrap())),
        "unsorted_segment_sum" => one(tf::unsorted_segment_sum(&x[0], &x[1], size(&a["num_segments"]))),
        "unsorted_segment_mean" => one(tf::unsorted_segment_mean(&x[0], &x[1], size(&a["num_segments"]))),
        "confusion_matrix" => one(tf::confusion_matrix(&x[0], &x[1], a["num_classes"].as_u64().map(|n| n as usize))),
        "in_top_k" => one(tf::in_top_k(&x[0], &x[1], size(&a["k"]))),
        "resize" => {
            let size = ints(&a["size"]);
            let method = match a["method"].as_str().unwrap() {
                "bilinear" => tf::image::ResizeMethod::Bilinear,
                _ => tf::image::ResizeMethod::Nearest,
            };
            one(tf::image::resize(&x[0], [size[0] as usize, size[1] as usize], method))
        }
        "flip_left_right" => one(tf::image::flip_left_right(&x[0])),
        "flip_up_down" => one(tf::image::flip_up_down(&x[0])),
        "image_transform" => {
            let out = ints(&a["output_shape"]);
            one(tf::image::transform(
                &x[0],
                &x[1],
                a["interpolation"].as_str().unwrap(),
                a["fill_mode"].as_str().unwrap(),
                a["fill_value"].as_f64().unwrap(),
                Some([out[0] as usize, out[1] as usize]),
            ))
        }
        "count_nonzero" => one(tf::count_nonzero(&x[0], axes(&a["axis"]), a["keepdims"].as_bool().unwrap())),
        "clip_by_norm" => one(tf::clip_by_norm(&x[0], a["clip_norm"].as_f64().unwrap(), axes(&a["axes"]))),
        "clip_by_global_norm" => {
            let (mut c, norm) = tf::clip_by_global_norm(x, a["clip_norm"].as_f64().unwrap());
            c.push(norm);
            c
        }
        "repeat" => {
            let reps: Vec<usize> = ints(&a["repeats"]).iter().map(|&r| r as usize).collect();
            one(tf::repeat(&x[0], &reps, a["axis"].as_i64()))
        }
        "roll" => one(tf::roll(&x[0], &ints(&a["shift"]), &ints(&a["axis"]))),
        "meshgrid" => tf::meshgrid(&x.iter().collect::<Vec<_>>(), a["indexing"].as_str().unwrap()),
        "norm" => {
            let ord: tf::linalg::NormOrd = match &a["ord"] {
                Value::String(s) if s == "inf" => f64::INFINITY.into(),
                Value::String(s) => s.as_str().into(),
                v => v.as_f64().unwrap().into(),
            };
            one(tf::norm(&x[0], ord, axes(&a["axis"]), a["keepdims"].as_bool().unwrap()))
        }
        "leaky_relu" => one(nn::leaky_relu(&x[0], a["alpha"].as_f64().unwrap())),
        "where" => one(tf::where_(&x[0], &x[1], &x[2])),
        "clip_by_value" => one(tf::clip_by_value(&x[0], &x[1], &x[2])),
        "cast" => one(tf::cast(&x[0], dtype(a["dtype"].as_str().unwrap()))),
        "argmax" => one(tf::argmax(&x[0], a["axis"].as_i64().unwrap())),
        "argmin" => one(tf::argmin(&x[0], a["axis"].as_i64().unwrap())),
        "cumsum" => one(tf::cumsum(
            &x[0],
            a["axis"].as_i64().unwrap(),
            a["exclusive"].as_bool().unwrap(),
            a["reverse"].as_bool().unwrap(),
        )),
        "reshape" => one(tf::reshape(&x[0], ints(&a["shape"]))),
        "transpose" => {
            let perm = (!a["perm"].is_null()).then(|| ints(&a["perm"]));
            one(tf::transpose(&x[0], perm.as_deref()))
        }
        "expand_dims" => one(tf::expand_dims(&x[0], a["axis"].as_i64().unwrap())),
        "squeeze" => one(tf::squeeze(&x[0], &ints(&a["axis"]))),
        "concat" => one(tf::concat(&x.iter().collect::<Vec<_>>(), a["axis"].as_i64().unwrap())),
        "stack" => one(tf::stack(&x.iter().collect::<Vec<_>>(), a["axis"].as_i64().unwrap())),
        "unstack" => tf::unstack(&x[0], a["axis"].as_i64().unwrap()),
        "split" => tf::split(
            &x[0],
            &ints(&a["sizes"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
            a["axis"].as_i64().unwrap(),
        ),
        "slice" => one(tf::slice(&x[0], &ints(&a["begin"]), &ints(&a["size"]))),
        "gather" => one(tf::gather(&x[0], &x[1], a["axis"].as_i64().unwrap())),
        "scatter_nd" => one(tf::scatter_nd(
            &x[0],
            &x[1],
            &ints(&a["shape"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
        )),
        "tile" => one(tf::tile(
            &x[0],
            &ints(&a["multiples"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
        )),
        "pad" => {
            let p: Vec<(usize, usize)> = a["paddings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (size(&r[0]), size(&r[1])))
                .collect();
            one(tf::pad(&x[0], &p, a["value"].as_f64().unwrap()))
        }
        "broadcast_to" => one(tf::broadcast_to(&x[0], ints(&a["shape"]))),
        "one_hot" => one(tf::one_hot(
            &x[0],
            size(&a["depth"]),
            a["on"].as_f64().unwrap(),
            a["off"].as_f64().unwrap(),
            a["axis"].as_i64().unwrap(),
            dtype(a["dtype"].as_str().unwrap()),
        )),
        "reverse" => one(tf::reverse(&x[0], &ints(&a["axis"]))),
        "top_k" => {
            let (v, i) = tf::top_k(&x[0], size(&a["k"]));
            vec![v, i]
        }
        "sort" => one(tf::sort(&x[0], a["axis"].as_i64().unwrap(), a["descending"].as_bool().unwrap())),
        "argsort" => one(tf::argsort(&x[0], a["axis"].as_i64().unwrap(), a["descending"].as_bool().unwrap())),
        "searchsorted" => one(tf::searchsorted(&x[0], &x[1], a["side"].as_str().unwrap())),
        "bincount" => one(tf::bincount(
            &x[0],
            size(&a["size"]),
            a["binary_output"].as_bool().unwrap(),
            tf::int32,
        )),
        "strided_slice" => one(x[0].slice(slice_items(&a["items"]))),
        "matmul_transposed" => one(tf::linalg::matmul_transposed(
            &x[0],
            &x[1],
            a["ta"].as_bool().unwrap(),
            a["tb"].as_bool().unwrap(),
        )),
        "tensordot" => one(tf::tensordot(&x[0], &x[1], &ints(&a["a_axes"]), &ints(&a["b_axes"]))),
        "einsum" => one(tf::einsum(a["equation"].as_str().unwrap(), &x.iter().collect::<Vec<_>>())),
        "softmax" => one(nn::softmax(&x[0], a["axis"].as_i64().unwrap())),
        "log_softmax" => one(nn::log_softmax(&x[0], a["axis"].as_i64().unwrap())),
        "moments" => {
            let (m, v) = nn::moments(&x[0], ints(&a["axes"]), a["keepdims"].as_bool().unwrap());
            vec![m, v]
        }
        "l2_normalize" => one(nn::l2_normalize(&x[0], a["axis"].as_i64().unwrap(), 1e-12)),
        "batch_normalization" => one(nn::batch_normalization(
            &x[0],
            &x[1],
            &x[2],
            Some(&x[3]),
            Some(&x[4]),
            a["eps"].as_f64().unwrap(),
        )),
        "softmax_cross_entropy_with_logits" => one(nn::softmax_cross_entropy_with_logits(&x[0], &x[1], -1)),
        "conv2d" => one(nn::conv2d(
            &x[0],
            &x[1],
            size(&a["strides"]),
            pad_str(&a["padding"]),
            size(&a["dilations"]),
        )),
        "depthwise_conv2d" => one(nn::depthwise_conv2d(
            &x[0],
            &x[1],
            size(&a["strides"]),
            pad_str(&a["padding"]),
            size(&a["dilations"]),
        )),
        "conv2d_transpose" | "conv2d_transpose_dil" => {
            let o = ints(&a["output_shape"]);
            let shape = [o[0], o[1], o[2], o[3]].map(|v| v as usize);
            let dil = a.get("dilations").map_or(1, size);
            one(nn::conv2d_transpose(
                &x[0],
                &x[1],
                shape,
                size(&a["strides"]),
                pad_str(&a["padding"]),
                dil,
            ))
        }
        "max_pool2d" => one(nn::max_pool2d(
            &x[0],
            size(&a["ksize"]),
            size(&a["strides"]),
            pad_str(&a["padding"]),
        )),
        "avg_pool2d" => one(nn::avg_pool2d(
            &x[0],
            size(&a["ksize"]),
            size(&a["strides"]),
            pad_str(&a["padding"]),
        )),
        "range" => one(match a["dtype"].as_str().unwrap() {
            "int32" => tf::range((
                a["start"].as_i64().unwrap() as i32,
                a["limit"].as_i64().unwrap() as i32,
                a["delta"].as_i64().unwrap() as i32,
            )),
            "int64" => tf::range((
                a["start"].as_i64().unwrap(),
                a["limit"].as_i64().unwrap(),
                a["delta"].as_i64().unwrap(),
            )),
            _ => tf::range((
                a["start"].as_f64().unwrap() as f32,
                a["limit"].as_f64().unwrap() as f32,
                a["delta"].as_f64().unwrap() as f32,
            )),
        }),
        "linspace" => one(tf::linspace(
            a["start"].as_f64().unwrap() as f32,
            a["stop"].as_f64().unwrap() as f32,
            size(&a["num"]),
        )),
        "eye" => one(tf::eye(
            size(&a["rows"]),
            Some(size(&a["cols"])),
            dtype(a["dtype"].as_str().unwrap()),
        )),
        "zeros" => one(tf::zeros(
            ints(&a["shape"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
            dtype(a["dtype"].as_str().unwrap()),
        )),
        "ones" => one(tf::ones(
            ints(&a["shape"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
            dtype(a["dtype"].as_str().unwrap()),
        )),
        "fill" => one(tf::fill(
            ints(&a["shape"]).iter().map(|&v| v as usize).collect::<Vec<_>>(),
            a["value"].as_i64().unwrap() as i32,
        )),
        "conv3d_grad" => with_grads(x, |x| {
            nn::conv3d(&x[0], &x[1], size3(&a["strides"]), pad_str(&a["padding"]), size3(&a["dilations"]))
        }),
        "conv3d_transpose_grad" => {
            let o = ints(&a["output_shape"]);
            let shape = [o[0], o[1], o[2], o[3], o[4]].map(|v| v as usize);
            with_grads(x, |x| {
                nn::conv3d_transpose(
                    &x[0],
                    &x[1],
                    shape,
                    size3(&a["strides"]),
                    pad_str(&a["padding"]),
                    size3(&a["dilations"]),
                )
            })
        }
        "linalg_inv_grad" => with_grads(x, |x| tf::linalg::inv(&x[0])),
        "linalg_band_part_grad" => {
            let band = |k: &serde_json::Value| usize::try_from(k.as_i64().unwrap()).ok();
            with_grads(x, |x| tf::linalg::band_part(&x[0], band(&a["num_lower"]), band(&a["num_upper"])))
        }
        "linalg_matrix_transpose_grad" => with_grads(x, |x| tf::linalg::matrix_transpose(&x[0])),
        "linalg_logdet_grad" => with_grads(x, |x| tf::linalg::logdet(&x[0])),
        "linalg_cholesky_grad" => with_grads(x, |x| tf::linalg::cholesky(&x[0])),
        "linalg_triangular_solve_grad" => with_grads(x, |x| {
            tf::linalg::triangular_solve(&x[0], &x[1], a["lower"].as_bool().unwrap(), a["adjoint"].as_bool().unwrap())
        }),
        "linalg_cholesky_solve_grad" => with_grads(x, |x| tf::linalg::cholesky_solve(&x[0], &x[1])),
        "linalg_det_grad" => with_grads(x, |x| tf::linalg::det(&x[0])),
        "linalg_slogdet_grad" => with_grads(x, |x| tf::linalg::slogdet(&x[0]).1),
        "linalg_slogdet_sign" => one(tf::linalg::slogdet(&x[0]).0),
        "linalg_solve_grad" => with_grads(x, |x| tf::linalg::solve(&x[0], &x[1], a["adjoint"].as_bool().unwrap())),
        "conv1d_grad" => with_grads(x, |x| {
            nn::conv1d(&x[0], &x[1], size(&a["stride"]), pad_str(&a["padding"]), size(&a["dilations"]))
        }),
        "conv1d_transpose_grad" => {
            let o = ints(&a["output_shape"]);
            let shape = [o[0], o[1], o[2]].map(|v| v as usize);
            with_grads(x, |x| {
                nn::conv1d_transpose(&x[0], &x[1], shape, size(&a["strides"]), pad_str(&a["padding"]), 1)
            })
        }
        "separable_conv2d_grad" => with_grads(x, |x| {
            nn::separable_conv2d(
                &x[0],
                &x[1],
                &x[2],
                size(&a["strides"]),
                pad_str(&a["padding"]),
                size(&a["dilations"]),
            )
        }),
        "max_pool1d_grad" => with_grads(x, |x| {
            nn::max_pool1d(&x[0], size(&a["ksize"]), size(&a["strides"]), pad_str(&a["padding"]))
        }),
        "avg_pool1d_grad" => with_grads(x, |x| {
            nn::avg_pool1d(&x[0], size(&a["ksize"]), size(&a["strides"]), pad_str(&a["padding"]))
        }),
        "max_pool3d_grad" => with_grads(x, |x| {
            nn::max_pool3d(&x[0], size3(&a["ksize"]), size3(&a["strides"]), pad_str(&a["padding"]))
        }),
        "avg_pool3d_grad" => with_grads(x, |x| {
            nn::avg_pool3d(&x[0], size3(&a["ksize"]), size3(&a["strides"]), pad_str(&a["padding"]))
        }),
        other => panic!("golden driver: no mapping for {other}"),
    }
}

/// `[d, h, w]` as a 3-D size.
fn size3(v: &Value) -> tf::nn::Size3 {
    let s = ints(v);
    tf::nn::Size3(s[0] as usize, s[1] as usize, s[2] as usize)
}

/// `f(x)` and the gradients of `Σ sin(1.3 i + 0.5) f(x)_i` with respect to each input, as
/// gen_ops.py's `with_grads` takes them.
fn with_grads(x: &[Tensor], f: impl Fn(&[Tensor]) -> Tensor) -> Vec<Tensor> {
    let tape = tf::GradientTape::new();
    for t in x {
        tape.watch(t);
    }
    let y = f(x);
    let loss = common::sin_weighted_sum(&y, 1.3);
    let srcs: Vec<&Tensor> = x.iter().collect();
    let grads = tape.gradients(&[&loss], &srcs, None, tf::UnconnectedGradients::Zero);
    std::iter::once(y)
        .chain(grads.into_iter().map(|g| g.expect("zeros when unconnected")))
        .collect()
}

fn values_f64(t: &Tensor) -> Vec<f64> {
    tf::cast(t, DType::F64).to_vec::<f64>()
}

fn check(name: &str, got: &Tensor, want: &Value) -> Result<(), String> {
    let wd = dtype(want["dtype"].as_str().unwrap());
    if got.dtype() != wd {
        return Err(format!("{name}: dtype {} != TensorFlow's {wd}", got.dtype()));
    }
    let ws: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    if got.shape().dims() != ws.as_slice() {
        return Err(format!("{name}: shape {:?} != TensorFlow's {ws:?}", got.shape()));
    }
    if wd == DType::I64 {
        // Exactly: as f64, values past 2^53 would compare equal when they differ.
        let want: Vec<i64> = want["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().expect("int64"))
            .collect();
        let got = got.to_vec::<i64>();
        return match got.iter().zip(&want).position(|(g, w)| g != w) {
            Some(i) => Err(format!("{name}: element {i} is {}, TensorFlow gave {}", got[i], want[i])),
            None => Ok(()),
        };
    }
    let (tol_a, tol_r) = match wd {
        DType::F32 => (2e-5, 2e-5),
        // TensorFlow's approximate gelu cubes through Eigen's `pow`, ~1e-10 off in float64;
        // we cube exactly, so this one case gets a looser float64 bound.
        DType::F64 if name == "gelu_approx" => (1e-8, 1e-8),
        DType::F64 => (1e-10, 1e-10),
        _ => (0.0, 0.0),
    };
    for (i, (g, w)) in values_f64(got)
        .iter()
        .zip(want["values"].as_array().unwrap().iter().map(num))
        .enumerate()
    {
        // A zero's sign counts (1/x, atan2 and copysign tell them apart).
        let zero_sign = *g != 0.0 || w != 0.0 || g.is_sign_negative() == w.is_sign_negative();
        let ok = (g.is_nan() && w.is_nan()) || (g == &w && zero_sign) || (*g != 0.0 && (g - w).abs() <= tol_a + tol_r * w.abs());
        if !ok {
            return Err(format!("{name}: element {i} is {g}, TensorFlow gave {w}"));
        }
    }
    Ok(())
}

#[test]
fn every_case_matches_tensorflow() {
    let doc = common::golden_json("ops.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 900, "the golden file lost its cases");
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let inputs: Vec<Tensor> = c["inputs"].as_array().unwrap().iter().map(tensor).collect();
        let f = c["fn"].as_str().unwrap();
        if f == "display" {
            let got = inputs[0].to_string();
            if got != c["text"].as_str().unwrap() {
                failures.push(format!(
                    "{name}: printed\n{got}\nTensorFlow printed\n{}",
                    c["text"].as_str().unwrap()
                ));
            }
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| call(f, &inputs, &c["args"])));
        match (result, c.get("error")) {
            (Ok(_), Some(e)) => failures.push(format!("{name}: TensorFlow raised {e}, we returned a value")),
            (Err(_), Some(_)) => {}
            (Err(p), None) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{name}: panicked: {msg}"));
            }
            (Ok(outs), None) => {
                let want = c["outputs"].as_array().unwrap();
                if outs.len() != want.len() {
                    failures.push(format!("{name}: {} outputs, TensorFlow gave {}", outs.len(), want.len()));
                    continue;
                }
                for (g, w) in outs.iter().zip(want) {
                    if let Err(e) = check(name, g, w) {
                        failures.push(e);
                    }
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from TensorFlow:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
