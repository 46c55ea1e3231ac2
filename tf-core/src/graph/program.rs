//! Loops compiled for the executor. A `While` whose condition and body hold only ops (and
//! their arguments and constants), all of known shapes, becomes one straight-line program
//! over one table of values: the loop variables and captures, then each graph's constants,
//! then every op output. An iteration runs the condition's steps, reads its verdict, runs the
//! body's steps and trades each loop variable for the body output that replaces it. Nothing
//! is looked up by node, nothing is copied per iteration, and an op whose kernel writes into
//! given buffers writes into its own output of the last iteration.

use super::{Graph, NodeKind};
use crate::ops::{Attrs, OpDef, Plan, Specs, TensorSpec};
use crate::Tensor;
use smallvec::SmallVec;

/// One op of a compiled loop: its kernel, and where in the table it reads and writes.
struct Step {
    op: &'static OpDef,
    /// The kernel planned for the step's specs, where the op has such a form.
    plan: Option<Plan>,
    /// Planned, with one output and one to four inputs: [`Step::run`]'s hot path, which
    /// reads the inputs at `at4` (`ins` padded with its first entry).
    lean: bool,
    at4: [usize; 4],
    /// The number of inputs.
    arity: usize,
    attrs: Attrs,
    specs: Specs,
    /// Table indices of the inputs, all below `out`.
    ins: SmallVec<[usize; 4]>,
    /// Table index of the first output; the others follow.
    out: usize,
}

/// How a body output becomes the next loop variable.
#[derive(Clone, Copy)]
enum Carry {
    /// Trades places with the variable: the op that made it writes its next value into the
    /// variable's old buffer.
    Swap(usize),
    /// Copied (an argument, a constant, or an output given twice).
    Clone(usize),
}

/// A compiled `While`.
pub(crate) struct LoopProgram {
    /// Loop variables then captures: the first entries of the table.
    args: usize,
    loop_vars: usize,
    consts: Vec<Tensor>,
    /// The dtype and shape of each op output, in table order after the constants.
    slots: Vec<crate::ops::TensorSpec>,
    cond: Vec<Step>,
    verdict: usize,
    body: Vec<Step>,
    carry: Vec<Carry>,
    /// Every entry of `carry` is a swap.
    all_swaps: bool,
    /// The op outputs a run left, each its buffer's only holder, for the next run to write
    /// into (empty when there are none).
    spare: std::sync::Mutex<Vec<Tensor>>,
}

/// Compiles every `While` in `g` that qualifies (see the module docs).
pub(crate) fn compile(mut g: Graph) -> Graph {
    let programs: Vec<Option<std::sync::Arc<LoopProgram>>> = g
        .nodes
        .iter()
        .map(|n| match &n.kind {
            NodeKind::While {
                cond_graph,
                body_graph,
                loop_vars,
                ..
            } => compile_loop(cond_graph, body_graph, *loop_vars, n.inputs.len()).map(std::sync::Arc::new),
            _ => None,
        })
        .collect();
    if programs.iter().any(Option::is_some) {
        g.programs = programs;
    }
    g
}

