//! `keras.metrics`: stateful metrics (`update_state`, `result`, `reset_state`). Their state is
//! kept in f64 on the host; `fit` updates them once per batch.

use crate::losses::{self, Loss};
use tf_core::{self as tf, DType, Tensor};

mod confusion;
mod scores;
pub use confusion::{
    Curve, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, Summation, TrueNegatives, TruePositives, AUC,
};
pub use scores::{Average, BinaryIoU, CosineSimilarity, F1Score, FBetaScore, IoU, MeanIoU, R2Aggregation, R2Score, Sum};

/// A Keras metric.
pub trait Metric: Send + Sync {
    /// The name shown in logs (`"accuracy"`).
    fn name(&self) -> String;
    /// Accumulates a batch.
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>);
    /// The value so far.
    fn result(&self) -> f64;
    /// Clears the state.
    fn reset_state(&mut self);
}

fn host(x: &Tensor) -> Vec<f64> {
    if x.dtype() == DType::F64 {
        x.to_vec::<f64>()
    } else {
        tf::cast(x, DType::F64).to_vec::<f64>()
    }
}

/// `a / b`, or 0 where `b` is 0 (`tf.math.divide_no_nan` on host values).
fn div_no_nan(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// Per-sample weights broadcast to `n` values (Keras broadcasts `[batch]` weights over the
/// trailing dimensions of the values).
fn weights(sample_weight: Option<&Tensor>, n: usize) -> Option<Vec<f64>> {
    let w = host(sample_weight?);
    if w.len() == n || w.is_empty() {
        return Some(w);
    }
    let per = n / w.len().max(1);
    Some(w.iter().flat_map(|&v| std::iter::repeat_n(v, per)).collect())
}

/// `keras.metrics.Mean(name="mean")`: the (weighted) mean of every value given.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::Mean;
/// let mut m = Mean::new("mean");
/// m.update(&tf::constant([1.0f32, 3.0, 5.0, 7.0]), None);
/// assert_eq!(tf_keras::metrics::Metric::result(&m), 4.0);
/// let mut m = Mean::new("mean");
/// m.update(&tf::constant([1.0f32, 3.0, 5.0, 7.0]), Some(&tf::constant([1.0f32, 1.0, 0.0, 0.0])));
/// assert_eq!(tf_keras::metrics::Metric::result(&m), 2.0);
/// ```
#[derive(Clone, Debug)]
pub struct Mean {
    name: String,
    total: f64,
    count: f64,
}
impl Mean {
    /// A mean named `name`.
    pub fn new(name: impl Into<String>) -> Mean {
        Mean {
            name: name.into(),
            total: 0.0,
            count: 0.0,
        }
    }
    /// Adds `values` (weighted by `sample_weight`).
    pub fn update(&mut self, values: &Tensor, sample_weight: Option<&Tensor>) {
        let v = host(values);
        self.add(&v, weights(sample_weight, v.len()).as_deref());
    }
    /// Adds host values.
    pub fn add(&mut self, v: &[f64], w: Option<&[f64]>) {
        match w {
            Some(w) => {
                self.total += v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>();
                self.count += w.iter().sum::<f64>();
            }
            None => {
                self.total += v.iter().sum::<f64>();
                self.count += v.len() as f64;
            }
        }
    }
}
impl Metric for Mean {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn update_state(&mut self, _y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        self.update(y_pred, sample_weight);
    }
    fn result(&self) -> f64 {
        if self.count == 0.0 {
            0.0
        } else {
            self.total / self.count
        }
    }
    fn reset_state(&mut self) {
        self.total = 0.0;
        self.count = 0.0;
    }
}

/// `keras.metrics.RootMeanSquaredError(name="root_mean_squared_error")`: the square root of
/// the (weighted) mean of `(y_pred - y_true)²` over every value seen.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{Metric, RootMeanSquaredError};
/// // Keras's documented example.
/// let mut m = RootMeanSquaredError::new();
/// m.update_state(&tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), &tf::constant([[1.0f32, 1.0], [0.0, 0.0]]), None);
/// assert_eq!(m.result(), 0.5);
/// m.reset_state();
/// let w = tf::constant([1.0f32, 0.0]);
/// m.update_state(&tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), &tf::constant([[1.0f32, 1.0], [0.0, 0.0]]), Some(&w));
/// assert!((m.result() - 0.70710677).abs() < 1e-7);
/// ```
#[derive(Clone, Debug)]
pub struct RootMeanSquaredError(Mean);

impl RootMeanSquaredError {
    /// The metric, named as Keras names it.
    pub fn new() -> RootMeanSquaredError {
        RootMeanSquaredError(Mean::new("root_mean_squared_error"))
    }
}
impl Default for RootMeanSquaredError {
    fn default() -> Self {
        Self::new()
    }
}
impl Metric for RootMeanSquaredError {
    fn name(&self) -> String {
        self.0.name()
    }
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        let y_true = tf::cast(y_true, y_pred.dtype());
        self.0.update(&tf::squared_difference(y_pred, &y_true), sample_weight);
    }
    fn result(&self) -> f64 {
        self.0.result().sqrt()
    }
    fn reset_state(&mut self) {
        self.0.reset_state();
    }
}

