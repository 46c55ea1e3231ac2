//! 1-D convolution and pooling on `[batch, width, channels]` (NWC) tensors: `tf.nn.conv1d`,
//! `conv1d_transpose`, `max_pool1d` and `avg_pool1d`, each the 2-D op over a height of one
//! (as TensorFlow computes them).

use super::array::{expand_dims, squeeze};
use super::nn::{avg_pool2d, conv2d, conv2d_transpose, max_pool2d, Size2};
use crate::Tensor;

#[track_caller]
fn expect_rank(op: &str, what: &str, t: &Tensor, rank: usize) {
    if t.rank() != rank {
        panic!("{op}: {what} must be rank {rank}, got shape {:?}", t.shape());
    }
}

/// `tf.nn.conv1d(input, filters, stride, padding, dilations)`: NWC input, filters
/// `[width, in, out]`, `padding` `"SAME"` or `"VALID"`.
///
/// ```
/// use tf_core as tf;
/// // Sums of neighbouring pairs, and their differences.
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 4.0, 8.0]), [1, 4, 1]);
/// let k = tf::reshape(&tf::constant([1.0f32, -1.0, 1.0, 1.0]), [2, 1, 2]);
/// let y = tf::nn::conv1d(&x, &k, 1, "VALID", 1);
/// assert_eq!(y.to_vec::<f32>(), vec![3.0, 1.0, 6.0, 2.0, 12.0, 4.0]);
/// ```
///
/// # Panics
/// When the input or filters are not rank 3, or as [`conv2d`].
#[track_caller]
pub fn conv1d(input: &Tensor, filters: &Tensor, stride: usize, padding: &'static str, dilations: usize) -> Tensor {
    expect_rank("Conv1D", "input", input, 3);
    expect_rank("Conv1D", "filters", filters, 3);
    let y = conv2d(
        &expand_dims(input, 1),
        &expand_dims(filters, 0),
        Size2(1, stride),
        padding,
        Size2(1, dilations),
    );
    squeeze(&y, &[1])
}

/// `tf.nn.conv1d_transpose(input, filters, output_shape, strides, padding, dilations)`:
/// filters `[width, out, in]`; the gradient of [`conv1d`] with respect to its input.
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0]), [1, 2, 1]);
/// let k = tf::reshape(&tf::constant([1.0f32, 10.0]), [2, 1, 1]);
/// let y = tf::nn::conv1d_transpose(&x, &k, [1, 4, 1], 2, "VALID", 1);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 10.0, 2.0, 20.0]);
/// ```
///
/// # Panics
/// When the ranks do not fit, or as [`conv2d_transpose`].
#[track_caller]
pub fn conv1d_transpose(
    input: &Tensor,
    filters: &Tensor,
    output_shape: [usize; 3],
    strides: usize,
    padding: &'static str,
    dilations: usize,
) -> Tensor {
    expect_rank("Conv1DBackpropInput", "input", input, 3);
    expect_rank("Conv1DBackpropInput", "filters", filters, 3);
    let [n, w, c] = output_shape;
    let y = conv2d_transpose(
        &expand_dims(input, 1),
        &expand_dims(filters, 0),
        [n, 1, w, c],
        Size2(1, strides),
        padding,
        Size2(1, dilations),
    );
    squeeze(&y, &[1])
}

/// `tf.nn.max_pool1d(input, ksize, strides, padding)` over the width of NWC input.
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1.0f32, 5.0, 2.0, 4.0, 3.0]), [1, 5, 1]);
/// assert_eq!(tf::nn::max_pool1d(&x, 2, 2, "SAME").to_vec::<f32>(), vec![5.0, 4.0, 3.0]);
/// ```
#[track_caller]
pub fn max_pool1d(input: &Tensor, ksize: usize, strides: usize, padding: &'static str) -> Tensor {
    expect_rank("MaxPool1D", "input", input, 3);
    squeeze(
        &max_pool2d(&expand_dims(input, 1), Size2(1, ksize), Size2(1, strides), padding),
        &[1],
    )
}

/// `tf.nn.avg_pool1d(input, ksize, strides, padding)` over the width of NWC input (padding is
/// not counted).
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1.0f32, 5.0, 2.0, 4.0, 3.0]), [1, 5, 1]);
/// assert_eq!(tf::nn::avg_pool1d(&x, 2, 2, "SAME").to_vec::<f32>(), vec![3.0, 3.0, 3.0]);
/// ```
#[track_caller]
pub fn avg_pool1d(input: &Tensor, ksize: usize, strides: usize, padding: &'static str) -> Tensor {
    expect_rank("AvgPool1D", "input", input, 3);
    squeeze(
        &avg_pool2d(&expand_dims(input, 1), Size2(1, ksize), Size2(1, strides), padding),
        &[1],
    )
}
