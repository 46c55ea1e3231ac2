//! Keras's preprocessing layers for categorical features: `CategoryEncoding` and
//! `IntegerLookup` (the guide "Working with preprocessing layers"), and the encoding they
//! share with `Discretization`. A lookup's vocabulary is set by `adapt` or given; the lookups
//! run as graph ops (`tf.searchsorted`, a bincount), so the layers work inside `fit`'s traced
//! step.

use super::{layer_common, layer_methods, Base, Layer};
use crate::saving::config::{layer_config, Config, ConfigValue};
use std::sync::RwLock;
use tf_core::data::Dataset;
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
}

impl OutputMode {
    fn name(self) -> &'static str {
        match self {
            OutputMode::Int => "int",
            OutputMode::OneHot => "one_hot",
            OutputMode::MultiHot => "multi_hot",
            OutputMode::Count => "count",
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
            "tf_idf" => panic!("output_mode=\"tf_idf\" is not supported yet: use \"int\", \"one_hot\", \"multi_hot\" or \"count\""),
            other => panic!("Unknown `output_mode` {other:?}: expected \"int\", \"one_hot\", \"multi_hot\" or \"count\""),
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
            "int" | "one_hot" | "multi_hot" | "count" => Ok(OutputMode::from(s)),
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

/// `keras.layers.IntegerLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
/// oov_token=-1, vocabulary=None, invert=False, output_mode="int")`: int features to
/// vocabulary indices (or, inverted, back). Indices: the mask token's 0 (when set and the
/// output is indices; encoded outputs leave masked values out), then the out-of-vocabulary
/// indices, then the vocabulary's tokens; `adapt` orders the tokens by frequency (ties: the
/// larger token first), as Keras does.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{IntegerLookup, Layer};
/// let lookup = IntegerLookup::new();
/// lookup.adapt(&tf::constant([12i64, 36, 1138, 42, 42, 12, 12]))?;
/// assert_eq!(lookup.get_vocabulary(), vec![-1, 12, 42, 1138, 36]); // OOV first, then by count
/// let y = lookup.call(&tf::constant([[12i64, 1138, 42], [42, 1000, 36]]), false);
/// assert_eq!(y.to_vec::<i64>(), vec![1, 3, 2, 2, 0, 4]); // 1000 is out of vocabulary
/// # Ok::<(), tf::Error>(())
/// ```
pub struct IntegerLookup {
    base: Base,
    max_tokens: Option<usize>,
    num_oov_indices: usize,
    mask_token: Option<i64>,
    oov_token: i64,
    invert: bool,
    output_mode: OutputMode,
    pad_to_max_tokens: bool,
    /// The tokens after the special ones, by index.
    vocabulary: RwLock<Option<Vec<i64>>>,
}
layer_common!(IntegerLookup, []);

impl Default for IntegerLookup {
    fn default() -> Self {
        IntegerLookup::new()
    }
}

impl IntegerLookup {
    /// A lookup with Keras's defaults and no vocabulary yet (`adapt` or
    /// [`vocabulary`](Self::vocabulary) gives it one).
    pub fn new() -> IntegerLookup {
        IntegerLookup {
            base: Base::new("integer_lookup"),
            max_tokens: None,
            num_oov_indices: 1,
            mask_token: None,
            oov_token: -1,
            invert: false,
            output_mode: OutputMode::Int,
            pad_to_max_tokens: false,
            vocabulary: RwLock::new(None),
        }
    }
    /// `max_tokens=`: the most indices (special ones included) `adapt` keeps.
    pub fn max_tokens(mut self, n: usize) -> Self {
        self.max_tokens = Some(n);
        self
    }
    /// `num_oov_indices=` (1): out-of-vocabulary values go to `value mod n` of them.
    ///
    /// # Panics
    /// For 0: an out-of-vocabulary value could not be reported from inside a graph yet.
    #[track_caller]
    pub fn num_oov_indices(mut self, n: usize) -> Self {
        assert!(
            n > 0,
            "IntegerLookup(num_oov_indices=0) is not supported yet: an out-of-vocabulary input could not be reported from a graph"
        );
        self.num_oov_indices = n;
        self
    }
    /// `mask_token=`: the value that maps to index 0 (and masks).
    pub fn mask_token(mut self, t: i64) -> Self {
        self.mask_token = Some(t);
        self
    }
    /// `oov_token=` (-1): the token an inverted lookup gives for out-of-vocabulary indices.
    pub fn oov_token(mut self, t: i64) -> Self {
        self.oov_token = t;
        self
    }
    /// `invert=`: map indices back to tokens.
    pub fn invert(mut self, i: bool) -> Self {
        self.invert = i;
        self
    }
    /// `output_mode=`: `"int"` (the default), `"one_hot"`, `"multi_hot"` or `"count"`.
    #[track_caller]
    pub fn output_mode(mut self, mode: impl Into<OutputMode>) -> Self {
        self.output_mode = mode.into();
        self
    }
    /// `pad_to_max_tokens=`: encoded outputs have `max_tokens` columns.
    pub fn pad_to_max_tokens(mut self, p: bool) -> Self {
        self.pad_to_max_tokens = p;
        self
    }
    /// `vocabulary=`: the tokens, in index order (Keras's leading special tokens may be
    /// included).
    ///
    /// # Panics
    /// As [`set_vocabulary`](Self::set_vocabulary)'s errors.
    #[track_caller]
    pub fn vocabulary(self, tokens: impl Into<Vec<i64>>) -> Self {
        if let Err(e) = self.set_vocabulary(tokens) {
            panic!("{e}");
        }
        self
    }

    /// The index of the first OOV index: 1 after the mask token's 0 when the output is
    /// indices (an encoded output drops masked values instead).
    fn oov_start(&self) -> usize {
        usize::from(self.mask_token.is_some() && self.output_mode == OutputMode::Int)
    }

    /// The index of the first vocabulary token: after the mask token and the OOV indices.
    fn token_start(&self) -> usize {
        self.oov_start() + self.num_oov_indices
    }

    /// The special tokens that start [`get_vocabulary`](Self::get_vocabulary).
    fn special_tokens(&self) -> Vec<i64> {
        let mask = self.mask_token.filter(|_| self.oov_start() == 1);
        mask.into_iter()
            .chain(std::iter::repeat_n(self.oov_token, self.num_oov_indices))
            .collect()
    }

    /// `layer.set_vocabulary(tokens)`.
    ///
    /// # Errors
    /// `InvalidArgument` for a repeated token, or the mask or OOV token among the tokens.
    pub fn set_vocabulary(&self, tokens: impl Into<Vec<i64>>) -> Result<()> {
        let mut tokens = tokens.into();
        let special = self.special_tokens();
        if tokens.len() >= special.len() && tokens[..special.len()] == special[..] {
            tokens.drain(..special.len());
        }
        let mut seen = std::collections::HashSet::new();
        for &t in &tokens {
            if !seen.insert(t) {
                return Err(Error::InvalidArgument(format!(
                    "The passed vocabulary has at least one repeated term. Please uniquify your dataset. The repeated term is {t}"
                )));
            }
            if Some(t) == self.mask_token || t == self.oov_token {
                return Err(Error::InvalidArgument(format!(
                    "Found reserved token {t} (the mask or OOV token) in the passed vocabulary of layer \"{}\"",
                    self.base.name
                )));
            }
        }
        *self.vocabulary.write().unwrap_or_else(|p| p.into_inner()) = Some(tokens);
        Ok(())
    }

    /// `layer.get_vocabulary()`: the special tokens, then the vocabulary, in index order.
    pub fn get_vocabulary(&self) -> Vec<i64> {
        let vocab = self.vocabulary.read().unwrap_or_else(|p| p.into_inner());
        self.special_tokens().into_iter().chain(vocab.iter().flatten().copied()).collect()
    }

    /// `layer.vocabulary_size()`.
    pub fn vocabulary_size(&self) -> usize {
        self.get_vocabulary().len()
    }

    /// `layer.adapt(data)`: the vocabulary of `data`'s values, most frequent first (ties:
    /// larger token first), up to `max_tokens`; the mask and OOV tokens are left out.
    ///
    /// # Errors
    /// `InvalidArgument` for a non-integer tensor.
    pub fn adapt(&self, data: &Tensor) -> Result<()> {
        let mut counts = std::collections::HashMap::new();
        self.count(data, &mut counts)?;
        self.finish_adapt(counts)
    }

    /// `layer.adapt(dataset)`: the vocabulary of all the dataset's batches.
    ///
    /// # Errors
    /// As [`adapt`](Self::adapt), or a failing element.
    pub fn adapt_dataset(&self, data: &Dataset<Tensor>) -> Result<()> {
        let mut counts = std::collections::HashMap::new();
        for batch in data.iter() {
            self.count(&batch?, &mut counts)?;
        }
        self.finish_adapt(counts)
    }

    fn count(&self, data: &Tensor, counts: &mut std::collections::HashMap<i64, u64>) -> Result<()> {
        if !matches!(data.dtype(), DType::I32 | DType::I64 | DType::U8) {
            return Err(Error::InvalidArgument(format!(
                "IntegerLookup \"{}\": adapt() needs integer data, got {}",
                self.base.name,
                data.dtype()
            )));
        }
        for v in tf::cast(data, DType::I64).to_vec::<i64>() {
            *counts.entry(v).or_insert(0) += 1;
        }
        Ok(())
    }

    fn finish_adapt(&self, mut counts: std::collections::HashMap<i64, u64>) -> Result<()> {
        if let Some(m) = self.mask_token {
            counts.remove(&m);
        }
        counts.remove(&self.oov_token);
        let mut tokens: Vec<(i64, u64)> = counts.into_iter().collect();
        tokens.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        let keep = self.max_tokens.map_or(usize::MAX, |m| m.saturating_sub(self.token_start()));
        self.set_vocabulary(tokens.into_iter().take(keep).map(|(t, _)| t).collect::<Vec<_>>())
    }

    /// The vocabulary, or the error Keras gives a lookup called before it has one.
    #[track_caller]
    fn vocab(&self) -> Vec<i64> {
        match &*self.vocabulary.read().unwrap_or_else(|p| p.into_inner()) {
            Some(v) => v.clone(),
            None => panic!(
                "Layer \"{}\": you must set the layer's vocabulary (adapt() or vocabulary(...)) before calling it",
                self.base.name
            ),
        }
    }

    /// Tokens to indices (int64, `x`'s shape).
    #[track_caller]
    fn lookup(&self, x: &Tensor) -> Tensor {
        let vocab = self.vocab();
        let x = match x.dtype() {
            DType::I64 => x.clone(),
            DType::I32 | DType::U8 => tf::cast(x, DType::I64),
            other => panic!("Layer \"{}\": IntegerLookup takes integer inputs, got {other}", self.base.name),
        };
        let start = self.token_start() as i64;
        let oov_start = self.oov_start() as i64;
        let oov = if self.num_oov_indices == 1 {
            &tf::zeros_like(&x) + &tf::constant(oov_start)
        } else {
            &tf::floormod(&x, &tf::constant(self.num_oov_indices as i64)) + &tf::constant(oov_start)
        };
        let mut out = if vocab.is_empty() {
            oov
        } else {
            let mut order: Vec<(i64, i64)> = vocab.iter().enumerate().map(|(i, &t)| (t, start + i as i64)).collect();
            order.sort_unstable();
            let n = order.len();
            let keys = Tensor::from_vec(order.iter().map(|p| p.0).collect::<Vec<_>>(), [n]).expect("n keys");
            let values = Tensor::from_vec(order.iter().map(|p| p.1).collect::<Vec<_>>(), [n]).expect("n values");
            let flat = tf::reshape(&x, [1, -1]);
            let pos = tf::reshape(&tf::searchsorted(&tf::reshape(&keys, [1, -1]), &flat, "left"), [-1]);
            let pos = tf::minimum(&pos, &tf::constant(n as i32 - 1));
            let hit = tf::reshape(&tf::equal(&tf::gather(&keys, &pos, 0), &tf::reshape(&flat, [-1])), restore(&x));
            let found = tf::reshape(&tf::gather(&values, &pos, 0), restore(&x));
            tf::where_(&hit, &found, &oov)
        };
        if let Some(m) = self.mask_token {
            // Index 0, or (encoded) a value past every column, which the count leaves out.
            let masked = if self.output_mode == OutputMode::Int { 0 } else { i64::MAX };
            out = tf::where_(
                &tf::equal(&x, &tf::constant(m)),
                &(&tf::zeros_like(&out) + &tf::constant(masked)),
                &out,
            );
        }
        out
    }

    /// Indices to tokens: out-of-range indices give the OOV token.
    #[track_caller]
    fn inverse(&self, x: &Tensor) -> Tensor {
        self.vocab();
        let table = self.get_vocabulary();
        let n = table.len() as i64;
        let idx = tf::cast(x, DType::I64);
        let inside = tf::logical_and(&tf::greater_equal(&idx, &tf::constant(0i64)), &tf::less(&idx, &tf::constant(n)));
        let clipped = tf::clip_by_value(&idx, &tf::constant(0i64), &tf::constant((n - 1).max(0)));
        let tokens = tf::gather(&Tensor::from_vec(table, [n as usize]).expect("n tokens"), &clipped, 0);
        tf::where_(&inside, &tokens, &(&tf::zeros_like(&tokens) + &tf::constant(self.oov_token)))
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

impl Layer for IntegerLookup {
    layer_methods!("IntegerLookup");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let out = if self.invert { self.inverse(x) } else { self.lookup(x) };
        match self.output_mode {
            OutputMode::Int => out,
            mode => {
                let depth = match (self.pad_to_max_tokens, self.max_tokens) {
                    (true, Some(m)) => m,
                    _ => self.vocabulary_size(),
                };
                encode(&out, mode, depth, false, &self.base.name)
            }
        }
    }
}

impl IntegerLookup {
    pub(crate) fn config(&self) -> Config {
        let mut c = self.base.config();
        c.insert("max_tokens".into(), self.max_tokens.to_config());
        c.insert("num_oov_indices".into(), self.num_oov_indices.into());
        c.insert("mask_token".into(), self.mask_token.to_config());
        c.insert("oov_token".into(), self.oov_token.into());
        c.insert("invert".into(), self.invert.into());
        c.insert("output_mode".into(), self.output_mode.to_config());
        c.insert("pad_to_max_tokens".into(), self.pad_to_max_tokens.into());
        c.insert("vocabulary_dtype".into(), "int64".into());
        let vocab = self.vocabulary.read().unwrap_or_else(|p| p.into_inner()).clone();
        c.insert("vocabulary".into(), vocab.map_or(serde_json::Value::Null, |v| v.into()));
        c
    }
    pub(crate) fn from_config(c: &Config) -> Result<IntegerLookup> {
        use crate::saving::config::read;
        let mut l = IntegerLookup::new();
        l.base.read_config(c)?;
        read(c, "max_tokens", "IntegerLookup", &mut l.max_tokens)?;
        read(c, "num_oov_indices", "IntegerLookup", &mut l.num_oov_indices)?;
        if l.num_oov_indices == 0 {
            return Err(Error::Unimplemented(
                "IntegerLookup config: num_oov_indices=0 is not supported yet".into(),
            ));
        }
        read(c, "mask_token", "IntegerLookup", &mut l.mask_token)?;
        read(c, "oov_token", "IntegerLookup", &mut l.oov_token)?;
        read(c, "invert", "IntegerLookup", &mut l.invert)?;
        read(c, "output_mode", "IntegerLookup", &mut l.output_mode)?;
        read(c, "pad_to_max_tokens", "IntegerLookup", &mut l.pad_to_max_tokens)?;
        let mut vocab: Option<Vec<i64>> = None;
        read(c, "vocabulary", "IntegerLookup", &mut vocab)?;
        if let Some(v) = vocab {
            l.set_vocabulary(v)?;
        }
        Ok(l)
    }
}

/// `keras.layers.Hashing(num_bins, mask_value=None, output_mode="int")` on integers: each
/// value's bucket, as TensorFlow hashes it (FarmHash Fingerprint64 of its decimal digits,
/// modulo `num_bins`). With `mask_value`, that value takes bucket 0 and the others
/// `1 + hash mod (num_bins - 1)`. (Keras's `salt`, a keyed SipHash, is not supported yet.)
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Hashing, Layer};
/// let layer = Hashing::new(3);
/// let y = layer.call(&tf::constant([[0i64], [1], [123]]), false);
/// assert_eq!(y.to_vec::<i64>(), vec![1, 0, 1]); // TensorFlow's buckets
/// ```
pub struct Hashing {
    base: Base,
    num_bins: usize,
    mask_value: Option<i64>,
    output_mode: OutputMode,
}
layer_common!(Hashing, []);
layer_config!(Hashing, Hashing::new(1), {
    "num_bins" => num_bins, "mask_value" => mask_value, "output_mode" => output_mode,
});

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
            output_mode: OutputMode::Int,
        }
    }
    /// `mask_value=`: the value that takes bucket 0.
    pub fn mask_value(mut self, v: i64) -> Self {
        self.mask_value = Some(v);
        self
    }
    /// `output_mode=`: `"int"` (the default), `"one_hot"`, `"multi_hot"` or `"count"`.
    #[track_caller]
    pub fn output_mode(mut self, mode: impl Into<OutputMode>) -> Self {
        self.output_mode = mode.into();
        self
    }
}

impl Layer for Hashing {
    layer_methods!("Hashing");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        if !matches!(x.dtype(), DType::I32 | DType::I64) {
            panic!(
                "Layer \"{}\": Hashing takes integer inputs (string inputs are not supported yet), got {}",
                self.base.name,
                x.dtype()
            );
        }
        let mask = self.mask_value.filter(|_| self.num_bins > 1);
        let bins = if mask.is_some() { self.num_bins - 1 } else { self.num_bins };
        let attrs = Attrs::new().int("num_buckets", bins as i64);
        let mut h = tf::ops::execute1(&search::INT_HASH_BUCKET, &[x], &attrs);
        if let Some(m) = mask {
            let masked = tf::equal(x, &tf::cast(&tf::constant(m), x.dtype()));
            h = tf::where_(&masked, &tf::zeros_like(&h), &(&h + &tf::constant(1i64)));
        }
        match self.output_mode {
            OutputMode::Int => h,
            mode => encode(&h, mode, self.num_bins, false, &self.base.name),
        }
    }
}
