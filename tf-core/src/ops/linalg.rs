//! `MatMul` (TensorFlow's `BatchMatMulV2`): `[..., m, k] · [..., k, n]` with broadcast batch
//! dimensions and `transpose_a`/`transpose_b` done by strides, never by copies.

use super::num::Num;
use super::{
    arity, check_dtype, out_vec, planned_vec, same_dtype, sample, spec, Attrs, Case, Domain, Grad, GradCtx, Kernel, OpDef, Plan, PlanRun,
    Specs, TensorSpec, SIGNED,
};
use crate::api::linalg::matmul_transposed as mm;
use crate::{dispatch, DType, Element, Shape, Tensor};
use smallvec::SmallVec;
use tf_kernels::cpu::gemm::{dgemm, sgemm, Strided};

/// `(m, k, n)` and the broadcast batch shape of a matmul, or the reason it is invalid.
fn geometry(i: &[&Tensor], a: &Attrs) -> Result<((usize, usize, usize), Shape), String> {
    let (sa, sb) = (i[0].shape().dims(), i[1].shape().dims());
    if sa.len() < 2 || sb.len() < 2 {
        return Err(format!("inputs must be at least rank 2, got shapes {sa:?} and {sb:?}"));
    }
    let (ta, tb) = (a.get_flag("transpose_a"), a.get_flag("transpose_b"));
    let (ra, ca) = (sa[sa.len() - 2], sa[sa.len() - 1]);
    let (rb, cb) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    let (m, k) = if ta { (ca, ra) } else { (ra, ca) };
    let (k2, n) = if tb { (cb, rb) } else { (rb, cb) };
    if !crate::shape::dim_compatible(k, k2) {
        return Err(format!("cannot multiply {sa:?} by {sb:?}: inner dimensions {k} and {k2} differ"));
    }
    let batch = Shape::broadcast(&sa[..sa.len() - 2], &sb[..sb.len() - 2]).ok_or_else(|| {
        format!(
            "cannot multiply {sa:?} by {sb:?}: batch dimensions {:?} and {:?} do not broadcast",
            &sa[..sa.len() - 2],
            &sb[..sb.len() - 2]
        )
    })?;
    Ok(((m, k, n), batch))
}

fn infer(i: &[&Tensor], a: &Attrs) -> Result<Specs, String> {
    arity(i, 2)?;
    check_dtype(i, 0, SIGNED)?;
    let d = same_dtype(i, 0, 1)?;
    let ((m, _, n), batch) = geometry(i, a)?;
    let mut out: SmallVec<[usize; 4]> = batch.0;
    out.push(m);
    out.push(n);
    Ok(spec(d, Shape(out)))
}

/// Element offset of batch `bi` (row-major over `batch`) in an operand with batch dims `own`.
fn batch_offset(bi: usize, batch: &[usize], own: &[usize], mat: usize) -> usize {
    let mut off = 0;
    let mut stride = mat;
    let mut r = bi;
    for q in (0..batch.len()).rev() {
        let idx = r % batch[q];
        r /= batch[q];
        let oq = q as isize - (batch.len() - own.len()) as isize;
        if oq >= 0 {
            let d = own[oq as usize];
            if d != 1 {
                off += idx * stride;
            }
            stride *= d;
        }
    }
    off
}

fn kernel(i: &[&Tensor], a: &Attrs, _: &Specs, o: &mut [&mut crate::Buffer]) -> Result<(), String> {
    if i[0].rank() == 2 && i[1].rank() == 2 {
        return kernel2(i, a, o);
    }
    let (_, batch) = geometry(i, a)?;
    let (sa, sb) = (i[0].shape().dims(), i[1].shape().dims());
    let (ba, bb) = (&sa[..sa.len() - 2], &sb[..sb.len() - 2]);
    let g = Geometry2::of(&sa[sa.len() - 2..], &sb[sb.len() - 2..], a);
    let (m, k, n) = (g.m, g.k, g.n);
    let nb = batch.num_elements();
    dispatch!(i[0].dtype(), [F32, F64, I32, I64], T => {
        let (x, y) = (i[0].data::<T>(), i[1].data::<T>());
        let c = sized(out_vec::<T>(o[0])?, nb * m * n);
        for b in 0..nb {
            let (oa, ob) = (batch_offset(b, batch.dims(), ba, m * k), batch_offset(b, batch.dims(), bb, k * n));
            let (av, bv) = g.views(&x[oa..oa + m * k], &y[ob..ob + k * n]);
            gemm_typed::<T>(m, k, n, av, bv, &mut c[b * m * n..(b + 1) * m * n]);
        }
    });
    Ok(())
}

/// [`kernel`] for two matrices (no batch dimensions): the common case, and in a loop of
/// small matmuls the batch bookkeeping would cost as much as the product.
fn kernel2(i: &[&Tensor], a: &Attrs, o: &mut [&mut crate::Buffer]) -> Result<(), String> {
    let g = Geometry2::of(i[0].shape().dims(), i[1].shape().dims(), a);
    dispatch!(i[0].dtype(), [F32, F64, I32, I64], T => g.run::<T>(i[0].data::<T>(), i[1].data::<T>(), out_vec::<T>(o[0])?));
    Ok(())
}

