//! Fashion-MNIST through a `tf.data` pipeline into `fit`:
//! `from_tensor_slices → shuffle → map(normalize + random flip) → batch → prefetch`, then the
//! same model fitted from in-memory tensors, with both step times printed.
//!
//! `cargo run --release --example data_pipeline` (`EPOCHS=n`, default 2).

use tf::data::{Dataset, AUTOTUNE};
use tf::keras::layers::{Dense, Flatten};
use tf::keras::{self, losses::SparseCategoricalCrossentropy, optimizers::Adam, FitArgs};
use tf::Tensor;

/// `tf.image.random_flip_left_right` on one `[28, 28]` image, then scaling to [0, 1].
pub fn normalize_and_flip((image, label): (Tensor, Tensor)) -> (Tensor, Tensor) {
    let x = tf::cast(&image, tf::float32) / 255.0;
    let flip = tf::random::uniform(&[], 0.0, 1.0, tf::float32, None).scalar::<f32>() < 0.5;
    (if flip { tf::reverse(&x, &[1]) } else { x }, label)
}

/// The pipeline over `(images, labels)`.
pub fn pipeline(images: &Tensor, labels: &Tensor, batch: usize) -> tf::Result<Dataset<(Tensor, Tensor)>> {
    Ok(Dataset::from_tensor_slices((images.clone(), labels.clone()))?
        .shuffle(10_000, Some(1), true)
        .map_parallel(normalize_and_flip, AUTOTUNE)
        .batch(batch, false)
        .prefetch(AUTOTUNE))
}

/// The tutorial's MLP, compiled.
pub fn model() -> keras::Sequential {
    let mut m = keras::sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(128).activation("relu"),
        Dense::new(10)
    ];
    m.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    m
}

/// Fits from the pipeline and from tensors; returns (pipeline ms/step, in-memory ms/step,
/// test accuracy of the pipeline-trained model).
pub fn compare(epochs: usize, verbose: u8) -> tf::Result<(f64, f64, f64)> {
    tf::random::set_seed(0);
    let ((x_train, y_train), (x_test, y_test)) = keras::datasets::fashion_mnist::load_data()?;
    let ds = pipeline(&x_train, &y_train, 32)?;
    let mut m = model();
    let t = std::time::Instant::now();
    let h = m.fit(
        &ds,
        FitArgs {
            epochs,
            verbose,
            ..Default::default()
        },
    )?;
    let with_pipeline = t.elapsed().as_secs_f64() * 1e3 / (h.params.steps.unwrap_or(1) * epochs) as f64;
    let x_test = tf::cast(&x_test, tf::float32) / 255.0;
    let acc = m.evaluate(
        (&x_test, &y_test),
        keras::EvaluateArgs {
            verbose: 0,
            ..Default::default()
        },
    )?["accuracy"];

    let x = tf::cast(&x_train, tf::float32) / 255.0;
    let mut m = model();
    let t = std::time::Instant::now();
    let h = m.fit(
        (&x, &y_train),
        FitArgs {
            epochs,
            verbose,
            ..Default::default()
        },
    )?;
    let in_memory = t.elapsed().as_secs_f64() * 1e3 / (h.params.steps.unwrap_or(1) * epochs) as f64;
    Ok((with_pipeline, in_memory, acc))
}

#[allow(dead_code)] // the smoke test calls `compare`
pub fn main() -> tf::Result<()> {
    let epochs = std::env::var("EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let (p, m, acc) = compare(epochs, 1)?;
    println!(
        "\npipeline: {p:.3} ms/step, in-memory tensors: {m:.3} ms/step ({:.2}x); test accuracy {acc:.4}",
        p / m
    );
    Ok(())
}
