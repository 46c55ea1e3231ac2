//! Data movement: `Reshape` (free), `Transpose`, `ConcatV2`, `Slice`, `StridedSlice`,
//! `ReverseV2`, `BroadcastTo`, `PadV2` — all strided copies through one kernel — and the
//! index ops `GatherV2`, `GatherNd`, `ScatterNd`, `OneHot`, `TopKV2`, `Where`.

use super::num::Num;
use super::{
    arity, arity_shaped, check_dtype, execute1, execute_shaped_like, out1, same_dtype, sample, spec, Attrs, Case, Domain, Grad, GradCtx,
    Kernel, OpDef, Outputs, TensorSpec, ALL, NUMERIC,
};
use crate::api;
use crate::shape::{dim_add, dim_compatible, dim_map, normalize_axis};
use crate::{dispatch, DType, Element, Shape, Tensor};
use smallvec::SmallVec;
use tf_kernels::cpu::movement as k;

fn strides_of(dims: &[usize]) -> Vec<usize> {
    k::contiguous_strides(dims)
}

/// Copies the strided view of `x` described by `offset`/`strides` into a tensor of `spec`.
fn view_copy(x: &Tensor, offset: usize, strides: &[isize], view: &[usize], s: &TensorSpec) -> Result<Outputs, String> {
    let buf = dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], T => Element::into_buffer(k::strided_copy(x.data::<T>(), offset, strides, view)));
    out1(buf, s)
}

fn cases_all(shape: &[usize], attrs: Attrs) -> Vec<Case> {
    ALL.iter()
        .map(|&d| Case {
            inputs: vec![sample(d, shape, Domain::Any, 12)],
            attrs: attrs.clone(),
        })
        .collect()
}

/// Resolves a target shape with at most one `-1` against `n` elements; when `n` is unknown
/// (a traced input with unknown dimensions) the `-1` dimension is unknown.
pub(crate) fn resolve_shape(n: usize, target: &[i64]) -> Result<Shape, String> {
    let mut unknown = None;
    let mut known = 1usize;
    for (i, &d) in target.iter().enumerate() {
        if d == -1 {
            if let Some(j) = unknown {
                return Err(format!("Only one input size may be -1, not both {j} and {i}"));
            }
            unknown = Some(i);
        } else if d < 0 {
            return Err(format!("Size {i} must be non-negative, not {d}"));
        } else {
            known *= d as usize;
        }
    }
    let mut dims: SmallVec<[usize; 4]> = target.iter().map(|&d| d.max(0) as usize).collect();
    if n == Shape::UNKNOWN {
        if let Some(j) = unknown {
            dims[j] = Shape::UNKNOWN;
        }
        return Ok(Shape(dims));
    }
    if let Some(j) = unknown {
        if known == 0 || !n.is_multiple_of(known) {
            return Err(format!(
                "Input to reshape is a tensor with {n} values, but the requested shape requires a multiple of {known}"
            ));
        }
        dims[j] = n / known;
    } else if known != n {
        return Err(format!(
            "Input to reshape is a tensor with {n} values, but the requested shape has {known}"
        ));
    }
    Ok(Shape(dims))
}

/// `Reshape` to attribute `shape` (one `-1` allowed). Shares the input's buffer.
pub static RESHAPE: OpDef = OpDef {
    name: "Reshape",
    infer: |i, a| {
        arity(i, 1)?;
        Ok(spec(i[0].dtype(), resolve_shape(i[0].num_elements(), a.get_ints("shape")?)?))
    },
    cpu: Kernel::Alloc(|i, _, s| Ok(smallvec::smallvec![i[0].with_shape(s[0].shape.clone())])),
    domain: Domain::Any,
    cases: || cases_all(&[2, 3], Attrs::new().ints("shape", [3, -1])),
    stateful: false,
    grad: Grad::Rule(|c| vec![Some(api::reshape(c.g(), dims_of(c.x(0))))]),
};

fn perm_of(a: &Attrs, rank: usize) -> Result<Vec<usize>, String> {
    let perm = a.get_ints("perm")?;
    let mut seen = vec![false; rank];
    if perm.len() != rank {
        return Err(format!(
            "transpose expects a vector of size {rank}. But input(1) is a vector of size {}",
            perm.len()
        ));
    }
    perm.iter()
        .map(|&p| {
            let p = normalize_axis(p, rank)?;
            if std::mem::replace(&mut seen[p], true) {
                return Err(format!("{p} is duplicated in perm {perm:?}"));
            }
            Ok(p)
        })
        .collect()
}

/// `Transpose` by attribute `perm`.
pub static TRANSPOSE: OpDef = OpDef {
    name: "Transpose",
    infer: |i, a| {
        arity(i, 1)?;
        let dims = i[0].shape().dims();
        let perm = perm_of(a, dims.len())?;
        Ok(spec(i[0].dtype(), Shape(perm.iter().map(|&p| dims[p]).collect())))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let perm = perm_of(a, x.rank())?;
        let st = strides_of(x.shape().dims());
        let strides: Vec<isize> = perm.iter().map(|&p| st[p] as isize).collect();
        view_copy(x, 0, &strides, s[0].shape.dims(), &s[0])
    }),
    domain: Domain::Any,
    cases: || cases_all(&[2, 3, 4], Attrs::new().ints("perm", [2, 0, 1])),
    stateful: false,
    grad: Grad::Rule(|c| {
        // dx = transpose(dy, inverse(perm))
        let perm = perm_of(c.attrs, c.x(0).rank()).unwrap_or_default();
        let mut inv = vec![0i64; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inv[p] = i as i64;
        }
        vec![Some(api::transpose(c.g(), Some(&inv)))]
    }),
};

