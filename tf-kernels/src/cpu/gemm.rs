//! General matrix multiply, `C = A·B` (or `C += A·B`), for a row-major `C`.
//!
//! `A` is either a strided matrix or a [`Gather`] view (`A[i][p] = data[rows[i] + cols[p]]`),
//! which lets a convolution multiply by its im2col matrix without ever building it. f32
//! runs a BLIS-style GEMM with an AVX-512 micro-kernel when the CPU has it; other CPUs and
//! f64 use `matrixmultiply`. The work is split across the kernel pool by independent column
//! (or row) blocks of `C`, so threads never synchronise inside a GEMM.

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
        Strided { data, rs: cols, cs: 1 }
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

/// An `m×k` operand addressed through two offset tables: `A[i][p] = data[rows[i] + cols[p]]`.
/// With `rows` the window origins of a zero-padded NHWC image and `cols` the tap offsets,
/// this is the im2col matrix of a convolution; swapping the tables gives its transpose.
#[derive(Clone, Copy, Debug)]
pub struct Gather<'a> {
    /// The values.
    pub data: &'a [f32],
    /// Offset of each row (`m` entries).
    pub rows: &'a [usize],
    /// Offset of each column (`k` entries).
    pub cols: &'a [usize],
}

/// Work applied to finished rows of C (whole rows, `n` values each, in order) while they
/// are still in cache: a convolution's bias and activation.
pub type Then<'a> = Option<&'a (dyn Fn(&mut [f32]) + Sync)>;

/// Runs `then` on all `m` rows of a contiguous C, in blocks across the pool.
fn finish(c: &mut [f32], m: usize, n: usize, then: Then) {
    let Some(f) = then else { return };
    let c = &mut c[..m * n];
    if m * n < super::PARALLEL_MIN_ELEMS {
        return f(c);
    }
    let ranges = split_range(m, num_threads(), 1);
    let cp = SendPtr(c.as_mut_ptr());
    parallel_for(ranges.len(), |t| {
        let r = ranges[t].clone();
        // SAFETY: the row ranges are disjoint and inside `c`.
        f(unsafe { std::slice::from_raw_parts_mut(cp.get().add(r.start * n), r.len() * n) });
    });
}

/// Up to this many multiply-adds a plain loop beats packing.
pub const SMALL_MACS: usize = 512;
/// Below this many multiply-adds a GEMM stays on one thread.
const PARALLEL_MIN_MACS: usize = 1 << 17;

fn extent(rows: usize, cols: usize, rs: usize, cs: usize) -> usize {
    if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * rs + (cols - 1) * cs + 1
    }
}

fn check_c<T>(m: usize, n: usize, c: &[T], ldc: usize) {
    assert!(extent(m, n, ldc, 1) <= c.len(), "gemm: C out of bounds");
}

