//! The packed f32 GEMM for AVX-512 CPUs: BLIS loop order (jc, pc, ic, jr, ir) around one
//! register-blocked micro-kernel of 12×32 tiles. A narrow C (n ≤ 256) reuses each A value
//! only n times, so there A is read in place through row pointers and a column-offset table
//! instead of being packed (10×32 tiles); a C of few rows reads a row-major B in place.

use super::{finish, partition, split_range, Gather, SendPtr, Strided, Then};
use crate::cpu::parallel_for;
use std::arch::x86_64::*;

pub const MR: usize = 12;
pub const NR: usize = 32;
/// Rows of a tile when A is read in place: 20 accumulators, two B vectors and the 10
/// broadcasts fit the 32 vector registers, and the 10 row pointers, the offset table and B
/// the general ones. (At 12 rows the compiler loads all the broadcasts first and spills
/// accumulators every step: ~10% slower.)
const MR_DIRECT: usize = 10;
// Blocking measured on Zen 4 (32 KiB L1d, 1 MiB L2): a long KC amortises the C-tile update
// (each pass over k reads and writes all of C: at KC = 512 a 2048² GEMM spent ~5% there);
// the B micro-panel streams from L2. A read in place (a convolution's im2col view) keeps the
// KC its kernel was tuned with, which keeps its rows' working set small.
const KC: usize = 1024;
const KC_DIRECT: usize = 512;
const MC: usize = 96;
/// Rows of A read in place per block: whole 10-row tiles (at 96, every block ended in a
/// tile of 6).
const MC_DIRECT: usize = 10 * MR_DIRECT;
const NC: usize = 4096;
/// Up to this many columns of C, A is read in place instead of packed.
const DIRECT_A_MAX_N: usize = 256;
/// Up to this many rows of C, a row-major B is read in place instead of packed: each B
/// value is used only this many times, and packing it (a dense layer's weights, every
/// step) costs more than the strided reads (32×1024×3136: 1.5x faster in place) — while
/// B fits in the L3 cache, [`DIRECT_B_MAX_BYTES`].
const DIRECT_B_MAX_M: usize = 48;
/// The most B a thread reads in place: beyond it B streams from memory, where packing's
/// one pass does better than the kernel's strided reads (16×4096×4096: 1.35x slower in
/// place).
const DIRECT_B_MAX_BYTES: usize = 16 << 20;
/// A B read in place is read down strips of NR columns, a row per page: the hardware
/// prefetcher does not follow that, and a B fresh from memory (a dense layer's weights
/// just updated by the optimizer) cost ~1.8x its in-cache time. So the first tile of each
/// strip prefetches the strip this many ahead, row by row as it reads its own (32×3136×1024
/// with B out of cache: 2.1–2.3 → 1.5–1.7 ms; in cache 1.25–1.35 → 1.1–1.2 ms; one strip
/// ahead is too late, three no better).
const AHEAD: usize = 2;

/// `IDENTITY[p] = p`: the column-offset table of a contiguous row.
static IDENTITY: [usize; KC_DIRECT] = {
    let mut t = [0; KC_DIRECT];
    let mut i = 0;
    while i < KC_DIRECT {
        t[i] = i;
        i += 1;
    }
    t
};

/// Where the A operand's values come from.
#[derive(Clone, Copy)]
pub enum ASrc<'a> {
    Strided(Strided<'a, f32>),
    Gather(Gather<'a>),
}

impl<'a> ASrc<'a> {
    /// Rows `r` of A only.
    fn rows(self, r: std::ops::Range<usize>) -> ASrc<'a> {
        match self {
            ASrc::Strided(a) => ASrc::Strided(Strided {
                data: &a.data[r.start * a.rs..],
                ..a
            }),
            ASrc::Gather(g) => ASrc::Gather(Gather { rows: &g.rows[r], ..g }),
        }
    }
    /// True when A can be read in place by the direct kernel.
    fn can_be_direct(&self, n: usize) -> bool {
        n <= DIRECT_A_MAX_N
            && match self {
                ASrc::Strided(a) => a.cs == 1,
                ASrc::Gather(_) => true,
            }
    }
    /// True when A is read in place in an `m×k·k×n` product with `b`: where it can be,
    /// unless B is read in place instead (a strided A's few rows cost less to pack than
    /// all of B: a dense layer's forward at batch 32, 32x784x128 35-37 -> 32.6-33.3 µs,
    /// 32x1024x10 9.1 -> 7.9 µs).
    fn direct(&self, m: usize, k: usize, n: usize, b: &Strided<f32>) -> bool {
        self.can_be_direct(n) && (matches!(self, ASrc::Gather(_)) || !b_in_place(m, k, n, b))
    }
}

