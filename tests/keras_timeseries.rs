//! `keras.utils.timeseries_dataset_from_array` against a real TensorFlow run
//! (`tests/golden/gen_timeseries.py`, tf_keras 2.21): every batch of windows and targets;
//! shuffling keeps the windows and changes their order; Keras's argument errors.

mod common;

use serde_json::Value;
use tf::keras::utils::{timeseries_dataset_from_array, timeseries_dataset_with_targets, TimeseriesArgs};
use tf::Tensor;

fn golden() -> &'static Value {
    static G: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    G.get_or_init(|| common::golden_json("timeseries.json"))
}

fn args(a: &Value) -> TimeseriesArgs {
    let n = |k: &str| a[k].as_u64().map(|v| v as usize);
    let mut t = TimeseriesArgs::new(n("sequence_length").expect("sequence_length"));
    if let Some(v) = n("sampling_rate") {
        t.sampling_rate = v;
    }
    if let Some(v) = n("sequence_stride") {
        t.sequence_stride = v;
    }
    t.batch_size = n("batch_size");
    t.start_index = n("start_index");
    t.end_index = n("end_index");
    t
}

fn floats(t: &Tensor) -> Vec<f64> {
    tf::cast(t, tf::float64).to_vec::<f64>()
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        x => vec![x.as_f64().expect("number")],
    }
}

#[test]
fn windows_match_tensorflow() {
    let g = golden();
    let data = common::json_tensor(&g["data"]);
    let targets = tf::cast(&common::json_tensor(&g["targets"]), tf::int64);
    for c in g["cases"].as_array().expect("cases") {
        let name = c["name"].as_str().expect("name");
        let want = c["batches"].as_array().expect("batches");
        let got: Vec<(Tensor, Option<Tensor>)> = if c["targets"].as_bool().expect("targets") {
            let ds = timeseries_dataset_with_targets(&data, &targets, args(&c["args"])).expect("dataset");
            ds.iter()
                .map(|b| b.map(|(x, y)| (x, Some(y))))
                .collect::<tf::Result<_>>()
                .expect("batches")
        } else {
            let ds = timeseries_dataset_from_array(&data, args(&c["args"])).expect("dataset");
            ds.iter().map(|b| b.map(|x| (x, None))).collect::<tf::Result<_>>().expect("batches")
        };
        assert_eq!(got.len(), want.len(), "{name}: batch count");
        for (i, ((x, y), w)) in got.iter().zip(want).enumerate() {
            assert_eq!(floats(x), flat(&w["x"]), "{name}: batch {i} windows");
            if let Some(y) = y {
                assert_eq!(floats(y), flat(&w["y"]), "{name}: batch {i} targets");
            }
        }
    }
}

/// A seeded shuffle yields the same windows in another order, the same order for the same
/// seed, and keeps each window with its target.
#[test]
fn shuffled_windows_are_the_same_windows() {
    let data = tf::range(50i64);
    let targets = &tf::range(50i64) * 10i64;
    let run = |shuffle: bool, seed: u64| -> Vec<(Vec<i64>, i64)> {
        let a = TimeseriesArgs {
            shuffle,
            seed: Some(seed),
            batch_size: Some(4),
            ..TimeseriesArgs::new(3)
        };
        let ds = timeseries_dataset_with_targets(&data, &targets, a).expect("dataset");
        let mut out = Vec::new();
        for b in ds.iter() {
            let (x, y) = b.expect("batch");
            let (xs, ys) = (x.to_vec::<i64>(), y.to_vec::<i64>());
            for (w, t) in xs.chunks(3).zip(ys) {
                out.push((w.to_vec(), t));
            }
        }
        out
    };
    let plain = run(false, 0);
    let shuffled = run(true, 7);
    assert_ne!(plain, shuffled);
    assert_eq!(run(true, 7), shuffled, "a seed gives one order");
    for (w, t) in &shuffled {
        assert_eq!((w[1] - w[0], w[2] - w[1], *t), (1, 1, w[0] * 10), "a window with its target");
    }
    let mut sorted = shuffled.clone();
    sorted.sort();
    assert_eq!(sorted, plain);
}

#[test]
fn bad_arguments_are_errors_in_keras_words() {
    let data = tf::zeros([10, 2], tf::float32);
    let cases: [(TimeseriesArgs, &str); 5] = [
        (
            TimeseriesArgs {
                sampling_rate: 0,
                ..TimeseriesArgs::new(3)
            },
            "`sampling_rate` must be higher than 0",
        ),
        (
            TimeseriesArgs {
                sequence_stride: 10,
                ..TimeseriesArgs::new(3)
            },
            "`sequence_stride` must be lower than the length of the data",
        ),
        (
            TimeseriesArgs {
                start_index: Some(10),
                ..TimeseriesArgs::new(3)
            },
            "`start_index` must be lower than the length",
        ),
        (
            TimeseriesArgs {
                start_index: Some(5),
                end_index: Some(5),
                ..TimeseriesArgs::new(3)
            },
            "`end_index` must be higher than `start_index`",
        ),
        (TimeseriesArgs::new(0), "`sequence_length` must be higher than 0"),
    ];
    for (a, want) in cases {
        let err = timeseries_dataset_from_array(&data, a).err().expect("an error");
        assert!(err.to_string().contains(want), "{err}");
    }
}
