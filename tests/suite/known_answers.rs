//! Runs of small models whose answers are known exactly.

use crate::common::{MC_SE_TOLERANCE, assert_within, fixture, normal_pdf, num, phi, run};

const N: u64 = 200_000;

#[test]
fn a_sum_of_normals_matches_the_normal_cdf() {
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", &N.to_string(), "--seed", "11"],
    );
    let s = &r.summary;
    let (mu, sigma, reserves) = (6.5_f64, 43.25_f64.sqrt(), 15.0);
    let n = N as f64;

    assert_within(
        "mean gap",
        num(s, "/gap/mean"),
        mu,
        sigma / n.sqrt(),
        MC_SE_TOLERANCE,
    );
    let p = 1.0 - phi((reserves - mu) / sigma);
    assert_within(
        "P(S114-level)",
        num(s, "/s114/probability/estimate"),
        p,
        (p * (1.0 - p) / n).sqrt(),
        MC_SE_TOLERANCE,
    );
    let p0 = 1.0 - phi(-mu / sigma);
    assert_within(
        "P(gap > 0)",
        num(s, "/gap/p_positive/estimate"),
        p0,
        (p0 * (1.0 - p0) / n).sqrt(),
        MC_SE_TOLERANCE,
    );
    // The reported 95% interval must contain the true probability (it does for 95% of
    // seeds; this seed is fixed).
    assert!(
        num(s, "/s114/probability/ci95_low") <= p && p <= num(s, "/s114/probability/ci95_high")
    );

    // Every percentile P1..P99 against the normal quantile, with the standard error of a
    // sample quantile, √(q(1−q)/n) / f(x_q).
    use statrs::distribution::{ContinuousCDF, Normal};
    let reference = Normal::new(mu, sigma).unwrap();
    for &(pct, gap, shortfall) in &r.percentiles {
        let q = f64::from(pct) / 100.0;
        let x = reference.inverse_cdf(q);
        let density = normal_pdf((x - mu) / sigma) / sigma;
        let se = (q * (1.0 - q) / n).sqrt() / density;
        assert_within(&format!("P{pct}"), gap, x, se, MC_SE_TOLERANCE);
        // No mitigation: the shortfall is the gap.
        assert_eq!(gap, shortfall, "P{pct}");
    }
}

#[test]
fn reported_standard_errors_match_the_true_ones() {
    // Normal gap, σ = √43.25: the mean's standard error is σ/√n, and a percentile's is
    // √(q(1−q)/n)/f(x_q). Batch means from k = 40 batches estimate them with relative
    // error about 1/√(2(k−1)) = 11%, so 4 of those (45%) is the tolerance.
    let n = 400_000u64;
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", &n.to_string(), "--seed", "21"],
    );
    let s = &r.summary;
    let sigma = 43.25_f64.sqrt();
    let nf = n as f64;
    let tolerance = 4.0 / (2.0 * 39.0_f64).sqrt();
    let rel = |got: f64, want: f64| (got / want - 1.0).abs();
    let mean_se = num(s, "/gap/mean_se");
    // Reported to £100 (4 dp): compare with what the rounding allows.
    assert!(
        rel(mean_se, sigma / nf.sqrt()) <= tolerance + 0.00005 / mean_se,
        "mean se {mean_se} vs {}",
        sigma / nf.sqrt()
    );
    for p in s["gap"]["percentiles"].as_array().unwrap() {
        let q = p["p"].as_f64().unwrap() / 100.0;
        use statrs::distribution::{ContinuousCDF, Normal};
        let z = Normal::standard().inverse_cdf(q);
        let truth = (q * (1.0 - q) / nf).sqrt() / (normal_pdf(z) / sigma);
        let se = p["se"].as_f64().unwrap();
        assert!(
            rel(se, truth) <= tolerance + 0.00005 / se,
            "P{}: se {se} vs {truth}",
            p["p"]
        );
    }
    let p_hat = num(s, "/s114/probability/estimate");
    let se = num(s, "/s114/probability/se_batch_means");
    let truth = (p_hat * (1.0 - p_hat) / nf).sqrt();
    assert!(rel(se, truth) <= tolerance, "P(S114) se {se} vs {truth}");
}

