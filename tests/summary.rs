//! `tf::summary`: event files framed and encoded as TensorFlow 2.21 writes them (compared byte
//! for byte with `tests/golden/summary/run`, written by `gen.py`), default-writer scoping,
//! steps, flushing, staged summaries in graph functions, and graphs for the Graphs dashboard.

use std::path::{Path, PathBuf};
use tf::summary;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tf-summary-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The records of one event file.
fn records(path: &Path) -> Vec<Vec<u8>> {
    tf::data::tfrecord_dataset(&[path]).iter().map(|r| r.unwrap()).collect()
}

/// The only event file in `dir`.
fn event_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// An event with its wall time (field 1, a double written first) zeroed.
fn timeless(mut event: Vec<u8>) -> Vec<u8> {
    assert_eq!(event[0], 0x09, "wall_time comes first");
    event[1..9].fill(0);
    event
}

/// The pixels of an 8-bit gray PNG.
fn png_pixels(png: &[u8]) -> Vec<u8> {
    let mut pos = 8;
    let mut idat = Vec::new();
    let (mut w, mut h) = (0usize, 0usize);
    while pos < png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &png[pos + 4..pos + 8];
        let data = &png[pos + 8..pos + 8 + len];
        if kind == b"IHDR" {
            w = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
            h = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
            assert_eq!(data[8..10], [8, 0], "8-bit gray");
        } else if kind == b"IDAT" {
            idat.extend_from_slice(data);
        }
        pos += 12 + len;
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
    assert_eq!(raw.len(), h * (w + 1));
    // Undo each row's filter (one byte per pixel: the left neighbour is one byte back).
    let mut out: Vec<u8> = Vec::with_capacity(w * h);
    for (r, row) in raw.chunks(w + 1).enumerate() {
        for x in 0..w {
            let a = if x > 0 { out[r * w + x - 1] } else { 0 };
            let b = if r > 0 { out[(r - 1) * w + x] } else { 0 };
            let c = if r > 0 && x > 0 { out[(r - 1) * w + x - 1] } else { 0 };
            let pred = match row[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("PNG filter {f}"),
            };
            out.push(row[1 + x].wrapping_add(pred));
        }
    }
    out
}

