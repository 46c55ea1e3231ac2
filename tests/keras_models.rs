//! Keras models: the three ways to build them, compile/fit/evaluate/predict, errors raised
//! before training, callbacks, and the progress output.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tf::keras::callbacks::{self, Callback};
use tf::keras::layers::{Add, Concatenate, Dense, Dropout, Flatten, Layer};
use tf::keras::losses::Loss;
use tf::keras::optimizers::{Optimizer, SGD};
use tf::keras::{self, Apply, EvaluateArgs, FitArgs, Input, Model, PredictArgs};
use tf::{Module, Tensor, Variable};

mod common;

use common::{toy, TwoLayer};

fn quiet() -> FitArgs {
    FitArgs {
        verbose: 0,
        ..Default::default()
    }
}

fn mlp() -> keras::Sequential {
    keras::sequential![Dense::new(16).activation("relu").input_shape([4]), Dense::new(2)]
}

#[test]
fn summary_prints_keras_table() {
    // The golden text is TensorFlow 2.21 / tf_keras's `model.summary()` for the beginner model.
    let model = keras::sequential![
        Flatten::new().input_shape([28, 28]).with_name("flatten"),
        Dense::new(128).activation("relu").with_name("dense"),
        Dropout::new(0.2).with_name("dropout"),
        Dense::new(10).with_name("dense_1"),
    ]
    .with_name("sequential");
    let want = "Model: \"sequential\"
_________________________________________________________________
 Layer (type)                Output Shape              Param #   
=================================================================
 flatten (Flatten)           (None, 784)               0         
                                                                 
 dense (Dense)               (None, 128)               100480    
                                                                 
 dropout (Dropout)           (None, 128)               0         
                                                                 
 dense_1 (Dense)             (None, 10)                1290      
                                                                 
=================================================================
Total params: 101770 (397.54 KB)
Trainable params: 101770 (397.54 KB)
Non-trainable params: 0 (0.00 Byte)
_________________________________________________________________
";
    assert_eq!(model.summary_string().unwrap(), want);
    assert_eq!(model.count_params(), 101770);
    let unbuilt = keras::sequential![Dense::new(3)];
    assert!(unbuilt
        .summary_string()
        .unwrap_err()
        .to_string()
        .contains("This model has not yet been built"));
}

#[test]
fn fit_learns_and_returns_history() {
    let _g = common::seed_lock();
    tf::random::set_seed(1);
    let (x, y) = toy(512);
    let mut model = mlp();
    model.compile(
        keras::optimizers::Adam::new(0.01),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 5,
                validation_split: 0.25,
                ..quiet()
            },
        )
        .unwrap();
    assert_eq!(h.keys(), ["loss", "accuracy", "val_loss", "val_accuracy"]);
    assert_eq!(h.epoch, [0, 1, 2, 3, 4]);
    assert_eq!(h.params.steps, Some(12)); // 384 training samples / 32
    assert!(h["loss"][4] < h["loss"][0], "{:?}", h["loss"]);
    assert!(h["val_accuracy"][4] > 0.85, "{:?}", h["val_accuracy"]);
    assert_eq!(model.optimizer().unwrap().iterations(), 60);
    let logs = model
        .evaluate(
            (&x, &y),
            EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(logs.values().len(), 2);
    let p = model
        .predict(
            &x,
            PredictArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(p.shape().dims(), &[512, 2]);
    assert!(model.history.is_some());
}

#[test]
fn validation_split_takes_the_last_samples_before_shuffling() {
    let (x, y) = toy(100);
    let mut model = mlp();
    model.compile(
        SGD::new(0.0),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        (),
    );
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                validation_split: 0.2,
                ..quiet()
            },
        )
        .unwrap();
    let last = |t: &Tensor| tf::slice(t, &[80, 0][..t.rank()], &[20, -1][..t.rank()]);
    let first = |t: &Tensor| tf::slice(t, &[0, 0][..t.rank()], &[20, -1][..t.rank()]);
    let on_last = model
        .evaluate(
            (&last(&x), &last(&y)),
            EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap()["loss"];
    let on_first = model
        .evaluate(
            (&first(&x), &first(&y)),
            EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap()["loss"];
    assert!((h["val_loss"][0] - on_last).abs() < 1e-6, "{} vs {on_last}", h["val_loss"][0]);
    assert!((h["val_loss"][0] - on_first).abs() > 1e-6);
}

/// `validation_freq` counts epochs from 1 whatever `initial_epoch` is (Keras's
/// `_should_eval`): from epoch 1 of 0..5 at every second, epochs 1 and 3 (0-based) validate.
#[test]
fn validation_freq_counts_epochs_from_one() {
    let (x, y) = toy(40);
    let mut model = mlp();
    model.compile(
        SGD::new(0.01),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        (),
    );
    let mut seen = Vec::new();
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 5,
                initial_epoch: 1,
                validation_split: 0.25,
                validation_freq: 2,
                callbacks: vec![Box::new(callbacks::LambdaCallback::default().on_epoch_end(
                    move |epoch, logs: &keras::Logs| {
                        seen.push((epoch, logs.get("val_loss").is_some()));
                        if epoch == 4 {
                            assert_eq!(seen, vec![(1, true), (2, false), (3, true), (4, false)]);
                        }
                    },
                ))],
                ..quiet()
            },
        )
        .unwrap();
    assert_eq!(h.epoch, vec![1, 2, 3, 4]);
    assert_eq!(h["val_loss"].len(), 2);
}

