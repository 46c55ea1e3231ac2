//! `keras.layers.EinsumDense`: a dense layer whose product with the kernel is any einsum
//! (`"abc,cde->abde"`: a projection into heads), with the kernel's and bias's shapes worked
//! out from the equation, the input's shape and the output's, as Keras does.

use super::{layer_common, layer_methods, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::{self as tf, Tensor, Variable};

/// `keras.layers.EinsumDense(equation, output_shape, activation=None, bias_axes=None)`:
/// `activation(einsum(equation, x, kernel) + bias)`. `output_shape` excludes the batch
/// dimension; `None` entries take the input's size (a sequence length). The equation is
/// `ab,bc->ac`, `...b,bc->...c` or `ab...,bc->ac...`; `bias_axes` names the output letters
/// the bias spans.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{EinsumDense, Layer};
/// // Keras's example: project the last axis of [batch, seq, 32] into 2 heads of 16.
/// let layer = EinsumDense::new("abc,cde->abde", [Some(4), Some(2), Some(16)]).bias_axes("de");
/// let y = layer.call(&tf::ones([3, 4, 32], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[3, 4, 2, 16]);
/// let shapes: Vec<Vec<usize>> = layer.weights().iter().map(|w| w.shape().dims().to_vec()).collect();
/// assert_eq!(shapes, [vec![32, 2, 16], vec![2, 16]]); // kernel, bias
/// ```
pub struct EinsumDense {
    base: Base,
    equation: String,
    output_shape: Vec<Option<usize>>,
    activation: Act,
    bias_axes: Option<String>,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(EinsumDense, [kernel, bias]);
layer_config!(EinsumDense, EinsumDense::new("a,ab->b", [None]), {
    "equation" => equation, "output_shape" => output_shape, "activation" => activation, "bias_axes" => bias_axes,
    "kernel_initializer" => kernel_initializer, "bias_initializer" => bias_initializer,
    "kernel_regularizer" => kernel_regularizer, "bias_regularizer" => bias_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});

impl EinsumDense {
    /// The layer for `equation`, producing `output_shape` (without the batch dimension).
    pub fn new(equation: &str, output_shape: impl AsRef<[Option<usize>]>) -> EinsumDense {
        EinsumDense {
            base: Base::new("einsum_dense"),
            equation: equation.to_string(),
            output_shape: output_shape.as_ref().to_vec(),
            activation: Act::Linear,
            bias_axes: None,
            kernel_initializer: Initializer::GLOROT_UNIFORM,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
    /// `activation=` by Keras name or [`Activation`](crate::activations::Activation).
    #[track_caller]
    pub fn activation(mut self, a: impl Into<Act>) -> Self {
        self.activation = a.into();
        self
    }
    /// `bias_axes=`: the output letters the bias spans (no bias by default).
    pub fn bias_axes(mut self, axes: &str) -> Self {
        self.bias_axes = Some(axes.to_string());
        self
    }
    /// `kernel_initializer=`.
    #[track_caller]
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.kernel_initializer = i.into();
        self
    }
    /// `bias_initializer=`.
    #[track_caller]
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.bias_initializer = i.into();
        self
    }
    /// `kernel_regularizer=`.
    #[track_caller]
    pub fn kernel_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
        self.kernel_regularizer = Some(r.into());
        self
    }
    /// `bias_regularizer=`.
    #[track_caller]
    pub fn bias_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
        self.bias_regularizer = Some(r.into());
        self
    }
    /// `activity_regularizer=`: a penalty on the layer's output, divided by the batch size,
    /// added to the model's losses at each call.
    #[track_caller]
    pub fn activity_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
        self.base.activity_regularizer = Some(r.into());
        self
    }
    /// The kernel, then the bias (once built).
    pub fn weights(&self) -> Vec<Variable> {
        self.kernel.get().into_iter().chain(self.bias.get()).cloned().collect()
    }
}

