//! Named stress cases: `[stress.NAME]` tables of a model or scenario file.

use toml_edit::{Item, Value};

use crate::model::diagnostic::{Diagnostic, ProblemKind, closest};

/// One stress case: changes written as `--set` expressions.
#[derive(Debug, Clone, PartialEq)]
pub struct StressCase {
    /// Its name in the file.
    pub name: String,
    /// What outputs call it.
    pub label: String,
    /// Where it comes from.
    pub source: Option<String>,
    /// Each `set` entry and where its text starts in the file.
    pub sets: Vec<(String, usize)>,
}

const KEYS: &[&str] = &["label", "set", "source", "description"];

/// The stress cases of a model's text, in file order.
///
/// # Errors
/// A stress table that is not a table, lacks a label or a `set` list, or has unknown keys.
pub fn stress_cases(text: &str) -> Result<Vec<StressCase>, Vec<Diagnostic>> {
    let Ok(doc) = toml_edit::Document::parse(text.to_string()) else {
        return Ok(Vec::new());
    };
    let Some(section) = doc.get("stress") else {
        return Ok(Vec::new());
    };
    let mut diags = Vec::new();
    let mut cases = Vec::new();
    let Some(table) = section.as_table_like() else {
        return Err(vec![wrong(
            section,
            "[stress] must hold tables: [stress.NAME]",
        )]);
    };
    for (name, item) in table.iter() {
        let Some(t) = item.as_table_like() else {
            diags.push(wrong(
                item,
                "a stress case is a table: [stress.NAME] with label and set",
            ));
            continue;
        };
        for (k, v) in t.iter() {
            if !KEYS.contains(&k) {
                let fix = closest(k, KEYS.iter().copied())
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                diags.push(
                    Diagnostic::error(
                        ProblemKind::UnknownField,
                        t.key(k).and_then(toml_edit::Key::span).or(v.span()),
                        format!("[stress.{name}] has no field `{k}`"),
                    )
                    .with_help(format!("{fix}a stress case takes {}", KEYS.join(", "))),
                );
            }
        }
        let text_of = |k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
        let Some(label) = text_of("label") else {
            diags.push(missing(
                item,
                name,
                "label",
                "label = \"Inflation 3 points higher\"",
            ));
            continue;
        };
        let Some(list) = t.get("set").and_then(Item::as_array) else {
            diags.push(missing(item, name, "set", "set = [\"pay_award+=0.03\"]"));
            continue;
        };
        let mut sets = Vec::new();
        for v in list.iter() {
            match v {
                Value::String(s) => {
                    let start = s.span().map_or(0, |r| r.start + 1);
                    sets.push((s.value().clone(), start));
                }
                other => diags.push(
                    Diagnostic::error(
                        ProblemKind::WrongType,
                        other.span(),
                        "each `set` entry is text",
                    )
                    .with_help("write set = [\"pay_award+=0.03\"]"),
                ),
            }
        }
        cases.push(StressCase {
            name: name.to_string(),
            label,
            source: text_of("source"),
            sets,
        });
    }
    if diags.is_empty() {
        Ok(cases)
    } else {
        Err(diags)
    }
}

fn wrong(item: &Item, message: &str) -> Diagnostic {
    Diagnostic::error(ProblemKind::WrongType, item.span(), message)
        .with_help("see docs/model-format.md, Stress cases")
}

fn missing(item: &Item, name: &str, key: &str, example: &str) -> Diagnostic {
    Diagnostic::error(
        ProblemKind::MissingField,
        item.span(),
        format!("[stress.{name}] has no `{key}`"),
    )
    .with_help(format!("write {example}"))
}
