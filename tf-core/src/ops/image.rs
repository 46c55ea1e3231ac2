//! `ImageProjectiveTransformV3`: images resampled through a projective transform per image
//! (Keras's RandomRotation, RandomZoom and RandomTranslation), with TensorFlow's fill modes
//! and interpolations.

use super::{arity, check_dtype, out1, spec, Attrs, Case, Domain, Grad, Kernel, OpDef};
use crate::shape::dim_compatible;
use crate::{DType, Element, Shape, Tensor};

/// How an input coordinate outside the image is brought back (or not), as TensorFlow's
/// `MapCoordinate`: `[abcd]` continues as `dcba|abcd|dcba` (reflect), `abcd|abcd|abcd`
/// (wrap), `aaaa|abcd|dddd` (nearest), or reads `fill_value` (constant).
#[derive(Clone, Copy)]
enum FillMode {
    Reflect,
    Wrap,
    Constant,
    Nearest,
}

fn fill_mode(a: &Attrs) -> Result<FillMode, String> {
    match a.get_str("fill_mode")? {
        "REFLECT" => Ok(FillMode::Reflect),
        "WRAP" => Ok(FillMode::Wrap),
        "CONSTANT" => Ok(FillMode::Constant),
        "NEAREST" => Ok(FillMode::Nearest),
        m => Err(format!("fill_mode must be REFLECT, WRAP, CONSTANT or NEAREST, got {m:?}")),
    }
}

fn map_coordinate(c: f32, len: usize, mode: FillMode) -> f32 {
    let l = len as f32;
    let c = match mode {
        FillMode::Constant => return c,
        FillMode::Nearest => c,
        _ if len <= 1 && (c < 0.0 || c > l - 1.0) => 0.0,
        FillMode::Reflect => {
            let sz2 = 2.0 * l;
            if c < 0.0 {
                let c = if c < sz2 { sz2 * (-c / sz2).trunc() + c } else { c };
                if c < -l {
                    c + sz2
                } else {
                    -c - 1.0
                }
            } else if c > l - 1.0 {
                let c = c - sz2 * (c / sz2).trunc();
                if c >= l {
                    sz2 - c - 1.0
                } else {
                    c
                }
            } else {
                c
            }
        }
        FillMode::Wrap => {
            let sz = l - 1.0;
            if c < 0.0 {
                c + l * ((-c / sz).trunc() + 1.0)
            } else if c > l - 1.0 {
                c - l * (c / sz).trunc()
            } else {
                c
            }
        }
    };
    c.clamp(0.0, l - 1.0)
}

