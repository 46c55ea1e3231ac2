//! Leaving loops early in a `#[tf::function]`: `return` inside loops (AutoGraph's
//! `do_return` / `retval_`) in staged loops (over a tensor, `while` on a tensor), nested
//! loops, Rust loops, tuples; a `loop` whose `break` or `return` sits under a tensor
//! condition (staged as one `While`). Each traced function equals its eager run, gives the
//! values worked out by hand, and passes gradients. Also a `TensorArray` first written
//! inside a staged loop.

use std::sync::Mutex;
use tf::{Tensor, TensorArray};

/// Serializes the tests of this file: they flip the process-wide eager flag.
static LOCK: Mutex<()> = Mutex::new(());

fn c(v: f32) -> Tensor {
    tf::constant(v)
}

/// A `return` under a tensor condition in a loop over a tensor (one staged `While`).
#[tf::function]
fn first_above(xs: &Tensor, t: &Tensor) -> Tensor {
    for x in xs.clone() {
        if tf::greater(&x, t) {
            return &x * 10.0f32;
        }
    }
    c(-1.0)
}

/// A `return` in a staged `while`, after other statements of the body.
#[tf::function]
fn halvings(x: &Tensor, cap: &Tensor) -> Tensor {
    let mut x = x.clone();
    let mut steps = c(0.0);
    while tf::greater(&x, &c(1.0)) {
        x = &x / 2.0f32;
        steps = &steps + 1.0f32;
        if tf::greater_equal(&steps, cap) {
            return -&steps;
        }
    }
    steps
}

/// A `return` in an inner staged loop leaves the outer one too.
#[tf::function]
fn pair_product(xs: &Tensor, target: &Tensor) -> Tensor {
    for a in xs.clone() {
        for b in xs.clone() {
            if tf::greater(&(&a + &b), target) {
                return &a * &b;
            }
        }
    }
    c(0.0)
}

/// A tuple returned from a staged loop, with a counter carried beside it.
#[tf::function]
fn first_negative(xs: &Tensor) -> (Tensor, Tensor) {
    let mut i = c(0.0);
    for x in xs.clone() {
        if tf::less(&x, &c(0.0)) {
            return (i, x);
        }
        i = &i + 1.0f32;
    }
    (c(-1.0), c(0.0))
}

/// A Rust loop with a Rust condition: unrolled at trace time, the `return` plain Rust (in a
/// `match` on a plain value, which stays plain Rust).
#[tf::function]
fn power_up_to(x: &Tensor, limit: i32) -> Tensor {
    let mut p = x.clone();
    for k in 0..10 {
        match k >= limit {
            true => return p,
            false => p = &p * x,
        }
    }
    p
}

/// A `loop` whose `break` sits under a tensor condition: one staged `While` (the condition
/// reads only names from before the loop, so the macro can name its kind there).
#[tf::function]
fn double_past(x: &Tensor, limit: &Tensor) -> Tensor {
    let mut y = x.clone();
    let mut steps = c(0.0);
    loop {
        y = &y * 2.0f32;
        steps = &steps + 1.0f32;
        if tf::greater(&y, limit) {
            break;
        }
    }
    &y + &steps
}

/// A `loop` left by a `return` under a tensor condition, with a `continue` under another.
#[tf::function]
fn loop_return(x: &Tensor) -> Tensor {
    let mut k = c(0.0);
    loop {
        k = &k + 1.0f32;
        if tf::less(&(&k * x), &c(10.0)) {
            continue;
        }
        if tf::greater_equal(&(&k * x), &c(10.0)) {
            return k;
        }
    }
}

/// A `TensorArray` with no element shape, first written inside the staged loop.
#[tf::function]
fn squares_array(xs: &Tensor) -> Tensor {
    let mut ta = TensorArray::new(tf::float32, 4);
    let mut i = tf::constant(0i64);
    for x in xs.clone() {
        ta = ta.write(&i, &(&x * &x));
        i = &i + 1i64;
    }
    ta.stack()
}

fn close(a: &Tensor, b: &Tensor, what: &str) {
    assert_eq!((a.shape(), a.dtype()), (b.shape(), b.dtype()), "{what}");
    let (x, y) = (a.to_vec::<f32>(), b.to_vec::<f32>());
    for (p, q) in x.iter().zip(&y) {
        assert!((p - q).abs() <= 1e-5 * (1.0 + q.abs()), "{what}: traced {x:?} vs eager {y:?}");
    }
}

