//! Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization and
//! UnitNormalization.

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

/// `keras.layers.GroupNormalization(groups=32, axis=-1, epsilon=1e-3, center=True,
/// scale=True)`: the channels (`axis`) split into `groups` groups, each normalized over its
/// channels and every axis but the batch, then scaled and shifted per channel.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{GroupNormalization, Layer};
/// // Two groups of two channels: each group of each sample has mean 0 and variance 1 after.
/// let x = tf::constant([[[1.0f32, 3.0, 10.0, 30.0], [5.0, 7.0, 50.0, 70.0]]]);
/// let y = GroupNormalization::new(2).epsilon(0.0).call(&x, false);
/// let want = tf::constant([[[-1.3416408f32, -0.4472136, -1.3416408, -0.4472136], [0.4472136, 1.3416408, 0.4472136, 1.3416408]]]);
/// tf::debugging::assert_near(&y, &want, Some(1e-5), Some(1e-5)).unwrap();
/// ```
pub struct GroupNormalization {
    base: Base,
    groups: usize,
    axis: i64,
    epsilon: f64,
    center: bool,
    scale: bool,
    gamma: OnceLock<Variable>,
    beta: OnceLock<Variable>,
}
layer_common!(GroupNormalization, [gamma, beta]);
layer_config!(GroupNormalization, GroupNormalization::new(32), {
    "groups" => groups, "axis" => axis, "epsilon" => epsilon, "center" => center, "scale" => scale,
});
impl GroupNormalization {
    /// `groups` groups over the last axis, with Keras's defaults.
    pub fn new(groups: usize) -> GroupNormalization {
        GroupNormalization {
            base: Base::new("group_normalization"),
            groups,
            axis: -1,
            epsilon: 1e-3,
            center: true,
            scale: true,
            gamma: OnceLock::new(),
            beta: OnceLock::new(),
        }
    }
    setters! {
        axis: i64,
        epsilon: f64,
        center: bool,
        scale: bool,
    }
}
impl Layer for GroupNormalization {
    layer_methods!("GroupNormalization");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let dims = x.shape().dims().to_vec();
        let name = &self.base.name;
        let axis = tf::shape::normalize_axis(self.axis, dims.len()).unwrap_or_else(|e| panic!("Layer \"{name}\": {e}"));
        if axis == 0 {
            panic!("Layer \"{name}\": the channel axis cannot be the batch axis");
        }
        let channels = dims[axis];
        if channels == tf::Shape::UNKNOWN || self.groups == 0 || self.groups > channels || !channels.is_multiple_of(self.groups) {
            panic!(
                "Layer \"{name}\": {} groups must divide the {channels} channels of axis {axis} (input {})",
                self.groups,
                x.shape()
            );
        }
        if dims[1..].contains(&tf::Shape::UNKNOWN) {
            panic!("Layer \"{name}\" needs every dimension but the batch known, got {}", x.shape());
        }
        // [..., groups, channels / groups, ...] at the channel axis.
        let mut grouped: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        grouped[0] = -1;
        grouped[axis] = (channels / self.groups) as i64;
        grouped.insert(axis, self.groups as i64);
        let g = tf::reshape(x, &grouped);
        let reduce: Vec<i64> = (1..grouped.len() as i64).filter(|&a| a != axis as i64).collect();
        let (mean, var) = tf::nn::moments(&g, reduce, true);
        // gamma and beta per channel, laid out as the grouped input.
        let mut param_shape = vec![1i64; grouped.len()];
        param_shape[axis] = self.groups as i64;
        param_shape[axis + 1] = (channels / self.groups) as i64;
        let weight = |slot: &OnceLock<Variable>, what: &str, init: Initializer| {
            tf::reshape(
                &slot.get_or_init(|| self.base.weight(what, &init, &[channels], true)).value(),
                &param_shape,
            )
        };
        let gamma = self.scale.then(|| weight(&self.gamma, "gamma", Initializer::Ones));
        let beta = self.center.then(|| weight(&self.beta, "beta", Initializer::Zeros));
        let y = tf::nn::batch_normalization(&g, &mean, &var, beta.as_ref(), gamma.as_ref(), self.epsilon);
        let back: Vec<i64> = std::iter::once(-1).chain(dims[1..].iter().map(|&d| d as i64)).collect();
        tf::reshape(&y, &back)
    }
}

/// `keras.layers.UnitNormalization(axis=-1)`: each vector along `axis` scaled to unit L2
/// norm (`x / sqrt(max(Σx², 1e-12))`).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, UnitNormalization};
/// let y = UnitNormalization::new().call(&tf::constant([[3.0f32, 4.0], [0.0, 0.0]]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![0.6, 0.8, 0.0, 0.0]);
/// ```
pub struct UnitNormalization {
    base: Base,
    axis: AxisList,
}
layer_common!(UnitNormalization, []);
layer_config!(UnitNormalization, UnitNormalization::new(), { "axis" => axis });
impl UnitNormalization {
    /// Along the last axis.
    pub fn new() -> UnitNormalization {
        UnitNormalization {
            base: Base::new("unit_normalization"),
            axis: AxisList(vec![-1]),
        }
    }
    /// `axis=[...]`: the axes normalized together.
    pub fn axes(mut self, axes: &[i64]) -> Self {
        self.axis = AxisList(axes.to_vec());
        self
    }
}
impl Default for UnitNormalization {
    fn default() -> Self {
        Self::new()
    }
}
impl Layer for UnitNormalization {
    layer_methods!("UnitNormalization");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        tf::nn::l2_normalize(x, self.axis.0.clone(), 1e-12)
    }
}
