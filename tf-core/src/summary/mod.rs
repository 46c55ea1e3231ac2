//! `tf.summary`: TensorBoard event files. [`create_file_writer`] opens
//! `<logdir>/events.out.tfevents.<secs>.<host>.<pid>.<n>.v2`, TFRecord-framed `Event` protos
//! starting with `brain.Event:2`; [`scalar`], [`histogram`], [`image`] and [`text`] write to the
//! default writer (set with [`SummaryWriter::as_default`]) in TensorFlow 2's tensor form with
//! plugin metadata, so TensorBoard shows them in its Scalars, Histograms, Images and Text
//! dashboards; [`graph`] writes a traced graph for the Graphs dashboard.
//!
//! Inside a graph function the summary calls are staged as `WriteSummary` ops bound to the
//! writer that was the default while tracing: they write on every call, with the step read at
//! run time (a step variable such as an optimizer's `iterations` is read afresh each call).
//!
//! ```
//! # use tf_core as tf;
//! let dir = std::env::temp_dir().join(format!("tf-summary-doc-{}", std::process::id()));
//! let writer = tf::summary::create_file_writer(&dir)?;
//! {
//!     let _default = writer.as_default();
//!     for step in 0..3 {
//!         assert!(tf::summary::scalar("loss", 1.0f32 / (step + 1) as f32, step));
//!     }
//! }
//! writer.close()?;
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), tf::Error>(())
//! ```

mod event;
mod graph_def;
mod reader;

pub use reader::{read_events, Event, EventKind, SummaryValue};

use crate::api::IntoTensor;
use crate::graph::Graph;
use crate::{DType, Error, Result, Tensor, Variable};
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `create_file_writer`'s keyword arguments, with TensorFlow's defaults.
#[derive(Clone, Debug)]
pub struct FileWriterOptions {
    /// Events buffered before a flush (`max_queue=10`).
    pub max_queue: usize,
    /// Longest time between flushes, in milliseconds (`flush_millis=120000`).
    pub flush_millis: u64,
    /// Appended to the file name (`filename_suffix=".v2"`).
    pub filename_suffix: String,
}

impl Default for FileWriterOptions {
    fn default() -> Self {
        FileWriterOptions {
            max_queue: 10,
            flush_millis: 120_000,
            filename_suffix: ".v2".into(),
        }
    }
}

/// `tf.summary.create_file_writer(logdir)`: creates `logdir` if needed and a new event file in
/// it, whose first record (`brain.Event:2`) is written and flushed at once.
///
/// # Errors
/// `Io` naming the directory or file that could not be created.
pub fn create_file_writer(logdir: impl AsRef<Path>) -> Result<SummaryWriter> {
    create_file_writer_with(logdir, FileWriterOptions::default())
}

/// [`create_file_writer`] with explicit options.
///
/// # Errors
/// As [`create_file_writer`].
pub fn create_file_writer_with(logdir: impl AsRef<Path>, options: FileWriterOptions) -> Result<SummaryWriter> {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = logdir.as_ref();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        "events.out.tfevents.{secs:010}.{}.{}.{n}{}",
        hostname(),
        std::process::id(),
        options.filename_suffix
    );
    let path = dir.join(name);
    let file = File::options()
        .create_new(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    let w = SummaryWriter(Arc::new(Inner {
        path,
        max_queue: options.max_queue.max(1),
        flush_every: Duration::from_millis(options.flush_millis),
        state: Mutex::new(State {
            out: Some(BufWriter::new(file)),
            pending: 0,
            last_flush: Instant::now(),
            error: None,
        }),
    }));
    w.append(&event::file_version(wall_time()));
    w.flush()?;
    Ok(w)
}

/// The machine's name, as TensorFlow puts it in event file names.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

fn wall_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// A handle to one event file (`tf.summary.SummaryWriter`); clones share the file. The last
/// handle to go flushes it.
#[derive(Clone)]
pub struct SummaryWriter(Arc<Inner>);

struct Inner {
    path: PathBuf,
    max_queue: usize,
    flush_every: Duration,
    state: Mutex<State>,
}

struct State {
    /// `None` once closed.
    out: Option<BufWriter<File>>,
    pending: usize,
    last_flush: Instant,
    /// The first write failure, reported by the next `flush` or `close`.
    error: Option<std::io::Error>,
}

