//! Keras models exported to ONNX (`model.export_onnx(path)`, Keras 3's
//! `model.export(path, format="onnx")`), for ONNX Runtime and the other ONNX tools: the
//! TensorFlow 2.0 overview's CNN, the beginner tutorial's MLP, a functional model with two
//! inputs and two outputs, a text classifier over token ids, a convolution zoo, a decoder
//! of transposed convolutions, a 1-D convolutional sequence model, recurrent layers; and two
//! traced functions, one over many ops and one with `tf.cond` and
//! `tf.while_loop`.
//!
//! `cargo run --release --example onnx_export -- DIR` writes, for each model, `NAME.onnx`,
//! an input batch and this crate's outputs on it (`.npy`) and `DIR/manifest.json`;
//! `python .ci/check_onnx.py DIR` (with `pip install onnx onnxruntime`) checks each model
//! with ONNX's checker and runs it in ONNX Runtime against those outputs (CI does).

#[path = "mnist_cnn.rs"]
#[allow(dead_code)]
mod mnist_cnn;

use serde_json::json;
use tf::keras::layers::{
    AveragePooling2D, BatchNormalization, Concatenate, Conv1D, Conv2D, Conv2DTranspose, Dense, DepthwiseConv2D, Dropout, Embedding,
    Flatten, GlobalAveragePooling1D, GlobalMaxPooling2D, Layer, LayerNormalization, LeakyReLU, MaxPooling1D, PReLU, SeparableConv2D,
    UpSampling2D, ZeroPadding2D, GRU, LSTM,
};
use tf::keras::{self, Apply, Input, Model};
use tf::Tensor;

