//! `compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods.
//!
//! The train step is a tape over the forward pass and the loss, then the optimizer's
//! update; once the model's forward pass has run eagerly (which builds the layers) it runs
//! as the graph function `train_function`, as Keras's `fit` does, unless `model.run_eagerly`
//! is set. Data given as arrays is checked before any step runs (sample counts, the input
//! shape, the labels' range); a failure inside a step becomes a `tf::Error` naming the epoch
//! and batch.

use super::args::{Batches, CompileArgs, Data, EvaluateArgs, FitArgs, History, Logs, PredictArgs, ValidationData};
use super::custom_step::StepData;
use super::progbar::Progbar;
use super::{Compiled, Model};
use crate::callbacks::{Callback, Context, Params};
use crate::layers::Layer;
use crate::losses::IntoLosses;
use crate::metrics::Metric as _;
use crate::metrics::{self, IntoMetrics, MetricArg};
use crate::optimizers::IntoOptimizer;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tf_core::{self as tf, DType, Error, GradientTape, Result, Tensor, Variable};

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidArgument(msg.into())
}

/// Runs `f`, turning a panic (an op's shape or dtype error) into `InvalidArgument` with
/// `what` in front.
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| Error::from_panic(what, &*p))
}

/// Runs `f` as a check: a panic is reported as an error without the panic hook printing it.
/// The hook is process-wide, so checks on several threads take turns (otherwise one could
/// restore another's silent hook for good).
pub(crate) fn checked<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = HOOK.lock().unwrap_or_else(|p| p.into_inner());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = guarded(what, f);
    std::panic::set_hook(hook);
    r
}

/// The samples `[a, b)` of `t`, in the order of `idx` when given.
fn rows(t: &Tensor, idx: Option<&[i64]>, a: usize, b: usize) -> Tensor {
    match idx {
        Some(idx) => tf::gather(t, &tf::constant(&idx[a..b]), 0),
        // All of them (`fit` without a validation split): the tensor itself, not a copy
        // (Fashion-MNIST's 188 MB as floats took 13 ms to copy at every `fit` call).
        None if a == 0 && b == t.shape().dims()[0] => t.clone(),
        None => {
            let mut begin = vec![0i64; t.rank()];
            let mut size = vec![-1i64; t.rank()];
            begin[0] = a as i64;
            size[0] = (b - a) as i64;
            tf::slice(t, &begin, &size)
        }
    }
}

