//! TFRecord interoperability with a file written by TensorFlow itself
//! (`tests/golden/gen_tfrecord.py`), and robustness: truncation at every byte and a flipped
//! byte anywhere are errors naming the file and record, never garbage.

use tf::data::{tfrecord_dataset, TFRecordWriter};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/data/records.tfrecord");

fn records() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        Vec::new(),
        (0..=255u8).collect(),
        vec![b'x'; 1000],
        "tf.data \u{e9}\u{e8}".as_bytes().to_vec(),
    ]
}

fn read(path: &std::path::Path) -> Vec<tf::Result<Vec<u8>>> {
    tfrecord_dataset(&[path]).iter().collect()
}

#[test]
fn reads_tensorflows_file_and_writes_it_byte_for_byte() {
    let got: Vec<Vec<u8>> = read(GOLDEN.as_ref()).into_iter().map(Result::unwrap).collect();
    assert_eq!(got, records());
    let dir = tempdir();
    let path = dir.join("ours.tfrecord");
    let mut w = TFRecordWriter::create(&path).unwrap();
    for r in records() {
        w.write(&r).unwrap();
    }
    w.close().unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(GOLDEN).unwrap(),
        "TensorFlow reads what we write"
    );
}

#[test]
fn truncation_anywhere_is_an_error_or_a_clean_prefix() {
    let bytes = std::fs::read(GOLDEN).unwrap();
    let want = records();
    let boundaries: Vec<usize> = want
        .iter()
        .scan(0, |at, r| {
            *at += 16 + r.len();
            Some(*at)
        })
        .collect();
    let dir = tempdir();
    let path = dir.join("cut.tfrecord");
    for cut in 0..bytes.len() {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let items = read(&path);
        let ok: Vec<&Vec<u8>> = items.iter().take_while(|r| r.is_ok()).map(|r| r.as_ref().unwrap()).collect();
        for (i, r) in ok.iter().enumerate() {
            assert_eq!(**r, want[i], "cut at {cut}: record {i} differs");
        }
        if cut == 0 || boundaries.contains(&cut) {
            assert!(items.iter().all(Result::is_ok), "cut at a record boundary {cut} must read cleanly");
        } else {
            let err = items.last().unwrap().as_ref().unwrap_err().to_string();
            assert!(
                err.starts_with("DataLoss") && err.contains("cut.tfrecord") && err.contains("truncated"),
                "cut at {cut}: {err}"
            );
        }
    }
}

#[test]
fn a_flipped_byte_anywhere_is_detected() {
    let bytes = std::fs::read(GOLDEN).unwrap();
    let want = records();
    let dir = tempdir();
    let path = dir.join("flip.tfrecord");
    for at in 0..bytes.len() {
        let mut b = bytes.clone();
        b[at] ^= 0x40;
        std::fs::write(&path, &b).unwrap();
        let items = read(&path);
        assert!(items.iter().any(Result::is_err), "flip at {at} went unnoticed");
        for (i, r) in items.iter().take_while(|r| r.is_ok()).enumerate() {
            assert_eq!(r.as_ref().unwrap(), &want[i], "flip at {at} produced a wrong record {i}");
        }
    }
}

#[test]
fn an_unclosed_writer_leaves_the_old_file_and_missing_files_are_errors() {
    let dir = tempdir();
    let path = dir.join("keep.tfrecord");
    std::fs::copy(GOLDEN, &path).unwrap();
    {
        let mut w = TFRecordWriter::create(&path).unwrap();
        w.write(b"partial").unwrap();
        // dropped without close(): an interrupted write
    }
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(GOLDEN).unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "the interrupted write left {leftovers:?}");
    let err = read(&dir.join("absent.tfrecord")).pop().unwrap().unwrap_err().to_string();
    assert!(err.starts_with("NotFound") && err.contains("absent.tfrecord"), "{err}");
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tf-tfrecord-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
