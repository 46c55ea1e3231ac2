//! `AdamUpdate`: Keras 2's Adam rule for one variable in one pass over memory — what
//! TensorFlow's fused `ApplyAdam` kernel is for its optimizers. A traced train step uses it
//! (the variable, `m` and `v` come in, their new values go out to three assignments); the
//! eager step runs the same element rule ([`adam`]) in place, so both give the same bits.

use super::num::Float;
use super::{arity, sample, Attrs, Case, Domain, Grad, Kernel, OpDef, TensorSpec, FLOATS};
use crate::{DType, Element};

/// One element of Adam: `m += (g - m)·(1-β1)`, `v += (g² - v)·(1-β2)`,
/// `w -= m·α / (√v + ε)`, with `c = [α, 1-β1, 1-β2, ε]`.
#[inline(always)]
pub fn adam<T>(w: &mut T, m: &mut T, v: &mut T, g: T, c: [T; 4])
where
    T: Float + std::ops::Add<Output = T> + std::ops::Sub<Output = T> + std::ops::Mul<Output = T> + std::ops::Div<Output = T>,
{
    let [a, b1, b2, eps] = c;
    *m = *m + (g - *m) * b1;
    *v = *v + (g * g - *v) * b2;
    *w = *w - (*m * a) / (v.sqrt() + eps);
}

/// Inputs `var, m, v, grad` (one shape) and scalars `alpha, one_minus_beta_1,
/// one_minus_beta_2, epsilon`, all of one float dtype; outputs the new `var, m, v`.
pub static ADAM_UPDATE: OpDef = OpDef {
    name: "AdamUpdate",
    infer: |i, _| {
        arity(i, 8)?;
        let d = super::check_dtype(i, 0, FLOATS)?;
        for j in 1..8 {
            super::same_dtype(i, 0, j)?;
        }
        let shape = i[0].shape();
        if let Some(j) = (1..4).find(|&j| i[j].shape() != shape) {
            return Err(format!("input {j} has shape {:?}, the variable {shape:?}", i[j].shape()));
        }
        if let Some(j) = (4..8).find(|&j| i[j].rank() != 0) {
            return Err(format!("input {j} must be a scalar, got shape {:?}", i[j].shape()));
        }
        let s = TensorSpec {
            dtype: d,
            shape: shape.clone(),
        };
        Ok(smallvec::smallvec![s.clone(), s.clone(), s])
    },
    cpu: Kernel::Alloc(|i, _, s| {
        macro_rules! run {
            ($t:ty) => {{
                let [w, m, v, g] = [0, 1, 2, 3].map(|j| i[j].data::<$t>());
                let c: [$t; 4] = [4, 5, 6, 7].map(|j| i[j].data::<$t>()[0]);
                let outs = tf_kernels::cpu::elementwise::fill_many(w.len(), 3, 64, |start, d| {
                    let [dw, dm, dv] = d else { unreachable!("three outputs") };
                    let (dw, dm, dv) = (&mut **dw, &mut **dm, &mut **dv);
                    let n = dw.len();
                    let (w, m, v, g) = (
                        &w[start..start + n],
                        &m[start..start + n],
                        &v[start..start + n],
                        &g[start..start + n],
                    );
                    // Blocks of 16 in fixed-size arrays, so the rule vectorizes; then the tail.
                    const B: usize = 16;
                    let full = n - n % B;
                    for i in (0..full).step_by(B) {
                        let block = |x: &[$t]| -> [$t; B] { x[i..i + B].try_into().expect("a block") };
                        let (mut a, mut b, mut e, gb) = (block(w), block(m), block(v), block(g));
                        for k in 0..B {
                            adam(&mut a[k], &mut b[k], &mut e[k], gb[k], c);
                        }
                        dw[i..i + B].copy_from_slice(&a.map(std::mem::MaybeUninit::new));
                        dm[i..i + B].copy_from_slice(&b.map(std::mem::MaybeUninit::new));
                        dv[i..i + B].copy_from_slice(&e.map(std::mem::MaybeUninit::new));
                    }
                    for i in full..n {
                        let (mut a, mut b, mut e) = (w[i], m[i], v[i]);
                        adam(&mut a, &mut b, &mut e, g[i], c);
                        dw[i].write(a);
                        dm[i].write(b);
                        dv[i].write(e);
                    }
                });
                outs.into_iter().map(Element::into_buffer).collect::<Vec<_>>()
            }};
        }
        let bufs = match s[0].dtype {
            DType::F32 => run!(f32),
            DType::F64 => run!(f64),
            d => return Err(format!("AdamUpdate does not take {d}")),
        };
        super::outs(bufs, s)
    }),
    domain: Domain::Positive,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![
                    sample(d, &[2, 3], Domain::Any, 61),
                    sample(d, &[2, 3], Domain::Any, 62),
                    sample(d, &[2, 3], Domain::Positive, 63),
                    sample(d, &[2, 3], Domain::Any, 64),
                    crate::scalar(0.01, d),
                    crate::scalar(0.1, d),
                    crate::scalar(0.001, d),
                    crate::scalar(1e-7, d),
                ],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: false,
    // An optimizer's update: nothing differentiates through it.
    grad: Grad::NotDifferentiable,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&ADAM_UPDATE];

