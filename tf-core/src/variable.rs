//! `Variable`: shared mutable state with identity, a name and a `trainable` flag.
//!
//! Reads return a snapshot tensor (later assignments do not change it); assignments write in
//! place when no snapshot is alive and replace the buffer otherwise. Tapes watch trainable
//! variables automatically when they are read. There are no global collections: a model's
//! variables are found by walking the model.

use crate::api::IntoTensor;
use crate::{DType, Shape, Tensor};
use std::sync::{Arc, RwLock};

struct Inner {
    name: String,
    trainable: bool,
    value: RwLock<Tensor>,
    /// A penalty on the value that training adds to the loss (Keras's weight regularizer).
    regularizer: std::sync::OnceLock<Penalty>,
}

/// A weight penalty: the value's scalar contribution to the loss.
type Penalty = Arc<dyn Fn(&Tensor) -> Tensor + Send + Sync + std::panic::RefUnwindSafe>;

/// `tf.Variable`: a named, mutable tensor shared by every clone of the handle.
///
/// ```
/// use tf_core as tf;
/// let v = tf::Variable::new(tf::constant([2.0f32, 3.0]));
/// v.assign_add(&tf::constant([1.0f32, 1.0]));
/// assert_eq!(v.value().to_vec::<f32>(), vec![3.0, 4.0]);
/// ```
#[derive(Clone)]
pub struct Variable(Arc<Inner>);

/// Variables created so far in this process: deferred checkpoint restores look again only
/// when it has grown.
static CREATED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of variables created so far.
pub(crate) fn created() -> u64 {
    CREATED.load(std::sync::atomic::Ordering::Acquire)
}

impl Variable {
    /// A trainable variable named `"Variable"` holding `initial`.
    ///
    /// ```
    /// use tf_core as tf;
    /// let v = tf::Variable::new([1.0f32, 2.0]);
    /// assert_eq!((v.dtype(), v.shape().dims()), (tf::float32, &[2usize][..]));
    /// assert!(v.trainable());
    /// ```
    #[track_caller]
    pub fn new(initial: impl IntoTensor) -> Variable {
        Variable::with_options(initial, "Variable", true)
    }

    /// A variable with a name and a `trainable` flag (`trainable = false` for step counters
    /// and moving statistics: tapes do not watch them and optimizers skip them).
    ///
    /// ```
    /// use tf_core as tf;
    /// let step = tf::Variable::with_options(0i64, "step", false);
    /// assert_eq!(step.name(), "step");
    /// assert!(!step.trainable()); // tapes do not watch it
    /// ```
    ///
    /// # Panics
    /// Inside a `tf.function` that is being traced for the second time or later (variables
    /// may be created only on the first trace, as in TensorFlow).
    #[track_caller]
    pub fn with_options(initial: impl IntoTensor, name: impl Into<String>, trainable: bool) -> Variable {
        crate::graph::trace::check_variable_creation();
        let t = initial.into_tensor();
        if t.is_symbolic() {
            panic!("a tf.Variable's initial value must be a concrete tensor, not a symbolic one of a trace");
        }
        CREATED.fetch_add(1, std::sync::atomic::Ordering::Release);
        Variable(Arc::new(Inner {
            name: name.into(),
            trainable,
            value: RwLock::new(t),
            regularizer: std::sync::OnceLock::new(),
        }))
    }

    /// Attaches a penalty on the value, which Keras adds to `layer.losses` (as Keras 3's
    /// `Variable.regularizer`); a layer's `kernel_regularizer=` sets it when the weight is made.
    ///
    /// ```
    /// use tf_core as tf;
    /// let w = tf::Variable::new([1.0f32, -2.0]).with_regularizer(|w| &tf::reduce_sum(&tf::square(w), None, false) * 0.5);
    /// assert_eq!(w.regularization_loss().unwrap().scalar::<f32>(), 2.5);
    /// assert!(tf::Variable::new(1.0f32).regularization_loss().is_none());
    /// ```
    ///
    /// # Panics
    /// When the variable already has one.
    #[track_caller]
    pub fn with_regularizer(self, penalty: impl Fn(&Tensor) -> Tensor + Send + Sync + std::panic::RefUnwindSafe + 'static) -> Variable {
        if self.0.regularizer.set(Arc::new(penalty)).is_err() {
            panic!("variable \"{}\" already has a regularizer", self.0.name);
        }
        self
    }

    /// The penalty of the current value, when a regularizer is attached (read like
    /// [`value`](Self::value), so tapes see it).
    pub fn regularization_loss(&self) -> Option<Tensor> {
        self.0.regularizer.get().map(|f| f(&self.value()))
    }

