//! Losses a forward pass adds (`add_loss`, `activity_regularizer=`, `ActivityRegularization`)
//! and weight regularizers inside subclassed models, against a real TensorFlow run
//! (`tests/golden/gen_add_loss.py`, tf_keras 2.21): `model.losses` after a call, one
//! `train_on_batch`, `evaluate`, two epochs of `fit` with a partial last batch, and a custom
//! training loop adding `model.losses()` to its loss.

mod common;

use tf::keras::layers::{ActivityRegularization, Conv2D, Dense, Flatten, Lambda, Layer};
use tf::keras::losses::{Loss, MeanSquaredError, SparseCategoricalCrossentropy};
use tf::keras::optimizers::{Optimizer, SGD};
use tf::keras::regularizers::Regularizer;
use tf::keras::{self, Apply, FitArgs, Model};
use tf::{Module, Tensor};

fn golden() -> &'static serde_json::Value {
    static G: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    G.get_or_init(|| common::golden_json("add_loss.json"))
}

fn case(name: &str) -> &'static serde_json::Value {
    common::golden_case(golden(), name)
}

/// The guide's `ActivityRegularizationLayer`: a Dense(tanh) adding 0.1 mean(h²).
#[derive(tf::Module)]
struct Penalized {
    dense: Dense,
}

impl Layer for Penalized {
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        let h = self.dense.call(x, training);
        self.add_loss(&(&tf::reduce_mean(&tf::square(&h), None, false) * 0.1));
        h
    }
}

/// A subclassed model: the penalized block, then a Dense whose kernel is regularized.
#[derive(tf::Module)]
struct Net {
    block: Penalized,
    out: Dense,
}

impl Layer for Net {
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.out.call(&self.block.call(x, training), training)
    }
}

fn dense_sequential() -> keras::Sequential {
    keras::sequential![
        Dense::new(4)
            .activation("tanh")
            .activity_regularizer(Regularizer::L2(0.01))
            .input_shape([3]),
        ActivityRegularization::new(0.02, 0.03),
        Dense::new(2)
            .kernel_regularizer(Regularizer::L1(0.01))
            .bias_regularizer(Regularizer::L2(0.02)),
    ]
}

fn conv_sequential() -> keras::Sequential {
    keras::sequential![
        Conv2D::new(3, 3)
            .activation("relu")
            .activity_regularizer(Regularizer::L1(0.01))
            .input_shape([5, 5, 1]),
        Flatten::new(),
        Dense::new(3).activity_regularizer(Regularizer::L1L2 { l1: 0.001, l2: 0.002 }),
    ]
}

fn subclassed() -> Model<Net> {
    Model::wrap(Net {
        block: Penalized {
            dense: Dense::new(4).activation("tanh"),
        },
        out: Dense::new(2).kernel_regularizer(Regularizer::L2(0.05)),
    })
}

/// gen_add_loss.py's `functional_symbolic`: a functional model with two symbolic added
/// losses, one on an intermediate tensor.
fn functional_symbolic() -> Box<Model> {
    let inputs = keras::Input::new([3]);
    let h = Dense::new(4).activation("tanh").apply(&inputs);
    let outputs = Dense::new(2).apply(&h);
    let model = Model::new(&inputs, &outputs).unwrap();
    let hidden = Lambda::new(|h| tf::reduce_mean(&tf::square(h), None, false) * 0.05f32).apply(&h);
    model.add_loss(&hidden).unwrap();
    let out = Lambda::new(|y| tf::reduce_sum(&tf::abs(y), None, false) * 0.01f32).apply(&outputs);
    model.add_loss(&out).unwrap();
    Box::new(model)
}

/// The golden data of a case: (x, y, loss).
fn data(name: &str) -> (Tensor, Tensor, Box<dyn Loss>) {
    let g = golden();
    match name {
        "conv_sequential" => (
            common::json_tensor(&g["x_img"]),
            common::json_tensor(&g["y_img"]),
            Box::new(SparseCategoricalCrossentropy::new().from_logits(true)),
        ),
        _ => (
            common::json_tensor(&g["x_dense"]),
            common::json_tensor(&g["y_dense"]),
            Box::new(MeanSquaredError::new()),
        ),
    }
}

/// Builds the model on one sample and sets the golden weights.
fn start<L: Layer>(model: &Model<L>, x: &Tensor) {
    let mut size = vec![-1; x.rank()];
    size[0] = 1;
    model.call(&tf::slice(x, &vec![0; x.rank()], &size), false);
    let shapes: Vec<Vec<usize>> = model.variables().iter().map(|v| v.shape().dims().to_vec()).collect();
    let w: Vec<Tensor> = shapes.iter().enumerate().map(|(k, s)| common::golden_weight(s, k)).collect();
    model.set_weights(&w).expect("weights");
}

fn near(name: &str, what: &str, got: f64, want: &serde_json::Value) {
    let want = want.as_f64().expect("number");
    assert!(
        (got - want).abs() < 2e-5 * (1.0 + want.abs()),
        "{name}: {what} {got}, TensorFlow {want}"
    );
}

