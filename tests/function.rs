//! Graph functions at run time (`tf::Function`): tracing per signature with TensorFlow's
//! retracing counts, variables read and written in program order, `tf::print` at run time,
//! and traced results identical to eager ones across the op registry.

mod common;
use common::panic_message;
use std::sync::{Arc, Mutex};
use tf::ops::{all_ops, execute, TensorSpec};
use tf::{Function, Tensor, Variable};

#[test]
fn polymorphic_add_traces_once_per_signature() {
    let add = Function::new("add", |xs: &[Tensor]| vec![&xs[0] + &xs[1]]);
    let r = add.call(&[tf::constant([1.0f32, 2.0]), tf::constant([3.0f32, 4.0])]);
    assert_eq!(r[0].to_vec::<f32>(), vec![4.0, 6.0]);
    assert_eq!(add.tracing_count(), 1);
    add.call(&[tf::constant([5.0f32, 6.0]), tf::constant([7.0f32, 8.0])]);
    assert_eq!(add.tracing_count(), 1, "tensors of one signature share a trace");
    let r = add.call(&[tf::constant([1i32, 2]), tf::constant([3i32, 4])]);
    assert_eq!(r[0].to_vec::<i32>(), vec![4, 6]);
    assert_eq!(add.tracing_count(), 2, "a new dtype retraces");
    add.call(&[tf::constant([1.0f32]), tf::constant([2.0f32])]);
    assert_eq!(add.tracing_count(), 3, "a new shape retraces");
}

#[test]
fn overview_variables_keep_program_order() {
    // a = 1, b = 1; f(x, y) { a.assign(y * b); b.assign_add(x * a); a + b }: f(1, 2) = 5.
    let a = Variable::new(tf::constant(1.0f32));
    let b = Variable::new(tf::constant(1.0f32));
    let (fa, fb) = (a.clone(), b.clone());
    let f = Function::new("f", move |xs: &[Tensor]| {
        fa.assign(&(&xs[1] * &fb.value()));
        fb.assign_add(&(&xs[0] * &fa.value()));
        vec![&fa.value() + &fb.value()]
    });
    let r = f.call(&[tf::constant(1.0f32), tf::constant(2.0f32)]);
    assert_eq!(r[0].scalar::<f32>(), 5.0);
    assert_eq!((a.value().scalar::<f32>(), b.value().scalar::<f32>()), (2.0, 3.0));
    // The graph reads the variables afresh on every call: a = 2*3 = 6, b = 3 + 6 = 9.
    let r = f.call(&[tf::constant(1.0f32), tf::constant(2.0f32)]);
    assert_eq!(r[0].scalar::<f32>(), 15.0);
    assert_eq!(f.tracing_count(), 1);
}

#[test]
fn variables_may_be_created_only_on_the_first_trace() {
    let made: Arc<Mutex<Vec<Variable>>> = Arc::default();
    let keep = made.clone();
    let f = Function::new("make", move |xs: &[Tensor]| {
        let v = Variable::new(tf::zeros(xs[0].shape().dims().to_vec(), xs[0].dtype()));
        keep.lock().unwrap().push(v.clone());
        vec![&xs[0] + &v.value()]
    });
    f.call(&[tf::constant([1.0f32])]);
    let msg = panic_message(|| drop(f.call(&[tf::constant([1.0f32, 2.0])])));
    assert!(
        msg.starts_with("ValueError: tf.function only supports singleton tf.Variables created on the first call"),
        "{msg}"
    );
    assert_eq!(made.lock().unwrap().len(), 1);
}

#[test]
fn reading_a_symbolic_value_names_the_function_and_the_fix() {
    let f = Function::new("peek", |xs: &[Tensor]| vec![tf::constant(xs[0].scalar::<f32>())]);
    let msg = panic_message(|| drop(f.call(&[tf::constant(1.0f32)])));
    assert!(
        msg.contains("symbolic tensor while tracing `peek`") && msg.contains("tf::print"),
        "{msg}"
    );
}

