//! `keras.callbacks`: hooks into `fit` — ProgbarLogger, EarlyStopping, ModelCheckpoint,
//! LearningRateScheduler, ReduceLROnPlateau, CSVLogger, TerminateOnNaN, LambdaCallback and
//! TensorBoard.

mod backup;
mod tensorboard;
pub use backup::BackupAndRestore;
pub use tensorboard::{TensorBoard, UpdateFreq};

use crate::layers::Layer;
use crate::model::progbar::{format_value, Progbar};
use crate::model::Logs;
use crate::optimizers::Optimizer;
use std::io::Write;
use std::path::PathBuf;
use tf_core::{Error, Result, Tensor};

/// `fit`'s parameters as callbacks see them (`callback.params`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    /// `verbose`.
    pub verbose: u8,
    /// `epochs`.
    pub epochs: usize,
    /// Steps per epoch, when known.
    pub steps: Option<usize>,
}

/// What a callback can reach while `fit` runs: the model's weights, the optimizer's learning
/// rate, and `stop_training`.
pub struct Context<'a> {
    model: &'a dyn Layer,
    optimizer: Option<&'a mut (dyn Optimizer + 'static)>,
    stop_training: &'a mut bool,
    /// `fit`'s parameters.
    pub params: Params,
    /// What a full-model save needs besides the network and optimizer.
    saving: Option<Saving<'a>>,
    /// The epoch `fit` starts from instead of its `initial_epoch`, as a callback restoring
    /// a backup sets it in `on_train_begin`.
    pub(crate) resume_epoch: Option<usize>,
    /// The step that epoch starts at (0: its first).
    pub(crate) resume_step: usize,
}

/// The rest of a compiled model, for [`Context::save_model`] (borrowed: a callback dispatch
/// runs every batch, a save rarely).
pub(crate) struct Saving<'a> {
    pub name: &'a str,
    pub loss: &'a dyn crate::losses::Loss,
    pub metrics: &'a Option<Vec<Box<dyn crate::metrics::Metric>>>,
    pub metric_args: &'a [crate::metrics::MetricArg],
    pub last_input: &'a std::sync::Mutex<Option<tf_core::ops::TensorSpec>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        model: &'a dyn Layer,
        optimizer: Option<&'a mut (dyn Optimizer + 'static)>,
        stop_training: &'a mut bool,
        params: Params,
        saving: Option<Saving<'a>>,
    ) -> Context<'a> {
        Context {
            model,
            optimizer,
            stop_training,
            params,
            saving,
            resume_epoch: None,
            resume_step: 0,
        }
    }
    /// In `on_train_begin`: `fit` starts at `epoch` instead of its `initial_epoch` (a
    /// restored backup's next epoch).
    pub fn set_initial_epoch(&mut self, epoch: usize) {
        self.resume_epoch = Some(epoch);
    }
    /// In `on_train_begin`, with [`set_initial_epoch`](Self::set_initial_epoch): that epoch
    /// starts at step `step`, running its remaining steps from the start of a fresh pass
    /// over the data (Keras's `initial_step`, a batch-level backup's next step).
    pub fn set_initial_step(&mut self, step: usize) {
        self.resume_step = step;
    }
    /// The model being trained.
    pub fn model(&self) -> &dyn Layer {
        self.model
    }
    /// `model.stop_training = true`: `fit` ends after this epoch.
    pub fn stop_training(&mut self) {
        *self.stop_training = true;
    }
    /// The value of every model variable.
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.model.variables().iter().map(|v| v.value()).collect()
    }
    /// Assigns every model variable (as `get_weights` returned them).
    pub fn set_weights(&self, w: &[Tensor]) {
        for (v, t) in self.model.variables().iter().zip(w) {
            v.assign(t);
        }
    }
    /// The optimizer's `iterations`: training steps taken so far (0 before `compile`).
    pub fn iterations(&self) -> i64 {
        self.optimizer.as_ref().map_or(0, |o| o.iterations())
    }
    /// The optimizer's current learning rate.
    pub fn learning_rate(&self) -> Option<f64> {
        self.optimizer.as_ref().map(|o| o.learning_rate())
    }
    /// Sets the optimizer's learning rate.
    pub fn set_learning_rate(&mut self, lr: f64) {
        if let Some(o) = self.optimizer.as_mut() {
            o.set_learning_rate(lr);
        }
    }
    /// Saves the model's weights, with the optimizer's in TensorFlow's format (see
    /// [`crate::saving::save_weights`]).
    ///
    /// # Errors
    /// As `save_weights`.
    pub fn save_weights(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let root = crate::saving::WithOptimizer {
            net: self.model,
            optimizer: self.optimizer.as_deref().map(|o| o.as_module()),
        };
        crate::saving::save_weights(&root, path)
    }
    /// Saves the whole model as `model.save(dir)` does (architecture, weights, optimizer
    /// state, compile config).
    ///
    /// # Errors
    /// As [`crate::saving::save_model`].
    pub fn save_model(&self, dir: impl AsRef<std::path::Path>) -> Result<()> {
        let parts = crate::saving::Parts {
            net: self.model,
            name: self.saving.as_ref().map_or_else(|| self.model.name(), |s| s.name.to_string()),
            optimizer: self.optimizer.as_deref().map(|o| o as &dyn Optimizer),
            loss: self.saving.as_ref().map(|s| s.loss),
            metrics: self
                .saving
                .as_ref()
                .map(|s| crate::saving::metric_names(s.metrics, s.metric_args))
                .unwrap_or_default(),
            last_input: self
                .saving
                .as_ref()
                .and_then(|s| s.last_input.lock().unwrap_or_else(|p| p.into_inner()).clone()),
        };
        crate::saving::save_parts(&parts, dir.as_ref(), &crate::saving::SaveOptions::default())
    }
}

