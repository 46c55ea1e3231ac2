//! `tf.config`: the runtime's switches, in one place.

/// `tf.config.threading`: how many threads the runtime uses.
pub mod threading {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static INTER_OP: AtomicUsize = AtomicUsize::new(0);

    /// `tf.config.threading.set_inter_op_parallelism_threads(n)`: how many independent ops of
    /// a graph function may run at once. `1` runs them one after another; `0` (the default)
    /// lets the runtime choose (two at once, when both are large enough to pay for it).
    ///
    /// ```
    /// use tf_core as tf;
    /// tf::config::threading::set_inter_op_parallelism_threads(1);
    /// assert_eq!(tf::config::threading::get_inter_op_parallelism_threads(), 1);
    /// tf::config::threading::set_inter_op_parallelism_threads(0);
    /// ```
    pub fn set_inter_op_parallelism_threads(n: usize) {
        INTER_OP.store(n, Ordering::Relaxed);
    }

    /// `tf.config.threading.get_inter_op_parallelism_threads()`.
    pub fn get_inter_op_parallelism_threads() -> usize {
        INTER_OP.load(Ordering::Relaxed)
    }

    /// `tf.config.threading.get_intra_op_parallelism_threads()`: the threads one op's kernel
    /// uses (the kernel pool's size, `TF_NUM_THREADS` or the number of cores).
    pub fn get_intra_op_parallelism_threads() -> usize {
        tf_kernels::cpu::num_threads()
    }

    /// Whether independent ops may run at once now.
    pub(crate) fn inter_op() -> bool {
        get_inter_op_parallelism_threads() != 1 && get_intra_op_parallelism_threads() > 1
    }
}
