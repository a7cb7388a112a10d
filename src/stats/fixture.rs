//! Summaries for the tests of the reports and charts: the Kent model after a short run
//! (once per test binary), and the medium term and the reserves question built by hand,
//! with figures that agree with each other (the curve passes through the council's own
//! reserves at the chance the horizon gives, and each level is where the curve reaches
//! its confidence).

use std::str::FromStr;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{
    CurvePoint, MediumTerm, Percentile, Probability, Provenance, ReserveLevel, ReservesNeeded,
    Summary, YearFigures, YearSpread,
};
use crate::engine::{self, RunConfig};
use crate::model::Model;
use crate::sample::Sampling;

/// A decimal from its text.
pub(crate) fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal")
}

/// The Kent model and its summary after 10,000 simulated years, as gapsim wrote it before
/// the reserves question and the medium term (both absent, as in an old summary.json).
pub(crate) fn kent() -> &'static (Model, Summary) {
    static KENT: OnceLock<(Model, Summary)> = OnceLock::new();
    KENT.get_or_init(|| {
        let (model, mut summary) = kent_as_run().clone();
        summary.reserves_needed = None;
        summary.medium_term = None;
        (model, summary)
    })
}

/// The Kent model and its summary after 10,000 simulated years, as a run writes it now.
pub(crate) fn kent_as_run() -> &'static (Model, Summary) {
    static KENT: OnceLock<(Model, Summary)> = OnceLock::new();
    KENT.get_or_init(|| {
        let model = Model::from_toml("kent-2024-25.toml", crate::DEFAULT_MODEL)
            .expect("the default model loads")
            .model;
        let config = RunConfig {
            seed: 1,
            iterations: 10_000,
            reserves: model.usable_reserves().to_f64().unwrap_or(0.0),
            sampling: Sampling::MonteCarlo,
        };
        let mut result = engine::run(&model, &config, &|_| {}, &AtomicBool::new(false))
            .expect("the default model runs");
        let provenance = Provenance {
            file: "kent-2024-25.toml".into(),
            sha256: "0".repeat(64),
            program: "gapsim test".into(),
            reserves_overridden: false,
            precision: None,
        };
        let summary = super::summarize(&model, &config, &provenance, &mut result);
        (model, summary)
    })
}

/// The Kent model stretched over three years (2024/25 to 2026/27), and its summary after
/// 10,000 simulated paths, computed by the engine: each line's base growing 4% a year
/// against budgets growing 3%, funding 2.5%, drivers drawn afresh each year, planned draws
/// on reserves of £10m and £5m in the later years, and a policy floor of 5% of the net
/// budget.
pub(crate) fn kent_three_years() -> &'static (Model, Summary) {
    static KENT: OnceLock<(Model, Summary)> = OnceLock::new();
    KENT.get_or_init(|| {
        let mut model = kent().0.clone();
        let grow = |x: Decimal, rate: &str, t: usize| {
            let mut v = x;
            for _ in 0..t {
                v *= Decimal::ONE + d(rate);
            }
            v.round_dp(4)
        };
        let h = &mut model.horizon;
        h.years = vec!["2024/25".into(), "2025/26".into(), "2026/27".into()];
        let nb = h.net_budget[0];
        h.net_budget = (0..3).map(|t| nb.map(|b| grow(b, "0.03", t))).collect();
        h.planned_reserves = vec![d("0"), d("-10"), d("-5")];
        h.reserves_floor = Some(d("0.05"));
        for l in &mut h.lines {
            let (budget, base) = (l.budget[0], l.base[0]);
            l.budget = (0..3).map(|t| grow(budget, "0.03", t)).collect();
            l.base = (0..3).map(|t| grow(base, "0.04", t)).collect();
        }
        for f in &mut h.funding {
            let budget = f.budget[0];
            f.budget = (0..3).map(|t| grow(budget, "0.025", t)).collect();
        }
        h.paths = vec![crate::model::Path::INDEPENDENT; model.drivers.len()];
        let config = RunConfig {
            seed: 1,
            iterations: 10_000,
            reserves: model.usable_reserves().to_f64().unwrap_or(0.0),
            sampling: Sampling::MonteCarlo,
        };
        let mut result = engine::run(&model, &config, &|_| {}, &AtomicBool::new(false))
            .expect("the three-year model runs");
        let provenance = Provenance {
            file: "kent-three-years.toml".into(),
            sha256: "0".repeat(64),
            program: "gapsim test".into(),
            reserves_overridden: false,
            precision: None,
        };
        let summary = super::summarize(&model, &config, &provenance, &mut result);
        (model, summary)
    })
}

