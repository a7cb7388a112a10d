//! The workbook's sheets as plain data ([`Table`] of [`Cell`]s), and the one writer that
//! turns them into a worksheet: a bold header row frozen at the top, each cell's number
//! format chosen by what it holds, column widths set from the widest cell.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::format::amount_in;

/// One cell of a sheet, by what it holds; the writer picks its number format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (a label, a source, a sentence).
    Text(String),
    /// Money in the workbook's unit, shown at the display precision (`£12.3m`).
    Money(Decimal),
    /// Money held as a double (a driver's value in money), shown as [`Cell::Money`].
    MoneyF64(f64),
    /// Money finer than the display precision: a standard error (`£0.123m`).
    MoneyFine(Decimal),
    /// A chance, as an Excel percentage to two decimals (`7.91%`).
    Chance(f64),
    /// A share, as an Excel percentage to one decimal (`34.5%`).
    Share(f64),
    /// A number with its own Excel number format (`0.00`).
    Number(f64, &'static str),
    /// A whole number with thousands separators.
    Count(u64),
    /// A percentile's rank, shown `P5` and held as the number 5.
    Rank(u32),
    /// A note that runs on into the empty cells to its right: it sets no column's width
    /// and does not wrap (the headline sentence, a SHA-256).
    Note(String),
    /// Nothing.
    Blank,
}

impl Cell {
    /// Text.
    pub fn text(t: impl Into<String>) -> Cell {
        Cell::Text(t.into())
    }

    /// Money, or a blank where there is none.
    pub fn money(value: Option<Decimal>) -> Cell {
        value.map_or(Cell::Blank, Cell::Money)
    }

    /// A standard error in money, or a blank where it cannot be estimated.
    pub fn money_se(value: Option<Decimal>) -> Cell {
        value.map_or(Cell::Blank, Cell::MoneyFine)
    }

    /// A chance, or a blank.
    pub fn chance(value: Option<f64>) -> Cell {
        value.map_or(Cell::Blank, Cell::Chance)
    }
}

/// One sheet: its name, header cells, rows, and how many leading columns to freeze (the
/// labels that name each row).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The sheet's name (at most 31 characters, none of `[]:*?/\`).
    pub name: &'static str,
    /// The header row.
    pub header: Vec<String>,
    /// The body.
    pub rows: Vec<Vec<Cell>>,
    /// Leading columns kept in view when the sheet scrolls sideways.
    pub frozen_columns: u16,
}

impl Table {
    /// A sheet with `header` and no rows yet, its first column frozen.
    pub fn new(name: &'static str, header: &[&str]) -> Table {
        Table {
            name,
            header: header.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
            frozen_columns: 1,
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// The number formats of a workbook in one unit of money.
struct Formats {
    header: Format,
    text: Format,
    wrapped: Format,
    money: Format,
    money_fine: Format,
    chance: Format,
    share: Format,
    count: Format,
    rank: Format,
}

impl Formats {
    fn new(unit: &str) -> Formats {
        // Excel's own way to show a unit after a number: the letters in quotes. A negative
        // amount then reads -£1.2m, as the reports write it.
        let (money, fine) = if unit == "£m" {
            ("\"£\"#,##0.0\"m\"", "\"£\"#,##0.000\"m\"")
        } else {
            ("\"£\"#,##0", "\"£\"#,##0.00")
        };
        let top = || Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border_bottom(FormatBorder::Thin),
            text: top(),
            wrapped: top().set_text_wrap(),
            money: top().set_num_format(money),
            money_fine: top().set_num_format(fine),
            chance: top().set_num_format("0.00%"),
            share: top().set_num_format("0.0%"),
            count: top().set_num_format("#,##0"),
            rank: top().set_num_format("\"P\"0"),
        }
    }
}

/// Widest column, in characters: longer text wraps within it.
const MAX_WIDTH: usize = 60;
/// Narrowest column.
const MIN_WIDTH: usize = 8;
/// Most characters Excel holds in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// The characters a cell needs to show whole, in `unit`.
fn width(cell: &Cell, unit: &str) -> usize {
    let money = |d: &Decimal, extra: usize| amount_in(*d, unit).chars().count() + 2 + extra;
    match cell {
        Cell::Text(t) => t.chars().count(),
        Cell::Money(d) => money(d, 0),
        Cell::MoneyFine(d) => money(d, 2),
        Cell::MoneyF64(x) => money(&Decimal::try_from(*x).unwrap_or_default(), 0),
        Cell::Chance(_) => 8,
        Cell::Share(_) | Cell::Number(..) | Cell::Rank(_) => 7,
        Cell::Count(n) => n.to_string().len() * 4 / 3 + 1,
        Cell::Note(_) | Cell::Blank => 0,
    }
}

/// Each column's width in characters: its widest cell (the header's words, which wrap,
/// count by their longest word), at least [`MIN_WIDTH`], at most [`MAX_WIDTH`].
fn widths(table: &Table, unit: &str) -> Vec<usize> {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len()])
        .max()
        .unwrap_or(0);
    (0..columns)
        .map(|c| {
            let header = table.header.get(c).map_or(0, |h| {
                h.split_whitespace()
                    .map(|w| w.chars().count())
                    .max()
                    .unwrap_or(0)
            });
            let body = table
                .rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|cell| width(cell, unit))
                .max()
                .unwrap_or(0);
            (header.max(body) + 2).clamp(MIN_WIDTH, MAX_WIDTH)
        })
        .collect()
}

