//! `keras::datasets` loaders: a tiny MNIST-format set gzip-compressed by Python
//! (`tests/golden/gen_idx.py`), damaged and missing files, and the real Fashion-MNIST where
//! Debian's `dataset-fashion-mnist` is installed (CI installs it).

use tf::keras::datasets::{fashion_mnist, mnist};

fn mini() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/data/mnist-mini")
}

#[test]
fn loads_idx_gz_files() {
    let ((x, y), (xt, yt)) = mnist::load_data_from(mini()).unwrap();
    assert_eq!((x.dtype(), x.shape().dims()), (tf::uint8, &[3usize, 28, 28][..]));
    assert_eq!(y.to_vec::<u8>(), vec![9, 0, 4]);
    assert_eq!(xt.shape().dims(), &[2, 28, 28]);
    assert_eq!(yt.to_vec::<u8>(), vec![1, 7]);
    let px = x.to_vec::<u8>();
    assert_eq!((px[0], px[1], px[28], px[784]), (0, 1, 28, 7));
}

#[test]
fn damaged_or_missing_files_are_errors_naming_them() {
    let dir = std::env::temp_dir().join(format!("tf-idx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in std::fs::read_dir(mini()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
    }
    let victim = dir.join("train-labels-idx1-ubyte.gz");
    let mut b = std::fs::read(&victim).unwrap();
    let n = b.len();
    b[n - 6] ^= 0x01; // the CRC-32 trailer no longer matches
    std::fs::write(&victim, &b).unwrap();
    let e = mnist::load_data_from(&dir).unwrap_err().to_string();
    assert!(e.starts_with("DataLoss") && e.contains("train-labels-idx1-ubyte.gz"), "{e}");
    std::fs::write(&victim, &b[..n / 2]).unwrap();
    assert!(mnist::load_data_from(&dir)
        .unwrap_err()
        .to_string()
        .contains("train-labels-idx1-ubyte.gz"));
    std::fs::remove_file(&victim).unwrap();
    let e = mnist::load_data_from(&dir).unwrap_err().to_string();
    assert!(e.contains("train-labels-idx1-ubyte.gz"), "{e}");
    if !std::path::Path::new("/usr/share/datasets/mnist").exists() && std::env::var_os("KERAS_HOME").is_none() {
        let e = mnist::load_data().unwrap_err().to_string();
        assert!(
            e.starts_with("NotFound") && e.contains("/usr/share/datasets/mnist") && e.contains("apt-get install -y dataset-mnist"),
            "{e}"
        );
    }
}

#[test]
fn real_fashion_mnist_when_installed() {
    if !std::path::Path::new("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").exists() {
        eprintln!("skipped: Fashion-MNIST is not installed (apt-get install -y dataset-fashion-mnist)");
        return;
    }
    let ((x, y), (xt, yt)) = fashion_mnist::load_data().unwrap();
    assert_eq!(x.shape().dims(), &[60000, 28, 28]);
    assert_eq!(xt.shape().dims(), &[10000, 28, 28]);
    // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
    for (labels, per) in [(&y, 6000), (&yt, 1000)] {
        let mut counts = [0usize; 10];
        for &l in labels.to_vec::<u8>().iter() {
            counts[l as usize] += 1;
        }
        assert_eq!(counts, [per; 10]);
    }
}