/// Per-sample values, and the weights of those that count when not all do.
type ValuesFn = dyn Fn(&Tensor, &Tensor) -> (Vec<f64>, Option<Vec<f64>>) + Send + Sync;

/// `keras.metrics.MeanMetricWrapper(fn, name)`: the mean of a per-sample function.
pub struct MeanMetricWrapper {
    mean: Mean,
    f: Box<ValuesFn>,
}
impl MeanMetricWrapper {
    /// Averages `f(y_true, y_pred)` (one value per sample) under `name`.
    pub fn new(name: impl Into<String>, f: impl Fn(&Tensor, &Tensor) -> Vec<f64> + Send + Sync + 'static) -> MeanMetricWrapper {
        MeanMetricWrapper {
            mean: Mean::new(name),
            f: Box::new(move |t, p| (f(t, p), None)),
        }
    }
    /// The mean of a loss's per-sample values (`keras.metrics.MeanSquaredError()` and kin),
    /// over the values the loss counts ([`Loss::valid`]).
    pub fn from_loss(name: impl Into<String>, loss: impl Loss + 'static) -> MeanMetricWrapper {
        MeanMetricWrapper {
            mean: Mean::new(name),
            f: Box::new(move |t, p| {
                (
                    host(&loss.per_sample(t, p)),
                    loss.valid(t, p).map(|v| host(&tf::cast(&v, DType::F64))),
                )
            }),
        }
    }
}
impl Metric for MeanMetricWrapper {
    fn name(&self) -> String {
        self.mean.name.clone()
    }
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        let (v, valid) = (self.f)(y_true, y_pred);
        let w = match (weights(sample_weight, v.len()), valid) {
            (Some(w), Some(m)) => Some(w.iter().zip(&m).map(|(a, b)| a * b).collect()),
            (w, m) => w.or(m),
        };
        self.mean.add(&v, w.as_deref());
    }
    fn result(&self) -> f64 {
        self.mean.result()
    }
    fn reset_state(&mut self) {
        self.mean.reset_state();
    }
}

/// Rows of the last axis of `x`, as host values.
fn rows(x: &Tensor) -> (Vec<f64>, usize) {
    let k = if x.rank() == 0 { 1 } else { *x.shape().dims().last().unwrap_or(&1) };
    (host(x), k.max(1))
}

fn argmax_rows(v: &[f64], k: usize) -> Vec<usize> {
    v.chunks(k)
        .map(|r| {
            r.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| if x > bv { (i, x) } else { (bi, bv) })
                .0
        })
        .collect()
}

