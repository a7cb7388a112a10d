//! The effective text: the model file with each `from` replaced by the tables its sheets'
//! rows stand for, and the map that shows a problem found in it where it was written (in
//! the model file, or at a sheet's row and column).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use sha2::{Digest as _, Sha256};
use toml_edit::{Document, Item, Table};

use super::columns;
use super::grid::{self, Grid};
use super::rows::{Rows, Written};
use super::{Format, Kind, Located, Reference, SheetFile, xlsx};
use crate::model::diagnostic::{Diagnostic, Note, ProblemKind, Severity, closest, line_col};

/// Where a part of the effective text came from in a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    /// A cell (or, for an inline table, the columns it was made from).
    Cell {
        sheet: usize,
        row: usize,
        column: String,
        cell: Option<String>,
    },
    /// A whole row.
    Row { sheet: usize, row: usize },
}

/// A model file with its sheets expanded: the effective text, and where each part of it
/// came from.
#[derive(Debug, Clone)]
pub struct Expanded {
    /// The effective text: a model (or monitoring) file of its own.
    pub text: String,
    label: String,
    original: String,
    /// Each sheet's label (`budget.xlsx#Lines`), by index.
    sheets: Vec<String>,
    /// Text copied from the model file: (range in `text`, where it starts there).
    copied: Vec<(Range<usize>, usize)>,
    /// Text written from the sheets.
    places: Vec<(Range<usize>, Place)>,
}

impl Expanded {
    /// A text that names no sheets, as its own expansion.
    pub fn identity(label: &str, text: &str) -> Expanded {
        Expanded {
            text: text.to_string(),
            label: label.to_string(),
            original: text.to_string(),
            sheets: Vec::new(),
            copied: vec![(0..text.len(), 0)],
            places: Vec::new(),
        }
    }

    /// Whether any sheet was read (else the text is the model file's own).
    pub fn has_sheets(&self) -> bool {
        !self.sheets.is_empty()
    }

    /// Each diagnostic of the effective text shown where it was written: in the model
    /// file at the same characters, or at its sheet's row and column (span-less, the row
    /// and column in the message: a workbook has no text to point into).
    pub fn relocate(&self, diagnostics: &[Diagnostic]) -> Located {
        let mut groups: Vec<(String, String, Vec<Diagnostic>)> = Vec::new();
        let mut push =
            |label: &str, text: &str, d: Diagnostic| match groups.iter_mut().find(|g| g.0 == label)
            {
                Some(g) => g.2.push(d),
                None => groups.push((label.to_string(), text.to_string(), vec![d])),
            };
        for d in diagnostics {
            match self.locate(d) {
                (None, d) => push(&self.label, &self.original, d),
                (Some(sheet), d) => push(&self.sheets[sheet], "", d),
            }
        }
        Located { groups }
    }

    /// The groups of `located` shown against the effective text moved to where they were
    /// written; the others kept.
    pub fn relocate_groups(&self, located: Located) -> Located {
        if !self.has_sheets() {
            return located;
        }
        let mut out = Located::default();
        for (label, text, diags) in located.groups {
            if text == self.text {
                out.groups.extend(self.relocate(&diags).groups);
            } else {
                out.groups.push((label, text, diags));
            }
        }
        out
    }

