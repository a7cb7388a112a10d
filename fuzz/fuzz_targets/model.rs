//! Any bytes as a model file: reading and checking never panic; a rejected file has at
//! least one error, every diagnostic points inside the file, and rendering them never
//! panics; an accepted file runs (a short run) and its summary's figures agree with each
//! other and pass the audit `gapsim report` applies to a run folder.
#![no_main]

use std::sync::atomic::AtomicBool;

use gapsim::engine::{self, RunConfig};
use gapsim::model::{LoadOptions, Model, Severity, diagnostic};
use gapsim::sample::Sampling;
use gapsim::stats::{self, Provenance};
use libfuzzer_sys::fuzz_target;
use rust_decimal::prelude::ToPrimitive;

fuzz_target!(|data: &[u8]| {
    let text = match Model::text_from_bytes("fuzz.toml", data) {
        Ok(text) => text,
        Err(e) => {
            assert_eq!(e.diagnostics.len(), 1);
            let _ = diagnostic::render(&e.file, &e.text, &e.diagnostics);
            return;
        }
    };
    for repair_correlation in [false, true] {
        let options = LoadOptions {
            repair_correlation,
            ..LoadOptions::default()
        };
        match Model::from_toml_with("fuzz.toml", &text, &options) {
            Err(e) => {
                assert!(
                    e.diagnostics.iter().any(|d| d.severity == Severity::Error),
                    "a rejected model has an error"
                );
                for d in &e.diagnostics {
                    if let Some(span) = &d.span {
                        assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
                    }
                }
                let _ = diagnostic::render(&e.file, &e.text, &e.diagnostics);
            }
            Ok(loaded) => {
                let model = &loaded.model;
                let _ = diagnostic::render("fuzz.toml", &text, &loaded.warnings);
                let reserves = model.usable_reserves().to_f64().unwrap_or(0.0);
                for sampling in [Sampling::MonteCarlo, Sampling::LatinHypercube] {
                    let config = RunConfig {
                        seed: 1,
                        iterations: 64,
                        reserves,
                        sampling,
                    };
                    let mut result =
                        engine::run(model, &config, &|_| {}, &AtomicBool::new(false))
                            .expect("a model that check accepts runs");
                    let provenance = Provenance {
                        file: "fuzz.toml".into(),
                        sha256: String::new(),
                        program: "gapsim fuzz".into(),
                        reserves_overridden: false,
                        precision: None,
                    };
                    let summary = stats::summarize(model, &config, &provenance, &mut result);
                    check_summary(&summary);
                    // What `gapsim report` checks: a genuine summary always passes.
                    let problems = gapsim::audit::summary(&summary, model);
                    assert!(problems.is_empty(), "{problems:?}");
                }
            }
        }
    }
});

/// The figures agree with each other.
fn check_summary(s: &stats::Summary) {
    for spread in [&s.gap, &s.shortfall] {
        assert!(spread.min <= spread.mean && spread.mean <= spread.max, "{spread:?}");
        let mut before = spread.min;
        for p in &spread.percentiles {
            assert!(before <= p.value && p.value <= spread.max, "{spread:?}");
            before = p.value;
        }
    }
    let p = &s.s114.probability;
    assert!((0.0..=1.0).contains(&p.estimate) && p.ci95_low <= p.estimate);
    assert!(p.estimate <= p.ci95_high);
    assert!(s.savings.min <= s.savings.mean && s.savings.mean <= s.savings.max);
}
