//! The TensorBoard event reader on arbitrary files: `read_events` returns events or a
//! `tf::Error`, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("tf-fuzz-events-{}", std::process::id()));
    std::fs::write(&path, data).expect("write");
    let _ = tf_core::summary::read_events(&path);
});