/// `ConcatV2` of all inputs along attribute `axis`.
pub static CONCAT: OpDef = OpDef {
    name: "ConcatV2",
    infer: |i, a| {
        if i.is_empty() {
            return Err("expected at least one input".into());
        }
        let first = i[0].shape().dims();
        if first.is_empty() {
            return Err("Can't concatenate scalars (use tf.stack instead)".into());
        }
        let ax = normalize_axis(a.get_int("axis")?, first.len())?;
        let mut out: SmallVec<[usize; 4]> = first.into();
        for (j, t) in i.iter().enumerate().skip(1) {
            same_dtype(i, 0, j)?;
            let d = t.shape().dims();
            if d.len() != first.len()
                || d.iter()
                    .zip(first)
                    .enumerate()
                    .any(|(q, (&x, &y))| q != ax && !dim_compatible(x, y))
            {
                return Err(format!(
                    "ConcatOp : Dimension mismatch of input {j}: shape {d:?} vs. shape {first:?} of input 0 (axis {ax})"
                ));
            }
            out[ax] = dim_add(out[ax], d[ax]);
        }
        Ok(spec(i[0].dtype(), Shape(out)))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let dims = i[0].shape().dims();
        let ax = normalize_axis(a.get_int("axis")?, dims.len())?;
        let outer: usize = dims[..ax].iter().product();
        let buf = dispatch!(i[0].dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let parts: Vec<(&[T], usize)> = i.iter().map(|t| (t.data::<T>(), t.shape().dims()[ax..].iter().product())).collect();
            Element::into_buffer(k::concat(&parts, outer))
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 3], Domain::Any, 1), sample(d, &[2, 1], Domain::Any, 2)],
                attrs: Attrs::new().int("axis", -1),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        // dx_i = the slice of dy that input i filled
        let ax = c.attrs.get_int("axis").unwrap_or(0);
        let a = normalize_axis(ax, c.x(0).rank()).unwrap_or(0);
        let sizes: Vec<Option<usize>> = c.inputs.iter().map(|t| t.shape().dim(a)).collect();
        if sizes.iter().all(Option::is_some) && c.g().shape().dim(a).is_some() {
            let sizes: Vec<usize> = sizes.into_iter().flatten().collect();
            return api::split(c.g(), &sizes, ax).into_iter().map(Some).collect();
        }
        // Sizes known only when the graph runs (a traced stack growing in a loop): each piece is
        // a range of dy counted from its start or, after the one piece of unknown size, from its
        // end. More than one unknown size is refused.
        let unknown: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i].is_none()).collect();
        if unknown.len() > 1 {
            panic!(
                "ConcatV2 gradient: {} inputs have an unknown size along the axis; at most one may",
                unknown.len()
            );
        }
        let u = unknown.first().copied();
        let known = |r: std::ops::Range<usize>| r.map(|i| sizes[i].unwrap_or(0) as i64).sum::<i64>();
        (0..sizes.len())
            .map(|i| {
                let (start, end) = match u {
                    Some(u) if i > u => (-known(i..sizes.len()), Some(-known(i + 1..sizes.len()))),
                    Some(u) if i == u => (known(0..i), Some(-known(i + 1..sizes.len()))),
                    _ => (known(0..i), Some(known(0..i + 1))),
                };
                let end = end.filter(|&e| e != 0);
                let mut items = vec![
                    api::SliceItem::Range {
                        start: None,
                        end: None,
                        step: 1
                    };
                    a
                ];
                items.push(api::SliceItem::Range {
                    start: Some(start),
                    end,
                    step: 1,
                });
                items.push(api::SliceItem::Ellipsis);
                Some(api::strided_slice(c.g(), &items))
            })
            .collect()
    }),
};

/// Resolved strided-slice geometry: view offset, strides and shape, and the output shape.
struct SliceView {
    offset: usize,
    strides: Vec<isize>,
    view: Vec<usize>,
    out: Shape,
}

