//! Back-testing in-year forecasts: how well past forecasts described the outturns that
//! followed.
//!
//! A forecast is a run's simulated outturns, sorted ascending; the outturn is what the
//! year actually came to. For each forecast and its outturn, [`score`] gives where the
//! outturn fell in the forecast (its PIT), the continuous ranked probability score, the
//! forecast's percentiles and whether the outturn fell inside its P10–P90 and P5–P95
//! ranges; [`assess`] judges a set of them together: how often the outturns fell inside
//! each range against how often they should ([`Coverage`], with the exact binomial
//! interval), whether the PITs are uniform ([`UniformityTest`]), and the mean score.
//!
//! Calibrated forecasts have uniform PITs and hold 80% of outturns in their P10–P90 range.
//! Ranges too narrow (over-confidence) put outturns in the tails: a U-shaped PIT histogram
//! and too few inside; ranges too wide, a hump and too many.
//!
//! Everything is a pure function of the numbers given; nothing here knows where the
//! forecasts or the outturns came from.

use serde::Serialize;

use super::estimate::{clopper_pearson, quantile_sorted};
use super::goodness::{UniformityTest, uniformity};

/// Where `x` falls in the forecast `sorted` (ascending): the mid-distribution probability
/// integral transform (#below + ½·#equal)/n, in [0, 1].
///
/// Counting half the values equal to `x` keeps ties and point masses (a forecast whose
/// mitigation covers the overspend exactly in many simulations) from biasing it: an
/// outturn at a point mass holding all the forecast reads ½, not 0 or 1. NaN for an empty
/// forecast or a NaN outturn.
pub fn pit(sorted: &[f64], x: f64) -> f64 {
    if sorted.is_empty() || x.is_nan() {
        return f64::NAN;
    }
    let below = sorted.partition_point(|&v| v < x);
    let at_or_below = below + sorted[below..].partition_point(|&v| v <= x);
    let equal = at_or_below - below;
    ((below as f64 + 0.5 * equal as f64) / sorted.len() as f64).clamp(0.0, 1.0)
}

/// The continuous ranked probability score of the forecast `sorted` (ascending) for the
/// outturn `x`, in the forecast's units: smaller is better, and 0 only for a forecast that
/// is certain and right.
///
/// The exact CRPS of the empirical distribution of the values, E|X − x| − ½·E|X − X′|
/// (X, X′ independent draws from the values), in O(n): the second term is
/// Σᵢ (2i − n + 1)·x₍ᵢ₎ / n² over the sorted values (i from 0), since each pair i < j
/// contributes x₍ⱼ₎ − x₍ᵢ₎. (This is the score of the n values as they are, not the
/// unbiased "fair" estimate of the score of the law they were drawn from, which divides
/// the second term by n(n − 1); the two differ by a factor 1/n of the second term.)
/// NaN for an empty forecast.
pub fn crps(sorted: &[f64], x: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let n = sorted.len() as f64;
    let mut distance = 0.0;
    let mut spread = 0.0;
    for (i, &v) in sorted.iter().enumerate() {
        distance += (v - x).abs();
        spread += (2.0 * i as f64 - n + 1.0) * v;
    }
    // Never below zero: the exact value is not, whatever the rounding of the two sums.
    (distance / n - spread / (n * n)).max(0.0)
}

/// Whether the outturns fell inside a range as often as the range says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The nominal rate is inside the 95% interval of the observed one.
    Consistent,
    /// Too few inside: the whole 95% interval is below the nominal rate, so the ranges
    /// were too narrow (the forecasts over-confident).
    UnderCovered,
    /// Too many inside: the whole 95% interval is above the nominal rate, so the ranges
    /// were too wide.
    OverCovered,
    /// No cases to judge.
    TooFewCases,
}

/// How often the outturns fell inside one forecast range, against how often they should.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// The range, as a reader sees it: `P10–P90`.
    pub range: String,
    /// The share it should hold if the forecasts are calibrated: 0.8 for P10–P90.
    pub nominal: f64,
    /// Outturns inside it.
    pub inside: u64,
    /// Outturns in all.
    pub cases: u64,
    /// inside / cases (0 when there are no cases; the verdict then says so).
    pub rate: f64,
    /// The exact (Clopper–Pearson) 95% interval of the rate.
    pub interval: (f64, f64),
    /// What the interval says about the nominal rate.
    pub verdict: Verdict,
}

