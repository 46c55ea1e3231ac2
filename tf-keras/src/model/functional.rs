//! The functional API: `Input` makes a symbolic [`KerasTensor`], layers applied to symbolic
//! tensors record a graph, and `Model::new(inputs, outputs)` turns that graph into a model.
//! Shapes are found by running each layer once on a batch of one (which also builds it).

use super::Model;
use crate::layers::{name_index, unique_name, Layer};
use crate::saving::config::{read, Config, ConfigValue, InputSpec};
use std::collections::hash_map::{Entry, HashMap};
use std::sync::Arc;
use tf_core::module::Visitor;
use tf_core::{self as tf, DType, Module, Tensor, Trackable};

enum Source {
    Input,
    /// A layer applied to `inputs`. `output` is `None` for a single-output call, or which of
    /// the outputs of one multi-output call this is, with the call (shared by its outputs'
    /// nodes; it holds every output's shape, `(None, 4)`).
    Layer {
        layer: Arc<dyn Layer>,
        inputs: Vec<KerasTensor>,
        output: Option<(usize, Arc<Vec<String>>)>,
    },
}

struct Node {
    name: String,
    /// The value for a batch of one zeros, which gives the shape and dtype.
    example: Tensor,
    source: Source,
}

/// A symbolic tensor of the functional API: the output of an [`Input`] or of a layer applied
/// to symbolic tensors. The batch dimension is unknown (`None`).
#[derive(Clone)]
pub struct KerasTensor(Arc<Node>);

impl KerasTensor {
    /// The shape with `None` for the batch dimension.
    pub fn shape(&self) -> Vec<Option<usize>> {
        let d = self.0.example.shape().dims();
        std::iter::once(None).chain(d[1..].iter().map(|&v| Some(v))).collect()
    }
    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.0.example.dtype()
    }
    /// The name of the layer (or input) that made it.
    pub fn name(&self) -> &str {
        &self.0.name
    }
    fn key(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
    pub(crate) fn shape_string(&self) -> String {
        shape_string(&self.0.example)
    }
}

/// `(None, 28, 28)` for a batch-one example of shape `[1, 28, 28]`.
pub(crate) fn shape_string(example: &Tensor) -> String {
    let d = example.shape().dims();
    let mut parts = vec!["None".to_string()];
    parts.extend(d.iter().skip(1).map(|v| v.to_string()));
    if parts.len() == 1 {
        "(None,)".into()
    } else {
        format!("({})", parts.join(", "))
    }
}

/// `keras.Input(shape, dtype="float32", name=None)`.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{layers::{Add, Dense}, Apply, Input, Model};
/// // A residual block: y = x + Dense(Dense(x)).
/// let x = Input::new([4]);
/// let h = Dense::new(8).activation("relu").apply(&x);
/// let h = Dense::new(4).apply(&h);
/// let y = Add::new().apply([&x, &h]);
/// assert_eq!(y.shape(), vec![None, Some(4)]);
/// let model = Model::new(&x, &y)?;
/// assert_eq!(model.count_params(), 4 * 8 + 8 + 8 * 4 + 4);
/// # Ok::<(), tf::Error>(())
/// ```
pub struct Input;

impl Input {
    /// A float32 symbolic input of `shape` (without the batch dimension).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(shape: impl AsRef<[usize]>) -> KerasTensor {
        Input::with_dtype(shape, DType::F32)
    }
    /// A symbolic input of `shape` and `dtype`.
    pub fn with_dtype(shape: impl AsRef<[usize]>, dtype: DType) -> KerasTensor {
        let mut dims = vec![1];
        dims.extend_from_slice(shape.as_ref());
        KerasTensor(Arc::new(Node {
            name: next_input_name(),
            example: tf::zeros(dims, dtype),
            source: Source::Input,
        }))
    }
}

/// Keras 2 numbers inputs from one: `input_1`, `input_2`, ...
fn next_input_name() -> String {
    format!("input_{}", name_index("input") + 1)
}

