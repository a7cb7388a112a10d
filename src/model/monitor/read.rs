//! The TOML form of a monitoring position: a `[monitoring]` table, then `[lines.NAME]`,
//! `[savings.NAME]`, `[actions.NAME]`, `[contingency]`, `[reserves.NAME]`, and the
//! optional `[drift]` and `[delivery]` overrides.

use std::collections::HashMap;
use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use super::super::Unit;
use super::super::diagnostic::{Diagnostic, ProblemKind, Severity};
use super::super::reader::{Ctx, Num, Table, Text, as_table};
use super::items::{self, Fields};
use super::{Copied, Drift, Position, Rag, Read};

struct TomlItem<'a, 'i> {
    table: Table<'a, 'i>,
}

impl Fields for TomlItem<'_, '_> {
    fn path(&self) -> String {
        self.table.path.to_string()
    }
    fn span(&self) -> Range<usize> {
        self.table.span.clone()
    }
    fn has(&self, key: &str) -> bool {
        self.table.has(key)
    }
    fn number(&self, ctx: &mut Ctx, key: &str) -> Option<Num> {
        self.table.number(ctx, key)
    }
    fn fraction(&self, ctx: &mut Ctx, key: &str) -> Option<Num> {
        self.table.fraction(ctx, key)
    }
    fn text(&self, ctx: &mut Ctx, key: &str) -> Option<Text> {
        self.table.text(ctx, key)
    }
    fn boolean(&self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        self.table.boolean(ctx, key)
    }
    fn at(&self, key: &str) -> Range<usize> {
        self.table.span_of(key)
    }
}

const SECTIONS: [&str; 8] = [
    "monitoring",
    "lines",
    "savings",
    "actions",
    "contingency",
    "reserves",
    "drift",
    "delivery",
];

/// A name the compiled model accepts: an ASCII letter, then letters, digits, `_` and `-`.
pub(super) fn name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.len() <= super::super::text::MAX_NAME_CHARS
}

pub(super) fn name_error(ctx: &mut Ctx, name: &str, span: Range<usize>) {
    ctx.error(
        ProblemKind::InvalidValue,
        span,
        format!("`{name}` is not a name gapsim can use"),
        "a name starts with an ASCII letter and uses letters, digits, `_` and `-`, at most 64 \
         (put other text in `label`)",
    );
}

pub(super) fn read(src: &str) -> Result<Read, Vec<Diagnostic>> {
    let mut ctx = Ctx::default();
    let (doc, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| {
                Diagnostic::error(
                    ProblemKind::Syntax,
                    e.span(),
                    format!("this is not valid TOML: {}", e.message()),
                )
                .with_help("check the line for a missing `=`, quote, bracket or comma")
            })
            .collect());
    }
    let root = Table {
        path: "monitoring file",
        span: doc.span(),
        entries: doc.get_ref(),
    };
    root.only(&mut ctx, &SECTIONS, "a monitoring file");
    let position = position(&mut ctx, src, &root);
    let diags = ctx.finish();
    match position {
        Some(position) if diags.iter().all(|d| d.severity == Severity::Warning) => Ok(Read {
            position,
            warnings: diags,
        }),
        _ => Err(if diags.is_empty() {
            vec![Diagnostic::error(
                ProblemKind::Empty,
                None,
                "the monitoring file could not be read",
            )]
        } else {
            diags
        }),
    }
}

/// The `[monitoring]` table's figures, shared with the CSV sheet.
pub(super) struct Head {
    pub name: Option<Text>,
    pub council: Option<Text>,
    pub year: Option<Text>,
    pub month: Option<u8>,
    pub unit: Option<Unit>,
    pub net_budget: Option<Decimal>,
    pub basis: Option<super::Basis>,
    pub description: String,
    pub source: Option<String>,
}

pub(super) const HEAD_KEYS: [&str; 9] = [
    "name",
    "council",
    "year",
    "month",
    "unit",
    "net_budget",
    "basis",
    "description",
    "source",
];

