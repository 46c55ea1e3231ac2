//! Recurrent layers: SimpleRNN, LSTM and GRU (Keras's `reset_after=True` form), over
//! `[batch, timesteps, features]` input. With a mask (`[batch, timesteps]` bool, from
//! `Embedding(mask_zero=True)` or `Masking`), a masked step leaves the states as they were and
//! repeats the previous output (zeros with `zero_output_for_mask`, as `Bidirectional` sets for
//! sequences), as Keras does.

use super::{expect_rank, layer_common, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::{self as tf, DType, Tensor, Variable};

/// What the three recurrent layers share.
pub(super) struct RnnConfig {
    pub(super) units: usize,
    pub(super) activation: Act,
    pub(super) recurrent_activation: Act,
    pub(super) use_bias: bool,
    pub(super) return_sequences: bool,
    pub(super) return_state: bool,
    pub(super) go_backwards: bool,
    pub(super) zero_output_for_mask: bool,
    pub(super) dropout: f64,
    pub(super) recurrent_dropout: f64,
    pub(super) kernel_initializer: Initializer,
    pub(super) recurrent_initializer: Initializer,
}

impl RnnConfig {
    pub(super) fn new(units: usize) -> RnnConfig {
        RnnConfig {
            units,
            activation: Act::Tanh,
            recurrent_activation: Act::Sigmoid,
            use_bias: true,
            return_sequences: false,
            return_state: false,
            go_backwards: false,
            zero_output_for_mask: false,
            dropout: 0.0,
            recurrent_dropout: 0.0,
            kernel_initializer: Initializer::GLOROT_UNIFORM,
            recurrent_initializer: Initializer::Orthogonal(1.0),
        }
    }
}

/// The builders of a recurrent computation's step (a layer's or a cell's `cfg`): its
/// activation, bias and initializers. Invoked as `cell_builders!(impl Type)`.
macro_rules! cell_builders {
    ($($head:tt)*) => {
        $($head)* {
            /// `activation=` (tanh).
            #[track_caller]
            pub fn activation(mut self, a: impl Into<Act>) -> Self {
                self.cfg.activation = a.into();
                self
            }
            /// `use_bias=`.
            pub fn use_bias(mut self, b: bool) -> Self {
                self.cfg.use_bias = b;
                self
            }
            /// `kernel_initializer=`.
            #[track_caller]
            pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
                self.cfg.kernel_initializer = i.into();
                self
            }
            /// `recurrent_initializer=`.
            #[track_caller]
            pub fn recurrent_initializer(mut self, i: impl Into<Initializer>) -> Self {
                self.cfg.recurrent_initializer = i.into();
                self
            }
        }
    };
}
pub(super) use cell_builders;

/// The builders of a layer that runs a step over time (its `cfg`): what it returns and in
/// which order it walks the steps. Invoked as `sequence_builders!(impl Type)`.
macro_rules! sequence_builders {
    ($($head:tt)*) => {
        $($head)* {
            /// `return_sequences=`: the output at every step, `[batch, time, units]`.
            pub fn return_sequences(mut self, r: bool) -> Self {
                self.cfg.return_sequences = r;
                self
            }
            /// `return_state=`: `call_outputs` (and `call_with_mask`) also return the final
            /// states (`call` returns the output only).
            pub fn return_state(mut self, r: bool) -> Self {
                self.cfg.return_state = r;
                self
            }
            /// `go_backwards=`: the steps in reverse order.
            pub fn go_backwards(mut self, g: bool) -> Self {
                self.cfg.go_backwards = g;
                self
            }
            /// `zero_output_for_mask=`: a masked step outputs zeros instead of repeating the
            /// previous output.
            pub fn zero_output_for_mask(mut self, z: bool) -> Self {
                self.cfg.zero_output_for_mask = z;
                self
            }
        }
    };
}
pub(super) use sequence_builders;

