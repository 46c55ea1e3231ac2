//! Keras losses, metrics, layers and initializers against a real TensorFlow run
//! (`tests/golden/gen_keras.py` → `tests/golden/keras.json`, tf_keras 2.21).

mod common;

use serde_json::Value;
use tf::keras::layers::{self, Layer};
use tf::keras::losses::{self, Loss};
use tf::keras::metrics::{self, Metric};
use tf::{Module, Tensor};

fn golden() -> serde_json::Value {
    common::golden_json("keras.json")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// The loss a golden case names, with its keyword arguments.
fn loss_of(c: &Value) -> Box<dyn Loss> {
    let kw = &c["kw"];
    let flag = |k: &str| kw.get(k).and_then(Value::as_bool).unwrap_or(false);
    let num = |k: &str, d: f64| kw.get(k).and_then(Value::as_f64).unwrap_or(d);
    match c["name"].as_str().expect("name") {
        "sparse_categorical_crossentropy" => Box::new(
            losses::SparseCategoricalCrossentropy::new()
                .from_logits(flag("from_logits"))
                .ignore_class(kw.get("ignore_class").and_then(Value::as_i64)),
        ),
        "categorical_crossentropy" => Box::new(
            losses::CategoricalCrossentropy::new()
                .from_logits(flag("from_logits"))
                .label_smoothing(num("label_smoothing", 0.0)),
        ),
        "binary_crossentropy" => Box::new(
            losses::BinaryCrossentropy::new()
                .from_logits(flag("from_logits"))
                .label_smoothing(num("label_smoothing", 0.0)),
        ),
        "binary_focal_crossentropy" => Box::new(
            losses::BinaryFocalCrossentropy::new()
                .apply_class_balancing(flag("apply_class_balancing"))
                .alpha(num("alpha", 0.25))
                .gamma(num("gamma", 2.0))
                .from_logits(flag("from_logits"))
                .label_smoothing(num("label_smoothing", 0.0)),
        ),
        "categorical_focal_crossentropy" => Box::new(
            losses::CategoricalFocalCrossentropy::new()
                .alpha(num("alpha", 0.25))
                .gamma(num("gamma", 2.0))
                .from_logits(flag("from_logits"))
                .label_smoothing(num("label_smoothing", 0.0)),
        ),
        "huber_loss" => Box::new(losses::Huber::new().delta(num("delta", 1.0))),
        other => losses::get(other),
    }
}

/// Each loss's value and its gradient with respect to `y_pred`.
#[test]
fn losses_match_tensorflow() {
    let g = golden();
    for c in g["losses"].as_array().expect("losses") {
        let kw = &c["kw"];
        let loss = loss_of(c);
        let y_true = common::json_tensor(&c["y_true"]);
        let y_pred = common::json_tensor(&c["y_pred"]);
        let sw = (!c["sample_weight"].is_null()).then(|| common::json_tensor(&c["sample_weight"]));
        let tape = tf::GradientTape::new();
        tape.watch(&y_pred);
        let v = loss.call_weighted(&y_true, &y_pred, sw.as_ref());
        let (got, want) = (v.scalar::<f32>() as f64, c["value"].as_f64().expect("value"));
        assert!(close(got, want, 1e-5), "{} {kw}: got {got}, TensorFlow {want}", c["name"]);
        let grad = tape.gradient(&v, &y_pred).expect("a gradient").to_vec::<f32>();
        for (i, (a, b)) in grad.iter().zip(&common::json_tensor(&c["grad"]).to_vec::<f32>()).enumerate() {
            assert!(
                close(*a as f64, *b as f64, 1e-5),
                "{} {kw}: gradient {i}: got {a}, TensorFlow {b}",
                c["name"]
            );
        }
    }
}

/// A softmax's or sigmoid's output: the crossentropies compute from the logits the
/// activation recorded, as Keras's do (a saturated output's loss and gradient stay exact;
/// from clipped probabilities both would differ from TensorFlow's).
#[test]
fn losses_of_activations_use_their_logits() {
    let g = golden();
    for c in g["activation_losses"].as_array().expect("activation_losses") {
        let what = format!("{} {} of {}", c["name"], c["kw"], c["activation"]);
        let z = common::json_tensor(&c["logits"]);
        let tape = tf::GradientTape::new();
        tape.watch(&z);
        let p = tf::keras::activations::apply(c["activation"].as_str().expect("activation"), &z);
        let v = loss_of(c).call(&common::json_tensor(&c["y_true"]), &p);
        let grad = tape.gradient(&v, &z).expect("a gradient");
        let (got, want) = (v.scalar::<f32>() as f64, c["value"].as_f64().expect("value"));
        assert!(close(got, want, 1e-5), "{what}: got {got}, TensorFlow {want}");
        let want = common::json_tensor(&c["grad"]).to_vec::<f32>();
        for (i, (a, b)) in grad.to_vec::<f32>().iter().zip(&want).enumerate() {
            assert!(close(*a as f64, *b as f64, 1e-5), "{what}: gradient {i}: got {a}, TensorFlow {b}");
        }
    }
}

#[test]
fn metrics_match_tensorflow() {
    let g = golden();
    for c in g["metrics"].as_array().expect("metrics") {
        let name = c["name"].as_str().expect("name");
        let mut m: Box<dyn Metric> = match name {
            "top_k_categorical_accuracy" => Box::new(metrics::top_k_categorical_accuracy(2)),
            "mean" | "mean_weighted" => Box::new(metrics::Mean::new("mean")),
            "sparse_categorical_crossentropy_ignore_class" => Box::new(metrics::MeanMetricWrapper::from_loss(
                name,
                losses::SparseCategoricalCrossentropy::new().ignore_class(Some(2)),
            )),
            other => metrics::get(other),
        };
        for u in c["updates"].as_array().expect("updates") {
            let u = u.as_array().expect("update");
            if name.starts_with("mean") {
                let w = u.get(1).map(common::json_tensor);
                m.update_state(&common::json_tensor(&u[0]), &common::json_tensor(&u[0]), w.as_ref());
            } else {
                m.update_state(&common::json_tensor(&u[0]), &common::json_tensor(&u[1]), None);
            }
        }
        let want = c["result"].as_f64().expect("result");
        assert!(close(m.result(), want, 1e-6), "{name}: got {}, TensorFlow {want}", m.result());
        m.reset_state();
        assert_eq!(m.result(), 0.0, "{name} after reset_state");
    }
}

/// `f(i)` at every flat index `i` of `shape` (float32).
fn ramp(shape: &[usize], f: impl Fn(f64) -> f64) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_vec((0..n).map(|i| f(i as f64) as f32).collect(), shape.to_vec()).expect("shape")
}

