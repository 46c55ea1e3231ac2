//! `GradientTape`: reverse-mode automatic differentiation by recording ops.
//!
//! A tape records while it lives (the Rust analogue of `with tf.GradientTape() as t`). The
//! dispatch point reports every op to the live tapes; a tape keeps the op if one of its
//! inputs is watched, and then watches its outputs. `gradient` walks the record backwards,
//! calling each op's gradient rule (written with ordinary ops, so outer tapes record the
//! backward pass and nested tapes give higher derivatives), reducing broadcast gradients to
//! each input's shape and summing gradients that fan in.

use crate::ops::{Attrs, Grad, GradCtx, OpDef};
use crate::{DType, Tensor, TensorId, Variable};
use smallvec::SmallVec;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Tensor ids are unique integers: one multiply spreads them well enough, and costs far
/// less than SipHash on the tape's hot path.
#[derive(Default)]
struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
type IdSet = HashSet<TensorId, BuildHasherDefault<IdHasher>>;
type IdMap<V> = HashMap<TensorId, V, BuildHasherDefault<IdHasher>>;
use std::rc::Rc;

/// A gradient closure (`custom_gradient`, a graph-function call): one gradient per output
/// in, one per input out.
pub(crate) type CustomGrad = Rc<dyn Fn(&[Tensor]) -> Vec<Option<Tensor>>>;