#[test]
fn graph_printout_shows_ops_shapes_and_source_lines() {
    let f = Function::new("matmul_plus", |xs: &[Tensor]| vec![tf::nn::relu(&tf::matmul(&xs[0], &xs[1]))]);
    let spec = |d: &[usize]| TensorSpec {
        dtype: tf::float32,
        shape: tf::Shape::new(d),
    };
    let c = f.get_concrete_function(&[spec(&[2, 3]), spec(&[3, 4])]);
    assert_eq!(f.tracing_count(), 1);
    let text = c.graph().to_string();
    assert!(text.starts_with("graph matmul_plus {"), "{text}");
    assert!(text.contains("%2 = MatMul(%0, %1) -> float32 (2, 4)"), "{text}");
    assert!(text.contains("%3 = Relu(%2) -> float32 (2, 4)"), "{text}");
    assert!(text.contains("tests/function.rs:"), "{text}");
    assert!(text.trim_end().ends_with("return %3\n}") || text.contains("return %3"), "{text}");
    c.graph().verify().unwrap();
    let bad = c.call(&[tf::ones([2, 2], tf::float32), tf::ones([3, 4], tf::float32)]);
    assert!(bad.unwrap_err().to_string().contains("argument 0"));
}

#[test]
fn tf_print_runs_on_every_call_and_println_only_while_tracing() {
    let traced = Arc::new(Mutex::new(0));
    let t = traced.clone();
    let f = Function::new("show", move |xs: &[Tensor]| {
        *t.lock().unwrap() += 1; // a Rust side effect: trace time only
        tf::print(&[&xs[0]]);
        vec![xs[0].clone()]
    });
    tf::ops::io::capture_prints();
    for v in [1, 2, 3] {
        f.call(&[tf::constant([v, v + 1])]);
    }
    assert_eq!(tf::ops::io::take_printed(), vec!["[1 2]", "[2 3]", "[3 4]"]);
    assert_eq!(*traced.lock().unwrap(), 1);
}

#[test]
fn gradients_flow_through_function_calls() {
    let f = Function::new("cube", |xs: &[Tensor]| vec![&xs[0] * &xs[0] * &xs[0]]);
    let x = tf::constant(2.0f64);
    let outer = tf::GradientTape::new();
    let inner = tf::GradientTape::new();
    outer.watch(&x);
    inner.watch(&x);
    let y = f.call(std::slice::from_ref(&x)).remove(0);
    let g = inner.gradient(&y, &x).unwrap();
    assert_eq!(g.scalar::<f64>(), 12.0);
    assert_eq!(outer.gradient(&g, &x).unwrap().scalar::<f64>(), 12.0);
}

