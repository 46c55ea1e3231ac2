//! Reductions: `Sum`, `Prod`, `Max`, `Min`, `Any`, `All` over a list of axes (attribute
//! `axis`, all axes when absent; `keep_dims`), `ArgMax`/`ArgMin` and `Cumsum`.

use super::num::Num;
use super::{arity, check_dtype, out1, sample, spec, Attrs, Case, Domain, Grad, GradCtx, Kernel, OpDef, Specs, NUMERIC};
use crate::api;
use crate::shape::{normalize_axes, normalize_axis};
use crate::{dispatch, DType, Element, Shape, Tensor};
use smallvec::SmallVec;
use tf_kernels::cpu::reduce as k;

fn infer_reduce(i: &[&Tensor], a: &Attrs, allowed: &[DType]) -> Result<Specs, String> {
    arity(i, 1)?;
    let d = check_dtype(i, 0, allowed)?;
    let dims = i[0].shape().dims();
    let axes = normalize_axes(a.opt_ints("axis"), dims.len())?;
    let keep = a.get_flag("keep_dims");
    let mut out = SmallVec::new();
    for (ax, &n) in dims.iter().enumerate() {
        if !axes.contains(&ax) {
            out.push(n);
        } else if keep {
            out.push(1);
        }
    }
    Ok(spec(d, Shape(out)))
}

/// The shape of `x` with the reduced axes kept as 1.
fn kept_shape(x: &Tensor, a: &Attrs) -> Vec<i64> {
    let dims = x.shape().dims();
    let axes = normalize_axes(a.opt_ints("axis"), dims.len()).unwrap_or_default();
    dims.iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d as i64 })
        .collect()
}

/// `t` (shaped like the reduction's output) broadcast back over the reduced axes.
fn spread(c: &GradCtx, t: &Tensor) -> Tensor {
    let x = c.x(0);
    let kept = api::reshape(t, kept_shape(x, c.attrs));
    if !x.shape().is_fully_defined() {
        // Traced with unknown dimensions: broadcast against x as it is when the graph runs.
        return kept + api::zeros_like(x);
    }
    api::broadcast_to(&kept, x.shape().dims().iter().map(|&d| d as i64).collect::<Vec<_>>())
}

/// Max/Min: the gradient is shared equally by the elements equal to the extreme.
fn extreme_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    let x = c.x(0);
    let hit = api::cast(&api::equal(x, &spread(c, c.y())), x.dtype());
    let count = spread(
        c,
        &api::reduce_sum(&hit, api::Axes(c.attrs.opt_ints("axis").map(<[i64]>::to_vec)), false),
    );
    vec![Some(hit / count * spread(c, c.g()))]
}

/// Prod: each value's gradient is the product of the others in its group: y / x where the
/// group holds no zero; where it holds one, the product of the rest for the zero and 0 for
/// the others; with more, 0 for all (TensorFlow's values, which it gets from exclusive
/// cumulative products; y / x gave NaN at every zero).
fn prod_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    let x = c.x(0);
    let axes = || api::Axes(c.attrs.opt_ints("axis").map(<[i64]>::to_vec));
    let (zero, one) = (api::scalar(0.0, x.dtype()), api::scalar(1.0, x.dtype()));
    let is_zero = api::equal(x, &zero);
    let nonzero = api::where_(&is_zero, &one, x);
    let rest = spread(c, &api::reduce_prod(&nonzero, axes(), false));
    let zeros = spread(c, &api::reduce_sum(&api::cast(&is_zero, x.dtype()), axes(), false));
    let lone_zero = api::logical_and(&is_zero, &api::equal(&zeros, &one));
    let others = api::where_(
        &api::equal(&zeros, &zero),
        &(&rest / &nonzero),
        &api::where_(&lone_zero, &rest, &zero),
    );
    vec![Some(spread(c, c.g()) * others)]
}

/// Reduces `x` over `axes` (sorted) one contiguous run at a time, last run first.
fn reduce_axes<T: Element>(x: &[T], dims: &[usize], axes: &[usize], init: T, f: impl Fn(T, T) -> T + Sync + Copy) -> Vec<T> {
    let mut cur: std::borrow::Cow<[T]> = std::borrow::Cow::Borrowed(x);
    let mut shape: Vec<usize> = dims.to_vec();
    let mut end = axes.len();
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && axes[start - 1] + 1 == axes[start] {
            start -= 1;
        }
        let (lo, hi) = (axes[start], axes[end - 1] + 1);
        let outer: usize = shape[..lo].iter().product();
        let r: usize = shape[lo..hi].iter().product();
        let inner: usize = shape[hi..].iter().product();
        cur = std::borrow::Cow::Owned(k::reduce(&cur, outer, r, inner, init, f));
        for s in &mut shape[lo..hi] {
            *s = 1;
        }
        end = start;
    }
    cur.into_owned()
}

