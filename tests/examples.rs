//! Smoke tests: every example runs to the end.

#[path = "../examples/eager_basics.rs"]
mod eager_basics;

#[test]
fn eager_basics_runs() {
    eager_basics::main();
}