/// A `fit` hook. Every method has an empty default; an error ends `fit` with it.
#[allow(unused_variables)]
pub trait Callback {
    /// Before the first epoch.
    fn on_train_begin(&mut self, ctx: &mut Context) -> Result<()> {
        Ok(())
    }
    /// After the last epoch, with its logs.
    fn on_train_end(&mut self, logs: &Logs, ctx: &mut Context) -> Result<()> {
        Ok(())
    }
    /// At the start of epoch `epoch` (0-based).
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context) -> Result<()> {
        Ok(())
    }
    /// At the end of an epoch, with its logs (training and `val_` values); a callback may add
    /// entries (`lr`).
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        Ok(())
    }
    /// Before a training batch.
    fn on_train_batch_begin(&mut self, batch: usize, ctx: &mut Context) -> Result<()> {
        Ok(())
    }
    /// After a training batch, with the epoch's running values.
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, ctx: &mut Context) -> Result<()> {
        Ok(())
    }
}

/// `keras.callbacks.ProgbarLogger`: prints `Epoch 1/10` and the progress bar (added by `fit`
/// when `verbose > 0`).
#[derive(Default)]
pub struct ProgbarLogger {
    bar: Option<Progbar>,
    seen: usize,
}
impl ProgbarLogger {
    /// The logger.
    pub fn new() -> ProgbarLogger {
        ProgbarLogger::default()
    }
}
impl Callback for ProgbarLogger {
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context) -> Result<()> {
        if ctx.params.epochs > 1 {
            println!("Epoch {}/{}", epoch + 1, ctx.params.epochs);
        }
        self.bar = Some(Progbar::new(ctx.params.steps, ctx.params.verbose));
        self.seen = 0;
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, ctx: &mut Context) -> Result<()> {
        self.seen = batch + 1;
        if ctx.params.verbose == 1 {
            if let Some(b) = self.bar.as_mut() {
                b.update(self.seen, logs.entries(), false);
            }
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        if let Some(b) = self.bar.as_mut() {
            b.update(ctx.params.steps.unwrap_or(self.seen), logs.entries(), true);
        }
        Ok(())
    }
}

/// Whether larger is better for `monitor` under `mode` (`"auto"`: accuracy and AUC are
/// maximized, everything else minimized).
fn maximize(mode: &str, monitor: &str) -> bool {
    match mode {
        "max" => true,
        "min" => false,
        _ => ["acc", "accuracy", "auc"].iter().any(|k| monitor.ends_with(k)) || monitor.starts_with("fmeasure"),
    }
}

