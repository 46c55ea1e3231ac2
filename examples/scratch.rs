use std::time::Instant;
use tf_kernels::cpu::gemm::{sgemm, Strided};
fn main() {
    for &(m, k, n) in &[(128usize, 128usize, 128usize), (128, 128, 64), (256, 256, 256), (32, 784, 128), (32, 128, 10)] {
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
        let mut c = vec![0.0f32; m * n];
        let mut dt = f64::MAX;
        for _ in 0..2000 { let t = Instant::now(); sgemm(m, k, n, Strided::row_major(&a, k), Strided::row_major(&b, n), &mut c, n, false); dt = dt.min(t.elapsed().as_secs_f64()); }
        println!("{m}x{k}x{n}: {:.1} GFLOP/s ({:.1} us)", 2.0 * (m*n*k) as f64 / dt / 1e9, dt * 1e6);
    }
}
