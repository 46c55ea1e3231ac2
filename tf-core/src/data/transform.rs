//! Dataset transformations with TensorFlow's ordering semantics: `map`, `filter`, `batch`,
//! `unbatch`, `shuffle`, `repeat`, `take`, `skip`, `cache`, `enumerate`, `apply`.

use super::{Cardinality, Dataset, DatasetIter, Structure, AUTOTUNE};
use crate::{Result, Tensor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

impl<T: Send + 'static> Dataset<T> {
    /// `dataset.map(f)`: `f` applied to every element, in order.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::range(1, 4, 1)?.map(|x| &x * 2i64);
    /// assert_eq!(ints(&ds), vec![2, 4, 6]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn map<U: Send + 'static>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Dataset<U> {
        let (up, f) = (self.recipe.clone(), Arc::new(f));
        let element = self.mapped_element(f.clone());
        Dataset::from_recipe(self.cardinality, move || {
            let f = f.clone();
            Box::new(up().map(move |x| x.map(|v| f(v))))
        })
        .with_element(element)
    }

    /// `dataset.map(f)` for an `f` that can fail (reading and decoding a file): its error is
    /// the pipeline's error at that element, as an op failing inside TensorFlow's `map` is.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// let ds = Dataset::range(0, 3, 1)?.try_map(|x| match x.scalar::<i64>() {
    ///     2 => Err(tf::Error::InvalidArgument("element 2 is bad".into())),
    ///     _ => Ok(&x * 10i64),
    /// });
    /// let got: Vec<_> = ds.iter().map(|r| r.map(|t| t.scalar::<i64>()).map_err(|e| e.to_string())).collect();
    /// assert_eq!(got[..2], [Ok(0), Ok(10)]);
    /// assert!(got[2].as_ref().unwrap_err().contains("element 2 is bad"));
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn try_map<U: Send + 'static>(&self, f: impl Fn(T) -> Result<U> + Send + Sync + 'static) -> Dataset<U> {
        let (up, f) = (self.recipe.clone(), Arc::new(f));
        Dataset::from_recipe(self.cardinality, move || {
            let f = f.clone();
            Box::new(up().map(move |x| x.and_then(|v| f(v))))
        })
    }

    /// The symbolic element of `self.map(f)`: `f` of this one.
    fn mapped_element<U: 'static>(&self, f: Arc<impl Fn(T) -> U + Send + Sync + 'static>) -> Option<super::Symbolic<U>> {
        let up = self.element.clone()?;
        Some(Arc::new(move || f(up())))
    }

    /// `dataset.map(f, num_parallel_calls)`: `f` runs on `num_parallel_calls` threads a few
    /// elements ahead of the consumer (`AUTOTUNE`: one per core beyond two, which a training
    /// step's kernels keep busy and a prefetch shares; none on a machine of two cores or
    /// fewer, where the map runs on the pulling thread); results come out in input order
    /// (TensorFlow's deterministic default).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// // Parallel calls, results in order (tf.data.AUTOTUNE picks the count).
    /// let ds = Dataset::range(0, 100, 1)?.map_parallel(|x| &x * &x, tf::data::AUTOTUNE);
    /// assert_eq!(ints(&ds)[..4], [0, 1, 4, 9]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn map_parallel<U: Send + 'static>(&self, f: impl Fn(T) -> U + Send + Sync + 'static, num_parallel_calls: i64) -> Dataset<U> {
        self.map_parallel_with(f, num_parallel_calls, true)
    }

    /// `dataset.map(f, num_parallel_calls, deterministic)`: as [`map_parallel`](Self::map_parallel);
    /// with `deterministic = false` results come out as they are ready, which keeps the
    /// consumer fed when some elements take longer than others.
    ///
    /// Work goes to the threads in runs of consecutive elements, so the cost of handing an
    /// element to another thread is shared by the run (a per-element hand-off costs more
    /// than mapping a small image).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// let ds = Dataset::from_tensor_slices(tf::range(100i64))?.map_parallel_with(|x| &x * 2i64, 3, false);
    /// let mut out: Vec<i64> = ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect();
    /// out.sort_unstable(); // in the order the threads finished
    /// assert_eq!(out, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn map_parallel_with<U: Send + 'static>(
        &self,
        f: impl Fn(T) -> U + Send + Sync + 'static,
        num_parallel_calls: i64,
        deterministic: bool,
    ) -> Dataset<U> {
        const RUN: usize = 16;
        let workers = if num_parallel_calls == AUTOTUNE || num_parallel_calls <= 0 {
            // The consumer (a training step) and its kernels' worker, which also prefetches,
            // already take two cores; more threads than cores only preempt them. With no core
            // to spare the map runs inline, on the thread that pulls (a prefetching worker in
            // a typical pipeline).
            let spare = std::thread::available_parallelism().map_or(2, |n| n.get()).saturating_sub(2);
            if spare == 0 {
                return self.map(f);
            }
            spare
        } else {
            num_parallel_calls as usize
        };
        let (up, f) = (self.recipe.clone(), Arc::new(f));
        let element = self.mapped_element(f.clone());
        Dataset::from_recipe(self.cardinality, move || {
            use std::sync::mpsc;
            type Run<X> = Vec<Result<X>>;
            let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Run<T>)>(workers);
            let (res_tx, res_rx) = mpsc::channel::<(u64, Run<U>)>();
            let job_rx = Arc::new(Mutex::new(job_rx));
            for _ in 0..workers {
                let (jobs, results, f) = (job_rx.clone(), res_tx.clone(), f.clone());
                std::thread::Builder::new()
                    .name("tf-data-map".into())
                    .spawn(move || loop {
                        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok((seq, run)) = job else { break };
                        // Upstream errors skip `f` and keep their place.
                        let out: Run<U> = run.into_iter().map(|x| x.map(|v| f(v))).collect();
                        if results.send((seq, out)).is_err() {
                            break;
                        }
                    })
                    .expect("tf.data: cannot start a map thread");
            }
            let mut src = Some(up());
            let (mut sent, mut next) = (0u64, 0u64);
            let mut ready: std::collections::BTreeMap<u64, Run<U>> = std::collections::BTreeMap::new();
            let mut current = std::collections::VecDeque::<Result<U>>::new();
            let ahead = (workers * 2) as u64;
            Box::new(std::iter::from_fn(move || loop {
                if let Some(x) = current.pop_front() {
                    return Some(x);
                }
                // Keep the workers a few runs ahead of the consumer.
                while sent < next + ahead {
                    let Some(s) = src.as_mut() else { break };
                    let run: Run<T> = s.by_ref().take(RUN).collect();
                    if run.len() < RUN {
                        src = None; // the input is exhausted: workers exit when done
                    }
                    if run.is_empty() || job_tx.send((sent, run)).is_err() {
                        break;
                    }
                    sent += 1;
                }
                if next >= sent {
                    return None;
                }
                let run = if deterministic {
                    loop {
                        if let Some(r) = ready.remove(&next) {
                            break r;
                        }
                        let (seq, r) = res_rx.recv().ok()?;
                        ready.insert(seq, r);
                    }
                } else {
                    res_rx.recv().ok()?.1
                };
                next += 1;
                current.extend(run);
            }))
        })
        .with_element(element)
    }

    /// `dataset.filter(predicate)`: the elements for which `predicate` holds.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::from_tensor_slices(tf::constant([1i64, 2, 3]))?.filter(|x| x.scalar::<i64>() < 3);
    /// assert_eq!(ints(&ds), vec![1, 2]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn filter(&self, predicate: impl Fn(&T) -> bool + Send + Sync + 'static) -> Dataset<T> {
        let (up, p) = (self.recipe.clone(), Arc::new(predicate));
        let card = if self.cardinality == Cardinality::Infinite {
            Cardinality::Infinite
        } else {
            Cardinality::Unknown
        };
        self.derive(card, move || {
            let p = p.clone();
            Box::new(up().filter(move |x| x.as_ref().map_or(true, |v| p(v))))
        })
    }

    /// `dataset.repeat(count)`: the elements `count` times over (forever with `None`). Passes
    /// are not marked: a later `batch` straddles them.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::from_tensor_slices(tf::constant([1i64, 2, 3]))?.repeat(Some(3));
    /// assert_eq!(ints(&ds), vec![1, 2, 3, 1, 2, 3, 1, 2, 3]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn repeat(&self, count: Option<usize>) -> Dataset<T> {
        let up = self.recipe.clone();
        let card = match count {
            None if self.cardinality == Cardinality::Known(0) => Cardinality::Known(0),
            None => Cardinality::Infinite,
            Some(c) => self.cardinality.map(|n| n * c),
        };
        self.derive(card, move || {
            let up = up.clone();
            let mut pass = 0usize;
            let mut cur: Option<DatasetIter<T>> = None;
            let mut yielded_this_pass = false;
            Box::new(std::iter::from_fn(move || loop {
                if cur.is_none() {
                    if count.is_some_and(|c| pass >= c) {
                        return None;
                    }
                    pass += 1;
                    yielded_this_pass = false;
                    cur = Some(up());
                }
                match cur.as_mut().and_then(Iterator::next) {
                    Some(x) => {
                        yielded_this_pass = true;
                        return Some(x);
                    }
                    // An empty pass ends an endless repeat instead of spinning forever.
                    None if !yielded_this_pass && count.is_none() => return None,
                    None => cur = None,
                }
            }))
        })
    }

    /// `dataset.take(n)`: the first `n` elements.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// assert_eq!(ints(&Dataset::range(0, 10, 1)?.take(3)), vec![0, 1, 2]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn take(&self, n: usize) -> Dataset<T> {
        if let Some(ds) = self.indexed_range(0, n) {
            return ds;
        }
        let up = self.recipe.clone();
        let card = match self.cardinality {
            Cardinality::Known(c) => Cardinality::Known(c.min(n)),
            Cardinality::Infinite => Cardinality::Known(n),
            Cardinality::Unknown => Cardinality::Unknown,
        };
        self.derive(card, move || Box::new(up().take(n)))
    }

    /// `dataset.skip(n)`: all but the first `n` elements.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// assert_eq!(ints(&Dataset::range(0, 10, 1)?.skip(7)), vec![7, 8, 9]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn skip(&self, n: usize) -> Dataset<T> {
        if let Some(ds) = self.indexed_range(n, usize::MAX) {
            return ds;
        }
        let up = self.recipe.clone();
        self.derive(self.cardinality.map(|c| c.saturating_sub(n)), move || Box::new(up().skip(n)))
    }

    /// `dataset.shuffle(buffer_size, seed, reshuffle_each_iteration)`: keeps a buffer of
    /// `buffer_size` elements and emits a uniformly chosen one, refilling from upstream. With
    /// a seed (or after `tf::random::set_seed`) the order is reproducible; each pass reshuffles
    /// unless `reshuffle_each_iteration` is false.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::range(0, 10, 1)?.shuffle(10, Some(42), true);
    /// let mut epoch = ints(&ds);
    /// assert_ne!(epoch, (0..10).collect::<Vec<i64>>()); // reordered...
    /// epoch.sort();
    /// assert_eq!(epoch, (0..10).collect::<Vec<i64>>()); // ...but every element once
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `buffer_size` is zero.
    pub fn shuffle(&self, buffer_size: usize, seed: Option<i64>, reshuffle_each_iteration: bool) -> Dataset<T> {
        assert!(buffer_size > 0, "shuffle: buffer_size must be greater than zero");
        let (s1, s2) = crate::ops::random::get_seed(seed);
        let base = (s1 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (s2 as u64);
        let epochs = Arc::new(AtomicU64::new(0));
        let next_order = move || {
            let epoch = if reshuffle_each_iteration {
                epochs.fetch_add(1, Ordering::Relaxed)
            } else {
                0
            };
            SplitMix(base ^ epoch.wrapping_mul(0xD1B5_4A32_D192_ED03))
        };
        if let (Some(ix), Cardinality::Known(n)) = (self.indexed.clone(), self.cardinality) {
            // The same buffer procedure over indices gives the same order; each element is
            // made when it is picked, its memory asked for one pick early.
            return self.derive(self.cardinality, move || {
                let (at, soon) = (ix.at.clone(), ix.soon.clone());
                Box::new(shuffled(next_order(), (0..n).map(Ok), buffer_size, move |&i| soon(i)).map(move |i| i.map(|i| at(i))))
            });
        }
        let up = self.recipe.clone();
        self.derive(self.cardinality, move || {
            Box::new(shuffled(next_order(), up(), buffer_size, |_| {}))
        })
    }

    /// `dataset.enumerate()`: `(index, element)` pairs, the index an int64 scalar.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::from_tensor_slices(tf::constant([10i64, 20, 30]))?.enumerate();
    /// let v: Vec<(i64, i64)> = ds.iter().map(|e| e.map(|(i, x)| (i.scalar::<i64>(), x.scalar::<i64>())).unwrap()).collect();
    /// assert_eq!(v, vec![(0, 10), (1, 20), (2, 30)]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn enumerate(&self) -> Dataset<(Tensor, T)> {
        let up = self.recipe.clone();
        let element = self.element.clone().map(|e| -> super::Symbolic<(Tensor, T)> {
            Arc::new(move || (super::placeholder(crate::DType::I64, crate::Shape::scalar()), e()))
        });
        Dataset::from_recipe(self.cardinality, move || {
            Box::new(up().enumerate().map(|(i, x)| x.map(|v| (crate::constant(i as i64), v))))
        })
        .with_element(element)
    }

    /// `dataset.interleave(map_func, cycle_length, block_length)`: maps each element to a
    /// dataset and cycles through `cycle_length` of them at a time, taking `block_length`
    /// elements from each in turn (deterministic order).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// // TensorFlow's documented example: each of 1..=5 repeated six times, two at a time,
    /// // four from each in turn.
    /// let ds = Dataset::range(1, 6, 1)?.interleave(|x| Dataset::from_tensors(x).repeat(Some(6)), 2, 4);
    /// assert_eq!(
    ///     ints(&ds),
    ///     vec![1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    /// );
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `cycle_length` or `block_length` is zero.
    pub fn interleave<U: Send + 'static>(
        &self,
        map_func: impl Fn(T) -> Dataset<U> + Send + Sync + 'static,
        cycle_length: usize,
        block_length: usize,
    ) -> Dataset<U> {
        assert!(
            cycle_length > 0 && block_length > 0,
            "interleave: cycle_length and block_length must be positive"
        );
        let (up, f) = (self.recipe.clone(), Arc::new(map_func));
        Dataset::from_recipe(Cardinality::Unknown, move || {
            let mut src = up();
            let f = f.clone();
            let mut open: Vec<DatasetIter<U>> = Vec::new();
            let (mut slot, mut taken, mut exhausted) = (0usize, 0usize, false);
            Box::new(std::iter::from_fn(move || loop {
                while !exhausted && open.len() < cycle_length {
                    match src.next() {
                        Some(Ok(x)) => open.push(f(x).iter()),
                        Some(Err(e)) => return Some(Err(e)),
                        None => exhausted = true,
                    }
                }
                if open.is_empty() {
                    return None;
                }
                slot %= open.len();
                match open[slot].next() {
                    Some(x) => {
                        taken += 1;
                        if taken == block_length {
                            taken = 0;
                            slot += 1;
                        }
                        return Some(x);
                    }
                    None => {
                        // An exhausted input is replaced in its slot by the next one, and the
                        // cycle moves on to the next slot, as TensorFlow's interleave does.
                        taken = 0;
                        let next = if exhausted { None } else { src.next() };
                        match next {
                            Some(Ok(x)) => {
                                open[slot] = f(x).iter();
                                slot += 1;
                            }
                            Some(Err(e)) => return Some(Err(e)),
                            None => {
                                exhausted = true;
                                drop(open.remove(slot));
                            }
                        }
                    }
                }
            }))
        })
    }

    /// `dataset.flat_map(map_func)`: each element mapped to a dataset, and their elements
    /// one dataset after another (`interleave` with one open at a time).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// // TensorFlow's documented example: the rows of a matrix, flattened.
    /// let rows = Dataset::from_tensor_slices(tf::constant([[1i64, 2, 3], [4, 5, 6], [7, 8, 9]]))?;
    /// let ds = rows.flat_map(|row| Dataset::from_tensor_slices(row).expect("a row is a vector"));
    /// assert_eq!(ints(&ds), (1..=9).collect::<Vec<i64>>());
    /// // The windowing idiom of TensorFlow's time-series tutorial: each window as one batch.
    /// let ds = Dataset::range(0, 5, 1)?.window(3, 1, 1, true).flat_map(|w| w.batch(3, true));
    /// assert_eq!(vecs(&ds), vec![vec![0, 1, 2], vec![1, 2, 3], vec![2, 3, 4]]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn flat_map<U: Send + 'static>(&self, map_func: impl Fn(T) -> Dataset<U> + Send + Sync + 'static) -> Dataset<U> {
        self.interleave(map_func, 1, 1)
    }

    /// `dataset.concatenate(other)`: this dataset's elements, then `other`'s.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::{Cardinality, Dataset};
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// // TensorFlow's documented example.
    /// let a = Dataset::range(1, 4, 1)?;
    /// let b = Dataset::range(4, 8, 1)?;
    /// let ds = a.concatenate(&b);
    /// assert_eq!(ints(&ds), vec![1, 2, 3, 4, 5, 6, 7]);
    /// assert_eq!(ds.cardinality(), Cardinality::Known(7));
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn concatenate(&self, other: &Dataset<T>) -> Dataset<T> {
        let (a, b) = (self.recipe.clone(), other.recipe.clone());
        let card = match (self.cardinality, other.cardinality) {
            (Cardinality::Known(x), Cardinality::Known(y)) => Cardinality::Known(x + y),
            (Cardinality::Infinite, _) | (_, Cardinality::Infinite) => Cardinality::Infinite,
            _ => Cardinality::Unknown,
        };
        // No symbolic element: the two parts' shapes may differ (a last short batch).
        Dataset::from_recipe(card, move || Box::new(a().chain(b())))
    }

    /// `dataset.shard(num_shards, index)`: every `num_shards`-th element, starting at
    /// `index`: one worker's part of the data. Every element upstream is still read, so an
    /// error in any of them is reported.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::{Cardinality, Dataset};
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// // TensorFlow's documented example.
    /// let a = Dataset::range(0, 10, 1)?;
    /// assert_eq!(ints(&a.shard(3, 0)), vec![0, 3, 6, 9]);
    /// assert_eq!(ints(&a.shard(3, 1)), vec![1, 4, 7]);
    /// assert_eq!(a.shard(3, 2).cardinality(), Cardinality::Known(3));
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `index` is not less than `num_shards` (TensorFlow's InvalidArgumentError).
    #[track_caller]
    pub fn shard(&self, num_shards: usize, index: usize) -> Dataset<T> {
        assert!(
            index < num_shards,
            "shard: index must be in [0, num_shards), got index {index} with num_shards {num_shards}"
        );
        let up = self.recipe.clone();
        let card = self.cardinality.map(|n| n / num_shards + usize::from(index < n % num_shards));
        self.derive(card, move || {
            let mut i = 0usize;
            Box::new(up().filter_map(move |x| {
                let mine = i % num_shards == index;
                i += 1;
                match x {
                    Err(e) => Some(Err(e)),
                    Ok(v) => mine.then_some(Ok(v)),
                }
            }))
        })
    }

    /// `dataset.apply(f)`: `f(dataset)`, for reusable pipeline pieces.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let small = |ds: &Dataset<tf::Tensor>| ds.filter(|x| x.scalar::<i64>() < 5);
    /// assert_eq!(ints(&Dataset::range(0, 100, 1)?.apply(small)), vec![0, 1, 2, 3, 4]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn apply<U>(&self, f: impl FnOnce(&Dataset<T>) -> Dataset<U>) -> Dataset<U> {
        f(self)
    }
}

