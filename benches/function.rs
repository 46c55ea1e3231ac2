//! Graph functions: the cost of calling a trivial traced function `f(x) = x + x`,
//! `matmul_many` (100 matmuls) as one `While` graph against the same loop eager, and the
//! first-call trace time — each against eager execution in the same run.

mod common;
use criterion::Criterion;
use std::hint::black_box;
use tf::{Function, Tensor};

fn bench(c: &mut Criterion) {
    let x = tf::constant([1.0f32, 2.0]);
    let add = Function::new("add", |xs: &[Tensor]| vec![&xs[0] + &xs[0]]);
    let t = tf::random::uniform(&[2, 2], -0.5, 0.5, tf::float32, Some(1));
    let mm = common::matmul_many_graph();
    let mut g = c.benchmark_group("function");
    g.bench_function("call_x_plus_x", |b| b.iter(|| add.call(std::slice::from_ref(black_box(&x)))));
    g.bench_function("eager_x_plus_x", |b| b.iter(|| black_box(&x) + black_box(&x)));
    g.bench_function("matmul_many_while_graph", |b| {
        b.iter(|| mm.call(std::slice::from_ref(black_box(&t))))
    });
    g.bench_function("matmul_many_eager", |b| b.iter(|| common::matmul_many_eager(black_box(&t))));
    g.bench_function("first_call_trace", |b| {
        b.iter(|| common::matmul_many_graph().call(std::slice::from_ref(black_box(&t))))
    });
    g.finish();
}

fn ratios() {
    let x = tf::constant([1.0f32, 2.0]);
    let add = Function::new("add", |xs: &[Tensor]| vec![&xs[0] + &xs[0]]);
    let t = tf::random::uniform(&[2, 2], -0.5, 0.5, tf::float32, Some(1));
    let mm = common::matmul_many_graph();
    let per = |n: usize, f: &mut dyn FnMut()| common::best_of(5, || (0..n).for_each(|_| f())) / n as f64 * 1e9;
    let call = per(100_000, &mut || drop(add.call(std::slice::from_ref(&x))));
    let eager = per(100_000, &mut || drop(&x + &x));
    let g = per(2_000, &mut || drop(mm.call(std::slice::from_ref(&t))));
    let e = per(2_000, &mut || drop(common::matmul_many_eager(&t)));
    let tr = per(500, &mut || drop(common::matmul_many_graph().call(std::slice::from_ref(&t))));
    println!(
        "\nf(x) = x + x: traced call {call:.0} ns vs eager op {eager:.0} ns ({:.1}x)",
        call / eager
    );
    println!(
        "matmul_many (100 2x2 matmuls): While graph {:.1} us vs eager {:.1} us ({:.2}x)",
        g / 1e3,
        e / 1e3,
        e / g
    );
    println!("first call (trace + run) {:.1} us", tr / 1e3);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    ratios();
}
