//! `tf.nn`: activations, softmax, convolution and pooling, dropout, normalization and the
//! cross-entropy losses. Activations and losses are composites of primitives.

use super::create::zeros_like;
use super::math::*;
use super::{random, run, scalar, Axes};
use crate::ops::{nn as n, unary as u, Attrs};
use crate::{DType, Tensor};

pub use super::conv1d::{avg_pool1d, conv1d, conv1d_transpose, max_pool1d};
pub use super::conv3d::{avg_pool3d, conv3d, conv3d_transpose, max_pool3d, Size3};
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
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// assert_eq!(tf::nn::relu(&a).to_vec::<f32>(), vec![0.0, 0.0, 0.0, 1.0, 3.0, 7.0]);
/// ```
#[track_caller]
pub fn relu(x: &Tensor) -> Tensor {
    run(&u::RELU, &[x], Attrs::new())
}

/// `tf.nn.relu6`: `y = min(max(x, 0), 6)`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// assert_eq!(tf::nn::relu6(&a).to_vec::<f32>(), vec![0.0, 0.0, 0.0, 1.0, 3.0, 6.0]);
/// ```
#[track_caller]
pub fn relu6(x: &Tensor) -> Tensor {
    // 6 first: at x = 6 the tie's gradient goes to it, so relu6' is 0 there, as
    // TensorFlow's (`0 < x < 6`).
    minimum(&like(x, 6.0), &relu(x))
}

/// `tf.nn.leaky_relu(x, alpha=0.2)`: `y = x > 0 ? x : alpha * x`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// let want = tf::constant([-0.6f32, -0.2, 0.0, 1.0, 3.0, 7.0]);
/// tf::debugging::assert_near(&tf::nn::leaky_relu(&a, 0.2), &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn leaky_relu(x: &Tensor, alpha: f64) -> Tensor {
    where_(&greater(x, &like(x, 0.0)), x, &multiply(x, &like(x, alpha)))
}

/// `tf.nn.elu`: `y = x > 0 ? x : e^x - 1`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// let want = tf::constant([-0.95021296f32, -0.63212055, 0.0, 1.0, 3.0, 7.0]);
/// tf::debugging::assert_near(&tf::nn::elu(&a), &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn elu(x: &Tensor) -> Tensor {
    where_(&greater(x, &like(x, 0.0)), x, &expm1(x))
}

/// `tf.nn.selu`: `y = scale * (x > 0 ? x : alpha * (e^x - 1))` with the self-normalizing
/// constants.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// let want = tf::constant([-1.6705687f32, -1.1113307, 0.0, 1.050701, 3.152103, 7.354907]);
/// tf::debugging::assert_near(&tf::nn::selu(&a), &want, None, None).unwrap();
/// ```
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
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0]);
/// let want = tf::constant([-0.0040496956f32, -0.15865526, 0.0, 0.8413447, 2.9959502]);
/// tf::debugging::assert_near(&tf::nn::gelu(&x, false), &want, None, None).unwrap();
/// let want = tf::constant([-0.003637433f32, -0.158808, 0.0, 0.841192, 2.9963627]);
/// tf::debugging::assert_near(&tf::nn::gelu(&x, true), &want, None, None).unwrap();
/// ```
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
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// let want = tf::constant([0.048587352f32, 0.3132617, 0.6931472, 1.3132616, 3.0485873, 7.0009117]);
/// tf::debugging::assert_near(&tf::nn::softplus(&a), &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn softplus(x: &Tensor) -> Tensor {
    add(&relu(x), &log1p(&exp(&negative(&abs(x)))))
}

/// `tf.nn.silu(features, beta)` (also `tf.nn.swish`): `x · sigmoid(β·x)`.
///
/// ```
/// use tf_core as tf;
/// let y = tf::nn::silu(&tf::constant([0.0f32, 1.0, -1.0]), 1.0);
/// let want = tf::constant([0.0f32, 0.7310586, -0.26894143]);
/// tf::debugging::assert_near(&y, &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn silu(x: &Tensor, beta: f64) -> Tensor {
    if beta == 1.0 {
        return multiply(x, &sigmoid(x));
    }
    multiply(x, &sigmoid(&(x * beta)))
}

/// `tf.nn.swish`: the same function as [`silu`].
#[track_caller]
pub fn swish(x: &Tensor, beta: f64) -> Tensor {
    silu(x, beta)
}

/// `tf.nn.softsign`: `y = x / (1 + |x|)`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([-3.0f32, -1.0, 0.0, 1.0, 3.0, 7.0]);
/// assert_eq!(tf::nn::softsign(&a).to_vec::<f32>(), vec![-0.75, -0.5, 0.0, 0.5, 0.75, 0.875]);
/// ```
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
///
/// ```
/// use tf_core as tf;
/// let want = tf::constant([-2.407606f32, -1.4076059, -0.40760595]);
/// let y = tf::nn::log_softmax(&tf::constant([1.0f32, 2.0, 3.0]), -1);
/// tf::debugging::assert_near(&y, &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn log_softmax(logits: &Tensor, axis: i64) -> Tensor {
    let shifted = subtract(logits, &reduce_max(logits, axis, true));
    subtract(&shifted, &log(&reduce_sum(&exp(&shifted), axis, true)))
}

