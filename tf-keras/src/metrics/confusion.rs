//! Keras's confusion-matrix metrics: weighted counts of `y_pred > threshold` against the
//! labels (a nonzero label is positive), per threshold, and what is made of them —
//! Precision, Recall, the four counts, AUC (ROC or PR) and the X-at-Y metrics. As in Keras,
//! predictions and thresholds are compared in float32.

use super::{div_no_nan, host, rows, weights, Metric};
use crate::losses::EPSILON;
use tf_core::{self as tf, Tensor};

/// Keras's `NEG_INF`: what `top_k` gives the predictions it drops, and the threshold then.
const NEG_INF: f64 = -1e10;

/// The counts, per threshold.
#[derive(Clone, Debug, Default)]
struct Confusion {
    thresholds: Vec<f64>,
    top_k: Option<usize>,
    class_id: Option<usize>,
    tp: Vec<f64>,
    fp: Vec<f64>,
    tn: Vec<f64>,
    fn_: Vec<f64>,
}

impl Confusion {
    fn new(thresholds: Vec<f64>) -> Confusion {
        let mut c = Confusion::default();
        c.set_thresholds(thresholds);
        c
    }

    /// New thresholds (float32, as Keras keeps them), counts cleared.
    fn set_thresholds(&mut self, thresholds: Vec<f64>) {
        let n = thresholds.len();
        self.thresholds = thresholds.into_iter().map(|t| t as f32 as f64).collect();
        (self.tp, self.fp, self.tn, self.fn_) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    }

    fn reset(&mut self) {
        let t = std::mem::take(&mut self.thresholds);
        self.set_thresholds(t);
    }

    /// Adds a batch. `top_k` keeps each row's k largest predictions (the first of equal
    /// ones), `class_id` one column of the last axis.
    #[track_caller]
    fn update(&mut self, metric: &str, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        let (mut p, classes) = rows(y_pred);
        let t = host(y_true);
        if t.len() != p.len() {
            panic!(
                "{metric}: y_true {} and y_pred {} must have the same shape",
                y_true.shape(),
                y_pred.shape()
            );
        }
        let w = weights(sample_weight, p.len());
        if let Some(k) = self.top_k {
            for row in p.chunks_mut(classes) {
                let mut order: Vec<usize> = (0..row.len()).collect();
                order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
                for &i in order.iter().skip(k) {
                    row[i] = NEG_INF;
                }
            }
        }
        let pick: Box<dyn Fn(usize) -> bool> = match self.class_id {
            Some(c) if c >= classes => panic!("{metric}: class_id {c} is out of range for predictions of {classes} classes"),
            Some(c) => Box::new(move |i| i % classes == c),
            None => Box::new(|_| true),
        };
        for (i, (&pi, &ti)) in p.iter().zip(&t).enumerate().filter(|(i, _)| pick(*i)) {
            let wi = w.as_ref().map_or(1.0, |w| w[i]);
            let (pi, positive) = (pi as f32 as f64, ti != 0.0);
            for (j, &th) in self.thresholds.iter().enumerate() {
                match (pi > th, positive) {
                    (true, true) => self.tp[j] += wi,
                    (true, false) => self.fp[j] += wi,
                    (false, false) => self.tn[j] += wi,
                    (false, true) => self.fn_[j] += wi,
                }
            }
        }
    }
}

/// A metric of the counts at one threshold: the struct, `thresholds=`, and `Metric`.
macro_rules! threshold_metric {
    ($(#[$m:meta])* $ty:ident, $name:literal, |$c:ident| $result:expr) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $ty {
            c: Confusion,
            threshold: Option<f64>,
        }
        impl $ty {
            /// At threshold 0.5.
            pub fn new() -> $ty {
                $ty {
                    c: Confusion::new(vec![0.5]),
                    threshold: None,
                }
            }
            /// `thresholds=`: predictions above it are positive.
            pub fn thresholds(mut self, t: f64) -> Self {
                self.threshold = Some(t);
                self.c.set_thresholds(vec![t]);
                self
            }
        }
        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }
        impl Metric for $ty {
            fn name(&self) -> String {
                $name.into()
            }
            #[track_caller]
            fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
                self.c.update($name, y_true, y_pred, sample_weight);
            }
            fn result(&self) -> f64 {
                let $c = &self.c;
                $result
            }
            fn reset_state(&mut self) {
                self.c.reset();
            }
        }
    };
}