thread_local! {
    static PACK: std::cell::RefCell<(Vec<f32>, Vec<f32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Splits the GEMM across the pool and runs each block: by k when C is too small to share
/// out or has few rows against a row-major B, else by columns or rows, each thread packing
/// its own operands. `then` runs on each block of rows as it is finished (by the thread
/// that made it, while it is in that core's cache) when the split is by rows, else on all
/// of C at the end. Operands were bounds-checked by the caller.
#[allow(clippy::too_many_arguments)]
pub fn run(m: usize, k: usize, n: usize, a: ASrc, b: Strided<f32>, c: &mut [f32], ldc: usize, accumulate: bool, then: Then) {
    let (parts, by_cols) = partition(m, k, n);
    let threads = crate::cpu::num_threads();
    // Split by k when C is too small to share out, and when C has few rows and B is
    // row-major (a dense layer's forward at a small batch): then each thread reads only its
    // own rows of B — the rows the optimizer's update, split the same way, left in that
    // core's cache. Split by columns, each thread read half of every row of B from the other
    // core, which costs little while cross-core transfers are fast and doubled the MLP step
    // when they were slow (this machine at times: 350 ns round trips instead of 90).
    let small_c = (if by_cols { n.div_ceil(NR) } else { m.div_ceil(MR) }) < threads;
    let own_rows_of_b = m <= DIRECT_B_MAX_M && b.cs == 1;
    if parts > 1 && (small_c || own_rows_of_b) && k >= 64 * threads {
        run_split_k(m, k, n, a, b, c, ldc, accumulate, threads);
        return finish(c, m, n, then);
    }
    let cp = SendPtr(c.as_mut_ptr());
    // Each thread packs what it multiplies and so reads packed values only from its own
    // cache. (One packed B shared by the threads, half packed by each, made each read the
    // other half from the other core: square n = 1024–2048 ran at 200–210 GFLOP/s instead
    // of 218–222 while this machine's cross-core transfers were slow, the same otherwise.)
    // Rows are split finer than the thread count and claimed dynamically: a thread that
    // starts late takes fewer. Each block packs all of B, so blocks keep at least 384 rows
    // (a filter gradient's 800 rows over a long k in eight blocks spent 5% packing its B
    // eight times).
    let parts = if by_cols {
        parts
    } else {
        (parts * 4).min(m / (MR * 32)).max(parts)
    };
    let align = match (by_cols, a.direct(m, k, n, &b)) {
        (true, _) => NR,
        (false, true) => MR_DIRECT,
        (false, false) => MR,
    };
    let ranges = split_range(if by_cols { n } else { m }, parts, align);
    parallel_for(ranges.len(), |t| {
        let r = ranges[t].clone();
        // SAFETY: the ranges are disjoint blocks of C inside the checked bounds; the caller
        // detected AVX-512F.
        unsafe {
            if by_cols {
                let b = Strided {
                    data: &b.data[r.start * b.cs..],
                    ..b
                };
                gemm(m, k, r.len(), a, b, cp.get().add(r.start), ldc, accumulate);
            } else {
                gemm(r.len(), k, n, a.rows(r.clone()), b, cp.get().add(r.start * ldc), ldc, accumulate);
                if let Some(f) = then {
                    // `then` implies ldc == n (the caller's promise): these rows are one run.
                    f(std::slice::from_raw_parts_mut(cp.get().add(r.start * n), r.len() * n));
                }
            }
        }
    });
    if by_cols {
        finish(c, m, n, then);
    }
}

/// C too small to share out (a filter gradient: few rows and columns, a long sum): each
/// thread sums its own slice of k into a private C, and the partial results are added.
#[allow(clippy::too_many_arguments)]
fn run_split_k(m: usize, k: usize, n: usize, a: ASrc, b: Strided<f32>, c: &mut [f32], ldc: usize, accumulate: bool, threads: usize) {
    // Whole cache lines of a row-major A per thread, as a gathered batch is split (see
    // `movement::gather`), so each reads only the columns it gathered itself.
    let ranges = split_range(k, threads, 16);
    // Every value is written (the products do not accumulate), so any buffer will do.
    let mut partial: Vec<f32> = crate::cpu::recycle::take_len(ranges.len() * m * n);
    let pp = SendPtr(partial.as_mut_ptr());
    parallel_for(ranges.len(), |t| {
        let r = ranges[t].clone();
        let a = match a {
            ASrc::Strided(s) => ASrc::Strided(Strided {
                data: &s.data[r.start * s.cs..],
                ..s
            }),
            ASrc::Gather(g) => ASrc::Gather(Gather {
                cols: &g.cols[r.clone()],
                ..g
            }),
        };
        let b = Strided {
            data: &b.data[r.start * b.rs..],
            ..b
        };
        // SAFETY: each thread writes its own m×n block of `partial`; the caller checked the
        // operands and detected AVX-512F.
        unsafe { gemm(m, r.len(), n, a, b, pp.get().add(t * m * n), n, false) };
    });
    for i in 0..m {
        let row = &mut c[i * ldc..i * ldc + n];
        if !accumulate {
            row.fill(0.0);
        }
        for t in 0..ranges.len() {
            for (d, &v) in row.iter_mut().zip(&partial[(t * m + i) * n..][..n]) {
                *d += v;
            }
        }
    }
    crate::cpu::recycle::give(partial);
}

/// # Safety
/// The CPU must support AVX-512F; `c` must address an `m×n` block with row stride `ldc`
/// that no other thread touches; `a` and `b` must be in bounds for `m×k` and `k×n`.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm(m: usize, k: usize, n: usize, a: ASrc, b: Strided<f32>, c: *mut f32, ldc: usize, accumulate: bool) {
    let direct = a.direct(m, k, n, &b);
    let mode = b_mode(m, k, n, &b, direct);
    PACK.with(|p| {
        let mut p = p.borrow_mut();
        let (pa, pb) = &mut *p;
        let kcb = if direct { KC_DIRECT } else { KC };
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(kcb) {
                let kc = kcb.min(k - pc);
                let bp = b_panels(mode, (pc, kc), (jc, nc), &b, pb);
                // SAFETY: C's rows 0..m at columns jc..jc+nc are the caller's; B's rows
                // pc..pc+kc, columns jc..jc+nc are inside B (checked by the caller).
                unsafe { row_blocks(0..m, (pc, kc), (jc, nc), &a, direct, bp, pa, c, ldc, accumulate || pc > 0) };
            }
        }
    });
}