pub(super) fn head(ctx: &mut Ctx, f: &dyn Fields) -> Head {
    let req = |ctx: &mut Ctx, key: &str, help: &str| {
        if !f.has(key) {
            ctx.error(
                ProblemKind::MissingField,
                f.span(),
                format!("`{}` needs a `{key}`", f.path()),
                help,
            );
            return None;
        }
        f.text(ctx, key).filter(|t| !t.value.trim().is_empty())
    };
    let name = req(
        ctx,
        "name",
        "name the position, e.g. \"Kent County Council 2023/24, Q2 monitoring\"",
    );
    let council = req(ctx, "council", "give the council's name");
    let year = req(ctx, "year", "give the financial year, e.g. \"2023/24\"");
    let month = items::required(
        ctx,
        f,
        "month",
        "give the month the forecast is at: 3 for Q1 (June), 6 for Q2, 9 for Q3",
    )
    .and_then(|n| items::month(ctx, &n));
    let unit =
        req(ctx, "unit", "write unit = \"£m\" or \"£\"").and_then(|t| match t.value.as_str() {
            "£m" => Some(Unit::Millions),
            "£" => Some(Unit::Pounds),
            _ => {
                ctx.error(
                    ProblemKind::InvalidValue,
                    t.span,
                    format!("`unit` is \"{}\"", t.value),
                    "write \"£m\" or \"£\"",
                );
                None
            }
        });
    let net_budget = items::required(
        ctx,
        f,
        "net_budget",
        "give the year's net revenue budget in the file's unit",
    );
    let net_budget = match net_budget {
        Some(n) if n.value <= Decimal::ZERO => {
            ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!("`net_budget` is {}; it must be more than 0", n.value),
                "give the net revenue budget",
            );
            None
        }
        n => n.map(|n| n.value),
    };
    let basis = req(
        ctx,
        "basis",
        "say what the forecasts include: basis = \"before_action\" or \"after_action\"",
    )
    .and_then(|t| items::basis(ctx, &t));
    let description = f
        .text(ctx, "description")
        .map(|t| t.value)
        .unwrap_or_default();
    let source = items::source(ctx, f);
    Head {
        name,
        council,
        year,
        month,
        unit,
        net_budget,
        basis,
        description,
        source,
    }
}

/// Names seen, for uniqueness across sections.
#[derive(Default)]
pub(super) struct Names(HashMap<String, Range<usize>>);

impl Names {
    pub(super) fn add(&mut self, ctx: &mut Ctx, name: &str, span: Range<usize>) -> bool {
        if !name_ok(name) {
            name_error(ctx, name, span);
            return false;
        }
        if let Some(first) = self.0.get(name) {
            ctx.push(
                Diagnostic::error(
                    ProblemKind::DuplicateName,
                    Some(span),
                    format!("the name `{name}` is used twice"),
                )
                .with_note(Some(first.clone()), "first used here")
                .with_help("every name is unique across the file: rename one"),
            );
            return false;
        }
        self.0.insert(name.to_string(), span);
        true
    }
}

