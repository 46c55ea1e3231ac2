//! `keras.layers.TextVectorization`: text to token indices or token counts — standardized,
//! split into tokens, and looked up in a vocabulary that `adapt` learns (a
//! [`StringLookup`](super::StringLookup) with mask `""` and OOV `"[UNK]"`, as in Keras). It
//! runs as graph ops, in a `Dataset::map` or inside a model.

use super::categorical::OutputMode;
use super::lookup::{Counts, StringLookup};
use super::{Base, Layer};
use crate::saving::config::{read, Config, ConfigValue};
use std::sync::Arc;
use tf_core::data::Dataset;
use tf_core::sparse::SparseTensor;
use tf_core::{self as tf, DType, Error, Result, Tensor};

/// Keras's `DEFAULT_STRIP_REGEX`: ASCII punctuation.
const STRIP_PUNCTUATION: &str = r##"[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']"##;

/// A user's function on a string tensor (`standardize=` a callable).
pub type TextFn = Arc<dyn Fn(&Tensor) -> Tensor + Send + Sync>;

/// `TextVectorization`'s `standardize=`.
#[derive(Clone)]
pub enum Standardize {
    /// `"lower_and_strip_punctuation"` (the default): ASCII letters lowercased, ASCII
    /// punctuation removed.
    LowerAndStripPunctuation,
    /// `"lower"`.
    Lower,
    /// `"strip_punctuation"`.
    StripPunctuation,
    /// `None`: the text as it is.
    None,
    /// A function of the string tensor (not saved in a config).
    Custom(TextFn),
}

impl From<&str> for Standardize {
    #[track_caller]
    fn from(s: &str) -> Standardize {
        match s {
            "lower_and_strip_punctuation" => Standardize::LowerAndStripPunctuation,
            "lower" => Standardize::Lower,
            "strip_punctuation" => Standardize::StripPunctuation,
            other => panic!(
                "Unknown value for `standardize`: {other:?}. Expected \"lower_and_strip_punctuation\", \"lower\", \"strip_punctuation\" or a function"
            ),
        }
    }
}

impl Standardize {
    fn name(&self) -> Option<&'static str> {
        match self {
            Standardize::LowerAndStripPunctuation => Some("lower_and_strip_punctuation"),
            Standardize::Lower => Some("lower"),
            Standardize::StripPunctuation => Some("strip_punctuation"),
            Standardize::None | Standardize::Custom(_) => None,
        }
    }
}

/// `TextVectorization`'s `split=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// `"whitespace"` (the default): tokens between runs of whitespace.
    Whitespace,
    /// `"character"`: each character a token.
    Character,
    /// `None`: each string one token.
    None,
}

impl From<&str> for Split {
    #[track_caller]
    fn from(s: &str) -> Split {
        match s {
            "whitespace" => Split::Whitespace,
            "character" => Split::Character,
            other => panic!("Unknown value for `split`: {other:?}. Expected \"whitespace\" or \"character\""),
        }
    }
}

/// `keras.layers.TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
/// split="whitespace", output_mode="int", output_sequence_length=None,
/// pad_to_max_tokens=False, vocabulary=None)`: strings (`[batch]` or `[batch, 1]`) to token
/// indices `[batch, tokens]` (padded with 0, the mask token `""`; out-of-vocabulary tokens
/// are 1, `"[UNK]"`), or to `multi_hot`, `count` or `tf_idf` columns.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Layer, TextVectorization};
/// let vectorize = TextVectorization::new().output_sequence_length(4);
/// vectorize.adapt(&tf::constant(["The cat sat.", "The dog sat!", "the END"]))?;
/// assert_eq!(vectorize.get_vocabulary(), ["", "[UNK]", "the", "sat", "end", "dog", "cat"]);
/// let ids = vectorize.call(&tf::constant(["the cat", "A dog sat on the mat"]), false);
/// assert_eq!(ids.to_vec::<i64>(), vec![2, 6, 0, 0, 1, 5, 3, 1]);
/// # Ok::<(), tf::Error>(())
/// ```
pub struct TextVectorization {
    base: Base,
    max_tokens: Option<usize>,
    standardize: Standardize,
    split: Split,
    /// `ngrams=`: the n-gram widths, and whether they were given as one number.
    ngrams: Option<(Vec<usize>, bool)>,
    output_mode: OutputMode,
    output_sequence_length: Option<usize>,
    pad_to_max_tokens: bool,
    lookup: StringLookup,
}

