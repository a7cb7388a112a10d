//! Properties over generated models (proptest): any model `check` accepts runs without a
//! panic and with figures that agree with each other; any model it rejects gets errors that
//! point inside the file. Models are generated as TOML text from a small grammar of budget
//! items with plausible and implausible figures, then often damaged at one character, so
//! both sides of the check are exercised.

use std::sync::atomic::AtomicBool;

use gapsim::engine::{self, RunConfig};
use gapsim::model::{Model, Severity, diagnostic};
use gapsim::sample::Sampling;
use gapsim::stats::{self, Provenance, Summary};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// A distribution table, inline, in TOML, whose values lie in [lo, hi] (the range of the
/// role it is used in), with its parameters in order; `damage` then sometimes breaks it.
fn distribution(lo: f64, hi: f64) -> impl Strategy<Value = String> {
    let x = move || lo..hi;
    let w = hi - lo;
    let sorted = move || {
        (x(), x(), x()).prop_map(|(a, b, c)| {
            let mut v = [a, b, c];
            v.sort_by(f64::total_cmp);
            v
        })
    };
    prop_oneof![
        x().prop_map(|v| format!("{{ dist = \"fixed\", value = {v} }}")),
        sorted().prop_map(|[a, _, b]| format!(
            "{{ dist = \"uniform\", min = {a}, max = {} }}",
            b + 1e-3
        )),
        (x(), 0.001f64..0.2).prop_map(move |(m, s)| format!(
            "{{ dist = \"normal\", mean = {m}, sd = {}, min = {lo}, max = {hi} }}",
            s * w
        )),
        sorted().prop_map(|[a, m, b]| format!(
            "{{ dist = \"triangular\", min = {a}, mode = {m}, max = {} }}",
            b + 1e-3
        )),
        sorted().prop_map(|[a, m, b]| format!(
            "{{ dist = \"pert\", min = {a}, mode = {m}, max = {} }}",
            b + 1e-3
        )),
        (0.05f64..0.95, 0.01f64..0.2).prop_map(move |(m, s)| format!(
            "{{ dist = \"beta\", mean = {m}, sd = {s}, min = {lo}, max = {hi} }}"
        )),
        (x(), x(), 0.0f64..1.0).prop_map(|(a, b, p)| format!(
            "{{ dist = \"discrete\", values = [{a}, {b}], probabilities = [{p}, {}] }}",
            1.0 - p
        )),
    ]
}

/// A lognormal (for amounts: capacities, impacts), by median and p90.
fn lognormal() -> impl Strategy<Value = String> {
    (0.1f64..50.0, 1.01f64..3.0)
        .prop_map(|(m, r)| format!("{{ dist = \"lognormal\", median = {m}, p90 = {} }}", m * r))
}

/// A field that takes a driver in [lo, hi]: a number, a declared driver's name (declared
/// drivers are growth rates), or a distribution.
fn input(declared: usize, lo: f64, hi: f64) -> impl Strategy<Value = String> {
    prop_oneof![
        (lo..hi).prop_map(|v| format!("{v}")),
        (0..declared.max(1)).prop_map(|i| format!("\"d{i}\"")),
        distribution(lo, hi),
    ]
}

/// Growth rates, fractions delivered, months late, amounts.
fn growth(declared: usize) -> impl Strategy<Value = String> {
    input(declared, -0.3, 0.6)
}

fn amount(declared: usize) -> impl Strategy<Value = String> {
    prop_oneof![input(declared, 0.0, 0.6), lognormal()]
}

fn line(k: usize, declared: usize) -> impl Strategy<Value = String> {
    let budget = 0.0f64..500.0;
    prop_oneof![
        (0.0f64..500.0, growth(declared), budget.clone()).prop_map(move |(base, g, b)| format!(
            "[lines.l{k}]\nkind = \"simple\"\nbase = {base}\ngrowth = {g}\nbudget = {b}\n\
             source = \"generated\"\n"
        )),
        (
            0u32..20_000,
            0.0f64..3_000.0,
            prop_oneof![Just(52), Just(190), Just(12)],
            growth(declared),
            growth(declared),
            budget.clone()
        )
            .prop_map(move |(c, u, p, d, g, b)| format!(
                "[lines.l{k}]\nkind = \"cohort\"\nclients = {c}\nunit_cost = {u}\nperiods = {p}\n\
                 demand = {d}\ncost = {g}\nbudget = {b}\nsource = \"generated\"\n"
            )),
        (0.0f64..1.0, amount(declared), budget).prop_map(move |(p, i, b)| format!(
            "[lines.l{k}]\nkind = \"risk\"\nprobability = {p}\nimpact = {i}\nbudget = {b}\n\
             source = \"generated\"\n"
        )),
    ]
}

