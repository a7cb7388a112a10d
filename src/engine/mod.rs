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
//! Memory: a run of up to [`KEEP_YEARS_UP_TO`] simulated years keeps the gap and the
//! shortfall of every iteration as `f64` (16 bytes per iteration) so that exact percentiles
//! can be taken and agree with the mean, minimum and maximum at any amount a model can hold.
//! A longer run keeps only its first batches (the pilot), counts the others in fine classes
//! and simulates every batch a second time to collect the few values its percentiles need
//! (see [`ranks`](self::ranks)): the same figures, bit for bit, in a fraction of the memory,
//! at twice the time. Everything else is a fixed-size running sum per batch. Scratch space
//! is one batch of driver columns per thread.
//!
//! This module does no I/O. Progress and cancellation come in through arguments.

mod batch;
mod chart;
pub mod memory;
mod plan;
mod ranks;
pub use ranks::Misplaced;
pub mod shard;
pub mod shard_stream;
mod sums;
mod years;

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::model::Model;
use crate::order::Collected;
use crate::sample::{Sampler, Sampling};

use batch::{Scratch, Setup, run_batch};
pub use chart::{CHART_BINS, ChartCounts};
pub use plan::{Central, central};
use plan::{Plan, slopes};
pub use ranks::EDGES;
pub use sums::{BatchSummary, SensitivitySums};
pub use years::{Moments, PER_YEAR, YearSums, kept_per_row};

/// Iterations per batch. Part of the definition of a run's random numbers: changing it
/// changes results, so it is fixed rather than tuned to the machine.
pub const BATCH_SIZE: usize = 10_000;
// The Latin hypercube keeps its strata tables for a batch of this length.
const _: () = assert!(BATCH_SIZE == crate::dist::STRATA_ROWS);

/// Bins of the histogram of savings delivered (over 0 .. planned total).
pub const SAVINGS_BINS: usize = 1000;

/// Sensitivity (rank correlations, tornado effects) is measured on the first this many
/// batches (100,000 iterations): enough to rank drivers (the standard error of a rank
/// correlation is then about 0.003) at a fixed, small cost, and the same set of iterations
/// whatever the run's length.
pub const SENSITIVITY_BATCHES: u64 = 10;

/// A `--precision` run's first check comes after this many batches (50,000 years); later
/// checks come after as many batches as the interval's width says are still needed, at
/// most the run so far and at least one ([`next_check`]).
pub const FIRST_CHECK_BATCHES: u64 = 5;

/// Batches to run before the next check of a run to a precision, from the `batches` run
/// so far and the width to stop on they gave: half the batches the width says are still
/// needed (the width falls as 1/√n, so n·(width/target)² are needed in all), at least one
/// and at most as many as have run. Approaching the stopping point by halves overshoots the
/// first batch at which the rule holds by at most the last round, which shrinks to one
/// batch near the end; the rounds still run in parallel while they are long.
pub fn next_check(batches: u64, stop_width: f64, target: f64) -> u64 {
    if batches == 0 {
        return FIRST_CHECK_BATCHES;
    }
    let ratio = stop_width / target;
    let needed = if ratio.is_finite() {
        (batches as f64 * ratio * ratio).ceil() - batches as f64
    } else {
        batches as f64
    };
    ((needed / 2.0).ceil() as u64).clamp(1, batches)
}

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

/// The most iterations a run may have: a run this long streams (see
/// [`KEEP_YEARS_UP_TO`]), and takes about 1 GB for the values its percentiles are read from.
pub const MAX_ITERATIONS: u64 = 1_000_000_000;

/// Memory kept for every simulated year of a run that keeps them all: its gap and its
/// shortfall, as `f64`. (`f32`, 8 bytes, kept only 7 significant digits: on a £ model of
/// 10^14 the mean then fell outside the range of the stored values and percentiles
/// disagreed with it.)
pub const BYTES_PER_ITERATION: u64 = 16;