fn shape_tuple(dims: impl Iterator<Item = Option<usize>>) -> String {
    let parts: Vec<String> = dims.map(|d| d.map_or("None".to_string(), |v| v.to_string())).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// A batch: inputs and targets (one per model input and output), optional sample weights.
type Batch = (Vec<Tensor>, Vec<Tensor>, Option<Tensor>);

/// The number of samples of a batch.
fn samples(xs: &[Tensor]) -> f64 {
    xs.first().and_then(|x| x.shape().dims().first().copied()).unwrap_or(1) as f64
}

impl<L: Layer> Model<L> {
    /// `model.compile(optimizer, loss, metrics)`: `optimizer` and `loss` by Keras name or as
    /// objects; `metrics` as `&["accuracy"]`, `()` or a `Vec<MetricArg>`.
    /// For a model with several outputs, `loss` may list one loss per output
    /// (`["mse", "sparse_categorical_crossentropy"]`); each metric name then applies to every
    /// output, and the logs name each output's loss and metrics (`dense_1_loss`).
    #[track_caller]
    pub fn compile(&mut self, optimizer: impl IntoOptimizer, loss: impl IntoLosses, metrics: impl IntoMetrics) {
        self.compile_with(optimizer, loss, metrics, CompileArgs::default());
    }

    /// `model.compile(optimizer, loss, metrics, loss_weights=...)`.
    #[track_caller]
    pub fn compile_with(&mut self, optimizer: impl IntoOptimizer, loss: impl IntoLosses, metrics: impl IntoMetrics, args: CompileArgs) {
        self.compiled = Some(Compiled {
            optimizer: optimizer.into_optimizer(),
            losses: loss.into_losses(),
            loss_weights: args.loss_weights,
            metric_args: metrics.into_metrics(),
            metrics: None,
            metric_outputs: Vec::new(),
            output_names: Vec::new(),
            train_function: std::sync::Arc::new(tf::Function::staged("train_function").reduce_retracing(true)),
            test_function: std::sync::Arc::new(tf::Function::staged("test_function").reduce_retracing(true)),
        });
    }

    /// Keras's `model.train_function`: the train step as a graph function, once compiled
    /// (its traces are in `concrete_functions()` after the second step of `fit`).
    pub fn train_function(&self) -> Option<&tf::Function> {
        self.compiled.as_ref().map(|c| &*c.train_function)
    }

    /// Keras's `model.test_function`: `evaluate`'s step (forward pass and loss) as a graph
    /// function, once compiled.
    pub fn test_function(&self) -> Option<&tf::Function> {
        self.compiled.as_ref().map(|c| &*c.test_function)
    }

    /// Keras's `model.predict_function`: `predict`'s forward pass as a graph function.
    pub fn predict_function(&self) -> &tf::Function {
        &self.predict_function
    }

    /// Whether a step may run as a graph function: not `run_eagerly`, and the forward pass
    /// has run eagerly once (which builds the layers).
    pub(super) fn staged(&self) -> bool {
        !self.run_eagerly && !tf::autograph::run_eagerly() && self.built.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The trace key of a step over this model: its variables (a graph captures them).
    fn step_key(&self, extra: u64) -> u64 {
        step_key(extra, &self.net.variables())
    }

    /// The inference forward pass, through `predict_function` once the model is built.
    fn predict_step(&self, xs: &[Tensor]) -> Vec<Tensor> {
        if !self.staged() {
            return self.forward_many(xs, false);
        }
        let f = self.predict_function.clone();
        f.call_staged(self.step_key(0), xs, |xs| self.forward_many(xs, false))
    }

    /// Keras's `test_step` without the metrics: the loss, each output's loss and the
    /// predictions, through `test_function` once the model is built.
    fn test_step(&self, xs: &[Tensor], ys: &[Tensor], sw: Option<&Tensor>) -> StepOut {
        let c = self.compiled.as_ref().expect("compiled before evaluate");
        let run = |xs: &[Tensor], ys: &[Tensor], sw: Option<&Tensor>| {
            let ((y_pred, mask), added) = crate::layers::collect_losses(|| self.forward_masked(xs, &[], false));
            let (loss, per_output) = total_loss(&self.net, &added, c, ys, &y_pred, sw, mask.as_ref());
            (loss, per_output, y_pred, mask)
        };
        if !self.staged() {
            return run(xs, ys, sw);
        }
        let (nx, ny) = (xs.len(), ys.len());
        let args: Vec<Tensor> = xs.iter().chain(ys).chain(sw).cloned().collect();
        c.test_function
            .clone()
            .call_staged(self.step_key(1), &args, |a| run(&a[..nx], &a[nx..nx + ny], a.get(nx + ny)))
    }

    fn compiled(&mut self) -> Result<&mut Compiled> {
        self.compiled
            .as_mut()
            .ok_or_else(|| invalid("You must compile your model before training/testing. Use `model.compile(optimizer, loss)`."))
    }

    /// Checks arrays before any step: as many inputs and targets as the model has, equal
    /// sample counts, the declared input shape, that the model runs on one sample, and (for
    /// sparse categorical losses) the labels' range.
    fn check_arrays(&mut self, xs: &[Tensor], ys: Option<&[Tensor]>, sample_weight: Option<&Tensor>) -> Result<()> {
        let (inputs, outputs) = (self.net.num_inputs(), self.net.output_names());
        if xs.len() != inputs {
            return Err(invalid(format!(
                "Layer \"{}\" expects {inputs} input(s), but it received {} input tensors.",
                self.name,
                xs.len()
            )));
        }
        if let Some(ys) = ys.filter(|ys| ys.len() != outputs.len()) {
            return Err(invalid(format!(
                "the model \"{}\" has {} output(s) ({}), but {} target array(s) were given",
                self.name,
                outputs.len(),
                outputs.join(", "),
                ys.len()
            )));
        }
        if let Some(x) = xs.iter().find(|x| x.rank() == 0) {
            return Err(invalid(format!(
                "Expected input data with a batch dimension, got a scalar of shape {}",
                x.shape()
            )));
        }
        let n = xs[0].shape().dims()[0];
        let first = |t: &Tensor| t.shape().dims().first().copied().unwrap_or(0);
        let name = |what: &str, i: usize, of: usize| if of == 1 { what.to_string() } else { format!("{what}[{i}]") };
        let mut sizes: Vec<(String, usize)> = xs.iter().enumerate().map(|(i, x)| (name("x", i, xs.len()), first(x))).collect();
        for (i, y) in ys.unwrap_or_default().iter().enumerate() {
            sizes.push((name("y", i, outputs.len()), first(y)));
        }
        if let Some(w) = sample_weight {
            sizes.push(("sample_weight".into(), first(w)));
        }
        if sizes.iter().any(|(_, s)| *s != n) {
            let mut msg = "Data cardinality is ambiguous:\n".to_string();
            for (k, s) in &sizes {
                msg.push_str(&format!("  {k} sizes: {s}\n"));
            }
            msg.push_str("Make sure all arrays contain the same number of samples.");
            return Err(invalid(msg));
        }
        if let (Some(want), [x]) = (self.net.declared_input_shape(), xs) {
            if x.shape().dims()[1..] != want[..] {
                return Err(invalid(format!(
                    "Input 0 of layer \"{}\" is incompatible with the layer: expected shape={}, found shape={}",
                    self.name,
                    shape_tuple(std::iter::once(None).chain(want.iter().map(|&d| Some(d)))),
                    x.shape()
                )));
            }
        }
        if n == 0 {
            return Err(invalid("Expected input data to be non-empty."));
        }
        let x1: Vec<Tensor> = xs.iter().map(|x| rows(x, None, 0, 1)).collect();
        let model = self.name.clone();
        let shapes: Vec<String> = xs.iter().map(|x| x.shape().to_string()).collect();
        let y_pred = checked(
            &format!(
                "the model \"{model}\" cannot be called on the input data (shape {})",
                shapes.join(", ")
            ),
            || self.forward_many(&x1, false),
        )?;
        let Some(ys) = ys else { return Ok(()) };
        let c = self.compiled()?;
        if c.losses.len() != 1 && c.losses.len() != ys.len() {
            return Err(invalid(format!(
                "compile was given {} losses for a model with {} outputs ({}): give one loss, or one per output",
                c.losses.len(),
                ys.len(),
                outputs.join(", ")
            )));
        }
        if let Some(w) = c.loss_weights.as_ref().filter(|w| w.len() != ys.len()) {
            return Err(invalid(format!(
                "compile was given {} loss_weights for a model with {} outputs ({})",
                w.len(),
                ys.len(),
                outputs.join(", ")
            )));
        }
        for (i, (y, yp)) in ys.iter().zip(&y_pred).enumerate() {
            let at = if ys.len() == 1 {
                String::new()
            } else {
                format!(" of output \"{}\"", outputs[i])
            };
            let loss = c.loss(i);
            if loss.name().starts_with("sparse_categorical") {
                let classes = yp.shape().dims().last().copied().unwrap_or(1) as i64;
                let labels = tf::cast(y, DType::I64).to_vec::<i64>();
                if let Some((k, bad)) = labels.iter().enumerate().find(|(_, &v)| v < 0 || v >= classes) {
                    return Err(invalid(format!(
                        "Received a label value{at} of {bad} which is outside the valid range of [0, {classes}) (y[{k}]; the model's output has {classes} classes)"
                    )));
                }
            }
            let y1 = rows(y, None, 0, 1);
            checked(
                &format!("the loss{at} cannot be computed from the targets and the model's output"),
                || loss.call(&y1, yp),
            )?;
        }
        Ok(())
    }

    /// A batch (from a dataset) has one tensor per model input and one per output.
    fn check_batch(&self, x: &[Tensor], y: &[Tensor], at: &str) -> Result<()> {
        let (inputs, outputs) = (self.net.num_inputs(), self.net.num_outputs());
        if x.len() != inputs || y.len() != outputs {
            return Err(invalid(format!(
                "{at}: the model \"{}\" takes {inputs} input(s) and has {outputs} output(s), but the batch holds {} input \
                 tensor(s) and {} target(s)",
                self.name,
                x.len(),
                y.len()
            )));
        }
        Ok(())
    }

    /// The metrics, resolved against the first batch's shapes: with several outputs, each
    /// metric name gives one metric per output (a metric object is one instance, so it needs
    /// a single output).
    fn ensure_metrics(&mut self, ys: &[Tensor], y_pred: &[Tensor]) -> Result<()> {
        if self.compiled()?.metrics.is_some() {
            return Ok(());
        }
        let names = self.net.output_names();
        let c = self.compiled()?;
        let (mut ms, mut outs) = (Vec::new(), Vec::new());
        for a in std::mem::take(&mut c.metric_args) {
            match a {
                MetricArg::Name(n) => {
                    for (i, (y, yp)) in ys.iter().zip(y_pred).enumerate() {
                        ms.push(metrics::resolve(&n, y, yp));
                        outs.push(i);
                    }
                }
                MetricArg::Metric(m) if ys.len() == 1 => {
                    ms.push(m);
                    outs.push(0);
                }
                MetricArg::Metric(m) => {
                    return Err(invalid(format!(
                        "the metric object `{}` is one instance, but the model has {} outputs ({}): pass metric names, which \
                         give each output its own metric",
                        m.name(),
                        ys.len(),
                        names.join(", ")
                    )))
                }
            }
        }
        c.metrics = Some(ms);
        c.metric_outputs = outs;
        c.output_names = if ys.len() > 1 { names } else { Vec::new() };
        Ok(())
    }

    /// Updates the metrics with a batch; the first output's mask, if any, weighs its samples
    /// (Keras: masked steps do not count).
    fn update_metrics(c: &mut Compiled, ys: &[Tensor], y_pred: &[Tensor], mask: Option<&Tensor>) {
        let weights = mask.map(|m| tf::cast(m, DType::F32));
        for (m, &i) in c.metrics.iter_mut().flatten().zip(&c.metric_outputs) {
            m.update_state(&ys[i], &y_pred[i], if i == 0 { weights.as_ref() } else { None });
        }
    }

    /// The logs: `loss`, each output's loss (`<output>_loss`) when there are several, then
    /// the metrics (`<output>_<metric>` when there are several outputs).
    fn metric_logs(c: &Compiled, loss: &metrics::Mean, output_losses: &[metrics::Mean], prefix: &str) -> Logs {
        let mut logs = Logs::default();
        logs.insert(format!("{prefix}loss"), loss.result());
        if c.output_names.len() > 1 {
            for (name, l) in c.output_names.iter().zip(output_losses) {
                logs.insert(format!("{prefix}{name}_loss"), l.result());
            }
        }
        Self::metric_entries(c, prefix, &mut logs);
        logs
    }

    /// Appends the compiled metrics' results to `logs`.
    fn metric_entries(c: &Compiled, prefix: &str, logs: &mut Logs) {
        for (m, &i) in c.metrics.iter().flatten().zip(&c.metric_outputs) {
            match c.output_names.get(i).filter(|_| c.output_names.len() > 1) {
                Some(out) => logs.insert(format!("{prefix}{out}_{}", m.name()), m.result()),
                None => logs.insert(format!("{prefix}{}", m.name()), m.result()),
            }
        }
    }

    /// Runs one training (`train`) or evaluation step on a batch — the built-in one or the one
    /// given to [`set_train_step`](Self::set_train_step) / [`set_test_step`](Self::set_test_step)
    /// — and adds it to the running logs; returns those logs, named with `prefix`.
    fn run_batch(&mut self, train: bool, at: &str, batch: Batch, vars: &mut Vec<Variable>, t: &mut Tracker, prefix: &str) -> Result<Logs> {
        let (x, y, sw) = batch;
        let n = samples(&x);
        if self.has_custom_step(train) {
            let data = StepData { x, y, sample_weight: sw };
            let (logged, updates) = guarded(at, || self.custom_step(train, data, vars))?;
            for (ys, y_pred) in &updates {
                self.ensure_metrics(ys, y_pred)?;
                Self::update_metrics(self.compiled()?, ys, y_pred, None);
            }
            let mut logs = t.add_custom(&logged, n, prefix);
            Self::metric_entries(self.compiled()?, prefix, &mut logs);
            return Ok(logs);
        }
        let (lv, per_output, y_pred, mask) = guarded(at, || {
            if train {
                self.step(&x, &y, sw.as_ref(), vars)
            } else {
                let (loss, per_output, y_pred, mask) = self.test_step(&x, &y, sw.as_ref());
                (scalar(&loss), per_output.iter().map(scalar).collect(), y_pred, mask)
            }
        })?;
        self.ensure_metrics(&y, &y_pred)?;
        let c = self.compiled()?;
        t.loss.add(&[lv], Some(&[n]));
        add_output_losses(&mut t.outputs, &per_output, n);
        Self::update_metrics(c, &y, &y_pred, mask.as_ref());
        Ok(Self::metric_logs(c, &t.loss, &t.outputs, prefix))
    }

    fn reset_metrics(c: &mut Compiled) {
        for m in c.metrics.iter_mut().flatten() {
            m.reset_state();
        }
    }

    /// One training step on a batch; returns the loss value, each output's loss (when there
    /// are several) and the predictions. A model whose forward pass never ran takes its first
    /// step eagerly (that builds the layers); later steps run as the graph function
    /// `train_function` (traced once per batch signature; a smaller last batch retraces once,
    /// with an unknown batch dimension), unless `run_eagerly` or the optimizer cannot be traced.
    fn step(
        &mut self,
        xs: &[Tensor],
        ys: &[Tensor],
        sw: Option<&Tensor>,
        vars: &mut Vec<Variable>,
    ) -> (f64, Vec<f64>, Vec<Tensor>, Option<Tensor>) {
        if vars.is_empty() {
            *vars = self.net.trainable_variables();
        }
        let staged = self.staged() && !vars.is_empty();
        let c = self.compiled.as_mut().expect("compiled before fit");
        let key = c.optimizer.trace_key().filter(|_| staged);
        let (loss, per_output, y_pred, mask) = match key {
            None => self.train_step(xs, ys, sw, vars),
            Some(k) => {
                // Slots for every variable, made eagerly before the trace.
                c.optimizer.build(vars);
                let f = c.train_function.clone();
                let (nx, ny) = (xs.len(), ys.len());
                let args: Vec<Tensor> = xs.iter().chain(ys).chain(sw).cloned().collect();
                f.call_staged(step_key(k, vars), &args, |a| {
                    self.train_step(&a[..nx], &a[nx..nx + ny], a.get(nx + ny), vars)
                })
            }
        };
        (scalar(&loss), per_output.iter().map(scalar).collect(), y_pred, mask)
    }

    /// Keras's `train_step`: forward under a tape, loss plus regularization, the optimizer's
    /// update. Returns the loss, each output's loss and the predictions.
    fn train_step(&mut self, xs: &[Tensor], ys: &[Tensor], sw: Option<&Tensor>, vars: &[Variable]) -> StepOut {
        let tape = GradientTape::new();
        let ((y_pred, mask), added) = crate::layers::collect_losses(|| self.forward_masked(xs, &[], true));
        let c = self.compiled.as_mut().expect("compiled before fit");
        let (loss, per_output) = total_loss(&self.net, &added, c, ys, &y_pred, sw, mask.as_ref());
        let grads = tape.gradients(&[&loss], vars, None, tf::UnconnectedGradients::None);
        drop(tape);
        let gv: Vec<(Tensor, Variable)> = grads
            .into_iter()
            .zip(vars.iter())
            .filter_map(|(g, v)| Some((g?, v.clone())))
            .collect();
        c.optimizer.apply_gradients(&gv);
        (loss, per_output, y_pred, mask)
    }

    /// `model.fit(...)`: trains for `epochs` and returns the `History`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
    /// // y = 2x with one weight starting at zero: Keras gives the same numbers.
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// let history = model.fit((&x, &y), keras::FitArgs { epochs: 3, shuffle: false, verbose: 0, ..Default::default() })?;
    /// let loss = &history["loss"];
    /// assert_eq!(loss.len(), 3);
    /// assert!((loss[1] - 1.06).abs() < 1e-5);
    /// assert!((loss[2] - 0.1732).abs() < 1e-5);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when the model is not compiled, for mismatched sample counts, an input
    /// shape the model does not take, labels outside the classes, or an error raised inside a
    /// step (named with its epoch and batch); errors of callbacks and of the dataset.
    pub fn fit<'a>(&mut self, data: impl Into<Data<'a>>, args: FitArgs) -> Result<History> {
        let data = data.into();
        self.compiled()?;
        let FitArgs {
            batch_size,
            epochs,
            verbose,
            mut callbacks,
            validation_split,
            validation_data,
            shuffle,
            class_weight,
            sample_weight,
            initial_epoch,
            steps_per_epoch,
            validation_batch_size,
            validation_freq,
        } = args;
        if batch_size == 0 {
            return Err(invalid("batch_size must be positive"));
        }
        if !(0.0..1.0).contains(&validation_split) {
            return Err(invalid(format!(
                "`validation_split` must be in the range [0, 1). Received: validation_split={validation_split}"
            )));
        }
        // Training and validation sources.
        let (train, val): (Source, Option<Source>) = match data {
            Data::Arrays { x, y, sample_weight: sw } => {
                let (xs, ys) = with_targets(x, y, "fit")?;
                let sw = sw.cloned().or(sample_weight);
                self.check_arrays(&xs, Some(&ys), sw.as_ref())?;
                let sw = match (&class_weight, sw) {
                    (Some(_), _) if ys.len() > 1 => {
                        return Err(invalid("`class_weight` is only supported for models with a single output."))
                    }
                    (Some(cw), sw) => Some(class_weights(cw, &ys[0], sw.as_ref())?),
                    (None, sw) => sw,
                };
                let n = xs[0].shape().dims()[0];
                let split = if validation_split > 0.0 {
                    (n as f64 * (1.0 - validation_split)).floor() as usize
                } else {
                    n
                };
                let part = |ts: &[Tensor], a: usize, b: usize| ts.iter().map(|t| rows(t, None, a, b)).collect::<Vec<_>>();
                let train = Source::Arrays {
                    x: part(&xs, 0, split),
                    y: part(&ys, 0, split),
                    sw: sw.as_ref().map(|w| rows(w, None, 0, split)),
                };
                let val = (split < n).then(|| Source::Arrays {
                    x: part(&xs, split, n),
                    y: part(&ys, split, n),
                    sw: None,
                });
                (train, val)
            }
            Data::Inputs(_) => return Err(invalid("fit needs targets: pass a dataset of (x, y) batches")),
            Data::Dataset(ds) => {
                if validation_split > 0.0 {
                    return Err(invalid(
                        "`validation_split` is only supported for Tensors or NumPy arrays, found a dataset",
                    ));
                }
                (Source::Dataset(ds), None)
            }
        };
        let val = match validation_data {
            Some(ValidationData { x, y }) => {
                self.check_arrays(&x, Some(&y), None)?;
                Some(Source::Arrays { x, y, sw: None })
            }
            None => val,
        };
        let steps = steps_per_epoch.or_else(|| train.steps(batch_size));
        let params = Params { verbose, epochs, steps };
        if verbose > 0 {
            callbacks.insert(0, Box::new(crate::callbacks::ProgbarLogger::new()));
        }
        let mut history = History {
            params: params.clone(),
            ..Default::default()
        };
        self.stop_training = false;
        let mut vars = Vec::new();
        let passes = epochs.saturating_sub(initial_epoch);
        let resumed = self.with_callbacks(&mut callbacks, &params, |cb, ctx| cb.on_train_begin(ctx))?;
        let (initial_epoch, mut initial_step) = resumed.unwrap_or((initial_epoch, 0));
        let mut stream = Stream::new(&train, batch_size, shuffle, passes, steps_per_epoch);
        let (mut last_logs, mut train_logs) = (Logs::default(), Logs::default());
        for epoch in initial_epoch..epochs {
            {
                let c = self.compiled()?;
                Self::reset_metrics(c);
            }
            self.with_callbacks(&mut callbacks, &params, |cb, ctx| cb.on_epoch_begin(epoch, ctx))?;
            let mut tracker = Tracker::default();
            stream.begin_epoch();
            // A resumed epoch runs its remaining steps.
            let mut step = std::mem::take(&mut initial_step);
            while steps.is_none_or(|s| step < s) {
                let Some(batch) = stream.next() else {
                    if let Some(s) = steps {
                        // As Keras: this epoch ends here, and training with it.
                        eprintln!(
                            "WARNING: Your input ran out of data; interrupting training. Make sure that your dataset or \
                             generator can generate at least `steps_per_epoch * epochs` batches (in this case, {} batches). \
                             You may need to use the repeat() function when building your dataset.",
                            passes * s
                        );
                        self.stop_training = true;
                    }
                    break;
                };
                let batch = batch?;
                let at = format!("epoch {}, batch {step}", epoch + 1);
                self.check_batch(&batch.0, &batch.1, &at)?;
                self.with_callbacks(&mut callbacks, &params, |cb, ctx| cb.on_train_batch_begin(step, ctx))?;
                train_logs = self.run_batch(true, &at, batch, &mut vars, &mut tracker, "")?;
                let batch_logs = train_logs.clone();
                self.with_callbacks(&mut callbacks, &params, |cb, ctx| cb.on_train_batch_end(step, &batch_logs, ctx))?;
                step += 1;
            }
            // (An epoch that ran out before its first step logs the last one's values, as
            // Keras does.)
            let mut logs = train_logs.clone();
            if let Some(val) = &val {
                // Keras counts from epoch 1 whatever `initial_epoch` is.
                if (epoch + 1) % validation_freq.max(1) == 0 {
                    let vb = validation_batch_size.unwrap_or(batch_size);
                    let vlogs = self.run_evaluate(val, vb, None, 0, "val_")?;
                    for (k, v) in vlogs.iter() {
                        logs.insert(k, v);
                    }
                }
            }
            self.with_callbacks(&mut callbacks, &params, |cb, ctx| cb.on_epoch_end(epoch, &mut logs, ctx))?;
            history.record(epoch, &logs);
            last_logs = logs;
            if self.stop_training {
                break;
            }
        }
        self.with_callbacks(&mut callbacks, &params, |cb, ctx| cb.on_train_end(&last_logs, ctx))?;
        self.history = Some(history.clone());
        Ok(history)
    }

    fn with_callbacks(
        &mut self,
        callbacks: &mut [Box<dyn Callback>],
        params: &Params,
        mut f: impl FnMut(&mut dyn Callback, &mut Context) -> Result<()>,
    ) -> Result<Option<(usize, usize)>> {
        if callbacks.is_empty() {
            return Ok(None);
        }
        let Model {
            net,
            name,
            compiled,
            stop_training,
            last_input,
            ..
        } = self;
        let (optimizer, saving) = match compiled.as_mut() {
            Some(c) => (
                Some(c.optimizer.as_mut()),
                Some(crate::callbacks::Saving {
                    name,
                    loss: c.losses[0].as_ref(),
                    metrics: &c.metrics,
                    metric_args: &c.metric_args,
                    last_input,
                }),
            ),
            None => (None, None),
        };
        let mut ctx = Context::new(net as &dyn Layer, optimizer, stop_training, params.clone(), saving);
        for cb in callbacks.iter_mut() {
            f(cb.as_mut(), &mut ctx)?;
        }
        Ok(ctx.resume_epoch.map(|e| (e, ctx.resume_step)))
    }

    fn run_evaluate(&mut self, src: &Source, batch_size: usize, steps: Option<usize>, verbose: u8, prefix: &str) -> Result<Logs> {
        let total = steps.or_else(|| src.steps(batch_size));
        let mut bar = (verbose > 0).then(|| Progbar::new(total, verbose));
        let (mut tracker, mut vars) = (Tracker::default(), Vec::new());
        // As Keras, evaluation reuses the compiled metrics after resetting them (fit has
        // already logged the epoch's training values).
        if let Some(c) = self.compiled.as_mut() {
            Self::reset_metrics(c);
        }
        let mut logs = Logs::default();
        let mut step = 0;
        for batch in src.batches(batch_size, None) {
            if steps.is_some_and(|s| step >= s) {
                break;
            }
            let batch = batch?;
            let at = format!("evaluation batch {step}");
            self.check_batch(&batch.0, &batch.1, &at)?;
            logs = self.run_batch(false, &at, batch, &mut vars, &mut tracker, prefix)?;
            step += 1;
            if let Some(b) = bar.as_mut() {
                b.update(step, logs.entries(), false);
            }
        }
        if let Some(b) = bar.as_mut() {
            b.update(total.unwrap_or(step), logs.entries(), true);
        }
        Ok(logs)
    }

    /// `model.evaluate(x, y)`: the loss and metrics over the data, as `Logs` (`values()` is
    /// Keras's list).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
    /// // y = 2x with one weight starting at zero: Keras gives the same numbers.
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// model.train_on_batch(&x, &y)?;
    /// let logs = model.evaluate((&x, &y), keras::EvaluateArgs { verbose: 0, ..Default::default() })?;
    /// assert!((logs["loss"] - 1.06).abs() < 1e-5);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn evaluate<'a>(&mut self, data: impl Into<Data<'a>>, args: EvaluateArgs) -> Result<Logs> {
        self.compiled()?;
        let src = match data.into() {
            Data::Arrays { x, y, sample_weight } => {
                let (xs, ys) = with_targets(x, y, "evaluate")?;
                self.check_arrays(&xs, Some(&ys), sample_weight)?;
                Source::Arrays {
                    x: xs,
                    y: ys,
                    sw: sample_weight.cloned(),
                }
            }
            Data::Dataset(ds) => Source::Dataset(ds),
            Data::Inputs(_) => return Err(invalid("evaluate needs targets: pass a dataset of (x, y) batches")),
        };
        self.run_evaluate(&src, args.batch_size, args.steps, args.verbose, "")
    }

    /// `model.predict(x)`: the outputs for every sample, batch by batch, concatenated. `x` is
    /// a tensor (batched by `batch_size`), an array of tensors for a model with several
    /// inputs, a dataset of input batches, or a dataset of `(x, y)` batches (the targets are
    /// ignored, as in Keras). A model with several outputs: [`predict_outputs`](Self::predict_outputs).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
    /// // y = 2x with one weight starting at zero: Keras gives the same numbers.
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// model.train_on_batch(&x, &y)?;
    /// let p = model.predict(&x, keras::PredictArgs::default())?;
    /// tf::debugging::assert_near(&p, &tf::constant([[1.6f32], [2.6]]), None, None)?;
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when the model cannot be called on the inputs or has several
    /// outputs; the dataset's errors.
    pub fn predict<'a>(&self, x: impl Into<Data<'a>>, args: PredictArgs) -> Result<Tensor> {
        let mut outs = self.predict_outputs(x, args)?;
        match outs.len() {
            1 => Ok(outs.remove(0)),
            n => Err(invalid(format!(
                "the model \"{}\" has {n} outputs ({}): use predict_outputs to get them all",
                self.name,
                self.net.output_names().join(", ")
            ))),
        }
    }

    /// `model.predict(x)` for a model with several outputs: one tensor per output (Keras's
    /// list), each the outputs for every sample.
    ///
    /// # Errors
    /// As [`predict`](Self::predict), save that any number of outputs is fine.
    pub fn predict_outputs<'a>(&self, x: impl Into<Data<'a>>, args: PredictArgs) -> Result<Vec<Tensor>> {
        let name = &self.name;
        let batch_failed = |s: usize, xb: &[Tensor]| {
            format!(
                "the model \"{name}\" cannot be called on prediction batch {s} (shape {})",
                xb[0].shape()
            )
        };
        match x.into() {
            Data::Arrays { x, .. } => {
                let inputs = self.net.num_inputs();
                if x.len() != inputs {
                    return Err(invalid(format!(
                        "Layer \"{name}\" expects {inputs} input(s), but it received {} input tensors.",
                        x.len()
                    )));
                }
                let n = x[0].shape().dims().first().copied().unwrap_or(0);
                if let Some(bad) = x.iter().find(|t| t.rank() == 0 || t.shape().dims()[0] != n || n == 0) {
                    return Err(invalid(format!(
                        "predict needs a non-empty batch of inputs with the same number of samples, got shape {}",
                        bad.shape()
                    )));
                }
                let bs = args.batch_size.max(1);
                let steps = n.div_ceil(bs);
                let batches = (0..steps).map(|s| Ok(x.iter().map(|t| rows(t, None, s * bs, ((s + 1) * bs).min(n))).collect()));
                self.predict_batches(batches, Some(steps), &args, |s, _| match s {
                    0 => format!("the model \"{name}\" cannot be called on the input data (shape {})", x[0].shape()),
                    s => format!("prediction batch {s}"),
                })
            }
            Data::Dataset(ds) => self.predict_batches(
                (ds.pass)().map(|b| b.map(|(x, _)| x)),
                known_steps(ds.cardinality)?,
                &args,
                batch_failed,
            ),
            Data::Inputs(ds) => self.predict_batches(
                ds.iter().map(|b| b.map(|x| vec![x])),
                known_steps(ds.cardinality())?,
                &args,
                batch_failed,
            ),
        }
    }

    /// `predict` over `batches` (`steps` of them, when known); `failed(s, batch)` says what
    /// went wrong when the model cannot be called on batch `s`.
    fn predict_batches(
        &self,
        batches: impl Iterator<Item = Result<Vec<Tensor>>>,
        steps: Option<usize>,
        args: &PredictArgs,
        failed: impl Fn(usize, &[Tensor]) -> String,
    ) -> Result<Vec<Tensor>> {
        let mut bar = (args.verbose > 0).then(|| Progbar::new(steps, args.verbose));
        let mut outs: Vec<Vec<Tensor>> = Vec::with_capacity(steps.unwrap_or(0));
        for (s, xb) in batches.enumerate() {
            let xb = xb?;
            outs.push(checked(&failed(s, &xb), || self.predict_step(&xb))?);
            if let Some(b) = bar.as_mut() {
                b.update(s + 1, &[], steps == Some(s + 1));
            }
        }
        if let (Some(b), None) = (bar.as_mut(), steps) {
            b.update(outs.len(), &[], true);
        }
        if outs.is_empty() {
            return Err(invalid("predict needs a non-empty dataset of inputs"));
        }
        Ok((0..outs[0].len())
            .map(|k| tf::concat(&outs.iter().map(|o| &o[k]).collect::<Vec<_>>(), 0))
            .collect())
    }

    /// `model.predict_on_batch(x)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
    /// // y = 2x with one weight starting at zero: Keras gives the same numbers.
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// assert_eq!(model.predict_on_batch(&x)?.to_vec::<f32>(), vec![0.0, 0.0]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_on_batch(&self, x: &Tensor) -> Result<Tensor> {
        guarded("predict_on_batch", || self.forward(x, false))
    }

    /// `model.train_on_batch(x, y)`: one update; returns the loss and metrics of this batch.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
    /// // y = 2x with one weight starting at zero: Keras gives the same numbers.
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// // The loss before the update, then one SGD step (w: 0 -> 1, b: 0 -> 0.6).
    /// assert_eq!(model.train_on_batch(&x, &y)?["loss"], 10.0);
    /// assert!((model.test_on_batch(&x, &y)?["loss"] - 1.06).abs() < 1e-5);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn train_on_batch(&mut self, x: &Tensor, y: &Tensor) -> Result<Logs> {
        Self::reset_metrics(self.compiled()?);
        let batch = (vec![x.clone()], vec![y.clone()], None);
        self.run_batch(true, "train_on_batch", batch, &mut Vec::new(), &mut Tracker::default(), "")
    }

    /// `model.test_on_batch(x, y)`: the loss and metrics of one batch, without updating.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
    /// // y = 2x with one weight starting at zero: Keras gives the same numbers.
    /// let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    /// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    /// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    /// let logs = model.test_on_batch(&x, &y)?; // no update
    /// assert_eq!(logs["loss"], 10.0);
    /// assert_eq!(model.test_on_batch(&x, &y)?["loss"], 10.0);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate).
    pub fn test_on_batch(&mut self, x: &Tensor, y: &Tensor) -> Result<Logs> {
        let src = Source::Arrays {
            x: vec![x.clone()],
            y: vec![y.clone()],
            sw: None,
        };
        let n = x.shape().dims().first().copied().unwrap_or(1).max(1);
        self.run_evaluate(&src, n, Some(1), 0, "")
    }
}