/// The symbolic inputs a layer is applied to: one tensor or several.
pub struct KerasInputs(Vec<KerasTensor>);
impl From<&KerasTensor> for KerasInputs {
    fn from(t: &KerasTensor) -> Self {
        KerasInputs(vec![t.clone()])
    }
}
impl<const N: usize> From<[&KerasTensor; N]> for KerasInputs {
    fn from(t: [&KerasTensor; N]) -> Self {
        KerasInputs(t.iter().map(|&x| x.clone()).collect())
    }
}
impl From<&[KerasTensor]> for KerasInputs {
    fn from(t: &[KerasTensor]) -> Self {
        KerasInputs(t.to_vec())
    }
}
impl From<Vec<KerasTensor>> for KerasInputs {
    fn from(t: Vec<KerasTensor>) -> Self {
        KerasInputs(t)
    }
}

/// Applying a layer to symbolic tensors: `Dense::new(64).apply(&inputs)`. A layer shared
/// between several calls is an `Arc`: `shared.clone().apply(&a)`.
pub trait Apply {
    /// Records the layer applied to `inputs` and returns the symbolic output.
    #[track_caller]
    fn apply(self, inputs: impl Into<KerasInputs>) -> KerasTensor;
    /// Records the layer applied to `inputs` and returns each of its outputs: `outputs, h, c =
    /// LSTM(4, return_state=True)(x)` in Keras.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{layers::LSTM, Apply, Input};
    /// let x = Input::new([10, 8]);
    /// let outs = LSTM::new(4).return_state(true).apply_outputs(&x);
    /// let shapes: Vec<_> = outs.iter().map(|t| t.shape()).collect();
    /// assert_eq!(shapes, vec![vec![None, Some(4)]; 3]); // output, h, c
    /// ```
    #[track_caller]
    fn apply_outputs(self, inputs: impl Into<KerasInputs>) -> Vec<KerasTensor>;
}

impl<L: Layer + 'static> Apply for L {
    #[track_caller]
    fn apply(self, inputs: impl Into<KerasInputs>) -> KerasTensor {
        apply_arc(Arc::new(self), inputs.into().0)
    }
    #[track_caller]
    fn apply_outputs(self, inputs: impl Into<KerasInputs>) -> Vec<KerasTensor> {
        apply_arc_outputs(Arc::new(self), inputs.into().0)
    }
}

/// A shared layer: every `apply` on a clone of the `Arc` reuses the same weights.
impl<L: Layer + 'static> Apply for Arc<L> {
    #[track_caller]
    fn apply(self, inputs: impl Into<KerasInputs>) -> KerasTensor {
        apply_arc(self, inputs.into().0)
    }
    #[track_caller]
    fn apply_outputs(self, inputs: impl Into<KerasInputs>) -> Vec<KerasTensor> {
        apply_arc_outputs(self, inputs.into().0)
    }
}

#[track_caller]
fn apply_arc(layer: Arc<dyn Layer>, inputs: Vec<KerasTensor>) -> KerasTensor {
    let examples: Vec<Tensor> = inputs.iter().map(|t| t.0.example.clone()).collect();
    // The example call builds the layer; losses it adds belong to no model call.
    let example = crate::layers::build_pass(|| layer.call_many(&examples, false));
    KerasTensor(Arc::new(Node {
        name: layer.name(),
        example,
        source: Source::Layer {
            layer,
            inputs,
            output: None,
        },
    }))
}

/// [`apply_arc`] for every output of the layer: one node per output, all from one call.
#[track_caller]
fn apply_arc_outputs(layer: Arc<dyn Layer>, inputs: Vec<KerasTensor>) -> Vec<KerasTensor> {
    if layer.num_outputs() == 1 {
        return vec![apply_arc(layer, inputs)];
    }
    let examples: Vec<Tensor> = inputs.iter().map(|t| t.0.example.clone()).collect();
    let outs = crate::layers::build_pass(|| layer.call_outputs(&examples, false));
    let call = Arc::new(outs.iter().map(shape_string).collect::<Vec<_>>());
    outs.into_iter()
        .enumerate()
        .map(|(i, example)| {
            KerasTensor(Arc::new(Node {
                name: layer.name(),
                example,
                source: Source::Layer {
                    layer: layer.clone(),
                    inputs: inputs.clone(),
                    output: Some((i, call.clone())),
                },
            }))
        })
        .collect()
}

