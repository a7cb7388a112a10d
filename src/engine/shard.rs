//! One run split into shards: shard k of N simulates a contiguous range of the run's fixed
//! batches and keeps what the exact figures need (each batch's sums, every year's gap and
//! shortfall, a multi-year run's kept paths). Put back in batch order, the shards' parts
//! are the one-machine run's [`RunResult`] bit for bit: a batch depends only on (model,
//! seed, batch index), and sums merge in batch order whichever machine made them.
//!
//! The parts are held in memory to merge, 16 bytes a simulated year (more for a multi-year
//! model), so a merge of N shards needs what an unsharded run that kept every year would.
//! Runs to a precision are not sharded: where they stop depends on every earlier batch.

use std::ops::Range;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::{
    BATCH_SIZE, BatchSummary, ChartCounts, EngineError, RunConfig, RunResult, Simulation, plan,
    years,
};
use crate::model::Model;

/// Shard `index` of `count` (0-based, as Slurm's array task ids are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardOf {
    /// Which shard, from 0.
    pub index: u64,
    /// How many shards the run is split into.
    pub count: u64,
}

/// What a shard keeps: its batches' sums and values, in batch order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPart {
    /// The batches it simulated, `first..end`.
    pub first: u64,
    /// One past its last batch.
    pub end: u64,
    /// Each batch's sums.
    pub batches: Vec<BatchSummary>,
    /// Every year's gap.
    pub gap: Vec<f64>,
    /// Every year's shortfall after mitigation.
    pub shortfall: Vec<f64>,
    /// A multi-year run's kept values, batch by batch ([`RunResult::paths`]).
    pub paths: Vec<f64>,
}

/// Why shards cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// No batches of the run are missing, but none were given either.
    #[error("no shards to merge")]
    Empty,
    /// Two shards cover the same batch.
    #[error(
        "shards overlap: batches {a_first}..{a_end} and {b_first}..{b_end} both hold batch {b_first}"
    )]
    Overlap {
        /// The earlier shard's batches.
        a_first: u64,
        /// One past its last.
        a_end: u64,
        /// The later shard's batches.
        b_first: u64,
        /// One past its last.
        b_end: u64,
    },
    /// Batches no shard covers.
    #[error("batches {first}..{end} of the run's {total} are in none of the shards given")]
    Missing {
        /// The first missing batch.
        first: u64,
        /// One past the last missing batch.
        end: u64,
        /// Batches in the run.
        total: u64,
    },
    /// The collected values of a streaming run are not those its counts call for.
    #[error(
        "the collecting shards hold {found} values, where the counting shards put {needed} in \
         the classes the percentiles are read from"
    )]
    Collected {
        /// Values the collecting shards hold, gap and shortfall together.
        found: u64,
        /// Values the counts call for.
        needed: u64,
    },
    /// Collected values that do not lie in the classes the counts put them in: collecting
    /// shards run against the counts of another counting pass.
    #[error(
        "the collecting shards' {} values do not lie where the counting shards counted them: \
         they were collected against the counts of another counting pass",
        .0.quantity
    )]
    Misplaced(super::ranks::Misplaced),
    /// A part whose contents do not fit its own batch range (a damaged file).
    #[error("the shard of batches {first}..{end} holds {found}, where its batches need {needed}")]
    Inconsistent {
        /// Its first batch.
        first: u64,
        /// One past its last.
        end: u64,
        /// What it holds, in words.
        found: String,
        /// What it should hold.
        needed: String,
    },
}

/// Batches in a run of `iterations` years.
pub fn batches_in(iterations: u64) -> u64 {
    iterations.div_ceil(BATCH_SIZE as u64)
}

/// Shard k's batches: ⌊k·B/N⌋ .. ⌊(k+1)·B/N⌋, so the N ranges tile 0..B in order and differ
/// in size by at most one batch whatever N (more shards than batches leave some empty).
pub fn batch_range(iterations: u64, shard: ShardOf) -> Range<u64> {
    let b = u128::from(batches_in(iterations));
    let n = u128::from(shard.count.max(1));
    let k = u128::from(shard.index.min(shard.count));
    ((k * b / n) as u64)..(((k + 1).min(n) * b / n) as u64)
}

/// `range` cut to a run of `total` batches, as (first, end) with first ≤ end.
pub(super) fn within(range: &Range<u64>, total: u64) -> (u64, u64) {
    let first = range.start.min(total);
    (first, range.end.min(total).max(first))
}