/// `C (+)= A·B` by the definition, for tiny products where packing costs more than it saves.
#[allow(clippy::too_many_arguments)]
fn gemm_small<T>(m: usize, k: usize, n: usize, a: &Strided<T>, b: &Strided<T>, c: &mut [T], ldc: usize, accumulate: bool)
where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
{
    for i in 0..m {
        for j in 0..n {
            let mut acc = if accumulate { c[i * ldc + j] } else { T::default() };
            for p in 0..k {
                acc = acc + a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
            }
            c[i * ldc + j] = acc;
        }
    }
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
pub fn sgemm(m: usize, k: usize, n: usize, a: Strided<f32>, b: Strided<f32>, c: &mut [f32], ldc: usize, accumulate: bool) {
    assert!(extent(m, k, a.rs, a.cs) <= a.data.len(), "gemm: A out of bounds");
    assert!(extent(k, n, b.rs, b.cs) <= b.data.len(), "gemm: B out of bounds");
    check_c(m, n, c, ldc);
    if m == 0 || n == 0 {
        return;
    }
    if m * k * n <= SMALL_MACS {
        return gemm_small(m, k, n, &a, &b, c, ldc, accumulate);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        if m.is_multiple_of(avx512::NR) && m <= TRANSPOSED_MAX_M && b.rs == 1 && b.cs != 1 && n > TRANSPOSED_MIN_N {
            return transposed(m, k, n, a, b, c, ldc, accumulate);
        }
        return avx512::run(m, k, n, avx512::ASrc::Strided(a), b, c, ldc, accumulate, None);
    }
    generic_gemm(m, k, n, a, b, c, ldc, accumulate);
}

/// Few rows of C and a wide column-major B (a dense layer's input gradient at batch 32 or
/// 64, `g · Wᵀ`): packing B would copy all of W for m uses of each value. The transposed
/// product `Cᵀ = Bᵀ · Aᵀ` reads W row by row in place instead (a narrow C's A is never
/// packed), and only the small `Cᵀ` is transposed back. Its tiles are m wide, so m must
/// fill whole micro-kernel tiles (32 columns): measured 32x1024x3136 1.3–1.5x and
/// 64x1024x3136 ~1.08x faster; at m = 10, 48 or 96 and above the packed product wins.
#[cfg(target_arch = "x86_64")]
const TRANSPOSED_MAX_M: usize = 64;
/// See [`TRANSPOSED_MAX_M`]: below this many columns B is small enough to pack.
#[cfg(target_arch = "x86_64")]
const TRANSPOSED_MIN_N: usize = 256;

#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
fn transposed(m: usize, k: usize, n: usize, a: Strided<f32>, b: Strided<f32>, c: &mut [f32], ldc: usize, accumulate: bool) {
    // Cᵀ is written whole by the product: a reused buffer is taken as it is.
    let mut t: Vec<f32> = crate::cpu::recycle::take_as_is(n * m);
    if t.len() != n * m {
        t.clear();
        t.resize(n * m, 0.0);
    }
    let bt = Strided {
        data: b.data,
        rs: b.cs,
        cs: b.rs,
    };
    let at = Strided {
        data: a.data,
        rs: a.cs,
        cs: a.rs,
    };
    avx512::run(n, k, m, avx512::ASrc::Strided(bt), at, &mut t, m, false, None);
    for i in 0..m {
        let row = &mut c[i * ldc..i * ldc + n];
        for (j, d) in row.iter_mut().enumerate() {
            let v = t[j * m + i];
            *d = if accumulate { *d + v } else { v };
        }
    }
    crate::cpu::recycle::give(t);
}

/// `C = A·B` (`m×n`) handed on a block of rows at a time and never stored whole: each
/// thread computes blocks of its rows into a buffer of its own and calls `then(first_row,
/// block)` (row-major, `n` values a row) while the block is in that core's cache. For a
/// product used once, right away: a weight gradient that the optimizer applies (writing
/// and reading back a dense layer's 12 MB gradient cost more than computing it). `then`
/// runs on the pool's threads, on disjoint rows, and must not multiply matrices itself.
///
/// # Panics
/// If an operand's strides address memory outside its slice.
///
/// ```
/// use tf_kernels::cpu::gemm::{sgemm_rows_then, Strided};
/// use std::sync::Mutex;
/// // [[1, 2], [3, 4]] · [[1, 0], [0, 1]], summed by rows as it is made.
/// let (a, b) = ([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 0.0, 1.0]);
/// let sums = Mutex::new(vec![0.0; 2]);
/// sgemm_rows_then(2, 2, 2, Strided::row_major(&a, 2), Strided::row_major(&b, 2), &|first, rows| {
///     for (i, row) in rows.chunks(2).enumerate() {
///         sums.lock().unwrap()[first + i] = row.iter().sum();
///     }
/// });
/// assert_eq!(*sums.lock().unwrap(), [3.0, 7.0]);
/// ```
pub fn sgemm_rows_then(m: usize, k: usize, n: usize, a: Strided<f32>, b: Strided<f32>, then: &(dyn Fn(usize, &mut [f32]) + Sync)) {
    assert!(extent(m, k, a.rs, a.cs) <= a.data.len(), "gemm: A out of bounds");
    assert!(extent(k, n, b.rs, b.cs) <= b.data.len(), "gemm: B out of bounds");
    if m == 0 || n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") && m * k * n > SMALL_MACS {
        return avx512::run_rows(m, k, n, avx512::ASrc::Strided(a), b, then);
    }
    let rows = m.min((ROWS_ELEMS / n).max(1));
    let mut block = vec![0f32; rows * n];
    for r0 in (0..m).step_by(rows) {
        let len = rows.min(m - r0);
        let a = Strided {
            data: &a.data[r0 * a.rs..],
            ..a
        };
        sgemm(len, k, n, a, b, &mut block, n, false);
        then(r0, &mut block[..len * n]);
    }
}

/// The most values of C that [`sgemm_rows_then`] holds at once without AVX-512.
const ROWS_ELEMS: usize = 1 << 16;

/// `C (+)= A·B` with `A` a [`Gather`] view.
///
/// # Panics
/// If the tables' lengths are not `m` and `k`, or they address memory outside `data`.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_gather(m: usize, k: usize, n: usize, a: Gather, b: Strided<f32>, c: &mut [f32], ldc: usize, accumulate: bool) {
    gather(m, k, n, a, b, c, ldc, accumulate, None);
}

