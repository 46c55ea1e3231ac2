//! The kernels' thread pool: `threads - 1` workers plus the calling thread.
//!
//! A job is published by bumping an epoch; tasks are claimed with one compare-and-swap on a
//! word holding `(epoch, task count, tasks taken from the front, tasks taken from the back)`,
//! so a worker that wakes late can never run a task of a job that has already finished. The
//! count lives in the same word: a worker still claiming for the finished job must not read
//! the next job's count (it would take a task past the old job's end and run it twice).
//!
//! The caller takes tasks from the front and workers from the back: a job split in halves (or
//! in blocks in order) gives the caller the first part and a worker the last, op after op, so
//! each core keeps working on the same part of the data — the rows an op wrote are in its
//! cache when the next op reads them — unless one is late and the other takes its share.
//!
//! Workers spin for a short while after each job before they park, so back-to-back ops (an
//! eager loop, a training step) start in well under a microsecond instead of paying a futex
//! wake each time.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks.
const SPIN: Duration = Duration::from_micros(200);

type Task = dyn Fn(usize) + Sync;

/// Bits of the claim word for each of the task count and the tasks taken from each end.
const TASK_BITS: u32 = 12;
/// The most tasks a job has (larger jobs run their tasks in chunks).
const MAX_TASKS: usize = (1 << TASK_BITS) - 1;
/// Where the epoch starts in the claim word (it keeps the remaining 28 bits).
const EPOCH_SHIFT: u32 = 3 * TASK_BITS;

/// The claim word of a job just published: its epoch and task count, nothing taken.
fn published(epoch: u64, tasks: usize) -> u64 {
    (epoch << EPOCH_SHIFT) | ((tasks as u64) << (2 * TASK_BITS))
}

struct Shared {
    /// From the high bits: the job's epoch (28 bits), its task count, the tasks taken from
    /// the back, the tasks taken from the front (12 bits each).
    claim: AtomicU64,
    /// Tasks of the current job not yet finished.
    remaining: AtomicUsize,
    /// Set when a task of the current job panicked.
    panicked: AtomicBool,
    /// The current job's closure (a fat pointer, boxed once per job on the caller's stack).
    job: AtomicPtr<&'static Task>,
    /// Whether the current job's tasks may run in a background slice ([`help`]):
    /// kernel loops, which touch only their data, but not [`join`](super::join)'s halves,
    /// which run arbitrary code that may read the calling thread's state.
    helpable: AtomicBool,
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
            remaining: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            job: AtomicPtr::new(std::ptr::null_mut()),
            helpable: AtomicBool::new(false),
            parked: Mutex::new(0),
            wake: Condvar::new(),
        }
    }
}

/// Work an idle worker does between jobs, one slice at a time: an input pipeline's prefetch,
/// one element a slice. While a worker runs a slice it stops at every op boundary
/// ([`help`](crate::cpu::help)) to take the tasks of a kernel job the caller has published,
/// so the producer fills the gaps of a training step instead of time-sharing a core with it
/// (a worker preempted mid-task stalls the whole job).
pub trait Background: Send + Sync {
    /// Does one slice of work; returns whether more is wanted now.
    fn run_slice(&self) -> bool;
}

/// The background work registered with the pool (dropped work is pruned as it is met).
static TASKS: Mutex<Vec<Weak<dyn Background>>> = Mutex::new(Vec::new());
/// Set when some background work may want a slice.
static WANTED: AtomicBool = AtomicBool::new(false);

/// Registers `task` with the pool's workers and asks for a slice at once; false, and nothing
/// registered, when the pool has no workers (one thread) — then its owner does the work.
pub(crate) fn add_background(task: Weak<dyn Background>) -> bool {
    let pool = pool();
    if pool.threads == 1 {
        return false;
    }
    TASKS.lock().unwrap_or_else(|p| p.into_inner()).push(task);
    background_wanted();
    true
}

/// Says that registered background work wants slices again, waking a parked worker.
pub(crate) fn background_wanted() {
    WANTED.store(true, Ordering::Release);
    pool().wake_parked();
}

