//! `keras.optimizers.schedules`: learning rates as functions of the step.

use crate::saving::config::{Config, ConfigValue};
use tf_core::{self as tf, DType, Tensor};

/// A learning rate as a function of the optimizer's step count (`iterations`).
///
/// A closure `Fn(i64) -> f64` is one; the built-in schedules also compute on a step tensor,
/// which is what lets a train step that uses them run as a graph function.
pub trait LearningRateSchedule: Send + Sync {
    /// The learning rate at `step`.
    fn call(&self, step: i64) -> f64;
    /// The learning rate at `step`, a float64 scalar tensor (symbolic inside a trace); `None`
    /// for a schedule that is plain Rust (a closure).
    fn call_tensor(&self, _step: &Tensor) -> Option<Tensor> {
        None
    }
    /// Keras's `serialize(schedule)`: `{"class_name": ..., "config": {...}}`, or `None` for a
    /// schedule without one (a closure).
    fn get_config(&self) -> Option<serde_json::Value> {
        None
    }
}

impl<F: Fn(i64) -> f64 + Send + Sync> LearningRateSchedule for F {
    fn call(&self, step: i64) -> f64 {
        self(step)
    }
}

/// A built-in schedule's `call`: its tensor formula on a constant step.
fn eager(s: &dyn LearningRateSchedule, step: i64) -> f64 {
    s.call_tensor(&tf::scalar(step as f64, DType::F64))
        .expect("built-in schedules compute on tensors")
        .scalar::<f64>()
}

/// A float64 scalar.
fn c(v: f64) -> Tensor {
    tf::scalar(v, DType::F64)
}

/// `step / decay_steps`, floored when `staircase` (the exponential and inverse-time decays).
fn decay_periods(step: &Tensor, decay_steps: f64, staircase: bool) -> Tensor {
    let p = step / decay_steps;
    if staircase {
        tf::floor(&p)
    } else {
        p
    }
}

/// A schedule's config from its public fields, and back (every field is optional on reading,
/// as Keras's constructor arguments with defaults are).
macro_rules! schedule_config {
    ($ty:ident, $blank:expr, [$($f:ident),*]) => {
        impl $ty {
            fn config(&self) -> serde_json::Value {
                let mut c = Config::new();
                $( c.insert(stringify!($f).into(), self.$f.to_config()); )*
                serde_json::json!({ "class_name": stringify!($ty), "config": c })
            }
            fn from_config(c: &Config) -> tf_core::Result<$ty> {
                let mut s = $blank;
                $( crate::saving::config::read(c, stringify!($f), stringify!($ty), &mut s.$f)?; )*
                Ok(s)
            }
        }
    };
}

/// `keras.optimizers.schedules.deserialize(config)`: the schedule
/// [`LearningRateSchedule::get_config`] described.
///
/// # Errors
/// `Unimplemented` for an unknown class; `InvalidArgument` for a malformed config.
pub fn deserialize(v: &serde_json::Value) -> tf_core::Result<Box<dyn LearningRateSchedule>> {
    let (class, c) = crate::saving::config::class_and_config(v, "learning-rate schedule")?;
    fn boxed<S: LearningRateSchedule + 'static>(s: tf_core::Result<S>) -> tf_core::Result<Box<dyn LearningRateSchedule>> {
        s.map(|s| Box::new(s) as Box<dyn LearningRateSchedule>)
    }
    match class {
        "ExponentialDecay" => boxed(ExponentialDecay::from_config(c)),
        "PiecewiseConstantDecay" => {
            let s = PiecewiseConstantDecay::from_config(c)?;
            if s.values.len() != s.boundaries.len() + 1 {
                return Err(tf_core::Error::InvalidArgument(format!(
                    "PiecewiseConstantDecay config: {} values for {} boundaries",
                    s.values.len(),
                    s.boundaries.len()
                )));
            }
            boxed(Ok(s))
        }
        "CosineDecay" => boxed(CosineDecay::from_config(c)),
        "CosineDecayRestarts" => boxed(CosineDecayRestarts::from_config(c)),
        "InverseTimeDecay" => boxed(InverseTimeDecay::from_config(c)),
        "PolynomialDecay" => boxed(PolynomialDecay::from_config(c)),
        other => Err(tf_core::Error::Unimplemented(format!(
            "unknown learning-rate schedule class `{other}`"
        ))),
    }
}

