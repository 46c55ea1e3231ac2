//! NumPy `.npy` and `.npz` files: `load_npy` / `save_npy` and `load_npz` (both `np.savez`
//! and `np.savez_compressed`), for feeding arrays into pipelines with
//! `Dataset::from_tensor_slices`.

use crate::{DType, Element, Error, Result, Shape, Tensor};
use std::collections::BTreeMap;
use std::path::Path;

fn bad(name: &str, what: impl std::fmt::Display) -> Error {
    Error::DataLoss(format!("{name}: {what}"))
}

/// Reads a `.npy` file.
///
/// # Errors
/// `Io`/`NotFound` when the file cannot be read, `DataLoss` when it is not a valid `.npy`
/// (bad magic, header or size), `Unimplemented` for a dtype this crate has no equivalent of.
pub fn load_npy(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_npy(&bytes, &path.display().to_string())
}

/// Parses the bytes of a `.npy` file; `name` is used in error messages.
///
/// # Errors
/// As [`load_npy`].
pub fn parse_npy(bytes: &[u8], name: &str) -> Result<Tensor> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad(name, "not a .npy file (bad magic)"));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(bad(name, format!("unsupported .npy version {v}"))),
    };
    let header = bytes.get(start..start + hlen).ok_or_else(|| bad(name, "truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad(name, "header is not text"))?;
    let field = |key: &str| -> Result<&str> {
        let at = header
            .find(&format!("'{key}'"))
            .ok_or_else(|| bad(name, format!("header lacks '{key}'")))?;
        let rest = header[at + key.len() + 2..]
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(|| bad(name, "malformed header"))?;
        Ok(rest.trim_start())
    };
    let descr = field("descr")?
        .strip_prefix('\'')
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad(name, "malformed descr"))?;
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_txt = field("shape")?
        .strip_prefix('(')
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad(name, "malformed shape"))?;
    let dims: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad(name, format!("bad dimension {s:?}"))))
        .collect::<Result<_>>()?;
    let (order, code) = descr.split_at(1);
    let (dtype, size) = match code {
        "f4" => (DType::F32, 4),
        "f8" => (DType::F64, 8),
        "i4" => (DType::I32, 4),
        "i8" => (DType::I64, 8),
        "u1" => (DType::U8, 1),
        "b1" => (DType::Bool, 1),
        other => return Err(Error::Unimplemented(format!("{name}: NumPy dtype {other:?} has no tf dtype"))),
    };
    let n: usize = dims.iter().product();
    let data = &bytes[start + hlen..];
    if data.len() != n * size {
        return Err(bad(
            name,
            format!(
                "expected {} bytes of data for shape {dims:?} and dtype {dtype}, found {}",
                n * size,
                data.len()
            ),
        ));
    }
    let buf = decode_values(data, dtype, order == ">");
    // Fortran order stores the transpose: read with reversed dims, then transpose back.
    if fortran && dims.len() > 1 {
        let rev: Vec<usize> = dims.iter().rev().copied().collect();
        let t = Tensor::from_buffer(buf, rev)?;
        return Ok(crate::transpose(&t, None));
    }
    Tensor::from_buffer(buf, Shape::from(dims))
}

/// The values of `dtype` stored in `data` (little-endian, or big-endian when `big`); `data`
/// holds a whole number of values.
pub(crate) fn decode_values(data: &[u8], dtype: DType, big: bool) -> crate::Buffer {
    let size = dtype.size();
    let word = |c: &[u8]| -> [u8; 8] {
        let mut w = [0u8; 8];
        w[..size].copy_from_slice(c);
        if big {
            w[..size].reverse();
        }
        w
    };
    crate::dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => {
        let v: Vec<T> = data.chunks_exact(size).map(|c| decode::<T>(word(c))).collect();
        T::into_buffer(v)
    })
}

/// Appends the values of `t` to `out`, little-endian (bool as one byte).
pub(crate) fn encode_values(t: &Tensor, out: &mut Vec<u8>) {
    crate::dispatch!(t.dtype(), [F32, F64, I32, I64, U8, Bool], T => for v in t.data::<T>() {
        match T::DTYPE {
            DType::F32 => out.extend_from_slice(&(v.to_f64() as f32).to_le_bytes()),
            DType::F64 => out.extend_from_slice(&v.to_f64().to_le_bytes()),
            DType::I32 => out.extend_from_slice(&(v.to_i64() as i32).to_le_bytes()),
            DType::I64 => out.extend_from_slice(&v.to_i64().to_le_bytes()),
            _ => out.push(v.to_i64() as u8),
        }
    });
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it into place, so
/// an interrupted write never replaces the previous file with a partial one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(&tmp, e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })?;
    // The rename itself reaches the disk once the directory is synced (best effort: not every
    // platform can open a directory).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn decode<T: Element>(w: [u8; 8]) -> T {
    match T::DTYPE {
        DType::F32 => T::from_f64(f32::from_le_bytes([w[0], w[1], w[2], w[3]]) as f64),
        DType::F64 => T::from_f64(f64::from_le_bytes(w)),
        DType::I32 => T::from_i64(i32::from_le_bytes([w[0], w[1], w[2], w[3]]) as i64),
        DType::I64 => T::from_i64(i64::from_le_bytes(w)),
        _ => T::from_i64(w[0] as i64),
    }
}

