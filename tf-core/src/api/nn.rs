//! `tf.nn`: activations, softmax, convolution and pooling, dropout, normalization and the
//! cross-entropy losses. Activations and losses are composites of primitives.

use super::create::zeros_like;
use super::math::*;
use super::{random, run, scalar, Axes};
use crate::ops::{nn as n, unary as u, Attrs};
use crate::{DType, Tensor};

pub use super::math::{sigmoid, tanh};

/// A 2-D size (window, stride or dilation): `2` or `[2, 3]` or `(2, 3)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size2(pub usize, pub usize);
impl From<usize> for Size2 {
    fn from(v: usize) -> Self {
        Size2(v, v)
    }
}
impl From<[usize; 2]> for Size2 {
    fn from(v: [usize; 2]) -> Self {
        Size2(v[0], v[1])
    }
}
impl From<(usize, usize)> for Size2 {
    fn from(v: (usize, usize)) -> Self {
        Size2(v.0, v.1)
    }
}
impl Size2 {
    fn nhwc(self) -> [i64; 4] {
        [1, self.0 as i64, self.1 as i64, 1]
    }
}

fn like(x: &Tensor, v: f64) -> Tensor {
    scalar(v, x.dtype())
}

/// `tf.nn.relu`: `y = max(x, 0)`.
#[track_caller]
pub fn relu(x: &Tensor) -> Tensor {
    run(&u::RELU, &[x], Attrs::new())
}

/// `tf.nn.relu6`: `y = min(max(x, 0), 6)`.
#[track_caller]
pub fn relu6(x: &Tensor) -> Tensor {
    // 6 first: at x = 6 the tie's gradient goes to it, so relu6' is 0 there, as
    // TensorFlow's (`0 < x < 6`).
    minimum(&like(x, 6.0), &relu(x))
}

/// `tf.nn.leaky_relu(x, alpha=0.2)`: `y = x > 0 ? x : alpha * x`.
#[track_caller]
pub fn leaky_relu(x: &Tensor, alpha: f64) -> Tensor {
    where_(&greater(x, &like(x, 0.0)), x, &multiply(x, &like(x, alpha)))
}

/// `tf.nn.elu`: `y = x > 0 ? x : e^x - 1`.
#[track_caller]
pub fn elu(x: &Tensor) -> Tensor {
    where_(&greater(x, &like(x, 0.0)), x, &expm1(x))
}

/// `tf.nn.selu`: `y = scale * (x > 0 ? x : alpha * (e^x - 1))` with the self-normalizing
/// constants.
#[track_caller]
pub fn selu(x: &Tensor) -> Tensor {
    const ALPHA: f64 = 1.673_263_242_354_377_3;
    const SCALE: f64 = 1.050_700_987_355_480_5;
    multiply(
        &like(x, SCALE),
        // `x ≥ 0` picks the linear side at 0, where TensorFlow's gradient is `scale`.
        &where_(&greater_equal(x, &like(x, 0.0)), x, &multiply(&like(x, ALPHA), &expm1(x))),
    )
}

/// `tf.nn.gelu(x, approximate)`: `y = x/2 * (1 + erf(x / √2))`, or the tanh approximation.
#[track_caller]
pub fn gelu(x: &Tensor, approximate: bool) -> Tensor {
    let half_x = multiply(&like(x, 0.5), x);
    if approximate {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        let inner = multiply(&like(x, c), &add(x, &multiply(&like(x, 0.044715), &multiply(x, &square(x)))));
        multiply(&half_x, &add(&like(x, 1.0), &tanh(&inner)))
    } else {
        multiply(
            &half_x,
            &add(&like(x, 1.0), &erf(&multiply(x, &like(x, std::f64::consts::FRAC_1_SQRT_2)))),
        )
    }
}

/// `tf.nn.softplus`: `y = ln(1 + e^x)`, as `max(x, 0) + ln(1 + e^-|x|)`.
#[track_caller]
pub fn softplus(x: &Tensor) -> Tensor {
    add(&relu(x), &log1p(&exp(&negative(&abs(x)))))
}

/// `tf.nn.softsign`: `y = x / (1 + |x|)`.
#[track_caller]
pub fn softsign(x: &Tensor) -> Tensor {
    divide(x, &add(&like(x, 1.0), &abs(x)))
}

/// `tf.nn.softmax(logits, axis)`: `e^(x - max) / Σ e^(x - max)` along `axis`.
///
/// ```
/// use tf_core as tf;
/// let p = tf::nn::softmax(&tf::constant([1.0f32, 1.0]), -1);
/// assert_eq!(p.to_vec::<f32>(), vec![0.5, 0.5]);
/// ```
#[track_caller]
pub fn softmax(logits: &Tensor, axis: i64) -> Tensor {
    let e = exp(&subtract(logits, &reduce_max(logits, axis, true)));
    divide(&e, &reduce_sum(&e, axis, true))
}

