//! `fit` runs its train step as a graph function (Keras's `model.train_function`): traced
//! once per batch signature after a first eager step, with the same results as
//! `run_eagerly`, and eager where it must be (a learning-rate schedule that is a closure).

mod common;
use common::toy;

use tf::keras::layers::{BatchNormalization, Dense};
use tf::keras::optimizers::{schedules, Adam, IntoOptimizer, RMSprop, SGD};
use tf::keras::{self, FitArgs};

fn args(epochs: usize) -> FitArgs {
    FitArgs {
        epochs,
        batch_size: 32,
        shuffle: false,
        verbose: 0,
        ..Default::default()
    }
}

/// A seeded model, so two of them start from the same weights.
fn model(opt: impl IntoOptimizer, eager: bool) -> keras::Sequential {
    tf::random::set_seed(11);
    let mut m = keras::sequential![
        Dense::new(16).activation("relu").input_shape([4]),
        BatchNormalization::new(),
        Dense::new(2)
    ];
    m.compile(
        opt,
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    m.run_eagerly = eager;
    m
}

fn close(a: &[f32], b: &[f32], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{what}: {x} vs {y}");
    }
}

/// Equal loss histories, to 1e-5 relative.
fn same_losses(a: &keras::History, b: &keras::History, what: &str) {
    let f32s = |h: &keras::History| h["loss"].iter().map(|&v| v as f32).collect::<Vec<_>>();
    close(&f32s(a), &f32s(b), what);
}

/// Equal weights, to 1e-5 relative.
fn same_weights(a: &keras::Sequential, b: &keras::Sequential, what: &str) {
    for (x, y) in a.get_weights().iter().zip(b.get_weights()) {
        close(&x.to_vec::<f32>(), &y.to_vec::<f32>(), what);
    }
}

#[test]
fn fit_traces_one_train_function_that_matches_eager_training() {
    let _g = common::seed_lock();
    let (x, y) = toy(96);
    for (name, make) in [
        (
            "adam",
            (|| Box::new(Adam::new(0.01)) as Box<dyn keras::optimizers::Optimizer>) as fn() -> _,
        ),
        ("sgd", || Box::new(SGD::new(0.1).momentum(0.9).nesterov(true))),
        ("rmsprop", || Box::new(RMSprop::new(0.01).centered(true))),
    ] {
        let mut graph = model(make(), false);
        let mut eager = model(make(), true);
        let hg = graph.fit((&x, &y), args(3)).expect("fit");
        let he = eager.fit((&x, &y), args(3)).expect("fit");
        // Three full batches an epoch: the first step eager, then one trace for all others.
        let f = graph.train_function().expect("compiled");
        assert_eq!(f.tracing_count(), 1, "{name}");
        assert_eq!(eager.train_function().expect("compiled").tracing_count(), 0, "{name}");
        let text = f.concrete_functions()[0].graph().to_string();
        for op in ["MatMul(", "AssignVariableOp['dense", "AssignAddVariableOp['iteration']"] {
            assert!(text.contains(op), "{name}: no {op} in\n{text}");
        }
        if name == "adam" {
            // One update per trainable variable; the two dense kernels' take their
            // gradient's product fused in.
            let fused = text.matches("_FusedAdamMatMul(").count();
            assert_eq!((text.matches(" AdamUpdate(").count(), fused), (4, 2), "{name}\n{text}");
        }
        // The moving statistics of BatchNormalization are updated inside the graph too.
        assert!(
            text.contains("AssignVariableOp['batch_normalization") && text.contains("/moving_mean']"),
            "{text}"
        );
        assert_eq!(graph.optimizer().expect("compiled").iterations(), 9, "{name}");
        same_losses(&hg, &he, name);
        same_weights(&graph, &eager, name);
    }
}

