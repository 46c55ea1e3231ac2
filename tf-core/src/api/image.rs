//! `tf.image`: resizing, flips and projective transforms of `[batch, height, width,
//! channels]` images.

use super::{run, scalar};
use crate::ops::{image as im, Attrs};
use crate::{DType, Tensor};

/// `tf.image.resize`'s `method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResizeMethod {
    /// `"bilinear"` (TensorFlow's default): half-pixel centres, output float32.
    Bilinear,
    /// `"nearest"`: half-pixel centres, the input's dtype kept.
    Nearest,
}

/// `tf.image.resize(images, size, method)` without antialiasing (TensorFlow 2's default):
/// `[batch, height, width, channels]` (or one `[height, width, channels]` image) to
/// `size = [new_height, new_width]`. Bilinear resizing is a product with two interpolation
/// matrices, so it is differentiable; nearest picks rows and columns.
///
/// ```
/// use tf_core as tf;
/// use tf::image::{resize, ResizeMethod};
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0]), [1, 2, 2, 1]);
/// let y = resize(&x, [4, 4], ResizeMethod::Bilinear);
/// assert_eq!(&y.to_vec::<f32>()[..4], &[1.0, 1.25, 1.75, 2.0]);
/// let n = resize(&x, [3, 3], ResizeMethod::Nearest);
/// assert_eq!(n.to_vec::<f32>(), vec![1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 3.0, 4.0, 4.0]);
/// ```
///
/// # Panics
/// When the images are not rank 3 or 4, or their height or width is unknown or zero.
#[track_caller]
pub fn resize(images: &Tensor, size: [usize; 2], method: ResizeMethod) -> Tensor {
    let single = images.rank() == 3;
    let x = if single {
        super::array::expand_dims(images, 0)
    } else {
        images.clone()
    };
    if x.rank() != 4 {
        panic!(
            "resize: images must be [batch, height, width, channels] or [height, width, channels], got {}",
            images.shape()
        );
    }
    let (h, w) = (x.shape().dims()[1], x.shape().dims()[2]);
    if h == crate::Shape::UNKNOWN || w == crate::Shape::UNKNOWN || h == 0 || w == 0 {
        panic!(
            "resize: the images' height and width must be known and non-zero, got {}",
            images.shape()
        );
    }
    let y = match method {
        ResizeMethod::Nearest => {
            let pick = |inn: usize, out: usize| -> Tensor {
                let scale = inn as f32 / out as f32;
                let idx: Vec<i64> = (0..out)
                    .map(|i| (((i as f32 + 0.5) * scale).floor() as i64).clamp(0, inn as i64 - 1))
                    .collect();
                super::create::constant(idx)
            };
            super::array::gather(&super::array::gather(&x, &pick(h, size[0]), 1), &pick(w, size[1]), 2)
        }
        ResizeMethod::Bilinear => {
            let x = super::math::cast(&x, DType::F32);
            let (wh, ww) = (bilinear_weights(h, size[0]), bilinear_weights(w, size[1]));
            super::linalg::einsum("oh,nhwc,pw->nopc", &[&wh, &x, &ww])
        }
    };
    if single {
        super::array::squeeze(&y, &[0])
    } else {
        y
    }
}

/// The `[out, inn]` matrix of TensorFlow's half-pixel bilinear weights: output i reads
/// inputs `lower` and `upper` around `(i + 0.5) * inn / out - 0.5`.
fn bilinear_weights(inn: usize, out: usize) -> Tensor {
    let scale = inn as f32 / out as f32;
    let mut m = vec![0f32; out * inn];
    for i in 0..out {
        let at = (i as f32 + 0.5) * scale - 0.5;
        let floor = at.floor();
        let lower = (floor as i64).max(0) as usize;
        let upper = (at.ceil() as i64).min(inn as i64 - 1) as usize;
        let lerp = at - floor;
        m[i * inn + lower] += 1.0 - lerp;
        m[i * inn + upper] += lerp;
    }
    Tensor::from_vec(m, [out, inn]).expect("weights")
}

