//! `gapsim run`: simulate a model and write a run folder.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
use super::{Failure, load, outputs_dir, print, read_model};

/// Runs the model, prints the summary and writes the run folder.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let source = read_model(args.model.as_deref())?;
    let loaded = load(
        &source,
        &LoadOptions {
            repair_correlation: args.repair_correlation,
        },
    )?;
    let model = &loaded.model;

    let target = match &args.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: args.model.as_deref().and_then(Path::file_stem).map_or_else(
                || {
                    gapsim::DEFAULT_MODEL_FILE
                        .trim_end_matches(".toml")
                        .to_string()
                },
                |s| s.to_string_lossy().into_owned(),
            ),
        },
    };
    output::precheck(&target)?;

    let reserves = args.reserves.unwrap_or_else(|| model.usable_reserves());
    let config = RunConfig {
        seed: args.seed,
        iterations: args.iterations,
        reserves: reserves
            .to_f64()
            .context("usable reserves are out of range")?,
        sampling: match args.sampling {
            SamplingArg::Mc => Sampling::MonteCarlo,
            SamplingArg::Lhs => Sampling::LatinHypercube,
        },
    };
    let threads = match args.threads {
        Some(t) => usize::try_from(t).context("too many threads")?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("could not start worker threads")?;

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = Arc::clone(&cancel);
        // If a handler is already installed (never, in the binary) Ctrl-C just kills us,
        // which still leaves no run folder: nothing is written until the end.
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }

    let progress = Progress::new(config.iterations);
    let start = Instant::now();
    let tick = |n| progress.tick(n);
    let outcome = pool.install(|| match args.precision {
        None => engine::run(model, &config, &tick, &cancel),
        Some(width) => engine::run_to_precision(
            model,
            &config,
            width,
            &stats::s114_precision,
            &tick,
            &cancel,
        ),
    });
    progress.finish();
    let mut result = match outcome {
        Ok(r) => r,
        Err(EngineError::Cancelled) => return Err(Failure::Interrupted),
        Err(e) => {
            return Err(Failure::Other(
                anyhow::Error::new(e).context("the run failed"),
            ));
        }
    };
    let elapsed = start.elapsed();

    let provenance = Provenance {
        file: source.label.clone(),
        sha256: super::sha256_hex(source.text.as_bytes()),
        program: format!("gapsim {}", env!("CARGO_PKG_VERSION")),
        reserves_overridden: args.reserves.is_some(),
        precision: args.precision,
    };
    let summary = pool.install(|| stats::summarize(model, &config, &provenance, &mut result));
    drop(result);

    if cancel.load(Ordering::Relaxed) {
        return Err(Failure::Interrupted);
    }
    let json = report::json::serialize(&summary);
    let csv = report::csv::percentiles(&summary);
    let report_start = Instant::now();
    let extra = if args.no_charts {
        Vec::new()
    } else {
        super::report::files(&summary, model, &super::report::today()?)?
    };
    let report_secs = report_start.elapsed().as_secs_f64();
    let mut files: Vec<(&str, &[u8])> = vec![
        ("summary.json", &json),
        ("percentiles.csv", &csv),
        ("model.toml", source.text.as_bytes()),
    ];
    files.extend(extra.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let dir = output::write(&target, &files)?;

    let secs = elapsed.as_secs_f64();
    let wrote = if args.no_charts {
        String::new()
    } else {
        format!(" (report.html, report.md and charts drawn in {report_secs:.2} s)")
    };
    // The years actually simulated: a run to a precision usually stops before the cap.
    let years = summary.run.iterations;
    print(&format!(
        "{}\nWrote {}{wrote}\nSimulated in {:.2} s on {threads} thread{} ({} years a second).\n",
        report::terminal::render(&summary),
        dir.display(),
        secs,
        if threads == 1 { "" } else { "s" },
        report::amount(
            rust_decimal::Decimal::from((years as f64 / secs.max(1e-9)) as u64),
            0
        ),
    ))
    .with_context(|| {
        format!(
            "the run was written to {}, but its summary could not be shown",
            dir.display()
        )
    })?;
    Ok(())
}
