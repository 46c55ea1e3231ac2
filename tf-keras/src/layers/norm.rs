//! Normalization layers: BatchNormalization and LayerNormalization.

use super::{layer_common, layer_methods, Base, Layer};
use crate::initializers::Initializer;
use crate::saving::config::{layer_config, ConfigValue};
use std::sync::OnceLock;
use tf_core::{self as tf, Tensor, Variable};

/// `keras.layers.BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True,
/// scale=True)`: while training, normalizes with the batch's mean and (biased) variance and
/// moves `moving_mean`/`moving_variance` toward them; at inference uses the moving statistics.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{BatchNormalization, Layer};
/// let bn = BatchNormalization::new();
/// let x = tf::constant([[1.0f32, 2.0], [3.0, 6.0]]);
/// // Inference with the initial moving statistics (mean 0, variance 1): x / sqrt(1 + 1e-3).
/// let want = tf::constant([[0.9995004f32, 1.9990008], [2.9985013, 5.9970026]]);
/// tf::debugging::assert_near(&bn.call(&x, false), &want, None, None).unwrap();
/// // Training: the batch's own statistics.
/// let want = tf::constant([[-0.9995004f32, -0.99987507], [0.9995005, 0.99987507]]);
/// tf::debugging::assert_near(&bn.call(&x, true), &want, Some(1e-6), Some(1e-6)).unwrap();
/// ```
pub struct BatchNormalization {
    base: Base,
    momentum: f64,
    epsilon: f64,
    center: bool,
    scale: bool,
    gamma: OnceLock<Variable>,
    beta: OnceLock<Variable>,
    moving_mean: OnceLock<Variable>,
    moving_variance: OnceLock<Variable>,
}
layer_common!(BatchNormalization, [gamma, beta, moving_mean, moving_variance]);
layer_config!(BatchNormalization, BatchNormalization::new(), {
    "momentum" => momentum, "epsilon" => epsilon, "center" => center, "scale" => scale,
});

impl BatchNormalization {
    /// A batch normalization over the last axis with Keras's defaults.
    pub fn new() -> BatchNormalization {
        BatchNormalization {
            base: Base::new("batch_normalization"),
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            gamma: OnceLock::new(),
            beta: OnceLock::new(),
            moving_mean: OnceLock::new(),
            moving_variance: OnceLock::new(),
        }
    }
    setters! {
        momentum: f64,
        epsilon: f64,
    }
    /// `center=` (learn `beta`).
    pub fn center(mut self, c: bool) -> Self {
        self.center = c;
        self
    }
    /// `scale=` (learn `gamma`).
    pub fn scale(mut self, s: bool) -> Self {
        self.scale = s;
        self
    }
    /// The moving mean, once built.
    pub fn moving_mean(&self) -> Option<&Variable> {
        self.moving_mean.get()
    }
    /// The moving variance, once built.
    pub fn moving_variance(&self) -> Option<&Variable> {
        self.moving_variance.get()
    }
}
impl Default for BatchNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl Layer for BatchNormalization {
    layer_methods!("BatchNormalization");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        let c = *x
            .shape()
            .dims()
            .last()
            .unwrap_or_else(|| panic!("BatchNormalization needs an input of rank >= 1"));
        let w = |slot: &OnceLock<Variable>, what: &str, init: Initializer, trainable: bool| {
            slot.get_or_init(|| self.base.weight(what, &init, &[c], trainable)).clone()
        };
        let gamma = self.scale.then(|| w(&self.gamma, "gamma", Initializer::Ones, true).value());
        let beta = self.center.then(|| w(&self.beta, "beta", Initializer::Zeros, true).value());
        let mm = w(&self.moving_mean, "moving_mean", Initializer::Zeros, false);
        let mv = w(&self.moving_variance, "moving_variance", Initializer::Ones, false);
        if training {
            let axes: Vec<i64> = (0..x.rank() as i64 - 1).collect();
            let (mean, var) = tf::nn::moments(x, axes, false);
            let decay = 1.0 - self.momentum;
            mm.assign_sub(&(&(&mm.value() - &tf::stop_gradient(&mean)) * decay));
            mv.assign_sub(&(&(&mv.value() - &tf::stop_gradient(&var)) * decay));
            tf::nn::batch_normalization(x, &mean, &var, beta.as_ref(), gamma.as_ref(), self.epsilon)
        } else {
            tf::nn::batch_normalization(x, &mm.value(), &mv.value(), beta.as_ref(), gamma.as_ref(), self.epsilon)
        }
    }
}

