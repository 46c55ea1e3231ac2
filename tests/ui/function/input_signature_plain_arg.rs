use tf::Tensor;

#[tf::function(input_signature = [tf::ops::TensorSpec::new(vec![None], tf::float32)])]
fn scale(x: &Tensor, k: f32) -> Tensor {
    x * k
}

fn main() {}