impl Default for TextVectorization {
    fn default() -> Self {
        TextVectorization::new()
    }
}

impl TextVectorization {
    /// The layer with Keras's defaults and no vocabulary yet.
    pub fn new() -> TextVectorization {
        TextVectorization {
            base: Base::new("text_vectorization"),
            max_tokens: None,
            standardize: Standardize::LowerAndStripPunctuation,
            split: Split::Whitespace,
            ngrams: None,
            output_mode: OutputMode::Int,
            output_sequence_length: None,
            pad_to_max_tokens: false,
            lookup: Self::make_lookup(None, OutputMode::Int, false),
        }
    }

    fn make_lookup(max_tokens: Option<usize>, mode: OutputMode, pad: bool) -> StringLookup {
        let l = StringLookup::new().mask_token("").output_mode(mode).pad_to_max_tokens(pad);
        match max_tokens {
            Some(m) => l.max_tokens(m),
            None => l,
        }
    }

    /// The lookup for the current settings, keeping a vocabulary already given.
    ///
    /// # Panics
    /// When the vocabulary does not suit the new settings (`tf_idf` without idf weights).
    #[track_caller]
    fn relookup(mut self) -> Self {
        let kept = self.lookup.tokens_and_idf();
        self.lookup = Self::make_lookup(self.max_tokens, self.output_mode, self.pad_to_max_tokens);
        if let Some((tokens, idf)) = kept {
            let idf = idf.filter(|_| self.output_mode == OutputMode::TfIdf);
            if let Err(e) = self.lookup.set_vocabulary(tokens, idf.as_deref()) {
                panic!("{e}");
            }
        }
        self
    }

