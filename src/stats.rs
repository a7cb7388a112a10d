//! The figures of a run: percentiles, probabilities with their intervals, expectations,
//! sensitivity and what an S114-level year looks like.
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
//! - means and percentiles: batch means, the spread of the estimate across the run's
//!   independent batches of 10,000, which is honest for every sampling method;
//! - percentiles also carry a distribution-free 95% interval from order statistics.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::serde::arbitrary_precision as exact;
use rust_decimal::serde::arbitrary_precision_option as exact_option;
use serde::{Deserialize, Serialize};

use crate::engine::{
    BATCH_PERCENTILES, BATCH_SIZE, BatchSummary, RunConfig, RunResult, SAVINGS_BINS,
    SENSITIVITY_BATCHES, SensitivitySums,
};
use crate::model::{Measure, Model, Unit};
use crate::special::beta_quantile;

/// The headline percentiles shown on the terminal and in reports.
pub const HEADLINE_PERCENTILES: [u32; 7] = BATCH_PERCENTILES;

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

/// Sorts a run's values ascending, in place and in parallel on the current rayon pool.
///
/// In place because these columns are the run's only per-iteration memory (4 bytes each):
/// a sort that copies them into keys and a buffer tripled the peak of a long run. The
/// total order makes the result unique, so it does not depend on the thread count.
pub fn sort_in_place(values: &mut [f32]) {
    use rayon::slice::ParallelSliceMut as _;
    values.par_sort_unstable_by(f32::total_cmp);
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
    // In a tiny run the ranks can round past the estimate; the interval always holds it.
    let q = quantile_sorted(sorted, p);
    (f64::from(sorted[lo]).min(q), f64::from(sorted[hi]).max(q))
}

/// The exact (Clopper–Pearson) 95% interval for a binomial proportion k/n: the
/// 2.5% and 97.5% points of Beta(k, n − k + 1) and Beta(k + 1, n − k). It never covers
/// less than 95%, which is what a committee relying on it needs.
pub fn clopper_pearson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (kf, nf) = (k as f64, n as f64);
    let lo = if k == 0 {
        0.0
    } else {
        beta_quantile(kf, nf - kf + 1.0, 0.025)
    };
    let hi = if k == n {
        1.0
    } else {
        beta_quantile(kf + 1.0, nf - kf, 0.975)
    };
    (lo, hi)
}

/// Fewest batches for a batch-means standard error: with fewer, the spread of the batch
/// estimates is itself too uncertain (with 20, the standard error is known to about ±16%).
pub const MIN_BATCHES: usize = 20;

/// Batch-means standard error of an estimate made from batches of possibly unequal size:
/// σ̂² = Σ n_b·(x_b − x̄)² / (k − 1) estimates the variance of one iteration's contribution
/// (a short batch's estimate is noisier in proportion), and the standard error of the
/// weighted mean x̄ is σ̂/√N. `None` with fewer than `min_batches` batches.
pub fn batch_means_se(estimates: &[(f64, u64)], min_batches: usize) -> Option<f64> {
    let k = estimates.len();
    if k < min_batches.max(2) {
        return None;
    }
    let total: f64 = estimates.iter().map(|&(_, n)| n as f64).sum();
    let mean: f64 = estimates.iter().map(|&(x, n)| x * n as f64).sum::<f64>() / total;
    let s2: f64 = estimates
        .iter()
        .map(|&(x, n)| n as f64 * (x - mean).powi(2))
        .sum::<f64>()
        / (k as f64 - 1.0);
    Some((s2 / total).sqrt())
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
    /// Batch-means standard error (for comparison with the interval; smaller than the
    /// binomial one when Latin hypercube sampling helps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_batch_means: Option<f64>,
    /// Simulated years in which it happened.
    pub count: u64,
    /// How the interval was computed.
    pub method: String,
}

impl Probability {
    fn new(count: u64, n: u64, per_batch: &[(f64, u64)]) -> Self {
        let (lo, hi) = clopper_pearson(count, n);
        Probability {
            estimate: count as f64 / n as f64,
            ci95_low: lo,
            ci95_high: hi,
            se_batch_means: batch_means_se(per_batch, MIN_BATCHES),
            count,
            method: "exact binomial (Clopper-Pearson)".into(),
        }
    }
}

