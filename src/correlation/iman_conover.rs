//! Iman–Conover reordering: each correlated driver's draws are put in the rank order of a
//! column of correlated normal scores, so the drivers carry the target rank correlations
//! while each keeps exactly the values it drew.
//!
//! The reordering works block by block: drivers connected through non-zero targets form
//! one block, and blocks are reordered independently (a driver in one block is no more
//! related to a driver in another than two uncorrelated drivers are). For a block of m
//! drivers and a batch of n:
//! 1. S (n×m, stored by column): column j is the van der Waerden scores in the order of
//!    driver j's own random permutation;
//! 2. E = SᵀS/n, its Cholesky factor Q, and M = P·Q⁻¹ for the target's factor P, so that
//!    T = S·Mᵀ has correlation exactly P·Pᵀ (the spurious correlation of S removed);
//! 3. each driver's sorted draws (a column already in order, as a Latin hypercube's strata
//!    come, is not sorted again) are placed in the rank order of its column of T. Column 0
//!    of T is a positive multiple of S's, whose rank order is the permutation itself, so it
//!    is not sorted; other columns are ranked exactly (ties, which continuous scores do not
//!    have, in row order).
//!
//! Products run down contiguous columns with a fixed order of operations, so they vectorise
//! and give the same bits on every machine.

use std::sync::OnceLock;

use super::{CorrelationError, Matrix, normal_cholesky};
use crate::radix::{RadixScratch, argsort, sort_floats_with};
use crate::special::normal_quantile;

/// A prepared Iman–Conover reordering for a group of drivers.
#[derive(Debug, Clone)]
pub struct ImanConover {
    /// Drivers connected through non-zero targets, each block with the Cholesky factor of
    /// its normal-score target.
    blocks: Vec<Block>,
    /// Standardised van der Waerden scores for the first batch length seen (all batches
    /// but a run's last have the same length, so they are computed once).
    scores: OnceLock<Vec<f64>>,
}

#[derive(Debug, Clone)]
struct Block {
    /// Positions (in the correlation matrix) of the block's drivers.
    columns: Vec<usize>,
    /// Cholesky factor of the block's normal-score target.
    target: Matrix,
}

/// Per-thread working space, reused from batch to batch.
#[derive(Debug, Default, Clone)]
pub struct IcScratch {
    s: Vec<f64>,
    t: Vec<f64>,
    order: Vec<u32>,
    sorted: Vec<f64>,
    radix: RadixScratch,
    /// Keep each reordered column's rows in ascending order of its values (for a batch
    /// whose ranks are wanted again: sensitivity's).
    pub keep: bool,
    /// Per column: its rows in ascending order, valid where `distinct` says so.
    kept: Vec<Vec<u32>>,
    /// Per column: reordered in the last [`ImanConover::apply`], with `keep` set, and no
    /// two of its values equal (so its ascending order is unique).
    distinct: Vec<bool>,
}

impl IcScratch {
    /// Column `j`'s rows in ascending order of its values, as the last
    /// [`ImanConover::apply`] left them, when it kept them and no two values are equal:
    /// then they are exactly the rows a sort of the column would give.
    pub fn ascending_rows(&self, j: usize) -> Option<&[u32]> {
        (self.keep && *self.distinct.get(j)?).then(|| self.kept[j].as_slice())
    }
}

/// Standardised van der Waerden scores Φ⁻¹(i/(n+1)), i = 1..n.
pub(super) fn van_der_waerden(n: usize) -> Vec<f64> {
    let mut scores: Vec<f64> = (1..=n)
        .map(|i| normal_quantile(i as f64 / (n as f64 + 1.0)))
        .collect();
    let sd = (scores.iter().map(|s| s * s).sum::<f64>() / n as f64).sqrt();
    for s in &mut scores {
        *s /= sd;
    }
    scores
}

/// Groups of indices connected through non-zero off-diagonal entries, each in ascending
/// order, ordered by their first index; singletons left out.
fn blocks_of(m: &Matrix) -> Vec<Vec<usize>> {
    let k = m.len();
    let mut block = vec![usize::MAX; k];
    let mut out = Vec::new();
    for start in 0..k {
        if block[start] != usize::MAX {
            continue;
        }
        let id = out.len();
        let mut members = vec![start];
        block[start] = id;
        let mut next = 0;
        while next < members.len() {
            let i = members[next];
            next += 1;
            for (j, b) in block.iter_mut().enumerate() {
                if *b == usize::MAX && j != i && m.get(i, j) != 0.0 {
                    *b = id;
                    members.push(j);
                }
            }
        }
        members.sort_unstable();
        out.push(members);
    }
    out.retain(|b| b.len() >= 2);
    out
}

