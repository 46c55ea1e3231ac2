//! Control flow over tensors: `tf::cond` and `tf::while_loop`. With concrete values they
//! run as plain Rust; while a function is being traced they stage `If` and `While` nodes
//! whose branches and bodies are traced subgraphs.

use crate::graph::trace::{self, Captures};
use crate::graph::{Graph, NodeKind};
use crate::ops::{Specs, TensorSpec};
use crate::{DType, Tensor};

fn out_specs(g: &Graph) -> Vec<TensorSpec> {
    g.outputs.iter().map(|&(n, o)| g.nodes[n].outputs[o].clone()).collect()
}

#[track_caller]
fn check_pred(pred: &Tensor, what: &str) {
    if pred.dtype() != DType::Bool || pred.num_elements() != 1 {
        panic!(
            "{what}: the condition must be a scalar bool tensor, got {} of shape {}",
            pred.dtype(),
            pred.shape()
        );
    }
}

/// `tf.cond(pred, true_fn, false_fn)`: the outputs of the branch `pred` selects. Eagerly only
/// that branch runs; while tracing both are traced into an `If` node, and they must return
/// the same number of tensors with the same dtypes and ranks. Where the branches' shapes
/// differ, the traced result's dimension is unknown (`None`).
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant(3.0f32);
/// let y = tf::cond(&tf::greater(&x, &tf::constant(0.0f32)), || vec![&x * 2.0f32], || vec![-&x]);
/// assert_eq!(y[0].scalar::<f32>(), 6.0);
/// ```
///
/// # Panics
/// When `pred` is not a scalar bool, or traced branches disagree in structure or dtype.
#[track_caller]
pub fn cond(pred: &Tensor, true_fn: impl FnOnce() -> Vec<Tensor>, false_fn: impl FnOnce() -> Vec<Tensor>) -> Vec<Tensor> {
    check_pred(pred, "cond");
    if !trace::tracing() {
        return if pred.scalar::<bool>() { true_fn() } else { false_fn() };
    }
    let (then_graph, caps) = trace::trace_sub("cond_true", &[], Captures::default(), |_| true_fn());
    let (else_graph, caps) = trace::trace_sub("cond_false", &[], caps, |_| false_fn());
    let (ts, es) = (out_specs(&then_graph), out_specs(&else_graph));
    if ts.len() != es.len() || ts.iter().zip(&es).any(|(a, b)| a.dtype != b.dtype) {
        panic!(
            "true_fn and false_fn arguments to tf.cond must have the same number, type, and overall structure of return values. \
             true_fn returned {}, false_fn returned {}",
            describe(&ts),
            describe(&es)
        );
    }
    let specs: Specs = ts
        .iter()
        .zip(&es)
        .map(|(a, b)| {
            let shape = a.shape.most_specific_common(&b.shape).unwrap_or_else(|| {
                panic!(
                    "tf.cond: the branches return tensors of different ranks ({} and {}); tensors of unknown rank are not supported",
                    describe(&ts),
                    describe(&es)
                )
            });
            TensorSpec { dtype: a.dtype, shape }
        })
        .collect();
    let mut inputs: Vec<&Tensor> = vec![pred];
    inputs.extend(caps.outer.iter());
    let branches = crate::tape::any_active().then(|| (then_graph.clone(), else_graph.clone()));
    let kind = NodeKind::If {
        then_graph: Box::new(then_graph),
        else_graph: Box::new(else_graph),
    };
    let outs = trace::add_node(kind, &inputs, specs, std::panic::Location::caller()).into_vec();
    if let Some((t, e)) = branches {
        record_cond_gradient(pred, &caps.outer, &outs, t, e);
    }
    outs
}

