//! What an S114-level year looks like: every driver, line, saving and funding stream
//! averaged over the simulated years that breach reserves, against all years.

use crate::engine::BatchSummary;
use crate::model::{Model, Unit};

use super::money;
use super::sensitivity::measure_name;
use super::summary::{Shift, Tail};
use crate::model::f64_of as f;

pub(super) fn tail(model: &Model, t: &BatchSummary, unit: Unit) -> Option<Tail> {
    if t.breaches == 0 {
        return None;
    }
    let nb = t.breaches as f64;
    let n = t.n as f64;
    let mut drivers: Vec<(f64, Shift)> = model
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.dist.is_fixed())
        .map(|(i, d)| {
            let breach_mean = t.breach_driver_sum[i] / nb;
            let mean = t.driver_sum[i] / n;
            let sd = d.dist.variance().sqrt();
            let moved = if sd > 0.0 {
                (breach_mean - mean) / sd
            } else {
                0.0
            };
            (
                moved,
                Shift {
                    name: d.name.clone(),
                    label: d.label.clone(),
                    measure: measure_name(d.measure).into(),
                    breach_mean,
                    mean,
                },
            )
        })
        .collect();
    drivers.sort_by(|a, b| {
        b.0.abs()
            .total_cmp(&a.0.abs())
            .then_with(|| a.1.name.cmp(&b.1.name))
    });
    let shift = |name: &str, label: &str, breach: f64, all: f64| Shift {
        name: name.into(),
        label: label.into(),
        measure: "money".into(),
        breach_mean: breach / nb,
        mean: all / n,
    };
    Some(Tail {
        years: t.breaches,
        mean_gap: money(unit, t.breach_gap / nb),
        mean_mitigation_used: money(unit, t.breach_mitigation_used / nb),
        drivers: drivers.into_iter().map(|(_, s)| s).collect(),
        lines: model
            .lines
            .iter()
            .enumerate()
            .map(|(k, l)| {
                shift(
                    &l.name,
                    &l.label,
                    t.breach_line_variance[k],
                    t.line_outturn[k] - f(l.budget) * n,
                )
            })
            .collect(),
        savings: model
            .savings
            .iter()
            .enumerate()
            .map(|(k, s)| {
                shift(
                    &s.name,
                    &s.label,
                    t.breach_saving_delivered[k],
                    t.saving_delivered[k],
                )
            })
            .collect(),
        funding: model
            .funding
            .iter()
            .enumerate()
            .map(|(k, fu)| {
                shift(
                    &fu.name,
                    &fu.label,
                    t.breach_funding_variance[k],
                    t.funding_actual[k] - f(fu.budget) * n,
                )
            })
            .collect(),
    })
}
