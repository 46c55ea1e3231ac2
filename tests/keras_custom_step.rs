//! A custom train step (`Model::set_train_step`, Keras's overridden `Model.train_step`)
//! against a real TensorFlow run (`tests/golden/gen_custom_step.py`, tf_keras 2.21): the
//! guide's first example (with its evaluation step, `set_test_step`) and a two-update
//! (GAN-style) step, as graph functions and eagerly, with a partial last batch.

mod common;

use tf::keras::layers::{Dense, Layer};
use tf::keras::optimizers::{Adam, Optimizer, SGD};
use tf::keras::regularizers::Regularizer;
use tf::keras::{self, FitArgs, Model, StepContext, StepData};
use tf::{GradientTape, Module, Tensor, UnconnectedGradients, Variable};

fn golden() -> &'static serde_json::Value {
    static G: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    G.get_or_init(|| common::golden_json("custom_step.json"))
}

fn case(name: &str) -> &'static serde_json::Value {
    common::golden_case(golden(), name)
}

#[derive(tf::Module)]
struct Guide {
    d1: Dense,
    d2: Dense,
}

impl Layer for Guide {
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.d2.call(&self.d1.call(x, training), training)
    }
}

#[derive(tf::Module)]
struct TwoPhase {
    a: Dense,
    b: Dense,
}

impl Layer for TwoPhase {
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.b.call(&self.a.call(x, training), training)
    }
}

/// `optimizer.apply_gradients(zip(tape.gradient(loss, vars), vars))`.
fn minimize(opt: &mut dyn Optimizer, tape: GradientTape, loss: &Tensor, vars: Vec<Variable>) {
    let grads = tape.gradients(&[loss], &vars, None, UnconnectedGradients::Zero);
    let gv: Vec<(Tensor, Variable)> = grads.into_iter().flatten().zip(vars).collect();
    opt.apply_gradients(&gv);
}

/// The guide's step: forward under a tape, the compiled loss with the model's losses, the
/// update, the compiled metrics.
fn guide_step(step: &mut StepContext<'_, Guide>, data: &StepData) -> Vec<(&'static str, Tensor)> {
    let tape = GradientTape::new();
    let y_pred = step.call(data.x(), true);
    let loss = step.compute_loss(data.y(), &y_pred, None);
    let vars = step.trainable_variables();
    minimize(step.optimizer(), tape, &loss, vars);
    step.update_metrics(data.y(), &y_pred);
    vec![("loss", loss)]
}

/// The guide's evaluation step: the compiled loss and metrics of the inference pass.
fn guide_test_step(step: &mut StepContext<'_, Guide>, data: &StepData) -> Vec<(&'static str, Tensor)> {
    let y_pred = step.call(data.x(), false);
    let loss = step.compute_loss(data.y(), &y_pred, None);
    step.update_metrics(data.y(), &y_pred);
    vec![("loss", loss)]
}

/// Two updates, each of one part's weights, with one optimizer.
fn two_phase_step(step: &mut StepContext<'_, TwoPhase>, data: &StepData) -> Vec<(&'static str, Tensor)> {
    let tape = GradientTape::new();
    let y_pred = step.call(data.x(), true);
    let loss_a = step.compute_loss(data.y(), &y_pred, None);
    let vars = step.a.trainable_variables();
    minimize(step.optimizer(), tape, &loss_a, vars);
    let tape = GradientTape::new();
    let y_pred = step.call(data.x(), true);
    let loss_b = tf::reduce_mean(&tf::abs(&(data.y() - &y_pred)), None, false);
    let vars = step.b.trainable_variables();
    minimize(step.optimizer(), tape, &loss_b, vars);
    vec![("loss_a", loss_a), ("loss_b", loss_b)]
}

