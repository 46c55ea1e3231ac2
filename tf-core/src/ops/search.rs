//! Searching, counting and hashing into buckets: `LowerBound` / `UpperBound`
//! (`tf.searchsorted`), the dense bincount of Keras's categorical encodings, and TensorFlow's
//! fast hash of integers into buckets. None is differentiable (their outputs are indices and
//! counts).

use super::{arity, check_dtype, out1, same_dtype, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, Specs};
use crate::{dispatch, DType, Element, Shape, Tensor};

/// The dtypes `tf.searchsorted` searches.
const SEARCHED: &[DType] = &[DType::F32, DType::F64, DType::I32, DType::I64];

/// `sorted_sequence` `[..., n]` and `values` `[..., m]` with the same leading dimensions; the
/// output is `values`' shape, of `out_type` (int32 or int64).
fn infer_bound(i: &[&Tensor], a: &Attrs) -> Result<Specs, String> {
    arity(i, 2)?;
    check_dtype(i, 0, SEARCHED)?;
    same_dtype(i, 0, 1)?;
    let (s, v) = (i[0].shape(), i[1].shape());
    if s.rank() == 0 || s.rank() != v.rank() {
        return Err(format!(
            "sorted_sequence and values must have the same rank, at least 1, got shapes {s} and {v}"
        ));
    }
    let lead = s.rank() - 1;
    if (0..lead).any(|d| matches!((s.dim(d), v.dim(d)), (Some(a), Some(b)) if a != b)) {
        return Err(format!(
            "sorted_sequence and values must have the same leading (batch) dimensions, got shapes {s} and {v}"
        ));
    }
    let out = a.get_dtype("out_type").unwrap_or(DType::I32);
    check_out(out)?;
    Ok(spec(out, v.clone()))
}

fn check_out(d: DType) -> Result<(), String> {
    match d {
        DType::I32 | DType::I64 => Ok(()),
        other => Err(format!("out_type must be int32 or int64, got {other}")),
    }
}

/// For each row, the insertion point of every value into the sorted row: the first index
/// whose entry is `>=` the value (`upper`: `>`).
fn bound_kernel(i: &[&Tensor], s: &Specs, upper: bool) -> Result<super::Outputs, String> {
    let (sorted, values) = (i[0], i[1]);
    let n = *sorted.shape().dims().last().unwrap_or(&0);
    let m = *values.shape().dims().last().unwrap_or(&0);
    let rows = values.num_elements().checked_div(m).unwrap_or(0);
    let idx: Vec<usize> = dispatch!(sorted.dtype(), [F32, F64, I32, I64], T => {
        let (srt, val) = (sorted.data::<T>(), values.data::<T>());
        let mut out = Vec::with_capacity(rows * m);
        for r in 0..rows {
            let row = &srt[r * n..(r + 1) * n];
            for v in &val[r * m..(r + 1) * m] {
                out.push(if upper { row.partition_point(|x| x <= v) } else { row.partition_point(|x| x < v) });
            }
        }
        out
    });
    let buf = match s[0].dtype {
        DType::I64 => i64::into_buffer(idx.iter().map(|&v| v as i64).collect()),
        _ => {
            if n > i32::MAX as usize {
                return Err(format!("a sorted row of {n} entries does not fit out_type int32: use int64"));
            }
            i32::into_buffer(idx.iter().map(|&v| v as i32).collect())
        }
    };
    out1(buf, &s[0])
}

fn bound_cases() -> Vec<Case> {
    let sorted = |d: DType| super::sample(d, &[2, 4], Domain::Any, 3);
    SEARCHED
        .iter()
        .map(|&d| {
            let s = crate::sort(&sorted(d), -1, false);
            let v = super::sample(d, &[2, 3], Domain::Any, 4);
            Case {
                inputs: vec![s, v],
                attrs: Attrs::new().dtype("out_type", if d == DType::I64 { DType::I64 } else { DType::I32 }),
            }
        })
        .collect()
}

/// `LowerBound` (`tf.searchsorted(side="left")`): for each value, the first index of its row
/// of `sorted_sequence` whose entry is not less than it.
pub static LOWER_BOUND: OpDef = OpDef {
    name: "LowerBound",
    infer: infer_bound,
    cpu: Kernel::Alloc(|i, _, s| bound_kernel(i, s, false)),
    domain: Domain::Any,
    cases: bound_cases,
    stateful: false,
    grad: Grad::None,
};

/// `UpperBound` (`tf.searchsorted(side="right")`): for each value, the first index of its
/// row whose entry is greater than it.
pub static UPPER_BOUND: OpDef = OpDef {
    name: "UpperBound",
    infer: infer_bound,
    cpu: Kernel::Alloc(|i, _, s| bound_kernel(i, s, true)),
    domain: Domain::Any,
    cases: bound_cases,
    stateful: false,
    grad: Grad::None,
};

