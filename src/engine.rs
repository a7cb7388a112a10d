//! The simulation: fixed batches of iterations, run in parallel, merged in batch order.
//!
//! A run of N iterations is cut into batches of [`BATCH_SIZE`] (the last one shorter).
//! Batch `b` depends only on (model, seed, b): its drivers draw from streams seeded by
//! (seed, b, driver name) (see [`crate::sample`]), correlations are imposed within the
//! batch, it is evaluated column-wise into its own slice of the output, and its running sums
//! are kept apart. Merging walks the batches in index order, so the figures are
//! bit-identical whatever the thread count, and a run split across machines by batch ranges
//! merges into the same figures.
//!
//! Memory: the gap and the shortfall of every iteration are kept as `f64` (16 bytes per
//! iteration) so that exact percentiles can be taken and agree with the mean, minimum and
//! maximum at any amount a model can hold; everything else is a fixed-size running sum per
//! batch. Scratch space is one batch of driver columns per thread.
//!
//! This module does no I/O. Progress and cancellation come in through arguments.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::correlation::{pearson, ranks, sort_floats};
use crate::model::{DriverId, LineKind, Model};
use crate::sample::{Sampler, Sampling};

/// Iterations per batch. Part of the definition of a run's random numbers: changing it
/// changes results, so it is fixed rather than tuned to the machine.
pub const BATCH_SIZE: usize = 10_000;

/// Bins of the histogram of savings delivered (over 0 .. planned total).
pub const SAVINGS_BINS: usize = 1000;

/// Sensitivity (rank correlations, tornado effects) is measured on the first this many
/// batches (100,000 iterations): enough to rank drivers (the standard error of a rank
/// correlation is then about 0.003) at a fixed, small cost, and the same set of iterations
/// whatever the run's length.
pub const SENSITIVITY_BATCHES: u64 = 10;

/// `--precision` runs checks whether it has converged after every this many batches.
pub const ROUND_BATCHES: u64 = 10;

/// The largest gap, in the model's unit, that the engine accepts: far beyond any budget,
/// and small enough that every figure derived from it converts exactly to a decimal.
pub const LARGEST: f64 = 1e20;

/// Amounts that differ by less than this fraction of the budget's scale (the sum of every
/// line's budget, saving and funding stream) count as equal when the engine asks whether a
/// gap is positive or a shortfall exceeds reserves: £3 for Kent, whose lines, savings and
/// funding add up to about £3.1bn (a billionth of the scale). Without it,
/// a model whose shortfall equals its reserves exactly in decimals (a deterministic one)
/// would breach or not by the last bit of binary rounding.
pub const TOLERANCE: f64 = 1e-9;

/// The most iterations a run may have: 16 bytes each ([`BYTES_PER_ITERATION`]), so 16 GB
/// of results.
pub const MAX_ITERATIONS: u64 = 1_000_000_000;

/// Memory kept for every simulated year: its gap and its shortfall, as `f64`. (`f32`, 8
/// bytes, kept only 7 significant digits: on a £ model of 10^14 the mean then fell outside
/// the range of the stored values and percentiles disagreed with it.)
pub const BYTES_PER_ITERATION: u64 = 16;

/// Percentiles estimated per batch, for batch-means standard errors.
pub const BATCH_PERCENTILES: [u32; 7] = [5, 10, 25, 50, 75, 90, 95];

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of simulated years (the cap, in a run to a precision).
    pub iterations: u64,
    /// Usable reserves, in the model's unit: the S114-level threshold.
    pub reserves: f64,
    /// How uniform inputs are chosen.
    pub sampling: Sampling,
}

/// Why a run stopped without results.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The caller asked the run to stop.
    #[error("the run was interrupted")]
    Cancelled,
    /// An iteration produced NaN or infinity (an overflow from an extreme distribution).
    #[error(
        "simulated year {} gave {item} an amount that is not a finite number or is beyond \
         10^20 in the model's unit: the distributions it uses allow values too extreme to \
         compute with (a product of several wide drivers can overflow); narrow them (for a \
         lognormal, bring p90 closer to the median) or bound them with `min` and `max`",
        .iteration + 1
    )]
    NotFinite {
        /// Index of the first such iteration (the earliest in batch order).
        iteration: u64,
        /// What went out of range, in words ("the line `older_people`").
        item: String,
    },
    /// Nothing to run.
    #[error("the number of iterations must be at least 1")]
    NoIterations,
    /// More iterations than a run may have.
    #[error(
        "{iterations} simulated years is more than a run may have: at most 1,000,000,000 \
         (10^9), whose results need {} GB of memory; use --precision to stop once the \
         answer is precise enough",
        MAX_ITERATIONS * BYTES_PER_ITERATION / 1_000_000_000
    )]
    TooMany {
        /// Iterations asked for.
        iterations: u64,
    },
    /// The memory for the results could not be allocated.
    #[error(
        "the memory for the results of {iterations} simulated years ({:.1} GB, {} bytes \
         each) could not be allocated; run fewer simulated years, or on a machine with more \
         free memory",
        *iterations as f64 * BYTES_PER_ITERATION as f64 / 1e9,
        BYTES_PER_ITERATION
    )]
    OutOfMemory {
        /// Iterations asked for.
        iterations: u64,
    },
    /// The model's correlations cannot be imposed.
    #[error("the correlations cannot be imposed")]
    Correlation(#[from] crate::correlation::CorrelationError),
}

