//! Keras for `tf`: layers, the three ways to build models (`Sequential`, functional, and
//! subclassed structs), `compile`/`fit`/`evaluate`/`predict`, optimizers, losses, metrics,
//! callbacks and datasets — built on the public `tf-core` API only.
//!
//! ```
//! use tf_core as tf;
//! use tf_keras::{self as keras, layers::{Dense, Flatten}, losses::SparseCategoricalCrossentropy, optimizers::Adam};
//! let mut model = keras::sequential![
//!     Flatten::new().input_shape([28, 28]),
//!     Dense::new(128).activation("relu"),
//!     Dense::new(10),
//! ];
//! model.compile(Adam::default(), SparseCategoricalCrossentropy::new().from_logits(true), &["accuracy"]);
//! ```
#![warn(missing_docs)]

/// Builder setters in Keras's keyword style: `name: Type` gives
/// `pub fn name(mut self, v: Type) -> Self`, documented as `` `name=` ``; `name: into Type`
/// takes `impl Into<Type>`.
macro_rules! setters {
    () => {};
    ($name:ident: into $t:ty $(, $($rest:tt)*)?) => {
        #[doc = concat!("`", stringify!($name), "=`.")]
        pub fn $name(mut self, v: impl Into<$t>) -> Self {
            self.$name = v.into();
            self
        }
        setters!($($($rest)*)?);
    };
    ($name:ident: $t:ty $(, $($rest:tt)*)?) => {
        #[doc = concat!("`", stringify!($name), "=`.")]
        pub fn $name(mut self, v: $t) -> Self {
            self.$name = v;
            self
        }
        setters!($($($rest)*)?);
    };
}

pub mod activations;
pub mod callbacks;
pub mod datasets;
mod image_dataset;
pub mod initializers;
pub mod layers;
pub mod losses;
pub mod metrics;
mod model;
pub mod optimizers;
pub mod regularizers;
pub mod saving;
mod text_dataset;
mod timeseries;
pub mod utils;

/// `keras.models`: loading saved models.
pub mod models {
    pub use crate::saving::load_model;
}

pub use layers::clear_session;
pub use model::functional_api::Apply;
pub use model::training_api::Data;
pub use model::KerasInputs;
pub use model::{
    progbar, Batches, CompileArgs, EvaluateArgs, FitArgs, Functional, History, Input, KerasTensor, Logs, Model, PredictArgs, Sequential,
    Stack, StepContext, StepData, TrainStepFn, ValidationData,
};
