//! `AdamUpdate`: Keras 2's Adam rule for one variable in one pass over memory — what
//! TensorFlow's fused `ApplyAdam` kernel is for its optimizers. A traced train step uses it
//! (the variable, `m` and `v` come in, their new values go out to three assignments); the
//! eager step runs the same element rule ([`adam`]) in place, so both give the same bits.

use super::linalg::Geometry2;
use super::num::Float;
use super::{arity, sample, Attrs, Case, Domain, Grad, Kernel, OpDef, TensorSpec, FLOATS};
use crate::{dispatch, DType, Element, Tensor};

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

/// The new `var, m, v` of [`adam`] over whole buffers, in fresh outputs.
fn adam_outputs<T>(w: &[T], m: &[T], v: &[T], g: &[T], c: [T; 4]) -> Vec<crate::Buffer>
where
    T: Element + Float + std::ops::Add<Output = T> + std::ops::Sub<Output = T> + std::ops::Mul<Output = T> + std::ops::Div<Output = T>,
{
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
            let block = |x: &[T]| -> [T; B] { x[i..i + B].try_into().expect("a block") };
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
    outs.into_iter().map(Element::into_buffer).collect()
}

/// The outputs of an Adam update with inputs `var, m, v`, Adam's four scalars from input
/// `scalars` on, and a gradient of shape `grad`: all of one float dtype, `m`, `v` and the
/// gradient shaped as the variable.
fn adam_specs(i: &[&Tensor], scalars: usize, grad: &crate::Shape) -> Result<super::Specs, String> {
    arity(i, scalars + 4)?;
    let d = super::check_dtype(i, 0, FLOATS)?;
    for j in 1..i.len() {
        super::same_dtype(i, 0, j)?;
    }
    let shape = i[0].shape();
    if let Some(j) = (1..3).find(|&j| i[j].shape() != shape) {
        return Err(format!("input {j} has shape {:?}, the variable {shape:?}", i[j].shape()));
    }
    if grad != shape {
        return Err(format!("the gradient has shape {grad:?}, the variable {shape:?}"));
    }
    if let Some(j) = (scalars..i.len()).find(|&j| i[j].rank() != 0) {
        return Err(format!("input {j} must be a scalar, got shape {:?}", i[j].shape()));
    }
    let s = TensorSpec {
        dtype: d,
        shape: shape.clone(),
    };
    Ok(smallvec::smallvec![s.clone(), s.clone(), s])
}

