//! Convolution and pooling primitives on NHWC tensors: `Conv2D` and its two backward ops,
//! `DepthwiseConv2dNative`, `MaxPool`/`AvgPool` and their gradients. Attributes follow
//! TensorFlow: `strides`/`dilations`/`ksize` as `[1, h, w, 1]`, `padding` `"SAME"`/`"VALID"`.

use super::{
    arity, arity_shaped, check_dtype, execute1, execute_shaped_like, out1, same_dtype, sample, spec, Attrs, Case, Domain, Grad, GradCtx,
    Kernel, OpDef, Specs, FLOATS,
};
use crate::shape::dim_compatible;
use crate::{api, dispatch, DType, Element, Shape, Tensor};
use tf_kernels::cpu::conv::{self as k, Window2d};
use tf_kernels::cpu::gemm::{sgemm_gather, sgemm_gather_then, Gather, Strided};
use tf_kernels::cpu::{recycle, winograd};

fn hw(a: &Attrs, name: &str, default: (usize, usize)) -> Result<(usize, usize), String> {
    match a.opt_ints(name) {
        None => Ok(default),
        Some([1, h, w, 1]) if *h > 0 && *w > 0 => Ok((*h as usize, *w as usize)),
        Some(v) => Err(format!("{name} must be [1, h, w, 1] with positive h and w, got {v:?}")),
    }
}

/// Window geometry of an NHWC input `x` under window `(kh, kw)` and the op's attributes.
fn window(x: &[usize], kh: usize, kw: usize, a: &Attrs) -> Result<Window2d, String> {
    if x.len() != 4 {
        return Err(format!("input must be 4-dimensional (NHWC), got shape {x:?}"));
    }
    let stride = hw(a, "strides", (1, 1))?;
    let dilation = hw(a, "dilations", (1, 1))?;
    let same = match a.get_str("padding")? {
        "SAME" => true,
        "VALID" => false,
        p => return Err(format!("padding must be \"SAME\" or \"VALID\", got {p:?}")),
    };
    let too_small = || format!("the window {kh}x{kw} (dilations {dilation:?}) does not fit the input {x:?} with VALID padding");
    // An unknown spatial dimension (a traced input) gives an unknown output dimension.
    let size = |n: usize, k: usize, s: usize, d: usize| match n {
        Shape::UNKNOWN => Some((Shape::UNKNOWN, 0)),
        n => k::out_size(n, k, s, d, same),
    };
    let (oh, pt) = size(x[1], kh, stride.0, dilation.0).ok_or_else(too_small)?;
    let (ow, pl) = size(x[2], kw, stride.1, dilation.1).ok_or_else(too_small)?;
    Ok(Window2d {
        n: x[0],
        h: x[1],
        w: x[2],
        c: x[3],
        kh,
        kw,
        oh,
        ow,
        stride,
        dilation,
        pad: (pt, pl),
    })
}

pub(super) fn conv_window(i: &[&Tensor], a: &Attrs) -> Result<(Window2d, usize), String> {
    let f = i[1].shape().dims();
    if f.len() != 4 {
        return Err(format!("filter must be 4-dimensional [kh, kw, in, out], got shape {f:?}"));
    }
    let g = window(i[0].shape().dims(), f[0], f[1], a)?;
    if !dim_compatible(f[2], g.c) {
        return Err(format!(
            "input depth {} does not match filter in-depth {} (input {:?}, filter {f:?})",
            g.c,
            f[2],
            i[0].shape()
        ));
    }
    Ok((g, f[3]))
}

/// `C = A·B` with A and B row-major or transposed, through the packed GEMM.
#[allow(clippy::too_many_arguments)]
fn gemm<T: super::num::Num>(m: usize, k: usize, n: usize, a: &[T], ta: bool, b: &[T], tb: bool, c: &mut [T]) {
    let av = if ta {
        Strided { data: a, rs: 1, cs: m }
    } else {
        Strided { data: a, rs: k, cs: 1 }
    };
    let bv = if tb {
        Strided { data: b, rs: 1, cs: k }
    } else {
        Strided { data: b, rs: n, cs: 1 }
    };
    super::linalg::gemm_typed(m, k, n, av, bv, c);
}

/// True when the convolution reads the input as-is (1×1 window, unit stride, no padding).
fn is_pointwise(g: &Window2d) -> bool {
    g.kh == 1 && g.kw == 1 && g.stride == (1, 1) && g.pad == (0, 0)
}

