//! Walks the spanned TOML tree, collecting every problem instead of stopping at the first.
//!
//! serde stops at the first error and loses the literal text of numbers, so the model is
//! read by hand from toml's spanned document tree: each accessor checks the type, records a
//! diagnostic with the exact span on failure, and returns `None` so reading carries on.
//! Numbers are parsed from their literal text into exact decimals, so `0.1` is exactly one
//! tenth, as a finance reader expects.

use std::ops::Range;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, MAX_DIAGNOSTICS, ProblemKind, Severity, Suggester};

/// A TOML value with its span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// The largest magnitude a number in a model may have: far beyond any budget (in £ or £m),
/// and small enough that sums and products of model figures stay exact in decimals and
/// finite in floating point.
const LARGEST: i64 = 1_000_000_000_000_000;

/// The diagnostics gathered so far, and the budget for "did you mean" suggestions.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    pub diags: Vec<Diagnostic>,
    /// Errors and warnings found beyond [`MAX_DIAGNOSTICS`], counted but not kept.
    pub omitted: (usize, usize),
    pub suggest: Suggester,
}

impl Ctx {
    pub fn push(&mut self, d: Diagnostic) {
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(d);
        } else if d.severity == Severity::Error {
            self.omitted.0 += 1;
        } else {
            self.omitted.1 += 1;
        }
    }

    pub fn error(
        &mut self,
        kind: ProblemKind,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let help = help.into();
        let mut d = Diagnostic::error(kind, Some(span), message);
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.push(d);
    }

    /// Errors so far, kept or not.
    pub fn errors(&self) -> usize {
        self.omitted.0
            + self
                .diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count()
    }

    /// The candidate closest to `wrong`, within the model's budget of work.
    pub fn closest<'a>(
        &mut self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            // The message it would go in is not kept.
            return None;
        }
        self.suggest.closest(wrong, candidates)
    }

    /// Every diagnostic kept, with one standing for those that were not.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        let (errors, warnings) = self.omitted;
        if errors + warnings > 0 {
            let severity = if errors > 0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.diags.push(Diagnostic {
                severity,
                ..Diagnostic::error(
                    ProblemKind::Truncated,
                    None,
                    format!(
                        "{errors} more error{} and {warnings} more warning{} were found and \
                         are not listed: only the first {MAX_DIAGNOSTICS} are kept",
                        if errors == 1 { "" } else { "s" },
                        if warnings == 1 { "" } else { "s" },
                    ),
                )
                .with_help("fix the problems listed and check again")
            });
        }
        self.diags
    }
}

/// An exact number from the file, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Num {
    pub value: Decimal,
    pub span: Range<usize>,
    /// Written as a percentage in quotes (`"3.2%"`), and read as the fraction it means.
    pub percent: bool,
}

impl Num {
    /// The value as a float for the simulation. Decimals this large or precise always fit.
    pub fn f64(&self) -> f64 {
        self.value.to_f64().unwrap_or(f64::NAN)
    }
}

/// A string from the file, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text {
    pub value: String,
    pub span: Range<usize>,
}

/// A TOML table being read, with its dotted path for messages.
#[derive(Clone)]
pub(crate) struct Table<'a, 'i> {
    pub path: &'a str,
    pub span: Range<usize>,
    pub entries: &'a DeTable<'i>,
}

/// The TOML type of a value, in words.
pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// Parses the number a value holds, exactly. Records an error and returns `None` when the
/// value is not a finite number.
pub(crate) fn number(ctx: &mut Ctx, path: &str, v: &Value<'_>) -> Option<Num> {
    let span = v.span();
    let parsed = match v.get_ref() {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
            .ok()
            .and_then(|n| Decimal::try_from_i128_with_scale(n, 0).ok()),
        DeValue::Float(f) => {
            let text = f.as_str();
            let lower = text.to_ascii_lowercase();
            if lower.contains("nan") || lower.contains("inf") {
                ctx.error(
                    ProblemKind::NotFinite,
                    span,
                    format!("`{path}` is {text}, which is not a usable number"),
                    "write a finite number; NaN and infinity are not allowed in a model",
                );
                return None;
            }
            if lower.contains('e') {
                Decimal::from_scientific(&lower).ok()
            } else {
                Decimal::from_str(text).ok()
            }
        }
        other => {
            ctx.error(
                ProblemKind::WrongType,
                span,
                format!("`{path}` should be a number, found {}", type_name(other)),
                number_help(other),
            );
            return None;
        }
    };
    match parsed {
        Some(value) if value.abs() <= Decimal::from(LARGEST) => Some(Num {
            value,
            span,
            percent: false,
        }),
        _ => {
            ctx.error(
                ProblemKind::OutOfRange,
                span,
                format!("`{path}` is too large or too precise to be a budget figure"),
                "use a number below 1,000,000,000,000,000 (10^15) with at most 28 significant \
                 digits",
            );
            None
        }
    }
}

/// The fraction a percentage written as text stands for, exactly: `"3.2%"` → `0.032`.
pub(crate) fn percent(text: &str) -> Option<Decimal> {
    let number = text.trim().strip_suffix('%')?.trim();
    if number.is_empty() || number.starts_with('+') {
        return None;
    }
    let value: Decimal = number.parse().ok()?;
    value
        .checked_div(Decimal::ONE_HUNDRED)
        .map(|v| v.normalize())
}