/// `f` traced, then eagerly; returns the traced values after checking they equal the eager ones.
fn same(what: &str, f: impl Fn() -> Vec<Tensor>) -> Vec<f32> {
    let traced = f();
    tf::run_functions_eagerly(true);
    let eager = f();
    tf::run_functions_eagerly(false);
    assert_eq!(traced.len(), eager.len(), "{what}");
    traced.iter().zip(&eager).for_each(|(a, b)| close(a, b, what));
    traced.iter().flat_map(|t| t.to_vec::<f32>()).collect()
}

#[test]
fn returns_in_loops_equal_eager_and_hand_worked_values() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let xs = tf::constant([1.0f32, 5.0, 3.0, 8.0]);
    for (t, want) in [(0.0f32, 10.0f32), (4.0, 50.0), (6.0, 80.0), (9.0, -1.0)] {
        assert_eq!(same("first_above", || vec![first_above(&xs, &c(t))]), vec![want], "t = {t}");
    }
    // 100 -> 50 -> 25 -> 12.5 -> 6.25 -> 3.125 -> 1.5625 -> 0.78125: 7 halvings.
    for (cap, want) in [(3.0f32, -3.0f32), (7.0, -7.0), (8.0, 7.0), (50.0, 7.0)] {
        assert_eq!(same("halvings", || vec![halvings(&c(100.0), &c(cap))]), vec![want], "cap = {cap}");
    }
    let ys = tf::constant([1.0f32, 2.0, 4.0, 7.0]);
    // The first a + b > target, rows before columns: 1 + 7 > 6, 2 + 7 > 8, 7 + 7 > 13, 1 + 2 > 2.
    for (target, want) in [(6.0f32, 7.0f32), (8.0, 14.0), (13.0, 49.0), (100.0, 0.0), (2.0, 2.0)] {
        assert_eq!(
            same("pair_product", || vec![pair_product(&ys, &c(target))]),
            vec![want],
            "target = {target}"
        );
    }
    let negatives = [
        (tf::constant([3.0f32, 1.0, -2.0, -5.0]), vec![2.0f32, -2.0]),
        (tf::constant([-1.0f32, 2.0]), vec![0.0, -1.0]),
        (tf::constant([1.0f32, 2.0]), vec![-1.0, 0.0]),
    ];
    for (v, want) in negatives {
        let got = same("first_negative", || {
            let (i, x) = first_negative(&v);
            vec![i, x]
        });
        assert_eq!(got, want);
    }
    for (limit, want) in [(0, 2.0f32), (3, 16.0), (20, 2048.0)] {
        assert_eq!(
            same("power_up_to", || vec![power_up_to(&c(2.0), limit)]),
            vec![want],
            "limit = {limit}"
        );
    }
    // 3 -> 6 -> 12 -> 24 -> 48: past 20 after 3 doublings, past 40 after 4.
    for (limit, want) in [(20.0f32, 27.0f32), (40.0, 52.0), (1.0, 7.0)] {
        assert_eq!(
            same("double_past", || vec![double_past(&c(3.0), &c(limit))]),
            vec![want],
            "limit = {limit}"
        );
    }
    // The first k with k * x >= 10.
    for (x, want) in [(3.0f32, 4.0f32), (10.0, 1.0), (0.5, 20.0)] {
        assert_eq!(same("loop_return", || vec![loop_return(&c(x))]), vec![want], "x = {x}");
    }
    assert_eq!(same("squares_array", || vec![squares_array(&xs)]), vec![1.0, 25.0, 9.0, 64.0]);
}

#[test]
fn a_staged_loop_with_a_return_is_one_while_and_one_cond_after_it() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    first_above(&tf::constant([1.0f32, 2.0]), &c(1.5));
    let f = tf::function_of!(first_above);
    let cf = f.concrete_functions().into_iter().last().expect("traced");
    let g = cf.graph().to_string();
    assert_eq!(g.matches("= While(").count(), 1, "{g}");
    // The trial iteration that found the return value's dtype and shape left nothing behind.
    assert_eq!(g.matches("autograph_trial").count(), 0, "{g}");
    double_past(&c(1.0), &c(5.0));
    let g = tf::function_of!(double_past).concrete_functions()[0].graph().to_string();
    assert_eq!(g.matches("= While(").count(), 1, "a loop with a tensor break is staged: {g}");
    let code = tf::to_code!(first_above);
    assert!(code.contains("Retval::undefined()") && code.contains("__tf_retval.get()"), "{code}");
}

