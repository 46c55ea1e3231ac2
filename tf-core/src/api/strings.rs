//! `tf.strings`: ops on string tensors (`tf::string`). A string tensor's elements are Rust
//! `String`s; `tf::constant("text")` and `tf::constant(["a", "b"])` make them, and
//! [`Tensor::strings`] reads them.
//!
//! Reshaping, gathering, concatenating, slicing, `tf::where_` and comparing for equality work
//! on string tensors as on any other.
//!
//! ```
//! use tf_core as tf;
//! let t = tf::strings::lower(&tf::constant(["Hello, World!", "TF"]));
//! assert_eq!(t.strings(), ["hello, world!", "tf"]);
//! assert_eq!(tf::equal(&t, &tf::constant("tf")).to_vec::<bool>(), vec![false, true]);
//! ```

use super::run;
use crate::ops::{execute, strings as s, tokens as t, Attrs};
use crate::sparse::SparseTensor;
use crate::Tensor;

/// `tf.strings.lower(input)`: ASCII letters lowercased, other bytes as they are (TensorFlow's
/// default `encoding=""`). [`lower_unicode`] lowercases every letter.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::lower(&tf::constant("ÀB c")).strings(), ["Àb c"]);
/// ```
#[track_caller]
pub fn lower(input: &Tensor) -> Tensor {
    run(&s::STRING_LOWER, &[input], Attrs::new())
}

/// `tf.strings.lower(input, encoding="utf-8")`: every letter lowercased.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::lower_unicode(&tf::constant("ÀB")).strings(), ["àb"]);
/// ```
#[track_caller]
pub fn lower_unicode(input: &Tensor) -> Tensor {
    run(&s::STRING_LOWER, &[input], Attrs::new().str("encoding", "utf-8"))
}

/// `tf.strings.upper(input)`: ASCII letters uppercased.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::upper(&tf::constant("àb")).strings(), ["àB"]);
/// ```
#[track_caller]
pub fn upper(input: &Tensor) -> Tensor {
    run(&s::STRING_UPPER, &[input], Attrs::new())
}

/// `tf.strings.upper(input, encoding="utf-8")`: every letter uppercased.
#[track_caller]
pub fn upper_unicode(input: &Tensor) -> Tensor {
    run(&s::STRING_UPPER, &[input], Attrs::new().str("encoding", "utf-8"))
}

/// `tf.strings.strip(input)`: leading and trailing whitespace removed.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::strip(&tf::constant(" \t a b \n")).strings(), ["a b"]);
/// ```
#[track_caller]
pub fn strip(input: &Tensor) -> Tensor {
    run(&s::STRING_STRIP, &[input], Attrs::new())
}

/// `tf.strings.length(input)`: int32 lengths in bytes.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::length(&tf::constant(["héllo", ""])).to_vec::<i32>(), vec![6, 0]);
/// ```
#[track_caller]
pub fn length(input: &Tensor) -> Tensor {
    run(&s::STRING_LENGTH, &[input], Attrs::new())
}

/// `tf.strings.length(input, unit="UTF8_CHAR")`: int32 lengths in characters.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::length_chars(&tf::constant("héllo")).to_vec::<i32>(), vec![5]);
/// ```
#[track_caller]
pub fn length_chars(input: &Tensor) -> Tensor {
    run(&s::STRING_LENGTH, &[input], Attrs::new().str("unit", "UTF8_CHAR"))
}

/// `tf.strings.regex_replace(input, pattern, rewrite, replace_global)`: matches of the RE2
/// `pattern` replaced by `rewrite`, where `\1` is a group and `\0` the whole match; every
/// match, or the first with `replace_global=false`.
///
/// ```
/// use tf_core as tf;
/// let t = tf::strings::regex_replace(&tf::constant("abc abc"), r"(b)(c)", r"\2\1", true);
/// assert_eq!(t.strings(), ["acb acb"]);
/// ```
///
/// # Panics
/// For a pattern RE2 rejects, naming the error.
#[track_caller]
pub fn regex_replace(input: &Tensor, pattern: &str, rewrite: &str, replace_global: bool) -> Tensor {
    let (p, r) = (crate::constant(pattern), crate::constant(rewrite));
    run(
        &s::REGEX_REPLACE,
        &[input, &p, &r],
        Attrs::new().flag("replace_global", replace_global),
    )
}

