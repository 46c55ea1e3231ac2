//! Keras's preprocessing layers for categorical features: `CategoryEncoding` and `Hashing`
//! (the guide "Working with preprocessing layers"), and the encoding they share with the
//! lookups (`lookup.rs`) and `Discretization`. They run as graph ops (a bincount, hashes), so
//! the layers work inside `fit`'s traced step.

use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::{layer_config, ConfigValue};
use tf_core::ops::{search, Attrs};
use tf_core::{self as tf, DType, Error, Result, Tensor};

/// Keras's `output_mode` of the categorical layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// The indices themselves (`"int"`).
    Int,
    /// One column per index, 1 at the sample's index (`"one_hot"`; one index a sample).
    OneHot,
    /// One column per index, 1 where the index occurs in the sample (`"multi_hot"`).
    MultiHot,
    /// One column per index, how often it occurs in the sample (`"count"`).
    Count,
    /// The counts times each index's inverse document frequency (`"tf_idf"`; the lookups
    /// only).
    TfIdf,
}

impl OutputMode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            OutputMode::Int => "int",
            OutputMode::OneHot => "one_hot",
            OutputMode::MultiHot => "multi_hot",
            OutputMode::Count => "count",
            OutputMode::TfIdf => "tf_idf",
        }
    }

    /// Panics, in Keras's words, for `tf_idf` on a layer that has no idf weights.
    #[track_caller]
    pub(crate) fn check_not_tf_idf(self, layer: &str) {
        if self == OutputMode::TfIdf {
            panic!("{layer}: output_mode \"tf_idf\" is for the lookup layers only; use \"int\", \"one_hot\", \"multi_hot\" or \"count\"");
        }
    }
}

impl From<&str> for OutputMode {
    #[track_caller]
    fn from(s: &str) -> OutputMode {
        match s {
            "int" => OutputMode::Int,
            "one_hot" => OutputMode::OneHot,
            "multi_hot" => OutputMode::MultiHot,
            "count" => OutputMode::Count,
            "tf_idf" => OutputMode::TfIdf,
            other => panic!("Unknown `output_mode` {other:?}: expected \"int\", \"one_hot\", \"multi_hot\", \"count\" or \"tf_idf\""),
        }
    }
}

impl ConfigValue for OutputMode {
    fn to_config(&self) -> serde_json::Value {
        self.name().into()
    }
    fn from_config(v: &serde_json::Value, key: &str) -> Result<OutputMode> {
        let s = v
            .as_str()
            .ok_or_else(|| Error::InvalidArgument(format!("config `{key}` must be a string, got {v}")))?;
        match s {
            "int" | "one_hot" | "multi_hot" | "count" | "tf_idf" => Ok(OutputMode::from(s)),
            other => Err(Error::Unimplemented(format!(
                "config `{key}`: output_mode {other:?} is not supported"
            ))),
        }
    }
}

/// Keras's `encode_categorical_inputs`: int indices `x` as one-hot, multi-hot or count columns
/// of `depth` (float32). A scalar is one sample; `one_hot` takes one index a sample (a last
/// dimension of 1 or none); the result has at most rank 2. With `check_range` an index outside
/// `[0, depth)` is an error when the op runs (Keras's `CategoryEncoding` check).
#[track_caller]
pub(super) fn encode(x: &Tensor, mode: OutputMode, depth: usize, check_range: bool, layer: &str) -> Tensor {
    let mut x = if x.dtype() == DType::I32 || x.dtype() == DType::I64 {
        x.clone()
    } else {
        tf::cast(x, DType::I64)
    };
    if x.rank() == 0 {
        x = tf::expand_dims(&x, -1);
    }
    if mode == OutputMode::OneHot && x.shape().dims().last() != Some(&1) {
        x = tf::expand_dims(&x, -1);
    }
    if x.rank() > 2 {
        panic!(
            "Layer \"{layer}\": when output_mode is not `'int'`, maximum supported output rank is 2. Received output_mode {} and an input of shape {}",
            mode.name(),
            x.shape()
        );
    }
    let attrs = Attrs::new()
        .int("size", depth as i64)
        .flag("binary_output", mode != OutputMode::Count)
        .flag("check_range", check_range)
        .dtype("dtype", DType::F32);
    tf::ops::execute1(&search::DENSE_BINCOUNT, &[&x], &attrs)
}

