//! TensorBoard logs two ways: a custom training loop whose `tf::Function` train step writes
//! staged summaries, and Keras `fit` with the `TensorBoard` callback. Then
//! `tensorboard --logdir <dir>` shows scalars, histograms, an image, text and both graphs.
//!
//! `cargo run --release --example tensorboard -- [logdir]` (default `logs/tensorboard`). It also
//! writes `<logdir>/expected.json`, the values it logged, which `.ci/check_tensorboard.py`
//! compares with what TensorBoard's own reader finds.

use std::collections::BTreeMap;
use tf::keras::{self, callbacks::TensorBoard, layers::Dense};
use tf::summary;

fn main() -> Result<(), tf::Error> {
    let logdir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "logs/tensorboard".into()));
    tf::random::set_seed(0);

    // Data: y = 3x - 1 with noise.
    let x = tf::random::uniform(&[256, 1], -1.0, 1.0, tf::float32, None);
    let y = &(&(&x * 3.0f32) - 1.0f32) + &tf::random::normal(&[256, 1], 0.0, 0.1, tf::float32, None);

    // 1. A custom loop: one traced train step that logs its loss and weights at the step
    //    counter's value, every call.
    let w = tf::Variable::new(tf::zeros([1, 1], tf::float32));
    let b = tf::Variable::new(tf::zeros([1], tf::float32));
    let step = tf::Variable::with_options(tf::constant(0i64), "step", false);
    let writer = summary::create_file_writer(logdir.join("custom"))?;
    let train_step = {
        let (w, b, step, writer) = (w.clone(), b.clone(), step.clone(), writer.clone());
        tf::Function::new("train_step", move |args| {
            let _default = writer.as_default();
            let tape = tf::GradientTape::persistent();
            let pred = &tf::matmul(&args[0], &w.value()) + &b.value();
            let loss = tf::reduce_mean(&tf::square(&(&pred - &args[1])), None, false);
            let gw = tape.gradient(&loss, &w).expect("the loss depends on w");
            let gb = tape.gradient(&loss, &b).expect("the loss depends on b");
            summary::scalar("loss", &loss, &step);
            summary::histogram("weights", &w, &step, None);
            w.assign_sub(&(&gw * 0.1f32));
            b.assign_sub(&(&gb * 0.1f32));
            step.assign_add(&tf::constant(1i64));
            vec![loss]
        })
    };
    let mut losses = Vec::new();
    for _ in 0..50 {
        losses.push(train_step.call(&[x.clone(), y.clone()])[0].scalar::<f32>());
    }
    {
        let _default = writer.as_default();
        let ramp = &tf::reshape(&tf::cast(&tf::range(64), tf::float32), [1, 8, 8, 1]) / 63.0f32;
        summary::image("ramp", &ramp, 0, 3);
        summary::text(
            "note",
            &format!(
                "fit **w = {:.3}**, b = {:.3}",
                w.value().to_vec::<f32>()[0],
                b.value().to_vec::<f32>()[0]
            ),
            0,
        );
        summary::graph(train_step.concrete_functions()[0].graph());
    }
    writer.close()?;
    println!(
        "custom loop: loss {:.4} -> {:.4}, traced {} time(s)",
        losses[0],
        losses[49],
        train_step.tracing_count()
    );

    // 2. Keras fit with the TensorBoard callback.
    let mut model = keras::sequential![Dense::new(8).activation("relu").input_shape([1]), Dense::new(1)];
    model.compile(keras::optimizers::Adam::new(0.05), "mse", &["mae"]);
    let history = model.fit(
        (&x, &y),
        keras::FitArgs {
            epochs: 5,
            verbose: 0,
            validation_split: 0.25,
            callbacks: vec![Box::new(TensorBoard::new(logdir.join("keras")).histogram_freq(1))],
            ..Default::default()
        },
    )?;
    println!("keras fit: loss {:?}", history["loss"]);

    // What was logged, for the reader check.
    let mut expected: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    expected.insert("custom/loss", serde_json::json!(losses));
    expected.insert("keras/train/epoch_loss", serde_json::json!(history["loss"]));
    expected.insert("keras/validation/epoch_loss", serde_json::json!(history["val_loss"]));
    let path = logdir.join("expected.json");
    std::fs::write(&path, serde_json::to_string_pretty(&expected).expect("numbers serialize")).map_err(|e| tf::Error::io(&path, e))?;
    println!("wrote {}; run `tensorboard --logdir {}`", path.display(), logdir.display());
    Ok(())
}