/// How a recorded entry differentiates.
enum Rule {
    /// By the op's registered rule.
    Op(&'static OpDef),
    /// By a user closure (`custom_gradient`).
    Custom(CustomGrad),
}

/// A source resolved against this tape: the ids whose gradients it sums, its dtype, shape,
/// and the tensor itself (a variable's shape is always known).
type ResolvedSource = (SmallVec<[TensorId; 1]>, DType, crate::Shape, Option<Tensor>);

/// One recorded op.
struct Entry {
    rule: Rule,
    inputs: SmallVec<[Tensor; 2]>,
    outputs: SmallVec<[Tensor; 1]>,
    attrs: Attrs,
}

#[derive(Default)]
struct TapeState {
    persistent: bool,
    watch_accessed_variables: bool,
    /// Recording is suspended (inside `stop_recording`, or while this tape differentiates).
    paused: usize,
    /// A non-persistent tape that already computed its gradient.
    used: bool,
    watched: IdSet,
    /// Watched variables, with the ids of their reads while this tape recorded.
    variables: Vec<(Variable, Vec<TensorId>)>,
    entries: Vec<Entry>,
}

impl TapeState {
    fn watches_variable(&self, v: &Variable) -> Option<usize> {
        self.variables.iter().position(|(w, _)| w.ptr_eq(v))
    }
}

thread_local! {
    static ACTIVE: RefCell<Vec<Rc<RefCell<TapeState>>>> = const { RefCell::new(Vec::new()) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// True when some tape on this thread is recording: the one check eager ops pay.
#[inline]
pub(crate) fn any_active() -> bool {
    LIVE.with(|n| n.get() > 0)
}

/// Called by the dispatch point after every op while a tape lives.
pub(crate) fn record(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs, outputs: &[Tensor]) {
    ACTIVE.with(|a| {
        for t in a.borrow().iter() {
            let mut t = t.borrow_mut();
            if t.paused > 0 || !inputs.iter().any(|x| t.watched.contains(&x.id())) {
                continue;
            }
            for o in outputs {
                t.watched.insert(o.id());
            }
            t.entries.push(Entry {
                rule: Rule::Op(op),
                inputs: inputs.iter().map(|x| (*x).clone()).collect(),
                outputs: outputs.iter().cloned().collect(),
                attrs: attrs.clone(),
            });
        }
    });
}

/// Records one custom-gradient op (inputs → outputs) on the tapes that watch an input.
pub(crate) fn record_custom(inputs: &[Tensor], outputs: &[Tensor], grad: CustomGrad) {
    ACTIVE.with(|a| {
        for t in a.borrow().iter() {
            let Ok(mut t) = t.try_borrow_mut() else { continue };
            if t.paused > 0 || !inputs.iter().any(|x| t.watched.contains(&x.id())) {
                continue;
            }
            t.watched.extend(outputs.iter().map(|o| o.id()));
            t.entries.push(Entry {
                rule: Rule::Custom(grad.clone()),
                inputs: inputs.iter().cloned().collect(),
                outputs: outputs.iter().cloned().collect(),
                attrs: Attrs::new(),
            });
        }
    });
}

/// The gradient function of [`custom_gradient`]: upstream gradient in, one gradient per input.
pub type GradFunction = Box<dyn Fn(&Tensor) -> Vec<Option<Tensor>>>;
/// The gradient function of [`custom_gradient_with_variables`]: upstream gradient in,
/// `(input gradients, variable gradients)` out.
pub type GradFunctionWithVariables = Box<dyn Fn(&Tensor) -> (Vec<Option<Tensor>>, Vec<Option<Tensor>>)>;

/// `tf.custom_gradient`: `f` computes the value from `inputs` (unrecorded) and returns it with
/// its gradient function, which maps the upstream gradient to one gradient per input. The
/// gradient function is itself made of ops, so nested tapes differentiate it.
///
/// ```
/// use tf_core as tf;
/// // log(1 + e^x) with a numerically stable gradient, TensorFlow's documentation example.
/// let x = tf::constant(100.0f32);
/// let tape = tf::GradientTape::new();
/// tape.watch(&x);
/// let y = tf::custom_gradient(&[&x], |xs| {
///     let e = tf::exp(&xs[0]);
///     let y = tf::log(&(&e + 1.0));
///     let grad: tf::GradFunction = Box::new(move |dy| vec![Some(dy * (1.0f32 - 1.0f32 / (&e + 1.0)))]);
///     (y, grad)
/// });
/// assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 1.0);
/// ```
pub fn custom_gradient(inputs: &[&Tensor], f: impl FnOnce(&[Tensor]) -> (Tensor, GradFunction)) -> Tensor {
    let xs: Vec<Tensor> = inputs.iter().map(|t| (*t).clone()).collect();
    let (y, grad) = {
        let _pause = pause_all();
        f(&xs)
    };
    let y = y.renamed();
    record_custom(&xs, std::slice::from_ref(&y), Rc::new(move |g: &[Tensor]| grad(&g[0])));
    y
}

/// The variables form of `tf.custom_gradient`: `f` may read `variables`, and its gradient
/// function returns `(input gradients, variable gradients)`.
pub fn custom_gradient_with_variables(
    inputs: &[&Tensor],
    variables: &[&Variable],
    f: impl FnOnce(&[Tensor]) -> (Tensor, GradFunctionWithVariables),
) -> Tensor {
    let mut xs: Vec<Tensor> = inputs.iter().map(|t| (*t).clone()).collect();
    // Reads taken here, where the tapes see them: the variables' gradients flow through them.
    xs.extend(variables.iter().map(|v| v.value()));
    let n = inputs.len();
    let (y, grad) = {
        let _pause = pause_all();
        f(&xs[..n])
    };
    let y = y.renamed();
    let nv = variables.len();
    let rule: CustomGrad = Rc::new(move |dy: &[Tensor]| {
        let (mut gi, gv) = grad(&dy[0]);
        gi.resize(n, None);
        gi.extend(gv.into_iter().chain(std::iter::repeat(None)).take(nv));
        gi
    });
    record_custom(&xs, std::slice::from_ref(&y), rule);
    y
}

/// Called when a variable is read: tapes that watch it (or watch accessed trainable
/// variables) watch the snapshot and remember it as a read of that variable.
pub(crate) fn variable_read(v: &Variable, value: &Tensor) {
    if !any_active() || !value.dtype().is_float() {
        return;
    }
    ACTIVE.with(|a| {
        for t in a.borrow().iter() {
            let mut t = t.borrow_mut();
            if t.paused > 0 {
                continue;
            }
            let slot = match t.watches_variable(v) {
                Some(i) => i,
                None if t.watch_accessed_variables && v.trainable() => {
                    t.variables.push((v.clone(), Vec::new()));
                    t.variables.len() - 1
                }
                None => continue,
            };
            t.variables[slot].1.push(value.id());
            t.watched.insert(value.id());
        }
    });
}

/// Suspends every live tape on this thread while the guard lives (variable updates are
/// state changes, not differentiable ops).
pub(crate) fn pause_all() -> PauseAll {
    ACTIVE.with(|a| {
        for t in a.borrow().iter() {
            t.borrow_mut().paused += 1;
        }
        PauseAll(a.borrow().clone())
    })
}

pub(crate) struct PauseAll(Vec<Rc<RefCell<TapeState>>>);
impl Drop for PauseAll {
    fn drop(&mut self) {
        for t in &self.0 {
            t.borrow_mut().paused -= 1;
        }
    }
}

/// What `gradient` returns for a source that does not affect the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UnconnectedGradients {
    /// `None` (TensorFlow's default).
    #[default]
    None,
    /// A zero tensor of the source's shape.
    Zero,
}

/// A gradient source: a tensor, or a variable (whose gradient sums over its reads).
#[derive(Clone, Copy)]
pub enum SourceRef<'a> {
    /// A watched tensor.
    Tensor(&'a Tensor),
    /// A variable.
    Variable(&'a Variable),
}

/// Something `gradient` can differentiate with respect to: a tensor or a variable.
pub trait Source {
    /// This source as a [`SourceRef`].
    fn source(&self) -> SourceRef<'_>;
}
impl Source for Tensor {
    fn source(&self) -> SourceRef<'_> {
        SourceRef::Tensor(self)
    }
}
impl Source for Variable {
    fn source(&self) -> SourceRef<'_> {
        SourceRef::Variable(self)
    }
}
impl Source for SourceRef<'_> {
    fn source(&self) -> SourceRef<'_> {
        *self
    }
}
impl<S: Source + ?Sized> Source for &S {
    fn source(&self) -> SourceRef<'_> {
        (**self).source()
    }
}

