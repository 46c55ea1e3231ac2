//! GradientTape tour: the TensorFlow 2.0 overview's first and second derivatives, a
//! Jacobian, a custom gradient, and a linear regression fitted by a hand-written loop.
//!
//! `cargo run --release --example gradient_tape`

use tf::{GradientTape, UnconnectedGradients, Variable};

pub fn main() {
    // The overview: x = 3, y = x * x.
    let x = tf::constant(3.0f32);
    let t1 = GradientTape::new();
    let t2 = GradientTape::new();
    t1.watch(&x);
    t2.watch(&x);
    let y = &x * &x;
    let dy_dx = t2.gradient(&y, &x).expect("y depends on x");
    let d2y_dx2 = t1.gradient(&dy_dx, &x).expect("dy/dx depends on x");
    println!("dy/dx = {}", dy_dx.scalar::<f32>());
    println!("d2y/dx2 = {}", d2y_dx2.scalar::<f32>());

    // A Jacobian: y = softmax(x) has J = diag(p) - p pᵀ.
    let x = tf::constant([1.0f64, 2.0, 3.0]);
    let tape = GradientTape::persistent();
    tape.watch(&x);
    let p = tf::nn::softmax(&x, -1);
    println!(
        "\njacobian of softmax([1, 2, 3]):\n{}",
        tape.jacobian(&p, &x, UnconnectedGradients::None).expect("connected")
    );

    // A custom gradient: log(1 + e^x) whose plain gradient overflows at x = 100.
    let x = tf::constant(100.0f32);
    let tape = GradientTape::new();
    tape.watch(&x);
    let y = tf::custom_gradient(&[&x], |xs| {
        let e = tf::exp(&xs[0]);
        let y = tf::log(&(&e + 1.0));
        let grad: tf::GradFunction = Box::new(move |dy| vec![Some(dy * (1.0f32 - 1.0f32 / (&e + 1.0)))]);
        (y, grad)
    });
    println!(
        "\nlog1pexp'(100) with a custom gradient = {}",
        tape.gradient(&y, &x).expect("connected").scalar::<f32>()
    );

    // Linear regression y = 3x + 2 + noise, fitted by plain gradient descent.
    tf::random::set_seed(1);
    let xs = tf::random::uniform(&[200], -1.0, 1.0, tf::float32, None);
    let noise = tf::random::normal(&[200], 0.0, 0.1, tf::float32, None);
    let ys = &xs * 3.0 + 2.0 + noise;
    let w = Variable::with_options(tf::constant(0.0f32), "w", true);
    let b = Variable::with_options(tf::constant(0.0f32), "b", true);
    println!("\nlinear regression:");
    for step in 0..=200 {
        let tape = GradientTape::new();
        let pred = &xs * &w.value() + b.value();
        let loss = tf::reduce_mean(&tf::square(&(&pred - &ys)), None, false);
        let g = tape.gradients(&[&loss], &[&w, &b], None, UnconnectedGradients::None);
        w.assign_sub(&(g[0].as_ref().expect("w is used") * 0.2f32));
        b.assign_sub(&(g[1].as_ref().expect("b is used") * 0.2f32));
        if step % 50 == 0 {
            println!(
                "step {step:3}: loss = {:.5}, w = {:.4}, b = {:.4}",
                loss.scalar::<f32>(),
                w.value().scalar::<f32>(),
                b.value().scalar::<f32>()
            );
        }
    }
}
