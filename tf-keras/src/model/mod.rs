//! Models: `Model<L>` wraps any [`Layer`] — a [`Sequential`] stack, a functional graph built
//! from [`Input`]s, or a user's `#[derive(tf::Module)]` struct — and adds `compile`, `fit`,
//! `evaluate`, `predict` and `summary`.

mod args;
mod custom_step;
mod functional;
pub mod progbar;
mod summary;
mod training;

pub use args::{Batches, CompileArgs, EvaluateArgs, FitArgs, History, Logs, PredictArgs, ValidationData};
pub use custom_step::{StepContext, StepData, TrainStepFn};
pub use functional::{Functional, Input, KerasInputs, KerasTensor};

pub(crate) mod functional_api {
    pub use super::functional::Apply;
}
pub(crate) mod training_api {
    pub use super::args::Data;
    pub(crate) use super::training::checked;
}

use crate::layers::Layer;
use crate::losses::Loss;
use crate::metrics::{Metric, MetricArg};
use crate::optimizers::Optimizer;
use crate::saving::config::Config;
use tf_core::module::Visitor;
use tf_core::{Module, Tensor, Trackable};

/// What `compile` set up.
pub(crate) struct Compiled {
    pub optimizer: Box<dyn Optimizer>,
    /// One loss for every output, or one per output.
    pub losses: Vec<Box<dyn Loss>>,
    /// Keras's `loss_weights`: the total loss weighs each output's loss (default 1).
    pub loss_weights: Option<Vec<f64>>,
    /// Taken when the metrics are resolved at the first batch.
    pub metric_args: Vec<MetricArg>,
    /// Resolved at the first batch (`"accuracy"` depends on the shapes); with several
    /// outputs each metric name gives one metric per output.
    pub metrics: Option<Vec<Box<dyn Metric>>>,
    /// The output each metric watches (parallel to `metrics`).
    pub metric_outputs: Vec<usize>,
    /// The output names, when the model has several (its logs are then per output).
    pub output_names: Vec<String>,
    /// Keras's `train_function`: the train step as a graph function, traced once the forward
    /// pass has run eagerly (which builds the layers; the optimizer's slots are made before).
    pub train_function: std::sync::Arc<tf_core::Function>,
    /// Keras's `test_function`: the evaluation step (forward pass and loss) as a graph function.
    pub test_function: std::sync::Arc<tf_core::Function>,
}

impl Compiled {
    /// The loss of output `i`.
    pub fn loss(&self, i: usize) -> &dyn Loss {
        self.losses[if self.losses.len() == 1 { 0 } else { i }].as_ref()
    }
}

/// A trainable model around a network `L`. [`Model::wrap`] wraps a subclassed model (a
/// struct implementing [`Layer`]); [`Sequential`] and the functional [`Model::new`] are the
/// other two ways to build one.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, layers::{Dense, Flatten}};
/// let mut model = keras::Sequential::new();
/// model.add(Flatten::new().input_shape([4]));
/// model.add(Dense::new(2));
/// model.compile("sgd", "mse", ());
/// let x = tf::ones([8, 4], tf::float32);
/// let y = tf::zeros([8, 2], tf::float32);
/// let h = model.fit((&x, &y), keras::FitArgs { epochs: 2, verbose: 0, ..Default::default() }).unwrap();
/// assert_eq!(h["loss"].len(), 2);
/// ```
pub struct Model<L: Layer = Functional> {
    net: L,
    name: String,
    pub(crate) compiled: Option<Compiled>,
    pub(crate) stop_training: bool,
    /// The `History` of the last `fit`.
    pub history: Option<History>,
    /// Keras's `model.run_eagerly`: when true, `fit` and `train_on_batch` run the train step
    /// eagerly instead of as a graph function (for debugging; also when
    /// `tf::run_functions_eagerly(true)`).
    pub run_eagerly: bool,
    /// The dtype and shape (batch included) of the latest input of the forward pass, what
    /// `save` traces a subclassed model's functions for.
    pub(crate) last_input: std::sync::Mutex<Option<tf_core::ops::TensorSpec>>,
    /// Keras's `predict_function`: the inference forward pass as a graph function.
    pub(crate) predict_function: std::sync::Arc<tf_core::Function>,
    /// Whether the forward pass has run eagerly (so the layers are built and a trace may
    /// follow).
    pub(crate) built: std::sync::atomic::AtomicBool,
    /// The losses the latest forward pass added (`add_loss`, activity regularizers).
    call_losses: std::sync::Mutex<Vec<Tensor>>,
    /// The train step set by [`set_train_step`](Model::set_train_step), if any.
    custom_train_step: Option<custom_step::CustomStep<L>>,
    /// The evaluation step set by [`set_test_step`](Model::set_test_step), if any.
    custom_test_step: Option<custom_step::CustomStep<L>>,
}