/// One percentile with its uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentile {
    /// Which percentile (5 for P5).
    pub p: u32,
    /// Its value, in the model's unit.
    #[serde(with = "exact")]
    pub value: Decimal,
    /// Lower end of its distribution-free 95% interval.
    #[serde(with = "exact")]
    pub ci95_low: Decimal,
    /// Upper end of that interval.
    #[serde(with = "exact")]
    pub ci95_high: Decimal,
    /// Batch-means standard error (absent with a single batch).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub se: Option<Decimal>,
}

/// Summary of one simulated quantity (the gap, or the shortfall after mitigation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Mean: the central estimate.
    #[serde(with = "exact")]
    pub mean: Decimal,
    /// Monte Carlo standard error of the mean (batch means; the iid formula with one batch).
    #[serde(with = "exact")]
    pub mean_se: Decimal,
    /// Standard deviation across simulated years.
    #[serde(with = "exact")]
    pub sd: Decimal,
    /// Smallest simulated value.
    #[serde(with = "exact")]
    pub min: Decimal,
    /// Largest simulated value.
    #[serde(with = "exact")]
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
    #[serde(with = "exact")]
    pub expected_excess: Decimal,
    /// Its Monte Carlo standard error.
    #[serde(with = "exact")]
    pub expected_excess_se: Decimal,
    /// Mean shortfall beyond reserves in the years that breach (absent when none do).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_excess_given_breach: Option<Decimal>,
}

/// Usable reserves and where the figure came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservesInfo {
    /// The threshold used.
    #[serde(with = "exact")]
    pub usable: Decimal,
    /// What the model file says.
    #[serde(with = "exact")]
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
    #[serde(with = "exact")]
    pub planned: Decimal,
    /// Whether it recurs.
    pub recurring: bool,
    /// Expected delivery.
    #[serde(with = "exact")]
    pub expected: Decimal,
}

/// Savings delivered across simulated years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Savings {
    /// Total planned.
    #[serde(with = "exact")]
    pub planned: Decimal,
    /// Mean delivered.
    #[serde(with = "exact")]
    pub mean: Decimal,
    /// Least delivered in any simulated year.
    #[serde(with = "exact")]
    pub min: Decimal,
    /// Most delivered in any simulated year.
    #[serde(with = "exact")]
    pub max: Decimal,
    /// 10th percentile of delivery (from a histogram of planned/1000-wide bins).
    #[serde(with = "exact")]
    pub p10: Decimal,
    /// 90th percentile of delivery (same histogram).
    #[serde(with = "exact")]
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
    #[serde(with = "exact")]
    pub budget: Decimal,
    /// Mean simulated outturn (actual funding; capacity for mitigations).
    #[serde(with = "exact")]
    pub expected: Decimal,
}

/// One row of the full percentile table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PercentileRow {
    /// 1 ..= 99.
    pub p: u32,
    /// Gap at this percentile.
    #[serde(with = "exact")]
    pub gap: Decimal,
    /// Shortfall after mitigation at this percentile.
    #[serde(with = "exact")]
    pub shortfall: Decimal,
}

/// How much one driver moves the gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverSensitivity {
    /// Driver name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// What its values measure: `fraction`, `money`, `months`, `event` or `number`.
    pub measure: String,
    /// Spearman rank correlation with the gap: how closely the gap follows the driver,
    /// including through the drivers correlated with it.
    pub rank_correlation: f64,
    /// Its batch-means standard error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_correlation_se: Option<f64>,
    /// Its contribution to the variance of the gap: slope × Cov(driver, gap) / Var(gap).
    /// The contributions of all drivers add up to [`Sensitivity::explained`]; the
    /// covariance of two correlated drivers is shared between them.
    pub contribution: f64,
    /// Its batch-means standard error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution_se: Option<f64>,
    /// Change in the gap, in the model's unit, per unit of the driver (per 1.0, so per
    /// 100 percentage points of a growth rate), at the drivers' means.
    pub slope: f64,
    /// The driver's mean.
    pub mean_value: f64,
    /// Its mean over its lowest tenth of simulated values.
    pub low_value: f64,
    /// Its mean over its highest tenth.
    pub high_value: f64,
    /// Its own effect on the gap when it is in its lowest tenth, the other drivers at
    /// their means: slope × (low value − mean).
    #[serde(with = "exact")]
    pub low_effect: Decimal,
    /// The same for its highest tenth.
    #[serde(with = "exact")]
    pub high_effect: Decimal,
}

/// What drives the gap, ranked by contribution to its variance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// Iterations it was measured on.
    pub iterations: u64,
    /// Share of the gap's variance that the drivers' own effects account for (the sum of
    /// their contributions); the rest comes from drivers acting together, such as more
    /// clients at a higher unit cost.
    pub explained: f64,
    /// Drivers, largest contribution first.
    pub drivers: Vec<DriverSensitivity>,
}

