//! Radix sorts for the batch-sized arrays of the hot loop: floats by their bit patterns, and
//! row orders by 32-bit keys.
//!
//! Floats are ordered by a counting sort on a linear map of their range when they spread
//! evenly, else by a least-significant-digit radix sort of 32-bit keys (11-bit digits,
//! every digit's counts from one pass, a digit that every key shares skipped); an
//! insertion pass then puts the rows that share a bucket or key in exact order. The result
//! is that of a comparison sort in the total order (ties in row order), so it does not
//! depend on the method.
//! Working space is passed in and reused across batches.

/// Bits per digit.
const DIGIT: u32 = 11;
const BUCKETS: usize = 1 << DIGIT;

/// A u64 whose unsigned order is the total order of `x` (negative values flipped).
#[inline]
pub fn order_bits(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// A u32 whose unsigned order is the total order of `x` rounded to f32: a ranking key half
/// the size of [`order_bits`]. Distinct values may share a key (ties then keep row order).
#[inline]
pub fn order_bits32(x: f64) -> u32 {
    let b = (x as f32).to_bits();
    if b >> 31 == 1 { !b } else { b | (1 << 31) }
}

/// Sorts `keys` by the bits `lo..hi` (digits of [`DIGIT`] bits from `lo`), stably, using
/// `buf` as working space.
fn sort_bits(
    keys: &mut Vec<u64>,
    buf: &mut Vec<u64>,
    counts: &mut Vec<[u32; BUCKETS]>,
    lo: u32,
    hi: u32,
) {
    let n = keys.len();
    if n < 2 {
        return;
    }
    let digits = (hi - lo).div_ceil(DIGIT) as usize;
    counts.clear();
    counts.resize(digits, [0u32; BUCKETS]);
    for &k in keys.iter() {
        for (d, c) in counts.iter_mut().enumerate() {
            c[((k >> (lo + d as u32 * DIGIT)) as usize) & (BUCKETS - 1)] += 1;
        }
    }
    buf.clear();
    buf.resize(n, 0);
    for (d, c) in counts.iter_mut().enumerate() {
        if c.iter().any(|&x| x as usize == n) {
            continue;
        }
        let mut offset = 0u32;
        for x in c.iter_mut() {
            let here = *x;
            *x = offset;
            offset += here;
        }
        let shift = lo + d as u32 * DIGIT;
        for &k in keys.iter() {
            let slot = &mut c[((k >> shift) as usize) & (BUCKETS - 1)];
            buf[*slot as usize] = k;
            *slot += 1;
        }
        std::mem::swap(keys, buf);
    }
}

/// Working space for [`sort_floats_with`] and [`argsort`].
#[derive(Debug, Default, Clone)]
pub struct RadixScratch {
    keys: Vec<u64>,
    buf: Vec<u64>,
    counts: Vec<[u32; BUCKETS]>,
    order: Vec<u32>,
    values: Vec<f64>,
    /// Exact order keys beside the rows being ordered.
    exact: Vec<u64>,
    /// Each bucket's next free slot.
    fill: Vec<u32>,
    /// Each row's bucket, from the counting pass, for the scatter.
    bucket: Vec<u32>,
    /// [`select_ranks`]: which buckets hold a wanted rank (all false between calls), and
    /// their values.
    wanted: Vec<bool>,
    picked: Vec<(u32, f64)>,
}

/// The values at `ranks` (0-based) of `v` in ascending total order, into `out`: what a
/// sort of `v` would hold there, bit for bit, without sorting it where its values spread
/// evenly: the counting pass of the bucket sort lays out where each bucket's ranks start,
/// and only the few buckets that hold a wanted rank are gathered and sorted. A crowded
/// column (a shortfall's mass at 0, a discrete law) or one with a NaN (which shares bucket
/// 0 with the least values) is sorted as [`sort_floats_with`] sorts it.
pub fn select_ranks(v: &[f64], ranks: &[u64], out: &mut Vec<f64>, s: &mut RadixScratch) {
    out.clear();
    if ranks.is_empty() {
        return;
    }
    if !v.iter().any(|x| x.is_nan()) && buckets(v, s) {
        pick(v, ranks, out, s);
        return;
    }
    let mut sorted = std::mem::take(&mut s.values);
    sorted.clear();
    sorted.extend_from_slice(v);
    sort_floats_with(&mut sorted, s);
    out.extend(ranks.iter().map(|&r| sorted[r as usize]));
    s.values = sorted;
}

/// The values at `ranks` among `x`, whose buckets [`buckets`] has just laid out, into
/// `out`: the buckets holding them gathered and put in exact order.
fn pick(x: &[f64], ranks: &[u64], out: &mut Vec<f64>, s: &mut RadixScratch) {
    // The bucket of rank r: the last whose first slot is at most r (an empty bucket's first
    // slot is the next one's).
    let bucket_of = |fill: &[u32], r: u64| fill.partition_point(|&f| u64::from(f) <= r) - 1;
    s.wanted.resize(x.len(), false);
    for &r in ranks {
        s.wanted[bucket_of(&s.fill, r)] = true;
    }
    s.picked.clear();
    for (&v, &b) in x.iter().zip(&s.bucket) {
        if s.wanted[b as usize] {
            s.picked.push((b, v));
        }
    }
    s.picked
        .sort_unstable_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)));
    for &r in ranks {
        let b = bucket_of(&s.fill, r);
        // The marks are cleared as they are read, so the next call starts from none.
        s.wanted[b] = false;
        let first = s.picked.partition_point(|p| (p.0 as usize) < b);
        out.push(s.picked[first + (r - u64::from(s.fill[b])) as usize].1);
    }
}

