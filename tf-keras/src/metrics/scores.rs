//! Keras's F-scores, R², IoU metrics, `Sum` and the `CosineSimilarity` metric.

use super::{div_no_nan, host, rows, weights, Mean, Metric};
use tf_core::Tensor;

/// How [`FBetaScore`] and [`F1Score`] join the classes (`average=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Average {
    /// `"micro"`: one score from the counts of every class together.
    Micro,
    /// `"macro"`: the mean of the per-class scores.
    Macro,
    /// `"weighted"`: the per-class scores weighted by each class's (weighted) label count.
    Weighted,
}

/// `keras.metrics.FBetaScore(average, beta=1.0, threshold=None)` over `[batch, classes]`
/// labels and predictions: `(1 + β²) · precision · recall / (β² · precision + recall)`.
/// Without a threshold, each row's largest (nonzero) predictions are positive; with one,
/// predictions above it. Keras's `average=None`, a score per class, is
/// [`class_scores`](FBetaScore::class_scores) (a metric's `result` here is one value).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{Average, FBetaScore, Metric};
/// let mut m = FBetaScore::new(Average::Macro, 1.0).threshold(Some(0.5));
/// m.update_state(&tf::constant([[1.0f32, 0.0], [0.0, 1.0]]), &tf::constant([[0.9f32, 0.2], [0.6, 0.7]]), None);
/// // class 0: precision 1/2, recall 1 → 2/3; class 1: precision 1, recall 1 → 1.
/// assert!((m.result() - 5.0 / 6.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct FBetaScore {
    name: String,
    average: Average,
    beta: f64,
    threshold: Option<f64>,
    tp: Vec<f64>,
    fp: Vec<f64>,
    fn_: Vec<f64>,
    support: Vec<f64>,
}

impl FBetaScore {
    /// The F-β score joined by `average`.
    ///
    /// # Panics
    /// When `beta` is not positive (Keras's ValueError).
    #[track_caller]
    pub fn new(average: Average, beta: f64) -> FBetaScore {
        if beta.is_nan() || beta <= 0.0 {
            panic!("Invalid `beta` argument value. It should be > 0. Received: beta={beta}");
        }
        FBetaScore {
            name: "fbeta_score".into(),
            average,
            beta,
            threshold: None,
            tp: Vec::new(),
            fp: Vec::new(),
            fn_: Vec::new(),
            support: Vec::new(),
        }
    }
    /// `threshold=`: predictions above it are positive (`None`: each row's largest).
    ///
    /// # Panics
    /// Outside (0, 1] (Keras's ValueError).
    #[track_caller]
    pub fn threshold(mut self, t: Option<f64>) -> Self {
        if let Some(t) = t {
            if !(t > 0.0 && t <= 1.0) {
                panic!("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. Received: threshold={t}");
            }
        }
        self.threshold = t;
        self
    }
}

impl FBetaScore {
    /// Each class's score so far: Keras's `average=None` result (one score for
    /// `Average::Micro`, whose counts join the classes).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Average, F1Score, Metric};
    /// // Keras's documented F1Score example (average=None, threshold=0.5).
    /// let mut m = F1Score::new(Average::Macro).threshold(Some(0.5));
    /// let y_true = tf::constant([[1.0f32, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]);
    /// let y_pred = tf::constant([[0.2f32, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]);
    /// m.update_state(&y_true, &y_pred, None);
    /// let s = m.class_scores();
    /// for (got, want) in s.iter().zip([0.5, 0.8, 0.6666667]) {
    ///     assert!((got - want).abs() < 1e-6);
    /// }
    /// ```
    pub fn class_scores(&self) -> Vec<f64> {
        let b2 = self.beta * self.beta;
        (0..self.tp.len())
            .map(|c| {
                let precision = div_no_nan(self.tp[c], self.tp[c] + self.fp[c]);
                let recall = div_no_nan(self.tp[c], self.tp[c] + self.fn_[c]);
                div_no_nan(precision * recall, b2 * precision + recall) * (1.0 + b2)
            })
            .collect()
    }
}

