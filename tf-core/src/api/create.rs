//! Creating tensors: `constant` from Rust values, `zeros`, `ones`, `fill`, `*_like`,
//! `range`, `linspace`, `eye`, and TensorFlow's dtype names (`tf::float32`, ...).

use crate::{DType, Element, Shape, Tensor};

/// `tf.float32`.
#[allow(non_upper_case_globals)]
pub const float32: DType = DType::F32;
/// `tf.float64`.
#[allow(non_upper_case_globals)]
pub const float64: DType = DType::F64;
/// `tf.int32`.
#[allow(non_upper_case_globals)]
pub const int32: DType = DType::I32;
/// `tf.int64`.
#[allow(non_upper_case_globals)]
pub const int64: DType = DType::I64;
/// `tf.uint8`.
#[allow(non_upper_case_globals)]
pub const uint8: DType = DType::U8;
/// `tf.bool`.
#[allow(non_upper_case_globals)]
pub const bool: DType = DType::Bool;
/// `tf.string`.
#[allow(non_upper_case_globals)]
pub const string: DType = DType::String;

/// Rust values that `tf::constant` accepts: scalars, (nested) arrays up to rank 4, vectors,
/// slices, `ndarray` arrays and tensors.
pub trait IntoTensor {
    /// The tensor holding these values.
    fn into_tensor(self) -> Tensor;
}

macro_rules! scalar_into {
    ($($t:ty),*) => {$(
        impl IntoTensor for $t {
            fn into_tensor(self) -> Tensor {
                Tensor::from_parts(Element::into_buffer(vec![self]), Shape::scalar())
            }
        }
    )*};
}
scalar_into!(f32, f64, i32, i64, u8, bool);

impl<T: Element, const A: usize> IntoTensor for [T; A] {
    fn into_tensor(self) -> Tensor {
        Tensor::from_parts(T::into_buffer(self.to_vec()), Shape::new(&[A]))
    }
}
impl<T: Element, const A: usize, const B: usize> IntoTensor for [[T; B]; A] {
    fn into_tensor(self) -> Tensor {
        Tensor::from_parts(T::into_buffer(self.iter().flatten().copied().collect()), Shape::new(&[A, B]))
    }
}
impl<T: Element, const A: usize, const B: usize, const C: usize> IntoTensor for [[[T; C]; B]; A] {
    fn into_tensor(self) -> Tensor {
        Tensor::from_parts(
            T::into_buffer(self.iter().flatten().flatten().copied().collect()),
            Shape::new(&[A, B, C]),
        )
    }
}
impl<T: Element, const A: usize, const B: usize, const C: usize, const D: usize> IntoTensor for [[[[T; D]; C]; B]; A] {
    fn into_tensor(self) -> Tensor {
        Tensor::from_parts(
            T::into_buffer(self.iter().flatten().flatten().flatten().copied().collect()),
            Shape::new(&[A, B, C, D]),
        )
    }
}
impl<T: Element> IntoTensor for Vec<T> {
    fn into_tensor(self) -> Tensor {
        let n = self.len();
        Tensor::from_parts(T::into_buffer(self), Shape::new(&[n]))
    }
}
impl<T: Element> IntoTensor for &[T] {
    fn into_tensor(self) -> Tensor {
        self.to_vec().into_tensor()
    }
}
impl<T: Element, S: ndarray::Data<Elem = T>, D: ndarray::Dimension> IntoTensor for ndarray::ArrayBase<S, D> {
    fn into_tensor(self) -> Tensor {
        Tensor::from_ndarray(&self)
    }
}
/// Text: a string tensor (`tf.constant("hello")`, `tf.constant(["a", "b"])`).
macro_rules! strings_into {
    ($($t:ty),*) => {$(
        impl IntoTensor for $t {
            fn into_tensor(self) -> Tensor {
                Tensor::from_parts(crate::Buffer::String(vec![self.to_string()]), Shape::scalar())
            }
        }
        impl<const A: usize> IntoTensor for [$t; A] {
            fn into_tensor(self) -> Tensor {
                let v = self.iter().map(|s| s.to_string()).collect();
                Tensor::from_parts(crate::Buffer::String(v), Shape::new(&[A]))
            }
        }
        impl<const A: usize, const B: usize> IntoTensor for [[$t; B]; A] {
            fn into_tensor(self) -> Tensor {
                let v = self.iter().flatten().map(|s| s.to_string()).collect();
                Tensor::from_parts(crate::Buffer::String(v), Shape::new(&[A, B]))
            }
        }
        impl IntoTensor for Vec<$t> {
            fn into_tensor(self) -> Tensor {
                let n = self.len();
                let v = self.iter().map(|s| s.to_string()).collect();
                Tensor::from_parts(crate::Buffer::String(v), Shape::new(&[n]))
            }
        }
        impl IntoTensor for &[$t] {
            fn into_tensor(self) -> Tensor {
                let v: Vec<String> = self.iter().map(|s| s.to_string()).collect();
                let n = v.len();
                Tensor::from_parts(crate::Buffer::String(v), Shape::new(&[n]))
            }
        }
    )*};
}
strings_into!(&str, String);

