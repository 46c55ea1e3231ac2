//! `tf::data`: input pipelines. A `Dataset<T>` is a recipe that makes a fresh iterator per
//! pass (epoch); transformations wrap the recipe. Elements are structures of tensors
//! (`Tensor`, tuples, string-keyed maps); iteration yields `Result<T>` so that a bad batch or
//! a damaged file is a `tf::Error` naming what is wrong, never garbage.
//!
//! ```
//! use tf_core as tf;
//! use tf::data::Dataset;
//! let ds = Dataset::from_tensor_slices(tf::range(10i64)).unwrap().map(|x| &x * 2i64).batch(4, false);
//! let batches: Vec<Vec<i64>> = ds.iter().map(|b| b.unwrap().to_vec::<i64>()).collect();
//! assert_eq!(batches, vec![vec![0, 2, 4, 6], vec![8, 10, 12, 14], vec![16, 18]]);
//! ```

mod cache;
mod csv;
mod gzip;
pub(crate) mod npy;
mod prefetch;
mod structure;
mod text;
pub(crate) mod tfrecord;
mod transform;

pub use csv::{make_csv_dataset, read_csv};
pub use gzip::gunzip;
pub use npy::{load_npy, load_npz, parse_npy, save_npy};
pub use structure::Structure;
pub use text::text_line_dataset;
pub use tfrecord::{crc32c, masked_crc32c, tfrecord_dataset, TFRecordWriter};

use crate::{Error, Result};
use std::sync::Arc;

/// `tf.data.AUTOTUNE`: let the runtime pick a buffer size.
pub const AUTOTUNE: i64 = -1;

/// An iterator over a dataset's elements.
pub type DatasetIter<T> = Box<dyn Iterator<Item = Result<T>> + Send>;

type Recipe<T> = Arc<dyn Fn() -> DatasetIter<T> + Send + Sync>;

/// A symbolic element: called inside a trace, it makes the element a pass would yield out of
/// placeholders (and the ops the pipeline's functions apply to them). `element_spec` traces
/// it, so it learns what `map` makes without running anything on data.
type Symbolic<T> = Arc<dyn Fn() -> T + Send + Sync>;

/// A dataset whose elements can be made in any order, at no cost beyond making them
/// (`from_tensor_slices`, `range`): element `i`, and a hint that element `i` comes soon
/// (prefetching what making it reads).
struct Indexed<T> {
    at: Arc<dyn Fn(usize) -> T + Send + Sync>,
    soon: Arc<dyn Fn(usize) + Send + Sync>,
}

impl<T> Clone for Indexed<T> {
    fn clone(&self) -> Self {
        Indexed {
            at: self.at.clone(),
            soon: self.soon.clone(),
        }
    }
}

/// A placeholder of `dtype` and `shape` in the trace being recorded.
pub(crate) fn placeholder(dtype: crate::DType, shape: crate::Shape) -> crate::Tensor {
    crate::graph::trace::placeholder(&crate::ops::TensorSpec::new(shape, dtype))
}

/// How many elements a dataset has, when that is known without iterating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    /// Exactly this many.
    Known(usize),
    /// It never ends (`repeat()` without a count).
    Infinite,
    /// Depends on the data (`filter`, generators).
    Unknown,
}

impl Cardinality {
    fn map(self, f: impl FnOnce(usize) -> usize) -> Cardinality {
        match self {
            Cardinality::Known(n) => Cardinality::Known(f(n)),
            other => other,
        }
    }
}

/// `tf.data.Dataset`: a re-iterable pipeline of elements of type `T`.
pub struct Dataset<T> {
    recipe: Recipe<T>,
    cardinality: Cardinality,
    /// `None` where the element's structure is not known without data (generators, files,
    /// `interleave`, `flat_map`, `window`, `concatenate`).
    element: Option<Symbolic<T>>,
    /// Where the elements can be made by index: `shuffle` then keeps indices in its buffer
    /// rather than elements (the same order, without a buffer of elements gone cold).
    indexed: Option<Indexed<T>>,
}

