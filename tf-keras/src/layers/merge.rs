//! Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate. They take
//! several inputs through
//! [`Layer::call_many`].

use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::{layer_config, ConfigValue};
use tf_core::{self as tf, DType, Tensor};

#[track_caller]
fn need_two(name: &str, inputs: &[Tensor]) {
    if inputs.len() < 2 {
        panic!(
            "A merge layer should be called on a list of at least 2 inputs. Got {} inputs (layer \"{name}\").",
            inputs.len()
        );
    }
}

/// The merges' output mask (Keras's `_Merge.compute_mask`): a step is kept where every masked
/// input keeps it; `None` when no input is masked.
fn all_masks(masks: &[Option<Tensor>]) -> Option<Tensor> {
    masks.iter().flatten().cloned().reduce(|a, b| tf::logical_and(&a, &b))
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
            fn supports_masking(&self) -> bool {
                true
            }
            fn compute_mask(&self, _inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
                all_masks(masks)
            }
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
    fn supports_masking(&self) -> bool {
        true
    }
    /// Keras's rule: each input's mask widened to its input's shape (all true for an
    /// unmasked input), concatenated along `axis`, then kept where all of the last axis is.
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        masks.iter().flatten().next()?;
        let wide: Vec<Tensor> = inputs
            .iter()
            .zip(masks)
            .map(|(x, m)| match m {
                None => tf::cast(&tf::ones_like(x), DType::Bool),
                Some(m) if m.rank() < x.rank() => tf::expand_dims(m, -1),
                Some(m) => m.clone(),
            })
            .collect();
        let joined = tf::concat(&wide.iter().collect::<Vec<_>>(), self.axis);
        Some(tf::reduce_all(&joined, -1, false))
    }
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

/// `Dot`'s `axes`: one axis for both inputs (`1`, as Keras's `axes=1`) or one each (`(1, 2)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DotAxes(pub i64, pub i64);

impl From<i64> for DotAxes {
    fn from(a: i64) -> DotAxes {
        DotAxes(a, a)
    }
}
impl From<(i64, i64)> for DotAxes {
    fn from((a, b): (i64, i64)) -> DotAxes {
        DotAxes(a, b)
    }
}
impl ConfigValue for DotAxes {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!([self.0, self.1])
    }
    /// An int (Keras's `axes=1`) or a pair.
    fn from_config(v: &serde_json::Value, key: &str) -> tf::Result<DotAxes> {
        match v.as_i64() {
            Some(a) => Ok(DotAxes(a, a)),
            None => <(i64, i64)>::from_config(v, key).map(DotAxes::from),
        }
    }
}

/// `keras.layers.Dot(axes, normalize=False)`: per sample, the dot products of two inputs
/// along `axes` (one axis for both, or one each; the batch axis 0 excluded), Keras's
/// `batch_dot`: the result has the first input's other axes, then the second's (a `[batch]`
/// result becomes `[batch, 1]`). `normalize` takes cosine similarities.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Dot, Layer};
/// // Keras's documented example.
/// let x = tf::reshape(&tf::range(10.0f32), [1, 5, 2]);
/// let y = tf::reshape(&tf::range((10.0f32, 20.0)), [1, 2, 5]);
/// let d = Dot::new((1, 2)).call_many(&[x, y], false);
/// assert_eq!(d.to_vec::<f32>(), vec![260.0, 360.0, 320.0, 445.0]);
/// let a = tf::constant([[3.0f32, 4.0]]);
/// assert_eq!(Dot::new(1).call_many(&[a.clone(), a], false).to_vec::<f32>(), vec![25.0]); // axes=1
/// // Cosine similarities of every row of one with every row of the other.
/// let (p, q) = (tf::constant([[[1.0f32, 0.0], [1.0, 1.0]]]), tf::constant([[[0.0f32, 1.0], [2.0, 2.0], [1.0, 0.0]]]));
/// let cos = Dot::new((2, 2)).normalize(true).call_many(&[p, q], false);
/// let r = std::f32::consts::FRAC_1_SQRT_2;
/// tf::debugging::assert_near(&cos, &tf::constant([[[0.0f32, r, 1.0], [r, 1.0, r]]]), None, None).unwrap();
/// ```
pub struct Dot {
    base: Base,
    axes: DotAxes,
    normalize: bool,
}
layer_common!(Dot, []);
layer_config!(Dot, Dot::new((-1, -1)), { "axes" => axes, "normalize" => normalize });
impl Dot {
    /// The dot product along `axes` (the first input's axis, the second's).
    pub fn new(axes: impl Into<DotAxes>) -> Dot {
        Dot {
            base: Base::new("dot"),
            axes: axes.into(),
            normalize: false,
        }
    }
    /// `normalize=`: L2-normalize both inputs along the axes first (cosine similarity).
    pub fn normalize(mut self, n: bool) -> Self {
        self.normalize = n;
        self
    }
}
impl Layer for Dot {
    layer_methods!("Dot");
    fn supports_masking(&self) -> bool {
        true
    }
    /// A dot product has no steps left to mask (Keras returns no mask).
    fn compute_mask(&self, _inputs: &[Tensor], _masks: &[Option<Tensor>]) -> Option<Tensor> {
        None
    }
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.call_many(std::slice::from_ref(x), training)
    }
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], _training: bool) -> Tensor {
        let [x, y] = inputs else {
            panic!(
                "A `Dot` layer should be called on a list of 2 inputs. Received: {} inputs (layer \"{}\").",
                inputs.len(),
                self.base.name
            )
        };
        let axis = |a: i64, t: &Tensor| -> usize {
            let ax = tf::shape::normalize_axis(a, t.rank()).unwrap_or_else(|e| panic!("Layer \"{}\": {e}", self.base.name));
            if ax == 0 {
                panic!("Layer \"{}\": the dot axes cannot include the batch axis 0", self.base.name);
            }
            ax
        };
        let (ax, ay) = (axis(self.axes.0, x), axis(self.axes.1, y));
        let (x, y) = if self.normalize {
            (tf::nn::l2_normalize(x, ax as i64, 1e-12), tf::nn::l2_normalize(y, ay as i64, 1e-12))
        } else {
            (x.clone(), y.clone())
        };
        // Letters: `a` the batch, `z` the contracted axis, the others the free axes.
        let mut free = "bcdefghijklmnopqrstuvwxy".chars();
        let mut term = |rank: usize, contracted: usize| -> String {
            (0..rank)
                .map(|i| match i {
                    0 => 'a',
                    i if i == contracted => 'z',
                    _ => free.next().expect("fewer than 24 axes"),
                })
                .collect()
        };
        let (tx, ty) = (term(x.rank(), ax), term(y.rank(), ay));
        let out: String = tx.chars().chain(ty.chars().skip(1)).filter(|&c| c != 'z').collect();
        let d = tf::einsum(&format!("{tx},{ty}->{out}"), &[&x, &y]);
        if d.rank() == 1 {
            tf::expand_dims(&d, 1)
        } else {
            d
        }
    }
}
