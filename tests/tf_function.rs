//! `#[tf::function]` behaviour: every function of the corpus gives the same values traced
//! (one graph, run by the executor) as run eagerly (`tf::run_functions_eagerly(true)`), on
//! several inputs, and the same gradients through it.

mod common;
use std::sync::Mutex;
use tf::{Tensor, TensorArray, Variable};

/// Serializes the tests of this file: they flip the process-wide eager flag.
static LOCK: Mutex<()> = Mutex::new(());

fn c(v: f32) -> Tensor {
    tf::constant(v)
}

// ---- the corpus ----

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
fn relu_expr(x: &Tensor) -> Tensor {
    if tf::greater(x, &c(0.0)) {
        x * 1.0f32
    } else {
        tf::zeros_like(x)
    }
}

#[tf::function]
fn sign_chain(x: &Tensor) -> Tensor {
    let s = if tf::greater(x, &c(0.0)) {
        c(1.0)
    } else if tf::less(x, &c(0.0)) {
        c(-1.0)
    } else {
        c(0.0)
    };
    s * 10.0f32
}

#[tf::function]
fn early_return(x: &Tensor) -> Tensor {
    if tf::less(x, &c(0.0)) {
        return -x * 3.0f32;
    }
    let y = x * 2.0f32;
    y + 1.0f32
}

#[tf::function]
fn nested_returns(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    if tf::greater(x, &c(-10.0)) {
        if tf::greater(x, &c(5.0)) {
            return x * 100.0f32;
        }
        y = &y + 1.0f32;
    }
    y * 2.0f32
}

#[tf::function]
fn matmul_many(t: &Tensor) -> Tensor {
    let mut accum = t.clone();
    for _ in tf::range(5) {
        accum = tf::matmul(&accum, t);
    }
    accum
}

