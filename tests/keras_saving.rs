//! Keras `model.save(dir)` / `keras::models::load_model(dir)`: Sequential, functional and
//! subclassed models come back with their architecture, weights, optimizer state and compile
//! config — the loaded model predicts the same and trains on exactly as the original; every
//! layer's config round-trips; bad directories are errors.

mod common;

use common::TwoLayer;

use std::path::PathBuf;
use tf::keras::{self, layers::*, Apply, FitArgs, Model, PredictArgs};
use tf::{Module, Tensor};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tf-ksave-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("model")
}

fn quiet() -> FitArgs {
    FitArgs {
        verbose: 0,
        shuffle: false,
        batch_size: 16,
        ..Default::default()
    }
}

/// 64 samples of 4 features; the class is whether their sum is positive.
fn toy() -> (Tensor, Tensor) {
    let x = tf::random::normal(&[64, 4], 0.0, 1.0, tf::float32, Some(5));
    let y = tf::cast(&tf::greater(&tf::reduce_sum(&x, 1i64, false), &tf::constant(0.0f32)), tf::int32);
    (x, y)
}

fn weights(m: &dyn Module) -> Vec<Vec<f32>> {
    m.trainable_variables().iter().map(|v| v.value().to_vec::<f32>()).collect()
}

fn predict(m: &Model<impl Layer>, x: &Tensor) -> Vec<f32> {
    m.predict(
        x,
        PredictArgs {
            verbose: 0,
            ..Default::default()
        },
    )
    .unwrap()
    .to_vec::<f32>()
}

#[test]
fn a_sequential_model_round_trips_and_trains_on_exactly_as_the_original() {
    let _g = common::seed_lock();
    tf::random::set_seed(3);
    let mut model = keras::sequential![
        Dense::new(8)
            .activation("relu")
            .input_shape([4])
            .kernel_regularizer(keras::regularizers::Regularizer::L2(1e-3)),
        Dense::new(2),
    ];
    model.compile(
        keras::optimizers::Adam::new(0.01).beta_1(0.8),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let (x, y) = toy();
    model.fit((&x, &y), FitArgs { epochs: 2, ..quiet() }).unwrap();
    let dir = tmp("sequential");
    model.save(&dir).unwrap();

    let mut loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.name(), model.name());
    assert_eq!(loaded.class_name(), "Sequential");
    let names = |m: &dyn Layer| m.layers().iter().map(|l| l.name()).collect::<Vec<_>>();
    assert_eq!(names(&loaded), names(&*model));
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(
        loaded.summary_string().unwrap(),
        model.summary_string().unwrap(),
        "the same table, shapes included"
    );
    assert_eq!(weights(&loaded), weights(&*model));
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
    assert_eq!(loaded.optimizer().unwrap().get_config(), model.optimizer().unwrap().get_config());
    assert_eq!(loaded.optimizer().unwrap().get_config()["beta_1"], 0.8);
    assert_eq!(loaded.optimizer().unwrap().iterations(), 8);
    assert_eq!(loaded.losses().len(), 1, "the regularizer came back with the config");
    // Adam's moments were restored: one more epoch of each gives the same weights.
    let h1 = model.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    let h2 = loaded.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    assert_eq!(weights(&loaded), weights(&*model));
    assert_eq!(h1["loss"], h2["loss"]);
    assert_eq!(h1["accuracy"], h2["accuracy"]);
}

#[test]
fn a_keras_saved_model_serves_without_keras() {
    let _g = common::seed_lock();
    tf::random::set_seed(4);
    let model = keras::sequential![Flatten::new().input_shape([2, 2]), Dense::new(3).activation("softmax")];
    let dir = tmp("serve");
    keras::saving::save_model(
        &model,
        &dir,
        &keras::saving::SaveOptions {
            batch_sizes: vec![Some(5), Some(2)],
        },
    )
    .unwrap();
    let served = tf::saved_model::load(&dir).unwrap();
    let sig = served.signature("serving_default").unwrap();
    let names = model.layers().iter().map(|l| l.name()).collect::<Vec<_>>();
    assert_eq!(sig.inputs()[0].0, format!("{}_input", names[0]), "Keras's input name");
    assert_eq!(sig.inputs()[0].1.shape.dims(), &[5, 2, 2]);
    assert_eq!(sig.outputs(), [names[1].clone()]);
    let x = tf::random::normal(&[5, 2, 2], 0.0, 1.0, tf::float32, Some(1));
    let out = sig.call(&[(sig.inputs()[0].0.as_str(), &x)]).unwrap();
    assert_eq!(out[&names[1]].to_vec::<f32>(), model.call(&x, false).to_vec::<f32>());
    let call = served.function("__call__").unwrap();
    let x2 = tf::ones([2, 2, 2], tf::float32);
    assert_eq!(
        call.call(std::slice::from_ref(&x2)).unwrap()[0].to_vec::<f32>(),
        model.call(&x2, false).to_vec::<f32>()
    );
    // The variables directory is the model's save_weights checkpoint.
    let r = tf::train::load_checkpoint(dir.join("variables/variables")).unwrap();
    assert!(r.has_tensor("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"));
}

