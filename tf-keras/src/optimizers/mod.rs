//! `keras.optimizers`: SGD, Adam, AdamW, RMSprop, Adadelta, Adagrad, Adamax, Nadam and Ftrl with
//! TensorFlow 2's defaults and Keras 2.15's dense update rules; gradient clipping
//! (`clipnorm`, `clipvalue`, `global_clipnorm`), decoupled `weight_decay`, and learning-rate
//! schedules. Slot variables (`m`, `v`, ...) are created on the first update of each variable
//! and listed by `variables()` for checkpoints.

pub mod schedules;

use crate::saving::config::{Config, ConfigValue};
use schedules::LearningRateSchedule;
use std::collections::HashMap;
use tf_core::{self as tf, DType, GradientTape, Tensor, Variable};

/// A Keras optimizer.
pub trait Optimizer: Send + Sync {
    /// The optimizer's name (`"Adam"`).
    fn name(&self) -> String;
    /// Applies one update: `apply_gradients(zip(grads, vars))`. Increments `iterations`.
    fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, Variable)]);
    /// The learning rate the next update uses.
    fn learning_rate(&self) -> f64;
    /// Sets a constant learning rate (replacing any schedule).
    fn set_learning_rate(&mut self, lr: f64);
    /// How many updates have been applied.
    fn iterations(&self) -> i64;
    /// The optimizer's variables: `iterations`, then the slots in creation order.
    fn variables(&self) -> Vec<Variable>;
    /// The optimizer as a module, for checkpoints: edges `_variables/0..`, `_iterations` and
    /// `_learning_rate`, as Keras 2.15's optimizers have.
    fn as_module(&self) -> &dyn tf::Module;

    /// Keras's `get_config()`: `name`, `learning_rate` (the current one for a schedule),
    /// the clipping and decay settings, and the optimizer's own (`beta_1`, ...).
    fn get_config(&self) -> Config;

    /// `minimize(loss, var_list, tape)`: the gradients of `loss` recorded on `tape`, applied.
    /// Variables without a gradient are skipped.
    fn minimize(&mut self, loss: &Tensor, var_list: &[Variable], tape: &GradientTape) {
        let grads = tape.gradients(&[loss], var_list, None, tf::UnconnectedGradients::None);
        let gv: Vec<(Tensor, Variable)> = grads.into_iter().zip(var_list).filter_map(|(g, v)| Some((g?, v.clone()))).collect();
        self.apply_gradients(&gv);
    }
}

/// The learning rate: a constant or a schedule of the step.
enum LearningRate {
    Constant(f64),
    Schedule(Box<dyn LearningRateSchedule>),
}

/// What every optimizer has: the learning rate, the step count, clipping and weight decay
/// settings, and the slot variables of each updated variable.
struct Base {
    name: &'static str,
    lr: LearningRate,
    /// The constant learning rate as a float32 variable (`_learning_rate` in checkpoints);
    /// a restored value replaces the constant.
    lr_var: Variable,
    iterations: Variable,
    step: i64,
    clipnorm: Option<f64>,
    clipvalue: Option<f64>,
    global_clipnorm: Option<f64>,
    weight_decay: Option<f64>,
    /// For each variable (by handle), its slots.
    slots: HashMap<usize, (Variable, Vec<Variable>)>,
    /// Every slot variable, in creation order.
    slot_order: Vec<Variable>,
}

impl Base {
    fn new(name: &'static str, lr: f64) -> Base {
        Base {
            name,
            lr: LearningRate::Constant(lr),
            lr_var: Variable::with_options(tf::constant(lr as f32), "learning_rate", false),
            iterations: Variable::with_options(tf::constant(0i64), "iteration", false),
            step: 0,
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            weight_decay: None,
            slots: HashMap::new(),
            slot_order: Vec::new(),
        }
    }

