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

mod batch;
pub mod memory;
mod plan;
mod sums;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::model::Model;
use crate::sample::{Sampler, Sampling};

use batch::{Scratch, run_batch};
use plan::{Plan, slopes};
pub use sums::{BatchSummary, SensitivitySums};

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
        /// Where that item is written in the model file, when it is one item.
        span: Option<std::ops::Range<usize>>,
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
    /// A worker thread's memory for one batch could not be allocated.
    #[error(
        "the working memory for one batch of {BATCH_SIZE} simulated years ({:.2} GB on \
         each thread, for the model's drivers, lines, savings and funding) could not be \
         allocated; run with fewer --threads (the figures do not depend on it), or on a \
         machine with more free memory",
        *bytes as f64 / 1e9
    )]
    ScratchOutOfMemory {
        /// Bytes asked for on one thread.
        bytes: u64,
    },
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

    /// Reserves the results of `iterations` simulated years in all, ahead of
    /// [`Simulation::extend_to`].
    ///
    /// # Errors
    /// [`EngineError::TooMany`] beyond the cap, [`EngineError::OutOfMemory`] when the
    /// memory cannot be had.
    pub fn reserve(&mut self, iterations: u64) -> Result<(), EngineError> {
        if iterations > MAX_ITERATIONS {
            return Err(EngineError::TooMany { iterations });
        }
        let no_memory = EngineError::OutOfMemory { iterations };
        let more = usize::try_from(iterations)
            .map_err(|_| no_memory.clone())?
            .saturating_sub(self.gap.len());
        self.gap
            .try_reserve_exact(more)
            .and_then(|()| self.shortfall.try_reserve_exact(more))
            .and_then(|()| self.batches.try_reserve_exact(more.div_ceil(BATCH_SIZE)))
            .map_err(|_| no_memory)
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
            .and_then(|()| {
                self.batches
                    .try_reserve_exact((end - start).div_ceil(BATCH_SIZE))
            })
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
    // The cap's results at once (pages are only touched as they are written), so that the
    // rounds do not reallocate and copy them again and again.
    sim.reserve(config.iterations)?;
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
