//! `gapsim run … --shard K/N` (one shard's batches into a shard file) and `gapsim merge`
//! (shards back into the run folder the unsharded run writes, to the bit).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use gapsim::engine::shard::{self, MergeError, ShardOf, ShardPart};
use gapsim::engine::{EngineError, RunConfig};
use gapsim::model::LoadOptions;
use gapsim::shard_file::{self, ShardHeader};
use gapsim::stats::Provenance;
use rust_decimal::prelude::ToPrimitive as _;

use super::args::{MergeArgs, RunArgs};
use super::output::Target;
use super::progress::Progress;
use super::signals::Stop;
use super::{Failure, Source, outputs_dir};

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
    if out.exists() {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} already exists: give another --out, or remove it",
            out.display()
        )));
    }
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
    let pool = pool(args.threads)?;
    let years = (range.end * gapsim::engine::BATCH_SIZE as u64).min(config.iterations)
        - (range.start * gapsim::engine::BATCH_SIZE as u64).min(config.iterations);
    let progress = Progress::new(years, !args.output.quiet);
    let tick = |n| progress.tick(n);
    let outcome = pool.install(|| shard::run_shard(model, &config, range, &tick, stop.flag()));
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
        program: program(),
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
        payload_bytes: 0,
        payload_sha256: String::new(),
    };
    let bytes = shard_file::encode(header, &part);
    write_new(&out, &bytes)?;
    if stop.requested().is_some() {
        return Err(super::run::interrupted(&stop));
    }
    if args.output.quiet {
        return Ok(());
    }
    eprintln!(
        "Wrote {} (shard {} of {}: batches {}..{} of {}, {} simulated years)",
        out.display(),
        shard.index,
        shard.count,
        part.first,
        part.end,
        shard::batches_in(config.iterations),
        part.gap.len()
    );
    Ok(())
}

/// Merges shard files into a run folder.
pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    let date = super::report::today()?;
    let mut read = Vec::with_capacity(args.shards.len());
    for path in &args.shards {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read shard {}", path.display()))?;
        let (header, part) = shard_file::decode(&bytes)
            .map_err(|e| Failure::Other(anyhow::anyhow!("{} {e}", path.display())))?;
        read.push((path.clone(), header, part));
    }
    let (first_path, first, _) = &read[0];
    if first.program != program() {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} was written by {}, and this is {}: merge shards with the program that ran \
             them (figures may differ between versions)",
            first_path.display(),
            first.program,
            program()
        )));
    }
    for (path, header, _) in &read[1..] {
        for ((what, a), (_, b)) in first.run_settings().iter().zip(header.run_settings()) {
            if *a != b {
                return Err(Failure::Other(anyhow::anyhow!(
                    "{} and {} are shards of different runs: {what} is {a} in the first and \
                     {b} in the second; merge only the shards of one run",
                    first_path.display(),
                    path.display()
                )));
            }
        }
    }
    let source = Source {
        label: first.model_file.clone(),
        text: first.model_text.clone(),
    };
    let options = LoadOptions {
        repair_correlation: first.repair_correlation,
    };
    let loaded = super::load(&source, &options)?;
    let model = loaded.model;
    let reserves: rust_decimal::Decimal = first.reserves.parse().map_err(|_| {
        anyhow::anyhow!(
            "{}: reserves {:?} unreadable",
            first_path.display(),
            first.reserves
        )
    })?;
    let config = RunConfig {
        seed: first.seed,
        iterations: first.iterations,
        reserves: reserves
            .to_f64()
            .context("usable reserves are out of range")?,
        sampling: gapsim::sample::Sampling::from_name(&first.sampling).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: unknown sampling {:?}",
                first_path.display(),
                first.sampling
            )
        })?,
    };
    let ranges: Vec<(PathBuf, u64, u64)> = read
        .iter()
        .map(|(p, _, part)| (p.clone(), part.first, part.end))
        .collect();
    let count = first.shard.count;
    let inputs = first.inputs.clone();
    let provenance = Provenance {
        file: first.model_file.clone(),
        sha256: first.model_sha256.clone(),
        program: program(),
        reserves_overridden: first.reserves_overridden,
        precision: None,
    };
    let parts: Vec<ShardPart> = read.into_iter().map(|(_, _, p)| p).collect();
    let start = Instant::now();
    let result = shard::merge(&model, &config, parts).map_err(|e| {
        Failure::Other(anyhow::anyhow!(explain(
            &e,
            &ranges,
            config.iterations,
            count
        )))
    })?;
    let target = match &args.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: Path::new(&provenance.file)
                .file_stem()
                .map_or_else(|| "merged".into(), |s| s.to_string_lossy().into_owned()),
        },
    };
    super::output::precheck(&target)?;
    let pool = pool(args.threads)?;
    let threads = pool.current_num_threads();
    super::run::publish(super::run::Publish {
        source: &source,
        model: &model,
        config: &config,
        provenance,
        result,
        inputs: &inputs,
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

/// A merge refusal in terms of the files given.
fn explain(e: &MergeError, ranges: &[(PathBuf, u64, u64)], iterations: u64, count: u64) -> String {
    let named = |first: u64, end: u64| {
        ranges
            .iter()
            .filter(|r| r.1 == first && r.2 == end)
            .map(|r| r.0.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match e {
        MergeError::Overlap {
            a_first,
            a_end,
            b_first,
            b_end,
        } if a_first == b_first && a_end == b_end => format!(
            "batches {a_first}..{a_end} are given twice ({}): give each shard once",
            named(*a_first, *a_end)
        ),
        MergeError::Overlap {
            a_first,
            a_end,
            b_first,
            b_end,
        } => format!(
            "{} and {} overlap (batches {a_first}..{a_end} and {b_first}..{b_end}): shards of \
             two splits of the run; give the shards of one --shard K/N split",
            named(*a_first, *a_end),
            named(*b_first, *b_end)
        ),
        MergeError::Missing { first, end, total } => {
            let missing: Vec<String> = (0..count)
                .filter(|&k| {
                    let r = shard::batch_range(iterations, ShardOf { index: k, count });
                    r.start < *end && r.end > *first
                })
                .map(|k| format!("{k}/{count}"))
                .collect();
            format!(
                "batches {first}..{end} of the run's {total} are in none of the shards given: \
                 shard {} is missing; run it (gapsim run … --shard K/N) and merge again",
                missing.join(", ")
            )
        }
        MergeError::Inconsistent { first, end, .. } => {
            format!(
                "{} is damaged: {e}; run its shard again",
                named(*first, *end)
            )
        }
        MergeError::Empty => e.to_string(),
    }
}

fn program() -> String {
    format!("gapsim {}", env!("CARGO_PKG_VERSION"))
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

/// A thread pool of `threads` (default: every core).
fn pool(threads: Option<u64>) -> Result<rayon::ThreadPool, Failure> {
    let n = match threads {
        Some(t) => usize::try_from(t).context("too many threads")?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .context("could not start worker threads")?)
}

/// Writes `bytes` to a new file at `path`, whole or not at all: into a hidden file beside
/// it, synced, then renamed into place.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().context("the shard file needs a name")?;
    let partial = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let outcome = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&partial)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if let Err(e) = outcome {
        let _ = std::fs::remove_file(&partial);
        return Err(Failure::Other(
            anyhow::Error::new(e).context(format!("could not write {}", path.display())),
        ));
    }
    Ok(())
}
