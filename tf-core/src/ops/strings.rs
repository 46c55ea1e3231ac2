//! Text (`tf.string`): the element-wise `tf.strings` ops (`lower`, `upper`, `strip`,
//! `length`, `regex_replace`, `as_string`, `to_number`, `join`, `to_hash_bucket_fast`; the
//! tokenizing ones are in `tokens.rs`), and how the movement and comparison ops take string
//! tensors.
//!
//! Those ops' kernels are written for fixed-size elements. A string tensor reaches them
//! through a *twin* of the op, picked at the dispatch point (`for_strings`): the twin runs
//! the op's own inference and kernel on int64 stand-ins, then maps the result back.
//! - A movement op (`Reshape`, `GatherV2`, `ConcatV2`, `SelectV2`, ...) runs on the strings'
//!   positions, numbered across its string inputs; its output positions pick the strings.
//! - A comparison (`Equal`, `NotEqual`, `LowerBound`, `UpperBound`, and `Shape`/`Size`) runs
//!   on the strings' ranks in their sorted union, which order and equal as the strings do.
//!
//! None of these ops is differentiable.

use super::{arity, check_dtype, out1, outs, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, Outputs, Specs, TensorSpec};
use crate::{Buffer, DType, Element, Shape, Tensor};
use smallvec::SmallVec;

/// How a twin stands in int64 values for its op's string inputs.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    /// Positions: the int64 outputs are positions of the strings to output.
    Position,
    /// Ranks in the sorted union of the inputs' strings: outputs are kept as they are.
    Rank,
}

