//! `gapsim run`: simulate a model and write a run folder.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use gapsim::engine::{self, EngineError, RunConfig};
use gapsim::model::LoadOptions;
use gapsim::report;
use gapsim::sample::Sampling;
use gapsim::stats::{self, Provenance};
use rust_decimal::prelude::ToPrimitive;

use super::args::{RunArgs, SamplingArg};
use super::output::{self, Target};
use super::progress::Progress;
use super::signals::Stop;
use super::{
    Failure, Source, memory, notice, outputs_dir, print, print_bytes, report_warnings, warn,
};

/// A finished simulation, before its figures are computed.
pub(super) struct Simulated {
    pub(super) source: Source,
    pub(super) model: gapsim::model::Model,
    pub(super) config: RunConfig,
    pub(super) threads: usize,
    pub(super) pool: rayon::ThreadPool,
    pub(super) result: engine::RunResult,
    pub(super) elapsed: std::time::Duration,
    /// Files the run was made from besides its model (a monitoring position): name, text.
    pub(super) inputs: Vec<(String, String)>,
}

/// A model read and checked as `args` say, with the other files it was made from.
pub(super) struct LoadedRun {
    pub(super) source: Source,
    pub(super) model: gapsim::model::Model,
    /// Files besides the model (a monitoring position): name, text.
    pub(super) inputs: Vec<(String, String)>,
}

/// Reads and checks the model `args` name (a model, a scenario, or a monitoring position).
pub(super) fn load(args: &RunArgs) -> Result<LoadedRun, Failure> {
    if let Some(file) = &args.monitoring {
        if !args.set.is_empty() {
            return Err(Failure::Other(anyhow::anyhow!(
                "--set does not apply to a monitoring position: edit the monitoring file"
            )));
        }
        let ready = super::monitor::load(file, args.model.as_deref(), args.strict)?;
        return Ok(LoadedRun {
            source: ready.source,
            model: ready.model,
            inputs: vec![ready.input],
        });
    }
    let ready = super::scenario::load(
        args.model.as_deref(),
        &args.set,
        &LoadOptions {
            repair_correlation: args.repair_correlation,
        },
        args.strict,
    )?;
    Ok(LoadedRun {
        source: ready.source,
        model: ready.model,
        inputs: Vec::new(),
    })
}

/// Reads and checks the model, and simulates it as `args` say (the run folder's place is
/// checked first by the caller when it writes one).
pub(super) fn simulate(
    args: &RunArgs,
    stop: &Stop,
    before: &dyn Fn() -> Result<(), Failure>,
) -> Result<Simulated, Failure> {
    let ready = load(args)?;
    let mut s = simulate_loaded(ready.source, ready.model, args, stop, before)?;
    s.inputs.extend(ready.inputs);
    Ok(s)
}

/// The sampling method `arg` names.
pub(super) fn sampling(arg: SamplingArg) -> Sampling {
    match arg {
        SamplingArg::Mc => Sampling::MonteCarlo,
        SamplingArg::Lhs => Sampling::LatinHypercube,
        SamplingArg::Qmc => Sampling::QuasiMonteCarlo,
    }
}

