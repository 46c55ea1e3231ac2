//! Keras for `tf`: layers, models, `compile`/`fit`, optimizers, losses, metrics, callbacks
//! and datasets, built on the public `tf-core` API only. Today: `datasets` (MNIST and
//! Fashion-MNIST loaders); the rest is being built on the autodiff and graph-function layers.
#![warn(missing_docs)]

pub mod datasets;
