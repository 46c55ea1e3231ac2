//! The tracing context: while a function is being traced, the dispatch point hands every op
//! here instead of running it, and the op becomes a node with symbolic outputs.
//!
//! Subgraphs (branches of `cond`, the condition and body of `while_loop`) are traces nested
//! inside their parent's: a value of an enclosing graph used in a subgraph is captured — it
//! becomes a placeholder there and an extra input of the `If`/`While` node, which the parent
//! in turn resolves (capturing further out if it must).

use super::{Graph, Node, NodeKind};
use crate::ops::{Attrs, OpDef, Outputs, Specs, TensorSpec};
use crate::tensor::Symbol;
use crate::{Tensor, TensorId, Variable};
use smallvec::SmallVec;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Values that subgraphs take from enclosing graphs, shared by the subgraphs of one node:
/// capture `i` is placeholder `offset + i` in each of them.
#[derive(Default)]
pub(crate) struct Captures {
    pub outer: Vec<Tensor>,
    offset: usize,
}

struct Builder {
    id: u64,
    function: Arc<str>,
    /// True for a function's first trace (the only one allowed to create variables).
    first: bool,
    graph: Graph,
    /// Eager tensors captured by value, by id, to their `Const` node.
    consts: HashMap<TensorId, usize>,
    /// Enclosing graphs' tensors captured so far, by id, to their placeholder node.
    captured: HashMap<TensorId, usize>,
    /// `Some` for a subgraph, which may capture; `None` for a function's top level.
    capture: Option<Captures>,
}

thread_local! {
    static STACK: RefCell<Vec<Builder>> = const { RefCell::new(Vec::new()) };
}

