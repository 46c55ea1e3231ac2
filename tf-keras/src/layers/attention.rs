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
            scores = mask_scores(&scores, &tf::expand_dims(&mask, -3)); // the same for every head
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
        let causal = tf::expand_dims(&causal_mask(&self.base.name, query.shape().dim(1), value.shape().dim(1)), 0);
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
    fn supports_masking(&self) -> bool {
        true
    }
    /// The query's mask.
    fn compute_mask(&self, _inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        masks.first().cloned().flatten()
    }
    /// Keras's automatic mask from the inputs' masks: target step i may attend to source step j
    /// where the query keeps i and the value (and key) keep j.
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        let (q, v, k) = match inputs {
            [x] => (x, x, None),
            _ => query_value_key(&self.base.name, inputs),
        };
        let mask_of = |i: usize| masks.get(if inputs.len() == 1 { 0 } else { i }).cloned().flatten();
        let as_bool = |m: Tensor| tf::cast(&m, DType::Bool);
        let rows = mask_of(0).map(|m| tf::expand_dims(&as_bool(m), -1));
        let cols = [mask_of(1), if k.is_some() { mask_of(2) } else { None }]
            .into_iter()
            .flatten()
            .map(|m| tf::expand_dims(&as_bool(m), -2));
        let auto = rows.into_iter().chain(cols).reduce(|a, b| tf::logical_and(&a, &b));
        let out = self.attend(q, v, k, auto.as_ref(), false, training).0;
        (vec![out], self.compute_mask(inputs, masks))
    }
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

/// The score function of [`Attention`]: Luong's dot product or Bahdanau's sum of tanh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Score {
    Dot,
    Concat,
}

/// `keras.layers.Attention(use_scale=False, score_mode="dot", dropout=0.0)`: Luong-style
/// attention of `[batch, Tq, dim]` queries over `[batch, Tv, dim]` values (keys = values unless
/// given): `softmax(query · keyᵀ) · value`. `use_scale` learns a scalar scale; `score_mode =
/// "concat"` scores with `Σ tanh(query + key)` instead.
///
/// `call_many(&[query, value])` or `&[query, value, key]`; [`attend`](Self::attend) also
/// takes Keras's `use_causal_mask` and returns the attention weights.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Attention, Layer};
/// let q = tf::constant([[[1.0f32, 0.0]]]);
/// let v = tf::constant([[[1.0f32, 0.0], [0.0, 1.0]]]);
/// let (out, w) = Attention::new().attend(&q, &v, None, false, false);
/// let e = std::f32::consts::E;
/// tf::debugging::assert_near(&w, &tf::constant([[[e / (e + 1.0), 1.0 / (e + 1.0)]]]), None, None).unwrap();
/// assert_eq!(out.shape().dims(), &[1, 1, 2]);
/// ```
pub struct Attention {
    base: Base,
    use_scale: bool,
    score_mode: String,
    dropout: f64,
    scale: OnceLock<Variable>,
    concat_score_weight: OnceLock<Variable>,
}
layer_common!(Attention, [scale, concat_score_weight]);
layer_config!(Attention, Attention::new(), { "use_scale" => use_scale, "score_mode" => score_mode, "dropout" => dropout });

impl Attention {
    /// Dot-product attention without a scale.
    pub fn new() -> Attention {
        Attention {
            base: Base::new("attention"),
            use_scale: false,
            score_mode: "dot".into(),
            dropout: 0.0,
            scale: OnceLock::new(),
            concat_score_weight: OnceLock::new(),
        }
    }
    setters! {
        use_scale: bool,
        dropout: f64,
    }
    /// `score_mode="dot" | "concat"`.
    ///
    /// # Panics
    /// On another mode (Keras's ValueError).
    #[track_caller]
    pub fn score_mode(mut self, m: &str) -> Self {
        self.score_mode = score(m).map(|_| m.to_string()).unwrap_or_else(|e| panic!("{e}"));
        self
    }

    /// Keras's `layer([query, value, key], return_attention_scores=True, training,
    /// use_causal_mask)`: the output `[batch, Tq, dim]` and the attention weights `[batch, Tq,
    /// Tv]`.
    #[track_caller]
    pub fn attend(&self, query: &Tensor, value: &Tensor, key: Option<&Tensor>, use_causal_mask: bool, training: bool) -> (Tensor, Tensor) {
        self.attend_masked(query, value, key, &[], use_causal_mask, training)
    }