/// The number of batches of a dataset `predict` runs over, when known; an infinite one is
/// refused (the prediction would never end).
fn known_steps(c: tf::data::Cardinality) -> Result<Option<usize>> {
    match c {
        tf::data::Cardinality::Known(n) => Ok(Some(n)),
        tf::data::Cardinality::Infinite => Err(invalid(
            "predict on an infinite dataset (repeat() without a count) would never end: take() some batches",
        )),
        tf::data::Cardinality::Unknown => Ok(None),
    }
}

/// The trace key of a step function: `extra` (what else decides the trace) and the identities
/// of the variables the graph captures.
pub(super) fn step_key(extra: u64, vars: &[Variable]) -> u64 {
    let mut key = tf::autograph::Key::new();
    key.write(&extra);
    key.write(&vars.iter().map(Variable::handle_id).collect::<Vec<_>>());
    key.finish()
}

/// What a train or test step returns: the loss, each output's loss (when there are several),
/// the predictions and the first output's mask.
type StepOut = (Tensor, Vec<Tensor>, Vec<Tensor>, Option<Tensor>);

/// The compiled losses (each output's, times its `loss_weights` entry, summed) plus the
/// network's regularization penalties and the losses its forward pass `added`: what Keras
/// trains on and reports as `loss`. Also
/// each output's own loss, when there are several. The first output's `mask` (a sequence
/// model's padding) leaves its masked steps out of its loss, as Keras does.
pub(super) fn total_loss(
    net: &dyn Layer,
    added: &[Tensor],
    c: &Compiled,
    ys: &[Tensor],
    y_pred: &[Tensor],
    sw: Option<&Tensor>,
    mask: Option<&Tensor>,
) -> (Tensor, Vec<Tensor>) {
    // Per-sample weights against a per-step mask: one weight a sample, for all its steps.
    let sw_steps = match (sw, mask) {
        (Some(w), Some(m)) if w.rank() + 1 == m.rank() => Some(tf::expand_dims(w, -1)),
        _ => sw.cloned(),
    };
    let per_output: Vec<Tensor> = ys
        .iter()
        .zip(y_pred)
        .enumerate()
        .map(|(i, (y, yp))| match (i, mask) {
            (0, Some(m)) => c.loss(0).call_masked(y, yp, sw_steps.as_ref(), Some(m)),
            _ => c.loss(i).call_weighted(y, yp, sw),
        })
        .collect();
    let weighted = per_output.iter().enumerate().map(|(i, l)| match &c.loss_weights {
        Some(w) => l * w[i] as f32,
        None => l.clone(),
    });
    let total = weighted.reduce(|a, b| &a + &b).expect("a model has an output");
    let total = net.losses().iter().chain(added).fold(total, |acc, r| &acc + r);
    (total, if ys.len() > 1 { per_output } else { Vec::new() })
}

