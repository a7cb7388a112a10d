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
//! nearly every draw costs one 64-bit draw and a few flops: its bits pick the cell, place
//! the point and give the top bits of its height, which decide alone whether it is under
//! f_min,k (the height's lower bits are drawn only when they do not). A rejected point is
//! retried in the same cell, never a new cell: the cell was chosen with exactly its
//! probability, and rejection within it gives Z's law restricted to it, so the mixture is
//! Z's law exactly.
//!
//! The same table cut into n cells at Q(k/n) ([`Table::with_cells`]) serves a Latin
//! hypercube: a batch's n strata are its cells, and [`Table::draw_in`] draws Z restricted
//! to a given one by the same rejection.
//!
//! A cell that is unbounded (a normal's outer cells), where the density is unbounded (a
//! Beta with α < 1 near 0), or where the density varies by more than 16 to 1 (a Beta's
//! cell that ends where its density is 0; a tiny shape; a far truncation) is sampled by
//! the inverse CDF instead, at probability (k + u)/256 (k + u over the number of cells):
//! 2 draws in 256 for a normal. A
//! Beta's end cell of that kind (the density vanishing or unbounded at 0 or 1) is sampled
//! by rejection from the power law the density follows there ([`Edge`]) when the rest of
//! the density varies little across it, as it does for every PERT: an incomplete-beta
//! inversion per draw there had cost a tenth of a Kent run.
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

/// Bits of a draw that place a point within its cell: 2⁴⁵ places in a cell of probability
/// 2⁻⁸, as fine as a double's resolution of probabilities near 1.
const Z_BITS: u32 = 45;
const Z_MASK: u64 = (1 << Z_BITS) - 1;
const Z_UNIT: f64 = 1.0 / (1u64 << Z_BITS) as f64;
/// The next 11 bits: the top of the point's uniform height, which decides acceptance alone
/// under the squeeze.
const C_BITS: u32 = 11;
const C_MASK: u64 = (1 << C_BITS) - 1;
const SURE_SCALE: f64 = (1u64 << C_BITS) as f64;
/// The top bits pick the cell: 2⁸ = [`CELLS`] of them.
const CELL_SHIFT: u32 = Z_BITS + C_BITS;
const _: () = assert!(CELL_SHIFT + 8 == 64 && 1 << 8 == CELLS);

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
    /// ⌊2¹¹ · f_min,k / f_max,k⌋: a point whose uniform's top 11 bits (c) are below this
    /// lies under the squeeze whatever its lower bits, and is accepted at once.
    sure: u64,
    /// ln f_max,k.
    ln_max: f64,
}

/// Bytes a cell of a table takes.
pub(super) const CELL_BYTES: usize = std::mem::size_of::<Cell>();

/// `Cell::width` of a Beta's end cell sampled by [`Edge`]; any other negative width means
/// the inverse CDF.
const EDGE: f64 = -2.0;

/// A Beta's cell at 0 or at 1 where the density vanishes or blows up: sampled exactly by
/// rejection from the power law the density follows there, instead of the inverse CDF (an
/// incomplete-beta inversion, a hundred times the cost of a draw, in 1 cell in 128).
///
/// On the cell [0, e] the density is y^(p − 1)·(1 − y)^c up to a constant (at 1, the same
/// with y = 1 − x and the exponents swapped). A proposal y = e·U^(1/p) follows y^(p − 1) on
/// [0, e] exactly; accepting it with probability (1 − y)^c / M, M the factor's largest value
/// on the cell, leaves the density restricted to the cell. The factor is monotone, so its
/// extremes are at the cell's ends and its least value over M is the squeeze.
#[derive(Debug, Clone, Copy)]
struct Edge {
    /// The cell is at 0 (x = y), else at 1 (x = 1 − y).
    at_zero: bool,
    /// The cell's length e from its end of the support.
    length: f64,
    /// 1/p: the proposal's exponent.
    inv_power: f64,
    /// c: the other factor's exponent.
    c: f64,
    /// ln M.
    ln_max: f64,
    /// The factor's least value over M.
    squeeze: f64,
}

impl Edge {
    /// The edge cell [0, length] of y^(p − 1)·(1 − y)^c, if the factor (1 − y)^c varies
    /// little enough over it for rejection.
    fn new(at_zero: bool, length: f64, p: f64, c: f64) -> Option<Edge> {
        if !(length > 0.0 && length < 1.0 && p > 0.0 && p.is_finite() && c.is_finite()) {
            return None;
        }
        let far = if c == 0.0 {
            0.0
        } else {
            c * (1.0 - length).pln()
        };
        let (ln_max, ln_min) = (far.max(0.0), far.min(0.0));
        let squeeze = (ln_min - ln_max).pexp();
        (squeeze >= MIN_SQUEEZE).then_some(Edge {
            at_zero,
            length,
            inv_power: 1.0 / p,
            c,
            ln_max,
            squeeze,
        })
    }

