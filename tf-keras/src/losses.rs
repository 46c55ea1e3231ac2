//! `keras.losses`: loss objects with Keras's defaults. `call` reduces as Keras does
//! (`SUM_OVER_BATCH_SIZE`: the weighted sum divided by the number of per-sample values);
//! `per_sample` gives the unreduced values.

use crate::saving::config::{Config, ConfigValue};
use tf_core::{self as tf, DType, Squash, Tensor};

/// Keras's backend epsilon.
pub(crate) const EPSILON: f64 = 1e-7;

/// How per-sample losses become the loss value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// `AUTO` / `SUM_OVER_BATCH_SIZE`: the weighted sum over the number of values.
    #[default]
    SumOverBatchSize,
    /// `SUM`.
    Sum,
    /// `NONE`: the per-sample values.
    None,
}

/// A Keras loss.
pub trait Loss: Send + Sync {
    /// The Keras name (`"sparse_categorical_crossentropy"`).
    fn name(&self) -> String;
    /// The per-sample losses (Keras's `loss.call`), one per example.
    fn per_sample(&self, y_true: &Tensor, y_pred: &Tensor) -> Tensor;
    /// The reduction (`SumOverBatchSize` unless set).
    fn reduction(&self) -> Reduction {
        Reduction::SumOverBatchSize
    }
    /// Keras's `serialize(loss)`: `{"class_name": ..., "config": {...}}` that
    /// [`deserialize`] rebuilds, or `None` for a loss without one (a user's).
    fn get_config(&self) -> Option<serde_json::Value> {
        None
    }
    /// `loss(y_true, y_pred)`: the reduced loss.
    #[track_caller]
    fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Tensor {
        self.call_weighted(y_true, y_pred, None)
    }
    /// Which per-sample losses count (Keras's mask on a loss, as `ignore_class` sets): a
    /// bool tensor shaped as [`per_sample`](Self::per_sample)'s, or `None` when all do.
    fn valid(&self, _y_true: &Tensor, _y_pred: &Tensor) -> Option<Tensor> {
        None
    }
    /// `loss(y_true, y_pred, sample_weight)`. Losses [`valid`](Self::valid) excludes weigh
    /// 0, and the mean is over the valid ones.
    #[track_caller]
    fn call_weighted(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Tensor {
        self.call_masked(y_true, y_pred, sample_weight, None)
    }
    /// `loss(y_true, y_pred, sample_weight)` for a `y_pred` that carries Keras's mask (a
    /// sequence model's padding, shaped as [`per_sample`](Self::per_sample)'s values): the
    /// masked losses weigh 0 and the mean is over the kept ones, together with
    /// [`valid`](Self::valid)'s (as Keras's `Loss.__call__` joins the two masks).
    #[track_caller]
    fn call_masked(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>, mask: Option<&Tensor>) -> Tensor {
        let losses = self.per_sample(y_true, y_pred);
        let mask = mask.map(|m| tf::cast(m, DType::Bool));
        let valid = match (self.valid(y_true, y_pred), mask) {
            (Some(v), Some(m)) => Some(tf::logical_and(&v, &m)),
            (v, m) => v.or(m),
        };
        match valid {
            None => reduce(losses, sample_weight, self.reduction()),
            Some(valid) => {
                let weights = valid_weights(&valid, &losses, sample_weight, self.reduction());
                reduce(losses, Some(&weights), self.reduction())
            }
        }
    }
}

/// Keras's `apply_valid_mask`: the mask as weights (times any sample weights); for a mean
/// over the batch, valid entries weigh `total / valid`, so the mean is over the valid ones
/// (a batch with none is NaN, as in Keras).
fn valid_weights(valid: &Tensor, losses: &Tensor, sample_weight: Option<&Tensor>, reduction: Reduction) -> Tensor {
    let mut mask = tf::cast(valid, losses.dtype());
    if reduction == Reduction::SumOverBatchSize {
        let total = tf::cast(&tf::size(&mask), losses.dtype());
        mask = &mask * &(&total / &tf::reduce_sum(&mask, None, false));
    }
    match sample_weight {
        Some(w) => &mask * &sample_weights(w, losses),
        None => mask,
    }
}

/// Sample weights in the losses' dtype and shape: `[batch, 1]` weights against `[batch]`
/// losses are squeezed, as Keras does.
fn sample_weights(w: &Tensor, losses: &Tensor) -> Tensor {
    let w = float(w, losses);
    if w.rank() == losses.rank() + 1 && w.shape().dims().last() == Some(&1) {
        tf::squeeze(&w, &[-1])
    } else {
        w
    }
}

/// Applies sample weights and a reduction to per-sample losses.
#[track_caller]
pub fn reduce(losses: Tensor, sample_weight: Option<&Tensor>, reduction: Reduction) -> Tensor {
    let n = losses.num_elements();
    let weighted = match sample_weight {
        Some(w) => &losses * &sample_weights(w, &losses),
        None => losses,
    };
    match reduction {
        Reduction::None => weighted,
        Reduction::Sum => tf::reduce_sum(&weighted, None, false),
        Reduction::SumOverBatchSize if weighted.shape().is_fully_defined() => {
            &tf::reduce_sum(&weighted, None, false) * (1.0 / n.max(1) as f64)
        }
        // A traced batch of unknown size: the count is taken when the graph runs.
        Reduction::SumOverBatchSize => {
            let count = tf::maximum(&tf::size(&weighted), &tf::constant(1i32));
            &tf::reduce_sum(&weighted, None, false) / &tf::cast(&count, weighted.dtype())
        }
    }
}

fn float(x: &Tensor, like: &Tensor) -> Tensor {
    if x.dtype() == like.dtype() {
        x.clone()
    } else {
        tf::cast(x, like.dtype())
    }
}

fn clip(p: &Tensor, lo: f64, hi: f64) -> Tensor {
    tf::clip_by_value(p, &tf::scalar(lo, p.dtype()), &tf::scalar(hi, p.dtype()))
}

/// Defines a loss struct with a `reduction` builder and a per-sample function.
macro_rules! loss {
    ($(#[$m:meta])* $ty:ident, $name:literal, { $($field:ident : $fty:ty = $default:expr),* }, |$s:ident, $t:ident, $p:ident| $body:expr
     $(, valid: |$vs:ident, $vt:ident, $vp:ident| $valid:expr)?) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $ty {
            reduction: Reduction,
            $($field: $fty,)*
        }
        impl $ty {
            /// The loss with Keras's defaults.
            pub fn new() -> $ty {
                $ty { reduction: Reduction::SumOverBatchSize, $($field: $default,)* }
            }
            setters! {
                reduction: Reduction,
            }
            $(
                #[doc = concat!("`", stringify!($field), "=`.")]
                pub fn $field(mut self, v: $fty) -> Self {
                    self.$field = v;
                    self
                }
            )*
        }
        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }
        impl $ty {
            fn from_config(c: &Config) -> tf::Result<$ty> {
                #[allow(unused_mut)]
                let mut l = $ty::new();
                crate::saving::config::read(c, "reduction", stringify!($ty), &mut l.reduction)?;
                $( crate::saving::config::read(c, stringify!($field), stringify!($ty), &mut l.$field)?; )*
                Ok(l)
            }
        }
        impl Loss for $ty {
            fn name(&self) -> String {
                $name.into()
            }
            fn get_config(&self) -> Option<serde_json::Value> {
                let mut c = Config::new();
                c.insert("name".into(), $name.into());
                c.insert("reduction".into(), self.reduction.to_config());
                $( c.insert(stringify!($field).into(), self.$field.to_config()); )*
                Some(serde_json::json!({ "class_name": stringify!($ty), "config": c }))
            }
            fn reduction(&self) -> Reduction {
                self.reduction
            }
            #[track_caller]
            fn per_sample(&self, $t: &Tensor, $p: &Tensor) -> Tensor {
                let $s = self;
                $body
            }
            $(
                fn valid(&self, $vt: &Tensor, $vp: &Tensor) -> Option<Tensor> {
                    let $vs = self;
                    $valid
                }
            )?
        }
    };
}