schedule_config!(
    ExponentialDecay,
    ExponentialDecay::new(0.0, 1, 1.0),
    [initial_learning_rate, decay_steps, decay_rate, staircase]
);
schedule_config!(
    PiecewiseConstantDecay,
    PiecewiseConstantDecay {
        boundaries: Vec::new(),
        values: Vec::new()
    },
    [boundaries, values]
);
schedule_config!(
    CosineDecay,
    CosineDecay::new(0.0, 1),
    [initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps]
);
schedule_config!(
    CosineDecayRestarts,
    CosineDecayRestarts::new(0.0, 1),
    [initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha]
);
schedule_config!(
    InverseTimeDecay,
    InverseTimeDecay::new(0.0, 1, 0.0),
    [initial_learning_rate, decay_steps, decay_rate, staircase]
);
schedule_config!(
    PolynomialDecay,
    PolynomialDecay::new(0.0, 1),
    [initial_learning_rate, decay_steps, end_learning_rate, power, cycle]
);

/// `ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// `lr · rate^(step / decay_steps)` (the exponent floored when `staircase`).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::schedules::{ExponentialDecay, LearningRateSchedule};
/// let s = ExponentialDecay::new(0.1, 10, 0.5);
/// for (step, want) in [(0, 0.1), (5, 0.07071068), (10, 0.05), (20, 0.025)] {
///     assert!((s.call(step) - want).abs() < 1e-7);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ExponentialDecay {
    /// `initial_learning_rate`.
    pub initial_learning_rate: f64,
    /// `decay_steps`.
    pub decay_steps: f64,
    /// `decay_rate`.
    pub decay_rate: f64,
    /// `staircase`.
    pub staircase: bool,
}
impl ExponentialDecay {
    /// The schedule, not staircased.
    pub fn new(initial_learning_rate: f64, decay_steps: usize, decay_rate: f64) -> Self {
        ExponentialDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            decay_rate,
            staircase: false,
        }
    }
}
impl LearningRateSchedule for ExponentialDecay {
    fn get_config(&self) -> Option<serde_json::Value> {
        Some(self.config())
    }
    fn call(&self, step: i64) -> f64 {
        eager(self, step)
    }
    fn call_tensor(&self, step: &Tensor) -> Option<Tensor> {
        let p = decay_periods(step, self.decay_steps, self.staircase);
        Some(&tf::pow(&c(self.decay_rate), &p) * self.initial_learning_rate)
    }
}

/// `PiecewiseConstantDecay(boundaries, values)`: `values[0]` up to and including
/// `boundaries[0]`, then `values[1]`, ...
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::schedules::{PiecewiseConstantDecay, LearningRateSchedule};
/// let s = PiecewiseConstantDecay::new([100, 200], [1.0, 0.5, 0.1]);
/// for (step, want) in [(0, 1.0), (100, 1.0), (101, 0.5), (200, 0.5), (201, 0.1)] {
///     assert!((s.call(step) - want).abs() < 1e-7);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct PiecewiseConstantDecay {
    boundaries: Vec<i64>,
    values: Vec<f64>,
}
impl PiecewiseConstantDecay {
    /// The schedule.
    ///
    /// # Panics
    /// When `values` is not one longer than `boundaries`, with Keras's message.
    #[track_caller]
    pub fn new(boundaries: impl Into<Vec<i64>>, values: impl Into<Vec<f64>>) -> Self {
        let (boundaries, values) = (boundaries.into(), values.into());
        if values.len() != boundaries.len() + 1 {
            panic!(
                "The length of boundaries should be 1 less than the length of values. Received: boundaries={boundaries:?} of length {}, and values={values:?} of length {}.",
                boundaries.len(),
                values.len()
            );
        }
        PiecewiseConstantDecay { boundaries, values }
    }
}
impl LearningRateSchedule for PiecewiseConstantDecay {
    fn get_config(&self) -> Option<serde_json::Value> {
        Some(self.config())
    }
    fn call(&self, step: i64) -> f64 {
        eager(self, step)
    }
    fn call_tensor(&self, step: &Tensor) -> Option<Tensor> {
        // The index of the first boundary the step has not passed.
        let bounds = tf::constant(self.boundaries.iter().map(|&b| b as f64).collect::<Vec<_>>());
        let i = tf::reduce_sum(&tf::cast(&tf::greater(step, &bounds), DType::I32), None, false);
        let values = tf::constant(self.values.clone());
        Some(tf::gather(&values, &i, 0))
    }
}