#[test]
fn a_functional_model_with_branches_round_trips() {
    let _g = common::seed_lock();
    tf::random::set_seed(5);
    let inputs = keras::Input::new([4]);
    let a = Dense::new(6).activation("tanh").apply(&inputs);
    let b = Dense::new(3).with_name("side").apply(&inputs);
    let joined = Concatenate::new(-1).apply([&a, &b]);
    let normed = BatchNormalization::new().apply(&joined);
    let outputs = Dense::new(2).apply(&normed);
    let mut model = Model::new(&inputs, &outputs).unwrap();
    model.compile(
        keras::optimizers::SGD::new(0.05).momentum(0.9),
        "sparse_categorical_crossentropy",
        (),
    );
    let (x, y) = toy();
    let mut model_soft = model;
    model_soft
        .fit((&x, &y), FitArgs { epochs: 1, ..quiet() })
        .unwrap_or_else(|e| panic!("{e}"));
    let model = model_soft;
    let dir = tmp("functional");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.class_name(), "Functional");
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
    let all = |m: &dyn Module| m.variables().iter().map(|v| v.value().to_vec::<f32>()).collect::<Vec<_>>();
    assert_eq!(all(&loaded), all(&model), "moving statistics included");
}

/// A transformer encoder block as a functional model (self-attention, residual, layer norm,
/// pooling over steps): it trains through `fit`'s traced step, its loss falls, and it round
/// trips through `save` / `load_model` with equal predictions.
#[test]
fn a_functional_attention_block_trains_and_round_trips() {
    let _g = common::seed_lock();
    tf::random::set_seed(8);
    let inputs = keras::Input::new([6, 4]);
    let attended = MultiHeadAttention::new(2, 4).apply([&inputs, &inputs]);
    let residual = Add::new().apply([&inputs, &attended]);
    let normed = LayerNormalization::new().apply(&residual);
    let pooled = GlobalAveragePooling1D::new().apply(&normed);
    let outputs = Dense::new(2).apply(&pooled);
    let mut model = Model::new(&inputs, &outputs).unwrap();
    model.compile(keras::optimizers::Adam::new(0.01), "sparse_categorical_crossentropy", ());
    // The class: whether the first feature summed over the steps is positive.
    let x = tf::random::normal(&[64, 6, 4], 0.0, 1.0, tf::float32, Some(3));
    let first = tf::reduce_sum(&tf::squeeze(&tf::slice(&x, &[0, 0, 0], &[-1, -1, 1]), &[2]), 1i64, false);
    let y = tf::cast(&tf::greater(&first, &tf::constant(0.0f32)), tf::int32);
    let history = model
        .fit((&x, &y), FitArgs { epochs: 8, ..quiet() })
        .unwrap_or_else(|e| panic!("{e}"));
    let loss = &history["loss"];
    assert!(loss[loss.len() - 1] < 0.8 * loss[0], "loss {loss:?}");
    let dir = tmp("attention");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
}

/// The text classifier of TensorFlow's RNN tutorial in small: Embedding, Bidirectional
/// LSTM, Dense. It learns through `fit` and round-trips through `save` / `load_model`.
#[test]
fn a_bidirectional_text_classifier_trains_and_round_trips() {
    let _g = common::seed_lock();
    tf::random::set_seed(9);
    let mut model = keras::sequential![
        Embedding::new(10, 4).input_shape([6]),
        Bidirectional::new(LSTM::new(4)),
        Dense::new(2)
    ];
    model.compile(keras::optimizers::Adam::new(0.02), "sparse_categorical_crossentropy", ());
    // Token sequences; the class: whether token 7 occurs.
    let x = tf::cast(&tf::random::uniform(&[64, 6], 0.0, 9.99, tf::float32, Some(4)), tf::int32);
    let y = tf::cast(&tf::reduce_any(&tf::equal(&x, &tf::constant(7i32)), 1i64, false), tf::int32);
    let history = model
        .fit((&x, &y), FitArgs { epochs: 10, ..quiet() })
        .unwrap_or_else(|e| panic!("{e}"));
    let loss = &history["loss"];
    assert!(loss[loss.len() - 1] < 0.8 * loss[0], "loss {loss:?}");
    assert_eq!(model.trainable_variables().len(), 1 + 6 + 2);
    let summary = model.summary_string().unwrap();
    assert!(
        summary.contains("bidirectional (Bidirection") && summary.contains("(None, 8)"),
        "{summary}"
    );
    // Keras's count: 4 * ((4 + 4 + 1) * 4) per direction.
    assert!(summary.contains("288"), "{summary}");
    let dir = tmp("bidirectional");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
}

