//! A sheet as rows of cells, whichever file it came from: a CSV file (read by the
//! monitoring sheet's span-keeping reader) or a worksheet of an XLSX workbook
//! ([`super::xlsx`]). Rows and columns are numbered as the spreadsheet shows them.

use super::super::monitor::csv::records;

/// What a cell holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Text (every cell of a CSV file).
    Text(String),
    /// A number a spreadsheet stores as a double.
    Number(f64),
    /// TRUE or FALSE.
    Bool(bool),
}

impl Value {
    /// The cell as text, for text fields and messages.
    pub fn text(&self) -> String {
        match self {
            Value::Text(t) => t.trim().to_string(),
            Value::Number(x) => format!("{x}"),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }

    /// True for an empty cell (or one holding only spaces).
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Text(t) if t.trim().is_empty())
    }
}

/// A cell that holds something, and its column (0-based: A is 0).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub col: usize,
    pub value: Value,
}

/// A row with at least one cell that holds something.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// 1-based, as the spreadsheet numbers it.
    pub row: usize,
    pub cells: Vec<Cell>,
}

/// A sheet's rows, blank ones left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Grid {
    pub rows: Vec<Row>,
    /// Whether messages name cells by reference (`C7`): a workbook's are, a CSV file has
    /// no column letters to show.
    pub letters: bool,
}

/// A problem with the file as a whole, before any row is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileProblem {
    pub message: String,
    pub help: String,
}

/// A column's letters: 0 is A, 25 is Z, 26 is AA.
pub(crate) fn letters(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A CSV file's rows.
///
/// # Errors
/// A file that is not UTF-8 text, or has a quote that is never closed.
pub(crate) fn csv(bytes: &[u8]) -> Result<Grid, FileProblem> {
    let text = std::str::from_utf8(bytes).map_err(|e| FileProblem {
        message: format!(
            "the file is not UTF-8 text (byte {} is not part of a UTF-8 character)",
            e.valid_up_to() + 1
        ),
        help: "save it as \"CSV UTF-8 (comma delimited)\"".into(),
    })?;
    let recs = records(text).map_err(|span| FileProblem {
        message: format!(
            "line {}: this quote is never closed",
            crate::model::diagnostic::line_col(text, span.start).0
        ),
        help: "close the quoted cell with a \" (write \"\" for a quote inside it)".into(),
    })?;
    let rows = recs
        .into_iter()
        .filter(|r| !r.is_blank())
        .map(|r| Row {
            row: r.row,
            cells: r
                .cells
                .into_iter()
                .enumerate()
                .filter(|(_, c)| !c.text.trim().is_empty())
                .map(|(col, c)| Cell {
                    col,
                    value: Value::Text(c.text),
                })
                .collect(),
        })
        .collect();
    Ok(Grid {
        rows,
        letters: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(16_383), "XFD");
    }

    #[test]
    fn csv_rows_keep_their_numbers_and_drop_blanks() {
        let g = csv(b"name,budget\n\n a ,\"1\"\n").unwrap();
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[1].row, 3);
        assert_eq!(g.rows[1].cells.len(), 2);
        assert!(csv(b"a,\"open\n").is_err());
        assert!(csv(&[0x41, 0xA3]).is_err());
    }
}
