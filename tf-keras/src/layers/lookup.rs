//! Keras's vocabulary lookups: `IntegerLookup` and `StringLookup`, one generic
//! [`IndexLookup`] over the token type (Keras's `IndexLookup` base class). A lookup's
//! vocabulary is set by `adapt` or given; the lookup runs as graph ops (a sorted key table
//! searched with `tf.searchsorted`, a bincount), so the layers work inside `fit`'s traced
//! step.

use super::categorical::{encode, restore, OutputMode};
use super::{Base, Layer};
use crate::saving::config::{Config, ConfigValue};
use std::collections::HashMap;
use std::sync::RwLock;
use tf_core::data::Dataset;
use tf_core::{self as tf, DType, Error, Result, Tensor};

/// A vocabulary's token type: `i64` (`IntegerLookup`) or `String` (`StringLookup`).
pub trait LookupKey: Clone + Ord + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {
    /// The Keras class.
    const CLASS: &'static str;
    /// The layer's default name.
    const NAME: &'static str;
    /// Keras's `vocabulary_dtype`.
    const DTYPE: &'static str;
    /// Keras's default `oov_token`.
    fn default_oov() -> Self;
    /// The tokens of a tensor of this key type (ints of any width for `i64`), row-major.
    fn keys(t: &Tensor) -> Option<Vec<Self>>;
    /// `x` as the lookup's key tensor (int64 or string), or `None` for another dtype.
    fn input(x: &Tensor) -> Option<Tensor>;
    /// The tokens as a vector tensor.
    fn tensor(v: Vec<Self>) -> Tensor;
    /// The OOV index (`0..n`) of each token when there are `n > 1` OOV indices: Keras's
    /// `floormod(x, n)` for ints, `to_hash_bucket_fast(x, n)` for strings.
    fn oov_bucket(x: &Tensor, n: usize) -> Tensor;
    /// The token in a config.
    fn to_json(&self) -> serde_json::Value;
    /// The token of a config value.
    fn from_json(v: &serde_json::Value) -> Option<Self>;
}

impl LookupKey for i64 {
    const CLASS: &'static str = "IntegerLookup";
    const NAME: &'static str = "integer_lookup";
    const DTYPE: &'static str = "int64";
    fn default_oov() -> i64 {
        -1
    }
    fn keys(t: &Tensor) -> Option<Vec<i64>> {
        matches!(t.dtype(), DType::I32 | DType::I64 | DType::U8).then(|| tf::cast(t, DType::I64).to_vec::<i64>())
    }
    fn input(x: &Tensor) -> Option<Tensor> {
        match x.dtype() {
            DType::I64 => Some(x.clone()),
            DType::I32 | DType::U8 => Some(tf::cast(x, DType::I64)),
            _ => None,
        }
    }
    fn tensor(v: Vec<i64>) -> Tensor {
        tf::constant(v)
    }
    fn oov_bucket(x: &Tensor, n: usize) -> Tensor {
        tf::floormod(x, &tf::constant(n as i64))
    }
    fn to_json(&self) -> serde_json::Value {
        (*self).into()
    }
    fn from_json(v: &serde_json::Value) -> Option<i64> {
        v.as_i64()
    }
}

impl LookupKey for String {
    const CLASS: &'static str = "StringLookup";
    const NAME: &'static str = "string_lookup";
    const DTYPE: &'static str = "string";
    fn default_oov() -> String {
        "[UNK]".into()
    }
    fn keys(t: &Tensor) -> Option<Vec<String>> {
        (t.dtype() == DType::String).then(|| t.strings().to_vec())
    }
    fn input(x: &Tensor) -> Option<Tensor> {
        (x.dtype() == DType::String).then(|| x.clone())
    }
    fn tensor(v: Vec<String>) -> Tensor {
        tf::constant(v)
    }
    fn oov_bucket(x: &Tensor, n: usize) -> Tensor {
        tf::strings::to_hash_bucket_fast(x, n as u64)
    }
    fn to_json(&self) -> serde_json::Value {
        self.as_str().into()
    }
    fn from_json(v: &serde_json::Value) -> Option<String> {
        v.as_str().map(String::from)
    }
}

