//! `tf.function` at run time: a polymorphic `Function` traces its body once per input
//! signature (the dtype and shape of every argument) into a `ConcreteFunction`, caches it,
//! and runs the graph on later calls. `#[tf::function]` generates these; they can also be
//! built by hand.

use crate::graph::{executor, trace, Graph, NodeKind};
use crate::ops::TensorSpec;
use crate::{Result, Tensor, Variable};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

static RUN_EAGERLY: AtomicBool = AtomicBool::new(false);

/// `tf.config.run_functions_eagerly(flag)`: when true, functions run their bodies as plain
/// eager code instead of tracing (for debugging with prints and breakpoints).
///
/// ```
/// use tf_core as tf;
/// let f = tf::Function::new("f", |xs: &[tf::Tensor]| vec![&xs[0] * 2.0f32]);
/// tf::run_functions_eagerly(true);
/// assert_eq!(f.call(&[tf::constant(3.0f32)])[0].scalar::<f32>(), 6.0);
/// assert_eq!(f.tracing_count(), 0); // the body ran as plain eager code
/// tf::run_functions_eagerly(false);
/// f.call(&[tf::constant(3.0f32)]);
/// assert_eq!(f.tracing_count(), 1);
/// ```
pub fn run_functions_eagerly(flag: bool) {
    RUN_EAGERLY.store(flag, Ordering::SeqCst);
}

/// `tf.executing_eagerly()`: false while a graph function is being traced.
///
/// ```
/// use tf_core as tf;
/// assert!(tf::executing_eagerly());
/// let f = tf::Function::new("f", |xs: &[tf::Tensor]| {
///     assert!(!tf::executing_eagerly()); // inside the trace
///     vec![xs[0].clone()]
/// });
/// f.call(&[tf::constant(1.0f32)]);
/// ```
pub fn executing_eagerly() -> bool {
    !trace::tracing()
}

/// `tf.init_scope()`: runs `f` eagerly even while a function is being traced, with tapes
/// paused — what creating state on a function's first trace needs (a variable's initial
/// value, an optimizer's slots). Variables created inside still obey the first-trace rule.
///
/// ```
/// use tf_core as tf;
/// let g = tf::graph::trace_graph("f", &[], |_| {
///     let c = tf::init_scope(|| tf::constant(2.0f32) * 3.0f32);
///     assert!(!c.is_symbolic());
///     vec![tf::constant(1.0f32) + &c]
/// });
/// assert!(!g.to_string().contains("Mul("));
/// ```
pub fn init_scope<R>(f: impl FnOnce() -> R) -> R {
    trace::lift(f)
}

pub(crate) fn functions_run_eagerly() -> bool {
    RUN_EAGERLY.load(Ordering::SeqCst)
}

type Body = dyn Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync;

/// A traced graph for one input signature.
pub struct ConcreteFunction {
    graph: Arc<Graph>,
    signature: Vec<TensorSpec>,
    /// The plain arguments' trace key (`#[tf::function]`); 0 for hand-built functions.
    key: u64,
    /// How the outputs nest (`autograph::Output`).
    structure: Vec<usize>,
    /// Whether the graph has unknown dimensions (its ops then infer shapes as they run),
    /// decided once here rather than on every call.
    dynamic: bool,
    /// Under a tape, how a call differentiates: as one op (`Some`: the variables the graph
    /// reads, which join the call's inputs) or op by op, as the graph runs (`None`: a graph
    /// with random ops or side effects, which a backward graph could not recompute).
    one_op: Option<Vec<Variable>>,
    /// The backward graph function, traced at the first gradient through a call.
    backward: Arc<OnceLock<Arc<ConcreteFunction>>>,
}

impl ConcreteFunction {
    /// Traces `body` once for `signature` into a concrete function, outside any
    /// [`Function`]: no cache, and no variables may be created (build the model first). What
    /// `model.save` traces a Keras model's call with.
    #[track_caller]
    pub fn trace(name: &str, signature: &[TensorSpec], body: impl FnOnce(&[Tensor]) -> Vec<Tensor>) -> Arc<ConcreteFunction> {
        let graph = crate::graph::passes::optimize(trace::trace(name, false, signature, body));
        Arc::new(ConcreteFunction::from_graph(graph, signature.to_vec()))
    }

    /// A concrete function over an already built graph (a loaded SavedModel's).
    pub(crate) fn from_graph(graph: Graph, signature: Vec<TensorSpec>) -> ConcreteFunction {
        ConcreteFunction::new(graph, signature, 0, Vec::new())
    }

