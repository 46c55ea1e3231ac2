//! `keras.layers.Normalization`: features shifted and scaled by a mean and variance given
//! or learned from data with `adapt` (Keras's preprocessing layer).

use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::{Config, ConfigValue};
use std::sync::OnceLock;
use tf_core::{self as tf, data::Dataset, DType, Tensor, Variable};

/// Keras's `backend.epsilon()`, the floor of the standard deviation.
const EPSILON: f64 = 1e-7;

/// `keras.layers.Normalization(axis=-1, mean=None, variance=None, invert=False)`:
/// `(x - mean) / max(sqrt(variance), 1e-7)` per feature along `axis` (`None`: one mean and
/// variance for all values), or its inverse. The statistics are given, or learned from data
/// with [`adapt`](Self::adapt) (kept in the non-trainable weights `mean`, `variance` and
/// `count`, so they are saved and restored with the model).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, Normalization};
/// // Keras's documented examples.
/// let layer = Normalization::new(Some(-1));
/// layer.adapt(&tf::constant([[0.0f32, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]]))?;
/// assert_eq!(layer.call(&tf::constant([[0.0f32, 7.0, 4.0]]), false).to_vec::<f32>(), vec![-1.0, -1.0, -1.0]);
/// let given = Normalization::new(Some(-1)).mean_variance(vec![3.0], vec![2.0]);
/// let y = given.call(&tf::constant([[1.0f32], [2.0], [3.0]]), false);
/// tf::debugging::assert_near(&y, &tf::constant([[-1.4142135f32], [-0.70710677], [0.0]]), None, None)?;
/// # Ok::<(), tf::Error>(())
/// ```
pub struct Normalization {
    base: Base,
    axis: Option<i64>,
    given: Option<(Vec<f64>, Vec<f64>)>,
    invert: bool,
    mean: OnceLock<Variable>,
    variance: OnceLock<Variable>,
    count: OnceLock<Variable>,
}

layer_common!(Normalization, [mean, variance, count]);

impl Normalization {
    /// Statistics per feature along `axis` (Keras's default is `Some(-1)`), or over all
    /// values with `None`.
    pub fn new(axis: Option<i64>) -> Normalization {
        Normalization {
            base: Base::new("normalization"),
            axis,
            given: None,
            invert: false,
            mean: OnceLock::new(),
            variance: OnceLock::new(),
            count: OnceLock::new(),
        }
    }
    /// `mean=`, `variance=`: fixed statistics (one value, or one per feature), instead of
    /// `adapt`.
    pub fn mean_variance(mut self, mean: Vec<f64>, variance: Vec<f64>) -> Self {
        self.given = Some((mean, variance));
        self
    }
    /// `invert=`: map normalized values back (`mean + x * std`).
    pub fn invert(mut self, invert: bool) -> Self {
        self.invert = invert;
        self
    }
    /// The feature axis of a rank-`rank` input, or `None` for all values.
    fn feature_axis(&self, rank: usize) -> tf::Result<Option<usize>> {
        self.axis
            .map(|a| tf::shape::normalize_axis(a, rank).map_err(|e| tf::Error::InvalidArgument(format!("Normalization: {e}"))))
            .transpose()
    }

    /// The statistics' shape for `x`: `[features]`, or `[]` with `axis = None`.
    fn stats_shape(&self, x: &Tensor) -> tf::Result<Vec<usize>> {
        Ok(match self.feature_axis(x.rank())? {
            Some(a) => {
                let d = x.shape().dims()[a];
                if d == tf::Shape::UNKNOWN {
                    return Err(tf::Error::InvalidArgument(format!(
                        "Normalization: the feature axis {a} of {} must be known",
                        x.shape()
                    )));
                }
                vec![d]
            }
            None => vec![],
        })
    }

    /// The `mean`, `variance` and `count` weights, created for `x`'s feature count (mean 0,
    /// variance 1, count 0 until adapted).
    fn weights(&self, x: &Tensor) -> tf::Result<(&Variable, &Variable, &Variable)> {
        let shape = self.stats_shape(x)?;
        fn cell(slot: &OnceLock<Variable>, name: String, init: impl FnOnce() -> Tensor) -> &Variable {
            slot.get_or_init(|| Variable::with_options(init(), name, false))
        }
        let name = |w: &str| format!("{}/{w}", self.base.name);
        let mean = cell(&self.mean, name("mean"), || tf::zeros(shape.clone(), DType::F32));
        let variance = cell(&self.variance, name("variance"), || tf::ones(shape.clone(), DType::F32));
        let count = cell(&self.count, name("count"), || tf::scalar(0.0, DType::I64));
        if mean.shape().dims() != &shape[..] {
            return Err(tf::Error::InvalidArgument(format!(
                "Normalization \"{}\": data with {:?} features along the axis, but the layer has {:?}",
                self.base.name,
                shape,
                mean.shape().dims()
            )));
        }
        Ok((mean, variance, count))
    }

    /// `layer.adapt(data)`: the mean and (population) variance of `data` per feature, as the
    /// layer's statistics (replacing any earlier ones).
    ///
    /// # Errors
    /// `InvalidArgument` for a layer given its mean and variance, or data whose feature
    /// count differs from the layer's.
    pub fn adapt(&self, data: &Tensor) -> tf::Result<()> {
        self.reset(data)?;
        self.update(data)
    }

