//! `model.save(dir)` / `keras.models.load_model(dir)`: a Keras model as a SavedModel.
//!
//! The directory is a [`tf_core::saved_model`] (so `tf::saved_model::load` serves it without
//! Keras): the weights and optimizer state as a TensorFlow checkpoint under `variables/`
//! (Keras's edges: `layer_with_weights-0/...`, `optimizer/...`), a `serving_default`
//! signature and the traced `__call__` / `__call_training__` functions, and
//! `keras_metadata.json` with the architecture (`get_config()` of a Sequential or functional
//! model) and the compile config. `load_model` rebuilds a model from its config; a subclassed
//! model, whose code is not in the file, comes back revived from its traced functions (as
//! Keras does without `custom_objects`): it predicts, evaluates and trains on the input
//! shapes it was saved with.

use super::config::{ConfigValue, InputSpec};
use crate::layers::Layer;
use crate::metrics::MetricArg;
use crate::model::training_api::checked;
use crate::Model;
use serde_json::{json, Value};
use std::path::Path;
use tf_core::module::Visitor;
use tf_core::ops::TensorSpec;
use tf_core::saved_model::{self, LoadedModel, Signature, Signatures, VARIABLES_PREFIX};
use tf_core::{ConcreteFunction, Error, Module, Result, Tensor};

/// How [`save_model`] traces the model's functions.
#[derive(Clone, Debug)]
pub struct SaveOptions {
    /// The batch sizes to trace `__call__` and `__call_training__` for, `None` for any (a
    /// batch dimension of `None`, as Keras saves); the first is the `serving_default`
    /// signature's. Without a `None`, the batch size the model last ran on is traced too.
    pub batch_sizes: Vec<Option<usize>>,
}

impl Default for SaveOptions {
    /// One trace for any batch size.
    fn default() -> Self {
        SaveOptions { batch_sizes: vec![None] }
    }
}

const FORMAT: &str = "tf-keras saved model";
/// The metadata file (architecture and compile config) beside the SavedModel's own files.
pub const KERAS_METADATA: &str = "keras_metadata.json";

/// `model.save(dir)`: see the module docs. Nothing of a previous save at `dir` is lost when
/// this one fails (the SavedModel is written beside it and renamed into place).
///
/// # Errors
/// `InvalidArgument` for a model that has never run and declares no input shape (there is
/// nothing to trace), or one `tf::saved_model::save` refuses; `Io` when writing fails.
pub fn save_model<L: Layer>(model: &Model<L>, dir: impl AsRef<Path>, options: &SaveOptions) -> Result<()> {
    let compiled = model.compiled.as_ref();
    let parts = Parts {
        net: model.net(),
        name: model.name(),
        optimizer: compiled.map(|c| c.optimizer.as_ref()),
        loss: compiled.map(|c| c.loss(0)),
        metrics: compiled.map(|c| metric_names(&c.metrics, &c.metric_args)).unwrap_or_default(),
        last_input: model.last_input.lock().unwrap_or_else(|p| p.into_inner()).clone(),
    };
    save_parts(&parts, dir.as_ref(), options)
}

/// The names of a compiled model's metrics (resolved, or as given to `compile`).
pub(crate) fn metric_names(metrics: &Option<Vec<Box<dyn crate::metrics::Metric>>>, metric_args: &[MetricArg]) -> Vec<String> {
    match metrics {
        Some(ms) => ms.iter().map(|m| m.name()).collect(),
        None => metric_args
            .iter()
            .map(|a| match a {
                MetricArg::Name(n) => n.clone(),
                MetricArg::Metric(m) => m.name(),
            })
            .collect(),
    }
}

/// What a saved Keras model is made of (a `Model`, or what `fit`'s callbacks see of one).
pub(crate) struct Parts<'a> {
    pub net: &'a dyn Layer,
    pub name: String,
    pub optimizer: Option<&'a dyn crate::optimizers::Optimizer>,
    pub loss: Option<&'a dyn crate::losses::Loss>,
    pub metrics: Vec<String>,
    /// The latest input of the forward pass, batch included.
    pub last_input: Option<TensorSpec>,
}

