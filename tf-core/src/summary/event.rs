//! The bytes TensorBoard reads: `Event`, `Summary.Value` with a `TensorProto` and its plugin
//! metadata, laid out field for field as TensorFlow 2's summary ops write them; the histogram
//! buckets of TensorBoard's `histogram` summary; PNG encoding for `image`.

use crate::proto::Enc;
use crate::{DType, Tensor};

/// `DataType` enum values of `tensorflow/core/framework/types.proto`.
const DT_FLOAT: i64 = 1;
const DT_DOUBLE: i64 = 2;
const DT_STRING: i64 = 7;

/// The first record of every event file.
pub(crate) fn file_version(wall_time: f64) -> Vec<u8> {
    let mut e = Enc(Vec::new());
    e.double(1, wall_time).bytes(3, b"brain.Event:2").message(10, |m| {
        m.bytes(1, b"tf-rs.summary");
    });
    e.0
}

/// An `Event` holding one summary value.
pub(crate) fn summary_event(wall_time: f64, step: i64, value: &[u8]) -> Vec<u8> {
    let mut e = Enc(Vec::new());
    e.double(1, wall_time).varint(2, step).message(5, |s| {
        s.bytes(1, value);
    });
    e.0
}

/// An `Event` holding a serialized `GraphDef`.
pub(crate) fn graph_event(wall_time: f64, graph_def: &[u8]) -> Vec<u8> {
    let mut e = Enc(Vec::new());
    e.double(1, wall_time).bytes(4, graph_def);
    e.0
}

/// What a `TensorProto` holds.
pub(crate) enum Payload<'a> {
    /// Little-endian values in `tensor_content`, with their dtype and shape.
    Content(i64, &'a [usize], Vec<u8>),
    /// `string_val` entries with the shape.
    Strings(&'a [usize], Vec<Vec<u8>>),
}

/// A `Summary.Value`: `tag`, `tensor`, then `metadata` (the plugin name), in TensorFlow's
/// field order.
pub(crate) fn value(tag: &str, plugin: &str, payload: &Payload) -> Vec<u8> {
    let mut v = Enc(Vec::new());
    v.bytes(1, tag.as_bytes());
    v.message(8, |t| match payload {
        Payload::Content(dtype, dims, bytes) => {
            t.varint(1, *dtype).shape(2, dims).bytes(4, bytes);
        }
        Payload::Strings(dims, items) => {
            t.varint(1, DT_STRING).shape(2, dims);
            for s in items {
                t.bytes(8, s);
            }
        }
    });
    v.message(9, |m| {
        m.message(1, |p| {
            p.bytes(1, plugin.as_bytes());
        });
    });
    v.0
}

/// A float32 scalar payload (the `scalars` plugin).
pub(crate) fn scalar(v: f32) -> Payload<'static> {
    Payload::Content(DT_FLOAT, &[], v.to_le_bytes().to_vec())
}

/// The `[k, 3]` float64 payload (`left edge, right edge, count` per bucket) of TensorBoard's
/// `histogram` summary over `data`, bucketed as its `_buckets` does: `k` equal-width buckets
/// from the minimum to the maximum, the maximum counted in the last; a single distinct value
/// puts every count in the last bucket; no data gives zeros.
pub(crate) fn histogram(data: &[f64], k: usize) -> (Vec<usize>, Vec<f64>) {
    let mut out = vec![0.0; k * 3];
    if data.is_empty() || k == 0 {
        return (vec![k, 3], out);
    }
    let (min, max) = data
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let range = max - min;
    if range == 0.0 {
        for b in 0..k {
            out[b * 3] = min;
            out[b * 3 + 1] = min;
        }
        out[(k - 1) * 3 + 2] = data.len() as f64;
        return (vec![k, 3], out);
    }
    let width = range / k as f64;
    for &x in data {
        let b = (((x - min) / width).floor() as usize).min(k - 1);
        out[b * 3 + 2] += 1.0;
    }
    // tf.linspace(min, max, k + 1) (start + i * step) with the last edge exactly max.
    let edge = |i: usize| if i == k { max } else { min + width * i as f64 };
    for b in 0..k {
        out[b * 3] = edge(b);
        out[b * 3 + 1] = edge(b + 1);
    }
    (vec![k, 3], out)
}

/// The float64 payload of a histogram.
pub(crate) fn doubles<'a>(dims: &'a [usize], v: &[f64]) -> Payload<'a> {
    Payload::Content(DT_DOUBLE, dims, v.iter().flat_map(|x| x.to_le_bytes()).collect())
}

/// The pixels of image `i` of a `[k, h, w, c]` batch as bytes: `uint8` as is, floats in
/// [0, 1] scaled as `tf.image.convert_image_dtype` does (`x * 255.5`, saturated, truncated).
pub(crate) fn pixels(images: &Tensor, i: usize) -> Vec<u8> {
    let per: usize = images.shape().dims()[1..].iter().product();
    let range = i * per..(i + 1) * per;
    match images.dtype() {
        DType::U8 => images.data::<u8>()[range].to_vec(),
        DType::F32 => images.data::<f32>()[range]
            .iter()
            .map(|&x| (f64::from(x) * 255.5).clamp(0.0, 255.0) as u8)
            .collect(),
        DType::F64 => images.data::<f64>()[range]
            .iter()
            .map(|&x| (x * 255.5).clamp(0.0, 255.0) as u8)
            .collect(),
        d => unreachable!("image dtype {d} is rejected before encoding"),
    }
}

/// An 8-bit PNG of `h` rows of `w` pixels with `c` channels (see [`crate::io::encode_png`]).
pub(crate) fn png(px: &[u8], h: usize, w: usize, c: usize) -> Vec<u8> {
    crate::io::encode_png_pixels(px, h, w, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from TensorFlow 2.21's `tf.summary.histogram` (tests/golden/summary/gen.py).
    #[test]
    fn buckets_as_tensorboard() {
        let (dims, v) = histogram(&[0.0, 1.0, 1.0, 2.5, 4.0, -1.0, 3.0], 4);
        assert_eq!(dims, [4, 3]);
        assert_eq!(v, [-1.0, 0.25, 2.0, 0.25, 1.5, 2.0, 1.5, 2.75, 1.0, 2.75, 4.0, 2.0]);
        let (_, v) = histogram(&[2.0, 2.0, 2.0], 3);
        assert_eq!(v, [2.0, 2.0, 0.0, 2.0, 2.0, 0.0, 2.0, 2.0, 3.0]);
        assert_eq!(histogram(&[], 2).1, [0.0; 6]);
    }

    #[test]
    fn png_chunks_are_well_formed() {
        let p = png(&[0, 23, 46, 69, 92, 116], 2, 3, 1);
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&p[12..16], b"IHDR");
        assert_eq!(&p[16..24], &[0, 0, 0, 3, 0, 0, 0, 2]);
        // The IHDR CRC covers type and data.
        let crc = u32::from_be_bytes(p[29..33].try_into().unwrap());
        assert_eq!(crc, crate::data::npy::crc32(&p[12..29]));
        assert_eq!(&p[p.len() - 12..], b"\0\0\0\0IEND\xaeB`\x82");
    }
}
