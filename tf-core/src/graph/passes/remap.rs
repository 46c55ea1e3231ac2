//! Remapping (TensorFlow grappler's remapper): a `Conv2D`, the per-channel bias added to it
//! and, when there is one, the `Relu` after them become one `_FusedConv2D`, which applies
//! the bias and activation while each block of the output is in cache. Only when nothing
//! else reads the convolution's output (or the sum, when a `Relu` is fused): a training
//! step's gradient reads the `Relu`'s output, which the fused node still makes.
//!
//! And in a gradient through a ReLU then a max pool, the ReLU's mask moves before the
//! pool's routing, onto the pooled gradient (a quarter of the values for 2x2 windows):
//! `ReluGrad(MaxPoolGrad(x, dz), x)` becomes `MaxPoolGrad(x, ReluGrad(dz, MaxPool(x)))` where
//! the graph computes that `MaxPool(x)`. Exact: each window's gradient goes to one tap of
//! `x` whose value is the window's maximum, so masking by that tap or by the maximum is the
//! same, and a tap that several windows route to is masked the same way for each.
//!
//! And an `AdamUpdate` whose gradient is a `MatMul` of two matrices read by nothing else (a
//! dense layer's kernel gradient) becomes one `_FusedAdamMatMul`, which in place applies
//! the product a block of rows at a time instead of writing it whole and reading it back.

use super::super::{Graph, Node, NodeKind};
use super::{keep, rebuild};
use crate::ops::binary::RELU_GRAD;
use crate::ops::fused_conv::FUSED_CONV2D;
use crate::ops::nn::MAX_POOL_GRAD;
use crate::ops::optim::FUSED_ADAM_MATMUL;
use crate::ops::{Attrs, FLOATS};

/// A fusable chain ending at a node: which input of the add is the bias, and whether the
/// node is a `Relu` (else it is the add).
struct Chain {
    bias_input: usize,
    relu: bool,
}

pub(crate) fn run(g: &Graph) -> Graph {
    // Each leaves the nodes it replaced unread.
    super::dce::run(&adam_of_products(&fuse_convolutions(&relu_grad_before_pool(g))))
}

/// One rewrite: `find` picks the nodes it applies to (given the readers table) with what it
/// found there, and `replace` pushes each one's replacement ([`rebuild`]'s contract); the
/// other nodes are kept. `g` itself when `find` picks none.
fn rewrite<T>(
    g: &Graph,
    find: impl Fn(&[Vec<usize>], usize) -> Option<T>,
    mut replace: impl FnMut(&T, &Node, &[(usize, usize)], &mut Graph) -> Vec<(usize, usize)>,
) -> Graph {
    let readers = super::readers(g);
    let found: Vec<Option<T>> = (0..g.nodes.len()).map(|i| find(&readers, i)).collect();
    if found.iter().all(Option::is_none) {
        return g.clone();
    }
    rebuild(g, |i, n, ins, out| match &found[i] {
        Some(t) => replace(t, n, ins, out),
        None => keep(n, ins, out),
    })
}

/// Each `AdamUpdate` of a `MatMul` of two matrices that nothing else reads becomes a
/// `_FusedAdamMatMul` (see the module docs).
fn adam_of_products(g: &Graph) -> Graph {
    let fusable = |readers: &[Vec<usize>], i: usize| {
        let (p, po) = match (op_name(g, i), g.nodes[i].inputs.get(3)) {
            (Some("AdamUpdate"), Some(&r)) => r,
            _ => return None,
        };
        let matrix = |&(x, xo): &(usize, usize)| g.nodes[x].outputs[xo].shape.rank() == 2;
        (op_name(g, p) == Some("MatMul") && po == 0 && readers[p].len() == 1 && g.nodes[p].inputs.iter().all(matrix)).then_some(())
    };
    rewrite(g, fusable, |_, n, ins, out| {
        let product = &out.nodes[ins[3].0];
        let NodeKind::Op { attrs, .. } = &product.kind else {
            unreachable!("a MatMul")
        };
        let inputs = ins[..3].iter().chain(&product.inputs).chain(&ins[4..]).copied().collect();
        out.nodes.push(Node {
            kind: NodeKind::Op {
                op: &FUSED_ADAM_MATMUL,
                attrs: attrs.clone(),
            },
            inputs,
            outputs: n.outputs.clone(),
            location: n.location,
        });
        let new = out.nodes.len() - 1;
        (0..n.outputs.len()).map(|o| (new, o)).collect()
    })
}

