use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let mut scale = 1.0f32;
    if tf::greater(x, &tf::constant(0.0f32)) {
        scale = 2.0;
    }
    x * scale
}

fn main() {}
