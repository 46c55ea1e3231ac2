//! Loops compiled for the executor. A `While` whose condition and body hold only ops (and
//! their arguments and constants), all of known shapes, becomes one straight-line program
//! over one table of values: the loop variables and captures, then each graph's constants,
//! then every op output. An iteration runs the condition's steps, reads its verdict, runs the
//! body's steps and trades each loop variable for the body output that replaces it. Nothing
//! is looked up by node, nothing is copied per iteration, and an op whose kernel writes into
//! given buffers writes into its own output of the last iteration.
//!
//! Scalars that only scalar ops read (a counter, a condition) live in registers instead, as
//! words ([`ScalarFn`]): their ops are a call on two words, not a kernel on tensors.

use super::{Graph, NodeKind};
use crate::ops::{Attrs, OpDef, Plan, ScalarFn, Specs, TensorSpec};
use crate::{Element, Tensor};
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

/// One instruction of a compiled loop. (Unboxed although a scalar step is small: a loop
/// runs its steps in order, and a box would put a pointer chase before each tensor op.)
#[allow(clippy::large_enum_variant)]
enum Instr {
    /// An op on tensors of the table.
    Tensor(Step),
    /// An op on scalars in registers.
    Scalar(ScalarStep),
}

/// An op on scalars in registers: `regs[out] = f(regs[ins])`.
struct ScalarStep {
    f: ScalarFn,
    /// The operands' registers, padded with the first.
    ins: [usize; 3],
    out: usize,
}

impl Instr {
    #[inline(always)]
    fn run(&self, table: &mut [Tensor], regs: &mut [u64]) {
        match self {
            Instr::Tensor(s) => s.run(table),
            Instr::Scalar(s) => {
                let [a, b, c] = s.ins;
                regs[s.out] = (s.f)(regs[a], regs[b], regs[c]);
            }
        }
    }
}

/// How a body output becomes the next loop variable.
#[derive(Clone, Copy)]
enum Carry {
    /// Trades places with the variable: the op that made it writes its next value into the
    /// variable's old buffer.
    Swap(usize),
    /// Copied (an argument, a constant, or an output given twice).
    Clone(usize),
    /// A variable in a register, copied from this register.
    Word(usize),
}

/// A compiled `While`.
pub(crate) struct LoopProgram {
    /// Loop variables then captures: the first entries of the table.
    args: usize,
    loop_vars: usize,
    consts: Vec<Tensor>,
    /// The dtype and shape of each op output, in table order after the constants.
    slots: Vec<crate::ops::TensorSpec>,
    cond: Vec<Instr>,
    verdict: usize,
    body: Vec<Instr>,
    carry: Vec<Carry>,
    /// Every entry of `carry` is a swap or a word.
    all_swaps: bool,
    /// The arguments and constants in registers, read into them when a run starts.
    loads: Vec<usize>,
    /// Whether the verdict is in a register.
    word_verdict: bool,
    /// The dtype of each loop variable, for those in registers.
    var_dtypes: Vec<crate::DType>,
    /// Each loop variable in a register, and the register it is carried from.
    words: Vec<(usize, usize)>,
    /// Some variable in `words` is carried from a variable.
    words_read_vars: bool,
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
        loads: Vec::new(),
        word_verdict: false,
        var_dtypes: Vec::new(),
        words: Vec::new(),
        words_read_vars: false,
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
    // What each place of the table holds: the arguments' specs are their placeholders'.
    let mut specs: Vec<Option<TensorSpec>> = vec![None; args];
    for n in cond.nodes.iter().chain(&body.nodes) {
        if let NodeKind::Placeholder { index } = n.kind {
            specs[index] = n.outputs.first().cloned();
        }
    }
    specs.extend(p.consts.iter().map(|t| Some(TensorSpec::of(t))));
    specs.extend(p.slots.iter().cloned().map(Some));
    // A swap trades buffers only: the variable's spec must be the output's.
    if p.carry
        .iter()
        .enumerate()
        .any(|(k, c)| matches!(*c, Carry::Swap(at) if specs[k] != specs[at]))
    {
        return None;
    }
    assign_registers(&mut p, &specs);
    p.all_swaps = p.carry.iter().all(|c| matches!(c, Carry::Swap(_) | Carry::Word(_)));
    Some(p)
}

