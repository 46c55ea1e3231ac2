//! `#[tf::function]`: parse the options and the signature, run AutoGraph's passes on the
//! body (canonicalize → lower, each in its own file), then emit a function with the same
//! signature that traces the converted body once per trace key and runs the graph.
//!
//! One body serves both modes: with `tf::run_functions_eagerly(true)` the converted body
//! runs eagerly (the helpers then execute one branch / loop in Rust). The original body is
//! not kept, because it does not compile on its own once a condition is a `Tensor`, and a
//! second copy would report every user error twice. State is assigned back with a
//! destructuring assignment (`(x, y) = tf::autograph::if_stmt(..)`) rather than rebound
//! with `let`, so a staged statement nested in any plain block updates the right variables.

mod analysis;
mod canonicalize;
mod lower;
mod returns;

use analysis::Names;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, Type};

/// The attribute's options.
#[derive(Default)]
struct Options {
    autograph: bool,
    rt: Option<TokenStream>,
    /// `input_signature = [spec, ...]`: an expression yielding `TensorSpec`s.
    input_signature: Option<syn::Expr>,
    reduce_retracing: bool,
}

fn parse_options(attr: TokenStream) -> syn::Result<Options> {
    let mut o = Options {
        autograph: true,
        ..Options::default()
    };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("autograph") {
            o.autograph = meta.value()?.parse::<syn::LitBool>()?.value;
        } else if meta.path.is_ident("jit_compile") {
            // Accepted: graphs always go through the optimizer's passes (fusion included).
            meta.value()?.parse::<syn::LitBool>()?;
        } else if meta.path.is_ident("crate") {
            let p: syn::Path = meta.value()?.parse()?;
            o.rt = Some(quote!(#p));
        } else if meta.path.is_ident("input_signature") {
            o.input_signature = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("reduce_retracing") {
            o.reduce_retracing = if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::LitBool>()?.value
            } else {
                true
            };
        } else {
            return Err(meta.error(
                "unknown #[tf::function] option; expected `autograph`, `jit_compile`, `input_signature`, `reduce_retracing` or `crate`",
            ));
        }
        Ok(())
    });
    parser.parse2(attr)?;
    Ok(o)
}

/// How a parameter enters the function.
enum Param {
    /// `&Tensor` or `Tensor`: a graph input.
    Tensor { name: Ident, by_ref: bool },
    /// `&[Tensor]`, `Vec<Tensor>`, `&Vec<Tensor>`: several graph inputs.
    Tensors { name: Ident, kind: ListKind },
    /// Anything else: its value (or identity) keys the trace.
    Plain { name: Ident, by_ref: bool },
}

#[derive(Clone, Copy)]
enum ListKind {
    Slice,
    Vec,
    VecRef,
}

fn is_tensor(t: &Type) -> bool {
    matches!(t, Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Tensor" && s.arguments.is_none()))
}

fn vec_of_tensor(t: &Type) -> bool {
    let Type::Path(p) = t else { return false };
    let Some(last) = p.path.segments.last() else { return false };
    if last.ident != "Vec" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => {
            a.args.len() == 1 && matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if is_tensor(t))
        }
        _ => false,
    }
}