/// The starting `best` of a monitor: the worst value in its direction.
fn worst(mode: &str, monitor: &str) -> f64 {
    if maximize(mode, monitor) {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    }
}

/// `keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=0, mode="auto",
/// baseline=None, restore_best_weights=False, start_from_epoch=0)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, callbacks::EarlyStopping, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
/// // A learning rate of 0: the loss never improves, so training stops after `patience` more epochs.
/// let mut model = keras::sequential![Dense::new(1).input_shape([1])];
/// model.compile(SGD::new(0.0), MeanSquaredError::new(), ());
/// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
/// let stop = EarlyStopping::new().monitor("loss").patience(2);
/// let args = keras::FitArgs { epochs: 10, verbose: 0, callbacks: vec![Box::new(stop)], ..Default::default() };
/// assert_eq!(model.fit((&x, &y), args)?["loss"].len(), 3);
/// # Ok::<(), tf::Error>(())
/// ```
pub struct EarlyStopping {
    /// `monitor`.
    monitor: String,
    /// `min_delta`.
    min_delta: f64,
    /// `patience`.
    patience: usize,
    /// `verbose`.
    verbose: u8,
    /// `mode`: `"auto"`, `"min"` or `"max"`.
    mode: String,
    /// `baseline`.
    baseline: Option<f64>,
    /// `restore_best_weights`.
    restore_best_weights: bool,
    /// `start_from_epoch`.
    start_from_epoch: usize,
    wait: usize,
    best: f64,
    best_weights: Option<Vec<Tensor>>,
    /// The epoch training stopped at (0 when it did not stop early).
    pub stopped_epoch: usize,
    /// The epoch with the best monitored value.
    pub best_epoch: usize,
}
impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            verbose: 0,
            mode: "auto".into(),
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            wait: 0,
            best: f64::INFINITY,
            best_weights: None,
            stopped_epoch: 0,
            best_epoch: 0,
        }
    }
}
impl EarlyStopping {
    /// The callback with Keras's defaults.
    pub fn new() -> EarlyStopping {
        EarlyStopping::default()
    }
    setters! {
        monitor: into String,
        min_delta: f64,
        patience: usize,
        verbose: u8,
        mode: into String,
        restore_best_weights: bool,
        start_from_epoch: usize,
    }
}

impl EarlyStopping {
    fn improved(&self, current: f64, reference: f64) -> bool {
        if maximize(&self.mode, &self.monitor) {
            current - self.min_delta.abs() > reference
        } else {
            current + self.min_delta.abs() < reference
        }
    }
}
impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _ctx: &mut Context) -> Result<()> {
        self.wait = 0;
        self.stopped_epoch = 0;
        self.best = worst(&self.mode, &self.monitor);
        self.best_weights = None;
        self.best_epoch = 0;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        let Some(current) = logs.get(&self.monitor) else {
            eprintln!(
                "WARNING: Early stopping conditioned on metric `{}` which is not available. Available metrics are: {}",
                self.monitor,
                logs.iter().map(|(k, _)| k).collect::<Vec<_>>().join(",")
            );
            return Ok(());
        };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(ctx.get_weights());
        }
        self.wait += 1;
        if self.improved(current, self.best) {
            self.best = current;
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(ctx.get_weights());
            }
            if self.baseline.is_none_or(|b| self.improved(current, b)) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = epoch;
            ctx.stop_training();
            if let (true, Some(w)) = (self.restore_best_weights, &self.best_weights) {
                if self.verbose > 0 {
                    println!("Restoring model weights from the end of the best epoch: {}.", self.best_epoch + 1);
                }
                ctx.set_weights(w);
            }
        }
        Ok(())
    }
    fn on_train_end(&mut self, _logs: &Logs, _ctx: &mut Context) -> Result<()> {
        if self.stopped_epoch > 0 && self.verbose > 0 {
            println!("Epoch {}: early stopping", self.stopped_epoch + 1);
        }
        Ok(())
    }
}

