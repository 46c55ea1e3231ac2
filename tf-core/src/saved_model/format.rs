//! The graph IR on disk: `saved_model.tfrs`, a framed protocol-buffer message of our own
//! schema (TensorFlow's `saved_model.pb` holds GraphDefs of TensorFlow's kernels, which this
//! runtime does not execute).
//!
//! ```text
//! "tf-rs saved model\n"  magic (18 bytes)
//! u32 LE                 format version (FORMAT_VERSION)
//! u64 LE                 payload length
//! payload                SavedModelProto
//! u32 LE                 masked crc32c of the payload
//! ```
//!
//! ```text
//! SavedModelProto { 1: producer string; 2: repeated Variable; 3: repeated Graph (concrete
//!                   functions); 4: repeated Function; 5: repeated Signature; 6: repeated asset file name }
//! Variable  { 1: checkpoint key; 2: object path; 3: name; 4: trainable; 5: dtype; 6: shape }
//! Function  { 1: name; 2: repeated concrete index }
//! Signature { 1: key; 2: concrete index; 3: repeated input name; 4: repeated output name }
//! Graph     { 1: name; 2: repeated Spec (arguments); 3: repeated Node; 4: repeated Ref (outputs) }
//! Node      { 1: kind; 2: op name; 3: repeated Attr; 4: repeated Ref; 5: repeated Spec (outputs);
//!             6: index (placeholder / variable / loop variable count); 7: max iterations + 1;
//!             8, 9: subgraphs; 10: Tensor }
//! Ref       { 1: node; 2: output }     Spec { 1: dtype; 2: shape }
//! Attr      { 1: name; 2: int | 3: double | 4: bool | 5: packed ints | 6: dtype | 7: string }
//! Tensor    { 1: dtype; 2: shape; 3: little-endian values }
//! ```
//!
//! Reading checks everything a graph's execution relies on: every op is known, inputs precede
//! their users, each op's output specs are what its shape inference says for its input specs,
//! subgraphs agree with their node, variables and arguments exist. A graph that passes runs
//! like one traced here.

use crate::data::npy::{decode_values, encode_values};
use crate::data::tfrecord::masked_crc32c;
use crate::graph::{Graph, Node, NodeKind};
use crate::ops::{AttrValue, Attrs, OpDef, Specs, TensorSpec};
use crate::proto::{fields, get_varint, read_partial_shape, read_shape, Enc, Value};
use crate::train::bundle::{dtype_code, dtype_from_code};
use crate::{Error, Result, Shape, Tensor, Variable};
use smallvec::SmallVec;
use std::collections::HashMap;

pub(crate) const MAGIC: &[u8] = b"tf-rs saved model\n";
/// The version this build writes and the newest it reads.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// Subgraphs nest no deeper than this (a guard against crafted files, not a real limit).
const MAX_DEPTH: usize = 64;

const KIND_PLACEHOLDER: i64 = 1;
const KIND_CONST: i64 = 2;
const KIND_OP: i64 = 3;
const KIND_READ: i64 = 4;
const KIND_IF: i64 = 5;
const KIND_WHILE: i64 = 6;
const KIND_ASSIGN: i64 = 7;
const KIND_ASSIGN_ADD: i64 = 8;
const KIND_ASSIGN_SUB: i64 = 9;

/// A variable of the saved object.
pub(crate) struct SavedVariable {
    pub key: String,
    pub path: String,
    pub name: String,
    pub trainable: bool,
    pub spec: TensorSpec,
}

/// What `saved_model.tfrs` holds, with graphs referring to variables by index.
#[derive(Default)]
pub(crate) struct SavedProgram {
    pub variables: Vec<SavedVariable>,
    /// Each concrete function's argument specs and graph.
    pub concretes: Vec<(Vec<TensorSpec>, Graph)>,
    /// `(name, concrete indices)`.
    pub functions: Vec<(String, Vec<usize>)>,
    /// `(key, concrete index, input names, output names)`.
    pub signatures: Vec<(String, usize, Vec<String>, Vec<String>)>,
    pub assets: Vec<String>,
}

