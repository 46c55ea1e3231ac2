//! `keras.utils`: the helpers Keras code reaches for while preparing data — one-hot labels,
//! padded sequences, normalized rows, one seed for everything.

use tf_core::{self as tf, DType, Tensor};

pub use crate::image_dataset::{
    image_dataset_from_directory, ColorMode, DirectoryDataset, ImageDataset, ImageDatasetArgs, LabelMode, Subset,
};
pub use crate::text_dataset::{text_dataset_from_directory, TextDataset, TextDatasetArgs};
pub use crate::timeseries::{timeseries_dataset_from_array, timeseries_dataset_with_targets, TimeseriesArgs};

/// `keras.utils.to_categorical(y, num_classes=None)`: integer class labels as float32 one-hot
/// rows (a trailing dimension of 1 is dropped first, as Keras does); `num_classes` defaults to
/// the largest label plus one.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::utils::to_categorical;
/// // Keras's documented example.
/// let a = to_categorical(&tf::constant([0, 1, 2, 3]), Some(4))?;
/// assert_eq!(a.to_vec::<f32>(), tf::eye(4, None, tf::float32).to_vec::<f32>());
/// assert_eq!(to_categorical(&tf::constant([[2], [0]]), None)?.shape().dims(), &[2, 3]);
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// `InvalidArgument` for labels that are not integers, negative, or not below `num_classes`.
pub fn to_categorical(y: &Tensor, num_classes: Option<usize>) -> tf::Result<Tensor> {
    if !y.dtype().is_int() {
        return Err(tf::Error::InvalidArgument(format!(
            "to_categorical: labels must be integers, got {}",
            y.dtype()
        )));
    }
    let y = match y.shape().dims() {
        [.., 1] if y.rank() > 1 => tf::squeeze(y, &[-1]),
        _ => y.clone(),
    };
    let labels = tf::cast(&y, DType::I64).to_vec::<i64>();
    if let Some(&bad) = labels.iter().find(|&&v| v < 0) {
        return Err(tf::Error::InvalidArgument(format!(
            "to_categorical: labels must be non-negative, got {bad}"
        )));
    }
    let top = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
    let n = num_classes.unwrap_or(top);
    if top > n {
        return Err(tf::Error::InvalidArgument(format!(
            "to_categorical: label {} is not below num_classes {n}",
            top - 1
        )));
    }
    Ok(tf::one_hot(&y, n, 1.0, 0.0, -1, DType::F32))
}

/// `keras.utils.normalize(x, axis=-1, order=2)`: `x` divided by its `order`-norm along
/// `axis` (rows of norm zero are left as they are).
///
/// ```
/// use tf_core as tf;
/// let y = tf_keras::utils::normalize(&tf::constant([[3.0f32, 4.0], [0.0, 0.0]]), -1, 2);
/// assert_eq!(y.to_vec::<f32>(), vec![0.6, 0.8, 0.0, 0.0]);
/// ```
#[track_caller]
pub fn normalize(x: &Tensor, axis: i64, order: i32) -> Tensor {
    // A zero row has norm 0 and stays zero.
    tf::divide_no_nan(x, &tf::norm(x, order, axis, true))
}

/// Where [`pad_sequences`] pads or cuts: before the values or after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `"pre"` (Keras's default for both).
    Pre,
    /// `"post"`.
    Post,
}

/// `keras.utils.pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre",
/// value=0)`: token sequences of different lengths as one int32 `[n, maxlen]` tensor (the
/// longest length when `maxlen` is `None`), padded and cut on the sides asked for.
///
/// ```
/// use tf_keras::utils::{pad_sequences, Side};
/// // Keras's documented examples.
/// let seqs = vec![vec![1], vec![2, 3], vec![4, 5, 6]];
/// let p = pad_sequences(&seqs, None, Side::Pre, Side::Pre, 0);
/// assert_eq!(p.to_vec::<i32>(), vec![0, 0, 1, 0, 2, 3, 4, 5, 6]);
/// let p = pad_sequences(&seqs, None, Side::Pre, Side::Pre, -1);
/// assert_eq!(p.to_vec::<i32>(), vec![-1, -1, 1, -1, 2, 3, 4, 5, 6]);
/// let p = pad_sequences(&seqs, None, Side::Post, Side::Pre, 0);
/// assert_eq!(p.to_vec::<i32>(), vec![1, 0, 0, 2, 3, 0, 4, 5, 6]);
/// let p = pad_sequences(&seqs, Some(2), Side::Pre, Side::Pre, 0);
/// assert_eq!(p.to_vec::<i32>(), vec![0, 1, 2, 3, 5, 6]);
/// ```
pub fn pad_sequences(sequences: &[Vec<i32>], maxlen: Option<usize>, padding: Side, truncating: Side, value: i32) -> Tensor {
    let len = maxlen.unwrap_or_else(|| sequences.iter().map(Vec::len).max().unwrap_or(0));
    let mut out = Vec::with_capacity(sequences.len() * len);
    for s in sequences {
        let kept = if s.len() <= len {
            &s[..]
        } else if truncating == Side::Pre {
            &s[s.len() - len..]
        } else {
            &s[..len]
        };
        let fill = std::iter::repeat_n(value, len - kept.len());
        match padding {
            Side::Pre => out.extend(fill.chain(kept.iter().copied())),
            Side::Post => out.extend(kept.iter().copied().chain(fill)),
        }
    }
    Tensor::from_vec(out, [sequences.len(), len]).expect("n x maxlen values")
}