/// The program of a loop with `args` inputs, `loop_vars` of them carried, or `None` when a
/// graph holds anything but ops, arguments and constants, or a value of unknown shape.
fn compile_loop(cond: &Graph, body: &Graph, loop_vars: usize, args: usize) -> Option<LoopProgram> {
    let simple = |g: &Graph| {
        g.nodes.iter().all(|n| {
            matches!(n.kind, NodeKind::Placeholder { .. } | NodeKind::Const(_) | NodeKind::Op { .. })
                && n.outputs.iter().all(|s| s.shape.is_fully_defined())
        })
    };
    if !simple(cond) || !simple(body) || body.outputs.len() != loop_vars {
        return None;
    }
    let mut p = LoopProgram {
        args,
        loop_vars,
        consts: Vec::new(),
        slots: Vec::new(),
        cond: Vec::new(),
        verdict: 0,
        body: Vec::new(),
        carry: Vec::new(),
        all_swaps: true,
        spare: std::sync::Mutex::new(Vec::new()),
    };
    // Constants first, so op outputs follow every value an op can read.
    for g in [cond, body] {
        for n in &g.nodes {
            if let NodeKind::Const(t) = &n.kind {
                p.consts.push(t.clone());
            }
        }
    }
    let mut next_const = args;
    let cond_at = place(cond, &mut p, &mut next_const, Part::Cond)?;
    let body_at = place(body, &mut p, &mut next_const, Part::Body)?;
    p.verdict = cond_at(*cond.outputs.first()?);
    for (&r, swap) in body.outputs.iter().zip(super::executor::swaps(body)) {
        p.carry.push(if swap { Carry::Swap(body_at(r)) } else { Carry::Clone(body_at(r)) });
    }
    // A swap trades buffers only: the variable's spec must be the output's.
    for (k, c) in p.carry.iter().enumerate() {
        let var = body
            .nodes
            .iter()
            .chain(&cond.nodes)
            .find(|n| matches!(n.kind, NodeKind::Placeholder { index } if index == k));
        if let Carry::Swap(at) = *c {
            if var.and_then(|v| v.outputs.first()) != Some(&p.slots[at - args - p.consts.len()]) {
                return None;
            }
        }
    }
    p.all_swaps = p.carry.iter().all(|c| matches!(c, Carry::Swap(_)));
    Some(p)
}

#[derive(Clone, Copy)]
enum Part {
    Cond,
    Body,
}

/// Lays out `g`'s values in the table (its constants from `next_const` on, its op outputs
/// after everything placed so far) and appends its steps to `p`; returns where each
/// `(node, output)` of `g` lives.
fn place(g: &Graph, p: &mut LoopProgram, next_const: &mut usize, part: Part) -> Option<impl Fn((usize, usize)) -> usize> {
    let mut first: Vec<usize> = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        let at = match &n.kind {
            NodeKind::Placeholder { index } if *index < p.args => *index,
            NodeKind::Placeholder { .. } => return None,
            NodeKind::Const(_) => {
                *next_const += 1;
                *next_const - 1
            }
            NodeKind::Op { op, attrs } => {
                let out = p.args + p.consts.len() + p.slots.len();
                let in_specs: SmallVec<[&TensorSpec; 4]> = n.inputs.iter().map(|&(i, o)| &g.nodes[i].outputs[o]).collect();
                let specs: Specs = n.outputs.iter().cloned().collect();
                let plan = op.cpu.plan(&in_specs, attrs, &specs);
                let ins: SmallVec<[usize; 4]> = n.inputs.iter().map(|&(i, o)| first[i] + o).collect();
                let at4 = std::array::from_fn(|k| ins.get(k).or(ins.first()).copied().unwrap_or(0));
                let step = Step {
                    op,
                    lean: plan.is_some() && specs.len() == 1 && (1..=4).contains(&n.inputs.len()),
                    plan,
                    attrs: attrs.clone(),
                    specs,
                    arity: ins.len(),
                    ins,
                    at4,
                    out,
                };
                p.slots.extend(n.outputs.iter().cloned());
                match part {
                    Part::Cond => p.cond.push(step),
                    Part::Body => p.body.push(step),
                }
                out
            }
            _ => return None,
        };
        first.push(at);
    }
    Some(move |(n, o): (usize, usize)| first[n] + o)
}

