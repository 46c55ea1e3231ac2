//! ONNX export: a traced function as an ONNX model (opset 13) that ONNX Runtime and other
//! ONNX tools run without this crate — what `tf2onnx` does for a TensorFlow SavedModel.
//!
//! The body is traced once for the inputs' specs (a `None` dimension becomes a symbolic ONNX
//! dimension), the graph simplified (constants folded, common subexpressions merged, dead
//! code dropped; no fusion), and each op written as the ONNX ops that compute it. Variables
//! are written with their current values, as initializers named by their paths (`dense/kernel`).
//! TensorFlow's NHWC convolutions and pools become ONNX's NCHW ones between two transposes
//! (their filters transposed once, at export). An op with no ONNX form here (control flow,
//! random, strings, ...) is an error naming it and the line that made it.

use crate::graph::{Graph, Node, NodeKind};
use crate::ops::TensorSpec;
use crate::proto::Enc;
use crate::{DType, Error, Result, Shape, Tensor};
use std::path::Path;

/// The opset the exported models declare.
pub const OPSET: i64 = 13;

/// Traces `body` on inputs named and shaped by `inputs`, and writes it to `path` as an ONNX
/// model whose outputs are named `outputs` (one per value `body` returns). The file is
/// written to a temporary and renamed, so a failed export leaves any earlier file whole.
///
/// ```
/// use tf_core as tf;
/// let w = tf::Variable::new(tf::constant([[1.0f32, -1.0], [2.0, 0.5]]));
/// let path = std::env::temp_dir().join(format!("doc-export-{}.onnx", std::process::id()));
/// let x = tf::ops::TensorSpec::new(vec![None, Some(2)], tf::float32);
/// tf::onnx::export(&path, &[("x", x)], &["y"], |xs| vec![tf::nn::relu(&tf::matmul(&xs[0], &w.value()))]).unwrap();
/// assert!(std::fs::metadata(&path).unwrap().len() > 0);
/// std::fs::remove_file(&path).unwrap();
/// ```
///
/// # Errors
/// `InvalidArgument` when `body` fails to trace or returns a count of values other than
/// `outputs`; `Unimplemented` for an op with no ONNX form here (naming it and its line); `Io`
/// when the file cannot be written.
pub fn export(
    path: impl AsRef<Path>,
    inputs: &[(&str, TensorSpec)],
    outputs: &[&str],
    body: impl FnOnce(&[Tensor]) -> Vec<Tensor>,
) -> Result<()> {
    for (name, spec) in inputs {
        if spec.dtype == DType::String {
            return Err(Error::Unimplemented(format!(
                "onnx export: input `{name}` is a string tensor; string tensors are not exported"
            )));
        }
    }
    let specs: Vec<TensorSpec> = inputs.iter().map(|(_, s)| s.clone()).collect();
    let traced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::graph::trace::trace("onnx", false, &specs, body)
    }))
    .map_err(|p| Error::from_panic("onnx export: tracing the function", &*p))?;
    let g = crate::graph::passes::simplify(traced);
    if g.outputs.len() != outputs.len() {
        return Err(Error::InvalidArgument(format!(
            "onnx export: the function returns {} values but {} output names were given",
            g.outputs.len(),
            outputs.len()
        )));
    }
    let names: Vec<&str> = inputs.iter().map(|(n, _)| *n).collect();
    let model = model(&g, &names, outputs)?;
    crate::data::npy::write_atomically(path.as_ref(), &model)
}

/// ONNX's `TensorProto.DataType` for a dtype.
fn onnx_dtype(d: DType) -> Result<i64> {
    Ok(match d {
        DType::F32 => 1,
        DType::U8 => 2,
        DType::I32 => 6,
        DType::I64 => 7,
        DType::Bool => 9,
        DType::F64 => 11,
        DType::String => return Err(Error::Unimplemented("onnx export: string tensors are not exported".into())),
    })
}