#[test]
fn every_stateless_op_traced_equals_eager() {
    let mut checked = 0;
    for op in all_ops() {
        if op.stateful {
            continue;
        }
        for case in (op.cases)() {
            let refs: Vec<&Tensor> = case.inputs.iter().collect();
            let eager = execute(op, &refs, &case.attrs);
            let attrs = case.attrs.clone();
            let f = Function::new(op.name, move |xs: &[Tensor]| {
                let r: Vec<&Tensor> = xs.iter().collect();
                execute(op, &r, &attrs).into_vec()
            });
            common::assert_same_outputs(op.name, &f.call(&case.inputs), &eager, "traced result");
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} cases");
}

fn collatz_steps(v: &[Tensor]) -> Vec<Tensor> {
    let two = tf::constant(2i64);
    let even = tf::equal(&tf::floormod(&v[0], &two), &tf::constant(0i64));
    let next = tf::where_(&even, &tf::floordiv(&v[0], &two), &(&v[0] * 3 + 1));
    vec![next, &v[1] + 1]
}

#[test]
fn staged_cond_selects_at_run_time() {
    let f = Function::new("sign_scale", |xs: &[Tensor]| {
        tf::cond(
            &tf::greater(&xs[0], &tf::constant(0.0f32)),
            || vec![&xs[0] * 2.0f32],
            || vec![-&xs[0]],
        )
    });
    assert_eq!(f.call(&[tf::constant(3.0f32)])[0].scalar::<f32>(), 6.0);
    assert_eq!(f.call(&[tf::constant(-4.0f32)])[0].scalar::<f32>(), 4.0);
    assert_eq!(f.tracing_count(), 1, "one graph serves both branches");
    let c = f.get_concrete_function(&[TensorSpec {
        dtype: tf::float32,
        shape: tf::Shape::scalar(),
    }]);
    let text = c.graph().to_string();
    assert!(text.contains("= If(") && text.contains("then|") && text.contains("else|"), "{text}");
}

#[test]
fn staged_while_loop_runs_data_dependent_iterations() {
    let f = Function::new("collatz", |xs: &[Tensor]| {
        tf::while_loop(
            |v| tf::greater(&v[0], &tf::constant(1i64)),
            collatz_steps,
            &[xs[0].clone(), tf::constant(0i64)],
            None,
        )
    });
    for (n, steps) in [(27i64, 111i64), (6, 8), (1, 0)] {
        assert_eq!(f.call(&[tf::constant(n)])[1].scalar::<i64>(), steps);
    }
    assert_eq!(f.tracing_count(), 1);
    // maximum_iterations caps the loop.
    let g = Function::new("capped", |xs: &[Tensor]| {
        tf::while_loop(|_| tf::constant(true), |v| vec![&v[0] + 1], &[xs[0].clone()], Some(5))
    });
    assert_eq!(g.call(&[tf::constant(0i32)])[0].scalar::<i32>(), 5);
}

/// A loop body's ops write into last iteration's buffers when nothing else holds them:
/// loop variables that trade places, a value returned twice, a value a variable keeps, and
/// results the caller holds from an earlier call all keep their own values — in a loop the
/// executor compiles (ops only) and in one it interprets (it assigns a variable).
#[test]
fn loop_buffers_reused_across_iterations_never_alias_live_values() {
    for with_variable in [false, true] {
        let v = tf::Variable::new(tf::zeros([2], tf::float32));
        let v2 = v.clone();
        let f = Function::new("swaps", move |xs: &[Tensor]| {
            tf::while_loop(
                |s| tf::less(&s[0], &tf::constant(5i32)),
                |s| {
                    // Fibonacci pairs by trading places: (a, b) -> (b, a + b).
                    let sum = &s[1] + &s[2];
                    if with_variable {
                        v2.assign(&sum);
                    }
                    // The same computed value twice, and a placeholder passed through.
                    let twice = &s[3] * 2.0f32;
                    vec![&s[0] + 1, s[2].clone(), sum, twice.clone(), twice]
                },
                &[tf::constant(0i32), xs[0].clone(), xs[1].clone(), xs[0].clone(), xs[1].clone()],
                None,
            )
        });
        let (a, b) = (tf::constant([1.0f32, 0.0]), tf::constant([1.0f32, 2.0]));
        let first = f.call(&[a.clone(), b.clone()]);
        // a, b = b, a + b five times from (1, 1) and (0, 2): (8, 13) and (10, 16).
        assert_eq!(first[1].to_vec::<f32>(), vec![8.0, 10.0]);
        assert_eq!(first[2].to_vec::<f32>(), vec![13.0, 16.0]);
        // s[3] doubles five times from a; s[4] takes the same value each time.
        assert_eq!(first[3].to_vec::<f32>(), vec![32.0, 0.0]);
        assert_eq!(first[4].to_vec::<f32>(), vec![32.0, 0.0]);
        let expected_v = if with_variable { vec![13.0, 16.0] } else { vec![0.0, 0.0] };
        assert_eq!(v.value().to_vec::<f32>(), expected_v);
        // A second call reuses nothing the first call's results hold.
        let second = f.call(&[b.clone(), a.clone()]);
        assert_eq!(first[2].to_vec::<f32>(), vec![13.0, 16.0]);
        assert_eq!(second[2].to_vec::<f32>(), vec![13.0, 10.0]);
        assert_eq!(a.to_vec::<f32>(), vec![1.0, 0.0]);
        assert_eq!(b.to_vec::<f32>(), vec![1.0, 2.0]);
    }
}

#[test]
fn matmul_many_as_one_while_node_equals_unrolled() {
    let t = tf::random::uniform(&[4, 4], -0.5, 0.5, tf::float32, Some(3));
    let f = Function::new("matmul_many", |xs: &[Tensor]| {
        let t = xs[0].clone();
        let out = tf::while_loop(
            |v| tf::less(&v[0], &tf::constant(100i32)),
            |v| vec![&v[0] + 1, tf::matmul(&v[1], &t)],
            &[tf::constant(0i32), t.clone()],
            None,
        );
        vec![out[1].clone()]
    });
    let staged = f.call(std::slice::from_ref(&t)).remove(0);
    let mut eager = t.clone();
    for _ in 0..100 {
        eager = tf::matmul(&eager, &t);
    }
    assert_eq!(staged.to_vec::<f32>(), eager.to_vec::<f32>());
    let c = f.get_concrete_function(&[TensorSpec {
        dtype: tf::float32,
        shape: tf::Shape::new(&[4, 4]),
    }]);
    let text = c.graph().to_string();
    assert_eq!(text.matches("= While(").count(), 1, "{text}");
    assert_eq!(text.matches("MatMul").count(), 1, "one MatMul inside the loop body: {text}");
}

#[test]
fn nested_control_flow_captures_through_each_level() {
    // A cond inside a while body that reads a tensor from the function's top level.
    let f = Function::new("nested", |xs: &[Tensor]| {
        let step = &xs[1] * 1.0f32; // a top-level symbolic value the inner branch captures
        tf::while_loop(
            |v| tf::less(&v[0], &tf::constant(5i32)),
            |v| {
                let odd = tf::equal(&tf::floormod(&v[0], &tf::constant(2i32)), &tf::constant(1i32));
                let acc = tf::cond(&odd, || vec![&v[1] + &step], || vec![v[1].clone()]);
                vec![&v[0] + 1, acc[0].clone()]
            },
            &[tf::constant(0i32), xs[0].clone()],
            None,
        )
    });
    let r = f.call(&[tf::constant(10.0f32), tf::constant(3.0f32)]);
    assert_eq!(r[1].scalar::<f32>(), 16.0); // odd steps 1 and 3 add 3 each
}

#[test]
fn control_flow_errors_use_tensorflow_wording() {
    let f = Function::new("bad_cond", |xs: &[Tensor]| {
        tf::cond(
            &tf::greater(&xs[0], &tf::constant(0.0f32)),
            || vec![xs[0].clone()],
            || vec![tf::cast(&xs[0], tf::int32)],
        )
    });
    let msg = panic_message(|| drop(f.call(&[tf::constant(1.0f32)])));
    assert!(
        msg.contains("true_fn and false_fn arguments to tf.cond must have the same number, type, and overall structure"),
        "{msg}"
    );
    let g = Function::new("grow", |xs: &[Tensor]| {
        tf::while_loop(
            |_| tf::constant(false),
            |v| vec![tf::concat(&[&v[0], &v[0]], 0)],
            &[xs[0].clone()],
            None,
        )
    });
    let msg = panic_message(|| drop(g.call(&[tf::constant([1.0f32])])));
    assert!(
        msg.contains("enters the loop with shape (1,)") && msg.contains("shape_invariants"),
        "{msg}"
    );
}

#[test]
fn gradients_flow_through_staged_cond_and_while() {
    // y = x^(2^3) by squaring three times in a while loop, inside a cond that picks it.
    let f = Function::new("powers", |xs: &[Tensor]| {
        tf::cond(
            &tf::greater(&xs[0], &tf::constant(0.0f64)),
            || {
                vec![tf::while_loop(
                    |v| tf::less(&v[0], &tf::constant(3i32)),
                    |v| vec![&v[0] + 1, &v[1] * &v[1]],
                    &[tf::constant(0i32), xs[0].clone()],
                    None,
                )[1]
                .clone()]
            },
            || vec![-&xs[0]],
        )
    });
    let x = tf::constant(1.1f64);
    let tape = tf::GradientTape::new();
    tape.watch(&x);
    let y = f.call(std::slice::from_ref(&x)).remove(0);
    let g = tape.gradient(&y, &x).unwrap().scalar::<f64>();
    assert!((g - 8.0 * 1.1f64.powi(7)).abs() < 1e-9, "{g}");
    let xn = tf::constant(-2.0f64);
    let tape = tf::GradientTape::new();
    tape.watch(&xn);
    let y = f.call(std::slice::from_ref(&xn)).remove(0);
    assert_eq!(tape.gradient(&y, &xn).unwrap().scalar::<f64>(), -1.0);
}

#[test]
fn repeated_retracing_warns_like_tensorflow() {
    let f = Function::new("shapes", |xs: &[Tensor]| vec![&xs[0] * 2.0f32]);
    tf::ops::io::capture_prints();
    for n in 1..=5 {
        f.call(&[tf::zeros([n], tf::float32)]);
    }
    let lines = tf::ops::io::take_printed();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("WARNING: 5 out of the last 5 calls to `shapes` triggered tf.function retracing"),
        "{}",
        lines[0]
    );
    // Calls that reuse a trace do not warn.
    tf::ops::io::capture_prints();
    for _ in 0..10 {
        f.call(&[tf::zeros([3], tf::float32)]);
    }
    assert!(tf::ops::io::take_printed().is_empty());
    // Nor do four new traces, a reuse and four more: never five of the last five.
    for n in (6..=9).chain([3]).chain(10..=13) {
        f.call(&[tf::zeros([n], tf::float32)]);
    }
    assert!(tf::ops::io::take_printed().is_empty());
}