/// One quantity in the years that breach against all years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// What its values measure: `fraction`, `money`, `months`, `event` or `number`.
    pub measure: String,
    /// Its mean in the years that breach reserves.
    pub breach_mean: f64,
    /// Its mean over all years.
    pub mean: f64,
}

/// What an S114-level year looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    /// Simulated years that breach usable reserves.
    pub years: u64,
    /// Mean gap in those years.
    #[serde(with = "exact")]
    pub mean_gap: Decimal,
    /// Mean mitigation used in those years.
    #[serde(with = "exact")]
    pub mean_mitigation_used: Decimal,
    /// Varying drivers, ordered by how far they move in breach years (in standard
    /// deviations).
    pub drivers: Vec<Shift>,
    /// Each line's mean outturn − budget.
    pub lines: Vec<Shift>,
    /// Each saving's mean delivery.
    pub savings: Vec<Shift>,
    /// Each funding stream's mean actual − budget.
    pub funding: Vec<Shift>,
}

/// One correlated pair: its target and what the run achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairCorrelation {
    /// First driver.
    pub a: String,
    /// Second driver.
    pub b: String,
    /// Target Spearman correlation (after any repair).
    pub target: f64,
    /// Achieved Spearman correlation (mean over the sensitivity batches).
    pub achieved: f64,
}

/// The correlations imposed in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationInfo {
    /// How they were imposed.
    pub method: String,
    /// True when `--repair-correlation` changed the model's matrix.
    pub repaired: bool,
    /// Correlated pairs with a non-zero target.
    pub pairs: Vec<PairCorrelation>,
}

/// One point of a run to a precision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRow {
    /// Iterations so far.
    pub iterations: u64,
    /// P(S114-level) so far.
    pub estimate: f64,
    /// Its 95% interval.
    pub ci95_low: f64,
    /// Its 95% interval.
    pub ci95_high: f64,
    /// The width the stopping rule compared with the target: the interval's width, or the
    /// width it would have at the point of the interval nearest 50%, if larger.
    #[serde(default)]
    pub stop_width: f64,
}

/// A run to a precision: the target and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Convergence {
    /// Target width of the 95% interval of P(S114-level).
    pub target_width: f64,
    /// Whether the target was met before the iteration cap.
    pub reached: bool,
    /// The estimate after each round.
    pub trace: Vec<TraceRow>,
}

/// The distributions of the gap and the shortfall, for charts: a common-bin histogram and a
/// fine grid of quantiles (an exceedance curve is 1 − p against the quantile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distributions {
    /// Left edge of the first bin.
    pub bin_start: f64,
    /// Width of every bin.
    pub bin_width: f64,
    /// Counts of the gap in each bin (values outside the bins are in `gap_outside`).
    pub gap_counts: Vec<u64>,
    /// Counts of the shortfall in each bin.
    pub shortfall_counts: Vec<u64>,
    /// Gap values below / above the binned range.
    pub gap_outside: (u64, u64),
    /// Shortfall values below / above the binned range.
    pub shortfall_outside: (u64, u64),
    /// Probabilities 0.001, 0.002, …, 0.999.
    pub quantile_p: Vec<f64>,
    /// The gap's quantile at each of them.
    pub gap_quantiles: Vec<f64>,
    /// The shortfall's quantile at each of them.
    pub shortfall_quantiles: Vec<f64>,
}

/// Bins of the chart histogram.
pub const CHART_BINS: usize = 80;

