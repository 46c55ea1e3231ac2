//! `tf::run_functions_eagerly(true)` (its own test binary: the switch is process-wide).

use tf::{Function, Tensor};

#[test]
fn run_functions_eagerly_skips_tracing() {
    tf::run_functions_eagerly(true);
    let f = Function::new("eager", |xs: &[Tensor]| vec![tf::constant(xs[0].scalar::<f32>() * 2.0)]);
    // Reading a value is fine when the body runs eagerly.
    assert_eq!(f.call(&[tf::constant(2.0f32)])[0].scalar::<f32>(), 4.0);
    assert_eq!(f.tracing_count(), 0);
    tf::run_functions_eagerly(false);
    let g = Function::new("graph", |xs: &[Tensor]| vec![&xs[0] * 2.0f32]);
    assert_eq!(g.call(&[tf::constant(2.0f32)])[0].scalar::<f32>(), 4.0);
    assert_eq!(g.tracing_count(), 1);
}
