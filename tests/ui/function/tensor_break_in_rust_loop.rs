use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    for _ in 0..10 {
        if tf::greater(&y, &tf::constant(100.0f32)) {
            break;
        }
        y = &y * 2.0f32;
    }
    y
}

fn main() {}