/// Sums for sensitivity, from the first [`SENSITIVITY_BATCHES`] batches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensitivitySums {
    /// Iterations measured.
    pub n: u64,
    /// Per driver: Σ over batches of (Spearman correlation with the gap × batch size).
    pub spearman: Vec<f64>,
    /// Per driver: Σ of its values.
    pub driver_sum: Vec<f64>,
    /// Per driver: Σ (value − mean)(gap − mean gap), merged with Chan's formula.
    pub comoment: Vec<f64>,
    /// Per driver: Σ of its lowest tenth of values in each batch (the ⌊n/10⌋ smallest,
    /// so ties, as in a yes/no driver, count exactly a tenth).
    pub low_sum: Vec<f64>,
    /// Per driver: Σ of its highest tenth of values in each batch.
    pub high_sum: Vec<f64>,
    /// Values in each driver's lowest (and highest) tenth, over the batches.
    pub tenth_n: u64,
    /// Σ gap over the measured iterations.
    pub gap: f64,
    /// Σ (gap − mean gap)² over the measured iterations.
    pub m2_gap: f64,
    /// For each pair (i < j) of the model's correlated drivers, in row order: Σ over
    /// batches of (achieved Spearman correlation × batch size).
    pub pairs: Vec<f64>,
}

impl SensitivitySums {
    fn new(drivers: usize, correlated: usize) -> Self {
        SensitivitySums {
            spearman: vec![0.0; drivers],
            driver_sum: vec![0.0; drivers],
            comoment: vec![0.0; drivers],
            low_sum: vec![0.0; drivers],
            high_sum: vec![0.0; drivers],
            pairs: vec![0.0; correlated * correlated.saturating_sub(1) / 2],
            ..SensitivitySums::default()
        }
    }

    fn merge(&mut self, o: &SensitivitySums) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            // Nothing measured yet (and the vectors may be unallocated): the sums are o's.
            self.clone_from(o);
            return;
        }
        {
            let (na, nb) = (self.n as f64, o.n as f64);
            let weight = na * nb / (na + nb);
            let dg = o.gap / nb - self.gap / na;
            for ((c, oc), (sx, ox)) in self
                .comoment
                .iter_mut()
                .zip(&o.comoment)
                .zip(self.driver_sum.iter().zip(&o.driver_sum))
            {
                *c += oc + (ox / nb - sx / na) * dg * weight;
            }
        }
        self.m2_gap = chan(self.n, self.gap, self.m2_gap, o.n, o.gap, o.m2_gap);
        self.n += o.n;
        self.gap += o.gap;
        self.tenth_n += o.tenth_n;
        add(&mut self.pairs, &o.pairs);
        add(&mut self.spearman, &o.spearman);
        add(&mut self.driver_sum, &o.driver_sum);
        add(&mut self.low_sum, &o.low_sum);
        add(&mut self.high_sum, &o.high_sum);
    }
}

/// Running sums of one batch. Merged in batch order to give the run's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSummary {
    /// Iterations in the batch.
    pub n: u64,
    /// Σ gap.
    pub sum_gap: f64,
    /// Σ (gap − batch mean)²: merged with Chan's formula, which keeps its precision when
    /// the mean is large against the spread (Σx² − n·x̄² does not).
    pub m2_gap: f64,
    /// Σ shortfall after mitigation.
    pub sum_shortfall: f64,
    /// Σ (shortfall − batch mean)², as `m2_gap`.
    pub m2_shortfall: f64,
    /// Iterations with a gap above the tolerance ([`TOLERANCE`]).
    pub gap_positive: u64,
    /// Iterations with a shortfall above the tolerance.
    pub shortfall_positive: u64,
    /// Iterations whose shortfall exceeds usable reserves by more than the tolerance
    /// (S114-level).
    pub breaches: u64,
    /// Σ (shortfall − reserves) over the iterations that breach.
    pub sum_excess: f64,
    /// Σ (excess − batch mean excess)², as `m2_gap`.
    pub m2_excess: f64,
    /// Σ savings delivered.
    pub sum_savings: f64,
    /// Σ (savings delivered − batch mean)², as `m2_gap`.
    pub m2_savings: f64,
    /// Smallest savings delivered in an iteration.
    pub min_savings: f64,
    /// Largest savings delivered in an iteration.
    pub max_savings: f64,
    /// Counts of savings delivered in [`SAVINGS_BINS`] equal bins over 0 .. planned.
    pub savings_histogram: Vec<u32>,
    /// Σ outturn of each spending line.
    pub line_outturn: Vec<f64>,
    /// Σ (outturn − batch mean)² of each spending line, as `m2_gap`.
    pub line_m2: Vec<f64>,
    /// Σ delivery of each saving.
    pub saving_delivered: Vec<f64>,
    /// Σ (delivery − batch mean)² of each saving.
    pub saving_m2: Vec<f64>,
    /// Σ actual of each funding stream.
    pub funding_actual: Vec<f64>,
    /// Σ (actual − batch mean)² of each funding stream.
    pub funding_m2: Vec<f64>,
    /// Σ capacity of each mitigation.
    pub mitigation_capacity: Vec<f64>,
    /// Σ (capacity − batch mean)² of each mitigation.
    pub mitigation_m2: Vec<f64>,
    /// Σ mitigation used.
    pub sum_mitigation_used: f64,
    /// Σ (mitigation used − batch mean)².
    pub m2_mitigation_used: f64,
    /// Σ of each driver.
    pub driver_sum: Vec<f64>,
    /// In the years that breach: Σ of each driver.
    pub breach_driver_sum: Vec<f64>,
    /// In the years that breach: Σ (outturn − budget) of each line.
    pub breach_line_variance: Vec<f64>,
    /// In the years that breach: Σ delivery of each saving.
    pub breach_saving_delivered: Vec<f64>,
    /// In the years that breach: Σ actual − budget of each funding stream.
    pub breach_funding_variance: Vec<f64>,
    /// In the years that breach: Σ gap.
    pub breach_gap: f64,
    /// In the years that breach: Σ mitigation used.
    pub breach_mitigation_used: f64,
    /// This batch's own P5 … P95 of the gap ([`BATCH_PERCENTILES`]), for batch-means
    /// standard errors. Not merged.
    pub gap_percentiles: Vec<f64>,
    /// This batch's own percentiles of the shortfall. Not merged.
    pub shortfall_percentiles: Vec<f64>,
    /// Sensitivity sums (empty outside the first [`SENSITIVITY_BATCHES`] batches).
    pub sensitivity: SensitivitySums,
}

