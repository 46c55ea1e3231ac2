use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    match tf::greater(x, &tf::constant(0.0f32)) {
        _ => x * 2.0f32,
    }
}

fn main() {}
