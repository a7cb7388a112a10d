//! Rank correlation between drivers, imposed by Iman–Conover reordering.
//!
//! Why Iman–Conover rather than a Gaussian copula: it only *reorders* each driver's
//! independently drawn values, so every driver keeps exactly the distribution it was drawn
//! from (and a Latin hypercube column stays a Latin hypercube), it works with the fast direct
//! samplers (a copula would need every inverse CDF, and the Beta's is slow), and it acts on
//! one batch at a time, so it keeps the engine's (seed, batch) determinism. Its cost is a sort
//! per correlated driver per batch.
//!
//! Targets are Spearman rank correlations, the measure a finance user can read off a
//! scatter of ranks. Iman–Conover matches the Pearson correlation of normal scores, so each
//! target ρ_s is converted with ρ = 2·sin(π·ρ_s/6) (the exact relation for a bivariate
//! normal) before the reordering.
//!
//! Everything that decides whether correlations can be used therefore works on that
//! converted matrix, the one actually imposed ([`normal_scores`]): the check
//! ([`check_imposable`]) and the repair ([`repair`], Higham's nearest correlation matrix,
//! converted back with ρ_s = (6/π)·asin(ρ/2) for reporting). A Spearman matrix can be
//! positive semi-definite while its conversion is not ([[1, ½, −½], [½, 1, ½], [−½, ½, 1]]
//! has smallest eigenvalue 0, its conversion −0.035).
//!
//! A [`Matrix`] may carry the names of its rows (the drivers), so that every message about
//! it names drivers rather than positions.

mod iman_conover;
mod rank;

use std::fmt::Write as _;

pub use iman_conover::{IcScratch, ImanConover};
pub use rank::{Ranked, pearson, ranks, ranks_of_distinct, ranks_with, spearman};

use crate::portable::Portable as _;

/// Why a set of correlations cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CorrelationError {
    /// The matrix is not positive semi-definite: no set of variables can have these
    /// correlations together.
    #[error("these correlations cannot all hold together: {detail}")]
    NotPositiveSemiDefinite {
        /// Smallest eigenvalue found.
        min_eigenvalue: f64,
        /// Index pairs (into the matrix) of the entries most responsible.
        culprits: Vec<(usize, usize)>,
        /// The explanation, in words, naming the pairs by their rows' names.
        detail: String,
    },
}

/// A symmetric matrix, row-major, optionally with a name for each row (and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    a: Vec<f64>,
    /// One per row, or empty.
    names: Vec<String>,
}

impl Matrix {
    /// The n×n identity.
    pub fn identity(n: usize) -> Self {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = 1.0;
        }
        Matrix {
            n,
            a,
            names: Vec::new(),
        }
    }

    /// The same matrix with its rows named (ignored unless there is one name per row).
    pub fn with_names(mut self, names: Vec<String>) -> Self {
        if names.len() == self.n {
            self.names = names;
        }
        self
    }

    /// The name of row `i`: its given name, or `#i` counting from 1.
    pub fn name(&self, i: usize) -> String {
        self.names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("#{}", i + 1))
    }

    /// Size.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for a 0×0 matrix.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Entry (i, j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    /// Sets (i, j) and (j, i).
    pub fn set_sym(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] = v;
        self.a[j * self.n + i] = v;
    }

    /// The matrix with `f` applied to every entry off the diagonal (the diagonal is 1).
    fn map_off_diagonal(&self, f: impl Fn(f64) -> f64) -> Matrix {
        let mut m = Matrix::identity(self.n).with_names(self.names.clone());
        for i in 0..self.n {
            for j in i + 1..self.n {
                m.set_sym(i, j, f(self.get(i, j)));
            }
        }
        m
    }

    /// Lower-triangular Cholesky factor, or `None` if the matrix is not positive definite
    /// (within a small tolerance that admits semi-definite matrices).
    pub fn cholesky(&self) -> Option<Matrix> {
        let n = self.n;
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut s = self.get(i, j);
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    if s < -1e-10 {
                        return None;
                    }
                    l[i * n + i] = s.max(0.0).sqrt();
                } else {
                    let d = l[j * n + j];
                    l[i * n + j] = if d > 1e-12 { s / d } else { 0.0 };
                }
            }
        }
        Some(Matrix {
            n,
            a: l,
            names: Vec::new(),
        })
    }

    /// Eigenvalues and eigenvectors (columns of the returned row-major n×n array: entry
    /// `i·n + k` is component i of eigenvector k), unsorted.
    ///
    /// Householder reduction to tridiagonal form, then the implicit QL method with
    /// Wilkinson shifts (EISPACK `tred2`/`tql2`, as in JAMA): about 9n³ operations, where
    /// cyclic Jacobi took about 30n³, which matters for Higham's repair (an eigen-
    /// decomposition per iteration, a hundred or more iterations). Plain arithmetic,
    /// square roots and `libm::hypot`, so the same bits on every machine.
    pub fn eigen(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.n;
        if n == 0 {
            return (Vec::new(), Vec::new());
        }
        let mut v = self.a.clone();
        let mut d = vec![0.0; n];
        let mut e = vec![0.0; n];
        tridiagonalize(n, &mut v, &mut d, &mut e);
        tridiagonal_ql(n, &mut v, &mut d, &mut e);
        (d, v)
    }
}

