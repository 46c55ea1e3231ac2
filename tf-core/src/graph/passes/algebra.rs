//! Algebraic simplification: identities that remove a node when its result is exactly one
//! of its inputs — `x + 0`, `0 + x`, `x - 0`, `x * 1`, `1 * x`, `x / 1`, `-(-x)`, a reshape to
//! the same shape, a transpose by the identity permutation, a cast to the same dtype.
//! Only when the result's dtype and shape equal that input's (so broadcasting is kept).

use super::super::{Graph, NodeKind};
use super::{keep, rebuild};
use crate::dispatch;

/// True when node `m` of `g` is a constant whose every element equals `v`.
fn is_splat(g: &Graph, (m, o): (usize, usize), v: f64) -> bool {
    match &g.nodes[m].kind {
        NodeKind::Const(t) if o == 0 && t.dtype() != crate::DType::String => {
            dispatch!(t.dtype(), [F32, F64, I32, I64, U8, Bool], T => t.data::<T>().iter().all(|x| crate::Element::to_f64(*x) == v))
        }
        _ => false,
    }
}

pub(crate) fn run(g: &Graph) -> Graph {
    rebuild(g, |_, n, ins, out| {
        if let NodeKind::Op { op, attrs } = &n.kind {
            let same = |r: (usize, usize)| out.nodes[r.0].outputs.get(r.1) == n.outputs.first();
            let forward: Option<(usize, usize)> = match (op.name, ins) {
                ("AddV2", &[a, b]) if is_splat(out, b, 0.0) && same(a) => Some(a),
                ("AddV2", &[a, b]) if is_splat(out, a, 0.0) && same(b) => Some(b),
                ("Sub", &[a, b]) if is_splat(out, b, 0.0) && same(a) => Some(a),
                ("Mul", &[a, b]) if is_splat(out, b, 1.0) && same(a) => Some(a),
                ("Mul", &[a, b]) if is_splat(out, a, 1.0) && same(b) => Some(b),
                ("RealDiv", &[a, b]) if is_splat(out, b, 1.0) && same(a) => Some(a),
                ("Reshape" | "Cast", &[a]) if same(a) => Some(a),
                ("Transpose", &[a])
                    if same(a)
                        && attrs
                            .get_ints("perm")
                            .is_ok_and(|p| p.iter().enumerate().all(|(i, &q)| q == i as i64)) =>
                {
                    Some(a)
                }
                ("Neg", &[a]) => match &out.nodes[a.0].kind {
                    NodeKind::Op { op: inner, .. } if inner.name == "Neg" => Some(out.nodes[a.0].inputs[0]),
                    _ => None,
                },
                _ => None,
            };
            if let Some(r) = forward {
                return vec![r];
            }
        }
        keep(n, ins, out)
    })
}
