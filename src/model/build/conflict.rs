//! The smallest set of correlated drivers whose correlations cannot hold together.
//!
//! A matrix of correlations is possible only if every principal submatrix is (positive
//! semi-definite), and any two correlations between −1 and 1 are possible together, so
//! the smallest impossible set has three drivers or more: a triangle such as a~b = 0.5,
//! b~c = 0.5, a~c = −0.5, or a path such as a~b = 0.8, b~c = 0.8 with a~c left at 0.
//! Naming those few pairs, rather than the whole matrix, tells the author what to change.
//!
//! The search works on the normal-score matrix, the one Iman–Conover imposes and the one
//! checked. It is bounded: every set of three is tried (only those with two or more pairs
//! set can conflict), then every set of four, five, ... while the sets are few; beyond
//! that, drivers are dropped one at a time from the whole set while what remains still
//! conflicts, which leaves a set none of whose drivers can be dropped (minimal, though not
//! always the smallest). For matrices too large even for that, there is no answer and the
//! caller names the pairs most in conflict by the eigenvector instead.

use crate::correlation::{self, Matrix};

/// Sets of three the search may try (about ten operations each).
const TRIPLES: usize = 5_000_000;

/// Operations the search of sets of four and more may take: about 9k³ for each set of k.
const OPERATIONS: usize = 50_000_000;

/// The most drivers the dropping search starts from: it takes an eigenvalue
/// decomposition (about 9k³ operations) for each driver, some 400 million operations at
/// this size.
const DROP_LIMIT: usize = 80;

/// The submatrix of `m` on `rows`.
fn sub(m: &Matrix, rows: &[usize]) -> Matrix {
    let mut s = Matrix::identity(rows.len());
    for (a, &i) in rows.iter().enumerate() {
        for (b, &j) in rows.iter().enumerate().skip(a + 1) {
            s.set_sym(a, b, m.get(i, j));
        }
    }
    s
}

/// Whether the submatrix on `rows` cannot hold, by the test the whole matrix failed.
fn conflicts(m: &Matrix, rows: &[usize]) -> bool {
    let s = sub(m, rows);
    correlation::check_psd(&s).is_err() || s.cholesky().is_none()
}

/// Whether the rows are joined by correlations that are set: a set that falls into two
/// independent groups conflicts only if one of the groups does.
fn connected(m: &Matrix, rows: &[usize]) -> bool {
    let mut seen = vec![false; rows.len()];
    let mut stack = vec![0];
    seen[0] = true;
    while let Some(a) = stack.pop() {
        for b in 0..rows.len() {
            if !seen[b] && m.get(rows[a], rows[b]) != 0.0 {
                seen[b] = true;
                stack.push(b);
            }
        }
    }
    seen.iter().all(|&s| s)
}

/// n choose k, saturating.
fn choose(n: usize, k: usize) -> usize {
    (0..k).fold(1usize, |c, i| c.saturating_mul(n - i) / (i + 1))
}

/// The rows (indices into `normal`) of a smallest set that cannot hold, in increasing
/// order; `None` when the search's bound is reached first.
pub(super) fn smallest_conflict(normal: &Matrix) -> Option<Vec<usize>> {
    let n = normal.len();
    if n < 3 {
        return None;
    }
    let mut work = 0usize;
    if let Some(t) = triangle(normal, &mut work) {
        return Some(t);
    }
    let mut operations = 0usize;
    for k in 4..n {
        let cost = choose(n, k).saturating_mul(9 * k * k * k);
        if operations.saturating_add(cost) > OPERATIONS {
            break;
        }
        operations += cost;
        let mut rows: Vec<usize> = (0..k).collect();
        loop {
            if connected(normal, &rows) && conflicts(normal, &rows) {
                return Some(rows);
            }
            // The next combination in lexicographic order.
            let Some(i) = (0..k).rev().find(|&i| rows[i] < n - k + i) else {
                break;
            };
            rows[i] += 1;
            for j in i + 1..k {
                rows[j] = rows[j - 1] + 1;
            }
        }
    }
    drop_to_minimal(normal)
}

