//! Graph functions: the cost of calling a trivial traced function `f(x) = x + x`,
//! `matmul_many` (100 matmuls) as one `While` graph against the same loop eager, the
//! first-call trace time, and an elementwise chain that the optimizer fuses into one node
//! against the same ops eager — each against eager execution in the same run.

mod common;
use criterion::Criterion;
use std::hint::black_box;
use tf::{Function, Tensor};

/// `relu(x * y + x) * 0.5 - y`: five cheap elementwise ops (memory-bound eagerly: one pass
/// over memory each), fused into one node when traced.
fn chain(xs: &[Tensor]) -> Vec<Tensor> {
    let (x, y) = (&xs[0], &xs[1]);
    vec![tf::nn::relu(&(x * y + x)) * 0.5f32 - y]
}

fn chain_inputs() -> [Tensor; 2] {
    let n = 1 << 20;
    [
        tf::random::uniform(&[n], -2.0, 2.0, tf::float32, Some(3)),
        tf::random::uniform(&[n], -2.0, 2.0, tf::float32, Some(4)),
    ]
}

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
    let ab = chain_inputs();
    let fused = Function::new("chain", chain);
    g.bench_function("fused_chain_1m_graph", |b| b.iter(|| fused.call(black_box(&ab))));
    g.bench_function("fused_chain_1m_eager", |b| b.iter(|| chain(black_box(&ab))));
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
    let ab = chain_inputs();
    let fused = Function::new("chain", chain);
    let fg = per(20, &mut || drop(fused.call(&ab)));
    let fe = per(20, &mut || drop(chain(&ab)));
    println!(
        "elementwise chain of 5 ops on 2^20 floats: fused graph {:.0} us vs eager {:.0} us ({:.2}x)",
        fg / 1e3,
        fe / 1e3,
        fe / fg
    );
}

/// Two independent chains (`relu(x·w)` three times each) that meet at the end: the graph
/// pairs each matmul of one with the same matmul of the other.
fn branches(xs: &[Tensor]) -> Vec<Tensor> {
    let (mut a, mut b, w) = (xs[0].clone(), xs[1].clone(), &xs[2]);
    for _ in 0..3 {
        a = tf::nn::relu(&tf::matmul(&a, w));
        b = tf::nn::relu(&tf::matmul(&b, w));
    }
    vec![&a + &b]
}

/// Independent ops at once against one after another (inter-op parallelism 1), same run.
fn inter_op() {
    let per = |n: usize, f: &mut dyn FnMut()| common::best_of(5, || (0..n).for_each(|_| f())) / n as f64 * 1e9;
    for size in [48usize, 64, 96] {
        let xs: Vec<Tensor> = (0..3)
            .map(|s| tf::random::uniform(&[size, size], -0.2, 0.2, tf::float32, Some(10 + s)))
            .collect();
        let f = Function::new("branches", branches);
        let paired = per(2_000, &mut || drop(f.call(&xs)));
        tf::config::threading::set_inter_op_parallelism_threads(1);
        let serial = per(2_000, &mut || drop(f.call(&xs)));
        tf::config::threading::set_inter_op_parallelism_threads(0);
        println!(
            "two independent chains of 3 {size}x{size} matmul+relu: paired {:.1} us vs one op at a time {:.1} us ({:.2}x)",
            paired / 1e3,
            serial / 1e3,
            serial / paired
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    ratios();
    inter_op();
}
