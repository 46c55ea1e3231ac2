//! Elementwise unary primitives (`Neg`, `Exp`, `Sigmoid`, ...) and `Cast`.

use super::num::{Float, Num};
use super::{arity, check_dtype, out1, out_vec, planned_vec, sample, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, Plan};
use crate::api;
use crate::{dispatch, DType, Element, Tensor};
use tf_kernels::cpu::elementwise::{map, map_into};

macro_rules! unary {
    ($id:ident, $name:literal, [$($d:ident),+], $domain:ident, |$x:ident| $e:expr, $grad:expr) => {
        #[doc = concat!("`", $name, "`: `y = ", stringify!($e), "`.")]
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, _| {
                arity(i, 1)?;
                check_dtype(i, 0, &[$(DType::$d),+])?;
                Ok(spec(i[0].dtype(), i[0].shape().clone()))
            },
            cpu: Kernel::Planned(
                |i, _, _, o| {
                    let x = i[0];
                    dispatch!(x.dtype(), [$($d),+], T => map_into(out_vec::<T>(o[0])?, x.data::<T>(), |$x: T| -> T { $e }));
                    Ok(())
                },
                |i, _, s| {
                    let one = s[0].shape.num_elements() == 1;
                    dispatch!(i[0].dtype, [$($d),+], T => Some(Plan {
                        run: Box::new(|x: &[&Tensor], o: &mut [&mut crate::Buffer]| {
                            map_into(planned_vec::<T>(o[0]), x[0].data::<T>(), |$x: T| -> T { $e })
                        }),
                        scalar: one.then_some(|w: u64, _: u64, _: u64| (|$x: T| -> T { $e })(T::from_word(w)).to_word()),
                    }))
                },
            ),
            domain: Domain::$domain,
            cases: || vec![$(Case { inputs: vec![sample(DType::$d, &[2, 3], Domain::$domain, 1)], attrs: Attrs::new() }),+],
            stateful: false,
            grad: $grad,
        };
    };
}

/// `dx`, but 0 where the upstream gradient is 0: TensorFlow's SqrtGrad, RsqrtGrad and
/// ReciprocalGrad, so that a branch a `where` discards (`where(x > 0, sqrt(x), 0)` at
/// x <= 0) adds 0 instead of 0 * inf = NaN.
fn unless_dy_zero(c: &super::GradCtx, dx: Tensor) -> Tensor {
    let zero = api::scalar(0.0, dx.dtype());
    api::where_(&api::equal(c.g(), &zero), &zero, &dx)
}