macro_rules! reduction {
    ($id:ident, $name:literal, [$($d:ident),+], $init:expr, |$a:ident, $b:ident| $e:expr, $grad:expr) => {
        #[doc = concat!("`", $name, "` over the axes in attribute `axis` (all when absent).")]
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, a| infer_reduce(i, a, &[$(DType::$d),+]),
            cpu: Kernel::Alloc(|i, a, s| {
                let x = i[0];
                let axes = normalize_axes(a.opt_ints("axis"), x.rank())?;
                let buf = dispatch!(x.dtype(), [$($d),+], T => {
                    let init: T = $init;
                    Element::into_buffer(reduce_axes(x.data::<T>(), x.shape().dims(), &axes, init, |$a: T, $b: T| $e))
                });
                out1(buf, &s[0])
            }),
            domain: Domain::Any,
            cases: || {
                let mut v = Vec::new();
                for &d in &[$(DType::$d),+] {
                    let x = sample(d, &[2, 3, 4], Domain::Any, 7);
                    v.push(Case { inputs: vec![x.clone()], attrs: Attrs::new() });
                    v.push(Case { inputs: vec![x.clone()], attrs: Attrs::new().ints("axis", [-1]).flag("keep_dims", true) });
                    v.push(Case { inputs: vec![x.clone()], attrs: Attrs::new().ints("axis", [0, 2]) });
                    v.push(Case { inputs: vec![sample(d, &[0, 3], Domain::Any, 8)], attrs: Attrs::new().ints("axis", [0]) });
                    v.push(Case { inputs: vec![sample(d, &[], Domain::Any, 9)], attrs: Attrs::new().ints("axis", Vec::<i64>::new()) });
                }
                v
            },
            stateful: false,
            grad: $grad,
        };
    };
}

reduction!(
    SUM,
    "Sum",
    [F32, F64, I32, I64, U8],
    T::ZERO,
    |a, b| { Num::add(a, b) },
    Grad::Rule(|c| vec![Some(spread(c, c.g()))])
);
reduction!(
    PROD,
    "Prod",
    [F32, F64, I32, I64, U8],
    T::ONE,
    |a, b| { Num::mul(a, b) },
    Grad::Rule(prod_grad)
);
reduction!(
    MAX,
    "Max",
    [F32, F64, I32, I64, U8],
    T::LOWEST,
    |a, b| { Num::maximum(a, b) },
    Grad::Rule(extreme_grad)
);
reduction!(
    MIN,
    "Min",
    [F32, F64, I32, I64, U8],
    T::HIGHEST,
    |a, b| { Num::minimum(a, b) },
    Grad::Rule(extreme_grad)
);
reduction!(ANY, "Any", [Bool], false, |a, b| a | b, Grad::None);
reduction!(ALL, "All", [Bool], true, |a, b| a & b, Grad::None);

fn infer_arg(i: &[&Tensor], a: &Attrs) -> Result<Specs, String> {
    arity(i, 1)?;
    check_dtype(i, 0, NUMERIC)?;
    let dims = i[0].shape().dims();
    let ax = normalize_axis(a.get_int("axis")?, dims.len())?;
    if dims[ax] == 0 {
        return Err(format!("Reduction axis {ax} is empty in shape {dims:?}"));
    }
    let out_t = a.get_dtype("output_type").unwrap_or(DType::I64);
    if !matches!(out_t, DType::I32 | DType::I64) {
        return Err(format!("output_type must be int32 or int64, not {out_t}"));
    }
    let mut out: SmallVec<[usize; 4]> = dims.into();
    out.remove(ax);
    Ok(spec(out_t, Shape(out)))
}

fn arg_kernel(i: &[&Tensor], a: &Attrs, s: &Specs, max: bool) -> Result<super::Outputs, String> {
    let x = i[0];
    let dims = x.shape().dims();
    let ax = normalize_axis(a.get_int("axis")?, dims.len())?;
    let (outer, r, inner) = (dims[..ax].iter().product(), dims[ax], dims[ax + 1..].iter().product());
    let idx = dispatch!(x.dtype(), [F32, F64, I32, I64, U8], T => {
        if max { k::arg_reduce(x.data::<T>(), outer, r, inner, |a, b| a > b) } else { k::arg_reduce(x.data::<T>(), outer, r, inner, |a, b| a < b) }
    });
    let buf = if s[0].dtype == DType::I32 {
        Element::into_buffer(idx.into_iter().map(|v| v as i32).collect::<Vec<_>>())
    } else {
        Element::into_buffer(idx)
    };
    out1(buf, &s[0])
}

fn arg_cases() -> Vec<Case> {
    NUMERIC
        .iter()
        .flat_map(|&d| {
            [0i64, -1].map(|ax| Case {
                inputs: vec![sample(d, &[3, 4], Domain::Any, 10)],
                attrs: Attrs::new().int("axis", ax),
            })
        })
        .collect()
}

