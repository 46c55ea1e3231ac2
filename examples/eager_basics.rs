//! The TensorFlow 2.0 overview's eager example, then a short tour of every op family.
//!
//! `cargo run --release --example eager_basics`

pub fn main() {
    // Eager by default: ops run now and return values.
    let a = tf::constant([1.0f32, 2.0]);
    let b = tf::constant([3.0f32, 4.0]);
    println!("{}", &a + &b);

    println!("\n== elementwise, with broadcasting and Rust scalars");
    let x = tf::constant([[-1.5f32, 0.0, 2.0], [0.5, -3.0, 1.0]]);
    println!("x * 2 + 1 = {}", &x * 2 + 1);
    println!("exp(x) = {}", tf::exp(&x));
    println!("relu(x) = {}", tf::nn::relu(&x));
    println!("x > [0, 0, 1] = {}", tf::greater(&x, &tf::constant([0.0f32, 0.0, 1.0])));
    println!(
        "where(x > 0, x, 0) = {}",
        tf::where_(&tf::greater(&x, &tf::zeros_like(&x)), &x, &tf::zeros_like(&x))
    );
    println!("cast to int32 = {}", tf::cast(&x, tf::int32));

    println!("\n== reductions");
    println!("reduce_sum(x) = {}", tf::reduce_sum(&x, None, false));
    println!("reduce_mean(x, axis=1) = {}", tf::reduce_mean(&x, 1, false));
    println!("reduce_max(x, axis=0, keepdims) = {}", tf::reduce_max(&x, 0, true));
    println!("argmax(x, axis=1) = {}", tf::argmax(&x, 1));
    println!("cumsum(range(5)) = {}", tf::cumsum(&tf::range(5), 0, false, false));

    println!("\n== shapes and movement");
    let r = tf::reshape(&tf::range((0, 12, 1)), [3, 4]);
    println!("r = {r}");
    println!("r[1:, ::2] = {}", r.slice(tf::s![1.., ..;2]));
    println!("transpose(r) = {}", tf::transpose(&r, None));
    println!("concat([r, r], axis=0).shape = {}", tf::concat(&[&r, &r], 0).shape());
    println!("gather(r, [2, 0]) = {}", tf::gather(&r, &tf::constant([2, 0]), 0));
    println!(
        "one_hot([0, 2], 3) = {}",
        tf::one_hot(&tf::constant([0, 2]), 3, 1.0, 0.0, -1, tf::float32)
    );
    println!("top_k([3, 1, 4, 1, 5], 2) = {:?}", tf::top_k(&tf::constant([3, 1, 4, 1, 5]), 2));

    println!("\n== linear algebra");
    let m = tf::constant([[1.0f32, 2.0], [3.0, 4.0]]);
    println!("matmul(m, m) = {}", tf::matmul(&m, &m));
    println!("einsum('ij->ji', m) = {}", tf::einsum("ij->ji", &[&m]));

    println!("\n== neural-network ops");
    println!("softmax([1, 2, 3]) = {}", tf::nn::softmax(&tf::constant([1.0f32, 2.0, 3.0]), -1));
    let img = tf::reshape(&tf::range((0.0f32, 16.0, 1.0)), [1, 4, 4, 1]);
    let kernel = tf::ones([2, 2, 1, 1], tf::float32);
    println!(
        "conv2d(img, ones 2x2, VALID) = {}",
        tf::reshape(&tf::nn::conv2d(&img, &kernel, 1, "VALID", 1), [3, 3])
    );
    println!(
        "max_pool2d(img, 2, 2) = {}",
        tf::reshape(&tf::nn::max_pool2d(&img, 2, 2, "VALID"), [2, 2])
    );
    let logits = tf::constant([[2.0f32, 1.0, 0.1]]);
    println!(
        "sparse softmax cross-entropy = {}",
        tf::nn::sparse_softmax_cross_entropy_with_logits(&tf::constant([0]), &logits)
    );

    println!("\n== random, with TensorFlow's seed rules");
    tf::random::set_seed(42);
    println!("normal = {}", tf::random::normal(&[3], 0.0, 1.0, tf::float32, None));
    println!("uniform int = {}", tf::random::uniform(&[5], 0.0, 10.0, tf::int64, Some(7)));
}