/// The string twin of `op`, for inputs of these dtypes: the op itself when no input is a
/// string or it has no twin (its inference then rejects the strings in its own words).
#[inline]
pub(crate) fn for_strings(op: &'static OpDef, inputs: &[&Tensor]) -> &'static OpDef {
    if inputs.iter().any(|t| t.dtype() == DType::String) {
        twin_of(op).unwrap_or(op)
    } else {
        op
    }
}

/// [`for_strings`] for an op loaded by name with inputs of `dtypes`.
pub(crate) fn for_string_specs(op: &'static OpDef, dtypes: impl IntoIterator<Item = DType>) -> &'static OpDef {
    if dtypes.into_iter().any(|d| d == DType::String) {
        twin_of(op).unwrap_or(op)
    } else {
        op
    }
}

macro_rules! twins {
    ($($twin:ident = $orig:path, $name:literal, $via:expr, $data:expr;)*) => {
        $(
            static $twin: OpDef = OpDef {
                name: $name,
                infer: |i, a| twin_infer(&$orig, $via, $data, i, a),
                cpu: Kernel::Alloc(|i, a, s| twin_run(&$orig, $via, i, a, s)),
                domain: Domain::Any,
                cases: Vec::new,
                stateful: false,
                grad: Grad::None,
            };
        )*
        fn twin_of(op: &'static OpDef) -> Option<&'static OpDef> {
            $( if std::ptr::eq(op, &$orig) { return Some(&$twin); } )*
            None
        }
    };
}

use super::{binary, movement, search, shape};
twins! {
    RESHAPE = movement::RESHAPE, "Reshape", Via::Position, |k, _| k == 0;
    TRANSPOSE = movement::TRANSPOSE, "Transpose", Via::Position, |k, _| k == 0;
    CONCAT = movement::CONCAT, "ConcatV2", Via::Position, |_, _| true;
    STRIDED_SLICE = movement::STRIDED_SLICE, "StridedSlice", Via::Position, |k, _| k == 0;
    REVERSE = movement::REVERSE, "ReverseV2", Via::Position, |k, _| k == 0;
    BROADCAST_TO = movement::BROADCAST_TO, "BroadcastTo", Via::Position, |k, _| k == 0;
    PAD = movement::PAD, "PadV2", Via::Position, |k, _| k == 0;
    GATHER = movement::GATHER, "GatherV2", Via::Position, |k, _| k == 0;
    GATHER_ND = movement::GATHER_ND, "GatherNd", Via::Position, |k, _| k == 0;
    SELECT = binary::SELECT, "SelectV2", Via::Position, |k, _| k == 1 || k == 2;
    FILL = shape::FILL, "Fill", Via::Position, |k, _| k == 1;
    SHAPE = shape::SHAPE, "Shape", Via::Rank, |k, _| k == 0;
    SIZE = shape::SIZE, "Size", Via::Rank, |k, _| k == 0;
    EQUAL = binary::EQUAL, "Equal", Via::Rank, |k, _| k < 2;
    NOT_EQUAL = binary::NOT_EQUAL, "NotEqual", Via::Rank, |k, _| k < 2;
    LOWER_BOUND = search::LOWER_BOUND, "LowerBound", Via::Rank, |k, _| k < 2;
    UPPER_BOUND = search::UPPER_BOUND, "UpperBound", Via::Rank, |k, _| k < 2;
}

/// The inputs with an int64 tensor of the same shape in place of each string: symbolic
/// while tracing, else `values` (one per string input, in order) or zeros.
fn stand_ins(inputs: &[&Tensor], mut values: impl FnMut(&Tensor) -> Vec<i64>) -> SmallVec<[Tensor; 4]> {
    inputs
        .iter()
        .map(|&t| match (t.dtype(), t.symbol()) {
            (DType::String, Some(s)) => Tensor::symbolic(s.clone(), DType::I64, t.shape().clone()),
            (DType::String, None) => Tensor::from_parts(Buffer::I64(values(t)), t.shape().clone()),
            _ => t.clone(),
        })
        .collect()
}

fn twin_infer(op: &'static OpDef, via: Via, data: fn(usize, usize) -> bool, i: &[&Tensor], a: &Attrs) -> Result<Specs, String> {
    let n = i.len();
    for (k, t) in i.iter().enumerate() {
        let string = t.dtype() == DType::String;
        if data(k, n) != string {
            let want = if data(k, n) {
                "a string tensor"
            } else {
                "a tensor of another dtype than string"
            };
            return Err(format!(
                "input #{k} (zero-based) was expected to be {want} but is a {} tensor",
                t.dtype()
            ));
        }
    }
    let subs = stand_ins(i, |t| vec![0; t.num_elements()]);
    let refs: SmallVec<[&Tensor; 4]> = subs.iter().collect();
    let mut specs = (op.infer)(&refs, a)?;
    if via == Via::Position {
        for s in specs.iter_mut() {
            s.dtype = DType::String;
        }
    }
    Ok(specs)
}

fn twin_run(op: &'static OpDef, via: Via, i: &[&Tensor], a: &Attrs, s: &Specs) -> Result<Outputs, String> {
    let strings: Vec<&String> = i.iter().filter(|t| t.dtype() == DType::String).flat_map(|t| t.strings()).collect();
    match via {
        Via::Position => {
            let mut next = 0i64;
            let subs = stand_ins(i, |t| {
                next += t.num_elements() as i64;
                (next - t.num_elements() as i64..next).collect()
            });
            let refs: SmallVec<[&Tensor; 4]> = subs.iter().collect();
            let int_specs: Specs = s.iter().map(|x| TensorSpec::new(x.shape.clone(), DType::I64)).collect();
            // Padding is the empty string (TensorFlow's zero of `string`): position -1.
            let padded;
            let a = if std::ptr::eq(op, &movement::PAD) {
                padded = a.clone().float("constant_values", -1.0);
                &padded
            } else {
                a
            };
            let out = op.cpu.run(&refs, a, &int_specs)?;
            let pick = |p: i64| usize::try_from(p).map_or_else(|_| String::new(), |p| strings[p].clone());
            let picked = out
                .iter()
                .map(|o| Buffer::String(o.data::<i64>().iter().map(|&p| pick(p)).collect()));
            outs(picked, s)
        }
        Via::Rank => {
            let mut sorted = strings.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let subs = stand_ins(i, |t| {
                t.strings()
                    .iter()
                    .map(|x| sorted.binary_search(&x).unwrap_or_default() as i64)
                    .collect()
            });
            let refs: SmallVec<[&Tensor; 4]> = subs.iter().collect();
            op.cpu.run(&refs, a, s)
        }
    }
}

/// A scalar string input's value.
pub(super) fn scalar_str<'a>(i: &[&'a Tensor], k: usize, what: &str) -> Result<&'a str, String> {
    match i[k].strings() {
        [s] if i[k].rank() == 0 => Ok(s),
        _ => Err(format!("{what} must be a scalar, got shape {}", i[k].shape())),
    }
}

pub(super) fn check_scalar(i: &[&Tensor], k: usize, what: &str) -> Result<(), String> {
    check_dtype(i, k, &[DType::String])?;
    if i[k].rank() != 0 {
        return Err(format!("{what} must be a scalar, got shape {}", i[k].shape()));
    }
    Ok(())
}

