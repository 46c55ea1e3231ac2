//! Smoke tests: every example runs to the end.

mod common;

#[path = "../examples/custom_module.rs"]
mod custom_module;
#[path = "../examples/eager_basics.rs"]
mod eager_basics;
#[path = "../examples/gradient_tape.rs"]
mod gradient_tape;
#[path = "../examples/graph_functions.rs"]
mod graph_functions;

#[test]
fn eager_basics_runs() {
    let _seed = common::seed_lock();
    eager_basics::main();
}

#[test]
fn gradient_tape_runs() {
    let _seed = common::seed_lock();
    gradient_tape::main();
}

#[test]
fn custom_module_trains() {
    let _seed = common::seed_lock();
    custom_module::main();
}

#[test]
fn graph_functions_runs() {
    let _seed = common::seed_lock();
    graph_functions::main();
}

#[path = "../examples/fashion_mnist.rs"]
mod fashion_mnist;

/// The README's main job: TensorFlow's beginner tutorial reaches at least 0.875 test accuracy
/// after 10 epochs (TensorFlow: ~0.87 after 5, ~0.88 after 10). Needs the real data
/// (`apt-get install -y dataset-fashion-mnist`, which `.ci/run` does).
#[test]
fn fashion_mnist_reaches_tutorial_accuracy() {
    let _seed = common::seed_lock();
    let acc = fashion_mnist::train(10, 2).expect("Fashion-MNIST is installed (apt-get install -y dataset-fashion-mnist)");
    assert!(acc >= 0.875, "test accuracy {acc}");
}

#[path = "../examples/gan.rs"]
mod gan;

/// Two models, two optimizers, two tapes: the generated distribution approaches N(4, 1.25).
#[test]
fn gan_learns_the_target_distribution() {
    let _seed = common::seed_lock();
    let stats = gan::train(1500, 500);
    let (mean, std) = *stats.last().unwrap();
    assert!((mean - 4.0).abs() < 0.5, "generated mean {mean}");
    assert!((std - 1.25).abs() < 0.6, "generated std {std}");
}

#[path = "../examples/custom_training_loop.rs"]
mod custom_training_loop;

#[test]
fn custom_training_loop_learns() {
    let _seed = common::seed_lock();
    let acc = custom_training_loop::train(1, false).expect("Fashion-MNIST is installed")[0];
    assert!(acc > 0.8, "test accuracy after one epoch {acc}");
}

#[path = "../examples/mnist_cnn.rs"]
mod mnist_cnn;

/// Both ways of writing the overview's CNN build the same network and, from the same seed,
/// train identically (a few steps here; a full epoch takes about a minute on two cores and
/// is run by the example).
#[test]
fn mnist_cnn_both_ways() {
    let _seed = common::seed_lock();
    use tf::keras::Model;
    use tf::Module;
    tf::random::set_seed(3);
    let mut seq = mnist_cnn::sequential();
    let (acc_seq, _) = mnist_cnn::train(&mut seq, Some(40), 0).expect("Fashion-MNIST is installed");
    tf::random::set_seed(3);
    let mut sub = Model::wrap(mnist_cnn::Cnn::new());
    let (acc_sub, _) = mnist_cnn::train(&mut sub, Some(40), 0).expect("Fashion-MNIST is installed");
    assert_eq!(seq.count_params(), sub.count_params());
    assert_eq!(seq.count_params(), 3_274_634);
    assert!(acc_seq > 0.5, "after 40 steps: {acc_seq}");
    assert_eq!(acc_seq, acc_sub, "same seed, same network, same training");
    assert_eq!(sub.trainable_variables().len(), 8);
}

#[path = "../examples/data_pipeline.rs"]
mod data_pipeline;

/// Fashion-MNIST through shuffle → map(normalize + flip) → batch → prefetch trains the model.
#[test]
fn data_pipeline_feeds_fit() {
    let _seed = common::seed_lock();
    let (pipeline_ms, memory_ms, acc) = data_pipeline::compare(1, 0).expect("Fashion-MNIST is installed");
    assert!(acc > 0.8, "test accuracy {acc}");
    assert!(pipeline_ms > 0.0 && memory_ms > 0.0);
}

#[path = "../examples/tf_function.rs"]
mod tf_function;

#[test]
fn tf_function_runs() {
    let _seed = common::seed_lock();
    tf_function::main();
}

#[path = "../examples/load_saved_model.rs"]
mod load_saved_model;
#[path = "../examples/save_and_serve.rs"]
mod save_and_serve;

/// One epoch with TensorBoard and ModelCheckpoint, a SavedModel, and the model-free loader
/// scoring the test set exactly as the trained model did.
#[test]
fn save_and_serve_then_load_without_the_model_code() {
    let _seed = common::seed_lock();
    let dir = std::env::temp_dir().join(format!("tf-example-sas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let trained = save_and_serve::run(&dir, 1, None, 0).expect("Fashion-MNIST is installed");
    let served = load_saved_model::run(&dir.join("model"), false).unwrap();
    assert!(trained > 0.8, "test accuracy after one epoch {trained}");
    assert!((served - trained).abs() < 1e-6, "loaded {served} vs trained {trained}");
    assert!(dir.join("checkpoints/epoch-01/keras_metadata.json").exists());
    let runs: Vec<_> = std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(runs.len(), 2, "train and validation runs: {runs:?}");
    let checkpoint = tf::keras::models::load_model(dir.join("checkpoints/epoch-01")).unwrap();
    assert_eq!(checkpoint.layers().len(), 4);
    std::fs::remove_dir_all(&dir).ok();
}
