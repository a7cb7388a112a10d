//! Loading what a command names: a model, or a scenario of one, with any `--set` changes.

use std::path::{Path, PathBuf};

use gapsim::model::diagnostic::{self, Diagnostic, ProblemKind};
use gapsim::model::scenario::{self, Doc, Effective, Located, SetIn};
use gapsim::model::{LoadOptions, Model};

use super::{Failure, Source, read_model, warn};

/// A model ready to run: its effective text (what a run folder keeps as model.toml) and
/// the checked model.
pub struct Ready {
    /// The effective model's label and text.
    pub source: Source,
    /// The checked model.
    pub model: Model,
    /// The scenario's name, for a scenario file.
    pub scenario: Option<String>,
    /// Notes on what the changes did besides what they say.
    pub notes: Vec<String>,
}

/// Reads `path` (a model, or a scenario naming its base; the built-in model without one),
/// applies `sets`, checks the result and prints its warnings (as errors under `strict`).
pub fn load(
    path: Option<&Path>,
    sets: &[String],
    options: &LoadOptions,
    strict: bool,
) -> Result<Ready, Failure> {
    let first = read_model(path)?;
    let header = match scenario::header(&first.text) {
        Ok(h) => h,
        Err(diags) => {
            warn(&diagnostic::render(&first.label, &first.text, &diags));
            return Err(Failure::Reported);
        }
    };
    let is_scenario = header.is_some();
    let mut docs = Vec::new();
    if let Some(h) = &header {
        let base = read_base(path.unwrap_or(Path::new(".")), &first, h, options)?;
        docs.push(Doc {
            label: base.label,
            text: base.text,
        });
    }
    docs.push(Doc {
        label: first.label,
        text: first.text,
    });
    let mut ins = Vec::new();
    for (i, s) in sets.iter().enumerate() {
        ins.push(SetIn {
            doc: docs.len(),
            offset: 0,
            text: s.clone(),
        });
        docs.push(Doc {
            label: format!("--set argument {}", i + 1),
            text: s.clone(),
        });
    }
    match scenario::apply(&docs, is_scenario, &ins, options) {
        Ok(e) => ready(e, strict),
        Err(located) => {
            render(&located, false);
            Err(Failure::Reported)
        }
    }
}

fn ready(e: Effective, strict: bool) -> Result<Ready, Failure> {
    if !e.warnings.is_empty() {
        render(&e.warnings, strict);
        if strict {
            return Err(Failure::Reported);
        }
    }
    Ok(Ready {
        source: Source {
            label: e.label,
            text: e.text,
        },
        model: e.model,
        scenario: e.name,
        notes: e.notes,
    })
}

/// Each stress case of the model whose effective text is `source`, applied: its case and
/// its model, named by its label. A case that does not apply is reported at its entry.
pub fn stress_models(
    source: &Source,
    options: &LoadOptions,
    strict: bool,
) -> Result<Vec<(scenario::StressCase, Ready)>, Failure> {
    let cases = match scenario::stress_cases(&source.text) {
        Ok(c) => c,
        Err(diags) => {
            warn(&diagnostic::render(&source.label, &source.text, &diags));
            return Err(Failure::Reported);
        }
    };
    let docs = [Doc {
        label: source.label.clone(),
        text: source.text.clone(),
    }];
    // The model's own warnings were shown when it was loaded: a case shows only its own.
    let known: Vec<String> = Model::from_toml_with(&source.label, &source.text, options)
        .map(|l| l.warnings.into_iter().map(|d| d.message).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut failed = false;
    for case in cases {
        let sets: Vec<SetIn> = case
            .sets
            .iter()
            .map(|(text, offset)| SetIn {
                doc: 0,
                offset: *offset,
                text: text.clone(),
            })
            .collect();
        match scenario::apply(&docs, false, &sets, options) {
            Ok(mut e) => {
                e.model.meta.name = case.label.clone();
                e.label = format!("{} under the stress case `{}`", source.label, case.name);
                for g in &mut e.warnings.groups {
                    g.2.retain(|d| !known.contains(&d.message));
                }
                match ready(e, strict) {
                    Ok(r) => out.push((case, r)),
                    Err(f) => return Err(f),
                }
            }
            Err(located) => {
                warn(&format!(
                    "gapsim: the stress case `{}` does not apply:\n",
                    case.name
                ));
                render(&located, strict);
                failed = true;
            }
        }
    }
    if failed {
        Err(Failure::Reported)
    } else {
        Ok(out)
    }
}

/// Prints every group of diagnostics against its own text.
pub fn render(located: &Located, strict: bool) {
    for (label, text, diags) in &located.groups {
        if strict {
            warn(&diagnostic::render(label, text, &diagnostic::strict(diags)));
        } else {
            warn(&diagnostic::render(label, text, diags));
        }
    }
}

/// The scenario's base model, read and checked alone first, so that its own problems are
/// reported against it.
fn read_base(
    path: &Path,
    scenario: &Source,
    h: &scenario::Header,
    options: &LoadOptions,
) -> Result<Source, Failure> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let base_path: PathBuf = dir.join(&h.base);
    let refuse = |message: String, help: String| {
        let d = Diagnostic::error(
            ProblemKind::InvalidValue,
            Some(h.base_span.clone()),
            message,
        )
        .with_help(help);
        warn(&diagnostic::render(&scenario.label, &scenario.text, &[d]));
        Failure::Reported
    };
    if !base_path.is_file() {
        return Err(refuse(
            format!("the base model {} does not exist", base_path.display()),
            format!(
                "base is a path relative to the scenario file's folder; model files there: {}",
                models_in(dir)
            ),
        ));
    }
    let base = read_model(Some(&base_path))?;
    if scenario::header(&base.text).ok().flatten().is_some() {
        return Err(refuse(
            format!("the base {} is itself a scenario", base_path.display()),
            "name a model file as the base: a scenario changes a model, not another scenario"
                .to_string(),
        ));
    }
    if let Err(e) = Model::from_toml_with(&base.label, &base.text, options) {
        warn(&format!(
            "gapsim: the base model of {} has errors:\n",
            scenario.label
        ));
        warn(&diagnostic::render(&e.file, &e.text, &e.diagnostics));
        return Err(Failure::Reported);
    }
    Ok(base)
}

/// The .toml files of a folder, for a missing base's message.
fn models_in(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.truncate(20);
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