/// Inference of an input-gradient op (inputs: filter, out_backprop; attribute
/// `input_shape`); `dy_channels` maps the window and filter to out_backprop's channels.
fn infer_input_grad(i: &[&Tensor], a: &Attrs, dy_channels: fn(&Window2d, &[usize]) -> usize) -> Result<Specs, String> {
    arity_shaped(i, 2)?;
    let d = check_dtype(i, 0, FLOATS)?;
    same_dtype(i, 0, 1)?;
    let xs = input_shape(a, i[1], i.get(2))?;
    let f = i[0].shape().dims();
    if f.len() != 4 || !dim_compatible(f[2], xs[3]) {
        return Err(format!("filter {f:?} does not match input_shape {xs:?}"));
    }
    let g = window(&xs, f[0], f[1], a)?;
    let want = [g.n, g.oh, g.ow, dy_channels(&g, f)];
    if !i[1].shape().is_compatible_with(&Shape::new(&want)) {
        return Err(format!("out_backprop has shape {:?}, expected {want:?}", i[1].shape()));
    }
    Ok(spec(d, Shape::from(xs)))
}

/// Inference of a filter-gradient op (inputs: input, out_backprop; attribute
/// `filter_shape`).
fn infer_filter_grad(i: &[&Tensor], a: &Attrs, dy_channels: fn(&Window2d, &[usize]) -> usize) -> Result<Specs, String> {
    arity_shaped(i, 2)?;
    let d = check_dtype(i, 0, FLOATS)?;
    same_dtype(i, 0, 1)?;
    let fs = shape_like(a, "filter_shape", i.get(2))?;
    let g = window(i[0].shape().dims(), fs[0], fs[1], a)?;
    if !dim_compatible(fs[2], g.c)
        || !i[1]
            .shape()
            .is_compatible_with(&Shape::new(&[g.n, g.oh, g.ow, dy_channels(&g, &fs)]))
    {
        return Err(format!(
            "filter_shape {fs:?} and out_backprop {:?} do not match input {:?}",
            i[1].shape(),
            i[0].shape()
        ));
    }
    Ok(spec(d, Shape::from(fs)))
}

