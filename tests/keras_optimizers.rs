//! Every optimizer's trajectory on a fixed problem matches a real TensorFlow run (tf_keras
//! 2.21, the Keras 2 optimizers) to 1e-5 relative over 100 steps. Golden numbers:
//! `tests/golden/gen_optimizers.py` → `tests/golden/optimizers.json`.

mod common;
use tf::keras::optimizers::{self, Optimizer};
use tf::{GradientTape, Variable};

fn golden() -> serde_json::Value {
    common::golden_json("optimizers.json")
}

fn case(name: &str) -> Box<dyn Optimizer> {
    use optimizers::*;
    match name {
        "sgd" => Box::new(SGD::new(0.1)),
        "sgd_momentum" => Box::new(SGD::new(0.05).momentum(0.9)),
        "sgd_nesterov" => Box::new(SGD::new(0.05).momentum(0.9).nesterov(true)),
        "adam" => Box::new(Adam::new(0.1)),
        "adam_amsgrad" => Box::new(Adam::new(0.1).amsgrad(true)),
        "adamw" => Box::new(AdamW::new(0.1).weight_decay(0.05)),
        "rmsprop" => Box::new(RMSprop::new(0.05)),
        "rmsprop_momentum" => Box::new(RMSprop::new(0.05).momentum(0.5)),
        "rmsprop_centered" => Box::new(RMSprop::new(0.05).momentum(0.5).centered(true)),
        "adadelta" => Box::new(Adadelta::new(1.0)),
        "adagrad" => Box::new(Adagrad::new(0.5)),
        "adamax" => Box::new(Adamax::new(0.1)),
        "nadam" => Box::new(Nadam::new(0.1)),
        "ftrl" => Box::new(Ftrl::new(0.5).l1_regularization_strength(0.01).l2_regularization_strength(0.01)),
        "adam_clipnorm" => Box::new(Adam::new(0.1).clipnorm(0.5)),
        "sgd_clipvalue" => Box::new(SGD::new(0.1).clipvalue(0.2)),
        "sgd_global_clipnorm" => Box::new(SGD::new(0.1).global_clipnorm(0.3)),
        "sgd_exponential_decay" => Box::new(SGD::new(0.0).learning_rate_schedule(schedules::ExponentialDecay::new(0.1, 10, 0.5))),
        "adam_piecewise" => {
            Box::new(Adam::new(0.0).learning_rate_schedule(schedules::PiecewiseConstantDecay::new([20, 50], [0.1, 0.05, 0.01])))
        }
        "sgd_cosine" => Box::new(SGD::new(0.0).learning_rate_schedule(schedules::CosineDecay::new(0.1, 100))),
        "sgd_polynomial" => Box::new(SGD::new(0.0).learning_rate_schedule(schedules::PolynomialDecay::new(0.1, 50))),
        "lion" => Box::new(Lion::new(0.02)),
        "lion_betas" => Box::new(Lion::new(0.05).beta_1(0.5).beta_2(0.9)),
        "adafactor" => Box::new(Adafactor::new(0.1)),
        "adafactor_absolute_step" => Box::new(Adafactor::new(0.05).relative_step(false).clip_threshold(0.5)),
        "sgd_inverse_time" => Box::new(SGD::new(0.0).learning_rate_schedule(schedules::InverseTimeDecay::new(0.1, 10, 0.5))),
        "sgd_inverse_time_staircase" => {
            let mut s = schedules::InverseTimeDecay::new(0.1, 10, 0.5);
            s.staircase = true;
            Box::new(SGD::new(0.0).learning_rate_schedule(s))
        }
        "sgd_cosine_restarts" => Box::new(SGD::new(0.0).learning_rate_schedule(schedules::CosineDecayRestarts::new(0.1, 10))),
        "sgd_cosine_restarts_flat" => {
            let mut s = schedules::CosineDecayRestarts::new(0.1, 15);
            (s.t_mul, s.m_mul, s.alpha) = (1.0, 0.8, 0.1);
            Box::new(SGD::new(0.0).learning_rate_schedule(s))
        }
        "sgd_cosine_warmup" => {
            let mut s = schedules::CosineDecay::new(0.01, 60).warmup(0.1, 20);
            s.alpha = 0.05;
            Box::new(SGD::new(0.0).learning_rate_schedule(s))
        }
        "adafactor_schedule" => Box::new(Adafactor::new(0.0).learning_rate_schedule(schedules::ExponentialDecay::new(0.1, 10, 0.5))),
        _ => panic!("no case {name}"),
    }
}

