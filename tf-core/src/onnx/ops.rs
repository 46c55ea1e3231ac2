//! Each op of a traced graph as the ONNX ops that compute it.

use super::{attr, input_dims, onnx_dtype, padding, tensor_proto, Attr, Builder, Converted, Padding};
use crate::graph::{Graph, Node, NodeKind};
use crate::ops::TensorSpec;
use crate::{DType, Error, Result, Shape};

impl Builder {
    /// The ONNX values of node `i`'s outputs.
    pub(super) fn convert(&mut self, g: &Graph, i: usize, n: &Node, args: &[String], values: &[Vec<String>]) -> Converted {
        let x = |k: usize| -> &str {
            let (m, o) = n.inputs[k];
            &values[m][o]
        };
        // The inputs' names, for the ops that write subgraphs (and so borrow `self`).
        let owned = || -> Vec<String> { (0..n.inputs.len()).map(|k| x(k).to_string()).collect() };
        let a = match &n.kind {
            NodeKind::Placeholder { index } => return Ok(vec![args[*index].clone()]),
            NodeKind::Const(t) => return Ok(vec![self.init(&format!("const_{i}"), t)?]),
            NodeKind::ReadVariable(v) => {
                if let Some(name) = self.variables.get(v.name()) {
                    return Ok(vec![name.clone()]);
                }
                let name = self.init(v.name(), &v.value())?;
                self.variables.insert(v.name().to_string(), name.clone());
                return Ok(vec![name]);
            }
            NodeKind::Op { attrs, .. } => attrs,
            NodeKind::If { then_graph, else_graph } => return self.if_op(n, &owned(), then_graph, else_graph),
            NodeKind::While {
                cond_graph,
                body_graph,
                loop_vars,
                max_iterations,
            } => return self.loop_op(&owned(), cond_graph, body_graph, *loop_vars, *max_iterations),
            _ => {
                return Err(Error::Unimplemented(
                    "loops over datasets and variable updates have no ONNX export here".into(),
                ))
            }
        };
        let bad = |m: String| Err(Error::Unimplemented(m));
        let dtype = n.outputs.first().map(|s| s.dtype);
        let float = matches!(dtype, Some(DType::F32 | DType::F64));
        let one = |b: &mut Builder, f: &str, ins: &[&str]| -> Converted { Ok(vec![b.op(f, ins, |_| {})]) };
        let name = n.op_name();
        // One-to-one ops.
        let direct = match name {
            "Neg" | "Abs" | "Sign" | "Relu" | "Exp" | "Log" | "Sqrt" | "Reciprocal" | "Sin" | "Cos" | "Tan" | "Sinh" | "Cosh" | "Asin"
            | "Acos" | "Atan" | "Asinh" | "Atanh" | "Tanh" | "Erf" | "Floor" | "Ceil" | "Round" | "Sigmoid" | "Sub" | "Mul" | "Pow"
            | "Equal" | "Less" | "Greater" => Some(name),
            "LessEqual" => Some("LessOrEqual"),
            "GreaterEqual" => Some("GreaterOrEqual"),
            "StopGradient" => Some("Identity"),
            "LogicalNot" => Some("Not"),
            "AddV2" => Some("Add"),
            "RealDiv" => Some("Div"),
            "TruncateDiv" if !float => Some("Div"),
            "Maximum" => Some("Max"),
            "Minimum" => Some("Min"),
            "LogicalAnd" => Some("And"),
            "LogicalOr" => Some("Or"),
            "SelectV2" => Some("Where"),
            _ => None,
        };
        if let Some(op) = direct {
            let ins: Vec<&str> = (0..n.inputs.len()).map(x).collect();
            if let Some(y) = self.in_nchw(g, n, op, &ins)? {
                return Ok(vec![y]);
            }
            return one(self, op, &ins);
        }
        let dt = |k: usize| g.nodes[n.inputs[k].0].outputs[n.inputs[k].1].dtype;
        match name {
            "Square" => one(self, "Mul", &[x(0), x(0)]),
            "Rsqrt" => {
                let s = self.op("Sqrt", &[x(0)], |_| {});
                one(self, "Reciprocal", &[&s])
            }
            "Expm1" | "Log1p" => {
                let c = self.scalar(1.0, dt(0))?;
                if name == "Expm1" {
                    let e = self.op("Exp", &[x(0)], |_| {});
                    one(self, "Sub", &[&e, &c])
                } else {
                    let s = self.op("Add", &[x(0), &c], |_| {});
                    one(self, "Log", &[&s])
                }
            }
            "SquaredDifference" => {
                let d = self.op("Sub", &[x(0), x(1)], |_| {});
                one(self, "Mul", &[&d, &d])
            }
            "NotEqual" => {
                let e = self.op("Equal", &[x(0), x(1)], |_| {});
                one(self, "Not", &[&e])
            }
            "FloorDiv" if float => {
                let d = self.op("Div", &[x(0), x(1)], |_| {});
                one(self, "Floor", &[&d])
            }
            "FloorMod" if !float => Ok(vec![self.op("Mod", &[x(0), x(1)], |n| attr(n, "fmod", Attr::Int(0)))]),
            "FloorMod" => {
                let d = self.op("Div", &[x(0), x(1)], |_| {});
                let f = self.op("Floor", &[&d], |_| {});
                let m = self.op("Mul", &[&f, x(1)], |_| {});
                one(self, "Sub", &[x(0), &m])
            }
            "Cast" => {
                let to = onnx_dtype(a.get_dtype("DstT").map_err(Error::InvalidArgument)?)?;
                Ok(vec![self.op("Cast", &[x(0)], |n| attr(n, "to", Attr::Int(to)))])
            }
            "Sum" | "Max" | "Min" | "Prod" | "Any" | "All" => self.reduce(name, x(0), dt(0), a),
            "ArgMax" | "ArgMin" => {
                let axis = a.get_int("axis").map_err(Error::InvalidArgument)?;
                let r = self.op(name, &[x(0)], |n| {
                    attr(n, "axis", Attr::Int(axis));
                    attr(n, "keepdims", Attr::Int(0));
                });
                self.cast_from_i64(r, dtype)
            }
            "Shape" => {
                let r = self.op("Shape", &[x(0)], |_| {});
                self.cast_from_i64(r, dtype)
            }
            "Size" => {
                let r = self.op("Size", &[x(0)], |_| {});
                self.cast_from_i64(r, dtype)
            }
            "MatMul" => {
                let rank = n.outputs[0].shape.rank();
                let mut perm: Vec<i64> = (0..rank as i64).collect();
                perm.swap(rank - 1, rank - 2);
                let mut side = |k: usize, flag: &str| {
                    if a.get_flag(flag) {
                        self.op("Transpose", &[x(k)], |n| attr(n, "perm", Attr::Ints(&perm)))
                    } else {
                        x(k).to_string()
                    }
                };
                let (l, r) = (side(0, "transpose_a"), side(1, "transpose_b"));
                one(self, "MatMul", &[&l, &r])
            }
            "Reshape" if n.inputs.len() == 1 => {
                let shape = self.ints(a.get_ints("shape").map_err(Error::InvalidArgument)?)?;
                one(self, "Reshape", &[x(0), &shape])
            }
            "StridedSlice" => {
                let (b, e, st) = (
                    a.get_ints("begin").map_err(Error::InvalidArgument)?,
                    a.get_ints("end").map_err(Error::InvalidArgument)?,
                    a.get_ints("strides").map_err(Error::InvalidArgument)?,
                );
                let bits = |n: &str| a.get_int(n).unwrap_or(0);
                let (bm, em, sm) = (bits("begin_mask"), bits("end_mask"), bits("shrink_axis_mask"));
                // Python's slice semantics, which ONNX's Slice shares; a masked bound is
                // the far end (clamped), an indexed dimension a one-wide slice squeezed out.
                let (mut starts, mut ends) = (Vec::new(), Vec::new());
                for d in 0..b.len() {
                    let up = st[d] > 0;
                    if sm >> d & 1 == 1 {
                        starts.push(b[d]);
                        ends.push(if b[d] == -1 { i64::MAX } else { b[d] + 1 });
                        continue;
                    }
                    starts.push(if bm >> d & 1 == 1 {
                        if up {
                            0
                        } else {
                            i64::MAX
                        }
                    } else {
                        b[d]
                    });
                    ends.push(match (em >> d & 1 == 1, up) {
                        (true, true) => i64::MAX,
                        (true, false) => i64::MIN,
                        (false, _) => e[d],
                    });
                }
                let steps: Vec<i64> = (0..b.len()).map(|d| if sm >> d & 1 == 1 { 1 } else { st[d] }).collect();
                let axes: Vec<i64> = (0..b.len() as i64).collect();
                let ins = [self.ints(&starts)?, self.ints(&ends)?, self.ints(&axes)?, self.ints(&steps)?];
                let sliced = self.op("Slice", &[x(0), &ins[0], &ins[1], &ins[2], &ins[3]], |_| {});
                let squeeze: Vec<i64> = (0..b.len() as i64).filter(|d| sm >> d & 1 == 1).collect();
                if squeeze.is_empty() {
                    return Ok(vec![sliced]);
                }
                let axes = self.ints(&squeeze)?;
                one(self, "Squeeze", &[&sliced, &axes])
            }
            "Transpose" => {
                let perm = a.get_ints("perm").map_err(Error::InvalidArgument)?;
                Ok(vec![self.op("Transpose", &[x(0)], |n| attr(n, "perm", Attr::Ints(perm)))])
            }
            "ConcatV2" => {
                let axis = a.get_int("axis").map_err(Error::InvalidArgument)?;
                let ins: Vec<&str> = (0..n.inputs.len()).map(x).collect();
                Ok(vec![self.op("Concat", &ins, |n| attr(n, "axis", Attr::Int(axis)))])
            }
            "GatherV2" if a.get_int("batch_dims").unwrap_or(0) == 0 => {
                let axis = a.get_int("axis").map_err(Error::InvalidArgument)?;
                Ok(vec![self.op("Gather", &[x(0), x(1)], |n| attr(n, "axis", Attr::Int(axis)))])
            }
            "PadV2" => {
                let p = a.get_ints("paddings").map_err(Error::InvalidArgument)?;
                let pads: Vec<i64> = p.iter().step_by(2).chain(p.iter().skip(1).step_by(2)).copied().collect();
                let pads = self.ints(&pads)?;
                let c = self.scalar(a.get_float("constant_values").unwrap_or(0.0), dt(0))?;
                one(self, "Pad", &[x(0), &pads, &c])
            }
            "BroadcastTo" if n.inputs.len() == 1 => {
                // -1 keeps the input's size, as a 1 does in ONNX's two-way broadcast.
                let shape: Vec<i64> = a
                    .get_ints("shape")
                    .map_err(Error::InvalidArgument)?
                    .iter()
                    .map(|&d| if d < 0 { 1 } else { d })
                    .collect();
                let shape = self.ints(&shape)?;
                one(self, "Expand", &[x(0), &shape])
            }
            "ZerosLike" | "OnesLike" => {
                let s = self.op("Shape", &[x(0)], |_| {});
                let v = crate::scalar(if name == "OnesLike" { 1.0 } else { 0.0 }, dt(0));
                let t = tensor_proto(&crate::reshape(&v, [1]), "")?;
                Ok(vec![self.op("ConstantOfShape", &[&s], |n| attr(n, "value", Attr::Tensor(&t)))])
            }
            "Conv2D" | "DepthwiseConv2dNative" => self.conv(g, n, x(0), x(1), a, name == "DepthwiseConv2dNative"),
            "Conv2DBackpropInput" => self.conv_transpose(g, n, x(1), x(0), a),
            "MaxPool" | "AvgPool" => {
                let k = a.get_ints("ksize").map_err(Error::InvalidArgument)?;
                let s = a.opt_ints("strides").unwrap_or(&[1, 1, 1, 1]);
                let pad = padding(a, input_dims(g, n), &k[1..3], &s[1..3], &[1, 1])?;
                let t = self.nchw(x(0));
                let op = if name == "MaxPool" { "MaxPool" } else { "AveragePool" };
                let p = self.op(op, &[&t], |n| {
                    attr(n, "kernel_shape", Attr::Ints(&k[1..3]));
                    attr(n, "strides", Attr::Ints(&s[1..3]));
                    pad.write(n);
                    if name == "AvgPool" {
                        attr(n, "count_include_pad", Attr::Int(0));
                    }
                });
                Ok(vec![self.nhwc(&p)])
            }
            _ => bad("this op has no ONNX form in the exporter".into()),
        }
    }