impl IntoTensor for Tensor {
    fn into_tensor(self) -> Tensor {
        self
    }
}
impl IntoTensor for &Tensor {
    fn into_tensor(self) -> Tensor {
        self.clone()
    }
}
/// The variable's current value (a staged read inside a trace).
impl IntoTensor for &crate::Variable {
    fn into_tensor(self) -> Tensor {
        self.value()
    }
}

/// `tf.constant(value)`: a tensor from Rust values; the dtype follows the Rust type.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([1.0f32, 2.0]);
/// let b = tf::constant([3.0f32, 4.0]);
/// assert_eq!((&a + &b).to_string(), "tf.Tensor([4. 6.], shape=(2,), dtype=float32)");
/// ```
pub fn constant(value: impl IntoTensor) -> Tensor {
    value.into_tensor()
}

#[track_caller]
fn check_defined(shape: &Shape, what: &str) {
    if !shape.is_fully_defined() {
        panic!(
            "{what}: the shape {shape} has unknown dimensions; inside a traced function use tf::zeros_like / tf::ones_like of a \
             tensor, or tf::shape, for a shape known only when the graph runs"
        );
    }
}

/// A tensor of `shape` with every element `value` (converted to `dtype`).
///
/// ```
/// use tf_core as tf;
/// let t = tf::fill_dtype([2, 2], 9.0, tf::int32);
/// assert_eq!(t.to_vec::<i32>(), vec![9; 4]);
/// ```
#[track_caller]
pub fn fill_dtype(shape: impl Into<Shape>, value: f64, dtype: DType) -> Tensor {
    let shape = shape.into();
    check_defined(&shape, "fill");
    let n = shape.num_elements();
    if dtype == DType::String {
        // `tf.zeros(shape, tf.string)` is empty strings; no other number is text.
        assert!(value == 0.0, "fill: a string tensor cannot hold the number {value}");
        return Tensor::from_parts(crate::Buffer::String(vec![String::new(); n]), shape);
    }
    let buf = crate::dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => T::into_buffer(vec![T::from_f64(value); n]));
    Tensor::from_parts(buf, shape)
}

/// `tf.fill(dims, value)`: the dtype follows the Rust type of `value`.
///
/// ```
/// let t = tf_core::fill([2, 2], 7i32);
/// assert_eq!(t.to_vec::<i32>(), vec![7, 7, 7, 7]);
/// ```
#[track_caller]
pub fn fill<T: Element>(shape: impl Into<Shape>, value: T) -> Tensor {
    let shape = shape.into();
    check_defined(&shape, "fill");
    let n = shape.num_elements();
    Tensor::from_parts(T::into_buffer(vec![value; n]), shape)
}

/// `tf.zeros(shape, dtype)`.
///
/// ```
/// use tf_core as tf;
/// let z = tf::zeros([2, 3], tf::int32);
/// assert_eq!(z.shape().dims(), &[2, 3]);
/// assert_eq!(z.to_vec::<i32>(), vec![0; 6]);
/// ```
#[track_caller]
pub fn zeros(shape: impl Into<Shape>, dtype: DType) -> Tensor {
    fill_dtype(shape, 0.0, dtype)
}
/// `tf.ones(shape, dtype)`.
///
/// ```
/// use tf_core as tf;
/// let o = tf::ones([2, 3], tf::float32);
/// assert_eq!(o.to_vec::<f32>(), vec![1.0; 6]);
/// ```
#[track_caller]
pub fn ones(shape: impl Into<Shape>, dtype: DType) -> Tensor {
    fill_dtype(shape, 1.0, dtype)
}
/// `tf.zeros_like(x)`. Of a traced tensor with unknown dimensions, a `ZerosLike` op that
/// takes the shape the tensor has when the graph runs.
///
/// ```
/// use tf_core as tf;
/// let z = tf::zeros_like(&tf::constant([[1, 2, 3], [4, 5, 6]]));
/// assert_eq!((z.dtype(), z.shape().dims()), (tf::int32, &[2usize, 3][..]));
/// assert_eq!(z.to_vec::<i32>(), vec![0; 6]);
/// ```
#[track_caller]
pub fn zeros_like(x: &Tensor) -> Tensor {
    if x.shape().is_fully_defined() {
        return zeros(x.shape().clone(), x.dtype());
    }
    crate::ops::execute1(&crate::ops::shape::ZEROS_LIKE, &[x], &crate::ops::Attrs::new())
}
/// `tf.ones_like(x)`, as [`zeros_like`].
///
/// ```
/// use tf_core as tf;
/// let o = tf::ones_like(&tf::constant([[1.0f64, 2.0], [3.0, 4.0]]));
/// assert_eq!(o.dtype(), tf::float64);
/// assert_eq!(o.to_vec::<f64>(), vec![1.0; 4]);
/// ```
#[track_caller]
pub fn ones_like(x: &Tensor) -> Tensor {
    if x.shape().is_fully_defined() {
        return ones(x.shape().clone(), x.dtype());
    }
    crate::ops::execute1(&crate::ops::shape::ONES_LIKE, &[x], &crate::ops::Attrs::new())
}

