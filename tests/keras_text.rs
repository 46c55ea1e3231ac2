//! Keras's text preprocessing — StringLookup, TextVectorization and Hashing on strings —
//! against a real tf_keras 2.21 run (`tests/golden/gen_text.py`): outputs, adapted
//! vocabularies and idf weights, errors; then traced, in a trained model, and through configs.

mod common;

use serde_json::Value;
use tf::keras::layers::{self, Dense, Embedding, GlobalAveragePooling1D, Hashing, IntegerLookup, Layer, StringLookup, TextVectorization};
use tf::Tensor;

/// A layer a golden case describes.
enum Built {
    Lookup(StringLookup),
    IntLookup(IntegerLookup),
    Text(TextVectorization),
    Hash(Hashing),
}

impl Built {
    fn layer(&self) -> &dyn Layer {
        match self {
            Built::Lookup(l) => l,
            Built::IntLookup(l) => l,
            Built::Text(l) => l,
            Built::Hash(l) => l,
        }
    }
    fn vocabulary(&self) -> Option<Vec<String>> {
        match self {
            Built::Lookup(l) => Some(l.get_vocabulary()),
            Built::IntLookup(l) => Some(l.get_vocabulary().iter().map(i64::to_string).collect()),
            Built::Text(l) => Some(l.get_vocabulary()),
            Built::Hash(_) => None,
        }
    }
    fn idf_weights(&self) -> Option<Vec<f32>> {
        match self {
            Built::Lookup(l) => l.idf_weights(),
            Built::IntLookup(l) => l.idf_weights(),
            Built::Text(l) => l.idf_weights(),
            Built::Hash(_) => None,
        }
    }
}

/// The layer a golden case describes, adapted when it says so.
fn layer(c: &Value) -> Built {
    let a = &c["args"];
    let adapt = c.get("adapt").map(common::golden_tensor);
    match c["layer"].as_str().expect("layer") {
        "StringLookup" => {
            let mut l = StringLookup::new();
            if let Some(n) = a["max_tokens"].as_u64() {
                l = l.max_tokens(n as usize);
            }
            if let Some(n) = a["num_oov_indices"].as_u64() {
                l = l.num_oov_indices(n as usize);
            }
            if let Some(m) = a["mask_token"].as_str() {
                l = l.mask_token(m);
            }
            if let Some(m) = a["oov_token"].as_str() {
                l = l.oov_token(m);
            }
            if let Some(i) = a["invert"].as_bool() {
                l = l.invert(i);
            }
            if let Some(m) = a["output_mode"].as_str() {
                l = l.output_mode(m);
            }
            if let Some(p) = a["pad_to_max_tokens"].as_bool() {
                l = l.pad_to_max_tokens(p);
            }
            if a.get("vocabulary").is_some() {
                let idf: Option<Vec<f32>> = a["idf_weights"]
                    .as_array()
                    .map(|w| w.iter().map(|v| v.as_f64().unwrap() as f32).collect());
                if let Err(e) = l.set_vocabulary(common::json_strings(&a["vocabulary"]), idf.as_deref()) {
                    panic!("{e}");
                }
            }
            if let Some(d) = &adapt {
                l.adapt(d).unwrap();
            }
            Built::Lookup(l)
        }
        "IntegerLookup" => {
            let mut l = IntegerLookup::new();
            if let Some(n) = a["num_oov_indices"].as_u64() {
                l = l.num_oov_indices(n as usize);
            }
            let vocab: Vec<i64> = a["vocabulary"]
                .as_array()
                .expect("vocabulary")
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            Built::IntLookup(l.vocabulary(vocab))
        }
        "TextVectorization" => {
            let mut l = TextVectorization::new();
            if let Some(n) = a["max_tokens"].as_u64() {
                l = l.max_tokens(n as usize);
            }
            match a.get("standardize") {
                Some(Value::Null) => l = l.standardize(layers::Standardize::None),
                Some(s) => l = l.standardize(s.as_str().expect("standardize")),
                None => {}
            }
            match a.get("split") {
                Some(Value::Null) => l = l.split(layers::Split::None),
                Some(s) => l = l.split(s.as_str().expect("split")),
                None => {}
            }
            if let Some(m) = a["output_mode"].as_str() {
                l = l.output_mode(m);
            }
            match &a["ngrams"] {
                Value::Number(n) => l = l.ngrams(n.as_u64().unwrap() as usize),
                Value::Array(w) => l = l.ngram_widths(&w.iter().map(|w| w.as_u64().unwrap() as usize).collect::<Vec<_>>()),
                _ => {}
            }
            if let Some(n) = a["output_sequence_length"].as_u64() {
                l = l.output_sequence_length(n as usize);
            }
            if let Some(p) = a["pad_to_max_tokens"].as_bool() {
                l = l.pad_to_max_tokens(p);
            }
            if a.get("vocabulary").is_some() {
                l = l.vocabulary(common::json_strings(&a["vocabulary"]));
            }
            if let Some(d) = &adapt {
                l.adapt(d).unwrap();
            }
            Built::Text(l)
        }
        "Hashing" => {
            let mut l = Hashing::new(a["num_bins"].as_u64().expect("bins") as usize);
            match &a["mask_value"] {
                Value::String(m) => l = l.mask_value(m.as_str()),
                Value::Number(m) => l = l.mask_value(m.as_i64().expect("int mask")),
                _ => {}
            }
            match &a["salt"] {
                Value::Number(s) => l = l.salt(s.as_i64().expect("int salt")),
                Value::Array(k) => l = l.salt([k[0].as_i64().expect("salt"), k[1].as_i64().expect("salt")]),
                _ => {}
            }
            if let Some(m) = a["output_mode"].as_str() {
                l = l.output_mode(m);
            }
            Built::Hash(l)
        }
        other => panic!("layer {other}"),
    }
}

