//! `keras.layers.MultiHeadAttention`: the attention of "Attention Is All You Need" as Keras
//! computes it, einsum for einsum (query, key and value projections per head, scaled dot
//! products, a masked softmax, dropout on the attention weights, the output projection).

use super::{layer_common, layer_methods, Base, Layer};
use crate::initializers::Initializer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::{self as tf, DType, Tensor, Variable};

/// `keras.layers.MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0,
/// use_bias=True, output_shape=None)` over `[batch, steps, features]` queries and values.
///
/// `call(x)` is self-attention; `call_many(&[query, value])` or `&[query, value, key]`
/// attends across; [`attend`](Self::attend) takes Keras's `attention_mask` and
/// `use_causal_mask` and also returns the attention scores.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, MultiHeadAttention};
/// // Keras's documented shapes: 8 target steps attend over 4 source steps.
/// let layer = MultiHeadAttention::new(2, 2);
/// let target = tf::ones([1, 8, 16], tf::float32);
/// let source = tf::ones([1, 4, 16], tf::float32);
/// let (out, scores) = layer.attend(&target, &source, None, None, false, false);
/// assert_eq!(out.shape().dims(), &[1, 8, 16]);
/// assert_eq!(scores.shape().dims(), &[1, 2, 8, 4]);
/// ```
pub struct MultiHeadAttention {
    base: Base,
    num_heads: usize,
    key_dim: usize,
    value_dim: Option<usize>,
    dropout: f64,
    use_bias: bool,
    output_shape: Option<usize>,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    query_kernel: OnceLock<Variable>,
    query_bias: OnceLock<Variable>,
    key_kernel: OnceLock<Variable>,
    key_bias: OnceLock<Variable>,
    value_kernel: OnceLock<Variable>,
    value_bias: OnceLock<Variable>,
    output_kernel: OnceLock<Variable>,
    output_bias: OnceLock<Variable>,
}
layer_common!(
    MultiHeadAttention,
    [
        query_kernel,
        query_bias,
        key_kernel,
        key_bias,
        value_kernel,
        value_bias,
        output_kernel,
        output_bias
    ]
);
layer_config!(MultiHeadAttention, MultiHeadAttention::new(1, 1), {
    "num_heads" => num_heads, "key_dim" => key_dim, "value_dim" => value_dim, "dropout" => dropout,
    "use_bias" => use_bias, "output_shape" => output_shape, "kernel_initializer" => kernel_initializer,
    "bias_initializer" => bias_initializer,
});