/// The model: `ModelProto` around the graph.
fn model(g: &Graph, inputs: &[&str], outputs: &[&str]) -> Result<Vec<u8>> {
    let mut b = Builder::default();
    // A filter read only by convolutions is written once, transposed, by them (under the
    // variable's name).
    let mut read = vec![false; g.nodes.len()];
    for n in &g.nodes {
        let is_conv = matches!(n.op_name(), "Conv2D" | "DepthwiseConv2dNative");
        for (k, &(m, _)) in n.inputs.iter().enumerate() {
            read[m] |= !(is_conv && k == 1);
        }
    }
    for &(m, _) in &g.outputs {
        read[m] = true;
    }
    let mut values: Vec<Vec<String>> = Vec::with_capacity(g.nodes.len());
    for (i, n) in g.nodes.iter().enumerate() {
        if !read[i] && matches!(n.kind, NodeKind::Const(_) | NodeKind::ReadVariable(_)) {
            values.push(vec![String::new()]);
            continue;
        }
        let outs = b.convert(g, i, n, inputs, &values).map_err(|m| match m {
            Error::Unimplemented(m) => Error::Unimplemented(format!("onnx export: {} (made at {}): {m}", n.op_name(), n.location)),
            e => e,
        })?;
        values.push(outs);
    }
    let mut graph = Enc::default();
    for (k, &(n, o)) in g.outputs.iter().enumerate() {
        b.node("Identity", &[&values[n][o]], &[outputs[k]], |_| {});
    }
    // Nodes and initializers no output depends on (a transpose back to NHWC that the next
    // NCHW op skipped) are left out.
    let mut used: std::collections::HashSet<&str> = outputs.iter().copied().collect();
    let mut keep = vec![false; b.nodes.len()];
    for (k, n) in b.nodes.iter().enumerate().rev() {
        if n.outputs.iter().any(|o| used.contains(o.as_str())) {
            keep[k] = true;
            used.extend(n.inputs.iter().map(String::as_str));
        }
    }
    for (n, _) in b.nodes.iter().zip(&keep).filter(|(_, &k)| k) {
        graph.bytes(1, &n.bytes);
    }
    graph.bytes(2, b"tf");
    for (name, init) in &b.inits {
        if used.contains(name.as_str()) {
            graph.bytes(5, init);
        }
    }
    for n in g.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Placeholder { .. })) {
        let NodeKind::Placeholder { index } = n.kind else { unreachable!() };
        graph.message(11, |v| value_info(v, inputs[index], &n.outputs[0]));
    }
    for (k, &(n, o)) in g.outputs.iter().enumerate() {
        let spec = &g.nodes[n].outputs[o];
        onnx_dtype(spec.dtype)?;
        graph.message(12, |v| value_info(v, outputs[k], spec));
    }
    let mut m = Enc::default();
    m.varint(1, 8); // IR version 8
    m.bytes(2, b"tf (Rust)");
    m.bytes(3, env!("CARGO_PKG_VERSION").as_bytes());
    m.bytes(7, &graph.0);
    m.message(8, |o| {
        o.bytes(1, b"");
        o.varint(2, OPSET);
    });
    Ok(m.0)
}

/// A `ValueInfoProto`: name, element type and shape (unknown dimensions symbolic).
fn value_info(v: &mut Enc, name: &str, spec: &TensorSpec) {
    v.bytes(1, name.as_bytes());
    v.message(2, |t| {
        t.message(1, |tt| {
            tt.varint(1, onnx_dtype(spec.dtype).unwrap_or(0));
            tt.message(2, |s| {
                for (axis, &d) in spec.shape.dims().iter().enumerate() {
                    s.message(1, |dim| {
                        if d == Shape::UNKNOWN {
                            let p = if axis == 0 { "batch".to_string() } else { format!("d{axis}") };
                            dim.bytes(2, p.as_bytes());
                        } else {
                            dim.varint(1, d as i64);
                        }
                    });
                }
            });
        });
    });
}

