//! NumPy-style indexing: `x.slice(tf::s![1..3, ..;2, tf::NEW_AXIS, -1])`, as TensorFlow's
//! `x[1:3, ::2, tf.newaxis, -1]`, staged as one `StridedSlice` op.

use super::run;
use crate::ops::{movement as m, Attrs};
use crate::Tensor;

/// One item of an index expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceItem {
    /// A single index (negative counts from the end); removes the dimension.
    Index(i64),
    /// `start..end;step`, each bound optional as in Python.
    Range {
        /// First index (default: the start for a positive step, the end for a negative one).
        start: Option<i64>,
        /// One past the last index (default: past the far end).
        end: Option<i64>,
        /// Step, non-zero.
        step: i64,
    },
    /// `tf.newaxis`: inserts a dimension of size 1.
    NewAxis,
    /// `...`: as many full ranges as needed.
    Ellipsis,
}

/// `tf.newaxis`.
pub const NEW_AXIS: SliceItem = SliceItem::NewAxis;
/// `...` in an index expression.
pub const ELLIPSIS: SliceItem = SliceItem::Ellipsis;

impl SliceItem {
    /// The same range with another step (`s![..;2]`).
    ///
    /// # Panics
    /// When applied to an index, a new axis or an ellipsis.
    pub fn step_by(self, step: i64) -> SliceItem {
        match self {
            SliceItem::Range { start, end, .. } => SliceItem::Range { start, end, step },
            other => panic!("a step applies to a range, not to {other:?}"),
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for SliceItem {
            fn from(i: $t) -> Self { SliceItem::Index(i as i64) }
        }
        impl From<std::ops::Range<$t>> for SliceItem {
            fn from(r: std::ops::Range<$t>) -> Self { SliceItem::Range { start: Some(r.start as i64), end: Some(r.end as i64), step: 1 } }
        }
        impl From<std::ops::RangeFrom<$t>> for SliceItem {
            fn from(r: std::ops::RangeFrom<$t>) -> Self { SliceItem::Range { start: Some(r.start as i64), end: None, step: 1 } }
        }
        impl From<std::ops::RangeTo<$t>> for SliceItem {
            fn from(r: std::ops::RangeTo<$t>) -> Self { SliceItem::Range { start: None, end: Some(r.end as i64), step: 1 } }
        }
        impl From<std::ops::RangeInclusive<$t>> for SliceItem {
            fn from(r: std::ops::RangeInclusive<$t>) -> Self {
                let end = *r.end() as i64 + 1;
                SliceItem::Range { start: Some(*r.start() as i64), end: if end == 0 { None } else { Some(end) }, step: 1 }
            }
        }
    )*};
}
from_int!(i32, i64, usize);

impl From<std::ops::RangeFull> for SliceItem {
    fn from(_: std::ops::RangeFull) -> Self {
        SliceItem::Range {
            start: None,
            end: None,
            step: 1,
        }
    }
}

/// Builds an index expression for [`Tensor::slice`]: comma-separated indices, ranges
/// (`a..b`, `a..`, `..b`, `..`, `a..=b`), ranges with a step (`..;-1`), `tf::NEW_AXIS` and
/// `tf::ELLIPSIS`.
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::range(12), [3, 4]);
/// assert_eq!(x.slice(tf::s![1.., ..;2]).to_vec::<i32>(), vec![4, 6, 8, 10]);
/// assert_eq!(x.slice(tf::s![-1, ..;-1]).to_vec::<i32>(), vec![11, 10, 9, 8]);
/// assert_eq!(x.slice(tf::s![tf::ELLIPSIS, 0, tf::NEW_AXIS]).shape().dims(), &[3, 1]);
/// ```
#[macro_export]
macro_rules! s {
    (@parse [$($done:expr,)*] $r:expr ; $step:expr , $($rest:tt)*) => { $crate::s!(@parse [$($done,)* $crate::SliceItem::from($r).step_by($step),] $($rest)*) };
    (@parse [$($done:expr,)*] $r:expr ; $step:expr) => { ::std::vec![$($done,)* $crate::SliceItem::from($r).step_by($step)] };
    (@parse [$($done:expr,)*] $r:expr , $($rest:tt)*) => { $crate::s!(@parse [$($done,)* $crate::SliceItem::from($r),] $($rest)*) };
    (@parse [$($done:expr,)*] $r:expr) => { ::std::vec![$($done,)* $crate::SliceItem::from($r)] };
    (@parse [$($done:expr,)*]) => { ::std::vec![$($done),*] };
    ($($t:tt)*) => { $crate::s!(@parse [] $($t)*) };
}

