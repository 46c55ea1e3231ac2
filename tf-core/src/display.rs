//! `Display` for tensors, as TensorFlow prints them: NumPy's array formatting (aligned
//! columns, `maxprec` floats with 8 digits, scientific notation for wide ranges, 75-column
//! lines, and summarization with `...` past 1000 elements) inside
//! `tf.Tensor(..., shape=(..), dtype=..)`.

use crate::{dispatch, DType, Element, Tensor};
use std::fmt;

const THRESHOLD: usize = 1000;
const EDGE: usize = 3;
const LINE_WIDTH: usize = 75;

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.symbol() {
            // TensorFlow's symbolic form: Tensor("AddV2:0", shape=(2,), dtype=float32)
            return write!(
                f,
                "Tensor(\"{}_{}:{}\", shape={}, dtype={})",
                s.op,
                s.node,
                s.output,
                self.shape(),
                self.dtype()
            );
        }
        let body = array_str(self);
        let sep = if body.contains('\n') { "\n" } else { "" };
        write!(f, "tf.Tensor({sep}{body}, shape={}, dtype={})", self.shape(), self.dtype())
    }
}

/// NumPy's `str()` of the tensor's values.
pub(crate) fn array_str(t: &Tensor) -> String {
    let dims = t.shape().dims();
    let summarize = t.num_elements() > THRESHOLD;
    if let crate::Buffer::String(v) = t.buffer() {
        // NumPy leaves string columns unaligned.
        let mut words = shown_indices(dims, summarize).into_iter().map(|i| bytes_repr(v[i].as_bytes()));
        if dims.is_empty() {
            return words.next().unwrap_or_default();
        }
        let mut out = String::new();
        block(&mut out, dims, 0, summarize, &mut words);
        return out;
    }
    let words: Vec<String> = dispatch!(t.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
        let data = t.data::<T>();
        let shown = shown_indices(dims, summarize);
        let vals: Vec<T> = shown.iter().map(|&i| data[i]).collect();
        format_all(&vals, t.dtype(), dims.is_empty())
    });
    if dims.is_empty() {
        return words.into_iter().next().unwrap_or_default();
    }
    let width = words.iter().map(|w| w.len()).max().unwrap_or(0);
    let mut it = words.into_iter().map(|w| format!("{w:>width$}"));
    let mut out = String::new();
    block(&mut out, dims, 0, summarize, &mut it);
    out
}

/// Python's `repr` of a `bytes` value: `b'...'` (or `b"..."` when only that avoids escaping a
/// quote), with `\\`, `\t`, `\n`, `\r` and `\xNN` escapes for other non-printable bytes.
pub(crate) fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut out = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c == quote as u8 => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

/// Flat indices of the elements shown, in print order.
fn shown_indices(dims: &[usize], summarize: bool) -> Vec<usize> {
    let mut out = Vec::new();
    fn walk(dims: &[usize], d: usize, base: usize, summarize: bool, out: &mut Vec<usize>) {
        if d == dims.len() {
            out.push(base);
            return;
        }
        let stride: usize = dims[d + 1..].iter().product();
        for i in axis_items(dims[d], summarize) {
            walk(dims, d + 1, base + i * stride, summarize, out);
        }
    }
    walk(dims, 0, 0, summarize, &mut out);
    out
}

fn axis_items(n: usize, summarize: bool) -> Vec<usize> {
    if summarize && n > 2 * EDGE {
        (0..EDGE).chain(n - EDGE..n).collect()
    } else {
        (0..n).collect()
    }
}

/// Writes the bracketed block for axis `d` with elements from `it`.
fn block(out: &mut String, dims: &[usize], d: usize, summarize: bool, it: &mut impl Iterator<Item = String>) {
    let n = dims[d];
    let elided = summarize && n > 2 * EDGE;
    let count = if elided { 2 * EDGE } else { n };
    out.push('[');
    if d + 1 == dims.len() {
        let indent = " ".repeat(d + 1);
        let mut line_start = out.rfind('\n').map_or(0, |p| p + 1);
        for i in 0..count {
            let mut word = it.next().unwrap_or_default();
            if elided && i == EDGE {
                word = format!("...{}{word}", " ");
            }
            let closing = if i + 1 == count { d + 1 } else { 0 };
            if i > 0 {
                if out.len() - line_start + 1 + word.len() + closing > LINE_WIDTH {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('\n');
                    out.push_str(&indent);
                    line_start = out.len() - indent.len();
                } else {
                    out.push(' ');
                }
            }
            out.push_str(&word);
        }
    } else {
        let rest = dims.len() - d - 1;
        for i in 0..count {
            if i > 0 {
                out.push_str(&"\n".repeat(rest));
                out.push_str(&" ".repeat(d + 1));
            }
            if elided && i == EDGE {
                out.push_str("...");
                out.push_str(&"\n".repeat(rest));
                out.push_str(&" ".repeat(d + 1));
            }
            block(out, dims, d + 1, summarize, it);
        }
    }
    out.push(']');
}