/// Python's `str.format` for the `{name}` / `{name:spec}` fields Keras paths use
/// (`{epoch:02d}`, `{val_loss:.2f}`).
pub fn format_path(template: &str, epoch: usize, logs: &Logs) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..]
            .find('}')
            .ok_or_else(|| Error::InvalidArgument(format!("unclosed '{{' in file path {template:?}")))?
            + i;
        let field = &rest[i + 1..j];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        let value = if name == "epoch" {
            epoch as f64
        } else {
            logs.get(name).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "Failed to format this callback filepath: \"{template}\". Reason: {name:?} is not among the logged values ({})",
                    logs.iter().map(|(k, _)| k).collect::<Vec<_>>().join(", ")
                ))
            })?
        };
        out.push_str(&python_format(value, spec, name == "epoch"));
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn python_format(v: f64, spec: &str, integer: bool) -> String {
    if let Some(p) = spec.strip_prefix('.').and_then(|s| s.strip_suffix('f')) {
        let p: usize = p.parse().unwrap_or(6);
        return format!("{v:.p$}");
    }
    if let Some(w) = spec.strip_suffix('d') {
        let zero = w.starts_with('0');
        let w: usize = w.trim_start_matches('0').parse().unwrap_or(0);
        let i = v as i64;
        return if zero { format!("{i:0w$}") } else { format!("{i:w$}") };
    }
    if integer {
        (v as i64).to_string()
    } else {
        format!("{v}")
    }
}

/// `keras.callbacks.ModelCheckpoint(filepath, monitor="val_loss", save_best_only=False,
/// save_weights_only=False, mode="auto")`: saves the model at the end of every epoch, or only
/// when the monitored value improves. `{epoch}` and logged names in the path are filled in.
/// The whole model is saved as `model.save(filepath)` (a SavedModel directory) unless
/// `save_weights_only` is set or the path ends in `.safetensors`; then the weights are saved
/// as `model.save_weights(filepath)`. Directories in the path that do not exist yet are
/// created.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, callbacks, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
/// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
/// let dir = std::env::temp_dir().join(format!("tf-doc-modelckpt-{}", std::process::id()));
/// let mut model = keras::sequential![Dense::new(1).input_shape([1])];
/// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
/// let path = dir.join("weights-{epoch:02d}.safetensors").display().to_string();
/// let save = callbacks::ModelCheckpoint::new(path).monitor("loss");
/// let args = keras::FitArgs { epochs: 2, verbose: 0, callbacks: vec![Box::new(save)], ..Default::default() };
/// model.fit((&x, &y), args)?;
/// assert!(dir.join("weights-01.safetensors").exists() && dir.join("weights-02.safetensors").exists());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
pub struct ModelCheckpoint {
    /// `filepath`.
    pub filepath: String,
    /// `monitor`.
    pub monitor: String,
    /// `verbose`.
    pub verbose: u8,
    /// `save_best_only`.
    pub save_best_only: bool,
    /// `save_weights_only`.
    pub save_weights_only: bool,
    /// `mode`.
    pub mode: String,
    best: Option<f64>,
}
impl ModelCheckpoint {
    /// A checkpoint callback writing to `filepath` every epoch.
    pub fn new(filepath: impl Into<String>) -> ModelCheckpoint {
        ModelCheckpoint {
            filepath: filepath.into(),
            monitor: "val_loss".into(),
            verbose: 0,
            save_best_only: false,
            save_weights_only: false,
            mode: "auto".into(),
            best: None,
        }
    }
    setters! {
        save_best_only: bool,
        save_weights_only: bool,
        monitor: into String,
        verbose: u8,
    }
}
impl Callback for ModelCheckpoint {
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        let path = format_path(&self.filepath, epoch + 1, logs)?;
        if self.save_best_only {
            let Some(current) = logs.get(&self.monitor) else {
                eprintln!("WARNING: Can save best model only with {} available, skipping.", self.monitor);
                return Ok(());
            };
            let max = maximize(&self.mode, &self.monitor);
            let better = match self.best {
                None => true,
                Some(b) => (max && current > b) || (!max && current < b),
            };
            if !better {
                if self.verbose > 0 {
                    println!(
                        "\nEpoch {}: {} did not improve from {:.5}",
                        epoch + 1,
                        self.monitor,
                        self.best.unwrap_or(f64::NAN)
                    );
                }
                return Ok(());
            }
            if self.verbose > 0 {
                let from = self
                    .best
                    .map_or(if max { "-inf".to_string() } else { "inf".to_string() }, |b| format!("{b:.5}"));
                println!(
                    "\nEpoch {}: {} improved from {from} to {current:.5}, saving model to {path}",
                    epoch + 1,
                    self.monitor
                );
            }
            self.best = Some(current);
        } else if self.verbose > 0 {
            println!("\nEpoch {}: saving model to {path}", epoch + 1);
        }
        // As Keras's callback does, the directories the path names are made first.
        if let Some(dir) = std::path::Path::new(&path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        if self.save_weights_only || path.ends_with(".safetensors") {
            ctx.save_weights(&path)
        } else {
            ctx.save_model(&path)
        }
    }
}

