//! The columns a sheet may have, section by section, and how each cell becomes a TOML
//! value: the column headers are the model's field names, and a field that takes an inline
//! table (a distribution, a growth `{ first, grows }`) is written as one column per key,
//! `FIELD.KEY` (`delivered.dist`, `delivered.min`, …), as `--set` addresses it.

use std::str::FromStr as _;

use rust_decimal::Decimal;

use super::grid::Value;
use super::{Kind, q};

/// What a column holds, and so how its cells are written in the effective model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Type {
    /// The item's name: the `NAME` of `[section.NAME]`.
    Name,
    /// Text, written as a TOML string.
    Text,
    /// A number, exactly as written (or a percentage, `3.2%`, where the field reads one).
    Number,
    /// true or false (also yes or no).
    Bool,
    /// A figure per year: a number, or `100; 104; 108` (and the `.first`, `.grows` keys).
    Series,
    /// A driver: a number, a percentage, a declared driver's name (and the `.KEY` columns
    /// of an inline distribution).
    Input,
    /// As [`Type::Input`], or several separated by `;` (`care_fee_uplift; op_cost_drift`).
    Inputs,
    /// Numbers separated by `;` (a discrete distribution's `values`).
    List,
}

use Type::{Bool, Input, Inputs, List, Name, Number, Series, Text};

/// The keys of a distribution (and of a driver's path), for `FIELD.KEY` columns and the
/// drivers sheet.
const DISTRIBUTION: &[(&str, Type)] = &[
    ("dist", Text),
    ("value", Number),
    ("mean", Number),
    ("sd", Number),
    ("median", Number),
    ("p90", Number),
    ("min", Number),
    ("mode", Number),
    ("max", Number),
    ("shape", Number),
    ("alpha", Number),
    ("beta", Number),
    ("p", Number),
    ("values", List),
    ("probabilities", List),
    ("shift", Number),
    ("scale", Number),
    ("path", Text),
    ("phi", Number),
    ("compound", Bool),
    ("widen", Number),
    ("drift", Number),
];

/// The keys of a figure per year written as a growth.
const GROWTH: &[(&str, Type)] = &[("first", Number), ("grows", Number)];

const MODEL_LINES: &[(&str, Type)] = &[
    ("name", Name),
    ("label", Text),
    ("description", Text),
    ("group", Text),
    ("kind", Text),
    ("budget", Series),
    ("base", Series),
    ("growth", Inputs),
    ("clients", Series),
    ("unit_cost", Input),
    ("periods", Number),
    ("period", Text),
    ("demand", Inputs),
    ("cost", Inputs),
    ("probability", Input),
    ("impact", Input),
    ("source", Text),
];

const MODEL_SAVINGS: &[(&str, Type)] = &[
    ("name", Name),
    ("label", Text),
    ("description", Text),
    ("group", Text),
    ("amount", Number),
    ("recurring", Bool),
    ("year", Text),
    ("probability", Input),
    ("delivered", Input),
    ("slippage", Input),
    ("source", Text),
];

const MONITORING_LINES: &[(&str, Type)] = &[
    ("name", Name),
    ("label", Text),
    ("description", Text),
    ("budget", Number),
    ("forecast", Number),
    ("variance", Number),
    ("source", Text),
];

const MONITORING_SAVINGS: &[(&str, Type)] = &[
    ("name", Name),
    ("label", Text),
    ("description", Text),
    ("amount", Number),
    ("rag", Text),
    ("forecast", Number),
    ("source", Text),
];

/// The columns of one section's sheet.
#[derive(Debug, Clone, Copy)]
pub(super) struct Schema {
    /// The fields, in the order the template lists them.
    pub fields: &'static [(&'static str, Type)],
    /// Whether `FIELD.KEY` columns are read (not on the drivers sheet, whose own columns
    /// are the distribution's keys).
    pub keyed: bool,
}

/// The sections that may come from sheets in a file of `kind`.
pub(super) fn sections(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Model => &["drivers", "lines", "savings"],
        Kind::Monitoring => &["lines", "savings"],
    }
}

/// The schema of `section` in a file of `kind`.
pub(super) fn schema(kind: Kind, section: &str) -> Schema {
    let fields: &'static [(&'static str, Type)] = match (kind, section) {
        (Kind::Model, "lines") => MODEL_LINES,
        (Kind::Model, "savings") => MODEL_SAVINGS,
        (Kind::Monitoring, "lines") => MONITORING_LINES,
        (Kind::Monitoring, "savings") => MONITORING_SAVINGS,
        _ => return DRIVERS,
    };
    Schema {
        fields,
        keyed: kind == Kind::Model,
    }
}