/// The inputs of `gen_keras.py`: `0.5 cos(0.37 i)`.
fn input(shape: &[usize]) -> Tensor {
    ramp(shape, |i| 0.5 * (0.37 * i).cos())
}

/// `got` equals TensorFlow's flat `want` values within 1e-5 (relative to 1 + |want|).
fn assert_matches(name: &str, what: &str, got: &Tensor, want: &Value) {
    let want: Vec<f64> = want.as_array().expect("list").iter().map(|x| x.as_f64().expect("number")).collect();
    assert_eq!(got.num_elements(), want.len(), "{name}: {what} size");
    for (i, (a, b)) in got.to_vec::<f32>().iter().zip(want).enumerate() {
        assert!(close(*a as f64, b, 1e-5), "{name}: {what}[{i}] = {a}, TensorFlow {b}");
    }
}

#[test]
fn layers_match_tensorflow() {
    let g = golden();
    for c in g["layers"].as_array().expect("layers") {
        let name = c["name"].as_str().expect("name");
        let shape = common::usizes(&c["input_shape"], "input shape");
        let training = c["training"].as_bool().expect("training");
        let x = input(&shape);
        type Run = Box<dyn Fn(&Tensor) -> Vec<Tensor>>;
        let (layer, run): (std::sync::Arc<dyn Layer>, Option<Run>) = match name {
            "dense" => (std::sync::Arc::new(layers::Dense::new(4).activation("tanh")), None),
            "conv2d" => (
                std::sync::Arc::new(layers::Conv2D::new(3, 3).strides(2).padding("same").activation("relu")),
                None,
            ),
            "conv1d" => (std::sync::Arc::new(layers::Conv1D::new(2, 3)), None),
            "depthwise_conv2d" => (std::sync::Arc::new(layers::DepthwiseConv2D::new(2).depth_multiplier(2)), None),
            "conv2d_transpose" => (std::sync::Arc::new(layers::Conv2DTranspose::new(2, 3).strides(2)), None),
            "conv2d_transpose_wide_stride" => (std::sync::Arc::new(layers::Conv2DTranspose::new(2, 2).strides(3)), None),
            "conv2d_transpose_same" => (
                std::sync::Arc::new(layers::Conv2DTranspose::new(2, 3).strides(2).padding("same")),
                None,
            ),
            "batch_normalization_train" | "batch_normalization_infer" => (std::sync::Arc::new(layers::BatchNormalization::new()), None),
            "layer_normalization" => (std::sync::Arc::new(layers::LayerNormalization::new()), None),
            "simple_rnn" => (std::sync::Arc::new(layers::SimpleRNN::new(3).return_sequences(true)), None),
            "lstm" => (std::sync::Arc::new(layers::LSTM::new(3)), None),
            "lstm_state" => {
                let l = std::sync::Arc::new(layers::LSTM::new(3).return_sequences(true).return_state(true));
                let l2 = l.clone();
                let run: Run = Box::new(move |x| {
                    let (o, s) = l2.call_with_state(x, None);
                    vec![o, s[0].clone(), s[1].clone()]
                });
                (l, Some(run))
            }
            "gru" => (std::sync::Arc::new(layers::GRU::new(3)), None),
            "gru_state" => {
                let l = std::sync::Arc::new(layers::GRU::new(3).return_state(true).go_backwards(true));
                let l2 = l.clone();
                let run: Run = Box::new(move |x| {
                    let (o, s) = l2.call_with_state(x, None);
                    vec![o, s[0].clone()]
                });
                (l, Some(run))
            }
            "up_sampling2d" => (std::sync::Arc::new(layers::UpSampling2D::new(2)), None),
            "zero_padding2d" => (std::sync::Arc::new(layers::ZeroPadding2D::new(1)), None),
            "global_average_pooling2d" => (std::sync::Arc::new(layers::GlobalAveragePooling2D::new()), None),
            "max_pooling2d" => (std::sync::Arc::new(layers::MaxPooling2D::default()), None),
            "average_pooling2d" => (
                std::sync::Arc::new(layers::AveragePooling2D::new(3).strides(1).padding("same")),
                None,
            ),
            "conv1d_causal" => (
                std::sync::Arc::new(layers::Conv1D::new(2, 3).padding("causal").dilation_rate(2)),
                None,
            ),
            "conv2d_dilated" => (
                std::sync::Arc::new(layers::Conv2D::new(2, 2).padding("same").dilation_rate(2)),
                None,
            ),
            "global_max_pooling2d" => (std::sync::Arc::new(layers::GlobalMaxPooling2D::new()), None),
            "simple_rnn_state" => {
                let l = std::sync::Arc::new(layers::SimpleRNN::new(3).return_state(true).go_backwards(true));
                let l2 = l.clone();
                let run: Run = Box::new(move |x| {
                    let (o, s) = l2.call_with_state(x, None);
                    vec![o, s[0].clone()]
                });
                (l, Some(run))
            }
            "relu_layer" => (
                std::sync::Arc::new(layers::ReLU::new().max_value(Some(0.3)).negative_slope(0.2).threshold(0.1)),
                None,
            ),
            "relu_layer_max" => (std::sync::Arc::new(layers::ReLU::new().max_value(Some(0.2))), None),
            "leaky_relu_layer" => (std::sync::Arc::new(layers::LeakyReLU::new()), None),
            "softmax_layer" => (std::sync::Arc::new(layers::Softmax::new(1)), None),
            "elu_layer" => (std::sync::Arc::new(layers::ELU::new().alpha(0.5)), None),
            "max_pooling1d" => (std::sync::Arc::new(layers::MaxPooling1D::new(3).strides(2).padding("same")), None),
            "average_pooling1d" => (
                std::sync::Arc::new(layers::AveragePooling1D::new(2).strides(1).padding("same")),
                None,
            ),
            "global_average_pooling1d" => (std::sync::Arc::new(layers::GlobalAveragePooling1D::new()), None),
            "global_max_pooling1d" => (std::sync::Arc::new(layers::GlobalMaxPooling1D::new().keepdims(true)), None),
            "repeat_vector" => (std::sync::Arc::new(layers::RepeatVector::new(3)), None),
            "cropping1d" => (std::sync::Arc::new(layers::Cropping1D::new((1, 2))), None),
            "cropping2d" => (std::sync::Arc::new(layers::Cropping2D::new(((1, 0), (0, 2)))), None),
            "bidirectional_lstm" => (
                std::sync::Arc::new(layers::Bidirectional::new(layers::LSTM::new(3).return_sequences(true))),
                None,
            ),
            "bidirectional_gru_sum" => (
                std::sync::Arc::new(layers::Bidirectional::new(layers::GRU::new(3)).merge_mode(layers::MergeMode::Sum)),
                None,
            ),
            "bidirectional_rnn_state" => {
                let l = std::sync::Arc::new(layers::Bidirectional::new(layers::SimpleRNN::new(2).return_state(true)));
                let l2 = l.clone();
                let run: Run = Box::new(move |x| l2.call_outputs(std::slice::from_ref(x), false));
                (l, Some(run))
            }
            "time_distributed_dense" => (std::sync::Arc::new(layers::TimeDistributed::new(layers::Dense::new(3))), None),
            "time_distributed_conv" => (std::sync::Arc::new(layers::TimeDistributed::new(layers::Conv2D::new(2, 2))), None),
            "separable_conv2d" => (
                std::sync::Arc::new(layers::SeparableConv2D::new(3, 2).padding("same").depth_multiplier(2)),
                None,
            ),
            "separable_conv2d_strided" => (
                std::sync::Arc::new(layers::SeparableConv2D::new(2, 3).strides(2).activation("relu")),
                None,
            ),
            "up_sampling1d" => (std::sync::Arc::new(layers::UpSampling1D::new(3)), None),
            "zero_padding1d" => (std::sync::Arc::new(layers::ZeroPadding1D::new((2, 1))), None),
            "layer_normalization_axes" => (std::sync::Arc::new(layers::LayerNormalization::new().axes(&[1, 2])), None),
            "layer_normalization_axis1" => (
                std::sync::Arc::new(layers::LayerNormalization::new().axes(&[1]).center(false)),
                None,
            ),
            "prelu" => (std::sync::Arc::new(layers::PReLU::new()), None),
            "prelu_shared" => (std::sync::Arc::new(layers::PReLU::new().shared_axes(vec![1])), None),
            "thresholded_relu" => (std::sync::Arc::new(layers::ThresholdedReLU::new(0.2)), None),
            "group_normalization" => (std::sync::Arc::new(layers::GroupNormalization::new(2)), None),
            "group_normalization_4d" => (std::sync::Arc::new(layers::GroupNormalization::new(3).epsilon(1e-5)), None),
            "group_normalization_axis1" => (std::sync::Arc::new(layers::GroupNormalization::new(2).axis(1).center(false)), None),
            "unit_normalization" => (std::sync::Arc::new(layers::UnitNormalization::new()), None),
            "conv3d" => (
                std::sync::Arc::new(layers::Conv3D::new(3, 3).strides(2).padding("same").activation("relu")),
                None,
            ),
            "conv3d_dilated" => (
                std::sync::Arc::new(layers::Conv3D::new(2, (2, 3, 2)).dilation_rate((2, 1, 1))),
                None,
            ),
            "conv3d_strided" => (
                std::sync::Arc::new(layers::Conv3D::new(2, (3, 2, 2)).strides((2, 1, 2)).use_bias(false)),
                None,
            ),
            "conv3d_transpose" => (std::sync::Arc::new(layers::Conv3DTranspose::new(2, 3).strides(2)), None),
            "conv3d_transpose_same" => (
                std::sync::Arc::new(layers::Conv3DTranspose::new(2, (3, 2, 2)).strides((2, 1, 2)).padding("same")),
                None,
            ),
            "max_pooling3d" => (std::sync::Arc::new(layers::MaxPooling3D::default()), None),
            "max_pooling3d_same" => (std::sync::Arc::new(layers::MaxPooling3D::new(3).strides(2).padding("same")), None),
            "average_pooling3d" => (std::sync::Arc::new(layers::AveragePooling3D::default()), None),
            "average_pooling3d_same" => (
                std::sync::Arc::new(layers::AveragePooling3D::new((2, 3, 2)).strides((2, 1, 2)).padding("same")),
                None,
            ),
            "global_average_pooling3d" => (std::sync::Arc::new(layers::GlobalAveragePooling3D::new()), None),
            "global_max_pooling3d" => (std::sync::Arc::new(layers::GlobalMaxPooling3D::new().keepdims(true)), None),
            "up_sampling3d" => (std::sync::Arc::new(layers::UpSampling3D::new((2, 1, 3))), None),
            "zero_padding3d" => (
                std::sync::Arc::new(layers::ZeroPadding3D::asymmetric(((1, 0), (0, 2), (1, 1)))),
                None,
            ),
            "cropping3d" => (std::sync::Arc::new(layers::Cropping3D::new(((1, 0), (0, 1), (1, 1)))), None),
            "conv1d_transpose" => (std::sync::Arc::new(layers::Conv1DTranspose::new(2, 3).strides(2)), None),
            "conv1d_transpose_wide_stride" => (std::sync::Arc::new(layers::Conv1DTranspose::new(2, 1).strides(2)), None),
            "conv1d_transpose_same_dilated" => (
                std::sync::Arc::new(layers::Conv1DTranspose::new(3, 2).padding("same").dilation_rate(2)),
                None,
            ),
            "depthwise_conv1d" => (
                std::sync::Arc::new(layers::DepthwiseConv1D::new(3).depth_multiplier(2).strides(2).padding("same")),
                None,
            ),
            "depthwise_conv1d_dilated" => (
                std::sync::Arc::new(layers::DepthwiseConv1D::new(2).dilation_rate(2).activation("tanh")),
                None,
            ),
            "separable_conv1d" => (std::sync::Arc::new(layers::SeparableConv1D::new(4, 3).depth_multiplier(2)), None),
            "conv2d_groups" => (std::sync::Arc::new(layers::Conv2D::new(6, 3).groups(2).padding("same")), None),
            "conv1d_groups_causal" => (std::sync::Arc::new(layers::Conv1D::new(4, 2).groups(4).padding("causal")), None),
            "conv3d_groups" => (std::sync::Arc::new(layers::Conv3D::new(4, 2).groups(2).strides((1, 2, 1))), None),
            "einsum_dense" => (
                std::sync::Arc::new(layers::EinsumDense::new("ab,bc->ac", [Some(4)]).bias_axes("c").activation("tanh")),
                None,
            ),
            "einsum_dense_heads" => (
                std::sync::Arc::new(layers::EinsumDense::new("abc,cde->abde", [None, Some(2), Some(3)]).bias_axes("de")),
                None,
            ),
            "einsum_dense_left_elided" => (
                std::sync::Arc::new(layers::EinsumDense::new("...b,bc->...c", [Some(3)]).bias_axes("c")),
                None,
            ),
            "einsum_dense_right_elided" => (
                std::sync::Arc::new(layers::EinsumDense::new("ab...,bc->ac...", [Some(2)]).bias_axes("c")),
                None,
            ),
            "einsum_dense_merge" => (
                std::sync::Arc::new(layers::EinsumDense::new("abcd,cde->abe", [None, Some(3)])),
                None,
            ),
            "conv_lstm2d" => (
                std::sync::Arc::new(layers::ConvLSTM2D::new(2, 3).padding("same").return_sequences(true)),
                None,
            ),
            "conv_lstm2d_state" => {
                let l = std::sync::Arc::new(
                    layers::ConvLSTM2D::new(2, (2, 3))
                        .strides((1, 2))
                        .return_state(true)
                        .go_backwards(true),
                );
                let l2 = l.clone();
                let run: Run = Box::new(move |x| l2.call_outputs(std::slice::from_ref(x), false));
                (l, Some(run))
            }
            "separable_conv1d_causal" => (
                std::sync::Arc::new(layers::SeparableConv1D::new(2, 2).padding("causal").activation("relu")),
                None,
            ),
            other => panic!("no layer case {other}"),
        };
        layer.call(&x, false); // build
        let vars = layer.variables();
        let shapes = c["weights"].as_array().expect("weights");
        assert_eq!(vars.len(), shapes.len(), "{name}: weight count");
        for (k, (v, s)) in vars.iter().zip(shapes).enumerate() {
            let s = common::usizes(s, "weight shape");
            assert_eq!(v.shape().dims(), &s[..], "{name}: weight {k} ({}) shape", v.name());
            v.assign(&common::golden_weight(&s, k));
        }
        let outs = match &run {
            Some(r) => r(&x),
            None => vec![layer.call(&x, training)],
        };
        for (o, (want, want_shape)) in outs.iter().zip(
            c["outputs"]
                .as_array()
                .expect("outputs")
                .iter()
                .zip(c["output_shapes"].as_array().expect("shapes")),
        ) {
            let ws = common::usizes(want_shape, "output shape");
            assert_eq!(o.shape().dims(), &ws[..], "{name}: output shape");
            for (i, (a, b)) in o.to_vec::<f32>().iter().zip(want.as_array().expect("values")).enumerate() {
                let b = b.as_f64().expect("value");
                assert!(close(*a as f64, b, 1e-5), "{name}: output[{i}] = {a}, TensorFlow {b}");
            }
        }
        if name == "batch_normalization_train" {
            for (k, var) in [(2, &vars[2]), (3, &vars[3])] {
                let key = if k == 2 { "moving_mean" } else { "moving_variance" };
                for (a, b) in var.value().to_vec::<f32>().iter().zip(c[key].as_array().expect("stat")) {
                    assert!(close(*a as f64, b.as_f64().expect("v"), 1e-5), "{key}: {a} vs {b}");
                }
            }
        }
        // Gradients of Σ r_i o_i (r_i = sin(1.3 i + 0.5)) with respect to the input and each
        // trainable weight, as gen_keras.py takes them.
        let tape = tf::GradientTape::new();
        tape.watch(&x);
        let outs = match &run {
            Some(r) => r(&x),
            None => vec![layer.call(&x, training)],
        };
        let mut loss = tf::scalar(0.0, tf::float32);
        for o in &outs {
            loss = &loss + &common::sin_weighted_sum(o, 1.3);
        }
        let trainable = common::usizes(&c["trainable"], "trainable weight indices");
        let mut sources: Vec<tf::SourceRef> = vec![tf::Source::source(&x)];
        sources.extend(trainable.iter().map(|&k| tf::Source::source(&vars[k])));
        let grads = tape.gradients(&[&loss], &sources, None, tf::UnconnectedGradients::Zero);
        let what = |i: usize| {
            if i == 0 {
                "the input".to_string()
            } else {
                format!("weight {}", trainable[i - 1])
            }
        };
        for (i, (g, want)) in grads.iter().zip(c["grads"].as_array().expect("grads")).enumerate() {
            let g = g.as_ref().expect("a gradient").to_vec::<f32>();
            let want = want.as_array().expect("values");
            assert_eq!(g.len(), want.len(), "{name}: gradient of {} size", what(i));
            for (j, (a, b)) in g.iter().zip(want).enumerate() {
                let b = b.as_f64().expect("value");
                assert!(
                    close(*a as f64, b, 1e-4),
                    "{name}: gradient of {}[{j}] = {a}, TensorFlow {b}",
                    what(i)
                );
            }
        }
    }
}