/// `Conv2D`: `y[b, i, j, o] = Σ x[b, i*s + di*dil - pad, ...] * f[di, dj, c, o]`, as im2col
/// followed by one GEMM.
pub static CONV2D: OpDef = OpDef {
    name: "Conv2D",
    infer: |i, a| {
        arity(i, 2)?;
        check_dtype(i, 0, FLOATS)?;
        let d = same_dtype(i, 0, 1)?;
        let (g, out_c) = conv_window(i, a)?;
        Ok(spec(d, Shape::new(&[g.n, g.oh, g.ow, out_c])))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let (g, oc) = conv_window(i, a)?;
        let buf = if i[0].dtype() == DType::F32 {
            Element::into_buffer(conv2d_f32(i[0].data(), i[1].data(), &g, oc, &|_| {}))
        } else {
            dispatch!(i[0].dtype(), [F32, F64], T => Element::into_buffer(conv2d_im2col::<T>(i[0].data(), i[1].data(), &g, oc)))
        };
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: conv_cases,
    stateful: false,
    grad: Grad::Rule(|c| forward_grad(c, &CONV, c.g())),
};

/// `Conv2D` in f32, multiplying by the im2col matrix through offset tables (never building
/// it), with `then` run on the output's rows as each GEMM block finishes them.
pub(super) fn conv2d_f32(x: &[f32], w: &[f32], g: &Window2d, oc: usize, then: &(dyn Fn(&mut [f32]) + Sync)) -> Vec<f32> {
    if winograd_applies(g, g.c, oc) {
        return winograd::conv(x, winograd_geometry(g), &winograd::Filter::new(w, g.c, oc), then);
    }
    let (padded, rows, taps) = k::im2col_tables(x, g);
    let mut y = recycle::take_len(rows.len() * oc);
    let view = Gather {
        data: &padded,
        rows: &rows,
        cols: &taps,
    };
    sgemm_gather_then(rows.len(), taps.len(), oc, view, Strided::row_major(w, oc), &mut y, then);
    give_back(padded);
    y
}

/// Whether a convolution of window `g` from `c` to `k` channels runs by Winograd's
/// F(2×2, 5×5) ([`winograd`]): 5×5 windows, stride 1, undilated, whole vectors of channels,
/// and an output of at least one whole tile. It does 36 products per channel pair for each 2×2 of
/// outputs instead of 100: the CNN's second convolution and its input gradient in ~1.75 ms
/// instead of ~3.1 (same run), to within a few units in the sixth digit; its filter
/// gradient likewise.
fn winograd_applies(g: &Window2d, c: usize, k: usize) -> bool {
    g.kh == winograd::R
        && g.kw == winograd::R
        && g.stride == (1, 1)
        && g.dilation == (1, 1)
        && g.oh >= 2
        && g.ow >= 2
        && winograd::applies(c, k)
}

/// The Winograd geometry of a convolution's window `g` (input to output).
fn winograd_geometry(g: &Window2d) -> winograd::Geometry {
    winograd::Geometry {
        n: g.n,
        h: g.h,
        w: g.w,
        oh: g.oh,
        ow: g.ow,
        top: g.pad.0,
        left: g.pad.1,
    }
}

/// Returns a padded copy from [`k::im2col_tables`] to the buffer cache.
fn give_back(padded: std::borrow::Cow<[f32]>) {
    if let std::borrow::Cow::Owned(p) = padded {
        recycle::give(p);
    }
}

/// `Conv2D` as im2col and one GEMM, in any float type.
pub(super) fn conv2d_im2col<T: super::num::Num>(x: &[T], w: &[T], g: &Window2d, oc: usize) -> Vec<T> {
    let (rows, kk) = (g.n * g.oh * g.ow, g.kh * g.kw * g.c);
    let cols = if is_pointwise(g) {
        std::borrow::Cow::Borrowed(x)
    } else {
        std::borrow::Cow::Owned(k::im2col(x, g))
    };
    let mut y = vec![T::ZERO; rows * oc];
    gemm(rows, kk, oc, &cols, false, w, false, &mut y);
    y
}

fn conv_cases() -> Vec<Case> {
    let mut v = Vec::new();
    for &d in FLOATS {
        for (pad, st, dil) in [("SAME", 1, 1), ("VALID", 2, 1), ("SAME", 1, 2)] {
            v.push(Case {
                inputs: vec![sample(d, &[2, 5, 6, 3], Domain::Any, 20), sample(d, &[3, 2, 3, 4], Domain::Any, 21)],
                attrs: Attrs::new()
                    .str("padding", pad)
                    .ints("strides", [1, st, st, 1])
                    .ints("dilations", [1, dil, dil, 1]),
            });
        }
    }
    v
}

/// A 4-D shape attribute; -1 is an unknown dimension (a traced `None`).
fn shape_attr(a: &Attrs, name: &str) -> Result<Vec<usize>, String> {
    let v = a.get_ints(name)?;
    if v.len() != 4 || v.iter().any(|&d| d < -1) {
        return Err(format!("{name} must be 4 sizes (-1 for unknown), got {v:?}"));
    }
    Ok(v.iter().map(|&d| if d < 0 { Shape::UNKNOWN } else { d as usize }).collect())
}

/// The shape an input-gradient op makes (its attribute `input_shape`): a dimension the
/// attribute leaves unknown is the forward input's, given as the optional last input `like`
/// (as TensorFlow passes that shape as a tensor), or for the batch the gradient's (`dy`).
fn input_shape(a: &Attrs, dy: &Tensor, like: Option<&&Tensor>) -> Result<Vec<usize>, String> {
    let mut xs = shape_like(a, "input_shape", like)?;
    if xs[0] == Shape::UNKNOWN {
        xs[0] = dy.shape().dims().first().copied().unwrap_or(Shape::UNKNOWN);
    }
    Ok(xs)
}

/// Shape attribute `name`, its unknown dimensions taken from the optional input `like` (the
/// forward input or filter whose gradient the op computes).
fn shape_like(a: &Attrs, name: &str, like: Option<&&Tensor>) -> Result<Vec<usize>, String> {
    let mut xs = shape_attr(a, name)?;
    if let Some(x) = like {
        let xd = x.shape().dims();
        if xd.len() != 4 {
            return Err(format!("the tensor giving {name} must be 4-dimensional, got shape {:?}", x.shape()));
        }
        for (d, &k) in xs.iter_mut().zip(xd) {
            if *d == Shape::UNKNOWN {
                *d = k;
            }
        }
    }
    Ok(xs)
}

/// The output shape a kernel writes: its inferred spec, which must be known by the time it
/// runs.
fn known(s: &Shape, what: &str) -> Result<Vec<usize>, String> {
    if !s.is_fully_defined() {
        return Err(format!(
            "{what} is not known when the op runs ({s:?}): give the forward input as the last input"
        ));
    }
    Ok(s.dims().to_vec())
}

/// `Conv2DBackpropInput`: the gradient of `Conv2D` with respect to its input, given the
/// filter (input 0), the output gradient (input 1) and attribute `input_shape`.
pub static CONV2D_BACKPROP_INPUT: OpDef = OpDef {
    name: "Conv2DBackpropInput",
    infer: |i, a| infer_input_grad(i, a, |_, f| f[3]),
    cpu: Kernel::Alloc(|i, a, s| {
        let xs = known(&s[0].shape, "input_shape")?;
        let f = i[0].shape().dims();
        let g = window(&xs, f[0], f[1], a)?;
        if i[0].dtype() == DType::F32 && g.c >= 8 {
            return out1(
                Element::into_buffer(backprop_input_as_conv(i[0].data::<f32>(), i[1].data::<f32>(), &g, f[3])),
                &s[0],
            );
        }
        let (rows, kk, oc) = (g.n * g.oh * g.ow, g.kh * g.kw * g.c, f[3]);
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let mut cols = vec![0 as T; rows * kk];
            gemm(rows, oc, kk, i[1].data::<T>(), false, i[0].data::<T>(), true, &mut cols);
            Element::into_buffer(if is_pointwise(&g) { cols } else { k::col2im(&cols, &g) })
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[3, 2, 3, 4], Domain::Any, 22), sample(d, &[2, 3, 3, 4], Domain::Any, 23)],
                attrs: Attrs::new()
                    .str("padding", "SAME")
                    .ints("strides", [1, 2, 2, 1])
                    .ints("input_shape", [2, 5, 6, 3]),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| input_grad_grad(c, &CONV)),
};

