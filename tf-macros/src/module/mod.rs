//! `#[derive(Module)]`: parse the struct into a typed model that keeps spans, validate it,
//! then emit the impl. On error, emit the error plus a fallback impl, so one mistake gives
//! one message.

mod emit;
mod parse;

use proc_macro2::TokenStream;

pub fn derive(input: syn::DeriveInput) -> TokenStream {
    match parse::Model::from_input(&input) {
        Ok(model) => emit::impl_module(&model),
        Err(e) => {
            let fallback = emit::fallback(&input);
            let err = e.to_compile_error();
            quote::quote!(#err #fallback)
        }
    }
}