macro_rules! rnn_builders {
    ($ty:ident, $states:literal) => {
        impl $ty {
            /// `inputs` as `x` and the initial states, if given.
            #[track_caller]
            fn split_inputs<'a>(&self, inputs: &'a [Tensor]) -> (&'a Tensor, Option<&'a [Tensor]>) {
                match inputs {
                    [x] => (x, None),
                    [x, states @ ..] if states.len() == $states => (x, Some(states)),
                    _ => panic!(
                        "Layer \"{}\" expects 1 input, or 1 input and its {} initial state(s), but it received {} input tensors.",
                        self.base.name,
                        $states,
                        inputs.len()
                    ),
                }
            }
            /// The output and the final states, from `initial_state` or zeros (inference:
            /// no dropout).
            #[track_caller]
            pub fn call_with_state(&self, x: &Tensor, initial_state: Option<&[Tensor]>) -> (Tensor, Vec<Tensor>) {
                self.call_with_mask(x, initial_state, None, false)
            }
            /// `dropout=`: the fraction of the inputs dropped while training (one mask a
            /// call, the same at every step).
            #[track_caller]
            pub fn dropout(mut self, rate: f64) -> Self {
                self.cfg.dropout = rate_in_range("dropout", rate);
                self
            }
            /// `recurrent_dropout=`: the fraction of the previous output dropped while
            /// training, before the recurrent kernel (one mask a gate and call).
            #[track_caller]
            pub fn recurrent_dropout(mut self, rate: f64) -> Self {
                self.cfg.recurrent_dropout = rate_in_range("recurrent_dropout", rate);
                self
            }
        }
        cell_builders!(impl $ty);
        sequence_builders!(impl $ty);
        impl Layer for $ty {
            fn get_config(&self) -> Option<$crate::saving::config::Config> {
                Some(self.config())
            }
            fn class_name(&self) -> String {
                stringify!($ty).into()
            }
            fn declared_input_shape(&self) -> Option<Vec<usize>> {
                self.base.input_shape.clone()
            }
            #[track_caller]
            fn call(&self, x: &Tensor, training: bool) -> Tensor {
                self.call_with_mask(x, None, None, training).0
            }
            fn supports_masking(&self) -> bool {
                true
            }
            /// The input's mask when the layer returns sequences; none for the last output.
            fn compute_mask(&self, _inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
                sequence_mask(&self.cfg, masks)
            }
            #[track_caller]
            fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
                let (x, initial) = self.split_inputs(inputs);
                let mask = masks.first().cloned().flatten();
                recurrent_outputs(&self.cfg, masks, self.call_with_mask(x, initial, mask.as_ref(), training))
            }
            /// `inputs` is `[x]`, or `[x, state...]` to start from given states (Keras's
            /// `layer(x, initial_state=[...])`): the output.
            #[track_caller]
            fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
                self.call_outputs(inputs, training).swap_remove(0)
            }
            /// The output, then the final states when `return_state` is set.
            #[track_caller]
            fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
                self.call_masked(inputs, &[], training).0
            }
            fn num_outputs(&self) -> usize {
                if self.cfg.return_state {
                    1 + $states
                } else {
                    1
                }
            }
        }
    };
}

/// Runs `step` (one step's input and the states to the output and the new states) over the
/// time axis of `xw` (`[batch, time, k]`: the input, or its projection), returning (the
/// output as `return_sequences` asks, the final states). Where `mask` (`[batch, time]`) is
/// false, a step keeps the states and repeats the previous output (or outputs zeros,
/// `zero_output_for_mask`).
#[track_caller]
pub(super) fn scan(
    cfg: &RnnConfig,
    xw: &Tensor,
    mut states: Vec<Tensor>,
    mask: Option<&Tensor>,
    step: impl Fn(&Tensor, &[Tensor]) -> (Tensor, Vec<Tensor>),
) -> (Tensor, Vec<Tensor>) {
    let mut steps = tf::unstack(xw, 1);
    let mut keep: Option<Vec<Tensor>> = mask.map(|m| {
        if m.rank() != 2 || (m.shape().dim(1).is_some() && m.shape().dim(1) != Some(steps.len())) {
            panic!(
                "a recurrent layer's mask must be [batch, {}] (one entry a step), got {}",
                steps.len(),
                m.shape()
            );
        }
        tf::unstack(&tf::expand_dims(&tf::cast(m, DType::Bool), -1), 1)
    });
    if cfg.go_backwards {
        steps.reverse();
        if let Some(k) = &mut keep {
            k.reverse();
        }
    }
    let mut outputs = Vec::with_capacity(if cfg.return_sequences { steps.len() } else { 0 });
    let mut last: Option<Tensor> = None;
    for (t, xt) in steps.iter().enumerate() {
        let (out, new) = step(xt, &states);
        let out = match &keep {
            None => {
                states = new;
                out
            }
            Some(keep) => {
                let k = &keep[t];
                let held = match &last {
                    Some(prev) if !cfg.zero_output_for_mask => prev.clone(),
                    _ => tf::zeros_like(&out),
                };
                states = new.iter().zip(&states).map(|(n, old)| tf::where_(k, n, old)).collect();
                tf::where_(k, &out, &held)
            }
        };
        if cfg.return_sequences {
            outputs.push(out.clone());
        }
        last = Some(out);
    }
    let out = if cfg.return_sequences {
        tf::stack(&outputs.iter().collect::<Vec<_>>(), 1)
    } else {
        last.unwrap_or_else(|| states[0].clone())
    };
    (out, states)
}

