//! Unknown dimensions (TensorFlow's `None`): `input_signature` and `reduce_retracing` on
//! `tf::Function`, shape inference over partial shapes for the whole op registry, ops that
//! re-infer their shapes when the graph runs, `tf.cond` branches of different shapes, and
//! `while_loop` shape invariants. Expected values are the eager results of the same ops.

mod common;
use common::panic_message;
use tf::ops::{all_ops, execute, TensorSpec};
use tf::{DType, Function, Shape, Tensor};

fn partial(dims: &[Option<usize>], dtype: DType) -> TensorSpec {
    TensorSpec::new(Shape::partial(dims), dtype)
}

fn dense_block(xs: &[Tensor]) -> Vec<Tensor> {
    let w = tf::reshape(&tf::cast(&tf::range(12), tf::float32), [3, 4]) * 0.1f32;
    let h = tf::nn::relu(&(tf::matmul(&xs[0], &w) - 0.5f32));
    let s = tf::reduce_sum(&h, 1, false);
    let flat = tf::reshape(&h, [-1]);
    let both = tf::concat(&[&h, &h], 0);
    let col = xs[0].slice(tf::s![.., 1]);
    vec![h, s, flat, both, col, tf::transpose(&xs[0], None)]
}

#[test]
fn input_signature_takes_any_batch_size_with_one_trace() {
    let f = Function::new("dense_block", dense_block).input_signature([partial(&[None, Some(3)], DType::F32)]);
    for batch in [1usize, 2, 5] {
        let x = tf::reshape(&tf::cast(&tf::range(3 * batch as i64), tf::float32), [batch as i64, 3]) * 0.3f32;
        let got = f.call(std::slice::from_ref(&x));
        let want = dense_block(&[x]);
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.shape(), w.shape());
            assert_eq!(g.buffer(), w.buffer());
        }
    }
    assert_eq!(f.tracing_count(), 1);
    let graph = f.concrete_functions()[0].graph().to_string();
    assert!(graph.contains("Placeholder[0] -> float32 (None, 3)"), "{graph}");
    assert!(graph.contains("-> float32 (None, 4)"), "{graph}");
    assert!(graph.contains("-> float32 (None,)"), "{graph}");
}

#[test]
fn a_call_outside_the_input_signature_is_tensorflows_type_error() {
    let f = Function::new("f", |xs: &[Tensor]| vec![&xs[0] + 1i32]).input_signature([partial(&[None], DType::I32)]);
    assert_eq!(f.call(&[tf::constant([1i32, 2])])[0].to_vec::<i32>(), vec![2, 3]);
    let msg = panic_message(|| drop(f.call(&[tf::constant([[1i32, 2]])])));
    assert!(
        msg.contains(
            "Binding inputs to tf.function `f` failed due to `Can not cast TensorSpec(shape=(1, 2), dtype=tf.int32, name=None) to \
             TensorSpec(shape=(None,), dtype=tf.int32, name=None)`"
        ),
        "{msg}"
    );
    let msg = panic_message(|| drop(f.call(&[tf::constant([1.0f32])])));
    assert!(msg.starts_with("TypeError") && msg.contains("dtype=tf.float32"), "{msg}");
    let msg = panic_message(|| drop(f.call(&[tf::constant([1i32]), tf::constant([1i32])])));
    assert!(msg.contains("takes 1 tensor arguments, got 2"), "{msg}");
    assert_eq!(f.tracing_count(), 1);
}

#[test]
fn reduce_retracing_generalizes_on_the_second_trace() {
    // The guide's example: [3] traces, [5] traces a generalized graph, [7] and [9] reuse it.
    let g = Function::new("g", |xs: &[Tensor]| vec![&xs[0] * 2.0f32]).reduce_retracing(true);
    for n in [3usize, 5, 7, 9] {
        let out = g.call(&[tf::ones([n], tf::float32)]);
        assert_eq!(out[0].to_vec::<f32>(), vec![2.0; n]);
    }
    assert_eq!(g.tracing_count(), 2);
    let sigs: Vec<String> = g.concrete_functions().iter().map(|c| c.signature()[0].to_string()).collect();
    assert_eq!(
        sigs,
        [
            "TensorSpec(shape=(3,), dtype=tf.float32, name=None)",
            "TensorSpec(shape=(None,), dtype=tf.float32, name=None)"
        ]
    );
    // The exact trace still serves its own shape; another rank traces anew.
    g.call(&[tf::ones([3], tf::float32)]);
    g.call(&[tf::ones([2, 2], tf::float32)]);
    assert_eq!(g.tracing_count(), 3);
    // Without the option every shape traces.
    let h = Function::new("h", |xs: &[Tensor]| vec![&xs[0] * 2.0f32]);
    for n in [3usize, 5, 7] {
        h.call(&[tf::ones([n], tf::float32)]);
    }
    assert_eq!(h.tracing_count(), 3);
}

