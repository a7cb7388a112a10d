//! Rank and product-moment correlations of samples.

use crate::lanes;
use crate::radix::{RadixScratch, argsort};

/// Spearman rank correlation of two equally long samples (average ranks for ties).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let rx = ranks(x);
    let ry = ranks(y);
    pearson(&rx, &ry)
}

/// Pearson correlation.
///
/// Of ranks of at most 2¹⁷ values every sum here is exact (each product of deviations is a
/// multiple of ¼ below n²/4, n of them below n³/4 < 2⁵³ quarters), so the lanes' order of
/// addition cannot change the result.
///
/// # Panics
/// When `x` and `y` differ in length (a caller's mistake: the pairs would not line up).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "pearson of samples of different lengths");
    let n = x.len() as f64;
    let mx = lanes::sum(x) / n;
    let my = lanes::sum(y) / n;
    let sxy = lanes::co_deviations(x, mx, y, my);
    let sxx = lanes::squared_deviations(x, mx);
    let syy = lanes::squared_deviations(y, my);
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// The most values whose ranks [`pearson`] adds up exactly: ranks are multiples of ½, so
/// every partial sum is one below n(n + 1)/2, exact while that is below 2⁵³ halves.
pub const EXACT_RANKS: usize = 1 << 26;

/// A column of ranks 1..=n (ties averaged, as [`ranks_with`] gives) with the sum of its
/// squared deviations, computed once for all the correlations it enters.
#[derive(Debug, Clone, Copy)]
pub struct Ranked<'a> {
    r: &'a [f64],
    m2: f64,
}

impl<'a> Ranked<'a> {
    /// `r` must hold ranks of n values: then their sum is n(n + 1)/2 whatever the ties, so
    /// their mean is (n + 1)/2 exactly.
    pub fn new(r: &'a [f64]) -> Ranked<'a> {
        debug_assert!(
            r.len() > EXACT_RANKS || lanes::sum(r) == (r.len() * (r.len() + 1)) as f64 / 2.0,
            "not ranks"
        );
        let m2 = lanes::squared_deviations(r, rank_mean(r.len()));
        Ranked { r, m2 }
    }

    /// [`pearson`] of the two columns, bit for bit, in one pass instead of five: up to
    /// [`EXACT_RANKS`] values the mean it would find, `Σ r / n`, is exactly (n + 1)/2, and
    /// with it the same spreads and co-deviations, computed the same way, as here.
    ///
    /// # Panics
    /// As [`pearson`], when the columns differ in length.
    pub fn pearson(&self, o: &Ranked<'_>) -> f64 {
        let n = self.r.len();
        if n > EXACT_RANKS || o.r.len() != n {
            return pearson(self.r, o.r);
        }
        let m = rank_mean(n);
        let sxy = lanes::co_deviations(self.r, m, o.r, m);
        if self.m2 == 0.0 || o.m2 == 0.0 {
            0.0
        } else {
            sxy / (self.m2 * o.m2).sqrt()
        }
    }
}

/// The mean of the ranks of n values, (n + 1)/2, as `Σ r / n` finds it (exactly).
fn rank_mean(n: usize) -> f64 {
    (n as f64 + 1.0) / 2.0
}

/// Ranks 1..=n, ties given their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut r = Vec::new();
    ranks_with(x, &mut r, &mut RadixScratch::default(), &mut Vec::new());
    r
}

/// The ranks 1..=n of a column whose rows in ascending order are `rows` and whose values
/// are all distinct, into `r`: what [`ranks_with`] finds for it, without sorting again.
pub fn ranks_of_distinct(rows: &[u32], r: &mut Vec<f64>) {
    r.resize(rows.len(), 0.0);
    for (k, &row) in rows.iter().enumerate() {
        r[row as usize] = (k + 1) as f64;
    }
}

/// [`ranks`] into `r`, with reused working space.
pub fn ranks_with(x: &[f64], r: &mut Vec<f64>, s: &mut RadixScratch, order: &mut Vec<u32>) {
    argsort(x, order, s);
    r.clear();
    r.resize(x.len(), 0.0);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1] as usize] == x[order[i] as usize] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k as usize] = avg;
        }
        i = j + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranked_correlations_are_pearsons_bit_for_bit() {
        use rand::Rng as _;
        // Distinct, tied and constant columns, at a length whose sums are large.
        let n = 10_000;
        let mut rng = crate::sample::stream(9, 0, "ranked");
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let smooth: Vec<f64> = (0..n).map(|_| u()).collect();
        let coins: Vec<f64> = (0..n).map(|_| f64::from(u() < 0.3)).collect();
        let mixed: Vec<f64> = smooth.iter().map(|x| (x * 7.0).floor() + x * 0.5).collect();
        let constant = vec![2.0; n];
        let columns: Vec<Vec<f64>> = [smooth, coins, mixed, constant]
            .iter()
            .map(|c| ranks(c))
            .collect();
        for a in &columns {
            for b in &columns {
                let want = pearson(a, b);
                let got = Ranked::new(a).pearson(&Ranked::new(b));
                assert_eq!(got.to_bits(), want.to_bits(), "{got} vs {want}");
            }
        }
        assert_eq!(
            Ranked::new(&columns[3]).pearson(&Ranked::new(&columns[0])),
            0.0
        );
        assert!(Ranked::new(&columns[0]).pearson(&Ranked::new(&columns[2])) > 0.5);
    }

    #[test]
    #[should_panic(expected = "different lengths")]
    fn pearson_refuses_samples_that_do_not_pair() {
        // Unequal lengths would pair the shorter's values with part of the longer's while
        // each mean ran over its own: a number, but not a correlation.
        pearson(&[1.0, 2.0, 3.0], &[1.0, 2.0]);
    }

    #[test]
    fn distinct_ranks_from_an_order_are_the_sorted_ranks() {
        let x = [0.3, -1.0, 2.5, 0.0, 7.0, -0.5];
        let mut order = Vec::new();
        argsort(&x, &mut order, &mut RadixScratch::default());
        let mut r = vec![9.0; 2];
        ranks_of_distinct(&order, &mut r);
        assert_eq!(r, ranks(&x));
        assert_eq!(r, [4.0, 1.0, 5.0, 3.0, 6.0, 2.0]);
    }
}
