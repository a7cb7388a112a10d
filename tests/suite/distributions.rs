//! Each distribution against its analytic mean and variance (10^6 draws, fixed seed).
//!
//! The reference moments come from statrs where it has the distribution, and from
//! textbook formulas (cited) where it does not; the distribution's own `mean()` and
//! `variance()`, which reports use, are checked against the same references.

use gapsim::dist::Distribution;
use gapsim::sample::stream;
use statrs::distribution::{
    Beta, Continuous, ContinuousCDF, LogNormal, Normal, Triangular, Uniform,
};
use statrs::statistics::Distribution as _;

use crate::common::{MOMENT_SE_TOLERANCE, assert_within};

const DRAWS: usize = 1_000_000;

/// Sample mean and variance with their standard errors: SE(mean) = s/√n and
/// SE(variance) = √((m4 − s⁴)/n), m4 the sample fourth central moment.
fn moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let var = m2 * n / (n - 1.0);
    (mean, (var / n).sqrt(), var, ((m4 - m2 * m2) / n).sqrt())
}

/// Draws with both samplers (direct `fill`, and `quantile` of uniforms) and checks each
/// against the reference moments, and the distribution's own moments against them too.
#[track_caller]
fn check(name: &str, d: &Distribution, mean: f64, var: f64) {
    assert!(
        (d.mean() - mean).abs() <= 1e-9 * (1.0 + mean.abs()),
        "{name}: mean() {} vs reference {mean}",
        d.mean()
    );
    assert!(
        (d.variance() - var).abs() <= 1e-9 * (1.0 + var),
        "{name}: variance() {} vs reference {var}",
        d.variance()
    );
    let mut x = vec![0.0; DRAWS];
    let mut rng = stream(7, 0, name);
    d.fill(&mut rng, &mut x);
    let (m, m_se, v, v_se) = moments(&x);
    assert_within(
        &format!("{name} mean (fill)"),
        m,
        mean,
        m_se,
        MOMENT_SE_TOLERANCE,
    );
    assert_within(
        &format!("{name} variance (fill)"),
        v,
        var,
        v_se.max(1e-300),
        MOMENT_SE_TOLERANCE,
    );

    let mut rng = stream(8, 0, name);
    for v in x.iter_mut() {
        *v = d.quantile(gapsim::dist::open01(&mut rng));
    }
    let (m, m_se, v, v_se) = moments(&x);
    assert_within(
        &format!("{name} mean (quantile)"),
        m,
        mean,
        m_se,
        MOMENT_SE_TOLERANCE,
    );
    assert_within(
        &format!("{name} variance (quantile)"),
        v,
        var,
        v_se.max(1e-300),
        MOMENT_SE_TOLERANCE,
    );
}

#[test]
fn uniform() {
    let r = Uniform::new(-2.0, 5.0).unwrap();
    check(
        "uniform",
        &Distribution::uniform(-2.0, 5.0).unwrap(),
        r.mean().unwrap(),
        r.variance().unwrap(),
    );
}

#[test]
fn normal() {
    let r = Normal::new(0.03, 0.012).unwrap();
    check(
        "normal",
        &Distribution::normal(0.03, 0.012, None, None).unwrap(),
        r.mean().unwrap(),
        r.variance().unwrap(),
    );
}

/// Moments of a truncated distribution by numerical integration of the statrs density
/// (composite Simpson on 20,000 intervals), independent of the library's closed forms.
fn truncated_moments(pdf: impl Fn(f64) -> f64, lo: f64, hi: f64) -> (f64, f64) {
    let steps = 20_000;
    let h = (hi - lo) / steps as f64;
    let integrate = |g: &dyn Fn(f64) -> f64| {
        let mut s = g(lo) + g(hi);
        for i in 1..steps {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            s += w * g(lo + i as f64 * h);
        }
        s * h / 3.0
    };
    let z = integrate(&|x| pdf(x));
    let m = integrate(&|x| x * pdf(x)) / z;
    let v = integrate(&|x| (x - m).powi(2) * pdf(x)) / z;
    (m, v)
}

#[test]
fn truncated_normal() {
    let r = Normal::new(0.0, 0.03).unwrap();
    let (m, v) = truncated_moments(|x| r.pdf(x), -0.02, 0.10);
    check(
        "truncated normal",
        &Distribution::normal(0.0, 0.03, Some(-0.02), Some(0.10)).unwrap(),
        m,
        v,
    );
    // One-sided and far in the upper tail, where naive inversion loses precision.
    let (m, v) = truncated_moments(|x| r.pdf(x), 0.09, 0.09 + 0.03 * 12.0);
    check(
        "upper-tail normal",
        &Distribution::normal(0.0, 0.03, Some(0.09), None).unwrap(),
        m,
        v,
    );
}

