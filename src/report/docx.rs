//! `report.docx`: the committee report as a Word document, rendered from the same blocks
//! as `report.html` and `report.md` ([`super::document`]), so it says the same words and
//! numbers.
//!
//! Headings use Word's heading styles (Heading1, Heading2, …, so the navigation pane and a
//! table of contents find them), tables are Word tables with a shaded header row and
//! numbers right-aligned, lists are bulleted, and each chart is embedded as its PNG at the
//! text's width. The page is A4 with 2 cm margins, the title and date at the head of each
//! page and "Page i of N" at its foot.
//!
//! The document is the same bytes for the same blocks, charts and date: docx-rs numbers
//! paragraphs and images from counters of its own that run on across documents, so every
//! paragraph and image gets its id here, in order; and the document's creation date is the
//! report's date.

use std::io::Cursor;

use docx_rs::{
    AbstractNumbering, AlignmentType, Docx, Footer, Header, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumPages, NumberFormat, Numbering, NumberingId, PageMargin, PageNum, Paragraph,
    Pic, Run, RunFonts, Shading, SpecialIndentType, Start, Style, StyleType, Table, TableCell,
    TableRow, WidthType,
};
use thiserror::Error;

use super::date::Date;
use super::document::Block;
use crate::chart::Chart;

/// Why a document could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// docx-rs could not pack the document's parts into its zip.
    #[error("could not pack the Word document: {0}")]
    Pack(String),
}

/// A4 in twentieths of a point: 210 × 297 mm.
const PAGE: (u32, u32) = (11_906, 16_838);
/// 2 cm margins.
const MARGIN: i32 = 1_134;
/// The width between the margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11_906 - 2 * 1_134;
/// EMUs (Office's drawing unit) per twentieth of a point.
const EMU_PER_TWIP: u64 = 635;
/// The bulleted list's numbering (docx-rs writes a numbered list of its own as 1).
const BULLETS: usize = 2;
/// The deepest heading style: deeper headings use it.
const DEEPEST: u8 = 4;

/// Renders the blocks as a Word document titled `title`, dated `date`, each figure's PNG
/// taken from `charts`. A figure whose chart is absent (or not a PNG) is left out, as the
/// HTML report leaves it out.
///
/// # Errors
/// When docx-rs cannot write its zip (writing to memory, it has no reason to).
pub fn render(
    title: &str,
    date: &Date,
    blocks: &[Block],
    charts: &[Chart],
) -> Result<Vec<u8>, DocumentError> {
    let mut w = Writer::default();
    let mut docx = styled(Docx::new())
        .page_size(PAGE.0, PAGE.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN)
                .header(567)
                .footer(567),
        )
        .header(
            Header::new().add_paragraph(
                w.para("PageHeader")
                    .add_run(Run::new().add_text(clean(&format!("{title} · {date}")))),
            ),
        )
        .footer(
            Footer::new().add_paragraph(
                w.para("PageFooter")
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text("Page "))
                    .add_page_num(PageNum::new())
                    .add_run(Run::new().add_text(" of "))
                    .add_num_pages(NumPages::new()),
            ),
        )
        .created_at(&format!("{}T00:00:00Z", date.iso()))
        .updated_at(&format!("{}T00:00:00Z", date.iso()));
    for b in blocks {
        docx = w.block(docx, b, charts);
    }
    let mut out = Cursor::new(Vec::new());
    docx.pack(&mut out)
        .map_err(|e| DocumentError::Pack(e.to_string()))?;
    Ok(out.into_inner())
}