/// `C = A·B` with `A` a [`Gather`] view into a contiguous `C` (`m×n`), then `then` on its
/// rows: on each block of rows as a thread finishes it, while it is in that core's cache
/// (a convolution's bias and activation without another pass over memory).
///
/// # Panics
/// As [`sgemm_gather`].
///
/// ```
/// use tf_kernels::cpu::gemm::{sgemm_gather_then, Gather, Strided};
/// // A = [[1, 2], [3, 4]] picked from `data`; B = identity; then +10 on every value.
/// let data = [1.0, 2.0, 3.0, 4.0];
/// let b = [1.0, 0.0, 0.0, 1.0];
/// let mut c = [0.0; 4];
/// let a = Gather { data: &data, rows: &[0, 2], cols: &[0, 1] };
/// sgemm_gather_then(2, 2, 2, a, Strided::row_major(&b, 2), &mut c, &|rows: &mut [f32]| rows.iter_mut().for_each(|v| *v += 10.0));
/// assert_eq!(c, [11.0, 12.0, 13.0, 14.0]);
/// ```
pub fn sgemm_gather_then(m: usize, k: usize, n: usize, a: Gather, b: Strided<f32>, c: &mut [f32], then: &(dyn Fn(&mut [f32]) + Sync)) {
    gather(m, k, n, a, b, c, n, false, Some(then));
}

#[allow(clippy::too_many_arguments)]
fn gather(m: usize, k: usize, n: usize, a: Gather, b: Strided<f32>, c: &mut [f32], ldc: usize, accumulate: bool, then: Then) {
    assert!(
        a.rows.len() == m && a.cols.len() == k,
        "gemm: gather tables must have m and k entries"
    );
    let max = |v: &[usize]| v.iter().copied().max().unwrap_or(0);
    assert!(
        m == 0 || k == 0 || max(a.rows) + max(a.cols) < a.data.len(),
        "gemm: A out of bounds"
    );
    assert!(extent(k, n, b.rs, b.cs) <= b.data.len(), "gemm: B out of bounds");
    check_c(m, n, c, ldc);
    if m == 0 || n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") && m * k * n > SMALL_MACS {
        return avx512::run(m, k, n, avx512::ASrc::Gather(a), b, c, ldc, accumulate, then);
    }
    let dense: Vec<f32> = a.rows.iter().flat_map(|&r| a.cols.iter().map(move |&q| a.data[r + q])).collect();
    sgemm(m, k, n, Strided::row_major(&dense, k), b, c, ldc, accumulate);
    finish(c, m, n, then);
}

/// `C (m×n, row stride ldc) = A (m×k) · B (k×n)`, or `C += A·B` when `accumulate`.
///
/// # Panics
/// If an operand's strides address memory outside its slice.
#[allow(clippy::too_many_arguments)]
pub fn dgemm(m: usize, k: usize, n: usize, a: Strided<f64>, b: Strided<f64>, c: &mut [f64], ldc: usize, accumulate: bool) {
    assert!(extent(m, k, a.rs, a.cs) <= a.data.len(), "gemm: A out of bounds");
    assert!(extent(k, n, b.rs, b.cs) <= b.data.len(), "gemm: B out of bounds");
    check_c(m, n, c, ldc);
    if m == 0 || n == 0 {
        return;
    }
    if m * k * n <= SMALL_MACS {
        return gemm_small(m, k, n, &a, &b, c, ldc, accumulate);
    }
    generic_gemm(m, k, n, a, b, c, ldc, accumulate);
}

trait MmScalar: Copy + Send + Sync {
    const ZERO: Self;
    const ONE: Self;
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
macro_rules! mm_scalar {
    ($t:ty, $f:path) => {
        impl MmScalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
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
                unsafe { $f(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, 1) }
            }
        }
    };
}
mm_scalar!(f32, matrixmultiply::sgemm);
mm_scalar!(f64, matrixmultiply::dgemm);

/// `matrixmultiply` on each thread's block of C.
#[allow(clippy::too_many_arguments)]
fn generic_gemm<T: MmScalar>(m: usize, k: usize, n: usize, a: Strided<T>, b: Strided<T>, c: &mut [T], ldc: usize, accumulate: bool) {
    let (parts, by_cols) = partition(m, k, n);
    let ranges = split_range(if by_cols { n } else { m }, parts, 8);
    let cp = SendPtr(c.as_mut_ptr());
    let beta = if accumulate { T::ONE } else { T::ZERO };
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
pub(crate) mod avx512;

#[cfg(test)]
mod tests;
