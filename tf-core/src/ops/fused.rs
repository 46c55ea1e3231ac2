//! `FusedElementwise`: a chain of elementwise float ops that the graph optimizer's fusion
//! pass merged into one node. One pass over the data: blocks of 512 elements go through the
//! whole program in registers (each step a tight loop the compiler vectorizes), instead of a
//! pass over memory and a buffer per op. Each step computes exactly what its op's kernel
//! does (a test checks every op bit for bit).
//!
//! Attribute `program`: one `[op, a, b]` triple per step, `op` an index into the fusable ops' table,
//! `a`/`b` registers (`b = -1` for a unary op). Registers `0..inputs` are the inputs; step `k`
//! writes register `inputs + k`; the last register is the output. Optional attribute
//! `outputs`: the registers to output instead, in order (a multi-output fusion: values the
//! chain computes that are also used after it, such as an optimizer's new `m`, `v` and
//! weights, written in the same pass).

use super::num::Num;
use super::{binary, sample, unary, Attrs, Case, Domain, Grad, Kernel, OpDef, TensorSpec, FLOATS};
use crate::{DType, Element, Tensor};

/// The ops a fused program may use, with their arity; the index is the opcode.
pub(crate) static FUSABLE: &[(&OpDef, usize)] = &[
    (&unary::NEG, 1),
    (&unary::ABS, 1),
    (&unary::SQUARE, 1),
    (&unary::RELU, 1),
    (&unary::EXP, 1),
    (&unary::LOG, 1),
    (&unary::SQRT, 1),
    (&unary::RSQRT, 1),
    (&unary::RECIPROCAL, 1),
    (&unary::SIN, 1),
    (&unary::COS, 1),
    (&unary::TANH, 1),
    (&unary::SIGMOID, 1),
    (&binary::ADD, 2),
    (&binary::SUB, 2),
    (&binary::MUL, 2),
    (&binary::REAL_DIV, 2),
    (&binary::MAXIMUM, 2),
    (&binary::MINIMUM, 2),
    (&binary::SQUARED_DIFFERENCE, 2),
];

/// The opcode of `op`, if a program may use it.
pub(crate) fn opcode(op: &OpDef) -> Option<usize> {
    FUSABLE.iter().position(|(o, _)| std::ptr::eq(*o, op))
}

/// Elements per block: every register of a block fits in L1 together.
const BLOCK: usize = 512;

struct Step {
    op: &'static OpDef,
    code: usize,
    args: smallvec::SmallVec<[usize; 2]>,
}

/// The program, checked: known opcodes, the right operand count, operands already written.
fn program(a: &Attrs, inputs: usize) -> Result<Vec<Step>, String> {
    let p = a.get_ints("program")?;
    if p.is_empty() || !p.len().is_multiple_of(3) {
        return Err(format!(
            "program must be a non-empty list of [op, a, b] triples, got {} entries",
            p.len()
        ));
    }
    p.chunks_exact(3)
        .enumerate()
        .map(|(k, t)| {
            let code = usize::try_from(t[0]).ok().filter(|&i| i < FUSABLE.len());
            let code = code.ok_or_else(|| format!("step {k}: unknown op {}", t[0]))?;
            let (op, arity) = &FUSABLE[code];
            let defined = inputs + k;
            let reg = |r: i64| usize::try_from(r).ok().filter(|&r| r < defined);
            let args: Option<smallvec::SmallVec<[usize; 2]>> = match (arity, t[2]) {
                (1, -1) => reg(t[1]).map(|r| smallvec::smallvec![r]),
                (2, b) => reg(t[1]).zip(reg(b)).map(|(a, b)| smallvec::smallvec![a, b]),
                _ => None,
            };
            let args = args.ok_or_else(|| format!("step {k} ({}): bad operands {:?}", op.name, &t[1..]))?;
            Ok(Step { op, code, args })
        })
        .collect()
}

/// The output registers: attribute `outputs`, checked (registers the program writes), or
/// the last register.
fn output_registers(a: &Attrs, inputs: usize, steps: usize) -> Result<Vec<usize>, String> {
    match a.opt_ints("outputs") {
        None => Ok(vec![inputs + steps - 1]),
        Some([]) => Err("outputs must name at least one register".into()),
        Some(rs) => rs
            .iter()
            .map(|&r| {
                usize::try_from(r)
                    .ok()
                    .filter(|&r| r >= inputs && r < inputs + steps)
                    .ok_or_else(|| format!("output register {r} is not written by the program"))
            })
            .collect(),
    }
}