type Schedule = dyn FnMut(usize, f64) -> f64;

/// `keras.callbacks.LearningRateScheduler(schedule, verbose=0)`: sets the learning rate to
/// `schedule(epoch, lr)` at the start of every epoch and logs it as `lr`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, callbacks, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
/// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
/// let mut model = keras::sequential![Dense::new(1).input_shape([1])];
/// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
/// let halve = callbacks::LearningRateScheduler::new(|_epoch, lr| lr * 0.5, 0);
/// let args = keras::FitArgs { epochs: 3, verbose: 0, callbacks: vec![Box::new(halve)], ..Default::default() };
/// let history = model.fit((&x, &y), args)?;
/// assert_eq!(history["lr"], [0.05, 0.025, 0.0125]);
/// assert_eq!(model.optimizer().unwrap().learning_rate(), 0.0125); // Keras: 0.0125
/// # Ok::<(), tf::Error>(())
/// ```
pub struct LearningRateScheduler {
    schedule: Box<Schedule>,
    verbose: u8,
}
impl LearningRateScheduler {
    /// The scheduler.
    pub fn new(schedule: impl FnMut(usize, f64) -> f64 + 'static, verbose: u8) -> LearningRateScheduler {
        LearningRateScheduler {
            schedule: Box::new(schedule),
            verbose,
        }
    }
}
impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, ctx: &mut Context) -> Result<()> {
        let lr = ctx
            .learning_rate()
            .ok_or_else(|| Error::InvalidArgument("Optimizer must have a \"lr\" attribute.".into()))?;
        let new = (self.schedule)(epoch, lr);
        if !new.is_finite() {
            return Err(Error::InvalidArgument(format!(
                "The output of the \"schedule\" function should be a finite float. Got: {new}"
            )));
        }
        ctx.set_learning_rate(new);
        if self.verbose > 0 {
            println!("\nEpoch {}: LearningRateScheduler setting learning rate to {new}.", epoch + 1);
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        if let Some(lr) = ctx.learning_rate() {
            logs.insert("lr", lr);
        }
        Ok(())
    }
}

