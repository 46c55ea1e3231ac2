//! GEMM tests against a naive f64 reference.

use super::*;

fn naive(m: usize, k: usize, n: usize, a: &Strided<f64>, b: &Strided<f64>) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                c[i * n + j] += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
            }
        }
    }
    c
}

fn data(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) % 1000) as f64 / 500.0 - 1.0
        })
        .collect()
}

#[test]
fn sgemm_matches_naive_for_odd_sizes_and_transposes() {
    for &(m, k, n) in &[
        (1, 1, 1),
        (13, 7, 33),
        (40, 300, 70),
        (150, 260, 65),
        (3, 0, 4),
        (200, 64, 5),
        (25, 3000, 30),
        (20, 700, 300),
        // A dense layer's forward at batch 32: A packed (12, 12 and 8 rows) and a
        // row-major B read in place; with B transposed, three 10-row tiles and one of 2
        // (A in place).
        (32, 784, 128),
        (32, 90, 700),
        // Packed A (n > 256) with a last panel of 6 rows and k not a multiple of 4.
        (150, 37, 300),
        // Packed A over several k blocks (B read in place when row-major: few rows of C).
        (30, 2100, 300),
        // B read in place: two k blocks, a last panel of 13 columns.
        (40, 1100, 333),
        // A transposed B under 32 or 64 rows of C: the transposed product.
        (32, 300, 400),
        (64, 70, 300),
        // Split by rows, each thread packing B: partial row blocks, a last panel of 12
        // columns, two k blocks.
        (230, 1100, 300),
        // A row-major B exactly one panel wide, used as the panel: row blocks over two k
        // blocks, and a split k.
        (300, 1100, 32),
        (25, 3000, 32),
    ] {
        for &(ta, tb) in &[(false, false), (true, false), (false, true), (true, true)] {
            let a64 = data(m * k, 1);
            let b64 = data(k * n, 2);
            let a32: Vec<f32> = a64.iter().map(|&x| x as f32).collect();
            let b32: Vec<f32> = b64.iter().map(|&x| x as f32).collect();
            fn view<T>(data: &[T], rows: usize, cols: usize, t: bool) -> Strided<'_, T> {
                if t {
                    Strided { data, rs: 1, cs: rows }
                } else {
                    Strided { data, rs: cols, cs: 1 }
                }
            }
            let want = naive(m, k, n, &view(&a64, m, k, ta), &view(&b64, k, n, tb));
            let mut c = vec![f32::NAN; m * n];
            sgemm(m, k, n, view(&a32, m, k, ta), view(&b32, k, n, tb), &mut c, n, false);
            for (x, y) in c.iter().zip(&want) {
                assert!((*x as f64 - y).abs() < 1e-3, "{m}x{k}x{n} {ta} {tb}: {x} vs {y}");
            }
            let mut c1 = vec![1.0f32; m * n];
            sgemm(m, k, n, view(&a32, m, k, ta), view(&b32, k, n, tb), &mut c1, n, true);
            for (x, y) in c1.iter().zip(&want) {
                assert!((*x as f64 - 1.0 - y).abs() < 1e-3, "{m}x{k}x{n} {ta} {tb} accumulating: {x} vs {y}");
            }
            let mut c2 = vec![1.0f64; m * n];
            dgemm(m, k, n, view(&a64, m, k, ta), view(&b64, k, n, tb), &mut c2, n, true);
            for (x, y) in c2.iter().zip(&want) {
                assert!((x - 1.0 - y).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn gather_operand_matches_dense() {
    // A 7×5 view of a 60-element buffer through offset tables, for narrow and wide C.
    let data: Vec<f32> = (0..60).map(|i| (i % 11) as f32 - 5.0).collect();
    let rows: Vec<usize> = (0..7).map(|i| i * 6).collect();
    let cols: Vec<usize> = (0..5).map(|p| p * 2 + 1).collect();
    let dense: Vec<f32> = rows
        .iter()
        .flat_map(|&r| cols.iter().map(move |&q| (r, q)))
        .map(|(r, q)| data[r + q])
        .collect();
    for n in [3usize, 40, 300] {
        let b: Vec<f32> = (0..5 * n).map(|i| (i % 7) as f32 * 0.5).collect();
        let mut want = vec![0.0; 7 * n];
        let mut got = vec![0.0; 7 * n];
        sgemm(
            7,
            5,
            n,
            Strided::row_major(&dense, 5),
            Strided::row_major(&b, n),
            &mut want,
            n,
            false,
        );
        sgemm_gather(
            7,
            5,
            n,
            Gather {
                data: &data,
                rows: &rows,
                cols: &cols,
            },
            Strided::row_major(&b, n),
            &mut got,
            n,
            false,
        );
        assert_eq!(got, want, "n = {n}");
    }
}

#[test]
fn rows_then_hands_over_each_row_of_the_product_once() {
    // Packed A over many row blocks (a weight gradient: A transposed, k the batch), A read
    // in place, B one panel wide, k over one block (computed block by block), tiny.
    for &(m, k, n, ta) in &[
        (700, 32, 1024, true),
        (500, 40, 200, false),
        (300, 50, 32, false),
        (100, 1500, 300, true),
        (3, 2, 5, false),
    ] {
        let a: Vec<f32> = data(m * k, 3).iter().map(|&x| x as f32).collect();
        let b: Vec<f32> = data(k * n, 4).iter().map(|&x| x as f32).collect();
        let av = if ta {
            Strided { data: &a, rs: 1, cs: m }
        } else {
            Strided::row_major(&a, k)
        };
        let mut want = vec![0f32; m * n];
        sgemm(m, k, n, av, Strided::row_major(&b, n), &mut want, n, false);
        let got: Vec<std::sync::atomic::AtomicU32> = (0..m * n).map(|_| f32::NAN.to_bits().into()).collect();
        let seen: Vec<std::sync::atomic::AtomicUsize> = (0..m).map(|_| 0.into()).collect();
        sgemm_rows_then(m, k, n, av, Strided::row_major(&b, n), &|first, rows| {
            assert_eq!(rows.len() % n, 0);
            for (i, row) in rows.chunks(n).enumerate() {
                seen[first + i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                for (j, &v) in row.iter().enumerate() {
                    got[(first + i) * n + j].store(v.to_bits(), std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        assert!(
            seen.iter().all(|s| s.load(std::sync::atomic::Ordering::Relaxed) == 1),
            "{m}x{k}x{n}: a row twice or never"
        );
        let got: Vec<f32> = got
            .iter()
            .map(|v| f32::from_bits(v.load(std::sync::atomic::Ordering::Relaxed)))
            .collect();
        assert_eq!(got, want, "{m}x{k}x{n}");
    }
}
