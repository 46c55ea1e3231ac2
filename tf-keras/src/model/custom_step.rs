//! Keras's overridable `Model.train_step(data)` ("Customizing what happens in `fit()`"): a
//! closure that `fit` and `train_on_batch` run at every batch instead of their own step, with
//! everything else of `fit` kept — callbacks, progress output, `History`, the compiled
//! metrics. Like the built-in step it runs as the graph function `train_function` (unless
//! `run_eagerly`).

use super::training::{scalar, step_key, total_loss};
use super::{Compiled, Model};
use crate::layers::{collect_losses, Layer};
use crate::optimizers::Optimizer;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;
use tf_core::{self as tf, Tensor, Variable};

/// A batch as a custom train step receives it (Keras's `data`): one tensor per model input
/// and per output, and the sample weights when given.
pub struct StepData {
    /// The inputs.
    pub x: Vec<Tensor>,
    /// The targets.
    pub y: Vec<Tensor>,
    /// `sample_weight` (or `class_weight`'s weights), when given.
    pub sample_weight: Option<Tensor>,
}

impl StepData {
    /// The input of a single-input model.
    ///
    /// # Panics
    /// When the model takes several inputs (read `x[i]` then).
    #[track_caller]
    pub fn x(&self) -> &Tensor {
        match &self.x[..] {
            [x] => x,
            xs => panic!("the batch holds {} inputs: read data.x[i]", xs.len()),
        }
    }
    /// The target of a single-output model.
    ///
    /// # Panics
    /// When the model has several outputs (read `y[i]` then).
    #[track_caller]
    pub fn y(&self) -> &Tensor {
        match &self.y[..] {
            [y] => y,
            ys => panic!("the batch holds {} targets: read data.y[i]", ys.len()),
        }
    }
}

/// What a custom train step works with: Keras's `self` inside `train_step`. It derefs to
/// the [`Model`] (and through it to the network, so a GAN's step reaches
/// `step.generator`).
pub struct StepContext<'a, L: Layer> {
    model: &'a Model<L>,
    compiled: &'a mut Compiled,
    /// Losses the step's forward passes added (`add_loss`, activity regularizers).
    added: Vec<Tensor>,
    /// `(y, y_pred)` pairs for the compiled metrics, applied after the step.
    updates: Vec<(Vec<Tensor>, Vec<Tensor>)>,
}

impl<L: Layer> std::ops::Deref for StepContext<'_, L> {
    type Target = Model<L>;
    fn deref(&self) -> &Model<L> {
        self.model
    }
}

impl<L: Layer> StepContext<'_, L> {
    /// `self(x, training=...)`: the model's forward pass. The losses it adds count in
    /// [`compute_loss`](Self::compute_loss).
    #[track_caller]
    pub fn call(&mut self, x: &Tensor, training: bool) -> Tensor {
        let (y, added) = collect_losses(|| self.model.forward(x, training));
        self.added.extend(added);
        y
    }

    /// The forward pass of a model with several inputs or outputs: one tensor per output.
    #[track_caller]
    pub fn call_outputs(&mut self, xs: &[Tensor], training: bool) -> Vec<Tensor> {
        let (y, added) = collect_losses(|| self.model.forward_many(xs, training));
        self.added.extend(added);
        y
    }

    /// Keras's `self.compute_loss(x, y, y_pred, sample_weight)` (`self.compiled_loss(y,
    /// y_pred, regularization_losses=self.losses)`): the compiled loss, plus the weights'
    /// regularization penalties and the losses this step's calls added.
    #[track_caller]
    pub fn compute_loss(&self, y: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Tensor {
        self.compute_loss_many(std::slice::from_ref(y), std::slice::from_ref(y_pred), sample_weight)
    }

    /// [`compute_loss`](Self::compute_loss) of a model with several outputs: each output's
    /// loss times its `loss_weights` entry, summed, plus the penalties.
    #[track_caller]
    pub fn compute_loss_many(&self, ys: &[Tensor], y_pred: &[Tensor], sample_weight: Option<&Tensor>) -> Tensor {
        total_loss(self.model.net(), &self.added, self.compiled, ys, y_pred, sample_weight, None).0
    }

    /// `self.optimizer`: the optimizer given to `compile`.
    pub fn optimizer(&mut self) -> &mut dyn Optimizer {
        self.compiled.optimizer.as_mut()
    }

    /// `self.compiled_metrics.update_state(y, y_pred)`: the compiled metrics take this batch
    /// (applied when the step has run; they are logged under their names).
    pub fn update_metrics(&mut self, y: &Tensor, y_pred: &Tensor) {
        self.updates.push((vec![y.clone()], vec![y_pred.clone()]));
    }

    /// [`update_metrics`](Self::update_metrics) of a model with several outputs.
    pub fn update_metrics_many(&mut self, ys: &[Tensor], y_pred: &[Tensor]) {
        self.updates.push((ys.to_vec(), y_pred.to_vec()));
    }
}

