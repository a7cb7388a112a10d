//! `results.xlsx`: a run's figures as a workbook a finance officer can open and work from.
//!
//! Sheets: Summary (the headline figures with their standard errors and 95% intervals, then
//! what was run), Percentiles (P1 … P99 of the gap and the shortfall with their intervals),
//! Drivers (each driver's law with its P10, median and P90 as the model sets them, and
//! its simulated mean and the means of its lowest and highest tenth where it varies),
//! Sensitivity (the factors ranked by share of the gap's variance),
//! Savings at risk, Years (a plan of several years), Reserves needed (when the summary has
//! the reserves question) and Assumptions (every figure of the model with its source, the
//! rows of the report's table).
//!
//! Every number is the summary's own, held at full precision and shown through an Excel
//! number format: money in the model's unit (`"£"#,##0.0"m"` for £m), chances and shares
//! as Excel percentages. The workbook's creation date is the report's date, never the
//! clock, so the same summary and date give the same bytes.
//!
//! The summary holds no simulated percentiles of the drivers (only their means over all
//! years and over their lowest and highest tenth, from the sensitivity pass), so the
//! Drivers sheet shows those; its P10, median and P90 are the laws' own quantiles
//! ([`crate::dist::Distribution::quantile_once`]), which the reordering for correlations
//! keeps exactly (blank for an event, whose law is its probability). Figures of the run are
//! derived in `stats`, not here.

mod compare;
mod portfolio;
mod sheet;

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
use thiserror::Error;

pub use compare::comparison;
pub use portfolio::portfolio;
pub use sheet::{Cell, Table};

use super::date::Date;
use crate::model::{Measure, Model};
use crate::stats::{Percentile, Probability, Summary, YearSpread};

/// Why a workbook could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum WorkbookError {
    /// rust_xlsxwriter refused a sheet or could not pack the file.
    #[error("could not build the workbook: {0}")]
    Workbook(String),
}

impl From<rust_xlsxwriter::XlsxError> for WorkbookError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        WorkbookError::Workbook(e.to_string())
    }
}

/// `results.xlsx` for a run, dated `date`.
///
/// # Errors
/// When rust_xlsxwriter cannot build the file (it has no reason to with these sheets).
pub fn results(s: &Summary, model: &Model, date: &Date) -> Result<Vec<u8>, WorkbookError> {
    let properties = DocProperties::new()
        .set_title(format!("{}: budget gap risk", s.model.name))
        .set_subject(format!("{} {}", s.model.council, s.model.year))
        .set_company(s.model.council.as_str())
        .set_comment(format!("Made by {} from {}", s.run.program, s.model.file));
    build(&sheets(s, model, date), &s.model.unit, properties, date)
}

