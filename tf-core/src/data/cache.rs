//! `dataset.cache(filename)`: the first complete pass is written to a file, and every later
//! pass — in this program or the next — reads the file instead of running the pipeline.
//!
//! The file is TFRecord-framed (each record checksummed), one record per element in
//! [`Structure::encode`]'s form. It is written to a temporary file and renamed into place when
//! the pass completes; a pass that is abandoned or meets an error caches nothing.

use super::tfrecord::{tfrecord_dataset, TFRecordWriter};
use super::{Dataset, Structure};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

enum Writing {
    Active(TFRecordWriter),
    /// An element failed: the pass goes on without caching.
    Abandoned,
    Done,
}

impl<T: Structure> Dataset<T> {
    /// `dataset.cache(filename)`: see the module docs. A damaged cache file yields a
    /// `DataLoss` error naming the file and the element; delete the file to rebuild it.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// let path = std::env::temp_dir().join(format!("tf-doc-cache-{}", std::process::id()));
    /// let ds = Dataset::from_tensor_slices(tf::range(5i64))?.map(|x| &x * 10i64).cache_file(&path);
    /// let first: Vec<i64> = ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect();
    /// assert!(path.exists());
    /// let again: Vec<i64> = ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect();
    /// assert_eq!(first, again);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn cache_file(&self, path: impl AsRef<Path>) -> Dataset<T> {
        let up = self.recipe.clone();
        let path: PathBuf = path.as_ref().to_path_buf();
        self.derive(self.cardinality, move || {
            if path.exists() {
                let file = path.clone();
                let records = tfrecord_dataset(std::slice::from_ref(&path)).iter();
                return Box::new(records.enumerate().map(move |(i, r)| r.and_then(|bytes| decode(&bytes, &file, i))));
            }
            let mut state = match TFRecordWriter::create(&path) {
                Ok(w) => Writing::Active(w),
                Err(e) => return Box::new(std::iter::once(Err(e))),
            };
            let mut src = up();
            let mut buf = Vec::new();
            Box::new(std::iter::from_fn(move || {
                let item = src.next();
                match (&mut state, &item) {
                    (Writing::Active(w), Some(Ok(x))) => {
                        buf.clear();
                        x.encode(&mut buf);
                        if let Err(e) = w.write(&buf) {
                            state = Writing::Abandoned;
                            return Some(Err(e));
                        }
                    }
                    (Writing::Active(_), Some(Err(_))) => state = Writing::Abandoned,
                    (Writing::Active(_), None) => {
                        if let Writing::Active(w) = std::mem::replace(&mut state, Writing::Done) {
                            if let Err(e) = w.close() {
                                return Some(Err(e));
                            }
                        }
                    }
                    _ => {}
                }
                item
            }))
        })
    }
}

fn decode<T: Structure>(bytes: &[u8], file: &Path, index: usize) -> Result<T> {
    let mut pos = 0;
    let damaged = |m: String| Error::DataLoss(format!("{}: cached element {index}: {m}", file.display()));
    let x = T::decode(bytes, &mut pos).map_err(|e| damaged(e.to_string()))?;
    if pos != bytes.len() {
        return Err(damaged(format!(
            "{} bytes left over (a different element structure?)",
            bytes.len() - pos
        )));
    }
    Ok(x)
}