/// A recurrent layer's output mask: the input's when it returns sequences, none for the
/// last output alone.
pub(super) fn sequence_mask(cfg: &RnnConfig, masks: &[Option<Tensor>]) -> Option<Tensor> {
    masks.first().cloned().flatten().filter(|_| cfg.return_sequences)
}

/// A recurrent layer's `call_masked` result from its run: the output, then the final states
/// when `return_state` is set; and the output's mask.
pub(super) fn recurrent_outputs(
    cfg: &RnnConfig,
    masks: &[Option<Tensor>],
    (out, states): (Tensor, Vec<Tensor>),
) -> (Vec<Tensor>, Option<Tensor>) {
    let outputs = if cfg.return_state {
        std::iter::once(out).chain(states).collect()
    } else {
        vec![out]
    };
    (outputs, sequence_mask(cfg, masks))
}

/// A dropout rate Keras accepts, `0 <= rate <= 1`.
#[track_caller]
fn rate_in_range(what: &str, rate: f64) -> f64 {
    if !(0.0..=1.0).contains(&rate) {
        panic!("Invalid value received for argument `{what}`. Expected a float value between 0 and 1. Received: {what}={rate}");
    }
    rate
}

/// Keras's dropout for one call of a recurrent layer while training: masks of `0` or
/// `1 / (1 - rate)` drawn once and used at every step, for the inputs (`[batch, features]`)
/// and the previous output (`[batch, units]`). One mask a gate when `recurrent_dropout` is set
/// (Keras then runs its per-gate `implementation=1`), else one for all gates.
fn dropout_masks(cfg: &RnnConfig, x: &Tensor, gates: usize, training: bool) -> (Option<Vec<Tensor>>, Option<Vec<Tensor>>) {
    let count = if cfg.recurrent_dropout > 0.0 { gates } else { 1 };
    let draw = |rate: f64, like: &dyn Fn() -> Tensor| -> Option<Vec<Tensor>> {
        (training && rate > 0.0 && rate < 1.0).then(|| {
            let ones = tf::ones_like(&like());
            (0..count).map(|_| tf::nn::dropout(&ones, rate, None)).collect()
        })
    };
    let inputs = draw(cfg.dropout, &|| tf::gather(x, &tf::constant(0i32), 1));
    let recurrent = draw(cfg.recurrent_dropout, &|| initial(x, cfg.units, None, 1).swap_remove(0));
    (inputs, recurrent)
}

/// `dot(v, kernel)` with `v` under its dropout masks: one mask for the whole kernel, or one
/// for each gate's block of columns.
fn gate_blocks(v: &Tensor, kernel: &Tensor, masks: Option<&[Tensor]>, dot: impl Fn(&Tensor, &Tensor) -> Tensor) -> Tensor {
    // A `[batch, features]` mask against a `[batch, time, features]` input covers every step.
    let masked = |m: &Tensor| if v.rank() == 3 { v * &tf::expand_dims(m, 1) } else { v * m };
    match masks {
        None => dot(v, kernel),
        Some([m]) => dot(&masked(m), kernel),
        Some(ms) => {
            let cols = kernel.shape().dims()[1] / ms.len();
            let blocks = tf::split(kernel, &vec![cols; ms.len()], 1);
            let parts: Vec<Tensor> = ms.iter().zip(&blocks).map(|(m, k)| dot(&masked(m), k)).collect();
            tf::concat(&parts.iter().collect::<Vec<_>>(), -1)
        }
    }
}