/// `keras.metrics.Accuracy()`: how often `y_pred` equals `y_true`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Metric};
/// let mut m = metrics::accuracy();
/// m.update_state(&tf::constant([[1], [2], [3], [4]]), &tf::constant([[0], [2], [3], [4]]), None);
/// assert_eq!(m.result(), 0.75);
/// m.reset_state();
/// m.update_state(
///     &tf::constant([[1], [2], [3], [4]]),
///     &tf::constant([[0], [2], [3], [4]]),
///     Some(&tf::constant([1.0f32, 1.0, 0.0, 0.0])),
/// );
/// assert_eq!(m.result(), 0.5);
/// ```
pub fn accuracy() -> MeanMetricWrapper {
    MeanMetricWrapper::new("accuracy", |t, p| {
        host(t).iter().zip(host(p)).map(|(a, b)| (*a == b) as u8 as f64).collect()
    })
}

/// `keras.metrics.BinaryAccuracy(threshold=0.5)`: `y_pred > threshold` against 0/1 labels,
/// averaged over the last axis.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Metric};
/// let mut m = metrics::binary_accuracy(0.5);
/// m.update_state(&tf::constant([[1.0f32], [1.0], [0.0], [0.0]]), &tf::constant([[0.98f32], [1.0], [0.0], [0.6]]), None);
/// assert_eq!(m.result(), 0.75);
/// ```
pub fn binary_accuracy(threshold: f64) -> MeanMetricWrapper {
    MeanMetricWrapper::new("binary_accuracy", move |t, p| {
        let (pv, k) = rows(p);
        let tv = host(t);
        pv.chunks(k)
            .zip(tv.chunks(k))
            .map(|(pr, tr)| pr.iter().zip(tr).filter(|(a, b)| ((**a > threshold) as u8 as f64) == **b).count() as f64 / k as f64)
            .collect()
    })
}

/// `keras.metrics.CategoricalAccuracy()`: `argmax(y_true) == argmax(y_pred)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Metric};
/// let mut m = metrics::categorical_accuracy();
/// m.update_state(&tf::constant([[0.0f32, 0.0, 1.0], [0.0, 1.0, 0.0]]), &tf::constant([[0.1f32, 0.9, 0.8], [0.05, 0.95, 0.0]]), None);
/// assert_eq!(m.result(), 0.5);
/// ```
pub fn categorical_accuracy() -> MeanMetricWrapper {
    MeanMetricWrapper::new("categorical_accuracy", |t, p| {
        let (pv, k) = rows(p);
        let (tv, kt) = rows(t);
        argmax_rows(&pv, k)
            .iter()
            .zip(argmax_rows(&tv, kt))
            .map(|(a, b)| (*a == b) as u8 as f64)
            .collect()
    })
}

/// `keras.metrics.SparseCategoricalAccuracy()`: integer labels against `argmax(y_pred)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Metric};
/// let mut m = metrics::sparse_categorical_accuracy();
/// m.update_state(&tf::constant([[2], [1]]), &tf::constant([[0.1f32, 0.6, 0.3], [0.05, 0.95, 0.0]]), None);
/// assert_eq!(m.result(), 0.5);
/// ```
pub fn sparse_categorical_accuracy() -> MeanMetricWrapper {
    MeanMetricWrapper::new("sparse_categorical_accuracy", |t, p| {
        let (pv, k) = rows(p);
        argmax_rows(&pv, k)
            .iter()
            .zip(host(t))
            .map(|(a, b)| (*a as f64 == b) as u8 as f64)
            .collect()
    })
}

/// Whether the label's score is among the `k` highest (ties favour the label, as
/// `tf.math.in_top_k`).
fn in_top_k(row: &[f64], label: usize, k: usize) -> bool {
    let Some(&target) = row.get(label) else { return false };
    row.iter().filter(|&&x| x > target).count() < k
}