#[test]
fn traced_sparse_cross_entropy_refuses_out_of_range_labels_when_it_runs() {
    let f = Function::new("xent", |xs: &[Tensor]| {
        vec![tf::nn::sparse_softmax_cross_entropy_with_logits(&xs[1], &xs[0])]
    });
    let logits = tf::constant([[1.0f32, 2.0, 0.5], [0.1, 0.2, 3.0]]);
    let good = f.call(&[logits.clone(), tf::constant([1i64, 2])]);
    let eager = tf::nn::sparse_softmax_cross_entropy_with_logits(&tf::constant([1i64, 2]), &logits);
    assert_eq!(good[0].buffer(), eager.buffer());
    let msg = panic_message(|| drop(f.call(&[logits.clone(), tf::constant([1i64, 3])])));
    assert!(
        msg.contains("SparseSoftmaxCrossEntropyWithLogits: Received a label value of 3 which is outside the valid range of [0, 3)"),
        "{msg}"
    );
}

/// `f(x) = Σ tanh(x W)² + 3x` with `W` a variable, the same ops run eagerly.
fn dense_tanh(x: &Tensor, w: &Variable) -> Tensor {
    let h = tf::tanh(&tf::matmul(x, &w.value()));
    &tf::reduce_sum(&(&h * &h), None, false) + &(&tf::reduce_sum(x, None, false) * 3.0f64)
}

