//! SGD (momentum, Nesterov), RMSprop (momentum, centered), Adagrad, Adadelta and Ftrl, with
//! Keras 2's update rules.

use super::*;

/// `keras.optimizers.SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{SGD, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.0, then 7.2).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = SGD::new(0.1).momentum(0.9);
/// for want in [9.0f32, 7.2] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct SGD {
    base: Base,
    momentum: f64,
    nesterov: bool,
}
common!(SGD);
impl SGD {
    /// Plain gradient descent.
    pub fn new(learning_rate: f64) -> SGD {
        SGD {
            base: Base::new("SGD", learning_rate),
            momentum: 0.0,
            nesterov: false,
        }
    }
    setters! {
        momentum: f64,
        nesterov: bool,
    }
}
impl Default for SGD {
    fn default() -> Self {
        SGD::new(0.01)
    }
}
impl Rule for SGD {
    rule_base!({ "momentum" => momentum, "nesterov" => nesterov });
    fn slot_names(&self) -> &'static [&'static str] {
        if self.momentum != 0.0 {
            &["m"]
        } else {
            &[]
        }
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let (lr32, mu) = (s.lr as f32, self.momentum as f32);
        let fused = match (slots.first(), self.nesterov) {
            (None, _) => tf::train::fused_update([var], g, |[w], g| *w += -g * lr32),
            (Some(m), false) => tf::train::fused_update([var, m], g, |[w, m], g| {
                *m = -g * lr32 + *m * mu;
                *w += *m;
            }),
            (Some(m), true) => tf::train::fused_update([var, m], g, |[w, m], g| {
                *m = -g * lr32 + *m * mu;
                *w += -g * lr32 + *m * mu;
            }),
        };
        if fused {
            return;
        }
        // New values first, assignments last: a traced update fuses into one pass.
        let step = -&(g * &s.lr(g.dtype()));
        let w = var.value();
        match slots.first() {
            Some(m) => {
                let m_new = &step + &(&m.value() * self.momentum);
                let w_new = if self.nesterov {
                    &w + &(&step + &(&m_new * self.momentum))
                } else {
                    &w + &m_new
                };
                m.assign(&m_new);
                var.assign(&w_new);
            }
            None => var.assign(&(&w + &step)),
        }
    }
}

/// `keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
/// centered=False)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{RMSprop, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.683772, then 9.45788).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = RMSprop::new(0.1);
/// for want in [9.683772f32, 9.45788] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct RMSprop {
    base: Base,
    rho: f64,
    momentum: f64,
    epsilon: f64,
    centered: bool,
}
common!(RMSprop);
impl RMSprop {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> RMSprop {
        RMSprop {
            base: Base::new("RMSprop", learning_rate),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
        }
    }
    setters! {
        rho: f64,
        momentum: f64,
        epsilon: f64,
        centered: bool,
    }
}
impl Default for RMSprop {
    fn default() -> Self {
        RMSprop::new(0.001)
    }
}
impl Rule for RMSprop {
    rule_base!({ "rho" => rho, "momentum" => momentum, "epsilon" => epsilon, "centered" => centered });
    fn slot_names(&self) -> &'static [&'static str] {
        match (self.momentum > 0.0, self.centered) {
            (false, false) => &["velocity"],
            (true, false) => &["velocity", "momentum"],
            (false, true) => &["velocity", "average_gradient"],
            (true, true) => &["velocity", "momentum", "average_gradient"],
        }
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let rho = self.rho;
        let vel = &slots[0];
        let (r, lr32, eps, mu) = (rho as f32, s.lr as f32, self.epsilon as f32, self.momentum as f32);
        let fused = match (self.momentum > 0.0, self.centered) {
            (false, false) => tf::train::fused_update([var, vel], g, |[w, v], g| {
                *v = r * *v + (1.0 - r) * (g * g);
                *w -= lr32 * g / (*v + eps).sqrt();
            }),
            (true, false) => tf::train::fused_update([var, vel, &slots[1]], g, |[w, v, m], g| {
                *v = r * *v + (1.0 - r) * (g * g);
                *m = mu * *m + lr32 * g / (*v + eps).sqrt();
                *w -= *m;
            }),
            _ => false,
        };
        if fused {
            return;
        }
        // New values first, assignments last: a traced update fuses into one pass.
        let vel_new = &(&vel.value() * rho) + &(&tf::square(g) * (1.0 - rho));
        let avg_new = self.centered.then(|| {
            let avg = slots.last().expect("average_gradient slot");
            &(&avg.value() * rho) + &(g * (1.0 - rho))
        });
        let denom = match &avg_new {
            Some(a) => &(&vel_new - &tf::square(a)) + self.epsilon,
            None => &vel_new + self.epsilon,
        };
        let increment = &(g * &s.lr(g.dtype())) * &tf::rsqrt(&denom);
        let mom_new = (self.momentum > 0.0).then(|| &(&slots[1].value() * self.momentum) + &increment);
        let w_new = &var.value() - mom_new.as_ref().unwrap_or(&increment);
        vel.assign(&vel_new);
        if let Some(a) = &avg_new {
            slots.last().expect("average_gradient slot").assign(a);
        }
        if let Some(m) = &mom_new {
            slots[1].assign(m);
        }
        var.assign(&w_new);
    }
}