    fn current_lr(&self) -> f64 {
        match &self.lr {
            LearningRate::Constant(v) => *v,
            LearningRate::Schedule(s) => s.call(self.step),
        }
    }

    /// The learning rate as a user sees it eagerly: a value a checkpoint restored into
    /// `_learning_rate` (or into `iterations`, for a schedule) shows before the next step
    /// picks it up.
    fn visible_lr(&self) -> f64 {
        match self.lr {
            LearningRate::Constant(v) if tf::executing_eagerly() => {
                let stored = self.lr_var.value().scalar::<f32>();
                if stored == v as f32 {
                    v
                } else {
                    f64::from(stored)
                }
            }
            LearningRate::Schedule(ref s) if tf::executing_eagerly() => s.call(self.iterations.value().scalar::<i64>()),
            _ => self.current_lr(),
        }
    }

    /// Picks up `iterations` and the learning rate after a checkpoint restored them.
    fn sync_restored(&mut self) {
        let (it, lr) = (self.iterations.value(), self.lr_var.value());
        if it.is_symbolic() || lr.is_symbolic() {
            return; // inside a trace: the Rust-side counters stay as they are
        }
        self.step = it.scalar::<i64>();
        if let LearningRate::Constant(v) = self.lr {
            let stored = lr.scalar::<f32>();
            if stored != v as f32 {
                self.lr = LearningRate::Constant(f64::from(stored));
            }
        }
    }
}

/// The optimizer's state as a module: its checkpoint edges (see [`Optimizer::as_module`]).
impl tf::Module for Base {
    fn name(&self) -> String {
        self.name.to_string()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn tf_core::module::Visitor<'a>) {
        v.variable("_variables/0".into(), &self.iterations, false);
        for (i, s) in self.slot_order.iter().enumerate() {
            v.variable(format!("_variables/{}", i + 1), s, false);
        }
        v.variable("_iterations".into(), &self.iterations, false);
        if let LearningRate::Constant(_) = self.lr {
            v.variable("_learning_rate".into(), &self.lr_var, false);
        }
    }
}

impl Base {
    /// Keras's `_clip_gradients`: clipnorm per gradient, else global_clipnorm, else clipvalue.
    fn clip(&self, grads: Vec<Tensor>) -> Vec<Tensor> {
        if let Some(c) = self.clipnorm.filter(|&c| c > 0.0) {
            return grads.iter().map(|g| clip_by_norm(g, c)).collect();
        }
        if let Some(c) = self.global_clipnorm.filter(|&c| c > 0.0) {
            return clip_by_global_norm(&grads, c);
        }
        if let Some(c) = self.clipvalue.filter(|&c| c > 0.0) {
            return grads
                .iter()
                .map(|g| tf::clip_by_value(g, &tf::scalar(-c, g.dtype()), &tf::scalar(c, g.dtype())))
                .collect();
        }
        grads
    }

    /// Creates `var`'s slots (`names`, filled with `init`) on its first update.
    fn create_slots(&mut self, var: &Variable, names: &[&str], init: &[f64]) -> Vec<Variable> {
        let dims = var.shape();
        let s: Vec<Variable> = names
            .iter()
            .zip(init)
            .map(|(n, &v)| {
                Variable::with_options(
                    tf::fill_dtype(dims.clone(), v, var.dtype()),
                    format!("{}/{}/{}", self.name, n, var.name()),
                    false,
                )
            })
            .collect();
        self.slot_order.extend(s.iter().cloned());
        self.slots.insert(var.handle_id(), (var.clone(), s.clone()));
        s
    }
}

/// `tf.clip_by_norm(t, clip_norm)`: `t · clip_norm / max(‖t‖₂, clip_norm)`.
pub fn clip_by_norm(t: &Tensor, clip_norm: f64) -> Tensor {
    let norm = tf::sqrt(&tf::reduce_sum(&tf::square(t), None, false));
    let denom = tf::maximum(&norm, &tf::scalar(clip_norm, t.dtype()));
    &(t * clip_norm) / &denom
}

