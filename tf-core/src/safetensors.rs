//! safetensors files (Hugging Face's format): an 8-byte little-endian header length, a JSON
//! header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
//! Readable by `safetensors.numpy.load_file` / `safetensors.torch.load_file`.

use crate::{DType, Error, Result, Tensor};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

fn code(d: DType) -> &'static str {
    match d {
        DType::F32 => "F32",
        DType::F64 => "F64",
        DType::I32 => "I32",
        DType::I64 => "I64",
        DType::U8 => "U8",
        DType::Bool => "BOOL",
        DType::String => unreachable!("save_file refuses string tensors"),
    }
}

/// `safetensors.save_file(tensors, path, metadata)`: writes the tensors (sorted by name, as
/// the reference implementation orders them), through a temporary file renamed into place.
///
/// ```
/// use tf_core as tf;
/// let dir = std::env::temp_dir().join(format!("tf-doc-{}-{}", "safetensors", std::process::id()));
/// use std::collections::BTreeMap;
/// let mut tensors = BTreeMap::new();
/// tensors.insert("embedding".to_string(), tf::constant([[1.0f32, 2.0], [3.0, 4.0]]));
/// tensors.insert("step".to_string(), tf::constant(10i64));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("model.safetensors");
/// tf::safetensors::save_file(&tensors, &path, None)?;
/// let back = tf::safetensors::load_file(&path)?;
/// assert_eq!(back["embedding"].to_vec::<f32>(), vec![1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(back["step"].scalar::<i64>(), 10);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// `InvalidArgument` for a symbolic tensor; `Io` when writing fails (an existing file at
/// `path` is then untouched).
pub fn save_file(tensors: &BTreeMap<String, Tensor>, path: impl AsRef<Path>, metadata: Option<&BTreeMap<String, String>>) -> Result<()> {
    let path = path.as_ref();
    let mut header = Map::new();
    if let Some(m) = metadata {
        header.insert("__metadata__".into(), json!(m));
    }
    let mut data = Vec::new();
    for (name, t) in tensors {
        if t.is_symbolic() {
            return Err(Error::InvalidArgument(format!(
                "safetensors: tensor {name:?} is symbolic (inside a trace) and has no value to save"
            )));
        }
        if t.dtype() == DType::String {
            return Err(Error::InvalidArgument(format!(
                "safetensors: tensor {name:?} is a string tensor; the format holds numbers only"
            )));
        }
        let begin = data.len();
        crate::data::npy::encode_values(t, &mut data);
        header.insert(
            name.clone(),
            json!({"dtype": code(t.dtype()), "shape": t.shape().dims(), "data_offsets": [begin, data.len()]}),
        );
    }
    let mut h = Value::Object(header).to_string().into_bytes();
    // Pad the header with spaces so the data is 8-byte aligned, as the reference writer does.
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + h.len() + data.len());
    out.extend_from_slice(&(h.len() as u64).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&data);
    crate::data::npy::write_atomically(path, &out)
}

fn bad(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::DataLoss(format!("{}: not a valid safetensors file: {what}", path.display()))
}

/// `safetensors.load_file(path)`: name → tensor.
///
/// ```
/// use tf_core as tf;
/// let err = tf::safetensors::load_file("/nonexistent/model.safetensors").unwrap_err();
/// assert!(err.to_string().contains("/nonexistent/model.safetensors"));
/// ```
///
/// # Errors
/// `Io` when the file cannot be read; `DataLoss` for a damaged or truncated file (naming
/// what is wrong); `Unimplemented` for a dtype `tf` does not have (F16, BF16, ...).
pub fn load_file(path: impl AsRef<Path>) -> Result<BTreeMap<String, Tensor>> {
    Ok(load_file_with_metadata(path)?.0)
}