/// The recurrent kernel and this call's recurrent dropout masks.
pub(super) struct Recurrent {
    pub(super) kernel: Tensor,
    pub(super) masks: Option<Vec<Tensor>>,
}

impl Recurrent {
    /// `h U`, each gate's block from `h` under its mask.
    fn of(&self, h: &Tensor) -> Tensor {
        gate_blocks(h, &self.kernel, self.masks.as_deref(), tf::matmul)
    }
}

fn initial(x: &Tensor, units: usize, given: Option<&[Tensor]>, n: usize) -> Vec<Tensor> {
    if let Some(s) = given {
        return s.to_vec();
    }
    zero_states(x, &vec![units; n])
}

/// Zero states of these widths for the batch of `x` (`[batch, time, ...]`), also when the
/// batch is unknown in a trace.
pub(super) fn zero_states(x: &Tensor, sizes: &[usize]) -> Vec<Tensor> {
    sizes.iter().map(|&units| zero_state(x, units)).collect()
}

fn zero_state(x: &Tensor, units: usize) -> Tensor {
    match x.shape().dim(0) {
        Some(batch) => tf::zeros([batch, units], DType::F32),
        // A traced batch of unknown size: zeros shaped by the input when the graph runs.
        None => {
            use tf::SliceItem::Range;
            let first = Range {
                start: Some(0),
                end: Some(1),
                step: 1,
            };
            let all = Range {
                start: None,
                end: None,
                step: 1,
            };
            let column = tf::reshape(&tf::zeros_like(&tf::strided_slice(x, &[all, first, first])), [-1, 1]);
            &tf::cast(&column, DType::F32) + &tf::zeros([units], DType::F32)
        }
    }
}

/// The kernel `[features, gates units]` and recurrent kernel `[units, gates units]`, made on
/// the first call from the input's width.
pub(super) fn weights(
    base: &Base,
    c: &RnnConfig,
    features: usize,
    gates: usize,
    kernel: &OnceLock<Variable>,
    recurrent_kernel: &OnceLock<Variable>,
) -> (Tensor, Tensor) {
    let u = c.units;
    let k = kernel.get_or_init(|| base.weight("kernel", &c.kernel_initializer, &[features, gates * u], true));
    let r = recurrent_kernel.get_or_init(|| base.weight("recurrent_kernel", &c.recurrent_initializer, &[u, gates * u], true));
    (k.value(), r.value())
}

/// The bias of a SimpleRNN (`[units]`, zeros), an LSTM (`[4 units]`, Keras's
/// `unit_forget_bias`: the forget gate's part starts at one) or a GRU (`[2, 3 units]`: the
/// input and the recurrent bias, zeros), made on the first call.
pub(super) fn bias(base: &Base, gates: usize, units: usize, slot: &OnceLock<Variable>) -> Tensor {
    slot.get_or_init(|| match gates {
        4 => {
            let u = units;
            let v: Vec<f32> = (0..4 * u).map(|i| if (u..2 * u).contains(&i) { 1.0 } else { 0.0 }).collect();
            Variable::with_options(
                Tensor::from_vec(v, [4 * u]).expect("4u values"),
                format!("{}/bias", base.name),
                true,
            )
        }
        3 => base.weight("bias", &Initializer::Zeros, &[2, 3 * units], true),
        _ => base.weight("bias", &Initializer::Zeros, &[units], true),
    })
    .value()
}

/// One SimpleRNN step: `activation(xw + h U)`, `xw` the step's input projection (bias
/// included).
pub(super) fn simple_step(c: &RnnConfig, xw: &Tensor, h: &Tensor, rec: &Recurrent) -> Tensor {
    c.activation.apply(&(xw + &rec.of(h)))
}

/// One LSTM step from the input projection `xw` (bias included) and the states `[h, c]`:
/// the new `[h, c]`.
pub(super) fn lstm_step(c: &RnnConfig, xw: &Tensor, s: &[Tensor], rec: &Recurrent) -> Vec<Tensor> {
    lstm_gates(c, &(xw + &rec.of(&s[0])), &s[1])
}