#[test]
fn bad_input_is_an_error_before_any_step() {
    let (x, y) = toy(64);
    let mut model = mlp();
    let e = model.fit((&x, &y), quiet()).unwrap_err().to_string();
    assert!(e.contains("You must compile your model before training/testing"), "{e}");
    model.compile(
        "adam",
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );

    let short = tf::slice(&y, &[0], &[63]);
    let e = model.fit((&x, &short), quiet()).unwrap_err().to_string();
    assert!(
        e.contains(
            "Data cardinality is ambiguous:\n  x sizes: 64\n  y sizes: 63\nMake sure all arrays contain the same number of samples."
        ),
        "{e}"
    );

    let wide = tf::zeros([64, 5], tf::float32);
    let e = model.fit((&wide, &y), quiet()).unwrap_err().to_string();
    assert!(e.contains("expected shape=(None, 4), found shape=(64, 5)"), "{e}");

    let bad_labels = &y * 5; // labels 0 and 5 against 2 classes
    let e = model.fit((&x, &bad_labels), quiet()).unwrap_err().to_string();
    assert!(
        e.contains("Received a label value of 5 which is outside the valid range of [0, 2)"),
        "{e}"
    );
    assert_eq!(model.optimizer().unwrap().iterations(), 0, "no step ran");

    // A model without a declared shape is checked by calling it on one sample.
    let mut free = keras::sequential![Dense::new(2)];
    free.compile("sgd", "mse", ());
    let e = free
        .fit((&tf::zeros([8, 3, 3, 3], tf::float32), &tf::zeros([8, 7], tf::float32)), quiet())
        .unwrap_err()
        .to_string();
    assert!(e.contains("loss cannot be computed"), "{e}");
}

#[test]
fn terminate_on_nan_is_an_error() {
    let (x, y) = toy(64);
    let mut model = keras::sequential![Dense::new(1).input_shape([4])];
    model.compile(SGD::new(1e30), "mse", ());
    let y = tf::cast(&y, tf::float32) * 1e20;
    let e = model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 3,
                callbacks: vec![Box::new(callbacks::TerminateOnNaN)],
                ..quiet()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("Invalid loss, terminating training"), "{e}");
}

