//! Element types: the run-time `DType` tag and the `Element` trait that ties each Rust type
//! to its tag and its storage variant.

use crate::tensor::Buffer;
use std::fmt;

/// A tensor's element type, a run-time property as in TensorFlow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DType {
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 32-bit signed integer.
    I32,
    /// 64-bit signed integer.
    I64,
    /// 8-bit unsigned integer.
    U8,
    /// Boolean.
    Bool,
    /// A string of text (`tf.string`). Its elements are Rust `String`s, so they hold UTF-8
    /// text; it is not an [`Element`] (not `Copy`): read it with
    /// [`Tensor::strings`](crate::Tensor::strings).
    String,
}

impl DType {
    /// Every dtype of fixed-size elements (all but [`String`](DType::String)), in a fixed
    /// order: the ones the numeric and movement kernels are written for.
    pub const ALL: [DType; 6] = [DType::F32, DType::F64, DType::I32, DType::I64, DType::U8, DType::Bool];

    /// TensorFlow's name: `float32`, `int64`, `bool`, ...
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::Bool => "bool",
            DType::String => "string",
        }
    }
    /// Size of one element in bytes; 0 for `string`, whose elements vary in size (as
    /// TensorFlow's `DataTypeSize`).
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::F64 | DType::I64 => 8,
            DType::U8 | DType::Bool => 1,
            DType::String => 0,
        }
    }
    /// `float32` or `float64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
    /// A signed or unsigned integer type.
    pub fn is_int(self) -> bool {
        matches!(self, DType::I32 | DType::I64 | DType::U8)
    }
    /// Integer or float (not bool or string).
    pub fn is_numeric(self) -> bool {
        self.is_float() || self.is_int()
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Rust type that can be a tensor element.
pub trait Element: Copy + Send + Sync + PartialOrd + Default + fmt::Debug + 'static {
    /// The matching dtype.
    const DTYPE: DType;
    /// The values of a buffer of this type, or `None` for another type.
    fn slice(buf: &Buffer) -> Option<&[Self]>;
    /// The vector of a buffer of this type, or `None` for another type: what a kernel that
    /// writes into a given buffer fills.
    fn vec_mut(buf: &mut Buffer) -> Option<&mut Vec<Self>>;
    /// Wraps a vector as a buffer.
    fn into_buffer(v: Vec<Self>) -> Buffer;
    /// Converts to f64 (bool: 0 or 1).
    fn to_f64(self) -> f64;
    /// Converts from f64 as a C cast does (truncating, saturating; bool: non-zero).
    fn from_f64(v: f64) -> Self;
    /// Converts to i64 as `as` does (bool: 0 or 1).
    fn to_i64(self) -> i64;
    /// Converts from i64 as `as` does (bool: non-zero).
    fn from_i64(v: i64) -> Self;
    /// The value as a 64-bit word (its bits, zero-extended): how a compiled loop keeps a
    /// scalar in a register ([`ScalarFn`](crate::ops::ScalarFn)).
    ///
    /// ```
    /// use tf_core::Element;
    /// assert_eq!(f32::from_word(1.5f32.to_word()), 1.5);
    /// assert_eq!(i32::from_word((-3i32).to_word()), -3);
    /// assert!(bool::from_word(true.to_word()));
    /// ```
    fn to_word(self) -> u64;
    /// The value of a word made by [`to_word`](Self::to_word).
    fn from_word(w: u64) -> Self;
}

macro_rules! element {
    ($t:ty, $d:ident, $to:expr, $from:expr) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn slice(buf: &Buffer) -> Option<&[Self]> {
                match buf {
                    Buffer::$d(v) => Some(v),
                    _ => None,
                }
            }
            fn vec_mut(buf: &mut Buffer) -> Option<&mut Vec<Self>> {
                match buf {
                    Buffer::$d(v) => Some(v),
                    _ => None,
                }
            }
            fn into_buffer(v: Vec<Self>) -> Buffer {
                Buffer::$d(v)
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[inline]
            fn to_word(self) -> u64 {
                let to: fn($t) -> u64 = $to;
                to(self)
            }
            #[inline]
            fn from_word(w: u64) -> Self {
                let from: fn(u64) -> $t = $from;
                from(w)
            }
        }
    };
}
element!(f32, F32, |v| v.to_bits() as u64, |w| f32::from_bits(w as u32));
element!(f64, F64, |v| v.to_bits(), f64::from_bits);
element!(i32, I32, |v| v as u32 as u64, |w| w as u32 as i32);
element!(i64, I64, |v| v as u64, |w| w as i64);
element!(u8, U8, |v| v as u64, |w| w as u8);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn slice(buf: &Buffer) -> Option<&[Self]> {
        match buf {
            Buffer::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn vec_mut(buf: &mut Buffer) -> Option<&mut Vec<Self>> {
        match buf {
            Buffer::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn into_buffer(v: Vec<Self>) -> Buffer {
        Buffer::Bool(v)
    }
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn to_word(self) -> u64 {
        self as u64
    }
    fn from_word(w: u64) -> Self {
        w != 0
    }
}

/// Runs `$body` with the type alias `$T` bound to the Rust type of `$dt`, for the listed
/// dtypes. Inference rejects other dtypes before a kernel runs, so any other is an internal
/// error.
#[macro_export]
#[doc(hidden)]
macro_rules! dispatch {
    ($dt:expr, [$($v:ident),+], $T:ident => $body:expr) => {
        match $dt {
            $( $crate::DType::$v => { #[allow(dead_code)] type $T = $crate::dispatch!(@ty $v); $body } )+
            #[allow(unreachable_patterns)]
            other => ::core::panic!("internal error: no kernel for dtype {other}"),
        }
    };
    (@ty F32) => { f32 };
    (@ty F64) => { f64 };
    (@ty I32) => { i32 };
    (@ty I64) => { i64 };
    (@ty U8) => { u8 };
    (@ty Bool) => { bool };
}