/// A graph of layers from symbolic inputs to outputs (the network of a functional `Model`).
pub struct Functional {
    name: String,
    inputs: Vec<KerasTensor>,
    outputs: Vec<KerasTensor>,
    /// Layer nodes in an order where every node comes after its inputs.
    order: Vec<KerasTensor>,
    /// Each distinct layer once, in first-use order.
    layers: Vec<Arc<dyn Layer>>,
    /// Symbolic losses (`model.add_loss`), each with the nodes it needs beyond `order`,
    /// added on every call.
    losses: std::sync::RwLock<Vec<(KerasTensor, Vec<KerasTensor>)>>,
}

impl Functional {
    fn build(inputs: Vec<KerasTensor>, outputs: Vec<KerasTensor>) -> tf::Result<Functional> {
        let (order, layers) = Self::order(&inputs, &outputs)?;
        Ok(Functional {
            name: unique_name("model"),
            inputs,
            outputs,
            order,
            layers,
            losses: Default::default(),
        })
    }

    /// The layer nodes `outputs` need, each after its inputs, and their distinct layers in
    /// first-use order.
    ///
    /// # Errors
    /// `InvalidArgument` when an output depends on an input not in `inputs`.
    #[allow(clippy::type_complexity)]
    fn order(inputs: &[KerasTensor], outputs: &[KerasTensor]) -> tf::Result<(Vec<KerasTensor>, Vec<Arc<dyn Layer>>)> {
        let mut order = Vec::new();
        let mut seen = HashMap::new();
        fn visit(t: &KerasTensor, inputs: &[KerasTensor], order: &mut Vec<KerasTensor>, seen: &mut HashMap<usize, ()>) -> tf::Result<()> {
            if seen.contains_key(&t.key()) {
                return Ok(());
            }
            seen.insert(t.key(), ());
            match &t.0.source {
                Source::Input => {
                    if !inputs.iter().any(|i| i.key() == t.key()) {
                        return Err(tf::Error::InvalidArgument(format!(
                            "Graph disconnected: cannot obtain value for tensor {} at layer \"{}\". The following previous layers were accessed without issue: []",
                            t.shape_string(),
                            t.name()
                        )));
                    }
                }
                Source::Layer { inputs: parents, .. } => {
                    for p in parents {
                        visit(p, inputs, order, seen)?;
                    }
                    order.push(t.clone());
                }
            }
            Ok(())
        }
        for o in outputs {
            visit(o, inputs, &mut order, &mut seen)?;
        }
        let mut layers: Vec<Arc<dyn Layer>> = Vec::new();
        for n in &order {
            if let Source::Layer { layer, .. } = &n.0.source {
                if !layers.iter().any(|l| Arc::ptr_eq(l, layer)) {
                    layers.push(layer.clone());
                }
            }
        }
        Ok((order, layers))
    }

