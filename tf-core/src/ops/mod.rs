//! The op registry and the one dispatch point.
//!
//! Every primitive is one `OpDef` in a family file (`unary.rs`, `binary.rs`, ...) holding its
//! TensorFlow name, its shape/dtype inference (where all validation lives), its CPU kernel,
//! and the input domain and sample calls its tests draw from. [`all_ops`] lists them all;
//! [`execute`] is the only caller of kernels.

pub mod attrs;
pub mod binary;
pub mod debugging;
pub mod fused;
pub mod fused_conv;
pub mod image;
pub mod io;
pub mod linalg;
pub mod matrix;
pub mod movement;
pub mod nn;
pub mod num;
pub mod optim;
pub mod random;
pub mod reduce;
pub mod search;
pub mod shape;
pub mod strings;
pub mod tokens;
pub mod triangular;
pub mod unary;
pub mod xent;

pub use attrs::{AttrValue, Attrs};

use crate::{DType, Shape, Tensor};
use smallvec::SmallVec;

/// The dtype and shape of one op output.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorSpec {
    /// Element type.
    pub dtype: DType,
    /// Shape.
    pub shape: Shape,
}

impl TensorSpec {
    /// `tf.TensorSpec(shape, dtype)`.
    pub fn new(shape: impl Into<crate::Shape>, dtype: DType) -> TensorSpec {
        TensorSpec {
            dtype,
            shape: shape.into(),
        }
    }
    /// The dtype and shape of `t`.
    pub fn of(t: &crate::Tensor) -> TensorSpec {
        TensorSpec {
            dtype: t.dtype(),
            shape: t.shape().clone(),
        }
    }
    /// True when every value `self` describes is one `other` describes (TensorFlow's
    /// subtyping): the same dtype and rank, and each dimension equal or unknown in `other`.
    /// `TensorSpec([2, 3])` is a subtype of `TensorSpec([None, 3])`, not the reverse.
    pub fn is_subtype_of(&self, other: &TensorSpec) -> bool {
        self.dtype == other.dtype
            && self.shape.rank() == other.shape.rank()
            && self
                .shape
                .dims()
                .iter()
                .zip(other.shape.dims())
                .all(|(&a, &b)| a == b || b == crate::Shape::UNKNOWN)
    }
    /// True when `args` fits `signature` spec by spec ([`is_subtype_of`](Self::is_subtype_of)),
    /// as a call fits a trace.
    pub fn fits(args: &[TensorSpec], signature: &[TensorSpec]) -> bool {
        args.len() == signature.len() && args.iter().zip(signature).all(|(a, s)| a.is_subtype_of(s))
    }
}

/// As TensorFlow prints it: `TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)`.
impl std::fmt::Display for TensorSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TensorSpec(shape={}, dtype=tf.{}, name=None)", self.shape, self.dtype)
    }
}

/// Inferred output specs (most ops have one output).
pub type Specs = SmallVec<[TensorSpec; 1]>;
/// Op outputs.
pub type Outputs = SmallVec<[Tensor; 1]>;
/// Shape and dtype inference: validates the inputs and attributes and describes the outputs,
/// or says what is wrong (the message follows `"<OpName>: "`).
pub type InferFn = fn(&[&Tensor], &Attrs) -> Result<Specs, String>;
/// A kernel: computes outputs matching the inferred specs. Data-dependent failures (an
/// index out of range) are reported as messages.
pub type KernelFn = fn(&[&Tensor], &Attrs, &Specs) -> Result<Outputs, String>;
/// A kernel that writes its outputs into buffers it is given, one per output spec and of
/// that spec's dtype: it replaces each buffer's contents with the spec's number of values,
/// in the buffer's own memory when it has room.
pub type IntoFn = fn(&[&Tensor], &Attrs, &Specs, &mut [&mut crate::Buffer]) -> Result<(), String>;
/// An [`IntoFn`] specialized to fixed input and output specs, with every check, dtype
/// dispatch and shape computation done once, when it was planned.
pub struct Plan {
    /// Takes inputs of the specs it was planned for and writes into buffers as an
    /// `IntoFn` does.
    pub run: PlanRun,
    /// For operands and a result of one value each, the op on their words.
    pub scalar: Option<ScalarFn>,
}

/// [`Plan::run`].
pub type PlanRun = Box<dyn Fn(&[&Tensor], &mut [&mut crate::Buffer]) + Send + Sync>;

