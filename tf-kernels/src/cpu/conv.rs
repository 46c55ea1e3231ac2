//! Convolution and pooling helpers for NHWC tensors: window geometry, `im2col`/`col2im`
//! (which turn a convolution into one GEMM), and max/average pooling with their backward
//! passes.

use super::{parallel_for, split_range, SendPtr};
use std::mem::MaybeUninit;

/// The geometry of a 2-D window sliding over an NHWC input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window2d {
    /// Batch size.
    pub n: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Channels.
    pub c: usize,
    /// Window height.
    pub kh: usize,
    /// Window width.
    pub kw: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Strides (rows, cols).
    pub stride: (usize, usize),
    /// Dilations (rows, cols).
    pub dilation: (usize, usize),
    /// Padding before the first row and column.
    pub pad: (usize, usize),
}

/// Output size and padding-before of one spatial axis, as TensorFlow computes them for
/// `SAME` (`same = true`) and `VALID` padding. `None` when the window does not fit.
pub fn out_size(input: usize, k: usize, stride: usize, dilation: usize, same: bool) -> Option<(usize, usize)> {
    let eff = (k - 1) * dilation + 1;
    if same {
        let out = input.div_ceil(stride);
        let total = ((out.max(1) - 1) * stride + eff).saturating_sub(input);
        Some((out, total / 2))
    } else if input >= eff {
        Some(((input - eff) / stride + 1, 0))
    } else {
        None
    }
}

impl Window2d {
    /// Input row and column of window tap `(ky, kx)` for output `(oy, ox)`, if inside.
    #[inline]
    fn tap(&self, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<(usize, usize)> {
        let iy = (oy * self.stride.0 + ky * self.dilation.0).checked_sub(self.pad.0)?;
        let ix = (ox * self.stride.1 + kx * self.dilation.1).checked_sub(self.pad.1)?;
        (iy < self.h && ix < self.w).then_some((iy, ix))
    }
}

/// Unfolds `x` (`[n, h, w, c]`) into rows `(b, oy, ox)` of `kh*kw*c` columns `(ky, kx, ci)`;
/// taps in the padding are zero. With unit column dilation each `(row, ky)` is one
/// contiguous run of the input, copied at once.
pub fn im2col<T: Copy + Default + Send + Sync + 'static>(x: &[T], g: &Window2d) -> Vec<T> {
    let cols = g.kh * g.kw * g.c;
    let n = g.n * g.oh * g.ow * cols;
    let run = g.kw * g.c;
    super::elementwise::fill(n, g.ow * cols, |s, d| {
        for (r, chunk) in d.chunks_mut(g.ow * cols).enumerate() {
            let row = s / (g.ow * cols) + r;
            let (b, oy) = (row / g.oh, row % g.oh);
            for (ox, out) in chunk.chunks_mut(cols).enumerate() {
                for (ky, dst) in out.chunks_mut(run).enumerate() {
                    let iy = (oy * g.stride.0 + ky * g.dilation.0).checked_sub(g.pad.0).filter(|&iy| iy < g.h);
                    let Some(iy) = iy else {
                        dst.iter_mut().for_each(|o| {
                            o.write(T::default());
                        });
                        continue;
                    };
                    let line = &x[(b * g.h + iy) * g.w * g.c..][..g.w * g.c];
                    if g.dilation.1 == 1 {
                        // Taps kx in [lo, hi) fall inside the row; the rest is padding.
                        let x0 = (ox * g.stride.1) as isize - g.pad.1 as isize;
                        let lo = (-x0).clamp(0, g.kw as isize) as usize;
                        let hi = (g.w as isize - x0).clamp(lo as isize, g.kw as isize) as usize;
                        dst[..lo * g.c].iter_mut().for_each(|o| {
                            o.write(T::default());
                        });
                        let src = &line[((x0 + lo as isize) as usize) * g.c..][..(hi - lo) * g.c];
                        for (o, &v) in dst[lo * g.c..hi * g.c].iter_mut().zip(src) {
                            o.write(v);
                        }
                        dst[hi * g.c..].iter_mut().for_each(|o| {
                            o.write(T::default());
                        });
                    } else {
                        for (kx, tap) in dst.chunks_mut(g.c).enumerate() {
                            match (ox * g.stride.1 + kx * g.dilation.1).checked_sub(g.pad.1).filter(|&ix| ix < g.w) {
                                Some(ix) => {
                                    for (o, &v) in tap.iter_mut().zip(&line[ix * g.c..][..g.c]) {
                                        o.write(v);
                                    }
                                }
                                None => tap.iter_mut().for_each(|o| {
                                    o.write(T::default());
                                }),
                            }
                        }
                    }
                }
            }
        }
    })
}

