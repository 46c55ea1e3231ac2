//! Serving a SavedModel from a program that has none of the model's code: only
//! `tf::saved_model::load`, the test images, and the signature's names.
//!
//! `cargo run --release --example load_saved_model -- [dir]` (default
//! `saved/fashion_mnist/model`, written by `examples/save_and_serve.rs`). Classifies the first
//! test images through `serving_default`, then scores the whole test set through the saved
//! `__call__` function.

use std::path::{Path, PathBuf};
use tf::saved_model;

/// Images shown from the start of the test set.
const PREVIEW: usize = 10;
/// The batch size of the bulk scoring of the whole test set.
const BULK: usize = 500;

const CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Loads the SavedModel at `dir`, prints what it makes of the first test images, and returns
/// its accuracy on the whole test set.
pub fn run(dir: &Path, verbose: bool) -> tf::Result<f64> {
    let loaded = saved_model::load(dir)?;
    let serve = loaded.signature("serving_default")?;
    let (input, spec) = serve.inputs()[0].clone();
    let output = serve.outputs()[0].clone();
    if verbose {
        println!("serving_default: {input}: {} {} -> {output}", spec.dtype, spec.shape);
    }
    // Raw uint8 images, as a server would receive them: the model rescales them itself.
    let (_, (x_test, y_test)) = tf::keras::datasets::fashion_mnist::load_data()?;
    // The signature takes any batch size (its batch dimension is None) or the one it was
    // traced for.
    let batch = spec.shape.dim(0).unwrap_or(PREVIEW);
    let images = tf::slice(&x_test, &[0, 0, 0], &[batch as i64, 28, 28]);
    let logits = &serve.call(&[(input.as_str(), &images)])?[&output];
    let probs = tf::nn::softmax(logits, -1);
    let predicted = tf::argmax(logits, -1).to_vec::<i64>();
    let labels = y_test.to_vec::<u8>();
    if verbose {
        for (i, &p) in predicted.iter().enumerate() {
            let confidence = probs.to_vec::<f32>()[i * 10 + p as usize];
            println!(
                "image {i}: {:<12} ({:>5.1}%)  true: {}",
                CLASSES[p as usize],
                confidence * 100.0,
                CLASSES[labels[i] as usize]
            );
        }
    }
    // The whole test set through the saved function, in batches of the largest size it was
    // traced for (or of BULK for a trace of any batch size).
    let call = loaded.function("__call__")?;
    let bulk = call
        .concrete_functions()
        .iter()
        .map(|c| c.signature()[0].shape.dim(0).unwrap_or(BULK))
        .max()
        .unwrap_or(batch);
    let n = labels.len() / bulk * bulk;
    let mut correct = 0usize;
    for start in (0..n).step_by(bulk) {
        let x = tf::slice(&x_test, &[start as i64, 0, 0], &[bulk as i64, 28, 28]);
        let p = tf::argmax(&call.call(&[x])?[0], -1).to_vec::<i64>();
        correct += p.iter().zip(&labels[start..]).filter(|(a, b)| **a == i64::from(**b)).count();
    }
    let accuracy = correct as f64 / n as f64;
    if verbose {
        println!("test accuracy of the loaded model: {accuracy:.4} on {n} images (batches of {bulk})");
    }
    Ok(accuracy)
}

#[allow(dead_code)] // the smoke test calls `run`
pub fn main() -> tf::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "saved/fashion_mnist/model".into()));
    run(&dir, true).map(|_| ())
}
