//! Keras's categorical preprocessing layers (CategoryEncoding, IntegerLookup, Hashing,
//! Discretization) against a real TensorFlow run (`tests/golden/gen_categorical.py`,
//! tf_keras 2.21): outputs, adapted vocabularies and bin boundaries, the errors; eagerly, and
//! inside a traced `fit` step.

mod common;

use serde_json::Value;
use tf::keras::layers::{CategoryEncoding, Dense, Discretization, Hashing, IntegerLookup, Layer};
use tf::keras::{self, FitArgs};
use tf::{DType, Tensor};

fn golden() -> &'static Value {
    static G: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    G.get_or_init(|| common::golden_json("categorical.json"))
}

/// A golden `{"dtype", "shape", "values"}` as a tensor of its dtype.
fn tensor(v: &Value) -> Tensor {
    let shape = common::usizes(&v["shape"], "shape");
    let vals = v["values"].as_array().expect("values");
    match v["dtype"].as_str().expect("dtype") {
        "int32" => Tensor::from_vec(vals.iter().map(|x| x.as_i64().expect("int") as i32).collect::<Vec<_>>(), shape),
        "int64" => Tensor::from_vec(vals.iter().map(|x| x.as_i64().expect("int")).collect::<Vec<_>>(), shape),
        "float32" => Tensor::from_vec(vals.iter().map(|x| x.as_f64().expect("float") as f32).collect::<Vec<_>>(), shape),
        "float64" => Tensor::from_vec(vals.iter().map(|x| x.as_f64().expect("float")).collect::<Vec<_>>(), shape),
        other => panic!("golden dtype {other}"),
    }
    .expect("golden tensor")
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array().expect("list").iter().map(|x| x.as_i64().expect("int")).collect()
}

/// A golden case's layer, called on its input: the output, the config, and the adapted (or
/// given) vocabulary or bin boundaries.
struct Called {
    output: Tensor,
    config: Value,
    vocabulary: Option<Vec<i64>>,
    boundaries: Option<Vec<f64>>,
}