/// The coverage of a range that held `inside` of `cases` outturns, judged against its
/// `nominal` rate by the exact binomial 95% interval.
pub fn coverage(range: &str, nominal: f64, inside: u64, cases: u64) -> Coverage {
    let interval = clopper_pearson(inside, cases);
    let verdict = if cases == 0 {
        Verdict::TooFewCases
    } else if interval.1 < nominal {
        Verdict::UnderCovered
    } else if interval.0 > nominal {
        Verdict::OverCovered
    } else {
        Verdict::Consistent
    };
    Coverage {
        range: range.into(),
        nominal,
        inside,
        cases,
        rate: if cases == 0 {
            0.0
        } else {
            inside as f64 / cases as f64
        },
        interval,
        verdict,
    }
}

/// One forecast scored against its outturn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CaseScore {
    /// Where the outturn fell in the forecast ([`pit`]).
    pub pit: f64,
    /// The continuous ranked probability score ([`crps`]), in the forecast's units.
    pub crps: f64,
    /// The forecast's 5th percentile (type 7, as everywhere in gapsim).
    pub p05: f64,
    /// Its 10th percentile.
    pub p10: f64,
    /// Its median.
    pub p50: f64,
    /// Its 90th percentile.
    pub p90: f64,
    /// Its 95th percentile.
    pub p95: f64,
    /// P10 ≤ outturn ≤ P90.
    pub inside_80: bool,
    /// P5 ≤ outturn ≤ P95.
    pub inside_90: bool,
}

/// Scores the forecast `sorted` (ascending, not empty) against the outturn `x`. An empty
/// forecast scores NaN throughout and holds nothing.
pub fn score(sorted: &[f64], x: f64) -> CaseScore {
    let q = |p: f64| quantile_sorted(sorted, p);
    let (p05, p10, p50, p90, p95) = (q(0.05), q(0.10), q(0.50), q(0.90), q(0.95));
    CaseScore {
        pit: pit(sorted, x),
        crps: crps(sorted, x),
        p05,
        p10,
        p50,
        p90,
        p95,
        inside_80: p10 <= x && x <= p90,
        inside_90: p05 <= x && x <= p95,
    }
}

/// A set of forecasts judged together.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// How many forecasts (each with its outturn).
    pub cases: u64,
    /// Outturns inside P10–P90, against 80%.
    pub coverage_80: Coverage,
    /// Outturns inside P5–P95, against 90%.
    pub coverage_90: Coverage,
    /// Whether the PITs are uniform.
    pub pit: UniformityTest,
    /// The mean CRPS, in the forecasts' units (0 with no cases). Only comparable between
    /// assessments of the same outturns: it grows with the size of what is forecast.
    pub mean_crps: f64,
}

