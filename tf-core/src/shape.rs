//! Shapes: a small inline vector of dimensions, with NumPy broadcasting and axis helpers.
//!
//! A tensor's shape is always fully defined. The symbolic tensors of a graph being traced may
//! have unknown dimensions (TensorFlow's `None`), stored as [`Shape::UNKNOWN`]: a function
//! traced for `TensorSpec::new([None, Some(3)], ..)` accepts any batch size.

use smallvec::SmallVec;
use std::fmt;

/// A tensor shape. Rank ≤ 4 is stored inline.
#[derive(PartialEq, Eq, Hash, Default)]
pub struct Shape(pub SmallVec<[usize; 4]>);

/// Every tensor clone clones its shape: copied as one block (SmallVec's own `clone` pushes
/// element by element).
impl Clone for Shape {
    fn clone(&self) -> Shape {
        Shape(SmallVec::from_slice(&self.0))
    }
}

impl Shape {
    /// An unknown dimension (TensorFlow's `None`), only ever in the shape of a traced tensor.
    pub const UNKNOWN: usize = usize::MAX;

    /// A shape with some dimensions unknown (`None`), as in `tf.TensorSpec([None, 3])`.
    ///
    /// ```
    /// use tf_core::Shape;
    /// let s = Shape::partial(&[None, Some(3)]);
    /// assert_eq!(s.to_string(), "(None, 3)");
    /// assert!(!s.is_fully_defined());
    /// assert!(s.is_compatible_with(&Shape::new(&[32, 3])));
    /// ```
    pub fn partial(dims: &[Option<usize>]) -> Self {
        Shape(dims.iter().map(|d| d.unwrap_or(Shape::UNKNOWN)).collect())
    }
    /// Dimension `i`, `None` when it is unknown.
    ///
    /// # Panics
    /// When `i` is not below the rank.
    pub fn dim(&self, i: usize) -> Option<usize> {
        Some(self.0[i]).filter(|&d| d != Shape::UNKNOWN)
    }
    /// True when no dimension is unknown (every tensor value's shape is).
    pub fn is_fully_defined(&self) -> bool {
        !self.0.contains(&Shape::UNKNOWN)
    }
    /// True when a tensor of shape `other` fits this one: the same rank, and each dimension
    /// equal or unknown on either side.
    pub fn is_compatible_with(&self, other: &Shape) -> bool {
        self.rank() == other.rank() && self.0.iter().zip(&other.0).all(|(&a, &b)| dim_compatible(a, b))
    }
    /// The most specific shape both `self` and `other` fit (`reduce_retracing`'s
    /// generalization): dimensions that differ become unknown; `None` when the ranks differ.
    pub fn most_specific_common(&self, other: &Shape) -> Option<Shape> {
        (self.rank() == other.rank()).then(|| {
            Shape(
                self.0
                    .iter()
                    .zip(&other.0)
                    .map(|(&a, &b)| if a == b { a } else { Shape::UNKNOWN })
                    .collect(),
            )
        })
    }
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
    /// Number of elements (1 for a scalar); [`Shape::UNKNOWN`] when a dimension is unknown
    /// (and none is 0).
    pub fn num_elements(&self) -> usize {
        // One pass: this runs for every op's output.
        let (mut n, mut unknown) = (1usize, false);
        for &d in &self.0 {
            match d {
                0 => return 0,
                Shape::UNKNOWN => unknown = true,
                d => n *= d,
            }
        }
        if unknown {
            Shape::UNKNOWN
        } else {
            n
        }
    }
    /// The NumPy broadcast of two shapes, or `None` when they are incompatible. An unknown
    /// dimension against `n > 1` is `n` (it can only be 1 or `n`), against 1 or unknown it
    /// stays unknown.
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
                (Shape::UNKNOWN, y) => y,
                (x, Shape::UNKNOWN) => x,
                _ => return None,
            });
        }
        Some(Shape(out))
    }
}

/// True when two dimensions can be equal: equal, or either unknown.
pub fn dim_compatible(a: usize, b: usize) -> bool {
    a == b || a == Shape::UNKNOWN || b == Shape::UNKNOWN
}

/// `f(d)` for a known dimension; unknown stays unknown.
pub fn dim_map(d: usize, f: impl FnOnce(usize) -> usize) -> usize {
    if d == Shape::UNKNOWN {
        d
    } else {
        f(d)
    }
}

/// The sum of two dimensions, unknown when either is.
pub fn dim_add(a: usize, b: usize) -> usize {
    if a == Shape::UNKNOWN || b == Shape::UNKNOWN {
        Shape::UNKNOWN
    } else {
        a + b
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

struct Dim(usize);

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Shape::UNKNOWN => f.write_str("None"),
            d => write!(f, "{d}"),
        }
    }
}

/// `[2, 3]`, `[None, 3]`.
impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, &d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", Dim(d))?;
        }
        f.write_str("]")
    }
}

/// Prints like TensorFlow: `(2, 3)`, `(2,)`, `()`, `(None, 3)`.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [d] => write!(f, "({},)", Dim(*d)),
            dims => {
                f.write_str("(")?;
                for (i, &d) in dims.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Dim(d))?;
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
/// `vec![None, Some(3)]`: a partial shape (arrays of `usize` stay the plain form, so
/// `tf::zeros([], ..)` needs no annotation).
impl From<Vec<Option<usize>>> for Shape {
    fn from(d: Vec<Option<usize>>) -> Self {
        Shape::partial(&d)
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

    #[test]
    fn unknown_dims() {
        let u = Shape::UNKNOWN;
        let s = Shape::partial(&[None, Some(3)]);
        assert_eq!((s.dim(0), s.dim(1)), (None, Some(3)));
        assert_eq!(format!("{s} {s:?}"), "(None, 3) [None, 3]");
        assert_eq!(format!("{}", Shape::partial(&[None])), "(None,)");
        assert!(s.is_compatible_with(&Shape::new(&[7, 3])) && !s.is_compatible_with(&Shape::new(&[7, 4])));
        assert!(!s.is_compatible_with(&Shape::new(&[3])));
        assert_eq!(s.num_elements(), u);
        assert_eq!(Shape::partial(&[None, Some(0)]).num_elements(), 0);
        // An unknown dimension is 1 or the other side's n.
        assert_eq!(Shape::broadcast(&[u, 3], &[4, 1]).unwrap().dims(), &[4, 3]);
        assert_eq!(Shape::broadcast(&[u, 3], &[1, 3]).unwrap().dims(), &[u, 3]);
        assert_eq!(Shape::broadcast(&[u], &[u]).unwrap().dims(), &[u]);
        assert!(Shape::broadcast(&[u, 3], &[2, 4]).is_none());
        let g = Shape::new(&[2, 3]).most_specific_common(&Shape::new(&[5, 3])).unwrap();
        assert_eq!(g, s);
        assert!(Shape::new(&[2]).most_specific_common(&Shape::new(&[2, 1])).is_none());
        assert_eq!(
            (dim_add(2, u), dim_add(2, 3), dim_map(u, |d| d * 2), dim_map(4, |d| d * 2)),
            (u, 5, u, 8)
        );
        assert!(dim_compatible(u, 4) && dim_compatible(4, 4) && !dim_compatible(3, 4));
    }
}