/// Every op of the registry, traced with every input dimension unknown, returns what it
/// returns eagerly; the few whose inference needs a known dimension say which.
#[test]
fn every_op_traced_with_unknown_dims_equals_eager() {
    let (mut checked, mut refused) = (0, std::collections::BTreeSet::new());
    for op in all_ops() {
        if op.stateful {
            continue;
        }
        for case in (op.cases)() {
            let refs: Vec<&Tensor> = case.inputs.iter().collect();
            let eager = execute(op, &refs, &case.attrs);
            let sig: Vec<TensorSpec> = case
                .inputs
                .iter()
                .map(|t| TensorSpec::new(Shape::partial(&vec![None; t.rank()]), t.dtype()))
                .collect();
            let attrs = case.attrs.clone();
            let f = Function::new(op.name, move |xs: &[Tensor]| {
                let r: Vec<&Tensor> = xs.iter().collect();
                execute(op, &r, &attrs).into_vec()
            })
            .input_signature(sig.clone());
            let traced = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.get_concrete_function(&sig))) {
                Ok(c) => c,
                Err(_) => {
                    refused.insert(op.name);
                    continue;
                }
            };
            let out = traced.call(&case.inputs).unwrap();
            common::assert_same_outputs(op.name, &out, &eager, "traced with unknown dims");
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} cases");
    let expected: std::collections::BTreeSet<&str> = [
        // The index depth (the last dimension of `indices`) decides the output's rank.
        "GatherNd",
        "ScatterNd",
        // The length of `dims` is the output's rank.
        "Fill",
    ]
    .into_iter()
    .collect();
    assert_eq!(refused, expected);
}

#[test]
fn shapes_that_disagree_when_the_graph_runs_fail_naming_the_op_and_line() {
    let f = Function::new("add", |xs: &[Tensor]| vec![&xs[0] + &xs[1]])
        .input_signature([partial(&[None], DType::F32), partial(&[None], DType::F32)]);
    assert_eq!(
        f.call(&[tf::ones([3], tf::float32), tf::ones([1], tf::float32)])[0].to_vec::<f32>(),
        vec![2.0; 3]
    );
    let msg = panic_message(|| drop(f.call(&[tf::ones([3], tf::float32), tf::ones([4], tf::float32)])));
    assert!(
        msg.contains("AddV2: Incompatible shapes: [3] vs. [4]") && msg.contains("in `add`, traced at tests/unknown_dims.rs:"),
        "{msg}"
    );
}

#[test]
fn shape_size_and_like_ops_see_the_run_time_shape() {
    let f = Function::new("dyn", |xs: &[Tensor]| {
        let x = &xs[0];
        assert_eq!(x.shape().dim(0), None, "the static shape keeps the batch unknown");
        vec![tf::shape(x), tf::size(x), tf::zeros_like(x), tf::ones_like(x)]
    })
    .input_signature([partial(&[None, Some(2)], DType::F32)]);
    let out = f.call(&[tf::ones([3, 2], tf::float32)]);
    assert_eq!(out[0].to_vec::<i32>(), vec![3, 2]);
    assert_eq!(out[1].scalar::<i32>(), 6);
    assert_eq!(out[2].to_vec::<f32>(), vec![0.0; 6]);
    assert_eq!((out[3].shape().dims(), out[3].to_vec::<f32>()), (&[3usize, 2][..], vec![1.0; 6]));
    let msg = panic_message(|| {
        Function::new("z", |xs: &[Tensor]| vec![tf::zeros(xs[0].shape().clone(), tf::float32)])
            .input_signature([partial(&[None], DType::F32)])
            .call(&[tf::ones([2], tf::float32)]);
    });
    assert!(msg.contains("fill: the shape (None,) has unknown dimensions"), "{msg}");
}

