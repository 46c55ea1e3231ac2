//! Configs: Keras's `get_config()` / `from_config()` as JSON objects. Each setting type knows
//! its JSON form ([`ConfigValue`]); `layer_config!` gives a layer both directions from one
//! list of `"key" => field` pairs, so a key is never written one way and read another.

use crate::activations::Activation;
use crate::initializers::{Distribution, FanMode, Initializer};
use crate::regularizers::Regularizer;
use serde_json::{json, Map, Value};
use tf_core::nn::{Size2, Size3};
use tf_core::{Error, Result};

/// A layer's (or optimizer's, or loss's) config: Keras's `get_config()` dict.
pub type Config = Map<String, Value>;

fn bad(key: &str, want: &str, got: &Value) -> Error {
    Error::InvalidArgument(format!("config `{key}` must be {want}, got {got}"))
}

/// A setting with a JSON form in a config.
pub trait ConfigValue: Sized {
    /// The JSON value.
    fn to_config(&self) -> Value;
    /// The setting from its JSON value; `key` names it in errors.
    ///
    /// # Errors
    /// `InvalidArgument` naming `key` for a value of the wrong kind.
    fn from_config(v: &Value, key: &str) -> Result<Self>;
}

impl ConfigValue for bool {
    fn to_config(&self) -> Value {
        json!(self)
    }
    fn from_config(v: &Value, key: &str) -> Result<bool> {
        v.as_bool().ok_or_else(|| bad(key, "a bool", v))
    }
}
impl ConfigValue for f64 {
    fn to_config(&self) -> Value {
        json!(self)
    }
    fn from_config(v: &Value, key: &str) -> Result<f64> {
        v.as_f64().ok_or_else(|| bad(key, "a number", v))
    }
}
impl ConfigValue for usize {
    fn to_config(&self) -> Value {
        json!(self)
    }
    fn from_config(v: &Value, key: &str) -> Result<usize> {
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad(key, "a non-negative integer", v))
    }
}
impl ConfigValue for i64 {
    fn to_config(&self) -> Value {
        json!(self)
    }
    fn from_config(v: &Value, key: &str) -> Result<i64> {
        v.as_i64().ok_or_else(|| bad(key, "an integer", v))
    }
}
impl ConfigValue for String {
    fn to_config(&self) -> Value {
        json!(self)
    }
    fn from_config(v: &Value, key: &str) -> Result<String> {
        v.as_str().map(str::to_string).ok_or_else(|| bad(key, "a string", v))
    }
}
impl<T: ConfigValue> ConfigValue for Option<T> {
    fn to_config(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_config)
    }
    fn from_config(v: &Value, key: &str) -> Result<Option<T>> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_config(v, key).map(Some)
        }
    }
}
impl<T: ConfigValue> ConfigValue for Vec<T> {
    fn to_config(&self) -> Value {
        Value::Array(self.iter().map(T::to_config).collect())
    }
    fn from_config(v: &Value, key: &str) -> Result<Vec<T>> {
        v.as_array()
            .ok_or_else(|| bad(key, "a list", v))?
            .iter()
            .map(|x| T::from_config(x, key))
            .collect()
    }
}
impl<A: ConfigValue, B: ConfigValue> ConfigValue for (A, B) {
    fn to_config(&self) -> Value {
        json!([self.0.to_config(), self.1.to_config()])
    }
    fn from_config(v: &Value, key: &str) -> Result<(A, B)> {
        match v.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok((A::from_config(a, key)?, B::from_config(b, key)?)),
            _ => Err(bad(key, "a pair", v)),
        }
    }
}
impl<A: ConfigValue, B: ConfigValue, C: ConfigValue> ConfigValue for (A, B, C) {
    fn to_config(&self) -> Value {
        json!([self.0.to_config(), self.1.to_config(), self.2.to_config()])
    }
    fn from_config(v: &Value, key: &str) -> Result<(A, B, C)> {
        match v.as_array().map(Vec::as_slice) {
            Some([a, b, c]) => Ok((A::from_config(a, key)?, B::from_config(b, key)?, C::from_config(c, key)?)),
            _ => Err(bad(key, "a triple", v)),
        }
    }
}
/// `(height, width)` as Keras writes `kernel_size`, `strides`, `pool_size`.
impl ConfigValue for Size2 {
    fn to_config(&self) -> Value {
        json!([self.0, self.1])
    }
    fn from_config(v: &Value, key: &str) -> Result<Size2> {
        if let Some(n) = v.as_u64() {
            let n = usize::try_from(n).map_err(|_| bad(key, "a size", v))?;
            return Ok(Size2(n, n));
        }
        let (a, b) = <(usize, usize)>::from_config(v, key)?;
        Ok(Size2(a, b))
    }
}
/// `(depth, height, width)` as Keras writes a 3-D `kernel_size`, `strides`, `pool_size`.
impl ConfigValue for Size3 {
    fn to_config(&self) -> Value {
        json!([self.0, self.1, self.2])
    }
    fn from_config(v: &Value, key: &str) -> Result<Size3> {
        if let Some(n) = v.as_u64() {
            let n = usize::try_from(n).map_err(|_| bad(key, "a size", v))?;
            return Ok(Size3(n, n, n));
        }
        let (a, b, c) = <(usize, usize, usize)>::from_config(v, key)?;
        Ok(Size3(a, b, c))
    }
}
/// Padding, as Keras writes it: `"valid"`, `"same"` or (Conv1D) `"causal"`.
impl ConfigValue for &'static str {
    fn to_config(&self) -> Value {
        json!(self.to_ascii_lowercase())
    }
    fn from_config(v: &Value, key: &str) -> Result<&'static str> {
        match v.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("valid") => Ok("VALID"),
            Some("same") => Ok("SAME"),
            Some("causal") => Ok("CAUSAL"),
            _ => Err(bad(key, "\"valid\", \"same\" or \"causal\"", v)),
        }
    }
}
impl ConfigValue for Activation {
    fn to_config(&self) -> Value {
        json!(self.name())
    }
    fn from_config(v: &Value, key: &str) -> Result<Activation> {
        v.as_str()
            .and_then(Activation::parse)
            .ok_or_else(|| bad(key, "a Keras activation name", v))
    }
}