#[tf::function]
fn matmul_unrolled(t: &Tensor) -> Tensor {
    let mut accum = t.clone();
    for _ in 0..5 {
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

#[tf::function]
fn triangular(n: &Tensor) -> Tensor {
    let mut i = tf::constant(1i64);
    let mut total = tf::constant(0i64);
    while tf::less_equal(&i, n) {
        total = &total + &i;
        i = &i + 1i64;
    }
    total
}

#[tf::function]
fn row_sum(m: &Tensor) -> Tensor {
    let mut acc = tf::zeros([m.shape().dims()[1]], tf::float32);
    for row in m.clone() {
        acc = &acc + &row;
    }
    acc
}

/// The first index at which the running sum exceeds `limit` (staged `break`).
#[tf::function]
fn first_over(xs: &Tensor, limit: &Tensor) -> (Tensor, Tensor) {
    let mut total = c(0.0);
    let mut at = tf::constant(-1i64);
    let mut i = tf::constant(0i64);
    for x in xs.clone() {
        total = &total + &x;
        if tf::greater(&total, limit) {
            at = i.clone();
            break;
        }
        i = &i + 1i64;
    }
    (at, total)
}

/// Sum of the elements at even positions (staged `continue`).
#[tf::function]
fn even_positions(xs: &Tensor) -> Tensor {
    let mut total = c(0.0);
    let mut i = tf::constant(0i64);
    for x in xs.clone() {
        i = &i + 1i64;
        if tf::equal(&tf::floormod(&i, &tf::constant(2i64)), &tf::constant(0i64)) {
            continue;
        }
        total = &total + &x;
    }
    total
}

/// Plain Rust `continue` and `break` in an unrolled loop.
#[tf::function]
fn plain_jumps(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    for k in 0..10 {
        if k % 2 == 1 {
            continue;
        }
        if k > 6 {
            break;
        }
        y = &y * 2.0f32 + k as f32;
    }
    y
}

/// A staged `while` with a tensor `break`.
#[tf::function]
fn halve_until(x: &Tensor) -> (Tensor, Tensor) {
    let mut x = x.clone();
    let mut n = tf::constant(0i32);
    while tf::greater(&x, &c(1.0)) {
        x = &x / 2.0f32;
        n = &n + 1;
        if tf::greater_equal(&n, &tf::constant(4i32)) {
            break;
        }
    }
    (x, n)
}

#[tf::function]
fn nested_staged(n: &Tensor) -> Tensor {
    let mut acc = tf::constant(0i64);
    for i in tf::range(4i64) {
        for j in tf::range(3i64) {
            acc = &acc + &i * &j + n;
        }
    }
    acc
}

#[tf::function]
fn plain_inside_staged(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    for _ in tf::range(3) {
        for k in 1..3 {
            y = &y * k as f32;
        }
    }
    y
}

/// A plain argument picks the branch at trace time (and keys the trace).
#[tf::function]
fn scaled(x: &Tensor, double: bool, offset: i64) -> Tensor {
    let mut y = x.clone();
    if double {
        y = &y * 2.0f32;
    }
    y + offset as f32
}

#[tf::function]
fn mixed_conditions(x: &Tensor, strict: bool) -> Tensor {
    let mut y = x.clone();
    if strict {
        if tf::less(x, &c(0.0)) {
            y = tf::zeros_like(x);
        }
    } else if tf::less(x, &c(-5.0)) {
        y = c(-5.0);
    }
    y
}

#[tf::function]
fn min_max(a: &Tensor, b: &Tensor) -> (Tensor, Tensor) {
    let (lo, hi);
    if tf::less(a, b) {
        lo = a.clone();
        hi = b.clone();
    } else {
        lo = b.clone();
        hi = a.clone();
    }
    (lo, hi)
}

#[tf::function]
fn powers(x: &Tensor, n: usize) -> Vec<Tensor> {
    let mut out = Vec::new();
    let mut p = x.clone();
    for _ in 0..n {
        out.push(p.clone());
        p = &p * x;
    }
    out
}

#[tf::function]
fn squares(n: &Tensor) -> Tensor {
    let mut ta = TensorArray::new(tf::float32, 5).with_element_shape([]);
    for i in tf::range(5i64) {
        let v = tf::cast(&i, tf::float32);
        ta = ta.write(&i, &(&v * &v + n));
    }
    ta.stack()
}

#[tf::function]
fn plain_loop_keyword(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    let mut i = 0;
    loop {
        if i >= 3 {
            break;
        }
        y = &y + 1.0f32;
        i += 1;
    }
    y
}

#[tf::function]
fn two_vars_in_while(x: &Tensor) -> (Tensor, Tensor) {
    let mut a = x.clone();
    let mut b = c(0.0);
    while tf::less(&b, &c(5.0)) {
        if tf::greater(&a, &c(0.0)) {
            a = &a - 1.0f32;
            b = &b + 2.0f32;
        } else {
            b = &b + 1.0f32;
        }
    }
    (a, b)
}

#[tf::function]
fn shadowing(x: &Tensor) -> Tensor {
    let y = x * 2.0f32;
    if tf::greater(x, &c(0.0)) {
        let y = x * 100.0f32;
        tf::print(&[&y]);
    }
    y
}

#[tf::function]
fn branch_local_temporaries(x: &Tensor) -> Tensor {
    let mut z = c(0.0);
    if tf::greater(x, &c(0.0)) {
        let t = x * 3.0f32;
        let u = &t + 1.0f32;
        z = &u * &t;
    }
    z
}

#[tf::function]
fn rust_while(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    let mut k = 1;
    while k < 20 {
        y = &y + k as f32;
        k *= 2;
    }
    y
}

#[tf::function]
fn sum_all(xs: &[Tensor]) -> Tensor {
    let mut total = tf::zeros_like(&xs[0]);
    for x in xs {
        total = &total + x;
    }
    total
}

#[tf::function]
fn cumulative_product(xs: &Tensor) -> Tensor {
    let mut p = c(1.0);
    for x in xs.clone() {
        p = &p * &x;
    }
    p
}

#[tf::function]
fn newton_sqrt(a: &Tensor) -> Tensor {
    let mut x = a.clone();
    let mut i = tf::constant(0i32);
    while tf::less(&i, &tf::constant(20i32)) {
        x = (&x + a / &x) * 0.5f32;
        i = &i + 1;
    }
    x
}

#[tf::function]
fn if_in_if_expr(x: &Tensor) -> Tensor {
    let y = if tf::greater(x, &c(0.0)) {
        if tf::greater(x, &c(10.0)) {
            c(2.0)
        } else {
            c(1.0)
        }
    } else {
        c(0.0)
    };
    &y * x
}

#[tf::function]
fn clamp_loop(xs: &Tensor) -> Tensor {
    let mut best = c(f32::MIN);
    for x in xs.clone() {
        if tf::greater(&x, &best) {
            best = x.clone();
        }
    }
    best
}

#[tf::function]
fn unit_return(v: &Variable, x: &Tensor) {
    if tf::greater(x, &c(0.0)) {
        v.assign_add(x);
    }
}

/// The module method case: `&self` captures the module's variables.
#[derive(tf::Module)]
struct Affine {
    w: Variable,
    b: Variable,
}

impl Affine {
    #[tf::function]
    fn call(&self, x: &Tensor) -> Tensor {
        let y = x * &self.w.value() + &self.b.value();
        if tf::greater(&y, &c(0.0)) {
            y
        } else {
            y * 0.1f32
        }
    }
}

// ---- the checks ----

fn approx(a: &Tensor, b: &Tensor, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    assert_eq!(a.dtype(), b.dtype(), "{what}: dtypes");
    let (x, y) = (tf::cast(a, tf::float64).to_vec::<f64>(), tf::cast(b, tf::float64).to_vec::<f64>());
    for (p, q) in x.iter().zip(&y) {
        assert!((p - q).abs() <= 1e-5 * (1.0 + q.abs()), "{what}: traced {x:?} vs eager {y:?}");
    }
}

/// Runs `f` traced and eagerly and compares.
fn same(what: &str, f: impl Fn() -> Vec<Tensor>) {
    let traced = f();
    tf::run_functions_eagerly(true);
    let eager = f();
    tf::run_functions_eagerly(false);
    assert_eq!(traced.len(), eager.len(), "{what}");
    for (a, b) in traced.iter().zip(&eager) {
        approx(a, b, what);
    }
}

#[test]
fn corpus_equals_eager() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    for v in [-3.0f32, 0.0, 2.5, 7.0] {
        let x = c(v);
        same("abs_if", || vec![abs_if(&x)]);
        same("relu_expr", || vec![relu_expr(&x)]);
        same("sign_chain", || vec![sign_chain(&x)]);
        same("early_return", || vec![early_return(&x)]);
        same("nested_returns", || vec![nested_returns(&x)]);
        same("plain_jumps", || vec![plain_jumps(&x)]);
        same("halve_until", || {
            let (a, b) = halve_until(&(&x * 10.0f32));
            vec![a, b]
        });
        same("plain_inside_staged", || vec![plain_inside_staged(&x)]);
        for (d, o) in [(true, 0), (false, 3)] {
            same("scaled", || vec![scaled(&x, d, o)]);
        }
        for strict in [true, false] {
            same("mixed_conditions", || vec![mixed_conditions(&x, strict)]);
        }
        same("min_max", || {
            let (a, b) = min_max(&x, &c(1.0));
            vec![a, b]
        });
        same("powers", || powers(&x, 3));
        same("squares", || vec![squares(&x)]);
        same("plain_loop_keyword", || vec![plain_loop_keyword(&x)]);
        same("two_vars_in_while", || {
            let (a, b) = two_vars_in_while(&x);
            vec![a, b]
        });
        same("shadowing", || vec![shadowing(&x)]);
        same("branch_local_temporaries", || vec![branch_local_temporaries(&x)]);
        same("rust_while", || vec![rust_while(&x)]);
        same("if_in_if_expr", || vec![if_in_if_expr(&(&x * 3.0f32))]);
        same("newton_sqrt", || vec![newton_sqrt(&(tf::abs(&x) + 1.0f32))]);
    }
    let m = tf::constant([[0.5f32, 0.25], [0.0, 1.0]]);
    same("matmul_many", || vec![matmul_many(&m)]);
    same("matmul_unrolled", || vec![matmul_unrolled(&m)]);
    approx(&matmul_many(&m), &matmul_unrolled(&m), "staged loop == unrolled loop");
    for n in [1i64, 6, 27, 97] {
        same("collatz", || vec![collatz(&tf::constant(n))]);
        same("triangular", || vec![triangular(&tf::constant(n))]);
        same("nested_staged", || vec![nested_staged(&tf::constant(n))]);
    }
    let xs = tf::constant([1.0f32, -2.0, 4.0, 3.0, 0.5]);
    same("row_sum", || vec![row_sum(&tf::constant([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]))]);
    for limit in [-5.0f32, 2.0, 5.5, 100.0] {
        same("first_over", || {
            let (a, b) = first_over(&xs, &c(limit));
            vec![a, b]
        });
    }
    same("even_positions", || vec![even_positions(&xs)]);
    same("cumulative_product", || vec![cumulative_product(&xs)]);
    same("clamp_loop", || vec![clamp_loop(&xs)]);
    same("sum_all", || vec![sum_all(&[c(1.0), c(2.0), c(3.5)])]);
    let layer = Affine {
        w: Variable::new(c(2.0)),
        b: Variable::new(c(-1.0)),
    };
    for v in [-1.0f32, 3.0] {
        same("Affine::call", || vec![layer.call(&c(v))]);
    }
}

#[test]
fn known_values() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(collatz(&tf::constant(27i64)).scalar::<i64>(), 111);
    assert_eq!(triangular(&tf::constant(100i64)).scalar::<i64>(), 5050);
    assert_eq!(abs_if(&c(-3.0)).scalar::<f32>(), 3.0);
    assert_eq!(early_return(&c(-2.0)).scalar::<f32>(), 6.0);
    assert_eq!(early_return(&c(2.0)).scalar::<f32>(), 5.0);
    assert_eq!(nested_returns(&c(6.0)).scalar::<f32>(), 600.0);
    assert_eq!(nested_returns(&c(1.0)).scalar::<f32>(), 4.0);
    assert_eq!(nested_returns(&c(-20.0)).scalar::<f32>(), -40.0);
    let xs = tf::constant([1.0f32, -2.0, 4.0, 3.0, 0.5]);
    let (at, total) = first_over(&xs, &c(2.0));
    assert_eq!((at.scalar::<i64>(), total.scalar::<f32>()), (2, 3.0));
    let (at, total) = first_over(&xs, &c(100.0));
    assert_eq!((at.scalar::<i64>(), total.scalar::<f32>()), (-1, 6.5));
    assert_eq!(even_positions(&xs).scalar::<f32>(), 5.5);
    let (x, n) = halve_until(&c(100.0));
    assert_eq!((x.scalar::<f32>(), n.scalar::<i32>()), (6.25, 4));
    // k = 0, 2, 4, 6: y = ((((1*2+0)*2+2)*2+4)*2+6)
    assert_eq!(plain_jumps(&c(1.0)).scalar::<f32>(), 38.0);
    assert_eq!(squares(&c(0.5)).to_vec::<f32>(), vec![0.5, 1.5, 4.5, 9.5, 16.5]);
    assert_eq!(nested_staged(&tf::constant(1i64)).scalar::<i64>(), 18 + 12);
    let v = Variable::new(c(1.0));
    unit_return(&v, &c(2.0));
    unit_return(&v, &c(-5.0));
    assert_eq!(v.value().scalar::<f32>(), 3.0);
    assert!((newton_sqrt(&c(2.0)).scalar::<f32>() - 2f32.sqrt()).abs() < 1e-6);
}

