//! GradientTape and Variable behaviour, against TensorFlow's documented semantics
//! (`shared/TF_REFERENCE.md` A2, A3).

mod common;
use common::panic_message;
use tf::{GradientTape, Tensor, UnconnectedGradients, Variable};

#[test]
fn overview_second_derivative_with_nested_tapes() {
    // The TensorFlow 2.0 overview: x = 3, y = x*x; dy/dx = 6, d2y/dx2 = 2.
    let x = tf::constant(3.0f32);
    let t1 = GradientTape::new();
    let t2 = GradientTape::new();
    t1.watch(&x);
    t2.watch(&x);
    let y = &x * &x;
    let dy_dx = t2.gradient(&y, &x).unwrap();
    let d2y_dx2 = t1.gradient(&dy_dx, &x).unwrap();
    assert_eq!(dy_dx.scalar::<f32>(), 6.0);
    assert_eq!(d2y_dx2.scalar::<f32>(), 2.0);
}

#[test]
fn variables_are_watched_automatically_unless_not_trainable() {
    let v = Variable::new(tf::constant(3.0f32));
    let frozen = Variable::with_options(tf::constant(2.0f32), "frozen", false);
    let tape = GradientTape::new();
    let y = &v.value() * &v.value() * frozen.value();
    let g = tape.gradients(&[&y], &[&v, &frozen], None, UnconnectedGradients::None);
    assert_eq!(g[0].as_ref().unwrap().scalar::<f32>(), 12.0); // 2 * 3 * 2
    assert!(g[1].is_none());
    assert_eq!(tape.watched_variables().len(), 1);
    // Third derivative of x^3 through three nested tapes on a variable: 6.
    let t1 = GradientTape::new();
    let t2 = GradientTape::new();
    let t3 = GradientTape::new();
    let x = v.value();
    let y = &x * &x * &x;
    let d1 = t3.gradient(&y, &v).unwrap();
    let d2 = t2.gradient(&d1, &v).unwrap();
    let d3 = t1.gradient(&d2, &v).unwrap();
    assert_eq!((d1.scalar::<f32>(), d2.scalar::<f32>(), d3.scalar::<f32>()), (27.0, 18.0, 6.0));
}

#[test]
fn watch_accessed_variables_false_needs_explicit_watch() {
    let a = Variable::new(tf::constant(2.0f64));
    let b = Variable::new(tf::constant(5.0f64));
    let tape = GradientTape::with_options(false, false);
    tape.watch(&b);
    let y = &a.value() * &b.value();
    let g = tape.gradients(&[&y], &[&a, &b], None, UnconnectedGradients::None);
    assert!(g[0].is_none());
    assert_eq!(g[1].as_ref().unwrap().scalar::<f64>(), 2.0);
}

#[test]
fn non_persistent_tape_allows_one_gradient() {
    let x = tf::constant(2.0f32);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = &x * &x;
    let _ = tape.gradient(&y, &x);
    let msg = panic_message(|| drop(tape.gradient(&y, &x)));
    assert_eq!(
        msg,
        "RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
    );
    let p = GradientTape::persistent();
    p.watch(&x);
    let y = &x * &x * &x;
    assert_eq!(p.gradient(&y, &x).unwrap().scalar::<f32>(), 12.0);
    assert_eq!(p.gradient(&y, &x).unwrap().scalar::<f32>(), 12.0);
}

#[test]
fn unconnected_gradients_none_or_zero_and_integers_not_differentiated() {
    let x = tf::constant([1.0f32, 2.0]);
    let z = tf::constant([5.0f32, 6.0]);
    let i = tf::constant([1, 2]);
    let tape = GradientTape::persistent();
    tape.watch(&x);
    tape.watch(&z);
    tape.watch(&i);
    let y = tf::reduce_sum(&(&x * 2.0), None, false);
    assert!(tape.gradient(&y, &z).is_none());
    let g = tape.gradients(&[&y], &[&z], None, UnconnectedGradients::Zero);
    assert_eq!(g[0].as_ref().unwrap().to_vec::<f32>(), vec![0.0, 0.0]);
    let yi = tf::reduce_sum(&tf::cast(&i, tf::float32), None, false);
    assert!(tape.gradient(&yi, &i).is_none());
}