/// TensorFlow's regression tutorial in small: a Normalization layer adapted to the features,
/// then Dense(1) on mean squared error. The adapted statistics are saved and restored with
/// the model (they are its non-trainable weights).
#[test]
fn an_adapted_normalization_trains_and_round_trips() {
    let _g = common::seed_lock();
    tf::random::set_seed(10);
    let x = &tf::random::normal(&[64, 3], 0.0, 1.0, tf::float32, Some(6)) * &tf::constant([10.0f32, 0.1, 3.0]);
    let y = tf::reduce_sum(&(&x * &tf::constant([0.1f32, 5.0, -0.2])), 1i64, true);
    let norm = Normalization::new(Some(-1)).input_shape([3]);
    norm.adapt(&x).unwrap();
    let mut model = keras::sequential![norm, Dense::new(1)];
    model.compile(keras::optimizers::Adam::new(0.1), "mse", ());
    let history = model
        .fit((&x, &y), FitArgs { epochs: 20, ..quiet() })
        .unwrap_or_else(|e| panic!("{e}"));
    let loss = &history["loss"];
    assert!(loss[loss.len() - 1] < 0.1 * loss[0], "loss {loss:?}");
    let dir = tmp("normalization");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
    let all = |m: &dyn Module| {
        m.variables()
            .iter()
            .map(|v| tf::cast(&v.value(), tf::float32).to_vec::<f32>())
            .collect::<Vec<_>>()
    };
    assert_eq!(all(&loaded), all(&model), "the adapted statistics included");
}

/// TensorFlow's image-classification tutorial in small: augmentation layers in front of a
/// CNN. They act in `fit`'s traced training step and not in `predict` (which is repeatable),
/// and the model round-trips through `save` / `load_model`.
#[test]
fn augmentation_layers_train_in_fit_and_round_trip() {
    let _g = common::seed_lock();
    tf::random::set_seed(12);
    let mut model = keras::sequential![
        RandomFlip::new("horizontal").input_shape([8, 8, 1]),
        RandomRotation::new(0.05),
        RandomZoom::new(0.1, None),
        RandomCrop::new(6, 6),
        RandomBrightness::new(0.02).value_range(-1.0, 2.0),
        GaussianNoise::new(0.05),
        Conv2D::new(4, 3).activation("relu"),
        SpatialDropout2D::new(0.1),
        GlobalAveragePooling2D::new(),
        Dense::new(2)
    ];
    model.compile(keras::optimizers::Adam::new(0.05), "sparse_categorical_crossentropy", ());
    // Bright images against dark ones.
    let x = tf::random::uniform(&[64, 8, 8, 1], 0.0, 1.0, tf::float32, Some(8));
    let y = tf::cast(
        &tf::greater(&tf::reduce_mean(&x, [1, 2, 3], false), &tf::constant(0.5f32)),
        tf::int32,
    );
    let x = &x + &tf::reshape(&(&tf::cast(&y, tf::float32) - 0.5f32), [-1, 1, 1, 1]);
    let history = model
        .fit((&x, &y), FitArgs { epochs: 6, ..quiet() })
        .unwrap_or_else(|e| panic!("{e}"));
    let loss = &history["loss"];
    assert!(loss[loss.len() - 1] < loss[0], "loss {loss:?}");
    assert_eq!(predict(&model, &x), predict(&model, &x), "no augmentation at inference");
    let dir = tmp("augmentation");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
}

