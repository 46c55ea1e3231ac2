//! Runtime helpers for AutoGraph: `#[tf::function]` rewrites `if`, `while` and `for` into
//! calls of these, threading the variables a statement assigns through it by value.
//! Dispatch is on the *type* of the condition or iterable: `bool` and Rust iterators keep
//! plain Rust semantics (a `0..n` loop unrolls while tracing, as a Python `range` does), and
//! a `Tensor` stages `tf::cond` / `tf::while_loop`.
//!
//! `break`, `continue` and early `return` become flags ([`Flag`]) whose type follows the
//! loop: `bool` in a plain Rust loop, a bool `Tensor` in a staged one.

use crate::{Shape, Tensor};
use std::cell::RefCell;
use undefined::{copy, trial};

mod function;
mod tensor_array;
mod undefined;
pub use function::{method_code, method_function, register_method, run_eagerly, Key, Output, TraceKey};
pub use tensor_array::TensorArray;
pub use undefined::Retval;

/// A value threaded through a staged statement: it flattens to tensors and is rebuilt from
/// them. Implemented for `Tensor`, `TensorArray`, `()` and tuples of states.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be carried through a staged `if` or loop",
    label = "assigned under a tensor condition or in a staged loop, but not a tensor",
    note = "only `Tensor`, `tf::TensorArray` and tuples of them can change inside a staged (tensor-conditioned) `if`, `while` or `for`",
    note = "make a plain Rust value a `Tensor`; for a `Vec` that grows in a staged loop use `tf::TensorArray` \
            (`ta = ta.write(i, &v)`); for `break`, `continue` or `return` under a tensor condition, stage the loop itself by \
            iterating over `tf::range(n)` or a tensor instead of a Rust range"
)]
pub trait State: Sized {
    /// Appends this state's tensors.
    fn flatten(&self, out: &mut Vec<Tensor>);
    /// A state shaped like `self`, with tensors taken from `it` in `flatten`'s order.
    fn rebuild(&self, it: &mut std::vec::IntoIter<Tensor>) -> Self;
    /// Whether every part has a value (a [`Retval`] before its `return`, or a
    /// [`TensorArray`] before its first write, has none: AutoGraph's `Undefined`).
    fn is_defined(&self) -> bool {
        true
    }
    /// This state with its undefined parts given placeholders (zeros) shaped like the same
    /// parts of `like`, a copy traced one step further; pushes the shape each flattened
    /// tensor may take in a loop.
    fn define_like(self, like: &Self, shapes: &mut Vec<Shape>) -> Self {
        let _ = like;
        keep_shapes(self, shapes)
    }
}

/// `s`, after pushing the shapes of its tensors.
fn keep_shapes<S: State>(s: S, shapes: &mut Vec<Shape>) -> S {
    let mut v = Vec::new();
    s.flatten(&mut v);
    shapes.extend(v.iter().map(|t| t.shape().clone()));
    s
}

impl State for Tensor {
    fn flatten(&self, out: &mut Vec<Tensor>) {
        out.push(self.clone());
    }
    fn rebuild(&self, it: &mut std::vec::IntoIter<Tensor>) -> Self {
        it.next().expect("as many tensors as the state flattened to")
    }
}
impl State for () {
    fn flatten(&self, _: &mut Vec<Tensor>) {}
    fn rebuild(&self, _: &mut std::vec::IntoIter<Tensor>) -> Self {}
}
macro_rules! tuple_state {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: State),+> State for ($($t,)+) {
            fn flatten(&self, out: &mut Vec<Tensor>) {
                $(self.$i.flatten(out);)+
            }
            fn rebuild(&self, it: &mut std::vec::IntoIter<Tensor>) -> Self {
                ($(self.$i.rebuild(it),)+)
            }
            fn is_defined(&self) -> bool {
                $(self.$i.is_defined())&&+
            }
            fn define_like(self, like: &Self, shapes: &mut Vec<Shape>) -> Self {
                ($(self.$i.define_like(&like.$i, shapes),)+)
            }
        }
    )*};
}
tuple_state!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3) (A 0, B 1, C 2, D 3, E 4) (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6) (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7) (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9) (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11));

