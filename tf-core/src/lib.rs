//! The core runtime of `tf`: dtypes, shapes, devices, the `Tensor` handle, the op registry
//! with its one dispatch point, and the public op functions.
#![warn(missing_docs)]

pub mod api;
pub mod autograph;
pub mod config;
pub mod data;
mod device;
mod display;
mod dtype;
mod error;
mod function;
pub mod graph;
pub mod io;
pub mod module;
pub mod onnx;
pub mod ops;
mod proto;
pub mod safetensors;
pub mod saved_model;
pub mod shape;
pub mod sparse;
pub mod summary;
mod tape;
mod tensor;
#[path = "testing.rs"]
pub mod test;
pub mod train;
mod variable;

pub use api::*;
pub use autograph::TensorArray;
pub use device::Device;
pub use dtype::{DType, Element};
pub use error::{Error, Result};
pub use function::{executing_eagerly, init_scope, run_functions_eagerly, ConcreteFunction, Function};
pub use module::{Module, Trackable};
pub use shape::Shape;
pub use tape::{
    custom_gradient, custom_gradient_with_variables, GradFunction, GradFunctionWithVariables, GradientTape, Source, SourceRef,
    StopRecording, UnconnectedGradients, Watchable,
};
pub use tensor::{Buffer, Squash, Tensor, TensorId};
pub use variable::Variable;