/// Keras's `IndexLookup`: tokens to vocabulary indices (or, inverted, back). Indices: the
/// mask token's 0 (when set and the output is indices; encoded outputs leave masked values
/// out), then the out-of-vocabulary indices, then the vocabulary's tokens. `adapt` orders the
/// tokens by frequency, ties larger token first, as Keras does. Use it as
/// [`IntegerLookup`] or [`StringLookup`].
pub struct IndexLookup<K: LookupKey> {
    pub(crate) base: Base,
    max_tokens: Option<usize>,
    num_oov_indices: usize,
    mask_token: Option<K>,
    oov_token: K,
    invert: bool,
    output_mode: OutputMode,
    pad_to_max_tokens: bool,
    state: RwLock<Vocab<K>>,
}

/// What `adapt` or a given vocabulary sets.
struct Vocab<K> {
    /// The tokens after the special ones, by index; `None` before any is set.
    tokens: Option<Vec<K>>,
    /// `tf_idf`'s weight per output column (special indices first), as Keras keeps them.
    idf: Option<Vec<f32>>,
}

/// `keras.layers.IntegerLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
/// oov_token=-1, vocabulary=None, invert=False, output_mode="int")`: int features to
/// vocabulary indices ([`IndexLookup`]).
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
pub type IntegerLookup = IndexLookup<i64>;

/// `keras.layers.StringLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
/// oov_token="[UNK]", vocabulary=None, invert=False, output_mode="int")`: string features to
/// vocabulary indices ([`IndexLookup`]).
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, StringLookup};
/// let lookup = StringLookup::new().vocabulary(["a", "b", "c"]);
/// let y = lookup.call(&tf::constant([["a", "c", "d"], ["d", "z", "b"]]), false);
/// assert_eq!(y.to_vec::<i64>(), vec![1, 3, 0, 0, 0, 2]); // "d" and "z" are out of vocabulary
/// assert_eq!(lookup.get_vocabulary(), ["[UNK]", "a", "b", "c"]);
/// ```
pub type StringLookup = IndexLookup<String>;

impl<K: LookupKey> Default for IndexLookup<K> {
    fn default() -> Self {
        IndexLookup::new()
    }
}