#[test]
fn gradients_flow_through_a_return_in_a_staged_loop() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let grad = |xs: &Tensor, t: f32| {
        let tape = tf::GradientTape::new();
        tape.watch(xs);
        let y = first_above(xs, &c(t));
        // Eagerly, no `return` leaves the constant -1: unconnected (`None`), as in TensorFlow.
        tape.gradient(&y, xs).map_or(vec![0.0; 4], |g| g.to_vec::<f32>())
    };
    let xs = tf::constant([1.0f32, 5.0, 3.0, 8.0]);
    for (t, want) in [(4.0f32, [0.0f32, 10.0, 0.0, 0.0]), (6.0, [0.0, 0.0, 0.0, 10.0]), (9.0, [0.0; 4])] {
        let traced = grad(&xs, t);
        tf::run_functions_eagerly(true);
        let eager = grad(&xs, t);
        tf::run_functions_eagerly(false);
        assert_eq!(traced, want.to_vec(), "t = {t}");
        assert_eq!(eager, want.to_vec(), "t = {t}");
    }
    // The product a * b returned from the nested loops, against central differences.
    let x = tf::constant([1.0f32, 2.0, 4.0, 7.0]);
    let tape = tf::GradientTape::new();
    tape.watch(&x);
    let y = pair_product(&x, &c(6.0));
    let g = tape.gradient(&y, &x).expect("connected").to_vec::<f32>();
    assert_eq!(g, vec![7.0, 0.0, 0.0, 1.0], "y = x[0] * x[3]");
    let h = 1e-2f32;
    for (i, gi) in g.iter().enumerate() {
        let at = |d: f32| {
            let mut v = vec![1.0f32, 2.0, 4.0, 7.0];
            v[i] += d;
            pair_product(&tf::constant(v), &c(6.0)).scalar::<f32>()
        };
        let numeric = (at(h) - at(-h)) / (2.0 * h);
        assert!((gi - numeric).abs() < 1e-2 * (1.0 + numeric.abs()), "x[{i}]: {gi} vs {numeric}");
    }
}

/// `break` under a tensor condition in a staged loop over a dataset: the pass stops there.
#[tf::function]
fn sum_until(ds: &tf::data::Dataset<Tensor>, limit: &Tensor) -> Tensor {
    let mut total = c(0.0);
    for x in ds {
        total = &total + &x;
        if tf::greater(&total, limit) {
            break;
        }
    }
    total
}

/// `return` from a staged loop over a dataset.
#[tf::function]
fn first_big(ds: &tf::data::Dataset<Tensor>, limit: &Tensor) -> Tensor {
    for x in ds {
        if tf::greater(&x, limit) {
            return &x * 10.0f32;
        }
    }
    c(-1.0)
}

#[test]
fn break_and_return_leave_a_staged_loop_over_a_dataset() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let ds = tf::data::Dataset::from_tensor_slices(tf::constant([1.0f32, 5.0, 3.0, 8.0])).unwrap();
    // Running totals 1, 6, 9, 17.
    for (limit, want) in [(0.5f32, 1.0f32), (5.0, 6.0), (8.0, 9.0), (100.0, 17.0)] {
        assert_eq!(same("sum_until", || vec![sum_until(&ds, &c(limit))]), vec![want], "limit = {limit}");
    }
    for (limit, want) in [(0.0f32, 10.0f32), (4.0, 50.0), (6.0, 80.0), (9.0, -1.0)] {
        assert_eq!(same("first_big", || vec![first_big(&ds, &c(limit))]), vec![want], "limit = {limit}");
    }
    for f in [tf::function_of!(sum_until), tf::function_of!(first_big)] {
        let g = f.concrete_functions()[0].graph().to_string();
        assert_eq!(g.matches("= ForDataset(").count(), 1, "one staged loop per pass: {g}");
        assert_eq!(f.tracing_count(), 1, "{g}");
    }
}
