//! ONNX export (`tf::onnx::export`, `model.export_onnx`): what is written, and the errors.
//! That the exported models run in ONNX Runtime and give this crate's outputs is checked by
//! CI with ONNX's own tools (`examples/onnx_export.rs`, `.ci/check_onnx.py`).

mod common;

use tf::keras::layers::{Dense, Flatten};
use tf::keras::{self};
use tf::ops::TensorSpec;
use tf::Tensor;

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tf-onnx-{}-{name}", std::process::id()))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_keras_model_exports_its_graph_weights_and_a_symbolic_batch() {
    let model = keras::sequential![Flatten::new().input_shape([2, 3]), Dense::new(4).activation("relu"), Dense::new(2)];
    let path = temp("mlp.onnx");
    model.export_onnx(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for op in ["Reshape", "MatMul", "Add", "Relu", "Identity"] {
        assert!(contains(&bytes, op), "no {op} node");
    }
    for init in ["dense/kernel", "dense/bias", "dense_1/kernel"] {
        assert!(contains(&bytes, init), "no initializer {init}");
    }
    assert!(contains(&bytes, "batch"), "the batch dimension is not symbolic");
    // The weights' current values, little-endian: the kernel's first value is in the file.
    let k = model.get_weights()[0].to_vec::<f32>()[0].to_le_bytes();
    assert!(bytes.windows(4).any(|w| w == k));
    // Exporting again writes the same bytes.
    model.export_onnx(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    std::fs::remove_file(&path).ok();
}

#[test]
fn ops_without_an_onnx_form_are_errors_naming_the_op_and_line() {
    let path = temp("random.onnx");
    let spec = TensorSpec::new(vec![None, Some(3)], tf::float32);
    let e = tf::onnx::export(&path, &[("x", spec.clone())], &["y"], |xs| {
        vec![&xs[0] + &tf::random::normal_like(&xs[0], 0.0, 1.0, None)]
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("RandomStandardNormal (made at "), "{e}");
    assert!(!path.exists());

    // Staged control flow has no ONNX form here.
    let e = tf::onnx::export(&path, &[("x", spec.clone())], &["y"], |xs| {
        let out = tf::while_loop(
            |v: &[Tensor]| tf::less(&v[0], &tf::constant(3)),
            |v: &[Tensor]| vec![&v[0] + &tf::constant(1), &v[1] * 2.0],
            &[tf::constant(0), xs[0].clone()],
            None,
        );
        vec![out[1].clone()]
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("While"), "{e}");
    assert!(!path.exists());

    // Strings neither.
    let e = tf::onnx::export(&path, &[("s", TensorSpec::new(vec![None], tf::string))], &["y"], |xs| {
        vec![tf::strings::length(&xs[0])]
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("string"), "{e}");
}

#[test]
fn a_failed_export_leaves_the_earlier_file_whole() {
    let path = temp("kept.onnx");
    let spec = TensorSpec::new(vec![Some(2)], tf::float32);
    tf::onnx::export(&path, &[("x", spec.clone())], &["y"], |xs| vec![tf::exp(&xs[0])]).unwrap();
    let before = std::fs::read(&path).unwrap();
    // Two values for one output name.
    let e = tf::onnx::export(&path, &[("x", spec.clone())], &["y"], |xs| vec![xs[0].clone(), xs[0].clone()]).unwrap_err();
    assert!(e.to_string().contains("returns 2 values but 1 output names"), "{e}");
    // A body that fails while tracing.
    let e = tf::onnx::export(&path, &[("x", spec)], &["y"], |xs| vec![tf::reshape(&xs[0], [3])]).unwrap_err();
    assert!(e.to_string().contains("tracing the function"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // An unwritable place is an Io error naming it.
    let bad = std::path::Path::new("/nonexistent-dir/model.onnx");
    let e = tf::onnx::export(
        bad,
        &[("x", TensorSpec::new(vec![Some(1)], tf::float32))],
        &["y"],
        |xs: &[Tensor]| vec![xs[0].clone()],
    )
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent-dir"), "{e}");
    std::fs::remove_file(&path).ok();
}