/// Sparse labels (`[batch]` or `[batch, 1]`, any integer or float dtype) as int64.
#[track_caller]
pub(crate) fn sparse_labels(y_true: &Tensor, y_pred: &Tensor) -> Tensor {
    let y = if y_true.rank() == y_pred.rank() && y_true.shape().dims().last() == Some(&1) {
        tf::squeeze(y_true, &[-1])
    } else {
        y_true.clone()
    };
    if y.dtype() == DType::I64 {
        y
    } else {
        tf::cast(&y, DType::I64)
    }
}

loss!(
    /// `keras.losses.SparseCategoricalCrossentropy(from_logits=False)`: integer labels against
    /// class scores (logits with `from_logits(true)`, probabilities otherwise).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, SparseCategoricalCrossentropy};
    /// let y_true = tf::constant([1i32, 2]);
    /// let y_pred = tf::constant([[0.05f32, 0.95, 0.0], [0.1, 0.8, 0.1]]);
    /// let loss = SparseCategoricalCrossentropy::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 1.177).abs() < 1e-3); // the Keras docs' value
    /// ```
    ///
    /// With `ignore_class(Some(c))`, labels equal to `c` (a segmentation's "void" class, often
    /// 255 or -1) add nothing: their losses are 0 and the mean is over the others.
    SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", { from_logits: bool = false, ignore_class: Option<i64> = None },
    |s, y_true, y_pred| {
        let mut labels = sparse_labels(y_true, y_pred);
        let valid = s.ignored(&labels);
        if let Some(v) = &valid {
            labels = tf::where_(v, &labels, &tf::zeros_like(&labels));
        }
        let logits = match (y_pred.logits(Squash::Softmax), s.from_logits) {
            (Some(z), _) => z.clone(),
            (None, true) => y_pred.clone(),
            (None, false) => tf::log(&clip(y_pred, EPSILON, 1.0 - EPSILON)),
        };
        let losses = tf::nn::sparse_softmax_cross_entropy_with_logits(&labels, &logits);
        match valid {
            Some(v) => tf::where_(&v, &losses, &tf::zeros_like(&losses)),
            None => losses,
        }
    },
    valid: |s, y_true, y_pred| s.ignored(&sparse_labels(y_true, y_pred))
);

