//! Keras's generic recurrent layer `RNN(cell)` and its cells: the [`RnnCell`] trait (one
//! step: an input and the states to an output and new states), the built-in
//! [`SimpleRNNCell`], [`LSTMCell`] and [`GRUCell`] (the same weights and numbers as
//! `SimpleRNN`, `LSTM` and `GRU`), [`StackedRNNCells`], and a user's own cell — the guide
//! "Working with RNNs".

use super::rnn::{
    bias, cell_builders, gru_step, lstm_step, recurrent_outputs, scan, sequence_builders, sequence_mask, simple_step, weights, zero_states,
    Recurrent, RnnConfig,
};
use super::{expect_rank, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::saving::config::{Config, ConfigValue};
use std::sync::OnceLock;
use tf_core::module::Visitor;
use tf_core::{self as tf, Module, Tensor, Trackable, Variable};

/// Keras's RNN cell: what [`RNN`] runs at each time step.
///
/// ```
/// use tf_core as tf;
/// # use tf_macros::Module;
/// use tf_keras::layers::{Layer, RnnCell, RNN};
/// /// The guide's `MinimalRNNCell`: `h = x W + h_prev U`.
/// #[derive(Module)]
/// struct MinimalRNNCell {
///     kernel: tf::Variable,
///     recurrent_kernel: tf::Variable,
/// }
/// impl RnnCell for MinimalRNNCell {
///     fn state_size(&self) -> Vec<usize> {
///         vec![self.recurrent_kernel.shape().dims()[0]]
///     }
///     fn call(&self, x: &tf::Tensor, states: &[tf::Tensor], _training: bool) -> (tf::Tensor, Vec<tf::Tensor>) {
///         let h = &tf::matmul(x, &self.kernel.value()) + &tf::matmul(&states[0], &self.recurrent_kernel.value());
///         (h.clone(), vec![h])
///     }
/// }
/// let cell = MinimalRNNCell {
///     kernel: tf::Variable::new(tf::ones([5, 3], tf::float32)),
///     recurrent_kernel: tf::Variable::new(tf::zeros([3, 3], tf::float32)),
/// };
/// let y = RNN::new(cell).call(&tf::ones([2, 7, 5], tf::float32), false);
/// assert_eq!(y.to_vec::<f32>(), vec![5.0; 6]); // the last step's x W
/// ```
pub trait RnnCell: Module + Send + Sync {
    /// `cell.state_size`: the width of each state (`[units]`; an LSTM's `[units, units]`).
    fn state_size(&self) -> Vec<usize>;

    /// `cell.output_size`: the output's width (the first state's by default).
    fn output_size(&self) -> usize {
        self.state_size()[0]
    }

    /// `cell.call(inputs, states)`: one step. `x` is `[batch, features]` (one time step),
    /// `states` the previous states (`[batch, size]` each); returns the output and the new
    /// states.
    fn call(&self, x: &Tensor, states: &[Tensor], training: bool) -> (Tensor, Vec<Tensor>);

    /// The Keras class name a config names the cell by.
    fn class_name(&self) -> String {
        "RNNCell".into()
    }

    /// Keras's `get_config()`, or `None` for a cell without one (a user's cell).
    fn get_config(&self) -> Option<Config> {
        None
    }
}

impl<C: RnnCell + ?Sized> RnnCell for Box<C> {
    fn state_size(&self) -> Vec<usize> {
        (**self).state_size()
    }
    fn output_size(&self) -> usize {
        (**self).output_size()
    }
    fn call(&self, x: &Tensor, states: &[Tensor], training: bool) -> (Tensor, Vec<Tensor>) {
        (**self).call(x, states, training)
    }
    fn class_name(&self) -> String {
        (**self).class_name()
    }
    fn get_config(&self) -> Option<Config> {
        (**self).get_config()
    }
}

/// The module methods and `with_name` of a built-in cell (weights in creation order).
macro_rules! cell_common {
    ($ty:ident) => {
        impl Module for $ty {
            fn name(&self) -> String {
                self.base.name.clone()
            }
            fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
                self.kernel.track("kernel".into(), true, v);
                self.recurrent_kernel.track("recurrent_kernel".into(), true, v);
                self.bias.track("bias".into(), true, v);
            }
        }
        cell_builders!(impl $ty);
        impl $ty {
            #[doc = concat!("A `", stringify!($ty), "` of `units` units with Keras's defaults.")]
            pub fn new(units: usize) -> $ty {
                $ty {
                    base: Base::new($ty::PREFIX),
                    cfg: RnnConfig::new(units),
                    kernel: OnceLock::new(),
                    recurrent_kernel: OnceLock::new(),
                    bias: OnceLock::new(),
                }
            }
            /// Names the cell (Keras's `name=`).
            pub fn with_name(mut self, name: impl Into<String>) -> Self {
                self.base.name = name.into();
                self
            }
            /// The kernels for an input of `features` (made on the first step).
            fn kernels(&self, features: usize) -> (Tensor, Recurrent) {
                let (k, r) = weights(
                    &self.base,
                    &self.cfg,
                    features,
                    $ty::GATES,
                    &self.kernel,
                    &self.recurrent_kernel,
                );
                (k, Recurrent { kernel: r, masks: None })
            }
            /// The config: the cell's settings and name.
            fn cell_config(&self) -> Config {
                let mut c = Config::new();
                c.insert("name".into(), self.base.name.clone().into());
                c.insert("trainable".into(), true.into());
                c.insert("dtype".into(), "float32".into());
                c.insert("units".into(), self.cfg.units.into());
                c.insert("activation".into(), self.cfg.activation.to_config());
                c.insert("recurrent_activation".into(), self.cfg.recurrent_activation.to_config());
                c.insert("use_bias".into(), self.cfg.use_bias.into());
                c.insert("kernel_initializer".into(), self.cfg.kernel_initializer.to_config());
                c.insert("recurrent_initializer".into(), self.cfg.recurrent_initializer.to_config());
                c
            }
            /// Rebuilds a cell from [`cell_config`](Self::cell_config)'s settings.
            fn from_cell_config(c: &Config) -> tf::Result<$ty> {
                use crate::saving::config::read;
                let mut cell = $ty::new(0);
                let class = stringify!($ty);
                read(c, "name", class, &mut cell.base.name)?;
                read(c, "units", class, &mut cell.cfg.units)?;
                read(c, "activation", class, &mut cell.cfg.activation)?;
                read(c, "recurrent_activation", class, &mut cell.cfg.recurrent_activation)?;
                read(c, "use_bias", class, &mut cell.cfg.use_bias)?;
                read(c, "kernel_initializer", class, &mut cell.cfg.kernel_initializer)?;
                read(c, "recurrent_initializer", class, &mut cell.cfg.recurrent_initializer)?;
                Ok(cell)
            }
        }
    };
}

