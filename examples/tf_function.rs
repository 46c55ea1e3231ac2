//! `#[tf::function]`: ordinary Rust control flow, staged into graphs by the compiler.
//!
//! `cargo run --release --example tf_function`

use std::time::Instant;
use tf::{Tensor, Variable};

/// A tensor range stages one `While` node.
#[tf::function]
fn matmul_many(t: &Tensor) -> Tensor {
    let mut accum = t.clone();
    for _ in tf::range(100) {
        accum = tf::matmul(&accum, t);
    }
    accum
}

/// A Rust range unrolls at trace time: 100 `MatMul` nodes.
#[tf::function]
fn matmul_unrolled(t: &Tensor) -> Tensor {
    let mut accum = t.clone();
    for _ in 0..100 {
        accum = tf::matmul(&accum, t);
    }
    accum
}

/// Reads and writes of variables keep program order.
#[tf::function]
fn variables(a: &Variable, b: &Variable, x: &Tensor, y: &Tensor) -> Tensor {
    a.assign(&(y * &b.value()));
    b.assign_add(&(x * &a.value()));
    a.value() + b.value()
}

/// Polymorphic: one trace per input signature.
#[tf::function]
fn add(a: &Tensor, b: &Tensor) -> Tensor {
    a + b
}

/// `input_signature` with a `None` batch: one trace for every batch size.
#[tf::function(input_signature = [tf::ops::TensorSpec::new(vec![None, Some(3)], tf::float32)])]
fn row_sums(x: &Tensor) -> Tensor {
    tf::reduce_sum(x, 1, false)
}

/// `reduce_retracing`: the second shape traces a generalized graph.
#[tf::function(reduce_retracing)]
fn doubled(x: &Tensor) -> Tensor {
    x * 2.0f32
}

/// A loop over a dataset, staged: one loop node, a fresh pass over the data on every call.
#[tf::function]
fn dataset_mean(ds: &tf::data::Dataset<Tensor>) -> Tensor {
    let mut total = tf::constant(0.0f32);
    let mut count = tf::constant(0.0f32);
    for batch in ds {
        total = total + tf::reduce_sum(&batch, None, false);
        count = count + tf::cast(&tf::size(&batch), tf::float32);
    }
    total / count
}

/// A data-dependent `while` with a tensor condition: Collatz steps.
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

/// An early `return` from a staged loop (AutoGraph's `do_return`/`retval_`): the index of the
/// first row whose sum passes a threshold, or -1.
#[tf::function]
fn first_row_over(x: &Tensor, threshold: &Tensor) -> Tensor {
    let mut i = tf::constant(0i64);
    for row in x.clone() {
        if tf::greater(&tf::reduce_sum(&row, None, false), threshold) {
            return i;
        }
        i = &i + 1i64;
    }
    tf::constant(-1i64)
}

/// A small MLP step with many cheap ops: where a graph beats op-by-op eager dispatch.
#[tf::function]
fn mlp(x: &Tensor, w1: &Tensor, w2: &Tensor) -> Tensor {
    let mut h = x.clone();
    for _ in 0..8 {
        h = tf::nn::relu(&tf::matmul(&h, w1));
        h = tf::tanh(&tf::matmul(&h, w2)) * 0.5f32 + 0.5f32;
    }
    h
}

fn count(f: &tf::Function, op: &str) -> usize {
    f.concrete_functions()[0].graph().to_string().matches(&format!("= {op}(")).count()
}