/// Each `Conv2D`, bias add and (when there is one) `Relu` chain becomes a `_FusedConv2D`
/// (see the module docs).
fn fuse_convolutions(g: &Graph) -> Graph {
    rewrite(
        g,
        |readers, i| chain(g, readers, i),
        |c, n, ins, out| {
            // The chain's nodes were copied already: read the new references through them.
            let add_ins = if c.relu {
                out.nodes[ins[0].0].inputs.clone()
            } else {
                ins.iter().copied().collect()
            };
            let conv_ref = add_ins[1 - c.bias_input];
            let NodeKind::Op { attrs, .. } = &out.nodes[conv_ref.0].kind else {
                unreachable!("the chain starts at a Conv2D")
            };
            let attrs = attrs.clone().str("activation", if c.relu { "Relu" } else { "Identity" });
            let conv_ins = &out.nodes[conv_ref.0].inputs;
            let inputs = [conv_ins[0], conv_ins[1], add_ins[c.bias_input]].into_iter().collect();
            out.nodes.push(Node {
                kind: NodeKind::Op { op: &FUSED_CONV2D, attrs },
                inputs,
                outputs: n.outputs.clone(),
                location: n.location,
            });
            vec![(out.nodes.len() - 1, 0)]
        },
    )
}

/// Moves each `ReluGrad` of a `MaxPoolGrad` (read by nothing else) on the same `x` before
/// it, when the graph pools that `x` with the same attributes (see the module docs).
fn relu_grad_before_pool(g: &Graph) -> Graph {
    let movable = |readers: &[Vec<usize>], i: usize| {
        let Some(&[(m, 0), f]) = (op_name(g, i) == Some("ReluGrad")).then_some(&g.nodes[i].inputs[..]) else {
            return None;
        };
        (op_name(g, m) == Some("MaxPoolGrad") && readers[m].len() == 1 && g.nodes[m].inputs[0] == f).then_some(())
    };
    rewrite(g, movable, |_, n, ins, out| {
        let routing = &out.nodes[ins[0].0];
        let (x, dz) = (routing.inputs[0], routing.inputs[1]);
        let NodeKind::Op { attrs, .. } = &routing.kind else {
            unreachable!("a MaxPoolGrad")
        };
        let pool = out
            .nodes
            .iter()
            .position(|p| matches!(&p.kind, NodeKind::Op { op, attrs: a } if op.name == "MaxPool" && a == attrs) && p.inputs[..] == [x]);
        let Some(pool) = pool else { return keep(n, ins, out) };
        let attrs = attrs.clone();
        let spec = out.nodes[dz.0].outputs[dz.1].clone();
        out.nodes.push(Node {
            kind: NodeKind::Op {
                op: &RELU_GRAD,
                attrs: Attrs::new(),
            },
            inputs: [dz, (pool, 0)].into_iter().collect(),
            outputs: [spec].into_iter().collect(),
            location: n.location,
        });
        out.nodes.push(Node {
            kind: NodeKind::Op { op: &MAX_POOL_GRAD, attrs },
            inputs: [x, (out.nodes.len() - 1, 0)].into_iter().collect(),
            outputs: n.outputs.clone(),
            location: n.location,
        });
        vec![(out.nodes.len() - 1, 0)]
    })
}

/// The op name of node `i`, if it is an op.
fn op_name(g: &Graph, i: usize) -> Option<&'static str> {
    match &g.nodes[i].kind {
        NodeKind::Op { op, .. } => Some(op.name),
        _ => None,
    }
}

/// The chain ending at node `i`: a `Relu` of a fusable bias add, or a fusable bias add not
/// itself feeding such a `Relu` (which takes it in instead).
fn chain(g: &Graph, readers: &[Vec<usize>], i: usize) -> Option<Chain> {
    match op_name(g, i)? {
        "Relu" => {
            let (a, _) = g.nodes[i].inputs[0];
            let bias_input = bias_add(g, readers, a)?;
            (readers[a].len() == 1).then_some(Chain { bias_input, relu: true })
        }
        "AddV2" => {
            let bias_input = bias_add(g, readers, i)?;
            let relu_takes_it = matches!(readers[i][..], [r] if r != usize::MAX && op_name(g, r) == Some("Relu"));
            (!relu_takes_it).then_some(Chain { bias_input, relu: false })
        }
        _ => None,
    }
}

/// When node `a` adds a per-channel bias (rank 1, the last dimension's size) to a float
/// `Conv2D` read by nothing else: which input of `a` is the bias.
fn bias_add(g: &Graph, readers: &[Vec<usize>], a: usize) -> Option<usize> {
    if op_name(g, a)? != "AddV2" {
        return None;
    }
    let node = &g.nodes[a];
    let out = node.outputs.first()?;
    (0..2).find(|&bias_input| {
        let (c, co) = node.inputs[1 - bias_input];
        let (b, bo) = node.inputs[bias_input];
        let conv = &g.nodes[c];
        let bias = &g.nodes[b].outputs[bo];
        let channels = out.shape.dims().last().copied();
        let fits = op_name(g, c) == Some("Conv2D")
            && co == 0
            && readers[c].len() == 1
            && FLOATS.contains(&out.dtype)
            && conv.outputs[0] == *out
            && bias.dtype == out.dtype
            && bias.shape.rank() == 1
            && channels.is_some_and(|d| d != crate::Shape::UNKNOWN && bias.shape.dims()[0] == d);
        fits
    })
}

