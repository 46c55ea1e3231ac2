//! Runs a graph: nodes in their precomputed program order, each value in a slot indexed by
//! node (no hashing on the way), ops through the one dispatch point so tapes record them.

use super::{Graph, NodeKind};
use crate::ops::{execute_traced, Attrs, IntoFn, OpDef, Outputs, Specs};
use crate::{Buffer, Error, Result, Tensor, Variable};
use smallvec::SmallVec;

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
    run_checked(graph, dynamic, args, &mut out);
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
/// arguments, or the values a branch is given by its node), appending the outputs to `out`.
/// With `dynamic`, each op infers its output specs from its inputs (the trace had unknown
/// dimensions); an op whose inputs do not fit then fails as it would eagerly, naming the
/// user's line that made it.
fn run_checked(graph: &Graph, dynamic: bool, args: &[Tensor], out: &mut Vec<Tensor>) {
    let mut values = Vec::new();
    run_nodes(graph, dynamic, args, &mut values, false);
    out.extend(graph.outputs.iter().map(|&r| value(graph, args, &values, r).clone()));
}

/// Runs the nodes of `graph`, leaving their outputs in `values`. With `keep`, `values` holds
/// what the last run of this graph left there (a loop's previous iteration): an op whose
/// kernel writes into given buffers ([`Kernel::into_fn`](crate::ops::Kernel::into_fn)) writes into its outputs of that run
/// when nothing else holds them, so a loop allocates nothing per iteration for such ops, and
/// their outputs are kept for the next run rather than released after their last reader.
fn run_nodes(graph: &Graph, dynamic: bool, args: &[Tensor], values: &mut Vec<Outputs>, keep: bool) {
    if !keep || values.len() != graph.nodes.len() {
        values.clear();
        values.resize(graph.nodes.len(), Outputs::new());
    }
    let planned = graph.frees.len() == graph.nodes.len();
    // Paired nodes run at once (`passes::parallel`), but not under a tape: tapes are the
    // calling thread's, and they record in program order.
    let paired = !graph.pairs.is_empty() && crate::config::threading::inter_op() && !crate::tape::any_active();
    let into = !dynamic && !crate::tape::any_active();
    let mut early: SmallVec<[usize; 2]> = SmallVec::new();
    for i in 0..graph.nodes.len() {
        match graph.pairs.get(i).copied().flatten() {
            // Ran early with its partner.
            _ if paired && early.contains(&i) => {}
            Some(j) if paired => {
                // `j` reads only values made before step `i` (the pass's rule): those of
                // nodes before `i`, and of later nodes that ran early with an earlier
                // partner. Neither reads the other's slot, taken out meanwhile.
                let (mut si, mut sj) = (std::mem::take(&mut values[i]), std::mem::take(&mut values[j]));
                let vals: &[Outputs] = values;
                tf_kernels::cpu::join(
                    || exec(graph, dynamic, args, vals, &mut si, i),
                    || exec(graph, dynamic, args, vals, &mut sj, j),
                );
                (values[i], values[j]) = (si, sj);
                early.push(j);
            }
            _ if into && !keep && graph.in_place.get(i) == Some(&true) => {
                let (head, tail) = values.split_at_mut(i);
                update_in_place(graph, args, head, &mut tail[0], i);
            }
            _ => {
                let (head, tail) = values.split_at_mut(i);
                let node = &graph.nodes[i];
                match &node.kind {
                    // Read where they are (`value`).
                    NodeKind::Placeholder { .. } | NodeKind::Const(_) => {}
                    // The hot path of a loop: an op writing into last iteration's outputs.
                    NodeKind::Op { op, attrs } if into => match op.cpu.into_fn() {
                        Some(f) => {
                            let mut ins = SmallVec::new();
                            inputs(graph, args, head, i, &mut ins);
                            write_into(op, f, &ins, attrs, &node.outputs, &mut tail[0]);
                        }
                        None => exec(graph, dynamic, args, head, &mut tail[0], i),
                    },
                    _ => exec(graph, dynamic, args, head, &mut tail[0], i),
                }
            }
        }
        if planned {
            for &n in &graph.frees[i] {
                if !(keep && writes_into(&graph.nodes[n].kind)) {
                    values[n] = Outputs::new();
                }
            }
        }
    }
}

