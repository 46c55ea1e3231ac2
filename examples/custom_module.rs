//! A two-layer perceptron written as plain structs of `Variable`s with
//! `#[derive(tf::Module)]`, trained by a hand-written gradient-descent loop to fit
//! `y = sin(3x)`; prints the falling loss and the variables' paths.
//!
//! `cargo run --release --example custom_module`

use tf::{GradientTape, Module, Tensor, UnconnectedGradients, Variable};

#[derive(tf::Module)]
struct Dense {
    kernel: Variable,
    bias: Variable,
}

impl Dense {
    fn new(inputs: usize, units: usize, seed: i64) -> Dense {
        // Glorot-uniform kernel, zero bias, as Keras initializes Dense.
        let limit = (6.0 / (inputs + units) as f64).sqrt();
        Dense {
            kernel: Variable::with_options(
                tf::random::uniform(&[inputs, units], -limit, limit, tf::float32, Some(seed)),
                "kernel",
                true,
            ),
            bias: Variable::with_options(tf::zeros([units], tf::float32), "bias", true),
        }
    }
    fn call(&self, x: &Tensor) -> Tensor {
        tf::matmul(x, &self.kernel.value()) + self.bias.value()
    }
}

#[derive(tf::Module)]
struct Mlp {
    hidden: Dense,
    output: Dense,
    #[module(trainable = false)]
    steps: Variable,
}

impl Mlp {
    fn call(&self, x: &Tensor) -> Tensor {
        self.output.call(&tf::tanh(&self.hidden.call(x)))
    }
}

pub fn main() {
    tf::random::set_seed(7);
    let model = Mlp {
        hidden: Dense::new(1, 32, 1),
        output: Dense::new(32, 1, 2),
        steps: Variable::with_options(tf::constant(0i64), "steps", false),
    };
    println!("variables of `{}`:", model.name());
    for (path, v, trainable) in model.named_variables() {
        println!("  {path:14} shape={} trainable={trainable}", v.shape());
    }

    let x = tf::reshape(&tf::linspace(-1.0f32, 1.0, 128), [128, 1]);
    let y = tf::sin(&(&x * 3.0));
    let lr = 0.1f32;
    let mut first = None;
    for epoch in 0..=1500 {
        let tape = GradientTape::new();
        let loss = tf::reduce_mean(&tf::square(&(model.call(&x) - &y)), None, false);
        let vars = model.trainable_variables();
        let grads = tape.gradients(&[&loss], &vars, None, UnconnectedGradients::Zero);
        for (v, g) in vars.iter().zip(&grads) {
            v.assign_sub(&(g.as_ref().expect("zeros for unconnected") * lr));
        }
        model.steps.assign_add(&tf::constant(1i64));
        let l = loss.scalar::<f32>();
        first.get_or_insert(l);
        if epoch % 300 == 0 {
            println!("step {epoch:4}: loss = {l:.5}");
        }
    }
    let final_loss = tf::reduce_mean(&tf::square(&(model.call(&x) - &y)), None, false).scalar::<f32>();
    println!(
        "loss fell from {:.4} to {final_loss:.5} in {} steps",
        first.unwrap_or(f32::NAN),
        model.steps.value().scalar::<i64>()
    );
    assert!(final_loss < 0.01, "the MLP did not fit sin(3x)");
}