fn classify(name: Ident, ty: &Type) -> Param {
    match ty {
        Type::Reference(r) => match &*r.elem {
            t if is_tensor(t) => Param::Tensor { name, by_ref: true },
            Type::Slice(s) if is_tensor(&s.elem) => Param::Tensors {
                name,
                kind: ListKind::Slice,
            },
            t if vec_of_tensor(t) => Param::Tensors {
                name,
                kind: ListKind::VecRef,
            },
            _ => Param::Plain { name, by_ref: true },
        },
        t if is_tensor(t) => Param::Tensor { name, by_ref: false },
        t if vec_of_tensor(t) => Param::Tensors { name, kind: ListKind::Vec },
        _ => Param::Plain { name, by_ref: false },
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item_tokens = item.clone();
    match syn::parse2::<ItemFn>(item) {
        Ok(f) => match parse_options(attr).and_then(|o| emit(o, f.clone())) {
            Ok(ts) => ts,
            Err(e) => {
                // The error, and the function with a body that type-checks, so the one
                // message is not followed by errors from the unconverted body.
                let err = e.to_compile_error();
                let (attrs, vis, sig) = (&f.attrs, &f.vis, &f.sig);
                quote! {
                    #err
                    #(#attrs)*
                    #[allow(unused_variables)]
                    #vis #sig {
                        ::core::unreachable!("#[tf::function] did not expand")
                    }
                }
            }
        },
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #item_tokens)
        }
    }
}