/// Runs of up to this many simulated years (320 MB of results) keep every year's gap and
/// shortfall and sort them; longer runs stream: they keep the first
/// [`SENSITIVITY_BATCHES`] batches, count the rest in fine classes, and simulate every
/// batch again to collect the order statistics the summary reads. Both give the same
/// figures, bit for bit; streaming takes twice the time and about a tenth of the memory.
pub const KEEP_YEARS_UP_TO: u64 = 20_000_000;

/// The years of the pilot of a streaming run: its first [`SENSITIVITY_BATCHES`] batches,
/// kept, whose order statistics set the fine classes the later years are counted in and
/// whose P0.1 and P99.9 set the chart's bins (in every run).
pub const PILOT_YEARS: u64 = SENSITIVITY_BATCHES * BATCH_SIZE as u64;

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
         (10^9); use --precision to stop once the answer is precise enough"
    )]
    TooMany {
        /// Iterations asked for.
        iterations: u64,
    },
    /// The memory for the results could not be allocated.
    #[error(
        "the memory for the results of {iterations} simulated years ({:.2} GB: the values \
         their percentiles are read from) could not be allocated; run fewer simulated \
         years, or on a machine with more free memory",
        *bytes as f64 / 1e9
    )]
    OutOfMemory {
        /// Iterations asked for.
        iterations: u64,
        /// Bytes asked for.
        bytes: u64,
    },
    /// The model's correlations cannot be imposed.
    #[error("the correlations cannot be imposed")]
    Correlation(#[from] crate::correlation::CorrelationError),
    /// A multi-year run longer than a run may keep.
    #[error(
        "{iterations} simulated paths of a model of several years is more than a run can \
         keep: every path's years are kept for their percentiles, and at most {most} paths \
         are (a model of one year streams beyond that; several years do not yet); run \
         fewer, or use --precision"
    )]
    MultiYearTooLong {
        /// Paths asked for.
        iterations: u64,
        /// The most a multi-year run keeps.
        most: u64,
    },
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
    /// A streaming run's second pass kept other values than its first pass counted (a
    /// fault, not an input: the run is refused rather than a percentile read from the
    /// wrong place).
    #[error(
        "the second pass over the simulated years did not find the {} values the first pass \
         counted: the run did not reproduce itself on this machine, so no percentile is read \
         from it; please report it",
        .0.quantity
    )]
    NotReproduced(ranks::Misplaced),
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

/// The order statistics a streaming run collected in its second pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// Of the gap.
    pub gap: Collected,
    /// Of the shortfall after mitigation.
    pub shortfall: Collected,
}

/// The output of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Per-batch sums, in batch order.
    pub batches: Vec<BatchSummary>,
    /// All batches merged.
    pub total: BatchSummary,
    /// The gap of every iteration, in iteration order; empty when the run streamed.
    pub gap: Vec<f64>,
    /// The shortfall after mitigation of every iteration, in iteration order; empty when
    /// the run streamed.
    pub shortfall: Vec<f64>,
    /// When the run streamed: the order statistics its summary reads.
    pub collected: Option<Collection>,
    /// For a multi-year model: per row, batch by batch, [`kept_per_row`] values (each
    /// year's gap, shortfall and year-end reserves, then the reserves the path needed),
    /// quantity by quantity within each batch ([`RunResult::path_values`] gathers one).
    pub paths: Vec<f64>,
    /// Years in the model's horizon.
    pub years: usize,
    /// The chart histogram of the gap and the shortfall.
    pub chart: ChartCounts,
    /// For a run to a precision, the estimate after each round.
    pub trace: Vec<TracePoint>,
    /// Per driver: the slope of the gap at the drivers' means, in the model's unit per
    /// unit of the driver (0 for fixed drivers).
    pub slopes: Vec<f64>,
}

impl RunResult {
    /// One kept quantity of a multi-year run over every row, in row order: quantity `q`
    /// is year t's gap (`PER_YEAR·t`), shortfall (`+ 1`) or year-end reserves (`+ 2`), or
    /// the reserves needed (`PER_YEAR·years`). Empty for a one-year model.
    pub fn path_values(&self, q: usize) -> Vec<f64> {
        let k = kept_per_row(self.years);
        if self.paths.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.paths.len() / k);
        for chunk in self.paths.chunks(BATCH_SIZE * k) {
            let n = chunk.len() / k;
            out.extend_from_slice(&chunk[q * n..(q + 1) * n]);
        }
        out
    }
}

