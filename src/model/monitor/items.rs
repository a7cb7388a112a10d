//! The checks both readers share: each item of a monitoring position read through
//! [`Fields`], which the TOML reader and the CSV sheet each provide, so a figure is checked
//! the same way whichever way it was written.

use std::ops::Range;

use rust_decimal::Decimal;

use super::super::diagnostic::ProblemKind;
use super::super::reader::{Ctx, Num, Text};
use super::{
    ActionPosition, Basis, Contingency, LinePosition, Rag, ReservePosition, SavingPosition,
};

/// One item's fields, however they were written.
pub(super) trait Fields {
    /// The item's path for messages (`lines.asch`, `row 7`).
    fn path(&self) -> String;
    /// Where the item is.
    fn span(&self) -> Range<usize>;
    /// True when the field is given.
    fn has(&self, key: &str) -> bool;
    /// A number, exactly.
    fn number(&self, ctx: &mut Ctx, key: &str) -> Option<Num>;
    /// A fraction: a percentage in quotes is read too.
    fn fraction(&self, ctx: &mut Ctx, key: &str) -> Option<Num>;
    /// A text.
    fn text(&self, ctx: &mut Ctx, key: &str) -> Option<Text>;
    /// true or false.
    fn boolean(&self, ctx: &mut Ctx, key: &str) -> Option<bool>;
    /// Where a field is, or the item when it is absent.
    fn at(&self, key: &str) -> Range<usize>;
}

pub(super) const SOURCE_HELP: &str = "add `source = \"...\"`: the monitoring report and its \
    paragraph or page, a public address, or `assumption: ...` with the reasoning";

fn missing(ctx: &mut Ctx, f: &dyn Fields, key: &str, help: &str) {
    ctx.error(
        ProblemKind::MissingField,
        f.span(),
        format!(
            "`{}` needs {} `{key}`",
            f.path(),
            if key.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            }
        ),
        help,
    );
}

/// A required number.
pub(super) fn required(ctx: &mut Ctx, f: &dyn Fields, key: &str, help: &str) -> Option<Num> {
    if !f.has(key) {
        missing(ctx, f, key, help);
        return None;
    }
    f.number(ctx, key)
}

/// A number that must not be negative.
pub(super) fn non_negative(
    ctx: &mut Ctx,
    f: &dyn Fields,
    n: Option<Num>,
    key: &str,
) -> Option<Decimal> {
    let n = n?;
    if n.value < Decimal::ZERO {
        ctx.error(
            ProblemKind::OutOfRange,
            n.span,
            format!("`{}.{key}` is {}, which is negative", f.path(), n.value),
            "give the amount as a positive figure in the file's unit",
        );
        return None;
    }
    Some(n.value)
}

/// The item's source, required.
pub(super) fn source(ctx: &mut Ctx, f: &dyn Fields) -> Option<String> {
    if !f.has("source") {
        missing(ctx, f, "source", SOURCE_HELP);
        return None;
    }
    let t = f.text(ctx, "source")?;
    if t.value.trim().is_empty() {
        ctx.error(
            ProblemKind::InvalidValue,
            t.span,
            format!("`{}.source` is empty", f.path()),
            SOURCE_HELP,
        );
        return None;
    }
    Some(t.value)
}

fn label(ctx: &mut Ctx, f: &dyn Fields, name: &str) -> String {
    f.text(ctx, "label")
        .map_or_else(|| name.to_string(), |t| t.value)
}