impl<T> Clone for Dataset<T> {
    fn clone(&self) -> Self {
        Dataset {
            recipe: self.recipe.clone(),
            cardinality: self.cardinality,
            element: self.element.clone(),
            indexed: self.indexed.clone(),
        }
    }
}

impl<T: Send + 'static> Dataset<T> {
    pub(crate) fn from_recipe(cardinality: Cardinality, recipe: impl Fn() -> DatasetIter<T> + Send + Sync + 'static) -> Dataset<T> {
        Dataset {
            recipe: Arc::new(recipe),
            cardinality,
            element: None,
            indexed: None,
        }
    }

    /// The dataset of the `n` elements `at(0), at(1), …`; `soon(i)` says `at(i)` comes next.
    fn from_indexed(n: usize, at: impl Fn(usize) -> T + Send + Sync + 'static, soon: impl Fn(usize) + Send + Sync + 'static) -> Dataset<T> {
        Dataset::of_indexed(
            n,
            Indexed {
                at: Arc::new(at),
                soon: Arc::new(soon),
            },
        )
    }

    fn of_indexed(n: usize, ix: Indexed<T>) -> Dataset<T> {
        let at = ix.at.clone();
        let mut ds = Dataset::from_recipe(Cardinality::Known(n), move || {
            let at = at.clone();
            Box::new((0..n).map(move |i| Ok(at(i))))
        });
        ds.indexed = Some(ix);
        ds
    }

    /// Elements `start..start + len` (as many as there are) of a dataset made by index, again
    /// made by index: `take` and `skip` keep a following `shuffle` buffering indices.
    pub(crate) fn indexed_range(&self, start: usize, len: usize) -> Option<Dataset<T>> {
        let (ix, Cardinality::Known(n)) = (self.indexed.as_ref()?, self.cardinality) else {
            return None;
        };
        let (at, soon) = (ix.at.clone(), ix.soon.clone());
        let ix = Indexed {
            at: Arc::new(move |i| at(start + i)),
            soon: Arc::new(move |i| soon(start + i)),
        };
        Some(Dataset::of_indexed(len.min(n.saturating_sub(start)), ix).with_element(self.element.clone()))
    }

    /// A dataset of the same elements as this one's (a transformation that keeps them).
    pub(crate) fn derive(&self, cardinality: Cardinality, recipe: impl Fn() -> DatasetIter<T> + Send + Sync + 'static) -> Dataset<T> {
        Dataset::from_recipe(cardinality, recipe).with_element(self.element.clone())
    }

    pub(crate) fn with_element(mut self, element: Option<Symbolic<T>>) -> Dataset<T> {
        self.element = element;
        self
    }

    /// The identity of the pipeline (shared by clones).
    pub(crate) fn identity(&self) -> usize {
        Arc::as_ptr(&self.recipe) as *const () as usize
    }

    /// A fresh pass over the elements.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// let mut it = Dataset::range(0, 2, 1)?.iter();
    /// assert_eq!(it.next().unwrap()?.scalar::<i64>(), 0);
    /// assert_eq!(it.next().unwrap()?.scalar::<i64>(), 1);
    /// assert!(it.next().is_none());
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn iter(&self) -> DatasetIter<T> {
        (self.recipe)()
    }

    /// `dataset.cardinality()`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// use tf::data::Cardinality;
    /// let ds = Dataset::range(0, 42, 1)?;
    /// assert_eq!(ds.cardinality(), Cardinality::Known(42));
    /// assert_eq!(ds.repeat(None).cardinality(), Cardinality::Infinite);
    /// assert_eq!(ds.filter(|x| x.scalar::<i64>() % 2 == 0).cardinality(), Cardinality::Unknown);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn cardinality(&self) -> Cardinality {
        self.cardinality
    }

    /// `Dataset.from_generator`: elements from an iterator made afresh for each pass.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// let ds: Dataset<tf::Tensor> = Dataset::from_generator(|| (0..3i64).map(|i| tf::constant(i * i)));
    /// assert_eq!(ints(&ds), vec![0, 1, 4]);
    /// assert_eq!(ints(&ds), vec![0, 1, 4]); // a fresh iterator each pass
    /// ```
    pub fn from_generator<I>(make: impl Fn() -> I + Send + Sync + 'static) -> Dataset<T>
    where
        I: Iterator<Item = T> + Send + 'static,
    {
        Dataset::from_recipe(Cardinality::Unknown, move || Box::new(make().map(Ok)))
    }

    /// `dataset.reduce(initial, f)`: folds every element into one value.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// let sum = Dataset::range(0, 5, 1)?.reduce(0, |s, x| s + x.scalar::<i64>())?;
    /// assert_eq!(sum, 10);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// The first error the pipeline yields.
    pub fn reduce<A>(&self, initial: A, f: impl Fn(A, T) -> A) -> Result<A> {
        let mut acc = initial;
        for x in self.iter() {
            acc = f(acc, x?);
        }
        Ok(acc)
    }
}

