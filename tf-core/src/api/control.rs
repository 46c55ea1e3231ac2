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
pub(crate) fn check_pred(pred: &Tensor, what: &str) {
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
        super::control_grad::record_cond(pred, &caps.outer, &outs, t, e);
    }
    outs
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
/// element specs, unknown dimensions included, and runs per element on every call. Loop
/// variable `break_var`, when given, is a scalar bool `break` flag: the pass stops after the
/// element that raises it.
///
/// # Panics
/// When the body changes a loop variable's structure, dtype or shape (as `while_loop`), or,
/// eagerly, when the dataset yields an error.
#[track_caller]
pub(crate) fn dataset_loop(
    source: &crate::graph::DatasetSource,
    element_specs: &[TensorSpec],
    loop_vars: &[Tensor],
    break_var: Option<usize>,
    body: impl Fn(&[Tensor], &[Tensor]) -> Vec<Tensor>,
) -> Vec<Tensor> {
    let n = loop_vars.len();
    if !trace::tracing() {
        let mut vars = loop_vars.to_vec();
        for (k, el) in (source.0)().enumerate() {
            let el = el.unwrap_or_else(|e| panic!("for loop over a dataset: element {k}: {e}"));
            vars = body(&vars, &el);
            if break_var.is_some_and(|b| vars[b].scalar::<bool>()) {
                break;
            }
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
        break_var,
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
        let grad = super::control_grad::WhileGrad {
            cond_graph: c,
            body_graph: b,
            specs,
            max_iterations: maximum_iterations,
        };
        grad.record(loop_vars, &caps.outer, &outs);
    }
    outs
}