fn strided_view(dims: &[usize], a: &Attrs) -> Result<SliceView, String> {
    let (b, e, st) = (a.get_ints("begin")?, a.get_ints("end")?, a.get_ints("strides")?);
    let bits = |n: &str| a.get_int(n).unwrap_or(0);
    let (bm, em, sm) = (bits("begin_mask"), bits("end_mask"), bits("shrink_axis_mask"));
    if b.len() != dims.len() || e.len() != dims.len() || st.len() != dims.len() {
        return Err(format!(
            "begin, end and strides must have one entry per dimension of the input {dims:?}"
        ));
    }
    // A traced input may have unknown dimensions: only the output shape is wanted then, and
    // an unknown dimension that is sliced (not indexed) stays unknown.
    let known = dims.iter().all(|&d| d != Shape::UNKNOWN);
    let cs = if known { strides_of(dims) } else { vec![0; dims.len()] };
    let mut v = SliceView {
        offset: 0,
        strides: Vec::new(),
        view: Vec::new(),
        out: Shape::scalar(),
    };
    for (d, &n) in dims.iter().enumerate() {
        let (n_i, step) = (n as i64, st[d]);
        if step == 0 {
            return Err(format!("strides[{d}] must be non-zero"));
        }
        if n == Shape::UNKNOWN {
            if sm >> d & 1 == 0 {
                v.out.0.push(Shape::UNKNOWN);
            }
            continue;
        }
        if sm >> d & 1 == 1 {
            let idx = if b[d] < 0 { b[d] + n_i } else { b[d] };
            if idx < 0 || idx >= n_i {
                return Err(format!("slice index {} of dimension {d} out of bounds", b[d]));
            }
            v.offset += idx as usize * cs[d];
            continue;
        }
        let (lo, hi) = if step > 0 { (0, n_i) } else { (-1, n_i - 1) };
        let fix = |x: i64| (if x < 0 { x + n_i } else { x }).clamp(lo, hi);
        let start = if bm >> d & 1 == 1 {
            if step > 0 {
                0
            } else {
                n_i - 1
            }
        } else {
            fix(b[d])
        };
        let stop = if em >> d & 1 == 1 {
            if step > 0 {
                n_i
            } else {
                -1
            }
        } else {
            fix(e[d])
        };
        let count = if step > 0 {
            ((stop - start).max(0) as u64).div_ceil(step as u64)
        } else {
            ((start - stop).max(0) as u64).div_ceil(step.unsigned_abs())
        } as usize;
        if count > 0 {
            v.offset += start as usize * cs[d];
        }
        v.strides.push(step as isize * cs[d] as isize);
        v.view.push(count);
        v.out.0.push(count);
    }
    Ok(v)
}

/// `StridedSlice` with Python slice semantics per dimension: attributes `begin`, `end`,
/// `strides` (one per dimension) and the bit masks `begin_mask`, `end_mask`,
/// `shrink_axis_mask`.
pub static STRIDED_SLICE: OpDef = OpDef {
    name: "StridedSlice",
    infer: |i, a| {
        arity(i, 1)?;
        Ok(spec(i[0].dtype(), strided_view(i[0].shape().dims(), a)?.out))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let v = strided_view(i[0].shape().dims(), a)?;
        view_copy(i[0], v.offset, &v.strides, &v.view, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let mut v = cases_all(
            &[4, 5],
            Attrs::new().ints("begin", [1, -1]).ints("end", [4, 0]).ints("strides", [2, -2]),
        );
        v.extend(cases_all(
            &[4, 5],
            Attrs::new()
                .ints("begin", [2, 0])
                .ints("end", [0, 3])
                .ints("strides", [1, 1])
                .int("shrink_axis_mask", 1)
                .int("begin_mask", 2),
        ));
        v
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        let x = c.x(0);
        let dx = if x.shape().is_fully_defined() {
            execute1(&STRIDED_SLICE_GRAD, &[c.g()], &c.attrs.clone().ints("shape", dims_of(x)))
        } else {
            execute1(&STRIDED_SLICE_GRAD, &[c.g(), x], c.attrs)
        };
        vec![Some(dx)]
    }),
};

/// `ReverseV2` along the axes in attribute `axis`.
pub static REVERSE: OpDef = OpDef {
    name: "ReverseV2",
    infer: |i, a| {
        arity(i, 1)?;
        crate::shape::normalize_axes(Some(a.get_ints("axis")?), i[0].rank())?;
        Ok(spec(i[0].dtype(), i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        // Without allocating (an image pipeline's random flip runs this per element).
        let dims = i[0].shape().dims();
        let axes = a.get_ints("axis")?;
        let reversed = |d: usize| axes.iter().any(|&x| normalize_axis(x, dims.len()) == Ok(d));
        let mut strides: SmallVec<[isize; 8]> = smallvec::smallvec![0; dims.len()];
        let (mut offset, mut stride) = (0, 1usize);
        for d in (0..dims.len()).rev() {
            strides[d] = if reversed(d) && dims[d] > 0 {
                offset += (dims[d] - 1) * stride;
                -(stride as isize)
            } else {
                stride as isize
            };
            stride *= dims[d];
        }
        view_copy(i[0], offset, &strides, dims, &s[0])
    }),
    domain: Domain::Any,
    cases: || cases_all(&[2, 3], Attrs::new().ints("axis", [-1])),
    stateful: false,
    grad: Grad::Rule(|c| vec![Some(api::reverse(c.g(), c.attrs.get_ints("axis").unwrap_or(&[])))]),
};

/// `BroadcastTo` attribute `shape` with NumPy rules.
pub static BROADCAST_TO: OpDef = OpDef {
    name: "BroadcastTo",
    infer: |i, a| {
        arity(i, 1)?;
        // -1 keeps the input's (aligned) dimension: a traced `None`, known when it runs.
        let x = i[0].shape().dims();
        let want = a.get_ints("shape")?;
        let lead = want.len().saturating_sub(x.len());
        let target = want
            .iter()
            .enumerate()
            .map(|(k, &d)| match d {
                0.. => Ok(d as usize),
                -1 if k >= lead => Ok(x[k - lead]),
                _ => Err(format!(
                    "shape {want:?}: dimension {k} must be a size, or -1 where the input {x:?} has one to keep"
                )),
            })
            .collect::<Result<Vec<usize>, String>>()?;
        match Shape::broadcast(x, &target) {
            Some(s) if s.dims() == target.as_slice() => Ok(spec(i[0].dtype(), s)),
            _ => Err(format!(
                "Unable to broadcast tensor of shape {:?} to tensor of shape {target:?}",
                i[0].shape()
            )),
        }
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let out = s[0].shape.dims();
        let strides: Vec<isize> = tf_kernels::cpu::elementwise::broadcast_strides(i[0].shape().dims(), out.len())
            .into_iter()
            .map(|v| v as isize)
            .collect();
        view_copy(i[0], 0, &strides, out, &s[0])
    }),
    domain: Domain::Any,
    cases: || cases_all(&[3, 1], Attrs::new().ints("shape", [2, 3, 4])),
    stateful: false,
    grad: Grad::Rule(|c| vec![Some(c.g().clone())]),
};

