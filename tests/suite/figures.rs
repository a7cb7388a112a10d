//! Every figure of a summary that a committee reads, and its Monte Carlo uncertainty,
//! against the exact answer: spreads and their standard errors, each item's expectation,
//! the S114-level tail, savings, the savings programme as one factor, and the year named
//! by an overflow.
//!
//! Tolerances: an estimate must be within [`MC_SE_TOLERANCE`] standard errors of the exact
//! value. A reported standard error is itself estimated from k batches (relative error about
//! 1/√(2(k − 1))); it must be within [`se_tolerance`] of the true one.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::common::{MC_SE_TOLERANCE, assert_within, fixture, normal_pdf, num, phi, run};

/// Simulated years in these runs: 40 batches, so batch-means standard errors are used.
const N: u64 = 400_000;

/// How far a batch-means standard error from k batches may be from the true one, as a
/// share of it: 4 standard errors of its own relative error 1/√(2(k − 1)), plus what the
/// summary's 4-significant-figure rounding of it can add.
fn se_tolerance(batches: f64) -> f64 {
    4.0 / (2.0 * (batches - 1.0)).sqrt() + 5e-4
}

#[track_caller]
fn assert_se(what: &str, reported: f64, truth: f64) {
    let tol = se_tolerance(N as f64 / 10_000.0);
    assert!(
        (reported / truth - 1.0).abs() <= tol,
        "{what}: reported standard error {reported}, true {truth} (allowed ±{:.0}%)",
        tol * 100.0
    );
}

/// The sum of normals: gap = 100·a + (2 + 50·b) + 30·c with a ~ N(0.03, 0.04),
/// b ~ N(0, 0.1), c ~ N(0.05, 0.05): mean 6.5, variance 43.25; reserves 15, no mitigation.
struct NormalSum {
    mu: f64,
    sigma: f64,
    reserves: f64,
}

const SUM: NormalSum = NormalSum {
    mu: 6.5,
    sigma: 6.576_473_218_982_953, // √43.25
    reserves: 15.0,
};

impl NormalSum {
    fn z(&self) -> f64 {
        (self.reserves - self.mu) / self.sigma
    }
    /// P(gap > reserves).
    fn p(&self) -> f64 {
        1.0 - phi(self.z())
    }
    /// The inverse Mills ratio φ(z)/(1 − Φ(z)): E[Z | Z > z].
    fn lambda(&self) -> f64 {
        normal_pdf(self.z()) / self.p()
    }
}

#[test]
fn the_gaps_spread_and_each_lines_expectation_match_the_exact_values() {
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", &N.to_string(), "--seed", "31"],
    );
    let s = &r.summary;
    let n = N as f64;
    let sigma = SUM.sigma;
    // The sample sd of n normal draws has standard error σ/√(2(n − 1)).
    let sd_se = sigma / (2.0 * (n - 1.0)).sqrt();
    assert_within("gap sd", num(s, "/gap/sd"), sigma, sd_se, MC_SE_TOLERANCE);
    assert_se("gap sd", num(s, "/gap/sd_se"), sd_se);
    // No mitigation: the shortfall is the gap, and so is its spread.
    assert_eq!(num(s, "/shortfall/sd"), num(s, "/gap/sd"));

    // Lines: outturn 100(1 + a), 50(1 + b), 30(1 + c), with sd 4, 5 and 1.5.
    for (k, (mean, sd)) in [(103.0, 4.0), (50.0, 5.0), (31.5, 1.5)].iter().enumerate() {
        let at = |f: &str| format!("/lines/{k}/{f}");
        assert_within(
            &format!("line {k} expected outturn"),
            num(s, &at("expected")),
            *mean,
            sd / n.sqrt(),
            MC_SE_TOLERANCE,
        );
        assert_se(
            &format!("line {k} expected outturn"),
            num(s, &at("expected_se")),
            sd / n.sqrt(),
        );
    }
    // Without mitigation, nothing is used and drawing on reserves is any gap at all.
    assert_eq!(num(s, "/mitigation_used"), 0.0);
    assert_eq!(num(s, "/mitigation_used_se"), 0.0);
    assert_eq!(s["p_drawing_on_reserves"], s["shortfall"]["p_positive"]);
    assert_eq!(s["p_drawing_on_reserves"], s["gap"]["p_positive"]);
}

