//! `shift` and `scale`: a moved law against its transformed CDF, and a moved driver's
//! values through the sampler and the engine, both samplers, against the unmoved ones.

use std::sync::atomic::AtomicBool;

use gapsim::dist::{Distribution, open01};
use gapsim::engine::{self, BATCH_SIZE, RunConfig};
use gapsim::model::Model;
use gapsim::sample::{Sampler, Sampling, stream};
use statrs::distribution::{ContinuousCDF, LogNormal};

use crate::common::{KS_ALPHA, ks_p_value, ks_statistic};

const KS_DRAWS: usize = 100_000;

#[test]
fn a_scaled_lognormal_passes_a_ks_test_against_its_transformed_cdf() {
    // 2.5 × lognormal(median 2, p90 5) + 1: P(Y <= y) = F((y − 1)/2.5), F from statrs.
    let sigma = (5f64 / 2.0).ln() / 1.281_551_565_544_600_5;
    let f = LogNormal::new(2f64.ln(), sigma).unwrap();
    let (scale, shift) = (2.5, 1.0);
    let cdf = |y: f64| {
        let x = (y - shift) / scale;
        if x <= 0.0 { 0.0 } else { f.cdf(x) }
    };
    let d = Distribution::lognormal_median_p90(2.0, 5.0, None, None)
        .unwrap()
        .affine(scale, shift)
        .unwrap();
    let mut x = vec![0.0; KS_DRAWS];
    d.fill(&mut stream(31, 0, "moved lognormal"), &mut x);
    let stat = ks_statistic(&mut x, cdf);
    let p = ks_p_value(stat, KS_DRAWS);
    assert!(p > KS_ALPHA, "fill: KS D = {stat:.5}, p = {p:.2e}");
    let mut rng = stream(32, 0, "moved lognormal");
    for v in x.iter_mut() {
        *v = d.quantile(open01(&mut rng));
    }
    let stat = ks_statistic(&mut x, cdf);
    let p = ks_p_value(stat, KS_DRAWS);
    assert!(p > KS_ALPHA, "quantile: KS D = {stat:.5}, p = {p:.2e}");
    // And the library's own CDF is that transformed CDF (to the agreement of the two
    // normal CDFs and of σ, whose z(0.9) is written here to 17 digits).
    for y in [1.5, 3.0, 6.0, 13.5, 40.0] {
        let (got, want) = (d.cdf(y), cdf(y));
        assert!((got - want).abs() < 1e-9, "cdf at {y}: {got} vs {want}");
    }
}

/// A model whose drivers `{MOVE}` marks: one declared, one inline, one fixed, and a
/// correlated pair (one moved).
const MODEL: &str = r#"[meta]
name = "Moved"
council = "Test"
year = "2024/25"
unit = "£m"
net_budget = 100
[drivers.pay]
dist = "normal"
mean = 0.03
sd = 0.01
source = "assumption: test"
{PAY}
[drivers.prices]
dist = "pert"
min = 0.0
mode = 0.02
max = 0.08
source = "assumption: test"
{PRICES}
[drivers.level]
dist = "fixed"
value = 0.01
source = "assumption: test"
{LEVEL}
[drivers.fees]
dist = "lognormal"
median = 0.03
p90 = 0.05
source = "assumption: test"

[lines.staff]
kind = "simple"
base = 50
growth = ["pay", "level"]
budget = 51
source = "assumption: test"

[lines.contracts]
kind = "simple"
base = 30
growth = ["prices", "fees"]
budget = 31
source = "assumption: test"

[savings.plan]
amount = 2
recurring = true
probability = 0.8
delivered = { dist = "triangular", min = 0.5, mode = 0.9, max = 1.0 {DELIVERED}}
source = "assumption: test"

[correlations.inflation]
drivers = ["prices", "fees"]
rank = 0.5
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;

