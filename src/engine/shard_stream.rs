//! A run too long to keep every year ([`super::KEEP_YEARS_UP_TO`]), split into shards: the
//! two passes of a streaming run ([`super::ranks`]), each spread over machines.
//!
//! - **Counting** (pass 1): shard k simulates its batches and keeps their sums and the
//!   counts of their gaps and shortfalls in the run's fine classes and chart bins
//!   ([`CountedPart`], about 2 MB whatever the years). The classes come from the run's
//!   pilot, its first [`super::SENSITIVITY_BATCHES`] batches, which every shard simulates
//!   for itself: the same pilot, so the same classes, on every machine.
//! - **Collecting** (pass 2): the counted parts of the whole run, added up, say which
//!   classes hold the ranks the summary reads; shard k simulates its batches again and
//!   keeps only the values in those classes ([`CollectedPart`], about 3% of its years).
//! - **Merging**: the batch sums in batch order, the counts added (integers: exact in any
//!   order), the collected values sorted and read off: the one-machine streaming run's
//!   [`RunResult`] bit for bit, so the same summary as a run that kept every year.
//!
//! A merge holds the batch sums, the counts and the collected values: about 0.5 GB at
//! 10^9 years, where keeping every year would need 16 GB.

use std::ops::Range;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::shard::{MergeError, batches_in, tiles, within};
use super::{
    BATCH_SIZE, BatchSummary, ChartCounts, EngineError, PILOT_YEARS, RanksFn, RunConfig, RunResult,
    Simulation, plan, ranks,
};
use crate::model::Model;

/// What a counting shard keeps of its batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountedPart {
    /// The batches it simulated, `first..end`.
    pub first: u64,
    /// One past its last batch.
    pub end: u64,
    /// Each batch's sums.
    pub batches: Vec<BatchSummary>,
    /// Its gaps counted in the run's classes.
    pub gap: Vec<u64>,
    /// Its shortfalls counted in the run's classes.
    pub shortfall: Vec<u64>,
    /// Its gaps and shortfalls counted in the chart's bins.
    pub chart: ChartCounts,
}

/// What a collecting shard keeps of its batches: the values in the wanted classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectedPart {
    /// The batches it simulated again, `first..end`.
    pub first: u64,
    /// One past its last batch.
    pub end: u64,
    /// Its gaps in the wanted classes, in no particular order.
    pub gap: Vec<f64>,
    /// Its shortfalls in the wanted classes, in no particular order.
    pub shortfall: Vec<f64>,
}

/// Why a streaming shard could not be run or merged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StreamError {
    /// The counted or the collected parts do not fit together.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// The simulation failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Whether a run of `iterations` streams when runs keep at most `years_up_to` years (as
/// [`Simulation::new`] decides: a run no longer than its pilot keeps every year anyway).
pub fn streams(iterations: u64, years_up_to: u64) -> bool {
    iterations > years_up_to && iterations > PILOT_YEARS
}

/// A streaming simulation of `config` with its classes from the pilot and nothing counted.
fn streaming<'m>(
    model: &'m Model,
    config: &RunConfig,
    cancel: &AtomicBool,
) -> Result<Simulation<'m>, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    if config.iterations > super::MAX_ITERATIONS {
        return Err(EngineError::TooMany {
            iterations: config.iterations,
        });
    }
    let mut pilot = Simulation::new(model, config, u64::MAX)?;
    pilot.keep_to(PILOT_YEARS.min(config.iterations), &|_| {}, cancel)?;
    let mut sim = Simulation::new(model, config, 0)?;
    sim.binned = Some(ranks::Binned::empty_from_pilot(
        &pilot.gap,
        &pilot.shortfall,
    )?);
    Ok(sim)
}

/// Pass 1 of batches `range` of the streaming run `config`.
///
/// # Errors
/// As [`super::run`].
pub fn count_shard(
    model: &Model,
    config: &RunConfig,
    range: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<CountedPart, EngineError> {
    let mut sim = streaming(model, config, cancel)?;
    let total = batches_in(config.iterations);
    let (first, end) = within(&range, total);
    if end > first {
        sim.iterations = first * BATCH_SIZE as u64;
        sim.stream_to(
            (end * BATCH_SIZE as u64).min(config.iterations),
            progress,
            cancel,
        )?;
    }
    let binned = sim.binned.take().expect("a streaming simulation");
    let (gap, shortfall, chart) = binned.into_counts();
    Ok(CountedPart {
        first,
        end,
        batches: sim.batches,
        gap,
        shortfall,
        chart,
    })
}

/// The run's counts from its counted parts (checked to tile its batches and to fit their
/// ranges), and the simulation that counted them.
fn counted<'m>(
    model: &'m Model,
    config: &RunConfig,
    mut parts: Vec<CountedPart>,
    cancel: &AtomicBool,
) -> Result<(Simulation<'m>, Vec<BatchSummary>), StreamError> {
    let mut sim = streaming(model, config, cancel)?;
    let total = batches_in(config.iterations);
    parts.retain(|p| p.end > p.first);
    parts.sort_by_key(|p| p.first);
    tiles(parts.iter().map(|p| (p.first, p.end)), total)?;
    let binned = sim.binned.as_mut().expect("a streaming simulation");
    let mut batches = Vec::new();
    for p in parts {
        check_counted(&p, config.iterations, binned)?;
        binned.add_counts(&p.gap, &p.shortfall, &p.chart);
        batches.extend(p.batches);
    }
    sim.iterations = config.iterations;
    Ok((sim, batches))
}