    /// One x of the cell from the restricted law.
    #[cold]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            // U in (0, 1): its logarithm is finite.
            let u = ((rng.next_u64() >> 11) as f64 + 0.5) * UNIT;
            let y = self.length * (u.pln() * self.inv_power).pexp();
            let v = (rng.next_u64() >> 11) as f64 * UNIT;
            if v < self.squeeze || v.pln() < self.c * (1.0 - y).pln() - self.ln_max {
                return if self.at_zero { y } else { 1.0 - y };
            }
        }
    }
}

/// The cells of one standard variable: 256 of them for Monte Carlo, or a Latin
/// hypercube's strata.
#[derive(Debug, Clone)]
pub(super) struct Table {
    shape: Shape,
    cells: Box<[Cell]>,
    /// A Beta's end cells at 0 and at 1, when they are sampled by [`Edge`].
    ends: [Option<Edge>; 2],
}

impl Table {
    /// Cuts the support at `quantile(k/256)` (k = 1..255; the ends are `lo` and `hi`, the
    /// support's bounds, possibly infinite).
    pub(super) fn new(shape: Shape, lo: f64, hi: f64, quantile: impl Fn(f64) -> f64) -> Self {
        Table::with_cells(shape, lo, hi, CELLS, quantile)
    }

    /// [`Table::new`] with `count` cells: a Latin hypercube's strata, one cell each
    /// ([`Table::draw_in`]). A count of 0 or 1 makes one cell, the whole support, drawn by
    /// the inverse CDF unless rejection serves it.
    pub(super) fn with_cells(
        shape: Shape,
        lo: f64,
        hi: f64,
        count: usize,
        quantile: impl Fn(f64) -> f64,
    ) -> Self {
        let mut edges = Vec::with_capacity(count + 1);
        edges.push(lo);
        edges.extend((1..count).map(|k| quantile(k as f64 / count as f64).clamp(lo, hi)));
        edges.push(hi);
        // Quantiles are monotone; a last-bit wobble must not make a cell's width negative.
        for k in 1..edges.len() {
            edges[k] = edges[k].max(edges[k - 1]);
        }
        let turn = shape.turning_point();
        // Each inner edge bounds two cells: its density is evaluated once (a Latin
        // hypercube's table has 10,000 cells, and the logarithms were a fifth of its cost).
        let ln_at: Vec<f64> = edges
            .iter()
            .map(|&x| {
                if x.is_finite() {
                    shape.ln_density(x)
                } else {
                    f64::NAN
                }
            })
            .collect();
        let cells = edges
            .windows(2)
            .zip(ln_at.windows(2))
            .map(|(e, ln_e)| {
                let (a, b) = (e[0], e[1]);
                let inverse = Cell {
                    lo: a,
                    width: -1.0,
                    sure: 0,
                    ln_max: 0.0,
                };
                if !(a.is_finite() && b.is_finite()) {
                    return inverse;
                }
                // The turning point's density when it lies inside (else an end's again,
                // which changes neither extreme).
                let inside = turn.filter(|&t| a < t && t < b);
                let ends = [
                    ln_e[0],
                    ln_e[1],
                    inside.map_or(ln_e[0], |t| shape.ln_density(t)),
                ];
                let ln_max = ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let ln_min = ends.iter().copied().fold(f64::INFINITY, f64::min);
                let squeeze = (ln_min - ln_max).pexp();
                if !ln_max.is_finite() || ends.iter().any(|x| x.is_nan()) || squeeze < MIN_SQUEEZE {
                    return inverse;
                }
                Cell {
                    lo: a,
                    width: b - a,
                    // Exact: a power of two times a double, then its floor.
                    sure: (squeeze * SURE_SCALE) as u64,
                    ln_max,
                }
            })
            .collect::<Box<[Cell]>>();
        let mut table = Table {
            shape,
            cells,
            ends: [None, None],
        };
        table.take_edges(lo, hi);
        table
    }

