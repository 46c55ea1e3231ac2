use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let mut y = x.clone();
    'outer: for _ in 0..3 {
        for _ in 0..3 {
            y = &y + 1.0f32;
            break 'outer;
        }
    }
    y
}

fn main() {}
