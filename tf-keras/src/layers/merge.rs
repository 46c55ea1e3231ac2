//! Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate. They take
//! several inputs through
//! [`Layer::call_many`].

use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::layer_config;
use tf_core::{self as tf, Tensor};

#[track_caller]
fn need_two(name: &str, inputs: &[Tensor]) {
    if inputs.len() < 2 {
        panic!(
            "A merge layer should be called on a list of at least 2 inputs. Got {} inputs (layer \"{name}\").",
            inputs.len()
        );
    }
}

/// A merge layer with no settings whose `call_many` is `$merge(name, inputs)`.
macro_rules! merge_layer {
    ($(#[$m:meta])* $ty:ident, $prefix:literal, $class:literal, $merge:expr) => {
        $(#[$m])*
        pub struct $ty {
            base: Base,
        }
        layer_common!($ty, []);
        layer_config!($ty, $ty::new(), {});
        impl $ty {
            /// The merge layer.
            pub fn new() -> $ty {
                $ty {
                    base: Base::new($prefix),
                }
            }
        }
        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }
        impl Layer for $ty {
            layer_methods!($class);
            #[track_caller]
            fn call(&self, x: &Tensor, training: bool) -> Tensor {
                self.call_many(std::slice::from_ref(x), training)
            }
            #[track_caller]
            fn call_many(&self, inputs: &[Tensor], _training: bool) -> Tensor {
                let merge: fn(&str, &[Tensor]) -> Tensor = $merge;
                merge(&self.base.name, inputs)
            }
        }
    };
}
/// A merge layer folding its inputs with an elementwise `$op` (two or more inputs).
macro_rules! elementwise_merge {
    ($(#[$m:meta])* $ty:ident, $prefix:literal, $class:literal, $op:path) => {
        merge_layer!($(#[$m])* $ty, $prefix, $class, |name, inputs| {
            need_two(name, inputs);
            inputs[1..].iter().fold(inputs[0].clone(), |acc, x| $op(&acc, x))
        });
    };
}

elementwise_merge!(
    /// `keras.layers.Add()`: the elementwise sum of its inputs.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Add, Layer};
    /// let (a, b) = (tf::constant([0.0f32, 1.0, 2.0, 3.0, 4.0]), tf::constant([5.0f32, 6.0, 7.0, 8.0, 9.0]));
    /// assert_eq!(Add::new().call_many(&[a, b], false).to_vec::<f32>(), vec![5.0, 7.0, 9.0, 11.0, 13.0]);
    /// ```
    Add,
    "add",
    "Add",
    tf::add
);
elementwise_merge!(
    /// `keras.layers.Multiply()`: the elementwise product of its inputs.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, Multiply};
    /// let (a, b) = (tf::constant([0.0f32, 1.0, 2.0, 3.0, 4.0]), tf::constant([5.0f32, 6.0, 7.0, 8.0, 9.0]));
    /// assert_eq!(Multiply::new().call_many(&[a, b], false).to_vec::<f32>(), vec![0.0, 6.0, 14.0, 24.0, 36.0]);
    /// ```
    Multiply,
    "multiply",
    "Multiply",
    tf::multiply
);

elementwise_merge!(
    /// `keras.layers.Maximum()`: the elementwise maximum of its inputs.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, Maximum};
    /// let (a, b) = (tf::constant([0.0f32, 7.0, 2.0]), tf::constant([5.0f32, 6.0, 7.0]));
    /// assert_eq!(Maximum::new().call_many(&[a, b], false).to_vec::<f32>(), vec![5.0, 7.0, 7.0]);
    /// ```
    Maximum,
    "maximum",
    "Maximum",
    tf::maximum
);
elementwise_merge!(
    /// `keras.layers.Minimum()`: the elementwise minimum of its inputs.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, Minimum};
    /// let (a, b) = (tf::constant([0.0f32, 7.0, 2.0]), tf::constant([5.0f32, 6.0, 7.0]));
    /// assert_eq!(Minimum::new().call_many(&[a, b], false).to_vec::<f32>(), vec![0.0, 6.0, 2.0]);
    /// ```
    Minimum,
    "minimum",
    "Minimum",
    tf::minimum
);

merge_layer!(
    /// `keras.layers.Subtract()`: its first input minus its second (exactly two).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, Subtract};
    /// let (a, b) = (tf::constant([5.0f32, 7.0]), tf::constant([1.0f32, 10.0]));
    /// assert_eq!(Subtract::new().call_many(&[a, b], false).to_vec::<f32>(), vec![4.0, -3.0]);
    /// ```
    Subtract,
    "subtract",
    "Subtract",
    |name, inputs| match inputs {
        [a, b] => a - b,
        _ => panic!(
            "A `Subtract` layer should be called on exactly 2 inputs. Received: {} inputs (layer \"{name}\").",
            inputs.len()
        ),
    }
);
merge_layer!(
    /// `keras.layers.Average()`: the elementwise mean of its inputs.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Average, Layer};
    /// let (a, b) = (tf::constant([1.0f32, 7.0]), tf::constant([3.0f32, 10.0]));
    /// assert_eq!(Average::new().call_many(&[a, b], false).to_vec::<f32>(), vec![2.0, 8.5]);
    /// ```
    Average,
    "average",
    "Average",
    |name, inputs| {
        need_two(name, inputs);
        let sum = inputs[1..].iter().fold(inputs[0].clone(), |acc, x| &acc + x);
        &sum / &tf::scalar(inputs.len() as f64, sum.dtype())
    }
);

/// `keras.layers.Concatenate(axis=-1)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Concatenate, Layer};
/// let x = tf::reshape(&tf::range(20.0f32), [2, 2, 5]);
/// let y = tf::reshape(&tf::range((20.0f32, 30.0)), [2, 1, 5]);
/// assert_eq!(Concatenate::new(1).call_many(&[x, y], false).shape().dims(), &[2, 3, 5]);
/// ```
pub struct Concatenate {
    base: Base,
    axis: i64,
}
layer_common!(Concatenate, []);
layer_config!(Concatenate, Concatenate::new(-1), { "axis" => axis });
impl Concatenate {
    /// Concatenation along `axis` (Keras's default is -1).
    pub fn new(axis: i64) -> Concatenate {
        Concatenate {
            base: Base::new("concatenate"),
            axis,
        }
    }
}
impl Default for Concatenate {
    fn default() -> Self {
        Self::new(-1)
    }
}
impl Layer for Concatenate {
    layer_methods!("Concatenate");
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.call_many(std::slice::from_ref(x), training)
    }
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], _training: bool) -> Tensor {
        need_two(&self.base.name, inputs);
        tf::concat(&inputs.iter().collect::<Vec<_>>(), self.axis)
    }
}