impl Metric for FBetaScore {
    fn name(&self) -> String {
        self.name.clone()
    }
    #[track_caller]
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        if y_true.rank() != 2 || y_pred.rank() != 2 || y_true.shape() != y_pred.shape() {
            panic!(
                "FBetaScore expects 2D inputs of one shape [batch, classes]; got y_true {} and y_pred {}",
                y_true.shape(),
                y_pred.shape()
            );
        }
        let (p, classes) = rows(y_pred);
        let t = host(y_true);
        let w = sample_weight.map(host);
        let k = if self.average == Average::Micro { 1 } else { classes };
        for v in [&mut self.tp, &mut self.fp, &mut self.fn_, &mut self.support] {
            v.resize(k, 0.0);
        }
        for (r, (pr, tr)) in p.chunks(classes).zip(t.chunks(classes)).enumerate() {
            let wr = w.as_ref().map_or(1.0, |w| w[r]);
            let top = pr.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b as f32 as f64));
            for (j, (&pj, &tj)) in pr.iter().zip(tr).enumerate() {
                let pj = pj as f32 as f64;
                let positive = match self.threshold {
                    Some(th) => pj > th as f32 as f64,
                    None => pj >= top && pj.abs() > 1e-9,
                };
                let y = positive as u8 as f64;
                let c = if k == 1 { 0 } else { j };
                self.tp[c] += wr * y * tj;
                self.fp[c] += wr * y * (1.0 - tj);
                self.fn_[c] += wr * (1.0 - y) * tj;
                self.support[c] += wr * tj;
            }
        }
    }
    fn result(&self) -> f64 {
        let scores = self.class_scores();
        if scores.is_empty() {
            return 0.0;
        }
        match self.average {
            Average::Weighted => {
                let total: f64 = self.support.iter().sum();
                scores.iter().zip(&self.support).map(|(s, w)| s * div_no_nan(*w, total)).sum()
            }
            Average::Micro | Average::Macro => scores.iter().sum::<f64>() / scores.len() as f64,
        }
    }
    fn reset_state(&mut self) {
        for v in [&mut self.tp, &mut self.fp, &mut self.fn_, &mut self.support] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
    }
}

/// `keras.metrics.F1Score(average, threshold=None)`: [`FBetaScore`] with β = 1.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{Average, F1Score, Metric};
/// let mut m = F1Score::new(Average::Micro);
/// m.update_state(&tf::constant([[1.0f32, 0.0], [0.0, 1.0]]), &tf::constant([[0.9f32, 0.2], [0.6, 0.4]]), None);
/// assert_eq!(m.result(), 0.5); // one of two rows right: precision = recall = 1/2
/// ```
pub struct F1Score;

impl F1Score {
    /// The F1 score joined by `average`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(average: Average) -> FBetaScore {
        FBetaScore {
            name: "f1_score".into(),
            ..FBetaScore::new(average, 1.0)
        }
    }
}

/// `R2Score(class_aggregation=...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum R2Aggregation {
    /// `"uniform_average"`: the mean of the outputs' scores.
    UniformAverage,
    /// `"variance_weighted_average"`: the scores weighted by each output's variance.
    VarianceWeightedAverage,
}

/// `keras.metrics.R2Score(class_aggregation="uniform_average", num_regressors=0)`: the
/// coefficient of determination `1 − SS_res / SS_tot` of `[batch, outputs]` targets,
/// accumulated over batches; `num_regressors` adjusts it for the number of predictors.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{Metric, R2Score};
/// // Keras's documented example.
/// let mut m = R2Score::new();
/// m.update_state(&tf::constant([[1.0f32], [4.0], [3.0]]), &tf::constant([[2.0f32], [4.0], [4.0]]), None);
/// assert!((m.result() - 0.57142857).abs() < 1e-7);
/// ```
#[derive(Clone, Debug)]
pub struct R2Score {
    aggregation: R2Aggregation,
    num_regressors: usize,
    sum: Vec<f64>,
    squared_sum: Vec<f64>,
    total_mse: Vec<f64>,
    count: Vec<f64>,
    num_samples: usize,
}

impl R2Score {
    /// R² averaged uniformly over the outputs.
    pub fn new() -> R2Score {
        R2Score {
            aggregation: R2Aggregation::UniformAverage,
            num_regressors: 0,
            sum: Vec::new(),
            squared_sum: Vec::new(),
            total_mse: Vec::new(),
            count: Vec::new(),
            num_samples: 0,
        }
    }
    /// `class_aggregation=`.
    pub fn class_aggregation(mut self, a: R2Aggregation) -> Self {
        self.aggregation = a;
        self
    }
    /// `num_regressors=`: the adjusted R² for this many predictors (the plain one when
    /// there are not enough samples, as Keras warns and does).
    pub fn num_regressors(mut self, n: usize) -> Self {
        self.num_regressors = n;
        self
    }
}

impl Default for R2Score {
    fn default() -> Self {
        Self::new()
    }
}

