//! Shape and movement functions: `reshape`, `transpose`, `expand_dims`, `squeeze`, `concat`,
//! `stack`, `unstack`, `split`, `slice`, `gather`, `gather_nd`, `scatter_nd`, `tile`, `pad`,
//! `broadcast_to`, `one_hot`, `boolean_mask`, `reverse`, `top_k`, `sort`, `argsort`.

use super::math::{cast, negative};
use super::run;
use crate::ops::{movement as m, Attrs};
use crate::shape::normalize_axis;
use crate::{DType, Tensor};

fn to_i64(v: &[usize]) -> Vec<i64> {
    v.iter().map(|&d| d as i64).collect()
}

/// `tf.reshape(x, shape)`: same values, new shape; one dimension may be `-1`. Free: the
/// result shares the input's buffer.
///
/// ```
/// use tf_core as tf;
/// let x = tf::range(6);
/// assert_eq!(tf::reshape(&x, [2, -1]).shape().dims(), &[2, 3]);
/// ```
#[track_caller]
pub fn reshape(x: &Tensor, shape: impl AsRef<[i64]>) -> Tensor {
    run(&m::RESHAPE, &[x], Attrs::new().ints("shape", shape.as_ref()))
}

/// `tf.shape(x)`: the dimensions of `x` as an int32 vector, computed when the op runs — inside
/// a function traced with unknown dimensions, the real ones (`x.shape()` is the static shape).
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::shape(&tf::zeros([2, 3], tf::float32)).to_vec::<i32>(), vec![2, 3]);
/// ```
#[track_caller]
pub fn shape(x: &Tensor) -> Tensor {
    run(&crate::ops::shape::SHAPE, &[x], Attrs::new())
}

/// `tf.fill(dims, value)` with `dims` a tensor (the `Fill` op): a tensor of that shape, read
/// when the op runs, holding the scalar `value` everywhere — inside a function traced with
/// unknown dimensions, a run-time shape (`tf::fill` takes a shape known now).
///
/// ```
/// use tf_core as tf;
/// let t = tf::fill_dims(&tf::constant([2i32, 3]), &tf::constant(9i32));
/// assert_eq!(t.shape().dims(), &[2, 3]);
/// assert_eq!(t.to_vec::<i32>(), vec![9; 6]);
/// ```
///
/// # Panics
/// When `dims` is not an int32/int64 vector of non-negative values or `value` not a scalar.
#[track_caller]
pub fn fill_dims(dims: &Tensor, value: &Tensor) -> Tensor {
    run(&crate::ops::shape::FILL, &[dims, value], Attrs::new())
}

/// `tf.size(x)`: the number of elements of `x`, an int32 scalar computed when the op runs.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::size(&tf::zeros([2, 3], tf::float32)).scalar::<i32>(), 6);
/// ```
#[track_caller]
pub fn size(x: &Tensor) -> Tensor {
    run(&crate::ops::shape::SIZE, &[x], Attrs::new())
}

/// `tf.transpose(x, perm)`; `None` reverses the axes.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// let t = tf::transpose(&x, None);
/// assert_eq!(t.shape().dims(), &[3, 2]);
/// assert_eq!(t.to_vec::<f32>(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// ```
#[track_caller]
pub fn transpose(x: &Tensor, perm: Option<&[i64]>) -> Tensor {
    let perm: Vec<i64> = perm.map_or_else(|| (0..x.rank() as i64).rev().collect(), <[i64]>::to_vec);
    run(&m::TRANSPOSE, &[x], Attrs::new().ints("perm", perm))
}

/// `tf.expand_dims(x, axis)`: inserts a dimension of size 1 (axis in `[-rank-1, rank]`).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1, 2]);
/// assert_eq!(tf::expand_dims(&x, 0).shape().dims(), &[1, 2]);
/// assert_eq!(tf::expand_dims(&x, -1).shape().dims(), &[2, 1]);
/// ```
#[track_caller]
pub fn expand_dims(x: &Tensor, axis: i64) -> Tensor {
    let ax = normalize_axis(axis, x.rank() + 1).unwrap_or_else(|e| panic!("ExpandDims: {e}"));
    let mut dims = to_i64(x.shape().dims());
    dims.insert(ax, 1);
    reshape(x, dims)
}