fn data_loss(m: impl Into<String>) -> Error {
    Error::DataLoss(m.into())
}

// ---------------------------------------------------------------- writing

/// Serializes `p` with `graphs` as its concrete functions (`p.concretes` is for reading); a
/// graph's variables are numbered by `var_index`, which returns `None` for a variable
/// `module` does not track.
pub(crate) fn encode(
    p: &SavedProgram,
    graphs: &[(&[TensorSpec], &Graph)],
    var_index: &dyn Fn(&Variable) -> Option<usize>,
    module: &str,
) -> Result<Vec<u8>> {
    let var_index = |v: &Variable, function: &str| {
        var_index(v).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "`{function}` uses the variable '{}', which `{module}` does not track: a SavedModel holds only the saved \
                 module's variables (make it a field of the module)",
                v.name()
            ))
        })
    };
    let mut m = Enc::default();
    m.bytes(1, concat!("tf-rs ", env!("CARGO_PKG_VERSION")).as_bytes());
    for v in &p.variables {
        m.message(2, |e| {
            e.bytes(1, v.key.as_bytes()).bytes(2, v.path.as_bytes()).bytes(3, v.name.as_bytes());
            e.varint(4, i64::from(v.trainable)).varint(5, dtype_code(v.spec.dtype));
            e.shape(6, v.spec.shape.dims());
        });
    }
    for (args, g) in graphs {
        let mut e = Enc::default();
        graph(&mut e, args, g, &var_index)?;
        m.bytes(3, &e.0);
    }
    for (name, idx) in &p.functions {
        m.message(4, |e| {
            e.bytes(1, name.as_bytes());
            for &i in idx {
                e.varint(2, i as i64);
            }
        });
    }
    for (key, c, ins, outs) in &p.signatures {
        m.message(5, |e| {
            e.bytes(1, key.as_bytes()).varint(2, *c as i64);
            for n in ins {
                e.bytes(3, n.as_bytes());
            }
            for n in outs {
                e.bytes(4, n.as_bytes());
            }
        });
    }
    for a in &p.assets {
        m.bytes(6, a.as_bytes());
    }
    let payload = m.0;
    let mut out = Vec::with_capacity(payload.len() + 34);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&masked_crc32c(&payload).to_le_bytes());
    Ok(out)
}

type VarIndex<'a> = dyn Fn(&Variable, &str) -> Result<usize> + 'a;

fn spec(e: &mut Enc, field: u32, s: &TensorSpec) {
    e.message(field, |m| {
        m.varint(1, dtype_code(s.dtype)).shape(2, s.shape.dims());
    });
}

fn refs(e: &mut Enc, field: u32, rs: &[(usize, usize)]) {
    for &(n, o) in rs {
        e.message(field, |m| {
            m.varint(1, n as i64).varint(2, o as i64);
        });
    }
}

fn graph(e: &mut Enc, args: &[TensorSpec], g: &Graph, var_index: &VarIndex<'_>) -> Result<()> {
    e.bytes(1, g.name.as_bytes());
    for a in args {
        spec(e, 2, a);
    }
    for n in &g.nodes {
        let mut m = Enc::default();
        node(&mut m, n, &g.name, var_index)?;
        e.bytes(3, &m.0);
    }
    refs(e, 4, &g.outputs);
    Ok(())
}