impl Metric for R2Score {
    fn name(&self) -> String {
        "r2_score".into()
    }
    #[track_caller]
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        if y_true.rank() != 2 || y_pred.rank() != 2 || y_true.shape() != y_pred.shape() {
            panic!(
                "R2Score expects 2D inputs with shape (batch_size, output_dim); got y_true {} and y_pred {}",
                y_true.shape(),
                y_pred.shape()
            );
        }
        let (p, outputs) = rows(y_pred);
        let t = host(y_true);
        let w = weights(sample_weight, t.len());
        for v in [&mut self.sum, &mut self.squared_sum, &mut self.total_mse, &mut self.count] {
            v.resize(outputs, 0.0);
        }
        for (i, (&ti, &pi)) in t.iter().zip(&p).enumerate() {
            let (o, wi) = (i % outputs, w.as_ref().map_or(1.0, |w| w[i]));
            self.sum[o] += ti * wi;
            self.squared_sum[o] += ti * ti * wi;
            self.total_mse[o] += (ti - pi) * (ti - pi) * wi;
            self.count[o] += wi;
        }
        self.num_samples += t.len();
    }
    fn result(&self) -> f64 {
        let outputs = self.sum.len();
        if outputs == 0 {
            return 0.0;
        }
        let total: Vec<f64> = (0..outputs)
            .map(|o| self.squared_sum[o] - self.sum[o] * self.sum[o] / self.count[o])
            .collect();
        let raw: Vec<f64> = (0..outputs)
            .map(|o| {
                let r = 1.0 - self.total_mse[o] / total[o];
                if r.is_infinite() {
                    0.0
                } else {
                    r
                }
            })
            .collect();
        let r2 = match self.aggregation {
            R2Aggregation::UniformAverage => raw.iter().sum::<f64>() / outputs as f64,
            R2Aggregation::VarianceWeightedAverage => raw.iter().zip(&total).map(|(r, t)| r * t).sum::<f64>() / total.iter().sum::<f64>(),
        };
        let (n, k) = (self.num_samples as f64, self.num_regressors as f64);
        if self.num_regressors == 0 || k >= n - 1.0 {
            r2
        } else {
            1.0 - (1.0 - r2) * (n - 1.0) / (n - k - 1.0)
        }
    }
    fn reset_state(&mut self) {
        *self = R2Score {
            aggregation: self.aggregation,
            num_regressors: self.num_regressors,
            ..R2Score::new()
        };
    }
}

/// `keras.metrics.IoU(num_classes, target_class_ids)`: the mean, over the target classes that
/// occur, of `tp / (tp + fp + fn)` from the (weighted) confusion matrix of integer labels and
/// integer predictions.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{IoU, Metric};
/// // Keras's documented example.
/// let mut m = IoU::new(2, vec![0]);
/// m.update_state(&tf::constant([0, 1, 0, 1]), &tf::constant([0, 1, 1, 0]), None);
/// assert!((m.result() - 1.0 / 3.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct IoU {
    name: String,
    num_classes: usize,
    targets: Vec<usize>,
    /// Binary predictions above this are class 1 ([`BinaryIoU`]).
    threshold: Option<f64>,
    cm: Vec<f64>,
}

impl IoU {
    /// IoU over `target_class_ids` of `num_classes` classes.
    ///
    /// # Panics
    /// When a target class is not below `num_classes`.
    #[track_caller]
    pub fn new(num_classes: usize, target_class_ids: Vec<usize>) -> IoU {
        if let Some(c) = target_class_ids.iter().find(|&&c| c >= num_classes) {
            panic!("IoU: target class id {c} is not below num_classes={num_classes}");
        }
        IoU {
            name: "io_u".into(),
            num_classes,
            targets: target_class_ids,
            threshold: None,
            cm: vec![0.0; num_classes * num_classes],
        }
    }
}

impl Metric for IoU {
    fn name(&self) -> String {
        self.name.clone()
    }
    #[track_caller]
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        let (t, p) = (host(y_true), host(y_pred));
        if t.len() != p.len() {
            panic!(
                "{}: y_true {} and y_pred {} differ in size",
                self.name,
                y_true.shape(),
                y_pred.shape()
            );
        }
        let w = weights(sample_weight, t.len());
        let n = self.num_classes;
        let class = |v: f64, what: &str| -> usize {
            let c = v.trunc();
            if !(0.0..n as f64).contains(&c) {
                panic!("{}: {what} {v} is not a class in [0, {n})", self.name);
            }
            c as usize
        };
        for (i, (&ti, &pi)) in t.iter().zip(&p).enumerate() {
            let pi = match self.threshold {
                Some(th) => (pi as f32 >= th as f32) as u8 as f64,
                None => pi,
            };
            let (a, b) = (class(ti, "label"), class(pi, "prediction"));
            self.cm[a * n + b] += w.as_ref().map_or(1.0, |w| w[i]);
        }
    }
    fn result(&self) -> f64 {
        let n = self.num_classes;
        let (mut total, mut valid) = (0.0, 0.0);
        for &c in &self.targets {
            let tp = self.cm[c * n + c];
            let row: f64 = self.cm[c * n..(c + 1) * n].iter().sum();
            let col: f64 = (0..n).map(|r| self.cm[r * n + c]).sum();
            let denominator = row + col - tp;
            if denominator != 0.0 {
                valid += 1.0;
            }
            total += div_no_nan(tp, denominator);
        }
        div_no_nan(total, valid)
    }
    fn reset_state(&mut self) {
        self.cm.iter_mut().for_each(|x| *x = 0.0);
    }
}