impl SparseCategoricalCrossentropy {
    /// Where the labels are not `ignore_class`, when one is set.
    fn ignored(&self, labels: &Tensor) -> Option<Tensor> {
        self.ignore_class
            .map(|c| tf::not_equal(labels, &tf::scalar(c as f64, labels.dtype())))
    }
}

loss!(
    /// `keras.losses.CategoricalCrossentropy(from_logits=False, label_smoothing=0.0)`:
    /// one-hot (or soft) labels against class scores.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, CategoricalCrossentropy};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0, 0.0], [0.0, 0.0, 1.0]]), tf::constant([[0.05f32, 0.95, 0.0], [0.1, 0.8, 0.1]]));
    /// let loss = CategoricalCrossentropy::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 1.1769392).abs() < 1e-5); // Keras's value
    /// ```
    CategoricalCrossentropy, "categorical_crossentropy", { from_logits: bool = false, label_smoothing: f64 = 0.0 },
    |s, y_true, y_pred| {
        let y = smooth_categorical(float(y_true, y_pred), s.label_smoothing);
        if let Some(z) = y_pred.logits(Squash::Softmax) {
            tf::nn::softmax_cross_entropy_with_logits(&y, z, -1)
        } else if s.from_logits {
            tf::nn::softmax_cross_entropy_with_logits(&y, y_pred, -1)
        } else {
            let p = y_pred / &tf::reduce_sum(y_pred, -1, true);
            let p = clip(&p, EPSILON, 1.0 - EPSILON);
            tf::negative(&tf::reduce_sum(&(&y * &tf::log(&p)), -1, false))
        }
    }
);