#[test]
fn initializers_have_tensorflows_statistics() {
    let g = golden();
    for (name, m) in g["initializers"].as_object().expect("initializers") {
        let w = tf::keras::initializers::Initializer::get(name)
            .call(&[200, 300], tf::float32)
            .to_vec::<f32>();
        let n = w.len() as f64;
        let mean = w.iter().map(|&v| v as f64).sum::<f64>() / n;
        let std = (w.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        let max_abs = w.iter().map(|v| v.abs() as f64).fold(0.0, f64::max);
        let (tm, ts, tmax) = (
            m["mean"].as_f64().unwrap(),
            m["std"].as_f64().unwrap(),
            m["max_abs"].as_f64().unwrap(),
        );
        assert!((mean - tm).abs() < 0.02 * ts + 1e-4, "{name}: mean {mean} vs TensorFlow {tm}");
        assert!((std / ts - 1.0).abs() < 0.03, "{name}: std {std} vs TensorFlow {ts}");
        // Uniform and truncated draws have a hard bound; TensorFlow's sample comes close to it.
        if name != "orthogonal" && !name.ends_with("normal")
            || name.contains("he_normal")
            || name.contains("glorot_normal")
            || name.contains("lecun_normal")
        {
            assert!(max_abs <= tmax * 1.02, "{name}: max |w| {max_abs} beyond TensorFlow's {tmax}");
        }
    }
}

/// `MultiHeadAttention` against tf_keras 2.21 (`gen_keras.py`'s `attention` cases): the
/// output and the attention scores, with and without a mask, causal, without biases, and the
/// gradients of Σ r·output + Σ r'·scores with respect to query, value and every weight.
#[test]
fn multi_head_attention_matches_tensorflow() {
    let g = golden();
    let cases = g["attention"].as_array().expect("attention cases");
    assert_eq!(cases.len(), 3, "the golden file lost attention cases");
    for c in cases {
        let name = c["name"].as_str().expect("name");
        let layer = match name {
            "self" => layers::MultiHeadAttention::new(2, 3),
            "cross_masked" => layers::MultiHeadAttention::new(2, 3).value_dim(Some(2)).output_shape(Some(4)),
            "causal_no_bias" => layers::MultiHeadAttention::new(1, 4).use_bias(false),
            other => panic!("no attention case {other}"),
        };
        let q = input(&common::usizes(&c["query_shape"], "query shape"));
        let v = ramp(&common::usizes(&c["value_shape"], "value shape"), |i| 0.4 * (0.23 * i + 0.1).sin());
        let mask = (!c["mask"].is_null()).then(|| {
            let shape = common::usizes(&c["mask_shape"], "mask shape");
            let m: Vec<bool> = c["mask"]
                .as_array()
                .expect("mask")
                .iter()
                .map(|x| x.as_f64().expect("number") != 0.0)
                .collect();
            Tensor::from_vec(m, shape).expect("mask")
        });
        let causal = c["causal"].as_bool().expect("causal");
        layer.attend(&q, &v, None, None, false, false); // build
        let vars = layer.variables();
        let shapes = c["weights"].as_array().expect("weights");
        assert_eq!(vars.len(), shapes.len(), "{name}: weight count");
        for (k, (var, s)) in vars.iter().zip(shapes).enumerate() {
            let s = common::usizes(s, "weight shape");
            assert_eq!(var.shape().dims(), &s[..], "{name}: weight {k} ({}) shape", var.name());
            let keras_name = c["weight_names"][k].as_str().expect("name");
            let suffix = keras_name.split_once('/').expect("scoped").1.trim_end_matches(":0");
            assert!(
                var.name().ends_with(suffix),
                "{name}: weight {k} is {}, Keras's {keras_name}",
                var.name()
            );
            var.assign(&common::golden_weight(&s, k));
        }
        let tape = tf::GradientTape::new();
        tape.watch(&q);
        tape.watch(&v);
        let (out, scores) = layer.attend(&q, &v, None, mask.as_ref(), causal, false);
        assert_eq!(
            out.shape().dims(),
            &common::usizes(&c["output_shape"], "output shape")[..],
            "{name}"
        );
        assert_eq!(
            scores.shape().dims(),
            &common::usizes(&c["scores_shape"], "scores shape")[..],
            "{name}"
        );
        assert_matches(name, "output", &out, &c["output"]);
        assert_matches(name, "scores", &scores, &c["scores"]);
        let loss = &common::sin_weighted_sum(&out, 1.3) + &common::sin_weighted_sum(&scores, 0.7);
        let mut sources: Vec<tf::SourceRef> = vec![tf::Source::source(&q), tf::Source::source(&v)];
        sources.extend(vars.iter().map(tf::Source::source));
        let grads = tape.gradients(&[&loss], &sources, None, tf::UnconnectedGradients::Zero);
        for (i, (got, want)) in grads.iter().zip(c["grads"].as_array().expect("grads")).enumerate() {
            assert_matches(name, &format!("gradient {i}"), got.as_ref().expect("a gradient"), want);
        }
    }
}

/// `Normalization` against tf_keras 2.21 (`gen_keras.py`'s `normalization` cases): what
/// `adapt` learns from a tensor or from a dataset's batches (mean, variance, count), and
/// the output for per-feature, all-value, inverted, given and per-axis statistics.
#[test]
fn normalization_matches_tensorflow() {
    let g = golden();
    let cases = g["normalization"].as_array().expect("normalization cases");
    assert_eq!(cases.len(), 7, "the golden file lost normalization cases");
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|x| x.as_f64().expect("number") as f32)
            .collect()
    };
    for c in cases {
        let name = c["name"].as_str().expect("name");
        let layer = match name {
            "features" | "dataset_batches" => layers::Normalization::new(Some(-1)),
            "all_values" => layers::Normalization::new(None),
            "invert" => layers::Normalization::new(None).invert(true),
            "given" => layers::Normalization::new(Some(-1)).mean_variance(vec![3.0], vec![2.0]),
            "given_per_feature" => layers::Normalization::new(Some(-1)).mean_variance(vec![1.0, 2.0], vec![4.0, 0.0]),
            "axis1_sequences" => layers::Normalization::new(Some(1)),
            other => panic!("no normalization case {other}"),
        };
        if !c["adapt"].is_null() {
            let data = Tensor::from_vec(floats(&c["adapt"]), common::usizes(&c["adapt_shape"], "adapt shape")).expect("shape");
            match c["dataset_batch"].as_u64() {
                Some(b) => layer
                    .adapt_dataset(
                        &tf::data::Dataset::from_tensor_slices(data)
                            .expect("slices")
                            .batch(b as usize, false),
                    )
                    .expect("adapt"),
                None => layer.adapt(&data).expect("adapt"),
            }
        }
        let x = Tensor::from_vec(floats(&c["x"]), common::usizes(&c["x_shape"], "x shape")).expect("shape");
        let y = layer.call(&x, false);
        assert_eq!(y.shape().dims(), &common::usizes(&c["output_shape"], "output shape")[..], "{name}");
        for (i, (a, b)) in y.to_vec::<f32>().iter().zip(floats(&c["output"])).enumerate() {
            assert!(close(*a as f64, b as f64, 1e-5), "{name}: output[{i}] = {a}, TensorFlow {b}");
        }
        let weights = layer.variables();
        let want = c["weights"].as_array().expect("weights");
        assert_eq!(weights.len(), want.len(), "{name}: weights");
        for (w, want) in weights.iter().zip(want) {
            let got = tf::cast(&w.value(), tf::float32).to_vec::<f32>();
            for (a, b) in got.iter().zip(floats(want)) {
                assert!(
                    close(*a as f64, b as f64, 1e-5),
                    "{name}: {} = {got:?}, TensorFlow {want}",
                    w.name()
                );
            }
        }
    }
    // Adapting a layer given its statistics, or with a different feature count, is an error.
    let given = layers::Normalization::new(Some(-1)).mean_variance(vec![0.0], vec![1.0]);
    assert!(given.adapt(&tf::ones([2, 2], tf::float32)).is_err());
    let adapted = layers::Normalization::new(Some(-1));
    adapted.adapt(&tf::ones([2, 3], tf::float32)).expect("adapt");
    let e = adapted.adapt(&tf::ones([2, 4], tf::float32)).unwrap_err().to_string();
    assert!(e.contains("features"), "{e}");
}

