//! `tf::data` transformations against TensorFlow's documented ordering semantics
//! (`shared/TF_REFERENCE.md` A5): batching and remainders, shuffle buffers and seeds,
//! repeat/batch and shuffle/repeat orderings, caching, prefetching, errors.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tf::data::{zip, Cardinality, Dataset, AUTOTUNE};
use tf::Tensor;

fn ints(ds: &Dataset<Tensor>) -> Vec<Vec<i64>> {
    ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect()
}

fn range(n: i64) -> Dataset<Tensor> {
    Dataset::range(0, n, 1).unwrap()
}

#[test]
fn slices_tuples_and_maps() {
    let x = tf::reshape(&tf::range((0.0f32, 6.0, 1.0)), [3, 2]);
    let y = tf::constant([10i64, 20, 30]);
    let ds = Dataset::from_tensor_slices((x, y)).unwrap();
    assert_eq!(ds.cardinality(), Cardinality::Known(3));
    let items: Vec<(Tensor, Tensor)> = ds.iter().map(Result::unwrap).collect();
    assert_eq!(items[1].0.to_vec::<f32>(), vec![2.0, 3.0]);
    assert_eq!(items[2].1.scalar::<i64>(), 30);
    let err = Dataset::from_tensor_slices((tf::zeros([3], tf::float32), tf::zeros([2], tf::float32)))
        .err()
        .unwrap();
    assert!(err.to_string().contains("Dimensions 3 and 2 are not compatible"), "{err}");
    let features: BTreeMap<String, Tensor> = [
        ("a".to_string(), tf::constant([1i64, 2])),
        ("b".to_string(), tf::constant([3.0f32, 4.0])),
    ]
    .into_iter()
    .collect();
    let rows: Vec<BTreeMap<String, Tensor>> = Dataset::from_tensor_slices(features).unwrap().iter().map(Result::unwrap).collect();
    assert_eq!(rows[1]["b"].scalar::<f32>(), 4.0);
    assert_eq!(Dataset::from_tensors(tf::constant([1, 2])).cardinality(), Cardinality::Known(1));
}