impl BatchSummary {
    fn new(plan: &Plan) -> Self {
        let d = plan.drivers;
        BatchSummary {
            n: 0,
            sum_gap: 0.0,
            m2_gap: 0.0,
            sum_shortfall: 0.0,
            m2_shortfall: 0.0,
            gap_positive: 0,
            shortfall_positive: 0,
            breaches: 0,
            sum_excess: 0.0,
            m2_excess: 0.0,
            sum_savings: 0.0,
            m2_savings: 0.0,
            min_savings: f64::INFINITY,
            max_savings: f64::NEG_INFINITY,
            savings_histogram: vec![0; SAVINGS_BINS],
            line_outturn: vec![0.0; plan.lines.len()],
            line_m2: vec![0.0; plan.lines.len()],
            saving_delivered: vec![0.0; plan.savings.len()],
            saving_m2: vec![0.0; plan.savings.len()],
            funding_actual: vec![0.0; plan.funding.len()],
            funding_m2: vec![0.0; plan.funding.len()],
            mitigation_capacity: vec![0.0; plan.mitigations.len()],
            mitigation_m2: vec![0.0; plan.mitigations.len()],
            sum_mitigation_used: 0.0,
            m2_mitigation_used: 0.0,
            driver_sum: vec![0.0; d],
            breach_driver_sum: vec![0.0; d],
            breach_line_variance: vec![0.0; plan.lines.len()],
            breach_saving_delivered: vec![0.0; plan.savings.len()],
            breach_funding_variance: vec![0.0; plan.funding.len()],
            breach_gap: 0.0,
            breach_mitigation_used: 0.0,
            gap_percentiles: Vec::new(),
            shortfall_percentiles: Vec::new(),
            // Allocated only in the batches that measure sensitivity: a model of thousands
            // of drivers would otherwise keep seven vectors of them for every batch.
            sensitivity: SensitivitySums::default(),
        }
    }

    /// Adds `other` into `self`. Merging batches in index order gives the same figures
    /// however the batches were grouped across threads or machines. Per-batch percentiles
    /// are not merged.
    pub fn merge(&mut self, o: &BatchSummary) {
        self.m2_gap = chan(self.n, self.sum_gap, self.m2_gap, o.n, o.sum_gap, o.m2_gap);
        self.m2_shortfall = chan(
            self.n,
            self.sum_shortfall,
            self.m2_shortfall,
            o.n,
            o.sum_shortfall,
            o.m2_shortfall,
        );
        self.m2_excess = chan(
            self.n,
            self.sum_excess,
            self.m2_excess,
            o.n,
            o.sum_excess,
            o.m2_excess,
        );
        self.m2_savings = chan(
            self.n,
            self.sum_savings,
            self.m2_savings,
            o.n,
            o.sum_savings,
            o.m2_savings,
        );
        self.m2_mitigation_used = chan(
            self.n,
            self.sum_mitigation_used,
            self.m2_mitigation_used,
            o.n,
            o.sum_mitigation_used,
            o.m2_mitigation_used,
        );
        for (m2, sums, om2, osums) in [
            (
                &mut self.line_m2,
                &self.line_outturn,
                &o.line_m2,
                &o.line_outturn,
            ),
            (
                &mut self.saving_m2,
                &self.saving_delivered,
                &o.saving_m2,
                &o.saving_delivered,
            ),
            (
                &mut self.funding_m2,
                &self.funding_actual,
                &o.funding_m2,
                &o.funding_actual,
            ),
            (
                &mut self.mitigation_m2,
                &self.mitigation_capacity,
                &o.mitigation_m2,
                &o.mitigation_capacity,
            ),
        ] {
            for (k, m) in m2.iter_mut().enumerate() {
                *m = chan(self.n, sums[k], *m, o.n, osums[k], om2[k]);
            }
        }
        self.n += o.n;
        self.sum_gap += o.sum_gap;
        self.sum_shortfall += o.sum_shortfall;
        self.gap_positive += o.gap_positive;
        self.shortfall_positive += o.shortfall_positive;
        self.breaches += o.breaches;
        self.sum_excess += o.sum_excess;
        self.sum_savings += o.sum_savings;
        self.min_savings = self.min_savings.min(o.min_savings);
        self.max_savings = self.max_savings.max(o.max_savings);
        add(&mut self.savings_histogram, &o.savings_histogram);
        add(&mut self.line_outturn, &o.line_outturn);
        add(&mut self.saving_delivered, &o.saving_delivered);
        add(&mut self.funding_actual, &o.funding_actual);
        add(&mut self.mitigation_capacity, &o.mitigation_capacity);
        self.sum_mitigation_used += o.sum_mitigation_used;
        add(&mut self.driver_sum, &o.driver_sum);
        add(&mut self.breach_driver_sum, &o.breach_driver_sum);
        add(&mut self.breach_line_variance, &o.breach_line_variance);
        add(
            &mut self.breach_saving_delivered,
            &o.breach_saving_delivered,
        );
        add(
            &mut self.breach_funding_variance,
            &o.breach_funding_variance,
        );
        self.breach_gap += o.breach_gap;
        self.breach_mitigation_used += o.breach_mitigation_used;
        self.sensitivity.merge(&o.sensitivity);
    }
}

