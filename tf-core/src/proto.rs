//! The protocol-buffer wire format, by hand: the few TensorFlow messages this crate reads and
//! writes (checkpoint bundle entries, the object graph, TensorBoard events) are small enough
//! that an encoder and a field iterator serve them without generated code.

use crate::{Error, Result};

/// Builds one message, field by field, in the order written.
#[derive(Default)]
pub(crate) struct Enc(pub Vec<u8>);

/// Appends `v` as a base-128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Enc {
    fn key(&mut self, field: u32, wire: u8) {
        put_varint(&mut self.0, (u64::from(field) << 3) | u64::from(wire));
    }
    /// An integer, bool or enum field (negative numbers as ten-byte two's complement, as
    /// protobuf's `int32`/`int64` do). Zero is written too; callers skip defaults themselves.
    pub fn varint(&mut self, field: u32, v: i64) -> &mut Self {
        self.key(field, 0);
        put_varint(&mut self.0, v as u64);
        self
    }
    /// A `fixed32` field.
    pub fn fixed32(&mut self, field: u32, v: u32) -> &mut Self {
        self.key(field, 5);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A `float` field.
    pub fn float(&mut self, field: u32, v: f32) -> &mut Self {
        self.fixed32(field, v.to_bits())
    }
    /// A `double` field.
    pub fn double(&mut self, field: u32, v: f64) -> &mut Self {
        self.key(field, 1);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A `bytes` or `string` field.
    pub fn bytes(&mut self, field: u32, v: &[u8]) -> &mut Self {
        self.key(field, 2);
        put_varint(&mut self.0, v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }
    /// A `TensorShapeProto` field: one `dim { size }` per dimension.
    pub fn shape(&mut self, field: u32, dims: &[usize]) -> &mut Self {
        self.message(field, |s| {
            for &d in dims {
                s.message(2, |dim| {
                    dim.varint(1, d as i64);
                });
            }
        })
    }
    /// A nested message field, built by `f`.
    pub fn message(&mut self, field: u32, f: impl FnOnce(&mut Enc)) -> &mut Self {
        let mut inner = Enc::default();
        f(&mut inner);
        self.bytes(field, &inner.0)
    }
}

/// One field's value as read off the wire.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Value<'a> {
    /// The value of an integer field; `what` names the field for the error.
    pub fn int(self, what: &str) -> Result<i64> {
        match self {
            Value::Varint(v) => Ok(v as i64),
            _ => Err(wrong(what)),
        }
    }
    /// The contents of a bytes, string or message field.
    pub fn bytes(self, what: &str) -> Result<&'a [u8]> {
        match self {
            Value::Bytes(b) => Ok(b),
            _ => Err(wrong(what)),
        }
    }
    /// A string field (UTF-8 checked).
    pub fn string(self, what: &str) -> Result<String> {
        String::from_utf8(self.bytes(what)?.to_vec()).map_err(|_| Error::DataLoss(format!("{what} is not UTF-8")))
    }
    /// A `double` field.
    pub fn double(self, what: &str) -> Result<f64> {
        match self {
            Value::Fixed64(v) => Ok(f64::from_bits(v)),
            _ => Err(wrong(what)),
        }
    }
    /// A `fixed32` field.
    pub fn fixed32(self, what: &str) -> Result<u32> {
        match self {
            Value::Fixed32(v) => Ok(v),
            _ => Err(wrong(what)),
        }
    }
}

fn wrong(what: &str) -> Error {
    Error::DataLoss(format!("malformed protobuf: {what} has the wrong wire type"))
}

/// Reads a varint at `*pos`, advancing it.
pub(crate) fn get_varint(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf
            .get(*pos)
            .ok_or_else(|| Error::DataLoss("malformed protobuf: truncated varint".into()))?;
        *pos += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(Error::DataLoss("malformed protobuf: varint longer than 10 bytes".into()))
}

