//! Scenarios: a base model changed without copying it, `--set` changes and stress cases.
//!
//! A scenario file names its base and lists changes (`[drivers.pay_award] shift = 0.03`,
//! `[add.savings.NAME]`, `remove = [...]`); `--set PATH=VALUE` and a stress case's `set`
//! entries are the same changes written on one line. They are applied to the base's TOML
//! document in place (toml_edit keeps its comments and layout), so the effective model is a
//! model file an officer can read (`gapsim check SCENARIO --print`), and it is checked by
//! the same builder as any model. Its diagnostics are moved back to the change that caused
//! them (the scenario's line, or the `--set` argument) wherever a changed value is at fault.
//!
//! Pure: texts in, texts and diagnostics out; the shell reads the files.

mod changes;
mod locate;
mod overlay;
pub mod set;
mod stress;

use std::ops::Range;

use super::diagnostic::{Diagnostic, ProblemKind};
use super::{LoadOptions, Loaded, Model};

pub use stress::{StressCase, stress_cases};

/// A text changes come from: the base model, a scenario file, a `--set` argument.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The name shown in messages (a path, or `--set argument 2`).
    pub label: String,
    /// Its text.
    pub text: String,
}

/// Where a change was written: a range of one of the [`Doc`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Index into the docs.
    pub doc: usize,
    /// Byte range in that doc's text.
    pub span: Range<usize>,
}

/// One `--set` expression (or a stress case's `set` entry), with where its text sits in
/// its doc (a stress entry is inside its model file; a `--set` argument is a doc itself).
#[derive(Debug, Clone)]
pub struct SetIn {
    /// The doc holding the expression.
    pub doc: usize,
    /// Where the expression starts in that doc.
    pub offset: usize,
    /// The expression.
    pub text: String,
}

/// What a scenario file's `[scenario]` table says.
#[derive(Debug, Clone)]
pub struct Header {
    /// The scenario's name, shown on every output.
    pub name: String,
    /// Where the name was written.
    pub name_span: Range<usize>,
    /// The base model's path as written (relative to the scenario file).
    pub base: String,
    /// Where `base` was written, for an error about it.
    pub base_span: Range<usize>,
    /// Free text.
    pub description: Option<String>,
    /// Where it was written.
    pub description_span: Option<Range<usize>>,
}

/// Diagnostics to render, grouped by the text they point into.
#[derive(Debug, Clone, Default)]
pub struct Located {
    /// (label, text, diagnostics) for each text with something to say.
    pub groups: Vec<(String, String, Vec<Diagnostic>)>,
}

impl Located {
    /// Nothing to say.
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.2.is_empty())
    }

    /// Every diagnostic, for tests.
    pub fn all(&self) -> impl Iterator<Item = &Diagnostic> {
        self.groups.iter().flat_map(|g| g.2.iter())
    }

    fn push(&mut self, label: &str, text: &str, d: Diagnostic) {
        match self.groups.iter_mut().find(|g| g.0 == label) {
            Some(g) => g.2.push(d),
            None => self
                .groups
                .push((label.to_string(), text.to_string(), vec![d])),
        }
    }
}

/// A model with its changes applied: its text, its checked model and its warnings.
#[derive(Debug, Clone)]
pub struct Effective {
    /// The scenario's name, when a scenario file was applied.
    pub name: Option<String>,
    /// The label the effective model is shown under.
    pub label: String,
    /// The effective model as a model file.
    pub text: String,
    /// The checked model.
    pub model: Model,
    /// Warnings, located where they were caused.
    pub warnings: Located,
    /// What was done besides the changes written (correlations pruned of drivers that the
    /// changes removed or fixed), for the effective text's readers.
    pub notes: Vec<String>,
}

/// A scenario's header, if `text` is a scenario file (it has a `[scenario]` table).
///
/// # Errors
/// A `[scenario]` table without a name or a base, or with fields it does not know.
pub fn header(text: &str) -> Result<Option<Header>, Vec<Diagnostic>> {
    let Ok(doc) = toml_edit::Document::parse(text.to_string()) else {
        // Not TOML: the model builder reports its syntax errors.
        return Ok(None);
    };
    let Some(item) = doc.get("scenario") else {
        return Ok(None);
    };
    overlay::read_header(item).map(Some)
}

/// Applies a scenario (docs[1], when `scenario`) and the `sets` to the base (docs[0]),
/// checks the result as a model and locates every problem where it was caused.
///
/// # Errors
/// Every problem found, grouped by the text it is in.
pub fn apply(
    docs: &[Doc],
    scenario: bool,
    sets: &[SetIn],
    options: &LoadOptions,
) -> Result<Effective, Located> {
    let composed = overlay::compose(docs, scenario, sets)?;
    let label = match &composed.name {
        Some(_) => format!("{} (effective model)", docs[usize::from(scenario)].label),
        None if sets.is_empty() => docs[0].label.clone(),
        None => format!("{} with --set (effective model)", docs[0].label),
    };
    let built = Model::from_toml_with(&label, &composed.text, options);
    let (loaded, diagnostics) = match built {
        Ok(Loaded { model, warnings }) => (Some(model), warnings),
        Err(e) => (None, e.diagnostics),
    };
    let mut located = composed.located;
    locate::relocate(
        docs,
        &label,
        &composed.text,
        &composed.origins,
        diagnostics,
        &mut located,
    );
    match loaded {
        Some(model) if !has_errors(&located) => Ok(Effective {
            name: composed.name,
            label,
            text: composed.text,
            model,
            warnings: located,
            notes: composed.notes,
        }),
        _ => Err(located),
    }
}

fn has_errors(l: &Located) -> bool {
    l.all()
        .any(|d| d.severity == super::diagnostic::Severity::Error)
}

/// An error about a change, for the overlay.
fn change_error(
    span: Range<usize>,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(ProblemKind::UnknownName, Some(span), message).with_help(help)
}

#[cfg(test)]
mod tests;