/// How a thread reads B.
#[derive(Clone, Copy)]
enum BMode {
    /// Packed into NR-column panels.
    Packed,
    /// Read in place, row-major (see [`DIRECT_B_MAX_M`]).
    InPlace,
    /// A row-major B exactly NR wide is one packed panel already (a convolution's gradient
    /// with 32 channels, or its filter with 32 outputs).
    OnePanel,
}

/// Whether a B can be read in place under an `m`-row C (see [`DIRECT_B_MAX_M`]).
fn b_in_place(m: usize, k: usize, n: usize, b: &Strided<f32>) -> bool {
    m <= DIRECT_B_MAX_M && b.cs == 1 && k * n * 4 <= DIRECT_B_MAX_BYTES
}

fn b_mode(m: usize, k: usize, n: usize, b: &Strided<f32>, direct: bool) -> BMode {
    if !direct && b_in_place(m, k, n, b) {
        BMode::InPlace
    } else if b.cs == 1 && b.rs == NR && n == NR {
        BMode::OnePanel
    } else {
        BMode::Packed
    }
}

/// B's panels over its rows `pc..pc+kc` and columns `jc..jc+nc`, packed into `pb` first
/// where `mode` says so.
fn b_panels<'x>(
    mode: BMode,
    (pc, kc): (usize, usize),
    (jc, nc): (usize, usize),
    b: &Strided<'x, f32>,
    pb: &'x mut Vec<f32>,
) -> BPanels<'x> {
    match mode {
        BMode::InPlace => BPanels::InPlace(b.data[pc * b.rs + jc..].as_ptr(), b.rs),
        BMode::OnePanel => BPanels::Packed(&b.data[pc * NR..]),
        BMode::Packed => {
            let len = packed_len(kc, nc);
            if pb.len() < len {
                pb.resize(len, 0.0);
            }
            pack_b(kc, nc, b, pc, jc, pb);
            BPanels::Packed(pb)
        }
    }
}

/// Values of a `k×n` B packed by [`pack`].
pub fn packed_len(k: usize, n: usize) -> usize {
    k * n.div_ceil(NR) * NR
}

/// Packs a `k×n` B into the micro-kernel's column panels (`out` holds [`packed_len`]
/// values), for products by [`gemm_packed`] that reuse it.
pub fn pack(k: usize, n: usize, b: Strided<f32>, out: &mut [f32]) {
    assert!(super::extent(k, n, b.rs, b.cs) <= b.data.len(), "gemm: B out of bounds");
    pack_b(k, n, &b, 0, 0, &mut out[..packed_len(k, n)]);
}

/// `C = A·B` on this thread, A (`m×k`, rows contiguous) read in place and B from [`pack`]:
/// many small products by one matrix (a Winograd convolution's 36 per block of tiles).
///
/// # Safety
/// The CPU has AVX-512F; A is in bounds for `m×k`; `c` addresses an `m×n` block with row
/// stride `ldc` that no other thread touches.
///
/// # Panics
/// If A's columns are not contiguous, `n` is too wide to read A in place, or `k` is over
/// one block of k.
pub unsafe fn gemm_packed(m: usize, k: usize, n: usize, a: Strided<f32>, pb: &[f32], c: *mut f32, ldc: usize) {
    let a = ASrc::Strided(a);
    assert!(
        a.can_be_direct(n) && k <= KC_DIRECT,
        "gemm_packed: A read in place, k within a block"
    );
    assert!(pb.len() >= packed_len(k, n), "gemm_packed: B not packed for {k}x{n}");
    let mut unused = Vec::new();
    // SAFETY: the caller's promises; B's panels cover k×n.
    unsafe { row_blocks(0..m, (0, k), (0, n), &a, true, BPanels::Packed(pb), &mut unused, c, ldc, false) };
}