/// `keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10,
/// mode="auto", min_delta=1e-4, cooldown=0, min_lr=0)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, callbacks, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
/// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
/// // Zero inputs and no bias: the loss cannot improve, so every `patience` epochs the rate halves.
/// let mut model = keras::sequential![Dense::new(1).use_bias(false).input_shape([1])];
/// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
/// let plateau = callbacks::ReduceLROnPlateau::new().monitor("loss").factor(0.5).patience(1);
/// let args = keras::FitArgs { epochs: 4, verbose: 0, callbacks: vec![Box::new(plateau)], ..Default::default() };
/// model.fit((&tf::zeros_like(&x), &y), args)?;
/// assert!((model.optimizer().unwrap().learning_rate() - 0.0125).abs() < 1e-9); // Keras: 0.0125
/// # Ok::<(), tf::Error>(())
/// ```
pub struct ReduceLROnPlateau {
    /// `monitor`.
    monitor: String,
    /// `factor`.
    factor: f64,
    /// `patience`.
    patience: usize,
    /// `verbose`.
    verbose: u8,
    /// `mode`.
    mode: String,
    /// `min_delta`.
    min_delta: f64,
    /// `cooldown`.
    cooldown: usize,
    /// `min_lr`.
    min_lr: f64,
    wait: usize,
    cooldown_counter: usize,
    best: f64,
}
impl Default for ReduceLROnPlateau {
    fn default() -> Self {
        ReduceLROnPlateau {
            monitor: "val_loss".into(),
            factor: 0.1,
            patience: 10,
            verbose: 0,
            mode: "auto".into(),
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            wait: 0,
            cooldown_counter: 0,
            best: f64::INFINITY,
        }
    }
}
impl ReduceLROnPlateau {
    /// The callback with Keras's defaults.
    pub fn new() -> ReduceLROnPlateau {
        ReduceLROnPlateau::default()
    }
    setters! {
        monitor: into String,
        factor: f64,
        patience: usize,
        verbose: u8,
        mode: into String,
        min_delta: f64,
        cooldown: usize,
        min_lr: f64,
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _ctx: &mut Context) -> Result<()> {
        if self.factor >= 1.0 {
            return Err(Error::InvalidArgument(format!(
                "ReduceLROnPlateau does not support a factor >= 1.0. Got {}",
                self.factor
            )));
        }
        self.wait = 0;
        self.cooldown_counter = 0;
        self.best = worst(&self.mode, &self.monitor);
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        let Some(lr) = ctx.learning_rate() else { return Ok(()) };
        logs.insert("lr", lr);
        let Some(current) = logs.get(&self.monitor) else {
            eprintln!(
                "WARNING: Learning rate reduction is conditioned on metric `{}` which is not available.",
                self.monitor
            );
            return Ok(());
        };
        let max = maximize(&self.mode, &self.monitor);
        let better = if max {
            current > self.best + self.min_delta
        } else {
            current < self.best - self.min_delta
        };
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if better {
            self.best = current;
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience && lr > self.min_lr as f32 as f64 {
                let new = (lr * self.factor).max(self.min_lr);
                ctx.set_learning_rate(new);
                if self.verbose > 0 {
                    println!("\nEpoch {}: ReduceLROnPlateau reducing learning rate to {new}.", epoch + 1);
                }
                self.cooldown_counter = self.cooldown;
                self.wait = 0;
            }
        }
        Ok(())
    }
}

/// `keras.callbacks.CSVLogger(filename, separator=",", append=False)`: one row per epoch,
/// `epoch` then the logged values by sorted name.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, callbacks::CSVLogger, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
/// let path = std::env::temp_dir().join(format!("tf-doc-csvlogger-{}.csv", std::process::id()));
/// let mut model = keras::sequential![Dense::new(1).input_shape([1])];
/// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
/// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
/// let args = keras::FitArgs { epochs: 2, verbose: 0, callbacks: vec![Box::new(CSVLogger::new(&path))], ..Default::default() };
/// model.fit((&x, &y), args)?;
/// let text = std::fs::read_to_string(&path).unwrap();
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines[0], "epoch,loss");
/// assert!(lines[1].starts_with("0,") && lines[2].starts_with("1,"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tf::Error>(())
/// ```
pub struct CSVLogger {
    path: PathBuf,
    separator: String,
    append: bool,
    keys: Option<Vec<String>>,
    file: Option<std::fs::File>,
}
impl CSVLogger {
    /// A logger writing to `filename`.
    pub fn new(filename: impl Into<PathBuf>) -> CSVLogger {
        CSVLogger {
            path: filename.into(),
            separator: ",".into(),
            append: false,
            keys: None,
            file: None,
        }
    }
    setters! {
        separator: into String,
    }
    /// `append=`: add to an existing file instead of replacing it.
    pub fn append(mut self, a: bool) -> Self {
        self.append = a;
        self
    }
}
impl Callback for CSVLogger {
    fn on_train_begin(&mut self, _ctx: &mut Context) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        let has_header = self.append && std::fs::metadata(&self.path).map(|m| m.len() > 0).unwrap_or(false);
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(self.append)
            .write(true)
            .truncate(!self.append)
            .open(&self.path)
            .map_err(io)?;
        self.file = Some(f);
        self.keys = None;
        if has_header {
            self.keys = Some(Vec::new());
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _ctx: &mut Context) -> Result<()> {
        let sep = self.separator.clone();
        let mut sorted: Vec<(&str, f64)> = logs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut text = String::new();
        if self.keys.is_none() {
            let names: Vec<String> = sorted.iter().map(|(k, _)| k.to_string()).collect();
            text.push_str(&format!("epoch{sep}{}\n", names.join(&sep)));
            self.keys = Some(names);
        }
        let vals: Vec<String> = sorted.iter().map(|(_, v)| format!("{v}")).collect();
        text.push_str(&format!("{epoch}{sep}{}\n", vals.join(&sep)));
        let path = self.path.display().to_string();
        let f = self
            .file
            .as_mut()
            .ok_or_else(|| Error::InvalidArgument("CSVLogger: on_train_begin was not called".into()))?;
        f.write_all(text.as_bytes())
            .and_then(|_| f.flush())
            .map_err(|e| Error::Io { path, source: e })
    }
    fn on_train_end(&mut self, _logs: &Logs, _ctx: &mut Context) -> Result<()> {
        self.file = None;
        Ok(())
    }
}

