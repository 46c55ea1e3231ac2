//! `tf::saved_model`: modules saved with signatures and functions load into programs that
//! do not have their code (the loaded graphs hold everything), give the same values and
//! gradients, refuse bad calls with `tf::Error`s, and refuse damaged, crafted or
//! future-version files without panicking. Golden values come from a real TensorFlow 2.21
//! run (tests/golden/saved_model/gen.py).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tf::ops::TensorSpec;
use tf::saved_model::{self, Signature, Signatures};
use tf::{ConcreteFunction, Function, Module, Tensor, Variable};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tf-sm-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/saved_model").join(name)
}

/// gen.py's `Net(tf.Module)`: a dense layer with relu, a step counter.
#[derive(tf::Module)]
struct Net {
    dense: Dense,
    #[module(trainable = false)]
    steps: Variable,
}

#[derive(tf::Module)]
struct Dense {
    kernel: Variable,
    bias: Variable,
}

impl Net {
    fn new() -> Net {
        Net {
            dense: Dense {
                kernel: Variable::new(tf::reshape(&(tf::range(12.0f32) * 0.1f32 - 0.5f32), [4, 3])),
                bias: Variable::new(tf::constant([0.1f32, -0.2, 0.3])),
            },
            steps: Variable::with_options(tf::constant(0i64), "steps", false),
        }
    }
    /// `relu(x @ kernel + bias)`, counting calls in `steps`.
    fn serve(&self) -> Function {
        let (k, b, s) = (self.dense.kernel.clone(), self.dense.bias.clone(), self.steps.clone());
        Function::new("serve", move |x: &[Tensor]| {
            s.assign_add(&tf::constant(1i64));
            vec![tf::nn::relu(&(tf::matmul(&x[0], &k.value()) + b.value()))]
        })
    }
}

fn spec(dims: &[usize]) -> TensorSpec {
    TensorSpec::new(dims, tf::float32)
}

fn x23() -> Tensor {
    tf::constant([[1.0f32, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]])
}

fn save_net(dir: &Path) -> (Net, Arc<ConcreteFunction>) {
    let net = Net::new();
    let f = net.serve();
    let cf = f.get_concrete_function(&[spec(&[2, 4])]);
    saved_model::save(&net, dir, Signature::new(&cf).inputs(["x"]).outputs(["y"])).unwrap();
    (net, cf)
}

#[test]
fn a_loaded_signature_returns_named_outputs_equal_to_the_original() {
    let dir = tmp("roundtrip").join("net");
    let (net, cf) = save_net(&dir);
    let want = cf.call(&[x23()]).unwrap().remove(0);
    let loaded = saved_model::load(&dir).unwrap();
    assert_eq!(loaded.signature_keys(), vec!["serving_default"]);
    let sig = loaded.signature("serving_default").unwrap();
    assert_eq!(sig.inputs().len(), 1);
    assert_eq!(sig.inputs()[0].0, "x");
    assert_eq!(sig.inputs()[0].1, spec(&[2, 4]));
    assert_eq!(sig.outputs(), ["y".to_string()]);
    let out = sig.call(&[("x", &x23())]).unwrap();
    assert_eq!(out.keys().collect::<Vec<_>>(), vec!["y"]);
    assert_eq!(out["y"].to_vec::<f32>(), want.to_vec::<f32>());
    // The loaded variables are the saved values, with their paths and trainability; the
    // loaded graph's assignment updates the loaded counter, not the original's.
    let paths = |m: &dyn Module| m.named_variables().into_iter().map(|(p, _, t)| (p, t)).collect::<Vec<_>>();
    assert_eq!(paths(&loaded), paths(&net));
    assert_eq!(paths(&loaded)[0], ("steps".to_string(), false));
    let steps = loaded.named_variables().remove(0).1;
    assert_eq!(steps.value().scalar::<i64>(), 1, "saved 0, then one call of the loaded signature");
    sig.call(&[("x", &x23())]).unwrap();
    assert_eq!(steps.value().scalar::<i64>(), 2);
    assert_eq!(net.steps.value().scalar::<i64>(), 1);
    assert_eq!(loaded.trainable_variables().len(), 2);
}

