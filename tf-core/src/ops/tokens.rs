//! Tokenizing text: `tf.strings.split` (`StringSplitV2`), `unicode_split` and `ngrams`
//! (`StringNGrams`), with `RaggedTensorToSparse` to bring n-grams back to the sparse form the
//! splits give. Token counts are known only when the ops run.

use super::strings::{check_scalar, is_space, scalar_str, text_cases};
use super::{arity, check_dtype, outs, Attrs, Case, Domain, Grad, Kernel, OpDef, Outputs, Specs, TensorSpec};
use crate::{Buffer, DType, Shape, Tensor};

/// The tokens of `x` split at `sep`, at most `maxsplit` times (negative: no limit), as
/// TensorFlow's `SplitV2` does: as Python's `str.split` when `sep` is given; else at runs of
/// whitespace, skipping leading ones, where reaching `maxsplit` adds the rest of the string
/// (after whitespace, and empty at the end) as one more token.
fn split<'a>(x: &'a str, sep: &str, maxsplit: i64) -> Vec<&'a str> {
    let limit = if maxsplit < 0 { usize::MAX } else { maxsplit as usize };
    if limit == 0 {
        return vec![x];
    }
    if !sep.is_empty() {
        return x.splitn(limit.saturating_add(1), sep).collect();
    }
    let mut out = Vec::new();
    let mut rest = x.trim_start_matches(is_space);
    while !rest.is_empty() {
        let end = rest.find(is_space).unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = rest[end..].trim_start_matches(is_space);
        if out.len() == limit {
            out.push(rest);
            break;
        }
    }
    out
}

/// The sparse tokens of the vector `input`, `tokens` splitting each string: `indices`
/// (int64 `[n, 2]`: row, position), `values` (`[n]`) and `shape` (int64 `[rows, longest
/// row]`).
fn sparse_tokens<'a>(input: &'a Tensor, tokens: impl Fn(&'a str) -> Vec<&'a str>) -> Result<Outputs, String> {
    let (mut indices, mut values, mut longest) = (Vec::new(), Vec::new(), 0);
    for (row, x) in input.strings().iter().enumerate() {
        let t = tokens(x);
        longest = longest.max(t.len());
        for (k, t) in t.into_iter().enumerate() {
            indices.extend([row as i64, k as i64]);
            values.push(t.to_string());
        }
    }
    let n = values.len();
    let specs: Specs = [
        TensorSpec::new([n, 2], DType::I64),
        TensorSpec::new([n], DType::String),
        TensorSpec::new([2], DType::I64),
    ]
    .into_iter()
    .collect();
    let shape = vec![input.num_elements() as i64, longest as i64];
    outs([Buffer::I64(indices), Buffer::String(values), Buffer::I64(shape)], &specs)
}

/// The specs of [`sparse_tokens`]' outputs for the vector `input`, `count` giving each
/// string's number of tokens when it is known (not while tracing).
fn infer_tokens(input: &Tensor, count: Option<&dyn Fn(&str) -> usize>) -> Result<Specs, String> {
    if input.rank() != 1 {
        return Err(format!("input must be a vector, got shape: {}", input.shape()));
    }
    let n = match count {
        Some(f) if !input.is_symbolic() => input.strings().iter().map(|x| f(x)).sum(),
        _ => Shape::UNKNOWN,
    };
    let mut s = Specs::new();
    s.push(TensorSpec::new([n, 2], DType::I64));
    s.push(TensorSpec::new([n], DType::String));
    s.push(TensorSpec::new([2], DType::I64));
    Ok(s)
}