#[test]
fn a_smaller_last_batch_retraces_once_with_an_unknown_batch_dimension() {
    let _g = common::seed_lock();
    let (x, y) = toy(100); // batches of 32, 32, 32 and 4
    let mut m = model(Adam::new(0.01), false);
    let h = m.fit((&x, &y), args(3)).expect("fit");
    // The batch of unknown size averages its loss over its real size, as eagerly.
    let mut eager = model(Adam::new(0.01), true);
    let he = eager.fit((&x, &y), args(3)).expect("fit");
    same_losses(&h, &he, "loss");
    same_weights(&m, &eager, "weights");
    let f = m.train_function().expect("compiled");
    assert_eq!(f.tracing_count(), 2);
    let sigs: Vec<String> = f.concrete_functions().iter().map(|c| c.signature()[0].to_string()).collect();
    assert_eq!(
        sigs,
        [
            "TensorSpec(shape=(32, 4), dtype=tf.float32, name=None)",
            "TensorSpec(shape=(None, 4), dtype=tf.float32, name=None)"
        ]
    );
    // train_on_batch uses the same function.
    m.train_on_batch(&tf::slice(&x, &[0, 0], &[7, -1]), &tf::slice(&y, &[0], &[7]))
        .expect("a step");
    assert_eq!(m.train_function().expect("compiled").tracing_count(), 2);
}

#[test]
fn a_closure_schedule_trains_eagerly_and_a_builtin_one_in_the_graph() {
    let _g = common::seed_lock();
    let (x, y) = toy(64);
    let closure = SGD::new(0.0).learning_rate_schedule(|step: i64| 0.1 / (1 + step) as f64);
    let mut m = model(closure, false);
    let h = m.fit((&x, &y), args(2)).expect("fit");
    assert_eq!(m.train_function().expect("compiled").tracing_count(), 0);
    assert_eq!(h["loss"].len(), 2);
    // A built-in schedule is computed from `iterations` inside the graph: the rates the steps
    // used are the schedule's, as the eager run shows.
    let decay = || SGD::new(0.0).learning_rate_schedule(schedules::ExponentialDecay::new(0.1, 2, 0.5));
    let (mut graph, mut eager) = (model(decay(), false), model(decay(), true));
    let (hg, he) = (
        graph.fit((&x, &y), args(3)).expect("fit"),
        eager.fit((&x, &y), args(3)).expect("fit"),
    );
    assert_eq!(graph.train_function().expect("compiled").tracing_count(), 1);
    same_losses(&hg, &he, "schedule");
    assert_eq!(graph.optimizer().expect("compiled").learning_rate(), 0.1 * 0.5f64.powf(6.0 / 2.0));
}

#[test]
fn evaluate_and_predict_run_as_graph_functions_once_the_model_is_built() {
    let _g = common::seed_lock();
    let (x, y) = toy(100);
    let mut graph = model(Adam::new(0.01), false);
    let mut eager = model(Adam::new(0.01), true);
    for m in [&mut graph, &mut eager] {
        m.fit((&x, &y), args(1)).expect("fit");
    }
    let eval = |m: &mut keras::Sequential| {
        m.evaluate(
            (&x, &y),
            keras::EvaluateArgs {
                batch_size: 32,
                verbose: 0,
                ..Default::default()
            },
        )
        .expect("evaluate")
    };
    let (lg, le) = (eval(&mut graph), eval(&mut eager));
    close(
        &[lg["loss"] as f32, lg["accuracy"] as f32],
        &[le["loss"] as f32, le["accuracy"] as f32],
        "evaluate",
    );
    // Batches of 32, 32, 32 and 4: one trace, and one with an unknown batch.
    assert_eq!(graph.test_function().expect("compiled").tracing_count(), 2);
    assert_eq!(eager.test_function().expect("compiled").tracing_count(), 0);
    let pargs = || keras::PredictArgs {
        batch_size: 32,
        verbose: 0,
    };
    let (pg, pe) = (
        graph.predict(&x, pargs()).expect("predict"),
        eager.predict(&x, pargs()).expect("predict"),
    );
    assert_eq!(pg.shape().dims(), &[100, 2]);
    close(&pg.to_vec::<f32>(), &pe.to_vec::<f32>(), "predict");
    assert_eq!(graph.predict_function().tracing_count(), 2);
    assert_eq!(eager.predict_function().tracing_count(), 0);
    // A model never called before runs its first prediction eagerly (that builds it).
    let fresh = model(Adam::new(0.01), false);
    fresh.predict(&x, pargs()).expect("predict");
    assert_eq!(
        fresh.predict_function().tracing_count(),
        2,
        "batch 0 eager, then one trace of 32 and one of None"
    );
}

