//! `portfolio.xlsx` of a batch folder: Portfolio (a row per council, ranked, as
//! portfolio.json holds them) and How it was run.

use rust_xlsxwriter::DocProperties;

use super::sheet::{Cell, Table};
use super::{WorkbookError, build};
use crate::report::date::Date;
use crate::stats::portfolio::Portfolio;

/// `portfolio.xlsx`, dated `date`.
///
/// # Errors
/// When rust_xlsxwriter cannot build the file.
pub fn portfolio(p: &Portfolio, date: &Date) -> Result<Vec<u8>, WorkbookError> {
    let properties = DocProperties::new()
        .set_title(format!(
            "Portfolio of {} councils: budget gap risk",
            p.models
        ))
        .set_comment(format!("Made by {}", p.program));
    build(&sheets(p), &p.unit, properties, date)
}

/// The portfolio's sheets.
pub fn sheets(p: &Portfolio) -> Vec<Table> {
    vec![councils(p), settings(p)]
}

/// The header of the Portfolio sheet.
pub const HEADER: [&str; 17] = [
    "Rank",
    "Council",
    "Model",
    "File",
    "Year",
    "Net budget",
    "Median gap",
    "P90 gap",
    "P(drawing on reserves)",
    "P(S114-level)",
    "95% interval from",
    "95% interval to",
    "Reserves needed (95%)",
    "Reserves held",
    "Reserves cover (held / needed)",
    "Status",
    "Run folder",
];

fn councils(p: &Portfolio) -> Table {
    let mut t = Table::new("Portfolio", &HEADER);
    t.frozen_columns = 2;
    for c in &p.councils {
        t.push(vec![
            c.rank.map_or(Cell::Blank, |r| Cell::Count(u64::from(r))),
            Cell::text(c.council.as_str()),
            Cell::text(c.model.as_str()),
            Cell::text(c.file.as_str()),
            Cell::text(c.year.as_str()),
            Cell::money(c.net_budget),
            Cell::money(c.median_gap),
            Cell::money(c.p90_gap),
            Cell::chance(c.p_drawing_on_reserves),
            Cell::chance(c.p_s114),
            Cell::chance(c.p_s114_ci95_low),
            Cell::chance(c.p_s114_ci95_high),
            Cell::money(c.reserves_needed_95),
            Cell::money(c.reserves_held),
            c.reserves_cover.map_or(Cell::Blank, |x| {
                Cell::Number(super::sheet::to_f64(x), "0.00")
            }),
            Cell::text(c.status.as_str()),
            Cell::text(c.run_folder.as_deref().unwrap_or("")),
        ]);
    }
    t
}

fn settings(p: &Portfolio) -> Table {
    let mut t = Table::new("How it was run", &["Setting", "Value"]);
    let note = |label: &str, value: String| vec![Cell::text(label), Cell::Note(value)];
    t.push(vec![Cell::text("Models"), Cell::Count(p.models as u64)]);
    t.push(vec![
        Cell::text("Models that failed"),
        Cell::Count(p.failed as u64),
    ]);
    t.push(note("Seed (every model)", p.seed.to_string()));
    t.push(vec![
        Cell::text("Simulated years of each"),
        Cell::Count(p.iterations),
    ]);
    t.push(note(
        "Sampling (every model)",
        crate::sample::Sampling::described(&p.sampling),
    ));
    t.push(note("Ranked by", p.ranked_by.clone()));
    t.push(note("Money", "£m, exactly as portfolio.json".into()));
    t.push(note("Program", p.program.clone()));
    t
}
