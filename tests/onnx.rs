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

    // Nor variable updates.
    let v = tf::Variable::new(tf::constant([1.0f32, 2.0, 3.0]));
    let e = tf::onnx::export(&path, &[("x", spec.clone())], &["y"], |xs| {
        v.assign_add(&tf::reduce_sum(&xs[0], 0, false));
        vec![v.value()]
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("AssignAddVariableOp (made at "), "{e}");
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

/// `tf.while_loop` and `tf.cond` become `Loop` and `If` whose bodies read what they capture
/// (the input, a variable) from the enclosing graph; a variable read only inside a body is
/// still written as an initializer. (ONNX Runtime runs such a model in CI: `control_flow`.)
#[test]
fn control_flow_exports_as_loop_and_if_with_captures_from_outside() {
    let path = temp("loop.onnx");
    let spec = TensorSpec::new(vec![None, Some(3)], tf::float32);
    let w = tf::Variable::with_options(tf::constant([0.5f32, 0.25, 2.0]), "scale", true);
    tf::onnx::export(&path, &[("x", spec)], &["y", "steps"], |xs| {
        let x = &xs[0];
        let out = tf::while_loop(
            |v: &[Tensor]| tf::less(&v[0], &tf::constant(4)),
            |v: &[Tensor]| {
                let grown = tf::cond(
                    &tf::greater(&tf::reduce_sum(&v[1], None, false), &tf::constant(100.0f32)),
                    || vec![v[1].clone()],
                    || vec![&v[1] * &w.value() + x],
                );
                vec![&v[0] + &tf::constant(1), grown[0].clone()]
            },
            &[tf::constant(0), x.clone()],
            Some(10),
        );
        vec![out[1].clone(), out[0].clone()]
    })
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for word in ["Loop", "body", "If", "then_branch", "else_branch", "scale"] {
        assert!(contains(&bytes, word), "no {word} in the model");
    }
    assert!(!contains(&bytes, "While"), "the TensorFlow op name leaked");
    // The variable's value is written once, as the initializer the branch reads.
    let data: Vec<u8> = [0.5f32, 0.25, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(bytes.windows(12).filter(|w| *w == data.as_slice()).count(), 1);
    std::fs::remove_file(&path).ok();
}

/// Halves `x` until its sum is at most 1, counting the halvings: AutoGraph's `while`.
#[tf::function]
fn halvings(x: &Tensor) -> Tensor {
    let mut x = x.clone();
    let mut n = tf::constant(0);
    while tf::greater(&tf::reduce_sum(&x, None, false), &tf::constant(1.0f32)) {
        x = &x * 0.5f32;
        n = &n + 1;
    }
    n
}

#[test]
fn a_tf_function_with_a_while_exports_as_a_loop() {
    let path = temp("halvings.onnx");
    let spec = TensorSpec::new(vec![None], tf::float32);
    tf::onnx::export(&path, &[("x", spec)], &["n"], |xs| vec![halvings(&xs[0])]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(contains(&bytes, "Loop"), "no Loop node");
    assert_eq!(halvings(&tf::constant([3.0f32, 5.0])).scalar::<i32>(), 3);
    std::fs::remove_file(&path).ok();
}

/// Keras's `Conv2DTranspose` exports as `ConvTranspose` (a stride above the kernel needs an
/// output padding), and a 1-D convolution's computed filter is transposed in the graph.
#[test]
fn transposed_and_1d_convolutions_export() {
    use tf::keras::layers::{Conv1D, Conv2DTranspose};
    let path = temp("deconv.onnx");
    let model = keras::sequential![Conv2DTranspose::new(3, 2).strides(3).input_shape([4, 4, 2])];
    model.export_onnx(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for word in ["ConvTranspose", "output_padding", "conv2d_transpose/kernel"] {
        assert!(contains(&bytes, word), "no {word}");
    }
    let model = keras::sequential![Conv1D::new(3, 2).input_shape([6, 2])];
    model.export_onnx(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(contains(&bytes, "Conv") && contains(&bytes, "conv1d/kernel"));
    std::fs::remove_file(&path).ok();
}

/// A convolution's bias and activation stay in ONNX's NCHW layout: two convolutions in a row
/// need one transpose in and one out, not one pair each.
#[test]
fn consecutive_convolutions_share_one_layout_change() {
    use tf::keras::layers::Conv2D;
    let path = temp("two-convs.onnx");
    let model = keras::sequential![
        Conv2D::new(4, 3).activation("relu").input_shape([8, 8, 1]),
        Conv2D::new(2, 3).padding("same").activation("sigmoid"),
        Flatten::new(),
        Dense::new(3),
    ];
    model.export_onnx(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let count = |w: &str| bytes.windows(w.len()).filter(|x| *x == w.as_bytes()).count();
    assert_eq!(count("Transpose"), 2);
    assert_eq!(count("Conv"), 2);
    std::fs::remove_file(&path).ok();
}