pub(crate) fn save_parts(model: &Parts<'_>, dir: &Path, options: &SaveOptions) -> Result<()> {
    let config = model.net.get_config().map(|mut c| {
        c.insert("name".into(), model.name.clone().into());
        c
    });
    // Refused before anything is traced: a schedule that is a closure has no config.
    let optimizer_config = model.optimizer.map(|o| o.get_config());
    if optimizer_config.as_ref().is_some_and(|c| c["learning_rate"].is_null()) {
        return Err(Error::InvalidArgument(format!(
            "Model \"{}\" cannot be saved with its optimizer: its learning-rate schedule is a closure, which has no config \
             (use a keras::optimizers::schedules type, or save_weights)",
            model.name
        )));
    }
    let (inputs, last_batch) = model_inputs(model, config.as_ref())?;
    let mut sizes = options.batch_sizes.clone();
    if let Some(b) = last_batch.filter(|&b| !sizes.contains(&None) && !sizes.contains(&Some(b))) {
        sizes.push(Some(b));
    }
    if sizes.is_empty() || sizes.contains(&Some(0)) {
        return Err(Error::InvalidArgument(format!(
            "SaveOptions.batch_sizes must be non-empty and positive, got {sizes:?}"
        )));
    }
    let specs = |b: Option<usize>| -> Vec<TensorSpec> { inputs.iter().map(|i| i.batched(b)).collect() };
    // Built at once (a subclassed model creates its weights on the first call); a model
    // whose code cannot be traced is an error, not a panic.
    let zeros: Vec<Tensor> = inputs.iter().map(InputSpec::zeros).collect();
    checked("save: building the model", || {
        crate::layers::build_pass(|| model.net.call_many(&zeros, false))
    })?;
    let trace = |name: &str, b: Option<usize>, training: bool| {
        let size = b.map_or("None".to_string(), |b| b.to_string());
        checked(&format!("save: tracing `{name}` for batch size {size}"), || {
            ConcreteFunction::trace(name, &specs(b), |xs| {
                vec![crate::layers::collect_losses(|| model.net.call_many(xs, training)).0]
            })
        })
    };
    let inference: Vec<_> = sizes.iter().map(|&b| trace("__call__", b, false)).collect::<Result<_>>()?;
    let training: Vec<_> = sizes.iter().map(|&b| trace("__call_training__", b, true)).collect::<Result<_>>()?;
    let input_names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let output_name = output_name(model, config.as_ref());
    let sigs = Signatures::new()
        .with(
            saved_model::DEFAULT_SERVING_SIGNATURE_DEF_KEY,
            Signature::new(&inference[0]).inputs(input_names).outputs([output_name]),
        )
        .concrete_functions("__call__", inference)
        .concrete_functions("__call_training__", training);
    let compile = match (model.optimizer, model.loss, optimizer_config) {
        (Some(o), Some(l), Some(config)) => json!({
            "optimizer": { "class_name": o.name(), "config": config },
            "loss": l.get_config(),
            "loss_name": l.name(),
            "metrics": model.metrics,
        }),
        _ => Value::Null,
    };
    let meta = json!({
        "format": FORMAT,
        "version": 1,
        "class_name": model.net.class_name(),
        "name": model.name,
        "config": config,
        "compile_config": compile,
        "input_specs": inputs.to_config(),
    });
    let text = serde_json::to_vec_pretty(&meta).map_err(|e| Error::InvalidArgument(format!("model metadata: {e}")))?;
    let root = super::WithOptimizer {
        net: model.net,
        optimizer: model.optimizer.map(|o| o.as_module()),
    };
    saved_model::save_with_files(&root, dir, &sigs, &[(KERAS_METADATA, &text)])
}

