//! Buffer-reuse planning: for each node, the values whose last reader it is, so the executor
//! releases them right after it runs instead of at the end of the call. A released buffer
//! goes back to the allocator for the next op of its size, and a variable whose last
//! snapshot is released is updated in place by a later assignment (an optimizer's
//! `m.assign_add(...)` writes into `m` instead of allocating a new `m`).

use super::super::{Graph, NodeKind};
use smallvec::SmallVec;

/// `g` with its release plan ([`Graph::frees`]) and in-place updates
/// ([`Graph::in_place`]) computed.
pub(crate) fn run(mut g: Graph) -> Graph {
    g.frees = frees(&g);
    let readers = super::readers(&g);
    let in_place: Vec<bool> = (0..g.nodes.len()).map(|i| updates_in_place(&g, &readers, i)).collect();
    if in_place.contains(&true) {
        g.in_place = in_place;
    }
    g
}

/// Whether node `i` is an update with an in-place form (an optimizer's `AdamUpdate`) whose
/// variable inputs are reads that nothing else reads, of distinct variables, and whose
/// matching outputs go only to assignments of the same variables: the assignments' new
/// values are then the variables' own buffers, written in place.
fn updates_in_place(g: &Graph, readers: &[Vec<usize>], i: usize) -> bool {
    let node = &g.nodes[i];
    let NodeKind::Op { op, .. } = &node.kind else { return false };
    let Some((k, _)) = crate::ops::optim::in_place(op) else {
        return false;
    };
    if node.inputs.len() < k || node.outputs.len() < k || readers[i].contains(&usize::MAX) {
        return false;
    }
    let mut vars: Vec<&crate::Variable> = Vec::with_capacity(k);
    for j in 0..k {
        let (r, _) = node.inputs[j];
        let NodeKind::ReadVariable(v) = &g.nodes[r].kind else {
            return false;
        };
        let only_here = readers[r] == [i];
        // Who reads output j.
        let assigned = readers[i]
            .iter()
            .filter(|&&a| g.nodes[a].inputs.contains(&(i, j)))
            .map(|&a| &g.nodes[a].kind)
            .collect::<Vec<_>>();
        let to_itself = matches!(assigned[..], [NodeKind::AssignVariable { var, kind: "AssignVariableOp" }] if var.ptr_eq(v));
        if !only_here || !to_itself || vars.iter().any(|w| w.ptr_eq(v)) {
            return false;
        }
        vars.push(v);
    }
    true
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
    use crate::ops::{optim::ADAM_UPDATE, Attrs, Domain, TensorSpec};
    use crate::{DType, Function, Shape, Tensor, Variable};

    /// An optimizer's `AdamUpdate` of reads nothing else reads, its outputs assigned back to
    /// the same variables, runs in place: the variables keep their buffers and hold the op's
    /// values; a snapshot the user holds keeps the old values (that variable is copied).
    #[test]
    fn adam_updates_write_into_the_variables() {
        let sample = |d: Domain, seed| crate::ops::sample(DType::F32, &[1000], d, seed);
        let (w, m, v) = (
            Variable::new(sample(Domain::Any, 1)),
            Variable::new(sample(Domain::Any, 2)),
            Variable::new(sample(Domain::Positive, 3)),
        );
        let g = sample(Domain::Any, 4);
        let c = |x: f64| crate::scalar(x, DType::F32);
        let step = |w: &Tensor, m: &Tensor, v: &Tensor, g: &Tensor| {
            crate::ops::execute(&ADAM_UPDATE, &[w, m, v, g, &c(0.01), &c(0.1), &c(0.001), &c(1e-7)], &Attrs::new())
        };
        let (w2, m2, v2) = (w.clone(), m.clone(), v.clone());
        let f = Function::new("adam", move |xs| {
            let c = |x: f64| crate::scalar(x, DType::F32);
            let (nw, nm, nv) = crate::train::adam_update(
                &w2.value(),
                &m2.value(),
                &v2.value(),
                &xs[0],
                &c(0.01),
                &c(0.1),
                &c(0.001),
                &c(1e-7),
            );
            m2.assign(&nm);
            v2.assign(&nv);
            w2.assign(&nw);
            vec![crate::reduce_sum(&xs[0], None, false)]
        });
        let ptr = |x: &Variable| x.value().data::<f32>().as_ptr();
        let before = [ptr(&w), ptr(&m), ptr(&v)];
        let want = step(&w.value(), &m.value(), &v.value(), &g);
        f.call(std::slice::from_ref(&g));
        let graph = f.concrete_functions()[0].graph().clone();
        assert_eq!(graph.in_place.iter().filter(|&&b| b).count(), 1, "{graph}");
        for (k, x) in [&w, &m, &v].into_iter().enumerate() {
            assert_eq!(x.value().buffer(), want[k].buffer(), "variable {k}");
            assert_eq!(ptr(x), before[k], "variable {k} was updated in place");
        }
        // A live snapshot of `w`: it keeps its values; `w` moves to a new buffer.
        let snap = w.value();
        let old = snap.to_vec::<f32>();
        let want = step(&w.value(), &m.value(), &v.value(), &g);
        f.call(std::slice::from_ref(&g));
        assert_eq!(snap.to_vec::<f32>(), old);
        assert_eq!(w.value().buffer(), want[0].buffer());
        assert_ne!(ptr(&w), snap.data::<f32>().as_ptr());
    }

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
