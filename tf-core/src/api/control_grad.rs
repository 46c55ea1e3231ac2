//! Gradients of staged control flow recorded on tapes while tracing: a traced `If`'s is
//! another `cond` over its branches' gradients; a traced `While`'s is while_v2's — a forward
//! loop that stacks each iteration's state, then a loop back over the stack that
//! differentiates the body. Both replay the node's subgraphs under a tape. The stacks are
//! made at their full size before the loop that fills them (a first loop counts the
//! iterations), so no loop variable changes shape and the gradient's own loops can be
//! differentiated again.

use crate::graph::executor::{float_slots, replay_vjp};
use crate::graph::Graph;
use crate::ops::TensorSpec;
use crate::Tensor;

/// Records a traced `If` on the tapes: its gradient is another staged `cond` on the same
/// predicate whose branches differentiate the branch graphs (replayed under a tape) with
/// respect to the captured values.
pub(crate) fn record_cond(pred: &Tensor, caps: &[Tensor], outs: &[Tensor], then_graph: Graph, else_graph: Graph) {
    let mut inputs = vec![pred.clone()];
    inputs.extend(caps.iter().cloned());
    let (pred, caps) = (pred.clone(), caps.to_vec());
    let float_outs: Vec<usize> = (0..outs.len()).filter(|&i| outs[i].dtype().is_float()).collect();
    let rule: crate::tape::CustomGrad = std::rc::Rc::new(move |gs: &[Tensor]| {
        let dys: Vec<&Tensor> = float_outs.iter().map(|&i| &gs[i]).collect();
        let branch = |g: &Graph| replay_vjp(g, &caps, &[], &dys);
        let grads = super::cond(&pred, || branch(&then_graph), || branch(&else_graph));
        std::iter::once(None).chain(float_slots(&caps, grads)).collect()
    });
    crate::tape::record_custom(&inputs, outs, rule);
}

/// The gradient of a traced `While`, as while_v2 computes it: a forward loop that runs the
/// body again while stacking each iteration's loop variables (into `[iterations, ...var]`
/// stacks sized by a counting loop before it), then a loop back over the iterations that
/// differentiates the body (replayed under a tape) at each stacked state, carrying the loop
/// variables' gradients and summing the captures'.
pub(crate) struct WhileGrad {
    pub cond_graph: Graph,
    pub body_graph: Graph,
    /// The loop variables' specs (with their shape invariants).
    pub specs: Vec<TensorSpec>,
    pub max_iterations: Option<usize>,
}

impl WhileGrad {
    pub(crate) fn record(self, loop_vars: &[Tensor], caps: &[Tensor], outs: &[Tensor]) {
        let inputs: Vec<Tensor> = loop_vars.iter().chain(caps).cloned().collect();
        let (lv, caps) = (loop_vars.to_vec(), caps.to_vec());
        let rule: crate::tape::CustomGrad = std::rc::Rc::new(move |gs: &[Tensor]| self.gradient(&lv, &caps, gs));
        crate::tape::record_custom(&inputs, outs, rule);
    }

    /// The gradients of the body's float loop variables and captures at one state, given the
    /// gradients of its float outputs.
    fn body_vjp(&self, vars: &[Tensor], caps: &[Tensor], g_vars: &[Tensor]) -> (Vec<Tensor>, Vec<Tensor>) {
        let args: Vec<Tensor> = vars.iter().chain(caps).cloned().collect();
        let mut grads = replay_vjp(&self.body_graph, &args, &[], &g_vars.iter().collect::<Vec<_>>());
        let gc = grads.split_off(vars.iter().filter(|v| v.dtype().is_float()).count());
        (grads, gc)
    }

