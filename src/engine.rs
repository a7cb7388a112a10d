//! The simulation: fixed batches of iterations, run in parallel, merged in batch order.
//!
//! A run of N iterations is cut into batches of [`BATCH_SIZE`] (the last one shorter).
//! Batch `b` depends only on (model, seed, b): its drivers draw from streams seeded by
//! (seed, b, driver name) (see [`crate::sample`]), it is evaluated column-wise into
//! its own slice of the output, and its running sums are kept apart. Merging walks the
//! batches in index order, so the figures are bit-identical whatever the thread count, and
//! a run split across machines by batch ranges merges into the same figures.
//!
//! Memory: the gap and the shortfall of every iteration are kept as `f32` (8 bytes per
//! iteration) so that exact percentiles can be taken; everything else is a fixed-size
//! running sum per batch. Scratch space is one batch of driver columns per thread.
//!
//! This module does no I/O. Progress and cancellation come in through arguments.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::model::{DriverId, LineKind, Model};
use crate::sample::{Sampling, fill_batch};

/// Iterations per batch. Part of the definition of a run's random numbers: changing it
/// changes results, so it is fixed rather than tuned to the machine.
pub const BATCH_SIZE: usize = 10_000;

/// Bins of the histogram of savings delivered (over 0 .. planned total).
pub const SAVINGS_BINS: usize = 1000;

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of simulated years.
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
        "iteration {iteration} produced a gap that is not a finite number; a driver's \
         distribution allows values too extreme to compute with (check lognormal spreads)"
    )]
    NotFinite {
        /// Index of the first such iteration.
        iteration: u64,
    },
    /// Nothing to run.
    #[error("the number of iterations must be at least 1")]
    NoIterations,
}

/// Running sums of one batch. Merged in batch order to give the run's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSummary {
    /// Iterations in the batch.
    pub n: u64,
    /// Σ gap.
    pub sum_gap: f64,
    /// Σ gap².
    pub sum_gap_sq: f64,
    /// Σ shortfall after mitigation.
    pub sum_shortfall: f64,
    /// Σ shortfall².
    pub sum_shortfall_sq: f64,
    /// Iterations with gap > 0.
    pub gap_positive: u64,
    /// Iterations with shortfall > usable reserves (S114-level).
    pub breaches: u64,
    /// Σ max(shortfall − reserves, 0).
    pub sum_excess: f64,
    /// Σ max(shortfall − reserves, 0)².
    pub sum_excess_sq: f64,
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
}

impl BatchSummary {
    fn new(plan: &Plan) -> Self {
        BatchSummary {
            n: 0,
            sum_gap: 0.0,
            sum_gap_sq: 0.0,
            sum_shortfall: 0.0,
            sum_shortfall_sq: 0.0,
            gap_positive: 0,
            breaches: 0,
            sum_excess: 0.0,
            sum_excess_sq: 0.0,
            sum_savings: 0.0,
            min_savings: f64::INFINITY,
            max_savings: f64::NEG_INFINITY,
            savings_histogram: vec![0; SAVINGS_BINS],
            line_outturn: vec![0.0; plan.lines.len()],
            saving_delivered: vec![0.0; plan.savings.len()],
            funding_actual: vec![0.0; plan.funding.len()],
            mitigation_capacity: vec![0.0; plan.mitigations.len()],
            sum_mitigation_used: 0.0,
        }
    }

    /// Adds `other` into `self`. Merging batches in index order gives the same figures
    /// however the batches were grouped across threads or machines.
    pub fn merge(&mut self, other: &BatchSummary) {
        self.n += other.n;
        self.sum_gap += other.sum_gap;
        self.sum_gap_sq += other.sum_gap_sq;
        self.sum_shortfall += other.sum_shortfall;
        self.sum_shortfall_sq += other.sum_shortfall_sq;
        self.gap_positive += other.gap_positive;
        self.breaches += other.breaches;
        self.sum_excess += other.sum_excess;
        self.sum_excess_sq += other.sum_excess_sq;
        self.sum_savings += other.sum_savings;
        self.min_savings = self.min_savings.min(other.min_savings);
        self.max_savings = self.max_savings.max(other.max_savings);
        add(&mut self.savings_histogram, &other.savings_histogram);
        add(&mut self.line_outturn, &other.line_outturn);
        add(&mut self.saving_delivered, &other.saving_delivered);
        add(&mut self.funding_actual, &other.funding_actual);
        add(&mut self.mitigation_capacity, &other.mitigation_capacity);
        self.sum_mitigation_used += other.sum_mitigation_used;
    }
}

fn add<T: Copy + std::ops::AddAssign>(into: &mut [T], from: &[T]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += *b;
    }
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
}

/// The model compiled to plain numbers in the model's unit, for the hot loop.
#[derive(Debug, Clone)]
pub struct Plan {
    lines: Vec<PlanLine>,
    savings: Vec<PlanSaving>,
    funding: Vec<PlanFunding>,
    mitigations: Vec<DriverId>,
    planned_savings: f64,
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
    pub fn new(model: &Model) -> Plan {
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
            lines,
            savings,
            funding,
            mitigations: model.mitigations.iter().map(|m| m.capacity).collect(),
            planned_savings: f(model.planned_savings()),
        }
    }
}

/// Per-thread working space for one batch.
struct Scratch {
    columns: Vec<Vec<f64>>,
    gap: Vec<f64>,
    term: Vec<f64>,
    savings: Vec<f64>,
    capacity: Vec<f64>,
}

impl Scratch {
    fn new(drivers: usize) -> Self {
        Scratch {
            columns: vec![Vec::with_capacity(BATCH_SIZE); drivers],
            gap: Vec::with_capacity(BATCH_SIZE),
            term: Vec::with_capacity(BATCH_SIZE),
            savings: Vec::with_capacity(BATCH_SIZE),
            capacity: Vec::with_capacity(BATCH_SIZE),
        }
    }