/// Householder reduction of the symmetric matrix in `v` (row-major) to tridiagonal form:
/// on return `d` is the diagonal, `e[1..]` the subdiagonal and `v` the orthogonal
/// transformation (EISPACK `tred2`).
fn tridiagonalize(n: usize, v: &mut [f64], d: &mut [f64], e: &mut [f64]) {
    for j in 0..n {
        d[j] = v[(n - 1) * n + j];
    }
    for i in (1..n).rev() {
        let mut scale = 0.0;
        let mut h = 0.0;
        for dk in &d[..i] {
            scale += dk.abs();
        }
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[(i - 1) * n + j];
                v[i * n + j] = 0.0;
                v[j * n + i] = 0.0;
            }
        } else {
            // Generate the Householder vector.
            for dk in &mut d[..i] {
                *dk /= scale;
                h += *dk * *dk;
            }
            let mut f = d[i - 1];
            let mut g = h.sqrt();
            if f > 0.0 {
                g = -g;
            }
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            for ej in &mut e[..i] {
                *ej = 0.0;
            }
            // Apply the similarity transformation to the remaining columns.
            for j in 0..i {
                f = d[j];
                v[j * n + i] = f;
                g = e[j] + v[j * n + j] * f;
                for k in j + 1..i {
                    g += v[k * n + j] * d[k];
                    e[k] += v[k * n + j] * f;
                }
                e[j] = g;
            }
            f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                f = d[j];
                g = e[j];
                for k in j..i {
                    v[k * n + j] -= f * e[k] + g * d[k];
                }
                d[j] = v[(i - 1) * n + j];
                v[i * n + j] = 0.0;
            }
        }
        d[i] = h;
    }
    // Accumulate the transformations.
    for i in 0..n - 1 {
        v[(n - 1) * n + i] = v[i * n + i];
        v[i * n + i] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = v[k * n + i + 1] / h;
            }
            for j in 0..=i {
                let mut g = 0.0;
                for k in 0..=i {
                    g += v[k * n + i + 1] * v[k * n + j];
                }
                for k in 0..=i {
                    v[k * n + j] -= g * d[k];
                }
            }
        }
        for k in 0..=i {
            v[k * n + i + 1] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[(n - 1) * n + j];
        v[(n - 1) * n + j] = 0.0;
    }
    v[(n - 1) * n + n - 1] = 1.0;
    e[0] = 0.0;
}