#[test]
fn cond_branches_of_different_shapes_give_unknown_dims() {
    let f = Function::new("pick", |xs: &[Tensor]| {
        tf::cond(
            &tf::greater(&tf::reduce_sum(&xs[0], None, false), &tf::constant(0.0f32)),
            || vec![tf::concat(&[&xs[0], &xs[0]], 0)],
            || vec![xs[0].clone()],
        )
    });
    let pos = f.call(&[tf::constant([1.0f32, 2.0])]);
    assert_eq!(pos[0].to_vec::<f32>(), vec![1.0, 2.0, 1.0, 2.0]);
    let neg = f.call(&[tf::constant([-3.0f32, 2.0])]);
    assert_eq!(neg[0].to_vec::<f32>(), vec![-3.0, 2.0]);
    let graph = f.concrete_functions()[0].graph().to_string();
    assert!(graph.contains("If(") && graph.contains("-> float32 (None,)"), "{graph}");
    let bad = Function::new("ranks", |xs: &[Tensor]| {
        tf::cond(&tf::constant(true), || vec![xs[0].clone()], || vec![tf::reshape(&xs[0], [1, 2])])
    });
    let msg = panic_message(|| drop(bad.call(&[tf::constant([1.0f32, 2.0])])));
    assert!(msg.contains("tf.cond: the branches return tensors of different ranks"), "{msg}");
}

#[test]
fn while_loop_shape_invariants_let_a_loop_variable_grow() {
    let grow = |xs: &[Tensor]| {
        tf::while_loop_with(
            |v| tf::less(&tf::size(&v[0]), &tf::constant(10i32)),
            |v| vec![tf::concat(&[&v[0], &v[0]], 0)],
            &[xs[0].clone()],
            tf::WhileOptions {
                shape_invariants: Some(vec![Shape::partial(&[None])]),
                ..Default::default()
            },
        )
    };
    let x = tf::constant([1.0f32, 2.0, 3.0]);
    let eager = grow(std::slice::from_ref(&x));
    let f = Function::new("grow", grow);
    let traced = f.call(std::slice::from_ref(&x));
    assert_eq!(eager[0].shape().dims(), &[12]);
    assert_eq!(traced[0].buffer(), eager[0].buffer());
    assert!(f.concrete_functions()[0]
        .graph()
        .to_string()
        .contains("While(%0) -> float32 (None,)"));
    let msg = panic_message(|| {
        tf::while_loop_with(
            |_| tf::constant(false),
            |v| v.to_vec(),
            std::slice::from_ref(&x),
            tf::WhileOptions {
                shape_invariants: Some(vec![Shape::partial(&[Some(2)])]),
                ..Default::default()
            },
        );
    });
    assert!(
        msg.contains("shape invariant (2,) of 'loop_var_0' is not compatible with its initial shape (3,)"),
        "{msg}"
    );
}

#[test]
fn where_is_traceable_now_that_its_row_count_can_be_unknown() {
    let f = Function::new("where", |xs: &[Tensor]| {
        vec![tf::where_indices(&tf::greater(&xs[0], &tf::constant(0.0f32)))]
    });
    let x = tf::constant([[1.0f32, -1.0], [2.0, 3.0]]);
    let got = f.call(std::slice::from_ref(&x));
    assert_eq!(got[0].shape().dims(), &[3, 2]);
    assert_eq!(got[0].to_vec::<i64>(), vec![0, 0, 1, 0, 1, 1]);
    let graph = f.concrete_functions()[0].graph().to_string();
    assert!(graph.contains("= Where(") && graph.contains("-> int64 (None, 2)"), "{graph}");
}