/// `top_k=` and `class_id=` for Precision and Recall.
macro_rules! top_k_and_class {
    ($ty:ident) => {
        impl $ty {
            /// `top_k=`: only each row's `k` largest predictions are positive (with no
            /// threshold unless one is given).
            pub fn top_k(mut self, k: usize) -> Self {
                self.c.top_k = Some(k);
                self.c.set_thresholds(vec![self.threshold.unwrap_or(NEG_INF)]);
                self
            }
            /// `class_id=`: only this index of the last axis counts.
            pub fn class_id(mut self, id: usize) -> Self {
                self.c.class_id = Some(id);
                self
            }
        }
    };
}

threshold_metric!(
    /// `keras.metrics.Precision(thresholds=None, top_k=None, class_id=None)`: `tp / (tp + fp)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{self, Metric};
    /// // Keras's documented examples.
    /// let mut m = metrics::Precision::new();
    /// m.update_state(&tf::constant([0.0f32, 1.0, 1.0, 1.0]), &tf::constant([1.0f32, 0.0, 1.0, 1.0]), None);
    /// assert!((m.result() - 2.0 / 3.0).abs() < 1e-12);
    /// let mut m = metrics::Precision::new().top_k(2);
    /// m.update_state(&tf::constant([0.0f32, 0.0, 1.0, 1.0]), &tf::constant([1.0f32, 1.0, 1.0, 1.0]), None);
    /// assert_eq!(m.result(), 0.0);
    /// ```
    Precision,
    "precision",
    |c| div_no_nan(c.tp[0], c.tp[0] + c.fp[0])
);
top_k_and_class!(Precision);

threshold_metric!(
    /// `keras.metrics.Recall(thresholds=None, top_k=None, class_id=None)`: `tp / (tp + fn)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{self, Metric};
    /// // Keras's documented example.
    /// let mut m = metrics::Recall::new();
    /// m.update_state(&tf::constant([0.0f32, 1.0, 1.0, 1.0]), &tf::constant([1.0f32, 0.0, 1.0, 1.0]), None);
    /// assert!((m.result() - 2.0 / 3.0).abs() < 1e-12);
    /// ```
    Recall,
    "recall",
    |c| div_no_nan(c.tp[0], c.tp[0] + c.fn_[0])
);
top_k_and_class!(Recall);

threshold_metric!(
    /// `keras.metrics.TruePositives(thresholds=None)`: the weighted count of positives
    /// predicted positive.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Metric, TruePositives};
    /// // Keras's documented example.
    /// let mut m = TruePositives::new();
    /// m.update_state(&tf::constant([0.0f32, 1.0, 1.0, 1.0]), &tf::constant([1.0f32, 0.0, 1.0, 1.0]), None);
    /// assert_eq!(m.result(), 2.0);
    /// ```
    TruePositives,
    "true_positives",
    |c| c.tp[0]
);
threshold_metric!(
    /// `keras.metrics.FalsePositives(thresholds=None)`: the weighted count of negatives
    /// predicted positive.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{FalsePositives, Metric};
    /// // Keras's documented example.
    /// let mut m = FalsePositives::new();
    /// m.update_state(&tf::constant([0.0f32, 1.0, 0.0, 0.0]), &tf::constant([0.0f32, 0.0, 1.0, 1.0]), None);
    /// assert_eq!(m.result(), 2.0);
    /// ```
    FalsePositives,
    "false_positives",
    |c| c.fp[0]
);
threshold_metric!(
    /// `keras.metrics.TrueNegatives(thresholds=None)`: the weighted count of negatives
    /// predicted negative.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Metric, TrueNegatives};
    /// // Keras's documented example.
    /// let mut m = TrueNegatives::new();
    /// m.update_state(&tf::constant([0.0f32, 1.0, 0.0, 0.0]), &tf::constant([1.0f32, 1.0, 0.0, 0.0]), None);
    /// assert_eq!(m.result(), 2.0);
    /// ```
    TrueNegatives,
    "true_negatives",
    |c| c.tn[0]
);
threshold_metric!(
    /// `keras.metrics.FalseNegatives(thresholds=None)`: the weighted count of positives
    /// predicted negative.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{FalseNegatives, Metric};
    /// // Keras's documented example.
    /// let mut m = FalseNegatives::new();
    /// m.update_state(&tf::constant([0.0f32, 1.0, 1.0, 1.0]), &tf::constant([0.0f32, 1.0, 0.0, 0.0]), None);
    /// assert_eq!(m.result(), 2.0);
    /// ```
    FalseNegatives,
    "false_negatives",
    |c| c.fn_[0]
);