/// `StringSplitV2` (`tf.strings.split`): each string of the vector `input` split at `sep`
/// (input 1, a scalar; empty: runs of whitespace), at most `maxsplit` times (attribute, -1:
/// no limit). The tokens come as a sparse tensor: `indices` (int64 `[n, 2]`: row, position),
/// `values` (`[n]`) and `shape` (int64 `[rows, longest row]`). The token count is known only
/// when the op runs.
pub static STRING_SPLIT: OpDef = OpDef {
    name: "StringSplitV2",
    infer: |i, a| {
        arity(i, 2)?;
        check_dtype(i, 0, &[DType::String])?;
        check_scalar(i, 1, "sep")?;
        if i[1].is_symbolic() {
            return infer_tokens(i[0], None);
        }
        let sep = scalar_str(i, 1, "sep")?;
        let maxsplit = a.get_int("maxsplit").unwrap_or(-1);
        infer_tokens(i[0], Some(&|x| split(x, sep, maxsplit).len()))
    },
    cpu: Kernel::Alloc(|i, a, _| {
        let sep = scalar_str(i, 1, "sep")?;
        let maxsplit = a.get_int("maxsplit").unwrap_or(-1);
        sparse_tokens(i[0], |x| split(x, sep, maxsplit))
    }),
    domain: Domain::Any,
    cases: || {
        let text = || crate::constant([" a b  c ", "", "x\u{b}y,,z"]);
        vec![
            Case {
                inputs: vec![text(), crate::constant("")],
                attrs: Attrs::new(),
            },
            Case {
                inputs: vec![text(), crate::constant(",")],
                attrs: Attrs::new(),
            },
            Case {
                inputs: vec![text(), crate::constant("")],
                attrs: Attrs::new().int("maxsplit", 1),
            },
        ]
    },
    stateful: false,
    grad: Grad::None,
};

/// `_UnicodeSplit` (`tf.strings.unicode_split(input, "UTF-8")`, a composite in TensorFlow):
/// each string of the vector `input` split into its characters, as a sparse tensor like
/// [`STRING_SPLIT`]'s.
pub static UNICODE_SPLIT: OpDef = OpDef {
    name: "_UnicodeSplit",
    infer: |i, _| {
        arity(i, 1)?;
        check_dtype(i, 0, &[DType::String])?;
        infer_tokens(i[0], Some(&|x| x.chars().count()))
    },
    cpu: Kernel::Alloc(|i, _, _| sparse_tokens(i[0], |x| x.char_indices().map(|(k, c)| &x[k..k + c.len_utf8()]).collect())),
    domain: Domain::Any,
    cases: || text_cases([Attrs::new()]),
    stateful: false,
    grad: Grad::None,
};