/// Records a traced `If` on the tapes: its gradient is another staged `cond` on the same
/// predicate whose branches differentiate the branch graphs (replayed under a tape) with
/// respect to the captured values.
fn record_cond_gradient(pred: &Tensor, caps: &[Tensor], outs: &[Tensor], then_graph: Graph, else_graph: Graph) {
    let mut inputs = vec![pred.clone()];
    inputs.extend(caps.iter().cloned());
    let (pred, caps) = (pred.clone(), caps.to_vec());
    let float_outs: Vec<usize> = (0..outs.len()).filter(|&i| outs[i].dtype().is_float()).collect();
    let rule: crate::tape::CustomGrad = std::rc::Rc::new(move |gs: &[Tensor]| {
        let dys: Vec<&Tensor> = float_outs.iter().map(|&i| &gs[i]).collect();
        let branch = |g: &Graph| {
            let tape = crate::GradientTape::new();
            let sources: Vec<&Tensor> = caps.iter().filter(|c| c.dtype().is_float()).collect();
            for s in &sources {
                tape.watch(*s);
            }
            let ys = crate::graph::executor::replay(g, &caps);
            let targets: Vec<&Tensor> = float_outs.iter().map(|&i| &ys[i]).collect();
            tape.gradients(&targets, &sources, Some(&dys), crate::UnconnectedGradients::Zero)
                .into_iter()
                .map(|g| g.expect("unconnected gradients are zeros"))
                .collect::<Vec<Tensor>>()
        };
        let mut grads = cond(&pred, || branch(&then_graph), || branch(&else_graph)).into_iter();
        std::iter::once(None)
            .chain(caps.iter().map(|c| if c.dtype().is_float() { grads.next() } else { None }))
            .collect()
    });
    crate::tape::record_custom(&inputs, outs, rule);
}

fn describe(specs: &[TensorSpec]) -> String {
    let v: Vec<String> = specs.iter().map(|s| format!("{} {}", s.dtype, s.shape)).collect();
    format!("[{}]", v.join(", "))
}

/// `tf.while_loop(cond, body, loop_vars, maximum_iterations)`: repeats `body` while `cond`
/// holds. Eagerly a Rust loop; while tracing one `While` node. The loop variables keep their
/// dtypes and shapes across iterations.
///
/// ```
/// use tf_core as tf;
/// // Collatz steps of 27.
/// let n = tf::constant(27i64);
/// let steps = tf::while_loop(
///     |v| tf::greater(&v[0], &tf::constant(1i64)),
///     |v| {
///         let even = tf::equal(&tf::floormod(&v[0], &tf::constant(2i64)), &tf::constant(0i64));
///         let next = tf::where_(&even, &tf::floordiv(&v[0], &tf::constant(2i64)), &(&v[0] * 3 + 1));
///         vec![next, &v[1] + 1]
///     },
///     &[n, tf::constant(0i64)],
///     None,
/// );
/// assert_eq!(steps[1].scalar::<i64>(), 111);
/// ```
///
/// # Panics
/// When `cond` does not return a scalar bool, or the body changes a loop variable's
/// structure, dtype or shape (TensorFlow's message, naming the variable).
#[track_caller]
pub fn while_loop(
    cond: impl Fn(&[Tensor]) -> Tensor,
    body: impl Fn(&[Tensor]) -> Vec<Tensor>,
    loop_vars: &[Tensor],
    maximum_iterations: Option<usize>,
) -> Vec<Tensor> {
    while_loop_with(
        cond,
        body,
        loop_vars,
        WhileOptions {
            maximum_iterations,
            shape_invariants: None,
        },
    )
}