/// An op on values of one element each, held as words
/// ([`Element::to_word`](crate::Element::to_word)): how a compiled loop runs its counter and
/// its condition without tensors. It takes up to three operands (those past the op's arity
/// are ignored) and returns the result's word.
pub type ScalarFn = fn(u64, u64, u64) -> u64;
/// Plans a kernel for inputs of specs `ins` and outputs of specs `outs` (those inference
/// gave for them), or `None` where the kernel has no specialized form for them.
pub type PlanFn = fn(ins: &[&TensorSpec], &Attrs, outs: &Specs) -> Option<Plan>;

/// An op's CPU kernel, in one of two forms.
#[derive(Clone, Copy)]
pub enum Kernel {
    /// Returns new outputs.
    Alloc(KernelFn),
    /// Writes into given buffers: the graph executor keeps an op's outputs from one run
    /// (a call, a loop iteration) to the next and hands them back, so the op allocates
    /// nothing there. Eagerly it gets new buffers.
    Into(IntoFn),
    /// [`Into`](Kernel::Into), with a form planned for fixed specs ([`PlanFn`]): a compiled
    /// loop runs an op on values of the same shapes every iteration, where working out the
    /// same dispatch and sizes again costs as much as a tiny op itself.
    Planned(IntoFn, PlanFn),
}

impl Kernel {
    /// Runs the kernel into new outputs, each of its spec's shape.
    #[inline]
    pub fn run(self, inputs: &[&Tensor], attrs: &Attrs, specs: &Specs) -> Result<Outputs, String> {
        match self {
            Kernel::Alloc(f) => f(inputs, attrs, specs),
            Kernel::Into(f) | Kernel::Planned(f, _) if specs.len() == 1 => {
                let mut b = crate::Buffer::for_kernel(specs[0].dtype, specs[0].shape.num_elements());
                f(inputs, attrs, specs, &mut [&mut b])?;
                out1(b, &specs[0])
            }
            Kernel::Into(f) | Kernel::Planned(f, _) => {
                let mut bufs: SmallVec<[crate::Buffer; 1]> = specs
                    .iter()
                    .map(|s| crate::Buffer::for_kernel(s.dtype, s.shape.num_elements()))
                    .collect();
                {
                    let mut refs: SmallVec<[&mut crate::Buffer; 1]> = bufs.iter_mut().collect();
                    f(inputs, attrs, specs, &mut refs)?;
                }
                outs(bufs, specs)
            }
        }
    }

    /// The kernel that writes into given buffers, if it has one.
    pub fn into_fn(self) -> Option<IntoFn> {
        match self {
            Kernel::Into(f) | Kernel::Planned(f, _) => Some(f),
            Kernel::Alloc(_) => None,
        }
    }

    /// The kernel planned for `ins` and `outs` (see [`PlanFn`]), if it has such a form.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::ops::{binary::ADD, Attrs, TensorSpec};
    /// use tf::Element;
    /// let (x, y) = (tf::constant(2i64), tf::constant(40i64));
    /// let outs = (ADD.infer)(&[&x, &y], &Attrs::new()).unwrap();
    /// let (sx, sy) = (TensorSpec::of(&x), TensorSpec::of(&y));
    /// let plan = ADD.cpu.plan(&[&sx, &sy], &Attrs::new(), &outs).expect("AddV2 plans scalars");
    /// // Into a buffer, as a compiled loop's step runs it…
    /// let mut out = tf::Buffer::I64(vec![]);
    /// (plan.run)(&[&x, &y], &mut [&mut out]);
    /// assert_eq!(out, tf::Buffer::I64(vec![42]));
    /// // …and on words, as it runs a scalar kept in a register.
    /// let add = plan.scalar.expect("a scalar form");
    /// assert_eq!(i64::from_word(add(2i64.to_word(), 40i64.to_word(), 0)), 42);
    /// ```
    pub fn plan(self, ins: &[&TensorSpec], attrs: &Attrs, outs: &Specs) -> Option<Plan> {
        match self {
            Kernel::Planned(_, p) => p(ins, attrs, outs),
            _ => None,
        }
    }
}

/// The vector of output buffer `b` as `T`s, for a kernel that writes into it.
pub(crate) fn out_vec<T: crate::Element>(b: &mut crate::Buffer) -> Result<&mut Vec<T>, String> {
    // The message does not name the buffer's dtype: worked out before it is known to be
    // needed, that would be a jump on the dtype in every small op.
    T::vec_mut(b).ok_or_else(|| format!("output buffer does not hold {} values", T::DTYPE))
}

