//! `PrintV2` (`tf.print`): a stateful op that prints its inputs every time it runs — at
//! once in eager mode, on every call of a graph that contains it.

use super::{Attrs, Case, Domain, Grad, Kernel, OpDef, Outputs, Specs, ALL};
use crate::{DType, Tensor};
use std::cell::RefCell;

thread_local! {
    /// When set, printed lines go here instead of stderr (tests read them back).
    static CAPTURE: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Collects what `tf::print` prints on this thread until [`take_printed`] is called.
pub fn capture_prints() {
    CAPTURE.with(|c| *c.borrow_mut() = Some(Vec::new()));
}

/// The lines printed on this thread since [`capture_prints`]; stops capturing.
pub fn take_printed() -> Vec<String> {
    CAPTURE.with(|c| c.borrow_mut().take().unwrap_or_default())
}

/// Writes a line to stderr (or the capture buffer): `tf.print` output and warnings.
pub(crate) fn emit(line: String) {
    let captured = CAPTURE.with(|c| c.borrow_mut().as_mut().map(|v| v.push(line.clone())).is_some());
    if !captured {
        eprintln!("{line}");
    }
}

/// How many leading and trailing entries `tf.print` shows per dimension (`summarize=3`).
const SUMMARIZE: usize = 3;

/// The text `tf.print` shows for a tensor, as TensorFlow's `SummarizeValue` writes it: numbers
/// in the shortest of `%.6g`/`%.9g` (float32) or `%.15g`/`%.17g` (float64) that reads back
/// exactly, bools as `1`/`0`, strings quoted, at most 3 leading and 3 trailing entries per
/// dimension.
fn text(t: &Tensor) -> String {
    text_with(t, Some(SUMMARIZE))
}

/// [`text`] showing `summarize` leading and trailing entries per dimension (`None`: all).
pub(super) fn text_with(t: &Tensor, summarize: Option<usize>) -> String {
    let mut out = String::new();
    layout(&words(t, true), t.shape().dims(), 0, 0, summarize, &mut out);
    out
}

/// Each element's text, in order (strings escaped, and quoted when `quote`).
pub(super) fn words(t: &Tensor, quote: bool) -> Vec<String> {
    if let crate::Buffer::String(v) = t.buffer() {
        return v
            .iter()
            .map(|s| if quote { format!("\"{}\"", c_escape(s)) } else { c_escape(s) })
            .collect();
    }
    crate::dispatch!(t.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
        t.data::<T>().iter().map(|v| word(crate::Element::to_f64(*v), t.dtype())).collect()
    })
}

/// A string in C's escapes as `absl::Utf8SafeCEscape` writes them: `\n \r \t \" \' \\`,
/// octal for other ASCII control bytes, UTF-8 characters kept.
fn c_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' | '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn word(v: f64, dtype: crate::DType) -> String {
    use crate::DType::*;
    match dtype {
        F32 => {
            let short = g_format(v, 6);
            if short.parse::<f32>().is_ok_and(|r| r == v as f32) {
                short
            } else {
                g_format(v, 9)
            }
        }
        F64 => {
            let short = g_format(v, 15);
            if short.parse::<f64>().is_ok_and(|r| r == v) {
                short
            } else {
                g_format(v, 17)
            }
        }
        _ => format!("{}", v as i64),
    }
}

/// C's `%.{p}g`.
pub(crate) fn g_format(v: f64, p: usize) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = e.split_once('e').expect("an exponent");
    let x: i32 = exp.parse().expect("an integer exponent");
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if x < -4 || x >= p as i32 {
        format!("{}e{}{:02}", trim(mantissa), if x < 0 { '-' } else { '+' }, x.abs())
    } else {
        trim(&format!("{:.*}", (p as i32 - 1 - x).max(0) as usize, v))
    }
}

/// Writes the sub-array at `offset` spanning `dims[axis..]`.
fn layout(words: &[String], dims: &[usize], axis: usize, offset: usize, summarize: Option<usize>, out: &mut String) {
    if axis == dims.len() {
        out.push_str(&words[offset]);
        return;
    }
    let n = dims[axis];
    let stride: usize = dims[axis + 1..].iter().product();
    let shown: Vec<Option<usize>> = match summarize {
        Some(k) if n > 2 * k => (0..k).map(Some).chain([None]).chain((n - k..n).map(Some)).collect(),
        _ => (0..n).map(Some).collect(),
    };
    let sep = if axis + 1 == dims.len() {
        " ".to_string()
    } else {
        format!("{}{}", "\n".repeat(dims.len() - axis - 1), " ".repeat(axis + 1))
    };
    out.push('[');
    for (k, i) in shown.iter().enumerate() {
        if k > 0 {
            out.push_str(&sep);
        }
        match i {
            Some(i) => layout(words, dims, axis + 1, offset + i * stride, summarize, out),
            None => out.push_str("..."),
        }
    }
    out.push(']');
}

