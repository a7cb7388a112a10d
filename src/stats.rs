//! The figures of a run: percentiles, probabilities with their intervals, expectations.
//!
//! Everything here is a pure function of the run's output. [`Summary`] is what
//! `summary.json` holds and what every report and chart is drawn from, so a report can be
//! rebuilt from a finished run without simulating again.
//!
//! Quantiles use Hyndman & Fan's type 7 (linear interpolation between order statistics),
//! the definition of Excel's PERCENTILE.INC, R's default and NumPy's default, so a finance
//! analyst who checks a figure in a spreadsheet gets the same number. At the edges it
//! returns the smallest (p = 0) and largest (p = 1) values.

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::{Deserialize, Serialize};

use crate::engine::{BATCH_SIZE, BatchSummary, RunConfig, RunResult, SAVINGS_BINS};
use crate::model::{Model, Unit};

/// The headline percentiles shown on the terminal and in reports.
pub const HEADLINE_PERCENTILES: [u32; 7] = [5, 10, 25, 50, 75, 90, 95];

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Type-7 quantile of sorted values (ascending), for p in [0, 1].
pub fn quantile_sorted(sorted: &[f32], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => f64::from(sorted[0]),
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let (a, b) = (f64::from(sorted[lo]), f64::from(sorted[hi]));
            a + (h - lo as f64) * (b - a)
        }
    }
}

/// A distribution-free 95% interval for the p-quantile: the order statistics whose ranks
/// are n·p ∓ 1.96·√(n·p·(1 − p)) (normal approximation to the binomial count below the
/// quantile).
pub fn quantile_interval(sorted: &[f32], p: f64) -> (f64, f64) {
    let n = sorted.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let nf = n as f64;
    let half = Z95 * (nf * p * (1.0 - p)).sqrt();
    let lo = ((nf * p - half).floor().max(1.0) as usize).min(n) - 1;
    let hi = ((nf * p + half).ceil().max(1.0) as usize).min(n) - 1;
    (f64::from(sorted[lo]), f64::from(sorted[hi]))
}

/// Wilson score 95% interval for a binomial proportion k/n: unlike the plain normal
/// interval it stays inside [0, 1] and behaves when k is 0 or n.
pub fn wilson_interval(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    let lo = if k == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// A probability with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probability {
    /// Point estimate: the share of simulated years.
    pub estimate: f64,
    /// Lower end of the 95% interval.
    pub ci95_low: f64,
    /// Upper end of the 95% interval.
    pub ci95_high: f64,
    /// Simulated years in which it happened.
    pub count: u64,
    /// How the interval was computed.
    pub method: String,
}

impl Probability {
    fn from_count(count: u64, n: u64) -> Self {
        let (lo, hi) = wilson_interval(count, n);
        Probability {
            estimate: count as f64 / n as f64,
            ci95_low: lo,
            ci95_high: hi,
            count,
            method: "Wilson score interval".into(),
        }
    }
}

/// One percentile with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentile {
    /// Which percentile (5 for P5).
    pub p: u32,
    /// Its value, in the model's unit.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub value: Decimal,
    /// Lower end of its 95% interval.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub ci95_low: Decimal,
    /// Upper end of its 95% interval.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub ci95_high: Decimal,
}

/// Summary of one simulated quantity (the gap, or the shortfall after mitigation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Mean: the central estimate.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub mean: Decimal,
    /// Monte Carlo standard error of the mean.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub mean_se: Decimal,
    /// Standard deviation across simulated years.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub sd: Decimal,
    /// Smallest simulated value.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub min: Decimal,
    /// Largest simulated value.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub max: Decimal,
    /// P5, P10, P25, P50, P75, P90, P95.
    pub percentiles: Vec<Percentile>,
    /// Chance the value is above zero.
    pub p_positive: Probability,
}

/// S114-level risk: the shortfall after mitigation exceeding usable reserves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct S114 {
    /// Chance of an S114-level shortfall.
    pub probability: Probability,
    /// Expected shortfall beyond reserves, averaged over all simulated years.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub expected_excess: Decimal,
    /// Its Monte Carlo standard error.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub expected_excess_se: Decimal,
    /// Mean shortfall beyond reserves in the years that breach (absent when none do).
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    pub mean_excess_given_breach: Option<Decimal>,
}

/// Usable reserves and where the figure came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservesInfo {
    /// The threshold used.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub usable: Decimal,
    /// What the model file says.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub model_usable: Decimal,
    /// True when `--reserves` replaced the model's figure.
    pub overridden: bool,
}

/// Delivery of one planned saving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavingDelivery {
    /// Its name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Planned amount.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub planned: Decimal,
    /// Whether it recurs.
    pub recurring: bool,
    /// Expected delivery.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub expected: Decimal,
}

