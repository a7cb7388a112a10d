//! `report.md`: the same report in Markdown, with the PNG charts beside it.

use std::fmt::Write as _;

use super::document::Block;

/// Escapes characters that would change the meaning of a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Renders the blocks; figures refer to `NAME.png` in the same folder. `charts` lists the
/// chart names present; a figure whose chart is absent is left out.
pub fn render(blocks: &[Block], charts: &[&str]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "{} {text}\n", "#".repeat(usize::from(*level)));
            }
            Block::Headline(text) => {
                let _ = writeln!(out, "**{text}**\n");
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "{text}\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table {
                header,
                rows,
                numeric,
            } => {
                let _ = writeln!(
                    out,
                    "| {} |",
                    header
                        .iter()
                        .map(|h| cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let rule: Vec<&str> = (0..header.len())
                    .map(|i| {
                        if numeric.get(i) == Some(&true) {
                            "---:"
                        } else {
                            "---"
                        }
                    })
                    .collect();
                let _ = writeln!(out, "| {} |", rule.join(" | "));
                for row in rows {
                    let _ = writeln!(
                        out,
                        "| {} |",
                        row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                    );
                }
                out.push('\n');
            }
            Block::Figure { chart, caption } => {
                if charts.contains(chart) {
                    let _ = writeln!(out, "![{caption}]({chart}.png)\n\n*{caption}*\n");
                }
            }
            Block::Code(text) => {
                let _ = writeln!(out, "```\n{text}\n```\n");
            }
        }
    }
    out
}
