//! The figures of a run: percentiles, probabilities with their intervals, expectations,
//! sensitivity and what an S114-level year looks like, each with its Monte Carlo
//! uncertainty.
//!
//! Everything here is a pure function of the run's output. [`Summary`] is what
//! `summary.json` holds and what every report and chart is drawn from, so a report can be
//! rebuilt from a finished run without simulating again.
//!
//! Quantiles use Hyndman & Fan's type 7 (linear interpolation between order statistics),
//! the definition of Excel's PERCENTILE.INC, R's default and NumPy's default, so a finance
//! analyst who checks a figure in a spreadsheet gets the same number. At the edges it
//! returns the smallest (p = 0) and largest (p = 1) values.
//!
//! Uncertainty of the estimates themselves:
//! - probabilities: the exact binomial (Clopper–Pearson) 95% interval, which is
//!   conservative for Latin hypercube runs (LHS never has more variance than plain Monte
//!   Carlo, up to a factor n/(n−1));
//! - means, spreads and percentiles: batch means, the spread of the estimate across the
//!   run's independent batches of 10,000, which is honest for every sampling method;
//! - percentiles also carry a distribution-free 95% interval from order statistics.
//!
//! Modules: [`estimate`] (the estimators), [`summary`] (the serialised figures),
//! `sensitivity`, `tail` and `distributions` (the parts of the summary they name);
//! [`compare`] (models compared on common random numbers, what `comparison.json` holds
//! in [`compare_types`]); [`portfolio`] (many councils' summaries as one ranked table,
//! what `portfolio.json` holds).

pub mod backtest;
pub mod compare;
pub mod compare_types;
mod distributions;
pub mod estimate;
#[cfg(test)]
pub(crate) mod fixture;
pub mod goodness;
pub mod journey;
pub mod medium;
pub mod medium_types;
pub mod portfolio;
mod sensitivity;
pub mod summary;
mod tail;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::engine::{
    BATCH_PERCENTILES, BATCH_SIZE, BatchSummary, RunConfig, RunResult, SAVINGS_BINS,
};
use crate::model::{Model, Unit};

use crate::model::f64_of as f;
use crate::order::OrderStatistics;
pub use compare_types::{CentralFigures, Comparison};
pub use estimate::{
    MIN_BATCHES, batch_means_se, clopper_pearson, interval_ranks, quantile, quantile_interval,
    quantile_sorted, s114_interval, s114_precision, s114_precision_batch_means, sort_in_place,
    stopping_rule,
};
use estimate::{Z95, histogram_quantile, mean_se, ratio_se};
pub use medium_types::*;
pub use sensitivity::SAVINGS_FACTOR;
pub use summary::*;

/// The headline percentiles shown on the terminal and in reports.
pub const HEADLINE_PERCENTILES: [u32; 7] = BATCH_PERCENTILES;

/// Rounds money for reports: to £100 when the unit is £m, to the penny when it is £.
pub fn money(unit: Unit, x: f64) -> Decimal {
    let dp = match unit {
        Unit::Millions => 4,
        Unit::Pounds => 2,
    };
    Decimal::from_f64(x).map_or(Decimal::ZERO, |d| d.round_dp(dp))
}

/// A standard error for reports: rounded to four significant figures, not to the money
/// grid, so that a small but real uncertainty (£40 in a £m model) is never written as 0.
pub fn uncertainty(x: f64) -> Decimal {
    if !(x.is_finite() && x > 0.0) {
        return Decimal::ZERO;
    }
    let digits = 3 - x.log10().floor() as i32;
    let rounded = Decimal::from_f64(x).unwrap_or(Decimal::ZERO);
    if digits <= 0 {
        rounded.round_dp(0)
    } else {
        rounded.round_sf(4).unwrap_or(rounded).normalize()
    }
}

/// [`uncertainty`] of a standard error that may be unknown.
fn se(x: Option<f64>) -> Option<Decimal> {
    x.map(uncertainty)
}

fn per_batch(batches: &[BatchSummary], f: impl Fn(&BatchSummary) -> f64) -> Vec<(f64, u64)> {
    batches.iter().map(|b| (f(b), b.n)).collect()
}

/// A type-7 quantile with its order-statistic interval: (value, low, high).
type Quantile = (f64, f64, f64);

