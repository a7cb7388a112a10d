//! A sheet's rows written as the tables they stand for: the header row read against the
//! section's columns, then each row's cells typed, checked and written out as
//! `[section.NAME]` with its fields, each value's place kept.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use super::columns::{self, Column, Schema, Type};
use super::expand::{Place, Problems, Sheet};
use super::grid::{self, letters};
use super::xlsx;
use crate::model::diagnostic::{ProblemKind, closest};

/// The tables written from one section's sheets, with the places of their parts
/// (relative to the start of `text`).
#[derive(Default)]
pub(super) struct Written {
    pub text: String,
    pub places: Vec<(Range<usize>, Place)>,
}

/// Writing one sheet's rows as tables of `section`.
pub(super) struct Rows<'a> {
    pub section: &'static str,
    pub schema: &'a Schema,
    pub sheet: &'a Sheet,
}

impl Rows<'_> {
    fn at_column(&self, row: usize, col: usize) -> String {
        if self.sheet.grid.letters {
            format!("row {row}, column {}", letters(col))
        } else {
            format!("row {row}, column {}", col + 1)
        }
    }

    fn cell_ref(&self, row: usize, col: usize) -> Option<String> {
        self.sheet.grid.letters.then(|| xlsx::reference(row, col))
    }

    /// The header's columns, by column index; `None` for a note column (`#…`).
    fn header(&self, problems: &mut Problems) -> Option<HashMap<usize, Option<Column>>> {
        let label = &self.sheet.label;
        let Some(first) = self.sheet.grid.rows.first() else {
            problems.sheet(
                label,
                "the sheet".into(),
                ProblemKind::Empty,
                "it is empty",
                &format!(
                    "give a header row of field names ({}), then one row per item",
                    self.schema.field_list()
                ),
            );
            return None;
        };
        let headers = self.schema.headers();
        let mut out = HashMap::new();
        let mut named: HashMap<String, usize> = HashMap::new();
        let mut ok = true;
        for c in &first.cells {
            let h = c.value.text().to_ascii_lowercase();
            let at = self.at_column(first.row, c.col);
            if h.starts_with('#') {
                out.insert(c.col, None);
                continue;
            }
            if let Some(before) = named.insert(h.clone(), c.col) {
                let message = format!(
                    "the column `{h}` is there twice (also {})",
                    self.at_column(first.row, before)
                );
                problems.sheet(label, at, ProblemKind::DuplicateName, &message, "keep one");
                ok = false;
                continue;
            }
            match self.schema.column(&h) {
                Some(col) => {
                    out.insert(c.col, Some(col));
                }
                None => {
                    let help = match closest(&h, headers.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => self.columns_help(),
                    };
                    let message = format!("`{h}` is not a column of a {} sheet", self.what());
                    problems.sheet(label, at, ProblemKind::UnknownField, &message, &help);
                    ok = false;
                }
            }
        }
        if !named.contains_key("name") {
            problems.sheet(
                label,
                format!("row {}", first.row),
                ProblemKind::MissingField,
                "the header has no `name` column",
                "the first row names the columns; give each item a name in a `name` column \
                 (letters, digits, _ and -)",
            );
            ok = false;
        }
        ok.then_some(out)
    }

    fn what(&self) -> &'static str {
        match self.section {
            "lines" => "spending lines",
            "savings" => "savings",
            _ => "drivers",
        }
    }

    fn columns_help(&self) -> String {
        let keyed = if self.schema.keyed {
            "; a field that takes a distribution may instead have a column per key, such as \
             delivered.dist, delivered.min, delivered.mode, delivered.max"
        } else {
            ""
        };
        format!(
            "the columns are the fields of the model's [{}.NAME] tables: {}{keyed}; a column \
             whose header starts with # is a note, not read",
            self.section,
            self.schema.field_list()
        )
    }

    /// Every row after the header, as a table, into `w`.
    pub fn write(
        &self,
        w: &mut Written,
        seen: &mut HashMap<String, String>,
        problems: &mut Problems,
    ) {
        let Some(header) = self.header(problems) else {
            return;
        };
        for row in self.sheet.grid.rows.iter().skip(1) {
            if let Some(item) = self.item(row, &header, seen, problems) {
                self.emit(w, row.row, &item);
            }
        }
    }
}

/// One field of a row as TOML text, with where it came from; an inline table also keeps
/// the place of each of its values (ranges within `value`).
struct Field {
    key: String,
    value: String,
    place: Place,
    inner: Vec<(Range<usize>, Place)>,
}

/// A row's cells as read so far.
struct Parts {
    name: Option<(String, Place)>,
    fields: Vec<Field>,
    /// Inline tables being built from FIELD.KEY columns, in the order first met, each
    /// with where its first column came among the fields.
    tables: Vec<(&'static str, usize, Vec<Field>)>,
    /// False once a cell could not be read.
    ok: bool,
}

impl Default for Parts {
    fn default() -> Self {
        Parts {
            name: None,
            fields: Vec::new(),
            tables: Vec::new(),
            ok: true,
        }
    }
}

/// One row as a table.
struct Item {
    name: String,
    name_place: Place,
    fields: Vec<Field>,
}

impl Rows<'_> {
    fn cell_at(&self, row: usize, column: &str, col: usize) -> String {
        match self.cell_ref(row, col) {
            Some(r) => format!("row {row}, column {column} ({r})"),
            None => format!("row {row}, column {column}"),
        }
    }

