//! Tape cost: the round trip `y = x * x; tape.gradient(y, x)` (tape creation included) and
//! the nested second derivative, against one eager multiply measured in the same run.

mod common;
use criterion::Criterion;
use std::hint::black_box;

fn round_trip(x: &tf::Tensor) -> tf::Tensor {
    let tape = tf::GradientTape::new();
    tape.watch(x);
    let y = x * x;
    tape.gradient(&y, x).expect("connected")
}

fn second_derivative(x: &tf::Tensor) -> tf::Tensor {
    let t1 = tf::GradientTape::new();
    let t2 = tf::GradientTape::new();
    t1.watch(x);
    t2.watch(x);
    let y = x * x;
    let dy = t2.gradient(&y, x).expect("connected");
    t1.gradient(&dy, x).expect("connected")
}

fn bench(c: &mut Criterion) {
    let x = tf::constant(3.0f32);
    let mut g = c.benchmark_group("tape");
    g.bench_function("round_trip", |b| b.iter(|| round_trip(black_box(&x))));
    g.bench_function("second_derivative", |b| b.iter(|| second_derivative(black_box(&x))));
    g.bench_function("baseline_eager_mul", |b| b.iter(|| black_box(&x) * black_box(&x)));
    g.finish();
}

fn ratios() {
    let x = tf::constant(3.0f32);
    let n = 100_000;
    let per = |f: &mut dyn FnMut()| common::best_of(5, || (0..n).for_each(|_| f())) / n as f64 * 1e9;
    let rt = per(&mut || drop(black_box(round_trip(black_box(&x)))));
    let sd = per(&mut || drop(black_box(second_derivative(black_box(&x)))));
    let mul = per(&mut || drop(black_box(black_box(&x) * black_box(&x))));
    println!(
        "\ntape round trip {rt:.0} ns, second derivative {sd:.0} ns; one eager multiply {mul:.0} ns: {:.1}x and {:.1}x of it",
        rt / mul,
        sd / mul
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    ratios();
}
