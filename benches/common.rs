//! Shared bench helpers: best-of timing and the machine's FMA peak, measured in the same run
//! so every figure can be reported as a ratio.

use std::time::Instant;
use tf::{Function, Tensor};

/// `matmul_many` (100 matmuls by `t`) built by hand as one `tf::while_loop` graph.
#[allow(dead_code)]
pub fn matmul_many_graph() -> Function {
    Function::new("matmul_many", |xs: &[Tensor]| {
        let t = xs[0].clone();
        let out = tf::while_loop(
            |v| tf::less(&v[0], &tf::constant(100i64)),
            |v| vec![&v[0] + 1i64, tf::matmul(&v[1], &t)],
            &[tf::constant(0i64), t.clone()],
            None,
        );
        vec![out[1].clone()]
    })
}

/// `matmul_many` as a plain eager loop.
#[allow(dead_code)]
pub fn matmul_many_eager(t: &Tensor) -> Tensor {
    let mut acc = t.clone();
    for _ in 0..100 {
        acc = tf::matmul(&acc, t);
    }
    acc
}

/// Best (smallest) time in seconds of `f` over `reps` runs after one warm-up.
pub fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// f32 FMA throughput of all kernel threads together, GFLOP/s: 12 independent vector FMA
/// chains per thread, the most this CPU retires.
#[allow(dead_code)]
pub fn fma_peak_gflops() -> f64 {
    let threads = tf_kernels::cpu::num_threads();
    let iters = 20_000_000usize;
    let run = || {
        let mut acc = [1.0f32; 12 * 16];
        let t = Instant::now();
        fma_chains(&mut acc, iters);
        std::hint::black_box(&acc);
        t.elapsed().as_secs_f64()
    };
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(run);
            }
        });
        best = best.min(t.elapsed().as_secs_f64());
    }
    threads as f64 * iters as f64 * 12.0 * 16.0 * 2.0 / best / 1e9
}

#[allow(dead_code)]
fn fma_chains(acc: &mut [f32; 192], iters: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F (checked just above).
        unsafe { fma_chains_avx512(acc, iters) };
        return;
    }
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = v.mul_add(0.999_999, 1e-7);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(dead_code)]
unsafe fn fma_chains_avx512(acc: &mut [f32; 192], iters: usize) {
    use std::arch::x86_64::*;
    // SAFETY: `acc` holds 12 vectors of 16 floats.
    unsafe {
        let mut r = [_mm512_setzero_ps(); 12];
        for (i, v) in r.iter_mut().enumerate() {
            *v = _mm512_loadu_ps(acc.as_ptr().add(16 * i));
        }
        let (m, a) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        for _ in 0..iters {
            for v in r.iter_mut() {
                *v = _mm512_fmadd_ps(*v, m, a);
            }
        }
        for (i, v) in r.iter().enumerate() {
            _mm512_storeu_ps(acc.as_mut_ptr().add(16 * i), *v);
        }
    }
}