/// Everything the summary reads from one quantity's order statistics, read in one place so
/// that [`ranks_read`] can list the ranks a streaming run must collect.
struct Ordered {
    min: f64,
    max: f64,
    /// At [`HEADLINE_PERCENTILES`].
    headline: Vec<Quantile>,
    /// At P1 … P99.
    rows: Vec<Quantile>,
    /// At the chart's fine grid ([`distributions::grid`]).
    grid: Vec<f64>,
    /// The order statistics the reserves needed are read from, at
    /// [`medium::CONFIDENCES`] ([`medium::needed_at`]).
    needed: Vec<Quantile>,
}

fn ordered<O: OrderStatistics + ?Sized>(o: &O) -> Ordered {
    let with_interval = |q: f64| {
        let (lo, hi) = quantile_interval(o, q);
        (quantile(o, q), lo, hi)
    };
    Ordered {
        min: o.at(0),
        max: o.at(o.len() - 1),
        headline: HEADLINE_PERCENTILES
            .iter()
            .map(|&p| with_interval(f64::from(p) / 100.0))
            .collect(),
        rows: (1..=99)
            .map(|p| with_interval(f64::from(p) / 100.0))
            .collect(),
        grid: distributions::grid()
            .into_iter()
            .map(|p| quantile(o, p))
            .collect(),
        needed: medium::CONFIDENCES
            .iter()
            .map(|&c| medium::needed_at(o, f64::from(c) / 100.0))
            .collect(),
    }
}

/// The ranks (0-based, ascending, distinct) of the order statistics that [`summarize`]
/// reads from a run of `n` ≥ 1 simulated years: what a streaming run collects in its
/// second pass (`engine::Keep::ranks`). Found by reading the figures from a stand-in that
/// notes each rank asked for, so the list cannot drift from what is read.
pub fn ranks_read(n: u64) -> Vec<u64> {
    struct Probe {
        n: u64,
        asked: std::cell::RefCell<Vec<u64>>,
    }
    impl OrderStatistics for Probe {
        fn len(&self) -> u64 {
            self.n
        }
        fn at(&self, rank: u64) -> f64 {
            self.asked.borrow_mut().push(rank);
            0.0
        }
    }
    if n == 0 {
        return Vec::new();
    }
    let probe = Probe {
        n,
        asked: std::cell::RefCell::new(Vec::new()),
    };
    ordered(&probe);
    let mut ranks = probe.asked.into_inner();
    ranks.sort_unstable();
    ranks.dedup();
    ranks
}

struct SpreadInput<'a> {
    ordered: &'a Ordered,
    n: u64,
    sum: f64,
    m2: f64,
    positive: u64,
    batch_means: Vec<(f64, u64)>,
    batch_variances: Vec<(f64, u64)>,
    batch_positive: Vec<(f64, u64)>,
    batch_percentiles: Vec<Vec<(f64, u64)>>,
}

fn spread(unit: Unit, s: SpreadInput<'_>) -> Spread {
    let nf = s.n as f64;
    let (min, max) = (s.ordered.min, s.ordered.max);
    // The mean of the exact values lies in their range; a last-bit rounding of the sum must
    // not put it outside.
    let mean = (s.sum / nf).clamp(min, max);
    let var = s.m2 / (nf - 1.0).max(1.0);
    let sd = var.sqrt();
    let sd_se = (s.n >= 2).then(|| match batch_means_se(&s.batch_variances, MIN_BATCHES) {
        Some(var_se) if sd > 0.0 => var_se / (2.0 * sd),
        _ => sd / (2.0 * (nf - 1.0)).sqrt(),
    });
    let m = |x| money(unit, x);
    Spread {
        mean: m(mean),
        mean_se: se(mean_se(&s.batch_means, s.n, s.m2)),
        sd: m(sd),
        sd_se: se(sd_se),
        min: m(min),
        max: m(max),
        percentiles: HEADLINE_PERCENTILES
            .iter()
            .zip(&s.ordered.headline)
            .enumerate()
            .map(|(k, (&p, &(value, lo, hi)))| {
                Percentile {
                    p,
                    value: m(value),
                    ci95_low: m(lo),
                    ci95_high: m(hi),
                    // With too few batches, a quarter of the order-statistic interval's
                    // width (which spans about ±1.96 standard errors).
                    se: se((s.n >= 2).then(|| {
                        batch_means_se(&s.batch_percentiles[k], MIN_BATCHES)
                            .unwrap_or((hi - lo) / (2.0 * Z95))
                    })),
                }
            })
            .collect(),
        p_positive: Probability::new(s.positive, s.n, &s.batch_positive),
    }
}