/// `tf.strings.split(input, sep)` on a vector of strings: each string's tokens, split at
/// `sep` or (`None`) at runs of whitespace, as a [`SparseTensor`] of shape
/// `[rows, longest row]` (TensorFlow returns the same tokens as a `RaggedTensor`).
///
/// ```
/// use tf_core as tf;
/// let tokens = tf::strings::split(&tf::constant(["a b  c", "", "d"]), None);
/// assert_eq!(tokens.values.strings(), ["a", "b", "c", "d"]);
/// assert_eq!(tokens.indices.to_vec::<i64>(), vec![0, 0, 0, 1, 0, 2, 2, 0]);
/// let dense = tf::sparse::to_dense(&tokens, &tf::constant(""));
/// assert_eq!(dense.strings(), ["a", "b", "c", "", "", "", "d", "", ""]);
/// ```
///
/// # Panics
/// When `input` is not a vector of strings.
#[track_caller]
pub fn split(input: &Tensor, sep: Option<&str>) -> SparseTensor {
    split_max(input, sep, -1)
}

/// [`split`] splitting each string at most `maxsplit` times (`tf.strings.split(...,
/// maxsplit=)`); the rest of the string is the last token.
#[track_caller]
pub fn split_max(input: &Tensor, sep: Option<&str>, maxsplit: i64) -> SparseTensor {
    let sep = crate::constant(sep.unwrap_or(""));
    sparse(execute(&t::STRING_SPLIT, &[input, &sep], &Attrs::new().int("maxsplit", maxsplit)))
}

/// `tf.strings.unicode_split(input, "UTF-8")` on a vector of strings: each string's
/// characters, as a [`SparseTensor`] of shape `[rows, longest row]`.
///
/// ```
/// use tf_core as tf;
/// let chars = tf::strings::unicode_split(&tf::constant(["añb", "", "c"]));
/// assert_eq!(chars.values.strings(), ["a", "ñ", "b", "c"]);
/// assert_eq!(chars.dense_shape.to_vec::<i64>(), vec![3, 3]);
/// ```
#[track_caller]
pub fn unicode_split(input: &Tensor) -> SparseTensor {
    sparse(execute(&t::UNICODE_SPLIT, &[input], &Attrs::new()))
}

fn sparse(o: crate::ops::Outputs) -> SparseTensor {
    let mut o = o.into_iter();
    let mut next = || o.next().expect("three outputs");
    SparseTensor {
        indices: next(),
        values: next(),
        dense_shape: next(),
    }
}

/// `tf.strings.ngrams(data, ngram_width, separator)` on split tokens: each row's n-grams of
/// each width in `widths`, in that order, their tokens joined by `separator`.
///
/// ```
/// use tf_core as tf;
/// let tokens = tf::strings::split(&tf::constant(["a b c", "", "d"]), None);
/// let grams = tf::strings::ngrams(&tokens, &[1, 2], " ");
/// assert_eq!(grams.values.strings(), ["a", "b", "c", "a b", "b c", "d"]);
/// assert_eq!(grams.dense_shape.to_vec::<i64>(), vec![3, 5]);
/// ```
#[track_caller]
pub fn ngrams(tokens: &SparseTensor, widths: &[usize], separator: &str) -> SparseTensor {
    ngrams_with(tokens, widths, separator, ("", ""), 0, false)
}

