//! Image preprocessing and augmentation layers (Keras 2's): Resizing and CenterCrop, and
//! RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness
//! and RandomCrop, which change their input only while training (`fit`), each image drawn
//! anew (one crop a batch), and pass it through (RandomCrop: resize it) at inference
//! (`evaluate`, `predict`).

use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::saving::config::{layer_config, ConfigValue};
use tf_core::{self as tf, image::ResizeMethod, DType, Tensor};

/// A random factor range `(lower, upper)`; one number `f` means `(-f, f)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Factor(pub f64, pub f64);

impl From<f64> for Factor {
    fn from(f: f64) -> Factor {
        Factor(-f, f)
    }
}
impl From<(f64, f64)> for Factor {
    fn from((lo, hi): (f64, f64)) -> Factor {
        Factor(lo, hi)
    }
}
impl ConfigValue for Factor {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!([self.0, self.1])
    }
    fn from_config(v: &serde_json::Value, key: &str) -> tf::Result<Factor> {
        if let Some(f) = v.as_f64() {
            return Ok(Factor::from(f));
        }
        <(f64, f64)>::from_config(v, key).map(Factor::from)
    }
}

/// `fill_mode=` / `interpolation=` checked as Keras does.
#[track_caller]
fn one_of(what: &str, v: &str, allowed: &[&'static str]) -> &'static str {
    let lower = v.to_ascii_lowercase();
    allowed
        .iter()
        .find(|a| **a == lower)
        .copied()
        .unwrap_or_else(|| panic!("Unknown `{what}` {v}. Expected one of {allowed:?}."))
}

const FILL_MODES: &[&str] = &["reflect", "wrap", "constant", "nearest"];
const INTERPOLATIONS: &[&str] = &["bilinear", "nearest"];

/// Uniform draws in `[lo, hi)`, one per image of `x`: `[batch]`.
fn per_image(x: &Tensor, lo: f64, hi: f64, seed: Option<i64>) -> Tensor {
    super::per_sample_uniform(x, &[], lo, hi, seed)
}

/// `[batch, height, width, channels]` float32 (an unbatched image gains a batch of one).
fn as_batch(layer: &str, x: &Tensor) -> (Tensor, bool) {
    expect_rank(layer, x, 3, Some(4));
    let single = x.rank() == 3;
    let x = tf::cast(x, DType::F32);
    (if single { tf::expand_dims(&x, 0) } else { x }, single)
}

fn unbatch(y: Tensor, single: bool) -> Tensor {
    if single {
        tf::squeeze(&y, &[0])
    } else {
        y
    }
}

/// `keras.layers.Resizing(height, width, interpolation="bilinear")`: every image resized
/// (at training and inference), as float32.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, Resizing};
/// let y = Resizing::new(32, 48).call(&tf::zeros([2, 64, 64, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 32, 48, 3]);
/// ```
pub struct Resizing {
    base: Base,
    height: usize,
    width: usize,
    interpolation: String,
    crop_to_aspect_ratio: bool,
}
layer_common!(Resizing, []);
layer_config!(Resizing, Resizing::new(1, 1), {
    "height" => height, "width" => width, "interpolation" => interpolation, "crop_to_aspect_ratio" => crop_to_aspect_ratio,
});
impl Resizing {
    /// Resize to `height x width`.
    pub fn new(height: usize, width: usize) -> Resizing {
        Resizing {
            base: Base::new("resizing"),
            height,
            width,
            interpolation: "bilinear".into(),
            crop_to_aspect_ratio: false,
        }
    }
    /// `crop_to_aspect_ratio=`: first crop the largest centred box of the target's aspect
    /// ratio ([`smart_resize`](crate::utils::smart_resize)), so the image is not distorted.
    pub fn crop_to_aspect_ratio(mut self, c: bool) -> Self {
        self.crop_to_aspect_ratio = c;
        self
    }
    /// `interpolation="bilinear" | "nearest"`.
    #[track_caller]
    pub fn interpolation(mut self, i: &str) -> Self {
        self.interpolation = one_of("interpolation", i, INTERPOLATIONS).into();
        self
    }
}
impl Layer for Resizing {
    layer_methods!("Resizing");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let method = match one_of("interpolation", &self.interpolation, INTERPOLATIONS) {
            "nearest" => ResizeMethod::Nearest,
            _ => ResizeMethod::Bilinear,
        };
        if self.crop_to_aspect_ratio {
            return crate::utils::smart_resize(x, [self.height, self.width], method);
        }
        tf::cast(&tf::image::resize(x, [self.height, self.width], method), DType::F32)
    }
}

/// `[height, width]` of an image or a batch of them, which must be known.
#[track_caller]
fn image_size(layer: &str, x: &Tensor) -> [usize; 2] {
    expect_rank(layer, x, 3, Some(4));
    let d = x.shape().dims();
    let (h, w) = (d[d.len() - 3], d[d.len() - 2]);
    if h == tf::Shape::UNKNOWN || w == tf::Shape::UNKNOWN {
        panic!("Layer \"{layer}\" needs the image height and width known, got {}", x.shape());
    }
    [h, w]
}

/// `keras.layers.CenterCrop(height, width)`: the centred `height x width` window of every
/// image (at training and inference), as float32; an image smaller than that is resized to
/// it instead, cropping to its aspect ratio first (Keras's `smart_resize`).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{CenterCrop, Layer};
/// let x = tf::reshape(&tf::range(16.0f32), [1, 4, 4, 1]);
/// assert_eq!(CenterCrop::new(2, 2).call(&x, false).to_vec::<f32>(), vec![5.0, 6.0, 9.0, 10.0]);
/// ```
pub struct CenterCrop {
    base: Base,
    height: usize,
    width: usize,
}
layer_common!(CenterCrop, []);
layer_config!(CenterCrop, CenterCrop::new(1, 1), { "height" => height, "width" => width });
impl CenterCrop {
    /// Crop to `height x width`.
    pub fn new(height: usize, width: usize) -> CenterCrop {
        CenterCrop {
            base: Base::new("center_crop"),
            height,
            width,
        }
    }
}
impl Layer for CenterCrop {
    layer_methods!("CenterCrop");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let [h, w] = image_size(&self.base.name, x);
        let x = tf::cast(x, DType::F32);
        if h < self.height || w < self.width {
            return crate::utils::smart_resize(&x, [self.height, self.width], ResizeMethod::Bilinear);
        }
        crate::utils::crop_window(&x, (h - self.height) / 2, (w - self.width) / 2, [self.height, self.width])
    }
}

