//! Dataset element structures: how an element is sliced out of tensors and how elements are
//! stacked into a batch.

use crate::{Error, Result, Tensor};
use std::collections::BTreeMap;

/// A dataset element: a tensor, a tuple of structures, or a string-keyed map of tensors.
pub trait Structure: Clone + Send + Sync + 'static {
    /// The shared first dimension of every component.
    ///
    /// # Errors
    /// `InvalidArgument` for a scalar component or differing first dimensions.
    fn leading_dim(&self) -> Result<usize>;
    /// Element `i` along the first dimension of every component.
    fn slice(&self, i: usize) -> Self;
    /// Stacks elements along a new first dimension.
    ///
    /// # Errors
    /// `InvalidArgument` naming the two shapes when components differ in shape or dtype.
    fn stack(items: &[Self]) -> Result<Self>;
    /// Stacks elements after padding each component with `value` to the largest shape among
    /// them (or to `shape` where given: one entry per component, `None` for "largest").
    ///
    /// # Errors
    /// `InvalidArgument` when ranks or dtypes differ, or an element exceeds a given shape.
    fn padded_stack(items: &[Self], value: f64) -> Result<Self>;
    /// Splits along the first dimension (the inverse of `stack`).
    ///
    /// # Errors
    /// As `leading_dim`.
    fn unstack(&self) -> Result<Vec<Self>> {
        Ok((0..self.leading_dim()?).map(|i| Structure::slice(self, i)).collect())
    }
}

impl Structure for Tensor {
    fn leading_dim(&self) -> Result<usize> {
        self.shape()
            .dims()
            .first()
            .copied()
            .ok_or_else(|| Error::InvalidArgument(format!("cannot slice a scalar tensor ({} {})", self.dtype(), self.shape())))
    }
    fn slice(&self, i: usize) -> Self {
        if self.is_symbolic() {
            return crate::strided_slice(self, &[crate::SliceItem::Index(i as i64)]);
        }
        // A dataset element is a plain copy of one row: no op dispatch on this per-element path.
        let dims = self.shape().dims();
        let row: usize = dims[1..].iter().product();
        crate::dispatch!(self.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let data = self.data::<T>()[i * row..(i + 1) * row].to_vec();
            Tensor::from_vec(data, dims[1..].to_vec()).expect("row of the same shape")
        })
    }
    fn stack(items: &[Self]) -> Result<Self> {
        let first = items
            .first()
            .ok_or_else(|| Error::InvalidArgument("cannot batch zero elements".into()))?;
        for (k, t) in items.iter().enumerate() {
            if t.shape() != first.shape() || t.dtype() != first.dtype() {
                return Err(Error::InvalidArgument(format!(
                    "Cannot batch tensors with different shapes in component 0. First element had shape {} and element {k} had shape {} \
                     (dtypes {} and {})",
                    first.shape(),
                    t.shape(),
                    first.dtype(),
                    t.dtype()
                )));
            }
        }
        if items.iter().any(Tensor::is_symbolic) {
            return Ok(crate::stack(&items.iter().collect::<Vec<_>>(), 0));
        }
        // A batch is the rows copied into one buffer: no op dispatch on this per-batch path.
        let mut dims = vec![items.len()];
        dims.extend_from_slice(first.shape().dims());
        crate::dispatch!(first.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let mut data = Vec::with_capacity(dims.iter().product());
            for t in items {
                data.extend_from_slice(t.data::<T>());
            }
            Ok(Tensor::from_vec(data, dims).expect("rows of one shape"))
        })
    }
    fn padded_stack(items: &[Self], value: f64) -> Result<Self> {
        let first = items
            .first()
            .ok_or_else(|| Error::InvalidArgument("cannot batch zero elements".into()))?;
        let rank = first.rank();
        let mut target = vec![0usize; rank];
        for t in items {
            if t.rank() != rank || t.dtype() != first.dtype() {
                return Err(Error::InvalidArgument(format!(
                    "padded_batch: elements of shapes {} ({}) and {} ({}) differ in rank or dtype",
                    first.shape(),
                    first.dtype(),
                    t.shape(),
                    t.dtype()
                )));
            }
            for (m, &d) in target.iter_mut().zip(t.shape().dims()) {
                *m = (*m).max(d);
            }
        }
        let padded: Vec<Tensor> = items
            .iter()
            .map(|t| {
                let p: Vec<(usize, usize)> = t.shape().dims().iter().zip(&target).map(|(&d, &m)| (0, m - d)).collect();
                crate::pad(t, &p, value)
            })
            .collect();
        Tensor::stack(&padded)
    }
}

macro_rules! tuple_structure {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: Structure),+> Structure for ($($t,)+) {
            fn leading_dim(&self) -> Result<usize> {
                let dims = [$(self.$i.leading_dim()?),+];
                if dims.iter().any(|&d| d != dims[0]) {
                    return Err(Error::InvalidArgument(format!("Dimensions {} and {} are not compatible", dims[0], dims.iter().find(|&&d| d != dims[0]).copied().unwrap_or(0))));
                }
                Ok(dims[0])
            }
            fn slice(&self, i: usize) -> Self {
                ($(Structure::slice(&self.$i, i),)+)
            }
            fn stack(items: &[Self]) -> Result<Self> {
                Ok(($($t::stack(&items.iter().map(|x| x.$i.clone()).collect::<Vec<_>>())?,)+))
            }
            fn padded_stack(items: &[Self], value: f64) -> Result<Self> {
                Ok(($($t::padded_stack(&items.iter().map(|x| x.$i.clone()).collect::<Vec<_>>(), value)?,)+))
            }
        }
    )*};
}
tuple_structure!((A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3));

impl Structure for BTreeMap<String, Tensor> {
    fn leading_dim(&self) -> Result<usize> {
        let mut dim = None;
        for (k, t) in self {
            let d = t.leading_dim().map_err(|e| Error::InvalidArgument(format!("feature `{k}`: {e}")))?;
            match dim {
                Some(prev) if prev != d => {
                    return Err(Error::InvalidArgument(format!(
                        "Dimensions {prev} and {d} are not compatible (feature `{k}`)"
                    )))
                }
                _ => dim = Some(d),
            }
        }
        dim.ok_or_else(|| Error::InvalidArgument("an empty map has no elements".into()))
    }
    fn slice(&self, i: usize) -> Self {
        self.iter().map(|(k, t)| (k.clone(), Structure::slice(t, i))).collect()
    }
    fn padded_stack(items: &[Self], value: f64) -> Result<Self> {
        per_feature(items, |col| Tensor::padded_stack(col, value))
    }
    fn stack(items: &[Self]) -> Result<Self> {
        per_feature(items, Tensor::stack)
    }
}

/// Applies `f` to each feature's column of `items` (keys from the first element).
fn per_feature(items: &[BTreeMap<String, Tensor>], f: impl Fn(&[Tensor]) -> Result<Tensor>) -> Result<BTreeMap<String, Tensor>> {
    let first = items
        .first()
        .ok_or_else(|| Error::InvalidArgument("cannot batch zero elements".into()))?;
    first
        .keys()
        .map(|k| {
            let col: Vec<Tensor> = items
                .iter()
                .map(|m| {
                    m.get(k)
                        .cloned()
                        .ok_or_else(|| Error::InvalidArgument(format!("element lacks feature `{k}`")))
                })
                .collect::<Result<_>>()?;
            Ok((
                k.clone(),
                f(&col).map_err(|e| Error::InvalidArgument(format!("feature `{k}`: {e}")))?,
            ))
        })
        .collect()
}