    /// The symbolic inputs.
    pub fn inputs(&self) -> &[KerasTensor] {
        &self.inputs
    }
    /// The symbolic outputs.
    pub fn outputs(&self) -> &[KerasTensor] {
        &self.outputs
    }
    pub(crate) fn nodes(&self) -> &[KerasTensor] {
        &self.order
    }
    pub(crate) fn node_inputs(t: &KerasTensor) -> Vec<KerasTensor> {
        match &t.0.source {
            Source::Layer { inputs, .. } => inputs.clone(),
            Source::Input => Vec::new(),
        }
    }
    pub(crate) fn node_layer(t: &KerasTensor) -> Option<&Arc<dyn Layer>> {
        match &t.0.source {
            Source::Layer { layer, .. } => Some(layer),
            Source::Input => None,
        }
    }
    /// Which output of its layer's call a node is (`None`: the layer's only output).
    pub(crate) fn node_output(t: &KerasTensor) -> Option<usize> {
        match &t.0.source {
            Source::Layer { output, .. } => output.as_ref().map(|(i, _)| *i),
            Source::Input => None,
        }
    }
    /// The call a multi-output node came from, as a key its outputs share, and the shapes of
    /// all its outputs.
    pub(crate) fn node_call(t: &KerasTensor) -> Option<(usize, &[String])> {
        match &t.0.source {
            Source::Layer {
                output: Some((_, call)), ..
            } => Some((Arc::as_ptr(call) as usize, call.as_slice())),
            _ => None,
        }
    }

    /// Runs the graph on concrete inputs, one per symbolic input, returning every output.
    ///
    /// # Panics
    /// When the number of inputs differs from the model's, naming both.
    #[track_caller]
    fn run(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        self.run_masked(inputs, &[], training).0
    }

    /// [`run`](Self::run) with the inputs' masks (missing ones are `None`), carrying each
    /// layer's output mask to the layers it feeds: every output and the first one's mask.
    #[track_caller]
    fn run_masked(&self, inputs: &[Tensor], input_masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        if inputs.len() != self.inputs.len() {
            panic!(
                "Layer \"{}\" expects {} input(s), but it received {} input tensors.",
                self.name,
                self.inputs.len(),
                inputs.len()
            );
        }
        let mut values: HashMap<usize, Tensor> = self.inputs.iter().zip(inputs).map(|(k, v)| (k.key(), v.clone())).collect();
        let mut masks: HashMap<usize, Tensor> = HashMap::new();
        for (k, m) in self.inputs.iter().zip(input_masks) {
            if let Some(m) = m {
                masks.insert(k.key(), m.clone());
            }
        }
        // The outputs of multi-output calls, by call: the layer runs once for all of them.
        let mut calls: HashMap<usize, (Vec<Tensor>, Option<Tensor>)> = HashMap::new();
        let losses = self.losses.read().unwrap_or_else(|p| p.into_inner());
        let loss_nodes = losses.iter().flat_map(|(_, extra)| extra);
        for n in self.order.iter().chain(loss_nodes) {
            if let Source::Layer { layer, inputs, output } = &n.0.source {
                let xs: Vec<Tensor> = inputs.iter().map(|i| values[&i.key()].clone()).collect();
                let ms: Vec<Option<Tensor>> = inputs.iter().map(|i| masks.get(&i.key()).cloned()).collect();
                let (y, mask) = match output {
                    None => {
                        let (mut ys, mask) = layer.call_masked(&xs, &ms, training);
                        (ys.swap_remove(0), mask)
                    }
                    Some((i, call)) => {
                        let key = Arc::as_ptr(call) as usize;
                        let (ys, mask) = calls.entry(key).or_insert_with(|| layer.call_masked(&xs, &ms, training));
                        // Only a call's first output carries its mask (a recurrent layer's
                        // states have none).
                        (ys[*i].clone(), if *i == 0 { mask.clone() } else { None })
                    }
                };
                values.insert(n.key(), y);
                if let Some(m) = mask {
                    masks.insert(n.key(), m);
                }
            }
        }
        for (loss, _) in losses.iter() {
            crate::layers::add_loss(&values[&loss.key()]);
        }
        let outputs = self.outputs.iter().map(|o| values[&o.key()].clone()).collect();
        (outputs, self.outputs.first().and_then(|o| masks.get(&o.key()).cloned()))
    }
}

impl Module for Functional {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn visit_fields<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for l in &self.layers {
            l.track(l.name(), true, v);
        }
    }
    /// Keras numbers a functional model's input layers first.
    fn visit_checkpoint<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        super::visit_layer_edges(&self.layers, self.inputs.len(), v);
    }
}

