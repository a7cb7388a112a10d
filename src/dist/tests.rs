use super::*;

#[test]
fn samplers_are_pinned() {
    // Value stability: the first draws of each sampler for a fixed stream, to the bit.
    // A change here silently changes every published figure, so it must be deliberate
    // (and noted in the changelog), never a side effect of a dependency.
    let cases: [(&str, Distribution, [u64; 3]); 7] = [
        (
            "normal",
            Distribution::normal(0.03, 0.01, None, None).unwrap(),
            [
                4585603806021481482,
                4583820597999461938,
                4586468703844283854,
            ],
        ),
        (
            "pert",
            Distribution::pert(0.4, 0.85, 1.0, None).unwrap(),
            [
                4606993326108066115,
                4605562769993844482,
                4606666500670233368,
            ],
        ),
        (
            "lognormal",
            Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap(),
            [
                4607856175746016179,
                4608557779702960514,
                4613536696388762572,
            ],
        ),
        (
            "beta",
            Distribution::beta(0.3, 0.5, None, None).unwrap(),
            [
                4589562006048118225,
                4592113327800737965,
                4595122668464654040,
            ],
        ),
        (
            "triangular",
            Distribution::triangular(2.0, 6.0, 15.0).unwrap(),
            [
                4622347940814174442,
                4621237835762073981,
                4617403942210079294,
            ],
        ),
        (
            "truncated normal",
            Distribution::normal(0.0, 0.03, Some(-0.1), Some(0.1)).unwrap(),
            [
                13803193105786514770,
                13801355557114485087,
                13801053689385772007,
            ],
        ),
        (
            "bernoulli",
            Distribution::bernoulli(0.5).unwrap(),
            [4607182418800017408, 4607182418800017408, 0],
        ),
    ];
    for (name, d, pinned) in cases {
        let mut x = [0.0; 3];
        d.fill(&mut crate::sample::stream(1, 0, name), &mut x);
        assert_eq!(x.map(f64::to_bits), pinned, "{name}");
    }
}

#[test]
fn parameter_errors_name_the_parameter() {
    let e = Distribution::normal(0.0, -1.0, None, None).unwrap_err();
    assert_eq!(e.param(), "sd");
    let e = Distribution::triangular(3.0, 1.0, 5.0).unwrap_err();
    assert!(matches!(
        e,
        DistError::Order {
            lower: "min",
            upper: "mode",
            ..
        }
    ));
    let e = Distribution::pert(0.0, 6.0, 5.0, None).unwrap_err();
    assert!(matches!(
        e,
        DistError::Order {
            lower: "mode",
            upper: "max",
            ..
        }
    ));
    let e = Distribution::bernoulli(1.3).unwrap_err();
    assert_eq!(
        e,
        DistError::NotProbability {
            param: "p",
            value: 1.3
        }
    );
    assert!(Distribution::discrete(&[1.0, 2.0], &[0.5, 0.4]).is_err());
    assert!(Distribution::beta_mean_sd(0.5, 0.6, None, None).is_err());
    assert!(Distribution::normal(0.0, 1.0, Some(40.0), Some(41.0)).is_err());
}

#[test]
fn lognormal_median_p90_puts_those_quantiles_where_asked() {
    let d = Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap();
    assert!((d.quantile(0.5) - 2.0).abs() < 1e-12);
    assert!((d.quantile(0.9) - 5.0).abs() < 1e-10);
}

#[test]
fn pert_has_the_textbook_mean() {
    // PERT mean = (min + 4·mode + max) / 6 when shape = 4.
    let d = Distribution::pert(0.4, 0.85, 1.0, None).unwrap();
    assert!((d.mean() - (0.4 + 4.0 * 0.85 + 1.0) / 6.0).abs() < 1e-12);
}

#[test]
fn quantiles_of_discrete_and_bernoulli_follow_the_cdf() {
    let d = Distribution::discrete(&[10.0, 20.0, 30.0], &[0.2, 0.5, 0.3]).unwrap();
    assert_eq!(d.quantile(0.1), 10.0);
    assert_eq!(d.quantile(0.2), 10.0);
    assert_eq!(d.quantile(0.2000001), 20.0);
    assert_eq!(d.quantile(0.99), 30.0);
    let b = Distribution::bernoulli(0.3).unwrap();
    assert_eq!(b.quantile(0.69), 0.0);
    assert_eq!(b.quantile(0.71), 1.0);
}