#[test]
fn all_or_nothing_savings_match_their_exact_distribution() {
    let r = run(
        Some(&fixture("bernoulli-savings.toml")),
        &["--iterations", &N.to_string(), "--seed", "5"],
    );
    let s = &r.summary;
    // Exact distribution of gap = 1·(1−B1) + 2·(1−B2) + 4·(1−B3).
    let amounts = [1.0, 2.0, 4.0];
    let p_happen = [0.9, 0.7, 0.5];
    let mut pmf = [0.0; 8];
    for outcome in 0..8usize {
        let mut prob = 1.0;
        let mut gap = 0usize;
        for i in 0..3 {
            if outcome & (1 << i) != 0 {
                gap += amounts[i] as usize;
                prob *= 1.0 - p_happen[i];
            } else {
                prob *= p_happen[i];
            }
        }
        pmf[gap] += prob;
    }
    let n = N as f64;
    let exceed = |r: f64| -> f64 {
        pmf.iter()
            .enumerate()
            .filter(|&(g, _)| g as f64 > r)
            .map(|(_, p)| p)
            .sum()
    };
    let p = exceed(2.5);
    assert!((p - 0.515).abs() < 1e-12, "the fixture's documented answer");
    assert_within(
        "P(S114-level)",
        num(s, "/s114/probability/estimate"),
        p,
        (p * (1.0 - p) / n).sqrt(),
        MC_SE_TOLERANCE,
    );
    let mean: f64 = pmf.iter().enumerate().map(|(g, p)| g as f64 * p).sum();
    let var: f64 = pmf
        .iter()
        .enumerate()
        .map(|(g, p)| (g as f64 - mean).powi(2) * p)
        .sum();
    assert_within(
        "mean gap",
        num(s, "/gap/mean"),
        mean,
        (var / n).sqrt(),
        MC_SE_TOLERANCE,
    );
    // Savings delivered = 7 − gap.
    assert_within(
        "mean savings delivered",
        num(s, "/savings/mean"),
        7.0 - mean,
        (var / n).sqrt(),
        MC_SE_TOLERANCE,
    );
    assert_eq!(num(s, "/savings/min"), 0.0);
    assert_eq!(num(s, "/savings/max"), 7.0);

    // Percentiles of a discrete distribution are its atoms. Where the exact CDF is more
    // than 4 standard errors from q on both sides, the sample percentile must equal the
    // exact quantile exactly.
    let mut cdf = [0.0; 8];
    let mut acc = 0.0;
    for (g, p) in pmf.iter().enumerate() {
        acc += p;
        cdf[g] = acc;
    }
    let mut checked = 0;
    for &(pct, gap, _) in &r.percentiles {
        let q = f64::from(pct) / 100.0;
        let margin = MC_SE_TOLERANCE * (q * (1.0 - q) / n).sqrt();
        if cdf.iter().any(|&c| (c - q).abs() <= margin) {
            continue;
        }
        let exact = cdf.iter().position(|&c| c >= q).unwrap() as f64;
        assert_eq!(gap, exact, "P{pct}");
        checked += 1;
    }
    assert!(
        checked > 90,
        "only {checked} percentiles were away from a jump"
    );
}