/// `tf.nn.log_softmax(logits, axis)`: `x - max - ln Σ e^(x - max)`.
#[track_caller]
pub fn log_softmax(logits: &Tensor, axis: i64) -> Tensor {
    let shifted = subtract(logits, &reduce_max(logits, axis, true));
    subtract(&shifted, &log(&reduce_sum(&exp(&shifted), axis, true)))
}

/// `tf.nn.bias_add(value, bias)`: adds a 1-D bias along the last (channel) axis.
///
/// # Panics
/// When `bias` is not 1-D with the size of `value`'s last dimension.
#[track_caller]
pub fn bias_add(value: &Tensor, bias: &Tensor) -> Tensor {
    let last = value.shape().dims().last().copied();
    if bias.rank() != 1 || Some(bias.shape().dims()[0]) != last {
        panic!(
            "BiasAdd: Must provide as many biases as the last dimension of the input tensor: {:?} vs. {:?}",
            bias.shape(),
            value.shape()
        );
    }
    add(value, bias)
}

/// `tf.nn.conv2d(input, filters, strides, padding, dilations)`: NHWC input, filters
/// `[kh, kw, in, out]`, `padding` `"SAME"` or `"VALID"`.
#[track_caller]
pub fn conv2d(input: &Tensor, filters: &Tensor, strides: impl Into<Size2>, padding: &'static str, dilations: impl Into<Size2>) -> Tensor {
    let a = Attrs::new()
        .ints("strides", strides.into().nhwc())
        .ints("dilations", dilations.into().nhwc())
        .str("padding", padding);
    run(&n::CONV2D, &[input, filters], a)
}

/// `tf.nn.depthwise_conv2d(input, filter, strides, padding, dilations)`: filter
/// `[kh, kw, in, multiplier]`, output channels `in * multiplier`.
#[track_caller]
pub fn depthwise_conv2d(
    input: &Tensor,
    filter: &Tensor,
    strides: impl Into<Size2>,
    padding: &'static str,
    dilations: impl Into<Size2>,
) -> Tensor {
    let a = Attrs::new()
        .ints("strides", strides.into().nhwc())
        .ints("dilations", dilations.into().nhwc())
        .str("padding", padding);
    run(&n::DEPTHWISE_CONV2D, &[input, filter], a)
}

/// `tf.nn.conv2d_transpose(input, filters, output_shape, strides, padding, dilations)`:
/// filters `[kh, kw, out, in]`; the gradient of `conv2d` with respect to its input.
#[track_caller]
pub fn conv2d_transpose(
    input: &Tensor,
    filters: &Tensor,
    output_shape: [usize; 4],
    strides: impl Into<Size2>,
    padding: &'static str,
    dilations: impl Into<Size2>,
) -> Tensor {
    let a = Attrs::new()
        .ints("strides", strides.into().nhwc())
        .ints("dilations", dilations.into().nhwc())
        .str("padding", padding)
        .ints("input_shape", output_shape.map(|d| d as i64));
    run(&n::CONV2D_BACKPROP_INPUT, &[filters, input], a)
}

/// `tf.nn.max_pool2d(input, ksize, strides, padding)`.
#[track_caller]
pub fn max_pool2d(input: &Tensor, ksize: impl Into<Size2>, strides: impl Into<Size2>, padding: &'static str) -> Tensor {
    run(
        &n::MAX_POOL,
        &[input],
        Attrs::new()
            .ints("ksize", ksize.into().nhwc())
            .ints("strides", strides.into().nhwc())
            .str("padding", padding),
    )
}

/// `tf.nn.avg_pool2d(input, ksize, strides, padding)`: padding is not counted.
#[track_caller]
pub fn avg_pool2d(input: &Tensor, ksize: impl Into<Size2>, strides: impl Into<Size2>, padding: &'static str) -> Tensor {
    run(
        &n::AVG_POOL,
        &[input],
        Attrs::new()
            .ints("ksize", ksize.into().nhwc())
            .ints("strides", strides.into().nhwc())
            .str("padding", padding),
    )
}

/// `tf.nn.dropout(x, rate, seed)`: zeroes each element with probability `rate` and scales
/// the rest by `1 / (1 - rate)`.
///
/// # Panics
/// When `rate` is outside `[0, 1)`.
#[track_caller]
pub fn dropout(x: &Tensor, rate: f64, seed: Option<i64>) -> Tensor {
    if !(0.0..1.0).contains(&rate) {
        panic!("Dropout: rate must be a scalar tensor or a float in the range [0, 1), got {rate}");
    }
    let u = if x.shape().is_fully_defined() {
        random::uniform(x.shape().dims(), 0.0, 1.0, x.dtype(), seed)
    } else {
        random::uniform_like(x, 0.0, 1.0, seed)
    };
    let keep = cast(&greater_equal(&u, &like(x, rate)), x.dtype());
    multiply(&multiply(x, &keep), &like(x, 1.0 / (1.0 - rate)))
}