impl<T: Structure> Dataset<T> {
    /// `dataset.element_spec`: the dtype and shape of each tensor of an element, in the
    /// element's tuple or map structure; a dimension that varies between elements (the batch
    /// dimension of `batch` without `drop_remainder`) is `None`. What `map` makes is found by
    /// tracing its function on placeholders, as TensorFlow does.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// let ds = Dataset::from_tensor_slices((tf::zeros([10, 28, 28], tf::float32), tf::zeros([10], tf::int64)))?.batch(4, false);
    /// let (x, y) = ds.element_spec()?;
    /// assert_eq!(x.to_string(), "TensorSpec(shape=(None, 28, 28), dtype=tf.float32, name=None)");
    /// assert_eq!(y.to_string(), "TensorSpec(shape=(None,), dtype=tf.int64, name=None)");
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Unimplemented` for a dataset whose elements are known only from data (`from_generator`,
    /// `tfrecord_dataset`, `interleave`, `flat_map`, `window`, `concatenate`); `InvalidArgument` when a `map` function
    /// cannot be traced (it reads tensor values), with its message.
    pub fn element_spec(&self) -> Result<T::Spec> {
        Ok(self.symbolic_element()?.0.spec())
    }

    /// The symbolic element, traced on its own (its tensors belong to that finished trace:
    /// only their dtypes, shapes and structure are of use), and its tensors' specs in order.
    pub(crate) fn symbolic_element(&self) -> Result<(T, Vec<crate::ops::TensorSpec>)> {
        let element = self.element.clone().ok_or_else(|| {
            Error::Unimplemented(
                "element_spec: this dataset's elements come from a generator, a file, interleave, flat_map, window or concatenate, \
                 whose structure is known \
                 only from the data"
                    .into(),
            )
        })?;
        let mut made = None;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::graph::trace_graph("element_spec", &[], |_| {
                made = Some(element());
                Vec::new()
            })
        }))
        .map_err(|p| Error::from_panic("element_spec: a dataset function could not be traced", &*p))?;
        let made = made.expect("the trace ran");
        let specs = made.tensors().iter().map(crate::ops::TensorSpec::of).collect();
        Ok((made, specs))
    }

    /// The dataset as a graph's element source: each pass flattens its elements to tensors.
    pub(crate) fn source(&self) -> crate::graph::DatasetSource {
        let recipe = self.recipe.clone();
        crate::graph::DatasetSource(Arc::new(move || Box::new(recipe().map(|el| el.map(|el| el.tensors())))))
    }

    /// `Dataset.from_tensor_slices(x)`: one element per index of the first dimension of
    /// every component.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// let ds = Dataset::from_tensor_slices((tf::constant([[1, 2], [3, 4]]), tf::constant([7i64, 8])))?;
    /// let (x, y) = ds.iter().next().unwrap()?;
    /// assert_eq!((x.to_vec::<i32>(), y.scalar::<i64>()), (vec![1, 2], 7));
    /// assert_eq!(ds.iter().count(), 2);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when a component is a scalar or the components' first dimensions
    /// differ.
    pub fn from_tensor_slices(x: T) -> Result<Dataset<T>> {
        let n = x.leading_dim()?;
        let x = Arc::new(x);
        let of = x.clone();
        let element: Symbolic<T> =
            Arc::new(move || of.map_tensors(&mut |t| placeholder(t.dtype(), crate::Shape::new(&t.shape().dims()[1..]))));
        let rows = x.clone();
        Ok(Dataset::from_indexed(n, move |i| Structure::slice(&*x, i), move |i| rows.prefetch_slice(i)).with_element(Some(element)))
    }

    /// `Dataset.from_tensors(x)`: a dataset of the single element `x`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// let ds = Dataset::from_tensors(tf::constant([1, 2, 3]));
    /// let all: Vec<Vec<i32>> = ds.iter().map(|x| x.unwrap().to_vec::<i32>()).collect();
    /// assert_eq!(all, vec![vec![1, 2, 3]]);
    /// ```
    pub fn from_tensors(x: T) -> Dataset<T> {
        let of = x.clone();
        let element: Symbolic<T> = Arc::new(move || of.map_tensors(&mut |t| placeholder(t.dtype(), t.shape().clone())));
        Dataset::from_recipe(Cardinality::Known(1), move || Box::new(std::iter::once(Ok(x.clone())))).with_element(Some(element))
    }
}