/// Arrays given to `what` (fit, evaluate), which needs targets.
fn with_targets(x: Vec<&Tensor>, y: Option<Vec<&Tensor>>, what: &str) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let y = y.ok_or_else(|| invalid(format!("{what} needs targets: pass (&x, &y)")))?;
    Ok((x.into_iter().cloned().collect(), y.into_iter().cloned().collect()))
}

/// A scalar tensor's value.
pub(super) fn scalar(t: &Tensor) -> f64 {
    tf::cast(t, DType::F64).scalar::<f64>()
}

/// The running logs of an epoch: the loss's and each output's means over samples, or the
/// means over steps of what a custom train step logs.
struct Tracker {
    loss: metrics::Mean,
    outputs: Vec<metrics::Mean>,
    custom: Vec<(&'static str, metrics::Mean)>,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            loss: metrics::Mean::new("loss"),
            outputs: Vec::new(),
            custom: Vec::new(),
        }
    }
}

impl Tracker {
    /// Adds a custom step's logged scalars, of a batch of `n` samples; returns their means
    /// over the samples so far (as the built-in loss is averaged), named with `prefix`.
    fn add_custom(&mut self, logged: &[(&'static str, f64)], n: f64, prefix: &str) -> Logs {
        for &(name, v) in logged {
            let i = match self.custom.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    self.custom.push((name, metrics::Mean::new(name)));
                    self.custom.len() - 1
                }
            };
            self.custom[i].1.add(&[v], Some(&[n]));
        }
        let mut logs = Logs::default();
        for (name, m) in &self.custom {
            logs.insert(format!("{prefix}{name}"), m.result());
        }
        logs
    }
}

