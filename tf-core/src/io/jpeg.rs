//! JPEG decoding (`tf.io.decode_jpeg`): baseline and progressive, gray and YCbCr, with
//! libjpeg's fancy upsampling of subsampled chroma (through the `jpeg-decoder` crate).

use crate::{Error, Result, Tensor};
use jpeg_decoder::{Decoder, PixelFormat};

/// The largest image (in decoded bytes) a JPEG may describe: 2 GiB.
const MAX_DECODED_BYTES: usize = 1 << 31;

/// `tf.io.decode_jpeg(contents, channels=0)`: a `[height, width, channels]` uint8 image.
/// `channels` 0 keeps the file's (1 for gray, 3 for color), 1 gray (a color file's luma), 3
/// RGB. Pixels agree with TensorFlow's libjpeg-turbo decoding with
/// `dct_method="INTEGER_ACCURATE"` to within 2 levels (the inverse DCT and the chroma
/// upsampling round differently), and with its default fast DCT to within about 6.
///
/// ```
/// use tf_core as tf;
/// let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/golden/data/jpeg/tf_rgb_420.jpg")).unwrap();
/// let img = tf::io::decode_jpeg(&bytes, 0).unwrap();
/// assert_eq!(img.shape().dims(), &[13, 17, 3]);
/// assert_eq!(tf::io::decode_jpeg(&bytes, 1).unwrap().shape().dims(), &[13, 17, 1]);
/// ```
///
/// # Errors
/// `DataLoss` for bytes that are not a decodable JPEG, naming the decoder's complaint (an
/// image over 2 GiB decoded included);
/// `InvalidArgument` for `channels` other than 0, 1 and 3 (TensorFlow's rule);
/// `Unimplemented` for a CMYK JPEG.
pub fn decode_jpeg(contents: &[u8], channels: usize) -> Result<Tensor> {
    if !matches!(channels, 0 | 1 | 3) {
        return Err(Error::InvalidArgument(format!(
            "decode_jpeg: `channels` must be 0, 1 or 3 but got {channels}"
        )));
    }
    let bad = |e: jpeg_decoder::Error| Error::DataLoss(format!("decode_jpeg: {e}"));
    let mut probe = Decoder::new(contents);
    probe.read_info().map_err(bad)?;
    let info = probe.info().ok_or_else(|| Error::DataLoss("decode_jpeg: no frame header".into()))?;
    let (h, w) = (info.height as usize, info.width as usize);
    // Every 8x8 luma block costs at least one bit (its DC code), and the decoded image must
    // stay under the cap: a forged header is refused before any decoding work.
    let blocks = (w.div_ceil(8) as u64) * (h.div_ceil(8) as u64);
    if (contents.len() as u64) * 8 < blocks || (w * h * 3) as u64 > MAX_DECODED_BYTES as u64 {
        return Err(Error::DataLoss(format!(
            "decode_jpeg: {} bytes cannot hold a {w}x{h} image (truncated, forged, or over 2 GiB decoded)",
            contents.len()
        )));
    }
    let native = if info.pixel_format == PixelFormat::L8 || info.pixel_format == PixelFormat::L16 {
        1
    } else {
        3
    };
    let want = if channels == 0 { native } else { channels };
    // The decoder is third-party code on untrusted bytes: a panic in it is a damaged file.
    let px = std::panic::catch_unwind(|| {
        let mut dec = Decoder::new(contents);
        // A forged header must not make the decoder allocate without bound.
        dec.set_max_decoding_buffer_size(MAX_DECODED_BYTES);
        dec.decode()
    })
    .map_err(|_| Error::DataLoss("decode_jpeg: the decoder failed on malformed data".into()))?
    .map_err(bad)?;
    let out: Vec<u8> = match (info.pixel_format, want) {
        (PixelFormat::L8, 1) => px,
        (PixelFormat::L8, _) => px.iter().flat_map(|&g| [g, g, g]).collect(),
        (PixelFormat::L16, w) => px.chunks(2).flat_map(|c| std::iter::repeat_n(c[0], w)).collect(),
        (PixelFormat::RGB24, 3) => px,
        // Gray from color: libjpeg hands over the luma channel; from RGB that is BT.601's sum.
        (PixelFormat::RGB24, _) => px
            .chunks(3)
            .map(|c| ((19595 * c[0] as u32 + 38470 * c[1] as u32 + 7471 * c[2] as u32 + 32768) >> 16) as u8)
            .collect(),
        (PixelFormat::CMYK32, _) => {
            return Err(Error::Unimplemented("decode_jpeg: CMYK JPEGs are not supported".into()));
        }
    };
    Tensor::from_vec(out, [h, w, want])
}
