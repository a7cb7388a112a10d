//! The medium term and the reserves question: figures by year, over the horizon, and the
//! opening reserves a council needs.
//!
//! **Reserves needed.** A simulated path breaches in some year exactly when the opening
//! usable reserves are below its largest cumulative draw: the running sum, year by year,
//! of the shortfall after mitigation less the planned movement of reserves (a one-year
//! model's is the year's shortfall less any planned movement). So the reserves a path
//! needs are that largest draw (none if it never draws), and the opening reserves that
//! keep P(an S114-level year) at or below 1 − c are the c-quantile of what the paths
//! need: the ⌈c·n⌉-th smallest, so that at most a share 1 − c of the paths need more. Its
//! 95% interval is the distribution-free order-statistic interval of that quantile. The
//! chance of staying clear with reserves R is the share of paths that need at most R: the
//! reserves curve.

use rust_decimal::Decimal;

use crate::engine::{BatchSummary, PER_YEAR, RunConfig, RunResult, YearSums};
use crate::model::{Model, Unit, f64_of};
use crate::order::OrderStatistics;

use super::estimate::{interval_ranks, mean_se, quantile, quantile_interval, sort_in_place};
use super::summary::{Percentile, Probability};
use super::{
    CurvePoint, HEADLINE_PERCENTILES, MediumTerm, ReserveLevel, ReservesNeeded, YearFigures,
    YearSpread, money, uncertainty,
};

/// The confidences at which the reserves needed are given, in percent.
pub const CONFIDENCES: [u32; 4] = [80, 90, 95, 99];

/// What the model assumes after an S114-level year, in words.
pub const AFTER_BREACH: &str = "a path is counted as breached from its first S114-level \
     year on; the deficit carries into the following years as a negative reserves balance \
     (no emergency funding or further savings are assumed), so later years show how far \
     reserves would have to be rebuilt";

/// The c-quantile as the reserves needed: the ⌈c·n⌉-th smallest value, so that at most a
/// share 1 − c exceeds it, with its order-statistic 95% interval: (value, low, high).
pub(super) fn needed_at<O: OrderStatistics + ?Sized>(o: &O, c: f64) -> (f64, f64, f64) {
    let n = o.len();
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let k = ((c * n as f64).ceil() as u64).clamp(1, n) - 1;
    let v = o.at(k);
    let (lo, hi) = interval_ranks(n, c);
    (v, o.at(lo).min(v), o.at(hi).max(v))
}

/// What the reserves question is computed from: the reserves needed at
/// [`CONFIDENCES`] (value, low, high), at the quantile grid's probabilities
/// (`grid_p`, `grid`), and the share of paths that need none.
pub(super) struct NeededInput<'a> {
    pub(super) levels: Vec<(f64, f64, f64)>,
    pub(super) grid_p: &'a [f64],
    pub(super) grid: Vec<f64>,
    pub(super) none_needed: f64,
}

/// The reserves question for `model` (the whole horizon) run with `config`.
pub(super) fn reserves_needed(
    model: &Model,
    config: &RunConfig,
    input: &NeededInput<'_>,
) -> ReservesNeeded {
    let unit = model.meta.unit;
    let m = |x: f64| money(unit, x);
    let h = &model.horizon;
    let net = h.net_budget[0].map(f64_of).filter(|&b| b > 0.0);
    let share = |x: f64| net.map(|b| x / b);
    let levels = CONFIDENCES
        .iter()
        .zip(&input.levels)
        .map(|(&c, &(v, lo, hi))| ReserveLevel {
            confidence: c,
            amount: m(v),
            ci95_low: m(lo),
            ci95_high: m(hi),
            share_of_net_budget: share(v),
        })
        .collect();
    let mut curve = vec![CurvePoint {
        reserves: Decimal::ZERO,
        p_clear: input.none_needed,
    }];
    for (k, (&p, &q)) in input.grid_p.iter().zip(&input.grid).enumerate() {
        // Every hundredth of probability, and every thousandth in the top 1%.
        let kept = (k + 1) % 10 == 0 || k + 1 >= 990;
        if kept && q > 0.0 && p > input.none_needed {
            curve.push(CurvePoint {
                reserves: m(q),
                p_clear: p,
            });
        }
    }
    let floor = h
        .reserves_floor
        .and_then(|f| h.net_budget[0].map(|b| (f * b).round_dp(4)));
    ReservesNeeded {
        method: "the reserves each simulated path needs are its largest cumulative draw \
                 on reserves (the shortfall after mitigation less planned movements, \
                 summed year by year; none if it never draws); the reserves needed at \
                 confidence c are the smallest level that at most a share 1 - c of the \
                 paths need more than (their ceil(c n)-th smallest value), with a \
                 distribution-free 95% interval from order statistics"
            .into(),
        period: period(&h.years),
        own: m(config.reserves),
        own_share_of_net_budget: share(config.reserves),
        floor_share: h.reserves_floor,
        floor,
        levels,
        curve,
    }
}

