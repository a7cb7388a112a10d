//! What drives the gap: each driver's contribution to its variance, its own effect in its
//! lowest and highest tenth, and the correlations achieved.
//!
//! Measured on the first [`SENSITIVITY_BATCHES`] batches (see ARCHITECTURE.md,
//! "Sensitivity and the tail").

use crate::engine::{BatchSummary, SENSITIVITY_BATCHES, SensitivitySums};
use crate::model::{LineKind, Measure, Model, Unit, UnitCost};

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
            factors: Vec::new(),
        };
    }
    let n = s.n as f64;
    let tenth = s.tenth_n as f64;
    let per = |f: &dyn Fn(&SensitivitySums) -> f64| -> Vec<(f64, u64)> {
        batches
            .iter()
            .take(SENSITIVITY_BATCHES as usize)
            .map(|b| &b.sensitivity)
            .filter(|b| b.n > 0 && b.m2_gap > 0.0)
            .map(|b| (f(b), b.n))
            .collect()
    };
    // (driver index, its figures), for every driver that varies.
    let mut drivers: Vec<(usize, DriverSensitivity)> = model
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.dist.is_fixed())
        .map(|(i, d)| {
            let slope = slopes.get(i).copied().unwrap_or(0.0);
            // The slope is taken at the distributions' means, so effects are measured from
            // them too (not from this sample's mean, which would add its noise).
            let mean_value = d.dist.mean();
            let low_value = s.low_sum[i] / tenth;
            let high_value = s.high_sum[i] / tenth;
            // Ten batches: enough for a rough (±25%) standard error.
            let figures = DriverSensitivity {
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
                members: Vec::new(),
            };
            (i, figures)
        })
        .collect();
    let by_contribution = |a: &DriverSensitivity, b: &DriverSensitivity| {
        b.contribution
            .abs()
            .total_cmp(&a.contribution.abs())
            .then_with(|| a.name.cmp(&b.name))
    };
    drivers.sort_by(|a, b| by_contribution(&a.1, &b.1));

    // What the report ranks: the savings programme's delivery as one factor (its drivers'
    // contributions add up, as Euler allocations do), beside every other driver.
    let of_savings = savings_drivers(model);
    let (members, others): (Vec<_>, Vec<_>) =
        drivers.iter().cloned().partition(|(i, _)| of_savings[*i]);
    let mut factors: Vec<DriverSensitivity> = others.into_iter().map(|(_, d)| d).collect();
    if !members.is_empty() {
        let contribution_of = |b: &SensitivitySums| -> f64 {
            members
                .iter()
                .map(|&(i, _)| slopes.get(i).copied().unwrap_or(0.0) * b.comoment[i])
                .sum::<f64>()
                / b.m2_gap
        };
        let mean_value = s.savings_sum / n;
        let low_value = s.savings_low / tenth;
        let high_value = s.savings_high / tenth;
        factors.push(DriverSensitivity {
            name: SAVINGS_FACTOR.into(),
            label: format!(
                "Savings delivery ({})",
                if model.savings.len() == 1 {
                    "1 saving".to_string()
                } else {
                    format!("{} savings", model.savings.len())
                }
            ),
            measure: "money".into(),
            rank_correlation: s.savings_spearman / n,
            rank_correlation_se: batch_means_se(&per(&|b| b.savings_spearman / b.n as f64), 5),
            contribution: members.iter().map(|(_, d)| d.contribution).sum(),
            contribution_se: batch_means_se(&per(&contribution_of), 5),
            // Every pound delivered is a pound off the gap.
            slope: -1.0,
            mean_value,
            low_value,
            high_value,
            low_effect: money(unit, mean_value - low_value),
            high_effect: money(unit, mean_value - high_value),
            members: members.iter().map(|(_, d)| d.name.clone()).collect(),
        });
        factors.sort_by(by_contribution);
    }
    Sensitivity {
        iterations: s.n,
        explained: drivers.iter().map(|(_, d)| d.contribution).sum(),
        drivers: drivers.into_iter().map(|(_, d)| d).collect(),
        factors,
    }
}

/// The name of the savings programme's factor in [`Sensitivity::factors`]: not a usable
/// model name (names are letters, digits, `_` and `-`), so it cannot collide with one.
pub const SAVINGS_FACTOR: &str = "[savings]";

/// Which drivers describe the savings programme's delivery: used by a saving (whether it
/// happens, the fraction delivered, the months late) and by nothing else.
fn savings_drivers(model: &Model) -> Vec<bool> {
    let mut of_savings = vec![false; model.drivers.len()];
    for sv in &model.savings {
        for id in [sv.happens, sv.delivered, sv.slippage] {
            of_savings[id.0] = true;
        }
    }
    let mut elsewhere = |id: crate::model::DriverId| of_savings[id.0] = false;
    for l in &model.lines {
        match &l.kind {
            LineKind::Cohort {
                demand,
                cost,
                unit_cost,
                ..
            } => {
                demand.iter().chain(cost).for_each(|&id| elsewhere(id));
                if let UnitCost::Driver(id) = unit_cost {
                    elsewhere(*id);
                }
            }
            LineKind::Simple { growth, .. } => growth.iter().for_each(|&id| elsewhere(id)),
            LineKind::Risk { occurs, impact, .. } => {
                elsewhere(*occurs);
                elsewhere(*impact);
            }
        }
    }
    for fu in &model.funding {
        fu.variation.iter().for_each(|&id| elsewhere(id));
    }
    for mi in &model.mitigations {
        elsewhere(mi.capacity);
    }
    of_savings
}

pub(super) fn correlation_info(
    model: &Model,
    batches: &[BatchSummary],
    t: &BatchSummary,
) -> CorrelationInfo {
    let c = &model.correlation;
    let n = t.sensitivity.n.max(1) as f64;
    // Which entry sets each pair of drivers, by label.
    let mut set_by = std::collections::HashMap::new();
    for entry in &c.entries {
        for (x, &a) in entry.drivers.iter().enumerate() {
            for &b in &entry.drivers[x + 1..] {
                set_by.insert((a.min(b), a.max(b)), entry.label.as_str());
            }
        }
    }
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
                    set_by: set_by
                        .get(&(
                            c.drivers[i].min(c.drivers[j]),
                            c.drivers[i].max(c.drivers[j]),
                        ))
                        .map(|l| (*l).to_string()),
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