/// The im2col matrix of `x` as offset tables into a zero-padded copy of the image, for
/// [`sgemm_gather`](super::gemm::sgemm_gather): `cols[(b, oy, ox)][(ky, kx, ci)] =
/// padded[rows[..] + taps[..]]`. Returns `(padded, rows, taps)`; `padded` borrows `x` when no
/// padding is needed.
pub fn im2col_tables<'a, T: Copy + Default + 'static>(x: &'a [T], g: &Window2d) -> (std::borrow::Cow<'a, [T]>, Vec<usize>, Vec<usize>) {
    let need_h = (g.oh.max(1) - 1) * g.stride.0 + (g.kh - 1) * g.dilation.0 + 1;
    let need_w = (g.ow.max(1) - 1) * g.stride.1 + (g.kw - 1) * g.dilation.1 + 1;
    let (hp, wp) = (need_h.max(g.h + g.pad.0), need_w.max(g.w + g.pad.1));
    let padded = if g.pad == (0, 0) && hp == g.h && wp == g.w {
        std::borrow::Cow::Borrowed(x)
    } else {
        let mut p = super::recycle::filled_any(g.n * hp * wp * g.c, T::default());
        let row = g.w * g.c;
        for b in 0..g.n {
            for y in 0..g.h {
                let dst = ((b * hp + y + g.pad.0) * wp + g.pad.1) * g.c;
                p[dst..dst + row].copy_from_slice(&x[(b * g.h + y) * row..][..row]);
            }
        }
        std::borrow::Cow::Owned(p)
    };
    let mut rows = Vec::with_capacity(g.n * g.oh * g.ow);
    for b in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                rows.push(((b * hp + oy * g.stride.0) * wp + ox * g.stride.1) * g.c);
            }
        }
    }
    let mut taps = Vec::with_capacity(g.kh * g.kw * g.c);
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            for ci in 0..g.c {
                taps.push((ky * g.dilation.0 * wp + kx * g.dilation.1) * g.c + ci);
            }
        }
    }
    (padded, rows, taps)
}