/// The ranks (0-based, ascending, distinct) of the order statistics the summary reads from
/// n values: `stats::ranks_read`, passed in because the engine is below the statistics.
pub type RanksFn = dyn Fn(u64) -> Vec<u64> + Sync;

/// How a run keeps what its percentiles are read from.
#[derive(Clone, Copy)]
pub struct Keep<'a> {
    /// A run of at most this many simulated years (its cap, for a run to a precision)
    /// keeps every year; a longer one streams ([`KEEP_YEARS_UP_TO`] in the program).
    pub years_up_to: u64,
    /// The ranks its summary will read.
    pub ranks: &'a RanksFn,
    /// Called with the years of each batch simulated again in a streaming run's second
    /// pass.
    pub collecting: &'a (dyn Fn(u64) + Sync),
}

impl Keep<'static> {
    /// Keeps every simulated year, however many (what [`run`] does).
    pub fn every_year() -> Self {
        fn none(_: u64) -> Vec<u64> {
            Vec::new()
        }
        fn ignore(_: u64) {}
        Keep {
            years_up_to: u64::MAX,
            ranks: &none,
            collecting: &ignore,
        }
    }
}

/// What a pass does with a batch's gap and shortfall, given its worker's own state.
type Visit<'a, T> = dyn Fn(&mut T, &[f64], &[f64]) + Sync + 'a;

/// Per worker thread: the batch's working space and its output columns.
struct Worker<T> {
    scratch: Scratch,
    gap: Vec<f64>,
    shortfall: Vec<f64>,
    /// What the pass keeps on this thread.
    own: T,
}

/// One worker per thread of the current rayon pool, each with its own state `make()`,
/// indexed by rayon's thread index so that no two threads share one (the lock is never
/// contended: it only satisfies the compiler).
fn workers<T>(
    make: impl Fn() -> Result<T, EngineError>,
) -> Result<Vec<Mutex<Worker<T>>>, EngineError> {
    let column = || -> Result<Vec<f64>, EngineError> {
        let mut v = Vec::new();
        v.try_reserve_exact(BATCH_SIZE)
            .map_err(|_| EngineError::ScratchOutOfMemory {
                bytes: BATCH_SIZE as u64 * 16,
            })?;
        v.resize(BATCH_SIZE, 0.0);
        Ok(v)
    };
    (0..rayon::current_num_threads())
        .map(|_| {
            Ok(Mutex::new(Worker {
                scratch: Scratch::default(),
                gap: column()?,
                shortfall: column()?,
                own: make()?,
            }))
        })
        .collect()
}

/// A run in progress: batches so far and their outputs.
pub struct Simulation<'m> {
    sampler: Sampler<'m>,
    config: RunConfig,
    plan: Plan,
    /// The later years of a multi-year model.
    years: Option<years::Years<'m>>,
    /// Their kept values ([`RunResult::paths`]).
    paths: Vec<f64>,
    /// Values kept per row in `paths` (0 for a one-year model).
    per_row: usize,
    slopes: Vec<f64>,
    batches: Vec<BatchSummary>,
    /// Every year so far, or in a streaming run the pilot's.
    gap: Vec<f64>,
    shortfall: Vec<f64>,
    iterations: u64,
    /// Whether the run streams (its cap is beyond what it keeps).
    streams: bool,
    /// Once a streaming run is past its pilot: the classes and their counts.
    binned: Option<ranks::Binned>,
    /// The index of the first batch kept (0 but for a shard, [`shard`]).
    offset: u64,
}

