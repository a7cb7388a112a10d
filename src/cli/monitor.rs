//! `gapsim monitor FILE` (and `gapsim run MODEL --monitoring FILE`): a monitoring position
//! read, compiled into a model and run as any model is.

use std::path::Path;

use gapsim::model::monitor::{self, Format, Position};
use gapsim::model::{LoadOptions, Model, diagnostic};

use super::{Failure, Source, read_model, report_warnings, warn};

/// A position compiled and checked: the effective model's text (kept as model.toml), the
/// model, and the monitoring file itself (kept beside it).
pub struct Ready {
    /// The compiled model's label and text.
    pub source: Source,
    /// The checked model.
    pub model: Model,
    /// The position.
    pub position: Position,
    /// The monitoring file's name in the run folder and its text.
    pub input: (String, String),
}

/// Reads and checks a monitoring file, printing its warnings (errors under `strict`).
pub fn read(path: &Path, strict: bool) -> Result<(Source, Position), Failure> {
    let src = read_model(Some(path))?;
    let format = Format::of(&src.label);
    match monitor::read(&src.text, format) {
        Ok(r) => {
            if !r.warnings.is_empty() {
                report_warnings(&src, &r.warnings, strict)?;
            }
            Ok((src, r.position))
        }
        Err(diags) => {
            warn(&diagnostic::render(&src.label, &src.text, &diags));
            Err(Failure::Reported)
        }
    }
}

/// Compiles a position (layered on `model` when given) and checks the model it makes.
pub fn load(path: &Path, model: Option<&Path>, strict: bool) -> Result<Ready, Failure> {
    let (src, position) = read(path, strict)?;
    let compiled = match model {
        None => monitor::compile(&position),
        Some(m) => {
            let base = read_model(Some(m))?;
            let loaded = super::load_with(&base, &LoadOptions::default(), false)?;
            let central = gapsim::engine::central(&loaded.model, 0.0).gap;
            match monitor::layer(&base.text, &loaded.model, &position, central) {
                Ok(c) => c,
                Err(diags) => {
                    warn(&diagnostic::render(&src.label, &src.text, &diags));
                    return Err(Failure::Reported);
                }
            }
        }
    };
    let label = format!("{} (compiled)", src.label);
    let model = match Model::from_toml(&label, &compiled.text) {
        Ok(loaded) => {
            // The compiled model's warnings are about the position's figures: shown there.
            let located: Vec<_> = loaded.warnings.iter().map(|d| compiled.locate(d)).collect();
            if !located.is_empty() {
                report_warnings(&src, &located, strict)?;
            }
            loaded.model
        }
        Err(e) => {
            let located: Vec<_> = e.diagnostics.iter().map(|d| compiled.locate(d)).collect();
            warn(&diagnostic::render(&src.label, &src.text, &located));
            return Err(Failure::Reported);
        }
    };
    let ext = match Format::of(&src.label) {
        Format::Csv => "csv",
        Format::Toml => "toml",
    };
    Ok(Ready {
        source: Source {
            label,
            text: compiled.text,
        },
        model,
        position,
        input: (format!("monitoring.{ext}"), src.text),
    })
}
