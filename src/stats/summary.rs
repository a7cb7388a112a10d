//! What `summary.json` holds: every figure of a run, with its Monte Carlo uncertainty.
//!
//! Plain data with serde derives; [`super::summarize`] fills it in. Money is exact decimal
//! (rounded to £100 in £m models, to the penny in £ models) so that reports print exactly
//! what the JSON says.

use rust_decimal::Decimal;
use rust_decimal::serde::arbitrary_precision as exact;
use rust_decimal::serde::arbitrary_precision_option as exact_option;
use serde::{Deserialize, Serialize};

use super::estimate::{MIN_BATCHES, batch_means_se, clopper_pearson};

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
    pub(super) fn new(count: u64, n: u64, per_batch: &[(f64, u64)]) -> Self {
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
    /// Batch-means standard error (with fewer than 20 batches, a quarter of the
    /// order-statistic interval's width; absent from a run of one simulated year).
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
    /// Monte Carlo standard error of the mean (batch means; the iid formula with fewer than
    /// 20 batches; absent when it cannot be estimated: a run of one simulated year).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_se: Option<Decimal>,
    /// Standard deviation across simulated years.
    #[serde(with = "exact")]
    pub sd: Decimal,
    /// Monte Carlo standard error of the standard deviation (batch means of each batch's
    /// variance, by the delta method; the normal-theory sd/√(2(n − 1)) with few batches).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sd_se: Option<Decimal>,
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
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_excess_se: Option<Decimal>,
    /// Mean shortfall beyond reserves in the years that breach (absent when none do).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_excess_given_breach: Option<Decimal>,
    /// Its Monte Carlo standard error (absent when no year breaches).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_excess_given_breach_se: Option<Decimal>,
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
    /// Its Monte Carlo standard error.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_se: Option<Decimal>,
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
    /// Its Monte Carlo standard error.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_se: Option<Decimal>,
    /// Least delivered in any simulated year.
    #[serde(with = "exact")]
    pub min: Decimal,
    /// Most delivered in any simulated year.
    #[serde(with = "exact")]
    pub max: Decimal,
    /// 10th percentile of delivery (from a histogram of planned/1000-wide bins, interpolated
    /// inside the bin).
    #[serde(with = "exact")]
    pub p10: Decimal,
    /// Its Monte Carlo standard error (batch means of each batch's P10; with few batches,
    /// a quarter of its order-statistic interval, read off the histogram).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub p10_se: Option<Decimal>,
    /// 90th percentile of delivery (same histogram).
    #[serde(with = "exact")]
    pub p90: Decimal,
    /// Its Monte Carlo standard error, as `p10_se`.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub p90_se: Option<Decimal>,
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
    /// Its Monte Carlo standard error.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_se: Option<Decimal>,
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
    /// Distribution-free 95% interval of the gap's percentile (order statistics).
    #[serde(with = "exact")]
    pub gap_ci95_low: Decimal,
    /// Its upper end.
    #[serde(with = "exact")]
    pub gap_ci95_high: Decimal,
    /// The same interval for the shortfall's percentile.
    #[serde(with = "exact")]
    pub shortfall_ci95_low: Decimal,
    /// Its upper end.
    #[serde(with = "exact")]
    pub shortfall_ci95_high: Decimal,
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
    /// For a group of drivers ranked as one factor (the savings programme's delivery), the
    /// drivers in it; empty for a single driver.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
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
    /// What the report ranks, largest contribution first: every driver outside the savings
    /// programme, and the programme's delivery as one factor (named `[savings]`, its
    /// contribution the sum of its drivers', its own effect that of total delivery in its
    /// lowest and highest tenth), so that savings risk, split over many small drivers, is
    /// not left out.
    #[serde(default)]
    pub factors: Vec<DriverSensitivity>,
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
    /// Its batch-means standard error over those batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_se: Option<f64>,
    /// The `[correlations.NAME]` entry that sets the pair, by its label (absent for a pair
    /// the model leaves at 0 that `--repair-correlation` moved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_by: Option<String>,
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

pub use crate::engine::CHART_BINS;

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
    /// The council's net revenue budget, when the model gives it (`[meta] net_budget`):
    /// reserves and risks are stated as shares of it.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub net_budget: Option<Decimal>,
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
    /// Sampling method (`mc`, `lhs` or `qmc`).
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
    /// The chance of drawing on reserves at all: the shortfall after mitigation is above
    /// zero (the same as `shortfall.p_positive`, named for what a committee asks).
    pub p_drawing_on_reserves: Probability,
    /// S114-level risk.
    pub s114: S114,
    /// Mean mitigation used.
    #[serde(with = "exact")]
    pub mitigation_used: Decimal,
    /// Its Monte Carlo standard error.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mitigation_used_se: Option<Decimal>,
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
    /// The reserves question: the opening usable reserves needed at each confidence
    /// (absent from a summary written before it was computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserves_needed: Option<super::ReservesNeeded>,
    /// The medium term, for a model of several years (absent for one year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium_term: Option<super::MediumTerm>,
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
