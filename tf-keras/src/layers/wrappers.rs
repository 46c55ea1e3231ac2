//! Layers that wrap a layer: `Bidirectional` (a recurrent layer run forwards and backwards)
//! and `TimeDistributed` (a layer applied to every step of a sequence).

use super::{deserialize, layer_common, layer_methods, serialize, Base, Layer};
use crate::saving::config::Config;
use serde_json::Value;
use tf_core::{self as tf, Tensor};

/// How [`Bidirectional`] joins its two directions (`merge_mode=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeMode {
    /// `"concat"` (Keras's default): forward features then backward features.
    Concat,
    /// `"sum"`.
    Sum,
    /// `"mul"`.
    Mul,
    /// `"ave"`: the mean of the two.
    Ave,
    /// `None`: both outputs, forward first (`call_outputs`).
    Separate,
}

impl MergeMode {
    fn name(self) -> Value {
        match self {
            MergeMode::Concat => "concat".into(),
            MergeMode::Sum => "sum".into(),
            MergeMode::Mul => "mul".into(),
            MergeMode::Ave => "ave".into(),
            MergeMode::Separate => Value::Null,
        }
    }
    fn parse(v: &Value) -> tf::Result<MergeMode> {
        match v.as_str() {
            Some("concat") => Ok(MergeMode::Concat),
            Some("sum") => Ok(MergeMode::Sum),
            Some("mul") => Ok(MergeMode::Mul),
            Some("ave") => Ok(MergeMode::Ave),
            None if v.is_null() => Ok(MergeMode::Separate),
            _ => Err(tf::Error::InvalidArgument(format!(
                "config `merge_mode` must be one of \"sum\", \"mul\", \"ave\", \"concat\" or null, got {v}"
            ))),
        }
    }
}

/// `keras.layers.Bidirectional(layer, merge_mode="concat")`: a recurrent layer (SimpleRNN,
/// LSTM, GRU) run over the sequence forwards and, as a second layer of the same settings
/// with `go_backwards` flipped, backwards; a backward output sequence is reversed back into
/// time order before the two are merged. As in Keras, both directions are copies rebuilt
/// from the given layer's config (named `forward_<name>` and `backward_<name>`).
///
/// ```
/// use tf_core as tf;
/// use tf_core::Module;
/// use tf_keras::layers::{Bidirectional, Layer, LSTM};
/// // Keras's documented shapes: 10 steps of 16 features.
/// let layer = Bidirectional::new(LSTM::new(10).return_sequences(true));
/// let y = layer.call(&tf::zeros([5, 10, 16], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[5, 10, 20]);
/// assert_eq!(layer.variables().len(), 6); // each direction's kernel, recurrent kernel, bias
/// ```
pub struct Bidirectional {
    base: Base,
    layer: Value,
    merge_mode: MergeMode,
    return_sequences: bool,
    return_state: bool,
    forward_layer: Box<dyn Layer>,
    backward_layer: Box<dyn Layer>,
}

layer_common!(Bidirectional, [forward_layer, backward_layer]);