/// `StringNGrams` (`tf.strings.ngrams`): for each row of a ragged string tensor (`data`
/// `[n]`, input 0, and its int64 `data_splits` `[rows + 1]`, input 1), the n-grams of each
/// width in attribute `ngram_widths`, in that order, their tokens joined by `separator`
/// (input 2). Rows are padded with `pad_width` (attribute; -1: width - 1, at most width - 1)
/// copies of `left_pad` and `right_pad` (inputs 3 and 4) on each side; with attribute
/// `preserve_short_sequences`, a non-empty row too short for any n-gram gives one of all
/// its tokens. Outputs: the n-grams and their splits. (TensorFlow takes the three strings as
/// attributes; here they are scalar inputs.)
pub static STRING_NGRAMS: OpDef = OpDef {
    name: "StringNGrams",
    infer: |i, a| {
        arity(i, 5)?;
        check_dtype(i, 0, &[DType::String])?;
        check_dtype(i, 1, &[DType::I64])?;
        for (k, what) in [(2, "separator"), (3, "left_pad"), (4, "right_pad")] {
            check_scalar(i, k, what)?;
        }
        if i[0].rank() != 1 || i[1].rank() != 1 {
            return Err(format!(
                "data and data_splits must be vectors, got shapes {} and {}",
                i[0].shape(),
                i[1].shape()
            ));
        }
        let widths = a.get_ints("ngram_widths")?;
        if widths.is_empty() || widths.iter().any(|&w| w < 1) {
            return Err(format!("ngram_widths must be positive, got {widths:?}"));
        }
        let n = if i.iter().any(|t| t.is_symbolic()) {
            Shape::UNKNOWN
        } else {
            ngram_counts(&splits(i[1])?, widths, pad(a), a.get_flag("preserve_short_sequences"))
                .iter()
                .sum()
        };
        let mut s = Specs::new();
        s.push(TensorSpec::new([n], DType::String));
        s.push(TensorSpec::new(i[1].shape().clone(), DType::I64));
        Ok(s)
    },
    cpu: Kernel::Alloc(|i, a, _| {
        let (data, sp) = (i[0].strings(), splits(i[1])?);
        let sep = scalar_str(i, 2, "separator")?;
        let (left, right) = (scalar_str(i, 3, "left_pad")?, scalar_str(i, 4, "right_pad")?);
        let (widths, pad_width, preserve) = (a.get_ints("ngram_widths")?, pad(a), a.get_flag("preserve_short_sequences"));
        let (mut out, mut out_splits) = (Vec::new(), vec![0i64]);
        for r in 0..sp.len().saturating_sub(1) {
            let row = &data[sp[r]..sp[r + 1]];
            let start = out.len();
            for &w in widths {
                let p = pad_for(pad_width, w as usize);
                ngrams_of(
                    row,
                    w as usize,
                    p,
                    count_ngrams(row.len(), w as usize, p),
                    (sep, left, right),
                    &mut out,
                );
            }
            if preserve && out.len() == start && !row.is_empty() {
                let p = pad_width.max(0) as usize;
                ngrams_of(row, row.len() + 2 * p, p, 1, (sep, left, right), &mut out);
            }
            out_splits.push(out.len() as i64);
        }
        let n = out.len();
        let specs: Specs = [TensorSpec::new([n], DType::String), TensorSpec::new([out_splits.len()], DType::I64)]
            .into_iter()
            .collect();
        outs([Buffer::String(out), Buffer::I64(out_splits)], &specs)
    }),
    domain: Domain::Any,
    cases: || {
        let data = || crate::constant(["a", "b", "c", "d", "e", "f"]);
        let sp = || crate::constant([0i64, 3, 3, 4, 6]);
        let s = |v: &str| crate::constant(v);
        vec![
            Case {
                inputs: vec![data(), sp(), s(" "), s(""), s("")],
                attrs: Attrs::new().ints("ngram_widths", [1, 2]),
            },
            Case {
                inputs: vec![data(), sp(), s("_"), s("<s>"), s("</s>")],
                attrs: Attrs::new().ints("ngram_widths", [2, 3]).int("pad_width", -1),
            },
            Case {
                inputs: vec![data(), sp(), s(" "), s(""), s("")],
                attrs: Attrs::new().ints("ngram_widths", [3]).flag("preserve_short_sequences", true),
            },
        ]
    },
    stateful: false,
    grad: Grad::None,
};

/// Row splits as offsets, checked to start at 0 and never decrease.
fn splits(t: &Tensor) -> Result<Vec<usize>, String> {
    let v = t.data::<i64>();
    if v.first().is_some_and(|&f| f != 0) || v.windows(2).any(|w| w[1] < w[0]) {
        return Err(format!(
            "Invalid split value: the splits must start at 0 and never decrease, got {v:?}"
        ));
    }
    Ok(v.iter().map(|&s| s as usize).collect())
}

fn pad(a: &Attrs) -> i64 {
    a.get_int("pad_width").unwrap_or(0)
}

/// The padding for n-grams of `width`: `pad_width` (-1: width - 1), at most width - 1.
fn pad_for(pad_width: i64, width: usize) -> usize {
    let p = if pad_width < 0 {
        width.saturating_sub(1)
    } else {
        pad_width as usize
    };
    p.min(width.saturating_sub(1))
}

