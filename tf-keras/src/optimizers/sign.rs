//! Lion (sign momentum) and Adafactor (factored second moments), with Keras 2's update rules.

use super::*;

/// `keras.optimizers.Lion(learning_rate=0.0001, beta_1=0.9, beta_2=0.99)`: steps by the sign
/// of an interpolation of the momentum and the gradient, then updates the momentum.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Lion, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10: each moves by the learning rate.
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = Lion::new(0.1);
/// for want in [9.9f32, 9.8] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct Lion {
    base: Base,
    beta_1: f64,
    beta_2: f64,
}
common!(Lion);
impl Lion {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Lion {
        Lion {
            base: Base::new("Lion", learning_rate),
            beta_1: 0.9,
            beta_2: 0.99,
        }
    }
    setters! {
        beta_1: f64,
        beta_2: f64,
    }
}
impl Default for Lion {
    fn default() -> Self {
        Lion::new(1e-4)
    }
}
impl Rule for Lion {
    rule_base!({ "beta_1" => beta_1, "beta_2" => beta_2 });
    fn slot_names(&self) -> &'static [&'static str] {
        &["m"]
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let m = &slots[0];
        let direction = tf::sign(&(&(&m.value() * self.beta_1) + &(g * (1.0 - self.beta_1))));
        let m_new = &(&m.value() * self.beta_2) + &(g * (1.0 - self.beta_2));
        var.assign_sub(&(&direction * &s.lr(var.dtype())));
        m.assign(&m_new);
    }
}

/// `keras.optimizers.Adafactor(learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
/// epsilon_2=1e-3, clip_threshold=1.0, relative_step=True)`: Adam-like steps whose second
/// moments of a matrix are kept as a row vector and a column vector (for the last two axes),
/// scaled by the variable's RMS.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Adafactor, Optimizer};
/// // One step on loss = sum(var²) / 2 from a 2x2 matrix (TensorFlow 2.21's value).
/// let var = tf::Variable::new(tf::constant([[1.0f32, 2.0], [3.0, 4.0]]));
/// let mut opt = Adafactor::new(0.1);
/// let tape = tf::GradientTape::new();
/// let loss = &tf::reduce_sum(&(&var.value() * &var.value()), None, false) / 2.0;
/// opt.minimize(&loss, &[var.clone()], &tape);
/// let want = tf::constant([[0.78786796f32, 1.7], [2.715395, 3.7316718]]);
/// tf::debugging::assert_near(&var.value(), &want, Some(1e-5), Some(1e-5)).unwrap();
/// ```
pub struct Adafactor {
    base: Base,
    beta_2_decay: f64,
    epsilon_1: f64,
    epsilon_2: f64,
    clip_threshold: f64,
    relative_step: bool,
}
common!(Adafactor);
impl Adafactor {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Adafactor {
        Adafactor {
            base: Base::new("Adafactor", learning_rate),
            beta_2_decay: -0.8,
            epsilon_1: 1e-30,
            epsilon_2: 1e-3,
            clip_threshold: 1.0,
            relative_step: true,
        }
    }
    setters! {
        beta_2_decay: f64,
        epsilon_1: f64,
        epsilon_2: f64,
        clip_threshold: f64,
        relative_step: bool,
    }
}
impl Default for Adafactor {
    fn default() -> Self {
        Adafactor::new(0.001)
    }
}

/// The root mean square of every element.
fn rms(x: &Tensor) -> Tensor {
    tf::sqrt(&tf::reduce_mean(&tf::square(x), None, false))
}

impl Rule for Adafactor {
    rule_base!({
        "beta_2_decay" => beta_2_decay, "epsilon_1" => epsilon_1, "epsilon_2" => epsilon_2,
        "clip_threshold" => clip_threshold, "relative_step" => relative_step,
    });
    /// `r` (the mean over the last axis), `c` (over the second-to-last) and `v` (the
    /// estimate); `r` and `c` are unused scalars for a variable of rank below 2, as in Keras.
    fn slot_names(&self) -> &'static [&'static str] {
        &["r", "c", "v"]
    }
    fn slot_shape(&self, i: usize, var: &[usize]) -> Vec<usize> {
        let n = var.len();
        match i {
            _ if n < 2 && i < 2 => Vec::new(),
            0 => var[..n - 1].to_vec(),
            1 => var[..n - 2].iter().chain(&var[n - 1..]).copied().collect(),
            _ => var.to_vec(),
        }
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let dt = var.dtype();
        let rsqrt_t = tf::rsqrt(&s.t(dt));
        let mut lr = s.lr(dt);
        if self.relative_step && matches!(self.base.lr, LearningRate::Constant(_)) {
            lr = tf::minimum(&lr, &rsqrt_t);
        }
        let rho = tf::minimum(&lr, &rsqrt_t);
        let alpha = &tf::maximum(&tf::scalar(self.epsilon_2, dt), &rms(&var.value())) * &rho;
        let g2 = &tf::square(g) + self.epsilon_1;
        let beta = &tf::scalar(1.0, dt) - &tf::pow(&s.t(dt), &tf::scalar(self.beta_2_decay, dt));
        let keep = |old: &Tensor, new: &Tensor| &(&beta * old) + &(&(1.0 - &beta) * new);
        let (r, c, v) = (&slots[0], &slots[1], &slots[2]);
        let v_new = if var.shape().rank() >= 2 {
            let r_new = keep(&r.value(), &tf::reduce_mean(&g2, -1, false));
            let c_new = keep(&c.value(), &tf::reduce_mean(&g2, -2, false));
            let rows = &r_new / &tf::reduce_mean(&r_new, -1, true);
            r.assign(&r_new);
            c.assign(&c_new);
            &tf::expand_dims(&rows, -1) * &tf::expand_dims(&c_new, -2)
        } else {
            keep(&v.value(), &g2)
        };
        let u = g * &tf::rsqrt(&v_new);
        let u_hat = &u / &tf::maximum(&tf::scalar(1.0, dt), &(&rms(&u) / self.clip_threshold));
        v.assign(&v_new);
        var.assign_sub(&(&alpha * &u_hat));
    }
}
