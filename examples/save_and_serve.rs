//! Train, watch, save, serve: the Fashion-MNIST tutorial's MLP trained for one epoch with the
//! TensorBoard and ModelCheckpoint callbacks, then saved as a SavedModel that
//! `examples/load_saved_model.rs` — a program with no model code — loads and runs.
//!
//! ```text
//! cargo run --release --example save_and_serve -- [dir]       # default saved/fashion_mnist
//! cargo run --release --example load_saved_model -- [dir]/model
//! tensorboard --logdir [dir]/logs
//! ```
//!
//! The model takes raw uint8 pixels (a `Rescaling` layer divides by 255), so a server feeds
//! it images as they come. `[dir]/model` is the SavedModel; `[dir]/checkpoints/epoch-01` is
//! the whole model as ModelCheckpoint saved it after the epoch; `[dir]/logs` has the
//! TensorBoard runs.

use std::path::{Path, PathBuf};
use tf::keras::{self, callbacks, layers::*, losses::SparseCategoricalCrossentropy, optimizers::Adam};

/// Trains for `epochs` (on the first `limit` training images, all when `None`), saves into
/// `dir`, and returns the test accuracy measured here.
pub fn run(dir: &Path, epochs: usize, limit: Option<usize>, verbose: u8) -> tf::Result<f64> {
    tf::random::set_seed(0);
    let ((mut x_train, mut y_train), (x_test, y_test)) = keras::datasets::fashion_mnist::load_data()?;
    if let Some(n) = limit {
        x_train = tf::slice(&x_train, &[0, 0, 0], &[n as i64, 28, 28]);
        y_train = tf::slice(&y_train, &[0], &[n as i64]);
    }
    let mut model = keras::sequential![
        Rescaling::new(1.0 / 255.0, 0.0).input_shape([28, 28]),
        Flatten::new(),
        Dense::new(128).activation("relu"),
        Dense::new(10),
    ]
    .with_name("fashion_mnist_mlp");
    model.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let checkpoints = dir.join("checkpoints").join("epoch-{epoch:02d}");
    model.fit(
        (&x_train, &y_train),
        keras::FitArgs {
            epochs,
            verbose,
            validation_split: 0.1,
            callbacks: vec![
                Box::new(callbacks::TensorBoard::new(dir.join("logs"))),
                Box::new(callbacks::ModelCheckpoint::new(checkpoints.to_string_lossy())),
            ],
            ..Default::default()
        },
    )?;
    let test = model.evaluate(
        (&x_test, &y_test),
        keras::EvaluateArgs {
            verbose: 0,
            ..Default::default()
        },
    )?;
    let export = dir.join("model");
    // One trace for any batch size (a batch dimension of None, as Keras saves).
    keras::saving::save_model(&model, &export, &keras::saving::SaveOptions::default())?;
    if verbose > 0 {
        println!("test accuracy {:.4}; saved the model to {}", test["accuracy"], export.display());
        println!("next: cargo run --release --example load_saved_model -- {}", export.display());
    }
    Ok(test["accuracy"])
}

#[allow(dead_code)] // the smoke test calls `run`
pub fn main() -> tf::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "saved/fashion_mnist".into()));
    run(&dir, 1, None, 1).map(|_| ())
}