/// One program step over a block: what the op's kernel computes for each element (the same
/// expressions as `unary.rs` / `binary.rs`, through the same methods).
macro_rules! interpreter {
    ($name:ident, $t:ty) => {
        fn $name(steps: &[Step], inputs: &[&Tensor], outs: &[usize], start: usize, dsts: &mut [&mut [std::mem::MaybeUninit<$t>]]) {
            let n_in = inputs.len();
            let n = dsts[0].len();
            // Registers as long as a block (or the whole output, when smaller). Scalar inputs
            // are broadcast into a register once; other inputs are read in place.
            let blk = BLOCK.min(n).max(1);
            let consts: Vec<Vec<$t>> = inputs
                .iter()
                .map(|t| if t.rank() == 0 { vec![t.data::<$t>()[0]; blk] } else { Vec::new() })
                .collect();
            let data: Vec<&[$t]> = inputs.iter().map(|t| t.data::<$t>()).collect();
            let mut regs: Vec<$t> = vec![0.0; steps.len() * blk];
            let mut off = 0;
            while off < n {
                let len = blk.min(n - off);
                let at = start + off;
                for (k, s) in steps.iter().enumerate() {
                    let (lo, hi) = regs.split_at_mut(k * blk);
                    let d = &mut hi[..len];
                    let operand = |r: usize| -> &[$t] {
                        match r.checked_sub(n_in) {
                            Some(q) => &lo[q * blk..q * blk + len],
                            None if inputs[r].rank() == 0 => &consts[r][..len],
                            None => &data[r][at..at + len],
                        }
                    };
                    let a = operand(s.args[0]);
                    let b = operand(*s.args.get(1).unwrap_or(&s.args[0]));
                    macro_rules! each {
                        (|$x:ident| $e:expr) => {
                            for (o, &$x) in d.iter_mut().zip(a) {
                                *o = $e;
                            }
                        };
                        (|$x:ident, $y:ident| $e:expr) => {
                            for ((o, &$x), &$y) in d.iter_mut().zip(a).zip(b) {
                                *o = $e;
                            }
                        };
                    }
                    match s.code {
                        0 => each!(|x| Num::negate(x)),
                        1 => each!(|x| Num::abs_val(x)),
                        2 => each!(|x| Num::mul(x, x)),
                        3 => each!(|x| Num::maximum(x, <$t as Num>::ZERO)),
                        4 => each!(|x| x.exp()),
                        5 => each!(|x| x.ln()),
                        6 => each!(|x| x.sqrt()),
                        7 => each!(|x| 1.0 / x.sqrt()),
                        8 => each!(|x| 1.0 / x),
                        9 => each!(|x| x.sin()),
                        10 => each!(|x| x.cos()),
                        11 => each!(|x| x.tanh()),
                        12 => each!(|x| if x >= 0.0 {
                            1.0 / (1.0 + (-x).exp())
                        } else {
                            let e = x.exp();
                            e / (1.0 + e)
                        }),
                        13 => each!(|x, y| Num::add(x, y)),
                        14 => each!(|x, y| Num::sub(x, y)),
                        15 => each!(|x, y| Num::mul(x, y)),
                        16 => each!(|x, y| x / y),
                        17 => each!(|x, y| Num::maximum(x, y)),
                        18 => each!(|x, y| Num::minimum(x, y)),
                        19 => each!(|x, y| {
                            let d = Num::sub(x, y);
                            Num::mul(d, d)
                        }),
                        c => unreachable!("opcode {c} was checked by `program`"),
                    }
                }
                for (dst, &r) in dsts.iter_mut().zip(outs) {
                    let q = r - n_in;
                    for (o, &v) in dst[off..off + len].iter_mut().zip(&regs[q * blk..q * blk + len]) {
                        o.write(v);
                    }
                }
                off += len;
            }
        }
    };
}
interpreter!(run_f32, f32);
interpreter!(run_f64, f64);

