//! Elementwise unary primitives (`Neg`, `Exp`, `Sigmoid`, ...) and `Cast`.

use super::num::{Float, Num};
use super::{arity, check_dtype, out1, sample, spec, Attrs, Case, Domain, OpDef};
use crate::{dispatch, DType, Element};
use tf_kernels::cpu::elementwise::map;

macro_rules! unary {
    ($id:ident, $name:literal, [$($d:ident),+], $domain:ident, |$x:ident| $e:expr) => {
        #[doc = concat!("`", $name, "`: `y = ", stringify!($e), "`.")]
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, _| {
                arity(i, 1)?;
                check_dtype(i, 0, &[$(DType::$d),+])?;
                Ok(spec(i[0].dtype(), i[0].shape().clone()))
            },
            cpu: |i, _, s| {
                let x = i[0];
                let buf = dispatch!(x.dtype(), [$($d),+], T => Element::into_buffer(map(x.data::<T>(), |$x: T| -> T { $e })));
                out1(buf, &s[0])
            },
            domain: Domain::$domain,
            cases: || vec![$(Case { inputs: vec![sample(DType::$d, &[2, 3], Domain::$domain, 1)], attrs: Attrs::new() }),+],
            stateful: false,
        };
    };
}

unary!(NEG, "Neg", [F32, F64, I32, I64], Any, |x| Num::negate(x));
unary!(ABS, "Abs", [F32, F64, I32, I64], AwayFromZero, |x| Num::abs_val(x));
unary!(SIGN, "Sign", [F32, F64, I32, I64], AwayFromZero, |x| Num::sign_of(x));
unary!(SQUARE, "Square", [F32, F64, I32, I64], Any, |x| Num::mul(x, x));
unary!(RELU, "Relu", [F32, F64, I32, I64], AwayFromZero, |x| Num::maximum(x, T::ZERO));
unary!(EXP, "Exp", [F32, F64], Any, |x| x.exp());
unary!(EXPM1, "Expm1", [F32, F64], Any, |x| x.exp_m1());
unary!(LOG, "Log", [F32, F64], Positive, |x| x.ln());
unary!(LOG1P, "Log1p", [F32, F64], Positive, |x| x.ln_1p());
unary!(SQRT, "Sqrt", [F32, F64], Positive, |x| x.sqrt());
unary!(RSQRT, "Rsqrt", [F32, F64], Positive, |x| 1.0 / x.sqrt());
unary!(RECIPROCAL, "Reciprocal", [F32, F64], AwayFromZero, |x| 1.0 / x);
unary!(SIN, "Sin", [F32, F64], Any, |x| x.sin());
unary!(COS, "Cos", [F32, F64], Any, |x| x.cos());
unary!(TAN, "Tan", [F32, F64], Open1, |x| x.tan());
unary!(TANH, "Tanh", [F32, F64], Any, |x| x.tanh());
unary!(ERF, "Erf", [F32, F64], Any, |x| Float::erf(x));
unary!(FLOOR, "Floor", [F32, F64], Any, |x| x.floor());
unary!(CEIL, "Ceil", [F32, F64], Any, |x| x.ceil());
unary!(ROUND, "Round", [F32, F64], Any, |x| x.round_ties_even());
unary!(SIGMOID, "Sigmoid", [F32, F64], Any, |x| if x >= 0.0 {
    1.0 / (1.0 + (-x).exp())
} else {
    let e = x.exp();
    e / (1.0 + e)
});
unary!(LOGICAL_NOT, "LogicalNot", [Bool], Any, |x| !x);

/// `Cast`: converts to the dtype in attribute `DstT` (floats to ints truncate toward zero and
/// saturate; anything to bool is `x != 0`; bool to numbers is 0 or 1).
pub static CAST: OpDef = OpDef {
    name: "Cast",
    infer: |i, a| {
        arity(i, 1)?;
        Ok(spec(a.get_dtype("DstT")?, i[0].shape().clone()))
    },
    cpu: |i, _, s| {
        let x = i[0];
        let to = s[0].dtype;
        if to == x.dtype() {
            return Ok(smallvec::smallvec![x.clone()]);
        }
        let buf = dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], S => {
            let src = x.data::<S>();
            dispatch!(to, [F32, F64, I32, I64, U8, Bool], D => Element::into_buffer(cast_slice::<S, D>(src)))
        });
        out1(buf, &s[0])
    },
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

/// This family's ops.
pub static OPS: &[&OpDef] = &[
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
    &TANH,
    &ERF,
    &FLOOR,
    &CEIL,
    &ROUND,
    &SIGMOID,
    &LOGICAL_NOT,
    &CAST,
];