#[test]
fn far_upper_tail_truncation_keeps_precision() {
    // N(0,1) on [6.5, 7.5]: the CDF there is 1 − 4e-11, which keeps only five
    // significant digits unless the interval is reflected into the lower tail.
    let d = Distribution::normal(0.0, 1.0, Some(6.5), Some(7.5)).unwrap();
    let (lo, hi) = d.support();
    for u in [1e-9, 0.25, 0.5, 0.75, 1.0 - 1e-9] {
        let x = d.quantile(u);
        assert!((lo..=hi).contains(&x), "{x}");
    }
    assert!(d.quantile(0.25) < d.quantile(0.75));
    // Mass concentrates near the lower bound: (φ(6.5) − φ(7.5)) / (Q(6.5) − Q(7.5)).
    assert!((d.mean() - 6.646_520_8).abs() < 1e-6, "{}", d.mean());
    // The median of the truncated law: Q(m) = (Q(6.5) + Q(7.5)) / 2.
    assert!(
        (d.quantile(0.5) - 6.603_368_4).abs() < 1e-6,
        "{}",
        d.quantile(0.5)
    );
}

#[test]
fn discrete_values_in_any_order_give_the_same_law() {
    // Listed out of order, 35 first: quantile(0.1) must be the smallest value (10), not
    // the first listed, so that quantile inverts cdf.
    let d = Distribution::discrete(&[35.0, 10.0, 20.0], &[0.3, 0.2, 0.5]).unwrap();
    let sorted = Distribution::discrete(&[10.0, 20.0, 35.0], &[0.2, 0.5, 0.3]).unwrap();
    for u in [0.05, 0.1, 0.2, 0.21, 0.5, 0.69, 0.71, 0.99] {
        assert_eq!(d.quantile(u), sorted.quantile(u), "u = {u}");
        assert!(d.cdf(d.quantile(u)) >= u, "u = {u}");
    }
    assert_eq!(d.quantile(0.1), 10.0);
    // Equal values are one value, with their probabilities added.
    let tied = Distribution::discrete(&[5.0, 1.0, 5.0], &[0.25, 0.5, 0.25]).unwrap();
    assert_eq!(tied.describe(), "discrete(1 w.p. 0.5, 5 w.p. 0.5)");
    assert_eq!(tied.quantile(0.4), 1.0);
    assert_eq!(tied.quantile(0.6), 5.0);
}

/// A generator that always returns the same word.
struct Constant(u64);

impl rand::TryRng for Constant {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0 as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(0xFF);
        Ok(())
    }
}

#[test]
fn uniform_draws_never_reach_0_or_1() {
    // The top word's (k + ½)·2⁻⁵³ rounds to exactly 1.0 in floating point; a normal's
    // inverse CDF is infinite there.
    let top = open01(&mut Constant(u64::MAX));
    assert!(top < 1.0, "{top}");
    assert!(open01(&mut Constant(0)) > 0.0);
    let d = Distribution::normal(0.0, 1.0, None, None).unwrap();
    let mut x = [0.0; 2];
    d.fill(&mut Constant(u64::MAX), &mut x);
    assert!(x.iter().all(|v| v.is_finite()), "{x:?}");
    // The one below the top keeps its bits (the fix moves only the draw that hit 1).
    let below = open01(&mut Constant(u64::MAX - (1 << 11)));
    assert_eq!(below, ((u64::MAX >> 11) as f64 - 0.5) / (1u64 << 53) as f64);
}