impl Bidirectional {
    /// Both directions of `layer`, concatenated.
    ///
    /// # Panics
    /// When `layer` is not a recurrent layer (no `go_backwards` in its config).
    #[track_caller]
    pub fn new(layer: impl Layer) -> Bidirectional {
        let v = serialize(&layer).unwrap_or_else(|e| panic!("Bidirectional: {e}"));
        Bidirectional::of_config(v, MergeMode::Concat, None).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `merge_mode=`.
    pub fn merge_mode(mut self, m: MergeMode) -> Self {
        self.merge_mode = m;
        self
    }

    fn of_config(layer: Value, merge_mode: MergeMode, name: Option<String>) -> tf::Result<Bidirectional> {
        let c = layer.get("config").and_then(Value::as_object).cloned().unwrap_or_default();
        let flag = |k: &str| c.get(k).and_then(Value::as_bool);
        let (Some(backwards), Some(return_sequences)) = (flag("go_backwards"), flag("return_sequences")) else {
            return Err(tf::Error::InvalidArgument(format!(
                "Bidirectional: the layer must be a recurrent layer (SimpleRNN, LSTM, GRU), got {}",
                layer.get("class_name").unwrap_or(&Value::Null)
            )));
        };
        let inner = c.get("name").and_then(Value::as_str).unwrap_or("rnn").to_string();
        let copy = |prefix: &str, go_backwards: bool| -> tf::Result<Box<dyn Layer>> {
            let mut v = layer.clone();
            v["config"]["name"] = format!("{prefix}_{inner}").into();
            v["config"]["go_backwards"] = go_backwards.into();
            // Masked steps of a returned sequence are zeros in both directions (Keras).
            v["config"]["zero_output_for_mask"] = return_sequences.into();
            if let Some(cfg) = v["config"].as_object_mut() {
                cfg.remove("batch_input_shape");
            }
            deserialize(&v)
        };
        let mut base = Base::new("bidirectional");
        if let Some(n) = name {
            base.name = n;
        }
        base.input_shape = c.get("batch_input_shape").and_then(|s| {
            s.as_array()
                .and_then(|d| d.iter().skip(1).map(|x| x.as_u64().map(|x| x as usize)).collect())
        });
        Ok(Bidirectional {
            base,
            forward_layer: copy("forward", backwards)?,
            backward_layer: copy("backward", !backwards)?,
            layer,
            merge_mode,
            return_sequences,
            return_state: flag("return_state").unwrap_or(false),
        })
    }

    pub(crate) fn config(&self) -> Config {
        let mut c = self.base.config();
        c.insert("layer".into(), self.layer.clone());
        c.insert("merge_mode".into(), self.merge_mode.name());
        c
    }

    pub(crate) fn from_config(c: &Config) -> tf::Result<Bidirectional> {
        let layer = c
            .get("layer")
            .cloned()
            .ok_or_else(|| tf::Error::InvalidArgument("Bidirectional config has no `layer`".into()))?;
        let merge = MergeMode::parse(c.get("merge_mode").unwrap_or(&"concat".into()))?;
        let name = c.get("name").and_then(Value::as_str).map(str::to_string);
        Bidirectional::of_config(layer, merge, name)
    }
}

impl Layer for Bidirectional {
    layer_methods!("Bidirectional");
    fn layers(&self) -> Vec<&dyn Layer> {
        vec![self.forward_layer.as_ref(), self.backward_layer.as_ref()]
    }
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.call_outputs(std::slice::from_ref(x), training).swap_remove(0)
    }
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        self.call_outputs(inputs, training).swap_remove(0)
    }
    /// The merged output (both, with `MergeMode::Separate`), then the forward states and the
    /// backward states when the layer returns its state.
    #[track_caller]
    fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        self.call_masked(inputs, &[], training).0
    }
    fn supports_masking(&self) -> bool {
        true
    }
    /// The input's mask when the layer returns sequences.
    fn compute_mask(&self, _inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        masks.first().cloned().flatten().filter(|_| self.return_sequences)
    }
    /// Both directions skip the masked steps.
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        let [x] = inputs else {
            panic!(
                "Layer \"{}\" expects 1 input, but it received {} input tensors.",
                self.base.name,
                inputs.len()
            )
        };
        let mask = [masks.first().cloned().flatten()];
        let (mut f, _) = self.forward_layer.call_masked(std::slice::from_ref(x), &mask, training);
        let (mut b, _) = self.backward_layer.call_masked(std::slice::from_ref(x), &mask, training);
        let (yf, yb) = (f.remove(0), b.remove(0));
        let yb = if self.return_sequences { tf::reverse(&yb, &[1]) } else { yb };
        let mut out = match self.merge_mode {
            MergeMode::Concat => vec![tf::concat(&[&yf, &yb], -1)],
            MergeMode::Sum => vec![&yf + &yb],
            MergeMode::Mul => vec![&yf * &yb],
            MergeMode::Ave => vec![&(&yf + &yb) * &tf::scalar(0.5, yf.dtype())],
            MergeMode::Separate => vec![yf, yb],
        };
        if self.return_state {
            out.extend(f);
            out.extend(b);
        }
        (out, self.compute_mask(inputs, masks))
    }
    fn num_outputs(&self) -> usize {
        let merged = if self.merge_mode == MergeMode::Separate { 2 } else { 1 };
        merged
            + if self.return_state {
                self.forward_layer.num_outputs() - 1 + self.backward_layer.num_outputs() - 1
            } else {
                0
            }
    }
}

/// `keras.layers.TimeDistributed(layer)`: `layer` applied to every step of `[batch, steps,
/// ...]` (one layer, so one set of weights for all steps), as Keras does by folding the
/// steps into the batch.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{Conv2D, Layer, TimeDistributed};
/// // Keras's documented example: 10 frames of 128x128 RGB, a Conv2D on each.
/// let layer = TimeDistributed::new(Conv2D::new(64, 3));
/// let y = layer.call(&tf::zeros([2, 10, 128, 128, 3], tf::float32), false);
/// assert_eq!(y.shape().dims(), &[2, 10, 126, 126, 64]);
/// ```
pub struct TimeDistributed {
    base: Base,
    layer: Box<dyn Layer>,
}

layer_common!(TimeDistributed, [layer]);

impl TimeDistributed {
    /// `layer` on every step.
    pub fn new(layer: impl Layer + 'static) -> TimeDistributed {
        TimeDistributed {
            base: Base::new("time_distributed"),
            layer: Box::new(layer),
        }
    }
    pub(crate) fn config(&self) -> tf::Result<Config> {
        let mut c = self.base.config();
        c.insert("layer".into(), serialize(self.layer.as_ref())?);
        Ok(c)
    }
    pub(crate) fn from_config(c: &Config) -> tf::Result<TimeDistributed> {
        let inner = c
            .get("layer")
            .ok_or_else(|| tf::Error::InvalidArgument("TimeDistributed config has no `layer`".into()))?;
        let mut l = TimeDistributed {
            base: Base::new("time_distributed"),
            layer: deserialize(inner)?,
        };
        l.base.read_config(c)?;
        Ok(l)
    }
}

impl Layer for TimeDistributed {
    layer_methods!("TimeDistributed", no_config);
    fn get_config(&self) -> Option<Config> {
        self.config().ok()
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        vec![self.layer.as_ref()]
    }
    /// The input's mask passes through (the wrapped layer sees one step at a time).
    fn supports_masking(&self) -> bool {
        true
    }
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        super::expect_rank(&self.base.name, x, 3, None);
        let dims = x.shape().dims();
        let steps = x
            .shape()
            .dim(1)
            .unwrap_or_else(|| panic!("Layer \"{}\" needs the number of steps known, got {}", self.base.name, x.shape()));
        let known = |d: &[usize]| -> Vec<i64> {
            d.iter()
                .map(|&n| {
                    if n == tf::Shape::UNKNOWN {
                        panic!(
                            "Layer \"{}\" needs every dimension but the batch known, got {}",
                            self.base.name,
                            x.shape()
                        )
                    }
                    n as i64
                })
                .collect()
        };
        let folded: Vec<i64> = std::iter::once(-1).chain(known(&dims[2..])).collect();
        let y = self.layer.call(&tf::reshape(x, folded), training);
        let unfolded: Vec<i64> = [-1, steps as i64].into_iter().chain(known(&y.shape().dims()[1..])).collect();
        tf::reshape(&y, unfolded)
    }
}
