//! Keras training speed: one `fit` step of the Fashion-MNIST MLP (Flatten, Dense 128 relu,
//! Dense 10; Adam; sparse categorical cross-entropy from logits; batch 32) and of the TF 2.0
//! overview's CNN, each measured inside `fit` (data shuffling, batching, metrics included).
//! Random data of Fashion-MNIST's shape, so the bench runs without the dataset. Prints the
//! per-step time next to a 32x784x128 matmul measured in the same run, and the step of an MLP
//! whose checkpoint left values waiting next to the plain step, and each step as `fit` runs
//! it (the graph function `train_function`) next to `run_eagerly`.

mod common;
use criterion::Criterion;
use std::time::{Duration, Instant};
use tf::keras::layers::{Conv2D, Dense, Dropout, Flatten, MaxPooling2D};
use tf::keras::{self, losses::SparseCategoricalCrossentropy, optimizers::Adam, FitArgs};

fn mlp() -> keras::Sequential {
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

fn cnn() -> keras::Sequential {
    let mut m = keras::sequential![
        Conv2D::new(32, 5).padding("same").activation("relu").input_shape([28, 28, 1]),
        MaxPooling2D::default(),
        Conv2D::new(64, 5).padding("same").activation("relu"),
        MaxPooling2D::default(),
        Flatten::new(),
        Dense::new(1024).activation("relu"),
        Dropout::new(0.3),
        Dense::new(10).activation("softmax"),
    ];
    m.compile(Adam::default(), SparseCategoricalCrossentropy::new(), &["accuracy"]);
    m
}

/// The time of `steps` fit steps: epochs limited to `steps` in all (more than the data holds
/// take several epochs).
fn fit_steps(model: &mut keras::Sequential, x: &tf::Tensor, y: &tf::Tensor, steps: usize) -> Duration {
    let per_epoch = x.shape().dims()[0].div_ceil(32);
    let t = Instant::now();
    let mut left = steps;
    while left > 0 {
        let s = left.min(per_epoch);
        model
            .fit(
                (x, y),
                FitArgs {
                    steps_per_epoch: Some(s),
                    verbose: 0,
                    ..Default::default()
                },
            )
            .expect("fit");
        left -= s;
    }
    t.elapsed()
}

fn bench(c: &mut Criterion) {
    let x = tf::random::uniform(&[60000, 28, 28], 0.0, 1.0, tf::float32, Some(1));
    let y = tf::cast(&tf::random::uniform(&[60000], 0.0, 9.99, tf::float32, Some(2)), tf::int32);
    let mut g = c.benchmark_group("keras");
    let mut model = mlp();
    g.bench_function("mlp_fit_step_batch32", |b| {
        b.iter_custom(|iters| fit_steps(&mut model, &x, &y, iters as usize))
    });
    let xc = tf::expand_dims(&tf::slice(&x, &[0, 0, 0], &[3200, -1, -1]), -1);
    let yc = tf::slice(&y, &[0], &[3200]);
    let mut model = cnn();
    g.sample_size(10);
    g.bench_function("cnn_fit_step_batch32", |b| {
        b.iter_custom(|iters| fit_steps(&mut model, &xc, &yc, iters as usize))
    });
    g.finish();

    // Same-run figures: the step as the graph function `fit` uses, and run eagerly.
    let mut model = mlp();
    let mlp_ms = common::best_of(3, || {
        fit_steps(&mut model, &x, &y, 1875);
    }) / 1875.0
        * 1e3;
    let mut model = mlp();
    model.run_eagerly = true;
    let mlp_eager_ms = common::best_of(3, || {
        fit_steps(&mut model, &x, &y, 1875);
    }) / 1875.0
        * 1e3;
    // The same MLP after load_weights from a larger model's checkpoint: the values of the layer
    // it lacks keep waiting (as in TensorFlow), which must not tax every step.
    let dir = std::env::temp_dir().join(format!("tf-bench-keras-{}", std::process::id()));
    let mut larger = mlp();
    larger.add(Dense::new(10));
    larger.save_weights(dir.join("w")).expect("save");
    let mut waiting = mlp();
    waiting.load_weights(dir.join("w")).expect("load");
    let waiting_ms = common::best_of(3, || {
        fit_steps(&mut waiting, &x, &y, 1875);
    }) / 1875.0
        * 1e3;
    let check_us = common::best_of(3, || {
        for _ in 0..10_000 {
            std::hint::black_box(tf::train::restore_deferred(&*waiting).expect("nothing mismatches"));
        }
    }) / 10_000.0
        * 1e6;
    let _ = std::fs::remove_dir_all(&dir);
    let a = tf::ones([32, 784], tf::float32);
    let w = tf::ones([784, 128], tf::float32);
    let mm_ms = common::best_of(5, || (0..1000).for_each(|_| drop(std::hint::black_box(tf::matmul(&a, &w))))) / 1000.0 * 1e3;
    let mut model = cnn();
    let cnn_ms = common::best_of(2, || {
        fit_steps(&mut model, &xc, &yc, 50);
    }) / 50.0
        * 1e3;
    let mut model = cnn();
    model.run_eagerly = true;
    let cnn_eager_ms = common::best_of(2, || {
        fit_steps(&mut model, &xc, &yc, 50);
    }) / 50.0
        * 1e3;
    println!(
        "keras: MLP fit step with checkpoint values waiting {waiting_ms:.3} ms = {:.2}x the plain step; the per-step check for them {check_us:.2} us",
        waiting_ms / mlp_ms
    );
    println!(
        "keras: MLP fit step {mlp_ms:.3} ms (one 60k-image epoch {:.2} s; = {:.1}x one 32x784x128 matmul of {mm_ms:.3} ms); CNN fit step {cnn_ms:.1} ms",
        mlp_ms * 1.875,
        mlp_ms / mm_ms
    );
    println!(
        "keras: the train step as a graph function vs run_eagerly: MLP {mlp_ms:.3} vs {mlp_eager_ms:.3} ms ({:.2}x), CNN {cnn_ms:.1} vs {cnn_eager_ms:.1} ms ({:.2}x)",
        mlp_eager_ms / mlp_ms,
        cnn_eager_ms / cnn_ms
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