/// Records operations for automatic differentiation while it lives.
///
/// ```
/// use tf_core as tf;
/// let x = tf::constant(3.0f32);
/// let tape = tf::GradientTape::new();
/// tape.watch(&x);
/// let y = &x * &x;
/// assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 6.0);
/// ```
pub struct GradientTape {
    state: Rc<RefCell<TapeState>>,
}

impl Default for GradientTape {
    fn default() -> Self {
        Self::new()
    }
}

impl GradientTape {
    /// A tape that can compute one gradient (`persistent=False`), watching the trainable
    /// variables it sees read.
    pub fn new() -> Self {
        Self::with_options(false, true)
    }
    /// A tape that can compute any number of gradients (`persistent=True`).
    ///
    /// ```
    /// use tf_core as tf;
    /// let x = tf::constant(3.0f32);
    /// let tape = tf::GradientTape::persistent();
    /// tape.watch(&x);
    /// let y = &x * &x;
    /// let z = &y * &y;
    /// assert_eq!(tape.gradient(&z, &x).unwrap().scalar::<f32>(), 108.0); // 4x³
    /// assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 6.0); // 2x
    /// ```
    pub fn persistent() -> Self {
        Self::with_options(true, true)
    }
    /// `tf.GradientTape(persistent, watch_accessed_variables)`.
    ///
    /// ```
    /// use tf_core as tf;
    /// // watch_accessed_variables = false: only what is watched explicitly.
    /// let (a, b) = (tf::Variable::new(2.0f32), tf::Variable::new(3.0f32));
    /// let tape = tf::GradientTape::with_options(true, false);
    /// tape.watch(&a);
    /// let y = &(&a.value() * &a.value()) + &b.value();
    /// assert_eq!(tape.gradient(&y, &a).unwrap().scalar::<f32>(), 4.0);
    /// assert!(tape.gradient(&y, &b).is_none());
    /// ```
    pub fn with_options(persistent: bool, watch_accessed_variables: bool) -> Self {
        let state = Rc::new(RefCell::new(TapeState {
            persistent,
            watch_accessed_variables,
            ..Default::default()
        }));
        ACTIVE.with(|a| a.borrow_mut().push(state.clone()));
        LIVE.with(|n| n.set(n.get() + 1));
        GradientTape { state }
    }

    /// Watches a tensor (or a variable) so that gradients with respect to it can be taken.
    /// Integer and boolean tensors are not differentiable and are ignored.
    pub fn watch(&self, x: &impl Watchable) {
        x.watch_on(self);
    }

