//! Procedural macros of `tf`: `#[tf::function]` and `#[derive(tf::Module)]` (this file holds
//! only entry points; each macro lives in its own folder).

mod crate_path;
mod function;
mod module;

use proc_macro::TokenStream;

/// `#[derive(tf::Module)]`: implements `tf::Module` for a struct by walking its fields in
/// attribute-name order. Fields are classified by the `tf::Trackable` trait (variables,
/// modules, containers of them; plain data holds nothing).
///
/// Attributes: on the struct `#[module(name = "...")]`, `#[module(crate = path)]`; on a
/// field `#[module(skip)]`, `#[module(name = "...")]`, `#[module(trainable = false)]`.
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    module::derive(syn::parse_macro_input!(input as syn::DeriveInput)).into()
}

/// `#[tf::function]`: AutoGraph done by the compiler. The function keeps its signature; its
/// body's `if`/`while`/`for`/`loop`, `break`, `continue` and early `return` are rewritten
/// into `tf::autograph` calls that run as plain Rust for `bool` conditions and Rust
/// iterators, and stage `If`/`While` graph nodes for tensor conditions and tensor (or
/// `tf::range`) loops. Calls trace once per trace key (tensor dtypes and shapes, the values
/// of plain arguments, the identity of `&self`) and then run the cached graph.
///
/// Options: `autograph = false` (trace the body as written), `jit_compile = true`
/// (accepted), `crate = path` (the runtime crate's path).
#[proc_macro_attribute]
pub fn function(attr: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(attr.into(), item.into()).into()
}

/// `tf::function_of!(f)`: the `tf::Function` behind the `#[tf::function]` free function `f`
/// (its `tracing_count()` and traced `concrete_functions()`); `tf::function_of!(value.method)`
/// for a method (TensorFlow's `obj.method`), once it has been called.
#[proc_macro]
pub fn function_of(input: TokenStream) -> TokenStream {
    function::companion(input.into(), "__tf_function_", "method_function").into()
}

/// `tf::to_code!(f)`: the code `#[tf::function]` generated for the free function `f`, as text;
/// `tf::to_code!(value.method)` for a method, once it has been called.
#[proc_macro]
pub fn to_code(input: TokenStream) -> TokenStream {
    function::companion(input.into(), "__tf_autograph_", "method_code").into()
}