fn paddings(a: &Attrs, rank: usize) -> Result<Vec<(usize, usize)>, String> {
    let p = a.get_ints("paddings")?;
    if p.len() != 2 * rank || p.iter().any(|&v| v < 0) {
        return Err(format!("paddings must be a non-negative [{rank}, 2] matrix, got {p:?}"));
    }
    Ok(p.chunks(2).map(|c| (c[0] as usize, c[1] as usize)).collect())
}

/// `PadV2`: constant padding; attributes `paddings` (flattened `[rank, 2]`) and
/// `constant_values`.
pub static PAD: OpDef = OpDef {
    name: "PadV2",
    infer: |i, a| {
        arity(i, 1)?;
        let p = paddings(a, i[0].rank())?;
        Ok(spec(
            i[0].dtype(),
            Shape(
                i[0].shape()
                    .dims()
                    .iter()
                    .zip(&p)
                    .map(|(&d, (l, r))| dim_map(d, |d| d + l + r))
                    .collect(),
            ),
        ))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let p = paddings(a, x.rank())?;
        let c = a.get_float("constant_values").unwrap_or(0.0);
        let out = s[0].shape.dims();
        let os = strides_of(out);
        let offset: usize = p.iter().zip(&os).map(|((l, _), st)| l * st).sum();
        let buf = dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let mut dst = vec![T::from_f64(c); s[0].shape.num_elements()];
            k::strided_write(x.data::<T>(), x.shape().dims(), &mut dst, offset, &os);
            Element::into_buffer(dst)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || cases_all(&[2, 3], Attrs::new().ints("paddings", [1, 0, 2, 1]).float("constant_values", 1.0)),
    stateful: false,
    grad: Grad::Rule(|c| {
        // dx = the interior of dy
        let p = paddings(c.attrs, c.x(0).rank()).unwrap_or_default();
        let begin: Vec<i64> = p.iter().map(|&(l, _)| l as i64).collect();
        vec![Some(api::slice(c.g(), &begin, &dims_of(c.x(0))))]
    }),
};

fn index_values(t: &Tensor) -> Vec<i64> {
    match t.dtype() {
        DType::I32 => t.data::<i32>().iter().map(|&v| v as i64).collect(),
        _ => t.data::<i64>().to_vec(),
    }
}

/// `GatherV2`: slices of `params` (input 0) along attribute `axis` at `indices` (input 1).
pub static GATHER: OpDef = OpDef {
    name: "GatherV2",
    infer: |i, a| {
        arity(i, 2)?;
        check_dtype(i, 1, &[DType::I32, DType::I64])?;
        let pd = i[0].shape().dims();
        let ax = normalize_axis(a.get_int("axis")?, pd.len())?;
        let mut out: SmallVec<[usize; 4]> = pd[..ax].into();
        out.extend_from_slice(i[1].shape().dims());
        out.extend_from_slice(&pd[ax + 1..]);
        Ok(spec(i[0].dtype(), Shape(out)))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let pd = i[0].shape().dims();
        let ax = normalize_axis(a.get_int("axis")?, pd.len())?;
        let idx = index_values(i[1]);
        let (outer, inner) = (pd[..ax].iter().product(), pd[ax + 1..].iter().product());
        let buf = dispatch!(i[0].dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            Element::into_buffer(k::gather(i[0].data::<T>(), outer, pd[ax], inner, &idx).map_err(|j| format!("indices[{j}] = {} is not in [0, {})", idx[j], pd[ax]))?)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![
                    sample(d, &[3, 4], Domain::Any, 13),
                    Tensor::from_vec(vec![2i64, 0, 2], [3]).expect("valid"),
                ],
                attrs: Attrs::new().int("axis", 1),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(gather_grad),
};

/// Row-major offsets of the `m`-long index tuples in `indices` into `dims`.
fn nd_offsets(indices: &[i64], m: usize, dims: &[usize]) -> Result<Vec<usize>, String> {
    let st = strides_of(&dims[..m]);
    let slice: usize = dims[m..].iter().product();
    indices
        .chunks(m.max(1))
        .enumerate()
        .map(|(j, tuple)| {
            let mut off = 0;
            for (q, &v) in tuple.iter().enumerate().take(m) {
                if v < 0 || v as usize >= dims[q] {
                    return Err(format!(
                        "index innermost dimension {j}: {tuple:?} does not index into param shape {dims:?}"
                    ));
                }
                off += v as usize * st[q];
            }
            Ok(off * slice)
        })
        .collect()
}

/// `GatherNd`: `out[j] = params[indices[j]]` for index tuples along the last axis of
/// `indices`.
pub static GATHER_ND: OpDef = OpDef {
    name: "GatherNd",
    infer: |i, _| {
        arity(i, 2)?;
        check_dtype(i, 1, &[DType::I32, DType::I64])?;
        let (pd, id) = (i[0].shape().dims(), i[1].shape().dims());
        let m = *id.last().ok_or("indices must be at least rank 1")?;
        if m == Shape::UNKNOWN {
            return Err(format!("the innermost dimension of indices {:?} must be known", i[1].shape()));
        }
        if m > pd.len() {
            return Err(format!(
                "index innermost dimension length must be <= params rank; saw: {m} vs. {}",
                pd.len()
            ));
        }
        let mut out: SmallVec<[usize; 4]> = id[..id.len() - 1].into();
        out.extend_from_slice(&pd[m..]);
        Ok(spec(i[0].dtype(), Shape(out)))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let pd = i[0].shape().dims();
        let m = *i[1].shape().dims().last().expect("checked");
        let offs = nd_offsets(&index_values(i[1]), m, pd)?;
        let slice: usize = pd[m..].iter().product();
        let buf = dispatch!(i[0].dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let p = i[0].data::<T>();
            Element::into_buffer(offs.iter().flat_map(|&o| p[o..o + slice].iter().copied()).collect::<Vec<T>>())
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![
                    sample(d, &[3, 2], Domain::Any, 14),
                    Tensor::from_vec(vec![2i32, 1, 0, 0], [2, 2]).expect("valid"),
                ],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        vec![
            Some(execute_shaped_like(&SCATTER_ND, &[c.x(1), c.g()], &Attrs::new(), "shape", c.x(0))),
            None,
        ]
    }),
};

/// `ScatterNd`: a zero tensor of attribute `shape` with `updates` (input 1) added at the
/// index tuples `indices` (input 0); duplicates add up. A -1 in `shape` (a traced `None`
/// dimension, known when the graph runs) is the updates' size there, past the index depth,
/// or else the size of an optional third input.
pub static SCATTER_ND: OpDef = OpDef {
    name: "ScatterNd",
    infer: |i, a| {
        arity_shaped(i, 2)?;
        check_dtype(i, 0, &[DType::I32, DType::I64])?;
        check_dtype(i, 1, NUMERIC)?;
        let like = i.get(2).map(|t| t.shape().dims());
        let want_shape = a.get_ints("shape")?;
        if like.is_some_and(|l| l.len() != want_shape.len()) {
            return Err(format!(
                "shape {want_shape:?} and the third input {:?} differ in rank",
                i[2].shape()
            ));
        }
        let mut shape = want_shape
            .iter()
            .enumerate()
            .map(|(k, &d)| match (d, like) {
                (0.., _) => Ok(d as usize),
                (-1, Some(l)) => Ok(l[k]),
                (-1, None) => Ok(Shape::UNKNOWN),
                _ => Err(format!("shape {want_shape:?} must hold sizes, or -1")),
            })
            .collect::<Result<Vec<usize>, String>>()?;
        let id = i[0].shape().dims();
        let m = *id.last().ok_or("indices must be at least rank 1")?;
        // Dimensions past the index depth are the updates' slices' own.
        let ud = i[1].shape().dims();
        for (k, d) in shape.iter_mut().enumerate().skip(m) {
            if *d == Shape::UNKNOWN {
                *d = ud.get(id.len() - 1 + k - m).copied().unwrap_or(Shape::UNKNOWN);
            }
        }
        let mut want: Vec<usize> = id[..id.len() - 1].to_vec();
        want.extend_from_slice(shape.get(m..).ok_or("index depth exceeds the output rank")?);
        if !i[1].shape().is_compatible_with(&Shape::from(want.clone())) {
            return Err(format!(
                "updates must have shape {want:?} for indices {id:?} and output shape {shape:?}, got {:?}",
                i[1].shape()
            ));
        }
        Ok(spec(i[1].dtype(), Shape::from(shape)))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        if !s[0].shape.is_fully_defined() {
            return Err(format!(
                "the output shape {:?} is not known when the op runs: give a tensor of that shape as the third input",
                s[0].shape
            ));
        }
        let out = s[0].shape.dims();
        let m = *i[0].shape().dims().last().expect("checked");
        let offs = nd_offsets(&index_values(i[0]), m, out)?;
        let slice: usize = out[m..].iter().product();
        let buf = dispatch!(i[1].dtype(), [F32, F64, I32, I64, U8], T => {
            let mut dst = vec![T::ZERO; s[0].shape.num_elements()];
            for (j, &o) in offs.iter().enumerate() {
                for (d, &u) in dst[o..o + slice].iter_mut().zip(&i[1].data::<T>()[j * slice..]) {
                    *d = Num::add(*d, u);
                }
            }
            Element::into_buffer(dst)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        NUMERIC
            .iter()
            .map(|&d| Case {
                inputs: vec![
                    Tensor::from_vec(vec![1i64, 3, 1], [3, 1]).expect("valid"),
                    sample(d, &[3, 2], Domain::Any, 15),
                ],
                attrs: Attrs::new().ints("shape", [4, 2]),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        // The shape input, when given, only lends its shape.
        let mut grads = vec![None, Some(api::gather_nd(c.g(), c.x(0)))];
        grads.resize(c.inputs.len(), None);
        grads
    }),
};

/// `OneHot`: attributes `depth`, `on_value`, `off_value`, `axis` (-1) and `dtype`; indices
/// outside `[0, depth)` give an all-off row, as in TensorFlow.
pub static ONE_HOT: OpDef = OpDef {
    name: "OneHot",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, &[DType::I32, DType::I64, DType::U8])?;
        let depth = a.get_int("depth")?;
        if depth < 0 {
            return Err(format!("depth must be non-negative, got: {depth}"));
        }
        let mut out: SmallVec<[usize; 4]> = i[0].shape().dims().into();
        let ax = normalize_axis(a.get_int("axis").unwrap_or(-1), out.len() + 1)?;
        out.insert(ax, depth as usize);
        Ok(spec(a.get_dtype("dtype")?, Shape(out)))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let idx: Vec<i64> = dispatch!(i[0].dtype(), [I32, I64, U8], T => i[0].data::<T>().iter().map(|v| v.to_i64()).collect());
        let depth = a.get_int("depth")? as usize;
        let dims = i[0].shape().dims();
        let ax = normalize_axis(a.get_int("axis").unwrap_or(-1), dims.len() + 1)?;
        let (outer, inner): (usize, usize) = (dims[..ax].iter().product(), dims[ax..].iter().product());
        let (on, off) = (a.get_float("on_value").unwrap_or(1.0), a.get_float("off_value").unwrap_or(0.0));
        let buf = dispatch!(s[0].dtype, [F32, F64, I32, I64, U8, Bool], T => {
            let mut v = vec![T::from_f64(off); outer * depth * inner];
            for o in 0..outer {
                for q in 0..inner {
                    let c = idx[o * inner + q];
                    if c >= 0 && (c as usize) < depth {
                        v[(o * depth + c as usize) * inner + q] = T::from_f64(on);
                    }
                }
            }
            Element::into_buffer(v)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let indices = [
            Tensor::from_vec(vec![0i32, 2, -1, 1], [2, 2]),
            Tensor::from_vec(vec![3i64, 2, -1, 0], [2, 2]),
            Tensor::from_vec(vec![0u8, 2, 1, 1], [2, 2]),
        ];
        indices
            .into_iter()
            .zip([DType::F32, DType::I64, DType::Bool])
            .map(|(i, d)| Case {
                inputs: vec![i.expect("valid")],
                attrs: Attrs::new().int("depth", 3).dtype("dtype", d).int("axis", 0),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::None,
};

/// `TopKV2`: the `k` largest values along the last axis (attribute `k`), descending, and
/// their int32 indices; ties keep the lower index first.
pub static TOP_K: OpDef = OpDef {
    name: "TopKV2",
    infer: |i, a| {
        arity(i, 1)?;
        let d = check_dtype(i, 0, NUMERIC)?;
        let dims = i[0].shape().dims();
        let last = *dims.last().ok_or("input must be at least rank 1")?;
        let kk = a.get_int("k")?;
        if kk < 0 || (last != Shape::UNKNOWN && kk as usize > last) {
            return Err(format!("input must have at least k columns. Had {last}, needed {kk}"));
        }
        let mut out: SmallVec<[usize; 4]> = dims.into();
        *out.last_mut().expect("rank >= 1") = kk as usize;
        let mut sp = spec(d, Shape(out.clone()));
        sp.push(TensorSpec {
            dtype: DType::I32,
            shape: Shape(out),
        });
        Ok(sp)
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let last = *x.shape().dims().last().expect("checked");
        let kk = a.get_int("k")? as usize;
        let (vals, idx) = dispatch!(x.dtype(), [F32, F64, I32, I64, U8], T => {
            let mut vals: Vec<T> = Vec::new();
            let mut idx: Vec<i32> = Vec::new();
            for row in x.data::<T>().chunks(last.max(1)) {
                let mut order: Vec<usize> = (0..row.len()).collect();
                // NaN sorts first, like the largest value; the sort is stable on ties.
                order.sort_by(|&p, &q| {
                    let (a, b) = (row[p], row[q]);
                    #[allow(clippy::eq_op)]
                    match (a != a, b != b) {
                        (true, false) => std::cmp::Ordering::Less,
                        (false, true) => std::cmp::Ordering::Greater,
                        _ => b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal),
                    }
                });
                for &p in order.iter().take(kk) {
                    vals.push(row[p]);
                    idx.push(p as i32);
                }
            }
            (Element::into_buffer(vals), idx)
        });
        let mut o = Outputs::new();
        o.push(Tensor::from_parts(vals, s[0].shape.clone()));
        o.push(Tensor::from_parts(Element::into_buffer(idx), s[1].shape.clone()));
        Ok(o)
    }),
    domain: Domain::Any,
    cases: || {
        NUMERIC
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 5], Domain::Any, 16)],
                attrs: Attrs::new().int("k", 3),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        // dx[.., idx[k]] += d values[.., k]
        let n = *c.x(0).shape().dims().last().unwrap_or(&0);
        let hot = api::one_hot(&c.outputs[1], n, 1.0, 0.0, -1, c.x(0).dtype());
        vec![Some(api::reduce_sum(&(hot * api::expand_dims(c.g(), -1)), -2, false))]
    }),
};

/// `Where` (one input): the int64 coordinates `[num_true, rank]` of the true (non-zero)
/// elements, in row-major order. Its output shape depends on the values.
pub static WHERE: OpDef = OpDef {
    name: "Where",
    infer: |i, _| {
        arity(i, 1)?;
        check_dtype(i, 0, ALL)?;
        // Traced, the number of true elements is known only when the graph runs.
        let n = if i[0].is_symbolic() { Shape::UNKNOWN } else { count_true(i[0]) };
        Ok(spec(DType::I64, Shape::new(&[n, i[0].rank()])))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let x = i[0];
        let dims = x.shape().dims();
        let truth: Vec<bool> =
            dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], T => x.data::<T>().iter().map(|v| v.to_f64() != 0.0).collect());
        let st = strides_of(dims);
        let mut out = Vec::with_capacity(s[0].shape.num_elements());
        for (flat, _) in truth.iter().enumerate().filter(|(_, &t)| t) {
            for (d, &stride) in st.iter().enumerate() {
                out.push(((flat / stride) % dims[d]) as i64);
            }
        }
        out1(Element::into_buffer(out), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[3, 4], Domain::Any, 17)],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::None,
};

fn count_true(x: &Tensor) -> usize {
    dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], T => x.data::<T>().iter().filter(|v| v.to_f64() != 0.0).count())
}