/// A volumetric classifier (Keras's 3-D layers): it learns in `fit`, and round-trips through
/// `save` / `load_model`, whose export traces every layer for a batch of unknown size.
#[test]
fn volumetric_layers_train_in_fit_and_round_trip() {
    let _g = common::seed_lock();
    tf::random::set_seed(3);
    let mut model = keras::sequential![
        ZeroPadding3D::new((1, 0, 0)).input_shape([4, 6, 6, 1]),
        Conv3D::new(4, 3).padding("same").activation("relu"),
        SpatialDropout3D::new(0.1),
        MaxPooling3D::new((1, 2, 2)),
        Conv3DTranspose::new(2, 2).strides((1, 2, 2)).activation("tanh"),
        Cropping3D::symmetric(1, 1, 1),
        UpSampling3D::new((1, 2, 1)),
        AveragePooling3D::new(2).padding("same"),
        GlobalMaxPooling3D::new(),
        Dense::new(2).activation("softmax")
    ];
    model.compile(keras::optimizers::Adam::new(0.01), "sparse_categorical_crossentropy", &["accuracy"]);
    // Bright volumes against dark ones.
    let x = tf::random::uniform(&[48, 4, 6, 6, 1], 0.0, 0.5, tf::float32, Some(2));
    let y = tf::cast(
        &tf::greater(&tf::random::uniform(&[48], 0.0, 1.0, tf::float32, Some(5)), &tf::constant(0.5f32)),
        tf::int32,
    );
    let x = &x + &(&tf::reshape(&tf::cast(&y, tf::float32), [-1, 1, 1, 1, 1]) * 0.5f32);
    let history = model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 10,
                batch_size: 8,
                ..quiet()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let (acc, loss) = (&history["accuracy"], &history["loss"]);
    assert!(acc.iter().any(|&a| a > 0.9), "accuracy {acc:?}");
    assert!(loss[loss.len() - 1] < 0.75 * loss[0], "loss {loss:?}");
    let dir = tmp("volumetric");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(predict(&loaded, &x), predict(&model, &x));
}

