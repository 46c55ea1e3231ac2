//! `return` canonicalization, in AutoGraph's order before `break`/`continue`:
//! 1. A `return` inside a loop becomes AutoGraph's `do_return`/`retval_`: the function
//!    declares `__tf_retval` (a `Retval`, undefined until set) before its body, each loop
//!    holding a `return` gets a flag of its own kind (`bool` for a Rust loop, a bool tensor
//!    for a staged one), `return v` becomes `{ __tf_retval = Retval::new(v); flag = raised;
//!    break; }`, and after the loop `if flag { return __tf_retval.get(); }` (inside an outer
//!    loop: raise the outer loop's flag and `break` again).
//! 2. Early returns in `if` trees: `s1; if c { s2; return a; } s3; b` becomes
//!    `s1; if c { s2; a } else { s3; b }`, recursively, so every path ends in the value.

use super::analysis::Node;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{parse_quote, Block, Expr, Ident, Stmt};

fn err(span: Span, msg: &str) -> syn::Error {
    syn::Error::new(span, msg)
}

/// Whether `node` contains a `return` of the function (closures and items have their own).
fn find_return<T: Node + ?Sized>(node: &T) -> Option<Span> {
    struct V(Option<Span>);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_return(&mut self, e: &'ast syn::ExprReturn) {
            self.0.get_or_insert(e.return_token.span());
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(None);
    node.visit_with(&mut v);
    v.0
}

/// The loop an expression is, if it is one.
fn loop_body(e: &Expr) -> Option<&Block> {
    match e {
        Expr::ForLoop(f) => Some(&f.body),
        Expr::While(w) => Some(&w.body),
        Expr::Loop(l) => Some(&l.body),
        _ => None,
    }
}

/// The first `return` inside a loop of `node`.
fn find_loop_return<T: Node + ?Sized>(node: &T) -> Option<Span> {
    struct V(Option<Span>);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match loop_body(e) {
                Some(b) if self.0.is_none() => self.0 = find_return(b),
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(None);
    node.visit_with(&mut v);
    v.0
}

/// Rewrites the `return`s inside loops (step 1 above). `ret` is the function's return type,
/// written on the return value's declaration where it can be (not `impl Trait` or a borrow).
pub fn loop_returns(body: &mut Block, rt: &TokenStream, ret: Option<&syn::Type>) -> syn::Result<()> {
    if find_loop_return(body).is_none() {
        return Ok(());
    }
    let mut p = LoopReturns { rt: rt.clone(), next: 0 };
    body.stmts = p.stmts(std::mem::take(&mut body.stmts), None);
    if let Some(span) = find_loop_return(body) {
        return Err(err(
            span,
            "this `return` inside a loop is not supported in a #[tf::function]: write it as a statement (`if c { return v; }`), \
             not inside an expression",
        ));
    }
    let decl: Stmt = match ret.filter(|t| nameable(t)) {
        Some(t) => parse_quote!(let mut __tf_retval: #rt::autograph::Retval<#t> = #rt::autograph::Retval::undefined();),
        None => parse_quote!(let mut __tf_retval = #rt::autograph::Retval::undefined();),
    };
    body.stmts.insert(0, decl);
    Ok(())
}

/// Whether a return type can be written on a local (no `impl Trait`, borrows or `_`).
fn nameable(t: &syn::Type) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = false;
        }
        fn visit_type_reference(&mut self, _: &'ast syn::TypeReference) {
            self.0 = false;
        }
        fn visit_type_infer(&mut self, _: &'ast syn::TypeInfer) {
            self.0 = false;
        }
    }
    let mut v = V(true);
    v.visit_type(t);
    v.0
}

struct LoopReturns {
    rt: TokenStream,
    next: usize,
}

impl LoopReturns {
    /// A statement list; `flag` is the innermost enclosing loop's return flag (`None`
    /// outside loops, where `return`s stay for step 2).
    fn stmts(&mut self, stmts: Vec<Stmt>, flag: Option<&Ident>) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            match s {
                Stmt::Expr(e, _) if loop_body(&e).is_some_and(|b| find_return(b).is_some()) => {
                    out.extend(self.expand_loop(e, flag));
                }
                Stmt::Expr(e, semi) => {
                    // `return v;` becomes a block statement, without the `;`.
                    let semi = if flag.is_some() && matches!(e, Expr::Return(_)) {
                        None
                    } else {
                        semi
                    };
                    out.push(Stmt::Expr(self.expr(e, flag), semi));
                }
                other => out.push(other),
            }
        }
        out
    }

    /// `return`s at statement level in `e` (branches, blocks, match arms) replaced.
    fn expr(&mut self, e: Expr, flag: Option<&Ident>) -> Expr {
        match e {
            Expr::Return(r) if flag.is_some() => {
                let f = flag.expect("inside a loop");
                let rt = &self.rt;
                let span = r.return_token.span();
                let value: Expr = match r.expr {
                    Some(v) => *v,
                    None => parse_quote!(()),
                };
                // The loop goes on (guarded) after the flag is raised, so it still carries the
                // variables the value moves: the value takes copies.
                let copies = super::analysis::bare_uses(&value).into_iter().map(|n| {
                    let n = Ident::new(&n, span);
                    quote_spanned!(span=> let #n = ::std::clone::Clone::clone(&#n);)
                });
                let set = quote_spanned! {span=> {
                    #(#copies)*
                    __tf_retval = #rt::autograph::Retval::new(#value);
                    #f = #rt::autograph::Flag::raised(&#f);
                    break;
                }};
                syn::parse2(set).expect("a block expression")
            }
            Expr::If(mut i) => {
                i.then_branch.stmts = self.stmts(std::mem::take(&mut i.then_branch.stmts), flag);
                if let Some((t, els)) = i.else_branch.take() {
                    i.else_branch = Some((t, Box::new(self.expr(*els, flag))));
                }
                Expr::If(i)
            }
            Expr::Block(mut b) => {
                b.block.stmts = self.stmts(std::mem::take(&mut b.block.stmts), flag);
                Expr::Block(b)
            }
            Expr::Match(mut m) => {
                for arm in &mut m.arms {
                    let body = std::mem::replace(&mut *arm.body, parse_quote!(()));
                    *arm.body = self.expr(body, flag);
                }
                Expr::Match(m)
            }
            other => other,
        }
    }

    /// A loop holding a `return`: its flag declared before it, its body rewritten, and the
    /// test after it.
    fn expand_loop(&mut self, e: Expr, outer: Option<&Ident>) -> Vec<Stmt> {
        self.next += 1;
        let rt = self.rt.clone();
        let n = self.next;
        // A `loop` without a `break` of its own ends only by `return`.
        let only_returns = matches!(&e, Expr::Loop(l) if !super::canonicalize::jumps_in(&l.body).brk);
        let (mut pre, span, lp): (Vec<Stmt>, Span, Expr) = match e {
            Expr::ForLoop(mut fl) => {
                let span = fl.for_token.span();
                let (iter, flag) = (
                    format_ident!("__tf_riter_{}", n, span = span),
                    format_ident!("__tf_ret_{}", n, span = span),
                );
                let src = &fl.expr;
                let lowered = super::canonicalize::for_flag(&rt, &iter);
                let pre = vec![parse_quote!(let #iter = #src;), parse_quote!(let mut #flag = #lowered;)];
                fl.expr = parse_quote!(#iter);
                fl.body.stmts = self.stmts(std::mem::take(&mut fl.body.stmts), Some(&flag));
                (pre, span, Expr::ForLoop(fl))
            }
            Expr::While(mut w) => {
                let span = w.while_token.span();
                let flag = format_ident!("__tf_ret_{}", n, span = span);
                let cond = &w.cond;
                let pre = vec![parse_quote!(let mut #flag = #rt::autograph::while_flag(|| #cond);)];
                w.body.stmts = self.stmts(std::mem::take(&mut w.body.stmts), Some(&flag));
                (pre, span, Expr::While(w))
            }
            Expr::Loop(mut l) => {
                let span = l.loop_token.span();
                let flag = format_ident!("__tf_ret_{}", n, span = span);
                let kind = super::canonicalize::flag_kind(&l.body, super::canonicalize::Jump::Return, &rt);
                let pre = vec![parse_quote!(let mut #flag = #kind;)];
                l.body.stmts = self.stmts(std::mem::take(&mut l.body.stmts), Some(&flag));
                (pre, span, Expr::Loop(l))
            }
            other => unreachable!("expand_loop takes loops, got {}", quote::quote!(#other)),
        };
        let flag = format_ident!("__tf_ret_{}", n, span = span);
        pre.push(Stmt::Expr(lp, None));
        let after = match outer {
            Some(o) => quote_spanned! {span=> if #flag { #o = #rt::autograph::Flag::raised(&#o); break; } },
            None if only_returns => quote_spanned! {span=> return __tf_retval.get(); },
            None => quote_spanned! {span=> if #flag { return __tf_retval.get(); } },
        };
        pre.push(syn::parse2(after).expect("an if statement"));
        pre
    }
}

/// Early returns (step 2 above). A `return` anywhere else (a `match`, a nested block) is a
/// compile error for now.
pub fn lift_returns(stmts: Vec<Stmt>) -> syn::Result<Vec<Stmt>> {
    let mut out = Vec::with_capacity(stmts.len());
    let mut it = stmts.into_iter();
    while let Some(s) = it.next() {
        if find_return(&s).is_none() {
            out.push(s);
            continue;
        }
        let rest: Vec<Stmt> = it.collect();
        match s {
            Stmt::Expr(Expr::Return(r), _) => {
                let value: Expr = match r.expr {
                    Some(e) => *e,
                    None => parse_quote!(()),
                };
                out.push(Stmt::Expr(value, None));
            }
            Stmt::Expr(Expr::If(i), _) => out.push(Stmt::Expr(Expr::If(lift_if(i, rest)?), None)),
            other => {
                let span = find_return(&other).unwrap_or_else(Span::call_site);
                return Err(err(
                    span,
                    "this early `return` is not supported in a #[tf::function] yet (only in `if`/`else` branches and loops): \
                     assign the result to a variable, then return it at the end",
                ));
            }
        }
        return Ok(out);
    }
    Ok(out)
}

fn lift_if(mut i: syn::ExprIf, rest: Vec<Stmt>) -> syn::Result<syn::ExprIf> {
    check_no_shadowing(&i.then_branch, &rest)?;
    let mut then = std::mem::take(&mut i.then_branch.stmts);
    then.extend(rest.iter().cloned());
    i.then_branch.stmts = lift_returns(then)?;
    let else_stmts: Vec<Stmt> = match i.else_branch.take() {
        None => rest,
        Some((_, e)) => match *e {
            Expr::Block(b) => {
                check_no_shadowing(&b.block, &rest)?;
                b.block.stmts.into_iter().chain(rest).collect()
            }
            Expr::If(inner) => vec![Stmt::Expr(Expr::If(lift_if(inner, rest)?), None)],
            other => vec![Stmt::Expr(other, None)].into_iter().chain(rest).collect(),
        },
    };
    let else_stmts = lift_returns(else_stmts)?;
    i.else_branch = Some((
        Default::default(),
        Box::new(Expr::Block(syn::ExprBlock {
            attrs: vec![],
            label: None,
            block: Block {
                brace_token: Default::default(),
                stmts: else_stmts,
            },
        })),
    ));
    Ok(i)
}

/// Moving the statements after an `if` into its branch must not let a `let` in the branch
/// capture a name those statements read.
fn check_no_shadowing(branch: &Block, rest: &[Stmt]) -> syn::Result<()> {
    let read = super::analysis::reads(rest);
    for s in &branch.stmts {
        if let Stmt::Local(l) = s {
            let mut names = Default::default();
            super::analysis::pat_idents(&l.pat, &mut names);
            if let Some(n) = names.iter().find(|n| read.contains(*n)) {
                return Err(err(
                    l.pat.span(),
                    &format!(
                        "this `let {n}` in a branch with an early `return` shadows the `{n}` that the code after the `if` reads: rename it"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn body(src: &str) -> Block {
        syn::parse_str(src).unwrap()
    }

    fn lifted(src: &str) -> String {
        let stmts = lift_returns(body(src).stmts).unwrap();
        quote!(#(#stmts)*).to_string()
    }

    #[test]
    fn returns_in_if_trees_become_branch_values() {
        assert_eq!(lifted("{ let a = 1; if c { return a; } b }"), "let a = 1 ; if c { a } else { b }");
        assert_eq!(
            lifted("{ if c { if d { return x; } y = 2; } z }"),
            "if c { if d { x } else { y = 2 ; z } } else { z }"
        );
        assert_eq!(lifted("{ x = 1; return x; y }"), "x = 1 ; x");
    }

    #[test]
    fn returns_elsewhere_are_errors() {
        let e = lift_returns(body("{ match x { _ => return 1 } 0 }").stmts).unwrap_err();
        assert!(e.to_string().contains("early `return` is not supported"), "{e}");
        let e = lift_returns(body("{ let x = 1; if c { let y = 2; return x; } y }").stmts).unwrap_err();
        assert!(e.to_string().contains("shadows the `y`"), "{e}");
    }

    #[test]
    fn returns_in_loops_become_a_flag_a_value_and_a_break() {
        let mut b = body("{ for i in xs { if c { return i; } } 0 }");
        loop_returns(&mut b, &quote!(tf), Some(&syn::parse_quote!(Tensor))).unwrap();
        let text = quote!(#b).to_string();
        for part in [
            "let mut __tf_retval : tf :: autograph :: Retval < Tensor > = tf :: autograph :: Retval :: undefined () ;",
            "let __tf_riter_1 = xs ; let mut __tf_ret_1 = { # [allow (unused_imports)] use tf :: autograph :: { DatasetFlag as _ , OtherFlag as _ } ; \
             (& tf :: autograph :: FlagSource (& __tf_riter_1)) . lowered_flag () } ;",
            "for i in __tf_riter_1 { if c { { let i = :: std :: clone :: Clone :: clone (& i) ; \
             __tf_retval = tf :: autograph :: Retval :: new (i) ; \
             __tf_ret_1 = tf :: autograph :: Flag :: raised (& __tf_ret_1) ; break ; } } }",
            "if __tf_ret_1 { return __tf_retval . get () ; } 0",
        ] {
            assert!(text.contains(part), "{part}\n  not in\n{text}");
        }
    }

    #[test]
    fn a_return_in_an_inner_loop_breaks_the_outer_one_too() {
        let mut b = body("{ while a { let mut k = 0; loop { if d { return k; } k += 1; } } 1 }");
        loop_returns(&mut b, &quote!(tf), Some(&syn::parse_quote!(impl Sized))).unwrap();
        let text = quote!(#b).to_string();
        for part in [
            "let mut __tf_retval = tf :: autograph :: Retval :: undefined () ;",
            "let mut __tf_ret_1 = tf :: autograph :: while_flag (| | a) ;",
            "let mut __tf_ret_2 = tf :: autograph :: flag_of (| | d) ;",
            "if __tf_ret_2 { __tf_ret_1 = tf :: autograph :: Flag :: raised (& __tf_ret_1) ; break ; }",
            "if __tf_ret_1 { return __tf_retval . get () ; } 1",
        ] {
            assert!(text.contains(part), "{part}\n  not in\n{text}");
        }
    }

    #[test]
    fn a_return_inside_an_expression_in_a_loop_is_an_error() {
        let mut b = body("{ for i in xs { let y = if c { return i; } else { 2 }; } 0 }");
        let e = loop_returns(&mut b, &quote!(tf), None).unwrap_err();
        assert!(e.to_string().contains("not inside an expression"), "{e}");
    }
}
