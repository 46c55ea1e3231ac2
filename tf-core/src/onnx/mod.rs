//! ONNX export: a traced function as an ONNX model (opset 13) that ONNX Runtime and other
//! ONNX tools run without this crate — what `tf2onnx` does for a TensorFlow SavedModel.
//!
//! The body is traced once for the inputs' specs (a `None` dimension becomes a symbolic ONNX
//! dimension), the graph simplified (constants folded, common subexpressions merged, dead
//! code dropped; no fusion), and each op written as the ONNX ops that compute it. Variables
//! are written with their current values, as initializers named by their paths (`dense/kernel`).
//! TensorFlow's NHWC convolutions and pools become ONNX's NCHW ones between two transposes
//! (their filters transposed once, at export). `If` and `While` become ONNX `If` and `Loop`,
//! their bodies subgraphs that read captured values from the enclosing graph. An op with no
//! ONNX form here (random, variable updates, strings, ...) is an error naming it and the
//! line that made it.

use crate::graph::{Graph, Node, NodeKind};
use crate::ops::TensorSpec;
use crate::proto::Enc;
use crate::{DType, Error, Result, Shape, Tensor};
use std::collections::HashSet;
use std::path::Path;

mod ops;

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
    let args: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
    let values = b.values(g, &args)?;
    for (k, &(n, o)) in g.outputs.iter().enumerate() {
        b.node("Identity", &[&values[n][o]], &[outputs[k]], |_| {});
    }
    let (kept, used) = prune(&b.nodes, outputs.iter().map(|s| s.to_string()).collect());
    let mut graph = Enc::default();
    for n in kept.iter().map(|&k| &b.nodes[k]) {
        graph.bytes(1, &n.bytes);
    }
    graph.bytes(2, b"tf");
    for (name, init) in &b.inits {
        if used.contains(name) {
            graph.bytes(5, init);
        }
    }
    for n in &g.nodes {
        if let NodeKind::Placeholder { index } = n.kind {
            graph.message(11, |v| value_info(v, inputs[index], &n.outputs[0], true));
        }
    }
    for (k, &(n, o)) in g.outputs.iter().enumerate() {
        let spec = &g.nodes[n].outputs[o];
        onnx_dtype(spec.dtype)?;
        graph.message(12, |v| value_info(v, outputs[k], spec, true));
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

/// The nodes some root depends on (in order), and every value name they read or the roots
/// are. (A transpose back to NHWC that the next NCHW op skipped is left out.)
fn prune(nodes: &[Written], roots: HashSet<String>) -> (Vec<usize>, HashSet<String>) {
    let mut used = roots;
    let mut kept = Vec::new();
    for (k, n) in nodes.iter().enumerate().rev() {
        if n.outputs.iter().any(|o| used.contains(o)) {
            kept.push(k);
            used.extend(n.inputs.iter().cloned());
        }
    }
    kept.reverse();
    (kept, used)
}

/// A `TensorProto` holding `t` (named `name` unless it is empty).
fn tensor_proto(t: &Tensor, name: &str) -> Result<Vec<u8>> {
    let mut e = Enc::default();
    for &d in t.shape().dims() {
        e.varint(1, d as i64);
    }
    e.varint(2, onnx_dtype(t.dtype())?);
    if !name.is_empty() {
        e.bytes(8, name.as_bytes());
    }
    let mut raw = Vec::new();
    crate::data::npy::encode_values(t, &mut raw);
    e.bytes(9, &raw);
    Ok(e.0)
}

/// A `ValueInfoProto`: name, element type and shape (unknown dimensions symbolic where
/// `symbolic`, unnamed otherwise).
fn value_info(v: &mut Enc, name: &str, spec: &TensorSpec, symbolic: bool) {
    v.bytes(1, name.as_bytes());
    v.message(2, |t| {
        t.message(1, |tt| {
            tt.varint(1, onnx_dtype(spec.dtype).unwrap_or(0));
            tt.message(2, |s| {
                for (axis, &d) in spec.shape.dims().iter().enumerate() {
                    s.message(1, |dim| {
                        if d != Shape::UNKNOWN {
                            dim.varint(1, d as i64);
                        } else if symbolic {
                            let p = if axis == 0 { "batch".to_string() } else { format!("d{axis}") };
                            dim.bytes(2, p.as_bytes());
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
    /// A serialized `TensorProto`.
    Tensor(&'a [u8]),
    /// A serialized `GraphProto` (a control-flow op's body).
    Graph(&'a [u8]),
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
            Attr::Tensor(t) => {
                a.bytes(5, t);
                a.varint(20, 4);
            }
            Attr::Graph(g) => {
                a.bytes(6, g);
                a.varint(20, 5);
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
    names: HashSet<String>,
    /// The initializer holding each variable read so far.
    variables: std::collections::HashMap<String, String>,
    next: usize,
}

type Converted = Result<Vec<String>>;

impl Builder {
    /// The ONNX values of each node of `g`, its placeholders bound to `args`; nodes are
    /// added to `self.nodes`.
    fn values(&mut self, g: &Graph, args: &[String]) -> Result<Vec<Vec<String>>> {
        // A filter read only by convolutions is written once, transposed, by them (under the
        // variable's name).
        let mut read = vec![false; g.nodes.len()];
        for n in &g.nodes {
            let filter = match n.op_name() {
                "Conv2D" | "DepthwiseConv2dNative" => Some(1),
                "Conv2DBackpropInput" => Some(0),
                _ => None,
            };
            for (k, &(m, _)) in n.inputs.iter().enumerate() {
                read[m] |= filter != Some(k);
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
            let outs = self.convert(g, i, n, args, &values).map_err(|m| match m {
                Error::Unimplemented(m) if !m.starts_with("onnx export: ") => {
                    Error::Unimplemented(format!("onnx export: {} (made at {}): {m}", n.op_name(), n.location))
                }
                e => e,
            })?;
            values.push(outs);
        }
        Ok(values)
    }

    /// A control-flow op's body as a `GraphProto` taking `formal` and returning what `body`
    /// adds to it (each through an `Identity`, so that it is made inside), and the names from
    /// outside that it reads.
    fn subgraph(
        &mut self,
        formal: &[(String, TensorSpec)],
        body: impl FnOnce(&mut Builder) -> Result<Vec<(String, TensorSpec)>>,
    ) -> Result<(Vec<u8>, Vec<String>)> {
        let outer = std::mem::take(&mut self.nodes);
        let results = body(self);
        let results = results.map(|r| {
            r.into_iter()
                .map(|(v, spec)| (self.op("Identity", &[&v], |_| {}), spec))
                .collect::<Vec<_>>()
        });
        let nodes = std::mem::replace(&mut self.nodes, outer);
        let results = results?;
        let (kept, used) = prune(&nodes, results.iter().map(|(v, _)| v.clone()).collect());
        let mut made: HashSet<&str> = formal.iter().map(|(v, _)| v.as_str()).collect();
        let mut g = Enc::default();
        for n in kept.iter().map(|&k| &nodes[k]) {
            g.bytes(1, &n.bytes);
            made.extend(n.outputs.iter().map(String::as_str));
        }
        let name = self.fresh();
        g.bytes(2, name.as_bytes());
        for (v, spec) in formal {
            g.message(11, |i| value_info(i, v, spec, false));
        }
        for (v, spec) in &results {
            g.message(12, |o| value_info(o, v, spec, false));
        }
        let outside = used.into_iter().filter(|v| !v.is_empty() && !made.contains(v.as_str())).collect();
        Ok((g.0, outside))
    }

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
        self.inits.push((name.clone(), tensor_proto(t, &name)?));
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
