//! Weights on disk: `save_weights` / `load_weights` in TensorFlow's checkpoint format (the
//! Keras 2 default: `weights.index` + `weights.data-00000-of-00001`, keys
//! `layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`, optimizer included, readable by
//! `model.load_weights` in Python), or as safetensors for a `.safetensors` path (keys = each
//! variable's path in the model, `dense/kernel`).

pub mod config;
mod model;

pub use model::{export_onnx, load_model, save_model, Revived, SaveOptions, KERAS_METADATA};
pub(crate) use model::{metric_names, save_parts, Parts};

use std::collections::BTreeMap;
use std::path::Path;
use tf_core::module::Visitor;
use tf_core::train::Checkpoint;
use tf_core::{safetensors, Error, Module, Result};

fn is_safetensors(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "safetensors")
}

fn refuse_hdf5(path: &Path) -> Result<()> {
    if path.extension().is_some_and(|e| e == "h5" || e == "hdf5" || e == "keras") {
        return Err(Error::Unimplemented(format!(
            "{}: HDF5 / .keras weight files are not supported; use a TensorFlow checkpoint path (no extension) or .safetensors",
            path.display()
        )));
    }
    Ok(())
}

/// `model.save_weights(path)`: every variable of `model` (and, for a compiled Keras model, its
/// optimizer's) as a TensorFlow checkpoint at `path`, or a safetensors file when `path` ends
/// in `.safetensors`. Written atomically; the directory's `checkpoint` file names it.
///
/// # Errors
/// `Io` when a file cannot be written; `Unimplemented` for `.h5`/`.keras` paths.
pub fn save_weights(model: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    refuse_hdf5(path)?;
    if is_safetensors(path) {
        let vars = model.named_variables();
        let order: Vec<&str> = vars.iter().map(|(p, _, _)| p.as_str()).collect();
        let mut meta = BTreeMap::new();
        meta.insert("format".to_string(), "tf-keras-weights".to_string());
        meta.insert(ORDER_KEY.to_string(), serde_json::to_string(&order).expect("a list of strings"));
        let tensors: BTreeMap<String, tf_core::Tensor> = vars.iter().map(|(p, v, _)| (p.clone(), v.value())).collect();
        return safetensors::save_file(&tensors, path, Some(&meta));
    }
    Checkpoint::of(model).write(path)?;
    tf_core::train::update_checkpoint_state(path)
}

/// `model.load_weights(path)`: the counterpart of [`save_weights`]. Every variable of the
/// model is checked (name or object path, shape, dtype) before any is assigned. A
/// safetensors file is matched by variable name, or by position when the names differ (a
/// second instance of the same model, its layers numbered `dense_1`, ...). From a
/// TensorFlow checkpoint, weights of layers not built yet are assigned when they are built;
/// optimizer values are assigned when present.
///
/// # Errors
/// `Io`/`DataLoss` for an unreadable file; `NotFound` naming a variable the file lacks;
/// `InvalidArgument` for a shape or dtype mismatch.
pub fn load_weights(model: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    refuse_hdf5(path)?;
    if !is_safetensors(path) {
        let status = Checkpoint::of(model).restore_checked(path, |status| {
            let missing: Vec<&String> = status.unmatched_objects().iter().filter(|p| !p.starts_with("optimizer/")).collect();
            if missing.is_empty() {
                return Ok(());
            }
            Err(Error::NotFound(format!(
                "{}: no weights for {missing:?} (the checkpoint's unused values: {:?})",
                path.display(),
                status.unused_values()
            )))
        })?;
        status.expect_partial();
        return Ok(());
    }
    let (stored, meta) = safetensors::load_file_with_metadata(path)?;
    let vars = model.named_variables();
    // By name; or, when the names differ (a second instance of the model in this process:
    // `dense_1/kernel` for `dense/kernel`) and the file lists its variables in model order,
    // by position, as Keras loads HDF5 weights by topological order.
    let saved_order: Option<Vec<String>> = meta.get(ORDER_KEY).and_then(|o| serde_json::from_str(o).ok());
    let by_name = vars.iter().all(|(p, _, _)| stored.contains_key(p));
    let key = |i: usize, p: &str| -> Result<String> {
        if by_name {
            return Ok(p.to_string());
        }
        match &saved_order {
            Some(order) if order.len() == vars.len() => Ok(order[i].clone()),
            _ => Err(Error::NotFound(format!(
                "{}: no weights for variable {p:?} (the file has {:?}{})",
                path.display(),
                stored.keys().collect::<Vec<_>>(),
                match &saved_order {
                    Some(order) => format!(", {} variables where the model has {}", order.len(), vars.len()),
                    None => String::new(),
                }
            ))),
        }
    };
    let mut plan = Vec::with_capacity(vars.len());
    for (i, (p, v, _)) in vars.iter().enumerate() {
        let k = key(i, p)?;
        let t = stored
            .get(&k)
            .ok_or_else(|| Error::DataLoss(format!("{}: the variable list names {k:?}, which the file lacks", path.display())))?;
        if *t.shape() != v.shape() || t.dtype() != v.dtype() {
            let of = if k == *p {
                format!("{p:?}")
            } else {
                format!("{p:?} (saved as {k:?})")
            };
            return Err(Error::InvalidArgument(format!(
                "{}: weights for {of} are {} {}, the variable is {} {}",
                path.display(),
                t.dtype(),
                t.shape(),
                v.dtype(),
                v.shape()
            )));
        }
        plan.push((v, t));
    }
    for (v, t) in plan {
        v.assign(t);
    }
    Ok(())
}

/// The safetensors metadata entry listing the saved variables in model order (a JSON list).
const ORDER_KEY: &str = "tf_keras_variable_order";

/// A compiled model's checkpoint edges: the network's, then `optimizer` (Keras's layout).
pub(crate) fn visit_with_optimizer<'a>(net: &'a dyn Module, optimizer: Option<&'a dyn Module>, v: &mut dyn Visitor<'a>) {
    net.visit_checkpoint(v);
    if let Some(o) = optimizer {
        v.module("optimizer".into(), o, false);
    }
}

/// A network with its optimizer, as a compiled model's checkpoint sees them (what `fit`'s
/// callbacks save).
pub(crate) struct WithOptimizer<'a> {
    pub net: &'a dyn Module,
    pub optimizer: Option<&'a dyn Module>,
}

impl Module for WithOptimizer<'_> {
    fn name(&self) -> String {
        self.net.name()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.net.visit_fields(v);
    }
    fn visit_checkpoint<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        visit_with_optimizer(self.net, self.optimizer, v);
    }
}