/// The worst set of three that cannot hold (most negative determinant), if any.
fn triangle(m: &Matrix, work: &mut usize) -> Option<Vec<usize>> {
    let n = m.len();
    let neighbours: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| j != i && m.get(i, j) != 0.0).collect())
        .collect();
    let mut worst: Option<(f64, [usize; 3])> = None;
    for (j, around) in neighbours.iter().enumerate() {
        for (x, &i) in around.iter().enumerate() {
            for &l in &around[x + 1..] {
                *work += 1;
                if *work > TRIPLES {
                    return worst.map(|(_, t)| t.to_vec());
                }
                let (a, b, c) = (m.get(i, j), m.get(j, l), m.get(i, l));
                let det = 1.0 + 2.0 * a * b * c - a * a - b * b - c * c;
                if det < 0.0 && worst.is_none_or(|(w, _)| det < w) {
                    let mut t = [i, j, l];
                    t.sort_unstable();
                    if conflicts(m, &t) {
                        worst = Some((det, t));
                    }
                }
            }
        }
    }
    worst.map(|(_, t)| t.to_vec())
}

/// Drops drivers from the whole set, one at a time, while the rest still cannot hold.
fn drop_to_minimal(m: &Matrix) -> Option<Vec<usize>> {
    let n = m.len();
    if n > DROP_LIMIT {
        return None;
    }
    // The check the whole matrix failed (a Cholesky factorisation alone passes some
    // matrices that are not positive semi-definite, at a zero pivot).
    let fails = |rows: &[usize]| conflicts(m, rows);
    let mut rows: Vec<usize> = (0..n).collect();
    if !fails(&rows) {
        return None;
    }
    let mut i = 0;
    while i < rows.len() {
        let mut without = rows.clone();
        without.remove(i);
        if without.len() >= 3 && fails(&without) {
            rows = without;
        } else {
            i += 1;
        }
    }
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n: usize, pairs: &[(usize, usize, f64)]) -> Matrix {
        let mut m = Matrix::identity(n);
        for &(i, j, r) in pairs {
            m.set_sym(i, j, r);
        }
        m
    }

    #[test]
    fn a_triangle_among_independent_drivers_is_found() {
        // Drivers 1, 3, 5 form the conflict; 0, 2, 4 are correlated harmlessly.
        let m = matrix(
            6,
            &[
                (1, 3, 0.9),
                (3, 5, 0.9),
                (1, 5, -0.9),
                (0, 2, 0.3),
                (2, 4, 0.2),
            ],
        );
        assert_eq!(smallest_conflict(&m), Some(vec![1, 3, 5]));
    }

    #[test]
    fn a_path_with_an_unset_pair_is_a_conflict() {
        // a~b = b~c = 0.8 forces a~c above 0.28, and it is 0.
        let m = matrix(4, &[(0, 1, 0.8), (1, 2, 0.8), (2, 3, 0.1)]);
        assert_eq!(smallest_conflict(&m), Some(vec![0, 1, 2]));
    }

    #[test]
    fn four_equally_negative_drivers_conflict_only_together() {
        // Equal correlation r among k drivers holds iff r >= −1/(k − 1): −0.4 holds for
        // three, not for four.
        let mut pairs = Vec::new();
        for i in 0..5 {
            for j in i + 1..5 {
                if i < 4 && j < 4 {
                    pairs.push((i, j, -0.4));
                }
            }
        }
        let m = matrix(5, &pairs);
        assert_eq!(smallest_conflict(&m), Some(vec![0, 1, 2, 3]));
    }

    #[test]
    fn a_large_conflict_is_reduced_to_a_minimal_set() {
        // 30 drivers with equal correlation −0.05: holds for 21 (−1/20), not for 30, so
        // no small set conflicts and the search must drop drivers.
        let n = 30;
        let mut pairs = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                pairs.push((i, j, -0.05));
            }
        }
        let m = matrix(n, &pairs);
        let rows = smallest_conflict(&m).expect("a minimal set");
        assert!(conflicts(&m, &rows));
        assert_eq!(rows.len(), 22);
        for i in 0..rows.len() {
            let mut fewer = rows.clone();
            fewer.remove(i);
            assert!(!conflicts(&m, &fewer), "{rows:?} is not minimal");
        }
    }
}
