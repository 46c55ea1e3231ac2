//! `tf.sparse`: the [`SparseTensor`] that `tf::strings::split` returns, and `to_dense`.

use crate::ops::{execute_shaped_like, movement, Attrs};
use crate::Tensor;

/// `tf.sparse.SparseTensor`: the values of a tensor of shape `dense_shape` at `indices`,
/// every other element being a default.
#[derive(Clone, Debug)]
pub struct SparseTensor {
    /// int64 `[n, rank]`: the coordinates of each value, in row-major order.
    pub indices: Tensor,
    /// `[n]`: the values.
    pub values: Tensor,
    /// int64 `[rank]`: the dense shape.
    pub dense_shape: Tensor,
}

impl SparseTensor {
    /// `tf.sparse.SparseTensor(indices, values, dense_shape)`.
    pub fn new(indices: Tensor, values: Tensor, dense_shape: Tensor) -> SparseTensor {
        SparseTensor {
            indices,
            values,
            dense_shape,
        }
    }
}

/// `tf.sparse.to_dense(sp, default_value)`: the dense tensor, `default_value` (a scalar of the
/// values' dtype) where no value is given. Any dtype, strings included; inside a trace the
/// dense shape is read when the graph runs.
///
/// ```
/// use tf_core as tf;
/// let sp = tf::sparse::SparseTensor::new(
///     tf::constant([[0i64, 1], [1, 0]]),
///     tf::constant([7, 8]),
///     tf::constant([2i64, 3]),
/// );
/// assert_eq!(tf::sparse::to_dense(&sp, &tf::constant(0)).to_vec::<i32>(), vec![0, 7, 0, 8, 0, 0]);
/// ```
///
/// # Panics
/// When an index lies outside `dense_shape`, or `default_value` is not a scalar of the
/// values' dtype.
#[track_caller]
pub fn to_dense(sp: &SparseTensor, default_value: &Tensor) -> Tensor {
    if default_value.rank() != 0 || default_value.dtype() != sp.values.dtype() {
        panic!(
            "sparse.to_dense: default_value must be a scalar {}, got a {} of shape {}",
            sp.values.dtype(),
            default_value.dtype(),
            default_value.shape()
        );
    }
    // Each value's position, counted from 1, scattered into zeros: 0 picks the default.
    let column = crate::gather(&sp.indices, &crate::constant(0i32), 1);
    let positions = crate::cumsum(&crate::ones_like(&column), 0, false, false);
    let like = crate::fill_dims(&sp.dense_shape, &crate::constant(0u8));
    let at = execute_shaped_like(&movement::SCATTER_ND, &[&sp.indices, &positions], &Attrs::new(), "shape", &like);
    let table = crate::concat(&[&crate::reshape(default_value, [1]), &sp.values], 0);
    crate::gather(&table, &at, 0)
}
