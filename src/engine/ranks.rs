//! Exact order statistics of a run too long to keep every simulated year, in two passes.
//!
//! **Pass 1** (the run itself): the pilot (the first [`super::SENSITIVITY_BATCHES`]
//! batches, kept) gives up to [`EDGES`] fine edges per quantity, at evenly spaced order
//! statistics of the pilot, without repeats. Every value of the run falls in one class:
//! *equal to edge j* (an atom: a shortfall of exactly 0 in many years, say), or *strictly
//! between edges j − 1 and j* (below the first and above the last included). Classes are
//! counted in `u64`, per worker thread, and the counts added: integer sums, exact in any
//! order.
//!
//! **Pass 2**: the ranks the summary reads are a function of n alone. From the counts, each
//! rank's class is known; a rank in an atom is that edge's value. The between-edge classes
//! holding a wanted rank are marked, every batch is simulated again (a batch is
//! reproducible from (seed, batch index)), and only the values in marked classes are kept;
//! sorted, the kept values are the marked classes one after another, so the value of rank r
//! in class c is kept value (kept before c) + (r − years before c). Memory: the kept values,
//! about 3% of the years per quantity for a smooth law (see `engine::memory`).

use crate::order::Collected;

use super::EngineError;
use super::chart::ChartCounts;

/// The most edges per quantity: enough that a between-edge class holds about n / 65,536
/// values, few enough that the counts (two per edge) stay in a core's cache.
pub const EDGES: usize = 1 << 16;

/// Cells of the guide that narrows [`Edges::class`]'s search (64 KB of `u32`).
const GUIDE: usize = 1 << 14;

/// Fine edges of one quantity, from the pilot.
#[derive(Debug, Clone)]
pub(super) struct Edges {
    edges: Vec<f64>,
    /// A guide to the search: cell g of a linear map of [first edge, last edge] holds the
    /// edges from `guide[g]` to `guide[g + 1]` (empty when the edges are not finite).
    guide: Vec<u32>,
    lo: f64,
    scale: f64,
}

impl Edges {
    /// Up to [`EDGES`] edges at evenly spaced order statistics of `pilot`, each value once.
    pub(super) fn from_pilot(pilot: &[f64]) -> Edges {
        let mut sorted = pilot.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let m = sorted.len();
        let k = EDGES.min(m);
        let mut edges: Vec<f64> = Vec::with_capacity(k);
        for i in 0..k {
            let r = if k == 1 { 0 } else { i * (m - 1) / (k - 1) };
            let x = sorted[r];
            if edges.last().is_none_or(|l| l.to_bits() != x.to_bits()) {
                edges.push(x);
            }
        }
        Edges::with_guide(edges)
    }

    /// The edges with their guide: `guide[g]` is the number of edges whose cell is below
    /// g, so a value in cell g, being above every edge of a lower cell (the cell map never
    /// reverses an order) and below every edge of a higher one, has its place among
    /// `edges[guide[g]..guide[g + 1]]`.
    fn with_guide(edges: Vec<f64>) -> Edges {
        let (lo, hi) = match (edges.first(), edges.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (0.0, 0.0),
        };
        let range = hi - lo;
        let mut e = Edges {
            edges,
            guide: Vec::new(),
            lo,
            scale: 0.0,
        };
        if !(range.is_finite() && range > 0.0) {
            return e;
        }
        e.scale = GUIDE as f64 / range;
        let mut guide = vec![0u32; GUIDE + 1];
        for &x in &e.edges {
            guide[e.cell(x) + 1] += 1;
        }
        for g in 1..=GUIDE {
            guide[g] += guide[g - 1];
        }
        e.guide = guide;
        e
    }

    /// The guide cell of a finite `x`: non-decreasing in x.
    #[inline]
    fn cell(&self, x: f64) -> usize {
        (((x - self.lo) * self.scale).max(0.0) as usize).min(GUIDE - 1)
    }

    /// How many classes: one between each pair of neighbours and beyond each end, one per
    /// edge.
    pub(super) fn classes(&self) -> usize {
        2 * self.edges.len() + 1
    }