loss!(
    /// `keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.0)`, averaged
    /// over the last axis.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, BinaryCrossentropy};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[0.6f32, 0.4], [0.4, 0.6]]));
    /// let loss = BinaryCrossentropy::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.8149245).abs() < 1e-5); // Keras's value
    /// ```
    BinaryCrossentropy, "binary_crossentropy", { from_logits: bool = false, label_smoothing: f64 = 0.0 },
    |s, y_true, y_pred| {
        let y = smooth_binary(float(y_true, y_pred), s.label_smoothing);
        tf::reduce_mean(&binary_crossentropy(&y, y_pred, s.from_logits), -1, false)
    }
);

/// Binary labels smoothed towards 0.5.
fn smooth_binary(y: Tensor, label_smoothing: f64) -> Tensor {
    if label_smoothing > 0.0 {
        &(&y * (1.0 - label_smoothing)) + 0.5 * label_smoothing
    } else {
        y
    }
}

/// One-hot labels smoothed towards the uniform distribution over the last axis.
fn smooth_categorical(y: Tensor, label_smoothing: f64) -> Tensor {
    if label_smoothing > 0.0 {
        let classes = *y.shape().dims().last().unwrap_or(&1) as f64;
        &(&y * (1.0 - label_smoothing)) + label_smoothing / classes
    } else {
        y
    }
}

/// Keras's `backend.binary_crossentropy`, elementwise: from the logits a sigmoid recorded,
/// or `y_pred` as logits, or from probabilities clipped to `[ε, 1 - ε]`.
fn binary_crossentropy(y: &Tensor, y_pred: &Tensor, from_logits: bool) -> Tensor {
    if let Some(z) = y_pred.logits(Squash::Sigmoid) {
        tf::nn::sigmoid_cross_entropy_with_logits(y, z)
    } else if from_logits {
        tf::nn::sigmoid_cross_entropy_with_logits(y, y_pred)
    } else {
        let p = clip(y_pred, EPSILON, 1.0 - EPSILON);
        let a = y * &tf::log(&(&p + EPSILON));
        let b = &(1.0 - y) * &tf::log(&(&(1.0 - &p) + EPSILON));
        tf::negative(&(&a + &b))
    }
}

loss!(
    /// `keras.losses.BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25,
    /// gamma=2.0, from_logits=False, label_smoothing=0.0)`: the binary crossentropy scaled
    /// by `(1 - p_t)^gamma` (Lin et al.), and by `alpha` / `1 - alpha` for classes 1 / 0
    /// with class balancing; averaged over the last axis.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, BinaryFocalCrossentropy};
    /// let (y_true, y_pred) = (tf::constant([0.0f32, 1.0, 0.0, 0.0]), tf::constant([-18.6f32, 0.51, 2.94, -12.8]));
    /// let loss = BinaryFocalCrossentropy::new().gamma(2.0).from_logits(true).call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.6912122).abs() < 1e-5); // Keras's value
    /// ```
    BinaryFocalCrossentropy, "binary_focal_crossentropy",
    { apply_class_balancing: bool = false, alpha: f64 = 0.25, gamma: f64 = 2.0, from_logits: bool = false, label_smoothing: f64 = 0.0 },
    |s, y_true, y_pred| {
        let y = smooth_binary(float(y_true, y_pred), s.label_smoothing);
        let p = if s.from_logits { tf::sigmoid(y_pred) } else { y_pred.clone() };
        let p_t: Tensor = &(&y * &p) + &(&(1.0 - &y) * &(1.0 - &p));
        let focal = tf::pow(&(1.0 - &p_t), &tf::scalar(s.gamma, p_t.dtype()));
        let mut per = &focal * &binary_crossentropy(&y, y_pred, s.from_logits);
        if s.apply_class_balancing {
            per = &per * &(&(&y * s.alpha) + &(&(1.0 - &y) * (1.0 - s.alpha)));
        }
        tf::reduce_mean(&per, -1, false)
    }
);