#[test]
fn the_variables_directory_is_a_tensorflow_checkpoint_of_the_module() {
    let dir = tmp("ckpt").join("net");
    let (net, _) = save_net(&dir);
    let r = tf::train::load_checkpoint(dir.join("variables/variables")).unwrap();
    let keys: Vec<String> = r.get_variable_to_shape_map().into_keys().collect();
    assert_eq!(
        keys,
        vec![
            "_CHECKPOINTABLE_OBJECT_GRAPH",
            "dense/bias/.ATTRIBUTES/VARIABLE_VALUE",
            "dense/kernel/.ATTRIBUTES/VARIABLE_VALUE",
            "steps/.ATTRIBUTES/VARIABLE_VALUE"
        ]
    );
    // The same keys, shapes and dtypes as TensorFlow's own SavedModel of gen.py's Net.
    let tf_saved = tf::train::load_checkpoint(golden("tf_net/variables/variables")).unwrap();
    assert_eq!(r.get_variable_to_shape_map(), tf_saved.get_variable_to_shape_map());
    assert_eq!(r.get_variable_to_dtype_map(), tf_saved.get_variable_to_dtype_map());
    let k = r.get_tensor("dense/kernel/.ATTRIBUTES/VARIABLE_VALUE").unwrap();
    assert_eq!(k.to_vec::<f32>(), net.dense.kernel.value().to_vec::<f32>());
    // A checkpoint of the loaded object reads a checkpoint of the original module.
    let loaded = saved_model::load(&dir).unwrap();
    net.dense.bias.assign(&tf::constant([5.0f32, 6.0, 7.0]));
    let prefix = tf::train::Checkpoint::of(&net).write(dir.parent().unwrap().join("orig")).unwrap();
    tf::train::Checkpoint::of(&loaded)
        .restore(&prefix)
        .unwrap()
        .assert_consumed()
        .unwrap();
    let bias = loaded.named_variables().into_iter().find(|(p, _, _)| p == "dense/bias").unwrap().1;
    assert_eq!(bias.value().to_vec::<f32>(), vec![5.0, 6.0, 7.0]);
}

#[tf::function]
fn collatz_steps(n: &Tensor) -> Tensor {
    let mut n = n.clone();
    let mut steps = tf::constant(0i32);
    while tf::greater(&n, &tf::constant(1i32)) {
        if tf::equal(&tf::math::floormod(&n, &tf::constant(2i32)), &tf::constant(0i32)) {
            n = tf::math::floordiv(&n, &tf::constant(2i32));
        } else {
            n = n * 3i32 + 1i32;
        }
        steps = steps + 1i32;
    }
    steps
}

#[test]
fn control_flow_and_several_traces_survive_and_dispatch_by_signature() {
    let dir = tmp("control").join("m");
    let f = tf::function_of!(collatz_steps);
    assert_eq!(collatz_steps(&tf::constant(27i32)).scalar::<i32>(), 111);
    assert_eq!(f.concrete_functions().len(), 1);
    let empty = Variable::new(tf::constant(0.0f32));
    #[derive(tf::Module)]
    struct Holder {
        v: Variable,
    }
    let m = Holder { v: empty };
    let with_rank1 = tf::Function::new("first", |x: &[Tensor]| vec![tf::reduce_sum(&x[0], None, false)]);
    with_rank1.get_concrete_function(&[TensorSpec::new([3], tf::int32)]);
    with_rank1.get_concrete_function(&[TensorSpec::new([2, 2], tf::int32)]);
    saved_model::save(
        &m,
        &dir,
        Signatures::new().function("collatz_steps", f).function("sum", &with_rank1),
    )
    .unwrap();
    let loaded = saved_model::load(&dir).unwrap();
    assert_eq!(loaded.function_names(), vec!["collatz_steps", "sum"]);
    assert!(loaded.signature_keys().is_empty(), "a module has no signatures unless given");
    let c = loaded.function("collatz_steps").unwrap();
    for (n, steps) in [(27, 111), (1, 0), (6, 8), (97, 118)] {
        assert_eq!(c.call(&[tf::constant(n)]).unwrap()[0].scalar::<i32>(), steps, "collatz({n})");
    }
    let sum = loaded.function("sum").unwrap();
    assert_eq!(sum.call(&[tf::constant([1i32, 2, 3])]).unwrap()[0].scalar::<i32>(), 6);
    assert_eq!(sum.call(&[tf::constant([[1i32, 2], [3, 4]])]).unwrap()[0].scalar::<i32>(), 10);
    let e = sum.call(&[tf::constant([1.0f32, 2.0])]).unwrap_err().to_string();
    assert!(
        e.contains("Could not find matching function to call loaded from the SavedModel"),
        "{e}"
    );
    assert!(
        e.contains("float32 (2,)") && e.contains("int32 (3,)") && e.contains("int32 (2, 2)"),
        "{e}"
    );
    let e = loaded.function("call").unwrap_err().to_string();
    assert!(
        e.contains("no saved function `call`") && e.contains("`collatz_steps`, `sum`"),
        "{e}"
    );
    assert!(matches!(loaded.function("call"), Err(tf::Error::NotFound(_))));
}