/// `tf.clip_by_global_norm(ts, clip_norm)[0]`: every tensor scaled by
/// `clip_norm / max(global_norm, clip_norm)`.
pub fn clip_by_global_norm(ts: &[Tensor], clip_norm: f64) -> Vec<Tensor> {
    let total: f64 = ts
        .iter()
        .map(|t| tf::cast(&tf::reduce_sum(&tf::square(t), None, false), DType::F64).scalar::<f64>())
        .sum();
    let norm = total.sqrt();
    let scale = clip_norm * (1.0 / norm).min(1.0 / clip_norm);
    ts.iter().map(|t| t * scale).collect()
}

mod sealed {
    use super::Base;
    use crate::saving::config::Config;
    use tf_core::{self as tf, Tensor, Variable};

    /// One optimizer's update rule over the shared [`Base`].
    #[allow(private_interfaces)]
    pub trait Rule: Send + Sync {
        fn base(&self) -> &Base;
        fn base_mut(&mut self) -> &mut Base;
        /// The slot names, in creation order.
        fn slot_names(&self) -> &'static [&'static str];
        /// The initial value of slot `i`.
        fn slot_init(&self, _i: usize) -> f64 {
            0.0
        }
        /// Once per step, before the variables are updated (`t` = iterations + 1).
        fn begin_step(&mut self, _t: i64) {}
        /// The optimizer's own settings for its config (`beta_1`, `momentum`, ...).
        fn hyper_config(&self) -> Config;
        /// Reads what [`hyper_config`](Self::hyper_config) writes.
        fn read_hyper(&mut self, c: &Config) -> tf::Result<()>;
        /// Updates one variable.
        fn update(&self, var: &Variable, grad: &Tensor, slots: &[Variable], lr: f64, t: i64);
    }
}
use sealed::Rule;

impl<R: Rule> Optimizer for R {
    fn name(&self) -> String {
        self.base().name.to_string()
    }
    fn get_config(&self) -> Config {
        let b = self.base();
        let mut c = Config::new();
        c.insert("name".into(), b.name.into());
        // A schedule is stored as itself (`null` for a closure, which has no config).
        let lr = match &b.lr {
            LearningRate::Constant(_) => b.visible_lr().into(),
            LearningRate::Schedule(s) => s.get_config().unwrap_or(serde_json::Value::Null),
        };
        c.insert("learning_rate".into(), lr);
        c.insert("clipnorm".into(), b.clipnorm.to_config());
        c.insert("clipvalue".into(), b.clipvalue.to_config());
        c.insert("global_clipnorm".into(), b.global_clipnorm.to_config());
        c.insert("weight_decay".into(), b.weight_decay.to_config());
        c.extend(self.hyper_config());
        c
    }
    #[track_caller]
    fn apply_gradients(&mut self, grads_and_vars: &[(Tensor, Variable)]) {
        self.base_mut().sync_restored();
        let grads = self.base().clip(grads_and_vars.iter().map(|(g, _)| g.clone()).collect());
        let lr = self.base().current_lr();
        if let Some(wd) = self.base().weight_decay.filter(|&w| w != 0.0) {
            for (_, v) in grads_and_vars {
                v.assign_sub(&(&v.value() * (wd * lr)));
            }
        }
        let t = self.base().step + 1;
        self.begin_step(t);
        let names = self.slot_names();
        for (g, (_, v)) in grads.iter().zip(grads_and_vars) {
            let slots = match self.base().slots.get(&v.handle_id()) {
                Some((_, s)) => s.clone(),
                None => {
                    let init: Vec<f64> = (0..names.len()).map(|i| self.slot_init(i)).collect();
                    let s = self.base_mut().create_slots(v, names, &init);
                    // Slot values a checkpoint restored before the slots existed.
                    if let Err(e) = tf::train::restore_deferred(self.as_module()) {
                        panic!("{e}");
                    }
                    s
                }
            };
            self.update(v, g, &slots, lr, t);
        }
        let b = self.base_mut();
        b.step = t;
        b.iterations.assign(&tf::constant(t));
    }
    fn learning_rate(&self) -> f64 {
        self.base().visible_lr()
    }
    fn set_learning_rate(&mut self, lr: f64) {
        let b = self.base_mut();
        b.lr = LearningRate::Constant(lr);
        b.lr_var.assign(&tf::constant(lr as f32));
    }
    fn iterations(&self) -> i64 {
        // Eagerly, the variable (a restored checkpoint's count shows before the next step).
        if tf::executing_eagerly() {
            self.base().iterations.value().scalar::<i64>()
        } else {
            self.base().step
        }
    }
    fn variables(&self) -> Vec<Variable> {
        let b = self.base();
        std::iter::once(b.iterations.clone()).chain(b.slot_order.iter().cloned()).collect()
    }
    fn as_module(&self) -> &dyn tf::Module {
        self.base()
    }
}

