//! 5×5 convolution by Winograd's minimal filtering F(2×2, 5×5) (Lavin and Gray, "Fast
//! Algorithms for Convolutional Neural Networks", 2016): each 2×2 block of outputs comes
//! from a 6×6 tile of the input in 36 products per channel pair instead of 100. The tile
//! and the filter are taken to the transform domain (`Bᵀ d B`, `G w Gᵀ`), multiplied there
//! as 36 matrix products over the channels, and the result brought back (`Aᵀ m A`).
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
/// Tiles per block: three of the GEMM's 10-row micro-tiles.
const BLOCK: usize = 30;

/// True when [`conv`] takes `c` input and `k` output channels: whole vectors of each.
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
        let mut t = vec![0f32; T * R * ck];
        for i in 0..T {
            for b in 0..R {
                combine(&mut t[(i * R + b) * ck..][..ck], &G[i], |a| &w[(a * R + b) * ck..][..ck]);
            }
        }
        // Then over its columns: u[i][j] = Σ_b t[i][b] G[j][b].
        let mut u = vec![0f32; XI * ck];
        for i in 0..T {
            for j in 0..T {
                combine(&mut u[(i * T + j) * ck..][..ck], &G[j], |b| &t[(i * R + b) * ck..][..ck]);
            }
        }
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

#[cfg(target_arch = "x86_64")]
fn packed(u: &[f32], c: usize, k: usize) -> Option<(Vec<f32>, usize)> {
    use super::gemm::avx512;
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return None;
    }
    let stride = avx512::packed_len(c, k);
    let mut out = vec![0f32; XI * stride];
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
    /// Batch, input height, input width.
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
    let (ty, tx) = (g.oh.div_ceil(2), g.ow.div_ceil(2));
    let tiles = g.n * ty * tx;
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
                let (b, oy, ox) = tile_origin(&g, first + t);
                // SAFETY: each tile's outputs (rows oy, oy+1, columns ox, ox+1 of image b) are
                // written by this block alone, inside `y`.
                let out = unsafe { std::slice::from_raw_parts_mut(yp.get(), y_len(&g, k)) };
                output_tile(&m[t * XI * k..][..XI * k], k, &g, (b, oy, ox), out, then);
            }
        })
    });
    y
}

fn y_len(g: &Geometry, k: usize) -> usize {
    g.n * g.oh * g.ow * k
}

/// Image and first output row and column of tile `t` (row-major over images, tile rows,
/// tile columns).
fn tile_origin(g: &Geometry, t: usize) -> (usize, usize, usize) {
    let (ty, tx) = (g.oh.div_ceil(2), g.ow.div_ceil(2));
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
    const ZERO: [f32; LANES] = [0.0; LANES];
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

/// The 2×2 outputs of one tile from its products `m` (`[36][k]`), written to `y` at output
/// `(b, oy, ox)` where inside the output, each pixel then passed to `then`.
fn output_tile(m: &[f32], k: usize, g: &Geometry, (b, oy, ox): (usize, usize, usize), y: &mut [f32], then: &(dyn Fn(&mut [f32]) + Sync)) {
    for k0 in (0..k).step_by(LANES) {
        let at_m = |i: usize, j: usize| -> &[f32; LANES] { m[(i * T + j) * k + k0..][..LANES].try_into().expect("a vector") };
        let cols: [[[f32; LANES]; 2]; T] = std::array::from_fn(|j| at(std::array::from_fn(|i| at_m(i, j))));
        // The tile's two rows: `Aᵀ` along the rows of the columns' results.
        let rows = [0, 1].map(|a| at(std::array::from_fn(|j| &cols[j][a])));
        for (a, row) in rows.iter().enumerate().take(g.oh - oy) {
            for (bb, r) in row.iter().enumerate() {
                if ox + bb < g.ow {
                    let start = ((b * g.oh + oy + a) * g.ow + ox + bb) * k + k0;
                    y[start..start + LANES].copy_from_slice(r);
                }
            }
        }
    }
    for a in 0..2usize.min(g.oh - oy) {
        for bb in 0..2usize.min(g.ow - ox) {
            let start = ((b * g.oh + oy + a) * g.ow + ox + bb) * k;
            then(&mut y[start..start + k]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, in f64.
    fn direct(x: &[f32], g: &Geometry, c: usize, w: &[f32], k: usize) -> Vec<f64> {
        let mut y = vec![0f64; g.n * g.oh * g.ow * k];
        for b in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    for ky in 0..R {
                        for kx in 0..R {
                            let (iy, ix) = ((oy + ky) as isize - g.top as isize, (ox + kx) as isize - g.left as isize);
                            if iy < 0 || ix < 0 || iy as usize >= g.h || ix as usize >= g.w {
                                continue;
                            }
                            for i in 0..c {
                                let xv = x[((b * g.h + iy as usize) * g.w + ix as usize) * c + i] as f64;
                                for o in 0..k {
                                    y[((b * g.oh + oy) * g.ow + ox) * k + o] += xv * w[((ky * R + kx) * c + i) * k + o] as f64;
                                }
                            }
                        }
                    }
                }
            }
        }
        y
    }

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| ((i.wrapping_mul(2654435761).wrapping_add(seed * 97) >> 7) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
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

    /// Against the definition: SAME and VALID-style padding, odd output sizes (partial
    /// tiles), several blocks of tiles, then applied per pixel.
    #[test]
    fn matches_the_definition() {
        for &(n, h, w, c, k, top, left, oh, ow) in &[
            (2, 14, 14, 32, 64, 2, 2, 14, 14),
            (1, 9, 7, 16, 32, 2, 2, 9, 7),
            (3, 8, 9, 48, 16, 0, 0, 4, 5),
            (1, 5, 6, 16, 16, 4, 4, 9, 10),
        ] {
            let g = Geometry {
                n,
                h,
                w,
                oh,
                ow,
                top,
                left,
            };
            let x = data(n * h * w * c, 1);
            let wt = data(R * R * c * k, 2);
            let want = direct(&x, &g, c, &wt, k);
            let f = Filter::new(&wt, c, k);
            let got = conv(&x, g, &f, &|px| px.iter_mut().for_each(|v| *v += 0.5));
            let scale = want.iter().fold(0f64, |a, v| a.max(v.abs()));
            for (i, (&y, &t)) in got.iter().zip(&want).enumerate() {
                assert!((y as f64 - 0.5 - t).abs() <= 2e-5 * scale, "{g:?} at {i}: {y} vs {t}");
            }
        }
    }
}