/// `tf.squeeze(x, axis)`: removes dimensions of size 1 (all of them when `axis` is empty).
///
/// ```
/// use tf_core as tf;
/// let x = tf::zeros([1, 2, 1, 3], tf::float32);
/// assert_eq!(tf::squeeze(&x, &[]).shape().dims(), &[2, 3]);
/// assert_eq!(tf::squeeze(&x, &[2]).shape().dims(), &[1, 2, 3]);
/// ```
#[track_caller]
pub fn squeeze(x: &Tensor, axis: &[i64]) -> Tensor {
    let dims = x.shape().dims();
    let axes = crate::shape::normalize_axes(Some(axis), dims.len()).unwrap_or_else(|e| panic!("Squeeze: {e}"));
    for &a in &axes {
        if dims[a] != 1 {
            panic!(
                "Squeeze: Can not squeeze dim[{a}], expected a dimension of 1, got {} (shape {dims:?})",
                dims[a]
            );
        }
    }
    let keep: Vec<i64> = dims
        .iter()
        .enumerate()
        .filter(|&(i, &d)| if axes.is_empty() { d != 1 } else { !axes.contains(&i) })
        .map(|(_, &d)| d as i64)
        .collect();
    reshape(x, keep)
}

/// `tf.concat(values, axis)`.
///
/// ```
/// use tf_core as tf;
/// let t1 = tf::constant([[1, 2, 3], [4, 5, 6]]);
/// let t2 = tf::constant([[7, 8, 9], [10, 11, 12]]);
/// assert_eq!(tf::concat(&[&t1, &t2], 0).shape().dims(), &[4, 3]);
/// let c = tf::concat(&[&t1, &t2], 1);
/// assert_eq!(c.to_vec::<i32>(), vec![1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12]);
/// ```
#[track_caller]
pub fn concat(values: &[&Tensor], axis: i64) -> Tensor {
    run(&m::CONCAT, values, Attrs::new().int("axis", axis))
}

/// `tf.stack(values, axis)`: joins equal-shaped tensors along a new axis.
///
/// ```
/// use tf_core as tf;
/// let (x, y, z) = (tf::constant([1, 4]), tf::constant([2, 5]), tf::constant([3, 6]));
/// assert_eq!(tf::stack(&[&x, &y, &z], 0).to_vec::<i32>(), vec![1, 4, 2, 5, 3, 6]);
/// let s = tf::stack(&[&x, &y, &z], 1);
/// assert_eq!(s.shape().dims(), &[2, 3]);
/// assert_eq!(s.to_vec::<i32>(), vec![1, 2, 3, 4, 5, 6]);
/// ```
#[track_caller]
pub fn stack(values: &[&Tensor], axis: i64) -> Tensor {
    let first = values.first().unwrap_or_else(|| panic!("Pack: expected at least one tensor"));
    for (i, v) in values.iter().enumerate() {
        if v.shape() != first.shape() {
            panic!(
                "Pack: Shapes of all inputs must match: values[0].shape = {:?} != values[{i}].shape = {:?}",
                first.shape(),
                v.shape()
            );
        }
    }
    let expanded: Vec<Tensor> = values.iter().map(|v| expand_dims(v, axis)).collect();
    concat(&expanded.iter().collect::<Vec<_>>(), axis)
}

/// `tf.unstack(x, axis)`: the slices along `axis`, that axis removed.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1, 2, 3], [4, 5, 6]]);
/// let cols = tf::unstack(&x, 1);
/// assert_eq!(cols.len(), 3);
/// assert_eq!(cols[0].to_vec::<i32>(), vec![1, 4]);
/// assert_eq!(cols[2].to_vec::<i32>(), vec![3, 6]);
/// ```
#[track_caller]
pub fn unstack(x: &Tensor, axis: i64) -> Vec<Tensor> {
    let ax = normalize_axis(axis, x.rank()).unwrap_or_else(|e| panic!("Unpack: {e}"));
    let n = x.shape().dims()[ax];
    split(x, &vec![1; n], axis).iter().map(|p| squeeze(p, &[ax as i64])).collect()
}