/// `StridedSliceGrad`: the adjoint of `StridedSlice` — a zero tensor of attribute `shape`
/// with the input added into the slice's positions (same slice attributes).
pub static STRIDED_SLICE_GRAD: OpDef = OpDef {
    name: "StridedSliceGrad",
    infer: |i, a| {
        if !(1..=2).contains(&i.len()) {
            return Err(format!("expected 1 or 2 inputs, got {}", i.len()));
        }
        check_dtype(i, 0, NUMERIC)?;
        // The sliced tensor's shape: attribute `shape`, or (TensorFlow's `shape` input) the
        // shape of input 1 — known only when the graph runs for a traced `None` dimension.
        if let Some(x) = i.get(1) {
            if !x.shape().is_fully_defined() {
                return Ok(spec(i[0].dtype(), x.shape().clone()));
            }
        }
        let shape: Vec<usize> = match i.get(1) {
            Some(x) => x.shape().dims().to_vec(),
            None => a.get_ints("shape")?.iter().map(|&d| d.max(0) as usize).collect(),
        };
        let v = strided_view(&shape, a)?;
        if !v.out.is_compatible_with(i[0].shape()) {
            return Err(format!(
                "gradient of shape {:?} does not match the slice shape {:?}",
                i[0].shape(),
                v.out
            ));
        }
        Ok(spec(i[0].dtype(), Shape::from(shape)))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let v = strided_view(s[0].shape.dims(), a)?;
        let buf = dispatch!(i[0].dtype(), [F32, F64, I32, I64, U8], T => {
            let mut out = vec![T::ZERO; s[0].shape.num_elements()];
            for (j, &val) in i[0].data::<T>().iter().enumerate() {
                let mut off = v.offset as isize;
                let mut r = j;
                for q in (0..v.view.len()).rev() {
                    off += (r % v.view[q]) as isize * v.strides[q];
                    r /= v.view[q];
                }
                out[off as usize] = Num::add(out[off as usize], val);
            }
            Element::into_buffer(out)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let slice = || Attrs::new().ints("begin", [1, -1]).ints("end", [4, 0]).ints("strides", [2, -2]);
        NUMERIC
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 2], Domain::Any, 40)],
                attrs: slice().ints("shape", [4, 5]),
            })
            // The shape taken from the sliced tensor itself (input 1).
            .chain(std::iter::once(Case {
                inputs: vec![
                    sample(DType::F64, &[2, 2], Domain::Any, 41),
                    sample(DType::F64, &[4, 5], Domain::Any, 42),
                ],
                attrs: slice(),
            }))
            .collect()
    },
    stateful: false,
    // The adjoint of the adjoint is the slice itself: d dy = StridedSlice(ddx); the shape
    // input has no gradient.
    grad: Grad::Rule(|c| {
        let mut g = vec![Some(execute1(&STRIDED_SLICE, &[c.g()], c.attrs))];
        g.resize(c.inputs.len(), None);
        g
    }),
};