/// `FusedElementwise`: see the module docs. Inputs share one dtype (float32 or float64) and
/// have the output's shape or are scalars.
pub static FUSED_ELEMENTWISE: OpDef = OpDef {
    name: "FusedElementwise",
    infer: |i, a| {
        let first = i.first().ok_or("expected at least one input")?;
        let d = super::check_dtype(i, 0, FLOATS)?;
        for j in 1..i.len() {
            super::same_dtype(i, 0, j)?;
        }
        let steps = program(a, i.len())?;
        let full = i
            .iter()
            .find(|t| t.rank() > 0)
            .map_or_else(|| first.shape().clone(), |t| t.shape().clone());
        if let Some(t) = i.iter().find(|t| t.rank() > 0 && t.shape() != &full) {
            return Err(format!(
                "inputs must have one shape or be scalars, got {full:?} and {:?}",
                t.shape()
            ));
        }
        let outs = output_registers(a, i.len(), steps.len())?;
        // Which registers are scalars: an output must not be one unless every input is.
        let mut scalar: Vec<bool> = i.iter().map(|t| t.rank() == 0).collect();
        for s in &steps {
            scalar.push(s.args.iter().all(|&r| scalar[r]));
        }
        if outs.iter().any(|&r| scalar[r]) && full.rank() > 0 {
            return Err("the program's result does not depend on a non-scalar input".into());
        }
        Ok(outs
            .iter()
            .map(|_| TensorSpec {
                dtype: d,
                shape: full.clone(),
            })
            .collect())
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let steps = program(a, i.len())?;
        let outs = output_registers(a, i.len(), steps.len())?;
        let n = s[0].shape.num_elements();
        let bufs: Vec<crate::Buffer> = match s[0].dtype {
            DType::F32 => tf_kernels::cpu::elementwise::fill_many(n, outs.len(), BLOCK, |start, d| run_f32(&steps, i, &outs, start, d))
                .into_iter()
                .map(Element::into_buffer)
                .collect(),
            DType::F64 => tf_kernels::cpu::elementwise::fill_many(n, outs.len(), BLOCK, |start, d| run_f64(&steps, i, &outs, start, d))
                .into_iter()
                .map(Element::into_buffer)
                .collect(),
            d => return Err(format!("dtype {d} cannot be fused")),
        };
        super::outs(bufs, s)
    }),
    domain: Domain::Any,
    cases: || {
        // tanh(x0 * x1) + x0, then sigmoid of it times x2 (a scalar).
        // The second case also outputs the tanh (register 4): a multi-output fusion.
        let program = [15, 0, 1, 11, 3, -1, 13, 4, 0, 12, 5, -1, 15, 6, 2];
        FLOATS
            .iter()
            .flat_map(|&d| {
                let inputs = vec![
                    sample(d, &[2, 3], Domain::Any, 51),
                    sample(d, &[2, 3], Domain::Any, 52),
                    sample(d, &[], Domain::Any, 53),
                ];
                [
                    Case {
                        inputs: inputs.clone(),
                        attrs: Attrs::new().ints("program", program),
                    },
                    Case {
                        inputs,
                        attrs: Attrs::new().ints("program", program).ints("outputs", [4, 7]),
                    },
                ]
            })
            .collect()
    },
    stateful: false,
    // The unfused ops replayed under a tape: their gradient rules, composed.
    grad: Grad::Rule(|c| {
        let Ok(steps) = program(c.attrs, c.inputs.len()) else {
            return vec![None; c.inputs.len()];
        };
        let tape = crate::GradientTape::new();
        for x in c.inputs {
            tape.watch(x);
        }
        let Ok(outs) = output_registers(c.attrs, c.inputs.len(), steps.len()) else {
            return vec![None; c.inputs.len()];
        };
        let mut regs: Vec<Tensor> = c.inputs.to_vec();
        for s in &steps {
            let y = {
                let ins: Vec<&Tensor> = s.args.iter().map(|&r| &regs[r]).collect();
                super::execute1(s.op, &ins, &Attrs::new())
            };
            regs.push(y);
        }
        let ys: Vec<&Tensor> = outs.iter().map(|&r| &regs[r]).collect();
        let srcs: Vec<&Tensor> = c.inputs.iter().collect();
        let gs: Vec<&Tensor> = c.grads.iter().collect();
        tape.gradients(&ys, &srcs, Some(&gs), crate::UnconnectedGradients::Zero)
    }),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&FUSED_ELEMENTWISE];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::execute;

    /// Each opcode computes exactly what its op's own kernel does, element for element.
    #[test]
    fn every_step_equals_its_op_bit_for_bit() {
        for (code, (op, arity)) in FUSABLE.iter().enumerate() {
            for &d in FLOATS {
                for second in [&[130usize][..], &[]] {
                    let x = sample(d, &[130], op.domain, 7 + code as u64);
                    let y = sample(d, second, op.domain, 9 + code as u64);
                    let ins: Vec<&Tensor> = if *arity == 1 { vec![&x] } else { vec![&x, &y] };
                    let b = if *arity == 1 { -1 } else { 1 };
                    let fused = execute(&FUSED_ELEMENTWISE, &ins, &Attrs::new().ints("program", [code as i64, 0, b]));
                    let plain = execute(op, &ins, &Attrs::new());
                    assert_eq!(fused[0].buffer(), plain[0].buffer(), "{} {d}", op.name);
                    if *arity == 1 {
                        break;
                    }
                }
            }
        }
    }

    #[test]
    fn malformed_programs_are_refused_by_inference() {
        let x = crate::constant([1.0f32, 2.0]);
        for (p, want) in [
            (vec![], "non-empty"),
            (vec![13, 0], "non-empty"),
            (vec![99, 0, 0], "unknown op 99"),
            (vec![13, 0, 5], "bad operands"),
            (vec![0, 0, 0], "bad operands"),
            (vec![13, 0, -1], "bad operands"),
        ] {
            let e = (FUSED_ELEMENTWISE.infer)(&[&x], &Attrs::new().ints("program", p)).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        let s = crate::constant(1.0f32);
        let e = (FUSED_ELEMENTWISE.infer)(&[&x, &s], &Attrs::new().ints("program", [0, 1, -1])).unwrap_err();
        assert!(e.contains("does not depend on a non-scalar input"), "{e}");
        for (outs, want) in [
            (vec![], "at least one register"),
            (vec![0], "register 0 is not written"),
            (vec![2], "register 2 is not written"),
        ] {
            let a = Attrs::new().ints("program", [0, 0, -1]).ints("outputs", outs);
            let e = (FUSED_ELEMENTWISE.infer)(&[&x], &a).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }
}
