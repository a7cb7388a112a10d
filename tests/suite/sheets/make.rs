//! Writes the shipped spreadsheets: the Kent model's lines and savings as a workbook and
//! as CSV files, the TOML twins that name them, and the template workbook with its model.
//! `GAPSIM_WRITE_SHEETS=1 cargo test --release --test suite sheets::shipped` rewrites them
//! in models/; without it the test checks that the committed files are what this writes.

use std::fmt::Write as _;
use std::ops::Range;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use toml_edit::{Document, Item, Table, Value};

/// A cell of a sheet to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number: its text as the model writes it, and its value.
    Number(String, f64),
    Bool(bool),
}

/// A sheet: its tab's name, its header and its rows.
pub struct Sheet {
    pub name: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn cell_of(v: &Value) -> Cell {
    match v {
        Value::String(s) => Cell::Text(s.value().clone()),
        Value::Integer(i) => Cell::Number(i.display_repr().to_string(), *i.value() as f64),
        Value::Float(f) => Cell::Number(f.display_repr().to_string(), *f.value()),
        Value::Boolean(b) => Cell::Bool(*b.value()),
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| match cell_of(x) {
                    Cell::Text(t) | Cell::Number(t, _) => t,
                    other => panic!("a list of {other:?}"),
                })
                .collect();
            Cell::Text(items.join("; "))
        }
        other => panic!("no cell for {other}"),
    }
}

/// The fields of lines and savings in the order docs/model-format.md lists them.
const ORDER: [&str; 22] = [
    "name",
    "label",
    "description",
    "group",
    "kind",
    "budget",
    "base",
    "growth",
    "clients",
    "unit_cost",
    "periods",
    "period",
    "demand",
    "cost",
    "amount",
    "recurring",
    "year",
    "probability",
    "impact",
    "delivered",
    "slippage",
    "source",
];

/// A section of a model as a sheet: a row per item, a column per field (and per key of an
/// inline table: `delivered.min`), in the order first met.
pub fn section_sheet(doc: &Document<String>, section: &str, name: &'static str) -> Sheet {
    let table = doc[section].as_table().expect("a section of tables");
    let mut header = vec!["name".to_string()];
    let mut items: Vec<Vec<(String, Cell)>> = Vec::new();
    for (item, t) in table.iter() {
        let t = t.as_table().expect("an item table");
        let mut fields = vec![("name".to_string(), Cell::Text(item.to_string()))];
        for (k, v) in t.iter() {
            match v.as_value().expect("a value") {
                Value::InlineTable(it) => {
                    for (kk, vv) in it.iter() {
                        fields.push((format!("{k}.{kk}"), cell_of(vv)));
                    }
                }
                v => fields.push((k.to_string(), cell_of(v))),
            }
        }
        for (k, _) in &fields {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
        items.push(fields);
    }
    // The columns in the order the docs list the fields, each key after its field, the
    // source last.
    let rank = |h: &String| {
        let field = h.split('.').next().unwrap_or(h);
        ORDER
            .iter()
            .position(|f| *f == field)
            .unwrap_or(ORDER.len())
    };
    header.sort_by_key(|h| rank(h));
    let rows = items
        .into_iter()
        .map(|fields| {
            header
                .iter()
                .map(|h| {
                    fields
                        .iter()
                        .find(|(k, _)| k == h)
                        .map_or(Cell::Empty, |(_, c)| c.clone())
                })
                .collect()
        })
        .collect();
    Sheet { name, header, rows }
}

/// A sheet as CSV text: commas, CRLF-free, cells with commas, quotes or line breaks in
/// double quotes.
pub fn csv(sheet: &Sheet) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let header: Vec<String> = sheet.header.iter().map(|h| field(h)).collect();
    let _ = writeln!(out, "{}", header.join(","));
    for row in &sheet.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Empty => String::new(),
                Cell::Text(t) => field(t),
                Cell::Number(t, _) => t.clone(),
                Cell::Bool(b) => b.to_string(),
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// Sheets as a workbook: numbers as numbers, the header in bold and frozen, long text
/// wrapped. The creation date is fixed, so the file changes only when its cells do.
pub fn xlsx(title: &str, notes: &[&str], sheets: &[Sheet]) -> Vec<u8> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 11, 1).unwrap();
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("gapsim")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    if !notes.is_empty() {
        let s = book.add_worksheet().set_name("Read me").unwrap();
        s.set_column_width(0, 110).unwrap();
        s.write_string_with_format(0, 0, title, &bold).unwrap();
        for (i, n) in notes.iter().enumerate() {
            s.write_string_with_format(i as u32 + 2, 0, *n, &wrap)
                .unwrap();
        }
    }
    for sheet in sheets {
        let s = book.add_worksheet().set_name(sheet.name).unwrap();
        for (c, h) in sheet.header.iter().enumerate() {
            let c = c as u16;
            s.write_string_with_format(0, c, h, &bold).unwrap();
            let wide = matches!(h.as_str(), "source" | "description" | "label");
            s.set_column_width(c, if wide { 50 } else { 14 }).unwrap();
        }
        s.set_freeze_panes(1, 1).unwrap();
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(t) if t.len() > 40 => {
                        s.write_string_with_format(r, c, t, &wrap).unwrap();
                    }
                    Cell::Text(t) => {
                        s.write_string(r, c, t).unwrap();
                    }
                    Cell::Number(_, x) => {
                        s.write_number(r, c, *x).unwrap();
                    }
                    Cell::Bool(b) => {
                        s.write_boolean(r, c, *b).unwrap();
                    }
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The end of the last value written directly in `t`.
fn last_value_end(t: &Table) -> usize {
    t.iter()
        .filter_map(|(_, i)| i.as_value().and_then(Value::span))
        .map(|s| s.end)
        .max()
        .unwrap_or(0)
}

/// The model text with each item of `section` removed and `[section]` naming `from` in
/// the first one's place.
pub fn without_section(text: &str, section: &str, from: &[&str]) -> String {
    let doc = Document::parse(text.to_string()).unwrap();
    let table = doc[section].as_table().unwrap();
    let mut cuts: Vec<Range<usize>> = Vec::new();
    for (_, item) in table.iter() {
        let Item::Table(t) = item else { continue };
        let header = t.span().expect("a table with a header");
        let start = text[..header.start].rfind('\n').map_or(0, |i| i + 1);
        let end = last_value_end(t);
        let mut end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        // And the blank line after it.
        if text[end..].starts_with('\n') {
            end += 1;
        }
        cuts.push(start..end);
    }
    cuts.sort_by_key(|c| c.start);
    let list: Vec<String> = from.iter().map(|f| format!("\"{f}\"")).collect();
    let from = if list.len() == 1 {
        list[0].clone()
    } else {
        format!("[{}]", list.join(", "))
    };
    let mut out = String::new();
    let mut at = 0;
    for (i, c) in cuts.iter().enumerate() {
        out.push_str(&text[at..c.start]);
        if i == 0 {
            let _ = writeln!(out, "[{section}]\nfrom = {from}\n");
        }
        at = c.end;
    }
    out.push_str(&text[at..]);
    out
}
