//! Helpers shared by the integration tests.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// The message of the panic `f` raises.
///
/// # Panics
/// When `f` does not panic.
pub fn panic_message(f: impl FnOnce()) -> String {
    let p = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