/// Simulates a model already read and checked as `args` say (`args.model` is not read):
/// `before` runs once the `--reserves` override has been checked against the model.
pub(super) fn simulate_loaded(
    source: Source,
    model: gapsim::model::Model,
    args: &RunArgs,
    stop: &Stop,
    before: &dyn Fn() -> Result<(), Failure>,
) -> Result<Simulated, Failure> {
    if let Some(d) = args.reserves.and_then(|r| model.check_reserves_override(r)) {
        report_warnings(&source, &[d], args.strict)?;
    }
    before()?;

    let keep_up_to = keep_years_up_to()?;
    let reserves = args.reserves.unwrap_or_else(|| model.usable_reserves());
    let mut iterations = match args.precision {
        Some(_) => {
            memory::precision_cap(&model, args.iterations, keep_up_to, sampling(args.sampling))?
        }
        None => args.iterations,
    };
    // A multi-year run keeps every path: at most what a run keeps.
    let most = keep_up_to.min(engine::KEEP_YEARS_UP_TO);
    if model.horizon.is_multi_year() && iterations > most {
        if args.precision.is_none() {
            return Err(Failure::Other(anyhow::anyhow!(
                "{iterations} simulated paths of a model of several years is more than a \
                 run can keep: each path's years are kept for their percentiles, and at most \
                 {most} paths are (a one-year model streams beyond that; a multi-year one does \
                 not yet); run with --iterations {most} or fewer, or use --precision"
            )));
        }
        notice(&format!(
            "gapsim: --precision run of a model of several years capped at {most} simulated \
             paths, the most a multi-year run keeps\n"
        ));
        iterations = most;
    }
    let config = RunConfig {
        seed: args.seed,
        iterations,
        reserves: reserves
            .to_f64()
            .context("usable reserves are out of range")?,
        sampling: sampling(args.sampling),
    };
    let threads = match args.threads {
        Some(t) => usize::try_from(t).context("too many threads")?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let threads = memory::fit(
        &model,
        config.iterations,
        keep_up_to,
        config.sampling,
        threads,
        args.threads.is_some(),
    )?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("could not start worker threads")?;

    let cancel = stop.flag();

    let progress = Progress::new(config.iterations, !args.output.quiet);
    let start = Instant::now();
    let tick = |n| progress.tick(n);
    let collecting = |n| progress.collecting(n);
    let keep = engine::Keep {
        years_up_to: keep_up_to,
        ranks: &stats::ranks_read,
        collecting: &collecting,
    };
    let outcome = pool.install(|| match args.precision {
        None => engine::run_keeping(&model, &config, &keep, &tick, cancel),
        Some(width) => engine::run_to_precision(
            &model,
            &config,
            width,
            stats::stopping_rule(config.sampling),
            &keep,
            &tick,
            cancel,
        ),
    });
    progress.finish();
    let result = match outcome {
        Ok(r) => r,
        Err(EngineError::Cancelled) => return Err(interrupted(stop)),
        Err(e) => return Err(engine_failure(&source, e)),
    };
    Ok(Simulated {
        source,
        model,
        config,
        threads,
        pool,
        result,
        elapsed: start.elapsed(),
        inputs: Vec::new(),
    })
}

/// Runs the model, prints the summary and writes the run folder. With `--json` the
/// summary printed is summary.json's bytes; with `--quiet`, nothing is printed but errors.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    if let Some(shard) = args.shard {
        return super::shard::run_shard(args, shard);
    }
    super::set_quiet(args.output.quiet);
    // First, so that a stop signal at any point stops the run before anything is written.
    let stop = Stop::install();
    // The report's date, read before simulating so that a malformed SOURCE_DATE_EPOCH
    // costs no simulation time.
    let date = super::report::today()?;
    let target = match &args.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: args
                .monitoring
                .as_deref()
                .or(args.model.as_deref())
                .and_then(Path::file_stem)
                .map_or_else(
                    || {
                        gapsim::DEFAULT_MODEL_FILE
                            .trim_end_matches(".toml")
                            .to_string()
                    },
                    |s| s.to_string_lossy().into_owned(),
                ),
        },
    };
    run_into(args, &target, &stop, &date, args.output)
}

/// Reads, checks and simulates the model `args` name, and writes its run folder at
/// `target`, printing what `printed` asks for: the one path from a model to its run
/// folder, which `gapsim run` and each model of `gapsim batch` take.
pub(super) fn run_into(
    args: &RunArgs,
    target: &Target,
    stop: &Stop,
    date: &gapsim::report::date::Date,
    printed: super::args::OutputArgs,
) -> Result<(), Failure> {
    let Simulated {
        source,
        model,
        config,
        threads,
        pool,
        result,
        elapsed,
        inputs,
    } = simulate(args, stop, &|| Ok(output::precheck(target)?))?;
    let provenance = Provenance {
        file: source.label.clone(),
        sha256: super::sha256_hex(source.text.as_bytes()),
        program: format!("gapsim {}", env!("CARGO_PKG_VERSION")),
        reserves_overridden: args.reserves.is_some(),
        precision: args.precision,
    };
    publish(Publish {
        source: &source,
        model: &model,
        config: &config,
        provenance,
        result,
        inputs: &inputs,
        pool: &pool,
        threads,
        elapsed,
        merged: None,
        no_charts: args.no_charts,
        date,
        target,
        stop,
        output: printed,
    })
}

/// A finished simulation (a run, or merged shards) to summarise and write.
pub(super) struct Publish<'a> {
    pub(super) source: &'a Source,
    pub(super) model: &'a gapsim::model::Model,
    pub(super) config: &'a RunConfig,
    pub(super) provenance: Provenance,
    pub(super) result: engine::RunResult,
    pub(super) inputs: &'a [(String, String)],
    pub(super) pool: &'a rayon::ThreadPool,
    pub(super) threads: usize,
    pub(super) elapsed: std::time::Duration,
    /// How many shard files the result was merged from (`gapsim merge`), or None for a run
    /// that simulated its years here.
    pub(super) merged: Option<usize>,
    pub(super) no_charts: bool,
    pub(super) date: &'a gapsim::report::date::Date,
    pub(super) target: &'a Target,
    pub(super) stop: &'a Stop,
    /// `--json` and `--quiet`.
    pub(super) output: super::args::OutputArgs,
}