#[test]
fn the_tail_of_a_normal_gap_matches_the_truncated_normal() {
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", &N.to_string(), "--seed", "32"],
    );
    let s = &r.summary;
    let n = N as f64;
    let (mu, sigma, reserves) = (SUM.mu, SUM.sigma, SUM.reserves);
    let (p, lambda, z) = (SUM.p(), SUM.lambda(), SUM.z());
    let breaches = n * p;
    // Var(G | G > r) = σ²(1 + zλ − λ²).
    let conditional_sd = sigma * (1.0 + z * lambda - lambda * lambda).sqrt();

    // The expected shortfall beyond reserves, E[(G − r)⁺] = σ(φ(z) − z(1 − Φ(z))), and its
    // standard error from E[((G − r)⁺)²] = σ²((1 + z²)(1 − Φ(z)) − zφ(z)).
    let excess = sigma * (normal_pdf(z) - z * p);
    let excess_sq = sigma * sigma * ((1.0 + z * z) * p - z * normal_pdf(z));
    let excess_se = ((excess_sq - excess * excess) / n).sqrt();
    assert_within(
        "expected excess",
        num(s, "/s114/expected_excess"),
        excess,
        excess_se,
        MC_SE_TOLERANCE,
    );
    assert_se(
        "expected excess",
        num(s, "/s114/expected_excess_se"),
        excess_se,
    );
    // In the years that breach: E[G − r | G > r] = μ + σλ − r, a mean over about n·p years.
    let given_se = conditional_sd / breaches.sqrt();
    assert_within(
        "mean excess in breach years",
        num(s, "/s114/mean_excess_given_breach"),
        mu + sigma * lambda - reserves,
        given_se,
        MC_SE_TOLERANCE,
    );
    assert_se(
        "mean excess in breach years",
        num(s, "/s114/mean_excess_given_breach_se"),
        given_se,
    );

    let tail = &s["tail"];
    assert_within(
        "mean gap in breach years",
        num(tail, "/mean_gap"),
        mu + sigma * lambda,
        given_se,
        MC_SE_TOLERANCE,
    );
    assert_eq!(num(tail, "/mean_mitigation_used"), 0.0);

    // Each driver in breach years: E[X | G > r] = μ_X + Cov(X, G)/σ · λ. Listed by how far
    // they move in their own standard deviations, Cov(X, G)/(σ_X σ)·λ: b (5), a (4),
    // then the third line's growth (1.5), which is not the alphabetical order.
    let drivers = [
        ("b", 0.0, 0.10, 50.0),
        ("a", 0.03, 0.04, 100.0),
        ("lines.three.growth", 0.05, 0.05, 30.0),
    ];
    let listed: Vec<&str> = tail["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        drivers.iter().map(|d| d.0).collect::<Vec<_>>(),
        "ordered by how far each moves"
    );
    for (k, (name, mean, sd, slope)) in drivers.iter().enumerate() {
        let d = &tail["drivers"][k];
        let cov = slope * sd * sd;
        assert_within(
            &format!("{name} in breach years"),
            num(d, "/breach_mean"),
            mean + cov / sigma * lambda,
            // Its conditional sd is below its sd.
            sd / breaches.sqrt(),
            MC_SE_TOLERANCE,
        );
        assert_within(
            &format!("{name} over all years"),
            num(d, "/mean"),
            *mean,
            sd / n.sqrt(),
            MC_SE_TOLERANCE,
        );
    }
    // Lines: outturn − budget in breach years and over all years (3, 2 and 1.5 on
    // average). Line one is driven by a, line two by b (with the +2 of its budget).
    let lines = [
        (3.0, 100.0 * 0.04, 100.0 * 0.04 * 0.04 * 100.0),
        (2.0, 50.0 * 0.10, 50.0 * 0.10 * 0.10 * 50.0),
        (1.5, 30.0 * 0.05, 30.0 * 0.05 * 0.05 * 30.0),
    ];
    for (k, (mean, sd, cov)) in lines.iter().enumerate() {
        let l = &tail["lines"][k];
        assert_within(
            &format!("line {k} over all years"),
            num(l, "/mean"),
            *mean,
            sd / n.sqrt(),
            MC_SE_TOLERANCE,
        );
        assert_within(
            &format!("line {k} in breach years"),
            num(l, "/breach_mean"),
            mean + cov / sigma * lambda,
            sd / breaches.sqrt(),
            MC_SE_TOLERANCE,
        );
    }
}