impl<T: Clone + Send + Sync + 'static> Dataset<T> {
    /// `dataset.window(size, shift, stride, drop_remainder)`: datasets of `size` elements
    /// taken every `stride`-th, windows starting `shift` elements apart.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let windows: Vec<Vec<i64>> = Dataset::range(0, 7, 1)?
    ///     .window(3, 2, 1, true)
    ///     .iter()
    ///     .map(|w| ints(&w.unwrap()))
    ///     .collect();
    /// assert_eq!(windows, vec![vec![0, 1, 2], vec![2, 3, 4], vec![4, 5, 6]]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `size`, `shift` or `stride` is zero.
    pub fn window(&self, size: usize, shift: usize, stride: usize, drop_remainder: bool) -> Dataset<Dataset<T>> {
        assert!(
            size > 0 && shift > 0 && stride > 0,
            "window: size, shift and stride must be positive"
        );
        let up = self.recipe.clone();
        Dataset::from_recipe(Cardinality::Unknown, move || {
            let mut src = up();
            let mut buf: std::collections::VecDeque<T> = std::collections::VecDeque::new();
            let mut done = false;
            let span = (size - 1) * stride + 1;
            Box::new(std::iter::from_fn(move || {
                while !done && buf.len() < span {
                    match src.next() {
                        Some(Ok(x)) => buf.push_back(x),
                        Some(Err(e)) => return Some(Err(e)),
                        None => done = true,
                    }
                }
                if buf.is_empty() || (drop_remainder && buf.len() < span) {
                    return None;
                }
                let items: Vec<T> = buf.iter().step_by(stride).take(size).cloned().collect();
                for _ in 0..shift {
                    if buf.pop_front().is_none() {
                        break;
                    }
                    if buf.is_empty() && !done {
                        match src.next() {
                            Some(Ok(x)) => buf.push_back(x),
                            Some(Err(e)) => return Some(Err(e)),
                            None => done = true,
                        }
                    }
                }
                let n = items.len();
                let items = Arc::new(items);
                Some(Ok(Dataset::from_recipe(Cardinality::Known(n), move || {
                    let items = items.clone();
                    Box::new((0..items.len()).map(move |i| Ok(items[i].clone())))
                })))
            }))
        })
    }

    /// `dataset.cache()`: the first complete pass is kept in memory and later passes replay
    /// it (an abandoned pass caches nothing).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::range(0, 3, 1)?.map(|x| &x + 1i64).cache();
    /// assert_eq!(ints(&ds), vec![1, 2, 3]); // computed, and stored
    /// assert_eq!(ints(&ds), vec![1, 2, 3]); // read back
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn cache(&self) -> Dataset<T> {
        let up = self.recipe.clone();
        let store: Arc<Mutex<Option<Arc<Vec<T>>>>> = Arc::default();
        self.derive(self.cardinality, move || {
            if let Some(cached) = store.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                return Box::new((0..cached.len()).map(move |i| Ok(cached[i].clone())));
            }
            let store = store.clone();
            let mut src = up();
            let mut seen: Vec<T> = Vec::new();
            Box::new(std::iter::from_fn(move || match src.next() {
                Some(Ok(x)) => {
                    seen.push(x.clone());
                    Some(Ok(x))
                }
                Some(Err(e)) => Some(Err(e)),
                None => {
                    *store.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(std::mem::take(&mut seen)));
                    None
                }
            }))
        })
    }
}

