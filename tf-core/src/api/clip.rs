//! `tf.clip_by_norm` and `tf.clip_by_global_norm` (TensorFlow's `clip_ops`;
//! `clip_by_value` is with the elementwise math).

use super::math::{cast, maximum, minimum, reduce_sum, sqrt, where_};
use super::{scalar, Axes};
use crate::{DType, Tensor};

/// `tf.clip_by_norm(t, clip_norm, axes)`: `t · clip_norm / max(‖t‖₂, clip_norm)`, the norm
/// taken over `axes` (all of them for `None`). A zero `t` stays zero, with a zero gradient
/// (the norm is taken through a square root that never sees 0), as in TensorFlow.
///
/// ```
/// use tf_core as tf;
/// let c = tf::clip_by_norm(&tf::constant([3.0f32, 4.0]), 1.0, None);
/// tf::debugging::assert_near(&c, &tf::constant([0.6f32, 0.8]), None, None).unwrap();
/// // Rows clipped one by one.
/// let rows = tf::clip_by_norm(&tf::constant([[3.0f32, 4.0], [0.3, 0.4]]), 1.0, 1);
/// tf::debugging::assert_near(&rows, &tf::constant([[0.6f32, 0.8], [0.3, 0.4]]), None, None).unwrap();
/// ```
#[track_caller]
pub fn clip_by_norm(t: &Tensor, clip_norm: f64, axes: impl Into<Axes>) -> Tensor {
    let l2sum = reduce_sum(&(t * t), axes, true);
    let zero = scalar(0.0, t.dtype());
    let positive = super::math::greater(&l2sum, &zero);
    let safe = where_(&positive, &l2sum, &scalar(1.0, t.dtype()));
    let l2norm = where_(&positive, &sqrt(&safe), &l2sum);
    &(t * clip_norm) / &maximum(&l2norm, &scalar(clip_norm, t.dtype()))
}

/// `tf.linalg.global_norm(ts)`: `sqrt(Σ ‖t‖₂²)` over all the tensors, summed in float64 and
/// returned in the first tensor's dtype.
///
/// ```
/// use tf_core as tf;
/// let n = tf::global_norm(&[tf::constant([3.0f32]), tf::constant([0.0f32, 4.0])]);
/// assert_eq!(n.scalar::<f32>(), 5.0);
/// ```
///
/// # Panics
/// When `ts` is empty.
#[track_caller]
pub fn global_norm(ts: &[Tensor]) -> Tensor {
    assert!(!ts.is_empty(), "global_norm: no tensors");
    cast(&global_norm_f64(ts), ts[0].dtype())
}

fn global_norm_f64(ts: &[Tensor]) -> Tensor {
    let sums = ts.iter().map(|t| cast(&reduce_sum(&(t * t), None, false), DType::F64));
    sqrt(&sums.reduce(|a, b| &a + &b).unwrap_or_else(|| scalar(0.0, DType::F64)))
}

/// `tf.clip_by_global_norm(ts, clip_norm)`: every tensor scaled by
/// `clip_norm / max(global_norm, clip_norm)`, and the global norm (before clipping). An
/// infinite or NaN global norm makes every value NaN, as in TensorFlow.
///
/// ```
/// use tf_core as tf;
/// let ts = [tf::constant([3.0f32, 0.0]), tf::constant([0.0f32, 4.0])];
/// let (c, norm) = tf::clip_by_global_norm(&ts, 1.0);
/// assert_eq!(norm.scalar::<f32>(), 5.0);
/// tf::debugging::assert_near(&c[0], &tf::constant([0.6f32, 0.0]), None, None).unwrap();
/// tf::debugging::assert_near(&c[1], &tf::constant([0.0f32, 0.8]), None, None).unwrap();
/// ```
#[track_caller]
pub fn clip_by_global_norm(ts: &[Tensor], clip_norm: f64) -> (Vec<Tensor>, Tensor) {
    if ts.is_empty() {
        return (Vec::new(), scalar(0.0, DType::F32));
    }
    let norm = global_norm_f64(ts);
    let finite_scale = &minimum(&(1.0 / &norm), &scalar(1.0 / clip_norm, DType::F64)) * clip_norm;
    // NaN everywhere when the norm is infinite or NaN.
    let scale = where_(&super::math::is_finite(&norm), &finite_scale, &scalar(f64::NAN, DType::F64));
    let clipped = ts.iter().map(|t| t * &cast(&scale, t.dtype())).collect();
    (clipped, cast(&norm, ts[0].dtype()))
}