fn position(ctx: &mut Ctx, src: &str, root: &Table<'_, '_>) -> Option<Position> {
    let Some(m) = root.get("monitoring") else {
        ctx.error(
            ProblemKind::MissingField,
            0..0,
            "a monitoring file starts with a `[monitoring]` table",
            "add [monitoring] with name, council, year, month, unit, net_budget, basis and source",
        );
        return None;
    };
    let m = as_table(ctx, "monitoring", m, "write [monitoring] as a table")?;
    m.only(ctx, &HEAD_KEYS, "[monitoring]");
    let span = m.span.clone();
    let head = head(ctx, &TomlItem { table: m });
    let mut names = Names::default();
    let mut lines = Vec::new();
    let mut savings = Vec::new();
    let mut actions = Vec::new();
    let mut reserves = Vec::new();
    let allowed: [(&str, &[&str]); 4] = [
        (
            "lines",
            &[
                "label",
                "budget",
                "forecast",
                "variance",
                "source",
                "description",
            ],
        ),
        (
            "savings",
            &[
                "label",
                "amount",
                "rag",
                "forecast",
                "source",
                "description",
            ],
        ),
        (
            "actions",
            &[
                "label",
                "planned",
                "achieved",
                "rag",
                "source",
                "description",
            ],
        ),
        (
            "reserves",
            &[
                "label",
                "kind",
                "amount",
                "releasable",
                "source",
                "description",
            ],
        ),
    ];
    for (section, keys) in allowed {
        let Some(v) = root.get(section) else { continue };
        let Some(t) = as_table(ctx, section, v, "write each item as [section.NAME]") else {
            continue;
        };
        for (key, value) in t.entries.iter() {
            let name = key.get_ref().as_ref();
            let path = format!("{section}.{name}");
            let Some(item) = as_table(ctx, &path, value, "write the item as a table of fields")
            else {
                continue;
            };
            item.only(ctx, keys, section);
            let ok = names.add(ctx, name, key.span());
            let f = TomlItem { table: item };
            match section {
                "lines" => lines.extend(items::line(ctx, &f, name).filter(|_| ok)),
                "savings" => savings.extend(items::saving(ctx, &f, name).filter(|_| ok)),
                "actions" => actions.extend(items::action(ctx, &f, name).filter(|_| ok)),
                _ => reserves.extend(items::reserve(ctx, &f, name).filter(|_| ok)),
            }
        }
    }
    let contingency = match root.get("contingency") {
        None => None,
        Some(v) => {
            let t = as_table(ctx, "contingency", v, "write [contingency] as a table")?;
            t.only(
                ctx,
                &["budget", "used", "available", "source", "description"],
                "[contingency]",
            );
            Some(items::contingency(ctx, &TomlItem { table: t })?)
        }
    };
    let month = head.month?;
    let drift = match root.get("drift") {
        None => Drift::default_at(month),
        Some(v) => {
            let t = as_table(ctx, "drift", v, "write [drift] as a table")?;
            drift(ctx, src, t, month)?
        }
    };
    let delivery = match root.get("delivery") {
        None => Vec::new(),
        Some(v) => {
            let t = as_table(ctx, "delivery", v, "write [delivery] as a table")?;
            delivery(ctx, src, t)?
        }
    };
    finish(
        ctx,
        head,
        span,
        lines,
        savings,
        actions,
        contingency,
        reserves,
        drift,
        delivery,
    )
}

/// Puts the position together once every part has been read, with the checks between
/// parts.
#[allow(clippy::too_many_arguments)]
pub(super) fn finish(
    ctx: &mut Ctx,
    head: Head,
    span: Range<usize>,
    lines: Vec<super::LinePosition>,
    savings: Vec<super::SavingPosition>,
    actions: Vec<super::ActionPosition>,
    contingency: Option<super::Contingency>,
    reserves: Vec<super::ReservePosition>,
    drift: Drift,
    delivery: Vec<(Rag, Copied, String)>,
) -> Option<Position> {
    if lines.is_empty() && ctx.errors() == 0 {
        ctx.error(
            ProblemKind::Empty,
            span.clone(),
            "the position has no lines: nothing is forecast",
            "add the directorates' forecasts as [lines.NAME] with `variance` (or `forecast` and \
             `budget`), or one line for the council's total",
        );
    }
    if reserves.is_empty() && ctx.errors() == 0 {
        ctx.error(
            ProblemKind::MissingField,
            span.clone(),
            "the position states no reserves, so an S114-level shortfall is undefined",
            "add the general fund balance: [reserves.general_fund] with kind = \"general_fund\", \
             its amount and source (in a CSV sheet, a `reserves` row)",
        );
    }
    let net = head.net_budget?;
    let position = Position {
        name: head.name?.value,
        council: head.council?.value,
        year: head.year?.value,
        month: head.month?,
        unit: head.unit?,
        net_budget: net,
        basis: head.basis?,
        description: head.description,
        source: head.source?,
        lines,
        savings,
        actions,
        contingency,
        reserves,
        drift,
        delivery,
        span: span.clone(),
    };
    plausible(ctx, &position);
    (ctx.errors() == 0).then_some(position)
}

/// Warnings for figures that are allowed but probably mistaken: a variance beyond the
/// whole net budget (pounds in a £m file), a position at month 0 with a variance.
fn plausible(ctx: &mut Ctx, p: &Position) {
    for l in &p.lines {
        if l.variance.abs() > p.net_budget {
            ctx.push(
                Diagnostic::warning(
                    ProblemKind::Implausible,
                    Some(l.span.clone()),
                    format!(
                        "`lines.{}`: a variance of {} is more than the whole net budget of {}",
                        l.name, l.variance, p.net_budget
                    ),
                )
                .with_help(format!(
                    "check the unit (the file is in {}); pounds in a £m file are a million times too large",
                    p.unit.symbol()
                )),
            );
        }
    }
    let reserves = p.usable_reserves();
    if reserves > p.net_budget {
        ctx.push(
            Diagnostic::warning(
                ProblemKind::Implausible,
                Some(p.span.clone()),
                format!(
                    "usable reserves of {reserves} are more than the net budget of {}",
                    p.net_budget
                ),
            )
            .with_help("check the unit and which reserves are marked usable"),
        );
    }
}

