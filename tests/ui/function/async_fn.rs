use tf::Tensor;

#[tf::function]
async fn f(x: &Tensor) -> Tensor {
    x * 2.0f32
}

fn main() {}