/// Savings delivered across simulated years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Savings {
    /// Total planned.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub planned: Decimal,
    /// Mean delivered.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub mean: Decimal,
    /// Least delivered in any simulated year.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub min: Decimal,
    /// Most delivered in any simulated year.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub max: Decimal,
    /// 10th percentile of delivery (from a histogram of planned/1000-wide bins).
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub p10: Decimal,
    /// 90th percentile of delivery (same histogram).
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub p90: Decimal,
    /// Each saving.
    pub by_saving: Vec<SavingDelivery>,
}

/// Expected outturn of one line, funding stream or mitigation against its budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemOutturn {
    /// Its name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Its reporting group.
    pub group: String,
    /// What the budget assumes (0 for mitigations).
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub budget: Decimal,
    /// Mean simulated outturn (actual funding; capacity for mitigations).
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub expected: Decimal,
}

/// One row of the full percentile table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PercentileRow {
    /// 1 ..= 99.
    pub p: u32,
    /// Gap at this percentile.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub gap: Decimal,
    /// Shortfall after mitigation at this percentile.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub shortfall: Decimal,
}

/// Facts about the model that was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Model name.
    pub name: String,
    /// Council.
    pub council: String,
    /// Financial year.
    pub year: String,
    /// Unit of money.
    pub unit: String,
    /// File name as given.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// How the run was made: enough to reproduce it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Program name and version.
    pub program: String,
    /// Seed.
    pub seed: u64,
    /// Simulated years.
    pub iterations: u64,
    /// Iterations per batch.
    pub batch_size: u64,
    /// Number of batches.
    pub batches: u64,
    /// Sampling method.
    pub sampling: String,
    /// Quantile definition.
    pub quantile_method: String,
}

/// Every figure of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The model.
    pub model: ModelInfo,
    /// The run.
    pub run: RunInfo,
    /// Reserves used as the S114-level threshold.
    pub reserves: ReservesInfo,
    /// The gap before mitigation: spend − budget + savings not delivered − funding
    /// variance.
    pub gap: Spread,
    /// The shortfall after contingency and management action.
    pub shortfall: Spread,
    /// S114-level risk.
    pub s114: S114,
    /// Mean mitigation used.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub mitigation_used: Decimal,
    /// Savings delivery.
    pub savings: Savings,
    /// Spending lines.
    pub lines: Vec<ItemOutturn>,
    /// Funding streams.
    pub funding: Vec<ItemOutturn>,
    /// Mitigations (capacity).
    pub mitigations: Vec<ItemOutturn>,
    /// P1 … P99 of gap and shortfall.
    pub percentiles: Vec<PercentileRow>,
}

/// Identifies the model file for a summary.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// File name as given.
    pub file: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Program name and version.
    pub program: String,
    /// True when usable reserves came from the command line.
    pub reserves_overridden: bool,
}

/// Rounds money for reports: to £100 when the unit is £m, to the penny when it is £.
pub fn money(unit: Unit, x: f64) -> Decimal {
    let dp = match unit {
        Unit::Millions => 4,
        Unit::Pounds => 2,
    };
    Decimal::from_f64(x).map_or(Decimal::ZERO, |d| d.round_dp(dp))
}

fn spread(unit: Unit, sorted: &[f32], n: u64, sum: f64, sum_sq: f64, positive: u64) -> Spread {
    let nf = n as f64;
    let mean = sum / nf;
    let var = ((sum_sq - nf * mean * mean) / (nf - 1.0).max(1.0)).max(0.0);
    let m = |x| money(unit, x);
    Spread {
        mean: m(mean),
        mean_se: m((var / nf).sqrt()),
        sd: m(var.sqrt()),
        min: m(f64::from(sorted[0])),
        max: m(f64::from(sorted[sorted.len() - 1])),
        percentiles: HEADLINE_PERCENTILES
            .iter()
            .map(|&p| {
                let q = f64::from(p) / 100.0;
                let (lo, hi) = quantile_interval(sorted, q);
                Percentile {
                    p,
                    value: m(quantile_sorted(sorted, q)),
                    ci95_low: m(lo),
                    ci95_high: m(hi),
                }
            })
            .collect(),
        p_positive: Probability::from_count(positive, n),
    }
}

/// Value below which a share `q` of the histogram's mass lies (bin upper edge).
fn histogram_quantile(hist: &[u32], width: f64, q: f64) -> f64 {
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    let target = (q * total as f64).ceil() as u64;
    let mut acc = 0u64;
    for (i, &c) in hist.iter().enumerate() {
        acc += u64::from(c);
        if acc >= target.max(1) {
            return (i as f64 + 0.5) * width;
        }
    }
    hist.len() as f64 * width
}

