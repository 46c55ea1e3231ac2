//! `tf.math`: elementwise math, comparisons, logic, reductions, `cast`, `where` and
//! `clip_by_value`. All are also exported at the top level, as TensorFlow does for most.

use super::{run, Axes};
use crate::ops::{binary as b, reduce as r, unary as u, Attrs};
use crate::{DType, Tensor};

macro_rules! unary_fn {
    ($($(#[$m:meta])* $f:ident => $op:path;)*) => {$(
        $(#[$m])*
        ///
        /// # Panics
        /// When the input's dtype is not accepted by the op.
        #[track_caller]
        pub fn $f(x: &Tensor) -> Tensor {
            run(&$op, &[x], Attrs::new())
        }
    )*};
}

unary_fn! {
    /// `tf.math.negative`: `y = -x`.
    negative => u::NEG;
    /// `tf.math.abs`: `y = |x|`.
    abs => u::ABS;
    /// `tf.math.sign`: `y = -1, 0 or 1`.
    sign => u::SIGN;
    /// `tf.math.square`: `y = x * x`.
    square => u::SQUARE;
    /// `tf.math.exp`: `y = e^x`.
    exp => u::EXP;
    /// `tf.math.expm1`: `y = e^x - 1`, accurate near 0.
    expm1 => u::EXPM1;
    /// `tf.math.log`: natural logarithm.
    log => u::LOG;
    /// `tf.math.log1p`: `y = ln(1 + x)`, accurate near 0.
    log1p => u::LOG1P;
    /// `tf.math.sqrt`.
    sqrt => u::SQRT;
    /// `tf.math.rsqrt`: `y = 1 / sqrt(x)`.
    rsqrt => u::RSQRT;
    /// `tf.math.reciprocal`: `y = 1 / x`.
    reciprocal => u::RECIPROCAL;
    /// `tf.math.sin`.
    sin => u::SIN;
    /// `tf.math.cos`.
    cos => u::COS;
    /// `tf.math.tan`.
    tan => u::TAN;
    /// `tf.math.sinh`.
    sinh => u::SINH;
    /// `tf.math.cosh`.
    cosh => u::COSH;
    /// `tf.math.asin`: defined on [-1, 1], NaN outside.
    asin => u::ASIN;
    /// `tf.math.acos`: defined on [-1, 1], NaN outside.
    acos => u::ACOS;
    /// `tf.math.atan`.
    atan => u::ATAN;
    /// `tf.math.asinh`.
    asinh => u::ASINH;
    /// `tf.math.atanh`: defined on (-1, 1), ±inf at ±1.
    atanh => u::ATANH;
    /// `tf.math.tanh`.
    tanh => u::TANH;
    /// `tf.math.erf`: the Gauss error function.
    erf => u::ERF;
    /// `tf.math.floor`.
    floor => u::FLOOR;
    /// `tf.math.ceil`.
    ceil => u::CEIL;
    /// `tf.math.round`: half to even, as TensorFlow (`round(2.5) == 2`).
    round => u::ROUND;
    /// `tf.math.sigmoid`: `y = 1 / (1 + e^-x)`.
    sigmoid => u::SIGMOID;
    /// `tf.math.logical_not`.
    logical_not => u::LOGICAL_NOT;
}

macro_rules! binary_fn {
    ($($(#[$m:meta])* $f:ident => $op:path;)*) => {$(
        $(#[$m])*
        ///
        /// Broadcasts like NumPy; both inputs must have the same dtype.
        ///
        /// # Panics
        /// On a dtype mismatch or shapes that do not broadcast.
        #[track_caller]
        pub fn $f(x: &Tensor, y: &Tensor) -> Tensor {
            run(&$op, &[x, y], Attrs::new())
        }
    )*};
}

binary_fn! {
    /// `tf.math.add`: `z = x + y`.
    add => b::ADD;
    /// `tf.math.subtract`: `z = x - y`.
    subtract => b::SUB;
    /// `tf.math.multiply`: `z = x * y`.
    multiply => b::MUL;
    /// `tf.math.truncatediv`: `x / y` rounded toward zero.
    truncatediv => b::TRUNCATE_DIV;
    /// `tf.math.floordiv`: `z = floor(x / y)`.
    floordiv => b::FLOOR_DIV;
    /// `tf.math.floormod`: `z = x - floor(x / y) * y` (sign of `y`).
    floormod => b::FLOOR_MOD;
    /// `tf.math.pow`: `z = x ^ y`.
    pow => b::POW;
    /// `tf.math.atan2(y, x)`: the angle of the point (x, y), in [-π, π].
    atan2 => b::ATAN2;
    /// `tf.math.maximum`.
    maximum => b::MAXIMUM;
    /// `tf.math.minimum`.
    minimum => b::MINIMUM;
    /// `tf.math.squared_difference`: `z = (x - y)^2`.
    squared_difference => b::SQUARED_DIFFERENCE;
    /// `tf.math.equal`: elementwise `x == y` (bool).
    equal => b::EQUAL;
    /// `tf.math.not_equal`: elementwise `x != y` (bool).
    not_equal => b::NOT_EQUAL;
    /// `tf.math.less`: `x < y`.
    less => b::LESS;
    /// `tf.math.less_equal`: `x <= y`.
    less_equal => b::LESS_EQUAL;
    /// `tf.math.greater`: `x > y`.
    greater => b::GREATER;
    /// `tf.math.greater_equal`: `x >= y`.
    greater_equal => b::GREATER_EQUAL;
    /// `tf.math.logical_and`.
    logical_and => b::LOGICAL_AND;
    /// `tf.math.logical_or`.
    logical_or => b::LOGICAL_OR;
}

/// `tf.math.divide` (`x / y`): floats divide; integers are first cast to float64 (int32,
/// int64) or float32 (uint8), as TensorFlow's true division does.
///
/// ```
/// use tf_core as tf;
/// let q = tf::divide(&tf::constant([7, -7]), &tf::constant([2, 2]));
/// assert_eq!(q.dtype(), tf::float64);
/// assert_eq!(q.to_vec::<f64>(), vec![3.5, -3.5]);
/// ```
///
/// # Panics
/// On a dtype mismatch or shapes that do not broadcast.
#[track_caller]
pub fn divide(x: &Tensor, y: &Tensor) -> Tensor {
    match x.dtype() {
        DType::I32 | DType::I64 if x.dtype() == y.dtype() => run(&b::REAL_DIV, &[&cast(x, DType::F64), &cast(y, DType::F64)], Attrs::new()),
        DType::U8 if y.dtype() == DType::U8 => run(&b::REAL_DIV, &[&cast(x, DType::F32), &cast(y, DType::F32)], Attrs::new()),
        _ => run(&b::REAL_DIV, &[x, y], Attrs::new()),
    }
}

/// `tf.math.truediv`, the same as [`divide`].
///
/// ```
/// use tf_core as tf;
/// let q = tf::truediv(&tf::constant([7, -7]), &tf::constant([2, 2]));
/// assert_eq!(q.to_vec::<f64>(), vec![3.5, -3.5]);
/// ```
#[track_caller]
pub fn truediv(x: &Tensor, y: &Tensor) -> Tensor {
    divide(x, y)
}

/// `tf.math.logical_xor`: `(x | y) & !(x & y)`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([true, true, false, false]);
/// let y = tf::constant([true, false, true, false]);
/// assert_eq!(tf::logical_xor(&x, &y).to_vec::<bool>(), vec![false, true, true, false]);
/// ```
#[track_caller]
pub fn logical_xor(x: &Tensor, y: &Tensor) -> Tensor {
    logical_and(&logical_or(x, y), &logical_not(&logical_and(x, y)))
}

/// `tf.cast(x, dtype)`: float to int truncates toward zero; anything to bool is `x != 0`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1.8f32, 2.2, -1.8]);
/// assert_eq!(tf::cast(&x, tf::int32).to_vec::<i32>(), vec![1, 2, -1]);
/// ```
#[track_caller]
pub fn cast(x: &Tensor, dtype: DType) -> Tensor {
    if x.dtype() == dtype {
        return x.clone();
    }
    run(&u::CAST, &[x], Attrs::new().dtype("DstT", dtype))
}

/// `tf.where(condition, x, y)`: `x` where `condition` is true, else `y`, all broadcast.
///
/// ```
/// use tf_core as tf;
/// let c = tf::constant([true, false]);
/// let z = tf::where_(&c, &tf::constant([1, 2]), &tf::constant([10, 20]));
/// assert_eq!(z.to_vec::<i32>(), vec![1, 20]);
/// ```
#[track_caller]
pub fn where_(condition: &Tensor, x: &Tensor, y: &Tensor) -> Tensor {
    run(&b::SELECT, &[condition, x, y], Attrs::new())
}

/// `tf.clip_by_value(t, lo, hi)`: `min(max(t, lo), hi)`.
///
/// ```
/// use tf_core as tf;
/// let t = tf::constant([-1.0f32, -0.5, 0.0, 0.5, 1.0]);
/// let c = tf::clip_by_value(&t, &tf::constant(-0.5f32), &tf::constant(0.5f32));
/// assert_eq!(c.to_vec::<f32>(), vec![-0.5, -0.5, 0.0, 0.5, 0.5]);
/// ```
#[track_caller]
pub fn clip_by_value(t: &Tensor, lo: &Tensor, hi: &Tensor) -> Tensor {
    minimum(&maximum(t, lo), hi)
}

fn reduce_attrs(axis: Axes, keepdims: bool) -> Attrs {
    let a = Attrs::new().flag("keep_dims", keepdims);
    match axis.0 {
        Some(v) => a.ints("axis", v),
        None => a,
    }
}

macro_rules! reduce_fn {
    ($($(#[$m:meta])* $f:ident => $op:path;)*) => {$(
        $(#[$m])*
        ///
        /// `axis`: `None` for all axes, one axis, or an array of axes (negative allowed).
        #[track_caller]
        pub fn $f(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Tensor {
            run(&$op, &[x], reduce_attrs(axis.into(), keepdims))
        }
    )*};
}

reduce_fn! {
    /// `tf.math.reduce_sum`.
    reduce_sum => r::SUM;
    /// `tf.math.reduce_prod`.
    reduce_prod => r::PROD;
    /// `tf.math.reduce_max` (`-inf` / the lowest value for an empty reduction).
    reduce_max => r::MAX;
    /// `tf.math.reduce_min`.
    reduce_min => r::MIN;
    /// `tf.math.reduce_any` (bool).
    reduce_any => r::ANY;
    /// `tf.math.reduce_all` (bool).
    reduce_all => r::ALL;
}

/// Number of elements reduced over by `axis`: known, or (a traced tensor with an unknown
/// reduced dimension) a tensor of `x`'s dtype computed from `tf.shape` when the graph runs.
fn reduced_count(x: &Tensor, axis: &Axes) -> Result<usize, Tensor> {
    let dims = x.shape().dims();
    let Ok(axes) = crate::shape::normalize_axes(axis.0.as_deref(), dims.len()) else {
        return Ok(1); // the reduction itself reports the bad axis
    };
    if axes.iter().all(|&a| dims[a] != crate::Shape::UNKNOWN) {
        return Ok(axes.iter().map(|&a| dims[a]).product());
    }
    let picked: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
    let sizes = super::gather(&super::shape(x), &super::constant(picked), 0);
    Err(cast(&reduce_prod(&sizes, None, false), x.dtype()))
}

/// `tf.math.reduce_mean`: the sum divided by the count. For integers the division rounds
/// toward zero and an empty mean is 0, as in TensorFlow.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 1.0], [2.0, 2.0]]);
/// assert_eq!(tf::reduce_mean(&x, None, false).scalar::<f32>(), 1.5);
/// assert_eq!(tf::reduce_mean(&x, 1, false).to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
#[track_caller]
pub fn reduce_mean(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Tensor {
    let axis = axis.into();
    let count = reduced_count(x, &axis);
    let s = reduce_sum(x, axis, keepdims);
    let n = match count {
        Ok(n) => n,
        // Known only when the graph runs; an empty integer sum is 0, so dividing it by
        // max(n, 1) gives TensorFlow's 0.
        Err(d) if x.dtype().is_float() => return divide(&s, &d),
        Err(d) => return truncatediv(&s, &maximum(&d, &super::scalar(1.0, x.dtype()))),
    };
    let d = super::scalar(n as f64, x.dtype());
    if x.dtype().is_float() {
        divide(&s, &d)
    } else if n == 0 {
        super::zeros_like(&s)
    } else {
        truncatediv(&s, &d)
    }
}

/// `tf.math.reduce_logsumexp`: `log(Σ exp(x))`, computed stably around the maximum.
///
/// ```
/// use tf_core as tf;
/// let x = tf::zeros([2, 3], tf::float32);
/// let want = tf::constant(1.7917595f32);
/// tf::debugging::assert_near(&tf::reduce_logsumexp(&x, None, false), &want, None, None).unwrap();
/// let want = tf::constant([0.6931472f32, 0.6931472, 0.6931472]);
/// tf::debugging::assert_near(&tf::reduce_logsumexp(&x, 0, false), &want, None, None).unwrap();
/// ```
#[track_caller]
pub fn reduce_logsumexp(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Tensor {
    let axis = axis.into();
    let m = reduce_max(x, axis.clone(), true);
    let m = where_(&super::is_finite(&m), &m, &super::zeros_like(&m));
    let s = reduce_sum(&exp(&subtract(x, &m)), axis.clone(), true);
    let out = add(&log(&s), &m);
    if keepdims {
        out
    } else {
        reduce_sum(&out, axis, false)
    }
}

/// `tf.math.reduce_variance`: the mean squared deviation from the mean.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(tf::reduce_variance(&x, None, false).scalar::<f32>(), 1.25);
/// assert_eq!(tf::reduce_variance(&x, 0, false).to_vec::<f32>(), vec![1.0, 1.0]);
/// ```
#[track_caller]
pub fn reduce_variance(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Tensor {
    let axis = axis.into();
    let m = reduce_mean(x, axis.clone(), true);
    reduce_mean(&squared_difference(x, &m), axis, keepdims)
}

/// `tf.math.reduce_std`: the square root of [`reduce_variance`].
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// let want = tf::constant(1.118034f32);
/// tf::debugging::assert_near(&tf::reduce_std(&x, None, false), &want, None, None).unwrap();
/// assert_eq!(tf::reduce_std(&x, 1, false).to_vec::<f32>(), vec![0.5, 0.5]);
/// ```
#[track_caller]
pub fn reduce_std(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Tensor {
    sqrt(&reduce_variance(x, axis, keepdims))
}

/// `tf.math.argmax(x, axis)`: int64 indices of the largest values (first on ties).
///
/// ```
/// use tf_core as tf;
/// let b = tf::constant([[2, 20, 30, 3, 6], [3, 11, 16, 1, 8], [14, 45, 23, 5, 27]]);
/// assert_eq!(tf::argmax(&b, 0).to_vec::<i64>(), vec![2, 2, 0, 2, 2]);
/// assert_eq!(tf::argmax(&tf::constant([2, 20, 30, 3, 6]), 0).scalar::<i64>(), 2);
/// ```
#[track_caller]
pub fn argmax(x: &Tensor, axis: i64) -> Tensor {
    run(&r::ARG_MAX, &[x], Attrs::new().int("axis", axis).dtype("output_type", DType::I64))
}

/// `tf.math.argmin(x, axis)`: int64 indices of the smallest values (first on ties).
///
/// ```
/// use tf_core as tf;
/// let b = tf::constant([[2, 20, 30, 3, 6], [3, 11, 16, 1, 8], [14, 45, 23, 5, 27]]);
/// assert_eq!(tf::argmin(&b, 1).to_vec::<i64>(), vec![0, 3, 3]);
/// ```
#[track_caller]
pub fn argmin(x: &Tensor, axis: i64) -> Tensor {
    run(&r::ARG_MIN, &[x], Attrs::new().int("axis", axis).dtype("output_type", DType::I64))
}

/// `tf.math.cumsum(x, axis, exclusive, reverse)`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1, 2, 3]);
/// assert_eq!(tf::cumsum(&x, 0, true, false).to_vec::<i32>(), vec![0, 1, 3]);
/// ```
#[track_caller]
pub fn cumsum(x: &Tensor, axis: i64, exclusive: bool, reverse: bool) -> Tensor {
    run(
        &r::CUMSUM,
        &[x],
        Attrs::new().int("axis", axis).flag("exclusive", exclusive).flag("reverse", reverse),
    )
}

/// `tf.math.is_finite`: true where `x` is neither infinite nor NaN.
///
/// ```
/// use tf_core as tf;
/// let v = tf::constant([5.0f32, f32::NAN, 6.8, f32::NAN, f32::INFINITY]);
/// assert_eq!(tf::is_finite(&v).to_vec::<bool>(), vec![true, false, true, false, false]);
/// ```
#[track_caller]
pub fn is_finite(x: &Tensor) -> Tensor {
    let inf = super::scalar(f64::INFINITY, x.dtype());
    logical_and(&equal(x, x), &less(&abs(x), &inf))
}

/// `tf.math.is_nan`.
///
/// ```
/// use tf_core as tf;
/// let v = tf::constant([5.0f32, f32::NAN, 6.8, f32::NAN, f32::INFINITY]);
/// assert_eq!(tf::is_nan(&v).to_vec::<bool>(), vec![false, true, false, true, false]);
/// ```
#[track_caller]
pub fn is_nan(x: &Tensor) -> Tensor {
    not_equal(x, x)
}

/// `tf.stop_gradient(x)`: the same values, but no gradient flows back through it.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant(2.0f64);
/// let tape = tf::GradientTape::new();
/// tape.watch(&x);
/// let y = &x * &tf::stop_gradient(&x);
/// assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f64>(), 2.0);
/// ```
#[track_caller]
pub fn stop_gradient(x: &Tensor) -> Tensor {
    run(&u::STOP_GRADIENT, &[x], Attrs::new())
}

/// `tf.print(*inputs)`: prints the values (space-separated, NumPy style) to stderr every time
/// it runs — immediately in eager code, and on every call of a graph function that contains
/// it (a Rust `println!` in a traced body runs only while tracing).
///
/// ```
/// use tf_core as tf;
/// tf::print(&[&tf::constant([1, 2, 3])]); // stderr: [1 2 3]
/// ```
#[track_caller]
pub fn print(inputs: &[&Tensor]) {
    crate::ops::execute(&crate::ops::io::PRINT, inputs, &Attrs::new());
}

/// `tf.math.divide_no_nan(x, y)`: `x / y`, and 0 wherever `y` is 0 (even for a NaN or
/// infinite `x`). Its gradient is 0 there too (no 0 · inf = NaN), as TensorFlow's is.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([3.0f32, 1.0, f32::NAN]);
/// let y = tf::constant([2.0f32, 0.0, 0.0]);
/// assert_eq!(tf::divide_no_nan(&x, &y).to_vec::<f32>(), vec![1.5, 0.0, 0.0]);
/// ```
#[track_caller]
pub fn divide_no_nan(x: &Tensor, y: &Tensor) -> Tensor {
    let zero = super::scalar(0.0, y.dtype());
    let is_zero = equal(y, &zero);
    // Divide by 1 where y is 0, so neither the value nor its gradient sees the pole.
    let safe = where_(&is_zero, &super::scalar(1.0, y.dtype()), y);
    where_(&is_zero, &zero, &divide(x, &safe))
}

/// `tf.math.xlogy(x, y)`: `x · ln(y)`, and 0 wherever `x` is 0 (even for `y` = 0), with
/// TensorFlow's gradients (0 for both where `x` is 0).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([0.0f32, 2.0]);
/// let y = tf::constant([0.0f32, 1.0]);
/// assert_eq!(tf::xlogy(&x, &y).to_vec::<f32>(), vec![0.0, 0.0]);
/// ```
#[track_caller]
pub fn xlogy(x: &Tensor, y: &Tensor) -> Tensor {
    let zero = super::scalar(0.0, x.dtype());
    let x_zero = equal(x, &zero);
    let safe = where_(&x_zero, &super::scalar(1.0, x.dtype()), y);
    where_(&x_zero, &zero, &multiply(x, &log(&safe)))
}

/// `tf.math.log_sigmoid(x)`: `ln(1 / (1 + e^-x))`, computed as `-softplus(-x)` (exact for
/// large |x|).
///
/// ```
/// use tf_core as tf;
/// let y = tf::log_sigmoid(&tf::constant([0.0f32, -100.0]));
/// assert_eq!(y.to_vec::<f32>(), vec![-std::f32::consts::LN_2, -100.0]);
/// ```
#[track_caller]
pub fn log_sigmoid(x: &Tensor) -> Tensor {
    negative(&super::nn::softplus(&negative(x)))
}

/// `tf.math.count_nonzero(x, axis, keepdims)`: how many values are not zero (not `false`),
/// as int64.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[0, 1, 0], [1, 1, 0]]);
/// assert_eq!(tf::count_nonzero(&x, None, false).scalar::<i64>(), 3);
/// assert_eq!(tf::count_nonzero(&x, 1, false).to_vec::<i64>(), vec![1, 2]);
/// ```
#[track_caller]
pub fn count_nonzero(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Tensor {
    let nonzero = not_equal(x, &super::scalar(0.0, x.dtype()));
    reduce_sum(&cast(&nonzero, DType::I64), axis, keepdims)
}

/// `tf.math.is_inf`: true where `x` is +inf or -inf.
///
/// ```
/// use tf_core as tf;
/// let v = tf::constant([5.0f32, f32::NAN, f32::NEG_INFINITY, f32::INFINITY]);
/// assert_eq!(tf::is_inf(&v).to_vec::<bool>(), vec![false, false, true, true]);
/// ```
#[track_caller]
pub fn is_inf(x: &Tensor) -> Tensor {
    equal(&abs(x), &super::scalar(f64::INFINITY, x.dtype()))
}

/// `tf.math.unsorted_segment_sum(data, segment_ids, num_segments)`: the sums of the rows of
/// `data` (along `segment_ids`' dimensions) that share a segment id; rows with a negative id
/// are dropped, empty segments are 0, as in TensorFlow. Differentiable in `data`.
///
/// ```
/// use tf_core as tf;
/// // TensorFlow's documented example.
/// let c = tf::constant([[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1]]);
/// let s = tf::unsorted_segment_sum(&c, &tf::constant([0, 1, 0]), 2);
/// assert_eq!(s.to_vec::<i32>(), vec![5, 5, 5, 5, 5, 6, 7, 8]);
/// ```
///
/// # Panics
/// When `segment_ids`' shape is not a prefix of `data`'s, or (eagerly) an id is not below
/// `num_segments`.
#[track_caller]
pub fn unsorted_segment_sum(data: &Tensor, segment_ids: &Tensor, num_segments: usize) -> Tensor {
    let (d, s) = (data.shape().dims(), segment_ids.shape().dims());
    if s.len() > d.len() || !s.iter().zip(d).all(|(&a, &b)| crate::shape::dim_compatible(a, b)) {
        panic!(
            "UnsortedSegmentSum: segment_ids.shape = {} must be a prefix of data.shape = {}",
            segment_ids.shape(),
            data.shape()
        );
    }
    if !segment_ids.is_symbolic() {
        let ids = cast(segment_ids, DType::I64).to_vec::<i64>();
        if let Some(&bad) = ids.iter().find(|&&i| i >= num_segments as i64) {
            panic!("UnsortedSegmentSum: segment id {bad} is out of range [0, {num_segments})");
        }
    }
    // Negative ids go to one extra segment, cut off at the end.
    let ids = cast(segment_ids, DType::I64);
    let extra = super::scalar(num_segments as f64, DType::I64);
    let routed = where_(&less(&ids, &super::scalar(0.0, DType::I64)), &extra, &ids);
    let mut shape = vec![num_segments + 1];
    shape.extend_from_slice(&d[s.len()..]);
    let sums = super::array::scatter_nd(&super::array::expand_dims(&routed, -1), data, &shape);
    let mut begin = vec![0i64; shape.len()];
    let mut size = vec![-1i64; shape.len()];
    begin[0] = 0;
    size[0] = num_segments as i64;
    super::array::slice(&sums, &begin, &size)
}

/// `tf.math.unsorted_segment_mean(data, segment_ids, num_segments)`: the means of each
/// segment's rows (0 for an empty segment).
///
/// ```
/// use tf_core as tf;
/// let c = tf::constant([[1.0f32, 2.0], [5.0, 6.0], [3.0, 4.0]]);
/// let m = tf::unsorted_segment_mean(&c, &tf::constant([0, 2, 0]), 3);
/// assert_eq!(m.to_vec::<f32>(), vec![2.0, 3.0, 0.0, 0.0, 5.0, 6.0]);
/// ```
///
/// # Panics
/// As [`unsorted_segment_sum`].
#[track_caller]
pub fn unsorted_segment_mean(data: &Tensor, segment_ids: &Tensor, num_segments: usize) -> Tensor {
    let sums = unsorted_segment_sum(data, segment_ids, num_segments);
    let ones = super::create::ones_like(&cast(segment_ids, data.dtype()));
    let counts = unsorted_segment_sum(&ones, segment_ids, num_segments);
    // Counts broadcast over the rows' remaining dimensions.
    let mut shape = vec![num_segments as i64];
    shape.extend(std::iter::repeat_n(1, sums.rank() - 1));
    divide_no_nan(&sums, &super::array::reshape(&counts, shape))
}

/// `tf.math.confusion_matrix(labels, predictions, num_classes)`: `[n, n]` int32 counts,
/// rows the true labels and columns the predictions; `num_classes = None` takes the largest
/// label or prediction plus one.
///
/// ```
/// use tf_core as tf;
/// // TensorFlow's documented example.
/// let m = tf::confusion_matrix(&tf::constant([1, 2, 4]), &tf::constant([2, 2, 4]), None);
/// assert_eq!(m.shape().dims(), &[5, 5]);
/// assert_eq!(m.to_vec::<i32>()[5..15], [0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
/// ```
///
/// # Panics
/// When the two differ in length, or a value is negative or not below `num_classes` (also
/// when `num_classes` must be found from symbolic values).
#[track_caller]
pub fn confusion_matrix(labels: &Tensor, predictions: &Tensor, num_classes: Option<usize>) -> Tensor {
    let (l, p) = (cast(labels, DType::I64), cast(predictions, DType::I64));
    if l.shape() != p.shape() || l.rank() != 1 {
        panic!(
            "confusion_matrix: labels {} and predictions {} must be vectors of one length",
            labels.shape(),
            predictions.shape()
        );
    }
    let n = match num_classes {
        Some(n) => n,
        None if l.is_symbolic() || p.is_symbolic() => {
            panic!("confusion_matrix: num_classes is needed when the labels are only known as the graph runs")
        }
        None => l
            .to_vec::<i64>()
            .into_iter()
            .chain(p.to_vec::<i64>())
            .max()
            .map_or(0, |m| (m + 1).max(0) as usize),
    };
    if !l.is_symbolic() && !p.is_symbolic() {
        if let Some(bad) = l
            .to_vec::<i64>()
            .into_iter()
            .chain(p.to_vec::<i64>())
            .find(|&v| v < 0 || v >= n as i64)
        {
            panic!("confusion_matrix: value {bad} is out of range [0, {n})");
        }
    }
    let pairs = super::array::stack(&[&l, &p], 1);
    super::array::scatter_nd(&pairs, &super::create::ones_like(&cast(&l, DType::I32)), &[n, n])
}

/// `tf.math.in_top_k(targets, predictions, k)`: for each row of `predictions` (`[batch,
/// classes]`), whether the target class's prediction is among the `k` largest (ties at the
/// boundary count as in, as TensorFlow does; a target out of range, or a row with a
/// non-finite prediction, is false).
///
/// ```
/// use tf_core as tf;
/// let p = tf::constant([[0.1f32, 0.9, 0.8], [0.05, 0.15, 0.8]]);
/// let t = tf::constant([2, 0]);
/// assert_eq!(tf::in_top_k(&t, &p, 2).to_vec::<bool>(), vec![true, false]);
/// assert_eq!(tf::in_top_k(&t, &p, 1).to_vec::<bool>(), vec![false, false]);
/// ```
#[track_caller]
pub fn in_top_k(targets: &Tensor, predictions: &Tensor, k: usize) -> Tensor {
    let classes = predictions.shape().dims().last().copied().unwrap_or(0);
    let hit = super::array::one_hot(targets, classes, 1.0, 0.0, -1, DType::Bool);
    let lowest = super::scalar(f64::NEG_INFINITY, predictions.dtype());
    let target = reduce_max(&where_(&hit, predictions, &lowest), -1, true);
    let above = reduce_sum(&cast(&greater(predictions, &target), DType::I32), -1, false);
    let in_k = less(&above, &super::scalar(k as f64, DType::I32));
    // A non-finite prediction anywhere in the row (or a target out of range) cannot say.
    let finite = logical_and(
        &reduce_all(&is_finite(predictions), -1, false),
        &is_finite(&super::array::squeeze(&target, &[-1])),
    );
    logical_and(&in_k, &finite)
}
