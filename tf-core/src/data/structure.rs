//! Dataset element structures: how an element is sliced out of tensors and how elements are
//! stacked into a batch.

use crate::ops::TensorSpec;
use crate::{Error, Result, Tensor};
use std::collections::BTreeMap;

/// A dataset element: a tensor, a tuple of structures, or a string-keyed map of tensors.
pub trait Structure: Clone + Send + Sync + 'static {
    /// The element's type description (`element_spec`): a `TensorSpec` per tensor, in the
    /// same tuple or map shape.
    type Spec: Clone + PartialEq + std::fmt::Debug + Send + Sync + 'static;
    /// The spec of this element's tensors.
    fn spec(&self) -> Self::Spec;
    /// The same structure with each tensor replaced by `f` of it.
    fn map_tensors(&self, f: &mut dyn FnMut(&Tensor) -> Tensor) -> Self;
    /// The element's tensors, in [`map_tensors`](Self::map_tensors)'s order.
    fn tensors(&self) -> Vec<Tensor> {
        let mut out = Vec::new();
        self.map_tensors(&mut |t| {
            out.push(t.clone());
            t.clone()
        });
        out
    }
    /// The shared first dimension of every component.
    ///
    /// # Errors
    /// `InvalidArgument` for a scalar component or differing first dimensions.
    fn leading_dim(&self) -> Result<usize>;
    /// Element `i` along the first dimension of every component.
    fn slice(&self, i: usize) -> Self;
    /// Asks the cache for what [`slice(i)`](Self::slice) will read, without waiting (a hint:
    /// a shuffle knows its next pick one element early).
    fn prefetch_slice(&self, i: usize) {
        let _ = i;
    }
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
    /// Appends the element to `out` in a self-describing binary form (what
    /// [`Dataset::cache_file`](crate::data::Dataset::cache_file) stores).
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads an element that [`encode`](Self::encode) wrote, from `buf` at `*pos`.
    ///
    /// # Errors
    /// `DataLoss` saying what is malformed or truncated.
    fn decode(buf: &[u8], pos: &mut usize) -> Result<Self>;
}

fn take<'a>(buf: &'a [u8], pos: &mut usize, n: usize, what: &str) -> Result<&'a [u8]> {
    let end = pos.checked_add(n).filter(|&e| e <= buf.len());
    let end = end.ok_or_else(|| Error::DataLoss(format!("truncated element: {what} runs past the end")))?;
    let s = &buf[*pos..end];
    *pos = end;
    Ok(s)
}

fn take_u64(buf: &[u8], pos: &mut usize, what: &str) -> Result<u64> {
    Ok(u64::from_le_bytes(take(buf, pos, 8, what)?.try_into().expect("8 bytes")))
}