/// Savings delivered across simulated years: mean, range, P10 and P90 (from the
/// histogram), each with its standard error, and each saving's expectation.
fn savings(model: &Model, batches: &[BatchSummary], t: &BatchSummary) -> Savings {
    let unit = model.meta.unit;
    let m = |x: f64| money(unit, x);
    let n = t.n;
    let nf = n as f64;
    let planned = model.planned_savings();
    let width = f(planned) / SAVINGS_BINS as f64;
    // Interpolated inside the bin (0.1% of the programme wide), and kept within the
    // simulated range so that P10 never falls below the minimum.
    let within = |x: f64| x.max(t.min_savings).min(t.max_savings);
    let hq = |hist: &[u32], q: f64| within(histogram_quantile(hist, width, q));
    let quantile_se = |q: f64| {
        let per: Vec<(f64, u64)> = per_batch(batches, |b| hq(&b.savings_histogram, q));
        batch_means_se(&per, MIN_BATCHES).unwrap_or_else(|| {
            let half = Z95 * (q * (1.0 - q) / nf).sqrt();
            let (lo, hi) = (
                hq(&t.savings_histogram, q - half),
                hq(&t.savings_histogram, q + half),
            );
            (hi - lo) / (2.0 * Z95)
        })
    };
    Savings {
        planned,
        mean: m(t.sum_savings / nf),
        mean_se: se(mean_se(
            &per_batch(batches, |b| b.sum_savings / b.n as f64),
            n,
            t.m2_savings,
        )),
        min: m(t.min_savings),
        max: m(t.max_savings),
        p10: m(hq(&t.savings_histogram, 0.1)),
        p10_se: se((n >= 2).then(|| quantile_se(0.1))),
        p90: m(hq(&t.savings_histogram, 0.9)),
        p90_se: se((n >= 2).then(|| quantile_se(0.9))),
        by_saving: model
            .savings
            .iter()
            .enumerate()
            .map(|(k, s)| SavingDelivery {
                name: s.name.clone(),
                label: s.label.clone(),
                planned: s.amount,
                recurring: s.recurring,
                expected: m(t.saving_delivered[k] / nf),
                expected_se: se(mean_se(
                    &per_batch(batches, |b| b.saving_delivered[k] / b.n as f64),
                    n,
                    t.saving_m2[k],
                )),
            })
            .collect(),
    }
}

/// One item's expected outturn (or actual, or capacity) with its standard error, from the
/// per-batch sums `sums(b)[k]` and squared deviations `m2s(b)[k]`.
struct Items<'a> {
    batches: &'a [BatchSummary],
    total: &'a BatchSummary,
    unit: Unit,
}

impl Items<'_> {
    fn outturn(
        &self,
        k: usize,
        sums: fn(&BatchSummary) -> &[f64],
        m2s: fn(&BatchSummary) -> &[f64],
        (name, label, group, budget): (&str, &str, &str, Decimal),
    ) -> ItemOutturn {
        let t = self.total;
        let nf = t.n as f64;
        ItemOutturn {
            name: name.into(),
            label: label.into(),
            group: group.into(),
            budget,
            expected: money(self.unit, sums(t)[k] / nf),
            expected_se: se(mean_se(
                &per_batch(self.batches, |b| sums(b)[k] / b.n as f64),
                t.n,
                m2s(t)[k],
            )),
        }
    }
}

