//! Control-flow lowering: every `if`, `while` and `for` becomes a call of a
//! `tf::autograph` helper that dispatches on the condition's or iterable's type. The
//! variables a statement assigns and that are live after it (branch outputs, loop-carried
//! state) are threaded through its closures by value and assigned back with a destructuring
//! assignment, so the rewrite is correct in any nested block.

use super::analysis::{assigns, bare_uses, pat_idents, reads, Names};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{parse_quote, Block, Expr, Ident, Stmt};

/// The variables in scope at a point, and which of them are declared but not yet assigned.
#[derive(Clone, Default)]
pub struct Scope {
    pub declared: Names,
    pub uninit: Names,
}

pub struct Lower {
    rt: TokenStream,
    next: usize,
}

fn idents(names: &Names, span: Span) -> Vec<Ident> {
    names.iter().map(|n| Ident::new(n, span)).collect()
}

/// `(a, b,)`, `(mut a, mut b,)`.
fn tuple(names: &[Ident], muts: bool) -> TokenStream {
    if muts {
        quote!((#(mut #names,)*))
    } else {
        quote!((#(#names,)*))
    }
}

/// Variables every path through `stmts` assigns (for `let x;` declared before an `if`).
fn definitely_assigns(stmts: &[Stmt]) -> Names {
    let mut out = Names::new();
    for s in stmts {
        if let Stmt::Expr(e, _) = s {
            out.extend(definitely_assigns_expr(e));
        }
    }
    out
}

fn definitely_assigns_expr(e: &Expr) -> Names {
    match e {
        Expr::Assign(a) => super::analysis::base_ident(&a.left).into_iter().collect(),
        Expr::Block(b) => definitely_assigns(&b.block.stmts),
        Expr::If(i) => match &i.else_branch {
            Some((_, els)) => {
                let t = definitely_assigns(&i.then_branch.stmts);
                let e = definitely_assigns_expr(els);
                t.intersection(&e).cloned().collect()
            }
            None => Names::new(),
        },
        _ => Names::new(),
    }
}

impl Lower {
    pub fn new(rt: TokenStream) -> Lower {
        Lower { rt, next: 0 }
    }

    fn fresh(&mut self, base: &str, span: Span) -> Ident {
        self.next += 1;
        format_ident!("__{}_{}", base, self.next, span = span)
    }

    /// Lowers a block; `live_out` is what is read after it, `value` whether its tail
    /// expression is used.
    pub fn block(&mut self, b: Block, scope: &Scope, live_out: &Names, value: bool) -> syn::Result<Block> {
        let mut scope = scope.clone();
        let n = b.stmts.len();
        let mut live_after = vec![live_out.clone(); n];
        for k in (0..n.saturating_sub(1)).rev() {
            let mut l = live_after[k + 1].clone();
            l.extend(reads(&b.stmts[k + 1]));
            live_after[k] = l;
        }
        let mut stmts = Vec::with_capacity(n);
        for (k, s) in b.stmts.into_iter().enumerate() {
            let live = &live_after[k];
            let assigned = match &s {
                Stmt::Expr(e, _) => definitely_assigns_expr(e),
                _ => Names::new(),
            };
            match s {
                Stmt::Local(mut l) => {
                    if let Some(init) = l.init.take() {
                        let expr = self.expr(*init.expr, &scope, live, true)?;
                        l.init = Some(syn::LocalInit {
                            expr: Box::new(expr),
                            ..init
                        });
                        let mut names = Names::new();
                        pat_idents(&l.pat, &mut names);
                        scope.declared.extend(names.iter().cloned());
                        names.iter().for_each(|n| {
                            scope.uninit.remove(n);
                        });
                    } else {
                        let mut names = Names::new();
                        pat_idents(&l.pat, &mut names);
                        scope.declared.extend(names.iter().cloned());
                        scope.uninit.extend(names);
                    }
                    stmts.push(Stmt::Local(l));
                }
                Stmt::Expr(e, semi) => {
                    let is_value = value && semi.is_none() && k + 1 == n;
                    stmts.push(Stmt::Expr(self.expr(e, &scope, live, is_value)?, semi));
                }
                other => stmts.push(other),
            }
            for a in assigned {
                scope.uninit.remove(&a);
            }
        }
        Ok(Block { stmts, ..b })
    }

    /// Lowers the control flow in an expression.
    pub fn expr(&mut self, e: Expr, scope: &Scope, live: &Names, value: bool) -> syn::Result<Expr> {
        match e {
            Expr::If(i) if !matches!(&*i.cond, Expr::Let(_)) => self.lower_if(i, scope, live, value),
            Expr::If(mut i) => {
                // `if let`: plain Rust; lower inside.
                let mut inner = scope.clone();
                if let Expr::Let(l) = &*i.cond {
                    pat_idents(&l.pat, &mut inner.declared);
                }
                i.then_branch = self.block(i.then_branch, &inner, live, value)?;
                if let Some((t, els)) = i.else_branch.take() {
                    i.else_branch = Some((t, Box::new(self.expr(*els, scope, live, value)?)));
                }
                Ok(Expr::If(i))
            }
            Expr::While(w) => self.lower_while(w, scope, live),
            Expr::ForLoop(f) => self.lower_for(f, scope, live),
            Expr::Block(mut b) => {
                b.block = self.block(b.block, scope, live, value)?;
                Ok(Expr::Block(b))
            }
            Expr::Unsafe(mut u) => {
                u.block = self.block(u.block, scope, live, value)?;
                Ok(Expr::Unsafe(u))
            }
            Expr::Loop(mut l) => {
                let mut live = live.clone();
                live.extend(reads(&l.body));
                l.body = self.block(l.body, scope, &live, false)?;
                Ok(Expr::Loop(l))
            }
            Expr::Match(mut m) => {
                for arm in &mut m.arms {
                    let mut inner = scope.clone();
                    pat_idents(&arm.pat, &mut inner.declared);
                    let body = std::mem::replace(&mut *arm.body, parse_quote!(()));
                    *arm.body = self.expr(body, &inner, live, value)?;
                }
                // A tensor's value is unknown while tracing: `match` on one is a compile error
                // at the scrutinee (a type check in a closure that never runs, so the
                // scrutinee is neither evaluated twice nor moved).
                let rt = &self.rt;
                let scrutinee = &m.expr;
                let check = super::respan(
                    &quote! {
                        let _ = || {
                            #[allow(unused_imports)]
                            use #rt::autograph::{PlainScrutinee as _, TensorScrutinee as _};
                            (&#rt::autograph::MatchScrutinee(&(#scrutinee))).check();
                        };
                    },
                    m.expr.span(),
                );
                Ok(parse_quote!({ #check #m }))
            }
            Expr::Closure(c) => Ok(Expr::Closure(c)),
            mut other => {
                let mut live = live.clone();
                live.extend(reads(&other));
                let mut v = Nested {
                    lower: self,
                    scope,
                    live: &live,
                    error: None,
                };
                v.visit_expr_mut(&mut other);
                match v.error {
                    Some(e) => Err(e),
                    None => Ok(other),
                }
            }
        }
    }

    fn lower_if(&mut self, i: syn::ExprIf, scope: &Scope, live: &Names, value: bool) -> syn::Result<Expr> {
        let span = i.if_token.span();
        let rt = super::respan(&self.rt, span);
        let mut assigned = assigns(&i.then_branch);
        let mut bare = bare_uses(&i.then_branch);
        if let Some((_, els)) = &i.else_branch {
            assigned.extend(assigns(&**els));
            bare.extend(bare_uses(&**els));
        }
        let assigned: Names = assigned.into_iter().filter(|n| scope.declared.contains(n)).collect();
        let carried: Names = assigned.iter().filter(|n| live.contains(*n)).cloned().collect();
        // A variable declared without a value before the `if` must be set by both branches.
        let then_sets = definitely_assigns(&i.then_branch.stmts);
        let else_sets = i.else_branch.as_ref().map(|(_, e)| definitely_assigns_expr(e)).unwrap_or_default();
        for u in carried.iter().filter(|u| scope.uninit.contains(*u)) {
            let missing = if !then_sets.contains(u) {
                Some("main")
            } else if !else_sets.contains(u) {
                Some("else")
            } else {
                None
            };
            if let Some(branch) = missing {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{u}` must also be initialized in the {branch} branch: it is used after this `if`, which may be staged \
                         (a tensor condition runs both branches); assign it in both branches, or initialize it before the `if`"
                    ),
                ));
            }
        }
        let ins: Names = carried.iter().filter(|n| !scope.uninit.contains(*n)).cloned().collect();
        let fresh: Vec<Ident> = idents(&carried.iter().filter(|n| scope.uninit.contains(*n)).cloned().collect(), span);
        let outs = idents(&carried, span);
        // Each branch gets its own copy of the outer variables it may move or assigns without
        // them being live after (a staged `if` runs both branches, from one `Fn` closure).
        let copies: Names = bare
            .iter()
            .chain(&assigned)
            .filter(|n| scope.declared.contains(*n) && !ins.contains(*n) && !carried.contains(*n) && *n != "self")
            .cloned()
            .collect();
        let dead_fresh = idents(&copies.iter().filter(|n| scope.uninit.contains(*n)).cloned().collect(), span);
        let copies = idents(&copies.into_iter().filter(|n| !scope.uninit.contains(n)).collect(), span);
        let ins = idents(&ins, span);
        let then_b = self.block(i.then_branch, scope, live, true)?;
        let else_b: Block = match i.else_branch {
            None => parse_quote!({}),
            Some((_, els)) => match *els {
                Expr::Block(b) => self.block(b.block, scope, live, true)?,
                other => {
                    let e = self.expr(other, scope, live, true)?;
                    parse_quote!({ #e })
                }
            },
        };
        let out_t = tuple(&outs, false);
        let in_pat = tuple(&ins, true);
        let in_t = tuple(&ins, false);
        let cond = &i.cond;
        let v = self.fresh("v", span);
        let branch = format_ident!("__branch", span = span);
        let call = quote_spanned! {span=>
            #rt::autograph::if_stmt(#cond, #in_t, |#branch: bool, #in_pat| {
                if #branch {
                    #(let mut #fresh;)*
                    #(let mut #dead_fresh;)*
                    #(let mut #copies = ::std::clone::Clone::clone(&#copies);)*
                    let #v = #then_b;
                    (#out_t, #v)
                } else {
                    #(let mut #fresh;)*
                    #(let mut #dead_fresh;)*
                    #(let mut #copies = ::std::clone::Clone::clone(&#copies);)*
                    let #v = #else_b;
                    (#out_t, #v)
                }
            })
        };
        Ok(if value {
            parse_quote!({ let #v; (#out_t, #v) = #call; #v })
        } else if outs.is_empty() {
            parse_quote!({ _ = #call; })
        } else {
            parse_quote!({ (#out_t, _) = #call; })
        })
    }

    fn lower_while(&mut self, w: syn::ExprWhile, scope: &Scope, live: &Names) -> syn::Result<Expr> {
        let span = w.while_token.span();
        let rt = super::respan(&self.rt, span);
        let mut loop_reads = reads(&*w.cond);
        loop_reads.extend(reads(&w.body));
        let carried = self.loop_carried(&w.body, scope, live, &loop_reads, span)?;
        let dead = self.dead_copies(&w.body, scope, &carried, span);
        let vars = idents(&carried, span);
        let mut body_live = live.clone();
        body_live.extend(loop_reads);
        let body = self.block(w.body, scope, &body_live, false)?;
        let (t, p) = (tuple(&vars, false), tuple(&vars, true));
        let cond = &w.cond;
        let c = format_ident!("__cond", span = span);
        let call = quote_spanned! {span=>
            #rt::autograph::while_stmt(#t, |#t| { let #c = #cond; (#c, #t) }, |#p| { #dead #body; #t })
        };
        Ok(if vars.is_empty() {
            parse_quote!({ _ = #call; })
        } else {
            parse_quote!({ #t = #call; })
        })
    }

    fn lower_for(&mut self, mut f: syn::ExprForLoop, scope: &Scope, live: &Names) -> syn::Result<Expr> {
        let span = f.for_token.span();
        let rt = super::respan(&self.rt, span);
        let flag: Option<Ident> = f
            .attrs
            .iter()
            .position(|a| a.path().is_ident("tf_break"))
            .map(|k| f.attrs.remove(k).parse_args())
            .transpose()?;
        let mut loop_reads = reads(&f.body);
        if let Some(fl) = &flag {
            loop_reads.insert(fl.to_string());
        }
        let mut inner = scope.clone();
        let mut pat_names = Names::new();
        pat_idents(&f.pat, &mut pat_names);
        let mut carried = self.loop_carried(&f.body, scope, live, &loop_reads, span)?;
        if let Some(fl) = &flag {
            carried.remove(&fl.to_string());
        }
        let mut threaded = carried.clone();
        threaded.extend(flag.iter().map(|f| f.to_string()));
        let dead = self.dead_copies(&f.body, scope, &threaded, span);
        inner.declared.extend(pat_names);
        let vars = idents(&carried, span);
        let mut body_live = live.clone();
        body_live.extend(loop_reads);
        let body = self.block(f.body, &inner, &body_live, false)?;
        let (t, p) = (tuple(&vars, false), tuple(&vars, true));
        let (flag_v, flag_p, flag_lhs) = match &flag {
            Some(fl) => (quote!(#fl), quote!(mut #fl), quote!(#fl)),
            None => (quote!(()), quote!(()), quote!(_)),
        };
        let pat = &f.pat;
        let iter = &f.expr;
        let call = quote_spanned! {span=>
            {
                #[allow(unused_imports)]
                use #rt::autograph::{ForDatasetLoop as _, ForOther as _};
                (&#rt::autograph::ForSource::new(#iter)).for_stmt((#t, #flag_v), |#pat, (#p, #flag_p)| { #dead #body; (#t, #flag_v) })
            }
        };
        Ok(if vars.is_empty() && flag.is_none() {
            parse_quote!({ _ = #call; })
        } else {
            parse_quote!({ (#t, #flag_lhs) = #call; })
        })
    }

    /// Copies of the outer variables a loop body assigns but nothing reads afterwards (so they
    /// are not carried): the body's closure cannot assign a captured variable.
    fn dead_copies(&self, body: &Block, scope: &Scope, carried: &Names, span: Span) -> TokenStream {
        let dead: Names = assigns(body)
            .into_iter()
            .filter(|n| scope.declared.contains(n) && !carried.contains(n) && !scope.uninit.contains(n))
            .collect();
        let dead = idents(&dead, span);
        quote!(#(let mut #dead = ::std::clone::Clone::clone(&#dead);)*)
    }

    /// Loop-carried variables: assigned in the body, declared before the loop, and live after
    /// it or read in it. Each must have a value on entry.
    fn loop_carried(&self, body: &Block, scope: &Scope, live: &Names, loop_reads: &Names, span: Span) -> syn::Result<Names> {
        let carried: Names = assigns(body)
            .into_iter()
            .filter(|n| scope.declared.contains(n) && (live.contains(n) || loop_reads.contains(n)))
            .collect();
        if let Some(u) = carried.iter().find(|n| scope.uninit.contains(*n)) {
            return Err(syn::Error::new(
                span,
                format!(
                    "`{u}` must be defined before the loop: it is assigned in the loop and used after it or in the next \
                     iteration, and a staged loop needs a value for it on entry; initialize it before the loop"
                ),
            ));
        }
        Ok(carried)
    }
}

/// Lowers `if`s, loops, blocks and `match`es nested inside another expression.
struct Nested<'a> {
    lower: &'a mut Lower,
    scope: &'a Scope,
    live: &'a Names,
    error: Option<syn::Error>,
}

impl VisitMut for Nested<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Closure(_) => {}
            Expr::If(_) | Expr::While(_) | Expr::ForLoop(_) | Expr::Block(_) | Expr::Match(_) | Expr::Loop(_) | Expr::Unsafe(_) => {
                let taken = std::mem::replace(e, parse_quote!(()));
                match self.lower.expr(taken, self.scope, self.live, true) {
                    Ok(x) => *e = x,
                    Err(err) => {
                        self.error.get_or_insert(err);
                    }
                }
            }
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(src: &str, params: &[&str]) -> String {
        let b: Block = syn::parse_str(src).unwrap();
        let scope = Scope {
            declared: params.iter().map(|s| s.to_string()).collect(),
            uninit: Names::new(),
        };
        let b = Lower::new(quote!(tf)).block(b, &scope, &Names::new(), true).unwrap();
        quote!(#b).to_string()
    }

    #[test]
    fn if_threads_the_assigned_live_variables() {
        let text = lowered("{ let mut y = a; let z = 1; if c { y = b; let t = 2; } y }", &["a", "b", "c"]);
        assert!(
            text.contains("(y ,) , _) = tf :: autograph :: if_stmt (c , (y ,) , | __branch : bool , (mut y ,) |"),
            "{text}"
        );
        assert!(!text.contains("(t ,)"), "a branch-local is not threaded: {text}");
    }

    #[test]
    fn dead_assignments_are_not_threaded() {
        let text = lowered("{ let mut y = a; if c { y = b; } 0 }", &["a", "b", "c"]);
        assert!(text.contains("_ = tf :: autograph :: if_stmt (c , () ,"), "{text}");
    }

    #[test]
    fn if_expression_yields_its_value() {
        let text = lowered("{ let r = if c { a } else { b }; r }", &["a", "b", "c"]);
        assert!(
            text.contains("let r = { let __v_1 ; (() , __v_1) = tf :: autograph :: if_stmt"),
            "{text}"
        );
    }

    #[test]
    fn loops_carry_what_they_assign_and_read() {
        let text = lowered(
            "{ let mut i = 0; let mut s = x; while i < n { let t = s + i; s = t; i = i + 1; } s }",
            &["x", "n"],
        );
        assert!(
            text.contains("(i , s ,) = tf :: autograph :: while_stmt ((i , s ,) , | (i , s ,) | { let __cond = i < n ;"),
            "{text}"
        );
        let text = lowered("{ let mut a = x; for k in tf::range(3) { a = a * k; } a }", &["x"]);
        assert!(
            text.contains(
                "((a ,) , _) = { # [allow (unused_imports)] use tf :: autograph :: { ForDatasetLoop as _ , ForOther as _ } ; (& tf :: autograph :: ForSource :: new \
                 (tf :: range (3))) . for_stmt (((a ,) , ()) , | k , ((mut a ,) , ()) |"
            ),
            "{text}"
        );
    }

    #[test]
    fn one_sided_initialization_is_an_error() {
        let b: Block = syn::parse_str("{ let y; if c { y = 1; } y }").unwrap();
        let scope = Scope {
            declared: ["c".to_string()].into(),
            uninit: Names::new(),
        };
        let e = Lower::new(quote!(tf)).block(b, &scope, &Names::new(), true).unwrap_err();
        assert!(e.to_string().contains("`y` must also be initialized in the else branch"), "{e}");
        let b: Block = syn::parse_str("{ let y; while c { y = 1; } y }").unwrap();
        let e = Lower::new(quote!(tf)).block(b, &scope, &Names::new(), true).unwrap_err();
        assert!(e.to_string().contains("`y` must be defined before the loop"), "{e}");
    }
}