#[test]
fn batch_remainders_and_unbatch() {
    assert_eq!(ints(&range(7).batch(3, false)), vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
    assert_eq!(ints(&range(7).batch(3, true)), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    assert_eq!(range(7).batch(3, false).cardinality(), Cardinality::Known(3));
    assert_eq!(range(7).batch(3, true).cardinality(), Cardinality::Known(2));
    assert_eq!(ints(&range(7).batch(3, false).unbatch()).concat(), (0..7).collect::<Vec<_>>());
    assert!(ints(&range(0).batch(3, false)).is_empty());
}

#[test]
fn shuffling_slices_by_index_keeps_the_order_of_shuffling_the_elements() {
    // `from_tensor_slices` and `range` shuffle indices and make each element when it is
    // picked; a `map` in between hides that, so the elements themselves are buffered. Both
    // must hand out the same order, epoch after epoch, for every buffer size.
    let x = tf::reshape(&tf::range((0i64, 300, 1)), [100, 3]);
    let y = tf::range((0.0f32, 100.0, 1.0));
    let slices = Dataset::from_tensor_slices((x, y)).unwrap();
    let buffered = slices.map(|e| e);
    let rows = |ds: &Dataset<(Tensor, Tensor)>| -> Vec<(Vec<i64>, f32)> {
        ds.iter()
            .map(|e| {
                let (a, b) = e.unwrap();
                (a.to_vec::<i64>(), b.scalar::<f32>())
            })
            .collect()
    };
    for buffer in [1, 2, 7, 99, 100, 1000] {
        let (by_index, by_element) = (slices.shuffle(buffer, Some(4), true), buffered.shuffle(buffer, Some(4), true));
        for epoch in 0..2 {
            let (a, b) = (rows(&by_index), rows(&by_element));
            assert_eq!(a, b, "buffer {buffer}, epoch {epoch}");
            assert!(a.iter().all(|(r, v)| r[0] == 3 * *v as i64 && r[2] == r[0] + 2), "rows stay whole");
        }
    }
    let plain = range(50).shuffle(10, Some(2), false);
    assert_eq!(ints(&plain), ints(&range(50).map(|t| t).shuffle(10, Some(2), false)));
    // A train/validation split by `skip`/`take` keeps making elements by index.
    let (train, val) = (range(50).skip(20), range(50).take(20));
    assert_eq!(
        (train.cardinality(), val.cardinality()),
        (Cardinality::Known(30), Cardinality::Known(20))
    );
    assert_eq!(ints(&train).concat(), (20..50).collect::<Vec<_>>());
    assert_eq!(ints(&range(50).skip(10).take(5)).concat(), vec![10, 11, 12, 13, 14]);
    assert!(ints(&range(50).skip(60)).is_empty());
    assert_eq!(ints(&range(5).take(60)).concat(), vec![0, 1, 2, 3, 4]);
    let split = train.shuffle(8, Some(6), true);
    let buffered = range(50).map(|t| t).skip(20).shuffle(8, Some(6), true);
    assert_eq!(ints(&split), ints(&buffered));
    assert_eq!(
        ints(&val.shuffle(100, Some(6), false)),
        ints(&range(50).map(|t| t).take(20).shuffle(100, Some(6), false))
    );
}

#[test]
fn repeat_then_batch_straddles_epochs_but_batch_then_repeat_does_not() {
    assert_eq!(
        ints(&range(3).repeat(Some(2)).batch(2, false)),
        vec![vec![0, 1], vec![2, 0], vec![1, 2]]
    );
    assert_eq!(
        ints(&range(3).batch(2, false).repeat(Some(2))),
        vec![vec![0, 1], vec![2], vec![0, 1], vec![2]]
    );
    assert_eq!(range(3).repeat(None).cardinality(), Cardinality::Infinite);
    assert_eq!(ints(&range(3).repeat(None).take(7)).concat(), vec![0, 1, 2, 0, 1, 2, 0]);
    // An endless repeat of nothing ends.
    assert!(ints(&range(0).repeat(None)).is_empty());
}

#[test]
fn shuffle_buffer_bounds_seeds_and_reshuffling() {
    // TensorFlow's example: buffer 100, batch 20 -> the first batch holds only indices < 120.
    let first = ints(&range(1000).shuffle(100, Some(7), true).batch(20, false))[0].clone();
    assert!(first.iter().all(|&i| i < 120), "{first:?}");
    let a = ints(&range(50).shuffle(10, Some(1), true));
    let b = ints(&range(50).shuffle(10, Some(1), true));
    assert_eq!(a, b, "a seeded shuffle is reproducible");
    let mut sorted = a.concat();
    sorted.sort();
    assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    let ds = range(20).shuffle(100, Some(3), true); // buffer larger than the data
    let (e1, e2) = (ints(&ds).concat(), ints(&ds).concat());
    assert_ne!(e1, e2, "each pass reshuffles");
    let fixed = range(20).shuffle(100, Some(3), false);
    assert_eq!(ints(&fixed), ints(&fixed), "reshuffle_each_iteration=false repeats the order");
    // shuffle before repeat keeps epochs apart; repeat before shuffle blends them.
    let sep = ints(&range(10).shuffle(10, Some(5), true).repeat(Some(2))).concat();
    let mut first_epoch = sep[..10].to_vec();
    first_epoch.sort();
    assert_eq!(first_epoch, (0..10).collect::<Vec<_>>());
    let blended = ints(&range(10).repeat(Some(2)).shuffle(20, Some(5), true)).concat();
    let mut head = blended[..10].to_vec();
    head.sort();
    assert_ne!(
        head,
        (0..10).collect::<Vec<_>>(),
        "repeat-then-shuffle mixes epochs (seeded, so deterministic)"
    );
}

#[test]
fn map_filter_take_skip_enumerate_zip_reduce() {
    let ds = range(10).map(|x| &x * 3i64).filter(|x| x.scalar::<i64>() % 2 == 0).skip(1).take(3);
    assert_eq!(ints(&ds).concat(), vec![6, 12, 18]);
    assert_eq!(ds.cardinality(), Cardinality::Unknown);
    let e: Vec<(i64, i64)> = range(3)
        .map(|x| &x + 5i64)
        .enumerate()
        .iter()
        .map(|p| p.unwrap())
        .map(|(i, x)| (i.scalar::<i64>(), x.scalar::<i64>()))
        .collect();
    assert_eq!(e, vec![(0, 5), (1, 6), (2, 7)]);
    let z = zip(&range(3), &range(5).map(|x| &x * 10i64));
    assert_eq!(z.cardinality(), Cardinality::Known(3));
    assert_eq!(z.iter().map(|p| p.unwrap().1.scalar::<i64>()).collect::<Vec<_>>(), vec![0, 10, 20]);
    assert_eq!(range(5).reduce(0i64, |acc, x| acc + x.scalar::<i64>()).unwrap(), 10);
    let g = Dataset::from_generator(|| (0..4).map(|i| tf::constant(i as i64)));
    assert_eq!(ints(&g).concat(), vec![0, 1, 2, 3]);
    assert_eq!(ints(&g).concat(), vec![0, 1, 2, 3], "a generator dataset is re-iterable");
    assert_eq!(ints(&Dataset::range(5, 0, -2).unwrap()).concat(), vec![5, 3, 1]);
}

#[test]
fn cache_replays_and_prefetch_keeps_order() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let ds = range(5)
        .map(move |x| {
            c.fetch_add(1, Ordering::Relaxed);
            &x * 2i64
        })
        .cache();
    assert_eq!(ints(&ds).concat(), vec![0, 2, 4, 6, 8]);
    assert_eq!(ints(&ds).concat(), vec![0, 2, 4, 6, 8]);
    assert_eq!(calls.load(Ordering::Relaxed), 5, "the second pass replays the cache");
    let p = range(100).map(|x| &x + 1i64).prefetch(AUTOTUNE).batch(10, false);
    assert_eq!(ints(&p).concat(), (1..=100).collect::<Vec<_>>());
    // Dropping a prefetching iterator early stops its producer.
    let mut it = range(1_000_000).prefetch(2).iter();
    assert_eq!(it.next().unwrap().unwrap().scalar::<i64>(), 0);
    drop(it);
}

/// Waits (up to ten seconds) for `done`.
fn wait_for(done: impl Fn() -> bool) -> bool {
    let t = std::time::Instant::now();
    while !done() {
        if t.elapsed() > std::time::Duration::from_secs(10) {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    true
}

#[test]
fn prefetch_produces_up_to_its_buffer_ahead_of_the_consumer() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let ds = range(100)
        .map(move |x| {
            c.fetch_add(1, Ordering::AcqRel);
            x
        })
        .prefetch(3);
    let mut it = ds.iter();
    if tf::config::threading::get_intra_op_parallelism_threads() == 1 {
        // No worker to produce ahead: the consumer makes each element as it asks.
        assert_eq!(calls.load(Ordering::Acquire), 0);
        assert_eq!(it.next().unwrap().unwrap().scalar::<i64>(), 0);
        return;
    }
    assert!(wait_for(|| calls.load(Ordering::Acquire) >= 3), "filled before the first request");
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(calls.load(Ordering::Acquire), 3, "no further ahead than the buffer");
    assert_eq!(it.next().unwrap().unwrap().scalar::<i64>(), 0);
    assert!(wait_for(|| calls.load(Ordering::Acquire) == 4), "taking one makes room for one");
    let rest: Vec<i64> = it.map(|x| x.unwrap().scalar::<i64>()).collect();
    assert_eq!(rest, (1..100).collect::<Vec<_>>());
}

#[test]
fn a_panic_while_prefetching_reaches_the_consumer_after_the_elements_before_it() {
    let ds = range(10)
        .map(|x| {
            assert!(x.scalar::<i64>() != 4, "no element 4 here");
            x
        })
        .prefetch(2);
    let mut it = ds.iter();
    for i in 0..4 {
        assert_eq!(it.next().unwrap().unwrap().scalar::<i64>(), i);
    }
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| it.next())).unwrap_err();
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
    assert!(msg.as_deref().is_some_and(|m| m.contains("no element 4 here")), "{msg:?}");
}

