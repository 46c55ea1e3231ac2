//! `tf::debugging`: checks on tensor values. [`assert`] and the comparison assertions
//! (`assert_equal`, `assert_less`, `assert_positive`, ...) and [`check_numerics`] work as in
//! TensorFlow: eagerly they check at once; inside a traced function they stage a stateful op
//! that checks on every call. A failed check panics (TensorFlow raises
//! `InvalidArgumentError`), as Rust's `assert!` does; `fit` and `evaluate` return it as a
//! `tf::Error`. [`assert_near`] checks eager values for tests and returns a `Result`.

use super::create::scalar;
use super::math::{abs, add, less_equal, multiply, reduce_all, subtract};
use crate::ops::{debugging as d, execute, execute1, Attrs};
use crate::{DType, Error, Result, Shape, Tensor};

/// `tf.debugging.Assert(condition, data, summarize)`: fails with `assertion failed: [d0]
/// [d1] ...` when the bool scalar `condition` is false, showing each tensor's first
/// `summarize` elements (`Some(3)` is TensorFlow's default; `None` shows all).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1, 2, 3, 4, 5]);
/// tf::debugging::assert(&tf::constant(true), &[&x], Some(3)); // passes
/// let failed = std::panic::catch_unwind(|| {
///     tf::debugging::assert(&tf::reduce_all(&tf::less(&x, &tf::constant(5)), None::<i64>, false), &[&tf::constant("x:"), &x], Some(3))
/// });
/// let e = failed.unwrap_err();
/// assert!(e.downcast_ref::<String>().unwrap().ends_with("assertion failed: [x:] [1 2 3...]"));
/// ```
///
/// # Panics
/// When the condition is false (eagerly at once; in a traced function, when it runs), or is
/// not a bool scalar.
#[track_caller]
pub fn assert(condition: &Tensor, data: &[&Tensor], summarize: Option<usize>) {
    let mut inputs = vec![condition];
    inputs.extend_from_slice(data);
    let n = summarize.map_or(-1, |n| n as i64);
    execute(&d::ASSERT, &inputs, &Attrs::new().int("summarize", n));
}

/// The comparison assertions: `reduce_all(op(x, y))` must hold, else [`assert`] fails with
/// TensorFlow's data (`x` and `y` named without graph tensor names, which this runtime lacks).
#[track_caller]
fn binary(op: fn(&Tensor, &Tensor) -> Tensor, sym: &str, x: &Tensor, y: &Tensor, message: Option<&str>) {
    let holds = reduce_all(&op(x, y), None::<i64>, false);
    let (m, c) = (
        message.map(crate::constant),
        crate::constant(format!("Condition x {sym} y did not hold element-wise:")),
    );
    let (xl, yl) = (crate::constant("x = "), crate::constant("y = "));
    let mut data: Vec<&Tensor> = m.iter().collect();
    data.extend([&c, &xl, x, &yl, y]);
    assert(&holds, &data, Some(3));
}

/// `x` against zero: TensorFlow's unary assertions, whose message always comes first (`""`
/// when none is given, else followed by `".  "`).
#[track_caller]
fn unary(op: fn(&Tensor, &Tensor) -> Tensor, sym: &str, x: &Tensor, message: Option<&str>) {
    let holds = reduce_all(&op(x, &crate::zeros_like(x)), None::<i64>, false);
    let m = crate::constant(message.map_or(String::new(), |m| format!("{m}.  ")));
    let c = format!("Condition x {sym} 0 did not hold element-wise:");
    if sym == "<=" {
        // TensorFlow's assert_non_positive joins these two entries (a comma missing in its
        // source); kept, so that its messages read the same here.
        return assert(&holds, &[&m, &crate::constant(c + "x = "), x], Some(3));
    }
    assert(&holds, &[&m, &crate::constant(c), &crate::constant("x = "), x], Some(3));
}

