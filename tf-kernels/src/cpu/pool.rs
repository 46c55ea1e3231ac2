//! The kernels' thread pool: `threads - 1` workers plus the calling thread.
//!
//! A job is published by bumping an epoch; tasks are claimed with one compare-and-swap on a
//! word holding `(epoch, tasks taken from the front, tasks taken from the back)`, so a worker
//! that wakes late can never run a task of a job that has already finished. The caller takes
//! tasks from the front and workers from the back: a job split in halves (or in blocks in
//! order) gives the caller the first part and a worker the last, op after op, so each core
//! keeps working on the same part of the data — the rows an op wrote are in its cache when
//! the next op reads them — unless one is late and the other takes its share.
//!
//! Workers spin for a short while after each job before they park, so back-to-back ops (an
//! eager loop, a training step) start in well under a microsecond instead of paying a futex
//! wake each time.

use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks.
const SPIN: Duration = Duration::from_micros(200);

type Task = dyn Fn(usize) + Sync;

/// The most tasks a job has (a count of tasks taken from each end fits 16 bits).
const MAX_TASKS: usize = 0xFFFF;

struct Shared {
    /// High 32 bits: job epoch; bits 16..32: tasks taken from the back; bits 0..16: tasks
    /// taken from the front.
    claim: AtomicU64,
    /// Number of tasks in the current job.
    tasks: AtomicUsize,
    /// Tasks of the current job not yet finished.
    remaining: AtomicUsize,
    /// Set when a task of the current job panicked.
    panicked: std::sync::atomic::AtomicBool,
    /// The current job's closure (a fat pointer, boxed once per job on the caller's stack).
    job: AtomicPtr<&'static Task>,
    parked: Mutex<usize>,
    wake: Condvar,
}

pub(crate) struct Pool {
    shared: &'static Shared,
    threads: usize,
    /// Serialises jobs from different calling threads.
    submit: Mutex<()>,
}

static POOL: OnceLock<Pool> = OnceLock::new();

impl Shared {
    /// No job yet (epoch 0, no tasks).
    fn new() -> Shared {
        Shared {
            claim: AtomicU64::new(0),
            tasks: AtomicUsize::new(0),
            remaining: AtomicUsize::new(0),
            panicked: std::sync::atomic::AtomicBool::new(false),
            job: AtomicPtr::new(std::ptr::null_mut()),
            parked: Mutex::new(0),
            wake: Condvar::new(),
        }
    }
}

/// Threads now doing background work (an input pipeline's prefetch thread producing). On a
/// machine of two cores, while any is, jobs run on their calling thread and the idle worker
/// parks at once: one core for the job's caller (a training step), one for the background
/// work, instead of a spinning worker and the producer time-sharing a core (a worker
/// preempted mid-task stalls the whole job). With more cores the pool is left as it is.
static BACKGROUND: AtomicUsize = AtomicUsize::new(0);

/// Whether background work should have the second core now.
fn yield_to_background(threads: usize) -> bool {
    threads <= 2 && BACKGROUND.load(Ordering::Acquire) > 0
}

/// Runs `f` as background work (see [`BACKGROUND`]).
pub(crate) fn background<R>(f: impl FnOnce() -> R) -> R {
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            BACKGROUND.fetch_sub(1, Ordering::AcqRel);
        }
    }
    BACKGROUND.fetch_add(1, Ordering::AcqRel);
    let _done = Done;
    f()
}

/// The pool, sized once from `TF_NUM_THREADS` or the number of cores.
pub(crate) fn pool() -> &'static Pool {
    POOL.get_or_init(|| {
        let threads = std::env::var("TF_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let shared: &'static Shared = Box::leak(Box::new(Shared::new()));
        for i in 1..threads {
            std::thread::Builder::new()
                .name(format!("tf-kernel-{i}"))
                .spawn(move || worker(shared, threads))
                .expect("tf-kernels: cannot start a kernel thread");
        }
        Pool {
            shared,
            threads,
            submit: Mutex::new(()),
        }
    })
}