/// The drivers sheet: a name, what the driver is, and its distribution's keys.
const DRIVERS: Schema = Schema {
    fields: &[
        ("name", Name),
        ("label", Text),
        ("description", Text),
        ("dist", Text),
        ("value", Number),
        ("mean", Number),
        ("sd", Number),
        ("median", Number),
        ("p90", Number),
        ("min", Number),
        ("mode", Number),
        ("max", Number),
        ("shape", Number),
        ("alpha", Number),
        ("beta", Number),
        ("p", Number),
        ("values", List),
        ("probabilities", List),
        ("shift", Number),
        ("scale", Number),
        ("path", Text),
        ("phi", Number),
        ("compound", Bool),
        ("widen", Number),
        ("drift", Number),
        ("source", Text),
    ],
    keyed: false,
};

/// A column of a sheet, as its header names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Column {
    /// A field of the item.
    Field(&'static str, Type),
    /// A key of a field's inline table: `delivered.min`.
    Key(&'static str, &'static str, Type),
}

impl Schema {
    /// The column a header names, or `None`.
    pub fn column(&self, header: &str) -> Option<Column> {
        if let Some(&(f, t)) = self.fields.iter().find(|(f, _)| *f == header) {
            return Some(Column::Field(f, t));
        }
        let (field, key) = header.split_once('.')?;
        if !self.keyed {
            return None;
        }
        let &(f, t) = self.fields.iter().find(|(f, _)| *f == field)?;
        let keys = match t {
            Series => GROWTH,
            Input | Inputs => DISTRIBUTION,
            _ => return None,
        };
        let &(k, kt) = keys.iter().find(|(k, _)| *k == key)?;
        Some(Column::Key(f, k, kt))
    }

    /// Every header this schema reads, for "did you mean".
    pub fn headers(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fields.iter().map(|(f, _)| f.to_string()).collect();
        if self.keyed {
            for (f, t) in self.fields {
                let keys = match t {
                    Series => GROWTH,
                    Input | Inputs => DISTRIBUTION,
                    _ => continue,
                };
                out.extend(keys.iter().map(|(k, _)| format!("{f}.{k}")));
            }
        }
        out
    }

    /// The plain fields, for a message listing them.
    pub fn field_list(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|(f, _)| *f).collect();
        names.join(", ")
    }
}

/// What is wrong with a cell, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub message: String,
    pub help: String,
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        help: help.into(),
    }
}

/// A cell's value as the TOML text of `ty`.
pub(super) fn toml_value(value: &Value, ty: Type) -> Result<String, Problem> {
    match ty {
        Name | Text => Ok(q(&value.text())),
        Number => number(value),
        Bool => boolean(value),
        Series => list_or_one(value, number),
        Input => input(value),
        Inputs => list_or_one(value, input),
        List => match value {
            Value::Text(t) => list(t, number),
            v => Ok(format!("[{}]", number(v)?)),
        },
    }
}

/// The largest figure a model holds; anything beyond is refused before it reaches the
/// model (which says the same, at 10^15).
fn largest() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// A number from a cell, as exact TOML text: a spreadsheet's number in its shortest form
/// (the one that reads back as the same double), a text cell as the decimal it spells.
fn number(value: &Value) -> Result<String, Problem> {
    match value {
        Value::Number(x) => {
            // `{}` on a double writes the shortest decimal that reads back as it, never
            // an exponent: 323.3 stays 323.3, 8150.0 is 8150.
            let text = format!("{x}");
            match Decimal::from_str(&text) {
                Ok(d) if d.abs() <= largest() => Ok(d.to_string()),
                _ => Err(problem(
                    format!("{text} is beyond 10^15, the largest figure a model holds"),
                    "check the unit: money in £m for a £m model",
                )),
            }
        }
        Value::Bool(b) => Err(problem(
            format!("{} is not a number", if *b { "TRUE" } else { "FALSE" }),
            "write a number such as 12.5",
        )),
        Value::Text(t) => text_number(t.trim()),
    }
}

/// A number written as text: `12.5`, `-3`, `1_000`, `1e6`, or a percentage `3.2%` (kept as
/// the string `"3.2%"`, which the model reads wherever a fraction is expected and refuses,
/// saying so, elsewhere).
fn text_number(t: &str) -> Result<String, Problem> {
    if t.ends_with('%') && crate::model::reader::percent(t).is_some() {
        return Ok(q(t));
    }
    let plain = t.replace('_', "");
    let parsed = if plain.contains(['e', 'E']) {
        Decimal::from_scientific(&plain.to_ascii_lowercase()).ok()
    } else {
        Decimal::from_str(plain.strip_prefix('+').unwrap_or(&plain)).ok()
    };
    match parsed {
        Some(d) if d.abs() <= largest() => Ok(d.to_string()),
        Some(_) => Err(problem(
            format!("\"{t}\" is beyond 10^15, the largest figure a model holds"),
            "check the unit: money in £m for a £m model",
        )),
        None => Err(problem(format!("\"{t}\" is not a number"), number_help(t))),
    }
}