/// `keras.metrics.TopKCategoricalAccuracy(k=5)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Metric};
/// let mut m = metrics::top_k_categorical_accuracy(1);
/// m.update_state(&tf::constant([[0.0f32, 0.0, 1.0], [0.0, 1.0, 0.0]]), &tf::constant([[0.1f32, 0.9, 0.8], [0.05, 0.95, 0.0]]), None);
/// assert_eq!(m.result(), 0.5);
/// ```
pub fn top_k_categorical_accuracy(k: usize) -> MeanMetricWrapper {
    MeanMetricWrapper::new("top_k_categorical_accuracy", move |t, p| {
        let (pv, n) = rows(p);
        let (tv, nt) = rows(t);
        pv.chunks(n)
            .zip(argmax_rows(&tv, nt))
            .map(|(r, l)| in_top_k(r, l, k) as u8 as f64)
            .collect()
    })
}

/// `keras.metrics.SparseTopKCategoricalAccuracy(k=5)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Metric};
/// let mut m = metrics::sparse_top_k_categorical_accuracy(1);
/// m.update_state(&tf::constant([2, 1]), &tf::constant([[0.1f32, 0.9, 0.8], [0.05, 0.95, 0.0]]), None);
/// assert_eq!(m.result(), 0.5);
/// ```
pub fn sparse_top_k_categorical_accuracy(k: usize) -> MeanMetricWrapper {
    MeanMetricWrapper::new("sparse_top_k_categorical_accuracy", move |t, p| {
        let (pv, n) = rows(p);
        pv.chunks(n)
            .zip(host(t))
            .map(|(r, l)| in_top_k(r, l as usize, k) as u8 as f64)
            .collect()
    })
}

/// `keras.metrics.get(name)`: a metric by its Keras name. `"accuracy"` here is the plain
/// `Accuracy`; `compile` resolves `"accuracy"` by the shapes of the labels and predictions.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics;
/// let mut m = metrics::get("mse");
/// m.update_state(&tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), &tf::constant([[1.0f32, 1.0], [0.0, 0.0]]), None);
/// assert_eq!(m.result(), 0.25);
/// ```
///
/// # Panics
/// On an unknown name.
#[track_caller]
pub fn get(name: &str) -> Box<dyn Metric> {
    match name {
        "accuracy" | "acc" => Box::new(accuracy()),
        "binary_accuracy" => Box::new(binary_accuracy(0.5)),
        "categorical_accuracy" => Box::new(categorical_accuracy()),
        "sparse_categorical_accuracy" => Box::new(sparse_categorical_accuracy()),
        "top_k_categorical_accuracy" => Box::new(top_k_categorical_accuracy(5)),
        "sparse_top_k_categorical_accuracy" => Box::new(sparse_top_k_categorical_accuracy(5)),
        "auc" => Box::new(AUC::default()),
        "precision" => Box::new(Precision::new()),
        "recall" => Box::new(Recall::new()),
        "mse" | "mean_squared_error" => Box::new(MeanMetricWrapper::from_loss(name, losses::MeanSquaredError::new())),
        "mae" | "mean_absolute_error" => Box::new(MeanMetricWrapper::from_loss(name, losses::MeanAbsoluteError::new())),
        "sparse_categorical_crossentropy" => Box::new(MeanMetricWrapper::from_loss(name, losses::SparseCategoricalCrossentropy::new())),
        "categorical_crossentropy" => Box::new(MeanMetricWrapper::from_loss(name, losses::CategoricalCrossentropy::new())),
        "binary_crossentropy" => Box::new(MeanMetricWrapper::from_loss(name, losses::BinaryCrossentropy::new())),
        "kl_divergence" | "kld" => Box::new(MeanMetricWrapper::from_loss(name, losses::KLDivergence::new())),
        "poisson" => Box::new(MeanMetricWrapper::from_loss(name, losses::Poisson::new())),
        "mape" | "mean_absolute_percentage_error" => Box::new(MeanMetricWrapper::from_loss(name, losses::MeanAbsolutePercentageError::new())),
        "msle" | "mean_squared_logarithmic_error" => Box::new(MeanMetricWrapper::from_loss(name, losses::MeanSquaredLogarithmicError::new())),
        "hinge" => Box::new(MeanMetricWrapper::from_loss(name, losses::Hinge::new())),
        "squared_hinge" => Box::new(MeanMetricWrapper::from_loss(name, losses::SquaredHinge::new())),
        "categorical_hinge" => Box::new(MeanMetricWrapper::from_loss(name, losses::CategoricalHinge::new())),
        "log_cosh" | "logcosh" => Box::new(MeanMetricWrapper::from_loss(name, losses::LogCosh::new())),
        _ => panic!("Unknown metric function: '{name}'. Please ensure you are using a `keras.utils.custom_object_scope` and that this object is included in the scope."),
    }
}

