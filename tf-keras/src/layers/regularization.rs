//! Noise and structured dropout layers (Keras's `regularization` layers besides Dropout):
//! GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D, SpatialDropout2D and
//! SpatialDropout3D. All act only while training and pass their input through at inference.

use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::layer_config;
use tf_core::{self as tf, DType, Tensor};

/// `keras.layers.GaussianNoise(stddev, seed=None)`: while training, `x + N(0, stddev²)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{GaussianNoise, Layer};
/// let x = tf::zeros([10000], tf::float32);
/// let y = GaussianNoise::new(0.5).seed(Some(1)).call(&x, true);
/// let std = tf::reduce_std(&y, None, false).scalar::<f32>();
/// assert!((std - 0.5).abs() < 0.02);
/// assert_eq!(GaussianNoise::new(0.5).call(&x, false).to_vec::<f32>(), x.to_vec::<f32>());
/// ```
pub struct GaussianNoise {
    base: Base,
    stddev: f64,
    seed: Option<i64>,
}
layer_common!(GaussianNoise, []);
layer_config!(GaussianNoise, GaussianNoise::new(0.0), { "stddev" => stddev, "seed" => seed });
impl GaussianNoise {
    /// Noise of standard deviation `stddev`.
    pub fn new(stddev: f64) -> GaussianNoise {
        GaussianNoise {
            base: Base::new("gaussian_noise"),
            stddev,
            seed: None,
        }
    }
    setters! {
        seed: Option<i64>,
    }
}
impl Layer for GaussianNoise {
    layer_methods!("GaussianNoise");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        x + &tf::random::normal_like(x, 0.0, self.stddev, self.seed)
    }
}

/// `keras.layers.GaussianDropout(rate, seed=None)`: while training, `x` times
/// `N(1, rate / (1 - rate))` noise (multiplicative, mean one).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{GaussianDropout, Layer};
/// let y = GaussianDropout::new(0.2).seed(Some(2)).call(&tf::ones([10000], tf::float32), true);
/// let (mean, std) = (tf::reduce_mean(&y, None, false).scalar::<f32>(), tf::reduce_std(&y, None, false).scalar::<f32>());
/// assert!((mean - 1.0).abs() < 0.02 && (std - 0.5).abs() < 0.02); // sqrt(0.2 / 0.8)
/// ```
pub struct GaussianDropout {
    base: Base,
    rate: f64,
    seed: Option<i64>,
}
layer_common!(GaussianDropout, []);
layer_config!(GaussianDropout, GaussianDropout::new(0.0), { "rate" => rate, "seed" => seed });
impl GaussianDropout {
    /// Multiplicative noise of drop rate `rate`.
    pub fn new(rate: f64) -> GaussianDropout {
        GaussianDropout {
            base: Base::new("gaussian_dropout"),
            rate,
            seed: None,
        }
    }
    setters! {
        seed: Option<i64>,
    }
}
impl Layer for GaussianDropout {
    layer_methods!("GaussianDropout");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training || !(0.0..1.0).contains(&self.rate) || self.rate == 0.0 {
            return x.clone();
        }
        x * &tf::random::normal_like(x, 1.0, (self.rate / (1.0 - self.rate)).sqrt(), self.seed)
    }
}

