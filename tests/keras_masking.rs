//! Keras masking against a real TensorFlow run (`tests/golden/gen_masking.py` →
//! `tests/golden/masking.json`, tf_keras 2.21): `Embedding(mask_zero=True)` and `Masking`
//! make masks, `Sequential` and functional models carry them, the recurrent layers,
//! `Bidirectional`, `GlobalAveragePooling1D` and the attention layers read them, merges join
//! them, and `fit` weighs a sequence loss and its metrics by the output's mask.

mod common;

use serde_json::Value;
use tf::keras::layers::{
    self, AdditiveAttention, Attention, Bidirectional, Concatenate, Dense, Dropout, Embedding, Flatten, GlobalAveragePooling1D, Layer,
    Masking, MultiHeadAttention, SimpleRNN, GRU, LSTM,
};
use tf::keras::{self, losses::SparseCategoricalCrossentropy, optimizers::SGD, Apply, FitArgs, Input, Model};
use tf::{DType, Module, Tensor};

fn golden() -> serde_json::Value {
    common::golden_json("masking.json")
}

fn assert_close(name: &str, what: &str, got: &Tensor, want: &Value) {
    let want: Vec<f64> = want
        .as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect();
    assert_eq!(got.num_elements(), want.len(), "{name}: {what} size");
    for (i, (a, b)) in tf::cast(got, DType::F32).to_vec::<f32>().iter().zip(&want).enumerate() {
        assert!(
            (*a as f64 - b).abs() <= 1e-5 * (1.0 + b.abs()),
            "{name}: {what}[{i}] = {a}, TensorFlow {b}"
        );
    }
}

/// The functional model of an integer sequence input of length `len`.
fn ids_input(len: usize) -> keras::KerasTensor {
    Input::with_dtype([len], DType::I32)
}

/// The model each golden case names, built as the generator builds it.
fn model(name: &str) -> Box<dyn Layer> {
    let emb = |n: usize| Embedding::new(7, n).mask_zero(true);
    match name {
        "embedding_lstm" => Box::new(keras::sequential![emb(3), LSTM::new(4)]),
        "masking_gru_sequences" => Box::new(keras::sequential![Masking::new(0.0), GRU::new(3).return_sequences(true)]),
        "masking_simple_rnn_backwards" => Box::new(keras::sequential![
            Masking::new(0.0),
            SimpleRNN::new(3).go_backwards(true).return_sequences(true)
        ]),
        "bidirectional_pooled" => Box::new(keras::sequential![
            emb(4),
            Bidirectional::new(LSTM::new(3).return_sequences(true)),
            GlobalAveragePooling1D::new(),
            Dense::new(2)
        ]),
        "bidirectional_gru_last" => Box::new(keras::sequential![emb(3), Bidirectional::new(GRU::new(2))]),
        "dense_dropout_pass_mask" => Box::new(keras::sequential![
            emb(3),
            Dense::new(4).activation("relu"),
            Dropout::new(0.5),
            LSTM::new(2).return_sequences(true)
        ]),
        "multi_head_attention" => {
            let x = ids_input(5);
            let e = Embedding::new(7, 4).mask_zero(true).apply(&x);
            Box::new(Model::new(&x, &MultiHeadAttention::new(2, 3).apply([&e, &e])).expect("model"))
        }
        "attention" | "additive_attention" => {
            let (q, v) = (ids_input(5), ids_input(4));
            let (eq, ev) = (emb(3).apply(&q), emb(3).apply(&v));
            let out = if name == "attention" {
                Attention::new().apply([&eq, &ev])
            } else {
                AdditiveAttention::new().apply([&eq, &ev])
            };
            Box::new(Model::new([&q, &v], &out).expect("model"))
        }
        "concatenate" => {
            let x = ids_input(5);
            let (a, b) = (emb(2).apply(&x), Embedding::new(7, 3).apply(&x));
            Box::new(Model::new(&x, &GRU::new(2).apply(&Concatenate::new(-1).apply([&a, &b]))).expect("model"))
        }
        "add" => {
            let x = ids_input(5);
            let a = emb(3).apply(&x);
            let b = Dense::new(3).apply(&a);
            let out = SimpleRNN::new(2).return_sequences(true).apply(&layers::Add::new().apply([&a, &b]));
            Box::new(Model::new(&x, &out).expect("model"))
        }
        "flatten_drops_mask" => {
            let x = ids_input(5);
            let out = Dense::new(2).apply(&Flatten::new().apply(&emb(3).apply(&x)));
            Box::new(Model::new(&x, &out).expect("model"))
        }
        other => panic!("no model for golden case {other}"),
    }
}