// Gradient rules, each `dx = ...` in one line; `c.g()` is dy, `c.x(0)` the input, `c.y()` the output.
unary!(
    NEG,
    "Neg",
    [F32, F64, I32, I64],
    Any,
    |x| Num::negate(x),
    Grad::Rule(|c| vec![Some(-c.g())])
);
unary!(
    ABS,
    "Abs",
    [F32, F64, I32, I64],
    AwayFromZero,
    |x| Num::abs_val(x),
    Grad::Rule(|c| vec![Some(c.g() * api::sign(c.x(0)))])
);
unary!(
    SIGN,
    "Sign",
    [F32, F64, I32, I64],
    AwayFromZero,
    |x| Num::sign_of(x),
    Grad::Rule(|c| vec![Some(api::zeros_like(c.x(0)))])
);
unary!(
    SQUARE,
    "Square",
    [F32, F64, I32, I64],
    Any,
    |x| Num::mul(x, x),
    Grad::Rule(|c| vec![Some(c.g() * (c.x(0) * 2.0))])
);
unary!(
    RELU,
    "Relu",
    [F32, F64, I32, I64],
    AwayFromZero,
    |x| Num::maximum(x, T::ZERO),
    Grad::Rule(|c| vec![Some(super::binary::relu_grad(c.g(), c.y()))])
);
unary!(EXP, "Exp", [F32, F64], Any, |x| x.exp(), Grad::Rule(|c| vec![Some(c.g() * c.y())]));
unary!(
    EXPM1,
    "Expm1",
    [F32, F64],
    Any,
    |x| x.exp_m1(),
    Grad::Rule(|c| vec![Some(c.g() * (c.y() + 1.0))])
);
unary!(
    LOG,
    "Log",
    [F32, F64],
    Positive,
    |x| x.ln(),
    Grad::Rule(|c| vec![Some(c.g() / c.x(0))])
);
unary!(
    LOG1P,
    "Log1p",
    [F32, F64],
    Positive,
    |x| x.ln_1p(),
    Grad::Rule(|c| vec![Some(c.g() / (c.x(0) + 1.0))])
);
unary!(
    SQRT,
    "Sqrt",
    [F32, F64],
    Positive,
    |x| x.sqrt(),
    Grad::Rule(|c| vec![Some(unless_dy_zero(c, c.g() * 0.5 / c.y()))])
);
unary!(
    RSQRT,
    "Rsqrt",
    [F32, F64],
    Positive,
    |x| 1.0 / x.sqrt(),
    Grad::Rule(|c| vec![Some(unless_dy_zero(c, c.g() * -0.5 * (c.y() * c.y() * c.y())))])
);
unary!(
    RECIPROCAL,
    "Reciprocal",
    [F32, F64],
    AwayFromZero,
    |x| 1.0 / x,
    Grad::Rule(|c| vec![Some(unless_dy_zero(c, -(c.g() * (c.y() * c.y()))))])
);
unary!(
    SIN,
    "Sin",
    [F32, F64],
    Any,
    |x| x.sin(),
    Grad::Rule(|c| vec![Some(c.g() * api::cos(c.x(0)))])
);
unary!(
    COS,
    "Cos",
    [F32, F64],
    Any,
    |x| x.cos(),
    Grad::Rule(|c| vec![Some(-(c.g() * api::sin(c.x(0))))])
);
unary!(
    TAN,
    "Tan",
    [F32, F64],
    Open1,
    |x| x.tan(),
    Grad::Rule(|c| vec![Some(c.g() * (c.y() * c.y() + 1.0))])
);
unary!(
    SINH,
    "Sinh",
    [F32, F64],
    Any,
    |x| x.sinh(),
    Grad::Rule(|c| vec![Some(c.g() * api::cosh(c.x(0)))])
);
unary!(
    COSH,
    "Cosh",
    [F32, F64],
    Any,
    |x| x.cosh(),
    Grad::Rule(|c| vec![Some(c.g() * api::sinh(c.x(0)))])
);
unary!(
    ASIN,
    "Asin",
    [F32, F64],
    Open1,
    |x| x.asin(),
    Grad::Rule(|c| vec![Some(c.g() * api::rsqrt(&(1.0 - api::square(c.x(0)))))])
);
unary!(
    ACOS,
    "Acos",
    [F32, F64],
    Open1,
    |x| x.acos(),
    Grad::Rule(|c| vec![Some(-(c.g() * api::rsqrt(&(1.0 - api::square(c.x(0))))))])
);
unary!(
    ATAN,
    "Atan",
    [F32, F64],
    Any,
    |x| x.atan(),
    Grad::Rule(|c| vec![Some(c.g() / (api::square(c.x(0)) + 1.0))])
);
unary!(
    ASINH,
    "Asinh",
    [F32, F64],
    Any,
    |x| x.asinh(),
    Grad::Rule(|c| vec![Some(c.g() / api::cosh(c.y()))])
);
unary!(
    ATANH,
    "Atanh",
    [F32, F64],
    Open1,
    |x| x.atanh(),
    Grad::Rule(|c| vec![Some(c.g() / (1.0 - api::square(c.x(0))))])
);
unary!(
    TANH,
    "Tanh",
    [F32, F64],
    Any,
    |x| x.tanh(),
    Grad::Rule(|c| vec![Some(c.g() * (1.0f64 - c.y() * c.y()))])
);
unary!(
    ERF,
    "Erf",
    [F32, F64],
    Any,
    |x| Float::erf(x),
    Grad::Rule(|c| vec![Some(c.g() * (api::exp(&-(c.x(0) * c.x(0))) * std::f64::consts::FRAC_2_SQRT_PI))])
);
unary!(FLOOR, "Floor", [F32, F64], Any, |x| x.floor(), Grad::None);
unary!(CEIL, "Ceil", [F32, F64], Any, |x| x.ceil(), Grad::None);
unary!(ROUND, "Round", [F32, F64], Any, |x| x.round_ties_even(), Grad::None);
unary!(
    SIGMOID,
    "Sigmoid",
    [F32, F64],
    Any,
    |x| if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    },
    Grad::Rule(|c| vec![Some(c.g() * (c.y() * (1.0f64 - c.y())))])
);
unary!(LOGICAL_NOT, "LogicalNot", [Bool], Any, |x| !x, Grad::None);

