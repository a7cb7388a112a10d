//! `gapsim compare BASE OTHER…`: run every model on the same random numbers and write
//! their paired differences from the base into one run folder.
//!
//! The pipeline is in two parts, so that another way of loading models (a scenario file
//! that names a base and changes it) can feed the same comparison: [`load_compared`]
//! reads and checks one model file, and [`compare_models`] runs models already loaded,
//! compares them and writes the folder.

use std::path::Path;

use anyhow::Context as _;
use gapsim::model::{LoadOptions, Model};
use gapsim::report;
use gapsim::stats::compare::{self as comparing, BatchFigures};
use gapsim::stats::{self, Comparison, Provenance, Summary};

use super::args::{CompareArgs, RunArgs};
use super::output::{self, Target};
use super::run::{Simulated, simulate_loaded};
use super::signals::Stop;
use super::{Failure, Source, outputs_dir, print, warn};

/// A model ready to be compared: the label shown in outputs, its text and the model.
pub struct Compared {
    /// The label shown in the comparison's outputs.
    pub label: String,
    /// Its file's name and text (what `model.toml` in its subfolder holds).
    pub source: Source,
    /// The checked model.
    pub model: Model,
}

/// Reads and checks the model at `path`: the one place a compared file is loaded.
/// A scenario is shown by its name, a model by its file; `sets` are applied after the file.
pub fn load_compared(
    path: &Path,
    sets: &[String],
    options: &LoadOptions,
    strict: bool,
) -> Result<Compared, Failure> {
    let ready = super::scenario::load(Some(path), sets, options, strict)?;
    for n in &ready.notes {
        warn(&format!("gapsim: note: {}: {n}\n", ready.source.label));
    }
    let label = match (&ready.scenario, sets.is_empty()) {
        (Some(name), true) => name.clone(),
        (Some(name), false) => format!("{name} with --set {}", sets.join(" ")),
        (None, true) => path.display().to_string(),
        (None, false) => format!("--set {}", sets.join(" ")),
    };
    Ok(Compared {
        label,
        source: ready.source,
        model: ready.model,
    })
}

/// What a caller adds to a comparison: the central outcome of each model (for stress
/// cases), and the command that reproduces it.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Evaluate each model with its drivers at their means, beside its distribution.
    pub central: bool,
    /// The command for the report's method note (default: the compare command).
    pub command: Option<String>,
    /// What the run folder's name starts with (default `compare`).
    pub kind: Option<&'static str>,
}

/// One model after its run: its summary and per-batch figures.
struct Ran {
    compared: Compared,
    summary: Summary,
    batches: Vec<BatchFigures>,
}

/// Loads the base and the other models and compares them.
pub fn compare(args: &CompareArgs) -> Result<(), Failure> {
    // First, so that a stop signal at any point stops the run before anything is written.
    let stop = Stop::install();
    args.settings.refuse_shard("compare")?;
    if args.precision.is_some() {
        return Err(Failure::Other(anyhow::anyhow!(
            "--precision is not available for gapsim compare yet: the models must run the \
             same simulated years to be paired, and a run to a precision stops when its own \
             answer is precise enough; give --iterations instead (the default, 1,000,000, \
             pins most differences far more tightly than one run's figures)"
        )));
    }
    let options = LoadOptions {
        repair_correlation: args.settings.repair_correlation,
    };
    if args.others.is_empty() && args.set.is_empty() {
        return Err(Failure::Other(anyhow::anyhow!(
            "nothing to compare the base with: give one or more scenario or model files, or \
             --set changes (which make one more scenario of the base)"
        )));
    }
    let base = load_compared(&args.base, &[], &options, args.settings.strict)?;
    let mut others = args
        .others
        .iter()
        .map(|p| load_compared(p, &[], &options, args.settings.strict))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.set.is_empty() {
        others.push(load_compared(
            &args.base,
            &args.set,
            &options,
            args.settings.strict,
        )?);
    }
    compare_models(base, others, args, &stop, &Extras::default())
}

