//! A worksheet of an XLSX workbook, read from its bytes with calamine.
//!
//! A workbook is a zip archive of XML parts, so a small file can claim (or hold) far more
//! than it looks: a sheet whose last cell is XFD1048576 would make a dense grid of 17
//! billion cells, and a part compressed a thousandfold would fill memory as it is
//! inflated. So the archive's parts are inflated once first, counting, and refused past
//! [`MAX_INFLATED`]; the cells are read one at a time (calamine's cell reader, never its
//! dense range) and refused past [`MAX_CELLS`]. calamine is a parser of untrusted input
//! written by others: it is run under `catch_unwind`, so that a bug in it on a damaged
//! file is a refusal, not a crash.

use std::io::{Cursor, Read as _};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader as _, Xlsx};

use super::grid::{Cell, FileProblem, Grid, Row, Value, letters};

/// The most bytes a workbook's parts may inflate to together: 256 MiB, sixteen times the
/// largest file read (16 MiB). A workbook of 10,000 rows of 30 columns inflates to about
/// 20 MiB.
pub(crate) const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// The most cells holding something that one sheet may have: a million, about 30,000
/// items of 30 fields each.
pub(crate) const MAX_CELLS: usize = 1_000_000;

/// The most parts an archive may have.
const MAX_PARTS: usize = 10_000;

fn refuse(message: impl Into<String>, help: impl Into<String>) -> FileProblem {
    FileProblem {
        message: message.into(),
        help: help.into(),
    }
}

const RESAVE: &str = "open it in a spreadsheet program and save it again as an Excel \
                      Workbook (.xlsx), or save the sheet as CSV UTF-8";

/// The workbook's sheet names, and the rows of `sheet` (the first sheet when `None`),
/// with the problems of single cells (dates, errors) as (row, column, message, help).
#[derive(Debug)]
pub(crate) struct Read {
    pub sheets: Vec<String>,
    /// The sheet read, or `None` when the workbook has no sheet of that name.
    pub sheet: Option<String>,
    pub grid: Grid,
    pub cell_problems: Vec<CellProblem>,
}

/// Reads a worksheet.
///
/// # Errors
/// A file that is not a workbook, is damaged or protected, or is too large inflated.
pub(crate) fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Read, FileProblem> {
    inflated_size(bytes)?;
    match catch_unwind(AssertUnwindSafe(|| read_checked(bytes, sheet))) {
        Ok(r) => r,
        Err(_) => Err(refuse(
            "the workbook could not be read: its contents are damaged",
            RESAVE,
        )),
    }
}

/// Inflates every part of the archive without keeping it, refusing past the limits.
fn inflated_size(bytes: &[u8]) -> Result<u64, FileProblem> {
    let not_xlsx = || {
        let help = if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            "this is an older .xls workbook (or a password-protected one): save it as an \
             Excel Workbook (.xlsx), without a password, or as CSV UTF-8"
        } else {
            RESAVE
        };
        refuse("the file is not an XLSX workbook (not a zip archive)", help)
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if zip.len() > MAX_PARTS {
        return Err(refuse(
            format!("the workbook has more than {MAX_PARTS} parts"),
            RESAVE,
        ));
    }
    let mut total: u64 = 0;
    let mut sink = [0_u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|_| refuse("the workbook is damaged or encrypted", RESAVE))?;
        loop {
            let n = part
                .read(&mut sink)
                .map_err(|_| refuse("the workbook is damaged: a part does not inflate", RESAVE))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_INFLATED {
                return Err(refuse(
                    "the workbook holds more than 256 MiB once uncompressed",
                    "keep only the sheets the model reads, or save each as CSV",
                ));
            }
        }
    }
    Ok(total)
}

fn read_checked(bytes: &[u8], sheet: Option<&str>) -> Result<Read, FileProblem> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| refuse(format!("the workbook could not be read: {e}"), RESAVE))?;
    let sheets = book.sheet_names();
    let name = match sheet {
        Some(s) => sheets.iter().find(|n| n.as_str() == s).cloned(),
        None => sheets.first().cloned(),
    };
    let Some(name) = name else {
        return Ok(Read {
            sheets,
            sheet: None,
            grid: Grid::default(),
            cell_problems: Vec::new(),
        });
    };
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| refuse(format!("the sheet `{name}` could not be read: {e}"), RESAVE))?;
    let (mut rows, problems) = cells(&name, || {
        let cell = reader.next_cell().map_err(|e| e.to_string())?;
        Ok(cell.map(|c| (c.get_position(), content(c.get_value()))))
    })?;
    // Cells come in the file's order, which spreadsheet programs write row by row; a file
    // written otherwise is put in order here.
    rows.sort_by_key(|r| r.row);
    let mut merged: Vec<Row> = Vec::with_capacity(rows.len());
    for r in rows {
        match merged.last_mut() {
            Some(last) if last.row == r.row => last.cells.extend(r.cells),
            _ => merged.push(r),
        }
    }
    for r in &mut merged {
        r.cells.sort_by_key(|c| c.col);
        r.cells.dedup_by_key(|c| c.col);
    }
    Ok(Read {
        sheets,
        sheet: Some(name),
        grid: Grid {
            rows: merged,
            letters: true,
        },
        cell_problems: problems,
    })
}