#[test]
fn mitigation_used_and_its_capacity_match_the_exact_values() {
    // Gap ~ N(20, 10), capacity 8, reserves 25 (tests/fixtures/mitigated-normal.toml).
    let r = run(
        Some(&fixture("mitigated-normal.toml")),
        &["--iterations", &N.to_string(), "--seed", "33"],
    );
    let s = &r.summary;
    let n = N as f64;
    let (mu, sigma, capacity) = (20.0, 10.0, 8.0);
    // M = min(max(G, 0), C): E[M] = ∫₀^C P(G > x) dx and E[M²] = ∫₀^C 2x·P(G > x) dx
    // (Simpson's rule on a fine grid).
    let tail = |x: f64| 1.0 - phi((x - mu) / sigma);
    let simpson = |f: &dyn Fn(f64) -> f64| {
        let steps = 2000;
        let h = capacity / f64::from(steps);
        let mut acc = f(0.0) + f(capacity);
        for i in 1..steps {
            acc += if i % 2 == 1 { 4.0 } else { 2.0 } * f(f64::from(i) * h);
        }
        acc * h / 3.0
    };
    let mean = simpson(&tail);
    let second = simpson(&|x| 2.0 * x * tail(x));
    let se = ((second - mean * mean) / n).sqrt();
    assert_within(
        "mitigation used",
        num(s, "/mitigation_used"),
        mean,
        se,
        MC_SE_TOLERANCE,
    );
    assert_se("mitigation used", num(s, "/mitigation_used_se"), se);
    // Capacity is a fixed 8: its expectation is exact and has no uncertainty.
    assert_eq!(num(s, "/mitigations/0/expected"), capacity);
    assert_eq!(num(s, "/mitigations/0/expected_se"), 0.0);
    // A year that breaches has a gap above reserves + capacity, so it uses all of it.
    assert_eq!(num(s, "/tail/mean_mitigation_used"), capacity);
    // Drawing on reserves: the gap exceeds what mitigation can absorb.
    let p = tail(capacity);
    assert_within(
        "P(drawing on reserves)",
        num(s, "/p_drawing_on_reserves/estimate"),
        p,
        (p * (1.0 - p) / n).sqrt(),
        MC_SE_TOLERANCE,
    );
}

#[test]
fn an_uncertain_capacity_has_the_uniforms_mean_and_standard_error() {
    let text = "[meta]\nname = \"T\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
                net_budget = 100\n\n\
                [lines.l]\nkind = \"simple\"\nbase = 10\ngrowth = 0.5\nbudget = 10\n\
                source = \"assumption: test\"\n\n\
                [mitigation.action]\ncapacity = { dist = \"uniform\", min = 0, max = 12 }\n\
                source = \"assumption: test\"\n\n\
                [reserves.general_fund]\nkind = \"general_fund\"\namount = 1\n\
                source = \"assumption: test\"\n";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("capacity.toml");
    std::fs::write(&path, text).unwrap();
    let r = run(
        Some(&path),
        &["--iterations", &N.to_string(), "--seed", "34"],
    );
    let s = &r.summary;
    let n = N as f64;
    // Capacity U(0, 12): mean 6, sd 12/√12. The gap is a fixed 5, so the mitigation used
    // is min(5, U): E = 5 − E[(5 − U)⁺] = 5 − 25/24, E[M²] = ∫₀⁵ 2x·P(U > x) dx.
    let sd = 12.0 / 12f64.sqrt();
    assert_within(
        "expected capacity",
        num(s, "/mitigations/0/expected"),
        6.0,
        sd / n.sqrt(),
        MC_SE_TOLERANCE,
    );
    assert_se(
        "expected capacity",
        num(s, "/mitigations/0/expected_se"),
        sd / n.sqrt(),
    );
    let used = 5.0 - 25.0 / 24.0;
    // ∫₀⁵ 2x(1 − x/12) dx = 25 − 250/36.
    let second = 25.0 - 250.0 / 36.0;
    let used_se = ((second - used * used) / n).sqrt();
    assert_within(
        "mitigation used",
        num(s, "/mitigation_used"),
        used,
        used_se,
        MC_SE_TOLERANCE,
    );
    assert_se("mitigation used", num(s, "/mitigation_used_se"), used_se);
}