/// The input gradient of a convolution as a stride-1 convolution: `dy` is spread out by the
/// strides into a zero image padded by the dilated window, then correlated with the filter
/// flipped in space and transposed in channels. With enough input channels this is one
/// dense GEMM through offset tables, instead of a GEMM plus a scatter (`col2im`).
fn backprop_input_as_conv(w: &[f32], dy: &[f32], g: &Window2d, oc: usize) -> Vec<f32> {
    let (eh, ew) = ((g.kh - 1) * g.dilation.0, (g.kw - 1) * g.dilation.1);
    let (hp, wp) = (g.h + eh, g.w + ew);
    let (top, left) = (eh - g.pad.0, ew - g.pad.1);
    // The filter flipped in space, its channels swapped: `[kh, kw, oc, c]`.
    let mut wf = Vec::with_capacity(g.kh * g.kw * oc * g.c);
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            for o in 0..oc {
                let src = (((g.kh - 1 - ky) * g.kw + (g.kw - 1 - kx)) * g.c) * oc + o;
                wf.extend((0..g.c).map(|ci| w[src + ci * oc]));
            }
        }
    }
    if winograd_applies(g, oc, g.c) {
        let geometry = winograd::Geometry {
            n: g.n,
            h: g.oh,
            w: g.ow,
            oh: g.h,
            ow: g.w,
            top,
            left,
        };
        return winograd::conv(dy, geometry, &winograd::Filter::new(&wf, oc, g.c), &|_| {});
    }
    // Zeros around the spread-out values (a reused buffer's old values are overwritten).
    let mut z = recycle::filled(g.n * hp * wp * oc, 0f32);
    for b in 0..g.n {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let dst = ((b * hp + oy * g.stride.0 + top) * wp + ox * g.stride.1 + left) * oc;
                z[dst..dst + oc].copy_from_slice(&dy[((b * g.oh + oy) * g.ow + ox) * oc..][..oc]);
            }
        }
    }
    let mut rows = Vec::with_capacity(g.n * g.h * g.w);
    for b in 0..g.n {
        for y in 0..g.h {
            for x in 0..g.w {
                rows.push(((b * hp + y) * wp + x) * oc);
            }
        }
    }
    let mut taps = Vec::with_capacity(g.kh * g.kw * oc);
    for ky in 0..g.kh {
        for kx in 0..g.kw {
            for o in 0..oc {
                taps.push((ky * g.dilation.0 * wp + kx * g.dilation.1) * oc + o);
            }
        }
    }
    let mut dx = recycle::take_len(rows.len() * g.c);
    let view = Gather {
        data: &z,
        rows: &rows,
        cols: &taps,
    };
    sgemm_gather(rows.len(), taps.len(), g.c, view, Strided::row_major(&wf, g.c), &mut dx, g.c, false);
    recycle::give(z);
    dx
}