fn distributions(gap: &[f32], shortfall: &[f32]) -> Distributions {
    let lo = quantile_sorted(gap, 0.001).min(quantile_sorted(shortfall, 0.001));
    let hi = quantile_sorted(gap, 0.999).max(quantile_sorted(shortfall, 0.999));
    let width = if hi > lo {
        (hi - lo) / CHART_BINS as f64
    } else {
        1.0
    };
    let count = |v: &[f32]| -> (Vec<u64>, (u64, u64)) {
        let mut counts = vec![0u64; CHART_BINS];
        let (mut below, mut above) = (0, 0);
        for &x in v {
            let k = (f64::from(x) - lo) / width;
            if k < 0.0 {
                below += 1;
            } else if k >= CHART_BINS as f64 {
                // The top edge itself belongs to the last bin.
                if f64::from(x) <= hi {
                    counts[CHART_BINS - 1] += 1;
                } else {
                    above += 1;
                }
            } else {
                counts[k as usize] += 1;
            }
        }
        (counts, (below, above))
    };
    let (gap_counts, gap_outside) = count(gap);
    let (shortfall_counts, shortfall_outside) = count(shortfall);
    let quantile_p: Vec<f64> = (1..1000).map(|k| f64::from(k) / 1000.0).collect();
    let round = |x: f64| (x * 1e4).round() / 1e4;
    Distributions {
        bin_start: lo,
        bin_width: width,
        gap_counts,
        shortfall_counts,
        gap_outside,
        shortfall_outside,
        gap_quantiles: quantile_p
            .iter()
            .map(|&p| round(quantile_sorted(gap, p)))
            .collect(),
        shortfall_quantiles: quantile_p
            .iter()
            .map(|&p| round(quantile_sorted(shortfall, p)))
            .collect(),
        quantile_p,
    }
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
    /// Sampling method (`mc` or `lhs`).
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
    #[serde(with = "exact")]
    pub mitigation_used: Decimal,
    /// Savings delivery.
    pub savings: Savings,
    /// Spending lines.
    pub lines: Vec<ItemOutturn>,
    /// Funding streams.
    pub funding: Vec<ItemOutturn>,
    /// Mitigations (capacity).
    pub mitigations: Vec<ItemOutturn>,
    /// What drives the gap.
    pub sensitivity: Sensitivity,
    /// What an S114-level year looks like (absent when no year breaches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<Tail>,
    /// Correlations imposed.
    pub correlation: CorrelationInfo,
    /// For a run to a precision, how it converged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convergence: Option<Convergence>,
    /// P1 … P99 of gap and shortfall.
    pub percentiles: Vec<PercentileRow>,
    /// Histogram and fine quantiles of gap and shortfall, for charts.
    pub distributions: Distributions,
}

/// What the caller knows about a run that the engine does not.
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
    /// Target width of the P(S114-level) interval, for a run to a precision.
    pub precision: Option<f64>,
}

/// Rounds money for reports: to £100 when the unit is £m, to the penny when it is £.
pub fn money(unit: Unit, x: f64) -> Decimal {
    let dp = match unit {
        Unit::Millions => 4,
        Unit::Pounds => 2,
    };
    Decimal::from_f64(x).map_or(Decimal::ZERO, |d| d.round_dp(dp))
}

/// The interval of P(S114-level) reported for a set of batches: (estimate, low, high), the
/// same Clopper–Pearson interval the summary gives.
pub fn s114_interval(batches: &[BatchSummary]) -> (f64, f64, f64) {
    let (k, n) = batches
        .iter()
        .fold((0, 0), |(k, n), b| (k + b.breaches, n + b.n));
    let (lo, hi) = clopper_pearson(k, n);
    (k as f64 / n.max(1) as f64, lo, hi)
}

/// P(S114-level) for a run to a precision: (estimate, low, high, width to stop on).
///
/// The width to stop on is the larger of the interval's width and the width the interval
/// would have if the true chance were the value in the interval nearest 50% (where a
/// binomial interval is widest). Stopping on the observed width alone stops early in runs
/// where the estimate happens to be far from 50% (a rare event seen rarely looks precise),
/// which biases the estimate towards 0 or 1 and lets the true value escape the interval
/// more often than 5% of the time; judging the width at the least favourable value in the
/// interval removes that early stop.
pub fn s114_precision(batches: &[BatchSummary]) -> (f64, f64, f64, f64) {
    let (estimate, low, high) = s114_interval(batches);
    let n = batches.iter().map(|b| b.n).sum::<u64>().max(1) as f64;
    let worst = 0.5_f64.max(low).min(high);
    let at_worst = 2.0 * Z95 * (worst * (1.0 - worst) / n).sqrt();
    (estimate, low, high, (high - low).max(at_worst))
}

fn per_batch(batches: &[BatchSummary], f: impl Fn(&BatchSummary) -> f64) -> Vec<(f64, u64)> {
    batches.iter().map(|b| (f(b), b.n)).collect()
}

struct SpreadInput<'a> {
    sorted: &'a [f32],
    n: u64,
    sum: f64,
    m2: f64,
    positive: u64,
    batch_means: Vec<(f64, u64)>,
    batch_positive: Vec<(f64, u64)>,
    batch_percentiles: Vec<Vec<(f64, u64)>>,
}