    /// Where `span` is: in the model file (its range there) or a sheet.
    fn place(&self, span: &Range<usize>) -> Where<'_> {
        let copied = |inclusive: bool| {
            self.copied.iter().find(|(c, _)| {
                c.start <= span.start && (span.start < c.end || inclusive && span.start == c.end)
            })
        };
        let model = |(c, from): &(Range<usize>, usize)| {
            let end = span.end.min(c.end).max(span.start);
            Where::Model(from + (span.start - c.start)..from + (end - c.start))
        };
        if let Some(c) = copied(false) {
            return model(c);
        }
        let found = self
            .places
            .iter()
            .filter(|(r, _)| r.start <= span.start && span.start < r.end)
            .min_by_key(|(r, _)| r.end - r.start);
        match (found, copied(true)) {
            (Some((_, p)), _) => Where::Sheet(p),
            // At the very end of a copied part (the end of the file).
            (None, Some(c)) => model(c),
            (None, None) => Where::Nowhere,
        }
    }

    /// A diagnostic moved: `None` for the model file, else the sheet's index.
    fn locate(&self, d: &Diagnostic) -> (Option<usize>, Diagnostic) {
        let mut d = d.clone();
        let notes = std::mem::take(&mut d.notes);
        let at = match d.span.as_ref().map(|s| self.place(s)) {
            Some(Where::Model(r)) => {
                d.span = Some(r);
                None
            }
            Some(Where::Sheet(p)) => {
                d.span = None;
                d.message = format!("{}: {}", self.at(p), d.message);
                Some(sheet_of(p))
            }
            Some(Where::Nowhere) | None => {
                d.span = None;
                None
            }
        };
        for n in notes {
            let note = match n.span.as_ref().map(|s| self.place(s)) {
                Some(Where::Model(r)) if at.is_none() => Note {
                    span: Some(r),
                    message: n.message,
                },
                Some(Where::Model(r)) => Note {
                    span: None,
                    message: format!(
                        "{} line {}: {}",
                        self.label,
                        line_col(&self.original, r.start).0,
                        n.message
                    ),
                },
                Some(Where::Sheet(p)) => Note {
                    span: None,
                    message: format!("{} {}: {}", self.sheets[sheet_of(p)], self.at(p), n.message),
                },
                _ => Note {
                    span: None,
                    message: n.message,
                },
            };
            d.notes.push(note);
        }
        (at, d)
    }

    fn at(&self, p: &Place) -> String {
        match p {
            Place::Row { row, .. } => format!("row {row}"),
            Place::Cell {
                row, column, cell, ..
            } => match cell {
                Some(c) => format!("row {row}, column {column} ({c})"),
                None => format!("row {row}, column {column}"),
            },
        }
    }
}

enum Where<'a> {
    Model(Range<usize>),
    Sheet(&'a Place),
    Nowhere,
}

fn sheet_of(p: &Place) -> usize {
    match p {
        Place::Cell { sheet, .. } | Place::Row { sheet, .. } => *sheet,
    }
}

/// The problems found, grouped as [`Located`] shows them.
#[derive(Default)]
pub(super) struct Problems {
    located: Located,
}

impl Problems {
    fn model(&mut self, label: &str, text: &str, d: Diagnostic) {
        self.push(label, text, d);
    }

    pub(super) fn sheet(
        &mut self,
        label: &str,
        at: String,
        kind: ProblemKind,
        message: &str,
        help: &str,
    ) {
        let d = Diagnostic::error(kind, None, format!("{at}: {message}")).with_help(help);
        self.push(label, "", d);
    }

    fn push(&mut self, label: &str, text: &str, d: Diagnostic) {
        let groups = &mut self.located.groups;
        match groups.iter_mut().find(|g| g.0 == label) {
            Some(g) => g.2.push(d),
            None => groups.push((label.to_string(), text.to_string(), vec![d])),
        }
    }

    fn any(&self) -> bool {
        self.located.all().any(|d| d.severity == Severity::Error)
    }
}

/// A section's sheets and where they go in the model file.
struct Section<'r> {
    name: &'static str,
    refs: Vec<&'r Reference>,
    /// The `from` line(s), commented out.
    from_line: Range<usize>,
    /// Where the tables go: after the table's last value.
    insert_at: usize,
    /// The names the model file gives this section itself, with where.
    names: Vec<(String, usize)>,
}

/// The start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Just past the line break ending the line holding `at` (or the end of the text).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The end of the last value written directly in `t` (dotted keys included, its
/// sub-tables with headers not).
fn last_value_end(t: &Table) -> usize {
    let mut end = 0;
    for (_, item) in t.iter() {
        match item {
            Item::Value(v) => end = end.max(v.span().map_or(0, |s| s.end)),
            Item::Table(sub) if sub.is_dotted() => end = end.max(last_value_end(sub)),
            _ => {}
        }
    }
    end
}