/// The augmentation layers against tf_keras 2.21 (`gen_keras.py`'s `augmentation` cases):
/// with a one-value factor range they are deterministic, so rotation, zoom and translation
/// (every fill mode, both interpolations) and resizing must give Keras's pixels; at
/// inference the random ones pass their input through.
#[test]
fn augmentation_layers_match_tensorflow() {
    let g = golden();
    let cases = g["augmentation"].as_array().expect("augmentation cases");
    assert_eq!(cases.len(), 14, "the golden file lost augmentation cases");
    let x = ramp(&[2, 5, 7, 2], |i| (0.61 * i).cos() * 2.0);
    for c in cases {
        let name = c["name"].as_str().expect("name");
        let layer: Box<dyn Layer> = match name {
            "rotation_quarter" => Box::new(layers::RandomRotation::new((0.25, 0.25))),
            "rotation_constant_nearest" => Box::new(
                layers::RandomRotation::new((0.1, 0.1))
                    .fill_mode("constant")
                    .fill_value(0.5)
                    .interpolation("nearest"),
            ),
            "rotation_wrap" => Box::new(layers::RandomRotation::new((-0.15, -0.15)).fill_mode("wrap")),
            "zoom_in" => Box::new(layers::RandomZoom::new((-0.3, -0.3), None)),
            "zoom_wrap" => Box::new(layers::RandomZoom::new((0.2, 0.2), Some(layers::Factor(-0.1, -0.1))).fill_mode("wrap")),
            "translation" => Box::new(layers::RandomTranslation::new((0.2, 0.2), (-0.1, -0.1))),
            "translation_nearest" => Box::new(
                layers::RandomTranslation::new((-0.3, -0.3), (0.25, 0.25))
                    .fill_mode("nearest")
                    .interpolation("nearest"),
            ),
            "resizing" => Box::new(layers::Resizing::new(3, 9)),
            "resizing_nearest" => Box::new(layers::Resizing::new(8, 4).interpolation("nearest")),
            "resizing_crop_to_aspect_ratio" => Box::new(layers::Resizing::new(4, 3).crop_to_aspect_ratio(true)),
            "center_crop" => Box::new(layers::CenterCrop::new(3, 4)),
            "center_crop_upsize" => Box::new(layers::CenterCrop::new(6, 4)),
            "random_crop_inference" => Box::new(layers::RandomCrop::new(3, 6)),
            "brightness" => Box::new(layers::RandomBrightness::new((0.1, 0.1)).value_range(-1.0, 1.5)),
            other => panic!("no augmentation case {other}"),
        };
        let training = c["training"].as_bool().unwrap_or(true);
        let y = layer.call(&x, training);
        assert_eq!(y.shape().dims(), &common::usizes(&c["output_shape"], "output shape")[..], "{name}");
        let want = c["output"].as_array().expect("output");
        for (i, (a, b)) in y.to_vec::<f32>().iter().zip(want).enumerate() {
            let b = b.as_f64().expect("value");
            assert!(close(*a as f64, b, 1e-4), "{name}: output[{i}] = {a}, TensorFlow {b}");
        }
        if training && !name.starts_with("resizing") && !name.starts_with("center_crop") {
            assert_eq!(layer.call(&x, false).to_vec::<f32>(), x.to_vec::<f32>(), "{name} at inference");
        }
    }
}