impl<L: Layer> Model<L> {
    /// Wraps a network: a subclassed model (a struct implementing [`Layer`]) becomes a
    /// `Model` that can be compiled and fitted.
    pub fn wrap(net: L) -> Model<L> {
        let name = net.name();
        Model {
            net,
            name,
            compiled: None,
            stop_training: false,
            history: None,
            run_eagerly: false,
            last_input: std::sync::Mutex::new(None),
            predict_function: std::sync::Arc::new(tf_core::Function::staged("predict_function").reduce_retracing(true)),
            built: std::sync::atomic::AtomicBool::new(false),
            call_losses: std::sync::Mutex::new(Vec::new()),
            custom_train_step: None,
            custom_test_step: None,
        }
    }

    /// Names the model (Keras's `name=`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The network inside.
    pub fn net(&self) -> &L {
        &self.net
    }

    /// Sets `model.stop_training` (callbacks use it to end `fit` after the current epoch).
    pub fn set_stop_training(&mut self, stop: bool) {
        self.stop_training = stop;
    }

    /// The layers, in order (for a subclassed model, those it reports through
    /// [`Layer::layers`]).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let model = keras::sequential![Flatten::new().input_shape([28, 28]), Dense::new(128).activation("relu"), Dense::new(10)];
    /// assert_eq!(model.layers().len(), 3);
    /// ```
    pub fn layers(&self) -> Vec<&dyn Layer> {
        self.net.layers()
    }

