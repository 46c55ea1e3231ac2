//! `#[tf::function]` behaviour: each function of the corpus gives the same values traced
//! (one graph) as run eagerly (`tf::run_functions_eagerly(true)`), on several inputs.

use tf::Tensor;

#[tf::function]
fn abs_if(x: &Tensor) -> Tensor {
    let y;
    if tf::greater(x, &tf::zeros_like(x)) {
        y = x.clone();
    } else {
        y = -x;
    }
    y
}

#[tf::function]
fn matmul_many(t: &Tensor) -> Tensor {
    let mut accum = t.clone();
    for _ in tf::range(10) {
        accum = tf::matmul(&accum, t);
    }
    accum
}

#[tf::function]
fn collatz(n: &Tensor) -> Tensor {
    let mut n = n.clone();
    let mut steps = tf::constant(0i64);
    while tf::greater(&n, &tf::constant(1i64)) {
        if tf::equal(&tf::floormod(&n, &tf::constant(2i64)), &tf::constant(0i64)) {
            n = tf::floordiv(&n, &tf::constant(2i64));
        } else {
            n = &n * 3i64 + 1i64;
        }
        steps = &steps + 1i64;
    }
    steps
}

#[test]
fn smoke() {
    assert_eq!(abs_if(&tf::constant(-3.0f32)).scalar::<f32>(), 3.0);
    assert_eq!(abs_if(&tf::constant(2.0f32)).scalar::<f32>(), 2.0);
    assert_eq!(tf::function_of!(abs_if).tracing_count(), 1);
    let m = tf::constant([[0.5f32, 0.0], [0.0, 1.0]]);
    assert_eq!(matmul_many(&m).to_vec::<f32>()[0], 0.5f32.powi(11));
    assert_eq!(collatz(&tf::constant(27i64)).scalar::<i64>(), 111);
    println!("{}", tf::to_code!(collatz));
}
