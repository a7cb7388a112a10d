//! How much memory a run needs, estimated from the model's shape before it starts.
//!
//! A run that does not fit must be refused before it starts, or run on fewer threads,
//! rather than abort half-way ("memory allocation failed", exit 134) or be killed by the
//! system. Four parts, each counted from the code that allocates it:
//! - **results**: the gap and shortfall of every simulated year,
//!   [`BYTES_PER_ITERATION`] each, in a run of up to [`KEEP_YEARS_UP_TO`] years; in a
//!   longer one, which streams, the pilot's years, the classes they define and their
//!   counts, and the values the second pass collects (about [`COLLECTED_SHARE`] of the
//!   years, 8 bytes each for the gap and for the shortfall);
//! - **batch sums**: the running sums of every batch ([`BatchSummary`]), kept to the end
//!   for the batch-means standard errors; they grow with the model's drivers, lines and
//!   savings, and with the number of batches;
//! - **per-thread scratch**: one batch ([`BATCH_SIZE`] rows) of every driver's values, of
//!   every line's, saving's, funding stream's and mitigation's terms, the Iman–Conover score
//!   matrices of the correlated drivers, and the ranks taken for sensitivity: it grows with
//!   drivers × threads, and is what a model of thousands of drivers runs out of first;
//! - **setup**: the slopes of the gap at the drivers' means, evaluated before the first
//!   batch, in chunks of [`SLOPE_CHUNK`] drivers, and freed before the results are made.
//!
//! plus a fixed allowance for the program, the model, the summary, the report and the
//! charts, and the sampling tables the model's laws keep (the cell sampler's, a Beta's
//! inverse-CDF table, and under Latin hypercube a table of 10,000 strata: 320 KB a
//! driver; the suite's `held_memory` checks these against what the tables really hold).
//! The estimate is meant to be a little above what the system measures as the
//! process's peak resident memory (see the figures in ARCHITECTURE.md), never far below.
//! Pure: the caller finds out how much memory there is.

use std::mem::size_of;

use crate::model::Model;
use crate::sample::Sampling;

use super::sums::{BatchSummary, SensitivitySums};
use super::{BATCH_PERCENTILES, BATCH_SIZE, BYTES_PER_ITERATION, MAX_ITERATIONS, SAVINGS_BINS};
use super::{CHART_BINS, EDGES, KEEP_YEARS_UP_TO, PILOT_YEARS};
use super::{SENSITIVITY_BATCHES, plan::SLOPE_CHUNK};

/// The share of a streaming run's years whose gap (and, apart, whose shortfall) its second
/// pass collects: the classes that hold one of the summary's ~2,200 ranks, each about
/// n / 65,536 years and, holding a rank, larger than most (measured for Kent at 10^7
/// years: 3.2% of the gaps and 2.7% of the shortfalls; a quarter more allowed for other
/// shapes).
pub const COLLECTED_SHARE: f64 = 0.04;

/// Per quantity: the edges, their counts, and (in the second pass) the years before each
/// class, the kept years before each, and the marks.
const CLASS_BYTES: u64 = (8 + 2 * 8 + 2 * 2 * 8 + 2 * 8 + 2) * EDGES as u64;

/// The program itself, its fonts and chart bitmaps, before anything grows with the model:
/// what a run of a small model measures, rounded up.
pub const FIXED_BYTES: u64 = 16 << 20;

/// Per driver, line, saving, funding stream and mitigation: the model as loaded, its entry
/// in the summary, summary.json and the report.
pub const BYTES_PER_ITEM: u64 = 4 << 10;

/// What a run needs, in bytes, part by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// The simulated years asked for.
    pub iterations: u64,
    /// Their batches.
    pub batches: u64,
    /// Whether the run streams (more than [`KEEP_YEARS_UP_TO`] years).
    pub streams: bool,
    /// The gap and shortfall of every simulated year; when streaming, the pilot's, the
    /// classes and the values collected in the second pass.
    pub results: u64,
    /// The running sums of every batch, kept to the end.
    pub batch_sums: u64,
    /// The working space of one worker thread.
    pub per_thread: u64,
    /// The slopes at the drivers' means, before the first batch (freed after).
    pub setup: u64,
    /// The program, the model, the summary and the report.
    pub fixed: u64,
}