#[test]
fn a_lognormal_truncated_far_in_its_upper_tail_has_the_right_mean() {
    // Median 1, p90 2 (σ = ln 2 / z₀.₉ = 0.5409), kept within [40, 200]: the bounds are
    // 6.82 and 9.80 standard deviations up (the mass between them is 4.6e-12), where
    // CDFs near 1 keep only a few digits of it.
    // Reference: Simpson's rule on the density, 200,000 intervals in ln x.
    let sigma = 2f64.ln() / normal_quantile(0.9);
    let d = Distribution::lognormal_median_p90(1.0, 2.0, Some(40.0), Some(200.0)).unwrap();
    let (a, b) = (40f64.ln(), 200f64.ln());
    let steps = 200_000;
    let h = (b - a) / f64::from(steps);
    let (mut mass, mut first) = (0.0, 0.0);
    for i in 0..=steps {
        let y = a + h * f64::from(i);
        let w = if i == 0 || i == steps {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        // Density of ln X (a normal), scaled by e^(z²/2) at the lower bound to keep
        // the numbers representable.
        let z = y / sigma;
        let f = (-(z * z - a * a / (sigma * sigma)) / 2.0).exp();
        mass += w * f;
        first += w * f * y.exp();
    }
    let mean = first / mass;
    assert!(
        ((d.mean() - mean) / mean).abs() < 1e-9,
        "{} vs {mean}",
        d.mean()
    );
    assert!(d.variance() > 0.0 && d.variance().is_finite());
    let (lo, hi) = d.support();
    assert!((lo - 40.0).abs() < 1e-9 && (hi - 200.0).abs() < 1e-9);
}

#[test]
fn describe_reads_back_the_parameters() {
    let d = Distribution::pert(0.03, 0.08, 0.2, None).unwrap();
    assert_eq!(d.describe(), "pert(min 0.03, mode 0.08, max 0.2)");
    let d = Distribution::normal(0.035, 0.01, Some(0.0), None).unwrap();
    assert_eq!(
        d.describe(),
        "normal(mean 0.035, sd 0.01) truncated to [0, inf]"
    );
}

#[test]
fn the_largest_spread_a_lognormal_error_suggests_is_the_largest_accepted() {
    // The fix names the largest sd (or p90) that keeps the 1 − 10⁻¹² point within
    // 10^15: just below it is accepted, just above it refused.
    let at_most = |e: DistError| -> f64 {
        let DistError::Extreme { fix, .. } = e else {
            panic!("not an extreme-parameter error: {e:?}");
        };
        let rest = fix.split("at most ").nth(1).expect("a largest value");
        let rest = rest.trim_start_matches("about ");
        rest.split(';')
            .next()
            .unwrap()
            .trim()
            .parse()
            .expect("a number")
    };
    // (With the mean fixed a wider spread lowers the median, so only large means have
    // a largest sd at all.)
    for mean in [1e10, 1e12, 1e13] {
        let sd = at_most(Distribution::lognormal_mean_sd(mean, 1e15, None, None).unwrap_err());
        assert!(Distribution::lognormal_mean_sd(mean, sd * 0.999, None, None).is_ok());
        assert!(Distribution::lognormal_mean_sd(mean, sd * 1.001, None, None).is_err());
    }
    for median in [0.01, 1.0, 300.0] {
        let e = Distribution::lognormal_median_p90(median, median * 1e6, None, None);
        let p90 = at_most(e.unwrap_err());
        assert!(Distribution::lognormal_median_p90(median, p90 * 0.999, None, None).is_ok());
        assert!(Distribution::lognormal_median_p90(median, p90 * 1.001, None, None).is_err());
    }
}

#[test]
fn the_cdf_of_every_family_matches_an_independent_reference() {
    // statrs for the underlying laws; truncation and scaling by hand. Points span the
    // support and beyond it on both sides.
    use statrs::distribution::{
        Beta as SBeta, ContinuousCDF, LogNormal as SLogNormal, Normal as SNormal,
        Triangular as STriangular,
    };
    let check = |name: &str, d: &Distribution, reference: &dyn Fn(f64) -> f64, lo: f64, hi: f64| {
        for k in 0..=60 {
            let x = lo + (hi - lo) * (f64::from(k) / 60.0);
            let (got, want) = (d.cdf(x), reference(x).clamp(0.0, 1.0));
            assert!((got - want).abs() < 1e-9, "{name} at {x}: {got} vs {want}");
        }
    };
    let n = SNormal::new(0.03, 0.04).unwrap();
    check(
        "normal",
        &Distribution::normal(0.03, 0.04, None, None).unwrap(),
        &|x| n.cdf(x),
        -0.2,
        0.3,
    );
    // Truncated in the body, and far in the upper tail (computed there from the other
    // side for precision).
    for (mean, sd, a, b) in [
        (0.03, 0.04, -0.02, 0.1),
        (0.0, 1.0, 2.0, 5.0),
        (0.0, 1.0, -5.0, -2.0),
    ] {
        let d = Distribution::normal(mean, sd, Some(a), Some(b)).unwrap();
        let n = SNormal::new(mean, sd).unwrap();
        let (pa, pb) = (n.cdf(a), n.cdf(b));
        let reference = |x: f64| {
            if x <= a {
                0.0
            } else if x >= b {
                1.0
            } else if a > mean {
                // In the upper tail, by survival functions (no cancellation).
                1.0 - (n.sf(x) - n.sf(b)) / (n.sf(a) - n.sf(b))
            } else {
                (n.cdf(x) - pa) / (pb - pa)
            }
        };
        check("truncated normal", &d, &reference, a - 1.0, b + 1.0);
    }
    let sigma = 2f64.ln() / normal_quantile(0.9);
    let ln = SLogNormal::new(0.0, sigma).unwrap();
    check(
        "lognormal",
        &Distribution::lognormal_median_p90(1.0, 2.0, None, None).unwrap(),
        &|x| if x <= 0.0 { 0.0 } else { ln.cdf(x) },
        -1.0,
        8.0,
    );
    let d = Distribution::lognormal_median_p90(1.0, 2.0, Some(0.5), Some(3.0)).unwrap();
    let (pa, pb) = (ln.cdf(0.5), ln.cdf(3.0));
    check(
        "truncated lognormal",
        &d,
        &|x| ((ln.cdf(x.max(1e-300)) - pa) / (pb - pa)).clamp(0.0, 1.0),
        0.0,
        4.0,
    );
    let t = STriangular::new(0.0, 1.0, 0.3).unwrap();
    check(
        "triangular",
        &Distribution::triangular(0.0, 0.3, 1.0).unwrap(),
        &|x| t.cdf(x),
        -0.5,
        1.5,
    );
    let t = STriangular::new(2.0, 7.0, 6.0).unwrap();
    check(
        "triangular",
        &Distribution::triangular(2.0, 6.0, 7.0).unwrap(),
        &|x| t.cdf(x),
        1.0,
        8.0,
    );
    // PERT(a, m, b): Beta(1 + 4(m − a)/(b − a), 1 + 4(b − m)/(b − a)) on [a, b].
    let (a, m, b) = (0.0, 0.04, 0.18);
    let beta = SBeta::new(1.0 + 4.0 * (m - a) / (b - a), 1.0 + 4.0 * (b - m) / (b - a)).unwrap();
    check(
        "pert",
        &Distribution::pert(a, m, b, None).unwrap(),
        &|x| beta.cdf(((x - a) / (b - a)).clamp(0.0, 1.0)),
        -0.05,
        0.25,
    );
    let beta = SBeta::new(2.0, 5.0).unwrap();
    check(
        "beta",
        &Distribution::beta(2.0, 5.0, Some(10.0), Some(20.0)).unwrap(),
        &|x| beta.cdf(((x - 10.0) / 10.0).clamp(0.0, 1.0)),
        8.0,
        22.0,
    );
    check(
        "uniform",
        &Distribution::uniform(-1.0, 3.0).unwrap(),
        &|x| (x + 1.0) / 4.0,
        -2.0,
        4.0,
    );
    check(
        "bernoulli",
        &Distribution::bernoulli(0.3).unwrap(),
        &|x| {
            if x < 0.0 {
                0.0
            } else if x < 1.0 {
                0.7
            } else {
                1.0
            }
        },
        -1.0,
        2.0,
    );
    check(
        "discrete",
        &Distribution::discrete(&[5.0, 1.0, 3.0], &[0.2, 0.5, 0.3]).unwrap(),
        &|x| {
            [(1.0, 0.5), (3.0, 0.3), (5.0, 0.2)]
                .iter()
                .filter(|(v, _)| *v <= x)
                .map(|(_, p)| p)
                .sum()
        },
        0.0,
        6.0,
    );
    check(
        "fixed",
        &Distribution::fixed(2.0).unwrap(),
        &|x| if x >= 2.0 { 1.0 } else { 0.0 },
        0.0,
        4.0,
    );
}

/// The laws the Latin hypercube's strata are tested on: a PERT, a skewed Beta unbounded at
/// both ends, a normal, a truncated normal, a lognormal (table families) and a triangular
/// (by the inverse CDF).
fn strata_cases() -> Vec<(&'static str, Distribution)> {
    vec![
        ("pert", Distribution::pert(0.4, 0.85, 1.0, None).unwrap()),
        ("beta", Distribution::beta(0.3, 0.5, None, None).unwrap()),
        (
            "normal",
            Distribution::normal(0.03, 0.01, None, None).unwrap(),
        ),
        (
            "truncated normal",
            Distribution::normal(0.0, 0.03, Some(-0.1), Some(0.02)).unwrap(),
        ),
        (
            "lognormal",
            Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap(),
        ),
        (
            "triangular",
            Distribution::triangular(2.0, 6.0, 15.0).unwrap(),
        ),
    ]
}

#[test]
fn latin_hypercube_values_follow_the_law_within_each_stratum() {
    // For n strata, a value drawn in stratum k has probability F(x) in [k/n, (k + 1)/n]
    // (to rounding), and its place there, n·F(x) − k, is uniform on [0, 1): pooled over
    // 8,000 fills of 16 wide strata (where the density varies across a stratum, so a
    // sampler that ignored it would show), the places' KS distance from the uniform stays
    // below its 0.001-level critical value 1.95/√N. For power: placing each value
    // uniformly in x within its stratum instead is beyond twice that for every one of them
    // (2.6 to 11 times, when written).
    let (n, fills) = (16usize, 8000);
    let critical = 1.95 / ((n * fills) as f64).sqrt();
    for (name, d) in strata_cases() {
        let mut rng = crate::sample::stream(3, 0, name);
        let mut strata = Vec::new();
        let mut column = vec![0.0; n];
        let (mut places, mut naive) = (Vec::new(), Vec::new());
        for _ in 0..fills {
            crate::sample::permutation_into(&mut rng, n, &mut strata);
            d.fill_strata(&mut rng, &strata, &mut column);
            for (k, &row) in strata.iter().enumerate() {
                let (x, k) = (column[row as usize], k as u32);
                let place = d.cdf(x) * n as f64 - f64::from(k);
                assert!(
                    (-1e-6..=1.0 + 1e-6).contains(&place),
                    "{name}: {x} is outside stratum {k} (place {place})"
                );
                places.push(place.clamp(0.0, 1.0));
                // The mistake the test must catch: uniform in x between the stratum's ends.
                let lo = d.quantile(f64::from(k) / n as f64);
                let hi = d.quantile((f64::from(k) + 1.0) / n as f64);
                let y = lo + (hi - lo) * open01(&mut rng);
                naive.push((d.cdf(y) * n as f64 - f64::from(k)).clamp(0.0, 1.0));
            }
        }
        let (got, wrong) = (ks_from_uniform(&mut places), ks_from_uniform(&mut naive));
        assert!(got < critical, "{name}: KS {got} ≥ {critical}");
        assert!(wrong > 2.0 * critical, "{name}: no power ({wrong})");
    }
}

#[test]
fn latin_hypercube_strata_are_pinned() {
    // Value stability of the strata sampler (see `samplers_are_pinned`): the first values
    // of a batch-length fill (the kept table) and of a shorter one (a table for the call),
    // to the bit, for a fixed permutation of the strata.
    let pinned: [(&str, [u64; 4]); 6] = [
        (
            "pert",
            [
                4607169021757197465,
                4605486365073616121,
                4607134805190255555,
                4605486052352775056,
            ],
        ),
        (
            "beta",
            [
                4607182418656930159,
                4598212428461669779,
                4607182413029297097,
                4598192712121079283,
            ],
        ),
        (
            "normal",
            [
                4589932114083547624,
                4584304021102803120,
                4589030898904358831,
                4584298514847558387,
            ],
        ),
        (
            "truncated normal",
            [
                4581420645189765875,
                13800085709738020502,
                4581409427757540100,
                13800090405934927738,
            ],
        ),
        (
            "lognormal",
            [
                4630037968507587012,
                4611685301981478618,
                4627688328290484986,
                4611673197372877694,
            ],
        ),
        (
            "triangular",
            [
                4624593473471500949,
                4619962305332194479,
                4624444727191772981,
                4619962524685893655,
            ],
        ),
    ];
    for ((name, d), (pinned_name, pinned)) in strata_cases().into_iter().zip(pinned) {
        assert_eq!(name, pinned_name);
        let mut got = Vec::new();
        for n in [STRATA_ROWS, 1000] {
            let mut rng = crate::sample::stream(1, 0, name);
            let strata: Vec<u32> = (0..n as u32).rev().collect();
            let mut column = vec![0.0; n];
            d.fill_strata(&mut rng, &strata, &mut column);
            got.extend([column[0], column[n / 2]].map(f64::to_bits));
        }
        assert_eq!(got, pinned, "{name}: {got:?}");
    }
}

#[test]
fn latin_hypercube_columns_of_zero_to_three_rows_stay_in_their_strata() {
    // The last batch of a run may hold one year: one stratum, the whole law.
    for (name, d) in strata_cases() {
        for n in 0..=3usize {
            let mut rng = crate::sample::stream(4, n as u64, name);
            let rows: Vec<u32> = (0..n as u32).rev().collect();
            let mut column = vec![f64::NAN; n];
            d.fill_strata(&mut rng, &rows, &mut column);
            for (k, &row) in rows.iter().enumerate() {
                let x = column[row as usize];
                let place = d.cdf(x) * n as f64 - k as f64;
                assert!(
                    x.is_finite() && (-1e-9..=1.0 + 1e-9).contains(&place),
                    "{name}, {n} rows: {x} outside stratum {k}"
                );
            }
        }
    }
}

/// One value of stratum `k` of the kept table of `d` (a table family, no affine map), as
/// [`Distribution::fill_strata`] draws it.
fn draw_in_kept_stratum(d: &Distribution, k: usize, rng: &mut impl Rng) -> f64 {
    let table = d.strata_table(STRATA_ROWS).expect("a table family");
    d.scaled_standard(table.draw_in(k, rng, &d.standard_inverse()))
}

/// The Kolmogorov–Smirnov distance of `u` (values in [0, 1]) from the uniform law.
pub(super) fn ks_from_uniform(u: &mut [f64]) -> f64 {
    u.sort_by(f64::total_cmp);
    let m = u.len() as f64;
    u.iter()
        .enumerate()
        .map(|(i, &v)| (v - i as f64 / m).abs().max(((i + 1) as f64 / m - v).abs()))
        .fold(0.0, f64::max)
}

#[test]
fn the_kept_strata_follow_the_law_within_each_stratum() {
    // The table every run of batches of 10,000 uses, stratum by stratum where it differs
    // most: the end strata (the inverse CDF, a Beta's power-law edge) and their neighbours,
    // and the middle. 20,000 values of each; their places n·F(x) − k uniform by KS at the
    // 0.001 level (1.95/√20,000), and every value inside its stratum.
    let n = STRATA_ROWS;
    let critical = 1.95 / 20_000f64.sqrt();
    let cases = [
        ("pert", Distribution::pert(0.4, 0.85, 1.0, None).unwrap()),
        ("beta", Distribution::beta(0.3, 0.5, None, None).unwrap()),
        (
            "steep beta",
            Distribution::beta(30.0, 2.0, None, None).unwrap(),
        ),
        (
            "normal",
            Distribution::normal(0.03, 0.01, None, None).unwrap(),
        ),
        (
            "truncated normal",
            Distribution::normal(0.0, 1.0, Some(3.0), None).unwrap(),
        ),
        (
            "lognormal",
            Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap(),
        ),
    ];
    for (name, d) in cases {
        for k in [0, 1, 2, n / 2, n - 3, n - 2, n - 1] {
            let mut rng = crate::sample::stream(6, k as u64, name);
            let mut places: Vec<f64> = (0..20_000)
                .map(|_| {
                    let x = draw_in_kept_stratum(&d, k, &mut rng);
                    let place = d.cdf(x) * n as f64 - k as f64;
                    assert!(
                        (-1e-6..=1.0 + 1e-6).contains(&place),
                        "{name}: {x} outside stratum {k}"
                    );
                    place.clamp(0.0, 1.0)
                })
                .collect();
            let ks = ks_from_uniform(&mut places);
            assert!(ks < critical, "{name}, stratum {k}: KS {ks} ≥ {critical}");
        }
    }
}