    fn new(graph: Graph, signature: Vec<TensorSpec>, key: u64, structure: Vec<usize>) -> ConcreteFunction {
        ConcreteFunction {
            dynamic: executor::has_unknown_dims(&graph),
            one_op: one_op_reads(&graph),
            graph: Arc::new(graph),
            signature,
            key,
            structure,
            backward: Arc::default(),
        }
    }
    /// The backward graph function of a call under a tape, once a gradient went through one:
    /// it takes the call's arguments, the values of the variables it read and the gradients
    /// of its float outputs, and returns the gradients of its float arguments and reads.
    pub fn gradient_function(&self) -> Option<Arc<ConcreteFunction>> {
        self.backward.get().cloned()
    }
    /// The traced graph (`concrete.graph`), printable with `to_string()`.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
    /// The input signature this graph was traced for.
    pub fn signature(&self) -> &[TensorSpec] {
        &self.signature
    }
    /// Runs the graph. Inside another function's trace, the graph is inlined into the
    /// caller's.
    ///
    /// # Errors
    /// `InvalidArgument` when the arguments do not match the signature.
    #[track_caller]
    pub fn call(&self, args: &[Tensor]) -> Result<Vec<Tensor>> {
        if trace::tracing() {
            let got: Vec<TensorSpec> = args.iter().map(TensorSpec::of).collect();
            if !TensorSpec::fits(&got, &self.signature) {
                return Err(crate::Error::InvalidArgument(format!(
                    "{}: called with {got:?}, but the function was traced for {:?}",
                    self.graph.name, self.signature
                )));
            }
            return Ok(executor::replay(&self.graph, args));
        }
        match &self.one_op {
            Some(reads) if crate::tape::any_active() => self.call_recorded(args, reads),
            _ => executor::run(&self.graph, self.dynamic, args),
        }
    }

    /// A call under a tape as one op: the graph runs unrecorded, and the tapes record one
    /// entry (arguments and variable reads in, outputs out) whose gradient is the backward
    /// graph function — itself a graph call, so nested tapes differentiate it the same way.
    fn call_recorded(&self, args: &[Tensor], reads: &[Variable]) -> Result<Vec<Tensor>> {
        let mut inputs: Vec<Tensor> = args.to_vec();
        // Read where the tapes see it: the variables' gradients flow through these values.
        inputs.extend(reads.iter().map(Variable::value));
        let outs = {
            let _unrecorded = crate::tape::pause_all();
            executor::run(&self.graph, self.dynamic, args)?
        };
        let outs: Vec<Tensor> = outs.iter().map(Tensor::renamed).collect();
        let (graph, signature, reads, cache) = (self.graph.clone(), self.signature.clone(), reads.to_vec(), self.backward.clone());
        let saved = inputs.clone();
        let rule: crate::tape::CustomGrad = std::rc::Rc::new(move |gs: &[Tensor]| {
            let bwd = cache.get_or_init(|| trace_backward(&graph, &signature, &reads));
            let mut call: Vec<Tensor> = saved.clone();
            call.extend(gs.iter().filter(|g| g.dtype().is_float()).cloned());
            let got = bwd
                .call(&call)
                .unwrap_or_else(|e| unreachable!("the backward graph takes what the call recorded: {e}"));
            executor::float_slots(&saved, got)
        });
        crate::tape::record_custom(&inputs, &outs, rule);
        Ok(outs)
    }
}

/// The variables a graph reads when a call of it can be one op on a tape: no random ops,
/// prints or other effects (its backward graph recomputes the forward), and a float output.
fn one_op_reads(graph: &Graph) -> Option<Vec<Variable>> {
    fn walk(g: &Graph, reads: &mut Vec<Variable>) -> bool {
        g.nodes.iter().all(|n| {
            let ok = match &n.kind {
                NodeKind::Op { op, .. } => !op.stateful,
                NodeKind::ReadVariable(v) => {
                    if !reads.iter().any(|r| r.ptr_eq(v)) {
                        reads.push(v.clone());
                    }
                    true
                }
                NodeKind::AssignVariable { .. } | NodeKind::ForDataset { .. } => false,
                _ => true,
            };
            ok && n.subgraphs().iter().all(|(_, s)| walk(s, reads))
        })
    }
    let mut reads = Vec::new();
    let float_out = graph.outputs.iter().any(|&(n, o)| graph.nodes[n].outputs[o].dtype.is_float());
    (walk(graph, &mut reads) && float_out).then_some(reads)
}

