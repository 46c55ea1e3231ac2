//! TensorFlow's beginner tutorial on Fashion-MNIST, line by line: Flatten, Dense(128, relu),
//! Dense(10) logits, Adam, SparseCategoricalCrossentropy(from_logits), 10 epochs of `fit` with
//! Keras's progress output, then `evaluate` on the test set.
//!
//! `cargo run --release --example fashion_mnist` (data: `apt-get install -y
//! dataset-fashion-mnist`, or the four IDX `.gz` files under `~/.keras/datasets/fashion-mnist/`).
//! `EPOCHS=n` overrides the epoch count.

use tf::keras::{self, layers::Dense, layers::Flatten, losses::SparseCategoricalCrossentropy, optimizers::Adam};

/// Trains for `epochs` and returns the test accuracy.
pub fn train(epochs: usize, verbose: u8) -> tf::Result<f64> {
    tf::random::set_seed(0);
    let ((x_train, y_train), (x_test, y_test)) = keras::datasets::fashion_mnist::load_data()?;
    let x_train = tf::cast(&x_train, tf::float32) / 255.0;
    let x_test = tf::cast(&x_test, tf::float32) / 255.0;

    let mut model = keras::sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(128).activation("relu"),
        Dense::new(10),
    ];
    if verbose > 0 {
        model.summary();
    }
    model.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );

    let start = std::time::Instant::now();
    let history = model.fit(
        (&x_train, &y_train),
        keras::FitArgs {
            epochs,
            verbose,
            ..Default::default()
        },
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let steps = history.params.steps.unwrap_or(1) * history.epoch.len();

    let test = model.evaluate(
        (&x_test, &y_test),
        keras::EvaluateArgs {
            verbose: 2.min(verbose),
            ..Default::default()
        },
    )?;
    if verbose > 0 {
        println!("\nTest accuracy: {:.4}", test["accuracy"]);
        println!(
            "fit: {epochs} epochs in {seconds:.1} s, {:.3} ms per training step (batch 32, including data shuffling and progress output)",
            seconds * 1e3 / steps.max(1) as f64
        );
    }
    Ok(test["accuracy"])
}

#[allow(dead_code)] // the smoke test calls `train`
pub fn main() -> tf::Result<()> {
    let epochs = std::env::var("EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    train(epochs, 1).map(|_| ())
}
