//! TensorFlow's immutable string table (`tensorflow/core/lib/io/table*`, LevelDB's SSTable
//! layout), the container of a checkpoint's `.index` file:
//!
//! ```text
//! data block*  metaindex block  index block  footer (48 bytes)
//! block   = entries, restart offsets (u32 each), restart count (u32),
//!           then a 5-byte trailer: compression type (0 = none), masked crc32c
//! entry   = varint shared-prefix length, varint rest length, varint value length, rest, value
//! footer  = metaindex handle, index handle (varint offset + size each), zero padding to 40
//!           bytes, magic 0xdb4775248b80fb57 (little-endian)
//! ```
//!
//! The index block maps a key ≥ each data block's last key to that block's handle. Tables
//! here are small (one entry per tensor), so they are built and read whole, in memory.

use crate::data::tfrecord::crc32c;
use crate::proto::{get_varint, put_varint};
use crate::{Error, Result};

const MAGIC: u64 = 0xdb47_7524_8b80_fb57;
const FOOTER_LEN: usize = 48;
const RESTART_INTERVAL: usize = 16;
/// TensorFlow's default block size.
const BLOCK_SIZE: usize = 256 * 1024;

fn masked(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xA282_EAD8)
}

fn unmask(c: u32) -> u32 {
    c.wrapping_sub(0xA282_EAD8).rotate_left(15)
}

/// Builds one block, prefix-compressing keys with a restart point every 16 entries.
#[derive(Default)]
struct BlockBuilder {
    buf: Vec<u8>,
    restarts: Vec<u32>,
    last_key: Vec<u8>,
    count: usize,
}

impl BlockBuilder {
    fn add(&mut self, key: &[u8], value: &[u8]) {
        let shared = if self.count.is_multiple_of(RESTART_INTERVAL) {
            self.restarts.push(self.buf.len() as u32);
            0
        } else {
            self.last_key.iter().zip(key).take_while(|(a, b)| a == b).count()
        };
        put_varint(&mut self.buf, shared as u64);
        put_varint(&mut self.buf, (key.len() - shared) as u64);
        put_varint(&mut self.buf, value.len() as u64);
        self.buf.extend_from_slice(&key[shared..]);
        self.buf.extend_from_slice(value);
        self.last_key = key.to_vec();
        self.count += 1;
    }
    /// Appends the finished block and its trailer to `out`; returns its handle.
    fn finish_into(mut self, out: &mut Vec<u8>) -> (u64, u64) {
        if self.restarts.is_empty() {
            self.restarts.push(0);
        }
        for r in &self.restarts {
            self.buf.extend_from_slice(&r.to_le_bytes());
        }
        self.buf.extend_from_slice(&(self.restarts.len() as u32).to_le_bytes());
        let handle = (out.len() as u64, self.buf.len() as u64);
        out.extend_from_slice(&self.buf);
        self.buf.push(0); // the crc covers the compression type too
        let crc = masked(&self.buf);
        out.push(0);
        out.extend_from_slice(&crc.to_le_bytes());
        handle
    }
}

fn put_handle(out: &mut Vec<u8>, (offset, size): (u64, u64)) {
    put_varint(out, offset);
    put_varint(out, size);
}

/// The bytes of a table holding `entries`, which must be sorted by key with no duplicates.
pub(crate) fn build(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0), "table keys must be sorted and unique");
    let mut out = Vec::new();
    let mut index = BlockBuilder::default();
    let mut block = BlockBuilder::default();
    for (k, v) in entries {
        block.add(k, v);
        if block.buf.len() >= BLOCK_SIZE {
            let last = block.last_key.clone();
            let h = std::mem::take(&mut block).finish_into(&mut out);
            let mut hv = Vec::new();
            put_handle(&mut hv, h);
            index.add(&last, &hv);
        }
    }
    if block.count > 0 {
        let last = block.last_key.clone();
        let h = block.finish_into(&mut out);
        let mut hv = Vec::new();
        put_handle(&mut hv, h);
        index.add(&last, &hv);
    }
    let meta = BlockBuilder::default().finish_into(&mut out);
    let idx = index.finish_into(&mut out);
    let mut footer = Vec::with_capacity(FOOTER_LEN);
    put_handle(&mut footer, meta);
    put_handle(&mut footer, idx);
    footer.resize(FOOTER_LEN - 8, 0);
    footer.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&footer);
    out
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::DataLoss(format!("corrupted table: {what}"))
}