fn drift(ctx: &mut Ctx, src: &str, t: Table<'_, '_>, month: u8) -> Option<Drift> {
    t.only(
        ctx,
        &["improvement", "sd", "at_month", "skew", "law", "source"],
        "[drift]",
    );
    let source = items::source(ctx, &TomlItem { table: t.clone() });
    if let Some(law) = t.get("law") {
        if let DeValue::String(s) = law.get_ref() {
            if s.as_ref() == "none" {
                return Some(Drift::None);
            }
        }
        if !matches!(law.get_ref(), DeValue::Table(_)) {
            ctx.error(
                ProblemKind::WrongType,
                law.span(),
                "`drift.law` should be an inline distribution or \"none\"",
                "write e.g. law = { dist = \"normal\", mean = \"-1.5%\", sd = \"0.8%\" } (the \
                 gap's change to year end as a share of net budget), or law = \"none\"",
            );
            return None;
        }
        for k in ["improvement", "sd", "at_month", "skew"] {
            if t.has(k) {
                ctx.error(
                    ProblemKind::Inconsistent,
                    t.span_of(k),
                    format!("`drift.{k}` is given with `drift.law`"),
                    "give the law, or the figures of the scaling rule, not both",
                );
            }
        }
        let span = law.span();
        return Some(Drift::Given {
            dist: Copied {
                text: src[span.clone()].to_string(),
                span,
            },
            source: source?,
        });
    }
    // The defaults of the file's own month: at budget setting, the budget-setting figures.
    let d = Drift::default_at(month);
    let Drift::Scaled {
        mean: dm,
        sd: dsd,
        skew: dskew,
        ..
    } = d
    else {
        return None;
    };
    let frac = |ctx: &mut Ctx, key: &str, default: Decimal, lo: Decimal, hi: Decimal| {
        let Some(n) = t.fraction(ctx, key) else {
            return (!t.has(key)).then_some(default);
        };
        if n.value < lo || n.value > hi {
            ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!("`drift.{key}` is {}, outside {lo} to {hi}", n.value),
                "drift figures are shares of the net budget: write 0.0166 or \"1.66%\"",
            );
            return None;
        }
        Some(n.value)
    };
    let mean = frac(
        ctx,
        "improvement",
        dm,
        Decimal::new(-5, 1),
        Decimal::new(5, 1),
    );
    let sd = frac(ctx, "sd", dsd, Decimal::ZERO, Decimal::new(5, 1));
    let skew = match t.number(ctx, "skew") {
        None if !t.has("skew") => Some(dskew),
        None => None,
        Some(n) if n.value < Decimal::ZERO || n.value > Decimal::from(3) => {
            ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!("`drift.skew` is {}, outside 0 to 3", n.value),
                "give the skewness toward deterioration: 0 for a normal, 1 by default",
            );
            None
        }
        Some(n) => Some(n.value),
    };
    let at = match t.number(ctx, "at_month") {
        None if !t.has("at_month") => Some(if month == 0 { 0 } else { 6 }),
        None => None,
        Some(n) => items::month(ctx, &n),
    };
    Some(Drift::Scaled {
        mean: mean?,
        sd: sd?,
        at: at?,
        skew: skew?,
        source: source?,
    })
}

fn delivery(ctx: &mut Ctx, src: &str, t: Table<'_, '_>) -> Option<Vec<(Rag, Copied, String)>> {
    t.only(
        ctx,
        &["blue", "green", "amber", "red", "source"],
        "[delivery]",
    );
    let source = items::source(ctx, &TomlItem { table: t.clone() })?;
    let mut out = Vec::new();
    for rag in Rag::ALL {
        if let Some(v) = t.get(rag.word()) {
            let span = v.span();
            out.push((
                rag,
                Copied {
                    text: src[span.clone()].to_string(),
                    span,
                },
                source.clone(),
            ));
        }
    }
    Some(out)
}