    /// `layer.adapt(dataset)`: the statistics of all the dataset's batches, merged batch by
    /// batch as Keras does.
    ///
    /// # Errors
    /// As [`adapt`](Self::adapt), an empty dataset, or a failing element.
    pub fn adapt_dataset(&self, data: &Dataset<Tensor>) -> tf::Result<()> {
        let mut first = true;
        for batch in data.iter() {
            let batch = batch?;
            if first {
                self.reset(&batch)?;
                first = false;
            }
            self.update(&batch)?;
        }
        if first {
            return Err(tf::Error::InvalidArgument("Normalization: adapt() on an empty dataset".into()));
        }
        Ok(())
    }

    fn reset(&self, x: &Tensor) -> tf::Result<()> {
        if self.given.is_some() {
            return Err(tf::Error::InvalidArgument(format!(
                "Normalization \"{}\" was given its mean and variance; it cannot adapt",
                self.base.name
            )));
        }
        let (mean, variance, count) = self.weights(x)?;
        mean.assign(&tf::zeros_like(&mean.value()));
        variance.assign(&tf::ones_like(&variance.value()));
        count.assign(&tf::scalar(0.0, DType::I64));
        Ok(())
    }

    /// Merges one batch's statistics into the weights (Keras's `update_state`).
    fn update(&self, x: &Tensor) -> tf::Result<()> {
        let (mean, variance, count) = self.weights(x)?;
        let x = tf::cast(x, DType::F32);
        let axes: Vec<i64> = match self.feature_axis(x.rank())? {
            Some(a) => (0..x.rank() as i64).filter(|&i| i != a as i64).collect(),
            None => (0..x.rank() as i64).collect(),
        };
        let n: usize = axes.iter().map(|&a| x.shape().dims()[a as usize]).product();
        if n == 0 {
            return Ok(());
        }
        let (batch_mean, batch_var) = tf::nn::moments(&x, axes, false);
        let seen = count.value().scalar::<i64>();
        let total = seen + n as i64;
        let w = n as f64 / total as f64;
        let f = |v: f64| tf::scalar(v, DType::F32);
        let (old_mean, old_var) = (mean.value(), variance.value());
        let new_mean = &(&old_mean * &f(1.0 - w)) + &(&batch_mean * &f(w));
        let spread = |m: &Tensor, v: &Tensor| v + &tf::square(&(m - &new_mean));
        let new_var = &(&spread(&old_mean, &old_var) * &f(1.0 - w)) + &(&spread(&batch_mean, &batch_var) * &f(w));
        mean.assign(&new_mean);
        variance.assign(&new_var);
        count.assign(&tf::scalar(total as f64, DType::I64));
        Ok(())
    }

    pub(crate) fn config(&self) -> Config {
        let mut c = self.base.config();
        c.insert("axis".into(), self.axis.map(|a| vec![a]).to_config());
        if let Some((m, v)) = &self.given {
            c.insert("mean".into(), m.to_config());
            c.insert("variance".into(), v.to_config());
        }
        c.insert("invert".into(), self.invert.to_config());
        c
    }

    pub(crate) fn from_config(c: &Config) -> tf::Result<Normalization> {
        let mut l = Normalization::new(Some(-1));
        l.base.read_config(c)?;
        if let Some(v) = c.get("axis") {
            // Keras writes a tuple of axes (`[-1]`) or null; one axis is supported.
            let axes: Option<Vec<i64>> = ConfigValue::from_config(v, "Normalization.axis")
                .or_else(|_| i64::from_config(v, "Normalization.axis").map(|a| Some(vec![a])))?;
            l.axis = match axes.as_deref() {
                None => None,
                Some([a]) => Some(*a),
                Some(more) => {
                    return Err(tf::Error::Unimplemented(format!(
                        "Normalization over several axes {more:?} (one axis or None is supported)"
                    )))
                }
            };
        }
        let stat = |k: &str| -> tf::Result<Option<Vec<f64>>> {
            match c.get(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => Vec::<f64>::from_config(v, &format!("Normalization.{k}"))
                    .or_else(|_| f64::from_config(v, &format!("Normalization.{k}")).map(|x| vec![x]))
                    .map(Some),
            }
        };
        if let (Some(m), Some(v)) = (stat("mean")?, stat("variance")?) {
            l.given = Some((m, v));
        }
        crate::saving::config::read(c, "invert", "Normalization", &mut l.invert)?;
        Ok(l)
    }
}

impl Layer for Normalization {
    layer_methods!("Normalization");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let x = tf::cast(x, DType::F32);
        let (mean, variance) = match &self.given {
            Some((m, v)) => {
                let t = |v: &[f64]| Tensor::from_vec(v.iter().map(|&x| x as f32).collect::<Vec<f32>>(), [v.len()]).expect("a vector");
                (t(m), t(v))
            }
            None => {
                let (m, v, _) = self.weights(&x).unwrap_or_else(|e| panic!("{e}"));
                (m.value(), v.value())
            }
        };
        // The statistics along the feature axis, broadcast over the others.
        let axis = self.feature_axis(x.rank()).unwrap_or_else(|e| panic!("{e}"));
        let shape: Vec<i64> = match axis {
            Some(a) => (0..x.rank()).map(|i| if i == a { -1 } else { 1 }).collect(),
            None => vec![],
        };
        let (mean, variance) = if shape.is_empty() && mean.num_elements() == 1 {
            (tf::reshape(&mean, [0i64; 0]), tf::reshape(&variance, [0i64; 0]))
        } else {
            (tf::reshape(&mean, &shape), tf::reshape(&variance, &shape))
        };
        let std = tf::maximum(&tf::sqrt(&variance), &tf::scalar(EPSILON, DType::F32));
        if self.invert {
            &mean + &(&x * &std)
        } else {
            &(&x - &mean) / &std
        }
    }
}