/// `keras.layers.CategoryEncoding(num_tokens, output_mode="multi_hot")`: int features
/// (`[batch]` or `[batch, k]`; floats are cast) as one-hot, multi-hot or count columns.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{CategoryEncoding, Layer};
/// let layer = CategoryEncoding::new(4).output_mode("count");
/// let y = layer.call(&tf::constant([[0i32, 1], [0, 0], [1, 2], [3, 1]]), false);
/// assert_eq!(y.to_vec::<f32>(), vec![1., 1., 0., 0., 2., 0., 0., 0., 0., 1., 1., 0., 0., 1., 0., 1.]);
/// ```
pub struct CategoryEncoding {
    base: Base,
    num_tokens: usize,
    output_mode: OutputMode,
}
layer_common!(CategoryEncoding, []);
layer_config!(CategoryEncoding, CategoryEncoding::new(0), { "num_tokens" => num_tokens, "output_mode" => output_mode });

impl CategoryEncoding {
    /// The layer for indices `0..num_tokens`.
    pub fn new(num_tokens: usize) -> CategoryEncoding {
        CategoryEncoding {
            base: Base::new("category_encoding"),
            num_tokens,
            output_mode: OutputMode::MultiHot,
        }
    }
    /// `output_mode=`: `"one_hot"`, `"multi_hot"` (the default) or `"count"`.
    ///
    /// # Panics
    /// For `"int"` or an unknown mode.
    #[track_caller]
    pub fn output_mode(mut self, mode: impl Into<OutputMode>) -> Self {
        let mode = mode.into();
        mode.check_not_tf_idf("CategoryEncoding");
        assert!(
            mode != OutputMode::Int,
            "CategoryEncoding's output_mode must be \"one_hot\", \"multi_hot\" or \"count\", got \"int\""
        );
        self.output_mode = mode;
        self
    }
}

impl Layer for CategoryEncoding {
    layer_methods!("CategoryEncoding");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        encode(x, self.output_mode, self.num_tokens, true, &self.base.name)
    }
}

/// `x`'s shape for a reshape, an unknown (traced) dimension as -1.
pub(super) fn restore(x: &Tensor) -> Vec<i64> {
    x.shape()
        .dims()
        .iter()
        .enumerate()
        .map(|(i, _)| x.shape().dim(i).map_or(-1, |d| d as i64))
        .collect()
}

/// `keras.layers.Hashing(num_bins, mask_value=None, salt=None, output_mode="int")`: each
/// value's bucket, as TensorFlow hashes it: FarmHash Fingerprint64 of a string, or of an
/// integer's decimal digits, modulo `num_bins`. With `salt`, SipHash-2-4 keyed by it instead
/// (`tf.strings.to_hash_bucket_strong`). With `mask_value`, that value takes bucket 0 and the
/// others `1 + hash mod (num_bins - 1)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Hashing, Layer};
/// let layer = Hashing::new(3);
/// let y = layer.call(&tf::constant([[0i64], [1], [123]]), false);
/// assert_eq!(y.to_vec::<i64>(), vec![1, 0, 1]); // TensorFlow's buckets
/// let y = Hashing::new(5).mask_value("").call(&tf::constant(["the", "fox", "", "Straße"]), false);
/// assert_eq!(y.to_vec::<i64>(), vec![3, 3, 0, 4]); // TensorFlow's buckets; "" is masked
/// // Keras's documented SipHash examples.
/// let x = tf::constant([["A"], ["B"], ["C"], ["D"], ["E"]]);
/// assert_eq!(Hashing::new(3).salt([133, 137]).call(&x, false).to_vec::<i64>(), vec![1, 2, 1, 0, 2]);
/// assert_eq!(Hashing::new(3).salt(133).call(&x, false).to_vec::<i64>(), vec![0, 0, 2, 1, 0]);
/// ```
pub struct Hashing {
    base: Base,
    num_bins: usize,
    mask_value: Option<MaskValue>,
    salt: Option<Salt>,
    output_mode: OutputMode,
}
layer_common!(Hashing, []);
layer_config!(Hashing, Hashing::new(1), {
    "num_bins" => num_bins, "mask_value" => mask_value, "salt" => salt, "output_mode" => output_mode,
});

/// `Hashing`'s `salt`: the two 64-bit halves of the SipHash key. One integer `s` is Keras's
/// `salt=s`, the key `[s, s]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Salt(pub [i64; 2]);

impl From<i64> for Salt {
    fn from(v: i64) -> Self {
        Salt([v, v])
    }
}
impl From<i32> for Salt {
    fn from(v: i32) -> Self {
        Salt::from(i64::from(v))
    }
}
impl From<[i64; 2]> for Salt {
    fn from(v: [i64; 2]) -> Self {
        Salt(v)
    }
}

impl ConfigValue for Salt {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!(self.0)
    }
    fn from_config(v: &serde_json::Value, key: &str) -> Result<Salt> {
        let bad = || {
            Error::InvalidArgument(format!(
                "config `{key}`: The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a single integer. Received: salt={v}."
            ))
        };
        if let Some(s) = v.as_i64() {
            return Ok(Salt::from(s));
        }
        match v.as_array().map(|a| a.iter().map(|x| x.as_i64()).collect::<Option<Vec<_>>>()) {
            Some(Some(k)) if k.len() == 2 => Ok(Salt([k[0], k[1]])),
            _ => Err(bad()),
        }
    }
}