#[test]
fn events_match_tensorflow_byte_for_byte() {
    let dir = tmp("golden");
    let w = summary::create_file_writer(&dir).unwrap();
    {
        let _d = w.as_default();
        assert!(summary::scalar("loss", 0.5f32, 1));
        assert!(summary::scalar("loss", 0.25f64, 2));
        assert!(summary::histogram("weights", [0.0f32, 1.0, 1.0, 2.5, 4.0, -1.0, 3.0], 1, 4));
        assert!(summary::histogram("same", [2.0f32, 2.0, 2.0], 1, 3));
        assert!(summary::histogram("empty", tf::zeros([0], tf::float32), 1, 2));
        let img = &tf::reshape(&tf::cast(&tf::range(12), tf::float32), [2, 2, 3, 1]) / 11.0f32;
        assert!(summary::image("img", &img, 3, 1));
        assert!(summary::text("note", "hello *tensorboard*", 4));
    }
    w.close().unwrap();
    let path = event_file(&dir);
    let ours = records(&path);
    let theirs = records(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/summary/run/events.out.tfevents.fixture.v2"
    )));
    assert_eq!(ours.len(), theirs.len());
    // The first record names the format; TensorFlow's also names its writer.
    assert!(ours[0].windows(13).any(|w| w == b"brain.Event:2"));
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate().skip(1) {
        let (a, b) = (timeless(a.clone()), timeless(b.clone()));
        if a.windows(6).any(|w| w == b"images") {
            // PNG compression may differ: everything before the PNG is identical, and the
            // pixels are TensorFlow's (convert_image_dtype's x * 255.5, truncated).
            let at = |e: &[u8]| e.windows(4).position(|w| w == b"\x89PNG").unwrap();
            assert_eq!(a[9..at(&a) - 2], b[9..at(&b) - 2], "image event header");
            let png = |e: &[u8]| {
                let s = at(e);
                let len = e[s - 1] as usize; // one-byte length: the PNG is small
                e[s..s + len].to_vec()
            };
            assert_eq!(png_pixels(&png(&a)), [0, 23, 46, 69, 92, 116]);
            assert_eq!(png_pixels(&png(&b)), [0, 23, 46, 69, 92, 116]);
        } else {
            assert_eq!(a, b, "event {i}");
        }
    }
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    let parts: Vec<&str> = name.split('.').collect();
    assert_eq!(&parts[..3], ["events", "out", "tfevents"], "{name}");
    assert_eq!(parts[3].len(), 10, "{name}: ten-digit seconds");
    assert!(parts[3].bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(parts[parts.len() - 3], std::process::id().to_string(), "{name}");
    assert_eq!(*parts.last().unwrap(), "v2");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_default_writer_writes_nothing_and_scopes_nest() {
    assert!(!summary::scalar("x", 1.0f32, 0));
    let (da, db) = (tmp("scope-a"), tmp("scope-b"));
    let a = summary::create_file_writer(&da).unwrap();
    let b = summary::create_file_writer(&db).unwrap();
    {
        let _a = a.as_default();
        summary::scalar("in_a", 1.0f32, 0);
        {
            let _b = b.as_default();
            summary::scalar("in_b", 2.0f32, 0);
        }
        summary::scalar("in_a_again", 3.0f32, 0);
    }
    assert!(!summary::scalar("outside", 4.0f32, 0));
    a.close().unwrap();
    b.close().unwrap();
    let names = |dir: &Path| -> Vec<String> { tags(dir).into_iter().map(|(_, t)| t).collect() };
    assert_eq!(names(&da), ["in_a", "in_a_again"]);
    assert_eq!(names(&db), ["in_b"]);
    assert_eq!(records(&event_file(&da)).len(), 3);
    // A write after close is reported.
    let _a = a.as_default();
    summary::scalar("late", 1.0f32, 0);
    assert!(a.flush().unwrap_err().to_string().contains("closed"));
}

/// The step of every summary event in `dir`, in order.
fn steps(dir: &Path) -> Vec<i64> {
    tags(dir).into_iter().map(|(step, _)| step).collect()
}

#[test]
fn default_step_and_missing_step() {
    let dir = tmp("step");
    let w = summary::create_file_writer(&dir).unwrap();
    let _d = w.as_default();
    let r = std::panic::catch_unwind(|| summary::scalar("x", 1.0f32, summary::Step::Default));
    assert!(r.is_err(), "no step set is an error, as in TensorFlow");
    let v = tf::Variable::new(tf::constant(5i64));
    summary::experimental::set_step(&v);
    summary::scalar("x", 1.0f32, summary::Step::Default);
    v.assign_add(&tf::constant(2i64));
    summary::scalar("x", 1.0f32, summary::Step::Default);
    summary::experimental::set_step(9);
    summary::scalar("x", 1.0f32, summary::Step::Default);
    summary::scalar("x", 1.0f32, 4);
    summary::experimental::set_step(summary::Step::Default);
    w.flush().unwrap();
    assert_eq!(steps(&dir), [5, 7, 9, 4]);
}

#[test]
fn events_reach_the_file_by_max_queue_or_flush() {
    let dir = tmp("queue");
    let opts = summary::FileWriterOptions {
        max_queue: 3,
        ..Default::default()
    };
    let w = summary::create_file_writer_with(&dir, opts).unwrap();
    let n = || records(&event_file(&dir)).len();
    assert_eq!(n(), 1, "the file version is flushed at creation");
    let _d = w.as_default();
    summary::scalar("a", 1.0f32, 0);
    summary::scalar("a", 1.0f32, 1);
    assert_eq!(n(), 1, "two events wait in the queue");
    summary::scalar("a", 1.0f32, 2);
    assert_eq!(n(), 4, "the third fills it");
    summary::scalar("a", 1.0f32, 3);
    summary::flush().unwrap();
    assert_eq!(n(), 5);
}

#[test]
fn summaries_in_graph_functions_are_staged_and_write_every_call() {
    let dir = tmp("staged");
    let w = summary::create_file_writer(&dir).unwrap();
    let step = tf::Variable::with_options(tf::constant(0i64), "step", false);
    let f = {
        let (w, step) = (w.clone(), step.clone());
        tf::Function::new("train_step", move |args| {
            let _d = w.as_default();
            let loss = tf::reduce_sum(&(&args[0] * &args[0]), None, false);
            summary::scalar("loss", &loss, &step);
            summary::histogram("x", &args[0], &step, None);
            step.assign_add(&tf::constant(1i64));
            vec![loss]
        })
    };
    for i in 0..3 {
        let x = tf::constant([i as f32, 1.0]);
        f.call(&[x]);
    }
    assert_eq!(f.tracing_count(), 1);
    let graph = f.concrete_functions()[0].graph().to_string();
    assert!(graph.contains("WriteSummary"), "{graph}");
    w.flush().unwrap();
    assert_eq!(steps(&dir), [0, 0, 1, 1, 2, 2]);
    // loss = i^2 + 1 at steps 0, 1, 2.
    let losses: Vec<f32> = summary::read_events(event_file(&dir))
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.what {
            summary::EventKind::Summary(v) if v[0].plugin_name == "scalars" => Some(v[0].tensor.as_ref().unwrap().scalar::<f32>()),
            _ => None,
        })
        .collect();
    assert_eq!(losses, [1.0, 2.0, 5.0]);
}