/// `tf.nn.bias_add(value, bias)`: adds a 1-D bias along the last (channel) axis.
///
/// ```
/// use tf_core as tf;
/// let v = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// let y = tf::nn::bias_add(&v, &tf::constant([10.0f32, 20.0]));
/// assert_eq!(y.to_vec::<f32>(), vec![11.0, 22.0, 13.0, 24.0]);
/// ```
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
///
/// ```
/// use tf_core as tf;
/// // A 4x4 image holding 0..16 and a 2x2 filter of ones: sums of 2x2 windows.
/// let img = tf::reshape(&tf::range(16.0f32), [1, 4, 4, 1]);
/// let k = tf::ones([2, 2, 1, 1], tf::float32);
/// let y = tf::nn::conv2d(&img, &k, 1, "VALID", 1);
/// assert_eq!(y.shape().dims(), &[1, 3, 3, 1]);
/// assert_eq!(y.to_vec::<f32>(), vec![10.0, 14.0, 18.0, 26.0, 30.0, 34.0, 42.0, 46.0, 50.0]);
/// let y = tf::nn::conv2d(&img, &k, 2, "SAME", 1);
/// assert_eq!(y.to_vec::<f32>(), vec![10.0, 18.0, 42.0, 50.0]);
/// ```
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
///
/// ```
/// use tf_core as tf;
/// // Two channels, each with its own 2x2 filter (ones for the first, tens for the second).
/// let img = tf::reshape(&tf::range(8.0f32), [1, 2, 2, 2]);
/// let k = tf::reshape(&tf::constant([1.0f32, 10.0, 1.0, 10.0, 1.0, 10.0, 1.0, 10.0]), [2, 2, 2, 1]);
/// let y = tf::nn::depthwise_conv2d(&img, &k, 1, "VALID", 1);
/// assert_eq!(y.to_vec::<f32>(), vec![12.0, 160.0]);
/// ```
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

/// `tf.nn.separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
/// dilations)`: a depthwise convolution (filter `[kh, kw, in, multiplier]`), then a 1x1
/// convolution (filter `[1, 1, in * multiplier, out]`) mixing the channels.
///
/// ```
/// use tf_core as tf;
/// let img = tf::ones([1, 3, 3, 2], tf::float32);
/// let dw = tf::ones([2, 2, 2, 1], tf::float32);
/// let pw = tf::reshape(&tf::constant([1.0f32, -1.0]), [1, 1, 2, 1]);
/// let y = tf::nn::separable_conv2d(&img, &dw, &tf::ones([1, 1, 2, 1], tf::float32), 1, "VALID", 1);
/// assert_eq!(y.to_vec::<f32>(), vec![8.0; 4]);
/// assert_eq!(tf::nn::separable_conv2d(&img, &dw, &pw, 1, "VALID", 1).to_vec::<f32>(), vec![0.0; 4]);
/// ```
///
/// # Panics
/// When the pointwise filter is not `[1, 1, in * multiplier, out]`, or as
/// [`depthwise_conv2d`].
#[track_caller]
pub fn separable_conv2d(
    input: &Tensor,
    depthwise_filter: &Tensor,
    pointwise_filter: &Tensor,
    strides: impl Into<Size2>,
    padding: &'static str,
    dilations: impl Into<Size2>,
) -> Tensor {
    let y = depthwise_conv2d(input, depthwise_filter, strides, padding, dilations);
    let pw = pointwise_filter.shape().dims();
    if pw.len() != 4 || pw[0] != 1 || pw[1] != 1 || y.shape().dims().last() != pw.get(2) {
        panic!(
            "separable_conv2d: the pointwise filter must be [1, 1, {}, out], got {:?}",
            y.shape().dims().last().copied().unwrap_or(0),
            pointwise_filter.shape()
        );
    }
    conv2d(&y, pointwise_filter, 1, "VALID", 1)
}

