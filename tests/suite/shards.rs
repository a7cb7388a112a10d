//! One run split into shards and merged: the same summary, byte for byte, as the run on one
//! machine, whatever the number of shards and the order they are merged in; and every way
//! of merging the wrong shards refused.

use std::sync::atomic::AtomicBool;

use gapsim::engine::shard::{self, MergeError, ShardOf, ShardPart};
use gapsim::engine::shard_stream;
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

/// `gapsim run --shard K/N` for every K, as separate processes at once (as machines would
/// run them), then `gapsim merge` in the order given; returns the merged folder.
fn sharded(tmp: &std::path::Path, args: &[&str], count: u64, order: &[u64]) -> std::path::PathBuf {
    let children: Vec<_> = (0..count)
        .map(|k| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin!("gapsim"))
                .args(["run"])
                .args(args)
                .arg("--shard")
                .arg(format!("{k}/{count}"))
                .arg("--out")
                .arg(tmp.join(format!("{count}-{k}.gapshard")))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = tmp.join(format!("merged-{count}"));
    let out = crate::common::gapsim()
        .arg("merge")
        .args(
            order
                .iter()
                .map(|k| tmp.join(format!("{count}-{k}.gapshard"))),
        )
        .arg("--out")
        .arg(&dir)
        .arg("--no-charts")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn local_shard_processes_merge_into_the_unsharded_run_folder() {
    // 75,001 years: 8 batches, which 3 and 7 shards do not divide (and the last batch is a
    // single year); shards merged in a shuffled order.
    let args = ["--seed", "11", "--iterations", "75001", "--sampling", "qmc"];
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    let out = crate::common::gapsim()
        .arg("run")
        .args(args)
        .args(["--no-charts", "--out"])
        .arg(&single)
        .output()
        .unwrap();
    assert!(out.status.success());
    for (count, order) in [
        (1u64, vec![0u64]),
        (3, vec![2, 0, 1]),
        (7, vec![6, 3, 0, 5, 1, 4, 2]),
    ] {
        let merged = sharded(tmp.path(), &args, count, &order);
        for file in ["summary.json", "percentiles.csv", "model.toml"] {
            let a = std::fs::read(single.join(file)).unwrap();
            let b = std::fs::read(merged.join(file)).unwrap();
            assert!(a == b, "{count} shards: {file} differs");
        }
    }
}

#[test]
fn merging_the_wrong_shards_is_refused_naming_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let shard = |extra: &[&str], k: &str, name: &str| {
        let out = crate::common::gapsim()
            .args(["run", "--iterations", "50000", "--shard", k, "--out"])
            .arg(t.join(name))
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    shard(&[], "0/3", "a0");
    shard(&[], "1/3", "a1");
    shard(&[], "2/3", "a2");
    shard(&["--seed", "9"], "1/3", "seed1");
    shard(&["--sampling", "lhs"], "1/3", "lhs1");
    shard(&[], "1/2", "half1");
    let mut damaged = std::fs::read(t.join("a1")).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x40;
    std::fs::write(t.join("damaged1"), &damaged).unwrap();
    let merge = |names: &[&str]| {
        let out = crate::common::gapsim()
            .arg("merge")
            .args(names.iter().map(|n| t.join(n)))
            .arg("--out")
            .arg(t.join("never"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{names:?}");
        assert!(!t.join("never").exists(), "{names:?}: a folder was written");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = merge(&["a0", "a2"]);
    assert!(e.contains("shard 1/3 is missing"), "{e}");
    let e = merge(&["a0", "seed1", "a2"]);
    assert!(
        e.contains("seed1") && e.contains("seed is 2024") && e.contains(" 9 "),
        "{e}"
    );
    let e = merge(&["a0", "lhs1", "a2"]);
    assert!(e.contains("lhs1") && e.contains("sampling"), "{e}");
    let e = merge(&["a0", "half1", "a2"]);
    assert!(e.contains("half1") && e.contains("shard count"), "{e}");
    let e = merge(&["a0", "a0", "a1", "a2"]);
    assert!(e.contains("given twice"), "{e}");
    let e = merge(&["a0", "damaged1", "a2"]);
    assert!(e.contains("damaged1") && e.contains("damaged"), "{e}");
    // --precision cannot be sharded.
    let out = crate::common::gapsim()
        .args(["run", "--precision", "0.01", "--shard", "0/2", "--out"])
        .arg(t.join("p0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--precision cannot be split"));
}

#[test]
fn a_merge_prints_like_a_run_without_inventing_a_simulation_rate() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for k in 0..2 {
        let out = crate::common::gapsim()
            .args(["run", "--iterations", "20001", "--quiet", "--shard"])
            .arg(format!("{k}/2"))
            .arg("--out")
            .arg(t.join(format!("s{k}")))
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            out.stdout.is_empty() && out.stderr.is_empty(),
            "--quiet printed"
        );
    }
    let out = crate::common::gapsim()
        .args([
            "run",
            "--iterations",
            "20001",
            "--json",
            "--shard",
            "0/2",
            "--out",
        ])
        .arg(t.join("never"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gapsim merge"));
    assert!(!t.join("never").exists());

    let out = crate::common::gapsim()
        .arg("merge")
        .args([t.join("s1"), t.join("s0")])
        .args(["--json", "--no-charts", "--out"])
        .arg(t.join("m"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, std::fs::read(t.join("m/summary.json")).unwrap());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Merged 20,001 simulated years from 2 shards") && !err.contains("a second"),
        "{err}"
    );
    let out = crate::common::gapsim()
        .arg("merge")
        .args([t.join("s0"), t.join("s1")])
        .args(["--quiet", "--no-charts", "--out"])
        .arg(t.join("q"))
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
}

/// Counting shards, collecting shards (from the counted set, `collect_count` of them) and
/// their merge, each set given in reverse order.
fn streamed_merge(
    m: &Model,
    config: &RunConfig,
    count: u64,
    collect_count: u64,
) -> Result<engine::RunResult, shard_stream::StreamError> {
    let no = AtomicBool::new(false);
    let range = |index, count| shard::batch_range(config.iterations, ShardOf { index, count });
    let mut counted: Vec<_> = (0..count)
        .map(|k| shard_stream::count_shard(m, config, range(k, count), &|_| {}, &no).unwrap())
        .collect();
    counted.reverse();
    let mut collected: Vec<_> = (0..collect_count)
        .map(|k| {
            shard_stream::collect_shard(
                m,
                config,
                counted.clone(),
                range(k, collect_count),
                &stats::ranks_read,
                &|_| {},
                &no,
            )
            .unwrap()
        })
        .collect();
    collected.reverse();
    shard_stream::merge_streamed(m, config, counted, collected, &stats::ranks_read, &no)
}

#[test]
fn a_streaming_run_split_into_counting_and_collecting_shards_merges_to_the_same_summary() {
    // 135,001 years: 14 batches, past the 10-batch pilot, which 3 and 7 do not divide (the
    // last batch a single year); the one-machine run streams (keeps none of its years) and
    // gives the same summary as keeping every year.
    let kent = model("models/kent-2024-25.toml");
    let no = AtomicBool::new(false);
    // Every shard simulates the 100,000-year pilot for itself, so a few splits only: one
    // where the passes have different shard counts, and seven counting shards.
    for (sampling, splits) in [
        (Sampling::MonteCarlo, [(1u64, 1u64), (3, 2)]),
        (Sampling::QuasiMonteCarlo, [(7, 3), (2, 7)]),
    ] {
        let config = RunConfig {
            seed: 5,
            iterations: 135_001,
            reserves: rust_decimal::prelude::ToPrimitive::to_f64(&kent.usable_reserves()).unwrap(),
            sampling,
        };
        let keep = engine::Keep {
            years_up_to: 0,
            ranks: &stats::ranks_read,
            collecting: &|_| {},
        };
        let mut single = engine::run_keeping(&kent, &config, &keep, &|_| {}, &no).unwrap();
        assert!(single.collected.is_some(), "the run streamed");
        let want = summary_bytes(&kent, &config, &mut single);
        let mut kept = engine::run(&kent, &config, &|_| {}, &no).unwrap();
        assert!(want == summary_bytes(&kent, &config, &mut kept));
        for (count, collect_count) in splits {
            let mut merged = streamed_merge(&kent, &config, count, collect_count).unwrap();
            assert!(merged.gap.is_empty(), "a streamed merge keeps no years");
            let got = summary_bytes(&kent, &config, &mut merged);
            assert!(
                got == want,
                "{sampling:?}, {count} counting and {collect_count} collecting shards: the \
                 summaries differ"
            );
        }
    }
}

#[test]
fn streamed_shards_that_do_not_make_one_whole_run_are_refused() {
    let kent = model("models/kent-2024-25.toml");
    let no = AtomicBool::new(false);
    let config = RunConfig {
        seed: 5,
        iterations: 125_000,
        reserves: 75.0,
        sampling: Sampling::MonteCarlo,
    };
    let range = |index, count| shard::batch_range(config.iterations, ShardOf { index, count });
    let counted: Vec<_> = (0..3)
        .map(|k| shard_stream::count_shard(&kent, &config, range(k, 3), &|_| {}, &no).unwrap())
        .collect();
    let collect = |parts: Vec<_>, k| {
        shard_stream::collect_shard(
            &kent,
            &config,
            parts,
            range(k, 3),
            &stats::ranks_read,
            &|_| {},
            &no,
        )
    };
    // A counted shard missing: neither the second pass nor the merge can start.
    let missing = collect(counted[..2].to_vec(), 0).unwrap_err();
    assert!(
        matches!(
            missing,
            shard_stream::StreamError::Merge(MergeError::Missing { .. })
        ),
        "{missing:?}"
    );
    let collected: Vec<_> = (0..3)
        .map(|k| collect(counted.clone(), k).unwrap())
        .collect();
    let merge = |c: Vec<_>, d: Vec<_>| {
        shard_stream::merge_streamed(&kent, &config, c, d, &stats::ranks_read, &no)
    };
    let e = merge(counted.clone(), collected[1..].to_vec()).unwrap_err();
    assert!(
        matches!(
            e,
            shard_stream::StreamError::Merge(MergeError::Missing { first: 0, .. })
        ),
        "{e:?}"
    );
    // A collected part short of one value, and a counted part whose counts are off.
    let mut short = collected.clone();
    short[2].gap.pop();
    let e = merge(counted.clone(), short).unwrap_err();
    assert!(
        matches!(
            e,
            shard_stream::StreamError::Merge(MergeError::Collected { found, needed }) if found + 1 == needed
        ),
        "{e:?}"
    );
    // As many values as the counts call for, one of them from outside the classes kept
    // (collected against other counts): read as it was, it would move a percentile.
    let mut moved = collected.clone();
    let v = moved[1].gap.iter_mut().next().expect("part 1 keeps gaps");
    *v = 1e12;
    let e = merge(counted.clone(), moved).unwrap_err();
    assert!(
        matches!(
            e,
            shard_stream::StreamError::Merge(MergeError::Misplaced(m)) if m.quantity == "gap"
        ),
        "{e:?}"
    );
    let mut off = counted.clone();
    let i = off[1].gap.iter().position(|&c| c > 0).unwrap();
    off[1].gap[i] -= 1;
    off[1].gap[i + 1] += 1;
    off[1].gap[0] += 1;
    let e = merge(off, collected.clone()).unwrap_err();
    assert!(
        matches!(
            e,
            shard_stream::StreamError::Merge(MergeError::Inconsistent { first, .. }) if first == counted[1].first
        ),
        "{e:?}"
    );
    assert!(merge(counted, collected).is_ok());
}

#[test]
fn a_streaming_run_sharded_through_the_command_line_writes_the_unsharded_run_folder() {
    // GAPSIM_KEEP_YEARS_UP_TO=0: every run past its 100,000-year pilot streams, so its
    // shards count and a second pass collects (as a run past 20 million years does).
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let args = ["--seed", "3", "--iterations", "125001"];
    let gapsim = || {
        let mut c = crate::common::gapsim();
        c.env("GAPSIM_KEEP_YEARS_UP_TO", "0");
        c
    };
    let ok = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let refused = |out: std::process::Output| {
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let path = |name: &str| t.join(name);
    // The unsharded run, kept in memory (no variable): the figures are the same either way.
    ok(crate::common::gapsim()
        .arg("run")
        .args(args)
        .args(["--no-charts", "--quiet", "--out"])
        .arg(path("single"))
        .output()
        .unwrap());
    for k in 0..3 {
        let e = ok(gapsim()
            .arg("run")
            .args(args)
            .arg("--shard")
            .arg(format!("{k}/3"))
            .arg("--out")
            .arg(path(&format!("s{k}")))
            .output()
            .unwrap());
        assert!(e.contains("gapsim collect"), "{e}");
    }
    let counted = [path("s2"), path("s0"), path("s1")];
    // Merging the counts alone is refused, saying what to run.
    let e = refused(
        gapsim()
            .arg("merge")
            .args(&counted)
            .arg("--out")
            .arg(path("never"))
            .output()
            .unwrap(),
    );
    assert!(e.contains("gapsim collect"), "{e}");
    // The second pass in two parts, from every counting shard.
    for k in 0..2 {
        ok(gapsim()
            .arg("collect")
            .args(&counted)
            .arg("--shard")
            .arg(format!("{k}/2"))
            .arg("--out")
            .arg(path(&format!("c{k}")))
            .output()
            .unwrap());
    }
    // A second pass from an incomplete first pass is refused, naming the missing shard.
    let e = refused(
        gapsim()
            .args(["collect", "--shard", "0/2", "--out"])
            .arg(path("never"))
            .args(&counted[..2])
            .output()
            .unwrap(),
    );
    assert!(e.contains("shard 1/3 is missing"), "{e}");
    let e = refused(
        gapsim()
            .arg("merge")
            .args(&counted)
            .arg(path("c1"))
            .arg("--out")
            .arg(path("never"))
            .output()
            .unwrap(),
    );
    assert!(e.contains("collecting shard 0/2 is missing"), "{e}");
    assert!(!path("never").exists());
    ok(gapsim()
        .arg("merge")
        .arg(path("c1"))
        .args(&counted)
        .arg(path("c0"))
        .args(["--no-charts", "--quiet", "--out"])
        .arg(path("merged"))
        .output()
        .unwrap());
    for file in ["summary.json", "percentiles.csv", "model.toml"] {
        let a = std::fs::read(path("single").join(file)).unwrap();
        let b = std::fs::read(path("merged").join(file)).unwrap();
        assert!(a == b, "{file} differs");
    }
    // Shards that keep every year do not mix with counting ones.
    ok(crate::common::gapsim()
        .arg("run")
        .args(args)
        .args(["--shard", "0/3", "--out"])
        .arg(path("y0"))
        .output()
        .unwrap());
    let e = refused(
        gapsim()
            .arg("merge")
            .arg(path("y0"))
            .args(&counted[..2])
            .arg(path("c0"))
            .arg(path("c1"))
            .arg("--out")
            .arg(path("never"))
            .output()
            .unwrap(),
    );
    assert!(e.contains("y0") && e.contains("every year"), "{e}");
    // And collecting from them has nothing to do.
    let e = ok(gapsim()
        .args(["collect", "--shard", "0/1"])
        .arg(path("y0"))
        .output()
        .unwrap());
    assert!(e.contains("nothing to collect"), "{e}");
}
