//! Finite-difference checks of every differentiable op in the registry, in float64 over each
//! op's input domain: the full Jacobian-vector product for the sample shapes (first order),
//! and the derivative of the gradient along a random direction (second order).

mod common;
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

/// A float64 tensor of `cos(a i) + 0.1 i`: distinct values, so no pooling window ties.
fn wave(shape: &[usize], a: f64) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_vec((0..n).map(|i| (a * i as f64).cos() + 0.1 * i as f64).collect(), shape.to_vec()).expect("shape")
}

#[test]
fn compute_gradient_full_jacobians_for_tiny_composites() {
    // Full Jacobians (TensorFlow's tf.test.compute_gradient) for composites built from the
    // primitives: activations, softmax, losses and normalisation.
    type F = fn(&[Tensor]) -> Tensor;
    let cases: Vec<(&str, F, Vec<Tensor>)> = vec![
        (
            "softmax",
            |x| tf::nn::softmax(&x[0], -1),
            vec![tf::constant([[0.3f64, -1.2, 2.0], [0.1, 0.2, 0.3]])],
        ),
        (
            "log_softmax",
            |x| tf::nn::log_softmax(&x[0], 0),
            vec![tf::constant([[0.3f64, -1.2], [2.0, 0.5]])],
        ),
        ("gelu", |x| tf::nn::gelu(&x[0], false), vec![tf::constant([-1.5f64, 0.2, 2.0])]),
        ("selu", |x| tf::nn::selu(&x[0]), vec![tf::constant([-1.5f64, 0.7])]),
        ("softplus", |x| tf::nn::softplus(&x[0]), vec![tf::constant([-3.0f64, 0.5, 4.0])]),
        (
            "logsumexp",
            |x| tf::reduce_logsumexp(&x[0], 1, false),
            vec![tf::constant([[1.0f64, 2.0, 3.0], [-1.0, 0.0, 5.0]])],
        ),
        (
            "l2_normalize",
            |x| tf::nn::l2_normalize(&x[0], -1, 1e-12),
            vec![tf::constant([3.0f64, -4.0, 1.0])],
        ),
        (
            "std",
            |x| tf::reduce_std(&x[0], None, false),
            vec![tf::constant([1.0f64, 2.5, -0.5, 4.0])],
        ),
        (
            "sparse_ce",
            |x| tf::nn::sparse_softmax_cross_entropy_with_logits(&tf::constant([2, 0]), &x[0]),
            vec![tf::constant([[0.1f64, 0.5, -0.3], [1.0, -1.0, 0.2]])],
        ),
        (
            "sigmoid_ce",
            |x| tf::nn::sigmoid_cross_entropy_with_logits(&x[1], &x[0]),
            vec![tf::constant([-2.0f64, 0.3, 1.5]), tf::constant([0.2f64, 0.9, 0.5])],
        ),
        (
            "batch_norm",
            |x| tf::nn::batch_normalization(&x[0], &x[1], &x[2], None, None, 1e-3),
            vec![
                tf::constant([[1.0f64, 2.0], [0.5, -1.0]]),
                tf::constant([0.2f64, 0.1]),
                tf::constant([1.5f64, 0.7]),
            ],
        ),
        (
            "einsum",
            |x| tf::einsum("ij,jk->ik", &[&x[0], &x[1]]),
            vec![tf::constant([[1.0f64, 2.0], [3.0, -1.0]]), tf::constant([[0.5f64], [2.0]])],
        ),
        (
            "divide_no_nan_xlogy_log_sigmoid_silu",
            |x| {
                let d = tf::divide_no_nan(&x[0], &x[1]);
                &(&tf::xlogy(&d, &x[1]) + &tf::log_sigmoid(&x[0])) + &tf::nn::silu(&x[1], 0.7)
            },
            vec![tf::constant([[0.5f64, -1.5], [2.0, 0.3]]), tf::constant([1.2f64, 0.4])],
        ),
        (
            "norms_and_clipping",
            |x| {
                let p3 = tf::norm(&x[0], 3, 1, true);
                let l1 = tf::norm(&x[0], 1, [0, 1], false);
                let e = tf::norm(&x[0], "euclidean", None, false);
                &(&tf::clip_by_norm(&x[0], 1.0, 1) * &p3) + &(&l1 * &e)
            },
            vec![tf::constant([[0.5f64, -1.5, 0.25], [2.0, 0.3, -0.7]])],
        ),
        (
            "global_norm_clipping",
            |x| {
                let (c, n) = tf::clip_by_global_norm(&[x[0].clone(), x[1].clone()], 1.5);
                &tf::concat(&[&c[0], &c[1]], 0) * &n
            },
            vec![tf::constant([0.5f64, -1.5]), tf::constant([2.0f64, 0.3, -0.7])],
        ),
        (
            "repeat_roll_meshgrid",
            |x| {
                let r = tf::repeat(&x[0], &[2, 0, 1], Some(1));
                let g = tf::meshgrid(&[&tf::roll(&x[1], &[1], &[0]), &x[1]], "xy");
                &tf::reduce_sum(&r, None, true) * &(&g[0] * &g[1])
            },
            vec![tf::constant([[0.5f64, -1.5, 0.25], [2.0, 0.3, -0.7]]), tf::constant([1.1f64, -0.4])],
        ),
        (
            "linalg_diag_trace_matvec",
            |x| {
                let d = tf::linalg::diag(&tf::linalg::diag_part(&x[0]));
                &tf::linalg::matvec(&d, &x[1]) * &tf::linalg::trace(&x[0])
            },
            vec![tf::constant([[0.5f64, -1.5], [2.0, 0.3]]), tf::constant([1.1f64, -0.4])],
        ),
        (
            "unsorted_segment_sum_and_mean",
            |x| {
                let ids = tf::constant([1, -1, 0, 1]);
                &tf::unsorted_segment_sum(&x[0], &ids, 3) + &tf::unsorted_segment_mean(&tf::square(&x[0]), &ids, 3)
            },
            vec![tf::constant([[0.5f64, -1.5], [2.0, 0.3], [1.1, 0.9], [-0.4, 0.7]])],
        ),
        (
            "reduce_prod_rows_with_zeros",
            |x| tf::reduce_prod(&x[0], 1, false),
            vec![tf::constant([[0.0f64, 2.0, 3.0], [1.5, -0.5, 2.0], [0.0, 0.0, 4.0]])],
        ),
        (
            "einsum_diagonal_broadcast_chain",
            |x| tf::einsum("ii,...ij,jk->...k", &[&x[0], &x[1], &x[2]]),
            vec![
                tf::constant([[1.0f64, 2.0], [3.0, -1.0]]),
                tf::constant([[[0.5f64, 1.5], [2.0, -0.3]], [[1.1, 0.2], [-0.7, 0.9]], [[0.4, 0.6], [1.2, -1.3]]]),
                tf::constant([[0.25f64, 1.0, -2.0], [0.75, -0.5, 1.5]]),
            ],
        ),
        (
            "tile_and_slice",
            |x| tf::tile(&x[0], &[2, 1]).slice(tf::s![1.., ..;-1]),
            vec![tf::constant([[1.0f64, 2.0, 3.0]])],
        ),
        // The 3-D convolutions and pools (composites of the 2-D ops over depth slices).
        (
            "conv3d_same_strided",
            |x| tf::nn::conv3d(&x[0], &x[1], (2, 1, 2), "SAME", 1),
            vec![wave(&[1, 3, 2, 3, 2], 0.37), wave(&[2, 2, 2, 2, 2], 0.91)],
        ),
        (
            "conv3d_valid_dilated",
            |x| tf::nn::conv3d(&x[0], &x[1], 1, "VALID", (2, 1, 1)),
            vec![wave(&[1, 4, 2, 2, 1], 0.53), wave(&[2, 1, 2, 1, 2], 1.7)],
        ),
        (
            "conv3d_transpose_strided_dilated",
            |x| tf::nn::conv3d_transpose(&x[0], &x[1], [1, 5, 3, 2, 1], (2, 1, 1), "SAME", (1, 2, 1)),
            vec![wave(&[1, 3, 3, 2, 2], 0.29), wave(&[3, 2, 1, 1, 2], 1.1)],
        ),
        (
            "max_pool3d_same",
            |x| tf::nn::max_pool3d(&x[0], (2, 3, 2), (2, 2, 1), "SAME"),
            vec![wave(&[1, 3, 3, 2, 2], 0.77)],
        ),
        (
            "conv1d_and_transpose",
            |x| {
                let y = tf::nn::conv1d(&x[0], &x[1], 2, "SAME", 1);
                tf::nn::conv1d_transpose(&y, &x[1], [1, 5, 2], 2, "SAME", 1)
            },
            vec![wave(&[1, 5, 2], 0.41), wave(&[2, 2, 2], 1.3)],
        ),
        (
            "pool1d_and_separable_conv2d",
            |x| {
                let p = &tf::nn::max_pool1d(&x[0], 2, 1, "SAME") + &tf::nn::avg_pool1d(&x[0], 3, 1, "SAME");
                tf::nn::separable_conv2d(&tf::reshape(&p, [1, 2, 3, 2]), &x[1], &x[2], 1, "VALID", 1)
            },
            vec![wave(&[1, 6, 2], 0.83), wave(&[2, 2, 2, 1], 0.7), wave(&[1, 1, 2, 2], 1.9)],
        ),
        (
            "avg_pool3d_same",
            |x| tf::nn::avg_pool3d(&x[0], (3, 2, 2), (2, 1, 2), "SAME"),
            vec![wave(&[1, 4, 2, 3, 1], 0.61)],
        ),
    ];
    for (name, f, xs) in cases {
        let (theory, numeric) = tf::test::compute_gradient(f, &xs, 1e-6);
        for (t, n) in theory.iter().zip(&numeric) {
            assert_eq!(t.shape(), n.shape());
            for (a, b) in t.to_vec::<f64>().iter().zip(n.to_vec::<f64>()) {
                assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{name}: Jacobian entry {a} vs {b}");
            }
        }
    }
}