/// `keras.metrics.MeanIoU(num_classes)`: [`IoU`] over every class.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{MeanIoU, Metric};
/// // Keras's documented example.
/// let mut m = MeanIoU::new(2);
/// m.update_state(&tf::constant([0, 0, 1, 1]), &tf::constant([0, 1, 0, 1]), None);
/// assert!((m.result() - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub struct MeanIoU;

impl MeanIoU {
    /// Mean IoU of `num_classes` classes.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(num_classes: usize) -> IoU {
        IoU {
            name: "mean_io_u".into(),
            ..IoU::new(num_classes, (0..num_classes).collect())
        }
    }
}

/// `keras.metrics.BinaryIoU(target_class_ids=(0, 1), threshold=0.5)`: [`IoU`] of two classes,
/// predictions at or above `threshold` being class 1.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{BinaryIoU, Metric};
/// // Keras's documented example.
/// let mut m = BinaryIoU::new(vec![0, 1], 0.3);
/// m.update_state(&tf::constant([0.0f32, 1.0, 0.0, 1.0]), &tf::constant([0.1f32, 0.2, 0.4, 0.7]), None);
/// assert!((m.result() - 0.33333334).abs() < 1e-7);
/// ```
pub struct BinaryIoU;

impl BinaryIoU {
    /// IoU of the classes `target_class_ids` (0 and/or 1) at `threshold`.
    #[allow(clippy::new_ret_no_self)]
    #[track_caller]
    pub fn new(target_class_ids: Vec<usize>, threshold: f64) -> IoU {
        IoU {
            name: "binary_io_u".into(),
            threshold: Some(threshold),
            ..IoU::new(2, target_class_ids)
        }
    }
}

/// `keras.metrics.Sum()`: the (weighted) sum of every value given (`update_state`'s
/// `y_pred`; its `y_true` is not used).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{Metric, Sum};
/// // Keras's documented example.
/// let mut m = Sum::new();
/// m.update_state(&tf::constant([0.0f32]), &tf::constant([1.0f32, 3.0, 5.0, 7.0]), None);
/// assert_eq!(m.result(), 16.0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Sum {
    total: f64,
}

impl Sum {
    /// A sum from zero.
    pub fn new() -> Sum {
        Sum::default()
    }
}

impl Metric for Sum {
    fn name(&self) -> String {
        "sum".into()
    }
    fn update_state(&mut self, _y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        let v = host(y_pred);
        self.total += match weights(sample_weight, v.len()) {
            Some(w) => v.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>(),
            None => v.iter().sum::<f64>(),
        };
    }
    fn result(&self) -> f64 {
        self.total
    }
    fn reset_state(&mut self) {
        self.total = 0.0;
    }
}

/// `keras.metrics.CosineSimilarity(axis=-1)`: the mean cosine similarity of the rows of
/// `y_true` and `y_pred` (the loss's value without its sign).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{CosineSimilarity, Metric};
/// // Keras's documented example.
/// let mut m = CosineSimilarity::new();
/// m.update_state(&tf::constant([[0.0f32, 1.0], [1.0, 1.0]]), &tf::constant([[1.0f32, 0.0], [1.0, 1.0]]), None);
/// assert!((m.result() - 0.5).abs() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct CosineSimilarity(Mean);

impl CosineSimilarity {
    /// Along the last axis.
    pub fn new() -> CosineSimilarity {
        CosineSimilarity(Mean::new("cosine_similarity"))
    }
}

impl Default for CosineSimilarity {
    fn default() -> Self {
        Self::new()
    }
}

impl Metric for CosineSimilarity {
    fn name(&self) -> String {
        "cosine_similarity".into()
    }
    #[track_caller]
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        let (t, k) = rows(y_true);
        let (p, kp) = rows(y_pred);
        if t.len() != p.len() || k != kp {
            panic!(
                "cosine_similarity: y_true {} and y_pred {} differ in shape",
                y_true.shape(),
                y_pred.shape()
            );
        }
        // Keras's l2_normalize: x / sqrt(max(Σx², 1e-12)).
        let norm = |r: &[f64]| r.iter().map(|x| x * x).sum::<f64>().max(1e-12).sqrt();
        let cos: Vec<f64> = t
            .chunks(k)
            .zip(p.chunks(k))
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (norm(a) * norm(b)))
            .collect();
        self.0.add(&cos, weights(sample_weight, cos.len()).as_deref());
    }
    fn result(&self) -> f64 {
        self.0.result()
    }
    fn reset_state(&mut self) {
        self.0.reset_state();
    }
}
