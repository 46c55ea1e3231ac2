//! Random primitives on a Philox4x32-10 counter generator, with TensorFlow 2's seed rules:
//! each `(seed, seed2)` pair is one stream that later calls continue, and
//! `tf::random::set_seed` restarts everything, so a seeded program is bit-for-bit repeatable.

use super::{arity, check_dtype, out1, sample, spec, Attrs, Case, Domain, Grad, Kernel, OpDef, ALL, FLOATS};
use crate::{dispatch, DType, Element, Shape};
use std::collections::HashMap;
use std::sync::Mutex;

/// Global seed state: the seed from `set_seed`, the per-op seed counter, and how far each
/// stream has been consumed (in 128-bit Philox blocks).
struct SeedState {
    global: Option<i64>,
    counter: i64,
    streams: HashMap<(i64, i64), u64, BuildSeedHasher>,
}

static STATE: std::sync::LazyLock<Mutex<SeedState>> = std::sync::LazyLock::new(|| {
    Mutex::new(SeedState {
        global: None,
        counter: 0,
        streams: HashMap::default(),
    })
});

/// A multiply-rotate hash for the stream table's `(seed, seed2)` keys: a random op with an op
/// seed (or in a graph) looks its stream up on every call, and SipHash's flooding resistance
/// buys nothing here.
#[derive(Default)]
struct SeedHasher(u64);
impl std::hash::Hasher for SeedHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
type BuildSeedHasher = std::hash::BuildHasherDefault<SeedHasher>;

fn state() -> std::sync::MutexGuard<'static, SeedState> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// TensorFlow's default graph seed, used when only an op seed is given.
const DEFAULT_GRAPH_SEED: i64 = 87654321;

/// Sets the global seed and restarts every random stream.
pub fn set_seed(seed: i64) {
    let mut s = state();
    s.global = Some(seed);
    s.counter = 0;
    s.streams.clear();
}

/// The `(seed, seed2)` pair of one random op, as `tf.random.get_seed` derives it.
pub fn get_seed(op_seed: Option<i64>) -> (i64, i64) {
    let mut s = state();
    match (s.global, op_seed) {
        (Some(g), Some(o)) => (g, o),
        (Some(g), None) => {
            s.counter += 1;
            (g, s.counter)
        }
        (None, Some(o)) => (DEFAULT_GRAPH_SEED, o),
        (None, None) => {
            // A seed picked at random once per process; the counter makes each op's stream
            // its own.
            static PICKED: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as i64)
                    ^ 0x5DEE_CE66
            });
            s.counter += 1;
            (*PICKED, s.counter)
        }
    }
}

thread_local! {
    /// The fresh stream of the eager op this thread runs without an op seed, and how far it
    /// has drawn: no later call draws from it, so its position is kept here, not in the table.
    static ONE_SHOT: std::cell::Cell<Option<((i64, i64), u64)>> = const { std::cell::Cell::new(None) };
}

/// Runs `f`, an eager op drawing from stream `(seed, seed2)`, which [`get_seed`] made for it
/// alone: the stream table neither learns nor keeps its position (it would grow by one entry
/// per call, and lock twice more).
pub(crate) fn one_shot<R>(seed: i64, seed2: i64, f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ONE_SHOT.set(None);
        }
    }
    ONE_SHOT.set(Some(((seed, seed2), 0)));
    let _reset = Reset;
    f()
}

/// Philox4x32-10: 128-bit counter, 64-bit key.
fn philox(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    for _ in 0..10 {
        ctr = round(ctr, key);
        key = bump(key);
    }
    ctr
}

/// One Philox4x32 round of counter `c` under round key `key`.
#[inline(always)]
fn round(c: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let p0 = 0xD251_1F53u64 * c[0] as u64;
    let p1 = 0xCD9E_8D57u64 * c[2] as u64;
    [
        (p1 >> 32) as u32 ^ c[1] ^ key[0],
        p1 as u32,
        (p0 >> 32) as u32 ^ c[3] ^ key[1],
        p0 as u32,
    ]
}

/// The next round's key.
#[inline(always)]
fn bump(key: [u32; 2]) -> [u32; 2] {
    [key[0].wrapping_add(0x9E37_79B9), key[1].wrapping_add(0xBB67_AE85)]
}