/// Adds a batch of `n` samples' per-output losses to their running means.
fn add_output_losses(means: &mut Vec<metrics::Mean>, losses: &[f64], n: f64) {
    means.resize_with(losses.len(), || metrics::Mean::new("loss"));
    for (m, l) in means.iter_mut().zip(losses) {
        m.add(&[*l], Some(&[n]));
    }
}

/// Sample weights from `class_weight` (times any given sample weights).
fn class_weights(cw: &HashMap<i64, f64>, y: &Tensor, sw: Option<&Tensor>) -> Result<Tensor> {
    let labels = if y.rank() >= 2 && y.shape().dims()[y.rank() - 1] > 1 {
        tf::argmax(y, -1)
    } else {
        tf::reshape(y, [-1])
    };
    let labels = tf::cast(&labels, DType::I64).to_vec::<i64>();
    let mut w = Vec::with_capacity(labels.len());
    for l in labels {
        w.push(
            *cw.get(&l)
                .ok_or_else(|| invalid(format!("`class_weight` must contain all classes in the data; class {l} is missing")))?
                as f32,
        );
    }
    let w = Tensor::from_vec(w.clone(), [w.len()])?;
    Ok(match sw {
        Some(s) => &w * &tf::cast(s, DType::F32),
        None => w,
    })
}

