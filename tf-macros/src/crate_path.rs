//! Resolves the path generated code uses for the runtime: `::tf` in user crates, the
//! `tf-core` crate inside this workspace (`crate` within `tf-core` itself), or an explicit
//! `crate = path` override.

use proc_macro2::TokenStream;
use proc_macro_crate::{crate_name, FoundCrate};
use quote::{format_ident, quote};

pub fn runtime() -> TokenStream {
    for name in ["tf", "tf-core"] {
        match crate_name(name) {
            Ok(FoundCrate::Itself) if name == "tf-core" => return quote!(crate),
            Ok(FoundCrate::Itself) => return quote!(::tf),
            Ok(FoundCrate::Name(n)) => {
                let id = format_ident!("{}", n);
                return quote!(::#id);
            }
            Err(_) => continue,
        }
    }
    quote!(::tf)
}