/// `tf.split(x, sizes, axis)`: pieces of the given sizes along `axis`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::zeros([5, 30], tf::float32);
/// let parts = tf::split(&x, &[4, 15, 11], 1);
/// let shapes: Vec<&[usize]> = parts.iter().map(|p| p.shape().dims()).collect();
/// assert_eq!(shapes, [&[5, 4][..], &[5, 15], &[5, 11]]);
/// ```
///
/// # Panics
/// When the sizes do not add up to the axis length.
#[track_caller]
pub fn split(x: &Tensor, sizes: &[usize], axis: i64) -> Vec<Tensor> {
    let ax = normalize_axis(axis, x.rank()).unwrap_or_else(|e| panic!("Split: {e}"));
    let dims = x.shape().dims();
    let total: usize = sizes.iter().sum();
    if total != dims[ax] {
        panic!("Split: Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified. Got: {total} vs {}", dims[ax]);
    }
    let mut start = 0;
    sizes
        .iter()
        .map(|&len| {
            let mut begin = vec![0i64; dims.len()];
            let mut size: Vec<i64> = to_i64(dims);
            begin[ax] = start as i64;
            size[ax] = len as i64;
            start += len;
            slice(x, &begin, &size)
        })
        .collect()
}

/// `tf.slice(x, begin, size)`: the block starting at `begin`; a size of `-1` runs to the end.
///
/// ```
/// use tf_core as tf;
/// let t = tf::constant([[[1, 1, 1], [2, 2, 2]], [[3, 3, 3], [4, 4, 4]], [[5, 5, 5], [6, 6, 6]]]);
/// assert_eq!(tf::slice(&t, &[1, 0, 0], &[1, 1, 3]).to_vec::<i32>(), vec![3, 3, 3]);
/// let s = tf::slice(&t, &[1, 0, 0], &[1, 2, 3]);
/// assert_eq!(s.shape().dims(), &[1, 2, 3]);
/// assert_eq!(s.to_vec::<i32>(), vec![3, 3, 3, 4, 4, 4]);
/// ```
#[track_caller]
pub fn slice(x: &Tensor, begin: &[i64], size: &[i64]) -> Tensor {
    let dims = x.shape().dims();
    if begin.len() != dims.len() || size.len() != dims.len() {
        panic!(
            "Slice: Expected begin and size arguments to be 1-D tensors of size {}, but got shapes [{}] and [{}] instead.",
            dims.len(),
            begin.len(),
            size.len()
        );
    }
    if !x.shape().is_fully_defined() {
        // A dimension unknown when traced: a strided slice, whose ranges resolve when the graph
        // runs (`-1` is "to the end").
        let items: Vec<super::SliceItem> = begin
            .iter()
            .zip(size)
            .map(|(&b, &s)| super::SliceItem::Range {
                start: Some(b),
                end: (s != -1).then_some(b + s),
                step: 1,
            })
            .collect();
        return super::strided_slice(x, &items);
    }
    let mut end = Vec::with_capacity(dims.len());
    for d in 0..dims.len() {
        let n = dims[d] as i64;
        let e = if size[d] == -1 { n } else { begin[d] + size[d] };
        if begin[d] < 0 || begin[d] > n || size[d] < -1 || e > n {
            panic!("Slice: Expected size[{d}] in [0, {}], but got {}", n - begin[d], size[d]);
        }
        end.push(e);
    }
    run(
        &m::STRIDED_SLICE,
        &[x],
        Attrs::new()
            .ints("begin", begin)
            .ints("end", end)
            .ints("strides", vec![1; dims.len()]),
    )
}