impl Layer for Functional {
    #[track_caller]
    fn call(&self, x: &Tensor, training: bool) -> Tensor {
        self.call_many(std::slice::from_ref(x), training)
    }
    #[track_caller]
    fn call_many(&self, inputs: &[Tensor], training: bool) -> Tensor {
        let mut out = self.run(inputs, training);
        if out.len() != 1 {
            panic!(
                "model \"{}\" has {} outputs; use `call_outputs` to get them all",
                self.name,
                out.len()
            );
        }
        out.remove(0)
    }
    /// Runs the graph on concrete inputs, one per symbolic input, returning every output.
    #[track_caller]
    fn call_outputs(&self, inputs: &[Tensor], training: bool) -> Vec<Tensor> {
        self.run(inputs, training)
    }
    fn supports_masking(&self) -> bool {
        true
    }
    /// The first output's mask (runs the graph: use [`call_masked`](Layer::call_masked) for
    /// both).
    #[track_caller]
    fn compute_mask(&self, inputs: &[Tensor], masks: &[Option<Tensor>]) -> Option<Tensor> {
        self.run_masked(inputs, masks, false).1
    }
    #[track_caller]
    fn call_masked(&self, inputs: &[Tensor], masks: &[Option<Tensor>], training: bool) -> (Vec<Tensor>, Option<Tensor>) {
        self.run_masked(inputs, masks, training)
    }
    /// The output layers' names (an output that is an input keeps the input's name).
    fn output_names(&self) -> Vec<String> {
        self.outputs
            .iter()
            .map(|o| match Functional::node_layer(o) {
                Some(l) => l.name(),
                None => o.0.name.clone(),
            })
            .collect()
    }
    fn num_inputs(&self) -> usize {
        self.inputs.len()
    }
    fn num_outputs(&self) -> usize {
        self.outputs.len()
    }
    fn class_name(&self) -> String {
        "Functional".into()
    }
    fn get_config(&self) -> Option<Config> {
        self.config()
    }
    fn declared_input_shape(&self) -> Option<Vec<usize>> {
        match self.inputs.as_slice() {
            [one] => Some(one.0.example.shape().dims()[1..].to_vec()),
            _ => None,
        }
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        self.layers.iter().map(|l| l.as_ref() as &dyn Layer).collect()
    }
}

/// Where a node's input comes from in a saved functional config: `["input", k]` or
/// `["node", k]` (`k`-th in [`Functional::nodes`] order).
fn tensor_ref(f: &Functional, t: &KerasTensor) -> serde_json::Value {
    match f.inputs.iter().position(|i| i.key() == t.key()) {
        Some(k) => serde_json::json!(["input", k]),
        None => serde_json::json!(["node", f.order.iter().position(|n| n.key() == t.key()).unwrap_or(usize::MAX)]),
    }
}

impl Functional {
    /// Keras's functional config: the inputs, each distinct layer once, and the calls
    /// between them in graph order.
    pub(crate) fn config(&self) -> Option<Config> {
        // A symbolic loss comes from layers outside the graph (a `Lambda`): no config.
        if !self.losses.read().unwrap_or_else(|p| p.into_inner()).is_empty() {
            return None;
        }
        let layers: Vec<serde_json::Value> = self
            .layers
            .iter()
            .map(|l| crate::layers::serialize(&**l).ok())
            .collect::<Option<_>>()?;
        let inputs: Vec<InputSpec> = self
            .inputs
            .iter()
            .map(|i| InputSpec {
                name: i.name().to_string(),
                shape: i.0.example.shape().dims()[1..].to_vec(),
                dtype: i.dtype(),
            })
            .collect();
        let nodes: Vec<serde_json::Value> = self
            .order
            .iter()
            .map(|n| {
                let layer = Functional::node_layer(n).and_then(|l| self.layers.iter().position(|k| Arc::ptr_eq(k, l)));
                let ins: Vec<serde_json::Value> = Functional::node_inputs(n).iter().map(|t| tensor_ref(self, t)).collect();
                match Functional::node_output(n) {
                    Some(i) => serde_json::json!({ "layer": layer, "inputs": ins, "output": i }),
                    None => serde_json::json!({ "layer": layer, "inputs": ins }),
                }
            })
            .collect();
        let outputs: Vec<serde_json::Value> = self.outputs.iter().map(|t| tensor_ref(self, t)).collect();
        let mut c = Config::new();
        c.insert("name".into(), self.name.clone().into());
        c.insert("input_layers".into(), inputs.to_config());
        c.insert("layers".into(), layers.into());
        c.insert("nodes".into(), nodes.into());
        c.insert("output_layers".into(), outputs.into());
        Some(c)
    }