/// A worker's turn at the background work: a slice of each task that wants one.
fn run_background() {
    if !WANTED.swap(false, Ordering::AcqRel) {
        return;
    }
    let tasks: Vec<Arc<dyn Background>> = {
        let mut all = TASKS.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|t| t.strong_count() > 0);
        all.iter().filter_map(Weak::upgrade).collect()
    };
    let mut more = false;
    for t in &tasks {
        IN_SLICE.with(|c| c.set(true));
        // A task reports its own failures; one that panics anyway must not take the worker.
        more |= std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.run_slice())).unwrap_or(false);
        IN_SLICE.with(|c| c.set(false));
    }
    if more {
        WANTED.store(true, Ordering::Release);
    }
}

/// Whether this thread is one of the pool's workers (or runs a job's tasks).
pub(crate) fn in_worker() -> bool {
    IN_WORKER.with(|w| w.get())
}

/// In a worker's background slice, runs the tasks of a kernel job that the caller has
/// published and not yet taken (see [`Background`]); elsewhere does nothing. A slice helps
/// even when the consumer waits for what it makes: a worker that leaves its share of a job to
/// the caller moves that share's data (half a weight matrix and its optimizer slots) to the
/// caller's cache and back again the next step, which costs more than the step where a
/// cross-core transfer is dear.
pub(crate) fn help() {
    if !IN_SLICE.with(|c| c.get()) {
        return;
    }
    let Some(pool) = POOL.get() else { return };
    let s = pool.shared;
    // A job of a later epoch than the one read here fails every claim below, so a task of a
    // job that is not helpable is never taken.
    let epoch = s.claim.load(Ordering::Acquire) >> EPOCH_SHIFT;
    if !s.helpable.load(Ordering::Acquire) {
        return;
    }
    IN_SLICE.with(|c| c.set(false));
    run_claimed(s, epoch);
    IN_SLICE.with(|c| c.set(true));
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
                .spawn(move || worker(shared))
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

    /// Wakes the parked workers, if any. Under the lock a parking worker holds while it looks
    /// for a job or background work, so none parks past what was published before this.
    fn wake_parked(&self) {
        if *self.shared.parked.lock().unwrap_or_else(|p| p.into_inner()) > 0 {
            self.shared.wake.notify_all();
        }
    }

    /// Runs `f(i)` for every `i in 0..n` across the pool and the calling thread.
    pub(crate) fn run<'f>(&self, n: usize, f: &'f (dyn Fn(usize) + Sync + 'f)) {
        self.run_with(n, f, true);
    }

    /// As [`run`](Self::run); `helpable`: whether a background slice may run the tasks
    /// ([`Shared::helpable`]).
    pub(crate) fn run_with<'f>(&self, n: usize, f: &'f (dyn Fn(usize) + Sync + 'f), helpable: bool) {
        if n <= 1 || self.threads == 1 || IN_WORKER.with(|w| w.get()) {
            (0..n).for_each(f);
            return;
        }
        if n > MAX_TASKS {
            let per = n.div_ceil(MAX_TASKS);
            return self.run_with(n.div_ceil(per), &|t| (t * per..((t + 1) * per).min(n)).for_each(f), helpable);
        }
        let _guard = self.submit.lock().unwrap_or_else(|p| p.into_inner());
        let s = self.shared;
        // SAFETY: the job pointer is only dereferenced by a thread that claimed a task of
        // this epoch, and this function does not return before every task has finished.
        let f_static: &'static Task = unsafe { std::mem::transmute::<&'f (dyn Fn(usize) + Sync + 'f), &'static Task>(f) };
        let mut slot = f_static;
        s.job.store(&mut slot, Ordering::Relaxed);
        s.remaining.store(n, Ordering::Relaxed);
        s.panicked.store(false, Ordering::Relaxed);
        s.helpable.store(helpable, Ordering::Relaxed);
        let epoch = ((s.claim.load(Ordering::Relaxed) >> EPOCH_SHIFT) + 1) & ((1 << (64 - EPOCH_SHIFT)) - 1);
        s.claim.store(published(epoch, n), Ordering::Release);
        self.wake_parked();
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
    /// Set on workers, and on any thread while it runs a job's tasks: kernels then run their
    /// parallel loops inline.
    static IN_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set while this worker runs a background slice ([`Background`]).
    static IN_SLICE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Claims a task of job `epoch`, if any is left: the first untaken one, or the last when
/// `from_back` (the workers' end).
fn claim(s: &Shared, epoch: u64, from_back: bool) -> Option<usize> {
    const MASK: u64 = MAX_TASKS as u64;
    let mut cur = s.claim.load(Ordering::Acquire);
    loop {
        let (front, back, n) = (cur & MASK, (cur >> TASK_BITS) & MASK, (cur >> (2 * TASK_BITS)) & MASK);
        if cur >> EPOCH_SHIFT != epoch || front + back >= n {
            return None;
        }
        let (next, task) = if from_back {
            (cur + (1 << TASK_BITS), n - 1 - back)
        } else {
            (cur + 1, front)
        };
        match s.claim.compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Some(task as usize),
            Err(now) => cur = now,
        }
    }
}

fn worker(s: &'static Shared) {
    IN_WORKER.with(|w| w.set(true));
    let mut seen = 0u64;
    loop {
        // Wait for a new epoch, doing background work meanwhile: spin first, then park.
        let mut start = Instant::now();
        let mut spins = 0u32;
        let epoch = loop {
            let e = s.claim.load(Ordering::Acquire) >> EPOCH_SHIFT;
            if e != seen {
                break e;
            }
            if WANTED.load(Ordering::Acquire) {
                run_background();
                (start, spins) = (Instant::now(), 0);
                continue;
            }
            spins = spins.wrapping_add(1);
            // Reading the clock costs more than a spin: look at it every 256 spins.
            if !spins.is_multiple_of(256) || start.elapsed() < SPIN {
                std::hint::spin_loop();
                continue;
            }
            let mut parked = s.parked.lock().unwrap_or_else(|p| p.into_inner());
            if s.claim.load(Ordering::Acquire) >> EPOCH_SHIFT == seen && !WANTED.load(Ordering::Acquire) {
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
        run_claimed(s, epoch);
    }
}

/// Runs tasks of job `epoch` from the workers' end until none is left to claim.
fn run_claimed(s: &Shared, epoch: u64) {
    while let Some(i) = claim(s, epoch, true) {
        // SAFETY: a task of this epoch was claimed, so its job is still running and the job
        // pointer (set before the epoch was published) is alive.
        let f = unsafe { *s.job.load(Ordering::Acquire) };
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i))).is_err() {
            s.panicked.store(true, Ordering::Release);
        }
        s.remaining.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_claims_from_the_front_and_workers_from_the_back() {
        let s = Shared::new();
        s.claim.store(published(7, 5), Ordering::Relaxed);
        let order: Vec<Option<usize>> = [false, true, true, false, true, false, true]
            .iter()
            .map(|&back| claim(&s, 7, back))
            .collect();
        assert_eq!(order, [Some(0), Some(4), Some(3), Some(1), Some(2), None, None]);
        assert_eq!(claim(&s, 8, false), None, "a task of another epoch");
    }

    #[test]
    fn back_to_back_jobs_of_changing_sizes_run_each_task_once() {
        // A worker whose last claim for a finished job of 2 tasks overlapped the publishing
        // of the next job of 64 once read the new count with the old epoch and ran task 63
        // twice (within ~15,000 jobs here); its extra `remaining` decrement could leave a
        // caller waiting for ever.
        let hits: Vec<AtomicUsize> = (0..64).map(|_| AtomicUsize::new(0)).collect();
        for j in 0..500_000usize {
            let n = if j % 2 == 0 { 2 } else { 64 };
            crate::cpu::parallel_for(n, |i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            for (i, h) in hits.iter().enumerate().take(n) {
                assert_eq!(h.swap(0, Ordering::Relaxed), 1, "job {j}, task {i}");
            }
        }
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

    /// Background work whose slice calls the closure and returns what it returns.
    struct Work<F>(F);
    impl<F: Fn() -> bool + Send + Sync> Background for Work<F> {
        fn run_slice(&self) -> bool {
            (self.0)()
        }
    }

    /// Waits (up to a few seconds) for `done`.
    fn wait_for(done: impl Fn() -> bool) -> bool {
        let t = Instant::now();
        while !done() {
            if t.elapsed() > Duration::from_secs(10) {
                return false;
            }
            std::thread::yield_now();
        }
        true
    }

    #[test]
    fn idle_workers_run_background_slices_until_no_more_is_wanted() {
        // Work with a budget of slices (a slice may be offered when none is wanted).
        let (budget, count) = (Arc::new(AtomicUsize::new(100)), Arc::new(AtomicUsize::new(0)));
        let (b, c) = (budget.clone(), count.clone());
        let work: Arc<dyn Background> = Arc::new(Work(move || {
            if b.load(Ordering::Acquire) == 0 {
                return false;
            }
            c.fetch_add(1, Ordering::AcqRel);
            b.fetch_sub(1, Ordering::AcqRel) > 1
        }));
        if !add_background(Arc::downgrade(&work)) {
            assert_eq!(pool().threads(), 1, "only a pool without workers refuses background work");
            return;
        }
        assert!(wait_for(|| count.load(Ordering::Acquire) >= 100), "slices ran");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(count.load(Ordering::Acquire), 100, "no work after the budget ran out");
        budget.fetch_add(1, Ordering::AcqRel);
        background_wanted();
        assert!(
            wait_for(|| count.load(Ordering::Acquire) == 101),
            "one more slice when wanted again"
        );
        let weak = Arc::downgrade(&work);
        drop(work);
        assert!(wait_for(|| weak.strong_count() == 0), "a worker let go of it");
        budget.fetch_add(1, Ordering::AcqRel);
        background_wanted();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(count.load(Ordering::Acquire), 101, "dropped work is not run");
    }

    #[test]
    fn a_background_slice_runs_tasks_of_a_published_job_at_its_op_boundaries() {
        if pool().threads() == 1 {
            return;
        }
        let (inside, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (i2, s2) = (inside.clone(), stop.clone());
        // Ends the slice however the test ends: a failed assertion must not leave the worker
        // in it for the other tests.
        struct Stop(Arc<AtomicBool>);
        impl Drop for Stop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Release);
            }
        }
        let _stop = Stop(stop);
        let work: Arc<dyn Background> = Arc::new(Work(move || {
            i2.store(true, Ordering::Release);
            // A producer between its ops.
            while !s2.load(Ordering::Acquire) {
                crate::cpu::help();
                std::hint::spin_loop();
            }
            false
        }));
        assert!(add_background(Arc::downgrade(&work)));
        assert!(wait_for(|| inside.load(Ordering::Acquire)), "the slice started");
        let me = std::thread::current().id();
        let hits: Vec<AtomicUsize> = (0..64).map(|_| AtomicUsize::new(0)).collect();
        let elsewhere = AtomicUsize::new(0);
        crate::cpu::parallel_for(64, |i| {
            hits[i].fetch_add(1, Ordering::Relaxed);
            if std::thread::current().id() != me {
                elsewhere.fetch_add(1, Ordering::AcqRel);
            } else if i == 0 {
                // The caller's first task waits for the slice to take one from the back.
                assert!(wait_for(|| elsewhere.load(Ordering::Acquire) > 0), "the slice helped");
            }
        });
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "every task ran once");
        if pool().threads() == 2 {
            // The only worker is in the slice: `join`'s halves (arbitrary code) stay here.
            let (a, b) = crate::cpu::join(|| std::thread::current().id(), || std::thread::current().id());
            assert_eq!((a, b), (me, me), "a slice does not take join's halves");
        }
    }
}