fn to_vec<S: State>(s: &S) -> Vec<Tensor> {
    let mut v = Vec::new();
    s.flatten(&mut v);
    v
}
fn rebuild<S: State>(template: &S, v: Vec<Tensor>) -> S {
    template.rebuild(&mut v.into_iter())
}

/// The condition of an `if`: `bool` runs one branch in Rust; a scalar bool `Tensor` stages
/// `tf::cond` (both branches traced) when tracing. The branches come as one closure
/// `|branch: bool, state| if branch { .. } else { .. }`, so plain Rust code in them borrows
/// and moves exactly as in an `if`; a tensor condition calls it once per branch (so it must
/// be `Fn`: a branch cannot move a captured value).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the condition of an `if` in a #[tf::function]",
    label = "expected `bool` or a scalar bool `Tensor`"
)]
pub trait IfCondition<S, O, F> {
    /// `branches(self, state)`, staged when `self` is a tensor.
    fn if_stmt(self, state: S, branches: F) -> O;
}
impl<S, O, F: FnOnce(bool, S) -> O> IfCondition<S, O, F> for bool {
    fn if_stmt(self, state: S, branches: F) -> O {
        branches(self, state)
    }
}
impl<S: State, O: State, F: Fn(bool, S) -> O> IfCondition<S, O, F> for &Tensor {
    #[track_caller]
    fn if_stmt(self, state: S, branches: F) -> O {
        // A branch may define what the other leaves undefined (a `return` in one branch of a
        // loop's body): stage both once to learn their outputs, so each gives the other's
        // undefined parts placeholders.
        let likes = (crate::graph::trace::tracing() && !state.is_defined())
            .then(|| (trial(|| branches(true, copy(&state))), trial(|| branches(false, copy(&state)))));
        let second = copy(&state);
        let template: RefCell<Option<O>> = RefCell::new(None);
        let keep = |o: O, other: Option<&O>| {
            let o = match other {
                Some(like) => o.define_like(like, &mut Vec::new()),
                None => o,
            };
            let v = to_vec(&o);
            template.borrow_mut().get_or_insert(o);
            v
        };
        let (then_like, else_like) = (likes.as_ref().map(|l| &l.1), likes.as_ref().map(|l| &l.0));
        let out = crate::cond(
            self,
            || keep(branches(true, state), then_like),
            || keep(branches(false, second), else_like),
        );
        let template = template.into_inner().expect("a branch ran or was traced");
        rebuild(&template, out)
    }
}
impl<S: State, O: State, F: Fn(bool, S) -> O> IfCondition<S, O, F> for Tensor {
    #[track_caller]
    fn if_stmt(self, state: S, branches: F) -> O {
        (&self).if_stmt(state, branches)
    }
}

/// `if cond { then } else { else_ }` over `state` (the variables the branches assign):
/// `branches(true, state)` or `branches(false, state)`, both traced for a tensor condition.
#[track_caller]
pub fn if_stmt<C: IfCondition<S, O, F>, S, O, F>(cond: C, state: S, branches: F) -> O {
    cond.if_stmt(state, branches)
}

/// What a `while` condition returns: `bool` loops in Rust, a `Tensor` stages `tf::while_loop`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the condition of a `while` in a #[tf::function]",
    label = "expected `bool` or a scalar bool `Tensor`"
)]
pub trait LoopCondition<S>: Sized {
    /// `while test(state) { state = body(state) }`; `test` hands the state back.
    fn while_stmt(state: S, test: impl Fn(S) -> (Self, S), body: impl Fn(S) -> S) -> S;
}
impl<S> LoopCondition<S> for bool {
    fn while_stmt(mut state: S, test: impl Fn(S) -> (Self, S), body: impl Fn(S) -> S) -> S {
        loop {
            let (go, s) = test(state);
            if !go {
                return s;
            }
            state = body(s);
        }
    }
}
impl<S: State> LoopCondition<S> for Tensor {
    #[track_caller]
    fn while_stmt(state: S, test: impl Fn(S) -> (Self, S), body: impl Fn(S) -> S) -> S {
        if !state.is_defined() && !crate::graph::trace::tracing() {
            // Eagerly a Rust loop: undefined values get theirs as the body runs.
            let mut state = state;
            loop {
                let (go, s) = test(state);
                if !scalar_bool(&go, "while") {
                    return s;
                }
                state = body(s);
            }
        }
        let (state, shapes) = define_for_loop(state, &body);
        let vars = to_vec(&state);
        let options = crate::WhileOptions {
            shape_invariants: shapes,
            ..Default::default()
        };
        let out = crate::while_loop_with(
            |v| test(rebuild(&state, v.to_vec())).0,
            |v| to_vec(&body(rebuild(&state, v.to_vec()))),
            &vars,
            options,
        );
        rebuild(&state, out)
    }
}

