//! Keras's `Discretization` preprocessing layer: values to buckets, with boundaries given or
//! adapted to quantiles of the data by Keras's approximate-quantile summaries.

use super::categorical::{encode, restore, OutputMode};
use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::{Config, ConfigValue};
use std::sync::RwLock;
use tf_core::data::Dataset;
use tf_core::{self as tf, DType, Error, Result, Tensor};

/// `keras.layers.Discretization(bin_boundaries=None, num_bins=None, epsilon=0.01,
/// output_mode="int")`: each value's bucket — the number of boundaries at or below it —
/// given the boundaries, or `adapt`ed to `num_bins` quantiles of the data (Keras's
/// approximate quantiles, the same boundaries as TensorFlow's).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Discretization, Layer};
/// let layer = Discretization::new().bin_boundaries([0.0, 1.0, 2.0]);
/// let y = layer.call(&tf::constant([[-1.5f32, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]), false);
/// assert_eq!(y.to_vec::<i64>(), vec![0, 2, 3, 1, 1, 3, 2, 1]);
/// let adapted = Discretization::new().num_bins(4).epsilon(0.01);
/// adapted.adapt(&tf::constant([[-1.5f32, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))?;
/// assert_eq!(adapted.bin_boundaries_now(), vec![0.0, 0.5, 1.3f32 as f64]); // TensorFlow's
/// # Ok::<(), tf::Error>(())
/// ```
pub struct Discretization {
    base: Base,
    /// The boundaries given to the constructor (adapt refuses to replace them).
    given: Option<Vec<f64>>,
    num_bins: Option<usize>,
    epsilon: f64,
    output_mode: OutputMode,
    /// The boundaries in use: given, or adapted.
    boundaries: RwLock<Option<Vec<f64>>>,
}
layer_common!(Discretization, []);

impl Default for Discretization {
    fn default() -> Self {
        Discretization::new()
    }
}

impl Discretization {
    /// A layer without boundaries yet: give them, or `num_bins` and `adapt`.
    pub fn new() -> Discretization {
        Discretization {
            base: Base::new("discretization"),
            given: None,
            num_bins: None,
            epsilon: 0.01,
            output_mode: OutputMode::Int,
            boundaries: RwLock::new(None),
        }
    }
    /// `bin_boundaries=`: ascending edges; `n` edges make `n + 1` buckets.
    pub fn bin_boundaries(mut self, b: impl Into<Vec<f64>>) -> Self {
        let b = b.into();
        *self.boundaries.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(b.clone());
        self.given = Some(b);
        self
    }
    /// `num_bins=`: how many buckets `adapt` makes.
    pub fn num_bins(mut self, n: usize) -> Self {
        self.num_bins = Some(n);
        self
    }
    /// `epsilon=` (0.01): the error tolerance of `adapt`'s quantiles.
    pub fn epsilon(mut self, e: f64) -> Self {
        self.epsilon = e;
        self
    }
    /// `output_mode=`: `"int"` (the default), `"one_hot"`, `"multi_hot"` or `"count"`.
    #[track_caller]
    pub fn output_mode(mut self, mode: impl Into<OutputMode>) -> Self {
        let mode = mode.into();
        mode.check_not_tf_idf("Discretization");
        self.output_mode = mode;
        self
    }
    /// The boundaries in use (`layer.bin_boundaries`), empty before any.
    pub fn bin_boundaries_now(&self) -> Vec<f64> {
        self.boundaries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_default()
    }

    /// `layer.adapt(data)`: `num_bins` quantile boundaries of `data`, summarized 32 rows at a
    /// time and merged as Keras does.
    ///
    /// # Errors
    /// `InvalidArgument` when the layer was given `bin_boundaries` or has no `num_bins`, or
    /// for empty data.
    pub fn adapt(&self, data: &Tensor) -> Result<()> {
        let rows = data.shape().dims().first().copied().unwrap_or(1);
        let batches = (0..rows.max(1)).step_by(32).map(|a| {
            if data.rank() == 0 {
                return Ok(data.clone());
            }
            let mut begin = vec![0i64; data.rank()];
            let mut size = vec![-1i64; data.rank()];
            begin[0] = a as i64;
            size[0] = (rows - a).min(32) as i64;
            Ok(tf::slice(data, &begin, &size))
        });
        self.adapt_batches(batches)
    }

    /// `layer.adapt(dataset)`: as [`adapt`](Self::adapt), one summary a batch.
    ///
    /// # Errors
    /// As [`adapt`](Self::adapt), or a failing element.
    pub fn adapt_dataset(&self, data: &Dataset<Tensor>) -> Result<()> {
        self.adapt_batches(data.iter())
    }

    fn adapt_batches(&self, batches: impl Iterator<Item = Result<Tensor>>) -> Result<()> {
        if let Some(b) = &self.given {
            return Err(Error::InvalidArgument(format!(
                "Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use `num_bins` instead. You passed `bin_boundaries={b:?}`."
            )));
        }
        let bins = self
            .num_bins
            .ok_or_else(|| Error::InvalidArgument("Discretization: adapt() needs `num_bins`".into()))?;
        let mut summary = Summary::default();
        let mut any = false;
        for batch in batches {
            let values = tf::cast(&batch?, DType::F32).to_vec::<f32>();
            any |= !values.is_empty();
            let next = Summary::of(values, self.epsilon);
            summary = next.merge(summary).compress(self.epsilon);
        }
        if !any {
            return Err(Error::InvalidArgument("Discretization: adapt() on empty data".into()));
        }
        let mut bins = summary.compress(1.0 / bins as f64).values;
        bins.pop();
        *self.boundaries.write().unwrap_or_else(|p| p.into_inner()) = Some(bins.into_iter().map(f64::from).collect());
        Ok(())
    }
}