/// The adjoint of [`im2col`]: sums the columns back into an `[n, h, w, c]` image.
pub fn col2im<T: Copy + Default + Send + Sync + std::ops::AddAssign>(cols: &[T], g: &Window2d) -> Vec<T> {
    let mut out = vec![T::default(); g.n * g.h * g.w * g.c];
    let width = g.kh * g.kw * g.c;
    let op = SendPtr(out.as_mut_ptr());
    let per_image = g.h * g.w * g.c;
    let ranges = split_range(g.n, super::num_threads().min(g.n.max(1)), 1);
    parallel_for(ranges.len(), |t| {
        for b in ranges[t].clone() {
            // SAFETY: each image of the output is written by one thread only.
            let img = unsafe { std::slice::from_raw_parts_mut(op.get().add(b * per_image), per_image) };
            let run = g.kw * g.c;
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let row = &cols[((b * g.oh + oy) * g.ow + ox) * width..][..width];
                    for ky in 0..g.kh {
                        let Some(iy) = (oy * g.stride.0 + ky * g.dilation.0).checked_sub(g.pad.0).filter(|&iy| iy < g.h) else {
                            continue;
                        };
                        let src = &row[ky * run..][..run];
                        let line = &mut img[iy * g.w * g.c..][..g.w * g.c];
                        if g.dilation.1 == 1 {
                            // Taps kx in [lo, hi) land inside the row: one contiguous add.
                            let x0 = (ox * g.stride.1) as isize - g.pad.1 as isize;
                            let lo = (-x0).clamp(0, g.kw as isize) as usize;
                            let hi = (g.w as isize - x0).clamp(lo as isize, g.kw as isize) as usize;
                            let dst = &mut line[((x0 + lo as isize) as usize) * g.c..][..(hi - lo) * g.c];
                            for (d, &v) in dst.iter_mut().zip(&src[lo * g.c..hi * g.c]) {
                                *d += v;
                            }
                        } else {
                            for kx in 0..g.kw {
                                if let Some(ix) = (ox * g.stride.1 + kx * g.dilation.1).checked_sub(g.pad.1).filter(|&ix| ix < g.w) {
                                    for (d, &v) in line[ix * g.c..][..g.c].iter_mut().zip(&src[kx * g.c..][..g.c]) {
                                        *d += v;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    });
    out
}

/// Max pooling: each output is the largest in-bounds tap (padding never wins).
pub fn max_pool<T: Copy + PartialOrd + Send + Sync + 'static>(x: &[T], g: &Window2d) -> Vec<T> {
    pixels(g, Vec::new, |b, oy, ox, out, best: &mut Vec<T>| {
        // Four taps inside (a 2x2 window, Keras's default): each channel's maximum in
        // registers, one store per output, over whole rows of channels.
        let mut four = [0usize; 4];
        let mut k = 0;
        taps(g, b, oy, ox, |at, _| {
            if k < 4 {
                four[k] = at;
            }
            k += 1;
        });
        if k == 4 {
            let c = g.c;
            let [p0, p1, p2, p3] = four.map(|at| &x[at..at + c]);
            for ((((o, &a), &b1), &c1), &d) in out.iter_mut().zip(p0).zip(p1).zip(p2).zip(p3) {
                let m = if b1 > a { b1 } else { a };
                let m = if c1 > m { c1 } else { m };
                o.write(if d > m { d } else { m });
            }
            return;
        }
        // Channel by channel over whole rows of channels: the comparisons vectorize.
        let inside = taps(g, b, oy, ox, |at, first| {
            let xs = &x[at..at + g.c];
            if first {
                best.clear();
                best.extend_from_slice(xs);
                return;
            }
            for (m, &v) in best.iter_mut().zip(xs) {
                *m = if v > *m { v } else { *m };
            }
        });
        if !inside {
            best.clear();
            best.resize(g.c, x[0]);
        }
        for (o, &v) in out.iter_mut().zip(best.iter()) {
            o.write(v);
        }
    })
}

/// Runs `f(b, oy, ox, out, scratch)` for each output pixel of `g` (`out`: its `c` values),
/// the pixels split across the pool; each thread's run of pixels shares one `scratch()`.
fn pixels<T: Send + 'static, S>(
    g: &Window2d,
    scratch: impl Fn() -> S + Sync,
    f: impl Fn(usize, usize, usize, &mut [MaybeUninit<T>], &mut S) + Sync,
) -> Vec<T> {
    let c = g.c;
    if c == 0 {
        return Vec::new();
    }
    super::elementwise::fill(g.n * g.oh * g.ow * c, c, |s, d| {
        let mut scratch = scratch();
        // The chunk's first pixel by division, the rest by counting (a division per pixel
        // would cost more than its comparisons).
        let p = s / c;
        let (mut ox, rest) = (p % g.ow, p / g.ow);
        let (mut oy, mut b) = (rest % g.oh, rest / g.oh);
        for out in d.chunks_mut(c) {
            f(b, oy, ox, out, &mut scratch);
            ox += 1;
            if ox == g.ow {
                ox = 0;
                oy += 1;
                if oy == g.oh {
                    oy = 0;
                    b += 1;
                }
            }
        }
    })
}

/// Calls `f(at, first)` for each window tap of output pixel `(b, oy, ox)` inside the input,
/// in order: `at` is the offset of its `c` channels in the input, `first` whether it is the
/// first such tap. Returns whether there was one.
#[inline(always)]
fn taps(g: &Window2d, b: usize, oy: usize, ox: usize, mut f: impl FnMut(usize, bool)) -> bool {
    let mut first = true;
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            if let Some((iy, ix)) = g.tap(oy, ox, ky, kx) {
                f(((b * g.h + iy) * g.w + ix) * g.c, first);
                first = false;
            }
        }
    }
    !first
}

/// For output pixel `(b, oy, ox)`: the index in `x` of each channel's (first) maximum over
/// the window's in-bounds taps, in `arg`; `false` when no tap is inside.
fn pixel_argmax<T: Copy + PartialOrd>(
    x: &[T],
    g: &Window2d,
    b: usize,
    oy: usize,
    ox: usize,
    best: &mut Vec<T>,
    arg: &mut Vec<usize>,
) -> bool {
    let c = g.c;
    taps(g, b, oy, ox, |at, first| {
        let xs = &x[at..at + c];
        if first {
            best.clear();
            best.extend_from_slice(xs);
            arg.clear();
            arg.extend(at..at + c);
            return;
        }
        // Selects, not conditional stores (as masked stores, those took 1.4x as long).
        for (ch, ((m, a), &v)) in best.iter_mut().zip(arg.iter_mut()).zip(xs).enumerate() {
            let gt = v > *m;
            *m = if gt { v } else { *m };
            *a = if gt { at + ch } else { *a };
        }
    })
}

/// Average pooling over the in-bounds taps (TensorFlow does not count padding).
pub fn avg_pool<T: Copy + Send + Sync + Into<f64> + 'static>(x: &[T], g: &Window2d, from: impl Fn(f64) -> T + Sync) -> Vec<T> {
    pixels(g, Vec::new, |b, oy, ox, out, sums: &mut Vec<f64>| {
        sums.clear();
        sums.resize(g.c, 0.0);
        let mut cnt = 0usize;
        taps(g, b, oy, ox, |at, _| {
            for (s, &v) in sums.iter_mut().zip(&x[at..at + g.c]) {
                *s += v.into();
            }
            cnt += 1;
        });
        for (o, &s) in out.iter_mut().zip(sums.iter()) {
            o.write(from(s / cnt.max(1) as f64));
        }
    })
}

/// Gradient of max pooling: each upstream value goes to its window's (first) maximum. Images
/// go to the pool's threads whole (each image's gradient lands in its own part of `dx`).
pub fn max_pool_grad<T: Copy + PartialOrd + Default + std::ops::AddAssign + Send + Sync + 'static>(
    x: &[T],
    dy: &[T],
    g: &Window2d,
) -> Vec<T> {
    let image = g.h * g.w * g.c;
    // 2x2 windows, stride 2, tiling the image (Keras's default on an even size): each input
    // is in exactly one window, which writes it outright.
    let tiles = g.kh == 2 && g.kw == 2 && g.stride == (2, 2) && g.pad == (0, 0) && g.oh * 2 == g.h && g.ow * 2 == g.w;
    super::elementwise::fill(x.len(), image.max(1), |start, d| {
        let (b0, b1) = (start / image.max(1), (start + d.len()) / image.max(1));
        if tiles {
            for b in b0..b1 {
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        let o = ((b * g.oh + oy) * g.ow + ox) * g.c;
                        let at = ((b * g.h + 2 * oy) * g.w + 2 * ox) * g.c;
                        window_grad_2x2(x, &dy[o..o + g.c], at, g.w * g.c, g.c, &mut d[at - start..]);
                    }
                }
            }
            return;
        }
        for o in d.iter_mut() {
            o.write(T::default());
        }
        // SAFETY: every element was written just above; `MaybeUninit<T>` has `T`'s layout.
        let dx = unsafe { &mut *(d as *mut [MaybeUninit<T>] as *mut [T]) };
        let (mut best, mut arg) = (Vec::with_capacity(g.c), Vec::with_capacity(g.c));
        for b in b0..b1 {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    if pixel_argmax(x, g, b, oy, ox, &mut best, &mut arg) {
                        let o = ((b * g.oh + oy) * g.ow + ox) * g.c;
                        for (&at, &v) in arg.iter().zip(&dy[o..o + g.c]) {
                            dx[at - start] += v;
                        }
                    }
                }
            }
        }
    })
}

