//! One run split into shards and merged: the same summary, byte for byte, as the run on one
//! machine, whatever the number of shards and the order they are merged in; and every way
//! of merging the wrong shards refused.

use std::sync::atomic::AtomicBool;

use gapsim::engine::shard::{self, MergeError, ShardOf, ShardPart};
use gapsim::engine::{self, RunConfig};
use gapsim::model::Model;
use gapsim::sample::Sampling;
use gapsim::stats::{self, Provenance};

fn provenance() -> Provenance {
    Provenance {
        file: "model.toml".into(),
        sha256: String::new(),
        program: "gapsim test".into(),
        reserves_overridden: false,
        precision: None,
    }
}

fn model(path: &str) -> Model {
    let text = std::fs::read_to_string(path).unwrap();
    Model::from_toml(path, &text).unwrap().model
}

fn parts(model: &Model, config: &RunConfig, count: u64) -> Vec<ShardPart> {
    (0..count)
        .map(|index| {
            let range = shard::batch_range(config.iterations, ShardOf { index, count });
            shard::run_shard(model, config, range, &|_| {}, &AtomicBool::new(false)).unwrap()
        })
        .collect()
}

fn summary_bytes(model: &Model, config: &RunConfig, result: &mut engine::RunResult) -> Vec<u8> {
    gapsim::report::json::serialize(&stats::summarize(model, config, &provenance(), result))
}

#[test]
fn merged_shards_give_the_single_runs_summary_byte_for_byte() {
    // The one-year Kent model at 35,001 years (4 batches, the last of one year, which 3 and
    // 7 shards do not divide evenly), under each sampling method; the three-year model; and
    // shards merged in reverse order.
    let kent = model("models/kent-2024-25.toml");
    let plan = model("models/kent-2024-27.toml");
    for (m, iterations, sampling) in [
        (&kent, 35_001u64, Sampling::MonteCarlo),
        (&kent, 35_001, Sampling::LatinHypercube),
        (&kent, 35_001, Sampling::QuasiMonteCarlo),
        (&plan, 30_000, Sampling::MonteCarlo),
    ] {
        let config = RunConfig {
            seed: 7,
            iterations,
            reserves: rust_decimal::prelude::ToPrimitive::to_f64(&m.usable_reserves()).unwrap(),
            sampling,
        };
        let mut single = engine::run(m, &config, &|_| {}, &AtomicBool::new(false)).unwrap();
        let want = summary_bytes(m, &config, &mut single);
        for count in [1u64, 3, 7] {
            let mut given = parts(m, &config, count);
            given.reverse();
            let mut merged = shard::merge(m, &config, given).unwrap();
            assert_eq!(merged.gap.len(), single.gap.len());
            let got = summary_bytes(m, &config, &mut merged);
            assert!(
                got == want,
                "{} years, {sampling:?}, {count} shards: the summaries differ",
                iterations
            );
        }
    }
}

#[test]
fn overlapping_missing_and_inconsistent_shards_are_refused() {
    let kent = model("models/kent-2024-25.toml");
    let config = RunConfig {
        seed: 3,
        iterations: 50_000,
        reserves: 75.0,
        sampling: Sampling::MonteCarlo,
    };
    let three = parts(&kent, &config, 3);
    // Missing the middle shard: batches 1..3 of 5.
    let err = shard::merge(&kent, &config, vec![three[0].clone(), three[2].clone()]).unwrap_err();
    assert_eq!(
        err,
        MergeError::Missing {
            first: three[1].first,
            end: three[1].end,
            total: 5
        }
    );
    // The same shard twice.
    let err = shard::merge(&kent, &config, vec![three[0].clone(), three[0].clone()]).unwrap_err();
    assert!(matches!(err, MergeError::Overlap { .. }), "{err}");
    // A shard of a 5-shard split beside a 3-shard split: they overlap.
    let five = parts(&kent, &config, 5);
    let err = shard::merge(
        &kent,
        &config,
        vec![
            three[0].clone(),
            five[1].clone(),
            three[1].clone(),
            three[2].clone(),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, MergeError::Overlap { .. }), "{err}");
    // A part that lost a year.
    let mut short = three.clone();
    short[2].gap.pop();
    let err = shard::merge(&kent, &config, short).unwrap_err();
    assert!(matches!(err, MergeError::Inconsistent { .. }), "{err}");
    // The last batches missing.
    let err = shard::merge(&kent, &config, three[..2].to_vec()).unwrap_err();
    assert_eq!(
        err,
        MergeError::Missing {
            first: three[2].first,
            end: 5,
            total: 5
        }
    );
}
