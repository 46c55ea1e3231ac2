//! RepeatVector, Cropping1D/2D, UpSampling1D and ZeroPadding1D (Keras's `reshaping` layers
//! beyond Reshape, Flatten and Permute, which are in `core`, and the 2-D ones in `conv`).

use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::saving::config::layer_config;
use tf_core::{self as tf, Tensor};

/// `keras.layers.RepeatVector(n)`: `[batch, features]` to `[batch, n, features]`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RepeatVector};
/// let y = RepeatVector::new(3).call(&tf::constant([[1.0f32, 2.0]]), false);
/// assert_eq!(y.shape().dims(), &[1, 3, 2]);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
/// ```
pub struct RepeatVector {
    base: Base,
    n: usize,
}
layer_common!(RepeatVector, []);
layer_config!(RepeatVector, RepeatVector::new(1), { "n" => n });
impl RepeatVector {
    /// Repeats the input `n` times.
    pub fn new(n: usize) -> RepeatVector {
        RepeatVector {
            base: Base::new("repeat_vector"),
            n,
        }
    }
}
impl Layer for RepeatVector {
    layer_methods!("RepeatVector");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 2, Some(2));
        tf::tile(&tf::expand_dims(x, 1), &[1, self.n, 1])
    }
}

/// `keras.layers.Cropping1D(cropping=(1, 1))`: drops steps at the start and the end of
/// `[batch, steps, features]`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Cropping1D, Layer};
/// let x = tf::reshape(&tf::range(10.0f32), [1, 5, 2]);
/// assert_eq!(Cropping1D::new((1, 2)).call(&x, false).to_vec::<f32>(), vec![2.0, 3.0, 4.0, 5.0]);
/// ```
pub struct Cropping1D {
    base: Base,
    cropping: (usize, usize),
}
layer_common!(Cropping1D, []);
layer_config!(Cropping1D, Cropping1D::new((1, 1)), { "cropping" => cropping });
impl Cropping1D {
    /// `(start, end)` steps to drop.
    pub fn new(cropping: (usize, usize)) -> Cropping1D {
        Cropping1D {
            base: Base::new("cropping1d"),
            cropping,
        }
    }
}
impl Layer for Cropping1D {
    layer_methods!("Cropping1D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        crop(&self.base.name, x, &[self.cropping])
    }
}

/// `keras.layers.Cropping2D(cropping=((0, 0), (0, 0)))`: drops rows at the top and bottom and
/// columns at the left and right of `[batch, height, width, channels]`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Cropping2D, Layer};
/// let x = tf::zeros([2, 28, 28, 3], tf::float32);
/// // Keras's documented example.
/// let y = Cropping2D::new(((2, 2), (4, 4))).call(&x, false);
/// assert_eq!(y.shape().dims(), &[2, 24, 20, 3]);
/// ```
pub struct Cropping2D {
    base: Base,
    cropping: ((usize, usize), (usize, usize)),
}
layer_common!(Cropping2D, []);
layer_config!(Cropping2D, Cropping2D::new(((0, 0), (0, 0))), { "cropping" => cropping });
impl Cropping2D {
    /// `((top, bottom), (left, right))` to drop.
    pub fn new(cropping: ((usize, usize), (usize, usize))) -> Cropping2D {
        Cropping2D {
            base: Base::new("cropping2d"),
            cropping,
        }
    }
    /// The same `rows` at the top and bottom, `cols` at the left and right.
    pub fn symmetric(rows: usize, cols: usize) -> Cropping2D {
        Cropping2D::new(((rows, rows), (cols, cols)))
    }
}
impl Layer for Cropping2D {
    layer_methods!("Cropping2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 4, Some(4));
        crop(&self.base.name, x, &[self.cropping.0, self.cropping.1])
    }
}

/// `x` without `(start, end)` entries of dimensions 1, 2, ... (one pair per dimension).
#[track_caller]
pub(super) fn crop(name: &str, x: &Tensor, cropping: &[(usize, usize)]) -> Tensor {
    let dims = x.shape().dims();
    let mut begin = vec![0i64; dims.len()];
    let mut size = vec![-1i64; dims.len()];
    for (i, &(a, b)) in cropping.iter().enumerate() {
        let d = dims[i + 1];
        if d == tf::Shape::UNKNOWN {
            // Traced with an unknown length: Keras needs it known too.
            panic!("Layer \"{name}\": cropping needs dimension {} of {} known", i + 1, x.shape());
        }
        if a + b >= d {
            panic!(
                "Layer \"{name}\": cropping ({a}, {b}) leaves nothing of dimension {} of size {d} (input shape {})",
                i + 1,
                x.shape()
            );
        }
        begin[i + 1] = a as i64;
        size[i + 1] = (d - a - b) as i64;
    }
    tf::slice(x, &begin, &size)
}

/// `keras.layers.UpSampling1D(size=2)`: each step of `[batch, steps, features]` repeated
/// `size` times.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, UpSampling1D};
/// let x = tf::reshape(&tf::range(4.0f32), [1, 2, 2]);
/// assert_eq!(UpSampling1D::new(2).call(&x, false).to_vec::<f32>(), vec![0.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 3.0]);
/// ```
pub struct UpSampling1D {
    base: Base,
    size: usize,
}
layer_common!(UpSampling1D, []);
layer_config!(UpSampling1D, UpSampling1D::new(2), { "size" => size });
impl UpSampling1D {
    /// Repeats each step `size` times.
    pub fn new(size: usize) -> UpSampling1D {
        UpSampling1D {
            base: Base::new("up_sampling1d"),
            size,
        }
    }
}
impl Layer for UpSampling1D {
    layer_methods!("UpSampling1D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        tf::repeat(x, &[self.size], Some(1))
    }
}

/// `keras.layers.ZeroPadding1D(padding=1)`: zero steps added at the start and the end of
/// `[batch, steps, features]`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, ZeroPadding1D};
/// let x = tf::ones([1, 2, 1], tf::float32);
/// assert_eq!(ZeroPadding1D::new((1, 2)).call(&x, false).to_vec::<f32>(), vec![0.0, 1.0, 1.0, 0.0, 0.0]);
/// ```
pub struct ZeroPadding1D {
    base: Base,
    padding: (usize, usize),
}
layer_common!(ZeroPadding1D, []);
layer_config!(ZeroPadding1D, ZeroPadding1D::new((1, 1)), { "padding" => padding });
impl ZeroPadding1D {
    /// `(start, end)` zero steps.
    pub fn new(padding: (usize, usize)) -> ZeroPadding1D {
        ZeroPadding1D {
            base: Base::new("zero_padding1d"),
            padding,
        }
    }
}
impl Layer for ZeroPadding1D {
    layer_methods!("ZeroPadding1D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 3, Some(3));
        tf::pad(x, &[(0, 0), self.padding, (0, 0)], 0.0)
    }
}
