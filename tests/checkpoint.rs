//! `tf::train::Checkpoint` in TensorFlow 2's format: fixtures written by a real TensorFlow
//! (tests/golden/checkpoint/gen.py) restore here; files written here have the fixtures'
//! keys, dtypes, shapes and object-graph structure; damaged files are errors naming the file;
//! a writer killed mid-save leaves the previous checkpoint loadable.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tf::train::{Checkpoint, CheckpointManager};
use tf::{Module, Variable};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/checkpoint").join(name)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tf-ckpt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The structure of gen.py's `Net(tf.Module)`.
#[derive(tf::Module)]
struct Net {
    l1: Variable,
    b: Variable,
    #[module(trainable = false)]
    steps: Variable,
}

impl Net {
    fn zeros() -> Net {
        Net {
            l1: Variable::new(tf::zeros([2, 2], tf::float32)),
            b: Variable::new(tf::zeros([2], tf::float32)),
            steps: Variable::with_options(tf::constant(0i64), "steps", false),
        }
    }
}

#[test]
fn tensorflow_checkpoint_restores_by_object_structure() {
    let net = Net::zeros();
    let step = Variable::new(tf::constant(0i32));
    let ckpt = Checkpoint::new().with("net", &net).with("step", &step);
    let status = ckpt.restore(golden("module/ckpt-1")).unwrap();
    status.assert_consumed().unwrap();
    assert_eq!(net.l1.value().to_vec::<f32>(), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(net.b.value().to_vec::<f32>(), [0.5, -0.5]);
    assert_eq!(net.steps.value().scalar::<i64>(), 7);
    assert_eq!(step.value().scalar::<i32>(), 3);
    assert_eq!(ckpt.save_counter().value().scalar::<i64>(), 1);
    // A directory restores its latest checkpoint.
    let again = Net::zeros();
    Checkpoint::new()
        .with("net", &again)
        .restore(golden("module"))
        .unwrap()
        .expect_partial();
    assert_eq!(again.b.value().to_vec::<f32>(), [0.5, -0.5]);
}

#[test]
fn load_checkpoint_lists_keys_shapes_and_dtypes() {
    let r = tf::train::load_checkpoint(golden("module/ckpt-1")).unwrap();
    let shapes = r.get_variable_to_shape_map();
    let want: BTreeMap<String, Vec<usize>> = [
        ("_CHECKPOINTABLE_OBJECT_GRAPH", vec![]),
        ("net/b/.ATTRIBUTES/VARIABLE_VALUE", vec![2]),
        ("net/l1/.ATTRIBUTES/VARIABLE_VALUE", vec![2, 2]),
        ("net/steps/.ATTRIBUTES/VARIABLE_VALUE", vec![]),
        ("save_counter/.ATTRIBUTES/VARIABLE_VALUE", vec![]),
        ("step/.ATTRIBUTES/VARIABLE_VALUE", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(shapes, want);
    let dtypes = r.get_variable_to_dtype_map();
    assert_eq!(dtypes["net/steps/.ATTRIBUTES/VARIABLE_VALUE"], "int64");
    assert_eq!(dtypes["step/.ATTRIBUTES/VARIABLE_VALUE"], "int32");
    assert_eq!(dtypes["_CHECKPOINTABLE_OBJECT_GRAPH"], "string");
    assert_eq!(
        r.get_tensor("net/l1/.ATTRIBUTES/VARIABLE_VALUE").unwrap().to_vec::<f32>(),
        [1.0, 2.0, 3.0, 4.0]
    );
    let err = r.get_tensor("net/nope").unwrap_err().to_string();
    assert!(err.contains("net/nope") && err.contains("not found"), "{err}");
}

/// Keys, shapes and dtypes of a checkpoint, without the object graph's bytes.
fn signature(prefix: &Path) -> (BTreeMap<String, Vec<usize>>, BTreeMap<String, String>) {
    let r = tf::train::load_checkpoint(prefix).unwrap();
    (r.get_variable_to_shape_map(), r.get_variable_to_dtype_map())
}

#[test]
fn written_checkpoint_has_the_tensorflow_fixture_structure() {
    let net = Net {
        l1: Variable::new(tf::constant([[1.0f32, 2.0], [3.0, 4.0]])),
        b: Variable::new(tf::constant([0.5f32, -0.5])),
        steps: Variable::with_options(tf::constant(7i64), "steps", false),
    };
    let step = Variable::new(tf::constant(3i32));
    let dir = tmp("structure");
    let path = Checkpoint::new()
        .with("net", &net)
        .with("step", &step)
        .save(dir.join("ckpt"))
        .unwrap();
    assert_eq!(path, dir.join("ckpt-1"));
    assert_eq!(signature(&path), signature(&golden("module/ckpt-1")));
    // Same values under the same keys.
    let (ours, theirs) = (
        tf::train::load_checkpoint(&path).unwrap(),
        tf::train::load_checkpoint(golden("module/ckpt-1")).unwrap(),
    );
    for k in ours
        .get_variable_to_shape_map()
        .keys()
        .filter(|k| *k != tf::train::OBJECT_GRAPH_KEY)
    {
        assert_eq!(
            ours.get_tensor(k).unwrap().to_string(),
            theirs.get_tensor(k).unwrap().to_string(),
            "{k}"
        );
    }
    // The state file names the checkpoint relative to its directory, as TensorFlow's does.
    assert_eq!(
        std::fs::read_to_string(dir.join("checkpoint"))
            .unwrap()
            .lines()
            .take(2)
            .collect::<Vec<_>>(),
        std::fs::read_to_string(golden("module/checkpoint"))
            .unwrap()
            .lines()
            .collect::<Vec<_>>()
    );
    // And our own restore reads it back through the object graph.
    let back = Net::zeros();
    let step2 = Variable::new(tf::constant(0i32));
    Checkpoint::new()
        .with("net", &back)
        .with("step", &step2)
        .restore(&path)
        .unwrap()
        .assert_consumed()
        .unwrap();
    assert_eq!(back.steps.value().scalar::<i64>(), 7);
    assert_eq!(step2.value().scalar::<i32>(), 3);
}

#[test]
fn partial_matches_are_reported() {
    let net = Net::zeros();
    let extra = Variable::new(tf::constant(1.0f32));
    let ckpt = Checkpoint::new().with("net", &net).with("extra", &extra);
    let status = ckpt.restore(golden("module/ckpt-1")).unwrap();
    let err = status.assert_consumed().unwrap_err().to_string();
    assert!(err.contains("step/.ATTRIBUTES/VARIABLE_VALUE") && err.contains("extra"), "{err}");
    assert!(status.assert_existing_objects_matched().unwrap_err().to_string().contains("extra"));
    assert_eq!(status.unused_values(), ["step/.ATTRIBUTES/VARIABLE_VALUE"]);
    assert_eq!(net.l1.value().to_vec::<f32>(), [1.0, 2.0, 3.0, 4.0]);
    status.expect_partial();
    // Only the checkpoint's extra values: existing objects all matched.
    let only_net = Net::zeros();
    let s = Checkpoint::new().with("net", &only_net).restore(golden("module/ckpt-1")).unwrap();
    s.assert_existing_objects_matched().unwrap();
    assert!(s.assert_consumed().is_err());
}

#[test]
fn shape_mismatch_names_the_variable_and_restores_nothing() {
    let net = Net {
        l1: Variable::new(tf::zeros([3, 2], tf::float32)),
        b: Variable::new(tf::zeros([2], tf::float32)),
        steps: Variable::new(tf::constant(0i64)),
    };
    let err = Checkpoint::new()
        .with("net", &net)
        .restore(golden("module/ckpt-1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("net/l1") && err.contains("(2, 2)") && err.contains("(3, 2)"), "{err}");
    // Nothing was half-restored: `b` matched but was not assigned.
    assert_eq!(net.b.value().to_vec::<f32>(), [0.0, 0.0]);
}

#[test]
fn every_truncation_and_flipped_byte_is_an_error() {
    let net = Net::zeros();
    let step = Variable::new(tf::constant(0i32));
    let dir = tmp("corrupt");
    for name in ["ckpt-1.index", "ckpt-1.data-00000-of-00001"] {
        let original = std::fs::read(golden("module").join(name)).unwrap();
        let other = if name.ends_with("index") {
            "ckpt-1.data-00000-of-00001"
        } else {
            "ckpt-1.index"
        };
        std::fs::copy(golden("module").join(other), dir.join(other)).unwrap();
        let check = |bytes: &[u8], what: &str| {
            std::fs::write(dir.join(name), bytes).unwrap();
            // Tracking the whole structure reads every stored byte.
            let r = Checkpoint::new().with("net", &net).with("step", &step).restore(dir.join("ckpt-1"));
            let err = r.map(|_| ()).expect_err(what).to_string();
            assert!(err.contains("ckpt-1."), "{what}: the error names the file: {err}");
        };
        for n in 0..original.len() {
            check(&original[..n], &format!("{name} truncated to {n} bytes"));
        }
        // Index: every byte outside the footer's padding is checked; data: every byte.
        let checked: Vec<usize> = if name.ends_with("index") {
            (0..original.len() - 48).chain(original.len() - 8..original.len()).collect()
        } else {
            (0..original.len()).collect()
        };
        for i in checked {
            let mut c = original.clone();
            c[i] ^= 0x01;
            check(&c, &format!("{name} byte {i} flipped"));
        }
    }
    // Nothing was assigned by any failed restore.
    assert_eq!(net.l1.value().to_vec::<f32>(), [0.0; 4]);
}

#[test]
fn manager_keeps_the_newest_and_recovers_state() {
    let dir = tmp("manager");
    let v = Variable::new(tf::constant([0.0f32; 3]));
    let ckpt = Checkpoint::new().with("v", &v);
    {
        let mut m = CheckpointManager::new(&ckpt, &dir, Some(3)).unwrap();
        assert_eq!(m.latest_checkpoint(), None);
        assert_eq!(m.restore_or_initialize().unwrap(), None);
        for i in 1..=5 {
            v.assign(&tf::constant([i as f32; 3]));
            assert_eq!(m.save().unwrap(), dir.join(format!("ckpt-{i}")));
        }
        assert_eq!(m.checkpoints(), (3..=5).map(|i| dir.join(format!("ckpt-{i}"))).collect::<Vec<_>>());
        assert!(!dir.join("ckpt-2.index").exists() && !dir.join("ckpt-2.data-00000-of-00001").exists());
    }
    let state = tf::train::get_checkpoint_state(&dir).unwrap().unwrap();
    assert_eq!(state.model_checkpoint_path, Some(dir.join("ckpt-5")));
    assert_eq!(state.all_model_checkpoint_paths.len(), 3);
    assert_eq!(state.all_model_checkpoint_timestamps.len(), 3);
    assert!(state.last_preserved_timestamp.is_some());
    assert_eq!(tf::train::latest_checkpoint(&dir).unwrap(), Some(dir.join("ckpt-5")));
    // A new manager (a restarted program) picks up where the last left off.
    let w = Variable::new(tf::constant([0.0f32; 3]));
    let ckpt2 = Checkpoint::new().with("v", &w);
    let mut m2 = CheckpointManager::new(&ckpt2, &dir, Some(3)).unwrap();
    assert_eq!(m2.restore_or_initialize().unwrap(), Some(dir.join("ckpt-5")));
    assert_eq!(w.value().to_vec::<f32>(), [5.0; 3]);
    assert_eq!(ckpt2.save_counter().value().scalar::<i64>(), 5);
    assert_eq!(m2.save().unwrap(), dir.join("ckpt-6"));
    assert_eq!(m2.checkpoints().len(), 3);
    assert!(CheckpointManager::new(&ckpt2, &dir, Some(0)).is_err());
}

#[test]
fn keep_checkpoint_every_n_hours_preserves_old_ones() {
    let dir = tmp("preserve");
    let v = Variable::new(tf::constant(1.0f32));
    let ckpt = Checkpoint::new().with("v", &v);
    // Every checkpoint is older than 0 hours since the last preserved one: all are kept on disk
    // though only one is managed.
    let mut m = CheckpointManager::new(&ckpt, &dir, Some(1))
        .unwrap()
        .keep_checkpoint_every_n_hours(0.0);
    for _ in 0..3 {
        m.save().unwrap();
    }
    assert_eq!(m.checkpoints(), [dir.join("ckpt-3")]);
    assert!(dir.join("ckpt-1.index").exists() && dir.join("ckpt-2.index").exists());
}

/// Containers and shared variables: a variable reachable by two paths is one object, stored
/// once under its breadth-first path.
#[derive(tf::Module)]
struct Shared {
    layers: Vec<Net>,
    alias: Variable,
}

#[test]
fn containers_and_shared_variables() {
    let a = Net::zeros();
    let alias = a.b.clone();
    let s = Shared {
        layers: vec![a, Net::zeros()],
        alias,
    };
    s.layers[0].b.assign(&tf::constant([9.0f32, 8.0]));
    let dir = tmp("shared");
    let path = Checkpoint::new().with("model", &s).save(dir.join("ckpt")).unwrap();
    let keys: Vec<String> = tf::train::load_checkpoint(&path)
        .unwrap()
        .get_variable_to_shape_map()
        .into_keys()
        .collect();
    assert!(keys.contains(&"model/alias/.ATTRIBUTES/VARIABLE_VALUE".to_string()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.starts_with("model/layers/0/b/")), "{keys:?}");
    assert!(
        keys.contains(&"model/layers/1/l1/.ATTRIBUTES/VARIABLE_VALUE".to_string()),
        "{keys:?}"
    );
    let t = Shared {
        layers: vec![Net::zeros(), Net::zeros()],
        alias: Variable::new(tf::zeros([2], tf::float32)),
    };
    Checkpoint::new()
        .with("model", &t)
        .restore(&path)
        .unwrap()
        .assert_consumed()
        .unwrap();
    assert_eq!(t.alias.value().to_vec::<f32>(), [9.0, 8.0]);
    assert_eq!(t.layers[0].b.value().to_vec::<f32>(), [9.0, 8.0]);
}

/// Run as a child process by `killed_writer_leaves_the_previous_checkpoint`: saves forever.
#[test]
fn crash_writer_child() {
    let Ok(dir) = std::env::var("TF_CKPT_CRASH_DIR") else { return };
    let v = Variable::new(tf::zeros([200_000], tf::float32));
    let ckpt = Checkpoint::new().with("v", &v);
    let mut m = CheckpointManager::new(&ckpt, &dir, Some(2)).unwrap();
    for i in 1.. {
        v.assign(&tf::fill([200_000], i as f32));
        m.save().unwrap();
    }
}

#[test]
fn killed_writer_leaves_the_previous_checkpoint() {
    let exe = std::env::current_exe().unwrap();
    for (round, wait_ms) in [5u64, 20, 40, 80].into_iter().enumerate() {
        let dir = tmp(&format!("crash{round}"));
        let mut child = std::process::Command::new(&exe)
            .args(["crash_writer_child", "--exact", "--nocapture"])
            .env("TF_CKPT_CRASH_DIR", &dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for a first checkpoint, then a little more, then kill mid-write.
        let t0 = std::time::Instant::now();
        while tf::train::latest_checkpoint(&dir).ok().flatten().is_none() && t0.elapsed().as_secs() < 60 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let latest = tf::train::latest_checkpoint(&dir).unwrap().expect("a checkpoint survives");
        let v = Variable::new(tf::zeros([200_000], tf::float32));
        let ckpt = Checkpoint::new().with("v", &v);
        ckpt.restore(&latest).unwrap().assert_consumed().unwrap();
        let n = ckpt.save_counter().value().scalar::<i64>();
        let vals = v.value().to_vec::<f32>();
        assert!(vals.iter().all(|&x| x == n as f32), "checkpoint {} is consistent", latest.display());
        assert!(latest.ends_with(format!("ckpt-{n}")));
    }
}

#[test]
fn module_names_need_not_match() {
    // Matching uses edge names, never variable names: renamed variables still restore.
    let net = Net {
        l1: Variable::with_options(tf::zeros([2, 2], tf::float32), "something_else", true),
        b: Variable::with_options(tf::zeros([2], tf::float32), "another", true),
        steps: Variable::with_options(tf::constant(0i64), "x", false),
    };
    Checkpoint::new()
        .with("net", &net)
        .restore(golden("module/ckpt-1"))
        .unwrap()
        .expect_partial();
    assert_eq!(net.l1.value().to_vec::<f32>(), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(net.variables().len(), 3);
}

/// gen.py's `WB(tf.Module)`.
#[derive(tf::Module)]
struct WB {
    w: Variable,
    b: Variable,
}

#[test]
fn keras_adam_slots_restore_deferred_and_training_continues_as_in_tensorflow() {
    use tf::keras::optimizers::{Adam, Optimizer};
    let net = WB {
        w: Variable::new(tf::zeros([2, 2], tf::float32)),
        b: Variable::new(tf::zeros([2], tf::float32)),
    };
    let mut opt = Adam::new(0.5);
    {
        let ckpt = Checkpoint::new().with("net", &net).with("optimizer", &opt);
        let status = ckpt.restore(golden("adam/ckpt-1")).unwrap();
        // The slots do not exist before the first step: their four values wait.
        assert_eq!(status.waiting().len(), 4, "{:?}", status.waiting());
        status.assert_existing_objects_matched().unwrap();
    }
    // The restored count and rate show at once, as in TensorFlow.
    assert_eq!(opt.iterations(), 1);
    assert!((opt.learning_rate() - 0.1).abs() < 1e-7);
    // gen.py's second step: loss = sum((x @ w + b)^2) with x = [[1, 2]].
    let tape = tf::GradientTape::persistent();
    let y = &tf::matmul(&tf::constant([[1.0f32, 2.0]]), &net.w.value()) + &net.b.value();
    let loss = tf::reduce_sum(&(&y * &y), None, false);
    let (gw, gb) = (tape.gradient(&loss, &net.w).unwrap(), tape.gradient(&loss, &net.b).unwrap());
    opt.apply_gradients(&[(gw, net.w.clone()), (gb, net.b.clone())]);
    assert_eq!(opt.iterations(), 2);
    assert!(
        (opt.learning_rate() - 0.1).abs() < 1e-7,
        "the learning rate came from the checkpoint"
    );
    // TensorFlow 2.21 after its second step (gen.py's printout).
    let w_tf = [0.8001819849014282f64, 1.800136923789978, 2.8001818656921387, 3.8001368045806885];
    let b_tf = [0.3001819849014282f64, -0.699863076210022];
    close(&net.w.value().to_vec::<f32>(), &w_tf);
    close(&net.b.value().to_vec::<f32>(), &b_tf);
    // Saved again, the optimizer's keys are TensorFlow's.
    let dir = tmp("adam");
    let p = Checkpoint::new()
        .with("net", &net)
        .with("optimizer", &opt)
        .save(dir.join("ckpt"))
        .unwrap();
    assert_eq!(signature(&p).0, signature(&golden("adam/ckpt-1")).0);
}

fn sequential(input_shape: bool) -> tf::keras::Sequential {
    use tf::keras::layers::{Dense, Flatten};
    let flatten = if input_shape {
        Flatten::new().input_shape([2, 2])
    } else {
        Flatten::new()
    };
    tf::keras::sequential![flatten, Dense::new(3).activation("relu"), Dense::new(2)]
}

const PREDICT_TF: [f64; 4] = [0.1900000125169754, 0.26500001549720764, 0.3500000238418579, 0.48500001430511475];

fn predict(model: &tf::keras::Sequential) -> Vec<f32> {
    let x = &tf::reshape(&tf::cast(&tf::range(8), tf::float32), [2, 2, 2]) / 8.0f32;
    model
        .predict(
            &x,
            tf::keras::PredictArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap()
        .to_vec::<f32>()
}

fn close(a: &[f32], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((f64::from(*x) - y).abs() < 1e-6, "{a:?} vs {b:?}");
    }
}

#[test]
fn keras_load_weights_reads_tensorflow_save_weights() {
    // Built at construction (input_shape given): assigned at once.
    let built = sequential(true);
    tf::keras::saving::load_weights(&*built, golden("sequential/weights")).unwrap();
    close(&predict(&built), &PREDICT_TF);
    // Not built yet: the values wait for the first call, which then uses them.
    let lazy = sequential(false);
    tf::keras::saving::load_weights(&*lazy, golden("sequential/weights")).unwrap();
    assert!(lazy.variables().is_empty());
    close(&predict(&lazy), &PREDICT_TF);
    // A directory with the `checkpoint` file works too.
    let again = sequential(true);
    tf::keras::saving::load_weights(&*again, golden("sequential")).unwrap();
    close(&predict(&again), &PREDICT_TF);
}

/// `load_weights` fails on `model`; returns the message after checking no weight changed.
fn refused_unchanged(model: &tf::keras::Sequential, path: &Path) -> String {
    let weights = || -> Vec<Vec<f32>> { model.get_weights().iter().map(|w| w.to_vec::<f32>()).collect() };
    let before = weights();
    let err = tf::keras::saving::load_weights(&**model, path).unwrap_err().to_string();
    assert_eq!(before, weights(), "a refused load assigned nothing");
    err
}

#[test]
fn keras_save_weights_writes_tensorflow_keys() {
    let model = sequential(true);
    tf::keras::saving::load_weights(&*model, golden("sequential/weights")).unwrap();
    close(&predict(&model), &PREDICT_TF);
    let dir = tmp("keras-save");
    tf::keras::saving::save_weights(&*model, dir.join("weights")).unwrap();
    assert_eq!(signature(&dir.join("weights")), signature(&golden("sequential/weights")));
    let back = sequential(true);
    tf::keras::saving::load_weights(&*back, dir.join("weights")).unwrap();
    close(&predict(&back), &PREDICT_TF);
    // As in Keras, a model holding a prefix of the saved structure loads what it has.
    let smaller = tf::keras::sequential![
        tf::keras::layers::Flatten::new().input_shape([2, 2]),
        tf::keras::layers::Dense::new(3)
    ];
    tf::keras::saving::load_weights(&*smaller, dir.join("weights")).unwrap();
    assert_eq!(smaller.get_weights()[1].to_vec::<f32>(), [0.1, -0.2, 0.3]);
    // A layer the checkpoint lacks is refused, naming it; nothing is assigned.
    let larger = tf::keras::sequential![
        tf::keras::layers::Flatten::new().input_shape([2, 2]),
        tf::keras::layers::Dense::new(3),
        tf::keras::layers::Dense::new(2),
        tf::keras::layers::Dense::new(2)
    ];
    let err = refused_unchanged(&larger, &dir.join("weights"));
    assert!(err.contains("NotFound") && err.contains("layer_with_weights-2"), "{err}");
    // A shape that differs is refused, naming the variable; nothing is assigned.
    let wider = tf::keras::sequential![
        tf::keras::layers::Flatten::new().input_shape([2, 2]),
        tf::keras::layers::Dense::new(4),
        tf::keras::layers::Dense::new(2)
    ];
    let err = refused_unchanged(&wider, &dir.join("weights"));
    assert!(err.contains("InvalidArgument") && err.contains("kernel"), "{err}");
    assert!(tf::keras::saving::save_weights(&*model, dir.join("w.h5"))
        .unwrap_err()
        .to_string()
        .contains("HDF5"));
}

#[test]
fn compiled_model_save_weights_round_trips_the_optimizer() {
    use tf::keras::{self, layers::Dense};
    let _g = common::seed_lock();
    let make = || {
        let mut m = keras::sequential![Dense::new(4).activation("relu").input_shape([3]), Dense::new(1)];
        m.compile(keras::optimizers::Adam::new(0.01), "mse", ());
        m
    };
    tf::random::set_seed(3);
    let x = tf::random::normal(&[16, 3], 0.0, 1.0, tf::float32, None);
    let y = tf::reduce_sum(&x, 1, true);
    let quiet = || keras::FitArgs {
        epochs: 1,
        batch_size: 8,
        verbose: 0,
        shuffle: false,
        ..Default::default()
    };
    let mut a = make();
    a.fit((&x, &y), quiet()).unwrap();
    let dir = tmp("compiled");
    a.save_weights(dir.join("w")).unwrap();
    // The optimizer's iterations and both Adam slots of every weight are saved, under Keras
    // 2.21's names (`_variables/0` is `_iterations` itself, stored once).
    let keys = tf::train::load_checkpoint(dir.join("w")).unwrap().get_variable_to_shape_map();
    assert!(keys.contains_key("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"), "{keys:?}");
    let slots = keys.keys().filter(|k| k.starts_with("optimizer/_variables/")).count();
    assert_eq!(slots, 8, "{keys:?}");
    // A fresh model restored from it continues exactly as the original does.
    let mut b = make();
    b.load_weights(dir.join("w")).unwrap();
    a.fit((&x, &y), quiet()).unwrap();
    b.fit((&x, &y), quiet()).unwrap();
    assert_eq!(b.optimizer().unwrap().iterations(), 4);
    for (wa, wb) in a.get_weights().iter().zip(b.get_weights()) {
        assert_eq!(wa.to_vec::<f32>(), wb.to_vec::<f32>());
    }
}

/// A module whose variable is created on demand, like a layer built on its first call.
struct Lazy {
    name: &'static str,
    w: std::sync::OnceLock<Variable>,
}

impl Module for Lazy {
    fn name(&self) -> String {
        self.name.into()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn tf::module::Visitor<'a>) {
        if let Some(w) = self.w.get() {
            v.variable("w".into(), w, true);
        }
    }
}

#[test]
fn waiting_values_are_taken_by_variables_created_later_and_mismatches_stay_errors() {
    let lazy = |name| Lazy {
        name,
        w: std::sync::OnceLock::new(),
    };
    let built = lazy("lazy_src");
    built.w.get_or_init(|| Variable::new(tf::constant([1.0f32, 2.0])));
    let dir = tmp("lazy");
    let path = Checkpoint::new().with("net", &built).save(dir.join("ckpt")).unwrap();
    // Nothing to take yet, however often asked, and an unrelated new variable changes nothing.
    let a = lazy("lazy_a");
    let status = Checkpoint::new().with("net", &a).restore(&path).unwrap();
    assert_eq!(status.waiting().len(), 1);
    assert_eq!(tf::train::restore_deferred(&a).unwrap(), 0);
    assert_eq!(tf::train::restore_deferred(&a).unwrap(), 0);
    let _other = Variable::new(tf::constant(0.0f32));
    assert_eq!(tf::train::restore_deferred(&a).unwrap(), 0);
    // Once created with the wrong shape: an error on every look, not just the first.
    a.w.get_or_init(|| Variable::new(tf::zeros([3], tf::float32)));
    for _ in 0..2 {
        let err = tf::train::restore_deferred(&a).unwrap_err().to_string();
        assert!(err.contains("InvalidArgument") && err.contains("lazy_a/w"), "{err}");
    }
    // Created with the right shape: taken at the first look after creation.
    let b = lazy("lazy_b");
    Checkpoint::new().with("net", &b).restore(&path).unwrap().expect_partial();
    assert_eq!(tf::train::restore_deferred(&b).unwrap(), 0);
    b.w.get_or_init(|| Variable::new(tf::zeros([2], tf::float32)));
    assert_eq!(tf::train::restore_deferred(&b).unwrap(), 1);
    assert_eq!(b.w.get().unwrap().value().to_vec::<f32>(), [1.0, 2.0]);
    assert_eq!(tf::train::restore_deferred(&b).unwrap(), 0);
}

#[test]
fn keras_safetensors_weights_load_by_name_or_by_position() {
    use tf::keras::layers::Dense;
    let dir = tmp("keras-safetensors");
    let path = dir.join("w.safetensors");
    let a = tf::keras::sequential![Dense::new(3).input_shape([2]), Dense::new(1)];
    tf::keras::saving::save_weights(&*a, &path).unwrap();
    let saved: Vec<Vec<f32>> = a.get_weights().iter().map(|w| w.to_vec::<f32>()).collect();
    let (tensors, meta) = tf::safetensors::load_file_with_metadata(&path).unwrap();
    assert_eq!(tensors.len(), 4);
    assert!(meta.contains_key("tf_keras_variable_order"), "{meta:?}");
    // A second instance in this process has other layer names (`dense_2`, ...): by position.
    let b = tf::keras::sequential![Dense::new(3).input_shape([2]), Dense::new(1)];
    assert!(b.named_variables().iter().all(|(p, _, _)| !tensors.contains_key(p)));
    tf::keras::saving::load_weights(&*b, &path).unwrap();
    let loaded: Vec<Vec<f32>> = b.get_weights().iter().map(|w| w.to_vec::<f32>()).collect();
    assert_eq!(loaded, saved);
    // Other shapes at the same positions are refused, naming both names; nothing is assigned.
    let wide = tf::keras::sequential![Dense::new(4).input_shape([2]), Dense::new(1)];
    let err = refused_unchanged(&wide, &path);
    assert!(
        err.contains("saved as") && err.contains("(2, 3)") && err.contains("(2, 4)"),
        "{err}"
    );
    // Another number of variables cannot be matched by position.
    let deeper = tf::keras::sequential![Dense::new(3).input_shape([2]), Dense::new(1), Dense::new(1)];
    let err = refused_unchanged(&deeper, &path);
    assert!(err.contains("4 variables where the model has 6"), "{err}");
}
