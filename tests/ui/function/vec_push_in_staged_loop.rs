use tf::Tensor;

#[tf::function]
fn f(x: &Tensor) -> Tensor {
    let mut rows = Vec::new();
    for row in x.clone() {
        rows.push(row);
    }
    tf::stack(&rows.iter().collect::<Vec<_>>(), 0)
}

fn main() {}