/// A dtype by its TensorFlow name (`"float32"`).
impl ConfigValue for tf_core::DType {
    fn to_config(&self) -> Value {
        json!(self.name())
    }
    fn from_config(v: &Value, key: &str) -> Result<tf_core::DType> {
        tf_core::DType::ALL
            .into_iter()
            .chain([tf_core::DType::String])
            .find(|d| v.as_str() == Some(d.name()))
            .ok_or_else(|| bad(key, "a dtype name", v))
    }
}

/// A model input as configs store it: `{"name": ..., "shape": [...], "dtype": ...}`, the shape
/// without the batch dimension (a functional model's `input_layers`, a saved model's
/// `input_specs`).
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// The input layer's name.
    pub name: String,
    /// The shape without the batch dimension.
    pub shape: Vec<usize>,
    /// The dtype.
    pub dtype: tf_core::DType,
}

impl InputSpec {
    /// The spec of a batch of `batch` such inputs (`None`: any batch size).
    pub fn batched(&self, batch: Option<usize>) -> tf_core::ops::TensorSpec {
        let mut shape = vec![batch.unwrap_or(tf_core::Shape::UNKNOWN)];
        shape.extend(&self.shape);
        tf_core::ops::TensorSpec::new(shape, self.dtype)
    }
    /// A batch of one zero input (what builds a model).
    pub fn zeros(&self) -> tf_core::Tensor {
        let s = self.batched(Some(1));
        tf_core::zeros(s.shape.dims(), s.dtype)
    }
}

impl ConfigValue for InputSpec {
    fn to_config(&self) -> Value {
        json!({ "name": self.name, "shape": self.shape, "dtype": self.dtype.name() })
    }
    fn from_config(v: &Value, key: &str) -> Result<InputSpec> {
        let c = v
            .as_object()
            .ok_or_else(|| bad(key, "an input {\"name\", \"shape\", \"dtype\"}", v))?;
        let mut s = InputSpec {
            name: String::new(),
            shape: Vec::new(),
            dtype: tf_core::DType::F32,
        };
        read(c, "name", key, &mut s.name)?;
        read(c, "shape", key, &mut s.shape)?;
        read(c, "dtype", key, &mut s.dtype)?;
        Ok(s)
    }
}