/// Under a tape, a graph-function call is one op: the graph runs unrecorded and its
/// gradient is a second graph function (traced at the first gradient), whose own calls are
/// single ops too, so nested tapes give second derivatives.
#[test]
fn a_call_under_a_tape_is_one_op_whose_backward_is_a_graph_function() {
    let w = Variable::new(tf::constant([[0.3f64, -0.2], [0.1, 0.4], [-0.5, 0.25]]));
    let w2 = w.clone();
    let f = Function::new("dense_tanh", move |xs: &[Tensor]| vec![dense_tanh(&xs[0], &w2)]);
    let x = tf::constant([[0.5f64, -1.0, 2.0]]);
    // First and second derivatives through the call, against the eager ops.
    let grads = |run: &dyn Fn(&Tensor) -> Tensor| {
        let outer = tf::GradientTape::new();
        outer.watch(&x);
        let inner = tf::GradientTape::persistent();
        inner.watch(&x);
        let y = run(&x);
        let (gx, gw) = (inner.gradient(&y, &x).expect("x"), inner.gradient(&y, &w).expect("w"));
        let s = tf::reduce_sum(&(&gx * &gx), None, false);
        let hx = outer.gradient(&s, &x).expect("second order");
        (gx.to_vec::<f64>(), gw.to_vec::<f64>(), hx.to_vec::<f64>())
    };
    let traced = grads(&|x| f.call(std::slice::from_ref(x)).remove(0));
    let eager = grads(&|x| dense_tanh(x, &w));
    for (a, b) in [(&traced.0, &eager.0), (&traced.1, &eager.1), (&traced.2, &eager.2)] {
        for (p, q) in a.iter().zip(b.iter()) {
            assert!((p - q).abs() <= 1e-12 * (1.0 + q.abs()), "{a:?} vs {b:?}");
        }
    }
    // The backward graph: (x, W's value, dy) in, (dx, dW) out; and its own backward, traced
    // for the second derivative.
    let c = &f.concrete_functions()[0];
    let bwd = c.gradient_function().expect("traced by the first gradient");
    assert_eq!(bwd.signature().len(), 3);
    assert_eq!(bwd.graph().outputs.len(), 2);
    assert!(bwd.graph().to_string().contains("MatMul("), "{}", bwd.graph());
    assert!(
        bwd.gradient_function().is_some(),
        "the second derivative went through the backward graph as one op"
    );
    // A call with no tape recording stays a plain run.
    assert_eq!(
        f.call(std::slice::from_ref(&x))[0].scalar::<f64>(),
        dense_tanh(&x, &w).scalar::<f64>()
    );
}

