//! Comparing models on common random numbers: each other model's figures less the base's,
//! with paired batch-means standard errors.
//!
//! Two models run with the same seed, iterations and sampling draw the same values for
//! every driver they share: a driver's stream is keyed by (seed, batch index, its name)
//! ([`crate::sample`]). Batch b of one model and batch b of the other are then the same
//! simulated years as far as the shared drivers go, so the batch's difference Δ_b =
//! figure_other,b − figure_base,b varies far less than two independent runs' figures do.
//! The standard error of a difference is the batch-means one of the Δ_b
//! ([`batch_means_se`]), and its 95% interval uses Student's t on k − 1 degrees of
//! freedom (k batches), so that it holds with few batches too; beside it stands the
//! standard error two independent runs would give, √(SE_base² + SE_other²), each from the
//! model's own batches by the same estimator, and their ratio of variances.
//!
//! The point difference of each figure is the difference of the two summaries' figures,
//! so that "from 3.2% to 1.9%" and "a difference of −1.3 points" always agree. A model
//! compared with itself gives exactly zero in every difference and every standard error.
//!
//! The per-batch figures must be read from a run before [`super::summarize`], which sorts
//! the run's gaps and shortfalls in place ([`batch_figures`]).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::compare_types::{
    ChanceDifference, Comparison, ComparisonRun, Differences, ModelFigures, MoneyDifference,
    VarianceReduction, YearDifferences,
};
use super::estimate::{batch_means_se, t95};
use super::medium::{CONFIDENCES, needed_at};
use super::summary::{Probability, Summary};
use super::{HEADLINE_PERCENTILES, money, uncertainty};
use crate::engine::{BATCH_SIZE, PER_YEAR, RunResult, TOLERANCE};
use crate::model::{Model, Unit, f64_of};

/// Fewest batches for a paired standard error and interval: the interval uses Student's
/// t, so few batches give a wide but honest interval (with 5, t₀.₉₇₅ on 4 degrees of
/// freedom is 2.78); with fewer the spread of the batches is too uncertain to report.
pub const MIN_PAIRED_BATCHES: usize = 5;

/// What the differences and their uncertainty are, in words (for `comparison.json`).
pub const METHOD: &str = "every model is run with the same seed, iterations, sampling and \
     batches of 10,000, so drivers the models share draw the same values (common random \
     numbers); each difference is the other model's figure less the base's, with the \
     batch-means standard error of the per-batch differences and a 95% interval from \
     Student's t on (batches - 1) degrees of freedom; the independent-runs standard error \
     is the root sum of squares of each model's own batch-means standard error, and the \
     variance reduction is its square over the paired one's";

/// One batch's figures of one model, read before the run is summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchFigures {
    /// Iterations in the batch.
    pub n: u64,
    /// The model's budget scale (the sum of its first year's lines' budgets, savings and
    /// funding streams, as the engine's tolerance is set): a paired error in money below
    /// [`TOLERANCE`] of it is rounding, not uncertainty.
    pub scale: f64,
    /// Its mean gap (the first year's).
    pub mean_gap: f64,
    /// Its own percentiles of the gap, at [`HEADLINE_PERCENTILES`].
    pub gap_percentiles: Vec<f64>,
    /// Its share of years drawing on reserves (the first year's).
    pub p_drawing: f64,
    /// Its share of paths with an S114-level year (over the horizon).
    pub p_s114: f64,
    /// Its own reserves needed at [`CONFIDENCES`]: `None` when the run streamed, keeping
    /// no per-batch values.
    pub reserves_needed: Option<Vec<f64>>,
    /// Per year of a plan of several years (empty for one year).
    pub years: Vec<YearBatch>,
}

/// One year's figures in one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearBatch {
    /// The year's mean gap.
    pub mean_gap: f64,
    /// Its share of paths S114-level in the year.
    pub s114: f64,
    /// Its share of paths with an S114-level year at or before it.
    pub by_now: f64,
}