fn node(m: &mut Enc, n: &Node, function: &str, var_index: &VarIndex<'_>) -> Result<()> {
    let sub = |m: &mut Enc, field: u32, g: &Graph, args: &[TensorSpec]| -> Result<()> {
        let mut s = Enc::default();
        graph(&mut s, args, g, var_index)?;
        m.bytes(field, &s.0);
        Ok(())
    };
    let kind = match &n.kind {
        NodeKind::Placeholder { index } => {
            m.varint(6, *index as i64);
            KIND_PLACEHOLDER
        }
        NodeKind::Const(t) => {
            m.message(10, |e| {
                let mut bytes = Vec::with_capacity(t.shape().num_elements() * t.dtype().size());
                match t.buffer() {
                    // Each string as its length (a varint) and its bytes.
                    crate::Buffer::String(v) => v.iter().for_each(|s| {
                        crate::proto::put_varint(&mut bytes, s.len() as u64);
                        bytes.extend_from_slice(s.as_bytes());
                    }),
                    _ => encode_values(t, &mut bytes),
                }
                e.varint(1, dtype_code(t.dtype())).shape(2, t.shape().dims()).bytes(3, &bytes);
            });
            KIND_CONST
        }
        NodeKind::Op { op, attrs } => {
            if op.name == "WriteSummary" {
                return Err(Error::InvalidArgument(format!(
                    "`{function}` writes summaries (tf.summary inside the function): a SavedModel cannot carry a summary writer; \
                     save a function without them"
                )));
            }
            m.bytes(2, op.name.as_bytes());
            for (name, v) in attrs.iter() {
                m.message(3, |a| {
                    a.bytes(1, name.as_bytes());
                    match v {
                        AttrValue::Int(i) => a.varint(2, *i),
                        AttrValue::Float(x) => a.double(3, *x),
                        AttrValue::Bool(b) => a.varint(4, i64::from(*b)),
                        AttrValue::Ints(v) => {
                            let mut packed = Vec::new();
                            for &i in v {
                                crate::proto::put_varint(&mut packed, i as u64);
                            }
                            a.bytes(5, &packed)
                        }
                        AttrValue::Type(d) => a.varint(6, dtype_code(*d)),
                        AttrValue::Str(s) => a.bytes(7, s.as_bytes()),
                    };
                });
            }
            KIND_OP
        }
        NodeKind::ReadVariable(v) => {
            m.varint(6, var_index(v, function)? as i64);
            KIND_READ
        }
        NodeKind::AssignVariable { var, kind } => {
            m.varint(6, var_index(var, function)? as i64);
            match *kind {
                "AssignAddVariableOp" => KIND_ASSIGN_ADD,
                "AssignSubVariableOp" => KIND_ASSIGN_SUB,
                _ => KIND_ASSIGN,
            }
        }
        NodeKind::If { then_graph, else_graph } => {
            sub(m, 8, then_graph, &[])?;
            sub(m, 9, else_graph, &[])?;
            KIND_IF
        }
        NodeKind::While {
            cond_graph,
            body_graph,
            loop_vars,
            max_iterations,
        } => {
            m.varint(6, *loop_vars as i64);
            if let Some(k) = max_iterations {
                m.varint(7, *k as i64 + 1);
            }
            sub(m, 8, cond_graph, &[])?;
            sub(m, 9, body_graph, &[])?;
            KIND_WHILE
        }
        NodeKind::ForDataset { .. } => {
            return Err(Error::InvalidArgument(format!(
                "`{function}` iterates over a tf::data::Dataset: a SavedModel cannot carry a dataset (its elements come from Rust \
                 code); save a function that takes the elements as arguments"
            )))
        }
    };
    m.varint(1, kind);
    refs(m, 4, &n.inputs);
    for s in &n.outputs {
        spec(m, 5, s);
    }
    Ok(())
}

// ---------------------------------------------------------------- reading

