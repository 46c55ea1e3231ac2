//! A cache of large host buffers, as TensorFlow's and PyTorch's allocators keep one: a
//! tensor's float buffer that is dropped goes here, and the next kernel output of the same
//! size takes it instead of asking the system allocator. Large allocations otherwise come
//! back as fresh pages — a page fault and a zeroed page every 4 KiB — on every op of every
//! step.
//!
//! Buffers of at least [`MIN_ELEMS`] elements are kept for every thread, at most
//! [`PER_SIZE`] of one size and [`MAX_BYTES`] in all. Smaller ones from [`SMALL_MIN`]
//! elements up are kept by the thread that gives them back, [`PER_THREAD`] and
//! [`PER_THREAD_BYTES`] at most, for its next op of that size: an eager op on a small image
//! allocates a few kilobytes, which the system allocator serves from its slow path (bins and
//! consolidation) — a fifth of an input pipeline's time per element. Everything else is
//! freed as usual.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;

/// Buffers from this size (in elements) are cached for all threads.
pub const MIN_ELEMS: usize = 1 << 14;
/// Buffers from this size up to [`MIN_ELEMS`] are cached per thread; smaller ones are not
/// (the allocator's thread cache serves them well).
pub const SMALL_MIN: usize = 256;
/// Small buffers cached per thread at most: enough for a batch of 32 mapped images alive at
/// once, each with an op's output in flight.
pub const PER_THREAD: usize = 64;
/// Bytes of small buffers cached per thread (and element type) at most.
pub const PER_THREAD_BYTES: usize = 1 << 20;
/// Cached buffers of one capacity at most.
pub const PER_SIZE: usize = 8;
/// Cached bytes at most.
pub const MAX_BYTES: usize = 256 << 20;

/// Element types whose buffers are cached.
pub trait Recycled: Copy + Send + 'static {
    /// This type's cache.
    fn cache() -> &'static Mutex<Cache<Self>>;
    /// This thread's cache of small buffers of this type.
    fn local() -> &'static std::thread::LocalKey<RefCell<Local<Self>>>;
}

/// One thread's small buffers of one element type, and their bytes.
pub struct Local<T> {
    bufs: Vec<Vec<T>>,
    bytes: usize,
}

/// Cached buffers of one element type, by capacity.
pub struct Cache<T> {
    free: Option<HashMap<usize, Vec<Vec<T>>>>,
    bytes: usize,
}

impl<T> Cache<T> {
    const fn new() -> Self {
        Cache { free: None, bytes: 0 }
    }
}

macro_rules! recycled {
    ($($t:ty),*) => {$(
        impl Recycled for $t {
            fn cache() -> &'static Mutex<Cache<$t>> {
                static CACHE: Mutex<Cache<$t>> = Mutex::new(Cache::new());
                &CACHE
            }
            fn local() -> &'static std::thread::LocalKey<RefCell<Local<$t>>> {
                thread_local! {
                    static LOCAL: RefCell<Local<$t>> = const { RefCell::new(Local { bufs: Vec::new(), bytes: 0 }) };
                }
                &LOCAL
            }
        }
    )*};
}
recycled!(f32, f64);

fn lock<T: Recycled>() -> std::sync::MutexGuard<'static, Cache<T>> {
    T::cache().lock().unwrap_or_else(|p| p.into_inner())
}

/// An empty vector with room for `n` elements: a cached buffer of capacity `n` when there
/// is one, else a new allocation.
pub fn take<T: Recycled>(n: usize) -> Vec<T> {
    let mut v = take_as_is(n);
    v.clear();
    v
}

/// A vector with room for `n` elements whose contents are unspecified: a cached buffer of
/// capacity `n` as it was given back (holding its old values), else a new empty one. For a
/// kernel that overwrites all of its output: a matrix product need not zero a buffer it
/// is about to write whole (a dense layer's weight gradient, every step).
pub fn take_as_is<T: Recycled>(n: usize) -> Vec<T> {
    if (SMALL_MIN..MIN_ELEMS).contains(&n) {
        let local = T::local().try_with(|l| {
            let mut l = l.borrow_mut();
            let i = l.bufs.iter().position(|v| v.capacity() == n)?;
            l.bytes -= n * std::mem::size_of::<T>();
            Some(l.bufs.swap_remove(i))
        });
        if let Ok(Some(v)) = local {
            return v;
        }
    } else if n >= MIN_ELEMS {
        let mut c = lock::<T>();
        if let Some(v) = c.free.as_mut().and_then(|f| f.get_mut(&n)).and_then(Vec::pop) {
            c.bytes -= n * std::mem::size_of::<T>();
            return v;
        }
    }
    Vec::with_capacity(n)
}

/// `n` elements for a kernel that overwrites them all (a convolution's GEMM output): a
/// cached buffer of capacity `n` with whatever values it held, else a new zeroed one.
pub fn take_len<T: Recycled + Default>(n: usize) -> Vec<T> {
    let mut v = take_as_is(n);
    if v.len() != n {
        v.clear();
        v.resize(n, T::default());
    }
    v
}