/// The styles the blocks use, the bullets, and the body text's font.
fn styled(docx: Docx) -> Docx {
    let spacing = |before: u32, after: u32| LineSpacing::new().before(before).after(after);
    let mut docx = docx
        .default_fonts(
            RunFonts::new()
                .ascii("Arial")
                .hi_ansi("Arial")
                .cs("Arial")
                .east_asia("Arial"),
        )
        .default_size(21)
        .add_style(
            Style::new("Normal", StyleType::Paragraph)
                .name("Normal")
                .line_spacing(spacing(0, 120)),
        );
    // Word's own heading sizes, from 16 pt down.
    for (level, size) in (1..=DEEPEST).zip([32, 26, 24, 22]) {
        docx = docx.add_style(
            Style::new(format!("Heading{level}"), StyleType::Paragraph)
                .name(format!("heading {level}"))
                .based_on("Normal")
                .next("Normal")
                .bold()
                .size(size)
                .color("1F3864")
                .outline_lvl(usize::from(level - 1))
                .line_spacing(spacing(240, 120)),
        );
    }
    let plain = |id: &str| {
        Style::new(id, StyleType::Paragraph)
            .name(id)
            .based_on("Normal")
    };
    docx.add_style(plain("Dateline").italic().color("555555"))
        .add_style(
            plain("Headline")
                .bold()
                .size(24)
                .line_spacing(spacing(120, 60)),
        )
        .add_style(plain("HeadlineNote").italic().size(19))
        .add_style(
            plain("Caption")
                .italic()
                .size(18)
                .line_spacing(spacing(60, 200)),
        )
        .add_style(
            plain("Figure")
                .align(AlignmentType::Center)
                .line_spacing(spacing(120, 0)),
        )
        .add_style(plain("TableText").size(18).line_spacing(spacing(0, 0)))
        .add_style(
            plain("Code")
                .size(18)
                .fonts(RunFonts::new().ascii("Courier New").hi_ansi("Courier New")),
        )
        .add_style(plain("PageHeader").size(16).color("666666"))
        .add_style(plain("PageFooter").size(16).color("666666"))
        .add_abstract_numbering(
            AbstractNumbering::new(BULLETS).add_level(
                Level::new(
                    0,
                    Start::new(1),
                    NumberFormat::new("bullet"),
                    LevelText::new("•"),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(720),
                    Some(SpecialIndentType::Hanging(360)),
                    None,
                    None,
                ),
            ),
        )
        .add_numbering(Numbering::new(BULLETS, BULLETS))
}

/// The ids given so far.
#[derive(Default)]
struct Writer {
    paragraphs: u32,
    images: u32,
}

impl Writer {
    /// A new paragraph in `style`, with the next id (eight hex digits, below 0x80000000 as
    /// Word requires).
    fn para(&mut self, style: &str) -> Paragraph {
        self.paragraphs += 1;
        Paragraph::new()
            .id(format!("{:08X}", self.paragraphs & 0x7FFF_FFFF))
            .style(style)
    }

    /// A paragraph of one run of `text`.
    fn text(&mut self, style: &str, text: &str) -> Paragraph {
        self.para(style).add_run(Run::new().add_text(clean(text)))
    }

    fn block(&mut self, docx: Docx, b: &Block, charts: &[Chart]) -> Docx {
        match b {
            Block::Heading(level, text) => {
                let style = format!("Heading{}", (*level).clamp(1, DEEPEST));
                docx.add_paragraph(self.text(&style, text).keep_next(true))
            }
            Block::Dateline(text) => docx.add_paragraph(self.text("Dateline", text)),
            Block::Paragraph(text) => docx.add_paragraph(self.text("Normal", text)),
            Block::Headline { text, note } => docx
                .add_paragraph(self.text("Headline", text))
                .add_paragraph(self.text("HeadlineNote", note)),
            Block::List(items) => items.iter().fold(docx, |docx, i| {
                let item = self
                    .text("Normal", i)
                    .numbering(NumberingId::new(BULLETS), IndentLevel::new(0));
                docx.add_paragraph(item)
            }),
            Block::Table {
                header,
                rows,
                numeric,
            } => docx
                .add_table(self.table(header, rows, numeric))
                .add_paragraph(self.para("TableText")),
            Block::Figure { chart, caption } => {
                let Some(pic) = charts
                    .iter()
                    .find(|c| c.name == *chart)
                    .and_then(|c| self.picture(&c.png))
                else {
                    return docx;
                };
                let figure = self
                    .para("Figure")
                    .keep_next(true)
                    .add_run(Run::new().add_image(pic));
                docx.add_paragraph(figure)
                    .add_paragraph(self.text("Caption", caption))
            }
            Block::Code(text) => docx.add_paragraph(self.text("Code", text)),
        }
    }