/// `"accuracy"` / `"crossentropy"` resolved by shape, as Keras's `compile` does: the last
/// dimension of `y_pred` is 1 → binary; `y_true` of lower rank (or a last dimension of 1
/// against more classes) → sparse; otherwise categorical.
pub(crate) fn resolve(name: &str, y_true: &Tensor, y_pred: &Tensor) -> Box<dyn Metric> {
    let pred_last = y_pred.shape().dims().last().copied().unwrap_or(1);
    let true_last = y_true.shape().dims().last().copied().unwrap_or(1);
    let binary = pred_last == 1;
    let sparse = y_true.rank() < y_pred.rank() || (true_last == 1 && pred_last > 1);
    let (acc, ce) = (name == "accuracy" || name == "acc", name == "crossentropy" || name == "ce");
    let mut m: Box<dyn Metric> = match (acc, ce, binary, sparse) {
        (true, _, true, _) => Box::new(binary_accuracy(0.5)),
        (true, _, _, true) => Box::new(sparse_categorical_accuracy()),
        (true, _, _, _) => Box::new(categorical_accuracy()),
        (_, true, true, _) => Box::new(MeanMetricWrapper::from_loss(name, losses::BinaryCrossentropy::new())),
        (_, true, _, true) => Box::new(MeanMetricWrapper::from_loss(name, losses::SparseCategoricalCrossentropy::new())),
        (_, true, _, _) => Box::new(MeanMetricWrapper::from_loss(name, losses::CategoricalCrossentropy::new())),
        _ => return get(name),
    };
    // Keras logs a resolved metric under the name the user wrote.
    if acc || ce {
        m = Box::new(Renamed(name.to_string(), m));
    }
    m
}

struct Renamed(String, Box<dyn Metric>);
impl Metric for Renamed {
    fn name(&self) -> String {
        self.0.clone()
    }
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        self.1.update_state(y_true, y_pred, sample_weight);
    }
    fn result(&self) -> f64 {
        self.1.result()
    }
    fn reset_state(&mut self) {
        self.1.reset_state();
    }
}

/// One entry of `compile`'s `metrics`: a name resolved at the first batch, or a metric.
pub enum MetricArg {
    /// A Keras name (`"accuracy"`).
    Name(String),
    /// A metric object.
    Metric(Box<dyn Metric>),
}
impl From<&str> for MetricArg {
    fn from(s: &str) -> Self {
        MetricArg::Name(s.to_string())
    }
}
impl<M: Metric + 'static> From<M> for MetricArg {
    fn from(m: M) -> Self {
        MetricArg::Metric(Box::new(m))
    }
}

/// What `compile` accepts as `metrics`: `&["accuracy"]`, `()`, or a `Vec<MetricArg>`.
pub trait IntoMetrics {
    /// The list.
    fn into_metrics(self) -> Vec<MetricArg>;
}
impl IntoMetrics for () {
    fn into_metrics(self) -> Vec<MetricArg> {
        Vec::new()
    }
}
impl<const N: usize> IntoMetrics for &[&str; N] {
    fn into_metrics(self) -> Vec<MetricArg> {
        self.iter().map(|&s| s.into()).collect()
    }
}
impl IntoMetrics for &[&str] {
    fn into_metrics(self) -> Vec<MetricArg> {
        self.iter().map(|&s| s.into()).collect()
    }
}
impl IntoMetrics for Vec<MetricArg> {
    fn into_metrics(self) -> Vec<MetricArg> {
        self
    }
}
