//! CSV sources: `read_csv` (whole typed columns) and `make_csv_dataset` (TensorFlow's
//! `tf.data.experimental.make_csv_dataset`: `(features, label)` batches). Column types are
//! inferred like TensorFlow does (integers → int32, other numbers → float32) or given; a field
//! that does not parse is an error naming the file, line and column.

use super::{Dataset, Structure};
use crate::{DType, Error, Result, Tensor};
use std::collections::BTreeMap;
use std::path::Path;

/// Splits one CSV line into fields (RFC 4180 quoting with `""` escapes).
fn fields(line: &str, delim: char) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.is_empty() => quoted = true,
            (false, c) if c == delim => out.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    out.push(cur);
    Ok(out)
}

/// Reads a CSV file with a header row into one 1-D tensor per column. `types` fixes column
/// dtypes by name; other columns are inferred. Empty fields take 0.
///
/// # Errors
/// `Io` when the file cannot be read; `InvalidArgument` naming the file, line and column for
/// a ragged row or a field that does not parse as its column's type, or a text column (this
/// crate has no string dtype yet).
pub fn read_csv(path: impl AsRef<Path>, types: &[(&str, DType)]) -> Result<BTreeMap<String, Tensor>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: name.clone(),
        source: e,
    })?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, head) = lines
        .next()
        .ok_or_else(|| Error::InvalidArgument(format!("{name}: empty file (expected a header row)")))?;
    let header = fields(head, ',').map_err(|e| Error::InvalidArgument(format!("{name}:1: {e}")))?;
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    let mut line_of: Vec<usize> = Vec::new();
    for (i, l) in lines {
        let f = fields(l, ',').map_err(|e| Error::InvalidArgument(format!("{name}:{}: {e}", i + 1)))?;
        if f.len() != header.len() {
            return Err(Error::InvalidArgument(format!(
                "{name}:{}: expected {} fields (as the header has), found {}",
                i + 1,
                header.len(),
                f.len()
            )));
        }
        for (c, v) in cols.iter_mut().zip(f) {
            c.push(v.trim().to_string());
        }
        line_of.push(i + 1);
    }
    let mut out = BTreeMap::new();
    for (h, col) in header.iter().zip(cols) {
        let given = types.iter().find(|(n, _)| n == h).map(|&(_, d)| d);
        let dtype = given.unwrap_or_else(|| {
            if col.iter().all(|v| v.is_empty() || v.parse::<i64>().is_ok()) {
                DType::I32
            } else {
                DType::F32
            }
        });
        let parsed: Vec<f64> = col
            .iter()
            .enumerate()
            .map(|(r, v)| {
                if v.is_empty() {
                    return Ok(0.0);
                }
                let ok = match dtype {
                    DType::I32 | DType::I64 | DType::U8 => v.parse::<i64>().ok().map(|x| x as f64),
                    DType::Bool => match v.to_ascii_lowercase().as_str() {
                        "true" | "1" => Some(1.0),
                        "false" | "0" => Some(0.0),
                        _ => None,
                    },
                    _ => v.parse::<f64>().ok(),
                };
                ok.ok_or_else(|| {
                    let what = if given.is_none() {
                        "a number (text columns are not supported: tf has no string dtype yet)".to_string()
                    } else {
                        format!("a {dtype} value")
                    };
                    Error::InvalidArgument(format!("{name}:{} column '{h}': cannot parse {v:?} as {what}", line_of[r]))
                })
            })
            .collect::<Result<_>>()?;
        let t = crate::cast(&Tensor::from_vec(parsed, [col.len()])?, dtype);
        out.insert(h.clone(), t);
    }
    Ok(out)
}

/// `tf.data.experimental.make_csv_dataset(path, batch_size, label_name=...)`: batches of
/// `(features, label)`, shuffled (buffer of 10 000, as TensorFlow) when `shuffle`, repeated
/// `num_epochs` times (forever with `None`, TensorFlow's default).
///
/// # Errors
/// As [`read_csv`], and `InvalidArgument` when `label_name` is not a column.
pub fn make_csv_dataset(
    path: impl AsRef<Path>,
    batch_size: usize,
    label_name: &str,
    shuffle: bool,
    num_epochs: Option<usize>,
) -> Result<Dataset<(BTreeMap<String, Tensor>, Tensor)>> {
    let mut cols = read_csv(path.as_ref(), &[])?;
    let label = cols
        .remove(label_name)
        .ok_or_else(|| Error::InvalidArgument(format!("{}: no column named '{label_name}' for the label", path.as_ref().display())))?;
    let _ = cols.leading_dim()?;
    let mut ds = Dataset::from_tensor_slices((cols, label))?;
    if shuffle {
        ds = ds.shuffle(10_000, None, true);
    }
    Ok(ds.repeat(num_epochs).batch(batch_size, false))
}