#[test]
fn non_scalar_targets_differentiate_their_sum_and_output_gradients_weight_them() {
    let x = tf::constant([1.0f64, 2.0, 3.0]);
    let tape = GradientTape::persistent();
    tape.watch(&x);
    let y = &x * &x;
    assert_eq!(tape.gradient(&y, &x).unwrap().to_vec::<f64>(), vec![2.0, 4.0, 6.0]);
    let w = tf::constant([1.0f64, 0.0, -1.0]);
    let g = tape.gradients(&[&y], &[&x], Some(&[&w]), UnconnectedGradients::None);
    assert_eq!(g[0].as_ref().unwrap().to_vec::<f64>(), vec![2.0, 0.0, -6.0]);
    // Two targets: the gradient of their sum.
    let y2 = tf::reduce_sum(&x, None, false);
    let g = tape.gradients(&[&y, &y2], &[&x], None, UnconnectedGradients::None);
    assert_eq!(g[0].as_ref().unwrap().to_vec::<f64>(), vec![3.0, 5.0, 7.0]);
}

#[test]
fn broadcasting_and_fan_in_accumulate_once_in_the_tape() {
    let b = tf::constant([1.0f32, 2.0, 3.0]);
    let m = tf::ones([4, 3], tf::float32);
    let tape = GradientTape::new();
    tape.watch(&b);
    let y = &(&m + &b) * &b; // b used twice, broadcast over 4 rows
    let g = tape.gradient(&y, &b).unwrap();
    // d/db Σ (1 + b) b over 4 rows = 4 (1 + 2b)
    assert_eq!(g.to_vec::<f32>(), vec![12.0, 20.0, 28.0]);
}

#[test]
fn stop_recording_reset_and_stop_gradient() {
    let x = tf::constant(3.0f32);
    let tape = GradientTape::persistent();
    tape.watch(&x);
    let y = {
        let _pause = tape.stop_recording();
        &x * &x
    };
    assert!(tape.gradient(&y, &x).is_none());
    let y = &x * &tf::stop_gradient(&x);
    assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 3.0);
    tape.reset();
    let y = &x * &x;
    assert!(tape.gradient(&y, &x).is_none(), "after reset, x is no longer watched");
}

#[test]
fn jacobian_and_batch_jacobian_shapes() {
    let x = tf::constant([[1.0f64, 2.0], [3.0, 4.0]]);
    let tape = GradientTape::persistent();
    tape.watch(&x);
    let y = tf::exp(&x);
    let j = tape.jacobian(&y, &x, UnconnectedGradients::None).unwrap();
    assert_eq!(j.shape().dims(), &[2, 2, 2, 2]);
    let jv = j.to_vec::<f64>();
    assert!((jv[0] - 1f64.exp()).abs() < 1e-12 && jv[1] == 0.0 && (jv[15] - 4f64.exp()).abs() < 1e-12);
    // batch_jacobian: y (7, 6) of x (7, 5) gives (7, 6, 5).
    let xb = tf::random::normal(&[7, 5], 0.0, 1.0, tf::float64, Some(3));
    let w = tf::random::normal(&[5, 6], 0.0, 1.0, tf::float64, Some(4));
    let tb = GradientTape::persistent();
    tb.watch(&xb);
    let yb = tf::tanh(&tf::matmul(&xb, &w));
    let bj = tb.batch_jacobian(&yb, &xb).unwrap();
    assert_eq!(bj.shape().dims(), &[7, 6, 5]);
    // Row 0 of the batch Jacobian equals the matching block of the full Jacobian.
    let full = tb.jacobian(&yb, &xb, UnconnectedGradients::None).unwrap(); // (7, 6, 7, 5)
    let block = full.slice(tf::s![0, .., 0, ..]);
    assert_eq!(block.to_vec::<f64>(), bj.slice(tf::s![0]).to_vec::<f64>());
}

