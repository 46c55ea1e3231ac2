//! 1-D convolutions besides Conv1D, on `[batch, steps, channels]`: Conv1DTranspose,
//! DepthwiseConv1D and SeparableConv1D, each its 2-D counterpart over a height of one, with
//! Keras's weight shapes.

use super::conv::{causal_padded, conv_builders, deconv_len, finish, separable_builders, ConvConfig};
use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::nn::Size2;
use tf_core::{self as tf, Tensor, Variable};

/// A 1-D size (window, stride or dilation), written as Keras writes it (`[3]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size1(pub usize);
impl From<usize> for Size1 {
    fn from(v: usize) -> Self {
        Size1(v)
    }
}
impl crate::saving::config::ConfigValue for Size1 {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!([self.0])
    }
    fn from_config(v: &serde_json::Value, key: &str) -> tf_core::Result<Size1> {
        match v.as_array().map(Vec::as_slice) {
            Some([n]) => usize::from_config(n, key).map(Size1),
            _ => usize::from_config(v, key).map(Size1),
        }
    }
}

/// The depthwise 1-D convolution of `x` by `kernel` (`[k, in, multiplier]`) with `c`'s
/// geometry: the 2-D one over a one-row image (causal padding first where asked).
fn depthwise(x: &Tensor, kernel: &Tensor, c: &ConvConfig<Size1>) -> Tensor {
    let (x, pad) = causal_padded(x, c.padding, c.kernel.0, c.dilation.0);
    let y = tf::nn::depthwise_conv2d(
        &tf::expand_dims(&x, 1),
        &tf::expand_dims(kernel, 0),
        Size2(1, c.strides.0),
        pad,
        Size2(1, c.dilation.0),
    );
    tf::squeeze(&y, &[1])
}

/// `keras.layers.Conv1DTranspose(filters, kernel_size, strides=1, padding="valid")`: the
/// transpose of a 1-D convolution, upsampling the steps by the stride.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv1DTranspose, Layer};
/// let y = Conv1DTranspose::new(8, 3).strides(2).call(&tf::zeros([4, 10, 5], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 21, 8]);
/// let y = Conv1DTranspose::new(8, 3).strides(2).padding("same").call(&tf::zeros([4, 10, 5], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 20, 8]);
/// ```
pub struct Conv1DTranspose {
    base: Base,
    cfg: ConvConfig<Size1>,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Conv1DTranspose, [kernel, bias]);