/// `keras.layers.SimpleRNNCell(units, activation="tanh")`: `h = activation(x W + h U + b)`.
pub struct SimpleRNNCell {
    base: Base,
    cfg: RnnConfig,
    kernel: OnceLock<Variable>,
    recurrent_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
impl SimpleRNNCell {
    const PREFIX: &'static str = "simple_rnn_cell";
    const GATES: usize = 1;
}
cell_common!(SimpleRNNCell);

impl RnnCell for SimpleRNNCell {
    fn state_size(&self) -> Vec<usize> {
        vec![self.cfg.units]
    }
    fn call(&self, x: &Tensor, states: &[Tensor], _training: bool) -> (Tensor, Vec<Tensor>) {
        let (k, rec) = self.kernels(feature_count(x));
        let mut xw = tf::matmul(x, &k);
        if self.cfg.use_bias {
            xw = &xw + &bias(&self.base, 1, self.cfg.units, &self.bias);
        }
        let h = simple_step(&self.cfg, &xw, &states[0], &rec);
        (h.clone(), vec![h])
    }
    fn class_name(&self) -> String {
        "SimpleRNNCell".into()
    }
    fn get_config(&self) -> Option<Config> {
        Some(self.cell_config())
    }
}

/// `keras.layers.LSTMCell(units, activation="tanh", recurrent_activation="sigmoid",
/// unit_forget_bias=True)`: states `[h, c]`, gates `i, f, c, o`.
pub struct LSTMCell {
    base: Base,
    cfg: RnnConfig,
    kernel: OnceLock<Variable>,
    recurrent_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
impl LSTMCell {
    const PREFIX: &'static str = "lstm_cell";
    const GATES: usize = 4;
    /// `recurrent_activation=` (sigmoid).
    #[track_caller]
    pub fn recurrent_activation(mut self, a: impl Into<Act>) -> Self {
        self.cfg.recurrent_activation = a.into();
        self
    }
}
cell_common!(LSTMCell);

impl RnnCell for LSTMCell {
    fn state_size(&self) -> Vec<usize> {
        vec![self.cfg.units, self.cfg.units]
    }
    fn call(&self, x: &Tensor, states: &[Tensor], _training: bool) -> (Tensor, Vec<Tensor>) {
        let (k, rec) = self.kernels(feature_count(x));
        let mut xw = tf::matmul(x, &k);
        if self.cfg.use_bias {
            xw = &xw + &bias(&self.base, 4, self.cfg.units, &self.bias);
        }
        let new = lstm_step(&self.cfg, &xw, states, &rec);
        (new[0].clone(), new)
    }
    fn class_name(&self) -> String {
        "LSTMCell".into()
    }
    fn get_config(&self) -> Option<Config> {
        Some(self.cell_config())
    }
}

/// `keras.layers.GRUCell(units, activation="tanh", recurrent_activation="sigmoid",
/// reset_after=True)`: gates `z, r, h`; the bias is `[2, 3 units]`.
pub struct GRUCell {
    base: Base,
    cfg: RnnConfig,
    kernel: OnceLock<Variable>,
    recurrent_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
impl GRUCell {
    const PREFIX: &'static str = "gru_cell";
    const GATES: usize = 3;
    /// `recurrent_activation=` (sigmoid).
    #[track_caller]
    pub fn recurrent_activation(mut self, a: impl Into<Act>) -> Self {
        self.cfg.recurrent_activation = a.into();
        self
    }
}
cell_common!(GRUCell);

impl RnnCell for GRUCell {
    fn state_size(&self) -> Vec<usize> {
        vec![self.cfg.units]
    }
    fn call(&self, x: &Tensor, states: &[Tensor], _training: bool) -> (Tensor, Vec<Tensor>) {
        let (k, rec) = self.kernels(feature_count(x));
        let mut xw = tf::matmul(x, &k);
        let mut rec_bias = None;
        if self.cfg.use_bias {
            let parts = tf::unstack(&bias(&self.base, 3, self.cfg.units, &self.bias), 0);
            xw = &xw + &parts[0];
            rec_bias = Some(parts[1].clone());
        }
        let h = gru_step(&self.cfg, &xw, &states[0], &rec, rec_bias.as_ref());
        (h.clone(), vec![h])
    }
    fn class_name(&self) -> String {
        "GRUCell".into()
    }
    fn get_config(&self) -> Option<Config> {
        Some(self.cell_config())
    }
}

/// The width of a step's input `[batch, features]`.
#[track_caller]
fn feature_count(x: &Tensor) -> usize {
    match x.shape().dims() {
        [_, f] => *f,
        _ => panic!("an RNN cell's input must be [batch, features] (one time step), got {}", x.shape()),
    }
}

/// `keras.layers.StackedRNNCells(cells)` (what `RNN([cell, cell])` builds): each step runs
/// the cells in order, each on the previous one's output; the states are every cell's, in
/// order, and the output the last cell's.
pub struct StackedRNNCells {
    name: String,
    cells: Vec<Box<dyn RnnCell>>,
}

impl StackedRNNCells {
    /// The cells, first to last.
    ///
    /// # Panics
    /// When `cells` is empty.
    #[track_caller]
    pub fn new(cells: Vec<Box<dyn RnnCell>>) -> StackedRNNCells {
        assert!(!cells.is_empty(), "StackedRNNCells needs at least one cell");
        StackedRNNCells {
            name: super::unique_name("stacked_rnn_cells"),
            cells,
        }
    }
}

impl Module for StackedRNNCells {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, c) in self.cells.iter().enumerate() {
            c.track(format!("cells/{i}"), true, v);
        }
    }
}

impl RnnCell for StackedRNNCells {
    fn state_size(&self) -> Vec<usize> {
        self.cells.iter().flat_map(|c| c.state_size()).collect()
    }
    fn output_size(&self) -> usize {
        self.cells.last().map_or(0, |c| c.output_size())
    }
    fn call(&self, x: &Tensor, states: &[Tensor], training: bool) -> (Tensor, Vec<Tensor>) {
        let (mut h, mut new, mut at) = (x.clone(), Vec::with_capacity(states.len()), 0);
        for c in &self.cells {
            let n = c.state_size().len();
            let (out, s) = c.call(&h, &states[at..at + n], training);
            (h, at) = (out, at + n);
            new.extend(s);
        }
        (h, new)
    }
    fn class_name(&self) -> String {
        "StackedRNNCells".into()
    }
    fn get_config(&self) -> Option<Config> {
        let cells: Vec<serde_json::Value> = self.cells.iter().map(|c| serialize_cell(&**c)).collect::<Option<_>>()?;
        let mut c = Config::new();
        c.insert("cells".into(), cells.into());
        Some(c)
    }
}

/// `{"class_name": ..., "config": ...}` of a cell with a config.
fn serialize_cell(cell: &dyn RnnCell) -> Option<serde_json::Value> {
    Some(serde_json::json!({ "class_name": cell.class_name(), "config": cell.get_config()? }))
}

/// Rebuilds a built-in cell (or a stack of them) from its serialized form.
fn deserialize_cell(v: &serde_json::Value) -> tf::Result<Box<dyn RnnCell>> {
    let bad = |what: &str| tf::Error::InvalidArgument(format!("RNN config: {what}: {v}"));
    let class = v["class_name"].as_str().ok_or_else(|| bad("a cell without a class_name"))?;
    let config = v["config"].as_object().ok_or_else(|| bad("a cell without a config"))?;
    Ok(match class {
        "SimpleRNNCell" => Box::new(SimpleRNNCell::from_cell_config(config)?),
        "LSTMCell" => Box::new(LSTMCell::from_cell_config(config)?),
        "GRUCell" => Box::new(GRUCell::from_cell_config(config)?),
        "StackedRNNCells" => {
            let cells = config["cells"].as_array().ok_or_else(|| bad("StackedRNNCells without cells"))?;
            if cells.is_empty() {
                return Err(bad("StackedRNNCells without cells"));
            }
            Box::new(StackedRNNCells::new(cells.iter().map(deserialize_cell).collect::<tf::Result<_>>()?))
        }
        other => {
            return Err(tf::Error::Unimplemented(format!(
                "RNN config: unknown cell class `{other}` (a custom cell is rebuilt by its own code)"
            )))
        }
    })
}

/// `keras.layers.RNN(cell, return_sequences=False, return_state=False, go_backwards=False)`:
/// runs `cell` over the time axis of `[batch, time, features]` input, from zero states (or
/// given ones: `call_many(&[x, state, ...])`). Masked steps keep the states and repeat the
/// previous output, as the built-in recurrent layers do. `RNN::new(LSTMCell::new(u))`
/// computes what `LSTM::new(u)` does, with the same weights.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{GRUCell, LSTMCell, Layer, StackedRNNCells, RNN};
/// let x = tf::zeros([32, 10, 8], tf::float32); // batch, timesteps, features
/// let rnn = RNN::new(LSTMCell::new(4)).return_sequences(true);
/// assert_eq!(rnn.call(&x, false).shape().dims(), &[32, 10, 4]);
/// let stacked = RNN::new(StackedRNNCells::new(vec![Box::new(LSTMCell::new(6)), Box::new(GRUCell::new(3))])).return_state(true);
/// let out = stacked.call_outputs(&[x], false); // output, then h and c of the LSTM, h of the GRU
/// let widths: Vec<usize> = out.iter().map(|t| t.shape().dims()[1]).collect();
/// assert_eq!(widths, [3, 6, 6, 3]);
/// ```
pub struct RNN<C: RnnCell = Box<dyn RnnCell>> {
    base: Base,
    cfg: RnnConfig,
    cell: C,
}

sequence_builders!(impl<C: RnnCell> RNN<C>);

impl<C: RnnCell> RNN<C> {
    /// The layer over `cell`.
    pub fn new(cell: C) -> RNN<C> {
        RNN {
            base: Base::new("rnn"),
            cfg: RnnConfig::new(0),
            cell,
        }
    }
    /// The cell.
    pub fn cell(&self) -> &C {
        &self.cell
    }
    /// Names the layer (Keras's `name=`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.base.name = name.into();
        self
    }
    /// Declares the input shape without the batch dimension (Keras's `input_shape=`).
    pub fn input_shape(mut self, shape: impl AsRef<[usize]>) -> Self {
        self.base.input_shape = Some(shape.as_ref().to_vec());
        self
    }
    /// The output and the final states, from `initial_state` or zeros, skipping the steps
    /// `mask` leaves out.
    #[track_caller]
    pub fn call_with_mask(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
        training: bool,
    ) -> (Tensor, Vec<Tensor>) {
        expect_rank(&self.base.name, x, 3, Some(3));
        let sizes = self.cell.state_size();
        let states = match initial_state {
            Some(s) if s.len() == sizes.len() => s.to_vec(),
            Some(s) => panic!(
                "Layer \"{}\": the cell has {} state(s), but {} initial state(s) were given",
                self.base.name,
                sizes.len(),
                s.len()
            ),
            None => zero_states(x, &sizes),
        };
        scan(&self.cfg, x, states, mask, |xt, s| self.cell.call(xt, s, training))
    }
}