#[test]
fn staged_loops_are_one_while_and_rust_loops_unroll() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let m = tf::constant([[1.0f32, 0.0], [0.0, 1.0]]);
    matmul_many(&m);
    matmul_unrolled(&m);
    let staged = tf::function_of!(matmul_many).concrete_functions()[0].graph().to_string();
    let unrolled = tf::function_of!(matmul_unrolled).concrete_functions()[0].graph().to_string();
    assert_eq!(staged.matches("= While(").count(), 1, "{staged}");
    assert_eq!(staged.matches("= MatMul(").count(), 1, "{staged}");
    assert_eq!(unrolled.matches("= MatMul(").count(), 5, "{unrolled}");
    assert!(!unrolled.contains("While"), "{unrolled}");
    let code = tf::to_code!(matmul_many);
    assert!(
        code.contains("ForSource::new(tf::range(5))") && code.contains(".for_stmt("),
        "{code}"
    );
}

#[test]
fn traces_are_keyed_by_signature_plain_values_and_instance() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let f = tf::function_of!(scaled);
    let before = f.tracing_count();
    scaled(&c(1.0), true, 1);
    scaled(&c(2.0), true, 1); // same key: no trace
    assert_eq!(f.tracing_count(), before + 1);
    scaled(&c(2.0), false, 1); // a new plain value
    scaled(&c(2.0), false, 2);
    scaled(&tf::constant([1.0f32, 2.0]), false, 2); // a new shape
    assert_eq!(f.tracing_count(), before + 4);
    assert_eq!(scaled(&c(2.0), false, 2).scalar::<f32>(), 4.0);
    assert_eq!(scaled(&c(2.0), true, 2).scalar::<f32>(), 6.0);
    // Methods trace per instance; each instance's variables are captured.
    let a = Affine {
        w: Variable::new(c(2.0)),
        b: Variable::new(c(0.0)),
    };
    let b = Affine {
        w: Variable::new(c(-3.0)),
        b: Variable::new(c(0.0)),
    };
    assert_eq!(a.call(&c(1.0)).scalar::<f32>(), 2.0);
    assert!((b.call(&c(1.0)).scalar::<f32>() + 0.3).abs() < 1e-6);
    a.w.assign(&c(5.0));
    assert_eq!(a.call(&c(1.0)).scalar::<f32>(), 5.0, "variables are read when the graph runs");
    // A method's Function and generated code, once called (TensorFlow's `a.call`).
    let f = tf::function_of!(a.call);
    assert_eq!(f.name(), "call");
    assert!(f.tracing_count() >= 2, "one trace per instance");
    let code = tf::to_code!(b.call);
    assert!(
        code.contains("fn call(&self, x: &Tensor) -> Tensor") && code.contains("autograph::if_stmt("),
        "{code}"
    );
    let unused = Unused { v: Variable::new(c(1.0)) };
    let err = std::panic::catch_unwind(|| tf::function_of!(unused.call).tracing_count()).expect_err("never called");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("Unused::call` is not a #[tf::function] method that has been called yet"),
        "{msg}"
    );
}