/// The vector of output buffer `b` as `T`s, for a planned kernel ([`Plan`]): its caller
/// hands it buffers of the dtypes it was planned for.
pub(crate) fn planned_vec<T: crate::Element>(b: &mut crate::Buffer) -> &mut Vec<T> {
    out_vec(b).unwrap_or_else(|m| panic!("planned kernel: {m}"))
}

/// The values an op's tests draw its float inputs from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// Any value in [-2, 2].
    Any,
    /// Strictly positive, in [0.5, 2].
    Positive,
    /// Inside (-0.9, 0.9).
    Open1,
    /// Magnitude in [0.5, 2], either sign (kept away from kinks and poles at 0).
    AwayFromZero,
}

/// One sample call of an op, for registry-wide tests.
pub struct Case {
    /// Inputs.
    pub inputs: Vec<Tensor>,
    /// Attributes.
    pub attrs: Attrs,
}

/// What a gradient rule sees: the op's inputs, outputs and attributes, and the gradient
/// flowing into each output (zeros where none flows).
pub struct GradCtx<'a> {
    /// The op's inputs.
    pub inputs: &'a [Tensor],
    /// The op's outputs.
    pub outputs: &'a [Tensor],
    /// The op's attributes.
    pub attrs: &'a Attrs,
    /// The gradient with respect to each output.
    pub grads: &'a [Tensor],
    /// Which inputs need a gradient (others lead to no source); rules may skip the rest.
    pub needs: &'a [bool],
}

impl GradCtx<'_> {
    /// Input `i`.
    pub fn x(&self, i: usize) -> &Tensor {
        &self.inputs[i]
    }
    /// The first output.
    pub fn y(&self) -> &Tensor {
        &self.outputs[0]
    }
    /// The gradient with respect to the first output.
    pub fn g(&self) -> &Tensor {
        &self.grads[0]
    }
    /// `Some(f())` when input `i` needs a gradient, else `None` without computing it.
    pub fn want(&self, i: usize, f: impl FnOnce() -> Tensor) -> Option<Tensor> {
        self.needs.get(i).copied().unwrap_or(true).then(f)
    }
}

/// A gradient rule: one entry per input, `None` where no gradient flows. Written with the
/// public ops, so it is itself differentiable and traceable. Results may have the output's
/// broadcast shape: the tape reduces them to each input's shape.
pub type GradFn = fn(&GradCtx) -> Vec<Option<Tensor>>;

/// How an op differentiates.
#[derive(Clone, Copy)]
pub enum Grad {
    /// By this rule.
    Rule(GradFn),
    /// Not at all: a tape that needs a gradient through it says so (TensorFlow's
    /// `LookupError`), rather than returning a silent zero.
    NotDifferentiable,
    /// Its outputs are integers or booleans (or it only samples), so no gradient flows and
    /// none is needed: the tape stops there quietly, as TensorFlow does.
    None,
}

/// A primitive op: everything about it in one place.
pub struct OpDef {
    /// TensorFlow's op name, e.g. `"MatMul"`.
    pub name: &'static str,
    /// Shape and dtype inference (and validation).
    pub infer: InferFn,
    /// The CPU kernel.
    pub cpu: Kernel,
    /// Input domain of the op's tests.
    pub domain: Domain,
    /// Sample calls covering each accepted dtype.
    pub cases: fn() -> Vec<Case>,
    /// True for ops with hidden state or side effects (random ops).
    pub stateful: bool,
    /// The gradient rule.
    pub grad: Grad,
}

impl std::fmt::Debug for OpDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every primitive op, in one explicit list.
pub fn all_ops() -> Vec<&'static OpDef> {
    let mut v: Vec<&'static OpDef> = Vec::new();
    v.extend_from_slice(unary::OPS);
    v.extend_from_slice(binary::OPS);
    v.extend_from_slice(reduce::OPS);
    v.extend_from_slice(movement::OPS);
    v.extend_from_slice(linalg::OPS);
    v.extend_from_slice(nn::OPS);
    v.extend_from_slice(random::OPS);
    v.extend_from_slice(io::OPS);
    v.extend_from_slice(debugging::OPS);
    v.extend_from_slice(shape::OPS);
    v.extend_from_slice(fused::OPS);
    v.extend_from_slice(fused_conv::OPS);
    v.extend_from_slice(optim::OPS);
    v.extend_from_slice(xent::OPS);
    v.extend_from_slice(image::OPS);
    v.extend_from_slice(search::OPS);
    v.extend_from_slice(strings::OPS);
    v.extend_from_slice(tokens::OPS);
    v.extend_from_slice(matrix::OPS);
    v.extend_from_slice(triangular::OPS);
    v
}

