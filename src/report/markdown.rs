//! `report.md`: the same report in Markdown, with the PNG charts beside it.
//!
//! Every text in the blocks is plain text, much of it from the model (labels, sources, the
//! model's name), so it is escaped before the renderer adds its own Markdown: a label
//! holding `<img src=…>`, `![x](http://…)`, `|` or `*` reads as those characters, never
//! as HTML, a remote image, a table column or emphasis.

use std::fmt::Write as _;

use super::document::Block;

/// Escapes plain text for Markdown (CommonMark and GitHub's tables): every ASCII
/// punctuation character that can start or end markup gets a backslash (CommonMark allows
/// one before any ASCII punctuation), `<` and `&` become HTML entities so that no raw HTML
/// or entity can form, and line breaks become spaces, so a text stays in its paragraph,
/// list item or table cell. A text that starts like a list item, heading or quote (`-`,
/// `+`, `#`, `>`, `1.`) is escaped there too.
pub fn text(plain: &str) -> String {
    let squashed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(squashed.len() + 8);
    for c in squashed.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '|' | '~' | '#' | '{' | '}' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    // A leading marker would make a list item or a rule of the text: `- x`, `+ x`, `---`,
    // `===`, `1. x`, `1) x`. (`-£14.2m` and `3.7` are left as they are.)
    let marker = |rest: &str| rest.is_empty() || rest.starts_with([' ', '-', '+', '=']);
    if out.starts_with(['-', '+', '=']) && marker(&out[1..]) {
        out.insert(0, '\\');
    }
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && out[digits..].starts_with(['.', ')']) && marker(&out[digits + 1..]) {
        out.insert(digits, '\\');
    }
    out
}

/// Renders the blocks; figures refer to `NAME.png` in the same folder. `charts` lists the
/// chart names present; a figure whose chart is absent is left out.
pub fn render(blocks: &[Block], charts: &[&str]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(out, "{} {}\n", "#".repeat(usize::from(*level)), text(t));
            }
            Block::Dateline(t) => {
                let _ = writeln!(out, "*{}*\n", text(t));
            }
            Block::Headline { text: t, note } => {
                let _ = writeln!(out, "**{}**\n\n*{}*\n", text(t), text(note));
            }
            Block::Paragraph(t) => {
                let _ = writeln!(out, "{}\n", text(t));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(out, "- {}", text(i));
                }
                out.push('\n');
            }
            Block::Table {
                header,
                rows,
                numeric,
            } => {
                let row = |cells: &[String]| {
                    cells
                        .iter()
                        .map(|c| {
                            let t = text(c);
                            // An empty cell would leave `||`, which some readers take as
                            // one column.
                            if t.is_empty() { " ".into() } else { t }
                        })
                        .collect::<Vec<_>>()
                        .join(" | ")
                };
                let _ = writeln!(out, "| {} |", row(header));
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
                for r in rows {
                    let _ = writeln!(out, "| {} |", row(r));
                }
                out.push('\n');
            }
            Block::Figure { chart, caption } => {
                if charts.contains(chart) {
                    let caption = text(caption);
                    let _ = writeln!(out, "![{caption}]({chart}.png)\n\n*{caption}*\n");
                }
            }
            Block::Code(t) => {
                // The fence is longer than any run of backticks in the text.
                let longest = t.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                let _ = writeln!(out, "{fence}\n{t}\n{fence}\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_text_cannot_become_markup() {
        assert_eq!(text("<img src=http://x>"), "&lt;img src=http://x&gt;");
        assert_eq!(text("![x](http://y)"), "\\!\\[x\\](http://y)");
        assert_eq!(text("a | b * c `d`"), "a \\| b \\* c \\`d\\`");
        assert_eq!(text("R&D"), "R&amp;D");
        assert_eq!(text("- not a list"), "\\- not a list");
        assert_eq!(text("# not a heading"), "\\# not a heading");
        assert_eq!(text("1. not a list"), "1\\. not a list");
        assert_eq!(text("two\nlines"), "two lines");
        assert_eq!(text("P95 is £69.3m (4.9%)."), "P95 is £69.3m (4.9%).");
        assert_eq!(text("---"), "\\---");
        assert_eq!(text("-£14.2m"), "-£14.2m");
        assert_eq!(text("+0.67"), "+0.67");
        assert_eq!(text("3.7"), "3.7");
    }
}
