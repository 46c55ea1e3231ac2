//! Finite-difference checks of every differentiable op in the registry, in float64 over each
//! op's input domain: the full Jacobian-vector product for the sample shapes (first order),
//! and the derivative of the gradient along a random direction (second order).

use tf::ops::{all_ops, execute, Case, Grad, OpDef};
use tf::{DType, GradientTape, Tensor, UnconnectedGradients};

/// Ops whose gradient rule is built on an op without a gradient (no second order yet).
const FIRST_ORDER_ONLY: &[&str] = &[];

fn f64_case(c: &Case) -> bool {
    c.inputs.iter().any(|t| t.dtype() == DType::F64) && c.inputs.iter().all(|t| !t.dtype().is_float() || t.dtype() == DType::F64)
}

fn weights(shape: &[usize], seed: u64) -> Tensor {
    tf::ops::sample(DType::F64, shape, tf::ops::Domain::Any, seed)
}

/// L(inputs) = Σ w ⊙ op(inputs)[0].
fn loss(op: &'static OpDef, inputs: &[Tensor], case: &Case, w: &Tensor) -> f64 {
    let refs: Vec<&Tensor> = inputs.iter().collect();
    let y = execute(op, &refs, &case.attrs).swap_remove(0);
    tf::reduce_sum(&(&y * w), None, false).scalar::<f64>()
}

fn perturbed(inputs: &[Tensor], i: usize, j: usize, h: f64) -> Vec<Tensor> {
    let mut v = inputs.to_vec();
    let mut d = v[i].to_vec::<f64>();
    d[j] += h;
    v[i] = Tensor::from_vec(d, v[i].shape().clone()).unwrap();
    v
}

fn float_inputs(c: &Case) -> Vec<usize> {
    (0..c.inputs.len()).filter(|&i| c.inputs[i].dtype() == DType::F64).collect()
}

#[test]
fn first_order_gradients_match_finite_differences() {
    let mut checked = 0;
    for op in all_ops() {
        if !matches!(op.grad, Grad::Rule(_)) {
            continue;
        }
        let cases: Vec<Case> = (op.cases)().into_iter().filter(f64_case).collect();
        assert!(!cases.is_empty(), "{} has a gradient but no float64 sample", op.name);
        for (ci, case) in cases.iter().enumerate() {
            let refs: Vec<&Tensor> = case.inputs.iter().collect();
            let y = execute(op, &refs, &case.attrs).swap_remove(0);
            if y.dtype() != DType::F64 {
                continue; // a cast to another dtype: checked through its float64 samples
            }
            let w = weights(y.shape().dims(), 77 + ci as u64);
            let tape = GradientTape::new();
            for &i in &float_inputs(case) {
                tape.watch(&case.inputs[i]);
            }
            let y = execute(op, &refs, &case.attrs).swap_remove(0);
            let srcs: Vec<&Tensor> = float_inputs(case).iter().map(|&i| &case.inputs[i]).collect();
            let grads = tape.gradients(&[&y], &srcs, Some(&[&w]), UnconnectedGradients::Zero);
            for (k, &i) in float_inputs(case).iter().enumerate() {
                let g = grads[k].as_ref().unwrap().to_vec::<f64>();
                assert_eq!(
                    grads[k].as_ref().unwrap().shape(),
                    case.inputs[i].shape(),
                    "{} case {ci}: gradient shape of input {i}",
                    op.name
                );
                let h = 1e-6;
                for (j, gj) in g.iter().enumerate() {
                    let num = (loss(op, &perturbed(&case.inputs, i, j, h), case, &w)
                        - loss(op, &perturbed(&case.inputs, i, j, -h), case, &w))
                        / (2.0 * h);
                    assert!(
                        (gj - num).abs() <= 1e-5 * (1.0 + num.abs()),
                        "{} case {ci}: d/d input{i}[{j}] analytic {gj} vs numeric {num}",
                        op.name
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} gradient cases checked");
}

#[test]
fn second_order_gradients_match_finite_differences() {
    for op in all_ops() {
        if !matches!(op.grad, Grad::Rule(_)) || FIRST_ORDER_ONLY.contains(&op.name) {
            continue;
        }
        let Some(case) = (op.cases)().into_iter().find(f64_case) else {
            continue;
        };
        let fi = float_inputs(&case);
        let refs: Vec<&Tensor> = case.inputs.iter().collect();
        let y0 = execute(op, &refs, &case.attrs).swap_remove(0);
        if y0.dtype() != DType::F64 {
            continue;
        }
        let w = weights(y0.shape().dims(), 5);
        // s(x) = <∇L(x), v> for a random v over the first float input; check ∇s by differences.
        let i = fi[0];
        let v = weights(case.inputs[i].shape().dims(), 9);
        let s_of = |inputs: &[Tensor], outer: Option<&GradientTape>| -> (f64, Option<Tensor>) {
            let inner = GradientTape::new();
            for &q in &fi {
                inner.watch(&inputs[q]);
                if let Some(o) = outer {
                    o.watch(&inputs[q]);
                }
            }
            let r: Vec<&Tensor> = inputs.iter().collect();
            let y = execute(op, &r, &case.attrs).swap_remove(0);
            let g = inner
                .gradients(&[&y], &[&inputs[i]], Some(&[&w]), UnconnectedGradients::Zero)
                .pop()
                .flatten()
                .unwrap();
            let s = tf::reduce_sum(&(&g * &v), None, false);
            (s.scalar::<f64>(), Some(s))
        };
        let outer = GradientTape::new();
        let (_, s) = s_of(&case.inputs, Some(&outer));
        let hess_v = outer
            .gradients(&[s.as_ref().unwrap()], &[&case.inputs[i]], None, UnconnectedGradients::Zero)
            .pop()
            .flatten()
            .unwrap();
        drop(outer);
        let hv = hess_v.to_vec::<f64>();
        let h = 1e-5;
        for (j, a) in hv.iter().enumerate() {
            let num = (s_of(&perturbed(&case.inputs, i, j, h), None).0 - s_of(&perturbed(&case.inputs, i, j, -h), None).0) / (2.0 * h);
            assert!(
                (a - num).abs() <= 1e-4 * (1.0 + num.abs()),
                "{}: second derivative [{j}] analytic {a} vs numeric {num}",
                op.name
            );
        }
    }
}
