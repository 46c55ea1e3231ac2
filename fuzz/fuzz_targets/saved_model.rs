//! The SavedModel reader on arbitrary programs: the input is the payload of
//! `saved_model.tfrs`, framed with a valid header and checksum so the fuzzer reaches the
//! parser and the graph checks, beside a real `variables/` checkpoint. Loading must return
//! `Ok` or a `tf::Error`; whatever loads is called with zeros of its signatures' specs and
//! must return `Ok` or an error, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use tf_core::ops::TensorSpec;
use tf_core::{module::Visitor, saved_model, Function, Module, Variable};

struct Net {
    w: Variable,
    steps: Variable,
}

impl Module for Net {
    fn name(&self) -> String {
        "net".into()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.variable("steps".into(), &self.steps, false);
        v.variable("w".into(), &self.w, true);
    }
}

/// A directory holding a real SavedModel (its program is replaced by each input).
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("tf-fuzz-sm-{}", std::process::id()));
        let net = Net {
            w: Variable::new(tf_core::ones([3, 2], tf_core::DType::F32)),
            steps: Variable::new(tf_core::constant(0i64)),
        };
        let (w, s) = (net.w.clone(), net.steps.clone());
        let f = Function::new("serve", move |x: &[tf_core::Tensor]| {
            s.assign_add(&tf_core::constant(1i64));
            vec![tf_core::matmul(&x[0], &w.value())]
        });
        let cf = f.get_concrete_function(&[TensorSpec::new([2, 3], tf_core::DType::F32)]);
        saved_model::save(&net, &d, &cf).expect("a SavedModel to fuzz beside");
        d
    })
}

fuzz_target!(|payload: &[u8]| {
    let d = dir();
    let mut file = b"tf-rs saved model\n".to_vec();
    file.extend_from_slice(&1u32.to_le_bytes());
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(payload);
    file.extend_from_slice(&tf_core::data::masked_crc32c(payload).to_le_bytes());
    std::fs::write(d.join(saved_model::PROGRAM_FILE), &file).expect("write the program");
    let Ok(loaded) = saved_model::load(d) else { return };
    for key in loaded.signature_keys() {
        let Ok(sig) = loaded.signature(key) else { continue };
        if has_loop(sig.concrete_function().graph()) {
            continue; // a crafted loop may legitimately never end
        }
        let zeros: Vec<(String, tf_core::Tensor)> = sig
            .inputs()
            .iter()
            .filter(|(_, s)| s.shape.num_elements() <= 1 << 16)
            .map(|(n, s)| (n.clone(), tf_core::zeros(s.shape.dims(), s.dtype)))
            .collect();
        let args: Vec<(&str, &tf_core::Tensor)> = zeros.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let _ = sig.call(&args);
    }
});

fn has_loop(g: &tf_core::graph::Graph) -> bool {
    use tf_core::graph::NodeKind;
    g.nodes.iter().any(|n| match &n.kind {
        NodeKind::While { .. } => true,
        NodeKind::If { then_graph, else_graph } => has_loop(then_graph) || has_loop(else_graph),
        _ => false,
    })
}