impl MemoryEstimate {
    /// Threads that do work at once on `threads` workers: no more than there are batches.
    pub fn busy_threads(&self, threads: usize) -> u64 {
        (threads as u64).min(self.batches).max(1)
    }

    /// The peak with `threads` workers: the fixed part, plus the larger of the setup and
    /// the run itself (results, batch sums and every busy thread's scratch).
    pub fn total(&self, threads: usize) -> u64 {
        let run = self
            .results
            .saturating_add(self.batch_sums)
            .saturating_add(self.per_thread.saturating_mul(self.busy_threads(threads)));
        self.fixed.saturating_add(run.max(self.setup))
    }
}

/// The shape of a model, as far as memory is concerned.
struct Shape {
    drivers: u64,
    lines: u64,
    savings: u64,
    funding: u64,
    mitigations: u64,
    /// Drivers with imposed correlations (0 without a correlation matrix).
    correlated: u64,
    /// Years in the horizon.
    years: u64,
}

impl Shape {
    fn of(model: &Model) -> Shape {
        let k = model.correlation.drivers.len() as u64;
        Shape {
            drivers: model.drivers.len() as u64,
            lines: model.lines.len() as u64,
            savings: model.savings.len() as u64,
            funding: model.funding.len() as u64,
            mitigations: model.mitigations.len() as u64,
            correlated: if k >= 2 { k } else { 0 },
            years: model.horizon.len() as u64,
        }
    }

    /// Columns of per-row terms evaluated alongside the drivers: each item's, plus the
    /// gap, the savings delivered and the mitigation capacity.
    fn terms(&self) -> u64 {
        self.lines + self.savings + self.funding + self.mitigations + 3
    }

    fn items(&self) -> u64 {
        self.drivers + self.lines + self.savings + self.funding + self.mitigations
    }
}

const F64: u64 = 8;
const VEC: u64 = size_of::<Vec<f64>>() as u64;
/// What the allocator adds to each allocation (glibc: a 16-byte header and rounding).
const MALLOC: u64 = 16;

/// One batch's running sums, as kept in the run's list of batches.
fn batch_sum_bytes(s: &Shape) -> u64 {
    let vectors = [
        SAVINGS_BINS as u64 * 4,
        3 * s.lines * F64,
        3 * s.savings * F64,
        3 * s.funding * F64,
        2 * s.mitigations * F64,
        2 * s.drivers * F64,
        2 * BATCH_PERCENTILES.len() as u64 * F64,
    ];
    // Each list is one allocation per field: 17 in all.
    let heap: u64 = vectors.iter().sum::<u64>() + 17 * MALLOC;
    // The struct itself, three times: while a round of batches is collected its
    // summaries pass through two lists before they join the run's.
    let record = 3 * size_of::<BatchSummary>() as u64;
    // The per-batch figures the summary takes from them (means, shares, percentiles).
    let summary = 16 * 16;
    heap + record + summary
}

/// The sensitivity sums of one of the first batches.
fn sensitivity_sum_bytes(s: &Shape) -> u64 {
    let pairs = s.correlated * s.correlated.saturating_sub(1) / 2;
    5 * s.drivers * F64 + pairs * F64 + size_of::<SensitivitySums>() as u64
}

/// A streaming run's results: the pilot's years (kept, and sorted copies of them for the
/// edges and the chart), the classes of both quantities, and the values collected.
fn streamed_bytes(iterations: u64) -> u64 {
    let pilot = PILOT_YEARS.min(iterations) * BYTES_PER_ITERATION * 2;
    let collected = (iterations as f64 * COLLECTED_SHARE) as u64 * BYTES_PER_ITERATION;
    pilot + 2 * CLASS_BYTES + collected
}

/// A streaming run's per-thread counts (every class of both quantities and the chart's
/// bins) and its output columns for a batch.
fn streamed_per_thread_bytes() -> u64 {
    let classes = 2 * (2 * EDGES as u64 + 1) * 8;
    classes + 2 * CHART_BINS as u64 * 8 + 4 * BATCH_SIZE as u64 * F64
}