/// Computes every figure of a run. Sorts `result`'s gap and shortfall in place.
pub fn summarize(
    model: &Model,
    config: &RunConfig,
    provenance: &Provenance,
    result: &mut RunResult,
) -> Summary {
    let unit = model.meta.unit;
    let m = |x: f64| money(unit, x);
    let t: &BatchSummary = &result.total;
    let n = t.n;
    let nf = n as f64;
    result.gap.sort_unstable_by(f32::total_cmp);
    result.shortfall.sort_unstable_by(f32::total_cmp);
    let shortfall_positive = result.shortfall.iter().filter(|&&x| x > 0.0).count() as u64;

    let excess_mean = t.sum_excess / nf;
    let excess_var =
        ((t.sum_excess_sq - nf * excess_mean * excess_mean) / (nf - 1.0).max(1.0)).max(0.0);
    let planned = model.planned_savings();
    let planned_f = f(planned);
    let width = planned_f / SAVINGS_BINS as f64;

    Summary {
        model: ModelInfo {
            name: model.meta.name.clone(),
            council: model.meta.council.clone(),
            year: model.meta.year.clone(),
            unit: unit.symbol().into(),
            file: provenance.file.clone(),
            sha256: provenance.sha256.clone(),
        },
        run: RunInfo {
            program: provenance.program.clone(),
            seed: config.seed,
            iterations: n,
            batch_size: BATCH_SIZE as u64,
            batches: result.batches.len() as u64,
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
            &result.gap,
            n,
            t.sum_gap,
            t.sum_gap_sq,
            t.gap_positive,
        ),
        shortfall: spread(
            unit,
            &result.shortfall,
            n,
            t.sum_shortfall,
            t.sum_shortfall_sq,
            shortfall_positive,
        ),
        s114: S114 {
            probability: Probability::from_count(t.breaches, n),
            expected_excess: m(excess_mean),
            expected_excess_se: m((excess_var / nf).sqrt()),
            mean_excess_given_breach: (t.breaches > 0).then(|| m(t.sum_excess / t.breaches as f64)),
        },
        mitigation_used: m(t.sum_mitigation_used / nf),
        savings: Savings {
            planned,
            mean: m(t.sum_savings / nf),
            min: m(t.min_savings),
            max: m(t.max_savings),
            p10: m(histogram_quantile(&t.savings_histogram, width, 0.1).min(planned_f)),
            p90: m(histogram_quantile(&t.savings_histogram, width, 0.9).min(planned_f)),
            by_saving: model
                .savings
                .iter()
                .zip(&t.saving_delivered)
                .map(|(s, d)| SavingDelivery {
                    name: s.name.clone(),
                    label: s.label.clone(),
                    planned: s.amount,
                    recurring: s.recurring,
                    expected: m(d / nf),
                })
                .collect(),
        },
        lines: model
            .lines
            .iter()
            .zip(&t.line_outturn)
            .map(|(l, o)| ItemOutturn {
                name: l.name.clone(),
                label: l.label.clone(),
                group: l.group.clone(),
                budget: l.budget,
                expected: m(o / nf),
            })
            .collect(),
        funding: model
            .funding
            .iter()
            .zip(&t.funding_actual)
            .map(|(fu, a)| ItemOutturn {
                name: fu.name.clone(),
                label: fu.label.clone(),
                group: "Funding".into(),
                budget: fu.budget,
                expected: m(a / nf),
            })
            .collect(),
        mitigations: model
            .mitigations
            .iter()
            .zip(&t.mitigation_capacity)
            .map(|(mi, c)| ItemOutturn {
                name: mi.name.clone(),
                label: mi.label.clone(),
                group: "Mitigation".into(),
                budget: Decimal::ZERO,
                expected: m(c / nf),
            })
            .collect(),
        percentiles: (1..=99)
            .map(|p| {
                let q = f64::from(p) / 100.0;
                PercentileRow {
                    p,
                    gap: m(quantile_sorted(&result.gap, q)),
                    shortfall: m(quantile_sorted(&result.shortfall, q)),
                }
            })
            .collect(),
    }
}

fn f(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_excel_percentile_inc() {
        // PERCENTILE.INC({1,2,3,4}, 0.25) = 1.75; (…, 0.5) = 2.5; (…, 0.9) = 3.7.
        let v = [1.0f32, 2.0, 3.0, 4.0];
        assert!((quantile_sorted(&v, 0.25) - 1.75).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.9) - 3.7).abs() < 1e-6);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }

    #[test]
    fn wilson_matches_a_published_value() {
        // Newcombe (1998), Table I: 81 of 263 gives 0.2553 to 0.3662.
        let (lo, hi) = wilson_interval(81, 263);
        assert!((lo - 0.2553).abs() < 5e-5, "{lo}");
        assert!((hi - 0.3662).abs() < 5e-5, "{hi}");
        let (lo, hi) = wilson_interval(0, 100);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.03 && hi < 0.04);
    }

    #[test]
    fn quantile_interval_brackets_the_estimate() {
        let v: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let (lo, hi) = quantile_interval(&v, 0.5);
        let q = quantile_sorted(&v, 0.5);
        assert!(lo < q && q < hi);
        // About ±1.96·√250 ≈ ±31 ranks.
        assert!((hi - lo - 62.0).abs() <= 3.0, "{lo} {hi}");
    }

    #[test]
    fn money_rounds_to_the_unit() {
        assert_eq!(money(Unit::Millions, 12.345_678).to_string(), "12.3457");
        assert_eq!(money(Unit::Pounds, 12.345_678).to_string(), "12.35");
    }
}