/// `AUC(curve=...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// `"ROC"`: recall against the false-positive rate.
    Roc,
    /// `"PR"`: precision against recall.
    Pr,
}

/// `AUC(summation_method=...)`: how each step between two thresholds is summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summation {
    /// `"interpolation"`: trapezoids for ROC; for PR, Davis & Goadrich's interpolation.
    Interpolation,
    /// `"minoring"`: the lower of the step's two heights.
    Minoring,
    /// `"majoring"`: the higher.
    Majoring,
}

/// `keras.metrics.AUC(num_thresholds=200, curve="ROC", summation_method="interpolation",
/// from_logits=False)`: the area under the ROC or precision-recall curve, from the counts at
/// `num_thresholds` evenly spaced thresholds (every value given counts as one label, as
/// Keras's `multi_label=False`).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::metrics::{self, Curve, Metric};
/// // Keras's documented example.
/// let mut m = metrics::AUC::new(3);
/// m.update_state(&tf::constant([0.0f32, 0.0, 1.0, 1.0]), &tf::constant([0.0f32, 0.5, 0.3, 0.9]), None);
/// assert_eq!(m.result(), 0.75);
/// let mut pr = metrics::AUC::default().curve(Curve::Pr);
/// pr.update_state(&tf::constant([0.0f32, 1.0]), &tf::constant([0.2f32, 0.8]), None);
/// assert!((pr.result() - 1.0).abs() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct AUC {
    c: Confusion,
    curve: Curve,
    summation: Summation,
    from_logits: bool,
}
impl AUC {
    /// AUC with `num_thresholds` thresholds (Keras's default is 200): 0 − ε, the evenly
    /// spaced ones inside (0, 1), and 1 + ε.
    pub fn new(num_thresholds: usize) -> AUC {
        let n = num_thresholds.max(3);
        let mut th = vec![-EPSILON];
        th.extend((1..n - 1).map(|i| i as f64 / (n - 1) as f64));
        th.push(1.0 + EPSILON);
        AUC {
            c: Confusion::new(th),
            curve: Curve::Roc,
            summation: Summation::Interpolation,
            from_logits: false,
        }
    }
    /// `curve=`.
    pub fn curve(mut self, c: Curve) -> Self {
        self.curve = c;
        self
    }
    /// `summation_method=`.
    pub fn summation_method(mut self, s: Summation) -> Self {
        self.summation = s;
        self
    }
    /// `from_logits=`: predictions are logits (a sigmoid is applied first).
    pub fn from_logits(mut self, f: bool) -> Self {
        self.from_logits = f;
        self
    }

