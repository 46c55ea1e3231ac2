//! The static analyses AutoGraph runs on a function, on the `syn` tree: which names a piece
//! of code reads (liveness is built from these) and which outer variables it assigns
//! (activity), with Rust's shadowing (`let x` inside a block makes a new `x`) respected.
//! Closures are looked into: what they capture is read.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::BTreeSet;
use syn::visit::{self, Visit};

/// A set of variable names.
pub type Names = BTreeSet<String>;

/// Methods that take `&mut self`: calling one on a variable assigns it.
const MUTATING_METHODS: &[&str] = &[
    "push",
    "push_str",
    "push_back",
    "push_front",
    "pop",
    "pop_back",
    "pop_front",
    "insert",
    "remove",
    "extend",
    "extend_from_slice",
    "append",
    "clear",
    "truncate",
    "retain",
    "sort",
    "sort_by",
    "sort_by_key",
    "sort_unstable",
    "sort_unstable_by",
    "reverse",
    "swap",
    "dedup",
    "drain",
    "resize",
    "fill",
    "entry",
    "get_mut",
    "iter_mut",
    "last_mut",
    "first_mut",
    "as_mut",
    "take",
    "replace",
    "split_off",
    "get_or_insert",
    "get_or_insert_with",
    "swap_remove",
];

/// Names read anywhere in `node` (identifier paths, identifiers inside macro calls, what
/// closures capture). Over-approximates: a name read only after being shadowed counts.
pub fn reads<T: Node + ?Sized>(node: &T) -> Names {
    let mut r = Reads::default();
    node.visit_with(&mut r);
    r.names
}

/// A piece of syntax the analyses (and the passes' own searches) walk.
pub trait Node {
    fn visit_with<'a>(&'a self, v: &mut dyn Visit<'a>);
}
impl Node for syn::Expr {
    fn visit_with<'a>(&'a self, v: &mut dyn Visit<'a>) {
        v.visit_expr(self)
    }
}
impl Node for syn::Stmt {
    fn visit_with<'a>(&'a self, v: &mut dyn Visit<'a>) {
        v.visit_stmt(self)
    }
}
impl Node for syn::Block {
    fn visit_with<'a>(&'a self, v: &mut dyn Visit<'a>) {
        v.visit_block(self)
    }
}
/// A statement list: its `let`s are scoped to it (the visitors open a scope on the first).
impl Node for [syn::Stmt] {
    fn visit_with<'a>(&'a self, v: &mut dyn Visit<'a>) {
        self.iter().for_each(|s| v.visit_stmt(s));
    }
}

#[derive(Default)]
pub struct Reads {
    names: Names,
}

fn token_idents(ts: &TokenStream, out: &mut Names) {
    for t in ts.clone() {
        match t {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => token_idents(&g.stream(), out),
            _ => {}
        }
    }
}

/// The variable a place expression (`x`, `x.f`, `x[i]`, `*x`) belongs to.
pub fn base_ident(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Field(f) => base_ident(&f.base),
        syn::Expr::Index(i) => base_ident(&i.expr),
        syn::Expr::Paren(p) => base_ident(&p.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => base_ident(&u.expr),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Reads {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.names.insert(i.to_string());
        }
        visit::visit_expr_path(self, p);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        // `x = e` does not read `x`; `x.f = e` and `x[i] = e` do.
        if !matches!(&*a.left, syn::Expr::Path(_)) {
            self.visit_expr(&a.left);
        }
        self.visit_expr(&a.right);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        token_idents(&m.tokens, &mut self.names);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Outer variables assigned in a region: `x = ..`, `x += ..`, `x.f = ..`, `x[i] = ..`,
/// `&mut x`, and `x.push(..)`-style calls of `&mut self` methods; names declared inside
/// the region (`let`, patterns, closure parameters) are the region's own.
#[derive(Default)]
pub struct Assigns {
    scopes: Vec<Names>,
    pub names: Names,
}

impl Assigns {
    fn declared(&self, n: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(n))
    }
    fn assign(&mut self, e: &syn::Expr) {
        if let Some(n) = base_ident(e) {
            if !self.declared(&n) {
                self.names.insert(n);
            }
        }
    }
    fn declare_pat(&mut self, p: &syn::Pat) {
        let mut names = Names::new();
        pat_idents(p, &mut names);
        self.scopes.last_mut().expect("a scope").extend(names);
    }
}

/// The names a pattern binds.
pub fn pat_idents(p: &syn::Pat, out: &mut Names) {
    struct V<'a>(&'a mut Names);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.insert(i.ident.to_string());
            visit::visit_pat_ident(self, i);
        }
        fn visit_expr(&mut self, _: &'ast syn::Expr) {}
    }
    V(out).visit_pat(p);
}

