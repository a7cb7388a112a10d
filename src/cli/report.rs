//! `gapsim report`: charts and the committee report, for a new run or a finished one.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, bail};
use gapsim::model::{LoadOptions, Model};
use gapsim::report::{document, html, json, markdown};
use gapsim::stats::Summary;

use super::args::ReportArgs;
use super::{Failure, validate};

/// The chart and report files of a run: (file name, bytes).
pub fn files(summary: &Summary, model: &Model) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let charts = gapsim::chart::render_all(summary).context("could not draw the charts")?;
    let blocks = document::build(summary, model);
    let title = format!("{}: budget gap risk", summary.model.name);
    let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
    let mut out = vec![
        (
            "report.html".to_string(),
            html::render(&title, &blocks, &charts).into_bytes(),
        ),
        (
            "report.md".to_string(),
            markdown::render(&blocks, &names).into_bytes(),
        ),
    ];
    for c in &charts {
        out.push((format!("{}.png", c.name), c.png.clone()));
        out.push((format!("{}.svg", c.name), c.svg.clone().into_bytes()));
    }
    Ok(out)
}

/// Rebuilds the charts and report of `args.run_dir` from its `summary.json` and
/// `model.toml`, without simulating again.
pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    let dir = &args.run_dir;
    let summary_path = dir.join("summary.json");
    let bytes = fs::read(&summary_path).with_context(|| {
        format!(
            "{} is not a gapsim run folder: cannot read {}",
            dir.display(),
            summary_path.display()
        )
    })?;
    let summary = json::parse(&bytes).with_context(|| {
        format!(
            "{} is not a summary written by this version of gapsim",
            summary_path.display()
        )
    })?;
    let model_path = dir.join("model.toml");
    let text = fs::read_to_string(&model_path)
        .with_context(|| format!("cannot read {}", model_path.display()))?;
    let hash = super::sha256_hex(text.as_bytes());
    if hash != summary.model.sha256 {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} has changed since the run (its SHA-256 no longer matches summary.json); \
             the report would not describe the run",
            model_path.display()
        )));
    }
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
    let problems = validate::summary(&summary, &loaded.model);
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
    let files = files(&summary, &loaded.model)?;
    for (name, bytes) in &files {
        replace_file(dir, name, bytes)?;
    }
    super::print(&format!(
        "Rebuilt {} files in {}: report.html, report.md and the charts\n",
        files.len(),
        dir.display()
    ))?;
    Ok(())
}

/// Writes `name` in `dir` through a temporary file and a rename, so a reader never sees a
/// half-written file.
fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let target = dir.join(name);
    if let Err(e) = fs::write(&tmp, bytes) {
        let _ = fs::remove_file(&tmp);
        bail!("could not write {}: {e}", tmp.display());
    }
    fs::rename(&tmp, &target).with_context(|| format!("could not write {}", target.display()))
}