/// Runs update node `i` in place on the variables its first inputs read
/// ([`Graph::in_place`]): those reads die here first, so each variable holds its buffer
/// alone, and the node's outputs are the variables' updated values, which its assignments
/// put back. Where the in-place form does not apply, the op runs as usual.
fn update_in_place(graph: &Graph, args: &[Tensor], before: &mut [Outputs], slot: &mut Outputs, i: usize) {
    let node = &graph.nodes[i];
    let NodeKind::Op { op, attrs } = &node.kind else {
        unreachable!("the plan marks ops only")
    };
    let Some((k, update)) = crate::ops::optim::in_place(op) else {
        unreachable!("the plan marks ops with an in-place form")
    };
    let vars: SmallVec<[Variable; 4]> = node.inputs[..k]
        .iter()
        .map(|&(r, _)| match &graph.nodes[r].kind {
            NodeKind::ReadVariable(v) => v.clone(),
            _ => unreachable!("the plan marks updates of reads only"),
        })
        .collect();
    for &(r, _) in &node.inputs[..k] {
        before[r] = Outputs::new();
    }
    let before = &*before;
    let rest: SmallVec<[&Tensor; 8]> = node.inputs[k..].iter().map(|&r| value(graph, args, before, r)).collect();
    if update(&vars, &rest, attrs) {
        *slot = vars.iter().map(Variable::peek).collect();
        return;
    }
    let current: SmallVec<[Tensor; 4]> = vars.iter().map(Variable::peek).collect();
    let ins: SmallVec<[&Tensor; 8]> = current.iter().chain(rest.iter().copied()).collect();
    *slot = execute_traced(op, &ins, attrs, &node.outputs);
}

/// Appends the values node `i` reads to `ins`. (Returned, the SmallVec would be moved, and
/// the move stalls on the stores that just built it: a third of a small op's time.)
#[inline(always)]
fn inputs<'a>(graph: &'a Graph, args: &'a [Tensor], before: &'a [Outputs], i: usize, ins: &mut SmallVec<[&'a Tensor; 4]>) {
    for &r in &graph.nodes[i].inputs {
        ins.push(value(graph, args, before, r));
    }
}

/// True for an op node whose kernel writes into given buffers.
fn writes_into(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Op { op, .. } if op.cpu.into_fn().is_some())
}

