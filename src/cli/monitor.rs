//! `gapsim monitor FILE` (and `gapsim run MODEL --monitoring FILE`): a monitoring position
//! read, compiled into a model and run as any model is.

use std::path::Path;

use gapsim::model::Model;
use gapsim::model::monitor::{self, Format, Position};
use gapsim::model::sheets::Kind;

use super::sheets::{self, Expanded};
use super::{Failure, Source, read_model};

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

/// Reads and checks a monitoring file (its sheets written out, for the TOML form),
/// printing its warnings (errors under `strict`).
pub fn read(path: &Path, strict: bool) -> Result<(Expanded, Position), Failure> {
    let src = read_model(Some(path))?;
    let format = Format::of(&src.label);
    let src = match format {
        Format::Toml => sheets::expand(Some(path), src, Kind::Monitoring)?,
        // A CSV sheet is a position of its own; it names no other sheets.
        Format::Csv => sheets::unexpanded(src),
    };
    match monitor::read(&src.source.text, format) {
        Ok(r) => {
            src.warnings(&r.warnings, strict)?;
            Ok((src, r.position))
        }
        Err(diags) => Err(src.refuse(&diags)),
    }
}

/// Compiles a position (layered on `model` when given) and checks the model it makes.
pub fn load(path: &Path, model: Option<&Path>, strict: bool) -> Result<Ready, Failure> {
    let (src, position) = read(path, strict)?;
    let compiled = match model {
        None => monitor::compile(&position),
        Some(m) => {
            let base = sheets::expand(Some(m), read_model(Some(m))?, Kind::Model)?;
            let loaded = match Model::from_toml(&base.source.label, &base.source.text) {
                Ok(loaded) => {
                    base.warnings(&loaded.warnings, false)?;
                    loaded
                }
                Err(e) => return Err(base.refuse(&e.diagnostics)),
            };
            let base = base.source;
            let central = gapsim::engine::central(&loaded.model, 0.0).gap;
            match monitor::layer(&base.text, &loaded.model, &position, central) {
                Ok(c) => c,
                Err(diags) => return Err(src.refuse(&diags)),
            }
        }
    };
    let label = format!("{} (compiled)", src.source.label);
    let model = match Model::from_toml(&label, &compiled.text) {
        Ok(loaded) => {
            // The compiled model's warnings are about the position's figures: shown there.
            let located: Vec<_> = loaded.warnings.iter().map(|d| compiled.locate(d)).collect();
            src.warnings(&located, strict)?;
            loaded.model
        }
        Err(e) => {
            let located: Vec<_> = e.diagnostics.iter().map(|d| compiled.locate(d)).collect();
            return Err(src.refuse(&located));
        }
    };
    let src = src.source;
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