/// `Cast`: converts to the dtype in attribute `DstT` (floats to ints truncate toward zero and
/// saturate; anything to bool is `x != 0`; bool to numbers is 0 or 1).
pub static CAST: OpDef = OpDef {
    name: "Cast",
    infer: |i, a| {
        arity(i, 1)?;
        let (from, to) = (i[0].dtype(), a.get_dtype("DstT")?);
        if from != to && (from == DType::String || to == DType::String) {
            return Err(format!("Cast {from} to {to} is not supported"));
        }
        Ok(spec(to, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let x = i[0];
        let to = s[0].dtype;
        if to == x.dtype() {
            return Ok(smallvec::smallvec![x.renamed()]);
        }
        let buf = dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], S => {
            let src = x.data::<S>();
            dispatch!(to, [F32, F64, I32, I64, U8, Bool], D => Element::into_buffer(cast_slice::<S, D>(src)))
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let mut v = Vec::new();
        for &from in &DType::ALL {
            for &to in &DType::ALL {
                v.push(Case {
                    inputs: vec![sample(from, &[4], Domain::Any, 3)],
                    attrs: Attrs::new().dtype("DstT", to),
                });
            }
        }
        v
    },
    stateful: false,
    // dx = cast(dy, x.dtype) for float inputs; integers carry no gradient.
    grad: Grad::Rule(|c| vec![c.x(0).dtype().is_float().then(|| api::cast(c.g(), c.x(0).dtype()))]),
};

fn cast_slice<S: Element, D: Element>(src: &[S]) -> Vec<D> {
    let exact_int = |d: DType| d.is_int() || d == DType::Bool;
    if exact_int(S::DTYPE) && exact_int(D::DTYPE) {
        // Through i64, so int64 values above 2^53 stay exact.
        map(src, |v| D::from_i64(v.to_i64()))
    } else if S::DTYPE.is_float() && D::DTYPE.is_int() {
        map(src, |v| D::from_i64(float_to_int(v.to_f64(), D::DTYPE)))
    } else {
        map(src, |v| D::from_f64(v.to_f64()))
    }
}

/// Float to integer as TensorFlow's CPU kernel converts (x86 `cvtt`): truncation toward
/// zero, and NaN or out-of-range values become the type's minimum. uint8 goes through int32
/// and wraps, so `-2.7` becomes 254.
fn float_to_int(v: f64, to: DType) -> i64 {
    let via = |lo: f64, hi: f64, min: i64| {
        if v.is_nan() || v < lo || v >= hi {
            min
        } else {
            v.trunc() as i64
        }
    };
    match to {
        DType::I64 => via(-9.223_372_036_854_776e18, 9.223_372_036_854_776e18, i64::MIN),
        _ => via(-2_147_483_648.0, 2_147_483_648.0, i32::MIN as i64),
    }
}

/// `StopGradient`: passes its input through; no gradient flows back (`tf.stop_gradient`).
pub static STOP_GRADIENT: OpDef = OpDef {
    name: "StopGradient",
    infer: |i, _| {
        arity(i, 1)?;
        Ok(spec(i[0].dtype(), i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, _| Ok(smallvec::smallvec![i[0].renamed()])),
    domain: Domain::Any,
    cases: || {
        DType::ALL
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 3], Domain::Any, 1)],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::None,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[
    &STOP_GRADIENT,
    &NEG,
    &ABS,
    &SIGN,
    &SQUARE,
    &RELU,
    &EXP,
    &EXPM1,
    &LOG,
    &LOG1P,
    &SQRT,
    &RSQRT,
    &RECIPROCAL,
    &SIN,
    &COS,
    &TAN,
    &SINH,
    &COSH,
    &ASIN,
    &ACOS,
    &ATAN,
    &ASINH,
    &ATANH,
    &TANH,
    &ERF,
    &FLOOR,
    &CEIL,
    &ROUND,
    &SIGMOID,
    &LOGICAL_NOT,
    &CAST,
];
