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
/// Of ranks (multiples of ½ below 2²⁰) every sum here is exact, so the lanes' order of
/// addition cannot change the result.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
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
