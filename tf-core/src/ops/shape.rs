//! `Shape` and `Size` (`tf.shape`, `tf.size`): a tensor's dimensions as a value, computed when
//! the op runs, so a traced function with unknown dimensions sees the real ones; and
//! `ZerosLike`/`OnesLike`, which take their shape from their input the same way.

use super::{arity, check_dtype, out1, sample, spec, Attrs, Case, Domain, Grad, OpDef, ALL};
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
    cpu: |i, a, s| out1(ints(i[0].shape().dims().iter().copied(), out_type(a)?)?, &s[0]),
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
    cpu: |i, a, s| out1(ints(std::iter::once(i[0].num_elements()), out_type(a)?)?, &s[0]),
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
            cpu: |i, _, s| filled(i[0], &s[0], $value),
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

/// This family's ops.
pub static OPS: &[&OpDef] = &[&SHAPE, &SIZE, &ZEROS_LIKE, &ONES_LIKE];