/// An update op's in-place form, TensorFlow's `ResourceApplyAdam` to the op's `ApplyAdam`:
/// updates `vars` (what the op's first inputs read) with the op's other inputs `rest`, in
/// the variables' own buffers (copied first only where a snapshot of a value is alive).
/// Returns false where it does not apply (not float32), and then changes nothing.
pub type InPlaceFn = fn(vars: &[crate::Variable], rest: &[&crate::Tensor]) -> bool;

/// The in-place form of `op`, with how many of its first inputs (and outputs) are the
/// variables it updates; `None` for ops without one. A graph function runs an update this
/// way when those inputs are reads of the variables read by nothing else and those
/// outputs go only to assignments of the same variables (see the planning pass): it then
/// reads and writes each value once, in the cache, instead of writing new buffers.
pub fn in_place(op: &OpDef) -> Option<(usize, InPlaceFn)> {
    std::ptr::eq(op, &ADAM_UPDATE).then_some((3, adam_in_place as InPlaceFn))
}

fn adam_in_place(vars: &[crate::Variable], rest: &[&crate::Tensor]) -> bool {
    let ([w, m, v], [g, scalars @ ..]) = (vars, rest) else {
        return false;
    };
    if scalars.len() != 4 || scalars.iter().any(|t| t.dtype() != DType::F32 || t.rank() != 0) {
        return false;
    }
    let c: [f32; 4] = std::array::from_fn(|j| scalars[j].data::<f32>()[0]);
    crate::train::fused_update([w, m, v], g, |[w, m, v], g| adam(w, m, v, g, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::execute;
    use crate::Tensor;

    /// The op equals the rule written as separate ops, as Keras 2.15's Adam computes it.
    #[test]
    fn adam_update_equals_the_composite_rule() {
        for case in (ADAM_UPDATE.cases)() {
            let ins: Vec<&Tensor> = case.inputs.iter().collect();
            let out = execute(&ADAM_UPDATE, &ins, &case.attrs);
            let (w, m, v, g) = (ins[0], ins[1], ins[2], ins[3]);
            let (a, b1, b2, eps) = (ins[4], ins[5], ins[6], ins[7]);
            let m2 = m + &(&(g - m) * b1);
            let v2 = v + &(&(&(g * g) - v) * b2);
            let w2 = w - &(&(&m2 * a) / &(&crate::sqrt(&v2) + eps));
            for (got, want) in out.iter().zip([w2, m2, v2]) {
                assert_eq!(got.buffer(), want.buffer(), "{}", got.dtype());
            }
        }
        let x = crate::constant([1.0f32]);
        let s = crate::constant(1.0f32);
        let e = (ADAM_UPDATE.infer)(&[&x, &x, &x, &x, &s, &s, &s, &x], &Attrs::new()).unwrap_err();
        assert!(e.contains("input 7 must be a scalar"), "{e}");
    }
}