/// `tf.strided_slice` from an index expression (see [`s!`](crate::s)).
///
/// ```
/// use tf_core as tf;
/// let x = tf::reshape(&tf::range(12), [3, 4]);
/// // x[1:, ::2] in Python
/// let y = tf::strided_slice(&x, &tf::s![1.., ..;2]);
/// assert_eq!(y.to_vec::<i32>(), vec![4, 6, 8, 10]);
/// // x[-1, tf.newaxis]
/// assert_eq!(x.slice(tf::s![-1, tf::NEW_AXIS]).shape().dims(), &[1, 4]);
/// ```
///
/// # Panics
/// When there are more indices than dimensions, more than one ellipsis, a zero step, or an
/// index out of range.
#[track_caller]
pub fn strided_slice(x: &Tensor, items: &[SliceItem]) -> Tensor {
    let rank = x.rank();
    let consumed = items
        .iter()
        .filter(|i| matches!(i, SliceItem::Index(_) | SliceItem::Range { .. }))
        .count();
    let ellipses = items.iter().filter(|i| **i == SliceItem::Ellipsis).count();
    if ellipses > 1 || consumed > rank {
        panic!("StridedSlice: index {items:?} has {consumed} indices (and {ellipses} ellipses) for a tensor of rank {rank}");
    }
    let mut full: Vec<SliceItem> = Vec::with_capacity(rank + items.len());
    for it in items {
        if *it == SliceItem::Ellipsis {
            full.extend(std::iter::repeat_n(SliceItem::from(..), rank - consumed));
        } else {
            full.push(*it);
        }
    }
    while full
        .iter()
        .filter(|i| matches!(i, SliceItem::Index(_) | SliceItem::Range { .. }))
        .count()
        < rank
    {
        full.push(SliceItem::from(..));
    }
    let (mut begin, mut end, mut strides) = (Vec::new(), Vec::new(), Vec::new());
    let (mut bm, mut em, mut sm) = (0i64, 0i64, 0i64);
    let mut out_dims: Vec<Option<usize>> = Vec::new(); // None marks a new axis
    for it in &full {
        let d = begin.len();
        match *it {
            SliceItem::Index(i) => {
                begin.push(i);
                end.push(i + 1);
                strides.push(1);
                sm |= 1 << d;
            }
            SliceItem::Range { start, end: e, step } => {
                begin.push(start.unwrap_or(0));
                end.push(e.unwrap_or(0));
                strides.push(step);
                bm |= (start.is_none() as i64) << d;
                em |= (e.is_none() as i64) << d;
                out_dims.push(Some(d));
            }
            SliceItem::NewAxis => out_dims.push(None),
            SliceItem::Ellipsis => unreachable!("expanded above"),
        }
    }
    let sliced = run(
        &m::STRIDED_SLICE,
        &[x],
        Attrs::new()
            .ints("begin", begin)
            .ints("end", end)
            .ints("strides", strides)
            .int("begin_mask", bm)
            .int("end_mask", em)
            .int("shrink_axis_mask", sm),
    );
    if !full.contains(&SliceItem::NewAxis) {
        return sliced;
    }
    let kept = sliced.shape().dims().to_vec();
    let mut q = 0;
    let shape: Vec<i64> = out_dims
        .iter()
        .map(|o| match o {
            Some(_) => {
                q += 1;
                kept[q - 1] as i64
            }
            None => 1,
        })
        .collect();
    super::reshape(&sliced, shape)
}

impl Tensor {
    /// `x[...]`: NumPy-style indexing with an [`s!`](crate::s) expression.
    #[track_caller]
    pub fn slice(&self, items: Vec<SliceItem>) -> Tensor {
        strided_slice(self, &items)
    }
}