/// The constructor-side options every optimizer has.
macro_rules! common {
    ($ty:ident) => {
        /// Checkpointed as Keras's optimizer object (see [`Optimizer::as_module`]).
        impl tf_core::Trackable for $ty {
            fn track<'a>(&'a self, path: String, trainable: bool, v: &mut dyn tf_core::module::Visitor<'a>) {
                v.module(path, &self.base, trainable);
            }
        }
        impl $ty {
            /// A learning-rate schedule instead of a constant rate.
            pub fn learning_rate_schedule(mut self, s: impl LearningRateSchedule + 'static) -> Self {
                self.base.lr = LearningRate::Schedule(Box::new(s));
                self
            }
            /// `clipnorm=`: clips each gradient to this L2 norm.
            pub fn clipnorm(mut self, v: f64) -> Self {
                self.base.clipnorm = Some(v);
                self
            }
            /// `clipvalue=`: clips each gradient element to `[-v, v]`.
            pub fn clipvalue(mut self, v: f64) -> Self {
                self.base.clipvalue = Some(v);
                self
            }
            /// `global_clipnorm=`: clips all gradients together to this global norm.
            pub fn global_clipnorm(mut self, v: f64) -> Self {
                self.base.global_clipnorm = Some(v);
                self
            }
            /// `weight_decay=`: decoupled decay `var -= var · wd · lr` before each update.
            pub fn weight_decay(mut self, v: f64) -> Self {
                self.base.weight_decay = Some(v);
                self
            }
        }
    };
}

macro_rules! rule_base {
    ({ $($key:literal => $f:ident),* $(,)? }) => {
        rule_base!();
        fn hyper_config(&self) -> Config {
            #[allow(unused_mut)]
            let mut c = Config::new();
            $( c.insert($key.into(), ConfigValue::to_config(&self.$f)); )*
            c
        }
        fn read_hyper(&mut self, _c: &Config) -> tf::Result<()> {
            $( crate::saving::config::read(_c, $key, &self.base.name, &mut self.$f)?; )*
            Ok(())
        }
    };
    () => {
        #[allow(private_interfaces)]
        fn base(&self) -> &Base {
            &self.base
        }
        #[allow(private_interfaces)]
        fn base_mut(&mut self) -> &mut Base {
            &mut self.base
        }
    };
}

/// `keras.optimizers.SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
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
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, _t: i64) {
        let (lr32, mu) = (lr as f32, self.momentum as f32);
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
        let step = g * (-lr);
        match slots.first() {
            Some(m) => {
                m.assign(&(&step + &(&m.value() * self.momentum)));
                if self.nesterov {
                    var.assign_add(&(&step + &(&m.value() * self.momentum)));
                } else {
                    var.assign_add(&m.value());
                }
            }
            None => var.assign_add(&step),
        }
    }
}

