//! Adam and its relatives: Adam, AdamW (decoupled weight decay), Adamax and Nadam, with
//! Keras 2's update rules and the fused single-pass updates.

use super::*;

/// Adam's `(β1^t, β2^t)` in the variable's precision, as Keras computes them.
fn powers(b1: f64, b2: f64, t: i64) -> (f64, f64) {
    ((b1 as f32).powf(t as f32) as f64, (b2 as f32).powf(t as f32) as f64)
}

macro_rules! adam_like {
    ($(#[$m:meta])* $ty:ident, $name:literal, $wd:expr) => {
        $(#[$m])*
        pub struct $ty {
            base: Base,
            beta_1: f64,
            beta_2: f64,
            epsilon: f64,
            amsgrad: bool,
        }
        common!($ty);
        impl $ty {
            /// The optimizer with Keras's defaults and this learning rate.
            pub fn new(learning_rate: f64) -> $ty {
                let mut base = Base::new($name, learning_rate);
                base.weight_decay = $wd;
                $ty {
                    base,
                    beta_1: 0.9,
                    beta_2: 0.999,
                    epsilon: 1e-7,
                    amsgrad: false,
                }
            }
            setters! {
                beta_1: f64,
                beta_2: f64,
                epsilon: f64,
                amsgrad: bool,
            }
        }
        impl Default for $ty {
            fn default() -> Self {
                $ty::new(0.001)
            }
        }
        impl Rule for $ty {
            rule_base!({ "beta_1" => beta_1, "beta_2" => beta_2, "epsilon" => epsilon, "amsgrad" => amsgrad });
            fn slot_names(&self) -> &'static [&'static str] {
                if self.amsgrad {
                    &["m", "v", "vhat"]
                } else {
                    &["m", "v"]
                }
            }
            fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
                // α in float32, as Keras (and the traced update below) compute it.
                let (b1p, b2p) = powers(self.beta_1, self.beta_2, s.t);
                let alpha = s.lr as f32 * (1.0 - b2p as f32).sqrt() / (1.0 - b1p as f32);
                let (m, v) = (&slots[0], &slots[1]);
                let (a, b1, b2, eps) = (
                    alpha,
                    (1.0 - self.beta_1) as f32,
                    (1.0 - self.beta_2) as f32,
                    self.epsilon as f32,
                );
                let fused = if self.amsgrad {
                    tf::train::fused_update([var, m, v, &slots[2]], g, |[w, m, v, vh], g| {
                        *m += (g - *m) * b1;
                        *v += (g * g - *v) * b2;
                        *vh = vh.max(*v);
                        *w -= (*m * a) / (vh.sqrt() + eps);
                    })
                } else {
                    tf::train::fused_update([var, m, v], g, |[w, m, v], g| tf::ops::optim::adam(w, m, v, g, [a, b1, b2, eps]))
                };
                if fused {
                    return;
                }
                let dt = var.dtype();
                let alpha = &(&s.lr(dt) * &tf::sqrt(&(1.0 - &s.pow(self.beta_2, 0.0, dt)))) / &(1.0 - &s.pow(self.beta_1, 0.0, dt));
                if !self.amsgrad && s.traced.is_some() && dt.is_float() && g.dtype() == dt {
                    // One pass for the three new values (the eager rule, as an op).
                    let c = |x: f64| tf::scalar(x, dt);
                    let (w_new, m_new, v_new) = tf::train::adam_update(
                        &var.value(),
                        &m.value(),
                        &v.value(),
                        g,
                        &alpha,
                        &c(1.0 - self.beta_1),
                        &c(1.0 - self.beta_2),
                        &c(self.epsilon),
                    );
                    m.assign(&m_new);
                    v.assign(&v_new);
                    var.assign(&w_new);
                    return;
                }
                // New values first, assignments last: a traced update fuses into one pass.
                let (mv, vv) = (m.value(), v.value());
                let m_new = &mv + &(&(g - &mv) * (1.0 - self.beta_1));
                let v_new = &vv + &(&(&tf::square(g) - &vv) * (1.0 - self.beta_2));
                let v_hat = if self.amsgrad {
                    tf::maximum(&slots[2].value(), &v_new)
                } else {
                    v_new.clone()
                };
                let w_new = &var.value() - &(&(&m_new * &alpha) / &(&tf::sqrt(&v_hat) + self.epsilon));
                m.assign(&m_new);
                v.assign(&v_new);
                if self.amsgrad {
                    slots[2].assign(&v_hat);
                }
                var.assign(&w_new);
            }
        }
    };
}
adam_like!(
    /// `keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
    /// amsgrad=False)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::optimizers::{Adam, Optimizer};
    /// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.9000006, then 9.800029).
    /// let var = tf::Variable::new(10.0f32);
    /// let mut opt = Adam::new(0.1);
    /// for want in [9.9000006f32, 9.800029] {
    ///     let tape = tf::GradientTape::new();
    ///     let loss = &(&var.value() * &var.value()) / 2.0;
    ///     opt.minimize(&loss, &[var.clone()], &tape);
    ///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
    /// }
    /// ```
    Adam,
    "Adam",
    None
);
adam_like!(
    /// `keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
    /// beta_2=0.999, epsilon=1e-7)`: Adam with decoupled weight decay.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::optimizers::{AdamW, Optimizer};
    /// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.896001, then 9.792071).
    /// let var = tf::Variable::new(10.0f32);
    /// let mut opt = AdamW::new(0.1);
    /// for want in [9.896001f32, 9.792071] {
    ///     let tape = tf::GradientTape::new();
    ///     let loss = &(&var.value() * &var.value()) / 2.0;
    ///     opt.minimize(&loss, &[var.clone()], &tape);
    ///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
    /// }
    /// ```
    AdamW,
    "AdamW",
    Some(0.004)
);