/// A method no test calls.
#[derive(tf::Module)]
struct Unused {
    v: Variable,
}

impl Unused {
    #[tf::function]
    #[allow(dead_code)]
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.v.value()
    }
}

#[test]
fn gradients_through_staged_control_flow() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let grad = |f: &dyn Fn(&Tensor) -> Tensor, v: f32| {
        let x = c(v);
        let tape = tf::GradientTape::new();
        tape.watch(&x);
        let y = f(&x);
        tape.gradient(&y, &x).expect("connected").scalar::<f32>()
    };
    let fd = |f: &dyn Fn(&Tensor) -> Tensor, v: f32| {
        let h = 1e-2f32;
        (f(&c(v + h)).scalar::<f32>() - f(&c(v - h)).scalar::<f32>()) / (2.0 * h)
    };
    type Case<'a> = (&'a str, &'a dyn Fn(&Tensor) -> Tensor);
    let cases: Vec<Case> = vec![
        ("abs_if", &abs_if),
        ("early_return", &early_return),
        ("nested_returns", &nested_returns),
        ("newton_sqrt", &newton_sqrt),
        ("plain_jumps", &plain_jumps),
        ("cubed", &|x: &Tensor| cumulative_product(&tf::stack(&[x, x, x], 0))),
    ];
    for (name, f) in cases {
        for v in [-1.5f32, 0.7, 6.3] {
            if name == "newton_sqrt" && v < 0.0 {
                continue;
            }
            let traced = grad(f, v);
            tf::run_functions_eagerly(true);
            let eager = grad(f, v);
            tf::run_functions_eagerly(false);
            let numeric = fd(f, v);
            assert!((traced - eager).abs() < 1e-4, "{name}({v}): traced {traced} vs eager {eager}");
            assert!(
                (traced - numeric).abs() < 1e-2 * (1.0 + numeric.abs()),
                "{name}({v}): {traced} vs finite difference {numeric}"
            );
        }
    }
}

