//! Common-subexpression elimination: a stateless op applied again to the same inputs with
//! the same attributes reuses the first result.

use super::super::{Graph, NodeKind};
use super::{keep, rebuild};
use std::collections::HashMap;

/// (op name, remapped inputs) of a node already emitted.
type Key = (&'static str, Vec<(usize, usize)>);

pub(crate) fn run(g: &Graph) -> Graph {
    // Key -> candidate nodes in the new graph; attributes are compared exactly on a hit.
    let mut seen: HashMap<Key, Vec<usize>> = HashMap::new();
    rebuild(g, |_, n, ins, out| {
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