#[test]
fn hessian_as_jacobian_of_gradient() {
    // f(w) = Σ w_i^3: Hessian = diag(6 w).
    let w = Variable::new(tf::constant([1.0f64, 2.0]));
    let outer = GradientTape::persistent();
    let inner = GradientTape::new();
    let v = w.value();
    let f = tf::reduce_sum(&(&v * &v * &v), None, false);
    let g = inner.gradient(&f, &w).unwrap();
    let h = outer.jacobian(&g, &w, UnconnectedGradients::None).unwrap();
    assert_eq!(h.to_vec::<f64>(), vec![6.0, 0.0, 0.0, 12.0]);
}

/// An op that declares itself not differentiable (every registry op has a rule today).
static NO_GRAD: tf::ops::OpDef = tf::ops::OpDef {
    name: "TestNoGradient",
    infer: |i, _| {
        Ok(tf::ops::Specs::from_vec(vec![tf::ops::TensorSpec {
            dtype: i[0].dtype(),
            shape: i[0].shape().clone(),
        }]))
    },
    cpu: tf::ops::Kernel::Alloc(|i, _, _| Ok(tf::ops::Outputs::from_vec(vec![tf::stop_gradient(i[0])]))),
    domain: tf::ops::Domain::Any,
    cases: Vec::new,
    stateful: false,
    grad: tf::ops::Grad::NotDifferentiable,
};

#[test]
fn an_op_without_gradient_is_an_error_naming_it() {
    let x = tf::ones([2], tf::float32);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = tf::ops::execute1(&NO_GRAD, &[&x], &tf::ops::Attrs::new());
    let msg = panic_message(|| drop(tape.gradient(&y, &x)));
    assert!(msg.starts_with("LookupError") && msg.contains("TestNoGradient"), "{msg}");
    // An op whose output carries no gradient (a comparison) stops the path quietly.
    let tape = GradientTape::new();
    tape.watch(&x);
    let z = tf::cast(&tf::greater(&x, &tf::zeros_like(&x)), tf::float32);
    assert!(tape.gradient(&z, &x).is_none());
}

#[test]
fn variable_assignments_keep_shape_dtype_and_snapshots() {
    let v = Variable::new(tf::constant([2.0f32, 3.0]));
    let snap = v.value();
    v.assign(&tf::constant([1.0f32, 2.0]));
    assert_eq!(snap.to_vec::<f32>(), vec![2.0, 3.0], "a read is a snapshot");
    v.assign_sub(&tf::constant([1.0f32, 1.0]));
    assert_eq!(v.value().to_vec::<f32>(), vec![0.0, 1.0]);
    let msg = panic_message(|| v.assign(&tf::constant([1.0f32, 2.0, 3.0])));
    assert!(msg.contains("shape (2,)") && msg.contains("shape (3,)"), "{msg}");
    let msg = panic_message(|| v.assign_add(&tf::constant([1i32, 2])));
    assert!(msg.contains("float32") && msg.contains("int32"), "{msg}");
    let shared = v.clone();
    shared.assign_add(&tf::constant([10.0f32, 10.0]));
    assert_eq!(v.value().to_vec::<f32>(), vec![10.0, 11.0], "clones share one variable");
    assert_eq!(
        format!("{v:?}"),
        "<tf.Variable 'Variable:0' shape=(2,) dtype=float32, numpy=[10. 11.]>"
    );
}

