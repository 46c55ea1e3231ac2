//! Keras for `tf`: layers, models, `compile`/`fit`, optimizers, losses, metrics, callbacks
//! and datasets, built on the public `tf-core` API only. The high-level API is being built
//! on top of the autodiff and graph-function layers; today this crate holds nothing yet.