#[test]
fn a_subclassed_model_is_revived_from_its_traced_functions_and_trains_on() {
    let _g = common::seed_lock();
    tf::random::set_seed(6);
    let mut model = Model::wrap(TwoLayer {
        hidden: Dense::new(5).activation("relu"),
        out: Dense::new(2),
    });
    model.compile(
        keras::optimizers::SGD::new(0.1).momentum(0.5),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let (x, y) = toy();
    model.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    let dir = tmp("subclassed");
    model.save(&dir).unwrap();
    let mut loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.class_name(), "Layer");
    assert!(loaded.get_config().is_none());
    assert_eq!(weights(&loaded), weights(&model));
    let batch = tf::slice(&x, &[0, 0], &[16, 4]);
    assert_eq!(
        loaded.call(&batch, false).to_vec::<f32>(),
        model.call(&batch, false).to_vec::<f32>()
    );
    // Training goes through the traced training function; the momentum was restored.
    model.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    loaded.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    let (a, b) = (weights(&loaded), weights(&model));
    for (va, vb) in a.iter().zip(&b) {
        for (p, q) in va.iter().zip(vb) {
            assert!((p - q).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }
    // Traced for a batch of None, it serves any batch size; another feature size is refused.
    let three = tf::ones([3, 4], tf::float32);
    assert_eq!(
        loaded.call(&three, false).to_vec::<f32>(),
        model.call(&three, false).to_vec::<f32>()
    );
    let msg = common::panic_message(|| {
        loaded.call(&tf::ones([3, 5], tf::float32), false);
    });
    assert!(
        msg.contains("Could not find matching function") && msg.contains("float32 (None, 4)"),
        "{msg}"
    );
}

#[test]
fn every_layer_config_round_trips() {
    let layers: Vec<Box<dyn Layer>> = vec![
        Box::new(
            Dense::new(7)
                .activation("gelu")
                .use_bias(false)
                .kernel_initializer("he_normal")
                .bias_initializer(keras::initializers::Initializer::Constant(0.5))
                .bias_regularizer(keras::regularizers::Regularizer::L1L2 { l1: 0.1, l2: 0.2 })
                .with_name("d")
                .input_shape([3]),
        ),
        Box::new(Flatten::new()),
        Box::new(Reshape::new([2, -1])),
        Box::new(Permute::new([2, 1])),
        Box::new(Dropout::new(0.3).seed(9)),
        Box::new(Activation::new("softplus")),
        Box::new(Rescaling::new(0.5, 1.0)),
        Box::new(Embedding::new(10, 4).embeddings_initializer(keras::initializers::Initializer::RandomNormal(0.0, 2.0))),
        Box::new(
            Conv2D::new(4, (3, 2))
                .strides(2)
                .padding("same")
                .dilation_rate(1)
                .activation("relu")
                .kernel_initializer("lecun_uniform"),
        ),
        Box::new(Conv1D::new(3, 5)),
        Box::new(DepthwiseConv2D::new(3).depth_multiplier(2)),
        Box::new(Conv2DTranspose::new(2, 3).strides(2)),
        Box::new(MaxPooling2D::new(3).strides(1).padding("same")),
        Box::new(AveragePooling2D::new(2)),
        Box::new(GlobalAveragePooling2D::new().keepdims(true)),
        Box::new(GlobalMaxPooling2D::new()),
        Box::new(ZeroPadding2D::asymmetric((1, 2), (3, 4))),
        Box::new(UpSampling2D::new((2, 3))),
        Box::new(BatchNormalization::new().center(false)),
        Box::new(LayerNormalization::new().scale(false)),
        Box::new(Add::new()),
        Box::new(Multiply::new()),
        Box::new(Concatenate::new(1)),
        Box::new(LSTM::new(4).return_sequences(true).go_backwards(true)),
        Box::new(GRU::new(3).kernel_initializer("orthogonal").dropout(0.2).recurrent_dropout(0.1)),
        Box::new(Embedding::new(10, 4).mask_zero(true)),
        Box::new(PReLU::new().shared_axes(vec![1, 2])),
        Box::new(ThresholdedReLU::new(0.5)),
        Box::new(GroupNormalization::new(4).axis(1).epsilon(1e-5).scale(false)),
        Box::new(UnitNormalization::new().axes(&[1, 2])),
        Box::new(CenterCrop::new(5, 6)),
        Box::new(RandomCrop::new(3, 4).seed(Some(2))),
        Box::new(RandomBrightness::new((-0.2, 0.1)).value_range(-1.0, 1.0)),
        Box::new(Resizing::new(8, 9).crop_to_aspect_ratio(true)),
        Box::new(Masking::new(-1.0)),
        Box::new(SimpleRNN::new(2).activation("relu")),
        Box::new(Subtract::new()),
        Box::new(Average::new()),
        Box::new(Maximum::new()),
        Box::new(Minimum::new()),
        Box::new(ReLU::new().max_value(Some(6.0)).negative_slope(0.1).threshold(0.5)),
        Box::new(LeakyReLU::new().alpha(0.2)),
        Box::new(Softmax::new(1)),
        Box::new(ELU::new().alpha(0.7)),
        Box::new(MaxPooling1D::new(3).strides(2).padding("same")),
        Box::new(AveragePooling1D::new(4)),
        Box::new(GlobalAveragePooling1D::new().keepdims(true)),
        Box::new(GlobalMaxPooling1D::new()),
        Box::new(RepeatVector::new(5)),
        Box::new(Cropping1D::new((2, 1))),
        Box::new(Cropping2D::new(((1, 2), (3, 4)))),
        Box::new(
            MultiHeadAttention::new(4, 8)
                .value_dim(Some(6))
                .dropout(0.1)
                .output_shape(Some(10))
                .use_bias(false),
        ),
        Box::new(Bidirectional::new(LSTM::new(4).return_sequences(true)).merge_mode(MergeMode::Ave)),
        Box::new(Bidirectional::new(GRU::new(2).return_state(true)).merge_mode(MergeMode::Separate)),
        Box::new(TimeDistributed::new(Dense::new(3).activation("relu"))),
        Box::new(Normalization::new(Some(-1)).mean_variance(vec![1.0, 2.0], vec![3.0, 4.0])),
        Box::new(Normalization::new(None).invert(true)),
        Box::new(Resizing::new(10, 12).interpolation("nearest")),
        Box::new(RandomFlip::new("vertical").seed(Some(4))),
        Box::new(RandomRotation::new(0.1).fill_mode("constant").fill_value(0.3)),
        Box::new(RandomZoom::new((0.1, 0.2), Some(Factor(-0.1, 0.1)))),
        Box::new(RandomTranslation::new(0.1, 0.2).interpolation("nearest")),
        Box::new(RandomContrast::new(0.3).seed(Some(1))),
        Box::new(
            SeparableConv2D::new(8, 3)
                .depth_multiplier(2)
                .padding("same")
                .pointwise_initializer("he_normal"),
        ),
        Box::new(GaussianNoise::new(0.1).seed(Some(3))),
        Box::new(GaussianDropout::new(0.2)),
        Box::new(AlphaDropout::new(0.1).seed(Some(2))),
        Box::new(SpatialDropout1D::new(0.3)),
        Box::new(SpatialDropout2D::new(0.4).seed(Some(6))),
        Box::new(Attention::new().use_scale(true).score_mode("concat").dropout(0.1)),
        Box::new(AdditiveAttention::new().use_scale(false)),
        Box::new(Dot::new((1, 2)).normalize(true)),
        Box::new(UpSampling1D::new(3)),
        Box::new(ZeroPadding1D::new((2, 0))),
        Box::new(LayerNormalization::new().axes(&[1, 2, 3]).epsilon(1e-5)),
        Box::new(
            Conv3D::new(6, (3, 2, 1))
                .strides((1, 2, 2))
                .padding("same")
                .activation("relu")
                .kernel_regularizer(keras::regularizers::Regularizer::L2(0.01)),
        ),
        Box::new(Conv3DTranspose::new(2, 3).strides(2).use_bias(false)),
        Box::new(MaxPooling3D::new((1, 2, 2)).padding("same")),
        Box::new(AveragePooling3D::new(3).strides((1, 1, 2))),
        Box::new(GlobalAveragePooling3D::new().keepdims(true)),
        Box::new(GlobalMaxPooling3D::new()),
        Box::new(UpSampling3D::new((1, 2, 3))),
        Box::new(ZeroPadding3D::asymmetric(((1, 0), (2, 3), (0, 1)))),
        Box::new(Cropping3D::new(((0, 1), (1, 1), (2, 0)))),
        Box::new(SpatialDropout3D::new(0.2).seed(Some(7))),
        Box::new(Conv1DTranspose::new(4, 3).strides(2).padding("same").dilation_rate(1)),
        Box::new(Conv2D::new(8, 3).groups(4)),
        Box::new(DepthwiseConv1D::new(5).depth_multiplier(3).use_bias(false)),
        Box::new(SeparableConv1D::new(6, 2).padding("causal").dilation_rate(2).depth_multiplier(2)),
    ];
    for l in &layers {
        let v = keras::layers::serialize(l.as_ref()).unwrap();
        let back = keras::layers::deserialize(&v).unwrap();
        assert_eq!(back.class_name(), l.class_name());
        assert_eq!(back.name(), l.name());
        assert_eq!(keras::layers::serialize(back.as_ref()).unwrap(), v, "{}", l.class_name());
    }
    let d = keras::layers::serialize(layers[0].as_ref()).unwrap();
    assert_eq!(d["class_name"], "Dense");
    assert_eq!(d["config"]["units"], 7);
    assert_eq!(d["config"]["activation"], "gelu");
    assert_eq!(d["config"]["batch_input_shape"], serde_json::json!([null, 3]));
    assert_eq!(d["config"]["kernel_initializer"]["class_name"], "VarianceScaling");
    assert_eq!(d["config"]["kernel_initializer"]["config"]["mode"], "fan_in");
    let not_rnn = serde_json::json!({"class_name": "Bidirectional", "config": {"layer": {"class_name": "Dense", "config": {"units": 2}}}});
    let e = keras::layers::deserialize(&not_rnn).err().unwrap().to_string();
    assert!(e.contains("must be a recurrent layer"), "{e}");
    let e = keras::layers::serialize(&Lambda::new(|x| x.clone())).unwrap_err().to_string();
    assert!(e.contains("has no config"), "{e}");
    let e = keras::layers::deserialize(&serde_json::json!({"class_name": "Dense", "config": {"units": "many"}}))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("Dense.units") && e.contains("non-negative integer"), "{e}");
    let ragged = serde_json::json!({"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [null, null, 3]}});
    let e = keras::layers::deserialize(&ragged).err().unwrap().to_string();
    assert!(e.contains("unknown dimension besides the batch's"), "{e}");
    let e = keras::layers::deserialize(&serde_json::json!({"class_name": "Capsule", "config": {}}))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("unknown layer class `Capsule`"), "{e}");
    // Keras writes `Dot(axes=1)` as an int.
    let dot = keras::layers::deserialize(&serde_json::json!({"class_name": "Dot", "config": {"name": "dot", "axes": 1}})).unwrap();
    let (a, b) = (tf::constant([[3.0f32, 4.0]]), tf::constant([[1.0f32, 2.0]]));
    assert_eq!(dot.call_many(&[a, b], false).to_vec::<f32>(), vec![11.0]);
}

#[test]
fn loading_refuses_what_is_not_a_keras_model() {
    let _g = common::seed_lock();
    let dir = tmp("refuse");
    let e = keras::models::load_model(&dir).err().unwrap();
    assert!(matches!(e, tf::Error::NotFound(_)), "{e}");
    let model = keras::sequential![Dense::new(2).input_shape([3])];
    model.save(&dir).unwrap();
    let meta = dir.join("keras_metadata.json");
    let good = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(&meta, &good[..good.len() / 2]).unwrap();
    let e = keras::models::load_model(&dir).err().unwrap();
    assert!(
        matches!(e, tf::Error::DataLoss(_)) && e.to_string().contains("keras_metadata.json"),
        "{e}"
    );
    std::fs::write(&meta, good.replace("\"Dense\"", "\"Densest\"")).unwrap();
    let e = keras::models::load_model(&dir).err().unwrap().to_string();
    assert!(e.contains("unknown layer class `Densest`"), "{e}");
    std::fs::write(&meta, good.replace("\"version\": 1", "\"version\": 9")).unwrap();
    let e = keras::models::load_model(&dir).err().unwrap();
    assert!(matches!(e, tf::Error::Unimplemented(_)), "{e}");
    // A model whose code cannot be traced (it reads a tensor's values) is an error.
    let host = keras::sequential![
        Dense::new(2).input_shape([3]),
        Lambda::new(|x| if x.to_vec::<f32>()[0] > 0.0 { x.clone() } else { -x }),
    ];
    let e = host.save(tmp("untraceable")).unwrap_err().to_string();
    assert!(e.contains("save: tracing `__call__` for batch size None"), "{e}");
    // A model that never ran and declares no input shape has nothing to trace.
    let fresh = keras::sequential![Dense::new(2)];
    let e = fresh.save(tmp("fresh")).unwrap_err().to_string();
    assert!(e.contains("cannot be saved because its input shape is not available"), "{e}");
}

#[test]
fn model_checkpoint_saves_the_whole_model_each_epoch() {
    let _g = common::seed_lock();
    tf::random::set_seed(7);
    let mut model = keras::sequential![Dense::new(4).activation("relu").input_shape([4]), Dense::new(2)];
    model.compile(
        "rmsprop",
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let (x, y) = toy();
    let root = tmp("checkpoint");
    let pattern = root.with_file_name("model-{epoch}");
    let cb = keras::callbacks::ModelCheckpoint::new(pattern.to_str().unwrap());
    model
        .fit(
            (&x, &y),
            FitArgs {
                epochs: 2,
                callbacks: vec![Box::new(cb)],
                ..quiet()
            },
        )
        .unwrap();
    let first = keras::models::load_model(root.with_file_name("model-1")).unwrap();
    let mut last = keras::models::load_model(root.with_file_name("model-2")).unwrap();
    let mut first = first;
    assert_eq!(first.optimizer().unwrap().iterations(), 4);
    assert_eq!(last.optimizer().unwrap().iterations(), 8);
    assert_eq!(last.optimizer().unwrap().name(), "RMSprop");
    assert_eq!(weights(&last), weights(&*model));
    assert_ne!(weights(&first), weights(&*model));
    let e = last
        .evaluate(
            (&x, &y),
            keras::EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    let o = model
        .evaluate(
            (&x, &y),
            keras::EvaluateArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(e, o, "compiled with the same loss and metrics");
}

#[test]
fn a_model_with_a_lambda_has_no_config_and_comes_back_revived() {
    let _g = common::seed_lock();
    tf::random::set_seed(8);
    let model = keras::sequential![Dense::new(3).input_shape([2]), Lambda::new(|x| x * 2.0f32)];
    assert!(model.get_config().is_none());
    let dir = tmp("lambda");
    model.save(&dir).unwrap();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.class_name(), "Sequential");
    assert!(loaded.summary_string().unwrap().contains("Total params: 9"));
    let x = tf::constant([[1.0f32, -1.0]]);
    assert_eq!(loaded.call(&x, false).to_vec::<f32>(), model.call(&x, false).to_vec::<f32>());
}

#[test]
fn a_learning_rate_schedule_is_saved_with_the_optimizer() {
    let _g = common::seed_lock();
    tf::random::set_seed(9);
    let schedule = keras::optimizers::schedules::ExponentialDecay::new(0.05, 3, 0.5);
    let mut model = keras::sequential![Dense::new(4).activation("relu").input_shape([4]), Dense::new(2)];
    model.compile(
        keras::optimizers::SGD::new(0.0).learning_rate_schedule(schedule),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        (),
    );
    let (x, y) = toy();
    model.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    let dir = tmp("schedule");
    model.save(&dir).unwrap();
    let mut loaded = keras::models::load_model(&dir).unwrap();
    let cfg = loaded.optimizer().unwrap().get_config();
    assert_eq!(cfg["learning_rate"]["class_name"], "ExponentialDecay");
    assert_eq!(cfg["learning_rate"]["config"]["decay_rate"], 0.5);
    assert_eq!(
        loaded.optimizer().unwrap().learning_rate(),
        model.optimizer().unwrap().learning_rate()
    );
    model.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    loaded.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    assert_eq!(weights(&loaded), weights(&*model), "the decayed rates continue from step 4");
    // A closure schedule has no config: refused at save, not silently replaced.
    let mut closure = keras::sequential![Dense::new(2).input_shape([4])];
    closure.compile(
        keras::optimizers::SGD::new(0.0).learning_rate_schedule(|step: i64| 0.1 / (1 + step) as f64),
        "mse",
        (),
    );
    let e = closure.save(tmp("closure")).unwrap_err().to_string();
    assert!(e.contains("learning-rate schedule is a closure"), "{e}");
}

#[test]
fn a_functional_model_with_two_inputs_saves_serves_and_loads() {
    let _g = common::seed_lock();
    tf::random::set_seed(10);
    let a = keras::Input::new([3]);
    let b = keras::Input::new([2]);
    let joined = Concatenate::new(-1).apply([&a, &b]);
    let out = Dense::new(2).apply(&joined);
    let model = Model::new([&a, &b], &out).unwrap();
    let dir = tmp("two_inputs");
    model.save(&dir).unwrap();
    let xa = tf::constant([[1.0f32, 2.0, 3.0]]);
    let xb = tf::constant([[-1.0f32, 0.5]]);
    let want = model.call_many(&[xa.clone(), xb.clone()], false).to_vec::<f32>();
    let loaded = keras::models::load_model(&dir).unwrap();
    assert_eq!(loaded.get_config(), model.get_config());
    assert_eq!(loaded.call_many(&[xa.clone(), xb.clone()], false).to_vec::<f32>(), want);
    // The signature takes both inputs by their layer names.
    let served = tf::saved_model::load(&dir).unwrap();
    let sig = served.signature("serving_default").unwrap();
    let names: Vec<&str> = sig.inputs().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec![a.name(), b.name()]);
    let got = sig.call(&[(a.name(), &xa), (b.name(), &xb)]).unwrap();
    assert_eq!(got.values().next().unwrap().to_vec::<f32>(), want);
}

/// Keras saves with a batch dimension of None: one trace serves every batch size, for a CNN
/// with reshapes, batch normalization and dropout (whose mask takes the run-time shape).
#[test]
fn a_saved_cnn_serves_any_batch_size_from_one_trace() {
    let _g = common::seed_lock();
    tf::random::set_seed(8);
    let mut model = keras::sequential![
        Reshape::new([28, 28, 1]).input_shape([784]),
        Conv2D::new(4, 3).activation("relu"),
        BatchNormalization::new(),
        MaxPooling2D::default(),
        Flatten::new(),
        Dropout::new(0.5),
        Reshape::new([-1, 4]),
        Flatten::new(),
        Dense::new(3)
    ];
    model.compile("adam", keras::losses::SparseCategoricalCrossentropy::new().from_logits(true), ());
    let x = tf::random::uniform(&[8, 784], 0.0, 1.0, tf::float32, Some(1));
    let y = tf::constant([0i64, 1, 2, 0, 1, 2, 0, 1]);
    model.fit((&x, &y), FitArgs { epochs: 1, ..quiet() }).unwrap();
    let dir = tmp("cnn");
    model.save(&dir).unwrap();
    let served = tf::saved_model::load(&dir).unwrap();
    let sig = served.signature("serving_default").unwrap();
    assert_eq!(
        sig.inputs()[0].1.to_string(),
        "TensorSpec(shape=(None, 784), dtype=tf.float32, name=None)"
    );
    for n in [1usize, 3, 8] {
        let xs = tf::slice(&x, &[0, 0], &[n as i64, 784]);
        let out = sig.call(&[(sig.inputs()[0].0.as_str(), &xs)]).unwrap();
        let got = out.values().next().unwrap();
        assert_eq!(got.shape().dims(), &[n, 3]);
        let want = model.call(&xs, false).to_vec::<f32>();
        for (a, b) in got.to_vec::<f32>().iter().zip(&want) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }
    for name in ["__call__", "__call_training__"] {
        let traces = served.function(name).unwrap().concrete_functions().len();
        assert_eq!(traces, 1, "{name}: one trace for a batch of None");
    }
    // The training function draws a dropout mask of the batch's run-time shape.
    let train = served.function("__call_training__").unwrap();
    let out = train.call(&[tf::slice(&x, &[0, 0], &[5, 784])]).unwrap();
    assert_eq!(out[0].shape().dims(), &[5, 3]);
}