/// `for element in dataset` over `loop_vars`: eagerly a Rust loop over a fresh pass; while
/// tracing, one `ForDataset` node whose body (`body(vars, element)`) is traced once for the
/// element specs, unknown dimensions included, and runs per element on every call.
///
/// # Panics
/// When the body changes a loop variable's structure, dtype or shape (as `while_loop`), or,
/// eagerly, when the dataset yields an error.
#[track_caller]
pub(crate) fn dataset_loop(
    source: &crate::graph::DatasetSource,
    element_specs: &[TensorSpec],
    loop_vars: &[Tensor],
    body: impl Fn(&[Tensor], &[Tensor]) -> Vec<Tensor>,
) -> Vec<Tensor> {
    let n = loop_vars.len();
    if !trace::tracing() {
        let mut vars = loop_vars.to_vec();
        for (k, el) in (source.0)().enumerate() {
            let el = el.unwrap_or_else(|e| panic!("for loop over a dataset: element {k}: {e}"));
            vars = body(&vars, &el);
        }
        return vars;
    }
    let specs: Vec<TensorSpec> = loop_vars.iter().map(TensorSpec::of).collect();
    let args: Vec<TensorSpec> = specs.iter().chain(element_specs).cloned().collect();
    let (body_graph, caps) = trace::trace_sub("for_dataset_body", &args, Captures::default(), |v| body(&v[..n], &v[n..]));
    check_loop_body(
        &specs,
        &out_specs(&body_graph),
        "one iteration over the dataset. Keep each loop variable's shape across elements.",
    );
    let mut inputs: Vec<&Tensor> = loop_vars.iter().collect();
    inputs.extend(caps.outer.iter());
    let kind = NodeKind::ForDataset {
        source: source.clone(),
        body_graph: Box::new(body_graph),
        loop_vars: n,
        element_specs: element_specs.to_vec(),
    };
    trace::add_node(kind, &inputs, specs.into_iter().collect(), std::panic::Location::caller()).into_vec()
}

/// Checks a loop body's outputs against its loop variables: as many, each of the same dtype
/// and a shape that fits (TensorFlow's message, ending "after {after}").
#[track_caller]
fn check_loop_body(specs: &[TensorSpec], out: &[TensorSpec], after: &str) {
    if out.len() != specs.len() {
        panic!(
            "while_loop: the body returned {} loop variables, but the loop has {}",
            out.len(),
            specs.len()
        );
    }
    for (i, (a, b)) in specs.iter().zip(out).enumerate() {
        if !b.is_subtype_of(a) {
            panic!(
                "Input tensor 'loop_var_{i}' enters the loop with shape {} and dtype {}, but has shape {} and dtype {} after {after}",
                a.shape, a.dtype, b.shape, b.dtype
            );
        }
    }
}

/// The optional arguments of [`while_loop_with`].
#[derive(Clone, Debug, Default)]
pub struct WhileOptions {
    /// `maximum_iterations`: stop after this many iterations.
    pub maximum_iterations: Option<usize>,
    /// `shape_invariants`: one shape per loop variable, with `None` (unknown) dimensions
    /// where the variable's shape may change across iterations.
    pub shape_invariants: Option<Vec<crate::Shape>>,
}

