//! Estimators and their uncertainty: type-7 quantiles, order-statistic intervals, the exact
//! binomial interval, batch-means standard errors (of means, ratios and percentiles).
//!
//! Pure numeric functions of a run's values or of its per-batch figures; [`super`] applies
//! them to a run.

pub use crate::order::{OrderStatistics, quantile, quantile_sorted};

use crate::engine::BatchSummary;
use crate::special::beta_quantile;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Sorts a run's values ascending, in place and in parallel on the current rayon pool.
///
/// In place because these columns are the run's only per-iteration memory: a sort that
/// copies them into keys and a buffer tripled the peak of a long run. The total order makes
/// the result unique, so it does not depend on the thread count.
pub fn sort_in_place(values: &mut [f64]) {
    crate::inplace_sort::sort_in_place(values);
}

/// A distribution-free 95% interval for the p-quantile: the order statistics whose ranks
/// are n·p ∓ 1.96·√(n·p·(1 − p)) (normal approximation to the binomial count below the
/// quantile).
pub fn quantile_interval<O: OrderStatistics + ?Sized>(values: &O, p: f64) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (lo, hi) = interval_ranks(n, p);
    // In a tiny run the ranks can round past the estimate; the interval always holds it.
    let q = quantile(values, p);
    (values.at(lo).min(q), values.at(hi).max(q))
}

/// The ranks (0-based) of [`quantile_interval`]'s ends among n ≥ 1 values.
pub fn interval_ranks(n: u64, p: f64) -> (u64, u64) {
    let nf = n as f64;
    let half = Z95 * (nf * p * (1.0 - p)).sqrt();
    let lo = ((nf * p - half).floor().max(1.0) as u64).min(n) - 1;
    let hi = ((nf * p + half).ceil().max(1.0) as u64).min(n) - 1;
    (lo, hi)
}

/// The exact (Clopper–Pearson) 95% interval for a binomial proportion k/n: the
/// 2.5% and 97.5% points of Beta(k, n − k + 1) and Beta(k + 1, n − k). It never covers
/// less than 95%, which is what a committee relying on it needs.
pub fn clopper_pearson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (kf, nf) = (k as f64, n as f64);
    let lo = if k == 0 {
        0.0
    } else {
        beta_quantile(kf, nf - kf + 1.0, 0.025)
    };
    let hi = if k == n {
        1.0
    } else {
        beta_quantile(kf + 1.0, nf - kf, 0.975)
    };
    (lo, hi)
}

/// Fewest batches for a batch-means standard error: with fewer, the spread of the batch
/// estimates is itself too uncertain (with 20, the standard error is known to about ±16%).
pub const MIN_BATCHES: usize = 20;

/// Batch-means standard error of an estimate made from batches of possibly unequal size:
/// σ̂² = Σ n_b·(x_b − x̄)² / (k − 1) estimates the variance of one iteration's contribution
/// (a short batch's estimate is noisier in proportion), and the standard error of the
/// weighted mean x̄ is σ̂/√N. `None` with fewer than `min_batches` batches.
pub fn batch_means_se(estimates: &[(f64, u64)], min_batches: usize) -> Option<f64> {
    let k = estimates.len();
    if k < min_batches.max(2) {
        return None;
    }
    let total: f64 = estimates.iter().map(|&(_, n)| n as f64).sum();
    let mean: f64 = estimates.iter().map(|&(x, n)| x * n as f64).sum::<f64>() / total;
    let s2: f64 = estimates
        .iter()
        .map(|&(x, n)| n as f64 * (x - mean).powi(2))
        .sum::<f64>()
        / (k as f64 - 1.0);
    Some((s2 / total).sqrt())
}

/// Batch-means standard error of a ratio of sums R = Σy/Σx over batches (a mean over the
/// years that breach, say: y the batch's sum of the quantity in those years, x their
/// count), by the delta method: Var(R) ≈ k/(k − 1) · Σ (y_b − R·x_b)² / (Σx)². `None` with
/// fewer than `min_batches` batches or no x at all.
pub fn ratio_se(sums: &[(f64, f64)], min_batches: usize) -> Option<f64> {
    let k = sums.len();
    let (y, x) = sums
        .iter()
        .fold((0.0, 0.0), |(y, x), &(yb, xb)| (y + yb, x + xb));
    if k < min_batches.max(2) || x <= 0.0 {
        return None;
    }
    let r = y / x;
    let s: f64 = sums.iter().map(|&(yb, xb)| (yb - r * xb).powi(2)).sum();
    Some((k as f64 / (k as f64 - 1.0) * s).sqrt() / x)
}