/// One 2x2 window of a tiling max pool's gradient: its taps start at `at` (the next row
/// `row` later), `c` channels each, and `dx` is the gradient from `at` on. Each channel's
/// first maximum tap gets the upstream value, the others zero: the maximum as [`max_pool`]
/// finds it, then tap by tap a value equal to it takes what is left of the upstream value
/// (which becomes zero). Every output is a select stored once (conditional stores become
/// masked stores, which are slow); a NaN first tap is its window's maximum.
#[inline(always)]
fn window_grad_2x2<T: Copy + PartialOrd + Default>(x: &[T], dy: &[T], at: usize, row: usize, c: usize, dx: &mut [MaybeUninit<T>]) {
    let (p0, p1) = (&x[at..at + c], &x[at + c..at + 2 * c]);
    let (p2, p3) = (&x[at + row..at + row + c], &x[at + row + c..at + row + 2 * c]);
    let (top, bottom) = dx[..row + 2 * c].split_at_mut(row);
    let (d0, d1) = top[..2 * c].split_at_mut(c);
    let (d2, d3) = bottom.split_at_mut(c);
    let zero = T::default();
    for ch in 0..c {
        let (a, b, e, f) = (p0[ch], p1[ch], p2[ch], p3[ch]);
        let m = if b > a { b } else { a };
        let m = if e > m { e } else { m };
        let m = if f > m { f } else { m };
        #[allow(clippy::eq_op)]
        let h = a == m || a != a;
        let (o0, r) = if h { (dy[ch], zero) } else { (zero, dy[ch]) };
        let h = b == m;
        let (o1, r) = if h { (r, zero) } else { (zero, r) };
        let h = e == m;
        let (o2, r) = if h { (r, zero) } else { (zero, r) };
        d0[ch].write(o0);
        d1[ch].write(o1);
        d2[ch].write(o2);
        d3[ch].write(if f == m { r } else { zero });
    }
}

