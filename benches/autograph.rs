//! `#[tf::function]` against the hand-built graph: `matmul_many` (100 4x4 matmuls in one
//! `While`) written with the macro costs what the same graph built with `tf::while_loop`
//! costs, and both against eager execution — ratios printed from the same run.

mod common;
use criterion::Criterion;
use std::hint::black_box;
use tf::Tensor;

#[tf::function]
fn matmul_many(t: &Tensor) -> Tensor {
    let mut accum = t.clone();
    for _ in tf::range(100) {
        accum = tf::matmul(&accum, t);
    }
    accum
}

fn main() {
    let t = tf::random::uniform(&[4, 4], -0.3, 0.3, tf::float32, Some(1));
    let hand = common::matmul_many_graph();
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("autograph");
    g.bench_function("macro_matmul_many", |b| b.iter(|| matmul_many(black_box(&t))));
    g.bench_function("hand_built_matmul_many", |b| {
        b.iter(|| hand.call(std::slice::from_ref(black_box(&t))))
    });
    g.bench_function("eager_matmul_many", |b| b.iter(|| common::matmul_many_eager(black_box(&t))));
    g.finish();
    c.final_summary();
    let per = |f: &mut dyn FnMut()| common::best_of(5, || (0..500).for_each(|_| f())) / 500.0 * 1e6;
    let m = per(&mut || drop(matmul_many(&t)));
    let h = per(&mut || drop(hand.call(std::slice::from_ref(&t))));
    let e = per(&mut || drop(common::matmul_many_eager(&t)));
    println!(
        "\nmatmul_many: #[tf::function] {m:.1} us, hand-built While graph {h:.1} us ({:.2}x), eager {e:.1} us",
        m / h
    );
}