/// Best time per call over a few repeats.
fn time(n: usize, mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            (0..n).for_each(|_| f());
            t.elapsed().as_secs_f64() / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

pub fn main() {
    let t = tf::random::uniform(&[4, 4], -0.3, 0.3, tf::float32, Some(7));
    let (a, b) = (matmul_many(&t), matmul_unrolled(&t));
    let diff = tf::reduce_max(&tf::abs(&(&a - &b)), None, false).scalar::<f32>();
    println!(
        "matmul_many: tf::range loop -> {} While node, {} MatMul in its body; 0..100 loop -> {} MatMul nodes (max difference {diff:e})",
        count(tf::function_of!(matmul_many), "While"),
        count(tf::function_of!(matmul_many), "MatMul"),
        count(tf::function_of!(matmul_unrolled), "MatMul"),
    );
    println!("\nThe code #[tf::function] generated for collatz:\n{}", tf::to_code!(collatz));

    let (va, vb) = (Variable::new(1.0f32), Variable::new(1.0f32));
    let r = variables(&va, &vb, &tf::constant(1.0f32), &tf::constant(2.0f32));
    println!(
        "variables: f(1.0, 2.0) = {}, a = {}, b = {}",
        r.scalar::<f32>(),
        va.value().scalar::<f32>(),
        vb.value().scalar::<f32>()
    );

    add(&tf::constant(1.0f32), &tf::constant(2.0f32));
    add(&tf::constant(3.0f32), &tf::constant(4.0f32)); // same signature: no retrace
    add(&tf::constant([1.0f32, 2.0]), &tf::constant([3.0f32, 4.0])); // a new shape
    add(&tf::constant(1i32), &tf::constant(2i32)); // a new dtype
    println!("add: traced {} times for 4 calls", tf::function_of!(add).tracing_count());

    println!("collatz(27) = {} steps", collatz(&tf::constant(27i64)).scalar::<i64>());
    let rows = tf::constant([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    let found: Vec<i64> = [2.0f32, 5.0, 20.0]
        .iter()
        .map(|t| first_row_over(&rows, &tf::constant(*t)).scalar::<i64>())
        .collect();
    println!(
        "first_row_over([[1, 2], [3, 4], [5, 6]], 2 / 5 / 20) = {found:?} (return inside a staged loop: {} While, {} trace)",
        count(tf::function_of!(first_row_over), "While"),
        tf::function_of!(first_row_over).tracing_count()
    );

    for n in [1usize, 4, 7] {
        row_sums(&tf::ones([n, 3], tf::float32));
    }
    let sig = tf::function_of!(row_sums).concrete_functions()[0].signature()[0].to_string();
    println!(
        "row_sums: traced {} time for batches of 1, 4 and 7: {sig}",
        tf::function_of!(row_sums).tracing_count()
    );
    for n in [3usize, 5, 7, 9] {
        doubled(&tf::ones([n], tf::float32));
    }
    println!(
        "doubled (reduce_retracing): traced {} times for shapes [3], [5], [7], [9]",
        tf::function_of!(doubled).tracing_count()
    );
    let ds = tf::data::Dataset::range(0, 10, 1)
        .expect("a non-zero step")
        .map(|x| tf::cast(&x, tf::float32))
        .batch(4, false);
    println!(
        "dataset_mean(range(10) in batches of 4) = {} (graph:{} ForDataset node)",
        dataset_mean(&ds).scalar::<f32>(),
        if count(tf::function_of!(dataset_mean), "ForDataset") == 1 {
            " one"
        } else {
            " no"
        }
    );

    let x = tf::random::uniform(&[8, 16], -1.0, 1.0, tf::float32, Some(1));
    let w1 = tf::random::uniform(&[16, 16], -0.3, 0.3, tf::float32, Some(2));
    let w2 = tf::random::uniform(&[16, 16], -0.3, 0.3, tf::float32, Some(3));
    let graph = time(2000, || drop(mlp(&x, &w1, &w2)));
    tf::run_functions_eagerly(true);
    let eager = time(2000, || drop(mlp(&x, &w1, &w2)));
    tf::run_functions_eagerly(false);
    println!(
        "mlp (8 x [matmul, relu, matmul, tanh, mul, add] on 8x16): graph {:.1} us vs eager {:.1} us per call ({:.2}x)",
        graph * 1e6,
        eager * 1e6,
        eager / graph
    );
    let graph = time(500, || drop(matmul_many(&t)));
    let eager = time(500, || {
        let mut acc = t.clone();
        for _ in 0..100 {
            acc = tf::matmul(&acc, &t);
        }
        drop(acc)
    });
    println!(
        "matmul_many (100 4x4 matmuls): While graph {:.1} us vs a plain eager loop {:.1} us per call ({:.2}x; the graph \
         executor interprets the While body per iteration for now)",
        graph * 1e6,
        eager * 1e6,
        eager / graph
    );
}
