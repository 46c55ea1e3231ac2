//! Keras models with several inputs and several outputs: `fit([xa, xb], [y_reg, y_cls])` with
//! a loss per output and `loss_weights`, per-output logs (`reg_loss`, `cls_accuracy`),
//! `evaluate`, `predict_outputs`, and the errors for mismatched data. Golden values from a
//! real TensorFlow run (`tests/golden/gen_multi_output.py` → `tests/golden/multi_output.json`).

mod common;
use serde_json::Value;
use tf::keras::layers::{Concatenate, Dense};
use tf::keras::losses::{Loss, SparseCategoricalCrossentropy};
use tf::keras::optimizers::SGD;
use tf::keras::{self, Apply, CompileArgs, EvaluateArgs, FitArgs, Input, Model, PredictArgs};
use tf::Tensor;

fn golden() -> serde_json::Value {
    common::golden_json("multi_output.json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-5 * (1.0 + w.abs()), "{what}: {got:?} vs TensorFlow's {want:?}");
    }
}

/// The generator's model: inputs a (3) and b (2), concatenated, a tanh hidden layer, and two
/// heads: `reg` (1, sigmoid) and `cls` (3 logits); weights as the generator sets them.
fn model() -> Model {
    let a = Input::new([3]);
    let b = Input::new([2]);
    let h = Concatenate::default().with_name("concat").apply([&a, &b]);
    let h = Dense::new(4).activation("tanh").with_name("hidden").apply(&h);
    let reg = Dense::new(1).activation("sigmoid").with_name("reg").apply(&h);
    let cls = Dense::new(3).with_name("cls").apply(&h);
    let model = Model::new([&a, &b], [&reg, &cls]).expect("a model");
    let weights: Vec<Tensor> = model
        .get_weights()
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let v: Vec<f32> = (0..w.num_elements())
                .map(|i| 0.1 * (0.7 * i as f32 + 0.3 * k as f32).sin())
                .collect();
            Tensor::from_vec(v, w.shape().dims()).expect("a weight")
        })
        .collect();
    model.set_weights(&weights).expect("weights of the right shapes");
    model
}

fn data() -> (Tensor, Tensor, Tensor, Tensor) {
    let n = 8usize;
    let xa: Vec<f32> = (0..n * 3).map(|i| 0.5 * (0.37 * i as f32).cos()).collect();
    let xb: Vec<f32> = (0..n * 2).map(|i| 0.5 * (0.23 * i as f32).sin()).collect();
    let y_reg: Vec<f32> = (0..n).map(|i| (i % 3) as f32 / 2.0).collect();
    let y_cls: Vec<i64> = (0..n).map(|i| (i % 3) as i64).collect();
    (
        Tensor::from_vec(xa, [n, 3]).unwrap(),
        Tensor::from_vec(xb, [n, 2]).unwrap(),
        Tensor::from_vec(y_reg, [n, 1]).unwrap(),
        Tensor::from_vec(y_cls, [n]).unwrap(),
    )
}

fn compiled() -> Model {
    let mut m = model();
    let losses: Vec<Box<dyn Loss>> = vec![
        keras::losses::get("mse"),
        Box::new(SparseCategoricalCrossentropy::new().from_logits(true)),
    ];
    m.compile_with(
        SGD::new(0.1),
        losses,
        &["accuracy"],
        CompileArgs {
            loss_weights: Some(vec![1.0, 0.5]),
        },
    );
    m
}

