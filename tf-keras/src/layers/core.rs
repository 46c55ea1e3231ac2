//! Core layers: Dense, Flatten, Reshape, Permute, Dropout, Activation, Rescaling, Embedding,
//! Masking, Lambda.

use super::{default_mask, expect_rank, layer_common, layer_methods, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::{self as tf, DType, Tensor, Variable};

/// `keras.layers.Dense(units, activation=None, use_bias=True,
/// kernel_initializer="glorot_uniform", bias_initializer="zeros")`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Dense, Layer};
/// let d = Dense::new(3).activation("relu");
/// let y = d.call(&tf::ones([2, 4], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 3]);
/// ```
pub struct Dense {
    base: Base,
    units: usize,
    activation: Act,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
    kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(Dense, [kernel, bias]);
layer_config!(Dense, Dense::new(0), {
    "units" => units, "activation" => activation, "use_bias" => use_bias,
    "kernel_initializer" => kernel_initializer, "bias_initializer" => bias_initializer,
    "kernel_regularizer" => kernel_regularizer, "bias_regularizer" => bias_regularizer,
    "activity_regularizer" => base.activity_regularizer,
});

impl Dense {
    /// A dense layer with `units` outputs and Keras's defaults.
    pub fn new(units: usize) -> Dense {
        Dense {
            base: Base::new("dense"),
            units,
            activation: Act::Linear,
            use_bias: true,
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
    setters! {
        use_bias: bool,
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
    /// `activity_regularizer=`: a penalty on the layer's output, divided by the batch size,
    /// added to the model's losses at each call.
    #[track_caller]
    pub fn activity_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
        self.base.activity_regularizer = Some(r.into());
        self
    }
    /// `bias_regularizer=`.
    #[track_caller]
    pub fn bias_regularizer(mut self, r: impl Into<Regularizer>) -> Self {
        self.bias_regularizer = Some(r.into());
        self
    }
    /// The kernel `[in, units]`, once built.
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.get()
    }
    /// The bias `[units]`, once built.
    pub fn bias(&self) -> Option<&Variable> {
        self.bias.get()
    }
}

impl Layer for Dense {
    layer_methods!("Dense");
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 1, None);
        let inp = *x.shape().dims().last().unwrap_or(&0);
        let kernel = self.kernel.get_or_init(|| {
            self.base
                .regularized_weight("kernel", &self.kernel_initializer, &[inp, self.units], self.kernel_regularizer)
        });
        let y = if x.rank() == 2 {
            tf::matmul(x, &kernel.value())
        } else {
            tf::tensordot(x, &kernel.value(), &[-1], &[0])
        };
        let y = if self.use_bias {
            let b = self.bias.get_or_init(|| {
                self.base
                    .regularized_weight("bias", &self.bias_initializer, &[self.units], self.bias_regularizer)
            });
            tf::nn::bias_add(&y, &b.value())
        } else {
            y
        };
        self.base.activity(self.activation.apply(&y))
    }
}

/// `keras.layers.Flatten()`: `[batch, ...]` to `[batch, n]`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Flatten, Layer};
/// let y = Flatten::new().call(&tf::zeros([2, 10, 64], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 640]);
/// ```
pub struct Flatten {
    base: Base,
}
layer_common!(Flatten, []);
layer_config!(Flatten, Flatten::new(), {});
impl Flatten {
    /// A flatten layer.
    pub fn new() -> Flatten {
        Flatten {
            base: Base::new("flatten"),
        }
    }
}
impl Default for Flatten {
    fn default() -> Self {
        Self::new()
    }
}
impl Layer for Flatten {
    layer_methods!("Flatten");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, 1, None);
        let dims = x.shape().dims();
        // The batch may be unknown (a traced batch of None): then the rest must be known.
        let rest = || dims[1..].iter().product::<usize>() as i64;
        match (dims[0], dims[1..].contains(&tf::Shape::UNKNOWN)) {
            (_, true) => tf::reshape(x, [dims[0] as i64, -1]),
            (tf::Shape::UNKNOWN, false) => tf::reshape(x, [-1, rest()]),
            (b, false) => tf::reshape(x, [b as i64, rest()]),
        }
    }
}

