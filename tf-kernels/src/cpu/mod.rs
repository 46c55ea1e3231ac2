//! CPU kernels and the one thread pool they share.

pub mod conv;
pub mod elementwise;
pub mod gemm;
pub mod movement;
mod pool;
pub mod recycle;
pub mod reduce;
pub mod winograd;

/// Elements below which an elementwise or reduction kernel stays on one thread: waking the
/// second core costs a few microseconds, which only pays for large buffers.
pub const PARALLEL_MIN_ELEMS: usize = 1 << 16;

/// Number of threads the kernels use (`TF_NUM_THREADS`, default: the number of cores).
pub fn num_threads() -> usize {
    pool::pool().threads()
}

pub use pool::Background;

/// Hands `task` to the pool's idle workers, which run slices of it between jobs (stopping at
/// every op boundary, [`help`], for the tasks of a job published meanwhile) while it says it
/// wants more, and again after [`background_wanted`]. The pool keeps only a weak reference:
/// dropping the task's last `Arc` withdraws it. Returns false, registering nothing, when the
/// pool has no workers (`TF_NUM_THREADS=1`): the task's owner then does the work itself.
pub fn add_background(task: std::sync::Weak<dyn Background>) -> bool {
    pool::add_background(task)
}

/// Says that registered background work wants slices again (a consumer made room in a
/// prefetch buffer), waking a parked worker.
pub fn background_wanted() {
    pool::background_wanted();
}

/// Whether this thread is one of the pool's workers: background work that waits for other
/// background work must do that work itself here instead (the worker it would wait for may
/// be this one).
pub fn in_worker() -> bool {
    pool::in_worker()
}

/// An op boundary: in a worker's background slice, runs the tasks of a kernel job that its
/// caller has published and not yet taken; elsewhere a thread-local read. The op dispatch
/// point calls it before every op.
#[inline]
pub fn help() {
    pool::help();
}

/// Asks the cache for the memory of `data` ahead of its use, without waiting for it: a hint
/// that costs a few cycles a cache line and changes no result. Used where the next reads are
/// known early but land far apart (a shuffled dataset's next row).
#[inline]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let (p, bytes) = (data.as_ptr() as *const i8, std::mem::size_of_val(data));
        for off in (0..bytes).step_by(64) {
            // SAFETY: a prefetch reads nothing architecturally and cannot fault; `p + off`
            // stays inside `data`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(off)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Runs `f(i)` for `i in 0..n` on the pool's threads and the caller's.
pub fn parallel_for(n: usize, f: impl Fn(usize) + Sync) {
    pool::pool().run(n, &f);
}

/// Runs `a` and `b` at once on the pool (one on the caller, one on a worker when one is
/// free) and returns both results; kernels they call run their parallel loops inline. A
/// panic in either is raised again here, with its message.
pub fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    type Slot<F, R> = std::sync::Mutex<(Option<F>, Option<std::thread::Result<R>>)>;
    let sa: Slot<_, A> = std::sync::Mutex::new((Some(a), None));
    let sb: Slot<_, B> = std::sync::Mutex::new((Some(b), None));
    fn go<F: FnOnce() -> R, R>(slot: &Slot<F, R>) {
        let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = s.0.take() {
            s.1 = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        }
    }
    // The halves run arbitrary code that may read its thread's state: not in a background
    // slice (`help`).
    pool::pool().run_with(2, &|i| if i == 0 { go(&sa) } else { go(&sb) }, false);
    fn take<R>(r: Option<std::thread::Result<R>>) -> R {
        match r.expect("both halves ran") {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        }
    }
    let (ra, rb) = (
        sa.into_inner().unwrap_or_else(|p| p.into_inner()).1,
        sb.into_inner().unwrap_or_else(|p| p.into_inner()).1,
    );
    (take(ra), take(rb))
}

/// Splits `len` items into at most `parts` contiguous ranges whose starts are multiples of
/// `align` (the last range takes the remainder).
pub fn split_range(len: usize, parts: usize, align: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.max(1);
    let chunk = len.div_ceil(parts).div_ceil(align) * align;
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    while start < len {
        let end = (start + chunk.max(align)).min(len);
        out.push(start..end);
        start = end;
    }
    out
}

/// A raw pointer that may be shared across the pool's threads because every thread writes a
/// disjoint range of it.
pub(crate) struct SendPtr<T>(pub *mut T);

impl<T> Clone for SendPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The pointer (a method, so closures capture the whole `Sync` wrapper).
    #[inline]
    pub fn get(self) -> *mut T {
        self.0
    }
}
// SAFETY: users of SendPtr only write disjoint index ranges from different threads, and the
// pointee outlives the parallel scope that uses it.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_range_covers_everything_aligned() {
        let r = split_range(100, 2, 16);
        assert_eq!(r, vec![0..64, 64..100]);
        let r = split_range(10, 4, 1);
        assert_eq!(r.iter().map(|r| r.len()).sum::<usize>(), 10);
        assert!(split_range(0, 2, 1).is_empty());
    }

    #[test]
    fn join_runs_both_and_nested_loops_run_inline() {
        let (a, b) = join(
            || {
                let hits = std::sync::atomic::AtomicUsize::new(0);
                parallel_for(5, |_| {
                    hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                });
                hits.into_inner()
            },
            || (0..10).sum::<i32>(),
        );
        assert_eq!((a, b), (5, 45));
        let p = std::panic::catch_unwind(|| join(|| 1, || -> i32 { panic!("the second half: boom") })).expect_err("panics");
        assert_eq!(p.downcast_ref::<&str>(), Some(&"the second half: boom"));
    }

    #[test]
    fn parallel_for_visits_each_index_once() {
        let hits: Vec<std::sync::atomic::AtomicUsize> = (0..7).map(|_| Default::default()).collect();
        parallel_for(7, |i| {
            hits[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert!(hits.iter().all(|h| h.load(std::sync::atomic::Ordering::Relaxed) == 1));
    }
}
