use tf::Tensor;

#[tf::function(input_signature = [tf::ops::TensorSpec::new(vec![None], tf::float32)])]
fn add(x: &Tensor, y: &Tensor) -> Tensor {
    x + y
}

fn main() {}