/// Parses and checks `bytes` (the whole file); `file` names it in errors. `make_vars` creates
/// the variables the graphs read, from their stored descriptions (before any graph is read).
pub(crate) fn decode(
    bytes: &[u8],
    file: &str,
    make_vars: &mut dyn FnMut(&[SavedVariable]) -> Result<Vec<Variable>>,
) -> Result<(SavedProgram, Vec<Variable>)> {
    let bad = |what: &str| data_loss(format!("{file}: {what}"));
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad("not a tf SavedModel program (wrong magic bytes)"));
    }
    let rest = &bytes[MAGIC.len()..];
    if rest.len() < 12 {
        return Err(bad("truncated header"));
    }
    let version = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        return Err(Error::Unimplemented(format!(
            "{file}: written in SavedModel format version {version}, but this build of tf reads versions up to {FORMAT_VERSION}; \
             load it with a newer tf"
        )));
    }
    if version == 0 {
        return Err(bad("format version 0 does not exist"));
    }
    let len = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes"));
    let body = &rest[12..];
    let len = usize::try_from(len).ok().filter(|&l| l.checked_add(4) == Some(body.len()));
    let len = len.ok_or_else(|| bad("truncated or overlong: the payload length does not match the file size"))?;
    let (payload, crc) = body.split_at(len);
    if masked_crc32c(payload) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
        return Err(bad("checksum mismatch (the file is corrupted)"));
    }
    program(payload, make_vars).map_err(|e| match e {
        Error::DataLoss(m) => bad(&m),
        other => other,
    })
}

fn usize_of(v: Value<'_>, what: &str) -> Result<usize> {
    let i = v.int(what)?;
    usize::try_from(i).map_err(|_| data_loss(format!("{what} {i} is negative")))
}

fn dtype_of(v: Value<'_>, what: &str) -> Result<crate::DType> {
    let c = v.int(what)?;
    dtype_from_code(c).ok_or_else(|| data_loss(format!("{what}: unknown dtype code {c}")))
}

fn program(b: &[u8], make_vars: &mut dyn FnMut(&[SavedVariable]) -> Result<Vec<Variable>>) -> Result<(SavedProgram, Vec<Variable>)> {
    let mut p = SavedProgram::default();
    let mut raw_graphs = Vec::new();
    for f in fields(b) {
        match f? {
            (2, v) => p.variables.push(variable(v.bytes("variable")?)?),
            (3, v) => raw_graphs.push(v.bytes("function graph")?),
            (4, v) => {
                let (mut name, mut idx) = (String::new(), Vec::new());
                for f in fields(v.bytes("function")?) {
                    match f? {
                        (1, v) => name = v.string("function name")?,
                        (2, v) => idx.push(usize_of(v, "concrete function index")?),
                        _ => {}
                    }
                }
                p.functions.push((name, idx));
            }
            (5, v) => {
                let mut s = (String::new(), usize::MAX, Vec::new(), Vec::new());
                for f in fields(v.bytes("signature")?) {
                    match f? {
                        (1, v) => s.0 = v.string("signature key")?,
                        (2, v) => s.1 = usize_of(v, "signature function")?,
                        (3, v) => s.2.push(v.string("input name")?),
                        (4, v) => s.3.push(v.string("output name")?),
                        _ => {}
                    }
                }
                p.signatures.push(s);
            }
            (6, v) => p.assets.push(v.string("asset")?),
            _ => {}
        }
    }
    let vars = make_vars(&p.variables)?;
    if vars.len() != p.variables.len()
        || vars
            .iter()
            .zip(&p.variables)
            .any(|(v, s)| v.dtype() != s.spec.dtype || v.shape() != s.spec.shape)
    {
        return Err(Error::InvalidArgument("the loaded variables differ from their descriptions".into()));
    }
    for raw in raw_graphs {
        p.concretes.push(read_graph(raw, None, &vars, 0)?);
    }
    let n = p.concretes.len();
    for (name, idx) in &p.functions {
        if let Some(i) = idx.iter().find(|&&i| i >= n) {
            return Err(data_loss(format!("function `{name}` names concrete function {i} of {n}")));
        }
    }
    for (key, c, ins, outs) in &p.signatures {
        let (args, g) = p
            .concretes
            .get(*c)
            .ok_or_else(|| data_loss(format!("signature `{key}` names concrete function {c} of {n}")))?;
        if ins.len() != args.len() || outs.len() != g.outputs.len() {
            return Err(data_loss(format!(
                "signature `{key}` names {} inputs and {} outputs for a function of {} and {}",
                ins.len(),
                outs.len(),
                args.len(),
                g.outputs.len()
            )));
        }
    }
    for a in &p.assets {
        if a.is_empty() || a.contains(['/', '\\']) || a == "." || a == ".." {
            return Err(data_loss(format!("asset name {a:?} is not a plain file name")));
        }
    }
    Ok((p, vars))
}