/// A staged loop's state with its undefined parts given placeholders shaped like what one
/// iteration (staged in a throwaway graph) makes of them, and the loop's shape invariants
/// (`None` when the state was defined).
#[track_caller]
fn define_for_loop<S: State>(state: S, body: impl FnOnce(S) -> S) -> (S, Option<Vec<Shape>>) {
    if state.is_defined() {
        return (state, None);
    }
    let like = trial(|| body(copy(&state)));
    let mut shapes = Vec::new();
    let state = state.define_like(&like, &mut shapes);
    (state, Some(shapes))
}

/// The value of an eager scalar bool condition.
#[track_caller]
fn scalar_bool(c: &Tensor, what: &str) -> bool {
    crate::api::control::check_pred(c, what);
    c.scalar::<bool>()
}

/// `while test(state) { state = body(state) }`.
#[track_caller]
pub fn while_stmt<C: LoopCondition<S>, S>(state: S, test: impl Fn(S) -> (C, S), body: impl Fn(S) -> S) -> S {
    C::while_stmt(state, test, body)
}

/// A loop-control flag (`break`, `continue`): `bool` in a plain loop, a scalar bool `Tensor`
/// in a staged one.
pub trait Flag: Clone {
    /// The flag, not raised (`false`).
    fn lowered() -> Self;
    /// The flag raised (`true` of the same kind).
    fn raised(&self) -> Self;
    /// `!self`.
    fn not(&self) -> Self;
    /// `!self && !other`.
    fn neither(&self, other: &Self) -> Self;
    /// `!self && cond()`.
    fn not_and(&self, cond: impl FnOnce() -> Self) -> Self;
}
impl Flag for bool {
    fn lowered() -> Self {
        false
    }
    fn raised(&self) -> Self {
        true
    }
    fn not(&self) -> Self {
        !self
    }
    fn neither(&self, other: &Self) -> Self {
        !self && !other
    }
    fn not_and(&self, cond: impl FnOnce() -> Self) -> Self {
        !self && cond()
    }
}
impl Flag for Tensor {
    fn lowered() -> Self {
        crate::constant(false)
    }
    fn raised(&self) -> Self {
        crate::constant(true)
    }
    fn not(&self) -> Self {
        crate::logical_not(self)
    }
    fn neither(&self, other: &Self) -> Self {
        crate::logical_not(&crate::logical_or(self, other))
    }
    fn not_and(&self, cond: impl FnOnce() -> Self) -> Self {
        crate::logical_and(&crate::logical_not(self), &cond())
    }
}

/// `!flag && cond()`: a loop condition with a `break` flag (in a plain loop the condition
/// is not evaluated after a `break`).
pub fn and_not<C: Flag>(flag: &C, cond: impl FnOnce() -> C) -> C {
    flag.not_and(cond)
}

/// The `break` flag of a `while` loop, of the kind its condition has (the closure is never
/// called; it only names the condition's type).
pub fn while_flag<C: Flag>(_cond: impl FnOnce() -> C) -> C {
    C::lowered()
}

/// The scrutinee of a `match` in a `#[tf::function]`: the macro checks that it is not a
/// tensor with `(&MatchScrutinee(&x)).check()`, which resolves to [`TensorScrutinee`] for a
/// tensor (whose bound fails with a message) and to [`PlainScrutinee`] for anything else.
pub struct MatchScrutinee<'a, T: ?Sized>(pub &'a T);

