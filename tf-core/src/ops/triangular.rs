//! Triangular matrices: `Cholesky` and `MatrixTriangularSolve` on `[..., n, n]` batches,
//! with their gradients (TensorFlow's rules). Computed in float64, results rounded once.

use super::matrix::{buffer, square, values};
use super::{arity, check_dtype, out1, same_dtype, spec, Attrs, Case, Domain, Grad, GradCtx, Kernel, OpDef, FLOATS};
use crate::api::linalg::{band_part, matmul_transposed as mm, matrix_transpose};
use crate::Tensor;

/// `x`'s values as float64, with its matrices' rows and columns.
fn blocks(x: &Tensor) -> (Vec<f64>, usize, usize) {
    let d = x.shape().dims();
    (values(x), d[d.len() - 2], d[d.len() - 1])
}

/// `Cholesky`: the lower-triangular `L` with `L Lᵀ = A` of each symmetric positive-definite
/// matrix; otherwise an error, in TensorFlow's words. It factors the symmetric part
/// `(A + Aᵀ) / 2` — for the symmetric matrices it takes, what TensorFlow computes from the
/// lower triangle — so that TensorFlow's symmetric gradient is the true derivative.
pub static CHOLESKY: OpDef = OpDef {
    name: "Cholesky",
    infer: |i, _| {
        arity(i, 1)?;
        let d = check_dtype(i, 0, FLOATS)?;
        square(i[0], "input")?;
        Ok(spec(d, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let (a, n, _) = blocks(i[0]);
        let mut l = vec![0.0; a.len()];
        for (m, out) in a.chunks(n * n).zip(l.chunks_mut(n * n)) {
            for j in 0..n {
                let mut d = m[j * n + j];
                for k in 0..j {
                    d -= out[j * n + k] * out[j * n + k];
                }
                if d.is_nan() || d <= 0.0 {
                    return Err("Cholesky decomposition was not successful. The input might not be valid.".into());
                }
                let d = d.sqrt();
                out[j * n + j] = d;
                for r in j + 1..n {
                    let mut v = 0.5 * (m[r * n + j] + m[j * n + r]);
                    for k in 0..j {
                        v -= out[r * n + k] * out[j * n + k];
                    }
                    out[r * n + j] = v / d;
                }
            }
        }
        out1(buffer(s[0].dtype, l), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| {
                let b = super::sample(d, &[2, 3, 3], Domain::Any, 7);
                let a = &mm(&b, &b, false, true) + &crate::eye(3, None, d);
                Case {
                    inputs: vec![a],
                    attrs: Attrs::new(),
                }
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(cholesky_grad),
};

/// TensorFlow's `_CholeskyGrad`: with `L⁻¹` and `M = lower(Lᵀ g)` (its diagonal halved),
/// `dA = sym(L⁻ᵀ M L⁻¹) / 2`.
fn cholesky_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    vec![c.want(0, || {
        let l = c.y();
        let n = *l.shape().dims().last().unwrap_or(&0);
        let dtype = l.dtype();
        let eye = &crate::zeros_like(l) + &crate::eye(n, None, dtype);
        let l_inv = crate::api::linalg::triangular_solve(l, &eye, true, false);
        let middle = mm(l, c.g(), true, false);
        let halved = &band_part(&middle, None, Some(0)) - &(&band_part(&middle, Some(0), Some(0)) * 0.5);
        let g = mm(&mm(&l_inv, &halved, true, false), &l_inv, false, false);
        &(&g + &matrix_transpose(&g)) * 0.5
    })]
}

/// `MatrixTriangularSolve`: `x` with `A x = rhs` for each triangular `A` (`[..., n, n]`,
/// only the `lower` (default) or upper triangle read) and `rhs` (`[..., n, k]`); `adjoint`
/// solves `Aᵀ x = rhs`. A zero on the diagonal gives infinities, as in TensorFlow.
pub static MATRIX_TRIANGULAR_SOLVE: OpDef = OpDef {
    name: "MatrixTriangularSolve",
    infer: |i, _| {
        arity(i, 2)?;
        let d = check_dtype(i, 0, FLOATS)?;
        same_dtype(i, 0, 1)?;
        square(i[0], "matrix")?;
        let (a, b) = (i[0].shape().dims(), i[1].shape().dims());
        if b.len() != a.len() || b[..b.len() - 2] != a[..a.len() - 2] {
            return Err(format!(
                "rhs must be [..., n, k] with the matrix's batch, got matrix {} and rhs {}",
                i[0].shape(),
                i[1].shape()
            ));
        }
        Ok(spec(d, i[1].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let lower = a.get_flag("lower");
        let adjoint = a.get_flag("adjoint");
        let (m, n, _) = blocks(i[0]);
        let (b, rows, k) = blocks(i[1]);
        if rows != n {
            return Err(format!("rhs has {rows} rows for {n} x {n} matrices"));
        }
        // Aᵀ of a lower matrix is upper: solve forwards or backwards accordingly.
        let forward = lower != adjoint;
        let at = |mat: &[f64], r: usize, c: usize| if adjoint { mat[c * n + r] } else { mat[r * n + c] };
        let mut x = vec![0.0; b.len()];
        for ((mat, rhs), out) in m.chunks(n * n).zip(b.chunks(n * k)).zip(x.chunks_mut(n * k)) {
            for col in 0..k {
                let order: Vec<usize> = if forward { (0..n).collect() } else { (0..n).rev().collect() };
                for &r in &order {
                    let mut v = rhs[r * k + col];
                    let known: Box<dyn Iterator<Item = usize>> = if forward { Box::new(0..r) } else { Box::new(r + 1..n) };
                    for q in known {
                        v -= at(mat, r, q) * out[q * k + col];
                    }
                    out[r * k + col] = v / at(mat, r, r);
                }
            }
        }
        out1(buffer(s[0].dtype, x), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let mut v = Vec::new();
        for &d in FLOATS {
            let a = &(&super::sample(d, &[2, 3, 3], Domain::Any, 8) * 0.3) + &(&crate::eye(3, None, d) * 2.0);
            let b = super::sample(d, &[2, 3, 2], Domain::Any, 9);
            for (lower, adjoint) in [(true, false), (false, true)] {
                v.push(Case {
                    inputs: vec![a.clone(), b.clone()],
                    attrs: Attrs::new().flag("lower", lower).flag("adjoint", adjoint),
                });
            }
        }
        v
    },
    stateful: false,
    grad: Grad::Rule(triangular_solve_grad),
};

/// TensorFlow's `_MatrixTriangularSolveGrad`: `db` solves the adjoint system; `dA = -db xᵀ`
/// (`-x dbᵀ` for `adjoint`), kept to the triangle the op reads.
fn triangular_solve_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    let (lower, adjoint) = (c.attrs.get_flag("lower"), c.attrs.get_flag("adjoint"));
    let db = crate::api::linalg::triangular_solve(c.x(0), c.g(), lower, !adjoint);
    let da = c.want(0, || {
        let full = if adjoint {
            mm(c.y(), &db, false, true)
        } else {
            mm(&db, c.y(), false, true)
        };
        // TensorFlow's band_part: zeros (not -0) outside the triangle.
        let (below, above) = if lower { (None, Some(0)) } else { (Some(0), None) };
        band_part(&-&full, below, above)
    });
    vec![da, c.want(1, || db.clone())]
}

/// This family's ops.
pub static OPS: &[&OpDef] = &[&CHOLESKY, &MATRIX_TRIANGULAR_SOLVE];