impl<K: LookupKey> IndexLookup<K> {
    /// A lookup with Keras's defaults and no vocabulary yet (`adapt` or
    /// [`vocabulary`](Self::vocabulary) gives it one).
    pub fn new() -> IndexLookup<K> {
        IndexLookup {
            base: Base::new(K::NAME),
            max_tokens: None,
            num_oov_indices: 1,
            mask_token: None,
            oov_token: K::default_oov(),
            invert: false,
            output_mode: OutputMode::Int,
            pad_to_max_tokens: false,
            state: RwLock::new(Vocab { tokens: None, idf: None }),
        }
    }
    /// `max_tokens=`: the most indices (special ones included) `adapt` keeps.
    pub fn max_tokens(mut self, n: usize) -> Self {
        self.max_tokens = Some(n);
        self
    }
    /// `num_oov_indices=` (1): out-of-vocabulary tokens are spread over this many indices.
    /// With 0, an out-of-vocabulary input fails the call (eagerly, or when the traced
    /// function runs), naming the values, as Keras's assertion does.
    pub fn num_oov_indices(mut self, n: usize) -> Self {
        self.num_oov_indices = n;
        self
    }
    /// `mask_token=`: the token that maps to index 0 (and masks).
    pub fn mask_token(mut self, t: impl Into<K>) -> Self {
        self.mask_token = Some(t.into());
        self
    }
    /// `oov_token=`: the token an inverted lookup gives for out-of-vocabulary indices.
    pub fn oov_token(mut self, t: impl Into<K>) -> Self {
        self.oov_token = t.into();
        self
    }
    /// `invert=`: map indices back to tokens.
    pub fn invert(mut self, i: bool) -> Self {
        self.invert = i;
        self
    }
    /// `output_mode=`: `"int"` (the default), `"one_hot"`, `"multi_hot"`, `"count"` or
    /// `"tf_idf"` (counts times each token's inverse document frequency).
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
    pub fn vocabulary<T: Into<K>>(self, tokens: impl IntoIterator<Item = T>) -> Self {
        if let Err(e) = self.set_vocabulary(tokens, None) {
            panic!("{e}");
        }
        self
    }
    /// `vocabulary=` with `idf_weights=`, one per token, for `output_mode="tf_idf"`.
    ///
    /// # Panics
    /// As [`set_vocabulary`](Self::set_vocabulary)'s errors.
    #[track_caller]
    pub fn vocabulary_with_idf<T: Into<K>>(self, tokens: impl IntoIterator<Item = T>, idf_weights: &[f32]) -> Self {
        if let Err(e) = self.set_vocabulary(tokens, Some(idf_weights)) {
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
    fn special_tokens(&self) -> Vec<K> {
        let mask = self.mask_token.clone().filter(|_| self.oov_start() == 1);
        mask.into_iter()
            .chain(std::iter::repeat_n(self.oov_token.clone(), self.num_oov_indices))
            .collect()
    }

    /// `layer.set_vocabulary(tokens, idf_weights=None)`.
    ///
    /// # Errors
    /// `InvalidArgument` for a repeated token, the mask or OOV token among the tokens, or
    /// idf weights that are missing for `tf_idf`, given for another mode, or not one per
    /// token.
    pub fn set_vocabulary<T: Into<K>>(&self, tokens: impl IntoIterator<Item = T>, idf_weights: Option<&[f32]>) -> Result<()> {
        let mut tokens: Vec<K> = tokens.into_iter().map(Into::into).collect();
        let special = self.special_tokens();
        if tokens.len() >= special.len() && tokens[..special.len()] == special[..] {
            tokens.drain(..special.len());
        }
        let mut seen = std::collections::HashSet::new();
        for t in &tokens {
            if !seen.insert(t) {
                return Err(Error::InvalidArgument(format!(
                    "The passed vocabulary has at least one repeated term. Please uniquify your dataset. The repeated term is {t:?}"
                )));
            }
            // The OOV token is only reserved for an inverted lookup, as in Keras.
            if Some(t) == self.mask_token.as_ref() || (self.invert && *t == self.oov_token) {
                return Err(Error::InvalidArgument(format!(
                    "Found reserved token {t:?} (the mask or OOV token) in the passed vocabulary of layer \"{}\"",
                    self.base.name
                )));
            }
        }
        let idf = match (self.output_mode, idf_weights) {
            (OutputMode::TfIdf, None) => {
                return Err(Error::InvalidArgument(
                    "`idf_weights` must be set if output_mode is 'tf_idf'".into(),
                ))
            }
            (OutputMode::TfIdf, Some(w)) if w.len() != tokens.len() => {
                return Err(Error::InvalidArgument(format!(
                    "`idf_weights` must be the same length as vocabulary. len(idf_weights) is {}; len(vocabulary) is {}",
                    w.len(),
                    tokens.len()
                )))
            }
            (OutputMode::TfIdf, Some(w)) => Some(self.idf_columns(w)),
            (_, Some(_)) => {
                return Err(Error::InvalidArgument(format!(
                    "`idf_weights` should only be set if output_mode is 'tf_idf'. output_mode={:?}",
                    self.output_mode.name()
                )))
            }
            (_, None) => None,
        };
        let mut s = self.state.write().unwrap_or_else(|p| p.into_inner());
        s.tokens = Some(tokens);
        s.idf = idf;
        Ok(())
    }

    /// The tokens' idf weights as output columns: the special indices take their mean, and
    /// `pad_to_max_tokens` pads with zeros, as Keras does.
    fn idf_columns(&self, weights: &[f32]) -> Vec<f32> {
        let mean = if weights.is_empty() {
            0.0
        } else {
            (weights.iter().map(|&w| w as f64).sum::<f64>() / weights.len() as f64) as f32
        };
        let mut w: Vec<f32> = std::iter::repeat_n(mean, self.token_start())
            .chain(weights.iter().copied())
            .collect();
        if let (true, Some(m)) = (self.pad_to_max_tokens, self.max_tokens) {
            w.resize(w.len().max(m), 0.0);
        }
        w
    }

    /// `layer.get_vocabulary()`: the special tokens, then the vocabulary, in index order.
    pub fn get_vocabulary(&self) -> Vec<K> {
        let s = self.state.read().unwrap_or_else(|p| p.into_inner());
        self.special_tokens()
            .into_iter()
            .chain(s.tokens.iter().flatten().cloned())
            .collect()
    }

    /// `layer.vocabulary_size()`.
    pub fn vocabulary_size(&self) -> usize {
        self.get_vocabulary().len()
    }

    /// The vocabulary's tokens (no special ones) and their own idf weights, if set.
    pub(crate) fn tokens_and_idf(&self) -> Option<(Vec<K>, Option<Vec<f32>>)> {
        let s = self.state.read().unwrap_or_else(|p| p.into_inner());
        let tokens = s.tokens.clone()?;
        let start = self.token_start();
        let idf = s
            .idf
            .as_ref()
            .map(|w| w[start.min(w.len())..(start + tokens.len()).min(w.len())].to_vec());
        Some((tokens, idf))
    }

    /// `layer.idf_weights` (`tf_idf` mode): one weight per output column, the special
    /// indices' being the tokens' mean.
    pub fn idf_weights(&self) -> Option<Vec<f32>> {
        self.state.read().unwrap_or_else(|p| p.into_inner()).idf.clone()
    }

    /// `layer.adapt(data)`: the vocabulary of `data`'s values, most frequent first (ties:
    /// larger token first), up to `max_tokens`; the mask and OOV tokens are left out. For
    /// `tf_idf`, each row of `data` is a document.
    ///
    /// # Errors
    /// `InvalidArgument` for data of another dtype.
    pub fn adapt(&self, data: &Tensor) -> Result<()> {
        let mut counts = Counts::default();
        self.count(data, &mut counts)?;
        self.finish_adapt(counts)
    }

    /// `layer.adapt(dataset)`: the vocabulary of all the dataset's batches.
    ///
    /// # Errors
    /// As [`adapt`](Self::adapt), or a failing element.
    pub fn adapt_dataset(&self, data: &Dataset<Tensor>) -> Result<()> {
        let mut counts = Counts::default();
        for batch in data.iter() {
            self.count(&batch?, &mut counts)?;
        }
        self.finish_adapt(counts)
    }

    fn count(&self, data: &Tensor, counts: &mut Counts<K>) -> Result<()> {
        let keys = K::keys(data).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{} \"{}\": adapt() needs {} data, got {}",
                K::CLASS,
                self.base.name,
                K::DTYPE,
                data.dtype()
            ))
        })?;
        // Rows are documents: a vector is one.
        let row = match data.shape().dims() {
            [] | [_] => keys.len(),
            [.., n] => *n,
        };
        keys.chunks(row.max(1)).for_each(|doc| counts.add_document(doc));
        Ok(())
    }

    /// Sets the vocabulary (and idf weights) from `adapt`'s counts.
    pub(crate) fn finish_adapt(&self, mut counts: Counts<K>) -> Result<()> {
        if let Some(m) = &self.mask_token {
            counts.tokens.remove(m);
        }
        counts.tokens.remove(&self.oov_token);
        let mut tokens: Vec<(K, u64)> = counts.tokens.into_iter().collect();
        tokens.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        let keep = self.max_tokens.map_or(usize::MAX, |m| m.saturating_sub(self.token_start()));
        let tokens: Vec<K> = tokens.into_iter().take(keep).map(|(t, _)| t).collect();
        let idf = (self.output_mode == OutputMode::TfIdf).then(|| {
            // Keras's inverse document frequency: log(1 + documents / (1 + containing ones)).
            let n = counts.documents as f64;
            let w: Vec<f32> = tokens
                .iter()
                .map(|t| (1.0 + n / (1.0 + *counts.documents_with.get(t).unwrap_or(&0) as f64)).ln() as f32)
                .collect();
            w
        });
        let mut s = self.state.write().unwrap_or_else(|p| p.into_inner());
        s.idf = idf.map(|w| self.idf_columns(&w));
        s.tokens = Some(tokens);
        Ok(())
    }

    /// The vocabulary, or the error Keras gives a lookup called before it has one.
    #[track_caller]
    fn vocab(&self) -> Vec<K> {
        match &self.state.read().unwrap_or_else(|p| p.into_inner()).tokens {
            Some(v) => v.clone(),
            None => panic!(
                "Layer \"{}\": you must set the layer's vocabulary (adapt() or vocabulary(...)) before calling it",
                self.base.name
            ),
        }
    }

    /// Tokens to indices (int64, `x`'s shape); a masked token gives `masked`.
    #[track_caller]
    pub(crate) fn lookup(&self, x: &Tensor, masked: i64) -> Tensor {
        let vocab = self.vocab();
        let x = K::input(x).unwrap_or_else(|| {
            panic!(
                "Layer \"{}\": {} takes {} inputs, got {}",
                self.base.name,
                K::CLASS,
                K::DTYPE,
                x.dtype()
            )
        });
        let start = self.token_start() as i64;
        let oov_start = tf::constant(self.oov_start() as i64);
        let oov = if self.num_oov_indices == 0 {
            tf::fill_dims(&tf::shape(&x), &tf::constant(-1i64))
        } else if self.num_oov_indices == 1 {
            tf::fill_dims(&tf::shape(&x), &oov_start)
        } else {
            &K::oov_bucket(&x, self.num_oov_indices) + &oov_start
        };
        let mut out = if vocab.is_empty() {
            oov
        } else {
            let mut order: Vec<(K, i64)> = vocab.into_iter().enumerate().map(|(i, t)| (t, start + i as i64)).collect();
            order.sort_unstable();
            let n = order.len();
            let (keys, values): (Vec<K>, Vec<i64>) = order.into_iter().unzip();
            let keys = K::tensor(keys);
            let flat = tf::reshape(&x, [1, -1]);
            let pos = tf::reshape(&tf::searchsorted(&tf::reshape(&keys, [1, -1]), &flat, "left"), [-1]);
            let pos = tf::minimum(&pos, &tf::constant(n as i32 - 1));
            let hit = tf::reshape(&tf::equal(&tf::gather(&keys, &pos, 0), &tf::reshape(&flat, [-1])), restore(&x));
            let found = tf::reshape(&tf::gather(&tf::constant(values), &pos, 0), restore(&x));
            tf::where_(&hit, &found, &oov)
        };
        if let Some(m) = &self.mask_token {
            let is_mask = tf::equal(&x, &K::tensor(vec![m.clone()]));
            out = tf::where_(&is_mask, &(&tf::zeros_like(&out) + &tf::constant(masked)), &out);
        }
        // Placeholder values (a functional model's build pass) are not looked up in Keras.
        if self.num_oov_indices == 0 && !crate::layers::placeholders() {
            let at = tf::where_indices(&tf::equal(&out, &tf::constant(-1i64)));
            let msg = tf::strings::format(
                "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values {}, consider setting `num_oov_indices=1`.",
                &[&tf::gather_nd(&x, &at)],
            );
            tf::debugging::assert(&tf::equal(&tf::size(&at), &tf::constant(0)), &[&msg], Some(3));
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
        let tokens = tf::gather(&K::tensor(table), &clipped, 0);
        tf::where_(&inside, &tokens, &K::tensor(vec![self.oov_token.clone()]))
    }

    /// The number of encoded columns.
    fn depth(&self) -> usize {
        match (self.pad_to_max_tokens, self.max_tokens) {
            (true, Some(m)) => m,
            _ => self.vocabulary_size(),
        }
    }

    /// Indices (a masked token `i64::MAX`, which the count leaves out) as this layer's
    /// encoded output.
    #[track_caller]
    pub(crate) fn encode_indices(&self, idx: &Tensor) -> Tensor {
        match self.output_mode {
            OutputMode::Int => idx.clone(),
            OutputMode::TfIdf => {
                let counts = encode(idx, OutputMode::Count, self.depth(), false, &self.base.name);
                let idf = self.idf_weights().unwrap_or_else(|| {
                    panic!(
                        "Layer \"{}\": tf_idf needs idf weights (adapt() or vocabulary_with_idf(...))",
                        self.base.name
                    )
                });
                &counts * &tf::constant(idf)
            }
            mode => encode(idx, mode, self.depth(), false, &self.base.name),
        }
    }
}

