//! What a `#[tf::function]` needs from its arguments and results: plain arguments hash into
//! the trace key ([`TraceKey`]); results flatten to the graph's outputs and are rebuilt
//! from them ([`Output`]).

use crate::{Module, Tensor, Variable};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Whether `tf::run_functions_eagerly(true)` is in effect.
pub fn run_eagerly() -> bool {
    crate::function::functions_run_eagerly()
}

/// A trace key being built from a call's plain arguments.
#[derive(Default)]
pub struct Key(DefaultHasher);

impl Key {
    /// An empty key.
    pub fn new() -> Key {
        Key::default()
    }
    /// Adds a hashable value.
    pub fn write<T: Hash + ?Sized>(&mut self, v: &T) {
        v.hash(&mut self.0);
    }
    /// The finished key.
    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// A plain (non-tensor) argument of a `#[tf::function]`: its value is part of the trace key,
/// so a call with a new value traces again (as a Python argument does in TensorFlow).
/// Variables and modules are keyed by identity.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a plain argument of a #[tf::function]",
    label = "not a tensor, so its value must key the trace",
    note = "plain arguments must implement `tf::autograph::TraceKey`: numbers, `bool`, `char`, strings, and tuples, \
            `Option`s, arrays and `Vec`s of them, `tf::Variable`s and `tf::Module`s (by identity); pass tensors as `&Tensor`"
)]
pub trait TraceKey {
    /// Adds this value to `key`.
    fn trace_key(&self, key: &mut Key);
}

macro_rules! hashed {
    ($($t:ty)*) => {$(
        impl TraceKey for $t {
            fn trace_key(&self, key: &mut Key) {
                key.write(self);
            }
        }
    )*};
}
hashed!(bool char i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize String str);

impl TraceKey for f32 {
    fn trace_key(&self, key: &mut Key) {
        key.write(&self.to_bits());
    }
}
impl TraceKey for f64 {
    fn trace_key(&self, key: &mut Key) {
        key.write(&self.to_bits());
    }
}
impl<T: TraceKey> TraceKey for Option<T> {
    fn trace_key(&self, key: &mut Key) {
        key.write(&self.is_some());
        if let Some(v) = self {
            v.trace_key(key);
        }
    }
}
impl<T: TraceKey> TraceKey for [T] {
    fn trace_key(&self, key: &mut Key) {
        key.write(&self.len());
        self.iter().for_each(|v| v.trace_key(key));
    }
}
impl<T: TraceKey, const N: usize> TraceKey for [T; N] {
    fn trace_key(&self, key: &mut Key) {
        self.as_slice().trace_key(key);
    }
}
impl<T: TraceKey> TraceKey for Vec<T> {
    fn trace_key(&self, key: &mut Key) {
        self.as_slice().trace_key(key);
    }
}
macro_rules! tuple_key {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: TraceKey),+> TraceKey for ($($t,)+) {
            fn trace_key(&self, key: &mut Key) {
                $(self.$i.trace_key(key);)+
            }
        }
    )*};
}
tuple_key!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3));

impl TraceKey for Variable {
    fn trace_key(&self, key: &mut Key) {
        key.write(&self.handle_id());
    }
}
/// A module is keyed by its address and the identities of its variables, so traces are
/// per instance (a traced graph captures the instance's variables).
impl<M: Module> TraceKey for M {
    fn trace_key(&self, key: &mut Key) {
        key.write(&(self as *const M as *const () as usize));
        for v in self.variables() {
            key.write(&v.handle_id());
        }
    }
}

/// A dataset is keyed by identity (its clones share it): the graph holds the dataset a
/// staged `for` iterates.
impl<T: Send + 'static> TraceKey for crate::data::Dataset<T> {
    fn trace_key(&self, key: &mut Key) {
        key.write(&self.identity());
    }
}

/// What a `#[tf::function]` returns: flattened to the graph's outputs and rebuilt from them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a #[tf::function]",
    note = "return a `Tensor`, `()`, or tuples, `Vec`s and `Option`s of tensors"
)]
pub trait Output: Sized {
    /// Appends the tensors, and the lengths of any `Vec`s and `Option`s to `structure`.
    fn flatten_output(self, out: &mut Vec<Tensor>, structure: &mut Vec<usize>);
    /// Rebuilds a value from tensors and the structure `flatten_output` recorded.
    fn unflatten_output(it: &mut std::vec::IntoIter<Tensor>, structure: &mut std::slice::Iter<usize>) -> Self;
}