/// RandomCrop takes one random window for the whole batch while training, a different one
/// from call to call, and the same window inside a traced function as eagerly.
#[test]
fn random_crop_takes_one_window_a_batch() {
    tf::random::set_seed(5);
    let x = ramp(&[3, 6, 7, 1], |i| i);
    let crop = layers::RandomCrop::new(2, 3);
    let mut corners = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let y = crop.call(&x, true).to_vec::<f32>();
        let first = y[0] as usize; // image 0, row r, column c: 7 r + c
        let (r, c) = (first / 7, first % 7);
        assert!(r <= 4 && c <= 4, "the window fits: corner ({r}, {c})");
        for (b, img) in y.chunks(6).enumerate() {
            let want: Vec<f32> = [0, 1, 2, 7, 8, 9].iter().map(|&o| (42 * b + first + o) as f32).collect();
            assert_eq!(img, &want[..], "image {b} has image 0's window");
        }
        corners.insert((r, c));
    }
    assert!(corners.len() > 3, "windows vary: {corners:?}");
    let f = tf::Function::new("crop", move |xs: &[Tensor]| vec![crop.call(&xs[0], true)]);
    for _ in 0..3 {
        let y = f.call(std::slice::from_ref(&x))[0].to_vec::<f32>();
        let first = y[0] as usize;
        assert!(first / 7 <= 4 && first % 7 <= 4);
        assert_eq!(y[17], (2 * 42 + first + 9) as f32, "the traced crop is one window too");
    }
}