/// Never implemented: the bound that makes `match` on a tensor a compile error.
#[diagnostic::on_unimplemented(
    message = "`match` on a tensor is not supported in a #[tf::function]",
    label = "a tensor: its value is not known while tracing",
    note = "use `if`/`else if` with tensor conditions (`if tf::equal(&x, &k) {{ .. }} else if .. {{ .. }}`), which stage `tf::cond`s"
)]
pub trait MatchableValue {}

/// `Tensor` and `&Tensor`.
pub trait IsTensor {}
impl IsTensor for Tensor {}
impl IsTensor for &Tensor {}

/// The check of a tensor scrutinee: fails to compile.
pub trait TensorScrutinee {
    /// Requires the scrutinee to be matchable, which a tensor is not.
    fn check(&self)
    where
        Self: MatchableValue;
}
impl<T: ?Sized + IsTensor> TensorScrutinee for MatchScrutinee<'_, T> {
    fn check(&self)
    where
        Self: MatchableValue,
    {
    }
}

/// The check of any other scrutinee: passes.
pub trait PlainScrutinee {
    /// Nothing to check.
    fn check(&self);
}
impl<T: ?Sized> PlainScrutinee for &MatchScrutinee<'_, T> {
    fn check(&self) {}
}

/// The kind of flag a condition raises: `bool` for a `bool`, a bool `Tensor` for a tensor.
pub trait FlagKind {
    /// The flag's type.
    type Flag: Flag;
}
impl FlagKind for bool {
    type Flag = bool;
}
impl FlagKind for Tensor {
    type Flag = Tensor;
}
impl FlagKind for &Tensor {
    type Flag = Tensor;
}

/// The `break` (or `continue`) flag of a `loop`, of the kind of the condition its jump sits
/// under (the closure is never called; it only names the condition's type).
pub fn flag_of<C: FlagKind>(_cond: impl FnOnce() -> C) -> C::Flag {
    C::Flag::lowered()
}

/// What a `for` iterates: Rust iterators loop in Rust (unrolled while tracing); a `Tensor`
/// iterates over its first dimension, staged as one `tf::while_loop` when tracing. The state
/// is `(variables, break flag)`; the flag is `()` for a loop without `break`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be iterated by a `for` in a #[tf::function] with this loop state",
    label = "expected a Rust iterator or a `Tensor` (e.g. `tf::range(n)`)"
)]
pub trait ForIterable<S, F> {
    /// The loop variable's type.
    type Item;
    /// `for item in self { if broke { break } state = body(item, state) }`.
    fn for_stmt(self, state: (S, F), body: impl Fn(Self::Item, (S, F)) -> (S, F)) -> (S, F);
}

/// A `break` flag in a plain Rust loop: `()` (the loop has no `break`) or `bool`.
pub trait PlainFlag {
    /// Whether the loop broke.
    fn is_raised(&self) -> bool;
}
impl PlainFlag for () {
    fn is_raised(&self) -> bool {
        false
    }
}
impl PlainFlag for bool {
    fn is_raised(&self) -> bool {
        *self
    }
}

/// A `break` flag in a staged loop: `()` (no `break`) or a scalar bool `Tensor`.
pub trait StagedFlag: State {
    /// The "keep going" test this flag adds to the loop condition.
    fn keep_going(&self) -> Option<Tensor>;
}
impl StagedFlag for () {
    fn keep_going(&self) -> Option<Tensor> {
        None
    }
}
impl StagedFlag for Tensor {
    fn keep_going(&self) -> Option<Tensor> {
        Some(crate::logical_not(self))
    }
}

/// Rust loops at trace time warn above this many iterations, as AutoGraph warns about
/// large unrolled loops.
pub const UNROLL_WARNING_ITERATIONS: usize = 1000;