    /// The variables this tape watches, in the order first seen.
    ///
    /// ```
    /// use tf_core as tf;
    /// let (a, b) = (tf::Variable::new(1.0f32), tf::Variable::new(2.0f32));
    /// let tape = tf::GradientTape::new();
    /// let _y = &b.value() * &a.value();
    /// let seen = tape.watched_variables();
    /// assert!(seen[0].ptr_eq(&b) && seen[1].ptr_eq(&a));
    /// ```
    pub fn watched_variables(&self) -> Vec<Variable> {
        self.state.borrow().variables.iter().map(|(v, _)| v.clone()).collect()
    }

    /// Suspends recording until the returned guard is dropped (`with tape.stop_recording()`).
    ///
    /// ```
    /// use tf_core as tf;
    /// let x = tf::constant(2.0f32);
    /// let tape = tf::GradientTape::persistent();
    /// tape.watch(&x);
    /// let y = &x * &x;
    /// let z = {
    ///     let _paused = tape.stop_recording();
    ///     &y * 10.0f32 // not recorded: no gradient flows through it
    /// };
    /// assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 4.0);
    /// assert!(tape.gradient(&z, &x).is_none());
    /// ```
    pub fn stop_recording(&self) -> StopRecording<'_> {
        self.state.borrow_mut().paused += 1;
        StopRecording { tape: self }
    }

    /// Discards everything recorded so far, as if the tape were new.
    ///
    /// ```
    /// use tf_core as tf;
    /// let x = tf::constant(2.0f32);
    /// let tape = tf::GradientTape::new();
    /// tape.watch(&x);
    /// let _discarded = &x * &x;
    /// tape.reset();
    /// tape.watch(&x);
    /// let y = &x * 3.0f32;
    /// assert_eq!(tape.gradient(&y, &x).unwrap().scalar::<f32>(), 3.0);
    /// ```
    pub fn reset(&self) {
        let mut s = self.state.borrow_mut();
        s.entries.clear();
        s.watched.clear();
        s.variables.clear();
        s.used = false;
    }

    /// The gradient of `target` (of its sum, when not scalar) with respect to one source;
    /// `None` when the source does not affect the target.
    ///
    /// ```
    /// use tf_core as tf;
    /// // Nested tapes: the second derivative of x² is 2.
    /// let x = tf::constant(3.0f32);
    /// let outer = tf::GradientTape::new();
    /// outer.watch(&x);
    /// let dy_dx = {
    ///     let inner = tf::GradientTape::new();
    ///     inner.watch(&x);
    ///     let y = &x * &x;
    ///     inner.gradient(&y, &x).unwrap()
    /// };
    /// assert_eq!(dy_dx.scalar::<f32>(), 6.0);
    /// assert_eq!(outer.gradient(&dy_dx, &x).unwrap().scalar::<f32>(), 2.0);
    /// ```
    ///
    /// # Panics
    /// On a second call on a non-persistent tape, with TensorFlow's message, and when the
    /// path from source to target crosses an op without a gradient.
    #[track_caller]
    pub fn gradient<S: Source>(&self, target: &Tensor, source: S) -> Option<Tensor> {
        self.gradients(&[target], &[source], None, UnconnectedGradients::None)
            .pop()
            .flatten()
    }

    /// Gradients of the sum of `targets` with respect to each source, in order; with
    /// `output_gradients`, the targets are weighted by them (a vector-Jacobian product).
    ///
    /// ```
    /// use tf_core as tf;
    /// let (w, b) = (tf::Variable::new(2.0f32), tf::Variable::new(1.0f32));
    /// let tape = tf::GradientTape::new();
    /// let y = &(&w.value() * 3.0f32) + &b.value();
    /// let g = tape.gradients(&[&y], &[&w, &b], None, tf::UnconnectedGradients::None);
    /// assert_eq!(g[0].as_ref().unwrap().scalar::<f32>(), 3.0);
    /// assert_eq!(g[1].as_ref().unwrap().scalar::<f32>(), 1.0);
    /// ```
    ///
    /// # Panics
    /// As [`gradient`](Self::gradient).
    #[track_caller]
    pub fn gradients<S: Source>(
        &self,
        targets: &[&Tensor],
        sources: &[S],
        output_gradients: Option<&[&Tensor]>,
        unconnected: UnconnectedGradients,
    ) -> Vec<Option<Tensor>> {
        {
            let mut s = self.state.borrow_mut();
            if s.used && !s.persistent {
                panic!("RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)");
            }
            s.used = true;
            s.paused += 1;
        }
        let _resume = Resume(&self.state);
        let state = self.state.borrow();
        let seeds: SmallVec<[(TensorId, Tensor); 1]> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let g = match output_gradients {
                    Some(og) => og[i].clone(),
                    None => crate::ones_like(t),
                };
                (t.id(), g)
            })
            .collect();
        let srcs: SmallVec<[ResolvedSource; 2]> = sources
            .iter()
            .map(|s| match s.source() {
                SourceRef::Tensor(t) => (smallvec::smallvec![t.id()], t.dtype(), t.shape().clone(), Some(t.clone())),
                SourceRef::Variable(v) => {
                    let ids = state
                        .watches_variable(v)
                        .map_or_else(SmallVec::new, |i| state.variables[i].1.iter().copied().collect());
                    let cur = v.peek();
                    (ids, cur.dtype(), cur.shape().clone(), None)
                }
            })
            .collect();
        drop(state);
        // The backward pass runs ops, which visit the live tapes: release this one's state
        // while it runs (it is paused, so it records nothing meanwhile).
        let entries = std::mem::take(&mut self.state.borrow_mut().entries);
        let ids: SmallVec<[TensorId; 4]> = srcs.iter().flat_map(|s| s.0.iter().copied()).collect();
        let grads = backward(&entries, &seeds, &ids);
        self.state.borrow_mut().entries = entries;
        srcs.into_iter()
            .map(|(ids, dtype, shape, like)| {
                let mut acc: Option<Tensor> = None;
                for id in ids {
                    if let Some(g) = grads.get(&id) {
                        acc = Some(match acc {
                            Some(a) => crate::add(&a, g),
                            None => g.clone(),
                        });
                    }
                }
                match (acc, unconnected) {
                    (Some(g), _) => Some(g),
                    // A traced source with `None` dimensions: zeros of its run-time shape.
                    (None, UnconnectedGradients::Zero) if dtype.is_float() => Some(match like {
                        Some(t) if !shape.is_fully_defined() => crate::zeros_like(&t),
                        _ => crate::zeros(shape, dtype),
                    }),
                    (None, _) => None,
                }
            })
            .collect()
    }

    /// `tape.jacobian(target, source)`: shape `target.shape + source.shape`, one backward
    /// pass per target element.
    ///
    /// ```
    /// use tf_core as tf;
    /// let x = tf::constant([1.0f32, 2.0]);
    /// let tape = tf::GradientTape::persistent();
    /// tape.watch(&x);
    /// let y = &x * &x;
    /// let j = tape.jacobian(&y, &x, tf::UnconnectedGradients::None).unwrap();
    /// assert_eq!(j.shape().dims(), &[2, 2]);
    /// assert_eq!(j.to_vec::<f32>(), vec![2.0, 0.0, 0.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// As [`gradient`](Self::gradient); the tape must be persistent when the target has more
    /// than one element.
    #[track_caller]
    pub fn jacobian<S: Source>(&self, target: &Tensor, source: S, unconnected: UnconnectedGradients) -> Option<Tensor> {
        let (dtype, sshape) = match source.source() {
            SourceRef::Tensor(t) => (t.dtype(), t.shape().clone()),
            SourceRef::Variable(v) => (v.dtype(), v.shape()),
        };
        let n = target.num_elements();
        let mut rows = Vec::with_capacity(n);
        let mut any = false;
        for i in 0..n {
            let mut e = vec![0.0; n];
            e[i] = 1.0;
            let seed = crate::cast(
                &crate::Tensor::from_vec(e, target.shape().clone()).expect("shape matches"),
                target.dtype(),
            );
            let g = self
                .gradients(&[target], &[&source], Some(&[&seed]), UnconnectedGradients::None)
                .pop()
                .flatten();
            any |= g.is_some();
            rows.push(g.unwrap_or_else(|| crate::zeros(sshape.clone(), dtype)));
        }
        if !any && unconnected == UnconnectedGradients::None {
            return None;
        }
        let mut shape: Vec<i64> = target.shape().dims().iter().map(|&d| d as i64).collect();
        shape.extend(sshape.dims().iter().map(|&d| d as i64));
        if rows.is_empty() {
            return Some(crate::zeros(shape.iter().map(|&d| d as usize).collect::<Vec<_>>(), dtype));
        }
        Some(crate::reshape(&crate::stack(&rows.iter().collect::<Vec<_>>(), 0), shape))
    }

    /// `tape.batch_jacobian(target, source)`: for `target [b, ...]` and `source [b, ...]`, the
    /// per-example Jacobians `[b, target dims..., source dims...]` (examples are assumed
    /// independent, as TensorFlow assumes).
    ///
    /// ```
    /// use tf_core as tf;
    /// let x = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
    /// let tape = tf::GradientTape::persistent();
    /// tape.watch(&x);
    /// let y = &x * &x;
    /// let j = tape.batch_jacobian(&y, &x).unwrap();
    /// assert_eq!(j.shape().dims(), &[2, 2, 2]);
    /// assert_eq!(j.to_vec::<f32>(), vec![2.0, 0.0, 0.0, 4.0, 6.0, 0.0, 0.0, 8.0]);
    /// ```
    ///
    /// # Panics
    /// When either is below rank 2 or their first dimensions differ.
    #[track_caller]
    pub fn batch_jacobian(&self, target: &Tensor, source: &Tensor) -> Option<Tensor> {
        let (td, sd) = (target.shape().dims(), source.shape().dims());
        if td.len() < 2 || sd.len() < 2 || td[0] != sd[0] {
            panic!("batch_jacobian: target {td:?} and source {sd:?} must be at least rank 2 with the same first dimension");
        }
        let b = td[0];
        let per: usize = td[1..].iter().product();
        let flat = crate::reshape(target, [b as i64, per as i64]);
        let mut cols = Vec::with_capacity(per);
        let mut any = false;
        for j in 0..per {
            let mut e = vec![0.0; b * per];
            for r in 0..b {
                e[r * per + j] = 1.0;
            }
            let seed = crate::cast(&crate::Tensor::from_vec(e, [b, per]).expect("shape matches"), target.dtype());
            let g = self
                .gradients(&[&flat], &[source], Some(&[&seed]), UnconnectedGradients::None)
                .pop()
                .flatten();
            any |= g.is_some();
            cols.push(g.unwrap_or_else(|| crate::zeros_like(source)));
        }
        if !any {
            return None;
        }
        let stacked = crate::stack(&cols.iter().collect::<Vec<_>>(), 1); // [b, per, source dims...]
        let mut shape: Vec<i64> = td.iter().map(|&d| d as i64).collect();
        shape.extend(sd[1..].iter().map(|&d| d as i64));
        Some(crate::reshape(&stacked, shape))
    }
}