fn assert_weights<L: Layer>(name: &str, what: &str, model: &Model<L>, want: &serde_json::Value) {
    let want = want.as_array().expect("weights");
    let vars = model.variables();
    assert_eq!(vars.len(), want.len(), "{name}: weight count");
    for (k, (v, w)) in vars.iter().zip(want).enumerate() {
        let got = v.value().to_vec::<f32>();
        let w: Vec<f64> = w.as_array().expect("weight").iter().map(|x| x.as_f64().expect("number")).collect();
        for (i, (a, b)) in got.iter().zip(&w).enumerate() {
            assert!(
                (*a as f64 - b).abs() < 1e-5 * (1.0 + b.abs()),
                "{name}: weight {k}[{i}] {what}: {a}, TensorFlow {b}"
            );
        }
    }
}

/// `model.losses` after a call, `train_on_batch`, the weights after it and `evaluate`; then
/// `fit` from the same start. `eager` runs the steps eagerly (`run_eagerly`).
fn check<L: Layer + 'static, M: std::ops::DerefMut<Target = Model<L>>>(name: &str, build: impl Fn() -> M, eager: bool) {
    let c = case(name);
    let (x, y, _) = data(name);
    let mut model = build();
    start(&model, &x);
    model.call(&x, false);
    let mut got: Vec<f64> = model.losses().iter().map(|l| l.scalar::<f32>() as f64).collect();
    let mut want: Vec<f64> = c["losses"]
        .as_array()
        .expect("losses")
        .iter()
        .map(|v| v.as_f64().expect("loss"))
        .collect();
    got.sort_by(f64::total_cmp);
    want.sort_by(f64::total_cmp);
    assert_eq!(got.len(), want.len(), "{name}: model.losses {got:?}, TensorFlow {want:?}");
    for (g, w) in got.iter().zip(&want) {
        near(name, "model.losses entry", *g, &serde_json::json!(w));
    }

    model.compile(SGD::new(0.1), data(name).2, ());
    model.run_eagerly = eager;
    let logs = model.train_on_batch(&x, &y).expect("train_on_batch");
    near(name, "train_on_batch loss", logs.get("loss").expect("loss"), &c["train_on_batch"]);
    assert_weights(name, "after train_on_batch", &model, &c["after_step"]);
    let quiet = keras::EvaluateArgs {
        verbose: 0,
        ..Default::default()
    };
    let ev = model.evaluate((&x, &y), quiet).expect("evaluate");
    near(name, "evaluate loss", ev["loss"], &c["evaluate"]);

    let mut model = build();
    start(&model, &x);
    model.compile(SGD::new(0.1), data(name).2, ());
    model.run_eagerly = eager;
    let args = FitArgs {
        batch_size: 4,
        epochs: 2,
        shuffle: false,
        verbose: 0,
        ..Default::default()
    };
    let h = model.fit((&x, &y), args).expect("fit");
    for (e, want) in c["fit_loss"].as_array().expect("fit_loss").iter().enumerate() {
        near(name, &format!("fit loss of epoch {}", e + 1), h["loss"][e], want);
    }
    assert_weights(name, "after fit", &model, &c["after_fit"]);
}

#[test]
fn activity_regularizers_match_tensorflow() {
    for eager in [false, true] {
        check("dense_sequential", dense_sequential, eager);
        check("conv_sequential", conv_sequential, eager);
    }
}

#[test]
fn symbolic_losses_of_a_functional_model_match_tensorflow() {
    for eager in [false, true] {
        check("functional_symbolic", functional_symbolic, eager);
    }
    // Refused: a loss of the wrong rank, or through a layer with weights of its own.
    let inputs = keras::Input::new([3]);
    let model = Model::new(&inputs, &Dense::new(2).apply(&inputs)).unwrap();
    let e = model.add_loss(&Dense::new(1).apply(&inputs)).unwrap_err();
    assert!(e.to_string().contains("must be a scalar"), "{e}");
    let through = Lambda::new(|t| tf::reduce_sum(t, None, false)).apply(&Dense::new(1).apply(&inputs));
    let e = model.add_loss(&through).unwrap_err();
    assert!(e.to_string().contains("has weights the model does not use"), "{e}");
    let other = keras::Input::new([3]);
    let e = model
        .add_loss(&Lambda::new(|t| tf::reduce_sum(t, None, false)).apply(&other))
        .unwrap_err();
    assert!(e.to_string().contains("Graph disconnected"), "{e}");
    // No config: the Lambda has none.
    assert!(keras::layers::serialize(&*functional_symbolic()).is_err());
}

#[test]
fn add_loss_and_regularizers_in_a_subclassed_model_match_tensorflow() {
    for eager in [false, true] {
        check("subclassed", || Box::new(subclassed()), eager);
    }
}