loss!(
    /// `keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=False,
    /// label_smoothing=0.0)`: `Σ -alpha (1 - p)^gamma y log p` over the last axis, `p`
    /// normalised and clipped to `[ε, 1 - ε]`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, CategoricalFocalCrossentropy};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0, 0.0], [0.0, 0.0, 1.0]]), tf::constant([[0.05f32, 0.95, 0.0], [0.1, 0.8, 0.1]]));
    /// let loss = CategoricalFocalCrossentropy::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.23315276).abs() < 1e-5); // Keras's value
    /// ```
    CategoricalFocalCrossentropy, "categorical_focal_crossentropy",
    { alpha: f64 = 0.25, gamma: f64 = 2.0, from_logits: bool = false, label_smoothing: f64 = 0.0 },
    |s, y_true, y_pred| {
        let y = smooth_categorical(float(y_true, y_pred), s.label_smoothing);
        let p = match (y_pred.logits(Squash::Softmax), s.from_logits) {
            (Some(z), _) => tf::nn::softmax(z, -1),
            (None, true) => tf::nn::softmax(y_pred, -1),
            (None, false) => y_pred.clone(),
        };
        let p = clip(&(&p / &tf::reduce_sum(&p, -1, true)), EPSILON, 1.0 - EPSILON);
        let cce = tf::negative(&(&y * &tf::log(&p)));
        let weight = &tf::pow(&(1.0 - &p), &tf::scalar(s.gamma, p.dtype())) * s.alpha;
        tf::reduce_sum(&(&weight * &cce), -1, false)
    }
);

loss!(
    /// `keras.losses.MeanSquaredError()`: `mean((y_pred - y_true)², axis=-1)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, MeanSquaredError};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[1.0f32, 1.0], [1.0, 0.0]]));
    /// let loss = MeanSquaredError::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.5).abs() < 1e-5); // Keras's value
    /// ```
    MeanSquaredError, "mean_squared_error", {},
    |_s, y_true, y_pred| tf::reduce_mean(&tf::squared_difference(y_pred, &float(y_true, y_pred)), -1, false)
);

loss!(
    /// `keras.losses.MeanAbsoluteError()`: `mean(|y_pred - y_true|, axis=-1)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, MeanAbsoluteError};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[1.0f32, 1.0], [1.0, 0.0]]));
    /// let loss = MeanAbsoluteError::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.5).abs() < 1e-5); // Keras's value
    /// ```
    MeanAbsoluteError, "mean_absolute_error", {},
    |_s, y_true, y_pred| tf::reduce_mean(&tf::abs(&(y_pred - &float(y_true, y_pred))), -1, false)
);

loss!(
    /// `keras.losses.MeanAbsolutePercentageError()`:
    /// `100 mean(|y_true - y_pred| / max(|y_true|, ε), axis=-1)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, MeanAbsolutePercentageError};
    /// let (y_true, y_pred) = (tf::constant([[2.0f32, 1.0], [2.0, 3.0]]), tf::constant([[1.0f32, 1.0], [1.0, 0.0]]));
    /// let loss = MeanAbsolutePercentageError::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 50.0).abs() < 1e-5); // Keras's value
    /// ```
    MeanAbsolutePercentageError, "mean_absolute_percentage_error", {},
    |_s, y_true, y_pred| {
        let t = float(y_true, y_pred);
        let diff = tf::abs(&(&(&t - y_pred) / &tf::maximum(&tf::abs(&t), &tf::scalar(EPSILON, t.dtype()))));
        &tf::reduce_mean(&diff, -1, false) * 100.0
    }
);

loss!(
    /// `keras.losses.MeanSquaredLogarithmicError()`:
    /// `mean((log(max(y_pred, ε) + 1) - log(max(y_true, ε) + 1))², axis=-1)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, MeanSquaredLogarithmicError};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[1.0f32, 1.0], [1.0, 0.0]]));
    /// let loss = MeanSquaredLogarithmicError::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.24022643).abs() < 1e-5); // Keras's value
    /// ```
    MeanSquaredLogarithmicError, "mean_squared_logarithmic_error", {},
    |_s, y_true, y_pred| {
        let log1 = |x: &Tensor| tf::log(&(&tf::maximum(x, &tf::scalar(EPSILON, x.dtype())) + 1.0));
        tf::reduce_mean(&tf::squared_difference(&log1(y_pred), &log1(&float(y_true, y_pred))), -1, false)
    }
);