/// The LSTM gates from `z` (the input and recurrent terms summed, gates `i, f, c, o` along
/// the last axis) and the previous carry: the new `[h, c]`.
pub(super) fn lstm_gates(c: &RnnConfig, z: &Tensor, carry: &Tensor) -> Vec<Tensor> {
    let u = c.units;
    let g = tf::split(z, &[u, u, u, u], -1);
    let i = c.recurrent_activation.apply(&g[0]);
    let f = c.recurrent_activation.apply(&g[1]);
    let cell = &(&f * carry) + &(&i * &c.activation.apply(&g[2]));
    let o = c.recurrent_activation.apply(&g[3]);
    let h = &o * &c.activation.apply(&cell);
    vec![h, cell]
}

/// One GRU (`reset_after`) step from the input projection `xw` (input bias included), the
/// state `h` and the recurrent bias: the new `h`.
pub(super) fn gru_step(c: &RnnConfig, xw: &Tensor, h: &Tensor, rec: &Recurrent, rec_bias: Option<&Tensor>) -> Tensor {
    let u = c.units;
    let mut r = rec.of(h);
    if let Some(b) = rec_bias {
        r = &r + b;
    }
    let xg = tf::split(xw, &[u, u, u], -1);
    let rg = tf::split(&r, &[u, u, u], -1);
    let z = c.recurrent_activation.apply(&(&xg[0] + &rg[0]));
    let rr = c.recurrent_activation.apply(&(&xg[1] + &rg[1]));
    let hh = c.activation.apply(&(&xg[2] + &(&rr * &rg[2])));
    &(&z * h) + &(&(1.0f32 - &z) * &hh)
}

