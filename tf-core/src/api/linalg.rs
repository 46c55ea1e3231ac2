//! `tf.linalg`: `matmul` (batched, transposes by strides), `tensordot` and `einsum`.

use super::array::{reshape, transpose};
use super::math::reduce_sum;
use super::run;
use crate::ops::{linalg as l, Attrs};
use crate::Tensor;

/// `tf.linalg.matmul(a, b)`: `[..., m, k] · [..., k, n]`, batch dimensions broadcast.
///
/// # Panics
/// When the inner dimensions differ, e.g.
/// `MatMul: cannot multiply [2, 3] by [4, 5]: inner dimensions 3 and 4 differ`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(tf::matmul(&a, &a).to_vec::<f32>(), vec![7.0, 10.0, 15.0, 22.0]);
/// ```
#[track_caller]
pub fn matmul(a: &Tensor, b: &Tensor) -> Tensor {
    run(&l::MATMUL, &[a, b], Attrs::new())
}

/// `tf.linalg.matmul(a, b, transpose_a, transpose_b)`: the transposes are read through
/// strides, never copied.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// let xxt = tf::linalg::matmul_transposed(&x, &x, false, true);
/// assert_eq!(xxt.to_vec::<f32>(), vec![14.0, 32.0, 32.0, 77.0]);
/// let xtx = tf::linalg::matmul_transposed(&x, &x, true, false);
/// assert_eq!(xtx.shape().dims(), &[3, 3]);
/// assert_eq!(xtx.to_vec::<f32>()[..3], [17.0, 22.0, 27.0]);
/// ```
#[track_caller]
pub fn matmul_transposed(a: &Tensor, b: &Tensor, transpose_a: bool, transpose_b: bool) -> Tensor {
    run(
        &l::MATMUL,
        &[a, b],
        Attrs::new().flag("transpose_a", transpose_a).flag("transpose_b", transpose_b),
    )
}

/// `tf.tensordot(a, b, axes=[a_axes, b_axes])`: contracts the listed axes pairwise; the
/// result has `a`'s free axes then `b`'s.
///
/// ```
/// use tf_core as tf;
/// let a = tf::reshape(&tf::range(6.0f32), [2, 3]);
/// let b = tf::reshape(&tf::range(6.0f32), [3, 2]);
/// assert_eq!(tf::tensordot(&a, &b, &[1], &[0]).to_vec::<f32>(), vec![10.0, 13.0, 28.0, 40.0]);
/// let c = tf::reshape(&tf::range(24.0f32), [2, 3, 4]);
/// let d = tf::reshape(&tf::range(12.0f32), [4, 3]);
/// assert_eq!(tf::tensordot(&c, &d, &[1, 2], &[1, 0]).to_vec::<f32>(), vec![440.0, 1232.0]);
/// ```
#[track_caller]
pub fn tensordot(a: &Tensor, b: &Tensor, a_axes: &[i64], b_axes: &[i64]) -> Tensor {
    let norm = |t: &Tensor, ax: &[i64]| -> Vec<usize> {
        ax.iter()
            .map(|&x| crate::shape::normalize_axis(x, t.rank()).unwrap_or_else(|e| panic!("Tensordot: {e}")))
            .collect()
    };
    let (ca, cb) = (norm(a, a_axes), norm(b, b_axes));
    if ca.len() != cb.len() {
        panic!("Tensordot: a_axes {a_axes:?} and b_axes {b_axes:?} must have the same length");
    }
    let (da, db) = (a.shape().dims(), b.shape().dims());
    for (&x, &y) in ca.iter().zip(&cb) {
        if da[x] != db[y] {
            panic!(
                "Tensordot: contracted dimensions differ: a{da:?} axis {x} has {} but b{db:?} axis {y} has {}",
                da[x], db[y]
            );
        }
    }
    let free_a: Vec<usize> = (0..da.len()).filter(|i| !ca.contains(i)).collect();
    let free_b: Vec<usize> = (0..db.len()).filter(|i| !cb.contains(i)).collect();
    let k: usize = ca.iter().map(|&i| da[i]).product();
    // `None` for a free dimension of `a` unknown when traced (a batch of `None`).
    let m: Option<usize> = free_a.iter().map(|&i| a.shape().dim(i)).product();
    let n: usize = free_b.iter().map(|&i| db[i]).product();
    let pa: Vec<i64> = free_a.iter().chain(&ca).map(|&i| i as i64).collect();
    let pb: Vec<i64> = cb.iter().chain(&free_b).map(|&i| i as i64).collect();
    // An unknown row count is left to the reshape, and so is that dimension of the result
    // (`out` has -1 there).
    let am = reshape(&transpose(a, Some(&pa)), [m.map_or(-1, |m| m as i64), k as i64]);
    let bm = reshape(&transpose(b, Some(&pb)), [k as i64, n as i64]);
    let out: Vec<i64> = free_a
        .iter()
        .map(|&i| da[i] as i64)
        .chain(free_b.iter().map(|&i| db[i] as i64))
        .collect();
    reshape(&matmul(&am, &bm), out)
}

