//! `percentiles.csv`: P1 … P99 of the gap and of the shortfall after mitigation, each with
//! its distribution-free 95% interval (how precisely the simulation has pinned it down).

use std::fmt::Write as _;

use crate::stats::Summary;

/// The percentile table as CSV, one row per percentile, amounts in the model's unit.
pub fn percentiles(summary: &Summary) -> Vec<u8> {
    let unit = if summary.model.unit == "£m" {
        "gbp_m"
    } else {
        "gbp"
    };
    let mut out = format!(
        "percentile,gap_{unit},shortfall_after_mitigation_{unit},gap_ci95_low,gap_ci95_high,\
         shortfall_ci95_low,shortfall_ci95_high\n"
    );
    for r in &summary.percentiles {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            r.p,
            r.gap,
            r.shortfall,
            r.gap_ci95_low,
            r.gap_ci95_high,
            r.shortfall_ci95_low,
            r.shortfall_ci95_high
        );
    }
    out.into_bytes()
}
