//! `keras.layers`: the `Layer` trait and Keras's layers. A layer is a [`Module`] that creates
//! its weights on the first call, from the input's shape (Keras's lazy `build`).

mod activation;
mod activity;
mod attention;
mod augmentation;
mod categorical;
mod conv;
mod conv1d;
mod conv3d;
mod conv_lstm;
mod core;
mod discretization;
mod einsum_dense;
mod lookup;
mod merge;
mod norm;
mod pooling1d;
mod preprocessing;
mod regularization;
mod reshaping;
mod rnn;
mod rnn_cell;
mod text_vectorization;
mod wrappers;

pub use self::activation::{LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU, ELU};
pub use self::activity::{add_loss, collect_losses, ActivityRegularization};
pub(crate) use self::activity::{build_pass, hand_up, on_placeholders, placeholders};
pub use self::attention::{AdditiveAttention, Attention, MultiHeadAttention};
pub use self::augmentation::{
    CenterCrop, Factor, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Resizing,
};
pub use self::categorical::{CategoryEncoding, Hashing, MaskValue, OutputMode, Salt};
pub use self::conv::{
    AveragePooling2D, Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D,
    SeparableConv2D, UpSampling2D, ZeroPadding2D,
};
pub use self::conv1d::{Conv1DTranspose, DepthwiseConv1D, SeparableConv1D, Size1};
pub use self::conv3d::{
    AveragePooling3D, Conv3D, Conv3DTranspose, Cropping3D, GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D, UpSampling3D,
    ZeroPadding3D,
};
pub use self::conv_lstm::ConvLSTM2D;
pub use self::core::{Activation, Dense, Dropout, Embedding, Flatten, Lambda, Masking, Permute, Rescaling, Reshape};
pub use self::discretization::Discretization;
pub use self::einsum_dense::EinsumDense;
pub use self::lookup::{IndexLookup, IntegerLookup, LookupKey, StringLookup};
pub use self::merge::{Add, Average, Concatenate, Dot, DotAxes, Maximum, Minimum, Multiply, Subtract};
pub use self::norm::{BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization};
pub use self::pooling1d::{AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D};
pub use self::preprocessing::Normalization;
pub use self::regularization::{AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D};
pub use self::reshaping::{Cropping1D, Cropping2D, RepeatVector, UpSampling1D, ZeroPadding1D};
pub use self::rnn::{SimpleRNN, GRU, LSTM};
pub use self::rnn_cell::{GRUCell, LSTMCell, RnnCell, SimpleRNNCell, StackedRNNCells, RNN};
pub use self::text_vectorization::{Split, Standardize, TextFn, TextVectorization};
pub use self::wrappers::{Bidirectional, MergeMode, TimeDistributed};
pub use crate::model::Input;

use crate::saving::config::{Config, ConfigValue};
use std::collections::HashMap;
use std::sync::Mutex;
use tf_core::{Module, Tensor, Variable};

/// A Keras layer: a module with a forward computation.
///
/// Implement it for a `#[derive(tf::Module)]` struct to write a subclassed layer or model; wrap
/// that in [`Model::new`](crate::Model) to `compile` and `fit` it.
pub trait Layer: Module + Send + Sync {
    /// The forward computation. `training` switches Dropout and BatchNormalization to their
    /// training behaviour.
    fn call(&self, inputs: &Tensor, training: bool) -> Tensor;