/// Computes the figures, writes the run folder and prints the summary.
pub(super) fn publish(p: Publish<'_>) -> Result<(), Failure> {
    let Publish {
        source,
        model,
        config,
        provenance,
        mut result,
        inputs,
        pool,
        threads,
        elapsed,
        merged,
        no_charts,
        date,
        target,
        stop,
        output,
    } = p;
    let summary = pool.install(|| stats::summarize(model, config, &provenance, &mut result));
    drop(result);

    if stop.requested().is_some() {
        return Err(interrupted(stop));
    }
    let json = report::json::serialize(&summary);
    // The tables from the summary as summary.json gives it back, not from the figures in
    // memory: `gapsim report` checks each table against the summary it reads. (With
    // serde_json's float_roundtrip the two are the same to the bit; without it a
    // probability could come back one unit in the last place off.)
    let reread = report::json::parse(&json).context("could not read back summary.json")?;
    let tables = report::csv::data_files(&reread);
    let report_start = Instant::now();
    // From the summary as read back too, so that results.xlsx holds summary.json's figures
    // to the last bit, as a rebuild by `gapsim report` does.
    let extra = if no_charts {
        Vec::new()
    } else {
        super::report::files(&reread, model, date)?
    };
    let report_secs = report_start.elapsed().as_secs_f64();
    // percentiles.csv first and then model.toml, as before; a plan's years.csv and the
    // reserves.csv after them.
    let mut files: Vec<(&str, &[u8])> = vec![("summary.json", &json)];
    let mut tables = tables.iter();
    files.extend(tables.next().map(|(n, b)| (*n, b.as_slice())));
    files.push(("model.toml", source.text.as_bytes()));
    files.extend(inputs.iter().map(|(n, t)| (n.as_str(), t.as_bytes())));
    files.extend(tables.map(|(n, b)| (*n, b.as_slice())));
    files.extend(extra.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let Some(dir) = output::write(target, &files, &|| stop.requested().is_some())? else {
        return Err(interrupted(stop));
    };
    if let Some(signal) = stop.requested() {
        // Too late to stop: the folder is published, whole. Exit 0 still means a run
        // folder was written, and nothing else does.
        notice(&format!(
            "gapsim: {} arrived after the run was written in full to {}; it is complete\n",
            signal.name(),
            dir.display()
        ));
    }

    let secs = elapsed.as_secs_f64();
    let wrote = if no_charts {
        String::new()
    } else {
        format!(
            " (report.html, report.md, report.docx, results.xlsx and charts drawn in \
             {report_secs:.2} s)"
        )
    };
    // The years actually simulated: a run to a precision usually stops before the cap.
    let years = summary.run.iterations;
    let footer = match merged {
        // A merge simulated nothing: a rate of years a second would be a made-up figure.
        Some(shards) => format!(
            "Wrote {}{wrote}\nMerged {} simulated years from {shards} shard{} in {:.2} s.\n",
            dir.display(),
            report::amount(rust_decimal::Decimal::from(years), 0),
            if shards == 1 { "" } else { "s" },
            secs,
        ),
        None => format!(
            "Wrote {}{wrote}\nSimulated in {:.2} s on {threads} thread{} ({} years a second).\n",
            dir.display(),
            secs,
            if threads == 1 { "" } else { "s" },
            report::amount(
                rust_decimal::Decimal::from((years as f64 / secs.max(1e-9)) as u64),
                0
            ),
        ),
    };
    let shown = |e: anyhow::Error| {
        e.context(format!(
            "the run was written to {}, but its summary could not be shown",
            dir.display()
        ))
    };
    if output.json {
        // Standard output is summary.json and nothing else, so that a program can read
        // it; where it was written goes to standard error for the person.
        print_bytes(&json).map_err(shown)?;
        notice(&footer);
    } else if !output.quiet {
        print(&format!("{}\n{footer}", report::terminal::render(&summary))).map_err(shown)?;
    }
    Ok(())
}

/// The environment variable that lowers the most simulated years a run keeps in memory
/// (normally [`engine::KEEP_YEARS_UP_TO`]): longer runs stream, with the same figures. For
/// tests, which compare the two ways on small runs; not in the help.
pub const KEEP_VAR: &str = "GAPSIM_KEEP_YEARS_UP_TO";

/// The most simulated years a run keeps in memory: [`KEEP_VAR`], or the engine's.
pub(super) fn keep_years_up_to() -> Result<u64, Failure> {
    match std::env::var(KEEP_VAR) {
        Err(_) => Ok(engine::KEEP_YEARS_UP_TO),
        Ok(text) => text.trim().parse().map_err(|_| {
            Failure::Other(anyhow::anyhow!(
                "{KEEP_VAR} is {text:?}, which is not a whole number of simulated years"
            ))
        }),
    }
}

/// The failure for a run stopped by a signal.
pub(super) fn interrupted(stop: &Stop) -> Failure {
    stop.requested().map_or_else(
        || Failure::Other(anyhow::anyhow!("the run was interrupted")),
        Failure::Interrupted,
    )
}

/// A failed run for a person: an overflow is located at its item in the model file, as a
/// model error is; anything else is said in words.
fn engine_failure(source: &Source, e: EngineError) -> Failure {
    let EngineError::NotFinite {
        span: Some(span), ..
    } = &e
    else {
        return Failure::Other(anyhow::Error::new(e).context("the run failed"));
    };
    let d = gapsim::model::Diagnostic::error(
        gapsim::model::ProblemKind::NotFinite,
        Some(span.clone()),
        format!("the run failed: {e}"),
    );
    warn(&gapsim::model::diagnostic::render(
        &source.label,
        &source.text,
        &[d],
    ));
    Failure::Reported
}