/// Σ aᵢ·bᵢ with four running sums in a fixed order (vectorisable, the same on every
/// machine).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl ImanConover {
    /// Prepares the reordering for a target matrix of *Spearman* correlations.
    ///
    /// # Errors
    /// When the implied normal-score matrix is not positive semi-definite (see
    /// [`super::check_imposable`], which the model loader runs, so a loaded model never
    /// fails here).
    pub fn new(spearman: &Matrix) -> Result<Self, CorrelationError> {
        normal_cholesky(spearman)?;
        let blocks = blocks_of(spearman)
            .into_iter()
            .map(|columns| {
                let mut sub = Matrix::identity(columns.len());
                for (a, &i) in columns.iter().enumerate() {
                    for (b, &j) in columns.iter().enumerate().skip(a + 1) {
                        sub.set_sym(a, b, spearman.get(i, j));
                    }
                }
                Ok(Block {
                    target: normal_cholesky(&sub)?,
                    columns,
                })
            })
            .collect::<Result<_, CorrelationError>>()?;
        Ok(ImanConover {
            blocks,
            scores: OnceLock::new(),
        })
    }

    /// True when column `j` is reordered (it has a non-zero target with another column),
    /// so it needs a permutation.
    pub fn reorders(&self, j: usize) -> bool {
        self.blocks.iter().any(|b| b.columns.contains(&j))
    }

    /// Reorders each of `columns` (all of one length n) so that their rank correlations
    /// approach the target. `permutations[j]` must be a uniformly random permutation of
    /// 0..n for each column j that [`ImanConover::reorders`], drawn from that column's own
    /// stream (others are not read). Quasi-Monte Carlo passes instead the rank order of the
    /// column's own scrambled Sobol points: each row's rank is still uniform, and the
    /// ranks carry the points' joint structure into the scores (`crate::sample`).
    pub fn apply(&self, columns: &mut [&mut [f64]], permutations: &[Vec<u32>], w: &mut IcScratch) {
        w.distinct.clear();
        w.distinct.resize(columns.len(), false);
        w.kept.resize_with(columns.len(), Vec::new);
        let Some(n) = columns.first().map(|c| c.len()) else {
            return;
        };
        if !(3..=1 << 20).contains(&n) {
            return;
        }
        let cached = self.scores.get_or_init(|| van_der_waerden(n));
        let fresh;
        let scores: &[f64] = if cached.len() == n {
            cached
        } else {
            fresh = van_der_waerden(n);
            &fresh
        };
        for block in &self.blocks {
            block.apply(scores, columns, permutations, w);
        }
    }
}

impl Block {
    fn apply(
        &self,
        scores: &[f64],
        columns: &mut [&mut [f64]],
        permutations: &[Vec<u32>],
        w: &mut IcScratch,
    ) {
        let (m, n) = (self.columns.len(), scores.len());
        w.s.clear();
        for &c in &self.columns {
            w.s.extend(permutations[c].iter().map(|&p| scores[p as usize]));
        }
        let s = |j: usize| &w.s[j * n..(j + 1) * n];
        let mut e = Matrix::identity(m);
        for a in 0..m {
            for b in a + 1..m {
                e.set_sym(a, b, dot(s(a), s(b)) / n as f64);
            }
        }
        let Some(q) = e.cholesky() else {
            return;
        };
        let mm = super::lower_times_inverse_lower(&self.target, &q);
        for (a, &c) in self.columns.iter().enumerate() {
            if a == 0 {
                // T's column 0 is M₀₀ > 0 times S's, in the permutation's rank order:
                // row i has rank permutations[c][i].
                w.order.clear();
                w.order.resize(n, 0);
                for (i, &p) in permutations[c].iter().enumerate() {
                    w.order[p as usize] = i as u32;
                }
            } else {
                w.t.clear();
                w.t.resize(n, 0.0);
                for b in 0..=a {
                    let coef = mm[a * m + b];
                    for (t, &x) in w.t.iter_mut().zip(&w.s[b * n..(b + 1) * n]) {
                        *t += coef * x;
                    }
                }
                argsort(&w.t, &mut w.order, &mut w.radix);
            }
            let column = &mut *columns[c];
            w.sorted.clear();
            w.sorted.extend_from_slice(column);
            // A Latin hypercube's column comes in its strata's order, already sorted; a
            // Monte Carlo column fails the test within its first few values.
            if !w.sorted.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
                sort_floats_with(&mut w.sorted, &mut w.radix);
            }
            for (&row, &x) in w.order.iter().zip(&w.sorted) {
                column[row as usize] = x;
            }
            // Row order[k] now holds the k-th smallest value: with no two values equal,
            // that is the column's unique ascending order (NaN and ±0 count as ties).
            if w.keep && w.sorted.windows(2).all(|p| p[0] < p[1]) {
                w.kept[c].clone_from(&w.order);
                w.distinct[c] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn van_der_waerden_scores_are_standardised_normal_quantiles() {
        // Φ⁻¹(i/(n + 1)), symmetric about 0, scaled to sd 1 (as the doc says), so the
        // score matrix's correlation is its cross-product over n.
        for n in [3usize, 10, 10_000] {
            let s = van_der_waerden(n);
            let nf = n as f64;
            let mean = s.iter().sum::<f64>() / nf;
            let sd = (s.iter().map(|x| x * x).sum::<f64>() / nf).sqrt();
            assert!(
                mean.abs() < 1e-12 && (sd - 1.0).abs() < 1e-12,
                "{n}: {mean} {sd}"
            );
            // One scale factor for all: the raw quantiles over their root mean square.
            let raw: Vec<f64> = (1..=n)
                .map(|i| normal_quantile(i as f64 / (nf + 1.0)))
                .collect();
            let rms = (raw.iter().map(|x| x * x).sum::<f64>() / nf).sqrt();
            assert!(rms < 1.0, "the raw quantiles are narrower than N(0, 1)");
            for (x, r) in s.iter().zip(&raw) {
                assert!((x - r / rms).abs() < 1e-12, "{n}: {x} vs {}", r / rms);
            }
            assert!(s[0] < 0.0 && (s[0] + s[n - 1]).abs() < 1e-12);
        }
    }

    #[test]
    fn blocks_are_the_connected_groups() {
        // 0–2 and 2–4 connect {0, 2, 4}; 1–3 is its own block; 5 is alone.
        let mut m = Matrix::identity(6);
        m.set_sym(0, 2, 0.3);
        m.set_sym(4, 2, -0.2);
        m.set_sym(1, 3, 0.5);
        assert_eq!(blocks_of(&m), vec![vec![0, 2, 4], vec![1, 3]]);
        let ic = ImanConover::new(&m).unwrap();
        assert!(ic.reorders(4) && ic.reorders(1) && !ic.reorders(5));
    }

    #[test]
    fn dot_products_add_every_term() {
        let a: Vec<f64> = (0..11).map(f64::from).collect();
        let b: Vec<f64> = (0..11).map(|i| f64::from(i % 3) - 1.0).collect();
        let want: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), want);
    }