/// RandomFlip and RandomContrast draw per image: every image is its original or its mirror,
/// both occur over a batch, and contrast keeps each channel's mean (before clipping).
#[test]
fn random_flip_and_contrast_draw_per_image() {
    tf::random::set_seed(11);
    let x = tf::reshape(&tf::range(64 * 6 * 3), [64, 1, 6, 3]);
    let x = tf::cast(&x, tf::float32);
    let y = layers::RandomFlip::new("horizontal").call(&x, true);
    let mirrored = tf::image::flip_left_right(&x);
    let (mut kept, mut flipped) = (0, 0);
    for i in 0..64 {
        let row = |t: &Tensor| tf::slice(t, &[i, 0, 0, 0], &[1, -1, -1, -1]).to_vec::<f32>();
        if row(&y) == row(&x) {
            kept += 1;
        } else {
            assert_eq!(row(&y), row(&mirrored), "image {i} is neither original nor mirrored");
            flipped += 1;
        }
    }
    assert!(kept > 10 && flipped > 10, "kept {kept}, flipped {flipped}");
    let small = &(&x / 64.0f32) + 20.0f32; // inside [0, 255] after any factor in [0.5, 1.5]
    let c = layers::RandomContrast::new(0.5).call(&small, true);
    let means = |t: &Tensor| tf::reduce_mean(t, [1, 2], false).to_vec::<f32>();
    for (a, b) in means(&c).iter().zip(means(&small)) {
        assert!((a - b).abs() < 1e-3, "channel mean {a} vs {b}");
    }
    assert_ne!(c.to_vec::<f32>(), small.to_vec::<f32>());
}