#[test]
fn full_jacobians_of_every_primitive_on_tiny_samples() {
    let mut checked = 0;
    for op in all_ops() {
        if !matches!(op.grad, Grad::Rule(_)) {
            continue;
        }
        let Some(case) = (op.cases)()
            .into_iter()
            .filter(f64_case)
            .min_by_key(|c| c.inputs.iter().map(Tensor::num_elements).sum::<usize>())
        else {
            continue;
        };
        let fi = float_inputs(&case);
        let attrs = case.attrs.clone();
        let all = case.inputs.clone();
        let f = |xs: &[Tensor]| {
            let mut inputs = all.clone();
            for (k, &i) in fi.iter().enumerate() {
                inputs[i] = xs[k].clone();
            }
            let refs: Vec<&Tensor> = inputs.iter().collect();
            execute(op, &refs, &attrs).swap_remove(0)
        };
        let xs: Vec<Tensor> = fi.iter().map(|&i| case.inputs[i].clone()).collect();
        if f(&xs).dtype() != DType::F64 || f(&xs).num_elements() * xs.iter().map(Tensor::num_elements).sum::<usize>() > 20_000 {
            continue;
        }
        let (theory, numeric) = tf::test::compute_gradient(f, &xs, 1e-6);
        for (t, n) in theory.iter().zip(&numeric) {
            for (a, b) in t.to_vec::<f64>().iter().zip(n.to_vec::<f64>()) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{}: Jacobian entry {a} vs {b}", op.name);
            }
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} ops had a full Jacobian check");
}

