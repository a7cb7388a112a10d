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
    /// Text or a file beyond the size gapsim reads (a model file over 16 MiB, a name over
    /// 64 characters, a label over 200).
    TooLong,
    /// Characters that could make the terminal show something other than the file says
    /// (bidirectional controls, line and paragraph separators).
    Spoofing,
    /// A figure that is allowed but probably not what its author meant (a percentage
    /// written as a whole number, pounds in a £m model, slippage in weeks).
    Implausible,
    /// Stands for the problems not kept once [`MAX_DIAGNOSTICS`] were found.
    Truncated,
}

/// The most diagnostics kept for one model: a generated file of a million bad lines would
/// otherwise hold a million messages in memory and print them all. The rest are counted.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// The most diagnostics [`render`] prints in full; the rest are counted in one line.
pub const SHOWN: usize = 100;

/// A second place a diagnostic is about (each pair of a correlation conflict), shown as
/// `= note: file:line:col: ...` under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Byte range in the file, when there is one.
    pub span: Option<Range<usize>>,
    /// What is there.
    pub message: String,
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
    /// Other places involved, in order.
    pub notes: Vec<Note>,
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
            notes: Vec::new(),
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

    /// Adds a second place it is about.
    pub fn with_note(mut self, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            span,
            message: message.into(),
        });
        self
    }
}

/// The diagnostics as `--strict` reads them: every warning is an error, saying so.
pub fn strict(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    diagnostics
        .iter()
        .map(|d| match d.severity {
            Severity::Error => d.clone(),
            Severity::Warning => Diagnostic {
                severity: Severity::Error,
                ..d.clone()
            }
            .with_note(None, "this is a warning; --strict turned it into an error"),
        })
        .collect()
}

/// The characters that can make a terminal or an editor show text in another order than
/// the file holds it, or break a line where the file has none: the bidirectional embedding,
/// override and isolate controls (U+202A–U+202E, U+2066–U+2069, the "Trojan Source"
/// characters), the invisible direction marks (U+200E, U+200F, U+061C) and the line and
/// paragraph separators (U+2028, U+2029). A figure in a label could be shown reversed or
/// moved onto a line of its own.
pub fn is_spoofing(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{2028}'
            | '\u{2029}'
    )
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
    Lines::new(src).line_col(at)
}

/// Where each line of a text starts, so that many positions can be placed in one pass
/// over the text (placing each from the start would be quadratic in a file with many
/// problems).
pub(crate) struct Lines<'s> {
    src: &'s str,
    starts: Vec<usize>,
}

impl<'s> Lines<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { src, starts }
    }

    /// The nearest character boundary at or before `at`.
    fn boundary(&self, at: usize) -> usize {
        let at = at.min(self.src.len());
        (at.saturating_sub(3)..=at)
            .rev()
            .find(|&i| self.src.is_char_boundary(i))
            .unwrap_or(0)
    }

    /// The 0-based line holding byte `at`, and where it starts.
    fn line_of(&self, at: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        (line, self.starts[line])
    }

    /// The 1-based line of byte `at`.
    pub(crate) fn line(&self, at: usize) -> usize {
        self.line_of(self.boundary(at)).0 + 1
    }

    fn line_col(&self, at: usize) -> (usize, usize) {
        let at = self.boundary(at);
        let (line, start) = self.line_of(at);
        (line + 1, visible(self.src, start, at).chars().count() + 1)
    }
}