/// A scalar of `dtype` holding `v` (as a C cast converts it).
///
/// ```
/// use tf_core as tf;
/// let s = tf::scalar(2.5, tf::float64);
/// assert_eq!(s.rank(), 0);
/// assert_eq!(s.scalar::<f64>(), 2.5);
/// ```
pub fn scalar(v: f64, dtype: DType) -> Tensor {
    fill_dtype(Shape::scalar(), v, dtype)
}

/// The arguments of [`range`]: `limit`, `(start, limit)` or `(start, limit, delta)`.
pub trait RangeArgs {
    /// The element type.
    type T: Element;
    /// `(start, limit, delta)`.
    fn bounds(self) -> (Self::T, Self::T, Self::T);
}
impl<T: Element> RangeArgs for T {
    type T = T;
    fn bounds(self) -> (T, T, T) {
        (T::from_i64(0), self, T::from_i64(1))
    }
}
impl<T: Element> RangeArgs for (T, T) {
    type T = T;
    fn bounds(self) -> (T, T, T) {
        (self.0, self.1, T::from_i64(1))
    }
}
impl<T: Element> RangeArgs for (T, T, T) {
    type T = T;
    fn bounds(self) -> (T, T, T) {
        self
    }
}

/// `tf.range(limit)`, `tf.range(start, limit)`, `tf.range(start, limit, delta)` (as a tuple):
/// values `start, start + delta, ...` below `limit` (above, for a negative `delta`); the dtype
/// follows the Rust type. In a `#[tf::function]`, `for i in tf::range(n)` is a staged loop
/// (one `While` node), where `for i in 0..n` unrolls.
///
/// # Panics
/// When `delta` is zero.
///
/// ```
/// assert_eq!(tf_core::range(4).to_vec::<i32>(), vec![0, 1, 2, 3]);
/// assert_eq!(tf_core::range((3, 18, 3)).to_vec::<i32>(), vec![3, 6, 9, 12, 15]);
/// assert_eq!(tf_core::range((0.0f32, 1.0, 0.25)).to_vec::<f32>(), vec![0.0, 0.25, 0.5, 0.75]);
/// ```
#[track_caller]
pub fn range<A: RangeArgs>(args: A) -> Tensor {
    let (start, limit, delta) = args.bounds();
    range_of::<A::T>(start, limit, delta)
}

#[track_caller]
fn range_of<T: Element>(start: T, limit: T, delta: T) -> Tensor {
    let (s, l, d) = (start.to_f64(), limit.to_f64(), delta.to_f64());
    if d == 0.0 {
        panic!("Range: Requires delta != 0");
    }
    if (d > 0.0 && s > l) || (d < 0.0 && s < l) {
        panic!("Range: Requires start <= limit when delta > 0 (or start >= limit when delta < 0): {s}/{l}/{d}");
    }
    let n = ((l - s) / d).ceil().max(0.0) as usize;
    let vals: Vec<T> = if T::DTYPE.is_int() {
        let (s, d) = (start.to_i64(), delta.to_i64());
        (0..n as i64).map(|i| T::from_i64(s + i * d)).collect()
    } else {
        (0..n).map(|i| T::from_f64(s + i as f64 * d)).collect()
    };
    Tensor::from_parts(T::into_buffer(vals), Shape::new(&[n]))
}

/// `tf.linspace(start, stop, num)`: `num` evenly spaced values, both ends included.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::linspace(10.0f32, 12.0, 3).to_vec::<f32>(), vec![10.0, 11.0, 12.0]);
/// ```
pub fn linspace<T: Element>(start: T, stop: T, num: usize) -> Tensor {
    let (a, b) = (start.to_f64(), stop.to_f64());
    let vals: Vec<T> = (0..num)
        .map(|i| {
            if num == 1 {
                T::from_f64(a)
            } else if i + 1 == num {
                T::from_f64(b)
            } else {
                T::from_f64(a + (b - a) * i as f64 / (num - 1) as f64)
            }
        })
        .collect();
    Tensor::from_parts(T::into_buffer(vals), Shape::new(&[num]))
}

/// `tf.eye(num_rows, num_columns, dtype)`: ones on the main diagonal.
///
/// ```
/// use tf_core as tf;
/// let e = tf::eye(2, Some(3), tf::float32);
/// assert_eq!(e.shape().dims(), &[2, 3]);
/// assert_eq!(e.to_vec::<f32>(), vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
/// ```
pub fn eye(rows: usize, cols: Option<usize>, dtype: DType) -> Tensor {
    let cols = cols.unwrap_or(rows);
    let mut vals = vec![0.0; rows * cols];
    for i in 0..rows.min(cols) {
        vals[i * cols + i] = 1.0;
    }
    let buf = crate::dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => T::into_buffer(vals.iter().map(|&v| T::from_f64(v)).collect()));
    Tensor::from_parts(buf, Shape::new(&[rows, cols]))
}
