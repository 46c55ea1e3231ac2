//! The `checkpoint` state file and `tf.train.CheckpointManager`.
//!
//! The state file is TensorFlow's text-format `CheckpointState`:
//!
//! ```text
//! model_checkpoint_path: "ckpt-3"
//! all_model_checkpoint_paths: "ckpt-2"
//! all_model_checkpoint_paths: "ckpt-3"
//! all_model_checkpoint_timestamps: 1763700000.5
//! all_model_checkpoint_timestamps: 1763700060.25
//! last_preserved_timestamp: 1763699990.0
//! ```
//!
//! Paths inside the state file's directory are stored relative to it. The file is replaced
//! atomically, and only after the checkpoint it names is on disk.

use super::checkpoint::Checkpoint;
use crate::data::npy::write_atomically;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A parsed `checkpoint` state file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CheckpointState {
    /// The latest checkpoint (absolute, or relative to the process's directory).
    pub model_checkpoint_path: Option<PathBuf>,
    /// The checkpoints still kept, oldest first.
    pub all_model_checkpoint_paths: Vec<PathBuf>,
    /// When each of those was written (seconds since the epoch).
    pub all_model_checkpoint_timestamps: Vec<f64>,
    /// When the last checkpoint kept by `keep_checkpoint_every_n_hours` was written.
    pub last_preserved_timestamp: Option<f64>,
}

fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn unquote(s: &str) -> Option<String> {
    let q = s.chars().next().filter(|&c| c == '"' || c == '\'')?;
    let inner = s.strip_prefix(q)?.strip_suffix(q)?;
    let mut o = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            o.push(c);
            continue;
        }
        match it.next()? {
            'n' => o.push('\n'),
            't' => o.push('\t'),
            c => o.push(c),
        }
    }
    Some(o)
}

fn relative(dir: &Path, p: &Path) -> String {
    match p.parent() {
        Some(parent) if parent == dir => p
            .file_name()
            .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
        _ => p.display().to_string(),
    }
}

/// Writes the state file beside `latest`.
pub(crate) fn update(latest: &Path, all: &[PathBuf], timestamps: &[f64], last_preserved: Option<f64>) -> Result<()> {
    let dir = latest.parent().unwrap_or(Path::new(""));
    let mut s = format!("model_checkpoint_path: {}\n", quote(&relative(dir, latest)));
    for p in all {
        s += &format!("all_model_checkpoint_paths: {}\n", quote(&relative(dir, p)));
    }
    for t in timestamps {
        s += &format!("all_model_checkpoint_timestamps: {t:?}\n");
    }
    if let Some(t) = last_preserved {
        s += &format!("last_preserved_timestamp: {t:?}\n");
    }
    let file = if dir.as_os_str().is_empty() {
        PathBuf::from("checkpoint")
    } else {
        dir.join("checkpoint")
    };
    write_atomically(&file, s.as_bytes())
}

/// `tf.train.update_checkpoint_state`: records `path` as the latest (and only) checkpoint in
/// the `checkpoint` file of its directory, replacing the file atomically.
///
/// # Errors
/// `Io` when the file cannot be written.
pub fn update_checkpoint_state(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    update(path, &[path.to_path_buf()], &[now()], None)
}

/// `tf.train.get_checkpoint_state(dir)`: the parsed `checkpoint` file in `dir`, or `None`
/// when there is none. Relative paths come back joined to `dir`.
///
/// # Errors
/// `Io` when the file exists but cannot be read; `DataLoss` naming the file and line when
/// it does not parse.
pub fn get_checkpoint_state(dir: impl AsRef<Path>) -> Result<Option<CheckpointState>> {
    let dir = dir.as_ref();
    let file = dir.join("checkpoint");
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(file, e)),
    };
    let mut st = CheckpointState::default();
    let join = |s: String| {
        let p = PathBuf::from(s);
        if p.is_absolute() {
            p
        } else {
            dir.join(p)
        }
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || Error::DataLoss(format!("{}: line {}: cannot parse {line:?}", file.display(), i + 1));
        let (k, v) = line.split_once(':').ok_or_else(bad)?;
        let v = v.trim();
        match k.trim() {
            "model_checkpoint_path" => st.model_checkpoint_path = Some(join(unquote(v).ok_or_else(bad)?)),
            "all_model_checkpoint_paths" => st.all_model_checkpoint_paths.push(join(unquote(v).ok_or_else(bad)?)),
            "all_model_checkpoint_timestamps" => st.all_model_checkpoint_timestamps.push(v.parse().map_err(|_| bad())?),
            "last_preserved_timestamp" => st.last_preserved_timestamp = Some(v.parse().map_err(|_| bad())?),
            _ => {}
        }
    }
    Ok(Some(st))
}