/// Computes every figure of a run. Sorts `result`'s gap and shortfall in place (a
/// streaming run's order statistics were collected by the engine instead).
pub fn summarize(
    model: &Model,
    config: &RunConfig,
    provenance: &Provenance,
    result: &mut RunResult,
) -> Summary {
    // The one-year figures describe the first year (a one-year model is its own); the
    // medium term and the reserves question the whole horizon.
    let whole = model;
    let first = model.first_year();
    let model = &first;
    let unit = model.meta.unit;
    let m = |x: f64| money(unit, x);
    let t: &BatchSummary = &result.total;
    let batches = &result.batches;
    let n = t.n;
    let nf = n as f64;
    let (gap_ordered, shortfall_ordered) = match &result.collected {
        Some(c) => (ordered(&c.gap), ordered(&c.shortfall)),
        None => {
            // Side by side: each sort's bucket pass runs on one thread.
            let (gap, shortfall) = (&mut result.gap, &mut result.shortfall);
            rayon::join(|| sort_in_place(gap), || sort_in_place(shortfall));
            (ordered(&result.gap[..]), ordered(&result.shortfall[..]))
        }
    };

    let grid_p = distributions::grid();
    let needed = if result.years > 1 {
        medium::needed_from_paths(result, &grid_p)
    } else {
        // One year: a path needs its shortfall less the year's planned movement.
        let planned = f(model.horizon.planned_reserves[0]);
        let need = |x: f64| (x - planned).max(0.0);
        let o = &shortfall_ordered;
        let grid: Vec<f64> = o.grid.iter().map(|&q| need(q)).collect();
        let none = grid_p
            .iter()
            .zip(&grid)
            .filter(|(_, q)| **q <= 0.0)
            .map(|(p, _)| *p)
            .fold(0.0, f64::max);
        medium::NeededInput {
            levels: o
                .needed
                .iter()
                .map(|&(v, lo, hi)| (need(v), need(lo), need(hi)))
                .collect(),
            grid_p: &grid_p,
            grid,
            none_needed: none,
        }
    };
    let excess_mean = t.sum_excess / nf;
    let batch_pcts = |shortfall: bool| -> Vec<Vec<(f64, u64)>> {
        (0..HEADLINE_PERCENTILES.len())
            .map(|k| {
                per_batch(batches, |b| {
                    if shortfall {
                        b.shortfall_percentiles[k]
                    } else {
                        b.gap_percentiles[k]
                    }
                })
            })
            .collect()
    };
    let share = |f: fn(&BatchSummary) -> u64| per_batch(batches, move |b| f(b) as f64 / b.n as f64);
    let items = Items {
        batches,
        total: t,
        unit,
    };
    let shortfall = spread(
        unit,
        SpreadInput {
            ordered: &shortfall_ordered,
            n,
            sum: t.sum_shortfall,
            m2: t.m2_shortfall,
            positive: t.shortfall_positive,
            batch_means: per_batch(batches, |b| b.sum_shortfall / b.n as f64),
            batch_variances: per_batch(batches, |b| b.m2_shortfall / b.n as f64),
            batch_positive: share(|b| b.shortfall_positive),
            batch_percentiles: batch_pcts(true),
        },
    );

    Summary {
        model: ModelInfo {
            name: model.meta.name.clone(),
            council: model.meta.council.clone(),
            year: model.meta.year.clone(),
            unit: unit.symbol().into(),
            file: provenance.file.clone(),
            sha256: provenance.sha256.clone(),
            net_budget: model.meta.net_budget,
        },
        run: RunInfo {
            program: provenance.program.clone(),
            seed: config.seed,
            iterations: n,
            batch_size: BATCH_SIZE as u64,
            batches: batches.len() as u64,
            sampling: config.sampling.name().into(),
            quantile_method: "Hyndman-Fan type 7 (as Excel PERCENTILE.INC)".into(),
        },
        reserves: ReservesInfo {
            usable: m(config.reserves),
            model_usable: model.usable_reserves(),
            overridden: provenance.reserves_overridden,
        },
        gap: spread(
            unit,
            SpreadInput {
                ordered: &gap_ordered,
                n,
                sum: t.sum_gap,
                m2: t.m2_gap,
                positive: t.gap_positive,
                batch_means: per_batch(batches, |b| b.sum_gap / b.n as f64),
                batch_variances: per_batch(batches, |b| b.m2_gap / b.n as f64),
                batch_positive: share(|b| b.gap_positive),
                batch_percentiles: batch_pcts(false),
            },
        ),
        p_drawing_on_reserves: shortfall.p_positive.clone(),
        shortfall,
        s114: S114 {
            probability: Probability::new(t.breaches, n, &share(|b| b.breaches)),
            expected_excess: m(excess_mean),
            expected_excess_se: se(mean_se(
                &per_batch(batches, |b| b.sum_excess / b.n as f64),
                n,
                t.m2_excess,
            )),
            mean_excess_given_breach: (t.breaches > 0).then(|| m(t.sum_excess / t.breaches as f64)),
            mean_excess_given_breach_se: se(excess_given_breach_se(batches, t)),
        },
        mitigation_used: m(t.sum_mitigation_used / nf),
        mitigation_used_se: se(mean_se(
            &per_batch(batches, |b| b.sum_mitigation_used / b.n as f64),
            n,
            t.m2_mitigation_used,
        )),
        savings: savings(model, batches, t),
        lines: model
            .lines
            .iter()
            .enumerate()
            .map(|(k, l)| {
                items.outturn(
                    k,
                    |b| &b.line_outturn,
                    |b| &b.line_m2,
                    (&l.name, &l.label, &l.group, l.budget),
                )
            })
            .collect(),
        funding: model
            .funding
            .iter()
            .enumerate()
            .map(|(k, fu)| {
                items.outturn(
                    k,
                    |b| &b.funding_actual,
                    |b| &b.funding_m2,
                    (&fu.name, &fu.label, "Funding", fu.budget),
                )
            })
            .collect(),
        mitigations: model
            .mitigations
            .iter()
            .enumerate()
            .map(|(k, mi)| {
                items.outturn(
                    k,
                    |b| &b.mitigation_capacity,
                    |b| &b.mitigation_m2,
                    (&mi.name, &mi.label, "Mitigation", Decimal::ZERO),
                )
            })
            .collect(),
        sensitivity: sensitivity::sensitivity(model, batches, t, &result.slopes, unit),
        tail: tail::tail(model, t, unit),
        correlation: sensitivity::correlation_info(model, batches, t),
        convergence: provenance.precision.map(|target| Convergence {
            target_width: target,
            reached: result.trace.last().is_some_and(|p| p.stop_width <= target),
            trace: result
                .trace
                .iter()
                .map(|p| TraceRow {
                    iterations: p.iterations,
                    estimate: p.estimate,
                    ci95_low: p.low,
                    stop_width: p.stop_width,
                    ci95_high: p.high,
                })
                .collect(),
        }),
        percentiles: percentile_rows(unit, &gap_ordered, &shortfall_ordered),
        distributions: distributions::distributions(
            &result.chart,
            &gap_ordered.grid,
            &shortfall_ordered.grid,
        ),
        reserves_needed: Some(medium::reserves_needed(whole, config, &needed)),
        medium_term: medium::medium_term(whole, result),
    }
}