fn check_output(name: &str, got: &Tensor, want: &Tensor) {
    assert_eq!((got.dtype(), got.shape()), (want.dtype(), want.shape()), "{name}");
    match got.dtype() {
        tf::float32 => {
            for (g, w) in got.to_vec::<f32>().iter().zip(want.to_vec::<f32>()) {
                assert!((g - w).abs() <= 1e-6 * w.abs().max(1.0), "{name}: {g} vs {w}");
            }
        }
        _ => assert_eq!(got.buffer(), want.buffer(), "{name}"),
    }
}

#[test]
fn text_layers_match_keras() {
    let golden = common::golden_json("text.json");
    let cases = golden["cases"].as_array().expect("cases");
    assert!(cases.len() >= 40);
    for c in cases {
        let name = c["name"].as_str().expect("name");
        if c.get("error").is_some() {
            let msg = common::panic_message(|| {
                layer(c).layer().call(&common::golden_tensor(&c["input"]), false);
            });
            assert!(!msg.is_empty(), "{name}: Keras raised {}", c["error"]);
            // An in-graph assertion's data, as Keras's message quotes it.
            if let Some(m) = c["message"].as_str().and_then(|m| m.find("When `num_oov").map(|i| &m[i..])) {
                let want = &m[..m.find("=1`.").expect("the message's end") + 4];
                // Ours is the graph assertion's text, which escapes quotes (`\"`).
                let msg = msg.replace("\\\"", "\"");
                assert!(msg.contains(want), "{name}:\n got {msg}\nwant {want}");
            }
            continue;
        }
        let l = layer(c);
        check_output(
            name,
            &l.layer().call(&common::golden_tensor(&c["input"]), false),
            &common::golden_tensor(&c["output"]),
        );
        if let Some(v) = c.get("vocabulary") {
            assert_eq!(l.vocabulary().as_ref(), Some(&common::json_strings(v)), "{name}: vocabulary");
        }
        if let Some(w) = c.get("idf_weights") {
            let want: Vec<f32> = w.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
            let got = l.idf_weights().unwrap_or_else(|| panic!("{name}: no idf weights"));
            assert_eq!(got.len(), want.len(), "{name}: idf weights");
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-6 * w.abs().max(1.0), "{name}: idf {g} vs {w}");
            }
        }
    }
}

const REVIEWS: [&str; 5] = [
    "The movie was GREAT, a great cast!",
    "Terrible.   Terrible plot; bad acting...",
    "",
    "Ünïcode straße — great?",
    "bad bad bad",
];

fn adapted(l: TextVectorization) -> TextVectorization {
    l.adapt(&tf::constant(REVIEWS)).unwrap();
    l
}

