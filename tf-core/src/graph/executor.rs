//! Runs a graph: nodes in their precomputed program order, each value in a slot indexed by
//! node (no hashing on the way), ops through the one dispatch point so tapes record them.

use super::{Graph, NodeKind};
use crate::ops::{execute_traced, Outputs};
use crate::{Error, Result, Tensor, Variable};

/// Runs `graph` on `args`, returning its outputs; `dynamic` is [`has_unknown_dims`] of the
/// graph, which its concrete function decides once.
///
/// # Errors
/// `InvalidArgument` when an argument's dtype or shape differs from its placeholder's.
pub(crate) fn run(graph: &Graph, dynamic: bool, args: &[Tensor]) -> Result<Vec<Tensor>> {
    for node in &graph.nodes {
        if let NodeKind::Placeholder { index } = node.kind {
            let a = args
                .get(index)
                .ok_or_else(|| Error::InvalidArgument(format!("{}: missing argument {index}", graph.name)))?;
            let spec = &node.outputs[0];
            if a.dtype() != spec.dtype || !spec.shape.is_compatible_with(a.shape()) {
                return Err(Error::InvalidArgument(format!(
                    "{}: argument {index} is a {} tensor of shape {}, but the function was traced for {} of shape {}",
                    graph.name,
                    a.dtype(),
                    a.shape(),
                    spec.dtype,
                    spec.shape
                )));
            }
        }
    }
    let mut out = Vec::with_capacity(graph.outputs.len());
    run_checked(graph, dynamic, args, &mut Vec::new(), &mut out);
    Ok(out)
}

/// True when some value in `graph` or its subgraphs has unknown dimensions: its ops then
/// infer their output shapes from the values they get, as the trace could not.
pub(crate) fn has_unknown_dims(graph: &Graph) -> bool {
    graph
        .nodes
        .iter()
        .any(|n| n.outputs.iter().any(|s| !s.shape.is_fully_defined()) || n.subgraphs().iter().any(|(_, g)| has_unknown_dims(g)))
}

/// Runs `graph` on arguments already known to match its placeholders (a function's checked
/// arguments, or the values a branch or loop body is given by its node), appending the
/// outputs to `out`. `values` is scratch space, reused across a loop's iterations. With
/// `dynamic`, each op infers its output specs from its inputs (the trace had unknown
/// dimensions); an op whose inputs do not fit then fails as it would eagerly, naming the
/// user's line that made it.
fn run_checked(graph: &Graph, dynamic: bool, args: &[Tensor], values: &mut Vec<Outputs>, out: &mut Vec<Tensor>) {
    values.clear();
    values.resize(graph.nodes.len(), Outputs::new());
    let planned = graph.frees.len() == graph.nodes.len();
    // Paired nodes run at once (`passes::parallel`), but not under a tape: tapes are the
    // calling thread's, and they record in program order.
    let paired = !graph.pairs.is_empty() && crate::config::threading::inter_op() && !crate::tape::any_active();
    for i in 0..graph.nodes.len() {
        match graph.pairs.get(i).copied().flatten() {
            // Ran early with its partner (a pure op always has an output).
            _ if paired && !values[i].is_empty() => {}
            Some(j) if paired => {
                let vals: &[Outputs] = values;
                let (a, b) = tf_kernels::cpu::join(|| exec(graph, dynamic, args, vals, i), || exec(graph, dynamic, args, vals, j));
                values[i] = a;
                values[j] = b;
            }
            _ => values[i] = exec(graph, dynamic, args, values, i),
        }
        if planned {
            for &n in &graph.frees[i] {
                values[n] = Outputs::new();
            }
        }
    }
    out.extend(graph.outputs.iter().map(|&r| value(graph, args, values, r).clone()));
}