impl<T: Structure> Dataset<T> {
    /// `dataset.batch(batch_size, drop_remainder)`: consecutive elements stacked along a new
    /// first dimension; the last batch may be short unless `drop_remainder`.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// assert_eq!(vecs(&Dataset::range(0, 8, 1)?.batch(3, false)), vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7]]);
    /// assert_eq!(vecs(&Dataset::range(0, 8, 1)?.batch(3, true)), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `batch_size` is zero.
    pub fn batch(&self, batch_size: usize, drop_remainder: bool) -> Dataset<T> {
        self.batch_with(batch_size, drop_remainder, T::stack)
    }

    /// The symbolic element with each tensor's spec changed by `f`.
    fn respecced(
        &self,
        f: impl Fn(&crate::ops::TensorSpec) -> crate::ops::TensorSpec + Send + Sync + 'static,
    ) -> Option<super::Symbolic<T>> {
        let up = self.element.clone()?;
        Some(Arc::new(move || {
            up().map_tensors(&mut |t| {
                let s = f(&crate::ops::TensorSpec::of(t));
                super::placeholder(s.dtype, s.shape)
            })
        }))
    }

    fn batch_with(&self, batch_size: usize, drop_remainder: bool, stack: impl Fn(&[T]) -> Result<T> + Send + Sync + 'static) -> Dataset<T> {
        assert!(batch_size > 0, "batch: batch_size must be greater than zero");
        let stack = Arc::new(stack);
        let up = self.recipe.clone();
        let card = self
            .cardinality
            .map(|n| if drop_remainder { n / batch_size } else { n.div_ceil(batch_size) });
        // TensorFlow's element_spec: the batch dimension is known only with drop_remainder.
        let element = self.respecced(move |s| {
            let lead = if drop_remainder { batch_size } else { crate::Shape::UNKNOWN };
            // padded_batch pads to the element spec's shape: its known dimensions stay known.
            crate::ops::TensorSpec::new(
                std::iter::once(lead).chain(s.shape.dims().iter().copied()).collect::<Vec<_>>(),
                s.dtype,
            )
        });
        Dataset::from_recipe(card, move || {
            let mut src = up();
            let stack = stack.clone();
            Box::new(std::iter::from_fn(move || {
                let mut items = Vec::with_capacity(batch_size);
                while items.len() < batch_size {
                    match src.next() {
                        Some(Ok(x)) => items.push(x),
                        Some(Err(e)) => return Some(Err(e)),
                        None => break,
                    }
                }
                if items.is_empty() || (drop_remainder && items.len() < batch_size) {
                    return None;
                }
                Some(stack(&items))
            }))
        })
        .with_element(element)
    }

