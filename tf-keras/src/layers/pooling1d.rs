//! 1-D pooling over `[batch, steps, channels]`: MaxPooling1D, AveragePooling1D and the
//! global poolings over steps.

use super::conv::global_pool;
use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::saving::config::layer_config;
use tf_core::{self as tf, Tensor};

macro_rules! pool1d {
    ($(#[$m:meta])* $ty:ident, $prefix:literal, $class:literal, $op:path) => {
        $(#[$m])*
        pub struct $ty {
            base: Base,
            pool: usize,
            strides: Option<usize>,
            padding: &'static str,
        }
        layer_common!($ty, []);
        layer_config!($ty, $ty::new(2), { "pool_size" => pool, "strides" => strides, "padding" => padding });
        impl $ty {
            /// A pooling layer with window `pool_size` (Keras's default is 2, with the stride
            /// equal to the window).
            pub fn new(pool_size: usize) -> $ty {
                $ty {
                    base: Base::new($prefix),
                    pool: pool_size,
                    strides: None,
                    padding: "VALID",
                }
            }
            /// `strides=` (defaults to `pool_size`).
            pub fn strides(mut self, s: usize) -> Self {
                self.strides = Some(s);
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
                expect_rank(&self.base.name, x, 3, Some(3));
                $op(x, self.pool, self.strides.unwrap_or(self.pool), self.padding)
            }
        }
    };
}
pool1d!(
    /// `keras.layers.MaxPooling1D(pool_size=2, strides=None, padding="valid")`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, MaxPooling1D};
    /// // Keras's documented example.
    /// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0, 5.0]), [1, 5, 1]);
    /// assert_eq!(MaxPooling1D::new(2).strides(1).call(&x, false).to_vec::<f32>(), vec![2.0, 3.0, 4.0, 5.0]);
    /// assert_eq!(MaxPooling1D::new(2).strides(2).call(&x, false).to_vec::<f32>(), vec![2.0, 4.0]);
    /// let same = MaxPooling1D::new(2).strides(1).padding("same").call(&x, false);
    /// assert_eq!(same.to_vec::<f32>(), vec![2.0, 3.0, 4.0, 5.0, 5.0]);
    /// ```
    MaxPooling1D,
    "max_pooling1d",
    "MaxPooling1D",
    tf::nn::max_pool1d
);
pool1d!(
    /// `keras.layers.AveragePooling1D(pool_size=2, strides=None, padding="valid")`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{AveragePooling1D, Layer};
    /// // Keras's documented example.
    /// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0, 5.0]), [1, 5, 1]);
    /// assert_eq!(AveragePooling1D::new(2).strides(1).call(&x, false).to_vec::<f32>(), vec![1.5, 2.5, 3.5, 4.5]);
    /// let same = AveragePooling1D::new(2).strides(1).padding("same").call(&x, false);
    /// assert_eq!(same.to_vec::<f32>(), vec![1.5, 2.5, 3.5, 4.5, 5.0]);
    /// ```
    AveragePooling1D,
    "average_pooling1d",
    "AveragePooling1D",
    tf::nn::avg_pool1d
);

global_pool!(
    /// `keras.layers.GlobalAveragePooling1D()`: the mean over the steps (the text classifier
    /// of TensorFlow's tutorials: Embedding, GlobalAveragePooling1D, Dense).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{GlobalAveragePooling1D, Layer};
    /// let x = tf::reshape(&tf::range(6.0f32), [1, 3, 2]);
    /// assert_eq!(GlobalAveragePooling1D::new().call(&x, false).to_vec::<f32>(), vec![2.0, 3.0]);
    /// // With a mask, the mean of the kept steps only.
    /// let mask = tf::constant([[true, true, false]]);
    /// let (y, _) = GlobalAveragePooling1D::new().call_masked(&[x], &[Some(mask)], false);
    /// assert_eq!(y[0].to_vec::<f32>(), vec![1.0, 2.0]);
    /// ```
    GlobalAveragePooling1D,
    "global_average_pooling1d",
    "GlobalAveragePooling1D",
    tf::reduce_mean,
    3,
    1i64,
    masked: masked_mean
);

/// Keras's masked mean over the steps: the kept steps' sum over their count.
#[track_caller]
fn masked_mean(x: &Tensor, mask: &Tensor, keepdims: bool) -> Tensor {
    let m = tf::expand_dims(&tf::cast(mask, x.dtype()), 2);
    &tf::reduce_sum(&(x * &m), 1i64, keepdims) / &tf::reduce_sum(&m, 1i64, keepdims)
}
global_pool!(
    /// `keras.layers.GlobalMaxPooling1D()`: the maximum over the steps.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{GlobalMaxPooling1D, Layer};
    /// let x = tf::reshape(&tf::range(6.0f32), [1, 3, 2]);
    /// assert_eq!(GlobalMaxPooling1D::new().call(&x, false).to_vec::<f32>(), vec![4.0, 5.0]);
    /// ```
    GlobalMaxPooling1D,
    "global_max_pooling1d",
    "GlobalMaxPooling1D",
    tf::reduce_max,
    3,
    1i64
);
