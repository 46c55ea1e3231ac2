//! `keras.activations`: the activation functions layers take by name (`"relu"`, `"softmax"`, ...).

use tf_core::{self as tf, Squash, Tensor};

/// An activation function, chosen by its Keras name.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::activations::Activation;
/// let a = Activation::get("relu6");
/// assert_eq!(a, Activation::Relu6);
/// assert_eq!(a.apply(&tf::constant([-1.0f32, 3.0, 9.0])).to_vec::<f32>(), vec![0.0, 3.0, 6.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `"linear"` (also `None` in Keras): identity.
    Linear,
    /// `"relu"`.
    Relu,
    /// `"relu6"`.
    Relu6,
    /// `"sigmoid"`.
    Sigmoid,
    /// `"hard_sigmoid"`: `clip(0.2 x + 0.5, 0, 1)`.
    HardSigmoid,
    /// `"tanh"`.
    Tanh,
    /// `"softmax"` over the last axis.
    Softmax,
    /// `"log_softmax"` over the last axis.
    LogSoftmax,
    /// `"elu"`.
    Elu,
    /// `"selu"`.
    Selu,
    /// `"gelu"` (exact, Keras's default `approximate=False`).
    Gelu,
    /// `"softplus"`.
    Softplus,
    /// `"softsign"`.
    Softsign,
    /// `"swish"` / `"silu"`: `x * sigmoid(x)`.
    Swish,
    /// `"exponential"`.
    Exponential,
}

impl Activation {
    /// Looks an activation up by its Keras identifier.
    ///
    /// # Panics
    /// On an unknown name, with Keras's message.
    #[track_caller]
    pub fn get(name: &str) -> Activation {
        Activation::parse(name).unwrap_or_else(|| panic!("Could not interpret activation function identifier: {name}"))
    }

    /// The activation named `name`, or `None` for an unknown name.
    pub fn parse(name: &str) -> Option<Activation> {
        Some(match name {
            "linear" | "" => Activation::Linear,
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            "sigmoid" => Activation::Sigmoid,
            "hard_sigmoid" => Activation::HardSigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "log_softmax" => Activation::LogSoftmax,
            "elu" => Activation::Elu,
            "selu" => Activation::Selu,
            "gelu" => Activation::Gelu,
            "softplus" => Activation::Softplus,
            "softsign" => Activation::Softsign,
            "swish" | "silu" => Activation::Swish,
            "exponential" => Activation::Exponential,
            _ => return None,
        })
    }

    /// The Keras identifier.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Relu6 => "relu6",
            Activation::Sigmoid => "sigmoid",
            Activation::HardSigmoid => "hard_sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
            Activation::LogSoftmax => "log_softmax",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::Softplus => "softplus",
            Activation::Softsign => "softsign",
            Activation::Swish => "swish",
            Activation::Exponential => "exponential",
        }
    }

    /// Applies the activation. Softmax and sigmoid outputs record their logits
    /// ([`Tensor::with_logits`]), which the crossentropy losses use, as Keras's do.
    #[track_caller]
    pub fn apply(self, x: &Tensor) -> Tensor {
        match self {
            Activation::Linear => x.clone(),
            Activation::Relu => tf::nn::relu(x),
            Activation::Relu6 => tf::nn::relu6(x),
            Activation::Sigmoid => tf::sigmoid(x).with_logits(Squash::Sigmoid, x),
            Activation::HardSigmoid => {
                let y = x * 0.2 + 0.5;
                tf::clip_by_value(&y, &tf::zeros_like(&y), &tf::ones_like(&y))
            }
            Activation::Tanh => tf::tanh(x),
            Activation::Softmax => tf::nn::softmax(x, -1).with_logits(Squash::Softmax, x),
            Activation::LogSoftmax => tf::nn::log_softmax(x, -1),
            Activation::Elu => tf::nn::elu(x),
            Activation::Selu => tf::nn::selu(x),
            Activation::Gelu => tf::nn::gelu(x, false),
            Activation::Softplus => tf::nn::softplus(x),
            Activation::Softsign => tf::nn::softsign(x),
            Activation::Swish => tf::nn::silu(x, 1.0),
            Activation::Exponential => tf::exp(x),
        }
    }
}

impl From<&str> for Activation {
    #[track_caller]
    fn from(name: &str) -> Activation {
        Activation::get(name)
    }
}

/// `keras.activations.get(name)` applied: `activations::apply("relu", x)`.
#[track_caller]
pub fn apply(name: &str, x: &Tensor) -> Tensor {
    Activation::get(name).apply(x)
}