/// `keras.layers.RandomCrop(height, width, seed=None)`: while training, one random
/// `height x width` window for the whole batch; at inference (or for an image smaller than
/// that) every image resized to it, cropping to its aspect ratio first, as Keras does.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomCrop};
/// let x = tf::reshape(&tf::range(16.0f32), [1, 4, 4, 1]);
/// let y = RandomCrop::new(2, 2).seed(Some(1)).call(&x, true).to_vec::<f32>();
/// // Some 2x2 window of the image: its rows are 4 apart.
/// assert!(y[0] as usize % 4 <= 2 && y[0] <= 10.0 && y[1] == y[0] + 1.0 && y[2] == y[0] + 4.0);
/// ```
pub struct RandomCrop {
    base: Base,
    height: usize,
    width: usize,
    seed: Option<i64>,
}
layer_common!(RandomCrop, []);
layer_config!(RandomCrop, RandomCrop::new(1, 1), { "height" => height, "width" => width, "seed" => seed });
impl RandomCrop {
    /// Crop to `height x width`.
    pub fn new(height: usize, width: usize) -> RandomCrop {
        RandomCrop {
            base: Base::new("random_crop"),
            height,
            width,
            seed: None,
        }
    }
    setters! {
        seed: Option<i64>,
    }
}
impl Layer for RandomCrop {
    layer_methods!("RandomCrop");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        let [h, w] = image_size(&self.base.name, x);
        if !training || h < self.height || w < self.width {
            return crate::utils::smart_resize(x, [self.height, self.width], ResizeMethod::Bilinear);
        }
        let (y, single) = as_batch(&self.base.name, x);
        // Keras: two random int32s, taken modulo the room left in each direction.
        let r = tf::random::uniform(&[2], 0.0, i32::MAX as f64, DType::I32, self.seed);
        let room = tf::constant([(h - self.height + 1) as i32, (w - self.width + 1) as i32]);
        let start = tf::unstack(&tf::cast(&tf::floormod(&r, &room), DType::F32), 0);
        let (one, zero) = (tf::scalar(1.0, DType::F32), tf::scalar(0.0, DType::F32));
        // A translation by the window's corner, sampled at whole pixels: exactly the window.
        let m = tf::reshape(
            &tf::stack(&[&one, &zero, &start[1], &zero, &one, &start[0], &zero, &zero], 0),
            [1, 8],
        );
        let out = tf::image::transform(&y, &m, "nearest", "constant", 0.0, Some([self.height, self.width]));
        unbatch(out, single)
    }
}

