use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let y;
    if tf::greater(x, &tf::constant(0.0f32)) {
        y = x * 2.0f32;
    }
    y
}

fn main() {}