/// Keras's quantile summary: values (ascending) and their weights, in float32.
#[derive(Default)]
struct Summary {
    values: Vec<f32>,
    weights: Vec<f32>,
}

impl Summary {
    /// Keras's `summarize`: every `step`-th of the sorted values from `step` on, each
    /// weighing `step`, with `step` the count over `1 / epsilon` (all values when smaller).
    fn of(mut values: Vec<f32>, epsilon: f64) -> Summary {
        values.sort_by(f32::total_cmp);
        let elements = values.len() as f32;
        let increment = (elements / (1.0 / epsilon) as f32) as i32 as usize;
        let step = increment.max(1);
        let picked: Vec<f32> = values.iter().skip(increment).step_by(step).copied().collect();
        let weights = vec![step as f32; picked.len()];
        Summary { values: picked, weights }
    }

    /// Keras's `merge_summaries`: both, sorted by value (before compressing).
    fn merge(self, prev: Summary) -> Summary {
        let mut pairs: Vec<(f32, f32)> = self
            .values
            .into_iter()
            .zip(self.weights)
            .chain(prev.values.into_iter().zip(prev.weights))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (values, weights) = pairs.into_iter().unzip();
        Summary { values, weights }
    }

    /// Keras's `compress`: at most `1 / epsilon` points, interpolated at the cumulative
    /// weight fractions `epsilon, 2 epsilon, ...` (NumPy's float64 interpolation over the
    /// float32 summary).
    fn compress(self, epsilon: f64) -> Summary {
        if (self.values.len() as f64) * epsilon < 1.0 {
            return self;
        }
        let mut cum = Vec::with_capacity(self.weights.len());
        let mut acc = 0f32;
        for &w in &self.weights {
            acc += w;
            cum.push(acc);
        }
        let total = *cum.last().unwrap_or(&1.0);
        let fractions: Vec<f64> = cum.iter().map(|&c| f64::from(c / total)).collect();
        let count = (1.0 / epsilon).ceil() as usize;
        let percents = (0..count).map(|i| epsilon + i as f64 * epsilon);
        let values: Vec<f64> = self.values.iter().map(|&v| f64::from(v)).collect();
        let cums: Vec<f64> = cum.iter().map(|&c| f64::from(c)).collect();
        let (mut new_values, mut new_weights, mut prev) = (Vec::new(), Vec::new(), 0f64);
        for p in percents {
            new_values.push(interp(p, &fractions, &values) as f32);
            let c = interp(p, &fractions, &cums);
            new_weights.push((c - prev) as f32);
            prev = c;
        }
        Summary {
            values: new_values,
            weights: new_weights,
        }
    }
}

/// `np.interp(x, xp, fp)`: linear interpolation in the ascending `xp`, clamped at the ends.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x <= xp[0] {
        return fp[0];
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    let j = xp.partition_point(|&v| v <= x) - 1;
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let y = slope * (x - xp[j]) + fp[j];
    if y.is_nan() {
        let y = slope * (x - xp[j + 1]) + fp[j + 1];
        if y.is_nan() && fp[j] == fp[j + 1] {
            return fp[j];
        }
        return y;
    }
    y
}

impl Layer for Discretization {
    layer_methods!("Discretization");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let Some(bounds) = self.boundaries.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            panic!(
                "Layer \"{}\": Discretization needs `bin_boundaries`, or `num_bins` and adapt(), before it is called",
                self.base.name
            );
        };
        // TensorFlow's Bucketize keeps the edges as float32 and compares in the input's
        // precision (float64 inputs against the float32 edges widened).
        let (x, dtype) = match x.dtype() {
            DType::F64 => (x.clone(), DType::F64),
            _ => (tf::cast(x, DType::F32), DType::F32),
        };
        let b = bounds.len();
        let edges = tf::cast(
            &Tensor::from_vec(bounds.iter().map(|&v| v as f32).collect::<Vec<_>>(), [1, b]).expect("b edges"),
            dtype,
        );
        let idx = if b == 0 {
            tf::zeros_like(&tf::cast(&x, DType::I64))
        } else {
            let flat = tf::reshape(&x, [1, -1]);
            tf::reshape(&tf::cast(&tf::searchsorted(&edges, &flat, "right"), DType::I64), restore(&x))
        };
        match self.output_mode {
            OutputMode::Int => idx,
            mode => encode(&idx, mode, b + 1, false, &self.base.name),
        }
    }
}

impl Discretization {
    pub(crate) fn config(&self) -> Config {
        let mut c = self.base.config();
        c.insert(
            "bin_boundaries".into(),
            self.given.clone().map_or(serde_json::Value::Null, |b| b.into()),
        );
        c.insert("num_bins".into(), self.num_bins.to_config());
        c.insert("epsilon".into(), self.epsilon.into());
        c.insert("output_mode".into(), self.output_mode.to_config());
        c.insert("sparse".into(), false.into());
        c
    }
    pub(crate) fn from_config(c: &Config) -> Result<Discretization> {
        use crate::saving::config::read;
        let mut l = Discretization::new();
        l.base.read_config(c)?;
        let mut given: Option<Vec<f64>> = None;
        read(c, "bin_boundaries", "Discretization", &mut given)?;
        if let Some(b) = given {
            l = l.bin_boundaries(b);
        }
        read(c, "num_bins", "Discretization", &mut l.num_bins)?;
        read(c, "epsilon", "Discretization", &mut l.epsilon)?;
        read(c, "output_mode", "Discretization", &mut l.output_mode)?;
        Ok(l)
    }
}
