//! `SparseSoftmaxCrossEntropyWithLogits`: the crossentropy of integer labels against logits
//! as one primitive (a classifier's loss every training step), instead of the dozen ops of
//! its composite and twice that in its gradient.

use super::{arity, check_dtype, out1, sample, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, Specs, FLOATS};
use crate::{api, dispatch, DType, Element, Shape, Tensor};

/// The classes (the logits' last dimension; `Shape::UNKNOWN` in a trace that left it open).
fn classes(logits: &Shape) -> Result<usize, String> {
    logits.dims().last().copied().ok_or_else(|| "logits must have rank >= 1".into())
}

fn infer(i: &[&Tensor], _a: &Attrs) -> Result<Specs, String> {
    arity(i, 2)?;
    let d = check_dtype(i, 0, FLOATS)?;
    check_dtype(i, 1, &[DType::I32, DType::I64])?;
    classes(i[0].shape())?;
    let rows = Shape::new(&i[0].shape().dims()[..i[0].rank() - 1]);
    if !i[1].shape().is_compatible_with(&rows) {
        return Err(format!(
            "labels shape {:?} must equal logits shape {:?} without its last dimension",
            i[1].shape(),
            i[0].shape()
        ));
    }
    Ok(spec(d, rows))
}

/// `SparseSoftmaxCrossEntropyWithLogits`: for logits `[..., classes]` (input 0) and integer
/// labels `[...]` (input 1), `logsumexp(logits) - logits[label]` per row; a label outside
/// `[0, classes)` is an error (TensorFlow's message). TensorFlow's op of this name also
/// returns the gradient it computed on the way; here the gradient rule recomputes the
/// softmax, so the loss has second derivatives too.
pub static SPARSE_SOFTMAX_CROSS_ENTROPY_WITH_LOGITS: OpDef = OpDef {
    name: "SparseSoftmaxCrossEntropyWithLogits",
    infer,
    cpu: Kernel::Alloc(|i, _a, s| {
        let classes = classes(i[0].shape())?;
        let labels: Vec<i64> = dispatch!(i[1].dtype(), [I32, I64], T => i[1].data::<T>().iter().map(|v| v.to_i64()).collect());
        if let Some(&bad) = labels.iter().find(|&&v| v < 0 || v as usize >= classes) {
            return Err(format!(
                "Received a label value of {bad} which is outside the valid range of [0, {classes})."
            ));
        }
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let rows = i[0].data::<T>().chunks(classes.max(1)).zip(&labels);
            Element::into_buffer(rows.map(|(row, &label)| {
                let max = row.iter().fold(T::NEG_INFINITY, |m, &v| m.max(v));
                let sum: T = row.iter().map(|&v| (v - max).exp()).sum();
                sum.ln() + max - row[label as usize]
            }).collect::<Vec<T>>())
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .flat_map(|&d| {
                [
                    (sample(d, &[4, 5], Domain::Any, 61), Tensor::from_vec(vec![0i64, 4, 2, 2], [4])),
                    (
                        sample(d, &[2, 3, 4], Domain::Any, 62),
                        Tensor::from_vec(vec![3i32, 0, 1, 2, 2, 0], [2, 3]),
                    ),
                ]
            })
            .map(|(logits, labels)| Case {
                inputs: vec![logits, labels.expect("labels")],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: false,
    // d/dlogits = g · (softmax(logits) - one_hot(label)), from differentiable ops.
    grad: Grad::Rule(|c| {
        vec![
            c.want(0, || {
                let z = c.x(0);
                let hot = match z.shape().dims().last() {
                    Some(&classes) if classes != Shape::UNKNOWN => api::one_hot(c.x(1), classes, 1.0, 0.0, -1, z.dtype()),
                    // Classes known only when the graph runs: each column's index, compared.
                    _ => {
                        let column = api::cumsum(&api::ones_like(z), -1, true, false);
                        let label = api::expand_dims(&api::cast(c.x(1), z.dtype()), -1);
                        api::cast(&api::equal(&column, &label), z.dtype())
                    }
                };
                api::multiply(&api::expand_dims(c.g(), -1), &api::subtract(&api::nn::softmax(z, -1), &hot))
            }),
            None,
        ]
    }),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&SPARSE_SOFTMAX_CROSS_ENTROPY_WITH_LOGITS];
