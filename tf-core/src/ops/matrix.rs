//! Square-matrix ops on `[..., n, n]` batches by LU decomposition with partial pivoting:
//! `MatrixInverse`, `MatrixDeterminant`, `LogMatrixDeterminant` and `MatrixSolve`, with
//! their gradients. Each matrix is factored in float64 (float32 results are rounded once).

use super::{arity, check_dtype, out1, same_dtype, spec, Attrs, Case, Domain, Grad, GradCtx, Kernel, OpDef, Outputs, Specs, FLOATS};
use crate::api::linalg::{matmul_transposed as mm, matrix_transpose};
use crate::{dispatch, DType, Element, Shape, Tensor};

/// `[..., n, n]`: the batch count and `n`, or an error naming the shape.
pub(super) fn square(x: &Tensor, what: &str) -> Result<usize, String> {
    let d = x.shape().dims();
    match d {
        [.., a, b] if a == b || *a == Shape::UNKNOWN || *b == Shape::UNKNOWN => Ok(*a),
        _ => Err(format!(
            "{what} must be a batch of square matrices [..., n, n], got shape {}",
            x.shape()
        )),
    }
}

/// A matrix's LU factors in place (`a`, row-major n×n) with the row swaps; `None` when a
/// pivot is exactly zero (the matrix is singular), as TensorFlow decides.
fn lu(a: &mut [f64], n: usize) -> (Vec<usize>, usize, bool) {
    let mut perm: Vec<usize> = (0..n).collect();
    let mut swaps = 0;
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs()))
            .unwrap_or(k);
        if a[p * n + k] == 0.0 {
            return (perm, swaps, false);
        }
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
            perm.swap(k, p);
            swaps += 1;
        }
        for i in k + 1..n {
            let l = a[i * n + k] / a[k * n + k];
            a[i * n + k] = l;
            for j in k + 1..n {
                a[i * n + j] -= l * a[k * n + j];
            }
        }
    }
    (perm, swaps, true)
}

/// Solves `LU x = P b` for the `m` columns of `b` (row-major n×m), in place.
fn lu_solve(lu: &[f64], perm: &[usize], n: usize, b: &[f64], m: usize) -> Vec<f64> {
    let mut x = vec![0.0; n * m];
    for (i, &p) in perm.iter().enumerate() {
        x[i * m..(i + 1) * m].copy_from_slice(&b[p * m..(p + 1) * m]);
    }
    for c in 0..m {
        for i in 0..n {
            let mut s = x[i * m + c];
            for k in 0..i {
                s -= lu[i * n + k] * x[k * m + c];
            }
            x[i * m + c] = s;
        }
        for i in (0..n).rev() {
            let mut s = x[i * m + c];
            for k in i + 1..n {
                s -= lu[i * n + k] * x[k * m + c];
            }
            x[i * m + c] = s / lu[i * n + i];
        }
    }
    x
}

/// A float tensor's values as float64.
pub(super) fn values(x: &Tensor) -> Vec<f64> {
    dispatch!(x.dtype(), [F32, F64], T => x.data::<T>().iter().map(|v| v.to_f64()).collect())
}

/// Each matrix of `x` as float64, `n`.
fn matrices(x: &Tensor) -> (Vec<Vec<f64>>, usize) {
    let n = *x.shape().dims().last().unwrap_or(&0);
    let vals = values(x);
    let count = if n == 0 { 0 } else { vals.len() / (n * n) };
    ((0..count).map(|b| vals[b * n * n..(b + 1) * n * n].to_vec()).collect(), n)
}

/// Values of `dtype` (float32 or float64) as a buffer.
pub(super) fn buffer(dtype: DType, v: Vec<f64>) -> crate::Buffer {
    dispatch!(dtype, [F32, F64], T => T::into_buffer(v.into_iter().map(T::from_f64).collect()))
}

fn square_cases() -> Vec<Case> {
    FLOATS
        .iter()
        .map(|&d| {
            // Diagonally dominant, far from singular.
            let a = &(&super::sample(d, &[2, 3, 3], Domain::Any, 5) * 0.3) + &(&crate::eye(3, None, d) * 2.0);
            Case {
                inputs: vec![a],
                attrs: Attrs::new(),
            }
        })
        .collect()
}