/// One worker's working space for a batch.
fn per_thread_bytes(s: &Shape) -> u64 {
    let n = BATCH_SIZE as u64;
    let k = s.correlated;
    // Driver columns, every term column, and the thread's own sort, excess and
    // mitigation-used buffers.
    let columns = (s.drivers + s.terms()) * (n * F64 + VEC + MALLOC) + 3 * n * F64;
    // The breach years' row numbers, at most a batch of them.
    let breaches = n * 8;
    // Imposing correlations: a permutation per correlated driver (u32), the score
    // matrices S and T (n × k), the keyed sort and its buffer, a sorted column, and three
    // k × k matrices.
    let correlation = if k == 0 {
        0
    } else {
        k * n * 4 + 2 * n * k * F64 + 2 * n * 16 + n * F64 + 3 * k * k * F64
    };
    // Sensitivity, in the first batches: the gap's ranks, the ranks of each correlated
    // driver (kept to compare pairs), and one driver's ranks with their sort keys.
    let sensitivity = n * F64 + k * n * F64 + n * (16 + 8 + 8);
    // Kept beside both: the radix sort's bucket of each row (u32) and the batch
    // percentiles' mark of each bucket (a byte), and from the first batches on,
    // Iman–Conover's ascending rows of each correlated driver (u32), which sensitivity
    // reads.
    let kept = n * 4 + n + k * n * 4;
    // A multi-year model's later years: a second batch of driver columns for the year's
    // draws (and the yearly values of compounded AR(1) drivers), a second evaluation, and
    // each row's balance, cumulative draw, largest draw and breach mark.
    let later = if s.years > 1 {
        (2 * s.drivers + s.terms()) * (n * F64 + VEC + MALLOC) + 4 * n * F64
    } else {
        0
    };
    columns + breaches + correlation.max(sensitivity) + kept + batch_sum_bytes(s) + later
}

/// What a multi-year run keeps per simulated path beyond the first year's gap and
/// shortfall: every year's gap, shortfall and balance and the reserves needed
/// ([`super::kept_per_row`]), plus one quantity's sorted copy at the end.
fn paths_bytes(s: &Shape, iterations: u64) -> u64 {
    if s.years <= 1 {
        return 0;
    }
    let per_row = super::kept_per_row(s.years as usize) as u64 + 1;
    iterations.saturating_mul(per_row * F64)
}

/// The slopes at the drivers' means: `1 + 2·c` rows of every driver and term for a chunk
/// of c drivers.
fn setup_bytes(s: &Shape, varying: u64) -> u64 {
    let rows = 1 + 2 * varying.min(SLOPE_CHUNK as u64);
    (s.drivers + s.terms()) * (rows * F64 + VEC + MALLOC)
}

/// The memory a run of `iterations` simulated years of `model` needs (see
/// [`MemoryEstimate::total`] for a thread count), keeping every year up to
/// [`KEEP_YEARS_UP_TO`] and streaming beyond, by plain Monte Carlo ([`estimate_keeping`]
/// for another sampling method).
pub fn estimate(model: &Model, iterations: u64) -> MemoryEstimate {
    estimate_keeping(model, iterations, KEEP_YEARS_UP_TO, Sampling::MonteCarlo)
}

/// [`estimate`] for a run by `sampling` that keeps every year up to `years_up_to` and
/// streams beyond.
pub fn estimate_keeping(
    model: &Model,
    iterations: u64,
    years_up_to: u64,
    sampling: Sampling,
) -> MemoryEstimate {
    let lhs = sampling == Sampling::LatinHypercube;
    let tables: u64 = model.drivers.iter().map(|d| d.dist.table_bytes(lhs)).sum();
    let s = Shape::of(model);
    let streams = iterations > years_up_to;
    let varying = model.drivers.iter().filter(|d| !d.dist.is_fixed()).count() as u64;
    let batches = iterations.div_ceil(BATCH_SIZE as u64);
    let sensitivity = batches.min(SENSITIVITY_BATCHES);
    MemoryEstimate {
        iterations,
        batches,
        streams,
        results: if streams {
            streamed_bytes(iterations)
        } else {
            iterations
                .saturating_mul(BYTES_PER_ITERATION)
                .saturating_add(paths_bytes(&s, iterations))
                .saturating_add(crate::inplace_sort::working_bytes(iterations))
        },
        batch_sums: batches
            .saturating_mul(batch_sum_bytes(&s))
            .saturating_add(sensitivity * sensitivity_sum_bytes(&s))
            .saturating_add(batches.saturating_mul(s.years * size_of::<super::YearSums>() as u64)),
        per_thread: per_thread_bytes(&s)
            + if streams {
                streamed_per_thread_bytes()
            } else {
                crate::inplace_sort::SCRATCH_BYTES
            },
        setup: setup_bytes(&s, varying),
        fixed: FIXED_BYTES + s.items() * BYTES_PER_ITEM + tables,
    }
}