fn spread(unit: Unit, s: SpreadInput<'_>) -> Spread {
    let nf = s.n as f64;
    let mean = s.sum / nf;
    let var = s.m2 / (nf - 1.0).max(1.0);
    let m = |x| money(unit, x);
    Spread {
        mean: m(mean),
        mean_se: m(batch_means_se(&s.batch_means, MIN_BATCHES).unwrap_or((var / nf).sqrt())),
        sd: m(var.sqrt()),
        min: m(f64::from(s.sorted[0])),
        max: m(f64::from(s.sorted[s.sorted.len() - 1])),
        percentiles: HEADLINE_PERCENTILES
            .iter()
            .enumerate()
            .map(|(k, &p)| {
                let q = f64::from(p) / 100.0;
                let (lo, hi) = quantile_interval(s.sorted, q);
                Percentile {
                    p,
                    value: m(quantile_sorted(s.sorted, q)),
                    ci95_low: m(lo),
                    ci95_high: m(hi),
                    // With too few batches, a quarter of the order-statistic interval's
                    // width (which spans about ±1.96 standard errors).
                    se: Some(m(batch_means_se(&s.batch_percentiles[k], MIN_BATCHES)
                        .unwrap_or((hi - lo) / (2.0 * Z95)))),
                }
            })
            .collect(),
        p_positive: Probability::new(s.positive, s.n, &s.batch_positive),
    }
}

/// Value below which a share `q` of the histogram's mass lies (bin centre).
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

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Fraction => "fraction",
        Measure::Money => "money",
        Measure::Months => "months",
        Measure::Event => "event",
        Measure::Number => "number",
    }
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
    let batches = &result.batches;
    let n = t.n;
    let nf = n as f64;
    sort_in_place(&mut result.gap);
    sort_in_place(&mut result.shortfall);

    let excess_mean = t.sum_excess / nf;
    let excess_var = t.m2_excess / (nf - 1.0).max(1.0);
    let planned = model.planned_savings();
    let planned_f = f(planned);
    let width = planned_f / SAVINGS_BINS as f64;
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
                sorted: &result.gap,
                n,
                sum: t.sum_gap,
                m2: t.m2_gap,
                positive: t.gap_positive,
                batch_means: per_batch(batches, |b| b.sum_gap / b.n as f64),
                batch_positive: share(|b| b.gap_positive),
                batch_percentiles: batch_pcts(false),
            },
        ),
        shortfall: spread(
            unit,
            SpreadInput {
                sorted: &result.shortfall,
                n,
                sum: t.sum_shortfall,
                m2: t.m2_shortfall,
                positive: t.shortfall_positive,
                batch_means: per_batch(batches, |b| b.sum_shortfall / b.n as f64),
                batch_positive: share(|b| b.shortfall_positive),
                batch_percentiles: batch_pcts(true),
            },
        ),
        s114: S114 {
            probability: Probability::new(t.breaches, n, &share(|b| b.breaches)),
            expected_excess: m(excess_mean),
            expected_excess_se: m(batch_means_se(
                &per_batch(batches, |b| b.sum_excess / b.n as f64),
                MIN_BATCHES,
            )
            .unwrap_or((excess_var / nf).sqrt())),
            mean_excess_given_breach: (t.breaches > 0).then(|| m(t.sum_excess / t.breaches as f64)),
        },
        mitigation_used: m(t.sum_mitigation_used / nf),
        savings: Savings {
            planned,
            mean: m(t.sum_savings / nf),
            min: m(t.min_savings),
            max: m(t.max_savings),
            // Bin centres are within half a bin (0.05% of the programme) of the truth; kept
            // within the simulated range so that P10 never falls below the minimum.
            p10: m(histogram_quantile(&t.savings_histogram, width, 0.1)
                .max(t.min_savings)
                .min(t.max_savings)),
            p90: m(histogram_quantile(&t.savings_histogram, width, 0.9)
                .max(t.min_savings)
                .min(t.max_savings)),
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
        sensitivity: sensitivity(model, batches, t, &result.slopes, unit),
        tail: tail(model, t, unit),
        correlation: correlation_info(model, t),
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
        distributions: distributions(&result.gap, &result.shortfall),
    }
}

