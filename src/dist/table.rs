//! Exact sampling by equal-probability cells: the fast sampler behind
//! [`Distribution::fill`] for the normal, lognormal and Beta (PERT) families.
//!
//! The support of a standard variable Z (a standard normal, possibly truncated, or a
//! Beta(α, β) on [0, 1]) is cut at its quantiles q_k = Q(k/256) into 256 cells of equal
//! probability. A draw picks a cell uniformly (8 bits of one 64-bit draw), then samples Z
//! restricted to that cell by rejection from the box [q_k, q_{k+1}] × [0, f_max,k], where
//! f_max,k is the density's largest value on the cell. A point under the density's
//! smallest value on the cell (f_min,k) is accepted without evaluating the density: for
//! these smooth, unimodal (or U-shaped) laws the density varies little across a cell, so
//! nearly every draw costs two 64-bit draws and a few flops. A rejected point is retried
//! in the same cell, never a new cell: the cell was chosen with exactly its probability, and
//! rejection within it gives Z's law restricted to it, so the mixture is Z's law exactly.
//!
//! A cell that is unbounded (a normal's outer cells), where the density is unbounded (a
//! Beta with α < 1 near 0), or where the density varies by more than 16 to 1 (a Beta's
//! cell that ends where its density is 0; a tiny shape; a far truncation) is sampled by
//! the inverse CDF instead, at probability (k + u)/256: 2 draws in 256 for a normal.
//!
//! The density's extremes on a cell are at its ends or at the density's one turning point
//! (the mode, or a U-shaped Beta's antimode) when that lies inside. Everything here uses
//! the portable `exp` and `ln`, so tables and draws are the same bits on every machine.

use rand::Rng;

use crate::portable::Portable as _;

/// Cells per table: a power of two, so a cell is chosen by the top bits of one draw.
pub const CELLS: usize = 256;

/// A cell whose density varies more than this ratio across it (f_min/f_max below it) is
/// sampled by the inverse CDF: rejection there could take many tries (a Beta with a tiny
/// shape, or a normal truncated far out in its tail, has cells where the density falls by
/// orders of magnitude). Acceptance is at least the squeeze, so no cell needs more than 16
/// tries on average. Every interior cell of the standard normal is far above it (0.54).
const MIN_SQUEEZE: f64 = 1.0 / 16.0;

/// 2⁻⁵³, turning 53 random bits into a double in [0, 1).
const UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// The law of a standard variable, in the terms the table needs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shape {
    /// The standard normal: ln f(z) = −z²/2 (up to a constant).
    Normal,
    /// Beta(α, β) on [0, 1]: ln f(z) = (α − 1)·ln z + (β − 1)·ln(1 − z).
    Beta {
        /// α − 1.
        a1: f64,
        /// β − 1.
        b1: f64,
    },
}

impl Shape {
    /// The log density up to an additive constant (which cancels in every ratio used).
    #[inline]
    fn ln_density(self, z: f64) -> f64 {
        match self {
            Shape::Normal => -0.5 * z * z,
            Shape::Beta { a1, b1 } => {
                // 0·ln 0 is 0 here (a Beta(1, β) density is finite at 0).
                let term = |c: f64, x: f64| if c == 0.0 { 0.0 } else { c * x.pln() };
                term(a1, z) + term(b1, 1.0 - z)
            }
        }
    }

    /// Where the density turns (its mode, or a U-shaped Beta's antimode), if anywhere.
    fn turning_point(self) -> Option<f64> {
        match self {
            Shape::Normal => Some(0.0),
            Shape::Beta { a1, b1 } => {
                let s = a1 + b1;
                (s != 0.0 && a1 * b1 > 0.0).then(|| a1 / s)
            }
        }
    }
}

/// One equal-probability cell.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Its lower end q_k.
    lo: f64,
    /// q_{k+1} − q_k; negative marks a cell sampled by the inverse CDF.
    width: f64,
    /// f_min,k / f_max,k: a uniform below this accepts at once.
    squeeze: f64,
    /// ln f_max,k.
    ln_max: f64,
}

/// The 256 cells of one standard variable.
#[derive(Debug, Clone)]
pub(super) struct Table {
    shape: Shape,
    cells: Box<[Cell]>,
}