/// Runs `op` on `inputs`: infers and validates, then runs the kernel on the inputs' device.
///
/// # Panics
/// With `"<OpName>: <what is wrong>"` at the caller's location when the inputs or attributes
/// are invalid, as TensorFlow raises `InvalidArgumentError`.
#[track_caller]
#[inline]
pub fn execute(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs) -> Outputs {
    let op = strings::for_strings(op, inputs);
    let specs = infer_checked(op, inputs, attrs);
    if crate::graph::trace::tracing() {
        let outputs = crate::graph::trace::add_op(op, inputs, attrs, specs, std::panic::Location::caller());
        if crate::tape::any_active() {
            crate::tape::record(op, inputs, attrs, &outputs);
        }
        return outputs;
    }
    execute_traced(op, inputs, attrs, &specs)
}

/// `op`'s output specs for `inputs`, or the panic [`execute`] documents.
#[track_caller]
#[inline]
fn infer_checked(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs) -> Specs {
    match (op.infer)(inputs, attrs) {
        Ok(s) => s,
        Err(m) => panic!("{}: {m}", op.name),
    }
}

/// Runs `op` with output specs already inferred: the eager end of [`execute`], and the
/// graph executor's entry into the dispatch point, skipping inference and validation that
/// the trace already did for these exact dtypes and shapes.
///
/// # Panics
/// On a data-dependent failure (an index out of range), as [`execute`].
#[track_caller]
pub(crate) fn execute_traced(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs, specs: &Specs) -> Outputs {
    tf_kernels::cpu::help();
    let outputs = match op.cpu.run(inputs, attrs, specs) {
        Ok(o) => o,
        Err(m) => panic!("{}: {m}", op.name),
    };
    if crate::tape::any_active() {
        crate::tape::record(op, inputs, attrs, &outputs);
    }
    outputs
}

/// [`execute`] for single-output ops. Eagerly, a kernel that writes into a buffer makes
/// its one output tensor here, directly: built in an outputs vector and moved out of it,
/// the tensor was copied three times (a 2x2 add 125-160 ns that way, 95-105 this way, in
/// paired runs).
#[track_caller]
#[inline]
pub fn execute1(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs) -> Tensor {
    let op = strings::for_strings(op, inputs);
    let f = match op.cpu {
        Kernel::Into(f) | Kernel::Planned(f, _) if !crate::graph::trace::tracing() => f,
        _ => return execute(op, inputs, attrs).swap_remove(0),
    };
    let mut specs = infer_checked(op, inputs, attrs);
    if specs.len() != 1 {
        return execute_traced(op, inputs, attrs, &specs).swap_remove(0);
    }
    tf_kernels::cpu::help();
    let mut buf = crate::Buffer::for_kernel(specs[0].dtype, specs[0].shape.num_elements());
    if let Err(m) = f(inputs, attrs, &specs, &mut [&mut buf]) {
        panic!("{}: {m}", op.name)
    }
    let out = Tensor::from_parts(buf, std::mem::take(&mut specs[0].shape));
    if crate::tape::any_active() {
        crate::tape::record(op, inputs, attrs, std::slice::from_ref(&out));
    }
    out
}

/// One output spec.
pub(crate) fn spec(dtype: DType, shape: Shape) -> Specs {
    let mut s = Specs::new();
    s.push(TensorSpec { dtype, shape });
    s
}

/// One output tensor.
#[inline]
pub(crate) fn out1(buf: crate::Buffer, spec: &TensorSpec) -> Result<Outputs, String> {
    let mut o = Outputs::new();
    o.push(Tensor::from_parts(buf, spec.shape.clone()));
    Ok(o)
}

/// One output tensor per buffer, each with its spec's shape.
pub(crate) fn outs(bufs: impl IntoIterator<Item = crate::Buffer>, specs: &Specs) -> Result<Outputs, String> {
    Ok(bufs
        .into_iter()
        .zip(specs)
        .map(|(b, spec)| Tensor::from_parts(b, spec.shape.clone()))
        .collect())
}

/// Checks the number of inputs.
pub(crate) fn arity(inputs: &[&Tensor], n: usize) -> Result<(), String> {
    if inputs.len() != n {
        return Err(format!("expected {n} inputs, got {}", inputs.len()));
    }
    Ok(())
}

/// Checks the inputs of an op whose shape attribute may leave dimensions unknown (-1): `n`,
/// or `n + 1` with the tensor whose shape fills them in ([`execute_shaped_like`]).
pub(crate) fn arity_shaped(inputs: &[&Tensor], n: usize) -> Result<(), String> {
    if inputs.len() != n && inputs.len() != n + 1 {
        return Err(format!(
            "expected {n} inputs, or {} with the tensor giving the output's shape, got {}",
            n + 1,
            inputs.len()
        ));
    }
    Ok(())
}