    /// The forward computation of a layer taking several inputs (`Add`, `Concatenate`, ...).
    /// Single-input layers take exactly one.
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        match inputs {
            [x] => self.call(x, training),
            _ => panic!(
                "Layer \"{}\" expects 1 input, but it received {} input tensors.",
                self.name(),
                inputs.len()
            ),
        }
    }

    /// The forward computation of a model with several outputs (a functional model): one
    /// tensor per output. Every other layer has one output.
    #[track_caller]
    fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        vec![self.call_many(inputs, training)]
    }

    /// The names of the outputs `call_outputs` returns (Keras's `output_names`: the output
    /// layers' names), which name `fit`'s per-output logs (`dense_1_loss`).
    fn output_names(&self) -> Vec<String> {
        vec![self.name()]
    }

    /// The number of inputs the layer takes (a functional model's `Input`s); 1 otherwise.
    fn num_inputs(&self) -> usize {
        1
    }

    /// The number of outputs `call_outputs` returns (`output_names().len()`, without making
    /// the names).
    fn num_outputs(&self) -> usize {
        1
    }

    /// The Keras class name shown by `summary()` (`"Dense"`).
    fn class_name(&self) -> String {
        "Layer".into()
    }

    /// The input shape without the batch dimension, when the layer was given one
    /// (`input_shape=` on a first layer).
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        None
    }

    /// `layer.losses`: the regularization penalties of the layer's built weights (those made
    /// with a `kernel_regularizer=` or the like, nested layers' included); a model adds the
    /// losses its latest call added.
    fn losses(&self) -> Vec<Tensor> {
        self.variables().iter().filter_map(Variable::regularization_loss).collect()
    }

    /// Keras's `self.add_loss(loss)` in a layer's `call`: adds a scalar to the enclosing
    /// model's losses for this forward pass (see [`add_loss`]).
    ///
    /// ```
    /// use tf_core as tf;
    /// # use tf_macros::Module;
    /// use tf_keras::{self as keras, layers::{Dense, Layer}};
    /// /// A layer penalizing its output's mean square, as in the Keras guide.
    /// #[derive(Module)]
    /// struct Penalized {
    ///     dense: Dense,
    /// }
    /// impl Layer for Penalized {
    ///     fn call(&self, x: &tf::Tensor, training: bool) -> tf::Tensor {
    ///         let h = self.dense.call(x, training);
    ///         self.add_loss(&(&tf::reduce_mean(&tf::square(&h), None, false) * 0.1));
    ///         h
    ///     }
    /// }
    /// let model = keras::Model::wrap(Penalized { dense: Dense::new(2) });
    /// model.call(&tf::ones([3, 4], tf::float32), false);
    /// assert_eq!(model.losses().len(), 1);
    /// ```
    fn add_loss(&self, loss: &Tensor) {
        add_loss(loss)
    }

    /// The layers inside this one, for `summary()` of a nested model; empty for a plain layer.
    fn layers(&self) -> Vec<&dyn Layer> {
        Vec::new()
    }

    /// Keras's `supports_masking`: whether the layer passes an input's mask on to its output
    /// (Dense, Dropout, the activations, normalizations and merges do; Flatten, Reshape and
    /// the convolutions do not).
    fn supports_masking(&self) -> bool {
        false
    }

    /// Keras's `compute_mask(inputs, mask)`: the mask of the layer's output, from its inputs
    /// and their masks (one per input; `None` for an unmasked input). Layers that make a mask
    /// (`Embedding(mask_zero)`, `Masking`), drop it (an RNN without `return_sequences`,
    /// `GlobalAveragePooling1D`) or combine several (the merges) override it; by default a
    /// layer that [supports masking](Self::supports_masking) passes on its first input's, and
    /// one that does not drops it (as Keras's `Flatten` does).
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        let _ = inputs;
        default_mask(self, masks)
    }

    /// Keras's `layer(inputs, mask=...)`: the outputs (as [`call_outputs`](Self::call_outputs))
    /// and the first output's mask (as [`compute_mask`](Self::compute_mask)). The layers that
    /// read masks (the recurrent layers, `GlobalAveragePooling1D`, attention) override it;
    /// `Sequential` and functional models carry each layer's mask to the layers it feeds, as
    /// Keras does.
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        let mask = self.compute_mask(inputs, masks);
        (self.call_outputs(inputs, training), mask)
    }

    /// Keras's `get_config()`: the settings that rebuild this layer with
    /// [`deserialize`] (its name and declared input shape included), or `None` for a layer
    /// that has no config (a `Lambda`'s closure, a subclassed model's code).
    fn get_config(&self) -> Option<Config> {
        None
    }
}