/// Moves to registers every scalar whose readers are all ops with a scalar form (and those
/// ops), and a loop variable with the output it carries when both qualify.
fn assign_registers(p: &mut LoopProgram, specs: &[Option<TensorSpec>]) {
    fn step(i: &Instr) -> &Step {
        match i {
            Instr::Tensor(s) => s,
            Instr::Scalar(_) => unreachable!("registers are assigned once"),
        }
    }
    let scalar_form = |s: &Step| {
        s.plan
            .as_ref()
            .and_then(|p| p.scalar)
            .filter(|_| s.specs.len() == 1 && (1..=3).contains(&s.ins.len()))
    };
    let mut reg: Vec<bool> = specs.iter().map(|s| s.as_ref().is_some_and(|s| s.shape.rank() == 0)).collect();
    for s in p.cond.iter().chain(&p.body).map(step) {
        if scalar_form(s).is_none() {
            reg[s.out..s.out + s.specs.len()].iter_mut().for_each(|r| *r = false);
        }
    }
    let source = |c: &Carry| match *c {
        Carry::Swap(at) | Carry::Clone(at) | Carry::Word(at) => at,
    };
    loop {
        let mut changed = false;
        for s in p.cond.iter().chain(&p.body).map(step) {
            if reg[s.out] {
                // A scalar op reads registers only.
                if s.ins.iter().any(|&v| !reg[v]) {
                    reg[s.out] = false;
                    changed = true;
                }
            } else {
                // A tensor op reads tensors only.
                for &v in &s.ins {
                    changed |= std::mem::replace(&mut reg[v], false);
                }
            }
        }
        for (k, c) in p.carry.iter().enumerate() {
            let at = source(c);
            if reg[k] != reg[at] {
                (reg[k], reg[at]) = (false, false);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for i in p.cond.iter_mut().chain(&mut p.body) {
        if let Instr::Tensor(s) = i {
            if let (true, Some(f)) = (reg[s.out], scalar_form(s)) {
                let ins = std::array::from_fn(|k| s.ins.get(k).copied().unwrap_or(s.ins[0]));
                *i = Instr::Scalar(ScalarStep { f, ins, out: s.out });
            }
        }
    }
    p.loads = (0..p.args + p.consts.len()).filter(|&v| reg[v]).collect();
    p.word_verdict = reg[p.verdict];
    p.var_dtypes = (0..p.loop_vars)
        .map(|k| specs[k].as_ref().map_or(crate::DType::F32, |s| s.dtype))
        .collect();
    for (k, c) in p.carry.iter_mut().enumerate() {
        if reg[k] {
            *c = Carry::Word(source(c));
            p.words.push((k, source(c)));
        }
    }
    p.words_read_vars = p.words.iter().any(|&(_, at)| at < p.loop_vars);
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
                    Part::Cond => p.cond.push(Instr::Tensor(step)),
                    Part::Body => p.body.push(Instr::Tensor(step)),
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
        let mut regs: SmallVec<[u64; 32]> = smallvec::smallvec![0; table.len()];
        for &v in &self.loads {
            regs[v] = word(&table[v]);
        }
        let mut i = 0;
        while max.is_none_or(|m| i < m) {
            for s in &self.cond {
                s.run(&mut table, &mut regs);
            }
            let go = if self.word_verdict {
                regs[self.verdict] != 0
            } else {
                table[self.verdict].scalar::<bool>()
            };
            if !go {
                break;
            }
            for s in &self.body {
                s.run(&mut table, &mut regs);
            }
            self.carry(&mut table, &mut regs);
            i += 1;
        }
        for &(k, _) in &self.words {
            table[k] = scalar_of_word(self.var_dtypes[k], regs[k]);
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

    fn carry(&self, table: &mut [Tensor], regs: &mut [u64]) {
        if self.words_read_vars {
            // All read before any is written: a variable is another's source.
            let words: SmallVec<[(usize, u64); 4]> = self.words.iter().map(|&(k, at)| (k, regs[at])).collect();
            for (k, w) in words {
                regs[k] = w;
            }
        } else {
            for &(k, at) in &self.words {
                regs[k] = regs[at];
            }
        }
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
                Carry::Swap(_) | Carry::Word(_) => None,
            })
            .collect();
        for (k, (c, copy)) in self.carry.iter().zip(copies).enumerate() {
            match (*c, copy) {
                (_, Some(t)) => table[k] = t,
                (Carry::Swap(at), None) => table.swap(k, at),
                (Carry::Word(_), None) => {}
                (Carry::Clone(_), None) => unreachable!("every clone was made above"),
            }
        }
    }
}

/// The word of a one-value tensor (see [`crate::Element::to_word`]).
fn word(t: &Tensor) -> u64 {
    crate::dispatch!(t.dtype(), [F32, F64, I32, I64, U8, Bool], T => t.data::<T>()[0].to_word())
}

/// The scalar tensor of `dtype` whose word is `w`.
fn scalar_of_word(dtype: crate::DType, w: u64) -> Tensor {
    crate::dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => Tensor::from_parts(T::into_buffer(vec![T::from_word(w)]), crate::Shape::scalar()))
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
                return (plan.run)(&ins[..self.arity], &mut [b]);
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
                return (plan.run)(&ins, &mut bufs);
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

    /// The program of the first `While` in `f`'s graph for `specs`.
    fn program(f: &Function, specs: &[TensorSpec]) -> std::sync::Arc<super::LoopProgram> {
        let c = f.get_concrete_function(specs);
        let g = c.graph();
        let w = (0..g.nodes.len()).find(|&i| g.nodes[i].op_name() == "While").expect("a While");
        g.programs[w].clone().expect("compiled")
    }

    /// Scalars that only scalar ops read live in registers, of every dtype, carried from
    /// outputs and from other variables, and as the verdict; a scalar a tensor op reads, and
    /// the ops on it, stay tensors. Each loop gives its values by hand.
    #[test]
    fn scalars_only_scalar_ops_read_live_in_registers() {
        // Fibonacci in registers beside a counter that a Cast (no scalar form) reads.
        let fib = Function::new("fib", |xs: &[Tensor]| {
            let n = xs[0].clone();
            crate::while_loop(
                move |v| crate::less(&v[0], &n),
                |v| vec![&v[0] + 1i64, v[2].clone(), &v[1] + &v[2], &v[3] + &crate::cast(&v[0], DType::F32)],
                &[
                    crate::constant(0i64),
                    crate::constant(0.0f64),
                    crate::constant(1.0f64),
                    xs[1].clone(),
                ],
                None,
            )
        });
        let (n, x) = (crate::constant(10i64), crate::constant([1.0f32, -1.0]));
        let specs = [TensorSpec::of(&n), TensorSpec::of(&x)];
        let p = program(&fib, &specs);
        assert_eq!(p.words, vec![(1, 2), (2, p.words[1].1)]);
        assert!(p.words_read_vars && !p.word_verdict);
        assert_eq!(p.loads, vec![1, 2], "the variables start from their inputs");
        let out = fib.call(&[n, x]);
        assert_eq!(out[0].scalar::<i64>(), 10);
        assert_eq!((out[1].scalar::<f64>(), out[2].scalar::<f64>()), (55.0, 89.0));
        assert_eq!(out[3].to_vec::<f32>(), vec![46.0, 44.0]);

        // An i32 counter and an f32 accumulator: s <- |1.5 s + 1| five times from 0 (a
        // unary op has a scalar form too).
        let acc = Function::new("acc", |xs: &[Tensor]| {
            crate::while_loop(
                |v| crate::less(&v[0], &crate::constant(5i32)),
                |v| vec![&v[0] + 1i32, crate::abs(&(&v[1] * 1.5f32 + 1.0f32))],
                &[crate::constant(0i32), xs[0].clone()],
                None,
            )
        });
        let s0 = crate::constant(0.0f32);
        let p = program(&acc, &[TensorSpec::of(&s0)]);
        assert_eq!(p.words.len(), 2);
        assert!(p.word_verdict && !p.words_read_vars);
        let out = acc.call(&[s0]);
        assert_eq!((out[0].scalar::<i32>(), out[1].scalar::<f32>()), (5, 13.1875));

        // A bool variable as the condition, and a u8 counter: stops when k reaches 3.
        let flag = Function::new("flag", |xs: &[Tensor]| {
            crate::while_loop(
                |v| v[0].clone(),
                |v| {
                    let k = &v[1] + 1u8;
                    vec![crate::less(&k, &crate::constant(3u8)), k]
                },
                &[crate::constant(true), xs[0].clone()],
                None,
            )
        });
        let k0 = crate::constant(0u8);
        let p = program(&flag, &[TensorSpec::of(&k0)]);
        assert_eq!(p.words.len(), 2);
        assert!(p.word_verdict);
        let out = flag.call(&[k0]);
        assert!(!out[0].scalar::<bool>());
        assert_eq!(out[1].scalar::<u8>(), 3);
    }
}