#[cfg(test)]
mod tests {
    use crate::ops::TensorSpec;
    use crate::{DType, Function, GradientTape, Tensor, UnconnectedGradients};

    fn spec(d: &[usize]) -> TensorSpec {
        TensorSpec {
            dtype: DType::F32,
            shape: crate::Shape::new(d),
        }
    }

    fn sample(d: &[usize], seed: u64) -> Tensor {
        crate::ops::sample(DType::F32, d, crate::ops::Domain::Any, seed)
    }

    /// Runs `f` as a graph function on (x, w, b) and eagerly: the same values, and the
    /// graph's text.
    fn traced(f: fn(&[Tensor]) -> Vec<Tensor>) -> String {
        let xs = [sample(&[2, 6, 5, 3], 1), sample(&[3, 3, 3, 8], 2), sample(&[8], 3)];
        let func = Function::new("remap", f);
        let got = func.call(&xs);
        for (g, w) in got.iter().zip(f(&xs)) {
            assert_eq!(g.to_vec::<f32>(), w.to_vec::<f32>());
        }
        let c = func.get_concrete_function(&[spec(&[2, 6, 5, 3]), spec(&[3, 3, 3, 8]), spec(&[8])]);
        c.graph().verify().expect("the pass keeps the graph valid");
        c.graph().to_string()
    }

    fn conv(xs: &[Tensor]) -> Tensor {
        crate::nn::conv2d(&xs[0], &xs[1], 1, "SAME", 1)
    }

    #[test]
    fn conv_bias_relu_become_one_node() {
        let text = traced(|xs| vec![crate::nn::relu(&crate::nn::bias_add(&conv(xs), &xs[2]))]);
        assert!(text.contains("_FusedConv2D(%0, %1, %2)"), "{text}");
        assert!(text.contains("activation: \"Relu\""), "{text}");
        for op in [" Conv2D(", " AddV2(", " Relu("] {
            assert!(!text.contains(op), "{op} survived:\n{text}");
        }
        // The bias on the left, and no ReLU.
        let text = traced(|xs| vec![&xs[2] + &conv(xs)]);
        assert!(text.contains("_FusedConv2D(%0, %1, %2)") && text.contains("\"Identity\""), "{text}");
    }

    #[test]
    fn values_read_elsewhere_stay() {
        // The convolution is an output too: nothing fuses.
        let text = traced(|xs| {
            let c = conv(xs);
            vec![crate::nn::relu(&(&c + &xs[2])), c]
        });
        assert!(!text.contains("_FusedConv2D"), "{text}");
        // The sum is read besides the ReLU: the bias fuses, the ReLU stays.
        let text = traced(|xs| {
            let z = &conv(xs) + &xs[2];
            vec![crate::nn::relu(&z), crate::exp(&z)]
        });
        assert!(text.contains("\"Identity\"") && text.contains("Relu("), "{text}");
        // A bias that broadcasts over more than the channels is not a bias add.
        let text = traced(|xs| vec![&conv(xs) + &crate::reduce_sum(&xs[2], None, false)]);
        assert!(!text.contains("_FusedConv2D"), "{text}");
    }

    /// A training step's shape: the tape inside the function reads the ReLU's output; the
    /// gradients equal the eager ones.
    #[test]
    fn a_gradient_inside_the_function_keeps_the_fusion() {
        fn step(xs: &[Tensor]) -> Vec<Tensor> {
            let tape = GradientTape::new();
            for x in xs {
                tape.watch(x);
            }
            let y = crate::nn::relu(&crate::nn::bias_add(&conv(xs), &xs[2]));
            let loss = crate::reduce_sum(&(&y * &y), None, false);
            let g = tape.gradients(&[&loss], &[&xs[0], &xs[1], &xs[2]], None, UnconnectedGradients::Zero);
            g.into_iter().map(|g| g.expect("connected")).collect()
        }
        let text = traced(step);
        assert!(text.contains("_FusedConv2D("), "{text}");
        assert!(!text.contains(" Conv2D("), "{text}");
    }

