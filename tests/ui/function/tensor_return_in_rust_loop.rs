use tf::Tensor;

// A Rust loop unrolls at trace time, so it cannot stop on a tensor: AutoGraph raises
// "using a tf.Tensor as a Python bool is not allowed" here. Iterate over `tf::range(3)`.
#[tf::function]
fn f(x: &Tensor) -> Tensor {
    for _ in 0..3 {
        if tf::greater(x, &tf::constant(0.0f32)) {
            return x.clone();
        }
    }
    tf::constant(0.0f32)
}

fn main() {}
