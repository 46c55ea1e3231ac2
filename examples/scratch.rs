use std::time::Instant;
use tf_kernels::cpu::gemm::{sgemm, Strided};
fn main() {
    for &n in &[256usize, 512, 1024, 2048] {
        let a: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.1).collect();
        let mut c = vec![0.0f32; n * n];
        let reps = (8e9 / (2.0 * (n * n * n) as f64)).max(4.0) as usize;
        let mut dt = f64::MAX;
        for _ in 0..reps {
            let t = Instant::now();
            sgemm(n, n, n, Strided::row_major(&a, n), Strided::row_major(&a, n), &mut c, n, false);
            dt = dt.min(t.elapsed().as_secs_f64());
        }
        println!("n={n}: {:.1} GFLOP/s", 2.0 * (n * n * n) as f64 / dt / 1e9);
    }
}