/// Text from the model, made safe to print: each control character (other than a line
/// break where `keep_newlines`, and a tab) becomes its visible Unicode picture (ESC → ␛),
/// and each character that could reorder or break the line ([`is_spoofing`]) becomes �,
/// one character for one, so that columns stay right and a terminal is never sent an
/// escape sequence or a direction override from a model file.
fn printable(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => c,
            '\n' if keep_newlines => c,
            '\u{0}'..='\u{1F}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}'),
            '\u{7F}' => '\u{2421}',
            c if c.is_control() || is_spoofing(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Renders diagnostics for a person: `file:line:col`, the message, the offending line with
/// a caret under the place, the fix and the other places involved. At most [`SHOWN`] are
/// printed in full; the footer counts them all.
pub fn render(file: &str, src: &str, diagnostics: &[Diagnostic]) -> String {
    let lines = Lines::new(src);
    let file = printable(file, false);
    let mut out = String::new();
    let place = |span: &Option<Range<usize>>| match span {
        Some(span) => {
            let (line, col) = lines.line_col(span.start);
            format!("{file}:{line}:{col}")
        }
        None => file.clone(),
    };
    for d in diagnostics.iter().take(SHOWN) {
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let message = printable(&d.message, false);
        let _ = writeln!(out, "{label}: {}: {message}", place(&d.span));
        if let Some(span) = &d.span {
            write_snippet(&mut out, &lines, span.clone());
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {}", printable(help, true));
        }
        for n in &d.notes {
            let message = printable(&n.message, false);
            let _ = match &n.span {
                Some(_) => writeln!(out, "  = note: {}: {message}", place(&n.span)),
                None => writeln!(out, "  = note: {message}"),
            };
        }
        out.push('\n');
    }
    if diagnostics.len() > SHOWN {
        let _ = writeln!(
            out,
            "... and {} more not shown; fix the ones above and check again\n",
            diagnostics.len() - SHOWN
        );
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && d.kind != ProblemKind::Truncated)
        .count();
    let truncated = diagnostics.iter().any(|d| d.kind == ProblemKind::Truncated);
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.kind != ProblemKind::Truncated)
        .count();
    if errors > 0 {
        let more = if truncated { "more than " } else { "" };
        let _ = writeln!(
            out,
            "{file}: {more}{errors} error{} and {warnings} warning{}; nothing was run",
            plural(errors),
            plural(warnings)
        );
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The most characters of a line a snippet shows: a generated file may hold megabytes on
/// one line, and every problem on it would print all of them.
const SNIPPET_CHARS: usize = 100;

fn write_snippet(out: &mut String, lines: &Lines<'_>, span: Range<usize>) {
    let src = lines.src;
    let start = lines.boundary(span.start);
    let (line, line_start) = lines.line_of(start);
    let line_end = src[line_start..]
        .find('\n')
        .map_or(src.len(), |i| line_start + i);
    let before = visible(src, line_start, start);
    let after = src[start..line_end].trim_end_matches('\r');
    // A window of the line around the place: what comes before it, cut to half the
    // window, and what follows, cut to the rest.
    let col = before.chars().count();
    let keep_before = SNIPPET_CHARS / 2;
    let (lead, shown_before) = if col > keep_before {
        let skip = before
            .char_indices()
            .nth(col - keep_before)
            .map_or(0, |(i, _)| i);
        ("…", &before[skip..])
    } else {
        ("", before)
    };
    let room = SNIPPET_CHARS - shown_before.chars().count();
    let (shown_after, tail) = match after.char_indices().nth(room) {
        Some((i, _)) => (&after[..i], "…"),
        None => (after, ""),
    };
    let text = printable(&format!("{lead}{shown_before}{shown_after}{tail}"), false);
    let number = (line + 1).to_string();
    let gutter = number.len();
    let caret_at = lead.chars().count() + shown_before.chars().count();
    let end = lines.boundary(span.end.clamp(start, line_end));
    let width = src[start..end]
        .chars()
        .take(SNIPPET_CHARS)
        .count()
        .clamp(1, shown_after.chars().count().max(1));
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{number} | {text}");
    let _ = writeln!(
        out,
        "{:gutter$} | {}{}",
        "",
        " ".repeat(caret_at),
        "^".repeat(width)
    );
}

/// The edit distance of `a` and `b` if it is at most `k`, else `None`, with the work it
/// did (cells of the table computed).
///
/// Only the diagonal band |i − j| <= k of the table can hold a distance within `k`, so
/// only it is computed: O(k · min(|a|, |b|)) work, never |a|·|b|, and nothing at all when
/// the lengths differ by more than `k`. A 100,000-character name against a 10-character
/// one costs nothing; against one of 100,000 it costs at most 2k + 1 cells a character.
fn bounded_levenshtein(a: &[char], b: &[char], k: usize) -> (Option<usize>, usize) {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() - a.len() > k {
        return (None, 0);
    }
    let big = k + 1;
    let width = b.len() + 1;
    let mut prev: Vec<usize> = (0..width).map(|j| j.min(big)).collect();
    let mut cur = vec![big; width];
    let mut work = 0;
    for (i, &ca) in a.iter().enumerate() {
        let row = i + 1;
        let lo = row.saturating_sub(k).max(1);
        let hi = (row + k).min(b.len());
        // Only the band is written; the cells just outside it are set to "too far", so
        // that nothing from an older row is read.
        cur[lo - 1] = if lo == 1 { row.min(big) } else { big };
        let mut best = cur[lo - 1];
        for j in lo..=hi {
            let cost = usize::from(ca != b[j - 1]);
            let v = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            cur[j] = v.min(big);
            best = best.min(cur[j]);
        }
        if hi + 1 < width {
            cur[hi + 1] = big;
        }
        work += hi + 1 - lo;
        if best > k {
            return (None, work);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    ((d <= k).then_some(d), work)
}

/// Text longer than this gets no "did you mean": no name or field is this long, so it is
/// not a typo of one, and comparing it would be wasted work.
const SUGGEST_CHARS: usize = 100;

/// Table cells one [`Suggester`] may compute in all: a model with thousands of misspelt
/// references to thousands of drivers would otherwise cost their product.
const SUGGEST_WORK: usize = 20_000_000;

/// Finds "did you mean" suggestions within a fixed budget of work for one model.
#[derive(Debug)]
pub struct Suggester {
    budget: usize,
}

impl Default for Suggester {
    fn default() -> Self {
        Suggester {
            budget: SUGGEST_WORK,
        }
    }
}

impl Suggester {
    /// The candidate closest to `wrong`, if it is close enough to be a likely typo: within
    /// a third of the candidate's length (at least 2), compared without regard to case
    /// ("PERT" is `pert` mistyped). `None` once the budget of work is spent.
    pub fn closest<'a>(
        &mut self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        let fold = |s: &str, limit: usize| -> Option<Vec<char>> {
            let mut v = Vec::new();
            for c in s.chars() {
                if v.len() == limit {
                    return None;
                }
                v.extend(c.to_lowercase());
            }
            Some(v)
        };
        let wrong = fold(wrong, SUGGEST_CHARS)?;
        let mut best: Option<(usize, &'a str)> = None;
        for c in candidates {
            // Each candidate costs at least the look at its length.
            self.budget = self.budget.checked_sub(1 + c.len().min(SUGGEST_CHARS))?;
            let Some(folded) = fold(c, SUGGEST_CHARS) else {
                continue;
            };
            let k = (folded.len() / 3).max(2);
            let k = best.map_or(k, |(d, _)| k.min(d));
            let (d, work) = bounded_levenshtein(&wrong, &folded, k);
            self.budget = self.budget.checked_sub(work)?;
            if let Some(d) = d {
                if best.is_none_or(|(b, _)| d < b) {
                    best = Some((d, c));
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// The candidate closest to `wrong`, if it is close enough to be a likely typo (see
/// [`Suggester::closest`]).
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    Suggester::default().closest(wrong, candidates)
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

    /// The whole table, for comparison.
    fn full_levenshtein(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                let cost = usize::from(ca != cb);
                cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn the_banded_distance_agrees_with_the_whole_table_within_its_band() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "growth",
            "grwoth",
            "growht",
            "gr",
            "rowth",
            "clients",
            "cleints",
            "unit_cost",
            "unitcost",
            "kitten",
            "sitting",
            "xxxxxxxx",
        ];
        for a in words {
            for b in words {
                let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let d = full_levenshtein(&a, &b);
                for k in 0..6 {
                    let (got, _) = bounded_levenshtein(&a, &b, k);
                    assert_eq!(got, (d <= k).then_some(d), "{a:?} {b:?} k={k}");
                }
            }
        }
    }

    #[test]
    fn the_distance_of_long_text_costs_a_band_not_a_square() {
        let long: Vec<char> = "a".repeat(100_000).chars().collect();
        let mut other = long.clone();
        other[50_000] = 'b';
        // Lengths far apart: no work at all.
        assert_eq!(bounded_levenshtein(&long, &['a'; 10], 3), (None, 0));
        // Equal lengths: at most 2k + 1 cells a character, not 10^10.
        let (d, work) = bounded_levenshtein(&long, &other, 3);
        assert_eq!(d, Some(1));
        assert!(work <= 7 * 100_000, "{work}");
        // A suggestion for text longer than any name is not even attempted.
        let name = "a".repeat(100_000);
        let mut s = Suggester::default();
        assert_eq!(s.closest(&name, [name.as_str()]), None);
        assert_eq!(s.budget, SUGGEST_WORK);
    }

    #[test]
    fn suggestions_stop_when_their_budget_is_spent() {
        let names: Vec<String> = (0..100).map(|i| format!("driver_{i:03}")).collect();
        let mut s = Suggester { budget: 50 };
        assert_eq!(
            s.closest("driver_099", names.iter().map(String::as_str)),
            None
        );
        let mut s = Suggester::default();
        assert_eq!(
            s.closest("driver_099", names.iter().map(String::as_str)),
            Some("driver_099")
        );
    }

    #[test]
    fn suggestions_ignore_case() {
        assert_eq!(closest("PERT", ["pert", "beta"]), Some("pert"));
        assert_eq!(
            closest("Lognormal", ["normal", "lognormal"]),
            Some("lognormal")
        );
        assert_eq!(
            closest("Cohort", ["cohort", "simple", "risk"]),
            Some("cohort")
        );
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_place() {
        let src = format!("x = {}y{}\n", "a".repeat(100_000), "b".repeat(100_000));
        let at = src.find('y').unwrap();
        let d = Diagnostic::error(ProblemKind::Syntax, Some(at..at + 1), "here");
        let text = render("m.toml", &src, &[d]);
        assert!(text.contains("m.toml:1:100005:"), "{}", &text[..200]);
        assert!(text.len() < 600, "{} bytes", text.len());
        // The caret is under the `y`.
        let shown = text.lines().nth(2).unwrap();
        let caret = text.lines().nth(3).unwrap();
        let col = caret.chars().position(|c| c == '^').unwrap();
        assert_eq!(shown.chars().nth(col), Some('y'), "{shown}\n{caret}");
    }

    #[test]
    fn notes_are_located_and_strict_makes_warnings_errors() {
        let src = "a = 1\nb = 2\n";
        let d = Diagnostic::warning(ProblemKind::Inconsistent, Some(0..1), "a and b")
            .with_note(Some(6..7), "b is set here");
        let text = render("m.toml", src, std::slice::from_ref(&d));
        assert!(text.contains("= note: m.toml:2:1: b is set here"), "{text}");
        assert!(!text.contains("nothing was run"), "{text}");
        let text = render("m.toml", src, &strict(&[d]));
        assert!(text.contains("error: m.toml:1:1: a and b"), "{text}");
        assert!(text.contains("--strict turned it into an error"), "{text}");
        assert!(
            text.contains("1 error and 0 warnings; nothing was run"),
            "{text}"
        );
    }

    #[test]
    fn direction_overrides_are_never_printed() {
        let src = "label = \"a\u{202E}b\u{2028}c\"\n";
        let d = Diagnostic::error(ProblemKind::Spoofing, Some(10..13), "x\u{2066}y");
        let text = render("m.toml", src, &[d]);
        assert!(!text.chars().any(is_spoofing), "{text:?}");
    }

    #[test]
    fn only_so_many_diagnostics_are_printed() {
        let src = "a = 1\n";
        let many: Vec<Diagnostic> = (0..SHOWN + 5)
            .map(|_| Diagnostic::error(ProblemKind::Syntax, Some(0..1), "bad"))
            .collect();
        let text = render("m.toml", src, &many);
        assert_eq!(text.matches("error: m.toml:1:1: bad").count(), SHOWN);
        assert!(text.contains("... and 5 more not shown"), "{text}");
        assert!(text.contains(&format!("{} errors and 0 warnings", SHOWN + 5)));
    }

    #[test]
    fn closest_suggests_only_near_misses() {
        let names = ["clients", "unit_cost", "budget"];
        assert_eq!(closest("cleints", names), Some("clients"));
        assert_eq!(closest("unitcost", names), Some("unit_cost"));
        assert_eq!(closest("weather", names), None);
    }
}
