//! What `comparison.json` holds: the models compared on common random numbers, their
//! headline figures, and each model's paired differences from the base.
//!
//! Plain data with serde derives; [`super::compare::compare`] fills it in. Money is exact
//! decimal, as in `summary.json` (rounded to £100 in £m models, to the penny in £ models;
//! standard errors to four significant figures); probabilities are shares in [0, 1].

use rust_decimal::Decimal;
use rust_decimal::serde::arbitrary_precision as exact;
use rust_decimal::serde::arbitrary_precision_option as exact_option;
use serde::{Deserialize, Serialize};

use super::summary::Probability;

/// How the models were run: the same for every model, which is what pairs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRun {
    /// Program name and version.
    pub program: String,
    /// Seed of every model's random streams.
    pub seed: u64,
    /// Simulated years (paths) of each model.
    pub iterations: u64,
    /// Iterations per batch.
    pub batch_size: u64,
    /// Batches of each model: the paired standard errors' degrees of freedom are one
    /// fewer.
    pub batches: u64,
    /// Sampling method (`mc`, `lhs` or `qmc`).
    pub sampling: String,
    /// The unit of money of every model.
    pub unit: String,
    /// The years every model spans.
    pub years: Vec<String>,
    /// How the differences and their uncertainty were computed, in words.
    pub method: String,
}

/// One model's identity and headline figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFigures {
    /// The label shown in outputs (the file, or the scenario's name).
    pub label: String,
    /// The model's `[meta] name`.
    pub name: String,
    /// The model file as given.
    pub file: String,
    /// SHA-256 of the model's text.
    pub sha256: String,
    /// The usable reserves used as its S114-level threshold.
    #[serde(with = "exact")]
    pub reserves: Decimal,
    /// Mean gap before mitigation (the first year's, for a plan of several years).
    #[serde(with = "exact")]
    pub mean_gap: Decimal,
    /// Its Monte Carlo standard error.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_gap_se: Option<Decimal>,
    /// The gap's median.
    #[serde(with = "exact")]
    pub p50: Decimal,
    /// The gap's 90th percentile.
    #[serde(with = "exact")]
    pub p90: Decimal,
    /// The chance of drawing on reserves (the first year's).
    pub p_drawing: Probability,
    /// The chance of an S114-level shortfall (over the horizon, for a plan of several
    /// years), with its 95% interval.
    pub p_s114: Probability,
    /// The opening usable reserves needed for 95% confidence of no S114-level year.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reserves_needed_95: Option<Decimal>,
    /// The first year with every driver at its mean (for stress cases: what a budget on
    /// central estimates expects, beside the distribution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub central: Option<CentralFigures>,
}

/// The first year's outcome with every driver at its mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentralFigures {
    /// The gap before mitigation.
    #[serde(with = "exact")]
    pub gap: Decimal,
    /// The shortfall after mitigation.
    #[serde(with = "exact")]
    pub shortfall: Decimal,
    /// Whether that shortfall is S114-level.
    pub s114_level: bool,
}

/// How much pairing narrowed a difference's uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "factor")]
pub enum VarianceReduction {
    /// Independent-runs variance ÷ paired variance.
    Factor(f64),
    /// The paired standard error is zero: on these random numbers the difference is
    /// exact (the figure does not depend on anything the models do not share).
    Exact,
}

/// A difference in money from the base: other − base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyDifference {
    /// Which figure (`mean_gap`, `gap_p50`, `reserves_needed_95`, …).
    pub figure: String,
    /// The base model's figure.
    #[serde(with = "exact")]
    pub base: Decimal,
    /// This model's figure.
    #[serde(with = "exact")]
    pub other: Decimal,
    /// This model's figure less the base's.
    #[serde(with = "exact")]
    pub difference: Decimal,
    /// The paired (common random numbers) batch-means standard error of the difference.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub se_paired: Option<Decimal>,
    /// Lower end of its 95% interval (Student's t on the batches' degrees of freedom).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ci95_low: Option<Decimal>,
    /// Upper end of that interval.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ci95_high: Option<Decimal>,
    /// The standard error two independent runs would give: √(SE_base² + SE_other²).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub se_independent: Option<Decimal>,
    /// Independent variance ÷ paired variance (absent when either is unknown, or both
    /// are zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variance_reduction: Option<VarianceReduction>,
}

/// A difference in a probability from the base: other − base, as a share (0.01 is one
/// percentage point).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChanceDifference {
    /// Which figure (`p_s114`, `p_drawing`, …).
    pub figure: String,
    /// The base model's chance.
    pub base: f64,
    /// This model's chance.
    pub other: f64,
    /// This model's chance less the base's.
    pub difference: f64,
    /// The paired batch-means standard error of the difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_paired: Option<f64>,
    /// Lower end of its 95% interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95_low: Option<f64>,
    /// Upper end of that interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95_high: Option<f64>,
    /// The standard error two independent runs would give.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_independent: Option<f64>,
    /// Independent variance ÷ paired variance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variance_reduction: Option<VarianceReduction>,
}

/// One year's differences, for a plan of several years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearDifferences {
    /// The year's label.
    pub year: String,
    /// The year's mean gap.
    pub mean_gap: MoneyDifference,
    /// The chance the year is S114-level.
    pub p_s114_in_year: ChanceDifference,
    /// The chance of an S114-level year at or before this one.
    pub p_s114_by_year: ChanceDifference,
}

/// One model's differences from the base, paired on common random numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Differences {
    /// The model's label.
    pub label: String,
    /// The mean gap.
    pub mean_gap: MoneyDifference,
    /// The gap's percentiles (P5 … P95).
    pub gap_percentiles: Vec<MoneyDifference>,
    /// The chance of drawing on reserves.
    pub p_drawing: ChanceDifference,
    /// The chance of an S114-level shortfall (over the horizon).
    pub p_s114: ChanceDifference,
    /// The reserves needed at each confidence (80, 90, 95, 99%).
    pub reserves_needed: Vec<MoneyDifference>,
    /// Per year, for a plan of several years (empty for one year).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<YearDifferences>,
}

impl Differences {
    /// The money difference named `figure`, if there is one.
    pub fn money(&self, figure: &str) -> Option<&MoneyDifference> {
        std::iter::once(&self.mean_gap)
            .chain(&self.gap_percentiles)
            .chain(&self.reserves_needed)
            .find(|d| d.figure == figure)
    }
}

/// Several models compared with a base on common random numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// How they were run.
    pub run: ComparisonRun,
    /// Every model, the base first.
    pub models: Vec<ModelFigures>,
    /// Each other model's differences from the base, in the order of `models[1..]`.
    pub differences: Vec<Differences>,
}
