//! Keras's generic `RNN(cell)` with the built-in cells, stacked cells and the guide's custom
//! `MinimalRNNCell`, against a real TensorFlow run (`tests/golden/gen_rnn_cells.py`, tf_keras
//! 2.21): outputs (states included) and the gradients of every weight, with and without
//! masks; `RNN(LSTMCell)` equals `LSTM`; configs round-trip.

mod common;

use tf::keras::layers::{GRUCell, LSTMCell, Layer, Masking, RnnCell, SimpleRNNCell, StackedRNNCells, GRU, LSTM, RNN};
use tf::keras::{self, Apply, Input, Model};
use tf::{GradientTape, Module, Tensor, Variable};

fn golden() -> &'static serde_json::Value {
    static G: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    G.get_or_init(|| common::golden_json("rnn_cells.json"))
}

/// The guide's custom cell: `h = x W + h_prev U`, its weights made on the first step.
#[derive(tf::Module)]
struct MinimalRNNCell {
    units: usize,
    kernel: std::sync::OnceLock<Variable>,
    recurrent_kernel: std::sync::OnceLock<Variable>,
}

impl MinimalRNNCell {
    fn new(units: usize) -> MinimalRNNCell {
        MinimalRNNCell {
            units,
            kernel: Default::default(),
            recurrent_kernel: Default::default(),
        }
    }
}

impl RnnCell for MinimalRNNCell {
    fn state_size(&self) -> Vec<usize> {
        vec![self.units]
    }
    fn call(&self, x: &Tensor, states: &[Tensor], _training: bool) -> (Tensor, Vec<Tensor>) {
        let features = x.shape().dims()[1];
        let uniform = |shape: [usize; 2]| Variable::new(tf::random::uniform(&shape, -0.05, 0.05, tf::float32, None));
        let k = self.kernel.get_or_init(|| uniform([features, self.units]));
        let r = self.recurrent_kernel.get_or_init(|| uniform([self.units, self.units]));
        let h = &tf::matmul(x, &k.value()) + &tf::matmul(&states[0], &r.value());
        (h.clone(), vec![h])
    }
}

fn cells(cells: Vec<Box<dyn RnnCell>>) -> StackedRNNCells {
    StackedRNNCells::new(cells)
}

/// The golden case's layer.
fn layer(name: &str) -> Box<dyn Layer> {
    match name {
        "simple" => Box::new(RNN::new(SimpleRNNCell::new(4))),
        "lstm_sequences" => Box::new(RNN::new(LSTMCell::new(4)).return_sequences(true)),
        "gru_state" => Box::new(RNN::new(GRUCell::new(3)).return_state(true)),
        "stacked" => Box::new(RNN::new(cells(vec![Box::new(LSTMCell::new(3)), Box::new(GRUCell::new(2))])).return_state(true)),
        "minimal_backwards" => Box::new(RNN::new(MinimalRNNCell::new(3)).go_backwards(true).return_sequences(true)),
        "lstm_masked" => Box::new(RNN::new(LSTMCell::new(3)).return_sequences(true)),
        "stacked_masked" => Box::new(RNN::new(cells(vec![Box::new(SimpleRNNCell::new(3)), Box::new(LSTMCell::new(2))]))),
        other => panic!("no layer for golden case {other}"),
    }
}

#[test]
fn rnn_cells_match_tensorflow() {
    for c in golden()["cases"].as_array().expect("cases") {
        let name = c["name"].as_str().expect("name");
        let masking = c["masking"].as_bool().expect("masking");
        let x = common::json_tensor(&golden()[if masking { "masked" } else { "x" }]);
        let inp = Input::new([5, 4]);
        let h = if masking { Masking::new(0.0).apply(&inp) } else { inp.clone() };
        let outs = layer(name).apply_outputs(&h);
        let model = Model::new(&inp, outs).expect("model");
        model.call_outputs(std::slice::from_ref(&x), false);
        let vars = model.variables();
        let shapes: Vec<Vec<usize>> = vars.iter().map(|v| v.shape().dims().to_vec()).collect();
        let want: Vec<Vec<usize>> = c["weights"]
            .as_array()
            .expect("weights")
            .iter()
            .map(|s| common::usizes(s, "shape"))
            .collect();
        assert_eq!(shapes, want, "{name}: weight shapes");
        let w: Vec<Tensor> = shapes.iter().enumerate().map(|(k, s)| common::golden_weight(s, k)).collect();
        model.set_weights(&w).expect("weights");

        let tape = GradientTape::new();
        let outs = model.call_outputs(std::slice::from_ref(&x), false);
        let flat: Vec<Tensor> = outs.iter().map(|o| tf::reshape(o, [-1])).collect();
        let loss = common::sin_weighted_sum(&tf::concat(&flat.iter().collect::<Vec<_>>(), 0), 1.3);
        let grads = tape.gradients(&[&loss], &vars, None, tf::UnconnectedGradients::Zero);

        let want_outs = c["outputs"].as_array().expect("outputs");
        assert_eq!(outs.len(), want_outs.len(), "{name}: output count");
        for (i, (o, want)) in outs.iter().zip(want_outs).enumerate() {
            let shape = common::usizes(&c["output_shapes"][i], "shape");
            assert_eq!(o.shape().dims(), &shape[..], "{name}: output {i} shape");
            assert_close(&format!("{name}: output {i}"), o, want);
        }
        for (k, (g, want)) in grads.iter().zip(c["grads"].as_array().expect("grads")).enumerate() {
            assert_close(&format!("{name}: gradient of weight {k}"), g.as_ref().expect("gradient"), want);
        }
    }
}

