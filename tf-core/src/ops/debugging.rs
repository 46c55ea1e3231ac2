//! Run-time checks (`tf.debugging`): `Assert`, which fails the run with its data when its
//! condition is false, and `CheckNumerics`, which passes a float tensor through unless it
//! holds NaN or Inf. Both are stateful, so a graph keeps and orders them like `tf.print`.

use super::{arity, check_dtype, io::words, Attrs, Case, Domain, Grad, GradCtx, Kernel, OpDef, Outputs, Specs};
use crate::{DType, Tensor};

/// A tensor as TensorFlow's `SummarizeValue` writes it into an assertion's message: its
/// first `limit` elements (`None`: all) in nested brackets with no separators between rows,
/// `...` where it stops (`[[1.5 2][3...]...]`).
fn summarize(t: &Tensor, limit: Option<usize>) -> String {
    let words = words(t, false);
    let limit = limit.unwrap_or(words.len()).min(words.len());
    let mut out = String::new();
    let dims = t.shape().dims();
    if dims.is_empty() {
        out.push_str(&words[..limit].join(" "));
    } else {
        one_dim(&words, dims, 0, limit, &mut 0, &mut out);
    }
    if words.len() > limit {
        out.push_str("...");
    }
    out
}

/// TensorFlow's `PrintOneDim`: dimension `axis` of the rest, from element `*next` on.
fn one_dim(words: &[String], dims: &[usize], axis: usize, limit: usize, next: &mut usize, out: &mut String) {
    if *next >= limit {
        return;
    }
    if axis == dims.len() - 1 {
        for i in 0..dims[axis] {
            if *next >= limit {
                if axis != 0 {
                    out.push_str("...");
                }
                return;
            }
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&words[*next]);
            *next += 1;
        }
        return;
    }
    for _ in 0..dims[axis] {
        let opened = *next < limit;
        if opened {
            out.push('[');
        }
        one_dim(words, dims, axis + 1, limit, next, out);
        if opened {
            out.push(']');
        }
    }
}

/// `Assert` (`tf.debugging.Assert`): inputs a bool scalar condition, then the data. When the
/// condition is false the run fails with `assertion failed: [d0] [d1] ...`, each tensor's
/// first `summarize` (attribute; -1: all) elements. No outputs.
pub static ASSERT: OpDef = OpDef {
    name: "Assert",
    infer: |i, a| {
        a.get_int("summarize")?;
        match i.first() {
            Some(c) if c.dtype() == DType::Bool => {}
            _ => return Err("expects a bool condition, then the data".into()),
        }
        if i[0].rank() != 0 {
            return Err(format!("In[0] should be a scalar: {:?}", i[0].shape().dims()));
        }
        Ok(Specs::new())
    },
    cpu: Kernel::Alloc(|i, a, _| {
        if i[0].data::<bool>()[0] {
            return Ok(Outputs::new());
        }
        let limit = usize::try_from(a.get_int("summarize")?).ok();
        let data: Vec<String> = i[1..].iter().map(|t| format!("[{}]", summarize(t, limit))).collect();
        Err(format!("assertion failed: {}", data.join(" ")))
    }),
    domain: Domain::Any,
    cases: || {
        vec![Case {
            inputs: vec![
                crate::constant(true),
                crate::constant("x"),
                super::sample(DType::F32, &[2, 3], Domain::Any, 5),
            ],
            attrs: Attrs::new().int("summarize", 3),
        }]
    },
    stateful: true,
    grad: Grad::None,
};

/// `CheckNumerics` (`tf.debugging.check_numerics`): inputs a float tensor and the message (a
/// string scalar); passes the tensor through, or fails the run with `<message> : Tensor had
/// NaN values` (`Inf`, `Inf and NaN`). Its gradient is the incoming one, checked the same way.
pub static CHECK_NUMERICS: OpDef = OpDef {
    name: "CheckNumerics",
    infer: |i, _| {
        arity(i, 2)?;
        let d = check_dtype(i, 0, &[DType::F32, DType::F64])?;
        if i[1].dtype() != DType::String || i[1].rank() != 0 {
            return Err("expects the message as a string scalar".into());
        }
        Ok(super::spec(d, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, _, _| {
        let (nan, inf) = crate::dispatch!(i[0].dtype(), [F32, F64], T => {
            let v = i[0].data::<T>();
            (v.iter().any(|x| x.is_nan()), v.iter().any(|x| x.is_infinite()))
        });
        let had = match (inf, nan) {
            (false, false) => return Ok(smallvec::smallvec![i[0].renamed()]),
            (true, true) => "Inf and NaN",
            (true, false) => "Inf",
            (false, true) => "NaN",
        };
        Err(format!("{} : Tensor had {had} values", i[1].strings()[0]))
    }),
    domain: Domain::Any,
    cases: || {
        [DType::F32, DType::F64]
            .into_iter()
            .map(|d| Case {
                inputs: vec![super::sample(d, &[2, 3], Domain::Any, 9), crate::constant("x")],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: true,
    grad: Grad::Rule(check_numerics_grad),
};

fn check_numerics_grad(g: &GradCtx) -> Vec<Option<Tensor>> {
    let message = format!(
        "Not a number (NaN) or infinity (Inf) values detected in gradient. {}",
        g.x(1).strings()[0]
    );
    vec![Some(crate::debugging::check_numerics(&g.grads[0], &message)), None]
}

/// This family's ops.
pub static OPS: &[&OpDef] = &[&ASSERT, &CHECK_NUMERICS];

#[cfg(test)]
mod tests {
    use super::summarize;
    use crate as tf;

    /// Golden texts from TensorFlow 2.21's `tf.debugging.Assert` messages.
    #[test]
    fn summarizes_like_tensorflow() {
        let m = tf::constant([[1.5f32, 2.0], [3.0, 4.0]]);
        assert_eq!(summarize(&m, Some(3)), "[1.5 2][3...]...");
        assert_eq!(summarize(&tf::range(5), Some(3)), "0 1 2...");
        let r = tf::reshape(&tf::range(24), [2, 3, 4]);
        assert_eq!(summarize(&r, Some(5)), "[[0 1 2 3][4...]]...");
        assert_eq!(summarize(&r, Some(0)), "...");
        assert_eq!(summarize(&tf::zeros([2, 0], tf::float32), Some(3)), "");
        assert_eq!(summarize(&tf::constant("a\nb'é\u{1}"), Some(3)), "a\\nb\\'é\\001");
        assert_eq!(summarize(&tf::constant([true, false]), Some(3)), "1 0");
        assert_eq!(summarize(&tf::constant(1.0f64 / 3.0), Some(3)), "0.33333333333333331");
        assert_eq!(summarize(&tf::range(30), None).split(' ').count(), 30);
    }
}
