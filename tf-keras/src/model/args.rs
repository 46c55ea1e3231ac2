//! What `compile`, `fit`, `evaluate` and `predict` take and give back: the data (arrays or
//! datasets, one tensor or several per model input and output), the keyword arguments with
//! Keras's defaults, and the logs and history.

use crate::callbacks::{Callback, Params};
use std::collections::HashMap;
use tf_core::data::{Dataset, Structure};
use tf_core::{Result, Tensor};

/// Metric values by name, in Keras's order (`loss` first, then the metrics, then `val_`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs(Vec<(String, f64)>);

impl Logs {
    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
    /// Sets `name` (replacing or appending).
    pub fn insert(&mut self, name: impl Into<String>, value: f64) {
        let name = name.into();
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(e) => e.1 = value,
            None => self.0.push((name, value)),
        }
    }
    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }
    /// The values in order (`evaluate`'s list: loss, then the metrics).
    pub fn values(&self) -> Vec<f64> {
        self.0.iter().map(|(_, v)| *v).collect()
    }
    pub(crate) fn entries(&self) -> &[(String, f64)] {
        &self.0
    }
}

impl std::ops::Index<&str> for Logs {
    type Output = f64;
    #[track_caller]
    fn index(&self, name: &str) -> &f64 {
        match self.0.iter().find(|(k, _)| k == name) {
            Some((_, v)) => v,
            None => panic!(
                "no logged value named {name:?}; logged: {:?}",
                self.0.iter().map(|(k, _)| k).collect::<Vec<_>>()
            ),
        }
    }
}

/// `keras.callbacks.History`: per-epoch values of every logged metric.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// `history.history`: name → one value per epoch, in logging order.
    pub history: Vec<(String, Vec<f64>)>,
    /// `history.epoch`: the epoch indices run.
    pub epoch: Vec<usize>,
    /// `history.params`.
    pub params: Params,
}

impl History {
    pub(super) fn record(&mut self, epoch: usize, logs: &Logs) {
        self.epoch.push(epoch);
        for (k, v) in logs.iter() {
            match self.history.iter_mut().find(|(n, _)| n == k) {
                Some((_, vals)) => vals.push(v),
                None => self.history.push((k.to_string(), vec![v])),
            }
        }
    }
    /// The values of `name`, if logged.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.history.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
    }
    /// The logged names (`history.history.keys()`).
    pub fn keys(&self) -> Vec<&str> {
        self.history.iter().map(|(k, _)| k.as_str()).collect()
    }
}

impl std::ops::Index<&str> for History {
    type Output = Vec<f64>;
    #[track_caller]
    fn index(&self, name: &str) -> &Vec<f64> {
        match self.history.iter().find(|(k, _)| k == name) {
            Some((_, v)) => v,
            None => panic!("KeyError: {name:?} (history has {:?})", self.keys()),
        }
    }
}

