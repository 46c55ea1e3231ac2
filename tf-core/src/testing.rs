//! `tf::test`: gradient checking as `tf.test.compute_gradient` does it.

use crate::{DType, GradientTape, Tensor, UnconnectedGradients};

/// The theoretical (tape) and numerical (central differences, step `delta`) Jacobians of `f`
/// with respect to each input, each shaped `[y.size, x.size]`, as
/// `tf.test.compute_gradient(f, x)` returns them. Inputs must be float64.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([1.0f64, 2.0]);
/// let (theory, numeric) = tf::test::compute_gradient(|xs| tf::square(&xs[0]), &[x], 1e-6);
/// assert_eq!(theory[0].shape().dims(), &[2, 2]);
/// let (t, n) = (theory[0].to_vec::<f64>(), numeric[0].to_vec::<f64>());
/// assert!(t.iter().zip(&n).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
///
/// # Panics
/// When an input or the output is not float64.
pub fn compute_gradient(f: impl Fn(&[Tensor]) -> Tensor, x: &[Tensor], delta: f64) -> (Vec<Tensor>, Vec<Tensor>) {
    assert!(
        x.iter().all(|t| t.dtype() == DType::F64),
        "compute_gradient: inputs must be float64"
    );
    let y = f(x);
    assert_eq!(y.dtype(), DType::F64, "compute_gradient: the output must be float64");
    let ny = y.num_elements();
    let mut theory: Vec<Vec<f64>> = x.iter().map(|t| Vec::with_capacity(ny * t.num_elements())).collect();
    for r in 0..ny {
        let tape = GradientTape::new();
        for t in x {
            tape.watch(t);
        }
        let y = f(x);
        let mut e = vec![0.0; ny];
        e[r] = 1.0;
        let seed = Tensor::from_vec(e, y.shape().clone()).expect("shape matches");
        let srcs: Vec<&Tensor> = x.iter().collect();
        let g = tape.gradients(&[&y], &srcs, Some(&[&seed]), UnconnectedGradients::Zero);
        for (k, gk) in g.into_iter().enumerate() {
            theory[k].extend(gk.expect("zeros for unconnected").to_vec::<f64>());
        }
    }
    let mut numeric = Vec::with_capacity(x.len());
    for (k, t) in x.iter().enumerate() {
        let n = t.num_elements();
        let base = t.to_vec::<f64>();
        let mut jac = vec![0.0; ny * n];
        for j in 0..n {
            let eval = |h: f64| {
                let mut v = base.clone();
                v[j] += h;
                let mut xs = x.to_vec();
                xs[k] = Tensor::from_vec(v, t.shape().clone()).expect("shape matches");
                f(&xs).to_vec::<f64>()
            };
            let (plus, minus) = (eval(delta), eval(-delta));
            for r in 0..ny {
                jac[r * n + j] = (plus[r] - minus[r]) / (2.0 * delta);
            }
        }
        numeric.push(Tensor::from_vec(jac, [ny, n]).expect("shape matches"));
    }
    let theory = theory
        .into_iter()
        .zip(x)
        .map(|(v, t)| Tensor::from_vec(v, [ny, t.num_elements()]).expect("shape matches"))
        .collect();
    (theory, numeric)
}
