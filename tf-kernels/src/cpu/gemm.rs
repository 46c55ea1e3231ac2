//! General matrix multiply, `C = A·B` (or `C += A·B`), for strided `A` and `B` and a
//! row-major `C`.
//!
//! f32 runs a packed BLIS-style GEMM with an AVX-512 micro-kernel when the CPU has it; other
//! CPUs and f64 use `matrixmultiply`. Both split the work across the kernel pool by
//! independent column (or row) blocks of `C`, so threads never synchronise inside a GEMM.

use super::{num_threads, parallel_for, split_range, SendPtr};

/// A strided read-only matrix operand: element `(i, j)` is at `i * rs + j * cs`.
#[derive(Clone, Copy, Debug)]
pub struct Strided<'a, T> {
    /// The backing slice; every addressed element must lie inside it.
    pub data: &'a [T],
    /// Row stride in elements.
    pub rs: usize,
    /// Column stride in elements.
    pub cs: usize,
}

impl<'a, T> Strided<'a, T> {
    /// A row-major matrix with `cols` columns.
    pub fn row_major(data: &'a [T], cols: usize) -> Self {
        Strided {
            data,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of this operand (no copy: the strides swap).
    pub fn t(self) -> Self {
        Strided {
            data: self.data,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

/// Up to this many multiply-adds a plain loop beats packing.
const SMALL_MACS: usize = 512;

/// `C (+)= A·B` by the definition, for tiny products where packing costs more than it saves.
#[allow(clippy::too_many_arguments)]
fn gemm_small<T>(
    m: usize,
    k: usize,
    n: usize,
    a: &Strided<T>,
    b: &Strided<T>,
    c: &mut [T],
    ldc: usize,
    accumulate: bool,
) where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
{
    for i in 0..m {
        for j in 0..n {
            let mut acc = if accumulate {
                c[i * ldc + j]
            } else {
                T::default()
            };
            for p in 0..k {
                acc = acc + a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
            }
            c[i * ldc + j] = acc;
        }
    }
}

/// Below this many multiply-adds a GEMM stays on one thread.
const PARALLEL_MIN_MACS: usize = 1 << 17;

fn check_bounds<T>(
    m: usize,
    k: usize,
    n: usize,
    a: &Strided<T>,
    b: &Strided<T>,
    c: &[T],
    ldc: usize,
) {
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| {
        if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * rs + (cols - 1) * cs + 1
        }
    };
    assert!(
        last(m, k, a.rs, a.cs) <= a.data.len(),
        "gemm: A out of bounds"
    );
    assert!(
        last(k, n, b.rs, b.cs) <= b.data.len(),
        "gemm: B out of bounds"
    );
    assert!(last(m, n, ldc, 1) <= c.len(), "gemm: C out of bounds");
}

/// How many parts to split a GEMM into, and whether by columns (true) or rows.
fn partition(m: usize, k: usize, n: usize) -> (usize, bool) {
    let threads = num_threads();
    if threads == 1 || m * k * n < PARALLEL_MIN_MACS {
        return (1, true);
    }
    (threads, n >= m)
}

/// `C (m×n, row stride ldc) = A (m×k) · B (k×n)`, or `C += A·B` when `accumulate`.
///
/// # Panics
/// If an operand's strides address memory outside its slice.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: Strided<f32>,
    b: Strided<f32>,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    check_bounds(m, k, n, &a, &b, c, ldc);
    if m == 0 || n == 0 {
        return;
    }
    if m * k * n <= SMALL_MACS {
        return gemm_small(m, k, n, &a, &b, c, ldc, accumulate);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        let (parts, by_cols) = partition(m, k, n);
        let cp = SendPtr(c.as_mut_ptr());
        let ranges = split_range(
            if by_cols { n } else { m },
            parts,
            if by_cols { avx512::NR } else { avx512::MR },
        );
        parallel_for(ranges.len(), |t| {
            let r = ranges[t].clone();
            // SAFETY: the ranges are disjoint blocks of C; the bounds were checked above and
            // the CPU supports AVX-512F.
            unsafe {
                if by_cols {
                    let b = Strided {
                        data: &b.data[r.start * b.cs..],
                        ..b
                    };
                    avx512::gemm(m, k, r.len(), a, b, cp.get().add(r.start), ldc, accumulate);
                } else {
                    let a = Strided {
                        data: &a.data[r.start * a.rs..],
                        ..a
                    };
                    avx512::gemm(
                        r.len(),
                        k,
                        n,
                        a,
                        b,
                        cp.get().add(r.start * ldc),
                        ldc,
                        accumulate,
                    );
                }
            }
        });
        return;
    }
    generic_gemm(m, k, n, a, b, c, ldc, accumulate, GemmFn::F32);
}

/// `C (m×n, row stride ldc) = A (m×k) · B (k×n)`, or `C += A·B` when `accumulate`.
///
/// # Panics
/// If an operand's strides address memory outside its slice.
#[allow(clippy::too_many_arguments)]
pub fn dgemm(
    m: usize,
    k: usize,
    n: usize,
    a: Strided<f64>,
    b: Strided<f64>,
    c: &mut [f64],
    ldc: usize,
    accumulate: bool,
) {
    check_bounds(m, k, n, &a, &b, c, ldc);
    if m == 0 || n == 0 {
        return;
    }
    if m * k * n <= SMALL_MACS {
        return gemm_small(m, k, n, &a, &b, c, ldc, accumulate);
    }
    generic_gemm(m, k, n, a, b, c, ldc, accumulate, GemmFn::F64);
}

enum GemmFn {
    F32,
    F64,
}

trait MmScalar: Copy + Send + Sync {
    fn zero() -> Self;
    fn one() -> Self;
    /// # Safety
    /// As `matrixmultiply::sgemm`/`dgemm`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn mm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
    );
}
impl MmScalar for f32 {
    fn zero() -> Self {
        0.0
    }
    fn one() -> Self {
        1.0
    }
    unsafe fn mm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
    ) {
        // SAFETY: forwarded from the caller.
        unsafe { matrixmultiply::sgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, 1) }
    }
}
impl MmScalar for f64 {
    fn zero() -> Self {
        0.0
    }
    fn one() -> Self {
        1.0
    }
    unsafe fn mm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
    ) {
        // SAFETY: forwarded from the caller.
        unsafe { matrixmultiply::dgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, 1) }
    }
}

