//! 5×5 convolution by Winograd's minimal filtering F(2×2, 5×5) (Lavin and Gray, "Fast
//! Algorithms for Convolutional Neural Networks", 2016): each 2×2 block of outputs comes
//! from a 6×6 tile of the input in 36 products per channel pair instead of 100. The tile
//! and the filter are taken to the transform domain (`Bᵀ d B`, `G w Gᵀ`), multiplied there
//! as 36 matrix products over the channels, and the result brought back (`Aᵀ m A`). The
//! filter gradient ([`filter_grad`]) is the same algorithm run backwards.
//!
//! The matrices are Toom-Cook's for the points 0, ±1, ±2 and ∞, scaled so that `Bᵀ` holds
//! small integers (exact in f32) and the fractions sit in `G`, which the filter transform
//! applies once per call. Tiles are worked in blocks small enough that a block's transformed
//! inputs and products stay in the core's L2 cache.

use super::recycle;
use super::{parallel_for, SendPtr};

/// The data transform `Bᵀ` (rows: the 6 points), which [`bt`] applies.
#[cfg(test)]
const BT: [[f32; 6]; 6] = [
    [4.0, 0.0, -5.0, 0.0, 1.0, 0.0],
    [0.0, 4.0, 4.0, -1.0, -1.0, 0.0],
    [0.0, -4.0, 4.0, 1.0, -1.0, 0.0],
    [0.0, -2.0, -1.0, 2.0, 1.0, 0.0],
    [0.0, 2.0, -1.0, -2.0, 1.0, 0.0],
    [0.0, 4.0, 0.0, -5.0, 0.0, 1.0],
];

/// The filter transform `G`.
const G: [[f32; 5]; 6] = [
    [1.0 / 4.0, 0.0, 0.0, 0.0, 0.0],
    [1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0],
    [1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0, 1.0 / 3.0, 2.0 / 3.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0, -1.0 / 3.0, 2.0 / 3.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
];

/// The window size.
pub const R: usize = 5;
/// Points of the transform: a tile is `T×T`, its transform `T·T` values per channel.
const T: usize = 6;
const XI: usize = T * T;
/// Channels are transformed 16 at a time (one AVX-512 vector).
const LANES: usize = 16;
/// The values outside the input (or the output gradient), a vector of them.
const ZERO: [f32; LANES] = [0.0; LANES];
/// Tiles per block: three of the GEMM's 10-row micro-tiles.
const BLOCK: usize = 30;

/// True when [`conv`] takes `c` input and `k` output channels: whole vectors of each, at
/// most 512 inputs (one block of the products' sums) and 256 outputs (the products read the
/// transformed tiles in place up to that width).
pub fn applies(c: usize, k: usize) -> bool {
    c >= LANES && k >= LANES && c.is_multiple_of(LANES) && k.is_multiple_of(LANES) && c <= 512 && k <= 256
}

/// A 5×5 filter in the transform domain: for each of the 36 points a `c×k` matrix, packed
/// for the GEMM where the CPU has its AVX-512 kernel.
pub struct Filter {
    c: usize,
    k: usize,
    /// `[36][c][k]`, row-major.
    u: Vec<f32>,
    /// Each point's matrix in the GEMM's column panels, `stride` values apart.
    packed: Option<(Vec<f32>, usize)>,
}

impl Filter {
    /// Transforms `w`, a `[5, 5, c, k]` filter (TensorFlow's layout), `G w Gᵀ` for each
    /// channel pair.
    ///
    /// # Panics
    /// If `w` does not hold `25·c·k` values or [`applies`] is false.
    pub fn new(w: &[f32], c: usize, k: usize) -> Filter {
        assert!(applies(c, k), "winograd: {c} input and {k} output channels");
        assert_eq!(w.len(), R * R * c * k, "winograd: a [5, 5, {c}, {k}] filter");
        let ck = c * k;
        // First over the window's rows: t[i][b] = Σ_a G[i][a] w[a][b] (each a run of c·k).
        let mut t = recycle::filled(T * R * ck, 0f32);
        for i in 0..T {
            for b in 0..R {
                combine(&mut t[(i * R + b) * ck..][..ck], &G[i], |a| &w[(a * R + b) * ck..][..ck]);
            }
        }
        // Then over its columns: u[i][j] = Σ_b t[i][b] G[j][b].
        let mut u = recycle::filled(XI * ck, 0f32);
        for i in 0..T {
            for j in 0..T {
                combine(&mut u[(i * T + j) * ck..][..ck], &G[j], |b| &t[(i * R + b) * ck..][..ck]);
            }
        }
        recycle::give(t);
        let packed = packed(&u, c, k);
        Filter { c, k, u, packed }
    }
}

/// `dst += Σ_a coefs[a] · src(a)`, skipping zero coefficients.
fn combine<'a>(dst: &mut [f32], coefs: &[f32], src: impl Fn(usize) -> &'a [f32]) {
    for (a, &g) in coefs.iter().enumerate() {
        if g != 0.0 {
            for (d, &v) in dst.iter_mut().zip(src(a)) {
                *d += g * v;
            }
        }
    }
}

