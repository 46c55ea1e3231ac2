//! Elementwise binary primitives with NumPy broadcasting (arithmetic, comparisons, logic)
//! and the ternary `SelectV2` (`tf.where`).

use super::num::Num;
use super::{arity, check_dtype, out1, same_dtype, sample, spec, Attrs, Case, Domain, OpDef, Specs, ALL, NUMERIC};
use crate::{dispatch, DType, Element, Shape, Tensor};
use tf_kernels::cpu::elementwise::binary;

/// Shared inference: same dtype from `allowed`, broadcast shapes; output dtype `out` (or the
/// inputs' dtype when `None`).
fn infer_binary(i: &[&Tensor], allowed: &[DType], out: Option<DType>) -> Result<Specs, String> {
    arity(i, 2)?;
    check_dtype(i, 0, allowed)?;
    let d = same_dtype(i, 0, 1)?;
    let (a, b) = (i[0].shape(), i[1].shape());
    match Shape::broadcast(a.dims(), b.dims()) {
        Some(s) => Ok(spec(out.unwrap_or(d), s)),
        None => Err(format!("Incompatible shapes: {a:?} vs. {b:?}")),
    }
}

fn cases(dtypes: &[DType], domain: Domain) -> Vec<Case> {
    let mut v = Vec::new();
    for &d in dtypes {
        for (sa, sb) in [
            (&[2usize, 3][..], &[2usize, 3][..]),
            (&[2, 3], &[3]),
            (&[], &[2, 1]),
            (&[0, 3], &[1]),
        ] {
            v.push(Case {
                inputs: vec![sample(d, sa, domain, 1), sample(d, sb, domain, 2)],
                attrs: Attrs::new(),
            });
        }
    }
    v
}

macro_rules! binary_op {
    ($id:ident, $name:literal, [$($d:ident),+], $out:expr, $domain:ident, |$a:ident, $b:ident| $e:expr) => {
        binary_op!($id, $name, [$($d),+], $out, $domain, |$a, $b| $e, |_i: &[&Tensor]| Ok::<(), String>(()));
    };
    ($id:ident, $name:literal, [$($d:ident),+], $out:expr, $domain:ident, |$a:ident, $b:ident| $e:expr, $check:expr) => {
        #[doc = concat!("`", $name, "`: `z = ", stringify!($e), "` with broadcasting.")]
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, _| infer_binary(i, &[$(DType::$d),+], $out),
            cpu: |i, _, s| {
                ($check)(i)?;
                let (x, y) = (i[0], i[1]);
                let buf = dispatch!(x.dtype(), [$($d),+], T => Element::into_buffer(binary(
                    s[0].shape.dims(), x.data::<T>(), x.shape().dims(), y.data::<T>(), y.shape().dims(),
                    |$a: T, $b: T| $e,
                )));
                out1(buf, &s[0])
            },
            domain: Domain::$domain,
            cases: || cases(&[$(DType::$d),+], Domain::$domain),
            stateful: false,
        };
    };
}

/// Integer division by zero is an error in TensorFlow, not a crash or a silent value.
fn no_int_zero_divisor(i: &[&Tensor]) -> Result<(), String> {
    let y = i[1];
    let zero = dispatch!(y.dtype(), [F32, F64, I32, I64, U8], T => y.dtype().is_int() && y.data::<T>().iter().any(|v| v.is_zero()));
    if zero {
        return Err("Integer division by zero".into());
    }
    Ok(())
}

binary_op!(ADD, "AddV2", [F32, F64, I32, I64, U8], None, Any, |a, b| { Num::add(a, b) });
binary_op!(SUB, "Sub", [F32, F64, I32, I64, U8], None, Any, |a, b| { Num::sub(a, b) });
binary_op!(MUL, "Mul", [F32, F64, I32, I64, U8], None, Any, |a, b| { Num::mul(a, b) });
binary_op!(REAL_DIV, "RealDiv", [F32, F64], None, AwayFromZero, |a, b| a / b);
binary_op!(
    TRUNCATE_DIV,
    "TruncateDiv",
    [F32, F64, I32, I64, U8],
    None,
    AwayFromZero,
    |a, b| Num::truncdiv(a, b),
    no_int_zero_divisor
);
binary_op!(
    FLOOR_DIV,
    "FloorDiv",
    [F32, F64, I32, I64, U8],
    None,
    AwayFromZero,
    |a, b| Num::floordiv(a, b),
    no_int_zero_divisor
);
binary_op!(
    FLOOR_MOD,
    "FloorMod",
    [F32, F64, I32, I64, U8],
    None,
    AwayFromZero,
    |a, b| Num::floormod(a, b),
    no_int_zero_divisor
);
binary_op!(POW, "Pow", [F32, F64, I32, I64], None, Positive, |a, b| { Num::power(a, b) });
binary_op!(MAXIMUM, "Maximum", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::maximum(a, b));
binary_op!(MINIMUM, "Minimum", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::minimum(a, b));
binary_op!(SQUARED_DIFFERENCE, "SquaredDifference", [F32, F64, I32, I64], None, Any, |a, b| {
    let d = Num::sub(a, b);
    Num::mul(d, d)
});
binary_op!(EQUAL, "Equal", [F32, F64, I32, I64, U8, Bool], Some(DType::Bool), Any, |a, b| a
    == b);
