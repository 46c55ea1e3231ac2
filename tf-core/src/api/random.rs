//! `tf.random`: `normal`, `uniform`, `truncated_normal`, `shuffle`, `categorical` and
//! `set_seed`, with TensorFlow 2's seed semantics (global seed plus per-op seeds).

use super::math::{add, cast, multiply};
use super::{run, scalar};
use crate::ops::{random as r, Attrs};
use crate::{DType, Tensor};

pub use crate::ops::random::set_seed;

fn attrs(shape: &[usize], dtype: DType, seeds: (i64, i64)) -> Attrs {
    use crate::ops::AttrValue::{Int, Ints, Type};
    Attrs::of([
        ("shape", Ints(shape.iter().map(|&d| d as i64).collect())),
        ("dtype", Type(dtype)),
        ("seed", Int(seeds.0)),
        ("seed2", Int(seeds.1)),
    ])
}

/// Runs a random op with the seeds `seed` gives; an eager op without an op seed draws from a
/// fresh stream that is never drawn from again, so its position is not kept.
#[track_caller]
fn seeded(seed: Option<i64>, op: impl FnOnce((i64, i64)) -> Tensor) -> Tensor {
    let seeds = r::get_seed(seed);
    if seed.is_none() && crate::executing_eagerly() {
        r::one_shot(seeds.0, seeds.1, || op(seeds))
    } else {
        op(seeds)
    }
}

/// `z * stddev + mean` (or `z * (max - min) + min`), skipped when it is the identity.
#[track_caller]
fn scale_shift(z: Tensor, scale: f64, shift: f64, dtype: DType) -> Tensor {
    if scale == 1.0 && shift == 0.0 {
        return z;
    }
    add(&multiply(&z, &scalar(scale, dtype)), &scalar(shift, dtype))
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
    let z = seeded(seed, |s| run(&r::RANDOM_STANDARD_NORMAL, &[], attrs(shape, dtype, s)));
    scale_shift(z, stddev, mean, dtype)
}

/// `tf.random.normal(shape, ...)` with `shape` a 1-D integer tensor, whose values may be known
/// only when the op runs (see [`uniform_of_shape`]).
///
/// ```
/// use tf_core as tf;
/// let x = tf::zeros([4, 2], tf::float32);
/// let z = tf::random::normal_of_shape(&tf::shape(&x), 1.0, 0.0, tf::float32, Some(2));
/// assert_eq!(z.to_vec::<f32>(), vec![1.0; 8]);
/// ```
///
/// # Panics
/// For an integer dtype, or a shape that is not a 1-D integer tensor.
#[track_caller]
pub fn normal_of_shape(shape: &Tensor, mean: f64, stddev: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    if dtype.is_int() {
        panic!("RandomStandardNormal: normal_of_shape draws floats, got dtype {dtype}");
    }
    let z = seeded(seed, |(s1, s2)| {
        let a = Attrs::new().dtype("dtype", dtype).int("seed", s1).int("seed2", s2);
        run(&r::RANDOM_STANDARD_NORMAL, &[shape], a)
    });
    scale_shift(z, stddev, mean, dtype)
}

/// `tf.random.truncated_normal(shape, mean, stddev, dtype, seed)`: values beyond two standard
/// deviations are redrawn.
///
/// ```
/// use tf_core as tf;
/// let x = tf::random::truncated_normal(&[1000], 0.0, 1.0, tf::float32, Some(7)).to_vec::<f32>();
/// assert!(x.iter().all(|v| v.abs() <= 2.0));
/// ```
#[track_caller]
pub fn truncated_normal(shape: &[usize], mean: f64, stddev: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    let z = seeded(seed, |s| run(&r::TRUNCATED_NORMAL, &[], attrs(shape, dtype, s)));
    scale_shift(z, stddev, mean, dtype)
}

