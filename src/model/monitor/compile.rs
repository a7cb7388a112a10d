//! A monitoring position compiled into a model file: what has happened is fixed (each
//! line's reported forecast, action achieved, savings already written off), the rest is
//! simulated (the forecast's drift to year end, savings at risk by RAG status, action not
//! yet achieved). The model is ordinary text, kept in the run folder as `model.toml`, so a
//! re-forecast runs, reports, shards and merges exactly as a budget model does.
//!
//! The year-end overspend (the model's gap) is
//!
//! ```text
//! gap = V_after + Σ_actions (planned − achieved)·(1 − f) + Σ_savings (forecast − amount·d)
//!       + N · D
//! ```
//!
//! with V_after the reported variance counting every planned action as delivered
//! (V_before − Σ planned on the before-action basis), f and d fractions delivered drawn by
//! RAG status, N the net budget and D the drift (a share of N). Unused contingency is
//! mitigation; the reserves are the position's.

use std::fmt::Write as _;
use std::ops::Range;

use rust_decimal::Decimal;

use super::super::diagnostic::Diagnostic;
use super::{Basis, Drift, Position, Rag};

/// The compiled model's text, and where each part of it came from in the monitoring
/// file, to show the model check's problems there.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The model file's text.
    pub text: String,
    /// Text copied verbatim: (range in `text`, range in the monitoring file).
    pub(super) copied: Vec<(Range<usize>, Range<usize>)>,
    /// Generated tables: (range in `text`, the monitoring item they come from).
    pub(super) items: Vec<(Range<usize>, Range<usize>)>,
    /// Where to show anything else.
    pub(super) whole: Range<usize>,
}

impl Compiled {
    /// A diagnostic of the compiled model moved to its place in the monitoring file: a
    /// problem in copied text at the same characters, one in a generated table at the
    /// item it comes from.
    pub fn locate(&self, d: &Diagnostic) -> Diagnostic {
        let mut d = d.clone();
        let moved = d.span.as_ref().map(|s| {
            for (c, o) in &self.copied {
                if s.start >= c.start && s.end <= c.end {
                    return o.start + (s.start - c.start)..o.start + (s.end - c.start);
                }
            }
            for (c, o) in &self.items {
                if s.start >= c.start && s.end <= c.end {
                    return o.clone();
                }
            }
            self.whole.clone()
        });
        d.span = moved;
        d.notes.clear();
        d
    }
}

