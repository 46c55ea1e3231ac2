use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    for row in x.clone() {
        if tf::greater(&row, &tf::constant(0.0f32)) {
            return row;
        }
    }
    tf::constant(0.0f32)
}

fn main() {}
