//! Elementwise fusion: a chain (or tree) of float elementwise ops becomes one
//! `FusedElementwise` node, which runs the chain block by block instead of one pass over
//! memory per op. An op joins its user's group when it is fusable, has the group's shape, and
//! every other use of it comes after the group's root (the last op): such a value becomes an
//! extra output of the fused node (multi-output fusion — an optimizer's new `m`, `v` and
//! weights in one pass). A use between a member and the root keeps the member out, which is
//! also what rules out cycles: nothing outside the group both reads a member and feeds it.

use super::super::{Graph, Node, NodeKind};
use super::keep;
use crate::ops::fused::{self, FUSED_ELEMENTWISE};
use crate::ops::{Attrs, TensorSpec};

/// The opcode of a node a fused program can run: a registry op of [`fused::FUSABLE`] on floats
/// of a fully defined shape whose inputs have that shape or are scalars (no other
/// broadcasting).
fn fusable(g: &Graph, n: &Node) -> Option<i64> {
    let NodeKind::Op { op, attrs } = &n.kind else { return None };
    let code = fused::opcode(op)?;
    let out: &TensorSpec = n.outputs.first()?;
    let fits = |&(m, o): &(usize, usize)| {
        let s = &g.nodes[m].outputs[o];
        s.dtype == out.dtype && (s.shape == out.shape || s.shape.rank() == 0)
    };
    (attrs.iter().next().is_none()
        && crate::ops::FLOATS.contains(&out.dtype)
        && out.shape.rank() > 0
        && out.shape.is_fully_defined()
        && n.inputs.iter().all(fits))
    .then_some(code as i64)
}

pub(crate) fn run(g: &Graph) -> Graph {
    let users = super::readers(g);
    let codes: Vec<Option<i64>> = g.nodes.iter().map(|n| fusable(g, n)).collect();
    // Roots from the last node back: each takes in its single-use fusable producers.
    let mut root_of: Vec<Option<usize>> = vec![None; g.nodes.len()];
    // A root's members in node order (the root last); empty for other nodes.
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); g.nodes.len()];
    for r in (0..g.nodes.len()).rev() {
        if codes[r].is_none() || root_of[r].is_some() {
            continue;
        }
        let shape = &g.nodes[r].outputs[0].shape;
        let mut members = vec![r];
        // Until no producer joins: one may qualify only once another of its readers has.
        loop {
            let before = members.len();
            let mut k = 0;
            while k < members.len() {
                for &(m, o) in &g.nodes[members[k]].inputs {
                    let joins = o == 0
                        && codes[m].is_some()
                        && root_of[m].is_none()
                        && !members.contains(&m)
                        && &g.nodes[m].outputs[0].shape == shape
                        && users[m].iter().all(|&u| u > r || members.contains(&u));
                    if joins {
                        members.push(m);
                    }
                }
                k += 1;
            }
            if members.len() == before {
                break;
            }
        }
        if members.len() >= 2 {
            for &m in &members {
                root_of[m] = Some(r);
            }
            members.sort_unstable();
            groups[r] = members;
        }
    }
    let mut remap: Vec<Vec<(usize, usize)>> = Vec::with_capacity(g.nodes.len());
    let mut out = Graph {
        name: g.name.clone(),
        ..Default::default()
    };
    let mut late: Vec<Option<(usize, usize)>> = vec![None; g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        let r = match root_of[i] {
            // A member is emitted with its root (every member precedes it); one read after
            // the group becomes an output of the fused node (`late`, filled in at the root).
            Some(root) if root != i => {
                remap.push(Vec::new());
                continue;
            }
            Some(root) => root,
            None => {
                let ins: Vec<(usize, usize)> = n.inputs.iter().map(|&(a, o)| late[a].unwrap_or_else(|| remap[a][o])).collect();
                let r = keep(n, &ins, &mut out);
                remap.push(r);
                continue;
            }
        };
        let members = &groups[r];
        // Registers: the group's outside inputs first, then one per member in node order.
        let mut externals: Vec<(usize, usize)> = Vec::new();
        for &m in members {
            for &inp in &g.nodes[m].inputs {
                if !members.contains(&inp.0) && !externals.contains(&inp) {
                    externals.push(inp);
                }
            }
        }
        let reg = |inp: (usize, usize)| -> i64 {
            match members.iter().position(|&m| m == inp.0) {
                Some(k) => (externals.len() + k) as i64,
                None => externals.iter().position(|&e| e == inp).expect("an outside input") as i64,
            }
        };
        let mut program = Vec::with_capacity(3 * members.len());
        for &m in members {
            let ins = &g.nodes[m].inputs;
            program.push(codes[m].expect("members are fusable"));
            program.push(reg(ins[0]));
            program.push(ins.get(1).map_or(-1, |&b| reg(b)));
        }
        // The root's value first, then every member read after the group, in node order.
        let extra: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&m| m != r && users[m].iter().any(|u| !members.contains(u)))
            .collect();
        let mut attrs = Attrs::new().ints("program", program);
        if !extra.is_empty() {
            let regs: Vec<i64> = std::iter::once(r).chain(extra.iter().copied()).map(|m| reg((m, 0))).collect();
            attrs = attrs.ints("outputs", regs);
        }
        let mut outputs = n.outputs.clone();
        outputs.extend(extra.iter().map(|&m| g.nodes[m].outputs[0].clone()));
        out.nodes.push(Node {
            kind: NodeKind::Op {
                op: &FUSED_ELEMENTWISE,
                attrs,
            },
            inputs: externals.iter().map(|&(a, o)| late[a].unwrap_or_else(|| remap[a][o])).collect(),
            outputs,
            location: n.location,
        });
        let fused = out.nodes.len() - 1;
        for (j, &m) in extra.iter().enumerate() {
            late[m] = Some((fused, j + 1));
        }
        remap.push(vec![(fused, 0)]);
    }
    out.outputs = g.outputs.iter().map(|&(a, o)| late[a].unwrap_or_else(|| remap[a][o])).collect();
    out
}
