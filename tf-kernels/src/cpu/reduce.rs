//! Reductions over one contiguous block of axes, seen as a `[outer, r, inner]` view:
//! folds (sum, product, max, min, any, all), arg-reductions and cumulative sums.

use super::{num_threads, parallel_for, split_range, SendPtr, PARALLEL_MIN_ELEMS};

/// Folds a contiguous slice with eight independent accumulators, which lets the compiler
/// vectorise and keeps float sums closer to a pairwise sum than a running one.
pub fn fold_contig<T: Copy>(x: &[T], init: T, f: impl Fn(T, T) -> T) -> T {
    let mut acc = [init; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for i in 0..8 {
            acc[i] = f(acc[i], c[i]);
        }
    }
    let mut r = init;
    for &v in chunks.remainder() {
        r = f(r, v);
    }
    let a = [f(acc[0], acc[4]), f(acc[1], acc[5]), f(acc[2], acc[6]), f(acc[3], acc[7])];
    f(r, f(f(a[0], a[2]), f(a[1], a[3])))
}

/// `out[o, i] = fold_p x[o, p, i]` for `x` viewed as `[outer, r, inner]`.
pub fn reduce<T: Copy + Send + Sync>(x: &[T], outer: usize, r: usize, inner: usize, init: T, f: impl Fn(T, T) -> T + Sync) -> Vec<T> {
    debug_assert_eq!(x.len(), outer * r * inner);
    let mut out = vec![init; outer * inner];
    if r == 0 {
        return out;
    }
    let big = x.len() >= PARALLEL_MIN_ELEMS;
    if inner == 1 && outer == 1 && big {
        let ranges = split_range(r, num_threads(), 8);
        let mut parts = vec![init; ranges.len()];
        let pp = SendPtr(parts.as_mut_ptr());
        parallel_for(ranges.len(), |t| {
            let v = fold_contig(&x[ranges[t].clone()], init, &f);
            // SAFETY: each thread writes its own slot.
            unsafe { *pp.get().add(t) = v };
        });
        out[0] = parts.into_iter().fold(init, &f);
        return out;
    }
    let op = SendPtr(out.as_mut_ptr());
    let ranges = split_range(outer, if big { num_threads() } else { 1 }, 1);
    parallel_for(ranges.len(), |t| {
        for o in ranges[t].clone() {
            let block = &x[o * r * inner..(o + 1) * r * inner];
            // SAFETY: rows `o` of the output are written by one thread only.
            let dst = unsafe { std::slice::from_raw_parts_mut(op.get().add(o * inner), inner) };
            if inner == 1 {
                dst[0] = fold_contig(block, init, &f);
            } else {
                for row in block.chunks_exact(inner) {
                    for (d, &v) in dst.iter_mut().zip(row) {
                        *d = f(*d, v);
                    }
                }
            }
        }
    });
    out
}

/// Index (along `r`) of the first extreme value for each `[outer, inner]` position; `better(a,
/// b)` says whether `a` beats the current best `b`. NaN counts as the extreme, as in
/// TensorFlow's CPU kernel.
pub fn arg_reduce<T: Copy + PartialOrd>(x: &[T], outer: usize, r: usize, inner: usize, better: impl Fn(T, T) -> bool) -> Vec<i64> {
    let mut out = vec![0i64; outer * inner];
    for o in 0..outer {
        for i in 0..inner {
            let base = o * r * inner + i;
            let mut best = x[base];
            let mut bi = 0;
            for p in 1..r {
                let v = x[base + p * inner];
                #[allow(clippy::eq_op)]
                let best_is_nan = best != best;
                if !best_is_nan && better(v, best) {
                    best = v;
                    bi = p;
                }
            }
            out[o * inner + i] = bi as i64;
        }
    }
    out
}

/// Cumulative fold along `r` of `[outer, r, inner]`: `exclusive` shifts by one (first value
/// `init`), `reverse` runs from the end.
#[allow(clippy::too_many_arguments)]
pub fn cumulative<T: Copy>(
    x: &[T],
    outer: usize,
    r: usize,
    inner: usize,
    init: T,
    exclusive: bool,
    reverse: bool,
    f: impl Fn(T, T) -> T,
) -> Vec<T> {
    let mut out = vec![init; x.len()];
    for o in 0..outer {
        for i in 0..inner {
            let mut acc = init;
            for q in 0..r {
                let p = if reverse { r - 1 - q } else { q };
                let idx = o * r * inner + p * inner + i;
                if exclusive {
                    out[idx] = acc;
                    acc = f(acc, x[idx]);
                } else {
                    acc = f(acc, x[idx]);
                    out[idx] = acc;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduce_each_layout() {
        let x: Vec<i64> = (0..24).collect();
        assert_eq!(reduce(&x, 1, 24, 1, 0, |a, b| a + b), vec![276]);
        assert_eq!(reduce(&x, 2, 3, 4, 0, |a, b| a + b), vec![12, 15, 18, 21, 48, 51, 54, 57]);
        assert_eq!(reduce(&x, 4, 6, 1, i64::MIN, |a, b| a.max(b)), vec![5, 11, 17, 23]);
        let big = vec![1.0f64; 1 << 17];
        assert_eq!(reduce(&big, 1, 1 << 17, 1, 0.0, |a, b| a + b), vec![(1 << 17) as f64]);
    }

    #[test]
    fn argmax_first_and_cumsum_modes() {
        let x = [1.0, 3.0, 3.0, 2.0];
        assert_eq!(arg_reduce(&x, 1, 4, 1, |a, b| a > b), vec![1]);
        let x = [1, 2, 3];
        assert_eq!(cumulative(&x, 1, 3, 1, 0, false, false, |a, b| a + b), vec![1, 3, 6]);
        assert_eq!(cumulative(&x, 1, 3, 1, 0, true, false, |a, b| a + b), vec![0, 1, 3]);
        assert_eq!(cumulative(&x, 1, 3, 1, 0, true, true, |a, b| a + b), vec![5, 3, 0]);
    }
}