    /// The name given at creation (names need not be unique).
    pub fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether tapes watch it automatically and optimizers update it.
    pub fn trainable(&self) -> bool {
        self.0.trainable
    }
    /// The (fixed) shape.
    pub fn shape(&self) -> Shape {
        self.peek().shape().clone()
    }
    /// The (fixed) dtype.
    pub fn dtype(&self) -> DType {
        self.peek().dtype()
    }
    /// True when both handles are the same variable.
    pub fn ptr_eq(&self, other: &Variable) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The value slot, locked for writing (fused updates).
    pub(crate) fn write_slot(&self) -> std::sync::RwLockWriteGuard<'_, Tensor> {
        self.0.value.write().unwrap_or_else(|p| p.into_inner())
    }

    /// An identity for this variable, equal for all clones of the handle and distinct from
    /// every other live variable (a key for per-variable state such as optimizer slots).
    pub fn handle_id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// The current value, without telling any tape.
    pub(crate) fn peek(&self) -> Tensor {
        self.0.value.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `v.read_value()`: a snapshot of the current value. Live tapes that watch this variable
    /// (trainable ones automatically) watch the snapshot.
    ///
    /// ```
    /// use tf_core as tf;
    /// let v = tf::Variable::new(1.0f32);
    /// let before = v.value();
    /// v.assign(&tf::constant(5.0f32));
    /// assert_eq!((before.scalar::<f32>(), v.value().scalar::<f32>()), (1.0, 5.0));
    /// ```
    #[track_caller]
    pub fn value(&self) -> Tensor {
        if crate::graph::trace::tracing() {
            let cur = self.peek();
            let spec = crate::ops::TensorSpec::of(&cur);
            let t = crate::graph::trace::read_variable(self, spec, std::panic::Location::caller());
            crate::tape::variable_read(self, &t);
            return t;
        }
        let snap = self.peek().renamed();
        crate::tape::variable_read(self, &snap);
        snap
    }

    /// The same as [`value`](Self::value), TensorFlow's name.
    pub fn read_value(&self) -> Tensor {
        self.value()
    }

    #[track_caller]
    fn check(&self, v: &Tensor, what: &str) {
        let cur = self.peek();
        if cur.shape() != v.shape() || cur.dtype() != v.dtype() {
            panic!(
                "{what}: Cannot update variable '{}' of shape {} and dtype {} with a value of shape {} and dtype {}",
                self.0.name,
                cur.shape(),
                cur.dtype(),
                v.shape(),
                v.dtype()
            );
        }
    }

    /// Replaces the value, keeping shape and dtype.
    ///
    /// ```
    /// use tf_core as tf;
    /// let v = tf::Variable::new([1.0f32, 2.0]);
    /// v.assign(&tf::constant([3.0f32, 4.0]));
    /// assert_eq!(v.value().to_vec::<f32>(), vec![3.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// When `value` has another shape or dtype.
    #[track_caller]
    pub fn assign(&self, value: &Tensor) {
        self.check(value, "AssignVariableOp");
        if crate::graph::trace::tracing() {
            return crate::graph::trace::assign_variable(self, value, "AssignVariableOp", std::panic::Location::caller());
        }
        let _nt = crate::tape::pause_all();
        let new = value.renamed();
        *self.0.value.write().unwrap_or_else(|p| p.into_inner()) = new;
    }

    /// `v += delta`, in place when no snapshot of the old value is alive.
    ///
    /// ```
    /// use tf_core as tf;
    /// let v = tf::Variable::new(1.0f32);
    /// v.assign_add(&tf::constant(2.5f32));
    /// assert_eq!(v.value().scalar::<f32>(), 3.5);
    /// ```
    ///
    /// # Panics
    /// When `delta` has another shape or dtype.
    #[track_caller]
    pub fn assign_add(&self, delta: &Tensor) {
        self.update(delta, "AssignAddVariableOp", |a, b| crate::add(a, b));
    }

    /// `v -= delta`, in place when no snapshot of the old value is alive.
    ///
    /// ```
    /// use tf_core as tf;
    /// let v = tf::Variable::new(1.0f32);
    /// v.assign_sub(&tf::constant(0.25f32));
    /// assert_eq!(v.value().scalar::<f32>(), 0.75);
    /// ```
    ///
    /// # Panics
    /// When `delta` has another shape or dtype.
    #[track_caller]
    pub fn assign_sub(&self, delta: &Tensor) {
        self.update(delta, "AssignSubVariableOp", |a, b| crate::subtract(a, b));
    }

    #[track_caller]
    fn update(&self, delta: &Tensor, what: &'static str, f: impl Fn(&Tensor, &Tensor) -> Tensor) {
        self.check(delta, what);
        if crate::graph::trace::tracing() {
            return crate::graph::trace::assign_variable(self, delta, what, std::panic::Location::caller());
        }
        let _nt = crate::tape::pause_all();
        let mut slot = self.0.value.write().unwrap_or_else(|p| p.into_inner());
        if !slot.try_update_in_place(delta, what) {
            *slot = f(&slot, delta);
        }
    }
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.peek();
        write!(
            f,
            "<tf.Variable '{}:0' shape={} dtype={}, numpy={}>",
            self.0.name,
            v.shape(),
            v.dtype(),
            crate::display::array_str(&v)
        )
    }
}

/// Arithmetic on variables reads them (`&v * &x`, `&v + 1.0`), as TensorFlow lets a
/// variable stand wherever a tensor does.
macro_rules! variable_ops {
    ($($tr:ident $m:ident),*) => {$(
        impl std::ops::$tr<&Tensor> for &Variable {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: &Tensor) -> Tensor {
                std::ops::$tr::$m(&self.value(), rhs)
            }
        }
        impl std::ops::$tr<&Variable> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: &Variable) -> Tensor {
                std::ops::$tr::$m(self, &rhs.value())
            }
        }
        impl std::ops::$tr<&Variable> for &Variable {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: &Variable) -> Tensor {
                std::ops::$tr::$m(&self.value(), &rhs.value())
            }
        }
        impl<S: crate::Scalar> std::ops::$tr<S> for &Variable {
            type Output = Tensor;
            #[track_caller]
            fn $m(self, rhs: S) -> Tensor {
                std::ops::$tr::$m(&self.value(), rhs)
            }
        }
    )*};
}
variable_ops!(Add add, Sub sub, Mul mul, Div div);