/// The contents of the block at `handle`, with its checksum verified.
fn block<'a>(file: &'a [u8], (offset, size): (u64, u64), what: &str) -> Result<&'a [u8]> {
    let start = usize::try_from(offset).map_err(|_| corrupt(format!("{what} offset out of range")))?;
    let len = usize::try_from(size).map_err(|_| corrupt(format!("{what} size out of range")))?;
    let end = start
        .checked_add(len)
        .and_then(|e| e.checked_add(5))
        .filter(|&e| e <= file.len())
        .ok_or_else(|| corrupt(format!("{what} runs past the end of the file (truncated?)")))?;
    let trailer = &file[start + len..end];
    if trailer[0] != 0 {
        return Err(Error::Unimplemented(format!(
            "{what} is compressed (type {}); only uncompressed tables are read",
            trailer[0]
        )));
    }
    let stored = u32::from_le_bytes(trailer[1..5].try_into().expect("4 bytes"));
    let actual = crc32c(&file[start..start + len + 1]);
    if unmask(stored) != actual {
        return Err(corrupt(format!("{what} checksum mismatch")));
    }
    Ok(&file[start..start + len])
}

/// The entries of one block, keys restored from their shared prefixes.
fn entries(b: &[u8], what: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    if b.len() < 4 {
        return Err(corrupt(format!("{what} is too short")));
    }
    let n = u32::from_le_bytes(b[b.len() - 4..].try_into().expect("4 bytes")) as usize;
    let data_end = n
        .checked_mul(4)
        .and_then(|r| b.len().checked_sub(4 + r))
        .ok_or_else(|| corrupt(format!("{what} has a bad restart count")))?;
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut pos = 0;
    let mut key = Vec::new();
    while pos < data_end {
        let shared = get_varint(b, &mut pos)? as usize;
        let rest = get_varint(b, &mut pos)? as usize;
        let vlen = get_varint(b, &mut pos)? as usize;
        let end = pos
            .checked_add(rest)
            .and_then(|e| e.checked_add(vlen))
            .filter(|&e| e <= data_end)
            .ok_or_else(|| corrupt(format!("{what} has an entry past its end")))?;
        if shared > key.len() {
            return Err(corrupt(format!("{what} has an entry sharing more than the previous key")));
        }
        key.truncate(shared);
        key.extend_from_slice(&b[pos..pos + rest]);
        out.push((key.clone(), b[pos + rest..end].to_vec()));
        pos = end;
    }
    Ok(out)
}

fn handle(v: &[u8], what: &str) -> Result<(u64, u64)> {
    let mut pos = 0;
    let h = (get_varint(v, &mut pos)?, get_varint(v, &mut pos)?);
    if pos != v.len() {
        return Err(corrupt(format!("{what} handle has trailing bytes")));
    }
    Ok(h)
}

/// Every entry of the table in `file`, in key order, with all checksums verified.
pub(crate) fn read(file: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    if file.len() < FOOTER_LEN {
        return Err(corrupt(format!("{} bytes is shorter than the footer (truncated?)", file.len())));
    }
    let footer = &file[file.len() - FOOTER_LEN..];
    if u64::from_le_bytes(footer[40..].try_into().expect("8 bytes")) != MAGIC {
        return Err(corrupt("bad magic number (not a TensorFlow table, or truncated)"));
    }
    let mut pos = 0;
    let meta = (get_varint(footer, &mut pos)?, get_varint(footer, &mut pos)?);
    let idx = (get_varint(footer, &mut pos)?, get_varint(footer, &mut pos)?);
    // The metaindex block (empty in TensorFlow's tables) is checked, not used.
    entries(block(file, meta, "metaindex block")?, "metaindex block")?;
    let mut out = Vec::new();
    for (_, h) in entries(block(file, idx, "index block")?, "index block")? {
        out.extend(entries(block(file, handle(&h, "block")?, "data block")?, "data block")?);
    }
    if out.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(corrupt("keys out of order"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut e: Vec<_> = (0..n)
            .map(|i| (format!("net/layer{i:04}/kernel").into_bytes(), vec![i as u8; i % 7]))
            .collect();
        e.insert(0, (Vec::new(), b"header".to_vec()));
        e
    }

    #[test]
    fn round_trip_small_and_multi_block() {
        for n in [0, 1, 17, 40] {
            let e = sample(n);
            assert_eq!(read(&build(&e)).unwrap(), e);
        }
        // Values large enough to need several data blocks.
        let big: Vec<_> = (0..6).map(|i| (vec![b'a' + i], vec![i; 100_000])).collect();
        assert_eq!(read(&build(&big)).unwrap(), big);
    }

    #[test]
    fn every_truncation_and_flipped_byte_is_an_error() {
        let t = build(&sample(20));
        for n in 0..t.len() {
            assert!(read(&t[..n]).is_err(), "truncated to {n}");
        }
        // Every byte but the footer's handles and padding is covered by a checksum or the magic.
        for i in (0..t.len() - FOOTER_LEN).chain(t.len() - 8..t.len()) {
            let mut c = t.clone();
            c[i] ^= 0x10;
            assert!(read(&c).is_err(), "flipped byte {i} was not noticed");
        }
    }
}
