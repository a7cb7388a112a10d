//! A small CSV reader (RFC 4180: commas, double-quoted cells with `""` for a quote, CRLF or
//! LF) that keeps each cell's place in the text, so that a problem is shown at its row and
//! column as a model's is at its line.

use std::ops::Range;

/// A cell: its text (quotes removed) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub text: String,
    pub span: Range<usize>,
}

/// A record: its cells, its row number (1-based, as a spreadsheet shows it) and its span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub row: usize,
    pub cells: Vec<Cell>,
    pub span: Range<usize>,
}

impl Record {
    /// True when every cell is empty (a blank row).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}

/// Splits `src` into records. An unclosed quote is an error at the quote.
pub(crate) fn records(src: &str) -> Result<Vec<Record>, Range<usize>> {
    let bytes = src.as_bytes();
    let start = if src.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut out = Vec::new();
    let mut i = start;
    let mut row = 1;
    while i < bytes.len() {
        let rec_start = i;
        let mut cells = Vec::new();
        loop {
            let cell_start = i;
            let mut text = String::new();
            if i < bytes.len() && bytes[i] == b'"' {
                let open = i;
                i += 1;
                let mut seg = i;
                loop {
                    let Some(off) = src[i..].find('"') else {
                        return Err(open..open + 1);
                    };
                    i += off;
                    text.push_str(&src[seg..i]);
                    if bytes.get(i + 1) == Some(&b'"') {
                        text.push('"');
                        i += 2;
                        seg = i;
                    } else {
                        i += 1;
                        break;
                    }
                }
                // Anything between the closing quote and the comma is kept, as spreadsheets do.
                let end = src[i..]
                    .find([',', '\n', '\r'])
                    .map_or(bytes.len(), |o| i + o);
                text.push_str(&src[i..end]);
                i = end;
            } else {
                let end = src[i..]
                    .find([',', '\n', '\r'])
                    .map_or(bytes.len(), |o| i + o);
                text.push_str(&src[i..end]);
                i = end;
            }
            cells.push(Cell {
                text,
                span: cell_start..i,
            });
            if i < bytes.len() && bytes[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        let rec_end = i;
        if i < bytes.len() && bytes[i] == b'\r' {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'\n' {
            i += 1;
        }
        out.push(Record {
            row,
            cells,
            span: rec_start..rec_end,
        });
        row += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_commas_quotes_and_their_places() {
        let src = "a,\"b, \"\"c\"\"\",d\r\n\n1,2\n";
        let r = records(src).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].cells[1].text, "b, \"c\"");
        assert_eq!(&src[r[0].cells[2].span.clone()], "d");
        assert!(r[1].is_blank());
        assert_eq!(r[2].row, 3);
        assert_eq!(records("a,\"open\nrest").unwrap_err(), 2..3);
    }
}
