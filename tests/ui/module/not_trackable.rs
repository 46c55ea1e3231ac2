struct Cache {
    hits: u64,
}

#[derive(tf::Module)]
struct Net {
    w: tf::Variable,
    cache: Cache,
}

fn main() {}