#[test]
fn graph_of_a_function_for_the_graphs_dashboard() {
    let dir = tmp("graph");
    let w = summary::create_file_writer(&dir).unwrap();
    let f = tf::Function::new("dense", |a| vec![tf::nn::relu(&tf::matmul(&a[0], &a[1]))]);
    let cf = f.get_concrete_function(&[
        tf::ops::TensorSpec {
            dtype: tf::float32,
            shape: tf::Shape::new(&[2, 3]),
        },
        tf::ops::TensorSpec {
            dtype: tf::float32,
            shape: tf::Shape::new(&[3, 4]),
        },
    ]);
    assert!(!summary::graph(cf.graph()), "no default writer");
    {
        let _d = w.as_default();
        assert!(summary::graph(cf.graph()));
    }
    w.close().unwrap();
    let recs = records(&event_file(&dir));
    assert_eq!(recs.len(), 2);
    let e = &recs[1];
    assert_eq!(e[9], 0x22, "Event.graph_def (field 4) follows wall_time");
    for needle in [&b"MatMul"[..], b"Relu", b"args_0", b"args_1", b"_output_shapes"] {
        assert!(e.windows(needle.len()).any(|w| w == needle), "{}", String::from_utf8_lossy(needle));
    }
    // Relu's input is MatMul's output: `input: "MatMul"` is field 3 of its NodeDef.
    assert!(e.windows(8).any(|w| w == b"\x1a\x06MatMul"));
}

