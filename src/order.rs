//! Order statistics: the one definition of a percentile, shared by the engine (each batch's
//! own percentiles, for batch-means standard errors) and the statistics (the run's).
//!
//! The statistics read a run's values only through [`OrderStatistics`]: the value of rank
//! r (0-based, ascending) among n. A run that keeps every simulated year answers from its
//! sorted values; a run too long to keep them answers from the few order statistics its
//! second pass collected ([`Collected`]). Both answer every rank the summary reads with the
//! same value, so both give the same figures, bit for bit.

/// The values of a run in ascending order, as far as the statistics read them.
pub trait OrderStatistics {
    /// How many values there are.
    fn len(&self) -> u64;

    /// The value of rank `rank` (0 the smallest, `len() − 1` the largest).
    fn at(&self, rank: u64) -> f64;

    /// Whether there are no values.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sorted values (ascending, in `f64::total_cmp` order) hold every order statistic.
impl OrderStatistics for [f64] {
    fn len(&self) -> u64 {
        <[f64]>::len(self) as u64
    }

    fn at(&self, rank: u64) -> f64 {
        self[rank as usize]
    }
}

/// Some order statistics of n values: the ranks asked for, and their values.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// How many values there were.
    pub n: u64,
    /// The ranks held, ascending and distinct.
    pub ranks: Vec<u64>,
    /// The value of each of them.
    pub values: Vec<f64>,
}

impl OrderStatistics for Collected {
    fn len(&self) -> u64 {
        self.n
    }

    /// The value of a rank that was collected. The ranks are collected for exactly the
    /// statistics that read them (`stats::ranks_read`), so another rank is a bug; it reads
    /// as NaN in a release build, which the audit of a run folder refuses.
    fn at(&self, rank: u64) -> f64 {
        match self.ranks.binary_search(&rank) {
            Ok(i) => self.values[i],
            Err(_) => {
                debug_assert!(false, "rank {rank} of {} was not collected", self.n);
                f64::NAN
            }
        }
    }
}

/// The ranks that a type-7 quantile at p interpolates between: ⌊(n − 1)·p⌋ and the next
/// (the same one at the top), with the weight of the upper one.
pub fn quantile_ranks(n: u64, p: f64) -> (u64, u64, f64) {
    let h = n.saturating_sub(1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as u64;
    let hi = (lo + 1).min(n.saturating_sub(1));
    (lo, hi, h - lo as f64)
}

/// Type-7 quantile of ordered values, for p in [0, 1]. The interpolation is kept between
/// the two order statistics it interpolates, so a percentile never leaves the range of the
/// values (floating-point `a + t·(b − a)` can overshoot `b` by a rounding).
pub fn quantile<O: OrderStatistics + ?Sized>(values: &O, p: f64) -> f64 {
    match values.len() {
        0 => f64::NAN,
        1 => values.at(0),
        n => {
            let (lo, hi, t) = quantile_ranks(n, p);
            let (a, b) = (values.at(lo), values.at(hi));
            (a + t * (b - a)).clamp(a, b)
        }
    }
}

/// Type-7 quantile of sorted values (ascending), for p in [0, 1]: [`quantile`] of a slice.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    quantile(sorted, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_excel_percentile_inc() {
        // PERCENTILE.INC({1,2,3,4}, 0.25) = 1.75; (…, 0.5) = 2.5; (…, 0.9) = 3.7.
        let v = [1.0f64, 2.0, 3.0, 4.0];
        assert!((quantile_sorted(&v, 0.25) - 1.75).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.9) - 3.7).abs() < 1e-6);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }

    #[test]
    fn a_percentile_never_leaves_the_values_it_interpolates() {
        // Large nearly equal values: a + t·(b − a) in floating point can land beyond b.
        let a = 1.0e14 + 0.015_625;
        let b = a + 0.015_625;
        let v = [a, b];
        for k in 0..=1000 {
            let q = quantile_sorted(&v, f64::from(k) / 1000.0);
            assert!((a..=b).contains(&q), "{q}");
        }
    }

    #[test]
    fn collected_ranks_give_the_sorted_values_quantiles() {
        let sorted: Vec<f64> = (0..101).map(|i| f64::from(i * i) / 7.0).collect();
        let p = 0.337;
        let (lo, hi, _) = quantile_ranks(101, p);
        let c = Collected {
            n: 101,
            ranks: vec![lo, hi],
            values: vec![sorted[lo as usize], sorted[hi as usize]],
        };
        assert_eq!(
            quantile(&c, p).to_bits(),
            quantile_sorted(&sorted, p).to_bits()
        );
    }
}