fn sensitivity(
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

fn tail(model: &Model, t: &BatchSummary, unit: Unit) -> Option<Tail> {
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

fn correlation_info(model: &Model, t: &BatchSummary) -> CorrelationInfo {
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

fn f(d: Decimal) -> f64 {
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
    fn clopper_pearson_matches_published_values() {
        // Newcombe (1998), Table I, method 5 (exact): 81/263 → 0.2527 to 0.3676;
        // 15/148 → 0.0578 to 0.1617; 0/20 → 0 to 0.1684; 1/29 → 0.0009 to 0.1776.
        for (k, n, lo, hi) in [
            (81, 263, 0.2527, 0.3676),
            (15, 148, 0.0578, 0.1617),
            (0, 20, 0.0, 0.1684),
            (1, 29, 0.0009, 0.1776),
        ] {
            let (a, b) = clopper_pearson(k, n);
            assert!(
                (a - lo).abs() < 5e-5 && (b - hi).abs() < 5e-5,
                "{k}/{n}: {a} {b}"
            );
        }
    }

    #[test]
    fn batch_means_of_equal_batches_is_the_standard_error_of_their_mean() {
        let est = [(1.0, 10), (2.0, 10), (3.0, 10), (4.0, 10)];
        // sd of 1..4 is √(5/3); divided by √4.
        let se = batch_means_se(&est, 2).unwrap();
        assert!((se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12, "{se}");
        assert_eq!(batch_means_se(&est, MIN_BATCHES), None);
    }

    #[test]
    fn a_short_last_batch_does_not_shrink_the_standard_error() {
        // 40 batches of 100 iid N(0, 1) means would have SE 1/√4000. A last batch of one
        // iteration is just one more draw: the SE must stay near 1/√4001, not collapse.
        let mut est: Vec<(f64, u64)> = (0..40)
            .map(|i| (if i % 2 == 0 { 0.1 } else { -0.1 }, 100))
            .collect();
        let full = batch_means_se(&est, MIN_BATCHES).unwrap();
        est.push((1.5, 1));
        let with_short = batch_means_se(&est, MIN_BATCHES).unwrap();
        // Batch means of ±0.1 over 100 draws say σ ≈ 1; the short batch's 1.5 is a typical
        // single draw and barely moves the estimate.
        assert!((full - 1.0 / 4000f64.sqrt()).abs() / full < 0.05, "{full}");
        assert!(
            (with_short / full - 1.0).abs() < 0.1,
            "{with_short} vs {full}"
        );
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
    fn a_precision_run_judges_the_width_at_the_least_favourable_chance() {
        let batch = |n: u64, breaches: u64| {
            let model = crate::model::Model::from_toml(
                "t.toml",
                "[meta]\nname=\"T\"\ncouncil=\"T\"\nyear=\"2024/25\"\nunit=\"£m\"\n\
                 [lines.l]\nkind=\"simple\"\nbase=1\ngrowth=0\nbudget=1\nsource=\"a\"\n\
                 [reserves.r]\nkind=\"general_fund\"\namount=1\nsource=\"a\"\n",
            )
            .unwrap()
            .model;
            let config = RunConfig {
                seed: 1,
                iterations: n,
                reserves: 1.0,
                sampling: crate::sample::Sampling::MonteCarlo,
            };
            let mut r = crate::engine::run(
                &model,
                &config,
                &|_| {},
                &std::sync::atomic::AtomicBool::new(false),
            )
            .unwrap();
            r.batches[0].breaches = breaches;
            r.batches.truncate(1);
            r.batches
        };
        // A rare event seen rarely: the observed interval is narrow, but at its upper end
        // the chance would need a wider one, so the rule waits.
        let b = batch(10_000, 2);
        let (_, low, high, stop) = s114_precision(&b);
        assert!(stop > high - low);
        let at_high = 2.0 * Z95 * (high * (1.0 - high) / 10_000.0).sqrt();
        assert!((stop - at_high.max(high - low)).abs() < 1e-15);
        // Above 50% the least favourable value is the lower end, not the upper.
        let b = batch(10_000, 9_000);
        let (_, low, high, stop) = s114_precision(&b);
        let at_low = 2.0 * Z95 * (low * (1.0 - low) / 10_000.0).sqrt();
        assert!((stop - at_low.max(high - low)).abs() < 1e-15);
        // An interval holding 50% is judged at 50%.
        let b = batch(10_000, 5_000);
        let (_, _, _, stop) = s114_precision(&b);
        assert!(stop >= 2.0 * Z95 * (0.25_f64 / 10_000.0).sqrt() - 1e-15);
    }

    #[test]
    fn money_rounds_to_the_unit() {
        assert_eq!(money(Unit::Millions, 12.345_678).to_string(), "12.3457");
        assert_eq!(money(Unit::Pounds, 12.345_678).to_string(), "12.35");
    }
}