/// The backward graph of a call: `(arguments, reads, float-output gradients)` in, the
/// gradients of the float arguments and reads out (zeros where unconnected). The forward is
/// recomputed inside it, with the reads' values standing for the variables.
fn trace_backward(graph: &Graph, signature: &[TensorSpec], reads: &[Variable]) -> Arc<ConcreteFunction> {
    let mut sig: Vec<TensorSpec> = signature.to_vec();
    sig.extend(reads.iter().map(|v| TensorSpec {
        dtype: v.dtype(),
        shape: v.shape(),
    }));
    sig.extend(
        graph
            .outputs
            .iter()
            .map(|&(n, o)| graph.nodes[n].outputs[o].clone())
            .filter(|s| s.dtype.is_float()),
    );
    let (na, nv) = (signature.len(), reads.len());
    ConcreteFunction::trace(&format!("{}_grad", graph.name), &sig, |xs| {
        let (args, rest) = xs.split_at(na);
        let (vals, dys) = rest.split_at(nv);
        let subst: Vec<(Variable, Tensor)> = reads.iter().cloned().zip(vals.iter().cloned()).collect();
        executor::replay_vjp(graph, args, &subst, &dys.iter().collect::<Vec<_>>())
    })
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
    /// The traced body; `None` for `#[tf::function]`s, whose callers pass it on each call.
    body: Option<Arc<Body>>,
    cache: Mutex<Vec<Arc<ConcreteFunction>>>,
    traces: AtomicUsize,
    /// How many of the latest calls traced, in a row, for the retracing warning.
    retraced_in_a_row: std::sync::atomic::AtomicUsize,
    /// `input_signature`: the one signature every call must fit (traced once).
    input_signature: Option<Vec<TensorSpec>>,
    /// `reduce_retracing`: a new trace generalizes the shapes seen before.
    reduce_retracing: bool,
}

/// TensorFlow warns when this many consecutive calls all retraced.
const RETRACE_WARNING_CALLS: usize = 5;

impl Function {
    /// Wraps `body` as a graph function named `name`.
    pub fn new(name: impl Into<String>, body: impl Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync + 'static) -> Function {
        Function {
            body: Some(Arc::new(body)),
            ..Function::staged(name)
        }
    }

    /// The function a `#[tf::function]` expands to: its body comes with each call
    /// ([`Function::call_staged`]).
    pub fn staged(name: impl Into<String>) -> Function {
        Function {
            name: name.into(),
            body: None,
            cache: Mutex::new(Vec::new()),
            traces: AtomicUsize::new(0),
            retraced_in_a_row: Default::default(),
            input_signature: None,
            reduce_retracing: false,
        }
    }

    /// `tf.function(input_signature=[...])`: every call must fit `signature` (`None`
    /// dimensions are wildcards), and the function is traced once, for it. A call that does not
    /// fit panics with TensorFlow's `TypeError` text.
    ///
    /// ```
    /// use tf_core::{self as tf, ops::TensorSpec, DType};
    /// let f = tf::Function::new("f", |xs: &[tf::Tensor]| vec![&xs[0] + 1i32])
    ///     .input_signature([TensorSpec::new(vec![None], DType::I32)]);
    /// assert_eq!(f.call(&[tf::constant([1i32, 2])])[0].to_vec::<i32>(), vec![2, 3]);
    /// assert_eq!(f.call(&[tf::constant([1i32, 2, 3])])[0].to_vec::<i32>(), vec![2, 3, 4]);
    /// assert_eq!(f.tracing_count(), 1);
    /// ```
    pub fn input_signature(mut self, signature: impl IntoIterator<Item = TensorSpec>) -> Function {
        self.input_signature = Some(signature.into_iter().collect());
        self
    }

    /// `tf.function(reduce_retracing=True)`: a call that misses the cache traces for the most
    /// specific signature that also fits the earlier traces' (dimensions that differ become
    /// `None`), so shapes `[3]` then `[5]` trace twice, and `[7]`, `[9]` reuse the second trace.
    ///
    /// ```
    /// use tf_core as tf;
    /// let f = tf::Function::new("f", |xs: &[tf::Tensor]| vec![tf::reduce_sum(&xs[0], None, false)]).reduce_retracing(true);
    /// for n in [3, 5, 7, 9] {
    ///     f.call(&[tf::ones([n], tf::float32)]);
    /// }
    /// assert_eq!(f.tracing_count(), 2); // [3], then [None] for every length after
    /// ```
    pub fn reduce_retracing(mut self, flag: bool) -> Function {
        self.reduce_retracing = flag;
        self
    }