/// `n` copies of `value` in a buffer from [`take`].
pub fn filled<T: Recycled>(n: usize, value: T) -> Vec<T> {
    let mut v = take(n);
    v.resize(n, value);
    v
}

/// [`take`] for any element type: a cached buffer for `f32` and `f64`, a new allocation
/// for others.
pub fn take_any<T: 'static>(n: usize) -> Vec<T> {
    let mut v = take_as_is_any(n);
    v.clear();
    v
}

/// [`take_as_is`] for any element type (others than `f32` and `f64` are new and empty).
pub fn take_as_is_any<T: 'static>(n: usize) -> Vec<T> {
    use std::any::Any;
    let mut slot: Option<Vec<T>> = None;
    if let Some(s) = (&mut slot as &mut dyn Any).downcast_mut::<Option<Vec<f32>>>() {
        *s = Some(take_as_is(n));
    } else if let Some(s) = (&mut slot as &mut dyn Any).downcast_mut::<Option<Vec<f64>>>() {
        *s = Some(take_as_is(n));
    }
    slot.unwrap_or_else(|| Vec::with_capacity(n))
}

/// `n` copies of `value` in a buffer from [`take_any`].
pub fn filled_any<T: Clone + 'static>(n: usize, value: T) -> Vec<T> {
    let mut v = take_any(n);
    v.resize(n, value);
    v
}

/// Gives a buffer back: kept for a later [`take`] of its capacity if it is large and the
/// cache has room, freed otherwise.
pub fn give<T: Recycled>(v: Vec<T>) {
    let cap = v.capacity();
    let bytes = cap * std::mem::size_of::<T>();
    if cap < MIN_ELEMS {
        if cap >= SMALL_MIN {
            // During the thread's exit its cache is gone: the buffer is freed.
            let _ = T::local().try_with(|l| {
                let mut l = l.borrow_mut();
                if l.bufs.len() < PER_THREAD && l.bytes + bytes <= PER_THREAD_BYTES {
                    l.bufs.push(v);
                    l.bytes += bytes;
                }
            });
        }
        return;
    }
    let mut c = lock::<T>();
    if c.bytes + bytes > MAX_BYTES {
        return;
    }
    let list = c.free.get_or_insert_with(HashMap::new).entry(cap).or_default();
    if list.len() >= PER_SIZE {
        return;
    }
    // Kept as it is: its values are initialised, and a `take_as_is` hands them on.
    list.push(v);
    c.bytes += bytes;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_buffer_given_back_is_taken_again_and_small_ones_are_not_kept() {
        // A size no other test uses, so the cache's other users do not interfere.
        let n = MIN_ELEMS * 3 + 17;
        let v: Vec<f64> = filled(n, 1.5);
        assert_eq!((v.len(), v[n - 1]), (n, 1.5));
        let ptr = v.as_ptr();
        give(v);
        let again: Vec<f64> = take(n);
        assert_eq!((again.len(), again.as_ptr()), (0, ptr), "the cached buffer, emptied");
        assert!(again.capacity() >= n);
        give(again);
        let full = filled(n, 2.5);
        give(full);
        let as_is: Vec<f64> = take_as_is(n);
        assert_eq!((as_is.len(), as_is[n - 1]), (n, 2.5), "the cached buffer, as it was");
        let other: Vec<f64> = take(n);
        assert_ne!(other.as_ptr(), ptr, "one buffer is handed out once");
        let small: Vec<f64> = vec![0.0; 8];
        give(small);
        assert!(lock::<f64>().free.as_ref().is_none_or(|f| !f.contains_key(&8)));
    }

    #[test]
    fn a_small_buffer_is_kept_by_the_thread_that_gave_it_back() {
        let n = SMALL_MIN + 5;
        let v: Vec<f32> = filled(n, 3.0);
        let ptr = v.as_ptr();
        give(v);
        let other = std::thread::spawn(move || {
            let v = take::<f32>(n);
            v.as_ptr() as usize
        })
        .join()
        .unwrap();
        assert_ne!(other, ptr as usize, "another thread does not get it");
        let again: Vec<f32> = take_as_is(n);
        assert_eq!(
            (again.as_ptr(), again.len(), again[n - 1]),
            (ptr, n, 3.0),
            "this thread does, as it was"
        );
        let fresh: Vec<f32> = take(n);
        assert_ne!(fresh.as_ptr(), ptr, "once");
        for _ in 0..PER_THREAD + 4 {
            give(vec![0f32; n]);
        }
        assert_eq!(
            f32::local().with(|l| l.borrow().bufs.len()),
            PER_THREAD,
            "no more than PER_THREAD kept"
        );
        // Larger small buffers stop at the byte budget.
        let big = MIN_ELEMS - 1;
        for _ in 0..PER_THREAD {
            give(vec![0f64; big]);
        }
        let (count, bytes) = f64::local().with(|l| (l.borrow().bufs.len(), l.borrow().bytes));
        assert_eq!(count, PER_THREAD_BYTES / (big * 8), "no more than PER_THREAD_BYTES kept");
        assert_eq!(bytes, count * big * 8);
    }
}