fn count_ngrams(len: usize, width: usize, pad: usize) -> usize {
    (len + 2 * pad + 1).saturating_sub(width)
}

/// Each row's n-gram count.
fn ngram_counts(sp: &[usize], widths: &[i64], pad_width: i64, preserve: bool) -> Vec<usize> {
    sp.windows(2)
        .map(|w| {
            let len = w[1] - w[0];
            let n: usize = widths
                .iter()
                .map(|&k| count_ngrams(len, k as usize, pad_for(pad_width, k as usize)))
                .sum();
            if preserve && n == 0 && len > 0 {
                1
            } else {
                n
            }
        })
        .collect()
}

/// Appends `count` n-grams of `width` over `row` padded by `pad` on each side, as
/// TensorFlow's `CreateNgrams` makes them.
fn ngrams_of(row: &[String], width: usize, pad: usize, count: usize, (sep, left, right): (&str, &str, &str), out: &mut Vec<String>) {
    for k in 0..count {
        let lp = pad.saturating_sub(k);
        let rp = pad.saturating_sub(count - (k + 1));
        let tokens = width.saturating_sub(lp + rp);
        let start = if lp > 0 { 0 } else { k - pad };
        let parts = std::iter::repeat_n(left, lp)
            .chain(row[start..start + tokens].iter().map(String::as_str))
            .chain(std::iter::repeat_n(right, rp));
        out.push(parts.collect::<Vec<_>>().join(sep));
    }
}

/// `RaggedTensorToSparse` for one ragged dimension: `rt_nested_splits` (int64
/// `[rows + 1]`, input 0) and `rt_dense_values` (`[n]`, input 1) as a sparse tensor
/// (`indices` int64 `[n, 2]`, the values, `dense_shape` int64 `[rows, longest row]`).
pub static RAGGED_TO_SPARSE: OpDef = OpDef {
    name: "RaggedTensorToSparse",
    infer: |i, _| {
        arity(i, 2)?;
        check_dtype(i, 0, &[DType::I64])?;
        if i[0].rank() != 1 || i[1].rank() != 1 {
            return Err(format!(
                "splits and values must be vectors, got shapes {} and {}",
                i[0].shape(),
                i[1].shape()
            ));
        }
        let n = i[1].shape().dims()[0];
        let mut s = Specs::new();
        s.push(TensorSpec::new([n, 2], DType::I64));
        s.push(TensorSpec::new([n], i[1].dtype()));
        s.push(TensorSpec::new([2], DType::I64));
        Ok(s)
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let sp = splits(i[0])?;
        let n = i[1].num_elements();
        if sp.last().copied().unwrap_or(0) != n {
            return Err(format!("the last split ({:?}) must equal the number of values ({n})", sp.last()));
        }
        let mut idx = Vec::with_capacity(2 * n);
        let mut longest = 0;
        for (r, w) in sp.windows(2).enumerate() {
            longest = longest.max(w[1] - w[0]);
            for k in 0..w[1] - w[0] {
                idx.extend([r as i64, k as i64]);
            }
        }
        let shape = vec![sp.len().saturating_sub(1) as i64, longest as i64];
        let mut o = Outputs::new();
        o.push(Tensor::from_parts(Buffer::I64(idx), s[0].shape.clone()));
        o.push(i[1].renamed());
        o.push(Tensor::from_parts(Buffer::I64(shape), Shape::new(&[2])));
        Ok(o)
    }),
    domain: Domain::Any,
    cases: || {
        vec![Case {
            inputs: vec![crate::constant([0i64, 2, 2, 3]), crate::constant(["a", "b", "c"])],
            attrs: Attrs::new(),
        }]
    },
    stateful: false,
    grad: Grad::None,
};

/// The ops of this file.
pub static OPS: &[&OpDef] = &[&STRING_SPLIT, &UNICODE_SPLIT, &STRING_NGRAMS, &RAGGED_TO_SPARSE];