#[test]
fn nested_prefetches_keep_order() {
    let inner = range(200).map(|x| &x * 3i64).prefetch(2);
    let outer = inner.map(|x| &x + 1i64).prefetch(AUTOTUNE).batch(50, false).prefetch(1);
    let expect: Vec<i64> = (0..200).map(|i| 3 * i + 1).collect();
    for _ in 0..3 {
        assert_eq!(ints(&outer).concat(), expect);
    }
}

#[test]
fn batching_mismatched_shapes_is_an_error_naming_them() {
    let ds = Dataset::from_generator(|| vec![tf::zeros([2], tf::float32), tf::zeros([3], tf::float32)].into_iter()).batch(2, false);
    let err = ds.iter().next().unwrap().unwrap_err().to_string();
    assert!(
        err.contains("Cannot batch tensors with different shapes") && err.contains("(2,)") && err.contains("(3,)"),
        "{err}"
    );
}

#[test]
fn padded_batch_pads_to_the_largest_in_each_batch() {
    // TensorFlow's docs: elements [1], [2, 2], [3, 3, 3], [4, 4, 4, 4] padded in batches of 2.
    let ds = Dataset::from_generator(|| (1..=4i64).map(|n| tf::fill([n as usize], n)));
    let b: Vec<Tensor> = ds.padded_batch(2, 0.0, false).iter().map(Result::unwrap).collect();
    assert_eq!((b[0].shape().dims(), b[0].to_vec::<i64>()), (&[2usize, 2][..], vec![1, 0, 2, 2]));
    assert_eq!(
        (b[1].shape().dims(), b[1].to_vec::<i64>()),
        (&[2usize, 4][..], vec![3, 3, 3, 0, 4, 4, 4, 4])
    );
    assert_eq!(ints(&range(5).batch(2, false).rebatch(4)), vec![vec![0, 1, 2, 3], vec![4]]);
    assert_eq!(ints(&range(6).batch(4, false).rebatch(3)), vec![vec![0, 1, 2], vec![3, 4, 5]]);
}

