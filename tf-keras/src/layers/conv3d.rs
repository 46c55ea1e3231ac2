//! Volumetric layers on `[batch, depth, height, width, channels]` input (Keras's
//! `channels_last`): Conv3D, Conv3DTranspose, MaxPooling3D, AveragePooling3D, the global 3-D
//! poolings, UpSampling3D, ZeroPadding3D and Cropping3D.

use super::conv::{conv_builders, deconv_len, finish, global_pool, group_channels, grouped, groups_builder, pool, ConvConfig};
use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::nn::Size3;
use tf_core::{self as tf, Tensor, Variable};

/// `keras.layers.Conv3D(filters, kernel_size, strides=(1, 1, 1), padding="valid",
/// dilation_rate=(1, 1, 1), activation=None, use_bias=True)` on NDHWC input.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv3D, Layer};
/// // Keras's documented example: 28x28x28 volumes with 1 channel.
/// let y = Conv3D::new(2, 3).activation("relu").call(&tf::zeros([4, 28, 28, 28, 1], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[4, 26, 26, 26, 2]);
/// ```
pub struct Conv3D {
    base: Base,
    cfg: ConvConfig<Size3>,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Conv3D, [kernel, bias]);
layer_config!(Conv3D, Conv3D::new(0, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer, "groups" => cfg.groups,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(Conv3D, Size3, causal: false);
groups_builder!(Conv3D);
impl Conv3D {
    /// A 3-D convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: impl Into<Size3>) -> Conv3D {
        Conv3D {
            base: Base::new("conv3d"),
            cfg: ConvConfig::new(filters, kernel_size.into()),
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for Conv3D {
    layer_methods!("Conv3D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 5, Some(5));
        let c = &self.cfg;
        let cin = group_channels(c, &self.base.name, x);
        let k = self.kernel.get_or_init(|| {
            let shape = [c.kernel.0, c.kernel.1, c.kernel.2, cin, c.filters];
            c.kernel_weight(&self.base, "kernel", &shape)
        });
        let y = grouped(c, x, &k.value(), |x, k| tf::nn::conv3d(x, k, c.strides, c.padding, c.dilation));
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

/// `keras.layers.Conv3DTranspose(filters, kernel_size, strides=(1, 1, 1), padding="valid")`:
/// the transpose (input gradient) of a 3-D convolution, upsampling by the stride.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv3DTranspose, Layer};
/// let y = Conv3DTranspose::new(8, 2).strides(2).call(&tf::zeros([2, 4, 5, 6, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 8, 10, 12, 8]);
/// let y = Conv3DTranspose::new(8, 3).call(&tf::zeros([2, 4, 5, 6, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 6, 7, 8, 8]);
/// ```
pub struct Conv3DTranspose {
    base: Base,
    cfg: ConvConfig<Size3>,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Conv3DTranspose, [kernel, bias]);
layer_config!(Conv3DTranspose, Conv3DTranspose::new(0, 1), {
    "filters" => cfg.filters, "kernel_size" => cfg.kernel, "strides" => cfg.strides, "padding" => cfg.padding,
    "dilation_rate" => cfg.dilation, "activation" => cfg.activation, "use_bias" => cfg.use_bias,
    "kernel_initializer" => cfg.kernel_initializer, "bias_initializer" => cfg.bias_initializer,
    "kernel_regularizer" => cfg.kernel_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});
conv_builders!(Conv3DTranspose, Size3, causal: false);
impl Conv3DTranspose {
    /// A 3-D transposed convolution with `filters` output channels.
    pub fn new(filters: usize, kernel_size: impl Into<Size3>) -> Conv3DTranspose {
        Conv3DTranspose {
            base: Base::new("conv3d_transpose"),
            cfg: ConvConfig::new(filters, kernel_size.into()),
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
}
impl Layer for Conv3DTranspose {
    layer_methods!("Conv3DTranspose");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 5, Some(5));
        let c = &self.cfg;
        let d = x.shape().dims();
        let k = self.kernel.get_or_init(|| {
            let shape = [c.kernel.0, c.kernel.1, c.kernel.2, c.filters, d[4]];
            c.kernel_weight(&self.base, "kernel", &shape)
        });
        let out = [
            d[0],
            deconv_len(d[1], c.kernel.0, c.strides.0, c.dilation.0, c.padding),
            deconv_len(d[2], c.kernel.1, c.strides.1, c.dilation.1, c.padding),
            deconv_len(d[3], c.kernel.2, c.strides.2, c.dilation.2, c.padding),
            c.filters,
        ];
        let y = tf::nn::conv3d_transpose(x, &k.value(), out, c.strides, c.padding, c.dilation);
        finish(c, &self.base, &self.bias, y, c.filters)
    }
}

pool!(
    /// `keras.layers.MaxPooling3D(pool_size=(2, 2, 2), strides=None, padding="valid")`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, MaxPooling3D};
    /// let x = tf::reshape(&tf::range(64.0f32), [1, 4, 4, 4, 1]);
    /// let y = MaxPooling3D::default().call(&x, false);
    /// assert_eq!(y.to_vec::<f32>(), vec![21.0, 23.0, 29.0, 31.0, 53.0, 55.0, 61.0, 63.0]);
    /// ```
    MaxPooling3D,
    "max_pooling3d",
    "MaxPooling3D",
    tf::nn::max_pool3d,
    Size3,
    5
);
pool!(
    /// `keras.layers.AveragePooling3D(pool_size=(2, 2, 2), strides=None, padding="valid")`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{AveragePooling3D, Layer};
    /// let x = tf::reshape(&tf::range(8.0f32), [1, 2, 2, 2, 1]);
    /// assert_eq!(AveragePooling3D::default().call(&x, false).to_vec::<f32>(), vec![3.5]);
    /// ```
    AveragePooling3D,
    "average_pooling3d",
    "AveragePooling3D",
    tf::nn::avg_pool3d,
    Size3,
    5
);
global_pool!(
    /// `keras.layers.GlobalAveragePooling3D()`: the mean over depth, height and width.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{GlobalAveragePooling3D, Layer};
    /// let x = tf::reshape(&tf::range(16.0f32), [1, 2, 2, 2, 2]);
    /// assert_eq!(GlobalAveragePooling3D::new().call(&x, false).to_vec::<f32>(), vec![7.0, 8.0]);
    /// ```
    GlobalAveragePooling3D,
    "global_average_pooling3d",
    "GlobalAveragePooling3D",
    tf::reduce_mean,
    5,
    [1i64, 2, 3]
);
global_pool!(
    /// `keras.layers.GlobalMaxPooling3D()`: the maximum over depth, height and width.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{GlobalMaxPooling3D, Layer};
    /// let x = tf::reshape(&tf::range(16.0f32), [1, 2, 2, 2, 2]);
    /// let y = GlobalMaxPooling3D::new().keepdims(true).call(&x, false);
    /// assert_eq!((y.shape().dims(), y.to_vec::<f32>()), (&[1, 1, 1, 1, 2][..], vec![14.0, 15.0]));
    /// ```
    GlobalMaxPooling3D,
    "global_max_pooling3d",
    "GlobalMaxPooling3D",
    tf::reduce_max,
    5,
    [1i64, 2, 3]
);

/// `keras.layers.UpSampling3D(size=(2, 2, 2))`: repeats planes, rows and columns.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, UpSampling3D};
/// let x = tf::reshape(&tf::range(2.0f32), [1, 2, 1, 1, 1]);
/// let y = UpSampling3D::new((2, 1, 2)).call(&x, false);
/// assert_eq!(y.shape().dims(), &[1, 4, 1, 2, 1]);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
/// ```
pub struct UpSampling3D {
    base: Base,
    size: Size3,
}
layer_common!(UpSampling3D, []);
layer_config!(UpSampling3D, UpSampling3D::new(2), { "size" => size });
impl UpSampling3D {
    /// Nearest-neighbour upsampling by `size` (depth, height, width).
    pub fn new(size: impl Into<Size3>) -> UpSampling3D {
        UpSampling3D {
            base: Base::new("up_sampling3d"),
            size: size.into(),
        }
    }
}
impl Layer for UpSampling3D {
    layer_methods!("UpSampling3D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 5, Some(5));
        // An unknown (traced) dimension reads as -1 here, which reshape infers.
        let d: Vec<i64> = x.shape().dims().iter().map(|&v| v as i64).collect();
        let Size3(sd, sh, sw) = self.size;
        let (sd, sh, sw) = (sd as i64, sh as i64, sw as i64);
        let y = tf::reshape(x, [d[0], d[1], 1, d[2], 1, d[3], 1, d[4]]);
        let y = tf::broadcast_to(&y, [d[0], d[1], sd, d[2], sh, d[3], sw, d[4]]);
        tf::reshape(&y, [d[0], d[1] * sd, d[2] * sh, d[3] * sw, d[4]])
    }
}

/// `((before, after) depth, (top, bottom), (left, right))`.
type Sides3 = ((usize, usize), (usize, usize), (usize, usize));

/// `keras.layers.ZeroPadding3D(padding=(1, 1, 1))`: zero planes, rows and columns on both
/// sides.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, ZeroPadding3D};
/// let x = tf::ones([1, 1, 2, 2, 3], tf::float32);
/// let y = ZeroPadding3D::new(1).call(&x, false);
/// assert_eq!(y.shape().dims(), &[1, 3, 4, 4, 3]);
/// assert_eq!(tf::reduce_sum(&y, None, false).to_vec::<f32>(), vec![12.0]);
/// let y = ZeroPadding3D::asymmetric(((1, 0), (0, 2), (0, 0))).call(&x, false);
/// assert_eq!(y.shape().dims(), &[1, 2, 4, 2, 3]);
/// ```
pub struct ZeroPadding3D {
    base: Base,
    pad: Sides3,
}
layer_common!(ZeroPadding3D, []);
layer_config!(ZeroPadding3D, ZeroPadding3D::new(0), { "padding" => pad });
impl ZeroPadding3D {
    /// Symmetric padding: `(depth, rows, cols)` on each side.
    pub fn new(padding: impl Into<Size3>) -> ZeroPadding3D {
        let Size3(d, h, w) = padding.into();
        ZeroPadding3D::asymmetric(((d, d), (h, h), (w, w)))
    }
    /// `((front, back), (top, bottom), (left, right))`.
    pub fn asymmetric(padding: Sides3) -> ZeroPadding3D {
        ZeroPadding3D {
            base: Base::new("zero_padding3d"),
            pad: padding,
        }
    }
}
impl Layer for ZeroPadding3D {
    layer_methods!("ZeroPadding3D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 5, Some(5));
        let (d, h, w) = self.pad;
        tf::pad(x, &[(0, 0), d, h, w, (0, 0)], 0.0)
    }
}

/// `keras.layers.Cropping3D(cropping=((1, 1), (1, 1), (1, 1)))`: drops planes, rows and
/// columns at the edges.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Cropping3D, Layer};
/// // Keras's documented example.
/// let y = Cropping3D::symmetric(1, 1, 1).call(&tf::zeros([2, 28, 28, 10, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 26, 26, 8, 3]);
/// ```
pub struct Cropping3D {
    base: Base,
    cropping: Sides3,
}
layer_common!(Cropping3D, []);
layer_config!(Cropping3D, Cropping3D::new(((0, 0), (0, 0), (0, 0))), { "cropping" => cropping });
impl Cropping3D {
    /// `((front, back), (top, bottom), (left, right))` to drop.
    pub fn new(cropping: Sides3) -> Cropping3D {
        Cropping3D {
            base: Base::new("cropping3d"),
            cropping,
        }
    }
    /// The same count on both sides of each axis.
    pub fn symmetric(depth: usize, rows: usize, cols: usize) -> Cropping3D {
        Cropping3D::new(((depth, depth), (rows, rows), (cols, cols)))
    }
}
impl Layer for Cropping3D {
    layer_methods!("Cropping3D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 5, Some(5));
        let (d, h, w) = self.cropping;
        super::reshaping::crop(&self.base.name, x, &[d, h, w])
    }
}
