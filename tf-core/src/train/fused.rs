//! Fused, in-place variable updates for optimizers (the role of TensorFlow's
//! `ResourceApply*` kernels).

use crate::{Tensor, Variable};

/// Below this many elements one thread does the update.
const PARALLEL_MIN: usize = 1 << 15;

/// A buffer pointer shared by the threads of one update, each writing its own index range.
#[derive(Clone, Copy)]
struct Ptr(*mut f32);
impl Ptr {
    /// The pointer (a method, so closures capture the whole `Sync` wrapper).
    fn get(self) -> *mut f32 {
        self.0
    }
}
// SAFETY: threads write disjoint ranges; the buffers outlive the parallel scope.
unsafe impl Send for Ptr {}
// SAFETY: as above.
unsafe impl Sync for Ptr {}

/// Updates `N` float32 variables of one shape together, element by element and in place:
/// for every index `i`, `f(&mut [v0[i], v1[i], ...], grad[i])` and the values are written
/// back (an optimizer step such as Adam's `[var, m, v]` in one pass over memory).
///
/// Returns `false` without doing anything when it does not apply — a variable or the gradient
/// is not float32 or has another shape, or a `tf.function` is being traced — so callers fall
/// back to composite ops. A variable whose buffer is shared with a live snapshot gets a fresh
/// buffer first (the snapshot keeps the old values).
///
/// ```
/// use tf_core as tf;
/// let w = tf::Variable::new(tf::constant([1.0f32, 2.0]));
/// let g = tf::constant([0.5f32, 0.5]);
/// assert!(tf::train::fused_update([&w], &g, |[w], g| *w -= 0.1 * g));
/// assert_eq!(w.value().to_vec::<f32>(), vec![0.95, 1.95]);
/// ```
pub fn fused_update<const N: usize>(vars: [&Variable; N], grad: &Tensor, f: impl Fn(&mut [f32; N], f32) + Sync) -> bool {
    if grad.is_symbolic() || grad.dtype() != crate::DType::F32 {
        return false;
    }
    let g = grad.data::<f32>();
    // SAFETY: the runs are the disjoint parts of one split.
    unsafe {
        fused_update_with(vars, grad.shape(), f, |apply| {
            let n = g.len();
            if n < PARALLEL_MIN {
                apply(0, g);
            } else {
                let parts = tf_kernels::cpu::split_range(n, tf_kernels::cpu::num_threads(), 16);
                tf_kernels::cpu::parallel_for(parts.len(), |p| apply(parts[p].start, &g[parts[p].clone()]));
            }
        })
    }
}

/// [`fused_update`] with a gradient of shape `shape` that `grad` makes piece by piece: it is
/// given `apply`, and calls `apply(start, values)` once for each run of the gradient's
/// values (row-major, from index `start`; the runs covering it all, on any threads), which
/// updates those elements while the values are in cache — a weight gradient applied block
/// by block as a GEMM makes it, never written whole
/// ([`sgemm_rows_then`](tf_kernels::cpu::gemm::sgemm_rows_then)). Returns `false` without
/// calling `grad` where [`fused_update`] would.
///
/// # Safety
/// Runs that `grad` hands to `apply` at the same time (from different threads) must not
/// overlap: each call writes its elements of the variables.
pub(crate) unsafe fn fused_update_with<const N: usize>(
    vars: [&Variable; N],
    shape: &crate::Shape,
    f: impl Fn(&mut [f32; N], f32) + Sync,
    grad: impl FnOnce(&(dyn Fn(usize, &[f32]) + Sync)),
) -> bool {
    if crate::graph::trace::tracing() {
        return false;
    }
    let mut guards: Vec<_> = vars.iter().map(|v| v.write_slot()).collect();
    if guards
        .iter()
        .any(|t| t.dtype() != crate::DType::F32 || t.shape() != shape || t.is_symbolic())
    {
        return false;
    }
    let mut ptrs: [Ptr; N] = [Ptr(std::ptr::null_mut()); N];
    for (k, t) in guards.iter_mut().enumerate() {
        let d = t.f32_mut().expect("checked: float32 host tensors");
        ptrs[k] = Ptr(d.as_mut_ptr());
    }
    let len = shape.num_elements();
    // Blocks of 16 held in fixed-size arrays, so the element function vectorizes.
    const B: usize = 16;
    let apply = |lo: usize, g: &[f32]| {
        assert!(lo + g.len() <= len, "fused_update_with: values {lo}..{} of {len}", lo + g.len());
        // SAFETY: each pointer addresses a distinct buffer of `len` elements held
        // exclusively through the write guards (checked above); callers give disjoint runs.
        let bufs: [&mut [f32]; N] = std::array::from_fn(|k| unsafe { std::slice::from_raw_parts_mut(ptrs[k].get().add(lo), g.len()) });
        let mut i = 0;
        while i + B <= g.len() {
            let mut w: [[f32; B]; N] = [[0.0; B]; N];
            for k in 0..N {
                w[k].copy_from_slice(&bufs[k][i..i + B]);
            }
            let gb: &[f32; B] = g[i..i + B].try_into().expect("a block");
            for j in 0..B {
                let mut e: [f32; N] = std::array::from_fn(|k| w[k][j]);
                f(&mut e, gb[j]);
                for k in 0..N {
                    w[k][j] = e[k];
                }
            }
            for k in 0..N {
                bufs[k][i..i + B].copy_from_slice(&w[k]);
            }
            i += B;
        }
        for j in i..g.len() {
            let mut e: [f32; N] = std::array::from_fn(|k| bufs[k][j]);
            f(&mut e, g[j]);
            for k in 0..N {
                bufs[k][j] = e[k];
            }
        }
    };
    grad(&apply);
    true
}

/// The new `(var, m, v)` of one Adam step in one pass (the `AdamUpdate` op), for a traced
/// update that assigns them: `alpha` is the bias-corrected learning rate, then `1 - β1`,
/// `1 - β2` and `ε`, scalars of the variable's dtype. Eagerly, [`fused_update`] with
/// [`crate::ops::optim::adam`] does the same in place.
///
/// ```
/// use tf_core as tf;
/// let s = |v: f32| tf::constant(v);
/// let (w, m, v) = tf::train::adam_update(
///     &tf::constant([1.0f32]), &tf::constant([0.0f32]), &tf::constant([0.0f32]), &tf::constant([2.0f32]),
///     &s(0.1), &s(0.1), &s(0.001), &s(1e-7),
/// );
/// assert_eq!(m.to_vec::<f32>(), vec![0.2]);
/// assert!((v.to_vec::<f32>()[0] - 0.004).abs() < 1e-9);
/// assert!(w.to_vec::<f32>()[0] < 1.0);
/// ```
#[allow(clippy::too_many_arguments)]
#[track_caller]
pub fn adam_update(
    var: &Tensor,
    m: &Tensor,
    v: &Tensor,
    grad: &Tensor,
    alpha: &Tensor,
    one_minus_beta_1: &Tensor,
    one_minus_beta_2: &Tensor,
    epsilon: &Tensor,
) -> (Tensor, Tensor, Tensor) {
    let ins = [var, m, v, grad, alpha, one_minus_beta_1, one_minus_beta_2, epsilon];
    let mut out = crate::ops::execute(&crate::ops::optim::ADAM_UPDATE, &ins, &crate::ops::Attrs::new()).into_iter();
    let mut next = || out.next().expect("AdamUpdate has three outputs");
    (next(), next(), next())
}