impl<C: RnnCell> Module for RNN<C> {
    fn name(&self) -> String {
        self.base.name.clone()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        let cell: &'a dyn Module = &self.cell;
        v.module("cell".into(), cell, true);
    }
}

impl<C: RnnCell> Layer for RNN<C> {
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.call_with_mask(x, None, None, training).0
    }
    fn class_name(&self) -> String {
        "RNN".into()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        self.base.input_shape.clone()
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
        let (x, initial) = match inputs {
            [x] => (x, None),
            [x, states @ ..] => (x, Some(states)),
            [] => panic!("Layer \"{}\" expects 1 input, but it received none.", self.base.name),
        };
        let mask = masks.first().cloned().flatten();
        recurrent_outputs(&self.cfg, masks, self.call_with_mask(x, initial, mask.as_ref(), training))
    }
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        self.call_outputs(inputs, training).swap_remove(0)
    }
    #[track_caller]
    fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        self.call_masked(inputs, &[], training).0
    }
    fn num_outputs(&self) -> usize {
        if self.cfg.return_state {
            1 + self.cell.state_size().len()
        } else {
            1
        }
    }
    /// The layer's settings and its cell's (`None` for a cell without a config).
    fn get_config(&self) -> Option<Config> {
        let mut c = self.base.config();
        c.insert("cell".into(), serialize_cell(&self.cell)?);
        c.insert("return_sequences".into(), self.cfg.return_sequences.into());
        c.insert("return_state".into(), self.cfg.return_state.into());
        c.insert("go_backwards".into(), self.cfg.go_backwards.into());
        c.insert("zero_output_for_mask".into(), self.cfg.zero_output_for_mask.into());
        Some(c)
    }
}

impl RNN {
    /// Rebuilds an `RNN` of built-in cells from its config.
    pub(crate) fn from_config(c: &Config) -> tf::Result<RNN> {
        use crate::saving::config::read;
        let cell = deserialize_cell(
            c.get("cell")
                .ok_or_else(|| tf::Error::InvalidArgument("RNN config: no `cell`".into()))?,
        )?;
        let mut rnn = RNN::new(cell);
        rnn.base.read_config(c)?;
        read(c, "return_sequences", "RNN", &mut rnn.cfg.return_sequences)?;
        read(c, "return_state", "RNN", &mut rnn.cfg.return_state)?;
        read(c, "go_backwards", "RNN", &mut rnn.cfg.go_backwards)?;
        read(c, "zero_output_for_mask", "RNN", &mut rnn.cfg.zero_output_for_mask)?;
        Ok(rnn)
    }
}