/// Chan et al.'s pairwise update: the sum of squared deviations of two groups combined,
/// from each group's count, sum and sum of squared deviations.
fn chan(na: u64, sa: f64, m2a: f64, nb: u64, sb: f64, m2b: f64) -> f64 {
    if na == 0 {
        return m2b;
    }
    if nb == 0 {
        return m2a;
    }
    let (na, nb) = (na as f64, nb as f64);
    let delta = sb / nb - sa / na;
    m2a + m2b + delta * delta * na * nb / (na + nb)
}

/// Σ (x − mean)² over a batch, by two passes (the batch is in memory).
fn m2(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    values.map(|x| (x - mean) * (x - mean)).sum()
}

fn add<T: Copy + std::ops::AddAssign>(into: &mut [T], from: &[T]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += *b;
    }
}

/// One point of a run to a precision: the estimate after this many iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracePoint {
    /// Iterations so far.
    pub iterations: u64,
    /// P(S114-level) so far.
    pub estimate: f64,
    /// Lower end of its 95% interval.
    pub low: f64,
    /// Upper end of its 95% interval.
    pub high: f64,
    /// The width the stopping rule compared with the target (at least high − low).
    pub stop_width: f64,
}

/// The output of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Per-batch sums, in batch order.
    pub batches: Vec<BatchSummary>,
    /// All batches merged.
    pub total: BatchSummary,
    /// The gap of every iteration, in iteration order.
    pub gap: Vec<f64>,
    /// The shortfall after mitigation of every iteration, in iteration order.
    pub shortfall: Vec<f64>,
    /// For a run to a precision, the estimate after each round.
    pub trace: Vec<TracePoint>,
    /// Per driver: the slope of the gap at the drivers' means, in the model's unit per
    /// unit of the driver (0 for fixed drivers).
    pub slopes: Vec<f64>,
}

/// The model compiled to plain numbers in the model's unit, for the hot loop.
#[derive(Debug, Clone)]
struct Plan {
    drivers: usize,
    /// Amounts closer than this count as equal (see [`Plan::tolerance`]).
    tolerance: f64,
    /// What each line, saving and funding stream is called, for error messages.
    names: Names,
    lines: Vec<PlanLine>,
    savings: Vec<PlanSaving>,
    funding: Vec<PlanFunding>,
    mitigations: Vec<DriverId>,
    planned_savings: f64,
    /// Drivers that vary (sensitivity is measured only for these).
    varying: Vec<bool>,
    /// Drivers with imposed correlations, in matrix order.
    correlated: Vec<DriverId>,
}

#[derive(Debug, Clone, Default)]
struct Names {
    lines: Vec<String>,
    savings: Vec<String>,
    funding: Vec<String>,
}

#[derive(Debug, Clone)]
enum PlanLine {
    /// coefficient × Π(1 + x) against budget.
    Product {
        coefficient: f64,
        growth: Vec<DriverId>,
        budget: f64,
    },
    /// occurs × impact against budget.
    Risk {
        occurs: DriverId,
        impact: DriverId,
        budget: f64,
    },
}

impl PlanLine {
    fn budget(&self) -> f64 {
        match self {
            PlanLine::Product { budget, .. } | PlanLine::Risk { budget, .. } => *budget,
        }
    }
}

#[derive(Debug, Clone)]
struct PlanSaving {
    amount: f64,
    happens: DriverId,
    delivered: DriverId,
    slippage: DriverId,
}

#[derive(Debug, Clone)]
struct PlanFunding {
    budget: f64,
    variation: Vec<DriverId>,
}

fn f(d: rust_decimal::Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(f64::NAN)
}

impl Plan {
    /// Compiles a checked model.
    fn new(model: &Model) -> Plan {
        let per_pound = 1.0 / model.meta.unit.pounds();
        let lines = model
            .lines
            .iter()
            .map(|l| match &l.kind {
                LineKind::Cohort {
                    clients,
                    unit_cost,
                    periods,
                    demand,
                    cost,
                    ..
                } => PlanLine::Product {
                    coefficient: f(*clients) * f(*unit_cost) * f(*periods) * per_pound,
                    growth: demand.iter().chain(cost).copied().collect(),
                    budget: f(l.budget),
                },
                LineKind::Simple { base, growth } => PlanLine::Product {
                    coefficient: f(*base),
                    growth: growth.clone(),
                    budget: f(l.budget),
                },
                LineKind::Risk { occurs, impact, .. } => PlanLine::Risk {
                    occurs: *occurs,
                    impact: *impact,
                    budget: f(l.budget),
                },
            })
            .collect();
        let savings = model
            .savings
            .iter()
            .map(|s| PlanSaving {
                amount: f(s.amount),
                happens: s.happens,
                delivered: s.delivered,
                slippage: s.slippage,
            })
            .collect();
        let funding = model
            .funding
            .iter()
            .map(|fu| PlanFunding {
                budget: f(fu.budget),
                variation: fu.variation.clone(),
            })
            .collect();
        let scale: f64 = model.lines.iter().map(|l| f(l.budget).abs()).sum::<f64>()
            + model.savings.iter().map(|s| f(s.amount).abs()).sum::<f64>()
            + model
                .funding
                .iter()
                .map(|fu| f(fu.budget).abs())
                .sum::<f64>();
        Plan {
            drivers: model.drivers.len(),
            tolerance: TOLERANCE * scale.max(1.0),
            names: Names {
                lines: model.lines.iter().map(|l| l.name.clone()).collect(),
                savings: model.savings.iter().map(|s| s.name.clone()).collect(),
                funding: model.funding.iter().map(|fu| fu.name.clone()).collect(),
            },
            lines,
            savings,
            funding,
            mitigations: model.mitigations.iter().map(|m| m.capacity).collect(),
            planned_savings: f(model.planned_savings()),
            varying: model.drivers.iter().map(|d| !d.dist.is_fixed()).collect(),
            correlated: if model.correlation.drivers.len() >= 2 {
                model.correlation.drivers.clone()
            } else {
                Vec::new()
            },
        }
    }
}