fn variable(b: &[u8]) -> Result<SavedVariable> {
    let mut v = SavedVariable {
        key: String::new(),
        path: String::new(),
        name: String::new(),
        trainable: false,
        spec: unset_spec(),
    };
    for f in fields(b) {
        match f? {
            (1, x) => v.key = x.string("variable key")?,
            (2, x) => v.path = x.string("variable path")?,
            (3, x) => v.name = x.string("variable name")?,
            (4, x) => v.trainable = x.int("trainable")? != 0,
            (5, x) => v.spec.dtype = dtype_of(x, "variable dtype")?,
            (6, x) => v.spec.shape = sized_shape(read_shape(x.bytes("variable shape")?)?)?,
            _ => {}
        }
    }
    Ok(v)
}

/// A stored shape whose element count (over its known dimensions) fits an `i64` (what every
/// kernel assumes).
fn sized_shape(dims: Vec<usize>) -> Result<Shape> {
    let n = dims
        .iter()
        .filter(|&&d| d != Shape::UNKNOWN)
        .try_fold(1usize, |a, &d| a.checked_mul(d));
    match n {
        Some(n) if i64::try_from(n).is_ok() => Ok(Shape::new(&dims)),
        _ => Err(data_loss(format!("shape {dims:?} has more elements than fit in an int64"))),
    }
}

fn unset_spec() -> TensorSpec {
    TensorSpec {
        dtype: crate::DType::F32,
        shape: Shape::scalar(),
    }
}

fn read_spec(b: &[u8]) -> Result<TensorSpec> {
    let mut s = unset_spec();
    for f in fields(b) {
        match f? {
            (1, x) => s.dtype = dtype_of(x, "spec dtype")?,
            (2, x) => s.shape = sized_shape(read_partial_shape(x.bytes("spec shape")?)?)?,
            _ => {}
        }
    }
    Ok(s)
}

fn read_ref(b: &[u8]) -> Result<(usize, usize)> {
    let mut r = (0, 0);
    for f in fields(b) {
        match f? {
            (1, x) => r.0 = usize_of(x, "input node")?,
            (2, x) => r.1 = usize_of(x, "input output")?,
            _ => {}
        }
    }
    Ok(r)
}

/// Op names and attribute names and strings live as long as the program: each distinct one is
/// kept once.
fn intern(s: &str) -> Result<&'static str> {
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<&'static str>>> = std::sync::Mutex::new(None);
    if s.is_empty() || s.len() > 64 || !s.bytes().all(|c| c.is_ascii_graphic()) {
        return Err(data_loss(format!("attribute name or value {s:?} is not a short ASCII word")));
    }
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    let set = seen.get_or_insert_with(Default::default);
    if let Some(&k) = set.get(s) {
        return Ok(k);
    }
    let k: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(k);
    Ok(k)
}

fn registry() -> &'static HashMap<&'static str, &'static OpDef> {
    static OPS: std::sync::OnceLock<HashMap<&'static str, &'static OpDef>> = std::sync::OnceLock::new();
    OPS.get_or_init(|| crate::ops::all_ops().into_iter().map(|o| (o.name, o)).collect())
}

