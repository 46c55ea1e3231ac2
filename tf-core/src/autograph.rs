//! Runtime helpers for AutoGraph: `#[tf::function]` rewrites `if`, `while` and `for` into
//! calls of these, threading the variables a statement assigns through it by value.
//! Dispatch is on the *type* of the condition or iterable: `bool` and Rust iterators keep
//! plain Rust semantics (a `0..n` loop unrolls while tracing, as a Python `range` does), and
//! a `Tensor` stages `tf::cond` / `tf::while_loop`.

use crate::Tensor;

/// A value threaded through a statement: it must flatten to tensors when the statement is
/// staged. Implemented for `Tensor`, `()`, and tuples and `Vec`s of states.
pub trait State: Sized {
    /// Appends this state's tensors.
    fn flatten(&self, out: &mut Vec<Tensor>);
    /// Rebuilds the state from tensors in `flatten`'s order.
    fn unflatten(it: &mut std::vec::IntoIter<Tensor>) -> Self;
}

impl State for Tensor {
    fn flatten(&self, out: &mut Vec<Tensor>) {
        out.push(self.clone());
    }
    fn unflatten(it: &mut std::vec::IntoIter<Tensor>) -> Self {
        it.next().expect("as many tensors as the state flattened to")
    }
}
impl State for () {
    fn flatten(&self, _: &mut Vec<Tensor>) {}
    fn unflatten(_: &mut std::vec::IntoIter<Tensor>) -> Self {}
}
macro_rules! tuple_state {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: State),+> State for ($($t,)+) {
            fn flatten(&self, out: &mut Vec<Tensor>) {
                $(self.$i.flatten(out);)+
            }
            fn unflatten(it: &mut std::vec::IntoIter<Tensor>) -> Self {
                ($($t::unflatten(it),)+)
            }
        }
    )*};
}
tuple_state!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3) (A 0, B 1, C 2, D 3, E 4) (A 0, B 1, C 2, D 3, E 4, F 5));

fn to_vec<S: State>(s: &S) -> Vec<Tensor> {
    let mut v = Vec::new();
    s.flatten(&mut v);
    v
}
fn from_vec<S: State>(v: Vec<Tensor>) -> S {
    S::unflatten(&mut v.into_iter())
}

/// The condition of an `if`: `bool` runs one branch in Rust, a `Tensor` stages `tf::cond`.
pub trait IfCondition {
    /// `if self { then(state) } else { else_(state) }`.
    fn if_stmt<S: State + Clone>(self, state: S, then: impl FnOnce(S) -> S, else_: impl FnOnce(S) -> S) -> S;
}
impl IfCondition for bool {
    fn if_stmt<S: State + Clone>(self, state: S, then: impl FnOnce(S) -> S, else_: impl FnOnce(S) -> S) -> S {
        if self {
            then(state)
        } else {
            else_(state)
        }
    }
}
impl IfCondition for &Tensor {
    #[track_caller]
    fn if_stmt<S: State + Clone>(self, state: S, then: impl FnOnce(S) -> S, else_: impl FnOnce(S) -> S) -> S {
        let s2 = state.clone();
        from_vec(crate::cond(self, || to_vec(&then(state)), || to_vec(&else_(s2))))
    }
}
impl IfCondition for Tensor {
    #[track_caller]
    fn if_stmt<S: State + Clone>(self, state: S, then: impl FnOnce(S) -> S, else_: impl FnOnce(S) -> S) -> S {
        (&self).if_stmt(state, then, else_)
    }
}

/// `if cond { then } else { else_ }` over `state` (the variables the branches assign).
#[track_caller]
pub fn if_stmt<C: IfCondition, S: State + Clone>(cond: C, state: S, then: impl FnOnce(S) -> S, else_: impl FnOnce(S) -> S) -> S {
    cond.if_stmt(state, then, else_)
}

/// What a `while` condition returns: `bool` loops in Rust, a `Tensor` stages `tf::while_loop`.
pub trait LoopCondition: Sized {
    /// `while test(&state) { state = body(state) }`.
    fn while_stmt<S: State>(test: impl Fn(&S) -> Self, body: impl Fn(S) -> S, state: S) -> S;
}
impl LoopCondition for bool {
    fn while_stmt<S: State>(test: impl Fn(&S) -> Self, body: impl Fn(S) -> S, mut state: S) -> S {
        while test(&state) {
            state = body(state);
        }
        state
    }
}
impl LoopCondition for Tensor {
    #[track_caller]
    fn while_stmt<S: State>(test: impl Fn(&S) -> Self, body: impl Fn(S) -> S, state: S) -> S {
        let vars = to_vec(&state);
        from_vec(crate::while_loop(
            |v| test(&from_vec(v.to_vec())),
            |v| to_vec(&body(from_vec(v.to_vec()))),
            &vars,
            None,
        ))
    }
}

/// `while test(&state) { state = body(state) }`.
#[track_caller]
pub fn while_stmt<C: LoopCondition, S: State>(test: impl Fn(&S) -> C, body: impl Fn(S) -> S, state: S) -> S {
    C::while_stmt(test, body, state)
}

/// What a `for` iterates: Rust iterators loop in Rust (unrolled while tracing); a `Tensor`
/// iterates over its first dimension, staged as one `tf::while_loop` when tracing.
pub trait ForIterable {
    /// The loop variable's type.
    type Item;
    /// `for item in self { state = body(item, state) }`.
    fn for_stmt<S: State>(self, state: S, body: impl Fn(Self::Item, S) -> S) -> S;
}
impl<I: IntoIterator> ForIterable for I {
    type Item = I::Item;
    fn for_stmt<S: State>(self, mut state: S, body: impl Fn(Self::Item, S) -> S) -> S {
        for x in self {
            state = body(x, state);
        }
        state
    }
}
impl ForIterable for Tensor {
    type Item = Tensor;
    #[track_caller]
    fn for_stmt<S: State>(self, state: S, body: impl Fn(Tensor, S) -> S) -> S {
        let n = *self
            .shape()
            .dims()
            .first()
            .unwrap_or_else(|| panic!("for_stmt: cannot iterate over a scalar tensor"));
        if !crate::graph::trace::tracing() {
            return crate::unstack(&self, 0).into_iter().fold(state, |s, row| body(row, s));
        }
        let mut vars = vec![crate::constant(0i64)];
        state.flatten(&mut vars);
        let src = self.clone();
        let out = crate::while_loop(
            |v| crate::less(&v[0], &crate::constant(n as i64)),
            |v| {
                let row = crate::squeeze(&crate::gather(&src, &crate::reshape(&v[0], [1]), 0), &[0]);
                let mut next = vec![&v[0] + 1i64];
                body(row, from_vec(v[1..].to_vec())).flatten(&mut next);
                next
            },
            &vars,
            None,
        );
        from_vec(out[1..].to_vec())
    }
}

/// `for item in iterable { state = body(item, state) }`.
#[track_caller]
pub fn for_stmt<I: ForIterable, S: State>(iterable: I, state: S, body: impl Fn(I::Item, S) -> S) -> S {
    iterable.for_stmt(state, body)
}