/// Savings 1, 2 and 4 that happen with probability 0.9, 0.7 and 0.5, nothing else
/// (tests/fixtures/bernoulli-savings.toml): delivered D = Σ aᵢBᵢ, gap = 7 − D.
fn savings_pmf() -> [f64; 8] {
    let (amounts, p) = ([1usize, 2, 4], [0.9, 0.7, 0.5]);
    let mut pmf = [0.0; 8];
    for outcome in 0..8usize {
        let mut prob = 1.0;
        let mut delivered = 0;
        for i in 0..3 {
            if outcome & (1 << i) != 0 {
                delivered += amounts[i];
                prob *= p[i];
            } else {
                prob *= 1.0 - p[i];
            }
        }
        pmf[delivered] += prob;
    }
    pmf
}

/// The mean of the lowest (or highest) share `q` of a discrete law, ties split.
fn tenth_mean(pmf: &[f64], q: f64, lowest: bool) -> f64 {
    let order: Vec<usize> = if lowest {
        (0..pmf.len()).collect()
    } else {
        (0..pmf.len()).rev().collect()
    };
    let (mut mass, mut sum) = (0.0, 0.0);
    for v in order {
        let take = pmf[v].min(q - mass);
        if take <= 0.0 {
            break;
        }
        mass += take;
        sum += take * v as f64;
    }
    sum / q
}

#[test]
fn savings_delivered_and_the_programme_as_one_factor_match_the_exact_law() {
    let r = run(
        Some(&fixture("bernoulli-savings.toml")),
        &["--iterations", &N.to_string(), "--seed", "35"],
    );
    let s = &r.summary;
    let n = N as f64;
    let pmf = savings_pmf();
    let mean: f64 = pmf.iter().enumerate().map(|(v, p)| v as f64 * p).sum();
    let var: f64 = pmf
        .iter()
        .enumerate()
        .map(|(v, p)| (v as f64 - mean).powi(2) * p)
        .sum();
    assert_se("savings mean", num(s, "/savings/mean_se"), (var / n).sqrt());
    for (k, (a, p)) in [(1.0, 0.9), (2.0, 0.7), (4.0, 0.5)].iter().enumerate() {
        let se = a * (p * (1.0 - p) / n).sqrt();
        let at = |f: &str| format!("/savings/by_saving/{k}/{f}");
        assert_within(
            &format!("saving {k} expected"),
            num(s, &at("expected")),
            a * p,
            se,
            MC_SE_TOLERANCE,
        );
        assert_se(&format!("saving {k}"), num(s, &at("expected_se")), se);
    }
    // P10 and P90 of delivery are read off a histogram of 1,000 bins over 0 .. 7, so for a
    // law of atoms they are within the atom's bin (none of 0.1, 0.9 is at a jump of this law).
    let quantile = |q: f64| {
        let mut acc = 0.0;
        pmf.iter()
            .position(|p| {
                acc += p;
                acc >= q
            })
            .unwrap() as f64
    };
    let bin = 7.0 / 1000.0;
    for (field, q) in [("p10", 0.1), ("p90", 0.9)] {
        let got = num(s, &format!("/savings/{field}"));
        assert!(
            (got - quantile(q)).abs() <= bin + 1e-9,
            "{field}: {got} vs {}",
            quantile(q)
        );
    }

    // The gap is 7 − D, all of it savings delivery: one factor, the three `happens`
    // events its members, its contributions adding up to all of the variance (exactly, as
    // the gap is linear in them), and its own effect the lowest and highest tenth of D.
    let factors = s["sensitivity"]["factors"].as_array().unwrap();
    assert_eq!(factors.len(), 1, "{factors:?}");
    let f = &factors[0];
    assert_eq!(f["name"], "[savings]");
    assert_eq!(f["members"].as_array().unwrap().len(), 3);
    assert!((num(f, "/contribution") - 1.0).abs() < 1e-9, "{f}");
    // Lowest tenth of 100,000 measured years: the mean of the 10,000 smallest of a law
    // with sd about 1.5, within 4·σ/√10,000.
    let tol = MC_SE_TOLERANCE * var.sqrt() / 100.0;
    let measured = num(f, "/mean_value");
    assert!((num(f, "/low_value") - tenth_mean(&pmf, 0.1, true)).abs() <= tol);
    assert!((num(f, "/high_value") - tenth_mean(&pmf, 0.1, false)).abs() <= tol);
    assert!(
        (num(f, "/low_effect") - (measured - num(f, "/low_value"))).abs() < 1e-4,
        "a low delivery raises the gap by the shortfall in delivery"
    );
    assert!(num(f, "/low_effect") > 0.0 && num(f, "/high_effect") < 0.0);
    assert!(
        (num(f, "/rank_correlation") + 1.0).abs() < 1e-9,
        "gap = 7 − D"
    );
}

