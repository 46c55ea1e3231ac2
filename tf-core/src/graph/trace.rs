//! The tracing context: while a function is being traced, the dispatch point hands every op
//! here instead of running it, and the op becomes a node with symbolic outputs.

use super::{Graph, Node, NodeKind};
use crate::ops::{Attrs, OpDef, Outputs, Specs, TensorSpec};
use crate::tensor::Symbol;
use crate::{Tensor, TensorId, Variable};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

struct Builder {
    id: u64,
    function: Arc<str>,
    /// True for a function's first trace (the only one allowed to create variables).
    first: bool,
    graph: Graph,
    /// Captured eager tensors, by id, to their `Const` node.
    captures: HashMap<TensorId, usize>,
}

thread_local! {
    static STACK: RefCell<Vec<Builder>> = const { RefCell::new(Vec::new()) };
}

/// True while a trace is active on this thread.
#[inline]
pub(crate) fn tracing() -> bool {
    STACK.with(|s| !s.borrow().is_empty())
}

/// Traces `body` into a new graph named `name`: placeholders for `args` go in, the body runs
/// once with symbolic tensors, and its outputs become the graph's outputs.
pub(crate) fn trace(name: &str, first: bool, args: &[TensorSpec], body: impl FnOnce(&[Tensor]) -> Vec<Tensor>) -> Graph {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let function: Arc<str> = Arc::from(name);
    let mut graph = Graph {
        name: name.to_string(),
        nodes: Vec::new(),
        outputs: Vec::new(),
    };
    let here = Location::caller();
    let placeholders: Vec<Tensor> = args
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            graph.nodes.push(Node {
                kind: NodeKind::Placeholder { index },
                inputs: Default::default(),
                outputs: smallvec::smallvec![spec.clone()],
                location: here,
            });
            let sym = Symbol {
                graph: id,
                node: index,
                output: 0,
                function: function.clone(),
                op: "Placeholder",
            };
            Tensor::symbolic(sym, spec.dtype, spec.shape.clone())
        })
        .collect();
    STACK.with(|s| {
        s.borrow_mut().push(Builder {
            id,
            function,
            first,
            graph,
            captures: HashMap::new(),
        })
    });
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            STACK.with(|s| s.borrow_mut().pop());
        }
    }
    // The guard pops the builder on every exit, a panic in `body` included.
    let guard = Pop;
    let outs = body(&placeholders);
    let refs: Vec<(usize, usize)> = outs.iter().map(|t| with_top(|b| resolve(b, t))).collect();
    let mut graph = with_top(|b| std::mem::take(&mut b.graph));
    drop(guard);
    graph.outputs = refs;
    graph
}

fn with_top<R>(f: impl FnOnce(&mut Builder) -> R) -> R {
    STACK.with(|s| f(s.borrow_mut().last_mut().expect("a trace is active")))
}

/// The `(node, output)` of `t` in the builder's graph, capturing eager tensors as constants.
fn resolve(b: &mut Builder, t: &Tensor) -> (usize, usize) {
    match t.symbol() {
        Some(s) if s.graph == b.id => (s.node, s.output),
        Some(s) => panic!(
            "a tensor traced in `{}` was used while tracing `{}`: pass it as an argument instead",
            s.function, b.function
        ),
        None => {
            if let Some(&n) = b.captures.get(&t.id()) {
                return (n, 0);
            }
            let n = push(
                b,
                NodeKind::Const(t.clone()),
                Default::default(),
                smallvec::smallvec![TensorSpec {
                    dtype: t.dtype(),
                    shape: t.shape().clone()
                }],
                Location::caller(),
            );
            b.captures.insert(t.id(), n);
            (n, 0)
        }
    }
}

fn push(
    b: &mut Builder,
    kind: NodeKind,
    inputs: smallvec::SmallVec<[(usize, usize); 2]>,
    outputs: Specs,
    location: &'static Location<'static>,
) -> usize {
    b.graph.nodes.push(Node {
        kind,
        inputs,
        outputs,
        location,
    });
    b.graph.nodes.len() - 1
}

fn symbolic_outputs(b: &Builder, node: usize, name: &'static str, specs: &Specs) -> Outputs {
    specs
        .iter()
        .enumerate()
        .map(|(o, s)| {
            Tensor::symbolic(
                Symbol {
                    graph: b.id,
                    node,
                    output: o,
                    function: b.function.clone(),
                    op: name,
                },
                s.dtype,
                s.shape.clone(),
            )
        })
        .collect()
}

/// Adds an op node; called by the dispatch point while tracing.
pub(crate) fn add_op(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs, specs: Specs, location: &'static Location<'static>) -> Outputs {
    with_top(|b| {
        let ins = inputs.iter().map(|t| resolve(b, t)).collect();
        let n = push(b, NodeKind::Op { op, attrs: attrs.clone() }, ins, specs.clone(), location);
        symbolic_outputs(b, n, op.name, &specs)
    })
}

/// A read of `v` inside the trace: every call of the graph reads the current value.
pub(crate) fn read_variable(v: &Variable, spec: TensorSpec, location: &'static Location<'static>) -> Tensor {
    with_top(|b| {
        let specs: Specs = smallvec::smallvec![spec];
        let n = push(b, NodeKind::ReadVariable(v.clone()), Default::default(), specs.clone(), location);
        symbolic_outputs(b, n, "ReadVariableOp", &specs).swap_remove(0)
    })
}

/// An assignment to `v` inside the trace, run in program order on every call.
pub(crate) fn assign_variable(v: &Variable, value: &Tensor, kind: &'static str, location: &'static Location<'static>) {
    with_top(|b| {
        let input = resolve(b, value);
        push(
            b,
            NodeKind::AssignVariable { var: v.clone(), kind },
            smallvec::smallvec![input],
            Default::default(),
            location,
        );
    });
}

/// Creating a variable is allowed only during a function's first trace, as in TensorFlow.
#[track_caller]
pub(crate) fn check_variable_creation() {
    let offending = STACK.with(|s| s.borrow().last().filter(|b| !b.first).map(|b| b.function.clone()));
    if let Some(f) = offending {
        panic!(
            "ValueError: tf.function only supports singleton tf.Variables created on the first call. Make sure the tf.Variable is only \
             created once or created outside tf.function (while retracing `{f}`)"
        );
    }
}
