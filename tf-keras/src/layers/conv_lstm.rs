//! `keras.layers.ConvLSTM2D`: an LSTM whose input and recurrent transforms are 2-D
//! convolutions, over `[batch, time, rows, cols, channels]` (next-frame prediction).

use super::conv::padding;
use super::rnn::{bias, cell_builders, lstm_gates, recurrent_outputs, scan, sequence_builders, RnnConfig};
use super::{expect_rank, layer_common, layer_methods, Base, Layer};
use crate::activations::Activation as Act;
use crate::initializers::Initializer;
use crate::saving::config::layer_config;
use std::sync::OnceLock;
use tf_core::nn::Size2;
use tf_core::{self as tf, Tensor, Variable};

/// `keras.layers.ConvLSTM2D(filters, kernel_size, strides=(1, 1), padding="valid",
/// dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
/// unit_forget_bias=True, return_sequences=False, return_state=False)`: the LSTM gates
/// `i, f, c, o` from `conv(x_t, W) + conv_same(h, U) + b`; the states `h` and `c` are
/// `[batch, rows', cols', filters]` maps.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{ConvLSTM2D, Layer};
/// let frames = tf::zeros([2, 5, 16, 16, 1], tf::float32); // batch, time, rows, cols, channels
/// let layer = ConvLSTM2D::new(8, 3).padding("same").return_sequences(true);
/// assert_eq!(layer.call(&frames, false).shape().dims(), &[2, 5, 16, 16, 8]);
/// ```
pub struct ConvLSTM2D {
    base: Base,
    cfg: RnnConfig,
    kernel_size: Size2,
    strides: Size2,
    padding: &'static str,
    dilation: Size2,
    kernel: OnceLock<Variable>,
    recurrent_kernel: OnceLock<Variable>,
    bias: OnceLock<Variable>,
}
layer_common!(ConvLSTM2D, [kernel, recurrent_kernel, bias]);
layer_config!(ConvLSTM2D, ConvLSTM2D::new(0, 1), {
    "filters" => cfg.units, "kernel_size" => kernel_size, "strides" => strides, "padding" => padding,
    "dilation_rate" => dilation, "activation" => cfg.activation, "recurrent_activation" => cfg.recurrent_activation,
    "use_bias" => cfg.use_bias, "return_sequences" => cfg.return_sequences, "return_state" => cfg.return_state,
    "go_backwards" => cfg.go_backwards, "kernel_initializer" => cfg.kernel_initializer,
    "recurrent_initializer" => cfg.recurrent_initializer,
});
cell_builders!(impl ConvLSTM2D);
sequence_builders!(impl ConvLSTM2D);

impl ConvLSTM2D {
    /// A layer of `filters` feature maps with windows of `kernel_size`.
    pub fn new(filters: usize, kernel_size: impl Into<Size2>) -> ConvLSTM2D {
        let mut cfg = RnnConfig::new(filters);
        cfg.recurrent_activation = Act::HardSigmoid;
        ConvLSTM2D {
            base: Base::new("conv_lstm2d"),
            cfg,
            kernel_size: kernel_size.into(),
            strides: Size2::from(1),
            padding: "VALID",
            dilation: Size2::from(1),
            kernel: OnceLock::new(),
            recurrent_kernel: OnceLock::new(),
            bias: OnceLock::new(),
        }
    }
    /// `strides=` of the input convolution.
    pub fn strides(mut self, s: impl Into<Size2>) -> Self {
        self.strides = s.into();
        self
    }
    /// `padding="valid" | "same"` of the input convolution (the recurrent one is "same").
    #[track_caller]
    pub fn padding(mut self, p: &str) -> Self {
        self.padding = padding(p, false);
        self
    }
    /// `dilation_rate=` of the input convolution.
    pub fn dilation_rate(mut self, d: impl Into<Size2>) -> Self {
        self.dilation = d.into();
        self
    }
    /// `recurrent_activation=` (Keras 2's `hard_sigmoid`).
    #[track_caller]
    pub fn recurrent_activation(mut self, a: impl Into<Act>) -> Self {
        self.cfg.recurrent_activation = a.into();
        self
    }

    /// The output and the final states `[h, c]`, from `initial_state` or zeros.
    #[track_caller]
    pub fn call_with_state(&self, x: &Tensor, initial_state: Option<&[Tensor]>) -> (Tensor, Vec<Tensor>) {
        expect_rank(&self.base.name, x, 5, Some(5));
        let (c, f) = (&self.cfg, self.cfg.units);
        let d = x.shape().dims();
        let (steps, cin) = (d[1], d[4]);
        let (kh, kw) = (self.kernel_size.0, self.kernel_size.1);
        let k = self
            .kernel
            .get_or_init(|| self.base.weight("kernel", &c.kernel_initializer, &[kh, kw, cin, 4 * f], true));
        let r = self.recurrent_kernel.get_or_init(|| {
            self.base
                .weight("recurrent_kernel", &c.recurrent_initializer, &[kh, kw, f, 4 * f], true)
        });
        // Every step's input convolution at once, over batch and time together.
        let frames = tf::reshape(x, [-1, d[2] as i64, d[3] as i64, cin as i64]);
        let mut xw = tf::nn::conv2d(&frames, &k.value(), self.strides, self.padding, self.dilation);
        if c.use_bias {
            xw = &xw + &bias(&self.base, 4, f, &self.bias);
        }
        let o = xw.shape().dims().to_vec();
        let xw = tf::reshape(&xw, [-1, steps as i64, o[1] as i64, o[2] as i64, (4 * f) as i64]);
        let states = match initial_state {
            Some(s) => s.to_vec(),
            None => {
                let first = tf::gather(&xw, &tf::constant(0i32), 1);
                let zeros = tf::zeros_like(&tf::slice(&first, &[0, 0, 0, 0], &[-1, -1, -1, f as i64]));
                vec![zeros.clone(), zeros]
            }
        };
        let rec = r.value();
        scan(c, &xw, states, None, |xt, s| {
            let z = xt + &tf::nn::conv2d(&s[0], &rec, 1, "SAME", 1);
            let new = lstm_gates(c, &z, &s[1]);
            (new[0].clone(), new)
        })
    }
}

impl Layer for ConvLSTM2D {
    layer_methods!("ConvLSTM2D");
    #[track_caller]
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        self.call_with_state(x, None).0
    }
    /// `[x]`, or `[x, h, c]` to start from given states: the output, then the final states
    /// when `return_state` is set.
    #[track_caller]
    fn call_outputs(&self, inputs: &[Tensor], _training: bool) -> Vec<Tensor> {
        let run = match inputs {
            [x] => self.call_with_state(x, None),
            [x, h, c] => self.call_with_state(x, Some(&[h.clone(), c.clone()])),
            _ => panic!(
                "Layer \"{}\" expects 1 input, or 1 input and its 2 initial states, but it received {} input tensors.",
                self.base.name,
                inputs.len()
            ),
        };
        recurrent_outputs(&self.cfg, &[], run).0
    }
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        self.call_outputs(inputs, training).swap_remove(0)
    }
    fn num_outputs(&self) -> usize {
        if self.cfg.return_state {
            3
        } else {
            1
        }
    }
}