/// `keras.optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.1,
/// epsilon=1e-7)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Adagrad, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.90005, then 9.829713).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = Adagrad::new(0.1);
/// for want in [9.90005f32, 9.829713] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct Adagrad {
    base: Base,
    initial_accumulator_value: f64,
    epsilon: f64,
}
common!(Adagrad);
impl Adagrad {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Adagrad {
        Adagrad {
            base: Base::new("Adagrad", learning_rate),
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
        }
    }
    setters! {
        initial_accumulator_value: f64,
        epsilon: f64,
    }
}
impl Default for Adagrad {
    fn default() -> Self {
        Adagrad::new(0.001)
    }
}
impl Rule for Adagrad {
    rule_base!({ "initial_accumulator_value" => initial_accumulator_value, "epsilon" => epsilon });
    fn slot_names(&self) -> &'static [&'static str] {
        &["accumulator"]
    }
    fn slot_init(&self, _i: usize) -> f64 {
        self.initial_accumulator_value
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let acc = &slots[0];
        let (lr32, eps) = (s.lr as f32, self.epsilon as f32);
        if tf::train::fused_update([var, acc], g, |[w, a], g| {
            *a += g * g;
            *w -= lr32 * g / (*a + eps).sqrt();
        }) {
            return;
        }
        let acc_new = &acc.value() + &(g * g);
        let w_new = &var.value() - &(&(g * &s.lr(g.dtype())) / &tf::sqrt(&(&acc_new + self.epsilon)));
        acc.assign(&acc_new);
        var.assign(&w_new);
    }
}

/// `keras.optimizers.Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Adadelta, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.999859, then 9.999716).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = Adadelta::new(0.1);
/// for want in [9.999859f32, 9.999716] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct Adadelta {
    base: Base,
    rho: f64,
    epsilon: f64,
}
common!(Adadelta);
impl Adadelta {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Adadelta {
        Adadelta {
            base: Base::new("Adadelta", learning_rate),
            rho: 0.95,
            epsilon: 1e-7,
        }
    }
    setters! {
        rho: f64,
        epsilon: f64,
    }
}
impl Default for Adadelta {
    fn default() -> Self {
        Adadelta::new(0.001)
    }
}
impl Rule for Adadelta {
    rule_base!({ "rho" => rho, "epsilon" => epsilon });
    fn slot_names(&self) -> &'static [&'static str] {
        &["accumulated_grad", "accumulated_delta_var"]
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let (ag, adv) = (&slots[0], &slots[1]);
        let rho = self.rho;
        let rms = |x: &Tensor| tf::sqrt(&(x + self.epsilon));
        ag.assign(&(&(&ag.value() * rho) + &(&(g * g) * (1.0 - rho))));
        let delta = tf::negative(&(&(&rms(&adv.value()) * g) / &rms(&ag.value())));
        adv.assign(&(&(&adv.value() * rho) + &(&(&delta * &delta) * (1.0 - rho))));
        var.assign_add(&(&delta * &s.lr(delta.dtype())));
    }
}