/// The fix for a number that does not read: a decimal comma, thousands separators, a £
/// sign, or anything else.
fn number_help(t: &str) -> String {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if let Some((whole, part)) = t.split_once(',') {
        let whole_ok = digits(whole.trim_start_matches('-'));
        if whole_ok && digits(part) && part.len() != 3 && !t.contains('.') {
            return format!("write {whole}.{part} (a point, not a comma, before the decimals)");
        }
        let plain = t.replace(',', "");
        if Decimal::from_str(&plain).is_ok() {
            return format!("write the number without thousands separators: {plain}");
        }
    }
    if let Some(rest) = t.strip_prefix('£') {
        return format!("write the number without the £ sign: {}", rest.trim());
    }
    if t.is_empty() {
        return "write a number, or leave the cell empty".into();
    }
    "write a plain number such as 12.5 (negative with a minus sign)".into()
}

fn boolean(value: &Value) -> Result<String, Problem> {
    let word = match value {
        Value::Bool(b) => return Ok(b.to_string()),
        Value::Number(x) if *x == 1.0 => return Ok("true".into()),
        Value::Number(x) if *x == 0.0 => return Ok("false".into()),
        Value::Number(x) => format!("{x}"),
        Value::Text(t) => t.trim().to_ascii_lowercase(),
    };
    match word.as_str() {
        "true" | "yes" | "y" | "1" => Ok("true".into()),
        "false" | "no" | "n" | "0" => Ok("false".into()),
        _ => Err(problem(
            format!("\"{word}\" is not yes or no"),
            "write true or false (or yes or no)",
        )),
    }
}

/// A driver: a number or percentage as such, anything else as a driver's name.
fn input(value: &Value) -> Result<String, Problem> {
    match value {
        Value::Text(t) => {
            let t = t.trim();
            let numeric = t.starts_with(|c: char| c.is_ascii_digit() || "-+.".contains(c));
            if numeric { text_number(t) } else { Ok(q(t)) }
        }
        v => number(v),
    }
}

/// One value, or a list of them separated by `;`.
fn list_or_one(
    value: &Value,
    one: fn(&Value) -> Result<String, Problem>,
) -> Result<String, Problem> {
    match value {
        Value::Text(t) if t.contains(';') => list(t, one),
        v => one(v),
    }
}

fn list(t: &str, one: fn(&Value) -> Result<String, Problem>) -> Result<String, Problem> {
    let items: Vec<&str> = t.split(';').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(problem(
            format!("\"{}\" has an empty item", t.trim()),
            "separate the items with ; and leave none empty: 0.2; 0.5; 0.3",
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(one(&Value::Text(item.to_string())).map_err(|p| Problem {
            help: if item.contains(',') {
                "separate the items with ; (semicolons), not commas".into()
            } else {
                p.help
            },
            ..p
        })?);
    }
    Ok(format!("[{}]", out.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn numbers_read_exactly_and_bad_ones_say_how_to_write_them() {
        assert_eq!(toml_value(&Value::Number(323.3), Number).unwrap(), "323.3");
        assert_eq!(toml_value(&Value::Number(8150.0), Number).unwrap(), "8150");
        assert_eq!(toml_value(&t(" 14.0 "), Number).unwrap(), "14.0");
        assert_eq!(toml_value(&t("1e6"), Number).unwrap(), "1000000");
        assert_eq!(toml_value(&t("3.2%"), Number).unwrap(), "\"3.2%\"");
        let p = toml_value(&t("12,4"), Number).unwrap_err();
        assert_eq!(p.message, "\"12,4\" is not a number");
        assert!(p.help.starts_with("write 12.4"), "{}", p.help);
        let p = toml_value(&t("1,234.5"), Number).unwrap_err();
        assert!(p.help.ends_with("1234.5"), "{}", p.help);
        assert!(toml_value(&Value::Number(1e300), Number).is_err());
    }

    #[test]
    fn drivers_lists_and_booleans() {
        assert_eq!(toml_value(&t("pay_award"), Input).unwrap(), "\"pay_award\"");
        assert_eq!(toml_value(&t("0.04"), Input).unwrap(), "0.04");
        assert_eq!(toml_value(&t("a; b"), Inputs).unwrap(), "[\"a\", \"b\"]");
        assert_eq!(
            toml_value(&t("100; 104.5"), Series).unwrap(),
            "[100, 104.5]"
        );
        assert_eq!(toml_value(&t("1"), List).unwrap(), "[1]");
        assert!(
            toml_value(&t("1, 2"), List)
                .unwrap_err()
                .help
                .contains("semicolons")
        );
        assert_eq!(toml_value(&t("Yes"), Bool).unwrap(), "true");
        assert!(toml_value(&t("maybe"), Bool).is_err());
    }

    #[test]
    fn keyed_columns_belong_to_fields_that_take_tables() {
        let s = schema(Kind::Model, "savings");
        assert_eq!(
            s.column("delivered.min"),
            Some(Column::Key("delivered", "min", Number))
        );
        assert_eq!(s.column("amount.min"), None);
        assert_eq!(schema(Kind::Model, "drivers").column("mean.x"), None);
        assert!(
            schema(Kind::Model, "lines")
                .headers()
                .contains(&"budget.grows".to_string())
        );
    }
}