/// The most simulated years of `model` (up to [`MAX_ITERATIONS`]) such that that many, and
/// every smaller number, fit in `available` bytes on `threads` workers; 0 if not even one
/// year does. (A streaming run can need less than a shorter run that keeps every year, so
/// "or fewer" holds only below the first count that does not fit.)
pub fn max_iterations(model: &Model, threads: usize, available: u64, sampling: Sampling) -> u64 {
    let fits =
        |n: u64| estimate_keeping(model, n, KEEP_YEARS_UP_TO, sampling).total(threads) <= available;
    if !fits(1) {
        return 0;
    }
    let kept = KEEP_YEARS_UP_TO.min(MAX_ITERATIONS);
    let (mut lo, mut hi) = if fits(kept) {
        if kept == MAX_ITERATIONS || !fits(kept + 1) {
            return kept;
        }
        (kept + 1, MAX_ITERATIONS)
    } else {
        (1, kept)
    };
    if fits(hi) {
        return hi;
    }
    // fits(lo) and !fits(hi): within one way of running, the total grows with the years.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The most worker threads, up to `threads`, with which `iterations` simulated years of
/// `model` fit in `available` bytes; 0 if not even one does.
pub fn max_threads(model: &Model, iterations: u64, threads: usize, available: u64) -> usize {
    let e = estimate(model, iterations);
    (1..=threads.max(1))
        .rev()
        .find(|&t| e.total(t) <= available)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(lines: usize) -> Model {
        let mut text = String::from(
            "[meta]\nname = \"T\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£m\"\n\n",
        );
        for i in 0..lines {
            text += &format!(
                "[lines.l{i}]\nkind = \"simple\"\nbase = 10\ngrowth = {{ dist = \"normal\", \
                 mean = 0, sd = 0.1 }}\nbudget = 10\nsource = \"assumption: test\"\n\n"
            );
        }
        text += "[reserves.general_fund]\nkind = \"general_fund\"\namount = 1\nsource = \
                 \"assumption: test\"\n";
        Model::from_toml("t.toml", &text).unwrap().model
    }

    #[test]
    fn latin_hypercube_counts_each_beta_drivers_strata_table() {
        // Lines grown by a PERT each: each PERT keeps a 256-cell table and its inverse-CDF
        // table under any method, and under Latin hypercube a table of 10,000 strata; the
        // untruncated normals of `model` share theirs and count none. (What the tables
        // really hold, against `table_bytes`, is the suite's `held_memory`.)
        let pert = |lines: usize| {
            let mut text = String::from(
                "[meta]\nname = \"T\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£m\"\n\n",
            );
            for i in 0..lines {
                text += &format!(
                    "[lines.l{i}]\nkind = \"simple\"\nbase = 10\ngrowth = {{ dist = \"pert\", \
                     min = 0, mode = 0.02, max = 0.1 }}\nbudget = 10\nsource = \"assumption: test\"\n\n"
                );
            }
            text += "[reserves.general_fund]\nkind = \"general_fund\"\namount = 1\nsource = \
                     \"assumption: test\"\n";
            Model::from_toml("t.toml", &text).unwrap().model
        };
        let lhs =
            |m: &Model| estimate_keeping(m, 100_000, KEEP_YEARS_UP_TO, Sampling::LatinHypercube);
        let (m, normals) = (pert(40), model(40));
        let tables = |lhs| {
            m.drivers
                .iter()
                .map(|d| d.dist.table_bytes(lhs))
                .sum::<u64>()
        };
        assert!(tables(true) > tables(false) && tables(false) > 0);
        assert_eq!(
            lhs(&m).fixed - estimate(&m, 100_000).fixed,
            tables(true) - tables(false)
        );
        assert_eq!(lhs(&normals).fixed, estimate(&normals, 100_000).fixed);
        assert_eq!(
            estimate(&m, 100_000).fixed - estimate(&normals, 100_000).fixed,
            tables(false)
        );
        // And the one-thread limit of years falls with it.
        let room = estimate(&m, 1_000_000).total(1);
        let most = |s| max_iterations(&m, 1, room, s);
        assert!(most(Sampling::LatinHypercube) < most(Sampling::MonteCarlo));
    }

    #[test]
    fn results_are_sixteen_bytes_a_year_and_scratch_grows_with_drivers() {
        let small = model(2);
        let e = estimate(&small, 1_000_000);
        // Sixteen bytes a year, and the in-place sort's counts (a few KiB).
        let sort = crate::inplace_sort::working_bytes(1_000_000);
        assert!(sort > 0 && sort <= 64 << 10, "{sort}");
        assert_eq!(e.results, 16_000_000 + sort);
        assert_eq!(e.batches, 100);
        // Two drivers and two lines (plus the three running columns): seven columns of a
        // batch of f64, at least.
        assert!(e.per_thread >= 7 * 80_000, "{e:?}");
        let big = estimate(&model(200), 1_000_000);
        // 200 drivers and 200 lines: 400 more columns of 80,000 bytes on every thread.
        assert!(big.per_thread - e.per_thread >= 396 * 80_000, "{big:?}");
        assert!(big.total(4) - big.total(1) == 3 * big.per_thread);
        // Threads beyond the batches do nothing and need nothing.
        let one_batch = estimate(&small, 100);
        assert_eq!(one_batch.total(8), one_batch.total(1));
    }

    #[test]
    fn a_run_beyond_what_is_kept_streams_in_a_fraction_of_the_memory() {
        let m = model(2);
        let kept = estimate(&m, KEEP_YEARS_UP_TO);
        assert!(!kept.streams);
        assert_eq!(
            kept.results,
            KEEP_YEARS_UP_TO * BYTES_PER_ITERATION
                + crate::inplace_sort::working_bytes(KEEP_YEARS_UP_TO)
        );
        let streamed = estimate(&m, KEEP_YEARS_UP_TO + 1);
        assert!(streamed.streams);
        assert!(streamed.results < kept.results / 10, "{streamed:?}");
        // 10^8 years in well under 1 GiB, 10^9 in a few GB.
        assert!(estimate(&m, 100_000_000).total(2) < 1 << 30);
        assert!(estimate(&m, MAX_ITERATIONS).total(2) < 2_000_000_000);
        // Streaming costs the per-thread counts of every class (and keeps no column to
        // sort in place at the end).
        let sorting = crate::inplace_sort::SCRATCH_BYTES;
        assert!(streamed.per_thread > kept.per_thread - sorting + 2 * (2 * EDGES as u64) * 8);
    }

    #[test]
    fn the_most_that_fit_counts_every_smaller_run_too() {
        let m = model(2);
        // Room for a streaming run of 10^8 years but not for 2×10^7 kept in memory: the
        // most that fit "or fewer" is below the in-memory limit.
        let room = estimate(&m, 100_000_000).total(1);
        assert!(room < estimate(&m, KEEP_YEARS_UP_TO).total(1));
        let most = max_iterations(&m, 1, room, Sampling::MonteCarlo);
        assert!(most < KEEP_YEARS_UP_TO, "{most}");
        assert!(estimate(&m, most).total(1) <= room);
        assert!(estimate(&m, most + 1).total(1) > room);
        // With room for 2×10^7 kept, streaming runs up to their own limit.
        let room = estimate(&m, KEEP_YEARS_UP_TO).total(1);
        let most = max_iterations(&m, 1, room, Sampling::MonteCarlo);
        assert!(most > KEEP_YEARS_UP_TO, "{most}");
        assert!(estimate(&m, most).total(1) <= room);
    }

    #[test]
    fn the_limits_are_the_largest_that_fit() {
        let m = model(20);
        let available = 300_000_000;
        let n = max_iterations(&m, 2, available, Sampling::MonteCarlo);
        assert!(n > 0 && n < MAX_ITERATIONS);
        assert!(estimate(&m, n).total(2) <= available);
        assert!(estimate(&m, n + 1).total(2) > available);
        assert_eq!(max_iterations(&m, 2, 1000, Sampling::MonteCarlo), 0);
        assert_eq!(
            max_iterations(&m, 2, u64::MAX, Sampling::MonteCarlo),
            MAX_ITERATIONS
        );

        let e = estimate(&m, 1_000_000);
        let room = e.total(3);
        assert_eq!(max_threads(&m, 1_000_000, 8, room), 3);
        assert_eq!(max_threads(&m, 1_000_000, 2, room), 2);
        assert_eq!(max_threads(&m, 1_000_000, 8, e.total(1) - 1), 0);
    }
}