/// `tokens` with every token's span set to `span` (so a trait-bound error on a generated
/// call lands on the user's `if`/`while`/`for`).
pub fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut t| {
            if let proc_macro2::TokenTree::Group(g) = &t {
                let mut ng = proc_macro2::Group::new(g.delimiter(), respan(&g.stream(), span));
                ng.set_span(span);
                t = proc_macro2::TokenTree::Group(ng);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

/// Runs the passes on a function body.
fn convert(mut body: syn::Block, params: &Names, rt: &TokenStream, ret: Option<&Type>) -> syn::Result<syn::Block> {
    canonicalize::check_supported(&body)?;
    returns::loop_returns(&mut body, rt, ret)?;
    let stmts = returns::lift_returns(body.stmts)?;
    let mut body = syn::Block { stmts, ..body };
    canonicalize::lower_jumps(&mut body, rt)?;
    let scope = lower::Scope {
        declared: params.clone(),
        uninit: Names::new(),
    };
    lower::Lower::new(rt.clone()).block(body, &scope, &Names::new(), true)
}

fn emit(o: Options, f: ItemFn) -> syn::Result<TokenStream> {
    let rt = o.rt.clone().unwrap_or_else(crate::crate_path::runtime);
    let sig = &f.sig;
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new(a.span(), "an `async fn` cannot be a #[tf::function]"));
    }
    let mut params = Vec::new();
    let mut receiver = false;
    let mut names = Names::new();
    let mut closure_params = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => {
                if r.reference.is_none() || r.mutability.is_some() {
                    return Err(syn::Error::new(
                        r.span(),
                        "a #[tf::function] method takes `&self` (its variables are captured; traces are per instance)",
                    ));
                }
                receiver = true;
                names.insert("self".into());
            }
            FnArg::Typed(pt) => {
                let name = match &*pt.pat {
                    Pat::Ident(i) if i.subpat.is_none() => i.ident.clone(),
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "a #[tf::function] parameter must be a plain name (`x: &Tensor`); destructure it in the body",
                        ))
                    }
                };
                names.insert(name.to_string());
                let pat = &pt.pat;
                let ty = &pt.ty;
                closure_params.push(quote!(#pat: #ty));
                params.push(classify(name, ty));
            }
        }
    }
    if let Some(sigexpr) = &o.input_signature {
        // TensorFlow's rule: with an input signature every input is a tensor.
        if let Some(Param::Plain { name, .. }) = params.iter().find(|p| matches!(p, Param::Plain { .. })) {
            return Err(syn::Error::new(
                name.span(),
                "with `input_signature`, every parameter of a #[tf::function] must be a tensor (`&Tensor`, `Tensor`, `&[Tensor]` or \
                 `Vec<Tensor>`): a plain value would need a trace of its own",
            ));
        }
        let singles = params.iter().all(|p| matches!(p, Param::Tensor { .. }));
        if let (true, syn::Expr::Array(a)) = (singles, sigexpr) {
            if a.elems.len() != params.len() {
                return Err(syn::Error::new(
                    a.span(),
                    format!(
                        "`input_signature` lists {}, but the function takes {}",
                        plural(a.elems.len(), "spec"),
                        plural(params.len(), "tensor parameter")
                    ),
                ));
            }
        }
    }
    let name = &sig.ident;
    let fname = name.to_string();
    let ret = match &sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, t) => quote!(#t),
    };
    let body = if o.autograph {
        let ret_ty = match &sig.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, t) => Some(&**t),
        };
        convert((*f.block).clone(), &names, &rt, ret_ty)?
    } else {
        (*f.block).clone()
    };
    let arg_names: Vec<&Ident> = params
        .iter()
        .map(|p| match p {
            Param::Tensor { name, .. } | Param::Tensors { name, .. } | Param::Plain { name, .. } => name,
        })
        .collect();
    let span = Span::call_site();
    let mut key = Vec::new();
    let mut args = Vec::new();
    let mut rebind = Vec::new();
    if receiver {
        key.push(quote!(#rt::autograph::TraceKey::trace_key(self, &mut __tf_key);));
    }
    // A generic function's instantiations share its one `Function` (a static in a generic
    // function is shared): each type and const parameter keys the trace.
    for g in sig.generics.params.iter() {
        match g {
            syn::GenericParam::Type(t) => {
                let id = &t.ident;
                key.push(quote!(__tf_key.write(::std::any::type_name::<#id>());));
            }
            syn::GenericParam::Const(c) => {
                let id = &c.ident;
                key.push(quote!(__tf_key.write(&#id);));
            }
            syn::GenericParam::Lifetime(_) => {}
        }
    }
    for p in &params {
        match p {
            Param::Plain { name, by_ref: true } => {
                key.push(quote_spanned!(name.span()=> #rt::autograph::TraceKey::trace_key(#name, &mut __tf_key);))
            }
            Param::Plain { name, by_ref: false } => {
                key.push(quote_spanned!(name.span()=> #rt::autograph::TraceKey::trace_key(&#name, &mut __tf_key);))
            }
            Param::Tensor { name, by_ref } => {
                args.push(quote!(__tf_args.push(::std::clone::Clone::clone(&*#name));));
                rebind.push(if *by_ref {
                    quote!(let #name: &#rt::Tensor = &__tf_ph[__tf_at]; __tf_at += 1;)
                } else {
                    quote!(let #name: #rt::Tensor = __tf_ph[__tf_at].clone(); __tf_at += 1;)
                });
            }
            Param::Tensors { name, kind } => {
                let len = format_ident!("__tf_len_{}", name);
                args.push(quote!(let #len = #name.len(); __tf_args.extend(#name.iter().cloned());));
                let slice = quote!(__tf_ph[__tf_at..__tf_at + #len]);
                rebind.push(match kind {
                    ListKind::Slice => quote!(let #name: &[#rt::Tensor] = &#slice; __tf_at += #len;),
                    ListKind::Vec => quote!(let #name: ::std::vec::Vec<#rt::Tensor> = #slice.to_vec(); __tf_at += #len;),
                    ListKind::VecRef => {
                        quote!(let #name: ::std::vec::Vec<#rt::Tensor> = #slice.to_vec(); let #name = &#name; __tf_at += #len;)
                    }
                });
            }
        }
    }
    let code = to_code(&f, &body);
    let function_fn = format_ident!("__tf_function_{}", name);
    let code_fn = format_ident!("__tf_autograph_{}", name);
    let vis = &f.vis;
    let mut builder = quote!(#rt::Function::staged(#fname));
    if let Some(e) = &o.input_signature {
        builder = quote_spanned!(e.span()=> #builder.input_signature(#e));
    }
    if o.reduce_retracing {
        builder = quote!(#builder.reduce_retracing(true));
    }
    let the_function = quote! {{
        static __TF_FUNCTION: ::std::sync::OnceLock<#rt::Function> = ::std::sync::OnceLock::new();
        __TF_FUNCTION.get_or_init(|| #builder)
    }};
    let (function_ref, companions) = if receiver {
        // A method's companions cannot be items beside it (it may sit in a trait impl): it
        // registers itself at its first call, for `tf::function_of!(value.method)`.
        let registered = quote! {{
            static __TF_FUNCTION: ::std::sync::OnceLock<#rt::Function> = ::std::sync::OnceLock::new();
            let mut __tf_first = false;
            let __tf_f = __TF_FUNCTION.get_or_init(|| {
                __tf_first = true;
                #builder
            });
            if __tf_first {
                #rt::autograph::register_method(::std::any::type_name::<Self>(), #fname, __tf_f, #code);
            }
            __tf_f
        }};
        (registered, quote!())
    } else {
        (
            quote!(#function_fn()),
            quote! {
                #[doc(hidden)]
                #[allow(non_snake_case, dead_code)]
                #vis fn #function_fn() -> &'static #rt::Function #the_function
                #[doc(hidden)]
                #[allow(non_snake_case, dead_code)]
                #vis fn #code_fn() -> &'static str { #code }
            },
        )
    };
    let attrs = &f.attrs;
    let block = quote_spanned! {span=>
        {
            #[allow(unused_mut, unused_variables, unused_assignments, unused_parens, unused_braces, unreachable_code, clippy::all)]
            let __tf_body = |#(#closure_params),*| -> #ret #body;
            if #rt::autograph::run_eagerly() {
                return __tf_body(#(#arg_names),*);
            }
            let __tf_fn: &'static #rt::Function = #function_ref;
            let mut __tf_key = #rt::autograph::Key::new();
            #(#key)*
            let mut __tf_args: ::std::vec::Vec<#rt::Tensor> = ::std::vec::Vec::new();
            #(#args)*
            __tf_fn.call_staged(__tf_key.finish(), &__tf_args, move |__tf_ph: &[#rt::Tensor]| {
                let mut __tf_at = 0usize;
                #(#rebind)*
                __tf_body(#(#arg_names),*)
            })
        }
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig #block
        #companions
    })
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The converted function, formatted (what `tf::autograph::to_code` shows).
fn to_code(f: &ItemFn, body: &syn::Block) -> String {
    let item = ItemFn {
        attrs: vec![],
        vis: f.vis.clone(),
        sig: f.sig.clone(),
        block: Box::new(body.clone()),
    };
    let file = syn::File {
        shebang: None,
        attrs: vec![],
        items: vec![syn::Item::Fn(item)],
    };
    prettyplease::unparse(&file)
}

/// `tf::function_of!(path::f)` / `tf::to_code!(path::f)`: the companion item of a
/// `#[tf::function]` free function; `tf::function_of!(value.method)` /
/// `tf::to_code!(value.method)`: what a method registered at its first call.
pub fn companion(input: TokenStream, prefix: &str, method: &str) -> TokenStream {
    let rt = crate::crate_path::runtime();
    match syn::parse2::<syn::Expr>(input) {
        Ok(syn::Expr::Path(mut p)) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last_mut() else {
                return quote!(compile_error!("expected the path of a #[tf::function]"));
            };
            last.ident = format_ident!("{}{}", prefix, last.ident, span = last.ident.span());
            let path = &p.path;
            quote!(#path())
        }
        Ok(syn::Expr::Field(f)) => match &f.member {
            syn::Member::Named(name) => {
                let (base, name, method) = (&f.base, name.to_string(), format_ident!("{}", method));
                quote!(#rt::autograph::#method(&#base, #name))
            }
            syn::Member::Unnamed(i) => syn::Error::new(i.span(), "expected a method name").to_compile_error(),
        },
        Ok(other) => syn::Error::new(
            other.span(),
            "expected the path of a #[tf::function] (`f`, `module::f`) or a method of a value (`layer.call`)",
        )
        .to_compile_error(),
        Err(e) => e.to_compile_error(),
    }
}
