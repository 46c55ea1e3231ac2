//! Buffer-reuse planning: for each node, the values whose last reader it is, so the executor
//! releases them right after it runs instead of at the end of the call. A released buffer
//! goes back to the allocator for the next op of its size, and a variable whose last
//! snapshot is released is updated in place by a later assignment (an optimizer's
//! `m.assign_add(...)` writes into `m` instead of allocating a new `m`).

use super::super::{Graph, NodeKind};
use smallvec::SmallVec;

/// `g` with its release plan ([`Graph::frees`]) computed.
pub(crate) fn run(mut g: Graph) -> Graph {
    g.frees = frees(&g);
    g
}

/// For each node, the nodes whose outputs die after it. Placeholders and constants are read
/// in place and never released; the graph's outputs live to the end.
fn frees(g: &Graph) -> Vec<SmallVec<[usize; 2]>> {
    let held = |n: usize| !matches!(g.nodes[n].kind, NodeKind::Placeholder { .. } | NodeKind::Const(_));
    // The last node that reads each node's outputs (`usize::MAX` for the graph's outputs).
    let mut last: Vec<Option<usize>> = vec![None; g.nodes.len()];
    for (i, node) in g.nodes.iter().enumerate() {
        for &(n, _) in &node.inputs {
            last[n] = Some(i);
        }
    }
    for &(n, _) in &g.outputs {
        last[n] = Some(usize::MAX);
    }
    let mut frees = vec![SmallVec::new(); g.nodes.len()];
    for (n, l) in last.iter().enumerate() {
        match *l {
            Some(i) if i != usize::MAX && held(n) => frees[i].push(n),
            // Nobody reads it (a stateful node kept for its effect): released at once.
            None if held(n) => frees[n].push(n),
            _ => {}
        }
    }
    frees
}

#[cfg(test)]
mod tests {
    use crate::ops::TensorSpec;
    use crate::{DType, Function, Shape, Variable};

    /// A value is released after its last reader, the outputs never, and a variable's
    /// snapshot before the assignment that follows it, which then writes in place.
    #[test]
    fn values_die_after_their_last_reader_and_variables_update_in_place() {
        let v = Variable::new(crate::ones([4], DType::F32));
        let v2 = v.clone();
        let f = Function::new("f", move |xs| {
            let a = crate::exp(&xs[0]); // read by b and the output
            let b = crate::sin(&a);
            v2.assign_add(&(&v2.value() * 2.0f32));
            vec![&a + &b]
        });
        let c = f.get_concrete_function(&[TensorSpec::new(vec![Some(4)], DType::F32)]);
        let g = c.graph();
        assert_eq!(g.frees.len(), g.nodes.len());
        let name = |n: usize| g.nodes[n].op_name();
        // Nothing is released twice, and no output is released.
        let mut all: Vec<usize> = g.frees.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), g.frees.iter().map(|f| f.len()).sum::<usize>());
        assert!(g.outputs.iter().all(|(n, _)| !all.contains(n)), "{g}");
        // The snapshot read for the update dies before the assignment runs.
        let read = (0..g.nodes.len()).find(|&n| name(n) == "ReadVariableOp").expect("a read");
        let assign = (0..g.nodes.len())
            .find(|&n| name(n) == "AssignAddVariableOp")
            .expect("an assignment");
        let dies = g.frees.iter().position(|f| f.contains(&read)).expect("the read is released");
        assert!(dies < assign, "{g}");
        // So the variable keeps its buffer: the update is in place.
        let before = v.value();
        let ptr = before.data::<f32>().as_ptr();
        drop(before);
        let x = crate::constant([0.0f32; 4]);
        c.call(&[x]).expect("call");
        let after = v.value();
        assert_eq!(after.to_vec::<f32>(), vec![3.0; 4]);
        assert_eq!(after.data::<f32>().as_ptr(), ptr, "the assignment wrote into the variable's buffer");
        assert_eq!(after.shape(), &Shape::new(&[4]));
    }
}