/// `tf.gather(params, indices, axis)`: slices of `params` along `axis`.
///
/// ```
/// use tf_core as tf;
/// let params = tf::constant([10, 11, 12, 13, 14, 15]);
/// let g = tf::gather(&params, &tf::constant([2, 0, 2, 5]), 0);
/// assert_eq!(g.to_vec::<i32>(), vec![12, 10, 12, 15]);
/// let x = tf::constant([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// assert_eq!(tf::gather(&x, &tf::constant([2, 0]), 1).to_vec::<f32>(), vec![3.0, 1.0, 6.0, 4.0]);
/// ```
///
/// # Panics
/// When an index is outside `[0, params.shape[axis])`.
#[track_caller]
pub fn gather(params: &Tensor, indices: &Tensor, axis: i64) -> Tensor {
    run(&m::GATHER, &[params, indices], Attrs::new().int("axis", axis))
}

/// `tf.gather_nd(params, indices)`.
///
/// ```
/// use tf_core as tf;
/// let params = tf::constant([[1, 2], [3, 4]]);
/// let g = tf::gather_nd(&params, &tf::constant([[0, 0], [1, 1]]));
/// assert_eq!(g.to_vec::<i32>(), vec![1, 4]);
/// ```
#[track_caller]
pub fn gather_nd(params: &Tensor, indices: &Tensor) -> Tensor {
    run(&m::GATHER_ND, &[params, indices], Attrs::new())
}

/// `tf.scatter_nd(indices, updates, shape)`: zeros of `shape` with `updates` added at
/// `indices`.
///
/// ```
/// use tf_core as tf;
/// let indices = tf::constant([[4], [3], [1], [7]]);
/// let updates = tf::constant([9, 10, 11, 12]);
/// let s = tf::scatter_nd(&indices, &updates, &[8]);
/// assert_eq!(s.to_vec::<i32>(), vec![0, 11, 0, 10, 9, 0, 0, 12]);
/// ```
#[track_caller]
pub fn scatter_nd(indices: &Tensor, updates: &Tensor, shape: &[usize]) -> Tensor {
    run(&m::SCATTER_ND, &[indices, updates], Attrs::new().ints("shape", to_i64(shape)))
}

/// `tf.tile(x, multiples)`: repeats `x` `multiples[d]` times along each axis.
///
/// ```
/// use tf_core as tf;
/// let t = tf::tile(&tf::constant([[1, 2]]), &[2, 2]);
/// assert_eq!(t.to_vec::<i32>(), vec![1, 2, 1, 2, 1, 2, 1, 2]);
/// ```
#[track_caller]
pub fn tile(x: &Tensor, multiples: &[usize]) -> Tensor {
    let dims = x.shape().dims();
    if multiples.len() != dims.len() {
        panic!(
            "Tile: Expected multiples argument to be a vector of length {} but got length {}",
            dims.len(),
            multiples.len()
        );
    }
    if !x.shape().is_fully_defined() {
        // A traced `None` dimension: copies joined along each repeated axis (the reshapes
        // below need every size).
        return multiples.iter().enumerate().fold(x.clone(), |t, (axis, &k)| match k {
            0 => {
                let mut size = vec![-1; dims.len()];
                size[axis] = 0;
                slice(&t, &vec![0; dims.len()], &size)
            }
            1 => t,
            _ => concat(&vec![&t; k], axis as i64),
        });
    }
    // [a, b] -> [1, a, 1, b] -> broadcast [m, a, n, b] -> [m*a, n*b]
    let inter: Vec<i64> = dims.iter().flat_map(|&d| [1, d as i64]).collect();
    let big: Vec<i64> = dims.iter().zip(multiples).flat_map(|(&d, &k)| [k as i64, d as i64]).collect();
    let out: Vec<i64> = dims.iter().zip(multiples).map(|(&d, &k)| (d * k) as i64).collect();
    reshape(&broadcast_to(&reshape(x, inter), &big), out)
}

/// `tf.pad(x, paddings, constant_values)`: `paddings[d] = (before, after)`.
///
/// ```
/// use tf_core as tf;
/// let t = tf::constant([[1, 2, 3], [4, 5, 6]]);
/// let p = tf::pad(&t, &[(1, 1), (2, 2)], 0.0);
/// assert_eq!(p.shape().dims(), &[4, 7]);
/// assert_eq!(&p.to_vec::<i32>()[7..14], &[0, 0, 1, 2, 3, 0, 0]);
/// ```
#[track_caller]
pub fn pad(x: &Tensor, paddings: &[(usize, usize)], constant_value: f64) -> Tensor {
    let flat: Vec<i64> = paddings.iter().flat_map(|&(a, b)| [a as i64, b as i64]).collect();
    run(
        &m::PAD,
        &[x],
        Attrs::new().ints("paddings", flat).float("constant_values", constant_value),
    )
}

