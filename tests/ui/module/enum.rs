#[derive(tf::Module)]
enum Layer {
    Dense(tf::Variable),
    Empty,
}

fn main() {}