/// `C (+)= A·B` on this thread alone (for callers that split the work themselves).
///
/// # Safety
/// The CPU has AVX-512F; A and B are in bounds for `m×k` and `k×n`; `c` addresses an `m×n`
/// block with row stride `ldc` that no other thread touches.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_serial(m: usize, k: usize, n: usize, a: Strided<f32>, b: Strided<f32>, c: *mut f32, ldc: usize, accumulate: bool) {
    // SAFETY: the caller's promises.
    unsafe { gemm(m, k, n, ASrc::Strided(a), b, c, ldc, accumulate) }
}

/// The most bytes of C a thread holds at once in [`run_rows`]: a block that stays in its
/// L2 cache next to the packed operands while `then` reads it.
const ROWS_BYTES: usize = 384 << 10;

/// `C = A·B` a block of rows at a time, never stored whole: each thread computes blocks of
/// its rows into a buffer of its own and calls `then(first_row, block)` on each (row-major,
/// `n` values a row) while it is in that core's cache. Operands were bounds-checked by the
/// caller.
pub fn run_rows(m: usize, k: usize, n: usize, a: ASrc, b: Strided<f32>, then: &(dyn Fn(usize, &mut [f32]) + Sync)) {
    let threads = if m * k * n < super::PARALLEL_MIN_MACS {
        1
    } else {
        crate::cpu::num_threads()
    };
    let parts = split_range(m, threads, MR);
    let rows = (ROWS_BYTES / 4 / n.max(1)).max(MR) / MR * MR;
    parallel_for(parts.len(), |t| {
        let r = parts[t].clone();
        let mut buf: Vec<f32> = crate::cpu::recycle::take_len(rows.min(r.len()) * n);
        // SAFETY: the caller checked the operands and detected AVX-512F; `buf` holds the
        // blocks.
        unsafe { gemm_rows(r.len(), k, n, a.rows(r.clone()), b, rows, &mut buf, &|i, c| then(r.start + i, c)) };
        crate::cpu::recycle::give(buf);
    });
}

/// [`gemm`] into `buf`, `rows` rows at a time, each block handed to `then` with its first
/// row. With one block of k and of columns (a weight gradient: k is the batch), B is
/// packed once for all of them (and `then`, run while the packing buffers are held, must
/// not multiply matrices itself: it would panic on them).
///
/// # Safety
/// As [`gemm`]; `buf` holds `rows.min(m) * n` values.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_rows(
    m: usize,
    k: usize,
    n: usize,
    a: ASrc,
    b: Strided<f32>,
    rows: usize,
    buf: &mut [f32],
    then: &dyn Fn(usize, &mut [f32]),
) {
    let direct = a.direct(m, k, n, &b);
    if k > if direct { KC_DIRECT } else { KC } || n > NC {
        for r0 in (0..m).step_by(rows) {
            let block = &mut buf[..rows.min(m - r0) * n];
            // SAFETY: the block is its rows of `n` in `buf`; A's rows from r0 are inside A.
            unsafe { gemm(block.len() / n, k, n, a.rows(r0..m), b, block.as_mut_ptr(), n, false) };
            then(r0, block);
        }
        return;
    }
    let mode = b_mode(rows.min(m), k, n, &b, direct);
    PACK.with(|p| {
        let mut p = p.borrow_mut();
        let (pa, pb) = &mut *p;
        let bp = b_panels(mode, (0, k), (0, n), &b, pb);
        for r0 in (0..m).step_by(rows) {
            let len = rows.min(m - r0);
            let block = &mut buf[..len * n];
            // SAFETY: as above.
            unsafe { row_blocks(0..len, (0, k), (0, n), &a.rows(r0..m), direct, bp, pa, block.as_mut_ptr(), n, false) };
            then(r0, block);
        }
    });
}

/// Rows `rows` of C at columns `jc..jc+nc`, over k's values `pc..pc+kc`: each block of up
/// to MC rows of A packed into `pa` (or read in place when `direct`) and multiplied by B's
/// panels `b`.
///
/// # Safety
/// As for [`tiles`], for each block: `c` (row stride `ldc`) addresses C, whose rows `rows`
/// at those columns are this thread's; A is in bounds for those rows and columns of k.
#[allow(clippy::too_many_arguments)]
unsafe fn row_blocks(
    rows: std::ops::Range<usize>,
    (pc, kc): (usize, usize),
    (jc, nc): (usize, usize),
    a: &ASrc,
    direct: bool,
    b: BPanels,
    pa: &mut Vec<f32>,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    let step = if direct { MC_DIRECT } else { MC };
    for ic in rows.clone().step_by(step) {
        let mc = step.min(rows.end - ic);
        let panels = if direct {
            Panels::InPlace(a, ic, pc)
        } else {
            pa.resize(MC * KC, 0.0);
            pack_a(mc, kc, a, ic, pc, pa);
            Panels::Packed(pa)
        };
        // SAFETY: the block (ic, jc) of mc×nc lies inside the caller's part of C.
        unsafe { tiles(mc, kc, nc, panels, b, c.add(ic * ldc + jc), ldc, acc) };
    }
}

