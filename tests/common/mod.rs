//! Helpers shared by the integration tests.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// The message of the panic `f` raises.
///
/// # Panics
/// When `f` does not panic.
#[allow(dead_code)]
pub fn panic_message(f: impl FnOnce()) -> String {
    let p = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Asserts that `got` (an op's traced outputs) equals `want` (its eager outputs) exactly:
/// count, dtypes, shapes and values.
#[allow(dead_code)]
pub fn assert_same_outputs(op: &str, got: &[tf::Tensor], want: &[tf::Tensor], what: &str) {
    assert_eq!(got.len(), want.len(), "{op}");
    for (t, e) in got.iter().zip(want) {
        assert_eq!((t.dtype(), t.shape()), (e.dtype(), e.shape()), "{op}");
        assert_eq!(t.buffer(), e.buffer(), "{op}: {what} differs from eager");
    }
}

/// `tf::random::set_seed` is process-wide, as in TensorFlow, and tests run on parallel
/// threads: a test that needs a repeatable seeded sequence holds this lock.
#[allow(dead_code)]
pub static SEED_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes [`SEED_LOCK`], even if a test holding it panicked.
#[allow(dead_code)]
pub fn seed_lock() -> std::sync::MutexGuard<'static, ()> {
    SEED_LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A subclassed Keras model: two dense layers.
#[derive(tf::Module)]
#[allow(dead_code)]
pub struct TwoLayer {
    pub hidden: tf::keras::layers::Dense,
    pub out: tf::keras::layers::Dense,
}

impl tf::keras::layers::Layer for TwoLayer {
    fn call(&self, x: &tf::Tensor, training: bool) -> tf::Tensor {
        self.out.call(&self.hidden.call(x, training), training)
    }
}

/// `n` samples of 4 features in [-1, 1) and labels (int32): which of the first two features
/// is larger.
#[allow(dead_code)]
pub fn toy(n: usize) -> (tf::Tensor, tf::Tensor) {
    let x = tf::random::uniform(&[n, 4], -1.0, 1.0, tf::float32, Some(3));
    let y = tf::cast(
        &tf::greater(&tf::slice(&x, &[0, 0], &[-1, 1]), &tf::slice(&x, &[0, 1], &[-1, 1])),
        tf::int32,
    );
    (x, tf::reshape(&y, [-1]))
}

/// A nested JSON list of numbers (a golden file's value) as a tensor: int32 when every leaf
/// is an integer, else float32.
#[allow(dead_code)]
pub fn json_tensor(v: &serde_json::Value) -> tf::Tensor {
    fn walk(v: &serde_json::Value, depth: usize, shape: &mut Vec<usize>, out: &mut Vec<f64>, ints: &mut bool) {
        match v {
            serde_json::Value::Array(a) => {
                if shape.len() <= depth {
                    shape.push(a.len());
                }
                a.iter().for_each(|x| walk(x, depth + 1, shape, out, ints));
            }
            _ => {
                *ints &= v.is_i64();
                out.push(v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")));
            }
        }
    }
    let (mut shape, mut out, mut ints) = (Vec::new(), Vec::new(), true);
    walk(v, 0, &mut shape, &mut out, &mut ints);
    if ints {
        tf::Tensor::from_vec(out.iter().map(|&x| x as i32).collect::<Vec<_>>(), shape).expect("shape")
    } else {
        tf::Tensor::from_vec(out.iter().map(|&x| x as f32).collect::<Vec<_>>(), shape).expect("shape")
    }
}

/// The golden generators' deterministic weights: the k-th weight is `0.1 sin(0.7 i + 0.3 k)`
/// over its flat index `i`.
#[allow(dead_code)]
pub fn golden_weight(shape: &[usize], k: usize) -> tf::Tensor {
    let n: usize = shape.iter().product();
    tf::Tensor::from_vec(
        (0..n).map(|i| (0.1 * (0.7 * i as f64 + 0.3 * k as f64).sin()) as f32).collect(),
        shape.to_vec(),
    )
    .expect("shape")
}

/// A golden file's JSON: `tests/golden/<name>`, written by a `gen_*.py` from a real
/// TensorFlow run.
#[allow(dead_code)]
pub fn golden_json(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("golden file {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("golden JSON {path}: {e}"))
}

/// The case named `name` in a golden file's `"cases"` list.
#[allow(dead_code)]
pub fn golden_case<'a>(golden: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    golden["cases"]
        .as_array()
        .expect("a golden file with cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no golden case {name}"))
}

/// A JSON list of counts (a shape), `what` naming it in the panic when it is not one.
#[allow(dead_code)]
pub fn usizes(v: &serde_json::Value, what: &str) -> Vec<usize> {
    let list = v.as_array().unwrap_or_else(|| panic!("{what}: not a list: {v}"));
    list.iter()
        .map(|d| d.as_u64().unwrap_or_else(|| panic!("{what}: not a count: {d}")) as usize)
        .collect()
}

/// The golden generators' loss for taking gradients: `Σ sin(a i + 0.5) t_i` over the
/// flattened `t`, the weights computed in `t`'s dtype as the generators' TensorFlow computes
/// them (`tf.sin(a * tf.range(n, dtype) + 0.5)`).
#[allow(dead_code)]
pub fn sin_weighted_sum(t: &tf::Tensor, a: f64) -> tf::Tensor {
    let i = tf::cast(&tf::range(t.num_elements() as i64), t.dtype());
    let r = tf::sin(&(&(&i * &tf::scalar(a, t.dtype())) + &tf::scalar(0.5, t.dtype())));
    tf::reduce_sum(&(&tf::reshape(t, [-1]) * &r), None, false)
}

/// A golden `{"dtype", "shape", "values"}` (string, int, bool or float; non-finite floats
/// as text) — or a bare list or string — as a tensor.
#[allow(dead_code)]
pub fn golden_tensor(v: &serde_json::Value) -> tf::Tensor {
    let strings = |a: &[serde_json::Value]| a.iter().map(|s| s.as_str().expect("a string").to_string()).collect::<Vec<_>>();
    match v {
        serde_json::Value::String(s) => tf::constant(s.as_str()),
        serde_json::Value::Array(a) if a.first().is_some_and(serde_json::Value::is_string) || a.is_empty() => tf::constant(strings(a)),
        serde_json::Value::Array(_) => json_tensor(v),
        serde_json::Value::Object(o) => {
            let shape = usizes(&o["shape"], "shape");
            let vals = o["values"].as_array().expect("values");
            match o["dtype"].as_str().expect("dtype") {
                "string" => tf::Tensor::from_strings(strings(vals), shape).expect("shape"),
                "int64" => tf::Tensor::from_vec(vals.iter().map(|x| x.as_i64().expect("int")).collect::<Vec<_>>(), shape).expect("shape"),
                "int32" => {
                    tf::Tensor::from_vec(vals.iter().map(|x| x.as_i64().expect("int") as i32).collect::<Vec<_>>(), shape).expect("shape")
                }
                "uint8" => {
                    tf::Tensor::from_vec(vals.iter().map(|x| x.as_u64().expect("int") as u8).collect::<Vec<_>>(), shape).expect("shape")
                }
                "bool" => tf::Tensor::from_vec(vals.iter().map(|x| x.as_bool().expect("bool")).collect::<Vec<_>>(), shape).expect("shape"),
                // Non-finite values come as text ("nan", "inf", "-inf").
                "float32" | "float64" => {
                    let f: Vec<f64> = vals
                        .iter()
                        .map(|x| {
                            x.as_f64()
                                .unwrap_or_else(|| x.as_str().expect("a number").parse().expect("nan or inf"))
                        })
                        .collect();
                    let t = tf::Tensor::from_vec(f, shape).expect("shape");
                    if o["dtype"] == "float32" {
                        tf::cast(&t, tf::float32)
                    } else {
                        t
                    }
                }
                d => panic!("dtype {d}"),
            }
        }
        _ => panic!("not a tensor: {v}"),
    }
}

/// A JSON list of strings.
#[allow(dead_code)]
pub fn json_strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("text").to_string())
        .collect()
}

/// A golden JSON list of numbers.
#[allow(dead_code)]
pub fn json_f64s(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list of numbers, got {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("a number, got {x}")))
        .collect()
}

/// Asserts `got` equals `want` to 1e-5, relative (absolute near zero).
#[allow(dead_code)]
pub fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-5 * (1.0 + w.abs()), "{what}: {got:?} vs {want:?}");
    }
}

/// A float32 tensor's values as f64.
#[allow(dead_code)]
pub fn f64s(t: &tf::Tensor) -> Vec<f64> {
    t.to_vec::<f32>().iter().map(|&v| v as f64).collect()
}