    /// Davis & Goadrich's interpolated area under the precision-recall curve (Keras's
    /// `interpolate_pr_auc`).
    fn interpolated_pr(&self) -> f64 {
        let c = &self.c;
        let p: Vec<f64> = c.tp.iter().zip(&c.fp).map(|(a, b)| a + b).collect();
        (0..c.thresholds.len() - 1)
            .map(|i| {
                let dtp = c.tp[i] - c.tp[i + 1];
                let dp = p[i] - p[i + 1];
                let slope = div_no_nan(dtp, dp.max(0.0));
                let intercept = c.tp[i + 1] - slope * p[i + 1];
                let ratio = if p[i] > 0.0 && p[i + 1] > 0.0 {
                    div_no_nan(p[i], p[i + 1].max(0.0))
                } else {
                    1.0
                };
                div_no_nan(slope * (dtp + intercept * ratio.ln()), (c.tp[i + 1] + c.fn_[i + 1]).max(0.0))
            })
            .sum()
    }
}
impl Default for AUC {
    fn default() -> Self {
        Self::new(200)
    }
}
impl Metric for AUC {
    fn name(&self) -> String {
        "auc".into()
    }
    #[track_caller]
    fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
        if self.from_logits {
            self.c.update("auc", y_true, &tf::sigmoid(y_pred), sample_weight);
        } else {
            self.c.update("auc", y_true, y_pred, sample_weight);
        }
    }
    fn result(&self) -> f64 {
        if self.curve == Curve::Pr && self.summation == Summation::Interpolation {
            return self.interpolated_pr();
        }
        let c = &self.c;
        let n = c.thresholds.len();
        let recall: Vec<f64> = (0..n).map(|i| div_no_nan(c.tp[i], c.tp[i] + c.fn_[i])).collect();
        let (x, y): (Vec<f64>, Vec<f64>) = match self.curve {
            Curve::Roc => ((0..n).map(|i| div_no_nan(c.fp[i], c.fp[i] + c.tn[i])).collect(), recall),
            Curve::Pr => (recall, (0..n).map(|i| div_no_nan(c.tp[i], c.tp[i] + c.fp[i])).collect()),
        };
        (0..n - 1)
            .map(|i| {
                let height = match self.summation {
                    Summation::Interpolation => (y[i] + y[i + 1]) / 2.0,
                    Summation::Minoring => y[i].min(y[i + 1]),
                    Summation::Majoring => y[i].max(y[i + 1]),
                };
                (x[i] - x[i + 1]) * height
            })
            .sum()
    }
    fn reset_state(&mut self) {
        self.c.reset();
    }
}

/// The X-at-Y metrics: the best of one statistic over the thresholds where another reaches
/// a value.
macro_rules! at_metric {
    ($(#[$m:meta])* $ty:ident, $name:literal, $arg:literal, |$c:ident, $i:ident| ($constrained:expr, $dependent:expr)) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $ty {
            c: Confusion,
            value: f64,
        }
        impl $ty {
            #[doc = concat!("At `", $arg, "` = `value` (in [0, 1]), over 200 thresholds.")]
            ///
            /// # Panics
            /// When `value` is outside [0, 1] (Keras's ValueError).
            #[track_caller]
            pub fn new(value: f64) -> $ty {
                if !(0.0..=1.0).contains(&value) {
                    panic!(concat!("Argument `", $arg, "` must be in the range [0, 1]. Received: ", $arg, "={}"), value);
                }
                $ty {
                    c: Confusion::new(even_thresholds(200)),
                    value,
                }
            }
            /// `num_thresholds=`: 0, the evenly spaced ones inside (0, 1), and 1 (0.5 alone
            /// for one).
            ///
            /// # Panics
            /// For 0 (Keras's ValueError).
            #[track_caller]
            pub fn num_thresholds(mut self, n: usize) -> Self {
                if n == 0 {
                    panic!("Argument `num_thresholds` must be an integer > 0. Received: num_thresholds=0");
                }
                self.c.set_thresholds(even_thresholds(n));
                self
            }
            /// `class_id=`: only this index of the last axis counts.
            pub fn class_id(mut self, id: usize) -> Self {
                self.c.class_id = Some(id);
                self
            }
        }
        impl Metric for $ty {
            fn name(&self) -> String {
                $name.into()
            }
            #[track_caller]
            fn update_state(&mut self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) {
                self.c.update($name, y_true, y_pred, sample_weight);
            }
            fn result(&self) -> f64 {
                let $c = &self.c;
                // Keras's `_find_max_under_constraint`: 0 when no threshold qualifies.
                (0..$c.thresholds.len())
                    .map(|$i| ($constrained, $dependent))
                    .filter(|(constrained, _)| *constrained >= self.value as f32 as f64)
                    .map(|(_, dependent)| dependent)
                    .fold(None, |best: Option<f64>, d| Some(best.map_or(d, |b| b.max(d))))
                    .unwrap_or(0.0)
            }
            fn reset_state(&mut self) {
                self.c.reset();
            }
        }
    };
}