/// `keras.optimizers.Ftrl(learning_rate=0.001, learning_rate_power=-0.5,
/// initial_accumulator_value=0.1, l1_regularization_strength=0.0,
/// l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0, beta=0.0)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Ftrl, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.58398, then 9.514805).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = Ftrl::new(0.1);
/// for want in [9.58398f32, 9.514805] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct Ftrl {
    base: Base,
    learning_rate_power: f64,
    initial_accumulator_value: f64,
    l1: f64,
    l2: f64,
    l2_shrinkage: f64,
    beta: f64,
}
common!(Ftrl);
impl Ftrl {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Ftrl {
        Ftrl {
            base: Base::new("Ftrl", learning_rate),
            learning_rate_power: -0.5,
            initial_accumulator_value: 0.1,
            l1: 0.0,
            l2: 0.0,
            l2_shrinkage: 0.0,
            beta: 0.0,
        }
    }
    /// `l1_regularization_strength=`.
    pub fn l1_regularization_strength(mut self, v: f64) -> Self {
        self.l1 = v;
        self
    }
    /// `l2_regularization_strength=`.
    pub fn l2_regularization_strength(mut self, v: f64) -> Self {
        self.l2 = v;
        self
    }
    /// `l2_shrinkage_regularization_strength=`.
    pub fn l2_shrinkage_regularization_strength(mut self, v: f64) -> Self {
        self.l2_shrinkage = v;
        self
    }
    setters! {
        beta: f64,
    }
}
impl Default for Ftrl {
    fn default() -> Self {
        Ftrl::new(0.001)
    }
}
impl Rule for Ftrl {
    rule_base!({
        "learning_rate_power" => learning_rate_power, "initial_accumulator_value" => initial_accumulator_value,
        "l1_regularization_strength" => l1, "l2_regularization_strength" => l2,
        "l2_shrinkage_regularization_strength" => l2_shrinkage, "beta" => beta,
    });
    fn slot_names(&self) -> &'static [&'static str] {
        &["accumulator", "linear"]
    }
    fn slot_init(&self, i: usize) -> f64 {
        if i == 0 {
            self.initial_accumulator_value
        } else {
            0.0
        }
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let (accum, linear) = (&slots[0], &slots[1]);
        let p = -self.learning_rate_power;
        let lr = s.lr(var.dtype());
        let l2 = &(self.beta / &(&lr * 2.0)) + self.l2;
        let w = var.value();
        let grad = if self.l2_shrinkage != 0.0 {
            g + &(&w * (2.0 * self.l2_shrinkage))
        } else {
            g.clone()
        };
        let a = accum.value();
        let new_accum = &a + &(g * g);
        let pw = |x: &Tensor| tf::pow(x, &tf::scalar(p, x.dtype()));
        let sigma = &(&pw(&new_accum) - &pw(&a)) / &lr;
        linear.assign_add(&(&grad - &(&sigma * &w)));
        let quadratic = &(&pw(&new_accum) / &lr) + &(&l2 * 2.0);
        let lin = linear.value();
        let clipped = tf::clip_by_value(&lin, &tf::scalar(-self.l1, lin.dtype()), &tf::scalar(self.l1, lin.dtype()));
        var.assign(&(&(&clipped - &lin) / &quadratic));
        accum.assign(&new_accum);
    }
}