/// Hands `f`, in order, the words of the 128-bit Philox blocks (four words each, several
/// blocks a call) that `n` words of stream `(seed, seed2)` take, continuing where the stream
/// last stopped.
fn blocks(seed: i64, seed2: i64, n: usize, mut f: impl FnMut(&[u32])) {
    let blocks = n.div_ceil(4) as u64;
    let start = match ONE_SHOT.get() {
        Some((stream, at)) if stream == (seed, seed2) => {
            ONE_SHOT.set(Some((stream, at + blocks)));
            at
        }
        _ => {
            let mut s = state();
            let slot = s.streams.entry((seed, seed2)).or_insert(0);
            let start = *slot;
            *slot += blocks;
            start
        }
    };
    let key = [seed as u32, (seed as u64 >> 32) as u32];
    let s2 = [seed2 as u32, (seed2 as u64 >> 32) as u32];
    let mut b = start;
    while start + blocks - b >= LANES as u64 {
        let c = philox_lanes(b, s2, key);
        let mut words = [0u32; 4 * LANES];
        for (l, w) in words.chunks_exact_mut(4).enumerate() {
            w.copy_from_slice(&[c[0][l], c[1][l], c[2][l], c[3][l]]);
        }
        f(&words);
        b += LANES as u64;
    }
    for b in b..start + blocks {
        f(&philox([b as u32, (b >> 32) as u32, s2[0], s2[1]], key));
    }
}

/// Blocks [`philox_lanes`] makes at once.
const LANES: usize = 16;

/// [`philox`] of the `LANES` counters `b0, b0 + 1, …` (high half `s2`), one array per word:
/// the same rounds lane by lane, which the compiler turns into vector multiplies.
fn philox_lanes(b0: u64, s2: [u32; 2], mut key: [u32; 2]) -> [[u32; LANES]; 4] {
    let (mut c0, mut c1) = ([0u32; LANES], [0u32; LANES]);
    for l in 0..LANES {
        let b = b0 + l as u64;
        (c0[l], c1[l]) = (b as u32, (b >> 32) as u32);
    }
    let (mut c2, mut c3) = ([s2[0]; LANES], [s2[1]; LANES]);
    for _ in 0..10 {
        for l in 0..LANES {
            [c0[l], c1[l], c2[l], c3[l]] = round([c0[l], c1[l], c2[l], c3[l]], key);
        }
        key = bump(key);
    }
    [c0, c1, c2, c3]
}

/// `n` random u32 words from stream `(seed, seed2)`, continuing where it last stopped.
fn words(seed: i64, seed2: i64, n: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(n.div_ceil(4) * 4);
    blocks(seed, seed2, n, |w| out.extend_from_slice(w));
    out.truncate(n);
    out
}

/// A uniform float in [0, 1) from 23 random bits (TensorFlow's `Uint32ToFloat`).
fn unit_f32(x: u32) -> f32 {
    f32::from_bits(0x3F80_0000 | (x & 0x7F_FFFF)) - 1.0
}
/// A uniform double in [0, 1) from 52 random bits.
fn unit_f64(hi: u32, lo: u32) -> f64 {
    let bits = ((hi as u64) << 20 ^ (lo as u64)) & 0xF_FFFF_FFFF_FFFF;
    f64::from_bits(0x3FF0_0000_0000_0000 | bits) - 1.0
}

fn seeds(a: &Attrs) -> Result<(i64, i64), String> {
    Ok((a.get_int("seed")?, a.get_int("seed2")?))
}

fn shape_attr(a: &Attrs) -> Result<Shape, String> {
    let v = a.get_ints("shape")?;
    if v.iter().any(|&d| d < 0) {
        return Err(format!("shape must be non-negative, got {v:?}"));
    }
    Ok(Shape(v.iter().map(|&d| d as usize).collect()))
}

