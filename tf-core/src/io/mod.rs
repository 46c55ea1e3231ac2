//! `tf.io`: image file formats (PNG, JPEG), read from and written to bytes.

mod jpeg;
mod png;

pub use jpeg::decode_jpeg;
pub(crate) use png::encode as encode_png_pixels;
pub use png::{decode_png, encode_png};

use crate::{Error, Result, Tensor};

/// `tf.io.decode_image(contents, channels=0, expand_animations=False)`: a PNG or JPEG, told
/// apart by its first bytes, as `[height, width, channels]` uint8.
///
/// ```
/// use tf_core as tf;
/// let png = tf::io::encode_png(&tf::zeros([2, 2, 3], tf::uint8)).unwrap();
/// assert_eq!(tf::io::decode_image(&png, 0).unwrap().shape().dims(), &[2, 2, 3]);
/// ```
///
/// # Errors
/// As [`decode_png`] and [`decode_jpeg`]; `Unimplemented` for GIF and BMP files, and
/// `InvalidArgument` for bytes of no known image format.
pub fn decode_image(contents: &[u8], channels: usize) -> Result<Tensor> {
    match contents {
        [0x89, b'P', b'N', b'G', ..] => decode_png(contents, channels),
        [0xFF, 0xD8, 0xFF, ..] => decode_jpeg(contents, channels),
        [b'G', b'I', b'F', b'8', ..] => Err(Error::Unimplemented(
            "decode_image: GIF images are not supported (PNG and JPEG are)".into(),
        )),
        [b'B', b'M', ..] => Err(Error::Unimplemented(
            "decode_image: BMP images are not supported (PNG and JPEG are)".into(),
        )),
        _ => Err(Error::InvalidArgument(
            "decode_image: unknown image format; the data is not PNG or JPEG".into(),
        )),
    }
}