/// What a cell holds, as read.
enum Content {
    Value(Value),
    /// A cell gapsim does not read (a date, an error), with the message and the fix.
    Refused(String, String),
    Empty,
}

fn content(v: &DataRef<'_>) -> Content {
    let value = match v {
        DataRef::Empty => return Content::Empty,
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(x) => Value::Number(*x),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Value::Text(s.clone())
        }
        DataRef::SharedString(s) => Value::Text((*s).to_string()),
        DataRef::DateTime(_) => {
            return Content::Refused(
                "the cell holds a date".into(),
                "format the cell as a number or as text (a date is not a model figure)".into(),
            );
        }
        DataRef::Error(e) => {
            return Content::Refused(
                format!("the cell holds the error {e}"),
                "fix the formula, or type the value".into(),
            );
        }
    };
    if value.is_empty() {
        Content::Empty
    } else {
        Content::Value(value)
    }
}

/// A cell's problem: (row, column, message, help).
type CellProblem = (usize, usize, String, String);

/// The cells of a sheet that hold something, row by row as `next` gives them (its
/// position, 0-based, and contents), and the problems of single cells.
fn cells(
    name: &str,
    mut next: impl FnMut() -> Result<Option<((u32, u32), Content)>, String>,
) -> Result<(Vec<Row>, Vec<CellProblem>), FileProblem> {
    let mut rows: Vec<Row> = Vec::new();
    let mut problems = Vec::new();
    let mut count = 0_usize;
    while let Some(((r, c), content)) =
        next().map_err(|e| refuse(format!("the sheet `{name}` is damaged: {e}"), RESAVE))?
    {
        let (row, col) = (r as usize + 1, c as usize);
        let value = match content {
            Content::Empty => continue,
            Content::Refused(message, help) => {
                problems.push((row, col, message, help));
                continue;
            }
            Content::Value(v) => v,
        };
        count += 1;
        if count > MAX_CELLS {
            return Err(refuse(
                format!("the sheet `{name}` has more than {MAX_CELLS} cells that hold something"),
                "a sheet holds one item a row: split the items over several sheets",
            ));
        }
        match rows.last_mut() {
            Some(last) if last.row == row => last.cells.push(Cell { col, value }),
            _ => rows.push(Row {
                row,
                cells: vec![Cell { col, value }],
            }),
        }
    }
    Ok((rows, problems))
}

/// A cell's reference, `C7`.
pub(crate) fn reference(row: usize, col: usize) -> String {
    format!("{}{row}", letters(col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_workbook_is_refused_with_the_reason() {
        assert!(
            read(b"name,budget\n", None)
                .unwrap_err()
                .message
                .contains("not an XLSX")
        );
        let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert!(read(&xls, None).unwrap_err().help.contains(".xls"));
        assert!(read(b"PK\x03\x04garbage", None).is_err());
        assert_eq!(reference(7, 2), "C7");
    }

    fn workbook() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Notes").unwrap();
        sheet.write_string(0, 0, "read me").unwrap();
        let sheet = book.add_worksheet().set_name("Lines").unwrap();
        sheet.write_string(0, 0, "name").unwrap();
        sheet.write_string(0, 2, "budget").unwrap();
        sheet.write_string(3, 0, "pay").unwrap();
        sheet.write_number(3, 2, 323.3).unwrap();
        sheet.write_boolean(3, 3, true).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_is_read_by_name_with_its_rows_and_columns() {
        let bytes = workbook();
        let r = read(&bytes, Some("Lines")).unwrap();
        assert_eq!(r.sheets, ["Notes", "Lines"]);
        assert_eq!(r.sheet.as_deref(), Some("Lines"));
        assert!(r.grid.letters);
        assert_eq!(r.grid.rows.len(), 2);
        assert_eq!(r.grid.rows[1].row, 4);
        assert_eq!(r.grid.rows[1].cells[1].col, 2);
        assert_eq!(r.grid.rows[1].cells[1].value, Value::Number(323.3));
        assert_eq!(r.grid.rows[1].cells[2].value, Value::Bool(true));
        assert_eq!(read(&bytes, None).unwrap().sheet.as_deref(), Some("Notes"));
        assert_eq!(read(&bytes, Some("lines")).unwrap().sheet, None);
    }

    #[test]
    fn a_damaged_workbook_is_refused_never_a_panic() {
        let bytes = workbook();
        // Every byte in turn changed, and the file cut short at many lengths: each read
        // gives rows or a refusal.
        let step = (bytes.len() / 400).max(1);
        for i in (0..bytes.len()).step_by(step) {
            let mut b = bytes.clone();
            b[i] ^= 0x5A;
            let _ = read(&b, Some("Lines"));
            let _ = read(&bytes[..i], Some("Lines"));
        }
    }
}