impl<L: Layer + ?Sized> Layer for Box<L> {
    fn call(&self, inputs: &Tensor, training: bool) -> Tensor {
        (**self).call(inputs, training)
    }
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        (**self).call_many(inputs, training)
    }
    fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        (**self).call_outputs(inputs, training)
    }
    fn output_names(&self) -> Vec<String> {
        (**self).output_names()
    }
    fn num_inputs(&self) -> usize {
        (**self).num_inputs()
    }
    fn num_outputs(&self) -> usize {
        (**self).num_outputs()
    }
    fn class_name(&self) -> String {
        (**self).class_name()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        (**self).declared_input_shape()
    }
    fn losses(&self) -> Vec<Tensor> {
        (**self).losses()
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        (**self).layers()
    }
    fn get_config(&self) -> Option<Config> {
        (**self).get_config()
    }
    fn supports_masking(&self) -> bool {
        (**self).supports_masking()
    }
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        (**self).compute_mask(inputs, masks)
    }
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        (**self).call_masked(inputs, masks, training)
    }
}

/// [`Layer::compute_mask`]'s default, for layers that override it in some cases only: the
/// first input's mask where the layer supports masking, else none (Keras drops a mask at a
/// layer that does not support it, as `Flatten` after `Embedding(mask_zero=True)`).
pub(crate) fn default_mask<L: Layer + ?Sized>(layer: &L, masks: &[Option<Tensor>]) -> Option<Tensor> {
    masks.first().cloned().flatten().filter(|_| layer.supports_masking())
}

/// Uniform draws in `[lo, hi)` shaped `[batch of x, rest...]`: one set per sample, the batch
/// size known now or only when a traced step runs.
pub(crate) fn per_sample_uniform(x: &Tensor, rest: &[usize], lo: f64, hi: f64, seed: Option<i64>) -> Tensor {
    match x.shape().dim(0) {
        Some(batch) => {
            let dims: Vec<usize> = std::iter::once(batch).chain(rest.iter().copied()).collect();
            tf_core::random::uniform(&dims, lo, hi, tf_core::DType::F32, seed)
        }
        None => {
            let batch = tf_core::cast(&tf_core::slice(&tf_core::shape(x), &[0], &[1]), tf_core::DType::I64);
            let rest = tf_core::constant(rest.iter().map(|&d| d as i64).collect::<Vec<_>>());
            let shape = tf_core::concat(&[&batch, &rest], 0);
            tf_core::random::uniform_of_shape(&shape, lo, hi, tf_core::DType::F32, seed)
        }
    }
}

static NAMES: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

/// How many names with `prefix` were handed out before this one.
pub(crate) fn name_index(prefix: &str) -> usize {
    let mut g = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    let n = g.get_or_insert_with(HashMap::new).entry(prefix.to_string()).or_insert(0);
    *n += 1;
    *n - 1
}

/// Keras's automatic layer names: `dense`, `dense_1`, `dense_2`, ... per prefix.
pub(crate) fn unique_name(prefix: &str) -> String {
    match name_index(prefix) {
        0 => prefix.to_string(),
        n => format!("{prefix}_{n}"),
    }
}

/// `keras.backend.clear_session()`: restarts automatic layer names (`dense`, `dense_1`, ...).
pub fn clear_session() {
    *NAMES.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// The name and declared input shape every layer has, and the `activity_regularizer` of the
/// layers that take one (Dense and the convolutions).
#[derive(Clone, Debug)]
pub(crate) struct Base {
    pub name: String,
    pub input_shape: Option<Vec<usize>>,
    pub activity_regularizer: Option<crate::regularizers::Regularizer>,
}

impl Base {
    pub fn new(prefix: &str) -> Base {
        Base {
            name: unique_name(prefix),
            input_shape: None,
            activity_regularizer: None,
        }
    }
    /// The config entries every layer has: `name`, `trainable`, `dtype`, and
    /// `batch_input_shape` when the input shape was declared.
    pub fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("name".into(), self.name.clone().into());
        c.insert("trainable".into(), true.into());
        c.insert("dtype".into(), "float32".into());
        if let Some(shape) = &self.input_shape {
            let mut dims = vec![serde_json::Value::Null];
            dims.extend(shape.iter().map(|&d| serde_json::Value::from(d)));
            c.insert("batch_input_shape".into(), dims.into());
        }
        c
    }
    /// Reads what [`config`](Self::config) writes.
    pub fn read_config(&mut self, c: &Config) -> tf_core::Result<()> {
        crate::saving::config::read(c, "name", "layer", &mut self.name)?;
        if let Some(v) = c.get("batch_input_shape") {
            let dims: Vec<Option<usize>> = ConfigValue::from_config(v, "layer.batch_input_shape")?;
            let inner: Option<Vec<usize>> = dims.iter().skip(1).copied().collect();
            self.input_shape = Some(inner.ok_or_else(|| {
                tf_core::Error::Unimplemented(format!(
                    "layer \"{}\": batch_input_shape {dims:?} has an unknown dimension besides the batch's, which tf does not support yet",
                    self.name
                ))
            })?);
        }
        Ok(())
    }
    /// A weight variable named `<layer>/<what>`.
    pub fn weight(&self, what: &str, init: &crate::initializers::Initializer, shape: &[usize], trainable: bool) -> Variable {
        Variable::with_options(init.call(shape, tf_core::DType::F32), format!("{}/{}", self.name, what), trainable)
    }
    /// A trainable weight penalized by `regularizer` (`kernel_regularizer=`), when given.
    pub fn regularized_weight(
        &self,
        what: &str,
        init: &crate::initializers::Initializer,
        shape: &[usize],
        regularizer: Option<crate::regularizers::Regularizer>,
    ) -> Variable {
        let w = self.weight(what, init, shape, true);
        match regularizer {
            Some(r) => w.with_regularizer(move |v| r.call(v)),
            None => w,
        }
    }
}