/// `ArgMax`: index of the largest value along `axis` (first on ties); `output_type` int64
/// (default) or int32.
pub static ARG_MAX: OpDef = OpDef {
    name: "ArgMax",
    infer: infer_arg,
    cpu: Kernel::Alloc(|i, a, s| arg_kernel(i, a, s, true)),
    domain: Domain::Any,
    cases: arg_cases,
    stateful: false,
    grad: Grad::None,
};
/// `ArgMin`: index of the smallest value along `axis` (first on ties).
pub static ARG_MIN: OpDef = OpDef {
    name: "ArgMin",
    infer: infer_arg,
    cpu: Kernel::Alloc(|i, a, s| arg_kernel(i, a, s, false)),
    domain: Domain::Any,
    cases: arg_cases,
    stateful: false,
    grad: Grad::None,
};

/// `Cumsum` along `axis`, with `exclusive` and `reverse` flags.
pub static CUMSUM: OpDef = OpDef {
    name: "Cumsum",
    infer: |i, a| {
        arity(i, 1)?;
        let d = check_dtype(i, 0, NUMERIC)?;
        if i[0].rank() == 0 {
            return Err("input must be at least rank 1".into());
        }
        normalize_axis(a.get_int("axis")?, i[0].rank())?;
        Ok(spec(d, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let dims = x.shape().dims();
        let ax = normalize_axis(a.get_int("axis")?, dims.len())?;
        let (outer, r, inner) = (dims[..ax].iter().product(), dims[ax], dims[ax + 1..].iter().product());
        let (ex, rev) = (a.get_flag("exclusive"), a.get_flag("reverse"));
        let buf = dispatch!(x.dtype(), [F32, F64, I32, I64, U8], T => Element::into_buffer(k::cumulative(x.data::<T>(), outer, r, inner, T::ZERO, ex, rev, |a: T, b: T| Num::add(a, b))));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        NUMERIC
            .iter()
            .flat_map(|&d| {
                [(0i64, false, false), (1, true, false), (-1, false, true)].map(|(ax, ex, rev)| Case {
                    inputs: vec![sample(d, &[2, 3], Domain::Any, 11)],
                    attrs: Attrs::new().int("axis", ax).flag("exclusive", ex).flag("reverse", rev),
                })
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        // dx = cumsum(dy) in the opposite direction
        let (ax, ex, rev) = (
            c.attrs.get_int("axis").unwrap_or(0),
            c.attrs.get_flag("exclusive"),
            c.attrs.get_flag("reverse"),
        );
        vec![Some(api::cumsum(c.g(), ax, ex, !rev))]
    }),
};

/// This family's ops.
/// The axes of `g` to sum so that it takes `x`'s shape (the leading axes `x` lacks, and those
/// where `x` has 1), or why `x` could not have been broadcast to `g`.
fn broadcast_axes(g: &[usize], x: &[usize]) -> Result<Vec<usize>, String> {
    let bad = || format!("a tensor of shape {x:?} does not broadcast to the gradient's shape {g:?}");
    let lead = g.len().checked_sub(x.len()).ok_or_else(bad)?;
    let mut axes: Vec<usize> = (0..lead).collect();
    for (i, &d) in x.iter().enumerate() {
        let gd = g[lead + i];
        if d == 1 && gd != 1 {
            axes.push(lead + i);
        } else if !crate::shape::dim_compatible(d, gd) {
            return Err(bad());
        }
    }
    Ok(axes)
}

/// `SumToShapeOf(g, x)`: `g` summed over the dimensions along which `x` was broadcast to
/// `g`'s shape — the gradient of a broadcast, decided when the op runs. The tape uses it for
/// traced tensors with unknown dimensions, where which axes were broadcast is not known at
/// trace time (TensorFlow's `BroadcastGradientArgs` + `Sum`).
pub static SUM_TO_SHAPE_OF: OpDef = OpDef {
    name: "SumToShapeOf",
    infer: |i, _| {
        arity(i, 2)?;
        let d = check_dtype(i, 0, NUMERIC)?;
        broadcast_axes(i[0].shape().dims(), i[1].shape().dims())?;
        Ok(spec(d, i[1].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let axes = broadcast_axes(i[0].shape().dims(), i[1].shape().dims())?;
        let buf = dispatch!(i[0].dtype(), [F32, F64, I32, I64, U8], T => {
            Element::into_buffer(reduce_axes(i[0].data::<T>(), i[0].shape().dims(), &axes, T::ZERO, |a: T, b: T| Num::add(a, b)))
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        [DType::F32, DType::F64]
            .iter()
            .flat_map(|&d| {
                [
                    (vec![2usize, 3, 4], vec![3usize, 1]),
                    (vec![2, 3], vec![2, 3]),
                    (vec![4, 1], vec![1]),
                ]
                .into_iter()
                .map(move |(g, x)| Case {
                    inputs: vec![sample(d, &g, Domain::Any, 31), sample(d, &x, Domain::Any, 32)],
                    attrs: Attrs::new(),
                })
            })
            .collect()
    },
    stateful: false,
    // d/dg: the incoming gradient broadcast back over g's shape; x only lends its shape.
    grad: Grad::Rule(|c| vec![c.want(0, || c.g() + &api::zeros_like(c.x(0))), None]),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&SUM, &PROD, &MAX, &MIN, &ANY, &ALL, &ARG_MAX, &ARG_MIN, &CUMSUM, &SUM_TO_SHAPE_OF];