/// Judges `scores` together, the PITs tested for uniformity over `bins` equal bins (the
/// chi-square test wants five or more cases a bin: with n cases, at most n/5 bins).
pub fn assess(scores: &[CaseScore], bins: usize) -> Assessment {
    let cases = scores.len() as u64;
    let count = |f: fn(&CaseScore) -> bool| scores.iter().filter(|s| f(s)).count() as u64;
    let pits: Vec<f64> = scores.iter().map(|s| s.pit).collect();
    Assessment {
        cases,
        coverage_80: coverage("P10–P90", 0.8, count(|s| s.inside_80), cases),
        coverage_90: coverage("P5–P95", 0.9, count(|s| s.inside_90), cases),
        pit: uniformity(&pits, bins),
        mean_crps: if cases == 0 {
            0.0
        } else {
            scores.iter().map(|s| s.crps).sum::<f64>() / cases as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::open01;
    use crate::special::{normal_cdf, normal_quantile};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// A standard normal draw: the inverse CDF of a uniform, with gapsim's own functions
    /// (rand_distr is not a dependency).
    fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
        normal_quantile(open01(rng))
    }

    fn sorted_normals(rng: &mut Xoshiro256PlusPlus, n: usize, mean: f64, sd: f64) -> Vec<f64> {
        let mut v: Vec<f64> = (0..n).map(|_| mean + sd * normal(rng)).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn pit_counts_ties_as_half() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(pit(&v, 2.5), 0.5);
        assert_eq!(pit(&v, 2.0), 1.5 / 4.0);
        assert_eq!(pit(&v, 0.0), 0.0);
        assert_eq!(pit(&v, 4.0), 3.5 / 4.0);
        assert_eq!(pit(&v, 9.0), 1.0);
        // A point mass holding the whole forecast, hit exactly: the middle.
        assert_eq!(pit(&[0.0; 5], 0.0), 0.5);
        // Most of the forecast at zero, two values above: below the mass's middle.
        assert_eq!(pit(&[0.0, 0.0, 0.0, 1.0, 2.0], 0.0), 1.5 / 5.0);
        assert!(pit(&[], 1.0).is_nan() && pit(&v, f64::NAN).is_nan());
    }

    /// E|X − x| − ½E|X − X′| over the values as they are, pair by pair.
    fn crps_by_pairs(values: &[f64], x: f64) -> f64 {
        let n = values.len() as f64;
        let distance: f64 = values.iter().map(|v| (v - x).abs()).sum::<f64>() / n;
        let spread: f64 = values
            .iter()
            .flat_map(|a| values.iter().map(move |b| (a - b).abs()))
            .sum::<f64>()
            / (n * n);
        distance - 0.5 * spread
    }

    #[test]
    fn crps_is_the_pairwise_definition() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
        for n in [1, 2, 3, 7, 50, 301] {
            for tied in [false, true] {
                // Tied: values rounded to whole numbers, so many repeat.
                let mut v: Vec<f64> = (0..n)
                    .map(|_| 10.0 * normal(&mut rng))
                    .map(|v| if tied { v.round() } else { v })
                    .collect();
                v.sort_by(f64::total_cmp);
                for x in [-25.0, -3.0, 0.0, v[n / 2], 4.5, 40.0] {
                    let (fast, slow) = (crps(&v, x), crps_by_pairs(&v, x));
                    // Sums of a few hundred terms of size ~10: rounding ~1e-13 absolute.
                    assert!(
                        (fast - slow).abs() <= 1e-12 * slow.abs().max(1.0),
                        "{n} {x}"
                    );
                }
            }
        }
        // A certain forecast scores its distance from the outturn.
        assert_eq!(crps(&[3.0; 4], 5.0), 2.0);
        assert_eq!(crps(&[3.0], 3.0), 0.0);
        assert!(crps(&[], 1.0).is_nan());
    }

    #[test]
    fn crps_of_many_normal_draws_is_the_normal_closed_form() {
        // CRPS(N(μ, σ²), x) = σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π] with z = (x − μ)/σ
        // (Gneiting & Raftery 2007, eq. 21).
        let (mu, sigma, n) = (12.0, 3.0, 200_000);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2026);
        let v = sorted_normals(&mut rng, n, mu, sigma);
        for x in [mu - 9.0, mu - 2.0, mu, mu + 0.5, mu + 4.0, mu + 15.0] {
            let z = (x - mu) / sigma;
            let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
            let exact = sigma
                * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * phi - 1.0 / std::f64::consts::PI.sqrt());
            // The empirical score is an average over the draws whose terms (its influence
            // function) are |X − x| − E′|X − X′|: the first has sd at most
            // √(σ² + (x − μ)²), the second at most σ (it is 1-Lipschitz in X). Four
            // standard errors of their difference, plus the V-statistic's bias σ/(√π n).
            let sd = (sigma * sigma + (x - mu) * (x - mu)).sqrt() + sigma;
            let tol = 4.0 * sd / (n as f64).sqrt() + sigma / n as f64;
            let got = crps(&v, x);
            assert!(
                (got - exact).abs() < tol,
                "x = {x}: {got} vs {exact} ± {tol}"
            );
        }
    }

    #[test]
    fn coverage_judges_the_nominal_rate_by_its_interval() {
        // (inside, cases, nominal, verdict): 60/100 has interval 0.497 to 0.697; 95/100
        // 0.887 to 0.984; 80/100 0.708 to 0.873.
        for (inside, cases, nominal, verdict) in [
            (80, 100, 0.8, Verdict::Consistent),
            (60, 100, 0.8, Verdict::UnderCovered),
            (95, 100, 0.8, Verdict::OverCovered),
            (95, 100, 0.9, Verdict::Consistent),
            (3, 3, 0.8, Verdict::Consistent),
            (0, 0, 0.8, Verdict::TooFewCases),
        ] {
            let c = coverage("P10–P90", nominal, inside, cases);
            assert_eq!(c.verdict, verdict, "{inside}/{cases} against {nominal}");
            assert_eq!(c.interval, clopper_pearson(inside, cases));
            assert_eq!(
                (c.inside, c.cases, c.range.as_str()),
                (inside, cases, "P10–P90")
            );
        }
        assert_eq!(coverage("P5–P95", 0.9, 45, 50).rate, 0.9);
        assert_eq!(coverage("P5–P95", 0.9, 0, 0).rate, 0.0);
        let json = serde_json::to_string(&coverage("P5–P95", 0.9, 0, 0)).unwrap();
        assert!(json.contains("\"verdict\":\"too_few_cases\""), "{json}");
    }

    #[test]
    fn a_score_reads_the_forecasts_percentiles() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        let s = score(&v, 90.0);
        assert_eq!(
            (s.p05, s.p10, s.p50, s.p90, s.p95),
            (5.0, 10.0, 50.0, 90.0, 95.0)
        );
        // On the P90 is inside; just past it is not.
        assert!(s.inside_80 && s.inside_90);
        let s = score(&v, 90.5);
        assert!(!s.inside_80 && s.inside_90);
        let s = score(&v, 4.0);
        assert!(!s.inside_80 && !s.inside_90);
        assert_eq!(s.pit, pit(&v, 4.0));
        assert_eq!(s.crps, crps(&v, 4.0));
    }

    /// `cases` forecasts, each 4,000 sorted draws from N(μᵢ, σ²) with μᵢ spread over
    /// ±50 (σ = 10), scored against an outturn drawn from N(μᵢ, (k·σ)²).
    fn backtest(seed: u64, cases: usize, k: f64) -> (Vec<CaseScore>, Assessment) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let sigma = 10.0;
        let scores: Vec<CaseScore> = (0..cases)
            .map(|_| {
                let mu = 100.0 * (open01(&mut rng) - 0.5);
                let forecast = sorted_normals(&mut rng, 4_000, mu, sigma);
                let outturn = mu + k * sigma * normal(&mut rng);
                score(&forecast, outturn)
            })
            .collect();
        let assessment = assess(&scores, 10);
        (scores, assessment)
    }

    #[test]
    fn calibrated_forecasts_pass_and_over_confident_ones_fail() {
        // Outturns from the forecasts' own law: each coverage's 95% interval holds its
        // nominal rate (with 400 cases the 80% range's rate has binomial sd 2 points),
        // and the PITs are uniform (10 bins of 40 expected). At this fixed seed; either
        // coverage could fail by chance at another about one time in twenty, the PIT
        // test (p > 0.001) one in a thousand.
        let (scores, a) = backtest(11, 400, 1.0);
        assert_eq!(a.cases, 400);
        assert_eq!(a.coverage_80.verdict, Verdict::Consistent, "{a:?}");
        assert_eq!(a.coverage_90.verdict, Verdict::Consistent, "{a:?}");
        assert!(a.pit.p_value > 0.001, "{a:?}");
        assert_eq!(a.pit.cases(), 400);
        // The expected CRPS of a normal forecast against its own draws is ½E|X − X′| =
        // σ/√π (5.64 for σ = 10); the mean over 400 cases is within four of its standard
        // errors, estimated from the cases' own scores.
        let expected = 10.0 / std::f64::consts::PI.sqrt();
        let n = scores.len() as f64;
        let var = scores
            .iter()
            .map(|s| (s.crps - a.mean_crps).powi(2))
            .sum::<f64>()
            / (n - 1.0);
        let se = (var / n).sqrt();
        assert!(
            (a.mean_crps - expected).abs() < 4.0 * se,
            "{} ± {se}",
            a.mean_crps
        );

        // Outturns twice as spread as the forecasts say: P10–P90 holds P(|Z| < 0.64), 48%,
        // far below 80%; P5–P95 P(|Z| < 0.82), 59%; the PITs pile up at both ends.
        let (_, b) = backtest(11, 400, 2.0);
        assert_eq!(b.coverage_80.verdict, Verdict::UnderCovered, "{b:?}");
        assert_eq!(b.coverage_90.verdict, Verdict::UnderCovered, "{b:?}");
        assert!(b.pit.p_value < 0.001, "{b:?}");
        let c = &b.pit.counts;
        assert!(c[0] + c[9] > 2 * (c[4] + c[5]), "{c:?}");
        assert!(b.mean_crps > a.mean_crps);
    }

    #[test]
    fn an_assessment_of_nothing_says_so() {
        let a = assess(&[], 10);
        assert_eq!(a.cases, 0);
        assert_eq!(a.coverage_80.verdict, Verdict::TooFewCases);
        assert_eq!((a.pit.p_value, a.mean_crps), (1.0, 0.0));
        assert!(serde_json::to_string(&a).is_ok());
    }
}
