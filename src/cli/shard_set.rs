//! Shard files read as a set: each intact, all of one run, each pass of one split; the run
//! they describe rebuilt from their header; and the engine's refusals put in terms of the
//! files given.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gapsim::engine::RunConfig;
use gapsim::engine::shard::{self, MergeError, ShardOf};
use gapsim::model::{LoadOptions, Model};
use gapsim::shard_file::{self, Payload, ShardHeader};
use gapsim::stats::Provenance;
use rust_decimal::prelude::ToPrimitive as _;

use super::{Failure, Source};

/// One shard file, read and checked for damage.
pub(super) struct Read {
    pub path: PathBuf,
    pub header: ShardHeader,
    pub payload: Payload,
}

/// The run a set of shards belongs to, rebuilt from the first one's header.
pub(super) struct Run {
    pub source: Source,
    pub model: Model,
    pub config: RunConfig,
    pub provenance: Provenance,
    pub inputs: Vec<(String, String)>,
}

/// The program name and version a shard records.
pub(super) fn program() -> String {
    format!("gapsim {}", env!("CARGO_PKG_VERSION"))
}

fn fail(message: String) -> Failure {
    Failure::Other(anyhow::anyhow!(message))
}

/// Reads every file, refusing a damaged one, one of another version, and shards of
/// different runs (naming the setting that differs).
pub(super) fn read(paths: &[PathBuf]) -> Result<Vec<Read>, Failure> {
    let mut read = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read shard {}", path.display()))?;
        let (header, payload) =
            shard_file::decode(&bytes).map_err(|e| fail(format!("{} {e}", path.display())))?;
        read.push(Read {
            path: path.clone(),
            header,
            payload,
        });
    }
    let Some(first) = read.first() else {
        return Err(fail("no shard files given".into()));
    };
    if first.header.program != program() {
        return Err(fail(format!(
            "{} was written by {}, and this is {}: merge shards with the program that ran \
             them (figures may differ between versions)",
            first.path.display(),
            first.header.program,
            program()
        )));
    }
    for r in &read[1..] {
        for ((what, a), (_, b)) in first
            .header
            .run_settings()
            .iter()
            .zip(r.header.run_settings())
        {
            if *a != b {
                return Err(fail(format!(
                    "{} and {} are shards of different runs: {what} is {a} in the first and \
                     {b} in the second; merge only the shards of one run",
                    first.path.display(),
                    r.path.display()
                )));
            }
        }
    }
    Ok(read)
}

/// Checks that the shards of one pass (`what`: "shard", "collecting shard") come from one
/// `--shard K/N` split.
pub(super) fn one_split(shards: &[&Read]) -> Result<(), Failure> {
    let Some(first) = shards.first() else {
        return Ok(());
    };
    for r in &shards[1..] {
        if r.header.shard.count != first.header.shard.count {
            return Err(fail(format!(
                "{} and {} are shards of different runs: shard count is {} in the first and \
                 {} in the second; merge only the shards of one run",
                first.path.display(),
                r.path.display(),
                first.header.shard.count,
                r.header.shard.count
            )));
        }
    }
    Ok(())
}

/// The run the shards describe: its model loaded from the text they carry.
pub(super) fn run_of(first: &Read) -> Result<Run, Failure> {
    let h = &first.header;
    let source = Source {
        label: h.model_file.clone(),
        text: h.model_text.clone(),
    };
    let options = LoadOptions {
        repair_correlation: h.repair_correlation,
    };
    let model = super::load(&source, &options)?.model;
    let unreadable = |what: &str, value: &str| {
        fail(format!(
            "{}: {what} {value:?} unreadable",
            first.path.display()
        ))
    };
    let reserves: rust_decimal::Decimal = h
        .reserves
        .parse()
        .map_err(|_| unreadable("reserves", &h.reserves))?;
    let config = RunConfig {
        seed: h.seed,
        iterations: h.iterations,
        reserves: reserves
            .to_f64()
            .context("usable reserves are out of range")?,
        sampling: gapsim::sample::Sampling::from_name(&h.sampling)
            .ok_or_else(|| unreadable("sampling", &h.sampling))?,
    };
    Ok(Run {
        provenance: Provenance {
            file: h.model_file.clone(),
            sha256: h.model_sha256.clone(),
            program: program(),
            reserves_overridden: h.reserves_overridden,
            precision: None,
        },
        inputs: h.inputs.clone(),
        source,
        model,
        config,
    })
}

/// A shard file by its name, its batches and its split's shard count, for refusals.
pub(super) type Named = (PathBuf, (u64, u64), u64);

/// The files of a set, [`Named`].
pub(super) fn names(set: &[&Read]) -> Vec<Named> {
    set.iter()
        .map(|r| (r.path.clone(), r.payload.batches(), r.header.shard.count))
        .collect()
}

/// Checks that the files of one pass tile the run's batches.
pub(super) fn tiling(set: &[Named], iterations: u64, what: &str) -> Result<(), Failure> {
    let mut ranges: Vec<(u64, u64)> = set.iter().map(|n| n.1).filter(|r| r.1 > r.0).collect();
    ranges.sort_unstable();
    shard::tiles(ranges.into_iter(), shard::batches_in(iterations))
        .map_err(|e| fail(explain(&e, set, iterations, what)))
}

/// A merge refusal in terms of the files given: `shards` are those of the pass that was
/// refused, and `what` names them ("shard", "collecting shard").
pub(super) fn explain(e: &MergeError, shards: &[Named], iterations: u64, what: &str) -> String {
    let count = shards.first().map_or(1, |r| r.2);
    let named = |first: u64, end: u64| {
        shards
            .iter()
            .filter(|r| r.1 == (first, end))
            .map(|r| r.0.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let again = if what == "shard" {
        "gapsim run … --shard K/N"
    } else {
        "gapsim collect SHARD… --shard K/N"
    };
    match e {
        MergeError::Overlap {
            a_first,
            a_end,
            b_first,
            b_end,
        } if a_first == b_first && a_end == b_end => format!(
            "batches {a_first}..{a_end} are given twice ({}): give each {what} once",
            named(*a_first, *a_end)
        ),
        MergeError::Overlap {
            a_first,
            a_end,
            b_first,
            b_end,
        } => format!(
            "{} and {} overlap (batches {a_first}..{a_end} and {b_first}..{b_end}): {what}s \
             of two splits of the run; give the {what}s of one --shard K/N split",
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
                "batches {first}..{end} of the run's {total} are in none of the {what}s \
                 given: {what} {} is missing; run it ({again}) and merge again",
                missing.join(", ")
            )
        }
        MergeError::Inconsistent { first, end, .. } => {
            format!(
                "{} is damaged: {e}; run its {what} again ({again})",
                named(*first, *end)
            )
        }
        MergeError::Collected { .. } | MergeError::Misplaced(_) => {
            format!("{e}; run the collecting shards again (gapsim collect SHARD… --shard K/N)")
        }
        MergeError::Empty => e.to_string(),
    }
}

/// A thread pool of `threads` (default: every core).
pub(super) fn pool(threads: Option<u64>) -> Result<rayon::ThreadPool, Failure> {
    let n = match threads {
        Some(t) => usize::try_from(t).context("too many threads")?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .context("could not start worker threads")?)
}

/// Refuses to write over an existing file.
pub(super) fn fresh(out: &Path) -> Result<(), Failure> {
    if out.exists() {
        return Err(fail(format!(
            "{} already exists: give another --out, or remove it",
            out.display()
        )));
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path`, whole or not at all: into a hidden file beside
/// it, synced, then renamed into place.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
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