#[test]
fn mitigation_absorbs_only_a_positive_gap_up_to_its_capacity() {
    let r = run(
        Some(&fixture("mitigated-normal.toml")),
        &["--iterations", &N.to_string(), "--seed", "3"],
    );
    let s = &r.summary;
    let n = N as f64;
    let (mu, sigma, capacity, reserves) = (20.0, 10.0, 8.0, 25.0);
    let p = 1.0 - phi((reserves + capacity - mu) / sigma);
    assert_within(
        "P(S114-level)",
        num(s, "/s114/probability/estimate"),
        p,
        (p * (1.0 - p) / n).sqrt(),
        MC_SE_TOLERANCE,
    );
    // E[min(max(G, 0), C)] = ∫_0^C P(G > x) dx, integrated numerically (Simpson, fine grid).
    let steps = 2000;
    let h = capacity / steps as f64;
    let tail = |x: f64| 1.0 - phi((x - mu) / sigma);
    let mut integral = tail(0.0) + tail(capacity);
    for i in 1..steps {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        integral += w * tail(i as f64 * h);
    }
    integral *= h / 3.0;
    // Its spread is at most C/2, so C/(2√n) bounds the standard error.
    assert_within(
        "mean mitigation used",
        num(s, "/mitigation_used"),
        integral,
        capacity / (2.0 * n.sqrt()),
        MC_SE_TOLERANCE,
    );
    // Shortfall percentiles: the gap's minus what mitigation absorbs.
    for &(pct, gap, shortfall) in &r.percentiles {
        let expected = gap - gap.clamp(0.0, capacity);
        assert!(
            (shortfall - expected).abs() < 1e-3,
            "P{pct}: shortfall {shortfall}, gap {gap}"
        );
    }
}

#[test]
fn a_model_without_uncertainty_gives_the_hand_computed_figures() {
    let r = run(
        Some(&fixture("deterministic.toml")),
        &["--iterations", "1000"],
    );
    let s = &r.summary;
    let close = |ptr: &str, expected: f64| {
        let got = num(s, ptr);
        assert!((got - expected).abs() < 1e-9, "{ptr}: {got} vs {expected}");
    };
    close("/gap/mean", 1.228);
    close("/gap/min", 1.228);
    close("/gap/max", 1.228);
    close("/shortfall/mean", 1.028);
    close("/mitigation_used", 0.2);
    close("/savings/mean", 0.675);
    close("/lines/0/expected", 3.003);
    close("/lines/1/expected", 10.2);
    close("/funding/0/expected", 49.5);
    close("/s114/probability/estimate", 1.0);
    close("/s114/expected_excess", 0.028);
    close("/gap/sd", 0.0);
}

/// Runs a model given as text through the library, with `reserves`.
fn run_text(
    text: &str,
    reserves: f64,
    iterations: u64,
) -> Result<gapsim::engine::RunResult, gapsim::engine::EngineError> {
    use gapsim::engine::{self, RunConfig};
    use gapsim::sample::Sampling;
    let model = gapsim::model::Model::from_toml("test.toml", text)
        .expect("a valid model")
        .model;
    let config = RunConfig {
        seed: 5,
        iterations,
        reserves,
        sampling: Sampling::MonteCarlo,
    };
    engine::run(
        &model,
        &config,
        &|_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
}

fn one_line(growth: &str) -> String {
    format!(
        "[meta]\nname = \"T\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£m\"\n\n\
         [lines.l]\nkind = \"simple\"\nbase = 10\ngrowth = {growth}\nbudget = 10\n\
         source = \"assumption: test\"\n\n\
         [reserves.general_fund]\nkind = \"general_fund\"\namount = 1\nsource = \"assumption: test\"\n"
    )
}

#[test]
fn a_shortfall_equal_to_reserves_in_decimals_is_not_a_breach() {
    // 10 × 1.03 − 10 is 0.3 in decimals but 0.30000000000000071 in binary; 10 × 1.01 − 10
    // is 0.09999999999999964. Neither may decide an S114-level year by its last bit.
    for (growth, reserves) in [("0.03", 0.3), ("0.01", 0.1), ("0.07", 0.7)] {
        let r = run_text(&one_line(growth), reserves, 1000).unwrap();
        assert_eq!(r.total.breaches, 0, "growth {growth}, reserves {reserves}");
        assert_eq!(
            r.total.gap_positive, 1000,
            "growth {growth}: every year has a gap"
        );
        let below = run_text(&one_line(growth), reserves - 0.001, 1000).unwrap();
        assert_eq!(
            below.total.breaches, 1000,
            "growth {growth}: a £1,000 margin breaches"
        );
    }
}
