//! f32 GEMM throughput on all cores at n = 128 ... 2048, against the FMA peak measured in
//! the same run, and `matrixmultiply` on one core as a reference kernel.

mod common;
use criterion::{BenchmarkId, Criterion, Throughput};
use tf_kernels::cpu::gemm::{sgemm, Strided};

fn operands(n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let a: Vec<f32> = (0..n * n).map(|i| ((i * 7 % 13) as f32 - 6.0) * 0.1).collect();
    (a.clone(), a, vec![0.0; n * n])
}

fn gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm_f32");
    for n in [128usize, 512, 1024, 2048] {
        let (a, b, mut out) = operands(n);
        g.throughput(Throughput::Elements((2 * n * n * n) as u64));
        g.sample_size(if n >= 1024 { 10 } else { 30 });
        g.bench_with_input(BenchmarkId::new("ours", n), &n, |bch, &n| {
            bch.iter(|| sgemm(n, n, n, Strided::row_major(&a, n), Strided::row_major(&b, n), &mut out, n, false))
        });
        g.bench_with_input(BenchmarkId::new("tf_matmul", n), &n, |bch, &n| {
            let (x, y) = (
                tf::Tensor::from_vec(a.clone(), [n, n]).unwrap(),
                tf::Tensor::from_vec(b.clone(), [n, n]).unwrap(),
            );
            bch.iter(|| tf::matmul(&x, &y))
        });
    }
    g.finish();
}

fn ratios() {
    let peak = common::fma_peak_gflops();
    println!(
        "\nFMA peak on {} threads, same run: {peak:.1} GFLOP/s",
        tf_kernels::cpu::num_threads()
    );
    for n in [128usize, 512, 1024, 2048] {
        let (a, b, mut out) = operands(n);
        let flops = 2.0 * (n * n * n) as f64;
        let reps = if n >= 1024 { 8 } else { 40 };
        let ours = flops
            / common::best_of(reps, || {
                sgemm(n, n, n, Strided::row_major(&a, n), Strided::row_major(&b, n), &mut out, n, false)
            })
            / 1e9;
        // SAFETY: the pointers cover n×n row-major matrices.
        let mm = flops
            / common::best_of(reps.min(8), || unsafe {
                matrixmultiply::sgemm(
                    n,
                    n,
                    n,
                    1.0,
                    a.as_ptr(),
                    n as isize,
                    1,
                    b.as_ptr(),
                    n as isize,
                    1,
                    0.0,
                    out.as_mut_ptr(),
                    n as isize,
                    1,
                )
            })
            / 1e9;
        println!(
            "gemm n={n:5}: ours {ours:6.1} GFLOP/s = {:5.1}% of peak; matrixmultiply (1 core) {mm:6.1}; ratio {:.2}x",
            100.0 * ours / peak,
            ours / mm
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    gemm(&mut c);
    c.final_summary();
    ratios();
}
