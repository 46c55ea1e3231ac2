//! `tf.linalg`'s matrix ops beyond the golden cases: bad matrices are errors in TensorFlow's
//! words (a matrix that is not positive definite too, where TensorFlow 2.21's CPU kernel
//! returns uninitialized values), and the ops compose as a Gaussian log-likelihood does.

mod common;

#[test]
fn bad_matrices_are_errors() {
    let not_pd = tf::constant([[1.0f64, 2.0], [2.0, 1.0]]);
    let msg = common::panic_message(|| drop(tf::linalg::cholesky(&not_pd)));
    assert!(msg.contains("Cholesky decomposition was not successful"), "{msg}");
    let singular = tf::constant([[1.0f32, 2.0], [2.0, 4.0]]);
    let msg = common::panic_message(|| drop(tf::linalg::solve(&singular, &tf::ones([2, 1], tf::float32), false)));
    assert!(msg.contains("Input matrix is not invertible."), "{msg}");
    let msg = common::panic_message(|| drop(tf::linalg::inv(&tf::ones([2, 3], tf::float32))));
    assert!(msg.contains("square matrices"), "{msg}");
    let (sign, log_abs) = tf::linalg::slogdet(&singular);
    assert_eq!((sign.scalar::<f32>(), log_abs.scalar::<f32>()), (0.0, f32::NEG_INFINITY));
    assert_eq!(tf::linalg::det(&singular).scalar::<f32>(), 0.0);
}

/// A multivariate normal's log density from the Cholesky factor (log det as twice the sum of
/// the factor's log diagonal, the quadratic form by a triangular solve) equals the one from
/// `slogdet` and `solve`, and so do their gradients with respect to the covariance's factor.
#[test]
fn cholesky_and_lu_paths_agree_on_a_gaussian_log_density() {
    let b = tf::constant([[1.0f64, 0.2, 0.0], [0.3, 1.5, 0.1], [-0.2, 0.4, 0.9]]);
    let x = tf::constant([[0.5f64], [-1.0], [2.0]]);
    let density = |via_cholesky: bool| {
        let tape = tf::GradientTape::new();
        tape.watch(&b);
        let cov = &tf::linalg::matmul_transposed(&b, &b, false, true) + &tf::eye(3, None, tf::float64);
        let (log_det, quad) = if via_cholesky {
            let l = tf::linalg::cholesky(&cov);
            let diag = tf::linalg::diag_part(&l);
            let z = tf::linalg::triangular_solve(&l, &x, true, false);
            (
                &tf::reduce_sum(&tf::log(&diag), None, false) * 2.0,
                tf::reduce_sum(&tf::square(&z), None, false),
            )
        } else {
            let (_, log_abs) = tf::linalg::slogdet(&cov);
            let z = tf::linalg::solve(&cov, &x, false);
            (log_abs, tf::reduce_sum(&(&x * &z), None, false))
        };
        let ll = &(&log_det + &quad) * -0.5;
        let g = tape
            .gradients(&[&ll], &[&b], None, tf::UnconnectedGradients::Zero)
            .swap_remove(0)
            .expect("gradient");
        (ll.scalar::<f64>(), g.to_vec::<f64>())
    };
    let (a, ga) = density(true);
    let (b_, gb) = density(false);
    assert!((a - b_).abs() < 1e-12, "{a} vs {b_}");
    for (p, q) in ga.iter().zip(&gb) {
        assert!((p - q).abs() < 1e-10, "{ga:?} vs {gb:?}");
    }
}
