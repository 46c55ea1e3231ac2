//! Shapes: a small inline vector of dimensions, with NumPy broadcasting and axis helpers.

use smallvec::SmallVec;
use std::fmt;

/// A tensor shape. Rank ≤ 4 is stored inline.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub SmallVec<[usize; 4]>);

impl Shape {
    /// A shape from its dimensions.
    pub fn new(dims: &[usize]) -> Self {
        Shape(SmallVec::from_slice(dims))
    }
    /// The shape of a scalar.
    pub fn scalar() -> Self {
        Shape(SmallVec::new())
    }
    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }
    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.len()
    }
    /// Number of elements (1 for a scalar).
    pub fn num_elements(&self) -> usize {
        self.0.iter().product()
    }
    /// The NumPy broadcast of two shapes, or `None` when they are incompatible.
    pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Shape> {
        if a == b {
            return Some(Shape::new(a));
        }
        let rank = a.len().max(b.len());
        let mut out = SmallVec::with_capacity(rank);
        for i in 0..rank {
            let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
            let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
            out.push(match (da, db) {
                (x, y) if x == y => x,
                (1, y) => y,
                (x, 1) => x,
                _ => return None,
            });
        }
        Some(Shape(out))
    }
}

/// Resolves a possibly negative axis against `rank`, or says why it is out of range.
pub fn normalize_axis(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(format!(
            "axis {axis} is out of range for a tensor of rank {rank} (expected [{}, {r}))",
            -r
        ));
    }
    Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
}

/// Normalizes, sorts and de-duplicates a list of axes; `None` means all axes.
pub fn normalize_axes(axes: Option<&[i64]>, rank: usize) -> Result<SmallVec<[usize; 4]>, String> {
    let mut out: SmallVec<[usize; 4]> = match axes {
        None => (0..rank).collect(),
        Some(list) => list.iter().map(|&a| normalize_axis(a, rank)).collect::<Result<_, _>>()?,
    };
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.as_slice())
    }
}

/// Prints like TensorFlow: `(2, 3)`, `(2,)`, `()`.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [d] => write!(f, "({d},)"),
            dims => {
                f.write_str("(")?;
                for (i, d) in dims.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{d}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl From<&[usize]> for Shape {
    fn from(d: &[usize]) -> Self {
        Shape::new(d)
    }
}
impl<const N: usize> From<[usize; N]> for Shape {
    fn from(d: [usize; N]) -> Self {
        Shape::new(&d)
    }
}
impl From<Vec<usize>> for Shape {
    fn from(d: Vec<usize>) -> Self {
        Shape(SmallVec::from_vec(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_and_axes() {
        assert_eq!(Shape::broadcast(&[2, 1, 3], &[4, 1]).unwrap().dims(), &[2, 4, 3]);
        assert!(Shape::broadcast(&[2, 3], &[4]).is_none());
        assert_eq!(Shape::broadcast(&[], &[5]).unwrap().dims(), &[5]);
        assert_eq!(normalize_axis(-1, 3), Ok(2));
        assert!(normalize_axis(3, 3).is_err());
        assert!(normalize_axis(-4, 3).is_err());
        assert!(normalize_axis(0, 0).is_err());
        assert_eq!(normalize_axes(Some(&[-1, 0, 2]), 3).unwrap().as_slice(), &[0, 2]);
        assert_eq!(format!("{}", Shape::new(&[2])), "(2,)");
        assert_eq!(format!("{}", Shape::new(&[2, 3])), "(2, 3)");
        assert_eq!(format!("{}", Shape::scalar()), "()");
    }
}
