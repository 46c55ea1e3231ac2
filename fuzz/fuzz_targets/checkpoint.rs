//! The checkpoint reader on arbitrary files: the input is split into an `.index` table and a
//! `.data-00000-of-00001` shard; opening, listing, reading every tensor and restoring into a
//! module must return `Ok` or a `tf::Error`, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tf_core::train::{load_checkpoint, Checkpoint};
use tf_core::Variable;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |&b| b as usize * data.len() / 256);
    let (index, shard) = data.split_at(split.min(data.len()));
    let dir = std::env::temp_dir().join(format!("tf-fuzz-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let prefix = dir.join("ckpt-1");
    std::fs::write(prefix.with_extension("index"), index).expect("write index");
    std::fs::write(dir.join("ckpt-1.data-00000-of-00001"), shard).expect("write shard");
    if let Ok(r) = load_checkpoint(&prefix) {
        for key in r.get_variable_to_shape_map().keys() {
            let _ = r.get_tensor(key);
        }
    }
    let v = Variable::new(tf_core::zeros([2, 2], tf_core::DType::F32));
    let _ = Checkpoint::new().with("v", &v).restore(&prefix);
});
