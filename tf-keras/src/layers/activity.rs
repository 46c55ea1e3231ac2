//! Losses a forward pass adds: Keras's `layer.add_loss(...)`, `activity_regularizer=` and the
//! `ActivityRegularization` layer.
//!
//! Each model call collects the losses its layers add into a frame (frames nest as models
//! do); the model keeps the latest call's losses for [`Model::losses`](crate::Model::losses)
//! and hands them to an enclosing call, and `fit`/`evaluate` add them to the loss, as Keras
//! does.

use super::{layer_common, layer_methods, Base, Layer};
use crate::regularizers::Regularizer;
use crate::saving::config::layer_config;
use std::cell::RefCell;
use tf_core::{self as tf, Tensor};

thread_local! {
    /// The losses added so far in each open forward pass, innermost last.
    static FRAMES: RefCell<Vec<Vec<Tensor>>> = const { RefCell::new(Vec::new()) };
}

/// Keras's `add_loss(loss)` from inside a layer's `call` (also [`Layer::add_loss`]): adds a
/// scalar to the losses of the forward pass running now — the enclosing model's
/// `model.losses()` after the call, and the loss `fit` and `evaluate` minimize and report.
///
/// A loss added outside any model call has nowhere to go: it is dropped, with a warning (call
/// the layer inside a [`Model`](crate::Model) or within [`collect_losses`]).
pub fn add_loss(loss: &Tensor) {
    if !push(loss) {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            eprintln!(
                "WARNING: add_loss outside a model's forward pass: the loss is not recorded. Call the layer inside a keras Model (Model::wrap for a subclassed network) or within keras::layers::collect_losses."
            )
        });
    }
}

/// Adds `loss` to the innermost open frame; false when there is none.
fn push(loss: &Tensor) -> bool {
    FRAMES.with(|f| match f.borrow_mut().last_mut() {
        Some(frame) => {
            frame.push(loss.clone());
            true
        }
        None => false,
    })
}

thread_local! {
    /// Depth of [`on_placeholders`] calls on this thread.
    static PLACEHOLDERS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Runs `f` as a build pass on placeholder values: the zeros a functional model's `Input`
/// (or `save`, `summary`) feeds its layers to build them, standing where Keras has symbolic
/// tensors that run nothing. Checks on values that placeholders would fail (a lookup
/// without OOV indices) are skipped inside it.
pub(crate) fn on_placeholders<R>(f: impl FnOnce() -> R) -> R {
    struct Depth;
    impl Drop for Depth {
        fn drop(&mut self) {
            PLACEHOLDERS.with(|d| d.set(d.get() - 1));
        }
    }
    PLACEHOLDERS.with(|d| d.set(d.get() + 1));
    let _depth = Depth;
    f()
}

/// A build pass: `f` run [`on_placeholders`], the losses its layers add dropped (they belong
/// to no model call).
pub(crate) fn build_pass<R>(f: impl FnOnce() -> R) -> R {
    on_placeholders(|| collect_losses(f).0)
}

/// Whether this thread is inside [`on_placeholders`].
pub(crate) fn placeholders() -> bool {
    PLACEHOLDERS.with(|d| d.get() > 0)
}

/// Runs `f` (a forward pass) and returns what it returned with the losses its layers added.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::layers::{collect_losses, ActivityRegularization, Layer};
/// let layer = ActivityRegularization::new(0.0, 0.5);
/// let x = tf::constant([[1.0f32, 2.0], [3.0, 0.0]]);
/// let (y, losses) = collect_losses(|| layer.call(&x, false));
/// assert_eq!(y.to_vec::<f32>(), x.to_vec::<f32>()); // the input, unchanged
/// assert_eq!(losses[0].scalar::<f32>(), 0.5 * 14.0 / 2.0); // l2 * Σx² / batch
/// ```
pub fn collect_losses<R>(f: impl FnOnce() -> R) -> (R, Vec<Tensor>) {
    /// Closes the frame, also when `f` panics.
    struct Frame(bool);
    impl Drop for Frame {
        fn drop(&mut self) {
            if !self.0 {
                FRAMES.with(|f| f.borrow_mut().pop());
            }
        }
    }
    FRAMES.with(|f| f.borrow_mut().push(Vec::new()));
    let mut frame = Frame(false);
    let r = f();
    frame.0 = true;
    let losses = FRAMES.with(|f| f.borrow_mut().pop()).unwrap_or_default();
    (r, losses)
}

/// Adds the losses a model's call added to the enclosing forward pass, if any (a model
/// inside a model).
pub(crate) fn hand_up(losses: &[Tensor]) {
    for l in losses {
        push(l);
    }
}

impl Base {
    /// Applies the layer's `activity_regularizer` to its output `y`: adds
    /// `regularizer(y) / batch` (Keras's per-sample mean) and returns `y`.
    pub fn activity(&self, y: Tensor) -> Tensor {
        if let Some(r) = self.activity_regularizer {
            add_loss(&activity_loss(r, &y));
        }
        y
    }
}

/// `r(y)` divided by `y`'s batch size (read when the op runs for an unknown batch).
fn activity_loss(r: Regularizer, y: &Tensor) -> Tensor {
    let penalty = r.call(y);
    let batch = match y.shape().dim(0) {
        Some(n) => tf::scalar(n as f64, penalty.dtype()),
        None => tf::cast(&tf::slice(&tf::shape(y), &[0], &[1]), penalty.dtype()),
    };
    tf::reshape(&(&penalty / &batch), Vec::<i64>::new())
}

/// `keras.layers.ActivityRegularization(l1=0.0, l2=0.0)`: passes its input through and adds
/// `l1 Σ|x| + l2 Σx²` over the batch, divided by the batch size, to the model's losses.
///
/// ```
/// use tf_core as tf;
/// use tf_keras::{self as keras, layers::{ActivityRegularization, Dense, Layer}};
/// let model = keras::sequential![Dense::new(2).input_shape([3]), ActivityRegularization::new(0.01, 0.0)];
/// model.call(&tf::ones([4, 3], tf::float32), false);
/// assert_eq!(model.losses().len(), 1); // the last call's activity loss
/// ```
pub struct ActivityRegularization {
    base: Base,
    l1: f64,
    l2: f64,
}
layer_common!(ActivityRegularization, []);
layer_config!(ActivityRegularization, ActivityRegularization::new(0.0, 0.0), { "l1" => l1, "l2" => l2 });

impl ActivityRegularization {
    /// The layer with these factors.
    pub fn new(l1: f64, l2: f64) -> ActivityRegularization {
        ActivityRegularization {
            base: Base::new("activity_regularization"),
            l1,
            l2,
        }
    }
}

impl Layer for ActivityRegularization {
    layer_methods!("ActivityRegularization");
    fn supports_masking(&self) -> bool {
        true
    }
    fn call(&self, x: &Tensor, _training: bool) -> Tensor {
        add_loss(&activity_loss(Regularizer::L1L2 { l1: self.l1, l2: self.l2 }, x));
        x.clone()
    }
}
