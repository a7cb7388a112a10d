//! Variance-based sensitivity: Sobol first-order and total indices, by Saltelli's sampling
//! scheme with Jansen's estimators.
//!
//! For a function f of k independent inputs, the first-order index S_i is the share of
//! Var f explained by input i alone, and the total index ST_i the share involving input i
//! at all (alone or in interaction). With two independent sample matrices A and B and, for
//! each i, the matrix A_B⁽ⁱ⁾ (A with column i taken from B), Jansen's estimators are
//!
//! - S_i  = 1 − Σ (f(B) − f(A_B⁽ⁱ⁾))² / (2N·V)
//! - ST_i = Σ (f(A) − f(A_B⁽ⁱ⁾))² / (2N·V)
//!
//! at a cost of N·(k + 2) evaluations (Saltelli et al. 2010, Table 2, rows (b) and (f)).
//! Standard errors come from the spread of the estimates over independent groups of rows
//! (batch means). The indices assume independent inputs, so they suit a model run without
//! correlations; with correlated drivers use the rank correlations in [`crate::stats`].

use crate::dist::Distribution;
use crate::sample::stream;
use crate::stats::batch_means_se;

/// Sobol indices of each input, with standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    /// First-order index of each input.
    pub first: Vec<f64>,
    /// Total index of each input.
    pub total: Vec<f64>,
    /// Standard error of each first-order index.
    pub first_se: Vec<f64>,
    /// Standard error of each total index.
    pub total_se: Vec<f64>,
    /// Variance of the output.
    pub variance: f64,
    /// Function evaluations used: N·(k + 2).
    pub evaluations: usize,
}

/// First-order indices, total indices and output variance from a set of rows.
type Estimate = (Vec<f64>, Vec<f64>, f64);

/// Groups of rows used for the batch-means standard errors.
const GROUPS: usize = 20;

/// Estimates the Sobol indices of `f` over independent `inputs`, from `n` base rows drawn
/// with streams seeded by `seed` (deterministic).
pub fn sobol<F: Fn(&[f64]) -> f64>(
    f: F,
    inputs: &[Distribution],
    n: usize,
    seed: u64,
) -> SobolIndices {
    let k = inputs.len();
    let draw = |matrix: &str| -> Vec<Vec<f64>> {
        inputs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut col = vec![0.0; n];
                d.fill(
                    &mut stream(seed, 0, &format!("sobol-{matrix}-{i}")),
                    &mut col,
                );
                col
            })
            .collect()
    };
    let a = draw("A");
    let b = draw("B");
    let mut row = vec![0.0; k];
    let mut eval = |m: &[Vec<f64>], r: usize, swap: Option<usize>| -> f64 {
        for (j, x) in row.iter_mut().enumerate() {
            *x = if Some(j) == swap { b[j][r] } else { m[j][r] };
        }
        f(&row)
    };
    let fa: Vec<f64> = (0..n).map(|r| eval(&a, r, None)).collect();
    let fb: Vec<f64> = (0..n).map(|r| eval(&b, r, None)).collect();
    let fab: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..n).map(|r| eval(&a, r, Some(i))).collect())
        .collect();

    let estimate = |rows: std::ops::Range<usize>| -> Estimate {
        let m = rows.len() as f64;
        let all: Vec<f64> = fa[rows.clone()]
            .iter()
            .chain(&fb[rows.clone()])
            .copied()
            .collect();
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        let v = all.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (all.len() as f64 - 1.0);
        let first = (0..k)
            .map(|i| {
                let d: f64 = rows
                    .clone()
                    .map(|r| (fb[r] - fab[i][r]).powi(2))
                    .sum::<f64>();
                1.0 - d / (2.0 * m * v)
            })
            .collect();
        let total = (0..k)
            .map(|i| {
                let d: f64 = rows
                    .clone()
                    .map(|r| (fa[r] - fab[i][r]).powi(2))
                    .sum::<f64>();
                d / (2.0 * m * v)
            })
            .collect();
        (first, total, v)
    };
    let (first, total, variance) = estimate(0..n);
    let size = n / GROUPS;
    let groups: Vec<Estimate> = if size >= 2 {
        (0..GROUPS)
            .map(|g| estimate(g * size..(g + 1) * size))
            .collect()
    } else {
        Vec::new()
    };
    let se = |pick: &dyn Fn(&Estimate) -> f64| -> f64 {
        let per: Vec<(f64, u64)> = groups.iter().map(|g| (pick(g), size as u64)).collect();
        batch_means_se(&per, 2).unwrap_or(f64::NAN)
    };
    SobolIndices {
        first_se: (0..k).map(|i| se(&|g| g.0[i])).collect(),
        total_se: (0..k).map(|i| se(&|g| g.1[i])).collect(),
        first,
        total,
        variance,
        evaluations: n * (k + 2),
    }
}
