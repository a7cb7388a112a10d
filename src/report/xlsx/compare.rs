//! `results.xlsx` of a comparison folder: Models (each model's headline figures, then how
//! they were run) and Comparisons (each other model's paired differences from the base,
//! with their standard errors and 95% intervals): comparison.json's figures as a workbook.

use rust_xlsxwriter::DocProperties;

use super::sheet::{Cell, Table};
use super::{WorkbookError, build};
use crate::report::date::Date;
use crate::stats::Comparison;
use crate::stats::compare_types::{
    ChanceDifference, Differences, MoneyDifference, VarianceReduction,
};

/// `results.xlsx` for a comparison, dated `date`.
///
/// # Errors
/// When rust_xlsxwriter cannot build the file.
pub fn comparison(c: &Comparison, date: &Date) -> Result<Vec<u8>, WorkbookError> {
    let base = c.models.first().map_or("", |m| m.name.as_str());
    let properties = DocProperties::new()
        .set_title(format!("Comparing budgets: {base}"))
        .set_comment(format!("Made by {}", c.run.program));
    build(&sheets(c), &c.run.unit, properties, date)
}

/// The comparison's sheets.
pub fn sheets(c: &Comparison) -> Vec<Table> {
    vec![models(c), differences(c)]
}

/// Each model's headline figures, the base first; then the run's settings.
fn models(c: &Comparison) -> Table {
    let mut t = Table::new(
        "Models",
        &[
            "Model",
            "Name",
            "File",
            "Usable reserves",
            "Mean gap",
            "Mean gap SE",
            "Gap P50",
            "Gap P90",
            "P(drawing on reserves)",
            "P(S114-level)",
            "95% interval from",
            "95% interval to",
            "Reserves needed (95%)",
            "Central gap",
            "Central shortfall",
        ],
    );
    for m in &c.models {
        t.push(vec![
            Cell::text(m.label.as_str()),
            Cell::text(m.name.as_str()),
            Cell::text(m.file.as_str()),
            Cell::Money(m.reserves),
            Cell::Money(m.mean_gap),
            Cell::money_se(m.mean_gap_se),
            Cell::Money(m.p50),
            Cell::Money(m.p90),
            Cell::Chance(m.p_drawing.estimate),
            Cell::Chance(m.p_s114.estimate),
            Cell::Chance(m.p_s114.ci95_low),
            Cell::Chance(m.p_s114.ci95_high),
            Cell::money(m.reserves_needed_95),
            Cell::money(m.central.as_ref().map(|x| x.gap)),
            Cell::money(m.central.as_ref().map(|x| x.shortfall)),
        ]);
    }
    t.push(Vec::new());
    let text = |label: &str, value: String| vec![Cell::text(label), Cell::Note(value)];
    t.push(vec![Cell::text("How they were run")]);
    t.push(text("Seed", c.run.seed.to_string()));
    t.push(vec![
        Cell::text("Simulated years of each"),
        Cell::Count(c.run.iterations),
    ]);
    t.push(text(
        "Sampling",
        crate::sample::Sampling::described(&c.run.sampling),
    ));
    t.push(text("Years", c.run.years.join(", ")));
    t.push(text("Program", c.run.program.clone()));
    t.push(text("Method", c.run.method.clone()));
    t
}

/// Each other model's differences from the base, a row per figure.
fn differences(c: &Comparison) -> Table {
    let mut t = Table::new(
        "Comparisons",
        &[
            "Model",
            "Figure",
            "Key",
            "Base",
            "This model",
            "Difference",
            "Paired SE",
            "95% interval from",
            "95% interval to",
            "Independent-runs SE",
            "Variance reduction",
        ],
    );
    t.frozen_columns = 2;
    for d in &c.differences {
        rows(&mut t, d);
    }
    t
}

/// The rows of one model, in the order of the report's table.
fn rows(t: &mut Table, d: &Differences) {
    t.push(money_row(d, "Mean gap", &d.mean_gap));
    for m in &d.gap_percentiles {
        let p = m.figure.trim_start_matches("gap_p");
        t.push(money_row(d, &format!("Gap P{p}"), m));
    }
    t.push(chance_row(d, "P(drawing on reserves)", &d.p_drawing));
    t.push(chance_row(d, "P(S114-level)", &d.p_s114));
    for m in &d.reserves_needed {
        let conf = m.figure.trim_start_matches("reserves_needed_");
        t.push(money_row(d, &format!("Reserves needed, {conf}%"), m));
    }
    for y in &d.years {
        let at = |key: &str| format!("{key}@{}", y.year);
        let mut row = money_row(d, &format!("{}: mean gap", y.year), &y.mean_gap);
        row[2] = Cell::Text(at(&y.mean_gap.figure));
        t.push(row);
        for (words, x) in [
            ("P(S114-level in the year)", &y.p_s114_in_year),
            ("P(S114-level by its end)", &y.p_s114_by_year),
        ] {
            let mut row = chance_row(d, &format!("{}: {words}", y.year), x);
            row[2] = Cell::Text(at(&x.figure));
            t.push(row);
        }
    }
}

fn reduction(r: Option<VarianceReduction>) -> Cell {
    match r {
        Some(VarianceReduction::Exact) => Cell::text("exact"),
        Some(VarianceReduction::Factor(f)) => Cell::Number(f, "#,##0.0"),
        None => Cell::Blank,
    }
}

fn money_row(d: &Differences, words: &str, m: &MoneyDifference) -> Vec<Cell> {
    vec![
        Cell::text(d.label.as_str()),
        Cell::text(words),
        Cell::text(m.figure.as_str()),
        Cell::Money(m.base),
        Cell::Money(m.other),
        Cell::Money(m.difference),
        Cell::money_se(m.se_paired),
        Cell::money(m.ci95_low),
        Cell::money(m.ci95_high),
        Cell::money_se(m.se_independent),
        reduction(m.variance_reduction),
    ]
}

fn chance_row(d: &Differences, words: &str, x: &ChanceDifference) -> Vec<Cell> {
    vec![
        Cell::text(d.label.as_str()),
        Cell::text(words),
        Cell::text(x.figure.as_str()),
        Cell::Chance(x.base),
        Cell::Chance(x.other),
        Cell::Chance(x.difference),
        Cell::chance(x.se_paired),
        Cell::chance(x.ci95_low),
        Cell::chance(x.ci95_high),
        Cell::chance(x.se_independent),
        reduction(x.variance_reduction),
    ]
}
