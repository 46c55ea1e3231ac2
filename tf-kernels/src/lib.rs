//! Compute kernels for `tf`: plain functions over slices, with no knowledge of tensors,
//! tapes or graphs. `cpu` holds the CPU kernels (GEMM, elementwise loops, reductions,
//! data movement, convolution helpers); `cuda` will hold the CUDA ones behind the `cuda`
//! feature.
#![warn(missing_docs)]

pub mod cpu;
