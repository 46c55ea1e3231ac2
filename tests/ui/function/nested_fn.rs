use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    fn double(t: &Tensor) -> Tensor {
        t * 2.0f32
    }
    double(x)
}

fn main() {}