/// A graph with a random op cannot be recomputed by a backward graph (the samples would
/// differ): its calls are recorded op by op, and the gradient uses the samples drawn.
#[test]
fn calls_of_graphs_with_random_ops_are_recorded_op_by_op() {
    let f = Function::new("noisy", |xs: &[Tensor]| {
        let noise = tf::random::uniform(&[3], 1.0, 2.0, tf::float64, Some(5));
        vec![tf::reduce_sum(&(&xs[0] * &noise), None, false), noise]
    });
    let x = tf::constant([1.0f64, 2.0, 3.0]);
    let tape = tf::GradientTape::new();
    tape.watch(&x);
    let out = f.call(std::slice::from_ref(&x));
    let g = tape.gradient(&out[0], &x).expect("connected");
    assert_eq!(g.to_vec::<f64>(), out[1].to_vec::<f64>(), "d/dx Σ x·noise = noise");
    assert!(f.concrete_functions()[0].gradient_function().is_none());
}

/// `cond(x > 0, { v = x; 3 times: v = v·w + x; v }, -x)`, staged when traced.
fn looped(x: &Tensor, w: &Tensor) -> Tensor {
    let pos = tf::greater(x, &tf::constant(0.0f64));
    tf::cond(
        &pos,
        || {
            let body = |v: &[Tensor]| vec![&v[0] + 1, &(&v[1] * w) + x];
            vec![tf::while_loop(
                |v| tf::less(&v[0], &tf::constant(3i32)),
                body,
                &[tf::constant(0i32), x.clone()],
                None,
            )[1]
            .clone()]
        },
        || vec![-x],
    )
    .remove(0)
}

/// A tape inside a traced function differentiates staged `cond` and `while_loop` (a cond's
/// gradient is another cond; a loop's, a forward loop stacking each iteration's state and a
/// loop back over the stack), with respect to loop variables and captured values, against
/// finite differences of the eager function; nested tapes give second derivatives.
#[test]
fn tapes_inside_traces_differentiate_staged_cond_and_while() {
    let f = Function::new("grads", |xs: &[Tensor]| {
        let tape = tf::GradientTape::persistent();
        tape.watch(&xs[0]);
        tape.watch(&xs[1]);
        let y = looped(&xs[0], &xs[1]);
        vec![tape.gradient(&y, &xs[0]).expect("x"), tape.gradient(&y, &xs[1]).expect("w")]
    });
    for x0 in [0.7, -1.3] {
        let w0 = 1.4;
        let out = f.call(&[tf::constant(x0), tf::constant(w0)]);
        let at = |x: f64, w: f64| looped(&tf::constant(x), &tf::constant(w)).scalar::<f64>();
        let h = 1e-6;
        let gx = (at(x0 + h, w0) - at(x0 - h, w0)) / (2.0 * h);
        let gw = (at(x0, w0 + h) - at(x0, w0 - h)) / (2.0 * h);
        for (got, want) in [(out[0].scalar::<f64>(), gx), (out[1].scalar::<f64>(), gw)] {
            assert!((got - want).abs() <= 1e-6 * (1.0 + want.abs()), "x = {x0}: {got} vs {want}");
        }
    }
    let text = f.concrete_functions()[0].graph().to_string();
    assert!(text.matches("While(").count() >= 2 && text.matches("If(").count() >= 2, "{text}");
    // Second order through a staged cond: y = cond(x > 0, x³, -x), y'' = 6x.
    let second = Function::new("second", |xs: &[Tensor]| {
        let outer = tf::GradientTape::new();
        outer.watch(&xs[0]);
        let inner = tf::GradientTape::new();
        inner.watch(&xs[0]);
        let x = &xs[0];
        let y = tf::cond(&tf::greater(x, &tf::constant(0.0f64)), || vec![&(x * x) * x], || vec![-x]).remove(0);
        let g = inner.gradient(&y, x).expect("first");
        vec![g.clone(), outer.gradient(&g, x).expect("second")]
    });
    let out = second.call(&[tf::constant(1.5f64)]);
    assert!((out[0].scalar::<f64>() - 3.0 * 1.5f64.powi(2)).abs() < 1e-12);
    assert!((out[1].scalar::<f64>() - 6.0 * 1.5).abs() < 1e-12, "{}", out[1].scalar::<f64>());
}