/// Packs `tables` into a workbook with `properties`, created on `date`.
fn build(
    tables: &[Table],
    unit: &str,
    properties: DocProperties,
    date: &Date,
) -> Result<Vec<u8>, WorkbookError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties.set_creation_datetime(&excel_date(date)?));
    for t in tables {
        sheet::write(&mut workbook, t, unit)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The date as Excel holds one: a date outside Excel's years 1900 to 9999 (only from a
/// strange `SOURCE_DATE_EPOCH`) becomes the nearest day Excel has.
fn excel_date(date: &Date) -> Result<ExcelDateTime, WorkbookError> {
    let (year, month, day) = match date.year {
        ..1900 => (1900, 1, 1),
        10_000.. => (9999, 12, 31),
        y => (y, date.month, date.day),
    };
    let narrow = |x: u32| u8::try_from(x).unwrap_or(1);
    Ok(ExcelDateTime::from_ymd(
        u16::try_from(year).unwrap_or(1900),
        narrow(month),
        narrow(day),
    )?)
}

/// The workbook's sheets, in order.
pub fn sheets(s: &Summary, model: &Model, date: &Date) -> Vec<Table> {
    let mut out = vec![
        summary(s, date),
        percentiles(s),
        drivers(s, model),
        sensitivity(s),
        savings(s),
    ];
    out.extend(years(s));
    out.extend(reserves_needed(s));
    out.push(assumptions(s, model));
    out
}

/// A percentile of a spread by its rank, if the spread has it.
fn at(percentiles: &[Percentile], p: u32) -> Option<&Percentile> {
    percentiles.iter().find(|x| x.p == p)
}

/// A figure's row: estimate, standard error, 95% interval.
fn percentile_row(label: &str, p: Option<&Percentile>) -> Option<Vec<Cell>> {
    p.map(|p| {
        vec![
            Cell::text(label),
            Cell::Money(p.value),
            Cell::money_se(p.se),
            Cell::Money(p.ci95_low),
            Cell::Money(p.ci95_high),
        ]
    })
}

/// A chance's row: estimate, batch-means standard error, exact 95% interval.
fn chance_row(label: &str, p: &Probability) -> Vec<Cell> {
    vec![
        Cell::text(label),
        Cell::Chance(p.estimate),
        Cell::chance(p.se_batch_means),
        Cell::Chance(p.ci95_low),
        Cell::Chance(p.ci95_high),
    ]
}

/// A mean's row: estimate and standard error.
fn mean_row(label: &str, mean: Decimal, se: Option<Decimal>) -> Vec<Cell> {
    vec![Cell::text(label), Cell::Money(mean), Cell::money_se(se)]
}

/// The headline figures, then what was run.
fn summary(s: &Summary, date: &Date) -> Table {
    let mut t = Table::new(
        "Summary",
        &[
            "Figure",
            "Estimate",
            "Standard error",
            "95% interval from",
            "95% interval to",
        ],
    );
    if let Some(budget) = s.model.net_budget {
        t.push(vec![Cell::text("Net revenue budget"), Cell::Money(budget)]);
    }
    t.push(vec![
        Cell::text("Usable reserves"),
        Cell::Money(s.reserves.usable),
    ]);
    t.push(mean_row(
        "Mean gap before mitigation",
        s.gap.mean,
        s.gap.mean_se,
    ));
    for (label, p) in [("Median gap (P50)", 50), ("Gap P10", 10), ("Gap P90", 90)] {
        t.rows
            .extend(percentile_row(label, at(&s.gap.percentiles, p)));
    }
    t.push(mean_row(
        "Mean shortfall after mitigation",
        s.shortfall.mean,
        s.shortfall.mean_se,
    ));
    t.push(mean_row(
        "Mitigation used (mean)",
        s.mitigation_used,
        s.mitigation_used_se,
    ));
    t.push(chance_row(
        "P(drawing on reserves)",
        &s.p_drawing_on_reserves,
    ));
    t.push(chance_row("P(S114-level shortfall)", &s.s114.probability));
    t.push(mean_row(
        "Expected shortfall beyond reserves",
        s.s114.expected_excess,
        s.s114.expected_excess_se,
    ));
    if let Some(m) = &s.medium_term {
        let period = horizon(&m.years.iter().map(|y| y.year.clone()).collect::<Vec<_>>());
        t.push(chance_row(
            &format!("P(S114-level year, {period})"),
            &m.s114_any_year,
        ));
    }
    t.push(Vec::new());
    t.rows.extend(about(s, date));
    t
}

/// "2024/25 to 2026/27", or the one year.
fn horizon(years: &[String]) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

/// What was run, and the report's headline sentence.
fn about(s: &Summary, date: &Date) -> Vec<Vec<Cell>> {
    let text = |label: &str, value: String| vec![Cell::text(label), Cell::Note(value)];
    vec![
        vec![Cell::text("About this run")],
        text("Headline", super::document::headline(s)),
        text("Model", s.model.name.clone()),
        text("Council", s.model.council.clone()),
        text("Financial year", s.model.year.clone()),
        text("Unit", s.model.unit.clone()),
        text("Model file", s.model.file.clone()),
        text("Model SHA-256", s.model.sha256.clone()),
        vec![Cell::text("Simulated years"), Cell::Count(s.run.iterations)],
        // As text: a seed can be larger than a spreadsheet number holds exactly.
        text("Seed", s.run.seed.to_string()),
        text(
            "Sampling",
            crate::sample::Sampling::described(&s.run.sampling),
        ),
        text("Program", s.run.program.clone()),
        text("Report dated", date.to_string()),
    ]
}

/// P1 … P99 of the gap and of the shortfall, each with its 95% interval.
fn percentiles(s: &Summary) -> Table {
    let mut t = Table::new(
        "Percentiles",
        &[
            "Percentile",
            "Gap before mitigation",
            "Gap 95% from",
            "Gap 95% to",
            "Shortfall after mitigation",
            "Shortfall 95% from",
            "Shortfall 95% to",
        ],
    );
    for r in &s.percentiles {
        t.push(vec![
            Cell::Rank(r.p),
            Cell::Money(r.gap),
            Cell::Money(r.gap_ci95_low),
            Cell::Money(r.gap_ci95_high),
            Cell::Money(r.shortfall),
            Cell::Money(r.shortfall_ci95_low),
            Cell::Money(r.shortfall_ci95_high),
        ]);
    }
    t
}

/// A driver's value in the units of what it measures.
fn measured(measure: Measure, x: f64) -> Cell {
    match measure {
        Measure::Fraction => Cell::Chance(x),
        Measure::Money => Cell::MoneyF64(x),
        Measure::Months => Cell::Number(x, "0.0"),
        Measure::Event | Measure::Number => Cell::Number(x, "0.000"),
    }
}

fn measure_words(measure: Measure) -> &'static str {
    match measure {
        Measure::Fraction => "fraction",
        Measure::Money => "money",
        Measure::Months => "months",
        Measure::Event => "event",
        Measure::Number => "number",
    }
}