/// Runs node `i` on the values computed so far.
fn exec(graph: &Graph, dynamic: bool, args: &[Tensor], values: &[Outputs], i: usize) -> Outputs {
    let node = &graph.nodes[i];
    let ins: smallvec::SmallVec<[&Tensor; 2]> = node.inputs.iter().map(|&r| value(graph, args, values, r)).collect();
    match &node.kind {
        NodeKind::Placeholder { .. } | NodeKind::Const(_) => Outputs::new(),
        NodeKind::Op { op, attrs } if dynamic => {
            let specs = (op.infer)(&ins, attrs).unwrap_or_else(|m| {
                panic!(
                    "{}: {m} (in `{}`, traced at {}:{})",
                    op.name,
                    graph.name,
                    node.location.file(),
                    node.location.line()
                )
            });
            execute_traced(op, &ins, attrs, &specs)
        }
        NodeKind::Op { op, attrs } => execute_traced(op, &ins, attrs, &node.outputs),
        NodeKind::ReadVariable(v) => smallvec::smallvec![v.value()],
        NodeKind::If { then_graph, else_graph } => {
            let branch = if ins[0].scalar::<bool>() { then_graph } else { else_graph };
            let caps: Vec<Tensor> = ins[1..].iter().map(|t| (*t).clone()).collect();
            let mut res = Vec::with_capacity(branch.outputs.len());
            run_checked(branch, dynamic, &caps, &mut Vec::new(), &mut res);
            res.into_iter().collect()
        }
        NodeKind::While {
            cond_graph,
            body_graph,
            loop_vars,
            max_iterations,
        } => {
            // `args` holds the loop variables then the captures; each iteration
            // replaces the loop variables in place. The scratch buffers live across
            // iterations.
            let mut args: Vec<Tensor> = ins.iter().map(|t| (*t).clone()).collect();
            let (mut scratch, mut next, mut test) = (Vec::new(), Vec::with_capacity(*loop_vars), Vec::with_capacity(1));
            let mut i = 0;
            while max_iterations.is_none_or(|m| i < m) {
                test.clear();
                run_checked(cond_graph, dynamic, &args, &mut scratch, &mut test);
                if !test[0].scalar::<bool>() {
                    break;
                }
                next.clear();
                run_checked(body_graph, dynamic, &args, &mut scratch, &mut next);
                for (slot, v) in args.iter_mut().zip(next.drain(..)) {
                    *slot = v;
                }
                i += 1;
            }
            args.truncate(*loop_vars);
            args.into_iter().collect()
        }
        NodeKind::ForDataset {
            source,
            body_graph,
            loop_vars,
            element_specs: specs,
            break_var,
        } => {
            // `args`: the loop variables, then the current element, then the captures.
            let (lv, ne) = (*loop_vars, specs.len());
            let mut args: Vec<Tensor> = ins[..lv].iter().map(|t| (*t).clone()).collect();
            args.extend(specs.iter().map(|s| crate::zeros([], s.dtype)));
            args.extend(ins[lv..].iter().map(|t| (*t).clone()));
            let (mut scratch, mut next) = (Vec::new(), Vec::with_capacity(lv));
            for (k, element) in (source.0)().enumerate() {
                let element = element.unwrap_or_else(|e| panic!("{}: element {k} of the dataset: {e}", graph.name));
                for (i, (t, s)) in element.iter().zip(specs.iter()).enumerate() {
                    if !crate::ops::TensorSpec::of(t).is_subtype_of(s) {
                        panic!(
                            "{}: element {k} of the dataset has a {} tensor of shape {} as component {i}, but the loop was \
                                 traced for {s}",
                            graph.name,
                            t.dtype(),
                            t.shape()
                        );
                    }
                }
                for (slot, t) in args[lv..lv + ne].iter_mut().zip(element) {
                    *slot = t;
                }
                next.clear();
                run_checked(body_graph, true, &args, &mut scratch, &mut next);
                for (slot, v) in args.iter_mut().zip(next.drain(..)) {
                    *slot = v;
                }
                if break_var.is_some_and(|b| args[b].scalar::<bool>()) {
                    break;
                }
            }
            args.truncate(lv);
            args.into_iter().collect()
        }
        NodeKind::AssignVariable { var, kind } => {
            match *kind {
                "AssignAddVariableOp" => var.assign_add(ins[0]),
                "AssignSubVariableOp" => var.assign_sub(ins[0]),
                _ => var.assign(ins[0]),
            }
            Outputs::new()
        }
    }
}

/// The value of `(node, output)`: placeholders and constants are read where they are (the
/// arguments, the graph), so a run makes no copies of them — a loop body would make them on
/// every iteration; other nodes' outputs are in `values`.
fn value<'a>(graph: &'a Graph, args: &'a [Tensor], values: &'a [Outputs], (n, o): (usize, usize)) -> &'a Tensor {
    match &graph.nodes[n].kind {
        NodeKind::Placeholder { index } => &args[*index],
        NodeKind::Const(t) => t,
        _ => &values[n][o],
    }
}

/// Runs `graph` on `args` through the public ops, node by node: inside a trace this inlines
/// the graph into the one being traced (a loaded SavedModel function called from a
/// `tf.function`, or from a Keras train step); eagerly it runs the ops one by one. The
/// arguments must match the graph's placeholders (the caller checks).
#[track_caller]
pub(crate) fn replay(graph: &Graph, args: &[Tensor]) -> Vec<Tensor> {
    replay_with(graph, args, &[])
}