fn main() -> tf::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "onnx".into()));
    std::fs::create_dir_all(&dir).map_err(|e| tf::Error::io(&dir, e))?;
    tf::random::set_seed(0);
    let images = tf::random::uniform(&[4, 28, 28, 1], 0.0, 1.0, tf::float32, None);
    let mut manifest = Vec::new();
    let mut export = |name: &str, model: &dyn Exportable, xs: Vec<Tensor>| -> tf::Result<()> {
        let ys = model.outputs(&xs);
        model.export(&dir.join(format!("{name}.onnx")), ys.len())?;
        let mut entry = json!({"model": format!("{name}.onnx"), "inputs": [], "outputs": []});
        for (k, x) in xs.iter().enumerate() {
            let file = format!("{name}.x{k}.npy");
            tf::data::save_npy(dir.join(&file), x)?;
            entry["inputs"].as_array_mut().expect("a list").push(json!(file));
        }
        for (k, y) in ys.iter().enumerate() {
            let file = format!("{name}.y{k}.npy");
            tf::data::save_npy(dir.join(&file), y)?;
            entry["outputs"].as_array_mut().expect("a list").push(json!(file));
        }
        println!(
            "{name}: {} -> {}",
            entry["model"],
            ys.iter().map(|y| y.shape().to_string()).collect::<Vec<_>>().join(", ")
        );
        manifest.push(entry);
        Ok(())
    };

    // The TensorFlow 2.0 overview's CNN (trained models export the same way).
    let cnn = mnist_cnn::sequential();
    export("cnn", &*cnn, vec![images.clone()])?;

    // The beginner tutorial's MLP.
    let mlp = keras::sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(128).activation("relu"),
        Dense::new(10)
    ];
    export("mlp", &*mlp, vec![tf::reshape(&images, [4, 28, 28])])?;

    // Functional: two inputs, normalization, dropout, two heads.
    let (a, b) = (Input::new([6]), Input::new([3]));
    let h = Concatenate::default().apply([&a, &b]);
    let h = Dense::new(16).activation("gelu").apply(&h);
    let h = LayerNormalization::new().apply(&h);
    let h = Dropout::new(0.5).apply(&h);
    let reg = Dense::new(1).activation("sigmoid").with_name("reg").apply(&h);
    let cls = Dense::new(3).activation("softmax").with_name("cls").apply(&h);
    let two = Model::new([&a, &b], [&reg, &cls])?;
    let (xa, xb) = (
        tf::random::normal(&[5, 6], 0.0, 1.0, tf::float32, None),
        tf::random::normal(&[5, 3], 0.0, 1.0, tf::float32, None),
    );
    export("two_heads", &two, vec![xa, xb])?;

    // Token ids to a class: Embedding, a mean over the sequence, a head.
    let text = keras::sequential![Embedding::new(50, 8).input_shape([7]), GlobalAveragePooling1D::new(), Dense::new(2)];
    let ids = tf::cast(&tf::floor(&tf::random::uniform(&[3, 7], 0.0, 50.0, tf::float32, None)), tf::int64);
    export("text", &*text, vec![ids])?;

    // Convolutions: padding, strides, dilation, depthwise, SAME average pooling, batch norm.
    let zoo = keras::sequential![
        ZeroPadding2D::new(1).input_shape([12, 12, 3]),
        Conv2D::new(8, 3).strides(2).activation("relu"),
        Conv2D::new(8, 3).dilation_rate(2).padding("same"),
        DepthwiseConv2D::new(3).depth_multiplier(2).padding("same").activation("tanh"),
        AveragePooling2D::new(3).strides(2).padding("same"),
        BatchNormalization::new(),
        GlobalMaxPooling2D::new(),
        Dense::new(4).activation("softmax"),
    ];
    let pictures = tf::random::normal(&[2, 12, 12, 3], 0.0, 1.0, tf::float32, None);
    export("conv_zoo", &*zoo, vec![pictures])?;

    // Upsampling: transposed convolutions (SAME; VALID with a stride above the kernel, so
    // ONNX needs an output padding), nearest-neighbour upsampling, a separable convolution.
    let decoder = keras::sequential![
        Conv2DTranspose::new(8, 3)
            .strides(2)
            .padding("same")
            .activation("relu")
            .input_shape([4, 4, 3]),
        Conv2DTranspose::new(4, 2).strides(3),
        UpSampling2D::new(2),
        SeparableConv2D::new(2, 3).padding("same"),
        LeakyReLU::new(),
    ];
    let codes = tf::random::normal(&[2, 4, 4, 3], 0.0, 1.0, tf::float32, None);
    export("decoder", &*decoder, vec![codes])?;

    // Sequences: 1-D convolutions (causal, dilated), pooling, learned and fixed activations.
    let sequence = keras::sequential![
        Conv1D::new(6, 3).padding("causal").dilation_rate(2).input_shape([12, 2]),
        PReLU::new(),
        MaxPooling1D::default(),
        Conv1D::new(4, 2).activation("elu"),
        GlobalAveragePooling1D::new(),
        Dense::new(4).activation("selu"),
        Dense::new(4).activation("softplus"),
        Dense::new(3).activation("swish"),
        Dense::new(2).activation("hard_sigmoid"),
    ];
    let series = tf::random::normal(&[3, 12, 2], 0.0, 1.0, tf::float32, None);
    export("sequence", &*sequence, vec![series])?;

    // Recurrent layers over a sequence of known length (unrolled when traced).
    let rnn = keras::sequential![LSTM::new(8).return_sequences(true).input_shape([5, 3]), GRU::new(4)];
    export("rnn", &*rnn, vec![tf::random::normal(&[2, 5, 3], 0.0, 1.0, tf::float32, None)])?;

    // Any traced function exports too: `tf::onnx::export` over the ops the exporter maps.
    let x = tf::random::normal(&[3, 4], 0.0, 1.0, tf::float32, None);
    let y = tf::random::uniform(&[3, 4], 0.5, 2.0, tf::float32, None);
    let k = tf::constant([[3, -7, 5, 0], [-1, 8, 2, -4], [6, 6, -9, 1]]);
    let spec = |d| tf::ops::TensorSpec::new(vec![None, Some(4)], d);
    let math_fn = Function(
        math,
        vec![("x", spec(tf::float32)), ("y", spec(tf::float32)), ("k", spec(tf::int32))],
    );
    export("math", &math_fn, vec![x, y.clone(), k])?;

    // Staged control flow: `tf.cond` and `tf.while_loop` become ONNX `If` and `Loop`.
    export("control_flow", &Function(control_flow, vec![("y", spec(tf::float32))]), vec![y])?;

    let text = serde_json::to_string_pretty(&manifest).expect("json");
    let path = dir.join("manifest.json");
    std::fs::write(&path, text).map_err(|e| tf::Error::io(&path, e))?;
    println!("wrote {} models to {}", manifest.len(), dir.display());
    Ok(())
}