/// `tf.image.flip_left_right`: each image mirrored (the width axis reversed).
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1, 2, 3, 4]), [1, 2, 2, 1]);
/// assert_eq!(tf::image::flip_left_right(&x).to_vec::<i32>(), vec![2, 1, 4, 3]);
/// ```
#[track_caller]
pub fn flip_left_right(images: &Tensor) -> Tensor {
    super::array::reverse(images, &[-2])
}

/// `tf.image.flip_up_down`: each image upside down (the height axis reversed).
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1, 2, 3, 4]), [1, 2, 2, 1]);
/// assert_eq!(tf::image::flip_up_down(&x).to_vec::<i32>(), vec![3, 4, 1, 2]);
/// ```
#[track_caller]
pub fn flip_up_down(images: &Tensor) -> Tensor {
    super::array::reverse(images, &[-3])
}

/// `tf.raw_ops.ImageProjectiveTransformV3` (Keras's `transform`): `images` `[batch, height,
/// width, channels]` float32 resampled through `transforms` (`[batch or 1, 8]`: output pixel
/// (x, y) reads `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`),
/// with `interpolation` `"bilinear"` or `"nearest"` and `fill_mode` `"reflect"`, `"wrap"`,
/// `"constant"` (reading `fill_value`) or `"nearest"` for points outside the image.
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0, 3.0, 4.0]), [1, 1, 4, 1]);
/// // Shift right by one pixel: output x reads input x - 1.
/// let shift = tf::constant([[1.0f32, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0]]);
/// let y = tf::image::transform(&x, &shift, "nearest", "constant", 0.0, None);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 1.0, 2.0, 3.0]);
/// let y = tf::image::transform(&x, &shift, "nearest", "reflect", 0.0, None);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 1.0, 2.0, 3.0]);
/// ```
///
/// # Panics
/// On a shape, mode or interpolation TensorFlow rejects, naming it.
#[track_caller]
pub fn transform(
    images: &Tensor,
    transforms: &Tensor,
    interpolation: &str,
    fill_mode: &str,
    fill_value: f64,
    output_shape: Option<[usize; 2]>,
) -> Tensor {
    let upper = |s: &str| -> &'static str {
        match s.to_ascii_lowercase().as_str() {
            "bilinear" => "BILINEAR",
            "nearest" => "NEAREST",
            "reflect" => "REFLECT",
            "wrap" => "WRAP",
            "constant" => "CONSTANT",
            other => panic!("ImageProjectiveTransformV3: unknown mode {other:?}"),
        }
    };
    let [h, w] = output_shape.unwrap_or_else(|| {
        let d = images.shape().dims();
        if d.len() != 4 {
            panic!(
                "ImageProjectiveTransformV3: images must be [batch, height, width, channels], got {}",
                images.shape()
            );
        }
        [d[1], d[2]]
    });
    run(
        &im::IMAGE_PROJECTIVE_TRANSFORM,
        &[images, transforms],
        Attrs::new()
            .ints("output_shape", [h as i64, w as i64])
            .str("interpolation", upper(interpolation))
            .str("fill_mode", upper(fill_mode))
            .float("fill_value", fill_value),
    )
}

/// Keras's `get_rotation_matrix`: for each angle (radians, counter-clockwise), the
/// transform rotating a `height x width` image about its centre.
pub fn rotation_transforms(angles: &Tensor, height: usize, width: usize) -> Tensor {
    let (h, w) = ((height as f64 - 1.0), (width as f64 - 1.0));
    let (c, s) = (super::math::cos(angles), super::math::sin(angles));
    let x_offset = &(&scalar(w, DType::F32) - &(&(&c * w as f32) - &(&s * h as f32))) / 2.0f32;
    let y_offset = &(&scalar(h, DType::F32) - &(&(&s * w as f32) + &(&c * h as f32))) / 2.0f32;
    let zero = super::create::zeros_like(angles);
    let cols = [&c, &-&s, &x_offset, &s, &c, &y_offset, &zero, &zero];
    super::array::stack(&cols, 1)
}
