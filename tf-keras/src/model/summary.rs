//! `model.summary()`: Keras 2's table of layers, output shapes and parameter counts.

use super::functional::{shape_string, Functional};
use super::{Model, Stack};
use crate::layers::Layer;
use std::any::Any;
use tf_core::{self as tf, Error, Module, Result, Tensor};

/// Keras's `print_row`: each field cut to its column (breaking after `),` `],` `',` when it
/// would not fit), continuation lines until every field is printed.
fn print_row(out: &mut String, fields: &[String], positions: &[usize]) {
    let mut left: Vec<String> = fields.to_vec();
    while left.iter().any(|f| !f.is_empty()) {
        let mut line = String::new();
        for col in 0..left.len() {
            let start = if col > 0 { positions[col - 1] } else { 0 };
            let end = positions[col];
            let last = col == positions.len() - 1;
            let space = if last { 0 } else { 2 };
            let mut cutoff = end - start - space;
            if !last {
                cutoff -= 1;
            }
            let chars: Vec<char> = left[col].chars().collect();
            let mut fit: String = chars.iter().take(cutoff).collect();
            let cands: Vec<usize> = ["),", "},", "],", "',"]
                .iter()
                .filter_map(|p| fit.find(p).map(|i| i + p.len()))
                .collect();
            if let Some(&c) = cands.iter().min() {
                cutoff = c;
                fit = chars.iter().take(c).collect();
            }
            if col == 0 {
                line.push(' ');
            }
            line.push_str(&fit);
            line.push_str(&" ".repeat(space));
            left[col] = chars.iter().skip(cutoff).collect();
            let len = line.chars().count();
            line.push_str(&" ".repeat(positions[col].saturating_sub(len)));
        }
        out.push_str(&line);
        out.push('\n');
    }
}

/// Keras's `readable_memory_size`.
fn readable(bytes: f64) -> String {
    let mut v = bytes;
    for unit in ["Byte", "KB", "MB", "GB", "TB"] {
        if v / 1024.0 < 1.0 {
            return format!("{v:.2} {unit}");
        }
        v /= 1024.0;
    }
    format!("{v:.2} PB")
}

fn params(l: &dyn Module) -> (usize, usize) {
    let mut t = 0;
    let mut n = 0;
    for (_, v, trainable) in l.named_variables() {
        let k = v.shape().num_elements();
        if trainable {
            t += k;
        } else {
            n += k;
        }
    }
    (t, n)
}

fn bytes(l: &dyn Module, trainable: Option<bool>) -> f64 {
    l.named_variables()
        .into_iter()
        .filter(|(_, _, t)| trainable.is_none_or(|want| *t == want))
        .map(|(_, v, _)| (v.shape().num_elements() * v.dtype().size()) as f64)
        .sum::<f64>()
        + 0.0 // an empty sum is -0.0
}