    /// As [`attend`](Self::attend), with Keras's `mask=[query_mask, value_mask]` (`[batch,
    /// Tq]` and `[batch, Tv]` bool; either may be `None`): masked value steps get no weight,
    /// masked query steps output zeros.
    #[track_caller]
    pub fn attend_masked(
        &self,
        query: &Tensor,
        value: &Tensor,
        key: Option<&Tensor>,
        masks: &[Option<Tensor>],
        use_causal_mask: bool,
        training: bool,
    ) -> (Tensor, Tensor) {
        let key = key.unwrap_or(value);
        let one = || self.base.weight("scale", &Initializer::Ones, &[], true);
        let mode = score(&self.score_mode).unwrap_or_else(|e| panic!("{e}"));
        let scores = match mode {
            Score::Dot => {
                let s = tf::linalg::matmul_transposed(query, key, false, true);
                match self.use_scale {
                    true => &s * &self.scale.get_or_init(one).value(),
                    false => s,
                }
            }
            Score::Concat => {
                let sum = &tf::expand_dims(query, -2) + &tf::expand_dims(key, -3);
                let sum = match self.use_scale {
                    true => &sum * &self.scale.get_or_init(one).value(),
                    false => sum,
                };
                let w = self
                    .concat_score_weight
                    .get_or_init(|| self.base.weight("concat_score_weight", &Initializer::Ones, &[], true));
                &tf::reduce_sum(&tf::tanh(&sum), -1, false) * &w.value()
            }
        };
        attention_output(&self.base.name, &scores, value, masks, use_causal_mask, self.dropout, training)
    }
}

impl Default for Attention {
    fn default() -> Self {
        Self::new()
    }
}

fn score(m: &str) -> Result<Score, String> {
    match m {
        "dot" => Ok(Score::Dot),
        "concat" => Ok(Score::Concat),
        _ => Err(format!(
            "Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. Received: score_mode={m}"
        )),
    }
}

/// The causal mask `[target, source]` (bool): target step i may attend to source steps
/// j <= i.
#[track_caller]
fn causal_mask(layer: &str, target: Option<usize>, source: Option<usize>) -> Tensor {
    let (Some(t), Some(s)) = (target, source) else {
        panic!("Layer \"{layer}\": a causal mask needs the query and value lengths known")
    };
    let rows = tf::reshape(&tf::range(t as i64), [t as i64, 1]);
    let cols = tf::reshape(&tf::range(s as i64), [1, s as i64]);
    tf::greater_equal(&rows, &cols)
}

/// Keras's masked softmax input: `scores` less 1e9 wherever `keep` (bool, broadcast
/// against the scores) is false.
fn mask_scores(scores: &Tensor, keep: &Tensor) -> Tensor {
    let d = scores.dtype();
    let dropped = &tf::scalar(1.0, d) - &tf::cast(keep, d);
    scores - &(&dropped * &tf::scalar(1e9, d))
}

/// The end of Keras's `Attention` and `AdditiveAttention` from `scores` (`[batch, Tq, Tv]`):
/// the value mask and the causal mask joined and applied once, softmax (with dropout while
/// training) times `value`, and zeros at masked query steps. Returns the output and the
/// weights.
#[track_caller]
fn attention_output(
    layer: &str,
    scores: &Tensor,
    value: &Tensor,
    masks: &[Option<Tensor>],
    causal: bool,
    dropout: f64,
    training: bool,
) -> (Tensor, Tensor) {
    let as_bool = |m: &Tensor| tf::cast(m, DType::Bool);
    let (query_mask, value_mask) = (masks.first().cloned().flatten(), masks.get(1).cloned().flatten());
    let mut keep = value_mask.map(|m| tf::expand_dims(&as_bool(&m), -2));
    if causal {
        let r = scores.rank();
        let c = causal_mask(layer, scores.shape().dim(r - 2), scores.shape().dim(r - 1));
        keep = Some(match keep {
            Some(k) => tf::logical_and(&k, &c),
            None => c,
        });
    }
    let scores = match &keep {
        Some(k) => mask_scores(scores, k),
        None => scores.clone(),
    };
    let (out, weights) = apply_scores(&scores, value, dropout, training);
    match query_mask {
        Some(q) => (&out * &tf::cast(&tf::expand_dims(&q, -1), out.dtype()), weights),
        None => (out, weights),
    }
}

/// `[query, value]` or `[query, value, key]`, as Keras's attention layers take them.
#[track_caller]
fn query_value_key<'a>(layer: &str, inputs: &'a [Tensor]) -> (&'a Tensor, &'a Tensor, Option<&'a Tensor>) {
    match inputs {
        [q, v] => (q, v, None),
        [q, v, k] => (q, v, Some(k)),
        _ => panic!(
            "Attention layer \"{layer}\" must be called on a list of inputs, namely [query, value] or [query, value, key]. Received: {} inputs.",
            inputs.len()
        ),
    }
}