fn dims_of(t: &Tensor) -> Vec<i64> {
    t.shape().dims().iter().map(|&d| d as i64).collect()
}

/// dparams of `GatherV2`: the rows of dy added back at their indices (`[O, A, I]` from
/// `[O, J, I]`), by one `ScatterNd` along the gathered axis moved to the front.
fn gather_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    let (p, idx, g) = (c.x(0), c.x(1), c.g());
    let pd = p.shape().dims();
    let ax = normalize_axis(c.attrs.get_int("axis").unwrap_or(0), pd.len()).unwrap_or(0);
    if !p.shape().is_fully_defined() {
        if ax > 0 && idx.rank() == 1 && p.shape().dim(ax).is_some() {
            return vec![Some(gather_inner_grad(p, idx, g, ax)), None];
        }
        return vec![Some(gather_rows_grad(p, idx, g, ax)), None];
    }
    let (o, a, inner) = (
        pd[..ax].iter().product::<usize>() as i64,
        pd[ax] as i64,
        pd[ax + 1..].iter().product::<usize>() as i64,
    );
    let j = idx.num_elements() as i64;
    let g3 = api::transpose(&api::reshape(g, [o, j, inner]), Some(&[1, 0, 2]));
    let at = api::reshape(&api::cast(idx, DType::I64), [j, 1]);
    let scattered = api::scatter_nd(&at, &g3, &[a as usize, o as usize, inner as usize]);
    vec![Some(api::reshape(&api::transpose(&scattered, Some(&[1, 0, 2])), dims_of(p))), None]
}

