//! `Tensor`: a cheap-to-clone handle to a shaped, typed buffer on a device.

use crate::{DType, Device, Element, Error, Result, Shape};
use std::sync::Arc;

/// The typed host storage of a tensor.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Buffer {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    Bool(Vec<bool>),
    String(Vec<String>),
}

impl Buffer {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Buffer::F32(_) => DType::F32,
            Buffer::F64(_) => DType::F64,
            Buffer::I32(_) => DType::I32,
            Buffer::I64(_) => DType::I64,
            Buffer::U8(_) => DType::U8,
            Buffer::Bool(_) => DType::Bool,
            Buffer::String(_) => DType::String,
        }
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Buffer::String(v) => v.len(),
            _ => crate::dispatch!(self.dtype(), [F32, F64, I32, I64, U8, Bool], T => T::slice(self).map_or(0, |s| s.len())),
        }
    }
    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A buffer of `dtype` for a kernel to write `n` values into, its contents unspecified:
    /// a cached one for floats as it was (holding old values; see
    /// `tf_kernels::cpu::recycle::take_as_is`), else an empty one with room. What a kernel
    /// that writes into given buffers is handed when there is none to reuse.
    pub fn for_kernel(dtype: DType, n: usize) -> Buffer {
        if dtype == DType::String {
            return Buffer::String(Vec::with_capacity(n));
        }
        crate::dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => T::into_buffer(tf_kernels::cpu::recycle::take_as_is_any::<T>(n)))
    }
}

/// Where a tensor's values live. The one device switch: a CUDA variant joins with the
/// `cuda` feature, so kernels are added without changing `Tensor`.
#[derive(Debug)]
pub(crate) enum Storage {
    Cpu(Buffer),
    /// An output of a node in a graph being traced: no value until the graph runs.
    Symbolic(Symbol),
}

/// A dropped float buffer goes to the kernels' buffer cache, where the next output of its
/// size finds it (`tf_kernels::cpu::recycle`).
impl Drop for Storage {
    fn drop(&mut self) {
        match self {
            Storage::Cpu(Buffer::F32(v)) => tf_kernels::cpu::recycle::give(std::mem::take(v)),
            Storage::Cpu(Buffer::F64(v)) => tf_kernels::cpu::recycle::give(std::mem::take(v)),
            _ => {}
        }
    }
}

/// Where a symbolic tensor comes from.
#[derive(Debug, Clone)]
pub(crate) struct Symbol {
    /// The graph being traced.
    pub graph: u64,
    /// Node index in that graph.
    pub node: usize,
    /// Output index of that node.
    pub output: usize,
    /// The traced function's name, for error messages.
    pub function: Arc<str>,
    /// The producing op's name, for printing.
    pub op: &'static str,
}

/// An n-dimensional array with a run-time dtype and shape, as TensorFlow's `tf.Tensor`.
///
/// Cloning is cheap (the buffer is shared) and tensors are immutable, so they are
/// `Send + Sync`. Operations live in the crate's op functions and in the arithmetic
/// operators.
///
/// ```
/// use tf_core as tf;
/// let t = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(t.shape().dims(), &[2, 2]);
/// assert_eq!(t.to_vec::<f32>(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Clone)]
pub struct Tensor {
    id: TensorId,
    shape: Shape,
    dtype: DType,
    storage: Arc<Storage>,
    /// What this tensor's probabilities were computed from, when a Keras activation made
    /// them ([`Tensor::with_logits`]).
    logits: Option<Arc<(Squash, Tensor)>>,
}

/// A function that turns logits into probabilities, as recorded by [`Tensor::with_logits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Squash {
    /// `softmax` over the last axis.
    Softmax,
    /// `sigmoid`, elementwise.
    Sigmoid,
}

/// The identity of a tensor value: clones share it, every op output gets a new one. Tapes
/// key their records by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(pub(crate) u64);

