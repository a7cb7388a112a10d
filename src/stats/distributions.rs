//! The distributions of the gap and the shortfall as the charts draw them.

use crate::engine::ChartCounts;

use super::summary::Distributions;

/// The probabilities of the fine quantile grid: 0.001, 0.002, …, 0.999.
pub(super) fn grid() -> Vec<f64> {
    (1..1000).map(|k| f64::from(k) / 1000.0).collect()
}

/// The chart histogram, as the engine counted it (common bins over the P0.1–P99.9 range of
/// both quantities **in the run's pilot**, its first 100,000 years: see
/// [`ChartCounts`]), and the fine quantile grid of the whole run (`gap_grid` and
/// `shortfall_grid`, at the probabilities of [`grid`]).
pub(super) fn distributions(
    chart: &ChartCounts,
    gap_grid: &[f64],
    shortfall_grid: &[f64],
) -> Distributions {
    let round = |x: &f64| (x * 1e4).round() / 1e4;
    Distributions {
        bin_start: chart.start,
        bin_width: chart.width,
        gap_counts: chart.gap.clone(),
        shortfall_counts: chart.shortfall.clone(),
        gap_outside: chart.gap_outside,
        shortfall_outside: chart.shortfall_outside,
        gap_quantiles: gap_grid.iter().map(round).collect(),
        shortfall_quantiles: shortfall_grid.iter().map(round).collect(),
        quantile_p: grid(),
    }
}