#[test]
fn lognormal_by_median_and_p90() {
    // median e^μ = 2, p90 e^(μ + 1.2816σ) = 5.
    let mu = 2.0_f64.ln();
    let sigma = (5.0_f64.ln() - mu) / 1.281_551_565_544_600_5;
    let r = LogNormal::new(mu, sigma).unwrap();
    check(
        "lognormal median/p90",
        &Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap(),
        r.mean().unwrap(),
        r.variance().unwrap(),
    );
}

#[test]
fn lognormal_by_mean_and_sd() {
    check(
        "lognormal mean/sd",
        &Distribution::lognormal_mean_sd(10.0, 4.0, None, None).unwrap(),
        10.0,
        16.0,
    );
}

#[test]
fn truncated_lognormal() {
    let d = Distribution::lognormal_median_p90(2.0, 5.0, Some(1.0), Some(8.0)).unwrap();
    let mu = 2.0_f64.ln();
    let sigma = (5.0_f64.ln() - mu) / 1.281_551_565_544_600_5;
    let r = LogNormal::new(mu, sigma).unwrap();
    let (m, v) = truncated_moments(|x| r.pdf(x), 1.0, 8.0);
    check("truncated lognormal", &d, m, v);
}

#[test]
fn triangular() {
    let r = Triangular::new(2.0, 15.0, 6.0).unwrap();
    check(
        "triangular",
        &Distribution::triangular(2.0, 6.0, 15.0).unwrap(),
        r.mean().unwrap(),
        r.variance().unwrap(),
    );
}

#[test]
fn pert() {
    // PERT(min, mode, max, λ=4) is min + (max − min)·Beta(α, β) with
    // α = 1 + 4(mode − min)/(max − min), β = 1 + 4(max − mode)/(max − min) (Vose, 2008).
    let (lo, mode, hi) = (0.4, 0.85, 1.0);
    let a = 1.0 + 4.0 * (mode - lo) / (hi - lo);
    let b = 1.0 + 4.0 * (hi - mode) / (hi - lo);
    let r = Beta::new(a, b).unwrap();
    let w = hi - lo;
    check(
        "pert",
        &Distribution::pert(lo, mode, hi, None).unwrap(),
        lo + w * r.mean().unwrap(),
        w * w * r.variance().unwrap(),
    );
}

#[test]
fn beta() {
    let r = Beta::new(2.0, 5.0).unwrap();
    check(
        "beta",
        &Distribution::beta(2.0, 5.0, None, None).unwrap(),
        r.mean().unwrap(),
        r.variance().unwrap(),
    );
    check(
        "beta by mean and sd",
        &Distribution::beta_mean_sd(0.85, 0.1, None, None).unwrap(),
        0.85,
        0.01,
    );
}

#[test]
fn bernoulli() {
    check(
        "bernoulli",
        &Distribution::bernoulli(0.3).unwrap(),
        0.3,
        0.21,
    );
}

#[test]
fn discrete() {
    let (v, p) = ([10.0, 20.0, 35.0], [0.2, 0.5, 0.3]);
    let mean: f64 = v.iter().zip(&p).map(|(v, p)| v * p).sum();
    let var: f64 = v.iter().zip(&p).map(|(v, p)| (v - mean).powi(2) * p).sum();
    check(
        "discrete",
        &Distribution::discrete(&v, &p).unwrap(),
        mean,
        var,
    );
}

#[test]
fn quantiles_invert_the_reference_cdfs() {
    // A cheap cross-check of every inverse CDF against statrs's CDF on a grid.
    let n = Normal::new(1.0, 2.0).unwrap();
    let d = Distribution::normal(1.0, 2.0, None, None).unwrap();
    let t = Triangular::new(2.0, 15.0, 6.0).unwrap();
    let dt = Distribution::triangular(2.0, 6.0, 15.0).unwrap();
    let b = Beta::new(1.5, 7.0).unwrap();
    let db = Distribution::beta(1.5, 7.0, None, None).unwrap();
    for i in 1..100 {
        let u = f64::from(i) / 100.0;
        // statrs's normal CDF is accurate to about 1e-11, so compare with its inverse.
        assert!(
            (d.quantile(u) - n.inverse_cdf(u)).abs() < 1e-9,
            "normal at {u}"
        );
        assert!(
            (t.cdf(dt.quantile(u)) - u).abs() < 1e-12,
            "triangular at {u}"
        );
        assert!((b.cdf(db.quantile(u)) - u).abs() < 1e-9, "beta at {u}");
        assert!(
            (d.cdf(d.quantile(u)) - u).abs() < 1e-12,
            "own normal cdf at {u}"
        );
        assert!(
            (db.cdf(db.quantile(u)) - u).abs() < 1e-10,
            "own beta cdf at {u}"
        );
    }
}

