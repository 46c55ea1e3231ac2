//! `keras.utils.timeseries_dataset_from_array`: sliding windows over a time series as a
//! `tf.data` dataset (the TensorFlow time-series tutorial's input pipeline).

use tf_core::data::Dataset;
use tf_core::{self as tf, Error, Result, Tensor};

/// The settings of [`timeseries_dataset_from_array`] after `sequence_length`, with Keras's
/// defaults (`TimeseriesArgs::new(sequence_length)`).
#[derive(Clone, Debug)]
pub struct TimeseriesArgs {
    /// The steps in a window.
    pub sequence_length: usize,
    /// The steps between the starts of consecutive windows (1).
    pub sequence_stride: usize,
    /// The steps between consecutive entries of a window (1).
    pub sampling_rate: usize,
    /// Windows a batch (128); `None` yields single windows.
    pub batch_size: Option<usize>,
    /// Shuffle the windows (false).
    pub shuffle: bool,
    /// The shuffle's seed (a random one when `None`).
    pub seed: Option<u64>,
    /// The first step used (0).
    pub start_index: Option<usize>,
    /// The step after the last one used (the data's length).
    pub end_index: Option<usize>,
}

impl TimeseriesArgs {
    /// Windows of `sequence_length` steps, with Keras's other defaults.
    pub fn new(sequence_length: usize) -> TimeseriesArgs {
        TimeseriesArgs {
            sequence_length,
            sequence_stride: 1,
            sampling_rate: 1,
            batch_size: Some(128),
            shuffle: false,
            seed: None,
            start_index: None,
            end_index: None,
        }
    }
}

/// `keras.utils.timeseries_dataset_from_array(data, None, sequence_length, ...)`: the windows
/// of `data` (`[steps, ...]`): window `k` holds steps `start + p_k + i sampling_rate` for `i`
/// below `sequence_length`, with `p_k = k sequence_stride` (shuffled when `shuffle`), batched
/// as `[batch, sequence_length, ...]`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::utils::{timeseries_dataset_from_array, TimeseriesArgs};
/// // Keras's documented example: steps 0..100, windows of 10 starting every step, sampled
/// // every 2nd step.
/// let data = tf::range(100i64);
/// let args = TimeseriesArgs { sampling_rate: 2, ..TimeseriesArgs::new(10) };
/// let batch = timeseries_dataset_from_array(&data, args)?.iter().next().unwrap()?;
/// assert_eq!(batch.shape().dims(), &[82, 10]); // 100 - 9 * 2 windows, in one batch of 128 at most
/// assert_eq!(tf::gather(&batch, &tf::constant(0i32), 0).to_vec::<i64>(), vec![0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// `InvalidArgument` for settings Keras refuses: a zero `sequence_length`, `sequence_stride`
/// or `sampling_rate`, a stride or rate not below the data's length, or start/end indices out
/// of order or range.
pub fn timeseries_dataset_from_array(data: &Tensor, args: TimeseriesArgs) -> Result<Dataset<Tensor>> {
    let (windows, _, seed) = window_starts(data, None, &args)?;
    let source = start_slice(data, &args);
    let ds = Dataset::from_tensor_slices(windows)?.map(move |w| tf::gather(&source, &w, 0));
    Ok(crate::utils::shuffle_and_batch(ds, args.batch_size, args.shuffle, seed))
}

/// `keras.utils.timeseries_dataset_from_array(data, targets, ...)`: as
/// [`timeseries_dataset_from_array`], each window paired with the target of its first step
/// (`targets[start + p_k]`).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::utils::{timeseries_dataset_with_targets, TimeseriesArgs};
/// // Keras's example: predict step i + 10 from the 10 steps before it.
/// let data = tf::range(100i64);
/// let targets = tf::slice(&data, &[10], &[-1]);
/// let ds = timeseries_dataset_with_targets(&tf::slice(&data, &[0], &[90]), &targets, TimeseriesArgs::new(10))?;
/// let (x, y) = ds.iter().next().unwrap()?;
/// assert_eq!(tf::gather(&x, &tf::constant(0i32), 0).to_vec::<i64>(), (0..10).collect::<Vec<_>>());
/// assert_eq!(y.to_vec::<i64>()[0], 10);
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// As [`timeseries_dataset_from_array`].
pub fn timeseries_dataset_with_targets(data: &Tensor, targets: &Tensor, args: TimeseriesArgs) -> Result<Dataset<(Tensor, Tensor)>> {
    let (windows, firsts, seed) = window_starts(data, Some(targets), &args)?;
    let (source, target_source) = (start_slice(data, &args), start_slice(targets, &args));
    let ds = Dataset::from_tensor_slices((windows, firsts))?
        .map(move |(w, first)| (tf::gather(&source, &w, 0), tf::gather(&target_source, &first, 0)));
    Ok(crate::utils::shuffle_and_batch(ds, args.batch_size, args.shuffle, seed))
}

