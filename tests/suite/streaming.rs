//! Runs too long to keep every simulated year stream: a pilot, fine classes counted in the
//! first pass, the wanted order statistics collected in a second. Their figures must be
//! those of the same run kept in memory, byte for byte. `GAPSIM_KEEP_YEARS_UP_TO=0` makes
//! every run of more than the pilot's 100,000 years stream, so small runs test it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use gapsim::engine::{self, EngineError, Keep, PILOT_YEARS, RunConfig};
use gapsim::model::Model;
use gapsim::order::OrderStatistics;
use gapsim::sample::Sampling;
use gapsim::stats;

use crate::common::{fixture, gapsim};

/// summary.json and percentiles.csv of `gapsim run MODEL ARGS`, keeping at most `keep`
/// years in memory (None: the program's own threshold).
fn files(model: Option<&Path>, args: &[&str], keep: Option<u64>) -> (Vec<u8>, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let mut cmd = gapsim();
    cmd.current_dir(tmp.path()).arg("run");
    if let Some(m) = model {
        cmd.arg(m);
    }
    if let Some(k) = keep {
        cmd.env("GAPSIM_KEEP_YEARS_UP_TO", k.to_string());
    }
    let out = cmd
        .arg("--out")
        .arg(&dir)
        .arg("--no-charts")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gapsim failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        std::fs::read(dir.join("summary.json")).unwrap(),
        std::fs::read(dir.join("percentiles.csv")).unwrap(),
    )
}

/// The same run kept in memory and streamed (on a different number of threads) writes the
/// same bytes.
#[track_caller]
fn same_both_ways(model: Option<&Path>, args: &[&str]) {
    let one: Vec<&str> = args.iter().copied().chain(["--threads", "1"]).collect();
    let two: Vec<&str> = args.iter().copied().chain(["--threads", "2"]).collect();
    let (kept_json, kept_csv) = files(model, &one, None);
    let (streamed_json, streamed_csv) = files(model, &two, Some(0));
    let summary: serde_json::Value = serde_json::from_slice(&kept_json).unwrap();
    assert!(
        summary["run"]["iterations"].as_u64().unwrap() > PILOT_YEARS,
        "the run must go past the pilot to stream"
    );
    assert!(
        kept_json == streamed_json,
        "summary.json differs between the in-memory and the streaming run ({args:?})"
    );
    assert!(
        kept_csv == streamed_csv,
        "percentiles.csv differs between the in-memory and the streaming run ({args:?})"
    );
}

#[test]
fn the_kent_model_streamed_writes_the_same_files_as_kept_in_memory() {
    for sampling in ["mc", "lhs"] {
        same_both_ways(None, &["--iterations", "130017", "--sampling", sampling]);
    }
}

#[test]
fn a_shortfall_that_is_often_exactly_zero_streams_to_the_same_files() {
    // Mitigation absorbs gaps between 0 and 8 in full, so about 9% of shortfalls are
    // exactly 0: an atom that holds several of the percentiles read.
    let model = fixture("mitigated-normal.toml");
    for sampling in ["mc", "lhs"] {
        same_both_ways(
            Some(&model),
            &["--iterations", "253017", "--sampling", sampling],
        );
    }
    // Eight values only: every percentile is an atom.
    same_both_ways(
        Some(&fixture("bernoulli-savings.toml")),
        &["--iterations", "250000"],
    );
}

#[test]
fn a_run_to_a_precision_streams_to_the_same_files() {
    // Each stops after a few checks, past the pilot, well before its cap (Latin hypercube
    // stops on the mitigated normal's one stratified driver at its first check, so it runs
    // on the sum of three normals).
    for (model, sampling, precision) in [
        ("mitigated-normal.toml", "mc", "0.0012"),
        // 0.002 stops at the pilot's 100,000 with the strata sampler's draws (it went
        // past with the inverse CDF's): where it stops depends on the batches' spread.
        ("normal-sum.toml", "lhs", "0.0015"),
    ] {
        same_both_ways(
            Some(&fixture(model)),
            &[
                "--precision",
                precision,
                "--iterations",
                "5000000",
                "--sampling",
                sampling,
            ],
        );
    }
}

fn model(name: &str) -> Model {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    Model::from_toml(name, &text).unwrap().model
}

fn config(iterations: u64, reserves: f64) -> RunConfig {
    RunConfig {
        seed: 11,
        iterations,
        reserves,
        sampling: Sampling::MonteCarlo,
    }
}

#[test]
fn streamed_order_statistics_are_the_sorted_values() {
    // A shortfall with an atom at 0 and the rest smooth; ranks the summary reads plus a
    // spread of others, each compared with the sorted values of the same run in memory.
    let m = model("mitigated-normal.toml");
    let c = config(231_234, 25.0);
    let no = AtomicBool::new(false);
    let kept = engine::run(&m, &c, &|_| {}, &no).unwrap();
    let wanted = |n: u64| -> Vec<u64> {
        let mut r = stats::ranks_read(n);
        r.extend((0..n).step_by(331));
        r.sort_unstable();
        r.dedup();
        r
    };
    let keep = Keep {
        years_up_to: 0,
        ranks: &wanted,
        collecting: &|_| {},
    };
    let streamed = engine::run_keeping(&m, &c, &keep, &|_| {}, &no).unwrap();
    assert!(streamed.gap.is_empty() && streamed.shortfall.is_empty());
    let collected = streamed.collected.as_ref().expect("the run streamed");
    assert_eq!(streamed.batches, kept.batches);
    assert_eq!(streamed.chart, kept.chart);
    let sorted = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_unstable_by(f64::total_cmp);
        s
    };
    let mut zeros = 0;
    for (values, got) in [
        (sorted(&kept.gap), &collected.gap),
        (sorted(&kept.shortfall), &collected.shortfall),
    ] {
        assert_eq!(got.len(), c.iterations);
        assert_eq!(got.ranks, wanted(c.iterations));
        for &r in &got.ranks {
            assert_eq!(
                got.at(r).to_bits(),
                values[r as usize].to_bits(),
                "rank {r}"
            );
            zeros += usize::from(values[r as usize] == 0.0);
        }
    }
    // The atom was read: the test covers ranks that fall on it.
    assert!(zeros > 10, "{zeros}");
    // The chart counts every year once.
    let chart = &streamed.chart;
    let total: u64 = chart.gap.iter().sum::<u64>() + chart.gap_outside.0 + chart.gap_outside.1;
    assert_eq!(total, c.iterations);
}

#[test]
fn a_streaming_run_stops_when_cancelled_in_its_second_pass() {
    let m = model("normal-sum.toml");
    let cancel = AtomicBool::new(false);
    let collecting = |_: u64| cancel.store(true, Ordering::Relaxed);
    let keep = Keep {
        years_up_to: 0,
        ranks: &stats::ranks_read,
        collecting: &collecting,
    };
    let outcome = engine::run_keeping(&m, &config(300_000, 1.0), &keep, &|_| {}, &cancel);
    assert_eq!(outcome.err(), Some(EngineError::Cancelled));
}
