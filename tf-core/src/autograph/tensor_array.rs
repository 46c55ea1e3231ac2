//! `tf.TensorArray`: a fixed-size list of same-shaped tensors, written functionally
//! (`ta = ta.write(i, &v)`) so it can be carried through a staged loop, where a `Vec::push`
//! would run only once at trace time.

use super::State;
use crate::{DType, Shape, Tensor};

/// A fixed-size array of tensors of one dtype and shape, stored as one stacked tensor.
///
/// ```
/// use tf_core as tf;
/// let mut ta = tf::TensorArray::new(tf::float32, 3);
/// for i in 0..3 {
///     ta = ta.write(i, &tf::constant([i as f32, 1.0]));
/// }
/// assert_eq!(ta.stack().to_vec::<f32>(), vec![0.0, 1.0, 1.0, 1.0, 2.0, 1.0]);
/// assert_eq!(ta.read(1).to_vec::<f32>(), vec![1.0, 1.0]);
/// ```
#[derive(Clone, Debug)]
pub struct TensorArray {
    dtype: DType,
    size: usize,
    /// `[size, ...element_shape]`, zeros where nothing was written yet; `None` until the
    /// element shape is known.
    buffer: Option<Tensor>,
}

/// An index into a `TensorArray`: a Rust integer or a scalar integer tensor.
pub trait ArrayIndex {
    /// The index as a scalar int64 tensor.
    fn index_tensor(&self) -> Tensor;
}
impl ArrayIndex for Tensor {
    fn index_tensor(&self) -> Tensor {
        crate::cast(self, DType::I64)
    }
}
impl ArrayIndex for &Tensor {
    fn index_tensor(&self) -> Tensor {
        crate::cast(self, DType::I64)
    }
}
macro_rules! int_index {
    ($($t:ty)*) => {$(
        impl ArrayIndex for $t {
            fn index_tensor(&self) -> Tensor {
                crate::constant(*self as i64)
            }
        }
    )*};
}
int_index!(i32 i64 u32 u64 usize);

impl TensorArray {
    /// `tf.TensorArray(dtype, size)`; the element shape is taken from the first write.
    pub fn new(dtype: DType, size: usize) -> TensorArray {
        TensorArray { dtype, size, buffer: None }
    }

    /// Fixes the element shape now (a staged loop that writes to an array not written
    /// before it learns the shape by staging one iteration first).
    pub fn with_element_shape(mut self, shape: impl Into<Shape>) -> TensorArray {
        let shape: Shape = shape.into();
        let mut dims = vec![self.size];
        dims.extend_from_slice(shape.dims());
        self.buffer = Some(crate::zeros(dims, self.dtype));
        self
    }

    /// The number of elements.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The element dtype.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// A new array with element `index` set to `value`.
    ///
    /// # Panics
    /// When `value`'s dtype or shape differs from the array's.
    #[track_caller]
    pub fn write(&self, index: impl ArrayIndex, value: &Tensor) -> TensorArray {
        if value.dtype() != self.dtype {
            panic!(
                "TensorArray dtype is {} but Op is trying to write dtype {}",
                self.dtype.name(),
                value.dtype().name()
            );
        }
        let buffer = match &self.buffer {
            Some(b) => {
                if &b.shape().dims()[1..] != value.shape().dims() {
                    panic!(
                        "Could not write to TensorArray index: its elements have shape {}, but the value has shape {}",
                        Shape::new(&b.shape().dims()[1..]),
                        value.shape()
                    );
                }
                b.clone()
            }
            None => {
                let mut dims = vec![self.size];
                dims.extend_from_slice(value.shape().dims());
                crate::zeros(dims, self.dtype)
            }
        };
        let mut mask_dims = vec![self.size as i64];
        mask_dims.extend(std::iter::repeat_n(1i64, value.rank()));
        let rows = crate::range(self.size as i64);
        let mask = crate::reshape(&crate::equal(&rows, &index.index_tensor()), mask_dims);
        let value = crate::expand_dims(value, 0);
        TensorArray {
            buffer: Some(crate::where_(&mask, &value, &buffer)),
            ..self.clone()
        }
    }

    /// Element `index`.
    ///
    /// # Panics
    /// When nothing was written yet and the element shape is unknown.
    #[track_caller]
    pub fn read(&self, index: impl ArrayIndex) -> Tensor {
        let i = crate::reshape(&index.index_tensor(), [1]);
        crate::squeeze(&crate::gather(self.buffer(), &i, 0), &[0])
    }

    /// All elements stacked along a new first axis.
    ///
    /// # Panics
    /// When nothing was written yet and the element shape is unknown.
    #[track_caller]
    pub fn stack(&self) -> Tensor {
        self.buffer().clone()
    }

    #[track_caller]
    fn buffer(&self) -> &Tensor {
        self.buffer.as_ref().unwrap_or_else(|| {
            panic!("TensorArray: the element shape is unknown (nothing was written); create it with `.with_element_shape(..)`")
        })
    }
}

impl State for TensorArray {
    fn flatten(&self, out: &mut Vec<Tensor>) {
        out.extend(self.buffer.clone());
    }
    fn rebuild(&self, it: &mut std::vec::IntoIter<Tensor>) -> Self {
        TensorArray {
            buffer: self.buffer.as_ref().map(|_| it.next().expect("the TensorArray's buffer")),
            ..self.clone()
        }
    }
    /// Before its first write the element shape is unknown.
    fn is_defined(&self) -> bool {
        self.buffer.is_some()
    }
    /// An array not yet written takes the buffer a staged iteration gives it, all zeros
    /// (which is what an array holds where nothing was written).
    fn define_like(self, like: &Self, shapes: &mut Vec<Shape>) -> Self {
        match (&self.buffer, &like.buffer) {
            (None, Some(l)) => TensorArray {
                buffer: Some(super::undefined::placeholders(l, shapes)),
                ..self
            },
            _ => super::keep_shapes(self, shapes),
        }
    }
}