/// Token counts of `adapt`, with document counts for `tf_idf`.
pub(crate) struct Counts<K> {
    tokens: HashMap<K, u64>,
    documents_with: HashMap<K, u64>,
    documents: u64,
}

impl<K> Default for Counts<K> {
    fn default() -> Self {
        Counts {
            tokens: HashMap::new(),
            documents_with: HashMap::new(),
            documents: 0,
        }
    }
}

impl<K: LookupKey> Counts<K> {
    /// Counts the tokens of one document.
    pub(crate) fn add_document(&mut self, doc: &[K]) {
        self.documents += 1;
        let mut seen = std::collections::HashSet::new();
        for k in doc {
            *self.tokens.entry(k.clone()).or_insert(0) += 1;
            if seen.insert(k) {
                *self.documents_with.entry(k.clone()).or_insert(0) += 1;
            }
        }
    }
}

impl<K: LookupKey> tf_core::Module for IndexLookup<K> {
    fn name(&self) -> String {
        self.base.name.clone()
    }
    fn visit_fields<'a>(&'a self, _v: &mut dyn tf_core::module::Visitor<'a>) {}
}

impl<K: LookupKey> IndexLookup<K> {
    /// Names the layer (Keras's `name=`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.base.name = name.into();
        self
    }
}

impl<K: LookupKey> Layer for IndexLookup<K> {
    fn class_name(&self) -> String {
        K::CLASS.into()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        self.base.input_shape.clone()
    }
    fn get_config(&self) -> Option<Config> {
        Some(self.config())
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        if self.invert {
            return self.inverse(x);
        }
        let masked = if self.output_mode == OutputMode::Int { 0 } else { i64::MAX };
        self.encode_indices(&self.lookup(x, masked))
    }
}

