//! Any bytes as a monitoring file (TOML or a CSV sheet) and as back-test cases: reading
//! never panics; a refused file has an error and every diagnostic points inside it; a
//! position read compiles to a model that checks (or whose problems, moved back, point
//! inside the monitoring file), and a model that checks runs 64 simulated years to finite
//! figures.
#![no_main]

use std::sync::atomic::AtomicBool;

use gapsim::engine::{self, RunConfig};
use gapsim::model::monitor::{self, Format};
use gapsim::model::{Diagnostic, Model, Severity, diagnostic};
use gapsim::sample::Sampling;
use libfuzzer_sys::fuzz_target;
use rust_decimal::prelude::ToPrimitive;

fn inside(text: &str, diags: &[Diagnostic]) {
    for d in diags {
        if let Some(s) = &d.span {
            assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
        }
    }
    let _ = diagnostic::render("fuzz", text, diags);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, diags) = monitor::read_cases(text);
    inside(text, &diags);
    for format in [Format::Toml, Format::Csv] {
        match monitor::read(text, format) {
            Err(diags) => {
                assert!(diags.iter().any(|d| d.severity == Severity::Error));
                inside(text, &diags);
            }
            Ok(r) => {
                let compiled = monitor::compile(&r.position);
                match Model::from_toml("compiled", &compiled.text) {
                    Err(e) => {
                        let moved: Vec<_> = e.diagnostics.iter().map(|d| compiled.locate(d)).collect();
                        inside(text, &moved);
                    }
                    Ok(loaded) => {
                        let m = &loaded.model;
                        let config = RunConfig {
                            seed: 1,
                            iterations: 64,
                            reserves: m.usable_reserves().to_f64().unwrap(),
                            sampling: Sampling::MonteCarlo,
                        };
                        if let Ok(run) = engine::run(m, &config, &|_| {}, &AtomicBool::new(false)) {
                            assert!(run.shortfall.iter().all(|x| x.is_finite()));
                        }
                    }
                }
            }
        }
    }
});