/// Uniform inputs across (0, 1), including the extremes `open01` can return (2^-54 and
/// 1 − 2^-54) and beyond them.
fn u_grid() -> Vec<f64> {
    let tiny = 0.5 / (1u64 << 53) as f64;
    vec![
        1e-300,
        tiny,
        1e-12,
        1e-6,
        0.01,
        0.1,
        0.25,
        0.5,
        0.75,
        0.9,
        0.99,
        1.0 - 1e-6,
        1.0 - 1e-12,
        // 1 − 2^-54 is not a double (it rounds to 1); this is the largest double below 1.
        1.0 - f64::EPSILON / 2.0,
    ]
}

/// The largest p90 gapsim accepts for a lognormal with this median: the one whose
/// 1 − 10⁻¹² quantile is 10^15 (`dist::NEGLIGIBLE`, `dist::LARGEST`).
fn largest_p90(median: f64) -> f64 {
    let z_top = 7.034_483_825_301_131; // Φ⁻¹(1 − 10⁻¹²)
    let z90 = 1.281_551_565_544_600_5;
    median * ((1e15 / median).ln() / z_top * z90).exp()
}

#[test]
fn accepted_parameters_never_give_a_nan_or_infinite_value() {
    // Extreme but valid parameters of every family: magnitudes up to the 10^15 every model
    // figure is limited to, down to 10^-28 (the finest decimal a model holds), spreads at
    // the limits the constructors allow, truncations far in a tail. Whatever the model
    // checker accepts must sample, invert, and integrate to finite numbers.
    let big = 1e15;
    let fine = 1e-28;
    let sd_min_beta = 0.5 / (1e5f64 / 0.5 + 1.0).sqrt() * 1.001;
    let cases: Vec<(&str, Distribution)> = vec![
        ("fixed large", Distribution::fixed(-big).unwrap()),
        ("uniform wide", Distribution::uniform(-big, big).unwrap()),
        ("uniform narrow", Distribution::uniform(0.0, fine).unwrap()),
        (
            "normal large",
            Distribution::normal(big, big, None, None).unwrap(),
        ),
        (
            "normal narrow",
            Distribution::normal(-big, fine, None, None).unwrap(),
        ),
        (
            "normal upper tail",
            Distribution::normal(0.0, 1.0, Some(6.5), Some(7.5)).unwrap(),
        ),
        (
            "normal lower tail",
            Distribution::normal(0.0, 1.0, None, Some(-7.0)).unwrap(),
        ),
        (
            "normal far above",
            Distribution::normal(0.0, 1.0, Some(7.0), None).unwrap(),
        ),
        (
            "lognormal widest at a tiny median",
            Distribution::lognormal_median_p90(fine, largest_p90(fine) * 0.999, None, None)
                .unwrap(),
        ),
        (
            "lognormal widest at median 1",
            Distribution::lognormal_median_p90(1.0, largest_p90(1.0) * 0.999, None, None).unwrap(),
        ),
        (
            "lognormal narrowest",
            Distribution::lognormal_median_p90(1.0, 1.0 + 1e-12, None, None).unwrap(),
        ),
        (
            "lognormal wide, capped",
            Distribution::lognormal_median_p90(1.0, 1e15, None, Some(big)).unwrap(),
        ),
        (
            "lognormal far upper tail",
            Distribution::lognormal_median_p90(1.0, 2.0, Some(30.0), Some(big)).unwrap(),
        ),
        (
            "lognormal mean/sd, huge sd",
            Distribution::lognormal_mean_sd(fine, big, None, None).unwrap(),
        ),
        (
            "lognormal mean/sd, tiny sd",
            Distribution::lognormal_mean_sd(1e14, 1e8, None, None).unwrap(),
        ),
        (
            "triangular wide",
            Distribution::triangular(-big, -big, big).unwrap(),
        ),
        (
            "triangular narrow",
            Distribution::triangular(0.0, fine, fine).unwrap(),
        ),
        (
            "pert flat",
            Distribution::pert(0.0, 0.0, 1.0, Some(fine)).unwrap(),
        ),
        (
            "pert peaked",
            Distribution::pert(0.0, 0.5, 1.0, Some(99_998.0)).unwrap(),
        ),
        (
            "pert wide",
            Distribution::pert(-big, big, big, None).unwrap(),
        ),
        (
            "beta tiny shapes",
            Distribution::beta(fine, fine, None, None).unwrap(),
        ),
        (
            "beta largest shapes",
            Distribution::beta(1e5, 1e5, None, None).unwrap(),
        ),
        (
            "beta lopsided",
            Distribution::beta(fine, 1e5, Some(-big), Some(big)).unwrap(),
        ),
        (
            "beta lopsided the other way",
            Distribution::beta(1e5, fine, None, None).unwrap(),
        ),
        (
            "beta by mean and the smallest sd",
            Distribution::beta_mean_sd(0.5, sd_min_beta, None, None).unwrap(),
        ),
        (
            "beta by a mean near its bound",
            Distribution::beta_mean_sd(1e-20, 1e-11, None, None).unwrap(),
        ),
        ("bernoulli rare", Distribution::bernoulli(fine).unwrap()),
        ("bernoulli sure", Distribution::bernoulli(1.0).unwrap()),
        (
            "discrete extreme",
            Distribution::discrete(&[big, -big, 0.0], &[fine, 0.5, 0.5 - fine]).unwrap(),
        ),
    ];
    for (name, d) in &cases {
        let (lo, hi) = d.support();
        let mut last = f64::NEG_INFINITY;
        for u in u_grid() {
            let x = d.quantile(u);
            assert!(x.is_finite(), "{name}: quantile({u:e}) = {x}");
            assert!(x >= last, "{name}: quantile not monotone at {u:e}");
            assert!(
                x >= lo && x <= hi,
                "{name}: quantile({u:e}) = {x} outside [{lo}, {hi}]"
            );
            last = x;
            let p = d.cdf(x);
            assert!((0.0..=1.0).contains(&p), "{name}: cdf({x}) = {p}");
        }
        // The ends themselves, which rounding can produce (a Latin hypercube's top stratum
        // (n − 1 + v)/n rounds to 1 when v is within 10⁻¹² of 1).
        for u in [0.0, 1.0] {
            let x = d.quantile(u);
            assert!(
                x.is_finite() && x >= lo && x <= hi,
                "{name}: quantile({u}) = {x}"
            );
        }
        assert!(d.mean().is_finite(), "{name}: mean {}", d.mean());
        assert!(
            d.variance().is_finite(),
            "{name}: variance {}",
            d.variance()
        );
        let mut x = vec![0.0; 2000];
        d.fill(&mut stream(5, 0, name), &mut x);
        assert!(
            x.iter().all(|v| v.is_finite() && *v >= lo && *v <= hi),
            "{name}: fill gave a value that is not finite or outside its support"
        );
    }
}