/// The model's inputs (name, shape without the batch, dtype) — a functional model's from its
/// config, otherwise the latest input of the forward pass or the declared input shape — and
/// the batch size it last ran on.
fn model_inputs(model: &Parts<'_>, config: Option<&crate::saving::config::Config>) -> Result<(Vec<InputSpec>, Option<usize>)> {
    let layers = model.net.layers();
    let mut last_batch = None;
    let inputs: Vec<InputSpec> = match config.and_then(|c| c.get("input_layers")) {
        Some(list) => ConfigValue::from_config(list, "Functional.input_layers")?,
        None => {
            let name = match (config, layers.first()) {
                (Some(_), Some(first)) => format!("{}_input", first.name()),
                _ => "input_1".to_string(),
            };
            let (dims, dtype) = match (&model.last_input, model.net.declared_input_shape()) {
                (Some(s), _) => {
                    last_batch = Some(s.shape.dims()[0]);
                    (s.shape.dims()[1..].to_vec(), s.dtype)
                }
                (None, Some(d)) => (d, tf_core::DType::F32),
                (None, None) => {
                    return Err(Error::InvalidArgument(format!(
                        "Model \"{}\" cannot be saved because its input shape is not available: call it on data (or declare `input_shape`) first",
                        model.name
                    )))
                }
            };
            vec![InputSpec { name, shape: dims, dtype }]
        }
    };
    Ok((inputs, last_batch))
}

/// The model's output name: its last layer's (Sequential, functional), else `output_1`.
fn output_name(model: &Parts<'_>, config: Option<&crate::saving::config::Config>) -> String {
    match (config, model.net.layers().last()) {
        (Some(_), Some(l)) => l.name(),
        _ => "output_1".to_string(),
    }
}

/// `model.export(path, format="onnx")` (Keras 3): the inference forward pass as an ONNX
/// model (see [`tf_core::onnx::export`]) with the inputs and outputs named as `save` and
/// Keras's `output_names` name them, the batch dimension symbolic, the weights' current
/// values as initializers.
pub fn export_onnx<L: Layer>(model: &Model<L>, path: impl AsRef<Path>) -> Result<()> {
    let parts = Parts {
        net: model.net(),
        name: model.name(),
        optimizer: None,
        loss: None,
        metrics: Vec::new(),
        last_input: model.last_input.lock().unwrap_or_else(|p| p.into_inner()).clone(),
    };
    let config = parts.net.get_config();
    let (inputs, _) = model_inputs(&parts, config.as_ref())?;
    let zeros: Vec<Tensor> = inputs.iter().map(InputSpec::zeros).collect();
    checked("export: building the model", || {
        crate::layers::build_pass(|| parts.net.call_outputs(&zeros, false))
    })?;
    let specs: Vec<(&str, TensorSpec)> = inputs.iter().map(|i| (i.name.as_str(), i.batched(None))).collect();
    let outputs = match parts.net.num_outputs() {
        1 => vec![output_name(&parts, config.as_ref())],
        _ => parts.net.output_names(),
    };
    let outputs: Vec<&str> = outputs.iter().map(String::as_str).collect();
    tf_core::onnx::export(path, &specs, &outputs, |xs| {
        crate::layers::collect_losses(|| parts.net.call_outputs(xs, false)).0
    })
}