impl LoopProgram {
    /// Runs the loop from `inputs` (loop variables then captures) for at most `max`
    /// iterations, returning the final loop variables.
    #[inline(never)]
    pub(crate) fn run(&self, inputs: &[&Tensor], max: Option<usize>) -> SmallVec<[Tensor; 1]> {
        let mut table: Vec<Tensor> = Vec::with_capacity(self.args + self.consts.len() + self.slots.len());
        table.extend(inputs.iter().map(|t| (*t).clone()));
        table.extend(self.consts.iter().cloned());
        match self.spare.try_lock() {
            Ok(mut spare) if spare.len() == self.slots.len() => table.append(&mut spare),
            _ => table.extend(self.slots.iter().map(|s| crate::zeros(s.shape.clone(), s.dtype))),
        }
        let mut i = 0;
        while max.is_none_or(|m| i < m) {
            for s in &self.cond {
                s.run(&mut table);
            }
            if !table[self.verdict].scalar::<bool>() {
                break;
            }
            for s in &self.body {
                s.run(&mut table);
            }
            self.carry(&mut table);
            i += 1;
        }
        // The op outputs are the next call's when this run leaves each the only holder of
        // its buffer (one that left as a loop variable, or came in as one, is not).
        let mut outputs = table.split_off(self.args + self.consts.len());
        if outputs.iter_mut().zip(&self.slots).all(|(t, s)| t.buffer_mut(s.dtype).is_some()) {
            if let Ok(mut spare) = self.spare.try_lock() {
                *spare = outputs;
            }
        }
        table.truncate(self.loop_vars);
        // A variable traded buffers with body outputs (identities stayed): what leaves is a
        // new value.
        for t in &mut table {
            t.refresh_id();
        }
        table.into_iter().collect()
    }

    fn carry(&self, table: &mut [Tensor]) {
        if self.all_swaps {
            for (k, c) in self.carry.iter().enumerate() {
                if let Carry::Swap(at) = *c {
                    // Of one spec (checked when compiled), so only buffers trade places.
                    let (vars, rest) = table.split_at_mut(at);
                    vars[k].swap_values(&mut rest[0]);
                }
            }
            return;
        }
        // Copies first: one may read a variable that a swap is about to replace.
        let copies: SmallVec<[Option<Tensor>; 4]> = self
            .carry
            .iter()
            .map(|c| match *c {
                Carry::Clone(at) => Some(table[at].clone()),
                Carry::Swap(_) => None,
            })
            .collect();
        for (k, (c, copy)) in self.carry.iter().zip(copies).enumerate() {
            match (*c, copy) {
                (_, Some(t)) => table[k] = t,
                (Carry::Swap(at), None) => table.swap(k, at),
                (Carry::Clone(_), None) => unreachable!("every clone was made above"),
            }
        }
    }
}

impl Step {
    /// Runs the op on its inputs in `table`, into its outputs of the last iteration when
    /// its kernel writes into given buffers and nothing else holds them.
    #[inline]
    fn run(&self, table: &mut [Tensor]) {
        // The hot path: a planned kernel of one output and a few inputs, writing into its
        // buffer of the last iteration.
        if let (Some(plan), true) = (&self.plan, self.lean) {
            let (head, tail) = table.split_at_mut(self.out);
            // A fixed array rather than a SmallVec: pushing bumps a length in memory each
            // time, a chain of store-to-load waits in an op this small.
            let ins = self.at4.map(|k| &head[k]);
            if let Some(b) = tail[0].buffer_mut(self.specs[0].dtype) {
                return plan(&ins[..self.arity], &mut [b]);
            }
        }
        self.run_any(table)
    }

