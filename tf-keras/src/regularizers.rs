//! `keras.regularizers`: weight penalties added to `model.losses`.

use tf_core::{self as tf, Tensor};

/// A weight penalty: `L1(l1)`, `L2(l2)` or `L1L2 { l1, l2 }` (Keras's defaults are 0.01).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::regularizers::Regularizer;
/// let w = tf::ones([2, 2], tf::float32);
/// tf::debugging::assert_near(&Regularizer::L2(0.01).call(&w), &tf::constant(0.04f32), None, None).unwrap(); // Keras: 0.04
/// let w = tf::constant([[1.0f32, -2.0]]);
/// tf::debugging::assert_near(&Regularizer::L1(0.01).call(&w), &tf::constant(0.03f32), None, None).unwrap();
/// assert_eq!(Regularizer::get("l2"), Regularizer::L2(0.01));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Regularizer {
    /// `l1 * Σ|w|`.
    L1(f64),
    /// `l2 * Σw²`.
    L2(f64),
    /// Both.
    L1L2 {
        /// The L1 factor.
        l1: f64,
        /// The L2 factor.
        l2: f64,
    },
}

impl Regularizer {
    /// `keras.regularizers.get("l1" | "l2" | "l1_l2")` with Keras's default factor 0.01.
    ///
    /// # Panics
    /// On an unknown name.
    #[track_caller]
    pub fn get(name: &str) -> Regularizer {
        match name {
            "l1" => Regularizer::L1(0.01),
            "l2" => Regularizer::L2(0.01),
            "l1_l2" => Regularizer::L1L2 { l1: 0.01, l2: 0.01 },
            _ => panic!("Could not interpret regularizer identifier: {name}"),
        }
    }

    /// The penalty for `w`, a scalar of its dtype.
    pub fn call(&self, w: &Tensor) -> Tensor {
        let (l1, l2) = match *self {
            Regularizer::L1(l1) => (l1, 0.0),
            Regularizer::L2(l2) => (0.0, l2),
            Regularizer::L1L2 { l1, l2 } => (l1, l2),
        };
        let mut total = tf::zeros([], w.dtype());
        if l1 != 0.0 {
            total = &total + &(&tf::reduce_sum(&tf::abs(w), None, false) * l1);
        }
        if l2 != 0.0 {
            total = &total + &(&tf::reduce_sum(&tf::square(w), None, false) * l2);
        }
        total
    }
}

impl From<&str> for Regularizer {
    #[track_caller]
    fn from(name: &str) -> Regularizer {
        Regularizer::get(name)
    }
}