/// The data `fit`, `evaluate` and `predict` take: arrays (`(&x, &y)`, `(&x, &y,
/// &sample_weight)`, or `&x` for `predict`; for a model with several inputs or outputs,
/// arrays of them: `([&x1, &x2], &y)`, `(&x, [&y1, &y2])`), a dataset of `(x, y)` batches,
/// or (for `predict`) a dataset of input batches.
pub enum Data<'a> {
    /// Whole arrays, batched by `batch_size`.
    Arrays {
        /// Inputs (one per model input), first dimension the samples.
        x: Vec<&'a Tensor>,
        /// Targets (one per model output).
        y: Option<Vec<&'a Tensor>>,
        /// Per-sample weights.
        sample_weight: Option<&'a Tensor>,
    },
    /// A dataset yielding `(x, y)` batches (`batch_size` and `shuffle` do not apply); `x`
    /// and `y` may be tuples for a model with several inputs or outputs.
    Dataset(Batches<'a>),
    /// A dataset yielding input batches only (for `predict`).
    Inputs(&'a Dataset<Tensor>),
}
impl<'a> Data<'a> {
    pub(super) fn arrays(x: Vec<&'a Tensor>, y: Option<Vec<&'a Tensor>>, sample_weight: Option<&'a Tensor>) -> Self {
        Data::Arrays { x, y, sample_weight }
    }
}
impl<'a> From<(&'a Tensor, &'a Tensor)> for Data<'a> {
    fn from((x, y): (&'a Tensor, &'a Tensor)) -> Self {
        Data::arrays(vec![x], Some(vec![y]), None)
    }
}
impl<'a> From<(&'a Tensor, &'a Tensor, &'a Tensor)> for Data<'a> {
    fn from((x, y, w): (&'a Tensor, &'a Tensor, &'a Tensor)) -> Self {
        Data::arrays(vec![x], Some(vec![y]), Some(w))
    }
}
impl<'a> From<&'a Tensor> for Data<'a> {
    fn from(x: &'a Tensor) -> Self {
        Data::arrays(vec![x], None, None)
    }
}
/// Inputs of a model with several inputs (for `predict`).
impl<'a, const N: usize> From<[&'a Tensor; N]> for Data<'a> {
    fn from(x: [&'a Tensor; N]) -> Self {
        Data::arrays(x.to_vec(), None, None)
    }
}
/// Several inputs and several outputs.
impl<'a, const N: usize, const M: usize> From<([&'a Tensor; N], [&'a Tensor; M])> for Data<'a> {
    fn from((x, y): ([&'a Tensor; N], [&'a Tensor; M])) -> Self {
        Data::arrays(x.to_vec(), Some(y.to_vec()), None)
    }
}
/// Several inputs, one output.
impl<'a, const N: usize> From<([&'a Tensor; N], &'a Tensor)> for Data<'a> {
    fn from((x, y): ([&'a Tensor; N], &'a Tensor)) -> Self {
        Data::arrays(x.to_vec(), Some(vec![y]), None)
    }
}
/// One input, several outputs.
impl<'a, const M: usize> From<(&'a Tensor, [&'a Tensor; M])> for Data<'a> {
    fn from((x, y): (&'a Tensor, [&'a Tensor; M])) -> Self {
        Data::arrays(vec![x], Some(y.to_vec()), None)
    }
}
/// A dataset of `(x, y)` batches; `x` and `y` may each be a tensor or a tuple of tensors
/// (Keras's `((xa, xb), (y1, y2))` elements for several inputs and outputs).
impl<'a, X: Structure, Y: Structure> From<&'a Dataset<(X, Y)>> for Data<'a> {
    fn from(d: &'a Dataset<(X, Y)>) -> Self {
        Data::Dataset(Batches {
            pass: Box::new(move || Box::new(d.iter().map(|r| r.map(|(x, y)| (x.tensors(), y.tensors()))))),
            cardinality: d.cardinality(),
        })
    }
}

/// A pass over `(inputs, targets)` batches, flattened to tensors.
type Pass<'a> = Box<dyn Iterator<Item = Result<(Vec<Tensor>, Vec<Tensor>)>> + 'a>;

/// The `(inputs, targets)` batches of a dataset; each call of `pass` starts a fresh pass.
pub struct Batches<'a> {
    pub(super) pass: Box<dyn Fn() -> Pass<'a> + 'a>,
    pub(super) cardinality: tf_core::data::Cardinality,
}
impl<'a> From<&'a Dataset<Tensor>> for Data<'a> {
    fn from(d: &'a Dataset<Tensor>) -> Self {
        Data::Inputs(d)
    }
}

