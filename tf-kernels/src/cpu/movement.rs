//! Data movement: one general strided gather (which serves transpose, slice, strided slice,
//! reverse and broadcast), a strided scatter for padding, concatenation and index gathers.

/// Copies the strided view `src[offset + Σ idx[d] * strides[d]]` over `shape` into a new
/// row-major buffer. Negative strides walk backwards (reverse); zero strides repeat
/// (broadcast).
///
/// # Panics
/// If the view addresses memory outside `src`.
pub fn strided_copy<T: Copy + Send + Sync + 'static>(src: &[T], offset: usize, strides: &[isize], shape: &[usize]) -> Vec<T> {
    let n: usize = shape.iter().product();
    if n == 0 {
        return Vec::new();
    }
    // Dimensions that step through memory as one are merged (a slice of whole rows of a
    // [n, 28, 28] tensor is one run of values, not rows of 28), and size-1 ones dropped.
    let (mut ms, mut mst) = ([0usize; MERGED_MAX], [0isize; MERGED_MAX]);
    let (shape, strides) = match merge_dims(shape, strides, &mut ms, &mut mst) {
        Some(r) => (&ms[..r], &mst[..r]),
        None => (shape, strides),
    };
    let rank = shape.len();
    if rank == 0 {
        return vec![src[offset]];
    }
    if rank == 1 && strides[0] == 1 {
        // One contiguous run: a plain copy, split across the pool when long.
        let run = &src[offset..offset + n];
        return super::elementwise::fill(n, 16, |s, d| {
            let part = &run[s..s + d.len()];
            for (o, &v) in d.iter_mut().zip(part) {
                o.write(v);
            }
        });
    }
    // A matrix transpose, or a batch of them (NHWC to NCHW merges to [N, C, HW]).
    match (shape, strides) {
        (&[rows, cols], &[1, stride]) if stride > 0 => return transpose(src, offset, (1, 0), rows, cols, stride as usize),
        (&[batch, rows, cols], &[step, 1, stride]) if stride > 0 && step >= 0 => {
            return transpose(src, offset, (batch, step as usize), rows, cols, stride as usize)
        }
        _ => {}
    }
    let inner = shape[rank - 1];
    let is = strides[rank - 1];
    let outer = &shape[..rank - 1];
    super::elementwise::fill(n, inner, |s, d| {
        // The index of the chunk's first row, then an odometer over the outer dimensions
        // (a division per dimension per row costs more than copying a short row).
        let (mut small, mut large) = ([0usize; 8], Vec::new());
        let idx: &mut [usize] = if rank - 1 <= small.len() {
            &mut small[..rank - 1]
        } else {
            large.resize(rank - 1, 0);
            &mut large
        };
        let mut r = s / inner;
        let mut off = offset as isize;
        for k in (0..rank - 1).rev() {
            idx[k] = r % outer[k];
            r /= outer[k];
            off += idx[k] as isize * strides[k];
        }
        for chunk in d.chunks_mut(inner) {
            let at = off as usize;
            if is == 1 {
                for (o, &v) in chunk.iter_mut().zip(&src[at..at + inner]) {
                    o.write(v);
                }
            } else if is == -1 {
                // A reversed row (`tf.reverse` on the last axis), eight elements at a time
                // (an array reversal vectorises; a backwards element walk does not).
                let row = &src[at + 1 - inner..=at];
                let (mut to, mut from) = (chunk.chunks_exact_mut(8), row.rchunks_exact(8));
                for (t, f) in (&mut to).zip(&mut from) {
                    let mut a: [T; 8] = f.try_into().expect("eight");
                    a.reverse();
                    for (o, v) in t.iter_mut().zip(a) {
                        o.write(v);
                    }
                }
                for (o, &v) in to.into_remainder().iter_mut().zip(from.remainder().iter().rev()) {
                    o.write(v);
                }
            } else {
                for (j, o) in chunk.iter_mut().enumerate() {
                    o.write(src[(off + j as isize * is) as usize]);
                }
            }
            for k in (0..rank - 1).rev() {
                idx[k] += 1;
                off += strides[k];
                if idx[k] < outer[k] {
                    break;
                }
                off -= idx[k] as isize * strides[k];
                idx[k] = 0;
            }
        }
    })
}