/// `tf.broadcast_to(x, shape)`. A -1 in `shape` keeps `x`'s size there (for a dimension a
/// trace leaves unknown).
///
/// ```
/// use tf_core as tf;
/// let b = tf::broadcast_to(&tf::constant([1, 2, 3]), [3, 3]);
/// assert_eq!(b.to_vec::<i32>(), vec![1, 2, 3, 1, 2, 3, 1, 2, 3]);
/// let c = tf::broadcast_to(&tf::constant([[1], [2]]), [-1, 2]);
/// assert_eq!(c.to_vec::<i32>(), vec![1, 1, 2, 2]);
/// ```
#[track_caller]
pub fn broadcast_to(x: &Tensor, shape: impl AsRef<[i64]>) -> Tensor {
    run(&m::BROADCAST_TO, &[x], Attrs::new().ints("shape", shape.as_ref()))
}

/// `tf.one_hot(indices, depth, on_value=1, off_value=0, axis=-1, dtype)`.
///
/// ```
/// use tf_core as tf;
/// let t = tf::one_hot(&tf::constant([0, 2, -1]), 3, 1.0, 0.0, -1, tf::float32);
/// assert_eq!(t.to_vec::<f32>(), vec![1., 0., 0., 0., 0., 1., 0., 0., 0.]);
/// ```
#[track_caller]
pub fn one_hot(indices: &Tensor, depth: usize, on_value: f64, off_value: f64, axis: i64, dtype: DType) -> Tensor {
    run(
        &m::ONE_HOT,
        &[indices],
        Attrs::new()
            .int("depth", depth as i64)
            .float("on_value", on_value)
            .float("off_value", off_value)
            .int("axis", axis)
            .dtype("dtype", dtype),
    )
}

/// `tf.boolean_mask(x, mask)`: the elements (or rows) of `x` where `mask` is true; `mask`'s
/// shape must match the leading dimensions of `x`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([0, 1, 2, 3]);
/// let m = tf::boolean_mask(&x, &tf::constant([true, false, true, false]));
/// assert_eq!(m.to_vec::<i32>(), vec![0, 2]);
/// ```
#[track_caller]
pub fn boolean_mask(x: &Tensor, mask: &Tensor) -> Tensor {
    let (xd, md) = (x.shape().dims(), mask.shape().dims());
    if mask.dtype() != DType::Bool || md.len() > xd.len() || xd[..md.len()] != *md {
        panic!("BooleanMask: mask must be a bool tensor whose shape {md:?} matches the leading dimensions of the tensor {xd:?}");
    }
    let k = md.len();
    let lead: usize = md.iter().product();
    let mut flat: Vec<i64> = vec![lead as i64];
    flat.extend(xd[k..].iter().map(|&d| d as i64));
    let idx = run(&m::WHERE, &[&reshape(mask, [lead as i64])], Attrs::new());
    let idx = reshape(&idx, [-1]);
    gather(&reshape(x, flat), &idx, 0)
}

/// `tf.where(condition)` with one argument: the coordinates of the true elements, an int64
/// matrix with one row per true element (row-major order) and one column per dimension.
/// Traced, the number of rows is unknown until the graph runs.
///
/// ```
/// use tf_core as tf;
/// let at = tf::where_indices(&tf::constant([[true, false], [false, true]]));
/// assert_eq!(at.to_vec::<i64>(), vec![0, 0, 1, 1]);
/// ```
#[track_caller]
pub fn where_indices(condition: &Tensor) -> Tensor {
    run(&m::WHERE, &[condition], Attrs::new())
}