impl<I: IntoIterator, S, F: PlainFlag> ForIterable<S, F> for I {
    type Item = I::Item;
    #[track_caller]
    fn for_stmt(self, mut state: (S, F), body: impl Fn(Self::Item, (S, F)) -> (S, F)) -> (S, F) {
        let tracing = crate::graph::trace::tracing();
        for (i, x) in self.into_iter().enumerate() {
            if state.1.is_raised() {
                break;
            }
            if tracing && i == UNROLL_WARNING_ITERATIONS {
                let at = std::panic::Location::caller();
                crate::ops::io::emit(format!(
                    "WARNING: Large unrolled loop detected at {at}: a Rust loop ran {UNROLL_WARNING_ITERATIONS} iterations while \
                     tracing, adding its operations to the graph each time. Iterate over `tf::range(n)` or a tensor to stage it as \
                     one While op."
                ));
            }
            state = body(x, state);
        }
        state
    }
}

impl<S: State, F: StagedFlag> ForIterable<S, F> for Tensor {
    type Item = Tensor;
    #[track_caller]
    fn for_stmt(self, state: (S, F), body: impl Fn(Tensor, (S, F)) -> (S, F)) -> (S, F) {
        let n = *self
            .shape()
            .dims()
            .first()
            .unwrap_or_else(|| panic!("for loop: cannot iterate over a scalar tensor (shape {})", self.shape()));
        let src = self.clone();
        let row = |i: &Tensor| crate::squeeze(&crate::gather(&src, &crate::reshape(i, [1]), 0), &[0]);
        if !state.is_defined() && !crate::graph::trace::tracing() {
            // Eagerly a Rust loop: undefined values get theirs as the body runs.
            let mut state = state;
            for i in 0..n {
                if state.1.keep_going().is_some_and(|k| !scalar_bool(&k, "for")) {
                    break;
                }
                state = body(row(&crate::constant(i as i64)), state);
            }
            return state;
        }
        let (state, shapes) = define_for_loop(state, |s| body(row(&crate::constant(0i64)), s));
        let mut vars = vec![crate::constant(0i64)];
        state.flatten(&mut vars);
        let options = crate::WhileOptions {
            shape_invariants: shapes.map(|s| std::iter::once(Shape::scalar()).chain(s).collect()),
            ..Default::default()
        };
        let out = crate::while_loop_with(
            |v| {
                let more = crate::less(&v[0], &crate::constant(n as i64));
                match rebuild(&state, v[1..].to_vec()).1.keep_going() {
                    Some(k) => crate::logical_and(&more, &k),
                    None => more,
                }
            },
            |v| {
                let mut next = vec![&v[0] + 1i64];
                body(row(&v[0]), rebuild(&state, v[1..].to_vec())).flatten(&mut next);
                next
            },
            &vars,
            options,
        );
        rebuild(&state, out[1..].to_vec())
    }
}

/// The iterable of a `for` in a `#[tf::function]`, wrapped so that method resolution picks
/// the staged dataset loop for a `&Dataset` ([`ForDatasetLoop`]) and the [`ForIterable`]
/// dispatch for everything else ([`ForOther`]): the macro calls
/// `(&ForSource::new(iterable)).for_stmt(state, body)` with both traits in scope.
pub struct ForSource<I>(std::cell::Cell<Option<I>>);

impl<I> ForSource<I> {
    /// Wraps the iterable.
    pub fn new(iterable: I) -> Self {
        ForSource(std::cell::Cell::new(Some(iterable)))
    }
    fn take(&self) -> I {
        self.0.take().expect("a for loop's iterable is taken once")
    }
}

/// `for element in dataset` in a `#[tf::function]`: eagerly a Rust loop over a fresh pass;
/// while tracing, one `ForDataset` node whose body is traced once for the dataset's element
/// spec (a batch dimension of `None` included) and runs per element on every call, as
/// TensorFlow stages a dataset loop.
pub trait ForDatasetLoop<S, F> {
    /// The element type.
    type Item;
    /// Runs the loop.
    fn for_stmt(&self, state: (S, F), body: impl Fn(Self::Item, (S, F)) -> (S, F)) -> (S, F);
}