    /// An elementwise op on the NHWC view of an NCHW value (a convolution's output), alone
    /// or with a scalar or a per-channel vector, run on the NCHW value instead: a
    /// convolution's bias and activation then sit between convolutions without transposes.
    fn in_nchw(&mut self, g: &Graph, n: &Node, op: &str, ins: &[&str]) -> Result<Option<String>> {
        let Some(v) = ins.first().and_then(|x| self.nchw_of.get(*x)).cloned() else {
            return Ok(None);
        };
        let channels = input_dims(g, n).get(3).copied().unwrap_or(Shape::UNKNOWN);
        let other = match ins {
            [_] => None,
            [_, b] => {
                let (m, o) = n.inputs[1];
                match g.nodes[m].outputs[o].shape.dims() {
                    [] => Some(b.to_string()),
                    [c] if *c == channels && channels != Shape::UNKNOWN => {
                        let shape = self.ints(&[channels as i64, 1, 1])?;
                        Some(self.op("Reshape", &[b, &shape], |_| {}))
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let y = match &other {
            Some(b) => self.op(op, &[&v, b], |_| {}),
            None => self.op(op, &[&v], |_| {}),
        };
        Ok(Some(self.nhwc(&y)))
    }

    /// `If` (`tf.cond`): each branch a subgraph reading the captured values from outside.
    fn if_op(&mut self, n: &Node, ins: &[String], then_graph: &Graph, else_graph: &Graph) -> Converted {
        let branch = |b: &mut Builder, g: &Graph| b.subgraph(&[], |b| b.results(g, &ins[1..]));
        let (then_branch, mut outside) = branch(self, then_graph)?;
        let (else_branch, more) = branch(self, else_graph)?;
        outside.extend(more);
        let outs: Vec<String> = n.outputs.iter().map(|_| self.fresh()).collect();
        let names: Vec<&str> = outs.iter().map(String::as_str).collect();
        self.node("If", &[&ins[0]], &names, |n| {
            attr(n, "then_branch", Attr::Graph(&then_branch));
            attr(n, "else_branch", Attr::Graph(&else_branch));
        });
        self.reads(outside);
        Ok(outs)
    }

    /// `While` (`tf.while_loop`) as `Loop`: the condition is computed once before the loop
    /// and again at the end of each pass of the body; the captured values are read from
    /// outside; `maximum_iterations` is the trip count.
    fn loop_op(&mut self, ins: &[String], cond: &Graph, body: &Graph, vars: usize, max: Option<usize>) -> Converted {
        let (init, captured) = ins.split_at(vars);
        let first = self.results(cond, ins)?.remove(0).0;
        let trips = match max {
            Some(m) => self.scalar(m as f64, DType::I64)?,
            None => String::new(),
        };
        let scalar = |d| TensorSpec::new(crate::Shape::scalar(), d);
        let mut formal = vec![(self.fresh(), scalar(DType::I64)), (self.fresh(), scalar(DType::Bool))];
        for k in 0..vars {
            let spec = body.nodes.iter().find_map(|p| match p.kind {
                NodeKind::Placeholder { index } if index == k => Some(p.outputs[0].clone()),
                _ => None,
            });
            let (m, o) = body.outputs[k];
            formal.push((self.fresh(), spec.unwrap_or_else(|| body.nodes[m].outputs[o].clone())));
        }
        let (graph, outside) = self.subgraph(&formal, |b| {
            let mut args: Vec<String> = formal[2..].iter().map(|(v, _)| v.clone()).collect();
            args.extend_from_slice(captured);
            let next = b.results(body, &args)?;
            let mut args: Vec<String> = next.iter().map(|(v, _)| v.clone()).collect();
            args.extend_from_slice(captured);
            let mut out = b.results(cond, &args)?;
            out.truncate(1);
            out.extend(next);
            Ok(out)
        })?;
        let outs: Vec<String> = (0..vars).map(|_| self.fresh()).collect();
        let names: Vec<&str> = outs.iter().map(String::as_str).collect();
        let mut inputs = vec![trips.as_str(), first.as_str()];
        inputs.extend(init.iter().map(String::as_str));
        self.node("Loop", &inputs, &names, |n| attr(n, "body", Attr::Graph(&graph)));
        self.reads(outside);
        Ok(outs)
    }

    /// The values `g` returns, its placeholders bound to `args`, with their specs.
    fn results(&mut self, g: &Graph, args: &[String]) -> Result<Vec<(String, TensorSpec)>> {
        let values = self.values(g, args)?;
        Ok(g.outputs
            .iter()
            .map(|&(m, o)| (values[m][o].clone(), g.nodes[m].outputs[o].clone()))
            .collect())
    }

    /// Records that the last node written also reads `names` (from inside its bodies), so
    /// that what they read is kept.
    fn reads(&mut self, names: Vec<String>) {
        if let Some(n) = self.nodes.last_mut() {
            n.inputs.extend(names);
        }
    }

    /// An int64 result cast to the op's int32 output where it has one.
    fn cast_from_i64(&mut self, r: String, dtype: Option<DType>) -> Converted {
        match dtype {
            Some(DType::I32) => Ok(vec![self.op("Cast", &[&r], |n| attr(n, "to", Attr::Int(6)))]),
            _ => Ok(vec![r]),
        }
    }

    /// The reductions: `axis` absent reduces every dimension, an empty one none.
    fn reduce(&mut self, name: &str, x: &str, dtype: DType, a: &crate::ops::Attrs) -> Converted {
        let keep = i64::from(a.get_flag("keep_dims"));
        let axes = a.opt_ints("axis");
        if axes.is_some_and(<[i64]>::is_empty) {
            return Ok(vec![self.op("Identity", &[x], |_| {})]);
        }
        // Booleans reduce as 0/1 integers: any is a max, all a min.
        let (op, input) = match name {
            "Any" | "All" => (
                if name == "Any" { "ReduceMax" } else { "ReduceMin" },
                Some(self.op("Cast", &[x], |n| attr(n, "to", Attr::Int(6)))),
            ),
            "Sum" => ("ReduceSum", None),
            "Max" => ("ReduceMax", None),
            "Min" => ("ReduceMin", None),
            _ => ("ReduceProd", None),
        };
        let input = input.unwrap_or_else(|| x.to_string());
        let r = if op == "ReduceSum" {
            let mut ins = vec![input];
            if let Some(ax) = axes {
                ins.push(self.ints(ax)?);
            }
            let ins: Vec<&str> = ins.iter().map(String::as_str).collect();
            self.op(op, &ins, |n| attr(n, "keepdims", Attr::Int(keep)))
        } else {
            self.op(op, &[&input], |n| {
                if let Some(ax) = axes {
                    attr(n, "axes", Attr::Ints(ax));
                }
                attr(n, "keepdims", Attr::Int(keep));
            })
        };
        match dtype {
            DType::Bool => Ok(vec![self.op("Cast", &[&r], |n| attr(n, "to", Attr::Int(9)))]),
            _ => Ok(vec![r]),
        }
    }

    /// `Conv2D` / `DepthwiseConv2dNative` (NHWC, HWIO / HWCM filters) as ONNX `Conv` (NCHW,
    /// OIHW filters; depthwise as `group` = channels).
    fn conv(&mut self, g: &Graph, n: &Node, x: &str, f: &str, a: &crate::ops::Attrs, depthwise: bool) -> Converted {
        let (w, d) = self.filter(g, n, 1, f, depthwise)?;
        let group = if depthwise { d[2] } else { 1 };
        let s = a.opt_ints("strides").unwrap_or(&[1, 1, 1, 1]);
        let dl = a.opt_ints("dilations").unwrap_or(&[1, 1, 1, 1]);
        let k = [d[0], d[1]];
        let pad = padding(a, input_dims(g, n), &k, &s[1..3], &dl[1..3])?;
        let t = self.nchw(x);
        let c = self.op("Conv", &[&t, &w], |n| {
            attr(n, "kernel_shape", Attr::Ints(&k));
            attr(n, "strides", Attr::Ints(&s[1..3]));
            attr(n, "dilations", Attr::Ints(&dl[1..3]));
            pad.write(n);
            attr(n, "group", Attr::Int(group));
        });
        Ok(vec![self.nhwc(&c)])
    }

    /// `Conv2DBackpropInput` (what `conv2d_transpose` and Keras's `Conv2DTranspose` run) as
    /// ONNX `ConvTranspose`: the padding is the forward convolution's for the output size,
    /// and what the stride leaves over is `output_padding`.
    fn conv_transpose(&mut self, g: &Graph, n: &Node, x: &str, f: &str, a: &crate::ops::Attrs) -> Converted {
        let (w, d) = self.filter(g, n, 0, f, false)?;
        let out = n.outputs[0].shape.dims();
        let (m, o) = n.inputs[1];
        let input = g.nodes[m].outputs[o].shape.dims();
        if out[1..3].contains(&Shape::UNKNOWN) || input[1..3].contains(&Shape::UNKNOWN) {
            return Err(Error::Unimplemented(
                "a transposed convolution's spatial sizes must be known".into(),
            ));
        }
        let s = a.opt_ints("strides").unwrap_or(&[1, 1, 1, 1]);
        let dl = a.opt_ints("dilations").unwrap_or(&[1, 1, 1, 1]);
        let k = [d[0], d[1]];
        let Padding::Explicit(pads) = padding(a, out, &k, &s[1..3], &dl[1..3])? else {
            unreachable!("the sizes are known")
        };
        let mut extra = [0i64; 2];
        for i in 0..2 {
            let full = s[i + 1] * (input[i + 1] as i64 - 1) + (k[i] - 1) * dl[i + 1] + 1 - pads[i] - pads[i + 2];
            extra[i] = out[i + 1] as i64 - full;
            if extra[i] < 0 || extra[i] >= s[i + 1].max(dl[i + 1]) {
                return Err(Error::Unimplemented(format!(
                    "an output size of {} is not reachable here",
                    out[i + 1]
                )));
            }
        }
        let t = self.nchw(x);
        let c = self.op("ConvTranspose", &[&t, &w], |n| {
            attr(n, "kernel_shape", Attr::Ints(&k));
            attr(n, "strides", Attr::Ints(&s[1..3]));
            attr(n, "dilations", Attr::Ints(&dl[1..3]));
            attr(n, "pads", Attr::Ints(&pads));
            attr(n, "output_padding", Attr::Ints(&extra));
        });
        Ok(vec![self.nhwc(&c)])
    }

    /// Input `k` of `n`, a TensorFlow filter (HWIO, or HWCM when `depthwise`), as ONNX's
    /// (OIHW, or (C·M, 1, H, W)), and its TensorFlow dims. A constant or variable filter is
    /// written transposed, under the variable's name; a computed one (a 1-D convolution's
    /// filter with a dimension added) is transposed in the graph.
    fn filter(&mut self, g: &Graph, n: &Node, k: usize, value: &str, depthwise: bool) -> Result<(String, Vec<i64>)> {
        let (fm, fo) = n.inputs[k];
        let spec = &g.nodes[fm].outputs[fo];
        if !spec.shape.is_fully_defined() {
            return Err(Error::Unimplemented("the filter's shape must be known".into()));
        }
        let d: Vec<i64> = spec.shape.dims().iter().map(|&v| v as i64).collect();
        let given = match &g.nodes[fm].kind {
            NodeKind::Const(t) if fo == 0 => Some((t.clone(), format!("const_{fm}"))),
            NodeKind::ReadVariable(v) => Some((v.value(), v.name().to_string())),
            _ => None,
        };
        let perm: &[i64] = if depthwise { &[2, 3, 0, 1] } else { &[3, 2, 0, 1] };
        let onnx_dims = [d[2] * d[3], 1, d[0], d[1]];
        let w = match given {
            Some((f, name)) => {
                let t = crate::transpose(&f, Some(perm));
                let t = if depthwise { crate::reshape(&t, onnx_dims) } else { t };
                self.init(&name, &t)?
            }
            None => {
                let t = self.op("Transpose", &[value], |n| attr(n, "perm", Attr::Ints(perm)));
                if depthwise {
                    let shape = self.ints(&onnx_dims)?;
                    self.op("Reshape", &[&t, &shape], |_| {})
                } else {
                    t
                }
            }
        };
        Ok((w, d))
    }
}