/// [`kernel2`] planned once for a compiled loop: two matrices of fixed shapes.
fn plan(i: &[&TensorSpec], a: &Attrs, _: &Specs) -> Option<Plan> {
    let (sa, sb) = (i[0].shape.dims(), i[1].shape.dims());
    if sa.len() != 2 || sb.len() != 2 {
        return None;
    }
    let g = Geometry2::of(sa, sb, a);
    dispatch!(i[0].dtype, [F32, F64, I32, I64], T => Some(Plan { run: planned::<T>(g), scalar: None }))
}

/// The plan of a product of geometry `g` of `T`s: a tiny one by the definition with its
/// inner dimension unrolled in the plan itself (at 2x2 the product costs less than a call).
fn planned<T: Num>(g: Geometry2) -> PlanRun {
    fn tiny<T: Num, const K: usize>(g: Geometry2) -> PlanRun {
        Box::new(move |x: &[&Tensor], o: &mut [&mut crate::Buffer]| {
            let (a, b) = g.views(x[0].data::<T>(), x[1].data::<T>());
            by_definition_k::<T, K>(g.m, g.n, a, b, sized(planned_vec::<T>(o[0]), g.m * g.n))
        })
    }
    match (by_definition::<T>(g.m, g.k, g.n), g.k) {
        (true, 1) => tiny::<T, 1>(g),
        (true, 2) => tiny::<T, 2>(g),
        (true, 3) => tiny::<T, 3>(g),
        (true, 4) => tiny::<T, 4>(g),
        _ => Box::new(move |x: &[&Tensor], o: &mut [&mut crate::Buffer]| {
            g.run::<T>(x[0].data::<T>(), x[1].data::<T>(), planned_vec::<T>(o[0]))
        }),
    }
}

/// The sizes of a product of two matrices, and each operand's strides as an m×k and a k×n
/// matrix whatever its storage order (transposes are done by strides).
#[derive(Clone, Copy)]
pub(crate) struct Geometry2 {
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) n: usize,
    a: (usize, usize),
    b: (usize, usize),
}

impl Geometry2 {
    /// The product of matrices of shapes `sa` and `sb` under `MatMul`'s attributes `a`
    /// (shapes checked by its inference).
    pub(crate) fn of(sa: &[usize], sb: &[usize], a: &Attrs) -> Geometry2 {
        let (ta, tb) = (a.get_flag("transpose_a"), a.get_flag("transpose_b"));
        let (m, k) = if ta { (sa[1], sa[0]) } else { (sa[0], sa[1]) };
        let n = if tb { sb[0] } else { sb[1] };
        Geometry2 {
            m,
            k,
            n,
            a: if ta { (1, m) } else { (k, 1) },
            b: if tb { (1, k) } else { (n, 1) },
        }
    }

    /// A's and B's values as an m×k and a k×n matrix.
    pub(crate) fn views<'a, T>(&self, x: &'a [T], y: &'a [T]) -> (Strided<'a, T>, Strided<'a, T>) {
        let a = Strided {
            data: x,
            rs: self.a.0,
            cs: self.a.1,
        };
        let b = Strided {
            data: y,
            rs: self.b.0,
            cs: self.b.1,
        };
        (a, b)
    }

    pub(crate) fn run<T: Num>(&self, x: &[T], y: &[T], c: &mut Vec<T>) {
        let (a, b) = self.views(x, y);
        gemm_typed::<T>(self.m, self.k, self.n, a, b, sized(c, self.m * self.n));
    }
}

/// `c` holding `len` values (zeros where it grew): the product overwrites them all, so a
/// buffer of the right length from the last run is used as it is.
fn sized<T: Element>(c: &mut Vec<T>, len: usize) -> &mut [T] {
    if c.len() != len {
        c.clear();
        c.resize(len, T::default());
    }
    c
}

/// One GEMM for any element type: f32/f64 through the packed kernels, integers and tiny
/// products by the definition ([`gemm_by_definition`]).
pub(crate) fn gemm_typed<T: Num>(m: usize, k: usize, n: usize, a: Strided<T>, b: Strided<T>, c: &mut [T]) {
    match T::DTYPE {
        _ if by_definition::<T>(m, k, n) => gemm_by_definition(m, k, n, a, b, c),
        DType::F32 => {
            let (a, b) = (cast_view::<T, f32>(a), cast_view::<T, f32>(b));
            sgemm(m, k, n, a, b, cast_mut::<T, f32>(c), n, false)
        }
        _ => {
            let (a, b) = (cast_view::<T, f64>(a), cast_view::<T, f64>(b));
            dgemm(m, k, n, a, b, cast_mut::<T, f64>(c), n, false)
        }
    }
}