#[test]
fn achieved_correlations_carry_a_standard_error_that_matches_their_spread_over_seeds() {
    // x, y at rank 0.6 (tests/fixtures/correlated-sum.toml); each run measures the achieved
    // correlation on its first 100,000 years. Over 16 seeds, the spread of the achieved
    // values is what the reported standard error claims: their ratio estimates 1 with a
    // relative error of about 1/√(2·15) from the seeds and 1/√(2·9) from the 10 batches
    // behind each standard error (30% together), so 0.4 to 2.5 allows 3 of those while a
    // standard error off by √10 (one batch taken for ten) fails.
    let (mut achieved, mut se2) = (Vec::new(), 0.0);
    for seed in 0..16 {
        let r = run(
            Some(&fixture("correlated-sum.toml")),
            &[
                "--iterations",
                "100000",
                "--seed",
                &seed.to_string(),
                "--no-charts",
            ],
        );
        let pair = &r.summary["correlation"]["pairs"][0];
        let se = num(pair, "/achieved_se");
        assert!(se > 0.0);
        se2 += se * se;
        achieved.push(num(pair, "/achieved"));
    }
    let k = achieved.len() as f64;
    let mean = achieved.iter().sum::<f64>() / k;
    let spread = (achieved.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    let claimed = (se2 / k).sqrt();
    let ratio = spread / claimed;
    assert!(
        (0.4..2.5).contains(&ratio),
        "spread over seeds {spread:.5} against the standard error claimed {claimed:.5}"
    );
    // And on average the target is reached to within that precision (Iman–Conover
    // imposes the converted normal-score correlation, exactly in expectation).
    assert_within(
        "achieved correlation",
        mean,
        0.6,
        spread / k.sqrt(),
        MC_SE_TOLERANCE,
    );
}

#[test]
fn percentile_intervals_in_percentiles_csv_hold_the_normal_quantiles() {
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "200000", "--seed", "37"],
    );
    let csv = std::fs::read_to_string(r.dir.join("percentiles.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "percentile,gap_gbp_m,shortfall_after_mitigation_gbp_m,gap_ci95_low,gap_ci95_high,\
         shortfall_ci95_low,shortfall_ci95_high"
    );
    let reference = Normal::new(SUM.mu, SUM.sigma).unwrap();
    let mut outside = 0;
    for line in lines {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let (q, value, low, high) = (f[0] / 100.0, f[1], f[3], f[4]);
        assert!(low <= value && value <= high, "{line}");
        // No mitigation: the shortfall's interval is the gap's.
        assert_eq!((f[5], f[6]), (low, high), "{line}");
        let truth = reference.inverse_cdf(q);
        if !(low..=high).contains(&truth) {
            outside += 1;
        }
    }
    // 95% intervals: of 99 (correlated) ones, a handful may miss; 20 would mean they are
    // far too narrow. (With this seed the count is fixed.)
    assert!(
        outside <= 12,
        "{outside} of 99 intervals miss the true quantile"
    );
}

