//! Arithmetic operators: `+ - * /` and unary `-` on `Tensor` and `&Tensor`, and with Rust
//! scalars on either side. A scalar takes the tensor's dtype, as in TensorFlow
//! (`x * 2` on a float32 tensor multiplies by a float32 2).

use super::math::{add, divide, multiply, negative, subtract};
use crate::{dispatch, DType, Element, Shape, Tensor};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A Rust number usable as an operand next to a tensor.
pub trait Scalar: Element {
    /// This value as a scalar tensor of `dtype`.
    ///
    /// # Panics
    /// For `string`: a number is not text.
    #[track_caller]
    fn like(self, dtype: DType) -> Tensor {
        if dtype == DType::String {
            panic!("cannot use the number {self:?} with a string tensor: TensorFlow has no arithmetic on strings");
        }
        let int = Self::DTYPE.is_int();
        let buf = dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => T::into_buffer(vec![if int { T::from_i64(self.to_i64()) } else { T::from_f64(self.to_f64()) }]));
        Tensor::from_parts(buf, Shape::scalar())
    }
}
impl Scalar for f32 {}
impl Scalar for f64 {}
impl Scalar for i32 {}
impl Scalar for i64 {}
impl Scalar for u8 {}

macro_rules! binop {
    ($tr:ident, $m:ident, $f:ident) => {
        impl $tr<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: &Tensor) -> Tensor {
                $f(self, rhs)
            }
        }
        impl $tr<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: Tensor) -> Tensor {
                $f(&self, &rhs)
            }
        }
        impl $tr<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: &Tensor) -> Tensor {
                $f(&self, rhs)
            }
        }
        impl $tr<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: Tensor) -> Tensor {
                $f(self, &rhs)
            }
        }
        impl<S: Scalar> $tr<S> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: S) -> Tensor {
                $f(self, &rhs.like(self.dtype()))
            }
        }
        impl<S: Scalar> $tr<S> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: S) -> Tensor {
                $f(&self, &rhs.like(self.dtype()))
            }
        }
        binop!(@scalar_lhs $tr, $m, $f, f32, f64, i32, i64, u8);
    };
    (@scalar_lhs $tr:ident, $m:ident, $f:ident, $($s:ty),*) => {$(
        impl $tr<&Tensor> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: &Tensor) -> Tensor {
                $f(&self.like(rhs.dtype()), rhs)
            }
        }
        impl $tr<Tensor> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: Tensor) -> Tensor {
                $f(&self.like(rhs.dtype()), &rhs)
            }
        }
    )*};
}

binop!(Add, add, add);
binop!(Sub, sub, subtract);
binop!(Mul, mul, multiply);
binop!(Div, div, divide);

impl Neg for &Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        negative(self)
    }
}
impl Neg for Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        negative(&self)
    }
}