#[test]
fn variables_keep_program_order() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let a = Variable::new(c(1.0));
    let b = Variable::new(c(1.0));
    #[tf::function]
    fn f(a: &Variable, b: &Variable, x: &Tensor, y: &Tensor) -> Tensor {
        a.assign(&(y * &b.value()));
        b.assign_add(&(x * &a.value()));
        a.value() + b.value()
    }
    assert_eq!(f(&a, &b, &c(1.0), &c(2.0)).scalar::<f32>(), 5.0);
    assert_eq!((a.value().scalar::<f32>(), b.value().scalar::<f32>()), (2.0, 3.0));
}

#[tf::function]
fn long_unroll(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    for _ in 0..1200 {
        y = &y + 1.0f32;
    }
    y
}

#[tf::function]
fn printing(x: &Tensor) -> Tensor {
    println!("tracing printing"); // plain Rust: trace time only
    if tf::greater(x, &c(0.0)) {
        tf::print(&[x]);
    }
    x * 2.0f32
}

#[test]
fn large_unrolled_loops_warn_and_prints_are_staged() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    tf::ops::io::capture_prints();
    assert_eq!(long_unroll(&c(0.0)).scalar::<f32>(), 1200.0);
    let warned = tf::ops::io::take_printed();
    assert!(
        warned
            .iter()
            .any(|l| l.contains("Large unrolled loop detected") && l.contains("tf::range")),
        "{warned:?}"
    );
    tf::ops::io::capture_prints();
    printing(&c(3.0));
    printing(&c(-1.0));
    printing(&c(5.0));
    assert_eq!(
        tf::ops::io::take_printed(),
        vec!["3".to_string(), "5".to_string()],
        "tf::print runs on every call"
    );
}