fn sections<'r>(text: &str, refs: &'r [Reference]) -> Vec<Section<'r>> {
    let Ok(doc) = Document::parse(text.to_string()) else {
        return Vec::new();
    };
    let mut out: Vec<Section<'r>> = Vec::new();
    for r in refs {
        if let Some(s) = out.iter_mut().find(|s| s.name == r.section) {
            s.refs.push(r);
            continue;
        }
        let Some(Item::Table(t)) = doc.get(r.section) else {
            continue;
        };
        let key = t.key("from").and_then(toml_edit::Key::span);
        let value_end = t
            .get("from")
            .and_then(Item::span)
            .map_or(r.span.end, |s| s.end);
        let start = line_start(text, key.map_or(r.span.start, |k| k.start));
        let from_line = start..line_end(text, value_end.min(text.len()));
        let insert_at = line_end(text, last_value_end(t).min(text.len())).max(from_line.end);
        let names = t
            .iter()
            .filter(|(k, _)| *k != "from")
            .map(|(k, _)| {
                let at = t
                    .key(k)
                    .and_then(toml_edit::Key::span)
                    .map_or(0, |s| s.start);
                (k.to_string(), at)
            })
            .collect();
        out.push(Section {
            name: r.section,
            refs: vec![r],
            from_line,
            insert_at,
            names,
        });
    }
    out
}

/// A sheet read: its label, its index among the sheets, and its rows.
pub(super) struct Sheet {
    pub label: String,
    pub index: usize,
    pub grid: Grid,
}