/// `tf.random.uniform(shape, minval, maxval, dtype, seed)`: floats in `[minval, maxval)`, or
/// integers for an integer dtype (`maxval` exclusive).
///
/// ```
/// use tf_core as tf;
/// let x = tf::random::uniform(&[1000], 2.0, 3.0, tf::float32, Some(7)).to_vec::<f32>();
/// assert!(x.iter().all(|&v| (2.0..3.0).contains(&v)));
/// let dice = tf::random::uniform(&[100], 1.0, 7.0, tf::int32, Some(7)).to_vec::<i32>();
/// assert!(dice.iter().all(|v| (1..7).contains(v)));
/// ```
///
/// # Panics
/// For an integer dtype with `minval >= maxval`.
#[track_caller]
pub fn uniform(shape: &[usize], minval: f64, maxval: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    if dtype.is_int() {
        let int = if dtype == DType::I64 { DType::I64 } else { DType::I32 };
        let u = seeded(seed, |s| {
            let a = attrs(shape, int, s).int("minval", minval as i64).int("maxval", maxval as i64);
            run(&r::RANDOM_UNIFORM_INT, &[], a)
        });
        return cast(&u, dtype);
    }
    let u = seeded(seed, |s| run(&r::RANDOM_UNIFORM, &[], attrs(shape, dtype, s)));
    scale_shift(u, maxval - minval, minval, dtype)
}

/// [`uniform`] values of `x`'s shape and dtype: its static shape, or (when a trace left
/// dimensions unknown) the shape it has when the op runs, TensorFlow's `RandomUniform` fed
/// `tf.shape(x)`. The noise of dropout layers.
///
/// ```
/// use tf_core as tf;
/// let u = tf::random::uniform_like(&tf::zeros([2, 3], tf::float32), 0.0, 1.0, Some(1));
/// assert_eq!(u.shape().dims(), &[2, 3]);
/// ```
#[track_caller]
pub fn uniform_like(x: &Tensor, minval: f64, maxval: f64, seed: Option<i64>) -> Tensor {
    if x.shape().is_fully_defined() {
        uniform(x.shape().dims(), minval, maxval, x.dtype(), seed)
    } else {
        uniform_of_shape(&super::shape(x), minval, maxval, x.dtype(), seed)
    }
}

/// [`normal`] values of `x`'s shape and dtype, as [`uniform_like`] draws.
///
/// ```
/// use tf_core as tf;
/// let z = tf::random::normal_like(&tf::zeros([4], tf::float32), 2.0, 0.0, Some(1));
/// assert_eq!(z.to_vec::<f32>(), vec![2.0; 4]);
/// ```
#[track_caller]
pub fn normal_like(x: &Tensor, mean: f64, stddev: f64, seed: Option<i64>) -> Tensor {
    if x.shape().is_fully_defined() {
        normal(x.shape().dims(), mean, stddev, x.dtype(), seed)
    } else {
        normal_of_shape(&super::shape(x), mean, stddev, x.dtype(), seed)
    }
}

/// `tf.random.uniform(shape, ...)` with `shape` a 1-D integer tensor: its values may be
/// known only when the op runs (`tf::shape(x)` of a traced `x` with an unknown batch), as
/// in Keras's augmentation layers, which draw one value per image.
///
/// ```
/// use tf_core as tf;
/// let x = tf::zeros([3, 2], tf::float32);
/// let batch = tf::slice(&tf::shape(&x), &[0], &[1]);
/// let u = tf::random::uniform_of_shape(&batch, 0.0, 2.0, tf::float32, Some(5));
/// assert_eq!(u.shape().dims(), &[3]);
/// assert!(u.to_vec::<f32>().iter().all(|&v| (0.0..2.0).contains(&v)));
/// ```
///
/// # Panics
/// For an integer dtype (use [`uniform`]), or a shape that is not a 1-D integer tensor.
#[track_caller]
pub fn uniform_of_shape(shape: &Tensor, minval: f64, maxval: f64, dtype: DType, seed: Option<i64>) -> Tensor {
    if dtype.is_int() {
        panic!("RandomUniform: uniform_of_shape draws floats, got dtype {dtype}");
    }
    let u = seeded(seed, |(s1, s2)| {
        let a = Attrs::new().dtype("dtype", dtype).int("seed", s1).int("seed2", s2);
        run(&r::RANDOM_UNIFORM, &[shape], a)
    });
    scale_shift(u, maxval - minval, minval, dtype)
}