/// Keras's `DataHandler`: `fit`'s training batches as one stream across its epochs. Arrays
/// are `passes` passes over the data (each shuffled anew when `shuffle`) that the epochs
/// draw on in turn, so an epoch of fewer steps than a pass leaves the rest to the next. A
/// dataset makes a fresh pass each epoch when `steps_per_epoch` is unset or its
/// cardinality, and is otherwise one pass the epochs share. `next` gives `None` at the end.
struct Stream<'s, 'a> {
    source: &'s Source<'a>,
    batch_size: usize,
    shuffle: bool,
    /// Array passes not yet begun.
    passes: usize,
    /// Whether a dataset makes a fresh pass each epoch.
    fresh: bool,
    pass: Option<Box<dyn Iterator<Item = Result<Batch>> + 's>>,
}

impl<'s, 'a> Stream<'s, 'a> {
    fn new(source: &'s Source<'a>, batch_size: usize, shuffle: bool, passes: usize, steps_per_epoch: Option<usize>) -> Self {
        let fresh = match source {
            Source::Dataset(ds) => steps_per_epoch.is_none_or(|s| ds.cardinality == tf::data::Cardinality::Known(s)),
            Source::Arrays { .. } => false,
        };
        Stream {
            source,
            batch_size,
            shuffle,
            passes,
            fresh,
            pass: None,
        }
    }

