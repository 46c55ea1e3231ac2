//! Procedural macros of `tf`: `#[derive(tf::Module)]` (this file holds only entry points;
//! each macro lives in its own folder, split into parse → validate → emit). The
//! `#[tf::function]` attribute joins with the AutoGraph work.

mod crate_path;
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