/// The standard error of a mean over `n` values with sum of squared deviations `m2`:
/// the batch-means one when there are enough batches (`per_batch` holds each batch's mean
/// and size), else the independent-draws formula s/√n; `None` from a single value, whose
/// spread is unknown.
pub fn mean_se(per_batch: &[(f64, u64)], n: u64, m2: f64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    Some(batch_means_se(per_batch, MIN_BATCHES).unwrap_or_else(|| (m2 / (nf - 1.0) / nf).sqrt()))
}

/// Value below which a share `q` of the histogram's mass lies, for bins of `width`
/// starting at 0: the empirical distribution function interpolated linearly inside the bin
/// that holds the q-th share (the values are taken as spread evenly across their bin), so a
/// smooth law's quantile is found to well within a bin, not just to the bin's centre.
pub fn histogram_quantile(hist: &[u32], width: f64, q: f64) -> f64 {
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    if total == 0 {
        return 0.0;
    }
    let target = q.clamp(0.0, 1.0) * total as f64;
    let mut below = 0u64;
    for (i, &c) in hist.iter().enumerate() {
        let c = u64::from(c);
        if c > 0 && (below + c) as f64 >= target {
            let within = ((target - below as f64) / c as f64).clamp(0.0, 1.0);
            return (i as f64 + within) * width;
        }
        below += c;
    }
    hist.len() as f64 * width
}

/// The interval of P(S114-level) reported for a set of batches: (estimate, low, high), the
/// same Clopper–Pearson interval the summary gives (over the horizon, for a model of
/// several years: an S114-level year in any of them).
pub fn s114_interval(batches: &[BatchSummary]) -> (f64, f64, f64) {
    let (k, n) = batches
        .iter()
        .fold((0, 0), |(k, n), b| (k + b.horizon_breaches, n + b.n));
    let (lo, hi) = clopper_pearson(k, n);
    (k as f64 / n.max(1) as f64, lo, hi)
}

/// P(S114-level) for a run to a precision: (estimate, low, high, width to stop on).
///
/// The width to stop on is the larger of the interval's width and the width the interval
/// would have if the true chance were the value in the interval nearest 50% (where a
/// binomial interval is widest). Stopping on the observed width alone stops early in runs
/// where the estimate happens to be far from 50% (a rare event seen rarely looks precise),
/// which biases the estimate towards 0 or 1 and lets the true value escape the interval
/// more often than 5% of the time; judging the width at the least favourable value in the
/// interval removes that early stop.
pub fn s114_precision(batches: &[BatchSummary]) -> (f64, f64, f64, f64) {
    let (estimate, low, high) = s114_interval(batches);
    let n = batches.iter().map(|b| b.n).sum::<u64>().max(1) as f64;
    let worst = 0.5_f64.max(low).min(high);
    let at_worst = 2.0 * Z95 * (worst * (1.0 - worst) / n).sqrt();
    (estimate, low, high, (high - low).max(at_worst))
}

/// The stopping rule of a run to a precision: the binomial width for plain Monte Carlo, the
/// batch-means width for Latin hypercube (whose variance the binomial does not see).
pub fn stopping_rule(sampling: crate::sample::Sampling) -> &'static crate::engine::IntervalFn {
    match sampling {
        crate::sample::Sampling::MonteCarlo => &s114_precision,
        crate::sample::Sampling::LatinHypercube | crate::sample::Sampling::QuasiMonteCarlo => {
            &s114_precision_batch_means
        }
    }
}

/// Fewest batches before a Latin hypercube run to a precision may stop on its batch-means
/// error (with Student's t for the few degrees of freedom).
pub const LHS_MIN_BATCHES: usize = 5;

/// The two-sided 95% point of Student's t with `df` degrees of freedom, from the inverse
/// regularized incomplete beta: P(|T| > t) = I_{df/(df + t²)}(df/2, 1/2).
pub fn t95(df: f64) -> f64 {
    let x = beta_quantile(df / 2.0, 0.5, 0.05);
    (df * (1.0 - x) / x).sqrt()
}