impl<'ast> Visit<'ast> for Assigns {
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scopes.push(Names::new());
        visit::visit_block(self, b);
        self.scopes.pop();
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, e)) = &init.diverge {
                self.visit_expr(e);
            }
        }
        if self.scopes.is_empty() {
            self.scopes.push(Names::new());
        }
        self.declare_pat(&l.pat);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.assign(&a.left);
        if !matches!(&*a.left, syn::Expr::Path(_)) {
            self.visit_expr(&a.left);
        }
        self.visit_expr(&a.right);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        use syn::BinOp::*;
        if matches!(
            b.op,
            AddAssign(_)
                | SubAssign(_)
                | MulAssign(_)
                | DivAssign(_)
                | RemAssign(_)
                | BitXorAssign(_)
                | BitAndAssign(_)
                | BitOrAssign(_)
                | ShlAssign(_)
                | ShrAssign(_)
        ) {
            self.assign(&b.left);
        }
        visit::visit_expr_binary(self, b);
    }
    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if r.mutability.is_some() {
            self.assign(&r.expr);
        }
        visit::visit_expr_reference(self, r);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if MUTATING_METHODS.contains(&m.method.to_string().as_str()) {
            self.assign(&m.receiver);
        }
        visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.scopes.push(Names::new());
        for p in &c.inputs {
            self.declare_pat(p);
        }
        self.visit_expr(&c.body);
        self.scopes.pop();
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.scopes.push(Names::new());
        self.declare_pat(&f.pat);
        self.visit_block(&f.body);
        self.scopes.pop();
    }
    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        self.scopes.push(Names::new());
        self.declare_pat(&a.pat);
        if let Some((_, g)) = &a.guard {
            self.visit_expr(g);
        }
        self.visit_expr(&a.body);
        self.scopes.pop();
    }
    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        if self.scopes.is_empty() {
            self.scopes.push(Names::new());
        }
        self.declare_pat(&l.pat);
    }
    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Names used as bare values in `node` (so possibly moved): not behind `&`, not a method
/// receiver, not the base of a field or index. Closures count (they may move captures).
pub fn bare_uses<T: Node + ?Sized>(node: &T) -> Names {
    let mut b = Bare::default();
    node.visit_with(&mut b);
    b.names
}

#[derive(Default)]
pub struct Bare {
    names: Names,
}

fn is_path(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Path(p) if p.path.get_ident().is_some())
}

impl<'ast> Visit<'ast> for Bare {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.names.insert(i.to_string());
        }
    }
    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if !is_path(&r.expr) {
            self.visit_expr(&r.expr);
        }
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if !is_path(&m.receiver) {
            self.visit_expr(&m.receiver);
        }
        m.args.iter().for_each(|a| self.visit_expr(a));
    }
    fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
        if !is_path(&f.base) {
            self.visit_expr(&f.base);
        }
    }
    fn visit_expr_index(&mut self, i: &'ast syn::ExprIndex) {
        if !is_path(&i.expr) {
            self.visit_expr(&i.expr);
        }
        self.visit_expr(&i.index);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if !matches!(&*a.left, syn::Expr::Path(_)) {
            self.visit_expr(&a.left);
        }
        self.visit_expr(&a.right);
    }
    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Outer variables `node` assigns.
pub fn assigns<T: Node + ?Sized>(node: &T) -> Names {
    let mut a = Assigns::default();
    node.visit_with(&mut a);
    a.names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(src: &str) -> syn::Block {
        syn::parse_str(src).unwrap()
    }

    fn set(names: &[&str]) -> Names {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn assignments_respect_shadowing_and_closures() {
        let b = block("{ x = 1; y += 2; let z = 3; z = 4; v.push(t); { let x = 5; x = 6; } w.f = 1; |q| { q = 1; r = 2; }; }");
        assert_eq!(assigns(&b), set(&["x", "y", "v", "w", "r"]));
    }

    #[test]
    fn reads_include_macros_and_closure_captures() {
        let b = block("{ x = a + b; let c = tf::add(&d, &e); println!(\"{}\", f); let g = || h; i.j = 1; }");
        let r = reads(&b);
        for n in ["a", "b", "d", "e", "f", "h", "i"] {
            assert!(r.contains(n), "{n} in {r:?}");
        }
        assert!(!r.contains("x"), "a plain assignment does not read: {r:?}");
    }

    #[test]
    fn bare_uses_skip_borrows_receivers_and_bases() {
        let b = block("{ let a = x * 2.0; f(&y, z); w.m(v); s.f + t[i]; u }");
        assert_eq!(bare_uses(&b), set(&["f", "i", "u", "v", "x", "z"]));
    }

    #[test]
    fn for_patterns_and_match_arms_are_local() {
        let b = block("{ for i in 0..3 { i = 2; s = 1; } match k { Some(m) => { m = 1; } None => { n = 2; } } }");
        assert_eq!(assigns(&b), set(&["s", "n"]));
    }
}