/// Sorts floats ascending (total order).
pub fn sort_floats(v: &mut [f64]) {
    sort_floats_with(v, &mut RadixScratch::default());
}

/// [`sort_floats`] with reused working space.
///
/// Evenly spread values are scattered by bucket as their order keys and put in exact order
/// in place, with no row indices to carry; crowded ones go through [`argsort`].
pub fn sort_floats_with(v: &mut [f64], s: &mut RadixScratch) {
    if !sort_evenly(v, s) && !sort_around_least(v, s) {
        let mut order = std::mem::take(&mut s.order);
        argsort(v, &mut order, s);
        s.values.clear();
        s.values.extend(order.iter().map(|&i| v[i as usize]));
        v.copy_from_slice(&s.values);
        s.order = order;
    }
}

/// Sorts `v` when what crowded its buckets was a mass at its least value (a quantity cut
/// off below, as a shortfall's or an excess's years with none are at 0): the other values
/// by [`sort_evenly`], the mass then put in its place. Else returns false, with `v`'s values
/// (not their order) unchanged.
fn sort_around_least(v: &mut [f64], s: &mut RadixScratch) -> bool {
    let (least, _) = min_max(v);
    let bits = least.to_bits();
    let n = v.len();
    let mut kept = 0;
    for i in 0..n {
        let x = v[i];
        if x.to_bits() != bits {
            v[kept] = x;
            kept += 1;
        }
    }
    if kept == n {
        return false;
    }
    let sorted = sort_evenly(&mut v[..kept], s);
    if sorted {
        // After every value the total order puts below it (the other zero, a −NaN).
        let at = v[..kept].partition_point(|x| x.total_cmp(&least).is_lt());
        v.copy_within(at..kept, at + n - kept);
        v[at..at + n - kept].fill(least);
    } else {
        v[kept..].fill(least);
    }
    sorted
}

/// [`sort_floats_with`]'s bucket path alone: sorts `v` and returns true when its values
/// spread evenly enough, else leaves it as it was and returns false.
pub fn sort_evenly(v: &mut [f64], s: &mut RadixScratch) -> bool {
    if buckets(v, s) {
        s.keys.clear();
        s.keys.resize(v.len(), 0);
        for (&x, &b) in v.iter().zip(&s.bucket) {
            let slot = next_slot(&mut s.fill, b);
            s.keys[slot] = order_bits(x);
        }
        insert_keys(&mut s.keys);
        for (x, &k) in v.iter_mut().zip(&s.keys) {
            *x = from_order_bits(k);
        }
        return true;
    }
    false
}