/// The output shape: attribute `shape`, or (as TensorFlow's `shape` input) a 1-D integer
/// tensor, whose values are known only when the op runs if it is traced (`tf::shape(x)` of
/// a tensor with unknown dimensions).
fn output_shape(i: &[&crate::Tensor], a: &Attrs) -> Result<Shape, String> {
    match i {
        [] => shape_attr(a),
        [s] => {
            check_dtype(i, 0, &[DType::I32, DType::I64])?;
            let n = match s.shape().dims() {
                [n] if *n != Shape::UNKNOWN => *n,
                _ => return Err(format!("shape must be a vector of known length, got shape {}", s.shape())),
            };
            if s.is_symbolic() {
                return Ok(Shape(smallvec::smallvec![Shape::UNKNOWN; n]));
            }
            let v: Vec<i64> = crate::dispatch!(s.dtype(), [I32, I64], T => s.data::<T>().iter().map(|&d| Element::to_i64(d)).collect());
            if v.iter().any(|&d| d < 0) {
                return Err(format!("shape must be non-negative, got {v:?}"));
            }
            Ok(Shape(v.iter().map(|&d| d as usize).collect()))
        }
        _ => Err(format!("expected no inputs or a shape tensor, got {} inputs", i.len())),
    }
}

fn infer_float(i: &[&crate::Tensor], a: &Attrs) -> Result<super::Specs, String> {
    let d = a.get_dtype("dtype")?;
    if !d.is_float() {
        return Err(format!("dtype must be float32 or float64, not {d}"));
    }
    seeds(a)?;
    Ok(spec(d, output_shape(i, a)?))
}

fn uniforms(a: &Attrs, n: usize, dtype: DType) -> Result<Vec<f64>, String> {
    let (s1, s2) = seeds(a)?;
    Ok(if dtype == DType::F32 {
        words(s1, s2, n).into_iter().map(|w| unit_f32(w) as f64).collect()
    } else {
        words(s1, s2, 2 * n).chunks_exact(2).map(|w| unit_f64(w[0], w[1])).collect()
    })
}

/// Standard normals by Box–Muller; `truncated` redraws values beyond two deviations.
fn normals(a: &Attrs, n: usize, dtype: DType, truncated: bool) -> Result<Vec<f64>, String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let need = (n - out.len()).div_ceil(2) * 2;
        let u = uniforms(a, need, dtype)?;
        for p in u.chunks_exact(2) {
            let u1 = p[0].max(1e-7);
            let r = (-2.0 * u1.ln()).sqrt();
            let th = 2.0 * std::f64::consts::PI * p[1];
            for z in [r * th.sin(), r * th.cos()] {
                if out.len() < n && (!truncated || z.abs() <= 2.0) {
                    out.push(z);
                }
            }
        }
    }
    Ok(out)
}

fn float_cases() -> Vec<Case> {
    FLOATS
        .iter()
        .map(|&d| Case {
            inputs: vec![],
            attrs: Attrs::new().dtype("dtype", d).ints("shape", [3, 4]).int("seed", 1).int("seed2", 2),
        })
        .chain(std::iter::once(Case {
            inputs: vec![crate::constant([2i32, 3])],
            attrs: Attrs::new().dtype("dtype", DType::F32).int("seed", 3).int("seed2", 4),
        }))
        .collect()
}

/// `RandomUniform`'s values, drawn straight into the output's type: float32 takes one word
/// a value, float64 two (as [`uniforms`]).
fn uniform_buffer(a: &Attrs, n: usize, dtype: DType) -> Result<crate::Buffer, String> {
    if dtype != DType::F32 {
        return Ok(float_buffer(uniforms(a, n, dtype)?, dtype));
    }
    let (s1, s2) = seeds(a)?;
    let mut out = Vec::with_capacity(n.div_ceil(4) * 4);
    blocks(s1, s2, n, |w| out.extend(w.iter().map(|&w| unit_f32(w))));
    out.truncate(n);
    Ok(crate::Buffer::F32(out))
}

fn float_buffer(vals: Vec<f64>, d: DType) -> crate::Buffer {
    dispatch!(d, [F32, F64], T => Element::into_buffer(vals.into_iter().map(|v| v as T).collect::<Vec<T>>()))
}

/// `RandomUniform`: floats uniform in [0, 1); attributes `shape`, `dtype`, `seed`, `seed2`.
pub static RANDOM_UNIFORM: OpDef = OpDef {
    name: "RandomUniform",
    infer: infer_float,
    cpu: Kernel::Alloc(|_, a, s| out1(uniform_buffer(a, s[0].shape.num_elements(), s[0].dtype)?, &s[0])),
    domain: Domain::Any,
    cases: float_cases,
    stateful: true,
    grad: Grad::None,
};

