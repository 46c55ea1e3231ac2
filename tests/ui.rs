//! Compile-fail tests: each misuse of the macros gives one message at the right span.

#[test]
fn module_derive_misuse() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/module/*.rs");
}

#[test]
fn function_misuse() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/function/*.rs");
}
