//! Graph passes, one file each, run in a fixed order on every traced graph before its first
//! execution (and recursively on `If`/`While` subgraphs): constant folding, algebraic
//! simplification, common-subexpression elimination, dead-code elimination, remapping
//! (convolution, bias and ReLU as one op; a ReLU's gradient mask before a max pool's
//! routing; Adam with its gradient's product), elementwise fusion, then buffer-reuse
//! planning. Each pass returns a new graph (most built by [`rebuild`]); the verifier checks
//! every result in tests.

mod algebra;
mod const_fold;
mod cse;
mod dce;
mod fuse;
mod parallel;
mod plan;
mod remap;

use super::{Graph, Node, NodeKind};

/// The optimizer: every pass in order.
pub(crate) fn optimize(g: Graph) -> Graph {
    let g = subgraphs(g, optimize);
    let g = const_fold::run(&g);
    let g = algebra::run(&g);
    let g = cse::run(&g);
    let g = remap::run(&dce::run(&g));
    super::program::compile(parallel::run(plan::run(fuse::run(&g))))
}

/// The passes that keep every op as it is (no remapping or fusion): constant folding,
/// common subexpressions, dead code. What an exporter to another runtime wants.
pub(crate) fn simplify(g: Graph) -> Graph {
    let g = subgraphs(g, simplify);
    dce::run(&cse::run(&const_fold::run(&g)))
}

/// `g` with `passes` run once on each `If`/`While`/`for` subgraph (the passes over `g`
/// itself then carry them over as they are).
fn subgraphs(mut g: Graph, passes: fn(Graph) -> Graph) -> Graph {
    for n in &mut g.nodes {
        for sub in n.subgraphs_mut() {
            *sub = passes(std::mem::take(sub));
        }
    }
    g
}

/// The readers of each node's outputs, one entry per input that reads one, in node order;
/// a graph output reads at `usize::MAX` (after everything).
pub(crate) fn readers(g: &Graph) -> Vec<Vec<usize>> {
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        for &(m, _) in &n.inputs {
            users[m].push(i);
        }
    }
    for &(m, _) in &g.outputs {
        users[m].push(usize::MAX);
    }
    users
}

/// Where each output of an old node went in the new graph.
pub(crate) type Remap = Vec<Vec<(usize, usize)>>;

/// Rebuilds `g` node by node: `f` receives each old node with its inputs already remapped
/// and pushes whatever replaces it, returning the new `(node, output)` of each old output
/// (an empty list drops the node). Subgraphs are carried over as they are.
pub(crate) fn rebuild(g: &Graph, mut f: impl FnMut(usize, &Node, &[(usize, usize)], &mut Graph) -> Vec<(usize, usize)>) -> Graph {
    let mut out = Graph {
        name: g.name.clone(),
        ..Default::default()
    };
    let mut remap: Remap = Vec::with_capacity(g.nodes.len());
    for (i, n) in g.nodes.iter().enumerate() {
        // A node whose input was dropped is dropped too (a dead chain); a needed one would
        // fail the output remapping below.
        let ins: Option<Vec<(usize, usize)>> = n.inputs.iter().map(|&(a, o)| remap[a].get(o).copied()).collect();
        remap.push(match ins {
            Some(ins) => f(i, n, &ins, &mut out),
            None => Vec::new(),
        });
    }
    out.outputs = g
        .outputs
        .iter()
        .map(|&(a, o)| {
            *remap[a]
                .get(o)
                .unwrap_or_else(|| panic!("a pass dropped %{a}, an output of {}", g.name))
        })
        .collect();
    out
}