/// `{"class_name": ..., "config": {...}}`, Keras's serialized object.
fn object(class: &str, config: Value) -> Value {
    json!({ "class_name": class, "config": config })
}

/// The class name and config of a serialized `what` (`"layer"`, `"loss"`, ...).
///
/// # Errors
/// `InvalidArgument` when `v` is not `{"class_name": "...", "config": {...}}`.
pub fn class_and_config<'a>(v: &'a Value, what: &str) -> Result<(&'a str, &'a Config)> {
    match (
        v.get("class_name").and_then(Value::as_str),
        v.get("config").and_then(Value::as_object),
    ) {
        (Some(class), Some(c)) => Ok((class, c)),
        _ => Err(Error::InvalidArgument(format!(
            "a serialized {what} must be {{\"class_name\": ..., \"config\": {{...}}}}, got {v}"
        ))),
    }
}

fn split<'a>(v: &'a Value, key: &str) -> Result<(&'a str, &'a Value)> {
    match (v.get("class_name").and_then(Value::as_str), v.get("config")) {
        (Some(c), Some(cfg)) => Ok((c, cfg)),
        _ => Err(bad(key, "{\"class_name\": ..., \"config\": {...}}", v)),
    }
}

fn num(cfg: &Value, field: &str, key: &str) -> Result<f64> {
    let v = cfg
        .get(field)
        .ok_or_else(|| Error::InvalidArgument(format!("config `{key}` lacks `{field}`")))?;
    f64::from_config(v, &format!("{key}.{field}"))
}

impl ConfigValue for Initializer {
    fn to_config(&self) -> Value {
        match self {
            Initializer::Zeros => object("Zeros", json!({})),
            Initializer::Ones => object("Ones", json!({})),
            Initializer::Constant(v) => object("Constant", json!({ "value": v })),
            Initializer::RandomUniform(a, b) => object("RandomUniform", json!({ "minval": a, "maxval": b, "seed": null })),
            Initializer::RandomNormal(m, s) => object("RandomNormal", json!({ "mean": m, "stddev": s, "seed": null })),
            Initializer::TruncatedNormal(m, s) => object("TruncatedNormal", json!({ "mean": m, "stddev": s, "seed": null })),
            Initializer::VarianceScaling { scale, mode, distribution } => {
                let mode = match mode {
                    FanMode::FanIn => "fan_in",
                    FanMode::FanOut => "fan_out",
                    FanMode::FanAvg => "fan_avg",
                };
                let distribution = match distribution {
                    Distribution::TruncatedNormal => "truncated_normal",
                    Distribution::UntruncatedNormal => "untruncated_normal",
                    Distribution::Uniform => "uniform",
                };
                object(
                    "VarianceScaling",
                    json!({ "scale": scale, "mode": mode, "distribution": distribution, "seed": null }),
                )
            }
            Initializer::Orthogonal(g) => object("Orthogonal", json!({ "gain": g, "seed": null })),
            Initializer::Identity(g) => object("Identity", json!({ "gain": g })),
        }
    }
    fn from_config(v: &Value, key: &str) -> Result<Initializer> {
        let (class, cfg) = split(v, key)?;
        let n = |f: &str| num(cfg, f, key);
        Ok(match class {
            "Zeros" => Initializer::Zeros,
            "Ones" => Initializer::Ones,
            "Constant" => Initializer::Constant(n("value")?),
            "RandomUniform" => Initializer::RandomUniform(n("minval")?, n("maxval")?),
            "RandomNormal" => Initializer::RandomNormal(n("mean")?, n("stddev")?),
            "TruncatedNormal" => Initializer::TruncatedNormal(n("mean")?, n("stddev")?),
            "GlorotUniform" => Initializer::GLOROT_UNIFORM,
            "GlorotNormal" => Initializer::GLOROT_NORMAL,
            "HeNormal" => Initializer::HE_NORMAL,
            "HeUniform" => Initializer::HE_UNIFORM,
            "LecunNormal" => Initializer::LECUN_NORMAL,
            "LecunUniform" => Initializer::LECUN_UNIFORM,
            "VarianceScaling" => {
                let s = |f: &str| {
                    cfg.get(f)
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad(&format!("{key}.{f}"), "a string", cfg))
                };
                let mode = match s("mode")? {
                    "fan_in" => FanMode::FanIn,
                    "fan_out" => FanMode::FanOut,
                    "fan_avg" => FanMode::FanAvg,
                    _ => return Err(bad(&format!("{key}.mode"), "fan_in, fan_out or fan_avg", cfg)),
                };
                let distribution = match s("distribution")? {
                    "truncated_normal" | "normal" => Distribution::TruncatedNormal,
                    "untruncated_normal" => Distribution::UntruncatedNormal,
                    "uniform" => Distribution::Uniform,
                    _ => return Err(bad(&format!("{key}.distribution"), "a VarianceScaling distribution", cfg)),
                };
                Initializer::VarianceScaling {
                    scale: n("scale")?,
                    mode,
                    distribution,
                }
            }
            "Orthogonal" => Initializer::Orthogonal(n("gain")?),
            "Identity" => Initializer::Identity(n("gain")?),
            other => return Err(Error::Unimplemented(format!("config `{key}`: unknown initializer class `{other}`"))),
        })
    }
}