/// Formats every shown value with one shared NumPy-style format.
fn format_all<T: Element>(vals: &[T], dtype: DType, scalar: bool) -> Vec<String> {
    match dtype {
        DType::Bool => vals
            .iter()
            .map(|v| {
                if v.to_f64() != 0.0 {
                    if scalar {
                        "True"
                    } else {
                        " True"
                    }
                } else {
                    "False"
                }
                .to_string()
            })
            .collect(),
        d if d.is_int() => vals.iter().map(|v| v.to_i64().to_string()).collect(),
        _ => {
            let xs: Vec<f64> = vals.iter().map(|v| v.to_f64()).collect();
            let shortest: Vec<String> = vals.iter().map(|v| format!("{v:?}")).collect();
            if scalar {
                return vec![scalar_repr(xs[0], &shortest[0])];
            }
            format_floats(&xs, &shortest)
        }
    }
}

/// `repr` of a NumPy float scalar: the shortest round-trip digits, as Python prints them.
fn scalar_repr(x: f64, shortest: &str) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        return sci(shortest, None);
    }
    shortest.to_string()
}

/// Positional digits: the shortest round-trip form, cut to 8 decimals; `(int part, fraction)`.
fn positional(x: f64, shortest: &str) -> (String, String) {
    let s = if shortest.contains('e') || shortest.split('.').nth(1).is_some_and(|f| f.len() > 8) {
        format!("{x:.8}")
    } else {
        shortest.to_string()
    };
    let (i, f) = s.split_once('.').unwrap_or((&s, ""));
    (i.to_string(), f.trim_end_matches('0').to_string())
}

/// Scientific form `d.ddde±XX` from shortest digits, with the mantissa's fraction padded with
/// zeros to `frac` digits when given.
fn sci(shortest: &str, frac: Option<usize>) -> String {
    let x: f64 = shortest.parse().unwrap_or(0.0);
    let e = format!("{x:e}");
    let (m, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let (mi, mf) = m.split_once('.').unwrap_or((m, ""));
    let mut mf: String = mf.chars().take(8).collect();
    if let Some(w) = frac {
        while mf.len() < w {
            mf.push('0');
        }
    }
    let exp: i32 = exp.parse().unwrap_or(0);
    format!("{mi}.{mf}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn format_floats(xs: &[f64], shortest: &[String]) -> Vec<String> {
    let finite: Vec<f64> = xs.iter().copied().filter(|v| v.is_finite() && *v != 0.0).map(f64::abs).collect();
    let (mx, mn) = (
        finite.iter().cloned().fold(0.0, f64::max),
        finite.iter().cloned().fold(f64::INFINITY, f64::min),
    );
    let exp_mode = !finite.is_empty() && (mx >= 1e8 || mn < 1e-4 || mx / mn > 1e3);
    let special = |x: f64| {
        if x.is_nan() {
            Some("nan".to_string())
        } else if x.is_infinite() {
            Some(if x > 0.0 { "inf" } else { "-inf" }.to_string())
        } else {
            None
        }
    };
    if exp_mode {
        let frac = shortest
            .iter()
            .zip(xs)
            .filter(|(_, x)| x.is_finite())
            .map(|(s, _)| {
                sci(s, None)
                    .split_once('.')
                    .map_or(0, |(_, r)| r.split('e').next().map_or(0, str::len))
            })
            .max()
            .unwrap_or(0);
        return shortest
            .iter()
            .zip(xs)
            .map(|(s, &x)| special(x).unwrap_or_else(|| sci(s, Some(frac))))
            .collect();
    }
    let parts: Vec<Option<(String, String)>> = shortest
        .iter()
        .zip(xs)
        .map(|(s, &x)| special(x).is_none().then(|| positional(x, s)))
        .collect();
    let frac = parts.iter().flatten().map(|(_, f)| f.len()).max().unwrap_or(0);
    let int_w = parts.iter().flatten().map(|(i, _)| i.len()).max().unwrap_or(0);
    parts
        .into_iter()
        .zip(xs)
        .map(|(p, &x)| match p {
            Some((i, f)) => format!("{i:>int_w$}.{f:<frac$}"),
            None => {
                let s = special(x).unwrap_or_default();
                format!("{s:>w$}", w = int_w + 1 + frac)
            }
        })
        .collect()
}