/// `_DenseBincount`: how often each of `0..size` occurs in an int `input` — over all of a
/// `[n]` input (output `[size]`), or per row of a `[batch, n]` one (`[batch, size]`).
/// Attributes: `size`, `binary_output` (1 where a value occurs at all), `dtype` (of the
/// counts), and `check_range`: a value outside `[0, size)` is then an error in Keras's words
/// (`CategoryEncoding`); without it a value `>= size` is left out and a negative one is an
/// error, as in TensorFlow's `DenseBincount`.
pub static DENSE_BINCOUNT: OpDef = OpDef {
    name: "_DenseBincount",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, &[DType::I32, DType::I64])?;
        let size = a.get_int("size")?;
        if size < 0 {
            return Err(format!("size must be non-negative, got {size}"));
        }
        let out = a.get_dtype("dtype")?;
        if ![DType::F32, DType::F64, DType::I32, DType::I64].contains(&out) {
            return Err(format!("dtype must be float32, float64, int32 or int64, got {out}"));
        }
        let shape = match i[0].shape().dims() {
            [_] => Shape::new(&[size as usize]),
            [b, _] => Shape::new(&[*b, size as usize]),
            _ => return Err(format!("input must be rank 1 or 2, got shape {}", i[0].shape())),
        };
        Ok(spec(out, shape))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let size = a.get_int("size")? as usize;
        let vals: Vec<i64> = dispatch!(x.dtype(), [I32, I64], T => x.data::<T>().iter().map(|v| v.to_i64()).collect());
        let per_row = if x.rank() == 2 { x.shape().dims()[1] } else { vals.len() };
        let rows = if x.rank() == 2 { x.shape().dims()[0] } else { 1 };
        let mut counts = vec![0f64; rows * size];
        for (k, &v) in vals.iter().enumerate() {
            if v < 0 || v as usize >= size {
                if a.get_flag("check_range") {
                    return Err(format!(
                        "Input values must be in the range 0 <= values < num_tokens with num_tokens={size}, got {v}"
                    ));
                }
                if v < 0 {
                    return Err(format!("Input 'in' must be non-negative! Negative input value found: {v}"));
                }
                continue;
            }
            let r = k.checked_div(per_row).unwrap_or(0);
            counts[r * size + v as usize] += 1.0;
        }
        if a.get_flag("binary_output") {
            counts.iter_mut().for_each(|c| *c = c.min(1.0));
        }
        let buf = dispatch!(s[0].dtype, [F32, F64, I32, I64], T => T::into_buffer(counts.iter().map(|&c| T::from_f64(c)).collect()));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        vec![
            Case {
                inputs: vec![Tensor::from_vec(vec![0i32, 2, 2, 5, 1], [5]).expect("5 values")],
                attrs: Attrs::new().int("size", 4).dtype("dtype", DType::F32),
            },
            Case {
                inputs: vec![Tensor::from_vec(vec![0i64, 3, 3, 1, 1, 1], [2, 3]).expect("6 values")],
                attrs: Attrs::new().int("size", 4).dtype("dtype", DType::I64).flag("binary_output", true),
            },
        ]
    },
    stateful: false,
    grad: Grad::None,
};

/// `_IntToHashBucketFast`: int values to buckets `0..num_buckets` as TensorFlow's
/// `tf.strings.to_hash_bucket_fast(tf.strings.as_string(x), num_buckets)` computes them —
/// the FarmHash Fingerprint64 of each value's decimal digits, modulo `num_buckets` (int64,
/// `x`'s shape). Keras's `Hashing` layer on integers.
pub static INT_HASH_BUCKET: OpDef = OpDef {
    name: "_IntToHashBucketFast",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, &[DType::I32, DType::I64])?;
        super::strings::num_buckets(a)?;
        Ok(spec(DType::I64, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let n = super::strings::num_buckets(a)?;
        let vals: Vec<i64> = dispatch!(i[0].dtype(), [I32, I64], T => i[0].data::<T>().iter().map(|v| v.to_i64()).collect());
        let buckets = vals
            .iter()
            .map(|v| (farmhash::fingerprint64(v.to_string().as_bytes()) % n) as i64)
            .collect();
        out1(i64::into_buffer(buckets), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        vec![
            Case {
                inputs: vec![Tensor::from_vec(vec![0i32, 1, -1, 123], [2, 2]).expect("4 values")],
                attrs: Attrs::new().int("num_buckets", 7),
            },
            Case {
                inputs: vec![Tensor::from_vec(vec![1138i64, 99_999_999_999], [2]).expect("2 values")],
                attrs: Attrs::new().int("num_buckets", 1 << 40),
            },
        ]
    },
    stateful: false,
    grad: Grad::None,
};

/// The ops of this file.
pub static OPS: &[&OpDef] = &[&LOWER_BOUND, &UPPER_BOUND, &DENSE_BINCOUNT, &INT_HASH_BUCKET];