/// `keras.layers.Reshape(target_shape)`: reshapes all but the batch dimension (one entry may
/// be -1).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Reshape, Layer};
/// let y = Reshape::new([-1, 2, 2]).call(&tf::zeros([2, 12], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 3, 2, 2]);
/// ```
pub struct Reshape {
    base: Base,
    target: Vec<i64>,
}
layer_common!(Reshape, []);
layer_config!(Reshape, Reshape::new([]), { "target_shape" => target });
impl Reshape {
    /// A reshape to `target_shape` (without the batch dimension).
    pub fn new(target_shape: impl AsRef<[i64]>) -> Reshape {
        Reshape {
            base: Base::new("reshape"),
            target: target_shape.as_ref().to_vec(),
        }
    }
}
impl Layer for Reshape {
    layer_methods!("Reshape");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let dims = x.shape().dims();
        let mut target = self.target.clone();
        // Keras resolves the target's -1 from the input's known dimensions, so the batch alone
        // is left to the reshape (it may be unknown in a trace).
        if let (Some(at), false) = (target.iter().position(|&d| d == -1), dims[1..].contains(&tf::Shape::UNKNOWN)) {
            let total: usize = dims[1..].iter().product();
            let known: i64 = target.iter().filter(|&&d| d != -1).product();
            if known > 0 && total as i64 % known == 0 {
                target[at] = total as i64 / known;
            }
        }
        let mut shape = vec![if target.contains(&-1) { dims[0] as i64 } else { -1 }];
        shape.extend_from_slice(&target);
        tf::reshape(x, shape)
    }
}

/// `keras.layers.Permute(dims)`: permutes the non-batch dimensions; `dims` are 1-based.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Permute, Layer};
/// let y = Permute::new([2, 1]).call(&tf::zeros([2, 10, 64], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 64, 10]);
/// ```
pub struct Permute {
    base: Base,
    dims: Vec<i64>,
}
layer_common!(Permute, []);
layer_config!(Permute, Permute::new([]), { "dims" => dims });
impl Permute {
    /// A permutation of the non-batch axes (1-based, as in Keras).
    ///
    /// # Panics
    /// When `dims` is not a permutation of `1..=dims.len()`, with Keras's message.
    #[track_caller]
    pub fn new(dims: impl AsRef<[usize]>) -> Permute {
        let d = dims.as_ref();
        let mut sorted = d.to_vec();
        sorted.sort_unstable();
        if sorted != (1..=d.len()).collect::<Vec<_>>() {
            panic!("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims={d:?}");
        }
        Permute {
            base: Base::new("permute"),
            dims: d.iter().map(|&i| i as i64).collect(),
        }
    }
}
impl Layer for Permute {
    layer_methods!("Permute");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        expect_rank(&self.base.name, x, self.dims.len() + 1, Some(self.dims.len() + 1));
        let mut perm = vec![0i64];
        perm.extend_from_slice(&self.dims);
        tf::transpose(x, Some(&perm))
    }
}

/// `keras.layers.Dropout(rate, seed=None)`: while training, zeroes each value with
/// probability `rate` and scales the kept ones by `1 / (1 - rate)`; identity otherwise.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Dropout, Layer};
/// let x = tf::ones([1000], tf::float32);
/// let d = Dropout::new(0.2).seed(1);
/// // Inference: the identity.
/// assert_eq!(d.call(&x, false).to_vec::<f32>(), vec![1.0; 1000]);
/// // Training: zeros and 1 / (1 - 0.2).
/// let y = d.call(&x, true).to_vec::<f32>();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 1.25));
/// ```
pub struct Dropout {
    base: Base,
    rate: f64,
    seed: Option<i64>,
}
layer_common!(Dropout, []);
layer_config!(Dropout, Dropout::new(0.0), { "rate" => rate, "seed" => seed });
impl Dropout {
    /// A dropout layer.
    ///
    /// # Panics
    /// When `rate` is outside `[0, 1]`, with Keras's message.
    #[track_caller]
    pub fn new(rate: f64) -> Dropout {
        if !(0.0..=1.0).contains(&rate) {
            panic!("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}");
        }
        Dropout {
            base: Base::new("dropout"),
            rate,
            seed: None,
        }
    }
    /// `seed=`.
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }
}
impl Layer for Dropout {
    layer_methods!("Dropout");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        if !training || self.rate == 0.0 {
            return x.clone();
        }
        if self.rate == 1.0 {
            return tf::zeros_like(x);
        }
        tf::nn::dropout(x, self.rate, self.seed)
    }
}

