//! Convolution and pooling layers (channels-last, as Keras's default `image_data_format`).

use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::nn::Size2;
use tf_core::{self as tf, Tensor, Variable};

/// Keras's `padding="valid" | "same"` as the op attribute.
#[track_caller]
pub(super) fn padding(p: &str, causal_ok: bool) -> &'static str {
    match p.to_ascii_lowercase().as_str() {
        "valid" => "VALID",
        "same" => "SAME",
        "causal" if causal_ok => "CAUSAL",
        "causal" => panic!("Causal padding is only supported for `Conv1D`. Received: padding={p}"),
        _ => panic!("The `padding` argument must be a string, one of \"valid\", \"same\" or \"causal\" (Conv1D). Received: {p}"),
    }
}

/// `x` (`[batch, steps, channels]`) ready for a 1-D convolution of window `kernel` and
/// `dilation` with Keras's `padding`: for `"CAUSAL"`, zeros in front of the steps so that
/// output t sees inputs up to t only, then VALID padding; otherwise as given.
pub(super) fn causal_padded(x: &Tensor, padding: &'static str, kernel: usize, dilation: usize) -> (Tensor, &'static str) {
    match padding {
        "CAUSAL" => (tf::pad(x, &[(0, 0), (dilation * (kernel - 1), 0), (0, 0)], 0.0), "VALID"),
        p => (x.clone(), p),
    }
}

/// What the convolution layers share; `S` is their window's size type (`Size2`, `Size3`).
pub(super) struct ConvConfig<S = Size2> {
    pub(super) filters: usize,
    pub(super) kernel: S,
    pub(super) strides: S,
    pub(super) padding: &'static str,
    pub(super) dilation: S,
    pub(super) activation: Act,
    pub(super) use_bias: bool,
    pub(super) kernel_initializer: Initializer,
    pub(super) bias_initializer: Initializer,
    pub(super) kernel_regularizer: Option<Regularizer>,
    /// Keras's `groups=` (Conv1D, Conv2D, Conv3D).
    pub(super) groups: usize,
}

impl<S: From<usize>> ConvConfig<S> {
    pub(super) fn new(filters: usize, kernel: S) -> ConvConfig<S> {
        ConvConfig {
            filters,
            kernel,
            strides: S::from(1),
            padding: "VALID",
            dilation: S::from(1),
            activation: Act::Linear,
            use_bias: true,
            kernel_initializer: Initializer::GLOROT_UNIFORM,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            groups: 1,
        }
    }
}

/// The builder methods of a convolution layer with a `cfg: ConvConfig<$size>` field: its
/// geometry, activation and bias (`@geometry` alone: SeparableConv2D, whose two kernels have
/// their own initializers), and the kernel's initializer and regularizer.
macro_rules! conv_builders {
    ($ty:ident, $size:ty, causal: $causal:expr) => {
        conv_builders!(@geometry $ty, $size, causal: $causal);
        impl $ty {
            /// `kernel_initializer=`.
            #[track_caller]
            pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
                self.cfg.kernel_initializer = i.into();
                self
            }
            /// `kernel_regularizer=`.
            #[track_caller]
            pub fn kernel_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
                self.cfg.kernel_regularizer = Some(r.into());
                self
            }
        }
    };
    (@geometry $ty:ident, $size:ty, causal: $causal:expr) => {
        impl $ty {            /// `activity_regularizer=`: a penalty on the layer's output, divided by the batch
            /// size, added to the model's losses at each call.
            #[track_caller]
            pub fn activity_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
                self.base.activity_regularizer = Some(r.into());
                self
            }

            /// `strides=`.
            pub fn strides(mut self, s: impl Into<$size>) -> Self {
                self.cfg.strides = s.into();
                self
            }
            /// `padding="valid" | "same"`, and `"causal"` for `Conv1D`.
            #[track_caller]
            pub fn padding(mut self, p: &str) -> Self {
                self.cfg.padding = super::conv::padding(p, $causal);
                self
            }
            /// `dilation_rate=`.
            pub fn dilation_rate(mut self, d: impl Into<$size>) -> Self {
                self.cfg.dilation = d.into();
                self
            }
            /// `activation=`.
            #[track_caller]
            pub fn activation(mut self, a: impl Into<Act>) -> Self {
                self.cfg.activation = a.into();
                self
            }
            /// `use_bias=`.
            pub fn use_bias(mut self, b: bool) -> Self {
                self.cfg.use_bias = b;
                self
            }
            /// `bias_initializer=`.
            #[track_caller]
            pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
                self.cfg.bias_initializer = i.into();
                self
            }
        }
    };
}