#[test]
fn parameters_just_beyond_the_limits_are_refused() {
    // The other side of the limits above: each is refused with a reason, not accepted to
    // overflow later.
    for (what, r) in [
        (
            "lognormal too wide",
            Distribution::lognormal_median_p90(0.01, 1e15, None, None),
        ),
        (
            "lognormal just too wide",
            Distribution::lognormal_median_p90(1.0, largest_p90(1.0) * 1.001, None, None),
        ),
        (
            "beta spike by mean and sd",
            Distribution::beta_mean_sd(0.5, 1e-22, None, None),
        ),
        (
            "beta spike by shapes",
            Distribution::beta(2.0, 1.1e5, None, None),
        ),
        ("pert spike", Distribution::pert(0.0, 0.5, 1.0, Some(1e9))),
        (
            "lognormal with no spread",
            Distribution::lognormal_mean_sd(1.0, 1e-20, None, None),
        ),
    ] {
        let e = r.expect_err(what);
        assert!(
            matches!(e, gapsim::dist::DistError::Extreme { .. }),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn shifted_and_scaled() {
    // scale × X + shift has mean scale·E[X] + shift and variance scale²·Var[X], whatever
    // the law of X: the references are the unmoved laws' statrs moments, moved.
    let (lo, mode, hi) = (0.4, 0.85, 1.0);
    let a = 1.0 + 4.0 * (mode - lo) / (hi - lo);
    let b = 1.0 + 4.0 * (hi - mode) / (hi - lo);
    let r = Beta::new(a, b).unwrap();
    let w = hi - lo;
    let (scale, shift) = (0.8, 0.05);
    check(
        "pert scaled by 0.8, shifted by +0.05",
        &Distribution::pert(lo, mode, hi, None)
            .unwrap()
            .affine(scale, shift)
            .unwrap(),
        scale * (lo + w * r.mean().unwrap()) + shift,
        scale * scale * w * w * r.variance().unwrap(),
    );
    let n = Normal::new(0.03, 0.012).unwrap();
    let (scale, shift) = (1.5, -0.02);
    check(
        "normal scaled by 1.5, shifted by -0.02",
        &Distribution::normal(0.03, 0.012, None, None)
            .unwrap()
            .affine(scale, shift)
            .unwrap(),
        scale * n.mean().unwrap() + shift,
        scale * scale * n.variance().unwrap(),
    );
}
