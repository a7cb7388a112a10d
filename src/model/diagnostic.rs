//! Problems found in a model file, with where they are and how to fix them.
//!
//! The parser and the validator push every problem they find into one list instead of
//! stopping at the first, so a finance officer editing a model by hand sees all of them in
//! one go. Rendering to text happens once, in [`render`], which the command line calls.

use std::fmt::Write as _;
use std::ops::Range;

/// What kind of problem a [`Diagnostic`] reports; tests match on it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// The file is not UTF-8 text.
    Encoding,
    /// The file is not valid TOML.
    Syntax,
    /// A field this place does not know (usually a typo).
    UnknownField,
    /// A value of the wrong TOML type (a string where a number belongs, ...).
    WrongType,
    /// A required field is absent.
    MissingField,
    /// NaN or infinity where a finite number belongs.
    NotFinite,
    /// A number outside the range its meaning allows (a negative standard deviation, a
    /// probability of 1.3, a negative amount).
    OutOfRange,
    /// Bounds in the wrong order (min > mode, mode > max, min >= max).
    BadOrder,
    /// A reference to a driver that is not defined.
    UnknownName,
    /// The same name used twice.
    DuplicateName,
    /// A model with nothing to simulate.
    Empty,
    /// A value that is well-typed but meaningless here (an unknown distribution name, ...).
    InvalidValue,
    /// Values that are each fine but cannot hold together (correlations whose matrix is not
    /// positive semi-definite).
    Inconsistent,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The model cannot be run.
    Error,
    /// The model runs, but probably not as its author meant.
    Warning,
}

/// One problem in a model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem, for tests and tools.
    pub kind: ProblemKind,
    /// Byte range in the file the problem is about, when there is one.
    pub span: Option<Range<usize>>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// How to fix it, when we can say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(
        kind: ProblemKind,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind,
            span,
            message: message.into(),
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(
        kind: ProblemKind,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(kind, span, message)
        }
    }

    /// Adds the advice on how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The byte-order mark some editors put at the start of a UTF-8 file. It is not part of
/// the text a person sees, so it does not count as a column.
const BOM: char = '\u{FEFF}';

/// The part of a line before byte `at` that a person sees: without a leading
/// byte-order mark on the first line.
fn visible(src: &str, line_start: usize, at: usize) -> &str {
    let text = &src[line_start..at];
    if line_start == 0 {
        text.strip_prefix(BOM).unwrap_or(text)
    } else {
        text
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `src`.
pub fn line_col(src: &str, at: usize) -> (usize, usize) {
    let at = at.min(src.len());
    let at = (0..=at)
        .rev()
        .find(|&i| src.is_char_boundary(i))
        .unwrap_or(0);
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = visible(src, line_start, at).chars().count() + 1;
    (line, col)
}

/// Text from the model, made safe to print: each control character (other than a line
/// break where `keep_newlines`, and a tab) becomes its visible Unicode picture (ESC → ␛),
/// one character for one, so that columns stay right and a terminal is never sent an
/// escape sequence from a model file.
fn printable(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => c,
            '\n' if keep_newlines => c,
            '\u{0}'..='\u{1F}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}'),
            '\u{7F}' => '\u{2421}',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Renders diagnostics for a person: `file:line:col`, the message, the offending line with
/// a caret under the place, and the fix.
pub fn render(file: &str, src: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let message = printable(&d.message, false);
        match &d.span {
            Some(span) => {
                let (line, col) = line_col(src, span.start);
                let _ = writeln!(out, "{label}: {file}:{line}:{col}: {message}");
                write_snippet(&mut out, src, span.clone(), line);
            }
            None => {
                let _ = writeln!(out, "{label}: {file}: {message}");
            }
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {}", printable(help, true));
        }
        out.push('\n');
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    if errors > 0 {
        let _ = writeln!(
            out,
            "{file}: {errors} error{} and {warnings} warning{}; nothing was run",
            plural(errors),
            plural(warnings)
        );
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_snippet(out: &mut String, src: &str, span: Range<usize>, line: usize) {
    let start = span.start.min(src.len());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[line_start..]
        .find('\n')
        .map_or(src.len(), |i| line_start + i);
    let text = printable(
        visible(src, line_start, line_end).trim_end_matches('\r'),
        false,
    );
    let gutter = line.to_string().len();
    let col = visible(src, line_start, start).chars().count();
    let end = span.end.clamp(start, line_end);
    let width = src[start..end].chars().count().max(1);
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{line} | {text}");
    let _ = writeln!(
        out,
        "{:gutter$} | {}{}",
        "",
        " ".repeat(col),
        "^".repeat(width)
    );
}

/// Edit distance, for "did you mean" suggestions.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `wrong`, if it is close enough to be a likely typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(wrong, c), c))
        .filter(|&(d, c)| d <= (c.chars().count() / 3).max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let src = "a = 1\n£b = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // '£' is two bytes; 'b' is the second character of line 2.
        assert_eq!(line_col(src, 8), (2, 2));
    }

    #[test]
    fn render_points_a_caret_at_the_span() {
        let src = "[meta]\nname = 5\n";
        let d = Diagnostic::error(ProblemKind::WrongType, Some(14..15), "expected a string")
            .with_help("put the name in quotes");
        let text = render("m.toml", src, &[d]);
        assert!(
            text.contains("error: m.toml:2:8: expected a string"),
            "{text}"
        );
        assert!(text.contains("2 | name = 5"), "{text}");
        assert!(text.contains("  |        ^\n"), "{text}");
        assert!(text.contains("= help: put the name in quotes"), "{text}");
        assert!(text.contains("1 error and 0 warnings"), "{text}");
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let src = "\u{FEFF}[meta] x\nb = 1\n";
        // `x` is the 8th character a person sees on line 1.
        assert_eq!(line_col(src, src.find('x').unwrap()), (1, 8));
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, src.find('b').unwrap()), (2, 1));
        let at = src.find('x').unwrap();
        let d = Diagnostic::error(ProblemKind::Syntax, Some(at..at + 1), "here");
        let text = render("m.toml", src, &[d]);
        assert!(text.contains("m.toml:1:8:"), "{text}");
        assert!(text.contains("1 | [meta] x\n"), "{text}");
        assert!(text.contains("  |        ^\n"), "{text}");
    }

    #[test]
    fn control_characters_are_shown_not_sent_to_the_terminal() {
        let src = "name = 1\n";
        let d = Diagnostic::error(ProblemKind::UnknownField, Some(0..4), "field `a\u{1b}[2J`")
            .with_help("one\ntwo\u{7}");
        let text = render("m.toml", src, &[d]);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(text.contains("field `a␛[2J`"), "{text}");
        assert!(text.contains("one\ntwo␇"), "{text}");
    }

    #[test]
    fn closest_suggests_only_near_misses() {
        let names = ["clients", "unit_cost", "budget"];
        assert_eq!(closest("cleints", names), Some("clients"));
        assert_eq!(closest("unitcost", names), Some("unit_cost"));
        assert_eq!(closest("weather", names), None);
    }
}