/// `keras.utils.set_random_seed(seed)`: one seed for every random op and initializer (the
/// global seed of `tf::random::set_seed`), so a run is repeatable.
///
/// ```
/// use tf_core as tf;
/// tf_keras::utils::set_random_seed(7);
/// let a = tf::random::uniform(&[3], 0.0, 1.0, tf::float32, None).to_vec::<f32>();
/// tf_keras::utils::set_random_seed(7);
/// let b = tf::random::uniform(&[3], 0.0, 1.0, tf::float32, None).to_vec::<f32>();
/// assert_eq!(a, b);
/// ```
pub fn set_random_seed(seed: i64) {
    tf::random::set_seed(seed);
}

/// `keras.utils.smart_resize(x, size, interpolation="bilinear")`: an image (or a batch) resized
/// to `size = [height, width]` without distortion: the largest centred box of the target's
/// aspect ratio is cropped first, then resized. The result is float32.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::utils::smart_resize;
/// // A 2x4 image to 2x2: the centred 2x2 box, unchanged by the resize.
/// let x = tf::reshape(&tf::range(8.0f32), [2, 4, 1]);
/// let y = smart_resize(&x, [2, 2], tf::image::ResizeMethod::Bilinear);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 2.0, 5.0, 6.0]);
/// ```
///
/// # Panics
/// When `x` is not `[height, width, channels]` or `[batch, height, width, channels]` with the
/// height and width known.
#[track_caller]
pub fn smart_resize(x: &Tensor, size: [usize; 2], interpolation: tf::image::ResizeMethod) -> Tensor {
    let d = x.shape().dims();
    if !(3..=4).contains(&d.len()) || d[d.len() - 3] == tf::Shape::UNKNOWN || d[d.len() - 2] == tf::Shape::UNKNOWN {
        panic!(
            "smart_resize: expected an image (height, width, channels) or a batch (batch, height, width, channels) of known height and width, got {}",
            x.shape()
        );
    }
    let (h, w) = (d[d.len() - 3], d[d.len() - 2]);
    let [th, tw] = size;
    // Keras's arithmetic: float32 quotients truncated to int32.
    let crop_h = ((w * th) as f32 / tw as f32) as usize;
    let crop_w = ((h * tw) as f32 / th as f32) as usize;
    let (crop_h, crop_w) = (crop_h.min(h), crop_w.min(w));
    let (top, left) = (((h - crop_h) as f32 / 2.0) as usize, ((w - crop_w) as f32 / 2.0) as usize);
    let cropped = crop_window(x, top, left, [crop_h, crop_w]);
    tf::cast(&tf::image::resize(&cropped, size, interpolation), tf::DType::F32)
}

/// The `[height, width]` window of `x` (an image or a batch) starting at `(top, left)`.
pub(crate) fn crop_window(x: &Tensor, top: usize, left: usize, [h, w]: [usize; 2]) -> Tensor {
    let r = x.rank();
    let (mut begin, mut size) = (vec![0i64; r], vec![-1i64; r]);
    (begin[r - 3], begin[r - 2], size[r - 3], size[r - 2]) = (top as i64, left as i64, h as i64, w as i64);
    tf::slice(x, &begin, &size)
}

/// Fisher–Yates with a splitmix64 stream from `seed`. Not `tf::random::shuffle`: the
/// training and validation calls must get the same order from the same seed, and seeded
/// random ops, as TensorFlow's, draw a new sequence on each call.
pub(crate) fn seeded_shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// Keras's dataset utilities' last steps: with `shuffle`, a local shuffle of `8 batch_size`
/// elements (1024 unbatched) from `seed`, then batches of `batch_size` when given.
pub(crate) fn shuffle_and_batch<T: tf::data::Structure>(
    dataset: tf::data::Dataset<T>,
    batch_size: Option<usize>,
    shuffle: bool,
    seed: u64,
) -> tf::data::Dataset<T> {
    let seed = Some(seed as i64);
    match batch_size {
        Some(b) if shuffle => dataset.shuffle(8 * b, seed, true).batch(b, false),
        Some(b) => dataset.batch(b, false),
        None if shuffle => dataset.shuffle(1024, seed, true),
        None => dataset,
    }
}
