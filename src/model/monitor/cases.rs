//! The back-test's cases: one CSV row per council-year forecast, with the outturn once
//! known. A malformed row is reported at its row and column and left out; the others
//! still run.

use std::collections::HashMap;
use std::ops::Range;

use rust_decimal::Decimal;

use super::super::Unit;
use super::super::diagnostic::{Diagnostic, ProblemKind};
use super::super::reader::Ctx;
use super::csv::{Cell, records};
use super::items;
use super::sheet::cell_number;
use super::{
    ActionPosition, Basis, Contingency, Drift, LinePosition, Position, Rag, ReservePosition,
};

/// The columns, required first.
pub const COLUMNS: [&str; 11] = [
    "council",
    "year",
    "month",
    "net_budget",
    "forecast",
    "basis",
    "outturn",
    "reserves",
    "action",
    "mitigation",
    "source",
];

const REQUIRED: usize = 7;

/// One council-year forecast and its outturn.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The row in the file (1-based, the header is row 1).
    pub row: usize,
    /// The council.
    pub council: String,
    /// The financial year.
    pub year: String,
    /// The month of the forecast (0 to 11).
    pub month: u8,
    /// Net revenue budget.
    pub net_budget: Decimal,
    /// The forecast variance (positive: overspend).
    pub forecast: Decimal,
    /// What the forecast includes.
    pub basis: Basis,
    /// Management action planned and not yet achieved (excluded from a before-action
    /// forecast, counted in an after-action one).
    pub action: Decimal,
    /// Contingency and other mitigation still available to absorb an overspend.
    pub mitigation: Decimal,
    /// Usable reserves (0 when not given).
    pub reserves: Decimal,
    /// The outturn variance, after any mitigation used, before reserves.
    pub outturn: Decimal,
    /// Where the figures come from.
    pub source: String,
    /// Where the row is.
    pub span: Range<usize>,
}

impl Case {
    /// The position `monitor` would forecast from, in £m, with the default drift.
    pub fn position(&self) -> Position {
        let source = if self.source.is_empty() {
            format!("back-test case, row {}", self.row)
        } else {
            self.source.clone()
        };
        let actions = if self.action > Decimal::ZERO {
            vec![ActionPosition {
                name: "action".into(),
                label: "Management action".into(),
                planned: self.action,
                achieved: Decimal::ZERO,
                rag: Rag::Amber,
                source: source.clone(),
                span: self.span.clone(),
            }]
        } else {
            Vec::new()
        };
        Position {
            name: format!("{} {} month {}", self.council, self.year, self.month),
            council: self.council.clone(),
            year: self.year.clone(),
            month: self.month,
            unit: Unit::Millions,
            net_budget: self.net_budget,
            basis: self.basis,
            description: String::new(),
            source: source.clone(),
            lines: vec![LinePosition {
                name: "forecast".into(),
                label: "Reported forecast".into(),
                budget: None,
                variance: self.forecast,
                source: source.clone(),
                span: self.span.clone(),
            }],
            savings: Vec::new(),
            actions,
            contingency: (self.mitigation > Decimal::ZERO).then(|| Contingency {
                budget: None,
                used: Decimal::ZERO,
                available: self.mitigation,
                source: source.clone(),
            }),
            reserves: vec![ReservePosition {
                name: "usable".into(),
                label: "Usable reserves".into(),
                general_fund: true,
                amount: self.reserves,
                releasable: true,
                source,
            }],
            drift: Drift::default_at(self.month),
            delivery: Vec::new(),
            span: self.span.clone(),
        }
    }
}