/// Where a block's A micro-panels are.
#[derive(Clone, Copy)]
enum Panels<'a> {
    /// Packed, MR rows each, `kc` values apart.
    Packed(&'a [f32]),
    /// Read in place from rows `.1..`, columns `.2..` of A.
    InPlace(&'a ASrc<'a>, usize, usize),
}

/// Where a block's B micro-panels are.
#[derive(Clone, Copy)]
enum BPanels<'a> {
    /// Packed, NR columns each, `kc` rows apart.
    Packed(&'a [f32]),
    /// Read in place: row-major, rows `.1` apart, from `.0`.
    InPlace(*const f32, usize),
}

/// Calls `kernel` for a tile of `mr` rows: the full tile's instance (`full` rows), or for a
/// block's last rows the smallest of 2, 4 and 8 that covers them (a 32-row C in 10-row
/// tiles ends in 2 rows, which the full instance would compute as 10); and for a tile of
/// `nr` ≤ 16 columns the instance that multiplies one vector a row, not two (a 10-class
/// output layer's products, which computed 32 columns for 10).
macro_rules! by_rows {
    ($mr:expr, $full:expr, $nr:expr, kernel($($arg:expr),*)) => {
        if $nr <= 16 {
            by_rows!(@rows 1, $mr, $full, kernel($($arg),*))
        } else {
            by_rows!(@rows 2, $mr, $full, kernel($($arg),*))
        }
    };
    (@rows $v:literal, $mr:expr, $full:expr, kernel($($arg:expr),*)) => {
        match $mr {
            0..=2 => kernel::<2, $v, _, _>($($arg),*),
            3..=4 => kernel::<4, $v, _, _>($($arg),*),
            5..=8 => kernel::<8, $v, _, _>($($arg),*),
            _ => kernel::<{ $full }, $v, _, _>($($arg),*),
        }
    };
}

/// The micro-kernel over an `mc×nc` block of C from A's and B's panels. (A and B are never
/// both read in place: B is only where A is packed.)
///
/// # Safety
/// As for [`gemm`]: `c` addresses the block, with row stride `ldc`, for this thread alone;
/// the panels hold `mc` rows of A and `nc` columns of B over `kc`.
#[allow(clippy::too_many_arguments)]
unsafe fn tiles(mc: usize, kc: usize, nc: usize, a: Panels, b: BPanels, c: *mut f32, ldc: usize, acc: bool) {
    for jr in (0..nc).step_by(NR) {
        let nr = NR.min(nc - jr);
        let rows = if matches!(a, Panels::Packed(_)) { MR } else { MR_DIRECT };
        for ir in (0..mc).step_by(rows) {
            let mr = rows.min(mc - ir);
            // SAFETY: the tile (ir, jr) of mr×nr lies inside the block (the caller's
            // promise); A and B were bounds-checked when packed or by the caller.
            unsafe {
                let cp = c.add(ir * ldc + jr);
                match (a, b) {
                    (Panels::Packed(pa), BPanels::Packed(pb)) => {
                        let (a, b) = (PackedA(pa[ir * kc..].as_ptr()), PackedB(pb[jr * kc..].as_ptr()));
                        by_rows!(mr, MR, nr, kernel(kc, a, b, cp, ldc, mr, nr, acc))
                    }
                    (Panels::Packed(pa), BPanels::InPlace(b, ldb)) => {
                        let b = InPlaceB {
                            b: b.add(jr),
                            ldb,
                            masks: column_masks(nr),
                            ahead: if ir == 0 && jr + AHEAD * NR < nc { AHEAD * NR } else { 0 },
                        };
                        let a = PackedA(pa[ir * kc..].as_ptr());
                        by_rows!(mr, MR, nr, kernel(kc, a, b, cp, ldc, mr, nr, acc))
                    }
                    (Panels::InPlace(a, ic, pc), BPanels::Packed(pb)) => {
                        let (rows, offs) = direct_rows(a, ic + ir, mr, pc);
                        let (a, b) = (InPlaceA { rows: &rows, offs }, PackedB(pb[jr * kc..].as_ptr()));
                        by_rows!(mr, MR_DIRECT, nr, kernel(kc, a, b, cp, ldc, mr, nr, acc))
                    }
                    (Panels::InPlace(..), BPanels::InPlace(..)) => unreachable!("B is read in place only where A is packed"),
                }
            }
        }
    }
}

/// Row pointers (rows past `mr` repeat the last one) and the column-offset table for rows
/// `r0..r0+mr`, columns from `pc`, of an in-place A.
fn direct_rows(a: &ASrc, r0: usize, mr: usize, pc: usize) -> ([*const f32; MR_DIRECT], *const usize) {
    match a {
        ASrc::Strided(s) => (
            std::array::from_fn(|i| s.data[(r0 + i.min(mr - 1)) * s.rs + pc..].as_ptr()),
            IDENTITY.as_ptr(),
        ),
        ASrc::Gather(g) => (
            std::array::from_fn(|i| g.data[g.rows[r0 + i.min(mr - 1)]..].as_ptr()),
            g.cols[pc..].as_ptr(),
        ),
    }
}

