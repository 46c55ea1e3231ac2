//! Weights on disk: `save_weights` / `load_weights` as safetensors, keyed by each variable's
//! path in the model (`dense/kernel`).

use std::collections::BTreeMap;
use std::path::Path;
use tf_core::{safetensors, Error, Module, Result};

/// Writes every variable of `model` to a safetensors file at `path` (atomically).
///
/// # Errors
/// `Io` when the file cannot be written.
pub fn save_weights(model: &(impl Module + ?Sized), path: impl AsRef<Path>) -> Result<()> {
    let tensors: BTreeMap<String, tf_core::Tensor> = model.named_variables().into_iter().map(|(p, v, _)| (p, v.value())).collect();
    let mut meta = BTreeMap::new();
    meta.insert("format".to_string(), "tf-keras-weights".to_string());
    safetensors::save_file(&tensors, path, Some(&meta))
}

/// Assigns every variable of `model` from a file written by [`save_weights`]. Checks every
/// name, shape and dtype before assigning anything.
///
/// # Errors
/// `Io`/`DataLoss` for an unreadable file; `NotFound` naming a variable the file lacks;
/// `InvalidArgument` for a shape or dtype mismatch.
pub fn load_weights(model: &(impl Module + ?Sized), path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let stored = safetensors::load_file(path)?;
    let vars = model.named_variables();
    for (p, v, _) in &vars {
        let t = stored.get(p).ok_or_else(|| {
            Error::NotFound(format!(
                "{}: no weights for variable {p:?} (the file has {:?})",
                path.display(),
                stored.keys().collect::<Vec<_>>()
            ))
        })?;
        if *t.shape() != v.shape() || t.dtype() != v.dtype() {
            return Err(Error::InvalidArgument(format!(
                "{}: weights for {p:?} are {} {}, the variable is {} {}",
                path.display(),
                t.dtype(),
                t.shape(),
                v.dtype(),
                v.shape()
            )));
        }
    }
    for (p, v, _) in &vars {
        v.assign(&stored[p]);
    }
    Ok(())
}