/// Builds the model on one sample and sets the golden weights.
fn start<L: Layer>(model: &Model<L>) -> (Tensor, Tensor) {
    let (x, y) = (common::json_tensor(&golden()["x"]), common::json_tensor(&golden()["y"]));
    model.call(&tf::slice(&x, &[0, 0], &[1, -1]), false);
    let shapes: Vec<Vec<usize>> = model.variables().iter().map(|v| v.shape().dims().to_vec()).collect();
    let w: Vec<Tensor> = shapes.iter().enumerate().map(|(k, s)| common::golden_weight(s, k)).collect();
    model.set_weights(&w).expect("weights");
    (x, y)
}

fn fit_args() -> FitArgs {
    FitArgs {
        batch_size: 4,
        epochs: 2,
        shuffle: false,
        verbose: 0,
        ..Default::default()
    }
}

/// [`fit_args`] with the golden validation data.
fn fit_args_with_validation() -> FitArgs {
    let g = golden();
    FitArgs {
        validation_data: Some(keras::ValidationData {
            x: vec![common::json_tensor(&g["x_val"])],
            y: vec![common::json_tensor(&g["y_val"])],
        }),
        ..fit_args()
    }
}

/// `evaluate` on the training data at batch size 4, against TensorFlow's.
fn assert_evaluate<L: Layer>(name: &str, model: &mut Model<L>, x: &Tensor, y: &Tensor) {
    let args = keras::EvaluateArgs {
        batch_size: 4,
        verbose: 0,
        ..Default::default()
    };
    let logs = model.evaluate((x, y), args).expect("evaluate");
    let want = case(name)["evaluate"].as_object().expect("evaluate");
    assert_eq!(logs.iter().count(), want.len(), "{name}: evaluate logs {logs:?}");
    for (k, v) in want {
        assert_near(&format!("{name}: evaluate {k}"), logs[k.as_str()], v.as_f64().expect("number"));
    }
}

fn assert_near(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() < 2e-5 * (1.0 + want.abs()), "{what}: {got}, TensorFlow {want}");
}

fn assert_weights<L: Layer>(name: &str, model: &Model<L>) {
    let want = case(name)["weights"].as_array().expect("weights");
    for (k, (v, w)) in model.variables().iter().zip(want).enumerate() {
        for (i, (a, b)) in v.value().to_vec::<f32>().iter().zip(w.as_array().expect("weight")).enumerate() {
            let b = b.as_f64().expect("number");
            assert!(
                (*a as f64 - b).abs() < 1e-5 * (1.0 + b.abs()),
                "{name}: weight {k}[{i}] {a}, TensorFlow {b}"
            );
        }
    }
}

#[test]
fn the_guides_custom_train_step_matches_tensorflow() {
    let c = case("guide");
    for eager in [false, true] {
        let mut model = Model::wrap(Guide {
            d1: Dense::new(4).activation("tanh").activity_regularizer(Regularizer::L2(0.01)),
            d2: Dense::new(1),
        });
        let (x, y) = start(&model);
        model.compile(SGD::new(0.1), "mse", &["mae"]);
        model.run_eagerly = eager;
        model.set_train_step(guide_step);
        model.set_test_step(guide_test_step);
        let h = model.fit((&x, &y), fit_args_with_validation()).expect("fit");
        let names: Vec<&str> = h.history.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["loss", "mae", "val_loss", "val_mae"]);
        for key in names {
            for (e, want) in c["history"][key].as_array().expect("history").iter().enumerate() {
                assert_near(
                    &format!("guide ({eager}): {key} of epoch {}", e + 1),
                    h[key][e],
                    want.as_f64().expect("number"),
                );
            }
        }
        assert_weights("guide", &model);
        assert_evaluate("guide", &mut model, &x, &y);
        if !eager {
            assert!(
                model.train_function().expect("compiled").tracing_count() >= 1,
                "the step ran as a graph function"
            );
        }
    }
}