/// The model evaluated on a set of driver values (one row per simulated year).
#[derive(Default)]
struct Evaluation {
    /// Gap before mitigation.
    gap: Vec<f64>,
    /// Savings delivered.
    savings: Vec<f64>,
    /// Mitigation capacity.
    capacity: Vec<f64>,
    /// Each line's outturn.
    line_terms: Vec<Vec<f64>>,
    /// Each saving's delivery.
    saving_terms: Vec<Vec<f64>>,
    /// Each funding stream's actual.
    funding_terms: Vec<Vec<f64>>,
    /// Each mitigation's capacity.
    mitigation_terms: Vec<Vec<f64>>,
}

/// Per-thread working space for one batch.
#[derive(Default)]
struct Scratch {
    columns: Vec<Vec<f64>>,
    eval: Evaluation,
    term: Vec<f64>,
    sorted: Vec<f64>,
}

/// Resizes every column of `v` to `k` columns of `n` zeros.
fn zeroed(v: &mut Vec<Vec<f64>>, k: usize, n: usize) {
    v.resize_with(k, Vec::new);
    for c in v.iter_mut() {
        c.clear();
        c.resize(n, 0.0);
    }
}

impl Evaluation {
    /// Sizes every column for `n` rows, zeroed.
    fn resize(&mut self, plan: &Plan, n: usize) {
        zeroed(&mut self.line_terms, plan.lines.len(), n);
        zeroed(&mut self.saving_terms, plan.savings.len(), n);
        zeroed(&mut self.funding_terms, plan.funding.len(), n);
        zeroed(&mut self.mitigation_terms, plan.mitigations.len(), n);
        for v in [&mut self.gap, &mut self.savings, &mut self.capacity] {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

/// A floor at zero that lets NaN through, so that an overflow is caught downstream rather
/// than silently turned into zero (`f64::max` would return 0 for NaN).
#[inline]
fn floor0(x: f64) -> f64 {
    if x < 0.0 { 0.0 } else { x }
}

/// Evaluates the model column-wise on driver values `cols` (one column per driver, every
/// column of the same length): the whole of the model's arithmetic, used both for the
/// simulated batches and for the slopes of the gap at the drivers' means.
fn evaluate(plan: &Plan, cols: &[Vec<f64>], n: usize, e: &mut Evaluation) {
    e.resize(plan, n);
    for (line, terms) in plan.lines.iter().zip(e.line_terms.iter_mut()) {
        match line {
            PlanLine::Product {
                coefficient,
                growth,
                ..
            } => {
                terms.fill(*coefficient);
                for g in growth {
                    for (t, x) in terms.iter_mut().zip(&cols[g.0]) {
                        // A growth rate below −100% (allowed only as a one-in-a-million
                        // excursion of an unbounded distribution) stops at zero spend.
                        *t *= floor0(1.0 + x);
                    }
                }
            }
            PlanLine::Risk { occurs, impact, .. } => {
                for ((t, o), i) in terms.iter_mut().zip(&cols[occurs.0]).zip(&cols[impact.0]) {
                    *t = o * floor0(*i);
                }
            }
        }
        let budget = line.budget();
        for (gap, t) in e.gap.iter_mut().zip(terms.iter()) {
            *gap += t - budget;
        }
    }
    for (sv, terms) in plan.savings.iter().zip(e.saving_terms.iter_mut()) {
        let happens = &cols[sv.happens.0];
        let fraction = &cols[sv.delivered.0];
        let slip = &cols[sv.slippage.0];
        for i in 0..n {
            let months = slip[i].clamp(0.0, 12.0);
            let d = sv.amount * happens[i] * fraction[i].clamp(0.0, 1.0) * (12.0 - months) / 12.0;
            terms[i] = d;
            e.savings[i] += d;
            e.gap[i] += sv.amount - d;
        }
    }
    for (fu, terms) in plan.funding.iter().zip(e.funding_terms.iter_mut()) {
        terms.fill(fu.budget);
        for v in &fu.variation {
            for (t, x) in terms.iter_mut().zip(&cols[v.0]) {
                *t *= floor0(1.0 + x);
            }
        }
        for (gap, t) in e.gap.iter_mut().zip(terms.iter()) {
            *gap -= t - fu.budget;
        }
    }
    for (m, terms) in plan.mitigations.iter().zip(e.mitigation_terms.iter_mut()) {
        for ((t, c), x) in terms.iter_mut().zip(e.capacity.iter_mut()).zip(&cols[m.0]) {
            *t = floor0(*x);
            *c += *t;
        }
    }
}

/// What in row `i` is out of range, in words, for [`EngineError::NotFinite`].
fn culprit(plan: &Plan, e: &Evaluation, i: usize) -> String {
    let bad = |x: f64| !x.is_finite() || x.abs() > LARGEST;
    let named = |kind: &str, names: &[String], terms: &[Vec<f64>]| {
        terms
            .iter()
            .position(|t| bad(t[i]))
            .map(|k| format!("the {kind} `{}`", names[k]))
    };
    named("line", &plan.names.lines, &e.line_terms)
        .or_else(|| named("saving", &plan.names.savings, &e.saving_terms))
        .or_else(|| named("funding stream", &plan.names.funding, &e.funding_terms))
        .or_else(|| bad(e.capacity[i]).then(|| "the mitigation capacity".to_string()))
        .unwrap_or_else(|| "the gap".to_string())
}

/// The slope of the gap with respect to each driver at the drivers' means (0 for fixed
/// drivers), by central differences through [`evaluate`] itself.
///
/// The gap is multilinear in the drivers (each enters a product or a sum once), so the
/// slope is exact for any step as long as no floor or clamp binds. A step of a thousandth of
/// a standard deviation keeps clear of them unless a driver's mean sits on one (a fraction
/// delivered of normal(1.0, 0.05) is clamped at 1, and its slope comes out halved). Sensitivity
/// uses it to separate a driver's own effect from that of the drivers correlated with it.
fn slopes(plan: &Plan, model: &Model) -> Vec<f64> {
    let varying: Vec<(usize, f64)> = model
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.dist.is_fixed())
        .map(|(i, d)| (i, 1e-3 * d.dist.variance().sqrt()))
        .filter(|&(_, h)| h > 0.0 && h.is_finite())
        .collect();
    let rows = 1 + 2 * varying.len();
    let mut cols: Vec<Vec<f64>> = model
        .drivers
        .iter()
        .map(|d| vec![d.dist.mean(); rows])
        .collect();
    for (k, &(i, h)) in varying.iter().enumerate() {
        cols[i][1 + 2 * k] += h;
        cols[i][2 + 2 * k] -= h;
    }
    let mut e = Evaluation::default();
    evaluate(plan, &cols, rows, &mut e);
    let mut out = vec![0.0; model.drivers.len()];
    for (k, &(i, h)) in varying.iter().enumerate() {
        let slope = (e.gap[1 + 2 * k] - e.gap[2 + 2 * k]) / (2.0 * h);
        out[i] = if slope.is_finite() { slope } else { 0.0 };
    }
    out
}

/// A run in progress: batches so far and their outputs.
pub struct Simulation<'m> {
    sampler: Sampler<'m>,
    config: RunConfig,
    plan: Plan,
    slopes: Vec<f64>,
    batches: Vec<BatchSummary>,
    gap: Vec<f64>,
    shortfall: Vec<f64>,
}

impl<'m> Simulation<'m> {
    /// Prepares a run.
    ///
    /// # Errors
    /// When the model's correlations cannot be imposed.
    pub fn new(model: &'m Model, config: &RunConfig) -> Result<Self, EngineError> {
        let plan = Plan::new(model);
        Ok(Simulation {
            sampler: Sampler::new(model, config.sampling)?,
            config: config.clone(),
            slopes: slopes(&plan, model),
            plan,
            batches: Vec::new(),
            gap: Vec::new(),
            shortfall: Vec::new(),
        })
    }