fn read_attr(b: &[u8]) -> Result<(&'static str, AttrValue)> {
    let mut name = None;
    let mut value = None;
    for f in fields(b) {
        let (k, x) = f?;
        let v = match k {
            1 => {
                name = Some(intern(
                    std::str::from_utf8(x.bytes("attr name")?).map_err(|_| data_loss("attr name is not UTF-8"))?,
                )?);
                continue;
            }
            2 => AttrValue::Int(x.int("int attr")?),
            3 => AttrValue::Float(x.double("float attr")?),
            4 => AttrValue::Bool(x.int("bool attr")? != 0),
            5 => {
                let packed = x.bytes("ints attr")?;
                let (mut pos, mut v) = (0, Vec::new());
                while pos < packed.len() {
                    v.push(get_varint(packed, &mut pos)? as i64);
                }
                AttrValue::Ints(v)
            }
            6 => AttrValue::Type(dtype_of(x, "dtype attr")?),
            7 => AttrValue::Str(intern(
                std::str::from_utf8(x.bytes("str attr")?).map_err(|_| data_loss("str attr is not UTF-8"))?,
            )?),
            _ => continue,
        };
        value = Some(v);
    }
    match (name, value) {
        (Some(n), Some(v)) => Ok((n, v)),
        _ => Err(data_loss("an attribute lacks its name or value")),
    }
}

fn read_tensor(b: &[u8]) -> Result<Tensor> {
    let (mut dtype, mut dims, mut data) = (None, Vec::new(), &[][..]);
    for f in fields(b) {
        match f? {
            (1, x) => dtype = Some(dtype_of(x, "constant dtype")?),
            (2, x) => dims = read_shape(x.bytes("constant shape")?)?,
            (3, x) => data = x.bytes("constant values")?,
            _ => {}
        }
    }
    let dtype = dtype.ok_or_else(|| data_loss("a constant lacks its dtype"))?;
    let n = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if dtype == crate::DType::String {
        let damaged = || data_loss(format!("a string constant of shape {dims:?} is damaged"));
        let (mut pos, mut v) = (0, Vec::new());
        while pos < data.len() {
            let len = crate::proto::get_varint(data, &mut pos).map_err(|_| damaged())? as usize;
            let s = data.get(pos..pos.saturating_add(len)).ok_or_else(damaged)?;
            v.push(String::from_utf8(s.to_vec()).map_err(|_| damaged())?);
            pos += len;
        }
        return Tensor::from_buffer(crate::Buffer::String(v), dims).map_err(|e| data_loss(e.to_string()));
    }
    if n.and_then(|n| n.checked_mul(dtype.size())) != Some(data.len()) {
        return Err(data_loss(format!(
            "a {dtype} constant of shape {dims:?} holds {} bytes of values",
            data.len()
        )));
    }
    Tensor::from_buffer(decode_values(data, dtype, false), dims).map_err(|e| data_loss(e.to_string()))
}

/// A symbolic tensor of `spec`, for running shape inference on a loaded node.
fn symbol(spec: &TensorSpec) -> Tensor {
    Tensor::symbolic(
        crate::tensor::Symbol {
            graph: 0,
            node: 0,
            output: 0,
            function: "saved_model".into(),
            op: "Placeholder",
        },
        spec.dtype,
        spec.shape.clone(),
    )
}

/// Parses one graph and checks it: `args` is given for a subgraph (its node's inputs) and read
/// from the file for a concrete function.
fn read_graph(b: &[u8], args: Option<&[TensorSpec]>, vars: &[Variable], depth: usize) -> Result<(Vec<TensorSpec>, Graph)> {
    if depth > MAX_DEPTH {
        return Err(data_loss("subgraphs nest too deeply"));
    }
    let mut g = Graph::default();
    let mut stored_args = Vec::new();
    let mut raw_nodes = Vec::new();
    for f in fields(b) {
        match f? {
            (1, x) => g.name = x.string("graph name")?,
            (2, x) => stored_args.push(read_spec(x.bytes("argument spec")?)?),
            (3, x) => raw_nodes.push(x.bytes("node")?),
            (4, x) => g.outputs.push(read_ref(x.bytes("output")?)?),
            _ => {}
        }
    }
    let args: Vec<TensorSpec> = args.map_or(stored_args, <[TensorSpec]>::to_vec);
    let here = std::panic::Location::caller();
    for (i, raw) in raw_nodes.into_iter().enumerate() {
        let n = read_node(raw, &g, &args, vars, depth).map_err(|e| match e {
            Error::DataLoss(m) => data_loss(format!("graph `{}`, node {i}: {m}", g.name)),
            other => other,
        })?;
        g.nodes.push(Node { location: here, ..n });
    }
    g.verify().map_err(|m| data_loss(format!("graph `{}`: {m}", g.name)))?;
    Ok((args, g))
}