/// `tf.einsum(equation, inputs)`: any number of operands, contracted left to right by
/// (batched) matrix products — transposes, sums, outer, inner, matrix and batched products
/// such as `"ij,jk->ik"`, `"bhqd,bhkd->bhqk"`, `"ij,jk,kl->il"`. `...` stands for the
/// leading dimensions, broadcast across operands as NumPy does (`"...ij,...jk->...ik"`); a
/// letter repeated inside an operand takes its diagonal (`"ii->i"`, `"ii->"` the trace).
/// Without `->` the output is the letters that appear once, in alphabetical order; as in
/// TensorFlow, dimensions under `...` then need an explicit output that names `...`.
///
/// # Panics
/// On a malformed equation or mismatched dimensions, naming them.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = tf::constant([[5.0f32, 6.0], [7.0, 8.0]]);
/// assert_eq!(tf::einsum("ij,jk->ik", &[&a, &b]).to_vec::<f32>(), tf::matmul(&a, &b).to_vec::<f32>());
/// assert_eq!(tf::einsum("ij->ji", &[&a]).to_vec::<f32>(), vec![1.0, 3.0, 2.0, 4.0]);
/// assert_eq!(tf::einsum("ii->", &[&a]).scalar::<f32>(), 5.0);
/// let batch = tf::reshape(&tf::range(8.0f32), [2, 2, 2]);
/// let c = tf::einsum("...ij,...jk->...ik", &[&batch, &a]);
/// assert_eq!(c.to_vec::<f32>(), vec![3.0, 4.0, 11.0, 16.0, 19.0, 28.0, 27.0, 40.0]);
/// ```
#[track_caller]
pub fn einsum(equation: &str, inputs: &[&Tensor]) -> Tensor {
    let eq: String = equation.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (eq.as_str(), None),
    };
    let terms: Vec<Term> = lhs.split(',').map(|t| Term::parse(t, equation)).collect();
    if terms.len() != inputs.len() {
        panic!(
            "Einsum: equation {equation:?} names {} operands but {} were given",
            terms.len(),
            inputs.len()
        );
    }
    // The dimensions under `...`, right-aligned across operands, each with a letter of its
    // own (outside ASCII) and its broadcast size.
    let ell_dims: Vec<usize> = terms.iter().zip(inputs).map(|(t, x)| t.ellipsis_rank(x.rank(), equation)).collect();
    let ell_rank = ell_dims.iter().copied().max().unwrap_or(0);
    let ell: Vec<char> = (0..ell_rank as u32)
        .map(|i| char::from_u32(0xE000 + i).expect("private-use char"))
        .collect();
    let mut ell_size = vec![1usize; ell_rank];
    for ((t, x), &r) in terms.iter().zip(inputs).zip(&ell_dims) {
        for (q, &d) in x.shape().dims()[t.before.len()..][..r].iter().enumerate() {
            let s = &mut ell_size[ell_rank - r + q];
            let unknown = crate::Shape::UNKNOWN;
            if d != 1 && *s != 1 && *s != d && d != unknown && *s != unknown {
                panic!("Einsum: the dimensions under `...` do not broadcast in {equation:?}: {s} and {d}");
            }
            if d != 1 && (*s == 1 || *s == unknown) {
                *s = d;
            }
        }
    }
    // Each operand as (letters, tensor): `...` spelled out and broadcast, diagonals taken.
    let mut dim_of = std::collections::BTreeMap::new();
    let mut ops: Vec<(Vec<char>, Tensor)> = Vec::with_capacity(inputs.len());
    for ((t, x), &r) in terms.iter().zip(inputs).zip(&ell_dims) {
        let letters: Vec<char> = [&t.before[..], &ell[ell_rank - r..], &t.after[..]].concat();
        let dims = x.shape().dims();
        // Size-1 dimensions under `...` grow to the broadcast size (where it is known).
        let mut full = dims.to_vec();
        for (f, &s) in full[t.before.len()..][..r].iter_mut().zip(&ell_size[ell_rank - r..]) {
            if *f == 1 && s != crate::Shape::UNKNOWN {
                *f = s;
            }
        }
        let x = if full != dims {
            super::array::broadcast_to(x, full.iter().map(|&d| d as i64).collect::<Vec<_>>())
        } else {
            (*x).clone()
        };
        for (&c, &d) in letters.iter().zip(&full) {
            // An unknown dimension (a traced batch) agrees with any size.
            let known = dim_of.entry(c).or_insert(d);
            if *known == crate::Shape::UNKNOWN {
                *known = d;
            } else if d != crate::Shape::UNKNOWN && *known != d {
                panic!("Einsum: letter {c:?} has sizes {known} and {d} in {equation:?}");
            }
        }
        ops.push(diagonals(letters, x, &dim_of));
    }
    let out: Vec<char> = match rhs {
        Some(r) => {
            let t = Term::parse(r, equation);
            let has_ellipsis = r.contains("...");
            [&t.before[..], if has_ellipsis { &ell[..] } else { &[] }, &t.after[..]].concat()
        }
        None => dim_of
            .keys()
            .copied()
            .filter(|c| c.is_ascii_alphabetic() && terms.iter().map(|t| t.count(*c)).sum::<usize>() == 1)
            .collect(),
    };
    let named = |c: &char| ell.contains(c) || dim_of.contains_key(c);
    if ell_rank > 0 && !out.contains(&ell[0]) {
        panic!("Einsum: output contains {ell_rank} broadcasting dimension(s) but no ellipsis (...) was supplied in {equation:?}");
    }
    for (i, c) in out.iter().enumerate() {
        if !named(c) {
            panic!("Einsum: output letter {c:?} does not appear in the inputs of {equation:?}");
        }
        if out[..i].contains(c) {
            panic!("Einsum: output subscripts contain a label appearing more than once: {equation:?}");
        }
    }
    // Contract left to right, keeping the letters the output or a later operand needs.
    let mut rest = ops.into_iter();
    let (mut letters, mut acc) = rest.next().expect("at least one operand");
    let later: Vec<Vec<char>> = rest.as_slice().iter().map(|(t, _)| t.clone()).collect();
    for (j, (tb, b)) in rest.enumerate() {
        let keep: Vec<char> = out.iter().chain(later[j + 1..].iter().flatten()).copied().collect();
        let (ta, a) = sum_private(&letters, &acc, &tb, &keep);
        let (tb, b) = sum_private(&tb, &b, &ta, &keep);
        (letters, acc) = contract(&ta, &a, &tb, &b, &keep, &dim_of);
    }
    let (letters, acc) = sum_private(&letters, &acc, &[], &out);
    permute_to(&letters, &out, &acc)
}