/// `CosineDecay(initial_learning_rate, decay_steps, alpha=0.0)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::schedules::{CosineDecay, LearningRateSchedule};
/// let s = CosineDecay::new(0.1, 100);
/// for (step, want) in [(0, 0.1), (50, 0.05), (100, 0.0), (150, 0.0)] {
///     assert!((s.call(step) - want).abs() < 1e-7);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CosineDecay {
    /// `initial_learning_rate`.
    pub initial_learning_rate: f64,
    /// `decay_steps`.
    pub decay_steps: f64,
    /// `alpha`: the floor as a fraction of the initial rate.
    pub alpha: f64,
    /// `warmup_target`: with one, the rate rises linearly from the initial rate to it over
    /// `warmup_steps`, then decays from it.
    pub warmup_target: Option<f64>,
    /// `warmup_steps`.
    pub warmup_steps: f64,
}
impl CosineDecay {
    /// The schedule with `alpha = 0` and no warmup.
    pub fn new(initial_learning_rate: f64, decay_steps: usize) -> Self {
        CosineDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            alpha: 0.0,
            warmup_target: None,
            warmup_steps: 0.0,
        }
    }
    /// `warmup_target=`, `warmup_steps=`: a linear warmup from the initial rate to `target`.
    pub fn warmup(mut self, target: f64, steps: usize) -> Self {
        self.warmup_target = Some(target);
        self.warmup_steps = steps as f64;
        self
    }
    /// The cosine part from `from` at `step` steps into the decay.
    fn decay(&self, step: &Tensor, from: f64) -> Tensor {
        let p = step / self.decay_steps;
        let cos = &(&tf::cos(&(&p * std::f64::consts::PI)) + 1.0) * 0.5;
        &(&(&cos * (1.0 - self.alpha)) + self.alpha) * from
    }
}
impl LearningRateSchedule for CosineDecay {
    fn get_config(&self) -> Option<serde_json::Value> {
        Some(self.config())
    }
    fn call(&self, step: i64) -> f64 {
        eager(self, step)
    }
    fn call_tensor(&self, step: &Tensor) -> Option<Tensor> {
        let Some(target) = self.warmup_target else {
            return Some(self.decay(&tf::minimum(step, &c(self.decay_steps)), self.initial_learning_rate));
        };
        let step = tf::minimum(step, &c(self.decay_steps + self.warmup_steps));
        let warm = &(&(&step / self.warmup_steps) * (target - self.initial_learning_rate)) + self.initial_learning_rate;
        let decayed = self.decay(&(&step - self.warmup_steps), target);
        Some(tf::where_(&tf::less(&step, &c(self.warmup_steps)), &warm, &decayed))
    }
}

/// `CosineDecayRestarts(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
/// alpha=0.0)`: cosine decay that restarts, each period `t_mul` times as long as the last and
/// starting from `m_mul` times the last start.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::schedules::{CosineDecayRestarts, LearningRateSchedule};
/// let s = CosineDecayRestarts::new(0.1, 10);
/// // Halfway through the first period, the first restart, halfway through the second (20 steps).
/// for (step, want) in [(0, 0.1), (5, 0.05), (10, 0.1), (20, 0.05)] {
///     assert!((s.call(step) - want).abs() < 1e-7);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CosineDecayRestarts {
    /// `initial_learning_rate`.
    pub initial_learning_rate: f64,
    /// `first_decay_steps`.
    pub first_decay_steps: f64,
    /// `t_mul`: each period's length over the last's.
    pub t_mul: f64,
    /// `m_mul`: each period's starting rate over the last's.
    pub m_mul: f64,
    /// `alpha`: the floor as a fraction of the period's starting rate.
    pub alpha: f64,
}
impl CosineDecayRestarts {
    /// The schedule with Keras's defaults.
    pub fn new(initial_learning_rate: f64, first_decay_steps: usize) -> Self {
        CosineDecayRestarts {
            initial_learning_rate,
            first_decay_steps: first_decay_steps as f64,
            t_mul: 2.0,
            m_mul: 1.0,
            alpha: 0.0,
        }
    }
}
impl LearningRateSchedule for CosineDecayRestarts {
    fn get_config(&self) -> Option<serde_json::Value> {
        Some(self.config())
    }
    fn call(&self, step: i64) -> f64 {
        eager(self, step)
    }
    fn call_tensor(&self, step: &Tensor) -> Option<Tensor> {
        let done = step / self.first_decay_steps;
        // Which period the step is in, and how far into it (Keras's `compute_step`).
        let (restart, frac) = if self.t_mul == 1.0 {
            let i = tf::floor(&done);
            let f = &done - &i;
            (i, f)
        } else {
            let t = self.t_mul;
            let i = tf::floor(&(&tf::log(&(1.0 - &(&done * (1.0 - t)))) / t.ln()));
            let t_i = tf::pow(&c(t), &i);
            let sum = &(1.0 - &t_i) / (1.0 - t);
            (i, &(&done - &sum) / &t_i)
        };
        let m = tf::pow(&c(self.m_mul), &restart);
        let cos = &(&(&tf::cos(&(&frac * std::f64::consts::PI)) + 1.0) * 0.5) * &m;
        Some(&(&(&cos * (1.0 - self.alpha)) + self.alpha) * self.initial_learning_rate)
    }
}