    /// Rebuilds what [`config`](Self::config) describes (unbuilt layers are built by running
    /// them on the inputs' batch-of-one examples, as `apply` does).
    pub(crate) fn from_config(c: &Config) -> tf::Result<Model<Functional>> {
        let bad = |what: &str| tf::Error::InvalidArgument(format!("functional config: {what}"));
        let list = |k: &str| {
            c.get(k)
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| bad(&format!("`{k}` is not a list")))
        };
        let specs: Vec<InputSpec> =
            ConfigValue::from_config(c.get("input_layers").unwrap_or(&serde_json::Value::Null), "Functional.input_layers")?;
        let inputs: Vec<KerasTensor> = specs
            .into_iter()
            .map(|s| {
                KerasTensor(Arc::new(Node {
                    example: s.zeros(),
                    name: s.name,
                    source: Source::Input,
                }))
            })
            .collect();
        let layers: Vec<Arc<dyn Layer>> = list("layers")?
            .iter()
            .map(|l| crate::layers::deserialize(l).map(Arc::from))
            .collect::<tf::Result<_>>()?;
        let mut nodes: Vec<KerasTensor> = Vec::new();
        let resolve = |r: &serde_json::Value, nodes: &[KerasTensor]| -> tf::Result<KerasTensor> {
            let pair = r.as_array().map(Vec::as_slice);
            let (kind, k) = match pair {
                Some([kind, k]) => (kind.as_str(), k.as_u64().and_then(|k| usize::try_from(k).ok())),
                _ => (None, None),
            };
            let found = match (kind, k) {
                (Some("input"), Some(k)) => inputs.get(k),
                (Some("node"), Some(k)) => nodes.get(k),
                _ => None,
            };
            found.cloned().ok_or_else(|| bad(&format!("{r} names no earlier tensor")))
        };
        // Multi-output calls already made, by layer and input tensors (their nodes): the
        // call's other outputs' nodes reuse them.
        let mut made: HashMap<(usize, Vec<*const Node>), Vec<KerasTensor>> = HashMap::new();
        for n in list("nodes")? {
            let (li, layer) = n
                .get("layer")
                .and_then(serde_json::Value::as_u64)
                .and_then(|k| usize::try_from(k).ok())
                .and_then(|k| Some((k, layers.get(k)?)))
                .ok_or_else(|| bad(&format!("node {n} names no layer")))?;
            let refs = n
                .get("inputs")
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| bad("a node has no inputs"))?;
            let ins: Vec<KerasTensor> = refs.iter().map(|r| resolve(r, &nodes)).collect::<tf::Result<_>>()?;
            let what = format!("functional config: applying layer \"{}\"", layer.name());
            let t = match n.get("output").and_then(serde_json::Value::as_u64) {
                None => super::training::checked(&what, || apply_arc(layer.clone(), ins))?,
                Some(i) => {
                    let call = (li, ins.iter().map(|t| Arc::as_ptr(&t.0)).collect());
                    let outs = match made.entry(call) {
                        Entry::Occupied(e) => e.into_mut(),
                        Entry::Vacant(e) => e.insert(super::training::checked(&what, || apply_arc_outputs(layer.clone(), ins))?),
                    };
                    outs.get(i as usize)
                        .cloned()
                        .ok_or_else(|| bad(&format!("node {n} names output {i} of a layer with fewer")))?
                }
            };
            nodes.push(t);
        }
        let outputs: Vec<KerasTensor> = list("output_layers")?
            .iter()
            .map(|r| resolve(r, &nodes))
            .collect::<tf::Result<_>>()?;
        let mut f = Functional::build(inputs, outputs)?;
        read(c, "name", "Functional", &mut f.name)?;
        let name = f.name.clone();
        Ok(Model::wrap(f).with_name(name))
    }
}