/// A regression step traced once for any batch size: the loss and its gradients (through
/// matmul, bias broadcast, mean over the unknown batch) equal the eager ones.
#[test]
fn gradients_inside_a_function_with_an_unknown_batch_equal_eager() {
    let w = tf::Variable::new(tf::reshape(&(tf::range(6.0f64) * 0.1f64 - 0.2f64), [3, 2]));
    let b = tf::Variable::new(tf::constant([0.5f64, -0.5]));
    let step = {
        let (w, b) = (w.clone(), b.clone());
        move |xs: &[Tensor]| {
            let tape = tf::GradientTape::new();
            let pred = tf::matmul(&xs[0], &w.value()) + b.value();
            let loss = tf::reduce_mean(&tf::square(&(pred - &xs[1])), None, false);
            let g = tape.gradients(&[&loss], &[&w, &b], None, tf::UnconnectedGradients::Zero);
            vec![loss, g[0].clone().unwrap(), g[1].clone().unwrap()]
        }
    };
    let f =
        Function::new("step", step.clone()).input_signature([partial(&[None, Some(3)], DType::F64), partial(&[None, Some(2)], DType::F64)]);
    for n in [1usize, 4, 7] {
        let x = tf::reshape(&(tf::range(3.0 * n as f64) * 0.3f64 - 1.0f64), [n as i64, 3]);
        let y = tf::reshape(&(tf::range(2.0 * n as f64) * -0.2f64), [n as i64, 2]);
        let got = f.call(&[x.clone(), y.clone()]);
        let want = step(&[x, y]);
        for (g, e) in got.iter().zip(&want) {
            assert_eq!(g.shape(), e.shape());
            for (a, b) in g.to_vec::<f64>().iter().zip(e.to_vec::<f64>()) {
                assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }
    assert_eq!(f.tracing_count(), 1);
    let graph = f.concrete_functions()[0].graph().to_string();
    assert!(graph.contains("SumToShapeOf"), "{graph}");
}

/// Every differentiable op of the registry, with its gradient taken inside a function traced
/// for a batch (first dimension) of any size, gives the eager gradients: the shape of a
/// `None` batch is read when the graph runs, as a partial last batch in `fit` needs.
#[test]
fn every_gradient_traced_with_an_unknown_batch_equals_eager() {
    let mut checked = 0;
    let mut failed = Vec::new();
    for op in all_ops() {
        if op.stateful || !matches!(op.grad, tf::ops::Grad::Rule(_)) {
            continue;
        }
        for case in (op.cases)() {
            let floats: Vec<usize> = (0..case.inputs.len()).filter(|&k| case.inputs[k].dtype().is_float()).collect();
            if floats.is_empty() || case.inputs.iter().any(|t| t.rank() == 0) {
                continue;
            }
            let attrs = case.attrs.clone();
            let grads = {
                let floats = floats.clone();
                move |xs: &[Tensor]| {
                    let tape = tf::GradientTape::new();
                    for &k in &floats {
                        tape.watch(&xs[k]);
                    }
                    let r: Vec<&Tensor> = xs.iter().collect();
                    let ys = execute(op, &r, &attrs).into_vec();
                    let mut loss = tf::scalar(0.0, DType::F64);
                    for y in ys.iter().filter(|y| y.dtype().is_float()) {
                        loss = &loss + &tf::cast(&tf::reduce_sum(&tf::sin(y), None, false), DType::F64);
                    }
                    let srcs: Vec<&Tensor> = floats.iter().map(|&k| &xs[k]).collect();
                    let g = tape.gradients(&[&loss], &srcs, None, tf::UnconnectedGradients::Zero);
                    g.into_iter().map(|g| g.expect("zeros when unconnected")).collect::<Vec<_>>()
                }
            };
            let eager = grads(&case.inputs);
            // The batch: the first input's first dimension, and that of each input of its
            // rank and first size (a filter's or an index's first dimension stays known).
            let lead = &case.inputs[0];
            let sig: Vec<TensorSpec> = case
                .inputs
                .iter()
                .map(|t| {
                    let mut d: Vec<Option<usize>> = t.shape().dims().iter().map(|&v| Some(v)).collect();
                    if t.rank() == lead.rank() && d[0] == Some(lead.shape().dims()[0]) {
                        d[0] = None;
                    }
                    TensorSpec::new(Shape::partial(&d), t.dtype())
                })
                .collect();
            let f = Function::new(op.name, grads).input_signature(sig.clone());
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.get_concrete_function(&sig).call(&case.inputs)));
            match run {
                Ok(Ok(out))
                    if out.len() == eager.len()
                        && out
                            .iter()
                            .zip(&eager)
                            .all(|(a, b)| a.shape() == b.shape() && a.buffer() == b.buffer()) =>
                {
                    checked += 1
                }
                Ok(Ok(_)) => failed.push(format!("{}: differs from eager", op.name)),
                Ok(Err(e)) => failed.push(format!("{}: {e} ({sig:?})", op.name)),
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                    failed.push(format!("{}: {}", op.name, msg.unwrap_or_default()))
                }
            }
        }
    }
    assert!(failed.is_empty(), "{} checked; failed:\n{}", checked, failed.join("\n"));
    assert!(checked > 150, "only {checked} cases");
}