#[test]
fn a_cond_inside_a_signature_survives() {
    let dir = tmp("cond").join("m");
    let net = Net::new();
    let k = net.dense.kernel.clone();
    let f = Function::new("clip", move |x: &[Tensor]| {
        let s = tf::reduce_sum(&x[0], None, false);
        let k = k.clone();
        let x0 = x[0].clone();
        tf::cond(
            &tf::greater(&s, &tf::constant(0.0f32)),
            move || vec![tf::matmul(&x0, &k.value())],
            || vec![tf::zeros([2, 3], tf::float32)],
        )
    });
    let cf = f.get_concrete_function(&[spec(&[2, 4])]);
    saved_model::save(&net, &dir, &cf).unwrap();
    let loaded = saved_model::load(&dir).unwrap();
    let sig = loaded.signature("serving_default").unwrap();
    assert_eq!(sig.inputs()[0].0, "args_0", "TensorFlow's name for a positional argument");
    let pos = sig.call(&[("args_0", &x23())]).unwrap();
    assert_eq!(pos["output_0"].to_vec::<f32>(), cf.call(&[x23()]).unwrap()[0].to_vec::<f32>());
    let neg = sig.call(&[("args_0", &-x23())]).unwrap();
    assert_eq!(neg["output_0"].to_vec::<f32>(), vec![0.0; 6]);
}

#[test]
fn gradients_flow_through_a_loaded_signature_to_its_variables() {
    let dir = tmp("grad").join("net");
    let (net, cf) = save_net(&dir);
    let loaded = saved_model::load(&dir).unwrap();
    let sig = loaded.signature("serving_default").unwrap();
    let grads = |call: &dyn Fn() -> Tensor, vars: Vec<Variable>| {
        let tape = tf::GradientTape::new();
        let y = tf::reduce_sum(&(call() * call()), None, false);
        let g = tape.gradients(&[&y], &vars, None, tf::UnconnectedGradients::None);
        g.into_iter().map(|g| g.unwrap().to_vec::<f32>()).collect::<Vec<_>>()
    };
    let ours = grads(&|| sig.call(&[("x", &x23())]).unwrap()["y"].clone(), loaded.trainable_variables());
    let orig = grads(&|| cf.call(&[x23()]).unwrap().remove(0), net.trainable_variables());
    assert_eq!(ours, orig);
    assert!(ours[1].iter().any(|&g| g != 0.0));
}

#[test]
fn bad_calls_are_errors_naming_the_input() {
    let dir = tmp("calls").join("net");
    save_net(&dir);
    let loaded = saved_model::load(&dir).unwrap();
    let e = loaded.signature("serve").unwrap_err().to_string();
    assert!(e.contains("no signature `serve`") && e.contains("`serving_default`"), "{e}");
    let sig = loaded.signature("serving_default").unwrap();
    let e = sig.call(&[("x", &tf::zeros([3, 4], tf::float32))]).unwrap_err().to_string();
    assert!(
        e.contains("input `x` is a float32 tensor of shape (3, 4)") && e.contains("float32 of shape (2, 4)"),
        "{e}"
    );
    let e = sig.call(&[("x", &tf::zeros([2, 4], tf::float64))]).unwrap_err().to_string();
    assert!(e.contains("float64"), "{e}");
    let e = sig.call(&[("inputs", &x23())]).unwrap_err().to_string();
    assert!(e.contains("unexpected input `inputs`") && e.contains("`x`: float32 (2, 4)"), "{e}");
    let e = sig.call(&[]).unwrap_err().to_string();
    assert!(e.contains("missing input `x`"), "{e}");
}

