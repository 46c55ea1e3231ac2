//! `tf::io::decode_jpeg` against TensorFlow 2.21's `tf.io.decode_jpeg` (libjpeg-turbo) on
//! baseline and progressive, gray and subsampled color files (`tests/golden/gen_jpeg.py` →
//! `jpeg.json` and `tests/golden/data/jpeg/`), and `decode_image`'s format detection.

mod common;

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/golden/data/jpeg/{name}", env!("CARGO_MANIFEST_DIR"))).expect("JPEG file")
}

/// Every pixel within 2 levels of TensorFlow's `dct_method="INTEGER_ACCURATE"` decoding, and
/// on average within half a level (the inverse DCT and the chroma upsampling round
/// differently from libjpeg-turbo's); TensorFlow's default fast integer DCT is itself coarser,
/// and lies within 6 levels (1.5 on average).
#[test]
fn decodes_as_tensorflow_does_within_rounding() {
    let cases = common::golden_json("jpeg.json");
    let cases = cases.as_array().expect("cases");
    assert_eq!(cases.len(), 15);
    for c in cases {
        let (name, channels) = (
            c["file"].as_str().expect("file"),
            c["channels"].as_u64().expect("channels") as usize,
        );
        let img = tf::io::decode_jpeg(&file(name), channels).unwrap_or_else(|e| panic!("{name}: {e}"));
        let shape = common::usizes(&c["shape"], "shape");
        assert_eq!(img.shape().dims(), &shape[..], "{name} channels={channels}");
        let got: Vec<i32> = img.to_vec::<u8>().iter().map(|&v| v as i32).collect();
        for (key, worst_allowed, mean_allowed) in [("data", 2, 0.5), ("default_data", 6, 1.5)] {
            let want: Vec<i32> = c[key]
                .as_array()
                .expect("data")
                .iter()
                .map(|v| v.as_i64().expect("byte") as i32)
                .collect();
            let diffs: Vec<i32> = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).collect();
            let (worst, mean) = (
                *diffs.iter().max().expect("pixels"),
                diffs.iter().sum::<i32>() as f64 / diffs.len() as f64,
            );
            assert!(
                worst <= worst_allowed && mean <= mean_allowed,
                "{name} channels={channels} against {key}: worst difference {worst}, mean {mean:.3}"
            );
        }
    }
}

#[test]
fn decode_image_tells_the_formats_apart() {
    let jpeg = file("tf_gray.jpg");
    assert_eq!(tf::io::decode_image(&jpeg, 0).unwrap().shape().dims(), &[9, 20, 1]);
    assert_eq!(tf::io::decode_image(&jpeg, 3).unwrap().shape().dims(), &[9, 20, 3]);
    let e = tf::io::decode_image(b"GIF89a....", 0).unwrap_err().to_string();
    assert!(e.contains("GIF images are not supported"), "{e}");
    let e = tf::io::decode_image(b"hello", 0).unwrap_err().to_string();
    assert!(e.contains("unknown image format"), "{e}");
    let e = tf::io::decode_jpeg(&jpeg, 4).unwrap_err().to_string();
    assert!(e.contains("`channels` must be 0, 1 or 3 but got 4"), "{e}");
    // A truncated JPEG is an error, never a panic.
    for n in [2, 20, jpeg.len() / 2] {
        assert!(tf::io::decode_jpeg(&jpeg[..n], 0).is_err(), "{n} bytes");
    }
}

/// A header forged to claim a 65,000 x 65,000 image is an error, not a 12 GB allocation.
#[test]
fn a_forged_size_is_refused() {
    let mut jpeg = file("tf_rgb_420.jpg");
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline frame header");
    // FFC0, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
    assert!(tf::io::decode_jpeg(&jpeg, 0).is_err());
}