struct Resume<'a>(&'a Rc<RefCell<TapeState>>);
impl Drop for Resume<'_> {
    fn drop(&mut self) {
        self.0.borrow_mut().paused -= 1;
    }
}

impl Drop for GradientTape {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().retain(|t| !Rc::ptr_eq(t, &self.state)));
        LIVE.with(|n| n.set(n.get() - 1));
    }
}

/// Suspends a tape's recording while alive; see [`GradientTape::stop_recording`].
pub struct StopRecording<'a> {
    tape: &'a GradientTape,
}
impl Drop for StopRecording<'_> {
    fn drop(&mut self) {
        self.tape.state.borrow_mut().paused -= 1;
    }
}

/// Things a tape can watch: tensors and variables.
pub trait Watchable {
    /// Registers `self` with the tape.
    fn watch_on(&self, tape: &GradientTape);
}
impl Watchable for Tensor {
    fn watch_on(&self, tape: &GradientTape) {
        if self.dtype().is_float() {
            tape.state.borrow_mut().watched.insert(self.id());
        }
    }
}
impl Watchable for Variable {
    fn watch_on(&self, tape: &GradientTape) {
        let mut s = tape.state.borrow_mut();
        if s.watches_variable(self).is_none() {
            s.variables.push((self.clone(), Vec::new()));
        }
    }
}