/// `tf.reverse(x, axis)`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// assert_eq!(tf::reverse(&x, &[1]).to_vec::<f32>(), vec![3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
/// assert_eq!(tf::reverse(&x, &[0]).to_vec::<f32>(), vec![4.0, 5.0, 6.0, 1.0, 2.0, 3.0]);
/// ```
#[track_caller]
pub fn reverse(x: &Tensor, axis: &[i64]) -> Tensor {
    run(&m::REVERSE, &[x], Attrs::new().ints("axis", axis))
}

/// `tf.math.top_k(x, k)`: the `k` largest values along the last axis, descending, and their
/// int32 indices.
///
/// ```
/// use tf_core as tf;
/// let (values, indices) = tf::top_k(&tf::constant([1.0f32, 3.0, 2.0, 5.0, 4.0]), 2);
/// assert_eq!(values.to_vec::<f32>(), vec![5.0, 4.0]);
/// assert_eq!(indices.to_vec::<i32>(), vec![3, 4]);
/// ```
#[track_caller]
pub fn top_k(x: &Tensor, k: usize) -> (Tensor, Tensor) {
    let mut out = crate::ops::execute(&m::TOP_K, &[x], &Attrs::new().int("k", k as i64));
    let idx = out.pop().expect("two outputs");
    (out.pop().expect("two outputs"), idx)
}

/// Moves `axis` last, applies `f`, and moves it back.
#[track_caller]
fn along_last(x: &Tensor, axis: i64, f: impl FnOnce(&Tensor) -> Tensor) -> Tensor {
    let r = x.rank() as i64;
    let ax = normalize_axis(axis, x.rank()).unwrap_or_else(|e| panic!("Sort: {e}")) as i64;
    if ax == r - 1 {
        return f(x);
    }
    let mut perm: Vec<i64> = (0..r).collect();
    perm.swap(ax as usize, (r - 1) as usize);
    transpose(&f(&transpose(x, Some(&perm))), Some(&perm))
}

/// `tf.sort(x, axis, direction)`: `descending = false` sorts ascending.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1.0f32, 10.0, 26.7, 2.8, 2.4]);
/// assert_eq!(tf::sort(&x, -1, false).to_vec::<f32>(), vec![1.0, 2.4, 2.8, 10.0, 26.7]);
/// assert_eq!(tf::sort(&x, -1, true).to_vec::<f32>(), vec![26.7, 10.0, 2.8, 2.4, 1.0]);
/// ```
#[track_caller]
pub fn sort(x: &Tensor, axis: i64, descending: bool) -> Tensor {
    along_last(x, axis, |t| {
        let n = *t.shape().dims().last().unwrap_or(&1);
        if descending {
            top_k(t, n).0
        } else {
            negative(&top_k(&negative(t), n).0)
        }
    })
}

/// `tf.searchsorted(sorted_sequence, values, side)`: for each value, where it would go in its
/// row of the ascending `sorted_sequence` (`[..., n]`; `values` `[..., m]` with the same
/// leading dimensions) — before equal entries for `side = "left"`, after them for `"right"`.
/// int32 indices.
///
/// ```
/// use tf_core as tf;
/// let edges = tf::constant([[0.0f32, 3.0, 9.0, 9.0, 10.0], [1.0, 2.0, 3.0, 4.0, 5.0]]);
/// let values = tf::constant([[2.0f32, 4.0, 9.0], [0.0, 2.1, 6.0]]);
/// assert_eq!(tf::searchsorted(&edges, &values, "left").to_vec::<i32>(), vec![1, 2, 2, 0, 2, 5]);
/// assert_eq!(tf::searchsorted(&edges, &values, "right").to_vec::<i32>(), vec![1, 2, 4, 0, 2, 5]);
/// ```
///
/// # Panics
/// On a `side` other than `"left"` or `"right"`, and where `LowerBound` rejects the shapes or
/// dtypes (different ranks or leading dimensions, different dtypes).
#[track_caller]
pub fn searchsorted(sorted_sequence: &Tensor, values: &Tensor, side: &str) -> Tensor {
    let op = match side {
        "left" => &crate::ops::search::LOWER_BOUND,
        "right" => &crate::ops::search::UPPER_BOUND,
        other => panic!("side must be \"left\" or \"right\", got {other:?}"),
    };
    run(op, &[sorted_sequence, values], Attrs::new().dtype("out_type", DType::I32))
}