/// Second order through a staged `while_loop` inside a trace: the first gradient's own loops
/// (counting the iterations, stacking each state into a stack made at its full size, going
/// back over it) keep every loop variable's shape, so an outer tape differentiates them
/// again. `p = x·(x·w)³` after three iterations: dp/dx = 4x³w³, d²p/dx² = 12x²w³,
/// d²p/dxdw = 12x³w².
#[test]
fn second_order_through_a_staged_while_inside_a_trace() {
    let powered = |x: &Tensor, w: &Tensor| {
        tf::while_loop(
            |v| tf::less(&v[0], &tf::constant(3i32)),
            |v| vec![&v[0] + 1, &(&v[1] * x) * w],
            &[tf::constant(0i32), x.clone()],
            None,
        )[1]
        .clone()
    };
    let f = Function::new("second_loop", move |xs: &[Tensor]| {
        let (x, w) = (&xs[0], &xs[1]);
        let outer = tf::GradientTape::persistent();
        outer.watch(x);
        outer.watch(w);
        let inner = tf::GradientTape::new();
        inner.watch(x);
        let g = inner.gradient(&powered(x, w), x).expect("first order");
        vec![
            g.clone(),
            outer.gradient(&g, x).expect("second order in x"),
            outer.gradient(&g, w).expect("mixed second order"),
        ]
    });
    for (x, w) in [(1.5f64, 0.8f64), (-0.7, 1.3)] {
        let out = f.call(&[tf::constant(x), tf::constant(w)]);
        let got: Vec<f64> = out.iter().map(|t| t.scalar::<f64>()).collect();
        let want = [4.0 * x.powi(3) * w.powi(3), 12.0 * x * x * w.powi(3), 12.0 * x.powi(3) * w * w];
        for (g, e) in got.iter().zip(&want) {
            assert!((g - e).abs() <= 1e-9 * (1.0 + e.abs()), "x = {x}, w = {w}: {got:?} vs {want:?}");
        }
        // The first derivative by the traced function against central differences of it.
        let first = |x: f64, w: f64| f.call(&[tf::constant(x), tf::constant(w)])[0].scalar::<f64>();
        let h = 1e-5;
        let dx = (first(x + h, w) - first(x - h, w)) / (2.0 * h);
        let dw = (first(x, w + h) - first(x, w - h)) / (2.0 * h);
        assert!((got[1] - dx).abs() <= 1e-5 * (1.0 + dx.abs()), "{} vs {dx}", got[1]);
        assert!((got[2] - dw).abs() <= 1e-5 * (1.0 + dw.abs()), "{} vs {dw}", got[2]);
    }
    let text = f.concrete_functions()[0].graph().to_string();
    assert!(text.matches("While(").count() >= 4, "{text}");
}