/// `Hashing`'s `mask_value`: an integer or a string.
#[derive(Clone, Debug, PartialEq)]
pub enum MaskValue {
    /// For integer inputs.
    Int(i64),
    /// For string inputs.
    Str(String),
}

impl From<i64> for MaskValue {
    fn from(v: i64) -> Self {
        MaskValue::Int(v)
    }
}
impl From<i32> for MaskValue {
    fn from(v: i32) -> Self {
        MaskValue::Int(v.into())
    }
}
impl From<&str> for MaskValue {
    fn from(v: &str) -> Self {
        MaskValue::Str(v.into())
    }
}

impl ConfigValue for MaskValue {
    fn to_config(&self) -> serde_json::Value {
        match self {
            MaskValue::Int(v) => (*v).into(),
            MaskValue::Str(s) => s.as_str().into(),
        }
    }
    fn from_config(v: &serde_json::Value, key: &str) -> Result<MaskValue> {
        match v {
            serde_json::Value::String(s) => Ok(MaskValue::Str(s.clone())),
            _ => v
                .as_i64()
                .map(MaskValue::Int)
                .ok_or_else(|| Error::InvalidArgument(format!("config `{key}` must be an integer or a string, got {v}"))),
        }
    }
}

impl Hashing {
    /// The layer hashing into `num_bins` buckets.
    ///
    /// # Panics
    /// For zero bins.
    #[track_caller]
    pub fn new(num_bins: usize) -> Hashing {
        assert!(
            num_bins > 0,
            "`num_bins` cannot be `None` or non-positive values. Received: num_bins=0"
        );
        Hashing {
            base: Base::new("hashing"),
            num_bins,
            mask_value: None,
            salt: None,
            output_mode: OutputMode::Int,
        }
    }
    /// `mask_value=`: the value (an integer or a string) that takes bucket 0.
    pub fn mask_value(mut self, v: impl Into<MaskValue>) -> Self {
        self.mask_value = Some(v.into());
        self
    }
    /// `salt=`: hash with SipHash-2-4 keyed by it (an integer `s` or a pair of them; `s` is
    /// the pair `[s, s]`), as `tf.strings.to_hash_bucket_strong`.
    pub fn salt(mut self, salt: impl Into<Salt>) -> Self {
        self.salt = Some(salt.into());
        self
    }
    /// `output_mode=`: `"int"` (the default), `"one_hot"`, `"multi_hot"` or `"count"`.
    #[track_caller]
    pub fn output_mode(mut self, mode: impl Into<OutputMode>) -> Self {
        let mode = mode.into();
        mode.check_not_tf_idf("Hashing");
        self.output_mode = mode;
        self
    }
}

impl Layer for Hashing {
    layer_methods!("Hashing");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let mask = self.mask_value.as_ref().filter(|_| self.num_bins > 1);
        let bins = if mask.is_some() { self.num_bins - 1 } else { self.num_bins };
        let mut h = match (x.dtype(), self.salt) {
            (DType::String, None) => tf::strings::to_hash_bucket_fast(x, bins as u64),
            (DType::I32 | DType::I64, None) => {
                tf::ops::execute1(&search::INT_HASH_BUCKET, &[x], &Attrs::new().int("num_buckets", bins as i64))
            }
            (DType::String, Some(Salt(k))) => tf::strings::to_hash_bucket_strong(x, bins as u64, k.map(|k| k as u64)),
            (DType::I32 | DType::I64, Some(Salt(k))) => {
                tf::strings::to_hash_bucket_strong(&tf::strings::as_string(x), bins as u64, k.map(|k| k as u64))
            }
            (other, _) => panic!("Layer \"{}\": Hashing takes integer or string inputs, got {other}", self.base.name),
        };
        if let Some(m) = mask {
            let m = match (m, x.dtype()) {
                (MaskValue::Str(s), DType::String) => tf::constant(s.as_str()),
                (MaskValue::Int(v), DType::I32 | DType::I64) => tf::cast(&tf::constant(*v), x.dtype()),
                (m, d) => panic!("Layer \"{}\": mask_value {m:?} does not match the {d} input", self.base.name),
            };
            let masked = tf::equal(x, &m);
            h = tf::where_(&masked, &tf::zeros_like(&h), &(&h + &tf::constant(1i64)));
        }
        match self.output_mode {
            OutputMode::Int => h,
            mode => encode(&h, mode, self.num_bins, false, &self.base.name),
        }
    }
}