/// [`load_file`], and the header's `__metadata__` (string → string; empty when there is
/// none), as `safe_open(path).metadata()` gives it.
///
/// ```
/// use tf_core as tf;
/// use std::collections::BTreeMap;
/// let path = std::env::temp_dir().join(format!("tf-doc-meta-{}.safetensors", std::process::id()));
/// let tensors = BTreeMap::from([("w".to_string(), tf::constant([1.0f32]))]);
/// let meta = BTreeMap::from([("format".to_string(), "pt".to_string())]);
/// tf::safetensors::save_file(&tensors, &path, Some(&meta))?;
/// let (back, meta_back) = tf::safetensors::load_file_with_metadata(&path)?;
/// assert_eq!((back.len(), meta_back["format"].as_str()), (1, "pt"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// As [`load_file`], and `DataLoss` when `__metadata__` is not a map of strings.
pub fn load_file_with_metadata(path: impl AsRef<Path>) -> Result<(BTreeMap<String, Tensor>, BTreeMap<String, String>)> {
    let path = path.as_ref();
    let b = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let hlen = b
        .get(..8)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")))
        .ok_or_else(|| bad(path, "shorter than its 8-byte header length"))?;
    let start = 8usize.checked_add(hlen as usize).filter(|&e| e <= b.len()).ok_or_else(|| {
        bad(
            path,
            format!("header length {hlen} runs past the end of the file ({} bytes)", b.len()),
        )
    })?;
    let header: Value = serde_json::from_slice(&b[8..start]).map_err(|e| bad(path, format!("header is not JSON: {e}")))?;
    let obj = header.as_object().ok_or_else(|| bad(path, "header is not a JSON object"))?;
    let data = &b[start..];
    let mut out = BTreeMap::new();
    let mut metadata = BTreeMap::new();
    for (name, info) in obj {
        if name == "__metadata__" {
            let m = info.as_object().ok_or_else(|| bad(path, "__metadata__ is not a JSON object"))?;
            for (k, v) in m {
                let v = v
                    .as_str()
                    .ok_or_else(|| bad(path, format!("__metadata__ value {k:?} is not a string")))?;
                metadata.insert(k.clone(), v.to_string());
            }
            continue;
        }
        let field = |k: &str| info.get(k).ok_or_else(|| bad(path, format!("tensor {name:?} has no {k:?}")));
        let dtype = field("dtype")?
            .as_str()
            .ok_or_else(|| bad(path, format!("tensor {name:?}: dtype is not a string")))?;
        let shape: Vec<usize> = field("shape")?
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_u64().map(|x| x as usize)).collect())
            .ok_or_else(|| bad(path, format!("tensor {name:?}: shape is not a list of sizes")))?;
        let offs: Vec<usize> = field("data_offsets")?
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_u64().map(|x| x as usize)).collect())
            .filter(|v: &Vec<usize>| v.len() == 2)
            .ok_or_else(|| bad(path, format!("tensor {name:?}: data_offsets is not [begin, end]")))?;
        let dt = match dtype {
            "F32" => DType::F32,
            "F64" => DType::F64,
            "I32" => DType::I32,
            "I64" => DType::I64,
            "U8" => DType::U8,
            "BOOL" => DType::Bool,
            other => {
                return Err(Error::Unimplemented(format!(
                    "{}: tensor {name:?} has dtype {other}, which tf does not support",
                    path.display()
                )))
            }
        };
        let n: usize = shape.iter().product();
        let bytes = data.get(offs[0]..offs[1]).filter(|s| s.len() == n * dt.size()).ok_or_else(|| {
            bad(
                path,
                format!(
                    "tensor {name:?}: bytes {}..{} do not hold {n} values of {dtype} within the {} data bytes",
                    offs[0],
                    offs[1],
                    data.len()
                ),
            )
        })?;
        let t = Tensor::from_buffer(crate::data::npy::decode_values(bytes, dt, false), shape)?;
        out.insert(name.clone(), t);
    }
    Ok((out, metadata))
}