/// A probability with its interval, out of 100,000 paths.
pub(crate) fn chance(estimate: f64, low: f64, high: f64) -> Probability {
    Probability {
        estimate,
        ci95_low: low,
        ci95_high: high,
        se_batch_means: Some((high - low) / 3.92),
        count: (estimate * 100_000.0).round() as u64,
        method: "exact binomial (Clopper-Pearson)".into(),
    }
}

/// A spread from its mean and P5, P10, P25, P50, P75, P90, P95, each with an interval
/// of ±0.5.
pub(crate) fn spread(mean: &str, values: [&str; 7]) -> YearSpread {
    let half = d("0.5");
    YearSpread {
        mean: d(mean),
        mean_se: Some(d("0.1")),
        percentiles: [5, 10, 25, 50, 75, 90, 95]
            .iter()
            .zip(values)
            .map(|(&p, v)| Percentile {
                p,
                value: d(v),
                ci95_low: d(v) - half,
                ci95_high: d(v) + half,
                se: Some(d("0.2")),
            })
            .collect(),
    }
}

/// The medium term of a three-year plan from 2024/25: the gap widening each year, the
/// reserves running down, an S114-level year in 11.5% of paths, most likely the last.
pub(crate) fn medium_term() -> MediumTerm {
    let year = |label: &str,
                net: &str,
                planned: &str,
                (gap, short, balance): (YearSpread, YearSpread, YearSpread),
                [drawing, s114, first, by_now]: [(f64, f64, f64); 4]| YearFigures {
        year: label.into(),
        net_budget: Some(d(net)),
        planned_reserves: d(planned),
        gap,
        shortfall: short,
        balance,
        p_drawing_on_reserves: chance(drawing.0, drawing.1, drawing.2),
        s114: chance(s114.0, s114.1, s114.2),
        first_breach: chance(first.0, first.1, first.2),
        s114_by_now: chance(by_now.0, by_now.1, by_now.2),
    };
    MediumTerm {
        years: vec![
            year(
                "2024/25",
                "1429",
                "0",
                (
                    spread("22.5", ["-5", "2", "12", "22", "33", "45", "53"]),
                    spread("12.1", ["0", "0", "2", "12", "23", "35", "43"]),
                    spread("62.9", ["32", "40", "52", "63", "73", "75", "75"]),
                ),
                [
                    (0.60, 0.597, 0.603),
                    (0.005, 0.0046, 0.0055),
                    (0.005, 0.0046, 0.0055),
                    (0.005, 0.0046, 0.0055),
                ],
            ),
            year(
                "2025/26",
                "1480",
                "-10",
                (
                    spread("37.8", ["-2", "8", "22", "37", "53", "70", "82"]),
                    spread("26.4", ["0", "0", "11", "26", "41", "58", "70"]),
                    spread("45.3", ["5", "18", "34", "48", "58", "65", "68"]),
                ),
                [
                    (0.68, 0.677, 0.683),
                    (0.030, 0.029, 0.031),
                    (0.026, 0.025, 0.027),
                    (0.031, 0.030, 0.032),
                ],
            ),
            year(
                "2026/27",
                "1530",
                "-5",
                (
                    spread("51.0", ["0", "12", "30", "50", "72", "95", "110"]),
                    spread("39.9", ["0", "1", "19", "39", "60", "83", "98"]),
                    spread("37.2", ["-25", "-3", "22", "40", "55", "66", "72"]),
                ),
                [
                    (0.74, 0.737, 0.743),
                    (0.108, 0.106, 0.110),
                    (0.084, 0.082, 0.086),
                    (0.115, 0.113, 0.117),
                ],
            ),
        ],
        s114_any_year: chance(0.115, 0.113, 0.117),
        never_breached: chance(0.885, 0.883, 0.887),
        after_breach: "Once a year is S114-level the deficit carries forward as a negative \
                       balance; no recovery plan is assumed."
            .into(),
    }
}