    /// `model.get_weights()`: every variable's value, in `variables()` order.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let model = keras::sequential![Dense::new(2).input_shape([3])];
    /// let w = model.get_weights();
    /// let shapes: Vec<&[usize]> = w.iter().map(|t| t.shape().dims()).collect();
    /// assert_eq!(shapes, [&[3, 2][..], &[2]]); // kernel, bias
    /// ```
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.net.variables().iter().map(|v| v.value()).collect()
    }

    /// `model.set_weights(weights)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let model = keras::sequential![Dense::new(1).input_shape([2])];
    /// model.set_weights(&[tf::constant([[1.0f32], [2.0]]), tf::constant([0.5f32])])?;
    /// assert_eq!(model.predict_on_batch(&tf::constant([[1.0f32, 1.0]]))?.to_vec::<f32>(), vec![3.5]);
    /// assert!(model.set_weights(&[tf::constant([1.0f32])]).is_err()); // wrong count, named in the error
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when the count, a shape or a dtype does not match; nothing is assigned
    /// then.
    pub fn set_weights(&self, weights: &[Tensor]) -> tf_core::Result<()> {
        let vars = self.net.variables();
        if vars.len() != weights.len() {
            return Err(tf_core::Error::InvalidArgument(format!(
                "You called `set_weights(weights)` on layer \"{}\" with a weight list of length {}, but the layer was expecting {} weights.",
                self.name,
                weights.len(),
                vars.len()
            )));
        }
        for (v, w) in vars.iter().zip(weights) {
            if v.shape() != *w.shape() || v.dtype() != w.dtype() {
                return Err(tf_core::Error::InvalidArgument(format!(
                    "Layer weight shape {} not compatible with provided weight shape {} (variable {}, dtype {} vs {})",
                    v.shape(),
                    w.shape(),
                    v.name(),
                    v.dtype(),
                    w.dtype()
                )));
            }
        }
        for (v, w) in vars.iter().zip(weights) {
            v.assign(w);
        }
        Ok(())
    }

    /// The network's forward pass. When a checkpoint restored values for weights this call
    /// created (a model built on its first call), they are assigned and the pass is run again
    /// with them.
    #[track_caller]
    pub(crate) fn forward(&self, x: &Tensor, training: bool) -> Tensor {
        self.noting_input(x, || self.net.call(x, training))
    }

    /// The forward pass of a model with several inputs or outputs: one tensor per output.
    #[track_caller]
    pub(crate) fn forward_many(&self, xs: &[Tensor], training: bool) -> Vec<Tensor> {
        match xs {
            [x] if self.net.num_inputs() == 1 && self.net.num_outputs() == 1 => vec![self.forward(x, training)],
            _ => self.noting_input(&xs[0], || self.net.call_outputs(xs, training)),
        }
    }

    /// The forward pass with the inputs' masks: the outputs and the first output's mask
    /// (what `fit` weights the loss with).
    #[track_caller]
    pub(crate) fn forward_masked(&self, xs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        self.noting_input(&xs[0], || self.net.call_masked(xs, masks, training))
    }

    /// Runs `call` after noting the input (eagerly); runs it again when it created variables
    /// that a checkpoint restored. Keeps the losses the call added (and hands them to an
    /// enclosing call).
    #[track_caller]
    fn noting_input<R>(&self, x: &Tensor, call: impl Fn() -> R) -> R {
        if tf_core::executing_eagerly() {
            *self.last_input.lock().unwrap_or_else(|p| p.into_inner()) = Some(tf_core::ops::TensorSpec::of(x));
            self.built.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let (y, added) = crate::layers::collect_losses(&call);
        let (y, added) = match tf_core::train::restore_deferred(self) {
            Ok(0) => (y, added),
            Ok(_) => crate::layers::collect_losses(&call),
            Err(e) => panic!("{e}"),
        };
        crate::layers::hand_up(&added);
        *self.call_losses.lock().unwrap_or_else(|p| p.into_inner()) = added;
        y
    }

    /// `model.save_weights(path)`: the weights, and once compiled the optimizer's state, as a
    /// TensorFlow checkpoint that Python's `model.load_weights` reads (or safetensors for a
    /// `.safetensors` path). See [`crate::saving::save_weights`].
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let dir = std::env::temp_dir().join(format!("tf-doc-save-weights-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let a = keras::sequential![Dense::new(2).input_shape([3])];
    /// let path = dir.join("weights.safetensors");
    /// a.save_weights(&path)?;
    /// let b = keras::sequential![Dense::new(2).input_shape([3])];
    /// b.load_weights(&path)?;
    /// assert_eq!(a.get_weights()[0].to_vec::<f32>(), b.get_weights()[0].to_vec::<f32>());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `save_weights`.
    pub fn save_weights(&self, path: impl AsRef<std::path::Path>) -> tf_core::Result<()> {
        crate::saving::save_weights(self, path)
    }

    /// `model.load_weights(path)`: the counterpart of [`save_weights`](Self::save_weights);
    /// checks everything before assigning anything, and assigns weights of layers not built
    /// yet when they are built. See [`crate::saving::load_weights`].
    ///
    /// # Errors
    /// As `load_weights`.
    pub fn load_weights(&self, path: impl AsRef<std::path::Path>) -> tf_core::Result<()> {
        crate::saving::load_weights(self, path)
    }

    /// `model.export(path, format="onnx")`: the inference forward pass as an ONNX model
    /// (opset 13) that ONNX Runtime serves without this crate; see
    /// [`crate::saving::export_onnx`].
    ///
    /// ```
    /// use tf_keras::{self as keras, layers::Dense};
    /// let model = keras::sequential![Dense::new(4).activation("relu").input_shape([3]), Dense::new(2)];
    /// let path = std::env::temp_dir().join(format!("doc-model-{}.onnx", std::process::id()));
    /// model.export_onnx(&path)?;
    /// assert!(std::fs::metadata(&path)?.len() > 0);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As `export_onnx`: an unknown input shape, a layer whose ops have no ONNX form (named
    /// with its line), or a file that cannot be written.
    pub fn export_onnx(&self, path: impl AsRef<std::path::Path>) -> tf_core::Result<()> {
        crate::saving::export_onnx(self, path)
    }

    /// `model.save(dir)`: the model as a SavedModel with Keras's metadata (architecture,
    /// compile config), its weights and optimizer state under `variables/`; see
    /// [`crate::saving::save_model`].
    ///
    /// # Errors
    /// As `save_model`.
    pub fn save(&self, dir: impl AsRef<std::path::Path>) -> tf_core::Result<()> {
        crate::saving::save_model(self, dir, &crate::saving::SaveOptions::default())
    }

    /// The optimizer given to `compile`, if compiled.
    pub fn optimizer(&mut self) -> Option<&mut (dyn Optimizer + 'static)> {
        Some(self.compiled.as_mut()?.optimizer.as_mut())
    }

    /// `model.losses`: the regularization penalties of the built layers' weights, then the
    /// losses the latest call added (`add_loss`, activity regularizers) — what a custom
    /// training loop adds to its loss, as in Keras.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Layer}, regularizers::Regularizer};
    /// let model = keras::sequential![
    ///     Dense::new(2).input_shape([3]).kernel_regularizer(Regularizer::L2(0.01)).activity_regularizer(Regularizer::L1(0.1)),
    /// ];
    /// assert_eq!(model.losses().len(), 2); // the kernel's penalty and the building call's activity loss
    /// model.call(&tf::ones([4, 3], tf::float32), false);
    /// assert_eq!(model.losses().len(), 2); // the latest call's activity loss replaced the earlier one
    /// ```
    pub fn losses(&self) -> Vec<Tensor> {
        let mut out = self.net.losses();
        out.extend(self.call_losses.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned());
        out
    }
}

impl<L: Layer> std::ops::Deref for Model<L> {
    type Target = L;
    fn deref(&self) -> &L {
        &self.net
    }
}

impl<L: Layer> Module for Model<L> {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.net.visit_fields(v);
    }
    /// The network's checkpoint edges, then `optimizer` once compiled.
    fn visit_checkpoint<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        let optimizer = self.compiled.as_ref().map(|c| c.optimizer.as_module());
        crate::saving::visit_with_optimizer(&self.net, optimizer, v);
    }
}