/// A call of a graph holding a `While` under a tape is one op too: its backward graph holds
/// the loop's gradient loops, and that graph's own backward gives the second derivative.
#[test]
fn a_call_of_a_loop_graph_is_one_op_with_second_derivatives() {
    let f = Function::new("powered", |xs: &[Tensor]| {
        let (x, w) = (&xs[0], &xs[1]);
        vec![tf::while_loop(
            |v| tf::less(&v[0], &tf::constant(3i32)),
            |v| vec![&v[0] + 1, &(&v[1] * x) * w],
            &[tf::constant(0i32), x.clone()],
            None,
        )[1]
        .clone()]
    });
    let (x, w) = (tf::constant(1.5f64), tf::constant(0.8f64));
    let outer = tf::GradientTape::new();
    outer.watch(&x);
    let inner = tf::GradientTape::persistent();
    inner.watch(&x);
    inner.watch(&w);
    let p = f.call(&[x.clone(), w.clone()]).remove(0);
    let (gx, gw) = (inner.gradient(&p, &x).expect("x"), inner.gradient(&p, &w).expect("w"));
    let hx = outer.gradient(&gx, &x).expect("second order");
    // p = x⁴w³: dp/dx = 4x³w³, dp/dw = 3x⁴w², d²p/dx² = 12x²w³.
    let (xv, wv) = (1.5f64, 0.8f64);
    for (got, want) in [
        (gx.scalar::<f64>(), 4.0 * xv.powi(3) * wv.powi(3)),
        (gw.scalar::<f64>(), 3.0 * xv.powi(4) * wv * wv),
        (hx.scalar::<f64>(), 12.0 * xv * xv * wv.powi(3)),
    ] {
        assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{got} vs {want}");
    }
    let bwd = f.concrete_functions()[0].gradient_function().expect("the call was one op");
    assert!(bwd.graph().to_string().contains("While("), "{}", bwd.graph());
    assert!(
        bwd.gradient_function().is_some(),
        "the second derivative went through the backward graph as one op"
    );
}

/// Independent ops of a graph run two at a time (`passes::parallel` pairs them; TensorFlow's
/// inter-op parallelism): the results equal one op at a time and eager, bit for bit, and a
/// call under a tape (which runs one op at a time) gives the eager gradient.
#[test]
fn independent_ops_run_at_once_with_the_same_results() {
    let branches = |xs: &[Tensor]| {
        let (mut a, mut b, w) = (xs[0].clone(), xs[1].clone(), &xs[2]);
        for _ in 0..3 {
            a = tf::nn::relu(&tf::matmul(&a, w));
            b = tf::tanh(&tf::matmul(&b, w));
        }
        vec![&a * &b]
    };
    let xs: Vec<Tensor> = (0..3)
        .map(|s| tf::random::uniform(&[64, 64], -0.3, 0.3, tf::float64, Some(40 + s)))
        .collect();
    let f = Function::new("branches", branches);
    let paired = f.call(&xs).remove(0).to_vec::<f64>();
    tf::config::threading::set_inter_op_parallelism_threads(1);
    let serial = f.call(&xs).remove(0).to_vec::<f64>();
    tf::config::threading::set_inter_op_parallelism_threads(0);
    let eager = branches(&xs).remove(0).to_vec::<f64>();
    assert_eq!(paired, serial);
    assert_eq!(paired, eager);
    let grad = |run: &dyn Fn() -> Tensor| {
        let tape = tf::GradientTape::new();
        tape.watch(&xs[2]);
        let y = tf::reduce_sum(&run(), None, false);
        tape.gradient(&y, &xs[2]).expect("connected").to_vec::<f64>()
    };
    let (g_call, g_eager) = (grad(&|| f.call(&xs).remove(0)), grad(&|| branches(&xs).remove(0)));
    for (a, b) in g_call.iter().zip(&g_eager) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

/// Ops whose integer inputs are checked (division by zero, negative powers) are still
/// checked inside a compiled loop, where their float versions run planned.
#[test]
fn integer_checks_hold_inside_compiled_loops() {
    let body = |divisor: i32| {
        Function::new("loop", move |_: &[Tensor]| {
            let out = tf::while_loop(
                |v| tf::less(&v[0], &tf::constant(3i32)),
                |v| {
                    let step = &v[0] + 1i32;
                    let q = tf::floordiv(&tf::constant(10i32), &(&tf::constant(divisor) - &v[0]));
                    let p = tf::pow(&v[2], &tf::constant(1.5f32));
                    vec![step, &v[1] + &q, p]
                },
                &[tf::constant(0i32), tf::constant(0i32), tf::constant(1.1f32)],
                None,
            );
            vec![out[1].clone(), out[2].clone()]
        })
    };
    let ok = body(5).call(&[]);
    assert_eq!(ok[0].scalar::<i32>(), 10 / 5 + 10 / 4 + 10 / 3);
    assert!((ok[1].scalar::<f32>() - 1.1f32.powf(1.5).powf(1.5).powf(1.5)).abs() < 1e-5);
    let msg = panic_message(|| drop(body(2).call(&[])));
    assert!(msg.contains("Integer division by zero"), "{msg}");
}