/// As [`number`], where a fraction is expected: also reads a percentage written as text,
/// `"3.2%"`, as exactly the fraction it means (0.032).
pub(crate) fn fraction_number(ctx: &mut Ctx, path: &str, v: &Value<'_>) -> Option<Num> {
    if let DeValue::String(text) = v.get_ref() {
        if let Some(value) = percent(text) {
            if value.abs() <= Decimal::from(LARGEST) {
                return Some(Num {
                    value,
                    span: v.span(),
                    percent: true,
                });
            }
        }
        if text.trim().ends_with('%') {
            ctx.error(
                ProblemKind::WrongType,
                v.span(),
                format!("`{path}` is \"{text}\", which is not a percentage gapsim can read"),
                "write a percentage as a number followed by %, such as \"3.2%\" or \"-2%\", \
                 or as a fraction without quotes, such as 0.032",
            );
            return None;
        }
    }
    number(ctx, path, v)
}

fn number_help(found: &DeValue<'_>) -> String {
    match found {
        DeValue::String(s) if Decimal::from_str(s.trim()).is_ok() => {
            format!("remove the quotes: write {} not \"{}\"", s.trim(), s)
        }
        DeValue::String(s) if s.trim().ends_with('%') => {
            "a percentage is read only where a fraction is expected (a growth rate, a fraction \
             delivered, a probability, a rank correlation, and the parameters of their \
             distributions); here write a plain number without quotes"
                .into()
        }
        _ => "write a plain number such as 12.5".into(),
    }
}

impl<'a, 'i> Table<'a, 'i> {
    /// Reports every key not in `allowed`, suggesting the nearest allowed key.
    pub fn only(&self, ctx: &mut Ctx, allowed: &[&str], what: &str) {
        for (key, _) in self.entries.iter() {
            let k = key.get_ref().as_ref();
            if allowed.contains(&k) {
                continue;
            }
            if super::text::longer_than(k, super::text::MAX_NAME_CHARS) {
                // Reported as too long already.
                continue;
            }
            let help = match ctx.closest(k, allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("{what} can have: {}", allowed.join(", ")),
            };
            ctx.error(
                ProblemKind::UnknownField,
                key.span(),
                format!("unknown field `{k}` in `{}`", self.path),
                help,
            );
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.entries.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.get(key).is_some()
    }

    /// Span of a key's value, or of the table when the key is absent.
    pub fn span_of(&self, key: &str) -> Range<usize> {
        self.get(key).map_or(self.span.clone(), |v| v.span())
    }

    pub fn missing(&self, ctx: &mut Ctx, key: &str, help: impl Into<String>) {
        ctx.error(
            ProblemKind::MissingField,
            self.span.clone(),
            format!("`{}` needs a `{key}`", self.path),
            help,
        );
    }

    pub fn text(&self, ctx: &mut Ctx, key: &str) -> Option<Text> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Text {
                value: s.to_string(),
                span: v.span(),
            }),
            other => {
                ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{}.{key}` should be text in quotes, found {}",
                        self.path,
                        type_name(other)
                    ),
                    "put the text in double quotes",
                );
                None
            }
        }
    }

    /// A required, non-empty string.
    pub fn req_text(&self, ctx: &mut Ctx, key: &str, help: &str) -> Option<Text> {
        if !self.has(key) {
            self.missing(ctx, key, help);
            return None;
        }
        let t = self.text(ctx, key)?;
        if t.value.trim().is_empty() {
            ctx.error(
                ProblemKind::InvalidValue,
                t.span,
                format!("`{}.{key}` is empty", self.path),
                help,
            );
            return None;
        }
        Some(t)
    }

    pub fn number(&self, ctx: &mut Ctx, key: &str) -> Option<Num> {
        let v = self.get(key)?;
        number(ctx, &format!("{}.{key}", self.path), v)
    }

    /// A number where a fraction is expected: a percentage in quotes is read too.
    pub fn fraction(&self, ctx: &mut Ctx, key: &str) -> Option<Num> {
        let v = self.get(key)?;
        fraction_number(ctx, &format!("{}.{key}", self.path), v)
    }

    pub fn boolean(&self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{}.{key}` should be true or false, found {}",
                        self.path,
                        type_name(other)
                    ),
                    "write true or false without quotes",
                );
                None
            }
        }
    }

    /// A list of numbers (fractions, when `fractions`: percentages in quotes are read).
    pub fn numbers(&self, ctx: &mut Ctx, key: &str, fractions: bool) -> Option<Vec<Num>> {
        let v = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            ctx.error(
                ProblemKind::WrongType,
                v.span(),
                format!(
                    "`{}.{key}` should be a list of numbers, found {}",
                    self.path,
                    type_name(v.get_ref())
                ),
                "write a list in square brackets, e.g. [1, 2, 3]",
            );
            return None;
        };
        let path = format!("{}.{key}", self.path);
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            let n = if fractions {
                fraction_number(ctx, &path, item)
            } else {
                number(ctx, &path, item)
            };
            match n {
                Some(n) => out.push(n),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// Views a value as a table, recording an error if it is not one.
pub(crate) fn as_table<'a, 'i>(
    ctx: &mut Ctx,
    path: &'a str,
    v: &'a Value<'i>,
    help: &str,
) -> Option<Table<'a, 'i>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(Table {
            path,
            span: v.span(),
            entries: t,
        }),
        other => {
            ctx.error(
                ProblemKind::WrongType,
                v.span(),
                format!("`{path}` should be a table, found {}", type_name(other)),
                help,
            );
            None
        }
    }
}
