//! `tf.train`: object-based checkpoints in TensorFlow 2's format ([`Checkpoint`],
//! [`CheckpointManager`], [`load_checkpoint`]) and fused in-place variable updates for
//! optimizers ([`fused_update`]).

pub(crate) mod bundle;
mod checkpoint;
mod fused;
mod manager;
pub(crate) mod table;

pub use bundle::{load_checkpoint, CheckpointReader};
pub use checkpoint::{restore_deferred, Checkpoint, LoadStatus, OBJECT_GRAPH_KEY};
pub(crate) use fused::fused_update_with;
pub use fused::{adam_update, fused_update};
pub use manager::{get_checkpoint_state, latest_checkpoint, update_checkpoint_state, CheckpointManager, CheckpointState};
