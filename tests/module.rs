//! `#[derive(tf::Module)]`: TensorFlow's variable order (own variables by attribute name,
//! then submodules depth-first), paths, trainable filtering, containers and attributes.

use std::collections::BTreeMap;
use tf::{Module, Tensor, Variable};

#[derive(tf::Module)]
struct Dense {
    kernel: Variable,
    bias: Variable,
    #[module(skip)]
    activation: fn(&Tensor) -> Tensor,
    units: usize,
}

impl Dense {
    fn new(i: usize, o: usize) -> Dense {
        Dense {
            kernel: Variable::with_options(tf::ones([i, o], tf::float32), "kernel", true),
            bias: Variable::with_options(tf::zeros([o], tf::float32), "bias", true),
            activation: tf::nn::relu,
            units: o,
        }
    }
    fn call(&self, x: &Tensor) -> Tensor {
        (self.activation)(&(tf::matmul(x, &self.kernel.value()) + self.bias.value()))
    }
}

#[derive(tf::Module)]
struct Mlp {
    d2: Dense,
    d1: Dense,
    scale: Variable,
    #[module(trainable = false)]
    stats: Variable,
    extras: Vec<Dense>,
    named: BTreeMap<String, Variable>,
    opt: Option<Variable>,
    pair: (Variable, usize),
    #[module(name = "aaa_first")]
    renamed: Variable,
    label: String,
}

fn mlp() -> Mlp {
    let v = |x: f32| Variable::new(tf::constant(x));
    Mlp {
        d1: Dense::new(2, 3),
        d2: Dense::new(3, 1),
        scale: v(1.0),
        stats: v(0.0),
        extras: vec![Dense::new(1, 1)],
        named: [("b".to_string(), v(2.0)), ("a".to_string(), v(3.0))].into_iter().collect(),
        opt: Some(v(4.0)),
        pair: (v(5.0), 7),
        renamed: v(6.0),
        label: "net".into(),
    }
}

#[test]
fn variables_in_tensorflow_order_with_paths() {
    let m = mlp();
    let paths: Vec<String> = m.named_variables().into_iter().map(|(p, _, _)| p).collect();
    assert_eq!(
        paths,
        vec![
            "aaa_first",
            "named/a",
            "named/b",
            "opt",
            "pair/0",
            "scale",
            "stats",
            "d1/bias",
            "d1/kernel",
            "d2/bias",
            "d2/kernel",
            "extras/0/bias",
            "extras/0/kernel"
        ]
    );
    assert_eq!(m.variables().len(), 13);
    assert_eq!(m.trainable_variables().len(), 12);
    assert_eq!(m.non_trainable_variables().len(), 1);
    assert!(m.non_trainable_variables()[0].ptr_eq(&m.stats));
    assert_eq!(m.submodule_paths(), vec!["d1", "d2", "extras/0"]);
    assert_eq!(m.name(), "mlp");
    assert_eq!(m.d1.name(), "dense");
    assert_eq!((m.label.as_str(), m.d1.units, m.pair.1), ("net", 3, 7));
}

#[test]
fn a_shared_variable_is_listed_once_and_modules_train_with_a_tape() {
    let d = Dense::new(2, 1);
    let pair = (d, Dense::new(1, 1));
    #[derive(tf::Module)]
    struct Two(Dense, Dense);
    let two = Two(pair.0, pair.1);
    assert_eq!(two.variables().len(), 4);
    let x = tf::constant([[1.0f32, 2.0]]);
    let tape = tf::GradientTape::new();
    let y = two.1.call(&two.0.call(&x));
    let vars = two.trainable_variables();
    let grads = tape.gradients(&[&y], &vars, None, tf::UnconnectedGradients::None);
    assert!(grads.iter().all(Option::is_some));
}

#[test]
fn submodules_are_the_modules_themselves() {
    let m = mlp();
    let subs = m.submodules();
    assert_eq!(subs.len(), 3);
    assert_eq!(subs[0].0, "d1");
    assert_eq!(subs[0].1.variables().len(), 2);
    assert!(subs[0].1.variables()[1].ptr_eq(&m.d1.kernel));
}

#[test]
fn variables_stand_in_arithmetic() {
    let v = Variable::new(tf::constant([1.0f32, 2.0]));
    let x = tf::constant([3.0f32, 4.0]);
    assert_eq!((&v * &x).to_vec::<f32>(), vec![3.0, 8.0]);
    assert_eq!((&x - &v).to_vec::<f32>(), vec![2.0, 2.0]);
    assert_eq!((&v + 1.0).to_vec::<f32>(), vec![2.0, 3.0]);
    let tape = tf::GradientTape::new();
    let y = tf::reduce_sum(&(&v * &v), None, false);
    assert_eq!(tape.gradient(&y, &v).unwrap().to_vec::<f32>(), vec![2.0, 4.0]);
}
