//! `tf`: TensorFlow 2's programming model, native in Rust.
//!
//! This facade only re-exports: the ops and types of `tf-core` at the top level (`tf::constant`,
//! `tf::matmul`, `tf::nn::relu`, ...), Keras as `tf::keras`, and the macros `#[tf::function]`
//! and `#[derive(tf::Module)]`.
//!
//! ```
//! use tf::prelude::*;
//! let a = tf::constant([1.0f32, 2.0]);
//! let b = tf::constant([3.0f32, 4.0]);
//! assert_eq!((&a + &b).to_string(), "tf.Tensor([4. 6.], shape=(2,), dtype=float32)");
//! ```

pub use tf_core::*;
pub use tf_keras as keras;
/// `#[derive(tf::Module)]` (the trait of the same name is `tf_core::Module`).
pub use tf_macros::Module;
/// `#[tf::function]`, and `tf::function_of!(f)` / `tf::to_code!(f)` for its traces and its
/// generated code.
pub use tf_macros::{function, function_of, to_code};

/// The names most programs need: `use tf::prelude::*;`.
pub mod prelude {
    pub use tf_core::{DType, Device, Element, GradientTape, Module, Shape, Tensor, Variable};
}