/// `tf.strings.ngrams(data, ngram_width, separator, pad_values, padding_width,
/// preserve_short_sequences)`: [`ngrams`] with each row padded by `padding_width` copies
/// (-1: width - 1, and never more) of `pad_values.0` on the left and `pad_values.1` on the
/// right, and, with `preserve_short_sequences`, one n-gram of all the tokens of a non-empty
/// row too short for any.
///
/// ```
/// use tf_core as tf;
/// let tokens = tf::strings::split(&tf::constant(["a b"]), None);
/// let grams = tf::strings::ngrams_with(&tokens, &[3], "_", ("<s>", "</s>"), 1, false);
/// assert_eq!(grams.values.strings(), ["<s>_a_b", "a_b_</s>"]);
/// ```
///
/// # Panics
/// For an empty `widths` or a zero width.
#[track_caller]
pub fn ngrams_with(
    tokens: &SparseTensor,
    widths: &[usize],
    separator: &str,
    pad_values: (&str, &str),
    padding_width: i64,
    preserve_short_sequences: bool,
) -> SparseTensor {
    // Row splits from the (row-sorted) row ids: row r ends where the ids reach r + 1.
    let rows = crate::gather(&tokens.indices, &crate::constant(0i32), 1);
    let count = crate::reshape(&crate::gather(&tokens.dense_shape, &crate::constant(0i32), 0), [1]);
    let upto = crate::cumsum(&crate::fill_dims(&count, &crate::constant(1i64)), 0, false, false);
    let ends = crate::searchsorted(&crate::reshape(&rows, [1, -1]), &crate::reshape(&upto, [1, -1]), "left");
    let splits = crate::concat(
        &[&crate::constant([0i64]), &crate::cast(&crate::reshape(&ends, [-1]), crate::int64)],
        0,
    );
    let widths: Vec<i64> = widths.iter().map(|&w| w as i64).collect();
    let attrs = Attrs::new()
        .ints("ngram_widths", widths)
        .int("pad_width", padding_width)
        .flag("preserve_short_sequences", preserve_short_sequences);
    let (sep, left, right) = (
        crate::constant(separator),
        crate::constant(pad_values.0),
        crate::constant(pad_values.1),
    );
    let g = execute(&t::STRING_NGRAMS, &[&tokens.values, &splits, &sep, &left, &right], &attrs);
    sparse(execute(&t::RAGGED_TO_SPARSE, &[&g[1], &g[0]], &Attrs::new()))
}

/// `tf.strings.as_string(input)`: numbers and bools as text — floats as `%f` (`3.500000`),
/// integers in decimal, bools `true`/`false`.
///
/// ```
/// use tf_core as tf;
/// assert_eq!(tf::strings::as_string(&tf::constant([3.5f32, -0.1])).strings(), ["3.500000", "-0.100000"]);
/// assert_eq!(tf::strings::as_string(&tf::constant([true, false])).strings(), ["true", "false"]);
/// ```
#[track_caller]
pub fn as_string(input: &Tensor) -> Tensor {
    run(&s::AS_STRING, &[input], Attrs::new())
}

/// `tf.strings.as_string(input, precision, scientific, shortest)` for floats: `precision`
/// digits (`None`: 6) in `%f`, `%e` (`scientific`) or `%g` (`shortest`) style.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant([3.14159f32]);
/// assert_eq!(tf::strings::as_string_with(&x, Some(2), false, false).strings(), ["3.14"]);
/// assert_eq!(tf::strings::as_string_with(&x, None, true, false).strings(), ["3.141590e+00"]);
/// assert_eq!(tf::strings::as_string_with(&x, None, false, true).strings(), ["3.14159"]);
/// ```
#[track_caller]
pub fn as_string_with(input: &Tensor, precision: Option<usize>, scientific: bool, shortest: bool) -> Tensor {
    let attrs = Attrs::new()
        .int("precision", precision.map_or(-1, |p| p as i64))
        .flag("scientific", scientific)
        .flag("shortest", shortest);
    run(&s::AS_STRING, &[input], attrs)
}

/// `tf.strings.to_number(input, out_type)`: text to `float32`, `float64`, `int32` or
/// `int64` numbers.
///
/// ```
/// use tf_core as tf;
/// let x = tf::strings::to_number(&tf::constant(["1.5", " 2", "-3e2"]), tf::float32);
/// assert_eq!(x.to_vec::<f32>(), vec![1.5, 2.0, -300.0]);
/// ```
///
/// # Panics
/// For text that is not one number of that type, as TensorFlow's
/// `StringToNumberOp could not correctly convert string` error.
#[track_caller]
pub fn to_number(input: &Tensor, out_type: crate::DType) -> Tensor {
    run(&s::STRING_TO_NUMBER, &[input], Attrs::new().dtype("out_type", out_type))
}