/// Why models cannot be compared.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// Their amounts are in different units.
    #[error(
        "{other} is in {other_unit} but {base} is in {base_unit}: models compared must share \
         a unit, so that their differences are amounts of money; rewrite one in the other's unit"
    )]
    Unit {
        /// The base's label.
        base: String,
        /// Its unit.
        base_unit: String,
        /// The other model's label.
        other: String,
        /// Its unit.
        other_unit: String,
    },
    /// They span different years.
    #[error(
        "{other} spans {other_years} but {base} spans {base_years}: models compared must \
         cover the same years, so that each year's figures pair up"
    )]
    Years {
        /// The base's label.
        base: String,
        /// Its years, in words.
        base_years: String,
        /// The other model's label.
        other: String,
        /// Its years, in words.
        other_years: String,
    },
    /// They were not run alike, so their random numbers are not common.
    #[error(
        "{other} was run with {what} different from {base}'s: the differences are paired only \
         when every model runs with the same seed, iterations and sampling"
    )]
    Settings {
        /// The base's label.
        base: String,
        /// The other model's label.
        other: String,
        /// Which setting differs.
        what: &'static str,
    },
}

/// "2024/25", or "3 years, 2024/25 to 2026/27".
fn years_in_words(years: &[String]) -> String {
    match years {
        [one] => one.clone(),
        _ => format!("{} years, {}", years.len(), super::medium::period(years)),
    }
}

/// Checks that `other` can be compared with `base` (labels for messages): the same unit
/// and the same years.
///
/// # Errors
/// [`CompareError::Unit`] or [`CompareError::Years`].
pub fn comparable(base: (&str, &Model), other: (&str, &Model)) -> Result<(), CompareError> {
    let (b, o) = (base.1, other.1);
    if b.meta.unit != o.meta.unit {
        return Err(CompareError::Unit {
            base: base.0.into(),
            base_unit: b.meta.unit.symbol().into(),
            other: other.0.into(),
            other_unit: o.meta.unit.symbol().into(),
        });
    }
    if b.horizon.years != o.horizon.years {
        return Err(CompareError::Years {
            base: base.0.into(),
            base_years: years_in_words(&b.horizon.years),
            other: other.0.into(),
            other_years: years_in_words(&o.horizon.years),
        });
    }
    Ok(())
}

