//! Graph IR for `tf.function`: nodes in program order, each an op with its inputs (node,
//! output) and inferred output specs, plus the source location that created it; a
//! verifier and a readable printer. `trace` builds graphs; `executor` runs them.

pub(crate) mod executor;
pub(crate) mod passes;
pub(crate) mod program;
pub(crate) mod trace;

use crate::ops::{Attrs, OpDef, Specs};
use crate::{Tensor, Variable};
use smallvec::SmallVec;
use std::fmt;
use std::sync::Arc;

/// One pass over a dataset, each element flattened to its tensors.
pub(crate) type DatasetPass = Box<dyn Iterator<Item = crate::Result<Vec<Tensor>>> + Send>;

/// Where a staged `for x in dataset` gets its elements: a fresh pass on every run of the graph.
#[derive(Clone)]
pub struct DatasetSource(pub(crate) Arc<dyn Fn() -> DatasetPass + Send + Sync>);

/// Traces `body` once into a graph, outside any [`Function`](crate::Function): no cache and no
/// run. Variables it reads are captured; creating one is an error, as on a later trace. What
/// `tf::summary::graph` and TensorBoard's graph view take for code that is not a function.
#[track_caller]
pub fn trace_graph(name: &str, args: &[crate::ops::TensorSpec], body: impl FnOnce(&[Tensor]) -> Vec<Tensor>) -> Graph {
    trace::trace(name, false, args, body)
}

/// What a node does.
#[derive(Clone)]
pub enum NodeKind {
    /// Function argument number `index`.
    Placeholder {
        /// Argument position.
        index: usize,
    },
    /// A tensor captured from outside the function, by value.
    Const(Tensor),
    /// A registry op.
    Op {
        /// The op.
        op: &'static OpDef,
        /// Its attributes.
        attrs: Attrs,
    },
    /// Reads a captured variable's current value (each call reads afresh).
    ReadVariable(Variable),
    /// `tf.cond`: input 0 is the predicate, the rest are the values both branches capture
    /// (each branch graph's placeholders index into them).
    If {
        /// The branch run when the predicate is true.
        then_graph: Box<Graph>,
        /// The branch run when it is false.
        else_graph: Box<Graph>,
    },
    /// `tf.while_loop`: inputs are the loop variables then the captured values; outputs are
    /// the final loop variables. Both graphs take `(loop vars..., captures...)`.
    While {
        /// Returns a scalar bool: whether to run the body again.
        cond_graph: Box<Graph>,
        /// Returns the next loop variables.
        body_graph: Box<Graph>,
        /// Number of loop variables.
        loop_vars: usize,
        /// `maximum_iterations`, if any.
        max_iterations: Option<usize>,
    },
    /// `for x in dataset` staged: each run makes a fresh pass over the dataset and runs the
    /// body once per element. Inputs are the loop variables then the captured values; the
    /// body takes `(loop vars..., element tensors..., captures...)` and returns the next
    /// loop variables; outputs are the final loop variables.
    ForDataset {
        /// The dataset.
        source: DatasetSource,
        /// Returns the next loop variables.
        body_graph: Box<Graph>,
        /// Number of loop variables.
        loop_vars: usize,
        /// The dtype and shape of each tensor of an element (the dataset's element spec).
        element_specs: Vec<crate::ops::TensorSpec>,
        /// The loop variable that is a `break` flag (a scalar bool): the pass stops after an
        /// element that raises it.
        break_var: Option<usize>,
    },
    /// Writes a captured variable (`assign`, `assign_add` or `assign_sub`); no outputs.
    AssignVariable {
        /// The variable.
        var: Variable,
        /// `"AssignVariableOp"`, `"AssignAddVariableOp"` or `"AssignSubVariableOp"`.
        kind: &'static str,
    },
}

/// One node: what it does, where its inputs come from, what it produces.
#[derive(Clone)]
pub struct Node {
    /// The operation.
    pub kind: NodeKind,
    /// `(node, output)` of each input.
    pub inputs: SmallVec<[(usize, usize); 2]>,
    /// Dtype and shape of each output.
    pub outputs: Specs,
    /// The user's source line that created the node.
    pub location: &'static std::panic::Location<'static>,
}

impl Node {
    /// The node's op name, TensorFlow-style.
    pub fn op_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Placeholder { .. } => "Placeholder",
            NodeKind::Const(_) => "Const",
            NodeKind::Op { op, .. } => op.name,
            NodeKind::ReadVariable(_) => "ReadVariableOp",
            NodeKind::AssignVariable { kind, .. } => kind,
            NodeKind::If { .. } => "If",
            NodeKind::While { .. } => "While",
            NodeKind::ForDataset { .. } => "ForDataset",
        }
    }
    /// The node's subgraphs with their roles (`then`/`else`, `cond`/`body`), for the walks
    /// that look inside control flow.
    pub fn subgraphs(&self) -> SmallVec<[(&'static str, &Graph); 2]> {
        match &self.kind {
            NodeKind::If { then_graph, else_graph } => smallvec::smallvec![("then", &**then_graph), ("else", &**else_graph)],
            NodeKind::While {
                cond_graph, body_graph, ..
            } => smallvec::smallvec![("cond", &**cond_graph), ("body", &**body_graph)],
            NodeKind::ForDataset { body_graph, .. } => smallvec::smallvec![("body", &**body_graph)],
            _ => SmallVec::new(),
        }
    }
    /// The node's subgraphs, to rewrite them (in the order of [`subgraphs`](Self::subgraphs)).
    pub(crate) fn subgraphs_mut(&mut self) -> SmallVec<[&mut Graph; 2]> {
        match &mut self.kind {
            NodeKind::If { then_graph, else_graph } => smallvec::smallvec![&mut **then_graph, &mut **else_graph],
            NodeKind::While {
                cond_graph, body_graph, ..
            } => smallvec::smallvec![&mut **cond_graph, &mut **body_graph],
            NodeKind::ForDataset { body_graph, .. } => smallvec::smallvec![&mut **body_graph],
            _ => SmallVec::new(),
        }
    }
    /// True when the node has effects beyond its outputs (it must run even if unused).
    pub fn is_stateful(&self) -> bool {
        match &self.kind {
            NodeKind::Op { op, .. } => op.stateful,
            // A dataset loop consumes a pass over its dataset on every run.
            NodeKind::AssignVariable { .. } | NodeKind::ReadVariable(_) | NodeKind::ForDataset { .. } => true,
            _ => self.subgraphs().iter().any(|(_, g)| g.is_stateful()),
        }
    }
}