/// Convolution and pooling gradients traced for images of any batch (and, for the 2-D ops,
/// any height and width): the input-gradient ops read the forward input's shape when the
/// graph runs. The loss and every gradient equal the eager ones at each size.
#[test]
fn convolution_gradients_with_unknown_batch_and_size_equal_eager() {
    let k2 = tf::Variable::new(tf::reshape(&tf::sin(&tf::range(36.0f64)), [3, 3, 2, 2]));
    let kt = tf::Variable::new(tf::reshape(&tf::cos(&tf::range(24.0f64)), [2, 2, 3, 2]));
    let k3 = tf::Variable::new(tf::reshape(&tf::cos(&tf::range(32.0f64)), [2, 2, 2, 2, 2]));
    let step = {
        let (k2, kt, k3) = (k2.clone(), kt.clone(), k3.clone());
        move |xs: &[Tensor]| {
            let (x, v) = (&xs[0], &xs[1]);
            let tape = tf::GradientTape::new();
            tape.watch(x);
            tape.watch(v);
            let c = tf::nn::conv2d(x, &k2.value(), 2, "SAME", 1);
            let d = tf::nn::depthwise_conv2d(&c, &k2.value(), 1, "SAME", 1);
            let p = tf::nn::avg_pool2d(&d, 2, 1, "SAME");
            let l2 = tf::reduce_sum(&tf::square(&p), None, false);
            let t = tf::nn::conv2d_transpose(v, &kt.value(), [tf::Shape::UNKNOWN, 6, 6, 3], 2, "SAME", 1);
            let lt = tf::reduce_sum(&tf::sin(&t), None, false);
            let u = tf::nn::conv3d(
                &tf::reshape(&tf::tile(v, &[1, 1, 1, 2]), [-1, 3, 3, 2, 2]),
                &k3.value(),
                1,
                "SAME",
                1,
            );
            let l3 = tf::reduce_sum(&tf::tanh(&u), None, false);
            let loss = &(&l2 + &lt) + &l3;
            let g = tape.gradients(
                &[&loss],
                &[
                    tf::Source::source(x),
                    tf::Source::source(v),
                    tf::Source::source(&k2),
                    tf::Source::source(&kt),
                    tf::Source::source(&k3),
                ],
                None,
                tf::UnconnectedGradients::Zero,
            );
            std::iter::once(loss).chain(g.into_iter().map(|g| g.expect("a gradient"))).collect()
        }
    };
    let f = Function::new("conv_step", step.clone()).input_signature([
        partial(&[None, None, None, Some(2)], DType::F64),
        partial(&[None, Some(3), Some(3), Some(2)], DType::F64),
    ]);
    for (n, h, w) in [(1usize, 5usize, 4usize), (3, 6, 7)] {
        let x = tf::reshape(
            &tf::cos(&(tf::range((n * h * w * 2) as f64) * 0.37f64)),
            [n as i64, h as i64, w as i64, 2],
        );
        let v = tf::reshape(&tf::sin(&(tf::range((n * 18) as f64) * 0.53f64)), [n as i64, 3, 3, 2]);
        let got = f.call(&[x.clone(), v.clone()]);
        let want = step(&[x, v]);
        for (k, (g, e)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.shape(), e.shape(), "output {k} at size {n}x{h}x{w}");
            for (a, b) in g.to_vec::<f64>().iter().zip(e.to_vec::<f64>()) {
                assert!(
                    (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
                    "output {k} at size {n}x{h}x{w}: {a} vs {b}"
                );
            }
        }
    }
    assert_eq!(f.tracing_count(), 1);
}