/// The chance of staying clear with opening reserves `r` in the hand-built plan:
/// 1 − 0.9·e^(−r/36.46), which is 88.5% at the council's £75m.
fn clear(r: f64) -> f64 {
    1.0 - 0.9 * (-r / 36.46).exp()
}

/// The reserves question of the hand-built plan: £75m held, below the £105.4m that 95%
/// confidence needs, against a floor of 5% of the £1,429m net budget.
pub(crate) fn reserves_needed() -> ReservesNeeded {
    let level = |confidence: u32| {
        let r = 36.46 * (0.9 / (1.0 - f64::from(confidence) / 100.0)).ln();
        let amount = Decimal::from_f64_retain(r).unwrap_or_default().round_dp(1);
        ReserveLevel {
            confidence,
            amount,
            ci95_low: amount - d("2.5"),
            ci95_high: amount + d("2.7"),
            share_of_net_budget: (amount / d("1429")).to_f64(),
        }
    };
    ReservesNeeded {
        method: "the order statistic of each path's largest call on its opening reserves \
                 over the horizon, with a distribution-free 95% interval"
            .into(),
        period: "2024/25 to 2026/27".into(),
        own: d("75"),
        own_share_of_net_budget: Some(75.0 / 1429.0),
        floor_share: Some(d("0.05")),
        floor: Some(d("71.45")),
        levels: [80, 90, 95, 99].into_iter().map(level).collect(),
        curve: (0..100)
            .map(|k| {
                let r = 1.8 * f64::from(k);
                CurvePoint {
                    reserves: Decimal::from_f64_retain(r).unwrap_or_default().round_dp(4),
                    p_clear: clear(r),
                }
            })
            .collect(),
    }
}

/// The Kent summary as a three-year plan: the reserves question and the medium term.
pub(crate) fn multi_year() -> Summary {
    let mut s = kent().1.clone();
    s.reserves_needed = Some(reserves_needed());
    s.medium_term = Some(medium_term());
    s
}

/// The Kent summary with the one-year reserves question, drawn from its own shortfall:
/// the level at confidence c is the shortfall's P(c) with its interval; the council's
/// £75m is above the 95% level.
pub(crate) fn one_year() -> Summary {
    let mut s = kent().1.clone();
    let nb = s.model.net_budget;
    let share = |x: Decimal| nb.and_then(|b| (x / b).to_f64());
    let levels = [80u32, 90, 95, 99]
        .into_iter()
        .filter_map(|c| {
            let row = s.percentiles.iter().find(|r| r.p == c)?;
            let amount = row.shortfall.max(Decimal::ZERO);
            Some(ReserveLevel {
                confidence: c,
                amount,
                ci95_low: row.shortfall_ci95_low.max(Decimal::ZERO),
                ci95_high: row.shortfall_ci95_high.max(Decimal::ZERO),
                share_of_net_budget: share(amount),
            })
        })
        .collect::<Vec<_>>();
    let top = levels
        .last()
        .map_or(1.0, |l| l.amount.to_f64().unwrap_or(1.0))
        * 1.2;
    let q = &s.distributions.shortfall_quantiles;
    let p = &s.distributions.quantile_p;
    let curve = (0..100)
        .map(|k| {
            let r = top * f64::from(k) / 99.0;
            let below = q.partition_point(|&x| x <= r);
            CurvePoint {
                reserves: Decimal::from_f64_retain(r).unwrap_or_default().round_dp(4),
                p_clear: if below == 0 { 0.0 } else { p[below - 1] },
            }
        })
        .collect();
    s.reserves_needed = Some(ReservesNeeded {
        method: "the shortfall's order statistic at each confidence, with a \
                 distribution-free 95% interval"
            .into(),
        period: s.model.year.clone(),
        own: s.reserves.usable,
        own_share_of_net_budget: share(s.reserves.usable),
        floor_share: Some(d("0.05")),
        floor: nb.map(|b| b * d("0.05")),
        levels,
        curve,
    });
    s
}