/// One operand's subscripts: the letters before and after its `...` (all of them in
/// `before` when it has none).
struct Term {
    before: Vec<char>,
    after: Vec<char>,
    ellipsis: bool,
}

impl Term {
    #[track_caller]
    fn parse(t: &str, equation: &str) -> Term {
        let (b, a, ellipsis) = match t.split_once("...") {
            Some((b, a)) => (b, a, true),
            None => (t, "", false),
        };
        for c in b.chars().chain(a.chars()) {
            if !c.is_ascii_alphabetic() {
                panic!("Einsum: unsupported subscript {c:?} in {equation:?} (letters and one `...` per operand)");
            }
        }
        Term {
            before: b.chars().collect(),
            after: a.chars().collect(),
            ellipsis,
        }
    }
    /// How many of a rank-`rank` operand's dimensions `...` stands for.
    #[track_caller]
    fn ellipsis_rank(&self, rank: usize, equation: &str) -> usize {
        let letters = self.before.len() + self.after.len();
        if rank < letters || (!self.ellipsis && rank != letters) {
            let s: String = self.before.iter().chain(&self.after).collect();
            panic!("Einsum: term {s:?} of {equation:?} has {letters} letters but its operand has rank {rank}");
        }
        rank - letters
    }
    fn count(&self, c: char) -> usize {
        self.before.iter().chain(&self.after).filter(|&&d| d == c).count()
    }
}

