//! The IDX format of the MNIST family (big-endian magic and dimensions, then uint8 data),
//! and the search for a dataset's files.

use std::path::{Path, PathBuf};
use tf_core::{Error, Result, Tensor};

const FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// Where to look for dataset `name`, in order.
fn candidates(name: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(home) = std::env::var_os("KERAS_HOME") {
        v.push(PathBuf::from(home).join("datasets").join(name));
    }
    if let Some(home) = std::env::var_os("HOME") {
        v.push(PathBuf::from(home).join(".keras").join("datasets").join(name));
    }
    v.push(PathBuf::from("/usr/share/datasets").join(name));
    v
}

pub(crate) fn load(name: &str, install: &str) -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
    let dirs = candidates(name);
    match dirs.iter().find(|d| FILES.iter().all(|f| d.join(f).is_file())) {
        Some(d) => load_dir(d),
        None => {
            let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            Err(Error::NotFound(format!(
                "{name}: no directory holds all of {}; looked in {}. Install the data with `{install}`, or put the four files in ~/.keras/datasets/{name}/",
                FILES.join(", "),
                looked.join(", ")
            )))
        }
    }
}

pub(crate) fn load_dir(dir: &Path) -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
    let read = |f: &str| -> Result<Tensor> {
        let path = dir.join(f);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        parse(
            &tf_core::data::gunzip(&bytes, &path.display().to_string())?,
            &path.display().to_string(),
        )
    };
    let (xtr, ytr, xte, yte) = (read(FILES[0])?, read(FILES[1])?, read(FILES[2])?, read(FILES[3])?);
    for (x, y, what) in [(&xtr, &ytr, "training"), (&xte, &yte, "test")] {
        if x.shape().dims().first() != y.shape().dims().first() || x.rank() != 3 || y.rank() != 1 {
            return Err(Error::DataLoss(format!(
                "{}: the {what} images {} and labels {} do not match",
                dir.display(),
                x.shape(),
                y.shape()
            )));
        }
    }
    Ok(((xtr, ytr), (xte, yte)))
}

/// Parses an uncompressed IDX file of unsigned bytes.
pub(crate) fn parse(b: &[u8], name: &str) -> Result<Tensor> {
    let bad = |what: String| Error::DataLoss(format!("{name}: {what}"));
    if b.len() < 4 || b[0] != 0 || b[1] != 0 {
        return Err(bad("not an IDX file (bad magic)".into()));
    }
    if b[2] != 0x08 {
        return Err(bad(format!("element type 0x{:02x} is not unsigned bytes", b[2])));
    }
    let rank = b[3] as usize;
    let header = 4 + 4 * rank;
    if b.len() < header {
        return Err(bad("truncated header".into()));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|i| u32::from_be_bytes([b[4 + 4 * i], b[5 + 4 * i], b[6 + 4 * i], b[7 + 4 * i]]) as usize)
        .collect();
    let n: usize = dims.iter().product();
    if b.len() != header + n {
        return Err(bad(format!(
            "expected {n} bytes of data for shape {dims:?}, found {}",
            b.len() - header
        )));
    }
    Tensor::from_vec(b[header..].to_vec(), dims)
}