/// The vector-Jacobian product of [`replay_with`]: replays `graph` on `args` under a tape
/// and returns the gradients of the float arguments, then of the float values in `reads`,
/// given `dys`, the gradients of the graph's float outputs (zeros where unconnected). What
/// the backward of a function call, a `cond` branch and a loop body each compute.
pub(crate) fn replay_vjp(graph: &Graph, args: &[Tensor], reads: &[(Variable, Tensor)], dys: &[&Tensor]) -> Vec<Tensor> {
    let tape = crate::GradientTape::new();
    let float = |t: &&Tensor| t.dtype().is_float();
    let sources: Vec<&Tensor> = args.iter().chain(reads.iter().map(|(_, t)| t)).filter(float).collect();
    for s in &sources {
        tape.watch(*s);
    }
    let ys = replay_with(graph, args, reads);
    let targets: Vec<&Tensor> = ys.iter().filter(float).collect();
    tape.gradients(&targets, &sources, Some(dys), crate::UnconnectedGradients::Zero)
        .into_iter()
        .map(|g| g.expect("unconnected gradients are zeros"))
        .collect()
}

/// One gradient per input from the gradients of the float ones, in order: `None` for the
/// others (integer inputs have no gradient).
pub(crate) fn float_slots(inputs: &[Tensor], float_grads: impl IntoIterator<Item = Tensor>) -> Vec<Option<Tensor>> {
    let mut grads = float_grads.into_iter();
    inputs
        .iter()
        .map(|x| if x.dtype().is_float() { grads.next() } else { None })
        .collect()
}

/// [`replay`] with the values in `reads` standing for those variables' reads (a function
/// call's backward graph differentiates with respect to the values the call read).
#[track_caller]
pub(crate) fn replay_with(graph: &Graph, args: &[Tensor], reads: &[(Variable, Tensor)]) -> Vec<Tensor> {
    let read = |v: &Variable| {
        reads
            .iter()
            .find(|(w, _)| w.ptr_eq(v))
            .map_or_else(|| v.value(), |(_, t)| t.clone())
    };
    let replay = |g: &Graph, a: &[Tensor]| replay_with(g, a, reads);
    let mut values: Vec<Vec<Tensor>> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let ins: Vec<Tensor> = node.inputs.iter().map(|&(n, o)| values[n][o].clone()).collect();
        let out = match &node.kind {
            NodeKind::Placeholder { index } => vec![args[*index].clone()],
            NodeKind::Const(t) => vec![t.clone()],
            NodeKind::Op { op, attrs } => {
                let refs: Vec<&Tensor> = ins.iter().collect();
                crate::ops::execute(op, &refs, attrs).into_vec()
            }
            NodeKind::ReadVariable(v) => vec![read(v)],
            NodeKind::AssignVariable { var, kind } => {
                match *kind {
                    "AssignAddVariableOp" => var.assign_add(&ins[0]),
                    "AssignSubVariableOp" => var.assign_sub(&ins[0]),
                    _ => var.assign(&ins[0]),
                }
                Vec::new()
            }
            NodeKind::If { then_graph, else_graph } => {
                let caps = &ins[1..];
                crate::cond(&ins[0], || replay(then_graph, caps), || replay(else_graph, caps))
            }
            NodeKind::While {
                cond_graph,
                body_graph,
                loop_vars,
                max_iterations,
            } => {
                let caps = &ins[*loop_vars..];
                let with_caps = |vars: &[Tensor]| -> Vec<Tensor> { vars.iter().chain(caps).cloned().collect() };
                crate::while_loop(
                    |vars| replay(cond_graph, &with_caps(vars)).swap_remove(0),
                    |vars| replay(body_graph, &with_caps(vars)),
                    &ins[..*loop_vars],
                    *max_iterations,
                )
            }
            NodeKind::ForDataset {
                source,
                body_graph,
                loop_vars,
                element_specs,
                break_var,
            } => {
                let caps = &ins[*loop_vars..];
                crate::api::dataset_loop(source, element_specs, &ins[..*loop_vars], *break_var, |vars, element| {
                    let args: Vec<Tensor> = vars.iter().chain(element).chain(caps).cloned().collect();
                    replay(body_graph, &args)
                })
            }
        };
        values.push(out);
    }
    graph.outputs.iter().map(|&(n, o)| values[n][o].clone()).collect()
}