impl Model<Functional> {
    /// `keras.Model(inputs, outputs)`: the functional model from symbolic inputs to outputs.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Layer}, Apply};
    /// let inputs = keras::Input::new([4]);
    /// let h = Dense::new(8).activation("relu").apply(&inputs);
    /// let outputs = Dense::new(1).apply(&h);
    /// let model = keras::Model::new(&inputs, &outputs).unwrap();
    /// assert_eq!(model.call(&tf::ones([3, 4], tf::float32), false).shape().dims(), &[3, 1]);
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when an output depends on an input not listed (`Graph disconnected`).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(inputs: impl Into<KerasInputs>, outputs: impl Into<KerasInputs>) -> tf::Result<Model<Functional>> {
        Ok(Model::wrap(Functional::build(inputs.into().0, outputs.into().0)?))
    }

    /// `model.add_loss(symbolic_loss)`: a scalar computed from the model's symbolic tensors
    /// (intermediate ones too), added to `model.losses()` on every call and so to the loss
    /// `fit` and `evaluate` minimize and report. A weightless layer such as `Lambda` makes
    /// it from the model's tensors:
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Lambda, Layer}, Apply};
    /// let inputs = keras::Input::new([3]);
    /// let h = Dense::new(4).activation("tanh").apply(&inputs);
    /// let outputs = Dense::new(2).apply(&h);
    /// let model = keras::Model::new(&inputs, &outputs)?;
    /// let penalty = Lambda::new(|h| tf::reduce_mean(&tf::square(h), None, false) * 0.05f32).apply(&h);
    /// model.add_loss(&penalty)?;
    /// model.call(&tf::ones([2, 3], tf::float32), false);
    /// assert_eq!(model.losses().len(), 1);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// A model with such a loss has no config (its `Lambda` has none), so it saves its
    /// weights but not its architecture.
    ///
    /// # Errors
    /// `InvalidArgument` when the loss is not a scalar, depends on an input the model does
    /// not have, or comes through a layer with weights that the model does not use (apply
    /// that layer inside the model instead).
    pub fn add_loss(&self, loss: &KerasTensor) -> tf::Result<()> {
        if loss.0.example.rank() != 0 {
            return Err(tf::Error::InvalidArgument(format!(
                "model.add_loss: the loss must be a scalar, got shape {}",
                loss.0.example.shape()
            )));
        }
        let net = &self.net;
        // The nodes the loss needs that the model's graph does not compute, inputs first.
        let known: HashMap<usize, ()> = net.order.iter().chain(&net.inputs).map(|t| (t.key(), ())).collect();
        let (extra, _) = Functional::order(&net.inputs, std::slice::from_ref(loss))?;
        let extra: Vec<KerasTensor> = extra.into_iter().filter(|t| !known.contains_key(&t.key())).collect();
        if let Some(t) = extra
            .iter()
            .find(|t| Functional::node_layer(t).is_some_and(|l| !l.variables().is_empty()))
        {
            return Err(tf::Error::InvalidArgument(format!(
                "model.add_loss: the loss comes through layer \"{}\", which has weights the model does not use; apply it inside the model",
                t.name()
            )));
        }
        net.losses.write().unwrap_or_else(|p| p.into_inner()).push((loss.clone(), extra));
        Ok(())
    }
}