/// A directorate's or line's forecast: `variance`, or `forecast` with `budget`.
pub(super) fn line(ctx: &mut Ctx, f: &dyn Fields, name: &str) -> Option<LinePosition> {
    let label = label(ctx, f, name);
    let source = source(ctx, f);
    let budget_n = f.number(ctx, "budget");
    let budget = non_negative(ctx, f, budget_n, "budget");
    let forecast = f.number(ctx, "forecast");
    let variance = f.number(ctx, "variance");
    let variance =
        match (&forecast, &variance) {
            (Some(fc), Some(v)) => {
                ctx.error(
                    ProblemKind::Inconsistent,
                    v.span.clone(),
                    format!("`{}` gives both `forecast` and `variance`", f.path()),
                    format!(
                        "give one: the forecast outturn ({}) with the budget, or the variance \
                     (forecast minus budget)",
                        fc.value
                    ),
                );
                None
            }
            (Some(fc), None) => {
                match budget {
                    Some(b) => {
                        if fc.value < Decimal::ZERO {
                            ctx.error(
                        ProblemKind::OutOfRange,
                        fc.span.clone(),
                        format!("`{}.forecast` is {}, a negative outturn", f.path(), fc.value),
                        "the forecast is the line's outturn (spend), not its variance: give \
                         the variance as `variance` instead",
                    );
                            None
                        } else {
                            Some(fc.value - b)
                        }
                    }
                    None if !f.has("budget") => {
                        ctx.error(
                            ProblemKind::MissingField,
                            fc.span.clone(),
                            format!("`{}` gives a `forecast` without a `budget`", f.path()),
                            "give the line's `budget` too, or give its `variance` (forecast minus \
                     budget) instead",
                        );
                        None
                    }
                    None => None,
                }
            }
            (None, Some(v)) => Some(v.value),
            // A value given but unreadable was reported where it is.
            (None, None) if f.has("variance") || f.has("forecast") => None,
            (None, None) => {
                missing(
                    ctx,
                    f,
                    "variance",
                    "give the forecast variance (forecast outturn minus budget, positive for an \
                 overspend), or the `forecast` outturn with the `budget`",
                );
                None
            }
        };
    if let (Some(b), Some(v)) = (budget, variance) {
        if b + v < Decimal::ZERO {
            ctx.error(
                ProblemKind::OutOfRange,
                f.at("variance"),
                format!(
                    "`{}`: an underspend of {} on a budget of {b} would be a negative outturn",
                    f.path(),
                    -v
                ),
                "check the sign (positive is an overspend) and the budget",
            );
            return None;
        }
    }
    Some(LinePosition {
        name: name.to_string(),
        label,
        budget,
        variance: variance?,
        source: source?,
        span: f.span(),
    })
}

/// The RAG status field.
fn rag(ctx: &mut Ctx, f: &dyn Fields, default: Option<Rag>) -> Option<Rag> {
    if !f.has("rag") {
        if default.is_none() {
            missing(
                ctx,
                f,
                "rag",
                "give its RAG status: \"blue\" (delivered), \"green\", \"amber\" or \"red\"",
            );
        }
        return default;
    }
    let t = f.text(ctx, "rag")?;
    let r = Rag::parse(&t.value);
    if r.is_none() {
        ctx.error(
            ProblemKind::InvalidValue,
            t.span,
            format!(
                "`{}.rag` is \"{}\", which is not a RAG status",
                f.path(),
                t.value
            ),
            "write \"blue\" (delivered), \"green\", \"amber\" or \"red\"",
        );
    }
    r
}

/// A saving by RAG status.
pub(super) fn saving(ctx: &mut Ctx, f: &dyn Fields, name: &str) -> Option<SavingPosition> {
    let label = label(ctx, f, name);
    let source = source(ctx, f);
    let amount = required(
        ctx,
        f,
        "amount",
        "the saving the budget counts on this year",
    );
    let amount = positive(ctx, f, amount, "amount");
    let rag = rag(ctx, f, None);
    let forecast = f.number(ctx, "forecast");
    let forecast = match (forecast, amount) {
        (None, a) => a,
        (Some(fc), Some(a)) if fc.value < Decimal::ZERO || fc.value > a => {
            ctx.error(
                ProblemKind::OutOfRange,
                fc.span,
                format!(
                    "`{}.forecast` is {}: the delivery forecast must be between 0 and the \
                     saving's amount {a}",
                    f.path(),
                    fc.value
                ),
                "give what the forecasts assume the saving delivers, in the file's unit (not \
                 a percentage)",
            );
            None
        }
        (Some(fc), _) => Some(fc.value),
    };
    Some(SavingPosition {
        name: name.to_string(),
        label,
        amount: amount?,
        rag: rag?,
        forecast: forecast?,
        source: source?,
        span: f.span(),
    })
}

fn positive(ctx: &mut Ctx, f: &dyn Fields, n: Option<Num>, key: &str) -> Option<Decimal> {
    let n = n?;
    if n.value <= Decimal::ZERO {
        ctx.error(
            ProblemKind::OutOfRange,
            n.span,
            format!(
                "`{}.{key}` is {}; it must be more than 0",
                f.path(),
                n.value
            ),
            "give a positive amount in the file's unit",
        );
        return None;
    }
    Some(n.value)
}

