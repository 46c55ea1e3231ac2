//! `dataset.prefetch(n)`: the kernel pool's idle workers produce up to `n` elements ahead of
//! the consumer, one element a slice between kernel jobs ([`tf_kernels::cpu::Background`]).
//! A worker in such a slice stops at every op boundary to take its share of a job the
//! training step publishes, so on two cores the input pipeline fills the gaps of the step
//! instead of a third thread time-sharing a core with it. With no workers
//! (`TF_NUM_THREADS=1`) the consumer makes each element as it asks; so does a worker that
//! consumes a prefetch (one nested in another's pipeline), which must not wait on a worker
//! that may be itself.

use super::{Dataset, DatasetIter, AUTOTUNE};
use crate::Result;
use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};

/// How long a consumer spins for the next element before it sleeps.
const SPIN: std::time::Duration = std::time::Duration::from_micros(200);

/// What the producers and the consumer share.
struct Shared<T> {
    /// The upstream iterator, `None` once exhausted. Held while an element is made, so
    /// elements are made one at a time and in order.
    source: Mutex<Option<DatasetIter<T>>>,
    buffer: Mutex<Buffer<T>>,
    /// Signalled when an element (or the end) is put in the buffer.
    ready: Condvar,
    size: usize,
}

struct Buffer<T> {
    items: VecDeque<Result<T>>,
    /// The upstream is exhausted (or panicked).
    done: bool,
    /// The consumer waits on `ready`.
    waiting: bool,
    /// A panic in a worker's slice, raised again in the consumer.
    panic: Option<Box<dyn Any + Send>>,
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The source, unless someone else is making an element now.
fn try_source<T>(s: &Shared<T>) -> Option<MutexGuard<'_, Option<DatasetIter<T>>>> {
    match s.source.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl<T: Send> tf_kernels::cpu::Background for Shared<T> {
    /// Makes one element if the buffer has room and no one else is making one.
    fn run_slice(&self) -> bool {
        let Some(mut source) = try_source(self) else { return false };
        if lock(&self.buffer).items.len() >= self.size {
            return false;
        }
        let Some(src) = source.as_mut() else { return false };
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| src.next()));
        let mut b = lock(&self.buffer);
        match next {
            Ok(Some(x)) => b.items.push_back(x),
            Ok(None) => {
                *source = None;
                b.done = true;
            }
            Err(p) => {
                *source = None;
                (b.done, b.panic) = (true, Some(p));
            }
        }
        if b.waiting {
            self.ready.notify_all();
        }
        !b.done && b.items.len() < self.size
    }
}

/// The consumer's end.
struct Prefetched<T> {
    shared: Arc<Shared<T>>,
    /// Workers produce (the pool has some).
    background: bool,
}

impl<T: Send + 'static> Iterator for Prefetched<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let s = &*self.shared;
        loop {
            {
                let mut b = lock(&s.buffer);
                if let Some(x) = b.items.pop_front() {
                    drop(b);
                    if self.background {
                        tf_kernels::cpu::background_wanted(); // room for another
                    }
                    return Some(x);
                }
                if b.done {
                    if let Some(p) = b.panic.take() {
                        std::panic::resume_unwind(p);
                    }
                    return None;
                }
            }
            // With workers producing, wait for them: the consumer taking the source would
            // leave a worker idle while it makes the element. Without workers, or on a
            // worker (a prefetch in another's pipeline), make it here.
            let source = if self.background && !tf_kernels::cpu::in_worker() {
                None
            } else {
                try_source(s)
            };
            match source {
                Some(mut source) => {
                    // A worker may have finished an element between the two locks.
                    if !lock(&s.buffer).items.is_empty() {
                        continue;
                    }
                    let next = source.as_mut().and_then(Iterator::next);
                    if next.is_none() {
                        *source = None;
                        lock(&s.buffer).done = true;
                    } else if self.background {
                        drop(source);
                        tf_kernels::cpu::background_wanted(); // a worker found the source taken
                    }
                    return next;
                }
                None => {
                    // A worker is making the next element (or will: it was asked when this
                    // consumer made room): wait for it, spinning first — waking from a
                    // futex costs more than the wait usually lasts.
                    let t = std::time::Instant::now();
                    while t.elapsed() < SPIN {
                        for _ in 0..64 {
                            std::hint::spin_loop();
                        }
                        if !lock(&s.buffer).items.is_empty() {
                            break;
                        }
                    }
                    let mut b = lock(&s.buffer);
                    while b.items.is_empty() && !b.done {
                        b.waiting = true;
                        b = s.ready.wait(b).unwrap_or_else(|p| p.into_inner());
                    }
                    b.waiting = false;
                }
            }
        }
    }
}

impl<T: Send + 'static> Dataset<T> {
    /// `dataset.prefetch(buffer_size)`: the kernel pool's idle workers run the pipeline up to
    /// `buffer_size` elements ahead of the consumer (`AUTOTUNE` picks the size), between and
    /// inside the consumer's kernel jobs (see the module docs).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::{Dataset, AUTOTUNE};
    /// let ds = Dataset::from_tensor_slices(tf::range(6i64))?.map(|x| &x * 10i64).prefetch(AUTOTUNE);
    /// let out: Vec<i64> = ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect();
    /// assert_eq!(out, [0, 10, 20, 30, 40, 50]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn prefetch(&self, buffer_size: i64) -> Dataset<T> {
        let up = self.recipe.clone();
        let size = if buffer_size == AUTOTUNE || buffer_size <= 0 {
            4
        } else {
            buffer_size as usize
        };
        self.derive(self.cardinality, move || {
            let shared = Arc::new(Shared {
                source: Mutex::new(Some(up())),
                buffer: Mutex::new(Buffer {
                    items: VecDeque::with_capacity(size),
                    done: false,
                    waiting: false,
                    panic: None,
                }),
                ready: Condvar::new(),
                size,
            });
            let task: Arc<dyn tf_kernels::cpu::Background> = shared.clone();
            let background = tf_kernels::cpu::add_background(Arc::downgrade(&task));
            Box::new(Prefetched { shared, background })
        })
    }
}