loss!(
    /// `keras.losses.Huber(delta=1.0)`: quadratic within `delta`, linear beyond.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, Huber};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[0.6f32, 0.4], [0.4, 0.6]]));
    /// let loss = Huber::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.155).abs() < 1e-5); // Keras's value
    /// ```
    Huber, "huber_loss", { delta: f64 = 1.0 },
    |s, y_true, y_pred| {
        let err = y_pred - &float(y_true, y_pred);
        let a = tf::abs(&err);
        let quad = &tf::square(&err) * 0.5;
        let lin = &(&a * s.delta) - 0.5 * s.delta * s.delta;
        tf::reduce_mean(&tf::where_(&tf::less_equal(&a, &tf::scalar(s.delta, a.dtype())), &quad, &lin), -1, false)
    }
);

loss!(
    /// `keras.losses.KLDivergence()`: `Σ y_true log(y_true / y_pred)` with both clipped to
    /// `[ε, 1]`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, KLDivergence};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[0.6f32, 0.4], [0.4, 0.6]]));
    /// let loss = KLDivergence::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.45814306).abs() < 1e-5); // Keras's value
    /// ```
    KLDivergence, "kl_divergence", {},
    |_s, y_true, y_pred| {
        let t = clip(&float(y_true, y_pred), EPSILON, 1.0);
        let p = clip(y_pred, EPSILON, 1.0);
        tf::reduce_sum(&(&t * &tf::log(&(&t / &p))), -1, false)
    }
);

loss!(
    /// `keras.losses.CosineSimilarity(axis=-1)`: the negated cosine similarity.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, CosineSimilarity};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [1.0, 1.0]]), tf::constant([[1.0f32, 0.0], [1.0, 1.0]]));
    /// let loss = CosineSimilarity::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - -0.5).abs() < 1e-5); // Keras's value
    /// ```
    CosineSimilarity, "cosine_similarity", { axis: i64 = -1 },
    |s, y_true, y_pred| {
        let t = tf::nn::l2_normalize(&float(y_true, y_pred), s.axis, 1e-12);
        let p = tf::nn::l2_normalize(y_pred, s.axis, 1e-12);
        tf::negative(&tf::reduce_sum(&(&t * &p), s.axis, false))
    }
);

loss!(
    /// `keras.losses.Hinge()`: `mean(max(1 - y_true y_pred, 0))`, with 0/1 labels mapped to
    /// -1/1.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, Hinge};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[0.6f32, 0.4], [0.4, 0.6]]));
    /// let loss = Hinge::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 1.3).abs() < 1e-5); // Keras's value
    /// ```
    Hinge, "hinge", {},
    |_s, y_true, y_pred| tf::reduce_mean(&hinge(y_true, y_pred), -1, false)
);

loss!(
    /// `keras.losses.SquaredHinge()`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, SquaredHinge};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[0.6f32, 0.4], [0.4, 0.6]]));
    /// let loss = SquaredHinge::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 1.86).abs() < 1e-5); // Keras's value
    /// ```
    SquaredHinge, "squared_hinge", {},
    |_s, y_true, y_pred| tf::reduce_mean(&tf::square(&hinge(y_true, y_pred)), -1, false)
);

loss!(
    /// `keras.losses.CategoricalHinge()`: `max(max((1 - y_true) y_pred) - Σ y_true y_pred + 1, 0)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, CategoricalHinge};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[0.6f32, 0.4], [0.4, 0.6]]));
    /// let loss = CategoricalHinge::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 1.4).abs() < 1e-5); // Keras's value
    /// ```
    CategoricalHinge, "categorical_hinge", {},
    |_s, y_true, y_pred| {
        let t = float(y_true, y_pred);
        let pos = tf::reduce_sum(&(&t * y_pred), -1, false);
        let neg = tf::reduce_max(&(&(1.0 - &t) * y_pred), -1, false);
        tf::maximum(&(&(&neg - &pos) + 1.0), &tf::zeros_like(&pos))
    }
);