/// `softmax(scores)` (with dropout while training) times the values, and the weights.
fn apply_scores(scores: &Tensor, value: &Tensor, dropout: f64, training: bool) -> (Tensor, Tensor) {
    let weights = tf::nn::softmax(scores, -1);
    let used = if training && dropout > 0.0 {
        tf::nn::dropout(&weights, dropout, None)
    } else {
        weights.clone()
    };
    (tf::matmul(&used, value), weights)
}

/// The `Layer` impl shared by Keras's dense attention layers (`Attention`,
/// `AdditiveAttention`), whose `attend_masked` differs only in the scores.
macro_rules! dense_attention_layer {
    ($ty:ident, $class:literal) => {
        impl Layer for $ty {
            layer_methods!($class);
            #[track_caller]
            fn call(&self, x: &Tensor, training: bool) -> Tensor {
                self.attend(x, x, None, false, training).0
            }
            #[track_caller]
            fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
                let (q, v, k) = query_value_key(&self.base.name, inputs);
                self.attend(q, v, k, false, training).0
            }
            fn supports_masking(&self) -> bool {
                true
            }
            /// The query's mask.
            fn compute_mask(&self, _inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
                masks.first().cloned().flatten()
            }
            /// The inputs' masks as Keras's `mask=[query_mask, value_mask]` (a key's mask is not used,
            /// as in Keras).
            #[track_caller]
            fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
                let (q, v, k) = match inputs {
                    [x] => (x, x, None),
                    _ => query_value_key(&self.base.name, inputs),
                };
                let masks = match (inputs.len(), masks.first()) {
                    (1, Some(m)) => vec![m.clone(), m.clone()],
                    _ => masks.to_vec(),
                };
                let out = self.attend_masked(q, v, k, &masks, false, training).0;
                (vec![out], self.compute_mask(inputs, &masks))
            }
        }
    };
}
dense_attention_layer!(Attention, "Attention");

/// `keras.layers.AdditiveAttention(use_scale=True, dropout=0.0)`: Bahdanau-style attention,
/// scores `Σ scale ⊙ tanh(query + key)` with a learned per-feature `scale`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{AdditiveAttention, Layer};
/// let q = tf::ones([2, 3, 4], tf::float32);
/// let v = tf::ones([2, 5, 4], tf::float32);
/// let (out, w) = AdditiveAttention::new().attend(&q, &v, None, false, false);
/// assert_eq!((out.shape().dims(), w.shape().dims()), (&[2, 3, 4][..], &[2, 3, 5][..]));
/// ```
pub struct AdditiveAttention {
    base: Base,
    use_scale: bool,
    dropout: f64,
    scale: OnceLock<Variable>,
}
layer_common!(AdditiveAttention, [scale]);
layer_config!(AdditiveAttention, AdditiveAttention::new(), { "use_scale" => use_scale, "dropout" => dropout });

impl AdditiveAttention {
    /// Additive attention with a learned scale.
    pub fn new() -> AdditiveAttention {
        AdditiveAttention {
            base: Base::new("additive_attention"),
            use_scale: true,
            dropout: 0.0,
            scale: OnceLock::new(),
        }
    }
    setters! {
        use_scale: bool,
        dropout: f64,
    }
    /// As [`Attention::attend`].
    #[track_caller]
    pub fn attend(&self, query: &Tensor, value: &Tensor, key: Option<&Tensor>, use_causal_mask: bool, training: bool) -> (Tensor, Tensor) {
        self.attend_masked(query, value, key, &[], use_causal_mask, training)
    }

    /// As [`Attention::attend_masked`].
    #[track_caller]
    pub fn attend_masked(
        &self,
        query: &Tensor,
        value: &Tensor,
        key: Option<&Tensor>,
        masks: &[Option<Tensor>],
        use_causal_mask: bool,
        training: bool,
    ) -> (Tensor, Tensor) {
        let key = key.unwrap_or(value);
        let t = tf::tanh(&(&tf::expand_dims(query, -2) + &tf::expand_dims(key, -3)));
        let scores = if self.use_scale {
            let dim = feature_dim(&self.base.name, query);
            let s = self
                .scale
                .get_or_init(|| self.base.weight("scale", &Initializer::GLOROT_UNIFORM, &[dim], true));
            tf::reduce_sum(&(&t * &s.value()), -1, false)
        } else {
            tf::reduce_sum(&t, -1, false)
        };
        attention_output(&self.base.name, &scores, value, masks, use_causal_mask, self.dropout, training)
    }
}

impl Default for AdditiveAttention {
    fn default() -> Self {
        Self::new()
    }
}

dense_attention_layer!(AdditiveAttention, "AdditiveAttention");
