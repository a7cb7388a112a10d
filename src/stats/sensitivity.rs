//! What drives the gap: each driver's contribution to its variance, its own effect in its
//! lowest and highest tenth, and the correlations achieved.
//!
//! Measured on the first [`SENSITIVITY_BATCHES`] batches (see ARCHITECTURE.md,
//! "Sensitivity and the tail").

use crate::engine::{BatchSummary, SENSITIVITY_BATCHES, SensitivitySums};
use crate::model::{Measure, Model, Unit};

use super::estimate::batch_means_se;
use super::money;
use super::summary::{CorrelationInfo, DriverSensitivity, PairCorrelation, Sensitivity};

pub(super) fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Fraction => "fraction",
        Measure::Money => "money",
        Measure::Months => "months",
        Measure::Event => "event",
        Measure::Number => "number",
    }
}

pub(super) fn sensitivity(
    model: &Model,
    batches: &[BatchSummary],
    t: &BatchSummary,
    slopes: &[f64],
    unit: Unit,
) -> Sensitivity {
    let s = &t.sensitivity;
    if s.n < 2 || s.tenth_n == 0 || s.m2_gap <= 0.0 {
        // Too few iterations (fewer than 10 in the first batch), or a gap that never
        // varies: nothing to attribute.
        return Sensitivity {
            iterations: s.n,
            explained: 0.0,
            drivers: Vec::new(),
        };
    }
    let n = s.n as f64;
    let tenth = s.tenth_n as f64;
    let measured: Vec<&SensitivitySums> = batches
        .iter()
        .take(SENSITIVITY_BATCHES as usize)
        .map(|b| &b.sensitivity)
        .filter(|b| b.n > 0 && b.m2_gap > 0.0)
        .collect();
    let mut drivers: Vec<DriverSensitivity> = model
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.dist.is_fixed())
        .map(|(i, d)| {
            let per = |f: &dyn Fn(&SensitivitySums) -> f64| -> Vec<(f64, u64)> {
                measured.iter().map(|b| (f(b), b.n)).collect()
            };
            let slope = slopes.get(i).copied().unwrap_or(0.0);
            // The slope is taken at the distributions' means, so effects are measured from
            // them too (not from this sample's mean, which would add its noise).
            let mean_value = d.dist.mean();
            let low_value = s.low_sum[i] / tenth;
            let high_value = s.high_sum[i] / tenth;
            // Ten batches: enough for a rough (±25%) standard error.
            DriverSensitivity {
                name: d.name.clone(),
                label: d.label.clone(),
                measure: measure_name(d.measure).into(),
                rank_correlation: s.spearman[i] / n,
                rank_correlation_se: batch_means_se(&per(&|b| b.spearman[i] / b.n as f64), 5),
                contribution: slope * s.comoment[i] / s.m2_gap,
                contribution_se: batch_means_se(&per(&|b| slope * b.comoment[i] / b.m2_gap), 5),
                slope,
                mean_value,
                low_value,
                high_value,
                low_effect: money(unit, slope * (low_value - mean_value)),
                high_effect: money(unit, slope * (high_value - mean_value)),
            }
        })
        .collect();
    drivers.sort_by(|a, b| {
        b.contribution
            .abs()
            .total_cmp(&a.contribution.abs())
            .then_with(|| a.name.cmp(&b.name))
    });
    Sensitivity {
        iterations: s.n,
        explained: drivers.iter().map(|d| d.contribution).sum(),
        drivers,
    }
}

pub(super) fn correlation_info(
    model: &Model,
    batches: &[BatchSummary],
    t: &BatchSummary,
) -> CorrelationInfo {
    let c = &model.correlation;
    let n = t.sensitivity.n.max(1) as f64;
    let mut pairs = Vec::new();
    let mut k = 0;
    for i in 0..c.drivers.len() {
        for j in i + 1..c.drivers.len() {
            let target = c.spearman.get(i, j);
            if target != 0.0 {
                pairs.push(PairCorrelation {
                    a: model.drivers[c.drivers[i].0].name.clone(),
                    b: model.drivers[c.drivers[j].0].name.clone(),
                    target,
                    achieved: t.sensitivity.pairs.get(k).map_or(0.0, |s| s / n),
                    achieved_se: batch_means_se(
                        &batches
                            .iter()
                            .take(SENSITIVITY_BATCHES as usize)
                            .map(|b| &b.sensitivity)
                            .filter(|b| b.n > 0)
                            .map(|b| (b.pairs.get(k).map_or(0.0, |s| s / b.n as f64), b.n))
                            .collect::<Vec<_>>(),
                        5,
                    ),
                });
            }
            k += 1;
        }
    }
    CorrelationInfo {
        method: if pairs.is_empty() {
            "none: drivers are independent".into()
        } else {
            "Iman-Conover rank reordering within each batch of 10,000 (keeps each driver's \
             distribution exactly)"
                .into()
        },
        repaired: c.repaired_from.is_some(),
        pairs,
    }
}
