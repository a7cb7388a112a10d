//! The CSV sheet form of a monitoring position, for a finance team to fill in from its
//! monitoring report: a block of `field,value` rows (the `[monitoring]` figures, and the
//! optional `drift_*` overrides), a blank row, then one table whose header row starts
//! with `section` and whose rows are the lines, savings, actions, contingency and reserves.
//! Every problem is shown at its row and column.

use std::collections::HashMap;
use std::ops::Range;
use std::str::FromStr as _;

use rust_decimal::Decimal;

use super::super::diagnostic::{Diagnostic, ProblemKind, Severity};
use super::super::reader::{Ctx, Num, Text, percent};
use super::csv::{Cell, Record, records};
use super::items::{self, Fields};
use super::read::{HEAD_KEYS, Names, finish, head};
use super::{Drift, Read};

/// The table's columns.
pub const COLUMNS: [&str; 15] = [
    "section",
    "name",
    "label",
    "budget",
    "forecast",
    "variance",
    "amount",
    "rag",
    "planned",
    "achieved",
    "used",
    "available",
    "kind",
    "releasable",
    "source",
];

/// The drift overrides a sheet's head may hold.
const DRIFT_KEYS: [&str; 5] = [
    "drift_improvement",
    "drift_sd",
    "drift_at_month",
    "drift_skew",
    "drift_source",
];

/// Cells by field name, for [`Fields`].
pub(super) struct Row {
    pub path: String,
    pub span: Range<usize>,
    pub cells: HashMap<String, Cell>,
}

impl Row {
    fn cell(&self, key: &str) -> Option<&Cell> {
        self.cells.get(key).filter(|c| !c.text.trim().is_empty())
    }
}

/// A number from a cell's text, exactly; `fraction` reads `3.2%` too.
pub(super) fn cell_number(
    ctx: &mut Ctx,
    path: &str,
    key: &str,
    c: &Cell,
    fraction: bool,
) -> Option<Num> {
    let t = c.text.trim();
    if fraction {
        if let Some(v) = percent(t) {
            return Some(Num {
                value: v,
                span: c.span.clone(),
                percent: true,
            });
        }
    }
    let plain = t.replace('_', "");
    let parsed = if plain.contains(['e', 'E']) {
        Decimal::from_scientific(&plain.to_ascii_lowercase()).ok()
    } else {
        Decimal::from_str(&plain).ok()
    };
    match parsed {
        Some(v) if v.abs() <= Decimal::from(1_000_000_000_000_000_i64) => Some(Num {
            value: v,
            span: c.span.clone(),
            percent: false,
        }),
        _ => {
            let help = if t.contains(',') {
                format!(
                    "write the number without thousands separators: {}",
                    t.replace(',', "")
                )
            } else if t.starts_with('£') {
                format!(
                    "write the number without the £ sign: {}",
                    t.trim_start_matches('£')
                )
            } else if t.ends_with('%') {
                "a percentage is read only where a fraction is expected; here write the amount"
                    .into()
            } else {
                "write a plain number such as 12.5 (negative with a minus sign)".into()
            };
            ctx.error(
                ProblemKind::WrongType,
                c.span.clone(),
                format!("{path}, column `{key}`: \"{t}\" is not a number"),
                help,
            );
            None
        }
    }
}

impl Fields for Row {
    fn path(&self) -> String {
        self.path.clone()
    }
    fn span(&self) -> Range<usize> {
        self.span.clone()
    }
    fn has(&self, key: &str) -> bool {
        self.cell(key).is_some()
    }
    fn number(&self, ctx: &mut Ctx, key: &str) -> Option<Num> {
        cell_number(ctx, &self.path, key, self.cell(key)?, false)
    }
    fn fraction(&self, ctx: &mut Ctx, key: &str) -> Option<Num> {
        cell_number(ctx, &self.path, key, self.cell(key)?, true)
    }
    fn text(&self, _: &mut Ctx, key: &str) -> Option<Text> {
        self.cell(key).map(|c| Text {
            value: c.text.trim().to_string(),
            span: c.span.clone(),
        })
    }
    fn boolean(&self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        let c = self.cell(key)?;
        match c.text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            other => {
                ctx.error(
                    ProblemKind::WrongType,
                    c.span.clone(),
                    format!(
                        "{}, column `{key}`: \"{other}\" is not yes or no",
                        self.path
                    ),
                    "write true or false (or yes or no)",
                );
                None
            }
        }
    }
    fn at(&self, key: &str) -> Range<usize> {
        self.cells
            .get(key)
            .map_or(self.span.clone(), |c| c.span.clone())
    }
}

