use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let last;
    for row in x.clone() {
        last = row;
    }
    last
}

fn main() {}