/// One step of the fixed problem: the loss `½ Σ k (w - t)²` and the optimizer's update.
fn step(opt: &mut dyn Optimizer, w: &Variable) {
    let (k, t) = (tf::constant([1.0f32, 2.0, 0.5]), tf::constant([0.3f32, -0.1, 0.7]));
    let tape = GradientTape::new();
    let d = &w.value() - &t;
    let loss = &tf::reduce_sum(&(&k * &(&d * &d)), None, false) * 0.5;
    let grad = tape.gradient(&loss, w).expect("connected");
    drop(tape);
    opt.apply_gradients(&[(grad, w.clone())]);
}

/// Runs every golden case for 100 steps; `traced` runs the step as one graph function
/// (traced once, after `build`), else eagerly; `from_config` runs an optimizer rebuilt from
/// the case's config (`deserialize(serialize(optimizer))`).
fn check_trajectories(traced: bool, from_config: bool) {
    let g = golden();
    let cases = g.as_object().expect("object");
    assert_eq!(cases.len(), 31);
    let mut failures = Vec::new();
    for (name, traj) in cases {
        let mut opt = case(name);
        if from_config {
            let config = serde_json::json!({ "class_name": opt.name(), "config": opt.get_config() });
            opt = optimizers::deserialize(&config).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let w = Variable::new(tf::constant([1.0f32, -2.0, 3.0]));
        let graph = traced.then(|| {
            opt.build(std::slice::from_ref(&w));
            tf::ConcreteFunction::trace("train_step", &[], |_| {
                step(&mut *opt, &w);
                Vec::new()
            })
        });
        let mut worst = 0.0f64;
        for (i, want) in traj.as_array().expect("steps").iter().enumerate() {
            match &graph {
                Some(f) => {
                    f.call(&[]).expect("no arguments");
                }
                None => step(&mut *opt, &w),
            }
            assert_eq!(opt.iterations(), i as i64 + 1, "{name}");
            let got = w.value().to_vec::<f32>();
            for (a, b) in got.iter().zip(want.as_array().expect("values")) {
                let b = b.as_f64().expect("number");
                let rel = (*a as f64 - b).abs() / b.abs().max(0.1);
                worst = worst.max(rel);
                if rel > 1e-5 {
                    failures.push(format!("{name} step {}: got {got:?}, TensorFlow {want}", i + 1));
                }
            }
            if failures.len() > 10 {
                break;
            }
        }
        eprintln!("{name} (traced: {traced}): worst relative difference {worst:.2e}");
    }
    assert!(failures.is_empty(), "{}", failures[..failures.len().min(10)].join("\n"));
}

#[test]
fn trajectories_match_tensorflow() {
    check_trajectories(false, false);
}

/// Each optimizer rebuilt from its config (schedules included) follows the same trajectory.
#[test]
fn optimizers_rebuilt_from_their_configs_match_tensorflow() {
    check_trajectories(false, true);
}

/// The same trajectories with the step as a graph function traced once: the learning rate,
/// schedules, bias corrections and Nadam's momentum product come from the optimizer's
/// variables on every call, not from the values at trace time.
#[test]
fn traced_trajectories_match_tensorflow() {
    check_trajectories(true, false);
}

/// A schedule that is a Rust closure cannot become part of a graph: the optimizer says so,
/// and tracing its update panics naming it.
#[test]
fn closure_schedules_are_not_traceable() {
    let mut opt = optimizers::SGD::new(0.0).learning_rate_schedule(|step: i64| 0.1 / (1 + step) as f64);
    assert!(!opt.traceable());
    assert!(optimizers::Adam::default().traceable());
    let w = Variable::new(tf::constant([1.0f32]));
    opt.build(std::slice::from_ref(&w));
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tf::ConcreteFunction::trace("train_step", &[], |_| {
            step(&mut opt, &w);
            Vec::new()
        })
    }))
    .err()
    .and_then(|p| p.downcast_ref::<String>().cloned())
    .expect("a panic with a message");
    assert!(err.contains("SGD: the learning-rate schedule is a Rust closure"), "{err}");
}