/// (driver, its key in MODEL, the lines that move it, scale, shift)
const MOVES: [(&str, &str, &str, f64, f64); 4] = [
    ("pay", "{PAY}", "shift = 0.02\n", 1.0, 0.02),
    (
        "prices",
        "{PRICES}",
        "scale = 1.25\nshift = \"-0.5%\"\n",
        1.25,
        -0.005,
    ),
    ("level", "{LEVEL}", "shift = 0.01\n", 1.0, 0.01),
    (
        "savings.plan.delivered",
        "{DELIVERED}",
        ", scale = 0.9 ",
        0.9,
        0.0,
    ),
];

fn model(moved: bool) -> Model {
    let mut text = MODEL.to_string();
    for (_, key, lines, ..) in MOVES {
        text = text.replace(key, if moved { lines } else { "" });
    }
    Model::from_toml("moved.toml", &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

#[test]
fn a_moved_driver_draws_the_unmoved_values_moved_once_by_either_sampler() {
    let (plain, moved) = (model(false), model(true));
    for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
        let columns = |m: &Model| {
            let mut cols = vec![vec![0.0; BATCH_SIZE]; m.drivers.len()];
            Sampler::new(m, sampling).unwrap().fill(5, 2, &mut cols);
            cols
        };
        let (a, b) = (columns(&plain), columns(&moved));
        for (name, _, _, scale, shift) in MOVES {
            let i = plain.driver_named(name).unwrap().0;
            assert_eq!(moved.driver_named(name).unwrap().0, i);
            for (r, (&v, &w)) in a[i].iter().zip(&b[i]).enumerate() {
                // A correlated driver's column is reordered by its ranks, which the map
                // keeps, so its rows line up too.
                assert_eq!(
                    w.to_bits(),
                    (scale * v + shift).to_bits(),
                    "{sampling:?} {name} row {r}: {v} moved is {w}"
                );
            }
        }
        // The drivers left alone draw the very same values (common random numbers).
        let fees = plain.driver_named("fees").unwrap().0;
        assert_eq!(a[fees], b[fees], "{sampling:?} fees");
    }
}

/// One line, base 50 × (1 + pay), budget 51: its gap is 50·pay − 1.
const ONE_LINE: &str = r#"[meta]
name = "One line"
council = "Test"
year = "2024/25"
unit = "£m"
net_budget = 100
[drivers.pay]
dist = "normal"
mean = 0.03
sd = 0.01
source = "assumption: test"
{MOVE}
[lines.staff]
kind = "simple"
base = 50
growth = "pay"
budget = 51
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;

#[test]
fn a_moved_driver_moves_the_gap_in_every_simulated_year() {
    let load = |moved: &str| {
        Model::from_toml("one.toml", &ONE_LINE.replace("{MOVE}", moved))
            .unwrap_or_else(|e| panic!("{e}"))
            .model
    };
    let (plain, moved) = (load(""), load("scale = 1.5\nshift = \"2%\"\n"));
    for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
        let config = RunConfig {
            seed: 9,
            iterations: 2 * BATCH_SIZE as u64,
            reserves: 1.0,
            sampling,
        };
        let run = |m: &Model| engine::run(m, &config, &|_| {}, &AtomicBool::new(false)).unwrap();
        let (a, b) = (run(&plain), run(&moved));
        assert_eq!(a.gap.len(), b.gap.len());
        // pay becomes 1.5·pay + 0.02 in every year, so the gap 50·pay − 1 becomes
        // 1.5·(gap + 1) + 1 − 1, up to the rounding of a few operations on numbers near 1.
        for (r, (&g, &h)) in a.gap.iter().zip(&b.gap).enumerate() {
            let expected = 1.5 * (g + 1.0) + 1.0 - 1.0;
            assert!(
                (h - expected).abs() < 1e-12,
                "{sampling:?} year {r}: gap {h}, expected {expected} from {g}"
            );
        }
        // The slope is per unit of the driver's value, taken at its (moved) mean: 50.
        assert!((b.slopes[0] - 50.0).abs() < 1e-6, "{:?}", b.slopes);
    }
}