impl Table {
    /// Cuts the support at `quantile(k/256)` (k = 1..255; the ends are `lo` and `hi`, the
    /// support's bounds, possibly infinite).
    pub(super) fn new(shape: Shape, lo: f64, hi: f64, quantile: impl Fn(f64) -> f64) -> Self {
        let mut edges = Vec::with_capacity(CELLS + 1);
        edges.push(lo);
        edges.extend((1..CELLS).map(|k| quantile(k as f64 / CELLS as f64).clamp(lo, hi)));
        edges.push(hi);
        // Quantiles are monotone; a last-bit wobble must not make a cell's width negative.
        for k in 1..edges.len() {
            edges[k] = edges[k].max(edges[k - 1]);
        }
        let turn = shape.turning_point();
        let cells = edges
            .windows(2)
            .map(|e| {
                let (a, b) = (e[0], e[1]);
                let inverse = Cell {
                    lo: a,
                    width: -1.0,
                    squeeze: 0.0,
                    ln_max: 0.0,
                };
                if !(a.is_finite() && b.is_finite()) {
                    return inverse;
                }
                let mut ends = vec![shape.ln_density(a), shape.ln_density(b)];
                if let Some(t) = turn.filter(|&t| a < t && t < b) {
                    ends.push(shape.ln_density(t));
                }
                let ln_max = ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let ln_min = ends.iter().copied().fold(f64::INFINITY, f64::min);
                let squeeze = (ln_min - ln_max).pexp();
                if !ln_max.is_finite() || ends.iter().any(|x| x.is_nan()) || squeeze < MIN_SQUEEZE {
                    return inverse;
                }
                Cell {
                    lo: a,
                    width: b - a,
                    squeeze,
                    ln_max,
                }
            })
            .collect();
        Table { shape, cells }
    }

    /// One draw of the standard variable; `quantile` is its inverse CDF, for the cells
    /// sampled that way.
    #[inline]
    pub(super) fn draw<R: Rng + ?Sized>(&self, rng: &mut R, quantile: &impl Fn(f64) -> f64) -> f64 {
        let r = rng.next_u64();
        let k = (r >> 56) as usize;
        let cell = self.cells[k];
        if cell.width < 0.0 {
            // (k + u)/256 with u inside (0, 1), from the low 53 bits; the top draw's u
            // rounds to 1, so the probability is kept below 1, where the inverse is finite.
            let u = ((r & ((1 << 53) - 1)) as f64 + 0.5) * UNIT;
            return quantile(((k as f64 + u) / CELLS as f64).min(super::BELOW_ONE));
        }
        let mut bits = r;
        loop {
            let z = cell.lo + ((bits & ((1 << 53) - 1)) as f64 * UNIT) * cell.width;
            let y = (rng.next_u64() >> 11) as f64 * UNIT;
            if y < cell.squeeze {
                return z;
            }
            // y·f_max < f(z), in logs.
            if y.pln() < self.shape.ln_density(z) - cell.ln_max {
                return z;
            }
            bits = rng.next_u64();
        }
    }
}

/// The standard normal's table, built once (it depends on nothing).
pub(super) fn standard_normal() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        Table::new(
            Shape::Normal,
            f64::NEG_INFINITY,
            f64::INFINITY,
            crate::special::normal_quantile,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_have_equal_probability_and_cover_the_support() {
        let t = standard_normal();
        assert_eq!(t.cells.len(), CELLS);
        let phi = crate::special::normal_cdf;
        for (k, c) in t.cells.iter().enumerate().skip(1).take(CELLS - 2) {
            let mass = phi(c.lo + c.width) - phi(c.lo);
            assert!((mass * CELLS as f64 - 1.0).abs() < 1e-9, "cell {k}: {mass}");
            assert!(c.squeeze > 0.0 && c.squeeze <= 1.0);
        }
        // Only the two unbounded outer cells go by the inverse CDF.
        let inverse: Vec<usize> = (0..CELLS).filter(|&k| t.cells[k].width < 0.0).collect();
        assert_eq!(inverse, [0, CELLS - 1]);
    }

    #[test]
    fn a_beta_with_a_density_unbounded_at_zero_samples_that_cell_by_its_inverse() {
        let (a, b) = (0.3, 0.5);
        let t = Table::new(
            Shape::Beta {
                a1: a - 1.0,
                b1: b - 1.0,
            },
            0.0,
            1.0,
            |p| crate::special::beta_quantile(a, b, p),
        );
        assert!(t.cells[0].width < 0.0 && t.cells[CELLS - 1].width < 0.0);
        assert!(t.cells[1..CELLS - 1].iter().all(|c| c.width >= 0.0));
    }
}