/// Implements `Module` (weights in creation order, as Keras lists them), the `name` and
/// `input_shape` builders, and `class_name` for a layer struct with a `base: Base` field.
macro_rules! layer_common {
    ($ty:ident, [$($w:ident),*]) => {
        impl tf_core::Module for $ty {
            fn name(&self) -> String {
                self.base.name.clone()
            }
            #[allow(unused_variables)]
            fn visit_fields<'a>(&'a self, v: &mut dyn tf_core::module::Visitor<'a>) {
                $( tf_core::Trackable::track(&self.$w, stringify!($w).to_string(), true, v); )*
            }
        }
        impl $ty {
            /// Names the layer (Keras's `name=`).
            pub fn with_name(mut self, name: impl Into<String>) -> Self {
                self.base.name = name.into();
                self
            }
            /// Declares the input shape without the batch dimension (Keras's `input_shape=`),
            /// so a `Sequential` starting with this layer is built at once.
            pub fn input_shape(mut self, shape: impl AsRef<[usize]>) -> Self {
                self.base.input_shape = Some(shape.as_ref().to_vec());
                self
            }
        }
    };
}
pub(crate) use layer_common;

/// The common `Layer` methods for a layer struct with a `base: Base` field.
macro_rules! layer_methods {
    ($class:literal) => {
        layer_methods!($class, no_config);
        fn get_config(&self) -> Option<$crate::saving::config::Config> {
            Some(self.config())
        }
    };
    ($class:literal, no_config) => {
        fn class_name(&self) -> String {
            $class.into()
        }
        fn declared_input_shape(&self) -> Option<Vec<usize>> {
            self.base.input_shape.clone()
        }
    };
}
pub(crate) use layer_methods;

/// `keras.layers.serialize(layer)`: `{"class_name": ..., "config": {...}}`.
///
/// # Errors
/// `Unimplemented` naming a layer that has no config (a `Lambda`, a subclassed model).
pub fn serialize(layer: &dyn Layer) -> tf_core::Result<serde_json::Value> {
    let config = layer.get_config().ok_or_else(|| {
        tf_core::Error::Unimplemented(format!(
            "layer \"{}\" ({}) has no config, so its architecture cannot be saved",
            layer.name(),
            layer.class_name()
        ))
    })?;
    Ok(serde_json::json!({ "class_name": layer.class_name(), "config": config }))
}

/// `keras.layers.deserialize(config)`: the layer [`serialize`] described, unbuilt. Automatic
/// layer names (`dense_1`, ...) are not used up by it.
///
/// # Errors
/// `Unimplemented` for an unknown class; `InvalidArgument` for a malformed config.
pub fn deserialize(v: &serde_json::Value) -> tf_core::Result<Box<dyn Layer>> {
    let (class, c) = crate::saving::config::class_and_config(v, "layer")?;
    let names = NAMES.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let layer = from_class(class, c);
    *NAMES.lock().unwrap_or_else(|p| p.into_inner()) = names;
    layer
}