    /// A row's item, or `None` (each problem reported) when it cannot be written.
    fn item(
        &self,
        row: &grid::Row,
        header: &HashMap<usize, Option<Column>>,
        seen: &mut HashMap<String, String>,
        problems: &mut Problems,
    ) -> Option<Item> {
        let label = &self.sheet.label;
        let mut parts = Parts::default();
        for c in &row.cells {
            self.cell(row.row, c, header, &mut parts, problems);
        }
        let Parts {
            name,
            mut fields,
            tables,
            mut ok,
        } = parts;
        // Each inline table where its first column is, the last first so that the places
        // of the earlier ones hold.
        for (f, at, keys) in tables.into_iter().rev() {
            if fields.iter().any(|g| g.key == f) {
                let message = format!("`{f}` is given, and so are its `{f}.*` columns");
                let help = format!(
                    "give `{f}` (a number or a driver's name) or its {f}.KEY columns (an \
                     inline distribution), not both"
                );
                let at = format!("row {}, column {f}", row.row);
                problems.sheet(label, at, ProblemKind::Inconsistent, &message, &help);
                ok = false;
                continue;
            }
            fields.insert(
                at.min(fields.len()),
                inline(f, keys, self.sheet.index, row.row),
            );
        }
        let Some((name, name_place)) = name.filter(|(n, _)| !n.is_empty()) else {
            problems.sheet(
                label,
                format!("row {}, column name", row.row),
                ProblemKind::MissingField,
                "the name is empty",
                "give each row a name: an ASCII letter, then letters, digits, _ and -",
            );
            return None;
        };
        if let Some(before) = seen.get(&name) {
            let message = format!("`{name}` is given twice: also at {before}");
            let help = "give each item once: names are unique in the whole model";
            let at = format!("row {}, column name", row.row);
            problems.sheet(label, at, ProblemKind::DuplicateName, &message, help);
            return None;
        }
        seen.insert(name.clone(), format!("{label} row {}", row.row));
        ok.then_some(Item {
            name,
            name_place,
            fields,
        })
    }

    /// One cell of a row, typed by its column, into `parts`.
    fn cell(
        &self,
        row: usize,
        c: &grid::Cell,
        header: &HashMap<usize, Option<Column>>,
        parts: &mut Parts,
        problems: &mut Problems,
    ) {
        let label = &self.sheet.label;
        let Some(col) = header.get(&c.col) else {
            let message = "this cell holds a value, but its column has no header";
            let help = "give the column a header (a field name, or # for a note), or clear \
                        the cell";
            let at = self.at_column(row, c.col);
            problems.sheet(label, at, ProblemKind::UnknownField, message, help);
            parts.ok = false;
            return;
        };
        let Some(col) = col else { return };
        let (column, ty) = match col {
            Column::Field(f, t) => ((*f).to_string(), *t),
            Column::Key(f, k, t) => (format!("{f}.{k}"), *t),
        };
        let place = Place::Cell {
            sheet: self.sheet.index,
            row,
            column: column.clone(),
            cell: self.cell_ref(row, c.col),
        };
        let value = match columns::toml_value(&c.value, ty) {
            Ok(v) => v,
            Err(p) => {
                let at = self.cell_at(row, &column, c.col);
                problems.sheet(label, at, ProblemKind::WrongType, &p.message, &p.help);
                parts.ok = false;
                return;
            }
        };
        let field = |key: &str| Field {
            key: key.to_string(),
            value: value.clone(),
            place: place.clone(),
            inner: Vec::new(),
        };
        match col {
            Column::Field(_, Type::Name) => parts.name = Some((c.value.text(), place.clone())),
            Column::Field(f, _) => parts.fields.push(field(f)),
            Column::Key(f, k, _) => match parts.tables.iter_mut().find(|t| t.0 == *f) {
                Some(t) => t.2.push(field(k)),
                None => parts.tables.push((f, parts.fields.len(), vec![field(k)])),
            },
        }
    }

    /// Writes the item as `[section.NAME]` and its fields, in the sheet's column order.
    fn emit(&self, w: &mut Written, row: usize, item: &Item) {
        let start = w.text.len();
        let _ = write!(w.text, "\n[{}.", self.section);
        let at = w.text.len();
        w.text
            .push_str(&toml_edit::Key::new(item.name.as_str()).to_string());
        w.places.push((at..w.text.len(), item.name_place.clone()));
        w.text.push_str("]\n");
        for f in &item.fields {
            let _ = write!(w.text, "{} = ", f.key);
            let at = w.text.len();
            w.text.push_str(&f.value);
            w.places.push((at..w.text.len(), f.place.clone()));
            for (r, p) in &f.inner {
                w.places.push((at + r.start..at + r.end, p.clone()));
            }
            w.text.push('\n');
        }
        let whole = Place::Row {
            sheet: self.sheet.index,
            row,
        };
        w.places.push((start..w.text.len(), whole));
    }
}

/// An inline table from a field's `FIELD.KEY` columns, `{ dist = "pert", min = 0.5 }`:
/// each value at its cell, the whole at the columns it was made from.
fn inline(field: &'static str, keys: Vec<Field>, sheet: usize, row: usize) -> Field {
    let names: Vec<String> = keys.iter().map(|k| format!("{field}.{}", k.key)).collect();
    let column = match names.as_slice() {
        [first, .., last] if names.len() > 3 => format!("{first} to {last}"),
        _ => names.join(", "),
    };
    let mut value = String::from("{ ");
    let mut inner = Vec::new();
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            value.push_str(", ");
        }
        let _ = write!(value, "{} = ", k.key);
        let at = value.len();
        value.push_str(&k.value);
        inner.push((at..value.len(), k.place));
    }
    value.push_str(" }");
    Field {
        key: field.to_string(),
        value,
        place: Place::Cell {
            sheet,
            row,
            column,
            cell: None,
        },
        inner,
    }
}