/// Without `build`, the slots are made on the function's first trace (eagerly, as TF's
/// `init_scope` makes them); a later trace may not create them, with TensorFlow's error.
#[test]
fn slots_are_made_on_the_first_trace_only() {
    use std::sync::{Arc, Mutex};
    let opt = Arc::new(Mutex::new(optimizers::Adam::new(0.1)));
    let (w, o) = (Variable::with_options(tf::constant([1.0f32]), "dense/kernel", true), opt.clone());
    let w2 = w.clone();
    let f = tf::Function::new("train_step", move |xs: &[tf::Tensor]| {
        let mut opt = o.lock().unwrap();
        opt.apply_gradients(&[(xs[0].clone(), w2.clone())]);
        Vec::new()
    });
    f.call(&[tf::constant([0.5f32])]);
    f.call(&[tf::constant([0.5f32])]);
    assert_eq!(f.tracing_count(), 1);
    {
        let opt = opt.lock().unwrap();
        let names: Vec<String> = opt.variables().iter().map(|v| v.name().to_string()).collect();
        assert_eq!(names, ["iteration", "Adam/m/dense/kernel", "Adam/v/dense/kernel"]);
        assert_eq!(opt.iterations(), 2);
    }
    // Adam's first steps move by about the learning rate each.
    assert!((w.value().scalar::<f32>() - 0.8).abs() < 1e-3, "{:?}", w.value());
    // Slots for another variable on a second trace (a new signature) are TensorFlow's
    // ValueError: the first trace made those of `a` only.
    let (a, b) = (Variable::new(tf::constant([1.0f32])), Variable::new(tf::constant([1.0f32, 2.0])));
    let o = opt.clone();
    let h = tf::Function::new("h", move |xs: &[tf::Tensor]| {
        let v = if xs[0].shape().dims() == [1] { &a } else { &b };
        o.lock().unwrap().apply_gradients(&[(xs[0].clone(), v.clone())]);
        Vec::new()
    });
    h.call(&[tf::constant([1.0f32])]);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.call(&[tf::constant([1.0f32, 1.0])])))
        .err()
        .and_then(|p| p.downcast_ref::<String>().cloned())
        .expect("a panic with a message");
    assert!(
        err.contains("tf.function only supports singleton tf.Variables created on the first call"),
        "{err}"
    );
}

#[test]
fn slots_are_visible_and_named() {
    let mut opt = optimizers::Adam::default();
    let w = Variable::with_options(tf::constant([1.0f32, 2.0]), "dense/kernel", true);
    opt.apply_gradients(&[(tf::constant([0.1f32, 0.2]), w.clone())]);
    let names: Vec<String> = opt.variables().iter().map(|v| v.name().to_string()).collect();
    assert_eq!(names, ["iteration", "Adam/m/dense/kernel", "Adam/v/dense/kernel"]);
    assert_eq!(opt.variables()[0].value().scalar::<i64>(), 1);
    // Defaults from TensorFlow 2 (TF_REFERENCE A4).
    assert_eq!(optimizers::SGD::default().learning_rate(), 0.01);
    assert_eq!(optimizers::RMSprop::default().learning_rate(), 0.001);
    assert_eq!(optimizers::get("adam").name(), "Adam");
}

#[test]
fn minimize_applies_the_tapes_gradients() {
    let mut opt = optimizers::SGD::new(0.5);
    let w = Variable::new(tf::constant(2.0f32));
    let tape = GradientTape::new();
    let loss = &w.value() * &w.value();
    opt.minimize(&loss, std::slice::from_ref(&w), &tape);
    // w - 0.5 * 2w = 0
    assert_eq!(w.value().scalar::<f32>(), 0.0);
}