/// `data[start_index..end_index]` (what the window positions index).
fn start_slice(data: &Tensor, args: &TimeseriesArgs) -> Tensor {
    let n = data.shape().dims().first().copied().unwrap_or(0);
    let (start, end) = (args.start_index.unwrap_or(0), args.end_index.unwrap_or(n).min(n));
    let mut begin = vec![0i64; data.rank()];
    let mut size = vec![-1i64; data.rank()];
    begin[0] = start as i64;
    size[0] = end.saturating_sub(start) as i64;
    tf::slice(data, &begin, &size)
}

/// Checks the settings as Keras does; returns each window's step indices `[windows,
/// sequence_length]` (relative to `start_index`), each window's first step `[windows]`, and
/// the shuffle's seed.
fn window_starts(data: &Tensor, targets: Option<&Tensor>, a: &TimeseriesArgs) -> Result<(Tensor, Tensor, u64)> {
    let bad = |m: String| Err(Error::InvalidArgument(m));
    if data.rank() == 0 {
        return bad(format!("`data` must have a time dimension, got a scalar of shape {}", data.shape()));
    }
    let n = data.shape().dims()[0];
    if a.sequence_length == 0 {
        return bad("`sequence_length` must be higher than 0. Received: sequence_length=0".into());
    }
    if let Some(t) = targets {
        if t.rank() == 0 {
            return bad(format!("`targets` must have a time dimension, got a scalar of shape {}", t.shape()));
        }
    }
    if let Some(s) = a.start_index {
        if s >= n {
            return bad(format!(
                "`start_index` must be lower than the length of the data. Received: start_index={s}, for data of length {n}"
            ));
        }
    }
    if let Some(e) = a.end_index {
        if a.start_index.is_some_and(|s| e <= s) {
            return bad(format!(
                "`end_index` must be higher than `start_index`. Received: start_index={}, and end_index={e} ",
                a.start_index.unwrap_or(0)
            ));
        }
        if e >= n {
            return bad(format!(
                "`end_index` must be lower than the length of the data. Received: end_index={e}, for data of length {n}"
            ));
        }
        if e == 0 {
            return bad("`end_index` must be higher than 0. Received: end_index=0".into());
        }
    }
    for (what, v) in [("sampling_rate", a.sampling_rate), ("sequence_stride", a.sequence_stride)] {
        if v == 0 {
            return bad(format!("`{what}` must be higher than 0. Received: {what}={v}"));
        }
        if v >= n {
            return bad(format!(
                "`{what}` must be lower than the length of the data. Received: {what}={v}, for data of length {n}"
            ));
        }
    }
    let (start, end) = (a.start_index.unwrap_or(0), a.end_index.unwrap_or(n));
    let span = (a.sequence_length - 1) * a.sampling_rate;
    let mut windows = (end - start).saturating_sub(span);
    if let Some(t) = targets {
        windows = windows.min(t.shape().dims()[0]);
    }
    let mut firsts: Vec<i64> = (0..windows as i64).step_by(a.sequence_stride).collect();
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    if a.shuffle {
        crate::utils::seeded_shuffle(&mut firsts, seed);
    }
    let steps: Vec<i64> = firsts
        .iter()
        .flat_map(|&p| (0..a.sequence_length as i64).map(move |i| p + i * a.sampling_rate as i64))
        .collect();
    let count = firsts.len();
    Ok((
        Tensor::from_vec(steps, [count, a.sequence_length])?,
        Tensor::from_vec(firsts, [count])?,
        seed,
    ))
}
