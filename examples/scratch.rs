use std::time::Instant;
use tf_kernels::cpu::conv::{im2col, out_size, Window2d};
use tf_kernels::cpu::gemm::{sgemm, Strided};
fn best(mut f: impl FnMut()) -> f64 {
    f();
    (0..10)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}
fn main() {
    for (hw, cin, cout) in [(28usize, 1usize, 32usize), (14, 32, 64)] {
        let (oh, p) = out_size(hw, 5, 1, 1, true).unwrap();
        let g = Window2d {
            n: 32,
            h: hw,
            w: hw,
            c: cin,
            kh: 5,
            kw: 5,
            oh,
            ow: oh,
            stride: (1, 1),
            dilation: (1, 1),
            pad: (p, p),
        };
        let x = vec![0.5f32; 32 * hw * hw * cin];
        let w = vec![0.1f32; 25 * cin * cout];
        let rows = 32 * oh * oh;
        let k = 25 * cin;
        let t_im = best(|| {
            std::hint::black_box(im2col(&x, &g));
        });
        let cols = im2col(&x, &g);
        let mut y = vec![0f32; rows * cout];
        let t_mm = best(|| {
            sgemm(
                rows,
                k,
                cout,
                Strided::row_major(&cols, k),
                Strided::row_major(&w, cout),
                &mut y,
                cout,
                false,
            )
        });
        let fl = 2.0 * (rows * k * cout) as f64;
        println!(
            "cin={cin}: im2col {:.3} ms, gemm {:.3} ms ({:.1} GFLOP/s), total {:.1} GFLOP/s",
            t_im * 1e3,
            t_mm * 1e3,
            fl / t_mm / 1e9,
            fl / (t_im + t_mm) / 1e9
        );
    }
}