#[allow(clippy::too_many_arguments)]
fn generic_gemm<T: MmScalar>(
    m: usize,
    k: usize,
    n: usize,
    a: Strided<T>,
    b: Strided<T>,
    c: &mut [T],
    ldc: usize,
    accumulate: bool,
    _f: GemmFn,
) {
    let (parts, by_cols) = partition(m, k, n);
    let ranges = split_range(if by_cols { n } else { m }, parts, 8);
    let cp = SendPtr(c.as_mut_ptr());
    let beta = if accumulate { T::one() } else { T::zero() };
    parallel_for(ranges.len(), |t| {
        let r = ranges[t].clone();
        let (mm, nn, ao, bo, co) = if by_cols {
            (m, r.len(), 0, r.start * b.cs, r.start)
        } else {
            (r.len(), n, r.start * a.rs, 0, r.start * ldc)
        };
        // SAFETY: bounds were checked by the caller; each thread writes its own block of C.
        unsafe {
            T::mm(
                mm,
                k,
                nn,
                a.data.as_ptr().add(ao),
                a.rs as isize,
                a.cs as isize,
                b.data.as_ptr().add(bo),
                b.rs as isize,
                b.cs as isize,
                beta,
                cp.get().add(co),
                ldc as isize,
            )
        }
    });
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    //! The packed f32 GEMM for AVX-512 CPUs: BLIS loop order (jc, pc, ic, jr, ir) around a
    //! 12×32 register-blocked micro-kernel.
    use super::Strided;
    use std::arch::x86_64::*;

    pub const MR: usize = 12;
    pub const NR: usize = 32;
    // Blocking measured on Zen 4 (32 KiB L1d, 1 MiB L2): a long KC amortises the C-tile
    // update; the B micro-panel streams from L2.
    const KC: usize = 512;
    const MC: usize = 96;
    const NC: usize = 4096;

    thread_local! {
        static PACK: std::cell::RefCell<(Vec<f32>, Vec<f32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }

    /// # Safety
    /// The CPU must support AVX-512F; `c` must address an `m×n` block with row stride `ldc`
    /// that no other thread touches; `a` and `b` must be in bounds for `m×k` and `k×n`.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        a: Strided<f32>,
        b: Strided<f32>,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    ) {
        let (kcb, mcb, ncb) = (KC, MC, NC);
        PACK.with(|p| {
            let mut p = p.borrow_mut();
            let (pa, pb) = &mut *p;
            pa.resize(mcb * kcb, 0.0);
            pb.resize(kcb * ncb.min(n.div_ceil(NR) * NR), 0.0);
            for jc in (0..n).step_by(ncb) {
                let nc = ncb.min(n - jc);
                for pc in (0..k).step_by(kcb) {
                    let kc = kcb.min(k - pc);
                    pack_b(kc, nc, &b, pc, jc, pb);
                    let acc = accumulate || pc > 0;
                    for ic in (0..m).step_by(mcb) {
                        let mc = mcb.min(m - ic);
                        pack_a(mc, kc, &a, ic, pc, pa);
                        for jr in (0..nc).step_by(NR) {
                            let nr = NR.min(nc - jr);
                            let bp = pb.as_ptr().add(jr * kc);
                            for ir in (0..mc).step_by(MR) {
                                let mr = MR.min(mc - ir);
                                // SAFETY: the panels hold kc×MR and kc×NR values; the C tile
                                // (ic+ir, jc+jr) of mr×nr lies inside the caller's block.
                                unsafe {
                                    kernel(
                                        kc,
                                        pa.as_ptr().add(ir * kc),
                                        bp,
                                        c.add((ic + ir) * ldc + jc + jr),
                                        ldc,
                                        mr,
                                        nr,
                                        acc,
                                    );
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /// Packs rows `ic..ic+mc`, columns `pc..pc+kc` of A into MR-row panels, `[panel][p][i]`,
    /// zero-padding the last panel.
    fn pack_a(mc: usize, kc: usize, a: &Strided<f32>, ic: usize, pc: usize, out: &mut [f32]) {
        for (pi, i0) in (0..mc).step_by(MR).enumerate() {
            let rows = MR.min(mc - i0);
            let panel = &mut out[pi * MR * kc..(pi + 1) * MR * kc];
            if rows < MR {
                panel.fill(0.0);
            }
            if a.cs == 1 {
                // Row-major A: read each row contiguously, write it as a column of the panel.
                for i in 0..rows {
                    let start = (ic + i0 + i) * a.rs + pc;
                    let src = &a.data[start..start + kc];
                    for (dst, &v) in panel.chunks_exact_mut(MR).zip(src) {
                        dst[i] = v;
                    }
                }
            } else if a.rs == 1 {
                // Column-major A (a transposed operand): each panel row is a contiguous run.
                for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                    let start = (pc + p) * a.cs + ic + i0;
                    dst[..rows].copy_from_slice(&a.data[start..start + rows]);
                }
            } else {
                for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                    let base = (pc + p) * a.cs + (ic + i0) * a.rs;
                    for (i, d) in dst.iter_mut().enumerate().take(rows) {
                        *d = a.data[base + i * a.rs];
                    }
                }
            }
        }
    }

    /// Packs rows `pc..pc+kc`, columns `jc..jc+nc` of B into NR-column panels, `[panel][p][j]`,
    /// zero-padding the last panel.
    fn pack_b(kc: usize, nc: usize, b: &Strided<f32>, pc: usize, jc: usize, out: &mut [f32]) {
        for (pj, j0) in (0..nc).step_by(NR).enumerate() {
            let cols = NR.min(nc - j0);
            let panel = &mut out[pj * NR * kc..(pj + 1) * NR * kc];
            for p in 0..kc {
                let dst = &mut panel[p * NR..p * NR + NR];
                let base = (pc + p) * b.rs + (jc + j0) * b.cs;
                if b.cs == 1 {
                    dst[..cols].copy_from_slice(&b.data[base..base + cols]);
                } else {
                    for (j, d) in dst.iter_mut().enumerate().take(cols) {
                        *d = b.data[base + j * b.cs];
                    }
                }
                dst[cols..].fill(0.0);
            }
        }
    }

    /// The 12×32 micro-kernel: `C[mr×nr] (+)= Apanel · Bpanel` over `kc` steps.
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn kernel(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        mr: usize,
        nr: usize,
        accumulate: bool,
    ) {
        let mut c0 = [_mm512_setzero_ps(); MR];
        let mut c1 = [_mm512_setzero_ps(); MR];
        let (mut a, mut b) = (a, b);
        // SAFETY (whole body): `a` holds kc×MR and `b` kc×NR packed values; the stores are
        // masked to the mr×nr tile that the caller owns.
        unsafe {
            for _ in 0..kc {
                let b0 = _mm512_loadu_ps(b);
                let b1 = _mm512_loadu_ps(b.add(16));
                for i in 0..MR {
                    let ai = _mm512_set1_ps(*a.add(i));
                    c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
                    c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
                }
                a = a.add(MR);
                b = b.add(NR);
            }
            let mask = |w: usize| -> __mmask16 {
                if w >= 16 {
                    0xffff
                } else {
                    ((1u32 << w) - 1) as u16
                }
            };
            let m0 = mask(nr);
            let m1 = mask(nr.saturating_sub(16));
            for i in 0..MR {
                if i < mr {
                    let cp = c.add(i * ldc);
                    let (mut v0, mut v1) = (c0[i], c1[i]);
                    if accumulate {
                        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cp));
                        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cp.add(16)));
                    }
                    _mm512_mask_storeu_ps(cp, m0, v0);
                    _mm512_mask_storeu_ps(cp.add(16), m1, v1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, k: usize, n: usize, a: &Strided<f64>, b: &Strided<f64>) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    c[i * n + j] += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
            }
        }
        c
    }

    fn data(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) % 1000) as f64 / 500.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn sgemm_matches_naive_for_odd_sizes_and_transposes() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (13, 7, 33),
            (40, 300, 70),
            (150, 260, 65),
            (3, 0, 4),
            (200, 64, 5),
        ] {
            for &(ta, tb) in &[(false, false), (true, false), (false, true), (true, true)] {
                let a64 = data(m * k, 1);
                let b64 = data(k * n, 2);
                let a32: Vec<f32> = a64.iter().map(|&x| x as f32).collect();
                let b32: Vec<f32> = b64.iter().map(|&x| x as f32).collect();
                fn view<T>(data: &[T], rows: usize, cols: usize, t: bool) -> Strided<'_, T> {
                    if t {
                        Strided {
                            data,
                            rs: 1,
                            cs: rows,
                        }
                    } else {
                        Strided {
                            data,
                            rs: cols,
                            cs: 1,
                        }
                    }
                }
                let want = naive(m, k, n, &view(&a64, m, k, ta), &view(&b64, k, n, tb));
                let mut c = vec![f32::NAN; m * n];
                sgemm(
                    m,
                    k,
                    n,
                    view(&a32, m, k, ta),
                    view(&b32, k, n, tb),
                    &mut c,
                    n,
                    false,
                );
                for (x, y) in c.iter().zip(&want) {
                    assert!(
                        (*x as f64 - y).abs() < 1e-3,
                        "{m}x{k}x{n} {ta} {tb}: {x} vs {y}"
                    );
                }
                let mut c2 = vec![1.0f64; m * n];
                dgemm(
                    m,
                    k,
                    n,
                    view(&a64, m, k, ta),
                    view(&b64, k, n, tb),
                    &mut c2,
                    n,
                    true,
                );
                for (x, y) in c2.iter().zip(&want) {
                    assert!((x - 1.0 - y).abs() < 1e-9);
                }
            }
        }
    }
}
