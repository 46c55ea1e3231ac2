use std::arch::x86_64::*;
use std::time::Instant;
#[target_feature(enable = "avx512f")]
unsafe fn fma_loop(iters: usize, x: f32) -> f32 {
    let mut acc = [_mm512_set1_ps(x); 12];
    let m = _mm512_set1_ps(0.999999);
    let a = _mm512_set1_ps(1e-7);
    for _ in 0..iters {
        for i in 0..12 { acc[i] = _mm512_fmadd_ps(acc[i], m, a); }
    }
    let mut s = _mm512_setzero_ps();
    for i in 0..12 { s = _mm512_add_ps(s, acc[i]); }
    _mm512_reduce_add_ps(s)
}
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_loop256(iters: usize, x: f32) -> f32 {
    let mut acc = [_mm256_set1_ps(x); 12];
    let m = _mm256_set1_ps(0.999999);
    let a = _mm256_set1_ps(1e-7);
    for _ in 0..iters {
        for i in 0..12 { acc[i] = _mm256_fmadd_ps(acc[i], m, a); }
    }
    let mut s = _mm256_setzero_ps();
    for i in 0..12 { s = _mm256_add_ps(s, acc[i]); }
    let mut o = [0f32; 8]; _mm256_storeu_ps(o.as_mut_ptr(), s); o.iter().sum()
}
fn main() {
    let iters = 50_000_000;
    for threads in [1, 2] {
        let t = Instant::now();
        std::thread::scope(|s| { for _ in 0..threads { s.spawn(|| unsafe { std::hint::black_box(fma_loop(iters, 1.0)) }); } });
        let dt = t.elapsed().as_secs_f64();
        println!("zmm threads={threads}: {:.1} GFLOP/s", threads as f64 * iters as f64 * 12.0 * 32.0 / dt / 1e9);
        let t = Instant::now();
        std::thread::scope(|s| { for _ in 0..threads { s.spawn(|| unsafe { std::hint::black_box(fma_loop256(iters, 1.0)) }); } });
        let dt = t.elapsed().as_secs_f64();
        println!("ymm threads={threads}: {:.1} GFLOP/s", threads as f64 * iters as f64 * 12.0 * 16.0 / dt / 1e9);
    }
}
