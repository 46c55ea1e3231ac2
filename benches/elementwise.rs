//! Large elementwise ops: a 1M-element f32 add in effective GB/s (two reads and one write),
//! against a single-threaded `Vec` add in the same run.

mod common;
use criterion::{Criterion, Throughput};
use std::hint::black_box;

const N: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    let a = tf::range((0.0f32, N as f32, 1.0));
    let b = tf::ones([N], tf::float32);
    let mut g = c.benchmark_group("elementwise");
    g.throughput(Throughput::Bytes((3 * 4 * N) as u64));
    g.bench_function("add_1M_f32", |bch| bch.iter(|| black_box(&a) + black_box(&b)));
    g.bench_function("exp_1M_f32", |bch| bch.iter(|| tf::exp(black_box(&b))));
    g.bench_function("broadcast_add_1024x1024_row", |bch| {
        let m = tf::reshape(&a, [1024, 1024]);
        let row = tf::ones([1024], tf::float32);
        bch.iter(|| black_box(&m) + black_box(&row))
    });
    g.finish();
}

fn ratios() {
    let a = tf::range((0.0f32, N as f32, 1.0));
    let b = tf::ones([N], tf::float32);
    let bytes = (3 * 4 * N) as f64;
    let ours = bytes / common::best_of(50, || drop(black_box(&a) + black_box(&b))) / 1e9;
    let (x, y) = (a.to_vec::<f32>(), b.to_vec::<f32>());
    let base = bytes / common::best_of(50, || drop(black_box(x.iter().zip(&y).map(|(p, q)| p + q).collect::<Vec<f32>>()))) / 1e9;
    println!(
        "\n1M f32 add: {ours:.1} GB/s effective; a one-thread Vec add {base:.1} GB/s; ratio {:.2}x",
        ours / base
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    ratios();
}
