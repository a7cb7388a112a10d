//! The distributions of the gap and the shortfall as the charts draw them.

use super::estimate::quantile_sorted;
use super::summary::{CHART_BINS, Distributions};

/// The chart histogram (common bins over the P0.1–P99.9 range of both quantities) and the
/// fine quantile grid, from the sorted gap and shortfall.
pub(super) fn distributions(gap: &[f64], shortfall: &[f64]) -> Distributions {
    let lo = quantile_sorted(gap, 0.001).min(quantile_sorted(shortfall, 0.001));
    let hi = quantile_sorted(gap, 0.999).max(quantile_sorted(shortfall, 0.999));
    let width = if hi > lo {
        (hi - lo) / CHART_BINS as f64
    } else {
        1.0
    };
    let count = |v: &[f64]| -> (Vec<u64>, (u64, u64)) {
        let mut counts = vec![0u64; CHART_BINS];
        let (mut below, mut above) = (0, 0);
        for &x in v {
            let k = (x - lo) / width;
            if k < 0.0 {
                below += 1;
            } else if k >= CHART_BINS as f64 {
                // The top edge itself belongs to the last bin.
                if x <= hi {
                    counts[CHART_BINS - 1] += 1;
                } else {
                    above += 1;
                }
            } else {
                counts[k as usize] += 1;
            }
        }
        (counts, (below, above))
    };
    let (gap_counts, gap_outside) = count(gap);
    let (shortfall_counts, shortfall_outside) = count(shortfall);
    let quantile_p: Vec<f64> = (1..1000).map(|k| f64::from(k) / 1000.0).collect();
    let round = |x: f64| (x * 1e4).round() / 1e4;
    Distributions {
        bin_start: lo,
        bin_width: width,
        gap_counts,
        shortfall_counts,
        gap_outside,
        shortfall_outside,
        gap_quantiles: quantile_p
            .iter()
            .map(|&p| round(quantile_sorted(gap, p)))
            .collect(),
        shortfall_quantiles: quantile_p
            .iter()
            .map(|&p| round(quantile_sorted(shortfall, p)))
            .collect(),
        quantile_p,
    }
}
