//! Walks the op registry: every primitive declares inference, a CPU kernel, a test domain and
//! sample calls; on each sample the inferred dtypes and shapes equal what the kernel made,
//! and stateless ops are deterministic.

use tf::ops::{all_ops, Domain, OpDef};
use tf::Buffer;

#[test]
fn every_op_has_cases_and_inference_matches_the_kernel() {
    let ops = all_ops();
    assert!(ops.len() >= 75, "registry shrank to {} ops", ops.len());
    for op in &ops {
        let cases = (op.cases)();
        assert!(!cases.is_empty(), "{} has no sample calls", op.name);
        assert!(matches!(
            op.domain,
            Domain::Any | Domain::Positive | Domain::Open1 | Domain::AwayFromZero
        ));
        for (ci, case) in cases.iter().enumerate() {
            let inputs: Vec<&tf::Tensor> = case.inputs.iter().collect();
            let specs = (op.infer)(&inputs, &case.attrs)
                .unwrap_or_else(|e| panic!("{} case {ci}: inference rejected its own sample: {e}", op.name));
            let outs = op
                .cpu
                .run(&inputs, &case.attrs, &specs)
                .unwrap_or_else(|e| panic!("{} case {ci}: kernel failed: {e}", op.name));
            assert_eq!(outs.len(), specs.len(), "{} case {ci}: output count", op.name);
            for (o, s) in outs.iter().zip(&specs) {
                assert_eq!(o.dtype(), s.dtype, "{} case {ci}: dtype", op.name);
                assert_eq!(o.shape(), &s.shape, "{} case {ci}: shape", op.name);
                assert_eq!(o.buffer().len(), s.shape.num_elements(), "{} case {ci}: buffer length", op.name);
            }
            if !op.stateful {
                let again = op.cpu.run(&inputs, &case.attrs, &specs).unwrap();
                for (a, b) in outs.iter().zip(&again) {
                    assert_eq!(a.buffer(), b.buffer(), "{} case {ci}: not deterministic", op.name);
                }
            }
        }
    }
}