    /// `max_tokens=`: the vocabulary's size limit, the mask and OOV tokens included.
    pub fn max_tokens(mut self, n: usize) -> Self {
        self.max_tokens = Some(n);
        self.relookup()
    }
    /// `standardize=`: `"lower_and_strip_punctuation"` (the default), `"lower"`,
    /// `"strip_punctuation"`, [`Standardize::None`] or [`Standardize::Custom`].
    #[track_caller]
    pub fn standardize(mut self, s: impl Into<Standardize>) -> Self {
        self.standardize = s.into();
        self
    }
    /// `standardize=` a function of the string tensor, as Keras's callables (the TensorFlow
    /// text tutorial's `custom_standardization`).
    pub fn standardize_fn(mut self, f: impl Fn(&Tensor) -> Tensor + Send + Sync + 'static) -> Self {
        self.standardize = Standardize::Custom(Arc::new(f));
        self
    }
    /// `split=`: `"whitespace"` (the default), `"character"` or [`Split::None`].
    #[track_caller]
    pub fn split(mut self, s: impl Into<Split>) -> Self {
        self.split = s.into();
        self
    }
    /// `ngrams=n`: the tokens become the 1-grams to `n`-grams of each text (Keras's
    /// `ngrams=2` for bigrams), joined by a space.
    ///
    /// # Panics
    /// For 0.
    #[track_caller]
    pub fn ngrams(mut self, n: usize) -> Self {
        assert!(
            n > 0,
            "`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams=0"
        );
        self.ngrams = Some(((1..=n).collect(), true));
        self
    }
    /// `ngrams=(w1, w2, ...)`: the n-grams of these widths, in this order.
    ///
    /// # Panics
    /// For no widths or a zero width.
    #[track_caller]
    pub fn ngram_widths(mut self, widths: &[usize]) -> Self {
        assert!(
            !widths.is_empty() && !widths.contains(&0),
            "`ngrams` must be None, an integer, or a tuple of positive integers. Received: ngrams={widths:?}"
        );
        self.ngrams = Some((widths.to_vec(), false));
        self
    }
    /// `output_mode=`: `"int"` (the default), `"multi_hot"`, `"count"` or `"tf_idf"`.
    ///
    /// # Panics
    /// For `"one_hot"`, which Keras's `TextVectorization` does not have, or with
    /// `output_sequence_length` set.
    #[track_caller]
    pub fn output_mode(mut self, mode: impl Into<OutputMode>) -> Self {
        let mode = mode.into();
        assert!(
            mode != OutputMode::OneHot,
            "Unknown value for `output_mode`: \"one_hot\". TextVectorization takes \"int\", \"multi_hot\", \"count\" or \"tf_idf\""
        );
        self.output_mode = mode;
        self.check_sequence_length();
        self.relookup()
    }
    /// `output_sequence_length=`: `int` outputs padded with 0 or cut to this many tokens.
    ///
    /// # Panics
    /// When the output mode is not `"int"`.
    #[track_caller]
    pub fn output_sequence_length(mut self, n: usize) -> Self {
        self.output_sequence_length = Some(n);
        self.check_sequence_length();
        self
    }
    #[track_caller]
    fn check_sequence_length(&self) {
        if let (Some(n), true) = (self.output_sequence_length, self.output_mode != OutputMode::Int) {
            panic!("`output_sequence_length` must not be set if `output_mode` is not 'int'. Received output_sequence_length={n}.");
        }
    }
    /// `pad_to_max_tokens=`: encoded outputs have `max_tokens` columns.
    pub fn pad_to_max_tokens(mut self, p: bool) -> Self {
        self.pad_to_max_tokens = p;
        self.relookup()
    }
    /// `vocabulary=`: the tokens in index order (a leading `""` and `"[UNK]"` may be
    /// included).
    ///
    /// # Panics
    /// As [`set_vocabulary`](Self::set_vocabulary)'s errors.
    #[track_caller]
    pub fn vocabulary<T: Into<String>>(self, tokens: impl IntoIterator<Item = T>) -> Self {
        if let Err(e) = self.set_vocabulary(tokens, None) {
            panic!("{e}");
        }
        self
    }
    /// Names the layer (Keras's `name=`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.base.name = name.into();
        self
    }

    /// `layer.set_vocabulary(vocabulary, idf_weights=None)`.
    ///
    /// # Errors
    /// As [`StringLookup::set_vocabulary`](super::IndexLookup::set_vocabulary).
    pub fn set_vocabulary<T: Into<String>>(&self, tokens: impl IntoIterator<Item = T>, idf_weights: Option<&[f32]>) -> Result<()> {
        self.lookup.set_vocabulary(tokens, idf_weights)
    }
    /// `layer.get_vocabulary()`: `""` and `"[UNK]"` (only `"[UNK]"` for encoded outputs),
    /// then the tokens by index.
    pub fn get_vocabulary(&self) -> Vec<String> {
        self.lookup.get_vocabulary()
    }
    /// `layer.vocabulary_size()`.
    pub fn vocabulary_size(&self) -> usize {
        self.lookup.vocabulary_size()
    }
    /// The `tf_idf` weights, one per output column.
    pub fn idf_weights(&self) -> Option<Vec<f32>> {
        self.lookup.idf_weights()
    }

    /// `layer.adapt(data)`: the vocabulary of the standardized, split strings of `data`
    /// (`[n]` or `[n, 1]`), most frequent first (ties: the larger token first), up to
    /// `max_tokens`.
    ///
    /// # Errors
    /// `InvalidArgument` for data that is not strings of those shapes.
    pub fn adapt(&self, data: &Tensor) -> Result<()> {
        let mut counts = Counts::default();
        self.count(data, &mut counts)?;
        self.lookup.finish_adapt(counts)
    }

    /// `layer.adapt(dataset)`: the vocabulary of all the dataset's batches of strings.
    ///
    /// # Errors
    /// As [`adapt`](Self::adapt), or a failing element.
    pub fn adapt_dataset(&self, data: &Dataset<Tensor>) -> Result<()> {
        let mut counts = Counts::default();
        for batch in data.iter() {
            self.count(&batch?, &mut counts)?;
        }
        self.lookup.finish_adapt(counts)
    }

    fn count(&self, data: &Tensor, counts: &mut Counts<String>) -> Result<()> {
        self.check_input(data).map_err(Error::InvalidArgument)?;
        match self.tokens(data) {
            Tokens::Sparse(t) => {
                let rows = t.dense_shape.to_vec::<i64>()[0] as usize;
                let mut docs = vec![Vec::new(); rows];
                let idx = t.indices.to_vec::<i64>();
                for (k, v) in t.values.strings().iter().enumerate() {
                    docs[idx[2 * k] as usize].push(v.clone());
                }
                docs.iter().for_each(|d| counts.add_document(d));
            }
            Tokens::Dense(t) => t.strings().iter().for_each(|s| counts.add_document(std::slice::from_ref(s))),
        }
        Ok(())
    }

    /// Why `x` cannot be vectorized, if it cannot: it must be strings, `[n]` or `[n, 1]` to be
    /// split (the shape a standardize function keeps).
    fn check_input(&self, x: &Tensor) -> std::result::Result<(), String> {
        if x.dtype() != DType::String {
            return Err(format!(
                "Layer \"{}\": TextVectorization takes string inputs, got {}",
                self.base.name,
                x.dtype()
            ));
        }
        match (self.split, x.shape().dims()) {
            (Split::None, _) if self.ngrams.is_some() => Err(format!(
                "Layer \"{}\": `ngrams` needs the text split into tokens (`split` is None)",
                self.base.name
            )),
            (Split::None, _) | (_, [_] | [_, 1]) => Ok(()),
            _ => Err(format!(
                "When using `TextVectorization` to tokenize strings, the input rank must be 1 or the last shape dimension must be 1. \
                 Received: inputs.shape={} with rank={}",
                x.shape(),
                x.rank()
            )),
        }
    }

    /// Standardized and split tokens of `x`.
    #[track_caller]
    fn tokens(&self, x: &Tensor) -> Tokens {
        if let Err(m) = self.check_input(x) {
            panic!("{m}");
        }
        let x = match &self.standardize {
            Standardize::LowerAndStripPunctuation => tf::strings::regex_replace(&tf::strings::lower(x), STRIP_PUNCTUATION, "", true),
            Standardize::Lower => tf::strings::lower(x),
            Standardize::StripPunctuation => tf::strings::regex_replace(x, STRIP_PUNCTUATION, "", true),
            Standardize::None => x.clone(),
            Standardize::Custom(f) => f(x),
        };
        if self.split == Split::None {
            return Tokens::Dense(x);
        }
        let x = if x.rank() == 2 { tf::reshape(&x, [-1]) } else { x };
        let tokens = match self.split {
            Split::Character => tf::strings::unicode_split(&x),
            _ => tf::strings::split(&x, None),
        };
        Tokens::Sparse(match &self.ngrams {
            Some((widths, _)) => tf::strings::ngrams(&tokens, widths, " "),
            None => tokens,
        })
    }
}