/// `fit`'s keyword arguments, with Keras's defaults (`FitArgs { epochs: 10,
/// ..Default::default() }`).
pub struct FitArgs {
    /// `batch_size` (32).
    pub batch_size: usize,
    /// `epochs` (1).
    pub epochs: usize,
    /// `verbose`: 0 silent, 1 progress bar (default), 2 one line per epoch.
    pub verbose: u8,
    /// `callbacks`.
    pub callbacks: Vec<Box<dyn Callback>>,
    /// `validation_split`: the fraction of samples, taken from the end before shuffling, held
    /// out for validation.
    pub validation_split: f64,
    /// `validation_data`: `(x, y)` evaluated after each epoch (`Some((x, y).into())`; arrays
    /// of tensors for a model with several inputs or outputs).
    pub validation_data: Option<ValidationData>,
    /// `shuffle` (true): reshuffle the training samples every epoch (arrays only).
    pub shuffle: bool,
    /// `class_weight`: class index → weight for the loss.
    pub class_weight: Option<HashMap<i64, f64>>,
    /// `sample_weight`: a weight per training sample for the loss.
    pub sample_weight: Option<Tensor>,
    /// `initial_epoch` (0).
    pub initial_epoch: usize,
    /// `steps_per_epoch`: batches per epoch (default: the whole data).
    pub steps_per_epoch: Option<usize>,
    /// `validation_batch_size` (default `batch_size`).
    pub validation_batch_size: Option<usize>,
    /// `validation_freq` (1): validate after the epochs whose number (from 1) is a multiple
    /// of this.
    pub validation_freq: usize,
}

impl Default for FitArgs {
    fn default() -> Self {
        FitArgs {
            batch_size: 32,
            epochs: 1,
            verbose: 1,
            callbacks: Vec::new(),
            validation_split: 0.0,
            validation_data: None,
            shuffle: true,
            class_weight: None,
            sample_weight: None,
            initial_epoch: 0,
            steps_per_epoch: None,
            validation_batch_size: None,
            validation_freq: 1,
        }
    }
}

/// `fit`'s `validation_data`: inputs and targets, one tensor each or one per model input and
/// output.
#[derive(Clone, Debug)]
pub struct ValidationData {
    /// The inputs.
    pub x: Vec<Tensor>,
    /// The targets.
    pub y: Vec<Tensor>,
}
impl From<(Tensor, Tensor)> for ValidationData {
    fn from((x, y): (Tensor, Tensor)) -> Self {
        ValidationData { x: vec![x], y: vec![y] }
    }
}
impl From<(Vec<Tensor>, Vec<Tensor>)> for ValidationData {
    fn from((x, y): (Vec<Tensor>, Vec<Tensor>)) -> Self {
        ValidationData { x, y }
    }
}
impl<const N: usize, const M: usize> From<([Tensor; N], [Tensor; M])> for ValidationData {
    fn from((x, y): ([Tensor; N], [Tensor; M])) -> Self {
        ValidationData {
            x: x.to_vec(),
            y: y.to_vec(),
        }
    }
}

/// `evaluate`'s keyword arguments.
#[derive(Clone, Debug)]
pub struct EvaluateArgs {
    /// `batch_size` (32).
    pub batch_size: usize,
    /// `verbose` (1).
    pub verbose: u8,
    /// `steps`: stop after this many batches.
    pub steps: Option<usize>,
}
impl Default for EvaluateArgs {
    fn default() -> Self {
        EvaluateArgs {
            batch_size: 32,
            verbose: 1,
            steps: None,
        }
    }
}

/// `predict`'s keyword arguments.
#[derive(Clone, Debug)]
pub struct PredictArgs {
    /// `batch_size` (32).
    pub batch_size: usize,
    /// `verbose` (1).
    pub verbose: u8,
}
impl Default for PredictArgs {
    fn default() -> Self {
        PredictArgs {
            batch_size: 32,
            verbose: 1,
        }
    }
}

/// `compile`'s further keyword arguments.
#[derive(Clone, Debug, Default)]
pub struct CompileArgs {
    /// `loss_weights`: one per output; the total loss is the weighted sum of the outputs'
    /// losses (default: each 1).
    pub loss_weights: Option<Vec<f64>>,
}
