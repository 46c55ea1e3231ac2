//! Procedural macros of `tf`: `#[tf::function]` (AutoGraph at compile time) and
//! `#[derive(tf::Module)]`. Both emit calls into `tf-core`'s public API; they are added by
//! the autodiff and AutoGraph work and this crate exports no macro yet.