impl Dataset<crate::Tensor> {
    /// `Dataset.range(start, stop, step)`: int64 scalars.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// assert_eq!(ints(&Dataset::range(0, 5, 1)?), vec![0, 1, 2, 3, 4]);
    /// assert_eq!(ints(&Dataset::range(2, 5, 1)?), vec![2, 3, 4]);
    /// assert_eq!(ints(&Dataset::range(1, 5, 2)?), vec![1, 3]);
    /// assert_eq!(ints(&Dataset::range(5, 1, -2)?), vec![5, 3]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when `step` is zero.
    pub fn range(start: i64, stop: i64, step: i64) -> Result<Dataset<crate::Tensor>> {
        if step == 0 {
            return Err(Error::InvalidArgument("Dataset.range: step must not be 0".into()));
        }
        let n = if (step > 0 && stop > start) || (step < 0 && stop < start) {
            ((stop - start).abs() + step.abs() - 1) / step.abs()
        } else {
            0
        } as usize;
        let element: Symbolic<crate::Tensor> = Arc::new(|| placeholder(crate::DType::I64, crate::Shape::scalar()));
        Ok(Dataset::from_indexed(n, move |i| crate::constant(start + i as i64 * step), |_| {}).with_element(Some(element)))
    }
}

impl<T: Send + 'static> IntoIterator for &Dataset<T> {
    type Item = Result<T>;
    type IntoIter = DatasetIter<T>;
    fn into_iter(self) -> DatasetIter<T> {
        self.iter()
    }
}

/// `Dataset.zip((a, b))`: pairs of elements, as long as the shorter.
///
/// ```
/// use tf_core as tf;
/// use tf::data::Dataset;
/// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
/// let pairs = tf::data::zip(&Dataset::range(1, 4, 1)?, &Dataset::range(4, 7, 1)?);
/// let v: Vec<(i64, i64)> = pairs.iter().map(|p| p.map(|(a, b)| (a.scalar::<i64>(), b.scalar::<i64>())).unwrap()).collect();
/// assert_eq!(v, vec![(1, 4), (2, 5), (3, 6)]);
/// # Ok::<(), tf::Error>(())
/// ```
pub fn zip<A: Send + 'static, B: Send + 'static>(a: &Dataset<A>, b: &Dataset<B>) -> Dataset<(A, B)> {
    let (ra, rb) = (a.recipe.clone(), b.recipe.clone());
    let card = match (a.cardinality, b.cardinality) {
        (Cardinality::Known(x), Cardinality::Known(y)) => Cardinality::Known(x.min(y)),
        (Cardinality::Known(x), Cardinality::Infinite) | (Cardinality::Infinite, Cardinality::Known(x)) => Cardinality::Known(x),
        (Cardinality::Infinite, Cardinality::Infinite) => Cardinality::Infinite,
        _ => Cardinality::Unknown,
    };
    let element = match (a.element.clone(), b.element.clone()) {
        (Some(ea), Some(eb)) => Some(Arc::new(move || (ea(), eb())) as Symbolic<(A, B)>),
        _ => None,
    };
    Dataset::from_recipe(card, move || Box::new(ra().zip(rb()).map(|(x, y)| Ok((x?, y?))))).with_element(element)
}
