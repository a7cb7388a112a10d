//! `gapsim report`: charts and the committee report, for a new run or a finished one.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, bail};
use gapsim::audit;
use gapsim::model::{LoadOptions, Model};
use gapsim::report::date::Date;
use gapsim::report::{csv, document, docx, html, json, markdown, xlsx};
use gapsim::stats::Summary;

use super::args::ReportArgs;
use super::signals::Stop;
use super::{Failure, manifest, staging};

/// Today's date in UTC, the report's date: `SOURCE_DATE_EPOCH` (seconds since 1970, the
/// reproducible-builds convention) when it is set, so that a rebuilt report can be made
/// byte-identical; otherwise the clock.
pub fn today() -> anyhow::Result<Date> {
    let seconds = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse::<i64>().map_err(|_| {
            anyhow::anyhow!(
                "SOURCE_DATE_EPOCH is {text:?}, not a whole number of seconds since \
                 1970-01-01; set it to one (e.g. $(date +%s)) or unset it"
            )
        })?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    };
    Ok(Date::from_unix_seconds(seconds))
}

/// The chart and report files of a run, the report dated `date`: (file name, bytes): the
/// committee report as HTML, Markdown and Word, the figures as a workbook, and the charts.
pub fn files(
    summary: &Summary,
    model: &Model,
    date: &Date,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let charts = gapsim::chart::render_all(summary).context("could not draw the charts")?;
    let blocks = document::build(summary, model, date);
    let title = format!("{}: budget gap risk", summary.model.name);
    let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
    let mut out = vec![
        (
            "report.html".to_string(),
            html::render(&title, date, &blocks, &charts).into_bytes(),
        ),
        (
            "report.md".to_string(),
            markdown::render(&blocks, &names).into_bytes(),
        ),
        (
            "report.docx".to_string(),
            docx::render(&title, date, &blocks, &charts).context("could not write report.docx")?,
        ),
        (
            "results.xlsx".to_string(),
            xlsx::results(summary, model, date).context("could not write results.xlsx")?,
        ),
    ];
    out.extend(chart_files(&charts));
    Ok(out)
}

/// Each chart's PNG and SVG, named by the chart, for a folder.
pub fn chart_files(charts: &[gapsim::chart::Chart]) -> Vec<(String, Vec<u8>)> {
    charts
        .iter()
        .flat_map(|c| {
            [
                (format!("{}.png", c.name), c.png.clone()),
                (format!("{}.svg", c.name), c.svg.clone().into_bytes()),
            ]
        })
        .collect()
}

/// Rebuilds the charts and report of `args.run_dir` from its `summary.json` and
/// `model.toml`, without simulating again, once the folder's files are checked against its
/// manifest and the summary against the model. The new files and the updated manifest
/// replace the old ones together or not at all.
pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    let dir = &args.run_dir;
    let summary_path = dir.join("summary.json");
    if !summary_path.is_file() {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} is not a gapsim run folder: it has no summary.json",
            dir.display()
        )));
    }
    let stop = Stop::install();
    staging::remove_stale(dir);
    let checked = manifest::check(dir)?;
    let bytes = &checked.read["summary.json"];
    let summary = json::parse(bytes).with_context(|| {
        format!(
            "{} is not a summary written by this version of gapsim",
            summary_path.display()
        )
    })?;
    let model_path = dir.join("model.toml");
    let model_bytes = &checked.read["model.toml"];
    if audit::model_text(&summary, model_bytes).is_some() {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} has changed since the run (its SHA-256 no longer matches summary.json); \
             the report would not describe the run",
            model_path.display()
        )));
    }
    let text = String::from_utf8(model_bytes.clone())
        .with_context(|| format!("{} is not UTF-8 text", model_path.display()))?;
    let options = LoadOptions {
        repair_correlation: summary.correlation.repaired,
    };
    let loaded = super::load(
        &super::Source {
            label: model_path.display().to_string(),
            text,
        },
        &options,
    )?;
    let problems = audit::summary(&summary, &loaded.model);
    if !problems.is_empty() {
        let list: String = problems.iter().map(|p| format!("\n  - {p}")).collect();
        return Err(Failure::Other(anyhow::anyhow!(
            "{} cannot be what gapsim run wrote:{list}\nIt has been edited or damaged since \
             the run, so a report drawn from it would not describe the run; rebuild it with \
             gapsim run {} and the original run's options (seed, iterations, reserves, \
             sampling), which report.md's method note lists",
            summary_path.display(),
            model_path.display(),
        )));
    }
    // Each table the folder holds must be the one its summary gives (a folder written
    // before years.csv and reserves.csv existed has neither, and its summary neither part).
    for (name, expected) in csv::data_files(&summary) {
        if let Some(bytes) = checked.read.get(name) {
            if *bytes != expected {
                let what = match name {
                    "percentiles.csv" => "table of percentiles",
                    "years.csv" => "table of the years",
                    _ => "table of the reserves needed",
                };
                return Err(Failure::Other(anyhow::anyhow!(
                    "{} is not the {what} that {} holds: one of them has been edited or \
                     damaged since the run; rebuild the run with gapsim run {} and the \
                     original run's options (seed, iterations, reserves, sampling), which \
                     report.md's method note lists",
                    dir.join(name).display(),
                    summary_path.display(),
                    model_path.display(),
                )));
            }
        }
    }
    let mut files = files(&summary, &loaded.model, &today()?)?;
    let rebuilt = files.len();
    let list = manifest::updated(&checked.entries, &files);
    // Last, so that until the very end the old manifest describes the old files.
    files.push((gapsim::audit::manifest::FILE.to_string(), list.into_bytes()));
    if stop.requested().is_some() {
        return Err(interrupted(&stop));
    }
    replace_files(dir, &files, &|| stop.requested().is_some())?
        .then_some(())
        .ok_or_else(|| interrupted(&stop))?;
    super::print(&format!(
        "Rebuilt {rebuilt} files in {}: report.html, report.md, report.docx, results.xlsx and \
         the charts\n",
        dir.display()
    ))?;
    Ok(())
}