#[test]
fn interleave_cycles_blocks_in_tensorflows_order() {
    // TensorFlow's docs: Dataset.range(1, 6).interleave(lambda x: repeat(x, 6), cycle_length=2,
    // block_length=4) gives 1 1 1 1 2 2 2 2 1 1 2 2 3 3 3 3 4 4 4 4 3 3 4 4 5 5 5 5 5 5.
    let ds = Dataset::range(1, 6, 1)
        .unwrap()
        .interleave(|x| Dataset::from_tensors(x).repeat(Some(6)), 2, 4);
    assert_eq!(
        ints(&ds).concat(),
        vec![1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    );
}

#[test]
fn windows_follow_size_shift_stride() {
    let windows = |ds: Dataset<Dataset<Tensor>>| -> Vec<Vec<i64>> { ds.iter().map(|w| ints(&w.unwrap()).concat()).collect() };
    // TensorFlow's docs: range(7).window(3) -> [0 1 2] [3 4 5] [6].
    assert_eq!(
        windows(range(7).window(3, 3, 1, false)),
        vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]
    );
    assert_eq!(windows(range(7).window(3, 3, 1, true)), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    // range(7).window(3, shift=1, drop_remainder=True) -> [0 1 2] [1 2 3] ... [4 5 6].
    assert_eq!(windows(range(7).window(3, 1, 1, true)).len(), 5);
    // range(7).window(3, shift=1, stride=2, drop_remainder=True) -> [0 2 4] [1 3 5] [2 4 6].
    assert_eq!(
        windows(range(7).window(3, 1, 2, true)),
        vec![vec![0, 2, 4], vec![1, 3, 5], vec![2, 4, 6]]
    );
}

#[test]
fn parallel_map_keeps_order_and_uses_several_threads() {
    let threads = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = threads.clone();
    let ds = range(200).map_parallel(
        move |x| {
            seen.lock().unwrap().insert(format!("{:?}", std::thread::current().id()));
            // Uneven work, so results finish out of order.
            if x.scalar::<i64>() % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_micros(300));
            }
            &x * 2i64
        },
        4,
    );
    assert_eq!(ints(&ds).concat(), (0..200).map(|i| i * 2).collect::<Vec<_>>());
    assert_eq!(ints(&ds.take(3)).concat(), vec![0, 2, 4], "a pass stopped early leaves no trouble");
    assert!(threads.lock().unwrap().len() >= 2, "the map ran on one thread");
    let same = range(50).map_parallel(|x| &x + 1i64, 3).batch(7, false);
    assert_eq!(ints(&same), ints(&range(50).map(|x| &x + 1i64).batch(7, false)));
    let auto = range(50).map_parallel(|x| &x + 1i64, AUTOTUNE).batch(7, false);
    assert_eq!(ints(&auto), ints(&same), "AUTOTUNE (inline on two cores) gives the same order");
}