impl Pool {
    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f(i)` for every `i in 0..n` across the pool and the calling thread.
    pub(crate) fn run<'f>(&self, n: usize, f: &'f (dyn Fn(usize) + Sync + 'f)) {
        if n <= 1 || self.threads == 1 || IN_WORKER.with(|w| w.get()) || yield_to_background(self.threads) {
            (0..n).for_each(f);
            return;
        }
        if n > MAX_TASKS {
            let per = n.div_ceil(MAX_TASKS);
            return self.run(n.div_ceil(per), &|t| (t * per..((t + 1) * per).min(n)).for_each(f));
        }
        let _guard = self.submit.lock().unwrap_or_else(|p| p.into_inner());
        let s = self.shared;
        // SAFETY: the job pointer is only dereferenced by a thread that claimed a task of
        // this epoch, and this function does not return before every task has finished.
        let f_static: &'static Task = unsafe { std::mem::transmute::<&'f (dyn Fn(usize) + Sync + 'f), &'static Task>(f) };
        let mut slot = f_static;
        s.job.store(&mut slot, Ordering::Relaxed);
        s.tasks.store(n, Ordering::Relaxed);
        s.remaining.store(n, Ordering::Relaxed);
        s.panicked.store(false, Ordering::Relaxed);
        let epoch = (s.claim.load(Ordering::Relaxed) >> 32).wrapping_add(1) & 0xFFFF_FFFF;
        s.claim.store(epoch << 32, Ordering::Release);
        if *s.parked.lock().unwrap_or_else(|p| p.into_inner()) > 0 {
            s.wake.notify_all();
        }
        // The closure lives on this stack frame: even if a task panics here, wait for every
        // claimed task before unwinding. While the caller runs tasks, a kernel they call runs
        // its own parallel loop inline, as on a worker (the pool is busy with this job).
        let mut caught = None;
        let outer = IN_WORKER.with(|w| w.replace(true));
        while let Some(i) = claim(s, epoch, false) {
            if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i))) {
                caught.get_or_insert(p);
            }
            s.remaining.fetch_sub(1, Ordering::AcqRel);
        }
        IN_WORKER.with(|w| w.set(outer));
        while s.remaining.load(Ordering::Acquire) != 0 {
            std::hint::spin_loop();
        }
        if let Some(p) = caught {
            std::panic::resume_unwind(p);
        }
        if s.panicked.load(Ordering::Acquire) {
            panic!("tf-kernels: a kernel task panicked on a worker thread");
        }
    }
}

thread_local! {
    static IN_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Claims a task of job `epoch`, if any is left: the first untaken one, or the last when
/// `from_back` (the workers' end).
fn claim(s: &Shared, epoch: u64, from_back: bool) -> Option<usize> {
    let n = s.tasks.load(Ordering::Acquire) as u64;
    let mut cur = s.claim.load(Ordering::Acquire);
    loop {
        let (front, back) = (cur & 0xFFFF, (cur >> 16) & 0xFFFF);
        if cur >> 32 != epoch || front + back >= n {
            return None;
        }
        let (next, task) = if from_back {
            (cur + (1 << 16), n - 1 - back)
        } else {
            (cur + 1, front)
        };
        match s.claim.compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Some(task as usize),
            Err(now) => cur = now,
        }
    }
}

fn worker(s: &'static Shared, threads: usize) {
    IN_WORKER.with(|w| w.set(true));
    let mut seen = 0u64;
    loop {
        // Wait for a new epoch: spin first, then park.
        let start = Instant::now();
        let mut spins = 0u32;
        let epoch = loop {
            let e = s.claim.load(Ordering::Acquire) >> 32;
            if e != seen {
                break e;
            }
            spins = spins.wrapping_add(1);
            // Reading the clock costs more than a spin: look at it every 256 spins. With
            // background work running, park at once: the core is wanted.
            if !spins.is_multiple_of(256) || (start.elapsed() < SPIN && !yield_to_background(threads)) {
                std::hint::spin_loop();
                continue;
            }
            let mut parked = s.parked.lock().unwrap_or_else(|p| p.into_inner());
            if s.claim.load(Ordering::Acquire) >> 32 == seen {
                *parked += 1;
                parked = s
                    .wake
                    .wait_timeout(parked, Duration::from_millis(100))
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
                *parked -= 1;
            }
        };
        seen = epoch;
        while let Some(i) = claim(s, epoch, true) {
            // SAFETY: a task of this epoch was claimed, so its job is still running and the
            // job pointer (set before the epoch was published) is alive.
            let f = unsafe { *s.job.load(Ordering::Acquire) };
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i))).is_err() {
                s.panicked.store(true, Ordering::Release);
            }
            s.remaining.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_claims_from_the_front_and_workers_from_the_back() {
        let s = Shared::new();
        s.claim.store(7 << 32, Ordering::Relaxed);
        s.tasks.store(5, Ordering::Relaxed);
        let order: Vec<Option<usize>> = [false, true, true, false, true, false, true]
            .iter()
            .map(|&back| claim(&s, 7, back))
            .collect();
        assert_eq!(order, [Some(0), Some(4), Some(3), Some(1), Some(2), None, None]);
        assert_eq!(claim(&s, 8, false), None, "a task of another epoch");
    }

    #[test]
    fn a_job_of_more_tasks_than_a_claim_can_count_runs_each_once() {
        let hits: Vec<std::sync::atomic::AtomicU8> = (0..MAX_TASKS * 2 + 3).map(|_| Default::default()).collect();
        crate::cpu::parallel_for(hits.len(), |i| {
            hits[i].fetch_add(1, Ordering::Relaxed);
        });
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
    }

    #[test]
    fn a_panicking_task_panics_the_caller_and_the_pool_survives() {
        let r = std::panic::catch_unwind(|| crate::cpu::parallel_for(8, |i| assert!(i != 5, "task 5 fails")));
        assert!(r.is_err());
        let hits = std::sync::atomic::AtomicUsize::new(0);
        crate::cpu::parallel_for(64, |_| {
            hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert_eq!(hits.into_inner(), 64);
    }

    #[test]
    fn jobs_during_background_work_still_run_every_task_once() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::Arc;
        let (started, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let bg = {
            let (started, stop) = (started.clone(), stop.clone());
            std::thread::spawn(move || {
                super::background(|| {
                    started.store(true, Ordering::Release);
                    while !stop.load(Ordering::Acquire) {
                        std::hint::spin_loop();
                    }
                })
            })
        };
        while !started.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        let me = std::thread::current().id();
        let hits: Vec<AtomicUsize> = (0..100).map(|_| AtomicUsize::new(0)).collect();
        let elsewhere = AtomicUsize::new(0);
        crate::cpu::parallel_for(100, |i| {
            hits[i].fetch_add(1, Ordering::Relaxed);
            if std::thread::current().id() != me {
                elsewhere.fetch_add(1, Ordering::Relaxed);
            }
        });
        stop.store(true, Ordering::Release);
        bg.join().unwrap();
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
        if super::pool().threads() <= 2 {
            assert_eq!(
                elsewhere.into_inner(),
                0,
                "on two cores the caller keeps the job while background work runs"
            );
        }
        assert_eq!(super::BACKGROUND.load(Ordering::Acquire), 0);
    }
}
