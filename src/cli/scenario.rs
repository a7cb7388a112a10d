//! Loading what a command names: a model, or a scenario of one, with any `--set` changes.

use std::path::{Path, PathBuf};

use gapsim::model::diagnostic::{self, Diagnostic, ProblemKind};
use gapsim::model::scenario::{self, Doc, Effective, Located, SetIn};
use gapsim::model::sheets::Kind;
use gapsim::model::{LoadOptions, Model};

use super::{Failure, Source, read_model, sheets, warn};

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
    /// The files it was made from: the model, or the base and the scenario.
    pub docs: Vec<Doc>,
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
    // The model whose sheets were written out (a scenario's base, or the model itself):
    // problems the check finds in its effective text are shown where they were written.
    let expanded;
    if let Some(h) = &header {
        let base = read_base(path.unwrap_or(Path::new(".")), &first, h, options)?;
        docs.push(Doc {
            label: base.source.label.clone(),
            text: base.source.text.clone(),
        });
        docs.push(Doc {
            label: first.label,
            text: first.text,
        });
        expanded = base;
    } else {
        expanded = sheets::expand(path, first, Kind::Model)?;
        docs.push(Doc {
            label: expanded.source.label.clone(),
            text: expanded.source.text.clone(),
        });
    }
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
        Ok(mut e) => {
            e.warnings = expanded.relocate_groups(std::mem::take(&mut e.warnings));
            ready_of(e, strict, docs)
        }
        Err(located) => {
            render(&expanded.relocate_groups(located), false);
            Err(Failure::Reported)
        }
    }
}

fn ready_of(e: Effective, strict: bool, docs: Vec<Doc>) -> Result<Ready, Failure> {
    // Warnings are not printed under --quiet; errors (and warnings made errors by
    // --strict) always are.
    if !e.warnings.is_empty() && (strict || !super::quiet()) {
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
        docs,
    })
}

/// Each stress case of a loaded model, applied: its case and its model, named by its
/// label. A case that does not apply is reported at its entry in the file that wrote it
/// (the scenario's own, or the base's); a case shows only the warnings at its own entries.
pub fn stress_models(
    ready: &Ready,
    options: &LoadOptions,
    strict: bool,
) -> Result<Vec<(scenario::StressCase, Ready)>, Failure> {
    let source = &ready.source;
    let cases = match scenario::stress_cases(&source.text) {
        Ok(c) => c,
        Err(diags) => {
            warn(&diagnostic::render(&source.label, &source.text, &diags));
            return Err(Failure::Reported);
        }
    };
    // docs[0] is the effective model the cases change; then the files they were written in.
    let mut docs = vec![Doc {
        label: source.label.clone(),
        text: source.text.clone(),
    }];
    docs.extend(ready.docs.iter().cloned());
    let mut out = Vec::new();
    let mut failed = false;
    for case in cases {
        let (doc, sets) = written_in(&docs, &case);
        let from_base = ready.docs.len() > 1 && doc == 1;
        let ins: Vec<SetIn> = sets
            .iter()
            .map(|(text, offset)| SetIn {
                doc,
                offset: *offset,
                text: text.clone(),
            })
            .collect();
        match scenario::apply(&docs, false, &ins, options) {
            Ok(mut e) => {
                e.model.meta.name = case.label.clone();
                e.label = format!("{} under the stress case `{}`", source.label, case.name);
                let own = |d: &Diagnostic| {
                    d.span.as_ref().is_some_and(|s| {
                        ins.iter()
                            .any(|i| i.offset <= s.start && s.end <= i.offset + i.text.len())
                    })
                };
                let label = &docs[doc].label;
                for g in &mut e.warnings.groups {
                    if &g.0 == label {
                        g.2.retain(|d| own(d));
                    } else {
                        g.2.clear();
                    }
                }
                if !e.warnings.is_empty() {
                    warn(&format!("gapsim: in the stress case `{}`:\n", case.name));
                }
                out.push((case, ready_of(e, strict, Vec::new())?));
            }
            Err(located) => {
                warn(&format!(
                    "gapsim: the stress case `{}` does not apply:\n",
                    case.name
                ));
                render(&located, strict);
                if from_base {
                    warn(&format!(
                        "  = help: `{}` is the base model's stress case: drop it from the \
                         scenario with remove = [\"stress.{}\"], or write the scenario's own \
                         [stress.{}]\n",
                        case.name, case.name, case.name
                    ));
                }
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

/// The file a stress case was written in (the last of `docs[1..]` that has it with the
/// same entries: the scenario's own before the base's) and its entries' places there;
/// the effective model itself when none has.
fn written_in(docs: &[Doc], case: &scenario::StressCase) -> (usize, Vec<(String, usize)>) {
    for k in (1..docs.len()).rev() {
        if let Ok(cases) = scenario::stress_cases(&docs[k].text)
            && let Some(c) = cases.into_iter().find(|c| c.name == case.name)
            && c.sets
                .iter()
                .map(|s| &s.0)
                .eq(case.sets.iter().map(|s| &s.0))
        {
            return (k, c.sets);
        }
    }
    (0, case.sets.clone())
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

/// The scenario's base model, read (its sheets written out) and checked alone first, so
/// that its own problems are reported against it.
fn read_base(
    path: &Path,
    scenario: &Source,
    h: &scenario::Header,
    options: &LoadOptions,
) -> Result<sheets::Expanded, Failure> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
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
            format!("the base model {} is not a file", base_path.display()),
            format!(
                "base is a path relative to the scenario file's folder; model files there: {}",
                models_in(dir)
            ),
        ));
    }
    let base = read_model(Some(&base_path))?;
    if !matches!(scenario::header(&base.text), Ok(None)) {
        return Err(refuse(
            format!("the base {} is itself a scenario", base_path.display()),
            "name a model file as the base: a scenario changes a model, not another scenario"
                .to_string(),
        ));
    }
    let base = sheets::expand(Some(&base_path), base, Kind::Model)?;
    if let Err(e) = Model::from_toml_with(&base.source.label, &base.source.text, options) {
        warn(&format!(
            "gapsim: the base model of {} has errors:\n",
            scenario.label
        ));
        return Err(base.refuse(&e.diagnostics));
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