    fn gradient(&self, lv: &[Tensor], caps: &[Tensor], gs: &[Tensor]) -> Vec<Option<Tensor>> {
        let n = lv.len();
        let with_caps = |vars: &[Tensor]| -> Vec<Tensor> { vars.iter().chain(caps).cloned().collect() };
        let body = |v: &[Tensor]| crate::graph::executor::replay(&self.body_graph, &with_caps(&v[1..=n]));
        let var_shapes = || self.specs.iter().map(|s| s.shape.clone());
        // Forward again to count the iterations: [i, vars...].
        let mut init = vec![crate::constant(0i32)];
        init.extend(lv.iter().cloned());
        let max = self.max_iterations;
        let counted = super::while_loop_with(
            |v| {
                let go = crate::graph::executor::replay(&self.cond_graph, &with_caps(&v[1..=n])).remove(0);
                match max {
                    Some(m) => crate::logical_and(&crate::less(&v[0], &crate::constant(m as i32)), &go),
                    None => go,
                }
            },
            |v| std::iter::once(&v[0] + 1i32).chain(body(v)).collect(),
            &init,
            super::WhileOptions {
                maximum_iterations: None,
                shape_invariants: Some(std::iter::once(crate::Shape::scalar()).chain(var_shapes()).collect()),
            },
        );
        let count = crate::reshape(&counted[0], [1]);
        // Forward once more, writing each iteration's state into row i of a stack made
        // `[iterations, ...var]` up front: every loop variable keeps its shape across
        // iterations, so a tape can differentiate this loop again (higher orders).
        let rows = crate::cumsum(&crate::fill_dims(&count, &crate::constant(1i32)), 0, true, false);
        let stacks: Vec<Tensor> = lv
            .iter()
            .map(|v| crate::fill_dims(&crate::concat(&[&count, &crate::shape(v)], 0), &crate::zeros([], v.dtype())))
            .collect();
        let mut init = vec![crate::constant(0i32)];
        init.extend(lv.iter().cloned());
        init.extend(stacks);
        let mut inv: Vec<crate::Shape> = vec![crate::Shape::scalar()];
        inv.extend(var_shapes());
        inv.extend(var_shapes().map(|s| {
            let dims: Vec<Option<usize>> = std::iter::once(None).chain((0..s.rank()).map(|d| s.dim(d))).collect();
            crate::Shape::partial(&dims)
        }));
        let fwd = super::while_loop_with(
            |v| crate::less(&v[0], &counted[0]),
            |v| {
                let at = crate::equal(&rows, &v[0]);
                let mut out = vec![&v[0] + 1i32];
                out.extend(body(v));
                out.extend((0..n).map(|j| {
                    let mask: Vec<i64> = std::iter::once(-1).chain(std::iter::repeat_n(1, v[1 + j].rank())).collect();
                    crate::where_(&crate::reshape(&at, mask), &crate::expand_dims(&v[1 + j], 0), &v[1 + n + j])
                }));
                out
            },
            &init,
            super::WhileOptions {
                maximum_iterations: None,
                shape_invariants: Some(inv),
            },
        );
        let (count, stacks) = (fwd[0].clone(), fwd[1 + n..].to_vec());
        // Back over the iterations: [k, float-var grads..., float-capture grads...].
        let is_float = |t: &Tensor| t.dtype().is_float();
        let g_vars: Vec<Tensor> = (0..n).filter(|&j| is_float(&lv[j])).map(|j| gs[j].clone()).collect();
        let g_caps: Vec<Tensor> = caps.iter().filter(|c| is_float(c)).map(crate::zeros_like).collect();
        let (nv, nc) = (g_vars.len(), g_caps.len());
        let mut init = vec![count];
        init.extend(g_vars);
        init.extend(g_caps);
        let back = super::while_loop(
            |v| crate::greater(&v[0], &crate::constant(0i32)),
            |v| {
                let k = &v[0] - 1i32;
                let state: Vec<Tensor> = stacks.iter().map(|s| crate::gather(s, &k, 0)).collect();
                let (gv, gc) = self.body_vjp(&state, caps, &v[1..=nv]);
                let mut out = vec![k];
                out.extend(gv);
                out.extend(gc.iter().zip(&v[1 + nv..]).map(|(a, b)| a + b));
                out
            },
            &init,
            None,
        );
        debug_assert_eq!(back.len(), 1 + nv + nc);
        let mut grads = float_slots(lv, back[1..=nv].iter().cloned());
        grads.extend(float_slots(caps, back[1 + nv..].iter().cloned()));
        grads
    }
}
