//! `report.html`: the committee report as one self-contained page (inline CSS and SVG, no
//! scripts, no external references) that prints cleanly on A4.

use std::fmt::Write as _;

use super::date::Date;
use super::document::Block;
use crate::chart::Chart;

const CSS: &str = include_str!("report.css");

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// An SVG document ready to sit inside HTML: the namespace attribute (an address, though
/// never fetched) is dropped, as HTML does not need it.
fn inline_svg(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// A CSS string literal for `text`: everything but ASCII letters, digits and spaces as a
/// hex escape, so that no model text can end the string or the style sheet.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:x} ", u32::from(c)));
        }
    }
    out.push('"');
    out
}

/// The printed page's margins: page numbers at the foot, the date and the report's title
/// at the head (CSS page-margin boxes, which Chromium prints).
fn page_css(title: &str, date: &Date) -> String {
    format!(
        "@page {{\n  @top-left {{ content: {}; font-size: 8pt; color: #666; }}\n  \
         @top-right {{ content: {}; font-size: 8pt; color: #666; }}\n  \
         @bottom-center {{ content: \"Page \" counter(page) \" of \" counter(pages); \
         font-size: 8pt; color: #666; }}\n}}\n",
        css_string(title),
        css_string(&date.to_string()),
    )
}

/// The opening tag of a table cell: its class for numbers, and the column's header as a
/// label for narrow screens, where a text table's cells stack.
fn cell_open(tag: &str, numeric: bool, label: Option<&str>) -> String {
    let class = if numeric { " class=\"num\"" } else { "" };
    match label {
        Some(l) => format!("<{tag}{class} data-label=\"{}\">", esc(l)),
        None => format!("<{tag}{class}>"),
    }
}

/// Renders the blocks, dated `date`, with each figure's SVG inlined from `charts`. A
/// figure whose chart is absent is left out.
pub fn render(title: &str, date: &Date, blocks: &[Block], charts: &[Chart]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}{}</style>\n</head>\n<body>\n<main>\n",
        esc(title),
        page_css(title, date),
    );
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", esc(text));
            }
            Block::Dateline(text) => {
                let _ = writeln!(out, "<p class=\"dateline\">{}</p>", esc(text));
            }
            Block::Headline { text, note } => {
                let _ = writeln!(
                    out,
                    "<div class=\"headline\"><p>{}</p><p class=\"note\">{}</p></div>",
                    esc(text),
                    esc(note)
                );
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", esc(text));
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Table {
                header,
                rows,
                numeric,
            } => table(&mut out, header, rows, numeric),
            Block::Figure { chart, caption } => {
                if let Some(c) = charts.iter().find(|c| c.name == *chart) {
                    let _ = writeln!(
                        out,
                        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                        inline_svg(&c.svg),
                        esc(caption)
                    );
                }
            }
            Block::Code(text) => {
                let _ = writeln!(out, "<pre><code>{}</code></pre>", esc(text));
            }
        }
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A table inside a container that scrolls sideways on a narrow screen; a table of text
/// alone (no number columns) stacks its cells there instead, each under its header.
fn table(out: &mut String, header: &[String], rows: &[Vec<String>], numeric: &[bool]) {
    let is_num = |i: usize| numeric.get(i) == Some(&true);
    let text_only = !(0..header.len()).any(is_num);
    let class = if text_only { "table stack" } else { "table" };
    let _ = write!(out, "<div class=\"{class}\">\n<table>\n<thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let _ = write!(out, "{}{}</th>", cell_open("th", is_num(i), None), esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let label = if text_only {
                header.get(i).map(String::as_str)
            } else {
                None
            };
            let _ = write!(
                out,
                "{}{}</td>",
                cell_open("td", is_num(i), label),
                esc(cell)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}