/// Writes `t` as a `.npy` file (little-endian, C order), through a temporary file renamed
/// into place.
///
/// # Errors
/// `Io` when writing or renaming fails; the previous file, if any, is then untouched.
pub fn save_npy(path: impl AsRef<Path>, t: &Tensor) -> Result<()> {
    let path = path.as_ref();
    if t.is_symbolic() || t.dtype() == DType::String {
        return Err(crate::Error::InvalidArgument(format!(
            "save_npy: {}: {} tensors cannot be saved as .npy",
            path.display(),
            if t.is_symbolic() { "symbolic" } else { "string" }
        )));
    }
    let descr = match t.dtype() {
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::U8 => "|u1",
        DType::Bool => "|b1",
        DType::String => unreachable!("refused above"),
    };
    let dims = t.shape().dims();
    let shape = match dims {
        [d] => format!("({d},)"),
        _ => format!("({})", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Pad so the data starts on a 64-byte boundary, ending the header with a newline.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + t.num_elements() * t.dtype().size());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    encode_values(t, &mut out);
    write_atomically(path, &out)
}

/// CRC-32 (IEEE), as zip files use.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    super::tfrecord::crc32_with(&TABLE, 0xEDB8_8320, data)
}

/// Reads a `.npz` file (`np.savez` or `np.savez_compressed`): array name → tensor.
///
/// # Errors
/// `Io` when the file cannot be read, `DataLoss` for a damaged archive or member (checksums
/// are verified), `Unimplemented` for zip features NumPy does not use (ZIP64, other
/// compression methods).
pub fn load_npz(path: impl AsRef<Path>) -> Result<BTreeMap<String, Tensor>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let b = std::fs::read(path).map_err(|e| Error::Io {
        path: name.clone(),
        source: e,
    })?;
    let u16_at = |o: usize| -> Result<usize> {
        b.get(o..o + 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
            .ok_or_else(|| bad(&name, "truncated archive"))
    };
    let u32_at = |o: usize| -> Result<usize> {
        b.get(o..o + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
            .ok_or_else(|| bad(&name, "truncated archive"))
    };
    let eocd = (0..b.len().saturating_sub(21))
        .rev()
        .find(|&o| b[o..o + 4] == [0x50, 0x4B, 0x05, 0x06])
        .ok_or_else(|| bad(&name, "not a zip archive (no end of central directory)"))?;
    let (count, mut at) = (u16_at(eocd + 10)?, u32_at(eocd + 16)?);
    let mut out = BTreeMap::new();
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4B50 {
            return Err(bad(&name, "damaged central directory"));
        }
        let (method, crc, csize, usize_, nlen, xlen, clen, local) = (
            u16_at(at + 10)?,
            u32_at(at + 16)?,
            u32_at(at + 20)?,
            u32_at(at + 24)?,
            u16_at(at + 28)?,
            u16_at(at + 30)?,
            u16_at(at + 32)?,
            u32_at(at + 42)?,
        );
        let member = String::from_utf8_lossy(b.get(at + 46..at + 46 + nlen).ok_or_else(|| bad(&name, "truncated archive"))?).into_owned();
        at += 46 + nlen + xlen + clen;
        if csize == 0xFFFF_FFFF || usize_ == 0xFFFF_FFFF {
            return Err(Error::Unimplemented(format!("{name}: ZIP64 archives are not supported ({member})")));
        }
        if u32_at(local)? != 0x0403_4B50 {
            return Err(bad(&name, format!("damaged local header of {member}")));
        }
        let start = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
        let raw = b
            .get(start..start + csize)
            .ok_or_else(|| bad(&name, format!("truncated member {member}")))?;
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                miniz_oxide::inflate::decompress_to_vec(raw).map_err(|e| bad(&name, format!("member {member} does not inflate: {e:?}")))?
            }
            m => return Err(Error::Unimplemented(format!("{name}: zip compression method {m} ({member})"))),
        };
        if data.len() != usize_ || crc32(&data) as usize != crc {
            return Err(bad(&name, format!("member {member} fails its checksum")));
        }
        let key = member.strip_suffix(".npy").unwrap_or(&member).to_string();
        out.insert(key, parse_npy(&data, &format!("{name}:{member}"))?);
    }
    Ok(out)
}