layer_config!(Conv1DTranspose, Conv1DTranspose::new(0, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(Conv1DTranspose, Size1, causal: false);
impl Conv1DTranspose {
    /// A 1-D transposed convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: usize) -> Conv1DTranspose {
        Conv1DTranspose {
            base: Base::new("conv1d_transpose"),
            cfg: ConvConfig::new(filters, Size1(kernel_size)),
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for Conv1DTranspose {
    layer_methods!("Conv1DTranspose");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        let c = &self.cfg;
        let d = x.shape().dims();
        let k = self
            .kernel
            .get_or_init(|| c.kernel_weight(&self.base, "kernel", &[c.kernel.0, c.filters, d[2]]));
        let out = [d[0], deconv_len(d[1], c.kernel.0, c.strides.0, c.dilation.0, c.padding), c.filters];
        let y = tf::nn::conv1d_transpose(x, &k.value(), out, c.strides.0, c.padding, c.dilation.0);
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

/// `keras.layers.DepthwiseConv1D(kernel_size, strides=1, padding="valid",
/// depth_multiplier=1)`: each channel of the sequence convolved on its own.
///
/// ```
/// use tf_core as tf;
/// use tf_core::Module;
/// use tf_keras::layers::{DepthwiseConv1D, Layer};
/// let layer = DepthwiseConv1D::new(3).depth_multiplier(2).padding("same");
/// let y = layer.call(&tf::zeros([4, 10, 6], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 10, 12]);
/// assert_eq!(layer.variables()[0].shape().dims(), &[3, 6, 2]);
/// ```
pub struct DepthwiseConv1D {
    base: Base,
    cfg: ConvConfig<Size1>,
    depthwise_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(DepthwiseConv1D, [depthwise_kernel, bias]);
layer_config!(DepthwiseConv1D, DepthwiseConv1D::new(1), {
    "depth_multiplier" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "depthwise_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "depthwise_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(DepthwiseConv1D, Size1, causal: false);
impl DepthwiseConv1D {
    /// A 1-D depthwise convolution (depth multiplier 1).
    pub fn new(kernel_size: usize) -> DepthwiseConv1D {
        DepthwiseConv1D {
            base: Base::new("depthwise_conv1d"),
            cfg: ConvConfig::new(1, Size1(kernel_size)),
            depthwise_kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
    /// `depth_multiplier=`.
    pub fn depth_multiplier(mut self, m: usize) -> Self {
        self.cfg.filters = m;
        self
    }
}
impl Layer for DepthwiseConv1D {
    layer_methods!("DepthwiseConv1D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        let c = &self.cfg;
        let cin = x.shape().dims()[2];
        let k = self
            .depthwise_kernel
            .get_or_init(|| c.kernel_weight(&self.base, "depthwise_kernel", &[c.kernel.0, cin, c.filters]));
        finish(c, &self.base, &self.bias, depthwise(x, &k.value(), c), cin * c.filters)
    }
}

/// `keras.layers.SeparableConv1D(filters, kernel_size, strides=1, padding="valid",
/// depth_multiplier=1)`: a depthwise 1-D convolution, then a pointwise one mixing the
/// channels.
///
/// ```
/// use tf_core as tf;
/// use tf_core::Module;
/// use tf_keras::layers::{Layer, SeparableConv1D};
/// let layer = SeparableConv1D::new(16, 3).padding("same");
/// let y = layer.call(&tf::zeros([2, 12, 8], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 12, 16]);
/// let params: usize = layer.variables().iter().map(|v| v.shape().num_elements()).sum();
/// assert_eq!(params, 3 * 8 + 8 * 16 + 16);
/// ```
pub struct SeparableConv1D {
    base: Base,
    cfg: ConvConfig<Size1>,
    depth_multiplier: usize,
    pointwise_initializer: Initializer,
    depthwise_kernel: OnceLock<Variable>,
    pointwise_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(SeparableConv1D, [depthwise_kernel, pointwise_kernel, bias]);
layer_config!(SeparableConv1D, SeparableConv1D::new(1, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "depth_multiplier" => depth_multiplier, "activation" => cfg.activation,
    "use_bias" => cfg.use_bias, "depthwise_initializer" => cfg.kernel_initializer,
    "pointwise_initializer" => pointwise_initializer, "bias_initializer" => cfg.bias_initializer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(@geometry SeparableConv1D, Size1, causal: true);
separable_builders!(SeparableConv1D);
impl SeparableConv1D {
    /// A 1-D separable convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: usize) -> SeparableConv1D {
        SeparableConv1D {
            base: Base::new("separable_conv1d"),
            cfg: ConvConfig::new(filters, Size1(kernel_size)),
            depth_multiplier: 1,
            pointwise_initializer: Initializer::GLOROT_UNIFORM,
            depthwise_kernel: OnceLock::new(),
            pointwise_kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for SeparableConv1D {
    layer_methods!("SeparableConv1D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        let c = &self.cfg;
        let (cin, dm) = (x.shape().dims()[2], self.depth_multiplier);
        let dw = self
            .depthwise_kernel
            .get_or_init(|| c.kernel_weight(&self.base, "depthwise_kernel", &[c.kernel.0, cin, dm]));
        let pw = self.pointwise_kernel.get_or_init(|| {
            self.base
                .weight("pointwise_kernel", &self.pointwise_initializer, &[1, cin * dm, c.filters], true)
        });
        let y = tf::nn::conv1d(&depthwise(x, &dw.value(), c), &pw.value(), 1, "VALID", 1);
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}