/// Packs rows `ic..ic+mc`, columns `pc..pc+kc` of A into MR-row panels, `[panel][p][i]`,
/// zero-padding the last panel.
fn pack_a(mc: usize, kc: usize, a: &ASrc, ic: usize, pc: usize, out: &mut [f32]) {
    for (pi, i0) in (0..mc).step_by(MR).enumerate() {
        let rows = MR.min(mc - i0);
        let panel = &mut out[pi * MR * kc..(pi + 1) * MR * kc];
        if rows < MR {
            panel.fill(0.0);
        }
        match a {
            // Row-major A: 4×4 blocks transposed in registers.
            ASrc::Strided(a) if a.cs == 1 => {
                let start = (ic + i0) * a.rs + pc;
                assert!(start + (rows - 1) * a.rs + kc <= a.data.len(), "gemm: A out of bounds");
                // SAFETY: the assert bounds every row read; the panel holds kc×MR values.
                unsafe { pack_a_rows(a.data[start..].as_ptr(), a.rs, kc, rows, panel.as_mut_ptr()) };
            }
            // Column-major A (a transposed operand): each panel row is a contiguous run.
            ASrc::Strided(a) if a.rs == 1 => {
                for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                    let start = (pc + p) * a.cs + ic + i0;
                    if rows == MR {
                        // A weight gradient's xᵀ, every step.
                        copy_fixed::<MR>(dst, &a.data[start..]);
                    } else {
                        dst[..rows].copy_from_slice(&a.data[start..start + rows]);
                    }
                }
            }
            ASrc::Strided(a) => {
                for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                    let base = (pc + p) * a.cs + (ic + i0) * a.rs;
                    for (i, d) in dst.iter_mut().enumerate().take(rows) {
                        *d = a.data[base + i * a.rs];
                    }
                }
            }
            ASrc::Gather(g) => {
                for i in 0..rows {
                    let row = &g.data[g.rows[ic + i0 + i]..];
                    for (dst, &q) in panel.chunks_exact_mut(MR).zip(&g.cols[pc..pc + kc]) {
                        dst[i] = row[q];
                    }
                }
            }
        }
    }
}

/// Packs `rows` (≤ MR) rows of a row-major A (row stride `rs`, `kc` columns from `src`) into
/// a panel `[p][i]`: each 4×4 block is loaded as four rows and stored as four columns; rows
/// past the last group of four are copied one by one.
///
/// # Safety
/// `src` must address `rows` rows of `kc` values at stride `rs`; `panel` must hold `kc * MR`.
unsafe fn pack_a_rows(src: *const f32, rs: usize, kc: usize, rows: usize, panel: *mut f32) {
    // Columns a group of four rows reads in one go: two cache lines a row. (Four columns of
    // all twelve rows at a time, a row stride of 4 KiB put the twelve lines in one 8-way L1
    // set, and every read missed: a 96×1024 block of a 1024² A took 19–20 µs, now 12.)
    const CHUNK: usize = 32;
    let (full, groups) = (kc - kc % 4, rows - rows % 4);
    // SAFETY: as the caller promises; every offset below is inside those bounds.
    unsafe {
        for p0 in (0..full).step_by(CHUNK) {
            for g in (0..groups).step_by(4) {
                for p in (p0..full.min(p0 + CHUNK)).step_by(4) {
                    let row = |i: usize| _mm_loadu_ps(src.add((g + i) * rs + p));
                    let (mut r0, mut r1, mut r2, mut r3) = (row(0), row(1), row(2), row(3));
                    _MM_TRANSPOSE4_PS(&mut r0, &mut r1, &mut r2, &mut r3);
                    let dst = panel.add(p * MR + g);
                    _mm_storeu_ps(dst, r0);
                    _mm_storeu_ps(dst.add(MR), r1);
                    _mm_storeu_ps(dst.add(2 * MR), r2);
                    _mm_storeu_ps(dst.add(3 * MR), r3);
                }
            }
        }
        for i in 0..rows {
            let first = if i < groups { full } else { 0 };
            for p in first..kc {
                *panel.add(p * MR + i) = *src.add(i * rs + p);
            }
        }
    }
}

/// Copies the first `N` values of `src` to `dst`: as a fixed-size copy, vector moves inline,
/// not a `memcpy` call for a panel row of 48 or 128 bytes.
#[inline(always)]
fn copy_fixed<const N: usize>(dst: &mut [f32], src: &[f32]) {
    let s: &[f32; N] = src[..N].try_into().expect("N values");
    let d: &mut [f32; N] = (&mut dst[..N]).try_into().expect("room for N values");
    *d = *s;
}