#[test]
fn what_cannot_be_saved_is_refused_before_anything_is_written() {
    let root = tmp("refuse");
    let net = Net::new();
    let stray = Variable::new(tf::constant(1.0f32));
    let f = Function::new("uses_stray", move |x: &[Tensor]| vec![&x[0] * &stray.value()]);
    let cf = f.get_concrete_function(&[spec(&[2])]);
    let e = saved_model::save(&net, root.join("a"), &cf).unwrap_err().to_string();
    assert!(
        e.contains("`uses_stray` uses the variable") && e.contains("which `net` does not track"),
        "{e}"
    );
    assert!(!root.join("a").exists());
    let e = saved_model::save(&net, root.join("b"), Signature::new(&cf).inputs(["x", "y"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("names 2 inputs and 1 outputs, but its function takes 1 and returns 1"),
        "{e}"
    );
    let untraced = Function::new("untraced", |x: &[Tensor]| vec![x[0].clone()]);
    let e = saved_model::save(&net, root.join("c"), Signatures::new().function("untraced", &untraced))
        .unwrap_err()
        .to_string();
    assert!(e.contains("function `untraced` has no traces to save"), "{e}");
    // A directory of something else is not replaced.
    let other = root.join("photos");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("cat.jpg"), b"meow").unwrap();
    let (_, serve) = (0, net.serve().get_concrete_function(&[spec(&[2, 4])]));
    let e = saved_model::save(&net, &other, &serve).unwrap_err().to_string();
    assert!(e.contains("holds `cat.jpg`, which is not part of a SavedModel"), "{e}");
    assert_eq!(std::fs::read(other.join("cat.jpg")).unwrap(), b"meow");
    let leftovers: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("photos")],
        "no temporary directories stay behind"
    );
}

#[test]
fn a_failed_save_leaves_the_previous_saved_model_loadable() {
    let dir = tmp("resave").join("net");
    save_net(&dir);
    let net = Net::new();
    net.dense.bias.assign(&tf::constant([9.0f32, 9.0, 9.0]));
    let cf = net.serve().get_concrete_function(&[spec(&[2, 4])]);
    let missing = dir.parent().unwrap().join("no-such-vocab.txt");
    let e = saved_model::save(&net, &dir, Signatures::from(&cf).asset(&missing)).unwrap_err();
    assert!(matches!(e, tf::Error::Io { .. }), "{e}");
    let loaded = saved_model::load(&dir).unwrap();
    let bias = loaded.named_variables().into_iter().find(|(p, _, _)| p == "dense/bias").unwrap().1;
    assert_eq!(bias.value().to_vec::<f32>(), vec![0.1, -0.2, 0.3], "the first save is intact");
    // A save that succeeds replaces it.
    saved_model::save(&net, &dir, &cf).unwrap();
    let loaded = saved_model::load(&dir).unwrap();
    let bias = loaded.named_variables().into_iter().find(|(p, _, _)| p == "dense/bias").unwrap().1;
    assert_eq!(bias.value().to_vec::<f32>(), vec![9.0, 9.0, 9.0]);
    let names: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("net")]);
}

#[test]
fn assets_are_copied_and_found_by_name() {
    let root = tmp("assets");
    let vocab = root.join("vocab.txt");
    std::fs::write(&vocab, "a\nb\nc\n").unwrap();
    let net = Net::new();
    let cf = net.serve().get_concrete_function(&[spec(&[2, 4])]);
    saved_model::save(&net, root.join("m"), Signatures::from(&cf).asset(&vocab)).unwrap();
    std::fs::remove_file(&vocab).unwrap();
    let loaded = saved_model::load(root.join("m")).unwrap();
    let p = loaded.asset_path("vocab.txt").unwrap();
    assert_eq!(std::fs::read_to_string(p).unwrap(), "a\nb\nc\n");
    let e = loaded.asset_path("labels.txt").unwrap_err().to_string();
    assert!(e.contains("no asset `labels.txt`") && e.contains("`vocab.txt`"), "{e}");
}

fn program(dir: &Path) -> PathBuf {
    dir.join(saved_model::PROGRAM_FILE)
}

/// Rewrites the payload of a program file and its checksum, as a crafted file would.
fn reframe(bytes: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let magic = b"tf-rs saved model\n".len();
    let mut payload = bytes[magic + 12..bytes.len() - 4].to_vec();
    edit(&mut payload);
    let mut out = bytes[..magic + 4].to_vec();
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&tf::data::masked_crc32c(&payload).to_le_bytes());
    out
}

