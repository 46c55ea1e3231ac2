//! `keras::utils::image_dataset_from_directory` against Keras (tf_keras 2.21) on a small
//! folder (`tests/golden/gen_image_dataset.py` → `image_dataset.json` and
//! `tests/golden/data/images/`), its splits and errors, and a model trained from a folder.

mod common;

use std::path::{Path, PathBuf};
use tf::keras::utils::{image_dataset_from_directory, ColorMode, ImageDatasetArgs, LabelMode, Subset};
use tf::keras::{self, layers::*, FitArgs};
use tf::Tensor;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/data/images")
}

fn quiet() -> ImageDatasetArgs {
    ImageDatasetArgs {
        verbose: false,
        ..Default::default()
    }
}

/// Unshuffled, one image at a time: the class names, file order, labels and resized pixels
/// equal Keras's.
#[test]
fn loads_what_keras_loads() {
    let cases = common::golden_json("image_dataset.json");
    for c in cases.as_array().expect("cases") {
        let kw = &c["kw"];
        let size: Vec<usize> = kw["image_size"]
            .as_array()
            .expect("size")
            .iter()
            .map(|v| v.as_u64().expect("dim") as usize)
            .collect();
        let mut args = ImageDatasetArgs {
            shuffle: false,
            batch_size: None,
            image_size: [size[0], size[1]],
            ..quiet()
        };
        match kw["color_mode"].as_str() {
            Some("grayscale") => args.color_mode = ColorMode::Grayscale,
            Some("rgba") => args.color_mode = ColorMode::Rgba,
            _ => {}
        }
        if kw["label_mode"].as_str() == Some("categorical") {
            args.label_mode = LabelMode::Categorical;
        }
        if kw["interpolation"].as_str() == Some("nearest") {
            args.interpolation = tf::image::ResizeMethod::Nearest;
        }
        args.crop_to_aspect_ratio = kw["crop_to_aspect_ratio"].as_bool().unwrap_or(false);
        let ds = image_dataset_from_directory(root(), args).expect("loads");
        assert_eq!(serde_json::to_value(&ds.class_names).expect("names"), c["class_names"], "{kw}");
        let rel: Vec<String> = ds
            .file_paths
            .iter()
            .map(|p| p.strip_prefix(root()).expect("under root").to_string_lossy().into_owned())
            .collect();
        assert_eq!(serde_json::to_value(&rel).expect("paths"), c["file_paths"], "{kw}");
        let items: Vec<(Tensor, Tensor)> = ds.dataset.iter().map(|r| r.expect("an element")).collect();
        assert_eq!(items.len(), 6);
        for (k, (x, y)) in items.iter().enumerate() {
            let shape: Vec<usize> = c["shapes"][k]
                .as_array()
                .expect("shape")
                .iter()
                .map(|v| v.as_u64().expect("dim") as usize)
                .collect();
            assert_eq!(x.shape().dims(), &shape[..], "{kw} image {k}");
            for (i, (a, b)) in x.to_vec::<f32>().iter().zip(c["images"][k].as_array().expect("pixels")).enumerate() {
                let b = b.as_f64().expect("value");
                assert!(
                    (*a as f64 - b).abs() <= 1e-3 * (1.0 + b.abs()),
                    "{kw} image {k} value {i}: {a}, Keras {b}"
                );
            }
            let y: Vec<f64> = tf::cast(y, tf::float64).to_vec::<f64>();
            let want: Vec<f64> = c["labels"][k]
                .as_array()
                .expect("label")
                .iter()
                .map(|v| v.as_f64().expect("number"))
                .collect();
            assert_eq!(y, want, "{kw} label {k}");
        }
    }
}