/// Each model's output, output mask and weight gradients equal TensorFlow's.
#[test]
fn masked_models_match_tensorflow() {
    let g = golden();
    for c in g["models"].as_array().expect("models") {
        let name = c["name"].as_str().expect("name");
        let net = model(name);
        let inputs: Vec<Tensor> = c["inputs"].as_array().expect("inputs").iter().map(common::json_tensor).collect();
        net.call_masked(&inputs, &[], false); // builds the layers
        let vars = net.variables();
        let shapes: Vec<Vec<usize>> = vars.iter().map(|v| v.shape().dims().to_vec()).collect();
        let want: Vec<Vec<usize>> = c["weights"]
            .as_array()
            .expect("weights")
            .iter()
            .map(|s| common::json_tensor(s).to_vec::<i32>().iter().map(|&d| d as usize).collect())
            .collect();
        assert_eq!(shapes, want, "{name}: weight shapes");
        for (k, v) in vars.iter().enumerate() {
            v.assign(&common::golden_weight(&shapes[k], k));
        }
        let tape = tf::GradientTape::new();
        let (out, mask) = net.call_masked(&inputs, &[], false);
        let loss = common::sin_weighted_sum(&out[0], 1.3);
        assert_close(name, "output", &out[0], &c["output"]);
        match (&mask, c["mask"].is_null()) {
            (Some(m), false) => assert_close(name, "mask", &tf::cast(m, DType::F32), &c["mask"]),
            (None, true) => {}
            (m, _) => panic!("{name}: mask {m:?}, TensorFlow {}", c["mask"]),
        }
        let grads = tape.gradients(&[&loss], &vars, None, tf::UnconnectedGradients::Zero);
        for (k, (got, want)) in grads.iter().zip(c["grads"].as_array().expect("grads")).enumerate() {
            let got = got.as_ref().unwrap_or_else(|| panic!("{name}: no gradient for weight {k}"));
            assert_close(name, &format!("gradient of weight {k}"), got, want);
        }
    }
}

/// A sequence-labelling model trained one step: the padded steps count in neither the loss
/// nor the accuracy (Keras 2 weighs both by the output's mask), with and without sample
/// weights; the weights after the step equal TensorFlow's.
#[test]
fn fit_weighs_a_sequence_loss_by_its_mask() {
    let g = golden();
    let ids = common::json_tensor(&g["ids"]);
    for c in g["fits"].as_array().expect("fits") {
        let name = c["name"].as_str().expect("name");
        let mut model = keras::sequential![
            Embedding::new(7, 3).mask_zero(true),
            LSTM::new(4).return_sequences(true),
            Dense::new(3)
        ];
        model.call(&ids, false);
        let shapes: Vec<Vec<usize>> = model.variables().iter().map(|v| v.shape().dims().to_vec()).collect();
        let w: Vec<Tensor> = shapes.iter().enumerate().map(|(k, s)| common::golden_weight(s, k)).collect();
        model.set_weights(&w).expect("weights");
        model.compile(SGD::new(0.5), SparseCategoricalCrossentropy::new().from_logits(true), &["accuracy"]);
        let labels = common::json_tensor(&c["labels"]);
        let sw = (!c["sample_weight"].is_null()).then(|| common::json_tensor(&c["sample_weight"]));
        let args = FitArgs {
            batch_size: 3,
            epochs: 1,
            shuffle: false,
            verbose: 0,
            sample_weight: sw,
            ..Default::default()
        };
        let h = model.fit((&ids, &labels), args).expect("fit");
        let near = |what: &str, got: f64, key: &str| {
            let want = c[key].as_f64().expect("number");
            assert!(
                (got - want).abs() < 2e-5 * (1.0 + want.abs()),
                "{name}: {what} {got}, TensorFlow {want}"
            );
        };
        near("loss", h["loss"][0], "loss");
        near("accuracy", h["accuracy"][0], "accuracy");
        let ev = model.evaluate((&ids, &labels), Default::default()).expect("evaluate");
        near("evaluate loss", ev["loss"], "eval_loss");
        near("evaluate accuracy", ev["accuracy"], "eval_accuracy");
        for (k, (v, want)) in model
            .variables()
            .iter()
            .zip(c["weights_after"].as_array().expect("weights"))
            .enumerate()
        {
            assert_close(name, &format!("weight {k} after the step"), &v.value(), want);
        }
    }
}

/// A subclassed model passes masks by hand, as Keras's masking guide does:
/// `mask = embedding.compute_mask(x)`, then `lstm(h, mask=mask)`; the result equals the
/// `Sequential` model's, which carries the mask itself.
#[test]
fn masks_passed_by_hand_equal_the_ones_models_carry() {
    let ids = common::json_tensor(&golden()["ids"]);
    let emb = Embedding::new(7, 3).mask_zero(true);
    let lstm = LSTM::new(4);
    let mask = emb.compute_mask(std::slice::from_ref(&ids), &[None]);
    assert_eq!(
        mask.as_ref().expect("a mask").to_vec::<bool>(),
        ids.to_vec::<i32>().iter().map(|&i| i != 0).collect::<Vec<_>>()
    );
    let h = emb.call(&ids, false);
    let (by_hand, _) = lstm.call_masked(std::slice::from_ref(&h), &[mask], false);
    let unmasked = lstm.call(&h, false);
    let seq = keras::Sequential::from_layers(vec![Box::new(emb), Box::new(lstm)]);
    let carried = seq.call(&ids, false);
    assert_eq!(by_hand[0].to_vec::<f32>(), carried.to_vec::<f32>());
    assert_ne!(
        by_hand[0].to_vec::<f32>(),
        unmasked.to_vec::<f32>(),
        "the padded steps changed the unmasked result"
    );
}

/// Masks survive a save/load round trip of the architecture (`mask_zero`, `Masking`'s
/// value) and the loaded model gives the same masked outputs.
#[test]
fn masking_configs_round_trip() {
    let ids = common::json_tensor(&golden()["ids"]);
    let model = keras::sequential![
        Embedding::new(7, 3).mask_zero(true),
        Masking::new(0.25),
        Bidirectional::new(GRU::new(2).return_sequences(true)),
        GlobalAveragePooling1D::new()
    ];
    let y = model.call(&ids, false);
    let dir = std::env::temp_dir().join(format!("tf-masking-{}", std::process::id()));
    model.save(&dir).expect("save");
    let loaded = keras::models::load_model(&dir).expect("load");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(loaded.call(&ids, false).to_vec::<f32>(), y.to_vec::<f32>());
}