/// `tf.nn.conv2d_transpose(input, filters, output_shape, strides, padding, dilations)`:
/// filters `[kh, kw, out, in]`; the gradient of `conv2d` with respect to its input.
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0]), [1, 2, 2, 1]);
/// let k = tf::ones([2, 2, 1, 1], tf::float32);
/// let y = tf::nn::conv2d_transpose(&x, &k, [1, 3, 3, 1], 1, "VALID", 1);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 3.0, 7.0, 4.0]);
/// ```
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
///
/// ```
/// use tf_core as tf;
/// let img = tf::reshape(&tf::range(16.0f32), [1, 4, 4, 1]);
/// assert_eq!(tf::nn::max_pool2d(&img, 2, 2, "VALID").to_vec::<f32>(), vec![5.0, 7.0, 13.0, 15.0]);
/// assert_eq!(tf::nn::max_pool2d(&img, 3, 2, "SAME").to_vec::<f32>(), vec![10.0, 11.0, 14.0, 15.0]);
/// ```
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
///
/// ```
/// use tf_core as tf;
/// let img = tf::reshape(&tf::range(16.0f32), [1, 4, 4, 1]);
/// assert_eq!(tf::nn::avg_pool2d(&img, 2, 2, "VALID").to_vec::<f32>(), vec![2.5, 4.5, 10.5, 12.5]);
/// ```
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
/// ```
/// use tf_core as tf;
/// // Kept values are scaled by 1 / (1 - rate); the rest are zero.
/// let y = tf::nn::dropout(&tf::ones([1000], tf::float32), 0.5, Some(1)).to_vec::<f32>();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// let kept = y.iter().filter(|&&v| v == 2.0).count();
/// assert!((400..600).contains(&kept));
/// ```
///
/// # Panics
/// When `rate` is outside `[0, 1)`.
#[track_caller]
pub fn dropout(x: &Tensor, rate: f64, seed: Option<i64>) -> Tensor {
    if !(0.0..1.0).contains(&rate) {
        panic!("Dropout: rate must be a scalar tensor or a float in the range [0, 1), got {rate}");
    }
    let u = random::uniform_like(x, 0.0, 1.0, seed);
    let keep = cast(&greater_equal(&u, &like(x, rate)), x.dtype());
    multiply(&multiply(x, &keep), &like(x, 1.0 / (1.0 - rate)))
}

/// `tf.nn.moments(x, axes, keepdims)`: `(mean, variance)` over `axes`.
///
/// ```
/// use tf_core as tf;
/// let (mean, variance) = tf::nn::moments(&tf::constant([[1.0f32, 2.0], [3.0, 4.0]]), 0, false);
/// assert_eq!(mean.to_vec::<f32>(), vec![2.0, 3.0]);
/// assert_eq!(variance.to_vec::<f32>(), vec![1.0, 1.0]);
/// ```
#[track_caller]
pub fn moments(x: &Tensor, axes: impl Into<Axes>, keepdims: bool) -> (Tensor, Tensor) {
    let axes = axes.into();
    let mean = reduce_mean(x, axes.clone(), true);
    let var = reduce_mean(&squared_difference(x, &mean), axes.clone(), keepdims);
    let mean = if keepdims { mean } else { reduce_sum(&mean, axes, false) };
    (mean, var)
}

/// `tf.math.l2_normalize(x, axis, epsilon=1e-12)`: `x / sqrt(max(Σ x², epsilon))`.
///
/// ```
/// use tf_core as tf;
/// let want = tf::constant([0.6f32, 0.8]);
/// let y = tf::nn::l2_normalize(&tf::constant([3.0f32, 4.0]), None, 1e-12);
/// tf::debugging::assert_near(&y, &want, None, None).unwrap();
/// let x = tf::constant([[3.0f32, 4.0], [6.0, 8.0]]);
/// let want = tf::constant([[0.4472136f32, 0.4472136], [0.8944272, 0.8944272]]);
/// tf::debugging::assert_near(&tf::nn::l2_normalize(&x, 0, 1e-12), &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn l2_normalize(x: &Tensor, axis: impl Into<Axes>, epsilon: f64) -> Tensor {
    multiply(x, &rsqrt(&maximum(&reduce_sum(&square(x), axis, true), &like(x, epsilon))))
}

/// `tf.nn.batch_normalization(x, mean, variance, offset, scale, variance_epsilon)`:
/// `scale * (x - mean) / sqrt(variance + epsilon) + offset`.
///
/// ```
/// use tf_core as tf;
/// // (x - mean) / sqrt(variance + epsilon) * scale + offset
/// let x = tf::constant([1.0f32, 2.0, 3.0]);
/// let (mean, var) = (tf::constant(2.0f32), tf::constant(4.0f32));
/// let (offset, scale) = (tf::constant(1.0f32), tf::constant(2.0f32));
/// let y = tf::nn::batch_normalization(&x, &mean, &var, Some(&offset), Some(&scale), 0.0);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 1.0, 2.0]);
/// ```
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
/// ```
/// use tf_core as tf;
/// let logits = tf::constant([[4.0f32, 2.0, 1.0], [0.0, 5.0, 1.0]]);
/// let loss = tf::nn::sparse_softmax_cross_entropy_with_logits(&tf::constant([0, 1]), &logits);
/// let want = tf::constant([0.16984604f32, 0.024744924]);
/// tf::debugging::assert_near(&loss, &want, None, None).unwrap();
/// ```
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
///
/// ```
/// use tf_core as tf;
/// let labels = tf::constant([[1.0f32, 0.0, 0.0], [0.0, 0.8, 0.2]]);
/// let logits = tf::constant([[4.0f32, 2.0, 1.0], [0.0, 5.0, 1.0]]);
/// let loss = tf::nn::softmax_cross_entropy_with_logits(&labels, &logits, -1);
/// let want = tf::constant([0.16984604f32, 0.82474494]);
/// tf::debugging::assert_near(&loss, &want, None, None).unwrap();
/// ```
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
