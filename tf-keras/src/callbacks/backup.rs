//! `keras.callbacks.BackupAndRestore`: fault tolerance for `fit`.

use super::{Callback, Context};
use crate::model::Logs;
use std::path::{Path, PathBuf};
use tf_core::train::{Checkpoint, CheckpointManager};
use tf_core::{Error, Result, Variable};

/// `keras.callbacks.BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=True)`:
/// backs up the model's weights, the optimizer's state and the epoch at the end of every
/// epoch (or every `n` batches: [`save_freq`](Self::save_freq)), as a TensorFlow checkpoint
/// in `backup_dir/chief` (Keras's layout: the model and the `ckpt_saved_epoch` /
/// `ckpt_saved_batch` counters, one checkpoint kept). When a `fit` with
/// this callback starts and a backup is there — a run that was interrupted — it restores it
/// and continues from the epoch after the backed-up one. A `fit` that finishes deletes the
/// backup (unless `delete_checkpoint(false)`).
///
/// ```
/// use tf_keras::{self as keras, callbacks::{BackupAndRestore, Callback, Context}, layers::Dense, FitArgs};
/// use keras::{losses::MeanSquaredError, optimizers::SGD};
/// let dir = std::env::temp_dir().join(format!("doc-backup-{}", std::process::id()));
/// let x = tf_core::ones([8, 2], tf_core::float32);
/// let mut model = keras::sequential![Dense::new(1).input_shape([2])];
/// model.compile(SGD::new(0.1), MeanSquaredError::new(), &[]);
/// // A job that fails during its third epoch, as a preempted worker would.
/// struct Interrupt;
/// impl Callback for Interrupt {
///     fn on_epoch_begin(&mut self, epoch: usize, _: &mut Context) -> tf_core::Result<()> {
///         if epoch == 2 { Err(tf_core::Error::InvalidArgument("interrupted".into())) } else { Ok(()) }
///     }
/// }
/// let args = |cb: Vec<Box<dyn Callback>>| FitArgs { epochs: 4, verbose: 0, callbacks: cb, ..Default::default() };
/// let cbs: Vec<Box<dyn Callback>> = vec![Box::new(BackupAndRestore::new(&dir)), Box::new(Interrupt)];
/// assert!(model.fit((&x, &x), args(cbs)).is_err());
/// // Run again: it resumes after the backed-up epoch 1 (0-based), and deletes the backup.
/// let history = model.fit((&x, &x), args(vec![Box::new(BackupAndRestore::new(&dir))]))?;
/// assert_eq!(history.epoch, vec![2, 3]);
/// assert!(!dir.join("chief").exists());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf_core::Error>(())
/// ```
pub struct BackupAndRestore {
    backup_dir: PathBuf,
    delete_checkpoint: bool,
    /// `save_freq`: every this many batches; `None` is `"epoch"`.
    save_freq: Option<usize>,
    saved_epoch: Variable,
    saved_batch: Variable,
    epoch: i64,
    batch: i64,
    /// Batches since the last batch-level backup (across epochs, as Keras counts).
    batches: usize,
    /// The number of the newest backup (`ckpt-N`).
    saves: i64,
}

impl BackupAndRestore {
    /// Backs up into `backup_dir` (created when needed).
    ///
    /// # Panics
    /// For an empty path (Keras's `ValueError`).
    #[track_caller]
    pub fn new(backup_dir: impl AsRef<Path>) -> BackupAndRestore {
        let backup_dir = backup_dir.as_ref().to_path_buf();
        assert!(!backup_dir.as_os_str().is_empty(), "Empty `backup_dir` argument passed");
        BackupAndRestore {
            backup_dir,
            delete_checkpoint: true,
            save_freq: None,
            saved_epoch: Variable::new(tf_core::constant(-1i64)),
            saved_batch: Variable::new(tf_core::constant(-1i64)),
            epoch: -1,
            batch: -1,
            batches: 0,
            saves: 0,
        }
    }
    /// `save_freq=n`: back up after every `n` training batches instead of at the end of
    /// each epoch. A run that resumes from such a backup starts in the backed-up epoch, at
    /// the step after the backed-up batch (or at the next epoch after its last batch); as in
    /// Keras, that epoch runs its remaining steps from the start of a fresh pass over the data.
    ///
    /// # Panics
    /// When `n` is 0.
    #[track_caller]
    pub fn save_freq(mut self, n: usize) -> Self {
        assert!(
            n > 0,
            "Invalid value for argument `save_freq`. Received: save_freq=0. Expected either 'epoch' or a positive integer."
        );
        self.save_freq = Some(n);
        self
    }
    /// `delete_checkpoint=` (true): delete the backup when `fit` finishes.
    pub fn delete_checkpoint(mut self, delete: bool) -> Self {
        self.delete_checkpoint = delete;
        self
    }