/// P(S114-level) for a Latin hypercube or quasi-Monte Carlo run to a precision: as
/// [`s114_precision`], but the width to stop on comes from the spread of the batches' own
/// shares (batch means, with Student's t for k − 1 degrees of freedom), which sees the
/// variance the design removes; the binomial width applies no such credit. The
/// least-favourable-value guard of [`s114_precision`] is kept, scaled by the observed
/// variance ratio, capped at 1 (Latin hypercube never has more variance than plain Monte
/// Carlo; a scrambled Sobol design can, in principle, for some functions, and the cap then
/// only keeps the guard no wider than the binomial one, while the batch-means width itself
/// still sees the larger spread), so a rare event seen rarely
/// does not stop the run early. With fewer than [`LHS_MIN_BATCHES`] batches it is the
/// binomial rule.
pub fn s114_precision_batch_means(batches: &[BatchSummary]) -> (f64, f64, f64, f64) {
    let (estimate, low, high, binomial) = s114_precision(batches);
    let k = batches.len();
    let shares: Vec<(f64, u64)> = batches
        .iter()
        .map(|b| (b.horizon_breaches as f64 / b.n.max(1) as f64, b.n))
        .collect();
    let Some(se) = batch_means_se(&shares, LHS_MIN_BATCHES) else {
        return (estimate, low, high, binomial);
    };
    let n = batches.iter().map(|b| b.n).sum::<u64>() as f64;
    let binomial_var = estimate * (1.0 - estimate) / n;
    let ratio = if binomial_var > 0.0 {
        (se * se / binomial_var).min(1.0)
    } else {
        1.0
    };
    let t = t95((k - 1) as f64);
    let n_f = n.max(1.0);
    let worst = 0.5_f64.max(low).min(high);
    let at_worst = 2.0 * t * (ratio * worst * (1.0 - worst) / n_f).sqrt();
    (estimate, low, high, (2.0 * t * se).max(at_worst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t95_matches_tables() {
        // Student's t, two-sided 95%: 12.706 (1 df), 2.776 (4), 2.228 (10), 1.984 (100).
        for (df, t) in [(1.0, 12.706), (4.0, 2.776), (10.0, 2.228), (100.0, 1.984)] {
            assert!((t95(df) - t).abs() < 5e-4, "{df}: {}", t95(df));
        }
    }

    #[test]
    fn clopper_pearson_matches_published_values() {
        // Newcombe (1998), Table I, method 5 (exact): 81/263 → 0.2527 to 0.3676;
        // 15/148 → 0.0578 to 0.1617; 0/20 → 0 to 0.1684; 1/29 → 0.0009 to 0.1776.
        for (k, n, lo, hi) in [
            (81, 263, 0.2527, 0.3676),
            (15, 148, 0.0578, 0.1617),
            (0, 20, 0.0, 0.1684),
            (1, 29, 0.0009, 0.1776),
        ] {
            let (a, b) = clopper_pearson(k, n);
            assert!(
                (a - lo).abs() < 5e-5 && (b - hi).abs() < 5e-5,
                "{k}/{n}: {a} {b}"
            );
        }
    }

    #[test]
    fn batch_means_of_equal_batches_is_the_standard_error_of_their_mean() {
        let est = [(1.0, 10), (2.0, 10), (3.0, 10), (4.0, 10)];
        // sd of 1..4 is √(5/3); divided by √4.
        let se = batch_means_se(&est, 2).unwrap();
        assert!((se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12, "{se}");
        assert_eq!(batch_means_se(&est, MIN_BATCHES), None);
    }

    #[test]
    fn a_short_last_batch_does_not_shrink_the_standard_error() {
        // 40 batches of 100 iid N(0, 1) means would have SE 1/√4000. A last batch of one
        // iteration is just one more draw: the SE must stay near 1/√4001, not collapse.
        let mut est: Vec<(f64, u64)> = (0..40)
            .map(|i| (if i % 2 == 0 { 0.1 } else { -0.1 }, 100))
            .collect();
        let full = batch_means_se(&est, MIN_BATCHES).unwrap();
        est.push((1.5, 1));
        let with_short = batch_means_se(&est, MIN_BATCHES).unwrap();
        // Batch means of ±0.1 over 100 draws say σ ≈ 1; the short batch's 1.5 is a typical
        // single draw and barely moves the estimate.
        assert!((full - 1.0 / 4000f64.sqrt()).abs() / full < 0.05, "{full}");
        assert!(
            (with_short / full - 1.0).abs() < 0.1,
            "{with_short} vs {full}"
        );
    }

    #[test]
    fn quantile_interval_brackets_the_estimate() {
        let v: Vec<f64> = (0..1000).map(f64::from).collect();
        let (lo, hi) = quantile_interval(&v[..], 0.5);
        let q = quantile_sorted(&v, 0.5);
        assert!(lo < q && q < hi);
        // About ±1.96·√250 ≈ ±31 ranks.
        assert!((hi - lo - 62.0).abs() <= 3.0, "{lo} {hi}");
    }

    #[test]
    fn a_precision_run_judges_the_width_at_the_least_favourable_chance() {
        let batch = |n: u64, breaches: u64| {
            let model = crate::model::Model::from_toml(
                "t.toml",
                "[meta]\nname=\"T\"\ncouncil=\"T\"\nyear=\"2024/25\"\nunit=\"£m\"\n\
                 [lines.l]\nkind=\"simple\"\nbase=1\ngrowth=0\nbudget=1\nsource=\"a\"\n\
                 [reserves.r]\nkind=\"general_fund\"\namount=1\nsource=\"a\"\n",
            )
            .unwrap()
            .model;
            let config = crate::engine::RunConfig {
                seed: 1,
                iterations: n,
                reserves: 1.0,
                sampling: crate::sample::Sampling::MonteCarlo,
            };
            let mut r = crate::engine::run(
                &model,
                &config,
                &|_| {},
                &std::sync::atomic::AtomicBool::new(false),
            )
            .unwrap();
            r.batches[0].breaches = breaches;
            r.batches[0].horizon_breaches = breaches;
            r.batches.truncate(1);
            r.batches
        };
        // A rare event seen rarely: the observed interval is narrow, but at its upper end
        // the chance would need a wider one, so the rule waits.
        let b = batch(10_000, 2);
        let (_, low, high, stop) = s114_precision(&b);
        assert!(stop > high - low);
        let at_high = 2.0 * Z95 * (high * (1.0 - high) / 10_000.0).sqrt();
        assert!((stop - at_high.max(high - low)).abs() < 1e-15);
        // Above 50% the least favourable value is the lower end, not the upper.
        let b = batch(10_000, 9_000);
        let (_, low, high, stop) = s114_precision(&b);
        let at_low = 2.0 * Z95 * (low * (1.0 - low) / 10_000.0).sqrt();
        assert!((stop - at_low.max(high - low)).abs() < 1e-15);
        // An interval holding 50% is judged at 50%.
        let b = batch(10_000, 5_000);
        let (_, _, _, stop) = s114_precision(&b);
        assert!(stop >= 2.0 * Z95 * (0.25_f64 / 10_000.0).sqrt() - 1e-15);
    }

    #[test]
    fn the_ratio_standard_error_matches_the_delta_method_by_hand() {
        // Four batches: y = (2, 4, 3, 5), x = (1, 2, 1, 2); R = 14/6.
        let sums = [(2.0, 1.0), (4.0, 2.0), (3.0, 1.0), (5.0, 2.0)];
        let r: f64 = 14.0 / 6.0;
        let s: f64 = sums.iter().map(|&(y, x)| (y - r * x).powi(2)).sum();
        let expected = (4.0 / 3.0 * s).sqrt() / 6.0;
        let se = ratio_se(&sums, 2).unwrap();
        assert!((se - expected).abs() < 1e-15, "{se} {expected}");
        // No denominator, or too few batches: no standard error.
        assert_eq!(ratio_se(&[(0.0, 0.0); 30], 2), None);
        assert_eq!(ratio_se(&sums, MIN_BATCHES), None);
    }

    #[test]
    fn histogram_quantiles_interpolate_inside_their_bin() {
        // 10 values in bin 0 ([0, 2)), 10 in bin 3 ([6, 8)): the q-th share is found by
        // spreading each bin's values evenly across it.
        let mut hist = vec![0u32; 5];
        hist[0] = 10;
        hist[3] = 10;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(histogram_quantile(&hist, 2.0, 0.1), 0.4));
        assert!(close(histogram_quantile(&hist, 2.0, 0.5), 2.0));
        assert!(close(histogram_quantile(&hist, 2.0, 0.55), 6.2));
        assert!(close(histogram_quantile(&hist, 2.0, 0.9), 7.6));
        assert!(close(histogram_quantile(&hist, 2.0, 1.0), 8.0));
        assert_eq!(histogram_quantile(&[0; 4], 1.0, 0.5), 0.0);
    }

    #[test]
    fn mean_se_falls_back_to_independent_draws_with_few_batches() {
        // 3 batches: too few, so s/√n with s² = m2/(n − 1).
        let per = [(1.0, 10), (2.0, 10), (3.0, 10)];
        let se = mean_se(&per, 30, 29.0 * 4.0).unwrap();
        assert!((se - (4.0f64 / 30.0).sqrt()).abs() < 1e-12, "{se}");
        // One value: its spread, and so the standard error, is unknown (not zero).
        assert_eq!(mean_se(&[(1.0, 1)], 1, 0.0), None);
    }
}