    /// A PNG at the text's width, with the next image id; `None` for anything that is not
    /// a PNG with a size.
    fn picture(&mut self, png: &[u8]) -> Option<Pic> {
        let (w, h) = png_size(png)?;
        self.images += 1;
        let width = TEXT_WIDTH as u64 * EMU_PER_TWIP;
        let height = width * u64::from(h) / u64::from(w);
        Some(
            Pic::new_with_dimensions(png.to_vec(), w, h)
                .size(
                    u32::try_from(width).unwrap_or(u32::MAX),
                    u32::try_from(height).unwrap_or(u32::MAX),
                )
                .id(format!("rIdImage{}", self.images)),
        )
    }

    /// A Word table: the header row shaded and bold, number columns right-aligned, the
    /// columns as wide as their text asks within the page.
    fn table(&mut self, header: &[String], rows: &[Vec<String>], numeric: &[bool]) -> Table {
        let widths = column_widths(header, rows);
        let right = |c: usize| numeric.get(c) == Some(&true);
        let mut cell = |c: usize, text: &str, head: bool| {
            let mut run = Run::new().add_text(clean(text));
            if head {
                run = run.bold();
            }
            let mut p = self.para("TableText").add_run(run);
            if right(c) {
                p = p.align(AlignmentType::Right);
            }
            let mut cell = TableCell::new()
                .add_paragraph(p)
                .width(widths.get(c).copied().unwrap_or(0), WidthType::Dxa);
            if head {
                cell = cell.shading(Shading::new().fill("D9E2F3"));
            }
            cell
        };
        let mut out = vec![TableRow::new(
            header
                .iter()
                .enumerate()
                .map(|(c, h)| cell(c, h, true))
                .collect(),
        )];
        for r in rows {
            out.push(TableRow::new(
                r.iter()
                    .enumerate()
                    .map(|(c, t)| cell(c, t, false))
                    .collect(),
            ));
        }
        Table::new(out)
            .set_grid(widths)
            .width(TEXT_WIDTH, WidthType::Dxa)
    }
}

/// Each column's width in twentieths of a point: at least its longest word (so that no
/// word or number breaks; a word beyond 16 characters, such as an address, may), and the
/// rest of the text's width shared out by the average length of each column's cells.
fn column_widths(header: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    // A character of 9 pt Arial, generously, and a cell's side margins.
    const CHAR: usize = 110;
    const PADDING: usize = 240;
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    let longest = |c: usize, of: &dyn Fn(&str) -> usize| {
        header
            .get(c)
            .into_iter()
            .chain(rows.iter().filter_map(|r| r.get(c)))
            .map(|t| of(t))
            .max()
            .unwrap_or(0)
    };
    let word = |t: &str| {
        t.split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0)
    };
    let whole = |t: &str| t.chars().count();
    let least: Vec<usize> = (0..columns)
        .map(|c| longest(c, &word).min(16) * CHAR + PADDING)
        .collect();
    // A column's share of the rest: the average length of its cells, so that the column of
    // long sources gets the most.
    let weights: Vec<usize> = (0..columns)
        .map(|c| {
            let cells: Vec<usize> = rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|t| whole(t))
                .collect();
            (cells.iter().sum::<usize>() / cells.len().max(1)).clamp(4, 120)
        })
        .collect();
    let needed: usize = least.iter().sum();
    if needed >= TEXT_WIDTH {
        // Too many columns to fit whole: each in proportion to what it needs.
        return least
            .iter()
            .map(|l| TEXT_WIDTH * l / needed.max(1))
            .collect();
    }
    let total = weights.iter().sum::<usize>().max(1);
    least
        .iter()
        .zip(&weights)
        .map(|(l, w)| l + (TEXT_WIDTH - needed) * w / total)
        .collect()
}

/// A PNG's width and height in pixels, from its header; `None` if it is not a PNG.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];
    if png.get(..8)? != SIGNATURE || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let read = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?))
    };
    let (w, h) = (read(16)?, read(20)?);
    (w > 0 && h > 0).then_some((w, h))
}

/// Text as Word can hold it: control characters (which XML 1.0 cannot carry) become
/// spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests;
