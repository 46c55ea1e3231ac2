//! The canonicalization passes, in AutoGraph's order, before control flow is lowered:
//! unsupported constructs are rejected with a span; `return`s are rewritten (`returns.rs`);
//! then each loop's `break` and `continue` become flags (`extra_test` in the loop condition,
//! guards on the statements after a possible jump).

use super::analysis::{Names, Node};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{parse_quote, Block, Expr, Ident, Stmt};

fn err(span: Span, msg: &str) -> syn::Error {
    syn::Error::new(span, msg)
}

/// Rejects what cannot be staged yet, each with one message naming the construct and the fix.
pub fn check_supported(body: &Block) -> syn::Result<()> {
    struct V(Option<syn::Error>);
    impl V {
        fn fail(&mut self, span: Span, msg: &str) {
            if self.0.is_none() {
                self.0 = Some(err(span, msg));
            }
        }
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_try(&mut self, e: &'ast syn::ExprTry) {
            self.fail(
                e.question_token.span(),
                "the `?` operator is not supported in a #[tf::function]: handle the error with `match`/`unwrap_or_else`, or call the fallible code outside the function",
            );
        }
        fn visit_expr_async(&mut self, e: &'ast syn::ExprAsync) {
            self.fail(e.async_token.span(), "`async` blocks are not supported in a #[tf::function]");
        }
        fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
            self.fail(e.await_token.span(), "`.await` is not supported in a #[tf::function]");
        }
        fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
            if e.label.is_some() {
                self.fail(
                    e.span(),
                    "labeled `break` is not supported in a #[tf::function]: use a flag variable and an unlabeled `break`",
                );
            } else if e.expr.is_some() {
                self.fail(
                    e.span(),
                    "`break` with a value is not supported in a #[tf::function]: assign the value to a variable, then `break`",
                );
            }
            visit::visit_expr_break(self, e);
        }
        fn visit_expr_continue(&mut self, e: &'ast syn::ExprContinue) {
            if e.label.is_some() {
                self.fail(
                    e.span(),
                    "labeled `continue` is not supported in a #[tf::function]: use a flag variable and an unlabeled `continue`",
                );
            }
        }
        fn visit_label(&mut self, l: &'ast syn::Label) {
            self.fail(
                l.span(),
                "loop labels are not supported in a #[tf::function]: use a flag variable and unlabeled `break`/`continue`",
            );
        }
        fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
            if matches!(&*e.cond, Expr::Let(_)) {
                self.fail(
                    e.while_token.span(),
                    "`while let` is not supported in a #[tf::function]: use `while` with a condition, or `for` over an iterator",
                );
            }
            visit::visit_expr_while(self, e);
        }
        fn visit_item(&mut self, i: &'ast syn::Item) {
            if let syn::Item::Fn(f) = i {
                self.fail(
                    f.sig.fn_token.span(),
                    "nested `fn` items are not supported in a #[tf::function]: move the function out, or use a closure",
                );
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut v = V(None);
    v.visit_block(body);
    v.0.map_or(Ok(()), Err)
}

/// The flags of one loop.
struct Flags {
    brk: Option<Ident>,
    cont: Option<Ident>,
}

/// Which jumps (break, continue) a statement of the loop body may take.
#[derive(Default, Clone, Copy)]
pub struct Jumps {
    pub brk: bool,
    pub cont: bool,
}

/// Jumps at this loop's level in `node` (not inside nested loops or closures).
pub fn jumps_in<T: Node + ?Sized>(node: &T) -> Jumps {
    struct V(Jumps);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
            self.0.brk = true;
        }
        fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
            self.0.cont = true;
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.visit_expr(&f.expr);
        }
        fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
            self.visit_expr(&w.cond);
        }
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(Jumps::default());
    node.visit_with(&mut v);
    v.0
}

