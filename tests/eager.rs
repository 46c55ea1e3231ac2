//! Eager behaviour through the public API: the overview's first example, operators with Rust
//! scalars, misuse messages with the caller's location, seeds, views and conversions.

mod common;
use common::panic_message;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn overview_add_prints_like_tensorflow() {
    let a = tf::constant([1.0f32, 2.0]);
    let b = tf::constant([3.0f32, 4.0]);
    assert_eq!((&a + &b).to_string(), "tf.Tensor([4. 6.], shape=(2,), dtype=float32)");
    assert_eq!((a + b).to_vec::<f32>(), vec![4.0, 6.0]);
}

#[test]
fn rust_scalars_take_the_tensor_dtype() {
    let x = tf::constant([1.0f32, 2.0]);
    assert_eq!((&x * 2).dtype(), tf::float32);
    // A literal on the left names its type; it still takes the tensor's dtype.
    assert_eq!((2.5f64 - &x).to_vec::<f32>(), vec![1.5, 0.5]);
    assert_eq!((-&x).to_vec::<f32>(), vec![-1.0, -2.0]);
    let i = tf::constant([7i64, -7]);
    assert_eq!((&i + 1).to_vec::<i64>(), vec![8, -6]);
    // True division of integers gives float64, as in TensorFlow.
    assert_eq!((&i / 2).dtype(), tf::float64);
}

#[test]
fn matmul_misuse_names_op_shapes_and_caller() {
    let a = tf::zeros([2, 3], tf::float32);
    let b = tf::zeros([4, 5], tf::float32);
    let msg = panic_message(|| drop(tf::matmul(&a, &b)));
    assert_eq!(msg, "MatMul: cannot multiply [2, 3] by [4, 5]: inner dimensions 3 and 4 differ");
    // The panic location is the user's line (track_caller through the public function).
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (slot, me) = (seen.clone(), std::thread::current().id());
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            *slot.lock().unwrap() = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        }
    }));
    let call = || drop(tf::matmul(&a, &b));
    let want = format!("tests/eager.rs:{}", line!() - 1);
    let _ = catch_unwind(AssertUnwindSafe(call));
    std::panic::set_hook(prev);
    assert_eq!(*seen.lock().unwrap(), want);
}

#[test]
fn dtype_mismatch_is_an_error_naming_both() {
    let msg = panic_message(|| drop(tf::add(&tf::constant([1.0f32]), &tf::constant([1i32]))));
    assert!(
        msg.starts_with("AddV2: ") && msg.contains("float32") && msg.contains("int32"),
        "{msg}"
    );
    let msg = panic_message(|| drop(tf::add(&tf::zeros([2, 3], tf::float32), &tf::zeros([4], tf::float32))));
    assert_eq!(msg, "AddV2: Incompatible shapes: [2, 3] vs. [4]");
}

#[test]
fn seeded_random_is_repeatable_and_streams_advance() {
    let _seed = common::seed_lock();
    tf::random::set_seed(7);
    let a = tf::random::normal(&[4], 0.0, 1.0, tf::float32, None);
    let b = tf::random::normal(&[4], 0.0, 1.0, tf::float32, None);
    tf::random::set_seed(7);
    let a2 = tf::random::normal(&[4], 0.0, 1.0, tf::float32, None);
    let b2 = tf::random::normal(&[4], 0.0, 1.0, tf::float32, None);
    assert_eq!(a.to_vec::<f32>(), a2.to_vec::<f32>());
    assert_eq!(b.to_vec::<f32>(), b2.to_vec::<f32>());
    assert_ne!(a.to_vec::<f32>(), b.to_vec::<f32>());
    // An op seed repeated continues its stream (TensorFlow 2 eager semantics).
    tf::random::set_seed(1);
    let c = tf::random::uniform(&[3], 0.0, 1.0, tf::float32, Some(5));
    let d = tf::random::uniform(&[3], 0.0, 1.0, tf::float32, Some(5));
    assert_ne!(c.to_vec::<f32>(), d.to_vec::<f32>());
}