    /// `dataset.padded_batch(batch_size, padding_value, drop_remainder)`: like `batch`, with
    /// every component padded (with `padding_value`) to the largest shape in its batch.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// // TensorFlow's documented example: element x is [x; x], padded to the longest in its batch.
    /// let ds = Dataset::range(1, 5, 1)?.map(|x| tf::fill([x.scalar::<i64>() as usize], x.scalar::<i64>()));
    /// let b: Vec<Vec<i64>> = vecs(&ds.padded_batch(2, 0.0, false));
    /// assert_eq!(b, vec![vec![1, 0, 2, 2], vec![3, 3, 3, 0, 4, 4, 4, 4]]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    ///
    /// # Panics
    /// When `batch_size` is zero.
    pub fn padded_batch(&self, batch_size: usize, padding_value: f64, drop_remainder: bool) -> Dataset<T> {
        self.batch_with(batch_size, drop_remainder, move |items| T::padded_stack(items, padding_value))
    }

    /// `dataset.rebatch(batch_size)`: the same elements regrouped into batches of
    /// `batch_size` (the last may be short).
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::range(0, 8, 1)?.batch(4, false).rebatch(2);
    /// assert_eq!(vecs(&ds), vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7]]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn rebatch(&self, batch_size: usize) -> Dataset<T> {
        self.unbatch().batch(batch_size, false)
    }

    /// `dataset.unbatch()`: splits every element along its first dimension.
    ///
    /// ```
    /// use tf_core as tf;
    /// use tf::data::Dataset;
    /// # let ints = |ds: &Dataset<tf::Tensor>| -> Vec<i64> { ds.iter().map(|x| x.unwrap().scalar::<i64>()).collect() };
    /// # let vecs = |ds: &Dataset<tf::Tensor>| -> Vec<Vec<i64>> { ds.iter().map(|x| x.unwrap().to_vec::<i64>()).collect() };
    /// let ds = Dataset::range(0, 6, 1)?.batch(4, false).unbatch();
    /// assert_eq!(ints(&ds), vec![0, 1, 2, 3, 4, 5]);
    /// # Ok::<(), tf::Error>(())
    /// ```
    pub fn unbatch(&self) -> Dataset<T> {
        let up = self.recipe.clone();
        let element = self.respecced(|s| crate::ops::TensorSpec::new(s.shape.dims().get(1..).unwrap_or(&[]).to_vec(), s.dtype));
        Dataset::from_recipe(Cardinality::Unknown, move || {
            Box::new(up().flat_map(|x| -> Vec<Result<T>> {
                match x.and_then(|v| v.unstack()) {
                    Ok(parts) => parts.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                }
            }))
        })
        .with_element(element)
    }
}

