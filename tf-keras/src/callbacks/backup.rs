//! `keras.callbacks.BackupAndRestore`: fault tolerance for `fit`.

use super::{Callback, Context};
use crate::model::Logs;
use std::path::{Path, PathBuf};
use tf_core::train::{Checkpoint, CheckpointManager};
use tf_core::{Error, Result, Variable};

/// `keras.callbacks.BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=True)`:
/// backs up the model's weights, the optimizer's state and the epoch at the end of every
/// epoch, as a TensorFlow checkpoint in `backup_dir/chief` (Keras's layout: the model and the
/// `ckpt_saved_epoch` / `ckpt_saved_batch` counters, one checkpoint kept). When a `fit` with
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
    saved_epoch: Variable,
    saved_batch: Variable,
    last_batch: i64,
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
            saved_epoch: Variable::new(tf_core::constant(-1i64)),
            saved_batch: Variable::new(tf_core::constant(-1i64)),
            last_batch: -1,
        }
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
}

impl Callback for BackupAndRestore {
    fn on_train_begin(&mut self, ctx: &mut Context) -> Result<()> {
        let dir = self.dir();
        let restored = self.with_checkpoint(ctx, |ckpt| CheckpointManager::new(ckpt, &dir, Some(1))?.restore_or_initialize())?;
        if restored.is_some() {
            let epoch = self.saved_epoch.value().scalar::<i64>();
            if epoch >= 0 {
                ctx.set_initial_epoch(epoch as usize + 1);
            }
        }
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, _logs: &Logs, _ctx: &mut Context) -> Result<()> {
        self.last_batch = batch as i64;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, _logs: &mut Logs, ctx: &mut Context) -> Result<()> {
        self.saved_epoch.assign(&tf_core::constant(epoch as i64));
        self.saved_batch.assign(&tf_core::constant(self.last_batch));
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        // Numbered by epoch: the new backup is complete on disk before the older one goes.
        let n = epoch as i64 + 1;
        self.with_checkpoint(ctx, |ckpt| {
            CheckpointManager::new(ckpt, &dir, Some(1))?.save_numbered(n).map(|_| ())
        })
    }
    fn on_train_end(&mut self, _logs: &Logs, _ctx: &mut Context) -> Result<()> {
        let dir = self.dir();
        if self.delete_checkpoint && dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        Ok(())
    }
}
