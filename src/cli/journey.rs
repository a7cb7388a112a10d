//! `gapsim journey FILE…`: one year's monitoring positions (budget, Q1, Q2, …), each
//! re-forecast on the same seed, as one table and one chart.

use std::fmt::Write as _;

use anyhow::Context as _;
use gapsim::model::monitor::Position;
use gapsim::stats::journey::{self, JourneyPoint};
use gapsim::stats::{self, Provenance};

use super::args::{JourneyArgs, RunArgs};
use super::output::{self, Target};
use super::run::simulate_loaded;
use super::signals::Stop;
use super::{Failure, outputs_dir, print};

/// The point's short label: Budget, Q1, Q2, Q3, or the month.
pub fn label(p: &Position) -> String {
    match p.month {
        0 => "Budget".into(),
        3 => "Q1".into(),
        6 => "Q2".into(),
        9 => "Q3".into(),
        m => {
            const END: [&str; 12] = [
                "", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb",
            ];
            format!("Month {m} ({})", END[usize::from(m.min(11))])
        }
    }
}

/// Runs every position and writes the journey's folder.
pub fn journey(args: &JourneyArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    let first_stem = args.files[0]
        .file_stem()
        .map_or_else(|| "journey".into(), |s| s.to_string_lossy().into_owned());
    let target = match &args.out {
        Some(dir) => Target::Exact(dir.clone()),
        None => Target::Auto {
            parent: outputs_dir(),
            model_stem: format!("journey-{first_stem}"),
        },
    };
    output::precheck(&target)?;
    // Every file read and checked before anything is simulated.
    let mut ready = Vec::new();
    for f in &args.files {
        ready.push(super::monitor::load(f, None, false)?);
    }
    let (council, year) = (
        ready[0].position.council.clone(),
        ready[0].position.year.clone(),
    );
    for (r, f) in ready.iter().zip(&args.files) {
        if r.position.council != council || r.position.year != year {
            return Err(Failure::Other(anyhow::anyhow!(
                "{} is for {} {}, but {} is for {council} {year}: a journey follows one council's year",
                f.display(),
                r.position.council,
                r.position.year,
                args.files[0].display()
            )));
        }
    }
    let mut order: Vec<usize> = (0..ready.len()).collect();
    order.sort_by_key(|&i| ready[i].position.month);
    for w in order.windows(2) {
        if ready[w[0]].position.month == ready[w[1]].position.month {
            return Err(Failure::Other(anyhow::anyhow!(
                "{} and {} are both at month {}: give one position per month",
                args.files[w[0]].display(),
                args.files[w[1]].display(),
                ready[w[0]].position.month
            )));
        }
    }
    let unit = ready[0].position.unit;
    let run = RunArgs {
        iterations: args.iterations,
        seed: args.seed,
        threads: args.threads,
        no_charts: true,
        ..RunArgs::default()
    };
    let mut points: Vec<JourneyPoint> = Vec::new();
    let mut files_in: Vec<(String, String)> = Vec::new();
    let mut by_index: Vec<Option<super::monitor::Ready>> = ready.into_iter().map(Some).collect();
    for &i in &order {
        let Some(r) = by_index[i].take() else {
            continue;
        };
        let label = label(&r.position);
        let provenance = Provenance {
            file: r.source.label.clone(),
            sha256: super::sha256_hex(r.source.text.as_bytes()),
            program: format!("gapsim {}", env!("CARGO_PKG_VERSION")),
            reserves_overridden: false,
            precision: None,
        };
        let mut s = simulate_loaded(r.source, r.model, &run, &stop, &|| Ok(()))?;
        let summary = s
            .pool
            .install(|| stats::summarize(&s.model, &s.config, &provenance, &mut s.result));
        points.push(journey::point(&summary, &label, r.position.month));
        let stem = args.files[i].file_name().map_or_else(
            || format!("point-{i}"),
            |n| n.to_string_lossy().into_owned(),
        );
        files_in.push((format!("positions/{stem}"), r.input.1));
    }
    if stop.requested().is_some() {
        return Err(super::run::interrupted(&stop));
    }
    let title = format!("{council} {year}: where the year was forecast to end");
    let charts = gapsim::chart::render_journey(&points, unit.symbol(), &title)
        .context("could not draw the journey chart")?;
    let csv = table_csv(&points);
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "council": council,
        "year": year,
        "unit": unit.symbol(),
        "seed": args.seed,
        "iterations": args.iterations,
        "points": points,
    }))
    .context("could not write journey.json")?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("journey.csv".into(), csv.into_bytes()),
        ("journey.json".into(), (json + "\n").into_bytes()),
    ];
    files.extend(super::report::chart_files(&charts));
    files.extend(files_in.into_iter().map(|(n, t)| (n, t.into_bytes())));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let Some(dir) = output::write(&target, &refs, &|| stop.requested().is_some())? else {
        return Err(super::run::interrupted(&stop));
    };
    print(&format!(
        "{}\nWrote {}\n",
        terminal(&title, unit.symbol(), &points),
        dir.display()
    ))?;
    Ok(())
}

fn table_csv(points: &[JourneyPoint]) -> String {
    let mut s = String::from(
        "point,month,p10,median,p90,p_drawing_on_reserves,p_s114_level,usable_reserves\n",
    );
    for p in points {
        let _ = writeln!(
            s,
            "{},{},{:.4},{:.4},{:.4},{:.6},{:.6},{:.4}",
            p.label, p.month, p.p10, p.p50, p.p90, p.p_drawing, p.p_s114, p.usable_reserves
        );
    }
    s
}

fn terminal(title: &str, unit: &str, points: &[JourneyPoint]) -> String {
    let mut s =
        format!("{title}\nYear-end overspend after mitigation, {unit} (positive = overspend)\n");
    let _ = writeln!(
        s,
        "  {:<9} {:>8} {:>8} {:>8}   {:>10} {:>10}",
        "point", "P10", "median", "P90", "P(draw)", "P(S114)"
    );
    for p in points {
        let _ = writeln!(
            s,
            "  {:<9} {:>8.1} {:>8.1} {:>8.1}   {:>9.1}% {:>9.2}%",
            p.label,
            p.p10,
            p.p50,
            p.p90,
            p.p_drawing * 100.0,
            p.p_s114 * 100.0
        );
    }
    s
}