#[test]
fn linear_regression_by_hand_converges() {
    // y = 3x + 2 with noise-free data, plain gradient descent on two variables.
    let x = tf::linspace(-1.0f32, 1.0, 50);
    let y = &x * 3.0 + 2.0;
    let w = Variable::new(tf::constant(0.0f32));
    let b = Variable::new(tf::constant(0.0f32));
    for _ in 0..300 {
        let tape = GradientTape::new();
        let pred = &x * &w.value() + b.value();
        let loss = tf::reduce_mean(&tf::square(&(&pred - &y)), None, false);
        let g = tape.gradients(&[&loss], &[&w, &b], None, UnconnectedGradients::None);
        w.assign_sub(&(g[0].as_ref().unwrap() * 0.1f32));
        b.assign_sub(&(g[1].as_ref().unwrap() * 0.1f32));
    }
    assert!((w.value().scalar::<f32>() - 3.0).abs() < 1e-3);
    assert!((b.value().scalar::<f32>() - 2.0).abs() < 1e-3);
}

#[test]
fn tensors_returned_by_ops_get_fresh_identities() {
    let x: Tensor = tf::constant([1.0f32]);
    assert_ne!(tf::cast(&tf::cast(&x, tf::float64), tf::float32).id(), x.id());
    assert_ne!(tf::reshape(&x, [1, 1]).id(), x.id());
    assert_eq!(x.clone().id(), x.id());
}

#[test]
fn custom_gradient_overrides_the_rule_and_nests() {
    // TensorFlow's log1pexp example: the naive gradient is NaN at x = 100, the custom one 1.
    let x = tf::constant(100.0f32);
    let naive = GradientTape::new();
    naive.watch(&x);
    let y = tf::log(&(tf::exp(&x) + 1.0));
    assert!(naive.gradient(&y, &x).unwrap().scalar::<f32>().is_nan());
    let log1pexp = |x: &Tensor| {
        tf::custom_gradient(&[x], |xs| {
            let e = tf::exp(&xs[0]);
            let y = tf::log(&(&e + 1.0));
            let grad: tf::GradFunction = Box::new(move |dy| vec![Some(dy * (1.0f32 - 1.0f32 / (&e + 1.0)))]);
            (y, grad)
        })
    };
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = log1pexp(&x);
    assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 1.0);
    // Second order through a custom rule: d/dx of (dy * 3x^2) for f = x^3 with a hand rule.
    let x = tf::constant(2.0f64);
    let outer = GradientTape::new();
    let inner = GradientTape::new();
    outer.watch(&x);
    inner.watch(&x);
    let y = tf::custom_gradient(&[&x], |xs| {
        let x0 = xs[0].clone();
        let grad: tf::GradFunction = Box::new(move |dy| vec![Some(dy * (&x0 * &x0 * 3.0))]);
        (&xs[0] * &xs[0] * &xs[0], grad)
    });
    let g = inner.gradient(&y, &x).unwrap();
    assert_eq!(g.scalar::<f64>(), 12.0);
    assert_eq!(outer.gradient(&g, &x).unwrap().scalar::<f64>(), 12.0);
}

#[test]
fn custom_gradient_with_variables_returns_variable_gradients() {
    let v = Variable::new(tf::constant(3.0f64));
    let x = tf::constant(2.0f64);
    let tape = GradientTape::new();
    tape.watch(&x);
    let vv = v.clone();
    let y = tf::custom_gradient_with_variables(&[&x], &[&v], |xs| {
        let (x0, w) = (xs[0].clone(), vv.value());
        let y = &x0 * &w;
        let grad: tf::GradFunctionWithVariables = Box::new(move |dy| (vec![Some(dy * &w * 10.0)], vec![Some(dy * &x0)]));
        (y, grad)
    });
    assert_eq!(y.scalar::<f64>(), 6.0);
    let g = tape.gradients(
        &[&y],
        &[tf::SourceRef::Tensor(&x), tf::SourceRef::Variable(&v)],
        None,
        UnconnectedGradients::None,
    );
    assert_eq!(
        g[0].as_ref().unwrap().scalar::<f64>(),
        30.0,
        "the custom rule, not the true derivative"
    );
    assert_eq!(g[1].as_ref().unwrap().scalar::<f64>(), 2.0);
}