/// An attribute value.
enum Attr<'a> {
    Int(i64),
    Ints(&'a [i64]),
    Str(&'a str),
}

/// Writes an `AttributeProto` into a node.
fn attr(n: &mut Enc, name: &str, v: Attr) {
    n.message(5, |a| {
        a.bytes(1, name.as_bytes());
        match v {
            Attr::Int(i) => {
                a.varint(3, i);
                a.varint(20, 2);
            }
            Attr::Str(s) => {
                a.bytes(4, s.as_bytes());
                a.varint(20, 3);
            }
            Attr::Ints(v) => {
                for &i in v {
                    a.varint(8, i);
                }
                a.varint(20, 7);
            }
        }
    });
}

/// A node written: its value names and its `NodeProto`.
struct Written {
    inputs: Vec<String>,
    outputs: Vec<String>,
    bytes: Vec<u8>,
}

/// The nodes and initializers written so far.
#[derive(Default)]
struct Builder {
    nodes: Vec<Written>,
    /// For each NHWC value made by transposing an NCHW one back, that NCHW value.
    nchw_of: std::collections::HashMap<String, String>,
    inits: Vec<(String, Vec<u8>)>,
    names: std::collections::HashSet<String>,
    next: usize,
}

type Converted = Result<Vec<String>>;

impl Builder {
    /// A new value name.
    fn fresh(&mut self) -> String {
        self.next += 1;
        format!("v{}", self.next)
    }

    /// A node of ONNX op `op` from `inputs` to `outputs`, attributes written by `attrs`.
    fn node(&mut self, op: &str, inputs: &[&str], outputs: &[&str], attrs: impl FnOnce(&mut Enc)) {
        let mut n = Enc::default();
        for i in inputs {
            n.bytes(1, i.as_bytes());
        }
        for o in outputs {
            n.bytes(2, o.as_bytes());
        }
        n.bytes(4, op.as_bytes());
        attrs(&mut n);
        self.nodes.push(Written {
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            bytes: n.0,
        });
    }

    /// A one-output node with a fresh output name.
    fn op(&mut self, op: &str, inputs: &[&str], attrs: impl FnOnce(&mut Enc)) -> String {
        let out = self.fresh();
        self.node(op, inputs, &[&out], attrs);
        out
    }

    /// An initializer holding `t`, named `name` (made unique).
    fn init(&mut self, name: &str, t: &Tensor) -> Result<String> {
        let mut name = name.to_string();
        while !self.names.insert(name.clone()) {
            name = format!("{name}_");
        }
        let mut e = Enc::default();
        for &d in t.shape().dims() {
            e.varint(1, d as i64);
        }
        e.varint(2, onnx_dtype(t.dtype())?);
        e.bytes(8, name.as_bytes());
        let mut raw = Vec::new();
        crate::data::npy::encode_values(t, &mut raw);
        e.bytes(9, &raw);
        self.inits.push((name.clone(), e.0));
        Ok(name)
    }

    /// An int64 vector initializer (shapes, axes, pads).
    fn ints(&mut self, v: &[i64]) -> Result<String> {
        let name = self.fresh();
        self.init(&name, &Tensor::from_vec(v.to_vec(), [v.len()]).expect("a vector"))
    }

    /// A scalar initializer of `dtype`.
    fn scalar(&mut self, v: f64, dtype: DType) -> Result<String> {
        let name = self.fresh();
        self.init(&name, &crate::scalar(v, dtype))
    }

    /// NHWC to NCHW (`perm` [0, 3, 1, 2]) and back.
    /// (A value that is an NCHW one transposed back gives that one: two convolutions in a
    /// row stay in NCHW.)
    fn nchw(&mut self, x: &str) -> String {
        match self.nchw_of.get(x) {
            Some(v) => v.clone(),
            None => self.op("Transpose", &[x], |n| attr(n, "perm", Attr::Ints(&[0, 3, 1, 2]))),
        }
    }
    fn nhwc(&mut self, x: &str) -> String {
        let y = self.op("Transpose", &[x], |n| attr(n, "perm", Attr::Ints(&[0, 2, 3, 1])));
        self.nchw_of.insert(y.clone(), x.to_string());
        y
    }

    /// The ONNX values of node `i`'s outputs.
    fn convert(&mut self, g: &Graph, i: usize, n: &Node, inputs: &[&str], values: &[Vec<String>]) -> Converted {
        let x = |k: usize| -> &str {
            let (m, o) = n.inputs[k];
            &values[m][o]
        };
        let a = match &n.kind {
            NodeKind::Placeholder { index } => return Ok(vec![inputs[*index].to_string()]),
            NodeKind::Const(t) => return Ok(vec![self.init(&format!("const_{i}"), t)?]),
            NodeKind::ReadVariable(v) => return Ok(vec![self.init(v.name(), &v.value())?]),
            NodeKind::Op { attrs, .. } => attrs,
            _ => {
                return Err(Error::Unimplemented(
                    "control flow and variable updates have no ONNX export here".into(),
                ))
            }
        };
        let bad = |m: String| Err(Error::Unimplemented(m));
        let dtype = n.outputs.first().map(|s| s.dtype);
        let float = matches!(dtype, Some(DType::F32 | DType::F64));
        let one = |b: &mut Builder, f: &str, ins: &[&str]| -> Converted { Ok(vec![b.op(f, ins, |_| {})]) };
        let name = n.op_name();
        // One-to-one ops.
        let direct = match name {
            "Neg" | "Abs" | "Sign" | "Relu" | "Exp" | "Log" | "Sqrt" | "Reciprocal" | "Sin" | "Cos" | "Tan" | "Sinh" | "Cosh" | "Asin"
            | "Acos" | "Atan" | "Asinh" | "Atanh" | "Tanh" | "Erf" | "Floor" | "Ceil" | "Round" | "Sigmoid" | "Sub" | "Mul" | "Pow"
            | "Equal" | "Less" | "LessEqual" | "Greater" | "GreaterEqual" => Some(name),
            "StopGradient" => Some("Identity"),
            "LogicalNot" => Some("Not"),
            "AddV2" => Some("Add"),
            "RealDiv" => Some("Div"),
            "TruncateDiv" if !float => Some("Div"),
            "Maximum" => Some("Max"),
            "Minimum" => Some("Min"),
            "LogicalAnd" => Some("And"),
            "LogicalOr" => Some("Or"),
            "SelectV2" => Some("Where"),
            _ => None,
        };
        if let Some(op) = direct {
            let ins: Vec<&str> = (0..n.inputs.len()).map(x).collect();
            return one(self, op, &ins);
        }
        let dt = |k: usize| g.nodes[n.inputs[k].0].outputs[n.inputs[k].1].dtype;
        match name {
            "Square" => one(self, "Mul", &[x(0), x(0)]),
            "Rsqrt" => {
                let s = self.op("Sqrt", &[x(0)], |_| {});
                one(self, "Reciprocal", &[&s])
            }
            "Expm1" | "Log1p" => {
                let c = self.scalar(1.0, dt(0))?;
                if name == "Expm1" {
                    let e = self.op("Exp", &[x(0)], |_| {});
                    one(self, "Sub", &[&e, &c])
                } else {
                    let s = self.op("Add", &[x(0), &c], |_| {});
                    one(self, "Log", &[&s])
                }
            }
            "SquaredDifference" => {
                let d = self.op("Sub", &[x(0), x(1)], |_| {});
                one(self, "Mul", &[&d, &d])
            }
            "NotEqual" => {
                let e = self.op("Equal", &[x(0), x(1)], |_| {});
                one(self, "Not", &[&e])
            }
            "FloorDiv" if float => {
                let d = self.op("Div", &[x(0), x(1)], |_| {});
                one(self, "Floor", &[&d])
            }
            "FloorMod" if !float => Ok(vec![self.op("Mod", &[x(0), x(1)], |n| attr(n, "fmod", Attr::Int(0)))]),
            "FloorMod" => {
                let d = self.op("Div", &[x(0), x(1)], |_| {});
                let f = self.op("Floor", &[&d], |_| {});
                let m = self.op("Mul", &[&f, x(1)], |_| {});
                one(self, "Sub", &[x(0), &m])
            }
            "Cast" => {
                let to = onnx_dtype(a.get_dtype("DstT").map_err(Error::InvalidArgument)?)?;
                Ok(vec![self.op("Cast", &[x(0)], |n| attr(n, "to", Attr::Int(to)))])
            }
            "Sum" | "Max" | "Min" | "Prod" | "Any" | "All" => self.reduce(name, x(0), dt(0), a),
            "ArgMax" | "ArgMin" => {
                let axis = a.get_int("axis").map_err(Error::InvalidArgument)?;
                let r = self.op(name, &[x(0)], |n| {
                    attr(n, "axis", Attr::Int(axis));
                    attr(n, "keepdims", Attr::Int(0));
                });
                self.cast_from_i64(r, dtype)
            }
            "Shape" => {
                let r = self.op("Shape", &[x(0)], |_| {});
                self.cast_from_i64(r, dtype)
            }
            "Size" => {
                let r = self.op("Size", &[x(0)], |_| {});
                self.cast_from_i64(r, dtype)
            }
            "MatMul" => {
                let rank = n.outputs[0].shape.rank();
                let mut perm: Vec<i64> = (0..rank as i64).collect();
                perm.swap(rank - 1, rank - 2);
                let mut side = |k: usize, flag: &str| {
                    if a.get_flag(flag) {
                        self.op("Transpose", &[x(k)], |n| attr(n, "perm", Attr::Ints(&perm)))
                    } else {
                        x(k).to_string()
                    }
                };
                let (l, r) = (side(0, "transpose_a"), side(1, "transpose_b"));
                one(self, "MatMul", &[&l, &r])
            }
            "Reshape" if n.inputs.len() == 1 => {
                let shape = self.ints(a.get_ints("shape").map_err(Error::InvalidArgument)?)?;
                one(self, "Reshape", &[x(0), &shape])
            }
            "StridedSlice" => {
                let (b, e, st) = (
                    a.get_ints("begin").map_err(Error::InvalidArgument)?,
                    a.get_ints("end").map_err(Error::InvalidArgument)?,
                    a.get_ints("strides").map_err(Error::InvalidArgument)?,
                );
                let bits = |n: &str| a.get_int(n).unwrap_or(0);
                let (bm, em, sm) = (bits("begin_mask"), bits("end_mask"), bits("shrink_axis_mask"));
                // Python's slice semantics, which ONNX's Slice shares; a masked bound is
                // the far end (clamped), an indexed dimension a one-wide slice squeezed out.
                let (mut starts, mut ends) = (Vec::new(), Vec::new());
                for d in 0..b.len() {
                    let up = st[d] > 0;
                    if sm >> d & 1 == 1 {
                        starts.push(b[d]);
                        ends.push(if b[d] == -1 { i64::MAX } else { b[d] + 1 });
                        continue;
                    }
                    starts.push(if bm >> d & 1 == 1 {
                        if up {
                            0
                        } else {
                            i64::MAX
                        }
                    } else {
                        b[d]
                    });
                    ends.push(match (em >> d & 1 == 1, up) {
                        (true, true) => i64::MAX,
                        (true, false) => i64::MIN,
                        (false, _) => e[d],
                    });
                }
                let steps: Vec<i64> = (0..b.len()).map(|d| if sm >> d & 1 == 1 { 1 } else { st[d] }).collect();
                let axes: Vec<i64> = (0..b.len() as i64).collect();
                let ins = [self.ints(&starts)?, self.ints(&ends)?, self.ints(&axes)?, self.ints(&steps)?];
                let sliced = self.op("Slice", &[x(0), &ins[0], &ins[1], &ins[2], &ins[3]], |_| {});
                let squeeze: Vec<i64> = (0..b.len() as i64).filter(|d| sm >> d & 1 == 1).collect();
                if squeeze.is_empty() {
                    return Ok(vec![sliced]);
                }
                let axes = self.ints(&squeeze)?;
                one(self, "Squeeze", &[&sliced, &axes])
            }
            "Transpose" => {
                let perm = a.get_ints("perm").map_err(Error::InvalidArgument)?;
                Ok(vec![self.op("Transpose", &[x(0)], |n| attr(n, "perm", Attr::Ints(perm)))])
            }
            "ConcatV2" => {
                let axis = a.get_int("axis").map_err(Error::InvalidArgument)?;
                let ins: Vec<&str> = (0..n.inputs.len()).map(x).collect();
                Ok(vec![self.op("Concat", &ins, |n| attr(n, "axis", Attr::Int(axis)))])
            }
            "GatherV2" if a.get_int("batch_dims").unwrap_or(0) == 0 => {
                let axis = a.get_int("axis").map_err(Error::InvalidArgument)?;
                Ok(vec![self.op("Gather", &[x(0), x(1)], |n| attr(n, "axis", Attr::Int(axis)))])
            }
            "PadV2" => {
                let p = a.get_ints("paddings").map_err(Error::InvalidArgument)?;
                let pads: Vec<i64> = p.iter().step_by(2).chain(p.iter().skip(1).step_by(2)).copied().collect();
                let pads = self.ints(&pads)?;
                let c = self.scalar(a.get_float("constant_values").unwrap_or(0.0), dt(0))?;
                one(self, "Pad", &[x(0), &pads, &c])
            }
            "BroadcastTo" if n.inputs.len() == 1 => {
                // -1 keeps the input's size, as a 1 does in ONNX's two-way broadcast.
                let shape: Vec<i64> = a
                    .get_ints("shape")
                    .map_err(Error::InvalidArgument)?
                    .iter()
                    .map(|&d| if d < 0 { 1 } else { d })
                    .collect();
                let shape = self.ints(&shape)?;
                one(self, "Expand", &[x(0), &shape])
            }
            "ZerosLike" | "OnesLike" => {
                let s = self.op("Shape", &[x(0)], |_| {});
                let v = crate::scalar(if name == "OnesLike" { 1.0 } else { 0.0 }, dt(0));
                let v = crate::reshape(&v, [1]);
                let mut t = Enc::default();
                t.varint(1, 1);
                t.varint(2, onnx_dtype(v.dtype())?);
                let mut raw = Vec::new();
                crate::data::npy::encode_values(&v, &mut raw);
                t.bytes(9, &raw);
                Ok(vec![self.op("ConstantOfShape", &[&s], |n| {
                    n.message(5, |at| {
                        at.bytes(1, b"value");
                        at.bytes(5, &t.0);
                        at.varint(20, 4);
                    });
                })])
            }
            "Conv2D" | "DepthwiseConv2dNative" => self.conv(g, n, x(0), a, name == "DepthwiseConv2dNative"),
            "MaxPool" | "AvgPool" => {
                let k = a.get_ints("ksize").map_err(Error::InvalidArgument)?;
                let s = a.opt_ints("strides").unwrap_or(&[1, 1, 1, 1]);
                let pad = padding(a, input_dims(g, n), &k[1..3], &s[1..3], &[1, 1])?;
                let t = self.nchw(x(0));
                let op = if name == "MaxPool" { "MaxPool" } else { "AveragePool" };
                let p = self.op(op, &[&t], |n| {
                    attr(n, "kernel_shape", Attr::Ints(&k[1..3]));
                    attr(n, "strides", Attr::Ints(&s[1..3]));
                    pad.write(n);
                    if name == "AvgPool" {
                        attr(n, "count_include_pad", Attr::Int(0));
                    }
                });
                Ok(vec![self.nhwc(&p)])
            }
            _ => bad("this op has no ONNX form in the exporter".into()),
        }
    }

    /// An int64 result cast to the op's int32 output where it has one.
    fn cast_from_i64(&mut self, r: String, dtype: Option<DType>) -> Converted {
        match dtype {
            Some(DType::I32) => Ok(vec![self.op("Cast", &[&r], |n| attr(n, "to", Attr::Int(6)))]),
            _ => Ok(vec![r]),
        }
    }

    /// The reductions: `axis` absent reduces every dimension, an empty one none.
    fn reduce(&mut self, name: &str, x: &str, dtype: DType, a: &crate::ops::Attrs) -> Converted {
        let keep = i64::from(a.get_flag("keep_dims"));
        let axes = a.opt_ints("axis");
        if axes.is_some_and(<[i64]>::is_empty) {
            return Ok(vec![self.op("Identity", &[x], |_| {})]);
        }
        // Booleans reduce as 0/1 integers: any is a max, all a min.
        let (op, input) = match name {
            "Any" | "All" => (
                if name == "Any" { "ReduceMax" } else { "ReduceMin" },
                Some(self.op("Cast", &[x], |n| attr(n, "to", Attr::Int(6)))),
            ),
            "Sum" => ("ReduceSum", None),
            "Max" => ("ReduceMax", None),
            "Min" => ("ReduceMin", None),
            _ => ("ReduceProd", None),
        };
        let input = input.unwrap_or_else(|| x.to_string());
        let r = if op == "ReduceSum" {
            let mut ins = vec![input];
            if let Some(ax) = axes {
                ins.push(self.ints(ax)?);
            }
            let ins: Vec<&str> = ins.iter().map(String::as_str).collect();
            self.op(op, &ins, |n| attr(n, "keepdims", Attr::Int(keep)))
        } else {
            self.op(op, &[&input], |n| {
                if let Some(ax) = axes {
                    attr(n, "axes", Attr::Ints(ax));
                }
                attr(n, "keepdims", Attr::Int(keep));
            })
        };
        match dtype {
            DType::Bool => Ok(vec![self.op("Cast", &[&r], |n| attr(n, "to", Attr::Int(9)))]),
            _ => Ok(vec![r]),
        }
    }

    /// `Conv2D` / `DepthwiseConv2dNative` (NHWC, HWIO / HWCM filters) as ONNX `Conv` (NCHW,
    /// OIHW filters; depthwise as `group` = channels).
    fn conv(&mut self, g: &Graph, n: &Node, x: &str, a: &crate::ops::Attrs, depthwise: bool) -> Converted {
        let (fm, fo) = n.inputs[1];
        let f = match &g.nodes[fm].kind {
            NodeKind::Const(t) if fo == 0 => t.clone(),
            NodeKind::ReadVariable(v) => v.value(),
            _ => return Err(Error::Unimplemented("the filter must be a constant or a variable".into())),
        };
        let d = f.shape().dims().to_vec();
        let (filter, group) = if depthwise {
            let t = crate::transpose(&f, Some(&[2, 3, 0, 1]));
            (crate::reshape(&t, [(d[2] * d[3]) as i64, 1, d[0] as i64, d[1] as i64]), d[2] as i64)
        } else {
            (crate::transpose(&f, Some(&[3, 2, 0, 1])), 1)
        };
        let w = match &g.nodes[fm].kind {
            NodeKind::ReadVariable(v) => self.init(v.name(), &filter)?,
            _ => self.init(&format!("const_{fm}"), &filter)?,
        };
        let s = a.opt_ints("strides").unwrap_or(&[1, 1, 1, 1]);
        let dl = a.opt_ints("dilations").unwrap_or(&[1, 1, 1, 1]);
        let k = [d[0] as i64, d[1] as i64];
        let pad = padding(a, input_dims(g, n), &k, &s[1..3], &dl[1..3])?;
        let t = self.nchw(x);
        let c = self.op("Conv", &[&t, &w], |n| {
            attr(n, "kernel_shape", Attr::Ints(&k));
            attr(n, "strides", Attr::Ints(&s[1..3]));
            attr(n, "dilations", Attr::Ints(&dl[1..3]));
            pad.write(n);
            attr(n, "group", Attr::Int(group));
        });
        Ok(vec![self.nhwc(&c)])
    }
}

/// The dims of node `n`'s first input.
fn input_dims<'g>(g: &'g Graph, n: &Node) -> &'g [usize] {
    let (m, o) = n.inputs[0];
    g.nodes[m].outputs[o].shape.dims()
}

