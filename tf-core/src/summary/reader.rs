//! Reading event files back: `tf.compat.v1.train.summary_iterator`, for tests and tools that
//! check what a training run logged.

use crate::proto::{fields, read_shape, Value};
use crate::train::bundle::dtype_from_code;
use crate::{Error, Result, Tensor};
use std::path::Path;

/// One record of an event file.
#[derive(Clone, Debug)]
pub struct Event {
    /// Seconds since the epoch.
    pub wall_time: f64,
    /// The step the event was written at.
    pub step: i64,
    /// What it holds.
    pub what: EventKind,
}

/// The payload of an [`Event`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EventKind {
    /// `file_version` (`brain.Event:2`).
    FileVersion(String),
    /// A serialized `GraphDef`.
    GraphDef(Vec<u8>),
    /// The values of a `Summary`.
    Summary(Vec<SummaryValue>),
    /// A kind this reader does not decode.
    Other,
}

/// One `Summary.Value`.
#[derive(Clone, Debug)]
pub struct SummaryValue {
    /// The tag (`epoch_loss`).
    pub tag: String,
    /// `metadata.plugin_data.plugin_name` (`scalars`, `histograms`, `images`, `text`).
    pub plugin_name: String,
    /// A numeric `tensor`, decoded.
    pub tensor: Option<Tensor>,
    /// A string `tensor`'s entries (text, encoded images).
    pub strings: Vec<Vec<u8>>,
    /// A legacy `simple_value`.
    pub simple_value: Option<f32>,
}

/// `tf.compat.v1.train.summary_iterator(path)`: every event in the file, in order.
///
/// # Errors
/// `Io` for an unreadable file; `DataLoss` naming the file and record for a damaged record
/// (bad CRC, truncation) or a malformed event.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<Event>> {
    let path = path.as_ref();
    let mut out = Vec::new();
    for (i, rec) in crate::data::tfrecord_dataset(&[path]).iter().enumerate() {
        let rec = rec?;
        out.push(event(&rec).map_err(|e| Error::DataLoss(format!("{}: event {i}: {e}", path.display())))?);
    }
    Ok(out)
}

fn event(buf: &[u8]) -> Result<Event> {
    let mut e = Event {
        wall_time: 0.0,
        step: 0,
        what: EventKind::Other,
    };
    for f in fields(buf) {
        match f? {
            (1, v) => e.wall_time = v.double("Event.wall_time")?,
            (2, v) => e.step = v.int("Event.step")?,
            (3, v) => e.what = EventKind::FileVersion(v.string("Event.file_version")?),
            (4, v) => e.what = EventKind::GraphDef(v.bytes("Event.graph_def")?.to_vec()),
            (5, v) => {
                let mut values = Vec::new();
                for f in fields(v.bytes("Event.summary")?) {
                    if let (1, v) = f? {
                        values.push(value(v.bytes("Summary.value")?)?);
                    }
                }
                e.what = EventKind::Summary(values);
            }
            _ => {}
        }
    }
    Ok(e)
}

fn value(buf: &[u8]) -> Result<SummaryValue> {
    let mut v = SummaryValue {
        tag: String::new(),
        plugin_name: String::new(),
        tensor: None,
        strings: Vec::new(),
        simple_value: None,
    };
    for f in fields(buf) {
        match f? {
            (1, x) => v.tag = x.string("Value.tag")?,
            (2, Value::Fixed32(bits)) => v.simple_value = Some(f32::from_bits(bits)),
            (8, x) => {
                let (tensor, strings) = tensor(x.bytes("Value.tensor")?)?;
                v.tensor = tensor;
                v.strings = strings;
            }
            (9, x) => {
                for f in fields(x.bytes("Value.metadata")?) {
                    if let (1, p) = f? {
                        for f in fields(p.bytes("SummaryMetadata.plugin_data")?) {
                            if let (1, n) = f? {
                                v.plugin_name = n.string("PluginData.plugin_name")?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(v)
}

/// A `TensorProto`: numeric `tensor_content` as a tensor, or `string_val` entries.
fn tensor(buf: &[u8]) -> Result<(Option<Tensor>, Vec<Vec<u8>>)> {
    let (mut dtype, mut dims, mut content, mut strings) = (0, Vec::new(), None, Vec::new());
    for f in fields(buf) {
        match f? {
            (1, x) => dtype = x.int("TensorProto.dtype")?,
            (2, x) => dims = read_shape(x.bytes("TensorProto.tensor_shape")?)?,
            (4, x) => content = Some(x.bytes("TensorProto.tensor_content")?),
            (8, x) => strings.push(x.bytes("TensorProto.string_val")?.to_vec()),
            _ => {}
        }
    }
    let tensor = match (content, dtype_from_code(dtype)) {
        (Some(bytes), Some(d)) => {
            let n: usize = dims.iter().product();
            if bytes.len() != n * d.size() {
                return Err(Error::DataLoss(format!(
                    "tensor_content has {} bytes for {n} {d} values",
                    bytes.len()
                )));
            }
            let buf = crate::data::npy::decode_values(bytes, d, false);
            Some(Tensor::from_buffer(buf, crate::Shape::new(&dims))?)
        }
        _ => None,
    };
    Ok((tensor, strings))
}
