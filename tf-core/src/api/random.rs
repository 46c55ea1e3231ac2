//! `tf.random`: `normal`, `uniform`, `truncated_normal`, `shuffle`, `categorical` and
//! `set_seed`, with TensorFlow 2's seed semantics (global seed plus per-op seeds).

use super::math::{add, cast, multiply};
use super::{run, scalar};
use crate::ops::{random as r, Attrs};
use crate::{DType, Tensor};

pub use crate::ops::random::set_seed;

fn attrs(shape: &[usize], dtype: DType, seed: Option<i64>) -> Attrs {
    let (s1, s2) = r::get_seed(seed);
    Attrs::new()
        .ints("shape", shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
        .dtype("dtype", dtype)
        .int("seed", s1)
        .int("seed2", s2)
}

/// `tf.random.normal(shape, mean, stddev, dtype, seed)`.
///
/// ```
/// use tf_core as tf;
/// tf::random::set_seed(42);
/// let a = tf::random::normal(&[3], 0.0, 1.0, tf::float32, Some(1));
/// tf::random::set_seed(42);
/// let b = tf::random::normal(&[3], 0.0, 1.0, tf::float32, Some(1));
/// assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
/// ```
#[track_caller]
pub fn normal(shape: &[usize], mean: f64, stddev: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    let z = run(&r::RANDOM_STANDARD_NORMAL, &[], attrs(shape, dtype, seed));
    add(&multiply(&z, &scalar(stddev, dtype)), &scalar(mean, dtype))
}

/// `tf.random.truncated_normal(shape, mean, stddev, dtype, seed)`: values beyond two standard
/// deviations are redrawn.
#[track_caller]
pub fn truncated_normal(shape: &[usize], mean: f64, stddev: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    let z = run(&r::TRUNCATED_NORMAL, &[], attrs(shape, dtype, seed));
    add(&multiply(&z, &scalar(stddev, dtype)), &scalar(mean, dtype))
}

/// `tf.random.uniform(shape, minval, maxval, dtype, seed)`: floats in `[minval, maxval)`, or
/// integers for an integer dtype (`maxval` exclusive).
///
/// # Panics
/// For an integer dtype with `minval >= maxval`.
#[track_caller]
pub fn uniform(shape: &[usize], minval: f64, maxval: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    if dtype.is_int() {
        let a = attrs(shape, if dtype == DType::I64 { DType::I64 } else { DType::I32 }, seed)
            .int("minval", minval as i64)
            .int("maxval", maxval as i64);
        return cast(&run(&r::RANDOM_UNIFORM_INT, &[], a), dtype);
    }
    let u = run(&r::RANDOM_UNIFORM, &[], attrs(shape, dtype, seed));
    add(&multiply(&u, &scalar(maxval - minval, dtype)), &scalar(minval, dtype))
}

/// `tf.random.shuffle(value, seed)`: permutes along the first dimension.
#[track_caller]
pub fn shuffle(value: &Tensor, seed: Option<i64>) -> Tensor {
    let (s1, s2) = r::get_seed(seed);
    run(&r::RANDOM_SHUFFLE, &[value], Attrs::new().int("seed", s1).int("seed2", s2))
}

/// `tf.random.categorical(logits, num_samples, seed)`: int64 class indices `[batch,
/// num_samples]` drawn from `softmax(logits)`.
#[track_caller]
pub fn categorical(logits: &Tensor, num_samples: usize, seed: Option<i64>) -> Tensor {
    let (s1, s2) = r::get_seed(seed);
    run(
        &r::MULTINOMIAL,
        &[logits],
        Attrs::new().int("num_samples", num_samples as i64).int("seed", s1).int("seed2", s2),
    )
}