/// `dataset.shuffle`'s procedure: fill a buffer of `buffer_size` from `src`, then repeatedly
/// hand out a random one of it and refill its place. `soon` is shown the element the next
/// pick will most likely take (the draw is made one pick early; the buffer's length at the
/// next pick is known unless the source ends in between).
fn shuffled<T: Send + 'static>(
    mut rng: SplitMix,
    mut src: impl Iterator<Item = Result<T>> + Send + 'static,
    buffer_size: usize,
    soon: impl Fn(&T) + Send + 'static,
) -> impl Iterator<Item = Result<T>> + Send + 'static {
    let mut buf: Vec<T> = Vec::with_capacity(buffer_size.min(1 << 16));
    let mut done = false;
    let mut draw = rng.next();
    std::iter::from_fn(move || {
        while !done && buf.len() < buffer_size {
            match src.next() {
                Some(Ok(x)) => buf.push(x),
                Some(Err(e)) => return Some(Err(e)),
                None => done = true,
            }
        }
        if buf.is_empty() {
            return None;
        }
        let picked = buf.swap_remove((draw % buf.len() as u64) as usize);
        draw = rng.next();
        let next_len = if done { buf.len() } else { buffer_size };
        if let Some(x) = buf.get((draw % next_len.max(1) as u64) as usize) {
            soon(x);
        }
        Some(Ok(picked))
    })
}

/// A small fast generator for shuffle order (SplitMix64).
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
