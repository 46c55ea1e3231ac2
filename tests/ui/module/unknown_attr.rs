#[derive(tf::Module)]
struct Net {
    #[module(frozen)]
    w: tf::Variable,
}

fn main() {}