/// Keras's checkpoint edges for a model's layer list: `layer-i` for every layer, and before it
/// `layer_with_weights-k` for the k-th layer that has weights (both edges name one object).
pub(crate) fn visit_layer_edges<'a, P: std::ops::Deref<Target = dyn Layer>>(layers: &'a [P], first: usize, v: &mut dyn Visitor<'a>) {
    let mut k = 0;
    for (i, l) in layers.iter().enumerate() {
        let m: &'a dyn Module = &**l;
        if !l.variables().is_empty() {
            v.module(format!("layer_with_weights-{k}"), m, true);
            k += 1;
        }
        v.module(format!("layer-{}", first + i), m, true);
    }
}

impl<L: Layer> Layer for Model<L> {
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.forward(x, training)
    }
    fn get_config(&self) -> Option<Config> {
        let mut c = self.net.get_config()?;
        c.insert("name".into(), self.name.clone().into());
        Some(c)
    }
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        match inputs.first() {
            Some(x) => self.noting_input(x, || self.net.call_many(inputs, training)),
            None => self.net.call_many(inputs, training),
        }
    }
    fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        self.forward_many(inputs, training)
    }
    fn supports_masking(&self) -> bool {
        self.net.supports_masking()
    }
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        self.net.compute_mask(inputs, masks)
    }
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        self.forward_masked(inputs, masks, training)
    }
    fn output_names(&self) -> Vec<String> {
        self.net.output_names()
    }
    fn num_inputs(&self) -> usize {
        self.net.num_inputs()
    }
    fn num_outputs(&self) -> usize {
        self.net.num_outputs()
    }
    fn class_name(&self) -> String {
        self.net.class_name()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        self.net.declared_input_shape()
    }
    fn losses(&self) -> Vec<Tensor> {
        Model::losses(self)
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        self.net.layers()
    }
}

/// The layers of a [`Sequential`] model, applied in order.
pub struct Stack {
    name: String,
    layers: Vec<Box<dyn Layer>>,
}

impl Module for Stack {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for l in &self.layers {
            l.track(l.name(), true, v);
        }
    }
    fn visit_checkpoint<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        visit_layer_edges(&self.layers, 0, v);
    }
}

impl Layer for Stack {
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.call_masked(std::slice::from_ref(x), &[None], training).0.swap_remove(0)
    }
    fn supports_masking(&self) -> bool {
        true
    }
    /// The mask of the last layer's output (runs the forward pass: use
    /// [`call_masked`](Layer::call_masked) for both).
    #[track_caller]
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        self.call_masked(inputs, masks, false).1
    }
    /// Each layer gets the previous one's output and mask.
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        let (mut h, mut mask) = (inputs.to_vec(), masks.first().cloned().flatten());
        for l in &self.layers {
            let (mut out, m) = l.call_masked(&h, &[mask], training);
            out.truncate(1);
            (h, mask) = (out, m);
        }
        (h, mask)
    }
    fn class_name(&self) -> String {
        "Sequential".into()
    }
    fn get_config(&self) -> Option<Config> {
        let layers: Vec<serde_json::Value> = self
            .layers
            .iter()
            .map(|l| crate::layers::serialize(&**l).ok())
            .collect::<Option<_>>()?;
        let mut c = Config::new();
        c.insert("name".into(), self.name.clone().into());
        c.insert("layers".into(), layers.into());
        Some(c)
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        self.layers.first()?.declared_input_shape()
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        self.layers.iter().map(|l| l.as_ref() as &dyn Layer).collect()
    }
}

/// `keras.Sequential`: a stack of layers, each feeding the next. It is a [`Model`] (through
/// `Deref`): `compile`, `fit`, `summary` and the rest apply.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, layers::{Dense, Flatten, Layer}};
/// let model = keras::sequential![
///     Flatten::new().input_shape([28, 28]),
///     Dense::new(128).activation("relu"),
///     Dense::new(10),
/// ];
/// let y = model.call(&tf::zeros([2, 28, 28], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 10]);
/// ```
pub struct Sequential(Model<Stack>);

