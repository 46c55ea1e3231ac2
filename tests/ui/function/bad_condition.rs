use tf::Tensor;

#[tf::function]
fn f(x: &Tensor, n: i32) -> Tensor {
    let mut y = x.clone();
    if n {
        y = &y * 2.0f32;
    }
    y
}

fn main() {}
