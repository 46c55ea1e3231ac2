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
    /// `optimizer.build(var_list)`: creates the slots of the variables that have none yet
    /// (otherwise made on their first update, which may be a function's first trace; a later
    /// trace may not create variables).
    fn build(&mut self, var_list: &[Variable]);
    /// `Some(key)` when [`apply_gradients`](Self::apply_gradients) can run inside a trace,
    /// `None` when it cannot (a learning-rate schedule that is a Rust closure). A graph traced
    /// under one key stays valid while the key is the same; it changes when the learning rate
    /// changes from a schedule to a constant.
    fn trace_key(&self) -> Option<u64>;
    /// Whether [`apply_gradients`](Self::apply_gradients) can run inside a trace.
    fn traceable(&self) -> bool {
        self.trace_key().is_some()
    }
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

    /// This update's learning rate and `t`: see [`Step`].
    ///
    /// # Panics
    /// Inside a trace, for a schedule that is a Rust closure (it cannot become part of the graph).
    fn step_values(&self) -> Step {
        let t = self.step + 1;
        if tf::executing_eagerly() {
            return Step {
                lr: self.current_lr(),
                t,
                traced: None,
            };
        }
        let it = tf::cast(&self.iterations.value(), DType::F64);
        let lr_t = match &self.lr {
            LearningRate::Constant(_) => tf::cast(&self.lr_var.value(), DType::F64),
            LearningRate::Schedule(s) => s.call_tensor(&it).unwrap_or_else(|| {
                panic!(
                    "{}: the learning-rate schedule is a Rust closure, which a traced step cannot follow; use a built-in schedule, or run the step eagerly",
                    self.name
                )
            }),
        };
        // The Rust numbers are the trace-time ones, unused: fused updates never run in a trace.
        Step {
            lr: f64::NAN,
            t,
            traced: Some((lr_t, &it + 1.0)),
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
            return grads.iter().map(|g| tf::clip_by_norm(g, c, None)).collect();
        }
        if let Some(c) = self.global_clipnorm.filter(|&c| c > 0.0) {
            return tf::clip_by_global_norm(&grads, c).0;
        }
        if let Some(c) = self.clipvalue.filter(|&c| c > 0.0) {
            return grads
                .iter()
                .map(|g| tf::clip_by_value(g, &tf::scalar(-c, g.dtype()), &tf::scalar(c, g.dtype())))
                .collect();
        }
        grads
    }

    /// Creates `var`'s slots (`names`, of `shapes`, filled with `init`) on its first update.
    fn create_slots(&mut self, var: &Variable, names: &[&str], init: &[f64], shapes: &[Vec<usize>]) -> Vec<Variable> {
        let s: Vec<Variable> = names
            .iter()
            .zip(init)
            .zip(shapes)
            .map(|((n, &v), dims)| {
                // Inside a trace (a train step's first), the initial value is made eagerly.
                Variable::with_options(
                    tf::init_scope(|| tf::fill_dtype(dims.clone(), v, var.dtype())),
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

mod sealed {
    use super::Base;
    use crate::saving::config::Config;
    use tf_core::{self as tf, DType, Tensor, Variable};

    /// The learning rate and step count `t` (iterations + 1) of one update. Eagerly they are
    /// Rust numbers (what the fused single-pass updates take) and constants of them; inside a
    /// trace they are tensors computed from the optimizer's variables, so one traced train step
    /// serves every later step, schedules and `set_learning_rate` included.
    pub struct Step {
        pub(super) lr: f64,
        pub(super) t: i64,
        /// `(learning rate, t)` as float64 scalars of the trace.
        pub(super) traced: Option<(Tensor, Tensor)>,
    }

    impl Step {
        /// The learning rate as a scalar of `dtype`.
        pub(super) fn lr(&self, dtype: DType) -> Tensor {
            match &self.traced {
                Some((lr, _)) => tf::cast(lr, dtype),
                None => tf::scalar(self.lr, dtype),
            }
        }
        /// `t` as a scalar of `dtype`.
        pub(super) fn t(&self, dtype: DType) -> Tensor {
            match &self.traced {
                Some((_, t)) => tf::cast(t, dtype),
                None => tf::scalar(self.t as f64, dtype),
            }
        }
        /// `base^(t + k)` in `dtype`, as Keras's `tf.pow(beta, local_step)` computes it.
        pub(super) fn pow(&self, base: f64, k: f64, dtype: DType) -> Tensor {
            tf::pow(&tf::scalar(base, dtype), &(&self.t(dtype) + k))
        }
    }

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
        /// The shape of slot `i` of a variable of shape `var` (the variable's own by default).
        fn slot_shape(&self, _i: usize, var: &[usize]) -> Vec<usize> {
            var.to_vec()
        }
        /// Once per step, before the variables are updated.
        fn begin_step(&mut self, _s: &Step) {}
        /// The optimizer's own settings for its config (`beta_1`, `momentum`, ...).
        fn hyper_config(&self) -> Config;
        /// Reads what [`hyper_config`](Self::hyper_config) writes.
        fn read_hyper(&mut self, c: &Config) -> tf::Result<()>;
        /// Updates one variable.
        fn update(&self, var: &Variable, grad: &Tensor, slots: &[Variable], s: &Step);

        /// `var`'s slots, created (and any checkpointed values restored into them) on first use.
        fn slots_of(&mut self, var: &Variable) -> Vec<Variable> {
            if let Some((_, s)) = self.base().slots.get(&var.handle_id()) {
                return s.clone();
            }
            let names = self.slot_names();
            let init: Vec<f64> = (0..names.len()).map(|i| self.slot_init(i)).collect();
            let shapes: Vec<Vec<usize>> = (0..names.len()).map(|i| self.slot_shape(i, var.shape().dims())).collect();
            let s = self.base_mut().create_slots(var, names, &init, &shapes);
            // Slot values a checkpoint restored before the slots existed (eagerly, also when
            // the slots are made on a function's first trace).
            if let Err(e) = tf::init_scope(|| tf::train::restore_deferred(self.base())) {
                panic!("{e}");
            }
            s
        }
    }
}
use sealed::{Rule, Step};

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
        let s = self.base().step_values();
        if let Some(wd) = self.base().weight_decay.filter(|&w| w != 0.0) {
            for (_, v) in grads_and_vars {
                v.assign_sub(&(&(&v.value() * &s.lr(v.dtype())) * wd));
            }
        }
        self.begin_step(&s);
        for (g, (_, v)) in grads.iter().zip(grads_and_vars) {
            let slots = self.slots_of(v);
            self.update(v, g, &slots, &s);
        }
        let b = self.base_mut();
        if s.traced.is_some() {
            b.iterations.assign_add(&tf::constant(1i64));
        } else {
            b.step = s.t;
            b.iterations.assign(&tf::constant(s.t));
        }
    }
    fn build(&mut self, var_list: &[Variable]) {
        for v in var_list {
            self.slots_of(v);
        }
    }
    fn trace_key(&self) -> Option<u64> {
        match &self.base().lr {
            LearningRate::Constant(_) => Some(0),
            // The schedule's identity: a graph follows the schedule it was traced with.
            LearningRate::Schedule(s) => s
                .call_tensor(&tf::scalar(0.0, DType::F64))
                .map(|_| std::ptr::from_ref::<dyn LearningRateSchedule>(s.as_ref()).cast::<()>() as u64),
        }
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

/// A boxed optimizer as a `#[tf::function]` argument, keyed as each optimizer is.
impl tf_core::autograph::TraceKey for dyn Optimizer {
    fn trace_key(&self, key: &mut tf_core::autograph::Key) {
        key.write(&std::ptr::from_ref(self).cast::<()>());
        key.write(&Optimizer::trace_key(self));
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
        /// An argument of a `#[tf::function]` (a train step that applies the update): keyed
        /// by identity and by how it takes its learning rate (see [`Optimizer::trace_key`]).
        impl tf_core::autograph::TraceKey for $ty {
            fn trace_key(&self, key: &mut tf_core::autograph::Key) {
                tf_core::autograph::TraceKey::trace_key(self as &dyn Optimizer, key);
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

mod adam;
mod rules;
mod sign;
pub use adam::{Adam, AdamW, Adamax, Nadam};
pub use rules::{Adadelta, Adagrad, Ftrl, RMSprop, SGD};
pub use sign::{Adafactor, Lion};

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
builtins!(SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion, Adafactor);

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