/// Runs node `i` on the values of the nodes before it, `before`, putting its outputs in
/// `slot`.
fn exec(graph: &Graph, dynamic: bool, args: &[Tensor], before: &[Outputs], slot: &mut Outputs, i: usize) {
    let node = &graph.nodes[i];
    let mut ins = SmallVec::new();
    inputs(graph, args, before, i, &mut ins);
    *slot = match &node.kind {
        NodeKind::Placeholder { .. } | NodeKind::Const(_) => return,
        NodeKind::Op { op, attrs } => {
            let inferred;
            let specs = if dynamic {
                inferred = (op.infer)(&ins, attrs).unwrap_or_else(|m| {
                    panic!(
                        "{}: {m} (in `{}`, traced at {}:{})",
                        op.name,
                        graph.name,
                        node.location.file(),
                        node.location.line()
                    )
                });
                &inferred
            } else {
                &node.outputs
            };
            match op.cpu.into_fn() {
                Some(f) if !crate::tape::any_active() => return write_into(op, f, &ins, attrs, specs, slot),
                _ => execute_traced(op, &ins, attrs, specs),
            }
        }
        NodeKind::ReadVariable(v) => smallvec::smallvec![v.value()],
        NodeKind::If { then_graph, else_graph } => {
            let branch = if ins[0].scalar::<bool>() { then_graph } else { else_graph };
            let caps: Vec<Tensor> = ins[1..].iter().map(|t| (*t).clone()).collect();
            let mut res = Vec::with_capacity(branch.outputs.len());
            run_checked(branch, dynamic, &caps, &mut res);
            res.into_iter().collect()
        }
        NodeKind::While {
            cond_graph,
            body_graph,
            loop_vars,
            max_iterations,
        } => {
            if let Some(p) = graph
                .programs
                .get(i)
                .and_then(Option::as_ref)
                .filter(|_| !crate::tape::any_active())
            {
                *slot = p.run(&ins, *max_iterations);
                return;
            }
            // `args` holds the loop variables then the captures; each iteration replaces
            // the loop variables in place. Each graph's values live across iterations.
            let mut args: Vec<Tensor> = ins.iter().map(|t| (*t).clone()).collect();
            let (mut cond_values, mut body_values) = (Vec::new(), Vec::new());
            let swaps = swaps(body_graph);
            let mut i = 0;
            while max_iterations.is_none_or(|m| i < m) {
                run_nodes(cond_graph, dynamic, &args, &mut cond_values, true);
                if !value(cond_graph, &args, &cond_values, cond_graph.outputs[0]).scalar::<bool>() {
                    break;
                }
                run_nodes(body_graph, dynamic, &args, &mut body_values, true);
                carry(body_graph, &swaps, &mut args, &mut body_values);
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
            let mut body_values = Vec::new();
            let swaps = swaps(body_graph);
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
                run_nodes(body_graph, true, &args, &mut body_values, true);
                carry(body_graph, &swaps, &mut args, &mut body_values);
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
    };
}

/// Runs `op`'s kernel into the tensors in `slot` (its outputs of the last run) when nothing
/// else holds them and they have the right dtypes; into new ones otherwise.
fn write_into(op: &'static OpDef, f: IntoFn, ins: &[&Tensor], attrs: &Attrs, specs: &Specs, slot: &mut Outputs) {
    let mut bufs = SmallVec::new();
    if slot.len() == specs.len() {
        lend(slot, specs, &mut bufs);
    }
    if bufs.len() != specs.len() {
        drop(bufs);
        *slot = execute_traced(op, ins, attrs, specs);
        return;
    }
    f(ins, attrs, specs, &mut bufs).unwrap_or_else(|m| panic!("{}: {m}", op.name));
    drop(bufs);
    for (t, s) in slot.iter_mut().zip(specs) {
        t.renew(&s.shape);
    }
}

/// Appends to `bufs` the buffers of `outs`, one per spec, to write into: as many as lead
/// the list of those nothing else holds and of their spec's dtype (all of them, or the
/// caller makes new outputs). (Returned, the SmallVec would be moved, and the move stalls
/// on the stores that just built it: `matmul_many` took 9.7 us instead of 7.3.)
#[inline(always)]
pub(super) fn lend<'a>(outs: &'a mut [Tensor], specs: &Specs, bufs: &mut SmallVec<[&'a mut Buffer; 2]>) {
    for (t, s) in outs.iter_mut().zip(specs) {
        match t.buffer_mut(s.dtype) {
            Some(b) => bufs.push(b),
            None => break,
        }
    }
}

/// For each output of a loop body, whether it trades places with the loop variable it
/// replaces: an output a node computed does (that node then writes its next value into
/// the variable's old buffer); an argument or a constant, or an output given twice, is
/// cloned.
pub(super) fn swaps(body: &Graph) -> SmallVec<[bool; 4]> {
    let outs = &body.outputs;
    (0..outs.len())
        .map(|k| {
            let (n, o) = outs[k];
            !matches!(body.nodes[n].kind, NodeKind::Placeholder { .. } | NodeKind::Const(_)) && !outs[..k].contains(&(n, o))
        })
        .collect()
}

/// Makes a loop body's outputs, left in `values` by its run, the next iteration's loop
/// variables (the first `body.outputs.len()` of `args`), trading places where `swaps`
/// (from [`swaps`]) says so and cloning the rest.
fn carry(body: &Graph, swaps: &[bool], args: &mut [Tensor], values: &mut [Outputs]) {
    // Clones first: one may read a variable that a swap is about to replace.
    let mut cloned: SmallVec<[Option<Tensor>; 4]> = SmallVec::new();
    for (&r, &swap) in body.outputs.iter().zip(swaps) {
        cloned.push((!swap).then(|| value(body, args, values, r).clone()));
    }
    for (k, (&(n, o), c)) in body.outputs.iter().zip(cloned).enumerate() {
        match c {
            Some(t) => args[k] = t,
            None => std::mem::swap(&mut args[k], &mut values[n][o]),
        }
    }
}

/// The value of `(node, output)`: placeholders and constants are read where they are (the
/// arguments, the graph), so a run makes no copies of them — a loop body would make them on
/// every iteration; other nodes' outputs are in `values`.
#[inline]
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
