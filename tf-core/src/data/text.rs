//! `tf.data.TextLineDataset`: the lines of text files, one scalar string tensor each.

use super::{Cardinality, Dataset};
use crate::{Error, Result, Tensor};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// `tf.data.TextLineDataset(filenames, compression_type=None)`: each line of each file in
/// turn, without its `\n` (or `\r\n`), as a scalar string tensor; the last line need not end
/// with a newline. `compression_type` is `None` or `Some("GZIP")` (`Some("")` is none).
/// Files are opened and read as the dataset reaches them.
///
/// ```
/// use tf_core as tf;
/// let path = std::env::temp_dir().join(format!("tf-doc-lines-{}.txt", std::process::id()));
/// std::fs::write(&path, "first\r\nsecond\n\nlast").unwrap();
/// let ds = tf::data::text_line_dataset(&[&path], None)?;
/// let lines: Vec<String> = ds.iter().map(|l| l.unwrap().strings()[0].clone()).collect();
/// assert_eq!(lines, ["first", "second", "", "last"]);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// `InvalidArgument` for an unknown compression. Reading, the dataset yields `NotFound` for
/// a missing file, `DataLoss` for a damaged gzip file or a line that is not UTF-8 text
/// (naming the file and line), and stops there.
pub fn text_line_dataset(paths: &[impl AsRef<Path>], compression_type: Option<&str>) -> Result<Dataset<Tensor>> {
    let gzip = match compression_type.unwrap_or("") {
        "" => false,
        "GZIP" => true,
        other => {
            return Err(Error::InvalidArgument(format!(
                "text_line_dataset: unsupported compression_type {other:?}: use None or \"GZIP\""
            )))
        }
    };
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
    let mut ds = Dataset::from_recipe(Cardinality::Unknown, move || {
        let lines = paths.clone().into_iter().flat_map(move |path| file_lines(path, gzip));
        // The first error ends the pass.
        let mut failed = false;
        Box::new(lines.take_while(move |l| !std::mem::replace(&mut failed, l.is_err())))
    });
    // Every element is a scalar string.
    ds.element = Some(std::sync::Arc::new(|| {
        super::placeholder(crate::DType::String, crate::Shape::scalar())
    }));
    Ok(ds)
}

/// The lines of one file, or its error.
fn file_lines(path: PathBuf, gzip: bool) -> Box<dyn Iterator<Item = Result<Tensor>> + Send> {
    let open = || -> Result<Box<dyn BufRead + Send>> {
        let f = std::fs::File::open(&path).map_err(|e| Error::NotFound(format!("{}: {e}", path.display())))?;
        if !gzip {
            return Ok(Box::new(BufReader::new(f)));
        }
        let mut bytes = Vec::new();
        BufReader::new(f).read_to_end(&mut bytes).map_err(|e| Error::io(&path, e))?;
        let text = super::gunzip(&bytes, &path.display().to_string())?;
        Ok(Box::new(std::io::Cursor::new(text)))
    };
    let mut reader = match open() {
        Ok(r) => r,
        Err(e) => return Box::new(std::iter::once(Err(e))),
    };
    let mut number = 0;
    Box::new(std::iter::from_fn(move || {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                number += 1;
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                Some(match String::from_utf8(line) {
                    Ok(s) => Ok(crate::constant(s)),
                    Err(_) => Err(Error::DataLoss(format!("{}: line {number} is not UTF-8 text", path.display()))),
                })
            }
            Err(e) => Some(Err(Error::io(&path, e))),
        }
    }))
}
