//! `Shape` and `Size` (`tf.shape`, `tf.size`): a tensor's dimensions as a value, computed when
//! the op runs, so a traced function with unknown dimensions sees the real ones;
//! `ZerosLike`/`OnesLike`, which take their shape from their input the same way; and `Fill`,
//! whose shape is a tensor of dimensions.

use super::{arity, check_dtype, out1, sample, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, ALL};
use crate::{DType, Element, Shape};

fn out_type(a: &Attrs) -> Result<DType, String> {
    match a.get_dtype("out_type").unwrap_or(DType::I32) {
        d @ (DType::I32 | DType::I64) => Ok(d),
        d => Err(format!("out_type must be int32 or int64, not {d}")),
    }
}

fn ints(values: impl Iterator<Item = usize>, d: DType) -> Result<crate::Buffer, String> {
    let v: Vec<i64> = values.map(|n| n as i64).collect();
    if d == DType::I32 {
        let narrow: Option<Vec<i32>> = v.iter().map(|&n| i32::try_from(n).ok()).collect();
        return narrow
            .map(Element::into_buffer)
            .ok_or_else(|| format!("a dimension does not fit in int32 ({v:?}); use out_type int64"));
    }
    Ok(Element::into_buffer(v))
}

fn cases() -> Vec<Case> {
    ALL.iter()
        .map(|&d| Case {
            inputs: vec![sample(d, &[2, 3, 1], Domain::Any, 5)],
            attrs: Attrs::new(),
        })
        .chain(std::iter::once(Case {
            inputs: vec![sample(DType::F32, &[4], Domain::Any, 6)],
            attrs: Attrs::new().dtype("out_type", DType::I64),
        }))
        .collect()
}

/// `Shape`: the input's dimensions, a vector of `out_type` (int32 by default).
pub static SHAPE: OpDef = OpDef {
    name: "Shape",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, ALL)?;
        Ok(spec(out_type(a)?, Shape::new(&[i[0].rank()])))
    },
    cpu: Kernel::Alloc(|i, a, s| out1(ints(i[0].shape().dims().iter().copied(), out_type(a)?)?, &s[0])),
    domain: Domain::Any,
    cases,
    stateful: false,
    grad: Grad::None,
};

/// `Size`: the input's number of elements, a scalar of `out_type` (int32 by default).
pub static SIZE: OpDef = OpDef {
    name: "Size",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, ALL)?;
        Ok(spec(out_type(a)?, Shape::scalar()))
    },
    cpu: Kernel::Alloc(|i, a, s| out1(ints(std::iter::once(i[0].num_elements()), out_type(a)?)?, &s[0])),
    domain: Domain::Any,
    cases,
    stateful: false,
    grad: Grad::None,
};

fn filled(x: &crate::Tensor, s: &super::TensorSpec, value: f64) -> Result<super::Outputs, String> {
    let n = x.num_elements();
    let buf = crate::dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], T => T::into_buffer(vec![T::from_f64(value); n]));
    out1(buf, s)
}

macro_rules! like {
    ($(#[$doc:meta])* $id:ident, $name:literal, $value:expr) => {
        $(#[$doc])*
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, _| {
                arity(i, 1)?;
                check_dtype(i, 0, ALL)?;
                Ok(spec(i[0].dtype(), i[0].shape().clone()))
            },
            cpu: Kernel::Alloc(|i, _, s| filled(i[0], &s[0], $value)),
            domain: Domain::Any,
            cases: || cases().into_iter().take(ALL.len()).collect(),
            stateful: false,
            grad: Grad::None,
        };
    };
}
like!(
    /// `ZerosLike`: zeros of the input's dtype and (run-time) shape.
    ZEROS_LIKE,
    "ZerosLike",
    0.0
);
like!(
    /// `OnesLike`: ones of the input's dtype and (run-time) shape.
    ONES_LIKE,
    "OnesLike",
    1.0
);

/// The dimensions a `Fill` makes: read from `dims` when it has values, unknown (`None`) for a
/// traced one; its length must be known either way (it is the output's rank).
fn fill_shape(dims: &crate::Tensor) -> Result<Shape, String> {
    check_dtype(&[dims], 0, &[DType::I32, DType::I64])?;
    let r = dims.rank();
    if r != 1 {
        return Err(format!("dims must be a vector, got a rank-{r} tensor of shape {}", dims.shape()));
    }
    let Some(len) = dims.shape().dim(0) else {
        return Err("the length of dims must be known (it is the output's rank)".into());
    };
    if dims.is_symbolic() {
        return Ok(Shape::partial(&vec![None; len]));
    }
    let d: Vec<i64> = crate::dispatch!(dims.dtype(), [I32, I64], T => dims.data::<T>().iter().map(|v| v.to_i64()).collect());
    match d.iter().find(|&&n| n < 0) {
        Some(n) => Err(format!("dims must be non-negative, got {n} in {d:?}")),
        None => Ok(Shape::new(&d.iter().map(|&n| n as usize).collect::<Vec<_>>())),
    }
}

/// `Fill(dims, value)` (`tf.fill`): a tensor of shape `dims` (an int32 or int64 vector, read
/// when the op runs) holding the scalar `value` everywhere. dvalue = sum(dy).
pub static FILL: OpDef = OpDef {
    name: "Fill",
    infer: |i, _| {
        arity(i, 2)?;
        let shape = fill_shape(i[0])?;
        check_dtype(i, 1, ALL)?;
        if i[1].rank() != 0 {
            return Err(format!("value must be a scalar, got shape {}", i[1].shape()));
        }
        Ok(spec(i[1].dtype(), shape))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let n = s[0].shape.num_elements();
        let buf = crate::dispatch!(i[1].dtype(), [F32, F64, I32, I64, U8, Bool], T => T::into_buffer(vec![i[1].data::<T>()[0]; n]));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let dims = |d: &[i64], t: DType| crate::cast(&crate::Tensor::from_vec(d.to_vec(), [d.len()]).expect("a vector"), t);
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![dims(&[2, 3], DType::I32), sample(d, &[], Domain::Any, 7)],
                attrs: Attrs::new(),
            })
            .chain([
                Case {
                    inputs: vec![dims(&[4, 0, 2], DType::I64), sample(DType::F32, &[], Domain::Any, 8)],
                    attrs: Attrs::new(),
                },
                Case {
                    inputs: vec![dims(&[], DType::I32), sample(DType::F64, &[], Domain::Any, 9)],
                    attrs: Attrs::new(),
                },
            ])
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| vec![None, c.want(1, || crate::api::reduce_sum(c.g(), None, false))]),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&SHAPE, &SIZE, &ZEROS_LIKE, &ONES_LIKE, &FILL];
