//! `gapsim backtest CASES.csv`: each council-year forecast re-forecast as `monitor` would,
//! its outturn placed in the forecast distribution (PIT), and the ranges' coverage, the
//! PIT histogram and the CRPS over all the cases.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use gapsim::engine::{self, RunConfig};
use gapsim::model::monitor::{self, Case};
use gapsim::model::{Model, diagnostic};
use gapsim::sample::Sampling;
use gapsim::stats::backtest::{self, Assessment, CaseScore};
use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive as _;

use super::args::BacktestArgs;
use super::output::{self, Target};
use super::signals::Stop;
use super::{Failure, outputs_dir, print, read_model, warn};

/// One case's forecast, scored against its outturn.
pub fn score_case(
    case: &Case,
    seed: u64,
    iterations: u64,
    cancel: &AtomicBool,
) -> anyhow::Result<CaseScore> {
    let position = case.position();
    let compiled = monitor::compile(&position);
    let model = Model::from_toml("case", &compiled.text)
        .map_err(|e| {
            anyhow::anyhow!(
                "row {}: the case's forecast could not be built: {:?}",
                case.row,
                e.error_kinds()
            )
        })?
        .model;
    let config = RunConfig {
        seed,
        iterations,
        reserves: position.usable_reserves().to_f64().unwrap_or(0.0),
        sampling: Sampling::MonteCarlo,
    };
    let result = engine::run(&model, &config, &|_| {}, cancel)
        .with_context(|| format!("row {}: the run failed", case.row))?;
    let mut sorted = result.shortfall;
    sorted.sort_by(f64::total_cmp);
    Ok(backtest::score(
        &sorted,
        case.outturn.to_f64().unwrap_or(0.0),
    ))
}

/// Scores every case (in parallel, each with the same seed) and assesses them.
pub fn assess(
    cases: &[Case],
    seed: u64,
    iterations: u64,
    bins: usize,
    cancel: &AtomicBool,
) -> anyhow::Result<(Vec<CaseScore>, Assessment)> {
    let scores = cases
        .par_iter()
        .map(|c| score_case(c, seed, iterations, cancel))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let assessment = backtest::assess(&scores, bins);
    Ok((scores, assessment))
}

/// Reads the cases, runs them and writes the back-test's folder.
pub fn backtest(args: &BacktestArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    let target = match &args.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: format!(
                "backtest-{}",
                args.cases
                    .file_stem()
                    .map_or_else(|| "cases".into(), |s| s.to_string_lossy().into_owned())
            ),
        },
    };
    output::precheck(&target)?;
    let src = read_model(Some(&args.cases))?;
    let (cases, diags) = monitor::read_cases(&src.text);
    let refused = diags
        .iter()
        .filter(|d| d.severity == diagnostic::Severity::Error)
        .count();
    if !diags.is_empty() {
        warn(&diagnostic::render(&src.label, &src.text, &diags));
    }
    if cases.is_empty() {
        warn(&format!(
            "{}: no case could be read; nothing was run\n",
            src.label
        ));
        return Err(Failure::Reported);
    }
    let threads = match args.threads {
        Some(t) => usize::try_from(t).context("too many threads")?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("could not start worker threads")?;
    let bins = usize::try_from(args.bins).unwrap_or(10);
    let (scores, assessment) = pool
        .install(|| assess(&cases, args.seed, args.iterations, bins, stop.flag()))
        .map_err(|e| {
            if stop.requested().is_some() {
                super::run::interrupted(&stop)
            } else {
                Failure::Other(e)
            }
        })?;
    let charts =
        gapsim::chart::render_backtest(&assessment).context("could not draw the PIT chart")?;
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "file": src.label,
        "seed": args.seed,
        "iterations_per_case": args.iterations,
        "rows_refused": refused,
        "assessment": assessment,
        "cases": cases.iter().zip(&scores).map(|(c, s)| serde_json::json!({
            "row": c.row, "council": c.council, "year": c.year, "month": c.month,
            "forecast": c.forecast, "outturn": c.outturn, "score": s,
        })).collect::<Vec<_>>(),
    }))
    .context("could not write backtest.json")?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "backtest.csv".into(),
            table_csv(&cases, &scores).into_bytes(),
        ),
        ("backtest.json".into(), (json + "\n").into_bytes()),
        ("cases.csv".into(), src.text.clone().into_bytes()),
    ];
    files.extend(super::report::chart_files(&charts));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let Some(dir) = output::write(&target, &refs, &|| stop.requested().is_some())? else {
        return Err(super::run::interrupted(&stop));
    };
    print(&format!(
        "{}Wrote {}\n",
        terminal(&assessment, refused),
        dir.display()
    ))?;
    if refused > 0 {
        warn(&format!(
            "gapsim: {refused} row{} of {} could not be read and {} left out (above); the other {} ran\n",
            if refused == 1 { "" } else { "s" },
            src.label,
            if refused == 1 { "was" } else { "were" },
            cases.len()
        ));
        return Err(Failure::Reported);
    }
    Ok(())
}

fn table_csv(cases: &[Case], scores: &[CaseScore]) -> String {
    let mut s = String::from(
        "row,council,year,month,forecast,outturn,p05,p10,p50,p90,p95,pit,crps,inside_p10_p90,inside_p5_p95\n",
    );
    for (c, k) in cases.iter().zip(scores) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.6},{:.6},{},{}",
            c.row,
            csv_text(&c.council),
            csv_text(&c.year),
            c.month,
            c.forecast,
            c.outturn,
            k.p05,
            k.p10,
            k.p50,
            k.p90,
            k.p95,
            k.pit,
            k.crps,
            k.inside_80,
            k.inside_90
        );
    }
    s
}

fn csv_text(t: &str) -> String {
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t.to_string()
    }
}

fn terminal(a: &Assessment, refused: usize) -> String {
    let mut s = format!(
        "Back-test of {} forecasts{}\n",
        a.cases,
        if refused > 0 {
            format!(" ({refused} rows refused)")
        } else {
            String::new()
        }
    );
    for c in [&a.coverage_80, &a.coverage_90] {
        let _ = writeln!(
            s,
            "  {} range held the outturn in {} of {} cases: {:.1}% (95% interval {:.1}% to {:.1}%; nominal {:.0}%): {}",
            c.range,
            c.inside,
            c.cases,
            c.rate * 100.0,
            c.interval.0 * 100.0,
            c.interval.1 * 100.0,
            c.nominal * 100.0,
            match c.verdict {
                backtest::Verdict::Consistent => "consistent with the nominal coverage",
                backtest::Verdict::UnderCovered =>
                    "UNDER-COVERED: the ranges are too narrow (over-confident)",
                backtest::Verdict::OverCovered =>
                    "over-covered: the ranges are wider than they need be",
                backtest::Verdict::TooFewCases => "too few cases to judge",
            }
        );
    }
    let _ = writeln!(
        s,
        "  PIT histogram ({} bins): chi-square {:.2} on {} degrees of freedom, p = {:.4}{}",
        a.pit.counts.len(),
        a.pit.chi_square,
        a.pit.dof,
        a.pit.p_value,
        if a.pit.p_value < 0.01 {
            ": not flat, the forecasts are miscalibrated"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "  mean CRPS {:.3} (in the cases' unit; lower is better)",
        a.mean_crps
    );
    s
}