/// A step's logged scalars are averaged over the epoch's samples, as the built-in loss is
/// (Keras's History keeps the last batch's value of a raw scalar; its progress bar averages).
#[test]
fn a_two_update_step_matches_tensorflow() {
    let c = case("two_phase");
    let batches = c["batch_logs"].as_array().expect("batch logs");
    let sizes = [4.0, 4.0, 2.0];
    for eager in [false, true] {
        let mut model = Model::wrap(TwoPhase {
            a: Dense::new(4).activation("tanh"),
            b: Dense::new(1),
        });
        let (x, y) = start(&model);
        model.compile(Adam::new(0.01), "mse", ());
        model.run_eagerly = eager;
        model.set_train_step(two_phase_step);
        let h = model.fit((&x, &y), fit_args_with_validation()).expect("fit");
        for (e, want) in c["history"]["val_loss"].as_array().expect("val_loss").iter().enumerate() {
            assert_near(
                &format!("two-phase ({eager}): val_loss of epoch {}", e + 1),
                h["val_loss"][e],
                want.as_f64().expect("number"),
            );
        }
        for key in ["loss_a", "loss_b"] {
            for epoch in 0..2 {
                let logs = &batches[3 * epoch..3 * epoch + 3];
                let want = logs
                    .iter()
                    .zip(sizes)
                    .map(|(l, n)| n * l[key].as_f64().expect("number"))
                    .sum::<f64>()
                    / 10.0;
                assert_near(&format!("two-phase ({eager}): {key} of epoch {}", epoch + 1), h[key][epoch], want);
            }
        }
        assert_weights("two_phase", &model);
        assert_evaluate("two_phase", &mut model, &x, &y);
    }
}

#[test]
fn train_on_batch_runs_the_custom_step() {
    let mut model = keras::sequential![Dense::new(1).kernel_initializer("zeros").input_shape([1])];
    model.compile(SGD::new(0.1), "mse", ());
    model.set_train_step(|step, data| {
        let tape = GradientTape::new();
        let y_pred = step.call(data.x(), true);
        let loss = step.compute_loss(data.y(), &y_pred, None);
        let vars = step.trainable_variables();
        minimize(step.optimizer(), tape, &loss, vars);
        let twice = &loss * 2.0;
        vec![("loss", loss), ("twice", twice)]
    });
    let (x, y) = (tf::constant([[1.0f32], [2.0]]), tf::constant([[2.0f32], [4.0]]));
    let logs = model.train_on_batch(&x, &y).expect("train_on_batch");
    assert_eq!((logs["loss"], logs["twice"]), (10.0, 20.0)); // before the update
    let logs = model.train_on_batch(&x, &y).expect("train_on_batch");
    assert_near("second step", logs["loss"], 1.06); // the built-in step's numbers
}

/// A step that fails (here: a shape error) is an error naming the batch, and the model keeps
/// its compile state; a step logging a non-scalar is refused by name.
#[test]
fn a_failing_custom_step_is_an_error_and_the_model_stays_compiled() {
    let mut model = keras::sequential![Dense::new(1).input_shape([2])];
    model.compile(SGD::new(0.1), "mse", ());
    model.set_train_step(|step, data| {
        let y_pred = step.call(data.x(), true);
        vec![("loss", tf::matmul(&y_pred, &y_pred))] // [n, 1] x [n, 1]: a shape error
    });
    let (x, y) = (tf::ones([4, 2], tf::float32), tf::ones([4, 1], tf::float32));
    let err = model.fit((&x, &y), fit_args()).expect_err("a shape error");
    assert!(err.to_string().contains("epoch 1, batch 0"), "{err}");
    model.set_train_step(|step, data| {
        let y_pred = step.call(data.x(), true);
        vec![(
            "per_sample",
            step.compute_loss(data.y(), &y_pred, None) * &tf::ones([4], tf::float32),
        )]
    });
    let err = model.fit((&x, &y), fit_args()).expect_err("a non-scalar log");
    assert!(err.to_string().contains("\"per_sample\" with shape (4,)"), "{err}");
    model.set_train_step(|step, data| {
        let y_pred = step.call(data.x(), true);
        vec![("loss", step.compute_loss(data.y(), &y_pred, None))]
    });
    let h = model.fit((&x, &y), fit_args()).expect("the model is still compiled");
    assert_eq!(h["loss"].len(), 2);
}
