//! `PrintV2` (`tf.print`): a stateful op that prints its inputs every time it runs — at
//! once in eager mode, on every call of a graph that contains it.

use super::{Attrs, Case, Domain, Grad, OpDef, Outputs, Specs, ALL};
use crate::Tensor;
use std::cell::RefCell;

thread_local! {
    /// When set, printed lines go here instead of stderr (tests read them back).
    static CAPTURE: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Collects what `tf::print` prints on this thread until [`take_printed`] is called.
pub fn capture_prints() {
    CAPTURE.with(|c| *c.borrow_mut() = Some(Vec::new()));
}

/// The lines printed on this thread since [`capture_prints`]; stops capturing.
pub fn take_printed() -> Vec<String> {
    CAPTURE.with(|c| c.borrow_mut().take().unwrap_or_default())
}

/// Writes a line to stderr (or the capture buffer): `tf.print` output and warnings.
pub(crate) fn emit(line: String) {
    let captured = CAPTURE.with(|c| c.borrow_mut().as_mut().map(|v| v.push(line.clone())).is_some());
    if !captured {
        eprintln!("{line}");
    }
}

/// The text `tf.print` shows for a tensor: its values as NumPy prints them.
fn text(t: &Tensor) -> String {
    crate::display::array_str(t)
}

/// `PrintV2`: prints its inputs separated by spaces, then a newline, to stderr.
pub static PRINT: OpDef = OpDef {
    name: "PrintV2",
    infer: |_, _| Ok(Specs::new()),
    cpu: |i, _, _| {
        let line: Vec<String> = i.iter().map(|t| text(t)).collect();
        emit(line.join(" "));
        Ok(Outputs::new())
    },
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![super::sample(d, &[3], Domain::Any, 50)],
                attrs: Attrs::new(),
            })
            .collect()
    },
    stateful: true,
    grad: Grad::None,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[&PRINT];
