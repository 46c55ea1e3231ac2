#[derive(tf::Module)]
struct Net {
    #[module(trainable = "no")]
    w: tf::Variable,
}

fn main() {}