/// Gradients at kinks and ties (relu at 0, relu6 at 6, equal maxima, a max-pool window of
/// equal values), where finite differences say nothing and TensorFlow's rules pick a side:
/// the same sides as a real TensorFlow run (`tests/golden/gen_kinks.py` → `kinks.json`).
#[test]
fn gradients_at_kinks_match_tensorflow() {
    use serde_json::Value;
    let golden = common::golden_json("kinks.json");
    let s = |v: f64| tf::scalar(v, DType::F32);
    let num = |v: &Value| match v {
        Value::String(t) => t.parse::<f32>().expect("nan or inf"),
        v => v.as_f64().expect("number") as f32,
    };
    for c in golden["cases"].as_array().expect("cases") {
        let name = c["name"].as_str().expect("name");
        let xs: Vec<Tensor> = c["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|x| {
                let v: Vec<f32> = x.as_array().expect("input").iter().map(num).collect();
                let n = v.len();
                Tensor::from_vec(v, [n]).expect("shape")
            })
            .collect();
        let x = &xs[0];
        let tape = GradientTape::new();
        for x in &xs {
            tape.watch(x);
        }
        let y = match name {
            "relu" => tf::nn::relu(x),
            "relu6" => tf::nn::relu6(x),
            "leaky_relu" => tf::nn::leaky_relu(x, 0.2),
            "elu" => tf::nn::elu(x),
            "selu" => tf::nn::selu(x),
            "abs" => tf::abs(x),
            "sign" => tf::sign(x),
            "sqrt" => tf::sqrt(x),
            "maximum" => tf::maximum(x, &xs[1]),
            "minimum" => tf::minimum(x, &xs[1]),
            "clip_by_value" => tf::clip_by_value(x, &s(0.0), &s(1.0)),
            "reduce_max" => tf::reduce_max(x, None, false),
            "reduce_min" => tf::reduce_min(x, None, false),
            "pow" => tf::pow(x, &xs[1]),
            "max_pool2d" => tf::nn::max_pool2d(&tf::reshape(x, [1, 2, 2, 1]), 2, 2, "VALID"),
            "l2_normalize" => tf::nn::l2_normalize(x, -1, 1e-12),
            "reduce_std" => tf::reduce_std(x, None, false),
            "squared_difference" => tf::squared_difference(x, &xs[1]),
            "divide" => tf::divide(x, &xs[1]),
            "log" => tf::log(x),
            "top_k" => tf::top_k(x, 2).0,
            "sort" => &tf::sort(x, -1, false) * &tf::constant([1.0f32, 2.0, 3.0]),
            "sigmoid_cross_entropy_with_logits" => tf::nn::sigmoid_cross_entropy_with_logits(x, &xs[1]),
            "reduce_prod" | "reduce_prod_two_zeros" => tf::reduce_prod(x, None, false),
            "divide_no_nan" => tf::divide_no_nan(x, &xs[1]),
            "xlogy" => tf::xlogy(x, &xs[1]),
            "clip_by_norm" => tf::clip_by_norm(x, 1.0, None),
            "norm" => tf::norm(x, "euclidean", None, false),
            "reduce_prod_rows" => tf::reduce_prod(&tf::reshape(x, [2, 2]), 1, false),
            "where_sqrt" | "where_rsqrt" | "where_reciprocal" | "where_log" => {
                let f = match name {
                    "where_sqrt" => tf::sqrt(x),
                    "where_rsqrt" => tf::rsqrt(x),
                    "where_reciprocal" => tf::reciprocal(x),
                    _ => tf::log(x),
                };
                tf::where_(&tf::greater(x, &s(0.0)), &f, &tf::zeros_like(x))
            }
            other => panic!("no case for {other}"),
        };
        let y = tf::reduce_sum(&y, None, false);
        let srcs: Vec<&Tensor> = xs.iter().collect();
        let grads = tape.gradients(&[&y], &srcs, None, UnconnectedGradients::None);
        for (i, (got, want)) in grads.iter().zip(c["grads"].as_array().expect("grads")).enumerate() {
            let got = got.as_ref().map(|g| g.to_vec::<f32>());
            let want = want.as_array().map(|w| w.iter().map(num).collect::<Vec<f32>>());
            let same = match (&got, &want) {
                (Some(g), Some(w)) => {
                    g.len() == w.len()
                        && g.iter()
                            .zip(w)
                            .all(|(a, b)| (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-6 * b.abs().max(1.0))
                }
                (None, None) => true,
                _ => false,
            };
            assert!(same, "{name}: gradient of input {i}: got {got:?}, TensorFlow {want:?}");
        }
    }
}