/// `tf.strings.join(inputs, separator)`: element-wise concatenation of string tensors of
/// one shape (scalars broadcast).
///
/// ```
/// use tf_core as tf;
/// let t = tf::strings::join(&[&tf::constant("a"), &tf::constant(["x", "y"])], "-");
/// assert_eq!(t.strings(), ["a-x", "a-y"]);
/// ```
#[track_caller]
pub fn join(inputs: &[&Tensor], separator: &str) -> Tensor {
    let sep = crate::constant(separator);
    let mut all: Vec<&Tensor> = inputs.to_vec();
    all.push(&sep);
    run(&s::STRING_JOIN, &all, Attrs::new())
}

/// `tf.strings.format(template, inputs)`: `template` with each `{}` replaced by the next
/// tensor as `tf.print` shows it (3 leading and trailing entries per dimension); a string
/// scalar.
///
/// ```
/// use tf_core as tf;
/// let s = tf::strings::format("x={} and s={}!", &[&tf::range(10), &tf::constant(["a", "b"])]);
/// assert_eq!(s.strings(), [r#"x=[0 1 2 ... 7 8 9] and s=["a" "b"]!"#]); // TensorFlow's text
/// ```
///
/// # Panics
/// When the number of placeholders differs from the number of tensors.
#[track_caller]
pub fn format(template: &str, inputs: &[&Tensor]) -> Tensor {
    format_with(template, inputs, "{}", Some(3))
}

/// [`format`] with another `placeholder` and `summarize` entries per dimension (`None`:
/// all), as `tf.strings.format(template, inputs, placeholder, summarize)`.
///
/// ```
/// use tf_core as tf;
/// let s = tf::strings::format_with("a=%", &[&tf::range(10)], "%", None);
/// assert_eq!(s.strings(), ["a=[0 1 2 3 4 5 6 7 8 9]"]); // TensorFlow's text
/// ```
///
/// # Panics
/// When the number of placeholders differs from the number of tensors, or the placeholder
/// is empty.
#[track_caller]
pub fn format_with(template: &str, inputs: &[&Tensor], placeholder: &str, summarize: Option<usize>) -> Tensor {
    assert!(!placeholder.is_empty(), "tf.strings.format: the placeholder is empty");
    let expected = template.matches(placeholder).count();
    if expected != inputs.len() {
        panic!(
            "The template expects {expected} tensors, but the inputs only has {}. Please ensure the number of placeholders in template matches inputs length.",
            inputs.len()
        );
    }
    let (t, p) = (crate::constant(template), crate::constant(placeholder));
    let mut all = vec![&t, &p];
    all.extend_from_slice(inputs);
    let n = summarize.map_or(-1, |n| n as i64);
    run(&crate::ops::io::STRING_FORMAT, &all, Attrs::new().int("summarize", n))
}

/// `tf.strings.to_hash_bucket_fast(input, num_buckets)`: each string's bucket, int64, by
/// FarmHash Fingerprint64 as TensorFlow computes it.
///
/// ```
/// use tf_core as tf;
/// let b = tf::strings::to_hash_bucket_fast(&tf::constant(["a", "hello", ""]), 1000);
/// assert_eq!(b.to_vec::<i64>(), vec![939, 296, 263]); // TensorFlow's buckets
/// ```
#[track_caller]
pub fn to_hash_bucket_fast(input: &Tensor, num_buckets: u64) -> Tensor {
    run(
        &s::STRING_HASH_BUCKET,
        &[input],
        Attrs::new().int("num_buckets", num_buckets as i64),
    )
}

/// `tf.strings.to_hash_bucket_strong(input, num_buckets, key)`: each string's bucket, int64,
/// by SipHash-2-4 keyed with the two 64-bit halves of `key`, as TensorFlow computes it. Slower
/// than [`to_hash_bucket_fast`]; with a secret key, inputs cannot be crafted to collide.
///
/// ```
/// use tf_core as tf;
/// let b = tf::strings::to_hash_bucket_strong(&tf::constant(["a", "hello", ""]), 1000, [1, 2]);
/// assert_eq!(b.to_vec::<i64>(), vec![646, 622, 435]); // TensorFlow's buckets
/// ```
#[track_caller]
pub fn to_hash_bucket_strong(input: &Tensor, num_buckets: u64, key: [u64; 2]) -> Tensor {
    let attrs = Attrs::new()
        .int("num_buckets", num_buckets as i64)
        .ints("key", key.map(|k| k as i64));
    run(&s::STRING_HASH_BUCKET_STRONG, &[input], attrs)
}
