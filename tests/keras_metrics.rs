//! Keras's threshold, AUC, X-at-Y, F-score, R², IoU, `Sum` and `CosineSimilarity` metrics
//! against a real TensorFlow run (`tests/golden/gen_metrics.py` → `tests/golden/metrics.json`,
//! tf_keras 2.21): the result after each `update_state` call.

mod common;

use serde_json::Value;
use tf::keras::metrics::{
    Average, BinaryIoU, CosineSimilarity, Curve, F1Score, FBetaScore, FalseNegatives, FalsePositives, IoU, MeanIoU, Metric, Precision,
    PrecisionAtRecall, R2Aggregation, R2Score, Recall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, Sum,
    Summation, TrueNegatives, TruePositives, AUC,
};

fn golden() -> serde_json::Value {
    common::golden_json("metrics.json")
}

/// The metric a golden case names, with its keyword arguments.
fn metric(class: &str, kw: &Value) -> Box<dyn Metric> {
    let num = |k: &str| kw.get(k).and_then(Value::as_f64);
    let count = |k: &str| kw.get(k).and_then(Value::as_u64).map(|n| n as usize);
    let ids = |k: &str| -> Vec<usize> {
        kw[k]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_u64().expect("id") as usize)
            .collect()
    };
    let average = || match kw["average"].as_str() {
        Some("micro") => Average::Micro,
        Some("macro") => Average::Macro,
        Some("weighted") => Average::Weighted,
        other => panic!("average {other:?}"),
    };
    macro_rules! thresholded {
        ($ty:ident) => {{
            let mut m = $ty::new();
            if let Some(t) = num("thresholds") {
                m = m.thresholds(t);
            }
            m
        }};
    }
    match class {
        "Precision" | "Recall" => {
            if class == "Precision" {
                let mut m = thresholded!(Precision);
                if let Some(k) = count("top_k") {
                    m = m.top_k(k);
                }
                if let Some(c) = count("class_id") {
                    m = m.class_id(c);
                }
                Box::new(m)
            } else {
                let mut m = thresholded!(Recall);
                if let Some(k) = count("top_k") {
                    m = m.top_k(k);
                }
                if let Some(c) = count("class_id") {
                    m = m.class_id(c);
                }
                Box::new(m)
            }
        }
        "TruePositives" => Box::new(thresholded!(TruePositives)),
        "FalsePositives" => Box::new(thresholded!(FalsePositives)),
        "TrueNegatives" => Box::new(thresholded!(TrueNegatives)),
        "FalseNegatives" => Box::new(thresholded!(FalseNegatives)),
        "AUC" => {
            let curve = if kw["curve"].as_str() == Some("PR") {
                Curve::Pr
            } else {
                Curve::Roc
            };
            let summation = match kw["summation_method"].as_str() {
                Some("minoring") => Summation::Minoring,
                Some("majoring") => Summation::Majoring,
                _ => Summation::Interpolation,
            };
            Box::new(
                AUC::new(count("num_thresholds").unwrap_or(200))
                    .curve(curve)
                    .summation_method(summation)
                    .from_logits(kw["from_logits"].as_bool().unwrap_or(false)),
            )
        }
        "PrecisionAtRecall" | "RecallAtPrecision" | "SensitivityAtSpecificity" | "SpecificityAtSensitivity" => {
            macro_rules! at {
                ($ty:ident, $arg:literal) => {{
                    let mut m = $ty::new(num($arg).expect("value"));
                    if let Some(n) = count("num_thresholds") {
                        m = m.num_thresholds(n);
                    }
                    if let Some(c) = count("class_id") {
                        m = m.class_id(c);
                    }
                    Box::new(m) as Box<dyn Metric>
                }};
            }
            match class {
                "PrecisionAtRecall" => at!(PrecisionAtRecall, "recall"),
                "RecallAtPrecision" => at!(RecallAtPrecision, "precision"),
                "SensitivityAtSpecificity" => at!(SensitivityAtSpecificity, "specificity"),
                _ => at!(SpecificityAtSensitivity, "sensitivity"),
            }
        }
        "F1Score" => Box::new(F1Score::new(average()).threshold(num("threshold"))),
        "FBetaScore" => Box::new(FBetaScore::new(average(), num("beta").unwrap_or(1.0)).threshold(num("threshold"))),
        "R2Score" => {
            let agg = match kw["class_aggregation"].as_str() {
                Some("variance_weighted_average") => R2Aggregation::VarianceWeightedAverage,
                _ => R2Aggregation::UniformAverage,
            };
            Box::new(
                R2Score::new()
                    .class_aggregation(agg)
                    .num_regressors(count("num_regressors").unwrap_or(0)),
            )
        }
        "MeanIoU" => Box::new(MeanIoU::new(count("num_classes").expect("num_classes"))),
        "IoU" => Box::new(IoU::new(count("num_classes").expect("num_classes"), ids("target_class_ids"))),
        "BinaryIoU" => Box::new(BinaryIoU::new(ids("target_class_ids"), num("threshold").unwrap_or(0.5))),
        "CosineSimilarity" => Box::new(CosineSimilarity::new()),
        "Sum" => Box::new(Sum::new()),
        other => panic!("no metric {other}"),
    }
}

#[test]
fn metrics_match_tensorflow() {
    let g = golden();
    for c in g["cases"].as_array().expect("cases") {
        let (class, kw) = (c["class"].as_str().expect("class"), &c["kw"]);
        let mut m = metric(class, kw);
        for (k, (u, want)) in c["updates"]
            .as_array()
            .expect("updates")
            .iter()
            .zip(c["results"].as_array().expect("results"))
            .enumerate()
        {
            let arg = |i: usize| (!u[i].is_null()).then(|| common::json_tensor(&u[i]));
            let y_pred = arg(1).or_else(|| arg(0)).expect("values");
            let y_true = arg(0).expect("y_true");
            m.update_state(&y_true, &y_pred, arg(2).as_ref());
            let (got, want) = (m.result(), want[0].as_f64().expect("result"));
            assert!(
                (got - want).abs() <= 2e-6 * (1.0 + want.abs()),
                "{class} {kw} after update {k}: {got}, TensorFlow {want}"
            );
        }
        m.reset_state();
        assert_eq!(m.result(), 0.0, "{class} {kw} after reset_state");
    }
}

#[test]
#[should_panic(expected = "Argument `recall` must be in the range [0, 1]. Received: recall=1.5")]
fn an_at_metric_refuses_a_value_outside_zero_to_one() {
    let _ = PrecisionAtRecall::new(1.5);
}

#[test]
#[should_panic(expected = "mean_io_u: label 3 is not a class in [0, 3)")]
fn iou_names_a_label_outside_its_classes() {
    let mut m = MeanIoU::new(3);
    m.update_state(&tf::constant([0, 3]), &tf::constant([0, 1]), None);
}