/// `keras.layers.Activation(activation)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Activation, Layer};
/// let y = Activation::new("relu").call(&tf::constant([-3.0f32, -1.0, 0.0, 2.0]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 0.0, 2.0]);
/// ```
pub struct Activation {
    base: Base,
    activation: Act,
}
layer_common!(Activation, []);
layer_config!(Activation, Activation::new(Act::Linear), { "activation" => activation });
impl Activation {
    /// An activation layer, by Keras name.
    #[track_caller]
    pub fn new(activation: impl Into<Act>) -> Activation {
        Activation {
            base: Base::new("activation"),
            activation: activation.into(),
        }
    }
}
impl Layer for Activation {
    layer_methods!("Activation");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        self.activation.apply(x)
    }
}

/// `keras.layers.Rescaling(scale, offset=0.0)`: `cast(x, float32) * scale + offset` (for
/// example `Rescaling::new(1.0 / 255.0, 0.0)` on uint8 images).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, Rescaling};
/// // Pixels in [0, 255] to [-1, 1].
/// let y = Rescaling::new(1.0 / 127.5, -1.0).call(&tf::constant([0.0f32, 127.5, 255.0]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 0.0, 1.0]);
/// ```
pub struct Rescaling {
    base: Base,
    scale: f64,
    offset: f64,
}
layer_common!(Rescaling, []);
layer_config!(Rescaling, Rescaling::new(1.0, 0.0), { "scale" => scale, "offset" => offset });
impl Rescaling {
    /// A rescaling layer.
    pub fn new(scale: f64, offset: f64) -> Rescaling {
        Rescaling {
            base: Base::new("rescaling"),
            scale,
            offset,
        }
    }
}
impl Layer for Rescaling {
    layer_methods!("Rescaling");
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let x = if x.dtype() == DType::F32 {
            x.clone()
        } else {
            tf::cast(x, DType::F32)
        };
        let y = &x * self.scale;
        if self.offset == 0.0 {
            y
        } else {
            &y + self.offset
        }
    }
}