#[test]
fn a_nondeterministic_parallel_map_yields_every_element_as_it_is_ready() {
    let ds = range(200).map_parallel_with(
        |x| {
            if x.scalar::<i64>() == 0 {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            x
        },
        3,
        false,
    );
    let out = ints(&ds).concat();
    assert_ne!(out[0], 0, "the slow first element does not hold back the rest");
    let mut sorted = out.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..200).collect::<Vec<_>>());
}

fn cache_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tf-data-cache-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("cache")
}

#[test]
fn a_file_cache_is_written_by_the_first_complete_pass_and_read_by_every_later_one() {
    let path = cache_path("basic");
    let calls = Arc::new(AtomicUsize::new(0));
    let make = |calls: Arc<AtomicUsize>| {
        range(10)
            .map(move |x| {
                calls.fetch_add(1, Ordering::SeqCst);
                &x * 3i64
            })
            .cache_file(&path)
    };
    let ds = make(calls.clone());
    // An abandoned pass caches nothing and leaves no temporary file.
    assert_eq!(ints(&ds.take(2)).concat(), vec![0, 3]);
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 0);
    let first = ints(&ds).concat();
    assert_eq!(first, (0..10).map(|i| i * 3).collect::<Vec<_>>());
    assert!(path.exists());
    let before = calls.load(Ordering::SeqCst);
    assert_eq!(ints(&ds).concat(), first);
    // A new pipeline over the same file (the next run of a program) reads it as well.
    let again = make(calls.clone());
    assert_eq!(
        ints(&again.batch(4, false)),
        vec![vec![0, 3, 6, 9], vec![12, 15, 18, 21], vec![24, 27]]
    );
    assert_eq!(calls.load(Ordering::SeqCst), before, "no element was recomputed");
}

#[test]
fn a_file_cache_keeps_tuples_maps_and_every_dtype() {
    let path = cache_path("structures");
    let x = tf::reshape(&tf::range(12.0f32), [3, 2, 2]);
    let flags = tf::constant([true, false, true]);
    let bytes = tf::constant([7u8, 8, 9]);
    let ds = Dataset::from_tensor_slices((x.clone(), (flags.clone(), bytes.clone())))
        .unwrap()
        .cache_file(&path);
    let fresh: Vec<_> = ds.iter().map(|e| e.unwrap()).collect();
    let cached: Vec<_> = ds.iter().map(|e| e.unwrap()).collect();
    assert_eq!(cached.len(), 3);
    for ((a, (b, c)), (p, (q, r))) in fresh.iter().zip(&cached) {
        assert_eq!(a.to_vec::<f32>(), p.to_vec::<f32>());
        assert_eq!(a.shape(), p.shape());
        assert_eq!(b.to_vec::<bool>(), q.to_vec::<bool>());
        assert_eq!(c.to_vec::<u8>(), r.to_vec::<u8>());
    }
    let mpath = cache_path("map");
    let mut m = BTreeMap::new();
    m.insert("age".to_string(), tf::constant([30i64, 40]));
    m.insert("score".to_string(), tf::constant([0.5f64, 0.25]));
    let ds = Dataset::from_tensor_slices(m).unwrap().cache_file(&mpath);
    let _ = ds.iter().count();
    let back: Vec<BTreeMap<String, Tensor>> = ds.iter().map(|e| e.unwrap()).collect();
    assert_eq!(back[1]["age"].scalar::<i64>(), 40);
    assert_eq!(back[1]["score"].scalar::<f64>(), 0.25);
}