    /// The backup's directory: `backup_dir/chief`, as Keras writes it.
    fn dir(&self) -> PathBuf {
        self.backup_dir.join("chief")
    }

    /// Runs `f` with Keras's checkpoint of the training state: the model (its optimizer
    /// inside) and the two counters.
    fn with_checkpoint<T>(&self, ctx: &Context, f: impl FnOnce(&Checkpoint) -> Result<T>) -> Result<T> {
        let model = crate::saving::WithOptimizer {
            net: ctx.model,
            optimizer: ctx.optimizer.as_deref().map(|o| o.as_module()),
        };
        let ckpt = Checkpoint::new()
            .with("model", &model)
            .with("ckpt_saved_epoch", &self.saved_epoch)
            .with("ckpt_saved_batch", &self.saved_batch);
        f(&ckpt)
    }

    /// Writes the backup: the model, the optimizer, and the current epoch and batch.
    fn back_up(&mut self, ctx: &Context) -> Result<()> {
        self.saved_epoch.assign(&tf_core::constant(self.epoch));
        self.saved_batch.assign(&tf_core::constant(self.batch));
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        // Numbered on from the last one: the new backup is complete on disk before the
        // older one goes.
        self.saves += 1;
        let n = self.saves;
        self.with_checkpoint(ctx, |ckpt| {
            CheckpointManager::new(ckpt, &dir, Some(1))?.save_numbered(n).map(|_| ())
        })
    }
}

impl Callback for BackupAndRestore {
    fn on_train_begin(&mut self, ctx: &mut Context) -> Result<()> {
        let dir = self.dir();
        let restored = self.with_checkpoint(ctx, |ckpt| CheckpointManager::new(ckpt, &dir, Some(1))?.restore_or_initialize())?;
        let Some(path) = restored else { return Ok(()) };
        self.saves = path
            .file_name()
            .and_then(|f| f.to_str()?.rsplit('-').next()?.parse().ok())
            .unwrap_or(0);
        let (epoch, batch) = (self.saved_epoch.value().scalar::<i64>(), self.saved_batch.value().scalar::<i64>());
        match self.save_freq {
            // Keras's counters: after a backup at the epoch's last batch the next epoch,
            // otherwise the same epoch at the next step.
            Some(_) if batch >= 0 && epoch >= 0 => {
                if ctx.params.steps == Some(batch as usize + 1) {
                    ctx.set_initial_epoch(epoch as usize + 1);
                } else {
                    ctx.set_initial_epoch(epoch as usize);
                    ctx.set_initial_step(batch as usize + 1);
                }
            }
            None if epoch >= 0 => ctx.set_initial_epoch(epoch as usize + 1),
            _ => {}
        }
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, _ctx: &mut Context) -> Result<()> {
        self.epoch = epoch as i64;
        Ok(())
    }
    fn on_train_batch_begin(&mut self, batch: usize, _ctx: &mut Context) -> Result<()> {
        self.batch = batch as i64;
        Ok(())
    }
    fn on_train_batch_end(&mut self, _batch: usize, _logs: &Logs, ctx: &mut Context) -> Result<()> {
        let Some(n) = self.save_freq else { return Ok(()) };
        self.batches += 1;
        if self.batches >= n {
            self.batches = 0;
            self.back_up(ctx)?;
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, _logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        match self.save_freq {
            None => self.back_up(ctx),
            Some(_) => Ok(()),
        }
    }
    fn on_train_end(&mut self, _logs: &Logs, _ctx: &mut Context) -> Result<()> {
        let dir = self.dir();
        if self.delete_checkpoint && dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        Ok(())
    }
}