/// Runs `op` with attribute `name` set to `like`'s shape. When a trace left some of its
/// dimensions unknown (`None`, written -1), `like` itself goes in as the last input, for the
/// op to read them when it runs (TensorFlow passes such a shape as a tensor). The gradient
/// rules of those ops give that input no gradient (it only lends its shape).
pub(crate) fn execute_shaped_like(op: &'static OpDef, inputs: &[&Tensor], attrs: &Attrs, name: &'static str, like: &Tensor) -> Tensor {
    let a = attrs
        .clone()
        .ints(name, like.shape().dims().iter().map(|&d| d as i64).collect::<Vec<_>>());
    if like.shape().is_fully_defined() {
        return execute1(op, inputs, &a);
    }
    let mut all: SmallVec<[&Tensor; 4]> = inputs.iter().copied().collect();
    all.push(like);
    execute1(op, &all, &a)
}

/// Checks that input `i` has one of `allowed` dtypes, in TensorFlow's words.
pub(crate) fn check_dtype(inputs: &[&Tensor], i: usize, allowed: &[DType]) -> Result<DType, String> {
    let d = inputs[i].dtype();
    if allowed.contains(&d) {
        return Ok(d);
    }
    let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
    Err(format!(
        "input #{i} (zero-based) has dtype {d}, which this op does not accept (expected one of {})",
        names.join(", ")
    ))
}

/// Checks that inputs `i` and `j` have the same dtype (TensorFlow never promotes).
pub(crate) fn same_dtype(inputs: &[&Tensor], i: usize, j: usize) -> Result<DType, String> {
    let (a, b) = (inputs[i].dtype(), inputs[j].dtype());
    if a != b {
        return Err(format!(
            "input #{j} (zero-based) was expected to be a {a} tensor but is a {b} tensor"
        ));
    }
    Ok(a)
}

/// Float dtypes.
pub(crate) const FLOATS: &[DType] = &[DType::F32, DType::F64];
/// Signed numeric dtypes.
pub(crate) const SIGNED: &[DType] = &[DType::F32, DType::F64, DType::I32, DType::I64];
/// Numeric dtypes.
pub(crate) const NUMERIC: &[DType] = &[DType::F32, DType::F64, DType::I32, DType::I64, DType::U8];
/// Every dtype.
pub(crate) const ALL: &[DType] = &DType::ALL;

/// Deterministic sample values for tests: `n` values of `dtype` from `domain` (strings: words
/// from a fixed list, the empty one and non-ASCII ones included).
pub fn sample(dtype: DType, shape: &[usize], domain: Domain, seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let vals: Vec<f64> = (0..n)
        .map(|_| {
            let u = next();
            match domain {
                Domain::Any => 4.0 * u - 2.0,
                Domain::Positive => 0.5 + 1.5 * u,
                Domain::Open1 => 1.8 * u - 0.9,
                Domain::AwayFromZero => {
                    let m = 0.5 + 1.5 * next();
                    if u < 0.5 {
                        -m
                    } else {
                        m
                    }
                }
            }
        })
        .collect();
    if dtype == DType::String {
        const WORDS: [&str; 8] = ["", "a", "Hello", "world!", "  two words ", "ÀÉ", "x,y", "tab\t"];
        let words = vals.iter().map(|&v| WORDS[((v + 2.0) * 2.0).clamp(0.0, 7.0) as usize].to_string());
        return Tensor::from_parts(crate::Buffer::String(words.collect()), Shape::new(shape));
    }
    let buf = crate::dispatch!(dtype, [F32, F64, I32, I64, U8, Bool], T => {
        let conv = |v: f64| -> T {
            match dtype {
                DType::Bool => <T as crate::Element>::from_f64((v > 0.0) as u8 as f64),
                DType::U8 => <T as crate::Element>::from_f64((v.abs() * 3.0).round()),
                d if d.is_int() => <T as crate::Element>::from_f64(if domain == Domain::Positive || domain == Domain::AwayFromZero { (v.abs() * 2.0).ceil().copysign(v) } else { (v * 3.0).round() }),
                _ => <T as crate::Element>::from_f64(v),
            }
        };
        crate::Element::into_buffer(vals.iter().map(|&v| conv(v)).collect::<Vec<T>>())
    });
    Tensor::from_parts(buf, Shape::new(shape))
}