#[test]
fn an_overflow_names_the_first_simulated_year_counted_from_one() {
    use gapsim::dist::Distribution;
    use gapsim::engine::{self, EngineError, RunConfig};
    use gapsim::model::Model;
    use gapsim::sample::Sampling;
    // A valid model, then a line that overflows (built by hand: `check` refuses it). Its
    // growth is 10^15 with a small chance, else 0, so the first year that overflows is
    // where that driver's stream first draws it.
    let text = "[meta]\nname = \"T\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
                net_budget = 100\n\n\
                [lines.l]\nkind = \"simple\"\nbase = 10\ngrowth = 0\nbudget = 10\n\
                source = \"assumption: test\"\n\n\
                [reserves.general_fund]\nkind = \"general_fund\"\namount = 1\n\
                source = \"assumption: test\"\n";
    let mut model = Model::from_toml("t.toml", text).unwrap().model;
    let id = model.driver_named("lines.l.growth").unwrap();
    model.drivers[id.0].dist = Distribution::discrete(&[0.0, 1e15], &[1.0 - 2e-5, 2e-5]).unwrap();
    if let gapsim::model::LineKind::Simple { base, .. } = &mut model.lines[0].kind {
        *base = rust_decimal::Decimal::from(1_000_000_000_000_000i64);
    }
    // Where the stream first draws 10^15: batch b, row i.
    let seed = 7;
    let mut first = None;
    'search: for b in 0..100u64 {
        let mut col = vec![0.0; engine::BATCH_SIZE];
        let mut rng = gapsim::sample::stream(seed, b, "lines.l.growth");
        model.drivers[id.0].dist.fill(&mut rng, &mut col);
        if let Some(i) = col.iter().position(|&x| x > 0.0) {
            first = Some(b * engine::BATCH_SIZE as u64 + i as u64);
            break 'search;
        }
    }
    let first = first.expect("the event happens within 100 batches");
    assert!(first >= engine::BATCH_SIZE as u64, "not in the first batch");
    let config = RunConfig {
        seed,
        iterations: 1_000_000,
        reserves: 1.0,
        sampling: Sampling::MonteCarlo,
    };
    let err = engine::run(
        &model,
        &config,
        &|_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap_err();
    let EngineError::NotFinite {
        iteration,
        item,
        span,
    } = &err
    else {
        panic!("not an overflow: {err:?}");
    };
    assert_eq!((*iteration, item.as_str()), (first, "the line `l`"));
    // Located at the line's name in its section header, for the command line to point at.
    let at = span.clone().expect("located");
    assert_eq!(&text[at.start - "[lines.".len()..at.end + 1], "[lines.l]");
    assert!(
        err.to_string()
            .starts_with(&format!("simulated year {} gave the line `l`", first + 1)),
        "{err}"
    );
}