/// `tf.nn.moments(x, axes, keepdims)`: `(mean, variance)` over `axes`.
#[track_caller]
pub fn moments(x: &Tensor, axes: impl Into<Axes>, keepdims: bool) -> (Tensor, Tensor) {
    let axes = axes.into();
    let mean = reduce_mean(x, axes.clone(), true);
    let var = reduce_mean(&squared_difference(x, &mean), axes.clone(), keepdims);
    let mean = if keepdims { mean } else { reduce_sum(&mean, axes, false) };
    (mean, var)
}

/// `tf.math.l2_normalize(x, axis, epsilon=1e-12)`: `x / sqrt(max(Σ x², epsilon))`.
#[track_caller]
pub fn l2_normalize(x: &Tensor, axis: impl Into<Axes>, epsilon: f64) -> Tensor {
    multiply(x, &rsqrt(&maximum(&reduce_sum(&square(x), axis, true), &like(x, epsilon))))
}

/// `tf.nn.batch_normalization(x, mean, variance, offset, scale, variance_epsilon)`:
/// `scale * (x - mean) / sqrt(variance + epsilon) + offset`.
#[track_caller]
pub fn batch_normalization(
    x: &Tensor,
    mean: &Tensor,
    variance: &Tensor,
    offset: Option<&Tensor>,
    scale: Option<&Tensor>,
    variance_epsilon: f64,
) -> Tensor {
    let mut inv = rsqrt(&add(variance, &like(x, variance_epsilon)));
    if let Some(s) = scale {
        inv = multiply(&inv, s);
    }
    let shift = match offset {
        Some(o) => subtract(o, &multiply(mean, &inv)),
        None => negative(&multiply(mean, &inv)),
    };
    add(&multiply(x, &inv), &shift)
}

/// `tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)`: per-example
/// `-log softmax(logits)[label]`.
///
/// # Panics
/// When a label is outside `[0, classes)`, with TensorFlow's message.
#[track_caller]
pub fn sparse_softmax_cross_entropy_with_logits(labels: &Tensor, logits: &Tensor) -> Tensor {
    let lab = if matches!(labels.dtype(), DType::I32 | DType::I64) {
        labels.clone()
    } else {
        cast(labels, DType::I64)
    };
    // A label out of range is the kernel's error (eager: a panic; traced: when it runs).
    run(
        &crate::ops::xent::SPARSE_SOFTMAX_CROSS_ENTROPY_WITH_LOGITS,
        &[logits, &lab],
        Attrs::new(),
    )
}

/// `tf.nn.softmax_cross_entropy_with_logits(labels, logits, axis)`:
/// `-Σ labels * log softmax(logits)`.
#[track_caller]
pub fn softmax_cross_entropy_with_logits(labels: &Tensor, logits: &Tensor, axis: i64) -> Tensor {
    negative(&reduce_sum(&multiply(labels, &log_softmax(logits, axis)), axis, false))
}

/// `tf.nn.sigmoid_cross_entropy_with_logits(labels, logits)`:
/// `max(x, 0) - x * z + ln(1 + e^-|x|)`. As TensorFlow's, `max` and `|x|` are selections
/// on `x ≥ 0`, so the gradient at `x = 0` is the true `sigmoid(0) - z` (through `relu` and
/// `abs` it would be `-z`).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([0.0f32]);
/// let tape = tf::GradientTape::new();
/// tape.watch(&x);
/// let loss = tf::nn::sigmoid_cross_entropy_with_logits(&tf::constant([1.0f32]), &x);
/// assert!((loss.to_vec::<f32>()[0] - std::f32::consts::LN_2).abs() < 1e-6);
/// assert_eq!(tape.gradient(&loss, &x).unwrap().to_vec::<f32>(), vec![-0.5]);
/// ```
#[track_caller]
pub fn sigmoid_cross_entropy_with_logits(labels: &Tensor, logits: &Tensor) -> Tensor {
    let zero = zeros_like(logits);
    let positive = greater_equal(logits, &zero);
    let relu_logits = where_(&positive, logits, &zero);
    let neg_abs_logits = where_(&positive, &negative(logits), logits);
    add(&subtract(&relu_logits, &multiply(logits, labels)), &log1p(&exp(&neg_abs_logits)))
}