/// `RandomStandardNormal`: floats from N(0, 1).
pub static RANDOM_STANDARD_NORMAL: OpDef = OpDef {
    name: "RandomStandardNormal",
    infer: infer_float,
    cpu: Kernel::Alloc(|_, a, s| {
        out1(
            float_buffer(normals(a, s[0].shape.num_elements(), s[0].dtype, false)?, s[0].dtype),
            &s[0],
        )
    }),
    domain: Domain::Any,
    cases: float_cases,
    stateful: true,
    grad: Grad::None,
};

/// `TruncatedNormal`: N(0, 1) with values beyond ±2 redrawn.
pub static TRUNCATED_NORMAL: OpDef = OpDef {
    name: "TruncatedNormal",
    infer: infer_float,
    cpu: Kernel::Alloc(|_, a, s| {
        out1(
            float_buffer(normals(a, s[0].shape.num_elements(), s[0].dtype, true)?, s[0].dtype),
            &s[0],
        )
    }),
    domain: Domain::Any,
    cases: float_cases,
    stateful: true,
    grad: Grad::None,
};

/// `RandomUniformInt`: integers uniform in `[minval, maxval)` (attributes).
pub static RANDOM_UNIFORM_INT: OpDef = OpDef {
    name: "RandomUniformInt",
    infer: |i, a| {
        arity(i, 0)?;
        let d = a.get_dtype("dtype")?;
        if !matches!(d, DType::I32 | DType::I64) {
            return Err(format!("dtype must be int32 or int64, not {d}"));
        }
        if a.get_int("minval")? >= a.get_int("maxval")? {
            return Err(format!(
                "Need minval < maxval: {} >= {}",
                a.get_int("minval")?,
                a.get_int("maxval")?
            ));
        }
        seeds(a)?;
        Ok(spec(d, shape_attr(a)?))
    },
    cpu: Kernel::Alloc(|_, a, s| {
        let (lo, hi) = (a.get_int("minval")?, a.get_int("maxval")?);
        let range = (hi - lo) as u64;
        let (s1, s2) = seeds(a)?;
        let w = words(s1, s2, 2 * s[0].shape.num_elements());
        let vals: Vec<i64> = w
            .chunks_exact(2)
            .map(|p| lo + (((p[0] as u64) << 32 | p[1] as u64) % range) as i64)
            .collect();
        let buf = dispatch!(s[0].dtype, [I32, I64], T => Element::into_buffer(vals.into_iter().map(|v| v as T).collect::<Vec<T>>()));
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        [DType::I32, DType::I64]
            .iter()
            .map(|&d| Case {
                inputs: vec![],
                attrs: Attrs::new()
                    .dtype("dtype", d)
                    .ints("shape", [5])
                    .int("minval", -3)
                    .int("maxval", 7)
                    .int("seed", 1)
                    .int("seed2", 2),
            })
            .collect()
    },
    stateful: true,
    grad: Grad::None,
};

/// `RandomShuffle`: permutes the input along its first dimension.
pub static RANDOM_SHUFFLE: OpDef = OpDef {
    name: "RandomShuffle",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, ALL)?;
        seeds(a)?;
        Ok(spec(i[0].dtype(), i[0].shape().clone()))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let x = i[0];
        let n = x.shape().dims().first().copied().unwrap_or(1);
        let row = x.num_elements().checked_div(n).unwrap_or(0);
        let (s1, s2) = seeds(a)?;
        let w = words(s1, s2, n);
        let mut perm: Vec<usize> = (0..n).collect();
        for q in (1..n).rev() {
            perm.swap(q, w[q] as usize % (q + 1));
        }
        let buf = dispatch!(x.dtype(), [F32, F64, I32, I64, U8, Bool], T => {
            let d = x.data::<T>();
            Element::into_buffer(perm.iter().flat_map(|&p| d[p * row..(p + 1) * row].iter().copied()).collect::<Vec<T>>())
        });
        out1(buf, &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        ALL.iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[5, 2], Domain::Any, 31)],
                attrs: Attrs::new().int("seed", 3).int("seed2", 4),
            })
            .collect()
    },
    stateful: true,
    grad: Grad::None,
};