/// `keras.layers.RandomFlip(mode="horizontal_and_vertical", seed=None)`: while training,
/// each image mirrored left-right and/or upside down, each with probability one half.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomFlip};
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0]), [1, 1, 2, 1]);
/// let flip = RandomFlip::new("horizontal").seed(Some(3));
/// assert_eq!(flip.call(&x, false).to_vec::<f32>(), vec![1.0, 2.0]); // inference: as is
/// let y = flip.call(&x, true).to_vec::<f32>();
/// assert!(y == vec![1.0, 2.0] || y == vec![2.0, 1.0]);
/// ```
pub struct RandomFlip {
    base: Base,
    mode: String,
    seed: Option<i64>,
}
layer_common!(RandomFlip, []);
layer_config!(RandomFlip, RandomFlip::new("horizontal_and_vertical"), { "mode" => mode, "seed" => seed });
impl RandomFlip {
    /// `mode`: `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"`.
    #[track_caller]
    pub fn new(mode: &str) -> RandomFlip {
        RandomFlip {
            base: Base::new("random_flip"),
            mode: one_of("mode", mode, &["horizontal", "vertical", "horizontal_and_vertical"]).into(),
            seed: None,
        }
    }
    setters! {
        seed: Option<i64>,
    }
    /// Each image flipped along `axis` where a coin comes up heads.
    fn maybe_flip(&self, x: &Tensor, axis: i64) -> Tensor {
        let heads = tf::less(&per_image(x, 0.0, 1.0, self.seed), &tf::scalar(0.5, DType::F32));
        let heads = tf::reshape(&heads, [-1, 1, 1, 1]);
        tf::where_(&heads, &tf::reverse(x, &[axis]), x)
    }
}
impl Layer for RandomFlip {
    layer_methods!("RandomFlip");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        let (mut y, single) = as_batch(&self.base.name, x);
        let mode = one_of("mode", &self.mode, &["horizontal", "vertical", "horizontal_and_vertical"]);
        if mode != "vertical" {
            y = self.maybe_flip(&y, 2);
        }
        if mode != "horizontal" {
            y = self.maybe_flip(&y, 1);
        }
        unbatch(y, single)
    }
}

/// What the geometric augmentations share: how points outside the image are filled, and
/// the interpolation.
macro_rules! geometric {
    ($ty:ident) => {
        impl $ty {
            /// `fill_mode="reflect" | "wrap" | "constant" | "nearest"` (Keras's default: reflect).
            #[track_caller]
            pub fn fill_mode(mut self, m: &str) -> Self {
                self.fill_mode = one_of("fill_mode", m, FILL_MODES).into();
                self
            }
            /// `fill_value=` (with `fill_mode="constant"`).
            pub fn fill_value(mut self, v: f64) -> Self {
                self.fill_value = v;
                self
            }
            /// `interpolation="bilinear" | "nearest"`.
            #[track_caller]
            pub fn interpolation(mut self, i: &str) -> Self {
                self.interpolation = one_of("interpolation", i, INTERPOLATIONS).into();
                self
            }
            /// `seed=`.
            pub fn seed(mut self, s: Option<i64>) -> Self {
                self.seed = s;
                self
            }
            /// The images resampled through one transform each (`[batch, 8]`).
            fn resample(&self, x: &Tensor, transforms: &Tensor) -> Tensor {
                tf::image::transform(x, transforms, &self.interpolation, &self.fill_mode, self.fill_value, None)
            }
        }
    };
}