/// A string op of one string input that maps each string by itself to a `dtype` value.
fn infer_map(i: &[&Tensor], dtype: DType) -> Result<Specs, String> {
    arity(i, 1)?;
    check_dtype(i, 0, &[DType::String])?;
    Ok(spec(dtype, i[0].shape().clone()))
}

fn map_strings(i: &[&Tensor], s: &Specs, f: impl Fn(&str) -> String) -> Result<Outputs, String> {
    out1(Buffer::String(i[0].strings().iter().map(|x| f(x)).collect()), &s[0])
}

/// One sample call on a few strings per attribute set.
pub(super) fn text_cases(attrs: impl IntoIterator<Item = Attrs>) -> Vec<Case> {
    let text = || crate::constant(["Hello, World!", "  ÀÉ  tab\t", ""]);
    attrs
        .into_iter()
        .map(|attrs| Case {
            inputs: vec![text()],
            attrs,
        })
        .collect()
}

/// Whether `encoding` (attribute) asks for Unicode case mapping: `""` maps ASCII letters
/// only, as TensorFlow's default does; `"utf-8"` maps every letter.
fn unicode(a: &Attrs) -> Result<bool, String> {
    match a.get_str("encoding").unwrap_or("") {
        "" => Ok(false),
        e if e.eq_ignore_ascii_case("utf-8") || e.eq_ignore_ascii_case("utf8") => Ok(true),
        e => Err(format!("encoding must be '' or 'utf-8', got {e:?}")),
    }
}