/// "2024/25", or "2024/25 to 2026/27".
pub fn period(years: &[String]) -> String {
    match years {
        [] => String::new(),
        [one] => one.clone(),
        [first, .., last] => format!("{first} to {last}"),
    }
}

/// The reserves question's inputs from a multi-year run's kept paths: the reserves each
/// path needed, sorted.
pub(super) fn needed_from_paths<'a>(result: &RunResult, grid_p: &'a [f64]) -> NeededInput<'a> {
    let mut r = result.path_values(PER_YEAR * result.years);
    sort_in_place(&mut r);
    let n = r.len().max(1) as f64;
    let none = r.partition_point(|&x| x <= 0.0) as f64 / n;
    let values = &r[..];
    NeededInput {
        levels: CONFIDENCES
            .iter()
            .map(|&c| needed_at(values, f64::from(c) / 100.0))
            .collect(),
        grid_p,
        grid: grid_p.iter().map(|&p| quantile(values, p)).collect(),
        none_needed: none,
    }
}

/// The figures of each year and over the horizon, for a multi-year run (`None` for one
/// year).
pub(super) fn medium_term(model: &Model, result: &RunResult) -> Option<MediumTerm> {
    let years = result.years;
    if years < 2 || result.paths.is_empty() {
        return None;
    }
    let unit = model.meta.unit;
    let h = &model.horizon;
    let t_sum = &result.total;
    let n = t_sum.n;
    let batches = &result.batches;
    let share = |f: &dyn Fn(&BatchSummary) -> u64| -> Vec<(f64, u64)> {
        batches
            .iter()
            .map(|b| (f(b) as f64 / b.n.max(1) as f64, b.n))
            .collect()
    };
    let prob = |count: u64, f: &dyn Fn(&BatchSummary) -> u64| Probability::new(count, n, &share(f));
    let figures = (0..years)
        .map(|t| {
            let y: &YearSums = &t_sum.years[t];
            let spread = |q: usize, moments: &dyn Fn(&YearSums) -> crate::engine::Moments| {
                let mut v = result.path_values(PER_YEAR * t + q);
                sort_in_place(&mut v);
                let total = moments(y);
                let per_batch: Vec<(f64, u64)> = batches
                    .iter()
                    .map(|b| {
                        let mo = moments(&b.years[t]);
                        (mo.sum / mo.n.max(1) as f64, mo.n)
                    })
                    .collect();
                year_spread(unit, &v, &total, &per_batch)
            };
            YearFigures {
                year: h.years[t].clone(),
                net_budget: h.net_budget[t],
                planned_reserves: h.planned_reserves[t],
                gap: spread(0, &|y| y.gap),
                shortfall: spread(1, &|y| y.shortfall),
                balance: spread(2, &|y| y.balance),
                p_drawing_on_reserves: prob(y.drawing, &|b| b.years[t].drawing),
                s114: prob(y.breaches, &|b| b.years[t].breaches),
                first_breach: prob(y.first_breach, &|b| b.years[t].first_breach),
                s114_by_now: prob(y.by_now, &|b| b.years[t].by_now),
            }
        })
        .collect();
    Some(MediumTerm {
        years: figures,
        s114_any_year: prob(t_sum.horizon_breaches, &|b| b.horizon_breaches),
        never_breached: prob(n - t_sum.horizon_breaches, &|b| b.n - b.horizon_breaches),
        after_breach: AFTER_BREACH.into(),
    })
}

