//! Independent nodes in parallel: pairs each expensive pure op with a later one that does not
//! depend on anything between them, so the executor runs the two at once on the kernel pool
//! (each kernel's own parallel loop then runs on its thread). Only graphs whose shapes are
//! all known are paired (the cost estimate reads them).

use super::super::{Graph, NodeKind};

/// Work below which a node is not worth sharing out: waking a core costs about a
/// microsecond, a few tens of thousands of multiply-adds or elements.
const MIN_COST: usize = 1 << 15;
/// Work above which a node keeps both cores busy on its own, with its operands in one
/// core's caches at a time: the CNN's 32→64-channel convolution gradients (3·10⁸
/// multiply-adds) and its dense layer's (10⁸) ran 5-15% slower side by side.
const MAX_COST: usize = 1 << 24;
/// How far ahead a partner is looked for.
const WINDOW: usize = 16;

/// `g` with [`Graph::pairs`] computed (left empty when no node has a partner).
pub(crate) fn run(mut g: Graph) -> Graph {
    let p = pairs(&g);
    if p.iter().any(Option::is_some) {
        g.pairs = p;
    }
    g
}

/// The multiply-adds (or elements) a node computes, if it is a pure op of known shapes.
fn cost(g: &Graph, i: usize) -> Option<usize> {
    let node = &g.nodes[i];
    let NodeKind::Op { op, attrs } = &node.kind else { return None };
    // An in-place update runs on its own (the executor's in-place path is not a pair's).
    if op.stateful || g.in_place.get(i) == Some(&true) || node.outputs.iter().any(|s| !s.shape.is_fully_defined()) {
        return None;
    }
    let out: usize = node.outputs.iter().map(|s| s.shape.num_elements()).sum();
    let input = |k: usize| node.inputs.get(k).map(|&(n, o)| &g.nodes[n].outputs[o].shape);
    let inner = match op.name {
        "MatMul" | "BatchMatMulV2" => input(0).and_then(|a| {
            let r = a.rank();
            (r >= 2).then(|| a.dims()[if attrs.get_flag("transpose_a") { r - 2 } else { r - 1 }])
        }),
        "Conv2D" | "DepthwiseConv2dNative" | "_FusedConv2D" => {
            input(1).filter(|f| f.rank() == 4).map(|f| f.dims()[0] * f.dims()[1] * f.dims()[2])
        }
        // Filter [kh, kw, in, out] first: each input value sums kh·kw·out products.
        "Conv2DBackpropInput" => input(0).filter(|f| f.rank() == 4).map(|f| f.dims()[0] * f.dims()[1] * f.dims()[3]),
        // Each filter value sums over the output gradient's batch and positions.
        "Conv2DBackpropFilter" => input(1).filter(|d| d.rank() == 4).map(|d| d.dims()[0] * d.dims()[1] * d.dims()[2]),
        _ => None,
    };
    Some(out * inner.unwrap_or(1))
}

/// For each node, the later node it runs together with (`pairs[i] = Some(j)`); `j` reads
/// only values made before `i`, so running it early changes nothing.
fn pairs(g: &Graph) -> Vec<Option<usize>> {
    let n = g.nodes.len();
    let costs: Vec<Option<usize>> = (0..n).map(|i| cost(g, i).filter(|c| (MIN_COST..=MAX_COST).contains(c))).collect();
    let mut pairs = vec![None; n];
    let mut taken = vec![false; n];
    // The step at which each node's value is ready: its own, or its partner's for one run
    // early.
    let mut ready_at: Vec<usize> = (0..n).collect();
    for i in 0..n {
        if costs[i].is_none() || taken[i] {
            continue;
        }
        let ready = |j: usize| {
            g.nodes[j]
                .inputs
                .iter()
                .all(|&(k, _)| ready_at[k] < i || matches!(g.nodes[k].kind, NodeKind::Placeholder { .. } | NodeKind::Const(_)))
        };
        if let Some(j) = (i + 1..n.min(i + 1 + WINDOW)).find(|&j| costs[j].is_some() && !taken[j] && ready(j)) {
            pairs[i] = Some(j);
            taken[i] = true;
            taken[j] = true;
            ready_at[j] = i;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use crate::ops::TensorSpec;
    use crate::{DType, Function, Tensor};

    /// Two matmul chains that meet only at the end pair up, step by step; a chain's own
    /// steps never do (each reads the one before).
    #[test]
    fn independent_matmuls_pair_and_dependent_ones_do_not() {
        let f = Function::new("branches", |xs: &[Tensor]| {
            let (a, b, w) = (&xs[0], &xs[1], &xs[2]);
            let ha = crate::matmul(&crate::matmul(a, w), w);
            let hb = crate::matmul(&crate::matmul(b, w), w);
            vec![&ha + &hb]
        });
        let s = TensorSpec::new(vec![Some(64), Some(64)], DType::F32);
        let c = f.get_concrete_function(&[s.clone(), s.clone(), s]);
        let g = c.graph();
        let mm: Vec<usize> = (0..g.nodes.len()).filter(|&i| g.nodes[i].op_name() == "MatMul").collect();
        assert_eq!(mm.len(), 4, "{g}");
        let paired: Vec<(usize, usize)> = g.pairs.iter().enumerate().filter_map(|(i, p)| p.map(|j| (i, j))).collect();
        assert_eq!(paired.len(), 2, "{g}");
        for (i, j) in paired {
            assert!(mm.contains(&i) && mm.contains(&j), "{g}");
            assert!(g.nodes[j].inputs.iter().all(|&(k, _)| k != i), "a pair never feeds itself");
        }
    }

    /// The second pair's partner reads a node that comes after the pair's first node (it ran
    /// early with the first pair): the executor hands it that value, and the result is the
    /// eager one. (It once handed a pair only the values before its first node, and indexed
    /// past them.)
    #[test]
    fn a_partner_may_read_a_node_that_ran_early() {
        let f = Function::new("chains", |xs: &[Tensor]| {
            let (a, b, w) = (&xs[0], &xs[1], &xs[2]);
            let ha = crate::matmul(a, w);
            let hc = crate::matmul(&ha, w);
            let hb = crate::matmul(b, w);
            let hd = crate::matmul(&hb, w);
            vec![&hc + &hd]
        });
        let x = |seed| crate::random::uniform(&[64, 64], -1.0, 1.0, DType::F32, Some(seed));
        let (a, b, w) = (x(1), x(2), x(3));
        let s = TensorSpec::new(vec![Some(64), Some(64)], DType::F32);
        let c = f.get_concrete_function(&[s.clone(), s.clone(), s]);
        let g = c.graph();
        let reads_later = g
            .pairs
            .iter()
            .enumerate()
            .any(|(i, p)| p.is_some_and(|j| g.nodes[j].inputs.iter().any(|&(k, _)| k > i)));
        assert!(reads_later, "{g}");
        let want = &crate::matmul(&crate::matmul(&a, &w), &w) + &crate::matmul(&crate::matmul(&b, &w), &w);
        let got = f.call(&[a, b, w]);
        let close = got[0]
            .to_vec::<f32>()
            .iter()
            .zip(want.to_vec::<f32>())
            .all(|(g, w)| (g - w).abs() <= 1e-4 * (1.0 + w.abs()));
        assert!(close);
    }
}