/// `x` with each letter repeated in `letters` reduced to its diagonal: the two axes move
/// last, merge, and every (n+1)-th value of the merged axis is gathered.
fn diagonals(mut letters: Vec<char>, mut x: Tensor, dim_of: &std::collections::BTreeMap<char, usize>) -> (Vec<char>, Tensor) {
    while let Some((p, q)) = (0..letters.len()).find_map(|p| letters[p + 1..].iter().position(|&c| c == letters[p]).map(|q| (p, p + 1 + q)))
    {
        let c = letters[p];
        let n = dim_of[&c];
        let others: Vec<usize> = (0..letters.len()).filter(|&i| i != p && i != q).collect();
        let perm: Vec<i64> = others.iter().chain([&p, &q]).map(|&i| i as i64).collect();
        let mut shape: Vec<i64> = others.iter().map(|&i| reshape_dim(dim_of[&letters[i]])).collect();
        shape.push((n * n) as i64);
        let flat = reshape(&transpose(&x, Some(&perm)), shape);
        let picks: Vec<i64> = (0..n).map(|i| (i * (n + 1)) as i64).collect();
        x = super::array::gather(&flat, &super::create::constant(picks), -1);
        letters = others.iter().map(|&i| letters[i]).chain([c]).collect();
    }
    (letters, x)
}

/// A dimension as a reshape takes it: -1 for an unknown one.
fn reshape_dim(d: usize) -> i64 {
    if d == crate::Shape::UNKNOWN {
        -1
    } else {
        d as i64
    }
}

/// `x` (subscripts `t`) with the letters that are neither in `other` nor in `keep` summed away.
fn sum_private(t: &[char], x: &Tensor, other: &[char], keep: &[char]) -> (Vec<char>, Tensor) {
    let needed = |c: &char| keep.contains(c) || other.contains(c);
    let drop: Vec<i64> = t.iter().enumerate().filter(|(_, c)| !needed(c)).map(|(i, _)| i as i64).collect();
    let kept: Vec<char> = t.iter().copied().filter(needed).collect();
    let y = if drop.is_empty() { x.clone() } else { reduce_sum(x, drop, false) };
    (kept, y)
}

/// `x` (subscripts `have`) transposed to the order `want` (the same letters).
fn permute_to(have: &[char], want: &[char], x: &Tensor) -> Tensor {
    let perm: Vec<i64> = want
        .iter()
        .map(|c| have.iter().position(|d| d == c).expect("letter present") as i64)
        .collect();
    if perm.iter().enumerate().all(|(i, &p)| i as i64 == p) {
        x.clone()
    } else {
        transpose(x, Some(&perm))
    }
}