/// Simulates batches `range` of the run `config` describes, keeping what a merge needs.
///
/// # Errors
/// As [`super::run`] (an overflow names the earliest failing year of the range).
pub fn run_shard(
    model: &Model,
    config: &RunConfig,
    range: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ShardPart, EngineError> {
    if config.iterations == 0 {
        return Err(EngineError::NoIterations);
    }
    if config.iterations > super::MAX_ITERATIONS {
        return Err(EngineError::TooMany {
            iterations: config.iterations,
        });
    }
    let total = batches_in(config.iterations);
    let (first, end) = within(&range, total);
    // A shard keeps every year of its range, so it never streams.
    let mut sim = Simulation::new(model, config, u64::MAX)?;
    sim.offset = first;
    let start_year = first * BATCH_SIZE as u64;
    let years =
        (end * BATCH_SIZE as u64).min(config.iterations) - start_year.min(config.iterations);
    if end > first {
        sim.keep_to(years, progress, cancel)?;
    }
    Ok(ShardPart {
        first,
        end: end.max(first),
        batches: sim.batches,
        gap: sim.gap,
        shortfall: sim.shortfall,
        paths: sim.paths,
    })
}

/// Puts shards back together as the one-machine run of `config`: the same
/// [`RunResult`], to the bit, as [`super::run`] gives (the figures summarised from it are
/// the same bytes, streaming or not). `parts` may come in any order.
///
/// # Errors
/// [`MergeError`] when the parts overlap, leave batches out or do not fit their ranges;
/// [`EngineError`]'s correlation error cannot happen for a loaded model.
pub fn merge(
    model: &Model,
    config: &RunConfig,
    mut parts: Vec<ShardPart>,
) -> Result<RunResult, MergeError> {
    let total = batches_in(config.iterations);
    let per_row = match years::Years::new(model, config.sampling) {
        Ok(Some(y)) => years::kept_per_row(y.len),
        _ => 0,
    };
    parts.retain(|p| p.end > p.first);
    parts.sort_by_key(|p| p.first);
    tiles(parts.iter().map(|p| (p.first, p.end)), total)?;
    for p in &parts {
        check_part(p, config.iterations, per_row)?;
    }
    Ok(assemble(model, config, parts))
}

/// Checks that the non-empty batch ranges `ranges`, sorted by their first batch, cover
/// batches 0..`total` once each.
pub fn tiles(ranges: impl Iterator<Item = (u64, u64)>, total: u64) -> Result<(), MergeError> {
    let mut next = 0;
    let mut last: Option<(u64, u64)> = None;
    for (first, end) in ranges {
        if first < next {
            let (a_first, a_end) = last.expect("an earlier range ends at next");
            return Err(MergeError::Overlap {
                a_first,
                a_end,
                b_first: first,
                b_end: end,
            });
        }
        if first > next {
            return Err(MergeError::Missing {
                first: next,
                end: first,
                total,
            });
        }
        next = end;
        last = Some((first, end));
    }
    let Some((first, end)) = last else {
        return Err(if total == 0 {
            MergeError::Empty
        } else {
            MergeError::Missing {
                first: 0,
                end: total,
                total,
            }
        });
    };
    if next < total {
        return Err(MergeError::Missing {
            first: next,
            end: total,
            total,
        });
    }
    if next > total {
        return Err(MergeError::Inconsistent {
            first,
            end,
            found: format!("batches up to {end}"),
            needed: format!("the run's {total} batches"),
        });
    }
    Ok(())
}

/// Checks that a part holds exactly its batches' sums and values.
fn check_part(p: &ShardPart, iterations: u64, per_row: usize) -> Result<(), MergeError> {
    let years = (p.end * BATCH_SIZE as u64).min(iterations) - (p.first * BATCH_SIZE as u64);
    let batches = p.end - p.first;
    let fail = |found: String, needed: String| MergeError::Inconsistent {
        first: p.first,
        end: p.end,
        found,
        needed,
    };
    if p.batches.len() as u64 != batches {
        return Err(fail(
            format!("{} batch sums", p.batches.len()),
            format!("{batches}"),
        ));
    }
    if p.gap.len() as u64 != years || p.shortfall.len() as u64 != years {
        return Err(fail(
            format!("{} gaps and {} shortfalls", p.gap.len(), p.shortfall.len()),
            format!("{years} of each"),
        ));
    }
    if p.paths.len() as u64 != years * per_row as u64 {
        return Err(fail(
            format!("{} kept path values", p.paths.len()),
            format!("{}", years * per_row as u64),
        ));
    }
    let counted: u64 = p.batches.iter().map(|b| b.n).sum();
    if counted != years {
        return Err(fail(
            format!("batch sums over {counted} years"),
            format!("{years}"),
        ));
    }
    Ok(())
}

/// The run's result from contiguous, checked parts in batch order: as
/// [`Simulation::finish`] builds it for a run that kept every year.
fn assemble(model: &Model, config: &RunConfig, parts: Vec<ShardPart>) -> RunResult {
    let first = model.first_year();
    let plan = plan::Plan::new(&first);
    let years = match years::Years::new(model, config.sampling) {
        Ok(Some(y)) => y.len,
        _ => 1,
    };
    let (mut batches, mut gap, mut shortfall, mut paths) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in parts {
        batches.extend(p.batches);
        gap.extend(p.gap);
        shortfall.extend(p.shortfall);
        paths.extend(p.paths);
    }
    let mut total = BatchSummary::new(&plan);
    for b in &batches {
        total.merge(b);
    }
    let chart = ChartCounts::of_kept(&gap, &shortfall);
    RunResult {
        batches,
        total,
        gap,
        shortfall,
        collected: None,
        paths,
        years,
        chart,
        trace: Vec::new(),
        slopes: plan::slopes(&plan, &first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_tile_the_batches_in_order() {
        for iterations in [1u64, 9_999, 10_000, 35_001, 1_000_000] {
            let b = batches_in(iterations);
            for count in [1u64, 2, 3, 7, 13, 200] {
                let mut next = 0;
                for index in 0..count {
                    let r = batch_range(iterations, ShardOf { index, count });
                    assert_eq!(
                        r.start, next,
                        "{iterations} years, shard {index} of {count}"
                    );
                    assert!(r.end - r.start <= b.div_ceil(count));
                    next = r.end;
                }
                assert_eq!(next, b, "{iterations} years in {count} shards");
            }
        }
    }
}