/// Adam's `(β1^t, β2^t)` in the variable's precision, as Keras computes them.
fn powers(b1: f64, b2: f64, t: i64) -> (f64, f64) {
    ((b1 as f32).powf(t as f32) as f64, (b2 as f32).powf(t as f32) as f64)
}

macro_rules! adam_like {
    ($ty:ident, $name:literal, $doc:literal, $wd:expr) => {
        #[doc = $doc]
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
            fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, t: i64) {
                let (b1p, b2p) = powers(self.beta_1, self.beta_2, t);
                let alpha = lr * (1.0 - b2p).sqrt() / (1.0 - b1p);
                let (m, v) = (&slots[0], &slots[1]);
                let (a, b1, b2, eps) = (
                    alpha as f32,
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
                    tf::train::fused_update([var, m, v], g, |[w, m, v], g| {
                        *m += (g - *m) * b1;
                        *v += (g * g - *v) * b2;
                        *w -= (*m * a) / (v.sqrt() + eps);
                    })
                };
                if fused {
                    return;
                }
                m.assign_add(&(&(g - &m.value()) * (1.0 - self.beta_1)));
                v.assign_add(&(&(&tf::square(g) - &v.value()) * (1.0 - self.beta_2)));
                let vv = if self.amsgrad {
                    slots[2].assign(&tf::maximum(&slots[2].value(), &v.value()));
                    slots[2].value()
                } else {
                    v.value()
                };
                var.assign_sub(&(&(&m.value() * alpha) / &(&tf::sqrt(&vv) + self.epsilon)));
            }
        }
    };
}
adam_like!(
    Adam,
    "Adam",
    "`keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)`.",
    None
);
adam_like!(
    AdamW,
    "AdamW",
    "`keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`: Adam with decoupled weight decay.",
    Some(0.004)
);

/// `keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
/// centered=False)`.
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
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, _t: i64) {
        let rho = self.rho;
        let vel = &slots[0];
        let (r, lr32, eps, mu) = (rho as f32, lr as f32, self.epsilon as f32, self.momentum as f32);
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
        vel.assign(&(&(&vel.value() * rho) + &(&tf::square(g) * (1.0 - rho))));
        let denom = if self.centered {
            let avg = slots.last().expect("average_gradient slot");
            avg.assign(&(&(&avg.value() * rho) + &(g * (1.0 - rho))));
            &(&vel.value() - &tf::square(&avg.value())) + self.epsilon
        } else {
            &vel.value() + self.epsilon
        };
        let increment = &(g * lr) * &tf::rsqrt(&denom);
        if self.momentum > 0.0 {
            let mom = &slots[1];
            mom.assign(&(&(&mom.value() * self.momentum) + &increment));
            var.assign_sub(&mom.value());
        } else {
            var.assign_sub(&increment);
        }
    }
}

/// `keras.optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.1,
/// epsilon=1e-7)`.
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
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, _t: i64) {
        let acc = &slots[0];
        let (lr32, eps) = (lr as f32, self.epsilon as f32);
        if tf::train::fused_update([var, acc], g, |[w, a], g| {
            *a += g * g;
            *w -= lr32 * g / (*a + eps).sqrt();
        }) {
            return;
        }
        acc.assign_add(&(g * g));
        var.assign_sub(&(&(g * lr) / &tf::sqrt(&(&acc.value() + self.epsilon))));
    }
}

/// `keras.optimizers.Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7)`.
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
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, _t: i64) {
        let (ag, adv) = (&slots[0], &slots[1]);
        let rho = self.rho;
        let rms = |x: &Tensor| tf::sqrt(&(x + self.epsilon));
        ag.assign(&(&(&ag.value() * rho) + &(&(g * g) * (1.0 - rho))));
        let delta = tf::negative(&(&(&rms(&adv.value()) * g) / &rms(&ag.value())));
        adv.assign(&(&(&adv.value() * rho) + &(&(&delta * &delta) * (1.0 - rho))));
        var.assign_add(&(&delta * lr));
    }
}

