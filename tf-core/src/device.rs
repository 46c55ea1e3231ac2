//! Devices: where a tensor's buffer lives and where its kernels run.

use std::fmt;

/// A compute device. CPU kernels always exist; CUDA ones arrive with the `cuda` feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// The host CPU.
    #[default]
    Cpu,
    /// The CUDA GPU with this ordinal.
    Cuda(usize),
}

impl fmt::Display for Device {
    /// TensorFlow's device string, e.g. `/job:localhost/replica:0/task:0/device:CPU:0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("/job:localhost/replica:0/task:0/device:CPU:0"),
            Device::Cuda(n) => write!(f, "/job:localhost/replica:0/task:0/device:GPU:{n}"),
        }
    }
}