/// `out[b][i][j] = src[offset + b * step + i + j * stride]` for `batch` (`.0`) matrices of
/// `rows×cols`, `step` (`.1`) apart: matrices transposed. Eight rows of out at a time, so
/// each step reads eight adjacent values of one source row and the eight rows being written
/// stay in cache (element by element down the source's columns, a 512² float transpose ran
/// at ~4 GB/s).
fn transpose<T: Copy + Send + Sync + 'static>(
    src: &[T],
    offset: usize,
    (batch, step): (usize, usize),
    rows: usize,
    cols: usize,
    stride: usize,
) -> Vec<T> {
    // Every address read is at most this: one clear message rather than an index panic.
    assert!(
        offset + (batch - 1) * step + (rows - 1) + (cols - 1) * stride < src.len(),
        "strided_copy: view outside the source"
    );
    // One matrix is split by bands across the pool; a batch, by whole matrices (split by
    // bands, a [32, 32, 784] batch took 7% longer).
    let m = rows * cols;
    let align = if batch == 1 { BAND * cols } else { m };
    super::elementwise::fill(batch * m, align, |mut s, mut d| {
        // A part may end one matrix and begin the next.
        while !d.is_empty() {
            let len = (m - s % m).min(d.len());
            let (head, rest) = std::mem::take(&mut d).split_at_mut(len);
            transpose_rows(src, offset + s / m * step, cols, stride, s % m / cols, head);
            s += head.len();
            d = rest;
        }
    })
}

/// Output rows per step of a transpose.
const BAND: usize = 8;

/// Rows `r0..` of the transpose `out[i][j] = src[offset + i + j * stride]` (`cols` wide) into
/// `d`, whole rows, `BAND` at a time from `r0`.
fn transpose_rows<T: Copy>(src: &[T], offset: usize, cols: usize, stride: usize, r0: usize, d: &mut [std::mem::MaybeUninit<T>]) {
    for (b, band) in d.chunks_mut(BAND * cols).enumerate() {
        let (top, h) = (r0 + b * BAND, band.len() / cols);
        for j in 0..cols {
            let from = &src[offset + top + j * stride..][..h];
            for (a, &v) in from.iter().enumerate() {
                band[a * cols + j].write(v);
            }
        }
    }
}

/// The most dimensions [`merge_dims`] merges into (more are copied as they are).
const MERGED_MAX: usize = 8;

/// `shape`/`strides` with each dimension that continues the one inside it (its stride is
/// that one's stride times its size) folded into it and size-1 dimensions left out, written
/// to `ms`/`mst`; returns how many remain, or `None` when there are more than fit.
fn merge_dims(shape: &[usize], strides: &[isize], ms: &mut [usize; MERGED_MAX], mst: &mut [isize; MERGED_MAX]) -> Option<usize> {
    let mut r = 0;
    for (&d, &st) in shape.iter().zip(strides).rev() {
        if d == 1 {
            continue;
        }
        if r > 0 && st == mst[r - 1] * ms[r - 1] as isize {
            ms[r - 1] *= d;
        } else if r < MERGED_MAX {
            (ms[r], mst[r]) = (d, st);
            r += 1;
        } else {
            return None;
        }
    }
    // Innermost first above; outermost first for the copy.
    ms[..r].reverse();
    mst[..r].reverse();
    Some(r)
}

/// Writes the row-major `src` of `shape` into `dst[offset + Σ idx[d] * strides[d]]`.
pub fn strided_write<T: Copy>(src: &[T], shape: &[usize], dst: &mut [T], offset: usize, strides: &[usize]) {
    let n: usize = shape.iter().product();
    if n == 0 {
        return;
    }
    let rank = shape.len();
    if rank == 0 {
        dst[offset] = src[0];
        return;
    }
    let inner = shape[rank - 1];
    for (row, chunk) in src.chunks_exact(inner).enumerate() {
        let mut off = offset;
        let mut r = row;
        for k in (0..rank - 1).rev() {
            off += (r % shape[k]) * strides[k];
            r /= shape[k];
        }
        let is = strides[rank - 1];
        for (j, &v) in chunk.iter().enumerate() {
            dst[off + j * is] = v;
        }
    }
}

