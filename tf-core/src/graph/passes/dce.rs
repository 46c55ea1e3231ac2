//! Dead-code elimination: drops nodes whose outputs nothing needs, keeping stateful nodes
//! (variable writes, prints, random ops) and placeholders.

use super::super::{Graph, NodeKind};
use super::{keep, rebuild};

pub(crate) fn run(g: &Graph) -> Graph {
    let mut live = vec![false; g.nodes.len()];
    for &(n, _) in &g.outputs {
        live[n] = true;
    }
    for (i, n) in g.nodes.iter().enumerate() {
        if n.is_stateful() || matches!(n.kind, NodeKind::Placeholder { .. }) {
            live[i] = true;
        }
    }
    for i in (0..g.nodes.len()).rev() {
        if live[i] {
            for &(a, _) in &g.nodes[i].inputs {
                live[a] = true;
            }
        }
    }
    rebuild(g, |i, n, ins, out| if live[i] { keep(n, ins, out) } else { Vec::new() })
}