/// `ImageProjectiveTransformV3(images [N, H, W, C] float32, transforms [N or 1, 8] float32)`
/// with attributes `output_shape` ([height, width]), `interpolation` (`"BILINEAR"` or
/// `"NEAREST"`), `fill_mode` and `fill_value`: output pixel (x, y) reads the input at
/// `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`. Not
/// differentiable here (augmentation sits on the data side of a model).
pub static IMAGE_PROJECTIVE_TRANSFORM: OpDef = OpDef {
    name: "ImageProjectiveTransformV3",
    infer: |i, a| {
        arity(i, 2)?;
        check_dtype(i, 0, &[DType::F32])?;
        check_dtype(i, 1, &[DType::F32])?;
        let (im, t) = (i[0].shape().dims(), i[1].shape().dims());
        if im.len() != 4 {
            return Err(format!("images must be [batch, height, width, channels], got shape {:?}", im));
        }
        if t.len() != 2 || !dim_compatible(t[1], 8) || !(dim_compatible(t[0], 1) || dim_compatible(t[0], im[0])) {
            return Err(format!("transforms must be [1 or batch, 8], got shape {t:?} for {} images", im[0]));
        }
        let out = a.get_ints("output_shape")?;
        let [h, w] = out else {
            return Err(format!("output_shape must be [height, width], got {out:?}"));
        };
        if *h < 0 || *w < 0 {
            return Err(format!("output_shape must be non-negative, got {out:?}"));
        }
        fill_mode(a)?;
        match a.get_str("interpolation")? {
            "BILINEAR" | "NEAREST" => {}
            m => return Err(format!("interpolation must be BILINEAR or NEAREST, got {m:?}")),
        }
        Ok(spec(DType::F32, Shape::from(&[im[0], *h as usize, *w as usize, im[3]][..])))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let (x, t) = (i[0].data::<f32>(), i[1].data::<f32>());
        let d = i[0].shape().dims();
        let (n, h, w, c) = (d[0], d[1], d[2], d[3]);
        let o = s[0].shape.dims();
        let (oh, ow) = (o[1], o[2]);
        let mode = fill_mode(a)?;
        let nearest = a.get_str("interpolation")? == "NEAREST";
        let fill = a.get_float("fill_value")? as f32;
        let per_image = i[1].shape().dims()[0] != 1;
        let mut out = vec![0f32; n * oh * ow * c];
        let read = |b: usize, y: f32, xx: f32, ch: usize| -> f32 {
            if y >= 0.0 && (y as usize) < h && xx >= 0.0 && (xx as usize) < w && y < h as f32 && xx < w as f32 {
                x[((b * h + y as usize) * w + xx as usize) * c + ch]
            } else {
                fill
            }
        };
        for b in 0..n {
            let m = &t[if per_image { b * 8 } else { 0 }..][..8];
            for oy in 0..oh {
                for ox in 0..ow {
                    let (fx, fy) = (ox as f32, oy as f32);
                    let dst = &mut out[((b * oh + oy) * ow + ox) * c..][..c];
                    let k = m[6] * fx + m[7] * fy + 1.0;
                    if k == 0.0 {
                        dst.fill(fill);
                        continue;
                    }
                    let px = map_coordinate((m[0] * fx + m[1] * fy + m[2]) / k, w, mode);
                    let py = map_coordinate((m[3] * fx + m[4] * fy + m[5]) / k, h, mode);
                    for (ch, v) in dst.iter_mut().enumerate() {
                        *v = if nearest {
                            // std::round: halves away from zero.
                            read(b, py.round(), px.round(), ch)
                        } else {
                            let (y0, x0) = (py.floor(), px.floor());
                            let (y1, x1) = (y0 + 1.0, x0 + 1.0);
                            let top = (x1 - px) * read(b, y0, x0, ch) + (px - x0) * read(b, y0, x1, ch);
                            let bottom = (x1 - px) * read(b, y1, x0, ch) + (px - x0) * read(b, y1, x1, ch);
                            (y1 - py) * top + (py - y0) * bottom
                        };
                    }
                }
            }
        }
        out1(f32::into_buffer(out), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        let images = super::sample(DType::F32, &[2, 3, 4, 2], Domain::Any, 7);
        // A rotation about the centre (per image) and a shift shared by both images.
        let (c, si) = (0.6f32, 0.8f32);
        let rot = Tensor::from_vec(
            vec![c, -si, 1.5, si, c, -0.4, 0.0, 0.0, 1.0, 0.0, 0.7, 0.0, 1.0, -0.3, 0.01, 0.02],
            [2, 8],
        );
        let shift = Tensor::from_vec(vec![1.0f32, 0.0, -1.3, 0.0, 1.0, 0.6, 0.0, 0.0], [1, 8]);
        let attrs = |interp: &'static str, mode: &'static str| {
            Attrs::new()
                .ints("output_shape", [3, 5])
                .str("interpolation", interp)
                .str("fill_mode", mode)
                .float("fill_value", 0.5)
        };
        vec![
            Case {
                inputs: vec![images.clone(), rot.expect("transform")],
                attrs: attrs("BILINEAR", "REFLECT"),
            },
            Case {
                inputs: vec![images, shift.expect("transform")],
                attrs: attrs("NEAREST", "CONSTANT"),
            },
        ]
    },
    stateful: false,
    grad: Grad::None,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&IMAGE_PROJECTIVE_TRANSFORM];