impl TensorId {
    /// A fresh id: a per-thread counter tagged with the thread's index, so no atomic is
    /// touched on the eager hot path.
    pub(crate) fn fresh() -> TensorId {
        use std::cell::Cell;
        use std::sync::atomic::{AtomicU64, Ordering};
        static THREADS: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static NEXT: Cell<u64> = const { Cell::new(0) };
        }
        NEXT.with(|n| {
            let mut v = n.get();
            if v == 0 {
                v = THREADS.fetch_add(1, Ordering::Relaxed) << 40;
            }
            n.set(v + 1);
            TensorId(v)
        })
    }
}

impl Tensor {
    /// A tensor from a buffer and a shape.
    ///
    /// # Errors
    /// `InvalidArgument` when the buffer's length differs from the shape's element count.
    pub fn from_buffer(buf: Buffer, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if buf.len() != shape.num_elements() {
            return Err(Error::InvalidArgument(format!(
                "cannot make a tensor of shape {shape:?} ({} elements) from {} values",
                shape.num_elements(),
                buf.len()
            )));
        }
        Ok(Tensor::from_parts(buf, shape))
    }

    /// A tensor from a vector and a shape.
    ///
    /// # Errors
    /// `InvalidArgument` when `data.len()` differs from the shape's element count.
    ///
    /// ```
    /// let t = tf_core::Tensor::from_vec(vec![1i32, 2, 3, 4, 5, 6], [2, 3]).unwrap();
    /// assert_eq!(t.shape().dims(), &[2, 3]);
    /// ```
    pub fn from_vec<T: Element>(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor> {
        Tensor::from_buffer(T::into_buffer(data), shape)
    }

    /// A string tensor (`tf.string`) from its values, row-major, and a shape.
    ///
    /// # Errors
    /// `InvalidArgument` when `values.len()` differs from the shape's element count.
    ///
    /// ```
    /// let t = tf_core::Tensor::from_strings(vec!["a".into(), "bc".into()], [2, 1])?;
    /// assert_eq!(t.to_string(), "tf.Tensor(\n[[b'a']\n [b'bc']], shape=(2, 1), dtype=string)");
    /// # Ok::<(), tf_core::Error>(())
    /// ```
    pub fn from_strings(values: Vec<String>, shape: impl Into<Shape>) -> Result<Tensor> {
        Tensor::from_buffer(Buffer::String(values), shape)
    }

    /// The values of a string tensor, row-major.
    ///
    /// ```
    /// use tf_core as tf;
    /// let t = tf::constant(["hello", "world"]);
    /// assert_eq!(t.strings(), ["hello", "world"]);
    /// ```
    ///
    /// # Panics
    /// When the tensor is not a string tensor.
    #[track_caller]
    pub fn strings(&self) -> &[String] {
        match self.buffer() {
            Buffer::String(v) => v,
            _ => panic!("cannot read a {} tensor as strings", self.dtype),
        }
    }

    /// Internal constructor: the caller guarantees `buf.len() == shape.num_elements()`.
    #[inline]
    pub(crate) fn from_parts(buf: Buffer, shape: Shape) -> Tensor {
        debug_assert_eq!(buf.len(), shape.num_elements());
        Tensor {
            id: TensorId::fresh(),
            dtype: buf.dtype(),
            shape,
            storage: Arc::new(Storage::Cpu(buf)),
            logits: None,
        }
    }

    /// Internal: same storage, another shape of equal element count (reshape is free).
    pub(crate) fn with_shape(&self, shape: Shape) -> Tensor {
        debug_assert_eq!(shape.num_elements(), self.shape.num_elements());
        Tensor {
            id: TensorId::fresh(),
            shape,
            dtype: self.dtype,
            storage: self.storage.clone(),
            logits: None,
        }
    }

    /// Internal: this tensor's buffer to write a new value into, when nothing else shares it
    /// and it holds `dtype` values; `None` otherwise. The caller then gives the tensor its
    /// new shape with [`renew`](Self::renew).
    pub(crate) fn buffer_mut(&mut self, dtype: DType) -> Option<&mut Buffer> {
        // `Arc::get_mut` would do, but it takes a locked compare-exchange, as long as a
        // small op in a loop. No `Weak` to a tensor's storage is ever made (the field is
        // private and this module makes none), so a strong count of one means `self` is the
        // only holder; the fence orders this access after the other holders' drops.
        if Arc::strong_count(&self.storage) != 1 {
            return None;
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        // SAFETY: `self` is the only reference to the storage (above) and is borrowed
        // mutably for the returned lifetime; the pointer comes from the `Arc`'s own
        // allocation, as `Arc::get_mut` derives it.
        let storage = unsafe { &mut *(Arc::as_ptr(&self.storage) as *mut Storage) };
        match storage {
            Storage::Cpu(b) if b.dtype() == dtype => Some(b),
            _ => None,
        }
    }

    /// Internal: after its buffer was rewritten through [`buffer_mut`](Self::buffer_mut),
    /// the tensor is a new value of `shape`: a new identity.
    pub(crate) fn renew(&mut self, shape: &Shape) {
        debug_assert_eq!(shape.num_elements(), self.buffer().len());
        let (old, new) = (self.shape.dims(), shape.dims());
        if old.len() != new.len() || old.iter().zip(new).any(|(a, b)| a != b) {
            self.shape = shape.clone();
        }
        self.id = TensorId::fresh();
        self.logits = None;
    }

    /// Internal: trades values with `other`, of the same dtype and shape, by trading
    /// buffers only (a compiled loop's variable and the body output that replaces it).
    /// Identities stay where they were: the caller gives any tensor that leaves it a new
    /// one with [`refresh_id`](Self::refresh_id).
    pub(crate) fn swap_values(&mut self, other: &mut Tensor) {
        debug_assert!(self.dtype == other.dtype && self.shape == other.shape);
        std::mem::swap(&mut self.storage, &mut other.storage);
    }

    /// Internal: a new identity for this value (see [`swap_values`](Self::swap_values)).
    pub(crate) fn refresh_id(&mut self) {
        self.id = TensorId::fresh();
    }

    /// This value's identity (shared by clones, new for every op output).
    pub fn id(&self) -> TensorId {
        self.id
    }
    /// The shape.
    ///
    /// ```
    /// use tf_core as tf;
    /// let t = tf::zeros([2, 3], tf::float32);
    /// assert_eq!(t.shape().dims(), &[2, 3]);
    /// assert_eq!(t.shape().to_string(), "(2, 3)");
    /// ```
    pub fn shape(&self) -> &Shape {
        &self.shape
    }
    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// Number of dimensions.
    ///
    /// ```
    /// use tf_core as tf;
    /// assert_eq!(tf::constant(1.0f32).rank(), 0);
    /// assert_eq!(tf::zeros([2, 3, 4], tf::float32).rank(), 3);
    /// ```
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }
    /// Number of elements.
    ///
    /// ```
    /// use tf_core as tf;
    /// assert_eq!(tf::zeros([2, 3, 4], tf::float32).num_elements(), 24);
    /// ```
    pub fn num_elements(&self) -> usize {
        self.shape.num_elements()
    }
    /// The device holding the values.
    pub fn device(&self) -> Device {
        match &*self.storage {
            Storage::Cpu(_) | Storage::Symbolic(_) => Device::Cpu,
        }
    }

    /// This tensor, remembering that it is `squash(logits)` (Keras's `_keras_logits`): the
    /// softmax and sigmoid activations record it, and the crossentropy losses then compute
    /// from the logits, exactly, instead of from clipped probabilities. Clones keep it; an
    /// op's output never has it.
    ///
    /// ```
    /// use tf_core::{self as tf, Squash};
    /// let z = tf::constant([[2.0f32, -1.0]]);
    /// let p = tf::nn::softmax(&z, -1).with_logits(Squash::Softmax, &z);
    /// assert_eq!(p.logits(Squash::Softmax).unwrap().to_vec::<f32>(), vec![2.0, -1.0]);
    /// assert!(p.logits(Squash::Sigmoid).is_none());
    /// assert!((&p * 1.0).logits(Squash::Softmax).is_none());
    /// ```
    pub fn with_logits(mut self, squash: Squash, logits: &Tensor) -> Tensor {
        self.logits = Some(Arc::new((squash, logits.clone())));
        self
    }

    /// The logits this tensor was computed from by `squash`, if it recorded them
    /// ([`with_logits`](Self::with_logits)).
    pub fn logits(&self, squash: Squash) -> Option<&Tensor> {
        self.logits.as_deref().filter(|(s, _)| *s == squash).map(|(_, z)| z)
    }

    /// True for a symbolic tensor of a trace in progress (it has no value yet).
    pub fn is_symbolic(&self) -> bool {
        matches!(&*self.storage, Storage::Symbolic(_))
    }

    pub(crate) fn symbol(&self) -> Option<&Symbol> {
        match &*self.storage {
            Storage::Symbolic(s) => Some(s),
            Storage::Cpu(_) => None,
        }
    }

    /// A symbolic tensor for output `output` of node `node` in graph `graph`.
    pub(crate) fn symbolic(symbol: Symbol, dtype: DType, shape: Shape) -> Tensor {
        Tensor {
            id: TensorId::fresh(),
            shape,
            dtype,
            storage: Arc::new(Storage::Symbolic(symbol)),
            logits: None,
        }
    }

    /// The host buffer.
    ///
    /// # Panics
    /// For a symbolic tensor, which has no value until its graph runs.
    #[track_caller]
    pub fn buffer(&self) -> &Buffer {
        match &*self.storage {
            Storage::Cpu(b) => b,
            Storage::Symbolic(s) => panic!(
                "cannot read the value of a symbolic tensor while tracing `{}`: it has no value until the graph runs. \
                 Return it from the function, or print it at run time with tf::print",
                s.function
            ),
        }
    }

    /// The values as a slice of `T`.
    ///
    /// # Panics
    /// When `T` is not the tensor's dtype.
    #[track_caller]
    pub fn data<T: Element>(&self) -> &[T] {
        match T::slice(self.buffer()) {
            Some(s) => s,
            None => panic!("cannot read a {} tensor as {}", self.dtype, T::DTYPE),
        }
    }

    /// The values, row-major, as a `Vec<T>`.
    ///
    /// ```
    /// use tf_core as tf;
    /// let t = tf::constant([[1, 2], [3, 4]]);
    /// assert_eq!(t.to_vec::<i32>(), vec![1, 2, 3, 4]); // row-major
    /// ```
    ///
    /// # Panics
    /// When `T` is not the tensor's dtype (use `tf::cast` first).
    #[track_caller]
    pub fn to_vec<T: Element>(&self) -> Vec<T> {
        self.data::<T>().to_vec()
    }

    /// The value of a one-element tensor.
    ///
    /// ```
    /// use tf_core as tf;
    /// assert_eq!(tf::constant(2.5f64).scalar::<f64>(), 2.5);
    /// ```
    ///
    /// # Panics
    /// When the tensor does not hold exactly one element or `T` is not its dtype.
    #[track_caller]
    pub fn scalar<T: Element>(&self) -> T {
        let d = self.data::<T>();
        if d.len() != 1 {
            panic!("scalar(): tensor of shape {:?} holds {} values, not 1", self.shape, d.len());
        }
        d[0]
    }

    /// The values as an `ndarray` array.
    ///
    /// ```
    /// use tf_core as tf;
    /// let a = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]).to_ndarray::<f32>();
    /// assert_eq!(a.shape(), &[2, 2]);
    /// assert_eq!(a[[1, 0]], 3.0);
    /// ```
    ///
    /// # Panics
    /// When `T` is not the tensor's dtype.
    #[track_caller]
    pub fn to_ndarray<T: Element>(&self) -> ndarray::ArrayD<T> {
        ndarray::ArrayD::from_shape_vec(self.shape.dims(), self.to_vec::<T>()).expect("shape and data agree")
    }

    /// A tensor holding a copy of an `ndarray` array.
    ///
    /// ```
    /// use tf_core as tf;
    /// let a = ndarray::arr2(&[[1i64, 2, 3], [4, 5, 6]]);
    /// let t = tf::Tensor::from_ndarray(&a);
    /// assert_eq!((t.dtype(), t.shape().dims()), (tf::int64, &[2usize, 3][..]));
    /// assert_eq!(tf::transpose(&t, None).to_vec::<i64>(), vec![1, 4, 2, 5, 3, 6]);
    /// ```
    pub fn from_ndarray<T: Element, S: ndarray::Data<Elem = T>, D: ndarray::Dimension>(a: &ndarray::ArrayBase<S, D>) -> Tensor {
        let shape = Shape::new(a.shape());
        Tensor::from_parts(T::into_buffer(a.iter().copied().collect()), shape)
    }

    /// The same values under a new identity (a variable read, an assignment).
    pub(crate) fn renamed(&self) -> Tensor {
        Tensor {
            id: TensorId::fresh(),
            shape: self.shape.clone(),
            dtype: self.dtype,
            storage: self.storage.clone(),
            logits: None,
        }
    }

    /// Adds (`AssignAdd`) or subtracts `delta` into this buffer in place when this handle
    /// is its only owner; returns false (nothing done) otherwise.
    pub(crate) fn try_update_in_place(&mut self, delta: &Tensor, what: &str) -> bool {
        let sub = what.contains("Sub");
        let Some(Storage::Cpu(buf)) = Arc::get_mut(&mut self.storage) else {
            return false;
        };
        macro_rules! apply {
            ($($v:ident),*) => {
                match buf {
                    $(Buffer::$v(dst) => {
                        let src = delta.data();
                        for (d, &s) in dst.iter_mut().zip(src) {
                            *d = if sub { crate::ops::num::Num::sub(*d, s) } else { crate::ops::num::Num::add(*d, s) };
                        }
                        true
                    })*
                    Buffer::Bool(_) | Buffer::String(_) => false,
                }
            };
        }
        apply!(F32, F64, I32, I64, U8)
    }

    /// The float32 host values for writing: the buffer is copied first when another handle
    /// shares it. `None` for other dtypes and symbolic tensors.
    pub(crate) fn f32_mut(&mut self) -> Option<&mut [f32]> {
        if !matches!(&*self.storage, Storage::Cpu(Buffer::F32(_))) {
            return None;
        }
        if Arc::get_mut(&mut self.storage).is_none() {
            let copy = Buffer::F32(self.data::<f32>().to_vec());
            self.storage = Arc::new(Storage::Cpu(copy));
        }
        match Arc::get_mut(&mut self.storage) {
            Some(Storage::Cpu(Buffer::F32(d))) => Some(d.as_mut_slice()),
            _ => None,
        }
    }

    /// True when both handles share one buffer (no copy was made).
    ///
    /// ```
    /// use tf_core as tf;
    /// let x = tf::range(6);
    /// assert!(tf::reshape(&x, [2, 3]).shares_buffer_with(&x)); // a reshape is free
    /// assert!(!(&x + 0).shares_buffer_with(&x));
    /// ```
    pub fn shares_buffer_with(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_are_send_sync_and_cheap() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tensor>();
        let t = Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap();
        let u = t.clone();
        assert!(t.shares_buffer_with(&u));
    }

    #[test]
    fn bad_vec_shape_is_an_error() {
        let e = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [2, 2]).unwrap_err();
        assert!(e.to_string().contains("shape [2, 2] (4 elements) from 3 values"), "{e}");
    }
}