/// The kernel's and the bias's shapes, and the full output shape, from the equation, the
/// input's shape and `output_shape` — Keras's `_analyze_einsum_string`.
fn analyze(
    equation: &str,
    bias_axes: Option<&str>,
    input: &[Option<usize>],
    output: &[Option<usize>],
) -> Result<(Vec<usize>, Option<Vec<usize>>), String> {
    let invalid = || {
        format!(
            "Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        )
    };
    let (lhs, out_spec) = equation.split_once("->").ok_or_else(invalid)?;
    let (in_spec, w_spec) = lhs.split_once(',').ok_or_else(invalid)?;
    let letters = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic());
    let (in_spec, out_spec, left_elided) = match (in_spec.strip_prefix("..."), out_spec.strip_prefix("...")) {
        (Some(i), Some(o)) => (i, o, true),
        _ => match (in_spec.strip_suffix("..."), out_spec.strip_suffix("...")) {
            (Some(i), Some(o)) if i.len() >= 2 => (i, o, false),
            _ => (in_spec, out_spec, false),
        },
    };
    if !letters(in_spec) || !letters(w_spec) || !letters(out_spec) {
        return Err(invalid());
    }
    let elided = input
        .len()
        .checked_sub(in_spec.len())
        .ok_or_else(|| format!("the equation's input '{in_spec}' has more axes than the input's shape {input:?}"))?;
    // The full output shape: the batch, the elided dimensions, then `output`.
    let mut full: Vec<Option<usize>> = vec![input[0]];
    if left_elided {
        full.extend_from_slice(&input[1..elided.max(1)]);
        full.extend_from_slice(output);
    } else {
        full.extend_from_slice(output);
        full.extend_from_slice(&input[input.len() - elided..]);
    }
    let in_at = |i: usize| if left_elided { i + elided } else { i };
    let out_at = |i: usize| if left_elided { i + elided } else { i };
    let in_dim = |c: char| in_spec.find(c).map(|i| input[in_at(i)]);
    let out_dim = |c: char| out_spec.find(c).and_then(|i| full.get(out_at(i)).copied());
    for c in in_spec.chars() {
        if let (Some(i), Some(Some(o))) = (in_dim(c), out_dim(c)) {
            if i.is_some_and(|i| i != o) {
                return Err(format!(
                    "Input shape and output shape do not match at shared dimension '{c}'. Input shape is {}, and output shape is {o}.",
                    i.map_or("None".into(), |v| v.to_string())
                ));
            }
        }
    }
    for c in out_spec.chars() {
        if !in_spec.contains(c) && !w_spec.contains(c) {
            return Err(format!(
                "Dimension '{c}' was specified in the output '{out_spec}' but has no corresponding dim in the input spec '{in_spec}' or weight spec '{w_spec}'"
            ));
        }
    }
    let known = |c: char, d: Option<usize>| {
        d.ok_or_else(|| format!("the kernel's dimension '{c}' is unknown (None): give it in output_shape or the input's shape"))
    };
    let kernel = w_spec
        .chars()
        .map(|c| match (in_dim(c), out_dim(c)) {
            (Some(d), _) => known(c, d),
            (None, Some(d)) => known(c, d),
            (None, None) => Err(format!(
                "Weight dimension '{c}' did not have a match in either the input spec '{in_spec}' or the output spec '{out_spec}'. For this layer, the weight must be fully specified."
            )),
        })
        .collect::<Result<Vec<usize>, String>>()?;
    let bias = match bias_axes {
        None => None,
        Some(axes) => {
            if let Some(c) = axes.chars().find(|&c| !out_spec.contains(c)) {
                return Err(format!(
                    "Bias dimension '{c}' was requested, but is not part of the output spec '{out_spec}'"
                ));
            }
            let first = axes.chars().filter_map(|c| out_spec.find(c)).min().unwrap_or(0);
            let mut shape = out_spec[first..]
                .chars()
                .map(|c| if axes.contains(c) { known(c, out_dim(c).flatten()) } else { Ok(1) })
                .collect::<Result<Vec<usize>, String>>()?;
            if !left_elided {
                shape.extend(std::iter::repeat_n(1, elided));
            }
            Some(shape)
        }
    };
    Ok((kernel, bias))
}

impl Layer for EinsumDense {
    layer_methods!("EinsumDense");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let kernel = self.kernel.get_or_init(|| {
            let input: Vec<Option<usize>> = (0..x.rank()).map(|i| x.shape().dim(i)).collect();
            let (kernel, bias) = analyze(&self.equation, self.bias_axes.as_deref(), &input, &self.output_shape)
                .unwrap_or_else(|e| panic!("Layer \"{}\": {e}", self.base.name));
            if let Some(b) = bias {
                self.bias.get_or_init(|| {
                    self.base
                        .regularized_weight("bias", &self.bias_initializer, &b, self.bias_regularizer)
                });
            }
            self.base
                .regularized_weight("kernel", &self.kernel_initializer, &kernel, self.kernel_regularizer)
        });
        let mut y = tf::einsum(&self.equation, &[x, &kernel.value()]);
        if let Some(b) = self.bias.get() {
            y = &y + &b.value();
        }
        self.base.activity(self.activation.apply(&y))
    }
}