#[test]
fn figures_agree_at_the_largest_amounts_a_model_holds() {
    // A £ model of about 10^14 (a line of £100 trillion varying by a few pounds in 10^14):
    // 4-byte per-year values kept 7 significant digits, so the mean fell outside the range
    // of the stored values and percentiles disagreed with it. Kept as f64, the mean lies in
    // [min, max], every percentile is in order inside it, and the spread is resolved.
    let text = "[meta]\nname = \"Huge\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£\"\n\
                net_budget = 400000000000000\n\n\
                [lines.l]\nkind = \"simple\"\nbase = 100000000000000\n\
                growth = { dist = \"normal\", mean = 0, sd = 0.0000000000001 }\n\
                budget = 100000000000000\nsource = \"assumption: test\"\n\n\
                [reserves.general_fund]\nkind = \"general_fund\"\namount = 25\n\
                source = \"assumption: test\"\n";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.toml");
    std::fs::write(&path, text).unwrap();
    let r = run(Some(&path), &["--iterations", "200000", "--seed", "38"]);
    let s = &r.summary;
    // Gap = 10^14 × N(0, 10^-13): normal with mean 0 and sd £10.
    for name in ["gap", "shortfall"] {
        let (min, mean, max) = (
            num(s, &format!("/{name}/min")),
            num(s, &format!("/{name}/mean")),
            num(s, &format!("/{name}/max")),
        );
        assert!(min <= mean && mean <= max, "{name}: {min} {mean} {max}");
        let mut before = min;
        for p in s[name]["percentiles"].as_array().unwrap() {
            let v = p["value"].as_f64().unwrap();
            assert!(before <= v && v <= max, "{name} P{}: {v}", p["p"]);
            before = v;
        }
    }
    let n = 200_000f64;
    assert_within(
        "gap mean",
        num(s, "/gap/mean"),
        0.0,
        10.0 / n.sqrt(),
        MC_SE_TOLERANCE,
    );
    assert_within(
        "gap sd",
        num(s, "/gap/sd"),
        10.0,
        10.0 / (2.0 * n).sqrt(),
        MC_SE_TOLERANCE,
    );
    // P95 of N(0, 10): 16.45, resolved to the penny (f32 steps here were £8 million).
    let p95 = s["gap"]["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["p"] == 95)
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    let se = (0.95f64 * 0.05 / n).sqrt() / (normal_pdf(1.644_853_6) / 10.0);
    assert_within("gap P95", p95, 16.448_536, se, MC_SE_TOLERANCE);
}

#[test]
fn a_standard_error_that_cannot_be_estimated_is_not_shown_as_zero() {
    // One simulated year: every spread is unknown, so no standard error is given, and the
    // terminal and the report say it is not known rather than print £0.0m.
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "1", "--seed", "39"],
    );
    let s = &r.summary;
    for pointer in [
        "/gap/mean_se",
        "/gap/sd_se",
        "/shortfall/mean_se",
        "/mitigation_used_se",
        "/s114/expected_excess_se",
        "/lines/0/expected_se",
        "/gap/percentiles/0/se",
    ] {
        assert!(s.pointer(pointer).is_none(), "{pointer} is given: {s}");
    }
    assert!(
        r.stdout.contains("Monte Carlo standard error not known"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("standard error £0"), "{}", r.stdout);
    let md = std::fs::read_to_string(r.dir.join("report.md")).unwrap();
    assert!(!md.contains("standard error £0"), "{md}");

    // Two simulated years: known, and not zero for a gap that varies.
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "2", "--seed", "39"],
    );
    assert!(num(&r.summary, "/gap/mean_se") > 0.0);
}

#[test]
fn the_excess_in_breach_years_has_a_standard_error_only_from_two_of_them() {
    // Reserves so high that a short run sees at most one breach: the conditional mean is
    // given, its standard error is not (the spread of one value is unknown).
    let text = std::fs::read_to_string(fixture("normal-sum.toml"))
        .unwrap()
        .replace("amount = 15", "amount = 24");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("high.toml");
    std::fs::write(&path, text).unwrap();
    let mut seen_one = false;
    for seed in 0..40 {
        let r = run(
            Some(&path),
            &["--iterations", "500", "--seed", &seed.to_string()],
        );
        let s = &r.summary;
        let breaches = num(s, "/s114/probability/count");
        let se = s.pointer("/s114/mean_excess_given_breach_se");
        match breaches as u64 {
            0 => assert!(se.is_none()),
            1 => {
                assert!(se.is_none(), "one breach: {s}");
                assert!(s.pointer("/s114/mean_excess_given_breach").is_some());
                seen_one = true;
                break;
            }
            _ => assert!(num(s, "/s114/mean_excess_given_breach_se") > 0.0),
        }
    }
    assert!(seen_one, "no seed gave exactly one breach");
}