    /// The class of `x`: 2j + 1 if it is edge j, 2j if it lies strictly between edges
    /// j − 1 and j. In `total_cmp` order, the order the values are sorted in, so −0 and
    /// +0 are different values, as they are in a sorted run.
    pub(super) fn class(&self, x: f64) -> usize {
        let below = |e: &f64| e.total_cmp(&x).is_lt();
        let j = if self.guide.is_empty() || !x.is_finite() {
            self.edges.partition_point(below)
        } else {
            let g = self.cell(x);
            let (a, b) = (self.guide[g] as usize, self.guide[g + 1] as usize);
            a + self.edges[a..b].partition_point(below)
        };
        if self
            .edges
            .get(j)
            .is_some_and(|e| e.to_bits() == x.to_bits())
        {
            2 * j + 1
        } else {
            2 * j
        }
    }

    /// Counts `values` into `counts` (one per class).
    pub(super) fn count(&self, values: &[f64], counts: &mut [u64]) {
        for &x in values {
            counts[self.class(x)] += 1;
        }
    }
}

/// Zeroed counts for `classes` classes, the allocation an error if it fails.
fn zeros(classes: usize) -> Result<Vec<u64>, EngineError> {
    let mut v = Vec::new();
    v.try_reserve_exact(classes)
        .map_err(|_| EngineError::ScratchOutOfMemory {
            bytes: classes as u64 * 8,
        })?;
    v.resize(classes, 0);
    Ok(v)
}

/// What pass 1 keeps of the years it does not: their classes' counts and the chart's.
#[derive(Debug, Clone)]
pub(super) struct Binned {
    pub(super) gap_edges: Edges,
    pub(super) shortfall_edges: Edges,
    pub(super) tally: Tally,
}

/// Counts of one part of a run: per class of each quantity, and the chart histogram.
#[derive(Debug, Clone)]
pub(super) struct Tally {
    gap: Vec<u64>,
    shortfall: Vec<u64>,
    chart: ChartCounts,
}

impl Binned {
    /// Edges and chart bins from the pilot, with the pilot counted.
    pub(super) fn from_pilot(gap: &[f64], shortfall: &[f64]) -> Result<Binned, EngineError> {
        let gap_edges = Edges::from_pilot(gap);
        let shortfall_edges = Edges::from_pilot(shortfall);
        let chart = ChartCounts::from_pilot(gap, shortfall);
        let mut binned = Binned {
            tally: Tally {
                gap: zeros(gap_edges.classes())?,
                shortfall: zeros(shortfall_edges.classes())?,
                chart,
            },
            gap_edges,
            shortfall_edges,
        };
        let mut tally = binned.empty_tally()?;
        binned.count(&mut tally, gap, shortfall);
        binned.tally = tally;
        Ok(binned)
    }

    /// Empty counts over the same classes and bins, for one worker thread.
    pub(super) fn empty_tally(&self) -> Result<Tally, EngineError> {
        Ok(Tally {
            gap: zeros(self.gap_edges.classes())?,
            shortfall: zeros(self.shortfall_edges.classes())?,
            chart: self.tally.chart.empty_like(),
        })
    }

    /// Counts a batch's values into `tally`.
    pub(super) fn count(&self, tally: &mut Tally, gap: &[f64], shortfall: &[f64]) {
        self.gap_edges.count(gap, &mut tally.gap);
        self.shortfall_edges.count(shortfall, &mut tally.shortfall);
        tally.chart.add(gap, shortfall);
    }

    /// Adds a worker's counts into the run's.
    pub(super) fn merge(&mut self, tally: &Tally) {
        self.add_counts(&tally.gap, &tally.shortfall, &tally.chart);
    }

    /// The edges and bins of the run whose pilot this is, nothing counted yet (for a shard,
    /// which counts its own batches whether or not the pilot is among them).
    pub(super) fn empty_from_pilot(gap: &[f64], shortfall: &[f64]) -> Result<Binned, EngineError> {
        let mut binned = Binned::from_pilot(gap, shortfall)?;
        binned.tally = binned.empty_tally()?;
        Ok(binned)
    }

    /// Classes of the gap and of the shortfall.
    pub(super) fn classes(&self) -> (usize, usize) {
        (self.gap_edges.classes(), self.shortfall_edges.classes())
    }

    /// The counts so far: of the gap's classes, the shortfall's, and the chart's bins.
    pub(super) fn into_counts(self) -> (Vec<u64>, Vec<u64>, ChartCounts) {
        (self.tally.gap, self.tally.shortfall, self.tally.chart)
    }

    /// Adds a part's counts, counted over these classes and bins.
    pub(super) fn add_counts(&mut self, gap: &[u64], shortfall: &[u64], chart: &ChartCounts) {
        super::sums::add(&mut self.tally.gap, gap);
        super::sums::add(&mut self.tally.shortfall, shortfall);
        self.tally.chart.merge(chart);
    }