/// Writes `table` as a new sheet of `workbook`, money in `unit`.
///
/// # Errors
/// When rust_xlsxwriter refuses the sheet (it checks names and sizes; the tables here
/// stay within them).
pub fn write(workbook: &mut Workbook, table: &Table, unit: &str) -> Result<(), XlsxError> {
    let f = Formats::new(unit);
    let widths = widths(table, unit);
    let mut sheet = Worksheet::new();
    sheet.set_name(table.name)?;
    for (c, w) in widths.iter().enumerate() {
        let c = column(c)?;
        sheet.set_column_width(c, *w as f64)?;
    }
    for (c, h) in table.header.iter().enumerate() {
        sheet.write_string_with_format(0, column(c)?, h.as_str(), &f.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            let wrap = widths.get(c).is_some_and(|w| *w >= MAX_WIDTH);
            write_cell(&mut sheet, r, column(c)?, cell, &f, wrap)?;
        }
    }
    sheet.set_freeze_panes(1, table.frozen_columns)?;
    // On paper: landscape, as wide as one page, the header row on every page.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    workbook.push_worksheet(sheet);
    Ok(())
}

fn column(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

/// One cell in its format; a number that is not finite (never in a summary) is left blank
/// rather than written as something Excel cannot read.
fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    f: &Formats,
    wrap: bool,
) -> Result<(), XlsxError> {
    let mut number = |x: f64, format: &Format| -> Result<(), XlsxError> {
        if x.is_finite() {
            sheet.write_number_with_format(r, c, x, format)?;
        }
        Ok(())
    };
    match cell {
        Cell::Text(t) => {
            let text: String = t.chars().take(MAX_CELL_CHARS).collect();
            let format = if wrap { &f.wrapped } else { &f.text };
            sheet.write_string_with_format(r, c, text, format)?;
        }
        Cell::Money(d) => number(to_f64(*d), &f.money)?,
        Cell::MoneyFine(d) => number(to_f64(*d), &f.money_fine)?,
        Cell::MoneyF64(x) => number(*x, &f.money)?,
        Cell::Chance(x) => number(*x, &f.chance)?,
        Cell::Share(x) => number(*x, &f.share)?,
        Cell::Number(x, format) => number(*x, &f.text.clone().set_num_format(*format))?,
        Cell::Count(n) => number(*n as f64, &f.count)?,
        Cell::Rank(p) => number(f64::from(*p), &f.rank)?,
        Cell::Note(t) => {
            let text: String = t.chars().take(MAX_CELL_CHARS).collect();
            sheet.write_string_with_format(r, c, text, &f.text)?;
        }
        Cell::Blank => {}
    }
    Ok(())
}

/// The double nearest the decimal: through its text, which Rust reads correctly rounded, so
/// that the workbook's number reads back as the summary's figure.
pub fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_their_nearest_double() {
        assert_eq!(to_f64(Decimal::new(1, 1)), 0.1);
        assert_eq!(to_f64(Decimal::new(-12_345, 2)), -123.45);
        assert_eq!(
            to_f64(Decimal::new(7_000_000_000_000_001, 4)),
            700_000_000_000.000_1
        );
    }

    #[test]
    fn columns_fit_their_widest_cell_within_limits() {
        let mut t = Table::new("T", &["Item", "A long header"]);
        t.push(vec![
            Cell::text("x".repeat(100)),
            Cell::Money(Decimal::new(1234, 1)),
        ]);
        t.push(vec![Cell::text("short"), Cell::Blank, Cell::Chance(0.5)]);
        assert_eq!(widths(&t, "£m"), vec![MAX_WIDTH, 9, 10]);
        let mut u = Table::new("U", &["Amount"]);
        u.push(vec![Cell::Money(Decimal::new(123_456_789, 0))]);
        // "123,456,789" and the £ sign, and a margin.
        assert_eq!(widths(&u, "£"), vec![15]);
    }
}
