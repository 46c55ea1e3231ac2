//! Graph functions, the TensorFlow 2.0 overview's section VI: a polymorphic `add` traced once
//! per dtype, the variables example (5.0, 2.0, 3.0), `matmul_many` as one `While` graph next
//! to the same 100 matmuls unrolled into one graph and to eager, a data-dependent loop, and a
//! graph printout.
//!
//! `cargo run --release --example graph_functions`

use std::time::Instant;
use tf::{Function, Tensor, Variable};

pub fn main() {
    // Polymorphism: one trace per input signature.
    let add = Function::new("add", |xs: &[Tensor]| vec![&xs[0] + &xs[1]]);
    println!("{}", add.call(&[tf::constant([1.0f32, 2.0]), tf::constant([3.0f32, 4.0])])[0]);
    println!("{}", add.call(&[tf::constant([1i32, 2]), tf::constant([3i32, 4])])[0]);
    add.call(&[tf::constant([5.0f32, 6.0]), tf::constant([7.0f32, 8.0])]);
    println!("add traced {} times (float32 and int32)", add.tracing_count());

    // Variables are captured by reference; reads and writes keep program order.
    let a = Variable::new(tf::constant(1.0f32));
    let b = Variable::new(tf::constant(1.0f32));
    let (fa, fb) = (a.clone(), b.clone());
    let f = Function::new("f", move |xs: &[Tensor]| {
        fa.assign(&(&xs[1] * &fb));
        fb.assign_add(&(&xs[0] * &fa));
        vec![&fa + &fb]
    });
    let r = f.call(&[tf::constant(1.0f32), tf::constant(2.0f32)]);
    println!(
        "\nf(1.0, 2.0) = {}, a = {}, b = {}",
        r[0].scalar::<f32>(),
        a.value().scalar::<f32>(),
        b.value().scalar::<f32>()
    );

    // matmul_many: 100 matmuls as one While node, against the same loop run eagerly.
    let t = tf::random::uniform(&[2, 2], -0.5, 0.5, tf::float32, Some(1));
    let matmul_many = Function::new("matmul_many", |xs: &[Tensor]| {
        let t = xs[0].clone();
        let out = tf::while_loop(
            |v| tf::less(&v[0], &tf::constant(100i32)),
            |v| vec![&v[0] + 1, tf::matmul(&v[1], &t)],
            &[tf::constant(0i32), t.clone()],
            None,
        );
        vec![out[1].clone()]
    });
    let time = |f: &mut dyn FnMut()| {
        f();
        let start = Instant::now();
        for _ in 0..200 {
            f();
        }
        start.elapsed().as_secs_f64() / 200.0
    };
    // The same 100 matmuls unrolled at trace time (a Rust loop runs while tracing, as a
    // Python loop does under tf.function): one graph of 100 MatMul nodes.
    let unrolled = Function::new("matmul_unrolled", |xs: &[Tensor]| {
        let mut acc = xs[0].clone();
        for _ in 0..100 {
            acc = tf::matmul(&acc, &xs[0]);
        }
        vec![acc]
    });
    let graph = time(&mut || drop(matmul_many.call(std::slice::from_ref(&t))));
    let flat = time(&mut || drop(unrolled.call(std::slice::from_ref(&t))));
    let eager = time(&mut || {
        let mut acc = t.clone();
        for _ in 0..100 {
            acc = tf::matmul(&acc, &t);
        }
        drop(acc)
    });
    println!(
        "\nmatmul_many: While graph {:.1} us, 100 unrolled matmuls in one graph {:.1} us, eager {:.1} us \
         (speed-ups over eager: While {:.2}x, unrolled {:.2}x)",
        graph * 1e6,
        flat * 1e6,
        eager * 1e6,
        eager / graph,
        eager / flat
    );

    // A data-dependent loop: Collatz steps of a tensor.
    let collatz = Function::new("collatz", |xs: &[Tensor]| {
        tf::while_loop(
            |v| tf::greater(&v[0], &tf::constant(1i64)),
            |v| {
                let even = tf::equal(&tf::floormod(&v[0], &tf::constant(2i64)), &tf::constant(0i64));
                vec![
                    tf::where_(&even, &tf::floordiv(&v[0], &tf::constant(2i64)), &(&v[0] * 3 + 1)),
                    &v[1] + 1,
                ]
            },
            &[xs[0].clone(), tf::constant(0i64)],
            None,
        )
    });
    println!("collatz steps of 27: {}", collatz.call(&[tf::constant(27i64)])[1].scalar::<i64>());

    // The graph of a concrete function.
    let spec = tf::ops::TensorSpec {
        dtype: tf::float32,
        shape: tf::Shape::new(&[2, 2]),
    };
    println!("\n{}", matmul_many.get_concrete_function(&[spec]).graph());
}