#[test]
fn damaged_program_files_are_refused_at_every_truncation_and_flipped_byte() {
    let dir = tmp("damage").join("net");
    save_net(&dir);
    let good = std::fs::read(program(&dir)).unwrap();
    for cut in 0..good.len() {
        std::fs::write(program(&dir), &good[..cut]).unwrap();
        let e = saved_model::load(&dir).err().unwrap_or_else(|| panic!("a cut at {cut} loaded"));
        assert!(matches!(e, tf::Error::DataLoss(_)), "cut {cut}: {e}");
        assert!(e.to_string().contains("saved_model.tfrs"), "cut {cut}: {e}");
    }
    for i in (0..good.len()).step_by(7) {
        let mut bad = good.clone();
        bad[i] ^= 0x5A;
        std::fs::write(program(&dir), &bad).unwrap();
        assert!(saved_model::load(&dir).is_err(), "a flipped byte at {i} loaded");
    }
    let missing = saved_model::load(dir.with_file_name("nothing")).err().unwrap();
    assert!(matches!(missing, tf::Error::NotFound(_)), "{missing}");
    // Python TensorFlow's SavedModel: its graphs are TensorFlow's; its variables still load.
    let python = dir.with_file_name("python");
    std::fs::create_dir_all(&python).unwrap();
    std::fs::write(python.join("saved_model.pb"), b"\x08\x01").unwrap();
    let e = saved_model::load(&python).err().unwrap();
    assert!(matches!(e, tf::Error::Unimplemented(_)), "{e}");
    assert!(
        e.to_string().contains("written by Python TensorFlow") && e.to_string().contains("load_checkpoint"),
        "{e}"
    );
}

