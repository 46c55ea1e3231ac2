//! Op attributes: the named, typed, non-tensor parameters of an op (`axis`, `perm`, ...).

use crate::DType;
use smallvec::SmallVec;

/// One attribute value.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum AttrValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Ints(Vec<i64>),
    Type(DType),
    Str(&'static str),
}

/// The attributes of one op call, by name. Small sets (most ops have up to four) are stored
/// inline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs(SmallVec<[(&'static str, AttrValue); 4]>);

/// Whether two attribute names are equal: names are literals, usually the same one.
#[inline]
fn same(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

impl Attrs {
    /// No attributes.
    pub const fn new() -> Self {
        Attrs(SmallVec::new_const())
    }
    /// The attributes `pairs`, their names distinct: a set made in one step, where a chain
    /// of [`with`](Self::with) calls moves the whole set through each call (for an eager op's
    /// hot path).
    ///
    /// # Panics
    /// In debug builds, when a name repeats.
    pub fn of<const N: usize>(pairs: [(&'static str, AttrValue); N]) -> Self {
        debug_assert!(
            pairs.iter().enumerate().all(|(i, (k, _))| pairs[..i].iter().all(|(j, _)| j != k)),
            "repeated attribute name"
        );
        Attrs(pairs.into_iter().collect())
    }
    /// Adds (or replaces) an attribute.
    #[inline]
    pub fn with(mut self, name: &'static str, v: AttrValue) -> Self {
        match self.0.iter_mut().find(|(k, _)| same(k, name)) {
            Some(slot) => slot.1 = v,
            None => self.0.push((name, v)),
        }
        self
    }
    /// `with(name, Int(v))`.
    #[inline]
    pub fn int(self, name: &'static str, v: i64) -> Self {
        self.with(name, AttrValue::Int(v))
    }
    /// `with(name, Ints(v))`.
    #[inline]
    pub fn ints(self, name: &'static str, v: impl Into<Vec<i64>>) -> Self {
        self.with(name, AttrValue::Ints(v.into()))
    }
    /// `with(name, Bool(v))`.
    #[inline]
    pub fn flag(self, name: &'static str, v: bool) -> Self {
        self.with(name, AttrValue::Bool(v))
    }
    /// `with(name, Float(v))`.
    #[inline]
    pub fn float(self, name: &'static str, v: f64) -> Self {
        self.with(name, AttrValue::Float(v))
    }
    /// `with(name, Type(v))`.
    #[inline]
    pub fn dtype(self, name: &'static str, v: DType) -> Self {
        self.with(name, AttrValue::Type(v))
    }
    /// `with(name, Str(v))`.
    #[inline]
    pub fn str(self, name: &'static str, v: &'static str) -> Self {
        self.with(name, AttrValue::Str(v))
    }
    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        self.0.iter().find(|(k, _)| same(k, name)).map(|(_, v)| v)
    }
    /// All attributes in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, AttrValue)> {
        self.0.iter()
    }

    fn missing(name: &str, kind: &str) -> String {
        format!("missing or mistyped attribute `{name}` (expected {kind})")
    }
    /// The integer attribute `name`.
    pub fn get_int(&self, name: &str) -> Result<i64, String> {
        match self.get(name) {
            Some(AttrValue::Int(v)) => Ok(*v),
            _ => Err(Self::missing(name, "an int")),
        }
    }
    /// The float attribute `name`.
    pub fn get_float(&self, name: &str) -> Result<f64, String> {
        match self.get(name) {
            Some(AttrValue::Float(v)) => Ok(*v),
            _ => Err(Self::missing(name, "a float")),
        }
    }
    /// The boolean attribute `name`, `false` when absent.
    pub fn get_flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(AttrValue::Bool(true)))
    }
    /// The int-list attribute `name`.
    pub fn get_ints(&self, name: &str) -> Result<&[i64], String> {
        match self.get(name) {
            Some(AttrValue::Ints(v)) => Ok(v),
            _ => Err(Self::missing(name, "a list of ints")),
        }
    }
    /// The int-list attribute `name`, or `None` when absent.
    pub fn opt_ints(&self, name: &str) -> Option<&[i64]> {
        match self.get(name) {
            Some(AttrValue::Ints(v)) => Some(v),
            _ => None,
        }
    }
    /// The dtype attribute `name`.
    pub fn get_dtype(&self, name: &str) -> Result<DType, String> {
        match self.get(name) {
            Some(AttrValue::Type(v)) => Ok(*v),
            _ => Err(Self::missing(name, "a dtype")),
        }
    }
    /// The string attribute `name`.
    pub fn get_str(&self, name: &str) -> Result<&'static str, String> {
        match self.get(name) {
            Some(AttrValue::Str(v)) => Ok(v),
            _ => Err(Self::missing(name, "a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AttrValue, Attrs};
    use crate::DType;

    #[test]
    fn a_set_made_in_one_step_equals_the_built_one() {
        let built = Attrs::new().ints("shape", [2, 3]).dtype("dtype", DType::F64).int("seed", 7);
        let made = Attrs::of([
            ("shape", AttrValue::Ints(vec![2, 3])),
            ("dtype", AttrValue::Type(DType::F64)),
            ("seed", AttrValue::Int(7)),
        ]);
        assert_eq!(made, built);
        assert_eq!(made.get_int("seed"), Ok(7));
    }
}
