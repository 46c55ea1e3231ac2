//! `tf.data` speed: the `data_pipeline` example's pipeline (`from_tensor_slices → shuffle →
//! map(normalize + random flip) → batch(32) → prefetch`) feeding a consumer that does nothing
//! (images/s), and `fit` of the Fashion-MNIST MLP from that pipeline next to `fit` from
//! in-memory tensors, measured in the same run: prefetch must hide the pipeline. Random uint8
//! images of Fashion-MNIST's shape, so the bench runs without the dataset.

mod common;
#[path = "../examples/data_pipeline.rs"]
#[allow(dead_code)]
mod data_pipeline;

use criterion::{Criterion, Throughput};
use std::time::{Duration, Instant};
use tf::keras::FitArgs;

fn images(n: usize) -> (tf::Tensor, tf::Tensor) {
    let x = tf::cast(&tf::random::uniform(&[n, 28, 28], 0.0, 255.99, tf::float32, Some(1)), tf::uint8);
    let y = tf::cast(&tf::random::uniform(&[n], 0.0, 9.99, tf::float32, Some(2)), tf::int32);
    (x, y)
}

/// Seconds per step of one epoch of `fit` on `data`.
fn fit_step<'a>(data: impl Into<tf::keras::Data<'a>>, steps: usize) -> f64 {
    let mut m = data_pipeline::model();
    let t = Instant::now();
    m.fit(
        data,
        FitArgs {
            epochs: 1,
            verbose: 0,
            ..Default::default()
        },
    )
    .expect("fit");
    t.elapsed().as_secs_f64() / steps as f64
}

fn bench(c: &mut Criterion) {
    let n = 16_000;
    let (x, y) = images(n);
    let ds = data_pipeline::pipeline(&x, &y, 32).expect("pipeline");
    let batches = n.div_ceil(32);
    let mut g = c.benchmark_group("data");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function("pipeline_epoch_no_consumer", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                for batch in ds.iter() {
                    std::hint::black_box(batch.expect("batch"));
                }
            }
            t.elapsed()
        })
    });
    g.finish();

    // Same-run figures: the pipeline alone, fit from it, fit from tensors.
    let alone = common::best_of(3, || {
        for batch in ds.iter() {
            std::hint::black_box(batch.expect("batch"));
        }
    });
    let xf = tf::cast(&x, tf::float32) / 255.0;
    let mut with_pipeline = Duration::MAX.as_secs_f64();
    let mut in_memory = Duration::MAX.as_secs_f64();
    for _ in 0..3 {
        with_pipeline = with_pipeline.min(fit_step(&ds, batches));
        in_memory = in_memory.min(fit_step((&xf, &y), batches));
    }
    println!(
        "data: pipeline alone {:.0} images/s ({:.1} us per batch of 32); fit step from the pipeline {:.3} ms = {:.2}x the step from in-memory tensors ({:.3} ms)",
        n as f64 / alone,
        alone * 1e6 / batches as f64,
        with_pipeline * 1e3,
        with_pipeline / in_memory,
        in_memory * 1e3
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
