//! Common-subexpression elimination: a stateless op applied again to the same inputs with
//! the same attributes reuses the first result. Small constants with the same dtype, shape
//! and bits are one constant first, so ops on equal constants merge too (an optimizer's
//! `β^t` for every variable is computed once per step).

use super::super::{Graph, NodeKind};
use super::{keep, rebuild};
use std::collections::HashMap;

/// (op name, remapped inputs) of a node already emitted.
type Key = (&'static str, Vec<(usize, usize)>);

/// Constants up to this many elements are compared for merging.
const SMALL: usize = 16;

/// The same dtype, shape and bit patterns (so `-0.0` and `0.0` stay apart, and NaNs merge).
fn same_bits(a: &crate::Tensor, b: &crate::Tensor) -> bool {
    use crate::Buffer as B;
    a.shape() == b.shape()
        && match (a.buffer(), b.buffer()) {
            (B::F32(x), B::F32(y)) => x.iter().map(|v| v.to_bits()).eq(y.iter().map(|v| v.to_bits())),
            (B::F64(x), B::F64(y)) => x.iter().map(|v| v.to_bits()).eq(y.iter().map(|v| v.to_bits())),
            (x, y) => x == y,
        }
}

pub(crate) fn run(g: &Graph) -> Graph {
    // Key -> candidate nodes in the new graph; attributes are compared exactly on a hit.
    let mut seen: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut consts: Vec<usize> = Vec::new();
    rebuild(g, |_, n, ins, out| {
        if let NodeKind::Const(t) = &n.kind {
            if t.num_elements() <= SMALL && !t.is_symbolic() {
                let same = consts
                    .iter()
                    .copied()
                    .find(|&m| matches!(&out.nodes[m].kind, NodeKind::Const(c) if same_bits(c, t)));
                if let Some(m) = same {
                    return vec![(m, 0)];
                }
                let r = keep(n, ins, out);
                consts.push(r[0].0);
                return r;
            }
        }
        if let NodeKind::Op { op, attrs } = &n.kind {
            if !op.stateful {
                let key = (op.name, ins.to_vec());
                let same = seen.get(&key).and_then(|c| {
                    c.iter()
                        .copied()
                        .find(|&m| matches!(&out.nodes[m].kind, NodeKind::Op { attrs: a, .. } if a == attrs))
                });
                if let Some(m) = same {
                    return (0..n.outputs.len()).map(|o| (m, o)).collect();
                }
                let r = keep(n, ins, out);
                seen.entry(key)
                    .or_default()
                    .push(r.first().map_or(out.nodes.len() - 1, |&(m, _)| m));
                return r;
            }
        }
        keep(n, ins, out)
    })
}