/// Each configuration, called inside a traced function (a string placeholder with an
/// unknown batch), gives what it gives eagerly.
#[test]
fn text_vectorization_traced_equals_eager() {
    let make: Vec<fn() -> TextVectorization> = vec![
        || adapted(TextVectorization::new()),
        || adapted(TextVectorization::new().output_sequence_length(4)),
        || adapted(TextVectorization::new().output_mode("multi_hot").max_tokens(6)),
        || adapted(TextVectorization::new().output_mode("tf_idf")),
        || adapted(TextVectorization::new().split("character").output_sequence_length(9)),
        || adapted(TextVectorization::new().split(layers::Split::None)),
        || adapted(TextVectorization::new().ngrams(2).output_mode("count")),
    ];
    let x = tf::constant(REVIEWS);
    for (k, make) in make.into_iter().enumerate() {
        let l = std::sync::Arc::new(make());
        let eager = l.call(&x, false);
        let traced = l.clone();
        let f = tf::Function::new("vectorize", move |xs: &[Tensor]| vec![traced.call(&xs[0], false)]);
        let cf = f.get_concrete_function(&[tf::ops::TensorSpec::new([tf::Shape::UNKNOWN], tf::string)]);
        let got = cf.call(std::slice::from_ref(&x)).unwrap().remove(0);
        assert_eq!(got.buffer(), eager.buffer(), "configuration {k}");
        assert_eq!(got.shape(), eager.shape(), "configuration {k}");
    }
}

#[test]
fn adapt_from_a_dataset_equals_adapt_from_a_tensor() {
    let ds = tf::data::Dataset::from_tensor_slices(tf::constant(REVIEWS))
        .unwrap()
        .batch(2, false);
    for mode in ["int", "tf_idf"] {
        let a = TextVectorization::new().output_mode(mode);
        a.adapt_dataset(&ds).unwrap();
        let b = adapted(TextVectorization::new().output_mode(mode));
        assert_eq!(a.get_vocabulary(), b.get_vocabulary(), "{mode}");
        assert_eq!(a.idf_weights(), b.idf_weights(), "{mode}");
    }
}

#[test]
fn text_layer_configs_round_trip() {
    let layers: Vec<Box<dyn Layer>> = vec![
        Box::new(adapted(TextVectorization::new().output_sequence_length(5).max_tokens(8))),
        Box::new(adapted(TextVectorization::new().output_mode("tf_idf").standardize("lower"))),
        Box::new(adapted(TextVectorization::new().split("character").output_mode("count"))),
        Box::new(adapted(TextVectorization::new().ngram_widths(&[2, 1]).output_mode("multi_hot"))),
        Box::new(StringLookup::new().mask_token("").num_oov_indices(2).vocabulary(["great", "bad"])),
        Box::new(Hashing::new(7).mask_value("")),
        Box::new(Hashing::new(7).mask_value("").salt([3, -4])),
    ];
    let x = tf::constant([["great"], ["bad"], [""], ["meh"]]);
    for l in layers {
        let config = layers::serialize(l.as_ref()).unwrap();
        let back = layers::deserialize(&config).unwrap();
        assert_eq!(layers::serialize(back.as_ref()).unwrap(), config);
        let input = if l.class_name() == "TextVectorization" {
            tf::constant(REVIEWS)
        } else {
            x.clone()
        };
        assert_eq!(
            back.call(&input, false).buffer(),
            l.call(&input, false).buffer(),
            "{}",
            l.class_name()
        );
    }
    // Keras writes an integer salt `s` as `[s, s]`; a config may hold either.
    let config = serde_json::json!({"class_name": "Hashing", "config": {"num_bins": 3, "salt": 133}});
    let l = layers::deserialize(&config).unwrap();
    assert_eq!(
        layers::serialize(l.as_ref()).unwrap()["config"]["salt"],
        serde_json::json!([133, 133])
    );
    let x = tf::constant([["A"], ["B"], ["C"], ["D"], ["E"]]);
    assert_eq!(l.call(&x, false).to_vec::<i64>(), vec![0, 0, 2, 1, 0]); // Keras's documented buckets
    let bad = serde_json::json!({"class_name": "Hashing", "config": {"num_bins": 3, "salt": [1, 2, 3]}});
    let e = layers::deserialize(&bad).err().expect("three salts").to_string();
    assert!(e.contains("can only be a tuple of size 2 integers"), "{e}");
    // A custom standardize function has no config, as in Keras without registration.
    let custom = TextVectorization::new().standardize_fn(|x| tf::strings::lower(x));
    assert!(layers::serialize(&custom).is_err());
}

