//! PNG decoding and encoding (`tf.io.decode_png`, `tf.io.encode_png`): every color type and
//! bit depth of the PNG specification, Adam7 interlacing, palettes with transparency; each
//! chunk's CRC and the zlib stream are checked.

use crate::data::npy::crc32;
use crate::{Error, Result, Tensor};

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The header of a PNG.
struct Header {
    width: usize,
    height: usize,
    depth: u8,
    color: u8,
    interlaced: bool,
}

impl Header {
    /// Samples a pixel has as stored.
    fn samples(&self) -> usize {
        match self.color {
            0 | 3 => 1,
            4 => 2,
            2 => 3,
            _ => 4,
        }
    }
    /// Bits a pixel takes as stored.
    fn bits(&self) -> usize {
        self.samples() * self.depth as usize
    }
    /// The bytes of filtered rows (filter-type byte included) of the image, or of its seven
    /// Adam7 passes; `None` when that overflows.
    fn raw_len(&self) -> Option<usize> {
        let rows = |w: usize, h: usize| -> Option<usize> {
            if w == 0 || h == 0 {
                return Some(0);
            }
            w.checked_mul(self.bits())?.div_ceil(8).checked_add(1)?.checked_mul(h)
        };
        if !self.interlaced {
            return rows(self.width, self.height);
        }
        ADAM7.iter().try_fold(0usize, |acc, &(x0, y0, dx, dy)| {
            let (w, h) = (
                self.width.saturating_sub(x0).div_ceil(dx),
                self.height.saturating_sub(y0).div_ceil(dy),
            );
            acc.checked_add(rows(w, h)?)
        })
    }
}

/// Adam7's passes: first column, first row, column step, row step.
const ADAM7: [(usize, usize, usize, usize); 7] = [
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
];

