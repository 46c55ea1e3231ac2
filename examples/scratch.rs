use std::time::Instant;
use tf_kernels::cpu::gemm::{sgemm, Strided};
fn main() {
    for &n in &[128usize, 256, 512, 1024, 2048] {
        let a: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.1).collect();
        let b = a.clone();
        let mut c = vec![0.0f32; n * n];
        let reps = (4e9 / (2.0 * (n * n * n) as f64)).max(3.0) as usize;
        sgemm(n, n, n, Strided::row_major(&a, n), Strided::row_major(&b, n), &mut c, n, false);
        let mut dt = f64::MAX;
        for _ in 0..reps { let t = Instant::now(); sgemm(n, n, n, Strided::row_major(&a, n), Strided::row_major(&b, n), &mut c, n, false); dt = dt.min(t.elapsed().as_secs_f64()); }
        let t = Instant::now();
        for _ in 0..reps.min(20) { unsafe { matrixmultiply::sgemm(n, n, n, 1.0, a.as_ptr(), n as isize, 1, b.as_ptr(), n as isize, 1, 0.0, c.as_mut_ptr(), n as isize, 1) } }
        let dm = t.elapsed().as_secs_f64() / reps.min(20) as f64;
        println!("n={n}: ours {:.1} GFLOP/s, matrixmultiply(1 thread) {:.1}", 2.0 * (n*n*n) as f64 / dt / 1e9, 2.0 * (n*n*n) as f64 / dm / 1e9);
    }
}
