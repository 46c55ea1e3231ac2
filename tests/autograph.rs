//! The AutoGraph runtime helpers: plain Rust for `bool` and Rust iterators, staged
//! `If`/`While` nodes for tensors — with the same results eager and traced.

use tf::autograph::{for_stmt, if_stmt, while_stmt};
use tf::ops::TensorSpec;
use tf::{Function, Tensor};

fn graph_text(f: &Function, specs: &[TensorSpec]) -> String {
    f.get_concrete_function(specs).graph().to_string()
}

fn scalar_spec(d: tf::DType) -> TensorSpec {
    TensorSpec {
        dtype: d,
        shape: tf::Shape::scalar(),
    }
}

/// |x| if x > 0 { y = x * 2 } else { y = -x }; with a tensor condition.
fn abs2(xs: &[Tensor]) -> Vec<Tensor> {
    let x = xs[0].clone();
    let y = tf::zeros_like(&x);
    let (y,) = if_stmt(
        tf::greater(&x, &tf::zeros_like(&x)),
        (y,),
        |b: bool, _| if b { (&x * 2.0f32,) } else { (-&x,) },
    );
    vec![y]
}

#[test]
fn if_stmt_plain_and_staged() {
    // bool: plain Rust, nothing staged.
    let (v,) = if_stmt(
        3 > 2,
        (tf::constant(1.0f32),),
        |b: bool, (a,)| if b { (&a + 1.0f32,) } else { (a,) },
    );
    assert_eq!(v.scalar::<f32>(), 2.0);
    // Tensor condition, eager and traced.
    assert_eq!(abs2(&[tf::constant(-3.0f32)])[0].scalar::<f32>(), 3.0);
    let f = Function::new("abs2", abs2);
    assert_eq!(f.call(&[tf::constant(-3.0f32)])[0].scalar::<f32>(), 3.0);
    assert_eq!(f.call(&[tf::constant(4.0f32)])[0].scalar::<f32>(), 8.0);
    assert!(graph_text(&f, &[scalar_spec(tf::float32)]).contains("= If("));
}

/// Sum of 1..=n by a `while` whose condition is a tensor.
fn triangular(xs: &[Tensor]) -> Vec<Tensor> {
    let (i, s) = while_stmt(
        (tf::constant(1i64), tf::constant(0i64)),
        |(i, s)| (tf::less_equal(&i, &xs[0]), (i, s)),
        |(i, s)| (&i + 1i64, &s + &i),
    );
    vec![i, s]
}

#[test]
fn while_stmt_plain_and_staged() {
    let (n,) = while_stmt((tf::constant(0i32),), |(n,)| (n.scalar::<i32>() < 5, (n,)), |(n,)| (&n + 1,));
    assert_eq!(n.scalar::<i32>(), 5);
    assert_eq!(triangular(&[tf::constant(10i64)])[1].scalar::<i64>(), 55);
    let f = Function::new("triangular", triangular);
    assert_eq!(f.call(&[tf::constant(10i64)])[1].scalar::<i64>(), 55);
    assert_eq!(f.call(&[tf::constant(100i64)])[1].scalar::<i64>(), 5050);
    assert_eq!(f.tracing_count(), 1);
    assert_eq!(graph_text(&f, &[scalar_spec(tf::int64)]).matches("= While(").count(), 1);
}

#[test]
fn for_over_a_rust_range_unrolls_and_over_a_tensor_stages() {
    let unrolled = Function::new("unrolled", |xs: &[Tensor]| {
        let ((acc,), ()) = for_stmt(0..3, ((xs[0].clone(),), ()), |_, ((acc,), ())| ((&acc * 2.0f32,), ()));
        vec![acc]
    });
    assert_eq!(unrolled.call(&[tf::constant(1.5f32)])[0].scalar::<f32>(), 12.0);
    let text = graph_text(&unrolled, &[scalar_spec(tf::float32)]);
    assert_eq!(text.matches("= Mul(").count(), 3, "a Rust range unrolls: {text}");
    let rows = |xs: &[Tensor]| {
        let ((acc,), ()) = for_stmt(xs[0].clone(), ((tf::zeros([2], tf::float32),), ()), |row, ((acc,), ())| {
            ((&acc + &row,), ())
        });
        vec![acc]
    };
    let m = tf::constant([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    assert_eq!(rows(std::slice::from_ref(&m))[0].to_vec::<f32>(), vec![9.0, 12.0]);
    let staged = Function::new("rows", rows);
    assert_eq!(staged.call(std::slice::from_ref(&m))[0].to_vec::<f32>(), vec![9.0, 12.0]);
    let text = graph_text(
        &staged,
        &[TensorSpec {
            dtype: tf::float32,
            shape: tf::Shape::new(&[3, 2]),
        }],
    );
    assert_eq!(text.matches("= While(").count(), 1, "{text}");
}