/// Management action, planned and achieved.
pub(super) fn action(ctx: &mut Ctx, f: &dyn Fields, name: &str) -> Option<ActionPosition> {
    let label = label(ctx, f, name);
    let source = source(ctx, f);
    let planned = required(
        ctx,
        f,
        "planned",
        "the management action planned for the year, in the file's unit",
    );
    let planned = non_negative(ctx, f, planned, "planned");
    let achieved = f.number(ctx, "achieved");
    let achieved = match (achieved, planned) {
        (None, _) => Some(Decimal::ZERO),
        (Some(a), Some(p)) if a.value < Decimal::ZERO || a.value > p => {
            ctx.error(
                ProblemKind::OutOfRange,
                a.span,
                format!(
                    "`{}.achieved` is {}: it must be between 0 and the {p} planned",
                    f.path(),
                    a.value
                ),
                "give the part of the planned action already achieved",
            );
            None
        }
        (Some(a), _) => Some(a.value),
    };
    let rag = rag(ctx, f, Some(Rag::Amber));
    Some(ActionPosition {
        name: name.to_string(),
        label,
        planned: planned?,
        achieved: achieved?,
        rag: rag?,
        source: source?,
        span: f.span(),
    })
}

/// The contingency.
pub(super) fn contingency(ctx: &mut Ctx, f: &dyn Fields) -> Option<Contingency> {
    let source = source(ctx, f);
    let budget_n = f.number(ctx, "budget");
    let budget = non_negative(ctx, f, budget_n, "budget");
    let used_n = f.number(ctx, "used");
    let used = non_negative(ctx, f, used_n, "used");
    let available_n = f.number(ctx, "available");
    let available = non_negative(ctx, f, available_n, "available");
    let available = match (budget, used, available) {
        (_, _, Some(a)) => Some(a),
        (Some(b), u, None) => {
            let u = u.unwrap_or_default();
            if u > b {
                ctx.error(
                    ProblemKind::OutOfRange,
                    f.at("used"),
                    format!(
                        "`{}.used` is {u}, more than the contingency budget {b}",
                        f.path()
                    ),
                    "check the figures, or give what is still `available`",
                );
                None
            } else {
                Some(b - u)
            }
        }
        (None, _, None) => {
            missing(
                ctx,
                f,
                "available",
                "give the contingency still available, or its `budget` and what has been `used`",
            );
            None
        }
    };
    Some(Contingency {
        budget,
        used: used.unwrap_or_default(),
        available: available?,
        source: source?,
    })
}

/// A reserve.
pub(super) fn reserve(ctx: &mut Ctx, f: &dyn Fields, name: &str) -> Option<ReservePosition> {
    let label = label(ctx, f, name);
    let source = source(ctx, f);
    let kind = if f.has("kind") {
        f.text(ctx, "kind").and_then(|t| match t.value.as_str() {
            "general_fund" => Some(true),
            "earmarked" => Some(false),
            _ => {
                ctx.error(
                    ProblemKind::InvalidValue,
                    t.span,
                    format!("`{}.kind` is \"{}\"", f.path(), t.value),
                    "write \"general_fund\" or \"earmarked\"",
                );
                None
            }
        })
    } else {
        missing(
            ctx,
            f,
            "kind",
            "write kind = \"general_fund\" or \"earmarked\"",
        );
        None
    };
    let amount = required(
        ctx,
        f,
        "amount",
        "the reserve's balance available, in the file's unit",
    );
    let amount = non_negative(ctx, f, amount, "amount");
    let releasable = if f.has("releasable") {
        f.boolean(ctx, "releasable")
    } else {
        Some(false)
    };
    Some(ReservePosition {
        name: name.to_string(),
        label,
        general_fund: kind?,
        amount: amount?,
        releasable: releasable?,
        source: source?,
    })
}

/// The basis word.
pub(super) fn basis(ctx: &mut Ctx, t: &Text) -> Option<Basis> {
    match t
        .value
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        "before_action" | "before" => Some(Basis::BeforeAction),
        "after_action" | "after" => Some(Basis::AfterAction),
        _ => {
            ctx.error(
                ProblemKind::InvalidValue,
                t.span.clone(),
                format!("`basis` is \"{}\"", t.value),
                "write \"before_action\" (forecasts before planned management action) or \
                 \"after_action\" (counting it as delivered)",
            );
            None
        }
    }
}

/// A month 0 to 11.
pub(super) fn month(ctx: &mut Ctx, n: &Num) -> Option<u8> {
    use rust_decimal::prelude::ToPrimitive as _;
    match n.value.to_u8() {
        Some(m) if n.value.fract().is_zero() && m <= 11 => Some(m),
        _ => {
            ctx.error(
                ProblemKind::OutOfRange,
                n.span.clone(),
                format!(
                    "`month` is {}; it must be a whole month from 0 to 11",
                    n.value
                ),
                "give the month the forecast is at: 1 for April (end of the first month) to 11 \
                 for February; 3 is Q1, 6 is Q2, 9 is Q3; 0 is the budget as set",
            );
            None
        }
    }
}