/// `tf.io.decode_png(contents, channels=0)`: a `[height, width, channels]` uint8 image.
/// `channels` 0 keeps the file's (a palette image gives RGB, or RGBA when it has
/// transparency; gray and alpha stays two channels), 1 gray, 3 RGB, 4 RGBA; converting as
/// TensorFlow's libpng does (RGB to gray with weights 9797, 19234, 3737 out of 32768,
/// truncated; a missing alpha is the bit depth's maximum — 255, but 1 for a 1-bit image — or
/// 0 for a `tRNS` color key's pixels).
/// 16-bit samples keep their high byte; 1, 2 and 4-bit gray is scaled to 0–255.
///
/// ```
/// use tf_core as tf;
/// let img = tf::constant([[[255u8, 0, 0], [0, 255, 0]], [[0, 0, 255], [9, 9, 9]]]);
/// let png = tf::io::encode_png(&img).unwrap();
/// assert_eq!(tf::io::decode_png(&png, 0).unwrap().to_vec::<u8>(), img.to_vec::<u8>());
/// let gray = tf::io::decode_png(&png, 1).unwrap();
/// assert_eq!(gray.to_vec::<u8>(), vec![76, 149, 29, 9]); // ITU-R 601 weights
/// ```
///
/// # Errors
/// `DataLoss` for bytes that are not a well-formed PNG (naming what is wrong: a bad CRC, a
/// truncated chunk, a zlib stream that does not inflate); `InvalidArgument` for `channels`
/// other than 0, 1, 3 and 4 (TensorFlow's rule).
pub fn decode_png(contents: &[u8], channels: usize) -> Result<Tensor> {
    if !matches!(channels, 0 | 1 | 3 | 4) {
        return Err(Error::InvalidArgument(format!(
            "decode_png: `channels` must be 0, 1, 3 or 4 but got {channels}"
        )));
    }
    let bad = |what: String| Error::DataLoss(format!("decode_png: {what}"));
    if contents.len() < 8 || &contents[..8] != SIGNATURE {
        return Err(bad("not a PNG (no PNG signature)".into()));
    }
    let (mut header, mut palette, mut trns, mut idat) = (None, Vec::new(), None, Vec::new());
    let mut at = 8;
    loop {
        let field = |i: usize| -> Result<u32> {
            let b = contents.get(i..i + 4).ok_or_else(|| bad(format!("truncated at byte {i}")))?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let len = field(at)? as usize;
        let kind = contents
            .get(at + 4..at + 8)
            .ok_or_else(|| bad(format!("truncated at byte {}", at + 4)))?;
        let data = contents
            .get(at + 8..at + 8 + len)
            .ok_or_else(|| bad(format!("chunk {} at byte {at} is truncated", String::from_utf8_lossy(kind))))?;
        if crc32(&contents[at + 4..at + 8 + len]) != field(at + 8 + len)? {
            return Err(bad(format!("chunk {} at byte {at} fails its CRC", String::from_utf8_lossy(kind))));
        }
        match kind {
            b"IHDR" => {
                if data.len() != 13 {
                    return Err(bad("IHDR is not 13 bytes".into()));
                }
                let h = Header {
                    width: u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize,
                    height: u32::from_be_bytes([data[4], data[5], data[6], data[7]]) as usize,
                    depth: data[8],
                    color: data[9],
                    interlaced: data[12] == 1,
                };
                let ok_depth = match h.color {
                    0 => [1, 2, 4, 8, 16].contains(&h.depth),
                    3 => [1, 2, 4, 8].contains(&h.depth),
                    2 | 4 | 6 => [8, 16].contains(&h.depth),
                    _ => false,
                };
                if !ok_depth || data[10] != 0 || data[11] != 0 || data[12] > 1 || h.width == 0 || h.height == 0 {
                    return Err(bad(format!(
                        "unsupported or invalid header: {}x{}, bit depth {}, color type {}, interlace {}",
                        h.width, h.height, h.depth, h.color, data[12]
                    )));
                }
                header = Some(h);
            }
            b"PLTE" => palette = data.to_vec(),
            b"tRNS" => trns = Some(data.to_vec()),
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let h = header.ok_or_else(|| bad("no IHDR chunk".into()))?;
    if h.color == 3 && palette.is_empty() {
        return Err(bad("a palette image without a PLTE chunk".into()));
    }
    // The exact size the header implies, so a forged header or a zlib bomb is refused before
    // anything that large is allocated.
    let expected = h
        .raw_len()
        .ok_or_else(|| bad(format!("a {}x{} image is too large", h.width, h.height)))?;
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&idat, expected).map_err(|e| {
        bad(format!(
            "the image data does not inflate to the {expected} bytes its header implies: {e:?}"
        ))
    })?;
    if raw.len() < expected {
        return Err(bad(format!("the image data holds {} bytes, {expected} are needed", raw.len())));
    }
    let stored = unfilter_all(&h, &raw).map_err(bad)?;
    // The samples as 8-bit pixels (with an alpha channel from any tRNS chunk).
    let (stored_channels, pixels) = expand(&h, &stored, &palette, trns.as_deref());
    // TensorFlow's channels=0 keeps the file's color type: a tRNS color key of a gray or RGB
    // image adds no channel (a palette's tRNS does), though asking for RGBA uses it.
    let native = if h.color == 3 { stored_channels } else { h.samples() };
    let want = if channels == 0 { native } else { channels };
    // TensorFlow's added alpha is the file's bit-depth maximum, so 1 for a 1-bit image.
    let wide = convert(&pixels, stored_channels, want, ((1u32 << h.depth) - 1) as u16);
    // 16-bit samples keep their high byte (libpng's strip_16), after any conversion.
    let out: Vec<u8> = wide
        .into_iter()
        .map(|v| if h.depth == 16 { (v >> 8) as u8 } else { v as u8 })
        .collect();
    Tensor::from_vec(out, [h.height, h.width, want])
}

/// Undoes the row filters (and Adam7 interlacing): the stored samples, row after row,
/// `ceil(width * bits / 8)` bytes a row.
fn unfilter_all(h: &Header, raw: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let row_bytes = |w: usize| (w * h.bits()).div_ceil(8);
    let bpp = h.bits().div_ceil(8).max(1);
    if !h.interlaced {
        return unfilter(raw, h.height, row_bytes(h.width), bpp).map(|(rows, _)| rows);
    }
    // Adam7: seven passes of sub-images, scattered into the full image.
    let full_row = row_bytes(h.width);
    let mut out = vec![0u8; full_row * h.height];
    let mut at = 0;
    for (x0, y0, dx, dy) in ADAM7 {
        let (pw, ph) = (h.width.saturating_sub(x0).div_ceil(dx), h.height.saturating_sub(y0).div_ceil(dy));
        if pw == 0 || ph == 0 {
            continue;
        }
        let (rows, used) = unfilter(&raw[at.min(raw.len())..], ph, row_bytes(pw), bpp)?;
        at += used;
        let (bits, pass_row) = (h.bits(), row_bytes(pw));
        for py in 0..ph {
            let (src_row, y) = (&rows[py * pass_row..(py + 1) * pass_row], y0 + py * dy);
            let dst_row = &mut out[y * full_row..(y + 1) * full_row];
            for px in 0..pw {
                let x = x0 + px * dx;
                if bits % 8 == 0 {
                    let n = bits / 8;
                    dst_row[x * n..(x + 1) * n].copy_from_slice(&src_row[px * n..(px + 1) * n]);
                    continue;
                }
                // A pixel of 1, 2 or 4 bits: copied bit by bit.
                for b in 0..bits {
                    let (src, dst) = (px * bits + b, x * bits + b);
                    let bit = (src_row[src / 8] >> (7 - src % 8)) & 1;
                    dst_row[dst / 8] |= bit << (7 - dst % 8);
                }
            }
        }
    }
    Ok(out)
}

/// Undoes the filters of `height` rows of `row` bytes (each after its filter-type byte);
/// returns the rows and the bytes of `raw` they used.
fn unfilter(raw: &[u8], height: usize, row: usize, bpp: usize) -> std::result::Result<(Vec<u8>, usize), String> {
    let need = height * (row + 1);
    if raw.len() < need {
        return Err(format!("the image data holds {} bytes, {need} are needed", raw.len()));
    }
    let mut out = vec![0u8; height * row];
    for y in 0..height {
        let filter = raw[y * (row + 1)];
        let src = &raw[y * (row + 1) + 1..(y + 1) * (row + 1)];
        let (done, cur) = out.split_at_mut(y * row);
        let prev = if y == 0 { None } else { Some(&done[(y - 1) * row..]) };
        let cur = &mut cur[..row];
        for i in 0..row {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev.map_or(0, |p| p[i]);
            let c = if i >= bpp { prev.map_or(0, |p| p[i - bpp]) } else { 0 };
            cur[i] = src[i].wrapping_add(match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((a as u16 + b as u16) / 2) as u8,
                4 => paeth(a, b, c),
                f => return Err(format!("row {y} has unknown filter type {f}")),
            });
        }
    }
    Ok((out, need))
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = ((p - a as i16).abs(), (p - b as i16).abs(), (p - c as i16).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// The stored samples as pixels of the file's own channels, 8-bit (palette entries looked up,
/// low bit depths scaled) or 16-bit, a `tRNS` color key or palette alpha made an alpha
/// channel; returns (channels, pixels).
fn expand(h: &Header, stored: &[u8], palette: &[u8], trns: Option<&[u8]>) -> (usize, Vec<u16>) {
    let row = (h.width * h.bits()).div_ceil(8);
    let sample = |y: usize, i: usize| -> u16 {
        let r = &stored[y * row..];
        match h.depth {
            16 => u16::from_be_bytes([r[2 * i], r[2 * i + 1]]),
            8 => r[i] as u16,
            d => {
                let bit = i * d as usize;
                ((r[bit / 8] >> (8 - d as usize - bit % 8)) & ((1 << d) - 1)) as u16
            }
        }
    };
    let scale = |v: u16| -> u16 {
        match h.depth {
            8 | 16 => v,
            d => (v as u32 * 255 / ((1u32 << d) - 1)) as u16,
        }
    };
    let opaque = if h.depth == 16 { u16::MAX } else { 255 };
    let n = h.samples();
    let mut px = Vec::new();
    let channels = match h.color {
        3 => {
            let alpha = trns.is_some();
            for y in 0..h.height {
                for x in 0..h.width {
                    let i = sample(y, x) as usize;
                    let rgb = palette.get(3 * i..3 * i + 3).unwrap_or(&[0, 0, 0]);
                    px.extend(rgb.iter().map(|&v| v as u16));
                    if let Some(t) = trns {
                        px.push(*t.get(i).unwrap_or(&255) as u16);
                    }
                }
            }
            if alpha {
                4
            } else {
                3
            }
        }
        0 | 2 => {
            // A tRNS color key: that exact color is transparent.
            let key: Option<Vec<u16>> = trns.map(|t| t.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect());
            for y in 0..h.height {
                for x in 0..h.width {
                    let s: Vec<u16> = (0..n).map(|k| sample(y, x * n + k)).collect();
                    px.extend(s.iter().map(|&v| scale(v)));
                    if let Some(k) = &key {
                        px.push(if s == *k { 0 } else { opaque });
                    }
                }
            }
            n + key.is_some() as usize
        }
        _ => {
            for y in 0..h.height {
                for i in 0..h.width * n {
                    px.push(scale(sample(y, i)));
                }
            }
            n
        }
    };
    (channels, px)
}

/// Pixels of `from` channels as `to` channels, as libpng converts them (`opaque`: the
/// alpha of a pixel that had none).
fn convert(px: &[u16], from: usize, to: usize, opaque: u16) -> Vec<u16> {
    if from == to {
        return px.to_vec();
    }
    // TensorFlow asks libpng for ITU-R 601 weights (0.299, 0.587): 9797 and 19234 of 32768.
    let gray = |p: &[u16]| -> u16 {
        if p.len() >= 3 && (p[0] != p[1] || p[0] != p[2]) {
            ((9797 * p[0] as u32 + 19234 * p[1] as u32 + 3737 * p[2] as u32) >> 15) as u16
        } else {
            p[0]
        }
    };
    let mut out = Vec::with_capacity(px.len() / from * to);
    for p in px.chunks(from) {
        let alpha = if from == 2 || from == 4 { p[from - 1] } else { opaque };
        match to {
            1 => out.push(gray(p)),
            2 => out.extend_from_slice(&[gray(p), alpha]),
            3 | 4 => {
                if from >= 3 {
                    out.extend_from_slice(&p[..3]);
                } else {
                    out.extend_from_slice(&[p[0], p[0], p[0]]);
                }
                if to == 4 {
                    out.push(alpha);
                }
            }
            _ => unreachable!("channels are checked to be at most 4"),
        }
    }
    out
}

/// `tf.io.encode_png(image)`: a uint8 `[height, width, channels]` image (1 gray, 2 gray and
/// alpha, 3 RGB, 4 RGBA) as PNG bytes: one zlib-compressed `IDAT` of unfiltered rows.
///
/// ```
/// use tf_core as tf;
/// let png = tf::io::encode_png(&tf::zeros([2, 3, 1], tf::uint8)).unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// ```
///
/// # Errors
/// `InvalidArgument` for an image that is not uint8 `[height, width, 1..=4]`.
pub fn encode_png(image: &Tensor) -> Result<Vec<u8>> {
    let d = image.shape().dims();
    if image.dtype() != crate::DType::U8 || d.len() != 3 || !(1..=4).contains(&d[2]) || !image.shape().is_fully_defined() {
        return Err(Error::InvalidArgument(format!(
            "encode_png: the image must be uint8 [height, width, channels] with 1 to 4 channels, got {} {}",
            image.dtype(),
            image.shape()
        )));
    }
    Ok(encode(image.data::<u8>(), d[0], d[1], d[2]))
}

/// An 8-bit PNG of `h` rows of `w` pixels with `c` channels (1 gray, 2 gray+alpha, 3 RGB,
/// 4 RGBA): signature, `IHDR`, one zlib-compressed `IDAT` of unfiltered rows, `IEND`.
pub(crate) fn encode(px: &[u8], h: usize, w: usize, c: usize) -> Vec<u8> {
    let color = match c {
        1 => 0u8,
        2 => 4,
        3 => 2,
        _ => 6,
    };
    let mut raw = Vec::with_capacity(h * (w * c + 1));
    for row in px.chunks(w * c) {
        raw.push(0); // filter type None
        raw.extend_from_slice(row);
    }
    let mut out = SIGNATURE.to_vec();
    let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    };
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(w as u32).to_be_bytes());
    ihdr.extend_from_slice(&(h as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, color, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6));
    chunk(&mut out, b"IEND", &[]);
    out
}