    /// Iterations simulated so far.
    pub fn iterations(&self) -> u64 {
        self.gap.len() as u64
    }

    /// Batches so far.
    pub fn batches(&self) -> &[BatchSummary] {
        &self.batches
    }

    /// Simulates more batches until `iterations` in all, in parallel on the current rayon
    /// pool. `progress` is called with the iterations of each finished batch; setting
    /// `cancel` stops between batches.
    ///
    /// # Errors
    /// [`EngineError::Cancelled`] if cancelled, [`EngineError::NotFinite`] if an iteration
    /// overflowed.
    pub fn extend_to(
        &mut self,
        iterations: u64,
        progress: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        let start = self.gap.len();
        if iterations > MAX_ITERATIONS {
            return Err(EngineError::TooMany { iterations });
        }
        let no_memory = EngineError::OutOfMemory { iterations };
        let end = usize::try_from(iterations).map_err(|_| no_memory.clone())?;
        if end <= start {
            return Ok(());
        }
        self.gap
            .try_reserve_exact(end - start)
            .and_then(|()| self.shortfall.try_reserve_exact(end - start))
            .map_err(|_| no_memory)?;
        // Batches start at multiples of BATCH_SIZE; only the run's last batch is short.
        debug_assert_eq!(start % BATCH_SIZE, 0);
        let first_batch = (start / BATCH_SIZE) as u64;
        self.gap.resize(end, 0.0);
        self.shortfall.resize(end, 0.0);
        let (sampler, plan, config) = (&self.sampler, &self.plan, &self.config);
        // The earliest batch known to have failed: later batches are skipped (their work
        // would be thrown away), earlier ones still run, so the error reported is the first
        // in batch order however the threads were scheduled.
        let failed = AtomicU64::new(u64::MAX);
        let new: Vec<BatchSummary> = self.gap[start..]
            .par_chunks_mut(BATCH_SIZE)
            .zip(self.shortfall[start..].par_chunks_mut(BATCH_SIZE))
            .enumerate()
            .map_init(
                Scratch::default,
                |scratch, (k, (gap_out, shortfall_out))| {
                    let b = first_batch + k as u64;
                    if cancel.load(Ordering::Relaxed) || b > failed.load(Ordering::Relaxed) {
                        return Err(EngineError::Cancelled);
                    }
                    let summary =
                        run_batch(sampler, plan, config, b, scratch, gap_out, shortfall_out)
                            .inspect_err(|_| {
                                failed.fetch_min(b, Ordering::Relaxed);
                            })?;
                    progress(summary.n);
                    Ok(summary)
                },
            )
            .collect::<Vec<Result<BatchSummary, EngineError>>>()
            // The first error in batch order, so the message is the same on every run.
            .into_iter()
            .collect::<Result<_, _>>()?;
        self.batches.extend(new);
        Ok(())
    }

    /// All batches so far, merged in order.
    pub fn total(&self) -> BatchSummary {
        let mut total = BatchSummary::new(&self.plan);
        for b in &self.batches {
            total.merge(b);
        }
        total
    }

