//! `percentiles.csv`: P1 … P99 of the gap and of the shortfall after mitigation.

use std::fmt::Write as _;

use crate::stats::Summary;

/// The percentile table as CSV, one row per percentile, amounts in the model's unit.
pub fn percentiles(summary: &Summary) -> Vec<u8> {
    let unit = if summary.model.unit == "£m" {
        "gbp_m"
    } else {
        "gbp"
    };
    let mut out = format!("percentile,gap_{unit},shortfall_after_mitigation_{unit}\n");
    for row in &summary.percentiles {
        let _ = writeln!(out, "{},{},{}", row.p, row.gap, row.shortfall);
    }
    out.into_bytes()
}