/// Row-major strides of a shape.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut acc = 1;
    for (i, &d) in shape.iter().enumerate().rev() {
        s[i] = acc;
        acc *= d;
    }
    s
}

/// Concatenates `parts` (each `[outer, len_i]` in row-major order) along their second axis.
pub fn concat<T: Copy>(parts: &[(&[T], usize)], outer: usize) -> Vec<T> {
    let total: usize = parts.iter().map(|p| p.1).sum();
    let mut out = Vec::with_capacity(outer * total);
    for o in 0..outer {
        for &(data, len) in parts {
            out.extend_from_slice(&data[o * len..(o + 1) * len]);
        }
    }
    out
}

/// Gathers of at least this many values are split across the threads by columns, each
/// copying its columns of every row, when rows are [`GATHER_SPLIT_MIN_COLS`] per thread or
/// wider: a batch of a dataset's rows is then already in the cache of the thread that reads
/// those columns next (a dense layer's product at a small batch is split along k, each
/// thread taking its own columns of the batch), instead of being pulled over from the core
/// that gathered it.
const GATHER_SPLIT_MIN: usize = 1 << 13;
/// See [`GATHER_SPLIT_MIN`].
const GATHER_SPLIT_MIN_COLS: usize = 64;

/// `out[o, j, i] = x[o, idx[j], i]` for `x` viewed as `[outer, axis_len, inner]`. Returns the
/// position of the first index outside `0..axis_len` as an error.
pub fn gather<T: Copy + Send + Sync + 'static>(x: &[T], outer: usize, axis_len: usize, inner: usize, idx: &[i64]) -> Result<Vec<T>, usize> {
    if let Some(bad) = idx.iter().position(|&i| i < 0 || i as usize >= axis_len) {
        return Err(bad);
    }
    let n = outer * idx.len() * inner;
    let mut out: Vec<T> = super::recycle::take_any(n);
    out.reserve_exact(n);
    let dst = super::SendPtr(out.as_mut_ptr());
    // Columns `c` of every gathered row.
    let copy = |c: std::ops::Range<usize>| {
        for o in 0..outer {
            for (r, &j) in idx.iter().enumerate() {
                let src = &x[(o * axis_len + j as usize) * inner..][c.clone()];
                // SAFETY: row (o, r)'s columns `c` are inside the `n` reserved values, no
                // other thread copies them (the parts are disjoint), and `src` holds `c.len()`.
                unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.get().add((o * idx.len() + r) * inner + c.start), c.len()) };
            }
        }
    };
    let threads = super::num_threads();
    if threads > 1 && n >= GATHER_SPLIT_MIN && inner >= GATHER_SPLIT_MIN_COLS * threads {
        let cols = super::split_range(inner, threads, 16);
        super::parallel_for(cols.len(), |t| copy(cols[t].clone()));
    } else {
        copy(0..inner);
    }
    // SAFETY: the parts cover every column of every row: all `n` values are written.
    unsafe { out.set_len(n) };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_reverse_broadcast_through_strides() {
        let x = [1, 2, 3, 4, 5, 6]; // [2,3]
        assert_eq!(strided_copy(&x, 0, &[1, 3], &[3, 2]), vec![1, 4, 2, 5, 3, 6]);
        assert_eq!(strided_copy(&x, 2, &[3, -1], &[2, 3]), vec![3, 2, 1, 6, 5, 4]);
        assert_eq!(strided_copy(&x, 0, &[0, 1], &[2, 3]), vec![1, 2, 3, 1, 2, 3]);
        assert_eq!(strided_copy(&x, 4, &[], &[]), vec![5]);
    }

    /// `strided_copy` element by element: the definition it must match.
    fn strided_reference(src: &[i32], offset: usize, strides: &[isize], shape: &[usize]) -> Vec<i32> {
        let n: usize = shape.iter().product();
        (0..n)
            .map(|mut i| {
                let mut off = offset as isize;
                for k in (0..shape.len()).rev() {
                    off += (i % shape[k]) as isize * strides[k];
                    i /= shape[k];
                }
                src[off as usize]
            })
            .collect()
    }

    #[test]
    fn strided_copies_match_the_definition_for_every_rank_and_stride_sign() {
        let src: Vec<i32> = (0..200_000).collect();
        // (shape, strides, offset): transposes, reversed rows (odd and multiple-of-8 lengths),
        // reversed middle axes, broadcasts, and one large enough to split across threads.
        let cases: Vec<(Vec<usize>, Vec<isize>, usize)> = vec![
            (vec![5], vec![-1], 4),
            (vec![3, 28], vec![28, -1], 27),
            (vec![3, 16], vec![16, -1], 15),
            (vec![4, 3, 5], vec![-15, 5, 1], 45),
            (vec![2, 3, 4, 5], vec![60, -20, 1, 4], 40),
            (vec![3, 1, 4], vec![4, 0, -1], 3),
            (vec![2, 9, 3, 2, 2], vec![108, 12, -4, 2, 1], 8),
            (vec![300, 300], vec![1, 300], 0),
            (vec![4, 100, 250], vec![25_000, -250, -1], 24_999),
            // Merged dimensions: whole rows of images (one run, and one long enough to
            // split), size-1 dimensions, a broadcast of one value, a single value, and more
            // dimensions than merge (a 9-d transpose).
            (vec![3, 28, 28], vec![784, 28, 1], 1568),
            (vec![4, 100, 250], vec![25_000, 250, 1], 7),
            (vec![2, 1, 3, 1], vec![3, 7, 1, 9], 2),
            (vec![2, 3], vec![0, 0], 5),
            (vec![1, 1], vec![5, 9], 3),
            (vec![2; 9], vec![1, 2, 4, 8, 16, 32, 64, 128, 256], 0),
            // Matrix transposes: rows not a multiple of the band, a strided source (a
            // transposed slice), and one large enough to split across threads.
            (vec![13, 5], vec![1, 13], 0),
            (vec![7, 9], vec![1, 20], 3),
            (vec![300, 301], vec![1, 300], 11),
            // Batches of transposes: NHWC [2, 3, 4, 5] to NCHW, and [3, 20, 30] from a
            // strided batch.
            (vec![2, 5, 3, 4], vec![60, 1, 20, 5], 0),
            (vec![3, 20, 30], vec![700, 1, 21], 9),
        ];
        for (shape, strides, offset) in cases {
            let got = strided_copy(&src, offset, &strides, &shape);
            assert_eq!(got, strided_reference(&src, offset, &strides, &shape), "{shape:?} {strides:?}");
        }
    }

    #[test]
    fn write_concat_gather() {
        let mut dst = vec![0; 12]; // [3,4], write [2,2] at (1,1)
        strided_write(&[1, 2, 3, 4], &[2, 2], &mut dst, 5, &[4, 1]);
        assert_eq!(dst, vec![0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0]);
        assert_eq!(concat(&[(&[1, 2][..], 1), (&[3, 4, 5, 6][..], 2)], 2), vec![1, 3, 4, 2, 5, 6]);
        assert_eq!(gather(&[1, 2, 3], 1, 3, 1, &[2, 0]), Ok(vec![3, 1]));
        assert_eq!(gather(&[1, 2, 3], 1, 3, 1, &[0, 3]), Err(1));
    }

    /// A gather large enough to be split across the threads by columns (a batch of 40 of a
    /// dataset's 300-value rows; and with 2 outer slices) equals the row-by-row copy.
    #[test]
    fn a_gather_split_by_columns_equals_the_serial_copy() {
        for (outer, axis_len, inner) in [(1, 50, 300), (2, 50, 300)] {
            let x: Vec<i32> = (0..(outer * axis_len * inner) as i32).collect();
            let idx: Vec<i64> = (0..40).map(|i| (i * 7 % axis_len) as i64).collect();
            let mut want = Vec::new();
            for o in 0..outer {
                for &j in &idx {
                    let base = (o * axis_len + j as usize) * inner;
                    want.extend_from_slice(&x[base..base + inner]);
                }
            }
            assert!(want.len() >= GATHER_SPLIT_MIN && inner >= GATHER_SPLIT_MIN_COLS * 2);
            assert_eq!(gather(&x, outer, axis_len, inner, &idx), Ok(want));
        }
    }
}