/// `keras.layers.RandomRotation(factor, fill_mode="reflect", interpolation="bilinear",
/// seed=None, fill_value=0.0)`: while training, each image rotated about its centre by a
/// random fraction of a full turn in `factor` (`0.1`: up to ±36°; positive is
/// counter-clockwise).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomRotation};
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0]), [1, 2, 2, 1]);
/// // A quarter turn exactly: the factor range is one value.
/// let quarter = RandomRotation::new((0.25, 0.25));
/// assert_eq!(quarter.call(&x, true).to_vec::<f32>(), vec![2.0, 4.0, 1.0, 3.0]);
/// assert_eq!(quarter.call(&x, false).to_vec::<f32>(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
pub struct RandomRotation {
    base: Base,
    factor: Factor,
    fill_mode: String,
    fill_value: f64,
    interpolation: String,
    seed: Option<i64>,
}
layer_common!(RandomRotation, []);
layer_config!(RandomRotation, RandomRotation::new(0.0), {
    "factor" => factor, "fill_mode" => fill_mode, "fill_value" => fill_value, "interpolation" => interpolation, "seed" => seed,
});
geometric!(RandomRotation);
impl RandomRotation {
    /// Rotations by a fraction of a turn drawn from `factor`.
    pub fn new(factor: impl Into<Factor>) -> RandomRotation {
        RandomRotation {
            base: Base::new("random_rotation"),
            factor: factor.into(),
            fill_mode: "reflect".into(),
            fill_value: 0.0,
            interpolation: "bilinear".into(),
            seed: None,
        }
    }
}
impl Layer for RandomRotation {
    layer_methods!("RandomRotation");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        let (y, single) = as_batch(&self.base.name, x);
        let turn = 2.0 * std::f64::consts::PI;
        let angles = per_image(&y, self.factor.0 * turn, self.factor.1 * turn, self.seed);
        let d = y.shape().dims();
        unbatch(self.resample(&y, &tf::image::rotation_transforms(&angles, d[1], d[2])), single)
    }
}

/// `keras.layers.RandomZoom(height_factor, width_factor=None, fill_mode="reflect",
/// interpolation="bilinear", seed=None, fill_value=0.0)`: while training, each image zoomed
/// about its centre: a factor f in the range shows `1 + f` times the height (positive zooms
/// out, negative in); `width_factor` `None` keeps the aspect ratio.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomZoom};
/// let x = tf::reshape(&tf::range(16.0f32), [1, 4, 4, 1]);
/// let zoom_in = RandomZoom::new((-0.5, -0.5), None).interpolation("nearest");
/// let y = zoom_in.call(&x, true).to_vec::<f32>();
/// assert_eq!(&y[..4], &[5.0, 5.0, 6.0, 6.0]); // the centre 2x2, doubled
/// ```
pub struct RandomZoom {
    base: Base,
    height_factor: Factor,
    width_factor: Option<Factor>,
    fill_mode: String,
    fill_value: f64,
    interpolation: String,
    seed: Option<i64>,
}
layer_common!(RandomZoom, []);
layer_config!(RandomZoom, RandomZoom::new(0.0, None), {
    "height_factor" => height_factor, "width_factor" => width_factor, "fill_mode" => fill_mode, "fill_value" => fill_value,
    "interpolation" => interpolation, "seed" => seed,
});
geometric!(RandomZoom);
impl RandomZoom {
    /// Zooms drawn from `height_factor` (and `width_factor`, or the same zoom).
    pub fn new(height_factor: impl Into<Factor>, width_factor: Option<Factor>) -> RandomZoom {
        RandomZoom {
            base: Base::new("random_zoom"),
            height_factor: height_factor.into(),
            width_factor,
            fill_mode: "reflect".into(),
            fill_value: 0.0,
            interpolation: "bilinear".into(),
            seed: None,
        }
    }
}
impl Layer for RandomZoom {
    layer_methods!("RandomZoom");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        let (y, single) = as_batch(&self.base.name, x);
        let hz = per_image(&y, 1.0 + self.height_factor.0, 1.0 + self.height_factor.1, self.seed);
        let wz = match self.width_factor {
            Some(w) => per_image(&y, 1.0 + w.0, 1.0 + w.1, self.seed),
            None => hz.clone(),
        };
        let d = y.shape().dims();
        let (h, w) = ((d[1] as f32 - 1.0) / 2.0, (d[2] as f32 - 1.0) / 2.0);
        let zero = tf::zeros_like(&hz);
        let x_offset = &(1.0f32 - &wz) * w;
        let y_offset = &(1.0f32 - &hz) * h;
        let m = tf::stack(&[&wz, &zero, &x_offset, &zero, &hz, &y_offset, &zero, &zero], 1);
        unbatch(self.resample(&y, &m), single)
    }
}