/// The dimensions of a `TensorShapeProto`; an unknown rank or a negative size is an error.
pub(crate) fn read_shape(buf: &[u8]) -> Result<Vec<usize>> {
    read_dims(buf, false)
}

/// A TensorShapeProto whose dimensions may be unknown (`-1`, read as [`crate::Shape::UNKNOWN`]):
/// a traced value's shape.
pub(crate) fn read_partial_shape(buf: &[u8]) -> Result<Vec<usize>> {
    read_dims(buf, true)
}

fn read_dims(buf: &[u8], unknown_ok: bool) -> Result<Vec<usize>> {
    let mut dims = Vec::new();
    for d in fields(buf) {
        match d? {
            (2, dim) => {
                for s in fields(dim.bytes("dim")?) {
                    if let (1, size) = s? {
                        let n = size.int("dim.size")?;
                        if n == -1 && unknown_ok {
                            dims.push(crate::Shape::UNKNOWN);
                            continue;
                        }
                        dims.push(usize::try_from(n).map_err(|_| Error::DataLoss(format!("dimension {n} is negative")))?);
                    }
                }
            }
            (3, u) if u.int("unknown_rank")? != 0 => return Err(Error::DataLoss("a stored tensor has unknown rank".into())),
            _ => {}
        }
    }
    Ok(dims)
}

/// The fields of one message, in wire order: `(field number, value)`.
pub(crate) struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Iterates over the fields of `buf`; a malformed field ends iteration with an error.
pub(crate) fn fields(buf: &[u8]) -> Fields<'_> {
    Fields { buf, pos: 0 }
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| Error::DataLoss("malformed protobuf: field runs past the end of the message".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn next_field(&mut self) -> Result<(u32, Value<'a>)> {
        let key = get_varint(self.buf, &mut self.pos)?;
        let field = u32::try_from(key >> 3).map_err(|_| Error::DataLoss("malformed protobuf: field number out of range".into()))?;
        let v = match key & 7 {
            0 => Value::Varint(get_varint(self.buf, &mut self.pos)?),
            1 => Value::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"))),
            2 => {
                let n = get_varint(self.buf, &mut self.pos)?;
                let n = usize::try_from(n).map_err(|_| Error::DataLoss("malformed protobuf: length out of range".into()))?;
                Value::Bytes(self.take(n)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"))),
            w => return Err(Error::DataLoss(format!("malformed protobuf: unsupported wire type {w}"))),
        };
        Ok((field, v))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Value<'a>)>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let r = self.next_field();
        if r.is_err() {
            self.pos = self.buf.len();
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut e = Enc::default();
        e.varint(1, 300).bytes(2, b"hi").fixed32(6, 0xDEAD_BEEF).varint(3, -1);
        e.message(4, |m| {
            m.double(1, 2.5);
        });
        let got: Vec<_> = fields(&e.0).collect::<Result<_>>().unwrap();
        assert_eq!(got.len(), 5);
        assert_eq!(got[0].1.int("a").unwrap(), 300);
        assert_eq!(got[1].1.bytes("b").unwrap(), b"hi");
        assert_eq!(got[2].1.fixed32("c").unwrap(), 0xDEAD_BEEF);
        assert_eq!(got[3].1.int("d").unwrap(), -1);
        let inner: Vec<_> = fields(got[4].1.bytes("e").unwrap()).collect::<Result<_>>().unwrap();
        assert!(matches!(inner[0], (1, Value::Fixed64(b)) if f64::from_bits(b) == 2.5));
    }

    #[test]
    fn known_bytes() {
        // From protobuf's encoding guide: field 1 = 150 is 08 96 01.
        let mut e = Enc::default();
        e.varint(1, 150);
        assert_eq!(e.0, [0x08, 0x96, 0x01]);
    }

    #[test]
    fn truncation_is_an_error() {
        let mut e = Enc::default();
        e.bytes(2, b"hello");
        for n in 1..e.0.len() {
            assert!(fields(&e.0[..n]).any(|f| f.is_err()), "prefix of {n} bytes");
        }
    }
}