/// For each window of `x`, the value of `v` at the window's (first) maximum of `x`.
pub fn max_pool_pick<T: Copy + PartialOrd + Send + Sync + 'static>(x: &[T], v: &[T], g: &Window2d) -> Vec<T> {
    pixels(g, Default::default, |b, oy, ox, out, (best, arg): &mut (Vec<T>, Vec<usize>)| {
        if pixel_argmax(x, g, b, oy, ox, best, arg) {
            for (o, &at) in out.iter_mut().zip(arg.iter()) {
                o.write(v[at]);
            }
        } else {
            out.iter_mut().for_each(|o| {
                o.write(v[0]);
            });
        }
    })
}

/// Gradient of average pooling: each upstream value is shared equally by its window's taps.
pub fn avg_pool_grad(dy: &[f64], g: &Window2d) -> Vec<f64> {
    let mut dx = vec![0.0; g.n * g.h * g.w * g.c];
    for b in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let taps: Vec<(usize, usize)> = (0..g.kh)
                    .flat_map(|ky| (0..g.kw).map(move |kx| (ky, kx)))
                    .filter_map(|(ky, kx)| g.tap(oy, ox, ky, kx))
                    .collect();
                let share = 1.0 / taps.len().max(1) as f64;
                for ch in 0..g.c {
                    let v = dy[((b * g.oh + oy) * g.ow + ox) * g.c + ch] * share;
                    for &(iy, ix) in &taps {
                        dx[((b * g.h + iy) * g.w + ix) * g.c + ch] += v;
                    }
                }
            }
        }
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(h: usize, w: usize, k: usize, s: usize, same: bool) -> Window2d {
        let (oh, pt) = out_size(h, k, s, 1, same).unwrap();
        let (ow, pl) = out_size(w, k, s, 1, same).unwrap();
        Window2d {
            n: 1,
            h,
            w,
            c: 1,
            kh: k,
            kw: k,
            oh,
            ow,
            stride: (s, s),
            dilation: (1, 1),
            pad: (pt, pl),
        }
    }

    #[test]
    fn tf_output_sizes() {
        assert_eq!(out_size(28, 5, 1, 1, true), Some((28, 2)));
        assert_eq!(out_size(5, 2, 2, 1, true), Some((3, 0)));
        assert_eq!(out_size(5, 3, 2, 1, false), Some((2, 0)));
        assert_eq!(out_size(2, 3, 1, 1, false), None);
    }

    #[test]
    fn tables_address_the_im2col_matrix() {
        for (same, s) in [(true, 1), (false, 2), (true, 2)] {
            let g = win(5, 4, 3, s, same);
            let x: Vec<f64> = (0..20).map(f64::from).collect();
            let cols = im2col(&x, &g);
            let (p, rows, taps) = im2col_tables(&x, &g);
            let via: Vec<f64> = rows.iter().flat_map(|&r| taps.iter().map(move |&t| r + t)).map(|o| p[o]).collect();
            assert_eq!(via, cols, "same={same} stride={s}");
        }
    }

    #[test]
    fn im2col_col2im_and_pools() {
        let x: Vec<f64> = (1..=9).map(f64::from).collect(); // 3x3
        let g = win(3, 3, 2, 1, false);
        let cols = im2col(&x, &g);
        assert_eq!(&cols[..4], &[1.0, 2.0, 4.0, 5.0]);
        let back = col2im(&vec![1.0; cols.len()], &g);
        assert_eq!(back, vec![1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
        assert_eq!(max_pool(&x, &g), vec![5.0, 6.0, 8.0, 9.0]);
        let gs = win(3, 3, 2, 2, true);
        assert_eq!(avg_pool(&x, &gs, |v| v), vec![3.0, 4.5, 7.5, 9.0]);
        assert_eq!(max_pool_grad(&x, &[1.0; 4], &g), vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    }

    /// A NaN first tap is its window's maximum (nothing compares greater); a later NaN never
    /// is — in the tiling 2x2 path (two channels: one window each way) and the general one.
    #[test]
    fn max_pool_grad_with_nans() {
        let nan = f64::NAN;
        // One 2x2 image, channels interleaved: channel 0 is [NaN, 1, 2, 0], channel 1 [1, NaN, 2, 0].
        let x = [nan, 1.0, 1.0, nan, 2.0, 2.0, 0.0, 0.0];
        let g = Window2d {
            c: 2,
            ..win(2, 2, 2, 2, false)
        };
        assert_eq!(max_pool_grad(&x, &[5.0, 7.0], &g), vec![5.0, 0.0, 0.0, 0.0, 0.0, 7.0, 0.0, 0.0]);
        let g = Window2d {
            c: 2,
            ..win(2, 2, 2, 1, false)
        };
        assert_eq!(max_pool_grad(&x, &[5.0, 7.0], &g), vec![5.0, 0.0, 0.0, 0.0, 0.0, 7.0, 0.0, 0.0]);
    }

    /// The pools against the definition, element by element: random values with ties
    /// (the first maximum wins), one to five channels, both paddings, strides 1 to 3,
    /// windows wider than the input, and 2x2 windows tiling an even image; the mean of each
    /// window's in-bounds taps too.
    #[test]
    fn max_pools_match_the_definition() {
        // The window's first maximum of channel ch at (b, oy, ox), by the definition.
        fn argmax(x: &[f64], g: &Window2d, b: usize, oy: usize, ox: usize, ch: usize) -> Option<usize> {
            let mut best: Option<(f64, usize)> = None;
            for ky in 0..g.kh {
                for kx in 0..g.kw {
                    if let Some((iy, ix)) = g.tap(oy, ox, ky, kx) {
                        let at = ((b * g.h + iy) * g.w + ix) * g.c + ch;
                        if best.is_none_or(|(m, _)| x[at] > m) {
                            best = Some((x[at], at));
                        }
                    }
                }
            }
            best.map(|(_, at)| at)
        }
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % 5) as f64 - 2.0
        };
        let shapes = [(2, 2, false), (2, 2, true), (3, 1, true), (3, 2, true), (3, 3, false), (7, 2, true)];
        for (c, (h, w)) in (1..=5).flat_map(|c| [(c, (5, 6)), (c, (4, 6))]) {
            for (k, st, same) in shapes {
                let n = 2;
                let g = Window2d {
                    n,
                    c,
                    ..win(h, w, k, st, same)
                };
                let (oh, ow) = (g.oh, g.ow);
                let x: Vec<f64> = (0..n * h * w * c).map(|_| next()).collect();
                let dy: Vec<f64> = (0..n * oh * ow * c).map(|_| next()).collect();
                let v: Vec<f64> = (0..x.len()).map(|_| next()).collect();
                let (mut want, mut want_dx, mut want_pick, mut want_avg) = (Vec::new(), vec![0.0; x.len()], Vec::new(), Vec::new());
                for b in 0..n {
                    for oy in 0..oh {
                        for ox in 0..ow {
                            for ch in 0..c {
                                let at = argmax(&x, &g, b, oy, ox, ch).expect("a tap inside");
                                want.push(x[at]);
                                want_dx[at] += dy[((b * oh + oy) * ow + ox) * c + ch];
                                want_pick.push(v[at]);
                                let inside: Vec<f64> = (0..k * k)
                                    .filter_map(|t| g.tap(oy, ox, t / k, t % k))
                                    .map(|(iy, ix)| x[((b * h + iy) * w + ix) * c + ch])
                                    .collect();
                                want_avg.push(inside.iter().sum::<f64>() / inside.len() as f64);
                            }
                        }
                    }
                }
                let case = format!("c={c} {h}x{w} k={k} stride={st} same={same}");
                assert_eq!(max_pool(&x, &g), want, "{case}");
                assert_eq!(max_pool_grad(&x, &dy, &g), want_dx, "{case}");
                assert_eq!(max_pool_pick(&x, &v, &g), want_pick, "{case}");
                assert_eq!(avg_pool(&x, &g, |a| a), want_avg, "{case}");
            }
        }
    }
}