impl<T: crate::data::Structure, S: State, F: StagedFlag + Clone> ForDatasetLoop<S, F> for ForSource<&crate::data::Dataset<T>> {
    type Item = T;
    #[track_caller]
    fn for_stmt(&self, state: (S, F), body: impl Fn(T, (S, F)) -> (S, F)) -> (S, F) {
        let ds = self.take();
        if !crate::graph::trace::tracing() {
            let mut state = state;
            for (k, el) in ds.iter().enumerate() {
                if state.1.keep_going().is_some_and(|k| !scalar_bool(&k, "for")) {
                    break;
                }
                let el = el.unwrap_or_else(|e| panic!("for loop over a dataset: element {k}: {e}"));
                state = body(el, state);
            }
            return state;
        }
        let (template, specs) = ds
            .symbolic_element()
            .unwrap_or_else(|e| panic!("a for loop over a dataset in a #[tf::function] needs its element spec: {e}"));
        let element = |at: &mut dyn Iterator<Item = Tensor>| template.map_tensors(&mut |_| at.next().expect("one tensor per component"));
        // A dataset loop takes no shape invariants: the placeholders keep the traced shapes.
        let (state, _) = define_for_loop(state, |s| body(element(&mut specs.iter().map(crate::graph::trace::placeholder)), s));
        // The `break` flag (when the loop has one) is the last loop variable.
        let vars = to_vec(&state);
        let break_var = state.1.keep_going().map(|_| vars.len() - 1);
        let out = crate::api::dataset_loop(&ds.source(), &specs, &vars, break_var, |v: &[Tensor], el: &[Tensor]| {
            to_vec(&body(element(&mut el.iter().cloned()), rebuild(&state, v.to_vec())))
        });
        rebuild(&state, out)
    }
}

/// Every other `for` source: the [`ForIterable`] dispatch (Rust iterators, tensors).
pub trait ForOther<S, F> {
    /// The loop variable's type.
    type Item;
    /// Runs the loop.
    fn for_stmt(&self, state: (S, F), body: impl Fn(Self::Item, (S, F)) -> (S, F)) -> (S, F);
}

impl<I: ForIterable<S, F>, S, F> ForOther<S, F> for &ForSource<I> {
    type Item = I::Item;
    #[track_caller]
    fn for_stmt(&self, state: (S, F), body: impl Fn(I::Item, (S, F)) -> (S, F)) -> (S, F) {
        self.take().for_stmt(state, body)
    }
}

/// `for item in iterable { state = body(item, state) }` over `(variables, break flag)`.
#[track_caller]
pub fn for_stmt<I: ForIterable<S, F>, S, F>(iterable: I, state: (S, F), body: impl Fn(I::Item, (S, F)) -> (S, F)) -> (S, F) {
    iterable.for_stmt(state, body)
}

/// The flag of a `for` loop with a `break`, `continue` or `return`, of the kind its iterable
/// makes: the macro calls `(&FlagSource(&iterable)).lowered_flag()` with [`DatasetFlag`] and
/// [`OtherFlag`] in scope, so a dataset (whose loop is staged) gets a bool tensor and every
/// other iterable its [`ForFlag`].
pub struct FlagSource<'a, I>(pub &'a I);

/// A dataset loop's flag: a bool tensor.
pub trait DatasetFlag {
    /// The flag, not raised.
    fn lowered_flag(&self) -> Tensor;
}
impl<T> DatasetFlag for FlagSource<'_, &crate::data::Dataset<T>> {
    fn lowered_flag(&self) -> Tensor {
        Tensor::lowered()
    }
}

/// Every other loop's flag: its iterable's [`ForFlag`].
pub trait OtherFlag {
    /// The flag's type.
    type Flag;
    /// The flag, not raised.
    fn lowered_flag(&self) -> Self::Flag;
}
impl<I: ForFlag> OtherFlag for &FlagSource<'_, I> {
    type Flag = I::Flag;
    fn lowered_flag(&self) -> I::Flag {
        ForFlag::lowered_flag(self.0)
    }
}

/// The `break` flag for a `for` over `iterable`: `bool` for a Rust iterator, a bool
/// `Tensor` for a tensor.
pub trait ForFlag {
    /// The flag's type.
    type Flag: Flag;
    /// The flag, not raised.
    fn lowered_flag(&self) -> Self::Flag {
        Self::Flag::lowered()
    }
}
impl<I: IntoIterator> ForFlag for I {
    type Flag = bool;
}
impl ForFlag for Tensor {
    type Flag = Tensor;
}