/// The X-at-Y metrics' thresholds: 0, the evenly spaced ones inside (0, 1), and 1.
fn even_thresholds(n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![0.5];
    }
    let mut th = vec![0.0];
    th.extend((1..n.saturating_sub(1)).map(|i| i as f64 / (n - 1) as f64));
    th.push(1.0);
    th
}

fn recall(c: &Confusion, i: usize) -> f64 {
    div_no_nan(c.tp[i], c.tp[i] + c.fn_[i])
}
fn specificity(c: &Confusion, i: usize) -> f64 {
    div_no_nan(c.tn[i], c.tn[i] + c.fp[i])
}
fn precision(c: &Confusion, i: usize) -> f64 {
    div_no_nan(c.tp[i], c.tp[i] + c.fp[i])
}

at_metric!(
    /// `keras.metrics.SensitivityAtSpecificity(specificity, num_thresholds=200,
    /// class_id=None)`: the best recall where the specificity is at least `specificity`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Metric, SensitivityAtSpecificity};
    /// // Keras's documented example.
    /// let mut m = SensitivityAtSpecificity::new(0.5);
    /// m.update_state(&tf::constant([0.0f32, 0.0, 0.0, 1.0, 1.0]), &tf::constant([0.0f32, 0.3, 0.8, 0.3, 0.8]), None);
    /// assert_eq!(m.result(), 0.5);
    /// ```
    SensitivityAtSpecificity,
    "sensitivity_at_specificity",
    "specificity",
    |c, i| (specificity(c, i), recall(c, i))
);
at_metric!(
    /// `keras.metrics.SpecificityAtSensitivity(sensitivity, num_thresholds=200,
    /// class_id=None)`: the best specificity where the recall is at least `sensitivity`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Metric, SpecificityAtSensitivity};
    /// // Keras's documented example.
    /// let mut m = SpecificityAtSensitivity::new(0.5);
    /// m.update_state(&tf::constant([0.0f32, 0.0, 0.0, 1.0, 1.0]), &tf::constant([0.0f32, 0.3, 0.8, 0.3, 0.8]), None);
    /// assert!((m.result() - 2.0 / 3.0).abs() < 1e-12);
    /// ```
    SpecificityAtSensitivity,
    "specificity_at_sensitivity",
    "sensitivity",
    |c, i| (recall(c, i), specificity(c, i))
);
at_metric!(
    /// `keras.metrics.PrecisionAtRecall(recall, num_thresholds=200, class_id=None)`: the best
    /// precision where the recall is at least `recall`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Metric, PrecisionAtRecall};
    /// // Keras's documented example.
    /// let mut m = PrecisionAtRecall::new(0.5);
    /// m.update_state(&tf::constant([0.0f32, 0.0, 0.0, 1.0, 1.0]), &tf::constant([0.0f32, 0.3, 0.8, 0.3, 0.8]), None);
    /// assert_eq!(m.result(), 0.5);
    /// ```
    PrecisionAtRecall,
    "precision_at_recall",
    "recall",
    |c, i| (recall(c, i), precision(c, i))
);
at_metric!(
    /// `keras.metrics.RecallAtPrecision(precision, num_thresholds=200, class_id=None)`: the
    /// best recall where the precision is at least `precision`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::metrics::{Metric, RecallAtPrecision};
    /// // Keras's documented example.
    /// let mut m = RecallAtPrecision::new(0.8);
    /// m.update_state(&tf::constant([0.0f32, 0.0, 1.0, 1.0]), &tf::constant([0.0f32, 0.5, 0.3, 0.9]), None);
    /// assert_eq!(m.result(), 0.5);
    /// ```
    RecallAtPrecision,
    "recall_at_precision",
    "precision",
    |c, i| (precision(c, i), recall(c, i))
);
