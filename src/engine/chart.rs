//! The chart histogram of the gap and the shortfall, counted as the years are simulated.

use crate::order::quantile_sorted;

/// Bins of the chart histogram.
pub const CHART_BINS: usize = 80;

/// Counts of the gap and the shortfall in [`CHART_BINS`] equal bins over the P0.1–P99.9
/// range of both, where that range is read from the **pilot**: the run's first
/// [`super::SENSITIVITY_BATCHES`] batches (all of them in a shorter run).
///
/// The range comes from the pilot rather than from the whole run so that a run too long to
/// keep every year can count each batch as it is simulated, and every run counts the same
/// way: the bins of a run of up to 100,000 years are those of its own P0.1 and P99.9, and
/// a longer run's are within a fraction of a bin of them (the pilot's quantiles have a
/// standard error of about a twentieth of a bin for a normal gap). Counts are integers,
/// merged by adding, so they do not depend on the order batches finish in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChartCounts {
    /// Left edge of the first bin.
    pub start: f64,
    /// Right edge of the last bin (which holds its right edge).
    pub end: f64,
    /// Width of every bin.
    pub width: f64,
    /// Gap values in each bin.
    pub gap: Vec<u64>,
    /// Shortfall values in each bin.
    pub shortfall: Vec<u64>,
    /// Gap values below and above the bins.
    pub gap_outside: (u64, u64),
    /// Shortfall values below and above the bins.
    pub shortfall_outside: (u64, u64),
}

impl ChartCounts {
    /// The chart of a run that kept every year: bins from its pilot (the first
    /// [`super::PILOT_YEARS`]), every year counted.
    pub(super) fn of_kept(gap: &[f64], shortfall: &[f64]) -> ChartCounts {
        let pilot = gap.len().min(super::PILOT_YEARS as usize);
        debug_assert_eq!(gap.len(), shortfall.len(), "a year each");
        let bins = ChartCounts::from_pilot(&gap[..pilot], &shortfall[..pilot]);
        // Counted in parallel chunks: counts add exactly, so the chunking never shows.
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        gap.par_chunks(CHUNK)
            .zip(shortfall.par_chunks(CHUNK))
            .fold(
                || bins.empty_like(),
                |mut c, (g, s)| {
                    c.add(g, s);
                    c
                },
            )
            .reduce(
                || bins.empty_like(),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            )
    }

    /// Empty bins over the range of the pilot's gap and shortfall (in iteration order).
    pub(super) fn from_pilot(gap: &[f64], shortfall: &[f64]) -> ChartCounts {
        let sorted = |v: &[f64]| {
            let mut s = v.to_vec();
            crate::radix::sort_floats(&mut s);
            s
        };
        let (gap, shortfall) = (sorted(gap), sorted(shortfall));
        let start = quantile_sorted(&gap, 0.001).min(quantile_sorted(&shortfall, 0.001));
        let end = quantile_sorted(&gap, 0.999).max(quantile_sorted(&shortfall, 0.999));
        let width = if end > start {
            (end - start) / CHART_BINS as f64
        } else {
            1.0
        };
        ChartCounts {
            start,
            end,
            width,
            gap: vec![0; CHART_BINS],
            shortfall: vec![0; CHART_BINS],
            gap_outside: (0, 0),
            shortfall_outside: (0, 0),
        }
    }

    /// The same bins, empty.
    pub(super) fn empty_like(&self) -> ChartCounts {
        ChartCounts {
            gap: vec![0; CHART_BINS],
            shortfall: vec![0; CHART_BINS],
            gap_outside: (0, 0),
            shortfall_outside: (0, 0),
            ..*self
        }
    }

    /// Counts more years' gap and shortfall.
    pub(super) fn add(&mut self, gap: &[f64], shortfall: &[f64]) {
        let (start, end, width) = (self.start, self.end, self.width);
        let count = |v: &[f64], counts: &mut [u64], outside: &mut (u64, u64)| {
            for &x in v {
                let k = (x - start) / width;
                if k < 0.0 {
                    outside.0 += 1;
                } else if k >= CHART_BINS as f64 {
                    // The top edge itself belongs to the last bin.
                    if x <= end {
                        counts[CHART_BINS - 1] += 1;
                    } else {
                        outside.1 += 1;
                    }
                } else {
                    counts[k as usize] += 1;
                }
            }
        };
        count(gap, &mut self.gap, &mut self.gap_outside);
        count(shortfall, &mut self.shortfall, &mut self.shortfall_outside);
    }

    /// Years counted, in and beyond the bins, of the gap and of the shortfall.
    pub(super) fn counted(&self) -> (u64, u64) {
        (
            self.gap.iter().sum::<u64>() + self.gap_outside.0 + self.gap_outside.1,
            self.shortfall.iter().sum::<u64>()
                + self.shortfall_outside.0
                + self.shortfall_outside.1,
        )
    }

    /// Whether `o` has these bins (a part of the same run).
    pub(super) fn same_bins(&self, o: &ChartCounts) -> bool {
        self.start.to_bits() == o.start.to_bits()
            && self.end.to_bits() == o.end.to_bits()
            && self.width.to_bits() == o.width.to_bits()
            && o.gap.len() == CHART_BINS
            && o.shortfall.len() == CHART_BINS
    }

    /// Adds another part of the run's counts (over the same bins).
    pub(super) fn merge(&mut self, o: &ChartCounts) {
        super::sums::add(&mut self.gap, &o.gap);
        super::sums::add(&mut self.shortfall, &o.shortfall);
        self.gap_outside.0 += o.gap_outside.0;
        self.gap_outside.1 += o.gap_outside.1;
        self.shortfall_outside.0 += o.shortfall_outside.0;
        self.shortfall_outside.1 += o.shortfall_outside.1;
    }
}