/// `tf.train.latest_checkpoint(dir)`: the newest checkpoint named by `dir`'s state file, if
/// its index file exists.
///
/// # Errors
/// As [`get_checkpoint_state`].
pub fn latest_checkpoint(dir: impl AsRef<Path>) -> Result<Option<PathBuf>> {
    Ok(get_checkpoint_state(dir)?
        .and_then(|s| s.model_checkpoint_path)
        .filter(|p| super::bundle::paths(p).0.exists()))
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `tf.train.CheckpointManager(checkpoint, directory, max_to_keep)`: numbered saves in one
/// directory, keeping the newest `max_to_keep` (and one every
/// `keep_checkpoint_every_n_hours`), deleting the rest.
///
/// ```
/// use tf_core as tf;
/// let dir = std::env::temp_dir().join(format!("tf-doc-manager-{}", std::process::id()));
/// let step = tf::Variable::new(tf::constant(0i64));
/// let ckpt = tf::train::Checkpoint::new().with("step", &step);
/// let mut manager = tf::train::CheckpointManager::new(&ckpt, &dir, Some(2))?;
/// for _ in 0..3 {
///     step.assign_add(&tf::constant(1i64));
///     manager.save()?;
/// }
/// assert_eq!(manager.checkpoints(), [dir.join("ckpt-2"), dir.join("ckpt-3")]);
/// assert_eq!(manager.latest_checkpoint(), Some(dir.join("ckpt-3")));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
pub struct CheckpointManager<'c, 'a> {
    checkpoint: &'c Checkpoint<'a>,
    directory: PathBuf,
    name: String,
    max_to_keep: Option<usize>,
    keep_every_secs: Option<f64>,
    kept: Vec<(PathBuf, f64)>,
    last_preserved: f64,
}

impl<'c, 'a> CheckpointManager<'c, 'a> {
    /// A manager saving `checkpoint` as `directory/ckpt-N`; `max_to_keep = None` keeps all.
    /// Picks up the checkpoints an earlier run recorded in `directory`.
    ///
    /// ```
    /// use tf_core as tf;
    /// let dir = std::env::temp_dir().join(format!("tf-doc-{}-{}", "manager", std::process::id()));
    /// let w = tf::Variable::new(1.0f32);
    /// let ckpt = tf::train::Checkpoint::new().with("w", &w);
    /// let mut manager = tf::train::CheckpointManager::new(&ckpt, &dir, Some(2))?;
    /// for _ in 0..3 {
    ///     w.assign_add(&tf::constant(1.0f32));
    ///     manager.save()?;
    /// }
    /// // Only the two newest are kept.
    /// let names: Vec<String> = manager.checkpoints().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    /// assert_eq!(names, ["ckpt-2", "ckpt-3"]);
    /// assert_eq!(tf::train::latest_checkpoint(&dir)?, manager.latest_checkpoint());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` for `Some(0)`; as [`get_checkpoint_state`] for a damaged state file.
    pub fn new(checkpoint: &'c Checkpoint<'a>, directory: impl AsRef<Path>, max_to_keep: Option<usize>) -> Result<Self> {
        if max_to_keep == Some(0) {
            return Err(Error::InvalidArgument(
                "CheckpointManager: max_to_keep must be at least 1 (or None to keep all)".into(),
            ));
        }
        let directory = directory.as_ref().to_path_buf();
        let mut kept = Vec::new();
        let mut last_preserved = now();
        if let Some(st) = get_checkpoint_state(&directory)? {
            let n = st.all_model_checkpoint_paths.len();
            let ts = &st.all_model_checkpoint_timestamps;
            for (i, p) in st.all_model_checkpoint_paths.into_iter().enumerate() {
                let t = if ts.len() == n { ts[i] } else { now() };
                kept.push((p, t));
            }
            if let Some(t) = st.last_preserved_timestamp {
                last_preserved = t;
            }
        }
        Ok(CheckpointManager {
            checkpoint,
            directory,
            name: "ckpt".into(),
            max_to_keep,
            keep_every_secs: None,
            kept,
            last_preserved,
        })
    }

    /// `keep_checkpoint_every_n_hours=`: also keep one checkpoint per this many hours.
    pub fn keep_checkpoint_every_n_hours(mut self, hours: f64) -> Self {
        self.keep_every_secs = Some(hours * 3600.0);
        self
    }

    /// `checkpoint_name=` (default `"ckpt"`).
    pub fn checkpoint_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The directory.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// The newest checkpoint, if any.
    pub fn latest_checkpoint(&self) -> Option<PathBuf> {
        self.kept.last().map(|(p, _)| p.clone())
    }

    /// The kept checkpoints, oldest first.
    pub fn checkpoints(&self) -> Vec<PathBuf> {
        self.kept.iter().map(|(p, _)| p.clone()).collect()
    }

    /// `manager.save()`: increments the checkpoint's `save_counter` to N, writes
    /// `directory/ckpt-N`, records it in the state file, then deletes checkpoints beyond
    /// `max_to_keep`. Returns the new checkpoint's path.
    ///
    /// # Errors
    /// `Io` when writing fails; earlier checkpoints and the state file are then untouched.
    pub fn save(&mut self) -> Result<PathBuf> {
        let counter = self.checkpoint.save_counter();
        counter.assign_add(&crate::constant(1i64));
        let n = counter.value().scalar::<i64>();
        self.save_numbered(n)
    }

    /// `manager.save(checkpoint_number=n)`: as [`save`](Self::save) with the number given.
    ///
    /// # Errors
    /// As [`save`](Self::save).
    pub fn save_numbered(&mut self, n: i64) -> Result<PathBuf> {
        let path = self.directory.join(format!("{}-{n}", self.name));
        self.checkpoint.write(&path)?;
        let t = now();
        self.kept.retain(|(p, _)| *p != path);
        self.kept.push((path.clone(), t));
        let mut remove = Vec::new();
        if let Some(max) = self.max_to_keep {
            while self.kept.len() > max {
                let (p, ts) = self.kept.remove(0);
                match self.keep_every_secs {
                    Some(every) if ts - self.last_preserved >= every => self.last_preserved = ts,
                    _ => remove.push(p),
                }
            }
        }
        let (all, stamps): (Vec<PathBuf>, Vec<f64>) = self.kept.iter().cloned().unzip();
        update(&path, &all, &stamps, Some(self.last_preserved))?;
        for p in remove {
            let (index, data) = super::bundle::paths(&p);
            let _ = std::fs::remove_file(index);
            let _ = std::fs::remove_file(data);
        }
        Ok(path)
    }

    /// `manager.restore_or_initialize()`: restores the latest checkpoint when there is one
    /// (returning its path); otherwise leaves the variables as initialized.
    ///
    /// ```
    /// use tf_core as tf;
    /// let dir = std::env::temp_dir().join(format!("tf-doc-{}-{}", "restore-or-init", std::process::id()));
    /// let w = tf::Variable::new(1.0f32);
    /// let ckpt = tf::train::Checkpoint::new().with("w", &w);
    /// let mut manager = tf::train::CheckpointManager::new(&ckpt, &dir, Some(3))?;
    /// assert_eq!(manager.restore_or_initialize()?, None); // a fresh start
    /// w.assign(&tf::constant(7.0f32));
    /// manager.save()?;
    /// w.assign(&tf::constant(0.0f32));
    /// // A restarted job resumes from the newest checkpoint.
    /// assert!(manager.restore_or_initialize()?.is_some());
    /// assert_eq!(w.value().scalar::<f32>(), 7.0);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Checkpoint::restore`].
    pub fn restore_or_initialize(&self) -> Result<Option<PathBuf>> {
        match self.latest_checkpoint() {
            Some(p) => {
                self.checkpoint.restore(&p)?.expect_partial();
                Ok(Some(p))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        for s in ["ckpt-1", "a \"b\" \\ c", "dir with spaces/ckpt-2"] {
            assert_eq!(unquote(&quote(s)).as_deref(), Some(s));
        }
    }
}