/// Packs rows `pc..pc+kc`, columns `jc..jc+nc` of B into NR-column panels, `[panel][p][j]`,
/// zero-padding the last panel.
fn pack_b(kc: usize, nc: usize, b: &Strided<f32>, pc: usize, jc: usize, out: &mut [f32]) {
    const PACK_B_ROWS: usize = 8;
    if b.cs == 1 {
        // Row-major B: B's rows are read in order, PACK_B_ROWS at a time across all the
        // panels. (Panel by panel, down a strip of NR columns, every read was on a new page,
        // which the prefetcher does not follow: that packing took ~1.5% of a 2048² GEMM,
        // this ~0.9%.)
        for p0 in (0..kc).step_by(PACK_B_ROWS) {
            for (pj, j0) in (0..nc).step_by(NR).enumerate() {
                let cols = NR.min(nc - j0);
                for p in p0..(p0 + PACK_B_ROWS).min(kc) {
                    let base = (pc + p) * b.rs + jc + j0;
                    let dst = &mut out[(pj * kc + p) * NR..][..NR];
                    if cols == NR {
                        copy_fixed::<NR>(dst, &b.data[base..]);
                    } else {
                        dst[..cols].copy_from_slice(&b.data[base..base + cols]);
                        dst[cols..].fill(0.0);
                    }
                }
            }
        }
        return;
    }
    for (pj, j0) in (0..nc).step_by(NR).enumerate() {
        let cols = NR.min(nc - j0);
        let panel = &mut out[pj * NR * kc..(pj + 1) * NR * kc];
        if b.rs == 1 && b.cs != 1 {
            // Column-major B (a transposed operand): read each column's run of k
            // contiguously and scatter it down the panel, instead of a read per element at
            // the column stride (a new page every few reads).
            if cols < NR {
                panel.fill(0.0);
            }
            // In blocks of 64 rows, so the panel rows being written stay in L1.
            for p0 in (0..kc).step_by(64) {
                let rows = 64.min(kc - p0);
                for j in 0..cols {
                    let start = (jc + j0 + j) * b.cs + pc + p0;
                    for (p, &v) in b.data[start..start + rows].iter().enumerate() {
                        panel[(p0 + p) * NR + j] = v;
                    }
                }
            }
            continue;
        }
        // Any other strides: element by element.
        for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
            let base = (pc + p) * b.rs + (jc + j0) * b.cs;
            for (j, d) in dst.iter_mut().enumerate().take(cols) {
                *d = b.data[base + j * b.cs];
            }
            dst[cols..].fill(0.0);
        }
    }
}

/// Where a micro-kernel reads its `R` rows of A: at step `p`, a column handle, then row
/// `i`'s value through it.
trait ARows<const R: usize>: Copy {
    type Col: Copy;
    /// # Safety
    /// `p` is below the tile's `kc`.
    unsafe fn col(self, p: usize) -> Self::Col;
    /// # Safety
    /// `col` came from [`ARows::col`] and `i < R`.
    unsafe fn at(self, col: Self::Col, i: usize) -> f32;
}

/// A packed panel: MR values per step, contiguous, of which a tile reads the first `R`.
#[derive(Clone, Copy)]
struct PackedA(*const f32);

impl<const R: usize> ARows<R> for PackedA {
    type Col = *const f32;
    #[inline(always)]
    unsafe fn col(self, p: usize) -> *const f32 {
        // SAFETY: the panel holds kc×MR values (the caller's promise).
        unsafe { self.0.add(p * MR) }
    }
    #[inline(always)]
    unsafe fn at(self, col: *const f32, i: usize) -> f32 {
        // SAFETY: as above.
        unsafe { *col.add(i) }
    }
}

/// A read in place: `A[i][p] = rows[i][offs[p]]`.
#[derive(Clone, Copy)]
struct InPlaceA<'a> {
    rows: &'a [*const f32; MR_DIRECT],
    offs: *const usize,
}

impl<const R: usize> ARows<R> for InPlaceA<'_> {
    type Col = usize;
    #[inline(always)]
    unsafe fn col(self, p: usize) -> usize {
        // SAFETY: the table holds kc offsets (the caller's promise).
        unsafe { *self.offs.add(p) }
    }
    #[inline(always)]
    unsafe fn at(self, o: usize, i: usize) -> f32 {
        // SAFETY: every rows[i] + offs[p] is inside A (checked by the caller).
        unsafe { *self.rows[i].add(o) }
    }
}

/// Where a micro-kernel reads B's 32 columns at step `p`, as two vectors.
trait BRow: Copy {
    /// # Safety
    /// `p` is below the tile's `kc`; the CPU has AVX-512F.
    unsafe fn row(self, p: usize) -> (__m512, __m512);
    /// The first 16 values of [`BRow::row`] only (a tile of at most 16 columns).
    ///
    /// # Safety
    /// As [`BRow::row`].
    unsafe fn first(self, p: usize) -> __m512;
}

/// A packed panel: NR values per step, contiguous.
#[derive(Clone, Copy)]
struct PackedB(*const f32);

