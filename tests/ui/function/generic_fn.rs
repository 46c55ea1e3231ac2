use tf::Tensor;

// A generic parameter's values key the trace, so their type must be a trace key.
#[tf::function]
fn f<T: Into<f32> + Copy>(x: &Tensor, k: T) -> Tensor {
    x * k.into()
}

fn main() {}