impl ConfigValue for Regularizer {
    fn to_config(&self) -> Value {
        match *self {
            Regularizer::L1(l1) => object("L1", json!({ "l1": l1 })),
            Regularizer::L2(l2) => object("L2", json!({ "l2": l2 })),
            Regularizer::L1L2 { l1, l2 } => object("L1L2", json!({ "l1": l1, "l2": l2 })),
        }
    }
    fn from_config(v: &Value, key: &str) -> Result<Regularizer> {
        let (class, cfg) = split(v, key)?;
        Ok(match class {
            "L1" => Regularizer::L1(num(cfg, "l1", key)?),
            "L2" => Regularizer::L2(num(cfg, "l2", key)?),
            "L1L2" => Regularizer::L1L2 {
                l1: num(cfg, "l1", key)?,
                l2: num(cfg, "l2", key)?,
            },
            other => return Err(Error::Unimplemented(format!("config `{key}`: unknown regularizer class `{other}`"))),
        })
    }
}

/// Reads `key` of `config` into `slot` when present (a missing key keeps the default, as
/// Keras's constructor arguments do).
///
/// # Errors
/// As [`ConfigValue::from_config`].
pub fn read<T: ConfigValue>(config: &Config, key: &str, class: &str, slot: &mut T) -> Result<()> {
    if let Some(v) = config.get(key) {
        *slot = T::from_config(v, &format!("{class}.{key}"))?;
    }
    Ok(())
}

/// Gives a layer `config()` and `from_config()` from one list of `"key" => field` pairs;
/// `$blank` builds the layer with defaults, before the config's values are read into it.
/// The layer's `name`, `trainable`, `dtype` and `batch_input_shape` come with every config.
macro_rules! layer_config {
    ($ty:ident, $blank:expr, { $($key:literal => $($f:ident).+),* $(,)? }) => {
        impl $ty {
            pub(crate) fn config(&self) -> $crate::saving::config::Config {
                #[allow(unused_mut)]
                let mut c = self.base.config();
                $( c.insert($key.into(), $crate::saving::config::ConfigValue::to_config(&self.$($f).+)); )*
                c
            }
            pub(crate) fn from_config(c: &$crate::saving::config::Config) -> tf_core::Result<$ty> {
                let mut l = $blank;
                l.base.read_config(c)?;
                $( $crate::saving::config::read(c, $key, stringify!($ty), &mut l.$($f).+)?; )*
                Ok(l)
            }
        }
    };
}
pub(crate) use layer_config;
