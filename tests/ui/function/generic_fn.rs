use tf::Tensor;

#[tf::function]
fn f<T: Into<f32>>(x: &Tensor, k: T) -> Tensor {
    x * k.into()
}

fn main() {}