/// `tf.math.bincount(x, minlength=size, maxlength=size)`: how often each of `0..size` occurs
/// in the int `x` — over all of a `[n]` input (`[size]`), or per row of a `[batch, n]` one
/// (`[batch, size]`, TensorFlow's `axis=-1`); values `>= size` are left out.
/// `binary_output` gives 1 where a value occurs at all.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1i32, 1, 3], [0, 4, 9]]);
/// assert_eq!(tf::bincount(&x, 5, false, tf::int32).to_vec::<i32>(), vec![0, 2, 0, 1, 0, 1, 0, 0, 0, 1]);
/// assert_eq!(tf::bincount(&tf::constant([2i64, 2, 0]), 3, true, tf::float32).to_vec::<f32>(), vec![1.0, 0.0, 1.0]);
/// ```
///
/// # Panics
/// For an input that is not an int32/int64 tensor of rank 1 or 2, or with a negative value
/// (as TensorFlow's error).
#[track_caller]
pub fn bincount(x: &Tensor, size: usize, binary_output: bool, dtype: DType) -> Tensor {
    let attrs = Attrs::new()
        .int("size", size as i64)
        .flag("binary_output", binary_output)
        .dtype("dtype", dtype);
    run(&crate::ops::search::DENSE_BINCOUNT, &[x], attrs)
}

/// `tf.argsort(x, axis, direction)`: int32 indices that sort `x` (stable).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1.0f32, 10.0, 26.7, 2.8, 2.4]);
/// assert_eq!(tf::argsort(&x, -1, false).to_vec::<i32>(), vec![0, 4, 3, 1, 2]);
/// assert_eq!(tf::argsort(&x, -1, true).to_vec::<i32>(), vec![2, 1, 3, 4, 0]);
/// ```
#[track_caller]
pub fn argsort(x: &Tensor, axis: i64, descending: bool) -> Tensor {
    along_last(x, axis, |t| {
        let n = *t.shape().dims().last().unwrap_or(&1);
        if descending {
            top_k(t, n).1
        } else {
            top_k(&negative(&cast(t, if t.dtype().is_float() { t.dtype() } else { DType::I64 })), n).1
        }
    })
}

/// `tf.identity(x)`: the same tensor (tensors are immutable and cheap to clone; a
/// variable's current value is `v.value()`).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1.0f32, 2.0]);
/// assert_eq!(tf::identity(&x).to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
pub fn identity(x: &Tensor) -> Tensor {
    x.clone()
}

/// `tf.repeat(input, repeats, axis)`: each slice along `axis` repeated — all `repeats[0]`
/// times when `repeats` has one entry, else slice i `repeats[i]` times. `axis = None`
/// repeats the flattened values.
///
/// ```
/// use tf_core as tf;
/// // TensorFlow's documented examples.
/// let x = tf::constant([[1, 2], [3, 4]]);
/// assert_eq!(tf::repeat(&x, &[3, 2], Some(0)).to_vec::<i32>(), vec![1, 2, 1, 2, 1, 2, 3, 4, 3, 4]);
/// assert_eq!(tf::repeat(&x, &[1, 2], Some(1)).to_vec::<i32>(), vec![1, 2, 2, 3, 4, 4]);
/// assert_eq!(tf::repeat(&x, &[2], None).to_vec::<i32>(), vec![1, 1, 2, 2, 3, 3, 4, 4]);
/// ```
///
/// # Panics
/// When `repeats` has neither one entry nor one per slice along `axis`.
#[track_caller]
pub fn repeat(x: &Tensor, repeats: &[usize], axis: Option<i64>) -> Tensor {
    let (x, axis) = match axis {
        Some(a) => (x.clone(), a),
        None => (reshape(x, [-1]), 0),
    };
    let ax = normalize_axis(axis, x.rank()).unwrap_or_else(|e| panic!("Repeat: {e}"));
    let n = x.shape().dims()[ax];
    match repeats {
        [r] => {
            // [.., n, ..] -> [.., n, r, ..] -> [.., n * r, ..]
            let mut multiples = vec![1; x.rank() + 1];
            multiples[ax + 1] = *r;
            let mut shape: Vec<i64> = x.shape().dims().iter().map(|&d| d as i64).collect();
            shape[ax] = (n * r) as i64;
            reshape(&tile(&expand_dims(&x, ax as i64 + 1), &multiples), shape)
        }
        rs if rs.len() == n => {
            let picks: Vec<i64> = rs.iter().enumerate().flat_map(|(i, &r)| std::iter::repeat_n(i as i64, r)).collect();
            gather(&x, &super::create::constant(picks), ax as i64)
        }
        rs => panic!(
            "Repeat: repeats has {} entries but axis {axis} has {n} slices (give 1 or {n})",
            rs.len()
        ),
    }
}