impl<'m> Simulation<'m> {
    /// Prepares a run that keeps every year if `config.iterations` is at most
    /// `years_up_to`, and streams otherwise.
    ///
    /// # Errors
    /// When the model's correlations cannot be imposed.
    pub fn new(
        model: &'m Model,
        config: &RunConfig,
        years_up_to: u64,
    ) -> Result<Self, EngineError> {
        // The first year's items: a multi-year model's later savings and funding are
        // simulated with the later years.
        let first = model.first_year();
        let plan = Plan::new(&first);
        let years = years::Years::new(model, config.sampling)?;
        if years.is_some() && config.iterations > years_up_to.min(KEEP_YEARS_UP_TO) {
            return Err(EngineError::MultiYearTooLong {
                iterations: config.iterations,
                most: years_up_to.min(KEEP_YEARS_UP_TO),
            });
        }
        let per_row = years.as_ref().map_or(0, |y| kept_per_row(y.len));
        Ok(Simulation {
            sampler: Sampler::new(model, config.sampling)?,
            config: config.clone(),
            slopes: slopes(&plan, &first),
            plan,
            years,
            paths: Vec::new(),
            per_row,
            batches: Vec::new(),
            gap: Vec::new(),
            shortfall: Vec::new(),
            iterations: 0,
            streams: config.iterations > years_up_to,
            binned: None,
            offset: 0,
        })
    }

    /// The years this run keeps: all of them, or the pilot's.
    fn kept_years(&self, iterations: u64) -> u64 {
        if self.streams {
            iterations.min(PILOT_YEARS.min(self.config.iterations))
        } else {
            iterations
        }
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
        let kept = self.kept_years(iterations);
        let no_memory = EngineError::OutOfMemory {
            iterations,
            bytes: kept * BYTES_PER_ITERATION,
        };
        let more = usize::try_from(kept)
            .map_err(|_| no_memory.clone())?
            .saturating_sub(self.gap.len());
        let batches = usize::try_from(iterations.div_ceil(BATCH_SIZE as u64))
            .map_err(|_| no_memory.clone())?
            .saturating_sub(self.batches.len());
        self.gap
            .try_reserve_exact(more)
            .and_then(|()| self.shortfall.try_reserve_exact(more))
            .and_then(|()| self.batches.try_reserve_exact(batches))
            .and_then(|()| {
                self.paths
                    .try_reserve_exact(more.saturating_mul(self.per_row))
            })
            .map_err(|_| no_memory)
    }

    /// Iterations simulated so far.
    pub fn iterations(&self) -> u64 {
        self.iterations
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
        if iterations > MAX_ITERATIONS {
            return Err(EngineError::TooMany { iterations });
        }
        if iterations <= self.iterations {
            return Ok(());
        }
        if self.binned.is_none() {
            let kept = self.kept_years(iterations);
            self.keep_to(kept, progress, cancel)?;
            if kept == iterations {
                return Ok(());
            }
            // Past the pilot: the classes, the pilot counted in them, and the kept years
            // let go (the second pass simulates them again).
            self.binned = Some(ranks::Binned::from_pilot(&self.gap, &self.shortfall)?);
            self.gap = Vec::new();
            self.shortfall = Vec::new();
        }
        self.stream_to(iterations, progress, cancel)
    }

