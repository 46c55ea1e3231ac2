//! `dropout` and `recurrent_dropout` of the recurrent layers, as Keras applies them: only
//! while training, one mask a call shared by every step, scaled by `1 / (1 - rate)`.
//! TensorFlow's random draws cannot be reproduced, so these are the rules' consequences.

mod common;

use tf::keras::layers::{Layer, SimpleRNN, GRU, LSTM};
use tf::{Module, Tensor};

fn set_weights(layer: &dyn Layer) {
    for (k, v) in layer.variables().iter().enumerate() {
        v.assign(&common::golden_weight(v.shape().dims(), k));
    }
}

fn input(shape: [usize; 3]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_vec((0..n).map(|i| (0.5 * (0.37 * i as f64).cos()) as f32).collect(), shape.to_vec()).expect("shape")
}

#[test]
fn inference_runs_without_dropout() {
    let x = input([3, 4, 2]);
    let pairs: Vec<(Box<dyn Layer>, Box<dyn Layer>)> = vec![
        (Box::new(LSTM::new(3).dropout(0.5).recurrent_dropout(0.5)), Box::new(LSTM::new(3))),
        (Box::new(GRU::new(3).dropout(0.3)), Box::new(GRU::new(3))),
        (Box::new(SimpleRNN::new(3).recurrent_dropout(0.4)), Box::new(SimpleRNN::new(3))),
    ];
    for (dropped, plain) in &pairs {
        dropped.call(&x, false);
        plain.call(&x, false);
        set_weights(dropped.as_ref());
        set_weights(plain.as_ref());
        assert_eq!(dropped.call(&x, false).to_vec::<f32>(), plain.call(&x, false).to_vec::<f32>());
        assert_ne!(
            dropped.call(&x, true).to_vec::<f32>(),
            plain.call(&x, true).to_vec::<f32>(),
            "{}: training drops",
            dropped.name()
        );
    }
}

/// With `W = I`, `U = 0` and no activation, each step's output is the input under the
/// dropout mask: the same zeros at every step of a sample (one mask a call), `1 / (1 - rate)`
/// elsewhere, and a fresh mask on the next call.
#[test]
fn one_input_mask_a_call_shared_by_every_step() {
    let rnn = SimpleRNN::new(4)
        .activation("linear")
        .use_bias(false)
        .return_sequences(true)
        .dropout(0.5);
    let x = tf::ones([64, 5, 4], tf::float32);
    rnn.call(&x, false);
    let vars = rnn.variables();
    vars[0].assign(&tf::eye(4, None, tf::float32));
    vars[1].assign(&tf::zeros([4, 4], tf::float32));
    let y = rnn.call(&x, true).to_vec::<f32>();
    let (mut zeros, mut kept) = (0, 0);
    for sample in y.chunks(5 * 4) {
        let first = &sample[..4];
        for step in sample.chunks(4) {
            assert_eq!(step, first, "every step of a sample has the first step's mask");
        }
        for &v in first {
            match v {
                0.0 => zeros += 1,
                2.0 => kept += 1,
                other => panic!("a dropped input is 0 or 1 / (1 - 0.5) = 2, got {other}"),
            }
        }
    }
    assert!(zeros > 64 && kept > 64, "about half dropped: {zeros} zeros, {kept} kept of 256");
    assert_ne!(rnn.call(&x, true).to_vec::<f32>(), y, "the next call draws a new mask");
}

/// Dropout keeps the expected value: over two steps of a linear SimpleRNN the recurrent mask
/// is independent of the first step's output, so the batch mean of the dropped outputs
/// equals the undropped output (within five standard errors).
#[test]
fn dropout_and_recurrent_dropout_are_unbiased() {
    tf::random::set_seed(7);
    let n = 4000;
    let rnn = SimpleRNN::new(3).activation("linear").dropout(0.3).recurrent_dropout(0.4);
    let x = tf::tile(&input([1, 2, 3]), &[n, 1, 1]);
    rnn.call(&x, false);
    set_weights(&rnn);
    for (k, v) in rnn.variables().iter().enumerate() {
        // Larger weights, so the dropped terms are large against the noise.
        v.assign(&(&common::golden_weight(v.shape().dims(), k) * 10.0f32));
    }
    let want = rnn.call(&x, false).to_vec::<f32>();
    let got = rnn.call(&x, true).to_vec::<f32>();
    for (u, &undropped) in want.iter().take(3).enumerate() {
        let col: Vec<f64> = got.iter().skip(u).step_by(3).map(|&v| v as f64).collect();
        let mean = col.iter().sum::<f64>() / n as f64;
        let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        assert!(sd > 0.01, "unit {u}: the outputs vary ({sd})");
        let err = (mean - undropped as f64).abs();
        assert!(
            err < 5.0 * sd / (n as f64).sqrt(),
            "unit {u}: mean {mean}, undropped {undropped}, sd {sd}"
        );
    }
}

#[test]
#[should_panic(expected = "Expected a float value between 0 and 1. Received: recurrent_dropout=1.5")]
fn a_rate_outside_zero_to_one_is_refused() {
    let _ = LSTM::new(2).recurrent_dropout(1.5);
}