    /// [`run`](Self::run) for any step.
    #[cold]
    #[inline(never)]
    fn run_any(&self, table: &mut [Tensor]) {
        let (head, tail) = table.split_at_mut(self.out);
        let outs = &mut tail[..self.specs.len()];
        let ins: SmallVec<[&Tensor; 4]> = self.ins.iter().map(|&k| &head[k]).collect();
        let mut bufs = SmallVec::new();
        super::executor::lend(outs, &self.specs, &mut bufs);
        if bufs.len() == self.specs.len() {
            if let Some(plan) = &self.plan {
                return plan(&ins, &mut bufs);
            }
            if let Some(f) = self.op.cpu.into_fn() {
                f(&ins, &self.attrs, &self.specs, &mut bufs).unwrap_or_else(|m| panic!("{}: {m}", self.op.name));
                return;
            }
        }
        drop(bufs);
        let made = self
            .op
            .cpu
            .run(&ins, &self.attrs, &self.specs)
            .unwrap_or_else(|m| panic!("{}: {m}", self.op.name));
        for (slot, t) in outs.iter_mut().zip(made) {
            *slot = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::TensorSpec;
    use crate::{DType, Function, Tensor, Variable};

    fn counting_loop(body: impl Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync + 'static) -> Function {
        Function::new("loop", move |xs: &[Tensor]| {
            crate::while_loop(
                |v| crate::less(&v[0], &crate::constant(3i64)),
                |v| {
                    let mut next = vec![&v[0] + 1i64];
                    next.extend(body(&v[1..]));
                    next
                },
                &[crate::constant(0i64), xs[0].clone()],
                None,
            )
        })
    }

    /// A loop of ops compiles; one that reads a variable, or whose values have unknown
    /// dimensions, is left to the interpreter. Each gives the same values either way.
    #[test]
    fn loops_of_ops_with_known_shapes_compile() {
        let spec = |dims: Vec<Option<usize>>| TensorSpec::new(dims, DType::F32);
        let compiled = |f: &Function, s: TensorSpec| {
            let c = f.get_concrete_function(&[s]);
            let g = c.graph();
            let w = (0..g.nodes.len()).find(|&i| g.nodes[i].op_name() == "While").expect("a While");
            g.programs.get(w).is_some_and(Option::is_some)
        };
        let f = counting_loop(|v| vec![crate::matmul(&v[0], &v[0]) * 0.5f32]);
        assert!(compiled(&f, spec(vec![Some(2), Some(2)])));
        assert!(!compiled(&f, spec(vec![None, Some(2)])));
        let x = crate::constant([[1.0f32, 2.0], [0.5, -1.0]]);
        // x <- x·x / 2 three times, by hand: x·x = [[2, 0], [0, 2]], so x becomes the
        // identity, then 0.5 times it, then 0.125 times it.
        let out = f.call(std::slice::from_ref(&x));
        assert_eq!(out[1].to_vec::<f32>(), vec![0.125, 0.0, 0.0, 0.125]);
        assert_eq!(out[0].scalar::<i64>(), 3);

        let var = Variable::new(crate::constant(2.0f32));
        let v2 = var.clone();
        let g = counting_loop(move |v| vec![&v[0] * &v2.value()]);
        assert!(!compiled(&g, spec(vec![Some(2), Some(2)])));
        assert_eq!(g.call(&[x])[1].to_vec::<f32>(), vec![8.0, 16.0, 4.0, -8.0]);
    }

    /// A compiled loop writes its next call into the buffers this call left behind: never
    /// into a tensor it returned, and what it returns is a new value (a new identity).
    #[test]
    fn calls_reuse_buffers_but_never_returned_ones() {
        let f = counting_loop(|v| vec![crate::matmul(&v[0], &v[0]) * 0.5f32]);
        let x = crate::constant([[1.0f32, 2.0], [0.5, -1.0]]);
        let first = f.call(std::slice::from_ref(&x));
        let y = crate::constant([[2.0f32, 0.0], [0.0, 2.0]]);
        // y <- y·y / 2 three times: 2I, 2I, 2I.
        let second = f.call(std::slice::from_ref(&y));
        assert_eq!(first[1].to_vec::<f32>(), vec![0.125, 0.0, 0.0, 0.125]);
        assert_eq!(second[1].to_vec::<f32>(), vec![2.0, 0.0, 0.0, 2.0]);
        let third = f.call(std::slice::from_ref(&x));
        assert_eq!(third[1].to_vec::<f32>(), first[1].to_vec::<f32>());
        assert_eq!(second[1].to_vec::<f32>(), vec![2.0, 0.0, 0.0, 2.0]);
        for out in [&first, &second, &third] {
            assert_ne!(out[1].id(), x.id());
            assert_ne!(out[1].id(), y.id());
        }
        assert_ne!(first[1].id(), third[1].id());
    }
}