    /// Simulates up to `iterations`, keeping every year.
    fn keep_to(
        &mut self,
        iterations: u64,
        progress: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        let start = self.gap.len();
        let per_row = self.per_row;
        let no_memory = EngineError::OutOfMemory {
            iterations,
            bytes: iterations.saturating_mul(BYTES_PER_ITERATION + 8 * per_row as u64),
        };
        let end = usize::try_from(iterations).map_err(|_| no_memory.clone())?;
        if end <= start {
            return Ok(());
        }
        self.gap
            .try_reserve_exact(end - start)
            .and_then(|()| self.shortfall.try_reserve_exact(end - start))
            .and_then(|()| self.paths.try_reserve_exact((end - start) * per_row))
            .and_then(|()| {
                self.batches
                    .try_reserve_exact((end - start).div_ceil(BATCH_SIZE))
            })
            .map_err(|_| no_memory)?;
        // Batches start at multiples of BATCH_SIZE; only the run's last batch is short.
        debug_assert_eq!(start % BATCH_SIZE, 0);
        let first_batch = self.offset + (start / BATCH_SIZE) as u64;
        self.gap.resize(end, 0.0);
        self.shortfall.resize(end, 0.0);
        self.paths.resize(end * per_row, 0.0);
        self.sampler.prepare();
        let setup = Setup {
            sampler: &self.sampler,
            plan: &self.plan,
            config: &self.config,
            years: self.years.as_ref(),
        };
        // Each batch's slice of the kept paths (none for a one-year model).
        let batches = (end - start).div_ceil(BATCH_SIZE);
        let path_slices: Vec<&mut [f64]> = if per_row == 0 {
            (0..batches).map(|_| <&mut [f64]>::default()).collect()
        } else {
            self.paths[start * per_row..]
                .chunks_mut(BATCH_SIZE * per_row)
                .collect()
        };
        // The earliest batch known to have failed: later batches are skipped (their work
        // would be thrown away), earlier ones still run, so the error reported is the first
        // in batch order however the threads were scheduled.
        let failed = AtomicU64::new(u64::MAX);
        let new: Vec<BatchSummary> = self.gap[start..]
            .par_chunks_mut(BATCH_SIZE)
            .zip(self.shortfall[start..].par_chunks_mut(BATCH_SIZE))
            .zip(path_slices)
            .enumerate()
            .map_init(
                Scratch::default,
                |scratch, (k, ((gap_out, shortfall_out), paths_out))| {
                    let b = first_batch + k as u64;
                    if cancel.load(Ordering::Relaxed) || b > failed.load(Ordering::Relaxed) {
                        return Err(EngineError::Cancelled);
                    }
                    let summary = run_batch(&setup, b, scratch, gap_out, shortfall_out, paths_out)
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
        self.iterations = iterations;
        Ok(())
    }

    /// Simulates up to `iterations`, counting each year in its class.
    fn stream_to(
        &mut self,
        iterations: u64,
        progress: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        let Some(binned) = &self.binned else {
            return Ok(());
        };
        let first = self.iterations / BATCH_SIZE as u64;
        let last = iterations.div_ceil(BATCH_SIZE as u64);
        self.batches
            .try_reserve_exact((last - first) as usize)
            .map_err(|_| EngineError::OutOfMemory {
                iterations,
                bytes: (last - first) * std::mem::size_of::<BatchSummary>() as u64,
            })?;
        let workers = workers(|| binned.empty_tally())?;
        let visit = |tally: &mut ranks::Tally, gap: &[f64], shortfall: &[f64]| {
            binned.count(tally, gap, shortfall);
        };
        let new = self.pass(
            first..last,
            iterations,
            &workers,
            &visit,
            &|_, summary| summary,
            progress,
            cancel,
        )?;
        let binned = self.binned.as_mut().expect("binned above");
        for w in workers {
            let w = w
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            binned.merge(&w.own);
        }
        self.batches.extend(new);
        self.iterations = iterations;
        Ok(())
    }

    /// Simulates batches `range` of a run of `iterations` years on the current rayon pool,
    /// each into its worker's columns, then `visit`s them with the worker's own state, and
    /// returns what `out` makes of each batch's sums (the sums themselves in the first
    /// pass; nothing in the second, which must not hold a second copy of them).
    #[allow(clippy::too_many_arguments)]
    fn pass<T: Send, R: Send>(
        &self,
        range: Range<u64>,
        iterations: u64,
        workers: &[Mutex<Worker<T>>],
        visit: &Visit<'_, T>,
        out: &(dyn Fn(u64, BatchSummary) -> R + Sync),
        progress: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<Vec<R>, EngineError> {
        self.sampler.prepare();
        let setup = self.setup();
        let failed = AtomicU64::new(u64::MAX);
        range
            .into_par_iter()
            .map(|b| {
                if cancel.load(Ordering::Relaxed) || b > failed.load(Ordering::Relaxed) {
                    return Err(EngineError::Cancelled);
                }
                let start = b * BATCH_SIZE as u64;
                let n = (iterations.min(start + BATCH_SIZE as u64) - start) as usize;
                let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
                let mut guard = workers[slot]
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let w = &mut *guard;
                let (gap, shortfall) = (&mut w.gap[..n], &mut w.shortfall[..n]);
                let summary = run_batch(&setup, b, &mut w.scratch, gap, shortfall, &mut [])
                    .inspect_err(|_| {
                        failed.fetch_min(b, Ordering::Relaxed);
                    })?;
                visit(&mut w.own, gap, shortfall);
                drop(guard);
                progress(summary.n);
                Ok(out(b, summary))
            })
            .collect::<Vec<Result<R, EngineError>>>()
            .into_iter()
            .collect()
    }

    /// What a batch is simulated with.
    fn setup(&self) -> Setup<'_, 'm> {
        Setup {
            sampler: &self.sampler,
            plan: &self.plan,
            config: &self.config,
            years: self.years.as_ref(),
        }
    }

    /// All batches so far, merged in order.
    pub fn total(&self) -> BatchSummary {
        let mut total = BatchSummary::new(&self.plan);
        for b in &self.batches {
            total.merge(b);
        }
        total
    }

    /// The finished run. A streaming run simulates every batch again here, to collect the
    /// order statistics at `keep.ranks`, calling `keep.collecting` as it goes.
    ///
    /// # Errors
    /// [`EngineError::Cancelled`] if cancelled during the second pass,
    /// [`EngineError::OutOfMemory`] if its values cannot be held.
    pub fn finish(
        self,
        trace: Vec<TracePoint>,
        keep: &Keep<'_>,
        cancel: &AtomicBool,
    ) -> Result<RunResult, EngineError> {
        let total = self.total();
        let (collected, chart) = match &self.binned {
            Some(binned) => (
                Some(self.collect(binned, keep, cancel)?),
                binned.chart().clone(),
            ),
            None => (None, ChartCounts::of_kept(&self.gap, &self.shortfall)),
        };
        Ok(RunResult {
            batches: self.batches,
            total,
            gap: self.gap,
            shortfall: self.shortfall,
            collected,
            paths: self.paths,
            years: self.years.as_ref().map_or(1, |y| y.len),
            chart,
            trace,
            slopes: self.slopes,
        })
    }

    /// The second pass: every batch again, keeping the values in the classes that hold a
    /// wanted rank, then those ranks read off.
    fn collect(
        &self,
        binned: &ranks::Binned,
        keep: &Keep<'_>,
        cancel: &AtomicBool,
    ) -> Result<Collection, EngineError> {
        let n = self.iterations;
        let wanted_ranks = (keep.ranks)(n);
        let (gap_wanted, shortfall_wanted) = binned.wanted(&wanted_ranks);
        let batches = n.div_ceil(BATCH_SIZE as u64);
        let (gap_kept, shortfall_kept) = self.gather(
            0..batches,
            [&gap_wanted, &shortfall_wanted],
            Some(&self.batches),
            keep.collecting,
            cancel,
        )?;
        ranks::read_collection(
            n,
            &wanted_ranks,
            [&gap_wanted, &shortfall_wanted],
            [gap_kept, shortfall_kept],
        )
        .map_err(EngineError::NotReproduced)
    }

    /// Simulates batches `range` again, keeping the gaps and the shortfalls in the classes
    /// `wanted` marks (reserved up front from their counts). With `check`, each batch's
    /// sums must be the first pass's (a debug build asserts it).
    fn gather(
        &self,
        range: Range<u64>,
        wanted: [&ranks::Wanted; 2],
        check: Option<&[BatchSummary]>,
        progress: &(dyn Fn(u64) + Sync),
        cancel: &AtomicBool,
    ) -> Result<(Vec<f64>, Vec<f64>), EngineError> {
        let n = self.config.iterations;
        let [gap_wanted, shortfall_wanted] = wanted;
        let no_memory = EngineError::OutOfMemory {
            iterations: n,
            bytes: (gap_wanted.kept() + shortfall_wanted.kept()) * 8,
        };
        let reserve = |k: u64| -> Result<Mutex<Vec<f64>>, EngineError> {
            let mut v = Vec::new();
            v.try_reserve_exact(usize::try_from(k).map_err(|_| no_memory.clone())?)
                .map_err(|_| no_memory.clone())?;
            Ok(Mutex::new(v))
        };
        // The whole run's kept values bound a part's: a shard's share is reserved as it
        // grows instead.
        let whole = range.start == 0 && range.end == n.div_ceil(BATCH_SIZE as u64);
        let (gap_kept, shortfall_kept) = if whole {
            (
                reserve(gap_wanted.kept())?,
                reserve(shortfall_wanted.kept())?,
            )
        } else {
            (Mutex::new(Vec::new()), Mutex::new(Vec::new()))
        };
        let workers = workers(|| Ok((Vec::new(), Vec::new())))?;
        let visit = |own: &mut (Vec<f64>, Vec<f64>), gap: &[f64], shortfall: &[f64]| {
            for (wanted, values, local, into) in [
                (gap_wanted, gap, &mut own.0, &gap_kept),
                (shortfall_wanted, shortfall, &mut own.1, &shortfall_kept),
            ] {
                local.clear();
                wanted.keep(values, local);
                into.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend_from_slice(local);
            }
        };
        // The same batches, the same sums: a batch is reproducible from (seed, index).
        let same = |b: u64, summary: BatchSummary| {
            if let Some(first) = check {
                debug_assert!(summary == first[b as usize], "batch {b} differs");
            }
        };
        self.pass(range, n, &workers, &visit, &same, progress, cancel)?;
        let take = |m: Mutex<Vec<f64>>| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        Ok((take(gap_kept), take(shortfall_kept)))
    }
}

/// Runs `config.iterations` iterations of the model, keeping every simulated year.
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
    run_keeping(model, config, &Keep::every_year(), progress, cancel)
}

/// Runs `config.iterations` iterations of the model, keeping every year or streaming as
/// `keep` says (the figures are the same either way).
///
/// # Errors
/// As [`run`], and [`Simulation::finish`].
pub fn run_keeping(
    model: &Model,
    config: &RunConfig,
    keep: &Keep<'_>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<RunResult, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    let mut sim = Simulation::new(model, config, keep.years_up_to)?;
    sim.extend_to(config.iterations, progress, cancel)?;
    sim.finish(Vec::new(), keep, cancel)
}

/// Computes (estimate, low, high, width to stop on) of P(S114-level) from the batches so
/// far ([`crate::stats::stopping_rule`]: for plain Monte Carlo the width is at least
/// high − low; for Latin hypercube it is the batch-means width, which may be narrower).
pub type IntervalFn = dyn Fn(&[BatchSummary]) -> (f64, f64, f64, f64);

/// Runs rounds of batches ([`next_check`]) until the 95% interval of P(S114-level), as
/// computed by `interval` from the batches so far, is no wider than `width`, or
/// `config.iterations` is reached. Where it checks and stops depends only on the batches,
/// so it is as deterministic as a fixed run. A cap beyond `keep.years_up_to` streams; its second pass
/// covers the batches the rounds ran.
///
/// # Errors
/// As [`run_keeping`].
pub fn run_to_precision(
    model: &Model,
    config: &RunConfig,
    width: f64,
    interval: &IntervalFn,
    keep: &Keep<'_>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<RunResult, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    let mut sim = Simulation::new(model, config, keep.years_up_to)?;
    // The cap's results at once (pages are only touched as they are written), so that the
    // rounds do not reallocate and copy them again and again.
    sim.reserve(config.iterations)?;
    let mut trace: Vec<TracePoint> = Vec::new();
    loop {
        let done = sim.batches().len() as u64;
        let last = trace.last().map_or(f64::INFINITY, |p| p.stop_width);
        let round = next_check(done, last, width) * BATCH_SIZE as u64;
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
    sim.finish(trace, keep, cancel)
}