    fn begin_epoch(&mut self) {
        if matches!(self.source, Source::Dataset(_)) && (self.fresh || self.pass.is_none()) {
            self.pass = Some(self.source.batches(self.batch_size, None));
        }
    }

    fn next(&mut self) -> Option<Result<Batch>> {
        loop {
            if let Some(b) = self.pass.as_mut().and_then(Iterator::next) {
                return Some(b);
            }
            match self.source {
                Source::Arrays { x, .. } if self.passes > 0 => {
                    self.passes -= 1;
                    let order = self.shuffle.then(|| {
                        let n = x[0].shape().dims()[0] as i64;
                        tf::random::shuffle(&tf::range((0i64, n, 1)), None).to_vec::<i64>()
                    });
                    self.pass = Some(self.source.batches(self.batch_size, order));
                }
                _ => return None,
            }
        }
    }
}

/// Where batches come from.
enum Source<'a> {
    Arrays {
        x: Vec<Tensor>,
        y: Vec<Tensor>,
        sw: Option<Tensor>,
    },
    Dataset(Batches<'a>),
}

impl Source<'_> {
    /// Batches in one pass, when known.
    fn steps(&self, batch_size: usize) -> Option<usize> {
        match self {
            Source::Arrays { x, .. } => Some(x[0].shape().dims()[0].div_ceil(batch_size)),
            Source::Dataset(ds) => match ds.cardinality {
                tf::data::Cardinality::Known(n) => Some(n),
                _ => None,
            },
        }
    }

    fn batches(&self, batch_size: usize, order: Option<Vec<i64>>) -> Box<dyn Iterator<Item = Result<Batch>> + '_> {
        match self {
            Source::Arrays { x, y, sw } => {
                let n = x[0].shape().dims()[0];
                Box::new((0..n.div_ceil(batch_size)).map(move |s| {
                    let (a, b) = (s * batch_size, ((s + 1) * batch_size).min(n));
                    let idx = order.as_deref();
                    let part = |ts: &[Tensor]| ts.iter().map(|t| rows(t, idx, a, b)).collect();
                    Ok((part(x), part(y), sw.as_ref().map(|w| rows(w, idx, a, b))))
                }))
            }
            Source::Dataset(ds) => Box::new((ds.pass)().map(|r| r.map(|(x, y)| (x, y, None)))),
        }
    }
}
