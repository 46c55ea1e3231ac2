//! Emits `impl Module`: one `Trackable::track` call per field, spanned at the field's type
//! so a field that is not trackable is reported on the user's line.

use super::parse::Model;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

pub fn impl_module(m: &Model) -> TokenStream {
    let krate = m.krate.as_ref().map_or_else(crate::crate_path::runtime, |p| p.to_token_stream());
    let ident = &m.ident;
    let (impl_g, ty_g, where_c) = m.generics.split_for_impl();
    let mut where_c = where_c.cloned();
    if !m.generics.params.is_empty() {
        let w = where_c.get_or_insert_with(|| syn::parse_quote!(where));
        for f in &m.fields {
            let ty = &f.ty;
            w.predicates.push(syn::parse_quote!(#ty: #krate::module::Trackable));
        }
    }
    let name = &m.name;
    let calls = m.fields.iter().map(|f| {
        let (member, fname, trainable) = (&f.member, &f.name, f.trainable);
        quote_spanned! {f.ty.span()=>
            #krate::module::Trackable::track(&self.#member, ::std::string::String::from(#fname), #trainable, __visitor);
        }
    });
    quote! {
        impl #impl_g #krate::Module for #ident #ty_g #where_c {
            fn name(&self) -> ::std::string::String {
                ::std::string::String::from(#name)
            }
            fn visit_fields<'__a>(&'__a self, __visitor: &mut dyn #krate::module::Visitor<'__a>) {
                #(#calls)*
            }
        }
    }
}

/// A do-nothing impl emitted next to an error, so uses of the type report nothing more.
pub fn fallback(input: &syn::DeriveInput) -> TokenStream {
    if !matches!(input.data, syn::Data::Struct(_) | syn::Data::Enum(_)) {
        return TokenStream::new();
    }
    let krate = crate::crate_path::runtime();
    let ident = &input.ident;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    quote! {
        impl #impl_g #krate::Module for #ident #ty_g #where_c {
            fn name(&self) -> ::std::string::String { ::std::string::String::new() }
            fn visit_fields<'__a>(&'__a self, _: &mut dyn #krate::module::Visitor<'__a>) {}
        }
    }
}