/// Tokens: per row (split), or the strings themselves (`split=None`).
enum Tokens {
    Sparse(SparseTensor),
    Dense(Tensor),
}

impl tf_core::Module for TextVectorization {
    fn name(&self) -> String {
        self.base.name.clone()
    }
    fn visit_fields<'a>(&'a self, _v: &mut dyn tf_core::module::Visitor<'a>) {}
}

impl Layer for TextVectorization {
    fn class_name(&self) -> String {
        "TextVectorization".into()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        self.base.input_shape.clone()
    }
    fn get_config(&self) -> Option<Config> {
        self.config()
    }
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        let int = self.output_mode == OutputMode::Int;
        // A masked (empty) token is 0 as an index; encoded, it is left out.
        let masked = if int { 0 } else { i64::MAX };
        let ids = match self.tokens(x) {
            Tokens::Dense(t) => self.lookup.lookup(&t, masked),
            Tokens::Sparse(t) => {
                let ids = self.lookup.lookup(&t.values, masked);
                let sp = SparseTensor::new(t.indices, ids, t.dense_shape);
                tf::sparse::to_dense(&sp, &tf::constant(masked))
            }
        };
        match (int, self.output_sequence_length) {
            (true, Some(n)) => {
                // Padded with zeros to at least n tokens, then cut to n.
                let padded = tf::pad(&ids, &[(0, 0), (0, n)], 0.0);
                tf::slice(&padded, &[0, 0], &[-1, n as i64])
            }
            (true, None) => ids,
            (false, _) => self.lookup.encode_indices(&ids),
        }
    }
}