/// A recurrent layer struct with `$gates` gate blocks in its kernels: the struct, its
/// builders, `new`, and the lazily built kernels.
macro_rules! rnn_layer {
    ($(#[$doc:meta])* $ty:ident, $prefix:literal, $gates:literal, $states:literal) => {
        $(#[$doc])*
        pub struct $ty {
            base: Base,
            cfg: RnnConfig,
            kernel: OnceLock<Variable>,
            recurrent_kernel: OnceLock<Variable>,
            bias: OnceLock<Variable>,
        }
        layer_common!($ty, [kernel, recurrent_kernel, bias]);
        layer_config!($ty, $ty::new(0), {
            "units" => cfg.units, "activation" => cfg.activation, "recurrent_activation" => cfg.recurrent_activation,
            "use_bias" => cfg.use_bias, "return_sequences" => cfg.return_sequences, "return_state" => cfg.return_state,
            "go_backwards" => cfg.go_backwards, "zero_output_for_mask" => cfg.zero_output_for_mask,
            "dropout" => cfg.dropout, "recurrent_dropout" => cfg.recurrent_dropout,
            "kernel_initializer" => cfg.kernel_initializer,
            "recurrent_initializer" => cfg.recurrent_initializer,
        });
        rnn_builders!($ty, $states);
        impl $ty {
            #[doc = concat!("A `", stringify!($ty), "` layer with `units` units.")]
            pub fn new(units: usize) -> $ty {
                $ty {
                    base: Base::new($prefix),
                    cfg: RnnConfig::new(units),
                    kernel: OnceLock::new(),
                    recurrent_kernel: OnceLock::new(),
                    bias: OnceLock::new(),
                }
            }
            /// The input projection `x W` for every step and the recurrent kernel `U` (both
            /// created on the first call), with this call's dropout masks when training.
            #[track_caller]
            fn kernels(&self, x: &Tensor, training: bool) -> (Tensor, Recurrent) {
                expect_rank(&self.base.name, x, 3, Some(3));
                let c = &self.cfg;
                let (k, r) = weights(&self.base, c, x.shape().dims()[2], $gates, &self.kernel, &self.recurrent_kernel);
                let (inputs, recurrent) = dropout_masks(c, x, $gates, training);
                let rec = Recurrent {
                    kernel: r,
                    masks: recurrent,
                };
                (gate_blocks(x, &k, inputs.as_deref(), |x, k| tf::tensordot(x, k, &[-1], &[0])), rec)
            }
        }
    };
}

rnn_layer!(
    /// `keras.layers.SimpleRNN(units, activation="tanh", return_sequences=False,
    /// return_state=False)`: `h = activation(x W + h U + b)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, SimpleRNN};
    /// let x = tf::zeros([32, 10, 8], tf::float32); // batch, timesteps, features
    /// assert_eq!(SimpleRNN::new(4).call(&x, false).shape().dims(), &[32, 4]);
    /// ```
    SimpleRNN,
    "simple_rnn",
    1,
    1
);
impl SimpleRNN {
    /// The output and the final state `[h]`, from `initial_state` or zeros, skipping the
    /// steps `mask` leaves out; `training` turns dropout on.
    #[track_caller]
    pub fn call_with_mask(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
        training: bool,
    ) -> (Tensor, Vec<Tensor>) {
        let (c, u) = (&self.cfg, self.cfg.units);
        let (mut xw, rec) = self.kernels(x, training);
        if c.use_bias {
            xw = &xw + &bias(&self.base, 1, u, &self.bias);
        }
        scan(c, &xw, initial(x, u, initial_state, 1), mask, |xt, s| {
            let h = simple_step(c, xt, &s[0], &rec);
            (h.clone(), vec![h])
        })
    }
}

rnn_layer!(
    /// `keras.layers.LSTM(units, activation="tanh", recurrent_activation="sigmoid",
    /// unit_forget_bias=True)`: gates `i, f, c, o` in that order in the weights.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, LSTM};
    /// let x = tf::zeros([32, 10, 8], tf::float32); // batch, timesteps, features
    /// assert_eq!(LSTM::new(4).call(&x, false).shape().dims(), &[32, 4]);
    /// let (seq, states) = LSTM::new(4).return_sequences(true).return_state(true).call_with_state(&x, None);
    /// assert_eq!(seq.shape().dims(), &[32, 10, 4]);
    /// let shapes: Vec<&[usize]> = states.iter().map(|t| t.shape().dims()).collect();
    /// assert_eq!(shapes, [&[32, 4][..], &[32, 4]]); // h, c
    /// // Dropout only while training.
    /// let lstm = LSTM::new(4).dropout(0.2).recurrent_dropout(0.2);
    /// let x = tf::random::normal(&[32, 10, 8], 0.0, 1.0, tf::float32, None);
    /// assert_eq!(lstm.call(&x, false).to_vec::<f32>(), lstm.call(&x, false).to_vec::<f32>());
    /// assert_ne!(lstm.call(&x, true).to_vec::<f32>(), lstm.call(&x, false).to_vec::<f32>());
    /// ```
    LSTM,
    "lstm",
    4,
    2
);
impl LSTM {
    /// The output and the final states `[h, c]`, from `initial_state` or zeros, skipping the
    /// steps `mask` leaves out; `training` turns dropout on.
    #[track_caller]
    pub fn call_with_mask(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
        training: bool,
    ) -> (Tensor, Vec<Tensor>) {
        let (c, u) = (&self.cfg, self.cfg.units);
        let (mut xw, rec) = self.kernels(x, training);
        if c.use_bias {
            xw = &xw + &bias(&self.base, 4, u, &self.bias);
        }
        scan(c, &xw, initial(x, u, initial_state, 2), mask, |xt, s| {
            let new = lstm_step(c, xt, s, &rec);
            (new[0].clone(), new)
        })
    }
}

rnn_layer!(
    /// `keras.layers.GRU(units, activation="tanh", recurrent_activation="sigmoid",
    /// reset_after=True)`: gates `z, r, h`; the bias is `[2, 3 units]` (input and recurrent).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::layers::{Layer, GRU};
    /// let x = tf::zeros([32, 10, 8], tf::float32); // batch, timesteps, features
    /// assert_eq!(GRU::new(4).call(&x, false).shape().dims(), &[32, 4]);
    /// ```
    GRU,
    "gru",
    3,
    1
);
impl GRU {
    /// The output and the final state `[h]`, from `initial_state` or zeros, skipping the
    /// steps `mask` leaves out; `training` turns dropout on.
    #[track_caller]
    pub fn call_with_mask(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
        training: bool,
    ) -> (Tensor, Vec<Tensor>) {
        let (c, u) = (&self.cfg, self.cfg.units);
        let (mut xw, rec) = self.kernels(x, training);
        let mut rec_bias = None;
        if c.use_bias {
            let parts = tf::unstack(&bias(&self.base, 3, u, &self.bias), 0);
            xw = &xw + &parts[0];
            rec_bias = Some(parts[1].clone());
        }
        scan(c, &xw, initial(x, u, initial_state, 1), mask, |xt, s| {
            let h = gru_step(c, xt, &s[0], &rec, rec_bias.as_ref());
            (h.clone(), vec![h])
        })
    }
}