/// The 3-D ops fold the depth into the batch and need it known: traced with a `None` depth,
/// they say so; a 4-D input is refused naming the layout.
#[test]
fn three_d_ops_need_a_known_depth_and_rank_five() {
    let k = tf::ones([2, 2, 2, 1, 1], DType::F32);
    let f = Function::new("c3", move |xs: &[Tensor]| vec![tf::nn::conv3d(&xs[0], &k, 1, "SAME", 1)])
        .input_signature([partial(&[None, None, Some(4), Some(4), Some(1)], DType::F32)]);
    let sig = [partial(&[None, None, Some(4), Some(4), Some(1)], DType::F32)];
    let e = panic_message(|| {
        f.get_concrete_function(&sig);
    });
    assert!(e.contains("Conv3D: the input's depth must be known"), "{e}");
    let e = panic_message(|| {
        tf::nn::max_pool3d(&tf::ones([1, 4, 4, 1], DType::F32), 2, 2, "VALID");
    });
    assert!(e.contains("MaxPool3D: input (NDHWC) must be rank 5, got shape"), "{e}");
}

/// A classifier's loss traced with the classes unknown too: the loss and its gradient (whose
/// one-hot labels are then built when the graph runs) equal the eager ones.
#[test]
fn sparse_cross_entropy_with_unknown_classes_and_its_gradient_equal_eager() {
    let step = |xs: &[Tensor]| {
        let tape = tf::GradientTape::new();
        tape.watch(&xs[0]);
        let loss = tf::nn::sparse_softmax_cross_entropy_with_logits(&xs[1], &xs[0]);
        let g = tape.gradient(&tf::reduce_sum(&loss, None, false), &xs[0]).expect("a gradient");
        vec![loss, g]
    };
    let f = Function::new("xent", step).input_signature([partial(&[None, None], DType::F64), partial(&[None], DType::I64)]);
    for (n, classes) in [(2usize, 3usize), (4, 5)] {
        let z = tf::reshape(&(tf::range((n * classes) as f64) * 0.37f64 - 1.0f64), [n as i64, classes as i64]);
        let labels = Tensor::from_vec((0..n as i64).map(|i| (i * 2) % classes as i64).collect::<Vec<_>>(), [n]).expect("labels");
        let (got, want) = (f.call(&[z.clone(), labels.clone()]), step(&[z, labels]));
        for (g, e) in got.iter().zip(&want) {
            assert_eq!(g.shape(), e.shape());
            for (a, b) in g.to_vec::<f64>().iter().zip(e.to_vec::<f64>()) {
                assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }
    assert_eq!(f.tracing_count(), 1);
}

/// A scalar broadcast against an unknown dimension that turns out to be 1 or more: the
/// gradient is summed when the graph runs, whichever it is.
#[test]
fn broadcast_gradients_are_decided_when_the_graph_runs() {
    let f = Function::new("bc", |xs: &[Tensor]| {
        let tape = tf::GradientTape::new();
        tape.watch(&xs[0]);
        tape.watch(&xs[1]);
        let y = tf::reduce_sum(&(&xs[0] * &xs[1]), None, false);
        let g = tape.gradients(&[&y], &[&xs[0], &xs[1]], None, tf::UnconnectedGradients::Zero);
        vec![g[0].clone().unwrap(), g[1].clone().unwrap()]
    })
    .input_signature([partial(&[None], DType::F32), partial(&[None], DType::F32)]);
    let g = f.call(&[tf::constant([2.0f32]), tf::constant([1.0f32, 2.0, 3.0])]);
    assert_eq!((g[0].to_vec::<f32>(), g[1].to_vec::<f32>()), (vec![6.0], vec![2.0, 2.0, 2.0]));
    let g = f.call(&[tf::constant([1.0f32, 2.0]), tf::constant([3.0f32, 4.0])]);
    assert_eq!((g[0].to_vec::<f32>(), g[1].to_vec::<f32>()), (vec![3.0, 4.0], vec![1.0, 2.0]));
}

/// Concatenating a tensor of unknown length between known ones: each input's gradient is its
/// range of the upstream gradient, counted from the start before it and from the end after it.
#[test]
fn concat_gradients_with_an_unknown_length() {
    let f = tf::Function::new("concat_grad", |xs: &[tf::Tensor]| {
        let tape = tf::GradientTape::persistent();
        let (a, b) = (tf::constant([1.0f32, 2.0]), tf::constant([3.0f32]));
        tape.watch(&xs[0]);
        tape.watch(&a);
        tape.watch(&b);
        let y = tf::concat(&[&a, &xs[0], &b], 0);
        let weights = tf::cumsum(&tf::ones_like(&y), 0, false, false);
        let loss = tf::reduce_sum(&(&y * &weights), None, false);
        vec![
            tape.gradient(&loss, &a).unwrap(),
            tape.gradient(&loss, &xs[0]).unwrap(),
            tape.gradient(&loss, &b).unwrap(),
        ]
    })
    .input_signature([tf::ops::TensorSpec::new(vec![None], tf::float32)]);
    for n in [0usize, 1, 4] {
        let x = tf::zeros([n], tf::float32);
        let g = f.call(&[x]);
        // The weights are 1, 2, ..., n + 3: a gets 1, 2; x gets 3..n+2; b gets n + 3.
        assert_eq!(g[0].to_vec::<f32>(), vec![1.0, 2.0], "n = {n}");
        assert_eq!(g[1].to_vec::<f32>(), (3..n + 3).map(|i| i as f32).collect::<Vec<_>>(), "n = {n}");
        assert_eq!(g[2].to_vec::<f32>(), vec![(n + 3) as f32], "n = {n}");
    }
    assert_eq!(f.tracing_count(), 1);
}

/// `Gather` along the rows of params whose row count is unknown when traced: each row's
/// gradient sums the upstream rows that gathered it.
#[test]
fn gather_gradients_with_an_unknown_row_count() {
    let f = tf::Function::new("gather_grad", |xs: &[tf::Tensor]| {
        let tape = tf::GradientTape::new();
        tape.watch(&xs[0]);
        let picked = tf::gather(&xs[0], &tf::constant([2i32, 0, 2]), 0);
        let loss = tf::reduce_sum(&(&picked * &tf::constant([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]])), None, false);
        vec![tape.gradient(&loss, &xs[0]).unwrap()]
    })
    .input_signature([tf::ops::TensorSpec::new(Shape::partial(&[None, Some(2)]), tf::float32)]);
    for n in [3usize, 5] {
        let g = f.call(&[tf::zeros([n, 2], tf::float32)]).remove(0);
        let mut want = vec![0.0f32; 2 * n];
        want[..2].copy_from_slice(&[3.0, 4.0]);
        want[4..6].copy_from_slice(&[6.0, 8.0]);
        assert_eq!(g.to_vec::<f32>(), want, "n = {n}");
    }
    assert_eq!(f.tracing_count(), 1);
}

/// `einsum` traced with an unknown batch: each group holding the batch is left to the
/// reshape, so one trace serves every batch size (what attention layers need in a
/// functional model).
#[test]
fn einsum_with_an_unknown_batch_equals_eager() {
    let w = tf::reshape(&tf::cast(&tf::range(24), tf::float32), [4, 2, 3]) * 0.1f32;
    let body = move |xs: &[Tensor]| -> Vec<Tensor> {
        let q = tf::einsum("abc,cde->abde", &[&xs[0], &w]);
        let scores = tf::einsum("aecd,abcd->acbe", &[&q, &q]);
        vec![
            q.clone(),
            scores,
            tf::einsum("...c,cde->...de", &[&xs[0], &w]),
            tf::einsum("abii->ab", &[&tf::einsum("abcd,abed->abce", &[&q, &q])]),
        ]
    };
    let f = Function::new("attention_like", body.clone()).input_signature([partial(&[None, Some(5), Some(4)], DType::F32)]);
    for batch in [1usize, 3] {
        let x = tf::reshape(&tf::cast(&tf::range(20 * batch as i64), tf::float32), [batch as i64, 5, 4]) * 0.05f32;
        let got = f.call(std::slice::from_ref(&x));
        for (g, w) in got.iter().zip(&body(&[x])) {
            assert_eq!(g.shape(), w.shape());
            tf::debugging::assert_near(g, w, None, None).unwrap();
        }
    }
    assert_eq!(f.tracing_count(), 1);
}