fn from_class(class: &str, c: &Config) -> tf_core::Result<Box<dyn Layer>> {
    fn boxed<L: Layer + 'static>(l: tf_core::Result<L>) -> tf_core::Result<Box<dyn Layer>> {
        l.map(|l| Box::new(l) as Box<dyn Layer>)
    }
    match class {
        "Dense" => boxed(Dense::from_config(c)),
        "Flatten" => boxed(Flatten::from_config(c)),
        "Reshape" => boxed(Reshape::from_config(c)),
        "Permute" => boxed(Permute::from_config(c)),
        "Dropout" => boxed(Dropout::from_config(c)),
        "Activation" => boxed(Activation::from_config(c)),
        "Rescaling" => boxed(Rescaling::from_config(c)),
        "Embedding" => boxed(Embedding::from_config(c)),
        "Masking" => boxed(Masking::from_config(c)),
        "PReLU" => boxed(PReLU::from_config(c)),
        "ThresholdedReLU" => boxed(ThresholdedReLU::from_config(c)),
        "GroupNormalization" => boxed(GroupNormalization::from_config(c)),
        "UnitNormalization" => boxed(UnitNormalization::from_config(c)),
        "CenterCrop" => boxed(CenterCrop::from_config(c)),
        "RandomCrop" => boxed(RandomCrop::from_config(c)),
        "RandomBrightness" => boxed(RandomBrightness::from_config(c)),
        "Conv2D" => boxed(Conv2D::from_config(c)),
        "Conv1D" => boxed(Conv1D::from_config(c)),
        "DepthwiseConv2D" => boxed(DepthwiseConv2D::from_config(c)),
        "Conv2DTranspose" => boxed(Conv2DTranspose::from_config(c)),
        "SeparableConv2D" => boxed(SeparableConv2D::from_config(c)),
        "MaxPooling2D" => boxed(MaxPooling2D::from_config(c)),
        "AveragePooling2D" => boxed(AveragePooling2D::from_config(c)),
        "GlobalAveragePooling2D" => boxed(GlobalAveragePooling2D::from_config(c)),
        "GlobalMaxPooling2D" => boxed(GlobalMaxPooling2D::from_config(c)),
        "ZeroPadding2D" => boxed(ZeroPadding2D::from_config(c)),
        "UpSampling2D" => boxed(UpSampling2D::from_config(c)),
        "Conv1DTranspose" => boxed(Conv1DTranspose::from_config(c)),
        "DepthwiseConv1D" => boxed(DepthwiseConv1D::from_config(c)),
        "SeparableConv1D" => boxed(SeparableConv1D::from_config(c)),
        "Conv3D" => boxed(Conv3D::from_config(c)),
        "Conv3DTranspose" => boxed(Conv3DTranspose::from_config(c)),
        "MaxPooling3D" => boxed(MaxPooling3D::from_config(c)),
        "AveragePooling3D" => boxed(AveragePooling3D::from_config(c)),
        "GlobalAveragePooling3D" => boxed(GlobalAveragePooling3D::from_config(c)),
        "GlobalMaxPooling3D" => boxed(GlobalMaxPooling3D::from_config(c)),
        "UpSampling3D" => boxed(UpSampling3D::from_config(c)),
        "ZeroPadding3D" => boxed(ZeroPadding3D::from_config(c)),
        "Cropping3D" => boxed(Cropping3D::from_config(c)),
        "BatchNormalization" => boxed(BatchNormalization::from_config(c)),
        "LayerNormalization" => boxed(LayerNormalization::from_config(c)),
        "Add" => boxed(Add::from_config(c)),
        "Multiply" => boxed(Multiply::from_config(c)),
        "Concatenate" => boxed(Concatenate::from_config(c)),
        "Subtract" => boxed(Subtract::from_config(c)),
        "Average" => boxed(Average::from_config(c)),
        "Maximum" => boxed(Maximum::from_config(c)),
        "Minimum" => boxed(Minimum::from_config(c)),
        "Dot" => boxed(Dot::from_config(c)),
        "ReLU" => boxed(ReLU::from_config(c)),
        "LeakyReLU" => boxed(LeakyReLU::from_config(c)),
        "Softmax" => boxed(Softmax::from_config(c)),
        "ELU" => boxed(ELU::from_config(c)),
        "MaxPooling1D" => boxed(MaxPooling1D::from_config(c)),
        "AveragePooling1D" => boxed(AveragePooling1D::from_config(c)),
        "GlobalAveragePooling1D" => boxed(GlobalAveragePooling1D::from_config(c)),
        "GlobalMaxPooling1D" => boxed(GlobalMaxPooling1D::from_config(c)),
        "RepeatVector" => boxed(RepeatVector::from_config(c)),
        "Cropping1D" => boxed(Cropping1D::from_config(c)),
        "Cropping2D" => boxed(Cropping2D::from_config(c)),
        "UpSampling1D" => boxed(UpSampling1D::from_config(c)),
        "ZeroPadding1D" => boxed(ZeroPadding1D::from_config(c)),
        "MultiHeadAttention" => boxed(MultiHeadAttention::from_config(c)),
        "Attention" => boxed(Attention::from_config(c)),
        "AdditiveAttention" => boxed(AdditiveAttention::from_config(c)),
        "Bidirectional" => boxed(Bidirectional::from_config(c)),
        "TimeDistributed" => boxed(TimeDistributed::from_config(c)),
        "Normalization" => boxed(Normalization::from_config(c)),
        "Resizing" => boxed(Resizing::from_config(c)),
        "GaussianNoise" => boxed(GaussianNoise::from_config(c)),
        "GaussianDropout" => boxed(GaussianDropout::from_config(c)),
        "ActivityRegularization" => boxed(ActivityRegularization::from_config(c)),
        "RNN" => boxed(RNN::from_config(c)),
        "ConvLSTM2D" => boxed(ConvLSTM2D::from_config(c)),
        "EinsumDense" => boxed(EinsumDense::from_config(c)),
        "CategoryEncoding" => boxed(CategoryEncoding::from_config(c)),
        "IntegerLookup" => boxed(IntegerLookup::from_config(c)),
        "StringLookup" => boxed(StringLookup::from_config(c)),
        "TextVectorization" => boxed(TextVectorization::from_config(c)),
        "Hashing" => boxed(Hashing::from_config(c)),
        "Discretization" => boxed(Discretization::from_config(c)),
        "AlphaDropout" => boxed(AlphaDropout::from_config(c)),
        "SpatialDropout1D" => boxed(SpatialDropout1D::from_config(c)),
        "SpatialDropout2D" => boxed(SpatialDropout2D::from_config(c)),
        "SpatialDropout3D" => boxed(SpatialDropout3D::from_config(c)),
        "RandomFlip" => boxed(RandomFlip::from_config(c)),
        "RandomRotation" => boxed(RandomRotation::from_config(c)),
        "RandomZoom" => boxed(RandomZoom::from_config(c)),
        "RandomTranslation" => boxed(RandomTranslation::from_config(c)),
        "RandomContrast" => boxed(RandomContrast::from_config(c)),
        "SimpleRNN" => boxed(SimpleRNN::from_config(c)),
        "LSTM" => boxed(LSTM::from_config(c)),
        "GRU" => boxed(GRU::from_config(c)),
        "Sequential" => boxed(crate::Sequential::from_config(c)),
        "Functional" => boxed(crate::model::Functional::from_config(c)),
        other => Err(tf_core::Error::Unimplemented(format!("unknown layer class `{other}`"))),
    }
}

/// Checks a layer's input rank, with Keras's message.
#[track_caller]
pub(crate) fn expect_rank(layer: &str, x: &Tensor, min: usize, max: Option<usize>) {
    let r = x.rank();
    if r < min || max.is_some_and(|m| r > m) {
        let want = match max {
            Some(m) if m == min => format!("ndim={min}"),
            Some(m) => format!("min_ndim={min}, max_ndim={m}"),
            None => format!("min_ndim={min}"),
        };
        panic!(
            "Input 0 of layer \"{layer}\" is incompatible with the layer: expected {want}, found ndim={r}. Full shape received: {}",
            x.shape()
        );
    }
}