/// One step of TensorFlow's custom training loop: `loss = loss_fn(y, model(x, training=True))
/// + sum(model.losses)` under a tape, then `optimizer.apply_gradients`.
fn loop_step(model: &Model<Net>, opt: &mut SGD, x: &Tensor, y: &Tensor) -> Tensor {
    let tape = tf::GradientTape::new();
    let pred = model.call(x, true);
    let loss = model.losses().iter().fold(MeanSquaredError::new().call(y, &pred), |a, l| &a + l);
    let vars = model.trainable_variables();
    let grads = tape.gradients(&[&loss], &vars, None, tf::UnconnectedGradients::None);
    let gv: Vec<(Tensor, tf::Variable)> = grads
        .into_iter()
        .zip(vars)
        .map(|(g, v)| (g.expect("a gradient for every weight"), v))
        .collect();
    opt.apply_gradients(&gv);
    loss
}

#[tf::function]
fn traced_loop_step(model: &Model<Net>, opt: &mut SGD, x: &Tensor, y: &Tensor) -> Tensor {
    loop_step(model, opt, x, y)
}

/// The custom loop's step equals `train_on_batch`'s in TensorFlow, eagerly and as a
/// `tf.function`.
#[test]
fn a_custom_loop_adding_model_losses_matches_tensorflow() {
    let c = case("subclassed");
    let (x, y, _) = data("subclassed");
    for traced in [false, true] {
        let model = subclassed();
        start(&model, &x);
        let mut opt = SGD::new(0.1);
        let loss = if traced {
            traced_loop_step(&model, &mut opt, &x, &y)
        } else {
            loop_step(&model, &mut opt, &x, &y)
        };
        near("custom loop", "loss", loss.scalar::<f32>() as f64, &c["train_on_batch"]);
        assert_weights("custom loop", "after the step", &model, &c["after_step"]);
    }
}

/// `activity_regularizer` and `ActivityRegularization` survive a config round trip, and a
/// rebuilt model adds the same losses.
#[test]
fn activity_regularizers_round_trip_through_configs() {
    let model = dense_sequential();
    let config = keras::layers::serialize(&*model).expect("config");
    let dense = &config["config"]["layers"][0]["config"];
    assert_eq!(dense["activity_regularizer"]["class_name"], "L2");
    let reg = &config["config"]["layers"][1];
    assert_eq!(reg["class_name"], "ActivityRegularization");
    assert_eq!(
        (reg["config"]["l1"].as_f64(), reg["config"]["l2"].as_f64()),
        (Some(0.02), Some(0.03))
    );
    let rebuilt = keras::layers::deserialize(&config).expect("rebuilt");
    for (v, w) in rebuilt.variables().iter().zip(model.get_weights()) {
        v.assign(&w);
    }
    let x = common::json_tensor(&golden()["x_dense"]);
    model.call(&x, false);
    rebuilt.call(&x, false);
    let sum = |ls: Vec<Tensor>| ls.iter().map(|l| l.scalar::<f32>()).sum::<f32>();
    assert_eq!(model.losses().len(), 4);
    assert_eq!(sum(model.losses()), sum(rebuilt.losses()));
}

/// Each call replaces the model's added losses (Keras clears them at every outer call), and a
/// model nested in a model hands its losses to the outer one.
#[test]
fn added_losses_are_the_latest_calls_and_reach_enclosing_models() {
    let inner = keras::sequential![ActivityRegularization::new(0.0, 1.0).input_shape([2])];
    let outer = keras::sequential![Dense::new(2).input_shape([2]), inner];
    let x = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
    outer.call(&x, false);
    let h = outer.layers()[0].call(&x, false);
    let want = tf::reduce_sum(&tf::square(&h), None, false).scalar::<f32>() / 2.0;
    let losses = outer.losses();
    assert_eq!(losses.len(), 1, "one call's loss, not the building call's as well");
    assert!((losses[0].scalar::<f32>() - want).abs() < 1e-5 * want.abs().max(1.0));
    assert_eq!(outer.layers()[1].losses().len(), 1, "the inner model keeps its own");
}

/// A loss added under a traced `fit` step with an unknown batch divides by the batch that
/// runs: fitting 5 samples at batch size 2 (sizes 2, 2, 1) gives Keras's per-batch losses.
#[test]
fn activity_losses_divide_by_the_running_batch() {
    let mut model = keras::sequential![ActivityRegularization::new(1.0, 0.0).input_shape([1])];
    model.compile(SGD::new(0.1), MeanSquaredError::new(), ());
    let x = tf::constant([[1.0f32], [2.0], [3.0], [4.0], [10.0]]);
    let y = tf::zeros([5, 1], tf::float32);
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                batch_size: 2,
                epochs: 1,
                shuffle: false,
                verbose: 0,
                ..Default::default()
            },
        )
        .expect("fit");
    // Batches: mse + mean|x| = (2.5 + 1.5), (12.5 + 3.5), (100 + 10); Keras averages them
    // weighted by batch size.
    let want = (2.0 * 4.0 + 2.0 * 16.0 + 110.0) / 5.0;
    assert!((h["loss"][0] - want).abs() < 1e-4, "loss {}, want {want}", h["loss"][0]);
}
