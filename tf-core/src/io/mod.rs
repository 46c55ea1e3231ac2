//! `tf.io`: image file formats (PNG now), read from and written to bytes.

mod png;

pub use png::{decode_png, encode_png};
pub(crate) use png::encode as encode_png_pixels;
