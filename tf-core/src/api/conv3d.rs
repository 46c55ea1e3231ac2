//! 3-D convolution and pooling on NDHWC tensors: `tf.nn.conv3d`, `conv3d_transpose`,
//! `max_pool3d` and `avg_pool3d`, as composites of the 2-D ops. The window's depth taps
//! are strided slices of the (depth-padded) input; folding each into the batch or the
//! channels turns the 3-D op into one 2-D op over `[batch * out_depth, height, width, ..]`,
//! so the heavy work is the 2-D kernels' and the gradients are theirs and the slices'.

use super::array::{concat, expand_dims, pad, reshape, transpose};
use super::math::{add, cast, divide, maximum};
use super::nn::{avg_pool2d, conv2d, conv2d_transpose, max_pool2d};
use super::slicing::SliceItem;
use crate::{Shape, Tensor};

/// A 3-D size (window, stride or dilation) as `(depth, height, width)`: `2` or `[1, 2, 2]`
/// or `(1, 2, 2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size3(pub usize, pub usize, pub usize);
impl From<usize> for Size3 {
    fn from(v: usize) -> Self {
        Size3(v, v, v)
    }
}
impl From<[usize; 3]> for Size3 {
    fn from(v: [usize; 3]) -> Self {
        Size3(v[0], v[1], v[2])
    }
}
impl From<(usize, usize, usize)> for Size3 {
    fn from(v: (usize, usize, usize)) -> Self {
        Size3(v.0, v.1, v.2)
    }
}
impl Size3 {
    fn hw(self) -> (usize, usize) {
        (self.1, self.2)
    }
}

/// The window's geometry along depth: `out` positions, each reading taps `k = 0..taps` at
/// padded index `o * stride + k * dilation`; `before` zeros precede the input.
struct Depth {
    out: usize,
    before: usize,
    taps: usize,
    stride: usize,
    dilation: usize,
}

impl Depth {
    #[track_caller]
    fn new(op: &str, input: usize, taps: usize, stride: usize, dilation: usize, padding: &str) -> Depth {
        if input == Shape::UNKNOWN {
            panic!("{op}: the input's depth must be known (a trace left it None); only the batch, height and width may be");
        }
        if taps == 0 || stride == 0 || dilation == 0 {
            panic!("{op}: window, strides and dilations must be positive, got depth window {taps}, stride {stride}, dilation {dilation}");
        }
        let same = match padding {
            "SAME" => true,
            "VALID" => false,
            _ => panic!("{op}: padding must be \"SAME\" or \"VALID\", got {padding:?}"),
        };
        match tf_kernels::cpu::conv::out_size(input, taps, stride, dilation, same) {
            Some((out, before)) if out > 0 => Depth {
                out,
                before,
                taps,
                stride,
                dilation,
            },
            _ => {
                panic!("{op}: the window (depth {taps}, dilation {dilation}) does not fit the input's depth {input} with {padding} padding")
            }
        }
    }

    /// Padded positions the taps reach: `(out - 1) * stride + (taps - 1) * dilation + 1`.
    fn reach(&self) -> usize {
        (self.out - 1) * self.stride + (self.taps - 1) * self.dilation + 1
    }

    /// `x` (`[n, depth, ...]`) with `before` planes of `value` in front and enough behind for
    /// every tap.
    fn pad(&self, x: &Tensor, value: f64) -> Tensor {
        let depth = x.shape().dims()[1];
        let after = self.reach().saturating_sub(self.before + depth);
        if self.before == 0 && after == 0 {
            return x.clone();
        }
        let mut p = vec![(0, 0); x.rank()];
        p[1] = (self.before, after);
        pad(x, &p, value)
    }

    /// Tap `k`'s planes of the padded input: `[n, out, ...]`.
    fn tap(&self, xp: &Tensor, k: usize) -> Tensor {
        let start = k * self.dilation;
        let end = start + (self.out - 1) * self.stride + 1;
        if start == 0 && end == xp.shape().dims()[1] && self.stride == 1 {
            return xp.clone();
        }
        let depth = SliceItem::from(start as i64..end as i64).step_by(self.stride as i64);
        xp.slice(vec![SliceItem::from(..), depth])
    }
}