fn assert_close(what: &str, got: &Tensor, want: &serde_json::Value) {
    let got = got.to_vec::<f32>();
    let want: Vec<f64> = want
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    assert_eq!(got.len(), want.len(), "{what}: value count");
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!((*a as f64 - b).abs() < 2e-5 * (1.0 + b.abs()), "{what}[{i}]: {a}, TensorFlow {b}");
    }
}

/// `RNN(LSTMCell(u))` is `LSTM(u)`, `RNN(GRUCell(u))` is `GRU(u)`: the same weights give the
/// same outputs and states (to float rounding), with a mask too.
#[test]
fn rnn_of_a_built_in_cell_equals_the_built_in_layer() {
    let x = common::json_tensor(&golden()["masked"]);
    let mask = tf::reduce_any(&tf::not_equal(&x, &tf::zeros_like(&x)), -1, false);
    let lstm = LSTM::new(3).return_sequences(true).return_state(true);
    let rnn = RNN::new(LSTMCell::new(3)).return_sequences(true).return_state(true);
    let gru = GRU::new(2).return_state(true).go_backwards(true);
    let rnn_gru = RNN::new(GRUCell::new(2)).return_state(true).go_backwards(true);
    let pairs: [(&dyn Layer, &dyn Layer); 2] = [(&lstm, &rnn), (&gru, &rnn_gru)];
    for (a, b) in pairs {
        a.call_outputs(std::slice::from_ref(&x), false);
        b.call_outputs(std::slice::from_ref(&x), false);
        for (v, w) in b.variables().iter().zip(a.variables()) {
            v.assign(&w.value());
        }
        let m = [Some(mask.clone())];
        let (ya, _) = a.call_masked(std::slice::from_ref(&x), &m, false);
        let (yb, _) = b.call_masked(std::slice::from_ref(&x), &m, false);
        assert_eq!(ya.len(), yb.len(), "{}: output count", a.name());
        for (i, (p, q)) in ya.iter().zip(&yb).enumerate() {
            // The layer projects every step's input at once, the cell one step at a time:
            // equal up to float rounding.
            let d = tf::reduce_max(&tf::abs(&(p - q)), None, false).scalar::<f32>();
            assert!(d < 1e-6, "{}: output {i} differs by {d} from RNN(cell)'s", a.name());
        }
    }
}

/// An RNN of built-in cells round-trips through its config, in a saved model too.
#[test]
fn rnn_configs_round_trip() {
    let model = keras::sequential![
        RNN::new(cells(vec![
            Box::new(LSTMCell::new(3)),
            Box::new(GRUCell::new(2).activation("relu"))
        ]))
        .return_sequences(true)
        .input_shape([5, 4]),
        RNN::new(SimpleRNNCell::new(2)),
    ];
    let config = keras::layers::serialize(&*model).expect("config");
    let rebuilt = keras::layers::deserialize(&config).expect("rebuilt");
    assert_eq!(keras::layers::serialize(&*rebuilt).expect("config"), config);
    for (v, w) in rebuilt.variables().iter().zip(model.get_weights()) {
        v.assign(&w);
    }
    let x = common::json_tensor(&golden()["x"]);
    assert_eq!(rebuilt.call(&x, false).to_vec::<f32>(), model.call(&x, false).to_vec::<f32>());
    // A custom cell has no config: the model's architecture cannot be saved, and says why.
    let custom = keras::sequential![RNN::new(MinimalRNNCell::new(2)).input_shape([5, 4])];
    assert!(keras::layers::serialize(&*custom).is_err());
}

/// A model over a custom cell trains in `fit`, as a graph function with a partial batch.
#[test]
fn a_custom_cell_trains_in_fit() {
    let _seed = common::seed_lock();
    tf::random::set_seed(1);
    let mut model = keras::sequential![RNN::new(MinimalRNNCell::new(4)).input_shape([5, 4]), keras::layers::Dense::new(1)];
    model.compile(keras::optimizers::Adam::new(0.05), "mse", ());
    let x = common::json_tensor(&golden()["x"]);
    let y = tf::reduce_sum(&x, vec![1i64, 2], true);
    let y = tf::reshape(&y, [-1, 1]);
    let args = keras::FitArgs {
        batch_size: 2,
        epochs: 30,
        verbose: 0,
        ..Default::default()
    };
    let h = model.fit((&x, &y), args).expect("fit");
    assert!(h["loss"][29] < 0.1 * h["loss"][0], "loss {:?}", h["loss"]);
}
