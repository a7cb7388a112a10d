//! `report.html`: the committee report as one self-contained page (inline CSS and SVG, no
//! scripts, no external references) that prints cleanly on A4.

use std::fmt::Write as _;

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

/// Renders the blocks, with each figure's SVG inlined from `charts`. A figure whose chart
/// is absent is left out.
pub fn render(title: &str, blocks: &[Block], charts: &[Chart]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(title)
    );
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", esc(text));
            }
            Block::Headline(text) => {
                let _ = writeln!(out, "<p class=\"headline\">{}</p>", esc(text));
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
            } => {
                out.push_str("<table>\n<thead><tr>");
                for (i, h) in header.iter().enumerate() {
                    let class = if numeric.get(i) == Some(&true) {
                        " class=\"num\""
                    } else {
                        ""
                    };
                    let _ = write!(out, "<th{class}>{}</th>", esc(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for (i, cell) in row.iter().enumerate() {
                        let class = if numeric.get(i) == Some(&true) {
                            " class=\"num\""
                        } else {
                            ""
                        };
                        let _ = write!(out, "<td{class}>{}</td>", esc(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
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