/// Each batch's figures of a run of `model`, in batch order. Call it before
/// [`super::summarize`], which sorts the run's gaps and shortfalls in place (the kept
/// paths of a plan of several years are not sorted).
pub fn batch_figures(model: &Model, result: &RunResult) -> Vec<BatchFigures> {
    let needed = batch_reserves_needed(model, result);
    let scale: f64 = model
        .lines
        .iter()
        .map(|l| f64_of(l.budget).abs())
        .sum::<f64>()
        + model
            .savings
            .iter()
            .map(|s| f64_of(s.amount).abs())
            .sum::<f64>()
        + model
            .funding
            .iter()
            .map(|fu| f64_of(fu.budget).abs())
            .sum::<f64>();
    result
        .batches
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let n = b.n.max(1) as f64;
            BatchFigures {
                n: b.n,
                scale,
                mean_gap: b.sum_gap / n,
                gap_percentiles: b.gap_percentiles.clone(),
                p_drawing: b.shortfall_positive as f64 / n,
                p_s114: b.horizon_breaches as f64 / n,
                reserves_needed: needed.as_ref().and_then(|v| v.get(k).cloned()),
                years: b
                    .years
                    .iter()
                    .map(|y| YearBatch {
                        mean_gap: y.gap.sum / y.gap.n.max(1) as f64,
                        s114: y.breaches as f64 / n,
                        by_now: y.by_now as f64 / n,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Each batch's own reserves needed at [`CONFIDENCES`], read as the summary reads the
/// run's ([`needed_at`]): from a one-year run's shortfalls less the year's planned
/// movement, or a multi-year run's kept paths. `None` when the run kept no values.
fn batch_reserves_needed(model: &Model, result: &RunResult) -> Option<Vec<Vec<f64>>> {
    let (values, planned) = if result.years > 1 {
        (result.path_values(PER_YEAR * result.years), 0.0)
    } else {
        (
            result.shortfall.clone(),
            f64_of(model.horizon.planned_reserves[0]),
        )
    };
    if values.is_empty() || values.len() as u64 != result.total.n {
        return None;
    }
    Some(
        values
            .chunks(BATCH_SIZE)
            .map(|chunk| {
                let mut sorted = chunk.to_vec();
                sorted.sort_unstable_by(f64::total_cmp);
                CONFIDENCES
                    .iter()
                    .map(|&c| (needed_at(&sorted[..], f64::from(c) / 100.0).0 - planned).max(0.0))
                    .collect()
            })
            .collect(),
    )
}

/// One model as the comparison sees it: its label, summary and per-batch figures.
#[derive(Debug, Clone, Copy)]
pub struct Compared<'a> {
    /// The label shown in outputs.
    pub label: &'a str,
    /// Its summary.
    pub summary: &'a Summary,
    /// Its per-batch figures ([`batch_figures`]).
    pub batches: &'a [BatchFigures],
}

/// The uncertainty of one difference, in f64.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Paired {
    se: Option<f64>,
    /// Half the 95% interval's width: t₀.₉₇₅(k − 1) · se.
    half: Option<f64>,
    independent: Option<f64>,
    reduction: Option<VarianceReduction>,
}

/// The paired and independent standard errors of a figure read from each batch by `f`
/// (`None` from a batch: no standard error); `money` for an amount, whose rounding noise
/// is not counted as uncertainty.
fn paired(
    base: &[BatchFigures],
    other: &[BatchFigures],
    money: bool,
    f: &dyn Fn(&BatchFigures) -> Option<f64>,
) -> Paired {
    let series = |bs: &[BatchFigures]| -> Option<Vec<(f64, u64)>> {
        bs.iter().map(|b| f(b).map(|x| (x, b.n))).collect()
    };
    let (Some(b), Some(o)) = (series(base), series(other)) else {
        return Paired {
            se: None,
            half: None,
            independent: None,
            reduction: None,
        };
    };
    let paired_ok = b.len() == o.len() && b.iter().zip(&o).all(|(x, y)| x.1 == y.1);
    let delta: Vec<(f64, u64)> = b.iter().zip(&o).map(|(x, y)| (y.0 - x.0, x.1)).collect();
    // Rounding noise is no uncertainty: the per-batch differences of a line budgeted
    // lower by d are d only to the last bits of sums over a budget of billions, so a
    // paired error in money below a billionth of the budget's scale (the engine's
    // tolerance, £3 for Kent) is zero.
    let scale = if money {
        base.iter()
            .chain(other)
            .map(|x| x.scale)
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let se = if paired_ok {
        batch_means_se(&delta, MIN_PAIRED_BATCHES)
            .map(|s| if s <= TOLERANCE * scale { 0.0 } else { s })
    } else {
        None
    };
    let independent = match (
        batch_means_se(&b, MIN_PAIRED_BATCHES),
        batch_means_se(&o, MIN_PAIRED_BATCHES),
    ) {
        (Some(x), Some(y)) => Some(x.hypot(y)),
        _ => None,
    };
    let reduction = match (se, independent) {
        (Some(0.0), Some(_)) => Some(VarianceReduction::Exact),
        (Some(p), Some(i)) => Some(VarianceReduction::Factor((i / p).powi(2))),
        _ => None,
    };
    Paired {
        se,
        half: se.map(|s| t95((delta.len() - 1) as f64) * s),
        independent,
        reduction,
    }
}

/// The difference of two money figures with its uncertainty.
fn money_difference(
    unit: Unit,
    figure: String,
    (base, other): (Decimal, Decimal),
    p: Paired,
) -> MoneyDifference {
    let difference = (other - base).normalize();
    let centre = difference.to_f64().unwrap_or(0.0);
    let end = |sign: f64| {
        p.half.map(|h| {
            if h == 0.0 {
                difference
            } else {
                money(unit, centre + sign * h).normalize()
            }
        })
    };
    MoneyDifference {
        figure,
        base,
        other,
        difference,
        se_paired: p.se.map(uncertainty),
        ci95_low: end(-1.0),
        ci95_high: end(1.0),
        se_independent: p.independent.map(uncertainty),
        variance_reduction: p.reduction,
    }
}

/// The difference of two chances with its uncertainty.
fn chance_difference(figure: &str, (base, other): (f64, f64), p: Paired) -> ChanceDifference {
    let difference = other - base;
    ChanceDifference {
        figure: figure.into(),
        base,
        other,
        difference,
        se_paired: p.se,
        ci95_low: p.half.map(|h| difference - h),
        ci95_high: p.half.map(|h| difference + h),
        se_independent: p.independent,
        variance_reduction: p.reduction,
    }
}

/// The chance of an S114-level shortfall a comparison reports: over the horizon for a
/// plan of several years, else the year's.
pub fn headline_s114(s: &Summary) -> &Probability {
    s.medium_term
        .as_ref()
        .map_or(&s.s114.probability, |m| &m.s114_any_year)
}

/// The years a summary spans.
fn years_of(s: &Summary) -> Vec<String> {
    s.medium_term.as_ref().map_or_else(
        || vec![s.model.year.clone()],
        |m| m.years.iter().map(|y| y.year.clone()).collect(),
    )
}

/// The reserves needed at confidence `c` in a summary.
fn needed_in(s: &Summary, c: u32) -> Option<Decimal> {
    s.reserves_needed
        .as_ref()?
        .levels
        .iter()
        .find(|l| l.confidence == c)
        .map(|l| l.amount)
}

/// A model's headline figures.
fn figures(c: &Compared<'_>) -> ModelFigures {
    let s = c.summary;
    let pct = |p: u32| {
        s.gap
            .percentiles
            .iter()
            .find(|q| q.p == p)
            .map_or(Decimal::ZERO, |q| q.value)
    };
    ModelFigures {
        label: c.label.into(),
        name: s.model.name.clone(),
        file: s.model.file.clone(),
        sha256: s.model.sha256.clone(),
        reserves: s.reserves.usable,
        mean_gap: s.gap.mean,
        mean_gap_se: s.gap.mean_se,
        p50: pct(50),
        p90: pct(90),
        p_drawing: s.p_drawing_on_reserves.clone(),
        p_s114: headline_s114(s).clone(),
        reserves_needed_95: needed_in(s, 95),
        central: None,
    }
}

/// Refuses a pair of models that were not run alike or do not describe the same years
/// in the same unit.
fn check_pair(base: &Compared<'_>, other: &Compared<'_>) -> Result<(), CompareError> {
    let (b, o) = (base.summary, other.summary);
    let labels = || (base.label.to_string(), other.label.to_string());
    let differs = |what| {
        let (base, other) = labels();
        Err(CompareError::Settings { base, other, what })
    };
    if b.run.seed != o.run.seed {
        return differs("a seed");
    }
    if b.run.iterations != o.run.iterations || base.batches.len() != other.batches.len() {
        return differs("a number of iterations");
    }
    if b.run.sampling != o.run.sampling {
        return differs("a sampling method");
    }
    if b.model.unit != o.model.unit {
        let (base, other) = labels();
        return Err(CompareError::Unit {
            base,
            base_unit: b.model.unit.clone(),
            other,
            other_unit: o.model.unit.clone(),
        });
    }
    let (by, oy) = (years_of(b), years_of(o));
    if by != oy {
        let (base, other) = labels();
        return Err(CompareError::Years {
            base,
            base_years: years_in_words(&by),
            other,
            other_years: years_in_words(&oy),
        });
    }
    Ok(())
}

/// One other model's differences from the base.
fn differences(unit: Unit, base: &Compared<'_>, other: &Compared<'_>) -> Differences {
    let (b, o) = (base.summary, other.summary);
    let pair = |money: bool, f: &dyn Fn(&BatchFigures) -> Option<f64>| {
        paired(base.batches, other.batches, money, f)
    };
    let gap_percentiles = HEADLINE_PERCENTILES
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let at = |s: &Summary| s.gap.percentiles.get(k).map_or(Decimal::ZERO, |q| q.value);
            money_difference(
                unit,
                format!("gap_p{p}"),
                (at(b), at(o)),
                pair(true, &|x| x.gap_percentiles.get(k).copied()),
            )
        })
        .collect();
    let reserves_needed = CONFIDENCES
        .iter()
        .enumerate()
        .filter_map(|(k, &c)| {
            let values = (needed_in(b, c)?, needed_in(o, c)?);
            let p = pair(true, &|x| {
                x.reserves_needed.as_ref().and_then(|r| r.get(k).copied())
            });
            Some(money_difference(
                unit,
                format!("reserves_needed_{c}"),
                values,
                p,
            ))
        })
        .collect();
    Differences {
        label: other.label.into(),
        mean_gap: money_difference(
            unit,
            "mean_gap".into(),
            (b.gap.mean, o.gap.mean),
            pair(true, &|x| Some(x.mean_gap)),
        ),
        gap_percentiles,
        p_drawing: chance_difference(
            "p_drawing",
            (
                b.p_drawing_on_reserves.estimate,
                o.p_drawing_on_reserves.estimate,
            ),
            pair(false, &|x| Some(x.p_drawing)),
        ),
        p_s114: chance_difference(
            "p_s114",
            (headline_s114(b).estimate, headline_s114(o).estimate),
            pair(false, &|x| Some(x.p_s114)),
        ),
        reserves_needed,
        years: year_differences(unit, base, other),
    }
}

/// Each year's differences, for a plan of several years.
fn year_differences(unit: Unit, base: &Compared<'_>, other: &Compared<'_>) -> Vec<YearDifferences> {
    let (Some(bm), Some(om)) = (&base.summary.medium_term, &other.summary.medium_term) else {
        return Vec::new();
    };
    let pair = |money: bool, f: &dyn Fn(&BatchFigures) -> Option<f64>| {
        paired(base.batches, other.batches, money, f)
    };
    bm.years
        .iter()
        .zip(&om.years)
        .enumerate()
        .map(|(t, (by, oy))| YearDifferences {
            year: by.year.clone(),
            mean_gap: money_difference(
                unit,
                "mean_gap".into(),
                (by.gap.mean, oy.gap.mean),
                pair(true, &|x| x.years.get(t).map(|y| y.mean_gap)),
            ),
            p_s114_in_year: chance_difference(
                "p_s114_in_year",
                (by.s114.estimate, oy.s114.estimate),
                pair(false, &|x| x.years.get(t).map(|y| y.s114)),
            ),
            p_s114_by_year: chance_difference(
                "p_s114_by_year",
                (by.s114_by_now.estimate, oy.s114_by_now.estimate),
                pair(false, &|x| x.years.get(t).map(|y| y.by_now)),
            ),
        })
        .collect()
}

/// Compares each of `others` with `base`.
///
/// # Errors
/// [`CompareError`] when a model was run with other settings than the base, or is in
/// another unit, or spans other years.
pub fn compare(base: &Compared<'_>, others: &[Compared<'_>]) -> Result<Comparison, CompareError> {
    for o in others {
        check_pair(base, o)?;
    }
    let s = base.summary;
    let unit = if s.model.unit == Unit::Pounds.symbol() {
        Unit::Pounds
    } else {
        Unit::Millions
    };
    Ok(Comparison {
        run: ComparisonRun {
            program: s.run.program.clone(),
            seed: s.run.seed,
            iterations: s.run.iterations,
            batch_size: s.run.batch_size,
            batches: s.run.batches,
            sampling: s.run.sampling.clone(),
            unit: s.model.unit.clone(),
            years: years_of(s),
            method: METHOD.into(),
        },
        models: std::iter::once(base).chain(others).map(figures).collect(),
        differences: others.iter().map(|o| differences(unit, base, o)).collect(),
    })
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