/// `keras.layers.LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True)`:
/// normalizes each example over `axis` (the last by default; several with `axes`, e.g.
/// `[1, 2, 3]` for whole images), `gamma` and `beta` shaped like those axes.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, LayerNormalization};
/// let x = tf::constant([[0.0f32, 10.0], [20.0, 30.0], [40.0, 50.0]]);
/// let y = LayerNormalization::new().call(&x, false);
/// let want = tf::constant([[-0.99998f32, 0.99998], [-0.99998, 0.99998], [-0.99998, 0.99998]]);
/// tf::debugging::assert_near(&y, &want, Some(1e-5), Some(1e-5)).unwrap();
/// ```
pub struct LayerNormalization {
    base: Base,
    axis: AxisList,
    epsilon: f64,
    center: bool,
    scale: bool,
    gamma: OnceLock<Variable>,
    beta: OnceLock<Variable>,
}
layer_common!(LayerNormalization, [gamma, beta]);
layer_config!(LayerNormalization, LayerNormalization::new(), {
    "axis" => axis, "epsilon" => epsilon, "center" => center, "scale" => scale,
});

/// One axis or several, as Keras writes `axis` (an int or a list).
#[derive(Clone, Debug, PartialEq)]
struct AxisList(Vec<i64>);

impl ConfigValue for AxisList {
    fn to_config(&self) -> serde_json::Value {
        self.0.to_config()
    }
    fn from_config(v: &serde_json::Value, key: &str) -> tf::Result<AxisList> {
        match v.as_i64() {
            Some(a) => Ok(AxisList(vec![a])),
            None => Vec::<i64>::from_config(v, key).map(AxisList),
        }
    }
}

impl LayerNormalization {
    /// A layer normalization over the last axis with Keras's defaults.
    pub fn new() -> LayerNormalization {
        LayerNormalization {
            base: Base::new("layer_normalization"),
            axis: AxisList(vec![-1]),
            epsilon: 1e-3,
            center: true,
            scale: true,
            gamma: OnceLock::new(),
            beta: OnceLock::new(),
        }
    }
    setters! {
        epsilon: f64,
        center: bool,
        scale: bool,
    }
    /// `axis=[...]`: normalize over these axes together (Keras's default is `[-1]`).
    pub fn axes(mut self, axes: &[i64]) -> Self {
        self.axis = AxisList(axes.to_vec());
        self
    }
}
impl Default for LayerNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl Layer for LayerNormalization {
    layer_methods!("LayerNormalization");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let dims = x.shape().dims();
        let axes: Vec<usize> = self
            .axis
            .0
            .iter()
            .map(|&a| tf::shape::normalize_axis(a, dims.len()).unwrap_or_else(|e| panic!("Layer \"{}\": {e}", self.base.name)))
            .collect();
        // gamma and beta have the normalized axes' sizes, broadcast over the others.
        let param: Vec<usize> = axes.iter().map(|&a| dims[a]).collect();
        let broadcast: Vec<i64> = (0..dims.len())
            .map(|i| if axes.contains(&i) { dims[i] as i64 } else { 1 })
            .collect();
        let weight = |slot: &OnceLock<Variable>, name: &str, init: Initializer| {
            let w = slot.get_or_init(|| self.base.weight(name, &init, &param, true)).value();
            if axes.len() == 1 && axes[0] == dims.len() - 1 {
                w
            } else {
                tf::reshape(&w, &broadcast)
            }
        };
        let gamma = self.scale.then(|| weight(&self.gamma, "gamma", Initializer::Ones));
        let beta = self.center.then(|| weight(&self.beta, "beta", Initializer::Zeros));
        let reduce: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
        let (mean, var) = tf::nn::moments(x, reduce, true);
        tf::nn::batch_normalization(x, &mean, &var, beta.as_ref(), gamma.as_ref(), self.epsilon)
    }
}