pub(super) fn expand(
    label: &str,
    text: &str,
    kind: Kind,
    refs: &[Reference],
    files: &[SheetFile],
) -> Result<Expanded, Located> {
    let mut problems = Problems::default();
    let sections = sections(text, refs);
    if sections.is_empty() {
        return Ok(Expanded::identity(label, text));
    }
    let mut sheets: Vec<String> = Vec::new();
    let mut digests: Vec<(String, String)> = Vec::new();
    let mut written: Vec<Written> = Vec::new();
    for s in &sections {
        let schema = columns::schema(kind, s.name);
        let mut seen: HashMap<String, String> = HashMap::new();
        for (name, at) in &s.names {
            let line = line_col(text, *at).0;
            seen.insert(name.clone(), format!("{label} line {line}"));
        }
        let mut w = Written::default();
        for r in &s.refs {
            let Some(file) = files.iter().find(|f| f.file == r.file) else {
                problems.model(
                    label,
                    text,
                    Diagnostic::error(
                        ProblemKind::InvalidValue,
                        Some(r.span.clone()),
                        format!("the sheet file {} was not read", r.file),
                    ),
                );
                continue;
            };
            let Some(sheet) = read_sheet(label, text, r, file, sheets.len(), &mut problems) else {
                continue;
            };
            if !digests.iter().any(|(f, _)| *f == r.file) {
                digests.push((r.file.clone(), hex(&Sha256::digest(&file.bytes))));
            }
            sheets.push(sheet.label.clone());
            let ctx = Rows {
                section: s.name,
                schema: &schema,
                sheet: &sheet,
            };
            ctx.write(&mut w, &mut seen, &mut problems);
        }
        written.push(w);
    }
    if problems.any() {
        return Err(problems.located);
    }
    let expanded = assemble(label, text, &sections, written, sheets, &digests, refs);
    if let Some(d) = crate::model::text::too_large(expanded.text.len()) {
        let d = Diagnostic {
            message: format!(
                "the model with its sheets written out is {} bytes, more than the 16 MiB a \
                 model may be",
                expanded.text.len()
            ),
            ..d
        };
        return Err(Located {
            groups: vec![(label.to_string(), text.to_string(), vec![d])],
        });
    }
    Ok(expanded)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads a reference's sheet from its file's bytes; a file that cannot be read, or a
/// workbook without the sheet, is reported at the reference.
fn read_sheet(
    label: &str,
    text: &str,
    r: &Reference,
    file: &SheetFile,
    index: usize,
    problems: &mut Problems,
) -> Option<Sheet> {
    let refuse = |problems: &mut Problems, message: String, help: String| {
        let d = Diagnostic::error(ProblemKind::InvalidValue, Some(r.span.clone()), message)
            .with_help(help);
        problems.model(label, text, d);
    };
    match r.format {
        Format::Csv => match grid::csv(&file.bytes) {
            Ok(grid) => Some(Sheet {
                label: file.label.clone(),
                index,
                grid,
            }),
            Err(p) => {
                refuse(problems, format!("{}: {}", file.label, p.message), p.help);
                None
            }
        },
        Format::Xlsx => {
            let read = match xlsx::read(&file.bytes, r.sheet.as_deref()) {
                Ok(read) => read,
                Err(p) => {
                    refuse(problems, format!("{}: {}", file.label, p.message), p.help);
                    return None;
                }
            };
            let Some(name) = read.sheet else {
                let wanted = r.sheet.clone().unwrap_or_default();
                let help = match closest(&wanted, read.sheets.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`? (sheet names match exactly)"),
                    None if read.sheets.is_empty() => "the workbook has no sheets".into(),
                    None => format!("its sheets are {}", read.sheets.join(", ")),
                };
                refuse(
                    problems,
                    format!("{} has no sheet called `{wanted}`", file.label),
                    help,
                );
                return None;
            };
            let sheet_label = format!("{}#{name}", file.label);
            for (row, col, message, help) in &read.cell_problems {
                let at = format!("row {row}, cell {}", xlsx::reference(*row, *col));
                problems.sheet(&sheet_label, at, ProblemKind::WrongType, message, help);
            }
            Some(Sheet {
                label: sheet_label,
                index,
                grid: read.grid,
            })
        }
    }
}

/// The effective text: the comment naming the sheets, then the model file with each
/// `from` commented out and its sheets' tables after the section's last value.
fn assemble(
    label: &str,
    text: &str,
    sections: &[Section<'_>],
    written: Vec<Written>,
    sheets: Vec<String>,
    digests: &[(String, String)],
    refs: &[Reference],
) -> Expanded {
    let mut out = String::new();
    out.push_str(
        "# Written out by gapsim: the sheets this model names are below as the tables their\n\
         # rows stand for, each where its section's `from` was. This text is what was checked\n\
         # and run. The sheet files and the SHA-256 of each:\n",
    );
    for (file, digest) in digests {
        let _ = writeln!(out, "#   {}  {digest}", one_line(file));
    }
    for r in refs {
        let _ = writeln!(out, "# [{}] from {}", r.section, one_line(&r.written()));
    }
    // Edits in text order: (start, end, what to write); a `from` line's comment comes
    // before tables inserted where it ends.
    let mut edits: Vec<(usize, usize, Option<Written>, String)> = Vec::new();
    for (s, w) in sections.iter().zip(written) {
        let list: Vec<String> = s.refs.iter().map(|r| one_line(&r.written())).collect();
        let comment = format!("# from = {}: written out below\n", list.join(", "));
        edits.push((s.from_line.start, s.from_line.end, None, comment));
        edits.push((s.insert_at, s.insert_at, Some(w), String::new()));
    }
    edits.sort_by_key(|e| (e.0, e.2.is_some()));
    let mut copied = Vec::new();
    let mut places = Vec::new();
    let mut at = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    for (start, end, w, comment) in edits {
        let start = start.max(at);
        if start > at {
            copied.push((out.len()..out.len() + (start - at), at));
            out.push_str(&text[at..start]);
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&comment);
        if let Some(w) = w {
            let base = out.len();
            places.extend(
                w.places
                    .into_iter()
                    .map(|(r, p)| (base + r.start..base + r.end, p)),
            );
            out.push_str(&w.text);
        }
        at = end.max(at);
    }
    if at < text.len() {
        copied.push((out.len()..out.len() + (text.len() - at), at));
        out.push_str(&text[at..]);
    }
    Expanded {
        text: out,
        label: label.to_string(),
        original: text.to_string(),
        sheets,
        copied,
        places,
    }
}

/// A name for a comment: on one line, control characters shown as `?`.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || crate::model::diagnostic::is_spoofing(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}