/// A case-mapping op: ASCII letters mapped by `$ascii`, every letter by `$unicode` with
/// attribute `encoding="utf-8"`.
macro_rules! case_op {
    ($(#[$doc:meta])* $id:ident, $name:literal, $ascii:ident, $unicode:ident) => {
        $(#[$doc])*
        pub static $id: OpDef = OpDef {
            name: $name,
            infer: |i, a| {
                unicode(a)?;
                infer_map(i, DType::String)
            },
            cpu: Kernel::Alloc(|i, a, s| {
                let utf8 = unicode(a)?;
                map_strings(i, s, |x| if utf8 { x.$unicode() } else { x.$ascii() })
            }),
            domain: Domain::Any,
            cases: || text_cases([Attrs::new(), Attrs::new().str("encoding", "utf-8")]),
            stateful: false,
            grad: Grad::None,
        };
    };
}
case_op!(
    /// `StringLower` (`tf.strings.lower`): ASCII letters lowercased (every letter with
    /// `encoding="utf-8"`).
    STRING_LOWER, "StringLower", to_ascii_lowercase, to_lowercase
);
case_op!(
    /// `StringUpper` (`tf.strings.upper`): ASCII letters uppercased (every letter with
    /// `encoding="utf-8"`).
    STRING_UPPER, "StringUpper", to_ascii_uppercase, to_uppercase
);

/// TensorFlow's whitespace (C's `isspace`): space, `\t`, `\n`, `\v`, `\f`, `\r`.
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `StringStrip` (`tf.strings.strip`): leading and trailing whitespace removed.
pub static STRING_STRIP: OpDef = OpDef {
    name: "StringStrip",
    infer: |i, _| infer_map(i, DType::String),
    cpu: Kernel::Alloc(|i, _, s| map_strings(i, s, |x| x.trim_matches(is_space).to_string())),
    domain: Domain::Any,
    cases: || text_cases([Attrs::new()]),
    stateful: false,
    grad: Grad::None,
};

/// `StringLength` (`tf.strings.length`): int32 lengths in bytes, or in characters with
/// attribute `unit="UTF8_CHAR"`.
pub static STRING_LENGTH: OpDef = OpDef {
    name: "StringLength",
    infer: |i, a| {
        chars(a)?;
        infer_map(i, DType::I32)
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let chars = chars(a)?;
        let v = i[0]
            .strings()
            .iter()
            .map(|x| if chars { x.chars().count() } else { x.len() } as i32);
        out1(Buffer::I32(v.collect()), &s[0])
    }),
    domain: Domain::Any,
    cases: || text_cases([Attrs::new(), Attrs::new().str("unit", "UTF8_CHAR")]),
    stateful: false,
    grad: Grad::None,
};

fn chars(a: &Attrs) -> Result<bool, String> {
    match a.get_str("unit").unwrap_or("BYTE") {
        "BYTE" => Ok(false),
        "UTF8_CHAR" => Ok(true),
        u => Err(format!("unit must be \"BYTE\" or \"UTF8_CHAR\", got {u:?}")),
    }
}

/// An RE2 pattern in the syntax of Rust's `regex`, which follows RE2 except that its Perl
/// classes are Unicode-aware: RE2's `\s`, `\w`, `\d` and `\b` are ASCII-only, so they are
/// spelled out as RE2 defines them.
fn re2_syntax(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('s') => out.push_str("[\\t\\n\\f\\r ]"),
            Some('S') => out.push_str("[^\\t\\n\\f\\r ]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('b') => out.push_str("(?-u:\\b)"),
            Some('B') => out.push_str("(?-u:\\B)"),
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `pattern` compiled (RE2 syntax, [`re2_syntax`]), the last few kept per thread: a text
/// pipeline calls the same pattern on every batch.
fn compiled(pattern: &str) -> Result<regex::Regex, String> {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<Vec<(String, regex::Regex)>> = const { RefCell::new(Vec::new()) };
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some((_, r)) = c.iter().find(|(p, _)| p == pattern) {
            return Ok(r.clone());
        }
        let r = regex::Regex::new(&re2_syntax(pattern)).map_err(|e| format!("Invalid pattern: {pattern}, error: {e}"))?;
        if c.len() == 8 {
            c.remove(0);
        }
        c.push((pattern.to_string(), r.clone()));
        Ok(r)
    })
}

/// RE2's rewrite (`\1` a group, `\0` the match, `\\` a backslash) in `regex`'s syntax.
fn rewrite(r: &str) -> Result<String, String> {
    let mut out = String::with_capacity(r.len());
    let mut it = r.chars();
    while let Some(c) = it.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match it.next() {
                Some('\\') => out.push('\\'),
                Some(d) if d.is_ascii_digit() => out.push_str(&format!("${{{d}}}")),
                _ => {
                    return Err(format!(
                        "Invalid rewrite pattern: {r}: a backslash must precede a digit or a backslash"
                    ))
                }
            },
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `RegexReplace` (`tf.strings.regex_replace(input, pattern, rewrite, replace_global=True)`):
/// matches of the RE2 `pattern` (input 1) replaced by `rewrite` (input 2, where `\1` is a
/// group), every match or (attribute `replace_global=false`) the first.
pub static REGEX_REPLACE: OpDef = OpDef {
    name: "RegexReplace",
    infer: |i, _| {
        arity(i, 3)?;
        check_dtype(i, 0, &[DType::String])?;
        check_scalar(i, 1, "pattern")?;
        check_scalar(i, 2, "rewrite")?;
        if !i[1].is_symbolic() && !i[2].is_symbolic() {
            compiled(scalar_str(i, 1, "pattern")?)?;
            rewrite(scalar_str(i, 2, "rewrite")?)?;
        }
        Ok(spec(DType::String, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let re = compiled(scalar_str(i, 1, "pattern")?)?;
        let rw = rewrite(scalar_str(i, 2, "rewrite")?)?;
        let limit = if a.get("replace_global").is_none() || a.get_flag("replace_global") {
            0
        } else {
            1
        };
        map_strings(&i[..1], s, |x| re.replacen(x, limit, rw.as_str()).into_owned())
    }),
    domain: Domain::Any,
    cases: || {
        let mut c = text_cases([Attrs::new(), Attrs::new().flag("replace_global", false)]);
        for case in &mut c {
            case.inputs.push(crate::constant(r"[!,\t]|(l)(l)"));
            case.inputs.push(crate::constant(r"<\2\1\\>"));
        }
        c
    },
    stateful: false,
    grad: Grad::None,
};

/// C's `printf` of `v` in style `f`, `e` or `g` with `precision` digits (-1: C's 6).
fn c_float(v: f64, style: char, precision: i64) -> String {
    let p = if precision < 0 { 6 } else { precision as usize };
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    match style {
        'e' => {
            let s = format!("{v:.p$e}");
            let (m, e) = s.split_once('e').expect("an exponent");
            let x: i32 = e.parse().expect("an integer exponent");
            format!("{m}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
        }
        'g' => super::io::g_format(v, p.max(1)),
        _ => format!("{v:.p$}"),
    }
}

/// `AsString` (`tf.strings.as_string`): numbers and bools as text, as TensorFlow's `printf`
/// formats them: floats `%f` (6 decimals; attribute `precision` for others, `scientific`
/// for `%e`, `shortest` for `%g`), integers in decimal, bools `true`/`false`.
pub static AS_STRING: OpDef = OpDef {
    name: "AsString",
    infer: |i, _| {
        arity(i, 1)?;
        check_dtype(i, 0, &DType::ALL)?;
        Ok(spec(DType::String, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let precision = a.get_int("precision").unwrap_or(-1);
        let style = if a.get_flag("scientific") {
            'e'
        } else if a.get_flag("shortest") {
            'g'
        } else {
            'f'
        };
        let words: Vec<String> = match x.dtype() {
            DType::Bool => x.data::<bool>().iter().map(|b| b.to_string()).collect(),
            d if d.is_float() => {
                crate::dispatch!(d, [F32, F64], T => x.data::<T>().iter().map(|v| c_float(v.to_f64(), style, precision)).collect())
            }
            d => crate::dispatch!(d, [I32, I64, U8], T => x.data::<T>().iter().map(|v| v.to_i64().to_string()).collect()),
        };
        out1(Buffer::String(words), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let mut c: Vec<Case> = DType::ALL
            .iter()
            .map(|&d| Case {
                inputs: vec![super::sample(d, &[4], Domain::Any, 8)],
                attrs: Attrs::new(),
            })
            .collect();
        for attrs in [
            Attrs::new().int("precision", 2),
            Attrs::new().flag("scientific", true),
            Attrs::new().flag("shortest", true),
        ] {
            c.push(Case {
                inputs: vec![crate::constant([1.23456f32, -1e-7, 2e20])],
                attrs,
            });
        }
        c
    },
    stateful: false,
    grad: Grad::None,
};

/// `StringToNumber` (`tf.strings.to_number`): text to numbers of attribute `out_type`
/// (float32 by default, float64, int32, int64), surrounding whitespace allowed, as C's
/// `strtod` / `strtol` read them (floats also `inf`, `nan` and `0x` hexadecimal integers).
/// Text that is not one whole number is an error.
pub static STRING_TO_NUMBER: OpDef = OpDef {
    name: "StringToNumber",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, &[DType::String])?;
        let out = a.get_dtype("out_type").unwrap_or(DType::F32);
        if !matches!(out, DType::F32 | DType::F64 | DType::I32 | DType::I64) {
            return Err(format!("out_type must be float32, float64, int32 or int64, got {out}"));
        }
        Ok(spec(out, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let bad = |x: &str| format!("StringToNumberOp could not correctly convert string: {x}");
        let float = |x: &str| -> Result<f64, String> {
            let t = x.trim_matches(is_space);
            let (sign, digits) = match t.strip_prefix('-') {
                Some(r) => (-1.0, r),
                None => (1.0, t.strip_prefix('+').unwrap_or(t)),
            };
            if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
                return u64::from_str_radix(hex, 16).map(|v| sign * v as f64).map_err(|_| bad(x));
            }
            t.parse::<f64>().map_err(|_| bad(x))
        };
        let int = |x: &str| -> Result<i64, String> { x.trim_matches(is_space).parse::<i64>().map_err(|_| bad(x)) };
        let v = i[0].strings();
        let buf = match s[0].dtype {
            DType::F32 => Buffer::F32(v.iter().map(|x| float(x).map(|f| f as f32)).collect::<Result<_, _>>()?),
            DType::F64 => Buffer::F64(v.iter().map(|x| float(x)).collect::<Result<_, _>>()?),
            DType::I32 => Buffer::I32(
                v.iter()
                    .map(|x| int(x).and_then(|n| i32::try_from(n).map_err(|_| bad(x))))
                    .collect::<Result<_, _>>()?,
            ),
            _ => Buffer::I64(v.iter().map(|x| int(x)).collect::<Result<_, _>>()?),
        };
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        [DType::F32, DType::F64, DType::I32, DType::I64]
            .into_iter()
            .map(|d| Case {
                inputs: vec![crate::constant([" 12", "-7", "+3 "])],
                attrs: Attrs::new().dtype("out_type", d),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::None,
};

/// `StringJoin` (`tf.strings.join`): the strings of its inputs (all of one shape, or
/// scalars, which broadcast) joined element by element with the `separator` (the last
/// input, a scalar; TensorFlow takes it as an attribute).
pub static STRING_JOIN: OpDef = OpDef {
    name: "StringJoin",
    infer: |i, _| {
        if i.len() < 2 {
            return Err(format!(
                "expected at least one string input and the separator, got {} inputs",
                i.len()
            ));
        }
        check_scalar(i, i.len() - 1, "separator")?;
        let mut shape: Option<&Shape> = None;
        for (k, t) in i[..i.len() - 1].iter().enumerate() {
            check_dtype(i, k, &[DType::String])?;
            if t.rank() == 0 {
                continue;
            }
            match shape {
                Some(sh) if sh != t.shape() => {
                    return Err(format!("Input shapes do not match: {} vs. {}", sh, t.shape()));
                }
                _ => shape = Some(t.shape()),
            }
        }
        Ok(spec(DType::String, shape.cloned().unwrap_or_else(Shape::scalar)))
    },
    cpu: Kernel::Alloc(|i, _, s| {
        let sep = scalar_str(i, i.len() - 1, "separator")?;
        let parts = &i[..i.len() - 1];
        let n = s[0].shape.num_elements();
        let joined = (0..n)
            .map(|k| {
                parts
                    .iter()
                    .map(|t| {
                        if t.rank() == 0 {
                            t.strings()[0].as_str()
                        } else {
                            t.strings()[k].as_str()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(sep)
            })
            .collect();
        out1(Buffer::String(joined), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        vec![Case {
            inputs: vec![
                crate::constant("a"),
                crate::constant(["x", "y"]),
                crate::constant(["1", "2"]),
                crate::constant("-"),
            ],
            attrs: Attrs::new(),
        }]
    },
    stateful: false,
    grad: Grad::None,
};

/// Attribute `num_buckets`, at least 1.
pub(super) fn num_buckets(a: &Attrs) -> Result<u64, String> {
    match a.get_int("num_buckets")? {
        n if n >= 1 => Ok(n as u64),
        n => Err(format!("num_buckets must be at least 1, got {n}")),
    }
}

/// `StringToHashBucketFast` (`tf.strings.to_hash_bucket_fast`): each string's FarmHash
/// Fingerprint64 modulo attribute `num_buckets` (int64, the input's shape), as TensorFlow
/// computes it.
pub static STRING_HASH_BUCKET: OpDef = OpDef {
    name: "StringToHashBucketFast",
    infer: |i, a| {
        num_buckets(a)?;
        infer_map(i, DType::I64)
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let n = num_buckets(a)?;
        let v = i[0].strings().iter().map(|x| (farmhash::fingerprint64(x.as_bytes()) % n) as i64);
        out1(i64::into_buffer(v.collect()), &s[0])
    }),
    domain: Domain::Any,
    cases: || text_cases([Attrs::new().int("num_buckets", 1000)]),
    stateful: false,
    grad: Grad::None,
};

/// `StringToHashBucketStrong` (`tf.strings.to_hash_bucket_strong`): each string's keyed
/// SipHash-2-4 (attribute `key`, two 64-bit halves) modulo attribute `num_buckets` (int64,
/// the input's shape), as TensorFlow computes it.
pub static STRING_HASH_BUCKET_STRONG: OpDef = OpDef {
    name: "StringToHashBucketStrong",
    infer: |i, a| {
        num_buckets(a)?;
        let key = a.get_ints("key")?;
        if key.len() != 2 {
            return Err(format!("Key must have 2 elements, got {}", key.len()));
        }
        infer_map(i, DType::I64)
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let n = num_buckets(a)?;
        let key = a.get_ints("key")?;
        let hasher = siphasher::sip::SipHasher24::new_with_keys(key[0] as u64, key[1] as u64);
        let v = i[0].strings().iter().map(|x| (hasher.hash(x.as_bytes()) % n) as i64);
        out1(i64::into_buffer(v.collect()), &s[0])
    }),
    domain: Domain::Any,
    cases: || text_cases([Attrs::new().int("num_buckets", 1000).ints("key", [1, -2])]),
    stateful: false,
    grad: Grad::None,
};

/// The ops of this file.
pub static OPS: &[&OpDef] = &[
    &STRING_LOWER,
    &STRING_UPPER,
    &STRING_STRIP,
    &STRING_LENGTH,
    &REGEX_REPLACE,
    &AS_STRING,
    &STRING_TO_NUMBER,
    &STRING_JOIN,
    &STRING_HASH_BUCKET,
    &STRING_HASH_BUCKET_STRONG,
];