/// `MatrixInverse`: each matrix's inverse; a singular one is an error ("Input is not
/// invertible.").
pub static MATRIX_INVERSE: OpDef = OpDef {
    name: "MatrixInverse",
    infer: |i, _| {
        arity(i, 1)?;
        let d = check_dtype(i, 0, FLOATS)?;
        square(i[0], "input")?;
        Ok(spec(d, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let (ms, n) = matrices(i[0]);
        let eye: Vec<f64> = (0..n * n).map(|k| if k / n == k % n { 1.0 } else { 0.0 }).collect();
        let mut out = Vec::with_capacity(ms.len() * n * n);
        for mut m in ms {
            let (perm, _, ok) = lu(&mut m, n);
            if !ok {
                return Err("Input is not invertible.".into());
            }
            out.extend(lu_solve(&m, &perm, n, &eye, n));
        }
        out1(buffer(s[0].dtype, out), &s[0])
    }),
    domain: Domain::Any,
    cases: square_cases,
    stateful: false,
    // d(A⁻¹) = -A⁻¹ dA A⁻¹, so dA = -A⁻ᵀ g A⁻ᵀ.
    grad: Grad::Rule(|c| {
        let inv = c.y();
        vec![c.want(0, || -&mm(inv, &mm(c.g(), inv, false, true), true, false))]
    }),
};

/// `MatrixDeterminant`: each matrix's determinant (`[...]`).
pub static MATRIX_DETERMINANT: OpDef = OpDef {
    name: "MatrixDeterminant",
    infer: |i, _| {
        arity(i, 1)?;
        let d = check_dtype(i, 0, FLOATS)?;
        square(i[0], "input")?;
        let dims = i[0].shape().dims();
        Ok(spec(d, Shape::new(&dims[..dims.len() - 2])))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let (ms, n) = matrices(i[0]);
        let dets = ms
            .into_iter()
            .map(|mut m| match lu(&mut m, n) {
                (_, swaps, true) => (0..n).map(|k| m[k * n + k]).product::<f64>() * if swaps % 2 == 1 { -1.0 } else { 1.0 },
                _ => 0.0,
            })
            .collect();
        out1(buffer(s[0].dtype, dets), &s[0])
    }),
    domain: Domain::Any,
    cases: square_cases,
    stateful: false,
    // d det(A) = det(A) tr(A⁻¹ dA): dA = g det(A) A⁻ᵀ.
    grad: Grad::Rule(|c| {
        vec![c.want(0, || {
            let scale = crate::expand_dims(&crate::expand_dims(&(c.g() * c.y()), -1), -1);
            &scale * &matrix_transpose(&crate::api::linalg::inv(c.x(0)))
        })]
    }),
};

/// `LogMatrixDeterminant`: each matrix's determinant as its sign and the log of its absolute
/// value (`tf.linalg.slogdet`); a singular matrix gives sign 0 and `-inf`.
pub static LOG_MATRIX_DETERMINANT: OpDef = OpDef {
    name: "LogMatrixDeterminant",
    infer: |i, _| {
        arity(i, 1)?;
        let d = check_dtype(i, 0, FLOATS)?;
        square(i[0], "input")?;
        let dims = i[0].shape().dims();
        let out = Shape::new(&dims[..dims.len() - 2]);
        let mut s = Specs::new();
        s.push(super::TensorSpec {
            dtype: d,
            shape: out.clone(),
        });
        s.push(super::TensorSpec { dtype: d, shape: out });
        Ok(s)
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let (ms, n) = matrices(i[0]);
        let (mut signs, mut logs) = (Vec::new(), Vec::new());
        for mut m in ms {
            match lu(&mut m, n) {
                (_, swaps, true) => {
                    let mut sign = if swaps % 2 == 1 { -1.0 } else { 1.0 };
                    let mut log = 0.0;
                    for k in 0..n {
                        let p = m[k * n + k];
                        sign *= p.signum();
                        log += p.abs().ln();
                    }
                    signs.push(sign);
                    logs.push(log);
                }
                _ => {
                    signs.push(0.0);
                    logs.push(f64::NEG_INFINITY);
                }
            }
        }
        let mut o = Outputs::new();
        o.push(Tensor::from_parts(buffer(s[0].dtype, signs), s[0].shape.clone()));
        o.push(Tensor::from_parts(buffer(s[1].dtype, logs), s[1].shape.clone()));
        Ok(o)
    }),
    domain: Domain::Any,
    cases: square_cases,
    stateful: false,
    // d log|det A| = tr(A⁻¹ dA): dA = g A⁻ᵀ (the sign has no gradient).
    grad: Grad::Rule(|c| {
        vec![c.want(0, || {
            let g = crate::expand_dims(&crate::expand_dims(&c.grads[1], -1), -1);
            &g * &matrix_transpose(&crate::api::linalg::inv(c.x(0)))
        })]
    }),
};

