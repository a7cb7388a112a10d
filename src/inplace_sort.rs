//! A run's columns of values sorted in place: one pass that moves each value into its
//! bucket, one of at most 4,096 on a linear map of the column's range (an American flag
//! sort: with so few buckets their next slots stay in cache), then each bucket sorted on its
//! own, in parallel, by the batch-sized bucket sort of [`crate::radix`] where its values
//! spread evenly (else by comparisons).
//!
//! A comparison sort of 10^6 values makes about 20 passes' worth of comparisons; this makes
//! about six passes over the values, most of them sequential. In place, with working space
//! of 64 KiB of counts and at most 1 MiB a thread, because these columns are a run's only
//! per-iteration memory. The total order makes the result unique, so it is the same bits
//! as any other sort's, for any thread count.

use rayon::prelude::*;

use crate::radix::{RadixScratch, min_max, sort_evenly};

/// Columns shorter than this are sorted by the standard library's sort.
const SMALL: usize = 1 << 15;

/// Values per bucket, on average.
const PER_BUCKET: usize = 4096;

/// Sorts `v` ascending in the total order (`f64::total_cmp`), in place.
pub fn sort_in_place(v: &mut [f64]) {
    let n = v.len();
    let (lo, hi) = min_max(v);
    let range = hi - lo;
    if n < SMALL || !(range.is_finite() && range > 0.0) {
        v.par_sort_unstable_by(f64::total_cmp);
        return;
    }
    let buckets = bucket_count(n);
    let scale = buckets as f64 / range;
    let top = buckets - 1;
    // Rounded subtraction and multiplication by a positive number keep the values' order,
    // so the buckets are in it. NaN goes to the end its sign gives it in the total order;
    // ±0 share a bucket and are ordered within it.
    let bucket = |x: f64| -> usize {
        if x.is_nan() {
            if x.is_sign_negative() { 0 } else { top }
        } else {
            (((x - lo) * scale) as usize).min(top)
        }
    };
    // ends[b]: one past bucket b's last slot; heads[b]: its next slot to fill.
    let mut ends = vec![0usize; buckets];
    for &x in v.iter() {
        ends[bucket(x)] += 1;
    }
    let mut heads = vec![0usize; buckets];
    let mut offset = 0;
    for (h, e) in heads.iter_mut().zip(ends.iter_mut()) {
        *h = offset;
        offset += *e;
        *e = offset;
    }
    // Each value is carried along a cycle of swaps to the next free slot of its bucket.
    for b in 0..buckets {
        while heads[b] < ends[b] {
            let mut x = v[heads[b]];
            loop {
                let d = bucket(x);
                if d == b {
                    break;
                }
                std::mem::swap(&mut x, &mut v[heads[d]]);
                heads[d] += 1;
            }
            v[heads[b]] = x;
            heads[b] += 1;
        }
    }
    drop(heads);
    // Runs of consecutive buckets as disjoint slices of about n / GROUPS values each (a
    // bell-shaped column crowds its middle buckets), sorted in parallel, each bucket of a
    // run on its own.
    let per_group = n.div_ceil(GROUPS);
    let mut groups = Vec::with_capacity(GROUPS + 1);
    let (mut rest, mut start, mut first_bucket) = (v, 0, 0);
    for (b, &end) in ends.iter().enumerate() {
        if end - start >= per_group || b + 1 == buckets {
            let (head, tail) = rest.split_at_mut(end - start);
            groups.push((head, start, &ends[first_bucket..=b]));
            (rest, start, first_bucket) = (tail, end, b + 1);
        }
    }
    groups
        .into_par_iter()
        .for_each_init(RadixScratch::default, |s, (slice, first, g)| {
            let mut from = 0;
            for &end in g {
                let b = &mut slice[from..end - first];
                if b.len() > LARGEST_EVEN {
                    // Most of a column in one bucket (a heavy tail stretching the range):
                    // by comparisons, on every thread the pool has free.
                    b.par_sort_unstable_by(f64::total_cmp);
                } else if !sort_evenly(b, s) {
                    b.sort_unstable_by(f64::total_cmp);
                }
                from = end - first;
            }
        });
}

/// The largest bucket given to the bucket sort of [`sort_evenly`], whose working space
/// (16 bytes a value, [`SCRATCH_BYTES`] at most, per thread) must stay small: a bucket
/// that holds most of a column (a far outlier stretching the range) is sorted in place by
/// comparisons instead.
const LARGEST_EVEN: usize = 1 << 16;

/// A thread's working space for its buckets, at most.
pub const SCRATCH_BYTES: u64 = 16 * LARGEST_EVEN as u64;

/// Slices sorted in parallel: enough to share among threads, few enough to cost nothing.
const GROUPS: usize = 64;

fn bucket_count(n: usize) -> usize {
    (n / PER_BUCKET).clamp(1 << 8, 1 << 12)
}

/// The working space of the summary's sorts of `n` values each beyond the values
/// themselves, but for each thread's [`SCRATCH_BYTES`]: two counts per bucket, for the gap's
/// and the shortfall's sorts, which run side by side.
pub fn working_bytes(n: u64) -> u64 {
    if n < SMALL as u64 {
        return 0;
    }
    2 * bucket_count(n.min(usize::MAX as u64) as usize) as u64 * 2 * size_of::<usize>() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn check(mut v: Vec<f64>, what: &str) {
        let mut w = v.clone();
        w.sort_unstable_by(f64::total_cmp);
        sort_in_place(&mut v);
        assert_eq!(bits(&v), bits(&w), "{what}");
    }

    #[test]
    fn columns_sort_as_the_total_order_does() {
        let mut rng = crate::sample::stream(4, 0, "in place");
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let n = 200_000;
        // A smooth column, a skewed one (most values in a few buckets).
        let smooth: Vec<f64> = (0..n).map(|_| u() + u() + u() - 1.5).collect();
        let skewed: Vec<f64> = (0..n).map(|_| (12.0 * u()).exp()).collect();
        // A shortfall: most years nothing, so one value crowds one bucket.
        let shortfall: Vec<f64> = (0..n).map(|_| (u() - 0.8).max(0.0) * 100.0).collect();
        // A bucket crowded by one value yet small enough to be offered to the bucket sort.
        let some_zeros: Vec<f64> = (0..n).map(|_| (u() - 0.2).max(0.0)).collect();
        // Both zeros, both NaNs, ties and neighbours one ulp apart.
        let mut awkward = smooth.clone();
        for (i, x) in [
            -0.0,
            0.0,
            f64::NAN,
            -f64::NAN,
            0.25,
            0.25,
            f64::from_bits(0.25f64.to_bits() + 1),
        ]
        .into_iter()
        .enumerate()
        {
            awkward[i * 997] = x;
        }
        for (what, v) in [
            ("smooth", smooth),
            ("skewed", skewed),
            ("shortfall", shortfall),
            ("some zeros", some_zeros),
            ("awkward", awkward),
        ] {
            check(v, what);
        }
        // Infinite ranges, constant columns and short ones take the standard sort.
        check(vec![1.0; SMALL + 5], "constant");
        let mut inf: Vec<f64> = (0..SMALL + 9).map(|i| i as f64).collect();
        inf[3] = f64::INFINITY;
        inf[7] = f64::NEG_INFINITY;
        check(inf, "infinite");
        check(vec![3.0, -1.0, 2.0], "short");
    }
}