    /// The gradient of a max pool over a ReLU: the mask moves onto the pooled gradient and
    /// the values stay exactly the eager ones (ties among zeroed taps included).
    #[test]
    fn relu_grad_moves_before_the_pool_routing() {
        fn step(xs: &[Tensor], also_pool_grad: bool) -> Vec<Tensor> {
            let tape = GradientTape::new();
            tape.watch(&xs[0]);
            let y = crate::nn::relu(&xs[0]);
            tape.watch(&y);
            let p = crate::nn::max_pool2d(&y, 2, 2, "VALID");
            let loss = crate::reduce_sum(&(&(&p * &p) * &xs[1]), None, false);
            let wrt: Vec<&Tensor> = if also_pool_grad { vec![&xs[0], &y] } else { vec![&xs[0]] };
            let g = tape.gradients(&[&loss], &wrt, None, UnconnectedGradients::Zero);
            g.into_iter().map(|g| g.expect("connected")).collect()
        }
        let xs = [sample(&[2, 6, 4, 3], 5), sample(&[2, 3, 2, 3], 6)];
        let specs = [spec(&[2, 6, 4, 3]), spec(&[2, 3, 2, 3])];
        for also in [false, true] {
            let func = Function::new("pool", move |xs: &[Tensor]| step(xs, also));
            for (got, want) in func.call(&xs).iter().zip(step(&xs, also)) {
                assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>());
            }
            let c = func.get_concrete_function(&specs);
            c.graph().verify().expect("the pass keeps the graph valid");
            let text = c.graph().to_string();
            let masked_pooled = text.lines().any(|l| l.contains("ReluGrad(") && l.contains("(2, 3, 2, 3)"));
            // Read as an output too, the pool's gradient stays as it was.
            assert_eq!(masked_pooled, !also, "{text}");
        }
    }

    /// Adam on a product's gradient (a dense layer's kernel: `xᵀ·dy`): one fused node,
    /// run in place, the variables keep their buffers and get exactly the values of the
    /// two ops run eagerly, for a small and a large kernel; with the product read elsewhere
    /// too, nothing fuses.
    #[test]
    fn adam_of_a_product_fuses_and_updates_in_place() {
        use crate::{DType, Variable};
        let sample = |d: &[usize], dom, seed| crate::ops::sample(DType::F32, d, dom, seed);
        let any = crate::ops::Domain::Any;
        // A gradient small enough to stay in cache (product, then update) and one made and
        // applied block by block.
        for (batch, rows, cols, read_elsewhere) in [(8, 300, 200, false), (8, 1100, 1000, false), (8, 300, 200, true)] {
            let (w, m, v) = (
                Variable::new(sample(&[rows, cols], any, 1)),
                Variable::new(sample(&[rows, cols], any, 2)),
                Variable::new(sample(&[rows, cols], crate::ops::Domain::Positive, 3)),
            );
            let (x, dy) = (sample(&[batch, rows], any, 4), sample(&[batch, cols], any, 5));
            let c = |x: f64| crate::scalar(x, DType::F32);
            let eager = crate::train::adam_update(
                &w.value(),
                &m.value(),
                &v.value(),
                &crate::api::linalg::matmul_transposed(&x, &dy, true, false),
                &c(0.01),
                &c(0.1),
                &c(0.001),
                &c(1e-7),
            );
            let (w2, m2, v2) = (w.clone(), m.clone(), v.clone());
            let f = Function::new("dense_adam", move |xs: &[Tensor]| {
                let c = |x: f64| crate::scalar(x, DType::F32);
                let g = crate::api::linalg::matmul_transposed(&xs[0], &xs[1], true, false);
                let (nw, nm, nv) =
                    crate::train::adam_update(&w2.value(), &m2.value(), &v2.value(), &g, &c(0.01), &c(0.1), &c(0.001), &c(1e-7));
                m2.assign(&nm);
                v2.assign(&nv);
                w2.assign(&nw);
                if read_elsewhere {
                    vec![crate::reduce_sum(&g, None, false)]
                } else {
                    vec![crate::reduce_sum(&xs[0], None, false)]
                }
            });
            let ptr = |x: &Variable| x.value().data::<f32>().as_ptr();
            let before = [ptr(&w), ptr(&m), ptr(&v)];
            f.call(&[x.clone(), dy.clone()]);
            let graph = f.concrete_functions()[0].graph().clone();
            graph.verify().expect("the pass keeps the graph valid");
            let text = graph.to_string();
            assert_eq!(text.contains("_FusedAdamMatMul("), !read_elsewhere, "{text}");
            assert_eq!(text.contains(" AdamUpdate("), read_elsewhere, "{text}");
            assert_eq!(graph.in_place.iter().filter(|&&b| b).count(), 1, "{text}");
            let want = [eager.0, eager.1, eager.2];
            for (k, var) in [&w, &m, &v].into_iter().enumerate() {
                assert_eq!(var.value().buffer(), want[k].buffer(), "variable {k}");
                assert_eq!(ptr(var), before[k], "variable {k} was updated in place");
            }
        }
    }
}