/// `keras.layers.RandomTranslation(height_factor, width_factor, fill_mode="reflect",
/// interpolation="bilinear", seed=None, fill_value=0.0)`: while training, each image shifted
/// by a fraction of its height and width drawn from the factors (positive: down / right).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomTranslation};
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0]), [1, 1, 4, 1]);
/// let right = RandomTranslation::new(0.0, (0.25, 0.25)).fill_mode("constant");
/// assert_eq!(right.call(&x, true).to_vec::<f32>(), vec![0.0, 1.0, 2.0, 3.0]);
/// ```
pub struct RandomTranslation {
    base: Base,
    height_factor: Factor,
    width_factor: Factor,
    fill_mode: String,
    fill_value: f64,
    interpolation: String,
    seed: Option<i64>,
}
layer_common!(RandomTranslation, []);
layer_config!(RandomTranslation, RandomTranslation::new(0.0, 0.0), {
    "height_factor" => height_factor, "width_factor" => width_factor, "fill_mode" => fill_mode, "fill_value" => fill_value,
    "interpolation" => interpolation, "seed" => seed,
});
geometric!(RandomTranslation);
impl RandomTranslation {
    /// Shifts drawn from `height_factor` and `width_factor` (fractions of the image size).
    pub fn new(height_factor: impl Into<Factor>, width_factor: impl Into<Factor>) -> RandomTranslation {
        RandomTranslation {
            base: Base::new("random_translation"),
            height_factor: height_factor.into(),
            width_factor: width_factor.into(),
            fill_mode: "reflect".into(),
            fill_value: 0.0,
            interpolation: "bilinear".into(),
            seed: None,
        }
    }
}
impl Layer for RandomTranslation {
    layer_methods!("RandomTranslation");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        let (y, single) = as_batch(&self.base.name, x);
        let d = y.shape().dims();
        let dy = &per_image(&y, self.height_factor.0, self.height_factor.1, self.seed) * d[1] as f32;
        let dx = &per_image(&y, self.width_factor.0, self.width_factor.1, self.seed) * d[2] as f32;
        let (one, zero) = (tf::ones_like(&dx), tf::zeros_like(&dx));
        let m = tf::stack(&[&one, &zero, &-&dx, &zero, &one, &-&dy, &zero, &zero], 1);
        unbatch(self.resample(&y, &m), single)
    }
}