/// `Conv2DBackpropFilter`: the gradient of `Conv2D` with respect to its filter, given the
/// input (input 0), the output gradient (input 1) and attribute `filter_shape`.
pub static CONV2D_BACKPROP_FILTER: OpDef = OpDef {
    name: "Conv2DBackpropFilter",
    infer: |i, a| infer_filter_grad(i, a, |_, f| f[3]),
    cpu: Kernel::Alloc(|i, a, s| {
        let fs = known(&s[0].shape, "filter_shape")?;
        let g = window(i[0].shape().dims(), fs[0], fs[1], a)?;
        if i[0].dtype() == DType::F32 && winograd_applies(&g, g.c, fs[3]) {
            let dw = winograd::filter_grad(i[0].data::<f32>(), i[1].data::<f32>(), winograd_geometry(&g), g.c, fs[3]);
            return out1(Element::into_buffer(dw), &s[0]);
        }
        if i[0].dtype() == DType::F32 {
            // dW = colsᵀ · dy, with colsᵀ addressed through the swapped offset tables.
            let (padded, rows, taps) = k::im2col_tables(i[0].data::<f32>(), &g);
            let mut dw = recycle::take_len(taps.len() * fs[3]);
            let view = Gather {
                data: &padded,
                rows: &taps,
                cols: &rows,
            };
            sgemm_gather(
                taps.len(),
                rows.len(),
                fs[3],
                view,
                Strided::row_major(i[1].data::<f32>(), fs[3]),
                &mut dw,
                fs[3],
                false,
            );
            give_back(padded);
            return out1(Element::into_buffer(dw), &s[0]);
        }
        let (rows, kk, oc) = (g.n * g.oh * g.ow, g.kh * g.kw * g.c, fs[3]);
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let x = i[0].data::<T>();
            let cols = if is_pointwise(&g) { std::borrow::Cow::Borrowed(x) } else { std::borrow::Cow::Owned(k::im2col(x, &g)) };
            let mut dw = vec![0 as T; kk * oc];
            gemm(kk, rows, oc, &cols, true, i[1].data::<T>(), false, &mut dw);
            Element::into_buffer(dw)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 5, 6, 3], Domain::Any, 24), sample(d, &[2, 5, 6, 4], Domain::Any, 25)],
                attrs: Attrs::new().str("padding", "SAME").ints("filter_shape", [3, 2, 3, 4]),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| filter_grad_grad(c, &CONV)),
};

/// `DepthwiseConv2dNative`: filter `[kh, kw, c, mult]`, output channel `c * mult + q`.
pub static DEPTHWISE_CONV2D: OpDef = OpDef {
    name: "DepthwiseConv2dNative",
    infer: |i, a| {
        arity(i, 2)?;
        check_dtype(i, 0, FLOATS)?;
        let d = same_dtype(i, 0, 1)?;
        let (g, mult) = conv_window(i, a)?;
        Ok(spec(d, Shape::new(&[g.n, g.oh, g.ow, crate::shape::dim_map(g.c, |c| c * mult)])))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let (g, mult) = conv_window(i, a)?;
        let taps = g.kh * g.kw;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let cols = k::im2col(i[0].data::<T>(), &g);
            let f = i[1].data::<T>();
            let mut y = Vec::with_capacity(g.n * g.oh * g.ow * g.c * mult);
            for row in cols.chunks_exact(taps * g.c) {
                for ch in 0..g.c {
                    for q in 0..mult {
                        let mut acc = 0 as T;
                        for t in 0..taps {
                            acc += row[t * g.c + ch] * f[(t * g.c + ch) * mult + q];
                        }
                        y.push(acc);
                    }
                }
            }
            Element::into_buffer(y)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[1, 4, 5, 2], Domain::Any, 26), sample(d, &[2, 2, 2, 3], Domain::Any, 27)],
                attrs: Attrs::new().str("padding", "SAME"),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| forward_grad(c, &DEPTHWISE, c.g())),
};