pub(super) use conv_builders;

/// The builder methods a separable convolution (`depth_multiplier` and `pointwise_initializer`
/// fields) adds to its geometry's.
macro_rules! separable_builders {
    ($ty:ident) => {
        impl $ty {
            /// `depth_multiplier=`.
            pub fn depth_multiplier(mut self, m: usize) -> Self {
                self.depth_multiplier = m;
                self
            }
            /// `depthwise_initializer=`.
            #[track_caller]
            pub fn depthwise_initializer(mut self, i: impl Into<Initializer>) -> Self {
                self.cfg.kernel_initializer = i.into();
                self
            }
            /// `pointwise_initializer=`.
            #[track_caller]
            pub fn pointwise_initializer(mut self, i: impl Into<Initializer>) -> Self {
                self.pointwise_initializer = i.into();
                self
            }
        }
    };
}
pub(super) use separable_builders;

/// The `groups=` builder of the convolutions that take it (Conv1D, Conv2D, Conv3D).
macro_rules! groups_builder {
    ($ty:ident) => {
        impl $ty {
            /// `groups=`: the input channels and the filters split into this many equal
            /// groups, each group of filters seeing only its group of channels.
            pub fn groups(mut self, groups: usize) -> Self {
                self.cfg.groups = groups;
                self
            }
        }
    };
}
pub(super) use groups_builder;

/// The input channels each filter sees (`cin / groups`), checked as Keras checks them.
#[track_caller]
pub(super) fn group_channels<S>(cfg: &ConvConfig<S>, layer: &str, x: &Tensor) -> usize {
    let g = cfg.groups;
    let cin = x.shape().dims().last().copied().unwrap_or(0);
    if g == 0 || !cfg.filters.is_multiple_of(g) {
        panic!(
            "Layer \"{layer}\": the number of filters must be evenly divisible by the number of groups. Received: groups={g}, filters={}",
            cfg.filters
        );
    }
    if !cin.is_multiple_of(g) {
        panic!(
            "Layer \"{layer}\": the number of input channels must be evenly divisible by the number of groups. Received groups={g}, but the input has {cin} channels (full input shape is {})",
            x.shape()
        );
    }
    cin / g
}

/// `conv(x, kernel)` in `cfg.groups` groups: group i of the input's channels convolved with
/// group i of the kernel's filters (its last axis), the outputs joined along the channels.
pub(super) fn grouped<S>(cfg: &ConvConfig<S>, x: &Tensor, kernel: &Tensor, conv: impl Fn(&Tensor, &Tensor) -> Tensor) -> Tensor {
    let g = cfg.groups;
    if g == 1 {
        return conv(x, kernel);
    }
    let cin = x.shape().dims().last().copied().unwrap_or(0);
    let xs = tf::split(x, &vec![cin / g; g], -1);
    let ks = tf::split(kernel, &vec![cfg.filters / g; g], -1);
    let ys: Vec<Tensor> = xs.iter().zip(&ks).map(|(a, b)| conv(a, b)).collect();
    tf::concat(&ys.iter().collect::<Vec<_>>(), -1)
}

impl<S> ConvConfig<S> {
    /// The kernel (`what`: `kernel`, `depthwise_kernel`) with the kernel's initializer and
    /// regularizer.
    pub(super) fn kernel_weight(&self, base: &Base, what: &str, shape: &[usize]) -> Variable {
        base.regularized_weight(what, &self.kernel_initializer, shape, self.kernel_regularizer)
    }
}