/// Checks that a counted part holds its batches' sums and counts over the run's classes.
fn check_counted(
    p: &CountedPart,
    iterations: u64,
    binned: &ranks::Binned,
) -> Result<(), MergeError> {
    let years = (p.end * BATCH_SIZE as u64).min(iterations) - p.first * BATCH_SIZE as u64;
    let fail = |found: String, needed: String| MergeError::Inconsistent {
        first: p.first,
        end: p.end,
        found,
        needed,
    };
    if p.batches.len() as u64 != p.end - p.first {
        return Err(fail(
            format!("{} batch sums", p.batches.len()),
            format!("{}", p.end - p.first),
        ));
    }
    let summed: u64 = p.batches.iter().map(|b| b.n).sum();
    if summed != years {
        return Err(fail(
            format!("batch sums over {summed} years"),
            format!("{years}"),
        ));
    }
    let (gap_classes, shortfall_classes) = binned.classes();
    if p.gap.len() != gap_classes || p.shortfall.len() != shortfall_classes {
        return Err(fail(
            format!(
                "counts in {} and {} classes",
                p.gap.len(),
                p.shortfall.len()
            ),
            format!("the run's {gap_classes} and {shortfall_classes}"),
        ));
    }
    let (g, s) = (p.gap.iter().sum::<u64>(), p.shortfall.iter().sum::<u64>());
    if (g, s) != (years, years)
        || p.chart.counted() != (years, years)
        || !binned.chart().same_bins(&p.chart)
    {
        return Err(fail(
            format!("counts of {g} gaps and {s} shortfalls, or another chart"),
            format!("{years} of each over the run's chart bins"),
        ));
    }
    Ok(())
}

/// Pass 2 of batches `range`, from the whole run's counted parts.
///
/// # Errors
/// [`StreamError::Merge`] when the counted parts are not one run's whole set; as
/// [`super::run`] otherwise.
pub fn collect_shard(
    model: &Model,
    config: &RunConfig,
    counted_parts: Vec<CountedPart>,
    range: Range<u64>,
    ranks_read: &RanksFn,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<CollectedPart, StreamError> {
    let (sim, _) = counted(model, config, counted_parts, cancel)?;
    let total = batches_in(config.iterations);
    let (first, end) = within(&range, total);
    let binned = sim.binned.as_ref().expect("a streaming simulation");
    let (gap_wanted, shortfall_wanted) = binned.wanted(&ranks_read(config.iterations));
    let (gap, shortfall) = sim.gather(
        first..end,
        [&gap_wanted, &shortfall_wanted],
        None,
        progress,
        cancel,
    )?;
    Ok(CollectedPart {
        first,
        end,
        gap,
        shortfall,
    })
}

/// The streaming run of `config`, from its counted parts and its collected parts (each set
/// tiling the run's batches, in any order): [`super::run_keeping`]'s result to the bit.
///
/// # Errors
/// [`StreamError::Merge`] when the parts overlap, leave batches out or do not fit their
/// ranges or each other.
pub fn merge_streamed(
    model: &Model,
    config: &RunConfig,
    counted_parts: Vec<CountedPart>,
    mut collected: Vec<CollectedPart>,
    ranks_read: &RanksFn,
    cancel: &AtomicBool,
) -> Result<RunResult, StreamError> {
    let (sim, batches) = counted(model, config, counted_parts, cancel)?;
    let n = config.iterations;
    let binned = sim.binned.as_ref().expect("a streaming simulation");
    let wanted_ranks = ranks_read(n);
    let (gap_wanted, shortfall_wanted) = binned.wanted(&wanted_ranks);
    collected.retain(|p| p.end > p.first);
    collected.sort_by_key(|p| p.first);
    tiles(collected.iter().map(|p| (p.first, p.end)), batches_in(n))?;
    let (gap_kept, shortfall_kept): (u64, u64) = collected.iter().fold((0, 0), |(g, s), p| {
        (g + p.gap.len() as u64, s + p.shortfall.len() as u64)
    });
    if (gap_kept, shortfall_kept) != (gap_wanted.kept(), shortfall_wanted.kept()) {
        return Err(MergeError::Collected {
            found: gap_kept + shortfall_kept,
            needed: gap_wanted.kept() + shortfall_wanted.kept(),
        }
        .into());
    }
    let no_memory = |k: u64| EngineError::OutOfMemory {
        iterations: n,
        bytes: k * 8,
    };
    let mut gap = Vec::new();
    let mut shortfall = Vec::new();
    gap.try_reserve_exact(gap_kept as usize)
        .map_err(|_| no_memory(gap_kept + shortfall_kept))?;
    shortfall
        .try_reserve_exact(shortfall_kept as usize)
        .map_err(|_| no_memory(gap_kept + shortfall_kept))?;
    for p in collected {
        gap.extend_from_slice(&p.gap);
        shortfall.extend_from_slice(&p.shortfall);
    }
    let collection = ranks::read_collection(
        n,
        &wanted_ranks,
        [&gap_wanted, &shortfall_wanted],
        [gap, shortfall],
    )
    .map_err(MergeError::Misplaced)?;
    let first = model.first_year();
    let plan = plan::Plan::new(&first);
    let mut total = BatchSummary::new(&plan);
    for b in &batches {
        total.merge(b);
    }
    Ok(RunResult {
        batches,
        total,
        gap: Vec::new(),
        shortfall: Vec::new(),
        collected: Some(collection),
        paths: Vec::new(),
        years: 1,
        chart: binned.chart().clone(),
        trace: Vec::new(),
        slopes: plan::slopes(&plan, &first),
    })
}