    /// The finished run.
    pub fn finish(self, trace: Vec<TracePoint>) -> RunResult {
        let total = self.total();
        RunResult {
            batches: self.batches,
            total,
            gap: self.gap,
            shortfall: self.shortfall,
            trace,
            slopes: self.slopes,
        }
    }
}

/// Runs `config.iterations` iterations of the model.
///
/// Runs on the current rayon pool: wrap the call in `ThreadPool::install` to choose the
/// thread count. The result does not depend on it.
///
/// # Errors
/// As [`Simulation::extend_to`], and [`EngineError::NoIterations`].
pub fn run(
    model: &Model,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<RunResult, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    let mut sim = Simulation::new(model, config)?;
    sim.extend_to(config.iterations, progress, cancel)?;
    Ok(sim.finish(Vec::new()))
}

/// Computes (estimate, low, high, width to stop on) of P(S114-level) from the batches so
/// far. The width to stop on is at least high − low (see [`crate::stats::s114_precision`]).
pub type IntervalFn = dyn Fn(&[BatchSummary]) -> (f64, f64, f64, f64);

/// Runs rounds of [`ROUND_BATCHES`] batches until the 95% interval of P(S114-level), as
/// computed by `interval` from the batches so far, is no wider than `width`, or
/// `config.iterations` is reached. Where it stops depends only on the batches, so it is as
/// deterministic as a fixed run.
///
/// # Errors
/// As [`run`].
pub fn run_to_precision(
    model: &Model,
    config: &RunConfig,
    width: f64,
    interval: &IntervalFn,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<RunResult, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    let mut sim = Simulation::new(model, config)?;
    let round = ROUND_BATCHES * BATCH_SIZE as u64;
    let mut trace = Vec::new();
    loop {
        let next = (sim.iterations() + round).min(config.iterations);
        sim.extend_to(next, progress, cancel)?;
        let (estimate, low, high, stop_width) = interval(sim.batches());
        trace.push(TracePoint {
            iterations: sim.iterations(),
            estimate,
            low,
            high,
            stop_width,
        });
        if stop_width <= width || sim.iterations() >= config.iterations {
            break;
        }
    }
    Ok(sim.finish(trace))
}

/// Type-7 quantile of ascending values.
fn quantile7(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    a + (h - lo as f64) * (b - a)
}

/// Simulates batch `b` into `gap_out` and `shortfall_out` (whose length is the batch's).
fn run_batch(
    sampler: &Sampler<'_>,
    plan: &Plan,
    config: &RunConfig,
    b: u64,
    s: &mut Scratch,
    gap_out: &mut [f64],
    shortfall_out: &mut [f64],
) -> Result<BatchSummary, EngineError> {
    let n = gap_out.len();
    zeroed(&mut s.columns, plan.drivers, n);
    sampler.fill(config.seed, b, &mut s.columns);
    evaluate(plan, &s.columns, n, &mut s.eval);
    let (cols, e) = (&s.columns, &s.eval);

    let mut sum = BatchSummary::new(plan);
    sum.n = n as u64;
    let total = |terms: &[Vec<f64>], out: &mut [f64]| {
        for (o, t) in out.iter_mut().zip(terms) {
            *o = t.iter().sum();
        }
    };
    total(&e.line_terms, &mut sum.line_outturn);
    total(&e.saving_terms, &mut sum.saving_delivered);
    total(&e.funding_terms, &mut sum.funding_actual);
    total(&e.mitigation_terms, &mut sum.mitigation_capacity);
    let spread = |terms: &[Vec<f64>], out: &mut [f64]| {
        for (o, t) in out.iter_mut().zip(terms) {
            *o = m2(t.iter().copied());
        }
    };
    spread(&e.line_terms, &mut sum.line_m2);
    spread(&e.saving_terms, &mut sum.saving_m2);
    spread(&e.funding_terms, &mut sum.funding_m2);
    spread(&e.mitigation_terms, &mut sum.mitigation_m2);

    let reserves = config.reserves;
    let tol = plan.tolerance;
    let bin_width = plan.planned_savings / SAVINGS_BINS as f64;
    let mut breach_rows: Vec<usize> = Vec::new();
    s.term.clear();
    s.term.resize(n, 0.0);
    for i in 0..n {
        let gap = e.gap[i];
        let capacity = e.capacity[i];
        if !gap.is_finite() || gap.abs() > LARGEST || !capacity.is_finite() {
            return Err(EngineError::NotFinite {
                iteration: b * BATCH_SIZE as u64 + i as u64,
                item: culprit(plan, e, i),
            });
        }
        // Mitigation covers an overspend only: it is not spent in a year that balances.
        let used = gap.max(0.0).min(capacity);
        let shortfall = gap - used;
        let breach = shortfall - reserves > tol;
        let excess = if breach { shortfall - reserves } else { 0.0 };
        sum.sum_gap += gap;
        sum.sum_shortfall += shortfall;
        sum.gap_positive += u64::from(gap > tol);
        sum.shortfall_positive += u64::from(shortfall > tol);
        if breach {
            sum.breaches += 1;
            sum.breach_gap += gap;
            sum.breach_mitigation_used += used;
            breach_rows.push(i);
        }
        sum.sum_excess += excess;
        sum.sum_mitigation_used += used;
        let saved = e.savings[i];
        sum.sum_savings += saved;
        sum.min_savings = sum.min_savings.min(saved);
        sum.max_savings = sum.max_savings.max(saved);
        if bin_width > 0.0 {
            let bin = ((saved / bin_width) as usize).min(SAVINGS_BINS - 1);
            sum.savings_histogram[bin] += 1;
        }
        gap_out[i] = gap;
        shortfall_out[i] = shortfall;
        s.term[i] = excess;
    }
    sum.m2_gap = m2(e.gap.iter().copied());
    sum.m2_shortfall = m2(shortfall_out.iter().copied());
    sum.m2_excess = m2(s.term.iter().copied());
    sum.m2_savings = m2(e.savings.iter().copied());
    sum.m2_mitigation_used = m2(e
        .gap
        .iter()
        .zip(&e.capacity)
        .map(|(g, c)| g.max(0.0).min(*c)));

    // What the years that breach look like.
    for (d, col) in cols.iter().enumerate() {
        sum.driver_sum[d] = col.iter().sum();
        sum.breach_driver_sum[d] = breach_rows.iter().map(|&i| col[i]).sum();
    }
    for (k, line) in plan.lines.iter().enumerate() {
        let budget = line.budget();
        sum.breach_line_variance[k] = breach_rows
            .iter()
            .map(|&i| e.line_terms[k][i] - budget)
            .sum();
    }
    for (k, terms) in e.saving_terms.iter().enumerate() {
        sum.breach_saving_delivered[k] = breach_rows.iter().map(|&i| terms[i]).sum();
    }
    for (k, fu) in plan.funding.iter().enumerate() {
        sum.breach_funding_variance[k] = breach_rows
            .iter()
            .map(|&i| e.funding_terms[k][i] - fu.budget)
            .sum();
    }

    // This batch's own percentiles, for batch-means standard errors.
    for (out, values) in [
        (&mut sum.gap_percentiles, &*gap_out),
        (&mut sum.shortfall_percentiles, &*shortfall_out),
    ] {
        s.sorted.clear();
        s.sorted.extend_from_slice(values);
        sort_floats(&mut s.sorted);
        *out = BATCH_PERCENTILES
            .iter()
            .map(|&p| quantile7(&s.sorted, f64::from(p) / 100.0))
            .collect();
    }

    if b < SENSITIVITY_BATCHES {
        sum.sensitivity = SensitivitySums::new(plan.drivers, plan.correlated.len());
        sensitivity(plan, cols, &e.gap, &mut s.sorted, &mut sum.sensitivity);
    }
    Ok(sum)
}

/// Within one batch: each varying driver's rank correlation with the gap, its co-moment
/// with the gap, and the sums of its lowest and highest tenth of values.
fn sensitivity(
    plan: &Plan,
    cols: &[Vec<f64>],
    gap: &[f64],
    sorted: &mut Vec<f64>,
    out: &mut SensitivitySums,
) {
    let n = gap.len();
    if n < 10 {
        return;
    }
    let nf = n as f64;
    out.n = n as u64;
    out.gap = gap.iter().sum();
    let mean_gap = out.gap / nf;
    out.m2_gap = gap.iter().map(|g| (g - mean_gap) * (g - mean_gap)).sum();
    let tenth = n / 10;
    out.tenth_n = tenth as u64;
    let gap_ranks = ranks(gap);
    let correlated: &[DriverId] = &plan.correlated;
    let mut correlated_ranks: Vec<Vec<f64>> = vec![Vec::new(); correlated.len()];
    for (d, col) in cols.iter().enumerate() {
        if !plan.varying[d] {
            continue;
        }
        let r = ranks(col);
        out.spearman[d] = pearson(&r, &gap_ranks) * nf;
        if let Some(k) = correlated.iter().position(|c| c.0 == d) {
            correlated_ranks[k] = r;
        }
        out.driver_sum[d] = col.iter().sum();
        let mean = out.driver_sum[d] / nf;
        out.comoment[d] = col
            .iter()
            .zip(gap)
            .map(|(x, g)| (x - mean) * (g - mean_gap))
            .sum();
        sorted.clear();
        sorted.extend_from_slice(col);
        sort_floats(sorted);
        out.low_sum[d] = sorted[..tenth].iter().sum();
        out.high_sum[d] = sorted[n - tenth..].iter().sum();
    }
    let mut k = 0;
    for i in 0..correlated_ranks.len() {
        for j in i + 1..correlated_ranks.len() {
            let (a, b) = (&correlated_ranks[i], &correlated_ranks[j]);
            if !a.is_empty() && !b.is_empty() {
                out.pairs[k] = pearson(a, b) * nf;
            }
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"

[lines.first]
kind = "simple"
base = 10
growth = { dist = "normal", mean = 0, sd = 0.1 }
budget = 10
source = "assumption: test"

[lines.second]
kind = "simple"
base = 20
growth = { dist = "normal", mean = 0.1, sd = 0.1 }
budget = 20
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;

    #[test]
    fn an_overflowed_draw_reaches_the_gap_and_is_named() {
        // The floor on growth must not turn NaN into −100% (f64::max would): an overflow
        // has to surface as a non-finite gap, which the engine refuses, naming the line.
        assert!(floor0(f64::NAN).is_nan());
        assert_eq!(floor0(-2.0), 0.0);
        let model = Model::from_toml("t.toml", MODEL).unwrap().model;
        let plan = Plan::new(&model);
        let second = model
            .drivers
            .iter()
            .position(|d| d.name == "lines.second.growth")
            .unwrap();
        let mut cols = vec![vec![0.05; 3]; model.drivers.len()];
        cols[second][1] = f64::NAN;
        cols[second][2] = f64::INFINITY;
        let mut e = Evaluation::default();
        evaluate(&plan, &cols, 3, &mut e);
        assert!(e.gap[0].is_finite());
        assert!(e.gap[1].is_nan() && e.gap[2].is_infinite());
        assert_eq!(culprit(&plan, &e, 1), "the line `second`");
        assert_eq!(culprit(&plan, &e, 2), "the line `second`");
    }

    #[test]
    fn slopes_at_the_means_are_exact_for_a_linear_line() {
        let model = Model::from_toml("t.toml", MODEL).unwrap().model;
        let plan = Plan::new(&model);
        let s = slopes(&plan, &model);
        for (d, slope) in model.drivers.iter().zip(&s) {
            let expected = match d.name.as_str() {
                "lines.first.growth" => 10.0,
                "lines.second.growth" => 20.0,
                _ => 0.0,
            };
            assert!((slope - expected).abs() < 1e-9, "{}: {slope}", d.name);
        }
    }
}