#[tf::function(input_signature = [tf::ops::TensorSpec::new(vec![None, Some(2)], tf::float32)])]
fn row_norms(x: &Tensor) -> Tensor {
    let mut total = tf::zeros_like(x);
    for _ in tf::range(3) {
        total = total + x * x;
    }
    tf::sqrt(&tf::reduce_mean(&total, 1, false))
}

#[tf::function(reduce_retracing)]
fn doubled(x: &Tensor) -> Tensor {
    x * 2.0f32
}

#[test]
fn input_signature_and_reduce_retracing_options() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    for batch in [1usize, 4, 7] {
        let x = tf::reshape(&tf::cast(&tf::range(2 * batch as i64), tf::float32), [batch as i64, 2]);
        let got = row_norms(&x);
        // sqrt(mean(3 x^2)) per row
        let want: Vec<f32> = x
            .to_vec::<f32>()
            .chunks(2)
            .map(|r| ((3.0 * (r[0] * r[0] + r[1] * r[1])) / 2.0).sqrt())
            .collect();
        assert_eq!(got.to_vec::<f32>(), want);
    }
    let f = tf::function_of!(row_norms);
    assert_eq!(f.tracing_count(), 1);
    assert!(f.concrete_functions()[0].graph().to_string().contains("-> float32 (None,)"));
    let msg = common::panic_message(|| drop(row_norms(&tf::ones([3], tf::float32))));
    assert!(
        msg.contains("Can not cast TensorSpec(shape=(3,), dtype=tf.float32, name=None)"),
        "{msg}"
    );

    for n in [3usize, 5, 7, 9] {
        assert_eq!(doubled(&tf::ones([n], tf::float32)).to_vec::<f32>(), vec![2.0; n]);
    }
    assert_eq!(tf::function_of!(doubled).tracing_count(), 2);
}

// ---- loops over datasets ----

#[tf::function]
fn dataset_total(ds: &tf::data::Dataset<(Tensor, Tensor)>, scale: &Tensor) -> (Tensor, Tensor) {
    let mut total = tf::constant(0.0f32);
    let mut count = tf::constant(0i64);
    for (x, y) in ds {
        total = total + tf::reduce_sum(&(&x * scale), None, false);
        count = count + tf::reduce_sum(&y, None, false);
    }
    (total, count)
}