#[test]
fn a_custom_standardize_function_runs_first() {
    // The TensorFlow text classification tutorial's custom_standardization.
    let l = TextVectorization::new()
        .standardize_fn(|x| {
            let lower = tf::strings::lower(x);
            let no_html = tf::strings::regex_replace(&lower, "<br />", " ", true);
            tf::strings::regex_replace(&no_html, r#"[!"\#\$%\&'\(\)\*\+,\-\./:;<=>\?@\[\\\]\^_`\{\|\}\~]"#, "", true)
        })
        .vocabulary(["good", "movie"]);
    let y = l.call(&tf::constant(["Good<br />movie!", "good-movie"]), false);
    assert_eq!(y.to_vec::<i64>(), vec![2, 3, 1, 0]);
}

/// The TensorFlow text classification tutorial's model, on a small made-up corpus: text
/// vectorized in the dataset, then Embedding, GlobalAveragePooling1D and Dense; and the same
/// with the TextVectorization layer inside a functional model fitted on raw strings.
#[test]
fn a_text_classifier_learns_sentiment() {
    let _seed = common::seed_lock();
    tf::random::set_seed(3);
    let good = ["good", "great", "fine", "lovely", "superb"];
    let bad = ["bad", "awful", "poor", "boring", "dreadful"];
    let filler = ["the", "movie", "plot", "was", "really", "cast", "a", "and"];
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for i in 0..400usize {
        let positive = i % 2 == 0;
        let words = if positive { &good } else { &bad };
        let text = format!(
            "The {} {} {}, {}!",
            filler[i % 8],
            words[i % 5],
            filler[(i / 8) % 8],
            words[(i / 5) % 5].to_uppercase()
        );
        texts.push(text);
        labels.push(positive as i32 as f32);
    }
    let x = tf::constant(texts.clone());
    let y = tf::reshape(&tf::constant(labels), [-1, 1]);
    let vectorize = TextVectorization::new().max_tokens(50).output_sequence_length(6);
    vectorize.adapt(&x).unwrap();

    // Vectorized ahead, as the tutorial's `train_ds.map(vectorize_text)`.
    let ids = vectorize.call(&x, false);
    let mut model = tf::keras::sequential![Embedding::new(50, 8), GlobalAveragePooling1D::new(), Dense::new(1),];
    model.compile(
        tf::keras::optimizers::Adam::new(0.05),
        tf::keras::losses::BinaryCrossentropy::new().from_logits(true),
        &["binary_accuracy"],
    );
    let args = || tf::keras::FitArgs {
        epochs: 5,
        verbose: 0,
        ..Default::default()
    };
    let h = model.fit((&ids, &y), args()).unwrap();
    assert!(h["binary_accuracy"].last().copied().unwrap() > 0.95, "{:?}", h["binary_accuracy"]);

    // End to end on raw strings: the layer inside a functional model.
    let input = tf::keras::Input::with_dtype([1], tf::string);
    let v = std::sync::Arc::new(vectorize);
    let h1 = tf::keras::Apply::apply(v.clone(), &input);
    let h2 = tf::keras::Apply::apply(Embedding::new(50, 8), &h1);
    let h3 = tf::keras::Apply::apply(GlobalAveragePooling1D::new(), &h2);
    let out = tf::keras::Apply::apply(Dense::new(1), &h3);
    let mut e2e = tf::keras::Model::new(&input, &out).unwrap();
    e2e.compile(
        tf::keras::optimizers::Adam::new(0.05),
        tf::keras::losses::BinaryCrossentropy::new().from_logits(true),
        &["binary_accuracy"],
    );
    let column = tf::reshape(&x, [-1, 1]);
    let h = e2e.fit((&column, &y), args()).unwrap();
    assert!(h["binary_accuracy"].last().copied().unwrap() > 0.95, "{:?}", h["binary_accuracy"]);
    let p = e2e
        .predict(&tf::constant([["a GREAT plot, superb!"], ["awful and boring"]]), Default::default())
        .unwrap();
    let p = p.to_vec::<f32>();
    assert!(p[0] > 0.0 && p[1] < 0.0, "{p:?}");
}

#[test]
fn text_dataset_from_directory_matches_keras() {
    use tf::keras::utils::{text_dataset_from_directory, LabelMode, Subset, TextDatasetArgs};
    let golden = common::golden_json("text_dataset.json");
    let root = std::env::temp_dir().join(format!("tf-text-ds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (rel, text) in golden["tree"].as_object().expect("tree") {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text.as_str().unwrap()).unwrap();
    }
    for c in golden["cases"].as_array().expect("cases") {
        let (name, a) = (c["name"].as_str().unwrap(), &c["args"]);
        let args = TextDatasetArgs {
            shuffle: false,
            verbose: false,
            batch_size: a["batch_size"].as_u64().map(|b| b as usize),
            max_length: a["max_length"].as_u64().map(|b| b as usize),
            class_names: a.get("class_names").map(common::json_strings),
            label_mode: match a["label_mode"].as_str() {
                Some("binary") => LabelMode::Binary,
                Some("categorical") => LabelMode::Categorical,
                _ => LabelMode::Int,
            },
            validation_split: a["validation_split"].as_f64(),
            subset: a["subset"]
                .as_str()
                .map(|s| if s == "training" { Subset::Training } else { Subset::Validation }),
            ..Default::default()
        };
        let ds = text_dataset_from_directory(&root, args);
        if let Some(e) = c.get("error") {
            // Keras's words; Python quotes a list's strings with ', Rust with ".
            let want = format!("InvalidArgument: {}", e.as_str().unwrap().replace('\'', "\""));
            assert_eq!(ds.err().map(|e| e.to_string()), Some(want), "{name}");
            continue;
        }
        let ds = ds.unwrap();
        assert_eq!(ds.class_names, common::json_strings(&c["class_names"]), "{name}");
        let batches: Vec<(Tensor, Tensor)> = ds.dataset.iter().map(|b| b.unwrap()).collect();
        let want = c["batches"].as_array().unwrap();
        assert_eq!(batches.len(), want.len(), "{name}");
        for ((texts, labels), w) in batches.iter().zip(want) {
            assert_eq!(texts.strings(), common::json_strings(&w["texts"]), "{name}");
            let flat: Vec<f64> = w["labels"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|l| match l {
                    Value::Array(a) => a.iter().map(|v| v.as_f64().unwrap()).collect(),
                    v => vec![v.as_f64().unwrap()],
                })
                .collect();
            let got: Vec<f64> = tf::cast(labels, tf::float64).to_vec::<f64>();
            assert_eq!(got, flat, "{name}");
        }
    }
    // Not UTF-8: the dataset's error names the file.
    std::fs::write(root.join("neg/bad.txt"), [0xffu8, 0xfe]).unwrap();
    let args = TextDatasetArgs {
        shuffle: false,
        verbose: false,
        ..Default::default()
    };
    let e = text_dataset_from_directory(&root, args)
        .unwrap()
        .dataset
        .iter()
        .find_map(|b| b.err())
        .expect("an error");
    assert!(e.to_string().contains("bad.txt") && e.to_string().contains("UTF-8"), "{e}");
    std::fs::remove_dir_all(&root).ok();
}

/// The text tutorial's export: a model that takes raw strings, saved, then served without
/// Keras and reloaded with it.
#[test]
fn a_model_on_raw_strings_saves_serves_and_reloads() {
    let _seed = common::seed_lock();
    tf::random::set_seed(5);
    let vectorize = adapted(TextVectorization::new().max_tokens(20).output_sequence_length(6));
    let input = tf::keras::Input::with_dtype([1], tf::string);
    let h = tf::keras::Apply::apply(std::sync::Arc::new(vectorize), &input);
    let h = tf::keras::Apply::apply(Embedding::new(20, 4), &h);
    let h = tf::keras::Apply::apply(GlobalAveragePooling1D::new(), &h);
    let out = tf::keras::Apply::apply(Dense::new(1).activation("sigmoid"), &h);
    let model = tf::keras::Model::new(&input, &out).unwrap();
    let x = tf::reshape(&tf::constant(REVIEWS), [-1, 1]);
    let want = model.call(&x, false);

    let dir = std::env::temp_dir().join(format!("tf-text-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = tf::keras::saving::SaveOptions {
        batch_sizes: vec![Some(5)],
    };
    tf::keras::saving::save_model(&model, &dir, &options).unwrap();
    let served = tf::saved_model::load(&dir).unwrap();
    let sig = served.signature("serving_default").unwrap();
    assert_eq!(sig.inputs()[0].1.dtype, tf::string);
    let got = sig.call(&[(sig.inputs()[0].0.as_str(), &x)]).unwrap();
    assert_eq!(got.values().next().unwrap().to_vec::<f32>(), want.to_vec::<f32>());

    let reloaded = tf::keras::saving::load_model(&dir).unwrap();
    assert_eq!(reloaded.call(&x, false).to_vec::<f32>(), want.to_vec::<f32>());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn settings_after_a_vocabulary_keep_it() {
    let l = TextVectorization::new()
        .vocabulary(["fox", "the"])
        .output_sequence_length(3)
        .max_tokens(10);
    assert_eq!(l.get_vocabulary(), ["", "[UNK]", "fox", "the"]);
    assert_eq!(
        l.call(&tf::constant(["the fox", "dog"]), false).to_vec::<i64>(),
        vec![3, 2, 0, 1, 0, 0]
    );
    let l = TextVectorization::new()
        .vocabulary(["fox", "the"])
        .max_tokens(10)
        .output_mode("multi_hot")
        .pad_to_max_tokens(true);
    assert_eq!(l.get_vocabulary(), ["[UNK]", "fox", "the"]);
    assert_eq!(l.call(&tf::constant(["the fox", "dog"]), false).shape().dims(), &[2, 10]);
    // tf_idf needs weights the plain vocabulary lacks: refused, as Keras refuses it.
    let msg = common::panic_message(|| {
        TextVectorization::new().vocabulary(["fox"]).output_mode("tf_idf");
    });
    assert!(msg.contains("idf_weights"), "{msg}");
}

/// With `num_oov_indices=0`, an out-of-vocabulary input fails inside a traced function too,
/// on the call that has it; the config keeps the setting.
#[test]
fn a_lookup_without_oov_indices_checks_every_traced_call() {
    let l = std::sync::Arc::new(StringLookup::new().num_oov_indices(0).vocabulary(["a", "b"]));
    let traced = l.clone();
    let f = tf::Function::new("lookup", move |xs: &[Tensor]| vec![traced.call(&xs[0], false)]);
    let cf = f.get_concrete_function(&[tf::ops::TensorSpec::new([tf::Shape::UNKNOWN], tf::string)]);
    let ok = cf.call(&[tf::constant(["b", "a", "b"])]).unwrap().remove(0);
    assert_eq!(ok.to_vec::<i64>(), vec![1, 0, 1]);
    let e = common::panic_message(|| {
        let _ = cf.call(&[tf::constant(["a", "c", "d"])]);
    });
    assert!(e.contains(r#"found OOV values [\"c\" \"d\"]"#), "{e}");
    assert_eq!(cf.call(&[tf::constant(["a"])]).unwrap()[0].to_vec::<i64>(), vec![0]);
    let config = layers::serialize(l.as_ref()).unwrap();
    assert_eq!(config["config"]["num_oov_indices"], 0);
    let back = layers::deserialize(&config).unwrap();
    assert_eq!(back.call(&tf::constant(["b"]), false).to_vec::<i64>(), vec![1]);
}

/// A model whose lookup has no OOV index keeps its check in the SavedModel: served without
/// Keras, a batch with an unknown token fails the call and a known one passes.
#[test]
fn a_saved_lookup_without_oov_indices_still_checks() {
    let input = tf::keras::Input::with_dtype([2], tf::string);
    let lookup = StringLookup::new().num_oov_indices(0).vocabulary(["a", "b", "c"]);
    let out = tf::keras::Apply::apply(lookup, &input);
    let model = tf::keras::Model::new(&input, &out).unwrap();
    let dir = std::env::temp_dir().join(format!("tf-text-no-oov-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    tf::keras::saving::save_model(&model, &dir, &Default::default()).unwrap();
    let served = tf::saved_model::load(&dir).unwrap();
    let sig = served.signature("serving_default").unwrap();
    let name = sig.inputs()[0].0.clone();
    let ok = sig.call(&[(name.as_str(), &tf::constant([["c", "a"], ["b", "b"]]))]).unwrap();
    assert_eq!(ok.values().next().unwrap().to_vec::<i64>(), vec![2, 0, 1, 1]);
    let e = common::panic_message(|| {
        let _ = sig.call(&[(name.as_str(), &tf::constant([["c", "z"]]))]);
    });
    assert!(e.contains(r#"found OOV values [\"z\"]"#), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
