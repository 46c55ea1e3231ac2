use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let y = loop {
        break x.clone();
    };
    y
}

fn main() {}