/// Every driver: its law, and where it varies, its mean and the means of its lowest and
/// highest tenth (from the sensitivity pass).
fn drivers(s: &Summary, model: &Model) -> Table {
    let mut t = Table::new(
        "Drivers",
        &[
            "Driver",
            "Name",
            "Measures",
            "Distribution",
            "P10 (as set)",
            "Median (as set)",
            "P90 (as set)",
            "Mean",
            "Mean of lowest tenth",
            "Mean of highest tenth",
            "Source",
        ],
    );
    for d in &model.drivers {
        let mut row = vec![
            Cell::text(d.label.as_str()),
            Cell::text(d.name.as_str()),
            Cell::text(measure_words(d.measure)),
            Cell::Text(super::describe_driver(d, &s.model.unit)),
        ];
        // An event's law is its probability (in the Distribution column): its tenths are
        // 0 or 1, and at a probability of 0.9 the P10 sits on the jump.
        row.extend([0.1, 0.5, 0.9].map(|p| match d.measure {
            Measure::Event => Cell::Blank,
            m => measured(m, d.dist.quantile_once(p)),
        }));
        match s.sensitivity.drivers.iter().find(|x| x.name == d.name) {
            Some(x) => row.extend([
                measured(d.measure, x.mean_value),
                measured(d.measure, x.low_value),
                measured(d.measure, x.high_value),
            ]),
            None => row.extend([Cell::Blank, Cell::Blank, Cell::Blank]),
        }
        row.push(Cell::Text(
            d.source.split_whitespace().collect::<Vec<_>>().join(" "),
        ));
        t.push(row);
    }
    t
}

/// The factors ranked by their share of the gap's variance, with their own effects.
fn sensitivity(s: &Summary) -> Table {
    let mut t = Table::new(
        "Sensitivity",
        &[
            "Rank",
            "Factor",
            "Share of variance",
            "Share SE",
            "Effect in lowest tenth",
            "Effect in highest tenth",
            "Rank correlation",
            "Rank correlation SE",
            "Drivers in it",
        ],
    );
    t.frozen_columns = 2;
    let se = |x: Option<f64>, format| x.map_or(Cell::Blank, |x| Cell::Number(x, format));
    for (rank, f) in s.sensitivity.factors.iter().enumerate() {
        t.push(vec![
            Cell::Count(rank as u64 + 1),
            Cell::text(f.label.as_str()),
            Cell::Share(f.contribution),
            se(f.contribution_se, "0.0%"),
            Cell::Money(f.low_effect),
            Cell::Money(f.high_effect),
            Cell::Number(f.rank_correlation, "+0.00;-0.00;0.00"),
            se(f.rank_correlation_se, "0.000"),
            Cell::Text(f.members.join(", ")),
        ]);
    }
    t.push(Vec::new());
    t.push(vec![
        Cell::Blank,
        Cell::text("All drivers' own effects together"),
        Cell::Share(s.sensitivity.explained),
    ]);
    t.push(vec![
        Cell::Blank,
        Cell::text("Simulated years measured on"),
        Cell::Count(s.sensitivity.iterations),
    ]);
    t
}

/// Each planned saving against its expected delivery, largest amount at risk first, then
/// the programme's total.
fn savings(s: &Summary) -> Table {
    let mut t = Table::new(
        "Savings at risk",
        &[
            "Saving",
            "Planned",
            "Expected delivery",
            "Standard error",
            "At risk",
            "Recurs",
        ],
    );
    let sv = &s.savings;
    if sv.by_saving.is_empty() {
        t.push(vec![Cell::Note("The model plans no savings.".into())]);
        return t;
    }
    let mut rows: Vec<_> = sv.by_saving.iter().collect();
    rows.sort_by_key(|x| std::cmp::Reverse(x.planned - x.expected));
    for x in rows {
        t.push(vec![
            Cell::text(x.label.as_str()),
            Cell::Money(x.planned),
            Cell::Money(x.expected),
            Cell::money_se(x.expected_se),
            Cell::Money(x.planned - x.expected),
            Cell::text(if x.recurring { "yes" } else { "no, one-off" }),
        ]);
    }
    t.push(vec![
        Cell::text("All savings"),
        Cell::Money(sv.planned),
        Cell::Money(sv.mean),
        Cell::money_se(sv.mean_se),
        Cell::Money(sv.planned - sv.mean),
    ]);
    for (label, value, se) in [
        ("All savings, P10 of delivery", sv.p10, sv.p10_se),
        ("All savings, P90 of delivery", sv.p90, sv.p90_se),
    ] {
        t.push(vec![
            Cell::text(label),
            Cell::Blank,
            Cell::Money(value),
            Cell::money_se(se),
        ]);
    }
    t
}

