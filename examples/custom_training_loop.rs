//! The Fashion-MNIST MLP trained by a hand-written loop, as TensorFlow 2's "advanced"
//! quickstart writes it: a `tf.data` pipeline (shuffle, batch), a `#[tf::function]` train step
//! with a `GradientTape`, `optimizer.apply_gradients`, and stateful metrics reset every epoch.
//!
//! The whole step — forward, loss, gradients and Adam's update — is one graph: the optimizer
//! reads its learning rate and step count from its variables, and makes its slots on the
//! first trace.
//!
//! `cargo run --release --example custom_training_loop` (`EPOCHS=n`, default 3).

use tf::data::Dataset;
use tf::keras::layers::{Dense, Flatten, Layer};
use tf::keras::losses::{Loss, SparseCategoricalCrossentropy};
use tf::keras::metrics::{self, Metric};
use tf::keras::optimizers::{Adam, Optimizer};
use tf::keras::{self, Sequential};
use tf::{GradientTape, Module, Tensor, UnconnectedGradients};

/// One training step, one graph per model and optimizer instance; the last, smaller batch of
/// an epoch generalizes the trace to a batch of `None` (`reduce_retracing`), so two traces
/// serve every epoch.
#[tf::function(reduce_retracing)]
fn train_step(model: &Sequential, opt: &mut Adam, x: &Tensor, y: &Tensor) -> (Tensor, Tensor) {
    let loss_fn = SparseCategoricalCrossentropy::new().from_logits(true);
    let tape = GradientTape::new();
    let predictions = model.call(x, true);
    let loss = loss_fn.call(y, &predictions);
    let vars = model.trainable_variables();
    let grads = tape.gradients(&[&loss], &vars, None, UnconnectedGradients::Zero);
    let gv: Vec<(Tensor, tf::Variable)> = grads.into_iter().flatten().zip(vars).collect();
    opt.apply_gradients(&gv);
    (loss, predictions)
}

pub fn train(epochs: usize, verbose: bool) -> tf::Result<Vec<f64>> {
    tf::random::set_seed(0);
    let ((x_train, y_train), (x_test, y_test)) = keras::datasets::fashion_mnist::load_data()?;
    let x_train = tf::cast(&x_train, tf::float32) / 255.0;
    let x_test = tf::cast(&x_test, tf::float32) / 255.0;
    let train_ds = Dataset::from_tensor_slices((x_train, y_train))?
        .shuffle(10000, None, true)
        .batch(32, false);
    let test_ds = Dataset::from_tensor_slices((x_test, y_test))?.batch(32, false);

    let model = keras::sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(128).activation("relu"),
        Dense::new(10)
    ];
    let loss_fn = SparseCategoricalCrossentropy::new().from_logits(true);
    let mut opt = Adam::default();
    let (mut train_loss, mut train_acc) = (metrics::Mean::new("train_loss"), metrics::sparse_categorical_accuracy());
    let (mut test_loss, mut test_acc) = (metrics::Mean::new("test_loss"), metrics::sparse_categorical_accuracy());
    let mut accs = Vec::new();
    for epoch in 0..epochs {
        for m in [&mut train_loss as &mut dyn Metric, &mut train_acc, &mut test_loss, &mut test_acc] {
            m.reset_state();
        }
        for batch in &train_ds {
            let (x, y) = batch?;
            let (loss, pred) = train_step(&model, &mut opt, &x, &y);
            train_loss.update(&loss, None);
            train_acc.update_state(&y, &pred, None);
        }
        for batch in &test_ds {
            let (x, y) = batch?;
            let pred = model.call(&x, false);
            test_loss.update(&loss_fn.call(&y, &pred), None);
            test_acc.update_state(&y, &pred, None);
        }
        if verbose {
            println!(
                "Epoch {}, Loss: {:.4}, Accuracy: {:.2}, Test Loss: {:.4}, Test Accuracy: {:.2}",
                epoch + 1,
                train_loss.result(),
                train_acc.result() * 100.0,
                test_loss.result(),
                test_acc.result() * 100.0
            );
        }
        accs.push(test_acc.result());
    }
    Ok(accs)
}

#[allow(dead_code)] // the smoke test calls `train`
pub fn main() -> tf::Result<()> {
    let epochs = std::env::var("EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    train(epochs, true).map(|_| ())
}
