//! A year's forecast journey: the year-end figures each in-year forecast gave (at the
//! budget, then at each monitoring point), read from the runs' summaries so that they can
//! be drawn side by side.
//!
//! Each point describes one run's first year, the year being monitored: the shortfall
//! after mitigation (the year-end overspend after contingency and management action,
//! before any call on reserves; negative is an underspend), the chance it is above zero
//! (the council draws on its reserves), the chance it exceeds usable reserves
//! (S114-level), and the usable reserves it was judged against.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::Summary;

/// What one forecast said about the year end.
#[derive(Debug, Clone, Serialize)]
pub struct JourneyPoint {
    /// When the forecast was made, as a reader names it: `Budget`, `Q1`, `Nov`.
    pub label: String,
    /// The month of the financial year it was made in (as the caller counts them; the
    /// summary does not know).
    pub month: u8,
    /// P10 of the shortfall after mitigation, in the model's unit.
    pub p10: f64,
    /// Its median.
    pub p50: f64,
    /// Its P90.
    pub p90: f64,
    /// The chance of drawing on reserves: the shortfall after mitigation is above zero.
    pub p_drawing: f64,
    /// The chance of an S114-level shortfall: above usable reserves.
    pub p_s114: f64,
    /// The usable reserves the forecast was judged against, in the model's unit.
    pub usable_reserves: f64,
}

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The shortfall after mitigation at percentile `p` (1 to 99): from the summary's table of
/// P1 … P99 (`percentiles[].shortfall`), or, in a summary without the row, from the
/// headline percentiles of the shortfall (`shortfall.percentiles`), which hold P10, P50 and
/// P90 too. Both are the same type-7 percentile of the same values, rounded alike.
fn shortfall_at(summary: &Summary, p: u32) -> f64 {
    summary
        .percentiles
        .iter()
        .find(|row| row.p == p)
        .map(|row| row.shortfall)
        .or_else(|| {
            summary
                .shortfall
                .percentiles
                .iter()
                .find(|q| q.p == p)
                .map(|q| q.value)
        })
        .map_or(f64::NAN, float)
}

/// Reads one forecast's point from its run's summary: the shortfall after mitigation's
/// P10, P50 and P90 (`percentiles[].shortfall`), the chance of drawing on reserves
/// (`p_drawing_on_reserves`), the chance of an S114-level shortfall (`s114.probability`)
/// and the usable reserves (`reserves.usable`). All describe the first year of the run,
/// the year being monitored (for a model of several years, the medium term's later
/// years are not read). A percentile missing from the summary reads as NaN.
pub fn point(summary: &Summary, label: &str, month: u8) -> JourneyPoint {
    JourneyPoint {
        label: label.into(),
        month,
        p10: shortfall_at(summary, 10),
        p50: shortfall_at(summary, 50),
        p90: shortfall_at(summary, 90),
        p_drawing: summary.p_drawing_on_reserves.estimate,
        p_s114: summary.s114.probability.estimate,
        usable_reserves: float(summary.reserves.usable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    #[test]
    fn a_point_reads_the_shortfall_and_its_chances_from_a_run() {
        let (_, s) = fixture::kent_as_run();
        let p = point(s, "Q2", 6);
        assert_eq!((p.label.as_str(), p.month), ("Q2", 6));
        let row = |q: u32| s.percentiles.iter().find(|r| r.p == q).unwrap();
        assert_eq!(p.p10, float(row(10).shortfall));
        assert_eq!(p.p50, float(row(50).shortfall));
        assert_eq!(p.p90, float(row(90).shortfall));
        // The headline percentiles are the same figures.
        let headline = |q: u32| s.shortfall.percentiles.iter().find(|x| x.p == q).unwrap();
        assert_eq!(p.p50, float(headline(50).value));
        assert!(p.p10 <= p.p50 && p.p50 <= p.p90, "{p:?}");
        assert_eq!(p.p_drawing, s.p_drawing_on_reserves.estimate);
        assert_eq!(p.p_drawing, s.shortfall.p_positive.estimate);
        assert_eq!(p.p_s114, s.s114.probability.estimate);
        assert_eq!(p.usable_reserves, float(s.reserves.usable));
        // The chances agree with the percentiles: drawing on reserves is more likely than
        // not exactly when the median shortfall is above zero, and S114-level is rarer
        // than drawing at all.
        assert_eq!(p.p_drawing > 0.5, p.p50 > 0.0, "{p:?}");
        assert!(p.p_s114 <= p.p_drawing);
        if p.p90 < p.usable_reserves {
            assert!(p.p_s114 < 0.1 + 1e-12, "{p:?}");
        }
    }

    #[test]
    fn a_summary_without_the_table_reads_the_headline_percentiles() {
        let (_, s) = fixture::kent_as_run();
        let mut old = s.clone();
        old.percentiles.clear();
        let (a, b) = (point(s, "Budget", 0), point(&old, "Budget", 0));
        assert_eq!((a.p10, a.p50, a.p90), (b.p10, b.p50, b.p90));
        old.shortfall.percentiles.clear();
        assert!(point(&old, "Budget", 0).p50.is_nan());
    }
}