/// Reads the cases: the rows that are well formed, and every problem found (a row with an
/// error is left out). An unreadable header leaves no case.
pub fn read_cases(src: &str) -> (Vec<Case>, Vec<Diagnostic>) {
    let mut ctx = Ctx::default();
    let recs = match records(src) {
        Ok(r) => r,
        Err(span) => {
            return (
                Vec::new(),
                vec![
                    Diagnostic::error(
                        ProblemKind::Syntax,
                        Some(span),
                        "this quote is never closed",
                    )
                    .with_help("close the quoted cell with a \""),
                ],
            );
        }
    };
    let mut recs = recs.into_iter().filter(|r| !r.is_blank());
    let Some(header) = recs.next() else {
        ctx.error(
            ProblemKind::Empty,
            0..0,
            "the file has no header row",
            format!("start with the header row {}", COLUMNS.join(",")),
        );
        return (Vec::new(), ctx.finish());
    };
    let mut columns = Vec::new();
    for c in &header.cells {
        let k = c.text.trim().to_ascii_lowercase();
        if COLUMNS.contains(&k.as_str()) {
            columns.push(Some(k));
        } else {
            if !k.is_empty() {
                let help = match super::super::diagnostic::closest(&k, COLUMNS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the columns are {}", COLUMNS.join(", ")),
                };
                ctx.error(
                    ProblemKind::UnknownField,
                    c.span.clone(),
                    format!("unknown column `{k}`"),
                    help,
                );
            }
            columns.push(None);
        }
    }
    for k in &COLUMNS[..REQUIRED] {
        if !columns.iter().any(|c| c.as_deref() == Some(*k)) {
            ctx.error(
                ProblemKind::MissingField,
                header.span.clone(),
                format!("the header has no `{k}` column"),
                format!(
                    "the columns are {} (the last four optional)",
                    COLUMNS.join(",")
                ),
            );
        }
    }
    if ctx.errors() > 0 {
        return (Vec::new(), ctx.finish());
    }
    let mut cases = Vec::new();
    for rec in recs {
        let before = ctx.errors();
        let mut cells: HashMap<&str, &Cell> = HashMap::new();
        for (c, col) in rec.cells.iter().zip(&columns) {
            if let Some(col) = col {
                if !c.text.trim().is_empty() {
                    cells.insert(col.as_str(), c);
                }
            }
        }
        if rec.cells.len() > columns.len() {
            ctx.error(
                ProblemKind::InvalidValue,
                rec.cells[columns.len()].span.clone(),
                format!("row {}: more cells than the header has columns", rec.row),
                "check for a comma inside a number (write 1234.5, not 1,234.5) or text (put it in double quotes)",
            );
            continue;
        }
        let path = format!("row {}", rec.row);
        let get = |ctx: &mut Ctx, k: &str| -> Option<&Cell> {
            let c = cells.get(k).copied();
            if c.is_none() && COLUMNS[..REQUIRED].contains(&k) {
                ctx.error(
                    ProblemKind::MissingField,
                    rec.span.clone(),
                    format!("{path}, column `{k}`: empty"),
                    column_help(k),
                );
            }
            c
        };
        let council = get(&mut ctx, "council").map(|c| c.text.trim().to_string());
        let year = get(&mut ctx, "year").map(|c| c.text.trim().to_string());
        let month = get(&mut ctx, "month")
            .and_then(|c| cell_number(&mut ctx, &path, "month", c, false))
            .and_then(|n| items::month(&mut ctx, &n));
        let money = |ctx: &mut Ctx, k: &str, sign: bool| -> Option<Decimal> {
            let Some(c) = cells.get(k).copied() else {
                if COLUMNS[..REQUIRED].contains(&k) {
                    ctx.error(
                        ProblemKind::MissingField,
                        rec.span.clone(),
                        format!("{path}, column `{k}`: empty"),
                        column_help(k),
                    );
                    return None;
                }
                return Some(Decimal::ZERO);
            };
            let n = cell_number(ctx, &path, k, c, false)?;
            if sign && n.value < Decimal::ZERO {
                ctx.error(
                    ProblemKind::OutOfRange,
                    n.span,
                    format!("{path}, column `{k}`: {} is negative", n.value),
                    column_help(k),
                );
                return None;
            }
            Some(n.value)
        };
        let net_budget = money(&mut ctx, "net_budget", true);
        let forecast = money(&mut ctx, "forecast", false);
        let reserves = money(&mut ctx, "reserves", true);
        let outturn = money(&mut ctx, "outturn", false);
        let action = money(&mut ctx, "action", true);
        let mitigation = money(&mut ctx, "mitigation", true);
        let basis = cells.get("basis").copied().and_then(|c| {
            items::basis(
                &mut ctx,
                &super::super::reader::Text {
                    value: c.text.clone(),
                    span: c.span.clone(),
                },
            )
        });
        if !cells.contains_key("basis") {
            ctx.error(
                ProblemKind::MissingField,
                rec.span.clone(),
                format!("{path}, column `basis`: empty"),
                column_help("basis"),
            );
        }
        if net_budget == Some(Decimal::ZERO) {
            ctx.error(
                ProblemKind::OutOfRange,
                rec.span.clone(),
                format!("{path}, column `net_budget`: 0"),
                column_help("net_budget"),
            );
        }
        let source = cells
            .get("source")
            .map(|c| c.text.trim().to_string())
            .unwrap_or_default();
        if ctx.errors() > before {
            continue;
        }
        if let (
            Some(council),
            Some(year),
            Some(month),
            Some(net_budget),
            Some(forecast),
            Some(basis),
            Some(action),
            Some(mitigation),
            Some(reserves),
            Some(outturn),
        ) = (
            council, year, month, net_budget, forecast, basis, action, mitigation, reserves,
            outturn,
        ) {
            if forecast.abs() > net_budget || outturn.abs() > net_budget {
                ctx.push(
                    Diagnostic::warning(
                        ProblemKind::Implausible,
                        Some(rec.span.clone()),
                        format!("{path}: a forecast or outturn larger than the whole net budget"),
                    )
                    .with_help("every figure is in £m: check for pounds or thousands"),
                );
            }
            cases.push(Case {
                row: rec.row,
                council,
                year,
                month,
                net_budget,
                forecast,
                basis,
                action,
                mitigation,
                reserves,
                outturn,
                source,
                span: rec.span.clone(),
            });
        }
    }
    let diags = ctx.finish();
    (cases, diags)
}

fn column_help(k: &str) -> &'static str {
    match k {
        "council" => "give the council's name",
        "year" => "give the financial year, e.g. 2019/20",
        "month" => {
            "give the month of the forecast: 3 for Q1, 6 for Q2, 9 for Q3 (0 for the budget)"
        }
        "net_budget" => "give the year's net revenue budget in £m (more than 0)",
        "forecast" => {
            "give the forecast variance in £m: positive for an overspend, negative for an underspend"
        }
        "basis" => "write before_action or after_action",
        "reserves" => "give the usable reserves in £m",
        "outturn" => "give the final outturn variance in £m (positive for an overspend)",
        _ => "give an amount in £m, 0 or more",
    }
}