    fn resize(&mut self, n: usize) {
        for c in &mut self.columns {
            c.resize(n, 0.0);
        }
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

/// Runs the model. `progress` is called with the iterations of each finished batch;
/// setting `cancel` stops the run between batches.
///
/// Runs on the current rayon pool: wrap the call in `ThreadPool::install` to choose the
/// thread count. The result does not depend on it.
///
/// # Errors
/// [`EngineError::Cancelled`] if cancelled, [`EngineError::NotFinite`] if an iteration
/// overflowed.
pub fn run(
    model: &Model,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<RunResult, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    let plan = Plan::new(model);
    let n = usize::try_from(config.iterations).map_err(|_| EngineError::NoIterations)?;
    let mut gap = vec![0f32; n];
    let mut shortfall = vec![0f32; n];
    let batches: Vec<BatchSummary> = gap
        .par_chunks_mut(BATCH_SIZE)
        .zip(shortfall.par_chunks_mut(BATCH_SIZE))
        .enumerate()
        .map_init(
            || Scratch::new(model.drivers.len()),
            |scratch, (b, (gap_out, shortfall_out))| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(EngineError::Cancelled);
                }
                let summary = run_batch(
                    model,
                    &plan,
                    config,
                    b as u64,
                    scratch,
                    gap_out,
                    shortfall_out,
                )?;
                progress(summary.n);
                Ok(summary)
            },
        )
        .collect::<Result<_, _>>()?;
    let mut total = BatchSummary::new(&plan);
    for b in &batches {
        total.merge(b);
    }
    Ok(RunResult {
        batches,
        total,
        gap,
        shortfall,
    })
}

/// Simulates batch `b` into `gap_out` and `shortfall_out` (whose length is the batch's).
fn run_batch(
    model: &Model,
    plan: &Plan,
    config: &RunConfig,
    b: u64,
    s: &mut Scratch,
    gap_out: &mut [f32],
    shortfall_out: &mut [f32],
) -> Result<BatchSummary, EngineError> {
    let n = gap_out.len();
    s.resize(n);
    fill_batch(
        &model.drivers,
        config.seed,
        b,
        config.sampling,
        &mut s.columns,
    );
    let mut sum = BatchSummary::new(plan);
    sum.n = n as u64;
    let cols = &s.columns;

    for (k, line) in plan.lines.iter().enumerate() {
        let mut outturn = 0.0;
        match line {
            PlanLine::Product {
                coefficient,
                growth,
                budget,
            } => {
                s.term.fill(*coefficient);
                for g in growth {
                    for (t, x) in s.term.iter_mut().zip(&cols[g.0]) {
                        *t *= 1.0 + x;
                    }
                }
                for (gap, t) in s.gap.iter_mut().zip(&s.term) {
                    *gap += t - budget;
                    outturn += t;
                }
            }
            PlanLine::Risk {
                occurs,
                impact,
                budget,
            } => {
                for ((gap, o), i) in s.gap.iter_mut().zip(&cols[occurs.0]).zip(&cols[impact.0]) {
                    let t = o * i;
                    *gap += t - budget;
                    outturn += t;
                }
            }
        }
        sum.line_outturn[k] = outturn;
    }

    for (k, sv) in plan.savings.iter().enumerate() {
        let mut delivered_sum = 0.0;
        let happens = &cols[sv.happens.0];
        let fraction = &cols[sv.delivered.0];
        let slip = &cols[sv.slippage.0];
        for i in 0..n {
            let months = slip[i].clamp(0.0, 12.0);
            let d = sv.amount * happens[i] * fraction[i].clamp(0.0, 1.0) * (12.0 - months) / 12.0;
            s.savings[i] += d;
            s.gap[i] += sv.amount - d;
            delivered_sum += d;
        }
        sum.saving_delivered[k] = delivered_sum;
    }

    for (k, fu) in plan.funding.iter().enumerate() {
        s.term.fill(fu.budget);
        for v in &fu.variation {
            for (t, x) in s.term.iter_mut().zip(&cols[v.0]) {
                *t *= 1.0 + x;
            }
        }
        let mut actual = 0.0;
        for (gap, t) in s.gap.iter_mut().zip(&s.term) {
            *gap -= t - fu.budget;
            actual += t;
        }
        sum.funding_actual[k] = actual;
    }

    for (k, m) in plan.mitigations.iter().enumerate() {
        let mut total = 0.0;
        for (c, x) in s.capacity.iter_mut().zip(&cols[m.0]) {
            *c += x;
            total += x;
        }
        sum.mitigation_capacity[k] = total;
    }

    let reserves = config.reserves;
    let bin_width = plan.planned_savings / SAVINGS_BINS as f64;
    for i in 0..n {
        let gap = s.gap[i];
        if !gap.is_finite() {
            return Err(EngineError::NotFinite {
                iteration: b * BATCH_SIZE as u64 + i as u64,
            });
        }
        // Mitigation covers an overspend only: it is not spent in a year that balances.
        let used = gap.clamp(0.0, s.capacity[i]);
        let shortfall = gap - used;
        let excess = (shortfall - reserves).max(0.0);
        sum.sum_gap += gap;
        sum.sum_gap_sq += gap * gap;
        sum.sum_shortfall += shortfall;
        sum.sum_shortfall_sq += shortfall * shortfall;
        sum.gap_positive += u64::from(gap > 0.0);
        sum.breaches += u64::from(shortfall > reserves);
        sum.sum_excess += excess;
        sum.sum_excess_sq += excess * excess;
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
    }
    Ok(sum)
}
