//! gzip (RFC 1952) reading, for the `.gz` files datasets ship in: header flags, raw deflate,
//! and the CRC-32 and length trailer, all checked.

use crate::{Error, Result};

/// Decompresses a gzip file's bytes; `name` is used in error messages.
///
/// # Errors
/// `DataLoss` naming the file when it is not gzip, truncated, does not inflate, or fails its
/// CRC-32 or length check.
pub fn gunzip(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let bad = |what: &str| Error::DataLoss(format!("{name}: {what}"));
    if bytes.len() < 18 || bytes[0] != 0x1F || bytes[1] != 0x8B || bytes[2] != 8 {
        return Err(bad("not a gzip file"));
    }
    let flags = bytes[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        let xlen = u16::from_le_bytes([
            *bytes.get(at).ok_or_else(|| bad("truncated header"))?,
            *bytes.get(at + 1).ok_or_else(|| bad("truncated header"))?,
        ]) as usize;
        at += 2 + xlen;
    }
    for flag in [0x08, 0x10] {
        // FNAME and FCOMMENT: zero-terminated strings.
        if flags & flag != 0 {
            at += bytes
                .get(at..)
                .and_then(|r| r.iter().position(|&b| b == 0))
                .ok_or_else(|| bad("truncated header"))?
                + 1;
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    if at + 8 > bytes.len() {
        return Err(bad("truncated file"));
    }
    let body = &bytes[at..bytes.len() - 8];
    let data = miniz_oxide::inflate::decompress_to_vec(body).map_err(|e| bad(&format!("corrupt compressed data ({e:?})")))?;
    let t = &bytes[bytes.len() - 8..];
    let (crc, size) = (
        u32::from_le_bytes([t[0], t[1], t[2], t[3]]),
        u32::from_le_bytes([t[4], t[5], t[6], t[7]]),
    );
    if super::npy::crc32(&data) != crc || data.len() as u32 != size {
        return Err(bad("checksum mismatch: the file is damaged"));
    }
    Ok(data)
}