    /// Marks a Beta's end cells that would go by the inverse CDF as [`Edge`] cells where
    /// rejection from the power law serves.
    fn take_edges(&mut self, lo: f64, hi: f64) {
        let Shape::Beta { a1, b1 } = self.shape else {
            return;
        };
        // One cell (a table of one stratum) has no end cell apart from the rest.
        if lo != 0.0 || hi != 1.0 || self.cells.len() < 2 {
            return;
        }
        let last = self.cells.len() - 1;
        let ends = [
            (0, self.cells[1].lo, a1 + 1.0, b1),
            (last, 1.0 - self.cells[last].lo, b1 + 1.0, a1),
        ];
        for (side, (k, length, p, c)) in ends.into_iter().enumerate() {
            if self.cells[k].width >= 0.0 {
                continue;
            }
            if let Some(edge) = Edge::new(side == 0, length, p, c) {
                self.ends[side] = Some(edge);
                self.cells[k].width = EDGE;
            }
        }
    }

    /// One draw of the standard variable; `quantile` is its inverse CDF, for the cells
    /// sampled that way.
    #[inline]
    pub(super) fn draw<R: Rng + ?Sized>(&self, rng: &mut R, quantile: &impl Fn(f64) -> f64) -> f64 {
        let r = rng.next_u64();
        self.draw_cell((r >> CELL_SHIFT) as usize, r, rng, quantile)
    }

    /// One draw of the standard variable restricted to cell `k` (of a table of strata,
    /// [`Table::with_cells`]): the variable's law conditioned on falling in the cell, as
    /// the inverse CDF at a uniform probability within the cell gives it. The draw's top
    /// bits, which pick the cell in [`Table::draw`], go unused.
    #[inline]
    pub(super) fn draw_in<R: Rng + ?Sized>(
        &self,
        k: usize,
        rng: &mut R,
        quantile: &impl Fn(f64) -> f64,
    ) -> f64 {
        let r = rng.next_u64();
        self.draw_cell(k, r, rng, quantile)
    }

    /// [`Table::draw`] in cell `k`, from the draw `r` (its low 56 bits are read).
    #[inline(always)]
    fn draw_cell<R: Rng + ?Sized>(
        &self,
        k: usize,
        r: u64,
        rng: &mut R,
        quantile: &impl Fn(f64) -> f64,
    ) -> f64 {
        let cell = self.cells[k];
        if cell.width < 0.0 {
            if let Some(e) = self.edge(k, cell.width) {
                return e.draw(rng);
            }
            // (k + u)/cells with u inside (0, 1), from the low 53 bits; the top draw's u
            // rounds to 1, so the probability is kept below 1, where the inverse is finite.
            let u = ((r & ((1 << 53) - 1)) as f64 + 0.5) * UNIT;
            let count = self.cells.len() as f64;
            return quantile(((k as f64 + u) / count).min(super::BELOW_ONE));
        }
        // One 64-bit draw serves a point that falls under the squeeze (nearly all): its low
        // 45 bits place z in the cell, the next 11 are the top bits c of the 53-bit uniform
        // height y, whose lower 42 bits are drawn only when c alone cannot decide: c < sure
        // means y < (c + 1)/2¹¹ ≤ f_min/f_max whatever they are.
        let mut bits = r;
        loop {
            let z = cell.lo + ((bits & Z_MASK) as f64 * Z_UNIT) * cell.width;
            let c = (bits >> Z_BITS) & C_MASK;
            if c < cell.sure {
                return z;
            }
            // A 53-bit uniform whose top 11 bits are c: exact, and below 1.
            let y = ((c << (53 - C_BITS)) | (rng.next_u64() >> (64 - 53 + C_BITS))) as f64 * UNIT;
            // y·f_max < f(z), in logs.
            if y.pln() < self.shape.ln_density(z) - cell.ln_max {
                return z;
            }
            bits = rng.next_u64();
        }
    }
}