/// A recurrent layer's zero initial state takes the batch size when the graph runs, so the
/// retrace with an unknown batch trains as eagerly.
#[test]
fn recurrent_models_train_in_the_graph_with_a_partial_last_batch() {
    let _g = common::seed_lock();
    let x = tf::random::uniform(&[50, 3, 2], -1.0, 1.0, tf::float32, Some(4));
    let y = tf::cast(&tf::greater(&tf::reduce_sum(&x, [1, 2], false), &tf::constant(0.0f32)), tf::int32);
    let make = |eager: bool| {
        tf::random::set_seed(12);
        let mut m = keras::sequential![tf::keras::layers::LSTM::new(4).input_shape([3, 2]), Dense::new(2)];
        m.compile(
            Adam::new(0.01),
            keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
            (),
        );
        m.run_eagerly = eager;
        m
    };
    trains_as_eagerly_with_a_partial_batch(make, &x, &y);
}

/// Two epochs of batches of 32 (the last one partial) train the model `make(false)` makes
/// in the graph, in two traces, to `make(true)`'s eager losses and weights.
fn trains_as_eagerly_with_a_partial_batch(make: impl Fn(bool) -> keras::Sequential, x: &tf::Tensor, y: &tf::Tensor) {
    // Each made just before its fit: a model without a declared input shape draws its
    // weights when fit builds it.
    let mut graph = make(false);
    let hg = graph.fit((x, y), args(2)).expect("fit");
    let mut eager = make(true);
    let he = eager.fit((x, y), args(2)).expect("fit");
    assert_eq!(graph.train_function().expect("compiled").tracing_count(), 2);
    same_losses(&hg, &he, "loss");
    same_weights(&graph, &eager, "weights");
}

/// Convolutional models' input gradients read the batch when the graph runs, so the retrace
/// with an unknown batch for a partial last batch trains as eagerly (it once failed with
/// "input_shape must be 4 non-negative sizes"): 2-D and 3-D convolutions, depthwise,
/// transposed, pooling and upsampling layers.
#[test]
fn convolutional_models_train_in_the_graph_with_a_partial_last_batch() {
    use tf::keras::layers::*;
    let _g = common::seed_lock();
    let x = tf::random::uniform(&[50, 6, 6, 2], -1.0, 1.0, tf::float32, Some(4));
    let y = tf::cast(
        &tf::greater(&tf::reduce_sum(&x, [1, 2, 3], false), &tf::constant(0.0f32)),
        tf::int32,
    );
    let make = |eager: bool, volumetric: bool| {
        tf::random::set_seed(12);
        let mut m = if volumetric {
            keras::sequential![
                Reshape::new([3, 6, 2, 2]).input_shape([6, 6, 2]),
                Conv3D::new(3, 2).padding("same").activation("relu"),
                Conv3DTranspose::new(2, (1, 2, 2)).strides((1, 2, 2)),
                AveragePooling3D::new((1, 2, 2)),
                MaxPooling3D::new((2, 2, 1)).padding("same"),
                UpSampling3D::new((1, 1, 2)),
                Flatten::new(),
                Dense::new(2)
            ]
        } else {
            keras::sequential![
                Conv2D::new(4, 3).padding("same").activation("relu").input_shape([6, 6, 2]),
                DepthwiseConv2D::new(2),
                Conv2DTranspose::new(3, 2).strides(2),
                AveragePooling2D::new(2),
                UpSampling2D::new(2),
                MaxPooling2D::new(3),
                Flatten::new(),
                Dense::new(2)
            ]
        };
        m.compile(
            Adam::new(0.01),
            keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
            (),
        );
        m.run_eagerly = eager;
        m
    };
    for volumetric in [false, true] {
        trains_as_eagerly_with_a_partial_batch(|eager| make(eager, volumetric), &x, &y);
    }
}