/// A kernel that writes into given buffers (what the graph executor hands back on every
/// loop iteration) replaces their whole contents: buffers holding stale values of another
/// length give the same outputs as new ones.
#[test]
fn kernels_writing_into_buffers_overwrite_stale_contents() {
    let mut checked = 0;
    for op in all_ops() {
        let Some(f) = op.cpu.into_fn() else { continue };
        for (ci, case) in (op.cases)().iter().enumerate() {
            let inputs: Vec<&tf::Tensor> = case.inputs.iter().collect();
            let specs = (op.infer)(&inputs, &case.attrs).unwrap();
            let fresh = op.cpu.run(&inputs, &case.attrs, &specs).unwrap();
            // Shorter, longer, and exactly as long as the output (what a loop hands back).
            for stale_len in [Some(0usize), Some(3), Some(50), None] {
                let mut bufs: Vec<Buffer> = specs
                    .iter()
                    .map(|s| {
                        let len = stale_len.unwrap_or(s.shape.num_elements());
                        let junk = tf::ops::sample(s.dtype, &[len], Domain::Any, 99);
                        junk.buffer().clone()
                    })
                    .collect();
                let mut refs: Vec<&mut Buffer> = bufs.iter_mut().collect();
                f(&inputs, &case.attrs, &specs, &mut refs).unwrap_or_else(|e| panic!("{} case {ci}: {e}", op.name));
                for (k, (b, t)) in bufs.iter().zip(&fresh).enumerate() {
                    assert_eq!(b, t.buffer(), "{} case {ci} output {k}: stale buffer of {stale_len:?}", op.name);
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 100, "only {checked} cases of ops writing into buffers");
}

/// A planned kernel (what a compiled loop runs) gives what the op's kernel gives, for each
/// sample call and for the same call on scalars, into buffers holding stale values.
#[test]
fn planned_kernels_match_the_kernel() {
    let (mut planned, mut on_words) = (0, 0);
    for op in all_ops() {
        let mut cases: Vec<(Vec<tf::Tensor>, tf::ops::Attrs)> = (op.cases)().into_iter().map(|c| (c.inputs, c.attrs)).collect();
        let scalars: Vec<_> = cases
            .iter()
            .map(|(ins, _)| {
                let ins = ins
                    .iter()
                    .enumerate()
                    .map(|(k, t)| tf::ops::sample(t.dtype(), &[], op.domain, k as u64));
                (ins.collect(), tf::ops::Attrs::new())
            })
            .collect();
        cases.extend(scalars);
        for (ci, (inputs, attrs)) in cases.iter().enumerate() {
            let inputs: Vec<&tf::Tensor> = inputs.iter().collect();
            let Ok(specs) = (op.infer)(&inputs, attrs) else { continue };
            let in_specs: Vec<tf::ops::TensorSpec> = inputs.iter().map(|t| tf::ops::TensorSpec::of(t)).collect();
            let in_specs: Vec<&tf::ops::TensorSpec> = in_specs.iter().collect();
            let Some(plan) = op.cpu.plan(&in_specs, attrs, &specs) else {
                continue;
            };
            let fresh = op.cpu.run(&inputs, attrs, &specs).unwrap();
            for stale_len in [0usize, 3, 50] {
                let mut bufs: Vec<Buffer> = specs
                    .iter()
                    .map(|s| tf::ops::sample(s.dtype, &[stale_len], Domain::Any, 99).buffer().clone())
                    .collect();
                let mut refs: Vec<&mut Buffer> = bufs.iter_mut().collect();
                (plan.run)(&inputs, &mut refs);
                for (k, (b, t)) in bufs.iter().zip(&fresh).enumerate() {
                    assert_eq!(b, t.buffer(), "{} input set {ci} output {k}: stale buffer of {stale_len}", op.name);
                }
            }
            planned += 1;
            // The form on words, for values of one element.
            if let (Some(f), true) = (plan.scalar, inputs.iter().all(|t| t.shape().num_elements() == 1)) {
                let w: Vec<u64> = inputs.iter().map(|t| word(t)).collect();
                let z = f(w[0], *w.get(1).unwrap_or(&w[0]), *w.get(2).unwrap_or(&w[0]));
                assert_eq!(z, word(&fresh[0]), "{} input set {ci}: the scalar form", op.name);
                on_words += 1;
            }
        }
    }
    assert!(planned >= 150, "only {planned} planned cases");
    assert!(on_words >= 50, "only {on_words} cases with a scalar form");
}

/// The word of a one-value tensor ([`tf::Element::to_word`]).
fn word(t: &tf::Tensor) -> u64 {
    use tf::Element;
    match t.dtype() {
        tf::DType::F32 => t.scalar::<f32>().to_word(),
        tf::DType::F64 => t.scalar::<f64>().to_word(),
        tf::DType::I32 => t.scalar::<i32>().to_word(),
        tf::DType::I64 => t.scalar::<i64>().to_word(),
        tf::DType::U8 => t.scalar::<u8>().to_word(),
        tf::DType::Bool => t.scalar::<bool>().to_word(),
        other => panic!("no words for {other}"),
    }
}

#[test]
fn op_names_are_unique_tensorflow_names() {
    let ops = all_ops();
    let mut names: Vec<&str> = ops.iter().map(|o: &&OpDef| o.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "an op is registered twice");
    for n in names {
        // TensorFlow's internal ops (those its optimizer makes, `_FusedConv2D`) start with `_`.
        assert!(
            n.trim_start_matches('_').chars().next().unwrap().is_ascii_uppercase(),
            "{n} is not a TensorFlow CamelCase op name"
        );
    }
}

#[test]
fn every_dtype_an_elementwise_op_accepts_is_sampled() {
    // An op must not declare a dtype its sample calls never exercise.
    for op in all_ops() {
        let cases = (op.cases)();
        let sampled: std::collections::BTreeSet<tf::DType> = cases.iter().flat_map(|c| c.inputs.first().map(|t| t.dtype())).collect();
        for d in tf::DType::ALL {
            let x = tf::ops::sample(d, &[2], Domain::Any, 1);
            let accepted = match op.name {
                n if n.starts_with("Random") || n == "TruncatedNormal" => continue,
                _ if cases.first().is_some_and(|c| c.inputs.len() == 1) => (op.infer)(&[&x], &cases[0].attrs).is_ok(),
                _ => continue,
            };
            if accepted {
                assert!(sampled.contains(&d), "{} accepts {d} but never samples it", op.name);
            }
        }
    }
}

/// No op takes a string tensor it has no kernel for: at the dispatch point, a string input
/// is refused by inference (in the op's own words), or the op runs on it.
#[test]
fn ops_refuse_string_inputs_they_cannot_run() {
    let mut refused = 0;
    for op in all_ops() {
        for (ci, case) in (op.cases)().iter().enumerate() {
            for k in 0..case.inputs.len() {
                let mut inputs = case.inputs.clone();
                inputs[k] = tf::ops::sample(tf::string, inputs[k].shape().dims(), Domain::Any, 5);
                let refs: Vec<&tf::Tensor> = inputs.iter().collect();
                let run = std::panic::catch_unwind(|| tf::ops::execute(op, &refs, &case.attrs).len());
                if let Err(p) = run {
                    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
                    assert!(
                        msg.starts_with(op.name) && !msg.contains("internal error"),
                        "{} case {ci}, a string input #{k}: {msg}",
                        op.name
                    );
                    refused += 1;
                }
            }
        }
    }
    assert!(refused > 500, "only {refused} refusals");
}