impl Table {
    /// End cell `k`'s [`Edge`], when the cell is marked [`EDGE`].
    #[inline]
    fn edge(&self, k: usize, width: f64) -> Option<&Edge> {
        if width != EDGE {
            return None;
        }
        self.ends[usize::from(k != 0)].as_ref()
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
            assert!(c.sure > 0 && c.sure <= 1 << 11);
        }
        // Only the two unbounded outer cells go by the inverse CDF.
        let inverse: Vec<usize> = (0..CELLS).filter(|&k| t.cells[k].width < 0.0).collect();
        assert_eq!(inverse, [0, CELLS - 1]);
    }

    fn beta_table(a: f64, b: f64) -> Table {
        Table::new(
            Shape::Beta {
                a1: a - 1.0,
                b1: b - 1.0,
            },
            0.0,
            1.0,
            |p| crate::special::beta_quantile(a, b, p),
        )
    }

    #[test]
    fn a_betas_end_cells_where_its_density_vanishes_or_blows_up_go_by_the_power_law() {
        // Unbounded at both ends; and a PERT's shape, 0 at both ends.
        for (a, b) in [(0.3, 0.5), (2.6, 3.4)] {
            let t = beta_table(a, b);
            assert_eq!(t.cells[0].width, EDGE, "Beta({a}, {b}) at 0");
            assert_eq!(t.cells[CELLS - 1].width, EDGE, "Beta({a}, {b}) at 1");
            assert!(t.ends.iter().all(Option::is_some));
            assert!(t.cells[1..CELLS - 1].iter().all(|c| c.width >= 0.0));
        }
        // A density finite and non-zero at 0 (α = 1) is sampled there by plain rejection.
        let t = beta_table(1.0, 3.0);
        assert!(t.cells[0].width >= 0.0 && t.ends[0].is_none());
    }

    /// The Kolmogorov–Smirnov distance between `n` draws of end cell `k` and Beta(a, b)
    /// restricted to that cell.
    fn edge_ks(a: f64, b: f64, k: usize, n: usize) -> f64 {
        let t = beta_table(a, b);
        let e = t.edge(k, t.cells[k].width).expect("an edge cell");
        let (lo, hi) = if k == 0 {
            (0.0, t.cells[1].lo)
        } else {
            (t.cells[k].lo, 1.0)
        };
        let cdf = |x: f64| crate::special::beta_reg(a, b, x);
        let (f_lo, mass) = (cdf(lo), cdf(hi) - cdf(lo));
        let mut rng = crate::sample::stream(3, k as u64, "edge cell");
        let mut places: Vec<f64> = (0..n)
            .map(|_| {
                let v = e.draw(&mut rng);
                assert!((lo..=hi).contains(&v), "{v} outside [{lo}, {hi}]");
                (cdf(v) - f_lo) / mass
            })
            .collect();
        crate::dist::tests::ks_from_uniform(&mut places)
    }

    #[test]
    fn edge_cells_follow_the_beta_restricted_to_them() {
        // Critical value of the KS distance at level 0.001: 1.95/√n. The shapes: a PERT's,
        // densities unbounded at an end (α or β < 1), a steep one (α = 30).
        let n = 100_000;
        let critical = 1.95 / (n as f64).sqrt();
        for (a, b) in [(2.6, 3.4), (0.3, 0.5), (1.5, 0.7), (30.0, 2.0), (4.0, 1.2)] {
            for k in [0, CELLS - 1] {
                let d = edge_ks(a, b, k, n);
                assert!(d < critical, "Beta({a}, {b}) cell {k}: KS {d} ≥ {critical}");
            }
        }
    }

    #[test]
    fn the_edge_test_refuses_a_wrong_power() {
        // The check above can fail: the cell at 0 of Beta(2.6, 3.4) drawn as if α were 2.8.
        let t = beta_table(2.6, 3.4);
        let e = t.ends[0].expect("an edge cell");
        let wrong = Edge::new(true, e.length, 2.8, e.c).expect("an edge cell");
        let cdf = |x: f64| crate::special::beta_reg(2.6, 3.4, x);
        let mass = cdf(e.length);
        let mut rng = crate::sample::stream(3, 0, "edge cell");
        let n = 100_000;
        let mut x: Vec<f64> = (0..n).map(|_| wrong.draw(&mut rng)).collect();
        x.sort_by(f64::total_cmp);
        let d = x
            .iter()
            .enumerate()
            .map(|(i, &v)| (cdf(v) / mass - i as f64 / n as f64).abs())
            .fold(0.0, f64::max);
        assert!(d > 1.95 / (n as f64).sqrt(), "KS {d}");
    }

    #[test]
    fn edge_draws_are_pinned() {
        // Value stability of the end cells' sampler (see `dist::tests::samplers_are_pinned`):
        // the first draws of each end cell of a PERT's Beta(2.6, 3.4), to the bit.
        let t = beta_table(2.6, 3.4);
        let mut rng = crate::sample::stream(1, 0, "edge");
        let draws: Vec<u64> = [0, CELLS - 1, 0, CELLS - 1]
            .iter()
            .map(|&k| {
                t.edge(k, t.cells[k].width)
                    .unwrap()
                    .draw(&mut rng)
                    .to_bits()
            })
            .collect();
        assert_eq!(
            draws,
            [
                4581566871759378136,
                4606212030496936402,
                4583770397244231235,
                4606434618649176073,
            ]
        );
    }
}