/// `keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`.
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
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, t: i64) {
        let (b1p, _) = powers(self.beta_1, self.beta_2, t);
        let (m, u) = (&slots[0], &slots[1]);
        m.assign_add(&(&(g - &m.value()) * (1.0 - self.beta_1)));
        u.assign(&tf::maximum(&(&u.value() * self.beta_2), &tf::abs(g)));
        var.assign_sub(&(&(&m.value() * lr) / &(&(&u.value() + self.epsilon) * (1.0 - b1p))));
    }
}

/// `keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`:
/// Adam with Nesterov momentum and Keras's momentum schedule.
pub struct Nadam {
    base: Base,
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    /// The running product of the momentum schedule, `Π μ_1..t`.
    u_product: f32,
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
            u_product: 1.0,
        }
    }
    /// `β1 (1 - 0.5 · 0.96^t)`, in float32 as Keras computes it.
    fn mu(&self, t: i64) -> f32 {
        self.beta_1 as f32 * (1.0 - 0.5 * 0.96f32.powf(t as f32))
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
    fn begin_step(&mut self, t: i64) {
        self.u_product *= self.mu(t);
    }
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, t: i64) {
        let (u_t, u_t1) = (self.mu(t), self.mu(t + 1));
        let u_prod = self.u_product;
        let u_prod1 = u_prod * u_t1;
        let b2p = (self.beta_2 as f32).powf(t as f32);
        let (m, v) = (&slots[0], &slots[1]);
        let (b1, b2, lr, eps) = (self.beta_1 as f32, self.beta_2 as f32, lr as f32, self.epsilon as f32);
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
        m.assign_add(&(&(g - &m.value()) * (1.0 - self.beta_1)));
        v.assign_add(&(&(&tf::square(g) - &v.value()) * (1.0 - self.beta_2)));
        let m_hat = &(&(&m.value() * u_t1 as f64) / (1.0 - u_prod1 as f64)) + &(&(g * (1.0 - u_t as f64)) / (1.0 - u_prod as f64));
        let v_hat = &v.value() / (1.0 - b2p as f64);
        var.assign_sub(&(&(&m_hat * lr as f64) / &(&tf::sqrt(&v_hat) + self.epsilon)));
    }
}

/// `keras.optimizers.Ftrl(learning_rate=0.001, learning_rate_power=-0.5,
/// initial_accumulator_value=0.1, l1_regularization_strength=0.0,
/// l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0, beta=0.0)`.
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
    fn update(&self, var: &Variable, g: &Tensor, slots: &[Variable], lr: f64, _t: i64) {
        let (accum, linear) = (&slots[0], &slots[1]);
        let p = -self.learning_rate_power;
        let l2 = self.l2 + self.beta / (2.0 * lr);
        let w = var.value();
        let grad = if self.l2_shrinkage != 0.0 {
            g + &(&w * (2.0 * self.l2_shrinkage))
        } else {
            g.clone()
        };
        let a = accum.value();
        let new_accum = &a + &(g * g);
        let pw = |x: &Tensor| tf::pow(x, &tf::scalar(p, x.dtype()));
        let sigma = &(&pw(&new_accum) - &pw(&a)) * (1.0 / lr);
        linear.assign_add(&(&grad - &(&sigma * &w)));
        let quadratic = &(&pw(&new_accum) * (1.0 / lr)) + 2.0 * l2;
        let lin = linear.value();
        let clipped = tf::clip_by_value(&lin, &tf::scalar(-self.l1, lin.dtype()), &tf::scalar(self.l1, lin.dtype()));
        var.assign(&(&(&clipped - &lin) / &quadratic));
        accum.assign(&new_accum);
    }
}

type Schedule = Option<Box<dyn LearningRateSchedule>>;