/// `Multinomial`: `num_samples` class indices per row of `logits` (`[batch, classes]`),
/// drawn from `softmax(logits)`; int64 output `[batch, num_samples]`.
pub static MULTINOMIAL: OpDef = OpDef {
    name: "Multinomial",
    infer: |i, a| {
        arity(i, 1)?;
        check_dtype(i, 0, FLOATS)?;
        let d = i[0].shape().dims();
        if d.len() != 2 || d[1] == 0 {
            return Err(format!("logits should be a non-empty matrix [batch, classes], got {d:?}"));
        }
        let n = a.get_int("num_samples")?;
        if n < 0 {
            return Err(format!("num_samples should be non-negative, got {n}"));
        }
        seeds(a)?;
        Ok(spec(DType::I64, Shape::new(&[d[0], n as usize])))
    },
    cpu: Kernel::Alloc(|i, a, s| {
        let (b, c) = (i[0].shape().dims()[0], i[0].shape().dims()[1]);
        let ns = s[0].shape.dims()[1];
        let logits: Vec<f64> = dispatch!(i[0].dtype(), [F32, F64], T => i[0].data::<T>().iter().map(|&v| v.to_f64()).collect());
        let u = uniforms(a, b * ns, DType::F64)?;
        let mut out = Vec::with_capacity(b * ns);
        for r in 0..b {
            let row = &logits[r * c..(r + 1) * c];
            let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let cdf: Vec<f64> = row
                .iter()
                .scan(0.0, |acc, &v| {
                    *acc += (v - m).exp();
                    Some(*acc)
                })
                .collect();
            let total = cdf[c - 1];
            for q in 0..ns {
                let t = u[r * ns + q] * total;
                out.push(cdf.partition_point(|&v| v <= t).min(c - 1) as i64);
            }
        }
        out1(Element::into_buffer(out), &s[0])
    }),
    domain: Domain::Any,
    cases: || {
        FLOATS
            .iter()
            .map(|&d| Case {
                inputs: vec![sample(d, &[2, 4], Domain::Any, 32)],
                attrs: Attrs::new().int("num_samples", 6).int("seed", 5).int("seed2", 6),
            })
            .collect()
    },
    stateful: true,
    grad: Grad::None,
};

/// This family's ops.
pub static OPS: &[&OpDef] = &[
    &RANDOM_UNIFORM,
    &RANDOM_STANDARD_NORMAL,
    &TRUNCATED_NORMAL,
    &RANDOM_UNIFORM_INT,
    &RANDOM_SHUFFLE,
    &MULTINOMIAL,
];

/// Whether stream `(seed, seed2)` has a remembered position (for tests).
#[cfg(test)]
pub(crate) fn has_stream(seed: i64, seed2: i64) -> bool {
    state().streams.contains_key(&(seed, seed2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lane-wise generator is Philox4x32-10 block by block, also where the counter's
    /// low word wraps; and a stream drawn in pieces of any length continues exactly.
    #[test]
    fn lanes_equal_blocks_and_streams_continue() {
        let (s2, key) = ([0x1234_5678, 0x9ABC_DEF0], [0xDEAD_BEEF, 0x0BAD_F00D]);
        for b0 in [0u64, 1000, (1 << 32) - 5] {
            let c = philox_lanes(b0, s2, key);
            for (l, b) in (b0..b0 + LANES as u64).enumerate() {
                let one = philox([b as u32, (b >> 32) as u32, s2[0], s2[1]], key);
                assert_eq!([c[0][l], c[1][l], c[2][l], c[3][l]], one, "block {b}");
            }
        }
        // Philox4x32-10's published test vector (Random123 kat_vectors): counter and key 0.
        assert_eq!(philox([0; 4], [0; 2]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        // Stream (-31, seed2) block by block, from its start.
        let reference = |seed2: i64, blocks: u64| -> Vec<u32> {
            (0..blocks)
                .flat_map(|b| philox([b as u32, 0, seed2 as u32, 0], [-31i64 as u32, u32::MAX]))
                .collect()
        };
        assert_eq!(words(-31, 77, 1000), reference(77, 250));
        let parts: Vec<u32> = [3usize, 64, 200, 5, 1].iter().flat_map(|&n| words(-31, 78, n * 4)).collect();
        assert_eq!(parts, reference(78, 273));
    }
}
