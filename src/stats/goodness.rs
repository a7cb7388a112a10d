//! Goodness of fit: the upper regularized incomplete gamma function, the chi-square
//! survival function it gives, Pearson's chi-square test that values in [0, 1] are
//! uniform, and the central range of a binomial count.
//!
//! The back-test ([`super::backtest`]) uses them to ask whether the outturns fell where
//! their forecasts said they would: if the forecasts are calibrated, each outturn's place
//! in its forecast (its PIT) is uniform on [0, 1].
//!
//! Transcendental functions come from [`crate::portable`], so a p-value has the same bits
//! on every machine.

use serde::Serialize;

use crate::portable::Portable;
use crate::special::{beta_reg, ln_gamma};

/// Relative size of the last term at which the series and the continued fraction stop.
const EPS: f64 = 1e-16;
/// Stands in for zero in the modified Lentz method, whose denominators may vanish.
const TINY: f64 = 1e-300;

/// The most terms the series or the continued fraction may take for shape `a`: both
/// converge in O(√a) terms near x ≈ a (the slowest case) and in far fewer elsewhere.
fn max_terms(a: f64) -> u64 {
    1_000 + (40.0 * a.sqrt()) as u64
}

/// ln(xᵃ e⁻ˣ / Γ(a)), the prefactor both expansions share.
fn ln_prefactor(a: f64, x: f64) -> f64 {
    a * x.pln() - x - ln_gamma(a)
}

/// P(a, x) by its series: xᵃ e⁻ˣ / Γ(a) · Σₖ xᵏ / (a (a+1) ⋯ (a+k)), for x < a + 1.
fn lower_series(a: f64, x: f64) -> f64 {
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut ap = a;
    for _ in 0..max_terms(a) {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * ln_prefactor(a, x).pexp()
}

/// Q(a, x) by Legendre's continued fraction, evaluated by the modified Lentz method
/// (Numerical Recipes §6.2), for x ≥ a + 1.
fn upper_fraction(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..=max_terms(a) {
        let i = i as f64;
        let an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    ln_prefactor(a, x).pexp() * h
}

/// The upper regularized incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), for a > 0.
///
/// The series for P = 1 − Q when x < a + 1, the continued fraction for Q otherwise, so
/// that each is used where it converges fast and Q keeps its relative accuracy in the upper
/// tail (a chi-square p-value of 1e-30 is not 0). Both share the prefactor
/// exp(a ln x − x − ln Γ(a)), whose exponent is rounded to about 2·10⁻¹⁶·(x + ln Γ(a))
/// and so is the result's relative error: about 10⁻¹³ at a = x = 100 and 10⁻¹² at
/// a = x = 1,000, growing in the far tail with x (6·10⁻¹⁴ for Q(1, 300) = e⁻³⁰⁰). Below
/// x = a + 1, Q = 1 − P is only accurate to 10⁻¹⁶ absolute, which matters only for a < 1
/// (for a ≥ 1, Q > 0.26 there).
///
/// `x <= 0` gives 1 and `x = ∞` gives 0; NaN, a ≤ 0 or an infinite a give NaN.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if a.is_nan() || x.is_nan() || a <= 0.0 || a.is_infinite() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x < a + 1.0 {
        (1.0 - lower_series(a, x)).clamp(0.0, 1.0)
    } else {
        upper_fraction(a, x).clamp(0.0, 1.0)
    }
}

/// The chance that a chi-square variable with `dof` degrees of freedom exceeds `x`:
/// Q(dof/2, x/2). `x <= 0` gives 1; `dof <= 0` or NaN give NaN.
pub fn chi_square_sf(x: f64, dof: f64) -> f64 {
    gamma_q(dof / 2.0, x / 2.0)
}

/// Pearson's chi-square test that values in [0, 1] are uniform, on equal-width bins.
#[derive(Debug, Clone, Serialize)]
pub struct UniformityTest {
    /// How many values fell in each bin, from the one starting at 0.
    pub counts: Vec<u64>,
    /// How many each bin would hold on average if the values were uniform: n / bins.
    pub expected: f64,
    /// Σ (count − expected)² / expected.
    pub chi_square: f64,
    /// Degrees of freedom: bins − 1.
    pub dof: u32,
    /// The chance of a chi-square at least this large if the values were uniform (1 when
    /// there is nothing to test: no values, or one bin).
    pub p_value: f64,
}