/// `keras.layers.Embedding(input_dim, output_dim, embeddings_initializer="uniform",
/// mask_zero=False)`: looks up rows of a `[input_dim, output_dim]` table by integer index.
/// With `mask_zero`, index 0 is padding: the output's mask is `inputs != 0`, and the layers
/// after it (an LSTM, `GlobalAveragePooling1D`, attention) skip the padded steps.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Embedding, Layer};
/// let y = Embedding::new(1000, 64).call(&tf::zeros([32, 10], tf::int32), false);
/// assert_eq!(y.shape().dims(), &[32, 10, 64]);
/// let ids = tf::constant([[7, 3, 0, 0]]);
/// let mask = Embedding::new(10, 2).mask_zero(true).compute_mask(&[ids], &[None]).unwrap();
/// assert_eq!(mask.to_vec::<bool>(), [true, true, false, false]);
/// ```
pub struct Embedding {
    base: Base,
    input_dim: usize,
    output_dim: usize,
    initializer: Initializer,
    mask_zero: bool,
    embeddings: OnceLock<Variable>,
}
layer_common!(Embedding, [embeddings]);
layer_config!(Embedding, Embedding::new(0, 0), {
    "input_dim" => input_dim, "output_dim" => output_dim, "embeddings_initializer" => initializer,
    "mask_zero" => mask_zero,
});
impl Embedding {
    /// An embedding table.
    pub fn new(input_dim: usize, output_dim: usize) -> Embedding {
        Embedding {
            base: Base::new("embedding"),
            input_dim,
            output_dim,
            initializer: Initializer::RandomUniform(-0.05, 0.05),
            mask_zero: false,
            embeddings: OnceLock::new(),
        }
    }
    /// `embeddings_initializer=`.
    #[track_caller]
    pub fn embeddings_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.initializer = i.into();
        self
    }
    /// `mask_zero=`: index 0 is padding, masked for the layers after this one.
    pub fn mask_zero(mut self, m: bool) -> Self {
        self.mask_zero = m;
        self
    }
}
impl Layer for Embedding {
    layer_methods!("Embedding");
    fn supports_masking(&self) -> bool {
        self.mask_zero
    }
    #[track_caller]
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        match inputs {
            [x] if self.mask_zero => Some(tf::not_equal(x, &tf::zeros_like(x))),
            _ => default_mask(self, masks),
        }
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let table = self.embeddings.get_or_init(|| {
            self.base
                .weight("embeddings", &self.initializer, &[self.input_dim, self.output_dim], true)
        });
        let idx = match x.dtype() {
            DType::I32 | DType::I64 => x.clone(),
            _ => tf::cast(x, DType::I32),
        };
        tf::gather(&table.value(), &idx, 0)
    }
}

/// `keras.layers.Masking(mask_value=0.0)`: masks the steps of `[batch, steps, features]`
/// whose features all equal `mask_value` (the layers after it skip them) and zeroes them.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, Masking};
/// let x = tf::constant([[[1.0f32, 2.0], [0.0, 0.0], [0.0, 3.0]]]);
/// let (y, mask) = Masking::new(0.0).call_masked(&[x], &[None], false);
/// assert_eq!(mask.unwrap().to_vec::<bool>(), [true, false, true]);
/// assert_eq!(y[0].to_vec::<f32>(), [1.0, 2.0, 0.0, 0.0, 0.0, 3.0]);
/// ```
pub struct Masking {
    base: Base,
    mask_value: f64,
}
layer_common!(Masking, []);
layer_config!(Masking, Masking::new(0.0), { "mask_value" => mask_value });
impl Masking {
    /// Masks the steps whose features all equal `mask_value`.
    pub fn new(mask_value: f64) -> Masking {
        Masking {
            base: Base::new("masking"),
            mask_value,
        }
    }
    /// Whether each step has a feature other than `mask_value`.
    fn keep(&self, x: &Tensor, keepdims: bool) -> Tensor {
        tf::reduce_any(&tf::not_equal(x, &tf::scalar(self.mask_value, x.dtype())), -1, keepdims)
    }
}
impl Layer for Masking {
    layer_methods!("Masking");
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        match inputs {
            [x] => Some(self.keep(x, false)),
            _ => default_mask(self, masks),
        }
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        x * &tf::cast(&self.keep(x, true), x.dtype())
    }
}

type LambdaFn = dyn Fn(&Tensor) -> Tensor + Send + Sync;

/// `keras.layers.Lambda(function)`: a stateless layer from a closure.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Lambda, Layer};
/// let square = Lambda::new(|x| tf::square(x));
/// assert_eq!(square.call(&tf::constant([1.0f32, 2.0, 3.0]), false).to_vec::<f32>(), vec![1.0, 4.0, 9.0]);
/// ```
pub struct Lambda {
    base: Base,
    f: Box<LambdaFn>,
}
layer_common!(Lambda, []);
impl Lambda {
    /// A layer that applies `f`.
    pub fn new(f: impl Fn(&Tensor) -> Tensor + Send + Sync + 'static) -> Lambda {
        Lambda {
            base: Base::new("lambda"),
            f: Box::new(f),
        }
    }
}
impl Layer for Lambda {
    layer_methods!("Lambda", no_config);
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        (self.f)(x)
    }
}