/// Walks `entries` backwards from the seeded targets; returns the gradient of every tensor
/// id on a path from a source to a target.
fn backward(entries: &[Entry], seeds: &[(TensorId, Tensor)], sources: &[TensorId]) -> IdMap<Tensor> {
    // Forward pass: which tensors depend on a source.
    let mut relevant: IdSet = sources.iter().copied().collect();
    let mut needed: SmallVec<[bool; 32]> = smallvec::smallvec![false; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        if e.inputs.iter().any(|x| relevant.contains(&x.id())) {
            needed[i] = true;
            relevant.extend(e.outputs.iter().map(|o| o.id()));
        }
    }
    let mut grads: IdMap<Tensor> = IdMap::default();
    for (id, g) in seeds {
        accumulate(&mut grads, *id, g.clone());
    }
    for (i, e) in entries.iter().enumerate().rev() {
        if !needed[i] || !e.outputs.iter().any(|o| grads.contains_key(&o.id())) {
            continue;
        }
        let out_grads: SmallVec<[Tensor; 1]> = e
            .outputs
            .iter()
            .map(|o| grads.get(&o.id()).cloned().unwrap_or_else(|| crate::zeros_like(o)))
            .collect();
        let in_grads = match &e.rule {
            Rule::Custom(f) => f(&out_grads),
            Rule::Op(op) => match op.grad {
                Grad::Rule(r) => {
                    let needs: SmallVec<[bool; 4]> = e
                        .inputs
                        .iter()
                        .map(|x| x.dtype().is_float() && relevant.contains(&x.id()))
                        .collect();
                    r(&GradCtx {
                        inputs: &e.inputs,
                        outputs: &e.outputs,
                        attrs: &e.attrs,
                        grads: &out_grads,
                        needs: &needs,
                    })
                }
                Grad::None => continue,
                Grad::NotDifferentiable => {
                    if e.inputs.iter().any(|x| x.dtype().is_float() && relevant.contains(&x.id())) {
                        panic!(
                            "LookupError: gradient registry has no entry for: {} (the op is not differentiable)",
                            op.name
                        );
                    }
                    continue;
                }
            },
        };
        for (x, g) in e.inputs.iter().zip(in_grads) {
            if let Some(g) = g {
                if x.dtype().is_float() && relevant.contains(&x.id()) {
                    accumulate(&mut grads, x.id(), unbroadcast(g, x));
                }
            }
        }
    }
    grads
}