/// Whether [`gemm_typed`] multiplies `T`s of these sizes by the definition: integers always
/// (with wrapping arithmetic), floats where packing would cost more than it saves.
fn by_definition<T: Num>(m: usize, k: usize, n: usize) -> bool {
    T::DTYPE.is_int() || m * k * n <= tf_kernels::cpu::gemm::SMALL_MACS
}

/// `C = A·B` (C row-major m×n) by the definition.
///
/// # Panics
/// If an operand's strides address memory outside its slice, or `c` is shorter than m·n.
fn gemm_by_definition<T: Num>(m: usize, k: usize, n: usize, a: Strided<T>, b: Strided<T>, c: &mut [T]) {
    // A short inner dimension unrolled: at k = 2 the loop's own steps outnumber the
    // multiply-adds.
    match k {
        1 => return by_definition_k::<T, 1>(m, n, a, b, c),
        2 => return by_definition_k::<T, 2>(m, n, a, b, c),
        3 => return by_definition_k::<T, 3>(m, n, a, b, c),
        4 => return by_definition_k::<T, 4>(m, n, a, b, c),
        _ => {}
    }
    for r in 0..m {
        for q in 0..n {
            let mut acc = T::ZERO;
            for p in 0..k {
                acc = Num::add(acc, Num::mul(a.data[r * a.rs + p * a.cs], b.data[p * b.rs + q * b.cs]));
            }
            c[r * n + q] = acc;
        }
    }
}

/// [`gemm_by_definition`] for an inner dimension of `K`.
#[inline(always)]
fn by_definition_k<T: Num, const K: usize>(m: usize, n: usize, a: Strided<T>, b: Strided<T>, c: &mut [T]) {
    for r in 0..m {
        let row: [T; K] = std::array::from_fn(|p| a.data[r * a.rs + p * a.cs]);
        for q in 0..n {
            let mut acc = T::ZERO;
            for (p, &x) in row.iter().enumerate() {
                acc = Num::add(acc, Num::mul(x, b.data[p * b.rs + q * b.cs]));
            }
            c[r * n + q] = acc;
        }
    }
}

fn cast_view<T: Element, U: Element>(v: Strided<T>) -> Strided<U> {
    assert_eq!(T::DTYPE, U::DTYPE);
    // SAFETY: T and U are the same type (equal dtype tags map to one Rust type each).
    let data = unsafe { std::slice::from_raw_parts(v.data.as_ptr() as *const U, v.data.len()) };
    Strided { data, rs: v.rs, cs: v.cs }
}

fn cast_mut<T: Element, U: Element>(c: &mut [T]) -> &mut [U] {
    assert_eq!(T::DTYPE, U::DTYPE);
    // SAFETY: T and U are the same type (equal dtype tags map to one Rust type each).
    unsafe { std::slice::from_raw_parts_mut(c.as_mut_ptr() as *mut U, c.len()) }
}

/// `MatMul` with batch dimensions (TensorFlow's `BatchMatMulV2`); attributes
/// `transpose_a`, `transpose_b`.
pub static MATMUL: OpDef = OpDef {
    name: "MatMul",
    infer,
    cpu: Kernel::Planned(kernel, plan),
    domain: Domain::Any,
    cases: || {
        let mut v = Vec::new();
        for &d in SIGNED {
            v.push(Case {
                inputs: vec![sample(d, &[2, 3], Domain::Any, 1), sample(d, &[3, 4], Domain::Any, 2)],
                attrs: Attrs::new(),
            });
            v.push(Case {
                inputs: vec![sample(d, &[3, 2], Domain::Any, 1), sample(d, &[2, 4, 3], Domain::Any, 2)],
                attrs: Attrs::new().flag("transpose_a", true).flag("transpose_b", true),
            });
            v.push(Case {
                inputs: vec![sample(d, &[2, 1, 20, 30], Domain::Any, 1), sample(d, &[3, 30, 40], Domain::Any, 2)],
                attrs: Attrs::new(),
            });
        }
        v
    },
    stateful: false,
    grad: Grad::Rule(matmul_grad),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&MATMUL];

/// dA and dB of `C = op(A) · op(B)` for each transpose combination; the tape sums the
/// broadcast batch dimensions away.
fn matmul_grad(c: &GradCtx) -> Vec<Option<Tensor>> {
    let (a, b, g) = (c.x(0), c.x(1), c.g());
    let (ta, tb) = (c.attrs.get_flag("transpose_a"), c.attrs.get_flag("transpose_b"));
    let da = c.want(0, || match (ta, tb) {
        (false, false) => mm(g, b, false, true),
        (false, true) => mm(g, b, false, false),
        (true, false) => mm(b, g, false, true),
        (true, true) => mm(b, g, true, true),
    });
    let db = c.want(1, || match (ta, tb) {
        (false, false) => mm(a, g, true, false),
        (false, true) => mm(g, a, true, false),
        (true, false) => mm(a, g, false, false),
        (true, true) => mm(g, a, true, true),
    });
    vec![da, db]
}
