//! `gapsim run … --shard K/N` (one shard's batches into a shard file), `gapsim collect`
//! (a streaming run's second pass, shard by shard) and `gapsim merge` (shards back into the
//! run folder the unsharded run writes, to the bit).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use gapsim::engine::shard::{self, ShardOf, ShardPart};
use gapsim::engine::shard_stream::{self, StreamError};
use gapsim::engine::{EngineError, RunConfig};
use gapsim::shard_file::{self, Payload, ShardHeader};
use rust_decimal::prelude::ToPrimitive as _;

use super::args::{CollectArgs, MergeArgs, RunArgs};
use super::output::Target;
use super::progress::Progress;
use super::shard_set;
use super::signals::Stop;
use super::{Failure, outputs_dir};

/// Runs shard `shard` of the run `args` describe and writes its shard file.
pub fn run_shard(args: &RunArgs, shard: ShardOf) -> Result<(), Failure> {
    let stop = Stop::install();
    if args.precision.is_some() {
        return Err(Failure::Other(anyhow::anyhow!(
            "--precision cannot be split into shards: where a run to a precision stops \
             depends on every batch before it; run it on one machine, or give --iterations"
        )));
    }
    if args.output.json {
        return Err(Failure::Other(anyhow::anyhow!(
            "--json prints a run's summary, and a shard has none: give --json to \
             `gapsim merge`, which writes the run folder from the shards"
        )));
    }
    let out = shard_path(args, shard);
    shard_set::fresh(&out)?;
    let ready = super::run::load(args)?;
    let model = &ready.model;
    if let Some(d) = args.reserves.and_then(|r| model.check_reserves_override(r)) {
        super::report_warnings(&ready.source, &[d], args.strict)?;
    }
    let reserves = args.reserves.unwrap_or_else(|| model.usable_reserves());
    let config = RunConfig {
        seed: args.seed,
        iterations: args.iterations,
        reserves: reserves
            .to_f64()
            .context("usable reserves are out of range")?,
        sampling: super::run::sampling(args.sampling),
    };
    let range = shard::batch_range(config.iterations, shard);
    let pool = shard_set::pool(args.threads)?;
    let streams = shard_stream::streams(config.iterations, super::run::keep_years_up_to()?);
    let years = years_in(&range, config.iterations);
    let progress = Progress::new(years, !args.output.quiet);
    let tick = |n| progress.tick(n);
    let outcome = pool.install(|| {
        if streams {
            shard_stream::count_shard(model, &config, range, &tick, stop.flag())
                .map(Payload::Counts)
        } else {
            shard::run_shard(model, &config, range, &tick, stop.flag()).map(Payload::Years)
        }
    });
    progress.finish();
    let part = match outcome {
        Ok(p) => p,
        Err(EngineError::Cancelled) => return Err(super::run::interrupted(&stop)),
        Err(e) => {
            return Err(Failure::Other(anyhow::anyhow!(
                "{}: {e}",
                ready.source.label
            )));
        }
    };
    let header = ShardHeader {
        format: String::new(),
        program: shard_set::program(),
        model_file: ready.source.label.clone(),
        model_sha256: super::sha256_hex(ready.source.text.as_bytes()),
        model_text: ready.source.text.clone(),
        inputs: ready.inputs.clone(),
        seed: config.seed,
        iterations: config.iterations,
        sampling: config.sampling.name().to_string(),
        reserves: reserves.to_string(),
        reserves_overridden: args.reserves.is_some(),
        repair_correlation: args.repair_correlation,
        shard,
        batches: (0, 0),
        contents: String::new(),
        payload_bytes: 0,
        payload_sha256: String::new(),
    };
    let bytes = shard_file::encode(header, &part);
    shard_set::write_new(&out, &bytes)?;
    if stop.requested().is_some() {
        return Err(super::run::interrupted(&stop));
    }
    if args.output.quiet {
        return Ok(());
    }
    let (first, end) = part.batches();
    eprintln!(
        "Wrote {} (shard {} of {}: batches {first}..{end} of {}, {} simulated years{})",
        out.display(),
        shard.index,
        shard.count,
        shard::batches_in(config.iterations),
        years,
        if streams {
            "; counted, the first of two passes"
        } else {
            ""
        }
    );
    if streams {
        eprintln!(
            "This run is too long to keep every year, so its shards count them first. When \
             every shard is written, collect the values the percentiles need, one shard at a \
             time:\n  gapsim collect SHARDS… --shard K/N\nthen merge the counting and the \
             collecting shards together (docs/cluster.md)."
        );
    }
    Ok(())
}

