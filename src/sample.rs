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
//!   numbers) wherever they share drivers.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::dist::open01;
use crate::model::Driver;

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
}

impl Sampling {
    /// The name used on the command line and in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::MonteCarlo => "mc",
            Sampling::LatinHypercube => "lhs",
        }
    }
}

/// A uniformly random permutation of 0..n (Fisher–Yates), from `rng`.
pub fn permutation<R: Rng + ?Sized>(rng: &mut R, n: usize) -> Vec<u32> {
    let mut p: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        // Lemire's nearly divisionless bounded draw would be faster; the modulo bias of a
        // 64-bit draw over at most 2^32 items is below 2^-32, far under Monte Carlo noise.
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        p.swap(i, j);
    }
    p
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

/// Fills `columns[d]` with this batch's values of driver `d`.
///
/// Each column must already have the batch's length.
pub fn fill_batch(
    drivers: &[Driver],
    seed: u64,
    batch: u64,
    sampling: Sampling,
    columns: &mut [Vec<f64>],
) {
    for (driver, column) in drivers.iter().zip(columns.iter_mut()) {
        if driver.dist.is_fixed() {
            column.fill(driver.dist.quantile(0.5));
            continue;
        }
        let mut rng = stream(seed, batch, &driver.name);
        match sampling {
            Sampling::MonteCarlo => driver.dist.fill(&mut rng, column),
            Sampling::LatinHypercube => {
                let n = column.len();
                let strata = permutation(&mut rng, n);
                for (x, &k) in column.iter_mut().zip(&strata) {
                    let u = (f64::from(k) + open01(&mut rng)) / n as f64;
                    *x = driver.dist.quantile(u);
                }
            }
        }
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