impl<L: Layer + 'static> Model<L> {
    /// The `summary()` text.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let model = keras::sequential![Flatten::new().input_shape([28, 28]), Dense::new(128).activation("relu"), Dense::new(10)];
    /// let s = model.summary_string()?;
    /// assert!(s.contains("Total params: 101770 (397.54 KB)")); // Keras 2's format
    /// assert!(s.contains("(None, 784)")); // Flatten's output shape
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidArgument` when the model has not been built (a `Sequential` without an
    /// `input_shape` that was never called), with Keras's message.
    pub fn summary_string(&self) -> Result<String> {
        let any: &dyn Any = &self.net;
        let width = 65;
        let mut positions = vec![29, 55, 65];
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["Layer (type)".to_string(), "Output Shape".into(), "Param #".into()];
        let mut out_width = width;
        // A Sequential, built here or loaded (then it sits behind a `Box<dyn Layer>`; a revived
        // one, without layers, takes the generic path).
        let loaded_sequential = self.net.class_name() == "Sequential" && !self.net.layers().is_empty();
        if any.is::<Stack>() || loaded_sequential {
            let shape = self.net.declared_input_shape().ok_or_else(not_built)?;
            let mut dims = vec![1];
            dims.extend(shape);
            let mut h = tf::zeros(dims, tf::DType::F32);
            for l in self.net.layers() {
                h = crate::layers::on_placeholders(|| l.call(&h, false));
                let (t, n) = params(l);
                rows.push(vec![
                    format!("{} ({})", l.name(), l.class_name()),
                    shape_string(&h),
                    (t + n).to_string(),
                ]);
            }
        } else if let Some(f) = any.downcast_ref::<Functional>() {
            let chain = f.inputs().len() == 1 && f.outputs().len() == 1 && f.nodes().iter().all(|n| Functional::node_inputs(n).len() == 1);
            if !chain {
                out_width = 98;
                positions = vec![29, 58, 68, 98];
                header.push("Connected to".into());
            }
            let connect = |ins: &[super::KerasTensor]| -> String {
                let parts: Vec<String> = ins
                    .iter()
                    .map(|i| format!("'{}[0][{}]'", i.name(), Functional::node_output(i).unwrap_or(0)))
                    .collect();
                format!("[{}]", parts.join(", "))
            };
            for i in f.inputs() {
                let mut r = vec![format!("{} (InputLayer)", i.name()), format!("[{}]", i.shape_string()), "0".into()];
                if !chain {
                    r.push("[]".into());
                }
                rows.push(r);
            }
            let mut printed_calls = std::collections::HashSet::new();
            for n in f.nodes() {
                let layer = Functional::node_layer(n).expect("layer node");
                let (t, nt) = params(layer.as_ref());
                // A layer call with several outputs is one row listing their shapes, as Keras 2
                // prints `[(None, 4), (None, 4), (None, 4)]`.
                let shape = match Functional::node_call(n) {
                    None => n.shape_string(),
                    Some((call, shapes)) => {
                        if !printed_calls.insert(call) {
                            continue;
                        }
                        format!("[{}]", shapes.join(", "))
                    }
                };
                let mut r = vec![format!("{} ({})", layer.name(), layer.class_name()), shape, (t + nt).to_string()];
                if !chain {
                    r.push(connect(&Functional::node_inputs(n)));
                }
                rows.push(r);
            }
        } else {
            let layers = self.net.layers();
            if layers.is_empty() && self.net.variables().is_empty() {
                return Err(not_built());
            }
            for l in layers {
                let (t, n) = params(l);
                rows.push(vec![
                    format!("{} ({})", l.name(), l.class_name()),
                    "multiple".into(),
                    (t + n).to_string(),
                ]);
            }
        }
        let mut s = format!("Model: \"{}\"\n", self.name());
        s.push_str(&"_".repeat(out_width));
        s.push('\n');
        print_row(&mut s, &header, &positions);
        s.push_str(&"=".repeat(out_width));
        s.push('\n');
        for r in &rows {
            print_row(&mut s, r, &positions);
            s.push_str(&" ".repeat(out_width));
            s.push('\n');
        }
        s.push_str(&"=".repeat(out_width));
        s.push('\n');
        let (t, n) = params(&self.net);
        s.push_str(&format!("Total params: {} ({})\n", t + n, readable(bytes(&self.net, None))));
        s.push_str(&format!("Trainable params: {t} ({})\n", readable(bytes(&self.net, Some(true)))));
        s.push_str(&format!(
            "Non-trainable params: {n} ({})\n",
            readable(bytes(&self.net, Some(false)))
        ));
        s.push_str(&"_".repeat(out_width));
        s.push('\n');
        Ok(s)
    }

    /// `model.summary()`: prints the table.
    pub fn summary(&self) {
        match self.summary_string() {
            Ok(s) => print!("{s}"),
            Err(e) => println!("{e}"),
        }
    }

    /// `model.count_params()`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let model = keras::sequential![Flatten::new().input_shape([28, 28]), Dense::new(128).activation("relu"), Dense::new(10)];
    /// assert_eq!(model.count_params(), 101_770); // as Keras counts them for the tutorial's MLP
    /// ```
    pub fn count_params(&self) -> usize {
        let (t, n) = params(&self.net);
        t + n
    }

    /// `model.build(input_shape)`: creates the weights by calling the model on a batch of
    /// one zeros of `input_shape` (without the batch dimension).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf_keras::{self as keras, layers::{Dense, Flatten}};
    /// let model = keras::sequential![Dense::new(4)];
    /// assert!(model.get_weights().is_empty()); // no input shape yet: no weights
    /// model.build([3]);
    /// assert_eq!(model.get_weights()[0].shape().dims(), &[3, 4]);
    /// ```
    pub fn build(&self, input_shape: impl AsRef<[usize]>) -> Tensor {
        let mut dims = vec![1];
        dims.extend_from_slice(input_shape.as_ref());
        crate::layers::build_pass(|| self.net.call(&tf::zeros(dims, tf::DType::F32), false))
    }
}

fn not_built() -> Error {
    Error::InvalidArgument(
        "This model has not yet been built. Build the model first by calling `build()` or by calling the model on a batch of data.".into(),
    )
}
