//! The public op functions, in TensorFlow's module tree: everything at the top level
//! (`tf::add`, `tf::reduce_sum`, `tf::reshape`, `tf::matmul`) and in `tf::math`, `tf::nn`,
//! `tf::random`, `tf::linalg`, `tf::debugging`. Each is a thin wrapper that builds attributes
//! and calls the one dispatch point, or a composite of such calls.

mod array;
mod clip;
pub(crate) mod control;
mod control_grad;
mod conv1d;
mod conv3d;
mod create;
pub mod debugging;
pub mod image;
pub mod linalg;
pub mod math;
pub mod nn;
mod operators;
pub mod random;
mod slicing;
pub mod strings;

pub use array::*;
pub use clip::{clip_by_global_norm, clip_by_norm, global_norm};
pub(crate) use control::dataset_loop;
pub use control::{cond, while_loop, while_loop_with, WhileOptions};
pub use create::*;
pub use linalg::{einsum, matmul, norm, tensordot};
pub use math::*;
pub use operators::Scalar;
pub use slicing::{strided_slice, SliceItem, ELLIPSIS, NEW_AXIS};

use crate::ops::{execute1, Attrs, OpDef};
use crate::Tensor;

/// Runs a single-output op.
#[track_caller]
#[inline]
pub(crate) fn run(op: &'static OpDef, inputs: &[&Tensor], attrs: Attrs) -> Tensor {
    execute1(op, inputs, &attrs)
}

/// A list of axes for reductions: one axis, several, or all (`None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Axes(pub Option<Vec<i64>>);

impl From<Option<i64>> for Axes {
    fn from(v: Option<i64>) -> Self {
        Axes(v.map(|a| vec![a]))
    }
}
impl From<i64> for Axes {
    fn from(v: i64) -> Self {
        Axes(Some(vec![v]))
    }
}
impl From<i32> for Axes {
    fn from(v: i32) -> Self {
        Axes(Some(vec![v as i64]))
    }
}
impl<const N: usize> From<[i64; N]> for Axes {
    fn from(v: [i64; N]) -> Self {
        Axes(Some(v.to_vec()))
    }
}
impl<const N: usize> From<[i32; N]> for Axes {
    fn from(v: [i32; N]) -> Self {
        Axes(Some(v.iter().map(|&a| a as i64).collect()))
    }
}
impl From<&[i64]> for Axes {
    fn from(v: &[i64]) -> Self {
        Axes(Some(v.to_vec()))
    }
}
impl From<Vec<i64>> for Axes {
    fn from(v: Vec<i64>) -> Self {
        Axes(Some(v))
    }
}