impl Sequential {
    /// An empty `Sequential` named `sequential` (`sequential_1`, ... for later ones).
    pub fn new() -> Sequential {
        Sequential(Model::wrap(Stack {
            name: crate::layers::unique_name("sequential"),
            layers: Vec::new(),
        }))
    }

    /// A `Sequential` of these layers.
    pub fn from_layers(layers: Vec<Box<dyn Layer>>) -> Sequential {
        let mut m = Sequential::new();
        m.0.net.layers = layers;
        m.build_declared();
        m
    }

    /// `model.add(layer)`. Once the first layer declares its `input_shape`, each added layer
    /// is built at once, as in Keras.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let mut model = keras::Sequential::new();
    /// model.add(Dense::new(8).input_shape([4]));
    /// model.add(Dense::new(1));
    /// assert_eq!(model.layers().len(), 2);
    /// assert_eq!(model.count_params(), 4 * 8 + 8 + 8 + 1);
    /// ```
    pub fn add(&mut self, layer: impl Layer + 'static) {
        self.0.net.layers.push(Box::new(layer));
        self.build_declared();
    }

    /// Builds every layer by one forward pass of a zero sample when the input shape is
    /// declared (Keras builds such a model at construction: its weights exist at once).
    fn build_declared(&self) {
        if let Some(shape) = self.0.net.declared_input_shape() {
            let mut dims = vec![1];
            dims.extend(shape);
            self.0.forward(&tf_core::zeros(dims, tf_core::DType::F32), false);
        }
    }

    /// Rebuilds the `Sequential` that [`Layer::get_config`] described (built at once when its
    /// first layer declares the input shape).
    pub(crate) fn from_config(c: &Config) -> tf_core::Result<Sequential> {
        let layers = c
            .get("layers")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| tf_core::Error::InvalidArgument("Sequential config: `layers` is not a list".into()))?;
        let layers: Vec<Box<dyn Layer>> = layers.iter().map(crate::layers::deserialize).collect::<tf_core::Result<_>>()?;
        let mut name = String::new();
        crate::saving::config::read(c, "name", "Sequential", &mut name)?;
        let mut m = Sequential::new();
        m.0.net.layers = layers;
        m.0.name = name.clone();
        m.0.net.name = name;
        training::checked("Sequential config: building the layers for the declared input shape", || {
            m.build_declared()
        })?;
        Ok(m)
    }

    /// `model.pop()`: removes the last layer.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let mut model = keras::sequential![Dense::new(8).input_shape([4]), Dense::new(1)];
    /// assert!(model.pop().is_some());
    /// assert_eq!(model.layers().len(), 1);
    /// ```
    pub fn pop(&mut self) -> Option<Box<dyn Layer>> {
        self.0.net.layers.pop()
    }

    /// Names the model (Keras's `name=`).
    pub fn with_name(self, name: impl Into<String>) -> Self {
        Sequential(self.0.with_name(name))
    }
}

impl Default for Sequential {
    fn default() -> Self {
        Sequential::new()
    }
}

impl std::ops::Deref for Sequential {
    type Target = Model<Stack>;
    fn deref(&self) -> &Model<Stack> {
        &self.0
    }
}
impl std::ops::DerefMut for Sequential {
    fn deref_mut(&mut self) -> &mut Model<Stack> {
        &mut self.0
    }
}
impl Module for Sequential {
    fn name(&self) -> String {
        self.0.name()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.0.visit_fields(v);
    }
    fn visit_checkpoint<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.0.visit_checkpoint(v);
    }
}
impl Layer for Sequential {
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.0.call(x, training)
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        self.0.compute_mask(inputs, masks)
    }
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        self.0.call_masked(inputs, masks, training)
    }
    fn get_config(&self) -> Option<Config> {
        self.0.get_config()
    }
    fn class_name(&self) -> String {
        "Sequential".into()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        self.0.declared_input_shape()
    }
    fn losses(&self) -> Vec<Tensor> {
        self.0.losses()
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        self.0.net.layers()
    }
}

/// `keras::sequential![layer, layer, ...]`: a [`Sequential`] of these layers, as
/// `keras.Sequential([...])`.
#[macro_export]
macro_rules! sequential {
    ($($layer:expr),* $(,)?) => {
        $crate::Sequential::from_layers(vec![$(::std::boxed::Box::new($layer) as ::std::boxed::Box<dyn $crate::layers::Layer>),*])
    };
}