fn accumulate(grads: &mut IdMap<Tensor>, id: TensorId, g: Tensor) {
    match grads.remove(&id) {
        Some(prev) => {
            grads.insert(id, crate::add(&prev, &g));
        }
        None => {
            grads.insert(id, g);
        }
    }
}

/// Sums a gradient over the dimensions along which `x` was broadcast, back to `x`'s shape.
fn unbroadcast(g: Tensor, x: &Tensor) -> Tensor {
    let (gd, xd) = (g.shape().dims(), x.shape().dims());
    if !(g.shape().is_fully_defined() && x.shape().is_fully_defined()) {
        // Traced with unknown dimensions: which axes were broadcast (if any: [None] may be 1
        // against 5) is known only when the graph runs.
        return crate::ops::execute1(&crate::ops::reduce::SUM_TO_SHAPE_OF, &[&g, x], &crate::ops::Attrs::new());
    }
    if gd == xd {
        return g;
    }
    let lead = gd.len() - xd.len().min(gd.len());
    let mut axes: Vec<i64> = (0..lead as i64).collect();
    for (i, &d) in xd.iter().enumerate() {
        if d == 1 && gd.get(lead + i).is_some_and(|&gdim| gdim != 1) {
            axes.push((lead + i) as i64);
        }
    }
    let summed = if axes.is_empty() { g } else { crate::reduce_sum(&g, axes, false) };
    crate::reshape(&summed, xd.iter().map(|&d| d as i64).collect::<Vec<_>>())
}