/// `tf.while_loop(cond, body, loop_vars, shape_invariants=..., maximum_iterations=...)`. A
/// loop variable whose shape changes across iterations needs a shape invariant with that
/// dimension unknown; traced, the result then has that dimension unknown.
///
/// ```
/// use tf_core::{self as tf, Shape};
/// // Doubles a vector until it holds at least 10 elements.
/// let opts = tf::WhileOptions { shape_invariants: Some(vec![Shape::partial(&[None])]), ..Default::default() };
/// let out = tf::while_loop_with(
///     |v| tf::less(&tf::size(&v[0]), &tf::constant(10i32)),
///     |v| vec![tf::concat(&[&v[0], &v[0]], 0)],
///     &[tf::constant([1.0f32, 2.0, 3.0])],
///     opts,
/// );
/// assert_eq!(out[0].shape().dims(), &[12]);
/// ```
///
/// # Panics
/// As [`while_loop`]; a loop variable that does not fit its invariant, or a wrong number of
/// invariants, is named.
#[track_caller]
pub fn while_loop_with(
    cond: impl Fn(&[Tensor]) -> Tensor,
    body: impl Fn(&[Tensor]) -> Vec<Tensor>,
    loop_vars: &[Tensor],
    options: WhileOptions,
) -> Vec<Tensor> {
    let WhileOptions {
        maximum_iterations,
        shape_invariants,
    } = options;
    let mut specs: Vec<TensorSpec> = loop_vars.iter().map(TensorSpec::of).collect();
    if let Some(inv) = shape_invariants {
        if inv.len() != specs.len() {
            panic!("while_loop: {} shape invariants for {} loop variables", inv.len(), specs.len());
        }
        for (i, (s, shape)) in specs.iter_mut().zip(inv).enumerate() {
            let widened = TensorSpec { dtype: s.dtype, shape };
            if !s.is_subtype_of(&widened) {
                panic!(
                    "while_loop: the shape invariant {} of 'loop_var_{i}' is not compatible with its initial shape {}",
                    widened.shape, s.shape
                );
            }
            *s = widened;
        }
    }
    let check_body = |out: &[TensorSpec]| {
        check_loop_body(
            &specs,
            out,
            "one iteration. To allow the shape to vary across iterations, use the `shape_invariants` argument of tf.while_loop to \
             specify a less-specific shape.",
        )
    };
    if !trace::tracing() {
        let mut vars = loop_vars.to_vec();
        let mut i = 0;
        while maximum_iterations.is_none_or(|m| i < m) {
            let c = cond(&vars);
            check_pred(&c, "while_loop");
            if !c.scalar::<bool>() {
                break;
            }
            vars = body(&vars);
            check_body(&vars.iter().map(TensorSpec::of).collect::<Vec<_>>());
            i += 1;
        }
        return vars;
    }
    let (cond_graph, caps) = trace::trace_sub("while_cond", &specs, Captures::default(), |v| vec![cond(v)]);
    let c = out_specs(&cond_graph);
    if c.len() != 1 || c[0].dtype != DType::Bool || c[0].shape.num_elements() != 1 {
        panic!("while_loop: the condition must return a scalar bool tensor, got {}", describe(&c));
    }
    let (body_graph, caps) = trace::trace_sub("while_body", &specs, caps, |v| body(v));
    check_body(&out_specs(&body_graph));
    let mut inputs: Vec<&Tensor> = loop_vars.iter().collect();
    inputs.extend(caps.outer.iter());
    let graphs = crate::tape::any_active().then(|| (cond_graph.clone(), body_graph.clone()));
    let kind = NodeKind::While {
        cond_graph: Box::new(cond_graph),
        body_graph: Box::new(body_graph),
        loop_vars: loop_vars.len(),
        max_iterations: maximum_iterations,
    };
    let outs = trace::add_node(kind, &inputs, specs.iter().cloned().collect(), std::panic::Location::caller()).into_vec();
    if let Some((c, b)) = graphs {
        let grad = WhileGrad {
            cond_graph: c,
            body_graph: b,
            specs,
            max_iterations: maximum_iterations,
        };
        grad.record(loop_vars, &caps.outer, &outs);
    }
    outs
}

/// The gradient of a traced `While`, as while_v2 computes it: a forward loop that runs the
/// body again while stacking each iteration's loop variables, then a loop back over the
/// iterations that differentiates the body (replayed under a tape) at each stacked state,
/// carrying the loop variables' gradients and summing the captures'.
struct WhileGrad {
    cond_graph: Graph,
    body_graph: Graph,
    /// The loop variables' specs (with their shape invariants).
    specs: Vec<TensorSpec>,
    max_iterations: Option<usize>,
}

impl WhileGrad {
    fn record(self, loop_vars: &[Tensor], caps: &[Tensor], outs: &[Tensor]) {
        let inputs: Vec<Tensor> = loop_vars.iter().chain(caps).cloned().collect();
        let (lv, caps) = (loop_vars.to_vec(), caps.to_vec());
        let rule: crate::tape::CustomGrad = std::rc::Rc::new(move |gs: &[Tensor]| self.gradient(&lv, &caps, gs));
        crate::tape::record_custom(&inputs, outs, rule);
    }

    /// The body's outputs and the gradients of its float loop variables and captures at one
    /// state, given the gradients of its float outputs.
    fn body_vjp(&self, vars: &[Tensor], caps: &[Tensor], g_vars: &[Tensor]) -> (Vec<Tensor>, Vec<Tensor>) {
        let tape = crate::GradientTape::new();
        let float = |t: &&Tensor| t.dtype().is_float();
        let sources: Vec<&Tensor> = vars.iter().filter(float).chain(caps.iter().filter(float)).collect();
        for s in &sources {
            tape.watch(*s);
        }
        let args: Vec<Tensor> = vars.iter().chain(caps).cloned().collect();
        let ys = crate::graph::executor::replay(&self.body_graph, &args);
        let targets: Vec<&Tensor> = ys.iter().filter(float).collect();
        let dys: Vec<&Tensor> = g_vars.iter().collect();
        let mut grads = tape
            .gradients(&targets, &sources, Some(&dys), crate::UnconnectedGradients::Zero)
            .into_iter()
            .map(|g| g.expect("unconnected gradients are zeros"));
        let nf = vars.iter().filter(float).count();
        let gv: Vec<Tensor> = grads.by_ref().take(nf).collect();
        (gv, grads.collect())
    }

