//! Order statistics: the one definition of a percentile, shared by the engine (each batch's
//! own percentiles, for batch-means standard errors) and the statistics (the run's).

/// Type-7 quantile of sorted values (ascending), for p in [0, 1]. The interpolation is kept
/// between the two order statistics it interpolates, so a percentile never leaves the range
/// of the values (floating-point `a + t·(b − a)` can overshoot `b` by a rounding).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let (a, b) = (sorted[lo], sorted[hi]);
            (a + (h - lo as f64) * (b - a)).clamp(a, b)
        }
    }
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
}
