//! `tf::debugging`'s run-time checks (`assert`, the comparison assertions,
//! `check_numerics`) and `tf::strings::format`, against a real TensorFlow 2.21 run
//! (`tests/golden/gen_debugging.py`): each case eagerly and inside a traced function, where
//! the check is a staged op that runs on every call.

mod common;

use serde_json::Value;
use std::sync::Arc;
use tf::{Function, Tensor};

type Body = Arc<dyn Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync>;

/// The body of golden case `c`, on its inputs.
fn body(c: &Value) -> Body {
    let a = c["args"].clone();
    let message = a["message"].as_str().map(String::from);
    let f = c["fn"].as_str().expect("fn").to_string();
    type Binary = fn(&Tensor, &Tensor, Option<&str>);
    type Unary = fn(&Tensor, Option<&str>);
    let binary: Option<Binary> = match f.as_str() {
        "assert_equal" => Some(tf::debugging::assert_equal),
        "assert_none_equal" => Some(tf::debugging::assert_none_equal),
        "assert_less" => Some(tf::debugging::assert_less),
        "assert_less_equal" => Some(tf::debugging::assert_less_equal),
        "assert_greater" => Some(tf::debugging::assert_greater),
        "assert_greater_equal" => Some(tf::debugging::assert_greater_equal),
        _ => None,
    };
    let unary: Option<Unary> = match f.as_str() {
        "assert_positive" => Some(tf::debugging::assert_positive),
        "assert_negative" => Some(tf::debugging::assert_negative),
        "assert_non_negative" => Some(tf::debugging::assert_non_negative),
        "assert_non_positive" => Some(tf::debugging::assert_non_positive),
        _ => None,
    };
    if let Some(g) = binary {
        return Arc::new(move |x| {
            g(&x[0], &x[1], message.as_deref());
            vec![]
        });
    }
    if let Some(g) = unary {
        return Arc::new(move |x| {
            g(&x[0], message.as_deref());
            vec![]
        });
    }
    match f.as_str() {
        "assert" => {
            let summarize = a["summarize"].as_i64().map(|n| usize::try_from(n).ok());
            Arc::new(move |x| {
                let data: Vec<&Tensor> = x[1..].iter().collect();
                tf::debugging::assert(&x[0], &data, summarize.unwrap_or(Some(3)));
                vec![]
            })
        }
        "check_numerics" => Arc::new(move |x| vec![tf::debugging::check_numerics(&x[0], message.as_deref().unwrap())]),
        "format" => {
            let template = a["template"].as_str().unwrap().to_string();
            let placeholder = a["placeholder"].as_str().unwrap_or("{}").to_string();
            let summarize = a["summarize"].as_i64().map_or(Some(3), |n| usize::try_from(n).ok());
            Arc::new(move |x| {
                let xs: Vec<&Tensor> = x.iter().collect();
                vec![tf::strings::format_with(&template, &xs, &placeholder, summarize)]
            })
        }
        other => panic!("no runner for {other}"),
    }
}

/// Checks case `c` run by `call`: its output, or its failure's message (TensorFlow's graph
/// tensor names, `x (xs_0:0) = `, read as `x = `).
fn check(c: &Value, call: &dyn Fn(&[Tensor], Body) -> Vec<Tensor>) {
    let name = c["name"].as_str().unwrap();
    let inputs: Vec<Tensor> = c["inputs"].as_array().unwrap().iter().map(common::golden_tensor).collect();
    let f = body(c);
    match c["error"].as_str() {
        Some(want) => {
            let want = regex_free_names(want);
            let got = common::panic_message(|| {
                call(&inputs, f);
            });
            assert!(got.ends_with(&want), "{name}:\n got {got:?}\nwant {want:?}");
        }
        None => {
            let out = call(&inputs, f);
            if let Some(o) = c.get("output") {
                let want = common::golden_tensor(o);
                assert_eq!(out[0].dtype(), want.dtype(), "{name}");
                assert_eq!(out[0].shape(), want.shape(), "{name}");
                assert_eq!(out[0].buffer(), want.buffer(), "{name}");
            }
        }
    }
}

/// `x (xs_0:0) = ` → `x = `.
fn regex_free_names(s: &str) -> String {
    let mut out = s.to_string();
    while let Some(start) = out.find(" (xs_") {
        let end = out[start..].find(":0)").expect("a tensor name") + start + 3;
        out.replace_range(start..end, "");
    }
    out
}

fn cases() -> Vec<Value> {
    let cases = common::golden_json("debugging.json")["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 50);
    cases
}

#[test]
fn checks_match_tensorflow_eagerly() {
    for c in &cases() {
        check(c, &|args, f| f(args));
    }
}

#[test]
fn checks_match_tensorflow_traced() {
    for c in &cases() {
        check(c, &|args, f| Function::new("checks", move |xs: &[Tensor]| f(xs)).call(args));
    }
}

/// A staged check runs on every call, not once while tracing: the trace passes, a later call
/// with bad data fails, and a good call after it passes again.
#[test]
fn a_staged_check_runs_on_every_call() {
    let f = Function::new("positive_sqrt", |xs: &[Tensor]| {
        tf::debugging::assert_non_negative(&xs[0], Some("sqrt of a negative"));
        vec![tf::sqrt(&xs[0])]
    });
    assert_eq!(f.call(&[tf::constant([4.0f32])])[0].to_vec::<f32>(), vec![2.0]);
    let e = common::panic_message(|| {
        f.call(&[tf::constant([-4.0f32])]);
    });
    assert!(e.contains("[sqrt of a negative.  ]"), "{e}");
    assert_eq!(f.call(&[tf::constant([9.0f32])])[0].to_vec::<f32>(), vec![3.0]);
    assert_eq!(f.tracing_count(), 1);
}

/// `check_numerics`'s gradient is the incoming one, itself checked.
#[test]
fn check_numerics_passes_gradients_and_checks_them() {
    let x = tf::Variable::new(tf::constant([1.0f32, 4.0]));
    let g = {
        let tape = tf::GradientTape::new();
        let y = tf::reduce_sum(&tf::sqrt(&tf::debugging::check_numerics(&x.value(), "x")), None::<i64>, false);
        tape.gradient(&y, &x).unwrap()
    };
    assert_eq!(g.to_vec::<f32>(), vec![0.5, 0.25]);
    let x = tf::Variable::new(tf::constant([0.0f32]));
    let e = common::panic_message(|| {
        let tape = tf::GradientTape::new();
        let y = tf::reduce_sum(&tf::sqrt(&tf::debugging::check_numerics(&x.value(), "x")), None::<i64>, false);
        tape.gradient(&y, &x);
    });
    assert!(
        e.ends_with("Not a number (NaN) or infinity (Inf) values detected in gradient. x : Tensor had Inf values"),
        "{e}"
    );
}
