//! Elementwise binary primitives with NumPy broadcasting (arithmetic, comparisons, logic)
//! and the ternary `SelectV2` (`tf.where`).

use super::num::Num;
use super::{
    arity, check_dtype, out1, out_vec, planned_vec, same_dtype, sample, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, Plan, Specs, ALL,
    NUMERIC,
};
use crate::api;
use crate::{dispatch, DType, Element, Shape, Tensor};
use tf_kernels::cpu::elementwise::{binary_flat_into, binary_into, Flat};

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
    ($id:ident, $name:literal, [$($d:ident),+], $out:expr, $domain:ident, |$a:ident, $b:ident| $e:expr, grad: $grad:expr) => {
        binary_op!(@def $id, $name, [$($d),+], $out, $domain, |$a, $b| $e, grad: $grad, Kernel::Planned(
            binary_op!(@into [$($d),+], |$a, $b| $e, check: |_i: &[&Tensor]| Ok::<(), String>(())),
            binary_op!(@plan [$($d),+], |$a, $b| $e),
        ));
    };
    // A data-dependent check on integer inputs (division by zero, a negative power): integer
    // calls run the checked kernel, float calls stay planned.
    ($id:ident, $name:literal, [$($d:ident),+], $out:expr, $domain:ident, |$a:ident, $b:ident| $e:expr, int_check: $check:expr, grad: $grad:expr) => {
        binary_op!(@def $id, $name, [$($d),+], $out, $domain, |$a, $b| $e, grad: $grad, Kernel::Planned(
            binary_op!(@into [$($d),+], |$a, $b| $e, check: $check),
            |i, a, s| {
                let float: super::PlanFn = binary_op!(@plan [$($d),+], |$a, $b| $e);
                if i[0].dtype.is_int() {
                    None
                } else {
                    float(i, a, s)
                }
            },
        ));
    };
    // Planned where nothing is broadcast but a scalar (the broadcasting loop's
    // bookkeeping would be its own kernel); scalars (a loop's counter and its
    // condition) by one evaluation.
    (@plan [$($d:ident),+], |$a:ident, $b:ident| $e:expr) => {
        |i, _, s| {
            let n = s[0].shape.num_elements();
            let layout = Flat::of(n, i[0].shape.num_elements(), i[1].shape.num_elements())?;
            dispatch!(i[0].dtype, [$($d),+], T => Some(Plan {
                run: if n == 1 {
                    Box::new(move |x: &[&Tensor], o: &mut [&mut crate::Buffer]| {
                        let z = (|$a: T, $b: T| $e)(x[0].data::<T>()[0], x[1].data::<T>()[0]);
                        let out = planned_vec(o[0]);
                        out.clear();
                        out.push(z);
                    })
                } else {
                    Box::new(move |x: &[&Tensor], o: &mut [&mut crate::Buffer]| {
                        binary_flat_into(planned_vec(o[0]), n, layout, x[0].data::<T>(), x[1].data::<T>(), |$a: T, $b: T| $e)
                    })
                },
                scalar: (n == 1).then_some(|x: u64, y: u64, _: u64| (|$a: T, $b: T| $e)(T::from_word(x), T::from_word(y)).to_word()),
            }))
        }
    };
    // The kernel with broadcasting, after `check`.
    (@into [$($d:ident),+], |$a:ident, $b:ident| $e:expr, check: $check:expr) => {
        |i, _, s, o| {
            ($check)(i)?;
            let (x, y) = (i[0], i[1]);
            dispatch!(x.dtype(), [$($d),+], T => binary_into(
                out_vec(o[0])?, s[0].shape.dims(), x.data::<T>(), x.shape().dims(), y.data::<T>(), y.shape().dims(),
                |$a: T, $b: T| $e,
            ));
            Ok(())
        }
    };
    (@def $id:ident, $name:literal, [$($d:ident),+], $out:expr, $domain:ident, |$a:ident, $b:ident| $e:expr, grad: $grad:expr, $cpu:expr) => {
        #[doc = concat!("`", $name, "`: `z = ", stringify!($e), "` with broadcasting.")]
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, _| infer_binary(i, &[$(DType::$d),+], $out),
            cpu: $cpu,
            domain: Domain::$domain,
            cases: || cases(&[$(DType::$d),+], Domain::$domain),
            stateful: false,
            grad: $grad,
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

/// An integer to a negative integer power is an error in TensorFlow (whatever the base).
fn no_negative_int_exponent(i: &[&Tensor]) -> Result<(), String> {
    let y = i[1];
    let negative = match y.dtype() {
        DType::I32 => y.data::<i32>().iter().any(|&v| v < 0),
        DType::I64 => y.data::<i64>().iter().any(|&v| v < 0),
        _ => false,
    };
    if negative {
        return Err("Integers to negative integer powers are not allowed".into());
    }
    Ok(())
}

// Gradient rules (`c.g()` = dz, `c.x(0)` = x, `c.x(1)` = y); the tape reduces broadcast
// gradients to each input's shape.
binary_op!(ADD, "AddV2", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::add(a, b), grad: Grad::Rule(|c| vec![Some(c.g().clone()), Some(c.g().clone())]));
binary_op!(SUB, "Sub", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::sub(a, b), grad: Grad::Rule(|c| vec![Some(c.g().clone()), Some(-c.g())]));
binary_op!(MUL, "Mul", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::mul(a, b), grad: Grad::Rule(|c| vec![c.want(0, || c.g() * c.x(1)), c.want(1, || c.g() * c.x(0))]));
binary_op!(REAL_DIV, "RealDiv", [F32, F64], None, AwayFromZero, |a, b| a / b,
    grad: Grad::Rule(|c| vec![c.want(0, || c.g() / c.x(1)), c.want(1, || -(c.g() * c.x(0)) / (c.x(1) * c.x(1)))]));
binary_op!(TRUNCATE_DIV, "TruncateDiv", [F32, F64, I32, I64, U8], None, AwayFromZero, |a, b| Num::truncdiv(a, b), int_check: no_int_zero_divisor, grad: Grad::None);
binary_op!(FLOOR_DIV, "FloorDiv", [F32, F64, I32, I64, U8], None, AwayFromZero, |a, b| Num::floordiv(a, b), int_check: no_int_zero_divisor, grad: Grad::None);
// dx = dz, dy = -dz * floor(x / y)
binary_op!(FLOOR_MOD, "FloorMod", [F32, F64, I32, I64, U8], None, AwayFromZero, |a, b| Num::floormod(a, b), int_check: no_int_zero_divisor,
    grad: Grad::Rule(|c| vec![Some(c.g().clone()), Some(-(c.g() * api::floordiv(c.x(0), c.x(1))))]));
// z = atan2(y, x): dy = dz * x / (x² + y²), dx = -dz * y / (x² + y²)
binary_op!(ATAN2, "Atan2", [F32, F64], None, AwayFromZero, |a, b| a.atan2(b),
grad: Grad::Rule(|c| {
    let (y, x) = (c.x(0), c.x(1));
    let r2 = api::square(x) + api::square(y);
    vec![c.want(0, || c.g() * x / &r2), c.want(1, || -(c.g() * y) / &r2)]
}));
// dx = dz * y * x^(y-1); dy = dz * z * ln(x) where x > 0, else 0
binary_op!(POW, "Pow", [F32, F64, I32, I64], None, Positive, |a, b| Num::power(a, b), int_check: no_negative_int_exponent,
grad: Grad::Rule(|c| {
    let (x, y, z) = (c.x(0), c.x(1), c.y());
    let dx = c.g() * y * api::pow(x, &(y - 1.0));
    let pos = api::greater(x, &api::zeros_like(x));
    let safe_x = api::where_(&pos, x, &api::ones_like(x));
    let dy = api::where_(&pos, &(c.g() * z * api::log(&safe_x)), &api::zeros_like(z));
    vec![Some(dx), Some(dy)]
}));
// The gradient goes to x where x >= y (Maximum) or x <= y (Minimum), else to y.
binary_op!(MAXIMUM, "Maximum", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::maximum(a, b),
    grad: Grad::Rule(|c| select_grad(c, &api::greater_equal(c.x(0), c.x(1)))));
binary_op!(MINIMUM, "Minimum", [F32, F64, I32, I64, U8], None, Any, |a, b| Num::minimum(a, b),
    grad: Grad::Rule(|c| select_grad(c, &api::less_equal(c.x(0), c.x(1)))));
// dx = 2 (x - y) dz, dy = -dx
binary_op!(SQUARED_DIFFERENCE, "SquaredDifference", [F32, F64, I32, I64], None, Any, |a, b| { let d = Num::sub(a, b); Num::mul(d, d) },
grad: Grad::Rule(|c| {
    let d = c.g() * ((c.x(0) - c.x(1)) * 2.0);
    vec![Some(d.clone()), Some(-d)]
}));
// `ReluGrad(gradients, features)`: the gradient where the features are positive, else 0 — Relu's
// backward in one pass (TensorFlow's op). d/dgradients is ReluGrad again; features only select.
binary_op!(RELU_GRAD, "ReluGrad", [F32, F64, I32, I64], None, AwayFromZero, |g, y| if y > T::ZERO { g } else { T::ZERO },
    grad: Grad::Rule(|c| vec![c.want(0, || relu_grad(c.g(), c.x(1))), None]));
binary_op!(EQUAL, "Equal", [F32, F64, I32, I64, U8, Bool], Some(DType::Bool), Any, |a, b| a == b, grad: Grad::None);
binary_op!(NOT_EQUAL, "NotEqual", [F32, F64, I32, I64, U8, Bool], Some(DType::Bool), Any, |a, b| a != b, grad: Grad::None);
binary_op!(LESS, "Less", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a < b, grad: Grad::None);
binary_op!(LESS_EQUAL, "LessEqual", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a <= b, grad: Grad::None);
binary_op!(GREATER, "Greater", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a > b, grad: Grad::None);
binary_op!(GREATER_EQUAL, "GreaterEqual", [F32, F64, I32, I64, U8], Some(DType::Bool), Any, |a, b| a >= b, grad: Grad::None);
binary_op!(LOGICAL_AND, "LogicalAnd", [Bool], None, Any, |a, b| a & b, grad: Grad::None);
binary_op!(LOGICAL_OR, "LogicalOr", [Bool], None, Any, |a, b| a | b, grad: Grad::None);

/// `ReluGrad(g, y)`.
#[track_caller]
pub(crate) fn relu_grad(g: &Tensor, y: &Tensor) -> Tensor {
    super::execute1(&RELU_GRAD, &[g, y], &Attrs::new())
}

/// Routes dz to x where `mask`, to y elsewhere.
fn select_grad(c: &super::GradCtx, mask: &Tensor) -> Vec<Option<Tensor>> {
    let z = api::zeros_like(c.g());
    vec![Some(api::where_(mask, c.g(), &z)), Some(api::where_(mask, &z, c.g()))]
}

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
    cpu: Kernel::Alloc(|i, _, s| {
        let out = s[0].shape.dims();
        let c = broadcast_values::<bool>(i[0], out);
        let buf = dispatch!(i[1].dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let (x, y) = (broadcast_values::<T>(i[1], out), broadcast_values::<T>(i[2], out));
            Element::into_buffer(c.iter().zip(x.iter().zip(y.iter())).map(|(&c, (&x, &y))| if c { x } else { y }).collect::<Vec<T>>())
        });
        out1(buf, &s[0])
    }),
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
    // d cond = None, dx = where(cond, dz, 0), dy = where(cond, 0, dz)
    grad: Grad::Rule(|c| {
        let z = api::zeros_like(c.g());
        vec![None, Some(api::where_(c.x(0), c.g(), &z)), Some(api::where_(c.x(0), &z, c.g()))]
    }),
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
    &ATAN2,
    &MAXIMUM,
    &MINIMUM,
    &SQUARED_DIFFERENCE,
    &RELU_GRAD,
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
