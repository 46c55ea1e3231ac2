//! `keras.initializers`: how layers fill their weights, by Keras name or with parameters.

use tf_core::{self as tf, DType, Tensor};

/// A weight initializer. `Initializer::from("he_normal")` looks one up by its Keras name.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::initializers::Initializer;
/// assert_eq!(Initializer::Constant(0.5).call(&[2], tf::float32).to_vec::<f32>(), vec![0.5, 0.5]);
/// // glorot_uniform draws from ±sqrt(6 / (fan_in + fan_out)).
/// let w = Initializer::from("glorot_uniform").call(&[3, 2], tf::float32).to_vec::<f32>();
/// let limit = (6.0f32 / 5.0).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= limit));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    /// `"zeros"`.
    Zeros,
    /// `"ones"`.
    Ones,
    /// `Constant(value)`.
    Constant(f64),
    /// `RandomUniform(minval, maxval)`; `"uniform"` / `"random_uniform"` is (-0.05, 0.05).
    RandomUniform(f64, f64),
    /// `RandomNormal(mean, stddev)`; `"normal"` / `"random_normal"` is (0, 0.05).
    RandomNormal(f64, f64),
    /// `TruncatedNormal(mean, stddev)` (redrawn beyond two stddevs); by name (0, 0.05).
    TruncatedNormal(f64, f64),
    /// `VarianceScaling(scale, mode, distribution)`, the family behind Glorot, He and LeCun.
    VarianceScaling {
        /// The scale factor.
        scale: f64,
        /// `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        mode: FanMode,
        /// The distribution drawn from.
        distribution: Distribution,
    },
    /// `Orthogonal(gain)`: a (semi-)orthogonal matrix from the QR decomposition of a normal draw.
    Orthogonal(f64),
    /// `Identity(gain)` for 2-D weights.
    Identity(f64),
}

/// Which fan `VarianceScaling` divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// Number of input units.
    FanIn,
    /// Number of output units.
    FanOut,
    /// Their average.
    FanAvg,
}

/// The distribution `VarianceScaling` draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// Normal truncated at two standard deviations (stddev corrected for the truncation).
    TruncatedNormal,
    /// Plain normal.
    UntruncatedNormal,
    /// Uniform in `[-limit, limit]`, `limit = sqrt(3 * scale)`.
    Uniform,
}

impl Initializer {
    /// `glorot_uniform` (Keras's default kernel initializer).
    pub const GLOROT_UNIFORM: Initializer = Initializer::vs(1.0, FanMode::FanAvg, Distribution::Uniform);
    /// `glorot_normal`.
    pub const GLOROT_NORMAL: Initializer = Initializer::vs(1.0, FanMode::FanAvg, Distribution::TruncatedNormal);
    /// `he_normal`.
    pub const HE_NORMAL: Initializer = Initializer::vs(2.0, FanMode::FanIn, Distribution::TruncatedNormal);
    /// `he_uniform`.
    pub const HE_UNIFORM: Initializer = Initializer::vs(2.0, FanMode::FanIn, Distribution::Uniform);
    /// `lecun_normal`.
    pub const LECUN_NORMAL: Initializer = Initializer::vs(1.0, FanMode::FanIn, Distribution::TruncatedNormal);
    /// `lecun_uniform`.
    pub const LECUN_UNIFORM: Initializer = Initializer::vs(1.0, FanMode::FanIn, Distribution::Uniform);

    const fn vs(scale: f64, mode: FanMode, distribution: Distribution) -> Initializer {
        Initializer::VarianceScaling { scale, mode, distribution }
    }

    /// Looks an initializer up by its Keras name.
    ///
    /// # Panics
    /// On an unknown name, with Keras's message.
    #[track_caller]
    pub fn get(name: &str) -> Initializer {
        match name {
            "zeros" => Initializer::Zeros,
            "ones" => Initializer::Ones,
            "uniform" | "random_uniform" => Initializer::RandomUniform(-0.05, 0.05),
            "normal" | "random_normal" => Initializer::RandomNormal(0.0, 0.05),
            "truncated_normal" => Initializer::TruncatedNormal(0.0, 0.05),
            "glorot_uniform" => Initializer::GLOROT_UNIFORM,
            "glorot_normal" => Initializer::GLOROT_NORMAL,
            "he_normal" => Initializer::HE_NORMAL,
            "he_uniform" => Initializer::HE_UNIFORM,
            "lecun_normal" => Initializer::LECUN_NORMAL,
            "lecun_uniform" => Initializer::LECUN_UNIFORM,
            "orthogonal" => Initializer::Orthogonal(1.0),
            "identity" => Initializer::Identity(1.0),
            _ => panic!("Could not interpret initializer identifier: {name}"),
        }
    }