#[test]
fn random_distributions_have_the_right_moments() {
    let _seed = common::seed_lock();
    tf::random::set_seed(3);
    let n = tf::random::normal(&[20000], 2.0, 3.0, tf::float64, None);
    let (m, v) = tf::nn::moments(&n, None, false);
    assert!((m.scalar::<f64>() - 2.0).abs() < 0.1, "mean {m}");
    assert!((v.scalar::<f64>().sqrt() - 3.0).abs() < 0.1, "std {v}");
    let t = tf::random::truncated_normal(&[5000], 0.0, 1.0, tf::float32, None);
    assert!(t.to_vec::<f32>().iter().all(|x| x.abs() <= 2.0));
    let u = tf::random::uniform(&[5000], -1.0, 3.0, tf::float32, None).to_vec::<f32>();
    assert!(u.iter().all(|&x| (-1.0..3.0).contains(&x)));
    let i = tf::random::uniform(&[5000], 2.0, 5.0, tf::int32, None).to_vec::<i32>();
    assert!(i.iter().all(|&x| (2..5).contains(&x)) && (2..5).all(|k| i.contains(&k)));
    let s = tf::random::shuffle(&tf::range((0, 50, 1)), None).to_vec::<i32>();
    let mut sorted = s.clone();
    sorted.sort();
    assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    let c = tf::random::categorical(&tf::constant([[0.0f32, 100.0, 0.0]]), 10, None);
    assert_eq!(c.to_vec::<i64>(), vec![1; 10]);
}

#[test]
fn dropout_scales_kept_values() {
    let _seed = common::seed_lock();
    tf::random::set_seed(11);
    let x = tf::ones([10000], tf::float32);
    let y = tf::nn::dropout(&x, 0.25, None).to_vec::<f32>();
    let kept = y.iter().filter(|&&v| v != 0.0).count() as f64 / 10000.0;
    assert!((kept - 0.75).abs() < 0.03, "kept {kept}");
    assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
}

#[test]
fn reshape_is_a_view_and_conversions_round_trip() {
    let x = tf::range((0, 6, 1));
    let r = tf::reshape(&x, [2, 3]);
    assert!(r.shares_buffer_with(&x));
    let nd = r.to_ndarray::<i32>();
    assert_eq!(nd.shape(), &[2, 3]);
    assert_eq!(tf::constant(nd).to_vec::<i32>(), (0..6).collect::<Vec<_>>());
    assert_eq!(tf::constant([[[[1u8]]]]).rank(), 4);
    assert_eq!(tf::Tensor::from_vec(vec![1.0f64; 6], [3, 2]).unwrap().shape().dims(), &[3, 2]);
    assert!(tf::Tensor::from_vec(vec![1.0f64; 5], [3, 2]).is_err());
    assert_eq!(tf::constant(vec![true, false]).dtype(), tf::bool);
    assert_eq!(tf::fill([2], 3u8).to_vec::<u8>(), vec![3, 3]);
    assert_eq!(tf::ones_like(&x).to_vec::<i32>(), vec![1; 6]);
    assert_eq!(tf::eye(2, None, tf::int64).to_vec::<i64>(), vec![1, 0, 0, 1]);
}

#[test]
fn large_ops_use_both_cores_and_agree_with_small_ones() {
    // Sizes past the parallel threshold take the multi-threaded paths.
    let n = 300_000;
    let x = tf::range((0.0f64, n as f64, 1.0));
    let s = tf::reduce_sum(&(&x * 2.0), None, false).scalar::<f64>();
    assert_eq!(s, (n as f64 - 1.0) * n as f64);
    let m = tf::reshape(&x, [600, 500]);
    let col = tf::reduce_max(&m, 0, false).to_vec::<f64>();
    assert_eq!(col[0], 599.0 * 500.0);
    let t = tf::transpose(&m, None);
    assert_eq!(t.slice(tf::s![3, 2]).scalar::<f64>(), 2.0 * 500.0 + 3.0);
}

#[test]
fn matmul_large_matches_naive() {
    let _seed = common::seed_lock();
    let a = tf::random::uniform(&[67, 129], -1.0, 1.0, tf::float32, Some(1));
    let b = tf::random::uniform(&[129, 95], -1.0, 1.0, tf::float32, Some(2));
    let c = tf::matmul(&a, &b).to_vec::<f32>();
    let (av, bv) = (a.to_vec::<f32>(), b.to_vec::<f32>());
    for i in (0..67).step_by(11) {
        for j in (0..95).step_by(7) {
            let want: f64 = (0..129).map(|p| av[i * 129 + p] as f64 * bv[p * 95 + j] as f64).sum();
            assert!((c[i * 95 + j] as f64 - want).abs() < 1e-4);
        }
    }
}

/// `Fill`'s dims must be a vector: a scalar is refused with a message, not an index panic.
#[test]
fn fill_refuses_scalar_dims() {
    let (dims, value) = (tf::constant(3i64), tf::constant(1.0f32));
    let err = (tf::ops::shape::FILL.infer)(&[&dims, &value], &tf::ops::Attrs::new()).unwrap_err();
    assert_eq!(err, "dims must be a vector, got a rank-0 tensor of shape ()");
}
