//! `tf::debugging`: checks on tensor values, as `tf.debugging`'s assertions make them in
//! eager mode — for tests and for guarding a pipeline's data.

use super::create::scalar;
use super::math::{abs, add, less_equal, multiply, reduce_all, subtract};
use crate::{DType, Error, Result, Shape, Tensor};

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
