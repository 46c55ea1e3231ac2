//! Smoke tests: every example runs to the end.

mod common;

#[path = "../examples/custom_module.rs"]
mod custom_module;
#[path = "../examples/eager_basics.rs"]
mod eager_basics;
#[path = "../examples/gradient_tape.rs"]
mod gradient_tape;
#[path = "../examples/graph_functions.rs"]
mod graph_functions;

#[test]
fn eager_basics_runs() {
    let _seed = common::seed_lock();
    eager_basics::main();
}

#[test]
fn gradient_tape_runs() {
    let _seed = common::seed_lock();
    gradient_tape::main();
}

#[test]
fn custom_module_trains() {
    let _seed = common::seed_lock();
    custom_module::main();
}

#[test]
fn graph_functions_runs() {
    let _seed = common::seed_lock();
    graph_functions::main();
}
