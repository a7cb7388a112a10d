//! Seeded random streams and the sampling of a batch of driver values.
//!
//! Every driver in every batch draws from its own generator, seeded from
//! (run seed, batch index, driver name). Three things follow:
//! - a batch's values do not depend on which thread runs it or on how many threads there
//!   are, so results are bit-identical for any `--threads`;
//! - any batch can be recomputed alone, which is what lets a run be split across machines
//!   and merged exactly;
//! - adding, removing or reordering a driver leaves every other driver's draws unchanged,
//!   so two scenarios of the same model share their random numbers (common random
//!   numbers) wherever they share drivers. Under quasi-Monte Carlo a driver's points also
//!   depend on its place in the file (its Sobol coordinate): changing a law keeps every
//!   driver's points, but inserting or removing a driver moves the ones after it.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::correlation::{CorrelationError, IcScratch, ImanConover};
use crate::lanes;
use crate::model::{Driver, DriverId, Model};
use crate::qmc;

/// How the uniform inputs of a batch are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Independent draws (plain Monte Carlo).
    #[default]
    MonteCarlo,
    /// Latin hypercube: within each batch, each driver's draws fall one in each of n
    /// equal-probability strata, in random order. Smooth models converge faster; each batch
    /// is a complete hypercube, so batches stay independent of each other.
    LatinHypercube,
    /// Randomised quasi-Monte Carlo ([`crate::qmc`]): each batch is the first n points of
    /// a Sobol sequence, driver d of the model on coordinate d, each coordinate with its own
    /// Owen scramble. Correlated drivers are reordered by Iman–Conover on the points' own
    /// ranks, so the low-discrepancy structure carries through the correlations.
    QuasiMonteCarlo,
}

