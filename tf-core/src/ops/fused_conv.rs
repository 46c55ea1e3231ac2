//! `_FusedConv2D`: a `Conv2D`, its bias add and activation as one op, which the graph
//! optimizer's remapper pass makes (TensorFlow's grappler remapper makes the same op). The
//! bias and activation are applied by each GEMM block as it finishes, while its rows are in
//! that core's cache, instead of two more passes over the output.
//!
//! Inputs: the image, the filter (as `Conv2D`) and the bias, one value per output channel.
//! Attributes: `Conv2D`'s, plus `activation`, `"Relu"` or `"Identity"`.

use super::nn::{conv2d_f32, conv2d_grad, conv2d_im2col, conv_window};
use super::num::Num;
use super::{arity, check_dtype, out1, same_dtype, sample, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, FLOATS};
use crate::shape::dim_compatible;
use crate::{api, dispatch, DType, Element, Shape};

/// Whether attribute `activation` asks for a ReLU (`"Relu"`) or nothing (`"Identity"`).
fn relu(a: &Attrs) -> Result<bool, String> {
    match a.get_str("activation")? {
        "Relu" => Ok(true),
        "Identity" => Ok(false),
        other => Err(format!("activation must be \"Relu\" or \"Identity\", got {other:?}")),
    }
}

/// Adds the bias to each row of `oc = bias.len()` values, then the ReLU if asked.
fn bias_act<T: Num>(block: &mut [T], bias: &[T], relu: bool) {
    for row in block.chunks_exact_mut(bias.len()) {
        for (v, &b) in row.iter_mut().zip(bias) {
            let z = v.add(b);
            *v = if relu { z.maximum(T::ZERO) } else { z };
        }
    }
}

/// `relu(conv2d(x, w) + bias)` (or without the ReLU).
pub static FUSED_CONV2D: OpDef = OpDef {
    name: "_FusedConv2D",
    infer: |i, a| {
        arity(i, 3)?;
        let d = check_dtype(i, 0, FLOATS)?;
        same_dtype(i, 0, 1)?;
        same_dtype(i, 0, 2)?;
        relu(a)?;
        let (g, oc) = conv_window(i, a)?;
        let b = i[2].shape();
        if b.rank() != 1 || !dim_compatible(b.dims()[0], oc) {
            return Err(format!("bias must have one value per output channel ({oc}), got shape {b:?}"));
        }
        Ok(spec(d, Shape::new(&[g.n, g.oh, g.ow, oc])))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let (g, oc) = conv_window(i, a)?;
        let relu = relu(a)?;
        let buf = if i[0].dtype() == DType::F32 {
            let bias = i[2].data::<f32>();
            Element::into_buffer(conv2d_f32(i[0].data(), i[1].data(), &g, oc, &|rows| bias_act(rows, bias, relu)))
        } else {
            dispatch!(i[0].dtype(), [F32, F64], T => {
                let mut y = conv2d_im2col::<T>(i[0].data(), i[1].data(), &g, oc);
                bias_act(&mut y, i[2].data(), relu);
                Element::into_buffer(y)
            })
        };
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let configs = [("SAME", 1, "Relu"), ("VALID", 2, "Identity"), ("SAME", 2, "Relu")];
        FLOATS
            .iter()
            .flat_map(|&d| configs.map(|c| (d, c)))
            .map(|(d, (pad, st, act))| Case {
                inputs: vec![
                    sample(d, &[2, 5, 6, 3], Domain::Any, 40),
                    sample(d, &[3, 2, 3, 4], Domain::Any, 41),
                    sample(d, &[4], Domain::Any, 42),
                ],
                attrs: Attrs::new()
                    .str("padding", pad)
                    .ints("strides", [1, st, st, 1])
                    .ints("dilations", [1, 1, 1, 1])
                    .str("activation", act),
            })
            .collect()
    },
    stateful: false,
    // z = conv + bias, y = act(z): dz = dy masked by y > 0 (ReLU), db = Σ dz over the
    // batch and space, and the convolution's gradients of dz.
    grad: Grad::Rule(|c| {
        let dz = if relu(c.attrs).unwrap_or(false) {
            super::binary::relu_grad(c.g(), c.y())
        } else {
            c.g().clone()
        };
        let mut grads = conv2d_grad(c, &dz);
        grads.push(c.want(2, || api::reduce_sum(&dz, [0, 1, 2], false)));
        grads
    }),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&FUSED_CONV2D];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::execute1;
    use crate::Tensor;

    /// The fused op computes what its three ops compute, bit for bit (the same GEMM, and the
    /// same f32 add and maximum after it).
    #[test]
    fn matches_conv_then_bias_then_relu() {
        let x = tf_random(&[2, 9, 7, 5], 1);
        let w = tf_random(&[3, 3, 5, 16], 2);
        let b = tf_random(&[16], 3);
        for (act, pad) in [("Relu", "SAME"), ("Identity", "VALID")] {
            let a = Attrs::new()
                .str("padding", pad)
                .ints("strides", [1, 1, 1, 1])
                .ints("dilations", [1, 1, 1, 1])
                .str("activation", act);
            let got = execute1(&FUSED_CONV2D, &[&x, &w, &b], &a);
            let z = &api::nn::conv2d(&x, &w, 1, pad, 1) + &b;
            let want = if act == "Relu" { api::nn::relu(&z) } else { z };
            assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>(), "{act} {pad}");
        }
    }

    #[test]
    fn bad_bias_and_activation_are_named() {
        let (x, w) = (tf_random(&[1, 4, 4, 2], 1), tf_random(&[3, 3, 2, 8], 2));
        let a = Attrs::new()
            .str("padding", "SAME")
            .ints("strides", [1, 1, 1, 1])
            .str("activation", "Relu");
        let e = (FUSED_CONV2D.infer)(&[&x, &w, &tf_random(&[7], 3)], &a).unwrap_err();
        assert!(e.contains("one value per output channel (8)"), "{e}");
        let e = (FUSED_CONV2D.infer)(&[&x, &w, &tf_random(&[8], 3)], &a.clone().str("activation", "Tanh")).unwrap_err();
        assert!(e.contains("\"Tanh\""), "{e}");
    }

    fn tf_random(shape: &[usize], seed: u64) -> Tensor {
        api::random::uniform(shape, -1.0, 1.0, DType::F32, Some(seed as i64))
    }
}
