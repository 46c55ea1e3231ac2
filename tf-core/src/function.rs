//! `tf.function` at run time: a polymorphic `Function` traces its body once per input
//! signature (the dtype and shape of every argument) into a `ConcreteFunction`, caches it,
//! and runs the graph on later calls. `#[tf::function]` generates these; they can also be
//! built by hand.

use crate::graph::{executor, trace, Graph};
use crate::ops::TensorSpec;
use crate::{Result, Tensor};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

static RUN_EAGERLY: AtomicBool = AtomicBool::new(false);

/// `tf.config.run_functions_eagerly(flag)`: when true, functions run their bodies as plain
/// eager code instead of tracing (for debugging with prints and breakpoints).
pub fn run_functions_eagerly(flag: bool) {
    RUN_EAGERLY.store(flag, Ordering::SeqCst);
}

type Body = dyn Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync;

/// A traced graph for one input signature.
pub struct ConcreteFunction {
    graph: Graph,
    signature: Vec<TensorSpec>,
}

impl ConcreteFunction {
    /// The traced graph (`concrete.graph`), printable with `to_string()`.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
    /// The input signature this graph was traced for.
    pub fn signature(&self) -> &[TensorSpec] {
        &self.signature
    }
    /// Runs the graph.
    ///
    /// # Errors
    /// `InvalidArgument` when the arguments do not match the signature.
    pub fn call(&self, args: &[Tensor]) -> Result<Vec<Tensor>> {
        executor::run(&self.graph, args)
    }
}

/// A polymorphic graph function (`tf.function(f)`): one `ConcreteFunction` per signature.
///
/// ```
/// use tf_core as tf;
/// let add = tf::Function::new("add", |xs: &[tf::Tensor]| vec![&xs[0] + &xs[1]]);
/// let a = add.call(&[tf::constant([1.0f32]), tf::constant([2.0f32])]);
/// assert_eq!(a[0].to_vec::<f32>(), vec![3.0]);
/// add.call(&[tf::constant([1.0f32]), tf::constant([5.0f32])]); // same signature: no retrace
/// add.call(&[tf::constant([1i32]), tf::constant([2i32])]); // a new dtype: a second trace
/// assert_eq!(add.tracing_count(), 2);
/// ```
pub struct Function {
    name: String,
    body: Arc<Body>,
    cache: Mutex<Vec<Arc<ConcreteFunction>>>,
    traces: AtomicUsize,
    /// Whether each of the most recent calls traced (newest last), for the retracing warning.
    recent: Mutex<std::collections::VecDeque<bool>>,
}

/// TensorFlow warns when this many consecutive calls all retraced.
const RETRACE_WARNING_CALLS: usize = 5;

impl Function {
    /// Wraps `body` as a graph function named `name`.
    pub fn new(name: impl Into<String>, body: impl Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync + 'static) -> Function {
        Function {
            name: name.into(),
            body: Arc::new(body),
            cache: Mutex::new(Vec::new()),
            traces: AtomicUsize::new(0),
            recent: Mutex::default(),
        }
    }

    /// Records whether a call traced; after 5 consecutive tracing calls, warns as TensorFlow
    /// does (once per such run).
    fn note_call(&self, traced: bool) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.push_back(traced);
        if recent.len() > RETRACE_WARNING_CALLS {
            recent.pop_front();
        }
        if recent.len() == RETRACE_WARNING_CALLS && recent.iter().all(|&t| t) {
            recent.clear();
            crate::ops::io::emit(format!(
                "WARNING: {n} out of the last {n} calls to `{}` triggered tf.function retracing. Tracing is expensive and the excessive \
                 number of tracings could be due to (1) creating a tf.function repeatedly in a loop, (2) passing tensors with different \
                 shapes or dtypes, (3) passing Rust values that change between calls. For (2), pass tensors of one signature.",
                self.name,
                n = RETRACE_WARNING_CALLS
            ));
        }
    }

    /// How many times the body has been traced.
    pub fn tracing_count(&self) -> usize {
        self.traces.load(Ordering::SeqCst)
    }

    /// The concrete function for `signature`, traced now if it is not cached yet (without
    /// running it).
    #[track_caller]
    pub fn get_concrete_function(&self, signature: &[TensorSpec]) -> Arc<ConcreteFunction> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.iter().find(|c| c.signature == signature) {
            return c.clone();
        }
        let first = self.traces.fetch_add(1, Ordering::SeqCst) == 0;
        let body = self.body.clone();
        let graph = trace::trace(&self.name, first, signature, move |xs| body(xs));
        debug_assert!(graph.verify().is_ok(), "{:?}", graph.verify());
        let graph = crate::graph::passes::optimize(graph);
        debug_assert!(graph.verify().is_ok(), "after the passes: {:?}", graph.verify());
        let c = Arc::new(ConcreteFunction {
            graph,
            signature: signature.to_vec(),
        });
        cache.push(c.clone());
        c
    }

    /// Calls the function: traces on a new input signature, then runs the graph. Inside
    /// another function's trace the body is traced inline into the caller's graph.
    ///
    /// # Panics
    /// When the body panics while tracing (its message names the op and the user's line).
    #[track_caller]
    pub fn call(&self, args: &[Tensor]) -> Vec<Tensor> {
        if RUN_EAGERLY.load(Ordering::SeqCst) || trace::tracing() {
            return (self.body)(args);
        }
        let sig: Vec<TensorSpec> = args
            .iter()
            .map(|t| TensorSpec {
                dtype: t.dtype(),
                shape: t.shape().clone(),
            })
            .collect();
        let before = self.tracing_count();
        let concrete = self.get_concrete_function(&sig);
        self.note_call(self.tracing_count() > before);
        concrete
            .call(args)
            .unwrap_or_else(|e| unreachable!("arguments match the signature they were traced for: {e}"))
    }
}