    /// The chart histogram of the whole run.
    pub(super) fn chart(&self) -> &ChartCounts {
        &self.tally.chart
    }

    /// What pass 2 must keep to read `ranks` (ascending, distinct, each below n).
    pub(super) fn wanted(&self, ranks: &[u64]) -> (Wanted, Wanted) {
        (
            Wanted::new(&self.gap_edges, &self.tally.gap, ranks),
            Wanted::new(&self.shortfall_edges, &self.tally.shortfall, ranks),
        )
    }
}

/// The classes of one quantity that pass 2 keeps, and how to read ranks from what it kept.
#[derive(Debug, Clone)]
pub(super) struct Wanted {
    edges: Edges,
    /// Years in the classes before each class (one more entry than classes).
    before: Vec<u64>,
    /// Kept years in the marked classes before each class.
    kept_before: Vec<u64>,
    marked: Vec<bool>,
}

impl Wanted {
    fn new(edges: &Edges, counts: &[u64], ranks: &[u64]) -> Wanted {
        let mut before = Vec::with_capacity(counts.len() + 1);
        before.push(0u64);
        for &c in counts {
            before.push(before[before.len() - 1] + c);
        }
        let mut marked = vec![false; counts.len()];
        for &r in ranks {
            let c = class_of_rank(&before, r);
            // Atoms (odd classes) are read from their edge, never kept.
            if c % 2 == 0 {
                marked[c] = true;
            }
        }
        let mut kept_before = Vec::with_capacity(counts.len() + 1);
        kept_before.push(0u64);
        for (c, &n) in counts.iter().enumerate() {
            let kept = if marked[c] { n } else { 0 };
            kept_before.push(kept_before[c] + kept);
        }
        Wanted {
            edges: edges.clone(),
            before,
            kept_before,
            marked,
        }
    }

    /// How many values pass 2 keeps.
    pub(super) fn kept(&self) -> u64 {
        self.kept_before[self.kept_before.len() - 1]
    }

    /// Appends the values of `values` that fall in marked classes to `into`.
    pub(super) fn keep(&self, values: &[f64], into: &mut Vec<f64>) {
        into.extend(
            values
                .iter()
                .copied()
                .filter(|&x| self.marked[self.edges.class(x)]),
        );
    }

    /// The first marked class whose share of the sorted kept values is not the count pass 1
    /// gave it, or holds a value of another class: values collected against other counts
    /// (a shard of pass 2 from another pass 1), which would read wrong percentiles. A
    /// sorted slice lies in one class when its first and last values do.
    fn misplaced(&self, sorted: &[f64]) -> Option<usize> {
        if sorted.len() as u64 != self.kept() {
            return Some(0);
        }
        (0..self.marked.len()).find(|&c| {
            let (a, b) = (
                self.kept_before[c] as usize,
                self.kept_before[c + 1] as usize,
            );
            a < b && (self.edges.class(sorted[a]) != c || self.edges.class(sorted[b - 1]) != c)
        })
    }

    /// The order statistics at `ranks`, from the kept values sorted in `total_cmp` order.
    pub(super) fn read(&self, n: u64, ranks: &[u64], kept: &[f64]) -> Collected {
        let values = ranks
            .iter()
            .map(|&r| {
                let c = class_of_rank(&self.before, r);
                if c % 2 == 1 {
                    self.edges.edges[c / 2]
                } else {
                    let i = self.kept_before[c] + (r - self.before[c]);
                    debug_assert!(self.marked[c], "rank {r} in an unmarked class");
                    kept.get(i as usize).copied().unwrap_or(f64::NAN)
                }
            })
            .collect();
        Collected {
            n,
            ranks: ranks.to_vec(),
            values,
        }
    }
}

/// Collected values that do not fill the classes their counts call for, class by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misplaced {
    /// "gap" or "shortfall".
    pub quantity: &'static str,
    /// The class (in the counts' order) whose values do not fit.
    pub class: usize,
}

/// The order statistics at `ranks` of a run of n years from the values pass 2 kept of the
/// gap and the shortfall (in any order: sorted here).
///
/// # Errors
/// [`Misplaced`] when a class holds other values than pass 1 counted in it, rather than
/// read a percentile from the wrong place.
pub(super) fn read_collection(
    n: u64,
    ranks: &[u64],
    wanted: [&Wanted; 2],
    kept: [Vec<f64>; 2],
) -> Result<super::Collection, Misplaced> {
    use rayon::slice::ParallelSliceMut as _;
    let [mut gap, mut shortfall] = kept;
    let read = |quantity, wanted: &Wanted, kept: &mut Vec<f64>| {
        kept.par_sort_unstable_by(f64::total_cmp);
        match wanted.misplaced(kept) {
            Some(class) => Err(Misplaced { quantity, class }),
            None => Ok(wanted.read(n, ranks, kept)),
        }
    };
    Ok(super::Collection {
        gap: read("gap", wanted[0], &mut gap)?,
        shortfall: read("shortfall", wanted[1], &mut shortfall)?,
    })
}