#[test]
fn a_damaged_file_cache_is_an_error_naming_it_and_a_failed_pass_caches_nothing() {
    let path = cache_path("damaged");
    let ds = range(20).cache_file(&path);
    let _ = ds.iter().count();
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 0x40;
    std::fs::write(&path, &bad).unwrap();
    let e = ds.iter().find_map(|r| r.err()).expect("an error");
    assert!(
        matches!(e, tf::Error::DataLoss(_)) && e.to_string().contains(&path.display().to_string()),
        "{e}"
    );
    std::fs::write(&path, &good[..good.len() - 3]).unwrap();
    assert!(ds.iter().any(|r| r.is_err()));
    // A file written for another element structure is refused, not misread.
    std::fs::write(&path, &good).unwrap();
    let pairs = Dataset::from_tensor_slices((tf::range(20i64), tf::range(20i64)))
        .unwrap()
        .cache_file(&path);
    let e = pairs.iter().find_map(|r| r.err()).expect("an error");
    assert!(e.to_string().contains("cached element 0"), "{e}");
    // An upstream error (a batch of two shapes): the pass goes on, nothing is cached.
    let failing_path = cache_path("failing");
    let failing = Dataset::from_generator(|| {
        vec![
            tf::zeros([2], tf::float32),
            tf::zeros([3], tf::float32),
            tf::zeros([2], tf::float32),
        ]
        .into_iter()
    })
    .batch(2, false)
    .cache_file(&failing_path);
    let results: Vec<bool> = failing.iter().map(|r| r.is_ok()).collect();
    assert_eq!(results, vec![false, true]);
    assert!(!failing_path.exists(), "a pass with an error is not cached");
}

/// Golden strings printed by TensorFlow 2.21 for the same pipelines (`print(ds.element_spec)`).
#[test]
fn element_spec_matches_tensorflow() {
    let spec = |d: &[Option<usize>], t: tf::DType| tf::ops::TensorSpec::new(tf::Shape::partial(d), t).to_string();
    let images = Dataset::from_tensor_slices((tf::zeros([10, 28, 28], tf::uint8), tf::zeros([10], tf::int64))).unwrap();
    let m = images.map(|(x, y)| {
        let x = tf::reshape(&(tf::cast(&x, tf::float32) / 255.0f32), [28, 28, 1]);
        let flip = tf::less(&tf::random::uniform(&[], 0.0, 1.0, tf::float32, None), &tf::constant(0.5f32));
        (tf::where_(&flip, &tf::reverse(&x, &[1]), &x), y)
    });
    let (x, y) = m.element_spec().unwrap();
    assert_eq!(
        (x.to_string(), y.to_string()),
        (spec(&[Some(28), Some(28), Some(1)], tf::float32), spec(&[], tf::int64))
    );
    let (x, y) = m.batch(32, false).prefetch(2).element_spec().unwrap();
    assert_eq!(x.to_string(), "TensorSpec(shape=(None, 28, 28, 1), dtype=tf.float32, name=None)");
    assert_eq!(y.to_string(), "TensorSpec(shape=(None,), dtype=tf.int64, name=None)");
    let (x, y) = m.batch(32, true).element_spec().unwrap();
    assert_eq!((x.shape.dims(), y.shape.dims()), (&[32usize, 28, 28, 1][..], &[32usize][..]));
    let (x, _) = images.batch(3, false).unbatch().element_spec().unwrap();
    assert_eq!(x.to_string(), "TensorSpec(shape=(28, 28), dtype=tf.uint8, name=None)");
    let (i, v) = range(5).enumerate().element_spec().unwrap();
    assert_eq!((i.to_string(), v.to_string()), (spec(&[], tf::int64), spec(&[], tf::int64)));
    let padded = Dataset::from_tensor_slices(tf::zeros([4, 3], tf::float32))
        .unwrap()
        .padded_batch(2, 0.0, false);
    assert_eq!(
        padded.element_spec().unwrap().to_string(),
        "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)"
    );
    let mut cols = BTreeMap::new();
    cols.insert("a".to_string(), tf::zeros([4, 3], tf::float32));
    cols.insert("b".to_string(), tf::zeros([4], tf::int32));
    let d = Dataset::from_tensor_slices(cols).unwrap().batch(2, false).element_spec().unwrap();
    assert_eq!(d["a"].to_string(), "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)");
    assert_eq!(d["b"].to_string(), "TensorSpec(shape=(None,), dtype=tf.int32, name=None)");
    let z = zip(&range(3), &Dataset::from_tensors(tf::zeros([2], tf::float32)))
        .element_spec()
        .unwrap();
    assert_eq!(
        (z.0.to_string(), z.1.to_string()),
        (spec(&[], tf::int64), spec(&[Some(2)], tf::float32))
    );
    // Filters, shuffles, repeats, takes and caches keep the spec; a parallel map traces too.
    let kept = range(10)
        .filter(|_| true)
        .shuffle(4, Some(1), true)
        .repeat(None)
        .take(3)
        .skip(1)
        .cache();
    assert_eq!(
        kept.map_parallel(|x| &x * 2i64, 2).element_spec().unwrap().to_string(),
        spec(&[], tf::int64)
    );
}