    fn gradient(&self, lv: &[Tensor], caps: &[Tensor], gs: &[Tensor]) -> Vec<Option<Tensor>> {
        let n = lv.len();
        let with_caps = |vars: &[Tensor]| -> Vec<Tensor> { vars.iter().chain(caps).cloned().collect() };
        // Forward again: [i, vars..., stacks...], each stack `[iterations, ...var]`.
        let stacks: Vec<Tensor> = lv
            .iter()
            .map(|v| {
                let size: Vec<i64> = std::iter::once(0).chain(std::iter::repeat_n(-1, v.rank())).collect();
                crate::slice(&crate::expand_dims(v, 0), &vec![0; v.rank() + 1], &size)
            })
            .collect();
        let mut init = vec![crate::constant(0i32)];
        init.extend(lv.iter().cloned());
        init.extend(stacks);
        let mut inv: Vec<crate::Shape> = vec![crate::Shape::new(&[])];
        inv.extend(self.specs.iter().map(|s| s.shape.clone()));
        inv.extend(self.specs.iter().map(|s| {
            let dims: Vec<Option<usize>> = std::iter::once(None).chain((0..s.shape.rank()).map(|d| s.shape.dim(d))).collect();
            crate::Shape::partial(&dims)
        }));
        let max = self.max_iterations;
        let fwd = while_loop_with(
            |v| {
                let go = crate::graph::executor::replay(&self.cond_graph, &with_caps(&v[1..=n])).remove(0);
                match max {
                    Some(m) => crate::logical_and(&crate::less(&v[0], &crate::constant(m as i32)), &go),
                    None => go,
                }
            },
            |v| {
                let next = crate::graph::executor::replay(&self.body_graph, &with_caps(&v[1..=n]));
                let mut out = vec![&v[0] + 1i32];
                out.extend(next);
                out.extend((0..n).map(|j| crate::concat(&[&v[1 + n + j], &crate::expand_dims(&v[1 + j], 0)], 0)));
                out
            },
            &init,
            WhileOptions {
                maximum_iterations: None,
                shape_invariants: Some(inv),
            },
        );
        let (count, stacks) = (fwd[0].clone(), fwd[1 + n..].to_vec());
        // Back over the iterations: [k, float-var grads..., float-capture grads...].
        let is_float = |t: &Tensor| t.dtype().is_float();
        let g_vars: Vec<Tensor> = (0..n).filter(|&j| is_float(&lv[j])).map(|j| gs[j].clone()).collect();
        let g_caps: Vec<Tensor> = caps.iter().filter(|c| is_float(c)).map(crate::zeros_like).collect();
        let (nv, nc) = (g_vars.len(), g_caps.len());
        let mut init = vec![count];
        init.extend(g_vars);
        init.extend(g_caps);
        let back = while_loop(
            |v| crate::greater(&v[0], &crate::constant(0i32)),
            |v| {
                let k = &v[0] - 1i32;
                let state: Vec<Tensor> = stacks.iter().map(|s| crate::gather(s, &k, 0)).collect();
                let (gv, gc) = self.body_vjp(&state, caps, &v[1..=nv]);
                let mut out = vec![k];
                out.extend(gv);
                out.extend(gc.iter().zip(&v[1 + nv..]).map(|(a, b)| a + b));
                out
            },
            &init,
            None,
        );
        debug_assert_eq!(back.len(), 1 + nv + nc);
        let (mut gv, mut gc) = (back[1..=nv].iter().cloned(), back[1 + nv..].iter().cloned());
        lv.iter()
            .map(|v| if is_float(v) { gv.next() } else { None })
            .chain(caps.iter().map(|c| if is_float(c) { gc.next() } else { None }))
            .collect()
    }
}