    /// A tensor of `shape` and `dtype` drawn from this initializer (TensorFlow's global seed
    /// makes it repeatable).
    #[track_caller]
    pub fn call(&self, shape: &[usize], dtype: DType) -> Tensor {
        match *self {
            Initializer::Zeros => tf::zeros(shape, dtype),
            Initializer::Ones => tf::ones(shape, dtype),
            Initializer::Constant(v) => tf::fill_dtype(shape, v, dtype),
            Initializer::RandomUniform(lo, hi) => tf::random::uniform(shape, lo, hi, dtype, None),
            Initializer::RandomNormal(m, s) => tf::random::normal(shape, m, s, dtype, None),
            Initializer::TruncatedNormal(m, s) => tf::random::truncated_normal(shape, m, s, dtype, None),
            Initializer::VarianceScaling { scale, mode, distribution } => {
                let (fan_in, fan_out) = fans(shape);
                let n = match mode {
                    FanMode::FanIn => fan_in,
                    FanMode::FanOut => fan_out,
                    FanMode::FanAvg => (fan_in + fan_out) / 2.0,
                };
                let scale = scale / n.max(1.0);
                match distribution {
                    // The stddev of a unit normal truncated to (-2, 2).
                    Distribution::TruncatedNormal => {
                        tf::random::truncated_normal(shape, 0.0, scale.sqrt() / 0.879_625_661_034_239_8, dtype, None)
                    }
                    Distribution::UntruncatedNormal => tf::random::normal(shape, 0.0, scale.sqrt(), dtype, None),
                    Distribution::Uniform => {
                        let limit = (3.0 * scale).sqrt();
                        tf::random::uniform(shape, -limit, limit, dtype, None)
                    }
                }
            }
            Initializer::Orthogonal(gain) => orthogonal(shape, gain, dtype),
            Initializer::Identity(gain) => {
                if shape.len() != 2 {
                    panic!("Identity matrix initializer can only be used for 2D matrices. Received: shape={shape:?}");
                }
                &tf::eye(shape[0], Some(shape[1]), dtype) * gain
            }
        }
    }
}

impl From<&str> for Initializer {
    #[track_caller]
    fn from(name: &str) -> Initializer {
        Initializer::get(name)
    }
}

/// Keras's `_compute_fans`: for kernels of rank > 2 the leading (spatial) dimensions multiply
/// both fans.
pub fn fans(shape: &[usize]) -> (f64, f64) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f64, shape[0] as f64),
        2 => (shape[0] as f64, shape[1] as f64),
        r => {
            let receptive: usize = shape[..r - 2].iter().product();
            ((shape[r - 2] * receptive) as f64, (shape[r - 1] * receptive) as f64)
        }
    }
}

/// Q of the QR decomposition (modified Gram-Schmidt, signs fixed by R's diagonal) of a
/// normal draw, as Keras's `Orthogonal`.
fn orthogonal(shape: &[usize], gain: f64, dtype: DType) -> Tensor {
    if shape.len() < 2 {
        panic!(
            "The tensor to initialize must be at least two-dimensional. Received: shape={shape:?} of rank {}.",
            shape.len()
        );
    }
    let cols = shape[shape.len() - 1];
    let rows: usize = shape[..shape.len() - 1].iter().product();
    let (m, n) = (rows.max(cols), rows.min(cols));
    // a is m x n; orthonormalize its columns.
    let a = tf::random::normal(&[m, n], 0.0, 1.0, DType::F64, None).to_vec::<f64>();
    let mut q = vec![0.0f64; m * n];
    for j in 0..n {
        let mut v: Vec<f64> = (0..m).map(|i| a[i * n + j]).collect();
        for k in 0..j {
            let dot: f64 = (0..m).map(|i| q[i * n + k] * v[i]).sum();
            for (i, x) in v.iter_mut().enumerate() {
                *x -= dot * q[i * n + k];
            }
        }
        // r_jj = |v| > 0, so the sign correction is already +1.
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
        for i in 0..m {
            q[i * n + j] = v[i] / norm * gain;
        }
    }
    let q = tf::Tensor::from_vec(q, [m, n]).expect("m*n values");
    let q = if rows < cols { tf::transpose(&q, None) } else { q };
    tf::reshape(&tf::cast(&q, dtype), shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
}