/// `keras.callbacks.TerminateOnNaN()`: ends `fit` with an error when the loss becomes NaN or
/// infinite.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, callbacks, layers::Dense, losses::MeanSquaredError, optimizers::SGD};
/// let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
/// let mut model = keras::sequential![Dense::new(1).input_shape([1])];
/// model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
/// let bad_y = tf::constant([[f32::NAN], [4.0]]);
/// let args = keras::FitArgs { epochs: 5, verbose: 0, callbacks: vec![Box::new(callbacks::TerminateOnNaN)], ..Default::default() };
/// let err = model.fit((&x, &bad_y), args).unwrap_err();
/// assert!(err.to_string().contains("Batch 0: Invalid loss, terminating training"));
/// ```
#[derive(Default)]
pub struct TerminateOnNaN;
impl Callback for TerminateOnNaN {
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, ctx: &mut Context) -> Result<()> {
        if let Some(loss) = logs.get("loss") {
            if !loss.is_finite() {
                ctx.stop_training();
                return Err(Error::InvalidArgument(format!(
                    "Batch {batch}: Invalid loss, terminating training (loss: {})",
                    format_value(loss)
                )));
            }
        }
        Ok(())
    }
}

type EpochFn = dyn FnMut(usize, &Logs);
type BatchFn = dyn FnMut(usize, &Logs);
type TrainFn = dyn FnMut(&Logs);

/// `keras.callbacks.LambdaCallback`: closures for the hooks you need.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::callbacks::LambdaCallback;
/// let cb = LambdaCallback::default().on_epoch_end(|epoch, logs| println!("{epoch}: {:?}", logs.get("loss")));
/// ```
#[derive(Default)]
pub struct LambdaCallback {
    epoch_begin: Option<Box<EpochFn>>,
    epoch_end: Option<Box<EpochFn>>,
    batch_end: Option<Box<BatchFn>>,
    train_end: Option<Box<TrainFn>>,
}
impl LambdaCallback {
    /// `on_epoch_begin=` (the logs are empty).
    pub fn on_epoch_begin(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.epoch_begin = Some(Box::new(f));
        self
    }
    /// `on_epoch_end=`.
    pub fn on_epoch_end(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.epoch_end = Some(Box::new(f));
        self
    }
    /// `on_batch_end=`.
    pub fn on_batch_end(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.batch_end = Some(Box::new(f));
        self
    }
    /// `on_train_end=`.
    pub fn on_train_end(mut self, f: impl FnMut(&Logs) + 'static) -> Self {
        self.train_end = Some(Box::new(f));
        self
    }
}
impl Callback for LambdaCallback {
    fn on_epoch_begin(&mut self, epoch: usize, _ctx: &mut Context) -> Result<()> {
        if let Some(f) = self.epoch_begin.as_mut() {
            f(epoch, &Logs::default());
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _ctx: &mut Context) -> Result<()> {
        if let Some(f) = self.epoch_end.as_mut() {
            f(epoch, logs);
        }
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, _ctx: &mut Context) -> Result<()> {
        if let Some(f) = self.batch_end.as_mut() {
            f(batch, logs);
        }
        Ok(())
    }
    fn on_train_end(&mut self, logs: &Logs, _ctx: &mut Context) -> Result<()> {
        if let Some(f) = self.train_end.as_mut() {
            f(logs);
        }
        Ok(())
    }
}