#[test]
fn crafted_payloads_with_valid_checksums_load_or_fail_but_never_panic() {
    let dir = tmp("crafted").join("net");
    save_net(&dir);
    let good = std::fs::read(program(&dir)).unwrap();
    let magic = b"tf-rs saved model\n".len();
    let n = good.len() - magic - 16;
    let (mut ok, mut refused) = (0, 0);
    for i in 0..n {
        for x in [0x01u8, 0x80, 0xFF] {
            std::fs::write(program(&dir), reframe(&good, |p| p[i] ^= x)).unwrap();
            match saved_model::load(&dir) {
                Ok(m) => {
                    ok += 1;
                    // What loads must also run (or fail) cleanly.
                    if let Ok(s) = m.signature("serving_default") {
                        let _ = s.call(&[("x", &x23())]);
                    }
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(refused > 0 && ok + refused == 3 * n);
}

#[test]
fn inconsistent_graphs_are_refused_by_shape_inference() {
    let dir = tmp("infer").join("net");
    save_net(&dir);
    let good = std::fs::read(program(&dir)).unwrap();
    // A crafted file whose MatMul node claims to be an ArgMax: its inputs and stored outputs
    // do not fit that op, which shape inference finds before anything runs.
    let bad = reframe(&good, |p| {
        let at = p.windows(6).position(|w| w == b"MatMul").expect("a MatMul node");
        p[at..at + 6].copy_from_slice(b"ArgMax");
    });
    std::fs::write(program(&dir), bad).unwrap();
    let e = saved_model::load(&dir).err().unwrap();
    assert!(matches!(e, tf::Error::DataLoss(_)), "{e}");
    let e = e.to_string();
    assert!(
        e.contains("saved_model.tfrs") && e.contains("graph `serve`, node") && e.contains("ArgMax"),
        "{e}"
    );
}

#[test]
fn a_newer_format_version_is_refused_by_name() {
    let dir = tmp("version").join("net");
    save_net(&dir);
    let mut bytes = std::fs::read(program(&dir)).unwrap();
    let magic = b"tf-rs saved model\n".len();
    bytes[magic..magic + 4].copy_from_slice(&7u32.to_le_bytes());
    std::fs::write(program(&dir), &bytes).unwrap();
    let e = saved_model::load(&dir).err().unwrap();
    assert!(matches!(e, tf::Error::Unimplemented(_)), "{e}");
    assert!(
        e.to_string()
            .contains("format version 7, but this build of tf reads versions up to 1"),
        "{e}"
    );
    let unknown_op = reframe(&bytes, |p| {
        let at = p.windows(6).position(|w| w == b"MatMul").unwrap();
        p[at..at + 6].copy_from_slice(b"MatMux");
    });
    let mut fixed = unknown_op;
    fixed[magic..magic + 4].copy_from_slice(&1u32.to_le_bytes());
    std::fs::write(program(&dir), &fixed).unwrap();
    let e = saved_model::load(&dir).err().unwrap().to_string();
    assert!(e.contains("op `MatMux` is not in this build of tf"), "{e}");
}

#[test]
fn a_damaged_variables_checkpoint_is_refused_naming_it() {
    let dir = tmp("vars").join("net");
    save_net(&dir);
    let data = dir.join("variables/variables.data-00000-of-00001");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[3] ^= 0xFF;
    std::fs::write(&data, &bytes).unwrap();
    let e = saved_model::load(&dir).err().unwrap();
    assert!(matches!(e, tf::Error::DataLoss(_)), "{e}");
    assert!(e.to_string().contains("variables"), "{e}");
    std::fs::remove_file(&data).unwrap();
    assert!(saved_model::load(&dir).is_err());
}

/// gen.py saved `Net` with TensorFlow after setting its variables; its `serving_default`
/// output for `x` is in `golden.npz`. The same module here, restored from TensorFlow's
/// SavedModel variables and saved by us, loads and gives TensorFlow's numbers.
#[test]
fn tensorflow_variables_and_outputs_match_after_our_round_trip() {
    let net = Net::new();
    tf::train::Checkpoint::of(&net)
        .restore(golden("tf_net/variables/variables"))
        .unwrap()
        .assert_existing_objects_matched()
        .unwrap();
    let g = tf::data::load_npz(golden("golden.npz")).unwrap();
    assert_eq!(net.dense.kernel.value().to_vec::<f32>(), g["kernel"].to_vec::<f32>());
    assert_eq!(net.steps.value().scalar::<i64>(), 5);
    let dir = tmp("golden").join("net");
    let cf = net.serve().get_concrete_function(&[spec(&[2, 4])]);
    saved_model::save(&net, &dir, Signature::new(&cf).inputs(["x"]).outputs(["output_0"])).unwrap();
    let loaded = saved_model::load(&dir).unwrap();
    let out = loaded.signature("serving_default").unwrap().call(&[("x", &g["x"])]).unwrap();
    let (ours, want) = (out["output_0"].to_vec::<f32>(), g["y"].to_vec::<f32>());
    assert_eq!(ours.len(), want.len());
    for (a, b) in ours.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{ours:?} vs TensorFlow's {want:?}");
    }
}

#[test]
fn a_loaded_signature_called_inside_a_graph_function_is_inlined_into_it() {
    let dir = tmp("inline").join("net");
    let (_, cf) = save_net(&dir);
    let loaded = Arc::new(saved_model::load(&dir).unwrap());
    let l = loaded.clone();
    let outer = Function::new("outer", move |x: &[Tensor]| {
        let y = l.signature("serving_default").unwrap().call(&[("x", &x[0])]).unwrap();
        vec![&y["y"] * 2.0f32]
    });
    let got = outer.call(&[x23()]).remove(0);
    let want: Vec<f32> = cf.call(&[x23()]).unwrap()[0].to_vec::<f32>().iter().map(|v| v * 2.0).collect();
    assert_eq!(got.to_vec::<f32>(), want);
    let text = outer.concrete_functions()[0].graph().to_string();
    assert!(text.contains("MatMul") && text.contains("AssignAddVariableOp"), "{text}");
    let steps = loaded.named_variables().remove(0).1;
    outer.call(&[x23()]);
    assert_eq!(steps.value().scalar::<i64>(), 2, "saved 0, then two runs of the outer graph");
}

#[test]
fn a_signature_with_an_unknown_batch_dimension_serves_every_batch_size() {
    let dir = tmp("batch").join("net");
    let net = Net::new();
    let cf = net
        .serve()
        .get_concrete_function(&[TensorSpec::new(tf::Shape::partial(&[None, Some(4)]), tf::float32)]);
    saved_model::save(&net, &dir, Signature::new(&cf).inputs(["x"]).outputs(["y"])).unwrap();
    let loaded = saved_model::load(&dir).unwrap();
    let sig = loaded.signature("serving_default").unwrap();
    assert_eq!(
        sig.inputs()[0].1.to_string(),
        "TensorSpec(shape=(None, 4), dtype=tf.float32, name=None)"
    );
    for rows in [1usize, 3] {
        let x = tf::reshape(&(tf::range(4.0 * rows as f32) * 0.25f32 - 1.0f32), [rows as i64, 4]);
        let want = cf.call(std::slice::from_ref(&x)).unwrap().remove(0);
        let got = sig.call(&[("x", &x)]).unwrap();
        assert_eq!(got["y"].shape().dims(), &[rows, 3]);
        assert_eq!(got["y"].to_vec::<f32>(), want.to_vec::<f32>());
    }
    let err = sig.call(&[("x", &tf::ones([2, 5], tf::float32))]).unwrap_err().to_string();
    assert!(err.contains("takes float32 of shape (None, 4)"), "{err}");
}