/// The f64 whose [`order_bits`] are `k`.
#[inline]
fn from_order_bits(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The rows of `x` in ascending total order of their values, ties in row order, into
/// `order`.
///
/// Most columns here are smooth draws of one driver, so a counting sort on a linear map of
/// [min, max] into n buckets places nearly every row with one histogram pass and one
/// scatter; an insertion pass over the scattered rows' exact keys (contiguous, beside the
/// rows) then puts each bucket (a handful of rows) in exact order. Where the values crowd
/// into a few buckets (a skewed or discrete law) the rows are radix-sorted on 32-bit keys
/// (the values rounded to f32, which keeps their order but may tie distinct values) before
/// the same insertion pass. Either way the result is the exact order, so the method chosen
/// never shows in a figure.
pub fn argsort(x: &[f64], order: &mut Vec<u32>, s: &mut RadixScratch) {
    let n = x.len();
    order.clear();
    order.resize(n, 0);
    s.exact.clear();
    s.exact.resize(n, 0);
    if buckets(x, s) {
        for (i, (&v, &b)) in x.iter().zip(&s.bucket).enumerate() {
            let slot = next_slot(&mut s.fill, b);
            order[slot] = i as u32;
            s.exact[slot] = order_bits(v);
        }
    } else {
        s.keys.clear();
        s.keys.extend(
            x.iter()
                .enumerate()
                .map(|(i, &v)| u64::from(order_bits32(v)) << 32 | i as u64),
        );
        sort_bits(&mut s.keys, &mut s.buf, &mut s.counts, 32, 64);
        for ((o, e), &k) in order.iter_mut().zip(s.exact.iter_mut()).zip(&s.keys) {
            *o = k as u32;
            *e = order_bits(x[*o as usize]);
        }
    }
    insert_pairs(&mut s.exact, order);
}

/// Puts `keys` in ascending order, stably, by insertion: cheap when each key is already
/// within a few places of its own (as after the bucket scatter). A branch-free bubble pass
/// first settles most out-of-order neighbours (a bucket of two, the common case), whose
/// branches the insertion would mispredict.
fn insert_keys(keys: &mut [u64]) {
    if let Some(&first) = keys.first() {
        let mut high = first;
        for i in 1..keys.len() {
            let k = keys[i];
            keys[i - 1] = k.min(high);
            high = k.max(high);
        }
        let last = keys.len() - 1;
        keys[last] = high;
    }
    for i in 1..keys.len() {
        let k = keys[i];
        if k >= keys[i - 1] {
            continue;
        }
        let mut j = i;
        while j > 0 && k < keys[j - 1] {
            keys[j] = keys[j - 1];
            j -= 1;
        }
        keys[j] = k;
    }
}

/// [`insert_keys`] carrying `rows` along: equal keys keep their rows' order (the bubble
/// pass swaps only a strictly smaller key forward).
fn insert_pairs(keys: &mut [u64], rows: &mut [u32]) {
    if let (Some(&k0), Some(&r0)) = (keys.first(), rows.first()) {
        let (mut hk, mut hr) = (k0, r0);
        for i in 1..keys.len() {
            let (k, r) = (keys[i], rows[i]);
            let lt = k < hk;
            keys[i - 1] = if lt { k } else { hk };
            rows[i - 1] = if lt { r } else { hr };
            hk = if lt { hk } else { k };
            hr = if lt { hr } else { r };
        }
        let last = keys.len() - 1;
        keys[last] = hk;
        rows[last] = hr;
    }
    for i in 1..keys.len() {
        let (k, r) = (keys[i], rows[i]);
        if k >= keys[i - 1] {
            continue;
        }
        let mut j = i;
        while j > 0 && k < keys[j - 1] {
            keys[j] = keys[j - 1];
            rows[j] = rows[j - 1];
            j -= 1;
        }
        keys[j] = k;
        rows[j] = r;
    }
}

/// Most rows a bucket of [`buckets`] may hold before the radix sort is used instead
/// (the insertion pass costs the square of a bucket's size).
const CROWDED: u32 = 48;

/// The next free slot of bucket `b`, as laid out by [`buckets`] (rows scattered in row
/// order, so ties keep it).
#[inline]
fn next_slot(fill: &mut [u32], b: u32) -> usize {
    let slot = fill[b as usize];
    fill[b as usize] = slot + 1;
    slot as usize
}

/// The least and greatest of `x` (NaN ignored), in eight lanes: a single running minimum
/// waits on each comparison before the next. Which of −0 and +0 comes out does not matter:
/// any `lo` below and `hi` above the values gives buckets in their order, and the insertion
/// pass makes the order exact.
pub(crate) fn min_max(x: &[f64]) -> (f64, f64) {
    const L: usize = 8;
    let mut lo = [f64::INFINITY; L];
    let mut hi = [f64::NEG_INFINITY; L];
    let chunks = x.chunks_exact(L);
    let (mut a, mut b) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in chunks.remainder() {
        a = a.min(v);
        b = b.max(v);
    }
    for c in chunks {
        for l in 0..L {
            lo[l] = lo[l].min(c[l]);
            hi[l] = hi[l].max(c[l]);
        }
    }
    for l in 0..L {
        a = a.min(lo[l]);
        b = b.max(hi[l]);
    }
    (a, b)
}

/// Lays out n buckets on a linear map of [min, max] of `x`, each bucket's first slot in
/// `s.fill` and each row's bucket in `s.bucket`; false when the values are not finite or
/// crowd into some bucket.
fn buckets(x: &[f64], s: &mut RadixScratch) -> bool {
    let n = x.len();
    if n < 64 {
        return false;
    }
    let (lo, hi) = min_max(x);
    let range = hi - lo;
    if !(range.is_finite() && range > 0.0) {
        return false;
    }
    // Rounded subtraction and multiplication by a positive number never reverse an order,
    // so buckets are in the values' order.
    let scale = (n - 1) as f64 / range;
    let top = n as u32 - 1;
    s.fill.clear();
    s.fill.resize(n, 0);
    // The buckets first, in a pass of their own (it vectorises), then their counts.
    s.bucket.clear();
    s.bucket
        .extend(x.iter().map(|&v| (((v - lo) * scale) as u32).min(top)));
    for &b in &s.bucket {
        s.fill[b as usize] += 1;
    }
    let (mut offset, mut most) = (0, 0);
    for c in s.fill.iter_mut() {
        let here = *c;
        most = most.max(here);
        *c = offset;
        offset += here;
    }
    most <= CROWDED
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn float_sorting_by_bits_matches_total_order() {
        let mut rng = crate::sample::stream(2, 0, "floats");
        let mut v: Vec<f64> = vec![3.5, -0.0, 0.0, -2.0, f64::INFINITY, 1e-300, -1e300, 2.0];
        v.extend((0..3000).map(|i| {
            let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if i % 5 == 0 {
                0.25
            } else {
                (x - 0.3) * 10f64.powi(i % 9 - 4)
            }
        }));
        let mut w = v.clone();
        sort_floats(&mut v);
        w.sort_unstable_by(f64::total_cmp);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn argsort_gives_the_exact_order_even_where_f32_ties() {
        // Values 1 + k·2⁻⁴⁰ all round to the same f32: only the insertion pass orders them.
        let mut x: Vec<f64> = (0..500)
            .map(|k| 1.0 + f64::from((k * 7919) % 500) * 2f64.powi(-40))
            .collect();
        x.extend([3.0, -1.0, 1.0, 1.0, 0.0, -0.0]);
        let mut order = Vec::new();
        argsort(&x, &mut order, &mut RadixScratch::default());
        let mut expected: Vec<u32> = (0..x.len() as u32).collect();
        expected.sort_by(|&a, &b| x[a as usize].total_cmp(&x[b as usize]).then(a.cmp(&b)));
        assert_eq!(order, expected);
    }

    #[test]
    fn argsort_is_exact_for_even_skewed_and_discrete_columns() {
        let mut rng = crate::sample::stream(6, 0, "argsort");
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let even: Vec<f64> = (0..5000).map(|_| u()).collect();
        let skewed: Vec<f64> = (0..5000).map(|_| (8.0 * u()).exp()).collect();
        let discrete: Vec<f64> = (0..5000).map(|_| (u() * 3.0).floor()).collect();
        for (name, x) in [("even", even), ("skewed", skewed), ("discrete", discrete)] {
            let mut order = Vec::new();
            argsort(&x, &mut order, &mut RadixScratch::default());
            let mut expected: Vec<u32> = (0..x.len() as u32).collect();
            expected.sort_by(|&a, &b| x[a as usize].total_cmp(&x[b as usize]).then(a.cmp(&b)));
            assert_eq!(order, expected, "{name}");
        }
    }

    #[test]
    fn evenly_spread_floats_sort_exactly_by_bucket() {
        // Even values (the bucket path) with both zeros, ties and neighbours one ulp apart.
        let mut rng = crate::sample::stream(8, 0, "even floats");
        let mut v: Vec<f64> = (0..4000)
            .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
            .collect();
        v.extend([
            -0.0,
            0.0,
            -0.0,
            0.1,
            0.1,
            f64::from_bits(0.1f64.to_bits() + 1),
        ]);
        let mut w = v.clone();
        let mut s = RadixScratch::default();
        assert!(buckets(&v, &mut s), "the case must take the bucket path");
        sort_floats_with(&mut v, &mut s);
        w.sort_by(f64::total_cmp);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        for x in [-0.0, 0.0, -1.5, 2.5e-300, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(from_order_bits(order_bits(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn a_mass_at_the_least_value_is_set_aside_and_put_back_in_its_place() {
        let mut rng = crate::sample::stream(10, 0, "zeros");
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        // Masses at the least value, which the set-aside sorts: a shortfall (a fifth of the
        // years +0, a NaN among the rest) and a quantity cut off at 3.5. Then masses it
        // cannot serve, left to the general path: +0 with a few values below it (the least
        // is not the mass), and zeros and ones (the rest does not spread).
        let mut shortfall: Vec<f64> = (0..5000).map(|_| (u() - 0.2).max(0.0)).collect();
        shortfall[77] = f64::NAN;
        let clipped: Vec<f64> = (0..5000).map(|_| (10.0 * u()).max(3.5)).collect();
        let mut below = shortfall.clone();
        for (i, x) in [-0.5, -1e-300, -0.25].into_iter().enumerate() {
            below[i * 101 + 1] = x;
        }
        let zeros_and_ones: Vec<f64> = (0..5000).map(|i| f64::from(i % 3 == 0)).collect();
        for (what, v, served) in [
            ("shortfall", shortfall, true),
            ("clipped", clipped, true),
            ("below", below, false),
            ("zeros and ones", zeros_and_ones, false),
        ] {
            let mut s = RadixScratch::default();
            assert!(!buckets(&v, &mut s), "{what}: the mass must crowd a bucket");
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            let mut tried = v.clone();
            assert_eq!(sort_around_least(&mut tried, &mut s), served, "{what}");
            if served {
                assert_eq!(bits(&tried), bits(&want), "{what}");
            } else {
                // Refused: the same values, for the general path to sort.
                tried.sort_by(f64::total_cmp);
                assert_eq!(bits(&tried), bits(&want), "{what}: values changed");
            }
            let mut v = v;
            sort_floats_with(&mut v, &mut s);
            assert_eq!(bits(&v), bits(&want), "{what}");
        }
    }

    #[test]
    fn selected_ranks_are_the_sorted_values_there() {
        let mut rng = crate::sample::stream(10, 0, "select");
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let n = 10_000;
        let even: Vec<f64> = (0..n).map(|_| u() - 0.5).collect();
        // A shortfall: a mass at +0, with a −0 and values below in the total order.
        let mut shortfall: Vec<f64> = (0..n).map(|_| (u() - 0.3).max(0.0)).collect();
        shortfall[5] = -0.0;
        let skewed: Vec<f64> = (0..n).map(|_| (30.0 * u()).exp()).collect();
        let mut nan = even.clone();
        nan[3] = f64::NAN;
        nan[9] = -f64::NAN;
        let ties: Vec<f64> = (0..n).map(|i| f64::from(i as u32 % 7)).collect();
        let ranks = [0, 1, 499, 500, 2999, 3000, 3001, 5000, 9499, 9998, 9999];
        let all_ranks: Vec<u64> = (0..n as u64).collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let mut s = RadixScratch::default();
        for (what, v) in [
            ("even", even),
            ("shortfall", shortfall),
            ("skewed", skewed),
            ("nan", nan),
            ("ties", ties),
        ] {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let mut out = Vec::new();
            select_ranks(&v, &ranks, &mut out, &mut s);
            let want: Vec<u64> = ranks
                .iter()
                .map(|&r| sorted[r as usize].to_bits())
                .collect();
            let got: Vec<u64> = out.iter().map(|x| x.to_bits()).collect();
            assert_eq!(got, want, "{what}");
            // Every rank at once: the marks of one call must not leak into the next.
            select_ranks(&v, &all_ranks, &mut out, &mut s);
            assert_eq!(bits(&out), bits(&sorted), "{what}: every rank");
        }
        let mut out = vec![1.0];
        select_ranks(&[2.0, 1.0], &[], &mut out, &mut s);
        assert!(out.is_empty());
    }

    #[test]
    fn a_nan_among_even_values_still_sorts_in_total_order() {
        // The range ignores NaN, so the bucket path runs and puts NaN in bucket 0: only the
        // insertion pass moves it to its place (last for +NaN, first for −NaN).
        let mut rng = crate::sample::stream(9, 0, "nan floats");
        let mut v: Vec<f64> = (0..3000)
            .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
            .collect();
        v[17] = f64::NAN;
        v[2500] = -f64::NAN;
        let mut s = RadixScratch::default();
        assert!(buckets(&v, &mut s), "the case must take the bucket path");
        let mut order = Vec::new();
        argsort(&v, &mut order, &mut s);
        let mut expected: Vec<u32> = (0..v.len() as u32).collect();
        expected.sort_by(|&a, &b| v[a as usize].total_cmp(&v[b as usize]).then(a.cmp(&b)));
        assert_eq!(order, expected);
        let mut w = v.clone();
        sort_floats_with(&mut v, &mut s);
        w.sort_by(f64::total_cmp);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn f32_keys_keep_the_order_of_values() {
        let xs = [-3.0, -1e-3, -0.0, 0.0, 1e-30, 0.5, 2.0, 1e30];
        for w in xs.windows(2) {
            assert!(order_bits32(w[0]) <= order_bits32(w[1]), "{w:?}");
        }
    }
}