/// A sweep of the deterministic layers, each between the input and a Flatten + Dense head:
/// trained in the graph with a partial last batch (a second trace, for a `None` batch), each
/// gives the eager losses and weights.
#[test]
fn every_deterministic_layer_trains_in_the_graph_with_a_partial_last_batch() {
    use tf::keras::layers::*;
    let _g = common::seed_lock();
    type Make = fn() -> Box<dyn Layer>;
    let images: Vec<(&str, Make)> = vec![
        ("batch_normalization", || Box::new(BatchNormalization::new())),
        ("layer_normalization", || Box::new(LayerNormalization::new())),
        ("group_normalization", || Box::new(GroupNormalization::new(2))),
        ("unit_normalization", || Box::new(UnitNormalization::new())),
        ("separable_conv2d", || Box::new(SeparableConv2D::new(3, 2).padding("same"))),
        ("cropping2d", || Box::new(Cropping2D::symmetric(1, 2))),
        ("zero_padding2d", || Box::new(ZeroPadding2D::new(1))),
        ("global_average_pooling2d", || Box::new(GlobalAveragePooling2D::new())),
        ("global_max_pooling2d", || Box::new(GlobalMaxPooling2D::new())),
        ("prelu", || Box::new(PReLU::new())),
        ("resizing", || Box::new(Resizing::new(4, 5))),
        ("center_crop", || Box::new(CenterCrop::new(4, 4))),
        ("permute", || Box::new(Permute::new([2, 1, 3]))),
        ("reshape", || Box::new(Reshape::new([12, 6]))),
        ("rescaling", || Box::new(Rescaling::new(0.5, 0.1))),
        ("softmax", || Box::new(Softmax::new(-1))),
        ("elu", || Box::new(ELU::new())),
        ("thresholded_relu", || Box::new(ThresholdedReLU::new(0.1))),
        ("time_distributed", || Box::new(TimeDistributed::new(Dense::new(3)))),
        ("einsum_dense", || {
            Box::new(EinsumDense::new("abcd,de->abce", [Some(6), Some(6), Some(3)]).bias_axes("e"))
        }),
        ("conv_lstm2d", || {
            Box::new(keras::sequential![
                Reshape::new([2, 3, 6, 2]),
                ConvLSTM2D::new(2, 2).padding("same")
            ])
        }),
    ];
    let sequences: Vec<(&str, Make)> = vec![
        ("conv1d_causal", || Box::new(Conv1D::new(3, 2).padding("causal"))),
        ("conv1d_transpose", || Box::new(Conv1DTranspose::new(3, 2).strides(2))),
        ("depthwise_conv1d", || Box::new(DepthwiseConv1D::new(2).depth_multiplier(2))),
        ("separable_conv1d", || Box::new(SeparableConv1D::new(3, 2))),
        ("max_pooling1d", || Box::new(MaxPooling1D::new(2))),
        ("average_pooling1d", || Box::new(AveragePooling1D::new(2).padding("same"))),
        ("global_average_pooling1d", || Box::new(GlobalAveragePooling1D::new())),
        ("up_sampling1d", || Box::new(UpSampling1D::new(2))),
        ("zero_padding1d", || Box::new(ZeroPadding1D::new((1, 2)))),
        ("cropping1d", || Box::new(Cropping1D::new((1, 1)))),
        ("simple_rnn", || Box::new(SimpleRNN::new(3).return_sequences(true))),
        ("gru", || Box::new(GRU::new(3))),
        ("bidirectional", || {
            Box::new(Bidirectional::new(LSTM::new(2).return_sequences(true)))
        }),
        ("masking", || Box::new(Masking::new(0.0))),
        ("rnn_stacked_cells", || {
            let cells: Vec<Box<dyn RnnCell>> = vec![Box::new(LSTMCell::new(3)), Box::new(GRUCell::new(2))];
            Box::new(RNN::new(StackedRNNCells::new(cells)).return_sequences(true))
        }),
        ("einsum_dense_elided", || {
            Box::new(EinsumDense::new("...b,bc->...c", [Some(4)]).bias_axes("c"))
        }),
        ("activity_regularization", || Box::new(ActivityRegularization::new(0.01, 0.02))),
    ];
    let x_img = tf::random::uniform(&[50, 6, 6, 2], -1.0, 1.0, tf::float32, Some(4));
    let x_seq = tf::reshape(&x_img, [50, 12, 6]);
    let y = tf::cast(
        &tf::greater(&tf::reduce_sum(&x_img, [1, 2, 3], false), &tf::constant(0.0f32)),
        tf::int32,
    );
    for (cases, x) in [(images, &x_img), (sequences, &x_seq)] {
        for (name, layer) in cases {
            let make = |eager: bool| {
                tf::random::set_seed(12);
                let mut m = keras::Sequential::from_layers(vec![layer(), Box::new(Flatten::new()), Box::new(Dense::new(2))]);
                m.compile(
                    Adam::new(0.01),
                    keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
                    (),
                );
                m.run_eagerly = eager;
                m
            };
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| trains_as_eagerly_with_a_partial_batch(make, x, &y)));
            assert!(run.is_ok(), "{name}");
        }
    }
}