/// Eigenvalues and eigenvectors of the tridiagonal matrix from [`tridiagonalize`], by the
/// implicit QL method (EISPACK `tql2`): `d` becomes the eigenvalues and `v` the
/// eigenvectors (in its columns).
fn tridiagonal_ql(n: usize, v: &mut [f64], d: &mut [f64], e: &mut [f64]) {
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let mut f = 0.0;
    let mut tst1: f64 = 0.0;
    let eps = f64::EPSILON;
    for l in 0..n {
        // Find a small subdiagonal element.
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let mut m = l;
        while m < n - 1 && e[m].abs() > eps * tst1 {
            m += 1;
        }
        // If m == l, d[l] is already an eigenvalue; otherwise iterate (a few times per
        // eigenvalue; the cap only guards against a pathological input).
        if m > l {
            for _ in 0..100 {
                // Compute the implicit shift.
                let mut g = d[l];
                let mut p = (d[l + 1] - g) / (2.0 * e[l]);
                let mut r = libm::hypot(p, 1.0);
                if p < 0.0 {
                    r = -r;
                }
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                let dl1 = d[l + 1];
                let mut h = g - d[l];
                for di in &mut d[l + 2..n] {
                    *di -= h;
                }
                f += h;
                // Implicit QL transformation.
                p = d[m];
                let mut c = 1.0;
                let mut c2 = c;
                let mut c3 = c;
                let el1 = e[l + 1];
                let mut s = 0.0;
                let mut s2 = 0.0;
                for i in (l..m).rev() {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    g = c * e[i];
                    h = c * p;
                    r = libm::hypot(p, e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    // Accumulate the transformation.
                    for k in 0..n {
                        h = v[k * n + i + 1];
                        v[k * n + i + 1] = s * v[k * n + i] + c * h;
                        v[k * n + i] = c * v[k * n + i] - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
                if e[l].abs() <= eps * tst1 {
                    break;
                }
            }
        }
        d[l] += f;
        e[l] = 0.0;
    }
}

/// Spearman target → Pearson correlation of normal scores with that Spearman correlation.
pub fn spearman_to_normal_scores(rho_s: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho_s / 6.0).psin()
}

/// Pearson correlation of normal scores → the Spearman correlation it gives: the inverse
/// of [`spearman_to_normal_scores`], ρ_s = (6/π)·asin(ρ/2). Portable (`libm`), because a
/// repaired matrix goes through it on its way to the sampler.
pub fn normal_scores_to_spearman(rho: f64) -> f64 {
    6.0 / std::f64::consts::PI * libm::asin(rho / 2.0)
}

/// The normal-score correlations that Iman–Conover imposes for a matrix of Spearman
/// targets (names kept).
pub fn normal_scores(spearman: &Matrix) -> Matrix {
    spearman.map_off_diagonal(spearman_to_normal_scores)
}

/// The Spearman correlations that a matrix of normal-score correlations gives.
pub fn spearman_from_normal_scores(normal: &Matrix) -> Matrix {
    normal.map_off_diagonal(normal_scores_to_spearman)
}

/// Eigenvalues above this are taken as zero or positive: rounding in the eigenvalues of a
/// matrix with entries of order 1 is far smaller, and a genuinely impossible set of
/// correlations is far larger (−0.035 for the smallest 3×3 conflict at ±0.5).
const PSD_TOLERANCE: f64 = 1e-10;

/// Checks a correlation matrix is positive semi-definite. On failure, names the entries
/// most responsible: the pairs with the largest weight in the eigenvector of the most
/// negative eigenvalue, each shown with its value in `shown` (the same shape; the matrix
/// a person wrote, when `m` is a conversion of it).
fn psd_or_culprits(m: &Matrix, shown: &Matrix) -> Result<(), CorrelationError> {
    let (values, vectors) = m.eigen();
    let n = m.len();
    let (worst, &min) = match values.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) {
        Some(x) => x,
        None => return Ok(()),
    };
    if min >= -PSD_TOLERANCE {
        return Ok(());
    }
    // The quadratic form vᵀ M v < 0 is the sum of 2·v_i·v_j·m_ij over pairs plus the
    // diagonal; the pairs with the most negative terms are the culprits.
    let mut terms: Vec<((usize, usize), f64)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let t = 2.0 * vectors[i * n + worst] * vectors[j * n + worst] * m.get(i, j);
            if t < 0.0 && m.get(i, j) != 0.0 {
                terms.push(((i, j), t));
            }
        }
    }
    // Most negative first; terms equal but for rounding (a symmetric conflict) in matrix
    // order, so that the entry shown first does not depend on the eigensolver's last bits.
    let rounded = |t: f64| (t * 1e9).round();
    terms.sort_by(|a, b| rounded(a.1).total_cmp(&rounded(b.1)).then(a.0.cmp(&b.0)));
    let culprits: Vec<(usize, usize)> = terms.iter().take(3).map(|(p, _)| *p).collect();
    let mut detail = String::new();
    if !culprits.is_empty() {
        let pairs: Vec<String> = culprits
            .iter()
            .map(|&(i, j)| format!("{} ~ {} = {}", m.name(i), m.name(j), short(shown.get(i, j))))
            .collect();
        let _ = write!(
            detail,
            "the entries most in conflict are {}; ",
            pairs.join(", ")
        );
    }
    let _ = write!(
        detail,
        "the matrix is not positive semi-definite (smallest eigenvalue {min:.4})"
    );
    Err(CorrelationError::NotPositiveSemiDefinite {
        min_eigenvalue: min,
        culprits,
        detail,
    })
}