/// Bilinear resizing is linear (float32 out, as TensorFlow's): its gradient, checked by unit
/// differences (exact for a linear map up to float32 rounding), up- and downsampling.
#[test]
fn image_resize_gradient_matches_differences() {
    let x = tf::reshape(&tf::cast(&tf::range(24), tf::float32), [1, 3, 4, 2]) * 0.25f32;
    for size in [[5, 7], [2, 3]] {
        let r = tf::reshape(
            &tf::cast(&tf::range((size[0] * size[1] * 2) as i64), tf::float32),
            [1, size[0] as i64, size[1] as i64, 2],
        );
        let r = tf::sin(&r);
        let loss = |x: &Tensor| tf::reduce_sum(&(&tf::image::resize(x, size, tf::image::ResizeMethod::Bilinear) * &r), None, false);
        let tape = GradientTape::new();
        tape.watch(&x);
        let g = tape.gradient(&loss(&x), &x).expect("connected").to_vec::<f32>();
        let base = loss(&x).scalar::<f32>();
        for (j, gj) in g.iter().enumerate() {
            let mut v = x.to_vec::<f32>();
            v[j] += 1.0;
            let bumped = loss(&Tensor::from_vec(v, [1, 3, 4, 2]).unwrap()).scalar::<f32>();
            assert!(
                (bumped - base - gj).abs() < 1e-4,
                "{size:?}: d/dx[{j}] = {gj}, difference {}",
                bumped - base
            );
        }
    }
}
