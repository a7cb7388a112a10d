//! `gapsim batch DIR|MODEL…`: every model of a portfolio run into its own run folder, and
//! the councils ranked in one table and chart.
//!
//! One model after another, each on every thread: the simplest order, the same figures
//! whatever the threads, and memory bounded by one run at a time (its simulated years are
//! dropped once its folder is written; the table keeps a row per council). Each model
//! takes the path `gapsim run` takes ([`super::run::run_into`]) into `runs/<model>/` of
//! the batch's staging folder, so each run folder is what `gapsim run MODEL` writes with
//! the same seed and iterations; the table is read back from each run's summary.json as
//! written. The batch folder is written whole or not at all ([`output::Staged`]): a stop
//! signal at any point leaves nothing, and a model that fails is reported (its file, line
//! and fix, as `gapsim check` gives them), marked failed in the table, and the others
//! still run; the exit status is then 2.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use gapsim::report;
use gapsim::stats::portfolio::{Council, Portfolio, Settings};

use super::args::{BatchArgs, OutputArgs, RunArgs};
use super::output::{self, Staged, Target};
use super::signals::Stop;
use super::{Failure, colour, notice, outputs_dir, print, print_bytes, warn};

/// A model to run: its path as given (or found in a folder) and its run folder's name.
struct Entry {
    path: PathBuf,
    folder: String,
}

/// Runs every model and writes the batch folder.
pub fn batch(args: &BatchArgs) -> Result<(), Failure> {
    super::set_quiet(args.quiet);
    // First, so that a stop signal at any point stops the batch before anything is written.
    let stop = Stop::install();
    let date = super::report::today()?;
    let entries = entries(&args.models)?;
    let target = target(args);
    output::precheck(&target)?;
    let start = Instant::now();
    let staged = Staged::begin(&target)?;
    let runs = staged.path().join("runs");
    let mut rows = Vec::with_capacity(entries.len());
    for (k, entry) in entries.iter().enumerate() {
        if stop.requested().is_some() {
            return Err(super::run::interrupted(&stop));
        }
        let began = Instant::now();
        let row = run_one(entry, &runs, args, &stop, &date)?;
        progress(
            k + 1,
            entries.len(),
            entry,
            &row,
            began.elapsed().as_secs_f64(),
        );
        rows.push(row);
    }
    let settings = Settings {
        program: format!("gapsim {}", env!("CARGO_PKG_VERSION")),
        seed: args.seed,
        iterations: args.iterations,
        sampling: super::run::sampling(args.sampling).name().into(),
    };
    let portfolio = Portfolio::new(settings, rows);
    let json = report::portfolio::json(&portfolio);
    let files = files(&portfolio, &json, args.no_charts, &date)?;
    let manifests = run_manifests(staged.path(), &portfolio)?;
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let listed: Vec<(&str, &[u8])> = manifests
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let Some(dir) = staged.publish(&borrowed, &listed, &|| stop.requested().is_some())? else {
        return Err(super::run::interrupted(&stop));
    };
    finish(&portfolio, &json, &dir, args, start.elapsed().as_secs_f64())
}

/// The models the arguments name: a folder's `*.toml` files in name order, a file as it
/// is; each with a run folder name of its own (its file's stem, made file-name safe, with
/// `-2`, `-3` … for a stem already taken).
fn entries(args: &[PathBuf]) -> Result<Vec<Entry>, Failure> {
    let mut paths = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(a)
                .with_context(|| format!("cannot read the folder {}", a.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect();
            if found.is_empty() {
                return Err(Failure::Other(anyhow::anyhow!(
                    "{} holds no model files (*.toml); nothing was run: give the folder of \
                     the models, or the model files themselves",
                    a.display()
                )));
            }
            found.sort_by(|x, y| x.file_name().cmp(&y.file_name()));
            paths.extend(found);
        } else {
            paths.push(a.clone());
        }
    }
    let mut taken: Vec<String> = Vec::new();
    Ok(paths
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
            let plain = output::slug(&stem);
            let mut folder = plain.clone();
            let mut k = 2;
            while taken.contains(&folder) {
                folder = format!("{plain}-{k}");
                k += 1;
            }
            taken.push(folder.clone());
            Entry { path, folder }
        })
        .collect())
}

/// `--out`, or `outputs/<date-time>_batch-<first argument's name>`.
fn target(args: &BatchArgs) -> Target {
    match &args.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: format!(
                "batch-{}",
                args.models
                    .first()
                    .and_then(|p| p.file_stem())
                    .map_or_else(|| "models".into(), |s| s.to_string_lossy().into_owned())
            ),
        },
    }
}

