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
//! Memory: the gap and the shortfall of every iteration are kept as `f32` (8 bytes per
//! iteration) so that exact percentiles can be taken; everything else is a fixed-size
//! running sum per batch. Scratch space is one batch of driver columns per thread.
//!
//! This module does no I/O. Progress and cancellation come in through arguments.

use std::sync::atomic::{AtomicBool, Ordering};

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

/// The most iterations a run may have: 8 bytes each, so 8 GB of results.
pub const MAX_ITERATIONS: u64 = 1_000_000_000;

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
        "iteration {iteration} produced a gap that is not a finite number or is beyond \
         £10^20 in the model's unit; a driver's distribution allows values too extreme to \
         compute with (check lognormal spreads and very wide ranges)"
    )]
    NotFinite {
        /// Index of the first such iteration.
        iteration: u64,
    },
    /// Nothing to run.
    #[error("the number of iterations must be at least 1")]
    NoIterations,
    /// More iterations than memory allows.
    #[error(
        "{iterations} iterations would need {} GB of memory for the results; use at most \
         1,000,000,000, or --precision to stop once the answer is precise enough",
        iterations.saturating_mul(8) / 1_000_000_000
    )]
    TooMany {
        /// Iterations asked for.
        iterations: u64,
    },
    /// The model's correlations cannot be imposed.
    #[error("the correlations cannot be imposed: {0}")]
    Correlation(#[from] crate::correlation::CorrelationError),
}

/// Sums for sensitivity, from the first [`SENSITIVITY_BATCHES`] batches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensitivitySums {
    /// Iterations measured.
    pub n: u64,
    /// Per driver: Σ over batches of (Spearman correlation with the gap × batch size).
    pub spearman: Vec<f64>,
    /// Per driver: Σ gap over iterations with the driver at or below its batch P10.
    pub low_gap: Vec<f64>,
    /// Per driver: how many such iterations.
    pub low_n: Vec<u64>,
    /// Per driver: Σ gap over iterations with the driver at or above its batch P90.
    pub high_gap: Vec<f64>,
    /// Per driver: how many such iterations.
    pub high_n: Vec<u64>,
    /// Σ gap over the measured iterations.
    pub gap: f64,
    /// For each pair (i < j) of the model's correlated drivers, in row order: Σ over
    /// batches of (achieved Spearman correlation × batch size).
    pub pairs: Vec<f64>,
}

impl SensitivitySums {
    fn new(drivers: usize, correlated: usize) -> Self {
        SensitivitySums {
            n: 0,
            spearman: vec![0.0; drivers],
            low_gap: vec![0.0; drivers],
            low_n: vec![0; drivers],
            high_gap: vec![0.0; drivers],
            high_n: vec![0; drivers],
            gap: 0.0,
            pairs: vec![0.0; correlated * correlated.saturating_sub(1) / 2],
        }
    }

    fn merge(&mut self, o: &SensitivitySums) {
        self.n += o.n;
        self.gap += o.gap;
        add(&mut self.pairs, &o.pairs);
        add(&mut self.spearman, &o.spearman);
        add(&mut self.low_gap, &o.low_gap);
        add(&mut self.low_n, &o.low_n);
        add(&mut self.high_gap, &o.high_gap);
        add(&mut self.high_n, &o.high_n);
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
    /// Iterations with gap > 0.
    pub gap_positive: u64,
    /// Iterations with shortfall > 0.
    pub shortfall_positive: u64,
    /// Iterations with shortfall > usable reserves (S114-level).
    pub breaches: u64,
    /// Σ max(shortfall − reserves, 0).
    pub sum_excess: f64,
    /// Σ (excess − batch mean excess)², as `m2_gap`.
    pub m2_excess: f64,
    /// Σ savings delivered.
    pub sum_savings: f64,
    /// Smallest savings delivered in an iteration.
    pub min_savings: f64,
    /// Largest savings delivered in an iteration.
    pub max_savings: f64,
    /// Counts of savings delivered in [`SAVINGS_BINS`] equal bins over 0 .. planned.
    pub savings_histogram: Vec<u32>,
    /// Σ outturn of each spending line.
    pub line_outturn: Vec<f64>,
    /// Σ delivery of each saving.
    pub saving_delivered: Vec<f64>,
    /// Σ actual of each funding stream.
    pub funding_actual: Vec<f64>,
    /// Σ capacity of each mitigation.
    pub mitigation_capacity: Vec<f64>,
    /// Σ mitigation used.
    pub sum_mitigation_used: f64,
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
            min_savings: f64::INFINITY,
            max_savings: f64::NEG_INFINITY,
            savings_histogram: vec![0; SAVINGS_BINS],
            line_outturn: vec![0.0; plan.lines.len()],
            saving_delivered: vec![0.0; plan.savings.len()],
            funding_actual: vec![0.0; plan.funding.len()],
            mitigation_capacity: vec![0.0; plan.mitigations.len()],
            sum_mitigation_used: 0.0,
            driver_sum: vec![0.0; d],
            breach_driver_sum: vec![0.0; d],
            breach_line_variance: vec![0.0; plan.lines.len()],
            breach_saving_delivered: vec![0.0; plan.savings.len()],
            breach_funding_variance: vec![0.0; plan.funding.len()],
            breach_gap: 0.0,
            breach_mitigation_used: 0.0,
            gap_percentiles: Vec::new(),
            shortfall_percentiles: Vec::new(),
            sensitivity: SensitivitySums::new(d, plan.correlated.len()),
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
}

/// The output of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Per-batch sums, in batch order.
    pub batches: Vec<BatchSummary>,
    /// All batches merged.
    pub total: BatchSummary,
    /// The gap of every iteration, in iteration order.
    pub gap: Vec<f32>,
    /// The shortfall after mitigation of every iteration, in iteration order.
    pub shortfall: Vec<f32>,
    /// For a run to a precision, the estimate after each round.
    pub trace: Vec<TracePoint>,
}