loss!(
    /// `keras.losses.LogCosh()`: `mean(log(cosh(y_pred - y_true)))`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, LogCosh};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[1.0f32, 1.0], [0.0, 0.0]]));
    /// let loss = LogCosh::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.1084452).abs() < 1e-5); // Keras's value
    /// ```
    LogCosh, "log_cosh", {},
    |_s, y_true, y_pred| {
        let x = y_pred - &float(y_true, y_pred);
        let v = &(&x + &tf::nn::softplus(&(&x * -2.0))) - std::f64::consts::LN_2;
        tf::reduce_mean(&v, -1, false)
    }
);

loss!(
    /// `keras.losses.Poisson()`: `mean(y_pred - y_true log(y_pred + ε))`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::losses::{Loss, Poisson};
    /// let (y_true, y_pred) = (tf::constant([[0.0f32, 1.0], [0.0, 0.0]]), tf::constant([[1.0f32, 1.0], [0.0, 0.0]]));
    /// let loss = Poisson::new().call(&y_true, &y_pred);
    /// assert!((loss.scalar::<f32>() - 0.5).abs() < 1e-5); // Keras's value
    /// ```
    Poisson, "poisson", {},
    |_s, y_true, y_pred| {
        let t = float(y_true, y_pred);
        tf::reduce_mean(&(y_pred - &(&t * &tf::log(&(y_pred + EPSILON)))), -1, false)
    }
);

/// `max(1 - y_true y_pred, 0)`, 0/1 labels mapped to -1/1 first when every label is 0 or
/// 1 (Keras's `_maybe_convert_labels`: a selection, so nothing is read while tracing).
fn hinge(y_true: &Tensor, y_pred: &Tensor) -> Tensor {
    let t = float(y_true, y_pred);
    let zero_or_one = tf::logical_or(&tf::equal(&t, &tf::zeros_like(&t)), &tf::equal(&t, &tf::ones_like(&t)));
    let t = tf::where_(&tf::reduce_all(&zero_or_one, None, false), &(&(&t * 2.0) - 1.0), &t);
    let margin = 1.0 - &(&t * y_pred);
    tf::maximum(&margin, &tf::zeros_like(&margin))
}

/// One built-in loss: its Keras class name, the identifiers `compile` takes for it, and its
/// constructor from a config (an empty config gives Keras's defaults).
struct Builtin {
    class: &'static str,
    names: &'static [&'static str],
    from_config: fn(&Config) -> tf::Result<Box<dyn Loss>>,
}

macro_rules! builtins {
    ($($ty:ident: [$($name:literal),+]),* $(,)?) => {
        /// Every built-in loss, in one table for [`get`] and [`deserialize`].
        static BUILTINS: &[Builtin] = &[$(Builtin {
            class: stringify!($ty),
            names: &[$($name),+],
            from_config: |c| Ok(Box::new($ty::from_config(c)?)),
        }),*];
    };
}
builtins! {
    SparseCategoricalCrossentropy: ["sparse_categorical_crossentropy"],
    CategoricalCrossentropy: ["categorical_crossentropy"],
    BinaryCrossentropy: ["binary_crossentropy"],
    BinaryFocalCrossentropy: ["binary_focal_crossentropy"],
    CategoricalFocalCrossentropy: ["categorical_focal_crossentropy"],
    MeanSquaredError: ["mean_squared_error", "mse"],
    MeanAbsoluteError: ["mean_absolute_error", "mae"],
    MeanAbsolutePercentageError: ["mean_absolute_percentage_error", "mape"],
    MeanSquaredLogarithmicError: ["mean_squared_logarithmic_error", "msle"],
    Huber: ["huber", "huber_loss"],
    KLDivergence: ["kl_divergence", "kld", "kullback_leibler_divergence"],
    CosineSimilarity: ["cosine_similarity"],
    Hinge: ["hinge"],
    SquaredHinge: ["squared_hinge"],
    CategoricalHinge: ["categorical_hinge"],
    LogCosh: ["log_cosh", "logcosh"],
    Poisson: ["poisson"],
}