impl MultiHeadAttention {
    /// `num_heads` heads of `key_dim` query/key features each.
    pub fn new(num_heads: usize, key_dim: usize) -> MultiHeadAttention {
        MultiHeadAttention {
            base: Base::new("multi_head_attention"),
            num_heads,
            key_dim,
            value_dim: None,
            dropout: 0.0,
            use_bias: true,
            output_shape: None,
            kernel_initializer: Initializer::GLOROT_UNIFORM,
            bias_initializer: Initializer::Zeros,
            query_kernel: OnceLock::new(),
            query_bias: OnceLock::new(),
            key_kernel: OnceLock::new(),
            key_bias: OnceLock::new(),
            value_kernel: OnceLock::new(),
            value_bias: OnceLock::new(),
            output_kernel: OnceLock::new(),
            output_bias: OnceLock::new(),
        }
    }
    setters! {
        value_dim: Option<usize>,
        dropout: f64,
        use_bias: bool,
        output_shape: Option<usize>,
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

    /// `x W + b` per head: `[batch, steps, features]` to `[batch, steps, heads, dim]`.
    #[track_caller]
    fn project(&self, x: &Tensor, kernel: &OnceLock<Variable>, bias: &OnceLock<Variable>, what: &str, dim: usize) -> Tensor {
        let features = feature_dim(&self.base.name, x);
        let k = kernel.get_or_init(|| {
            self.base.weight(
                &format!("{what}/kernel"),
                &self.kernel_initializer,
                &[features, self.num_heads, dim],
                true,
            )
        });
        let y = tf::einsum("abc,cde->abde", &[x, &k.value()]);
        if !self.use_bias {
            return y;
        }
        let b = bias.get_or_init(|| {
            self.base
                .weight(&format!("{what}/bias"), &self.bias_initializer, &[self.num_heads, dim], true)
        });
        &y + &b.value()
    }

    /// Keras's `layer(query, value, key=None, attention_mask=None,
    /// return_attention_scores=True, training, use_causal_mask)`: the output `[batch,
    /// target steps, output features]` and the attention scores `[batch, heads, target
    /// steps, source steps]` (before dropout). `attention_mask` (`[batch, target, source]`,
    /// bool or 0/1) says which source steps each target step may attend to; a causal mask
    /// lets step i attend to steps up to i.
    ///
    /// # Panics
    /// When the inputs are not rank 3, or a causal mask is asked for with unknown lengths.
    #[track_caller]
    pub fn attend(
        &self,
        query: &Tensor,
        value: &Tensor,
        key: Option<&Tensor>,
        attention_mask: Option<&Tensor>,
        use_causal_mask: bool,
        training: bool,
    ) -> (Tensor, Tensor) {
        let key = key.unwrap_or(value);
        let out_dim = self.output_shape.unwrap_or_else(|| feature_dim(&self.base.name, query));
        let value_dim = self.value_dim.unwrap_or(self.key_dim);
        let q = self.project(query, &self.query_kernel, &self.query_bias, "query", self.key_dim);
        let k = self.project(key, &self.key_kernel, &self.key_bias, "key", self.key_dim);
        let v = self.project(value, &self.value_kernel, &self.value_bias, "value", value_dim);
        let q = &q * &tf::scalar(1.0 / (self.key_dim as f64).sqrt(), q.dtype());
        let mut scores = tf::einsum("aecd,abcd->acbe", &[&k, &q]);
        if let Some(mask) = self.mask(query, value, attention_mask, use_causal_mask) {
            // Keras's masked softmax: -1e9 added where the mask is 0, per head.
            let d = scores.dtype();
            let keep = tf::cast(&tf::expand_dims(&mask, -3), d);
            scores = &scores + &(&(&tf::scalar(1.0, d) - &keep) * &tf::scalar(-1e9, d));
        }
        let scores = tf::nn::softmax(&scores, -1);
        let weights = if training && self.dropout > 0.0 {
            tf::nn::dropout(&scores, self.dropout, None)
        } else {
            scores.clone()
        };
        let heads = tf::einsum("acbe,aecd->abcd", &[&weights, &v]);
        let o = self.output_kernel.get_or_init(|| {
            self.base.weight(
                "attention_output/kernel",
                &self.kernel_initializer,
                &[self.num_heads, value_dim, out_dim],
                true,
            )
        });
        let mut out = tf::einsum("abcd,cde->abe", &[&heads, &o.value()]);
        if self.use_bias {
            let b = self
                .output_bias
                .get_or_init(|| self.base.weight("attention_output/bias", &self.bias_initializer, &[out_dim], true));
            out = &out + &b.value();
        }
        (out, scores)
    }

    /// The given mask, the causal one, or both (`[batch or 1, target, source]`, bool).
    #[track_caller]
    fn mask(&self, query: &Tensor, value: &Tensor, given: Option<&Tensor>, causal: bool) -> Option<Tensor> {
        let given = given.map(|m| {
            if m.dtype() == DType::Bool {
                m.clone()
            } else {
                tf::cast(m, DType::Bool)
            }
        });
        if !causal {
            return given;
        }
        let (t, s) = (query.shape().dim(1), value.shape().dim(1));
        let (Some(t), Some(s)) = (t, s) else {
            panic!(
                "Layer \"{}\": a causal mask needs the query and value lengths known",
                self.base.name
            )
        };
        // Target step i may attend to source steps j <= i.
        let rows = tf::reshape(&tf::range(t as i64), [t as i64, 1]);
        let cols = tf::reshape(&tf::range(s as i64), [1, s as i64]);
        let causal = tf::expand_dims(&tf::greater_equal(&rows, &cols), 0);
        Some(match given {
            Some(m) => tf::logical_and(&m, &causal),
            None => causal,
        })
    }
}

#[track_caller]
fn feature_dim(layer: &str, x: &Tensor) -> usize {
    super::expect_rank(layer, x, 3, Some(3));
    x.shape()
        .dim(2)
        .unwrap_or_else(|| panic!("Layer \"{layer}\" needs the last dimension of its inputs known, got {}", x.shape()))
}

impl Layer for MultiHeadAttention {
    layer_methods!("MultiHeadAttention");
    /// Self-attention: `x` attends over itself.
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.attend(x, x, None, None, false, training).0
    }
    /// `[query, value]` or `[query, value, key]`.
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        match inputs {
            [q] => self.call(q, training),
            [q, v] => self.attend(q, v, None, None, false, training).0,
            [q, v, k] => self.attend(q, v, Some(k), None, false, training).0,
            _ => panic!(
                "Layer \"{}\" takes [query, value] or [query, value, key], got {} inputs",
                self.base.name,
                inputs.len()
            ),
        }
    }
}
