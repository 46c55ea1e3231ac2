//! `.npy` / `.npz` against files written by NumPy itself (`tests/golden/gen_npy.py`).

use tf::data::{load_npy, load_npz, parse_npy, save_npy, Dataset};

fn golden(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/data")
        .join(name)
}

#[test]
fn reads_numpys_arrays() {
    let a = load_npy(golden("f32_2x3.npy")).unwrap();
    assert_eq!((a.dtype(), a.shape().dims()), (tf::float32, &[2usize, 3][..]));
    assert_eq!(a.to_vec::<f32>(), vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.25]);
    assert_eq!(load_npy(golden("i64_vec.npy")).unwrap().to_vec::<i64>(), vec![-3, 0, 7, 1 << 40]);
    let f = load_npy(golden("u8_fortran.npy")).unwrap();
    assert_eq!((f.shape().dims(), f.to_vec::<u8>()), (&[2usize, 3][..], vec![0, 1, 2, 3, 4, 5]));
    let s = load_npy(golden("bool_scalar.npy")).unwrap();
    assert_eq!((s.rank(), s.scalar::<bool>()), (0, true));
    assert_eq!(load_npy(golden("f64_big_endian.npy")).unwrap().to_vec::<f64>(), vec![1.5, -2.25]);
}

#[test]
fn reads_both_npz_flavours_into_a_dataset() {
    for file in ["pair.npz", "pair_compressed.npz"] {
        let m = load_npz(golden(file)).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), vec!["x", "y"]);
        assert_eq!(m["x"].to_vec::<i32>(), (0..12).collect::<Vec<_>>());
        assert_eq!(m["y"].to_vec::<f64>(), vec![0.5, 1.5, 2.5]);
        let ds = Dataset::from_tensor_slices((m["x"].clone(), m["y"].clone())).unwrap();
        let rows: Vec<_> = ds.iter().map(Result::unwrap).collect();
        assert_eq!(rows[2].0.to_vec::<i32>(), vec![8, 9, 10, 11]);
    }
}

#[test]
fn saved_files_round_trip_and_match_numpys_layout() {
    let dir = std::env::temp_dir().join(format!("tf-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("a.npy");
    let a = load_npy(golden("f32_2x3.npy")).unwrap();
    save_npy(&p, &a).unwrap();
    // NumPy writes version 1.0 with the same header for this array: the bytes agree.
    assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(golden("f32_2x3.npy")).unwrap());
    for t in [
        tf::constant([true, false]),
        tf::constant(7i64),
        tf::reshape(&tf::range((0u8, 24, 1)), [2, 3, 4]),
    ] {
        save_npy(&p, &t).unwrap();
        let back = load_npy(&p).unwrap();
        assert_eq!((back.dtype(), back.shape()), (t.dtype(), t.shape()));
        assert_eq!(back.buffer(), t.buffer());
    }
}

#[test]
fn damaged_files_are_errors_naming_the_problem() {
    let bytes = std::fs::read(golden("f32_2x3.npy")).unwrap();
    for cut in [0, 5, 9, 40, bytes.len() - 1] {
        let err = parse_npy(&bytes[..cut], "cut.npy").unwrap_err().to_string();
        assert!(err.starts_with("DataLoss: cut.npy"), "cut at {cut}: {err}");
    }
    let npz = std::fs::read(golden("pair_compressed.npz")).unwrap();
    let dir = std::env::temp_dir().join(format!("tf-npz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.npz");
    for at in (0..npz.len()).step_by(7) {
        let mut b = npz.clone();
        b[at] ^= 0x55;
        std::fs::write(&p, &b).unwrap();
        // Either an error, or (a flip in bytes the checksums do not cover: zip metadata such
        // as a member's name) arrays whose data is still right.
        if let Ok(m) = load_npz(&p) {
            for t in m.values() {
                let right = t.dtype() == tf::int32 && t.to_vec::<i32>() == (0..12).collect::<Vec<_>>()
                    || t.dtype() == tf::float64 && t.to_vec::<f64>() == vec![0.5, 1.5, 2.5];
                assert!(right, "flip at {at} gave wrong data: {t}");
            }
        }
    }
    assert!(load_npy(dir.join("absent.npy")).unwrap_err().to_string().contains("absent.npy"));
}