/// A custom train or test step: the batch in, the scalars to log out (`[("loss", loss)]`).
pub type TrainStepFn<L> = Arc<dyn Fn(&mut StepContext<'_, L>, &StepData) -> Vec<(&'static str, Tensor)> + Send + Sync>;

/// A model's custom train or test step and what its traces returned.
pub(crate) struct CustomStep<L: Layer> {
    f: TrainStepFn<L>,
    /// Distinguishes this closure's traces from an earlier one's.
    generation: u64,
    /// The names of the logged scalars (the traced graph returns only their values).
    names: Vec<&'static str>,
}

/// What one custom step gave: the logged scalars and the metric updates.
pub(crate) type CustomOutcome = (Vec<(&'static str, f64)>, Vec<(Vec<Tensor>, Vec<Tensor>)>);

impl<L: Layer> Model<L> {
    /// Overrides the train step, as subclassing `keras.Model` and overriding
    /// `train_step(self, data)` does: `fit` and `train_on_batch` then run `step` at every
    /// batch — with callbacks, progress output and `History` as usual. `step` computes the
    /// loss under a tape, applies gradients with [`StepContext::optimizer`], may update the
    /// compiled metrics, and returns the scalars to log. Each is averaged over the epoch's
    /// samples, as the built-in `loss` is (the Keras guide's `compiled_loss` tracker); the
    /// compiled metrics are logged after them. (Keras logs a raw returned scalar's value at
    /// the epoch's last batch in `History`, while its progress bar shows the average.)
    ///
    /// ```
    /// use tf_core::{self as tf, Module};
    /// use tf_keras::{self as keras, layers::Dense, optimizers::SGD};
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), "mse", &["mae"]);
    /// model.set_train_step(|step, data| {
    ///     let tape = tf::GradientTape::new();
    ///     let y_pred = step.call(data.x(), true);
    ///     let loss = step.compute_loss(data.y(), &y_pred, None);
    ///     let vars = step.trainable_variables();
    ///     let grads = tape.gradients(&[&loss], &vars, None, tf::UnconnectedGradients::Zero);
    ///     let gv: Vec<_> = grads.into_iter().flatten().zip(vars).collect();
    ///     step.optimizer().apply_gradients(&gv);
    ///     step.update_metrics(data.y(), &y_pred);
    ///     vec![("loss", loss)]
    /// });
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// let history = model.fit((&x, &y), keras::FitArgs { epochs: 2, batch_size: 2, verbose: 0, ..Default::default() })?;
    /// // The built-in step's numbers: the loss before each update.
    /// assert_eq!(history["loss"][0], 10.0);
    /// assert!((history["loss"][1] - 1.06).abs() < 1e-5);
    /// let names: Vec<&str> = history.history.iter().map(|(k, _)| k.as_str()).collect();
    /// assert_eq!(names, ["loss", "mae"]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn set_train_step(
        &mut self,
        step: impl Fn(&mut StepContext<'_, L>, &StepData) -> Vec<(&'static str, Tensor)> + Send + Sync + 'static,
    ) {
        self.custom_train_step = Some(CustomStep::new(Arc::new(step)));
    }

    /// Overrides the evaluation step, as overriding Keras's `test_step(self, data)` does:
    /// `evaluate`, `test_on_batch` and `fit`'s validation run `step`, which computes what to
    /// log (without updating weights) and may update the compiled metrics. The logged scalars
    /// are averaged over the samples, the compiled metrics follow; validation logs carry the
    /// `val_` prefix.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, optimizers::SGD};
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("ones").input_shape([1])];
    /// model.compile(SGD::new(0.1), "mse", ());
    /// model.set_test_step(|step, data| {
    ///     let y_pred = step.call(data.x(), false);
    ///     vec![("mae", tf::reduce_mean(&tf::abs(&(data.y() - &y_pred)), None, false))]
    /// });
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// let logs = model.evaluate((&x, &y), keras::EvaluateArgs { verbose: 0, ..Default::default() })?;
    /// assert_eq!(logs["mae"], 1.5); // |2 - 1| and |4 - 2|
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn set_test_step(
        &mut self,
        step: impl Fn(&mut StepContext<'_, L>, &StepData) -> Vec<(&'static str, Tensor)> + Send + Sync + 'static,
    ) {
        self.custom_test_step = Some(CustomStep::new(Arc::new(step)));
    }

    /// Whether the training (`train`) or evaluation step is a custom one.
    pub(crate) fn has_custom_step(&self, train: bool) -> bool {
        if train {
            self.custom_train_step.is_some()
        } else {
            self.custom_test_step.is_some()
        }
    }

    /// Runs the custom training (`train`) or evaluation step on a batch: as the graph
    /// function `train_function` / `test_function` once the model is built (the optimizer's
    /// slots are made first), eagerly otherwise. `vars` are the trainable variables (filled
    /// on the first call).
    pub(crate) fn custom_step(&mut self, train: bool, data: StepData, vars: &mut Vec<Variable>) -> CustomOutcome {
        if vars.is_empty() {
            *vars = self.net().trainable_variables();
        }
        let custom = if train { &self.custom_train_step } else { &self.custom_test_step };
        let custom = custom.as_ref().expect("a custom step");
        let (f, generation) = (custom.f.clone(), custom.generation);
        let mut c = self.compiled.take().expect("compiled before fit or evaluate");
        // What decides the trace besides the closure: the optimizer's state (training) and
        // the captured variables.
        let key = match (train, self.staged()) {
            (_, false) => None,
            (true, true) if vars.is_empty() => None,
            (true, true) => c.optimizer.trace_key().map(|k| step_key(k ^ generation.rotate_left(32), vars)),
            (false, true) => Some(step_key(generation.rotate_left(32), &self.net().variables())),
        };
        let model: &Model<L> = self;
        let run = |c: &mut Compiled, data: &StepData| {
            let mut ctx = StepContext {
                model,
                compiled: c,
                added: Vec::new(),
                updates: Vec::new(),
            };
            let logged = f(&mut ctx, data);
            let (names, values): (Vec<&'static str>, Vec<Tensor>) = logged.into_iter().unzip();
            (names, values, ctx.updates)
        };
        // The model keeps its compile state even when the step panics (a shape error).
        let result = catch_unwind(AssertUnwindSafe(|| match key {
            None => {
                let (names, values, updates) = run(&mut c, &data);
                (Some(names), values, updates)
            }
            Some(key) => {
                if train {
                    c.optimizer.build(vars);
                }
                let function = if train { c.train_function.clone() } else { c.test_function.clone() };
                let (nx, ny) = (data.x.len(), data.y.len());
                let args: Vec<Tensor> = data.x.iter().chain(&data.y).chain(&data.sample_weight).cloned().collect();
                let mut traced = None;
                let (values, updates) = function.call_staged(key, &args, |a| {
                    let data = StepData {
                        x: a[..nx].to_vec(),
                        y: a[nx..nx + ny].to_vec(),
                        sample_weight: a.get(nx + ny).cloned(),
                    };
                    let (names, values, updates) = run(&mut c, &data);
                    traced = Some(names);
                    (values, updates)
                });
                (traced, values, updates)
            }
        }));
        self.compiled = Some(c);
        let (names, values, updates) = result.unwrap_or_else(|p| resume_unwind(p));
        let custom = if train {
            &mut self.custom_train_step
        } else {
            &mut self.custom_test_step
        };
        let custom = custom.as_mut().expect("a custom step");
        if let Some(names) = names {
            custom.names = names;
        }
        let what = if train { "train" } else { "test" };
        assert_eq!(
            custom.names.len(),
            values.len(),
            "the {what} step logged {} values but its trace named {}: log the same names at every step",
            values.len(),
            custom.names.len()
        );
        let logged = custom
            .names
            .iter()
            .zip(&values)
            .map(|(&name, v)| {
                assert!(
                    v.num_elements() == 1,
                    "the {what} step logged \"{name}\" with shape {}: log scalars",
                    v.shape()
                );
                (name, scalar(&tf::reshape(v, Vec::<i64>::new())))
            })
            .collect();
        (logged, updates)
    }
}

impl<L: Layer> CustomStep<L> {
    fn new(f: TrainStepFn<L>) -> CustomStep<L> {
        static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        CustomStep {
            f,
            generation: GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            names: Vec::new(),
        }
    }
}