/// The product of `a` and `b` (no private letters left) as one batched matmul: letters in
/// both and in `keep` are the batch, letters in both and not kept are contracted. The
/// result's letters: batch, then `a`'s own, then `b`'s own.
fn contract(
    ta: &[char],
    a: &Tensor,
    tb: &[char],
    b: &Tensor,
    keep: &[char],
    dim_of: &std::collections::BTreeMap<char, usize>,
) -> (Vec<char>, Tensor) {
    let batch: Vec<char> = ta.iter().copied().filter(|c| tb.contains(c) && keep.contains(c)).collect();
    let contracted: Vec<char> = ta.iter().copied().filter(|c| tb.contains(c) && !keep.contains(c)).collect();
    let a_free: Vec<char> = ta.iter().copied().filter(|c| !tb.contains(c)).collect();
    let b_free: Vec<char> = tb.iter().copied().filter(|c| !ta.contains(c)).collect();
    // A group holding an unknown dimension (a traced batch) is left to the reshape.
    let size = |cs: &[char]| {
        reshape_dim(
            cs.iter()
                .try_fold(1usize, |p, c| (dim_of[c] != crate::Shape::UNKNOWN).then(|| p * dim_of[c]))
                .unwrap_or(crate::Shape::UNKNOWN),
        )
    };
    let (nb, m, k, n) = (size(&batch), size(&a_free), size(&contracted), size(&b_free));
    let a3 = reshape(&permute_to(ta, &[&batch[..], &a_free, &contracted].concat(), a), [nb, m, k]);
    let b3 = reshape(&permute_to(tb, &[&batch[..], &contracted, &b_free].concat(), b), [nb, k, n]);
    let letters = [batch, a_free, b_free].concat();
    let dims: Vec<i64> = letters.iter().map(|c| reshape_dim(dim_of[c])).collect();
    (letters, reshape(&matmul(&a3, &b3), dims))
}

/// The `ord` of [`norm`]: `"euclidean"` (or `"fro"`), or a number: 1, 2, `f64::INFINITY` or
/// any p ≥ 1 over one axis (a vector norm); 1, `"fro"`/`"euclidean"` or `f64::INFINITY`
/// over two axes (a matrix norm).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// `"euclidean"` / `"fro"`: the square root of the sum of squares.
    Euclidean,
    /// A p-norm.
    P(f64),
}

impl From<&str> for NormOrd {
    #[track_caller]
    fn from(s: &str) -> NormOrd {
        match s {
            "euclidean" | "fro" => NormOrd::Euclidean,
            _ => panic!("Norm: ord must be \"euclidean\", \"fro\" or a number, got {s:?}"),
        }
    }
}
impl From<f64> for NormOrd {
    fn from(p: f64) -> NormOrd {
        NormOrd::P(p)
    }
}
impl From<i32> for NormOrd {
    fn from(p: i32) -> NormOrd {
        NormOrd::P(p as f64)
    }
}

/// `tf.norm(tensor, ord, axis, keepdims)` (also `tf.linalg.norm`): a vector norm over one
/// axis or all values (`axis = None`), or a matrix norm over two axes.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[3.0f32, -4.0], [0.0, 12.0]]);
/// assert_eq!(tf::norm(&x, "euclidean", None, false).scalar::<f32>(), 13.0);
/// assert_eq!(tf::norm(&x, "euclidean", 1, false).to_vec::<f32>(), vec![5.0, 12.0]);
/// assert_eq!(tf::norm(&x, 1, -1, false).to_vec::<f32>(), vec![7.0, 12.0]);
/// assert_eq!(tf::norm(&x, f64::INFINITY, 0, false).to_vec::<f32>(), vec![3.0, 12.0]);
/// // Matrix norms: the largest column sum, the largest row sum.
/// assert_eq!(tf::norm(&x, 1, [0, 1], false).scalar::<f32>(), 16.0);
/// assert_eq!(tf::norm(&x, f64::INFINITY, [0, 1], false).scalar::<f32>(), 12.0);
/// ```
///
/// # Panics
/// On an `ord` of 0 or below, a matrix `ord` other than 1, inf and `"fro"` (TensorFlow's
/// spectral 2-norm needs an SVD, not here), or more than two axes.
#[track_caller]
pub fn norm(x: &Tensor, ord: impl Into<NormOrd>, axis: impl Into<super::Axes>, keepdims: bool) -> Tensor {
    use super::math::{abs, pow, reduce_max, sqrt};
    let ord = ord.into();
    let axes = axis.into();
    let n_axes = axes.0.as_ref().map_or(1, Vec::len);
    let a = abs(x);
    match (ord, n_axes) {
        (NormOrd::Euclidean, 1 | 2) | (NormOrd::P(2.0), 1) => sqrt(&reduce_sum(&(x * x), axes, keepdims)),
        (NormOrd::P(1.0), 1) => reduce_sum(&a, axes, keepdims),
        (NormOrd::P(p), 1) if p == f64::INFINITY => reduce_max(&a, axes, keepdims),
        (NormOrd::P(p), 1) if p > 0.0 => {
            let s = reduce_sum(&pow(&a, &super::scalar(p, x.dtype())), axes, keepdims);
            pow(&s, &super::scalar(1.0 / p, x.dtype()))
        }
        (NormOrd::P(p), 2) if p == 1.0 || p == f64::INFINITY => {
            let v = axes.0.clone().unwrap_or_default();
            // Ord 1 sums down the rows (axis v[0]) and takes the largest column; inf the reverse.
            let (sum_axis, max_axis) = if p == 1.0 { (v[0], v[1]) } else { (v[1], v[0]) };
            let sums = reduce_sum(&a, sum_axis, true);
            let m = reduce_max(&sums, max_axis, true);
            if keepdims {
                m
            } else {
                super::array::squeeze(&m, &v)
            }
        }
        _ => panic!("Norm: unsupported ord {ord:?} over {n_axes} axes (1, 2, inf or p > 0 for a vector; 1, inf or 'fro' for a matrix)"),
    }
}

