//! The sheets a model or monitoring file names (`[lines] from = "budget.xlsx#Lines"`):
//! found, read relative to the file's folder with the model file's size limit, and handed
//! to `model::sheets`, which writes them out as the effective text that is checked, run
//! and kept. Problems are shown where they were written: in the file, or at a sheet's row
//! and column.

use std::path::{Path, PathBuf};

use gapsim::model::diagnostic::{self, Diagnostic, ProblemKind};
use gapsim::model::sheets::{self, Kind, Located, SheetFile};

use super::{Failure, Source, read_limited, warn};

/// A file with its sheets written out: the effective text under the file's own label,
/// and the map back to where each part was written.
pub struct Expanded {
    /// The file's label and its effective text.
    pub source: Source,
    expansion: sheets::Expanded,
}

impl Expanded {
    /// Problems found in the effective text, each where it was written.
    pub fn relocate(&self, diagnostics: &[Diagnostic]) -> Located {
        self.expansion.relocate(diagnostics)
    }

    /// `located`'s groups shown against the effective text, moved to where they were
    /// written.
    pub fn relocate_groups(&self, located: Located) -> Located {
        self.expansion.relocate_groups(located)
    }

    /// Prints warnings found in the effective text (as errors, refusing, under `strict`).
    pub fn warnings(&self, warnings: &[Diagnostic], strict: bool) -> Result<(), Failure> {
        if warnings.is_empty() {
            return Ok(());
        }
        super::scenario::render(&self.relocate(warnings), strict);
        if strict {
            Err(Failure::Reported)
        } else {
            Ok(())
        }
    }

    /// Prints the errors found in the effective text; the command stops.
    pub fn refuse(&self, diagnostics: &[Diagnostic]) -> Failure {
        super::scenario::render(&self.relocate(diagnostics), false);
        Failure::Reported
    }
}

/// A file that names no sheets (a monitoring CSV sheet), as its own effective text.
pub fn unexpanded(source: Source) -> Expanded {
    let expansion = sheets::Expanded::identity(&source.label, &source.text);
    Expanded { source, expansion }
}

/// The folder a file's relative paths are read from (empty for the working folder, so
/// that a sheet beside `model.toml` is shown as `lines.csv`, not `./lines.csv`).
fn folder(path: Option<&Path>) -> &Path {
    path.and_then(Path::parent).unwrap_or(Path::new(""))
}

/// Reads the sheets `source` names (relative to `path`'s folder) and writes them out.
/// A file that names none is its own effective text.
pub fn expand(path: Option<&Path>, source: Source, kind: Kind) -> Result<Expanded, Failure> {
    let refs = match sheets::references(&source.text, kind) {
        Ok(r) => r,
        Err(diags) => {
            warn(&diagnostic::render(&source.label, &source.text, &diags));
            return Err(Failure::Reported);
        }
    };
    let dir = folder(path);
    let mut files: Vec<SheetFile> = Vec::new();
    let mut problems = Vec::new();
    for r in &refs {
        if files.iter().any(|f| f.file == r.file) {
            continue;
        }
        let file: PathBuf = dir.join(&r.file);
        let refuse = |message: String, help: String| {
            Diagnostic::error(ProblemKind::InvalidValue, Some(r.span.clone()), message)
                .with_help(help)
        };
        if !file.is_file() {
            problems.push(refuse(
                format!("the sheet file {} is not a file", file.display()),
                format!(
                    "`from` names a file relative to this file's folder; sheet files there: {}",
                    sheet_files_in(if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    })
                ),
            ));
            continue;
        }
        let limit = gapsim::model::text::MAX_FILE_BYTES;
        match read_limited(&file) {
            Ok(bytes) if bytes.len() > limit => problems.push(refuse(
                format!(
                    "the sheet file {} is larger than 16 MiB, the most a sheet file may be",
                    file.display()
                ),
                "keep only the rows and sheets the model reads".to_string(),
            )),
            Ok(bytes) => files.push(SheetFile {
                file: r.file.clone(),
                // A scenario's base is read as `./base.toml`: its sheets are shown plainly.
                label: file
                    .strip_prefix(".")
                    .unwrap_or(&file)
                    .display()
                    .to_string(),
                bytes,
            }),
            Err(e) => problems.push(refuse(
                format!("cannot read the sheet file {}: {e}", file.display()),
                "check that the file can be read".to_string(),
            )),
        }
    }
    if !problems.is_empty() {
        warn(&diagnostic::render(&source.label, &source.text, &problems));
        return Err(Failure::Reported);
    }
    match sheets::expand(&source.label, &source.text, kind, &files) {
        Ok(expansion) => Ok(Expanded {
            source: Source {
                label: source.label,
                text: expansion.text.clone(),
            },
            expansion,
        }),
        Err(located) => {
            super::scenario::render(&located, false);
            Err(Failure::Reported)
        }
    }
}

/// The .csv and .xlsx files of a folder, for a missing sheet file's message.
fn sheet_files_in(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    let l = n.to_ascii_lowercase();
                    l.ends_with(".csv") || l.ends_with(".xlsx") || l.ends_with(".xlsm")
                })
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
