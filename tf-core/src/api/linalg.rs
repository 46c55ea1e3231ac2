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

/// `tf.einsum(equation, inputs)` for one or two operands without repeated letters inside an
/// operand: transposes, sums, outer, inner, matrix and batched matrix products, e.g.
/// `"ij,jk->ik"`, `"bij,bjk->bik"`, `"i,i->"`, `"ij->ji"`, `"ij->"`. The output may be
/// implicit (letters appearing once, alphabetically).
///
/// # Panics
/// On a malformed equation, an unsupported form, or mismatched dimensions.
///
/// ```
/// use tf_core as tf;
/// let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// let b = tf::constant([[5.0f32, 6.0], [7.0, 8.0]]);
/// assert_eq!(tf::einsum("ij,jk->ik", &[&a, &b]).to_vec::<f32>(), tf::matmul(&a, &b).to_vec::<f32>());
/// assert_eq!(tf::einsum("ij->ji", &[&a]).to_vec::<f32>(), vec![1.0, 3.0, 2.0, 4.0]);
/// ```
#[track_caller]
pub fn einsum(equation: &str, inputs: &[&Tensor]) -> Tensor {
    let eq: String = equation.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l.to_string(), Some(r.to_string())),
        None => (eq.clone(), None),
    };
    let terms: Vec<Vec<char>> = lhs.split(',').map(|t| t.chars().collect()).collect();
    if terms.len() != inputs.len() || !(1..=2).contains(&terms.len()) {
        panic!(
            "Einsum: equation {equation:?} names {} operands but {} were given (1 or 2 supported)",
            terms.len(),
            inputs.len()
        );
    }
    let mut dim_of = std::collections::BTreeMap::new();
    for (t, x) in terms.iter().zip(inputs) {
        if t.len() != x.rank() {
            panic!(
                "Einsum: term {:?} has {} letters but its operand has rank {}",
                t.iter().collect::<String>(),
                t.len(),
                x.rank()
            );
        }
        for (q, &c) in t.iter().enumerate() {
            if !c.is_ascii_alphabetic() || t.iter().filter(|&&d| d == c).count() > 1 {
                panic!("Einsum: unsupported subscript {c:?} in {equation:?} (letters only, no repeats within an operand)");
            }
            let d = x.shape().dims()[q];
            if *dim_of.entry(c).or_insert(d) != d {
                panic!("Einsum: letter {c:?} has sizes {} and {d} in {equation:?}", dim_of[&c]);
            }
        }
    }
    let out: Vec<char> = match rhs {
        Some(r) => r.chars().collect(),
        None => dim_of
            .keys()
            .copied()
            .filter(|c| terms.iter().flatten().filter(|&&d| d == *c).count() == 1)
            .collect(),
    };
    for c in &out {
        if !dim_of.contains_key(c) {
            panic!("Einsum: output letter {c:?} does not appear in the inputs of {equation:?}");
        }
    }
    // Sum away the letters of each operand that appear nowhere else.
    let reduce_private = |t: &[char], x: &Tensor, other: &[char]| -> (Vec<char>, Tensor) {
        let drop: Vec<i64> = t
            .iter()
            .enumerate()
            .filter(|(_, c)| !out.contains(c) && !other.contains(c))
            .map(|(i, _)| i as i64)
            .collect();
        let kept: Vec<char> = t.iter().copied().filter(|c| out.contains(c) || other.contains(c)).collect();
        let y = if drop.is_empty() { x.clone() } else { reduce_sum(x, drop, false) };
        (kept, y)
    };
    let permute_to = |have: &[char], want: &[char], x: &Tensor| -> Tensor {
        let perm: Vec<i64> = want
            .iter()
            .map(|c| have.iter().position(|d| d == c).expect("letter present") as i64)
            .collect();
        if perm.iter().enumerate().all(|(i, &p)| i as i64 == p) {
            x.clone()
        } else {
            transpose(x, Some(&perm))
        }
    };
    if inputs.len() == 1 {
        let (kept, y) = reduce_private(&terms[0], inputs[0], &[]);
        return permute_to(&kept, &out, &y);
    }
    let (ta, a) = reduce_private(&terms[0], inputs[0], &terms[1]);
    let (tb, b) = reduce_private(&terms[1], inputs[1], &terms[0]);
    let batch: Vec<char> = ta.iter().copied().filter(|c| tb.contains(c) && out.contains(c)).collect();
    let contract: Vec<char> = ta.iter().copied().filter(|c| tb.contains(c) && !out.contains(c)).collect();
    let a_free: Vec<char> = ta.iter().copied().filter(|c| !tb.contains(c)).collect();
    let b_free: Vec<char> = tb.iter().copied().filter(|c| !ta.contains(c)).collect();
    let size = |cs: &[char]| cs.iter().map(|c| dim_of[c]).product::<usize>() as i64;
    let (nb, m, k, n) = (size(&batch), size(&a_free), size(&contract), size(&b_free));
    let a3 = reshape(
        &permute_to(&ta, &[batch.clone(), a_free.clone(), contract.clone()].concat(), &a),
        [nb, m, k],
    );
    let b3 = reshape(
        &permute_to(&tb, &[batch.clone(), contract.clone(), b_free.clone()].concat(), &b),
        [nb, k, n],
    );
    let prod_letters = [batch, a_free, b_free].concat();
    let prod_dims: Vec<i64> = prod_letters.iter().map(|c| dim_of[c] as i64).collect();
    let prod = reshape(&matmul(&a3, &b3), prod_dims);
    permute_to(&prod_letters, &out, &prod)
}