/// `tf.linalg.diag(v)`: `[..., n]` diagonals as `[..., n, n]` matrices.
///
/// ```
/// use tf_core as tf;
/// let d = tf::linalg::diag(&tf::constant([1.0f32, 2.0]));
/// assert_eq!(d.to_vec::<f32>(), vec![1.0, 0.0, 0.0, 2.0]);
/// ```
#[track_caller]
pub fn diag(v: &Tensor) -> Tensor {
    let n = v
        .shape()
        .dims()
        .last()
        .copied()
        .unwrap_or_else(|| panic!("diag: a diagonal must have rank >= 1"));
    &super::array::expand_dims(v, -1) * &super::create::eye(n, None, v.dtype())
}

/// `tf.linalg.diag_part(x)`: the main diagonals of `[..., n, n]` matrices.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(tf::linalg::diag_part(&x).to_vec::<f32>(), vec![1.0, 4.0]);
/// ```
#[track_caller]
pub fn diag_part(x: &Tensor) -> Tensor {
    einsum("...ii->...i", &[x])
}

/// `tf.linalg.trace(x)`: the sums of the main diagonals of `[..., n, n]` matrices.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(tf::linalg::trace(&x).scalar::<f32>(), 5.0);
/// ```
#[track_caller]
pub fn trace(x: &Tensor) -> Tensor {
    einsum("...ii->...", &[x])
}

/// `tf.linalg.matvec(a, b)`: matrices `[..., m, n]` times vectors `[..., n]`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = tf::constant([1.0f32, -1.0]);
/// assert_eq!(tf::linalg::matvec(&a, &b).to_vec::<f32>(), vec![-1.0, -1.0]);
/// ```
#[track_caller]
pub fn matvec(a: &Tensor, b: &Tensor) -> Tensor {
    super::array::squeeze(&matmul(a, &super::array::expand_dims(b, -1)), &[-1])
}

/// `tf.linalg.inv(a)`: the inverse of each matrix of `a` (`[..., n, n]`, float).
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[4.0f64, 7.0], [2.0, 6.0]]);
/// let inv = tf::linalg::inv(&a);
/// tf::debugging::assert_near(&inv, &tf::constant([[0.6f64, -0.7], [-0.2, 0.4]]), None, None).unwrap();
/// ```
///
/// # Panics
/// For a singular matrix ("Input is not invertible."), or an input that is not a batch of
/// square float matrices.
#[track_caller]
pub fn inv(a: &Tensor) -> Tensor {
    run(&crate::ops::matrix::MATRIX_INVERSE, &[a], Attrs::new())
}