impl State {
    fn flush(&mut self) {
        self.pending = 0;
        self.last_flush = Instant::now();
        if let Some(out) = self.out.as_mut() {
            if let Err(e) = out.flush() {
                self.error.get_or_insert(e);
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.state.get_mut().unwrap_or_else(|p| p.into_inner()).flush();
    }
}

impl SummaryWriter {
    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// Appends one framed event; flushes after `max_queue` events or `flush_millis`.
    fn append(&self, event: &[u8]) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(out) = s.out.as_mut() else {
            s.error.get_or_insert(std::io::Error::other("write to a closed summary writer"));
            return;
        };
        if let Err(e) = crate::data::tfrecord::write_record(out, event) {
            s.error.get_or_insert(e);
        }
        s.pending += 1;
        if s.pending >= self.0.max_queue || s.last_flush.elapsed() >= self.0.flush_every {
            s.flush();
        }
    }

    /// `writer.flush()`: writes buffered events to the file.
    ///
    /// # Errors
    /// `Io` with the first write failure since the last flush.
    pub fn flush(&self) -> Result<()> {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.flush();
        match s.error.take() {
            Some(e) => Err(Error::io(&self.0.path, e)),
            None => Ok(()),
        }
    }

    /// `writer.close()`: flushes and closes the file; later writes are errors reported by
    /// `flush`.
    ///
    /// # Errors
    /// As [`flush`](Self::flush).
    pub fn close(&self) -> Result<()> {
        let r = self.flush();
        self.0.state.lock().unwrap_or_else(|p| p.into_inner()).out = None;
        r
    }

    /// `with writer.as_default():` — the default writer until the guard is dropped (on this
    /// thread).
    pub fn as_default(&self) -> DefaultWriter {
        DEFAULT.with(|d| d.borrow_mut().push(Some(self.clone())));
        DefaultWriter(())
    }

    /// `writer.set_as_default()`: the default writer of this thread outside any
    /// `as_default` scope.
    pub fn set_as_default(&self) {
        DEFAULT.with(|d| {
            let mut d = d.borrow_mut();
            match d.first_mut() {
                Some(base) => *base = Some(self.clone()),
                None => d.push(Some(self.clone())),
            }
        });
    }

    /// Writes `value` at `step` now.
    fn write_value(&self, step: i64, value: &[u8]) {
        self.append(&event::summary_event(wall_time(), step, value));
    }
}

/// Restores the previous default writer when dropped (see [`SummaryWriter::as_default`]).
#[must_use = "the writer is the default only while this guard lives"]
pub struct DefaultWriter(());

impl Drop for DefaultWriter {
    fn drop(&mut self) {
        DEFAULT.with(|d| d.borrow_mut().pop());
    }
}

thread_local! {
    /// The default-writer stack; the bottom entry is `set_as_default`'s.
    static DEFAULT: RefCell<Vec<Option<SummaryWriter>>> = const { RefCell::new(Vec::new()) };
    /// `tf.summary.experimental.set_step`'s value.
    static STEP: RefCell<Option<Step>> = const { RefCell::new(None) };
}

fn default_writer() -> Option<SummaryWriter> {
    DEFAULT.with(|d| d.borrow().last().cloned().flatten())
}

/// `tf.summary.flush()`: flushes the default writer, if any.
///
/// # Errors
/// As [`SummaryWriter::flush`].
pub fn flush() -> Result<()> {
    default_writer().map_or(Ok(()), |w| w.flush())
}

/// The `step` argument of the summary functions: a number, a scalar integer tensor or a
/// variable (read when the summary is written), or [`Step::Default`] for
/// [`experimental::set_step`]'s.
#[derive(Clone)]
pub enum Step {
    /// The step set with [`experimental::set_step`].
    Default,
    /// A fixed value.
    Value(i64),
    /// A scalar integer tensor (symbolic inside a trace).
    Tensor(Tensor),
    /// A variable, read each time a summary is written.
    Variable(Variable),
}

impl From<i64> for Step {
    fn from(v: i64) -> Step {
        Step::Value(v)
    }
}
impl From<i32> for Step {
    fn from(v: i32) -> Step {
        Step::Value(i64::from(v))
    }
}
impl From<usize> for Step {
    fn from(v: usize) -> Step {
        Step::Value(v as i64)
    }
}
impl From<Option<i64>> for Step {
    fn from(v: Option<i64>) -> Step {
        v.map_or(Step::Default, Step::Value)
    }
}
impl From<&Tensor> for Step {
    fn from(t: &Tensor) -> Step {
        Step::Tensor(t.clone())
    }
}
impl From<&Variable> for Step {
    fn from(v: &Variable) -> Step {
        Step::Variable(v.clone())
    }
}

impl Step {
    /// The step as an int64 scalar tensor.
    #[track_caller]
    fn tensor(self) -> Tensor {
        let t = match self {
            Step::Default => match STEP.with(|s| s.borrow().clone()) {
                Some(s) => return s.tensor(),
                None => panic!(
                    "No step set. Please specify one either through the `step` argument or through tf.summary.experimental.set_step()"
                ),
            },
            Step::Value(v) => return crate::constant(v),
            Step::Tensor(t) => t,
            Step::Variable(v) => v.value(),
        };
        assert!(
            t.rank() == 0 && matches!(t.dtype(), DType::I64 | DType::I32),
            "summary step must be a scalar integer, got {} {}",
            t.dtype(),
            t.shape()
        );
        crate::cast(&t, DType::I64)
    }
}

/// `tf.summary.experimental`: the default step.
pub mod experimental {
    use super::{Step, STEP};