/// With a seed, the training and validation subsets split the shuffled files: disjoint,
/// together all of them, the validation part `int(split · n)` files.
#[test]
fn validation_split_partitions_the_shuffled_files() {
    let subset = |s| {
        let args = ImageDatasetArgs {
            validation_split: Some(0.34),
            subset: Some(s),
            seed: Some(3),
            ..quiet()
        };
        image_dataset_from_directory(root(), args).expect("loads").file_paths
    };
    let (train, val) = (subset(Subset::Training), subset(Subset::Validation));
    assert_eq!((train.len(), val.len()), (4, 2));
    let mut all: Vec<PathBuf> = train.iter().chain(&val).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 6, "disjoint and complete");
    let unshuffled = image_dataset_from_directory(root(), ImageDatasetArgs { shuffle: false, ..quiet() })
        .expect("loads")
        .file_paths;
    assert_ne!(train.iter().chain(&val).cloned().collect::<Vec<_>>(), unshuffled, "shuffled once");
}

#[test]
fn settings_keras_refuses_are_errors() {
    let err = |args: ImageDatasetArgs| image_dataset_from_directory(root(), args).err().expect("an error").to_string();
    let e = err(ImageDatasetArgs {
        validation_split: Some(0.2),
        subset: Some(Subset::Training),
        ..quiet()
    });
    assert!(e.contains("you must provide a `seed` argument"), "{e}");
    let e = err(ImageDatasetArgs {
        validation_split: Some(0.2),
        ..quiet()
    });
    assert!(e.contains("`validation_split` must be set, and inversely"), "{e}");
    let e = err(ImageDatasetArgs {
        label_mode: LabelMode::Binary,
        ..quiet()
    });
    assert!(e.contains("there must be exactly 2 class_names"), "{e}");
    let e = err(ImageDatasetArgs {
        class_names: Some(vec!["cat".into(), "dog".into()]),
        ..quiet()
    });
    assert!(e.contains("did not match the names of the subdirectories"), "{e}");
    let e = image_dataset_from_directory(root().join("missing"), quiet())
        .err()
        .expect("an error")
        .to_string();
    assert!(e.contains("missing"), "{e}");
}

/// A folder with a damaged file: the error names it when the pipeline reaches it. A model
/// trains from a good folder through `fit`, as Keras's image classification tutorial does.
#[test]
fn a_model_trains_from_a_folder_and_damaged_files_are_named() {
    let _g = common::seed_lock();
    tf::random::set_seed(4);
    let dir = std::env::temp_dir().join(format!("tf-image-folder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (class, level) in [("dark", 30.0f32), ("light", 220.0)] {
        std::fs::create_dir_all(dir.join(class)).expect("dir");
        for i in 0..12 {
            let noise = tf::random::uniform(&[10, 10, 3], -20.0, 20.0, tf::float32, Some(i));
            let img = tf::cast(&(&noise + level), tf::uint8);
            std::fs::write(dir.join(class).join(format!("{i}.png")), tf::io::encode_png(&img).expect("png")).expect("write");
        }
    }
    let args = ImageDatasetArgs {
        image_size: [8, 8],
        batch_size: Some(8),
        seed: Some(1),
        ..quiet()
    };
    let ds = image_dataset_from_directory(&dir, args.clone()).expect("loads");
    let mut model = keras::sequential![
        Rescaling::new(1.0 / 255.0, 0.0).input_shape([8, 8, 3]),
        // tanh, not relu: four relu filters can all start dead on these all-positive inputs.
        Conv2D::new(4, 3).activation("tanh"),
        GlobalAveragePooling2D::new(),
        Dense::new(2)
    ];
    model.compile(
        keras::optimizers::Adam::new(0.05),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let h = model
        .fit(
            &ds.dataset,
            FitArgs {
                epochs: 8,
                verbose: 0,
                ..Default::default()
            },
        )
        .expect("fit");
    assert!(h["accuracy"][7] > 0.9, "accuracy {:?}", h["accuracy"]);
    std::fs::write(dir.join("light").join("broken.png"), b"\x89PNG\r\n\x1a\nnot really").expect("write");
    let ds = image_dataset_from_directory(&dir, ImageDatasetArgs { shuffle: false, ..args }).expect("lists");
    let e = ds.dataset.iter().find_map(|r| r.err()).expect("the damaged file fails").to_string();
    assert!(e.contains("broken.png"), "{e}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