/// `tf.linalg.det(a)`: the determinant of each matrix of `a` (`[..., n, n]` to `[...]`).
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[[1.0f32, 2.0], [3.0, 4.0]], [[2.0, 0.0], [0.0, 3.0]]]);
/// tf::debugging::assert_near(&tf::linalg::det(&a), &tf::constant([-2.0f32, 6.0]), None, None).unwrap();
/// ```
#[track_caller]
pub fn det(a: &Tensor) -> Tensor {
    run(&crate::ops::matrix::MATRIX_DETERMINANT, &[a], Attrs::new())
}

/// `tf.linalg.slogdet(a)`: the sign of each matrix's determinant and the log of its absolute
/// value (stable where the determinant over- or underflows); a singular matrix gives sign 0
/// and `-inf`.
///
/// ```
/// use tf_core as tf;
/// let (sign, log_abs) = tf::linalg::slogdet(&tf::constant([[1.0f64, 2.0], [3.0, 4.0]]));
/// assert_eq!(sign.scalar::<f64>(), -1.0);
/// assert!((log_abs.scalar::<f64>() - 2f64.ln()).abs() < 1e-12);
/// ```
#[track_caller]
pub fn slogdet(a: &Tensor) -> (Tensor, Tensor) {
    let mut out = crate::ops::execute(&crate::ops::matrix::LOG_MATRIX_DETERMINANT, &[a], &Attrs::new()).into_iter();
    let sign = out.next().expect("sign");
    (sign, out.next().expect("log_abs_determinant"))
}

/// `tf.linalg.solve(matrix, rhs, adjoint)`: `x` with `matrix x = rhs` (`matrix^T x = rhs`
/// with `adjoint`) for each `[..., n, n]` matrix and its `[..., n, k]` right-hand sides.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[3.0f64, 1.0], [1.0, 2.0]]);
/// let x = tf::linalg::solve(&a, &tf::constant([[9.0f64], [8.0]]), false);
/// tf::debugging::assert_near(&x, &tf::constant([[2.0f64], [3.0]]), None, None).unwrap();
/// ```
///
/// # Panics
/// For a singular matrix ("Input matrix is not invertible."), or mismatched shapes.
#[track_caller]
pub fn solve(matrix: &Tensor, rhs: &Tensor, adjoint: bool) -> Tensor {
    run(
        &crate::ops::matrix::MATRIX_SOLVE,
        &[matrix, rhs],
        Attrs::new().flag("adjoint", adjoint),
    )
}

/// `tf.linalg.cholesky(a)`: the lower-triangular `L` with `L Lᵀ = a` of each symmetric
/// positive-definite matrix (of a non-symmetric one, its symmetric part's; TensorFlow reads
/// the lower triangle).
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[4.0f64, 2.0], [2.0, 5.0]]);
/// tf::debugging::assert_near(&tf::linalg::cholesky(&a), &tf::constant([[2.0f64, 0.0], [1.0, 2.0]]), None, None).unwrap();
/// ```
///
/// # Panics
/// For a matrix that is not positive definite ("Cholesky decomposition was not successful.").
#[track_caller]
pub fn cholesky(a: &Tensor) -> Tensor {
    run(&crate::ops::triangular::CHOLESKY, &[a], Attrs::new())
}

/// `tf.linalg.triangular_solve(matrix, rhs, lower, adjoint)`: `x` with `matrix x = rhs`
/// (`matrix^T x = rhs` with `adjoint`), reading only the `lower` (or upper) triangle of each
/// `[..., n, n]` matrix; `rhs` is `[..., n, k]` with the same batch.
///
/// ```
/// use tf_core as tf;
/// let l = tf::constant([[2.0f64, 0.0], [1.0, 2.0]]);
/// let x = tf::linalg::triangular_solve(&l, &tf::constant([[4.0f64], [6.0]]), true, false);
/// tf::debugging::assert_near(&x, &tf::constant([[2.0f64], [2.0]]), None, None).unwrap();
/// ```
#[track_caller]
pub fn triangular_solve(matrix: &Tensor, rhs: &Tensor, lower: bool, adjoint: bool) -> Tensor {
    let attrs = Attrs::new().flag("lower", lower).flag("adjoint", adjoint);
    run(&crate::ops::triangular::MATRIX_TRIANGULAR_SOLVE, &[matrix, rhs], attrs)
}