/// Adds the bias, applies the activation and the layer's `activity_regularizer`.
pub(super) fn finish<S>(cfg: &ConvConfig<S>, base: &Base, bias: &OnceLock<Variable>, y: Tensor, channels: usize) -> Tensor {
    let y = if cfg.use_bias {
        let b = bias.get_or_init(|| base.weight("bias", &cfg.bias_initializer, &[channels], true));
        tf::nn::bias_add(&y, &b.value())
    } else {
        y
    };
    base.activity(cfg.activation.apply(&y))
}

/// `keras.layers.Conv2D(filters, kernel_size, strides=(1, 1), padding="valid",
/// dilation_rate=(1, 1), activation=None, use_bias=True)` on NHWC input.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv2D, Layer};
/// let y = Conv2D::new(2, 3).activation("relu").call(&tf::zeros([4, 28, 28, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 26, 26, 2]);
/// let y = Conv2D::new(2, 3).padding("same").call(&tf::zeros([4, 28, 28, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 28, 28, 2]);
/// ```
pub struct Conv2D {
    base: Base,
    cfg: ConvConfig,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Conv2D, [kernel, bias]);
layer_config!(Conv2D, Conv2D::new(0, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(Conv2D, Size2, causal: false);
groups_builder!(Conv2D);
impl Conv2D {
    /// A 2-D convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: impl Into<Size2>) -> Conv2D {
        Conv2D {
            base: Base::new("conv2d"),
            cfg: ConvConfig::new(filters, kernel_size.into()),
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for Conv2D {
    layer_methods!("Conv2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        let c = &self.cfg;
        let cin = group_channels(c, &self.base.name, x);
        let k = self
            .kernel
            .get_or_init(|| c.kernel_weight(&self.base, "kernel", &[c.kernel.0, c.kernel.1, cin, c.filters]));
        let y = grouped(c, x, &k.value(), |x, k| tf::nn::conv2d(x, k, c.strides, c.padding, c.dilation));
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

/// `keras.layers.Conv1D(filters, kernel_size, strides=1, padding="valid")` on `[batch, steps,
/// channels]` input (a Conv2D over a height of one). `padding("causal")` pads the start of
/// the sequence only, so step t's output depends on steps up to t (WaveNet's convolution).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv1D, Layer};
/// let y = Conv1D::new(32, 3).call(&tf::zeros([4, 10, 128], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 8, 32]);
/// let causal = Conv1D::new(32, 3).padding("causal").dilation_rate(2);
/// assert_eq!(causal.call(&tf::zeros([4, 10, 128], tf::float32), false).shape().dims(), &[4, 10, 32]);
/// ```
pub struct Conv1D {
    base: Base,
    cfg: ConvConfig,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Conv1D, [kernel, bias]);
layer_config!(Conv1D, Conv1D::new(0, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(Conv1D, Size2, causal: true);
groups_builder!(Conv1D);
impl Conv1D {
    /// A 1-D convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: usize) -> Conv1D {
        Conv1D {
            base: Base::new("conv1d"),
            cfg: ConvConfig::new(filters, Size2(1, kernel_size)),
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for Conv1D {
    layer_methods!("Conv1D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        let c = &self.cfg;
        let cin = group_channels(c, &self.base.name, x);
        let k = self
            .kernel
            .get_or_init(|| c.kernel_weight(&self.base, "kernel", &[c.kernel.1, cin, c.filters]));
        let (x, pad) = causal_padded(x, c.padding, c.kernel.1, c.dilation.1);
        let y = grouped(c, &x, &k.value(), |x, k| tf::nn::conv1d(x, k, c.strides.1, pad, c.dilation.1));
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

/// `keras.layers.DepthwiseConv2D(kernel_size, strides=(1, 1), padding="valid",
/// depth_multiplier=1)`: one filter per input channel.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{DepthwiseConv2D, Layer};
/// let y = DepthwiseConv2D::new(3).call(&tf::zeros([4, 10, 10, 12], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 8, 8, 12]);
/// ```
pub struct DepthwiseConv2D {
    base: Base,
    cfg: ConvConfig,
    depthwise_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(DepthwiseConv2D, [depthwise_kernel, bias]);
layer_config!(DepthwiseConv2D, DepthwiseConv2D::new(1), {
    "depth_multiplier" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(DepthwiseConv2D, Size2, causal: false);
impl DepthwiseConv2D {
    /// A depthwise convolution (depth multiplier 1).
    pub fn new(kernel_size: impl Into<Size2>) -> DepthwiseConv2D {
        DepthwiseConv2D {
            base: Base::new("depthwise_conv2d"),
            cfg: ConvConfig::new(1, kernel_size.into()),
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
impl Layer for DepthwiseConv2D {
    layer_methods!("DepthwiseConv2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        let c = &self.cfg;
        let cin = x.shape().dims()[3];
        let k = self
            .depthwise_kernel
            .get_or_init(|| c.kernel_weight(&self.base, "depthwise_kernel", &[c.kernel.0, c.kernel.1, cin, c.filters]));
        let y = tf::nn::depthwise_conv2d(x, &k.value(), c.strides, c.padding, c.dilation);
        finish(c, &self.base, &self.bias, y, cin * c.filters)
    }
}

/// `keras.layers.SeparableConv2D(filters, kernel_size, strides=(1, 1), padding="valid",
/// depth_multiplier=1)`: a depthwise convolution (each input channel on its own,
/// `depth_multiplier` filters each) followed by a 1x1 convolution mixing the channels
/// (MobileNet's and Xception's convolution; far fewer weights than a Conv2D).
///
/// ```
/// use tf_core as tf;
/// use tf_core::Module;
/// use tf_keras::layers::{Layer, SeparableConv2D};
/// let layer = SeparableConv2D::new(64, 3).padding("same");
/// let y = layer.call(&tf::zeros([2, 16, 16, 32], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 16, 16, 64]);
/// let params: usize = layer.variables().iter().map(|v| v.shape().num_elements()).sum();
/// assert_eq!(params, 3 * 3 * 32 + 32 * 64 + 64);
/// ```
pub struct SeparableConv2D {
    base: Base,
    cfg: ConvConfig,
    depth_multiplier: usize,
    pointwise_initializer: Initializer,
    depthwise_kernel: OnceLock<Variable>,
    pointwise_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(SeparableConv2D, [depthwise_kernel, pointwise_kernel, bias]);
layer_config!(SeparableConv2D, SeparableConv2D::new(1, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "depth_multiplier" => depth_multiplier, "activation" => cfg.activation,
    "use_bias" => cfg.use_bias, "depthwise_initializer" => cfg.kernel_initializer,
    "pointwise_initializer" => pointwise_initializer, "bias_initializer" => cfg.bias_initializer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(@geometry SeparableConv2D, Size2, causal: false);
separable_builders!(SeparableConv2D);
impl SeparableConv2D {
    /// A separable convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: impl Into<Size2>) -> SeparableConv2D {
        SeparableConv2D {
            base: Base::new("separable_conv2d"),
            cfg: ConvConfig::new(filters, kernel_size.into()),
            depth_multiplier: 1,
            pointwise_initializer: Initializer::GLOROT_UNIFORM,
            depthwise_kernel: OnceLock::new(),
            pointwise_kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for SeparableConv2D {
    layer_methods!("SeparableConv2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        let c = &self.cfg;
        let cin = x.shape().dims()[3];
        let dm = self.depth_multiplier;
        let dw = self
            .depthwise_kernel
            .get_or_init(|| c.kernel_weight(&self.base, "depthwise_kernel", &[c.kernel.0, c.kernel.1, cin, dm]));
        let pw = self.pointwise_kernel.get_or_init(|| {
            self.base
                .weight("pointwise_kernel", &self.pointwise_initializer, &[1, 1, cin * dm, c.filters], true)
        });
        let y = tf::nn::depthwise_conv2d(x, &dw.value(), c.strides, c.padding, c.dilation);
        let y = tf::nn::conv2d(&y, &pw.value(), 1, "VALID", 1);
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

/// `keras.layers.Conv2DTranspose(filters, kernel_size, strides=(1, 1), padding="valid")`: the
/// transpose (input gradient) of a convolution, upsampling by the stride.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv2DTranspose, Layer};
/// let y = Conv2DTranspose::new(32, 2).strides(2).call(&tf::zeros([4, 10, 8, 128], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 20, 16, 32]);
/// ```
pub struct Conv2DTranspose {
    base: Base,
    cfg: ConvConfig,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Conv2DTranspose, [kernel, bias]);
layer_config!(Conv2DTranspose, Conv2DTranspose::new(0, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(Conv2DTranspose, Size2, causal: false);
impl Conv2DTranspose {
    /// A transposed convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: impl Into<Size2>) -> Conv2DTranspose {
        Conv2DTranspose {
            base: Base::new("conv2d_transpose"),
            cfg: ConvConfig::new(filters, kernel_size.into()),
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
/// Keras's `deconv_output_length` without output padding: `input * stride`, plus what the
/// dilated kernel reaches past the last stride when `VALID`.
pub(super) fn deconv_len(input: usize, kernel: usize, stride: usize, dilation: usize, padding: &str) -> usize {
    let k = kernel + (kernel - 1) * (dilation - 1);
    match padding {
        "SAME" => input * stride,
        _ => input * stride + k.saturating_sub(stride),
    }
}
impl Layer for Conv2DTranspose {
    layer_methods!("Conv2DTranspose");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        let c = &self.cfg;
        let d = x.shape().dims();
        let k = self
            .kernel
            .get_or_init(|| c.kernel_weight(&self.base, "kernel", &[c.kernel.0, c.kernel.1, c.filters, d[3]]));
        let out = [
            d[0],
            deconv_len(d[1], c.kernel.0, c.strides.0, c.dilation.0, c.padding),
            deconv_len(d[2], c.kernel.1, c.strides.1, c.dilation.1, c.padding),
            c.filters,
        ];
        let y = tf::nn::conv2d_transpose(x, &k.value(), out, c.strides, c.padding, c.dilation);
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

/// A pooling layer over rank-`$rank` input with windows of `$size` (2-D and 3-D).
macro_rules! pool {
    ($(#[$m:meta])* $ty:ident, $prefix:literal, $class:literal, $op:path, $size:ty, $rank:literal) => {
        $(#[$m])*
        pub struct $ty {
            base: Base,
            pool: $size,
            strides: Option<$size>,
            padding: &'static str,
        }
        layer_common!($ty, []);
        layer_config!($ty, $ty::new(2), { "pool_size" => pool, "strides" => strides, "padding" => padding });
        impl $ty {
            /// A pooling layer with window `pool_size` (Keras's default is 2 along each axis,
            /// with the stride equal to the window).
            pub fn new(pool_size: impl Into<$size>) -> $ty {
                $ty {
                    base: Base::new($prefix),
                    pool: pool_size.into(),
                    strides: None,
                    padding: "VALID",
                }
            }
            /// `strides=` (defaults to `pool_size`).
            pub fn strides(mut self, s: impl Into<$size>) -> Self {
                self.strides = Some(s.into());
                self
            }
            /// `padding="valid" | "same"`.
            #[track_caller]
            pub fn padding(mut self, p: &str) -> Self {
                self.padding = super::conv::padding(p, false);
                self
            }
        }
        impl Default for $ty {
            fn default() -> Self {
                Self::new(2)
            }
        }
        impl Layer for $ty {
            layer_methods!($class);
            #[track_caller]
            fn call(&self, x: &Tensor, _training: bool) -> Tensor {
                expect_rank(&self.base.name, x, $rank, Some($rank));
                $op(x, self.pool, self.strides.unwrap_or(self.pool), self.padding)
            }
        }
    };
}
pub(super) use pool;
pool!(
    /// `keras.layers.MaxPooling2D(pool_size=(2, 2), strides=None, padding="valid")`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, MaxPooling2D};
    /// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]), [1, 3, 3, 1]);
    /// let y = MaxPooling2D::new(2).strides(1).call(&x, false);
    /// assert_eq!(y.to_vec::<f32>(), vec![5.0, 6.0, 8.0, 9.0]);
    /// let y = MaxPooling2D::new(2).strides(1).padding("same").call(&x, false);
    /// assert_eq!(y.to_vec::<f32>(), vec![5.0, 6.0, 6.0, 8.0, 9.0, 9.0, 8.0, 9.0, 9.0]);
    /// ```
    MaxPooling2D,
    "max_pooling2d",
    "MaxPooling2D",
    tf::nn::max_pool2d,
    Size2,
    4
);
pool!(
    /// `keras.layers.AveragePooling2D(pool_size=(2, 2), strides=None, padding="valid")`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{AveragePooling2D, Layer};
    /// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]), [1, 3, 3, 1]);
    /// assert_eq!(AveragePooling2D::new(2).strides(1).call(&x, false).to_vec::<f32>(), vec![3.0, 4.0, 6.0, 7.0]);
    /// ```
    AveragePooling2D,
    "average_pooling2d",
    "AveragePooling2D",
    tf::nn::avg_pool2d,
    Size2,
    4
);

/// A global pooling layer: `$op` over `$axes` of rank-`$rank` input (`keepdims=`).
macro_rules! global_pool {
    ($(#[$m:meta])* $ty:ident, $prefix:literal, $class:literal, $op:path, $rank:literal, $axes:expr $(, masked: $masked:path)?) => {
        $(#[$m])*
        pub struct $ty {
            base: Base,
            keepdims: bool,
        }
        layer_common!($ty, []);
        layer_config!($ty, $ty::new(), { "keepdims" => keepdims });
        impl $ty {
            /// The global pooling layer.
            pub fn new() -> $ty {
                $ty {
                    base: Base::new($prefix),
                    keepdims: false,
                }
            }
            setters! {
                keepdims: bool,
            }
        }
        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }
        impl Layer for $ty {
            layer_methods!($class);
            #[track_caller]
            fn call(&self, x: &Tensor, _training: bool) -> Tensor {
                expect_rank(&self.base.name, x, $rank, Some($rank));
                $op(x, $axes, self.keepdims)
            }
            $(
            fn supports_masking(&self) -> bool {
                true
            }
            /// The steps are pooled away, and the mask with them.
            fn compute_mask(&self, _inputs: &[Tensor], _masks: &[Option<Tensor>]) -> Option<Tensor> {
                None
            }
            /// Pools only the steps the mask keeps.
            #[track_caller]
            fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
                match (inputs, masks.first().cloned().flatten()) {
                    ([x], Some(mask)) => {
                        expect_rank(&self.base.name, x, $rank, Some($rank));
                        (vec![$masked(x, &mask, self.keepdims)], None)
                    }
                    _ => (self.call_outputs(inputs, training), None),
                }
            }
            )?
        }
    };
}
pub(super) use global_pool;
global_pool!(
    /// `keras.layers.GlobalAveragePooling2D()`: the mean over height and width.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{GlobalAveragePooling2D, Layer};
    /// let x = tf::reshape(&tf::range(8.0f32), [1, 2, 2, 2]);
    /// assert_eq!(GlobalAveragePooling2D::new().call(&x, false).to_vec::<f32>(), vec![3.0, 4.0]);
    /// assert_eq!(GlobalAveragePooling2D::new().keepdims(true).call(&x, false).shape().dims(), &[1, 1, 1, 2]);
    /// ```
    GlobalAveragePooling2D,
    "global_average_pooling2d",
    "GlobalAveragePooling2D",
    tf::reduce_mean,
    4,
    [1i64, 2]
);
global_pool!(
    /// `keras.layers.GlobalMaxPooling2D()`: the maximum over height and width.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{GlobalMaxPooling2D, Layer};
    /// let x = tf::reshape(&tf::range(8.0f32), [1, 2, 2, 2]);
    /// assert_eq!(GlobalMaxPooling2D::new().call(&x, false).to_vec::<f32>(), vec![6.0, 7.0]);
    /// ```
    GlobalMaxPooling2D,
    "global_max_pooling2d",
    "GlobalMaxPooling2D",
    tf::reduce_max,
    4,
    [1i64, 2]
);

/// `keras.layers.ZeroPadding2D(padding=(1, 1))`: zero rows above and below, zero columns left
/// and right.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, ZeroPadding2D};
/// let x = tf::reshape(&tf::range(4.0f32), [1, 1, 2, 2]);
/// let y = ZeroPadding2D::new(1).call(&x, false);
/// assert_eq!(y.shape().dims(), &[1, 3, 4, 2]);
/// let v = y.to_vec::<f32>();
/// assert_eq!(&v[8..16], &[0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 0.0, 0.0]);
/// assert_eq!(v.iter().sum::<f32>(), 6.0);
/// ```
pub struct ZeroPadding2D {
    base: Base,
    pad: ((usize, usize), (usize, usize)),
}
layer_common!(ZeroPadding2D, []);
layer_config!(ZeroPadding2D, ZeroPadding2D::new(0), { "padding" => pad });
impl ZeroPadding2D {
    /// Symmetric padding: `(rows, cols)`.
    pub fn new(padding: impl Into<Size2>) -> ZeroPadding2D {
        let p = padding.into();
        ZeroPadding2D::asymmetric((p.0, p.0), (p.1, p.1))
    }
    /// `((top, bottom), (left, right))`.
    pub fn asymmetric(rows: (usize, usize), cols: (usize, usize)) -> ZeroPadding2D {
        ZeroPadding2D {
            base: Base::new("zero_padding2d"),
            pad: (rows, cols),
        }
    }
}
impl Layer for ZeroPadding2D {
    layer_methods!("ZeroPadding2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        tf::pad(x, &[(0, 0), self.pad.0, self.pad.1, (0, 0)], 0.0)
    }
}

/// `keras.layers.UpSampling2D(size=(2, 2), interpolation="nearest")`: repeats rows and columns.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, UpSampling2D};
/// let x = tf::reshape(&tf::range(12.0f32), [2, 2, 1, 3]);
/// let y = UpSampling2D::new((1, 2)).call(&x, false);
/// assert_eq!(y.shape().dims(), &[2, 2, 2, 3]);
/// assert_eq!(&y.to_vec::<f32>()[..12], &[0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 3.0, 4.0, 5.0]);
/// ```
pub struct UpSampling2D {
    base: Base,
    size: Size2,
}
layer_common!(UpSampling2D, []);
layer_config!(UpSampling2D, UpSampling2D::new(2), { "size" => size });
impl UpSampling2D {
    /// Nearest-neighbour upsampling by `size`.
    pub fn new(size: impl Into<Size2>) -> UpSampling2D {
        UpSampling2D {
            base: Base::new("up_sampling2d"),
            size: size.into(),
        }
    }
}
impl Layer for UpSampling2D {
    layer_methods!("UpSampling2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        let d: Vec<i64> = x.shape().dims().iter().map(|&v| v as i64).collect();
        let (sh, sw) = (self.size.0 as i64, self.size.1 as i64);
        let y = tf::reshape(x, [d[0], d[1], 1, d[2], 1, d[3]]);
        let y = tf::broadcast_to(&y, [d[0], d[1], sh, d[2], sw, d[3]]);
        tf::reshape(&y, [d[0], d[1] * sh, d[2] * sw, d[3]])
    }
}
