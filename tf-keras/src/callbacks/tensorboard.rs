//! `keras.callbacks.TensorBoard`: `fit`'s logs as TensorBoard event files, laid out as Keras 2
//! lays them out — `log_dir/train` and `log_dir/validation` runs, `epoch_<metric>` scalars at
//! step = epoch, `evaluation_<metric>_vs_iterations` at step = training steps, weight
//! histograms `<layer>/<weight>_0/histogram` every `histogram_freq` epochs, `batch_<metric>`
//! every `update_freq` batches, and the model's forward graph.

use super::{Callback, Context};
use crate::model::Logs;
use std::path::PathBuf;
use tf_core::summary::{self, SummaryWriter};
use tf_core::{Result, Tensor};

/// How often scalars are written (`update_freq=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateFreq {
    /// After every epoch (`"epoch"`, the default).
    Epoch,
    /// Also every `n` training batches (`update_freq=n`; `"batch"` is 1), as `batch_<metric>`.
    Batches(usize),
}

/// `keras.callbacks.TensorBoard(log_dir="logs", histogram_freq=0, write_graph=True,
/// update_freq="epoch")`. Point `tensorboard --logdir` at `log_dir`.
///
/// ```no_run
/// use tf_keras::callbacks::TensorBoard;
/// let tb = TensorBoard::new("logs/fit").histogram_freq(1);
/// ```
pub struct TensorBoard {
    log_dir: PathBuf,
    histogram_freq: usize,
    write_graph: bool,
    update_freq: UpdateFreq,
    train: Option<SummaryWriter>,
    validation: Option<SummaryWriter>,
    graph_written: bool,
}

impl TensorBoard {
    /// A callback writing under `log_dir`.
    pub fn new(log_dir: impl Into<PathBuf>) -> TensorBoard {
        TensorBoard {
            log_dir: log_dir.into(),
            histogram_freq: 0,
            write_graph: true,
            update_freq: UpdateFreq::Epoch,
            train: None,
            validation: None,
            graph_written: false,
        }
    }
    setters! {
        histogram_freq: usize,
        write_graph: bool,
        update_freq: UpdateFreq,
    }

    /// The writer in `slot` (a run's), created in `dir` on first use.
    fn writer(slot: &mut Option<SummaryWriter>, dir: PathBuf) -> Result<SummaryWriter> {
        if slot.is_none() {
            *slot = Some(summary::create_file_writer(dir)?);
        }
        Ok(slot.clone().expect("just created"))
    }

    fn train_writer(&mut self) -> Result<SummaryWriter> {
        Self::writer(&mut self.train, self.log_dir.join("train"))
    }

    /// The model's forward pass on one sample, traced, for the Graphs dashboard — once the
    /// model is built and its input shape is declared.
    fn write_graph_once(&mut self, ctx: &Context) -> Result<()> {
        if !self.write_graph || self.graph_written || ctx.model().variables().is_empty() {
            return Ok(());
        }
        let Some(shape) = ctx.model().declared_input_shape() else {
            return Ok(());
        };
        let mut dims = vec![1];
        dims.extend(shape);
        let spec = tf_core::ops::TensorSpec {
            dtype: tf_core::DType::F32,
            shape: tf_core::Shape::new(&dims),
        };
        let model = ctx.model();
        let graph = tf_core::graph::trace_graph(&model.name(), &[spec], |x| vec![model.call(&x[0], false)]);
        let w = self.train_writer()?;
        let _d = w.as_default();
        summary::graph(&graph);
        self.graph_written = true;
        Ok(())
    }
}

impl Callback for TensorBoard {
    fn on_train_begin(&mut self, ctx: &mut Context) -> Result<()> {
        self.train_writer()?;
        self.graph_written = false;
        self.write_graph_once(ctx)
    }

    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, ctx: &mut Context) -> Result<()> {
        let UpdateFreq::Batches(n) = self.update_freq else {
            return Ok(());
        };
        if n == 0 || !(batch + 1).is_multiple_of(n) {
            return Ok(());
        }
        let step = ctx.iterations();
        let w = self.train_writer()?;
        let _d = w.as_default();
        for (k, v) in logs.iter() {
            summary::scalar(&format!("batch_{k}"), v as f32, step);
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        self.write_graph_once(ctx)?;
        let val: Vec<(&str, f64)> = logs.iter().filter(|(k, _)| k.starts_with("val_")).collect();
        let train: Vec<(&str, f64)> = logs.iter().filter(|(k, _)| !k.starts_with("val_")).collect();
        if !val.is_empty() {
            let w = Self::writer(&mut self.validation, self.log_dir.join("validation"))?;
            let _d = w.as_default();
            let it = ctx.iterations();
            for (k, v) in &val {
                summary::scalar(&format!("evaluation_{}_vs_iterations", &k[4..]), *v as f32, it);
            }
            for (k, v) in &val {
                summary::scalar(&format!("epoch_{}", &k[4..]), *v as f32, epoch);
            }
            w.flush()?;
        }
        let w = self.train_writer()?;
        let _d = w.as_default();
        for (k, v) in &train {
            summary::scalar(&format!("epoch_{k}"), *v as f32, epoch);
        }
        if self.histogram_freq > 0 && epoch.is_multiple_of(self.histogram_freq) {
            for (path, var, _) in ctx.model().named_variables() {
                let value: Tensor = var.value();
                summary::histogram(&format!("{path}_0/histogram"), &value, epoch, None);
            }
        }
        w.flush()
    }

    fn on_train_end(&mut self, _logs: &Logs, _ctx: &mut Context) -> Result<()> {
        let (t, v) = (self.train.take(), self.validation.take());
        if let Some(w) = v {
            w.close()?;
        }
        if let Some(w) = t {
            w.close()?;
        }
        Ok(())
    }
}