/// Inputs `var, m, v, grad` (one shape) and scalars `alpha, one_minus_beta_1,
/// one_minus_beta_2, epsilon`, all of one float dtype; outputs the new `var, m, v`.
pub static ADAM_UPDATE: OpDef = OpDef {
    name: "AdamUpdate",
    infer: |i, _| adam_specs(i, 4, i[3].shape()),
    cpu: Kernel::Alloc(|i, _, s| {
        let bufs = dispatch!(s[0].dtype, [F32, F64], T => {
            let c: [T; 4] = [4, 5, 6, 7].map(|j| i[j].data::<T>()[0]);
            adam_outputs(i[0].data::<T>(), i[1].data::<T>(), i[2].data::<T>(), i[3].data::<T>(), c)
        });
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

/// `_FusedAdamMatMul`: an `AdamUpdate` whose gradient is `MatMul(a, b)` of two matrices
/// (attributes `transpose_a`, `transpose_b`): inputs `var, m, v, a, b` and Adam's four
/// scalars, outputs the new `var, m, v`. The remapper makes it from the two ops (a dense
/// layer's kernel gradient and its update); run in place in a graph function, the product
/// is made and applied a block of rows at a time and never written whole.
pub static FUSED_ADAM_MATMUL: OpDef = OpDef {
    name: "_FusedAdamMatMul",
    infer: |i, a| {
        arity(i, 9)?;
        if i[3].rank() != 2 || i[4].rank() != 2 {
            return Err(format!(
                "the gradient's factors must be matrices, got shapes {:?} and {:?}",
                i[3].shape(),
                i[4].shape()
            ));
        }
        let product = (super::linalg::MATMUL.infer)(&[i[3], i[4]], a)?;
        adam_specs(i, 5, &product[0].shape)
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let g = Geometry2::of(i[3].shape().dims(), i[4].shape().dims(), a);
        let bufs = dispatch!(s[0].dtype, [F32, F64], T => {
            let mut grad = Vec::new();
            g.run::<T>(i[3].data::<T>(), i[4].data::<T>(), &mut grad);
            let c: [T; 4] = [5, 6, 7, 8].map(|j| i[j].data::<T>()[0]);
            adam_outputs(i[0].data::<T>(), i[1].data::<T>(), i[2].data::<T>(), &grad, c)
        });
        super::outs(bufs, s)
    }),
    domain: Domain::Positive,
    cases: || {
        FLOATS
            .iter()
            .flat_map(|&d| {
                [(false, false), (true, false), (false, true)].map(|(ta, tb)| {
                    let dims = |r: usize, c: usize, t: bool| if t { [c, r] } else { [r, c] };
                    Case {
                        inputs: vec![
                            sample(d, &[2, 3], Domain::Any, 61),
                            sample(d, &[2, 3], Domain::Any, 62),
                            sample(d, &[2, 3], Domain::Positive, 63),
                            sample(d, &dims(2, 4, ta), Domain::Any, 64),
                            sample(d, &dims(4, 3, tb), Domain::Any, 65),
                            crate::scalar(0.01, d),
                            crate::scalar(0.1, d),
                            crate::scalar(0.001, d),
                            crate::scalar(1e-7, d),
                        ],
                        attrs: Attrs::new().flag("transpose_a", ta).flag("transpose_b", tb),
                    }
                })
            })
            .collect()
    },
    stateful: false,
    grad: Grad::NotDifferentiable,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&ADAM_UPDATE, &FUSED_ADAM_MATMUL];

/// An update op's in-place form, TensorFlow's `ResourceApplyAdam` to the op's `ApplyAdam`:
/// updates `vars` (what the op's first inputs read) with the op's other inputs `rest` and its
/// attributes, in the variables' own buffers (copied first only where a snapshot of a value
/// is alive). Returns false where it does not apply (not float32), and then changes nothing.
pub type InPlaceFn = fn(vars: &[crate::Variable], rest: &[&Tensor], attrs: &Attrs) -> bool;

/// The in-place form of `op`, with how many of its first inputs (and outputs) are the
/// variables it updates; `None` for ops without one. A graph function runs an update this
/// way when those inputs are reads of the variables read by nothing else and those
/// outputs go only to assignments of the same variables (see the planning pass): it then
/// reads and writes each value once, in the cache, instead of writing new buffers.
pub fn in_place(op: &OpDef) -> Option<(usize, InPlaceFn)> {
    if std::ptr::eq(op, &ADAM_UPDATE) {
        Some((3, adam_in_place as InPlaceFn))
    } else if std::ptr::eq(op, &FUSED_ADAM_MATMUL) {
        Some((3, adam_matmul_in_place as InPlaceFn))
    } else {
        None
    }
}

/// Adam's float32 constants from its four scalar inputs, if they are that.
fn adam_constants(scalars: &[&Tensor]) -> Option<[f32; 4]> {
    if scalars.len() != 4 || scalars.iter().any(|t| t.dtype() != DType::F32 || t.rank() != 0) {
        return None;
    }
    Some(std::array::from_fn(|j| scalars[j].data::<f32>()[0]))
}

fn adam_in_place(vars: &[crate::Variable], rest: &[&Tensor], _: &Attrs) -> bool {
    let ([w, m, v], [g, scalars @ ..]) = (vars, rest) else {
        return false;
    };
    let Some(c) = adam_constants(scalars) else { return false };
    crate::train::fused_update([w, m, v], g, |[w, m, v], g| adam(w, m, v, g, c))
}

/// Below this many values the product and the update run as two ops; from it on, as one
/// parallel job, block by block, each thread updating the rows it computed. For the MLP's
/// 784x128 kernel that is one hand-over between the cores a step instead of two: its fit
/// step 0.203-0.210 -> 0.195-0.201 ms while this machine's cross-core transfers are slow,
/// 0.152-0.155 -> 0.152-0.163 ms while they are fast (paired runs).
const STREAMED_MIN: usize = 1 << 16;

fn adam_matmul_in_place(vars: &[crate::Variable], rest: &[&Tensor], attrs: &Attrs) -> bool {
    let ([w, m, v], [a, b, scalars @ ..]) = (vars, rest) else {
        return false;
    };
    let Some(c) = adam_constants(scalars) else { return false };
    if a.dtype() != DType::F32 || b.dtype() != DType::F32 || a.rank() != 2 || b.rank() != 2 {
        return false;
    }
    let g = Geometry2::of(a.shape().dims(), b.shape().dims(), attrs);
    if g.m * g.n < STREAMED_MIN {
        let product = super::execute(&super::linalg::MATMUL, &[a, b], attrs).remove(0);
        return crate::train::fused_update([w, m, v], &product, |[w, m, v], g| adam(w, m, v, g, c));
    }
    let (av, bv) = g.views(a.data::<f32>(), b.data::<f32>());
    let shape = crate::Shape::new(&[g.m, g.n]);
    // SAFETY: `sgemm_rows_then` hands each block of rows over once, blocks disjoint.
    unsafe {
        crate::train::fused_update_with(
            [w, m, v],
            &shape,
            |[w, m, v], g| adam(w, m, v, g, c),
            |apply| tf_kernels::cpu::gemm::sgemm_rows_then(g.m, g.k, g.n, av, bv, &|row, values| apply(row * g.n, values)),
        )
    }
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

    /// The fused op equals `AdamUpdate` of the `MatMul` (its kernel and, for float32, its
    /// in-place form on variables), and names a gradient of the wrong shape.
    #[test]
    fn fused_adam_matmul_equals_the_two_ops() {
        for case in (FUSED_ADAM_MATMUL.cases)() {
            let ins: Vec<&Tensor> = case.inputs.iter().collect();
            let g = execute(&super::super::linalg::MATMUL, &ins[3..5], &case.attrs).remove(0);
            let want = execute(
                &ADAM_UPDATE,
                &[ins[0], ins[1], ins[2], &g, ins[5], ins[6], ins[7], ins[8]],
                &Attrs::new(),
            );
            let got = execute(&FUSED_ADAM_MATMUL, &ins, &case.attrs);
            for (got, want) in got.iter().zip(&want) {
                assert_eq!(got.buffer(), want.buffer(), "{}", got.dtype());
            }
            if ins[0].dtype() == DType::F32 {
                let vars: Vec<crate::Variable> = ins[..3].iter().map(|&t| crate::Variable::new(t.clone())).collect();
                let (update, k) = in_place(&FUSED_ADAM_MATMUL).map(|(k, f)| (f, k)).expect("an in-place form");
                assert_eq!(k, 3);
                assert!(update(&vars, &ins[3..], &case.attrs));
                for (var, want) in vars.iter().zip(&want) {
                    assert_eq!(var.value().buffer(), want.buffer());
                }
            }
        }
        let (m, a) = (crate::ones([2, 3], DType::F32), crate::ones([2, 2], DType::F32));
        let s = crate::constant(1.0f32);
        let e = (FUSED_ADAM_MATMUL.infer)(&[&m, &m, &m, &a, &a, &s, &s, &s, &s], &Attrs::new()).unwrap_err();
        assert!(e.contains("the gradient has shape [2, 2], the variable [2, 3]"), "{e}");
    }

    /// A kernel gradient of [`STREAMED_MIN`] values or more (`xᵀ·g` of a dense layer) is made
    /// and applied block by block on the pool's threads: the variables end as `AdamUpdate`
    /// of the `MatMul` leaves them.
    #[test]
    fn a_streamed_in_place_update_equals_the_two_ops() {
        let (rows, cols, batch) = (300, 256, 40);
        assert!(rows * cols >= STREAMED_MIN);
        let ins = [
            sample(DType::F32, &[rows, cols], Domain::Any, 71),
            sample(DType::F32, &[rows, cols], Domain::Any, 72),
            sample(DType::F32, &[rows, cols], Domain::Positive, 73),
            sample(DType::F32, &[batch, rows], Domain::Any, 74),
            sample(DType::F32, &[batch, cols], Domain::Any, 75),
            crate::scalar(0.01, DType::F32),
            crate::scalar(0.1, DType::F32),
            crate::scalar(0.001, DType::F32),
            crate::scalar(1e-7, DType::F32),
        ];
        let ins: Vec<&Tensor> = ins.iter().collect();
        let attrs = Attrs::new().flag("transpose_a", true);
        let g = execute(&super::super::linalg::MATMUL, &ins[3..5], &attrs).remove(0);
        let want = execute(
            &ADAM_UPDATE,
            &[ins[0], ins[1], ins[2], &g, ins[5], ins[6], ins[7], ins[8]],
            &Attrs::new(),
        );
        let vars: Vec<crate::Variable> = ins[..3].iter().map(|&t| crate::Variable::new(t.clone())).collect();
        assert!(adam_matmul_in_place(&vars, &ins[3..], &attrs));
        for (var, want) in vars.iter().zip(&want) {
            for (x, y) in var.value().to_vec::<f32>().iter().zip(want.to_vec::<f32>()) {
                assert!((x - y).abs() <= 1e-6 * y.abs().max(1.0), "{x} vs {y}");
            }
        }
    }
}
