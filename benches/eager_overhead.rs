//! Per-op cost of small eager ops (2x2 add and matmul, dispatch and allocation included,
//! no tape active), against the same arithmetic on plain `Vec`s in the same run.

mod common;
use criterion::Criterion;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
    let b = tf::constant([[5.0f32, 6.0], [7.0, 8.0]]);
    let mut g = c.benchmark_group("eager_overhead");
    g.bench_function("add_2x2", |bch| bch.iter(|| black_box(&a) + black_box(&b)));
    g.bench_function("matmul_2x2", |bch| bch.iter(|| tf::matmul(black_box(&a), black_box(&b))));
    g.bench_function("baseline_vec_add_2x2", |bch| {
        let (x, y) = (vec![1.0f32, 2.0, 3.0, 4.0], vec![5.0f32, 6.0, 7.0, 8.0]);
        bch.iter(|| black_box(&x).iter().zip(black_box(&y)).map(|(p, q)| p + q).collect::<Vec<f32>>())
    });
    g.finish();
}

fn ratios() {
    let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
    let b = tf::constant([[5.0f32, 6.0], [7.0, 8.0]]);
    let n = 200_000;
    let per = |f: &mut dyn FnMut()| common::best_of(5, || (0..n).for_each(|_| f())) / n as f64 * 1e9;
    let add = per(&mut || drop(black_box(black_box(&a) + black_box(&b))));
    let mm = per(&mut || drop(black_box(tf::matmul(black_box(&a), black_box(&b)))));
    let (x, y) = (vec![1.0f32, 2.0, 3.0, 4.0], vec![5.0f32, 6.0, 7.0, 8.0]);
    let base = per(&mut || {
        drop(black_box(
            black_box(&x).iter().zip(black_box(&y)).map(|(p, q)| p + q).collect::<Vec<f32>>(),
        ))
    });
    println!("\neager 2x2 add {add:.0} ns, 2x2 matmul {mm:.0} ns; a bare Vec add (one allocation) {base:.0} ns: add = {:.1}x, matmul = {:.1}x the bare Vec add", add / base, mm / base);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    ratios();
}