/// `DepthwiseConv2dNativeBackpropInput`: the input gradient of a depthwise convolution,
/// from the filter (input 0), the output gradient (input 1) and attribute `input_shape`.
pub static DEPTHWISE_BACKPROP_INPUT: OpDef = OpDef {
    name: "DepthwiseConv2dNativeBackpropInput",
    infer: |i, a| infer_input_grad(i, a, |g, f| crate::shape::dim_map(g.c, |c| c * f[3])),
    cpu: Kernel::Alloc(|i, a, s| {
        let xs = known(&s[0].shape, "input_shape")?;
        let fd = i[0].shape().dims();
        let (g, mult) = (window(&xs, fd[0], fd[1], a)?, fd[3]);
        let taps = g.kh * g.kw;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let (f, dy) = (i[0].data::<T>(), i[1].data::<T>());
            let rows = g.n * g.oh * g.ow;
            let mut dcols = vec![0 as T; rows * taps * g.c];
            for r in 0..rows {
                for t in 0..taps {
                    for ch in 0..g.c {
                        let mut acc = 0 as T;
                        for q in 0..mult {
                            acc += dy[r * g.c * mult + ch * mult + q] * f[(t * g.c + ch) * mult + q];
                        }
                        dcols[(r * taps + t) * g.c + ch] = acc;
                    }
                }
            }
            Element::into_buffer(k::col2im(&dcols, &g))
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 2, 2, 3], Domain::Any, 41), sample(d, &[1, 2, 3, 6], Domain::Any, 42)],
                attrs: Attrs::new()
                    .str("padding", "SAME")
                    .ints("strides", [1, 2, 2, 1])
                    .ints("input_shape", [1, 4, 5, 2]),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| input_grad_grad(c, &DEPTHWISE)),
};

/// `DepthwiseConv2dNativeBackpropFilter`: the filter gradient of a depthwise convolution,
/// from the input (input 0), the output gradient (input 1) and attribute `filter_shape`.
pub static DEPTHWISE_BACKPROP_FILTER: OpDef = OpDef {
    name: "DepthwiseConv2dNativeBackpropFilter",
    infer: |i, a| infer_filter_grad(i, a, |g, f| crate::shape::dim_map(g.c, |c| c * f[3])),
    cpu: Kernel::Alloc(|i, a, s| {
        let fs = known(&s[0].shape, "filter_shape")?;
        let (g, mult) = (window(i[0].shape().dims(), fs[0], fs[1], a)?, fs[3]);
        let taps = g.kh * g.kw;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let cols = k::im2col(i[0].data::<T>(), &g);
            let dy = i[1].data::<T>();
            let mut df = vec![0 as T; taps * g.c * mult];
            for (r, row) in cols.chunks_exact(taps * g.c).enumerate() {
                for t in 0..taps {
                    for ch in 0..g.c {
                        let v = row[t * g.c + ch];
                        for q in 0..mult {
                            df[(t * g.c + ch) * mult + q] += v * dy[r * g.c * mult + ch * mult + q];
                        }
                    }
                }
            }
            Element::into_buffer(df)
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[1, 4, 5, 2], Domain::Any, 43), sample(d, &[1, 2, 3, 6], Domain::Any, 44)],
                attrs: Attrs::new()
                    .str("padding", "SAME")
                    .ints("strides", [1, 2, 2, 1])
                    .ints("filter_shape", [2, 2, 2, 3]),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| filter_grad_grad(c, &DEPTHWISE)),
};

fn pool_window(x: &[usize], a: &Attrs) -> Result<Window2d, String> {
    let (kh, kw) = hw(a, "ksize", (0, 0))?;
    if kh == 0 {
        return Err("missing attribute `ksize`".into());
    }
    window(x, kh, kw, a)
}

fn infer_pool(i: &[&Tensor], a: &Attrs) -> Result<Specs, String> {
    arity(i, 1)?;
    let d = check_dtype(i, 0, FLOATS)?;
    let g = pool_window(i[0].shape().dims(), a)?;
    Ok(spec(d, Shape::new(&[g.n, g.oh, g.ow, g.c])))
}

fn pool_cases() -> Vec<Case> {
    FLOATS
        .iter()
        .flat_map(|&d| {
            [("VALID", 2), ("SAME", 2), ("SAME", 1)].map(|(p, st)| Case {
                inputs: vec![sample(d, &[2, 5, 5, 3], Domain::Any, 28)],
                attrs: Attrs::new()
                    .str("padding", p)
                    .ints("ksize", [1, 2, 2, 1])
                    .ints("strides", [1, st, st, 1]),
            })
        })
        .collect()
}