impl UniformityTest {
    /// How many values were counted.
    pub fn cases(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The central 95% range of one bin's count if the values were uniform: the 2.5% and
    /// 97.5% points of Binomial(n, 1/bins) ([`binomial_range`]). About one bin in twenty
    /// falls outside it by chance, so with many bins one outside is no evidence by itself;
    /// the chi-square test judges the bins together.
    pub fn bin_range_95(&self) -> (u64, u64) {
        let bins = self.counts.len().max(1);
        binomial_range(self.cases(), 1.0 / bins as f64, 0.95)
    }
}

/// Pearson's chi-square test that `values` (PITs, in [0, 1]) are uniform, over `bins`
/// equal-width bins: [k/bins, (k+1)/bins), the last bin closed so that 1.0 falls in it.
///
/// Values below 0 count in the first bin and above 1 in the last; NaN values are not
/// counted. `bins` below 1 is taken as 1 (a test with no degrees of freedom, p = 1). The
/// chi-square approximation wants about five or more expected in each bin: with n values,
/// use at most n/5 bins.
pub fn uniformity(values: &[f64], bins: usize) -> UniformityTest {
    let bins = bins.max(1);
    let mut counts = vec![0u64; bins];
    for &v in values.iter().filter(|v| !v.is_nan()) {
        let k = (v.clamp(0.0, 1.0) * bins as f64) as usize;
        counts[k.min(bins - 1)] += 1;
    }
    let n: u64 = counts.iter().sum();
    let expected = n as f64 / bins as f64;
    let dof = (bins - 1) as u32;
    if n == 0 || dof == 0 {
        return UniformityTest {
            counts,
            expected,
            chi_square: 0.0,
            dof,
            p_value: 1.0,
        };
    }
    let chi_square: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    UniformityTest {
        counts,
        expected,
        chi_square,
        dof,
        p_value: chi_square_sf(chi_square, f64::from(dof)),
    }
}

/// P(K ≤ k) for K ~ Binomial(n, p): I₁₋ₚ(n − k, k + 1).
fn binomial_cdf(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        1.0
    } else {
        beta_reg((n - k) as f64, (k + 1) as f64, 1.0 - p)
    }
}

