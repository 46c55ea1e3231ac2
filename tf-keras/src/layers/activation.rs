//! Activation layers with their own settings: ReLU, LeakyReLU, PReLU, ThresholdedReLU,
//! Softmax, ELU (Keras 2's defaults; the plain `Activation("relu")` layer is in `core`).

use super::{layer_common, layer_methods, Base, Layer};
use crate::initializers::Initializer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::{self as tf, Tensor, Variable};

/// `keras.layers.ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`: `max_value` for
/// `x >= max_value`, `x` for `threshold <= x < max_value`, else `negative_slope * (x -
/// threshold)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, ReLU};
/// // Keras's documented examples.
/// let x = tf::constant([-3.0f32, -1.0, 0.0, 2.0]);
/// assert_eq!(ReLU::new().call(&x, false).to_vec::<f32>(), vec![0.0, 0.0, 0.0, 2.0]);
/// assert_eq!(ReLU::new().max_value(Some(1.0)).call(&x, false).to_vec::<f32>(), vec![0.0, 0.0, 0.0, 1.0]);
/// assert_eq!(ReLU::new().negative_slope(1.0).call(&x, false).to_vec::<f32>(), vec![-3.0, -1.0, 0.0, 2.0]);
/// assert_eq!(ReLU::new().threshold(1.5).call(&x, false).to_vec::<f32>(), vec![0.0, 0.0, 0.0, 2.0]);
/// ```
pub struct ReLU {
    base: Base,
    max_value: Option<f64>,
    negative_slope: f64,
    threshold: f64,
}
layer_common!(ReLU, []);
layer_config!(ReLU, ReLU::new(), { "max_value" => max_value, "negative_slope" => negative_slope, "threshold" => threshold });
impl ReLU {
    /// A plain ReLU.
    pub fn new() -> ReLU {
        ReLU {
            base: Base::new("re_lu"),
            max_value: None,
            negative_slope: 0.0,
            threshold: 0.0,
        }
    }
    /// `max_value=` (`None`: no ceiling).
    ///
    /// # Panics
    /// When it is negative (Keras's ValueError).
    #[track_caller]
    pub fn max_value(mut self, v: Option<f64>) -> Self {
        self.max_value = v.map(|m| non_negative("max_value", m));
        self
    }
    /// `negative_slope=`.
    ///
    /// # Panics
    /// When it is negative (Keras's ValueError).
    #[track_caller]
    pub fn negative_slope(mut self, v: f64) -> Self {
        self.negative_slope = non_negative("negative_slope", v);
        self
    }
    /// `threshold=`.
    ///
    /// # Panics
    /// When it is negative (Keras's ValueError).
    #[track_caller]
    pub fn threshold(mut self, v: f64) -> Self {
        self.threshold = non_negative("threshold", v);
        self
    }
}

#[track_caller]
fn non_negative(what: &str, v: f64) -> f64 {
    if v.is_nan() || v < 0.0 {
        panic!("{what} of a ReLU layer cannot be a negative value. Received: {v}");
    }
    v
}
impl Default for ReLU {
    fn default() -> Self {
        Self::new()
    }
}
impl Layer for ReLU {
    layer_methods!("ReLU");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        relu(x, self.negative_slope, self.max_value, self.threshold)
    }
}

/// Keras's `backend.relu(x, alpha, max_value, threshold)`, op for op (so its gradients at the
/// kinks are Keras's).
fn relu(x: &Tensor, alpha: f64, max_value: Option<f64>, threshold: f64) -> Tensor {
    let s = |v: f64| tf::scalar(v, x.dtype());
    if alpha != 0.0 && max_value.is_none() && threshold == 0.0 {
        return tf::nn::leaky_relu(x, alpha);
    }
    let negative_part = (alpha != 0.0).then(|| tf::nn::relu(&(&-x + &s(threshold))));
    let mut clip = max_value;
    let mut y = if threshold != 0.0 {
        x * &tf::cast(&tf::greater(x, &s(threshold)), x.dtype())
    } else if max_value == Some(6.0) {
        clip = None;
        tf::nn::relu6(x)
    } else {
        tf::nn::relu(x)
    };
    if let Some(m) = clip {
        y = tf::clip_by_value(&y, &s(0.0), &s(m));
    }
    match negative_part {
        Some(n) => &y - &(&n * alpha),
        None => y,
    }
}

/// `keras.layers.LeakyReLU(alpha=0.3)` (Keras 2's default slope): `x` for `x > 0`, else
/// `alpha * x`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, LeakyReLU};
/// // Keras's documented example.
/// let y = LeakyReLU::new().call(&tf::constant([-3.0f32, -1.0, 0.0, 2.0]), false);
/// tf::debugging::assert_near(&y, &tf::constant([-0.9f32, -0.3, 0.0, 2.0]), None, None).unwrap();
/// ```
pub struct LeakyReLU {
    base: Base,
    alpha: f64,
}
layer_common!(LeakyReLU, []);
layer_config!(LeakyReLU, LeakyReLU::new(), { "alpha" => alpha });
impl LeakyReLU {
    /// A leaky ReLU of slope 0.3.
    pub fn new() -> LeakyReLU {
        LeakyReLU {
            base: Base::new("leaky_re_lu"),
            alpha: 0.3,
        }
    }
    setters! {
        alpha: f64,
    }
}
impl Default for LeakyReLU {
    fn default() -> Self {
        Self::new()
    }
}
impl Layer for LeakyReLU {
    layer_methods!("LeakyReLU");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        tf::nn::leaky_relu(x, self.alpha)
    }
}