    /// `tf.summary.experimental.set_step(step)`: the step summaries use when given
    /// [`Step::Default`] (on this thread). A variable is read at each write.
    pub fn set_step(step: impl Into<Step>) {
        let s = step.into();
        STEP.with(|c| *c.borrow_mut() = (!matches!(s, Step::Default)).then_some(s));
    }

    /// `tf.summary.experimental.get_step()`.
    pub fn get_step() -> Option<Step> {
        STEP.with(|c| c.borrow().clone())
    }
}

/// What one staged summary call writes (the `site` attribute of `WriteSummary`).
#[derive(Clone)]
pub(crate) struct Site {
    writer: SummaryWriter,
    tag: String,
    kind: Kind,
}

#[derive(Clone, PartialEq)]
enum Kind {
    Scalar,
    Histogram(usize),
    Image(usize),
    Text(String),
}

/// Sites of staged summaries, numbered from 1; id 0 names none and writes nothing.
static SITES: Mutex<Vec<Site>> = Mutex::new(Vec::new());

fn site(id: i64) -> Option<Site> {
    let sites = SITES.lock().unwrap_or_else(|p| p.into_inner());
    usize::try_from(id).ok().and_then(|i| sites.get(i.checked_sub(1)?).cloned())
}

/// Runs a staged `WriteSummary`: `inputs` are the step and (but for text) the data.
pub(crate) fn run_site(id: i64, inputs: &[&Tensor]) {
    if let Some(s) = site(id) {
        write_now(&s.writer, &s.tag, &s.kind, inputs[0].scalar::<i64>(), inputs.get(1).copied());
    }
}

/// Encodes and appends one summary.
fn write_now(w: &SummaryWriter, tag: &str, kind: &Kind, step: i64, data: Option<&Tensor>) {
    let floats = |t: &Tensor| -> Vec<f64> {
        crate::dispatch!(t.dtype(), [F32, F64, I32, I64, U8, Bool], T => t.data::<T>().iter().map(|v| crate::Element::to_f64(*v)).collect())
    };
    let value = match kind {
        Kind::Scalar => {
            let t = data.expect("a scalar summary has data");
            event::value(tag, "scalars", &event::scalar(floats(t)[0] as f32))
        }
        Kind::Histogram(k) => {
            let (dims, v) = event::histogram(&floats(data.expect("a histogram has data")), *k);
            event::value(tag, "histograms", &event::doubles(&dims, &v))
        }
        Kind::Image(max) => {
            let t = data.expect("an image summary has data");
            let d = t.shape().dims();
            let (n, h, wd, c) = (d[0].min(*max), d[1], d[2], d[3]);
            let mut items = vec![wd.to_string().into_bytes(), h.to_string().into_bytes()];
            items.extend((0..n).map(|i| event::png(&event::pixels(t, i), h, wd, c)));
            let dims = [items.len()];
            event::value(tag, "images", &event::Payload::Strings(&dims, items))
        }
        Kind::Text(s) => event::value(tag, "text", &event::Payload::Strings(&[], vec![s.clone().into_bytes()])),
    };
    w.write_value(step, &value);
}

/// Writes now, or stages a `WriteSummary` op while tracing. Returns whether a default writer
/// exists (TensorFlow's return value).
#[track_caller]
fn record(tag: &str, kind: Kind, data: Option<Tensor>, step: Step) -> bool {
    let Some(writer) = default_writer() else {
        return false;
    };
    let step = step.tensor();
    if crate::graph::trace::tracing() {
        let id = {
            // One site per writer, tag and kind: retracing a function reuses its sites, so
            // the table grows with the distinct summaries, not with the traces.
            let mut sites = SITES.lock().unwrap_or_else(|p| p.into_inner());
            let same = |s: &Site| Arc::ptr_eq(&s.writer.0, &writer.0) && s.tag == tag && s.kind == kind;
            match sites.iter().position(same) {
                Some(i) => i as i64 + 1,
                None => {
                    sites.push(Site {
                        writer,
                        tag: tag.to_string(),
                        kind,
                    });
                    sites.len() as i64
                }
            }
        };
        let mut inputs = vec![&step];
        inputs.extend(data.as_ref());
        crate::ops::execute(&crate::ops::io::WRITE_SUMMARY, &inputs, &crate::ops::Attrs::new().int("site", id));
    } else {
        write_now(&writer, tag, &kind, step.scalar::<i64>(), data.as_ref());
    }
    true
}

/// `tf.summary.scalar(name, data, step)`: one value (cast to float32) for the Scalars
/// dashboard. Returns `false` when there is no default writer (nothing is written).
///
/// ```
/// use tf_core as tf;
/// use tf::summary::{read_events, EventKind};
/// # let dir = std::env::temp_dir().join(format!("tf-doc-summary-{}-{}", line!(), std::process::id()));
/// let writer = tf::summary::create_file_writer(&dir)?;
/// {
///     let _default = writer.as_default();
///     for step in 0..3 {
///         tf::summary::scalar("loss", 1.0f32 / (step + 1) as f32, step);
///     }
/// }
/// writer.close()?;
/// let events = read_events(writer.path())?;
/// let values: Vec<_> = events.into_iter().filter_map(|e| match e.what { EventKind::Summary(v) => Some((e.step, v)), _ => None }).collect();
/// assert_eq!(values.len(), 3);
/// let (step, v) = &values[2];
/// assert_eq!((*step, v[0].tag.as_str(), v[0].plugin_name.as_str()), (2, "loss", "scalars"));
/// assert!((v[0].tensor.as_ref().unwrap().scalar::<f32>() - 1.0 / 3.0).abs() < 1e-7);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Panics
/// When `data` is not a single number, or no step is given or set.
#[track_caller]
pub fn scalar(name: &str, data: impl IntoTensor, step: impl Into<Step>) -> bool {
    let t = data.into_tensor();
    assert!(
        t.num_elements() == 1,
        "tf.summary.scalar({name:?}): data must be a scalar, got shape {}",
        t.shape()
    );
    record(name, Kind::Scalar, Some(t), step.into())
}

/// `tf.summary.histogram(name, data, step, buckets)`: the distribution of `data`'s values in
/// `buckets` equal-width buckets (default 30) for the Histograms and Distributions dashboards.
///
/// ```
/// use tf_core as tf;
/// use tf::summary::{read_events, EventKind};
/// # let dir = std::env::temp_dir().join(format!("tf-doc-summary-{}-{}", line!(), std::process::id()));
/// let writer = tf::summary::create_file_writer(&dir)?;
/// {
///     let _default = writer.as_default();
///     tf::summary::histogram("weights", &tf::range(100.0f32), 0, 10);
/// }
/// writer.close()?;
/// let events = read_events(writer.path())?;
/// let values: Vec<_> = events.into_iter().filter_map(|e| match e.what { EventKind::Summary(v) => Some((e.step, v)), _ => None }).collect();
/// let h = values[0].1[0].tensor.clone().unwrap(); // [buckets, 3]: left edge, right edge, count
/// assert_eq!((values[0].1[0].plugin_name.as_str(), h.shape().dims()), ("histograms", &[10usize, 3][..]));
/// let counts: f64 = h.to_vec::<f64>().chunks(3).map(|b| b[2]).sum();
/// assert_eq!(counts, 100.0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Panics
/// When no step is given or set.
#[track_caller]
pub fn histogram(name: &str, data: impl IntoTensor, step: impl Into<Step>, buckets: impl Into<Option<usize>>) -> bool {
    record(
        name,
        Kind::Histogram(buckets.into().unwrap_or(30)),
        Some(data.into_tensor()),
        step.into(),
    )
}

/// `tf.summary.image(name, data, step, max_outputs)`: the first `max_outputs` images (TF's
/// default 3) of a `[k, h, w, c]` batch, `c` in 1..=4, `uint8` or floats in [0, 1], as PNGs
/// for the Images dashboard.
///
/// ```
/// use tf_core as tf;
/// use tf::summary::{read_events, EventKind};
/// # let dir = std::env::temp_dir().join(format!("tf-doc-summary-{}-{}", line!(), std::process::id()));
/// let writer = tf::summary::create_file_writer(&dir)?;
/// {
///     let _default = writer.as_default();
///     let batch = tf::zeros([2, 8, 8, 1], tf::float32); // two black 8x8 images
///     tf::summary::image("inputs", &batch, 0, 3);
/// }
/// writer.close()?;
/// let events = read_events(writer.path())?;
/// let values: Vec<_> = events.into_iter().filter_map(|e| match e.what { EventKind::Summary(v) => Some((e.step, v)), _ => None }).collect();
/// let v = &values[0].1[0];
/// // width, height, then one PNG per image
/// assert_eq!((v.plugin_name.as_str(), v.strings.len()), ("images", 4));
/// assert_eq!(&v.strings[2][1..4], b"PNG");
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Panics
/// On another rank, channel count or dtype, or when no step is given or set.
#[track_caller]
pub fn image(name: &str, data: &Tensor, step: impl Into<Step>, max_outputs: usize) -> bool {
    let d = data.shape().dims();
    assert!(
        d.len() == 4 && (1..=4).contains(&d[3]) && matches!(data.dtype(), DType::U8 | DType::F32 | DType::F64),
        "tf.summary.image({name:?}): data must be [k, h, w, c] with c in 1..=4, uint8 or float, got {} {}",
        data.dtype(),
        data.shape()
    );
    record(name, Kind::Image(max_outputs), Some(data.clone()), step.into())
}

/// `tf.summary.text(name, data, step)`: Markdown text for the Text dashboard.
///
/// ```
/// use tf_core as tf;
/// use tf::summary::{read_events, EventKind};
/// # let dir = std::env::temp_dir().join(format!("tf-doc-summary-{}-{}", line!(), std::process::id()));
/// let writer = tf::summary::create_file_writer(&dir)?;
/// {
///     let _default = writer.as_default();
///     tf::summary::text("notes", "**lr** = 0.001", 0);
/// }
/// writer.close()?;
/// let events = read_events(writer.path())?;
/// let values: Vec<_> = events.into_iter().filter_map(|e| match e.what { EventKind::Summary(v) => Some((e.step, v)), _ => None }).collect();
/// let v = &values[0].1[0];
/// assert_eq!((v.plugin_name.as_str(), v.strings[0].as_slice()), ("text", b"**lr** = 0.001".as_slice()));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Panics
/// When no step is given or set.
#[track_caller]
pub fn text(name: &str, data: &str, step: impl Into<Step>) -> bool {
    record(name, Kind::Text(data.to_string()), None, step.into())
}

/// `tf.summary.graph(graph)`: `graph` as a `GraphDef` for the Graphs dashboard, written to the
/// default writer now. Returns `false` when there is no default writer.
pub fn graph(graph: &Graph) -> bool {
    match default_writer() {
        Some(w) => {
            w.append(&event::graph_event(wall_time(), &graph_def::graph_def(graph)));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    /// Every trace of a function stages its summaries; traces of one summary share a site.
    #[test]
    fn retracing_reuses_summary_sites() {
        let dir = std::env::temp_dir().join(format!("tf-summary-sites-{}", std::process::id()));
        let w = super::create_file_writer(&dir).unwrap();
        let w2 = w.clone();
        let f = crate::Function::new("logged", move |x: &[crate::Tensor]| {
            let _d = w2.as_default();
            let s = crate::reduce_sum(&x[0], None, false);
            super::scalar("total", &s, 1i64);
            vec![s]
        });
        let count = || super::SITES.lock().unwrap_or_else(|p| p.into_inner()).len();
        f.call(&[crate::ones([2], crate::DType::F32)]);
        let after_one = count();
        for n in 3..6 {
            f.call(&[crate::ones([n], crate::DType::F32)]);
        }
        assert_eq!(f.tracing_count(), 4);
        assert_eq!(count(), after_one, "four traces, one site");
        w.close().unwrap();
        std::fs::remove_dir_all(&dir).ok();
    }
}