#[test]
fn element_spec_errors_name_what_is_unknown() {
    let g: Dataset<Tensor> = Dataset::from_generator(|| (0..3i64).map(tf::constant));
    let e = g.element_spec().unwrap_err().to_string();
    assert!(e.contains("known only from the data"), "{e}");
    // A map that reads values cannot be traced (as in TensorFlow, where .numpy() fails there).
    let reads = range(3).map(|x| tf::constant(x.scalar::<i64>() * 2));
    let e = reads.element_spec().unwrap_err().to_string();
    assert!(e.contains("element_spec: a dataset function could not be traced"), "{e}");
    // The pipeline itself still runs eagerly.
    assert_eq!(ints(&reads), vec![vec![0], vec![2], vec![4]]);
}

#[test]
fn flat_map_concatenate_and_shard() {
    // flat_map keeps each inner dataset's order, one after another (TensorFlow's semantics:
    // interleave with cycle_length 1).
    let nested = range(3).flat_map(|x| Dataset::from_tensors(x).repeat(Some(2)));
    assert_eq!(ints(&nested), vec![vec![0], vec![0], vec![1], vec![1], vec![2], vec![2]]);
    assert_eq!(nested.cardinality(), Cardinality::Unknown);

    // concatenate: cardinalities add; an infinite part makes the whole infinite; the element
    // structure is not assumed from the first part.
    let both = range(2).concatenate(&range(3));
    assert_eq!(ints(&both), vec![vec![0], vec![1], vec![0], vec![1], vec![2]]);
    assert_eq!(both.cardinality(), Cardinality::Known(5));
    assert_eq!(range(2).concatenate(&range(1).repeat(None)).cardinality(), Cardinality::Infinite);
    assert!(matches!(both.element_spec(), Err(tf::Error::Unimplemented(_))));
    // Batches of different sizes are fine (a last short batch, then more).
    let batches = range(5).batch(2, false).concatenate(&range(2).batch(2, false));
    assert_eq!(ints(&batches), vec![vec![0, 1], vec![2, 3], vec![4], vec![0, 1]]);

    // shard: the shards partition the data, and their cardinalities add up.
    let ds = range(10);
    let mut seen: Vec<i64> = (0..4).flat_map(|i| ints(&ds.shard(4, i)).into_iter().flatten()).collect();
    let cards: usize = (0..4)
        .map(|i| match ds.shard(4, i).cardinality() {
            Cardinality::Known(n) => n,
            c => panic!("shard cardinality {c:?}"),
        })
        .sum();
    assert_eq!(cards, 10);
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<i64>>());
    let Err(err) = std::panic::catch_unwind(|| range(10).shard(2, 2)) else {
        panic!("shard index 2 of 2 was accepted")
    };
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("index must be in [0, num_shards)"), "{msg}");
}