/// Quotes a text as a TOML string.
pub(super) fn q(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

pub(super) struct Out {
    pub(super) text: String,
    pub(super) copied: Vec<(Range<usize>, Range<usize>)>,
    pub(super) items: Vec<(Range<usize>, Range<usize>)>,
}

impl Out {
    pub(super) fn table(&mut self, header: &str, from: &Range<usize>, fields: &[(&str, Field)]) {
        let start = self.text.len();
        let _ = writeln!(self.text, "\n[{header}]");
        for (k, v) in fields {
            let _ = write!(self.text, "{k} = ");
            match v {
                Field::Raw(s) => self.text.push_str(s),
                Field::Copied(s, span) => {
                    let at = self.text.len();
                    self.text.push_str(s);
                    self.copied.push((at..self.text.len(), span.clone()));
                }
            }
            self.text.push('\n');
        }
        self.items.push((start..self.text.len(), from.clone()));
    }
}

pub(super) enum Field {
    Raw(String),
    Copied(String, Range<usize>),
}

pub(super) fn raw(s: impl Into<String>) -> Field {
    Field::Raw(s.into())
}

pub(super) fn text(s: &str) -> Field {
    Field::Raw(q(s))
}

pub(super) fn money(d: Decimal) -> Field {
    Field::Raw(d.normalize().to_string())
}

/// The fraction-delivered law of a status: the file's override, else the default.
fn delivery(p: &Position, rag: Rag) -> (Field, String) {
    match p.delivery.iter().find(|(r, _, _)| *r == rag) {
        Some((_, c, source)) => (
            Field::Copied(c.text.clone(), c.span.clone()),
            source.clone(),
        ),
        None => (raw(rag.default_law()), rag.default_source().into()),
    }
}

/// The month in words.
pub fn month_words(month: u8) -> String {
    const NAMES: [&str; 12] = [
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "January",
        "February",
    ];
    match month {
        0 => "budget setting".into(),
        3 => "month 3 (Q1, end of June)".into(),
        6 => "month 6 (Q2, end of September)".into(),
        9 => "month 9 (Q3, end of December)".into(),
        m => format!("month {m} (end of {})", NAMES[usize::from(m.min(11))]),
    }
}

/// Compiles a standalone position.
pub fn compile(p: &Position) -> Compiled {
    let mut o = Out {
        text: String::new(),
        copied: Vec::new(),
        items: Vec::new(),
    };
    let _ = writeln!(
        o.text,
        "# In-year re-forecast compiled by gapsim from a monitoring position at {}.\n\
         # The year-end overspend is the reported position after planned action, plus the\n\
         # action and savings that may not come, plus the forecast's drift to outturn.",
        month_words(p.month)
    );
    let description = format!(
        "Re-forecast of the {} outturn as at {}: what has happened is fixed, the rest of the \
         year is simulated. Reported {} {} ({} basis).{}{}",
        p.year,
        month_words(p.month),
        p.unit.symbol(),
        p.reported().normalize(),
        p.basis.word().replace('_', " "),
        if p.description.is_empty() { "" } else { " " },
        p.description
    );
    o.table(
        "meta",
        &p.span,
        &[
            ("name", text(&p.name)),
            ("council", text(&p.council)),
            ("year", text(&p.year)),
            ("unit", text(p.unit.symbol())),
            ("net_budget", money(p.net_budget)),
            ("description", text(&description)),
        ],
    );
    body(&mut o, p, true);
    Compiled {
        text: o.text,
        copied: o.copied,
        items: o.items,
        whole: p.span.clone(),
    }
}

/// Everything but `[meta]`: the lines, the drift (when `drift`), the risks, contingency and
/// reserves.
pub(super) fn body(o: &mut Out, p: &Position, drift: bool) {
    lines(o, p);
    if let Some(law) = drift_field(p).filter(|_| drift) {
        o.table(
            "lines.gapsim_drift",
            &p.span,
            &[
                ("label", text("Drift of the forecast to year end")),
                ("group", text("Forecast drift")),
                ("kind", text("simple")),
                ("base", money(p.net_budget)),
                ("budget", money(p.net_budget)),
                ("growth", law.0),
                ("source", text(&law.1)),
            ],
        );
    }
    risks(o, p);
    if let Some(c) = p
        .contingency
        .as_ref()
        .filter(|c| c.available > Decimal::ZERO)
    {
        o.table(
            "mitigation.gapsim_contingency",
            &p.span,
            &[
                ("label", text("Contingency still available")),
                ("capacity", money(c.available)),
                ("source", text(&c.source)),
            ],
        );
    }
    reserves(o, p);
}

fn lines(o: &mut Out, p: &Position) {
    for l in &p.lines {
        let (base, budget) = match l.budget {
            Some(b) => (b + l.variance, b),
            None if l.variance >= Decimal::ZERO => (l.variance, Decimal::ZERO),
            None => (Decimal::ZERO, -l.variance),
        };
        o.table(
            &format!("lines.{}", l.name),
            &l.span,
            &[
                ("label", text(&l.label)),
                ("group", text("Reported forecasts")),
                ("kind", text("simple")),
                ("base", money(base)),
                ("budget", money(budget)),
                ("source", text(&l.source)),
            ],
        );
    }
    let planned: Decimal = p.actions.iter().map(|a| a.planned).sum();
    if p.basis == Basis::BeforeAction && planned > Decimal::ZERO {
        o.table(
            "lines.gapsim_planned_action",
            &p.span,
            &[
                ("label", text("Management action planned (counted as delivered)")),
                ("group", text("Management action")),
                ("kind", text("simple")),
                ("base", money(Decimal::ZERO)),
                ("budget", money(planned)),
                ("source", text("the actions below: planned in full; what may not come is simulated as savings at risk")),
            ],
        );
    }
    let written_off: Decimal = p.savings.iter().map(|s| s.amount - s.forecast).sum();
    if written_off > Decimal::ZERO {
        o.table(
            "lines.gapsim_savings_in_forecast",
            &p.span,
            &[
                ("label", text("Savings shortfall already in the forecasts")),
                ("group", text("Savings")),
                ("kind", text("simple")),
                ("base", money(Decimal::ZERO)),
                ("budget", money(written_off)),
                (
                    "source",
                    text("the savings below: amount less the delivery the forecasts assume"),
                ),
            ],
        );
    }
}

/// The drift's inline law and source, or `None` when there is none.
fn drift_field(p: &Position) -> Option<(Field, String)> {
    match &p.drift {
        Drift::None => None,
        Drift::Given { dist, source } => Some((
            Field::Copied(dist.text.clone(), dist.span.clone()),
            source.clone(),
        )),
        d @ Drift::Scaled { source, .. } => {
            let law = d.law(p.month)?;
            Some((
                raw(law.toml()),
                format!("{source}; at {}: {}", month_words(p.month), law.describe()),
            ))
        }
    }
}

fn risks(o: &mut Out, p: &Position) {
    for a in &p.actions {
        let rest = a.planned - a.achieved;
        if rest <= Decimal::ZERO {
            continue;
        }
        let (law, source) = delivery(p, a.rag);
        o.table(
            &format!("savings.{}", a.name),
            &a.span,
            &[
                (
                    "label",
                    text(&format!("{} (action still to achieve)", a.label)),
                ),
                ("group", text("Management action")),
                ("amount", money(rest)),
                ("recurring", raw("false")),
                ("delivered", law),
                (
                    "source",
                    text(&format!(
                        "{}; delivery drawn as {}: {source}",
                        a.source,
                        a.rag.word()
                    )),
                ),
            ],
        );
    }
    for s in &p.savings {
        let (law, source) = delivery(p, s.rag);
        o.table(
            &format!("savings.{}", s.name),
            &s.span,
            &[
                ("label", text(&s.label)),
                ("group", text(&format!("Savings rated {}", s.rag.word()))),
                ("amount", money(s.amount)),
                ("recurring", raw("false")),
                ("delivered", law),
                (
                    "source",
                    text(&format!(
                        "{}; delivery drawn as {}: {source}",
                        s.source,
                        s.rag.word()
                    )),
                ),
            ],
        );
    }
}

fn reserves(o: &mut Out, p: &Position) {
    for r in &p.reserves {
        let mut fields = vec![
            ("label", text(&r.label)),
            (
                "kind",
                text(if r.general_fund {
                    "general_fund"
                } else {
                    "earmarked"
                }),
            ),
            ("amount", money(r.amount)),
        ];
        if !r.general_fund {
            fields.push((
                "releasable",
                raw(if r.releasable { "true" } else { "false" }),
            ));
        }
        fields.push(("source", text(&r.source)));
        o.table(&format!("reserves.{}", r.name), &p.span, &fields);
    }
}
