//! TensorFlow's tensor bundle (`tensorflow/core/util/tensor_bundle`), the on-disk form of every
//! TF2 checkpoint and of a SavedModel's `variables/`:
//!
//! - `<prefix>.data-00000-of-00001`: the tensors' raw little-endian bytes, one after another;
//!   a string tensor is its lengths as varints, the masked crc32c of those lengths (as `u32`s),
//!   then the bytes.
//! - `<prefix>.index`: a [table](super::table) whose key `""` holds a `BundleHeaderProto`
//!   (`num_shards = 1`, little-endian, version 1) and whose other keys name tensors, each
//!   holding a `BundleEntryProto` (dtype, shape, offset, size, masked crc32c of the bytes).
//!
//! Both files are written to temporaries, synced and renamed, data first: an index only ever
//! names data that is on disk.

use super::table;
use crate::data::npy::{decode_values, encode_values, write_atomically};
use crate::data::tfrecord::masked_crc32c;
use crate::proto::{fields, put_varint, read_shape, Enc};
use crate::{DType, Error, Result, Tensor};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// TensorFlow's `DataType` enum values for the dtypes `tf` has.
pub(crate) fn dtype_code(d: DType) -> i64 {
    match d {
        DType::F32 => 1,
        DType::F64 => 2,
        DType::I32 => 3,
        DType::U8 => 4,
        DType::I64 => 9,
        DType::Bool => 10,
        DType::String => DT_STRING,
    }
}

/// `DT_STRING`.
const DT_STRING: i64 = 7;

pub(crate) fn dtype_from_code(c: i64) -> Option<DType> {
    [
        DType::F32,
        DType::F64,
        DType::I32,
        DType::U8,
        DType::I64,
        DType::Bool,
        DType::String,
    ]
    .into_iter()
    .find(|&d| dtype_code(d) == c)
}

/// TensorFlow's name for a `DataType` value, for messages.
fn code_name(c: i64) -> String {
    match c {
        7 => "string".into(),
        19 => "float16".into(),
        14 => "bfloat16".into(),
        5 => "int16".into(),
        6 => "int8".into(),
        8 => "complex64".into(),
        _ => dtype_from_code(c).map_or_else(|| format!("DataType {c}"), |d| d.name().to_string()),
    }
}

