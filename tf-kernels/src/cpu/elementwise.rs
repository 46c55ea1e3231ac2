//! Elementwise loops: unary maps and binary maps with NumPy broadcasting.
//!
//! Outputs are written into uninitialised memory (no zero fill) and split across the pool
//! when they are large. The broadcasting loop collapses dimensions first, so the inner loop
//! is a contiguous run with each operand's stride either 1 or 0.

use super::{parallel_for, split_range, SendPtr, PARALLEL_MIN_ELEMS};
use std::mem::MaybeUninit;

/// Builds a `Vec` of `n` values by calling `body(start, chunk)` on disjoint chunks that
/// together cover `0..n`; chunk starts are multiples of `align`.
pub fn fill<O: Send + 'static>(n: usize, align: usize, body: impl Fn(usize, &mut [MaybeUninit<O>]) + Sync) -> Vec<O> {
    let mut out: Vec<O> = super::recycle::take_any(n);
    fill_into(&mut out, n, align, body);
    out
}

/// [`fill`] into `out`: its contents are replaced by the `n` values, in its memory when it
/// has room (the graph executor hands a kernel the buffer it filled on the last run).
pub fn fill_into<O: Send + 'static>(out: &mut Vec<O>, n: usize, align: usize, body: impl Fn(usize, &mut [MaybeUninit<O>]) + Sync) {
    out.clear();
    out.reserve_exact(n);
    if n < PARALLEL_MIN_ELEMS {
        // Small outputs: no range list, no pool (this path is the per-op cost of eager mode).
        body(0, &mut out.spare_capacity_mut()[..n]);
        // SAFETY: `body` wrote every element of 0..n.
        unsafe { out.set_len(n) };
        return;
    }
    let ptr = SendPtr(out.spare_capacity_mut().as_mut_ptr());
    let ranges = split_range(n, super::num_threads(), align.max(1));
    parallel_for(ranges.len(), |t| {
        let r = ranges[t].clone();
        // SAFETY: the ranges are disjoint and inside the vector's capacity.
        let chunk = unsafe { std::slice::from_raw_parts_mut(ptr.get().add(r.start), r.len()) };
        body(r.start, chunk);
    });
    // SAFETY: every element in 0..n was written by exactly one `body` call.
    unsafe { out.set_len(n) };
}

/// Like [`fill`] for `k` outputs of `n` values each: `body(start, chunks)` gets the same
/// range of every output.
pub fn fill_many<O: Send + 'static>(
    n: usize,
    k: usize,
    align: usize,
    body: impl Fn(usize, &mut [&mut [MaybeUninit<O>]]) + Sync,
) -> Vec<Vec<O>> {
    let mut outs: Vec<Vec<O>> = (0..k).map(|_| super::recycle::take_any(n)).collect();
    let ptrs: Vec<SendPtr<MaybeUninit<O>>> = outs.iter_mut().map(|o| SendPtr(o.spare_capacity_mut().as_mut_ptr())).collect();
    let run = |r: std::ops::Range<usize>| {
        // SAFETY: each output has capacity `n`; the ranges given to `run` are disjoint.
        let mut chunks: Vec<&mut [MaybeUninit<O>]> = ptrs
            .iter()
            .map(|p| unsafe { std::slice::from_raw_parts_mut(p.get().add(r.start), r.len()) })
            .collect();
        body(r.start, &mut chunks);
    };
    if n < PARALLEL_MIN_ELEMS {
        run(0..n);
    } else {
        let ranges = split_range(n, super::num_threads(), align.max(1));
        parallel_for(ranges.len(), |t| run(ranges[t].clone()));
    }
    for o in &mut outs {
        // SAFETY: every element in 0..n of every output was written by exactly one `body` call.
        unsafe { o.set_len(n) };
    }
    outs
}

/// `out[i] = f(x[i])`.
pub fn map<A: Copy + Sync, O: Send + 'static>(x: &[A], f: impl Fn(A) -> O + Sync) -> Vec<O> {
    let mut out = super::recycle::take_any(x.len());
    map_into(&mut out, x, f);
    out
}

