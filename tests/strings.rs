//! String tensors (`tf::string`) and `tf::strings`, against a real TensorFlow 2.21 run
//! (`tests/golden/gen_strings.py`): the text ops, splitting, hashing, printing, and the
//! movement and comparison ops on strings, eagerly and traced.

mod common;

use serde_json::Value;
use std::sync::Arc;
use tf::{Function, Tensor};

fn assert_tensor(name: &str, got: &Tensor, want: &Tensor) {
    assert_eq!((got.dtype(), got.shape()), (want.dtype(), want.shape()), "{name}");
    assert_eq!(got.buffer(), want.buffer(), "{name}");
}

/// Runs golden case `c` by `f` (eagerly, or inside a traced function).
type Body = Arc<dyn Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync>;

fn run_case(c: &Value, call: &dyn Fn(&[Tensor], Body) -> Vec<Tensor>) {
    let name = c["name"].as_str().expect("name");
    let a = &c["args"];
    let input = || common::golden_tensor(&a["input"]);
    let s = |k: &str| a[k].as_str().expect("a string arg").to_string();
    let out: Vec<Tensor> = match c["fn"].as_str().expect("fn") {
        "lower" => call(&[input()], Arc::new(|x| vec![tf::strings::lower(&x[0])])),
        "lower_unicode" => call(&[input()], Arc::new(|x| vec![tf::strings::lower_unicode(&x[0])])),
        "upper" => call(&[input()], Arc::new(|x| vec![tf::strings::upper(&x[0])])),
        "upper_unicode" => call(&[input()], Arc::new(|x| vec![tf::strings::upper_unicode(&x[0])])),
        "strip" => call(&[input()], Arc::new(|x| vec![tf::strings::strip(&x[0])])),
        "length" => call(&[input()], Arc::new(|x| vec![tf::strings::length(&x[0])])),
        "length_chars" => call(&[input()], Arc::new(|x| vec![tf::strings::length_chars(&x[0])])),
        "regex_replace" => {
            let (p, r, g) = (s("pattern"), s("rewrite"), a["replace_global"].as_bool().expect("flag"));
            call(&[input()], Arc::new(move |x| vec![tf::strings::regex_replace(&x[0], &p, &r, g)]))
        }
        "split" => {
            let sep = a["sep"].as_str().map(String::from);
            let max = a["maxsplit"].as_i64().expect("maxsplit");
            let got = call(
                &[input()],
                Arc::new(move |x| {
                    let t = tf::strings::split_max(&x[0], sep.as_deref(), max);
                    vec![t.indices, t.values, t.dense_shape]
                }),
            );
            for (k, (g, key)) in got.iter().zip(["indices", "values", "dense_shape"]).enumerate() {
                assert_tensor(&format!("{name} output {k}"), g, &common::golden_tensor(&c["output"][key]));
            }
            return;
        }
        "unicode_split" => {
            let got = call(
                &[input()],
                Arc::new(|x| {
                    let t = tf::strings::unicode_split(&x[0]);
                    vec![t.indices, t.values, t.dense_shape]
                }),
            );
            for (k, (g, key)) in got.iter().zip(["indices", "values", "dense_shape"]).enumerate() {
                assert_tensor(&format!("{name} output {k}"), g, &common::golden_tensor(&c["output"][key]));
            }
            return;
        }
        "ngrams" => {
            let widths: Vec<usize> = a["widths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_u64().unwrap() as usize)
                .collect();
            let (sep, pads) = (s("separator"), common::json_strings(&a["pad_values"]));
            let (pw, short) = (
                a["padding_width"].as_i64().unwrap(),
                a["preserve_short_sequences"].as_bool().unwrap(),
            );
            let got = call(
                &[input()],
                Arc::new(move |x| {
                    let tokens = tf::strings::split(&x[0], None);
                    let t = tf::strings::ngrams_with(&tokens, &widths, &sep, (&pads[0], &pads[1]), pw, short);
                    vec![t.indices, t.values, t.dense_shape]
                }),
            );
            for (k, (g, key)) in got.iter().zip(["indices", "values", "dense_shape"]).enumerate() {
                assert_tensor(&format!("{name} output {k}"), g, &common::golden_tensor(&c["output"][key]));
            }
            return;
        }
        "as_string" => call(&[input()], Arc::new(|x| vec![tf::strings::as_string(&x[0])])),
        "as_string_with" => {
            let p = a["precision"].as_u64().map(|p| p as usize);
            let (sci, short) = (a["scientific"].as_bool().unwrap(), a["shortest"].as_bool().unwrap());
            call(
                &[input()],
                Arc::new(move |x| vec![tf::strings::as_string_with(&x[0], p, sci, short)]),
            )
        }
        "to_number" => {
            let t = match a["out_type"].as_str().unwrap() {
                "float32" => tf::float32,
                "float64" => tf::float64,
                "int32" => tf::int32,
                _ => tf::int64,
            };
            if let Some(e) = c["output"].get("error") {
                let x = input();
                let msg = common::panic_message(move || {
                    call(std::slice::from_ref(&x), Arc::new(move |x| vec![tf::strings::to_number(&x[0], t)]));
                });
                assert!(msg.contains(e.as_str().unwrap()), "{name}: {msg}");
                return;
            }
            call(&[input()], Arc::new(move |x| vec![tf::strings::to_number(&x[0], t)]))
        }
        "join" => {
            let ins: Vec<Tensor> = a["inputs"].as_array().unwrap().iter().map(common::golden_tensor).collect();
            let sep = s("separator");
            call(
                &ins,
                Arc::new(move |x| vec![tf::strings::join(&x.iter().collect::<Vec<_>>(), &sep)]),
            )
        }
        "to_hash_bucket_fast" => {
            let n = a["num_buckets"].as_u64().expect("buckets");
            call(&[input()], Arc::new(move |x| vec![tf::strings::to_hash_bucket_fast(&x[0], n)]))
        }
        "to_hash_bucket_strong" => {
            let n = a["num_buckets"].as_u64().expect("buckets");
            let k: Vec<u64> = a["key"]
                .as_array()
                .expect("key")
                .iter()
                .map(|k| k.as_i64().expect("key") as u64)
                .collect();
            let key = [k[0], k[1]];
            call(
                &[input()],
                Arc::new(move |x| vec![tf::strings::to_hash_bucket_strong(&x[0], n, key)]),
            )
        }
        "print" => {
            assert_eq!(input().to_string(), c["output"].as_str().expect("text"), "{name}");
            return;
        }
        "equal" => call(
            &[common::golden_tensor(&a["x"]), common::golden_tensor(&a["y"])],
            Arc::new(|x| vec![tf::equal(&x[0], &x[1])]),
        ),
        "not_equal" => call(
            &[common::golden_tensor(&a["x"]), common::golden_tensor(&a["y"])],
            Arc::new(|x| vec![tf::not_equal(&x[0], &x[1])]),
        ),
        "gather" => call(
            &[common::golden_tensor(&a["params"]), common::golden_tensor(&a["indices"])],
            Arc::new(|x| vec![tf::gather(&x[0], &x[1], 1)]),
        ),
        "concat" => call(
            &[common::golden_tensor(&a["x"]), common::golden_tensor(&a["y"])],
            Arc::new(|x| vec![tf::concat(&[&x[0], &x[1]], 1)]),
        ),
        "transpose" => call(&[common::golden_tensor(&a["x"])], Arc::new(|x| vec![tf::transpose(&x[0], None)])),
        "reshape" => call(&[common::golden_tensor(&a["x"])], Arc::new(|x| vec![tf::reshape(&x[0], [3, 2])])),
        "where" => call(
            &[
                common::golden_tensor(&a["cond"]),
                common::golden_tensor(&a["x"]),
                common::golden_tensor(&a["y"]),
            ],
            Arc::new(|x| vec![tf::where_(&x[0], &x[1], &x[2])]),
        ),
        "reverse" => call(&[common::golden_tensor(&a["x"])], Arc::new(|x| vec![tf::reverse(&x[0], &[1])])),
        "tile" => call(&[common::golden_tensor(&a["x"])], Arc::new(|x| vec![tf::tile(&x[0], &[1, 2])])),
        "pad" => call(
            &[common::golden_tensor(&a["x"])],
            Arc::new(|x| vec![tf::pad(&x[0], &[(1, 0), (0, 1)], 0.0)]),
        ),
        "stack" => call(
            &[common::golden_tensor(&a["x"]), common::golden_tensor(&a["y"])],
            Arc::new(|x| vec![tf::stack(&[&x[0], &x[1]], 1)]),
        ),
        "slice" => call(
            &[common::golden_tensor(&a["x"])],
            Arc::new(|x| vec![tf::slice(&x[0], &[0, 1], &[2, 2])]),
        ),
        "searchsorted" => {
            let got = call(
                &[common::golden_tensor(&a["sorted"]), common::golden_tensor(&a["values"])],
                Arc::new(|x| vec![tf::searchsorted(&x[0], &x[1], "left"), tf::searchsorted(&x[0], &x[1], "right")]),
            );
            for (g, side) in got.iter().zip(["left", "right"]) {
                let want: Vec<i32> = c["output"][side]
                    .as_array()
                    .expect("ints")
                    .iter()
                    .map(|v| v.as_i64().unwrap() as i32)
                    .collect();
                assert_eq!(g.to_vec::<i32>(), want, "{name} {side}");
            }
            return;
        }
        "to_dense" => {
            let d = s("default");
            call(
                &[input()],
                Arc::new(move |x| vec![tf::sparse::to_dense(&tf::strings::split(&x[0], None), &tf::constant(d.as_str()))]),
            )
        }
        other => panic!("no runner for {other}"),
    };
    assert_tensor(name, &out[0], &common::golden_tensor(&c["output"]));
}

fn cases() -> Vec<Value> {
    common::golden_json("strings.json")["cases"].as_array().expect("cases").clone()
}

#[test]
fn string_ops_match_tensorflow_eagerly() {
    let cases = cases();
    assert!(cases.len() >= 40);
    for c in &cases {
        run_case(c, &|args, f| f(args));
    }
}

#[test]
fn string_ops_match_tensorflow_traced() {
    for c in cases().iter().filter(|c| c["fn"] != "print") {
        // A function per case, traced on its inputs (string placeholders included).
        run_case(c, &|args, f| Function::new("strings", move |xs: &[Tensor]| f(xs)).call(args));
    }
}

#[test]
fn tf_print_quotes_strings_as_tensorflow_does() {
    // TensorFlow 2.21: tf.print(tf.constant(['a', 'b c']), tf.constant('x'), tf.constant([["it's"]]))
    tf::ops::io::capture_prints();
    tf::print(&[&tf::constant(["a", "b c"]), &tf::constant("x"), &tf::constant([["it's"]])]);
    assert_eq!(tf::ops::io::take_printed(), vec![r#"["a" "b c"] "x" [["it\'s"]]"#]);
    // TensorFlow 2.21: tf.print(tf.constant(["é\x01\n'\""])) keeps UTF-8 characters.
    tf::ops::io::capture_prints();
    tf::print(&[&tf::constant(["é\u{1}\n'\""])]);
    assert_eq!(tf::ops::io::take_printed(), vec![r#"["é\001\n\'\""]"#]);
}

#[test]
fn string_datasets_slice_batch_map_and_cache() {
    use tf::data::Dataset;
    let path = std::env::temp_dir().join(format!("tf-strings-cache-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let ds = Dataset::from_tensor_slices(tf::constant(["A b", "C", "d E f"]))
        .unwrap()
        .map(|t| tf::strings::lower(&t))
        .batch(2, false)
        .cache_file(&path);
    for pass in 0..2 {
        let batches: Vec<Vec<String>> = ds.iter().map(|b| b.unwrap().strings().to_vec()).collect();
        assert_eq!(batches, vec![vec!["a b", "c"], vec!["d e f"]], "pass {pass}");
    }
    assert!(path.exists());
    std::fs::remove_file(&path).ok();
}

#[derive(tf::Module)]
struct Empty {}

#[test]
fn a_saved_model_serves_a_text_function() {
    let f = Function::new("buckets", |x: &[Tensor]| {
        let clean = tf::strings::regex_replace(&tf::strings::lower(&x[0]), r"[^a-z ]", "", true);
        vec![tf::strings::to_hash_bucket_fast(&clean, 1000), clean]
    });
    let cf = f.get_concrete_function(&[tf::ops::TensorSpec::new([tf::Shape::UNKNOWN], tf::string)]);
    let dir = std::env::temp_dir().join(format!("tf-strings-sm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sig = tf::saved_model::Signature::new(&cf).inputs(["text"]).outputs(["bucket", "clean"]);
    tf::saved_model::save(&Empty {}, &dir, sig).unwrap();
    let loaded = tf::saved_model::load(&dir).unwrap();
    let x = tf::constant(["Hello, World!", "A"]);
    let out = loaded.signature("serving_default").unwrap().call(&[("text", &x)]).unwrap();
    assert_eq!(out["clean"].strings(), ["hello world", "a"]);
    // TensorFlow 2.21: tf.strings.to_hash_bucket_fast(["hello world", "a"], 1000)
    assert_eq!(
        out["bucket"].to_vec::<i64>(),
        vec![
            tf::strings::to_hash_bucket_fast(&tf::constant("hello world"), 1000).scalar::<i64>(),
            939
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn strings_are_refused_where_tensorflow_refuses_them() {
    let t = tf::constant(["a", "b"]);
    let msg = common::panic_message(|| {
        let _ = &t + 1;
    });
    assert!(msg.contains("string tensor"), "{msg}");
    let msg = common::panic_message(|| {
        tf::cast(&t, tf::float32);
    });
    assert!(msg.contains("Cast") && msg.contains("string"), "{msg}");
    let msg = common::panic_message(|| {
        tf::reduce_sum(&t, None, false);
    });
    assert!(msg.contains("string"), "{msg}");
    let msg = common::panic_message(|| {
        tf::concat(&[&t, &tf::constant([1i64])], 0);
    });
    assert!(msg.contains("input #1") && msg.contains("int64"), "{msg}");
    assert_eq!(tf::zeros([2], tf::string).strings(), ["", ""]);
    let mut m = std::collections::BTreeMap::new();
    m.insert("t".to_string(), t.clone());
    let e = tf::safetensors::save_file(&m, std::env::temp_dir().join("tf-never-written.safetensors"), None).unwrap_err();
    assert!(e.to_string().contains("string tensor"), "{e}");
    let v = tf::Variable::new(t.clone());
    let e = tf::train::Checkpoint::new()
        .with("v", &v)
        .write(std::env::temp_dir().join("tf-never-written-ckpt"))
        .unwrap_err();
    assert!(e.to_string().contains("string tensor"), "{e}");
}

#[test]
fn text_line_datasets_read_lines_as_tensorflow_does() {
    let dir = std::env::temp_dir().join(format!("tf-text-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, gz) = (dir.join("a.txt"), dir.join("b.txt"), dir.join("c.txt.gz"));
    std::fs::write(&a, "a\r\nb\n\nlast").unwrap();
    std::fs::write(&b, "x\n").unwrap();
    // gzip of "g1\ng2\n": Python's gzip.compress(b"g1\ng2\n", mtime=0).
    let gzip = [
        0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3, 0x4b, 0x37, 0xe4, 0x4a, 0x37, 0xe2, 2, 0, 0xd9, 0x8f, 0xf2, 0x17, 6, 0, 0, 0,
    ];
    std::fs::write(&gz, gzip).unwrap();
    let lines = |ds: tf::data::Dataset<Tensor>| -> Vec<String> { ds.iter().map(|l| l.unwrap().strings()[0].clone()).collect() };
    // TensorFlow 2.21: tf.data.TextLineDataset([a, b]) and TextLineDataset(gz, "GZIP").
    assert_eq!(
        lines(tf::data::text_line_dataset(&[&a, &b], None).unwrap()),
        ["a", "b", "", "last", "x"]
    );
    assert_eq!(lines(tf::data::text_line_dataset(&[&gz], Some("GZIP")).unwrap()), ["g1", "g2"]);
    let ds = tf::data::text_line_dataset(&[&a], None).unwrap();
    assert_eq!(
        ds.element_spec().unwrap().to_string(),
        "TensorSpec(shape=(), dtype=tf.string, name=None)"
    );
    // Batched lines feed TextVectorization.adapt.
    let v = tf::keras::layers::TextVectorization::new();
    v.adapt_dataset(&tf::data::text_line_dataset(&[&a, &b], None).unwrap().batch(2, false))
        .unwrap();
    assert_eq!(v.get_vocabulary(), ["", "[UNK]", "x", "last", "b", "a"]);
    // Errors: the compression, a missing file, a line that is not text.
    assert!(tf::data::text_line_dataset(&[&a], Some("ZLIB")).is_err());
    let e = tf::data::text_line_dataset(&[dir.join("missing.txt")], None)
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .unwrap_err();
    assert!(e.to_string().contains("missing.txt"), "{e}");
    std::fs::write(&b, b"ok\n\xff\xfe\nnever").unwrap();
    let got: Vec<_> = tf::data::text_line_dataset(&[&b], None).unwrap().iter().collect();
    assert_eq!(got.len(), 2, "stops at the first error");
    let e = got[1].as_ref().unwrap_err();
    assert!(e.to_string().contains("line 2 is not UTF-8"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