/// Every built-in loss traces into the train function (nothing in it reads a value while
/// tracing) and trains there as it does eagerly.
#[test]
fn every_builtin_loss_trains_in_the_graph_as_eagerly() {
    let _g = common::seed_lock();
    let (x, labels) = toy(64);
    let onehot = tf::one_hot(&labels, 2, 1.0, 0.0, -1, tf::float32);
    for name in [
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "binary_crossentropy",
        "mse",
        "mae",
        "huber",
        "kld",
        "cosine_similarity",
        "hinge",
        "squared_hinge",
        "log_cosh",
        "poisson",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
        "mape",
        "msle",
        "categorical_hinge",
        "sparse_categorical_crossentropy, ignore_class 1",
    ] {
        // (Percentages of zero labels would be ~1e7: MAPE gets labels of 1 and 2.)
        let shifted = &onehot + 1.0;
        let y = match name {
            n if n.starts_with("sparse") => &labels,
            "mape" => &shifted,
            _ => &onehot,
        };
        let fit = |eager: bool| {
            tf::random::set_seed(5);
            let mut m = keras::sequential![
                Dense::new(8).activation("relu").input_shape([4]),
                Dense::new(2).activation("softmax")
            ];
            let loss: Box<dyn keras::losses::Loss> = match name.split_once(", ignore_class ") {
                Some((_, c)) => Box::new(keras::losses::SparseCategoricalCrossentropy::new().ignore_class(c.parse().ok())),
                None => keras::losses::get(name),
            };
            m.compile(SGD::new(0.1), loss, &[]);
            m.run_eagerly = eager;
            let h = m.fit((&x, y), args(2)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (h, m)
        };
        let ((hg, graph), (he, eager)) = (fit(false), fit(true));
        assert_eq!(graph.train_function().expect("compiled").tracing_count(), 1, "{name}");
        same_losses(&hg, &he, name);
        same_weights(&graph, &eager, name);
    }
}