/// Dimension `d` for a reshape: unknown (a traced `None`) becomes -1.
fn dim(d: usize) -> i64 {
    if d == Shape::UNKNOWN {
        -1
    } else {
        d as i64
    }
}

/// `t`'s dimensions; `what` names it (and its layout) in the panic when it is not rank 5.
#[track_caller]
fn expect_rank5(op: &str, what: &str, t: &Tensor) -> [usize; 5] {
    match *t.shape().dims() {
        [a, b, c, d, e] => [a, b, c, d, e],
        _ => panic!("{op}: {what} must be rank 5, got shape {:?}", t.shape()),
    }
}

/// `[kd, kh, kw, a, b]` (rank checked) → `[kh, kw, kd * a, b]`: the depth taps joined with
/// the channels of the folded input.
fn fold_filter(f: &Tensor) -> Tensor {
    let [kd, kh, kw, a, b] = expect_rank5("Conv3D", "filters", f);
    reshape(
        &transpose(f, Some(&[1, 2, 0, 3, 4])),
        [kh as i64, kw as i64, (kd * a) as i64, b as i64],
    )
}

/// `tf.nn.conv3d(input, filters, strides, padding, dilations)`: NDHWC input, filters
/// `[kd, kh, kw, in, out]`, `padding` `"SAME"` or `"VALID"`.
///
/// ```
/// use tf_core as tf;
/// // A 3x3x3 volume holding 0..27 and a 2x2x2 filter of ones: sums of 2x2x2 blocks.
/// let v = tf::reshape(&tf::range(27.0f32), [1, 3, 3, 3, 1]);
/// let k = tf::ones([2, 2, 2, 1, 1], tf::float32);
/// let y = tf::nn::conv3d(&v, &k, 1, "VALID", 1);
/// assert_eq!(y.shape().dims(), &[1, 2, 2, 2, 1]);
/// assert_eq!(y.to_vec::<f32>(), vec![52.0, 60.0, 76.0, 84.0, 124.0, 132.0, 148.0, 156.0]);
/// let y = tf::nn::conv3d(&v, &k, 2, "SAME", 1);
/// assert_eq!(y.shape().dims(), &[1, 2, 2, 2, 1]);
/// assert_eq!(y.to_vec::<f32>()[7], 26.0);
/// ```
///
/// # Panics
/// When the input or filter is not rank 5, their channels differ, or the window does not
/// fit (as [`conv2d`]).
#[track_caller]
pub fn conv3d(input: &Tensor, filters: &Tensor, strides: impl Into<Size3>, padding: &'static str, dilations: impl Into<Size3>) -> Tensor {
    let (s, dl) = (strides.into(), dilations.into());
    let [_, depth, h, w, c] = expect_rank5("Conv3D", "input (NDHWC)", input);
    let [kd, _, _, fc, out] = expect_rank5("Conv3D", "filters ([depth, height, width, in, out])", filters);
    if fc != c {
        panic!(
            "Conv3D: the input has {c} channels but the filters expect {fc} (filters shape {:?})",
            filters.shape()
        );
    }
    let g = Depth::new("Conv3D", depth, kd, s.0, dl.0, padding);
    let xp = g.pad(input, 0.0);
    let taps: Vec<Tensor> = (0..kd).map(|k| g.tap(&xp, k)).collect();
    let joined = if kd == 1 {
        taps[0].clone()
    } else {
        concat(&taps.iter().collect::<Vec<_>>(), -1)
    };
    let x2 = reshape(&joined, [-1, dim(h), dim(w), (kd * c) as i64]);
    let y = conv2d(&x2, &fold_filter(filters), s.hw(), padding, dl.hw());
    let yd = y.shape().dims();
    reshape(&y, [-1, g.out as i64, dim(yd[1]), dim(yd[2]), out as i64])
}