/// A correlation for a message: up to three decimals, without trailing zeros.
fn short(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Checks a correlation matrix is positive semi-definite, naming the entries most in
/// conflict when it is not.
///
/// # Errors
/// [`CorrelationError::NotPositiveSemiDefinite`].
pub fn check_psd(m: &Matrix) -> Result<(), CorrelationError> {
    psd_or_culprits(m, m)
}

/// Checks that Iman–Conover can impose a matrix of Spearman targets: that their
/// normal-score conversion, the matrix actually imposed, is positive semi-definite and has
/// a Cholesky factor. Culprits are shown with their Spearman values, as written.
///
/// # Errors
/// [`CorrelationError::NotPositiveSemiDefinite`].
pub fn check_imposable(spearman: &Matrix) -> Result<(), CorrelationError> {
    normal_cholesky(spearman).map(|_| ())
}

/// The Cholesky factor of the normal-score conversion of `spearman`.
fn normal_cholesky(spearman: &Matrix) -> Result<Matrix, CorrelationError> {
    let normal = normal_scores(spearman);
    psd_or_culprits(&normal, spearman)?;
    normal
        .cholesky()
        .ok_or_else(|| CorrelationError::NotPositiveSemiDefinite {
            min_eigenvalue: 0.0,
            culprits: Vec::new(),
            detail: "the matrix is at the edge of positive semi-definite, and its Cholesky \
                     factorisation failed"
                .into(),
        })
}

/// The nearest correlation matrix (unit diagonal, positive semi-definite) in the Frobenius
/// norm, by Higham's (2002) alternating projections with Dykstra's correction, finished
/// so that its eigenvalues are at least [`REPAIR_FLOOR`] (see [`lift_eigenvalues`]).
pub fn nearest_correlation(m: &Matrix) -> Matrix {
    let n = m.len();
    let mut y = m.clone();
    let mut ds = vec![0.0; n * n];
    for _ in 0..1000 {
        let r: Vec<f64> = y.a.iter().zip(&ds).map(|(y, d)| y - d).collect();
        // Project onto the PSD cone: clip negative eigenvalues.
        let rm = Matrix {
            n,
            a: r.clone(),
            names: Vec::new(),
        };
        let x = clip_eigenvalues(&rm, 0.0);
        for i in 0..n * n {
            ds[i] = x[i] - r[i];
        }
        // Project onto unit-diagonal symmetric matrices.
        let mut next = Matrix {
            n,
            a: x,
            names: Vec::new(),
        };
        for i in 0..n {
            next.a[i * n + i] = 1.0;
            for j in i + 1..n {
                let v = 0.5 * (next.get(i, j) + next.get(j, i));
                next.set_sym(i, j, v.clamp(-1.0, 1.0));
            }
        }
        let change: f64 = next
            .a
            .iter()
            .zip(&y.a)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        y = next;
        if change < 1e-12 {
            break;
        }
    }
    lift_eigenvalues(&y, REPAIR_FLOOR).with_names(m.names.clone())
}

/// The smallest eigenvalue a repaired matrix keeps: far above rounding (so that it stays
/// positive semi-definite after conversion between Spearman and normal-score
/// correlations, which moves entries by ~10⁻¹⁶) and far below anything visible in the
/// correlations (it moves entries by ~10⁻⁸).
pub const REPAIR_FLOOR: f64 = 1e-8;

/// V·max(Λ, floor)·Vᵀ for the eigen-decomposition V·Λ·Vᵀ of `m`, row-major (`floor` ≥ 0),
/// formed as B·Bᵀ with B = V·√max(Λ, floor): symmetric by construction, with contiguous
/// inner products.
fn clip_eigenvalues(m: &Matrix, floor: f64) -> Vec<f64> {
    let n = m.len();
    let (vals, mut b) = m.eigen();
    let roots: Vec<f64> = vals.iter().map(|&lam| lam.max(floor).sqrt()).collect();
    for row in b.chunks_exact_mut(n.max(1)) {
        for (x, r) in row.iter_mut().zip(&roots) {
            *x *= r;
        }
    }
    let mut x = vec![0.0; n * n];
    for i in 0..n {
        let bi = &b[i * n..(i + 1) * n];
        for j in i..n {
            let bj = &b[j * n..(j + 1) * n];
            let dot: f64 = bi.iter().zip(bj).map(|(p, q)| p * q).sum();
            x[i * n + j] = dot;
            x[j * n + i] = dot;
        }
    }
    x
}

/// Raises every eigenvalue of a correlation matrix to at least `floor` and rescales to a
/// unit diagonal (D^-½·X·D^-½, which keeps it positive definite): the last step of the
/// alternating projections is onto unit diagonals, which can leave an eigenvalue a
/// rounding error below zero.
fn lift_eigenvalues(m: &Matrix, floor: f64) -> Matrix {
    let n = m.len();
    let x = clip_eigenvalues(m, floor);
    let scale: Vec<f64> = (0..n).map(|i| 1.0 / x[i * n + i].sqrt()).collect();
    let mut out = Matrix::identity(n);
    for i in 0..n {
        for j in i + 1..n {
            let v = 0.5 * (x[i * n + j] + x[j * n + i]) * scale[i] * scale[j];
            out.set_sym(i, j, v.clamp(-1.0, 1.0));
        }
    }
    out
}

/// What `--repair-correlation` uses: the Spearman matrix whose normal-score conversion is
/// the nearest correlation matrix to the conversion of `spearman`. The repair is done
/// where the check is, on the matrix Iman–Conover imposes; the result is converted back
/// to Spearman correlations for reporting next to the targets as written.
pub fn repair(spearman: &Matrix) -> Matrix {
    let normal = nearest_correlation(&normal_scores(spearman));
    spearman_from_normal_scores(&normal).with_names(spearman.names.clone())
}

/// P·Q⁻¹ for lower-triangular P and Q (k×k), row-major.
pub(crate) fn lower_times_inverse_lower(p: &Matrix, q: &Matrix) -> Vec<f64> {
    let k = p.len();
    // Solve X·Q = P row by row (X is lower triangular): x_ij = (p_ij − Σ_{l>j} x_il q_lj) / q_jj.
    let mut x = vec![0.0; k * k];
    for i in 0..k {
        for j in (0..=i).rev() {
            let mut s = p.get(i, j);
            for l in j + 1..=i {
                s -= x[i * k + l] * q.get(l, j);
            }
            let d = q.get(j, j);
            x[i * k + j] = if d.abs() > 1e-300 { s / d } else { 0.0 };
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_decomposition_reconstructs_the_matrix() {
        // A·v = λ·v and orthonormal eigenvectors, for sizes 1 to 40 of a pseudo-random
        // symmetric matrix with unit diagonal (and one with repeated eigenvalues).
        use rand::Rng;
        let mut rng = crate::sample::stream(3, 0, "eigen");
        for n in (1..=40).chain([7]) {
            let mut m = Matrix::identity(n);
            for i in 0..n {
                for j in i + 1..n {
                    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    m.set_sym(i, j, if n == 7 { 0.5 } else { 1.8 * u - 0.9 });
                }
            }
            let (vals, vecs) = m.eigen();
            for k in 0..n {
                for i in 0..n {
                    let av: f64 = (0..n).map(|j| m.get(i, j) * vecs[j * n + k]).sum();
                    assert!((av - vals[k] * vecs[i * n + k]).abs() < 1e-12, "n {n}");
                }
                for l in 0..n {
                    let dot: f64 = (0..n).map(|i| vecs[i * n + k] * vecs[i * n + l]).sum();
                    let want = if k == l { 1.0 } else { 0.0 };
                    assert!((dot - want).abs() < 1e-12, "n {n}");
                }
            }
        }
        assert_eq!(Matrix::identity(0).eigen(), (Vec::new(), Vec::new()));
    }

    #[test]
    fn eigen_decomposition_of_a_known_matrix() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let mut m = Matrix::identity(2);
        m.set_sym(0, 0, 2.0);
        m.set_sym(1, 1, 2.0);
        m.set_sym(0, 1, 1.0);
        let (mut vals, _) = m.eigen();
        vals.sort_by(f64::total_cmp);
        assert!((vals[0] - 1.0).abs() < 1e-12 && (vals[1] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn an_impossible_triangle_is_not_psd_and_repairs_to_a_valid_matrix() {
        let mut m = Matrix::identity(3);
        m.set_sym(0, 1, 0.9);
        m.set_sym(1, 2, 0.9);
        m.set_sym(0, 2, -0.9);
        let e = check_psd(&m).unwrap_err();
        let CorrelationError::NotPositiveSemiDefinite { culprits, .. } = e;
        assert!(!culprits.is_empty());
        let r = repair(&m);
        assert!(check_psd(&r).is_ok());
        assert!(ImanConover::new(&r).is_ok());
        // The nearest matrix keeps the signs of the entries.
        assert!(r.get(0, 1) > 0.0 && r.get(1, 2) > 0.0 && r.get(0, 2) < 0.0);
    }

    #[test]
    fn spearman_to_normal_scores_is_the_bivariate_normal_relation() {
        // ρ_s = (6/π)·asin(ρ/2) inverts ρ = 2·sin(πρ_s/6).
        for rs in [-0.9, -0.3, 0.0, 0.4, 0.8, 1.0] {
            let r = spearman_to_normal_scores(rs);
            assert!((6.0 / std::f64::consts::PI * (r / 2.0).asin() - rs).abs() < 1e-12);
        }
    }
}