/// A copy of `n` with new inputs (its subgraphs as they are), pushed onto `out`.
pub(crate) fn keep(n: &Node, ins: &[(usize, usize)], out: &mut Graph) -> Vec<(usize, usize)> {
    let kind = match &n.kind {
        NodeKind::Placeholder { index } => NodeKind::Placeholder { index: *index },
        NodeKind::Const(t) => NodeKind::Const(t.clone()),
        NodeKind::Op { op, attrs } => NodeKind::Op { op, attrs: attrs.clone() },
        NodeKind::ReadVariable(v) => NodeKind::ReadVariable(v.clone()),
        NodeKind::AssignVariable { var, kind } => NodeKind::AssignVariable { var: var.clone(), kind },
        NodeKind::If { then_graph, else_graph } => NodeKind::If {
            then_graph: then_graph.clone(),
            else_graph: else_graph.clone(),
        },
        NodeKind::While {
            cond_graph,
            body_graph,
            loop_vars,
            max_iterations,
        } => NodeKind::While {
            cond_graph: cond_graph.clone(),
            body_graph: body_graph.clone(),
            loop_vars: *loop_vars,
            max_iterations: *max_iterations,
        },
        NodeKind::ForDataset {
            source,
            body_graph,
            loop_vars,
            element_specs,
            break_var,
        } => NodeKind::ForDataset {
            source: source.clone(),
            body_graph: body_graph.clone(),
            loop_vars: *loop_vars,
            element_specs: element_specs.clone(),
            break_var: *break_var,
        },
    };
    out.nodes.push(Node {
        kind,
        inputs: ins.iter().copied().collect(),
        outputs: n.outputs.clone(),
        location: n.location,
    });
    let id = out.nodes.len() - 1;
    (0..n.outputs.len()).map(|o| (id, o)).collect()
}

#[cfg(test)]
mod tests {
    use crate::ops::TensorSpec;
    use crate::{Function, Tensor};

    fn graph_of(f: impl Fn(&[Tensor]) -> Vec<Tensor> + Send + Sync + 'static, specs: &[TensorSpec]) -> String {
        let func = Function::new("g", f);
        let c = func.get_concrete_function(specs);
        c.graph().verify().expect("passes keep the graph valid");
        c.graph().to_string()
    }

    fn spec(d: &[usize]) -> TensorSpec {
        TensorSpec {
            dtype: crate::DType::F32,
            shape: crate::Shape::new(d),
        }
    }

    #[test]
    fn constant_subexpressions_fold_and_duplicates_merge_and_dead_code_goes() {
        let text = graph_of(
            |xs| {
                let c = crate::constant([1.0f32, 2.0]) * 3.0f32 + 1.0f32; // folds to one Const
                let a = crate::exp(&xs[0]);
                let b = crate::exp(&xs[0]); // the same as `a`: merged
                let _unused = crate::sin(&xs[0]); // dead
                vec![&(&a + &b) + &c]
            },
            &[spec(&[2])],
        );
        assert!(!text.contains("Sin("), "{text}");
        assert!(!text.contains("Mul("), "{text}");
        // One Exp (opcode 4), read twice, then the two adds (AddV2, opcode 13), all fused.
        assert!(
            text.contains("FusedElementwise(%0, %1) {program: [4, 0, -1, 13, 2, 2, 13, 3, 1]}"),
            "{text}"
        );
    }

    #[test]
    fn algebraic_identities_disappear_but_broadcasts_stay() {
        let text = graph_of(
            |xs| {
                let x = &xs[0];
                let y = (x * 1.0f32 + 0.0f32) / 1.0f32 - 0.0f32;
                let y = crate::reshape(&crate::transpose(&-(-&y), Some(&[0, 1])), [2, 3]);
                // A scalar + 0 broadcast to [2, 3] changes the shape: it must stay.
                let s = &xs[1] + &crate::zeros([2, 3], crate::DType::F32);
                vec![crate::cast(&y, crate::DType::F32), s]
            },
            &[spec(&[2, 3]), spec(&[])],
        );
        for op in ["Mul(", "RealDiv(", "Sub(", "Neg(", "Reshape(", "Transpose(", "Cast("] {
            assert!(!text.contains(op), "{op} survived:\n{text}");
        }
        assert_eq!(text.matches("AddV2(").count(), 1, "only the broadcasting add remains:\n{text}");
        assert!(text.contains("return %0, %"), "{text}");
    }