/// `tf.nn.conv3d_transpose(input, filters, output_shape, strides, padding, dilations)`:
/// filters `[kd, kh, kw, out, in]`; the gradient of [`conv3d`] with respect to its input.
///
/// ```
/// use tf_core as tf;
/// // Each input voxel spreads a 2x2x2 block of itself; with stride 2 the blocks tile.
/// let x = tf::reshape(&tf::constant([1.0f32, 2.0]), [1, 2, 1, 1, 1]);
/// let k = tf::ones([2, 2, 2, 1, 1], tf::float32);
/// let y = tf::nn::conv3d_transpose(&x, &k, [1, 4, 2, 2, 1], 2, "VALID", 1);
/// assert_eq!(y.to_vec::<f32>(), [[1.0f32; 8], [2.0; 8]].concat());
/// ```
///
/// # Panics
/// When `output_shape` is not what [`conv3d`] with these arguments maps back to the input's
/// shape, or the ranks or channels do not match.
#[track_caller]
pub fn conv3d_transpose(
    input: &Tensor,
    filters: &Tensor,
    output_shape: [usize; 5],
    strides: impl Into<Size3>,
    padding: &'static str,
    dilations: impl Into<Size3>,
) -> Tensor {
    let (s, dl) = (strides.into(), dilations.into());
    let [n, depth, _, _, c] = expect_rank5("Conv3DBackpropInputV2", "input (NDHWC)", input);
    let [kd, _, _, fo, fc] = expect_rank5("Conv3DBackpropInputV2", "filters ([depth, height, width, out, in])", filters);
    let [_, od, oh, ow, oc] = output_shape;
    if fc != c || fo != oc {
        panic!(
            "Conv3DBackpropInputV2: filters {:?} ([depth, height, width, out, in]) do not match the input's {c} channels and output_shape {output_shape:?}",
            filters.shape()
        );
    }
    let g = Depth::new("Conv3DBackpropInputV2", od, kd, s.0, dl.0, padding);
    if g.out != depth {
        panic!(
            "Conv3DBackpropInputV2: output_shape {output_shape:?} convolves to depth {}, but the input's depth is {depth}",
            g.out
        );
    }
    let rows = if n == Shape::UNKNOWN { n } else { n * depth };
    let x2 = reshape(input, [-1, dim(input.shape().dims()[2]), dim(input.shape().dims()[3]), c as i64]);
    let z = conv2d_transpose(&x2, &fold_filter(filters), [rows, oh, ow, kd * oc], s.hw(), padding, dl.hw());
    let z = reshape(&z, [-1, depth as i64, dim(oh), dim(ow), kd as i64, oc as i64]);
    // Tap k of input plane i lands on padded plane i * stride + k * dilation.
    let span = (depth - 1) * g.stride + 1;
    let total = g.reach().max(g.before + od);
    let mut y: Option<Tensor> = None;
    for k in 0..kd {
        let zk = z.slice(vec![
            SliceItem::from(..),
            SliceItem::from(..),
            SliceItem::from(..),
            SliceItem::from(..),
            SliceItem::from(k as i64),
        ]);
        let spread = if g.stride == 1 {
            zk
        } else {
            let gaps = pad(
                &expand_dims(&zk, 2),
                &[(0, 0), (0, 0), (0, g.stride - 1), (0, 0), (0, 0), (0, 0)],
                0.0,
            );
            let planes = reshape(&gaps, [-1, (depth * g.stride) as i64, dim(oh), dim(ow), oc as i64]);
            planes.slice(vec![SliceItem::from(..), SliceItem::from(0..span as i64)])
        };
        let at = k * g.dilation;
        let placed = pad(&spread, &[(0, 0), (at, total - at - span), (0, 0), (0, 0), (0, 0)], 0.0);
        y = Some(match y {
            Some(acc) => add(&acc, &placed),
            None => placed,
        });
    }
    let y = y.expect("a window has at least one tap");
    if g.before == 0 && total == od {
        return y;
    }
    y.slice(vec![SliceItem::from(..), SliceItem::from(g.before as i64..(g.before + od) as i64)])
}