/// The class holding rank `r`, from the years before each class.
fn class_of_rank(before: &[u64], r: u64) -> usize {
    before.partition_point(|&e| e <= r) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_and_gaps_between_edges_are_classes_of_their_own() {
        let e = Edges::from_pilot(&[0.0, 0.0, 0.0, 1.0, 2.0, 2.0]);
        assert_eq!(e.edges, vec![0.0, 1.0, 2.0]);
        assert_eq!(e.classes(), 7);
        assert_eq!(e.class(-1.0), 0);
        assert_eq!(e.class(0.0), 1);
        assert_eq!(e.class(0.5), 2);
        assert_eq!(e.class(1.0), 3);
        assert_eq!(e.class(2.0), 5);
        assert_eq!(e.class(9.0), 6);
        // −0 sorts before +0, so it lies between edges, below 0.
        assert_eq!(e.class(-0.0), 0);
    }

    #[test]
    fn ranks_read_from_the_classes_are_the_sorted_values() {
        // Values with an atom at 0 and a smooth part, the pilot a part of them.
        let values: Vec<f64> = (0..5000u32)
            .map(|i| {
                if i % 3 == 0 {
                    0.0
                } else {
                    f64::from((i * 7919) % 1000) / 10.0 - 20.0
                }
            })
            .collect();
        let e = Edges::from_pilot(&values[..300]);
        let mut counts = vec![0; e.classes()];
        e.count(&values, &mut counts);
        let ranks: Vec<u64> = (0..5000).step_by(37).chain([4999]).collect();
        let w = Wanted::new(&e, &counts, &ranks);
        let mut kept = Vec::new();
        w.keep(&values, &mut kept);
        assert!(kept.len() < values.len());
        assert_eq!(kept.len() as u64, w.kept());
        kept.sort_unstable_by(f64::total_cmp);
        let got = w.read(5000, &ranks, &kept);
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        for (&r, &v) in ranks.iter().zip(&got.values) {
            assert_eq!(v.to_bits(), sorted[r as usize].to_bits(), "rank {r}");
        }
    }

    #[test]
    fn the_guide_finds_the_class_a_full_search_finds() {
        // Smooth, skewed (a long right tail crowding the edges near 0), atoms, both zeros,
        // and values beyond either end or between neighbouring floats.
        let mut rng = crate::sample::stream(11, 0, "guide");
        let mut u = || (rand::Rng::next_u64(&mut rng) >> 11) as f64 / (1u64 << 53) as f64;
        let smooth: Vec<f64> = (0..200_000).map(|_| u() - 0.5).collect();
        let skewed: Vec<f64> = (0..200_000).map(|_| (12.0 * u()).exp() - 1.0).collect();
        let atoms: Vec<f64> = (0..200_000)
            .map(|i| {
                if i % 4 == 0 {
                    0.0
                } else {
                    (u() * 5.0).floor() - 2.0
                }
            })
            .collect();
        for (name, pilot) in [("smooth", smooth), ("skewed", skewed), ("atoms", atoms)] {
            let e = Edges::from_pilot(&pilot);
            assert!(!e.guide.is_empty(), "{name}: the guide is in use");
            let full = |x: f64| {
                let j = e.edges.partition_point(|v| v.total_cmp(&x).is_lt());
                2 * j + usize::from(e.edges.get(j).is_some_and(|v| v.to_bits() == x.to_bits()))
            };
            let mut probes: Vec<f64> = pilot.iter().step_by(7).copied().collect();
            for &x in e.edges.iter().step_by(97) {
                probes.extend([
                    x,
                    f64::from_bits(x.to_bits().wrapping_add(1)),
                    f64::from_bits(x.to_bits().wrapping_sub(1)),
                ]);
            }
            probes.extend([
                -0.0,
                0.0,
                -1e300,
                1e300,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
            ]);
            for x in probes {
                assert_eq!(e.class(x), full(x), "{name}: {x:e}");
            }
        }
    }
}