/// `tf.roll(input, shift, axis)`: the values shifted along each axis by its shift, those
/// pushed off one end coming back at the other (a negative shift rolls the other way).
///
/// ```
/// use tf_core as tf;
/// // TensorFlow's documented examples.
/// let t = tf::constant([0, 1, 2, 3, 4]);
/// assert_eq!(tf::roll(&t, &[2], &[0]).to_vec::<i32>(), vec![3, 4, 0, 1, 2]);
/// let m = tf::constant([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
/// assert_eq!(tf::roll(&m, &[1, -2], &[0, 1]).to_vec::<i32>(), vec![7, 8, 9, 5, 6, 2, 3, 4, 0, 1]);
/// ```
///
/// # Panics
/// When `shift` and `axis` differ in length, or an axis is out of range.
#[track_caller]
pub fn roll(x: &Tensor, shift: &[i64], axis: &[i64]) -> Tensor {
    assert_eq!(
        shift.len(),
        axis.len(),
        "Roll: shift {shift:?} and axis {axis:?} must have the same length"
    );
    let mut y = x.clone();
    for (&s, &a) in shift.iter().zip(axis) {
        let ax = normalize_axis(a, x.rank()).unwrap_or_else(|e| panic!("Roll: {e}"));
        let n = x.shape().dims()[ax] as i64;
        if n == 0 || s.rem_euclid(n) == 0 {
            continue;
        }
        // Output i is input (i - shift) mod n.
        let picks: Vec<i64> = (0..n).map(|i| (i - s).rem_euclid(n)).collect();
        y = gather(&y, &super::create::constant(picks), ax as i64);
    }
    y
}

/// `tf.meshgrid(*xs, indexing)`: N coordinate grids from N vectors. With `"xy"` (TensorFlow's
/// default) the first two dimensions are swapped: 2-D grids are `[len(y), len(x)]`; with
/// `"ij"` the grids are `[len(x0), len(x1), ...]`.
///
/// ```
/// use tf_core as tf;
/// // TensorFlow's documented example.
/// let (x, y) = (tf::constant([1, 2, 3]), tf::constant([4, 5, 6]));
/// let g = tf::meshgrid(&[&x, &y], "xy");
/// assert_eq!(g[0].to_vec::<i32>(), vec![1, 2, 3, 1, 2, 3, 1, 2, 3]);
/// assert_eq!(g[1].to_vec::<i32>(), vec![4, 4, 4, 5, 5, 5, 6, 6, 6]);
/// ```
///
/// # Panics
/// When `indexing` is neither `"xy"` nor `"ij"`.
#[track_caller]
pub fn meshgrid(xs: &[&Tensor], indexing: &str) -> Vec<Tensor> {
    let xy = match indexing {
        "xy" => xs.len() >= 2,
        "ij" => false,
        other => panic!("meshgrid: indexing must be \"xy\" or \"ij\", got {other:?}"),
    };
    let mut sizes: Vec<i64> = xs.iter().map(|x| x.shape().num_elements() as i64).collect();
    if xy {
        sizes.swap(0, 1);
    }
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            let pos = if xy && i < 2 { 1 - i } else { i };
            let mut shape = vec![1i64; xs.len()];
            shape[pos] = -1;
            broadcast_to(&reshape(x, &shape), &sizes)
        })
        .collect()
}