#[test]
fn fit_evaluate_predict_match_tensorflow() {
    let g = golden();
    let (xa, xb, y_reg, y_cls) = data();
    let mut m = compiled();
    let args = FitArgs {
        batch_size: 4,
        epochs: 2,
        shuffle: false,
        verbose: 0,
        ..Default::default()
    };
    let h = m.fit(([&xa, &xb], [&y_reg, &y_cls]), args).expect("fit");
    let keys: Vec<&str> = g["history_keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(h.keys(), keys, "the logs Keras names, in its order");
    for k in keys {
        close(&h[k], &floats(&g["history"][k]), k);
    }
    let ev = m
        .evaluate(
            ([&xa, &xb], [&y_reg, &y_cls]),
            EvaluateArgs {
                batch_size: 4,
                verbose: 0,
                ..Default::default()
            },
        )
        .expect("evaluate");
    for (k, v) in ev.iter() {
        close(
            &[v],
            &[g["evaluate"][k].as_f64().unwrap_or_else(|| panic!("{k} in TensorFlow's evaluate"))],
            k,
        );
    }
    let pred = m
        .predict_outputs([&xa, &xb], PredictArgs { batch_size: 4, verbose: 0 })
        .expect("predict");
    let as_f64 = |t: &Tensor| t.to_vec::<f32>().iter().map(|&v| v as f64).collect::<Vec<_>>();
    close(&as_f64(&pred[0]), &floats(&g["predict_reg"]), "predict reg");
    close(&as_f64(&pred[1]), &floats(&g["predict_cls"]), "predict cls");
    for (k, (w, want)) in m.get_weights().iter().zip(g["weights"].as_array().unwrap()).enumerate() {
        close(&as_f64(w), &floats(want), &format!("weight {k}"));
    }
}

#[test]
fn the_graph_step_equals_the_eager_step() {
    let (xa, xb, y_reg, y_cls) = data();
    let args = || FitArgs {
        batch_size: 3, // a smaller last batch: the retrace with an unknown batch dimension
        epochs: 2,
        shuffle: false,
        verbose: 0,
        ..Default::default()
    };
    let mut graph = compiled();
    let hg = graph.fit(([&xa, &xb], [&y_reg, &y_cls]), args()).unwrap();
    assert!(graph.train_function().unwrap().tracing_count() >= 1, "fit ran the graph step");
    let mut eager = compiled();
    eager.run_eagerly = true;
    let he = eager.fit(([&xa, &xb], [&y_reg, &y_cls]), args()).unwrap();
    for k in hg.keys() {
        close(&hg[k], &he[k], k);
    }
}

#[test]
fn mismatched_data_is_an_error_before_training() {
    let (xa, xb, y_reg, y_cls) = data();
    let mut m = compiled();
    let before = m.get_weights();
    let quiet = || FitArgs {
        verbose: 0,
        ..Default::default()
    };
    let err = m.fit((&xa, [&y_reg, &y_cls]), quiet()).unwrap_err().to_string();
    assert!(err.contains("expects 2 input(s), but it received 1 input tensors"), "{err}");
    let err = m.fit(([&xa, &xb], &y_reg), quiet()).unwrap_err().to_string();
    assert!(
        err.contains("has 2 output(s) (reg, cls), but 1 target array(s) were given"),
        "{err}"
    );
    let short = tf::slice(&xb, &[0, 0], &[5, 2]);
    let err = m.fit(([&xa, &short], [&y_reg, &y_cls]), quiet()).unwrap_err().to_string();
    assert!(
        err.contains("Data cardinality is ambiguous") && err.contains("x[1] sizes: 5"),
        "{err}"
    );
    let bad = tf::constant([0i64, 1, 2, 3, 0, 1, 2, 0]);
    let err = m.fit(([&xa, &xb], [&y_reg, &bad]), quiet()).unwrap_err().to_string();
    assert!(err.contains("label value of output \"cls\" of 3"), "{err}");
    let mut three = model();
    three.compile("sgd", ["mse", "mse", "mse"], ());
    let err = three.fit(([&xa, &xb], [&y_reg, &y_cls]), quiet()).unwrap_err().to_string();
    assert!(err.contains("3 losses for a model with 2 outputs"), "{err}");
    let err = m
        .predict([&xa, &xb], PredictArgs { batch_size: 4, verbose: 0 })
        .unwrap_err()
        .to_string();
    assert!(err.contains("use predict_outputs"), "{err}");
    for (a, b) in before.iter().zip(m.get_weights()) {
        assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>(), "nothing trained");
    }
}

#[test]
fn a_dataset_of_tuples_trains_as_the_arrays_do() {
    let g = golden();
    let (xa, xb, y_reg, y_cls) = data();
    let ds = tf::data::Dataset::from_tensor_slices(((xa, xb), (y_reg, y_cls)))
        .unwrap()
        .batch(4, false);
    let mut m = compiled();
    let args = FitArgs {
        epochs: 2,
        verbose: 0,
        ..Default::default()
    };
    let h = m.fit(&ds, args).expect("fit on a dataset");
    for k in h.keys() {
        close(&h[k], &floats(&g["history"][k]), k);
    }
    let pred = m
        .predict_outputs(&ds, PredictArgs { batch_size: 4, verbose: 0 })
        .expect("predict on a dataset");
    assert_eq!((pred[0].shape().dims(), pred[1].shape().dims()), (&[8, 1][..], &[8, 3][..]));
    // A dataset whose elements do not fit the model is an error naming what it holds.
    let (xa, _, y_reg, _) = data();
    let wrong = tf::data::Dataset::from_tensor_slices((xa, y_reg)).unwrap().batch(4, false);
    let err = m
        .fit(
            &wrong,
            FitArgs {
                verbose: 0,
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("takes 2 input(s) and has 2 output(s), but the batch holds 1 input tensor(s) and 1 target(s)"),
        "{err}"
    );
}

#[test]
fn validation_data_is_logged_per_output_as_tensorflow_does() {
    let g = golden();
    let (xa, xb, y_reg, y_cls) = data();
    let head = |t: &Tensor| tf::slice(t, &[0, 0][..t.rank()], &[6, -1][..t.rank()]);
    let tail = |t: &Tensor| tf::slice(t, &[6, 0][..t.rank()], &[2, -1][..t.rank()]);
    let mut m = compiled();
    let args = FitArgs {
        batch_size: 4,
        epochs: 2,
        shuffle: false,
        verbose: 0,
        validation_data: Some(([tail(&xa), tail(&xb)], [tail(&y_reg), tail(&y_cls)]).into()),
        ..Default::default()
    };
    let h = m
        .fit(([&head(&xa), &head(&xb)], [&head(&y_reg), &head(&y_cls)]), args)
        .expect("fit");
    let keys: Vec<&str> = g["validated_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(h.keys(), keys);
    for k in keys {
        close(&h[k], &floats(&g["validated_history"][k]), k);
    }
}
