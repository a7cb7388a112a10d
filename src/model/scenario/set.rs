//! `--set` expressions: `PATH=VALUE`, `PATH+=VALUE`, `PATH*=VALUE` (and `-=`).
//!
//! The same text is a stress case's `set` entry, so both are read here once.

use std::ops::Range;

/// What a change does to the value at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Replace it.
    Set,
    /// Add to it (a number, each figure of a series, or a distribution's shift).
    Add,
    /// Multiply it (a number, each figure of a series, or a distribution's scale and shift).
    Mul,
}

impl Op {
    /// How the operator is written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Set => "=",
            Op::Add => "+=",
            Op::Mul => "*=",
        }
    }
}

/// One `PATH OP VALUE` expression, with where each part was written (byte ranges within
/// the expression's own text).
#[derive(Debug, Clone, PartialEq)]
pub struct SetExpr {
    /// The dotted path, split: `["pay_award", "mode"]`, `["savings", "*", "delivered"]`.
    pub path: Vec<String>,
    /// Where the path was written.
    pub path_span: Range<usize>,
    /// The operator.
    pub op: Op,
    /// The value as TOML text (a bare word is quoted into a string).
    pub value: String,
    /// Where the value was written.
    pub value_span: Range<usize>,
    /// A `-=` was written: the value is negated before it is added.
    pub negate: bool,
}

/// Why an expression cannot be read, with the range it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct SetError {
    /// Where in the expression.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

const FORM: &str = "write NAME.PARAM=VALUE (pay_award.mode=0.05), NAME=VALUE to fix a driver, \
                    NAME+=VALUE or NAME*=VALUE to shift or scale it, or \
                    SECTION.ITEM.FIELD=VALUE (savings.policy_savings.probability=0.8)";

/// Reads one expression.
///
/// # Errors
/// No operator, an empty or malformed path, or an empty value.
pub fn parse(text: &str) -> Result<SetExpr, SetError> {
    let Some(eq) = text.find('=') else {
        return Err(SetError {
            span: 0..text.len(),
            message: format!("`{text}` has no `=`"),
            help: FORM.to_string(),
        });
    };
    let (op, negate, path_end) = match text[..eq].chars().last() {
        Some('+') => (Op::Add, false, eq - 1),
        Some('-') => (Op::Add, true, eq - 1),
        Some('*') if !text[..eq - 1].ends_with('.') => (Op::Mul, false, eq - 1),
        _ => (Op::Set, false, eq),
    };
    let raw_path = &text[..path_end];
    let start = raw_path.len() - raw_path.trim_start().len();
    let path_text = raw_path.trim();
    let path_span = start..start + path_text.len();
    if path_text.is_empty() {
        return Err(SetError {
            span: 0..eq + 1,
            message: "the expression names nothing before its `=`".to_string(),
            help: FORM.to_string(),
        });
    }
    let mut path = Vec::new();
    for part in path_text.split('.') {
        let ok = part == "*"
            || (!part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if !ok {
            return Err(SetError {
                span: path_span,
                message: format!("`{path_text}` is not a name or a dotted path of names"),
                help: format!(
                    "names are letters, digits, `_` and `-`, joined by dots; `*` stands for \
                     every item of a section; {FORM}"
                ),
            });
        }
        path.push(part.to_string());
    }
    let raw_value = &text[eq + 1..];
    let lead = raw_value.len() - raw_value.trim_start().len();
    let value_text = raw_value.trim();
    let value_span = eq + 1 + lead..eq + 1 + lead + value_text.len();
    if value_text.is_empty() {
        return Err(SetError {
            span: eq..eq + 1,
            message: format!("`{path_text}` is given no value"),
            help: FORM.to_string(),
        });
    }
    Ok(SetExpr {
        path,
        path_span,
        op,
        value: toml_value(value_text),
        value_span,
        negate,
    })
}

/// The value as TOML: as written when it is a TOML value, else a bare word made a string
/// (`normal` is `"normal"`), so that `pay_award.dist=normal` needs no shell quoting.
fn toml_value(text: &str) -> String {
    if text.parse::<toml_edit::Value>().is_ok() {
        text.to_string()
    } else {
        let mut quoted = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_paths_and_values_are_read_with_their_places() {
        let e = parse("pay_award.mode=0.05").unwrap();
        assert_eq!(e.path, ["pay_award", "mode"]);
        assert_eq!((e.op, e.value.as_str()), (Op::Set, "0.05"));
        assert_eq!(e.value_span, 15..19);
        let e = parse(" lines.older_people.unit_cost *= 1.1").unwrap();
        assert_eq!(e.path, ["lines", "older_people", "unit_cost"]);
        assert_eq!(e.op, Op::Mul);
        assert_eq!(e.path_span, 1..29);
        let e = parse("pay_award-=0.01").unwrap();
        assert!(e.negate && e.op == Op::Add);
        let e = parse("savings.*.delivered=0.7").unwrap();
        assert_eq!(e.path, ["savings", "*", "delivered"]);
        assert_eq!(e.op, Op::Set);
    }

    #[test]
    fn a_bare_word_is_text_and_toml_values_are_kept_as_written() {
        assert_eq!(parse("pay_award.dist=normal").unwrap().value, "\"normal\"");
        assert_eq!(
            parse("x.delivered={ dist = \"fixed\", value = 0.7 }")
                .unwrap()
                .value,
            "{ dist = \"fixed\", value = 0.7 }"
        );
        assert_eq!(parse("meta.reserves_floor=\"5%\"").unwrap().value, "\"5%\"");
        assert_eq!(parse("a.b=1_000").unwrap().value, "1_000");
    }

    #[test]
    fn malformed_expressions_are_refused_at_their_place() {
        assert_eq!(parse("pay_award").unwrap_err().span, 0..9);
        assert_eq!(parse("=3").unwrap_err().span, 0..1);
        assert_eq!(parse("pay_award.mode=").unwrap_err().span, 14..15);
        assert_eq!(parse("pay..mode=1").unwrap_err().span, 0..9);
        assert_eq!(parse("pay award=1").unwrap_err().span, 0..9);
    }
}