/// [`map`] into `out` (see [`fill_into`]).
pub fn map_into<A: Copy + Sync, O: Send + 'static>(out: &mut Vec<O>, x: &[A], f: impl Fn(A) -> O + Sync) {
    fill_into(out, x.len(), 1, |s, d| {
        let len = d.len();
        for (o, &v) in d.iter_mut().zip(&x[s..s + len]) {
            o.write(f(v));
        }
    })
}

/// Strides of `shape` (row-major) as seen from a broadcast output of rank `rank`: leading
/// missing dimensions and dimensions of size 1 get stride 0.
pub fn broadcast_strides(shape: &[usize], rank: usize) -> Vec<usize> {
    let mut strides = vec![0; rank];
    let mut acc = 1;
    for (i, &d) in shape.iter().enumerate().rev() {
        let o = rank - shape.len() + i;
        strides[o] = if d == 1 { 0 } else { acc };
        acc *= d;
    }
    strides
}

/// Merges adjacent output dimensions whose operand strides are all contiguous with each
/// other, returning the collapsed shape and per-operand strides.
fn collapse<const N: usize>(shape: &[usize], strides: [Vec<usize>; N]) -> (Vec<usize>, [Vec<usize>; N]) {
    let mut out_shape: Vec<usize> = Vec::with_capacity(shape.len());
    let mut out_strides: [Vec<usize>; N] = std::array::from_fn(|_| Vec::with_capacity(shape.len()));
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 {
            continue;
        }
        if let Some(&last) = out_shape.last() {
            let mergeable = (0..N).all(|k| {
                let prev = *out_strides[k].last().unwrap();
                prev == strides[k][i] * d || (prev == 0 && strides[k][i] == 0)
            });
            if mergeable {
                *out_shape.last_mut().unwrap() = last * d;
                for k in 0..N {
                    let s = strides[k][i];
                    *out_strides[k].last_mut().unwrap() = s;
                }
                continue;
            }
        }
        out_shape.push(d);
        for k in 0..N {
            out_strides[k].push(strides[k][i]);
        }
    }
    if out_shape.is_empty() {
        out_shape.push(1);
        for s in out_strides.iter_mut() {
            s.push(0);
        }
    }
    (out_shape, out_strides)
}

/// `out = f(a, b)` with NumPy broadcasting of `a_shape` and `b_shape` to `out_shape`.
pub fn binary<A: Copy + Sync, B: Copy + Sync, O: Send + 'static>(
    out_shape: &[usize],
    a: &[A],
    a_shape: &[usize],
    b: &[B],
    b_shape: &[usize],
    f: impl Fn(A, B) -> O + Sync,
) -> Vec<O> {
    let mut out = super::recycle::take_any(out_shape.iter().product());
    binary_into(&mut out, out_shape, a, a_shape, b, b_shape, f);
    out
}

/// How the operands of a binary map line up with its output when nothing is broadcast but
/// a single value: element by element, or one operand a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flat {
    /// Both operands have the output's length.
    Both,
    /// `a` is one value, `b` has the output's length.
    ScalarA,
    /// `a` has the output's length, `b` is one value.
    ScalarB,
}

impl Flat {
    /// The layout of operands of `na` and `nb` values for an output of `n`, or `None` when
    /// one must be broadcast along some dimensions only.
    pub fn of(n: usize, na: usize, nb: usize) -> Option<Flat> {
        if na == n && nb == n {
            Some(Flat::Both)
        } else if nb == 1 && na == n {
            Some(Flat::ScalarB)
        } else if na == 1 && nb == n {
            Some(Flat::ScalarA)
        } else {
            None
        }
    }
}

/// `out = f(a, b)` for `n` values laid out as `layout` says (see [`fill_into`]).
///
/// # Panics
/// If an operand is shorter than `layout` says.
pub fn binary_flat_into<A: Copy + Sync, B: Copy + Sync, O: Send + 'static>(
    out: &mut Vec<O>,
    n: usize,
    layout: Flat,
    a: &[A],
    b: &[B],
    f: impl Fn(A, B) -> O + Sync,
) {
    match layout {
        Flat::Both => fill_into(out, n, 1, |s, d| {
            let len = d.len();
            for ((o, &x), &y) in d.iter_mut().zip(&a[s..s + len]).zip(&b[s..s + len]) {
                o.write(f(x, y));
            }
        }),
        // A scalar operand is copied into each chunk's loop, so it stays in a register and
        // the loop vectorizes (read through the closure, it is reloaded for every element).
        Flat::ScalarB => {
            let y0 = b[0];
            fill_into(out, n, 1, |s, d| {
                let (y, len) = (y0, d.len());
                for (o, &x) in d.iter_mut().zip(&a[s..s + len]) {
                    o.write(f(x, y));
                }
            })
        }
        Flat::ScalarA => {
            let x0 = a[0];
            fill_into(out, n, 1, |s, d| {
                let (x, len) = (x0, d.len());
                for (o, &y) in d.iter_mut().zip(&b[s..s + len]) {
                    o.write(f(x, y));
                }
            })
        }
    }
}