/// `MatrixSolve`: `x` with `A x = rhs` for each matrix `A` (`[..., n, n]`) and right-hand
/// sides `rhs` (`[..., n, k]`, the same batch); a singular `A` is an error ("Input matrix is
/// not invertible."). Attribute `adjoint`: solve `Aᵀ x = rhs`.
pub static MATRIX_SOLVE: OpDef = OpDef {
    name: "MatrixSolve",
    infer: |i, _| {
        arity(i, 2)?;
        let d = check_dtype(i, 0, FLOATS)?;
        same_dtype(i, 0, 1)?;
        let n = square(i[0], "matrix")?;
        let (a, b) = (i[0].shape().dims(), i[1].shape().dims());
        if b.len() != a.len()
            || b[..b.len() - 2] != a[..a.len() - 2]
            || (b[b.len() - 2] != n && n != Shape::UNKNOWN && b[b.len() - 2] != Shape::UNKNOWN)
        {
            return Err(format!(
                "rhs must be [..., n, k] with the matrix's batch and n, got matrix {} and rhs {}",
                i[0].shape(),
                i[1].shape()
            ));
        }
        Ok(spec(d, i[1].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let a_t = if a.get_flag("adjoint") {
            matrix_transpose(i[0])
        } else {
            i[0].clone()
        };
        let (ms, n) = matrices(&a_t);
        let k = *i[1].shape().dims().last().unwrap_or(&0);
        let rhs = values(i[1]);
        let mut out = Vec::with_capacity(rhs.len());
        for (bi, mut m) in ms.into_iter().enumerate() {
            let (perm, _, ok) = lu(&mut m, n);
            if !ok {
                return Err("Input matrix is not invertible.".into());
            }
            out.extend(lu_solve(&m, &perm, n, &rhs[bi * n * k..(bi + 1) * n * k], k));
        }
        out1(buffer(s[0].dtype, out), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        square_cases()
            .into_iter()
            .map(|c| {
                let d = c.inputs[0].dtype();
                let rhs = super::sample(d, &[2, 3, 2], Domain::Any, 6);
                Case {
                    inputs: vec![c.inputs[0].clone(), rhs],
                    attrs: Attrs::new(),
                }
            })
            .collect()
    },
    stateful: false,
    // x = A⁻¹ b: db = A⁻ᵀ g, dA = -db xᵀ.
    grad: Grad::Rule(solve_grad),
};

fn solve_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    let adjoint = c.attrs.get_flag("adjoint");
    let db = crate::api::linalg::solve(c.x(0), c.g(), !adjoint);
    let da = c.want(0, || {
        if adjoint {
            -&mm(c.y(), &db, false, true)
        } else {
            -&mm(&db, c.y(), false, true)
        }
    });
    vec![da, c.want(1, || db.clone())]
}

/// This family's ops.
pub static OPS: &[&OpDef] = &[&MATRIX_INVERSE, &MATRIX_DETERMINANT, &LOG_MATRIX_DETERMINANT, &MATRIX_SOLVE];