macro_rules! binary_asserts {
    ($($(#[$doc:meta])* $name:ident => $op:path, $sym:literal;)*) => {$(
        $(#[$doc])*
        ///
        /// # Panics
        /// When it does not hold (eagerly at once; in a traced function, when it runs), with
        /// `message` first; when `x` and `y` do not broadcast.
        #[track_caller]
        pub fn $name(x: &Tensor, y: &Tensor, message: Option<&str>) {
            binary($op, $sym, x, y, message)
        }
    )*};
}

binary_asserts! {
    /// `tf.debugging.assert_equal(x, y, message)`: every `x == y` (broadcast).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_equal(&tf::constant([1, 2]), &tf::constant([1, 2]), None);
    /// let e = std::panic::catch_unwind(|| tf::debugging::assert_equal(&tf::constant([1, 2]), &tf::constant([1, 3]), Some("mine")));
    /// let e = e.unwrap_err().downcast_ref::<String>().unwrap().clone();
    /// assert!(e.ends_with("[mine] [Condition x == y did not hold element-wise:] [x = ] [1 2] [y = ] [1 3]"));
    /// ```
    assert_equal => super::math::equal, "==";
    /// `tf.debugging.assert_none_equal(x, y, message)`: every `x != y` (broadcast).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_none_equal(&tf::constant([1, 2]), &tf::constant(3), None);
    /// ```
    assert_none_equal => super::math::not_equal, "!=";
    /// `tf.debugging.assert_less(x, y, message)`: every `x < y` (broadcast).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_less(&tf::constant([1, 2]), &tf::constant(3), None);
    /// ```
    assert_less => super::math::less, "<";
    /// `tf.debugging.assert_less_equal(x, y, message)`: every `x <= y` (broadcast).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_less_equal(&tf::constant([1, 3]), &tf::constant(3), None);
    /// ```
    assert_less_equal => super::math::less_equal, "<=";
    /// `tf.debugging.assert_greater(x, y, message)`: every `x > y` (broadcast).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_greater(&tf::constant([4, 5]), &tf::constant(3), None);
    /// ```
    assert_greater => super::math::greater, ">";
    /// `tf.debugging.assert_greater_equal(x, y, message)`: every `x >= y` (broadcast).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_greater_equal(&tf::constant([3, 5]), &tf::constant(3), None);
    /// ```
    assert_greater_equal => super::math::greater_equal, ">=";
}

macro_rules! unary_asserts {
    ($($(#[$doc:meta])* $name:ident => $op:path, $sym:literal;)*) => {$(
        $(#[$doc])*
        ///
        /// # Panics
        /// When it does not hold (eagerly at once; in a traced function, when it runs).
        #[track_caller]
        pub fn $name(x: &Tensor, message: Option<&str>) {
            unary($op, $sym, x, message)
        }
    )*};
}

unary_asserts! {
    /// `tf.debugging.assert_positive(x, message)`: every `x > 0`.
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_positive(&tf::constant([1.0f32, 2.0]), None);
    /// let e = std::panic::catch_unwind(|| tf::debugging::assert_positive(&tf::constant([1.0f32, -2.0]), Some("m")));
    /// let e = e.unwrap_err().downcast_ref::<String>().unwrap().clone();
    /// assert!(e.ends_with("[m.  ] [Condition x > 0 did not hold element-wise:] [x = ] [1 -2]"));
    /// ```
    assert_positive => super::math::greater, ">";
    /// `tf.debugging.assert_negative(x, message)`: every `x < 0`.
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_negative(&tf::constant([-1.0f32, -0.5]), None);
    /// ```
    assert_negative => super::math::less, "<";
    /// `tf.debugging.assert_non_negative(x, message)`: every `x >= 0`.
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_non_negative(&tf::constant([0, 2]), None);
    /// ```
    assert_non_negative => super::math::greater_equal, ">=";
    /// `tf.debugging.assert_non_positive(x, message)`: every `x <= 0`.
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::debugging::assert_non_positive(&tf::constant([0, -2]), None);
    /// ```
    assert_non_positive => super::math::less_equal, "<=";
}

/// `tf.debugging.check_numerics(tensor, message)`: `tensor` itself (float32 or float64), or
/// a failure `<message> : Tensor had NaN values` (`Inf`, `Inf and NaN`). Gradients through
/// it are checked too.
///
/// ```
/// use tf_core as tf;
/// let x = tf::debugging::check_numerics(&tf::constant([1.0f32, 2.0]), "x");
/// assert_eq!(x.to_vec::<f32>(), vec![1.0, 2.0]);
/// let e = std::panic::catch_unwind(|| tf::debugging::check_numerics(&tf::constant([f32::NAN]), "bad x"));
/// let e = e.unwrap_err().downcast_ref::<String>().unwrap().clone();
/// assert!(e.ends_with("bad x : Tensor had NaN values"));
/// ```
///
/// # Panics
/// When `tensor` holds NaN or Inf (eagerly at once; in a traced function, when it runs), or
/// is not float32 or float64.
#[track_caller]
pub fn check_numerics(tensor: &Tensor, message: &str) -> Tensor {
    execute1(&d::CHECK_NUMERICS, &[tensor, &crate::constant(message)], &Attrs::new())
}

/// `tf.debugging.assert_all_finite(t, message)`: [`check_numerics`].
///
/// ```
/// use tf_core as tf;
/// let x = tf::debugging::assert_all_finite(&tf::constant([1.0f64, -2.0]), "x");
/// assert_eq!(x.to_vec::<f64>(), vec![1.0, -2.0]);
/// ```
///
/// # Panics
/// As [`check_numerics`].
#[track_caller]
pub fn assert_all_finite(t: &Tensor, message: &str) -> Tensor {
    check_numerics(t, message)
}

/// `tf.debugging.assert_near(x, y, rtol, atol)`: `Ok` when every element satisfies
/// `|x - y| <= atol + rtol * |y|` (`x` broadcast against `y`). Both tolerances default, as in
/// TensorFlow, to ten times the dtype's machine epsilon (`1.1920929e-06` for float32). NaN is
/// near nothing, not even NaN.
///
/// ```
/// use tf_core as tf;
/// let y = tf::sqrt(&tf::constant([4.0f32, 2.0]));
/// tf::debugging::assert_near(&y, &tf::constant([2.0f32, 1.4142135]), None, None).unwrap();
/// let err = tf::debugging::assert_near(&y, &tf::constant([2.0f32, 1.5]), None, None).unwrap_err();
/// assert!(err.to_string().contains("x and y not equal to tolerance"));
/// ```
///
/// # Errors
/// `InvalidArgument` when an element is not near (naming the tolerances and both tensors),
/// when the dtypes differ or are not floating point, when the shapes do not broadcast, or when
/// a tensor is symbolic (the check reads values: call it on eager tensors).
pub fn assert_near(x: &Tensor, y: &Tensor, rtol: Option<f64>, atol: Option<f64>) -> Result<()> {
    let invalid = |m: String| Err(Error::InvalidArgument(format!("assert_near: {m}")));
    if x.dtype() != y.dtype() {
        return invalid(format!("x has dtype {} and y has dtype {}", x.dtype(), y.dtype()));
    }
    let eps = match x.dtype() {
        DType::F32 => f64::from(f32::EPSILON),
        DType::F64 => f64::EPSILON,
        d => return invalid(format!("dtype {d} is not floating point")),
    };
    if x.is_symbolic() || y.is_symbolic() {
        return invalid("x and y must be eager tensors, not symbolic ones inside a trace".into());
    }
    if Shape::broadcast(x.shape().dims(), y.shape().dims()).is_none() {
        return invalid(format!("shapes {} and {} do not broadcast", x.shape(), y.shape()));
    }
    let (rtol, atol) = (rtol.unwrap_or(10.0 * eps), atol.unwrap_or(10.0 * eps));
    let tol = add(&scalar(atol, x.dtype()), &multiply(&scalar(rtol, x.dtype()), &abs(y)));
    if reduce_all(&less_equal(&abs(&subtract(x, y)), &tol), None::<i64>, false).scalar::<bool>() {
        return Ok(());
    }
    Err(Error::InvalidArgument(format!(
        "x and y not equal to tolerance rtol = {rtol:e}, atol = {atol:e}\nx = {x}\ny = {y}"
    )))
}

#[cfg(test)]
mod tests {
    use super::assert_near;
    use crate as tf;

    // Outcomes checked against TensorFlow 2.21's `tf.debugging.assert_near`.
    #[test]
    fn tolerances_broadcasting_nan_and_bad_input() {
        let x = tf::constant([1.0f32, 2.0]);
        assert!(assert_near(&x, &tf::constant([1.0f32, 2.000001]), None, None).is_ok());
        let e = assert_near(&x, &tf::constant([1.0f32, 2.001]), None, None).unwrap_err().to_string();
        assert!(e.contains("rtol = 1.1920928955078125e-6, atol = 1.1920928955078125e-6"), "{e}");
        assert!(assert_near(&tf::constant([[1.0f32, 2.0]]), &tf::constant(1.0f32), None, Some(1.0)).is_ok());
        assert!(assert_near(&tf::constant([[1.0f32, 2.0]]), &tf::constant(1.0f32), None, Some(0.5)).is_err());
        assert!(assert_near(&tf::constant([f32::NAN]), &tf::constant([f32::NAN]), None, None).is_err());
        let d = tf::constant([1.0f64, 2.0]);
        assert!(assert_near(&d, &tf::constant([1.0f64, 2.0 + 1e-15]), None, None).is_ok());
        assert!(assert_near(&d, &tf::constant([1.0f64, 2.0 + 1e-13]), None, None).is_err());
        let bad = |e: tf::Error| e.to_string();
        assert!(bad(assert_near(&x, &d, None, None).unwrap_err()).contains("dtype float32 and y has dtype float64"));
        assert!(bad(assert_near(&tf::constant([1i32]), &tf::constant([1i32]), None, None).unwrap_err()).contains("not floating point"));
        assert!(bad(assert_near(&x, &tf::constant([1.0f32, 2.0, 3.0]), None, None).unwrap_err()).contains("do not broadcast"));
    }
}