/// The model compiled to plain numbers in the model's unit, for the hot loop.
#[derive(Debug, Clone)]
struct Plan {
    drivers: usize,
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
        Plan {
            drivers: model.drivers.len(),
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

/// Per-thread working space for one batch.
#[derive(Default)]
struct Scratch {
    columns: Vec<Vec<f64>>,
    gap: Vec<f64>,
    term: Vec<f64>,
    savings: Vec<f64>,
    capacity: Vec<f64>,
    line_terms: Vec<Vec<f64>>,
    saving_terms: Vec<Vec<f64>>,
    funding_terms: Vec<Vec<f64>>,
    sorted: Vec<f64>,
}

impl Scratch {
    fn resize(&mut self, plan: &Plan, n: usize) {
        let sized = |v: &mut Vec<Vec<f64>>, k: usize| {
            v.resize_with(k, Vec::new);
            for c in v.iter_mut() {
                c.clear();
                c.resize(n, 0.0);
            }
        };
        sized(&mut self.columns, plan.drivers);
        sized(&mut self.line_terms, plan.lines.len());
        sized(&mut self.saving_terms, plan.savings.len());
        sized(&mut self.funding_terms, plan.funding.len());
        for v in [
            &mut self.gap,
            &mut self.term,
            &mut self.savings,
            &mut self.capacity,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

/// A run in progress: batches so far and their outputs.
pub struct Simulation<'m> {
    sampler: Sampler<'m>,
    config: RunConfig,
    plan: Plan,
    batches: Vec<BatchSummary>,
    gap: Vec<f32>,
    shortfall: Vec<f32>,
}

impl<'m> Simulation<'m> {
    /// Prepares a run.
    ///
    /// # Errors
    /// When the model's correlations cannot be imposed.
    pub fn new(model: &'m Model, config: &RunConfig) -> Result<Self, EngineError> {
        Ok(Simulation {
            sampler: Sampler::new(model, config.sampling)?,
            config: config.clone(),
            plan: Plan::new(model),
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
        let too_many = EngineError::TooMany { iterations };
        if iterations > MAX_ITERATIONS {
            return Err(too_many);
        }
        let end = usize::try_from(iterations).map_err(|_| too_many.clone())?;
        if end <= start {
            return Ok(());
        }
        self.gap
            .try_reserve_exact(end - start)
            .and_then(|()| self.shortfall.try_reserve_exact(end - start))
            .map_err(|_| too_many)?;
        // Batches start at multiples of BATCH_SIZE; only the run's last batch is short.
        debug_assert_eq!(start % BATCH_SIZE, 0);
        let first_batch = (start / BATCH_SIZE) as u64;
        self.gap.resize(end, 0.0);
        self.shortfall.resize(end, 0.0);
        let (sampler, plan, config) = (&self.sampler, &self.plan, &self.config);
        let new: Vec<BatchSummary> = self.gap[start..]
            .par_chunks_mut(BATCH_SIZE)
            .zip(self.shortfall[start..].par_chunks_mut(BATCH_SIZE))
            .enumerate()
            .map_init(
                Scratch::default,
                |scratch, (k, (gap_out, shortfall_out))| {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(EngineError::Cancelled);
                    }
                    let b = first_batch + k as u64;
                    let summary =
                        run_batch(sampler, plan, config, b, scratch, gap_out, shortfall_out)?;
                    progress(summary.n);
                    Ok(summary)
                },
            )
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

/// Computes (estimate, low, high) of P(S114-level) from the batches so far.
pub type IntervalFn = dyn Fn(&[BatchSummary]) -> (f64, f64, f64);

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
        let (estimate, low, high) = interval(sim.batches());
        trace.push(TracePoint {
            iterations: sim.iterations(),
            estimate,
            low,
            high,
        });
        if high - low <= width || sim.iterations() >= config.iterations {
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
    gap_out: &mut [f32],
    shortfall_out: &mut [f32],
) -> Result<BatchSummary, EngineError> {
    let n = gap_out.len();
    s.resize(plan, n);
    sampler.fill(config.seed, b, &mut s.columns);

    let mut sum = BatchSummary::new(plan);
    sum.n = n as u64;
    let cols = &s.columns;

    for (k, line) in plan.lines.iter().enumerate() {
        let terms = &mut s.line_terms[k];
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
                        *t *= (1.0 + x).max(0.0);
                    }
                }
            }
            PlanLine::Risk { occurs, impact, .. } => {
                for ((t, o), i) in terms.iter_mut().zip(&cols[occurs.0]).zip(&cols[impact.0]) {
                    *t = o * i.max(0.0);
                }
            }
        }
        let budget = line.budget();
        let mut outturn = 0.0;
        for (gap, t) in s.gap.iter_mut().zip(terms.iter()) {
            *gap += t - budget;
            outturn += t;
        }
        sum.line_outturn[k] = outturn;
    }

    for (k, sv) in plan.savings.iter().enumerate() {
        let terms = &mut s.saving_terms[k];
        let happens = &cols[sv.happens.0];
        let fraction = &cols[sv.delivered.0];
        let slip = &cols[sv.slippage.0];
        let mut delivered_sum = 0.0;
        for i in 0..n {
            let months = slip[i].clamp(0.0, 12.0);
            let d = sv.amount * happens[i] * fraction[i].clamp(0.0, 1.0) * (12.0 - months) / 12.0;
            terms[i] = d;
            s.savings[i] += d;
            s.gap[i] += sv.amount - d;
            delivered_sum += d;
        }
        sum.saving_delivered[k] = delivered_sum;
    }

    for (k, fu) in plan.funding.iter().enumerate() {
        let terms = &mut s.funding_terms[k];
        terms.fill(fu.budget);
        for v in &fu.variation {
            for (t, x) in terms.iter_mut().zip(&cols[v.0]) {
                *t *= (1.0 + x).max(0.0);
            }
        }
        let mut actual = 0.0;
        for (gap, t) in s.gap.iter_mut().zip(terms.iter()) {
            *gap -= t - fu.budget;
            actual += t;
        }
        sum.funding_actual[k] = actual;
    }

    for (k, m) in plan.mitigations.iter().enumerate() {
        let mut total = 0.0;
        for (c, x) in s.capacity.iter_mut().zip(&cols[m.0]) {
            let x = x.max(0.0);
            *c += x;
            total += x;
        }
        sum.mitigation_capacity[k] = total;
    }

    let reserves = config.reserves;
    let bin_width = plan.planned_savings / SAVINGS_BINS as f64;
    let mut breach_rows: Vec<usize> = Vec::new();
    for i in 0..n {
        let gap = s.gap[i];
        if !gap.is_finite() || gap.abs() > LARGEST {
            return Err(EngineError::NotFinite {
                iteration: b * BATCH_SIZE as u64 + i as u64,
            });
        }
        // Mitigation covers an overspend only: it is not spent in a year that balances.
        // (Capacity is never negative: each mitigation's draw is floored at zero.)
        let used = gap.max(0.0).min(s.capacity[i]);
        let shortfall = gap - used;
        let excess = (shortfall - reserves).max(0.0);
        sum.sum_gap += gap;
        sum.sum_shortfall += shortfall;
        sum.gap_positive += u64::from(gap > 0.0);
        sum.shortfall_positive += u64::from(shortfall > 0.0);
        if shortfall > reserves {
            sum.breaches += 1;
            sum.breach_gap += gap;
            sum.breach_mitigation_used += used;
            breach_rows.push(i);
        }
        sum.sum_excess += excess;
        sum.sum_mitigation_used += used;
        let saved = s.savings[i];
        sum.sum_savings += saved;
        sum.min_savings = sum.min_savings.min(saved);
        sum.max_savings = sum.max_savings.max(saved);
        if bin_width > 0.0 {
            let bin = ((saved / bin_width) as usize).min(SAVINGS_BINS - 1);
            sum.savings_histogram[bin] += 1;
        }
        gap_out[i] = gap as f32;
        shortfall_out[i] = shortfall as f32;
        s.term[i] = excess;
    }
    sum.m2_gap = m2(s.gap.iter().copied());
    sum.m2_shortfall = m2(shortfall_out.iter().map(|&x| f64::from(x)));
    sum.m2_excess = m2(s.term.iter().copied());

    // What the years that breach look like.
    for (d, col) in cols.iter().enumerate() {
        sum.driver_sum[d] = col.iter().sum();
        sum.breach_driver_sum[d] = breach_rows.iter().map(|&i| col[i]).sum();
    }
    for (k, line) in plan.lines.iter().enumerate() {
        let budget = line.budget();
        sum.breach_line_variance[k] = breach_rows
            .iter()
            .map(|&i| s.line_terms[k][i] - budget)
            .sum();
    }
    for (k, terms) in s.saving_terms.iter().enumerate() {
        sum.breach_saving_delivered[k] = breach_rows.iter().map(|&i| terms[i]).sum();
    }
    for (k, fu) in plan.funding.iter().enumerate() {
        sum.breach_funding_variance[k] = breach_rows
            .iter()
            .map(|&i| s.funding_terms[k][i] - fu.budget)
            .sum();
    }

    // This batch's own percentiles, for batch-means standard errors.
    for (out, values) in [
        (&mut sum.gap_percentiles, &*gap_out),
        (&mut sum.shortfall_percentiles, &*shortfall_out),
    ] {
        s.sorted.clear();
        s.sorted.extend(values.iter().map(|&v| f64::from(v)));
        sort_floats(&mut s.sorted);
        *out = BATCH_PERCENTILES
            .iter()
            .map(|&p| quantile7(&s.sorted, f64::from(p) / 100.0))
            .collect();
    }

    if b < SENSITIVITY_BATCHES {
        sensitivity(plan, cols, &s.gap, &mut sum.sensitivity);
    }
    Ok(sum)
}

/// Rank correlation of each varying driver with the gap, and the mean gap when the
/// driver is in its bottom and top tenth, within one batch.
fn sensitivity(plan: &Plan, cols: &[Vec<f64>], gap: &[f64], out: &mut SensitivitySums) {
    let n = gap.len();
    if n < 10 {
        return;
    }
    out.n = n as u64;
    out.gap = gap.iter().sum();
    let gap_ranks = ranks(gap);
    let mut sorted = Vec::with_capacity(n);
    let correlated: &[DriverId] = &plan.correlated;
    let mut correlated_ranks: Vec<Vec<f64>> = vec![Vec::new(); correlated.len()];
    for (d, col) in cols.iter().enumerate() {
        if !plan.varying[d] {
            continue;
        }
        let r = ranks(col);
        out.spearman[d] = pearson(&r, &gap_ranks) * n as f64;
        if let Some(k) = correlated.iter().position(|c| c.0 == d) {
            correlated_ranks[k] = r;
        }
        sorted.clear();
        sorted.extend_from_slice(col);
        sort_floats(&mut sorted);
        let low = sorted[(n - 1) / 10];
        let high = sorted[(n - 1) * 9 / 10];
        for (x, g) in col.iter().zip(gap) {
            if *x <= low {
                out.low_gap[d] += g;
                out.low_n[d] += 1;
            }
            if *x >= high {
                out.high_gap[d] += g;
                out.high_n[d] += 1;
            }
        }
    }
    let mut k = 0;
    for i in 0..correlated_ranks.len() {
        for j in i + 1..correlated_ranks.len() {
            let (a, b) = (&correlated_ranks[i], &correlated_ranks[j]);
            if !a.is_empty() && !b.is_empty() {
                out.pairs[k] = pearson(a, b) * n as f64;
            }
            k += 1;
        }
    }
}