/// `PrintV2`: prints its inputs separated by spaces, then a newline, to stderr.
pub static PRINT: OpDef = OpDef {
    name: "PrintV2",
    infer: |_, _| Ok(Specs::new()),
    cpu: Kernel::Alloc(|i, _, _| {
        let line: Vec<String> = i.iter().map(|t| text(t)).collect();
        emit(line.join(" "));
        Ok(Outputs::new())
    }),
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![super::sample(d, &[3], Domain::Any, 50)],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: true,
    grad: Grad::None,
};

/// `WriteSummary`: writes a `tf.summary` value to the writer of its `site` (registered by
/// `tf::summary` while tracing; site 0 writes nothing). Inputs: the int64 step, then the data
/// (none for text). Every run of the graph writes.
pub static WRITE_SUMMARY: OpDef = OpDef {
    name: "WriteSummary",
    infer: |i, a| {
        a.get_int("site")?;
        match i.first() {
            Some(s) if s.dtype() == crate::DType::I64 && s.rank() == 0 && i.len() <= 2 => Ok(Specs::new()),
            _ => Err("expects an int64 scalar step and at most one data tensor".into()),
        }
    },
    cpu: Kernel::Alloc(|i, a, _| {
        crate::summary::run_site(a.get_int("site")?, i);
        Ok(Outputs::new())
    }),
    domain: Domain::Any,
    cases: || {
        vec![Case {
            inputs: vec![crate::constant(3i64), super::sample(crate::DType::F32, &[3], Domain::Any, 7)],
            attrs: Attrs::new().int("site", 0),
        }]
    },
    stateful: true,
    grad: Grad::None,
};

/// `StringFormat` (`tf.strings.format`): inputs the template, the placeholder (string
/// scalars), then one tensor per placeholder; the template with each placeholder replaced
/// by its tensor as `tf.print` shows it, `summarize` (attribute; -1: all) leading and
/// trailing entries per dimension. A string scalar.
pub static STRING_FORMAT: OpDef = OpDef {
    name: "StringFormat",
    infer: |i, a| {
        a.get_int("summarize")?;
        if i.len() < 2 || (0..2).any(|k| i[k].dtype() != DType::String || i[k].rank() != 0) {
            return Err("expects the template and the placeholder as string scalars, then the tensors".into());
        }
        Ok(super::spec(DType::String, crate::Shape::scalar()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let (template, placeholder) = (&i[0].strings()[0], &i[1].strings()[0]);
        let parts: Vec<&str> = template.split(placeholder.as_str()).collect();
        if parts.len() != i.len() - 1 {
            return Err(format!(
                "num placeholders in template and num inputs must match: {} vs. {}",
                parts.len() - 1,
                i.len() - 2
            ));
        }
        let summarize = usize::try_from(a.get_int("summarize")?).ok();
        let mut out = parts[0].to_string();
        for (t, part) in i[2..].iter().zip(&parts[1..]) {
            out.push_str(&text_with(t, summarize));
            out.push_str(part);
        }
        super::out1(crate::Buffer::String(vec![out]), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        vec![Case {
            inputs: vec![
                crate::constant("x={}, s={}"),
                crate::constant("{}"),
                super::sample(DType::F32, &[2, 4], Domain::Any, 3),
                crate::constant(["a", "b"]),
            ],
            attrs: Attrs::new().int("summarize", 1),
        }]
    },
    stateful: false,
    grad: Grad::None,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&PRINT, &WRITE_SUMMARY, &STRING_FORMAT];

#[cfg(test)]
mod tests {
    /// Golden strings from TensorFlow 2.21's `tf.print`.
    #[test]
    fn prints_like_tensorflow() {
        let t = |x: crate::Tensor| super::text(&x);
        assert_eq!(t(crate::constant([[1.0f32, 2.5], [3.0, 4.0]])), "[[1 2.5]\n [3 4]]");
        assert_eq!(t(crate::range(10)), "[0 1 2 ... 7 8 9]");
        assert_eq!(t(crate::constant(0.1f32)), "0.1");
        assert_eq!(t(crate::constant(1e-5f32)), "1e-05");
        assert_eq!(t(crate::constant(123456789.0f32)), "123456792");
        assert_eq!(t(crate::constant(1.0f32 / 3.0)), "0.333333343");
        assert_eq!(t(crate::constant(1.0f64 / 3.0)), "0.33333333333333331");
        assert_eq!(t(crate::constant([true, false])), "[1 0]");
        assert_eq!(
            t(crate::reshape(&crate::range(24), [2, 3, 4])),
            "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]"
        );
        assert_eq!(
            t(crate::reshape(&crate::range(64.0f32), [8, 8])),
            "[[0 1 2 ... 5 6 7]\n [8 9 10 ... 13 14 15]\n [16 17 18 ... 21 22 23]\n ...\n [40 41 42 ... 45 46 47]\n [48 49 50 ... 53 54 55]\n [56 57 58 ... 61 62 63]]"
        );
    }
}