/// `keras.losses.get(identifier)`: a loss by its Keras name (`"mse"`,
/// `"sparse_categorical_crossentropy"`, ...), with Keras's defaults.
///
/// # Panics
/// For an unknown name, with Keras's message.
#[track_caller]
pub fn get(name: &str) -> Box<dyn Loss> {
    let Some(b) = BUILTINS.iter().find(|b| b.names.contains(&name)) else {
        panic!("Could not interpret loss function identifier: {name}")
    };
    (b.from_config)(&Config::new()).unwrap_or_else(|e| unreachable!("an empty config gives the defaults: {e}"))
}

/// `keras.losses.deserialize(config)`: the loss [`Loss::get_config`] described.
///
/// # Errors
/// `Unimplemented` for an unknown class; `InvalidArgument` for a malformed config.
pub fn deserialize(v: &serde_json::Value) -> tf::Result<Box<dyn Loss>> {
    let (class, c) = crate::saving::config::class_and_config(v, "loss")?;
    match BUILTINS.iter().find(|b| b.class == class) {
        Some(b) => (b.from_config)(c),
        None => Err(tf::Error::Unimplemented(format!("unknown loss class `{class}`"))),
    }
}

/// Keras's names for the reductions.
impl ConfigValue for Reduction {
    fn to_config(&self) -> serde_json::Value {
        match self {
            Reduction::SumOverBatchSize => "sum_over_batch_size",
            Reduction::Sum => "sum",
            Reduction::None => "none",
        }
        .into()
    }
    fn from_config(v: &serde_json::Value, key: &str) -> tf::Result<Reduction> {
        match v.as_str() {
            Some("sum_over_batch_size" | "auto") => Ok(Reduction::SumOverBatchSize),
            Some("sum") => Ok(Reduction::Sum),
            Some("none") => Ok(Reduction::None),
            _ => Err(tf::Error::InvalidArgument(format!(
                "config `{key}` must be a Keras reduction name, got {v}"
            ))),
        }
    }
}

/// What `compile` accepts as a loss: a Keras name or a loss object.
pub trait IntoLoss {
    /// The boxed loss.
    fn into_loss(self) -> Box<dyn Loss>;
}
impl IntoLoss for &str {
    #[track_caller]
    fn into_loss(self) -> Box<dyn Loss> {
        get(self)
    }
}
impl<L: Loss + 'static> IntoLoss for L {
    fn into_loss(self) -> Box<dyn Loss> {
        Box::new(self)
    }
}
impl IntoLoss for Box<dyn Loss> {
    fn into_loss(self) -> Box<dyn Loss> {
        self
    }
}

/// What `compile` takes as `loss`: one loss for every output, or one per output (Keras's
/// `loss=[...]` for a model with several outputs).
pub trait IntoLosses {
    /// The boxed losses: one, or one per output.
    fn into_losses(self) -> Vec<Box<dyn Loss>>;
}
impl<T: IntoLoss> IntoLosses for T {
    #[track_caller]
    fn into_losses(self) -> Vec<Box<dyn Loss>> {
        vec![self.into_loss()]
    }
}
impl<T: IntoLoss, const N: usize> IntoLosses for [T; N] {
    #[track_caller]
    fn into_losses(self) -> Vec<Box<dyn Loss>> {
        self.into_iter().map(IntoLoss::into_loss).collect()
    }
}
impl<T: IntoLoss> IntoLosses for Vec<T> {
    #[track_caller]
    fn into_losses(self) -> Vec<Box<dyn Loss>> {
        self.into_iter().map(IntoLoss::into_loss).collect()
    }
}