/// Runs `base` and each of `others` with the settings of `args` (its model paths are not
/// read), compares them, prints the table and writes the run folder.
pub fn compare_models(
    base: Compared,
    others: Vec<Compared>,
    args: &CompareArgs,
    stop: &Stop,
    extras: &Extras,
) -> Result<(), Failure> {
    let (base, others) = distinct_labels(base, others);
    for o in &others {
        comparing::comparable((&base.label, &base.model), (&o.label, &o.model))
            .map_err(|e| Failure::Other(e.into()))?;
    }
    if args.settings.iterations > gapsim::engine::KEEP_YEARS_UP_TO {
        return Err(Failure::Other(anyhow::anyhow!(
            "gapsim compare reads each batch's reserves needed from its simulated years, so \
             it keeps them all: at most {} simulated years per model",
            gapsim::engine::KEEP_YEARS_UP_TO
        )));
    }
    let date = super::report::today()?;
    let target = target(args, &base.source, extras.kind.unwrap_or("compare"));
    let mut ran = Vec::with_capacity(1 + others.len());
    for (k, c) in std::iter::once(base).chain(others).enumerate() {
        let first = k == 0;
        let before = || -> Result<(), Failure> {
            if first {
                output::precheck(&target)?;
            }
            Ok(())
        };
        ran.push(run_one(c, args, stop, &before)?);
    }
    let (base, others) = ran.split_first().expect("the base ran");
    let others_view: Vec<comparing::Compared<'_>> = others.iter().map(view).collect();
    let mut comparison =
        comparing::compare(&view(base), &others_view).map_err(|e| Failure::Other(e.into()))?;
    if extras.central {
        for (m, r) in comparison.models.iter_mut().zip(&ran) {
            m.central = Some(central(&r.compared.model, m.reserves));
        }
    }
    if stop.requested().is_some() {
        return Err(interrupted(stop));
    }
    let files = files(&comparison, &ran, args, &date, extras)?;
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let Some(dir) = output::write(&target, &borrowed, &|| stop.requested().is_some())? else {
        return Err(interrupted(stop));
    };
    if let Some(signal) = stop.requested() {
        warn(&format!(
            "gapsim: {} arrived after the comparison was written in full to {}; it is complete\n",
            signal.name(),
            dir.display()
        ));
    }
    print(&format!(
        "{}\nWrote {}\n",
        report::compare::terminal(&comparison),
        dir.display()
    ))
    .with_context(|| {
        format!(
            "the comparison was written to {}, but its table could not be shown",
            dir.display()
        )
    })?;
    Ok(())
}

/// Labels told apart: a label already used gets " (2)", " (3)", … so that every row of
/// the comparison's table, CSV and JSON names one model.
fn distinct_labels(base: Compared, others: Vec<Compared>) -> (Compared, Vec<Compared>) {
    let mut seen = vec![base.label.clone()];
    let others = others
        .into_iter()
        .map(|mut c| {
            let mut k = 2;
            let plain = c.label.clone();
            while seen.contains(&c.label) {
                c.label = format!("{plain} ({k})");
                k += 1;
            }
            seen.push(c.label.clone());
            c
        })
        .collect();
    (base, others)
}

/// Where the folder goes: `--out`, or `outputs/<date-time>_<kind>-<base>`.
fn target(args: &CompareArgs, base: &Source, kind: &str) -> Target {
    match &args.settings.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: format!(
                "{kind}-{}",
                Path::new(&base.label)
                    .file_stem()
                    .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned())
            ),
        },
    }
}

/// Simulates one model as `args` say and summarises it, its per-batch figures read first.
fn run_one(
    c: Compared,
    args: &CompareArgs,
    stop: &Stop,
    before: &dyn Fn() -> Result<(), Failure>,
) -> Result<Ran, Failure> {
    let run_args = RunArgs {
        model: None,
        iterations: args.settings.iterations,
        seed: args.settings.seed,
        threads: args.settings.threads,
        reserves: args.settings.reserves,
        sampling: args.settings.sampling,
        strict: args.settings.strict,
        ..RunArgs::default()
    };
    let label = c.label;
    let Simulated {
        source,
        model,
        config,
        pool,
        mut result,
        ..
    } = simulate_loaded(c.source, c.model, &run_args, stop, before)?;
    // Before the summary, which sorts the run's values in place.
    let batches = comparing::batch_figures(&model, &result);
    let provenance = Provenance {
        file: source.label.clone(),
        sha256: super::sha256_hex(source.text.as_bytes()),
        program: format!("gapsim {}", env!("CARGO_PKG_VERSION")),
        reserves_overridden: args.settings.reserves.is_some(),
        precision: None,
    };
    let summary = pool.install(|| stats::summarize(&model, &config, &provenance, &mut result));
    Ok(Ran {
        compared: Compared {
            label,
            source,
            model,
        },
        summary,
        batches,
    })
}