/// The initial flag of a `for` loop over `iter` (a bool tensor for a dataset, whose loop is
/// staged; otherwise the kind the iterable's `ForFlag` says).
pub fn for_flag(rt: &TokenStream, iter: &Ident) -> Expr {
    parse_quote!({
        #[allow(unused_imports)]
        use #rt::autograph::{DatasetFlag as _, OtherFlag as _};
        (&#rt::autograph::FlagSource(&#iter)).lowered_flag()
    })
}

/// A jump out of a `loop`'s iteration.
#[derive(Clone, Copy, PartialEq)]
pub enum Jump {
    Break,
    Continue,
    Return,
}

/// The initial flag of a `loop`'s `break`, `continue` or `return`: of the kind of the
/// condition of the innermost `if` around the first such jump (`tf::autograph::flag_of(|| cond)`: a bool
/// tensor for a tensor condition, which stages the loop), or `false` when there is none or
/// the condition reads a name declared inside the loop (it is evaluated before the loop).
pub fn flag_kind(body: &Block, jump: Jump, rt: &TokenStream) -> Expr {
    struct V<'a> {
        jump: Jump,
        /// The conditions of the enclosing `if`s, each with the loop's names in its scope.
        conds: Vec<(&'a Expr, Names)>,
        /// The condition around the first jump.
        found: Option<Option<(&'a Expr, Names)>>,
        /// Names declared inside the loop, one set per enclosing block.
        scopes: Vec<Names>,
    }
    impl<'a> Visit<'a> for V<'a> {
        fn visit_block(&mut self, b: &'a Block) {
            self.scopes.push(Names::new());
            visit::visit_block(self, b);
            self.scopes.pop();
        }
        fn visit_expr_if(&mut self, i: &'a syn::ExprIf) {
            self.visit_expr(&i.cond);
            let declared = self.scopes.iter().flatten().cloned().collect();
            self.conds.push((&i.cond, declared));
            self.visit_block(&i.then_branch);
            self.conds.pop();
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
        }
        fn visit_expr_break(&mut self, _: &'a syn::ExprBreak) {
            self.jumped(Jump::Break);
        }
        fn visit_expr_continue(&mut self, _: &'a syn::ExprContinue) {
            self.jumped(Jump::Continue);
        }
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            self.jumped(Jump::Return);
            visit::visit_expr_return(self, r);
        }
        fn visit_local(&mut self, l: &'a syn::Local) {
            visit::visit_local(self, l);
            if let Some(s) = self.scopes.last_mut() {
                super::analysis::pat_idents(&l.pat, s);
            }
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.visit_expr(&f.expr);
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.visit_expr(&w.cond);
        }
        fn visit_expr_loop(&mut self, _: &'a syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    impl V<'_> {
        fn jumped(&mut self, j: Jump) {
            if self.jump == j && self.found.is_none() {
                self.found = Some(self.conds.last().cloned());
            }
        }
    }
    let mut v = V {
        jump,
        conds: Vec::new(),
        found: None,
        scopes: Vec::new(),
    };
    v.visit_block(body);
    match v.found {
        Some(Some((cond, declared))) if !matches!(cond, Expr::Let(_)) && super::analysis::reads(cond).is_disjoint(&declared) => {
            parse_quote!(#rt::autograph::flag_of(|| #cond))
        }
        _ => parse_quote!(false),
    }
}

/// Rewrites the loops in `body` (innermost first) so `break`/`continue` become flags.
pub fn lower_jumps(body: &mut Block, rt: &TokenStream) -> syn::Result<()> {
    let mut p = Jumps_ {
        rt: rt.clone(),
        next: 0,
        error: None,
    };
    p.visit_block_mut(body);
    p.error.map_or(Ok(()), Err)
}

#[allow(non_camel_case_types)]
struct Jumps_ {
    rt: TokenStream,
    next: usize,
    error: Option<syn::Error>,
}

impl Jumps_ {
    fn flags(&mut self, j: Jumps, span: Span) -> Flags {
        self.next += 1;
        let n = self.next;
        Flags {
            brk: j.brk.then(|| format_ident!("__brk_{}", n, span = span)),
            cont: j.cont.then(|| format_ident!("__cont_{}", n, span = span)),
        }
    }

    /// The body with jumps replaced by flag assignments and the statements after a possible
    /// jump guarded.
    fn guard_block(&mut self, stmts: Vec<Stmt>, f: &Flags) -> Vec<Stmt> {
        let rt = self.rt.clone();
        let mut out = Vec::new();
        let mut it = stmts.into_iter();
        while let Some(mut s) = it.next() {
            let j = self.replace_jumps_stmt(&mut s, f);
            out.push(s);
            if j.brk || j.cont {
                let rest: Vec<Stmt> = it.collect();
                if rest.is_empty() {
                    break;
                }
                let rest = self.guard_block(rest, f);
                let pick = |on: bool, flag: &Option<Ident>| if on { flag.clone() } else { None };
                let guard: Expr = match (pick(j.brk, &f.brk), pick(j.cont, &f.cont)) {
                    (Some(b), Some(c)) => parse_quote!(#rt::autograph::Flag::neither(&#b, &#c)),
                    (Some(b), None) => parse_quote!(#rt::autograph::Flag::not(&#b)),
                    (None, Some(c)) => parse_quote!(#rt::autograph::Flag::not(&#c)),
                    (None, None) => unreachable!("a jump implies a flag"),
                };
                out.push(parse_quote!(if #guard { #(#rest)* }));
                break;
            }
        }
        out
    }

    fn raise(&self, flag: &Option<Ident>, span: Span) -> Expr {
        let rt = &self.rt;
        let f = flag.as_ref().expect("a flag for each jump found");
        let raise = super::respan(&quote!({ #f = #rt::autograph::Flag::raised(&#f); }), span);
        syn::parse2(raise).expect("a block expression")
    }

    fn replace_jumps_stmt(&mut self, s: &mut Stmt, f: &Flags) -> Jumps {
        match s {
            Stmt::Expr(e, _) => self.replace_jumps_expr(e, f),
            Stmt::Local(l) => {
                if let Some(init) = &l.init {
                    self.reject_jumps(&init.expr);
                }
                Jumps::default()
            }
            _ => Jumps::default(),
        }
    }

    fn replace_jumps_expr(&mut self, e: &mut Expr, f: &Flags) -> Jumps {
        match e {
            Expr::Break(b) => {
                let span = b.break_token.span();
                *e = self.raise(&f.brk, span);
                Jumps { brk: true, cont: false }
            }
            Expr::Continue(c) => {
                let span = c.continue_token.span();
                *e = self.raise(&f.cont, span);
                Jumps { brk: false, cont: true }
            }
            Expr::If(i) => {
                self.reject_jumps(&i.cond);
                let stmts = std::mem::take(&mut i.then_branch.stmts);
                let mut j = jumps_in(stmts.as_slice());
                i.then_branch.stmts = self.guard_block(stmts, f);
                if let Some((_, els)) = &mut i.else_branch {
                    let k = self.replace_jumps_expr(els, f);
                    j.brk |= k.brk;
                    j.cont |= k.cont;
                }
                j
            }
            Expr::Block(b) => {
                let stmts = std::mem::take(&mut b.block.stmts);
                let j = jumps_in(stmts.as_slice());
                b.block.stmts = self.guard_block(stmts, f);
                j
            }
            Expr::Match(m) => {
                self.reject_jumps(&m.expr);
                let mut j = Jumps::default();
                for arm in &mut m.arms {
                    let k = self.replace_jumps_expr(&mut arm.body, f);
                    j.brk |= k.brk;
                    j.cont |= k.cont;
                }
                j
            }
            other => {
                self.reject_jumps(other);
                Jumps::default()
            }
        }
    }

    /// A jump inside an expression (an operand, a condition) cannot be turned into a flag.
    fn reject_jumps(&mut self, e: &Expr) {
        let j = jumps_in(e);
        if (j.brk || j.cont) && self.error.is_none() {
            self.error = Some(err(
                e.span(),
                "`break`/`continue` inside an expression is not supported in a #[tf::function]: use it as a statement in an `if`/`else` branch",
            ));
        }
    }

    fn rewrite_loop(&mut self, e: &mut Expr) {
        let rt = self.rt.clone();
        match e {
            Expr::ForLoop(fl) => {
                let j = jumps_in(&fl.body);
                if !(j.brk || j.cont) {
                    return;
                }
                let span = fl.for_token.span();
                let f = self.flags(j, span);
                let iter = format_ident!("__iter_{}", self.next, span = span);
                let src = &fl.expr;
                let mut pre: Vec<Stmt> = vec![parse_quote!(let #iter = #src;)];
                if let Some(b) = &f.brk {
                    let flag = for_flag(&rt, &iter);
                    pre.push(parse_quote!(let mut #b = #flag;));
                    fl.attrs.push(parse_quote!(#[tf_break(#b)]));
                }
                let body = std::mem::take(&mut fl.body.stmts);
                let mut body = self.guard_block(body, &f);
                if let Some(c) = &f.cont {
                    let c0 = format_ident!("{}_lowered", c);
                    let flag = for_flag(&rt, &iter);
                    pre.push(parse_quote!(let #c0 = #flag;));
                    body.insert(0, parse_quote!(let mut #c = #c0.clone();));
                }
                fl.body.stmts = body;
                fl.expr = parse_quote!(#iter);
                let lp = Expr::ForLoop(fl.clone());
                *e = parse_quote!({ #(#pre)* #lp });
            }
            Expr::While(w) => {
                let j = jumps_in(&w.body);
                if !(j.brk || j.cont) {
                    return;
                }
                let f = self.flags(j, w.while_token.span());
                let cond = &w.cond;
                let mut pre: Vec<Stmt> = Vec::new();
                if let Some(b) = &f.brk {
                    pre.push(parse_quote!(let mut #b = #rt::autograph::while_flag(|| #cond);));
                }
                let body = std::mem::take(&mut w.body.stmts);
                let mut body = self.guard_block(body, &f);
                if let Some(c) = &f.cont {
                    let c0 = format_ident!("{}_lowered", c);
                    pre.push(parse_quote!(let #c0 = #rt::autograph::while_flag(|| #cond);));
                    body.insert(0, parse_quote!(let mut #c = #c0.clone();));
                }
                if let Some(b) = &f.brk {
                    w.cond = parse_quote!(#rt::autograph::and_not(&#b, || #cond));
                }
                w.body.stmts = body;
                let lp = Expr::While(w.clone());
                *e = parse_quote!({ #(#pre)* #lp });
            }
            Expr::Loop(l) => {
                let j = jumps_in(&l.body);
                if !j.brk {
                    return;
                }
                // A `loop` has no condition to give its flags a kind: each takes the kind of
                // the condition its first jump sits under (a tensor makes a staged loop).
                let (brk_kind, cont_kind) = (flag_kind(&l.body, Jump::Break, &rt), flag_kind(&l.body, Jump::Continue, &rt));
                let f = self.flags(j, l.loop_token.span());
                let b = f.brk.clone().expect("a break flag");
                let body = std::mem::take(&mut l.body.stmts);
                let mut body = self.guard_block(body, &f);
                let mut pre: Vec<Stmt> = vec![parse_quote!(let mut #b = #brk_kind;)];
                if let Some(c) = &f.cont {
                    let c0 = format_ident!("{}_lowered", c);
                    pre.push(parse_quote!(let #c0 = #cont_kind;));
                    body.insert(0, parse_quote!(let mut #c = #c0.clone();));
                }
                let span = l.loop_token.span();
                let w = quote_spanned!(span=> while #rt::autograph::Flag::not(&#b) { #(#body)* });
                *e = parse_quote!({ #(#pre)* #w });
            }
            _ => {}
        }
    }
}

impl VisitMut for Jumps_ {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Closure(_) => {}
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                visit_mut::visit_expr_mut(self, e);
                self.rewrite_loop(e);
            }
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> Block {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn break_and_continue_become_flags_and_guards() {
        let mut b = body("{ for i in xs { if c { continue; } s = 1; if d { break; } t = 2; } }");
        lower_jumps(&mut b, &quote!(tf)).unwrap();
        let text = quote!(#b).to_string();
        assert!(text.contains("let __iter_1 = xs"), "{text}");
        assert!(
            text.contains("let mut __brk_1 = { # [allow (unused_imports)] use tf :: autograph :: { DatasetFlag as _ , OtherFlag as _ } ; (& tf :: autograph :: FlagSource (& __iter_1)) . lowered_flag () }"),
            "{text}"
        );
        assert!(text.contains("# [tf_break (__brk_1)] for i in __iter_1"), "{text}");
        assert!(text.contains("let mut __cont_1 = __cont_1_lowered . clone ()"), "{text}");
        assert!(text.contains("__cont_1 = tf :: autograph :: Flag :: raised (& __cont_1)"), "{text}");
        assert!(text.contains("if tf :: autograph :: Flag :: not (& __cont_1) { s = 1 ;"), "{text}");
        assert!(text.contains("if tf :: autograph :: Flag :: not (& __brk_1) { t = 2 ; }"), "{text}");
    }

    #[test]
    fn while_break_adds_the_extra_test() {
        let mut b = body("{ while x < n { x = x + 1; if x == 3 { break; } } }");
        lower_jumps(&mut b, &quote!(tf)).unwrap();
        let text = quote!(#b).to_string();
        assert!(
            text.contains("let mut __brk_1 = tf :: autograph :: while_flag (| | x < n)"),
            "{text}"
        );
        assert!(text.contains("while tf :: autograph :: and_not (& __brk_1 , | | x < n)"), "{text}");
    }

    #[test]
    fn a_loop_flag_takes_the_kind_of_its_jump_condition() {
        let mut b = body("{ loop { x = x * 2; if tf::greater(&x, &t) { break; } } }");
        lower_jumps(&mut b, &quote!(tf)).unwrap();
        let text = quote!(#b).to_string();
        assert!(
            text.contains("let mut __brk_1 = tf :: autograph :: flag_of (| | tf :: greater (& x , & t)) ;"),
            "{text}"
        );
        assert!(text.contains("while tf :: autograph :: Flag :: not (& __brk_1)"), "{text}");
        // A condition on a name declared inside the loop cannot be named before it.
        let mut b = body("{ loop { let y = x * 2; if y > t { break; } x = y; } }");
        lower_jumps(&mut b, &quote!(tf)).unwrap();
        let text = quote!(#b).to_string();
        assert!(text.contains("let mut __brk_1 = false ;"), "{text}");
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (src, what) in [
            ("{ let x = f()?; }", "`?` operator"),
            ("{ 'a: for i in xs { break 'a; } }", "labeled `break`"),
            ("{ while let Some(x) = it.next() {} }", "`while let`"),
            ("{ fn g() {} }", "nested `fn`"),
            ("{ loop { break 3; } }", "`break` with a value"),
        ] {
            let e = check_supported(&body(src)).unwrap_err().to_string();
            assert!(e.contains(what), "{src}: {e}");
        }
    }
}