/// The planes of each depth tap of `input`'s windows, folded into the batch
/// (`[n * out_depth, h, w, c]`), each pooled by `pool2d`; returns them and the depth geometry.
#[track_caller]
fn pool_taps(
    op: &str,
    input: &Tensor,
    ksize: Size3,
    strides: Size3,
    padding: &'static str,
    fill: f64,
    pool2d: impl Fn(&Tensor) -> Tensor,
) -> (Vec<Tensor>, Depth) {
    let [_, depth, h, w, c] = expect_rank5(op, "input (NDHWC)", input);
    if !input.dtype().is_float() {
        panic!("{op}: input must be a floating-point tensor, got {:?}", input.dtype());
    }
    let g = Depth::new(op, depth, ksize.0, strides.0, 1, padding);
    let xp = g.pad(input, fill);
    let pooled = (0..g.taps)
        .map(|k| pool2d(&reshape(&g.tap(&xp, k), [-1, dim(h), dim(w), c as i64])))
        .collect();
    (pooled, g)
}

/// `[n * out, oh, ow, c]` back to NDHWC.
fn unfold(y: &Tensor, out: usize) -> Tensor {
    let d = y.shape().dims();
    reshape(y, [-1, out as i64, dim(d[1]), dim(d[2]), dim(d[3])])
}

/// `tf.nn.max_pool3d(input, ksize, strides, padding)`: the largest value of each window
/// (padding never wins).
///
/// ```
/// use tf_core as tf;
/// let v = tf::reshape(&tf::range(27.0f32), [1, 3, 3, 3, 1]);
/// assert_eq!(tf::nn::max_pool3d(&v, 2, 2, "VALID").to_vec::<f32>(), vec![13.0]);
/// assert_eq!(tf::nn::max_pool3d(&v, 2, 2, "SAME").to_vec::<f32>(), vec![13.0, 14.0, 16.0, 17.0, 22.0, 23.0, 25.0, 26.0]);
/// ```
///
/// # Panics
/// When the input is not a rank-5 float tensor or the window does not fit.
#[track_caller]
pub fn max_pool3d(input: &Tensor, ksize: impl Into<Size3>, strides: impl Into<Size3>, padding: &'static str) -> Tensor {
    let (k, s) = (ksize.into(), strides.into());
    let (taps, g) = pool_taps("MaxPool3D", input, k, s, padding, f64::NEG_INFINITY, |t| {
        max_pool2d(t, k.hw(), s.hw(), padding)
    });
    let y = taps.iter().skip(1).fold(taps[0].clone(), |acc, t| maximum(&acc, t));
    unfold(&y, g.out)
}

/// `tf.nn.avg_pool3d(input, ksize, strides, padding)`: the mean of each window's taps inside
/// the input (padding is not counted).
///
/// ```
/// use tf_core as tf;
/// let v = tf::reshape(&tf::range(27.0f32), [1, 3, 3, 3, 1]);
/// assert_eq!(tf::nn::avg_pool3d(&v, 2, 2, "VALID").to_vec::<f32>(), vec![6.5]);
/// // The last window along each axis holds one plane: plane 2's mean of 18, 19, 21, 22 ...
/// let y = tf::nn::avg_pool3d(&v, 2, 2, "SAME").to_vec::<f32>();
/// assert_eq!((y[0], y[7]), (6.5, 26.0));
/// ```
///
/// # Panics
/// When the input is not a rank-5 float tensor or the window does not fit.
#[track_caller]
pub fn avg_pool3d(input: &Tensor, ksize: impl Into<Size3>, strides: impl Into<Size3>, padding: &'static str) -> Tensor {
    let (k, s) = (ksize.into(), strides.into());
    let depth = input.shape().dims().get(1).copied().unwrap_or(0);
    let (taps, g) = pool_taps("AvgPool3D", input, k, s, padding, 0.0, |t| avg_pool2d(t, k.hw(), s.hw(), padding));
    let sum = taps.iter().skip(1).fold(taps[0].clone(), |acc, t| add(&acc, t));
    // Each output plane's 2-D means share one count of in-bounds depth taps.
    let counts: Vec<f64> = (0..g.out)
        .map(|o| {
            (0..g.taps)
                .filter(|&t| (g.before..g.before + depth).contains(&(o * g.stride + t)))
                .count() as f64
        })
        .collect();
    let counts = Tensor::from_vec(counts, [1, g.out, 1, 1, 1]).expect("one count per output plane");
    divide(&unfold(&sum, g.out), &cast(&counts, input.dtype()))
}