    #[test]
    fn elementwise_chains_fuse_into_one_node_with_the_same_values_and_gradients() {
        // tanh(x * y + 1) * x - sigmoid(y): one fused node; the broadcasting bias add and the
        // value used twice stay outside it.
        let chain = |xs: &[Tensor]| {
            let (x, y) = (&xs[0], &xs[1]);
            let t = crate::tanh(&(x * y + 1.0f32));
            vec![&t * x - crate::sigmoid(y)]
        };
        for n in [6usize, 8192 * 3 + 5, 1 << 17] {
            let x = crate::ops::sample(crate::DType::F32, &[n], crate::ops::Domain::Any, 1);
            let y = crate::ops::sample(crate::DType::F32, &[n], crate::ops::Domain::Any, 2);
            let f = Function::new("chain", chain);
            let got = f.call(&[x.clone(), y.clone()]);
            let graph = f.concrete_functions()[0].graph().to_string();
            assert_eq!(graph.matches("FusedElementwise(").count(), 1, "{graph}");
            for op in ["Tanh(", "Mul(", "Sigmoid(", "Sub("] {
                assert!(!graph.contains(op), "{op} left outside the fused node:\n{graph}");
            }
            assert_eq!(got[0].buffer(), chain(&[x.clone(), y.clone()])[0].buffer(), "n = {n}");
            // Gradients through the fused node equal the eager ones.
            let grads = |run: &dyn Fn(&[Tensor]) -> Vec<Tensor>| {
                let tape = crate::GradientTape::new();
                tape.watch(&x);
                tape.watch(&y);
                let out = crate::reduce_sum(&run(&[x.clone(), y.clone()])[0], None, false);
                tape.gradients(&[&out], &[&x, &y], None, crate::UnconnectedGradients::Zero)
            };
            let (traced, eager) = (grads(&|a| f.call(a)), grads(&chain));
            for (a, b) in traced.iter().zip(&eager) {
                for (p, q) in a.as_ref().unwrap().to_vec::<f32>().iter().zip(b.as_ref().unwrap().to_vec::<f32>()) {
                    assert!((p - q).abs() <= 1e-6 * (1.0 + q.abs()), "{p} vs {q}");
                }
            }
        }
        // An intermediate also used after the chain (here returned) joins it as a second
        // output of the fused node: one pass computes both.
        let returned = |xs: &[Tensor]| {
            let e = crate::exp(&xs[0]);
            let s = crate::sqrt(&(&e * &e));
            vec![s, e]
        };
        let text = graph_of(returned, &[spec(&[4])]);
        assert!(
            text.contains(
                "= FusedElementwise(%0) {program: [4, 0, -1, 15, 1, 1, 6, 2, -1], outputs: [3, 1]} -> float32 (4,), float32 (4,)"
            ) && text.contains("return %1, %1:1")
                && !text.contains("Exp("),
            "{text}"
        );
        let x = crate::constant([0.5f32, -1.0, 2.0, 0.0]);
        let f = Function::new("returned", returned);
        for (a, b) in f.call(std::slice::from_ref(&x)).iter().zip(returned(std::slice::from_ref(&x))) {
            assert_eq!(a.buffer(), b.buffer());
        }
        // A use between a member and the root keeps the member out: `Reverse` reads `exp(x)`
        // and feeds the chain, so fusing `Exp` would make a cycle.
        let between = |xs: &[Tensor]| {
            let e = crate::exp(&xs[0]);
            let t = crate::reverse(&e, &[0]);
            vec![crate::sqrt(&(&e * &t))]
        };
        let text = graph_of(between, &[spec(&[4])]);
        assert!(
            text.contains("= Exp(%0)") && text.contains("= ReverseV2(%1)") && text.contains("= FusedElementwise(%1, %2)"),
            "{text}"
        );
        let f = Function::new("between", between);
        assert_eq!(
            f.call(std::slice::from_ref(&x))[0].buffer(),
            between(std::slice::from_ref(&x))[0].buffer()
        );
    }

    #[test]
    fn simplified_graphs_compute_the_same() {
        let f = Function::new("g", |xs: &[Tensor]| vec![crate::reshape(&(&(&xs[0] * 1.0f32) + &xs[0]), [4])]);
        let x = crate::constant([[1.0f32, -2.0], [3.0, 0.5]]);
        assert_eq!(f.call(&[x])[0].to_vec::<f32>(), vec![2.0, -4.0, 6.0, 1.0]);
    }

    #[test]
    fn stateful_nodes_survive_and_results_are_unchanged() {
        let v = crate::Variable::new(crate::constant(0.0f32));
        let w = v.clone();
        let f = Function::new("g", move |xs: &[Tensor]| {
            w.assign_add(&xs[0]); // no output used: kept, it is stateful
            crate::print(&[&xs[0]]);
            vec![&xs[0] * 2.0f32]
        });
        crate::ops::io::capture_prints();
        let r = f.call(&[crate::constant(1.5f32)]);
        assert_eq!(crate::ops::io::take_printed(), vec!["1.5"]);
        assert_eq!(r[0].scalar::<f32>(), 3.0);
        assert_eq!(v.value().scalar::<f32>(), 1.5);
    }
}