/// `MaxPool`: the largest value of each window (padding never wins).
pub static MAX_POOL: OpDef = OpDef {
    name: "MaxPool",
    infer: infer_pool,
    cpu: Kernel::Alloc(|i, a, s| {
        let g = pool_window(i[0].shape().dims(), a)?;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => Element::into_buffer(k::max_pool(i[0].data::<T>(), &g)));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: pool_cases,
    stateful: false,
    grad: Grad::Rule(|c| vec![Some(execute1(&MAX_POOL_GRAD, &[c.x(0), c.g()], c.attrs))]),
};

/// `AvgPool`: the mean of each window's in-bounds values.
pub static AVG_POOL: OpDef = OpDef {
    name: "AvgPool",
    infer: infer_pool,
    cpu: Kernel::Alloc(|i, a, s| {
        let g = pool_window(i[0].shape().dims(), a)?;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => Element::into_buffer(k::avg_pool(i[0].data::<T>(), &g, |v| v as T)));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: pool_cases,
    stateful: false,
    grad: Grad::Rule(|c| vec![Some(execute_shaped_like(&AVG_POOL_GRAD, &[c.g()], c.attrs, "input_shape", c.x(0)))]),
};

/// `MaxPoolGrad`: routes the output gradient (input 1) to each window's maximum of the
/// original input (input 0).
pub static MAX_POOL_GRAD: OpDef = OpDef {
    name: "MaxPoolGrad",
    infer: |i, a| {
        arity(i, 2)?;
        let d = check_dtype(i, 0, FLOATS)?;
        same_dtype(i, 0, 1)?;
        let g = pool_window(i[0].shape().dims(), a)?;
        if !i[1].shape().is_compatible_with(&Shape::new(&[g.n, g.oh, g.ow, g.c])) {
            return Err(format!(
                "gradient has shape {:?}, expected {:?}",
                i[1].shape(),
                [g.n, g.oh, g.ow, g.c]
            ));
        }
        Ok(spec(d, i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let g = pool_window(i[0].shape().dims(), a)?;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => Element::into_buffer(k::max_pool_grad(i[0].data::<T>(), i[1].data::<T>(), &g)));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        pool_cases()
            .into_iter()
            .map(|mut c| {
                let x = c.inputs[0].clone();
                let y = crate::ops::execute1(&MAX_POOL, &[&x], &c.attrs);
                c.inputs.push(sample(x.dtype(), y.shape().dims(), Domain::Any, 29));
                c
            })
            .collect()
    },
    stateful: false,
    // The routing is piecewise constant in x; in dy it is linear, with MaxPoolGradGrad as
    // its adjoint.
    grad: Grad::Rule(|c| {
        vec![
            c.want(0, || api::zeros_like(c.x(0))),
            c.want(1, || execute1(&MAX_POOL_GRAD_GRAD, &[c.x(0), c.g()], c.attrs)),
        ]
    }),
};

/// `MaxPoolGradGrad`: for each window of the original input (input 0), the value of input 1
/// at the window's (first) maximum — the adjoint of `MaxPoolGrad` in its gradient input.
pub static MAX_POOL_GRAD_GRAD: OpDef = OpDef {
    name: "MaxPoolGradGrad",
    infer: |i, a| {
        arity(i, 2)?;
        let d = check_dtype(i, 0, FLOATS)?;
        same_dtype(i, 0, 1)?;
        if !i[0].shape().is_compatible_with(i[1].shape()) {
            return Err(format!(
                "input {:?} and gradient {:?} must have one shape",
                i[0].shape(),
                i[1].shape()
            ));
        }
        let g = pool_window(i[0].shape().dims(), a)?;
        Ok(spec(d, Shape::new(&[g.n, g.oh, g.ow, g.c])))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let g = pool_window(i[0].shape().dims(), a)?;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => Element::into_buffer(k::max_pool_pick(i[0].data::<T>(), i[1].data::<T>(), &g)));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        pool_cases()
            .into_iter()
            .map(|mut c| {
                let x = c.inputs[0].clone();
                c.inputs.push(sample(x.dtype(), x.shape().dims(), Domain::Any, 45));
                c
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        vec![
            c.want(0, || api::zeros_like(c.x(0))),
            c.want(1, || execute1(&MAX_POOL_GRAD, &[c.x(0), c.g()], c.attrs)),
        ]
    }),
};

/// `AvgPoolGrad`: shares each output gradient (input 0) equally among its window's taps;
/// attribute `input_shape`.
pub static AVG_POOL_GRAD: OpDef = OpDef {
    name: "AvgPoolGrad",
    infer: |i, a| {
        arity_shaped(i, 1)?;
        let d = check_dtype(i, 0, FLOATS)?;
        let xs = input_shape(a, i[0], i.get(1))?;
        let g = pool_window(&xs, a)?;
        if !i[0].shape().is_compatible_with(&Shape::new(&[g.n, g.oh, g.ow, g.c])) {
            return Err(format!(
                "gradient has shape {:?}, expected {:?}",
                i[0].shape(),
                [g.n, g.oh, g.ow, g.c]
            ));
        }
        Ok(spec(d, Shape::from(xs)))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let g = pool_window(&known(&s[0].shape, "input_shape")?, a)?;
        let buf = dispatch!(i[0].dtype(), [F32, F64], T => {
            let dy: Vec<f64> = i[0].data::<T>().iter().map(|&v| v.to_f64()).collect();
            Element::into_buffer(k::avg_pool_grad(&dy, &g).into_iter().map(|v| v as T).collect::<Vec<T>>())
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 3, 3, 3], Domain::Any, 30)],
                attrs: Attrs::new()
                    .str("padding", "SAME")
                    .ints("ksize", [1, 2, 2, 1])
                    .ints("strides", [1, 2, 2, 1])
                    .ints("input_shape", [2, 5, 5, 3]),
            })
            .collect()
    },
    stateful: false,
    grad: Grad::Rule(|c| {
        // The forward input, when given, only lends its shape.
        let mut grads = vec![Some(execute1(&AVG_POOL, &[c.g()], c.attrs))];
        grads.resize(c.inputs.len(), None);
        grads
    }),
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[
    &CONV2D,
    &CONV2D_BACKPROP_INPUT,
    &CONV2D_BACKPROP_FILTER,
    &DEPTHWISE_CONV2D,
    &MAX_POOL,
    &AVG_POOL,
    &MAX_POOL_GRAD,
    &AVG_POOL_GRAD,
];

/// A convolution and its two gradient ops; the three gradient rules below serve both
/// `Conv2D` and `DepthwiseConv2dNative`.
struct ConvFamily {
    forward: &'static OpDef,
    input_grad: &'static OpDef,
    filter_grad: &'static OpDef,
}

static CONV: ConvFamily = ConvFamily {
    forward: &CONV2D,
    input_grad: &CONV2D_BACKPROP_INPUT,
    filter_grad: &CONV2D_BACKPROP_FILTER,
};
static DEPTHWISE: ConvFamily = ConvFamily {
    forward: &DEPTHWISE_CONV2D,
    input_grad: &DEPTHWISE_BACKPROP_INPUT,
    filter_grad: &DEPTHWISE_BACKPROP_FILTER,
};

/// Forward op, inputs (x, w): dx = InputGrad(w, dy), dw = FilterGrad(x, dy).
fn forward_grad(c: &GradCtx, k: &ConvFamily, dy: &Tensor) -> Vec<Option<Tensor>> {
    let (x, w) = (c.x(0), c.x(1));
    let dx = c.want(0, || execute_shaped_like(k.input_grad, &[w, dy], c.attrs, "input_shape", x));
    let dw = c.want(1, || execute_shaped_like(k.filter_grad, &[x, dy], c.attrs, "filter_shape", w));
    vec![dx, dw]
}

/// `Conv2D`'s input and filter gradients for the output gradient `dy`, in a rule of an op
/// whose inputs 0 and 1 are a `Conv2D`'s and whose attributes include its own (a fused
/// convolution's, with `dy` taken back through its bias and activation).
pub(super) fn conv2d_grad(c: &GradCtx, dy: &Tensor) -> Vec<Option<Tensor>> {
    forward_grad(c, &CONV, dy)
}

/// Input-gradient op, inputs (w, dy): dw = FilterGrad(ddx, dy), d dy = Forward(ddx, w).
fn input_grad_grad(c: &GradCtx, k: &ConvFamily) -> Vec<Option<Tensor>> {
    let (w, dy) = (c.x(0), c.x(1));
    let dw = c.want(0, || execute_shaped_like(k.filter_grad, &[c.g(), dy], c.attrs, "filter_shape", w));
    let ddy = c.want(1, || execute1(k.forward, &[c.g(), w], c.attrs));
    // The forward input, when given, only lends its shape.
    let mut grads = vec![dw, ddy];
    grads.resize(c.inputs.len(), None);
    grads
}

/// Filter-gradient op, inputs (x, dy): dx = InputGrad(ddw, dy), d dy = Forward(x, ddw).
fn filter_grad_grad(c: &GradCtx, k: &ConvFamily) -> Vec<Option<Tensor>> {
    let (x, dy) = (c.x(0), c.x(1));
    let dx = c.want(0, || execute_shaped_like(k.input_grad, &[c.g(), dy], c.attrs, "input_shape", x));
    let ddy = c.want(1, || execute1(k.forward, &[x, c.g()], c.attrs));
    // The filter, when given, only lends its shape.
    let mut grads = vec![dx, ddy];
    grads.resize(c.inputs.len(), None);
    grads
}