/// True while a trace is active on this thread.
#[inline]
pub(crate) fn tracing() -> bool {
    STACK.with(|s| !s.borrow().is_empty())
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Traces `body` into a new graph: placeholders for `args` go in, the body runs once with
/// symbolic tensors, and its outputs become the graph's outputs.
#[track_caller]
fn run_trace(
    name: &str,
    function: Arc<str>,
    first: bool,
    args: &[TensorSpec],
    capture: Option<Captures>,
    body: impl FnOnce(&[Tensor]) -> Vec<Tensor>,
) -> (Graph, Option<Captures>) {
    let id = next_id();
    let mut graph = Graph {
        name: name.to_string(),
        ..Default::default()
    };
    let here = Location::caller();
    let placeholders: Vec<Tensor> = args
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            graph.nodes.push(Node {
                kind: NodeKind::Placeholder { index },
                inputs: SmallVec::new(),
                outputs: smallvec::smallvec![spec.clone()],
                location: here,
            });
            Tensor::symbolic(
                Symbol {
                    graph: id,
                    node: index,
                    output: 0,
                    function: function.clone(),
                    op: "Placeholder",
                },
                spec.dtype,
                spec.shape.clone(),
            )
        })
        .collect();
    STACK.with(|s| {
        s.borrow_mut().push(Builder {
            id,
            function,
            first,
            graph,
            consts: HashMap::new(),
            captured: HashMap::new(),
            capture,
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
    let refs: Vec<(usize, usize)> = outs.iter().map(|t| with_top(|b| resolve(b, t, here))).collect();
    let (mut graph, capture) = with_top(|b| (std::mem::take(&mut b.graph), b.capture.take()));
    drop(guard);
    graph.outputs = refs;
    (graph, capture)
}

/// Traces a function's body (its top level: no captures of symbolic values).
#[track_caller]
pub(crate) fn trace(name: &str, first: bool, args: &[TensorSpec], body: impl FnOnce(&[Tensor]) -> Vec<Tensor>) -> Graph {
    run_trace(name, Arc::from(name), first, args, None, body).0
}

/// Traces a subgraph of the current graph with `args` placeholders followed by the captures
/// in `captures` (which it may extend).
#[track_caller]
pub(crate) fn trace_sub(
    name: &str,
    args: &[TensorSpec],
    mut captures: Captures,
    body: impl FnOnce(&[Tensor]) -> Vec<Tensor>,
) -> (Graph, Captures) {
    let (function, first) = with_top(|b| (b.function.clone(), b.first));
    captures.offset = args.len();
    // Captures already listed (by an earlier subgraph of the same node) get placeholders on
    // first use, like new ones.
    let (g, c) = run_trace(name, function, first, args, Some(captures), body);
    (g, c.unwrap_or_default())
}

fn with_top<R>(f: impl FnOnce(&mut Builder) -> R) -> R {
    STACK.with(|s| f(s.borrow_mut().last_mut().expect("a trace is active")))
}

/// The `(node, output)` of `t` in the builder's graph, capturing eager tensors as constants
/// and enclosing graphs' tensors as placeholders.
fn resolve(b: &mut Builder, t: &Tensor, location: &'static Location<'static>) -> (usize, usize) {
    let spec = || -> Specs { smallvec::smallvec![TensorSpec::of(t)] };
    match t.symbol() {
        Some(s) if s.graph == b.id => (s.node, s.output),
        Some(s) => {
            if let Some(&n) = b.captured.get(&t.id()) {
                return (n, 0);
            }
            let Some(caps) = b.capture.as_mut() else {
                panic!(
                    "a tensor traced in `{}` was used while tracing `{}`: pass it as an argument instead",
                    s.function, b.function
                )
            };
            let pos = match caps.outer.iter().position(|o| o.id() == t.id()) {
                Some(p) => p,
                None => {
                    caps.outer.push(t.clone());
                    caps.outer.len() - 1
                }
            };
            let index = caps.offset + pos;
            let n = push(b, NodeKind::Placeholder { index }, SmallVec::new(), spec(), location);
            b.captured.insert(t.id(), n);
            (n, 0)
        }
        None => {
            if let Some(&n) = b.consts.get(&t.id()) {
                return (n, 0);
            }
            let n = push(b, NodeKind::Const(t.clone()), SmallVec::new(), spec(), location);
            b.consts.insert(t.id(), n);
            (n, 0)
        }
    }
}

fn push(
    b: &mut Builder,
    kind: NodeKind,
    inputs: SmallVec<[(usize, usize); 2]>,
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

/// Adds a control-flow node with `inputs` resolved in the current graph; returns its
/// symbolic outputs.
pub(crate) fn add_node(kind: NodeKind, inputs: &[&Tensor], specs: Specs, location: &'static Location<'static>) -> Outputs {
    with_top(|b| {
        let ins = inputs.iter().map(|t| resolve(b, t, location)).collect();
        let n = push(b, kind, ins, specs.clone(), location);
        let name = b.graph.nodes[n].op_name();
        symbolic_outputs(b, n, name, &specs)
    })
}

/// Adds an op node; called by the dispatch point while tracing.
pub(crate) fn add_op(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs, specs: Specs, location: &'static Location<'static>) -> Outputs {
    with_top(|b| {
        let ins = inputs.iter().map(|t| resolve(b, t, location)).collect();
        let n = push(b, NodeKind::Op { op, attrs: attrs.clone() }, ins, specs.clone(), location);
        symbolic_outputs(b, n, op.name, &specs)
    })
}

/// A fresh placeholder of `spec` in the current graph (a symbolic dataset element, traced to
/// learn what a pipeline's functions make of it).
pub(crate) fn placeholder(spec: &TensorSpec) -> Tensor {
    with_top(|b| {
        let index = b
            .graph
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Placeholder { .. }))
            .count();
        let specs: Specs = smallvec::smallvec![spec.clone()];
        let n = push(
            b,
            NodeKind::Placeholder { index },
            SmallVec::new(),
            specs.clone(),
            Location::caller(),
        );
        symbolic_outputs(b, n, "Placeholder", &specs).swap_remove(0)
    })
}

/// A read of `v` inside the trace: every call of the graph reads the current value.
pub(crate) fn read_variable(v: &Variable, spec: TensorSpec, location: &'static Location<'static>) -> Tensor {
    with_top(|b| {
        let specs: Specs = smallvec::smallvec![spec];
        let n = push(b, NodeKind::ReadVariable(v.clone()), SmallVec::new(), specs.clone(), location);
        symbolic_outputs(b, n, "ReadVariableOp", &specs).swap_remove(0)
    })
}

/// An assignment to `v` inside the trace, run in program order on every call.
pub(crate) fn assign_variable(v: &Variable, value: &Tensor, kind: &'static str, location: &'static Location<'static>) {
    with_top(|b| {
        let input = resolve(b, value, location);
        push(
            b,
            NodeKind::AssignVariable { var: v.clone(), kind },
            smallvec::smallvec![input],
            Specs::new(),
            location,
        );
    });
}

thread_local! {
    /// Inside [`lift`]: the function whose later trace was lifted out of, if it was not its
    /// first (variables created there are still refused).
    static LIFTED_RETRACE: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// Runs `f` outside every trace on this thread (`tf.init_scope`): its ops run eagerly and
/// tapes do not record them; the traces resume afterwards, a panic in `f` included.
pub(crate) fn lift<R>(f: impl FnOnce() -> R) -> R {
    let retrace = STACK.with(|s| s.borrow().last().filter(|b| !b.first).map(|b| b.function.clone()));
    let saved = STACK.with(|s| std::mem::take(&mut *s.borrow_mut()));
    let outer = LIFTED_RETRACE.with(|l| {
        let inner = retrace.or_else(|| l.borrow().clone());
        l.replace(inner)
    });
    struct Restore(Option<Vec<Builder>>, Option<Arc<str>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(v) = self.0.take() {
                STACK.with(|s| *s.borrow_mut() = v);
            }
            LIFTED_RETRACE.with(|l| *l.borrow_mut() = self.1.take());
        }
    }
    let _restore = Restore(Some(saved), outer);
    let _no_tape = crate::tape::pause_all();
    f()
}

/// Creating a variable is allowed only during a function's first trace, as in TensorFlow.
#[track_caller]
pub(crate) fn check_variable_creation() {
    let offending = STACK
        .with(|s| s.borrow().last().filter(|b| !b.first).map(|b| b.function.clone()))
        .or_else(|| LIFTED_RETRACE.with(|l| l.borrow().clone()));
    if let Some(f) = offending {
        panic!(
            "ValueError: tf.function only supports singleton tf.Variables created on the first call. Make sure the tf.Variable is only \
             created once or created outside tf.function (while retracing `{f}`)"
        );
    }
}