/// Simulated years in batches `range` of a run of `iterations`.
fn years_in(range: &std::ops::Range<u64>, iterations: u64) -> u64 {
    let at = |b: u64| (b * gapsim::engine::BATCH_SIZE as u64).min(iterations);
    at(range.end) - at(range.start)
}

/// The second pass of shard K of a streaming run: from the whole first pass's shards, its
/// batches simulated again and the values the percentiles need kept.
pub fn collect(args: &CollectArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    let read = shard_set::read(&args.shards)?;
    let counted: Vec<&shard_set::Read> = read.iter().collect();
    let kinds: Vec<&str> = read.iter().map(|r| r.payload.contents()).collect();
    if kinds.iter().all(|&k| k == "every year") {
        if !args.quiet {
            eprintln!(
                "These shards hold every year of their batches (the run is short enough to \
                 keep them): there is nothing to collect; merge them with gapsim merge."
            );
        }
        return Ok(());
    }
    if let Some(r) = read.iter().find(|r| r.payload.contents() != "counts") {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} holds {}, where gapsim collect reads the counting shards of the first pass \
             (what gapsim run … --shard K/N wrote): give those, all of them",
            r.path.display(),
            r.payload.contents()
        )));
    }
    shard_set::one_split(&counted)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = Path::new(&read[0].header.model_file)
            .file_stem()
            .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from(format!(
            "{stem}-collected-{}-of-{}.gapshard",
            args.shard.index, args.shard.count
        ))
    });
    shard_set::fresh(&out)?;
    let run = shard_set::run_of(&read[0])?;
    let config = &run.config;
    let range = shard::batch_range(config.iterations, args.shard);
    let years = years_in(&range, config.iterations);
    let header = ShardHeader {
        shard: args.shard,
        ..read[0].header.clone()
    };
    // Copies (a few MB each), so that a refusal can still name the files.
    let parts: Vec<_> = read
        .iter()
        .filter_map(|r| match &r.payload {
            Payload::Counts(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let pool = shard_set::pool(args.threads)?;
    let progress = Progress::new(years, !args.quiet);
    let tick = |n| progress.tick(n);
    let outcome = pool.install(|| {
        shard_stream::collect_shard(
            &run.model,
            config,
            parts,
            range,
            &gapsim::stats::ranks_read,
            &tick,
            stop.flag(),
        )
    });
    progress.finish();
    let part = match outcome {
        Ok(p) => p,
        Err(StreamError::Engine(EngineError::Cancelled)) => {
            return Err(super::run::interrupted(&stop));
        }
        Err(StreamError::Merge(e)) => {
            return Err(Failure::Other(anyhow::anyhow!(shard_set::explain(
                &e,
                &shard_set::names(&counted),
                config.iterations,
                "shard"
            ))));
        }
        Err(e) => {
            return Err(Failure::Other(anyhow::anyhow!("{}: {e}", run.source.label)));
        }
    };
    let bytes = shard_file::encode(header, &Payload::Collected(part));
    shard_set::write_new(&out, &bytes)?;
    if stop.requested().is_some() {
        return Err(super::run::interrupted(&stop));
    }
    if !args.quiet {
        eprintln!(
            "Wrote {} (collecting shard {} of {}: {years} simulated years again; the second \
             of two passes)",
            out.display(),
            args.shard.index,
            args.shard.count
        );
    }
    Ok(())
}

/// Merges shard files into a run folder: the shards of a run that kept every year, or the
/// counting and the collecting shards of a streaming one.
pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    let date = super::report::today()?;
    let read = shard_set::read(&args.shards)?;
    let of = |kind: &str| -> Vec<&shard_set::Read> {
        read.iter()
            .filter(|r| r.payload.contents() == kind)
            .collect()
    };
    let (years, counts, collected) = (of("every year"), of("counts"), of("collected values"));
    let name = |r: &[&shard_set::Read]| r[0].path.display().to_string();
    if !years.is_empty() && years.len() < read.len() {
        let other = if counts.is_empty() {
            &collected
        } else {
            &counts
        };
        return Err(Failure::Other(anyhow::anyhow!(
            "{} holds every year of its batches and {} {}: shards of runs split in different \
             ways (a run too long to keep every year counts and collects instead); merge the \
             shards of one run",
            name(&years),
            name(other),
            other[0].payload.contents()
        )));
    }
    if years.is_empty() && (counts.is_empty() || collected.is_empty()) {
        let (given, wanted) = if counts.is_empty() {
            (
                "collecting shards",
                "the counting shards they were collected from",
            )
        } else {
            (
                "counting shards",
                "their collecting shards: gapsim collect SHARDS… --shard K/N for each K",
            )
        };
        return Err(Failure::Other(anyhow::anyhow!(
            "{} and the rest are {given} of a run too long to keep every year, and a merge \
             needs {wanted}; then merge the counting and collecting shards together",
            read[0].path.display()
        )));
    }
    for pass in [&years, &counts, &collected] {
        shard_set::one_split(pass)?;
    }
    let target = match &args.out {
        Some(path) => Target::Exact(path.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: Path::new(&read[0].header.model_file)
                .file_stem()
                .map_or_else(|| "merged".into(), |s| s.to_string_lossy().into_owned()),
        },
    };
    super::output::precheck(&target)?;
    let run = shard_set::run_of(&read[0])?;
    let n = run.config.iterations;
    let named_years = shard_set::names(&years);
    for (set, what) in [
        (&named_years, "shard"),
        (&shard_set::names(&counts), "shard"),
        (&shard_set::names(&collected), "collecting shard"),
    ] {
        if !set.is_empty() {
            shard_set::tiling(set, n, what)?;
        }
    }
    let pool = shard_set::pool(args.threads)?;
    let start = Instant::now();
    let result = if years.is_empty() {
        // The parts themselves, not copies: the collected values are most of a merge's
        // memory.
        let named_counts = shard_set::names(&counts);
        let (mut counted, mut values) = (Vec::new(), Vec::new());
        for r in read {
            match r.payload {
                Payload::Counts(c) => counted.push(c),
                Payload::Collected(c) => values.push(c),
                Payload::Years(_) => {}
            }
        }
        let merged = pool.install(|| {
            shard_stream::merge_streamed(
                &run.model,
                &run.config,
                counted,
                values,
                &gapsim::stats::ranks_read,
                stop.flag(),
            )
        });
        match merged {
            Ok(r) => r,
            Err(StreamError::Merge(e)) => {
                // Both passes tile the batches (checked above): a part that does not fit
                // its range is a counting shard's, a count of values the collecting ones'.
                return Err(Failure::Other(anyhow::anyhow!(shard_set::explain(
                    &e,
                    &named_counts,
                    n,
                    "shard"
                ))));
            }
            Err(StreamError::Engine(EngineError::Cancelled)) => {
                return Err(super::run::interrupted(&stop));
            }
            Err(e) => {
                return Err(Failure::Other(anyhow::anyhow!("{}: {e}", run.source.label)));
            }
        }
    } else {
        let parts: Vec<ShardPart> = read
            .into_iter()
            .filter_map(|r| match r.payload {
                Payload::Years(p) => Some(p),
                _ => None,
            })
            .collect();
        shard::merge(&run.model, &run.config, parts).map_err(|e| {
            Failure::Other(anyhow::anyhow!(shard_set::explain(
                &e,
                &named_years,
                n,
                "shard"
            )))
        })?
    };
    let threads = pool.current_num_threads();
    super::run::publish(super::run::Publish {
        source: &run.source,
        model: &run.model,
        config: &run.config,
        provenance: run.provenance,
        result,
        inputs: &run.inputs,
        pool: &pool,
        threads,
        elapsed: start.elapsed(),
        merged: Some(args.shards.len()),
        no_charts: args.no_charts,
        date: &date,
        target: &target,
        stop: &stop,
        output: args.output,
    })
}

/// Where a shard is written: `--out`, or `SHARD-K-of-N.gapshard` in the current folder.
fn shard_path(args: &RunArgs, shard: ShardOf) -> PathBuf {
    args.out.clone().unwrap_or_else(|| {
        let stem = args.model.as_deref().and_then(Path::file_stem).map_or_else(
            || "kent-2024-25".into(),
            |s| s.to_string_lossy().into_owned(),
        );
        PathBuf::from(format!(
            "{stem}-{}-of-{}.gapshard",
            shard.index, shard.count
        ))
    })
}