/// A year's mean, its standard error, and its P10, P50 and P90.
fn year_spread(y: &YearSpread, with_se: bool) -> Vec<Cell> {
    let mut out = vec![Cell::Money(y.mean)];
    if with_se {
        out.push(Cell::money_se(y.mean_se));
    }
    for p in [10, 50, 90] {
        out.push(Cell::money(at(&y.percentiles, p).map(|x| x.value)));
    }
    out
}

/// Each year of a plan of several: its budget, planned reserve movement, gap, shortfall,
/// reserves at its end and its chances; then the horizon's.
fn years(s: &Summary) -> Option<Table> {
    let m = s.medium_term.as_ref()?;
    let mut t = Table::new(
        "Years",
        &[
            "Year",
            "Net budget",
            "Planned reserves movement",
            "Mean gap",
            "Mean gap SE",
            "Gap P10",
            "Gap P50",
            "Gap P90",
            "Mean shortfall",
            "Mean shortfall SE",
            "Shortfall P10",
            "Shortfall P50",
            "Shortfall P90",
            "Reserves at year end, mean",
            "Reserves at year end, P10",
            "Reserves at year end, P50",
            "Reserves at year end, P90",
            "P(drawing on reserves)",
            "P(S114-level in the year)",
            "95% from",
            "95% to",
            "P(first S114-level year)",
            "P(S114-level by year end)",
        ],
    );
    for y in &m.years {
        let mut row = vec![
            Cell::text(y.year.as_str()),
            Cell::money(y.net_budget),
            Cell::Money(y.planned_reserves),
        ];
        row.extend(year_spread(&y.gap, true));
        row.extend(year_spread(&y.shortfall, true));
        row.extend(year_spread(&y.balance, false));
        row.extend([
            Cell::Chance(y.p_drawing_on_reserves.estimate),
            Cell::Chance(y.s114.estimate),
            Cell::Chance(y.s114.ci95_low),
            Cell::Chance(y.s114.ci95_high),
            Cell::Chance(y.first_breach.estimate),
            Cell::Chance(y.s114_by_now.estimate),
        ]);
        t.push(row);
    }
    t.push(Vec::new());
    let chance = |label: &str, p: &Probability| {
        let mut row = vec![Cell::text(label)];
        row.extend((0..16).map(|_| Cell::Blank));
        row.extend([
            Cell::Blank,
            Cell::Chance(p.estimate),
            Cell::Chance(p.ci95_low),
            Cell::Chance(p.ci95_high),
        ]);
        row
    };
    t.push(chance("Any year of the plan", &m.s114_any_year));
    t.push(chance("No year of the plan", &m.never_breached));
    t.push(vec![
        Cell::text("After a breach"),
        Cell::Note(m.after_breach.clone()),
    ]);
    Some(t)
}

/// The opening usable reserves needed at each confidence.
fn reserves_needed(s: &Summary) -> Option<Table> {
    let r = s.reserves_needed.as_ref()?;
    let mut t = Table::new(
        "Reserves needed",
        &[
            "Confidence of no S114-level year",
            "Opening reserves needed",
            "95% interval from",
            "95% interval to",
            "Share of net budget",
        ],
    );
    let share = |x: Option<f64>| x.map_or(Cell::Blank, Cell::Share);
    for l in &r.levels {
        t.push(vec![
            Cell::Number(f64::from(l.confidence) / 100.0, "0%"),
            Cell::Money(l.amount),
            Cell::Money(l.ci95_low),
            Cell::Money(l.ci95_high),
            share(l.share_of_net_budget),
        ]);
    }
    t.push(Vec::new());
    t.push(vec![
        Cell::text("The council's own"),
        Cell::Money(r.own),
        Cell::Blank,
        Cell::Blank,
        share(r.own_share_of_net_budget),
    ]);
    if let Some(floor) = r.floor {
        t.push(vec![
            Cell::text("The policy floor"),
            Cell::Money(floor),
            Cell::Blank,
            Cell::Blank,
            share(r.floor_share.map(sheet::to_f64)),
        ]);
    }
    t.push(vec![Cell::text("Period"), Cell::Note(r.period.clone())]);
    t.push(vec![
        Cell::text("Method"),
        Cell::Note(r.method.trim().to_string()),
    ]);
    Some(t)
}

/// Every figure of the model with its source: the report's table.
fn assumptions(s: &Summary, model: &Model) -> Table {
    let mut t = Table::new("Assumptions", &["Kind", "Item", "Figure", "Source"]);
    t.frozen_columns = 2;
    for a in super::assumptions::rows(model, &s.model.unit) {
        t.push(vec![
            Cell::text(a.kind),
            Cell::Text(a.item),
            Cell::Text(a.figure),
            Cell::Text(a.source),
        ]);
    }
    t
}

#[cfg(test)]
mod tests;