    /// Checks `args` against the `input_signature`, if any, with TensorFlow's `TypeError`.
    #[track_caller]
    fn bind(&self, args: Vec<TensorSpec>) -> Vec<TensorSpec> {
        let Some(sig) = &self.input_signature else {
            return args;
        };
        let list = || sig.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        if args.len() != sig.len() {
            panic!(
                "TypeError: Binding inputs to tf.function `{}` failed: it takes {} tensor arguments, got {}. Signature: ({}).",
                self.name,
                sig.len(),
                args.len(),
                list()
            );
        }
        if let Some((i, (a, s))) = args.iter().zip(sig).enumerate().find(|(_, (a, s))| !a.is_subtype_of(s)) {
            panic!(
                "TypeError: Binding inputs to tf.function `{}` failed due to `Can not cast {a} to {s}` (argument {i}). Signature: ({}).",
                self.name,
                list()
            );
        }
        sig.clone()
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The concrete functions traced so far, oldest first.
    ///
    /// ```
    /// use tf_core as tf;
    /// let f = tf::Function::new("id", |xs: &[tf::Tensor]| vec![xs[0].clone()]);
    /// f.call(&[tf::constant(1.0f32)]);
    /// f.call(&[tf::constant(1i64)]);
    /// let sigs: Vec<String> = f.concrete_functions().iter().map(|c| c.signature()[0].to_string()).collect();
    /// assert_eq!(sigs.len(), 2);
    /// assert!(sigs[0].contains("float32") && sigs[1].contains("int64"));
    /// ```
    pub fn concrete_functions(&self) -> Vec<Arc<ConcreteFunction>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records whether a call traced; after 5 consecutive tracing calls, warns as TensorFlow
    /// does (once per such run).
    fn note_call(&self, traced: bool) {
        // The last calls all traced exactly when the latest ones in a row did.
        if !traced {
            if self.retraced_in_a_row.load(Ordering::Relaxed) != 0 {
                self.retraced_in_a_row.store(0, Ordering::Relaxed);
            }
            return;
        }
        if self.retraced_in_a_row.fetch_add(1, Ordering::Relaxed) + 1 >= RETRACE_WARNING_CALLS {
            self.retraced_in_a_row.store(0, Ordering::Relaxed);
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
    ///
    /// ```
    /// use tf_core as tf;
    /// let f = tf::Function::new("f", |xs: &[tf::Tensor]| vec![&xs[0] + 1i32]);
    /// f.call(&[tf::constant(1i32)]);
    /// f.call(&[tf::constant(2i32)]); // same dtype and shape: the same graph
    /// assert_eq!(f.tracing_count(), 1);
    /// f.call(&[tf::constant([1i32, 2])]); // a new shape: a new trace
    /// assert_eq!(f.tracing_count(), 2);
    /// ```
    pub fn tracing_count(&self) -> usize {
        self.traces.load(Ordering::SeqCst)
    }

    /// The concrete function for `signature`, traced now if it is not cached yet (without
    /// running it).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::ops::TensorSpec;
    /// let f = tf::Function::new("square", |xs: &[tf::Tensor]| vec![&xs[0] * &xs[0]]);
    /// let cf = f.get_concrete_function(&[TensorSpec::new([2], tf::DType::F32)]);
    /// assert_eq!(f.tracing_count(), 1); // traced, not run
    /// assert_eq!(cf.call(&[tf::constant([3.0f32, 4.0])])?[0].to_vec::<f32>(), vec![9.0, 16.0]);
    /// assert_eq!(f.concrete_functions().len(), 1);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// For a `#[tf::function]`, whose body comes with its calls: call it instead.
    #[track_caller]
    pub fn get_concrete_function(&self, signature: &[TensorSpec]) -> Arc<ConcreteFunction> {
        let body = self.body.clone().unwrap_or_else(|| {
            panic!(
                "`{}` is a #[tf::function]: call it to trace it, then see `concrete_functions()`",
                self.name
            )
        });
        self.concrete_of(body, &self.bind(signature.to_vec()))
    }

    /// The concrete function of the body for a signature already bound.
    #[track_caller]
    fn concrete_of(&self, body: Arc<Body>, signature: &[TensorSpec]) -> Arc<ConcreteFunction> {
        self.concrete(0, signature, move |xs| (body(xs), Vec::new()))
    }

    /// The cached concrete function for `key` and `signature`, or a new trace of `body`
    /// (which returns the outputs and their structure).
    #[track_caller]
    fn concrete(
        &self,
        key: u64,
        signature: &[TensorSpec],
        body: impl FnOnce(&[Tensor]) -> (Vec<Tensor>, Vec<usize>),
    ) -> Arc<ConcreteFunction> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // The most specific match wins: an exact trace, else one whose signature the call's
        // is a subtype of (unknown dimensions), as TensorFlow dispatches.
        let fits = |c: &ConcreteFunction| c.key == key && TensorSpec::fits(signature, &c.signature);
        if let Some(c) = cache
            .iter()
            .find(|c| c.key == key && c.signature == signature)
            .or_else(|| cache.iter().find(|c| fits(c)))
        {
            return c.clone();
        }
        let generalized;
        let signature = if self.reduce_retracing {
            generalized = generalize(signature, cache.iter().filter(|c| c.key == key).map(|c| &c.signature[..]));
            &generalized[..]
        } else {
            signature
        };
        let first = self.traces.fetch_add(1, Ordering::SeqCst) == 0;
        let mut structure = Vec::new();
        let graph = trace::trace(&self.name, first, signature, |xs| {
            let (outs, s) = body(xs);
            structure = s;
            outs
        });
        debug_assert!(graph.verify().is_ok(), "{:?}", graph.verify());
        let graph = crate::graph::passes::optimize(graph);
        debug_assert!(graph.verify().is_ok(), "after the passes: {:?}", graph.verify());
        let c = Arc::new(ConcreteFunction::new(graph, signature.to_vec(), key, structure));
        cache.push(c.clone());
        c
    }

    /// Calls a `#[tf::function]`: `key` is the hash of its plain arguments, `args` its
    /// tensors, and `body` its staged body (run only to trace). Inside another function's
    /// trace the body is traced inline into the caller's graph.
    #[track_caller]
    pub fn call_staged<R: crate::autograph::Output>(&self, key: u64, args: &[Tensor], body: impl FnOnce(&[Tensor]) -> R) -> R {
        if trace::tracing() {
            return body(args);
        }
        let sig = self.bind(args.iter().map(TensorSpec::of).collect());
        let before = self.tracing_count();
        let concrete = self.concrete(key, &sig, |xs| {
            let (mut outs, mut structure) = (Vec::new(), Vec::new());
            body(xs).flatten_output(&mut outs, &mut structure);
            (outs, structure)
        });
        self.note_call(self.tracing_count() > before);
        let outs = concrete
            .call(args)
            .unwrap_or_else(|e| unreachable!("arguments match the signature they were traced for: {e}"));
        R::unflatten_output(&mut outs.into_iter(), &mut concrete.structure.iter())
    }

    /// Calls the function: traces on a new input signature, then runs the graph. Inside
    /// another function's trace the body is traced inline into the caller's graph.
    ///
    /// # Panics
    /// When the body panics while tracing (its message names the op and the user's line).
    #[track_caller]
    pub fn call(&self, args: &[Tensor]) -> Vec<Tensor> {
        let Some(body) = &self.body else {
            panic!("`{}` is a #[tf::function]: call the Rust function itself", self.name)
        };
        if RUN_EAGERLY.load(Ordering::SeqCst) || trace::tracing() {
            return body(args);
        }
        let sig = self.bind(args.iter().map(TensorSpec::of).collect());
        let before = self.tracing_count();
        let concrete = self.concrete_of(body.clone(), &sig);
        self.note_call(self.tracing_count() > before);
        concrete
            .call(args)
            .unwrap_or_else(|e| unreachable!("arguments match the signature they were traced for: {e}"))
    }
}

/// `reduce_retracing`'s signature for a call of `signature`: each earlier trace with the
/// same dtypes and ranks widens it, every dimension they disagree on becoming unknown.
fn generalize<'a>(signature: &[TensorSpec], earlier: impl Iterator<Item = &'a [TensorSpec]>) -> Vec<TensorSpec> {
    let mut out = signature.to_vec();
    for prev in earlier {
        if prev.len() != out.len() {
            continue;
        }
        let widened: Option<Vec<TensorSpec>> = out
            .iter()
            .zip(prev)
            .map(|(a, b)| {
                (a.dtype == b.dtype)
                    .then(|| a.shape.most_specific_common(&b.shape))
                    .flatten()
                    .map(|shape| TensorSpec { dtype: a.dtype, shape })
            })
            .collect();
        if let Some(w) = widened {
            out = w;
        }
    }
    out
}