fn read_node(b: &[u8], g: &Graph, args: &[TensorSpec], vars: &[Variable], depth: usize) -> Result<Node> {
    let (mut kind, mut op, mut attrs) = (0, None, Attrs::new());
    let (mut inputs, mut outputs) = (SmallVec::<[(usize, usize); 2]>::new(), Specs::new());
    let (mut index, mut max_iter, mut subs, mut value) = (0usize, None, Vec::new(), None);
    for f in fields(b) {
        match f? {
            (1, x) => kind = x.int("node kind")?,
            (2, x) => {
                let name = x.string("op name")?;
                op = Some(*registry().get(name.as_str()).ok_or_else(|| {
                    Error::Unimplemented(format!(
                        "op `{name}` is not in this build of tf (the SavedModel was written by a newer or different tf)"
                    ))
                })?);
            }
            (3, x) => {
                let (k, v) = read_attr(x.bytes("attr")?)?;
                attrs = attrs.with(k, v);
            }
            (4, x) => inputs.push(read_ref(x.bytes("input")?)?),
            (5, x) => outputs.push(read_spec(x.bytes("output spec")?)?),
            (6, x) => index = usize_of(x, "index")?,
            (7, x) => {
                max_iter = Some(
                    usize_of(x, "maximum iterations")?
                        .checked_sub(1)
                        .ok_or_else(|| data_loss("bad maximum"))?,
                )
            }
            (8 | 9, x) => subs.push(x.bytes("subgraph")?),
            (10, x) => value = Some(read_tensor(x.bytes("constant")?)?),
            _ => {}
        }
    }
    // Input specs, from earlier nodes only.
    let mut in_specs = Vec::with_capacity(inputs.len());
    for &(n, o) in &inputs {
        let s = g
            .nodes
            .get(n)
            .and_then(|node| node.outputs.get(o))
            .ok_or_else(|| data_loss(format!("input %{n}:{o} does not precede the node")))?;
        in_specs.push(s.clone());
    }
    let expect = |want: &[TensorSpec], what: &str| -> Result<()> {
        if outputs.as_slice() != want {
            return Err(data_loss(format!(
                "{what}: stored outputs {outputs:?} differ from the inferred {want:?}"
            )));
        }
        Ok(())
    };
    let no_inputs = |what: &str| -> Result<()> {
        if inputs.is_empty() {
            Ok(())
        } else {
            Err(data_loss(format!("a {what} node has inputs")))
        }
    };
    let node_kind = match kind {
        KIND_PLACEHOLDER => {
            no_inputs("Placeholder")?;
            let s = args
                .get(index)
                .ok_or_else(|| data_loss(format!("placeholder {index} of {} arguments", args.len())))?;
            expect(std::slice::from_ref(s), "Placeholder")?;
            NodeKind::Placeholder { index }
        }
        KIND_CONST => {
            no_inputs("Const")?;
            let t = value.ok_or_else(|| data_loss("a Const node lacks its value"))?;
            expect(&[TensorSpec::of(&t)], "Const")?;
            NodeKind::Const(t)
        }
        KIND_OP => {
            let op = op.ok_or_else(|| data_loss("an op node lacks its op name"))?;
            let op = crate::ops::strings::for_string_specs(op, in_specs.iter().map(|s| s.dtype));
            let symbols: Vec<Tensor> = in_specs.iter().map(symbol).collect();
            let refs: Vec<&Tensor> = symbols.iter().collect();
            let inferred = (op.infer)(&refs, &attrs).map_err(|m| data_loss(format!("{}: {m}", op.name)))?;
            expect(&inferred, op.name)?;
            NodeKind::Op { op, attrs }
        }
        KIND_READ => {
            no_inputs("ReadVariableOp")?;
            let v = vars
                .get(index)
                .ok_or_else(|| data_loss(format!("variable {index} of {}", vars.len())))?;
            expect(&[var_spec(v)], "ReadVariableOp")?;
            NodeKind::ReadVariable(v.clone())
        }
        KIND_ASSIGN | KIND_ASSIGN_ADD | KIND_ASSIGN_SUB => {
            let v = vars
                .get(index)
                .ok_or_else(|| data_loss(format!("variable {index} of {}", vars.len())))?;
            if in_specs.as_slice() != [var_spec(v)] {
                return Err(data_loss(format!("assigns {in_specs:?} to a variable of {:?}", var_spec(v))));
            }
            expect(&[], "AssignVariableOp")?;
            let kind = match kind {
                KIND_ASSIGN_ADD => "AssignAddVariableOp",
                KIND_ASSIGN_SUB => "AssignSubVariableOp",
                _ => "AssignVariableOp",
            };
            NodeKind::AssignVariable { var: v.clone(), kind }
        }
        KIND_IF => {
            let [t, e] = subs[..] else {
                return Err(data_loss("an If node needs two branches"));
            };
            match in_specs.first() {
                Some(p) if p.dtype == crate::DType::Bool && p.shape.rank() == 0 => {}
                _ => return Err(data_loss("an If node's predicate is not a scalar bool")),
            }
            let caps = &in_specs[1..];
            let (_, then_graph) = read_graph(t, Some(caps), vars, depth + 1)?;
            let (_, else_graph) = read_graph(e, Some(caps), vars, depth + 1)?;
            let (ts, es) = (out_specs(&then_graph), out_specs(&else_graph));
            if ts != es {
                return Err(data_loss("an If node's branches return different specs"));
            }
            expect(&ts, "If")?;
            NodeKind::If {
                then_graph: Box::new(then_graph),
                else_graph: Box::new(else_graph),
            }
        }
        KIND_WHILE => {
            let [c, body] = subs[..] else {
                return Err(data_loss("a While node needs a condition and a body"));
            };
            let loop_vars = index;
            if loop_vars > in_specs.len() {
                return Err(data_loss("a While node has more loop variables than inputs"));
            }
            let (_, cond_graph) = read_graph(c, Some(&in_specs), vars, depth + 1)?;
            let (_, body_graph) = read_graph(body, Some(&in_specs), vars, depth + 1)?;
            let cs = out_specs(&cond_graph);
            if cs.len() != 1 || cs[0].dtype != crate::DType::Bool || cs[0].shape.rank() != 0 {
                return Err(data_loss("a While node's condition does not return one scalar bool"));
            }
            if out_specs(&body_graph) != in_specs[..loop_vars] {
                return Err(data_loss("a While node's body does not return its loop variables' specs"));
            }
            expect(&in_specs[..loop_vars], "While")?;
            NodeKind::While {
                cond_graph: Box::new(cond_graph),
                body_graph: Box::new(body_graph),
                loop_vars,
                max_iterations: max_iter,
            }
        }
        k => return Err(data_loss(format!("unknown node kind {k}"))),
    };
    Ok(Node {
        kind: node_kind,
        inputs,
        outputs,
        location: std::panic::Location::caller(),
    })
}

fn out_specs(g: &Graph) -> Vec<TensorSpec> {
    g.outputs.iter().map(|&(n, o)| g.nodes[n].outputs[o].clone()).collect()
}

fn var_spec(v: &Variable) -> TensorSpec {
    TensorSpec {
        dtype: v.dtype(),
        shape: v.shape(),
    }
}