/// `keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Adamax, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.9, then 9.800426).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = Adamax::new(0.1);
/// for want in [9.9f32, 9.800426] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct Adamax {
    base: Base,
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
}
common!(Adamax);
impl Adamax {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Adamax {
        Adamax {
            base: Base::new("Adamax", learning_rate),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}
impl Default for Adamax {
    fn default() -> Self {
        Adamax::new(0.001)
    }
}
impl Rule for Adamax {
    rule_base!({ "beta_1" => beta_1, "beta_2" => beta_2, "epsilon" => epsilon });
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "u"]
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let dt = var.dtype();
        let (m, u) = (&slots[0], &slots[1]);
        m.assign_add(&(&(g - &m.value()) * (1.0 - self.beta_1)));
        u.assign(&tf::maximum(&(&u.value() * self.beta_2), &tf::abs(g)));
        let denom = &(&u.value() + self.epsilon) * &(1.0 - &s.pow(self.beta_1, 0.0, dt));
        var.assign_sub(&(&(&m.value() * &s.lr(dt)) / &denom));
    }
}

/// `keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`:
/// Adam with Nesterov momentum and Keras's momentum schedule.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::optimizers::{Nadam, Optimizer};
/// // Two steps on loss = var² / 2 from var = 10 (Keras's values: 9.893722, then 9.816723).
/// let var = tf::Variable::new(10.0f32);
/// let mut opt = Nadam::new(0.1);
/// for want in [9.893722f32, 9.816723] {
///     let tape = tf::GradientTape::new();
///     let loss = &(&var.value() * &var.value()) / 2.0;
///     opt.minimize(&loss, &[var.clone()], &tape);
///     assert!((var.value().scalar::<f32>() - want).abs() < 1e-5);
/// }
/// ```
pub struct Nadam {
    base: Base,
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    /// The running product of the momentum schedule, `Π μ_1..t` (a variable, as Keras's
    /// `_u_product`, so a traced step carries it too).
    u_product: Variable,
    /// Its value after this step's `begin_step`, for the eager fused update.
    u_now: f32,
}
common!(Nadam);
impl Nadam {
    /// The optimizer with Keras's defaults and this learning rate.
    pub fn new(learning_rate: f64) -> Nadam {
        Nadam {
            base: Base::new("Nadam", learning_rate),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            u_product: Variable::with_options(tf::constant(1.0f32), "Nadam/u_product", false),
            u_now: 1.0,
        }
    }
    /// `β1 (1 - 0.5 · 0.96^t)`, in float32 as Keras computes it.
    fn mu(&self, t: i64) -> f32 {
        self.beta_1 as f32 * (1.0 - 0.5 * 0.96f32.powf(t as f32))
    }
    /// The same of `t + k` as a tensor of `dtype`.
    fn mu_t(&self, s: &Step, k: f64, dtype: DType) -> Tensor {
        &(1.0 - &(&s.pow(0.96, k, dtype) * 0.5)) * self.beta_1
    }
}
impl Default for Nadam {
    fn default() -> Self {
        Nadam::new(0.001)
    }
}
impl Rule for Nadam {
    rule_base!({ "beta_1" => beta_1, "beta_2" => beta_2, "epsilon" => epsilon });
    fn slot_names(&self) -> &'static [&'static str] {
        &["m", "v"]
    }
    fn begin_step(&mut self, s: &Step) {
        if s.traced.is_some() {
            self.u_product.assign(&(&self.u_product.value() * &self.mu_t(s, 0.0, DType::F32)));
        } else {
            self.u_now = self.u_product.value().scalar::<f32>() * self.mu(s.t);
            self.u_product.assign(&tf::constant(self.u_now));
        }
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], s: &Step) {
        let t = s.t;
        let (u_t, u_t1) = (self.mu(t), self.mu(t + 1));
        let u_prod = self.u_now;
        let u_prod1 = u_prod * u_t1;
        let b2p = (self.beta_2 as f32).powf(t as f32);
        let (m, v) = (&slots[0], &slots[1]);
        let (b1, b2, lr, eps) = (self.beta_1 as f32, self.beta_2 as f32, s.lr as f32, self.epsilon as f32);
        let fused = tf::train::fused_update([var, m, v], g, |[w, m, v], g| {
            *m += (g - *m) * (1.0 - b1);
            *v += (g * g - *v) * (1.0 - b2);
            let m_hat = u_t1 * *m / (1.0 - u_prod1) + (1.0 - u_t) * g / (1.0 - u_prod);
            let v_hat = *v / (1.0 - b2p);
            *w -= (m_hat * lr) / (v_hat.sqrt() + eps);
        });
        if fused {
            return;
        }
        // Keras's Nadam casts the betas to the variable's dtype first: `1 - β` in that precision.
        let dt = var.dtype();
        let one_minus = |b: f64| &tf::scalar(1.0, dt) - &tf::scalar(b, dt);
        m.assign_add(&(&(g - &m.value()) * &one_minus(self.beta_1)));
        v.assign_add(&(&(&tf::square(g) - &v.value()) * &one_minus(self.beta_2)));
        let (u_t, u_t1) = (self.mu_t(s, 0.0, dt), self.mu_t(s, 1.0, dt));
        let u_prod = tf::cast(&self.u_product.value(), dt);
        let u_prod1 = &u_prod * &u_t1;
        let m_hat = &(&(&m.value() * &u_t1) / &(1.0 - &u_prod1)) + &(&(g * &(1.0 - &u_t)) / &(1.0 - &u_prod));
        let v_hat = &v.value() / &(1.0 - &s.pow(self.beta_2, 0.0, dt));
        var.assign_sub(&(&(&m_hat * &s.lr(dt)) / &(&tf::sqrt(&v_hat) + self.epsilon)));
    }
}
