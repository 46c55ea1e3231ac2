//! A traced graph as a `GraphDef` for TensorBoard's graph view: one `NodeDef` per node with
//! TensorFlow's op name, unique node names (`MatMul`, `MatMul_1`), inputs as `name[:k]`, the
//! op's attributes and `_output_shapes`. The branch and body graphs of `If`/`While` nodes are
//! laid out under the node's name scope (`while/body/MatMul`).

use crate::graph::{Graph, NodeKind};
use crate::ops::AttrValue;
use crate::proto::Enc;
use crate::train::bundle::dtype_code;
use std::collections::HashMap;

/// The serialized `GraphDef` of `graph`.
pub(crate) fn graph_def(graph: &Graph) -> Vec<u8> {
    let mut w = Writer::default();
    w.graph(graph, "");
    let mut g = Enc(Vec::new());
    for n in &w.nodes {
        g.bytes(1, n);
    }
    g.message(4, |v| {
        v.varint(1, 1); // versions.producer
    });
    g.0
}

#[derive(Default)]
struct Writer {
    nodes: Vec<Vec<u8>>,
    used: HashMap<String, usize>,
}

enum Attr<'a> {
    Ours(&'a AttrValue),
    Dtype(i64),
    Shapes(Vec<&'a [usize]>),
}

impl Writer {
    /// A fresh name: `base`, then `base_1`, `base_2`, ...
    fn unique(&mut self, base: String) -> String {
        let n = self.used.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base}_{}", *n - 1)
        }
    }

    /// Writes `graph`'s nodes under `scope`; returns their names.
    fn graph(&mut self, graph: &Graph, scope: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(graph.nodes.len());
        for node in &graph.nodes {
            let base = match &node.kind {
                NodeKind::Placeholder { index } => format!("args_{index}"),
                _ => node.op_name().to_string(),
            };
            let name = self.unique(format!("{scope}{base}"));
            let inputs: Vec<String> = node
                .inputs
                .iter()
                .map(|&(n, o)| if o == 0 { names[n].clone() } else { format!("{}:{o}", names[n]) })
                .collect();
            let mut attrs: Vec<(String, Attr)> = Vec::new();
            match &node.kind {
                NodeKind::Op { attrs: a, .. } => attrs.extend(a.iter().map(|(k, v)| (k.to_string(), Attr::Ours(v)))),
                // Placeholders and constants carry `dtype`, TensorFlow's attribute for them.
                NodeKind::Const(_) | NodeKind::Placeholder { .. } if node.outputs.len() == 1 => {
                    attrs.push(("dtype".into(), Attr::Dtype(dtype_code(node.outputs[0].dtype))));
                }
                _ => {}
            }
            if let Some(first) = node.outputs.first() {
                attrs.push(("T".into(), Attr::Dtype(dtype_code(first.dtype))));
            }
            attrs.push((
                "_output_shapes".into(),
                Attr::Shapes(node.outputs.iter().map(|s| s.shape.dims()).collect()),
            ));
            attrs.sort_by(|a, b| a.0.cmp(&b.0));
            attrs.dedup_by(|a, b| a.0 == b.0);
            self.nodes.push(node_def(&name, node.op_name(), &inputs, &attrs));
            for (role, sub) in node.subgraphs() {
                self.graph(sub, &format!("{name}/{role}/"));
            }
            names.push(name);
        }
        names
    }
}

fn node_def(name: &str, op: &str, inputs: &[String], attrs: &[(String, Attr)]) -> Vec<u8> {
    let mut n = Enc(Vec::new());
    n.bytes(1, name.as_bytes()).bytes(2, op.as_bytes());
    for i in inputs {
        n.bytes(3, i.as_bytes());
    }
    for (key, value) in attrs {
        n.message(5, |entry| {
            entry.bytes(1, key.as_bytes());
            entry.message(2, |v| attr_value(v, value));
        });
    }
    n.0
}

/// An `AttrValue`: `s`=2, `i`=3, `f`=4, `b`=5, `type`=6, `shape`=7, `list`=1.
fn attr_value(v: &mut Enc, a: &Attr) {
    match a {
        Attr::Dtype(c) => {
            v.varint(6, *c);
        }
        Attr::Shapes(shapes) => {
            v.message(1, |l| {
                for dims in shapes {
                    l.shape(7, dims);
                }
            });
        }
        Attr::Ours(AttrValue::Int(i)) => {
            v.varint(3, *i);
        }
        Attr::Ours(AttrValue::Float(f)) => {
            v.float(4, *f as f32);
        }
        Attr::Ours(AttrValue::Bool(b)) => {
            v.varint(5, i64::from(*b));
        }
        Attr::Ours(AttrValue::Type(d)) => {
            v.varint(6, dtype_code(*d));
        }
        Attr::Ours(AttrValue::Str(s)) => {
            v.bytes(2, s.as_bytes());
        }
        Attr::Ours(AttrValue::Ints(is)) => {
            v.message(1, |l| {
                for i in is.iter() {
                    l.varint(3, *i);
                }
            });
        }
    }
}