/// `keras.layers.RandomContrast(factor, seed=None)`: while training, each image's channels
/// moved away from (or toward) their mean by a factor drawn from `[1 - lower, 1 + upper]`,
/// then clipped to [0, 255], as Keras 2 does.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomContrast};
/// let x = tf::reshape(&tf::constant([10.0f32, 20.0, 30.0, 40.0]), [1, 2, 2, 1]);
/// let y = RandomContrast::new(0.5).call(&x, true).to_vec::<f32>();
/// let spread = y[3] - y[0]; // 30 times a factor in [0.5, 1.5]
/// assert!((15.0..=45.0).contains(&spread));
/// assert!((y.iter().sum::<f32>() / 4.0 - 25.0).abs() < 1e-4); // the mean is kept
/// ```
pub struct RandomContrast {
    base: Base,
    factor: Factor,
    seed: Option<i64>,
}
layer_common!(RandomContrast, []);
layer_config!(RandomContrast, RandomContrast::new(0.0), { "factor" => factor, "seed" => seed });
impl RandomContrast {
    /// Contrast factors in `[1 - lower, 1 + upper]` (one number f: `[1 - f, 1 + f]`).
    ///
    /// # Panics
    /// When the bounds are negative or the lower one exceeds 1 (Keras's ValueError).
    #[track_caller]
    pub fn new(factor: impl Into<Factor>) -> RandomContrast {
        let f = factor.into();
        // A symmetric number arrives as (-f, f): the lower bound is its magnitude.
        let f = Factor(f.0.abs(), f.1);
        if f.0 > 1.0 || f.1 < 0.0 {
            panic!("`factor` argument cannot have negative values or values greater than 1. Received: factor={f:?}");
        }
        RandomContrast {
            base: Base::new("random_contrast"),
            factor: f,
            seed: None,
        }
    }
    setters! {
        seed: Option<i64>,
    }
}
impl Layer for RandomContrast {
    layer_methods!("RandomContrast");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        let (y, single) = as_batch(&self.base.name, x);
        let f = tf::reshape(&per_image(&y, 1.0 - self.factor.0, 1.0 + self.factor.1, self.seed), [-1, 1, 1, 1]);
        let mean = tf::reduce_mean(&y, [1, 2], true);
        let out = &(&(&y - &mean) * &f) + &mean;
        unbatch(
            tf::clip_by_value(&out, &tf::scalar(0.0, DType::F32), &tf::scalar(255.0, DType::F32)),
            single,
        )
    }
}

/// `keras.layers.RandomBrightness(factor, value_range=(0, 255), seed=None)`: while training,
/// each image shifted by a random fraction in `[lower, upper]` (a number `f`: `[-f, f]`,
/// within [-1, 1]) of the value range, then clipped to the range.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, RandomBrightness};
/// let x = tf::constant([[[[10.0f32], [250.0]]]]);
/// let y = RandomBrightness::new((0.1, 0.1)).call(&x, true); // always +25.5
/// assert_eq!(y.to_vec::<f32>(), vec![35.5, 255.0]);
/// assert_eq!(RandomBrightness::new(0.2).call(&x, false).to_vec::<f32>(), vec![10.0, 250.0]);
/// ```
pub struct RandomBrightness {
    base: Base,
    factor: Factor,
    value_range: (f64, f64),
    seed: Option<i64>,
}
layer_common!(RandomBrightness, []);
layer_config!(RandomBrightness, RandomBrightness::new(0.0), { "factor" => factor, "value_range" => value_range, "seed" => seed });
impl RandomBrightness {
    /// Shifts by a fraction drawn from `factor` of the value range.
    ///
    /// # Panics
    /// When a bound of `factor` is outside [-1, 1] (Keras's ValueError).
    #[track_caller]
    pub fn new(factor: impl Into<Factor>) -> RandomBrightness {
        let factor = factor.into();
        if !(-1.0..=1.0).contains(&factor.0) || !(-1.0..=1.0).contains(&factor.1) {
            panic!("The argument `factor` must be a float or a tuple of 2 floats in [-1.0, 1.0]. Received: factor={factor:?}");
        }
        RandomBrightness {
            base: Base::new("random_brightness"),
            factor: Factor(factor.0.min(factor.1), factor.0.max(factor.1)),
            value_range: (0.0, 255.0),
            seed: None,
        }
    }
    /// `value_range=(low, high)`: the images' value range (what the shift is a fraction of,
    /// and the clip).
    pub fn value_range(mut self, low: f64, high: f64) -> Self {
        self.value_range = (low, high);
        self
    }
    setters! {
        seed: Option<i64>,
    }
}
impl Layer for RandomBrightness {
    layer_methods!("RandomBrightness");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training {
            return x.clone();
        }
        let (y, single) = as_batch(&self.base.name, x);
        let (lo, hi) = self.value_range;
        let delta = &per_image(&y, self.factor.0, self.factor.1, self.seed) * (hi - lo) as f32;
        let shifted = &y + &tf::reshape(&delta, [-1, 1, 1, 1]);
        let out = tf::clip_by_value(&shifted, &tf::scalar(lo, DType::F32), &tf::scalar(hi, DType::F32));
        unbatch(out, single)
    }
}