/// `Gather` along an inner axis `ax` (of known size) by a vector of indices, from params
/// with `None` dimensions before it (a batch): dy's gathered axis moved to the front, its
/// slices summed per index (`UnsortedSegmentSum`), and the axis moved back.
fn gather_inner_grad(p: &Tensor, idx: &Tensor, g: &Tensor, ax: usize) -> Tensor {
    let r = p.rank() as i64;
    let ax = ax as i64;
    let to_front: Vec<i64> = std::iter::once(ax).chain((0..r).filter(|&d| d != ax)).collect();
    let back: Vec<i64> = (1..=ax).chain(std::iter::once(0)).chain(ax + 1..r).collect();
    let n = p.shape().dims()[ax as usize];
    let summed = api::unsorted_segment_sum(&api::transpose(g, Some(&to_front)), idx, n);
    api::transpose(&summed, Some(&back))
}

/// `Gather` along axis 0 from params whose row count is known only when the graph runs (a
/// traced stack growing in a loop): `dx = onehot(indices)ᵀ · dy`, the one-hot matrix built by
/// comparing each row's position (a cumulative sum of ones) with the indices.
///
/// # Panics
/// For another axis, or other unknown dimensions, which are not supported here yet.
fn gather_rows_grad(p: &Tensor, idx: &Tensor, g: &Tensor, ax: usize) -> Tensor {
    let rest: Option<Vec<usize>> = (1..p.rank()).map(|d| p.shape().dim(d)).collect();
    let (Some(rest), true, true) = (rest, ax == 0, idx.shape().is_fully_defined()) else {
        panic!(
            "GatherV2 gradient: params of shape {} gathered along axis {ax} by indices of shape {}: only the row count may be unknown",
            p.shape(),
            idx.shape()
        )
    };
    let inner: usize = rest.iter().product();
    let j = idx.num_elements();
    let rows = api::reshape(p, [-1, inner as i64]);
    // Row positions 0, 1, ..., a-1 in p's dtype, of the run-time length a.
    let ones = &api::reduce_sum(&api::zeros_like(&rows), [1], false) + 1.0;
    let pos = api::cumsum(&ones, 0, true, false);
    let at = api::cast(&api::reshape(idx, [1, j as i64]), p.dtype());
    let onehot = api::cast(&api::equal(&api::reshape(&pos, [-1, 1]), &at), p.dtype());
    let dy = api::reshape(g, [j as i64, inner as i64]);
    let dx = api::matmul(&onehot, &dy);
    let mut shape = vec![-1i64];
    shape.extend(rest.iter().map(|&d| d as i64));
    api::reshape(&dx, shape)
}

/// This family's ops.
pub static OPS: &[&OpDef] = &[
    &STRIDED_SLICE_GRAD,
    &RESHAPE,
    &TRANSPOSE,
    &CONCAT,
    &STRIDED_SLICE,
    &REVERSE,
    &BROADCAST_TO,
    &PAD,
    &GATHER,
    &GATHER_ND,
    &SCATTER_ND,
    &ONE_HOT,
    &TOP_K,
    &WHERE,
];