fn saving(k: usize) -> impl Strategy<Value = String> {
    (
        0.0f64..50.0,
        any::<bool>(),
        0.0f64..1.0,
        distribution(0.0, 1.0),
        distribution(0.0, 12.0),
    )
        .prop_map(move |(a, r, p, d, s)| {
            format!(
                "[savings.s{k}]\namount = {a}\nrecurring = {r}\nprobability = {p}\n\
                 delivered = {d}\nslippage = {s}\nsource = \"generated\"\n"
            )
        })
}

/// A whole model file.
fn model() -> impl Strategy<Value = String> {
    (0usize..4, 1usize..5, 0usize..4, 0usize..3).prop_flat_map(|(nd, nl, ns, nm)| {
        (
            prop_oneof![Just("£m"), Just("£")],
            proptest::collection::vec(distribution(-0.3, 0.6), nd),
            (0..nl).map(|k| line(k, nd)).collect::<Vec<_>>(),
            (0..ns).map(saving).collect::<Vec<_>>(),
            proptest::collection::vec(amount(nd), nm),
            0.0f64..200.0,
            proptest::option::of(-0.9f64..0.9),
        )
            .prop_map(
                move |(unit, drivers, lines, savings, mitigations, reserves, rank)| {
                    let mut t = format!(
                        "[meta]\nname = \"Generated\"\ncouncil = \"Test\"\nyear = \"2024/25\"\n\
                     unit = \"{unit}\"\nnet_budget = 1000\n\n"
                    );
                    for (i, d) in drivers.iter().enumerate() {
                        // A declared driver is the inline table's fields as a section.
                        let body = d.trim_start_matches("{ ").trim_end_matches(" }");
                        t.push_str(&format!(
                            "[drivers.d{i}]\n{}\nsource = \"generated\"\n\n",
                            body.replace(", ", "\n")
                        ));
                    }
                    for l in &lines {
                        t.push_str(l);
                        t.push('\n');
                    }
                    for s in &savings {
                        t.push_str(s);
                        t.push('\n');
                    }
                    for (i, m) in mitigations.iter().enumerate() {
                        t.push_str(&format!(
                            "[mitigation.m{i}]\ncapacity = {m}\nsource = \"generated\"\n\n"
                        ));
                    }
                    t.push_str(&format!(
                        "[reserves.general_fund]\nkind = \"general_fund\"\namount = {reserves}\n\
                     source = \"generated\"\n\n"
                    ));
                    if let (Some(rank), true) = (rank, drivers.len() >= 2) {
                        t.push_str(&format!(
                            "[correlations.c]\ndrivers = [\"d0\", \"d1\"]\nrank = {rank}\n\
                         source = \"generated\"\n"
                        ));
                    }
                    t
                },
            )
    })
}

/// The model, possibly damaged: one character replaced by another from a set that
/// breaks syntax, numbers, names or quotes.
fn damaged() -> impl Strategy<Value = String> {
    (model(), any::<prop::sample::Index>(), 0usize..12, 0usize..3).prop_map(
        |(text, at, with, keep)| {
            if keep > 0 {
                return text;
            }
            let chars: Vec<char> = text.chars().collect();
            let i = at.index(chars.len());
            let replacement = ['=', '"', '[', '-', '9', 'e', ',', '\n', '.', 'x', '}', '%'][with];
            chars
                .iter()
                .enumerate()
                .map(|(j, &c)| if j == i { replacement } else { c })
                .collect()
        },
    )
}

fn provenance() -> Provenance {
    Provenance {
        file: "generated.toml".into(),
        sha256: String::new(),
        program: "gapsim test".into(),
        reserves_overridden: false,
        precision: None,
    }
}