pub(super) fn read(src: &str) -> Result<Read, Vec<Diagnostic>> {
    let mut ctx = Ctx::default();
    let recs = match records(src) {
        Ok(r) => r,
        Err(span) => {
            return Err(vec![
                Diagnostic::error(
                    ProblemKind::Syntax,
                    Some(span),
                    "this quote is never closed",
                )
                .with_help("close the quoted cell with a \" (write \"\" for a quote inside it)"),
            ]);
        }
    };
    let header_at = recs.iter().position(|r| {
        r.cells
            .first()
            .is_some_and(|c| c.text.trim().eq_ignore_ascii_case("section"))
    });
    let (head_rows, table) = match header_at {
        Some(i) => (&recs[..i], &recs[i..]),
        None => (&recs[..], &recs[..0]),
    };
    let head_row = head_fields(&mut ctx, head_rows);
    let h = head(&mut ctx, &head_row);
    let drift_given = DRIFT_KEYS.iter().any(|k| head_row.has(k));
    let mut names = Names::default();
    let (mut lines, mut savings, mut actions, mut reserves) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut contingency = None;
    match table.split_first() {
        None => ctx.error(
            ProblemKind::MissingField,
            src.len()..src.len(),
            "the sheet has no table of lines: no row starts with `section`",
            format!(
                "after the field,value rows, add a header row `{}` and one row per line, \
                 saving, action and reserve",
                COLUMNS.join(",")
            ),
        ),
        Some((header, rows)) => {
            let columns = columns(&mut ctx, header);
            for rec in rows.iter().filter(|r| !r.is_blank()) {
                let Some(row) = row_of(&mut ctx, rec, &columns) else {
                    continue;
                };
                let section = row
                    .cell("section")
                    .map(|c| c.text.trim().to_ascii_lowercase());
                let name = row
                    .cell("name")
                    .map(|c| (c.text.trim().to_string(), c.span.clone()));
                let Some(section) = section else {
                    ctx.error(
                        ProblemKind::MissingField,
                        rec.span.clone(),
                        format!("row {}: the `section` is empty", rec.row),
                        "write lines, savings, actions, contingency or reserves",
                    );
                    continue;
                };
                if section == "contingency" {
                    contingency = items::contingency(&mut ctx, &row);
                    continue;
                }
                let Some((name, nspan)) = name else {
                    ctx.error(
                        ProblemKind::MissingField,
                        rec.span.clone(),
                        format!("row {}: the `name` is empty", rec.row),
                        "give each row a name: letters, digits, _ and -",
                    );
                    continue;
                };
                let ok = names.add(&mut ctx, &name, nspan);
                match section.as_str() {
                    "lines" | "line" => {
                        lines.extend(items::line(&mut ctx, &row, &name).filter(|_| ok))
                    }
                    "savings" | "saving" => {
                        savings.extend(items::saving(&mut ctx, &row, &name).filter(|_| ok))
                    }
                    "actions" | "action" => {
                        actions.extend(items::action(&mut ctx, &row, &name).filter(|_| ok))
                    }
                    "reserves" | "reserve" => {
                        reserves.extend(items::reserve(&mut ctx, &row, &name).filter(|_| ok))
                    }
                    other => ctx.error(
                        ProblemKind::InvalidValue,
                        row.at("section"),
                        format!("row {}: `{other}` is not a section", rec.row),
                        "write lines, savings, actions, contingency or reserves",
                    ),
                }
            }
        }
    }
    let drift = match h.month {
        Some(m) if !drift_given => Some(Drift::default_at(m)),
        Some(m) => sheet_drift(&mut ctx, &head_row, m),
        None => None,
    };
    let span = head_rows.first().map_or(0..0, |r| r.span.clone());
    let position = drift.and_then(|drift| {
        finish(
            &mut ctx,
            h,
            span,
            lines,
            savings,
            actions,
            contingency,
            reserves,
            drift,
            Vec::new(),
        )
    });
    let diags = ctx.finish();
    match position {
        Some(position) if diags.iter().all(|d| d.severity == Severity::Warning) => Ok(Read {
            position,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

fn head_fields(ctx: &mut Ctx, rows: &[Record]) -> Row {
    let mut cells = HashMap::new();
    for r in rows.iter().filter(|r| !r.is_blank()) {
        let key = r.cells[0].text.trim().to_ascii_lowercase();
        if key == "field" {
            continue;
        }
        if !HEAD_KEYS.contains(&key.as_str()) && !DRIFT_KEYS.contains(&key.as_str()) {
            let help = match super::super::diagnostic::closest(
                &key,
                HEAD_KEYS.iter().chain(&DRIFT_KEYS).copied(),
            ) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the fields are {}", HEAD_KEYS.join(", ")),
            };
            ctx.error(
                ProblemKind::UnknownField,
                r.cells[0].span.clone(),
                format!("row {}: unknown field `{key}`", r.row),
                help,
            );
            continue;
        }
        match r.cells.get(1) {
            Some(c) => {
                cells.insert(key, c.clone());
            }
            None => ctx.error(
                ProblemKind::MissingField,
                r.span.clone(),
                format!("row {}: `{key}` has no value", r.row),
                "put the value in the second column",
            ),
        }
    }
    Row {
        path: "the sheet's head".into(),
        span: rows.first().map_or(0..0, |r| r.span.clone()),
        cells,
    }
}

fn columns(ctx: &mut Ctx, header: &Record) -> Vec<Option<String>> {
    header
        .cells
        .iter()
        .map(|c| {
            let k = c.text.trim().to_ascii_lowercase();
            if COLUMNS.contains(&k.as_str()) {
                Some(k)
            } else {
                if !k.is_empty() && k != "description" {
                    let help = match super::super::diagnostic::closest(&k, COLUMNS.iter().copied())
                    {
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
                None
            }
        })
        .collect()
}

fn row_of(ctx: &mut Ctx, rec: &Record, columns: &[Option<String>]) -> Option<Row> {
    if rec.cells.len() > columns.len()
        && rec.cells[columns.len()..]
            .iter()
            .any(|c| !c.text.trim().is_empty())
    {
        ctx.error(
            ProblemKind::InvalidValue,
            rec.cells[columns.len()].span.clone(),
            format!("row {}: more cells than the header has columns", rec.row),
            "check for a comma inside a number or text (put text with commas in double quotes)",
        );
        return None;
    }
    let mut cells = HashMap::new();
    for (c, col) in rec.cells.iter().zip(columns) {
        if let Some(col) = col {
            cells.insert(col.clone(), c.clone());
        }
    }
    let name = cells
        .get("name")
        .map(|c| c.text.trim().to_string())
        .unwrap_or_default();
    Some(Row {
        path: format!("row {} ({name})", rec.row),
        span: rec.span.clone(),
        cells,
    })
}

fn sheet_drift(ctx: &mut Ctx, head: &Row, month: u8) -> Option<Drift> {
    let Drift::Scaled { mean, sd, skew, .. } = Drift::default_at(month) else {
        return None;
    };
    let frac = |ctx: &mut Ctx, key: &str, default: Decimal| match head.fraction(ctx, key) {
        None if !head.has(key) => Some(default),
        n => n.map(|n| n.value),
    };
    let mean = frac(ctx, "drift_improvement", mean);
    let sd = frac(ctx, "drift_sd", sd);
    let skew = frac(ctx, "drift_skew", skew);
    let at = match head.number(ctx, "drift_at_month") {
        None if !head.has("drift_at_month") => Some(if month == 0 { 0 } else { 6 }),
        None => None,
        Some(n) => items::month(ctx, &n),
    };
    let source = match head.text(ctx, "drift_source") {
        Some(t) => Some(t.value),
        None => {
            ctx.error(
                ProblemKind::MissingField,
                head.span.clone(),
                "the sheet overrides the drift without a `drift_source`",
                items::SOURCE_HELP,
            );
            None
        }
    };
    if let (Some(sd), Some(skew)) = (sd, skew) {
        if sd < Decimal::ZERO || skew < Decimal::ZERO || skew > Decimal::from(3) {
            ctx.error(
                ProblemKind::OutOfRange,
                head.span.clone(),
                "drift_sd must be at least 0 and drift_skew from 0 to 3",
                "give the sd as a share of net budget (0.0079 or 0.79%)",
            );
            return None;
        }
    }
    Some(Drift::Scaled {
        mean: mean?,
        sd: sd?,
        at: at?,
        skew: skew?,
        source: source?,
    })
}
