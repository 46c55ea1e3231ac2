use tf::Tensor;

#[tf::function]
fn f(x: &Tensor, s: String) -> Tensor {
    let k: f32 = s.parse().ok()?;
    x * k
}

fn main() {}