/// A window's padding in ONNX's terms.
enum Padding {
    /// `pads` [top, left, bottom, right].
    Explicit([i64; 4]),
    /// `auto_pad` (for unknown spatial sizes).
    Auto(&'static str),
}

impl Padding {
    fn write(&self, n: &mut Enc) {
        match self {
            Padding::Explicit(p) => attr(n, "pads", Attr::Ints(p)),
            Padding::Auto(m) => attr(n, "auto_pad", Attr::Str(m)),
        }
    }
}

/// TensorFlow's `SAME` (half the padding before, the extra one after) as explicit pads of
/// the NHWC input `x`; ONNX's `SAME_UPPER` when a spatial size is unknown (which ONNX Runtime
/// refuses with dilations).
fn padding(a: &crate::ops::Attrs, x: &[usize], k: &[i64], s: &[i64], d: &[i64]) -> Result<Padding> {
    match a.get_str("padding").map_err(Error::InvalidArgument)? {
        "VALID" => Ok(Padding::Explicit([0; 4])),
        "SAME" if x[1] == Shape::UNKNOWN || x[2] == Shape::UNKNOWN => Ok(Padding::Auto("SAME_UPPER")),
        "SAME" => {
            let total = |i: usize| {
                let n = x[i + 1] as i64;
                let out = (n + s[i] - 1) / s[i];
                ((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n).max(0)
            };
            let (h, w) = (total(0), total(1));
            Ok(Padding::Explicit([h / 2, w / 2, h - h / 2, w - w / 2]))
        }
        p => Err(Error::Unimplemented(format!("padding {p:?}"))),
    }
}