/// `keras.layers.Softmax(axis=-1)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, Softmax};
/// let y = Softmax::new(-1).call(&tf::constant([[1.0f32, 1.0], [0.0, f32::NEG_INFINITY]]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![0.5, 0.5, 1.0, 0.0]);
/// ```
pub struct Softmax {
    base: Base,
    axis: i64,
}
layer_common!(Softmax, []);
layer_config!(Softmax, Softmax::new(-1), { "axis" => axis });
impl Softmax {
    /// A softmax over `axis` (Keras's default is -1).
    pub fn new(axis: i64) -> Softmax {
        Softmax {
            base: Base::new("softmax"),
            axis,
        }
    }
}
impl Default for Softmax {
    fn default() -> Self {
        Self::new(-1)
    }
}
impl Layer for Softmax {
    layer_methods!("Softmax");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        tf::nn::softmax(x, self.axis)
    }
}

/// `keras.layers.ELU(alpha=1.0)`: `x` for `x > 0`, else `alpha * (e^x - 1)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, ELU};
/// let y = ELU::new().alpha(0.5).call(&tf::constant([-1.0f32, 2.0]), false);
/// tf::debugging::assert_near(&y, &tf::constant([-0.31606028f32, 2.0]), None, None).unwrap();
/// ```
pub struct ELU {
    base: Base,
    alpha: f64,
}
layer_common!(ELU, []);
layer_config!(ELU, ELU::new(), { "alpha" => alpha });
impl ELU {
    /// An ELU of alpha 1.
    pub fn new() -> ELU {
        ELU {
            base: Base::new("elu"),
            alpha: 1.0,
        }
    }
    setters! {
        alpha: f64,
    }
}
impl Default for ELU {
    fn default() -> Self {
        Self::new()
    }
}
impl Layer for ELU {
    layer_methods!("ELU");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let e = tf::nn::elu(x);
        if self.alpha == 1.0 {
            return e;
        }
        // alpha * (e^x - 1) below zero: elu's negative part scaled.
        tf::where_(&tf::greater(x, &tf::scalar(0.0, x.dtype())), &e, &(&e * self.alpha))
    }
}

/// `keras.layers.PReLU(alpha_initializer="zeros", shared_axes=None)`: a leaky ReLU whose
/// negative slope `alpha` is learned, one per input element (without the batch axis), or
/// shared along `shared_axes` (1-based, as Keras counts them after the batch).
///
/// ```
/// use tf_core as tf;
/// use tf_core::Module;
/// use tf_keras::layers::{Layer, PReLU};
/// let p = PReLU::new().alpha_initializer(tf_keras::initializers::Initializer::Constant(0.25)).shared_axes(vec![1]);
/// let y = p.call(&tf::constant([[[-4.0f32, 2.0], [1.0, -8.0]]]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 2.0, 1.0, -2.0]);
/// assert_eq!(p.variables()[0].shape().dims(), &[1, 2]); // shared along the steps
/// ```
pub struct PReLU {
    base: Base,
    alpha_initializer: Initializer,
    shared_axes: Option<Vec<usize>>,
    alpha: OnceLock<Variable>,
}
layer_common!(PReLU, [alpha]);
layer_config!(PReLU, PReLU::new(), { "alpha_initializer" => alpha_initializer, "shared_axes" => shared_axes });
impl PReLU {
    /// A PReLU whose slopes start at zero.
    pub fn new() -> PReLU {
        PReLU {
            base: Base::new("p_re_lu"),
            alpha_initializer: Initializer::Zeros,
            shared_axes: None,
            alpha: OnceLock::new(),
        }
    }
    /// `alpha_initializer=`.
    #[track_caller]
    pub fn alpha_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.alpha_initializer = i.into();
        self
    }
    /// `shared_axes=`: the axes (1 is the first after the batch) along which one slope serves.
    pub fn shared_axes(mut self, axes: Vec<usize>) -> Self {
        self.shared_axes = Some(axes);
        self
    }
}
impl Default for PReLU {
    fn default() -> Self {
        Self::new()
    }
}
impl Layer for PReLU {
    layer_methods!("PReLU");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let alpha = self.alpha.get_or_init(|| {
            let mut shape = x.shape().dims()[1..].to_vec();
            for &a in self.shared_axes.iter().flatten() {
                if a == 0 || a > shape.len() {
                    panic!(
                        "Layer \"{}\": shared axis {a} is not an axis of the input {} (1 is the first after the batch)",
                        self.base.name,
                        x.shape()
                    );
                }
                shape[a - 1] = 1;
            }
            self.base.weight("alpha", &self.alpha_initializer, &shape, true)
        });
        &tf::nn::relu(x) - &(&alpha.value() * &tf::nn::relu(&-x))
    }
}

/// `keras.layers.ThresholdedReLU(theta=1.0)`: `x` where `x > theta`, else 0.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, ThresholdedReLU};
/// let y = ThresholdedReLU::new(1.0).call(&tf::constant([-2.0f32, 0.5, 1.0, 3.0]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 0.0, 3.0]);
/// ```
pub struct ThresholdedReLU {
    base: Base,
    theta: f64,
}
layer_common!(ThresholdedReLU, []);
layer_config!(ThresholdedReLU, ThresholdedReLU::new(1.0), { "theta" => theta });
impl ThresholdedReLU {
    /// Zero at and below `theta`.
    ///
    /// # Panics
    /// For a negative `theta` (Keras's ValueError).
    #[track_caller]
    pub fn new(theta: f64) -> ThresholdedReLU {
        if theta.is_nan() || theta < 0.0 {
            panic!("The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}");
        }
        ThresholdedReLU {
            base: Base::new("thresholded_re_lu"),
            theta,
        }
    }
}
impl Layer for ThresholdedReLU {
    layer_methods!("ThresholdedReLU");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        x * &tf::cast(&tf::greater(x, &tf::scalar(self.theta, x.dtype())), x.dtype())
    }
}