    #[test]
    fn a_column_given_in_order_is_reordered_as_the_same_values_in_any_order() {
        // The reordering reads a column's values sorted: one that comes sorted (a Latin
        // hypercube's, its strata in order) skips the sort and must end as the same values
        // shuffled would, bit for bit; so must one sorted but for its last two values.
        use rand::Rng as _;
        let mut m = Matrix::identity(3);
        m.set_sym(0, 1, 0.5);
        m.set_sym(1, 2, -0.3);
        let ic = ImanConover::new(&m).unwrap();
        let n = 3000;
        let mut rng = crate::sample::stream(8, 0, "in order");
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..n).map(|_| (rng.next_u64() >> 11) as f64).collect())
            .collect();
        let perms: Vec<Vec<u32>> = (0..3)
            .map(|j| crate::sample::permutation(&mut crate::sample::stream(8, j, "p"), n))
            .collect();
        let run = |mut c: Vec<Vec<f64>>| {
            let mut views: Vec<&mut [f64]> = c.iter_mut().map(Vec::as_mut_slice).collect();
            ic.apply(&mut views, &perms, &mut IcScratch::default());
            c
        };
        let shuffled = run(cols.clone());
        let mut sorted = cols.clone();
        for c in &mut sorted {
            c.sort_by(f64::total_cmp);
        }
        let mut nearly = sorted.clone();
        nearly[1].swap(n - 1, n - 2);
        for (name, c) in [("sorted", sorted), ("sorted but its last two", nearly)] {
            let got = run(c);
            for (a, b) in got.iter().zip(&shuffled) {
                assert!(
                    a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{name}"
                );
            }
        }
        assert_ne!(shuffled[1], cols[1], "the test reorders something");
    }

    #[test]
    fn kept_orders_are_the_sorts_of_the_reordered_columns() {
        use rand::Rng as _;
        // Three correlated columns and one free one; column 1 has a tie, so it keeps none.
        let mut m = Matrix::identity(4);
        m.set_sym(0, 1, 0.5);
        m.set_sym(1, 2, 0.4);
        let ic = ImanConover::new(&m).unwrap();
        let n = 2000;
        let mut rng = crate::sample::stream(5, 0, "kept orders");
        let mut cols: Vec<Vec<f64>> = (0..4)
            .map(|_| {
                (0..n)
                    .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
                    .collect()
            })
            .collect();
        cols[1][7] = cols[1][8];
        let perms: Vec<Vec<u32>> = (0..4)
            .map(|j| crate::sample::permutation(&mut crate::sample::stream(5, j, "p"), n))
            .collect();
        let mut w = IcScratch {
            keep: true,
            ..IcScratch::default()
        };
        let mut views: Vec<&mut [f64]> = cols.iter_mut().map(Vec::as_mut_slice).collect();
        ic.apply(&mut views, &perms, &mut w);
        for j in [0, 2] {
            let mut want = Vec::new();
            crate::radix::argsort(&cols[j], &mut want, &mut RadixScratch::default());
            assert_eq!(w.ascending_rows(j), Some(want.as_slice()), "column {j}");
        }
        assert_eq!(w.ascending_rows(1), None, "a tie: no kept order");
        assert_eq!(w.ascending_rows(3), None, "not reordered");
        // Without `keep`, nothing is kept.
        w.keep = false;
        let mut views: Vec<&mut [f64]> = cols.iter_mut().map(Vec::as_mut_slice).collect();
        ic.apply(&mut views, &perms, &mut w);
        assert_eq!(w.ascending_rows(0), None);
    }
}