/// Whether the AVX-512 GEMM kernel runs here.
#[cfg(target_arch = "x86_64")]
fn avx512_kernel() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

impl Drop for Filter {
    /// The buffers go back to the cache: a filter is transformed on every call.
    fn drop(&mut self) {
        recycle::give(std::mem::take(&mut self.u));
        if let Some((p, _)) = self.packed.take() {
            recycle::give(p);
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn packed(u: &[f32], c: usize, k: usize) -> Option<(Vec<f32>, usize)> {
    use super::gemm::avx512;
    if !avx512_kernel() {
        return None;
    }
    let stride = avx512::packed_len(c, k);
    // Every value is written: the panels pad their last columns with zeros.
    let mut out = recycle::take_len(XI * stride);
    for (xi, dst) in out.chunks_exact_mut(stride).enumerate() {
        avx512::pack(c, k, super::gemm::Strided::row_major(&u[xi * c * k..][..c * k], k), dst);
    }
    Some((out, stride))
}

#[cfg(not(target_arch = "x86_64"))]
fn packed(_: &[f32], _: usize, _: usize) -> Option<(Vec<f32>, usize)> {
    None
}

/// The geometry of one convolution: `x` is `[n, h, w, c]`, the output `[n, oh, ow, k]`, and
/// output `(oy, ox)` reads input rows from `oy - top` and columns from `ox - left` (values
/// outside `x` are zeros).
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    /// Batch size.
    pub n: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Padding before the first row.
    pub top: usize,
    /// Padding before the first column.
    pub left: usize,
}

thread_local! {
    /// A thread's transformed tiles and their products, kept between calls.
    static SCRATCH: std::cell::RefCell<(Vec<f32>, Vec<f32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// `y[b][oy][ox][o] = Σ x[b][oy+ky-top][ox+kx-left][i] · w[ky][kx][i][o]` over the 5×5
/// window and the input channels, then `then` on each output pixel's `k` values (a bias
/// and activation while they are in cache).
///
/// # Panics
/// If `x` does not hold `n·h·w·c` values for the filter's `c`.
pub fn conv(x: &[f32], g: Geometry, f: &Filter, then: &(dyn Fn(&mut [f32]) + Sync)) -> Vec<f32> {
    let (c, k) = (f.c, f.k);
    assert_eq!(x.len(), g.n * g.h * g.w * c, "winograd: input of {g:?} with {c} channels");
    let tiles = g.tiles();
    let mut y: Vec<f32> = recycle::take_len(g.n * g.oh * g.ow * k);
    let yp = SendPtr(y.as_mut_ptr());
    parallel_for(tiles.div_ceil(BLOCK), |block| {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let (v, m) = &mut *s;
            v.resize(BLOCK * XI * c, 0.0);
            m.resize(BLOCK * XI * k, 0.0);
            let first = block * BLOCK;
            let count = BLOCK.min(tiles - first);
            for t in 0..count {
                input_tile(x, &g, c, tile_origin(&g, first + t), &mut v[t * XI * c..][..XI * c]);
            }
            products(count, v, m, f);
            for t in 0..count {
                // SAFETY: `y` holds the whole output; each tile's pixels (rows oy, oy+1,
                // columns ox, ox+1 of its image) belong to its block alone.
                unsafe { output_tile(&m[t * XI * k..][..XI * k], k, &g, tile_origin(&g, first + t), yp.get(), then) };
            }
        })
    });
    y
}

impl Geometry {
    /// Tile rows and columns of one image: 2×2 blocks of outputs, the last ones partial.
    fn tile_grid(&self) -> (usize, usize) {
        (self.oh.div_ceil(2), self.ow.div_ceil(2))
    }

    /// Tiles over all images.
    fn tiles(&self) -> usize {
        let (ty, tx) = self.tile_grid();
        self.n * ty * tx
    }
}

/// Image and first output row and column of tile `t` (row-major over images, tile rows,
/// tile columns).
fn tile_origin(g: &Geometry, t: usize) -> (usize, usize, usize) {
    let (ty, tx) = g.tile_grid();
    (t / (ty * tx), t / tx % ty * 2, t % tx * 2)
}

/// `Bᵀ d` for six vectors of channels, written out (most of `Bᵀ` is zeros and ±1).
#[inline(always)]
fn bt(d: [&[f32; LANES]; T]) -> [[f32; LANES]; T] {
    let mut o = [[0f32; LANES]; T];
    for l in 0..LANES {
        let [d0, d1, d2, d3, d4, d5] = d.map(|v| v[l]);
        o[0][l] = 4.0 * d0 - 5.0 * d2 + d4;
        o[1][l] = 4.0 * (d1 + d2) - d3 - d4;
        o[2][l] = 4.0 * (d2 - d1) + d3 - d4;
        o[3][l] = 2.0 * (d3 - d1) + d4 - d2;
        o[4][l] = 2.0 * (d1 - d3) + d4 - d2;
        o[5][l] = 4.0 * d1 - 5.0 * d3 + d5;
    }
    o
}

/// The transformed tile of `x` from output `(b, oy, ox)` into `v` (`[36][c]`).
fn input_tile(x: &[f32], g: &Geometry, c: usize, (b, oy, ox): (usize, usize, usize), v: &mut [f32]) {
    let iy0 = oy as isize - g.top as isize;
    let ix0 = ox as isize - g.left as isize;
    let inside = |i: isize, j: isize| i >= 0 && j >= 0 && (i as usize) < g.h && (j as usize) < g.w;
    for c0 in (0..c).step_by(LANES) {
        let at = |i: usize, j: usize| -> &[f32; LANES] {
            let (iy, ix) = (iy0 + i as isize, ix0 + j as isize);
            if inside(iy, ix) {
                let start = ((b * g.h + iy as usize) * g.w + ix as usize) * c + c0;
                x[start..start + LANES].try_into().expect("a vector")
            } else {
                &ZERO
            }
        };
        // Down the columns, then along the rows of the result.
        let cols: [[[f32; LANES]; T]; T] = std::array::from_fn(|j| bt(std::array::from_fn(|i| at(i, j))));
        for i in 0..T {
            let row = bt(std::array::from_fn(|j| &cols[j][i]));
            for (j, r) in row.iter().enumerate() {
                v[(i * T + j) * c + c0..][..LANES].copy_from_slice(r);
            }
        }
    }
}

/// `m[t][ξ] = v[t][ξ] · u[ξ]` for the block's `count` tiles and each of the 36 points.
fn products(count: usize, v: &[f32], m: &mut [f32], f: &Filter) {
    let (c, k) = (f.c, f.k);
    for xi in 0..XI {
        let a = super::gemm::Strided {
            data: &v[xi * c..],
            rs: XI * c,
            cs: 1,
        };
        let out = &mut m[xi * k..];
        #[cfg(target_arch = "x86_64")]
        if let Some((packed, stride)) = &f.packed {
            // SAFETY: `packed` is this point's matrix from `pack`; the tiles' rows of `a` and
            // of `out` (row stride 36·k) are inside their buffers; AVX-512F was detected.
            unsafe { super::gemm::avx512::gemm_packed(count, c, k, a, &packed[xi * stride..][..*stride], out.as_mut_ptr(), XI * k) };
            continue;
        }
        let b = super::gemm::Strided::row_major(&f.u[xi * c * k..][..c * k], k);
        super::gemm::sgemm(count, c, k, a, b, out, XI * k, false);
    }
}

/// Tiles per block of [`filter_grad`]: its products sum over the block's tiles, so longer
/// blocks make longer, cheaper products (their operands then stream from L3).
const GRAD_BLOCK: usize = 120;

/// The gradient of [`conv`] with respect to its filter: `dw[ky][kx][i][o] = Σ x[b][oy+ky-top]
/// [ox+kx-left][i] · dy[b][oy][ox][o]` over images and outputs, as a `[5, 5, c, k]` filter.
/// In the transform domain it is, for each of the 36 points, the input tiles' transforms
/// (`Bᵀ d B`) times the output gradient's (`A dy Aᵀ`) summed over tiles; then `Gᵀ · G`.
///
/// # Panics
/// If `x` or `dy` do not hold the geometry's values, or [`applies`] is false.
pub fn filter_grad(x: &[f32], dy: &[f32], g: Geometry, c: usize, k: usize) -> Vec<f32> {
    assert!(applies(c, k), "winograd: {c} input and {k} output channels");
    assert_eq!(x.len(), g.n * g.h * g.w * c, "winograd: input of {g:?} with {c} channels");
    assert_eq!(dy.len(), g.n * g.oh * g.ow * k, "winograd: gradient of {g:?} with {k} channels");
    let tiles = g.tiles();
    let parts = super::split_range(tiles, super::num_threads(), 1);
    let ck = c * k;
    // Each part sums its tiles into its own [36][c][k].
    let mut sums = recycle::filled(parts.len() * XI * ck, 0f32);
    let sp = SendPtr(sums.as_mut_ptr());
    parallel_for(parts.len(), |part| {
        // SAFETY: part `part` owns its slice of `sums`.
        let du = unsafe { std::slice::from_raw_parts_mut(sp.get().add(part * XI * ck), XI * ck) };
        let mut v: Vec<f32> = recycle::take_len(GRAD_BLOCK * XI * c);
        let mut z: Vec<f32> = recycle::take_len(GRAD_BLOCK * XI * k);
        let r = parts[part].clone();
        for first in r.clone().step_by(GRAD_BLOCK) {
            let count = GRAD_BLOCK.min(r.end - first);
            for t in 0..count {
                let origin = tile_origin(&g, first + t);
                input_tile(x, &g, c, origin, &mut v[t * XI * c..][..XI * c]);
                gradient_tile(dy, &g, k, origin, &mut z[t * XI * k..][..XI * k]);
            }
            for xi in 0..XI {
                // vᵀ (c × tiles) · z (tiles × k), added to this point's sum.
                let a = super::gemm::Strided {
                    data: &v[xi * c..],
                    rs: 1,
                    cs: XI * c,
                };
                let b = super::gemm::Strided {
                    data: &z[xi * k..],
                    rs: XI * k,
                    cs: 1,
                };
                let out = &mut du[xi * ck..][..ck];
                #[cfg(target_arch = "x86_64")]
                if avx512_kernel() {
                    // SAFETY: the operands are inside `v` and `z` (checked by their
                    // slicing above for the block's tiles); `out` is this part's.
                    unsafe { super::gemm::avx512::gemm_serial(c, count, k, a, b, out.as_mut_ptr(), k, true) };
                    continue;
                }
                super::gemm::sgemm(c, count, k, a, b, out, k, true);
            }
        }
        recycle::give(v);
        recycle::give(z);
    });
    let (total, rest) = sums.split_at_mut(XI * ck);
    for part in rest.chunks_exact(XI * ck) {
        total.iter_mut().zip(part).for_each(|(t, &p)| *t += p);
    }
    // Back to the window: s[i][b] = Σ_j du[i][j] G[j][b], then dw[a][b] = Σ_i G[i][a] s[i][b].
    let column = |b: usize| -> [f32; T] { std::array::from_fn(|j| G[j][b]) };
    let mut s = recycle::filled(T * R * ck, 0f32);
    for i in 0..T {
        for b in 0..R {
            combine(&mut s[(i * R + b) * ck..][..ck], &column(b), |j| &total[(i * T + j) * ck..][..ck]);
        }
    }
    let mut dw = recycle::filled(R * R * ck, 0f32);
    for a in 0..R {
        for b in 0..R {
            combine(&mut dw[(a * R + b) * ck..][..ck], &column(a), |i| &s[(i * R + b) * ck..][..ck]);
        }
    }
    recycle::give(s);
    recycle::give(sums);
    dw
}

/// `A dy Aᵀ` for the 2×2 outputs of tile `(b, oy, ox)` of `dy` (zeros outside it), into `z`
/// (`[36][k]`).
fn gradient_tile(dy: &[f32], g: &Geometry, k: usize, (b, oy, ox): (usize, usize, usize), z: &mut [f32]) {
    // A = (Aᵀ)ᵀ spreads two values over the six points.
    let spread = |y0: &[f32; LANES], y1: &[f32; LANES]| -> [[f32; LANES]; T] {
        let mut o = [[0f32; LANES]; T];
        for l in 0..LANES {
            let (p, q) = (y0[l], y1[l]);
            o[0][l] = p;
            o[1][l] = p + q;
            o[2][l] = p - q;
            o[3][l] = p + 2.0 * q;
            o[4][l] = p - 2.0 * q;
            o[5][l] = q;
        }
        o
    };
    for k0 in (0..k).step_by(LANES) {
        let at = |a: usize, bb: usize| -> &[f32; LANES] {
            if oy + a < g.oh && ox + bb < g.ow {
                let start = ((b * g.oh + oy + a) * g.ow + ox + bb) * k + k0;
                dy[start..start + LANES].try_into().expect("a vector")
            } else {
                &ZERO
            }
        };
        // Down the tile's two columns, then along each of the six rows.
        let cols = [0, 1].map(|bb| spread(at(0, bb), at(1, bb)));
        for i in 0..T {
            let row = spread(&cols[0][i], &cols[1][i]);
            for (j, r) in row.iter().enumerate() {
                z[(i * T + j) * k + k0..][..LANES].copy_from_slice(r);
            }
        }
    }
}

/// `Aᵀ m` for six vectors: the two outputs of F(2, 5).
#[inline(always)]
fn at(m: [&[f32; LANES]; T]) -> [[f32; LANES]; 2] {
    let mut o = [[0f32; LANES]; 2];
    for l in 0..LANES {
        let [m0, m1, m2, m3, m4, m5] = m.map(|v| v[l]);
        o[0][l] = m0 + m1 + m2 + m3 + m4;
        o[1][l] = m1 - m2 + 2.0 * (m3 - m4) + m5;
    }
    o
}

/// The 2×2 outputs of one tile from its products `m` (`[36][k]`), written to the output at
/// `y` at `(b, oy, ox)` where inside it, each pixel then passed to `then`.
///
/// # Safety
/// `y` addresses the whole `[n, oh, ow, k]` output, whose pixels of this tile no other
/// thread touches.
unsafe fn output_tile(
    m: &[f32],
    k: usize,
    g: &Geometry,
    (b, oy, ox): (usize, usize, usize),
    y: *mut f32,
    then: &(dyn Fn(&mut [f32]) + Sync),
) {
    let inside = |a: usize, bb: usize| oy + a < g.oh && ox + bb < g.ow;
    let mut pixels: [[&mut [f32]; 2]; 2] = std::array::from_fn(|a| {
        std::array::from_fn(|bb| {
            if inside(a, bb) {
                // SAFETY: the pixel is inside the output and this caller's alone.
                unsafe { std::slice::from_raw_parts_mut(y.add(((b * g.oh + oy + a) * g.ow + ox + bb) * k), k) }
            } else {
                &mut []
            }
        })
    });
    for k0 in (0..k).step_by(LANES) {
        let at_m = |i: usize, j: usize| -> &[f32; LANES] { m[(i * T + j) * k + k0..][..LANES].try_into().expect("a vector") };
        let cols: [[[f32; LANES]; 2]; T] = std::array::from_fn(|j| at(std::array::from_fn(|i| at_m(i, j))));
        // The tile's two rows: `Aᵀ` along the rows of the columns' results.
        let rows = [0, 1].map(|a| at(std::array::from_fn(|j| &cols[j][a])));
        for (row, out) in rows.iter().zip(pixels.iter_mut()) {
            for (r, px) in row.iter().zip(out.iter_mut()) {
                if let Some(d) = px.get_mut(k0..k0 + LANES) {
                    d.copy_from_slice(r);
                }
            }
        }
    }
    for px in pixels.iter_mut().flatten().filter(|p| !p.is_empty()) {
        then(px);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `f(input pixel, output pixel, tap)` for every window tap inside the input.
    fn taps(g: &Geometry, mut f: impl FnMut(usize, usize, usize)) {
        for b in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    for ky in 0..R {
                        for kx in 0..R {
                            let (iy, ix) = ((oy + ky) as isize - g.top as isize, (ox + kx) as isize - g.left as isize);
                            if iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w {
                                f(
                                    (b * g.h + iy as usize) * g.w + ix as usize,
                                    (b * g.oh + oy) * g.ow + ox,
                                    ky * R + kx,
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// The convolution by its definition, in f64.
    fn direct(x: &[f32], g: &Geometry, c: usize, w: &[f32], k: usize) -> Vec<f64> {
        let mut y = vec![0f64; g.n * g.oh * g.ow * k];
        taps(g, |xp, yp, tap| {
            for i in 0..c {
                for o in 0..k {
                    y[yp * k + o] += x[xp * c + i] as f64 * w[(tap * c + i) * k + o] as f64;
                }
            }
        });
        y
    }

    /// The filter gradient by its definition, in f64.
    fn direct_filter_grad(x: &[f32], dy: &[f32], g: &Geometry, c: usize, k: usize) -> Vec<f64> {
        let mut dw = vec![0f64; R * R * c * k];
        taps(g, |xp, yp, tap| {
            for i in 0..c {
                for o in 0..k {
                    dw[(tap * c + i) * k + o] += x[xp * c + i] as f64 * dy[yp * k + o] as f64;
                }
            }
        });
        dw
    }

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| ((i.wrapping_mul(2654435761).wrapping_add(seed * 97) >> 7) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    }

    /// The geometries the tests run, with input and output channels: SAME and VALID-style
    /// padding, odd output sizes (partial tiles), several blocks of tiles and threads' parts.
    fn cases() -> Vec<(Geometry, usize, usize)> {
        [
            (8, 14, 14, 32, 64, 2, 2, 14, 14),
            (1, 9, 7, 16, 32, 2, 2, 9, 7),
            (3, 8, 9, 48, 16, 0, 0, 4, 5),
            (1, 5, 6, 16, 16, 4, 4, 9, 10),
        ]
        .map(|(n, h, w, c, k, top, left, oh, ow)| {
            (
                Geometry {
                    n,
                    h,
                    w,
                    oh,
                    ow,
                    top,
                    left,
                },
                c,
                k,
            )
        })
        .to_vec()
    }

    /// `got - shift` equals `want` to 2e-5 of `want`'s largest magnitude.
    fn assert_close(got: &[f32], want: &[f64], shift: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}");
        let scale = want.iter().fold(0f64, |a, v| a.max(v.abs()));
        for (i, (&y, &t)) in got.iter().zip(want).enumerate() {
            assert!((y as f64 - shift - t).abs() <= 2e-5 * scale, "{what} at {i}: {y} vs {t}");
        }
    }

    #[test]
    fn filter_grad_matches_the_definition() {
        for (g, c, k) in cases() {
            let x = data(g.n * g.h * g.w * c, 3);
            let dy = data(g.n * g.oh * g.ow * k, 4);
            let got = filter_grad(&x, &dy, g, c, k);
            assert_close(&got, &direct_filter_grad(&x, &dy, &g, c, k), 0.0, &format!("{g:?}"));
        }
    }

    /// The written-out transforms are the matrices: `Bᵀ` of the module's constant, `Aᵀ` the
    /// points' powers; and `G` makes the 1-D identity `Aᵀ((G g) ⊙ (Bᵀ d)) = g ⋆ d` hold.
    #[test]
    fn transforms_are_f_2_5() {
        let unit = |k: usize| std::array::from_fn::<[f32; LANES], T, _>(|i| [if i == k { 1.0 } else { 0.0 }; LANES]);
        for k in 0..T {
            let e = unit(k);
            let o = bt(std::array::from_fn(|i| &e[i]));
            for i in 0..T {
                assert_eq!(o[i][0], BT[i][k], "Bᵀ[{i}][{k}]");
            }
            let o = at(std::array::from_fn(|i| &e[i]));
            let points = [0.0f32, 1.0, -1.0, 2.0, -2.0];
            assert_eq!(o[0][0], if k < 5 { 1.0 } else { 0.0 });
            assert_eq!(o[1][0], if k < 5 { points[k] } else { 1.0 });
        }
        for gk in 0..R {
            let gg: Vec<f64> = G.iter().map(|row| row[gk] as f64).collect();
            for dk in 0..T {
                let d = unit(dk);
                let bd = bt(std::array::from_fn(|i| &d[i]));
                let prod: [[f32; LANES]; T] = std::array::from_fn(|i| [(gg[i] * bd[i][0] as f64) as f32; LANES]);
                let y = at(std::array::from_fn(|i| &prod[i]));
                for (i, out) in y.iter().enumerate() {
                    let want = if dk == i + gk { 1.0 } else { 0.0 };
                    assert!((out[0] - want).abs() < 1e-6, "g{gk} d{dk} y{i}: {}", out[0]);
                }
            }
        }
    }

    /// The convolution against its definition, then applied to each pixel.
    #[test]
    fn matches_the_definition() {
        for (g, c, k) in cases() {
            let x = data(g.n * g.h * g.w * c, 1);
            let wt = data(R * R * c * k, 2);
            let got = conv(&x, g, &Filter::new(&wt, c, k), &|px| px.iter_mut().for_each(|v| *v += 0.5));
            assert_close(&got, &direct(&x, &g, c, &wt, k), 0.5, &format!("{g:?}"));
        }
    }
}