/// Runs one model into `runs/<folder>` and reads its row back from its summary.json; a
/// model that cannot run is its row, failed, with the first error it reported. Only a
/// stop signal ends the batch.
fn run_one(
    entry: &Entry,
    runs: &Path,
    args: &BatchArgs,
    stop: &Stop,
    date: &report::date::Date,
) -> Result<Council, Failure> {
    let run_args = RunArgs {
        model: Some(entry.path.clone()),
        iterations: args.iterations,
        seed: args.seed,
        threads: args.threads,
        no_charts: args.no_charts,
        sampling: args.sampling,
        strict: args.strict,
        output: OutputArgs {
            json: false,
            quiet: args.quiet,
        },
        ..RunArgs::default()
    };
    let dir = runs.join(&entry.folder);
    let target = Target::Exact(dir.clone());
    // The summary is not printed: the batch prints a line per model instead.
    let printed = OutputArgs {
        json: false,
        quiet: true,
    };
    let (outcome, said) =
        super::recording(|| super::run::run_into(&run_args, &target, stop, date, printed));
    let label = entry.path.display().to_string();
    let why = match outcome {
        Ok(()) => return read_row(&dir, &label, &entry.folder),
        Err(Failure::Interrupted(s)) => return Err(Failure::Interrupted(s)),
        Err(Failure::Reported) => {
            first_error(&said).unwrap_or_else(|| format!("{label}: its errors are shown above"))
        }
        Err(Failure::Other(e)) => {
            let text = format!("{e:#}");
            let text = if text.contains(&label) {
                text
            } else {
                format!("{label}: {text}")
            };
            warn(&format!("error: {text}\n"));
            text
        }
    };
    Ok(Council::failed(&label, &why))
}

/// The first error in what was written to stderr, without its `error: `.
fn first_error(said: &str) -> Option<String> {
    said.lines()
        .find_map(|l| l.strip_prefix("error: "))
        .map(str::to_string)
}

/// A run's row, from its summary.json as written.
fn read_row(dir: &Path, label: &str, folder: &str) -> Result<Council, Failure> {
    let path = dir.join("summary.json");
    let bytes =
        std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
    let summary = report::json::parse(&bytes)
        .with_context(|| format!("could not read back {}", path.display()))?;
    Council::from_summary(&summary, label, &format!("runs/{folder}"))
        .map_err(|e| Failure::Other(e.into()))
}

/// The batch folder's own files: portfolio.json, .csv, .xlsx and (unless `no_charts`)
/// the ranked chart.
fn files(
    p: &Portfolio,
    json: &[u8],
    no_charts: bool,
    date: &report::date::Date,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut out = vec![
        ("portfolio.json".to_string(), json.to_vec()),
        ("portfolio.csv".to_string(), report::portfolio::csv(p)),
        (
            "portfolio.xlsx".to_string(),
            report::xlsx::portfolio(p, date).context("could not make portfolio.xlsx")?,
        ),
    ];
    if !no_charts {
        for c in gapsim::chart::render_portfolio(p).context("could not draw the chart")? {
            out.push((format!("{}.png", c.name), c.png));
            out.push((format!("{}.svg", c.name), c.svg.into_bytes()));
        }
    }
    Ok(out)
}

/// Each run folder's manifest, by its name in the batch folder, for the batch's manifest.
fn run_manifests(staging: &Path, p: &Portfolio) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut out = Vec::new();
    let mut folders: Vec<&str> = p
        .councils
        .iter()
        .filter_map(|c| c.run_folder.as_deref())
        .collect();
    folders.sort_unstable();
    for f in folders {
        let name = format!("{f}/{}", gapsim::audit::manifest::FILE);
        let bytes = std::fs::read(staging.join(&name))
            .with_context(|| format!("could not read back {name}"))?;
        out.push((name, bytes));
    }
    Ok(out)
}

/// The line for a person after each model: `[3/150] FILE: P(S114-level) 3.2% (3.1% to
/// 3.3%), 1.4 s`, or `failed`, in red where colour is allowed.
fn progress(k: usize, n: usize, entry: &Entry, row: &Council, secs: f64) {
    let width = n.to_string().len();
    let what = match (row.p_s114, row.p_s114_ci95_low, row.p_s114_ci95_high) {
        (Some(p), Some(lo), Some(hi)) if row.ran() => {
            let [p, lo, hi] = report::percent_interval(p, lo, hi);
            format!("P(S114-level) {p} ({lo} to {hi})")
        }
        _ if colour::stderr() => "\u{1b}[31mfailed\u{1b}[0m".to_string(),
        _ => "failed".to_string(),
    };
    notice(&format!(
        "[{k:>width$}/{n}] {}: {what}, {secs:.1} s\n",
        entry.path.display()
    ));
}

/// Prints the table (or portfolio.json under `--json`) and the folder's name, and says
/// how many models failed (status 2 when any did).
fn finish(
    p: &Portfolio,
    json: &[u8],
    dir: &Path,
    args: &BatchArgs,
    secs: f64,
) -> Result<(), Failure> {
    let footer = format!(
        "Wrote {} (runs/, portfolio.csv, portfolio.json, portfolio.xlsx{}) in {secs:.1} s.\n",
        dir.display(),
        if args.no_charts {
            ""
        } else {
            ", portfolio.png and .svg"
        }
    );
    let shown = |e: anyhow::Error| {
        e.context(format!(
            "the batch was written to {}, but its table could not be shown",
            dir.display()
        ))
    };
    if args.json {
        print_bytes(json).map_err(shown)?;
        notice(&footer);
    } else if !args.quiet {
        print(&format!("{}\n{footer}", report::portfolio::terminal(p, 10))).map_err(shown)?;
    }
    if p.failed > 0 {
        warn(&format!(
            "gapsim: {} of {} models failed; their rows in portfolio.csv say why\n",
            p.failed, p.models
        ));
        return Err(Failure::Reported);
    }
    Ok(())
}