binary_op!(
    NOT_EQUAL,
    "NotEqual",
    [F32, F64, I32, I64, U8, Bool],
    Some(DType::Bool),
    Any,
    |a, b| a != b
);
binary_op!(LESS, "Less", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a < b);
binary_op!(LESS_EQUAL, "LessEqual", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a
    <= b);
binary_op!(GREATER, "Greater", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a > b);
binary_op!(
    GREATER_EQUAL,
    "GreaterEqual",
    [F32, F64, I32, I64, U8],
    Some(DType::Bool),
    Any,
    |a, b| a >= b
);
binary_op!(LOGICAL_AND, "LogicalAnd", [Bool], None, Any, |a, b| a & b);
binary_op!(LOGICAL_OR, "LogicalOr", [Bool], None, Any, |a, b| a | b);

/// `SelectV2`: `out = cond ? x : y`, all three broadcast together.
pub static SELECT: OpDef = OpDef {
    name: "SelectV2",
    infer: |i, _| {
        arity(i, 3)?;
        check_dtype(i, 0, &[DType::Bool])?;
        check_dtype(i, 1, ALL)?;
        let d = same_dtype(i, 1, 2)?;
        let s = Shape::broadcast(i[1].shape().dims(), i[2].shape().dims())
            .and_then(|s| Shape::broadcast(i[0].shape().dims(), s.dims()))
            .ok_or_else(|| {
                format!(
                    "condition {:?}, x {:?} and y {:?} cannot be broadcast together",
                    i[0].shape(),
                    i[1].shape(),
                    i[2].shape()
                )
            })?;
        Ok(spec(d, s))
    },
    cpu: |i, _, s| {
        let out = s[0].shape.dims();
        let c = broadcast_values::<bool>(i[0], out);
        let buf = dispatch!(i[1].dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let (x, y) = (broadcast_values::<T>(i[1], out), broadcast_values::<T>(i[2], out));
            Element::into_buffer(c.iter().zip(x.iter().zip(y.iter())).map(|(&c, (&x, &y))| if c { x } else { y }).collect::<Vec<T>>())
        });
        out1(buf, &s[0])
    },
    domain: Domain::Any,
    cases: || {
        NUMERIC
            .iter()
            .map(|&d| Case {
                inputs: vec![
                    sample(DType::Bool, &[2, 1], Domain::Any, 4),
                    sample(d, &[2, 3], Domain::Any, 5),
                    sample(d, &[3], Domain::Any, 6),
                ],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: false,
};

/// The values of `t` broadcast to `shape`, borrowing when no broadcast is needed.
pub(crate) fn broadcast_values<'a, T: Element>(t: &'a Tensor, shape: &[usize]) -> std::borrow::Cow<'a, [T]> {
    if t.shape().dims() == shape {
        return std::borrow::Cow::Borrowed(t.data::<T>());
    }
    let strides: Vec<isize> = tf_kernels::cpu::elementwise::broadcast_strides(t.shape().dims(), shape.len())
        .into_iter()
        .map(|s| s as isize)
        .collect();
    std::borrow::Cow::Owned(tf_kernels::cpu::movement::strided_copy(t.data::<T>(), 0, &strides, shape))
}

/// This family's ops.
pub static OPS: &[&OpDef] = &[
    &ADD,
    &SUB,
    &MUL,
    &REAL_DIV,
    &TRUNCATE_DIV,
    &FLOOR_DIV,
    &FLOOR_MOD,
    &POW,
    &MAXIMUM,
    &MINIMUM,
    &SQUARED_DIFFERENCE,
    &EQUAL,
    &NOT_EQUAL,
    &LESS,
    &LESS_EQUAL,
    &GREATER,
    &GREATER_EQUAL,
    &LOGICAL_AND,
    &LOGICAL_OR,
    &SELECT,
];