/// P1 … P99 of the gap and shortfall, each with its order-statistic interval.
fn percentile_rows(unit: Unit, gap: &Ordered, shortfall: &Ordered) -> Vec<PercentileRow> {
    let m = |x: f64| money(unit, x);
    (1..=99)
        .zip(gap.rows.iter().zip(&shortfall.rows))
        .map(|(p, (&(g, gl, gh), &(sv, sl, sh)))| PercentileRow {
            p,
            gap: m(g),
            shortfall: m(sv),
            gap_ci95_low: m(gl),
            gap_ci95_high: m(gh),
            shortfall_ci95_low: m(sl),
            shortfall_ci95_high: m(sh),
        })
        .collect()
}

/// The standard error of the mean shortfall beyond reserves in the years that breach: a
/// ratio over batches (Σ excess / Σ breaches); with few batches, s/√k over the k breaches
/// (their squared deviations kept per batch and merged exactly). `None` with fewer than two
/// breaches, whose spread is unknown.
fn excess_given_breach_se(batches: &[BatchSummary], t: &BatchSummary) -> Option<f64> {
    if t.breaches < 2 {
        return None;
    }
    let sums: Vec<(f64, f64)> = batches
        .iter()
        .map(|b| (b.sum_excess, b.breaches as f64))
        .collect();
    let k = t.breaches as f64;
    Some(
        ratio_se(&sums, MIN_BATCHES).unwrap_or_else(|| (t.m2_breach_excess / (k - 1.0) / k).sqrt()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rounds_to_the_unit() {
        assert_eq!(money(Unit::Millions, 12.345_678).to_string(), "12.3457");
        assert_eq!(money(Unit::Pounds, 12.345_678).to_string(), "12.35");
    }

    #[test]
    fn uncertainties_keep_four_significant_figures() {
        assert_eq!(uncertainty(0.000_049_123).to_string(), "0.00004912");
        assert_eq!(uncertainty(0.0234_5678).to_string(), "0.02346");
        assert_eq!(uncertainty(12_345.678).to_string(), "12346");
        assert_eq!(uncertainty(0.0), Decimal::ZERO);
        assert_eq!(uncertainty(f64::NAN), Decimal::ZERO);
    }
}
