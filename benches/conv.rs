//! The TensorFlow 2.0 overview CNN's convolutions at batch 32 (5x5, SAME: 1→32 channels on
//! 28x28, 32→64 on 14x14), forward and both backward ops, in GFLOP/s against the f32 GEMM
//! throughput measured in the same run. FLOPs are the direct convolution's: where Winograd's
//! algorithm does fewer (conv2's forward and input gradient), the rate is an effective one
//! and can pass the GEMM's.

mod common;
use criterion::{BenchmarkId, Criterion, Throughput};
use tf::ops::{execute1, nn as n, Attrs};
use tf_kernels::cpu::gemm::{sgemm, Strided};

struct Layer {
    name: &'static str,
    x: tf::Tensor,
    w: tf::Tensor,
    dy: tf::Tensor,
    flops: f64,
}

fn layers() -> Vec<Layer> {
    [("conv1", 28, 1, 32), ("conv2", 14, 32, 64)]
        .into_iter()
        .map(|(name, hw, cin, cout)| {
            let x = tf::random::uniform(&[32, hw, hw, cin], -1.0, 1.0, tf::float32, Some(1));
            let w = tf::random::uniform(&[5, 5, cin, cout], -0.1, 0.1, tf::float32, Some(2));
            let dy = tf::random::uniform(&[32, hw, hw, cout], -1.0, 1.0, tf::float32, Some(3));
            let flops = 2.0 * (32 * hw * hw * cout * 25 * cin) as f64;
            Layer { name, x, w, dy, flops }
        })
        .collect()
}

fn attrs(l: &Layer, extra: Option<(&'static str, &tf::Tensor)>) -> Attrs {
    let a = Attrs::new().str("padding", "SAME");
    match extra {
        Some((k, t)) => a.ints(k, t.shape().dims().iter().map(|&d| d as i64).collect::<Vec<_>>()),
        None => {
            let _ = l;
            a
        }
    }
}

fn run(l: &Layer, which: &str) -> tf::Tensor {
    match which {
        "forward" => tf::nn::conv2d(&l.x, &l.w, 1, "SAME", 1),
        "backprop_input" => execute1(&n::CONV2D_BACKPROP_INPUT, &[&l.w, &l.dy], &attrs(l, Some(("input_shape", &l.x)))),
        _ => execute1(&n::CONV2D_BACKPROP_FILTER, &[&l.x, &l.dy], &attrs(l, Some(("filter_shape", &l.w)))),
    }
}

const KINDS: [&str; 3] = ["forward", "backprop_input", "backprop_filter"];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("conv_cnn_batch32");
    g.sample_size(20);
    for l in layers() {
        g.throughput(Throughput::Elements(l.flops as u64));
        for k in KINDS {
            g.bench_with_input(BenchmarkId::new(l.name, k), &k, |b, &k| b.iter(|| run(&l, k)));
        }
    }
    g.finish();
}

fn ratios() {
    let nn = 1024;
    let a: Vec<f32> = (0..nn * nn).map(|i| (i % 13) as f32 * 0.1).collect();
    let mut out = vec![0.0; nn * nn];
    let gemm = 2.0 * (nn * nn * nn) as f64
        / common::best_of(8, || {
            sgemm(
                nn,
                nn,
                nn,
                Strided::row_major(&a, nn),
                Strided::row_major(&a, nn),
                &mut out,
                nn,
                false,
            )
        })
        / 1e9;
    println!("\nf32 GEMM n=1024, same run: {gemm:.1} GFLOP/s");
    // A training step needs every pass except the first layer's input gradient (its input is
    // the data): the total over those passes is the CNN's convolution throughput.
    let (mut flops, mut secs) = (0.0, 0.0);
    for (li, l) in layers().iter().enumerate() {
        for k in KINDS {
            let t = common::best_of(10, || drop(run(l, k)));
            let g = l.flops / t / 1e9;
            println!("{} {k:16}: {g:6.1} GFLOP/s = {:5.1}% of GEMM", l.name, 100.0 * g / gemm);
            if !(li == 0 && k == "backprop_input") {
                flops += l.flops;
                secs += t;
            }
        }
    }
    let total = flops / secs / 1e9;
    println!(
        "CNN training-step convolutions, all passes a step runs: {total:.1} GFLOP/s = {:.1}% of GEMM",
        100.0 * total / gemm
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    ratios();
}