/// One built-in optimizer: its Keras class name (whose lowercase is its `compile` name), its
/// defaults, and its constructor from a config's learning rate, schedule and settings.
struct Builtin {
    class: &'static str,
    default: fn() -> Box<dyn Optimizer>,
    from_config: fn(f64, &Config, Schedule) -> tf::Result<Box<dyn Optimizer>>,
}

macro_rules! builtins {
    ($($ty:ident),* $(,)?) => {
        /// Every built-in optimizer, in one table for [`get`] and [`deserialize`].
        static BUILTINS: &[Builtin] = &[$(Builtin {
            class: stringify!($ty),
            default: || Box::new($ty::default()),
            from_config: |lr, c, schedule| configured($ty::new(lr), c, schedule),
        }),*];
    };
}
builtins!(SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl);

/// `keras.optimizers.get(name)`: an optimizer by Keras name with default settings.
///
/// # Panics
/// On an unknown name, with Keras's message.
#[track_caller]
pub fn get(name: &str) -> Box<dyn Optimizer> {
    match BUILTINS.iter().find(|b| b.class.eq_ignore_ascii_case(name)) {
        Some(b) => (b.default)(),
        None => panic!("Could not interpret optimizer identifier: {name}"),
    }
}

/// `r` with a config's schedule, clipping, weight decay and own settings applied.
fn configured<R: Rule + 'static>(mut r: R, c: &Config, schedule: Schedule) -> tf::Result<Box<dyn Optimizer>> {
    let class = r.base().name;
    let b = r.base_mut();
    if let Some(s) = schedule {
        b.lr = LearningRate::Schedule(s);
    }
    crate::saving::config::read(c, "clipnorm", class, &mut b.clipnorm)?;
    crate::saving::config::read(c, "clipvalue", class, &mut b.clipvalue)?;
    crate::saving::config::read(c, "global_clipnorm", class, &mut b.global_clipnorm)?;
    crate::saving::config::read(c, "weight_decay", class, &mut b.weight_decay)?;
    r.read_hyper(c)?;
    Ok(Box::new(r))
}

/// `keras.optimizers.deserialize(config)`: the optimizer [`Optimizer::get_config`] described
/// (`{"class_name": "Adam", "config": {...}}`), with no state yet.
///
/// # Errors
/// `Unimplemented` for an unknown class; `InvalidArgument` for a malformed config.
pub fn deserialize(v: &serde_json::Value) -> tf::Result<Box<dyn Optimizer>> {
    let (class, c) = crate::saving::config::class_and_config(v, "optimizer")?;
    let mut lr = 0.001;
    let schedule = match c.get("learning_rate") {
        Some(v) if v.is_object() => Some(schedules::deserialize(v)?),
        Some(serde_json::Value::Null) => {
            return Err(tf::Error::Unimplemented(format!(
                "{class} config: the learning-rate schedule was a closure, which has no config"
            )))
        }
        _ => {
            crate::saving::config::read(c, "learning_rate", class, &mut lr)?;
            None
        }
    };
    match BUILTINS.iter().find(|b| b.class == class) {
        Some(b) => (b.from_config)(lr, c, schedule),
        None => Err(tf::Error::Unimplemented(format!("unknown optimizer class `{class}`"))),
    }
}

/// What `compile` accepts as an optimizer: a Keras name (`"adam"`) or an optimizer.
pub trait IntoOptimizer {
    /// The boxed optimizer.
    fn into_optimizer(self) -> Box<dyn Optimizer>;
}
impl IntoOptimizer for &str {
    #[track_caller]
    fn into_optimizer(self) -> Box<dyn Optimizer> {
        get(self)
    }
}
impl<O: Optimizer + 'static> IntoOptimizer for O {
    fn into_optimizer(self) -> Box<dyn Optimizer> {
        Box::new(self)
    }
}
impl IntoOptimizer for Box<dyn Optimizer> {
    fn into_optimizer(self) -> Box<dyn Optimizer> {
        self
    }
}