/// A value to store: a tensor, or a scalar string (the object graph).
pub(crate) enum Value<'a> {
    Tensor(&'a Tensor),
    String(&'a [u8]),
}

/// `<prefix>.index` and `<prefix>.data-00000-of-00001`.
pub(crate) fn paths(prefix: &Path) -> (PathBuf, PathBuf) {
    let p = prefix.as_os_str().to_os_string();
    let mut index = p.clone();
    index.push(".index");
    let mut data = p;
    data.push(".data-00000-of-00001");
    (index.into(), data.into())
}

/// Writes a bundle at `prefix` holding `values` (keys unique). Data is laid out in the given
/// order; the index is sorted by key, as TensorFlow's is.
pub(crate) fn write(prefix: &Path, values: &[(String, Value<'_>)]) -> Result<()> {
    let mut data = Vec::new();
    let mut index: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(values.len() + 1);
    for (key, v) in values {
        let offset = data.len();
        let mut e = Enc::default();
        match v {
            Value::Tensor(t) => {
                if t.is_symbolic() {
                    return Err(Error::InvalidArgument(format!(
                        "checkpoint: {key:?} is a symbolic tensor (inside a trace) and has no value to save"
                    )));
                }
                if t.dtype() == DType::String {
                    return Err(Error::Unimplemented(format!(
                        "checkpoint: {key:?} is a string tensor; tf does not save string tensors in checkpoints yet"
                    )));
                }
                encode_values(t, &mut data);
                e.varint(1, dtype_code(t.dtype()));
                e.shape(2, t.shape().dims());
            }
            Value::String(s) => {
                let len = (s.len() as u32).to_le_bytes();
                put_varint(&mut data, s.len() as u64);
                let len_crc = masked_crc32c(&len).to_le_bytes();
                data.extend_from_slice(&len_crc);
                data.extend_from_slice(s);
                e.varint(1, DT_STRING).shape(2, &[]);
            }
        }
        let size = data.len() - offset;
        if offset > 0 {
            e.varint(4, offset as i64);
        }
        e.varint(5, size as i64);
        let crc = match v {
            Value::Tensor(_) => masked_crc32c(&data[offset..]),
            Value::String(s) => {
                // The checksum covers the lengths as u32, the lengths' checksum, then the bytes.
                let mut covered = (s.len() as u32).to_le_bytes().to_vec();
                covered.extend_from_slice(&data[data.len() - s.len() - 4..]);
                masked_crc32c(&covered)
            }
        };
        e.fixed32(6, crc);
        index.push((key.as_bytes().to_vec(), e.0));
    }
    let mut header = Enc::default();
    header.varint(1, 1).message(3, |v| {
        v.varint(1, 1);
    });
    index.push((Vec::new(), header.0));
    index.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = index.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::InvalidArgument(format!(
            "checkpoint: two values share the key {:?}",
            String::from_utf8_lossy(&w[0].0)
        )));
    }
    let (index_path, data_path) = paths(prefix);
    write_atomically(&data_path, &data)?;
    write_atomically(&index_path, &table::build(&index))
}

/// One tensor's record in the index.
#[derive(Clone, Debug)]
struct Entry {
    dtype: i64,
    shape: Vec<usize>,
    offset: usize,
    size: usize,
    crc: Option<u32>,
}

fn parse_entry(v: &[u8]) -> Result<Entry> {
    let mut e = Entry {
        dtype: 0,
        shape: Vec::new(),
        offset: 0,
        size: 0,
        crc: None,
    };
    for f in fields(v) {
        match f? {
            (1, v) => e.dtype = v.int("dtype")?,
            (2, v) => e.shape = read_shape(v.bytes("shape")?)?,
            (3, v) if v.int("shard_id")? != 0 => {
                return Err(Error::Unimplemented("sharded checkpoints (shard_id > 0) are not read".into()));
            }
            (4, v) => e.offset = v.int("offset")? as usize,
            (5, v) => e.size = v.int("size")? as usize,
            (6, v) => e.crc = Some(v.fixed32("crc32c")?),
            (7, _) => return Err(Error::Unimplemented("partitioned (sliced) variables are not read".into())),
            _ => {}
        }
    }
    Ok(e)
}

/// `tf.train.load_checkpoint(path)`: the tensors of a TensorFlow checkpoint by key, read
/// without any model (TensorFlow's `CheckpointReader`).
///
/// ```no_run
/// # use tf_core as tf;
/// let r = tf::train::load_checkpoint("/tmp/ckpt-1")?;
/// for (key, shape) in r.get_variable_to_shape_map() {
///     println!("{key}: {shape:?}");
/// }
/// let kernel = r.get_tensor("net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE")?;
/// # Ok::<(), tf::Error>(())
/// ```
/// (`tf` here is the facade crate; in `tf-core` the path is `tf_core::train`.)
pub struct CheckpointReader {
    prefix: PathBuf,
    entries: BTreeMap<String, Entry>,
    data: Vec<u8>,
}

impl std::fmt::Debug for CheckpointReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointReader")
            .field("prefix", &self.prefix)
            .field("keys", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Opens the checkpoint at `prefix` (`dir/ckpt-3`, without `.index`), or the latest one named
/// by the `checkpoint` file when `prefix` is a directory.
///
/// # Errors
/// `NotFound` when there is no such checkpoint; `DataLoss` (naming the file) for a truncated
/// or corrupted index; `Unimplemented` for sharded or newer-format bundles.
pub fn load_checkpoint(prefix: impl AsRef<Path>) -> Result<CheckpointReader> {
    let mut prefix = prefix.as_ref().to_path_buf();
    if prefix.is_dir() {
        prefix = super::latest_checkpoint(&prefix)?
            .ok_or_else(|| Error::NotFound(format!("{}: a directory with no checkpoint file", prefix.display())))?;
    }
    CheckpointReader::open(&prefix)
}

impl CheckpointReader {
    fn open(prefix: &Path) -> Result<CheckpointReader> {
        let (index_path, data_path) = paths(prefix);
        if !index_path.exists() {
            return Err(Error::NotFound(format!(
                "{}: no checkpoint (expected {})",
                prefix.display(),
                index_path.display()
            )));
        }
        let named = |e: Error| match e {
            Error::DataLoss(m) => Error::DataLoss(format!("{}: {m}", index_path.display())),
            Error::Unimplemented(m) => Error::Unimplemented(format!("{}: {m}", index_path.display())),
            e => e,
        };
        let bytes = std::fs::read(&index_path).map_err(|e| Error::io(&index_path, e))?;
        let rows = table::read(&bytes).map_err(named)?;
        let mut entries = BTreeMap::new();
        let mut header = false;
        for (k, v) in rows {
            if k.is_empty() {
                check_header(&v).map_err(named)?;
                header = true;
                continue;
            }
            let key = String::from_utf8(k).map_err(|_| named(Error::DataLoss("a key is not UTF-8".into())))?;
            let e = parse_entry(&v).map_err(|e| named(prefix_msg(e, &key)))?;
            entries.insert(key, e);
        }
        if !header {
            return Err(named(Error::DataLoss("no bundle header (key \"\")".into())));
        }
        let data = std::fs::read(&data_path).map_err(|e| Error::io(&data_path, e))?;
        Ok(CheckpointReader {
            prefix: prefix.to_path_buf(),
            entries,
            data,
        })
    }

    /// The checkpoint's prefix.
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// Whether the checkpoint holds `key`.
    pub fn has_tensor(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Every key with its shape (`get_variable_to_shape_map`).
    pub fn get_variable_to_shape_map(&self) -> BTreeMap<String, Vec<usize>> {
        self.entries.iter().map(|(k, e)| (k.clone(), e.shape.clone())).collect()
    }

    /// Every key with its dtype name (`get_variable_to_dtype_map`; `"string"` for the object
    /// graph, TensorFlow's name for dtypes `tf` lacks).
    pub fn get_variable_to_dtype_map(&self) -> BTreeMap<String, String> {
        self.entries.iter().map(|(k, e)| (k.clone(), code_name(e.dtype))).collect()
    }

    fn entry(&self, key: &str) -> Result<&Entry> {
        self.entries
            .get(key)
            .ok_or_else(|| Error::NotFound(format!("{}: key {key:?} not found in checkpoint", self.prefix.display())))
    }

    fn bytes(&self, key: &str, e: &Entry) -> Result<&[u8]> {
        let (_, data_path) = paths(&self.prefix);
        let b = e
            .offset
            .checked_add(e.size)
            .and_then(|end| self.data.get(e.offset..end))
            .ok_or_else(|| {
                Error::DataLoss(format!(
                    "{}: {key:?} needs bytes {}..{} but the file has {} (truncated?)",
                    data_path.display(),
                    e.offset,
                    e.offset.saturating_add(e.size),
                    self.data.len()
                ))
            })?;
        Ok(b)
    }

    fn check_crc(&self, key: &str, e: &Entry, covered: &[u8]) -> Result<()> {
        if let Some(c) = e.crc {
            if masked_crc32c(covered) != c {
                let (_, data_path) = paths(&self.prefix);
                return Err(Error::DataLoss(format!(
                    "{}: checksum mismatch for {key:?} (the data is corrupted)",
                    data_path.display()
                )));
            }
        }
        Ok(())
    }

    /// The tensor stored under `key`, its checksum verified.
    ///
    /// # Errors
    /// `NotFound` for an unknown key; `DataLoss` for a checksum mismatch or a truncated data
    /// file; `Unimplemented` for a dtype `tf` does not have.
    pub fn get_tensor(&self, key: &str) -> Result<Tensor> {
        let e = self.entry(key)?;
        let dt = dtype_from_code(e.dtype).filter(|&d| d != DType::String).ok_or_else(|| {
            Error::Unimplemented(format!(
                "{}: {key:?} has dtype {}, which tf does not support",
                self.prefix.display(),
                code_name(e.dtype)
            ))
        })?;
        let b = self.bytes(key, e)?;
        let n: usize = e.shape.iter().product();
        if b.len() != n * dt.size() {
            return Err(Error::DataLoss(format!(
                "{}: {key:?} is {} {:?} ({} bytes) but {} bytes are stored",
                self.prefix.display(),
                dt,
                e.shape,
                n * dt.size(),
                b.len()
            )));
        }
        self.check_crc(key, e, b)?;
        Tensor::from_buffer(decode_values(b, dt, false), e.shape.clone())
    }

    /// The scalar string stored under `key` (the object graph).
    ///
    /// # Errors
    /// As [`get_tensor`](Self::get_tensor); `InvalidArgument` when `key` is not a scalar string.
    pub fn get_string(&self, key: &str) -> Result<Vec<u8>> {
        let e = self.entry(key)?;
        if e.dtype != DT_STRING || !e.shape.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{}: {key:?} is not a scalar string",
                self.prefix.display()
            )));
        }
        let b = self.bytes(key, e)?;
        let mut pos = 0;
        let damaged = || {
            let (_, data_path) = paths(&self.prefix);
            Error::DataLoss(format!("{}: string {key:?} is damaged", data_path.display()))
        };
        let len = crate::proto::get_varint(b, &mut pos).map_err(|_| damaged())? as usize;
        if b.len() != pos + 4 + len || len > u32::MAX as usize {
            return Err(damaged());
        }
        let len32 = (len as u32).to_le_bytes();
        if u32::from_le_bytes(b[pos..pos + 4].try_into().expect("4 bytes")) != masked_crc32c(&len32) {
            return Err(damaged());
        }
        let mut covered = len32.to_vec();
        covered.extend_from_slice(&b[pos..]);
        self.check_crc(key, e, &covered)?;
        Ok(b[pos + 4..].to_vec())
    }
}

fn prefix_msg(e: Error, key: &str) -> Error {
    match e {
        Error::DataLoss(m) => Error::DataLoss(format!("entry {key:?}: {m}")),
        Error::Unimplemented(m) => Error::Unimplemented(format!("entry {key:?}: {m}")),
        e => e,
    }
}

/// Accepts a `BundleHeaderProto` for one little-endian shard that version 1 readers may read.
fn check_header(v: &[u8]) -> Result<()> {
    for f in fields(v) {
        match f? {
            (1, n) if n.int("num_shards")? != 1 => {
                return Err(Error::Unimplemented(format!(
                    "{} shards; only single-shard checkpoints are read",
                    n.int("num_shards")?
                )))
            }
            (2, e) if e.int("endianness")? != 0 => return Err(Error::Unimplemented("a big-endian checkpoint".into())),
            (3, ver) => {
                for g in fields(ver.bytes("version")?) {
                    if let (2, m) = g? {
                        let m = m.int("min_consumer")?;
                        if m > 1 {
                            return Err(Error::Unimplemented(format!(
                                "written by a newer TensorFlow (bundle min_consumer {m} > 1)"
                            )));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