/// `keras.layers.AlphaDropout(rate, seed=None)`: while training, dropout for self-normalizing
/// (SELU) networks. Dropped values become SELU's negative saturation `-αλ` rather than 0, and
/// an affine map `a x + b` brings the mean and variance back to those of the input (zero and
/// one for SELU's activations).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{AlphaDropout, Layer};
/// let x = tf::random::normal(&[20000], 0.0, 1.0, tf::float32, Some(3));
/// let y = AlphaDropout::new(0.2).seed(Some(4)).call(&x, true);
/// let (m, v) = tf::nn::moments(&y, 0, false);
/// assert!(m.scalar::<f32>().abs() < 0.03 && (v.scalar::<f32>() - 1.0).abs() < 0.05);
/// assert_eq!(AlphaDropout::new(0.2).call(&x, false).to_vec::<f32>(), x.to_vec::<f32>());
/// ```
pub struct AlphaDropout {
    base: Base,
    rate: f64,
    seed: Option<i64>,
}
layer_common!(AlphaDropout, []);
layer_config!(AlphaDropout, AlphaDropout::new(0.0), { "rate" => rate, "seed" => seed });
impl AlphaDropout {
    /// Alpha dropout of rate `rate`.
    pub fn new(rate: f64) -> AlphaDropout {
        AlphaDropout {
            base: Base::new("alpha_dropout"),
            rate,
            seed: None,
        }
    }
    setters! {
        seed: Option<i64>,
    }
}
impl Layer for AlphaDropout {
    layer_methods!("AlphaDropout");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        let rate = self.rate;
        if !training || !(0.0..1.0).contains(&rate) || rate == 0.0 {
            return x.clone();
        }
        // SELU's α and λ (Klambauer et al.), as Keras writes them.
        let alpha_p = -1.673_263_242_354_377_3 * 1.050_700_987_355_480_5;
        let u = tf::random::uniform_like(x, 0.0, 1.0, self.seed);
        let kept = tf::cast(&tf::greater_equal(&u, &tf::scalar(rate, x.dtype())), x.dtype());
        let a = ((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * rate;
        let dropped = &(&kept * -1.0) + 1.0;
        let y = &(x * &kept) + &(&dropped * &tf::scalar(alpha_p, x.dtype()));
        &(&y * &tf::scalar(a, x.dtype())) + &tf::scalar(b, x.dtype())
    }
}

/// Dropout of whole channels: one keep/drop draw per (sample, channel), shared across the
/// `spatial` axes, the kept values scaled by `1 / (1 - rate)`.
#[track_caller]
fn spatial_dropout(x: &Tensor, rate: f64, seed: Option<i64>, rank: usize, layer: &str) -> Tensor {
    super::expect_rank(layer, x, rank, Some(rank));
    if !(0.0..1.0).contains(&rate) {
        panic!("Layer \"{layer}\": rate must be in [0, 1), got {rate}");
    }
    let c = x
        .shape()
        .dim(rank - 1)
        .unwrap_or_else(|| panic!("Layer \"{layer}\" needs the channel count known, got {}", x.shape()));
    // The noise shape [batch, 1, ..., 1, channels].
    let mut rest = vec![1usize; rank - 1];
    rest[rank - 2] = c;
    let u = super::per_sample_uniform(x, &rest, 0.0, 1.0, seed);
    let keep = tf::cast(&tf::greater_equal(&u, &tf::scalar(rate, DType::F32)), x.dtype());
    &(x * &keep) * &tf::scalar(1.0 / (1.0 - rate), x.dtype())
}

macro_rules! spatial_dropout_layer {
    ($(#[$m:meta])* $ty:ident, $prefix:literal, $class:literal, $rank:literal) => {
        $(#[$m])*
        pub struct $ty {
            base: Base,
            rate: f64,
            seed: Option<i64>,
        }
        layer_common!($ty, []);
        layer_config!($ty, $ty::new(0.0), { "rate" => rate, "seed" => seed });
        impl $ty {
            /// Drops whole channels with probability `rate`.
            pub fn new(rate: f64) -> $ty {
                $ty {
                    base: Base::new($prefix),
                    rate,
                    seed: None,
                }
            }
            setters! {
                seed: Option<i64>,
            }
        }
        impl Layer for $ty {
            layer_methods!($class);
            fn supports_masking(&self) -> bool {
                true
            }
            #[track_caller]
            fn call(&self, x: &Tensor, training: bool) -> Tensor {
                if !training || self.rate == 0.0 {
                    return x.clone();
                }
                spatial_dropout(x, self.rate, self.seed, $rank, &self.base.name)
            }
        }
    };
}
spatial_dropout_layer!(
    /// `keras.layers.SpatialDropout1D(rate)`: while training, whole feature channels of
    /// `[batch, steps, channels]` dropped (the same channels at every step).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, SpatialDropout1D};
    /// let y = SpatialDropout1D::new(0.5).seed(Some(4)).call(&tf::ones([8, 5, 16], tf::float32), true);
    /// // Each (sample, channel) column is all 0 or all 2.
    /// let v = y.to_vec::<f32>();
    /// for b in 0..8 {
    ///     for c in 0..16 {
    ///         let col: Vec<f32> = (0..5).map(|t| v[(b * 5 + t) * 16 + c]).collect();
    ///         assert!(col == vec![0.0; 5] || col == vec![2.0; 5]);
    ///     }
    /// }
    /// ```
    SpatialDropout1D,
    "spatial_dropout1d",
    "SpatialDropout1D",
    3
);
spatial_dropout_layer!(
    /// `keras.layers.SpatialDropout2D(rate)`: while training, whole feature maps of
    /// `[batch, height, width, channels]` dropped.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, SpatialDropout2D};
    /// let y = SpatialDropout2D::new(0.25).seed(Some(5)).call(&tf::ones([4, 3, 3, 8], tf::float32), true);
    /// let maps = tf::reduce_max(&y, [1, 2], false).to_vec::<f32>();
    /// let sums = tf::reduce_sum(&y, [1, 2], false).to_vec::<f32>();
    /// for (m, s) in maps.iter().zip(&sums) {
    ///     assert!((*m == 0.0 && *s == 0.0) || (*s - 9.0 * m).abs() < 1e-4); // a map is all kept or all dropped
    /// }
    /// ```
    SpatialDropout2D,
    "spatial_dropout2d",
    "SpatialDropout2D",
    4
);
spatial_dropout_layer!(
    /// `keras.layers.SpatialDropout3D(rate)`: while training, whole feature volumes of
    /// `[batch, depth, height, width, channels]` dropped.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, SpatialDropout3D};
    /// let y = SpatialDropout3D::new(0.5).seed(Some(6)).call(&tf::ones([4, 2, 3, 3, 8], tf::float32), true);
    /// let maxes = tf::reduce_max(&y, [1, 2, 3], false).to_vec::<f32>();
    /// let sums = tf::reduce_sum(&y, [1, 2, 3], false).to_vec::<f32>();
    /// for (m, s) in maxes.iter().zip(&sums) {
    ///     assert!(*m == 0.0 || *s == 18.0 * m); // a volume is all kept (2.0 each) or all dropped
    /// }
    /// assert!(maxes.contains(&0.0) && maxes.contains(&2.0));
    /// ```
    SpatialDropout3D,
    "spatial_dropout3d",
    "SpatialDropout3D",
    5
);