/// The comparison's view of a model that ran.
fn view(r: &Ran) -> comparing::Compared<'_> {
    comparing::Compared {
        label: &r.compared.label,
        summary: &r.summary,
        batches: &r.batches,
    }
}

/// Each model's subfolder name under `models/`: its file's stem made safe, unique.
fn slugs(ran: &[Ran]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ran.len());
    for r in ran {
        // A model file's stem; a scenario's or stress case's name as it is.
        let file = &r.compared.source.label;
        let stem = if file.ends_with(".toml") {
            Path::new(file)
                .file_stem()
                .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned())
        } else {
            r.compared.label.clone()
        };
        let mut slug: String = output::slug(&stem).chars().take(40).collect();
        if out.contains(&slug) {
            let mut k = 2;
            while out.contains(&format!("{slug}-{k}")) {
                k += 1;
            }
            slug = format!("{slug}-{k}");
        }
        out.push(slug);
    }
    out
}

/// The folder's files: the comparison, each model's summary and text, the charts and the
/// report.
fn files(
    comparison: &Comparison,
    ran: &[Ran],
    args: &CompareArgs,
    date: &gapsim::report::date::Date,
    extras: &Extras,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut out = vec![
        (
            "comparison.json".to_string(),
            report::compare::serialize(comparison),
        ),
        (
            "comparison.csv".to_string(),
            report::compare::csv(comparison),
        ),
    ];
    for (r, slug) in ran.iter().zip(slugs(ran)) {
        out.push((
            format!("models/{slug}/summary.json"),
            report::json::serialize(&r.summary),
        ));
        out.push((
            format!("models/{slug}/model.toml"),
            r.compared.source.text.as_bytes().to_vec(),
        ));
    }
    if !args.settings.no_charts {
        let summaries: Vec<&Summary> = ran.iter().map(|r| &r.summary).collect();
        let charts = gapsim::chart::render_comparison(comparison, &summaries)
            .context("could not draw the charts")?;
        let command = extras.command.clone().unwrap_or_else(|| command(args));
        out.extend(report::compare::report_files(
            comparison, &charts, date, &command,
        ));
        // From comparison.json as read back, so that the workbook holds its figures to the
        // last bit.
        let reread =
            report::compare::parse(&out[0].1).context("could not read back comparison.json")?;
        out.push((
            "results.xlsx".to_string(),
            report::xlsx::comparison(&reread, date).context("could not write results.xlsx")?,
        ));
    }
    Ok(out)
}

/// The command that reproduces the comparison, for the report's method note.
fn command(args: &CompareArgs) -> String {
    let mut words = vec!["gapsim".to_string(), "compare".into()];
    words.push(args.base.display().to_string());
    words.extend(args.others.iter().map(|p| p.display().to_string()));
    words.extend(args.set.iter().map(|s| format!("--set '{s}'")));
    words.extend(settings(args));
    words.join(" ")
}

/// The options that change a comparison's figures, as a command line writes them.
pub fn settings(args: &CompareArgs) -> Vec<String> {
    let mut words = vec![
        format!("--seed {}", args.settings.seed),
        format!("--iterations {}", args.settings.iterations),
    ];
    match args.settings.sampling {
        super::args::SamplingArg::Mc => {}
        super::args::SamplingArg::Lhs => words.push("--sampling lhs".into()),
        super::args::SamplingArg::Qmc => words.push("--sampling qmc".into()),
    }
    if let Some(r) = args.settings.reserves {
        words.push(format!("--reserves {r}"));
    }
    if args.settings.repair_correlation {
        words.push("--repair-correlation".into());
    }
    words
}

/// The first year at the drivers' means, in the model's unit.
fn central(model: &Model, reserves: rust_decimal::Decimal) -> gapsim::stats::CentralFigures {
    use rust_decimal::prelude::ToPrimitive;
    let c = gapsim::engine::central(model, reserves.to_f64().unwrap_or(0.0));
    let unit = model.meta.unit;
    gapsim::stats::CentralFigures {
        gap: stats::money(unit, c.gap),
        shortfall: stats::money(unit, c.shortfall),
        s114_level: c.s114_level,
    }
}

/// The failure for a comparison stopped by a signal.
fn interrupted(stop: &Stop) -> Failure {
    stop.requested().map_or_else(
        || Failure::Other(anyhow::anyhow!("the comparison was interrupted")),
        Failure::Interrupted,
    )
}