/// The central range of a Binomial(n, p) count at `level` (0.95 for 95%): the smallest k
/// with P(K ≤ k) ≥ (1 − level)/2 and the smallest with P(K ≤ k) ≥ (1 + level)/2, so that it
/// holds at least `level` of the distribution. Exact (from the regularized incomplete
/// beta, by bisection over k), not the normal approximation, which goes below zero for the
/// few cases a back-test has. `p` outside (0, 1) gives (0, 0) at or below 0 and (n, n) at
/// or above 1.
pub fn binomial_range(n: u64, p: f64, level: f64) -> (u64, u64) {
    if p.is_nan() || p <= 0.0 {
        return (0, 0);
    }
    if p >= 1.0 {
        return (n, n);
    }
    let tail = (1.0 - level) / 2.0;
    let smallest_reaching = |target: f64| {
        let (mut lo, mut hi) = (0u64, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if binomial_cdf(mid, n, p) >= target {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    };
    (smallest_reaching(tail), smallest_reaching(1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};
    use statrs::function::gamma::gamma_ur;

    fn rel_err(got: f64, want: f64) -> f64 {
        ((got - want) / want).abs()
    }

    #[test]
    fn gamma_q_matches_statrs() {
        // statrs 0.19's gamma_ur (Cephes' igamc) as the reference. Its own error, like
        // ours, is that of the prefactor exp(a ln x − x − ln Γ(a)): about
        // 2·10⁻¹⁶·(x + ln Γ(a)) relative for each, so the tolerance is 1e-12 up to
        // a ≈ x ≈ 500 and grows beyond; the upper tail is held to the same relative
        // accuracy.
        let points = [
            (0.5, 0.1),
            (0.5, 2.0),
            (1.0, 3.0),
            (1.5, 0.7),
            (2.5, 10.0),
            (4.5, 4.0),
            (4.5, 40.0),
            (10.0, 9.5),
            (10.0, 11.5),
            (25.0, 60.0),
            (50.0, 45.0),
            (100.0, 101.0),
            (100.0, 150.0),
            (200.0, 180.0),
            (500.0, 480.0),
            (500.0, 560.0),
            (1000.0, 1050.0),
        ];
        let mut worst = 0.0_f64;
        for (a, x) in points {
            let (got, want) = (gamma_q(a, x), gamma_ur(a, x));
            worst = worst.max(rel_err(got, want));
            let tol = 1e-12_f64.max(4e-16 * (x + ln_gamma(a).abs()));
            assert!(
                rel_err(got, want) < tol,
                "Q({a}, {x}) = {got:e}, statrs {want:e}: {:e}",
                rel_err(got, want)
            );
        }
        eprintln!("gamma_q against statrs: worst relative difference {worst:e}");
    }

    #[test]
    fn gamma_q_has_its_closed_forms() {
        // Q(1, x) = e⁻ˣ, and Q(n, x) = e⁻ˣ Σₖ₍₀..ₙ₋₁₎ xᵏ/k! for whole n, far into the tail.
        for x in [0.01, 0.5, 1.0, 2.0, 7.0, 30.0, 300.0] {
            // The prefactor's exponent is rounded to a few ulps of x.
            let tol = 1e-14 + 4e-16 * x;
            assert!(rel_err(gamma_q(1.0, x), (-x).exp()) < tol, "{x}");
            let mut term = 1.0;
            let mut sum = 1.0;
            for k in 1..3 {
                term *= x / f64::from(k);
                sum += term;
            }
            assert!(
                rel_err(gamma_q(3.0, x), (-x).exp() * sum) < 10.0 * tol,
                "{x}"
            );
        }
        assert_eq!(gamma_q(2.0, 0.0), 1.0);
        assert_eq!(gamma_q(2.0, -1.0), 1.0);
        assert_eq!(gamma_q(2.0, f64::INFINITY), 0.0);
        assert!(gamma_q(0.0, 1.0).is_nan() && gamma_q(1.0, f64::NAN).is_nan());
    }

    #[test]
    fn chi_square_sf_matches_statrs() {
        for (x, dof) in [
            (0.5, 1.0),
            (3.84, 1.0),
            (5.99, 2.0),
            (16.92, 9.0),
            (2.0, 9.0),
            (60.0, 19.0),
            (250.0, 9.0),
        ] {
            let want = ChiSquared::new(dof).unwrap().sf(x);
            assert!(rel_err(chi_square_sf(x, dof), want) < 1e-12, "{x} {dof}");
        }
        // The textbook 5% points: 3.841 on 1 df, 16.919 on 9.
        assert!((chi_square_sf(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-12);
        assert!((chi_square_sf(16.918_977_604_620_45, 9.0) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn uniformity_counts_bins_and_tests_them() {
        // 1.0 in the last bin, 0 in the first, an edge value in the bin it starts.
        let t = uniformity(&[0.0, 0.05, 0.25, 0.5, 0.75, 0.99, 1.0, f64::NAN], 4);
        assert_eq!(t.counts, [2, 1, 1, 3]);
        assert_eq!(t.cases(), 7);
        assert_eq!(t.dof, 3);
        let e = 7.0 / 4.0;
        let chi: f64 = [2.0, 1.0, 1.0, 3.0]
            .iter()
            .map(|c| (c - e) * (c - e) / e)
            .sum();
        assert!((t.expected - e).abs() < 1e-15);
        assert!((t.chi_square - chi).abs() < 1e-13);
        let want = ChiSquared::new(3.0).unwrap().sf(chi);
        assert!(rel_err(t.p_value, want) < 1e-12);
        // Perfectly even values: chi-square 0, p = 1.
        let even: Vec<f64> = (0..100).map(|i| (f64::from(i) + 0.5) / 100.0).collect();
        let t = uniformity(&even, 10);
        assert!(t.counts.iter().all(|&c| c == 10));
        assert_eq!((t.chi_square, t.p_value), (0.0, 1.0));
        // Nothing to test.
        let t = uniformity(&[], 10);
        assert_eq!((t.cases(), t.p_value), (0, 1.0));
        assert_eq!(uniformity(&[0.3], 0).counts, [1]);
    }

    #[test]
    fn the_binomial_range_is_statrs_quantiles() {
        // statrs' inverse CDF: the smallest k with P(K ≤ k) ≥ q.
        for (n, p) in [
            (400, 0.1),
            (40, 0.1),
            (25, 0.2),
            (7, 0.5),
            (1000, 0.05),
            (1, 0.3),
        ] {
            let b = Binomial::new(p, n).unwrap();
            let (lo, hi) = binomial_range(n, p, 0.95);
            assert_eq!(
                (lo, hi),
                (b.inverse_cdf(0.025), b.inverse_cdf(0.975)),
                "{n} {p}"
            );
        }
        assert_eq!(binomial_range(10, 0.0, 0.95), (0, 0));
        assert_eq!(binomial_range(10, 1.0, 0.95), (10, 10));
        assert_eq!(binomial_range(0, 0.5, 0.95), (0, 0));
    }
}