/// The figures of a summary agree with each other.
fn assert_consistent(s: &Summary, text: &str) {
    for (name, spread) in [("gap", &s.gap), ("shortfall", &s.shortfall)] {
        assert!(
            spread.min <= spread.mean && spread.mean <= spread.max,
            "{name}: mean outside its range\n{text}"
        );
        let mut before = spread.min;
        for p in &spread.percentiles {
            assert!(
                before <= p.value && p.value <= spread.max,
                "{name}: P{} out of order\n{text}",
                p.p
            );
            assert!(p.ci95_low <= p.value && p.value <= p.ci95_high, "{text}");
            before = p.value;
        }
        assert!(spread.sd >= Decimal::ZERO);
        assert!(
            spread.mean_se.is_some_and(|se| se >= Decimal::ZERO),
            "{text}"
        );
    }
    // Mitigation only lowers the gap, by what it uses: gap = shortfall + mitigation used,
    // each mean rounded to the summary's precision (£100 in £m, 1p in £).
    let rounding = if s.model.unit == "£m" {
        Decimal::new(2, 4)
    } else {
        Decimal::new(2, 2)
    };
    assert!(
        (s.gap.mean - s.shortfall.mean - s.mitigation_used).abs() <= rounding,
        "gap {} ≠ shortfall {} + mitigation {}\n{text}",
        s.gap.mean,
        s.shortfall.mean,
        s.mitigation_used
    );
    assert!(s.shortfall.max <= s.gap.max && s.shortfall.min <= s.gap.min.max(Decimal::ZERO));
    // Breaching reserves implies drawing on them, which implies a gap.
    let (breach, draw, gap) = (
        s.s114.probability.estimate,
        s.p_drawing_on_reserves.estimate,
        s.gap.p_positive.estimate,
    );
    assert!(
        breach <= draw && draw <= gap,
        "{breach} {draw} {gap}\n{text}"
    );
    assert!(s.savings.min <= s.savings.mean && s.savings.mean <= s.savings.max);
    assert!(s.savings.mean <= s.savings.planned);
    for row in s.percentiles.windows(2) {
        assert!(row[0].gap <= row[1].gap && row[0].shortfall <= row[1].shortfall);
    }
}

/// Checks one generated file: accepted ⇒ runs and agrees; rejected ⇒ located errors.
fn check(text: &str) {
    match Model::from_toml("generated.toml", text) {
        Err(e) => {
            assert!(
                e.diagnostics.iter().any(|d| d.severity == Severity::Error),
                "rejected without an error\n{text}"
            );
            for d in e
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
            {
                let span = d.span.as_ref().expect("every error is located");
                assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
            }
            let rendered = diagnostic::render(&e.file, &e.text, &e.diagnostics);
            assert!(rendered.contains("generated.toml:"), "{rendered}");
        }
        Ok(loaded) => {
            let model = &loaded.model;
            for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
                let config = RunConfig {
                    seed: 3,
                    iterations: 2_000,
                    reserves: model.usable_reserves().to_f64().unwrap(),
                    sampling,
                };
                let mut r = engine::run(model, &config, &|_| {}, &AtomicBool::new(false))
                    .unwrap_or_else(|e| {
                        panic!("check accepted it, but the run failed: {e}\n{text}")
                    });
                let s = stats::summarize(model, &config, &provenance(), &mut r);
                assert_consistent(&s, text);
                // What `gapsim report` would check of it: a genuine summary always passes.
                let problems = gapsim::audit::summary(&s, model);
                assert!(problems.is_empty(), "{problems:?}\n{text}");
            }
        }
    }
}

#[test]
fn accepted_models_run_and_agree_and_rejected_ones_are_located() {
    // A fixed seed, so the suite sees the same models on every run (proptest's own
    // persistence of failures is off: a failure prints its model in full).
    let config = Config {
        cases: 1000,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let accepted = std::cell::Cell::new(0u32);
    runner
        .run(&damaged(), |text| {
            if Model::from_toml("generated.toml", &text).is_ok() {
                accepted.set(accepted.get() + 1);
            }
            check(&text);
            Ok(())
        })
        .unwrap();
    eprintln!("{} of 1000 generated models accepted", accepted.get());
    // Both sides of the check were exercised.
    assert!(
        (250..900).contains(&accepted.get()),
        "{} of 1000 generated models accepted",
        accepted.get()
    );
}
