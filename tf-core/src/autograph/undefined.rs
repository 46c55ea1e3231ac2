//! Values that a staged statement carries before they have one: a function's return value
//! before the `return` in a loop that sets it ([`Retval`], AutoGraph's `retval_ =
//! UndefinedReturnValue()`), or a `TensorArray` before its first write.
//!
//! A staged loop needs every loop variable's dtype and shape before it traces its body. As
//! AutoGraph does, it stages one iteration in a throwaway graph ([`trial`]) to learn what the
//! undefined values become, then enters the loop with placeholders (zeros) of that dtype and
//! shape. The placeholder is never read: the flag that goes with it (`do_return`) is raised
//! in the same step that gives the value. A staged `if` whose branches disagree about whether
//! a value is defined gives the undefined side the same kind of placeholder.

use super::State;
use crate::graph::trace::{self, Captures};
use crate::{Shape, Tensor};

/// The return value of a function whose `return` sits inside a loop: `#[tf::function]`
/// declares one before the loop, a `return v` in the loop becomes `retval = Retval::new(v)`
/// plus a raised flag and a `break`, and after the loop `if flag { return retval.get() }`.
#[derive(Clone, Debug)]
pub struct Retval<T>(Option<T>);

impl<T> Retval<T> {
    /// No value yet.
    pub fn undefined() -> Self {
        Retval(None)
    }

    /// The value a `return` gave.
    pub fn new(value: T) -> Self {
        Retval(Some(value))
    }

    /// The value.
    ///
    /// # Panics
    /// When no `return` set it (while tracing: a loop whose `return` never ran at trace time,
    /// under a Rust condition that was false, read after the loop under a tensor condition).
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.0.clone().unwrap_or_else(|| {
            panic!(
                "#[tf::function]: the function's return value is read after a loop whose `return` never ran while tracing; \
                 return a value on every path through the loop's body, or move the `return` under a tensor condition"
            )
        })
    }
}

impl<T: State> State for Retval<T> {
    fn flatten(&self, out: &mut Vec<Tensor>) {
        if let Some(v) = &self.0 {
            v.flatten(out);
        }
    }
    fn rebuild(&self, it: &mut std::vec::IntoIter<Tensor>) -> Self {
        Retval(self.0.as_ref().map(|v| v.rebuild(it)))
    }
    fn is_defined(&self) -> bool {
        self.0.as_ref().is_some_and(State::is_defined)
    }
    fn define_like(self, like: &Self, shapes: &mut Vec<Shape>) -> Self {
        match (self.0, &like.0) {
            (Some(v), Some(l)) => Retval(Some(v.define_like(l, shapes))),
            (None, Some(l)) => Retval(Some(placeholders(l, shapes))),
            (v, None) => super::keep_shapes(Retval(v), shapes),
        }
    }
}

/// A state shaped like `like` (traced, possibly with unknown dimensions), all zeros: unknown
/// dimensions become 0, and `shapes` gets `like`'s shapes, so a loop lets them vary.
pub(crate) fn placeholders<S: State>(like: &S, shapes: &mut Vec<Shape>) -> S {
    let mut ts = Vec::new();
    like.flatten(&mut ts);
    let zeros: Vec<Tensor> = ts
        .iter()
        .map(|t| {
            let dims: Vec<usize> = (0..t.rank()).map(|i| t.shape().dim(i).unwrap_or(0)).collect();
            shapes.push(t.shape().clone());
            crate::zeros(dims, t.dtype())
        })
        .collect();
    like.rebuild(&mut zeros.into_iter())
}

/// A copy of a state (the same tensors).
pub(crate) fn copy<S: State>(s: &S) -> S {
    let mut v = Vec::new();
    s.flatten(&mut v);
    s.rebuild(&mut v.into_iter())
}

/// Runs `f` as a subgraph of the trace in progress that is thrown away, with tapes paused:
/// what `f` returns tells the dtypes and shapes the staged statement will produce.
#[track_caller]
pub(crate) fn trial<S>(f: impl FnOnce() -> S) -> S {
    let _paused = crate::tape::pause_all();
    let mut out = None;
    trace::trace_sub("autograph_trial", &[], Captures::default(), |_| {
        out = Some(f());
        Vec::new()
    });
    out.expect("the trial ran")
}
