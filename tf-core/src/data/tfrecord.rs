//! TFRecord files, framed exactly as TensorFlow frames them: per record a little-endian u64
//! length, the masked CRC32C of those 8 bytes, the data, and the masked CRC32C of the data.
//! Files interoperate with `tf.io.TFRecordWriter` and `tf.data.TFRecordDataset`.

use super::{Cardinality, Dataset};
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A reflected table-driven CRC-32 for `poly`: one implementation for CRC-32C (TFRecord) and
/// CRC-32 (zip, in `.npz` files).
pub(crate) fn crc32_with(table: &'static std::sync::OnceLock<[u32; 256]>, poly: u32, data: &[u8]) -> u32 {
    let table = table.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { poly ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &b| table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8))
}

/// CRC-32C (Castagnoli) of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    crc32_with(&TABLE, 0x82F6_3B78, data)
}

/// TensorFlow's masked CRC: rotated and offset so that CRCs of CRCs stay well mixed.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let c = crc32c(data);
    (c.rotate_right(15)).wrapping_add(0xA282_EAD8)
}

/// Appends one framed record to `out`: the length, its masked CRC, the data, the data's
/// masked CRC (TFRecord files and TensorBoard event files alike).
pub(crate) fn write_record(out: &mut impl Write, record: &[u8]) -> std::io::Result<()> {
    let len = (record.len() as u64).to_le_bytes();
    out.write_all(&len)?;
    out.write_all(&masked_crc32c(&len).to_le_bytes())?;
    out.write_all(record)?;
    out.write_all(&masked_crc32c(record).to_le_bytes())
}

/// `tf.io.TFRecordWriter`: appends records to a temporary file that [`close`](Self::close)
/// renames into place, so an interrupted write never leaves a half-written file at `path`.
pub struct TFRecordWriter {
    /// `None` once closed.
    out: Option<BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl Drop for TFRecordWriter {
    /// A writer dropped without `close` was interrupted: its temporary file goes, and the
    /// file at `path` stays as it was.
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl TFRecordWriter {
    /// Starts writing `path`.
    ///
    /// # Errors
    /// `Io` when the temporary file cannot be created.
    pub fn create(path: impl AsRef<Path>) -> Result<TFRecordWriter> {
        let path = path.as_ref().to_path_buf();
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(TFRecordWriter {
            out: Some(BufWriter::new(f)),
            tmp,
            path,
        })
    }

    /// Appends one record.
    ///
    /// # Errors
    /// `Io` on a write failure.
    pub fn write(&mut self, record: &[u8]) -> Result<()> {
        let out = self.out.as_mut().expect("only close() takes the file, and it consumes the writer");
        write_record(out, record).map_err(|e| Error::io(&self.tmp, e))
    }

    /// Flushes, syncs and renames the file into place.
    ///
    /// # Errors
    /// `Io` when flushing, syncing or renaming fails (the previous file at `path`, if any,
    /// is then untouched).
    pub fn close(mut self) -> Result<()> {
        let out = self.out.take().expect("a writer is closed once");
        let (tmp, path) = (self.tmp.clone(), self.path.clone());
        let f = out.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }
}

/// Reads records one by one, checking both CRCs.
struct Reader {
    src: BufReader<File>,
    path: PathBuf,
    index: usize,
    offset: u64,
    failed: bool,
}

impl Reader {
    fn data_loss(&mut self, what: &str) -> Error {
        self.failed = true;
        Error::DataLoss(format!(
            "{}: record {} at byte offset {}: {what}",
            self.path.display(),
            self.index,
            self.offset
        ))
    }

    fn read_exact_or(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        self.src.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                self.data_loss(what)
            } else {
                Error::io(&self.path, e)
            }
        })
    }

    fn next_record(&mut self) -> Option<Result<Vec<u8>>> {
        if self.failed {
            return None;
        }
        let mut len = [0u8; 8];
        // A clean end of file is only allowed exactly between records.
        match self.src.read(&mut len[..1]) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) => return Some(Err(Error::io(&self.path, e))),
        }
        let r = (|| {
            self.read_exact_or(&mut len[1..], "truncated length")?;
            let mut crc = [0u8; 4];
            self.read_exact_or(&mut crc, "truncated length checksum")?;
            if u32::from_le_bytes(crc) != masked_crc32c(&len) {
                return Err(self.data_loss("corrupted record: the length checksum does not match"));
            }
            let n = u64::from_le_bytes(len);
            if n > (1 << 40) {
                return Err(self.data_loss(&format!("implausible record length {n}")));
            }
            let mut data = vec![0u8; n as usize];
            self.read_exact_or(&mut data, "truncated data")?;
            self.read_exact_or(&mut crc, "truncated data checksum")?;
            if u32::from_le_bytes(crc) != masked_crc32c(&data) {
                return Err(self.data_loss("corrupted record: the data checksum does not match"));
            }
            self.offset += 16 + n;
            self.index += 1;
            Ok(data)
        })();
        Some(r)
    }
}

/// `tf.data.TFRecordDataset(filenames)`: the records of each file in turn, as bytes.
/// Every record's checksums are verified; a truncated or corrupted file yields a `DataLoss`
/// error naming the file, the record and its byte offset, and nothing after it.
pub fn tfrecord_dataset(paths: &[impl AsRef<Path>]) -> Dataset<Vec<u8>> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
    Dataset::from_recipe(Cardinality::Unknown, move || {
        let paths = paths.clone();
        Box::new(
            paths
                .into_iter()
                .flat_map(|path| -> Box<dyn Iterator<Item = Result<Vec<u8>>> + Send> {
                    match File::open(&path) {
                        Ok(f) => {
                            let mut r = Reader {
                                src: BufReader::new(f),
                                path,
                                index: 0,
                                offset: 0,
                                failed: false,
                            };
                            Box::new(std::iter::from_fn(move || r.next_record()))
                        }
                        Err(e) => Box::new(std::iter::once(Err(Error::NotFound(format!("{}: {e}", path.display()))))),
                    }
                }),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_known_values() {
        // RFC 3720 test vector and the empty string.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(b""), 0);
    }
}