fn interrupted(stop: &Stop) -> Failure {
    stop.requested().map_or_else(
        || Failure::Other(anyhow::anyhow!("interrupted")),
        Failure::Interrupted,
    )
}

/// Replaces `files` (name, bytes) in `dir`, all of them or none; false if `stopped()` said
/// a stop signal arrived before the first replacement (then nothing was changed).
///
/// The new files are written to a hidden staging folder inside `dir` (so on the same file
/// system, where a rename is atomic), each synced; the files they replace are linked (or
/// copied) into it too. Only when everything is there do the renames into place start, and
/// if one of those fails (a folder where a file should be), the files already moved are put
/// back. A full disk or an unwritable file therefore changes nothing: report.md never links
/// to charts that were not rewritten. A stop signal during the renames waits for them.
fn replace_files(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    stopped: &dyn Fn() -> bool,
) -> anyhow::Result<bool> {
    let staging = staging::path_in(dir);
    let outcome = stage(&staging, dir, files).and_then(|old| {
        if stopped() {
            return Ok(false);
        }
        swap_in(&staging, dir, files, &old)?;
        staging::sync_dir(dir)
            .with_context(|| format!("could not sync the folder {}", dir.display()))?;
        Ok(true)
    });
    let _ = fs::remove_dir_all(&staging);
    outcome
}

/// Writes the new files into `staging/new` and keeps the ones they replace in
/// `staging/old`; returns, for each file, whether an old one was kept.
fn stage(staging: &Path, dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<bool>> {
    let unchanged = |what: String, e: std::io::Error| {
        anyhow::anyhow!("{what}: {e}; nothing in {} was changed", dir.display())
    };
    let new = staging.join("new");
    staging::create(staging)
        .map_err(|e| unchanged(format!("could not create {}", staging.display()), e))?;
    for sub in ["new", "old"] {
        let path = staging.join(sub);
        fs::create_dir_all(&path)
            .map_err(|e| unchanged(format!("could not create {}", path.display()), e))?;
    }
    let mut kept = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let new = staging.join("new").join(name);
        staging::write_synced(&new, bytes)
            .map_err(|e| unchanged(format!("could not write {}", new.display()), e))?;
        // A file (or a link) to put back if the swap fails; a folder in the way makes the
        // swap fail, and is left alone.
        let target = dir.join(name);
        let keep = fs::symlink_metadata(&target).is_ok_and(|m| !m.is_dir());
        if keep {
            let old = staging.join("old").join(name);
            // A second link costs no space; a copy is the fallback where links are not
            // supported.
            fs::hard_link(&target, &old)
                .or_else(|_| fs::copy(&target, &old).map(|_| ()))
                .map_err(|e| {
                    unchanged(format!("could not keep a copy of {}", target.display()), e)
                })?;
        }
        kept.push(keep);
    }
    staging::sync_dir(&new)
        .map_err(|e| unchanged(format!("could not sync {}", new.display()), e))?;
    Ok(kept)
}

/// Renames each staged file into place; on a failure, puts back the ones already moved.
fn swap_in(
    staging: &Path,
    dir: &Path,
    files: &[(String, Vec<u8>)],
    kept: &[bool],
) -> anyhow::Result<()> {
    for (k, (name, _)) in files.iter().enumerate() {
        let target = dir.join(name);
        if let Err(e) = fs::rename(staging.join("new").join(name), &target) {
            let mut undone = true;
            for (j, (done, _)) in files.iter().enumerate().take(k).rev() {
                let back = if kept[j] {
                    fs::rename(staging.join("old").join(done), dir.join(done))
                } else {
                    fs::remove_file(dir.join(done))
                };
                undone &= back.is_ok();
            }
            let why = if target.is_dir() {
                "it is a folder, not a file: remove or rename it, then run gapsim report \
                 again"
                    .to_string()
            } else {
                e.to_string()
            };
            let outcome = if undone {
                format!("nothing in {} was changed", dir.display())
            } else {
                format!(
                    "some files in {} could not be put back; run gapsim report again once \
                     the problem is fixed",
                    dir.display()
                )
            };
            bail!("could not replace {}: {why}; {outcome}", target.display());
        }
    }
    Ok(())
}