impl Sampling {
    /// The name used on the command line and in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::MonteCarlo => "mc",
            Sampling::LatinHypercube => "lhs",
            Sampling::QuasiMonteCarlo => "qmc",
        }
    }

    /// The method in words, for reports and workbooks.
    pub fn words(self) -> &'static str {
        match self {
            Sampling::MonteCarlo => "Monte Carlo (independent draws)",
            Sampling::LatinHypercube => "Latin hypercube within each batch",
            Sampling::QuasiMonteCarlo => {
                "randomised quasi-Monte Carlo (Sobol points, Owen-scrambled afresh in each batch)"
            }
        }
    }

    /// A summary's sampling name (`mc`, `lhs`, `qmc`) in words with the name after it, or
    /// the name as it is when it is none of them.
    pub fn described(name: &str) -> String {
        Sampling::from_name(name)
            .map_or_else(|| name.to_string(), |s| format!("{} ({name})", s.words()))
    }

    /// The method a name from [`Sampling::name`] stands for.
    pub fn from_name(name: &str) -> Option<Sampling> {
        [
            Sampling::MonteCarlo,
            Sampling::LatinHypercube,
            Sampling::QuasiMonteCarlo,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// A uniformly random permutation of 0..n (Fisher–Yates), from `rng`.
pub fn permutation<R: Rng + ?Sized>(rng: &mut R, n: usize) -> Vec<u32> {
    let mut p = Vec::new();
    permutation_into(rng, n, &mut p);
    p
}

/// [`permutation`] into a reused buffer.
pub fn permutation_into<R: Rng + ?Sized>(rng: &mut R, n: usize, p: &mut Vec<u32>) {
    p.clear();
    p.extend(0..n as u32);
    for i in (1..n).rev() {
        // j uniform on 0..=i as the top 64 bits of draw × (i + 1) (Lemire's multiply
        // instead of a division); its bias, below (i + 1)/2⁶⁴, is far under any
        // Monte Carlo noise.
        let j = ((u128::from(rng.next_u64()) * (i as u128 + 1)) >> 64) as usize;
        p.swap(i, j);
    }
}

/// Per-thread working space for [`Sampler::fill_with`], reused from batch to batch.
#[derive(Debug, Default, Clone)]
pub struct SampleScratch {
    strata: Vec<u32>,
    /// 0..n: the rows of a Latin hypercube column that Iman–Conover reorders, its strata
    /// left in their order.
    in_order: Vec<u32>,
    perms: Vec<Vec<u32>>,
    taken: Vec<Vec<f64>>,
    ic: IcScratch,
    prefixes: Vec<u32>,
    flips: Vec<u64>,
    marks: Vec<u32>,
    shuffled: Vec<u32>,
    /// Quasi-Monte Carlo: each reuse group's row order in this batch.
    groups: std::collections::BTreeMap<usize, Vec<u32>>,
    /// Whether the next fill adds each column up ([`SampleScratch::column_sum`]).
    sum_columns: bool,
    /// Per driver, its column's sum after the last fill, when taken.
    sums: Vec<Option<f64>>,
}

impl SampleScratch {
    /// Whether the next fill keeps each correlated column's ascending rows
    /// ([`SampleScratch::ascending_rows`]).
    pub fn keep_orders(&mut self, keep: bool) {
        self.ic.keep = keep;
    }

    /// Whether the next fill adds up each driver's final column ([`lanes::sum`]) as it
    /// finishes it, while the column is in cache: a large model's batch of columns is far
    /// beyond the caches, and a later pass would read each of them from memory again.
    pub fn sum_columns(&mut self, sum: bool) {
        self.sum_columns = sum;
    }

    /// Driver `d`'s column's [`lanes::sum`] after the last fill, when it was taken.
    pub fn column_sum(&self, d: usize) -> Option<f64> {
        self.sums.get(d).copied().flatten()
    }

    /// Correlated driver `j`'s rows (`j` indexing [`Sampler::correlated`]) in ascending order
    /// of its values after the last fill, when it kept them and they are unique.
    pub fn ascending_rows(&self, j: usize) -> Option<&[u32]> {
        self.ic.ascending_rows(j)
    }
}

/// SplitMix64's finaliser: a bijective mixer that spreads nearby inputs far apart.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: a stable hash of a name (std's hasher may change between Rust releases, which
/// would change every result).
pub fn fnv1a64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The generator for one driver in one batch.
pub fn stream(seed: u64, batch: u64, name: &str) -> Xoshiro256PlusPlus {
    let s = splitmix64(splitmix64(splitmix64(seed) ^ batch) ^ fnv1a64(name));
    Xoshiro256PlusPlus::seed_from_u64(s)
}

/// Draws batches of driver values: each driver from its own stream, by the chosen method,
/// then reordered within the batch to carry the model's rank correlations.
#[derive(Debug, Clone)]
pub struct Sampler<'m> {
    drivers: &'m [Driver],
    sampling: Sampling,
    correlation: Option<(ImanConover, Vec<DriverId>)>,
    /// Per correlated driver: the name of its rank-order stream ("rank-order:NAME"), or
    /// `None` when Iman–Conover does not reorder it. Made once, not every batch.
    rank_streams: Vec<Option<String>>,
    /// For a later year of a multi-year model: per driver, the name of its stream for the
    /// year (`NAME@2025/26`), or `None` for a driver that does not draw in later years.
    /// Empty for the first year, whose streams are the drivers' own names.
    year_streams: Vec<Option<String>>,
    /// Per driver: its place among the correlated drivers, if Iman–Conover reorders it
    /// (quasi-Monte Carlo takes such a driver's permutation from its points' ranks).
    reordered: Vec<Option<usize>>,
    /// The year's index in the model's horizon (0 for the first): under quasi-Monte Carlo,
    /// year t's driver d takes the sequence's coordinate t·D + d.
    year: usize,
}

/// Per driver, its place among `ids` when `ic` reorders it.
fn reordered(
    drivers: usize,
    correlation: Option<&(ImanConover, Vec<DriverId>)>,
) -> Vec<Option<usize>> {
    let mut out = vec![None; drivers];
    if let Some((ic, ids)) = correlation {
        for (j, d) in ids.iter().enumerate() {
            if ic.reorders(j) {
                out[d.0] = Some(j);
            }
        }
    }
    out
}

impl<'m> Sampler<'m> {
    /// Prepares sampling for a model.
    ///
    /// # Errors
    /// When the model's correlations cannot be imposed (the model loader has already
    /// checked them, so this does not happen for a loaded model).
    pub fn new(model: &'m Model, sampling: Sampling) -> Result<Self, CorrelationError> {
        let c = &model.correlation;
        let correlation = if c.drivers.len() >= 2 {
            Some((ImanConover::new(&c.spearman)?, c.drivers.clone()))
        } else {
            None
        };
        let rank_streams = correlation.as_ref().map_or_else(Vec::new, |(ic, ids)| {
            ids.iter()
                .enumerate()
                .map(|(j, d)| {
                    ic.reorders(j)
                        .then(|| format!("rank-order:{}", model.drivers[d.0].name))
                })
                .collect()
        });
        Ok(Sampler {
            drivers: &model.drivers,
            sampling,
            reordered: reordered(model.drivers.len(), correlation.as_ref()),
            correlation,
            rank_streams,
            year_streams: Vec::new(),
            year: 0,
        })
    }

    /// Prepares sampling of a later year (`year`, from 1, labelled `label`) of a multi-year
    /// model: only the drivers whose
    /// path draws again (`draws[d]`), each from its own stream for the year
    /// (`NAME@LABEL`), with the model's correlations among them imposed on the year's
    /// draws (the other drivers hold their first year's value). Common random numbers
    /// hold year by year: a driver's draws for a year depend only on (seed, batch, its
    /// name, the year's label).
    ///
    /// # Errors
    /// As [`Sampler::new`] (a submatrix of a valid correlation matrix is valid, so this
    /// does not happen for a loaded model).
    pub fn for_year(
        model: &'m Model,
        sampling: Sampling,
        year: usize,
        label: &str,
        draws: &[bool],
    ) -> Result<Self, CorrelationError> {
        let c = &model.correlation;
        let kept: Vec<usize> = (0..c.drivers.len())
            .filter(|&j| draws[c.drivers[j].0])
            .collect();
        let correlation = if kept.len() >= 2 {
            let mut sub = crate::correlation::Matrix::identity(kept.len());
            for (a, &i) in kept.iter().enumerate() {
                for (b, &j) in kept.iter().enumerate().skip(a + 1) {
                    sub.set_sym(a, b, c.spearman.get(i, j));
                }
            }
            let ids: Vec<DriverId> = kept.iter().map(|&j| c.drivers[j]).collect();
            Some((ImanConover::new(&sub)?, ids))
        } else {
            None
        };
        let rank_streams = correlation.as_ref().map_or_else(Vec::new, |(ic, ids)| {
            ids.iter()
                .enumerate()
                .map(|(j, d)| {
                    ic.reorders(j)
                        .then(|| format!("rank-order:{}@{label}", model.drivers[d.0].name))
                })
                .collect()
        });
        let year_streams = model
            .drivers
            .iter()
            .zip(draws)
            .map(|(d, &draws)| draws.then(|| format!("{}@{label}", d.name)))
            .collect();
        Ok(Sampler {
            drivers: &model.drivers,
            sampling,
            reordered: reordered(model.drivers.len(), correlation.as_ref()),
            correlation,
            rank_streams,
            year_streams,
            year,
        })
    }

    /// Fills `columns[d]` with batch `batch`'s values of driver `d`. Each column must
    /// already have the batch's length.
    pub fn fill(&self, seed: u64, batch: u64, columns: &mut [Vec<f64>]) {
        self.fill_with(seed, batch, columns, &mut SampleScratch::default());
    }

    /// [`Sampler::fill`] with reused working space.
    pub fn fill_with(
        &self,
        seed: u64,
        batch: u64,
        columns: &mut [Vec<f64>],
        w: &mut SampleScratch,
    ) {
        let n = columns.first().map_or(0, Vec::len);
        if let Some((_, ids)) = &self.correlation {
            w.perms.resize_with(ids.len(), Vec::new);
        }
        w.groups.clear();
        w.sums.clear();
        w.sums.resize(self.drivers.len(), None);
        // A column Iman–Conover does not reorder is final once drawn.
        let sum_now = |w: &mut SampleScratch, d: usize, column: &[f64]| {
            if w.sum_columns && self.reordered[d].is_none() {
                w.sums[d] = Some(lanes::sum(column));
            }
        };
        for (d, (driver, column)) in self.drivers.iter().zip(columns.iter_mut()).enumerate() {
            let name = if self.year_streams.is_empty() {
                &driver.name
            } else {
                match &self.year_streams[d] {
                    Some(name) => name,
                    None => continue,
                }
            };
            if driver.dist.is_fixed() {
                column.fill(driver.dist.quantile(0.5));
                sum_now(w, d, column);
                continue;
            }
            let mut rng = stream(seed, batch, name);
            match self.sampling {
                Sampling::MonteCarlo => driver.dist.fill(&mut rng, column),
                Sampling::LatinHypercube => {
                    permutation_into(&mut rng, n, &mut w.strata);
                    // A column Iman–Conover reorders is placed by its scores' ranks whatever
                    // its rows, from its values sorted: its strata stay in their order, which
                    // is that sort (the permutation is still drawn, so the stream and every
                    // value are as before), and the reordering finds it sorted.
                    let rows = if self.reordered[d].is_some() {
                        if w.in_order.len() != n {
                            w.in_order.clear();
                            w.in_order.extend(0..n as u32);
                        }
                        &w.in_order
                    } else {
                        &w.strata
                    };
                    driver.dist.fill_strata(&mut rng, rows, column);
                }
                Sampling::QuasiMonteCarlo => {
                    let (coordinate, group) = qmc::place(self.year * self.drivers.len() + d);
                    qmc::scrambled_prefixes(coordinate, n, &mut rng, &mut w.prefixes, &mut w.flips);
                    if group > 0 {
                        // A reused coordinate: the group's rows in their own random order, the
                        // same for every driver of the group (Owen's padding), so its points
                        // are independent of the coordinate's earlier uses.
                        let rows = w.groups.entry(group).or_insert_with(|| {
                            let mut r = stream(seed, batch, &format!("qmc-rows:{group}"));
                            permutation(&mut r, n)
                        });
                        w.shuffled.clear();
                        w.shuffled
                            .extend(rows.iter().map(|&i| w.prefixes[i as usize]));
                        std::mem::swap(&mut w.prefixes, &mut w.shuffled);
                    }
                    qmc::uniforms(&w.prefixes, &mut rng, |i, u| {
                        column[i] = driver.dist.quantile(u);
                    });
                    if let Some(j) = self.reordered[d] {
                        qmc::ranks(&w.prefixes, &mut w.perms[j], &mut w.marks);
                    }
                }
            }
            sum_now(w, d, column);
        }
        let Some((ic, ids)) = &self.correlation else {
            return;
        };
        // Each correlated driver's rank order comes from its own stream, so correlations
        // keep the common-random-numbers property of the draws. Under quasi-Monte Carlo it
        // is the rank order of the driver's own points (filled above), so that T's columns
        // are the normal scores of the Sobol points and the reordering keeps their
        // structure (a block's first driver keeps its points' order exactly).
        // A fixed driver has no points (and all its values are equal), so under quasi-Monte
        // Carlo too its scores take a random order.
        for ((name, perm), d) in self.rank_streams.iter().zip(&mut w.perms).zip(ids) {
            let own_points =
                self.sampling == Sampling::QuasiMonteCarlo && !self.drivers[d.0].dist.is_fixed();
            if let (Some(name), false) = (name, own_points) {
                permutation_into(&mut stream(seed, batch, name), n, perm);
            }
        }
        w.taken.clear();
        w.taken
            .extend(ids.iter().map(|d| std::mem::take(&mut columns[d.0])));
        {
            let mut views: Vec<&mut [f64]> = w.taken.iter_mut().map(Vec::as_mut_slice).collect();
            ic.apply(&mut views, &w.perms, &mut w.ic);
        }
        for (d, col) in ids.iter().zip(w.taken.drain(..)) {
            if w.sum_columns && self.reordered[d.0].is_some() {
                w.sums[d.0] = Some(lanes::sum(&col));
            }
            columns[d.0] = col;
        }
    }

    /// Builds the tables the sampling method keeps for each driver (the Latin hypercube's
    /// strata, [`crate::dist::Distribution::prepare_strata`]) on the current thread pool,
    /// so that the first batches do not build them one after another. Changes no value.
    pub fn prepare(&self) {
        use rayon::prelude::*;
        if self.sampling == Sampling::LatinHypercube {
            self.drivers
                .par_iter()
                .filter(|d| !d.dist.is_fixed())
                .for_each(|d| d.dist.prepare_strata());
        }
    }

    /// The correlated drivers, in the order of the model's correlation matrix.
    pub fn correlated(&self) -> &[DriverId] {
        self.correlation.as_ref().map_or(&[], |(_, ids)| ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_puts_one_draw_in_each_stratum() {
        let mut rng = stream(3, 0, "x");
        let n = 1000;
        let p = permutation(&mut rng, n);
        let mut seen = vec![false; n];
        for &k in &p {
            assert!(!seen[k as usize]);
            seen[k as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn permutations_are_uniform() {
        // All 6 orders of 3 items equally likely (Fisher–Yates): 60,000 draws put each
        // order's count within 4 standard errors of 10,000. A shuffle that draws j below i
        // rather than up to it (Sattolo's) makes only the 2 cyclic orders.
        let mut rng = stream(5, 0, "permutation");
        let mut counts = std::collections::HashMap::new();
        let draws = 60_000;
        for _ in 0..draws {
            *counts.entry(permutation(&mut rng, 3)).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 6, "{counts:?}");
        let p = 1.0 / 6.0;
        let se = (f64::from(draws) * p * (1.0 - p)).sqrt();
        for (order, &c) in &counts {
            let z = (f64::from(c) - f64::from(draws) * p) / se;
            assert!(z.abs() < 4.0, "{order:?}: {c}");
        }
    }

    #[test]
    fn streams_are_pinned() {
        // Value stability: a change to seeding would silently change every published
        // figure, so the first draws for a fixed seed are pinned here.
        let mut a = stream(2024, 0, "cpi");
        let first = [a.next_u64(), a.next_u64()];
        let mut b = stream(2024, 0, "cpi");
        assert_eq!(first, [b.next_u64(), b.next_u64()]);
        assert_eq!(first, PINNED);
    }

    const PINNED: [u64; 2] = [5_410_155_822_808_171_652, 2_439_679_480_227_243_685];

    #[test]
    fn streams_differ_by_batch_and_name() {
        let x = stream(1, 0, "a").next_u64();
        assert_ne!(x, stream(1, 1, "a").next_u64());
        assert_ne!(x, stream(1, 0, "b").next_u64());
        assert_ne!(x, stream(2, 0, "a").next_u64());
    }
}