#[test]
fn functional_models_with_shared_layers_and_two_inputs() {
    let a = Input::new([3]);
    let b = Input::new([3]);
    let shared = Arc::new(Dense::new(4).activation("relu"));
    let ha = shared.clone().apply(&a);
    let hb = shared.clone().apply(&b);
    let merged = Add::new().apply([&ha, &hb]);
    let both = Concatenate::default().apply([&merged, &a]); // a skip connection
    let out = Dense::new(1).apply(&both);
    let mut model = Model::new([&a, &b], &out).unwrap();
    assert_eq!(out.shape(), vec![None, Some(1)]);
    // Shared weights are counted once: 3*4+4 + (7*1+1).
    assert_eq!(model.count_params(), 16 + 8);
    assert_eq!(model.trainable_variables().len(), 4);
    let xa = tf::ones([2, 3], tf::float32);
    let xb = &xa * 2.0;
    let y = model.net().call_outputs(&[xa.clone(), xb.clone()], false).remove(0);
    let manual = shared.call(&xa, false) + shared.call(&xb, false);
    let names: Vec<String> = model.layers().iter().map(|l| l.class_name()).collect();
    assert_eq!(names, ["Dense", "Add", "Concatenate", "Dense"]);
    let k = &model.layers()[3].variables()[0]; // the output Dense's kernel
    let want = tf::matmul(&tf::concat(&[&manual, &xa], -1), &k.value()) + model.layers()[3].variables()[1].value();
    assert_eq!(y.to_vec::<f32>(), want.to_vec::<f32>());
    let s = model.summary_string().unwrap();
    assert!(s.contains("Connected to"), "{s}");
    assert!(s.contains("(InputLayer)"), "{s}");

    // A single-input functional model trains with fit.
    let inp = Input::new([4]);
    let h = Dense::new(8).activation("relu").apply(&inp);
    let o = Dense::new(2).apply(&h);
    let mut m = Model::new(&inp, &o).unwrap();
    m.compile(
        "adam",
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let (x, y) = toy(64);
    let hist = m.fit((&x, &y), FitArgs { epochs: 2, ..quiet() }).unwrap();
    assert_eq!(hist["accuracy"].len(), 2);
    model.compile("sgd", "mse", ());

    let disconnected = Model::new(&inp, &out);
    assert!(disconnected.is_err());
}

#[test]
fn subclassed_models_fit_like_the_others() {
    let _g = common::seed_lock();
    tf::random::set_seed(2);
    let mut model = Model::wrap(TwoLayer {
        hidden: Dense::new(16).activation("relu"),
        out: Dense::new(2),
    });
    model.compile(
        keras::optimizers::Adam::new(0.01),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let (x, y) = toy(256);
    let h = model.fit((&x, &y), FitArgs { epochs: 4, ..quiet() }).unwrap();
    assert!(h["loss"][3] < h["loss"][0]);
    assert_eq!(model.trainable_variables().len(), 4);
    assert_eq!(model.hidden.kernel().unwrap().shape().dims(), &[4, 16]);
}

#[test]
fn two_models_with_two_optimizers_train_independently() {
    let g = mlp();
    let d = mlp();
    let x = tf::ones([8, 4], tf::float32);
    g.call(&x, false);
    d.call(&x, false);
    let before_d = d.get_weights();
    let mut opt_g = keras::optimizers::Adam::default();
    let tape = tf::GradientTape::new();
    let loss = tf::reduce_sum(&d.call(&g.call(&x, false).pipe_pad(), false), None, false);
    let vars = g.trainable_variables();
    opt_g.minimize(&loss, &vars, &tape);
    assert_eq!(
        d.get_weights().iter().map(|t| t.to_vec::<f32>()).collect::<Vec<_>>(),
        before_d.iter().map(|t| t.to_vec::<f32>()).collect::<Vec<_>>()
    );
    assert_eq!(opt_g.variables().len(), 1 + 2 * 4);
}

trait PipePad {
    fn pipe_pad(&self) -> Tensor;
}
impl PipePad for Tensor {
    /// `[n, 2]` to `[n, 4]` with zeros, so one generator output feeds the other model.
    fn pipe_pad(&self) -> Tensor {
        tf::pad(self, &[(0, 0), (0, 2)], 0.0)
    }
}

#[test]
fn sample_and_class_weights_weight_the_loss() {
    let x = tf::constant([[1.0f32, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]);
    let y = tf::constant([0i32, 1]);
    let mut model = mlp();
    model.compile(
        SGD::new(0.0),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        (),
    );
    let per = keras::losses::SparseCategoricalCrossentropy::new()
        .from_logits(true)
        .reduction(keras::losses::Reduction::None)
        .call(
            &y,
            &model
                .predict(
                    &x,
                    PredictArgs {
                        verbose: 0,
                        ..Default::default()
                    },
                )
                .unwrap(),
        )
        .to_vec::<f32>();
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                class_weight: Some(HashMap::from([(0, 3.0), (1, 1.0)])),
                ..quiet()
            },
        )
        .unwrap();
    let want = (3.0 * per[0] as f64 + per[1] as f64) / 2.0;
    assert!((h["loss"][0] - want).abs() < 1e-5, "{} vs {want}", h["loss"][0]);
    let missing = model.fit(
        (&x, &y),
        FitArgs {
            class_weight: Some(HashMap::from([(0, 3.0)])),
            ..quiet()
        },
    );
    assert!(missing.unwrap_err().to_string().contains("class 1 is missing"));
}

#[test]
fn datasets_feed_fit_and_evaluate() {
    let (x, y) = toy(96);
    let ds = tf::data::Dataset::from_tensor_slices((x.clone(), y.clone()))
        .unwrap()
        .batch(32, false);
    let mut model = mlp();
    model.compile(
        "adam",
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let h = model.fit(&ds, FitArgs { epochs: 2, ..quiet() }).unwrap();
    assert_eq!(h.params.steps, Some(3));
    assert_eq!(model.optimizer().unwrap().iterations(), 6);
    let a = model
        .evaluate(
            &ds,
            EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    let b = model
        .evaluate(
            (&x, &y),
            EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    assert!((a["loss"] - b["loss"]).abs() < 1e-6 && a["accuracy"] == b["accuracy"]);
    // predict takes a dataset of (x, y) batches (targets ignored) or of inputs alone.
    let quiet_predict = || PredictArgs {
        verbose: 0,
        ..Default::default()
    };
    let want = model.predict(&x, quiet_predict()).unwrap().to_vec::<f32>();
    // Batches of another size may round differently in the matmul's blocking.
    let close = |got: Tensor| {
        let got = got.to_vec::<f32>();
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    };
    close(model.predict(&ds, quiet_predict()).unwrap());
    let inputs = tf::data::Dataset::from_tensor_slices(x.clone()).unwrap().batch(40, false);
    let filtered = inputs.filter(|_| true); // unknown cardinality: no step count for the bar
    close(model.predict(&inputs, quiet_predict()).unwrap());
    close(model.predict(&filtered, quiet_predict()).unwrap());
    let e = model.predict(&inputs.repeat(None), quiet_predict()).unwrap_err().to_string();
    assert!(e.contains("infinite dataset"), "{e}");
    let e = model.fit(&inputs, quiet()).unwrap_err().to_string();
    assert!(e.contains("fit needs targets"), "{e}");
}

#[test]
fn accuracy_is_resolved_by_shapes() {
    let x = tf::ones([4, 4], tf::float32);
    let mut binary = keras::sequential![Dense::new(1).activation("sigmoid").input_shape([4])];
    binary.compile("sgd", "binary_crossentropy", &["accuracy"]);
    // The metrics of a train step see the predictions before its update.
    let p = binary.predict_on_batch(&x).unwrap().to_vec::<f32>()[0];
    let l = binary.train_on_batch(&x, &tf::constant([[1.0f32], [0.0], [1.0], [1.0]])).unwrap();
    // BinaryAccuracy: every prediction is the same; 3 of 4 labels are 1.
    assert_eq!(l["accuracy"], if p > 0.5 { 0.75 } else { 0.25 });

    let mut cat = keras::sequential![Dense::new(3).activation("softmax").input_shape([4])];
    cat.compile("sgd", "categorical_crossentropy", &["accuracy"]);
    let onehot = tf::one_hot(&tf::constant([0i32, 1, 2, 0]), 3, 1.0, 0.0, -1, tf::float32);
    let l = cat.test_on_batch(&x, &onehot).unwrap();
    let pred = tf::argmax(&cat.predict_on_batch(&x).unwrap(), -1).to_vec::<i64>()[0];
    assert_eq!(l["accuracy"], if pred == 0 { 0.5 } else { 0.25 });
}

#[test]
fn callbacks_see_and_steer_training() {
    let dir = std::env::temp_dir().join(format!("tf-keras-callbacks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (x, y) = toy(64);
    let mut model = mlp();
    model.compile(
        SGD::new(0.0),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );

    // No learning: the loss never improves, so EarlyStopping(patience=1) stops at epoch 2.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let ckpt = dir.join("w-{epoch:02d}-{loss:.2f}.safetensors");
    let csv = dir.join("log.csv");
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 10,
                shuffle: false,
                callbacks: vec![
                    Box::new(callbacks::EarlyStopping::new().monitor("loss").patience(1)),
                    Box::new(callbacks::ModelCheckpoint::new(ckpt.to_str().unwrap())),
                    // Before CSVLogger, so the `lr` it logs is in the row (callbacks run in order).
                    Box::new(callbacks::LearningRateScheduler::new(|epoch, _lr| 0.0 * epoch as f64, 0)),
                    Box::new(callbacks::CSVLogger::new(&csv)),
                    Box::new(
                        callbacks::LambdaCallback::default().on_epoch_end(move |e, logs| s2.lock().unwrap().push((e, logs.get("loss")))),
                    ),
                ],
                ..quiet()
            },
        )
        .unwrap();
    assert_eq!(h.epoch, [0, 1], "stopped after two epochs without improvement");
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(h["lr"], [0.0, 0.0]);
    let loss = h["loss"][0];
    let file = dir.join(format!("w-01-{loss:.2}.safetensors"));
    assert!(
        file.exists(),
        "{} missing; dir has {:?}",
        file.display(),
        std::fs::read_dir(&dir).unwrap().collect::<Vec<_>>()
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "epoch,accuracy,loss,lr");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("0,"));

    // The checkpoint restores the weights.
    let before = model.get_weights();
    for v in model.variables() {
        v.assign(&tf::zeros_like(&v.value()));
    }
    keras::saving::load_weights(&model, &file).unwrap();
    for (a, b) in model.get_weights().iter().zip(&before) {
        assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn early_stopping_restores_the_best_weights_and_plateau_lowers_lr() {
    struct Scripted(Vec<f64>);
    impl Callback for Scripted {
        fn on_epoch_end(&mut self, epoch: usize, logs: &mut keras::Logs, _ctx: &mut callbacks::Context) -> tf::Result<()> {
            logs.insert("val_loss", self.0[epoch]);
            Ok(())
        }
    }
    let (x, y) = toy(32);
    let mut model = mlp();
    model.compile(
        SGD::new(0.1),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        (),
    );
    let snapshots = Arc::new(Mutex::new(Vec::new()));
    let s2 = snapshots.clone();
    let vars: Vec<Variable> = {
        model.call(&x, false);
        model.variables()
    };
    let h = model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 6,
                callbacks: vec![
                    Box::new(Scripted(vec![1.0, 0.5, 0.7, 0.8, 0.9, 1.0])),
                    Box::new(callbacks::LambdaCallback::default().on_epoch_end(move |_, _| {
                        s2.lock()
                            .unwrap()
                            .push(vars.iter().map(|v| v.value().to_vec::<f32>()).collect::<Vec<_>>())
                    })),
                    Box::new(callbacks::ReduceLROnPlateau::new().patience(1).factor(0.5)),
                    Box::new(callbacks::EarlyStopping::new().patience(2).restore_best_weights(true)),
                ],
                ..quiet()
            },
        )
        .unwrap();
    assert_eq!(h.epoch, [0, 1, 2, 3]);
    // lr halves after each epoch without improvement (patience 1): epochs 3 and 4.
    assert_eq!(h["lr"], [0.1, 0.1, 0.1, 0.05]);
    let best = snapshots.lock().unwrap()[1].clone();
    let now: Vec<Vec<f32>> = model.variables().iter().map(|v| v.value().to_vec::<f32>()).collect();
    assert_eq!(now, best, "weights from the end of epoch 2 (the best val_loss)");
}

/// A `Write` into a shared buffer, to read what the progress bar printed.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn progress_lines_look_like_keras() {
    use keras::progbar::Progbar;
    let sink = Sink::default();
    let mut bar = Progbar::with_output(Some(3), 1, false, Box::new(sink.clone()));
    let logs = vec![("loss".to_string(), 0.49861), ("accuracy".to_string(), 0.0)];
    bar.update(1, &logs, false);
    bar.update(3, &logs, true);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    assert!(lines[0].starts_with("1/3 [=========>....................] - ETA: "), "{}", lines[0]);
    assert!(lines[0].ends_with(" - loss: 0.4986 - accuracy: 0.0000e+00"), "{}", lines[0]);
    let (head, tail) = lines[1].split_once("] - ").unwrap();
    assert_eq!(head, "3/3 [==============================");
    let parts: Vec<&str> = tail.splitn(2, " - ").collect();
    let (secs, per_step) = parts[0].split_once(' ').unwrap();
    assert!(secs.ends_with('s') && secs[..secs.len() - 1].parse::<u64>().is_ok(), "{tail}");
    assert!(per_step.ends_with("/step"), "{tail}");
    assert_eq!(parts[1], "loss: 0.4986 - accuracy: 0.0000e+00");

    // verbose=2: one line per epoch.
    let sink = Sink::default();
    let mut bar = Progbar::with_output(Some(1875), 2, false, Box::new(sink.clone()));
    bar.update(1, &logs, false);
    bar.update(1875, &logs, true);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.starts_with("1875/1875 - 0s - loss: 0.4986 - accuracy: 0.0000e+00 - "),
        "{text}"
    );
    assert!(text.ends_with("/epoch - 0us/step\n") || text.contains("/step\n"), "{text}");

    // On a terminal the line is redrawn in place.
    let sink = Sink::default();
    let mut bar = Progbar::with_output(Some(2), 1, true, Box::new(sink.clone()));
    bar.update(1, &[], false);
    bar.update(2, &[], true);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(text.starts_with("\r1/2 [==============>...............]"), "{text:?}");
    assert!(text.contains("\u{8}\r2/2 [==============================]"), "{text:?}");
}

/// A sequence-to-sequence model in the functional API: the encoder LSTM's final states
/// (`return_state`) start the decoder LSTM (`initial_state`), as in Keras's seq2seq example.
fn seq2seq() -> (
    keras::Model<keras::Functional>,
    Arc<tf::keras::layers::LSTM>,
    Arc<tf::keras::layers::LSTM>,
    Arc<Dense>,
) {
    use tf::keras::layers::LSTM;
    let encoder = Arc::new(LSTM::new(4).return_state(true));
    let decoder = Arc::new(LSTM::new(4).return_sequences(true));
    let head = Arc::new(Dense::new(3));
    let (enc_in, dec_in) = (Input::new([5, 2]), Input::new([6, 3]));
    let enc = encoder.clone().apply_outputs(&enc_in);
    assert_eq!(enc.len(), 3, "output, h, c");
    let seq = decoder.clone().apply([&dec_in, &enc[1], &enc[2]]);
    let out = head.clone().apply(&seq);
    (Model::new([&enc_in, &dec_in], &out).unwrap(), encoder, decoder, head)
}

#[test]
fn a_functional_seq2seq_passes_encoder_states_to_the_decoder() {
    let (model, encoder, decoder, head) = seq2seq();
    let x1 = tf::random::normal(&[2, 5, 2], 0.0, 1.0, tf::float32, Some(1));
    let x2 = tf::random::normal(&[2, 6, 3], 0.0, 1.0, tf::float32, Some(2));
    let y = model.call_outputs(&[x1.clone(), x2.clone()], false).remove(0);
    // The same computation eagerly, layer by layer.
    let (_, states) = encoder.call_with_state(&x1, None);
    let (seq, _) = decoder.call_with_state(&x2, Some(&states));
    let want = head.call(&seq, false);
    assert_eq!(y.shape().dims(), &[2, 6, 3]);
    assert_eq!(y.to_vec::<f32>(), want.to_vec::<f32>());
    // One row for the encoder's call, listing its three outputs' shapes as Keras 2 does
    // (`[(None, 4),` wrapped over three lines), and the decoder connected to outputs 1 and 2.
    let s = model.summary_string().unwrap();
    assert_eq!(s.matches("(LSTM)").count(), 2, "{s}");
    assert!(s.contains("[(None, 4),") && s.contains("(None, 4)]"), "{s}");
    assert!(s.contains("[0][1]'") && s.contains("[0][2]'"), "{s}");
}

#[test]
fn a_functional_seq2seq_trains_saves_and_loads() {
    let (mut model, ..) = seq2seq();
    let x1 = tf::random::normal(&[8, 5, 2], 0.0, 1.0, tf::float32, Some(3));
    let x2 = tf::random::normal(&[8, 6, 3], 0.0, 1.0, tf::float32, Some(4));
    let y = tf::random::normal(&[8, 6, 3], 0.0, 1.0, tf::float32, Some(5));
    model.compile(SGD::new(0.1), tf::keras::losses::MeanSquaredError::new(), ());
    let eval = |m: &mut keras::Model<keras::Functional>| {
        m.evaluate(
            ([&x1, &x2], &y),
            EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap()["loss"]
    };
    let before = eval(&mut model);
    model.fit(([&x1, &x2], &y), FitArgs { epochs: 20, ..quiet() }).unwrap();
    let after = eval(&mut model);
    assert!(after < before, "{before} -> {after}");
    // Saved and loaded through its config (the encoder's call recorded once, with three
    // outputs): the same outputs.
    let dir = std::env::temp_dir().join(format!("tf-keras-seq2seq-{}", std::process::id()));
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.get_config(), model.get_config());
    let want = model.call_many(&[x1.clone(), x2.clone()], false).to_vec::<f32>();
    assert_eq!(loaded.call_many(&[x1, x2], false).to_vec::<f32>(), want);
    std::fs::remove_dir_all(&dir).ok();
}

/// `BackupAndRestore`: a fit interrupted in epoch 4 and run again resumes at epoch 4 and
/// ends with the weights and optimizer state an uninterrupted fit ends with (Keras's
/// documented example: 10 epochs, interrupted at the start of epoch 4, 6 more epochs).
#[test]
fn backup_and_restore_resumes_an_interrupted_fit() {
    struct Interrupt(usize);
    impl Callback for Interrupt {
        fn on_epoch_begin(&mut self, epoch: usize, _: &mut callbacks::Context) -> tf::Result<()> {
            if epoch == self.0 {
                return Err(tf::Error::InvalidArgument("interrupted".into()));
            }
            Ok(())
        }
    }
    let x = tf::cast(&tf::reshape(&tf::range(100), [5, 20]), tf::float32) / 100.0;
    let y = tf::zeros([5, 10], tf::float32);
    let fresh = || {
        tf::random::set_seed(7);
        let mut m = keras::sequential![Dense::new(10).input_shape([20])];
        m.compile(keras::optimizers::Adam::new(0.01), keras::losses::MeanSquaredError::new(), &[]);
        m
    };
    let args = |cbs: Vec<Box<dyn Callback>>| FitArgs {
        epochs: 10,
        batch_size: 1,
        shuffle: false,
        verbose: 0,
        callbacks: cbs,
        ..Default::default()
    };
    let mut whole = fresh();
    let all = whole.fit((&x, &y), args(vec![])).unwrap();

    let dir = std::env::temp_dir().join(format!("tf-backup-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let mut model = fresh();
    let e = model
        .fit(
            (&x, &y),
            args(vec![Box::new(callbacks::BackupAndRestore::new(&dir)), Box::new(Interrupt(4))]),
        )
        .unwrap_err();
    assert!(e.to_string().contains("interrupted"), "{e}");
    assert!(dir.join("chief").join("checkpoint").exists());
    // A new process would build a new model: its weights and optimizer come from the backup.
    let mut model = fresh();
    let resumed = model
        .fit((&x, &y), args(vec![Box::new(callbacks::BackupAndRestore::new(&dir))]))
        .unwrap();
    assert_eq!(resumed.epoch, vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(resumed["loss"], all["loss"][4..]);
    for (a, b) in model.get_weights().iter().zip(whole.get_weights()) {
        assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
    }
    assert!(!dir.join("chief").exists(), "the backup is deleted after a finished fit");
    std::fs::remove_dir_all(&dir).ok();
}

/// How `fit` draws batches across epochs, as Keras's `DataHandler` does: arrays are one
/// stream of `epochs` passes that the epochs continue (an epoch of `steps_per_epoch` steps
/// ends mid-pass and the next starts where it stopped); a dataset whose cardinality is not
/// `steps_per_epoch` is one iterator across epochs, and running out of data ends training
/// after that epoch. Epochs, losses and weights are a real tf_keras run's
/// (`tests/golden/gen_fit_stream.py`).
#[test]
fn fit_continues_the_data_across_epochs_as_keras_does() {
    let golden = common::golden_json("fit_stream.json");
    let x = tf::reshape(&(tf::cast(&tf::range(20), tf::float32) / 20.0), [5, 4]);
    let y = tf::reshape(&tf::sin(&tf::cast(&tf::range(15), tf::float32)), [5, 3]);
    let ds = tf::data::Dataset::from_tensor_slices((x.clone(), y.clone()))
        .unwrap()
        .batch(2, false);
    let repeated = ds.repeat(None);
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut m = keras::sequential![Dense::new(3).kernel_initializer("zeros").input_shape([4])];
        m.compile(SGD::new(0.1), keras::losses::MeanSquaredError::new(), &[]);
        let args = |epochs, steps| FitArgs {
            epochs,
            batch_size: 2,
            steps_per_epoch: Some(steps),
            shuffle: false,
            verbose: 0,
            ..Default::default()
        };
        let h = match name {
            "arrays_steps_2" => m.fit((&x, &y), args(3, 2)),
            "arrays_steps_4" => m.fit((&x, &y), args(2, 4)),
            "dataset_steps_2" => m.fit(&ds, args(3, 2)),
            "repeated_steps_2" => m.fit(&repeated, args(3, 2)),
            "dataset_steps_3" => m.fit(&ds, args(2, 3)),
            _ => panic!("unknown case {name}"),
        }
        .unwrap();
        let want_epochs: Vec<usize> = common::usizes(&case["epochs"], name);
        assert_eq!(h.epoch, want_epochs, "{name}: epochs run");
        let w = m.get_weights();
        common::assert_close(&h["loss"], &common::json_f64s(&case["loss"]), &format!("{name}: losses"));
        common::assert_close(
            &common::f64s(&w[0]),
            &common::json_f64s(&case["kernel"]),
            &format!("{name}: kernel"),
        );
        common::assert_close(&common::f64s(&w[1]), &common::json_f64s(&case["bias"]), &format!("{name}: bias"));
    }
}

/// `BackupAndRestore(save_freq=2)`: backed up every two batches, a fit that fails at the
/// start of batch 3 of epoch 2 resumes in epoch 2 at step 2 (after the backup of batch 1),
/// running that epoch's remaining three steps from a fresh pass over the data, as Keras
/// does. Losses and final weights are a real tf_keras run's (`tests/golden/gen_backup.py`).
#[test]
fn backup_and_restore_every_n_batches_resumes_mid_epoch() {
    let golden = common::golden_json("backup.json");
    let floats = |k: &str| common::json_f64s(&golden[k]);
    let close = common::assert_close;
    struct Interrupt(usize);
    impl Callback for Interrupt {
        fn on_epoch_begin(&mut self, epoch: usize, _: &mut callbacks::Context) -> tf::Result<()> {
            self.0 = epoch;
            Ok(())
        }
        fn on_train_batch_begin(&mut self, batch: usize, _: &mut callbacks::Context) -> tf::Result<()> {
            match (self.0, batch) {
                (2, 3) => Err(tf::Error::InvalidArgument("interrupted".into())),
                _ => Ok(()),
            }
        }
    }
    let x = tf::reshape(&(tf::cast(&tf::range(20), tf::float32) / 20.0), [5, 4]);
    let y = tf::reshape(&tf::sin(&tf::cast(&tf::range(15), tf::float32)), [5, 3]);
    let fresh = || {
        let mut m = keras::sequential![Dense::new(3).kernel_initializer("zeros").input_shape([4])];
        m.compile(keras::optimizers::Adam::new(0.05), keras::losses::MeanSquaredError::new(), &[]);
        m
    };
    let args = |cbs: Vec<Box<dyn Callback>>| FitArgs {
        epochs: 4,
        batch_size: 1,
        shuffle: false,
        verbose: 0,
        callbacks: cbs,
        ..Default::default()
    };
    let backup = |dir: &std::path::Path| Box::new(callbacks::BackupAndRestore::new(dir).save_freq(2));
    let whole = fresh().fit((&x, &y), args(vec![])).unwrap();
    close(&whole["loss"], &floats("uninterrupted_loss"), "uninterrupted losses");

    let dir = std::env::temp_dir().join(format!("tf-backup-batches-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let e = fresh().fit((&x, &y), args(vec![backup(&dir), Box::new(Interrupt(0))])).unwrap_err();
    assert!(e.to_string().contains("interrupted"), "{e}");
    let mut model = fresh();
    let resumed = model.fit((&x, &y), args(vec![backup(&dir)])).unwrap();
    assert_eq!(resumed.epoch, vec![2, 3]);
    assert_eq!(golden["resumed_epochs"], serde_json::json!([2, 3]));
    close(&resumed["loss"], &floats("resumed_loss"), "resumed losses");
    let w = model.get_weights();
    close(&common::f64s(&w[0]), &floats("kernel"), "kernel");
    close(&common::f64s(&w[1]), &floats("bias"), "bias");
    assert!(!dir.join("chief").exists(), "the backup is deleted after a finished fit");
    std::fs::remove_dir_all(&dir).ok();
}