#[test]
fn read_events_decodes_the_tensorflow_fixture() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/summary/run/events.out.tfevents.fixture.v2"
    );
    let events = summary::read_events(path).unwrap();
    assert!(matches!(&events[0].what, summary::EventKind::FileVersion(v) if v == "brain.Event:2"));
    let values: Vec<(i64, summary::SummaryValue)> = events
        .iter()
        .filter_map(|e| match &e.what {
            summary::EventKind::Summary(v) => Some((e.step, v[0].clone())),
            _ => None,
        })
        .collect();
    let tags: Vec<(i64, &str, &str)> = values.iter().map(|(s, v)| (*s, v.tag.as_str(), v.plugin_name.as_str())).collect();
    assert_eq!(
        tags,
        [
            (1, "loss", "scalars"),
            (2, "loss", "scalars"),
            (1, "weights", "histograms"),
            (1, "same", "histograms"),
            (1, "empty", "histograms"),
            (3, "img", "images"),
            (4, "note", "text")
        ]
    );
    assert_eq!(values[1].1.tensor.as_ref().unwrap().scalar::<f32>(), 0.25);
    let h = values[2].1.tensor.as_ref().unwrap();
    assert_eq!(h.shape().dims(), [4, 3]);
    assert_eq!(h.to_vec::<f64>()[..3], [-1.0, 0.25, 2.0]);
    assert_eq!(values[5].1.strings[..2], [b"3".to_vec(), b"2".to_vec()]);
    assert_eq!(values[6].1.strings, [b"hello *tensorboard*".to_vec()]);
    // A flipped byte is refused, naming the file.
    let dir = tmp("damaged");
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes[100] ^= 1;
    let bad = dir.join("events.out.tfevents.bad");
    std::fs::write(&bad, bytes).unwrap();
    let err = summary::read_events(&bad).unwrap_err().to_string();
    assert!(err.contains("DataLoss") && err.contains("events.out.tfevents.bad"), "{err}");
}

/// `(step, tag)` of every summary in the one event file under `dir`.
fn tags(dir: &Path) -> Vec<(i64, String)> {
    summary::read_events(event_file(dir))
        .unwrap()
        .into_iter()
        .flat_map(|e| match e.what {
            summary::EventKind::Summary(v) => v.into_iter().map(|v| (e.step, v.tag)).collect(),
            summary::EventKind::GraphDef(_) => vec![(e.step, "<graph>".to_string())],
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn keras_tensorboard_callback_lays_out_runs_as_keras() {
    use tf::keras::{self, callbacks::TensorBoard, layers::Dense};
    let dir = tmp("keras");
    let mut model = keras::sequential![Dense::new(3).activation("relu").input_shape([2]), Dense::new(2)];
    model.compile(
        keras::optimizers::SGD::new(0.01),
        keras::losses::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    );
    let x = tf::reshape(&(&tf::cast(&tf::range(16), tf::float32) / 16.0f32), [8, 2]);
    let y = tf::constant([0i32, 1, 0, 1, 0, 1, 0, 1]);
    let args = keras::FitArgs {
        epochs: 2,
        batch_size: 4,
        verbose: 0,
        validation_data: Some((x.clone(), y.clone()).into()),
        callbacks: vec![Box::new(TensorBoard::new(&dir).histogram_freq(1))],
        ..Default::default()
    };
    model.fit((&x, &y), args).unwrap();
    let h = |e: i64| ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"].map(|w| (e, format!("{w}_0/histogram")));
    let mut want = vec![(0, "<graph>".to_string()), (0, "epoch_loss".into()), (0, "epoch_accuracy".into())];
    want.extend(h(0));
    want.extend([(1, "epoch_loss".into()), (1, "epoch_accuracy".into())]);
    want.extend(h(1));
    assert_eq!(tags(&dir.join("train")), want);
    // The order and steps of a TensorFlow 2.21 run of the same fit: two batches an epoch give
    // evaluations at steps 2 and 4, epoch values at epochs 0 and 1.
    let val = tags(&dir.join("validation"));
    let want: Vec<(i64, String)> = [
        (2, "evaluation_loss_vs_iterations"),
        (2, "evaluation_accuracy_vs_iterations"),
        (0, "epoch_loss"),
        (0, "epoch_accuracy"),
        (4, "evaluation_loss_vs_iterations"),
        (4, "evaluation_accuracy_vs_iterations"),
        (1, "epoch_loss"),
        (1, "epoch_accuracy"),
    ]
    .map(|(s, t)| (s, t.to_string()))
    .into();
    assert_eq!(val, want);
}