impl Structure for Tensor {
    type Spec = TensorSpec;
    fn spec(&self) -> TensorSpec {
        TensorSpec::of(self)
    }
    fn map_tensors(&self, f: &mut dyn FnMut(&Tensor) -> Tensor) -> Self {
        f(self)
    }
    /// dtype code (1 byte), rank (1 byte), each dimension (u64 LE), the values.
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(crate::train::bundle::dtype_code(self.dtype()) as u8);
        out.push(self.rank() as u8);
        for &d in self.shape().dims() {
            out.extend_from_slice(&(d as u64).to_le_bytes());
        }
        match self.buffer() {
            // Each string as its length (u64 LE) and bytes.
            crate::Buffer::String(v) => v.iter().for_each(|s| {
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }),
            _ => crate::data::npy::encode_values(self, out),
        }
    }
    fn decode(buf: &[u8], pos: &mut usize) -> Result<Tensor> {
        let head = take(buf, pos, 2, "tensor header")?;
        let dtype = crate::train::bundle::dtype_from_code(i64::from(head[0]))
            .ok_or_else(|| Error::DataLoss(format!("unknown dtype code {}", head[0])))?;
        let mut dims = Vec::with_capacity(head[1] as usize);
        for _ in 0..head[1] {
            let d = take_u64(buf, pos, "tensor shape")?;
            dims.push(usize::try_from(d).map_err(|_| Error::DataLoss(format!("dimension {d} is too large")))?);
        }
        if dtype == crate::DType::String {
            let n: usize = dims.iter().product();
            let mut v = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let len = usize::try_from(take_u64(buf, pos, "string length")?).unwrap_or(usize::MAX);
                let b = take(buf, pos, len, "string")?;
                v.push(String::from_utf8(b.to_vec()).map_err(|_| Error::DataLoss("a cached string is not UTF-8".into()))?);
            }
            return Tensor::from_buffer(crate::Buffer::String(v), dims);
        }
        let n = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .and_then(|n| n.checked_mul(dtype.size()));
        let n = n.ok_or_else(|| Error::DataLoss(format!("shape {dims:?} is too large")))?;
        let data = take(buf, pos, n, "tensor values")?;
        Tensor::from_buffer(crate::data::npy::decode_values(data, dtype, false), dims)
    }
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
        if let crate::Buffer::String(v) = self.buffer() {
            return Tensor::from_parts(
                crate::Buffer::String(v[i * row..(i + 1) * row].to_vec()),
                crate::Shape::new(&dims[1..]),
            );
        }
        crate::dispatch!(self.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            // Float rows in buffers from the recycler, where the rows already batched went.
            let mut data = tf_kernels::cpu::recycle::take_any(row);
            data.extend_from_slice(&self.data::<T>()[i * row..(i + 1) * row]);
            Tensor::from_vec(data, dims[1..].to_vec()).expect("row of the same shape")
        })
    }
    fn prefetch_slice(&self, i: usize) {
        if self.is_symbolic() || self.dtype() == crate::DType::String {
            return;
        }
        let row: usize = self.shape().dims()[1..].iter().product();
        crate::dispatch!(self.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            if let Some(r) = self.data::<T>().get(i * row..(i + 1) * row) {
                tf_kernels::cpu::prefetch(r);
            }
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
        if first.dtype() == crate::DType::String {
            let v = items.iter().flat_map(|t| t.strings().iter().cloned()).collect();
            return Tensor::from_buffer(crate::Buffer::String(v), dims);
        }
        crate::dispatch!(first.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            // A dropped batch's buffer comes back through the recycler: fresh memory would
            // cost a page fault every 4 KiB of every batch.
            let mut data = tf_kernels::cpu::recycle::take_any(dims.iter().product());
            for t in items {
                // An op boundary per row: a prefetching worker takes its share of the
                // training step's kernels here instead of after the whole batch.
                tf_kernels::cpu::help();
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
            type Spec = ($($t::Spec,)+);
            fn spec(&self) -> Self::Spec {
                ($(self.$i.spec(),)+)
            }
            fn map_tensors(&self, f: &mut dyn FnMut(&Tensor) -> Tensor) -> Self {
                ($(self.$i.map_tensors(f),)+)
            }
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
            fn prefetch_slice(&self, i: usize) {
                $( self.$i.prefetch_slice(i); )+
            }
            fn stack(items: &[Self]) -> Result<Self> {
                Ok(($($t::stack(&items.iter().map(|x| x.$i.clone()).collect::<Vec<_>>())?,)+))
            }
            fn padded_stack(items: &[Self], value: f64) -> Result<Self> {
                Ok(($($t::padded_stack(&items.iter().map(|x| x.$i.clone()).collect::<Vec<_>>(), value)?,)+))
            }
            fn encode(&self, out: &mut Vec<u8>) {
                $( self.$i.encode(out); )+
            }
            fn decode(buf: &[u8], pos: &mut usize) -> Result<Self> {
                Ok(($($t::decode(buf, pos)?,)+))
            }
        }
    )*};
}
tuple_structure!((A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3));

impl Structure for BTreeMap<String, Tensor> {
    type Spec = BTreeMap<String, TensorSpec>;
    fn spec(&self) -> Self::Spec {
        self.iter().map(|(k, t)| (k.clone(), t.spec())).collect()
    }
    fn map_tensors(&self, f: &mut dyn FnMut(&Tensor) -> Tensor) -> Self {
        self.iter().map(|(k, t)| (k.clone(), f(t))).collect()
    }
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
    fn prefetch_slice(&self, i: usize) {
        self.values().for_each(|t| t.prefetch_slice(i));
    }
    fn padded_stack(items: &[Self], value: f64) -> Result<Self> {
        per_feature(items, |col| Tensor::padded_stack(col, value))
    }
    fn stack(items: &[Self]) -> Result<Self> {
        per_feature(items, Tensor::stack)
    }
    /// The feature count (u64 LE), then each key (length u64 LE, UTF-8) and tensor.
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for (k, t) in self {
            out.extend_from_slice(&(k.len() as u64).to_le_bytes());
            out.extend_from_slice(k.as_bytes());
            t.encode(out);
        }
    }
    fn decode(buf: &[u8], pos: &mut usize) -> Result<Self> {
        let n = take_u64(buf, pos, "feature count")?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let len = usize::try_from(take_u64(buf, pos, "key length")?).map_err(|_| Error::DataLoss("key too long".into()))?;
            let key = std::str::from_utf8(take(buf, pos, len, "key")?).map_err(|_| Error::DataLoss("a key is not UTF-8".into()))?;
            m.insert(key.to_string(), Tensor::decode(buf, pos)?);
        }
        Ok(m)
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