impl Output for Tensor {
    fn flatten_output(self, out: &mut Vec<Tensor>, _: &mut Vec<usize>) {
        out.push(self);
    }
    fn unflatten_output(it: &mut std::vec::IntoIter<Tensor>, _: &mut std::slice::Iter<usize>) -> Self {
        it.next().expect("as many outputs as were traced")
    }
}
impl Output for () {
    fn flatten_output(self, _: &mut Vec<Tensor>, _: &mut Vec<usize>) {}
    fn unflatten_output(_: &mut std::vec::IntoIter<Tensor>, _: &mut std::slice::Iter<usize>) -> Self {}
}
impl<T: Output> Output for Vec<T> {
    fn flatten_output(self, out: &mut Vec<Tensor>, structure: &mut Vec<usize>) {
        structure.push(self.len());
        self.into_iter().for_each(|v| v.flatten_output(out, structure));
    }
    fn unflatten_output(it: &mut std::vec::IntoIter<Tensor>, structure: &mut std::slice::Iter<usize>) -> Self {
        let n = *structure.next().expect("a traced length");
        (0..n).map(|_| T::unflatten_output(it, structure)).collect()
    }
}
impl<T: Output> Output for Option<T> {
    fn flatten_output(self, out: &mut Vec<Tensor>, structure: &mut Vec<usize>) {
        structure.push(self.is_some() as usize);
        if let Some(v) = self {
            v.flatten_output(out, structure);
        }
    }
    fn unflatten_output(it: &mut std::vec::IntoIter<Tensor>, structure: &mut std::slice::Iter<usize>) -> Self {
        (*structure.next().expect("a traced option") == 1).then(|| T::unflatten_output(it, structure))
    }
}
macro_rules! tuple_output {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: Output),+> Output for ($($t,)+) {
            fn flatten_output(self, out: &mut Vec<Tensor>, structure: &mut Vec<usize>) {
                $(self.$i.flatten_output(out, structure);)+
            }
            fn unflatten_output(it: &mut std::vec::IntoIter<Tensor>, structure: &mut std::slice::Iter<usize>) -> Self {
                ($($t::unflatten_output(it, structure),)+)
            }
        }
    )*};
}
tuple_output!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3) (A 0, B 1, C 2, D 3, E 4) (A 0, B 1, C 2, D 3, E 4, F 5));

/// A `#[tf::function]` method's `Function` and generated code, under the implementing
/// type's name and the method's name.
struct Method {
    ty: &'static str,
    name: &'static str,
    function: &'static crate::Function,
    code: &'static str,
}

static METHODS: std::sync::Mutex<Vec<Method>> = std::sync::Mutex::new(Vec::new());

/// Records a `#[tf::function]` method at its first call (the macro calls this: a method's
/// companions cannot be items beside it, since it may sit in a trait impl).
#[doc(hidden)]
pub fn register_method(ty: &'static str, name: &'static str, function: &'static crate::Function, code: &'static str) {
    METHODS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Method { ty, name, function, code });
}

/// The type name of `T` without leading references, as a method's `Self` names it.
fn owner<T: ?Sized>() -> &'static str {
    std::any::type_name::<T>().trim_start_matches('&')
}

#[track_caller]
fn method<T: ?Sized, R>(name: &str, pick: impl FnOnce(&Method) -> R) -> R {
    let ty = owner::<T>();
    let methods = METHODS.lock().unwrap_or_else(|p| p.into_inner());
    match methods.iter().find(|m| m.ty == ty && m.name == name) {
        Some(m) => pick(m),
        None => {
            panic!("`{ty}::{name}` is not a #[tf::function] method that has been called yet: a method's Function is made at its first call")
        }
    }
}

/// The `Function` behind the `#[tf::function]` method `name` of `value`'s type:
/// `tf::function_of!(value.name)` (TensorFlow's `obj.method`). One `Function` serves every
/// instance; its traces are keyed by instance.
///
/// # Panics
/// When no such method has been called yet.
#[track_caller]
pub fn method_function<T: ?Sized>(_value: &T, name: &str) -> &'static crate::Function {
    method::<T, _>(name, |m| m.function)
}

/// The code `#[tf::function]` generated for the method `name` of `value`'s type:
/// `tf::to_code!(value.name)`.
///
/// # Panics
/// When no such method has been called yet.
#[track_caller]
pub fn method_code<T: ?Sized>(_value: &T, name: &str) -> &'static str {
    method::<T, _>(name, |m| m.code)
}