#[test]
fn a_for_over_a_dataset_is_one_staged_loop_per_pass() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let x = tf::reshape(&(tf::range(20.0f32) * 0.5f32), [10, 2]);
    let y = tf::range(10i64);
    // Batches of 4, 4 and 2: the body is traced once for a batch dimension of None.
    let ds = tf::data::Dataset::from_tensor_slices((x.clone(), y.clone()))
        .unwrap()
        .batch(4, false);
    let scale = tf::constant(2.0f32);
    let (t, c) = dataset_total(&ds, &scale);
    assert_eq!((t.scalar::<f32>(), c.scalar::<i64>()), (190.0, 45));
    // A second call makes a second pass over the dataset, through the same graph.
    let (t, _) = dataset_total(&ds, &tf::constant(1.0f32));
    assert_eq!(t.scalar::<f32>(), 95.0);
    let f = tf::function_of!(dataset_total);
    assert_eq!(f.tracing_count(), 1);
    let graph = f.concrete_functions()[0].graph().to_string();
    assert!(
        graph.contains("ForDataset(") && graph.contains("Placeholder[2] -> float32 (None, 2)"),
        "{graph}"
    );
    // Eagerly the same loop runs in Rust and gives the same values.
    tf::run_functions_eagerly(true);
    let (te, ce) = dataset_total(&ds, &scale);
    tf::run_functions_eagerly(false);
    assert_eq!((te.scalar::<f32>(), ce.scalar::<i64>()), (190.0, 45));
    // Another dataset is another trace; a map with random ops runs afresh on every pass.
    let noisy = tf::data::Dataset::from_tensor_slices((x, y))
        .unwrap()
        .map(|(x, y)| (&x + &tf::random::uniform(&[2], 0.0, 1.0, tf::float32, None), y))
        .batch(3, false);
    let (a, _) = dataset_total(&noisy, &scale);
    let (b, _) = dataset_total(&noisy, &scale);
    assert_ne!(a.scalar::<f32>(), b.scalar::<f32>());
    assert!(a.scalar::<f32>() > 190.0 && a.scalar::<f32>() < 230.0);
    assert_eq!(f.tracing_count(), 2);
    // A graph holding a dataset cannot be a SavedModel: refused with the function's name.
    #[derive(tf::Module)]
    struct Nothing {}
    let dir = std::env::temp_dir().join(format!("tf-dsloop-{}", std::process::id()));
    let e = tf::saved_model::save(&Nothing {}, &dir, &f.concrete_functions()[0])
        .unwrap_err()
        .to_string();
    assert!(e.contains("`dataset_total` iterates over a tf::data::Dataset"), "{e}");
    assert!(!dir.exists());
}

// ---- generic functions ----

#[tf::function]
fn scaled_by<T: tf::autograph::TraceKey + Into<f64> + Copy>(x: &Tensor, k: T) -> Tensor {
    let y;
    if tf::greater(&tf::reduce_sum(x, None, false), &c(0.0)) {
        y = x * (k.into() as f32);
    } else {
        y = -x;
    }
    y
}

#[tf::function]
fn matmul_n_times<const N: usize>(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    for _ in 0..N {
        y = tf::matmul(&y, x);
    }
    y
}

#[test]
fn generic_functions_trace_per_instantiation() {
    let _g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let x = tf::constant([1.0f32, 2.0]);
    assert_eq!(scaled_by(&x, 3i32).to_vec::<f32>(), vec![3.0, 6.0]);
    assert_eq!(scaled_by(&x, 3i32).to_vec::<f32>(), vec![3.0, 6.0]);
    // The same value of another type is another instantiation, so another trace.
    assert_eq!(scaled_by(&x, 3.0f64).to_vec::<f32>(), vec![3.0, 6.0]);
    assert_eq!(scaled_by(&-&x, 3.0f64).to_vec::<f32>(), vec![1.0, 2.0]);
    assert_eq!(tf::function_of!(scaled_by).tracing_count(), 2);
    let m = tf::constant([[1.0f32, 1.0], [0.0, 1.0]]);
    assert_eq!(matmul_n_times::<2>(&m).to_vec::<f32>(), vec![1.0, 3.0, 0.0, 1.0]);
    assert_eq!(matmul_n_times::<3>(&m).to_vec::<f32>(), vec![1.0, 4.0, 0.0, 1.0]);
    assert_eq!(matmul_n_times::<2>(&m).to_vec::<f32>(), vec![1.0, 3.0, 0.0, 1.0]);
    let f = tf::function_of!(matmul_n_times);
    assert_eq!(f.tracing_count(), 2);
    let mms: Vec<usize> = f
        .concrete_functions()
        .iter()
        .map(|c| c.graph().to_string().matches("= MatMul(").count())
        .collect();
    assert_eq!(mms, vec![2, 3], "the Rust loop unrolls N times per instantiation");
}
