//! The GAN of "TensorFlow 2.0: what changes", in its TF2 form: a generator and a
//! discriminator as two Keras models, two Adam optimizers, and a train step with two
//! `GradientTape`s, each optimizer updating only its own model's `trainable_variables()`.
//! The generator learns to turn noise into samples of a 1-D normal distribution N(4, 1.25);
//! the example prints the generated mean and standard deviation approaching the target's.
//!
//! `cargo run --release --example gan` (`STEPS=n` sets the number of train steps).

use tf::keras::layers::{Dense, Layer};
use tf::keras::losses::{BinaryCrossentropy, Loss};
use tf::keras::optimizers::{Adam, Optimizer};
use tf::keras::{self, Sequential};
use tf::{GradientTape, Module, Tensor, UnconnectedGradients};

const MEAN: f64 = 4.0;
const STD: f64 = 1.25;
const BATCH: usize = 64;
const NOISE: usize = 8;

fn generator() -> Sequential {
    keras::sequential![
        Dense::new(32).activation("relu").input_shape([NOISE]),
        Dense::new(32).activation("relu"),
        Dense::new(1),
    ]
}

fn discriminator() -> Sequential {
    keras::sequential![
        Dense::new(32).activation("relu").input_shape([1]),
        Dense::new(32).activation("relu"),
        Dense::new(1)
    ]
}

/// The mean and standard deviation of `n` generated samples.
pub fn sample_stats(g: &Sequential, n: usize) -> (f64, f64) {
    let z = tf::random::normal(&[n, NOISE], 0.0, 1.0, tf::float32, None);
    let x = tf::cast(&g.call(&z, false), tf::float64).to_vec::<f64>();
    let mean = x.iter().sum::<f64>() / n as f64;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    (mean, var.sqrt())
}

fn apply(opt: &mut Adam, tape: &GradientTape, loss: &Tensor, model: &Sequential) {
    let vars = model.trainable_variables();
    let grads = tape.gradients(&[loss], &vars, None, UnconnectedGradients::Zero);
    let gv: Vec<_> = grads
        .into_iter()
        .zip(vars)
        .map(|(g, v)| (g.expect("zeros for unconnected"), v))
        .collect();
    opt.apply_gradients(&gv);
}

/// Trains for `steps`; returns the generated (mean, std) after each report interval.
pub fn train(steps: usize, report: usize) -> Vec<(f64, f64)> {
    tf::random::set_seed(7);
    let g = generator();
    let d = discriminator();
    // The usual GAN settings: a small learning rate and beta_1 = 0.5.
    let (mut g_opt, mut d_opt) = (Adam::new(2e-4).beta_1(0.5), Adam::new(2e-4).beta_1(0.5));
    let bce = BinaryCrossentropy::new().from_logits(true);
    let ones = tf::ones([BATCH, 1], tf::float32);
    let zeros = tf::zeros([BATCH, 1], tf::float32);
    let mut out = Vec::new();
    for step in 1..=steps {
        let real = tf::random::normal(&[BATCH, 1], MEAN, STD, tf::float32, None);
        let z = tf::random::normal(&[BATCH, NOISE], 0.0, 1.0, tf::float32, None);
        let (g_tape, d_tape) = (GradientTape::new(), GradientTape::new());
        let fake = g.call(&z, true);
        let (real_out, fake_out) = (d.call(&real, true), d.call(&fake, true));
        let g_loss = bce.call(&ones, &fake_out);
        let d_loss = &bce.call(&ones, &real_out) + &bce.call(&zeros, &fake_out);
        apply(&mut g_opt, &g_tape, &g_loss, &g);
        apply(&mut d_opt, &d_tape, &d_loss, &d);
        if step % report == 0 {
            out.push(sample_stats(&g, 2000));
        }
    }
    out
}

#[allow(dead_code)] // the smoke test calls `train`
pub fn main() {
    let steps = std::env::var("STEPS").ok().and_then(|v| v.parse().ok()).unwrap_or(4000);
    println!("target: mean {MEAN:.3}, std {STD:.3}");
    let report = (steps / 10).max(1);
    for (i, (m, s)) in train(steps, report).iter().enumerate() {
        println!("step {:>5}: generated mean {m:.3}, std {s:.3}", (i + 1) * report);
    }
}