/// `InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// `lr / (1 + rate · step / decay_steps)` (the ratio floored when `staircase`).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::schedules::{InverseTimeDecay, LearningRateSchedule};
/// let s = InverseTimeDecay::new(0.1, 10, 0.5);
/// for (step, want) in [(0, 0.1), (10, 0.1 / 1.5), (20, 0.05)] {
///     assert!((s.call(step) - want).abs() < 1e-9);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct InverseTimeDecay {
    /// `initial_learning_rate`.
    pub initial_learning_rate: f64,
    /// `decay_steps`.
    pub decay_steps: f64,
    /// `decay_rate`.
    pub decay_rate: f64,
    /// `staircase`.
    pub staircase: bool,
}
impl InverseTimeDecay {
    /// The schedule without staircase.
    pub fn new(initial_learning_rate: f64, decay_steps: usize, decay_rate: f64) -> Self {
        InverseTimeDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            decay_rate,
            staircase: false,
        }
    }
}
impl LearningRateSchedule for InverseTimeDecay {
    fn get_config(&self) -> Option<serde_json::Value> {
        Some(self.config())
    }
    fn call(&self, step: i64) -> f64 {
        eager(self, step)
    }
    fn call_tensor(&self, step: &Tensor) -> Option<Tensor> {
        let p = decay_periods(step, self.decay_steps, self.staircase);
        Some(&c(self.initial_learning_rate) / &(&(&p * self.decay_rate) + 1.0))
    }
}

/// `PolynomialDecay(initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
/// cycle=False)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::schedules::{PolynomialDecay, LearningRateSchedule};
/// let mut s = PolynomialDecay::new(0.1, 100);
/// s.end_learning_rate = 0.01;
/// for (step, want) in [(0, 0.1), (50, 0.055), (100, 0.01), (150, 0.01)] {
///     assert!((s.call(step) - want).abs() < 1e-7);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct PolynomialDecay {
    /// `initial_learning_rate`.
    pub initial_learning_rate: f64,
    /// `decay_steps`.
    pub decay_steps: f64,
    /// `end_learning_rate`.
    pub end_learning_rate: f64,
    /// `power`.
    pub power: f64,
    /// `cycle`.
    pub cycle: bool,
}
impl PolynomialDecay {
    /// The schedule with Keras's defaults.
    pub fn new(initial_learning_rate: f64, decay_steps: usize) -> Self {
        PolynomialDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            end_learning_rate: 1e-4,
            power: 1.0,
            cycle: false,
        }
    }
}
impl LearningRateSchedule for PolynomialDecay {
    fn get_config(&self) -> Option<serde_json::Value> {
        Some(self.config())
    }
    fn call(&self, step: i64) -> f64 {
        eager(self, step)
    }
    fn call_tensor(&self, step: &Tensor) -> Option<Tensor> {
        let (s, d) = if self.cycle {
            // ceil(step / decay_steps), at least 1 (step 0 is in the first cycle).
            let mult = tf::maximum(&tf::ceil(&(step / self.decay_steps)), &c(1.0));
            (step.clone(), &mult * self.decay_steps)
        } else {
            (tf::minimum(step, &c(self.decay_steps)), c(self.decay_steps))
        };
        let frac = tf::pow(&(1.0 - &(&s / &d)), &c(self.power));
        Some(&(&frac * (self.initial_learning_rate - self.end_learning_rate)) + self.end_learning_rate)
    }
}