/// `tf.random.shuffle(value, seed)`: permutes along the first dimension.
///
/// ```
/// use tf_core as tf;
/// let x = tf::random::shuffle(&tf::range(10), Some(3));
/// let mut v = x.to_vec::<i32>();
/// v.sort();
/// assert_eq!(v, (0..10).collect::<Vec<i32>>());
/// ```
#[track_caller]
pub fn shuffle(value: &Tensor, seed: Option<i64>) -> Tensor {
    seeded(seed, |(s1, s2)| {
        run(&r::RANDOM_SHUFFLE, &[value], Attrs::new().int("seed", s1).int("seed2", s2))
    })
}

/// `tf.random.categorical(logits, num_samples, seed)`: int64 class indices `[batch,
/// num_samples]` drawn from `softmax(logits)`.
///
/// ```
/// use tf_core as tf;
/// // Class 1 has all the probability mass.
/// let logits = tf::constant([[-1e9f32, 0.0, -1e9]]);
/// let s = tf::random::categorical(&logits, 5, Some(1));
/// assert_eq!(s.shape().dims(), &[1, 5]);
/// assert_eq!(s.to_vec::<i64>(), vec![1; 5]);
/// ```
#[track_caller]
pub fn categorical(logits: &Tensor, num_samples: usize, seed: Option<i64>) -> Tensor {
    seeded(seed, |(s1, s2)| {
        run(
            &r::MULTINOMIAL,
            &[logits],
            Attrs::new().int("num_samples", num_samples as i64).int("seed", s1).int("seed2", s2),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::DType;

    /// Eager random ops without an op seed draw from fresh streams, and none is remembered:
    /// the stream table does not grow with every call (a dropout step, a random flip per
    /// image). An op seed's stream continues where it stopped.
    #[test]
    fn unseeded_eager_calls_leave_no_stream_behind() {
        let mut pairs = Vec::new();
        for _ in 0..100 {
            super::seeded(None, |s| {
                pairs.push(s);
                super::run(&super::r::RANDOM_UNIFORM, &[], super::attrs(&[2], DType::F32, s))
            });
        }
        assert!(pairs.iter().all(|&(a, b)| !super::r::has_stream(a, b)));
        let a = super::uniform(&[2], 0.0, 1.0, DType::F32, Some(99)).to_vec::<f32>();
        let b = super::uniform(&[2], 0.0, 1.0, DType::F32, Some(99)).to_vec::<f32>();
        assert_ne!(a, b);
    }

    /// A one-shot stream draws what the stream table would hand out: an op that draws more
    /// than once (a truncated normal redraws values beyond two deviations) continues its
    /// stream rather than starting it again.
    #[test]
    fn a_one_shot_stream_draws_as_a_recorded_one() {
        let op = |s| super::run(&super::r::TRUNCATED_NORMAL, &[], super::attrs(&[4000], DType::F64, s));
        let a = (-7, 1001);
        let one_shot = super::r::one_shot(a.0, a.1, || op(a)).to_vec::<f64>();
        assert!(!super::r::has_stream(a.0, a.1));
        let through_table = op(a).to_vec::<f64>();
        assert_eq!(one_shot, through_table);
        let mut sorted = one_shot.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        assert_eq!(sorted.len(), one_shot.len(), "no value repeats: the redraws continued the stream");
        assert!(one_shot.iter().all(|v| v.abs() <= 2.0));
    }
}