/// A traced function body.
#[derive(Clone, Default)]
pub struct Graph {
    /// The function's name.
    pub name: String,
    /// Nodes in program order (inputs always precede their users).
    pub nodes: Vec<Node>,
    /// `(node, output)` of each function output.
    pub outputs: Vec<(usize, usize)>,
    /// For each node, the nodes whose values the executor releases after running it (their
    /// last reader); empty until the planning pass has run, and then nothing is released early.
    pub(crate) frees: Vec<SmallVec<[usize; 2]>>,
    /// For each node, whether it updates the variables its first inputs read in place
    /// (`passes::plan`, [`crate::ops::optim::in_place`]); empty when none does.
    pub(crate) in_place: Vec<bool>,
    /// For each node, the later independent node the executor runs at the same time
    /// (`passes::parallel`); empty when no node has one.
    pub(crate) pairs: Vec<Option<usize>>,
    /// For each node, its compiled form where it is a `While` that compiles
    /// (`program`); empty when none does.
    pub(crate) programs: Vec<Option<Arc<program::LoopProgram>>>,
}

impl Graph {
    /// True when some node has effects beyond its outputs.
    pub fn is_stateful(&self) -> bool {
        self.nodes.iter().any(Node::is_stateful)
    }

    /// Checks the structural invariants: inputs refer to earlier nodes and existing outputs,
    /// and the function outputs exist.
    pub fn verify(&self) -> Result<(), String> {
        let ok = |(n, o): (usize, usize), before: usize| n < before && o < self.nodes[n].outputs.len();
        for (i, node) in self.nodes.iter().enumerate() {
            for &inp in &node.inputs {
                if !ok(inp, i) {
                    return Err(format!(
                        "node %{i} ({}) reads %{}:{} which does not precede it",
                        node.op_name(),
                        inp.0,
                        inp.1
                    ));
                }
            }
        }
        for &o in &self.outputs {
            if !ok(o, self.nodes.len()) {
                return Err(format!("output %{}:{} does not exist", o.0, o.1));
            }
        }
        Ok(())
    }
}

fn write_ref(f: &mut fmt::Formatter<'_>, (n, o): (usize, usize)) -> fmt::Result {
    if o == 0 {
        write!(f, "%{n}")
    } else {
        write!(f, "%{n}:{o}")
    }
}

/// `concrete.graph().to_string()`: one line per node, e.g.
/// `%2 = MatMul(%0, %1) {transpose_a: false} -> float32 (2, 2)  # src/main.rs:12`.
impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "graph {} {{", self.name)?;
        for (i, n) in self.nodes.iter().enumerate() {
            write!(f, "  %{i} = {}", n.op_name())?;
            match &n.kind {
                NodeKind::Placeholder { index } => write!(f, "[{index}]")?,
                NodeKind::ReadVariable(v) | NodeKind::AssignVariable { var: v, .. } => write!(f, "['{}']", v.name())?,
                _ => {}
            }
            if !n.inputs.is_empty() {
                f.write_str("(")?;
                for (k, &inp) in n.inputs.iter().enumerate() {
                    if k > 0 {
                        f.write_str(", ")?;
                    }
                    write_ref(f, inp)?;
                }
                f.write_str(")")?;
            }
            if let NodeKind::Op { attrs, .. } = &n.kind {
                let list: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}: {}", attr_text(v))).collect();
                if !list.is_empty() {
                    write!(f, " {{{}}}", list.join(", "))?;
                }
            }
            let outs: Vec<String> = n.outputs.iter().map(|s| format!("{} {}", s.dtype, s.shape)).collect();
            if !outs.is_empty() {
                write!(f, " -> {}", outs.join(", "))?;
            }
            writeln!(f, "  # {}:{}", n.location.file(), n.location.line())?;
            for (label, g) in n.subgraphs() {
                for line in g.to_string().lines() {
                    writeln!(f, "    {label}| {line}")?;
                }
            }
        }
        f.write_str("  return ")?;
        for (k, &o) in self.outputs.iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            write_ref(f, o)?;
        }
        writeln!(f, "\n}}")
    }
}

fn attr_text(v: &crate::ops::AttrValue) -> String {
    use crate::ops::AttrValue as A;
    match v {
        A::Int(i) => i.to_string(),
        A::Float(x) => x.to_string(),
        A::Bool(b) => b.to_string(),
        A::Ints(v) => format!("{v:?}"),
        A::Type(d) => d.name().to_string(),
        A::Str(s) => format!("{s:?}"),
    }
}