/// A year's quantity: its mean (within the range of its values) with the batch-means
/// error, and its headline percentiles with their order-statistic intervals.
fn year_spread(
    unit: Unit,
    sorted: &[f64],
    moments: &crate::engine::Moments,
    per_batch: &[(f64, u64)],
) -> YearSpread {
    let m = |x: f64| money(unit, x);
    let (min, max) = (
        sorted.first().copied().unwrap_or(0.0),
        sorted.last().copied().unwrap_or(0.0),
    );
    let mean = (moments.sum / moments.n.max(1) as f64).clamp(min, max);
    YearSpread {
        mean: m(mean),
        mean_se: mean_se(per_batch, moments.n, moments.m2).map(uncertainty),
        percentiles: HEADLINE_PERCENTILES
            .iter()
            .map(|&p| {
                let q = f64::from(p) / 100.0;
                let (lo, hi) = quantile_interval(sorted, q);
                Percentile {
                    p,
                    value: m(quantile(sorted, q)),
                    ci95_low: m(lo),
                    ci95_high: m(hi),
                    se: None,
                }
            })
            .collect(),
    }
}

/// The reserves needed at any `confidences` (fractions in (0, 1)), from a run whose
/// values [`super::summarize`] has sorted: a one-year run's shortfalls (less the year's
/// planned movement), or a multi-year run's kept paths. `None` for a run that streamed,
/// which keeps only the order statistics its summary reads.
pub fn reserves_levels(
    model: &Model,
    result: &RunResult,
    confidences: &[f64],
) -> Option<Vec<ReserveLevel>> {
    let unit = model.meta.unit;
    let m = |x: f64| money(unit, x);
    let net = model.horizon.net_budget[0].map(f64_of).filter(|&b| b > 0.0);
    let (values, planned) = if result.years > 1 {
        let mut r = result.path_values(PER_YEAR * result.years);
        sort_in_place(&mut r);
        (r, 0.0)
    } else {
        if result.shortfall.is_empty() {
            return None;
        }
        debug_assert!(result.shortfall.is_sorted_by(|a, b| a <= b));
        (
            result.shortfall.clone(),
            f64_of(model.horizon.planned_reserves[0]),
        )
    };
    let need = |x: f64| (x - planned).max(0.0);
    Some(
        confidences
            .iter()
            .map(|&c| {
                let (v, lo, hi) = needed_at(&values[..], c);
                ReserveLevel {
                    confidence: (c * 100.0).round() as u32,
                    amount: m(need(v)),
                    ci95_low: m(need(lo)),
                    ci95_high: m(need(hi)),
                    share_of_net_budget: net.map(|b| need(v) / b),
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use rust_decimal::Decimal;
    use rust_decimal::prelude::ToPrimitive;

    use crate::engine::{RunConfig, run};
    use crate::model::{Model, Path, PathKind};
    use crate::sample::Sampling;
    use crate::stats::{Provenance, summarize};

    /// Three years of a line of 100 whose growth is a random walk of N(1%, 5%) a year,
    /// against a flat budget of 100.
    fn walk() -> Model {
        let text = r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"
net_budget = 200

[lines.a]
kind = "simple"
base = 100
growth = { dist = "normal", mean = 0.01, sd = 0.05 }
budget = 100
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 10
source = "assumption: test"
"#;
        let mut m = Model::from_toml("t.toml", text).unwrap().model;
        let h = &mut m.horizon;
        h.years = vec!["2024/25".into(), "2025/26".into(), "2026/27".into()];
        h.net_budget = vec![Some(Decimal::from(200)); 3];
        h.planned_reserves = vec![Decimal::ZERO; 3];
        h.lines[0].budget = vec![Decimal::from(100); 3];
        h.lines[0].base = vec![Decimal::from(100); 3];
        h.paths[0] = Path {
            kind: PathKind::Independent,
            compound: true,
            ..Path::HOLD
        };
        m
    }

    fn summary(m: &Model, seed: u64, reserves: f64, n: u64) -> crate::stats::Summary {
        let config = RunConfig {
            seed,
            iterations: n,
            reserves,
            sampling: Sampling::MonteCarlo,
        };
        let mut r = run(m, &config, &|_| {}, &AtomicBool::new(false)).unwrap();
        let provenance = Provenance {
            file: "t.toml".into(),
            sha256: String::new(),
            program: "test".into(),
            reserves_overridden: true,
            precision: None,
        };
        summarize(m, &config, &provenance, &mut r)
    }

    #[test]
    fn the_reserves_needed_fed_back_give_their_target_chance() {
        let m = walk();
        let n = 100_000;
        let first = summary(&m, 1, 10.0, n);
        let needed = first.reserves_needed.unwrap();
        let at95 = needed.levels.iter().find(|l| l.confidence == 95).unwrap();
        // The share is of the unrounded amount (the amount is rounded to £100).
        let share = at95.share_of_net_budget.unwrap();
        assert!(
            (share - at95.amount.to_f64().unwrap() / 200.0).abs() < 1e-6,
            "{share}"
        );
        // Run again on other random numbers with those reserves: the chance of an
        // S114-level year over the three years is 5%, within the error of both runs.
        let again = summary(&m, 2, at95.amount.to_f64().unwrap(), n);
        let p = again.medium_term.unwrap().s114_any_year;
        let se = (0.05 * 0.95 / n as f64).sqrt() * 2f64.sqrt();
        assert!((p.estimate - 0.05).abs() < 4.0 * se, "{}", p.estimate);
        // The order of the levels and the curve: more confidence needs more reserves, and
        // the curve rises from none needed.
        let amounts: Vec<Decimal> = needed.levels.iter().map(|l| l.amount).collect();
        assert!(amounts.windows(2).all(|w| w[0] <= w[1]), "{amounts:?}");
        assert!(
            needed
                .curve
                .windows(2)
                .all(|w| w[0].reserves <= w[1].reserves && w[0].p_clear <= w[1].p_clear)
        );
    }

    #[test]
    fn a_one_year_models_reserves_needed_are_its_shortfalls_quantile() {
        // One year of the walk: the reserves needed at c are the ⌈c·n⌉-th smallest
        // shortfall, above zero; with the line's gap N(1, 5²), P95 ≈ 1 + 1.645·5.
        let mut m = walk();
        let h = &mut m.horizon;
        h.years.truncate(1);
        h.net_budget.truncate(1);
        h.planned_reserves.truncate(1);
        h.lines[0].budget.truncate(1);
        h.lines[0].base.truncate(1);
        let s = summary(&m, 3, 10.0, 200_000);
        assert!(s.medium_term.is_none());
        let needed = s.reserves_needed.unwrap();
        let at95 = needed.levels.iter().find(|l| l.confidence == 95).unwrap();
        let exact = 1.0 + 1.644_853_626_951_472_2 * 5.0;
        let v = at95.amount.to_f64().unwrap();
        // The sd of a sample quantile: √(p(1−p)/n)/f(q) with f the normal density.
        let f = (-0.5_f64 * 1.644_853_626_951_472_2_f64.powi(2)).exp()
            / (5.0 * (2.0 * std::f64::consts::PI).sqrt());
        let se = (0.05 * 0.95 / 200_000.0_f64).sqrt() / f;
        assert!((v - exact).abs() < 4.0 * se, "{v} vs {exact}");
        assert!(at95.ci95_low.to_f64().unwrap() <= v && v <= at95.ci95_high.to_f64().unwrap());
    }

    #[test]
    fn a_run_to_a_precision_of_several_years_stops_on_the_horizon_chance() {
        let m = walk();
        let config = RunConfig {
            seed: 5,
            iterations: 2_000_000,
            reserves: 10.0,
            sampling: Sampling::MonteCarlo,
        };
        let r = crate::engine::run_to_precision(
            &m,
            &config,
            0.01,
            crate::stats::stopping_rule(config.sampling),
            &crate::engine::Keep::every_year(),
            &|_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let last = r.trace.last().unwrap();
        assert!(last.stop_width <= 0.01 && r.total.n < config.iterations);
        // What it stopped on is the chance over the three years, not the first year's.
        let any = r.total.horizon_breaches as f64 / r.total.n as f64;
        assert_eq!(last.estimate, any);
        assert!(r.total.horizon_breaches > r.total.breaches);
    }
}