#[test]
fn savings_percentiles_of_a_smooth_law_and_their_standard_errors_are_exact() {
    // One saving of 10 delivered in a uniform fraction: delivery is 10·U, so its P10 is
    // 1 and its P90 is 9, each with standard error √(q(1 − q)/n) / f = 30/√n (density
    // f = 1/10). The histogram's bins (0.01 wide) must not show through.
    let text = "[meta]\nname = \"T\"\ncouncil = \"T\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
                net_budget = 100\n\n\
                [savings.s]\namount = 10\nrecurring = true\n\
                delivered = { dist = \"uniform\", min = 0, max = 1 }\n\
                source = \"assumption: test\"\n\n\
                [reserves.general_fund]\nkind = \"general_fund\"\namount = 1\n\
                source = \"assumption: test\"\n";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("uniform.toml");
    std::fs::write(&path, text).unwrap();
    let r = run(
        Some(&path),
        &["--iterations", &N.to_string(), "--seed", "40"],
    );
    let s = &r.summary;
    let n = N as f64;
    for (field, q, exact) in [("p10", 0.1, 1.0), ("p90", 0.9, 9.0)] {
        let se = (q * (1.0 - q) / n).sqrt() * 10.0;
        assert_within(
            &format!("savings {field}"),
            num(s, &format!("/savings/{field}")),
            exact,
            se,
            MC_SE_TOLERANCE,
        );
        assert_se(
            &format!("savings {field}"),
            num(s, &format!("/savings/{field}_se")),
            se,
        );
    }
}

#[test]
fn each_correlated_pair_names_the_entry_that_sets_it_by_its_label() {
    // The built-in Kent model labels every [correlations.NAME] entry: each pair in
    // summary.json names its entry's label, and the report's table shows it.
    let r = run(None, &["--iterations", "20000"]);
    let md = std::fs::read_to_string(r.dir.join("report.md")).unwrap();
    let model = gapsim::model::Model::from_toml("kent", gapsim::DEFAULT_MODEL)
        .unwrap()
        .model;
    let pairs = r.summary["correlation"]["pairs"].as_array().unwrap();
    assert!(!pairs.is_empty());
    for p in pairs {
        let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
        let entry = model
            .correlation
            .entries
            .iter()
            .find(|e| {
                let has = |n: &str| e.drivers.iter().any(|&d| model.driver(d).name == n);
                has(a) && has(b)
            })
            .expect("every pair is set by an entry");
        assert_ne!(entry.label, entry.name, "Kent's entries are labelled");
        assert_eq!(p["set_by"], entry.label.as_str(), "{a} ~ {b}");
        let escaped = gapsim::report::markdown::text(&entry.label);
        // In the correlations table: the label beside the pair's target to three decimals.
        let target = format!("{:.3}", p["target"].as_f64().unwrap());
        assert!(
            md.lines()
                .any(|l| l.starts_with('|') && l.contains(&escaped) && l.contains(&target)),
            "the correlations table shows {escaped:?} with {target}"
        );
    }
}

#[test]
fn the_chart_histogram_bins_the_normal_gap_by_its_density() {
    // The distribution chart's histogram: 80 equal bins from the P0.1 to the P99.9 of the
    // gap (no mitigation, so the shortfall is the gap) in the run's pilot, its first
    // 100,000 years. Each bin holds n·(Φ(b) − Φ(a)) of all n years within 4 binomial
    // standard errors, and the two tails outside hold 0.1% each (to the precision of the
    // pilot's quantiles that bound them).
    let n = 400_000u64;
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &[
            "--iterations",
            &n.to_string(),
            "--seed",
            "41",
            "--no-charts",
        ],
    );
    let d = &r.summary["distributions"];
    let (start, width) = (num(d, "/bin_start"), num(d, "/bin_width"));
    let p1 = r.percentiles.first().unwrap().1;
    assert!(start < p1, "the bins start below P1");
    let reference = Normal::new(SUM.mu, SUM.sigma).unwrap();
    // The range is the pilot's P0.1 to P99.9: within 4 standard errors (over the pilot's
    // years) of the true ones.
    let pilot = gapsim::engine::PILOT_YEARS as f64;
    let q = |p: f64| reference.inverse_cdf(p);
    let q_se = |p: f64| {
        (p * (1.0 - p) / pilot).sqrt() / (normal_pdf((q(p) - SUM.mu) / SUM.sigma) / SUM.sigma)
    };
    assert_within("bins start", start, q(0.001), q_se(0.001), MC_SE_TOLERANCE);
    assert_within(
        "bins end",
        start + 80.0 * width,
        q(0.999),
        q_se(0.999),
        MC_SE_TOLERANCE,
    );
    let counts = d["gap_counts"].as_array().unwrap();
    assert_eq!(counts.len(), 80);
    let nf = n as f64;
    for (k, c) in counts.iter().enumerate() {
        let (a, b) = (start + k as f64 * width, start + (k + 1) as f64 * width);
        let p = reference.cdf(b) - reference.cdf(a);
        let se = (nf * p * (1.0 - p)).sqrt();
        assert_within(
            &format!("bin {k}"),
            c.as_f64().unwrap(),
            nf * p,
            se,
            MC_SE_TOLERANCE,
        );
    }
    assert_eq!(d["shortfall_counts"], d["gap_counts"]);
}