/// `keras.utils` refuses what Keras refuses, naming it.
#[test]
fn keras_utils_refuse_bad_labels() {
    use tf::keras::utils::to_categorical;
    let e = to_categorical(&tf::constant([0.5f32]), None).unwrap_err().to_string();
    assert!(e.contains("must be integers"), "{e}");
    let e = to_categorical(&tf::constant([1, -2]), None).unwrap_err().to_string();
    assert!(e.contains("non-negative, got -2"), "{e}");
    let e = to_categorical(&tf::constant([1, 4]), Some(3)).unwrap_err().to_string();
    assert!(e.contains("label 4 is not below num_classes 3"), "{e}");
    let long = tf::keras::utils::pad_sequences(
        &[vec![1, 2, 3, 4]],
        Some(2),
        tf::keras::utils::Side::Post,
        tf::keras::utils::Side::Post,
        0,
    );
    assert_eq!(long.to_vec::<i32>(), vec![1, 2]);
}

/// `Attention` (dot and concat scores, scaled, causal, with a key) and `AdditiveAttention`
/// against tf_keras 2.21: outputs, attention weights and gradients (weights set to
/// `1 + gen_keras.py`'s fill).
#[test]
fn luong_and_additive_attention_match_tensorflow() {
    let g = golden();
    let cases = g["luong"].as_array().expect("luong cases");
    assert_eq!(cases.len(), 5, "the golden file lost attention cases");
    for c in cases {
        let name = c["name"].as_str().expect("name");
        let q = input(&common::usizes(&c["query_shape"], "q"));
        let v = ramp(&common::usizes(&c["value_shape"], "v"), |i| 0.4 * (0.23 * i + 0.1).sin());
        let k = c["with_key"].as_bool().expect("with_key").then(|| tf::reverse(&v, &[-1]));
        let causal = c["causal"].as_bool().expect("causal");
        type Attend = Box<dyn Fn(&Tensor, &Tensor) -> (Tensor, Tensor)>;
        let layer: Attend;
        let holder: Box<dyn tf::Module>;
        match name {
            "dot" | "dot_scaled_causal" | "concat_key" => {
                let l = std::sync::Arc::new(match name {
                    "dot" => layers::Attention::new(),
                    "dot_scaled_causal" => layers::Attention::new().use_scale(true),
                    _ => layers::Attention::new().score_mode("concat").use_scale(true),
                });
                let (l2, k2) = (l.clone(), k.clone());
                layer = Box::new(move |q, v| l2.attend(q, v, k2.as_ref(), causal, false));
                holder = Box::new(l);
            }
            _ => {
                let l = std::sync::Arc::new(if name == "additive" {
                    layers::AdditiveAttention::new()
                } else {
                    layers::AdditiveAttention::new().use_scale(false)
                });
                let l2 = l.clone();
                layer = Box::new(move |q, v| l2.attend(q, v, None, causal, false));
                holder = Box::new(l);
            }
        }
        layer(&q, &v); // build
        let vars = holder.variables();
        let shapes = c["weights"].as_array().expect("weights");
        assert_eq!(vars.len(), shapes.len(), "{name}: weight count");
        for (i, (var, s)) in vars.iter().zip(shapes).enumerate() {
            let s = common::usizes(s, "weight shape");
            assert_eq!(var.shape().dims(), &s[..], "{name}: weight {i}");
            var.assign(&(&common::golden_weight(&s, i) + 1.0f32));
        }
        let tape = tf::GradientTape::new();
        tape.watch(&q);
        tape.watch(&v);
        let (out, scores) = layer(&q, &v);
        assert_matches(name, "output", &out, &c["output"]);
        assert_matches(name, "scores", &scores, &c["scores"]);
        let loss = &common::sin_weighted_sum(&out, 1.3) + &common::sin_weighted_sum(&scores, 0.7);
        let mut sources: Vec<tf::SourceRef> = vec![tf::Source::source(&q), tf::Source::source(&v)];
        sources.extend(vars.iter().map(tf::Source::source));
        let grads = tape.gradients(&[&loss], &sources, None, tf::UnconnectedGradients::Zero);
        for (i, (got, want)) in grads.iter().zip(c["grads"].as_array().expect("grads")).enumerate() {
            assert_matches(name, &format!("gradient {i}"), got.as_ref().expect("a gradient"), want);
        }
    }
}