impl TextVectorization {
    fn config(&self) -> Option<Config> {
        if let Standardize::Custom(_) = self.standardize {
            return None;
        }
        let mut c = self.base.config();
        c.insert("max_tokens".into(), self.max_tokens.to_config());
        c.insert("standardize".into(), self.standardize.name().into());
        let split = match self.split {
            Split::Whitespace => "whitespace".into(),
            Split::Character => "character".into(),
            Split::None => serde_json::Value::Null,
        };
        c.insert("split".into(), split);
        let ngrams = match &self.ngrams {
            None => serde_json::Value::Null,
            Some((w, true)) => w.len().into(),
            Some((w, false)) => w.clone().into(),
        };
        c.insert("ngrams".into(), ngrams);
        c.insert("output_mode".into(), self.output_mode.to_config());
        c.insert("output_sequence_length".into(), self.output_sequence_length.to_config());
        c.insert("pad_to_max_tokens".into(), self.pad_to_max_tokens.into());
        c.insert("sparse".into(), false.into());
        c.insert("ragged".into(), false.into());
        c.insert("encoding".into(), "utf-8".into());
        let lookup = self.lookup.config();
        c.insert("vocabulary".into(), lookup["vocabulary"].clone());
        c.insert("idf_weights".into(), lookup["idf_weights"].clone());
        c.insert("vocabulary_size".into(), self.vocabulary_size().into());
        Some(c)
    }

    pub(crate) fn from_config(c: &Config) -> Result<TextVectorization> {
        let class = "TextVectorization";
        let mut l = TextVectorization::new();
        l.base.read_config(c)?;
        read(c, "max_tokens", class, &mut l.max_tokens)?;
        l.standardize = match c.get("standardize") {
            None | Some(serde_json::Value::Null) => Standardize::None,
            Some(serde_json::Value::String(s)) => Standardize::from_str_checked(s)?,
            Some(v) => return Err(Error::InvalidArgument(format!("{class} config: unknown `standardize` {v}"))),
        };
        l.split = match c.get("split").and_then(|v| v.as_str()) {
            None => Split::None,
            Some(s @ ("whitespace" | "character")) => Split::from(s),
            Some(s) => return Err(Error::InvalidArgument(format!("{class} config: unknown `split` {s:?}"))),
        };
        l.ngrams = match c.get("ngrams") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match (v.as_u64(), v.as_array()) {
                (Some(n), _) if n > 0 => Some(((1..=n as usize).collect(), true)),
                (_, Some(a)) if !a.is_empty() && a.iter().all(|w| w.as_u64().is_some_and(|w| w > 0)) => {
                    Some((a.iter().filter_map(|w| w.as_u64().map(|w| w as usize)).collect(), false))
                }
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "{class} config: `ngrams` must be null, a number or a list of numbers, got {v}"
                    )))
                }
            },
        };
        for refused in ["sparse", "ragged"] {
            if c.get(refused).is_some_and(|v| !v.is_null() && *v != serde_json::Value::Bool(false)) {
                return Err(Error::Unimplemented(format!("{class} config: `{refused}` is not supported yet")));
            }
        }
        read(c, "output_mode", class, &mut l.output_mode)?;
        read(c, "output_sequence_length", class, &mut l.output_sequence_length)?;
        read(c, "pad_to_max_tokens", class, &mut l.pad_to_max_tokens)?;
        let l = l.relookup();
        let mut idf: Option<Vec<f64>> = None;
        read(c, "idf_weights", class, &mut idf)?;
        let idf: Option<Vec<f32>> = idf.map(|w| w.into_iter().map(|v| v as f32).collect());
        let mut vocab: Option<Vec<String>> = None;
        read(c, "vocabulary", class, &mut vocab)?;
        if let Some(v) = vocab {
            l.set_vocabulary(v, idf.as_deref())?;
        }
        Ok(l)
    }
}

impl Standardize {
    fn from_str_checked(s: &str) -> Result<Standardize> {
        match s {
            "lower_and_strip_punctuation" | "lower" | "strip_punctuation" => Ok(Standardize::from(s)),
            other => Err(Error::InvalidArgument(format!(
                "TextVectorization config: unknown `standardize` {other:?}"
            ))),
        }
    }
}