/// Builds the golden case's layer (adapting it when the case does) and calls it on `x`.
fn run(c: &Value, x: &Tensor) -> tf::Result<Called> {
    let a = &c["args"];
    let mode = a["output_mode"].as_str();
    let adapt = c.get("adapt").map(tensor);
    let called = |l: &dyn Layer, vocabulary, boundaries| -> tf::Result<Called> {
        let output = l.call(x, false);
        Ok(Called {
            output,
            config: keras::layers::serialize(l)?,
            vocabulary,
            boundaries,
        })
    };
    match c["layer"].as_str().expect("layer") {
        "CategoryEncoding" => {
            let mut l = CategoryEncoding::new(a["num_tokens"].as_u64().expect("num_tokens") as usize);
            if let Some(m) = mode {
                l = l.output_mode(m);
            }
            called(&l, None, None)
        }
        "IntegerLookup" => {
            let mut l = IntegerLookup::new();
            if let Some(m) = mode {
                l = l.output_mode(m);
            }
            if let Some(n) = a["max_tokens"].as_u64() {
                l = l.max_tokens(n as usize);
            }
            if let Some(n) = a["num_oov_indices"].as_u64() {
                l = l.num_oov_indices(n as usize);
            }
            if let Some(m) = a["mask_token"].as_i64() {
                l = l.mask_token(m);
            }
            if let Some(p) = a["pad_to_max_tokens"].as_bool() {
                l = l.pad_to_max_tokens(p);
            }
            if let Some(i) = a["invert"].as_bool() {
                l = l.invert(i);
            }
            if !a["vocabulary"].is_null() {
                l.set_vocabulary(ints(&a["vocabulary"]), None)?;
            }
            if let Some(d) = &adapt {
                l.adapt(d)?;
            }
            called(&l, Some(l.get_vocabulary()), None)
        }
        "Discretization" => {
            let mut l = Discretization::new();
            if !a["bin_boundaries"].is_null() {
                l = l.bin_boundaries(floats(&a["bin_boundaries"]));
            }
            if let Some(n) = a["num_bins"].as_u64() {
                l = l.num_bins(n as usize);
            }
            if let Some(e) = a["epsilon"].as_f64() {
                l = l.epsilon(e);
            }
            if let Some(m) = mode {
                l = l.output_mode(m);
            }
            if let Some(d) = &adapt {
                l.adapt(d)?;
            }
            called(&l, None, Some(l.bin_boundaries_now()))
        }
        "Hashing" => {
            let mut l = Hashing::new(a["num_bins"].as_u64().expect("num_bins") as usize);
            if let Some(m) = a["mask_value"].as_i64() {
                l = l.mask_value(m);
            }
            if let Some(m) = mode {
                l = l.output_mode(m);
            }
            called(&l, None, None)
        }
        other => panic!("golden layer {other}"),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("list").iter().map(|x| x.as_f64().expect("float")).collect()
}

#[test]
fn categorical_layers_match_tensorflow() {
    for c in golden()["cases"].as_array().expect("cases") {
        let name = c["name"].as_str().expect("name");
        let x = tensor(&c["input"]);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(c, &x)));
        let got = match (result, c.get("error")) {
            (Ok(Ok(got)), None) => got,
            (Ok(Err(_)) | Err(_), Some(_)) => continue, // TensorFlow raised too
            (Ok(Err(e)), None) => panic!("{name}: {e}"),
            (Err(_), None) => panic!("{name}: panicked where TensorFlow computed an output"),
            (Ok(Ok(got)), Some(e)) => panic!("{name}: gave {:?} where TensorFlow raised {e}", got.output),
        };
        let (y, want) = (&got.output, tensor(&c["output"]));
        assert_eq!((y.dtype(), y.shape()), (want.dtype(), want.shape()), "{name}: dtype and shape");
        match y.dtype() {
            DType::I64 => assert_eq!(y.to_vec::<i64>(), want.to_vec::<i64>(), "{name}"),
            _ => assert_eq!(y.to_vec::<f32>(), want.to_vec::<f32>(), "{name}"),
        }
        if let Some(v) = c.get("vocabulary") {
            assert_eq!(got.vocabulary.as_deref(), Some(&ints(v)[..]), "{name}: vocabulary");
        }
        if let Some(b) = c.get("bin_boundaries") {
            // The given boundaries, or the adapted float32 ones (compared as float32: the JSON
            // reader may round a float64 by an ulp).
            let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
            assert_eq!(
                got.boundaries.as_deref().map(f32s),
                Some(f32s(&floats(b))),
                "{name}: bin boundaries"
            );
        }
        // The layer rebuilt from its config (vocabulary included) computes the same.
        if !name.contains("adapt") || c["layer"] == "IntegerLookup" {
            let rebuilt = keras::layers::deserialize(&got.config).expect("rebuilt from the config");
            let again = rebuilt.call(&x, false);
            let as_f32 = |t: &Tensor| tf::cast(t, DType::F32).to_vec::<f32>();
            assert_eq!(as_f32(&again), as_f32(y), "{name}: rebuilt");
        }
    }
}

/// A model starting with lookup and encoding layers trains in `fit` (a traced step, with a
/// partial last batch); an out-of-range index inside the graph is an error naming the batch.
#[test]
fn categorical_layers_work_in_fit() {
    let _seed = common::seed_lock();
    tf::random::set_seed(3);
    let ids = tf::constant([[7i64, 3], [3, 3], [9, 7], [5, 5], [7, 9], [3, 5], [9, 9]]);
    let y = tf::constant([[1.0f32], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0]]);
    let lookup = IntegerLookup::new().output_mode("multi_hot");
    lookup.adapt(&ids).expect("adapt");
    assert_eq!(lookup.get_vocabulary(), vec![-1, 9, 3, 7, 5]); // by count, ties: larger first
    let mut model = keras::sequential![lookup, Dense::new(1).activation("sigmoid")];
    model.compile(keras::optimizers::Adam::new(0.1), "binary_crossentropy", &["accuracy"]);
    let args = FitArgs {
        batch_size: 3,
        epochs: 40,
        verbose: 0,
        ..Default::default()
    };
    let h = model.fit((&ids, &y), args).expect("fit");
    assert_eq!(h["accuracy"][39], 1.0, "{:?}", h["accuracy"]);

    let mut bad = keras::sequential![CategoryEncoding::new(4).output_mode("count"), Dense::new(1)];
    bad.compile("sgd", "mse", ());
    let x = tf::constant([[0i32, 1], [2, 3], [1, 1], [3, 7]]);
    let y = tf::zeros([4, 1], tf::float32);
    let args = FitArgs {
        batch_size: 2,
        epochs: 1,
        verbose: 0,
        shuffle: false,
        ..Default::default()
    };
    let err = bad.fit((&x, &y), args).expect_err("7 is past num_tokens");
    assert!(err.to_string().contains("0 <= values < num_tokens"), "{err}");
}