/// `AlphaDropout` while training: each output is Keras's affine map `a x + b` of the input
/// (kept) or of SELU's saturation `-αλ` (dropped), with `a` and `b` as Keras computes them for
/// the rate, about `rate` of them dropped; at inference the input passes through.
#[test]
fn alpha_dropout_keeps_or_saturates_each_value() {
    let rate = 0.3f64;
    let alpha_p = -1.6732632423543772 * 1.0507009873554805;
    let a = ((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p)).powf(-0.5);
    let b = -a * alpha_p * rate;
    let x = ramp(&[40, 25], |i| (0.37 * i).cos());
    let layer = layers::AlphaDropout::new(rate).seed(Some(9));
    let y = layer.call(&x, true).to_vec::<f32>();
    let mut dropped = 0;
    for (xi, yi) in x.to_vec::<f32>().iter().zip(&y) {
        let kept = a * *xi as f64 + b;
        let gone = a * alpha_p + b;
        if ((*yi as f64) - gone).abs() < 1e-5 {
            dropped += 1;
        } else {
            assert!(((*yi as f64) - kept).abs() < 1e-5, "{yi} is neither {kept} nor {gone}");
        }
    }
    assert!((200..400).contains(&dropped), "{dropped} of 1000 dropped at rate 0.3");
    assert_eq!(layer.call(&x, false).to_vec::<f32>(), x.to_vec::<f32>());
}

/// `groups=` that does not divide the filters or the input channels is refused with Keras's
/// messages.
#[test]
fn convolution_groups_must_divide_filters_and_channels() {
    let e = common::panic_message(|| {
        layers::Conv2D::new(5, 3)
            .groups(2)
            .call(&tf::zeros([1, 4, 4, 4], tf::float32), false);
    });
    assert!(
        e.contains("filters must be evenly divisible by the number of groups. Received: groups=2, filters=5"),
        "{e}"
    );
    let e = common::panic_message(|| {
        layers::Conv1D::new(4, 2).groups(2).call(&tf::zeros([1, 4, 3], tf::float32), false);
    });
    assert!(
        e.contains("input channels must be evenly divisible by the number of groups. Received groups=2, but the input has 3 channels"),
        "{e}"
    );
}

/// EinsumDense round-trips through its config (Keras's `output_shape` with nulls), and a bad
/// equation or bias axis is refused in Keras's words.
#[test]
fn einsum_dense_configs_and_errors() {
    let layer = layers::EinsumDense::new("abc,cde->abde", [None, Some(2), Some(3)]).bias_axes("de");
    let x = input(&[2, 4, 5]);
    let y = layer.call(&x, false);
    let config = tf::keras::layers::serialize(&layer).expect("config");
    assert_eq!(config["config"]["output_shape"], serde_json::json!([null, 2, 3]));
    let rebuilt = tf::keras::layers::deserialize(&config).expect("rebuilt");
    rebuilt.call(&x, false);
    for (v, w) in rebuilt.variables().iter().zip(layer.variables()) {
        v.assign(&w.value());
    }
    assert_eq!(rebuilt.call(&x, false).to_vec::<f32>(), y.to_vec::<f32>());
    let bad = |l: layers::EinsumDense| common::panic_message(|| drop(l.call(&x, false)));
    assert!(bad(layers::EinsumDense::new("abc,cd", [Some(2)])).contains("Invalid einsum equation 'abc,cd'"));
    assert!(bad(layers::EinsumDense::new("abc,cd->abd", [None, Some(2)]).bias_axes("z")).contains("Bias dimension 'z' was requested"));
    assert!(bad(layers::EinsumDense::new("abc,cd->abd", [Some(9), Some(2)])).contains("do not match at shared dimension 'b'"));
}