impl<K: LookupKey> IndexLookup<K> {
    pub(crate) fn config(&self) -> Config {
        let mut c = self.base.config();
        let token = |t: &Option<K>| t.as_ref().map_or(serde_json::Value::Null, K::to_json);
        c.insert("max_tokens".into(), self.max_tokens.to_config());
        c.insert("num_oov_indices".into(), self.num_oov_indices.into());
        c.insert("mask_token".into(), token(&self.mask_token));
        c.insert("oov_token".into(), self.oov_token.to_json());
        c.insert("invert".into(), self.invert.into());
        c.insert("output_mode".into(), self.output_mode.to_config());
        c.insert("pad_to_max_tokens".into(), self.pad_to_max_tokens.into());
        c.insert("vocabulary_dtype".into(), K::DTYPE.into());
        let s = self.state.read().unwrap_or_else(|p| p.into_inner());
        let vocab = s.tokens.as_ref().map(|v| v.iter().map(K::to_json).collect::<Vec<_>>());
        c.insert("vocabulary".into(), vocab.map_or(serde_json::Value::Null, |v| v.into()));
        // Keras keeps the tokens' own weights in the config (the special ones are rebuilt).
        drop(s);
        let idf = self.tokens_and_idf().and_then(|(_, w)| w);
        c.insert("idf_weights".into(), idf.map_or(serde_json::Value::Null, |w| w.into()));
        c
    }
    pub(crate) fn from_config(c: &Config) -> Result<IndexLookup<K>> {
        use crate::saving::config::read;
        let class = K::CLASS;
        let mut l = IndexLookup::new();
        l.base.read_config(c)?;
        let token = |key: &str| -> Result<Option<K>> {
            match c.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => K::from_json(v)
                    .map(Some)
                    .ok_or_else(|| Error::InvalidArgument(format!("{class} config: `{key}` must be a {} token, got {v}", K::DTYPE))),
            }
        };
        read(c, "max_tokens", class, &mut l.max_tokens)?;
        read(c, "num_oov_indices", class, &mut l.num_oov_indices)?;
        l.mask_token = token("mask_token")?;
        if let Some(t) = token("oov_token")? {
            l.oov_token = t;
        }
        read(c, "invert", class, &mut l.invert)?;
        read(c, "output_mode", class, &mut l.output_mode)?;
        read(c, "pad_to_max_tokens", class, &mut l.pad_to_max_tokens)?;
        let mut idf: Option<Vec<f64>> = None;
        read(c, "idf_weights", class, &mut idf)?;
        let idf: Option<Vec<f32>> = idf.map(|w| w.into_iter().map(|v| v as f32).collect());
        match c.get("vocabulary") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Array(a)) => {
                let tokens = a
                    .iter()
                    .map(|v| K::from_json(v).ok_or_else(|| Error::InvalidArgument(format!("{class} config: vocabulary token {v}"))))
                    .collect::<Result<Vec<K>>>()?;
                l.set_vocabulary(tokens, idf.as_deref())?;
            }
            Some(v) => {
                return Err(Error::InvalidArgument(format!(
                    "{class} config: `vocabulary` must be a list, got {v}"
                )))
            }
        }
        Ok(l)
    }
}