/// `tf.linalg.cholesky_solve(chol, rhs)`: `x` with `A x = rhs`, given `chol = cholesky(A)`.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[4.0f64, 2.0], [2.0, 5.0]]);
/// let x = tf::linalg::cholesky_solve(&tf::linalg::cholesky(&a), &tf::constant([[6.0f64], [7.0]]));
/// tf::debugging::assert_near(&x, &tf::constant([[1.0f64], [1.0]]), None, None).unwrap();
/// ```
#[track_caller]
pub fn cholesky_solve(chol: &Tensor, rhs: &Tensor) -> Tensor {
    triangular_solve(chol, &triangular_solve(chol, rhs, true, false), true, true)
}

/// `tf.linalg.matrix_transpose(x)` (`tf.linalg.adjoint` of real matrices): each matrix of
/// `x` (`[..., m, n]`) transposed.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1, 2, 3], [4, 5, 6]]);
/// assert_eq!(tf::linalg::matrix_transpose(&x).to_vec::<i32>(), vec![1, 4, 2, 5, 3, 6]);
/// ```
///
/// # Panics
/// For a tensor of rank below 2.
#[track_caller]
pub fn matrix_transpose(x: &Tensor) -> Tensor {
    let r = x.rank();
    assert!(r >= 2, "matrix_transpose needs a tensor of rank 2 or more, got shape {}", x.shape());
    let mut perm: Vec<i64> = (0..r as i64).collect();
    perm.swap(r - 2, r - 1);
    transpose(x, Some(&perm))
}

/// `tf.linalg.band_part(x, num_lower, num_upper)`: each matrix of `x` with the entries more
/// than `num_lower` below or `num_upper` above the diagonal set to zero (`None`: keep the
/// whole triangle) — `band_part(x, None, Some(0))` is the lower triangle.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]);
/// assert_eq!(tf::linalg::band_part(&x, Some(0), None).to_vec::<f32>(), vec![1., 2., 3., 0., 5., 6., 0., 0., 9.]);
/// assert_eq!(tf::linalg::band_part(&x, Some(1), Some(0)).to_vec::<f32>(), vec![1., 0., 0., 4., 5., 0., 0., 8., 9.]);
/// ```
///
/// # Panics
/// For a tensor of rank below 2 or with unknown matrix dimensions.
#[track_caller]
pub fn band_part(x: &Tensor, num_lower: Option<usize>, num_upper: Option<usize>) -> Tensor {
    let d = x.shape().dims();
    assert!(
        d.len() >= 2 && x.shape().dim(d.len() - 1).is_some() && x.shape().dim(d.len() - 2).is_some(),
        "band_part needs matrices [..., m, n] of known size, got shape {}",
        x.shape()
    );
    let (m, n) = (d[d.len() - 2], d[d.len() - 1]);
    let keep: Vec<bool> = (0..m * n)
        .map(|k| {
            let (i, j) = ((k / n) as i64, (k % n) as i64);
            num_lower.is_none_or(|l| i - j <= l as i64) && num_upper.is_none_or(|u| j - i <= u as i64)
        })
        .collect();
    let mask = Tensor::from_vec(keep, [m, n]).expect("m x n");
    crate::where_(&mask, x, &crate::zeros_like(x))
}

/// `tf.linalg.logdet(a)`: the log determinant of each symmetric positive-definite matrix,
/// as twice the sum of the log diagonal of its Cholesky factor.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[4.0f64, 2.0], [2.0, 5.0]]);
/// assert!((tf::linalg::logdet(&a).scalar::<f64>() - 16f64.ln()).abs() < 1e-12);
/// ```
///
/// # Panics
/// As [`cholesky`].
#[track_caller]
pub fn logdet(a: &Tensor) -> Tensor {
    let diag = diag_part(&cholesky(a));
    &reduce_sum(&crate::log(&diag), Some(-1), false) * 2.0
}
