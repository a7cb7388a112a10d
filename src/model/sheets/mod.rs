//! Spreadsheets in: a model's lines, savings and drivers (a monitoring position's lines
//! and savings) read from CSV files or XLSX sheets that the TOML file names,
//!
//! ```toml
//! [lines]
//! from = "budget.xlsx#Lines"          # or "lines.csv", or a list of both
//! ```
//!
//! one row per item, the column headers the model's field names. The sheets are expanded
//! into an effective TOML text ([`expand`]): each row written out as the `[lines.NAME]`
//! table it stands for, where the `from` was, with a comment at the top naming every
//! sheet file and its SHA-256. That text is what is checked and run, and what a run
//! folder keeps as `model.toml`, so hashes, reproducibility and shards work as for any
//! model; [`Expanded::relocate`] shows the model check's problems in it at the sheet
//! cell they came from, as `monitor::Compiled::locate` does for a monitoring file.
//!
//! Pure, as the rest of `model`: the shell finds the references ([`references`]), reads
//! the files (relative to the model file's folder, with the model file's size limit) and
//! passes their bytes in.

mod columns;
mod expand;
mod grid;
mod rows;
mod xlsx;

use std::ops::Range;

use toml_edit::{Document, Item};

use super::diagnostic::{Diagnostic, ProblemKind};
pub use super::scenario::Located;
pub use expand::Expanded;

/// What kind of file names the sheets: the sections and columns it may take from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A budget model: `[drivers]`, `[lines]` and `[savings]`.
    Model,
    /// A monitoring position (its TOML form): `[lines]` and `[savings]`.
    Monitoring,
}

/// The form of a sheet file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated text, UTF-8.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// A sheet a model file names: `from = "budget.xlsx#Lines"` under `[lines]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The section it fills: `lines`, `savings` or `drivers`.
    pub section: &'static str,
    /// The file, as written (relative to the model file's folder).
    pub file: String,
    /// The sheet of a workbook, when one is named after `#`.
    pub sheet: Option<String>,
    /// The file's form.
    pub format: Format,
    /// Where the reference is written in the model file.
    pub span: Range<usize>,
}

impl Reference {
    /// The reference as written: `budget.xlsx#Lines`.
    pub fn written(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}#{s}", self.file),
            None => self.file.clone(),
        }
    }
}

/// A sheet file's bytes, as the shell read them.
#[derive(Debug, Clone)]
pub struct SheetFile {
    /// The file as a reference writes it.
    pub file: String,
    /// The name to show in messages (its path as the user would type it).
    pub label: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Quotes a text as a TOML string.
pub(crate) fn q(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

fn reference_error(span: Range<usize>, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(ProblemKind::InvalidValue, Some(span), message).with_help(help)
}

const FROM_HELP: &str = "name the sheets in a table of their own: `[lines]`, then on the next \
                         line `from = \"lines.csv\"` (or \"budget.xlsx#Lines\", or a list)";

/// The sheets a model (or monitoring) file names, in the order written.
///
/// # Errors
/// A `from` that is not a file name (or list of them), a file that is neither `.csv` nor
/// `.xlsx`, a sheet named on a CSV file, or `from` written other than in a `[SECTION]`
/// table. A file that is not TOML names no sheets: the model check reports its syntax.
pub fn references(text: &str, kind: Kind) -> Result<Vec<Reference>, Vec<Diagnostic>> {
    let Ok(doc) = Document::parse(text.to_string()) else {
        return Ok(Vec::new());
    };
    if kind == Kind::Model && doc.contains_key("monitoring") && !doc.contains_key("meta") {
        // A monitoring position given where a model belongs: its sheets are not read as a
        // model's (their columns would be reported one by one); the model's check names
        // the file for what it is.
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for &section in columns::sections(kind) {
        let from = match doc.get(section) {
            Some(Item::Table(t)) if !t.is_dotted() => t.get("from"),
            Some(item) => {
                // `lines.from = …` or `lines = { from = … }`: the expansion writes tables in
                // the section's place, which needs a `[lines]` header of its own.
                if let Some(v) = item.as_table_like().and_then(|t| t.get("from")) {
                    let span = v.span().or_else(|| item.span()).unwrap_or(0..0);
                    errors.push(reference_error(
                        span,
                        format!("`{section}.from` must be written in a [{section}] table"),
                        FROM_HELP,
                    ));
                }
                None
            }
            None => None,
        };
        let Some(from) = from else { continue };
        let values: Vec<&toml_edit::Value> = match from {
            Item::Value(toml_edit::Value::Array(a)) => a.iter().collect(),
            Item::Value(v) => vec![v],
            _ => {
                // `[lines.from]`: an item called `from`, not a reference.
                continue;
            }
        };
        for v in values {
            let span = v.span().unwrap_or(0..0);
            match v.as_str() {
                Some(s) => match reference(section, s, span.clone()) {
                    Ok(r) => out.push(r),
                    Err(d) => errors.push(d),
                },
                None => errors.push(reference_error(
                    span,
                    format!("`{section}.from` names sheet files: this is not a file name"),
                    FROM_HELP,
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn reference(section: &'static str, s: &str, span: Range<usize>) -> Result<Reference, Diagnostic> {
    let (file, sheet) = match s.rsplit_once('#') {
        Some((f, sh)) => (f.trim(), Some(sh.trim())),
        None => (s.trim(), None),
    };
    let lower = file.to_ascii_lowercase();
    let format = if lower.ends_with(".csv") {
        Format::Csv
    } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        Format::Xlsx
    } else {
        return Err(reference_error(
            span,
            format!("`{s}`: gapsim reads sheets from .csv and .xlsx files"),
            "save the sheet as CSV UTF-8 (comma delimited), or the workbook as an Excel \
             Workbook (.xlsx)",
        ));
    };
    match sheet {
        Some("") => Err(reference_error(
            span,
            format!("`{s}` names no sheet after `#`"),
            "write the sheet's name as its tab shows it: \"budget.xlsx#Lines\", or leave out \
             `#` for the first sheet",
        )),
        Some(_) if format == Format::Csv => Err(reference_error(
            span,
            format!("`{s}`: a CSV file has one sheet, so it takes no `#` and sheet name"),
            "write the file's name alone",
        )),
        _ => Ok(Reference {
            section,
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            format,
            span,
        }),
    }
}

/// Expands the sheets `text` names into an effective model (or monitoring) text.
/// `files` holds every file the references name (the shell reports those it cannot
/// read). A text with no references is its own expansion, byte for byte.
///
/// # Errors
/// Every problem in the sheets (each at its sheet, row and column) or in the references
/// (at the `from` in the model file), grouped by where it is shown.
pub fn expand(
    label: &str,
    text: &str,
    kind: Kind,
    files: &[SheetFile],
) -> Result<Expanded, Located> {
    let refs = match references(text, kind) {
        Ok(r) => r,
        Err(diags) => {
            return Err(Located {
                groups: vec![(label.to_string(), text.to_string(), diags)],
            });
        }
    };
    expand::expand(label, text, kind, &refs, files)
}

#[cfg(test)]
mod tests;