/// Elementwise math, comparisons, reductions, casts and data movement on `x`, `y > 0`
/// (float32) and `k` (int32), all `[batch, 4]`.
fn math(t: &[Tensor]) -> Vec<Tensor> {
    let (x, y, k) = (&t[0], &t[1], &t[2]);
    let pos = tf::greater(x, &tf::constant(0.0f32));
    vec![
        tf::square(x) + tf::rsqrt(y) + tf::expm1(x) + tf::log1p(y) + tf::squared_difference(x, y),
        tf::floordiv(x, y) + tf::floormod(x, y) + tf::pow(y, x) + tf::maximum(x, y) - tf::minimum(x, y),
        tf::abs(x) + tf::sign(x) + tf::floor(x) + tf::ceil(x) + tf::round(&(x * 3.0)) + tf::erf(x),
        tf::sigmoid(x) + tf::tanh(x) + tf::sin(x) + tf::cos(x) + tf::exp(x) + tf::log(y) + tf::sqrt(y) + tf::reciprocal(y),
        tf::floormod(k, &tf::constant(3)) + tf::truncatediv(k, &tf::constant(2)) - tf::cast(x, tf::int32),
        tf::cast(&tf::not_equal(k, &tf::constant(6)), tf::float32) + tf::where_(&pos, x, y) + tf::cast(&tf::less_equal(x, y), tf::float32),
        tf::reduce_sum(x, 1, true) + tf::reduce_max(x, None, false) - tf::reduce_min(x, 0, false) + tf::reduce_prod(y, 1, true),
        tf::cast(
            &tf::logical_or(&tf::reduce_any(&pos, 1, false), &tf::reduce_all(&pos, None, false)),
            tf::int32,
        ),
        tf::argmax(x, 1),
        tf::concat(
            &[
                &tf::transpose(&tf::gather(x, &tf::constant([2, 0]), 1), None),
                &tf::zeros_like(&tf::transpose(y, None)),
            ],
            0,
        ),
        tf::pad(x, &[(1, 0), (0, 2)], 0.5) + tf::ones_like(&tf::pad(y, &[(0, 1), (2, 0)], 0.0)),
        tf::linalg::matmul_transposed(x, y, false, true) + tf::broadcast_to(&tf::constant([[1.0f32]]), [-1, 3]),
        tf::nn::softmax(x, -1) + tf::nn::log_softmax(y, 0),
        tf::cast(&tf::shape(x), tf::int64),
        x.slice(tf::s![.., ..;-2]) + y.slice(tf::s![..;-1, 2..]),
        y.slice(tf::s![-1, 1..3]) + x.slice(tf::s![0, ..-2]) + x.slice(tf::s![1..2, tf::NEW_AXIS, 2..]),
    ]
}

/// Control flow on `y > 0` (`[batch, 4]`): Newton's iterations for `sqrt(y)` until they
/// settle (at most 30 passes; a loop inside a `cond` inside a loop's body), with a count of
/// passes; and a `cond` on the batch's mean.
fn control_flow(t: &[Tensor]) -> Vec<Tensor> {
    let y = &t[0];
    let big = tf::greater(&tf::reduce_mean(y, None, false), &tf::constant(1.0f32));
    let scaled = tf::cond(&big, || vec![y * 0.5], || vec![-y]);
    let moving = |v: &[Tensor]| tf::greater(&v[1], &tf::constant(1e-6f32));
    let out = tf::while_loop(
        moving,
        |v| {
            let next = (&v[0] + y / &v[0]) * 0.5;
            let change = tf::reduce_max(&tf::abs(&(&next - &v[0])), None, false);
            // In the first two passes a nested loop halves the change until it is below 0.01.
            let change = tf::cond(
                &tf::less_equal(&v[2], &tf::constant(1)),
                || {
                    tf::while_loop(
                        |c| tf::greater(&c[0], &tf::constant(0.01f32)),
                        |c| vec![&c[0] * 0.5],
                        std::slice::from_ref(&change),
                        None,
                    )
                },
                || vec![change.clone()],
            );
            vec![next, change[0].clone(), &v[2] + 1]
        },
        &[tf::ones_like(y), tf::constant(1.0f32), tf::constant(0)],
        Some(30),
    );
    vec![scaled[0].clone(), out[0].clone(), out[2].clone()]
}

/// What this example exports: its outputs on an input batch, and the export (of a function
/// with that many outputs).
trait Exportable {
    fn outputs(&self, xs: &[Tensor]) -> Vec<Tensor>;
    fn export(&self, path: &std::path::Path, outputs: usize) -> tf::Result<()>;
}

impl<L: Layer> Exportable for Model<L> {
    fn outputs(&self, xs: &[Tensor]) -> Vec<Tensor> {
        self.call_outputs(xs, false)
    }
    fn export(&self, path: &std::path::Path, _outputs: usize) -> tf::Result<()> {
        self.export_onnx(path)
    }
}

/// A function traced for its named input specs.
struct Function(fn(&[Tensor]) -> Vec<Tensor>, Vec<(&'static str, tf::ops::TensorSpec)>);

impl Exportable for Function {
    fn outputs(&self, xs: &[Tensor]) -> Vec<Tensor> {
        self.0(xs)
    }
    fn export(&self, path: &std::path::Path, outputs: usize) -> tf::Result<()> {
        let names: Vec<String> = (0..outputs).map(|i| format!("out{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        tf::onnx::export(path, &self.1, &names, self.0)
    }
}