/// `keras.models.load_model(dir)`: the model [`save_model`] wrote, compiled as it was (when
/// it was), with its weights and optimizer state. A Sequential or functional model is rebuilt
/// from its config; a subclassed one is revived from its traced functions.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, layers::{Dense, Layer}};
/// # let dir = std::env::temp_dir().join(format!("tf-doc-keras-save-{}", std::process::id()));
/// let mut model = keras::sequential![Dense::new(4).activation("relu").input_shape([3]), Dense::new(2)];
/// model.compile("adam", "mse", ());
/// model.save(&dir)?;
///
/// let loaded = keras::models::load_model(&dir)?;
/// let x = tf::ones([1, 3], tf::float32);
/// assert_eq!(loaded.call(&x, false).to_vec::<f32>(), model.call(&x, false).to_vec::<f32>());
/// assert_eq!(loaded.get_config(), model.get_config());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tf::Error>(())
/// ```
///
/// # Errors
/// `NotFound` when `dir` holds no Keras SavedModel; `DataLoss` for damaged files;
/// `Unimplemented` for a layer, loss or optimizer class this build does not know;
/// `InvalidArgument` for a malformed config.
pub fn load_model(dir: impl AsRef<Path>) -> Result<Model<Box<dyn Layer>>> {
    let dir = dir.as_ref();
    let file = dir.join(KERAS_METADATA);
    let bytes = std::fs::read(&file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!(
            "{}: no Keras model here ({KERAS_METADATA} is missing; a SavedModel without it loads with tf::saved_model::load)",
            dir.display()
        )),
        _ => Error::io(&file, e),
    })?;
    let damaged = |what: String| Error::DataLoss(format!("{}: {what}", file.display()));
    let meta: Value = serde_json::from_slice(&bytes).map_err(|e| damaged(format!("not valid JSON ({e})")))?;
    if meta["format"] != FORMAT {
        return Err(damaged("not a tf-keras model's metadata".into()));
    }
    match meta["version"].as_u64() {
        Some(1) => {}
        v => {
            return Err(Error::Unimplemented(format!(
                "{}: metadata version {v:?}; this build of tf-keras reads version 1",
                file.display()
            )))
        }
    }
    let name = meta["name"].as_str().unwrap_or("model").to_string();
    let class_name = meta["class_name"].as_str().unwrap_or("Model").to_string();
    let specs: Vec<InputSpec> = ConfigValue::from_config(&meta["input_specs"], "input_specs").map_err(|e| damaged(e.to_string()))?;
    let examples: Vec<Tensor> = specs.iter().map(InputSpec::zeros).collect();
    let net: Box<dyn Layer> = if meta["config"].is_object() {
        let net = crate::layers::deserialize(&json!({ "class_name": class_name, "config": meta["config"] }))?;
        let what = format!("{}: building the model for its saved input specs", file.display());
        checked(&what, || crate::layers::build_pass(|| net.call_many(&examples, false)))?;
        net
    } else {
        Box::new(Revived {
            loaded: saved_model::load(dir)?,
            name: name.clone(),
            class_name,
        })
    };
    let mut model = Model::wrap(net).with_name(name);
    if let Some(c) = meta["compile_config"].as_object() {
        let optimizer = crate::optimizers::deserialize(&c["optimizer"])?;
        let loss: Box<dyn crate::losses::Loss> = match &c["loss"] {
            Value::Null => {
                return Err(Error::Unimplemented(format!(
                    "{}: the model was compiled with a loss (`{}`) that has no config",
                    file.display(),
                    c["loss_name"]
                )))
            }
            v => crate::losses::deserialize(v)?,
        };
        let metrics: Vec<MetricArg> = c["metrics"]
            .as_array()
            .map(|m| m.iter().filter_map(Value::as_str).map(|n| MetricArg::Name(n.to_string())).collect())
            .unwrap_or_default();
        model.compile(optimizer, loss, metrics);
    }
    super::load_weights(&model, dir.join(VARIABLES_PREFIX))?;
    Ok(model)
}

/// A subclassed model loaded without its code: its traced functions and variables.
pub struct Revived {
    loaded: LoadedModel,
    name: String,
    class_name: String,
}

impl Revived {
    /// The SavedModel behind it.
    pub fn saved_model(&self) -> &LoadedModel {
        &self.loaded
    }
}

impl Module for Revived {
    fn name(&self) -> String {
        self.name.clone()
    }
    /// The saved model's variables under their checkpoint paths, the optimizer's left out
    /// (the compiled model adds its own optimizer).
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        struct Weights<'b, 'a>(&'b mut dyn Visitor<'a>);
        impl<'a> Visitor<'a> for Weights<'_, 'a> {
            fn variable(&mut self, path: String, var: &'a tf_core::Variable, trainable: bool) {
                if !path.starts_with("optimizer/") {
                    self.0.variable(path, var, trainable);
                }
            }
            fn module(&mut self, path: String, module: &'a dyn Module, trainable: bool) {
                self.0.module(path, module, trainable);
            }
        }
        self.loaded.visit_fields(&mut Weights(v));
    }
}

impl Layer for Revived {
    /// Runs the traced call for `x`'s shape (`__call_training__` when training).
    ///
    /// # Panics
    /// When no function was traced for `x`'s dtype and shape, listing those that were.
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        let name = if training { "__call_training__" } else { "__call__" };
        let f = self.loaded.function(name).unwrap_or_else(|e| panic!("{e}"));
        match f.call(std::slice::from_ref(x)) {
            Ok(mut out) => out.swap_remove(0),
            Err(e) => panic!("{e}"),
        }
    }
    fn class_name(&self) -> String {
        self.class_name.clone()
    }
}