/// [`binary`] into `out` (see [`fill_into`]).
pub fn binary_into<A: Copy + Sync, B: Copy + Sync, O: Send + 'static>(
    out: &mut Vec<O>,
    out_shape: &[usize],
    a: &[A],
    a_shape: &[usize],
    b: &[B],
    b_shape: &[usize],
    f: impl Fn(A, B) -> O + Sync,
) {
    let n: usize = out_shape.iter().product();
    if let Some(layout) = Flat::of(n, a.len(), b.len()) {
        return binary_flat_into(out, n, layout, a, b, f);
    }
    let rank = out_shape.len();
    let (shape, [sa, sb]) = collapse(out_shape, [broadcast_strides(a_shape, rank), broadcast_strides(b_shape, rank)]);
    let inner = *shape.last().unwrap();
    let (ia, ib) = (*sa.last().unwrap(), *sb.last().unwrap());
    let outer_rank = shape.len() - 1;
    fill_into(out, n, inner, |s, d| {
        for (row, chunk) in (s / inner..).zip(d.chunks_mut(inner)) {
            let (mut oa, mut ob, mut r) = (0, 0, row);
            for k in (0..outer_rank).rev() {
                let i = r % shape[k];
                r /= shape[k];
                oa += i * sa[k];
                ob += i * sb[k];
            }
            match (ia, ib) {
                (1, 1) => {
                    for ((o, &x), &y) in chunk.iter_mut().zip(&a[oa..oa + inner]).zip(&b[ob..ob + inner]) {
                        o.write(f(x, y));
                    }
                }
                (1, 0) => {
                    let y = b[ob];
                    for (o, &x) in chunk.iter_mut().zip(&a[oa..oa + inner]) {
                        o.write(f(x, y));
                    }
                }
                (0, 1) => {
                    let x = a[oa];
                    for (o, &y) in chunk.iter_mut().zip(&b[ob..ob + inner]) {
                        o.write(f(x, y));
                    }
                }
                _ => {
                    for (j, o) in chunk.iter_mut().enumerate() {
                        o.write(f(a[oa + j * ia], b[ob + j * ib]));
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_rows_and_columns() {
        let a = [1.0f32, 2.0, 3.0];
        let b = [10.0f32, 20.0];
        let out = binary(&[2, 3], &a, &[3], &b, &[2, 1], |x, y| x + y);
        assert_eq!(out, vec![11.0, 12.0, 13.0, 21.0, 22.0, 23.0]);
        let out = binary(&[2, 3], &b, &[2, 1], &a, &[1, 3], |x, y| x * y);
        assert_eq!(out, vec![10.0, 20.0, 30.0, 20.0, 40.0, 60.0]);
    }

    #[test]
    fn large_same_shape_parallel_and_scalar() {
        let a: Vec<f64> = (0..200_000).map(|i| i as f64).collect();
        let out = binary(&[200_000], &a, &[200_000], &a, &[200_000], |x, y| x + y);
        assert!(out.iter().enumerate().all(|(i, &v)| v == 2.0 * i as f64));
        let out = binary(&[200_000], &a, &[200_000], &[1.0], &[], |x, y| x - y);
        assert_eq!(out[5], 4.0);
    }

    #[test]
    fn middle_axis_broadcast() {
        // [2,1,2] + [3,1] -> [2,3,2]
        let a = [1, 2, 3, 4];
        let b = [10, 20, 30];
        let out = binary(&[2, 3, 2], &a, &[2, 1, 2], &b, &[3, 1], |x, y| x + y);
        assert_eq!(out, vec![11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34]);
    }
}
