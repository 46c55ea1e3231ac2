//! Per-type arithmetic used by the kernels: integer ops wrap (as TensorFlow's do), float ops
//! follow IEEE, and float-only functions come from `std` and `libm`.

use crate::Element;

/// Arithmetic on numeric element types.
pub trait Num: Element {
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Smallest value (−∞ for floats).
    const LOWEST: Self;
    /// Largest value (+∞ for floats).
    const HIGHEST: Self;
    /// `a + b` (wrapping for integers).
    fn add(self, o: Self) -> Self;
    /// `a - b` (wrapping for integers).
    fn sub(self, o: Self) -> Self;
    /// `a * b` (wrapping for integers).
    fn mul(self, o: Self) -> Self;
    /// Division rounding toward zero; the caller excludes integer division by zero.
    fn truncdiv(self, o: Self) -> Self;
    /// Floor division; the caller excludes integer division by zero.
    fn floordiv(self, o: Self) -> Self;
    /// Remainder with the sign of the divisor (Python's `%`).
    fn floormod(self, o: Self) -> Self;
    /// `a ** b` (integers: wrapping, negative exponents give 0 except for ±1 bases).
    fn power(self, o: Self) -> Self;
    /// `-a` (wrapping).
    fn negate(self) -> Self;
    /// `|a|` (wrapping).
    fn abs_val(self) -> Self;
    /// −1, 0 or 1 (NaN stays NaN).
    fn sign_of(self) -> Self;
    /// `max(a, b)`, propagating NaN as TensorFlow does.
    fn maximum(self, o: Self) -> Self;
    /// `min(a, b)`, propagating NaN as TensorFlow does.
    fn minimum(self, o: Self) -> Self;
    /// True for the additive identity.
    fn is_zero(self) -> bool;
}

macro_rules! num_int {
    ($t:ty) => {
        impl Num for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            #[inline]
            fn add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline]
            fn sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            #[inline]
            fn mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            #[inline]
            fn truncdiv(self, o: Self) -> Self {
                self.wrapping_div(o)
            }
            #[inline]
            fn floordiv(self, o: Self) -> Self {
                let q = self.wrapping_div(o);
                #[allow(unused_comparisons)]
                if (self % o != 0) && ((self < 0) != (o < 0)) {
                    q - 1
                } else {
                    q
                }
            }
            #[inline]
            fn floormod(self, o: Self) -> Self {
                let r = self.wrapping_rem(o);
                #[allow(unused_comparisons)]
                if r != 0 && ((r < 0) != (o < 0)) {
                    r.wrapping_add(o)
                } else {
                    r
                }
            }
            /// `a^b` with wrapping products over the whole exponent. A negative exponent is
            /// `Pow`'s error before any kernel runs, as in TensorFlow.
            fn power(self, o: Self) -> Self {
                let (mut base, mut e, mut acc) = (self, o as u64, 1 as $t);
                while e > 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            #[inline]
            fn negate(self) -> Self {
                (0 as $t).wrapping_sub(self)
            }
            #[inline]
            fn abs_val(self) -> Self {
                #[allow(unused_comparisons)]
                if self < 0 {
                    self.negate()
                } else {
                    self
                }
            }
            #[inline]
            fn sign_of(self) -> Self {
                #[allow(unused_comparisons)]
                if self > 0 {
                    1 as $t
                } else if self < 0 {
                    (0 as $t).wrapping_sub(1)
                } else {
                    0
                }
            }
            #[inline]
            fn maximum(self, o: Self) -> Self {
                Ord::max(self, o)
            }
            #[inline]
            fn minimum(self, o: Self) -> Self {
                Ord::min(self, o)
            }
            #[inline]
            fn is_zero(self) -> bool {
                self == 0
            }
        }
    };
}
num_int!(i32);
num_int!(i64);
num_int!(u8);

macro_rules! num_float {
    ($t:ty) => {
        impl Num for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            #[inline]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline]
            fn truncdiv(self, o: Self) -> Self {
                (self / o).trunc()
            }
            #[inline]
            fn floordiv(self, o: Self) -> Self {
                (self / o).floor()
            }
            #[inline]
            fn floormod(self, o: Self) -> Self {
                let r = self % o;
                if r != 0.0 && ((r < 0.0) != (o < 0.0)) {
                    r + o
                } else {
                    r
                }
            }
            #[inline]
            fn power(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline]
            fn negate(self) -> Self {
                -self
            }
            #[inline]
            fn abs_val(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn sign_of(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else if self == 0.0 {
                    0.0 // -0.0 too, as TensorFlow
                } else {
                    self
                }
            }
            #[inline]
            fn maximum(self, o: Self) -> Self {
                if self.is_nan() || self > o {
                    self
                } else if o.is_nan() {
                    o
                } else {
                    o
                }
            }
            #[inline]
            fn minimum(self, o: Self) -> Self {
                if self.is_nan() || self < o {
                    self
                } else if o.is_nan() {
                    o
                } else {
                    o
                }
            }
            #[inline]
            fn is_zero(self) -> bool {
                self == 0.0
            }
        }
    };
}
num_float!(f32);
num_float!(f64);

/// Float-only functions.
pub trait Float: Num {
    /// Gauss error function.
    fn erf(self) -> Self;
    /// From an f64 constant.
    fn c(v: f64) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
}
impl Float for f32 {
    fn erf(self) -> Self {
        libm::erff(self)
    }
    fn c(v: f64) -> Self {
        v as f32
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
}
impl Float for f64 {
    fn erf(self) -> Self {
        libm::erf(self)
    }
    fn c(v: f64) -> Self {
        v
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_floor_semantics() {
        assert_eq!(Num::floordiv(-7i32, 2), -4);
        assert_eq!(Num::floormod(-7i32, 2), 1);
        assert_eq!(Num::floormod(7i64, -2), -1);
        assert_eq!(Num::floormod(-7.0f64, 2.0), 1.0);
        assert_eq!(Num::floordiv(7.0f32, -2.0), -4.0);
        assert_eq!(Num::power(2i32, 10), 1024);
        assert_eq!(Num::add(i32::MAX, 1), i32::MIN);
        assert!(Num::maximum(f32::NAN, 1.0).is_nan());
    }
}
