//! `tf::io::decode_png` against TensorFlow 2.21's `tf.io.decode_png` on files of every color
//! type, bit depth, row filter and interlacing (`tests/golden/gen_png.py` → `png.json` and
//! `tests/golden/data/png/`), PNG round trips, and damaged files.

mod common;

fn golden() -> serde_json::Value {
    common::golden_json("png.json")
}

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/golden/data/png/{name}", env!("CARGO_MANIFEST_DIR"))).expect("PNG file")
}

#[test]
fn decodes_as_tensorflow_does() {
    let cases = golden();
    let cases = cases.as_array().expect("cases");
    assert_eq!(cases.len(), 76);
    for c in cases {
        let (name, channels) = (
            c["file"].as_str().expect("file"),
            c["channels"].as_u64().expect("channels") as usize,
        );
        let img = tf::io::decode_png(&file(name), channels).unwrap_or_else(|e| panic!("{name}: {e}"));
        let shape = common::usizes(&c["shape"], "shape");
        assert_eq!(img.shape().dims(), &shape[..], "{name} channels={channels}");
        let want: Vec<u8> = c["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|v| v.as_u64().expect("byte") as u8)
            .collect();
        let got = img.to_vec::<u8>();
        if let Some(i) = got.iter().zip(&want).position(|(a, b)| a != b) {
            panic!("{name} channels={channels}: byte {i} is {}, TensorFlow {}", got[i], want[i]);
        }
    }
}

#[test]
fn encode_then_decode_round_trips_every_channel_count() {
    for c in [1usize, 2, 3, 4] {
        let px: Vec<u8> = (0..5 * 7 * c).map(|i| (i * 37 % 256) as u8).collect();
        let img = tf::Tensor::from_vec(px, [5, 7, c]).expect("shape");
        let png = tf::io::encode_png(&img).expect("encodes");
        assert_eq!(
            tf::io::decode_png(&png, 0).expect("decodes").to_vec::<u8>(),
            img.to_vec::<u8>(),
            "{c} channels"
        );
    }
    let e = tf::io::encode_png(&tf::zeros([2, 2, 5], tf::uint8)).unwrap_err().to_string();
    assert!(e.contains("1 to 4 channels"), "{e}");
}

#[test]
fn damaged_files_are_errors_naming_the_damage() {
    let good = file("rgb8_filters.png");
    let err = |bytes: &[u8]| tf::io::decode_png(bytes, 0).unwrap_err().to_string();
    assert!(err(b"GIF89a").contains("not a PNG"));
    // Every truncation is an error, never a panic or a partial image.
    for n in 8..good.len() {
        let _ = err(&good[..n]);
    }
    let mut flipped = good.clone();
    flipped[40] ^= 0x10;
    let e = err(&flipped);
    assert!(e.contains("fails its CRC"), "{e}");
    let e = tf::io::decode_png(&good, 2).unwrap_err().to_string();
    assert!(e.contains("`channels` must be 0, 1, 3 or 4 but got 2"), "{e}");
}

/// CRC-32 (PNG's), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A header claiming a huge image, or image data inflating past what the header implies
/// (a zlib bomb), is refused before anything that large is allocated.
#[test]
fn forged_sizes_are_refused_without_allocating_them() {
    let mut png = tf::io::encode_png(&tf::zeros([2, 2, 1], tf::uint8)).expect("encodes");
    // IHDR data sits at bytes 16..29, its CRC at 29..33.
    png[16..20].copy_from_slice(&1_000_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&1_000_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let e = tf::io::decode_png(&png, 0).unwrap_err().to_string();
    assert!(e.contains("are needed"), "{e}");
    // Interlaced too (its passes would otherwise be scattered into a full-size buffer).
    png[28] = 1;
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let e = tf::io::decode_png(&png, 0).unwrap_err().to_string();
    assert!(e.contains("are needed"), "{e}");
    // Data inflating past what a 2x2 header implies.
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        bomb.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let body: Vec<u8> = kind.iter().chain(data).copied().collect();
        bomb.extend_from_slice(&body);
        bomb.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 0]);
    let z = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 1 << 20], 9);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    let e = tf::io::decode_png(&bomb, 0).unwrap_err().to_string();
    assert!(e.contains("does not inflate to the 6 bytes its header implies"), "{e}");
}