impl BRow for PackedB {
    #[inline(always)]
    unsafe fn row(self, p: usize) -> (__m512, __m512) {
        // SAFETY: the panel holds kc×NR values (the caller's promise).
        unsafe {
            let b = self.0.add(p * NR);
            (_mm512_loadu_ps(b), _mm512_loadu_ps(b.add(16)))
        }
    }
    #[inline(always)]
    unsafe fn first(self, p: usize) -> __m512 {
        // SAFETY: as above.
        unsafe { _mm512_loadu_ps(self.0.add(p * NR)) }
    }
}

/// B read in place: rows `ldb` apart, the columns past the tile's masked off.
#[derive(Clone, Copy)]
struct InPlaceB {
    b: *const f32,
    ldb: usize,
    masks: (__mmask16, __mmask16),
    /// How far (in columns) the strip this tile prefetches lies ahead of its own; 0 when
    /// it prefetches nothing (its own rows, already being read).
    ahead: usize,
}

impl BRow for InPlaceB {
    #[inline(always)]
    unsafe fn row(self, p: usize) -> (__m512, __m512) {
        // SAFETY: rows p < kc of the tile's columns are inside B (the caller's promise).
        unsafe {
            let b = self.b.add(p * self.ldb);
            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(self.ahead) as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(self.ahead + 16) as *const i8);
            (
                _mm512_maskz_loadu_ps(self.masks.0, b),
                _mm512_maskz_loadu_ps(self.masks.1, b.add(16)),
            )
        }
    }
    #[inline(always)]
    unsafe fn first(self, p: usize) -> __m512 {
        // SAFETY: as above.
        unsafe {
            let b = self.b.add(p * self.ldb);
            _mm_prefetch::<_MM_HINT_T0>(b.wrapping_add(self.ahead) as *const i8);
            _mm512_maskz_loadu_ps(self.masks.0, b)
        }
    }
}

/// The micro-kernel: `C[mr×nr] (+)= A · B` over `kc` steps for an `R`×32 tile (`V` = 2
/// vectors a row) or an `R`×16 one (`V` = 1, for `nr` ≤ 16), A's rows and B's row read as
/// `a` and `b` say. Instances: packed A (12 rows) with packed B or B in
/// place, A in place (10 rows, see [`MR_DIRECT`]) with packed B.
///
/// # Safety
/// The CPU has AVX-512F; `a` and `b` address `kc` steps; `c` addresses the `mr×nr` tile
/// with row stride `ldc`, for this thread alone.
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel<const R: usize, const V: usize, A: ARows<R>, B: BRow>(
    kc: usize,
    a: A,
    b: B,
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    accumulate: bool,
) {
    let mut c0 = [_mm512_setzero_ps(); R];
    let mut c1 = [_mm512_setzero_ps(); R];
    // SAFETY: the caller's promises above.
    unsafe {
        // The tile of C is fetched while the products run, not when they are stored: a
        // 2048² C is out of cache, and each tile's stores then waited on 24 lines
        // (n = 2048 +0.6-3 GFLOP/s in 9 of 9 paired runs).
        for i in 0..mr.min(R) {
            let row = c.add(i * ldc) as *const i8;
            _mm_prefetch::<_MM_HINT_T0>(row);
            if nr > 16 {
                _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(64));
            }
        }
        if V == 1 {
            // At most 16 columns: one vector a row (the second half would be masked off).
            for p in 0..kc {
                let b0 = b.first(p);
                let col = a.col(p);
                for (i, c) in c0.iter_mut().enumerate() {
                    *c = _mm512_fmadd_ps(_mm512_set1_ps(a.at(col, i)), b0, *c);
                }
            }
        } else {
            for p in 0..kc {
                let (b0, b1) = b.row(p);
                let col = a.col(p);
                for i in 0..R {
                    let ai = _mm512_set1_ps(a.at(col, i));
                    c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
                    c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
                }
            }
        }
        store(&c0, &c1, c, ldc, mr, nr, accumulate);
    }
}

/// The masks of the first `nr` of a tile row's 32 columns, as two halves of 16.
fn column_masks(nr: usize) -> (__mmask16, __mmask16) {
    let mask = |w: usize| -> __mmask16 {
        if w >= 16 {
            0xffff
        } else {
            ((1u32 << w) - 1) as u16
        }
    };
    (mask(nr), mask(nr.saturating_sub(16)))
}

/// Writes (or adds) the accumulators to the `mr×nr` tile of C at `c`. Always inlined into
/// the micro-kernels (so without its own `target_feature`, which forbids that; the
/// kernels' AVX-512 applies): called, it took the accumulators by reference, which kept
/// them in memory — each tile zeroed 24 vectors on the stack first and stored them after
/// its loop, a third of a short (k = 32) tile's time.
#[inline(always)]
unsafe fn store<const R: usize>(c0: &[__m512; R], c1: &[__m512; R], c: *mut f32, ldc: usize, mr: usize, nr: usize, accumulate: bool) {
    let (m0, m1) = column_masks(nr);
    for i in 0..R {
        if i < mr {
            // SAFETY: row i < mr of the tile is the caller's; the masks bound the columns.
            unsafe {
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
